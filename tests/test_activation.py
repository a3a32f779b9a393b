#!/usr/bin/env python3
"""xdg_activation_v1: a token made by the client with the keyboard on the
serial of a click it got gives the focus to the window it activates; so does
the token sealway hands the client it starts (XDG_ACTIVATION_TOKEN); any
other token only marks the window as asking for attention (logged), and the
focus stays where it is. Tokens expire (--activation-token-ms), and one
client's tokens cannot push out another's."""

import os
import re
import subprocess
import tempfile
import time

import harness
from harness import check
from test_virtual_input import vinput_probe, wait_for_log
from test_wm import Probe


def two_windows_b_focused(p):
    p.send('toplevel A 600 400 40a050')
    p.configure('A', 'A\'s first configure')
    p.sync()
    p.send('toplevel B 100 100 a04040')
    _, _, states = p.configure('B', 'B\'s first configure')
    check('activated' in states, 'B, the newest window, is activated (got %s)' % sorted(states))
    p.sync()


def a_token_on_a_click_of_the_focused_client_gives_the_focus():
    with harness.Compositor('--trust-virtual-input=all') as comp:
        # A pointer exists before the window's client binds the seat, so it gets clicks.
        comp.spawn([vinput_probe(), 'hold'])
        wait_for_log(comp.stderr_path, r'virtual pointer zwlr_virtual_pointer_v1@')
        p = Probe(comp)
        two_windows_b_focused(p)
        # B (cascaded to (64, 64), 100x100) is clicked: its client gets a button serial.
        comp.run([vinput_probe(), 'click', '100', '100'], check_status=0)
        p.sync()
        p.send('token')
        token = p.expect(r'^token (\S+)$', what='the token').group(1)
        p.send('activate A %s' % token)
        _, _, states = p.configure('A', 'A\'s configure after its activation')
        check('activated' in states, 'a valid token gives A the focus (got %s)' % sorted(states))
        check('activated by a valid token' in comp.stderr_text(),
              'the activation is logged:\n%s' % comp.stderr_tail())


def a_valid_token_made_on_a_click(comp, p):
    """B focused, A behind it; a token made on a click on B, by B's client."""
    two_windows_b_focused(p)
    # B (cascaded to (64, 64), 100x100) is clicked: its client gets a button serial.
    comp.run([vinput_probe(), 'click', '100', '100'], check_status=0)
    p.sync()
    p.send('token')
    return p.expect(r'^token (\S+)$', what='the token').group(1)


def an_expired_token_only_asks_for_attention():
    with harness.Compositor('--trust-virtual-input=all', '--activation-token-ms=200') as comp:
        comp.spawn([vinput_probe(), 'hold'])
        wait_for_log(comp.stderr_path, r'virtual pointer zwlr_virtual_pointer_v1@')
        p = Probe(comp)
        token = a_valid_token_made_on_a_click(comp, p)
        # Well past its 200 ms: an expired token can only be refused, however slow we are.
        time.sleep(1.0)
        start = len(p.lines)
        p.send('activate A %s' % token)
        p.sync()
        after = p.lines[start:]
        check(not any(re.match(r'^A configure .*activated', line) for line in after),
              'A is not activated by an expired token (lines: %s)' % after)
        check('is expired' in comp.stderr_text() and
              'asks for attention (urgent)' in comp.stderr_text(),
              'the request is logged as asking for attention, the token as expired:\n%s'
              % comp.stderr_tail())


def another_clients_token_flood_does_not_push_out_a_token():
    with harness.Compositor('--trust-virtual-input=all') as comp:
        comp.spawn([vinput_probe(), 'hold'])
        wait_for_log(comp.stderr_path, r'virtual pointer zwlr_virtual_pointer_v1@')
        p = Probe(comp)
        token = a_valid_token_made_on_a_click(comp, p)
        # Another client makes many tokens, and goes: neither pushes out B's token.
        res = comp.run([vinput_probe(), 'tokens', '200'], check_status=0)
        check(res.stdout.strip() == 'tokens 200', 'the flood\'s tokens are all answered (%r)'
              % res.stdout.strip())
        p.send('activate A %s' % token)
        _, _, states = p.configure('A', 'A\'s configure after its activation')
        check('activated' in states, 'the token made before the flood still gives A the '
              'focus (got %s)' % sorted(states))


def a_token_without_a_recent_serial_only_asks_for_attention():
    with harness.Compositor() as comp:
        p = Probe(comp)
        two_windows_b_focused(p)
        p.send('token 12345')
        token = p.expect(r'^token (\S+)$', what='the token').group(1)
        start = len(p.lines)
        p.send('activate A %s' % token, 'activate A made-up-token')
        p.sync()
        after = p.lines[start:]
        check(not any(re.match(r'^A configure .*activated', line) for line in after),
              'A is not activated by an invalid token (lines: %s)' % after)
        log = comp.stderr_text()
        check(log.count('asks for attention (urgent)') == 2,
              'both requests are logged as asking for attention:\n%s' % comp.stderr_tail())


def the_spawned_clients_token_gives_the_focus():
    with tempfile.TemporaryDirectory(prefix='sealway-test-') as tmp:
        env = harness.client_env({'XDG_RUNTIME_DIR': tmp})
        env['ASAN_OPTIONS'] = os.environ.get('ASAN_OPTIONS', 'detect_leaks=1')
        wm_probe = os.environ.get('WM_PROBE') or os.path.join(
            os.environ.get('SW_BUILD_ROOT', ''), 'tests/wm-probe')
        proc = subprocess.Popen([harness.program('sealway'), '--backend=headless',
                                 '--socket=sealway-test-0', '--', wm_probe], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        p = Probe.__new__(Probe)
        p.proc, p.lines, p.seen = proc, [], 0
        try:
            two_windows_b_focused(p)
            p.send('activate A env')
            _, _, states = p.configure('A', 'A\'s configure after activating with the token '
                                       'sealway gave it')
            check('activated' in states, 'the -- CLIENT\'s XDG_ACTIVATION_TOKEN gives A the '
                  'focus (got %s)' % sorted(states))
            p.send('quit')
            rc = proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err = proc.stderr.read().decode(errors='replace')
        for pattern in harness.SANITIZER_PATTERNS:
            check(pattern not in err, 'sealway runs without "%s" reports\n%s' % (pattern, err))
        check(rc == 0, 'sealway exits with its client\'s status 0 (got %d)\n%s' % (rc, err))


TESTS = (a_token_on_a_click_of_the_focused_client_gives_the_focus,
         a_token_without_a_recent_serial_only_asks_for_attention,
         the_spawned_clients_token_gives_the_focus, an_expired_token_only_asks_for_attention,
         another_clients_token_flood_does_not_push_out_a_token)

if __name__ == '__main__':
    harness.main({f.__name__: f for f in TESTS})
