#!/usr/bin/env python3
"""xdg-decoration: a toplevel whose client asks for server-side decorations
(or leaves it to the compositor) is configured with mode server_side and
gets a title bar right above its window geometry: the bar's colour says it
is activated, its title is drawn at the left and a close button (a white
cross on red) at the right. One that asks for client-side gets mode
client_side and no bar. The window below the bar is not covered by it.
Misuse gets the protocol's errors with their codes (unconfigured_buffer 0,
already_constructed 1, orphaned 2). foot, which prefers server-side
decorations when a manager is offered, gets the bar too.

Clicking the close button and dragging the bar need a pointer: the headless
seat has none, so they are tested in the VM (tests/vm/scenarios.py).

Programs: SEALWAY, DECORATION_PROBE (or under SW_BUILD_ROOT), foot.
Usage: test_decoration.py [TEST...]
"""

import os
import subprocess
import time

import harness
from harness import check, BACKGROUND, fmt_pixels

X0, Y0 = harness.FIRST_WINDOW
W, H, BAR = 200, 100, 24
GREEN = 0x00ff00
BAR_ACTIVE, BAR_INACTIVE = 0x2e5a8c, 0x3c3c3c
BUTTON, CROSS, TEXT = 0xc0392b, 0xf0f0f0, 0xf0f0f0


def probe_path():
    path = os.environ.get('DECORATION_PROBE')
    if not path:
        root = os.environ.get('SW_BUILD_ROOT', '')
        path = os.path.join(root, 'tests/decoration-probe') if root else ''
    if not path or not os.access(path, os.X_OK):
        raise harness.Skip('decoration-probe not built (DECORATION_PROBE=%r)' % path)
    return path


