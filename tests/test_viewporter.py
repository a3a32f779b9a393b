#!/usr/bin/env python3
"""wp_viewporter: a surface shows a source rectangle of its buffer scaled
to a destination size. weston-scaler's modes are drawn at exactly the sizes
its --help documents and with the documented boxes; a quadrant buffer
cropped and scaled by an exact 2 is sampled nearest (no blend at the
quadrant's edge); every misuse gets its protocol error with the exact code
(wp_viewport bad_value 0, bad_size 1, out_of_buffer 2, no_surface 3;
wp_viewporter viewport_exists 0), and the compositor serves the next client.

Programs: SEALWAY, VIEWPORT_PROBE (or under SW_BUILD_ROOT), weston-scaler, grim.
Usage: test_viewporter.py [TEST...]
"""

import os
import subprocess
import time

import harness
from harness import check, BACKGROUND, fmt_pixels

X0, Y0 = harness.FIRST_WINDOW
RED, GREEN, BLUE, WHITE = 0xff0000, 0x00ff00, 0x0000ff, 0xffffff


def probe_path():
    path = os.environ.get('VIEWPORT_PROBE')
    if not path:
        root = os.environ.get('SW_BUILD_ROOT', '')
        path = os.path.join(root, 'tests/viewport-probe') if root else ''
    if not path or not os.access(path, os.X_OK):
        raise harness.Skip('viewport-probe not built (VIEWPORT_PROBE=%r)' % path)
    return path


def window_box(img):
    """The bounding box (x0, y0, x1, y1) of what is not background."""
    xs, ys = [], []
    for y in range(img.height):
        for x in range(img.width):
            if img.pixel(x, y) != BACKGROUND:
                xs.append(x)
                ys.append(y)
    if not xs:
        return None
    return (min(xs), min(ys), max(xs) + 1, max(ys) + 1)


def share(img, box, pred):
    x0, y0, x1, y1 = box
    n = sum(1 for y in range(y0, y1) for x in range(x0, x1) if pred(img.pixel(x, y)))
    return n / float((x1 - x0) * (y1 - y0))


