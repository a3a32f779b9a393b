#!/usr/bin/env python3
"""zwlr_layer_shell_v1 (v4): swaybg paints the background under a window; a
bar in the top layer with an exclusive zone shrinks the usable area, so a
maximized window is configured below it (also when the bar comes after the
window was maximized) while a fullscreen one covers the output and the bar;
anchors and margins place a surface; the overlay is drawn above windows;
misuse gets the protocol's errors with their codes.

Input, through the virtual pointer and keyboard: the pointer reaches a
layer surface above the windows (top, overlay) within its input region, and
one below them (bottom, background) where no window covers it. The keyboard:
an exclusive surface in the top or overlay layer takes it while mapped and
keeps it whatever is clicked, then the window has it back; an on_demand one
takes it when clicked and loses it when a window is; one with none never
gets it. get_popup places an xdg_popup relative to its layer surface, above
the windows, and its grab is dismissed by a click elsewhere. With two
outputs, a surface made for the second is laid out there, and its exclusive
zone is that output's alone. (closed, sent when an output goes, is not
tested: headless outputs cannot be unplugged.)

Programs: SEALWAY, LAYER_PROBE, WM_PROBE, VINPUT_PROBE (or under
SW_BUILD_ROOT), swaybg, grim, wtype, wev.
Usage: test_layer_shell.py [TEST...]
"""

import os
import re
import subprocess
import time

import harness
from harness import check, BACKGROUND, fmt_pixels
import test_wm

W, H = 1024, 768
X0, Y0 = harness.FIRST_WINDOW
RED, BAR, WINDOW, OVERLAY = 0xff0000, 0x3366cc, 0x40a050, 0xcc6633
TOP, BOTTOM, LEFT, RIGHT = 1, 2, 4, 8


def probe_path():
    path = os.environ.get('LAYER_PROBE')
    if not path:
        root = os.environ.get('SW_BUILD_ROOT', '')
        path = os.path.join(root, 'tests/layer-probe') if root else ''
    if not path or not os.access(path, os.X_OK):
        raise harness.Skip('layer-probe not built (LAYER_PROBE=%r)' % path)
    return path


