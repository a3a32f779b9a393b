#!/usr/bin/env python3
"""The scene draws what shows and nothing else. With --log=debug the
compositor logs one line a frame with the pixels it composited (SRC for
opaque parts, OVER for the rest) and the background pixels it filled; these
tests read those counters next to the pixels on screen:

- a window under an opaque one is composited only where it shows, and its
  damage where it is covered composites nothing;
- the background is not filled under a window that covers the output;
- an ARGB window's opaque region is copied with SRC: a pixel whose alpha is
  below 255 there comes out as its raw colour, not blended, while the rest
  of the window is blended OVER the background.

Programs: SEALWAY, SEALWAY_CAPTURE, SCENE_PROBE (or under SW_BUILD_ROOT).
Usage: test_scene.py [TEST...]
"""

import os
import re
import subprocess
import time

import harness
from harness import check, BACKGROUND, fmt_pixels

OUT_W, OUT_H = harness.OUTPUT_SIZE
X0, Y0 = harness.FIRST_WINDOW
STEP = 32  # the cascade: the second window is 32 pixels further
FRAME = re.compile(r'output \S+ frame \d+: composited (\d+) px \(SRC (\d+), OVER (\d+)\), '
                   r'background (\d+) px, (\d+) bytes, copied (\d+) bytes, on planes (\d+)')


def probe_path():
    path = os.environ.get('SCENE_PROBE')
    if not path:
        root = os.environ.get('SW_BUILD_ROOT', '')
        path = os.path.join(root, 'tests/scene-probe') if root else ''
    if not path or not os.access(path, os.X_OK):
        raise harness.Skip('scene-probe not built (SCENE_PROBE=%r)' % path)
    return path


def frames(comp):
    """Every frame's counters so far: (composited, src, over, background,
    bytes, copied, planes)."""
    return [tuple(int(v) for v in m.groups()) for m in FRAME.finditer(comp.stderr_text())]


def wait_first_frame(comp, timeout=5.0):
    """The count of frames once the compositor drew its first one."""
    deadline = time.monotonic() + timeout
    while not frames(comp):
        check(time.monotonic() < deadline, 'the compositor logs its first frame at debug '
              'level within %.0f s (a line matching %r)' % (timeout, FRAME.pattern))
        time.sleep(0.05)
    return len(frames(comp))


def since(comp, start):
    """Totals of the frames after the first `start`: a dict of the counters."""
    totals = [0] * 7
    for f in frames(comp)[start:]:
        totals = [a + b for a, b in zip(totals, f)]
    return dict(zip(('composited', 'src', 'over', 'background', 'bytes', 'copied', 'planes'),
                    totals))


