#!/usr/bin/env python3
"""SDL2 (testsprite2 of libsdl2-tests, on its Wayland driver) in a window
asks for server-side decorations and gets sealway's title bar; a click of
the virtual pointer on the bar's close button sends xdg_toplevel.close, and
SDL2 quits: the process exits with status 0.

Programs: SEALWAY, VINPUT_PROBE (or under SW_BUILD_ROOT), testsprite2.
Usage: test_sdl.py [TEST...]
"""

import os
import time

import harness
from harness import check
import test_virtual_input

BUTTON = 0xc0392b   # the close button's red (xdg_decoration.c)
BAR_ACTIVE = 0x2e5a8c


def testsprite2():
    for path in ('/usr/libexec/installed-tests/SDL2/testsprite2',
                 '/usr/lib/x86_64-linux-gnu/installed-tests/SDL2/testsprite2'):
        if os.access(path, os.X_OK):
            return path
    raise harness.Skip('testsprite2 (libsdl2-tests) is not installed')


def close_button(img):
    """A point of the red close button at the right of a title bar, or None."""
    red = bytes((BUTTON >> 16, (BUTTON >> 8) & 0xff, BUTTON & 0xff)) * 8
    row = img.width * 3
    for y in range(img.height):
        i = img.rgb.find(red, y * row, (y + 1) * row)
        # Eight red pixels in a row, whole pixels: the top of the button (24 high).
        if i >= 0 and (i - y * row) % 3 == 0:
            return (i - y * row) // 3 + 4, y + 4
    return None


def wait_exit(proc, timeout):
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return proc.poll()


def sdl_close_button_quits_testsprite2():
    exe = testsprite2()
    icon = os.path.join(os.path.dirname(exe), 'icon.bmp')
    with harness.Compositor('--trust-virtual-input=all') as comp:
        sdl = comp.spawn([exe, '--geometry', '320x240', '--info', 'video', icon],
                         extra_env={'SDL_VIDEODRIVER': 'wayland'})
        deadline = time.monotonic() + 20
        spot = None
        while spot is None:
            check(time.monotonic() < deadline and sdl.poll() is None,
                  'testsprite2 shows a window with a title bar and a close button within '
                  '20 s (exit %s):\n%s' % (sdl.poll(), open(sdl.log_path).read()[-1500:]))
            img = comp.capture('sealway-capture')
            spot = close_button(img)
            if spot is None:
                time.sleep(0.1)
        x, y = spot
        check(img.pixel(x - 40, y) == BAR_ACTIVE, 'left of the close button is the title '
              'bar, activated (got %06x at %d,%d)' % (img.pixel(x - 40, y), x - 40, y))
        res = comp.run([test_virtual_input.vinput_probe(), 'click', str(x), str(y)],
                       check_status=0)
        check(res.stdout.strip() == 'ok', 'the virtual pointer clicks at %d,%d (got %r)'
              % (x, y, res.stdout.strip()))
        status = wait_exit(sdl, 10)
        check(status == 0, 'testsprite2 exits with status 0 within 10 s of the click on '
              'its close button (got %s):\n%s\ncompositor:\n%s'
              % (status, open(sdl.log_path).read()[-800:], comp.stderr_tail()))


if __name__ == '__main__':
    harness.main({'sdl_close_button_quits_testsprite2': sdl_close_button_quits_testsprite2})
