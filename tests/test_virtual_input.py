#!/usr/bin/env python3
"""Virtual input: zwp_virtual_keyboard_manager_v1 and zwlr_virtual_pointer_manager_v1
give the headless seat a keyboard and a pointer while a trusted client drives
them. wtype types into wev (an echo of the keys it gets); a virtual pointer's
click focuses the window under it. The trust policy: by default only the
connection sealway made for the client it started with `-- CLIENT`
(WAYLAND_SOCKET) sees these globals; --trust-virtual-input=all opens them to everyone, =none to nobody.
Protocol errors come with their codes."""

import os
import re
import subprocess
import tempfile
import time

import harness
from harness import check
from test_wm import Probe


def vinput_probe():
    exe = os.environ.get('VINPUT_PROBE') or os.path.join(
        os.environ.get('SW_BUILD_ROOT', ''), 'tests/vinput-probe')
    if not os.access(exe, os.X_OK):
        raise harness.Skip('vinput-probe not built (%s)' % exe)
    return exe


def wait_for_log(path, pattern, timeout=10.0):
    """The text of `path` once it matches `pattern` (a regex); fails at the timeout."""
    deadline = time.monotonic() + timeout
    rx = re.compile(pattern, re.M)
    while True:
        with open(path, 'rb') as f:
            text = f.read().decode(errors='replace')
        if rx.search(text):
            return text
        if time.monotonic() > deadline:
            raise harness.Failure('%s shows %r within %.0f s; it has:\n%s'
                                  % (os.path.basename(path), pattern, timeout, text[-1500:]))
        time.sleep(0.05)


def wtype_types_into_a_client():
    wtype = harness.tool('wtype')
    wev = harness.tool('wev')
    stdbuf = harness.tool('stdbuf')
    with harness.Compositor('--trust-virtual-input=all') as comp:
        # A virtual keyboard that stays, so wev has a keyboard before the keys come.
        comp.spawn([wtype, '-s', '600000'])
        echo = comp.spawn([stdbuf, '-oL', wev, '-f', 'wl_keyboard'])
        wait_for_log(echo.log_path, r'wl_keyboard\] enter:')
        comp.run([wtype, 'sealway 42'], check_status=0)
        text = wait_for_log(echo.log_path, r"utf8: '2'")
        typed = ''.join(re.findall(r"utf8: '(.)'", text))
        check(typed == 'sealway 42', 'wev gets the keys wtype typed, in order (got %r)'
              % typed)
        log = comp.stderr_text()
        check('seat: a keyboard' in log, 'the headless seat announces a keyboard while a '
              'virtual one exists:\n%s' % comp.stderr_tail())


def wtype_types_into_foot():
    wtype = harness.tool('wtype')
    foot = harness.tool('foot')
    from test_wm import foot_env
    with harness.Compositor('--trust-virtual-input=all') as comp:
        comp.spawn([wtype, '-s', '600000'])
        wait_for_log(comp.stderr_path, r'virtual keyboard zwp_virtual_keyboard_v1@')
        typed = os.path.join(comp.tmp, 'typed')
        term = comp.spawn([foot, '--', 'sh', '-c', 'stty -echo; cat > %s' % typed],
                          extra_env=foot_env(comp))
        deadline = time.monotonic() + 15
        while comp.capture('sealway-capture').pixel(40, 40) == harness.BACKGROUND:
            check(time.monotonic() < deadline and term.poll() is None,
                  'foot maps a window within 15 s:\n%s' % open(term.log_path).read()[-1500:])
            time.sleep(0.1)
        # foot's shell may not read yet: what is typed waits in the terminal's input.
        comp.run([wtype, 'typed into foot\n'], check_status=0)
        deadline = time.monotonic() + 10
        text = ''
        while time.monotonic() < deadline:
            if os.path.exists(typed):
                text = open(typed).read()
                if text.endswith('\n'):
                    break
            time.sleep(0.05)
        check(text == 'typed into foot\n', 'cat in foot gets the line wtype typed (got %r)'
              % text)


def virtual_pointer_click_focuses_the_window_under_it():
    with harness.Compositor('--trust-virtual-input=all') as comp:
        p = Probe(comp)
        p.send('toplevel A 600 400 40a050')
        p.configure('A', 'A\'s first configure')
        p.sync()
        p.send('toplevel B 100 100 a04040')
        _, _, states = p.configure('B', 'B\'s first configure')
        check('activated' in states, 'B, the newest window, is activated (got %s)'
              % sorted(states))
        p.sync()
        # A is at (32, 32) and 600x400; B, cascaded, is small and near A's corner.
        res = comp.run([vinput_probe(), 'click', '500', '350'], check_status=0)
        check(res.stdout.strip() == 'ok', 'the virtual pointer clicks (got %r)'
              % res.stdout.strip())
        # The focus leaves B before it comes to A.
        _, _, states = p.configure('B', 'B\'s configure after the click on A')
        check('activated' not in states, 'B loses activated (got %s)' % sorted(states))
        _, _, states = p.configure('A', 'A\'s configure after the click on it')
        check('activated' in states, 'a virtual click on A gives it the focus (got %s)'
              % sorted(states))


