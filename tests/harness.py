"""Shared machinery of the headless tests (Python 3, standard library only).

Every test starts its own compositor on a private XDG_RUNTIME_DIR, talks to
it only through real clients, and stops it with SIGTERM: a clean exit
(status 0, no sanitizer report on stderr) is part of every verdict.

Programs are found through environment variables set by tests/meson.build
(SEALWAY, SEALWAY_SHM, SEALWAY_CAPTURE, SHM_PROBE, PACING_PROBE), falling
back to their place under SW_BUILD_ROOT.
"""

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'vm'))
import ppm  # noqa: E402  (the VM rig's PPM reader)

BACKGROUND = 0x202830
OUTPUT_SIZE = (1024, 768)
FIRST_WINDOW = (32, 32)

SANITIZER_PATTERNS = ('ERROR: AddressSanitizer', 'runtime error:',
                      'ERROR: LeakSanitizer')

SKIP = 77  # meson's "skipped" exit status

_PROGRAMS = {
    'sealway': ('SEALWAY', 'compositor/sealway'),
    'sealway-shm': ('SEALWAY_SHM', 'client/sealway-shm'),
    'sealway-capture': ('SEALWAY_CAPTURE', 'client/sealway-capture'),
    'shm-probe': ('SHM_PROBE', 'tests/shm-probe'),
    'pacing-probe': ('PACING_PROBE', 'tests/pacing-probe'),
    'keymap-probe': ('KEYMAP_PROBE', 'tests/keymap-probe'),
    'sealway-probe': ('SEALWAY_PROBE', 'probe/sealway-probe'),
}


class Failure(Exception):
    """A property the compositor must have does not hold."""


class Skip(Exception):
    """The test cannot run here (a tool is missing)."""


def check(condition, message):
    """Fail with `message`, which states what must hold, unless `condition`."""
    if not condition:
        raise Failure(message)


def program(name):
    """Path of one of our programs; Skip if it was not built."""
    var, rel = _PROGRAMS[name]
    path = os.environ.get(var)
    if not path:
        root = os.environ.get('SW_BUILD_ROOT', '')
        path = os.path.join(root, rel) if root else ''
    if not path or not os.access(path, os.X_OK):
        raise Skip('%s not built (%s=%r)' % (name, var, path))
    return path


def tool(name):
    """Path of a third-party program; Skip if it is not installed."""
    path = shutil.which(name)
    if not path:
        raise Skip('%s is not installed' % name)
    return path


def client_env(extra=None):
    """Environment for client processes: sanitizers report, leaks are not
    the clients' verdict (probes leave proxies behind on purpose)."""
    env = dict(os.environ)
    for var in ('WAYLAND_DISPLAY', 'WAYLAND_SOCKET', 'DISPLAY'):
        env.pop(var, None)
    env.setdefault('ASAN_OPTIONS', 'detect_leaks=0')
    if extra:
        env.update(extra)
    return env


