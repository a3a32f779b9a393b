#!/usr/bin/env python3
"""Several outputs, headless: `--output=WxH[@HZ]` repeated makes one output
each, laid out left to right. Each has its own wl_output and xdg-output
(logical position and size), its own refresh, its own screencopy, and the
presentation feedback of a window names the output it is on."""

import os
import re
import select
import subprocess
import time

import harness
from harness import check, BACKGROUND, fmt_pixels

FIRST = (800, 600, 60000)
SECOND = (640, 480, 30000)
OUTPUTS = ('--output=%dx%d' % FIRST[:2], '--output=%dx%d@30' % SECOND[:2])
WIN = (200, 150)
GREEN = 0x00ff00
BLUE = 0x3366cc


def output_probe():
    path = os.environ.get('OUTPUT_PROBE') or os.path.join(
        os.environ.get('SW_BUILD_ROOT', ''), 'tests', 'output-probe')
    if not os.access(path, os.X_OK):
        raise harness.Skip('output-probe not built (%s)' % path)
    return path


def wayland_info(comp):
    res = comp.run([harness.tool('wayland-info')], timeout=20, check_status=0)
    return res.stdout


def parse_outputs(text):
    """{name: {'x', 'y', 'width', 'height', 'refresh'}} from wl_output blocks,
    and {name: (logical x, y, width, height)} from xdg_output blocks."""
    wl, xdg = {}, {}
    for block in re.split(r'\ninterface: ', text):
        if block.startswith("'wl_output'"):
            # Its own name, on a line of its own (not the global's number).
            m = re.search(r'\n\s+name: (\S+)', block)
            pos = re.search(r'x: (-?\d+), y: (-?\d+)', block)
            mode = re.search(r'width: (\d+) px, height: (\d+) px, refresh: ([\d.]+) Hz', block)
            if m and pos and mode:
                wl[m.group(1)] = {'x': int(pos.group(1)), 'y': int(pos.group(2)),
                                  'width': int(mode.group(1)), 'height': int(mode.group(2)),
                                  'refresh': float(mode.group(3))}
    for m in re.finditer(r"xdg_output_v1\s+output: \d+\s+name: '([^']+)'.*?"
                         r"logical_x: (-?\d+), logical_y: (-?\d+)\s+"
                         r"logical_width: (\d+), logical_height: (\d+)", text, re.S):
        xdg[m.group(1)] = tuple(int(v) for v in m.group(2, 3, 4, 5))
    return wl, xdg


def grim(comp, *args):
    res = subprocess.run([harness.tool('grim'), '-t', 'ppm'] + list(args) + ['-'],
                         env=comp.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=20)
    check(res.returncode == 0, 'grim %s succeeds (status %d: %s)'
          % (' '.join(args), res.returncode, res.stderr.decode(errors='replace').strip()))
    return harness.Image.from_ppm(res.stdout, 'grim ' + ' '.join(args))