def channels(p):
    return (p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff


def whitish(p):
    return all(c >= 0xb0 for c in channels(p))


def scaler(mode, size, judge):
    exe = harness.tool('weston-scaler')
    with harness.Compositor() as comp:
        client = comp.spawn([exe, mode])
        deadline = time.monotonic() + 10
        box = None
        while time.monotonic() < deadline:
            img = comp.capture('grim')
            box = window_box(img)
            if box and (box[2] - box[0], box[3] - box[1]) == size:
                time.sleep(0.3)   # its first frame may still be coming
                img = comp.capture('grim')
                box = window_box(img)
                break
            time.sleep(0.1)
        check(client.poll() is None, 'weston-scaler %s keeps running (exit %s): %s'
              % (mode, client.poll(), open(client.log_path).read().strip()[-500:]))
        got = (box[2] - box[0], box[3] - box[1]) if box else None
        check(box is not None and box[:2] == (X0, Y0) and got == size,
              'weston-scaler %s is a %dx%d window at %d,%d (got %s)'
              % (mode, size[0], size[1], X0, Y0, box))
        judge(img, box)
        comp.check_alive('weston-scaler ' + mode)


def weston_scaler_no_viewport():
    """-n: a 421x337 red box with a blue box in its upper left part."""
    def judge(img, box):
        check(share(img, box, lambda p: p == RED) > 0.9, '-n: the window is mostly red')
        check(img.pixel(X0 + 40, Y0 + 50) == BLUE, '-n: the blue box is at the upper left '
              '(got %06x)' % img.pixel(X0 + 40, Y0 + 50))
    scaler('-n', (421, 337), judge)


def weston_scaler_source_and_destination():
    """-b: 220x308, the blue box cropped out and scaled, a thick white right
    edge; scaled by a fraction, so sampled bilinearly (blends at the edges)."""
    def judge(img, box):
        x0, y0, x1, y1 = box
        check(share(img, box, lambda p: p == BLUE) > 0.85, '-b: the window is mostly blue')
        right = (x1 - 2, y0 + 10, x1, y1 - 10)
        check(share(img, right, whitish) > 0.9, '-b: a thick white right edge')
        check(share(img, box, lambda p: p == RED) < 0.01, '-b: no red box: it is cropped')
        mid = img.pixel(x0 + 1, (y0 + y1) // 2)
        r, g, b = channels(mid)
        check(g > 0x20 and g < 0xff and r < 0x40, '-b: the thin green left edge is blended '
              'with the blue, bilinear (got %06x)' % mid)
    scaler('-b', (220, 308), judge)


def weston_scaler_source_only():
    """-s: 55x77, the same crop unscaled: a whole-pixel copy, so exact colours."""
    def judge(img, box):
        x0, y0, x1, y1 = box
        check(share(img, box, lambda p: p == BLUE) > 0.9, '-s: the window is mostly blue')
        n, first = img.mismatches((x1 - 1, y0, x1, y1), WHITE)
        check(n == 0, '-s: its right column is exactly white (%d differ: %s)'
              % (n, fmt_pixels(first)))
    scaler('-s', (55, 77), judge)


def weston_scaler_destination_only():
    """-d: 220x308, the -n picture squashed horizontally: red with the blue box."""
    def judge(img, box):
        check(share(img, box, lambda p: p == RED) > 0.85, '-d: the window is mostly red')
        check(img.pixel(X0 + 20, Y0 + 50) == BLUE, '-d: the blue box is at the upper left '
              '(got %06x)' % img.pixel(X0 + 20, Y0 + 50))
        check(img.pixel(X0 + 40, Y0 + 50) == RED, '-d: and squashed to half its width '
              '(got %06x)' % img.pixel(X0 + 40, Y0 + 50))
    scaler('-d', (220, 308), judge)


def crop_scaled_exactly_is_sampled_nearest():
    with harness.Compositor() as comp:
        probe = subprocess.Popen([probe_path(), 'crop-exact'], env=comp.env(),
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        try:
            line = harness.read_line(probe.stdout, 10)
            check(line == 'shown', 'the cropped frame is drawn (got %r)' % line)
            img = comp.capture('sealway-capture')
            window = (X0, Y0, X0 + 64, Y0 + 32)
            n, first = img.mismatches(window, RED)
            check(n == 0, 'the top-left quadrant scaled 2x fills the 64x32 window exactly red, '
                  'no green or blue blended in at its edges (%d differ: %s)'
                  % (n, fmt_pixels(first)))
            n, first = img.mismatches(window, BACKGROUND, inside=False)
            check(n == 0, 'nothing outside the 64x32 destination (%d differ: %s)'
                  % (n, fmt_pixels(first)))
        finally:
            out, err = probe.communicate(input='', timeout=10)
            out = harness.unread_text(probe.stdout) + out
        check(out.strip().splitlines()[-1:] == ['ok'], 'no protocol error (got %r; %s)'
              % (out, err.strip()))


def damage_follows_the_destination():
    """damage_buffer through a viewport is cropped and scaled like the buffer:
    the damaged quadrant is redrawn where it shows (the window's bottom half),
    the rest keeps the old buffer's colours though the new buffer differs."""
    with harness.Compositor() as comp:
        probe = subprocess.Popen([probe_path(), 'crop-damage'], env=comp.env(),
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        try:
            def line():
                return harness.read_line(probe.stdout, 10)
            got = line()
            check(got == 'shown', 'the cropped frame is drawn (got %r)' % got)
            img = comp.capture('sealway-capture')
            top, bottom = (X0, Y0, X0 + 64, Y0 + 32), (X0, Y0 + 32, X0 + 64, Y0 + 64)
            for rect, colour in ((top, GREEN), (bottom, 0xffff00)):
                n, first = img.mismatches(rect, colour)
                check(n == 0, 'the right half scaled 2x: (%d,%d)-(%d,%d) is %06x (%d differ: %s)'
                      % (*rect, colour, n, fmt_pixels(first)))
            probe.stdin.write('go\n')
            probe.stdin.flush()
            got = line()
            check(got == 'damaged', 'the damaged frame is drawn (got %r)' % got)
            img = comp.capture('sealway-capture')
            for rect, colour in ((top, GREEN), (bottom, 0x808080)):
                n, first = img.mismatches(rect, colour)
                check(n == 0, 'after damage_buffer of the bottom-right quadrant (%d,%d)-(%d,%d) '
                      'is %06x (%d differ: %s)' % (*rect, colour, n, fmt_pixels(first)))
        finally:
            out, err = probe.communicate(input='', timeout=10)
            out = harness.unread_text(probe.stdout) + out
        check(out.strip().splitlines()[-1:] == ['ok'], 'no protocol error (got %r; %s)'
              % (out, err.strip()))


ERRORS = {
    'source_negative_origin': 'protocol-error interface=wp_viewport code=0',
    'source_zero_width': 'protocol-error interface=wp_viewport code=0',
    'destination_negative': 'protocol-error interface=wp_viewport code=0',
    'unset_is_not_an_error': 'ok',
    'source_fraction_without_destination': 'protocol-error interface=wp_viewport code=1',
    'source_outside_buffer': 'protocol-error interface=wp_viewport code=2',
    'source_outside_scaled_buffer': 'protocol-error interface=wp_viewport code=2',
    'surface_destroyed_first': 'protocol-error interface=wp_viewport code=3',
    'second_viewport': 'protocol-error interface=wp_viewporter code=0',
    'viewport_destroyed_then_recreated': 'ok',
}


def error_case(name):
    def run():
        scenario = name.replace('_', '-')
        with harness.Compositor() as comp:
            r = comp.run([probe_path(), scenario], timeout=20)
            lines = r.stdout.strip().splitlines()
            check(lines[-1:] == [ERRORS[name]], '%s: %s (got %r; %s)'
                  % (scenario, ERRORS[name], r.stdout, r.stderr.strip()[-300:]))
            comp.check_alive(scenario)
            r = comp.run([probe_path(), 'unset-is-not-an-error'], timeout=20)
            check(r.stdout.strip().splitlines()[-1:] == ['ok'],
                  'the next client is served (got %r)' % r.stdout)
    return run


if __name__ == '__main__':
    tests = {name: globals()[name] for name in (
        'weston_scaler_no_viewport', 'weston_scaler_source_and_destination',
        'weston_scaler_source_only', 'weston_scaler_destination_only',
        'crop_scaled_exactly_is_sampled_nearest', 'damage_follows_the_destination')}
    tests.update({name: error_case(name) for name in ERRORS})
    harness.main(tests)
