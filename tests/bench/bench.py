#!/usr/bin/env python3
"""Benchmark sealway side by side with weston (headless, pixman) in one run.

Both compositors run at the same time on one private XDG_RUNTIME_DIR; each
measurement is taken on one and then the other, alternating, so drift of the
machine hits both alike. Prints a table and never fails on the numbers: it
exits non-zero only if something could not be run at all.

Usage: python3 tests/bench/bench.py --build BUILD_DIR [--quick] [--no-callgrind]
"""

import argparse
import glob
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf('SC_CLK_TCK')
STATS_RE = re.compile(r'frames=(\d+) presented=(\d+) discarded=(\d+) refresh_ns=(\d+) '
                      r'commit_to_present_p50_us=(-?\d+) p99_us=(-?\d+)')
CHURN_RE = re.compile(r'pools=(\d+) mode=(\w+) seconds=([\d.]+) pools_per_s=(\d+)')
BUFFER_CHURN_RE = re.compile(r'buffers=(\d+) size=(\d+x\d+) seconds=([\d.]+)')


class BenchError(Exception):
    pass


def cpu_ticks(pid):
    """utime + stime of the whole process, in clock ticks."""
    with open('/proc/%d/stat' % pid) as f:
        rest = f.read().rsplit(')', 1)[1].split()
    return int(rest[11]) + int(rest[12])


def cpu_ns(pid):
    """Time on CPU of all threads, in ns (schedstat: finer than ticks)."""
    total = 0
    for path in glob.glob('/proc/%d/task/*/schedstat' % pid):
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that just ended
    return total


class Cpu:
    """CPU used by a process between construction and stop()."""

    def __init__(self, pid):
        self.pid = pid
        self.t0 = time.monotonic()
        self.ticks0 = cpu_ticks(pid)
        self.ns0 = cpu_ns(pid)

    def stop(self):
        self.wall = time.monotonic() - self.t0
        self.seconds = (cpu_ticks(self.pid) - self.ticks0) / CLK_TCK
        self.sched_seconds = (cpu_ns(self.pid) - self.ns0) / 1e9
        return self


