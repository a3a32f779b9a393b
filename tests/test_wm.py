#!/usr/bin/env python3
"""Window management, as clients see it: fullscreen and maximized windows
cover what they should and come back where they were, the focused window is
the activated one, windows are placed where they can be seen, popups stay on
the output and above their parent. Our own wm-probe says exactly what it was
told; foot, weston-terminal and SDL's testsprite2 show the same with real
clients, judged by the pixels of the output."""

import os
import re
import subprocess
import time

import harness
from harness import check, BACKGROUND, OUTPUT_SIZE

W, H = OUTPUT_SIZE
X0, Y0 = harness.FIRST_WINDOW
MARGIN_RGB = 0xff00ff


class Probe:
    """tests/wm-probe, fed commands on stdin; its event lines are kept."""

    def __init__(self, comp, *args):
        exe = os.environ.get('WM_PROBE') or os.path.join(
            os.environ.get('SW_BUILD_ROOT', ''), 'tests/wm-probe')
        if not os.access(exe, os.X_OK):
            raise harness.Skip('wm-probe not built (%s)' % exe)
        self.proc = subprocess.Popen([exe] + list(args), env=comp.env(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = []
        self.seen = 0
        comp._children.append(self.proc)

    def send(self, *commands):
        for c in commands:
            self.proc.stdin.write((c + '\n').encode())
        self.proc.stdin.flush()

    def expect(self, pattern, timeout=5.0, what=None):
        """The first line from now on matching `pattern` (a regex); fails after timeout."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            while self.seen < len(self.lines):
                line = self.lines[self.seen]
                self.seen += 1
                m = rx.search(line)
                if m:
                    return m
            line = harness.read_line(self.proc.stdout, deadline - time.monotonic())
            # '' is an empty line too: only the deadline or the end of the output ends it.
            if not line and (time.monotonic() >= deadline or self.proc.poll() is not None):
                raise harness.Failure('%s: wm-probe printed a line matching %r within %.0f s; '
                                      'it printed:\n  %s' % (what or 'expected', pattern,
                                                             timeout,
                                                             '\n  '.join(self.lines[-15:])))
            self.lines.append(line)

    def sync(self):
        """Everything sent so far is done, the last configure answered and drawn."""
        self.send('sync')
        self.expect(r'^synced$')
        self.send('sync')
        self.expect(r'^synced$')

    def configure(self, name, what):
        m = self.expect(r'^%s configure (-?\d+) (-?\d+) (\S+)$' % name, what=what)
        return int(m.group(1)), int(m.group(2)), set(m.group(3).split(',')) - {'-'}


def settle(comp, probe=None, predicate=None, timeout=5.0):
    """A capture once `predicate(image)` holds (or the last one at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        if probe:
            probe.sync()
        img = comp.capture('sealway-capture')
        if predicate is None or predicate(img) or time.monotonic() > deadline:
            return img
        time.sleep(0.05)


def corners(img, x0, y0, x1, y1):
    """The pixels at the four corners of the box [x0, x1) x [y0, y1)."""
    return [img.pixel(x0, y0), img.pixel(x1 - 1, y0), img.pixel(x0, y1 - 1),
            img.pixel(x1 - 1, y1 - 1)]


def fmt(pixels):
    return ' '.join('%06x' % p for p in pixels)


def covers(img, rgb, box):
    return all(p == rgb for p in corners(img, *box))


def check_covers(comp, probe, rgb, box, what):
    """Check that `rgb` covers `box` of the output to its four corners once it settles;
    `what` says what that shows."""
    img = settle(comp, probe, lambda i: covers(i, rgb, box))
    check(covers(img, rgb, box), '%s (corners %s)' % (what, fmt(corners(img, *box))))


# ---- fullscreen, maximize, minimize ----

def initial_fullscreen_is_configured_with_the_output_size():
    """set_fullscreen(nil) before the first commit: the first configure is the
    output's size with fullscreen and activated (weston 10 answers the same)."""
    with harness.Compositor() as comp:
        p = Probe(comp)
        p.send('toplevel A 200 150 3050a0 0 fs')
        w, h, states = p.configure('A', 'the first configure')
        check((w, h) == (W, H) and states == {'fullscreen', 'activated'},
              'the first configure of a window that asked for fullscreen is %dx%d '
              '[fullscreen, activated] (got %dx%d %s)' % (W, H, w, h, sorted(states)))
        check_covers(comp, p, 0x3050a0, (0, 0, W, H),
                     'the fullscreen window covers the output to its four corners')


def fullscreen_covers_the_output_and_unset_restores():
    with harness.Compositor() as comp:
        p = Probe(comp)
        p.send('toplevel A 200 150 3050a0')
        p.configure('A', 'the first configure')
        box = (X0, Y0, X0 + 200, Y0 + 150)
        check_covers(comp, p, 0x3050a0, box, 'the window shows at %s' % (box,))
        p.send('fullscreen A')
        w, h, states = p.configure('A', 'the configure after set_fullscreen')
        check((w, h) == (W, H) and {'fullscreen', 'activated'} <= states,
              'set_fullscreen is answered with %dx%d [fullscreen, activated] (got %dx%d %s)'
              % (W, H, w, h, sorted(states)))
        check_covers(comp, p, 0x3050a0, (0, 0, W, H),
                     'the fullscreen window covers the output exactly')
        p.send('unfullscreen A')
        w, h, states = p.configure('A', 'the configure after unset_fullscreen')
        check((w, h) == (200, 150) and 'fullscreen' not in states,
              'unset_fullscreen gives the old size 200x150 back, not fullscreen (got %dx%d %s)'
              % (w, h, sorted(states)))
        img = settle(comp, p, lambda i: covers(i, 0x3050a0, box) and
                     i.pixel(W - 1, H - 1) == BACKGROUND)
        check(covers(img, 0x3050a0, box) and img.pixel(W - 1, H - 1) == BACKGROUND
              and img.pixel(X0 + 200, Y0) == BACKGROUND,
              'the window is back at %s and the rest is background (corners %s, '
              'beside %06x, bottom right %06x)' % (box, fmt(corners(img, *box)),
                                                   img.pixel(X0 + 200, Y0),
                                                   img.pixel(W - 1, H - 1)))


def fullscreen_takes_the_window_geometry_into_account():
    """A window with a 10 pixel frame outside its window geometry: fullscreen
    puts the geometry, not the frame, at the output's origin."""
    with harness.Compositor() as comp:
        p = Probe(comp)
        p.send('toplevel A 200 150 3050a0 10')
        p.configure('A', 'the first configure')
        box = (X0, Y0, X0 + 200, Y0 + 150)
        img = settle(comp, p, lambda i: covers(i, 0x3050a0, box))
        check(covers(img, 0x3050a0, box) and img.pixel(X0 - 1, Y0 - 1) == MARGIN_RGB,
              'the window geometry is placed at (%d,%d), the frame around it (corners %s, '
              'outside %06x)' % (X0, Y0, fmt(corners(img, *box)), img.pixel(X0 - 1, Y0 - 1)))
        p.send('fullscreen A')
        p.configure('A', 'the fullscreen configure')
        check_covers(comp, p, 0x3050a0, (0, 0, W, H),
                     'the geometry covers the output and the frame is off it')


def maximize_fills_the_usable_area_and_unset_restores():
    with harness.Compositor() as comp:
        p = Probe(comp)
        p.send('toplevel A 300 200 40a050')
        p.configure('A', 'the first configure')
        p.sync()
        p.send('maximize A')
        w, h, states = p.configure('A', 'the configure after set_maximized')
        check((w, h) == (W, H) and {'maximized', 'activated'} <= states,
              'set_maximized is answered with the usable area %dx%d [maximized, activated] '
              '(got %dx%d %s)' % (W, H, w, h, sorted(states)))
        check_covers(comp, p, 0x40a050, (0, 0, W, H), 'the maximized window fills the output')
        p.send('unmaximize A')
        w, h, states = p.configure('A', 'the configure after unset_maximized')
        check((w, h) == (300, 200) and 'maximized' not in states,
              'unset_maximized gives 300x200 back (got %dx%d %s)' % (w, h, sorted(states)))
        box = (X0, Y0, X0 + 300, Y0 + 200)
        img = settle(comp, p, lambda i: covers(i, 0x40a050, box) and
                     i.pixel(W - 1, H - 1) == BACKGROUND)
        check(covers(img, 0x40a050, box) and img.pixel(W - 1, H - 1) == BACKGROUND,
              'the window is back at %s (corners %s, bottom right %06x)'
              % (box, fmt(corners(img, *box)), img.pixel(W - 1, H - 1)))


def minimize_hides_until_focused_again():
    with harness.Compositor() as comp:
        p = Probe(comp)
        p.send('toplevel A 300 200 40a050')
        p.configure('A', 'A\'s first configure')
        p.send('toplevel B 100 100 a04040')
        p.configure('B', 'B\'s first configure')
        p.sync()
        bx, by = X0 + 32, Y0 + 32
        p.send('minimize B')
        _, _, states = p.configure('A', 'A\'s configure when B is minimized')
        check('activated' in states, 'the window below a minimized one gets the focus '
              '(A is told %s)' % sorted(states))
        img = settle(comp, p, lambda i: i.pixel(bx + 50, by + 50) == 0x40a050)
        check(img.pixel(bx + 50, by + 50) == 0x40a050,
              'the minimized window is not drawn: A shows where B was (got %06x)'
              % img.pixel(bx + 50, by + 50))


def activation_follows_new_toplevels_and_closing():
    with harness.Compositor() as comp:
        p = Probe(comp)
        p.send('toplevel A 300 200 40a050')
        _, _, states = p.configure('A', 'A\'s first configure')
        check('activated' in states, 'a new toplevel is activated (got %s)' % sorted(states))
        p.sync()
        p.send('toplevel B 100 100 a04040')
        _, _, states = p.configure('B', 'B\'s first configure')
        check('activated' in states, 'the second toplevel is activated (got %s)'
              % sorted(states))
        _, _, states = p.configure('A', 'A\'s configure when B maps')
        check('activated' not in states, 'A loses activated when B maps (got %s)'
              % sorted(states))
        p.send('destroy B')
        _, _, states = p.configure('A', 'A\'s configure when B is gone')
        check('activated' in states, 'A is activated again when the focused B closes '
              '(got %s)' % sorted(states))


# ---- placement ----

def window_larger_than_the_output_is_placed_at_the_origin():
    with harness.Compositor() as comp:
        p = Probe(comp)
        p.send('toplevel A %d %d 40a050' % (W + 100, H + 50))
        p.configure('A', 'the first configure')
        img = settle(comp, p, lambda i: i.pixel(0, 0) == 0x40a050)
        check(covers(img, 0x40a050, (0, 0, W, H)),
              'a %dx%d window on a %dx%d output starts at its origin (corners %s)'
              % (W + 100, H + 50, W, H, fmt(corners(img, 0, 0, W, H))))


def window_as_large_as_the_output_is_not_cut_off():
    with harness.Compositor() as comp:
        p = Probe(comp)
        p.send('toplevel A %d %d 40a050' % (W, H - 40))
        p.configure('A', 'the first configure')
        check_covers(comp, p, 0x40a050, (0, 32, W, H - 8),
                     'a %dx%d window on a %dx%d output moves left to fit and keeps its cascade '
                     'row' % (W, H - 40, W, H))


def window_with_a_parent_is_centred_on_it():
    with harness.Compositor() as comp:
        p = Probe(comp)
        p.send('toplevel A 400 300 40a050')
        p.configure('A', 'A\'s first configure')
        p.sync()
        p.send('toplevel B 100 80 a04040 0 parent=A')
        p.configure('B', 'B\'s first configure')
        x, y = X0 + (400 - 100) // 2, Y0 + (300 - 80) // 2
        box = (x, y, x + 100, y + 80)
        img = settle(comp, p, lambda i: covers(i, 0xa04040, box))
        check(covers(img, 0xa04040, box) and img.pixel(x - 1, y - 1) == 0x40a050,
              'the child is centred on its parent at %s (corners %s, just outside %06x)'
              % (box, fmt(corners(img, *box)), img.pixel(x - 1, y - 1)))


# ---- popups ----

ADJ_SLIDE_X, ADJ_FLIP_X = 1, 4


def popup_near_the_right_edge_is_flipped_or_slid_inside():
    """A 200x100 popup asked for at x=950 of a 960 wide window at x=32 would end
    at 1182 on a 1024 wide output."""
    with harness.Compositor() as comp:
        p = Probe(comp)
        p.send('toplevel A 960 300 40a050')
        p.configure('A', 'the first configure')
        p.sync()
        p.send('popup P0 A 950 20 200 100 a0a000 0')
        m = p.expect(r'^P0 popup (-?\d+) (-?\d+) (\d+) (\d+)$', what='the unadjusted popup')
        check(int(m.group(1)) == 950, 'without constraint adjustment the popup stays at '
              'x=950 (got %s)' % m.group(1))
        p.send('destroy P0', 'popup P1 A 950 20 200 100 a0a000 %d' % ADJ_FLIP_X)
        m = p.expect(r'^P1 popup (-?\d+) (-?\d+) (\d+) (\d+)$', what='the flipped popup')
        # Flipped, the anchor is the right edge of the 1 pixel anchor rectangle.
        check(int(m.group(1)) == 751 and int(m.group(3)) == 200,
              'flip_x puts it left of the anchor, at x=951-200 (got %s)' % m.group(0))
        p.send('destroy P1', 'popup P2 A 950 20 200 100 a0a000 %d' % ADJ_SLIDE_X)
        m = p.expect(r'^P2 popup (-?\d+) (-?\d+) (\d+) (\d+)$', what='the slid popup')
        x = W - X0 - 200
        check(int(m.group(1)) == x, 'slide_x moves it left until it ends at the output\'s '
              'edge, x=%d (got %s)' % (x, m.group(0)))
        img = settle(comp, p, lambda i: i.pixel(W - 1, Y0 + 20) == 0xa0a000)
        check(img.pixel(W - 1, Y0 + 20) == 0xa0a000 and img.pixel(X0 + x, Y0 + 20) == 0xa0a000,
              'the slid popup is drawn from %d to the output\'s right edge (got %06x, %06x)'
              % (X0 + x, img.pixel(X0 + x, Y0 + 20), img.pixel(W - 1, Y0 + 20)))


def popup_is_stacked_above_its_parent():
    """A popup belongs with its parent in the stack: a popup of a window that
    another covers is covered too, and comes up with its parent when that
    one is focused again (here: because the window above it closed)."""
    with harness.Compositor() as comp:
        p = Probe(comp)
        p.send('toplevel A 300 200 40a050')
        p.configure('A', 'A\'s first configure')
        p.sync()
        p.send('toplevel B 300 200 a04040')
        p.configure('B', 'B\'s first configure')
        p.sync()
        # At (42,42)-(142,92): partly under B, which starts at (64,64).
        p.send('popup P A 10 10 100 50 a0a000 0')
        p.expect(r'^P popup ', what='the popup\'s configure')
        px, py = X0 + 48, Y0 + 48    # inside the popup, inside B too
        bx, by = X0 + 18, Y0 + 18    # inside the popup only
        img = settle(comp, p, lambda i: i.pixel(px, py) == 0xa04040 and
                     i.pixel(bx, by) == 0xa0a000)
        check(img.pixel(px, py) == 0xa04040 and img.pixel(bx, by) == 0xa0a000,
              'the popup of A, below B, is covered by B where B is (got %06x) and drawn '
              'beside it (got %06x)' % (img.pixel(px, py), img.pixel(bx, by)))
        p.send('destroy B')
        img = settle(comp, p, lambda i: i.pixel(px, py) == 0xa0a000)
        check(img.pixel(px, py) == 0xa0a000, 'with A focused again its popup is above it '
              '(got %06x)' % img.pixel(px, py))


# ---- configure details, ping, logging ----

def bounds_and_capabilities_are_sent():
    with harness.Compositor() as comp:
        p = Probe(comp)
        p.send('toplevel A 300 200 40a050')
        p.configure('A', 'the first configure')
        caps = [l.split()[2:] for l in p.lines if l.startswith('A caps')]
        check(caps and set(caps[0]) == {'2', '3', '4'}, 'wm_capabilities, before the first '
              'configure, lists maximize, fullscreen and minimize (2 3 4; got %s)' % caps)
        bounds = [l for l in p.lines if l.startswith('A bounds')]
        check(bounds == ['A bounds %d %d' % (W, H)], 'configure_bounds, before the first '
              'configure, is the usable area %dx%d (got %s)' % (W, H, bounds))
        p.send('toplevel B 100 100 a04040')
        p.configure('B', 'B\'s first configure')
        p.sync()
        again = [l for l in p.lines if l.startswith('A bounds')]
        check(len(again) == 1, 'bounds are sent once while they do not change (A got %d)'
              % len(again))


def ping_on_focus_and_unresponsive_clients_are_logged():
    with harness.Compositor() as comp:
        p = Probe(comp)
        p.send('noping', 'toplevel A 100 100 40a050')
        p.expect(r'^ping$', what='a ping when the window got the focus')
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and 'unresponsive' not in comp.stderr_text():
            time.sleep(0.2)
        check('unresponsive' in comp.stderr_text(), 'a client that does not pong within 5 s '
              'is logged as unresponsive:\n%s' % comp.stderr_tail())


def ignored_requests_are_logged():
    with harness.Compositor('--log=debug') as comp:
        p = Probe(comp)
        p.send('toplevel A 100 100 40a050')
        p.configure('A', 'the first configure')
        # No pointer button is held headless: move and resize cannot start.
        p.send('move A', 'resize A 10', 'unmaximize A', 'unfullscreen A')
        p.sync()
        text = comp.stderr_text()
        for name in ('move', 'resize', 'unset_maximized', 'unset_fullscreen'):
            check(re.search(r'xdg_toplevel\S*\.%s ignored' % name, text),
                  'the ignored %s is logged with its name:\n%s' % (name, comp.stderr_tail()))


# ---- real clients ----

def weston_presentation_shm_runs():
    """weston-presentation-shm binds xdg_wm_base v5 with a listener that has
    no configure_bounds or wm_capabilities: libwayland aborts it on either."""
    exe = harness.tool('weston-presentation-shm')
    with harness.Compositor() as comp:
        client = comp.spawn([exe])
        img = settle(comp, None, lambda i: i.count_not((X0, Y0, X0 + 250, Y0 + 250),
                                                       BACKGROUND) > 1000)
        time.sleep(0.5)
        log = open(client.log_path).read()
        check(client.poll() is None, 'weston-presentation-shm keeps running (exit %s): %s'
              % (client.poll(), log.strip()[-500:]))
        check(img.count_not((X0, Y0, X0 + 250, Y0 + 250), BACKGROUND) > 1000,
              'weston-presentation-shm draws its window')


def foot_env(comp):
    home = os.path.join(comp.tmp, 'home')
    os.makedirs(os.path.join(home, '.config'), mode=0o700, exist_ok=True)
    return {'HOME': home, 'XDG_CONFIG_HOME': os.path.join(home, '.config'),
            'XDG_CACHE_HOME': os.path.join(home, '.cache'), 'SHELL': '/bin/sh'}


def not_background_at_corners(box):
    return lambda img: all(p != BACKGROUND for p in corners(img, *box))


def fullscreen_client(argv, extra_env=None, name=None, timeout=15):
    with harness.Compositor() as comp:
        env = foot_env(comp)
        env.update(extra_env or {})
        client = comp.spawn(argv, extra_env=env)
        img = settle(comp, None, not_background_at_corners((0, 0, W, H)), timeout=timeout)
        check(client.poll() is None, '%s keeps running (exit %s): %s'
              % (name, client.poll(), open(client.log_path).read().strip()[-1000:]))
        px = corners(img, 0, 0, W, H)
        check(all(p != BACKGROUND for p in px),
              '%s covers the output to its four corners (got %s; background is %06x)'
              % (name, fmt(px), BACKGROUND))


def foot_fullscreen_covers_the_output():
    fullscreen_client([harness.tool('foot'), '--fullscreen', '--', 'sh', '-c', 'sleep 60'],
                      name='foot --fullscreen')


def weston_terminal_fullscreen_covers_the_output():
    fullscreen_client([harness.tool('weston-terminal'), '--fullscreen',
                       '--shell=/bin/sh'], name='weston-terminal --fullscreen')


def sdl_testsprite_fullscreen_covers_the_output():
    exe = None
    for path in ('/usr/libexec/installed-tests/SDL2/testsprite2',
                 '/usr/lib/x86_64-linux-gnu/installed-tests/SDL2/testsprite2'):
        if os.access(path, os.X_OK):
            exe = path
    if not exe:
        raise harness.Skip('testsprite2 (libsdl2-tests) is not installed')
    icon = os.path.join(os.path.dirname(exe), 'icon.bmp')
    fullscreen_client([exe, '--fullscreen', '--info', 'video', icon],
                      extra_env={'SDL_VIDEODRIVER': 'wayland'}, name='testsprite2 --fullscreen')


def foot_maximized_fills_the_usable_area():
    fullscreen_client([harness.tool('foot'), '--maximized', '--', 'sh', '-c', 'sleep 60'],
                      name='foot --maximized')


def foot_is_activated_and_a_second_toplevel_takes_it():
    """foot's configures, as WAYLAND_DEBUG shows them: the states array holds
    one state (activated) while it has the focus, none once another has it."""
    exe = harness.tool('foot')
    with harness.Compositor() as comp:
        env = foot_env(comp)
        env['WAYLAND_DEBUG'] = '1'
        client = comp.spawn([exe, '--', 'sh', '-c', 'sleep 60'], extra_env=env)
        rx = re.compile(r'xdg_toplevel@\d+\.configure\((\d+), (\d+), array\[(\d+)\]\)')

        def configures():
            return rx.findall(open(client.log_path, errors='replace').read())
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not configures():
            time.sleep(0.1)
        first = configures()
        check(first and first[0][2] == '4', 'foot\'s first configure carries one state, '
              'activated (got %s)' % first[:3])
        p = Probe(comp)
        p.send('toplevel B 100 100 a04040')
        p.configure('B', 'the second toplevel\'s configure')
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and configures()[-1][2] != '0':
            time.sleep(0.1)
        last = configures()[-1]
        check(last[2] == '0', 'foot is told it lost activated when a second toplevel maps '
              '(last configure %s)' % (last,))


if __name__ == '__main__':
    harness.main({f.__name__: f for f in (
        initial_fullscreen_is_configured_with_the_output_size,
        fullscreen_covers_the_output_and_unset_restores,
        fullscreen_takes_the_window_geometry_into_account,
        maximize_fills_the_usable_area_and_unset_restores,
        minimize_hides_until_focused_again,
        activation_follows_new_toplevels_and_closing,
        window_larger_than_the_output_is_placed_at_the_origin,
        window_as_large_as_the_output_is_not_cut_off,
        window_with_a_parent_is_centred_on_it,
        popup_near_the_right_edge_is_flipped_or_slid_inside,
        popup_is_stacked_above_its_parent,
        bounds_and_capabilities_are_sent,
        ping_on_focus_and_unresponsive_clients_are_logged,
        ignored_requests_are_logged,
        weston_presentation_shm_runs,
        foot_fullscreen_covers_the_output,
        weston_terminal_fullscreen_covers_the_output,
        sdl_testsprite_fullscreen_covers_the_output,
        foot_maximized_fills_the_usable_area,
        foot_is_activated_and_a_second_toplevel_takes_it,
    )})