class Layer:
    def __init__(self, comp, layer, anchor, size, zone, margin, rgb, *extra):
        args = [probe_path(), str(layer), str(anchor), '%dx%d' % size, str(zone),
                str(margin), '%06x' % rgb] + [str(e) for e in extra]
        self.proc = subprocess.Popen(args, env=comp.env(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.args = ' '.join(args[1:])
        self.lines = []
        self.seen = 0   # lines looked at by expect()

    def line(self, timeout=30.0):
        """The next line, '' at the timeout or the end."""
        line = harness.read_line(self.proc.stdout, timeout)
        if line:
            self.lines.append(line)
        return line

    def expect(self, what, timeout=10.0):
        """A line matching `what` (a regex, whole), after the one expected before; fails
        naming what came instead."""
        deadline = time.monotonic() + timeout
        start = self.seen
        while True:
            while self.seen < len(self.lines):
                self.seen += 1
                if re.fullmatch(what, self.lines[self.seen - 1]):
                    return
            if time.monotonic() >= deadline:
                break
            self.line(deadline - time.monotonic())
        check(False, 'layer-probe %s prints %r (it printed %r)'
              % (self.args, what, self.lines[start:]))

    def quiet(self, what):
        """Nothing more came (the caller has synchronised with the compositor)."""
        line = self.line(0.2)
        check(not line, '%s (layer-probe %s printed %r)' % (what, self.args, line))

    def state_line(self):
        """The next line that is not about input (which may come at any time)."""
        while True:
            line = self.line()
            if not line or not line.startswith(('keyboard ', 'key ', 'pointer ')):
                return line

    def shown(self, size):
        line = self.state_line()
        check(line == 'configure %d %d' % size, 'layer-probe %s is configured %dx%d (got %r)'
              % (self.args, size[0], size[1], line))
        line = self.state_line()
        check(line == 'shown', 'layer-probe %s is drawn (got %r)' % (self.args, line))

    def finish(self):
        out, err = self.proc.communicate(input='', timeout=10)
        out = harness.unread_text(self.proc.stdout) + out
        check(out.strip().splitlines()[-1:] == ['ok'], 'layer-probe %s ends without a '
              'protocol error (got %r; %s)' % (self.args, out, err.strip()[-300:]))


def capture(comp, predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        img = comp.capture('grim')
        if predicate(img) or time.monotonic() > deadline:
            return img
        time.sleep(0.05)


def swaybg_paints_the_background_under_a_window():
    with harness.Compositor() as comp:
        bg = comp.spawn([harness.tool('swaybg'), '-c', '#ff0000'])
        capture(comp, lambda i: i.pixel(W - 1, H - 1) == RED, timeout=10)
        p = test_wm.Probe(comp)
        p.send('toplevel A 300 200 40a050')
        p.configure('A', 'the first configure')
        p.sync()
        box = (X0, Y0, X0 + 300, Y0 + 200)
        img = capture(comp, lambda i: test_wm.covers(i, WINDOW, box))
        check(bg.poll() is None, 'swaybg keeps running (exit %s): %s'
              % (bg.poll(), open(bg.log_path).read()[-300:]))
        n, first = img.mismatches(box, WINDOW)
        check(n == 0, 'the window is drawn over the background (%d differ: %s)'
              % (n, fmt_pixels(first)))
        n, first = img.mismatches(box, RED, inside=False)
        check(n == 0, 'swaybg\'s red is everywhere else, through grim (%d differ: %s)'
              % (n, fmt_pixels(first)))


def bar_exclusive_zone_shrinks_the_maximized_area():
    with harness.Compositor() as comp:
        bar = Layer(comp, 2, TOP | LEFT | RIGHT, (0, 30), 30, 0, BAR)
        try:
            bar.shown((W, 30))
            p = test_wm.Probe(comp)
            p.send('toplevel A 300 200 40a050')
            p.configure('A', 'the first configure')
            p.sync()
            check(test_wm.covers(comp.capture('sealway-capture'), WINDOW,
                                 (X0, 30 + Y0, X0 + 300, 30 + Y0 + 200)),
                  'a new window is placed in the usable area, below the bar')
            p.send('maximize A')
            w, h, states = p.configure('A', 'the configure after set_maximized')
            check((w, h) == (W, H - 30), 'the maximized window is configured %dx%d, the '
                  'output less the bar\'s 30 (got %dx%d)' % (W, H - 30, w, h))
            img = capture(comp, lambda i: test_wm.covers(i, WINDOW, (0, 30, W, H)))
            n, first = img.mismatches((0, 30, W, H), WINDOW)
            check(n == 0, 'it fills (0,30)-(%d,%d) (%d differ: %s)' % (W, H, n,
                                                                      fmt_pixels(first)))
            n, first = img.mismatches((0, 0, W, 30), BAR)
            check(n == 0, 'the bar keeps (0,0)-(%d,30) (%d differ: %s)'
                  % (W, n, fmt_pixels(first)))
            p.send('fullscreen A')
            w, h, states = p.configure('A', 'the configure after set_fullscreen')
            check((w, h) == (W, H), 'fullscreen is the whole output %dx%d (got %dx%d)'
                  % (W, H, w, h))
            img = capture(comp, lambda i: test_wm.covers(i, WINDOW, (0, 0, W, H)))
            n, first = img.mismatches((0, 0, W, H), WINDOW)
            check(n == 0, 'the fullscreen window covers the bar too (%d differ: %s)'
                  % (n, fmt_pixels(first)))
        finally:
            bar.finish()


def maximized_window_follows_a_later_bar():
    with harness.Compositor() as comp:
        p = test_wm.Probe(comp)
        p.send('toplevel A 300 200 40a050')
        p.configure('A', 'the first configure')
        p.sync()
        p.send('maximize A')
        w, h, _ = p.configure('A', 'the configure after set_maximized')
        check((w, h) == (W, H), 'maximized to the whole output first (got %dx%d)' % (w, h))
        p.sync()
        bar = Layer(comp, 2, BOTTOM | LEFT | RIGHT, (0, 40), 40, 0, BAR)
        try:
            bar.shown((W, 40))
            w, h, _ = p.configure('A', 'the configure once the bar maps')
            check((w, h) == (W, H - 40), 'the maximized window is configured anew to %dx%d '
                  '(got %dx%d)' % (W, H - 40, w, h))
            p.sync()
            img = capture(comp, lambda i: i.pixel(5, H - 5) == BAR)
            check(img.pixel(5, H - 5) == BAR and img.pixel(5, H - 45) == WINDOW,
                  'the bar is at the bottom, the window above it (got %06x, %06x)'
                  % (img.pixel(5, H - 5), img.pixel(5, H - 45)))
        finally:
            bar.finish()


def anchors_and_margins_place_a_surface():
    with harness.Compositor() as comp:
        corner = Layer(comp, 3, BOTTOM | RIGHT, (50, 40), 0, 10, OVERLAY)
        try:
            corner.shown((50, 40))
            box = (W - 60, H - 50, W - 10, H - 10)
            img = capture(comp, lambda i: i.pixel(W - 11, H - 11) == OVERLAY)
            n, first = img.mismatches(box, OVERLAY)
            check(n == 0, 'anchored bottom-right with margins of 10 it is at (%d,%d)-(%d,%d) '
                  '(%d differ: %s)' % (*box, n, fmt_pixels(first)))
            n, first = img.mismatches(box, BACKGROUND, inside=False)
            check(n == 0, 'nothing else is drawn (%d differ: %s)' % (n, fmt_pixels(first)))
        finally:
            corner.finish()


def overlay_is_above_windows_and_background_below():
    with harness.Compositor() as comp:
        bg = Layer(comp, 0, TOP | BOTTOM | LEFT | RIGHT, (0, 0), -1, 0, RED)
        over = None
        try:
            bg.shown((W, H))
            p = test_wm.Probe(comp)
            p.send('toplevel A 300 200 40a050')
            p.configure('A', 'the first configure')
            p.sync()
            # Unanchored: centred on the output, over nothing but the background...
            over = Layer(comp, 3, TOP | LEFT, (100, 100), 0, X0 + 250, OVERLAY)
            over.shown((100, 100))
            # ...at (282,282): over the window's bottom-right corner (32..332).
            img = capture(comp, lambda i: i.pixel(X0 + 260, X0 + 260) == OVERLAY)
            check(img.pixel(X0 + 260, X0 + 260) == OVERLAY, 'the overlay is drawn above the '
                  'window (got %06x)' % img.pixel(X0 + 260, X0 + 260))
            check(img.pixel(X0 + 10, Y0 + 10) == WINDOW, 'the window above the background '
                  'layer (got %06x)' % img.pixel(X0 + 10, Y0 + 10))
            check(img.pixel(W - 5, H - 5) == RED, 'the background layer fills the rest '
                  '(got %06x)' % img.pixel(W - 5, H - 5))
        finally:
            bg.finish()
            if over:
                over.finish()


ERRORS = {
    'invalid_layer': 'protocol-error interface=zwlr_layer_shell_v1 code=1',
    'already_has_buffer': 'protocol-error interface=zwlr_layer_shell_v1 code=2',
    'buffer_before_configure': 'protocol-error interface=zwlr_layer_surface_v1 code=0',
    'size_zero_unanchored': 'protocol-error interface=zwlr_layer_surface_v1 code=1',
    'bad_anchor': 'protocol-error interface=zwlr_layer_surface_v1 code=2',
    'bad_keyboard': 'protocol-error interface=zwlr_layer_surface_v1 code=3',
}


def error_case(name):
    def run():
        with harness.Compositor() as comp:
            scenario = name.replace('_', '-')
            r = comp.run([probe_path(), '--misuse', scenario], timeout=20)
            check(r.stdout.strip().splitlines()[-1:] == [ERRORS[name]], '%s: %s (got %r; %s)'
                  % (scenario, ERRORS[name], r.stdout, r.stderr.strip()[-300:]))
            comp.check_alive(scenario)
            layer = Layer(comp, 2, TOP, (40, 40), 0, 0, BAR)
            try:
                layer.shown((40, 40))
            finally:
                layer.finish()
    return run


# ---- input ----

def vinput_probe():
    import test_virtual_input
    return test_virtual_input.vinput_probe()


def click(comp, x, y):
    res = comp.run([vinput_probe(), 'click', str(x), str(y)], check_status=0)
    check(res.stdout.strip() == 'ok', 'the virtual pointer clicks at %d,%d (got %r)'
          % (x, y, res.stdout.strip()))


def hold_pointer(comp):
    """A virtual pointer that stays, so clients have a wl_pointer before the clicks."""
    hold = subprocess.Popen([vinput_probe(), 'hold'], env=comp.env(), stdout=subprocess.PIPE,
                            text=True)
    comp._children.append(hold)
    check(hold.stdout.readline().strip() == 'holding', 'a virtual pointer is held')
    return hold


def window_buttons(p):
    p.sync()
    return [line for line in p.lines if line.startswith('button ')]


def pointer_reaches_a_top_layer_surface_within_its_input_region():
    with harness.Compositor('--trust-virtual-input=all') as comp:
        hold_pointer(comp)
        p = test_wm.Probe(comp)
        p.send('toplevel A 600 400 40a050')
        p.configure('A', 'the first configure')
        p.sync()
        # (50,50)-(150,150), over the window; its input region is the left half.
        panel = Layer(comp, 2, TOP | LEFT, (100, 100), 0, 50, BAR, 'input=0,0,50,100')
        try:
            panel.shown((100, 100))
            click(comp, 60, 70)
            panel.expect('pointer enter 10 20')
            panel.expect('pointer button 272 pressed')
            panel.expect('pointer button 272 released')
            check(window_buttons(p) == [], 'the window under the panel gets no button (got '
                  '%r)' % window_buttons(p))
            # Over the panel's right half, outside its input region: the window's.
            click(comp, 130, 70)
            panel.expect('pointer leave')
            p.expect(r'^button pressed$', what='the window gets the click beside the '
                     'input region')
        finally:
            panel.finish()


def pointer_reaches_the_background_only_where_no_window_is():
    with harness.Compositor('--trust-virtual-input=all') as comp:
        hold_pointer(comp)
        bg = Layer(comp, 0, TOP | BOTTOM | LEFT | RIGHT, (0, 0), -1, 0, RED)
        try:
            bg.shown((W, H))
            p = test_wm.Probe(comp)
            p.send('toplevel A 300 200 40a050')
            p.configure('A', 'the first configure')
            p.sync()
            click(comp, 800, 600)
            bg.expect('pointer (enter|motion) 800 600')
            bg.expect('pointer button 272 pressed')
            check(window_buttons(p) == [], 'the window gets no click beside it (got %r)'
                  % window_buttons(p))
            click(comp, X0 + 10, Y0 + 10)
            bg.expect('pointer leave')
            p.expect(r'^button pressed$', what='the window gets the click on it')
            bg.quiet('the background gets nothing of a click on the window')
        finally:
            bg.finish()


class Wev:
    """wev in a window: which wl_keyboard events it got. It makes a wl_keyboard
    each time the seat's keyboard comes back (a virtual keyboard made), and
    each of them is told enter and leave: what counts is the last one."""

    def __init__(self, comp):
        self.comp = comp
        self.proc = comp.spawn([harness.tool('stdbuf'), '-oL', harness.tool('wev'), '-f',
                                'wl_keyboard'])

    def text(self):
        with open(self.proc.log_path, 'rb') as f:
            return f.read().decode(errors='replace')

    def focused(self):
        events = re.findall(r'wl_keyboard\] (enter|leave):', self.text())
        return bool(events) and events[-1] == 'enter'

    def wait(self, what, predicate, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not predicate():
            check(time.monotonic() < deadline, 'wev: %s; it has:\n%s'
                  % (what, self.text()[-1200:]))
            time.sleep(0.05)

    def typed(self):
        """The characters pressed, each once however many wl_keyboards were told."""
        keys = {}
        for serial, char in re.findall(r"key: serial: (\d+);[^\n]*\(pressed\)\n[^\n]*"
                                       r"utf8: '(.)'", self.text()):
            keys.setdefault(int(serial), char)
        return ''.join(keys[k] for k in sorted(keys))


def with_keyboard(comp):
    """A virtual keyboard that stays, and wev's window focused under (32,32)."""
    comp.spawn([harness.tool('wtype'), '-s', '600000'])
    wev = Wev(comp)
    wev.wait('gets the keyboard', wev.focused)
    return wev


def type_text(comp, text):
    comp.run([harness.tool('wtype'), text], check_status=0)


def exclusive_keyboard_is_kept_until_unmapped():
    with harness.Compositor('--trust-virtual-input=all') as comp:
        wev = with_keyboard(comp)
        menu = Layer(comp, 3, BOTTOM | RIGHT, (100, 100), 0, 0, OVERLAY, 1)
        try:
            menu.shown((100, 100))
            menu.expect('keyboard enter')
            wev.wait('loses the keyboard to the exclusive overlay',
                     lambda: not wev.focused())
            click(comp, X0 + 40, Y0 + 40)
            type_text(comp, 'a')
            menu.expect(r'key \d+')
            check('keyboard leave' not in menu.lines, 'a click on the window does not take '
                  'the keyboard from the exclusive surface (got %r)' % menu.lines)
            check(wev.typed() == '' and not wev.focused(), 'the window gets no key and not '
                  'the keyboard (wev has %r)' % wev.text()[-600:])
        finally:
            menu.finish()
        wev.wait('gets the keyboard back once the overlay is gone', wev.focused)
        type_text(comp, 'b')
        wev.wait('gets the key typed after', lambda: wev.typed() == 'b')


def on_demand_keyboard_comes_with_a_click():
    with harness.Compositor('--trust-virtual-input=all') as comp:
        wev = with_keyboard(comp)
        bar = Layer(comp, 2, BOTTOM | LEFT | RIGHT, (0, 40), 40, 0, BAR, 2)
        try:
            bar.shown((W, 40))
            type_text(comp, 'a')
            wev.wait('keeps the keyboard while the on-demand bar is not clicked',
                     lambda: wev.typed() == 'a')
            check('keyboard enter' not in bar.lines, 'the bar is not given the keyboard '
                  'unasked (got %r)' % bar.lines)
            click(comp, 500, H - 20)
            bar.expect('keyboard enter')
            wev.wait('loses the keyboard to the clicked bar', lambda: not wev.focused())
            type_text(comp, 'b')
            bar.expect(r'key \d+')
            click(comp, X0 + 40, Y0 + 40)
            bar.expect('keyboard leave')
            wev.wait('has the keyboard back once clicked', wev.focused)
            type_text(comp, 'c')
            wev.wait('gets the key typed after', lambda: wev.typed() == 'ac')
        finally:
            bar.finish()


def no_keyboard_interactivity_is_never_focused():
    with harness.Compositor('--trust-virtual-input=all') as comp:
        hold_pointer(comp)
        wev = with_keyboard(comp)
        bar = Layer(comp, 2, BOTTOM | LEFT | RIGHT, (0, 40), 40, 0, BAR, 0)
        try:
            bar.shown((W, 40))
            click(comp, 500, H - 20)
            bar.expect('pointer button 272 pressed')
            type_text(comp, 'x')
            wev.wait('keeps the keyboard through a click on the bar',
                     lambda: wev.typed() == 'x')
            check('keyboard enter' not in bar.lines, 'the bar never gets the keyboard (got '
                  '%r)' % bar.lines)
        finally:
            bar.finish()



def layer_surfaces_live_on_their_own_output():
    """Two outputs, 800x600 and 640x480 to its right: a bar made for the
    second is laid out there, and its exclusive zone is that output's alone."""
    import test_outputs
    with harness.Compositor('--output=800x600', '--output=640x480') as comp:
        right = Layer(comp, 2, BOTTOM | LEFT | RIGHT, (0, 40), 40, 0, BAR, 'output=1')
        left = None
        try:
            right.shown((640, 40))
            img = test_outputs.grim(comp, '-g', '800,0 640x480')
            n, first = img.mismatches((0, 440, 640, 480), BAR)
            check(n == 0, 'the bar fills the second output\'s bottom 40 rows (%d differ: %s)'
                  % (n, fmt_pixels(first)))
            p = test_wm.Probe(comp)
            p.send('toplevel A 300 200 40a050')
            p.configure('A', 'the first configure')
            p.sync()
            p.send('maximize A')
            w, h, _ = p.configure('A', 'the configure after set_maximized')
            check((w, h) == (800, 600), 'a window maximized on the first output has all of '
                  'it: the second output\'s bar takes nothing there (got %dx%d)' % (w, h))
            p.sync()
            # Named by no output: where the pointer is, the first.
            left = Layer(comp, 2, TOP | LEFT | RIGHT, (0, 30), 30, 0, OVERLAY)
            left.shown((800, 30))
            w, h, _ = p.configure('A', 'the configure once a bar maps on its output')
            check((w, h) == (800, 570), 'a bar on the first output shrinks its maximized '
                  'window to 800x570 (got %dx%d)' % (w, h))
        finally:
            right.finish()
            if left:
                left.finish()


POPUP = 0x40c0c0


def popup_of_a_layer_surface_is_placed_by_it_and_dismissed():
    """get_popup: an xdg_popup is placed relative to its layer surface, drawn
    above the windows, and a click outside its client dismisses its grab."""
    with harness.Compositor('--trust-virtual-input=all') as comp:
        hold_pointer(comp)
        p = test_wm.Probe(comp)
        p.send('toplevel A 600 400 40a050')
        p.configure('A', 'the first configure')
        p.sync()
        # A panel at (0,0)-(1024,40); its popup at 100,50 of it, over the window.
        panel = Layer(comp, 2, TOP | LEFT | RIGHT, (0, 40), 40, 0, BAR,
                      'popup=100,50,120,80,grab')
        try:
            panel.shown((W, 40))
            panel.expect('popup 100 50 120 80')
            panel.expect('popup shown')
            img = capture(comp, lambda i: i.pixel(150, 100) == POPUP)
            n, first = img.mismatches((100, 50, 220, 130), POPUP)
            check(n == 0, 'the popup is at (100,50)-(220,130), the panel\'s 100,50, above '
                  'the window (%d differ: %s)' % (n, fmt_pixels(first)))
            click(comp, 800, 600)
            panel.expect('popup_done')
            img = capture(comp, lambda i: i.pixel(150, 100) != POPUP)
            check(img.pixel(150, 100) == WINDOW, 'once dismissed the window shows there '
                  '(got %06x)' % img.pixel(150, 100))
        finally:
            panel.finish()


def popup_of_a_layer_surface_is_above_its_panel():
    """A panel's menu that overlaps the panel shows above it (popups of layer surfaces are
    drawn, and hit, above every layer)."""
    with harness.Compositor('--trust-virtual-input=all') as comp:
        hold_pointer(comp)
        panel = Layer(comp, 2, TOP | LEFT | RIGHT, (0, 40), 40, 0, BAR,
                      'popup=100,10,120,80,grab')
        try:
            panel.shown((W, 40))
            panel.expect('popup 100 10 120 80')
            panel.expect('popup shown')
            img = capture(comp, lambda i: i.pixel(150, 20) == POPUP)
            n, first = img.mismatches((100, 10, 220, 90), POPUP)
            check(n == 0, 'the popup covers (100,10)-(220,90), over its panel (%d differ: %s)'
                  % (n, fmt_pixels(first)))
            check(img.pixel(300, 20) == BAR, 'the panel shows beside it (got %06x)'
                  % img.pixel(300, 20))
        finally:
            panel.finish()


INPUT_TESTS = (
    'pointer_reaches_a_top_layer_surface_within_its_input_region',
    'pointer_reaches_the_background_only_where_no_window_is',
    'exclusive_keyboard_is_kept_until_unmapped', 'on_demand_keyboard_comes_with_a_click',
    'no_keyboard_interactivity_is_never_focused', 'layer_surfaces_live_on_their_own_output',
    'popup_of_a_layer_surface_is_placed_by_it_and_dismissed',
    'popup_of_a_layer_surface_is_above_its_panel')


if __name__ == '__main__':
    tests = {name: globals()[name] for name in (
        'swaybg_paints_the_background_under_a_window',
        'bar_exclusive_zone_shrinks_the_maximized_area',
        'maximized_window_follows_a_later_bar', 'anchors_and_margins_place_a_surface',
        'overlay_is_above_windows_and_background_below') + INPUT_TESTS}
    tests.update({name: error_case(name) for name in ERRORS})
    harness.main(tests)
