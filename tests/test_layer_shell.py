#!/usr/bin/env python3
"""zwlr_layer_shell_v1 (v4): swaybg paints the background under a window; a
bar in the top layer with an exclusive zone shrinks the usable area, so a
maximized window is configured below it (also when the bar comes after the
window was maximized) while a fullscreen one covers the output and the bar;
anchors and margins place a surface; the overlay is drawn above windows;
misuse gets the protocol's errors with their codes.

Keyboard interactivity is not tested here: the headless seat has no
keyboard.

Programs: SEALWAY, LAYER_PROBE, WM_PROBE (or under SW_BUILD_ROOT), swaybg, grim.
Usage: test_layer_shell.py [TEST...]
"""

import os
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
    def __init__(self, comp, layer, anchor, size, zone, margin, rgb):
        args = [probe_path(), str(layer), str(anchor), '%dx%d' % size, str(zone),
                str(margin), '%06x' % rgb]
        self.proc = subprocess.Popen(args, env=comp.env(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.args = ' '.join(args[1:])

    def line(self, timeout=30.0):
        return harness.read_line(self.proc.stdout, timeout)

    def shown(self, size):
        line = self.line()
        check(line == 'configure %d %d' % size, 'layer-probe %s is configured %dx%d (got %r)'
              % (self.args, size[0], size[1], line))
        line = self.line()
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


if __name__ == '__main__':
    tests = {name: globals()[name] for name in (
        'swaybg_paints_the_background_under_a_window',
        'bar_exclusive_zone_shrinks_the_maximized_area',
        'maximized_window_follows_a_later_bar', 'anchors_and_margins_place_a_surface',
        'overlay_is_above_windows_and_background_below')}
    tests.update({name: error_case(name) for name in ERRORS})
    harness.main(tests)
