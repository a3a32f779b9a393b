#!/usr/bin/env python3
"""Benchmark sealway side by side with weston (headless, pixman) in one run.

Both compositors run at the same time on one private XDG_RUNTIME_DIR; each
measurement is taken on one and then the other, alternating, so drift of the
machine hits both alike. Prints a table and never fails on the numbers: it
exits non-zero only if something could not be run at all.

It also runs sealway-bench, in two parts:

  --part mech        the shared-memory methods alone, writer and reader
                     processes, no compositor (sealway-bench mech); writes
                     JSON, CSV, text, a markdown table and PNG plots to --out
  --part paths       every allocation path of sealway's clients, alone
  --part scene       the scene's figures, each beside its yardstick: a 1080p
                     opaque window against a pixman copy, eight clients and
                     buffer churn against weston, a 64x64 square
  --part compositor  the comparisons above, then every allocation path of
                     sealway's clients under three workloads (full 1920x1080
                     damage, a 64x64 square, a new buffer every frame) through
                     sealway and weston (sealway-bench client)

--smoke runs a part with tiny sizes and few frames and fails unless its
output parses and every method has numbers or a stated refusal; it is what
the test suite runs. --check-mech FILE applies that check to a saved JSON.

Usage: python3 tests/bench/bench.py --build BUILD_DIR [--part mech|paths|compositor|scene]
           [--quick | --smoke] [--out DIR] [--no-callgrind]
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
WAKEUPS_RE = re.compile(r' wakeups=(\d+)')
# sealway's counters of each output frame (--log=debug): pixels composited, bytes
# composited, bytes copied into the scanout buffer, buffers on planes. The VM
# scenarios read them too.
FRAME_RE = re.compile(r'output \S+ frame \d+: composited (\d+) px .*?, (\d+) bytes, '
                      r'copied (\d+) bytes, on planes (\d+)')
CHURN_RE = re.compile(r'pools=(\d+) mode=(\w+) seconds=([\d.]+) pools_per_s=(\d+)')
BUFFER_CHURN_RE = re.compile(r'buffers=(\d+) size=(\d+x\d+) seconds=([\d.]+)')


class BenchError(Exception):
    pass


def frame_counters(text):
    """(bytes composited, bytes copied, buffers on planes) of each frame sealway
    logged in text."""
    return [(int(m.group(2)), int(m.group(3)), int(m.group(4))) for m in FRAME_RE.finditer(text)]


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
        self.log_path = os.path.join(runtime, name + '.log')
        self.log = open(self.log_path, 'w+')
        # With --log=debug sealway logs what each frame composited and copied.
        self.counters = '--log=debug' in cmd
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

    def log_mark(self):
        return os.path.getsize(self.log_path)

    def log_since(self, mark):
        """What it logged after log_mark() returned mark (read through a file
        of its own: the child shares the offset of self.log)."""
        with open(self.log_path, errors='replace') as f:
            f.seek(mark)
            return f.read()

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


def compare(args, build):
    """sealway and weston side by side on sealway-shm, weston-simple-shm,
    an idle window and pool churn."""
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
        for n in comps:
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


# ---- part 1: the mechanisms alone (sealway-bench mech) ----

MECH_METHODS = ['sysv', 'posix-name', 'posix-fd', 'memfd', 'memfd-sealed', 'memfd-hugetlb',
                'udmabuf', 'udmabuf-sealwrite', 'dma-heap']
TIME_STEPS = ['create', 'size', 'seal', 'export', 'send', 'receive', 'map-writer',
              'map-reader', 'first-write', 'first-read', 'map-writer-populate',
              'map-reader-populate', 'first-write-populated', 'first-read-populated',
              'sync', 'teardown']
RATE_STEPS = ['memcpy-write', 'memcpy-read']
SIZE_NAMES = {4096: '4 KiB', 65536: '64 KiB', 1048576: '1 MiB', 8294400: '1080p frame',
              33177600: '4K frame'}


def size_name(size):
    return SIZE_NAMES.get(size, '%d MiB' % (size >> 20) if size % (1 << 20) == 0
                          else '%d B' % size)


def check_mech(data, methods=None):
    """Every method at every size has figures or a stated refusal or skip;
    raises BenchError naming the first that has neither."""
    if not isinstance(data, dict) or not isinstance(data.get('results'), list):
        raise BenchError('no "results" list in the sealway-bench JSON')
    seen = {}
    for r in data['results']:
        where = '%s at %s' % (r.get('method'), r.get('size'))
        status = r.get('status')
        seen.setdefault(r.get('method'), set()).add(r.get('size'))
        if status == 'skipped':
            if not r.get('reason'):
                raise BenchError('%s: skipped without a reason' % where)
            continue
        if status == 'refused':
            if not r.get('reason') or not r.get('errno_name') or not r.get('refused_step'):
                raise BenchError('%s: refused without a step, errno and reason' % where)
            step = r['steps'].get(r['refused_step'], {})
            if step.get('status') != 'refused':
                raise BenchError('%s: refused at %s, but that step says %r'
                                 % (where, r['refused_step'], step.get('status')))
            continue
        if status != 'ok':
            raise BenchError('%s: unknown status %r' % (where, status))
        steps = r.get('steps', {})
        for name in TIME_STEPS + RATE_STEPS:
            st = steps.get(name)
            if st is None:
                raise BenchError('%s: no step %s' % (where, name))
            if st['status'] == 'n/a':
                if not st.get('reason'):
                    raise BenchError('%s: %s does not apply, but no reason given' % (where, name))
                continue
            if st['status'] == 'refused':
                # A refusal that does not stop the run (none yet) still needs its errno.
                if not st.get('errno_name') or not st.get('reason'):
                    raise BenchError('%s: %s refused without errno and reason' % (where, name))
                continue
            if st['status'] != 'ok':
                raise BenchError('%s: %s is %s in a run that was not refused'
                                 % (where, name, st['status']))
            if not (st.get('n', 0) >= 1 and st['min'] <= st['median'] <= st['max']
                    and st['min'] > 0):
                raise BenchError('%s: %s has no sane figures: %r' % (where, name, st))
    sizes = set().union(*seen.values()) if seen else set()
    for m in methods or MECH_METHODS:
        if m not in seen:
            raise BenchError('method %s has no result at all' % m)
        missing = sizes - seen[m]
        # The size past udmabuf's limit is tried for udmabuf alone.
        missing = {sz for sz in missing
                   if not any(r['size'] == sz and r.get('over_size_limit')
                              for r in data['results'])}
        if missing:
            raise BenchError('method %s has no result at %s' % (m, sorted(missing)))
    return True


def mech_cell(data, method, size):
    for r in data['results']:
        if r['method'] == method and r['size'] == size and not r.get('over_size_limit'):
            return r
    return None


def fmt_step(st, rate=False):
    """median [min-max], us for times, GB/s for rates."""
    if st is None:
        return '.'
    if st['status'] == 'n/a':
        return '–'
    if st['status'] == 'refused':
        return 'refused (%s)' % st.get('errno_name', '?')
    if st['status'] != 'ok':
        return '.'
    k = 1 if rate else 1e-3

    def g(v):
        v *= k
        return '%.3g' % v if v < 1000 else '%.0f' % v
    return '%s [%s–%s]' % (g(st['median']), g(st['min']), g(st['max']))


def mech_markdown(data, size, compact=False):
    """A markdown table of one size: steps down, methods across (compact:
    only the methods with figures; the others are in the notes below)."""
    methods = [m for m in MECH_METHODS if mech_cell(data, m, size)
               and (not compact or mech_cell(data, m, size)['status'] == 'ok')]
    lines = ['| step (µs; memcpy GB/s) | ' + ' | '.join(methods) + ' |',
             '|---|' + '---|' * len(methods)]
    for name in TIME_STEPS + RATE_STEPS:
        cells = []
        for m in methods:
            r = mech_cell(data, m, size)
            if r['status'] == 'skipped':
                cells.append('skipped')
            else:
                cells.append(fmt_step(r['steps'].get(name), name in RATE_STEPS))
        if compact and all(c == '–' for c in cells):
            continue
        lines.append('| %s | %s |' % (name, ' | '.join(cells)))
    notes = []
    for m in MECH_METHODS:
        r = mech_cell(data, m, size)
        if r is None:
            continue
        if r['status'] == 'skipped':
            notes.append('%s skipped: %s' % (m, r['reason']))
        elif r['status'] == 'refused':
            notes.append('%s refused at %s: %s (%s)'
                         % (m, r['refused_step'], r['reason'], r['errno_name']))
    for r in data['results']:
        if r.get('over_size_limit'):
            notes.append('%s at %d bytes (past size_limit_mb): %s'
                         % (r['method'], r['size'],
                            'refused at %s, %s (%s)' % (r['refused_step'], r['reason'],
                                                        r['errno_name'])
                            if r['status'] == 'refused' else r['status']))
    return '\n'.join(lines) + '\n' + ''.join('\n- ' + n for n in notes) + '\n'


def mech_rates_markdown(data):
    """memcpy write/read GB/s, methods down, sizes across."""
    sizes = sorted({r['size'] for r in data['results'] if not r.get('over_size_limit')})
    lines = ['| method | ' + ' | '.join(size_name(s) for s in sizes) + ' |',
             '|---|' + '---|' * len(sizes)]
    for m in MECH_METHODS:
        cells = []
        for sz in sizes:
            r = mech_cell(data, m, sz)
            if r is None:
                cells.append('.')
            elif r['status'] != 'ok':
                cells.append(r['status'] if r['status'] == 'skipped'
                             else 'refused (%s)' % r['errno_name'])
            else:
                w, rd = r['steps']['memcpy-write'], r['steps']['memcpy-read']
                cells.append('%.1f / %.1f' % (w['median'], rd['median']))
        if any(c != '.' for c in cells):
            lines.append('| %s | %s |' % (m, ' | '.join(cells)))
    return '\n'.join(lines) + '\n'


def mech_plots(data, out_dir, prefix):
    """PNG plots: cost per step per method (log scale) at 4 KiB and at a
    1080p frame, and memcpy throughput per method and size."""
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        print('bench: note: python3-matplotlib is not installed; no plots', file=sys.stderr)
        return []
    sizes = sorted({r['size'] for r in data['results'] if not r.get('over_size_limit')})
    shown = [s for s in (4096, 8294400) if s in sizes] or sizes[:2]
    methods = [m for m in MECH_METHODS
               if any((mech_cell(data, m, s) or {}).get('status') == 'ok' for s in sizes)]
    files = []
    fig, axes = plt.subplots(len(shown), 1, figsize=(15, 4.8 * len(shown)), squeeze=False)
    width = 0.8 / max(len(methods), 1)
    colours = plt.get_cmap('tab10')
    for ax, size in zip(axes[:, 0], shown):
        for i, m in enumerate(methods):
            r = mech_cell(data, m, size)
            xs, ys, lo, hi = [], [], [], []
            for j, name in enumerate(TIME_STEPS):
                st = (r or {}).get('steps', {}).get(name)
                if r and r['status'] == 'ok' and st and st['status'] == 'ok':
                    xs.append(j + (i - len(methods) / 2 + 0.5) * width)
                    ys.append(st['median'] / 1e3)
                    lo.append((st['median'] - st['min']) / 1e3)
                    hi.append((st['max'] - st['median']) / 1e3)
            ax.bar(xs, ys, width, yerr=[lo, hi], label=m, color=colours(i), capsize=1.5,
                   error_kw={'elinewidth': 0.6})
        ax.set_yscale('log')
        ax.set_ylabel('µs (median, min–max)')
        ax.set_title('Cost per step, %s (%d bytes)' % (size_name(size), size))
        ax.set_xticks(range(len(TIME_STEPS)))
        ax.set_xticklabels(TIME_STEPS, rotation=30, ha='right', fontsize=8)
        ax.grid(axis='y', which='major', alpha=0.3)
        ax.legend(fontsize=7, ncol=4)
    fig.tight_layout()
    path = os.path.join(out_dir, prefix + '-steps.png')
    fig.savefig(path, dpi=80)
    plt.close(fig)
    files.append(path)

    fig, axes = plt.subplots(1, 2, figsize=(15, 4.5))
    width = 0.8 / max(len(sizes), 1)
    for ax, name in zip(axes, RATE_STEPS):
        for i, size in enumerate(sizes):
            xs, ys, lo, hi = [], [], [], []
            for j, m in enumerate(methods):
                r = mech_cell(data, m, size)
                if r and r['status'] == 'ok':
                    st = r['steps'][name]
                    xs.append(j + (i - len(sizes) / 2 + 0.5) * width)
                    ys.append(st['median'])
                    lo.append(st['median'] - st['min'])
                    hi.append(st['max'] - st['median'])
            ax.bar(xs, ys, width, yerr=[lo, hi], label=size_name(size), capsize=1.5,
                   color=colours(i), error_kw={'elinewidth': 0.6})
        ax.set_title('%s through the mapping' % name)
        ax.set_ylabel('GB/s (median, min–max)')
        ax.set_xticks(range(len(methods)))
        ax.set_xticklabels(methods, rotation=30, ha='right', fontsize=8)
        ax.grid(axis='y', alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    path = os.path.join(out_dir, prefix + '-throughput.png')
    fig.savefig(path, dpi=80)
    plt.close(fig)
    files.append(path)
    return files


def part_mech(args, build):
    exe = os.environ.get('SEALWAY_BENCH') or os.path.join(build, 'client', 'sealway-bench')
    if not os.access(exe, os.X_OK):
        print('bench: %s is not built' % exe, file=sys.stderr)
        return 1
    out_dir = args.out or tempfile.mkdtemp(prefix='sealway-bench-mech-')
    os.makedirs(out_dir, exist_ok=True)
    jpath = os.path.join(out_dir, 'mech.json')
    cmd = [exe, 'mech', '--json', jpath, '--csv', os.path.join(out_dir, 'mech.csv')]
    if args.smoke:
        cmd += ['--runs', '2', '--sizes', '4K,64K']
    elif args.quick:
        cmd += ['--quick']
    print('bench: ' + ' '.join(cmd), file=sys.stderr)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    with open(os.path.join(out_dir, 'mech.txt'), 'w') as f:
        f.write(p.stdout)
    if p.returncode != 0:
        print('bench: sealway-bench mech exited with %d:\n%s' % (p.returncode, p.stderr),
              file=sys.stderr)
        return 1
    try:
        with open(jpath) as f:
            data = json.load(f)
        check_mech(data)
    except (OSError, ValueError, BenchError, KeyError, TypeError) as e:
        print('bench: the mech output does not hold up: %s' % e, file=sys.stderr)
        return 1
    print(p.stdout)
    if args.smoke:
        print('bench: mech smoke: %d results, every method has figures or a stated refusal'
              % len(data['results']))
        if not args.out:
            shutil.rmtree(out_dir, ignore_errors=True)
        return 0
    md = ['; '.join(machine_info(build)), '']
    sizes = sorted({r['size'] for r in data['results'] if not r.get('over_size_limit')})
    for size in [s for s in (8294400, 4096) if s in sizes]:
        md += ['### %s (%d bytes), %d runs, median [min–max]' % (size_name(size), size,
                                                                 data['runs']), '',
               mech_markdown(data, size, compact=True)]
    md += ['### memcpy write / read through the mapping, GB/s (median)', '',
           mech_rates_markdown(data)]
    with open(os.path.join(out_dir, 'mech.md'), 'w') as f:
        f.write('\n'.join(md))
    plots = mech_plots(data, out_dir, 'mech')
    print('bench: wrote %s' % ', '.join(
        os.path.join(out_dir, n) for n in ['mech.json', 'mech.csv', 'mech.txt', 'mech.md']
        + [os.path.basename(x) for x in plots]))
    return 0


# ---- part 2: the allocation paths through the compositors (sealway-bench client) ----

ALLOCS = ['memfd-sealed', 'memfd', 'posix-shm', 'udmabuf', 'dma-heap']
WORKLOADS = ['full', 'square', 'churn']
CLIENT_RE = re.compile(r'client alloc=(\S+) workload=(\S+) size=\S+ frames=(\d+) '
                       r'presented=(\d+) buffers=(\d+) wall_s=([\d.]+) '
                       r'client_cpu_us_per_frame=([\d.]+) compositor_cpu_us_per_frame=([\d.]+)')
REFUSED_RE = re.compile(r'client alloc=\S+ workload=\S+ refused: (.*)')


def client_run(comp, exe, alloc, workload, frames, size, fullscreen=False):
    cmd = [exe, 'client', '--alloc', alloc, '--workload', workload, '--frames', str(frames),
           '--size', size, '--compositor-pid', str(comp.pid)] + (['--fullscreen'] if fullscreen
                                                                 else [])
    mark = comp.log_mark() if comp.counters else None
    p = subprocess.run(cmd, env=comp.client_env(), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=120)
    if p.returncode == 3:
        m = REFUSED_RE.search(p.stdout)
        if not m:
            raise BenchError('%s refused without saying why: %r' % (' '.join(cmd), p.stdout))
        return {'refused': m.group(1)}
    if p.returncode != 0:
        raise BenchError('%s against %s exited with %d:\n%s%s'
                         % (' '.join(cmd), comp.name, p.returncode, p.stdout, p.stderr))
    m = CLIENT_RE.search(p.stdout)
    if not m:
        raise BenchError('no client line from %s on %s:\n%s' % (' '.join(cmd), comp.name,
                                                                 p.stdout))
    stats = parse_stats(p.stdout, 'sealway-bench client on ' + comp.name)
    wakeups = WAKEUPS_RE.search(p.stdout)
    r = {'wakeups': int(wakeups.group(1)) if wakeups else None, 'frames': int(m.group(3)),
         'presented': int(m.group(4)), 'buffers': int(m.group(5)),
         'client_us': float(m.group(7)), 'comp_us': float(m.group(8)),
         'p50_us': stats['p50_us'], 'p99_us': stats['p99_us']}
    if mark is not None:
        r.update(bytes_per_frame(frame_counters(comp.log_since(mark))))
        if 'composited_b' not in r:
            raise BenchError('%s logged no frame counters while %s ran' % (comp.name,
                                                                         ' '.join(cmd)))
    return r


def bytes_per_frame(rows):
    """The counters of the frames sealway logged during a client run: bytes
    composited and copied in the median frame (the frames where the client
    appears and goes are not typical), and how many frames had buffers on
    planes. Nothing when it logged no frame (it ran without --log=debug)."""
    if not rows:
        return {}
    return {'composited_b': median([r[0] for r in rows]),
            'copied_b': median([r[1] for r in rows]),
            'planes_frames': sum(1 for r in rows if r[2] > 0), 'counted_frames': len(rows)}


def alloc_paths(args, build, names=('sealway', 'weston')):
    """Every allocation path under every workload, on both compositors,
    alternating; returns {comp: {(alloc, workload): [runs]}} and the settings."""
    exe = os.environ.get('SEALWAY_BENCH') or os.path.join(build, 'client', 'sealway-bench')
    sealway = os.environ.get('SEALWAY') or os.path.join(build, 'compositor', 'sealway')
    weston = shutil.which('weston')
    if args.smoke:
        frames, repeats, size, out = 8, 1, '256x192', '320x240'
    elif args.quick:
        frames, repeats, size, out = 30, 1, '1920x1080', '1920x1080'
    else:
        frames, repeats, size, out = 120, 3, '1920x1080', '1920x1080'
    w, h = out.split('x')
    cmds = {
        'sealway': [sealway, '--backend=headless', '--refresh=60', '--size=' + out,
                    '--socket=paths-sealway', '--log=debug'],
        'weston': [weston or 'weston', '--backend=headless-backend.so', '--use-pixman',
                   '--width=' + w, '--height=' + h, '--socket=paths-weston', '--idle-time=0',
                   '--no-config'],
    }
    if 'weston' in names and not weston:
        raise BenchError('weston is not installed')
    runtime = tempfile.mkdtemp(prefix='sealway-bench-paths-')
    os.chmod(runtime, 0o700)
    comps = {}
    res = {n: {(a, wl): [] for a in ALLOCS for wl in WORKLOADS} for n in names}
    try:
        for n in names:
            comps[n] = Compositor(n + '-paths', cmds[n], runtime, 'paths-' + n)
        for n in names:
            comps[n].wait_ready(10)
        for n in names:
            comps[n].settle()
        for _ in range(repeats):
            for a in ALLOCS:
                for wl in WORKLOADS:
                    for n in names:
                        res[n][(a, wl)].append(client_run(comps[n], exe, a, wl, frames, size))
        for n in names:
            if not comps[n].alive():
                raise BenchError('%s died during the run:\n%s' % (n, comps[n].log_tail()))
    finally:
        for c in comps.values():
            c.stop()
        shutil.rmtree(runtime, ignore_errors=True)
    return res, {'frames': frames, 'repeats': repeats, 'size': size, 'output': out}


def path_summary(runs):
    """Medians over the runs, or the refusal."""
    if runs and 'refused' in runs[0]:
        return {'refused': runs[0]['refused']}
    keys = ('comp_us', 'client_us', 'p50_us', 'p99_us', 'presented', 'buffers')
    if all('composited_b' in r for r in runs):
        keys += ('composited_b', 'copied_b')
    out = {k: median([r[k] for r in runs]) for k in keys}
    for k in keys:
        out[k + '_range'] = (min(r[k] for r in runs), max(r[k] for r in runs))
    return out


def check_paths(res, names):
    """Every path has figures (frames presented) or a stated refusal."""
    for n in names:
        for (a, wl), runs in res[n].items():
            if not runs:
                raise BenchError('%s %s %s: not run' % (n, a, wl))
            for r in runs:
                if 'refused' in r:
                    if not r['refused'].strip():
                        raise BenchError('%s %s %s: refused without a reason' % (n, a, wl))
                    continue
                if r['presented'] < 1 or r['comp_us'] <= 0 or r['client_us'] <= 0:
                    raise BenchError('%s %s %s: no frames or no CPU figures: %r'
                                     % (n, a, wl, r))
                if wl == 'churn' and r['buffers'] < r['frames']:
                    raise BenchError('%s %s churn: %d buffers for %d frames'
                                     % (n, a, r['buffers'], r['frames']))


def paths_markdown(res, names, settings, allocs=ALLOCS):
    """One row per path and workload: each compositor's CPU per frame and
    commit-to-present p50 / p99, the client's CPU on each, and the bytes
    composited and copied (sealway's counters; weston has none)."""
    def cell(s, key, k=1.0, spec='.0f'):
        """median [min–max] when there were several runs."""
        lo, hi = s[key + '_range']
        if settings['repeats'] > 1 and lo != hi:
            return '%s [%s–%s]' % (format(s[key] * k, spec), format(lo * k, spec),
                                   format(hi * k, spec))
        return format(s[key] * k, spec)

    head = '| path | workload |'
    rule = '|---|---|'
    for n in names:
        head += ' %s CPU µs/frame | %s p50 / p99 ms |' % (n, n)
        rule += '---|---|'
    head += (' client CPU µs/frame (%s) | bytes composited + copied, median frame (%s) |'
             % (' / '.join(names), ' / '.join(names)))
    rule += '---|---|'
    lines = [head, rule]
    refusals = {}
    for a in allocs:
        for wl in WORKLOADS:
            row = '| %s | %s |' % (a, wl)
            clients, counted = [], []
            for n in names:
                s = path_summary(res[n][(a, wl)])
                if 'refused' in s:
                    why = s['refused']
                    if n == 'weston' and a in ('udmabuf', 'dma-heap'):
                        why = 'weston 10 has no dma-buf with pixman (no zwp_linux_dmabuf_v1); ' \
                              'the client said: ' + why
                    refusals.setdefault((n, a), why)
                    row += ' refused | — |'
                    clients.append('—')
                    counted.append('—')
                    continue
                row += ' %s | %s / %s |' % (cell(s, 'comp_us'), cell(s, 'p50_us', 1e-3, '.1f'),
                                            cell(s, 'p99_us', 1e-3, '.1f'))
                clients.append(cell(s, 'client_us'))
                # Only sealway counts them (its --log=debug frame lines).
                counted.append(fmt_bytes(s['composited_b'] + s['copied_b'])
                               if 'composited_b' in s else 'not counted')
            row += ' %s | %s |' % (' / '.join(clients), ' / '.join(counted))
            lines.append(row)
    notes = ['- %s, %s: refused: %s' % (n, a, why) for (n, a), why in sorted(refusals.items())]
    return ('%s window, %d frames x%d (median [min–max]), headless %s output at 60 Hz, '
            'pixman\n\n' % (settings['size'], settings['frames'], settings['repeats'],
                            settings['output'])
            + '\n'.join(lines) + '\n\n' + '\n'.join(notes) + '\n')


def fmt_bytes(b):
    """Bytes a frame, in the unit that keeps three digits."""
    for unit, k in (('MB', 1e6), ('kB', 1e3)):
        if b >= k:
            return '%.3g %s' % (b / k, unit)
    return '%.0f B' % b


def paths_plot(res, names, out_dir):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    fig, axes = plt.subplots(1, len(WORKLOADS), figsize=(15, 4.2))
    width = 0.8 / len(names)
    for ax, wl in zip(axes, WORKLOADS):
        for i, n in enumerate(names):
            xs, ys = [], []
            for j, a in enumerate(ALLOCS):
                s = path_summary(res[n][(a, wl)])
                if 'refused' not in s:
                    xs.append(j + (i - len(names) / 2 + 0.5) * width)
                    ys.append(s['comp_us'])
            ax.bar(xs, ys, width, label=n)
        ax.set_title('compositor CPU per frame, workload %s' % wl)
        ax.set_ylabel('µs per presented frame')
        ax.set_xticks(range(len(ALLOCS)))
        ax.set_xticklabels(ALLOCS, rotation=20, ha='right', fontsize=8)
        ax.grid(axis='y', alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    path = os.path.join(out_dir, 'paths-cpu.png')
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return [path]


def part_compositor(args, build):
    status = 0
    if not args.smoke and args.part == 'compositor':
        status = compare(args, build)
        if status:
            return status
        print()
    names = ('sealway', 'weston') if shutil.which('weston') else ('sealway',)
    try:
        res, settings = alloc_paths(args, build, names)
        check_paths(res, names)
    except (BenchError, subprocess.TimeoutExpired, OSError) as e:
        print('bench: %s' % e, file=sys.stderr)
        return 1
    md = paths_markdown(res, names, settings)
    print('allocation paths through the compositors (sealway-bench client)')
    print(md)
    if args.smoke:
        print('bench: compositor smoke: every path has figures or a stated refusal')
        return 0
    out_dir = args.out or tempfile.mkdtemp(prefix='sealway-bench-paths-')
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'paths.md'), 'w') as f:
        f.write('; '.join(machine_info(build)) + '\n\n' + md)
    with open(os.path.join(out_dir, 'paths.json'), 'w') as f:
        json.dump({'settings': settings,
                   'results': {n: {'%s/%s' % k: v for k, v in res[n].items()} for n in names}},
                  f, indent=1)
    plots = paths_plot(res, names, out_dir)
    print('bench: wrote %s' % ', '.join([os.path.join(out_dir, 'paths.md'),
                                         os.path.join(out_dir, 'paths.json')] + plots))
    return status