def virtual_pointer_errors_have_their_codes():
    with harness.Compositor('--trust-virtual-input=all') as comp:
        for case, code in (('bad-axis', 0), ('bad-axis-source', 1)):
            res = comp.run([vinput_probe(), case], check_status=0)
            want = 'protocol-error interface=zwlr_virtual_pointer_v1 code=%d' % code
            check(res.stdout.strip() == want, '%s: %s (got %r; %s)'
                  % (case, want, res.stdout.strip(), res.stderr.strip()))
        comp.check_alive('virtual pointer protocol errors')


def virtual_keyboard_keymaps_are_compiled():
    """A keymap is compiled before any client gets it: one that does not compile,
    one of a size past the bound, or one including a file outside the XKB
    directory is refused (no_keymap, 0) with a message naming why; clients get
    xkbcommon's compiled text in a sealed read-only file of sealway's."""
    want = 'protocol-error interface=zwp_virtual_keyboard_v1 code=0'
    with harness.Compositor('--trust-virtual-input=all') as comp:
        for case, why in (('keymap-garbage', 'does not compile: '),
                          ('keymap-huge', '4294967295 bytes: the size must be 1 to 1048576'),
                          ('keymap-escape', 'may not leave the XKB directory')):
            res = comp.run([vinput_probe(), case], check_status=0)
            check(res.stdout.strip() == want and why in res.stderr,
                  '%s: %s, the message naming "%s" (got %r; %s)'
                  % (case, want, why, res.stdout.strip(), res.stderr.strip()))
        res = comp.run([vinput_probe(), 'keymap-sent'], check_status=0)
        got = dict(kv.split('=', 1) for kv in res.stdout.split()[1:])
        sealed = int(got.get('seals', '0'), 16)
        # F_SEAL_SEAL 1, SHRINK 2, GROW 4, WRITE 8
        check(sealed & 0xf == 0xf, 'the keymap clients get is sealed against shrink, grow, '
              'write and more seals (got %s; %s)' % (res.stdout.strip(), res.stderr.strip()))
        check(got.get('readonly') == '1' and got.get('same-file') == '0',
              'it is a read-only file of sealway\'s, not the sender\'s (got %s)'
              % res.stdout.strip())
        check(got.get('comment') == '0' and got.get('compiles-as') == 'xkb_keymap',
              'it is the compiled keymap, not the bytes sent (the sender\'s comment is '
              'gone; got %s)' % res.stdout.strip())
        comp.check_alive('keymaps refused')


def xkbcommon_version():
    """libxkbcommon's version as a tuple, from pkg-config."""
    res = subprocess.run(['pkg-config', '--modversion', 'xkbcommon'], capture_output=True,
                         text=True)
    if res.returncode != 0:
        raise harness.Skip('pkg-config does not know xkbcommon')
    return tuple(int(p) for p in res.stdout.strip().split('.')[:3])


def a_keymap_that_breaks_xkbcommon_costs_only_its_sender():
    """Keymaps are compiled in a child process: a syntax error that libxkbcommon
    leaks on (1.5.0) leaves nothing in the compositor, which exits without a leak
    report; a keymap it crashes on (before 1.7) is refused as a crash of the
    compiler, and the compositor, its fds and its other clients are unharmed."""
    want = 'protocol-error interface=zwp_virtual_keyboard_v1 code=0'
    version = xkbcommon_version()
    crashes = version < (1, 7, 0)
    with harness.Compositor('--trust-virtual-input=all') as comp:
        baseline = comp.settled_fd_count()
        res = comp.run([vinput_probe(), 'keymap-trailing'], check_status=0)
        check(res.stdout.strip() == want and 'does not compile: ' in res.stderr
              and 'syntax error' in res.stderr,
              'a keymap with a stray token after it: %s, "does not compile: ... syntax '
              'error" (got %r; %s)' % (want, res.stdout.strip(), res.stderr.strip()))
        res = comp.run([vinput_probe(), 'keymap-crash'], check_status=0)
        if crashes:
            check(res.stdout.strip() == want and 'xkbcommon crashed compiling it'
                  in res.stderr,
                  'a keymap libxkbcommon %s crashes on: %s, "xkbcommon crashed compiling '
                  'it" (got %r; %s)' % ('.'.join(map(str, version)), want,
                                        res.stdout.strip(), res.stderr.strip()))
        else:
            check(res.stdout.strip() == 'ok', 'a key body starting with a comma compiles '
                  'with libxkbcommon 1.7 or later (got %r; %s)'
                  % (res.stdout.strip(), res.stderr.strip()))
        comp.check_alive('keymaps that break xkbcommon')
        res = comp.run([vinput_probe(), 'keymap-sent'], check_status=0)
        check(res.stdout.startswith('keymap ') and 'compiles-as=xkb_keymap' in res.stdout,
              'a good keymap still compiles afterwards (got %r; %s)'
              % (res.stdout.strip(), res.stderr.strip()))
        left = comp.wait_fd_count(baseline)
        check(left == baseline, 'the compositor holds its %d fds again (holds %d: %s)'
              % (baseline, left, comp.fds()))
    # Leaving the with block stopped the compositor and checked it for leak reports.


