#!/usr/bin/env python3
"""Our client's pixels reach the output exactly: a solid 200x150 window from
sealway-shm, as seen by two independent screen capturers (our own
sealway-capture and grim), is the exact colour inside (32,32)-(232,182) and
the exact background everywhere else. A translucent colour is blended OVER
the background."""

import time

import harness
from harness import check, BACKGROUND, fmt_pixels

W, H = 200, 150
X0, Y0 = harness.FIRST_WINDOW
RECT = (X0, Y0, X0 + W, Y0 + H)

# name: (wl_shm format, --color (premultiplied AARRGGBB), expected XRGB on screen)
CASES = {
    'xrgb8888-opaque': ('XRGB8888', 0xff00ff00, 0x00ff00),
    'argb8888-opaque': ('ARGB8888', 0xff00ff00, 0x00ff00),
    'argb8888-half-alpha': ('ARGB8888', 0x80800000, harness.over(0x80800000, BACKGROUND)),
}


def wait_for_window(comp, how, expected, timeout=5.0):
    """Capture until the window's centre shows; return that capture."""
    cx, cy = X0 + W // 2, Y0 + H // 2
    deadline = time.monotonic() + timeout
    while True:
        img = comp.capture(how)
        if img.pixel(cx, cy) == expected or time.monotonic() > deadline:
            return img
        time.sleep(0.1)


def run_case(case, how):
    fmt, color, expected = CASES[case]
    with harness.Compositor() as comp:
        client = comp.spawn([harness.program('sealway-shm'), '--format', fmt,
                             '--color', '%08x' % color, '--size', '%dx%d' % (W, H),
                             '--frames', '0'])
        img = wait_for_window(comp, how, expected)
        check(client.poll() is None, 'sealway-shm keeps running with --frames 0 '
              '(exit %s; log %s)' % (client.poll(), open(client.log_path).read().strip()))
        check((img.width, img.height) == harness.OUTPUT_SIZE,
              '%s captures the whole %dx%d output (got %dx%d)'
              % (how, *harness.OUTPUT_SIZE, img.width, img.height))
        n, first = img.mismatches(RECT, expected, inside=True)
        check(n == 0, '%s %s: every pixel of (%d,%d)-(%d,%d) is %06x, as captured by %s '
              '(%d differ: %s)' % (fmt, '%08x' % color, *RECT, expected, how, n,
                                   fmt_pixels(first)))
        n, first = img.mismatches(RECT, BACKGROUND, inside=False)
        check(n == 0, 'every pixel outside the window is the background %06x, as captured '
              'by %s (%d differ: %s)' % (BACKGROUND, how, n, fmt_pixels(first)))


def buffer_outlives_its_pool():
    """A wl_shm buffer keeps showing its pixels after its pool was resized
    (the buffer keeps the old mapping) and destroyed."""
    import subprocess
    with harness.Compositor() as comp:
        probe = subprocess.Popen([harness.program('shm-probe'), 'buffer-outlives-pool'],
                                 env=comp.env({'SHM_PROBE_HOLD': '1'}), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            first = probe.stdout.readline().strip()
            check(first == 'shown', 'the probe shows its buffer after destroying the pool '
                  '(got %r; %s)' % (first, probe.stderr.read() if probe.poll() is not None else ''))
            img = wait_for_window_at(comp, X0 + 32, Y0 + 32, 0x3366cc)
            n, bad = img.mismatches((X0, Y0, X0 + 64, Y0 + 64), 0x3366cc, inside=True)
            check(n == 0, 'every pixel of the 64x64 window is 3366cc although its pool is '
                  'gone (%d differ: %s)' % (n, fmt_pixels(bad)))
        finally:
            out, err = probe.communicate(input='', timeout=10)
        check(out.strip().splitlines()[-1:] == ['ok'],
              'the client stays connected without a protocol error (got %r; %s)'
              % (out, err.strip()))
        comp.check_alive('a buffer outlived its pool')


def wait_for_window_at(comp, x, y, expected, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        img = comp.capture('sealway-capture')
        if img.pixel(x, y) == expected or time.monotonic() > deadline:
            return img
        time.sleep(0.1)


def make(case, how):
    return lambda: run_case(case, how)


if __name__ == '__main__':
    tests = {}
    for case in CASES:
        for how in ('sealway-capture', 'grim'):
            tests['%s-%s' % (case, how)] = make(case, how)
    tests['buffer-outlives-its-pool'] = buffer_outlives_its_pool
    harness.main(tests)