# ---- the scene: what composition costs ----

PIXMAN_COPY_RE = re.compile(r'copies=(\d+) size=(\d+x\d+) us_per_copy=([\d.]+)')
FLOOR_RE = re.compile(r'ticks=(\d+) tick_us=([\d.]+) frame_us=([\d.]+)')


def many_clients(comp, exe, count, frames, size):
    """`count` sealway-bench clients with full damage at once: compositor CPU
    per output frame (all of its CPU over the run, over the frames each
    client saw presented, on average)."""
    cmd = [exe, 'client', '--alloc', 'memfd-sealed', '--workload', 'full', '--frames',
           str(frames), '--size', size]
    cpu = Cpu(comp.pid)
    clients = [comp.spawn(cmd) for _ in range(count)]
    presented = []
    for c in clients:
        out, err = c.communicate(timeout=120)
        if c.returncode != 0:
            raise BenchError('%s against %s exited with %d:\n%s%s'
                             % (' '.join(cmd), comp.name, c.returncode, out, err))
        presented.append(parse_stats(out, 'sealway-bench client on ' + comp.name)['presented'])
    cpu.stop()
    per_client = max(statistics.mean(presented), 1)
    return {'sched_us_per_frame': cpu.sched_seconds * 1e6 / per_client,
            'presented': per_client}