class Compositor:
    """One sealway, headless, on a private socket in a private runtime dir."""

    def __init__(self, *args, socket='sealway-test-0', backend='headless'):
        self.args = list(args)
        self.socket = socket
        self.backend = backend
        self.proc = None
        self.tmp = None
        self.runtime_dir = None
        self.stderr_path = None
        self.stdout_lines = []
        self._children = []

    # -- lifetime -------------------------------------------------------
    def start(self, timeout=10.0):
        self.tmp = tempfile.mkdtemp(prefix='sealway-test-')
        self.runtime_dir = os.path.join(self.tmp, 'runtime')
        os.mkdir(self.runtime_dir, 0o700)
        os.chmod(self.runtime_dir, 0o700)
        self.stderr_path = os.path.join(self.tmp, 'compositor.stderr')
        env = client_env({'XDG_RUNTIME_DIR': self.runtime_dir})
        # The compositor's own leaks are part of the verdict.
        env['ASAN_OPTIONS'] = os.environ.get('ASAN_OPTIONS', 'detect_leaks=1')
        cmd = [program('sealway'), '--backend=' + self.backend,
               '--socket=' + self.socket] + self.args
        self._stderr_file = open(self.stderr_path, 'wb')
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=self._stderr_file, env=env)
        want = 'listening on ' + self.socket
        deadline = time.monotonic() + timeout
        buf = b''
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._abort()
                raise Failure('the compositor prints "sealway: %s" within %.0f s'
                              % (want, timeout))
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                rc = self.proc.wait()
                self._abort()
                raise Failure('the compositor starts (it exited with %d before '
                              'listening)\n%s' % (rc, self.stderr_text()))
            buf += chunk
            if want.encode() in buf:
                break
        self.stdout_lines.extend(buf.decode(errors='replace').splitlines())
        # Keep draining stdout so a chatty compositor never blocks on it.
        self._drain = threading.Thread(target=self._drain_stdout, daemon=True)
        self._drain.start()
        return self

    def _drain_stdout(self):
        for line in self.proc.stdout:
            self.stdout_lines.append(line.decode(errors='replace').rstrip('\n'))

    def stderr_text(self):
        try:
            with open(self.stderr_path, 'rb') as f:
                return f.read().decode(errors='replace')
        except OSError:
            return ''

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self, after):
        check(self.alive(), 'the compositor survives %s (it exited with %s)\n%s'
              % (after, self.proc.poll(), self.stderr_tail()))

    def stderr_tail(self, lines=30):
        text = self.stderr_text().splitlines()
        return '\n'.join('  compositor: ' + l for l in text[-lines:])

    def stop(self, sig=signal.SIGTERM):
        """Stop with `sig`; the compositor must exit 0 without sanitizer reports."""
        self._kill_children()
        check(self.alive(), 'the compositor is still running at the end of the test '
              '(exit status %s)\n%s' % (self.proc.poll(), self.stderr_tail()))
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._abort()
            raise Failure('the compositor exits within 10 s of %s' % sig.name)
        self._cleanup()
        err = self.stderr_text()
        for pattern in SANITIZER_PATTERNS:
            check(pattern not in err, 'the compositor runs without "%s" reports\n%s'
                  % (pattern, self.stderr_tail(80)))
        check(rc == 0, 'the compositor exits with status 0 on %s (got %d)\n%s'
              % (sig.name, rc, self.stderr_tail()))
        return err

    def _abort(self):
        self._kill_children()
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._cleanup()

    def _cleanup(self):
        if getattr(self, '_stderr_file', None):
            self._stderr_file.close()
            self._stderr_file = None
        if self.proc and self.proc.stdout:
            # The drain thread owns the pipe until EOF; EOF comes with exit.
            if getattr(self, '_drain', None):
                self._drain.join(timeout=2)

    def remove_tmp(self):
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.remove_tmp()
            raise

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.stop()
            else:
                if self.alive():
                    self._abort()
                sys.stderr.write('--- compositor stderr (last lines) ---\n%s\n'
                                 % self.stderr_tail(60))
        finally:
            self.remove_tmp()
        return False

    # -- clients --------------------------------------------------------
    def env(self, extra=None):
        e = client_env({'XDG_RUNTIME_DIR': self.runtime_dir,
                        'WAYLAND_DISPLAY': self.socket})
        if extra:
            e.update(extra)
        return e

    def run(self, cmd, timeout=20, extra_env=None, check_status=None):
        """Run a client to completion; returns CompletedProcess (text)."""
        try:
            res = subprocess.run(cmd, env=self.env(extra_env), stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure('%s finishes within %d s' % (' '.join(cmd), timeout))
        res.stdout = res.stdout.decode(errors='replace')
        res.stderr = res.stderr.decode(errors='replace')
        if check_status is not None:
            check(res.returncode == check_status,
                  '%s exits with %d (got %d)\n  stdout: %s\n  stderr: %s'
                  % (' '.join(cmd), check_status, res.returncode,
                     res.stdout.strip(), res.stderr.strip()))
        return res

    def spawn(self, cmd, extra_env=None):
        """Start a long-running client; it is killed when the test ends."""
        log = open(os.path.join(self.tmp, 'client-%d.log' % len(self._children)), 'wb')
        p = subprocess.Popen(cmd, env=self.env(extra_env), stdin=subprocess.DEVNULL,
                             stdout=log, stderr=subprocess.STDOUT)
        p.log_path = log.name
        log.close()
        self._children.append(p)
        return p

    def _kill_children(self):
        for p in self._children:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self._children = []

    def probe(self, scenario, timeout=30):
        """Run shm-probe; returns (result line, libwayland's error line or None)."""
        res = self.run([program('shm-probe'), scenario], timeout=timeout)
        check(res.returncode == 0, 'shm-probe %s can set up its scenario (status %d)\n%s'
              % (scenario, res.returncode, res.stderr.strip()))
        result = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else ''
        m = re.search(r'^(.*?): error (-?\d+): (.*)$', res.stderr, re.M)
        return result, (m.group(0) if m else None), (m.group(3) if m else None)

    def probe_case(self, case, timeout=60, extra_env=None):
        """Run one sealway-probe case attached to this compositor (fds checked
        through its pid); returns the case's JSON record."""
        import json
        res = self.run([program('sealway-probe'), '--pid', str(self.proc.pid), '--format',
                        'json', '--case', case], timeout=timeout, extra_env=extra_env)
        check(res.returncode in (0, 1), 'sealway-probe --case %s runs (status %d)\n%s'
              % (case, res.returncode, res.stderr.strip()[-2000:]))
        cases = [c for c in json.loads(res.stdout)['cases'] if c['id'] == case]
        check(len(cases) == 1, 'sealway-probe knows the case %s' % case)
        return cases[0]

    def roundtrip(self):
        result, _, _ = self.probe('roundtrip')
        check(result == 'ok', 'a well-behaved client can connect and roundtrip (got %r)'
              % result)

    # -- introspection --------------------------------------------------
    def fds(self):
        out = []
        d = '/proc/%d/fd' % self.proc.pid
        for name in os.listdir(d):
            try:
                out.append(os.readlink(os.path.join(d, name)))
            except OSError:
                pass
        return sorted(out)

    def fd_count(self):
        return len(os.listdir('/proc/%d/fd' % self.proc.pid))

    def wait_fd_count(self, baseline, timeout=3.0):
        """Wait for the fd count to come back to `baseline`; returns the last count."""
        deadline = time.monotonic() + timeout
        while True:
            n = self.fd_count()
            if n == baseline or time.monotonic() > deadline:
                return n
            time.sleep(0.05)

    def settled_fd_count(self, quiet=0.3, timeout=3.0):
        """The fd count once it has not changed for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        last, since = self.fd_count(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            n = self.fd_count()
            if n != last:
                last, since = n, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
        return last

    def cpu_ticks(self):
        """utime + stime of the compositor, in clock ticks."""
        with open('/proc/%d/stat' % self.proc.pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        # fields[0] is field 3 (state): utime is field 14, stime field 15.
        return int(fields[11]) + int(fields[12])

    # -- pixels ---------------------------------------------------------
    def capture_sealway(self):
        path = os.path.join(self.tmp, 'capture-%d.ppm' % time.monotonic_ns())
        res = self.run([program('sealway-capture'), '--ppm', path], timeout=20)
        check(res.returncode == 0, 'sealway-capture --ppm succeeds (status %d)\n%s'
              % (res.returncode, res.stderr.strip()))
        with open(path, 'rb') as f:
            return Image.from_ppm(f.read(), 'sealway-capture')

    def capture_grim(self):
        res = subprocess.run([tool('grim'), '-t', 'ppm', '-'], env=self.env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
        check(res.returncode == 0, 'grim -t ppm succeeds (status %d)\n%s'
              % (res.returncode, res.stderr.decode(errors='replace').strip()))
        return Image.from_ppm(res.stdout, 'grim')

    def capture(self, how):
        return self.capture_grim() if how == 'grim' else self.capture_sealway()


class Image:
    """An RGB image from a binary PPM (P6, maxval 255)."""

    def __init__(self, width, height, rgb, source):
        self.width, self.height, self.rgb, self.source = width, height, rgb, source

    @classmethod
    def from_ppm(cls, data, source):
        # One PPM reader for the whole test tree: the VM rig's.
        try:
            img = ppm.Image.parse(data)
        except ValueError as e:
            raise Failure('%s writes a complete 8-bit binary PPM (%s)' % (source, e))
        return cls(img.width, img.height, img.data, source)

    def pixel(self, x, y):
        i = (y * self.width + x) * 3
        return (self.rgb[i] << 16) | (self.rgb[i + 1] << 8) | self.rgb[i + 2]

    def mismatches(self, rect, expected, inside=True, limit=5):
        """Pixels inside (or outside) rect=(x0,y0,x1,y1) that differ from expected.
        Returns (count, first few as (x, y, value))."""
        x0, y0, x1, y1 = (max(rect[0], 0), max(rect[1], 0),
                          min(rect[2], self.width), min(rect[3], self.height))
        exp = bytes(((expected >> 16) & 0xff, (expected >> 8) & 0xff, expected & 0xff))
        count, first = 0, []
        for y in range(self.height):
            in_rows = y0 <= y < y1
            if inside:
                spans = [(x0, x1)] if in_rows else []
            else:
                spans = [(0, x0), (x1, self.width)] if in_rows else [(0, self.width)]
            base = y * self.width * 3
            for sx0, sx1 in spans:
                if sx1 <= sx0 or self.rgb[base + sx0 * 3:base + sx1 * 3] == exp * (sx1 - sx0):
                    continue
                for x in range(sx0, sx1):
                    if self.rgb[base + x * 3:base + x * 3 + 3] != exp:
                        count += 1
                        if len(first) < limit:
                            first.append((x, y, self.pixel(x, y)))
        return count, first

    def count_not(self, rect, value):
        """How many pixels in rect differ from value."""
        return self.mismatches(rect, value, inside=True, limit=0)[0]

    def region_bytes(self, rect):
        x0, y0, x1, y1 = rect
        return b''.join(self.rgb[(y * self.width + x0) * 3:(y * self.width + x1) * 3]
                        for y in range(y0, y1))


def fmt_pixels(first):
    return ', '.join('(%d,%d)=%06x' % p for p in first)


def over(src_argb_premultiplied, dst_rgb):
    """Porter-Duff OVER of a premultiplied ARGB pixel on an opaque one,
    rounded the way an exact 8-bit blend rounds (x/255 to nearest)."""
    a = (src_argb_premultiplied >> 24) & 0xff
    out = 0
    for shift in (16, 8, 0):
        s = (src_argb_premultiplied >> shift) & 0xff
        d = (dst_rgb >> shift) & 0xff
        t = d * (255 - a) + 128
        out |= min(255, s + ((t + (t >> 8)) >> 8)) << shift
    return out


_line_buffers = {}


def read_line(stream, timeout):
    """The next line of a child's stdout pipe, stripped, or '' after `timeout`
    seconds. Reads the fd itself: select() and a buffered readline() lose a
    second line that arrived in the same read."""
    fd = stream.fileno()
    buf = _line_buffers.setdefault(stream, b'')
    deadline = time.monotonic() + timeout
    while b'\n' not in buf:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buf += chunk
    line, sep, rest = buf.partition(b'\n')
    if not sep and time.monotonic() < deadline:
        rest = b''  # end of file: the last line without a newline
    elif not sep:
        line, rest = b'', buf
    _line_buffers[stream] = rest
    return line.decode(errors='replace').strip()


def unread_text(stream):
    """What read_line() took from `stream` and has not returned yet."""
    return _line_buffers.pop(stream, b'').decode(errors='replace')


def main(tests, argv=None):
    """Run the test functions named on the command line (default: all) and
    exit 0 (all pass), 1 (a failure) or 77 (skipped)."""
    argv = sys.argv[1:] if argv is None else argv
    names = argv or sorted(tests)
    failed = skipped = 0
    for name in names:
        fn = tests.get(name)
        if fn is None:
            print('unknown test %r; known: %s' % (name, ', '.join(sorted(tests))))
            sys.exit(2)
        t0 = time.monotonic()
        try:
            fn()
        except Skip as e:
            skipped += 1
            print('SKIP %s: %s' % (name, e))
        except Failure as e:
            failed += 1
            print('FAIL %s: %s' % (name, e))
        except Exception:
            failed += 1
            print('FAIL %s: unexpected error' % name)
            traceback.print_exc(file=sys.stdout)
        else:
            print('ok   %s (%.1f s)' % (name, time.monotonic() - t0))
        sys.stdout.flush()
    if failed:
        sys.exit(1)
    if skipped == len(names):
        sys.exit(SKIP)
    sys.exit(0)