class Probe:
    """output-probe running against the compositor; its stdout is read as it goes."""

    def __init__(self, comp, *args):
        self.proc = subprocess.Popen([output_probe()] + list(args), env=comp.env(),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        comp._children.append(self.proc)
        self.lines = []
        self._buf = b''

    def wait_line(self, pattern, timeout=10.0):
        """The first line matching `pattern` (read until it comes)."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for line in self.lines[seen:]:
                if re.search(pattern, line):
                    return line
            seen = len(self.lines)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                break
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                break
            self._buf += chunk
            *done, self._buf = self._buf.split(b'\n')
            self.lines.extend(ln.decode(errors='replace') for ln in done)
        err = self.proc.stderr.read().decode(errors='replace') \
            if self.proc.poll() is not None else ''
        raise harness.Failure('output-probe says %r within %.0f s (it said: %s%s)'
                              % (pattern, timeout, ' | '.join(self.lines[-8:]),
                                 '; stderr: ' + err.strip() if err else ''))


def expect_all(img, colour, what):
    n, first = img.mismatches((0, 0, img.width, img.height), colour, inside=True)
    check(n == 0, '%s: every pixel of the %dx%d capture is %06x (%d differ: %s)'
          % (what, img.width, img.height, colour, n, fmt_pixels(first)))


def wait_capture(comp, args, x, y, colour, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        img = grim(comp, *args)
        if (0 <= x < img.width and 0 <= y < img.height and img.pixel(x, y) == colour) \
                or time.monotonic() > deadline:
            return img
        time.sleep(0.1)


def two_outputs_are_listed_left_to_right():
    """wayland-info lists two wl_outputs, HEADLESS-1 at 0,0 and HEADLESS-2 at
    800,0 (right of the first), with their modes and refresh rates, and one
    xdg-output each with the same logical position and size."""
    with harness.Compositor(*OUTPUTS) as comp:
        text = wayland_info(comp)
        wl, xdg = parse_outputs(text)
        check(sorted(wl) == ['HEADLESS-1', 'HEADLESS-2'],
              'two wl_outputs called HEADLESS-1 and HEADLESS-2 (got %s)' % sorted(wl))
        for name, (x, shape) in (('HEADLESS-1', (0, FIRST)), ('HEADLESS-2', (800, SECOND))):
            o = wl[name]
            check((o['x'], o['y'], o['width'], o['height']) == (x, 0, shape[0], shape[1]),
                  '%s is %dx%d at %d,0 (got %dx%d at %d,%d)'
                  % (name, shape[0], shape[1], x, o['width'], o['height'], o['x'], o['y']))
            check(abs(o['refresh'] - shape[2] / 1000) < 0.01,
                  '%s refreshes at %.3f Hz (got %.3f)' % (name, shape[2] / 1000, o['refresh']))
            check(xdg.get(name) == (x, 0, shape[0], shape[1]),
                  'the xdg-output of %s has logical position %d,0 and size %dx%d (got %s)'
                  % (name, x, shape[0], shape[1], xdg.get(name)))
        check(text.count("interface: 'zxdg_output_manager_v1'") == 1,
              'one zxdg_output_manager_v1 global serves every output (got %d)'
              % text.count("interface: 'zxdg_output_manager_v1'"))


def grim_captures_each_output():
    """grim -o NAME captures exactly that output: a window opened on the
    first output shows at (32,32) in grim -o HEADLESS-1, grim -o HEADLESS-2
    is all background, and grim of everything is 1440x600."""
    with harness.Compositor(*OUTPUTS) as comp:
        probe = Probe(comp, '--color', '%06x' % GREEN, '--size', '%dx%d' % WIN)
        probe.wait_line(r'^done$')
        first = wait_capture(comp, ['-o', 'HEADLESS-1'], 40, 40, GREEN)
        check((first.width, first.height) == FIRST[:2], 'grim -o HEADLESS-1 is %dx%d (got %dx%d)'
              % (FIRST[0], FIRST[1], first.width, first.height))
        rect = (32, 32, 32 + WIN[0], 32 + WIN[1])
        n, bad = first.mismatches(rect, GREEN, inside=True)
        check(n == 0, 'the window fills (32,32)-(232,182) of HEADLESS-1 (%d differ: %s)'
              % (n, fmt_pixels(bad)))
        n, bad = first.mismatches(rect, BACKGROUND, inside=False)
        check(n == 0, 'the rest of HEADLESS-1 is background (%d differ: %s)'
              % (n, fmt_pixels(bad)))
        second = grim(comp, '-o', 'HEADLESS-2')
        check((second.width, second.height) == SECOND[:2],
              'grim -o HEADLESS-2 is %dx%d (got %dx%d)'
              % (SECOND[0], SECOND[1], second.width, second.height))
        expect_all(second, BACKGROUND, 'HEADLESS-2 shows nothing of a window on HEADLESS-1')
        whole = grim(comp)
        check((whole.width, whole.height) == (1440, 600),
              'grim of the whole layout is 1440x600 (got %dx%d)' % (whole.width, whole.height))
        check(whole.pixel(40, 40) == GREEN and whole.pixel(900, 100) == BACKGROUND,
              'the whole capture has the window on the left output only (got %06x, %06x)'
              % (whole.pixel(40, 40), whole.pixel(900, 100)))


def feedback_names_the_output_of_the_window():
    """A window on HEADLESS-1 is presented by HEADLESS-1: its presentation
    feedback names that output alone, with its 60 Hz refresh period."""
    with harness.Compositor(*OUTPUTS) as comp:
        probe = Probe(comp, '--size', '%dx%d' % WIN)
        probe.wait_line(r'^done$')
        for line in [ln for ln in probe.lines if ln.startswith('presented')]:
            m = re.match(r'presented \d+ sync_output=(\S*) refresh_ns=(\d+)', line)
            check(m and m.group(1) == 'HEADLESS-1',
                  'every feedback names HEADLESS-1 alone (got %r)' % line)
            check(abs(int(m.group(2)) - 16666666) <= 1,
                  'and the refresh period of HEADLESS-1, 16666666 ns (got %r)' % line)


def fullscreen_on_the_second_output_covers_it():
    """A window asking for fullscreen on HEADLESS-2 is configured 640x480,
    covers exactly HEADLESS-2 (every pixel of grim -o HEADLESS-2, and a
    capture_output_region inside it) and leaves HEADLESS-1 alone; its
    feedback names HEADLESS-2 with its own 30 Hz period."""
    with harness.Compositor(*OUTPUTS) as comp:
        probe = Probe(comp, '--fullscreen', 'HEADLESS-2', '--color', '%06x' % BLUE)
        line = probe.wait_line(r'^configure [1-9]')
        check(line == 'configure 640 480 fullscreen',
              'the window is configured 640x480 fullscreen (got %r)' % line)
        probe.wait_line(r'^done$')
        second = wait_capture(comp, ['-o', 'HEADLESS-2'], 639, 479, BLUE)
        expect_all(second, BLUE, 'grim -o HEADLESS-2 with the window fullscreen on it')
        region = grim(comp, '-g', '900,100 50x40')
        check((region.width, region.height) == (50, 40),
              'grim -g "900,100 50x40" is 50x40 (got %dx%d)' % (region.width, region.height))
        expect_all(region, BLUE, 'a region inside HEADLESS-2')
        expect_all(grim(comp, '-o', 'HEADLESS-1'), BACKGROUND,
                   'HEADLESS-1 beside a window fullscreen on HEADLESS-2')
        for line in [ln for ln in probe.lines if ln.startswith('presented')]:
            m = re.match(r'presented \d+ sync_output=(\S*) refresh_ns=(\d+)', line)
            check(m and m.group(1) == 'HEADLESS-2' and abs(int(m.group(2)) - 33333333) <= 1,
                  'its feedback names HEADLESS-2 alone with its 33333333 ns period (got %r)'
                  % line)


def new_window_opens_on_the_focused_windows_output():
    """Without a pointer, a new window opens on the output of the focused
    window: after a window went fullscreen on HEADLESS-2, the next one is
    bounded by HEADLESS-2 and presented by it, and HEADLESS-1 stays empty."""
    with harness.Compositor(*OUTPUTS) as comp:
        first = Probe(comp, '--fullscreen', 'HEADLESS-2', '--color', '%06x' % BLUE)
        first.wait_line(r'^done$')
        second = Probe(comp, '--color', '%06x' % GREEN, '--size', '%dx%d' % WIN)
        second.wait_line(r'^done$')
        bounds = [ln for ln in second.lines if ln.startswith('bounds')]
        check(bounds and all(ln == 'bounds %d %d' % SECOND[:2] for ln in bounds),
              'the second window is bounded by HEADLESS-2, %dx%d (got %s)'
              % (SECOND[0], SECOND[1], bounds))
        for line in [ln for ln in second.lines if ln.startswith('presented')]:
            check(re.match(r'presented \d+ sync_output=HEADLESS-2 ', line),
                  'the second window is presented by HEADLESS-2 alone (got %r)' % line)
        expect_all(grim(comp, '-o', 'HEADLESS-1'), BACKGROUND,
                   'HEADLESS-1 while both windows are on HEADLESS-2')


def output_options_are_checked():
    """Bad --output values, --size with --output and a 17th output are
    refused with one line naming the value; an --output without @HZ takes
    --refresh."""
    sealway = harness.program('sealway')
    for args, want in ((['--output=0x480'], "bad output '0x480'"),
                       (['--output=640x480@0'], "bad output '640x480@0'"),
                       (['--output=640x480@60x'], "bad output '640x480@60x'"),
                       (['--size=800x600', '--output=640x480'], '--size and --output'),
                       (['--output=64x64'] * 17, 'at most 16 outputs')):
        res = subprocess.run([sealway, '--backend=headless'] + args, capture_output=True,
                             text=True, timeout=20, env=harness.client_env(
                                 {'XDG_RUNTIME_DIR': '/nonexistent'}))
        lines = res.stderr.strip().splitlines()
        check(res.returncode == 2 and len(lines) == 1 and want in lines[0],
              'sealway %s exits 2 with one line saying %r (got %d: %r)'
              % (' '.join(args[:2]), want, res.returncode, res.stderr.strip()))
    with harness.Compositor('--refresh=50', '--output=320x200', '--output=320x200@75') as comp:
        wl, _ = parse_outputs(wayland_info(comp))
        got = [wl.get(n, {}).get('refresh') for n in ('HEADLESS-1', 'HEADLESS-2')]
        check(got == [50.0, 75.0], 'the outputs refresh at 50 Hz (--refresh) and 75 Hz '
              '(its @75) (got %s)' % got)


if __name__ == '__main__':
    harness.main({f.__name__: f for f in (
        two_outputs_are_listed_left_to_right, grim_captures_each_output,
        feedback_names_the_output_of_the_window, fullscreen_on_the_second_output_covers_it,
        new_window_opens_on_the_focused_windows_output, output_options_are_checked)})