class Probe:
    """A scene-probe window, driven line by line."""

    def __init__(self, comp, *args):
        self.proc = subprocess.Popen([probe_path()] + list(args), env=comp.env(),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.expect('shown')

    def expect(self, word, timeout=10.0):
        line = harness.read_line(self.proc.stdout, timeout)
        if line != word:
            self.proc.kill()
            _, err = self.proc.communicate()
            raise harness.Failure('scene-probe says %r (got %r; %s)' % (word, line, err.strip()))

    def damage(self, x, y, w, h):
        self.proc.stdin.write('damage %d %d %d %d\n' % (x, y, w, h))
        self.proc.stdin.flush()
        self.expect('damaged')

    def close(self):
        out, err = self.proc.communicate(input='', timeout=10)
        out = harness.unread_text(self.proc.stdout) + out
        check(out.strip().splitlines()[-1:] == ['ok'],
              'scene-probe stays connected without a protocol error (got %r; %s)'
              % (out, err.strip()))


def expect_counts(got, what, **want):
    for key, value in want.items():
        check(got[key] == value, '%s: %s is %d pixels (got %d; all counters %s)'
              % (what, key, value, got[key], got))


def opaque_window_hides_the_one_below():
    """Two opaque 400x300 windows, the second 32 pixels further: when the
    lower one damages all of itself, only its 21376 pixels that show (400x300
    less the 368x268 the upper one covers) are composited, and the screen
    shows each window where it is on top."""
    with harness.Compositor('--log=debug') as comp:
        wait_first_frame(comp)
        below = Probe(comp, '--size', '400x300', '--color', 'ffff0000')
        above = Probe(comp, '--size', '400x300', '--color', 'ff00ff00')
        start = len(frames(comp))
        below.damage(0, 0, 400, 300)
        expect_counts(since(comp, start), 'the lower window damaged whole',
                      composited=400 * 300 - 368 * 268, src=400 * 300 - 368 * 268, over=0,
                      background=0)
        img = comp.capture('sealway-capture')
        upper = (X0 + STEP, Y0 + STEP, X0 + STEP + 400, Y0 + STEP + 300)
        n, bad = img.mismatches(upper, 0x00ff00)
        check(n == 0, 'the upper window is green wherever it is (%d differ: %s)'
              % (n, fmt_pixels(bad)))
        for x, y in ((X0, Y0), (X0 + 399, Y0 + STEP - 1), (X0 + STEP - 1, Y0 + 299)):
            check(img.pixel(x, y) == 0xff0000, 'the lower window shows red at (%d,%d) '
                  '(got %06x)' % (x, y, img.pixel(x, y)))
        above.close()
        below.close()


def damage_hidden_under_an_opaque_window_composites_nothing():
    """Damage of the lower window inside what the upper one covers
    composites nothing; damage straddling the edge composites only the part
    that shows (40x40 less 8x8)."""
    with harness.Compositor('--log=debug') as comp:
        wait_first_frame(comp)
        below = Probe(comp, '--size', '400x300', '--color', 'ffff0000')
        above = Probe(comp, '--size', '400x300', '--color', 'ff00ff00')
        start = len(frames(comp))
        below.damage(100, 100, 50, 50)
        expect_counts(since(comp, start), 'damage wholly under the upper window',
                      composited=0, background=0)
        start = len(frames(comp))
        below.damage(0, 0, 40, 40)
        expect_counts(since(comp, start), 'damage half under the upper window',
                      composited=40 * 40 - 8 * 8, src=40 * 40 - 8 * 8, background=0)
        above.close()
        below.close()


def no_background_under_a_window_covering_the_output():
    """A window whose opaque subsurface covers the whole output (placed at
    -32,-32 of the window, which is at 32,32): its first frame composites
    the output's pixels once with SRC, fills no background, and the window
    itself, hidden under its subsurface, composites nothing when damaged.
    (With --scanout=off: by default that subsurface would be the frame.)"""
    with harness.Compositor('--log=debug', '--scanout=off') as comp:
        wait_first_frame(comp)
        start = len(frames(comp))
        win = Probe(comp, '--size', '64x64', '--color', 'ffff0000',
                    '--sub', '%d,%d,%dx%d' % (-X0, -Y0, OUT_W, OUT_H))
        expect_counts(since(comp, start), 'a window covering the output appears',
                      composited=OUT_W * OUT_H, src=OUT_W * OUT_H, over=0, background=0)
        start = len(frames(comp))
        win.damage(0, 0, 64, 64)
        expect_counts(since(comp, start), 'the hidden window damaged whole',
                      composited=0, background=0)
        img = comp.capture('sealway-capture')
        for x, y in ((0, 0), (OUT_W - 1, 0), (0, OUT_H - 1), (OUT_W - 1, OUT_H - 1),
                     (X0 + 10, Y0 + 10)):
            check(img.pixel(x, y) == 0x00ff00, 'the subsurface covers (%d,%d) (got %06x)'
                  % (x, y, img.pixel(x, y)))
        win.close()


def a_buffer_covering_the_output_is_the_frame():
    """Headless has one virtual primary plane: an opaque XRGB8888 subsurface
    that covers the output exactly, unscaled, is the frame itself. Nothing is
    composited or copied while it shows, not even when the window hidden
    under it is damaged, and screencopy (sealway-capture and grim) reads its
    exact pixels from the buffer. A second window beside it ends that: the
    output is composited whole again."""
    with harness.Compositor('--log=debug') as comp:
        wait_first_frame(comp)
        start = len(frames(comp))
        win = Probe(comp, '--size', '64x64', '--color', 'ffff0000',
                    '--sub', '%d,%d,%dx%d' % (-X0, -Y0, OUT_W, OUT_H))
        win.damage(0, 0, 64, 64)
        got = since(comp, start)
        expect_counts(got, 'a buffer covering the output is shown, its window damaged',
                      composited=0, background=0, bytes=0, copied=0)
        check(got['planes'] >= 1, 'the buffer is on the virtual plane in a frame (%s)' % got)
        for how in ('sealway-capture', 'grim'):
            img = comp.capture(how)
            wrong = [(x, y) for y in range(OUT_H) for x in range(OUT_W)
                     if img.pixel(x, y) != 0x00ff00]
            check(not wrong, '%s reads the buffer\'s every pixel as 00ff00 (%d differ, '
                  'the first at %s)' % (how, len(wrong), wrong[:1]))
        start = len(frames(comp))
        other = Probe(comp, '--size', '50x40', '--color', 'ff0000ff')
        got = since(comp, start)
        check(got['composited'] >= OUT_W * OUT_H - 50 * 40,
              'with a second window the output is composited whole again (%s)' % got)
        img = comp.capture('sealway-capture')
        check(img.pixel(0, 0) == 0x00ff00, 'the subsurface is composited at (0,0) (got %06x)'
              % img.pixel(0, 0))
        other.close()
        win.close()


PRESENTED = re.compile(r'frame presented: .* flags 0x([0-9a-f]+)')
ZERO_COPY = 0x8


def a_fullscreen_client_is_presented_zero_copy():
    """sealway-shm fullscreen with XRGB8888 buffers of the output's size,
    animated for 30 frames: every frame is its buffer (nothing composited),
    and every presentation feedback says ZERO_COPY. With --scanout=off the
    same client is composited and its feedback does not say so."""
    for scanout, zero in (('auto', True), ('off', False)):
        with harness.Compositor('--log=debug', '--scanout=' + scanout) as comp:
            wait_first_frame(comp)
            start = len(frames(comp))
            res = comp.run([harness.program('sealway-shm'), '--fullscreen', '--size',
                            '%dx%d' % (OUT_W, OUT_H), '--frames', '30', '--log', 'debug'],
                           timeout=30)
            check(res.returncode == 0, 'sealway-shm runs 30 frames (status %d)\n%s'
                  % (res.returncode, res.stderr[-2000:]))
            flags = [int(f, 16) for f in PRESENTED.findall(res.stderr)]
            check(len(flags) >= 30, 'sealway-shm logs 30 presented frames (got %d)'
                  % len(flags))
            got = since(comp, start)
            if zero:
                check(all(f & ZERO_COPY for f in flags), 'every feedback says ZERO_COPY '
                      '(flags %s)' % sorted(set(flags)))
                check(got['src'] + got['over'] == 0 and got['copied'] == 0,
                      'no pixel of the client is composited or copied (%s)' % got)
            else:
                check(not any(f & ZERO_COPY for f in flags), 'with --scanout=off no '
                      'feedback says ZERO_COPY (flags %s)' % sorted(set(flags)))
                check(got['src'] >= OUT_W * OUT_H,
                      'with --scanout=off the client is composited (%s)' % got)


def opaque_region_half_is_copied_raw_the_rest_blended():
    """A 200x100 ARGB8888 window of premultiplied 80800000 (half-transparent
    red) whose opaque region is its left half. The client said that half is
    opaque, so it is copied with SRC: its pixels come out as the raw colour
    800000, not blended with the background. The right half is blended OVER
    the background. The frame that maps it copies 100x100 pixels, blends
    100x100 and fills the background only under the blended half."""
    with harness.Compositor('--log=debug') as comp:
        wait_first_frame(comp)
        start = len(frames(comp))
        win = Probe(comp, '--size', '200x100', '--format', 'argb8888', '--color', '80800000',
                    '--opaque', '0,0,100,100')
        expect_counts(since(comp, start), 'the half-opaque window appears',
                      src=100 * 100, over=100 * 100, background=100 * 100)
        img = comp.capture('sealway-capture')
        left = (X0, Y0, X0 + 100, Y0 + 100)
        right = (X0 + 100, Y0, X0 + 200, Y0 + 100)
        n, bad = img.mismatches(left, 0x800000)
        check(n == 0, 'every pixel of the opaque half is the raw colour 800000 (SRC, no '
              'blending) (%d differ: %s)' % (n, fmt_pixels(bad)))
        blended = harness.over(0x80800000, BACKGROUND)
        n, bad = img.mismatches(right, blended)
        check(n == 0, 'every pixel of the other half is %06x, 80800000 OVER the background '
              '(%d differ: %s)' % (blended, n, fmt_pixels(bad)))
        win.close()


if __name__ == '__main__':
    harness.main({
        'opaque_window_hides_the_one_below': opaque_window_hides_the_one_below,
        'damage_hidden_under_an_opaque_window_composites_nothing':
            damage_hidden_under_an_opaque_window_composites_nothing,
        'no_background_under_a_window_covering_the_output':
            no_background_under_a_window_covering_the_output,
        'opaque_region_half_is_copied_raw_the_rest_blended':
            opaque_region_half_is_copied_raw_the_rest_blended,
        'a_buffer_covering_the_output_is_the_frame': a_buffer_covering_the_output_is_the_frame,
        'a_fullscreen_client_is_presented_zero_copy': a_fullscreen_client_is_presented_zero_copy,
    })
