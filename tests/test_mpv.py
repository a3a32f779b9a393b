#!/usr/bin/env python3
"""mpv in a window: `--vo=wlshm` plays lavfi's pal100bars (eight vertical
bars, 640x480) at `--geometry=320x240`, and grim (screencopy) sees a
320x240 window under a server-side title bar with the eight bars in their
colours at half their width, 40 pixels each, where they should be. mpv
converts YUV to RGB itself, so a colour is matched by its channels (each
near full or near none), not exactly.

`--vo=dmabuf-wayland` finds what it asks of the compositor (wp_viewporter,
linux-dmabuf), but mpv 0.35 shows only hardware-decoded frames (VA-API or
DRM PRIME) through it; with no VA-API device (headless, and the VM's
vkms) it stops at "Cannot convert decoder/filter output", and the test
skips saying so.

Programs: SEALWAY (or under SW_BUILD_ROOT), mpv, grim.
Usage: test_mpv.py [TEST...]
"""

import time

import harness
from harness import check, BACKGROUND

W, H = 320, 240
BAR = 24            # the server-side title bar's height (xdg_decoration.c)
# pal100bars, left to right, as (red, green, blue) each on or off.
BARS = [('white', (1, 1, 1)), ('yellow', (1, 1, 0)), ('cyan', (0, 1, 1)),
        ('green', (0, 1, 0)), ('magenta', (1, 0, 1)), ('red', (1, 0, 0)),
        ('blue', (0, 0, 1)), ('black', (0, 0, 0))]
SOURCE = 'av://lavfi:pal100bars=size=640x480'


def mpv_cmd(vo, *extra):
    return [harness.tool('mpv'), '--no-config', '--vo=' + vo, '--no-audio', '--quiet', '--no-osc',
            '--osd-level=0', '--geometry=%dx%d' % (W, H)] + list(extra) + [SOURCE]


def bounds(img):
    """The box (x0, y0, x1, y1) of everything that is not the background."""
    bg = bytes((BACKGROUND >> 16, (BACKGROUND >> 8) & 0xff, BACKGROUND & 0xff))
    row = img.width * 3
    rows = [y for y in range(img.height)
            if img.rgb[y * row:(y + 1) * row] != bg * img.width]
    if not rows:
        return None
    xs = [x for x in range(img.width) if img.pixel(x, rows[len(rows) // 2]) != BACKGROUND]
    return xs[0], rows[0], xs[-1] + 1, rows[-1] + 1


def channels(rgb):
    """Each channel as 1 (near full), 0 (near none) or None (neither)."""
    out = []
    for shift in (16, 8, 0):
        v = (rgb >> shift) & 0xff
        out.append(1 if v >= 0xc0 else 0 if v <= 0x60 else None)
    return tuple(out)


def mpv_wlshm_shows_the_bars_scaled():
    with harness.Compositor() as comp:
        mpv = comp.spawn(mpv_cmd('wlshm'))
        deadline = time.monotonic() + 20
        box = None
        while True:
            check(mpv.poll() is None, 'mpv keeps playing (exit %s):\n%s'
                  % (mpv.poll(), open(mpv.log_path, errors='replace').read()[-1500:]))
            img = comp.capture('grim')
            box = bounds(img)
            # The bars are drawn: the window's first one is white.
            if box and box[3] - box[1] == H + BAR and img.pixel(box[0] + 5, box[1] + BAR + 5) \
                    == 0xffffff:
                break
            check(time.monotonic() < deadline, 'mpv shows a %dx%d window under its title bar '
                  'within 20 s (what is drawn: %s)' % (W, H, box))
            time.sleep(0.1)
        x0, y0, x1, y1 = box
        check((x1 - x0, y1 - y0 - BAR) == (W, H), 'the window is %dx%d below a %d pixel bar, '
              'half the source\'s 640x480 (got %dx%d at %d,%d)'
              % (W, H, BAR, x1 - x0, y1 - y0 - BAR, x0, y0 + BAR))
        top = y0 + BAR
        step = W // len(BARS)
        for i, (name, want) in enumerate(BARS):
            # The middle of each bar, at three heights; a few pixels in from its edges.
            for y in (top + 10, top + H // 2, top + H - 10):
                for x in (x0 + i * step + 4, x0 + i * step + step // 2,
                          x0 + (i + 1) * step - 5):
                    got = img.pixel(x, y)
                    check(channels(got) == want, 'bar %d (%d..%d) is %s at %d,%d (got %06x)'
                          % (i, x0 + i * step, x0 + (i + 1) * step, name, x, y, got))


def mpv_dmabuf_wayland_finds_viewporter_and_dmabuf():
    with harness.Compositor() as comp:
        res = comp.run(mpv_cmd('dmabuf-wayland', '--frames=30'), timeout=30)
        out = res.stdout + res.stderr
        check("doesn't support" not in out, 'mpv --vo=dmabuf-wayland finds the protocols it '
              'needs (got: %s)' % out[-800:])
        if res.returncode != 0 and 'Cannot convert decoder/filter output' in out:
            raise harness.Skip('mpv --vo=dmabuf-wayland shows only VA-API or DRM PRIME '
                               'frames, and there is no VA-API device here')
        check(res.returncode == 0, 'mpv --vo=dmabuf-wayland plays 30 frames (exit %d): %s'
              % (res.returncode, out[-800:]))


if __name__ == '__main__':
    harness.main({name: globals()[name] for name in (
        'mpv_wlshm_shows_the_bars_scaled', 'mpv_dmabuf_wayland_finds_viewporter_and_dmabuf')})