def untrusted_clients_do_not_see_virtual_input():
    wtype = harness.tool('wtype')
    with harness.Compositor() as comp:
        res = comp.run([wtype, 'x'])
        check(res.returncode != 0 and 'virtual keyboard' in res.stderr,
              'by default a client sealway did not start cannot type: wtype fails with '
              '"no virtual keyboard protocol" (status %d; %s)'
              % (res.returncode, res.stderr.strip()))
        res = comp.run([vinput_probe()] + ['click', '1', '1'])
        check(res.returncode == 3 and res.stdout.strip() == 'no-virtual-pointer',
              'by default an outside client sees no virtual pointer global (got %r, %d)'
              % (res.stdout.strip(), res.returncode))


def run_spawned(policy, client):
    """sealway with `-- sh -c CLIENT` under `policy`; returns (status, stderr)."""
    with tempfile.TemporaryDirectory(prefix='sealway-test-') as tmp:
        env = harness.client_env({'XDG_RUNTIME_DIR': tmp})
        env['ASAN_OPTIONS'] = os.environ.get('ASAN_OPTIONS', 'detect_leaks=1')
        args = [harness.program('sealway'), '--backend=headless', '--socket=sealway-test-0']
        if policy:
            args.append('--trust-virtual-input=' + policy)
        res = subprocess.run(args + ['--', 'sh', '-c', client], env=env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=30)
        err = res.stderr.decode(errors='replace')
        for pattern in harness.SANITIZER_PATTERNS:
            check(pattern not in err, 'sealway runs without "%s" reports\n%s' % (pattern, err))
        return res.returncode, err


def the_spawned_clients_connection_is_trusted():
    wtype = harness.tool('wtype')
    rc, err = run_spawned(None, 'exec ' + wtype + ' x')
    check(rc == 0, 'by default the -- CLIENT may type (status %d)\n%s' % (rc, err[-1500:]))
    # sh does not speak Wayland: wtype, its child, inherits the connection (WAYLAND_SOCKET).
    rc, err = run_spawned(None, wtype + ' x')
    check(rc == 0, 'a program the -- CLIENT runs with the connection it was given may type '
          '(status %d)\n%s' % (rc, err[-1500:]))
    rc, err = run_spawned('none', 'exec ' + wtype + ' x')
    check(rc != 0 and 'virtual keyboard' in err,
          '--trust-virtual-input=none: not even the -- CLIENT may type (status %d)\n%s'
          % (rc, err[-1500:]))


def a_client_with_the_spawned_pid_is_not_trusted():
    """Trust goes with the connection sealway made for its client, not with a pid:
    the same process connecting anew by WAYLAND_DISPLAY (as a process reusing the
    pid would), or a child connecting on its own, is an outside client."""
    wtype = harness.tool('wtype')
    # exec keeps the pid: the pid is the spawned one, the connection is not.
    rc, err = run_spawned(None, 'exec env -u WAYLAND_SOCKET ' + wtype + ' x')
    check(rc != 0 and 'virtual keyboard' in err,
          'the spawned pid connecting by WAYLAND_DISPLAY may not type (status %d)\n%s'
          % (rc, err[-1500:]))
    rc, err = run_spawned(None, 'env -u WAYLAND_SOCKET ' + wtype + ' x')
    check(rc != 0 and 'virtual keyboard' in err,
          'a child of the -- CLIENT connecting by WAYLAND_DISPLAY may not type (status %d)'
          '\n%s' % (rc, err[-1500:]))
    rc, err = run_spawned('all', 'env -u WAYLAND_SOCKET ' + wtype + ' x')
    check(rc == 0, '--trust-virtual-input=all: it may (status %d)\n%s' % (rc, err[-1500:]))


def a_gone_virtual_keyboard_leaves_no_file_behind():
    wtype = harness.tool('wtype')
    with harness.Compositor('--trust-virtual-input=all') as comp:
        baseline = comp.settled_fd_count()
        for n in range(3):
            comp.run([wtype, 'x'], check_status=0)
            left = comp.wait_fd_count(baseline)
            check(left == baseline, 'after virtual keyboard %d has gone, the compositor holds '
                  'its %d fds again (holds %d: %s)' % (n + 1, baseline, left, comp.fds()))


TESTS = (wtype_types_into_a_client, a_gone_virtual_keyboard_leaves_no_file_behind, wtype_types_into_foot, virtual_pointer_click_focuses_the_window_under_it,
         virtual_pointer_errors_have_their_codes, virtual_keyboard_keymaps_are_compiled,
         a_keymap_that_breaks_xkbcommon_costs_only_its_sender,
         untrusted_clients_do_not_see_virtual_input,
         the_spawned_clients_connection_is_trusted, a_client_with_the_spawned_pid_is_not_trusted)

if __name__ == '__main__':
    harness.main({f.__name__: f for f in TESTS})
