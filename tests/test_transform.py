#!/usr/bin/env python3
"""wl_surface.set_buffer_transform is drawn: the transform names what the
client already did to its content, so the compositor shows the buffer with
it undone. transform-probe shows a 64x32 XRGB8888 buffer whose quadrants are
red, green, blue and yellow; for each of the eight transforms (and once with
buffer scale 2 on a 128x64 buffer) the window must be 64x32 or 32x64 at the
first window position, and every pixel of each of its quadrants must be the
colour of the buffer quadrant the transform puts there. Then the probe
attaches a buffer of four new colours but damages only one quadrant with
damage_buffer: exactly the window quadrant showing it must change.

Programs: SEALWAY, SEALWAY_CAPTURE, TRANSFORM_PROBE (or under SW_BUILD_ROOT).
Usage: test_transform.py [TEST...]
"""

import os
import subprocess
import time

import harness
from harness import check, BACKGROUND, fmt_pixels

X0, Y0 = harness.FIRST_WINDOW
QUADRANTS = ('tl', 'tr', 'bl', 'br')
FIRST = {'tl': 0xff0000, 'tr': 0x00ff00, 'bl': 0x0000ff, 'br': 0xffff00}
SECOND = {'tl': 0x00ffff, 'tr': 0xff00ff, 'bl': 0xffffff, 'br': 0x808080}

# name: (wl_output.transform, buffer quadrants seen at the window's top-left,
#        top-right, bottom-left and bottom-right). Written out by hand from
#        the protocol's definition and agreeing with weston 10.
LAYOUTS = {
    'normal': (0, ('tl', 'tr', 'bl', 'br')),
    '90': (1, ('bl', 'tl', 'br', 'tr')),
    '180': (2, ('br', 'bl', 'tr', 'tl')),
    '270': (3, ('tr', 'br', 'tl', 'bl')),
    'flipped': (4, ('tr', 'tl', 'br', 'bl')),
    'flipped-90': (5, ('tl', 'bl', 'tr', 'br')),
    'flipped-180': (6, ('bl', 'br', 'tl', 'tr')),
    'flipped-270': (7, ('br', 'tr', 'bl', 'tl')),
}

# test name: (layout, buffer scale, buffer size, quadrant to damage)
CASES = {
    'normal': ('normal', 1, (64, 32), 'tl'),
    '90': ('90', 1, (64, 32), 'tr'),
    '180': ('180', 1, (64, 32), 'bl'),
    '270': ('270', 1, (64, 32), 'br'),
    'flipped': ('flipped', 1, (64, 32), 'tl'),
    'flipped-90': ('flipped-90', 1, (64, 32), 'tr'),
    'flipped-180': ('flipped-180', 1, (64, 32), 'bl'),
    'flipped-270': ('flipped-270', 1, (64, 32), 'br'),
    '270-scale-2': ('270', 2, (128, 64), 'bl'),
}


def probe_path():
    path = os.environ.get('TRANSFORM_PROBE')
    if not path:
        root = os.environ.get('SW_BUILD_ROOT', '')
        path = os.path.join(root, 'tests/transform-probe') if root else ''
    if not path or not os.access(path, os.X_OK):
        raise harness.Skip('transform-probe not built (TRANSFORM_PROBE=%r)' % path)
    return path


def read_line(proc, timeout=10.0):
    """The probe's next stdout line, '' at EOF or after `timeout` seconds."""
    return harness.read_line(proc.stdout, timeout)


def window_quadrants(width, height):
    """Screen rectangles of the window's quadrants, split like the probe's buffer."""
    xm, ym = X0 + width // 2, Y0 + height // 2
    xe, ye = X0 + width, Y0 + height
    return [(X0, Y0, xm, ym), (xm, Y0, xe, ym), (X0, ym, xm, ye), (xm, ym, xe, ye)]


def check_window(img, width, height, colors, what):
    """Each window quadrant is exactly its colour; outside is the background."""
    for rect, color in zip(window_quadrants(width, height), colors):
        n, first = img.mismatches(rect, color, inside=True)
        check(n == 0, '%s: every pixel of (%d,%d)-(%d,%d) is %06x (%d differ: %s)'
              % (what, *rect, color, n, fmt_pixels(first)))
    window = (X0, Y0, X0 + width, Y0 + height)
    n, first = img.mismatches(window, BACKGROUND, inside=False)
    check(n == 0, '%s: the window covers exactly (%d,%d)-(%d,%d), the background %06x '
          'everywhere else (%d differ: %s)' % (what, *window, BACKGROUND, n,
                                               fmt_pixels(first)))


def run_case(name):
    layout, scale, (bw, bh), damaged = CASES[name]
    transform, seen = LAYOUTS[layout]
    # The client's transform is undone: quarter turns swap the sides.
    width, height = (bh, bw) if transform % 2 else (bw, bh)
    width, height = width // scale, height // scale
    cmd = [probe_path(), '--transform', str(transform), '--scale', str(scale),
           '--size', '%dx%d' % (bw, bh), '--damage', damaged]
    with harness.Compositor() as comp:
        probe = subprocess.Popen(cmd, env=comp.env(), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = read_line(probe)
            check(line == 'shown', '%s: the probe\'s first frame is drawn (got %r)'
                  % (' '.join(cmd[1:]), line))
            img = comp.capture('sealway-capture')
            check_window(img, width, height, [FIRST[q] for q in seen],
                         'transform %s, scale %d, %dx%d buffer' % (layout, scale, bw, bh))

            probe.stdin.write('go\n')
            probe.stdin.flush()
            line = read_line(probe)
            check(line == 'damaged', 'the probe\'s damaged frame is drawn (got %r)' % line)
            img = comp.capture('sealway-capture')
            # Only the window quadrant showing the damaged buffer quadrant is redrawn.
            after = [SECOND[q] if q == damaged else FIRST[q] for q in seen]
            check_window(img, width, height, after,
                         'transform %s, scale %d, after damage_buffer of the %s quadrant'
                         % (layout, scale, damaged))
        finally:
            try:
                out, err = probe.communicate(input='', timeout=10)
            except subprocess.TimeoutExpired:
                probe.kill()
                out, err = probe.communicate()
        out = harness.unread_text(probe.stdout) + out
        check(out.strip().splitlines()[-1:] == ['ok'],
              'the probe stays connected without a protocol error (got %r; %s)'
              % (out, err.strip()))
        comp.check_alive('buffer transform %s' % layout)


def make(name):
    return lambda: run_case(name)


if __name__ == '__main__':
    harness.main({name: make(name) for name in CASES})
