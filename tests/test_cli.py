#!/usr/bin/env python3
"""The command line: bad options are refused with one line on stderr and a
non-zero status, a missing XDG_RUNTIME_DIR is a clear error, `-- CLIENT`
runs the client against the compositor and exits with its status, and
SIGINT/SIGTERM stop it cleanly, also when the client ignores SIGTERM; the
client starts with the fd limit and signal dispositions sealway was given, not
the ones sealway set for itself."""

import os
import resource
import signal
import subprocess
import tempfile
import time

import harness
from harness import check


def run_sealway(args, runtime_dir=True, timeout=10, preexec_fn=None):
    env = harness.client_env()
    env.pop('XDG_RUNTIME_DIR', None)
    with tempfile.TemporaryDirectory(prefix='sealway-cli-') as tmp:
        if runtime_dir:
            rt = os.path.join(tmp, 'runtime')
            os.mkdir(rt, 0o700)
            env['XDG_RUNTIME_DIR'] = rt
        try:
            res = subprocess.run([harness.program('sealway')] + args, env=env,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, timeout=timeout,
                                 preexec_fn=preexec_fn)
        except subprocess.TimeoutExpired:
            raise harness.Failure('sealway %s finishes within %d s' % (' '.join(args), timeout))
    return res.returncode, res.stdout.decode(errors='replace'), res.stderr.decode(errors='replace')


# argument: text the error line must contain
BAD_OPTIONS = {
    '--bogus': 'bogus',
    '--size=abc': 'abc',
    '--size=0x0': '0x0',
    '--size=640': '640',
    '--refresh=0': 'refresh',
    '--refresh=fast': 'fast',
    '--backend=nope': 'nope',
    '--shm-seals=maybe': 'maybe',
    '--log=loud': 'loud',
    '--activation-token-ms=0': "'0'",
    '--activation-token-ms=30s': '30s',
    '--trust-virtual-input=some': 'some',
}


def bad_options_are_refused_with_one_line():
    for arg, needle in BAD_OPTIONS.items():
        rc, out, err = run_sealway(['--backend=headless', '--socket=sealway-cli-0', arg])
        lines = [l for l in err.splitlines() if l.strip()]
        check(rc != 0, 'sealway %s exits non-zero (got %d)' % (arg, rc))
        check(len(lines) == 1, 'sealway %s prints exactly one line on stderr (got %d:\n%s)'
              % (arg, len(lines), err))
        check(needle in lines[0], 'the error line of sealway %s names "%s" (got "%s")'
              % (arg, needle, lines[0]))
        for pattern in harness.SANITIZER_PATTERNS:
            check(pattern not in err, 'sealway %s runs without "%s" reports' % (arg, pattern))


def missing_xdg_runtime_dir_is_a_clear_error():
    rc, out, err = run_sealway(['--backend=headless', '--socket=sealway-cli-0'],
                               runtime_dir=False)
    check(rc != 0, 'without XDG_RUNTIME_DIR sealway exits non-zero (got %d)' % rc)
    check('XDG_RUNTIME_DIR' in err, 'and says XDG_RUNTIME_DIR is missing (stderr: %s)'
          % err.strip())


def client_exit_status_is_the_compositors():
    for status in (0, 3, 42):
        rc, out, err = run_sealway(['--backend=headless', '--socket=sealway-cli-0', '--',
                                    'sh', '-c', 'exit %d' % status])
        check(rc == status, 'sealway -- sh -c "exit %d" exits with %d (got %d)\n%s'
              % (status, status, rc, err.strip()))


def client_runs_against_the_compositor():
    script = ('test "$WAYLAND_DISPLAY" = sealway-cli-0 && '
              'test -S "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" && exec "$0" roundtrip')
    rc, out, err = run_sealway(['--backend=headless', '--socket=sealway-cli-0', '--',
                                'sh', '-c', script, harness.program('shm-probe')])
    check(rc == 0, 'the -- CLIENT sees WAYLAND_DISPLAY=NAME, a socket at '
          '$XDG_RUNTIME_DIR/NAME, and can roundtrip on it (status %d)\n%s' % (rc, err.strip()))
    check('listening on sealway-cli-0' in out, 'sealway prints "listening on NAME" on stdout '
          '(stdout: %s)' % out.strip())