class Probe:
    def __init__(self, comp, mode):
        self.proc = subprocess.Popen([probe_path(), mode], env=comp.env(),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.mode = mode

    def line(self, timeout=30.0):
        return harness.read_line(self.proc.stdout, timeout)

    def shown(self, expected_mode):
        line = self.line()
        check(line == 'mode %d' % expected_mode, 'decoration-probe %s is configured with mode '
              '%d (got %r)' % (self.mode, expected_mode, line))
        line = self.line()
        check(line == 'shown', 'decoration-probe %s draws its window (got %r)'
              % (self.mode, line))

    def finish(self):
        out, err = self.proc.communicate(input='', timeout=10)
        out = harness.unread_text(self.proc.stdout) + out
        check(out.strip().splitlines()[-1:] == ['ok'], 'decoration-probe %s ends without a '
              'protocol error (got %r; %s)' % (self.mode, out, err.strip()[-300:]))


def colours(img, box):
    x0, y0, x1, y1 = box
    return {img.pixel(x, y) for y in range(y0, y1) for x in range(x0, x1)}


def check_bar(img, x, y, width, bar_colour, what):
    bar = (x, y, x + width, y + BAR)
    button = (x + width - BAR, y, x + width, y + BAR)
    title = (x + 8, y, x + 40, y + BAR)
    got = colours(img, button)
    check(got == {BUTTON, CROSS}, '%s: the close button (%d,%d)-(%d,%d) is a white cross on '
          'red (colours %s)' % (what, *button, ' '.join('%06x' % c for c in sorted(got))))
    got = colours(img, title)
    check(got == {bar_colour, TEXT} or got == {bar_colour, 0xa0a0a0},
          '%s: the title is drawn on the bar\'s %06x at (%d,%d)-(%d,%d) (colours %s)'
          % (what, bar_colour, *title, ' '.join('%06x' % c for c in sorted(got))))
    rest = (x + 40, y, x + width - BAR, y + BAR)
    n, first = img.mismatches(rest, bar_colour)
    check(n == 0, '%s: the rest of the bar (%d,%d)-(%d,%d) is %06x (%d differ: %s)'
          % (what, *rest, bar_colour, n, fmt_pixels(first)))


def server_side_gets_a_title_bar():
    with harness.Compositor() as comp:
        p = Probe(comp, 'server-side')
        try:
            p.shown(2)
            img = comp.capture('sealway-capture')
            check_bar(img, X0, Y0, W, BAR_ACTIVE, 'server-side')
            window = (X0, Y0 + BAR, X0 + W, Y0 + BAR + H)
            n, first = img.mismatches(window, GREEN)
            check(n == 0, 'the window is whole right below its bar at (%d,%d)-(%d,%d) '
                  '(%d differ: %s)' % (*window, n, fmt_pixels(first)))
            n, first = img.mismatches((X0, Y0, X0 + W, Y0 + BAR + H), BACKGROUND, inside=False)
            check(n == 0, 'nothing but the bar and the window is drawn (%d differ: %s)'
                  % (n, fmt_pixels(first)))
        finally:
            p.finish()


def unset_mode_gets_server_side():
    with harness.Compositor() as comp:
        p = Probe(comp, 'unset')
        try:
            p.shown(2)
            check_bar(comp.capture('sealway-capture'), X0, Y0, W, BAR_ACTIVE, 'unset_mode')
        finally:
            p.finish()


def client_side_keeps_its_own():
    with harness.Compositor() as comp:
        p = Probe(comp, 'client-side')
        try:
            p.shown(1)
            img = comp.capture('sealway-capture')
            window = (X0, Y0, X0 + W, Y0 + H)
            n, first = img.mismatches(window, GREEN)
            check(n == 0, 'client-side: the window is at (%d,%d)-(%d,%d), no bar above '
                  '(%d differ: %s)' % (*window, n, fmt_pixels(first)))
            n, first = img.mismatches(window, BACKGROUND, inside=False)
            check(n == 0, 'client-side: nothing else is drawn (%d differ: %s)'
                  % (n, fmt_pixels(first)))
        finally:
            p.finish()


def unfocused_bar_changes_colour():
    with harness.Compositor() as comp:
        first = Probe(comp, 'server-side')
        second = None
        try:
            first.shown(2)
            second = Probe(comp, 'server-side')
            second.shown(2)
            time.sleep(0.2)
            img = comp.capture('sealway-capture')
            # The second window is cascaded below and right of the first.
            px = img.pixel(X0 + 2, Y0 + 2)
            check(px == BAR_INACTIVE, 'the first window\'s bar turns %06x once the second '
                  'is focused (got %06x)' % (BAR_INACTIVE, px))
        finally:
            first.finish()
            if second:
                second.finish()


def foot_asks_for_server_side():
    exe = harness.tool('foot')
    with harness.Compositor() as comp:
        home = os.path.join(comp.tmp, 'home')
        os.makedirs(os.path.join(home, '.config'), mode=0o700, exist_ok=True)
        env = {'HOME': home, 'XDG_CONFIG_HOME': os.path.join(home, '.config'),
               'XDG_CACHE_HOME': os.path.join(home, '.cache'), 'SHELL': '/bin/sh'}
        client = comp.spawn([exe, '--', 'sh', '-c', 'sleep 60'], extra_env=env)
        deadline = time.monotonic() + 15
        img = None
        while time.monotonic() < deadline:
            img = comp.capture('sealway-capture')
            if img.pixel(X0 + 2, Y0 + 2) == BAR_ACTIVE:
                break
            time.sleep(0.1)
        log = open(client.log_path).read()
        check(client.poll() is None, 'foot keeps running (exit %s): %s'
              % (client.poll(), log.strip()[-500:]))
        check('no decoration manager' not in log, 'foot finds the decoration manager: %s'
              % log.strip()[-300:])
        check(img.pixel(X0 + 2, Y0 + 2) == BAR_ACTIVE, 'foot gets a server-side title bar '
              'at %d,%d (got %06x)' % (X0, Y0, img.pixel(X0 + 2, Y0 + 2)))
        check(img.pixel(X0 + 2, Y0 + BAR + 2) != BAR_ACTIVE, 'foot\'s window is below it')


ERRORS = {
    'unconfigured_buffer': 'protocol-error interface=zxdg_decoration_manager_v1 code=0',
    'already_constructed': 'protocol-error interface=zxdg_decoration_manager_v1 code=1',
    'orphaned': 'protocol-error interface=zxdg_toplevel_decoration_v1 code=2',
}


def error_case(name):
    def run():
        with harness.Compositor() as comp:
            scenario = name.replace('_', '-')
            r = comp.run([probe_path(), scenario], timeout=20)
            check(r.stdout.strip().splitlines()[-1:] == [ERRORS[name]], '%s: %s (got %r; %s)'
                  % (scenario, ERRORS[name], r.stdout, r.stderr.strip()[-300:]))
            comp.check_alive(scenario)
            p = Probe(comp, 'server-side')
            try:
                p.shown(2)
            finally:
                p.finish()
    return run


if __name__ == '__main__':
    tests = {name: globals()[name] for name in (
        'server_side_gets_a_title_bar', 'unset_mode_gets_server_side',
        'client_side_keeps_its_own', 'unfocused_bar_changes_colour',
        'foot_asks_for_server_side')}
    tests.update({name: error_case(name) for name in ERRORS})
    harness.main(tests)