def vm_hwm_kib(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    return None


class Compositor:
    def __init__(self, name, cmd, runtime, socket_name):
        self.name = name
        self.cmd = cmd
        self.runtime = runtime
        self.socket = socket_name
        self.log = open(os.path.join(runtime, name + '.log'), 'w+')
        self.env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
        for var in ('WAYLAND_DISPLAY', 'WAYLAND_SOCKET', 'DISPLAY'):
            self.env.pop(var, None)
        self.proc = subprocess.Popen(cmd, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid

    def wait_ready(self, timeout):
        """Ready once a connect() to its socket succeeds."""
        path = os.path.join(self.runtime, self.socket)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError('%s exited with %d at start:\n%s'
                                 % (self.name, self.proc.returncode, self.log_tail()))
            if os.path.exists(path):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(path)
                    return
                except OSError:
                    pass
                finally:
                    s.close()
            time.sleep(0.02)
        raise BenchError('%s did not listen on %s within %.0f s' % (self.name, path, timeout))

    def settle(self, quiet=0.02, window=0.5, timeout=20):
        """Wait until start-up work (weston's helper clients drawing their
        first frames, valgrind translating code) is over: less than `quiet`
        of a CPU used over `window` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            cpu = Cpu(self.pid)
            time.sleep(window)
            if cpu.stop().sched_seconds < quiet * cpu.wall:
                return
        print('bench: note: %s still busy after %.0f s' % (self.name, timeout),
              file=sys.stderr)

    def client_env(self):
        return dict(self.env, WAYLAND_DISPLAY=self.socket)

    def run(self, cmd, timeout=60):
        p = subprocess.run(cmd, env=self.client_env(), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout)
        if p.returncode != 0:
            raise BenchError('%s against %s exited with %d:\n%s%s'
                             % (' '.join(cmd), self.name, p.returncode, p.stdout, p.stderr))
        return p.stdout

    def spawn(self, cmd):
        return subprocess.Popen(cmd, env=self.client_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def alive(self):
        return self.proc.poll() is None

    def log_tail(self, lines=15):
        self.log.flush()
        self.log.seek(0)
        return ''.join(self.log.readlines()[-lines:])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def stop_client(proc, timeout=5):
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return proc.returncode, out, err


def parse_stats(text, what):
    m = STATS_RE.search(text)
    if not m:
        raise BenchError('no statistics line from %s in:\n%s' % (what, text))
    keys = ('frames', 'presented', 'discarded', 'refresh_ns', 'p50_us', 'p99_us')
    return dict(zip(keys, (int(g) for g in m.groups())))


# ---- measurements; each takes one compositor and returns a dict ----

def animate(comp, prog, frames, size):
    cpu = Cpu(comp.pid)
    out = comp.run([prog['shm'], '--frames', str(frames), '--size', size, '--log', 'warn'])
    cpu.stop()
    stats = parse_stats(out, 'sealway-shm on ' + comp.name)
    shown = max(stats['presented'], 1)
    stats.update(wall=cpu.wall, cpu_s=cpu.seconds, sched_s=cpu.sched_seconds,
                 us_per_frame=cpu.seconds * 1e6 / shown,
                 sched_us_per_frame=cpu.sched_seconds * 1e6 / shown)
    return stats


def simple_shm(comp, prog, seconds):
    client = comp.spawn([prog['simple_shm']])
    time.sleep(0.3)  # connect and map; not part of the window
    if client.poll() is not None:
        raise BenchError('weston-simple-shm on %s exited early: %s'
                         % (comp.name, client.stderr.read()))
    cpu = Cpu(comp.pid)
    ccpu = Cpu(client.pid)
    time.sleep(seconds)
    cpu.stop()
    ccpu.stop()
    stop_client(client)
    return {'cpu_ms_per_s': cpu.seconds * 1e3 / cpu.wall,
            'sched_ms_per_s': cpu.sched_seconds * 1e3 / cpu.wall,
            'client_ms_per_s': ccpu.sched_seconds * 1e3 / ccpu.wall}


def idle(comp, prog, seconds):
    client = comp.spawn([prog['shm'], '--color', 'ff336699', '--frames', '0',
                         '--size', '512x512', '--log', 'warn'])
    time.sleep(0.5)  # first commit and its presentation
    if client.poll() is not None:
        raise BenchError('still sealway-shm on %s exited early: %s'
                         % (comp.name, client.stderr.read()))
    cpu = Cpu(comp.pid)
    ccpu = Cpu(client.pid)
    time.sleep(seconds)
    cpu.stop()
    ccpu.stop()
    status, out, err = stop_client(client)
    stats = parse_stats(out, 'still sealway-shm on ' + comp.name)
    return {'cpu_ms_per_s': cpu.seconds * 1e3 / cpu.wall,
            'sched_ms_per_s': cpu.sched_seconds * 1e3 / cpu.wall,
            'client_sched_ms_per_s': ccpu.sched_seconds * 1e3 / ccpu.wall,
            'client_commits': stats['frames'], 'client_status': status}


def pool_churn(comp, prog, count, mode):
    cpu = Cpu(comp.pid)
    out = comp.run([prog['churn'], str(count), str(512 * 512 * 4), mode])
    cpu.stop()
    m = CHURN_RE.search(out)
    if not m:
        raise BenchError('no pool-churn line from %s: %r' % (comp.name, out))
    seconds = float(m.group(3))
    return {'pools_per_s': count / seconds,
            'cpu_us_per_pool': cpu.sched_seconds * 1e6 / count}


def buffer_churn(comp, prog, frames, size):
    """A new sealed memfd, pool and buffer every frame: compositor CPU per buffer."""
    cpu = Cpu(comp.pid)
    out = comp.run([prog['buffer_churn'], str(frames), size])
    cpu.stop()
    if not BUFFER_CHURN_RE.search(out):
        raise BenchError('no buffer-churn line from %s: %r' % (comp.name, out))
    return {'sched_us_per_buffer': cpu.sched_seconds * 1e6 / frames,
            'us_per_buffer': cpu.seconds * 1e6 / frames}


def callgrind_frames(name, cmd, runtime, socket_name, prog, frames, timeout):
    """Instructions the compositor executes per presented frame, under callgrind
    (counters zeroed after start-up and dumped before shutdown)."""
    out_dir = tempfile.mkdtemp(prefix='cg-', dir=runtime)
    vg = ['valgrind', '--tool=callgrind', '--quiet',
          '--callgrind-out-file=' + os.path.join(out_dir, 'cg.%p')] + cmd
    comp = Compositor(name + '-cg', vg, runtime, socket_name)
    try:
        comp.wait_ready(timeout)
        comp.settle(timeout=timeout)
        subprocess.run(['callgrind_control', '--zero', str(comp.pid)], check=True,
                       capture_output=True, timeout=timeout)
        out = comp.run([prog['shm'], '--frames', str(frames), '--size', '512x512',
                        '--log', 'warn'], timeout=timeout)
        subprocess.run(['callgrind_control', '--dump=bench', str(comp.pid)], check=True,
                       capture_output=True, timeout=timeout)
    finally:
        comp.stop()
    stats = parse_stats(out, 'sealway-shm on %s under callgrind' % name)
    # The explicit dump is the one with a ".1" part; the final one (shutdown) is ignored.
    dumps = [p for p in glob.glob(os.path.join(out_dir, 'cg.*')) if re.search(r'\.\d+\.\d+$', p)]
    if not dumps:
        raise BenchError('no callgrind dump for %s in %s' % (name, os.listdir(out_dir)))
    ir = None
    with open(sorted(dumps)[0]) as f:
        for line in f:
            if line.startswith(('summary:', 'totals:')):
                ir = int(line.split()[1])
                break
    if ir is None:
        raise BenchError('no totals in the callgrind dump of ' + name)
    return {'ir_per_frame': ir / max(stats['presented'], 1), 'presented': stats['presented']}


# ---- reporting ----

def machine_info(build):
    cpu_model = ''
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu_model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    version = '?'
    try:
        with open(os.path.join(build, 'meson-info', 'intro-projectinfo.json')) as f:
            version = json.load(f).get('version', '?')
    except (OSError, ValueError):
        pass
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    rev = subprocess.run(['git', '-C', src, 'rev-parse', '--short', 'HEAD'],
                         capture_output=True, text=True).stdout.strip() or '?'
    weston = subprocess.run(['weston', '--version'], capture_output=True,
                            text=True).stdout.strip()
    buildtype = '?'
    try:
        with open(os.path.join(build, 'meson-info', 'intro-buildoptions.json')) as f:
            for opt in json.load(f):
                if opt['name'] in ('buildtype', 'b_sanitize'):
                    buildtype = (opt['value'] if opt['name'] == 'buildtype'
                                 else buildtype + ', sanitize=' + str(opt['value']))
    except (OSError, ValueError, KeyError):
        pass
    return [
        'machine: %s, nproc %d, kernel %s' % (cpu_model or platform.machine(),
                                               os.cpu_count(), platform.release()),
        'sealway %s (%s, build %s), %s' % (version, rev, buildtype, weston),
    ]


def median(values):
    return statistics.median(values) if values else float('nan')


def fmt(v, spec):
    if v is None or (isinstance(v, float) and v != v):
        return '-'
    return format(v, spec)


def print_table(rows, names):
    width0 = max(len(r[0]) for r in rows)
    widths = [max(len(names[i]), *(len(r[i + 1]) for r in rows)) for i in range(len(names))]
    line = '%-*s | ' % (width0, 'metric') + ' | '.join(
        '%*s' % (w, n) for w, n in zip(widths, names))
    print(line)
    print('-' * len(line))
    for r in rows:
        print('%-*s | ' % (width0, r[0]) + ' | '.join(
            '%*s' % (w, c) for w, c in zip(widths, r[1:])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default=os.environ.get('MESON_BUILD_ROOT', 'build-bench'),
                    help='meson build directory (optimized, unsanitized)')
    ap.add_argument('--quick', action='store_true', help='fewer repeats, shorter windows')
    ap.add_argument('--no-callgrind', action='store_true',
                    help='skip the instruction counts under valgrind')
    args = ap.parse_args()

    build = os.path.abspath(args.build)
    prog = {
        'sealway': os.path.join(build, 'compositor', 'sealway'),
        'shm': os.path.join(build, 'client', 'sealway-shm'),
        'churn': os.environ.get('POOL_CHURN') or os.path.join(build, 'tests', 'bench',
                                                              'pool-churn'),
        'buffer_churn': os.environ.get('BUFFER_CHURN') or os.path.join(
            build, 'tests', 'bench', 'buffer-churn'),
        'simple_shm': shutil.which('weston-simple-shm'),
        'weston': shutil.which('weston'),
    }
    for key, path in prog.items():
        if not path or not os.access(path, os.X_OK):
            print('bench: %s not found (%r); build with ninja -C %s' % (key, path, args.build),
                  file=sys.stderr)
            return 1
    callgrind = not args.no_callgrind and shutil.which('valgrind') and \
        shutil.which('callgrind_control')

    repeats = 1 if args.quick else 2
    frames = 120 if args.quick else 300
    window = 2.0 if args.quick else 5.0
    idle_s = 1.0 if args.quick else 2.0
    churn_n = 2000
    churn_repeats = 1 if args.quick else 5  # 2000 shared-fd pools take only ~15 ms

    runtime = tempfile.mkdtemp(prefix='sealway-bench-')
    os.chmod(runtime, 0o700)
    cmds = {
        'sealway': [prog['sealway'], '--backend=headless', '--refresh=60', '--size=1024x768',
                    '--socket=bench-sealway', '--log=warn'],
        'weston': [prog['weston'], '--backend=headless-backend.so', '--use-pixman',
                   '--width=1024', '--height=768', '--socket=bench-weston', '--idle-time=0',
                   '--no-config'],
    }
    names = ['sealway', 'weston']
    comps = {}
    res = {n: {'animate': [], 'simple': [], 'idle': [], 'reuse': [], 'fresh': [],
               'buffers': []}
           for n in names}
    started = time.monotonic()
    status = 0
    try:
        for n in names:
            comps[n] = Compositor(n, cmds[n], runtime, 'bench-' + n)
        for n in names:
            comps[n].wait_ready(10)
        for n in names:
            comps[n].settle()
        for _ in range(repeats):
            for n in names:
                res[n]['animate'].append(animate(comps[n], prog, frames, '512x512'))
        for n in names:
            res[n]['simple'].append(simple_shm(comps[n], prog, window))
        for n in names:
            res[n]['idle'].append(idle(comps[n], prog, idle_s))
        for _ in range(churn_repeats):
            for n in names:
                for mode in ('reuse', 'fresh'):
                    res[n][mode].append(pool_churn(comps[n], prog, churn_n, mode))
        for _ in range(repeats):
            for n in names:
                res[n]['buffers'].append(buffer_churn(comps[n], prog, frames, '256x256'))
        hwm = {n: vm_hwm_kib(comps[n].pid) for n in names}
        for n in names:
            if not comps[n].alive():
                raise BenchError('%s died during the run:\n%s' % (n, comps[n].log_tail()))
        for n in names:
            rc = comps[n].stop()
            if rc != 0:
                print('bench: note: %s exited with %s at SIGTERM' % (n, rc), file=sys.stderr)
        cg = {}
        if callgrind:
            for n in names:
                cmd = [c.replace('bench-' + n, 'bench-cg-' + n) for c in cmds[n]]
                cg[n] = callgrind_frames(n, cmd, runtime, 'bench-cg-' + n, prog, 60, 60)
    except (BenchError, subprocess.TimeoutExpired, OSError) as e:
        print('bench: %s' % e, file=sys.stderr)
        status = 1
    finally:
        for c in comps.values():
            if c.alive():
                c.stop()
        shutil.rmtree(runtime, ignore_errors=True)
    if status:
        return status

    def med(n, kind, key):
        return median([r[key] for r in res[n][kind]])

    rows = []

    def row(label, kind, key, spec):
        rows.append([label] + [fmt(med(n, kind, key), spec) for n in names])

    row('animate 512x512: compositor CPU us/frame', 'animate', 'us_per_frame', '.0f')
    row('  same, from schedstat (ns clock)', 'animate', 'sched_us_per_frame', '.0f')
    row('  presented frames', 'animate', 'presented', '.0f')
    row('  discarded frames', 'animate', 'discarded', '.0f')
    row('  commit-to-present p50 (us)', 'animate', 'p50_us', '.0f')
    row('  commit-to-present p99 (us)', 'animate', 'p99_us', '.0f')
    row('  refresh (ns)', 'animate', 'refresh_ns', '.0f')
    row('weston-simple-shm: compositor CPU ms/s', 'simple', 'cpu_ms_per_s', '.1f')
    row('  same, from schedstat', 'simple', 'sched_ms_per_s', '.1f')
    row('idle, still window: compositor CPU ms/s', 'idle', 'cpu_ms_per_s', '.2f')
    row('  same, from schedstat', 'idle', 'sched_ms_per_s', '.3f')
    row('  client commits (1 = really still)', 'idle', 'client_commits', '.0f')
    rows.append(['peak RSS, VmHWM (MiB)'] + [fmt(hwm[n] / 1024 if hwm[n] else None, '.1f')
                                             for n in names])
    row('pool churn, one sealed memfd: pools/s', 'reuse', 'pools_per_s', '.0f')
    row('  compositor CPU us/pool', 'reuse', 'cpu_us_per_pool', '.1f')
    # No CPU row for fresh files: whichever side drops the last reference pays
    # for freeing the pages, and that varies from run to run.
    row('pool churn, fresh sealed memfd: pools/s', 'fresh', 'pools_per_s', '.0f')
    row('buffer churn 256x256: compositor CPU us/buffer', 'buffers', 'sched_us_per_buffer',
        '.1f')
    if cg:
        rows.append(['callgrind: compositor instructions/frame']
                    + [fmt(cg[n]['ir_per_frame'], ',.0f') for n in names])

    for line in machine_info(build):
        print(line)
    print('workload: sealway-shm --frames %d --size 512x512 (x%d, median), '
          'weston-simple-shm %.0f s, idle %.0f s, %d pools x%d; output 1024x768@60, pixman'
          % (frames, repeats, window, idle_s, churn_n, churn_repeats))
    print()
    print_table(rows, names)
    for n in names:
        commits = med(n, 'idle', 'client_commits')
        if commits > 1:
            print('note: the still client committed %d times on %s: not idle' % (commits, n))
    print()
    print('weston figures are the weston process alone; its desktop-shell and keyboard\n'
          'helpers run as separate clients. Pools are 1 MiB; "fresh" includes the client\n'
          'making, sizing and sealing a memfd for each pool.')
    print('CPU times are utime+stime (%d Hz ticks) unless marked schedstat; '
          'total %.0f s' % (CLK_TCK, time.monotonic() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main())