def signals_stop_it_cleanly():
    for sig in (signal.SIGTERM, signal.SIGINT):
        comp = harness.Compositor(socket='sealway-cli-sig')
        comp.start()
        try:
            comp.roundtrip()
            comp.stop(sig)
            check(not os.path.exists(os.path.join(comp.runtime_dir, 'sealway-cli-sig')),
                  'the socket is removed on %s' % sig.name)
        finally:
            if comp.alive():
                comp._abort()
            comp.remove_tmp()


def exit_is_prompt_when_the_client_ignores_sigterm():
    # The client and the sleep it starts both ignore SIGTERM (sh's trap is inherited).
    with tempfile.TemporaryDirectory(prefix='sealway-cli-') as tmp:
        rt = os.path.join(tmp, 'runtime')
        os.mkdir(rt, 0o700)
        env = harness.client_env({'XDG_RUNTIME_DIR': rt})
        env['ASAN_OPTIONS'] = os.environ.get('ASAN_OPTIONS', 'detect_leaks=1')
        marker = os.path.join(tmp, 'client-started')
        # Output to files, not pipes: a surviving grandchild must not hold up the test.
        with open(os.path.join(tmp, 'out'), 'wb') as out, \
                open(os.path.join(tmp, 'err'), 'wb') as err:
            proc = subprocess.Popen(
                [harness.program('sealway'), '--backend=headless', '--socket=sealway-cli-0',
                 '--', 'sh', '-c', 'trap "" TERM; touch "$0"; sleep 30', marker],
                env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
            try:
                deadline = time.monotonic() + 10
                while not os.path.exists(marker) and time.monotonic() < deadline:
                    time.sleep(0.05)
                check(os.path.exists(marker), 'the client starts within 10 s')
                proc.send_signal(signal.SIGTERM)
                try:
                    rc = proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    raise harness.Failure('sealway exits within 10 s of SIGTERM although its '
                                          'client ignores SIGTERM (it sleeps 30 s)')
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        with open(os.path.join(tmp, 'err'), errors='replace') as f:
            text = f.read()
    check(rc == 0, 'sealway exits with status 0 on SIGTERM (got %d)\n%s' % (rc, text))
    check('still running' in text, 'sealway says it killed the client that ignored SIGTERM '
          '(stderr: %s)' % text.strip())
    for pattern in harness.SANITIZER_PATTERNS:
        check(pattern not in text, 'sealway runs without "%s" reports' % pattern)


def client_gets_the_original_fd_limit_and_sigpipe():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard <= 64:
        raise harness.Skip('the hard fd limit (%d) leaves no room below it' % hard)
    # A soft limit below the hard one, which sealway raises for itself.
    want = min(soft, hard // 2, 512)

    def lower_soft_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    # cat's own SigIgn is what sh (and so the client) was started with.
    rc, out, err = run_sealway(['--backend=headless', '--socket=sealway-cli-0', '--',
                                'sh', '-c', 'echo "nofile $(ulimit -Sn)"; cat /proc/self/status'],
                               preexec_fn=lower_soft_limit)
    check(rc == 0, 'the client runs (status %d)\n%s' % (rc, err.strip()))
    lines = out.splitlines()
    nofile = [l.split()[1] for l in lines if l.startswith('nofile ')]
    check(nofile == [str(want)], 'the client has the soft fd limit sealway was started with, '
          '%d, not the raised %d (it says %s)' % (want, hard, nofile))
    sigign = [int(l.split()[1], 16) for l in lines if l.startswith('SigIgn:')]
    check(len(sigign) == 1, 'the client can read its SigIgn (output: %s)' % out.strip())
    check(not sigign[0] & (1 << (signal.SIGPIPE - 1)),
          'SIGPIPE is not ignored in the client (SigIgn %016x)' % sigign[0])


if __name__ == '__main__':
    harness.main({f.__name__: f for f in (
        bad_options_are_refused_with_one_line, missing_xdg_runtime_dir_is_a_clear_error,
        client_exit_status_is_the_compositors, client_runs_against_the_compositor,
        signals_stop_it_cleanly, exit_is_prompt_when_the_client_ignores_sigterm,
        client_gets_the_original_fd_limit_and_sigpipe)})