def part_scene(args, build):
    """The scene's three figures, each next to its yardstick in the same run:
    a 1920x1080 opaque window with full damage against a cache-cold pixman
    SRC copy of one 1080p frame; eight 480x270 clients with full damage
    against weston; a 64x64 moving square on a 1080p window against the
    least any frame costs on this machine (tests/bench/wakeup-floor); and
    buffer churn against weston."""
    exe = os.environ.get('SEALWAY_BENCH') or os.path.join(build, 'client', 'sealway-bench')
    sealway = os.environ.get('SEALWAY') or os.path.join(build, 'compositor', 'sealway')
    copy = os.environ.get('PIXMAN_COPY') or os.path.join(build, 'tests', 'bench', 'pixman-copy')
    churn = os.environ.get('BUFFER_CHURN') or os.path.join(build, 'tests', 'bench',
                                                           'buffer-churn')
    floor_exe = os.environ.get('WAKEUP_FLOOR') or os.path.join(build, 'tests', 'bench',
                                                               'wakeup-floor')
    weston = shutil.which('weston')
    for path in (exe, sealway, copy, churn, floor_exe):
        if not os.access(path, os.X_OK):
            print('bench: %s not found; build with ninja -C %s' % (path, args.build),
                  file=sys.stderr)
            return 1
    names = ['sealway'] + (['weston'] if weston else [])
    frames = 60 if args.quick else 240
    repeats = 1 if args.quick else 3
    # Composition is measured with --scanout=off: a window as large as the output would
    # otherwise be shown as it is. The fullscreen row uses the default, auto.
    cmds = {
        'sealway': [sealway, '--backend=headless', '--refresh=60', '--size=1920x1080',
                    '--socket=scene-sealway', '--log=warn', '--scanout=off'],
        'sealway-auto': [sealway, '--backend=headless', '--refresh=60', '--size=1920x1080',
                         '--socket=scene-sealway-auto', '--log=warn'],
        'weston': [weston or 'weston', '--backend=headless-backend.so', '--use-pixman',
                   '--width=1920', '--height=1080', '--socket=scene-weston', '--idle-time=0',
                   '--no-config'],
    }
    runtime = tempfile.mkdtemp(prefix='sealway-bench-scene-')
    os.chmod(runtime, 0o700)
    comps = {}
    res = {n: {'full': [], 'square': [], 'many': [], 'buffers': [], 'fullscreen': []}
           for n in names}
    copies, floors = [], []
    started = time.monotonic()
    try:
        for n in names + ['sealway-auto']:
            comps[n] = Compositor(n + '-scene', cmds[n], runtime, 'scene-' + n)
        for n in comps:
            comps[n].wait_ready(10)
        for n in comps:
            comps[n].settle()
        for _ in range(repeats):
            out = subprocess.run([copy, '200', '1920x1080'], capture_output=True, text=True,
                                 timeout=120).stdout
            m = PIXMAN_COPY_RE.search(out)
            if not m:
                raise BenchError('no pixman-copy line: %r' % out)
            copies.append(float(m.group(3)))
            out = subprocess.run([floor_exe, str(frames)], capture_output=True, text=True,
                                 timeout=120).stdout
            m = FLOOR_RE.search(out)
            if not m:
                raise BenchError('no wakeup-floor line: %r' % out)
            floors.append((float(m.group(2)), float(m.group(3))))
            for n in names:
                res[n]['full'].append(client_run(comps[n], exe, 'memfd-sealed', 'full',
                                                 frames, '1920x1080'))
                res[n]['square'].append(client_run(comps[n], exe, 'memfd-sealed', 'square',
                                                   frames, '1920x1080'))
                shows = comps['sealway-auto' if n == 'sealway' else n]
                res[n]['fullscreen'].append(client_run(shows, exe, 'memfd-sealed', 'full',
                                                       frames, '1920x1080', fullscreen=True))
                res[n]['many'].append(many_clients(comps[n], exe, 8, frames, '480x270'))
                res[n]['buffers'].append(buffer_churn(comps[n], {'buffer_churn': churn},
                                                      frames, '256x256'))
        for n in names:
            if not comps[n].alive():
                raise BenchError('%s died during the run:\n%s' % (n, comps[n].log_tail()))
    except (BenchError, subprocess.TimeoutExpired, OSError) as e:
        print('bench: %s' % e, file=sys.stderr)
        return 1
    finally:
        for c in comps.values():
            c.stop()
        shutil.rmtree(runtime, ignore_errors=True)

    def med(n, kind, key):
        return median([r[key] for r in res[n][kind]])

    copy_us = median(copies)
    tick_us = median([f[0] for f in floors])
    floor_us = median([f[1] for f in floors])
    full = {n: med(n, 'full', 'comp_us') for n in names}
    square = {n: med(n, 'square', 'comp_us') for n in names}
    fulls = {n: med(n, 'fullscreen', 'comp_us') for n in names}
    wakes = {n: median([r['wakeups'] / max(r['frames'], 1) for r in res[n]['square']
                        if r.get('wakeups') is not None] or [float('nan')]) for n in names}
    many = {n: med(n, 'many', 'sched_us_per_frame') for n in names}
    bufs = {n: med(n, 'buffers', 'sched_us_per_buffer') for n in names}
    rows = [
        ['pixman SRC copy of a 1080p frame, cache-cold (us)', fmt(copy_us, '.0f')]
        + ([''] if weston else []),
        ['1920x1080 opaque window, full damage: compositor us/frame']
        + [fmt(full[n], '.0f') for n in names],
        ['1920x1080 fullscreen opaque, full damage (sealway: the frame itself): '
         'compositor us/frame'] + [fmt(fulls[n], '.0f') for n in names],
        ['eight 480x270 clients, full damage: compositor us/frame']
        + [fmt(many[n], '.0f') for n in names],
        ['the least a frame costs: woken by a 60 Hz tick, one message out, woken by the '
         'answer (us)', fmt(floor_us, '.1f')] + ([''] if weston else []),
        ['the tick alone: an empty process woken by a 60 Hz timerfd (us)', fmt(tick_us, '.1f')]
        + ([''] if weston else []),
        ['64x64 moving square on a 1080p window: compositor us/frame']
        + [fmt(square[n], '.1f') for n in names],
        ['64x64 square above the least a frame costs: us/frame']
        + [fmt(square[n] - floor_us, '.1f') for n in names],
        ['buffer churn 256x256: compositor us/buffer'] + [fmt(bufs[n], '.1f') for n in names],
        ['64x64 square: client wake-ups per frame'] + [fmt(wakes[n], '.2f') for n in names],
    ]
    for line in machine_info(build):
        print(line)
    print('workload: sealway-bench client memfd-sealed, %d frames (x%d, median); '
          'output 1920x1080@60, pixman; sealway --scanout=off except the fullscreen row'
          % (frames, repeats))
    print()
    print_table(rows, names)
    print()
    print('composition cost: %.2fx a pixman copy (target 1.15x at most)' % (full['sealway']
                                                                           / copy_us))
    if weston:
        print('fullscreen, shown as it is: %.2fx weston (target 0.1x at most)'
              % (fulls['sealway'] / fulls['weston']))
        print('many clients: %.2fx weston (target 0.35x at most)'
              % (many['sealway'] / many['weston']))
    print('small damage: %.3f ms a frame (target 0.06 ms at most); the least a frame costs '
          'on this machine: %.3f ms (the tick alone %.3f ms), so %.3f ms is sealway\'s own'
          % (square['sealway'] / 1e3, floor_us / 1e3, tick_us / 1e3,
             (square['sealway'] - floor_us) / 1e3))
    if weston:
        print('buffer churn: %.2fx weston (target 0.7x at most)'
              % (bufs['sealway'] / bufs['weston']))
    print('CPU times from schedstat; total %.0f s' % (time.monotonic() - started))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default=os.environ.get('MESON_BUILD_ROOT', 'build-bench'),
                    help='meson build directory (optimized, unsanitized)')
    ap.add_argument('--part', choices=['compare', 'mech', 'compositor', 'paths', 'scene'],
                    default='compare',
                    help='compare: sealway and weston on the demo workloads (default); '
                         'mech: sealway-bench part 1; paths: part 2, the allocation paths '
                         'alone; compositor: compare, then paths; scene: composition '
                         'against a pixman copy, many clients, small damage')
    ap.add_argument('--quick', action='store_true', help='fewer repeats, shorter windows')
    ap.add_argument('--smoke', action='store_true',
                    help='tiny sizes; fail unless the output parses and is complete')
    ap.add_argument('--out', help='directory for JSON, CSV, markdown and PNG output')
    ap.add_argument('--check-mech', metavar='FILE',
                    help='only check a saved sealway-bench mech JSON file')
    ap.add_argument('--no-callgrind', action='store_true',
                    help='skip the instruction counts under valgrind')
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    if args.check_mech:
        try:
            with open(args.check_mech) as f:
                check_mech(json.load(f))
        except (OSError, ValueError, BenchError, KeyError, TypeError) as e:
            print('bench: %s does not hold up: %s' % (args.check_mech, e), file=sys.stderr)
            return 1
        print('bench: %s: every method has figures or a stated refusal' % args.check_mech)
        return 0
    if args.part == 'mech':
        return part_mech(args, build)
    if args.part in ('compositor', 'paths'):
        return part_compositor(args, build)
    if args.part == 'scene':
        return part_scene(args, build)
    return compare(args, build)


if __name__ == '__main__':
    sys.exit(main())
