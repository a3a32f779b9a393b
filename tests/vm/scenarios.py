"""The scenarios the VM rig runs, in order, in one boot.

To add one: write a function taking a Ctx and raising ppm.CheckError (or
using the ctx.expect_* helpers) when the behaviour does not hold, then add a
Scenario(name, needs, function) line to SCENARIOS.  `needs` names the
programs it runs; a scenario whose programs are not built FAILS saying so.
Command lines of the programs under test live in CMD below, in one place.
"""

import os
import re
import sys
import time

import ppm
from ppm import CheckError

WIDTH, HEIGHT = 1024, 768
SOCKET = 'wl-vm'
BACKGROUND = 0x202830
GREEN = 0x00ff00
BLUE = 0x3366cc
MAGENTA = 0xff00ff
# The default arrow's fill; nothing else the scenarios show is pure white.
ARROW_WHITE = 0xffffff
# The first toplevel is placed at (32,32).
WIN_X, WIN_Y = 32, 32

# Every command line of the programs under test; edit here when options change.
CMD = {
    'sealway': 'sealway --backend=drm --socket=%s --mode=%dx%d --log=info'
               % (SOCKET, WIDTH, HEIGHT),
    'shm-green': 'sealway-shm --color ff00ff00 --size 200x150 --frames 0',
    'shm-frames': 'sealway-shm --frames 120',
    'dmabuf': 'sealway-dmabuf --alloc=%(alloc)s --format %(format)s --color %(color)s '
              '--size 200x150 --frames 0',
    'dmabuf-animated': 'sealway-dmabuf --alloc=%(alloc)s --format %(format)s '
                       '--size 200x150 --frames 0',
    'dmabuf-feedback': 'dmabuf-probe feedback',
    # A 200x150 0x3366cc window and a 16x16 magenta cursor surface (hotspot 0,0).
    'dmabuf-cursor': 'dmabuf-probe cursor',
    'keymap': 'keymap-probe',
    'simple-shm': 'weston-simple-shm',
    'wev': 'stdbuf -oL wev',
    'wayland-info': 'wayland-info',
    'kms-probe': 'kms-probe --mode %dx%d --color 3366cc' % (WIDTH, HEIGHT),
    # 200x150 vgem dma-bufs: 0x3366cc shown, then 0xcc6633 behind a write fence
    # signalled on SIGUSR1 (at the latest after 9 s; vgem's own limit is 10 s).
    'vgem-fence': 'vgem-fence --old 3366cc --new cc6633 --signal-after-ms 9000',
    # A second client that animates while the fence is pending.
    'shm-beside-fence': 'sealway-shm --frames 30 --size 120x90',
}


class Scenario:
    def __init__(self, name, needs, func):
        self.name = name
        self.needs = needs
        self.func = func
        self.doc = (func.__doc__ or '').strip().splitlines()[0] if func.__doc__ else ''


class Ctx:
    """What a scenario can do: run things in the guest, look at the screen,
    type and move the mouse."""

    def __init__(self, vm, artdir):
        self.vm = vm
        self.artdir = artdir
        self.notes = []
        self.running = []   # spawned programs expected to keep running

    # -- guest ---------------------------------------------------------
    def run(self, script, timeout=30):
        return self.vm.run(script, timeout)

    def sh(self, script, timeout=30, what=None):
        """Runs script, which must succeed; returns its output."""
        r = self.vm.run(script, timeout)
        if r.rc != 0:
            raise CheckError('%s: exit status %d: %s'
                             % (what or script.splitlines()[0], r.rc, tail(r.out)))
        return r.out

    def spawn(self, name, cmd):
        self.running.append(name)
        return int(self.sh("spawn %s '%s'" % (name, cmd.replace("'", "'\\''"))).strip())

    def log(self, name):
        return self.vm.run('cat /tmp/rig/%s.log' % name).out

    def waitlog(self, name, pattern, timeout=30):
        r = self.vm.run("waitlog %s '%s' %d" % (name, pattern, timeout), timeout + 10)
        if r.rc != 0:
            raise CheckError('%s; its log: %s' % (r.out.strip(), tail(self.log(name))))

    def waitexit(self, name, timeout=30):
        if name in self.running:
            self.running.remove(name)
        r = self.vm.run('waitexit %s %d' % (name, timeout), timeout + 10)
        if r.rc != 0:
            raise CheckError('%s still running after %d s; its log: %s'
                             % (name, timeout, tail(self.log(name))))
        return int(r.out.strip())

    def check_running(self):
        """Fails if a spawned program that should still run has ended."""
        if not self.running:
            return
        out = self.vm.run('for n in %s; do [ -e /tmp/rig/$n.rc ] && echo $n $(cat /tmp/rig/$n.rc); '
                          'done; true' % ' '.join(self.running)).out.split()
        if out:
            name, rc = out[0], int(out[1])
            self.running.remove(name)
            raise CheckError('%s ended early, %s; its log: %s'
                             % (name, describe_status(rc), tail(self.log(name))))

    def signal(self, name, sig='TERM'):
        self.sh('kill -%s $(cat /tmp/rig/%s.pid)' % (sig, name))

    def start_sealway(self, extra='', client=None, env=''):
        """Starts the compositor on the DRM device, waits until it listens."""
        cmd = env + CMD['sealway'] + (' ' + extra if extra else '')
        if client:
            cmd += ' -- ' + client
        self.spawn('sealway', cmd)
        self.waitlog('sealway', 'listening on', 60)

    def client_env(self):
        return 'WAYLAND_DISPLAY=%s ' % SOCKET

    def expect_exit(self, name, status, timeout=20):
        rc = self.waitexit(name, timeout)
        if rc != status:
            raise CheckError('%s ended with %s, want exit status %d; its log: %s'
                             % (name, describe_status(rc), status, tail(self.log(name))))

    # -- host side: screen and input -------------------------------------
    def dump(self, label):
        return self.vm.screendump(os.path.join(self.artdir, label + '.ppm'))

    def wait_screen(self, check, label, timeout=30):
        """Takes screendumps until check(img) raises no CheckError."""
        deadline = time.monotonic() + timeout
        while True:
            img = self.vm.screendump()
            try:
                check(img)
                self.check_running()
                img.save(os.path.join(self.artdir, label + '.ppm'))
                return img
            except CheckError as e:
                self.check_running()
                if time.monotonic() > deadline:
                    img.save(os.path.join(self.artdir, label + '.ppm'))
                    raise CheckError('%s after %d s: %s' % (label, timeout, e))
            time.sleep(0.5)

    def keys(self, *keys):
        self.vm.send_keys(list(keys))

    def mouse_move(self, dx, dy):
        self.vm.mouse_move(dx, dy)

    def click(self, button='left'):
        self.vm.mouse_button(button)

    def pointer_to(self, x, y, within, locate=None):
        """Steers the pointer to within `within` pixels of (x, y) by what the
        screen shows (locate(img) -> (x, y) or None; the arrow by default):
        relative motion is accelerated, so one move cannot be aimed."""
        locate = locate or arrow_at
        for _ in range(15):
            time.sleep(0.5)
            pos = locate(self.vm.screendump())
            if pos is None:
                raise CheckError('no pointer on the screen')
            dx, dy = x - pos[0], y - pos[1]
            if abs(dx) <= within and abs(dy) <= within:
                return pos
            # Half the way: a burst moves about twice as far as its counts.
            self.mouse_move(max(-150, min(150, dx // 2)), max(-150, min(150, dy // 2)))
        raise CheckError('the pointer is at %d,%d, not within %d of %d,%d'
                         % (pos[0], pos[1], within, x, y))

    def fd_count(self, name):
        return int(self.sh('ls /proc/$(cat /tmp/rig/%s.pid)/fd | wc -l' % name).strip())


def describe_status(rc):
    if rc > 128:
        names = {6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM'}
        return 'killed by signal %d (%s)' % (rc - 128, names.get(rc - 128, '?'))
    return 'exit status %d' % rc


def tail(text, n=12):
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    if not lines:
        return '(empty)'
    return '\n'.join(lines[-n:])


# -- reusable checks ------------------------------------------------------

def window_shows(colour, w, h, tolerance=0):
    def check(img):
        ppm.expect_size(img, WIDTH, HEIGHT)
        ppm.expect_rect(img, (WIN_X, WIN_Y, WIN_X + w, WIN_Y + h), colour, tolerance)
    return check


def background_around(img, w, h):
    """The background colour in strips around a window at (32,32) of w x h,
    keeping away from the middle of the screen where a cursor may be."""
    for rect in ((0, 0, WIDTH, WIN_Y),                       # above
                 (0, 0, WIN_X, HEIGHT),                      # left
                 (0, HEIGHT - 64, WIDTH, HEIGHT),            # bottom
                 (WIDTH - 64, 0, WIDTH, HEIGHT),             # right
                 (WIN_X + w, WIN_Y, WIN_X + w + 200, WIN_Y + h),   # right of it
                 (WIN_X, WIN_Y + h, WIN_X + w, WIN_Y + h + 100)):  # below it
        ppm.expect_rect(img, rect, BACKGROUND)


def text_console(img):
    """The VT's text console: mostly black, no compositor background."""
    ppm.expect_size(img, WIDTH, HEIGHT)
    bg = img.fraction(BACKGROUND)
    black = img.fraction(0x000000)
    if bg > 0.01 or black < 0.8:
        raise CheckError('not the text console: %.1f%% black, %.1f%% compositor background'
                         % (black * 100, bg * 100))


def find_colour(img, colour):
    """The top-most, then left-most pixel of exactly `colour`, or None."""
    needle = bytes(((colour >> 16) & 0xff, (colour >> 8) & 0xff, colour & 0xff))
    i = img.data.find(needle)
    while i >= 0 and i % 3:
        i = img.data.find(needle, i + 1)
    if i < 0:
        return None
    return ((i // 3) % img.width, (i // 3) // img.width)


def arrow_at(img):
    """The pointer's position from the default arrow, whose first white
    pixel is one right of and two below its tip; None without an arrow."""
    p = find_colour(img, ARROW_WHITE)
    return None if p is None else (p[0] - 1, p[1] - 2)


def compositor_picture(img):
    ppm.expect_size(img, WIDTH, HEIGHT)
    ppm.expect_pixel(img, 2, 2, BACKGROUND)
    ppm.expect_pixel(img, WIDTH - 3, HEIGHT - 3, BACKGROUND)


# -- rig scenarios (no compositor needed) -----------------------------------

def rig_devices(t):
    """DRM, udmabuf and dma-heap devices exist; the display is the expected size"""
    out = t.sh('''
for d in /dev/dri/card0 /dev/udmabuf /dev/dma_heap/system; do
	[ -c $d ] || { echo "$d is missing"; exit 1; }
done
echo driver=$(basename $(readlink /sys/class/drm/card0/device/driver))
echo kbd=$(input_event keyboard) mouse=$(input_event mouse)
ls /run/udev/data
''', what='devices')
    if 'driver=bochs-drm' not in out:
        raise CheckError('card0 is not driven by bochs-drm: %s' % out.strip())
    if not re.search(r'kbd=/dev/input/event\d+ mouse=/dev/input/event\d+', out):
        raise CheckError('no keyboard and mouse event devices: %s' % out.strip())
    img = t.dump('console')
    ppm.expect_size(img, WIDTH, HEIGHT)


def rig_input(t):
    """Keys and mouse motion sent over QMP reach the guest's evdev devices"""
    t.spawn('kbd', 'cat $(input_event keyboard)')
    t.spawn('mouse', 'cat $(input_event mouse)')
    time.sleep(0.5)
    t.keys('a')
    t.mouse_move(10, 5)
    time.sleep(1)
    out = t.sh('stat -c "%n %s" /tmp/rig/kbd.log /tmp/rig/mouse.log')
    sizes = dict(line.split() for line in out.strip().splitlines())
    # struct input_event is 24 bytes; a key press+release with scan codes
    # and SYN reports is 6 events, a motion 3.
    if int(sizes['/tmp/rig/kbd.log']) < 4 * 24:
        raise CheckError('keyboard delivered %s bytes, want >= 96' % sizes['/tmp/rig/kbd.log'])
    if int(sizes['/tmp/rig/mouse.log']) < 2 * 24:
        raise CheckError('mouse delivered %s bytes, want >= 48' % sizes['/tmp/rig/mouse.log'])


def rig_kms(t):
    """A dumb-buffer modeset by kms-probe is what the screendump shows"""
    t.spawn('kms-probe', CMD['kms-probe'])
    t.waitlog('kms-probe', 'kms-probe: driver=', 30)
    t.wait_screen(lambda img: (ppm.expect_size(img, WIDTH, HEIGHT),
                               ppm.expect_rect(img, (0, 0, WIDTH, HEIGHT), 0x3366cc)),
                  'probe', 20)
    t.signal('kms-probe')
    t.expect_exit('kms-probe', 0)
    t.wait_screen(text_console, 'console-after', 20)


# -- compositor scenarios -----------------------------------------------------

def shm_green(t, extra='', api='atomic'):
    t.start_sealway(extra, client=CMD['shm-green'])
    img = t.wait_screen(window_shows(GREEN, 200, 150), 'green', 60)
    background_around(img, 200, 150)
    # bochs-drm offers atomic KMS, so that is the default.
    if not re.search(r'\b%s\b' % api, t.log('sealway')):
        raise CheckError("sealway's log never names the %s KMS API it should use" % api)
    t.signal('sealway')
    t.expect_exit('sealway', 0)


def drm_shm(t):
    """sealway-shm's opaque green 200x150 at (32,32) on 0x202830, atomic KMS"""
    shm_green(t)


def drm_shm_legacy(t):
    """The same picture with --kms=legacy"""
    shm_green(t, '--kms=legacy', 'legacy')


def animates_in_window(t, client, width, height):
    """Runs sealway with `client`; two screendumps a second apart differ, and
    only inside the client's width x height window at the first position."""
    t.start_sealway(client=client)
    rect = (WIN_X, WIN_Y, WIN_X + width, WIN_Y + height)

    def drawn(img):
        compositor_picture(img)
        if img.fraction(BACKGROUND, rect) > 0.5:
            raise CheckError('the window area is still mostly background')
    t.wait_screen(drawn, 'first', 60)
    a = t.dump('a')
    time.sleep(1)
    b = t.dump('b')
    ppm.expect_diff_inside(a, b, rect)
    t.signal('sealway')
    t.expect_exit('sealway', 0)


def drm_simple_shm(t):
    """weston-simple-shm animates inside its 250x250 window and nowhere else"""
    animates_in_window(t, CMD['simple-shm'], 250, 250)


def drm_input(t):
    """A key press and pointer motion injected over QMP reach wev"""
    t.start_sealway()
    t.spawn('wev', t.client_env() + CMD['wev'])

    def mapped(img):
        compositor_picture(img)
        if img.pixel(WIN_X + 50, WIN_Y + 50) == BACKGROUND:
            raise CheckError('no wev window at %d,%d' % (WIN_X + 50, WIN_Y + 50))
    t.wait_screen(mapped, 'wev', 60)
    # Bring the pointer over the window (it starts somewhere unknown), then
    # move it in small steps: QEMU's PS/2 mouse merges motion the guest has
    # not read yet, so one burst may arrive as a single event (the enter).
    for _ in range(10):
        t.mouse_move(-100, -100)
    t.mouse_move(100, 100)
    time.sleep(0.5)
    for _ in range(5):
        t.mouse_move(4, 3)
        time.sleep(0.2)
    t.keys('a')
    deadline = time.monotonic() + 20
    while True:
        out = t.log('wev')
        key = re.search(r'wl_keyboard\] key:', out)
        motion = re.search(r'wl_pointer\] motion:', out)
        if key and motion:
            break
        if time.monotonic() > deadline:
            raise CheckError('wev saw %s; its log: %s'
                             % (' and '.join(filter(None, [
                                 'no wl_keyboard key' if not key else '',
                                 'no wl_pointer motion' if not motion else ''])),
                                tail(out, 20)))
        time.sleep(1)
    t.signal('sealway')
    t.expect_exit('sealway', 0)


def drm_keymap(t):
    """The keyboard's keymap arrives as a read-only fd on a sealed memfd holding an XKB keymap"""
    t.start_sealway()
    out = t.sh(t.client_env() + CMD['keymap'], what='keymap-probe')
    if out.strip().splitlines()[-1:] != ['ok']:
        raise CheckError('keymap-probe: %s' % tail(out))
    t.signal('sealway')
    t.expect_exit('sealway', 0)


def drm_ctrl_alt_backspace(t):
    """Ctrl+Alt+Backspace ends sealway with status 0 and gives back the text console"""
    t.start_sealway(client=CMD['shm-green'])
    t.wait_screen(window_shows(GREEN, 200, 150), 'before', 60)
    t.keys('ctrl', 'alt', 'backspace')
    t.expect_exit('sealway', 0, 20)
    t.wait_screen(text_console, 'after', 20)


def drm_sigterm(t):
    """SIGTERM ends sealway with status 0 and gives back the text console"""
    t.start_sealway(client=CMD['shm-green'])
    t.wait_screen(window_shows(GREEN, 200, 150), 'before', 60)
    t.signal('sealway')
    t.expect_exit('sealway', 0, 20)
    t.wait_screen(text_console, 'after', 20)


def drm_vt_switch(t):
    """Ctrl+Alt+F2 shows the other VT and pauses rendering; Ctrl+Alt+F1 repaints the same picture"""
    t.start_sealway(client=CMD['shm-green'])
    before = t.wait_screen(window_shows(GREEN, 200, 150), 'before', 60)
    time.sleep(1)
    before = t.dump('before')
    t.keys('ctrl', 'alt', 'f2')
    t.wait_screen(text_console, 'away', 20)
    t.sh('[ "$(cat /sys/class/tty/tty0/active)" = tty2 ]', what='tty2 is the active VT')
    # sealway says it stopped rendering when its session was disabled.
    t.waitlog('sealway', 'rendering paused', 20)
    time.sleep(1)
    t.keys('ctrl', 'alt', 'f1')
    t.waitlog('sealway', 'full repaint', 20)
    t.wait_screen(lambda img: ppm.expect_same(before, img), 'back', 20)
    # The keyboard was given back too: its keys still reach sealway.
    time.sleep(0.5)
    t.keys('ctrl', 'alt', 'backspace')
    t.expect_exit('sealway', 0)


def drm_presentation(t):
    """Presentation feedback of 120 page-flipped frames comes at the mode's rate"""
    t.start_sealway()
    out = t.sh('t0=$(uptime_s); %s%s; rc=$?; echo "elapsed $t0 $(uptime_s)"; exit $rc'
               % (t.client_env(), CMD['shm-frames']), timeout=60, what='sealway-shm --frames 120')
    m = re.search(r'presented=(\d+) discarded=(\d+).*refresh_ns=(\d+)', out)
    e = re.search(r'elapsed (\S+) (\S+)', out)
    if not m:
        raise CheckError('no presentation statistics line from sealway-shm: %s' % tail(out))
    presented, discarded, refresh_ns = (int(v) for v in m.groups())
    # Time the frames by the client's own log stamps (CLOCK_MONOTONIC), from
    # its first line (window set up) to its last (statistics at exit), which
    # leaves out the client's start-up; the guest's uptime is the fallback.
    stamps = [float(v) for v in re.findall(r'^\[sealway-shm\s+(\d+\.\d+) ', out, re.M)]
    if len(stamps) >= 2 and stamps[-1] > stamps[0]:
        seconds = stamps[-1] - stamps[0]
    else:
        seconds = float(e.group(2)) - float(e.group(1))
    rate = presented / seconds if seconds > 0 else 0
    t.notes.append('presented=%d discarded=%d refresh_ns=%d in %.2f s = %.1f Hz'
                   % (presented, discarded, refresh_ns, seconds, rate))
    if presented < 100:
        raise CheckError('only %d of 120 frames presented (%d discarded)' % (presented, discarded))
    if not 1e9 / 80 <= refresh_ns <= 1e9 / 30:
        raise CheckError('refresh_ns=%d is not the refresh of a 30..80 Hz mode' % refresh_ns)
    # Loose bounds around the mode's rate (24..75 Hz for a 60 Hz mode): no
    # faster than the flips allow, and not much slower even though the
    # emulated CPU is slow and the host may be busy.
    mode_hz = 1e9 / refresh_ns
    if not 0.4 * mode_hz <= rate <= 1.25 * mode_hz:
        raise CheckError('%d frames presented in %.2f s = %.1f Hz, want %.1f..%.1f Hz '
                         'for the %.2f Hz mode' % (presented, seconds, rate, 0.4 * mode_hz,
                                                  1.25 * mode_hz, mode_hz))
    t.signal('sealway')
    t.expect_exit('sealway', 0)


def dmabuf(alloc, fmt, colour, tolerance):
    def scenario(t):
        client = CMD['dmabuf'] % {'alloc': alloc, 'format': fmt, 'color': 'ff%06x' % colour}
        t.start_sealway(client=client)
        img = t.wait_screen(window_shows(colour, 200, 150, tolerance), 'picture', 60)
        background_around(img, 200, 150)
        t.signal('sealway')
        t.expect_exit('sealway', 0)
    scenario.__doc__ = ('sealway-dmabuf %s %s shows its colour%s'
                        % (alloc, fmt, ' within %d' % tolerance if tolerance else ' exactly'))
    return scenario


def dmabuf_animated(alloc, fmt):
    def scenario(t):
        # The client rewrites its dma-buf between frames: the picture follows, only there.
        animates_in_window(t, CMD['dmabuf-animated'] % {'alloc': alloc, 'format': fmt},
                           200, 150)
    scenario.__doc__ = ('sealway-dmabuf %s %s animates inside its window and nowhere else'
                        % (alloc, fmt))
    return scenario


def drm_dmabuf_feedback(t):
    """The v4 feedback table on the DRM backend: read-only, sealed, 16-byte LINEAR entries"""
    t.start_sealway()
    out = t.sh(t.client_env() + CMD['dmabuf-feedback'], what='dmabuf-probe feedback')
    lines = [ln for ln in out.splitlines() if ln.strip()]
    if not lines or lines[-1].strip() != 'ok':
        raise CheckError('dmabuf-probe feedback did not end with ok: %s' % tail(out))
    t.signal('sealway')
    t.expect_exit('sealway', 0)


def drm_dmabuf_info(t):
    """wayland-info lists zwp_linux_dmabuf_v1 and its formats"""
    t.start_sealway()
    out = t.sh(t.client_env() + CMD['wayland-info'], what='wayland-info')
    if 'zwp_linux_dmabuf_v1' not in out:
        raise CheckError('wayland-info does not list zwp_linux_dmabuf_v1: %s' % tail(out))
    for code in ('XR24', 'AR24', 'NV12'):
        if "'%s'" % code not in out:
            raise CheckError("wayland-info lists no '%s' dma-buf format" % code)
    t.signal('sealway')
    t.expect_exit('sealway', 0)


def drm_cursor_surface(t):
    """A client's dma-buf cursor surface replaces the arrow over its window; destroyed while set, the arrow is back"""
    t.start_sealway()
    t.spawn('cursor', t.client_env() + CMD['dmabuf-cursor'])
    t.wait_screen(window_shows(BLUE, 200, 150), 'window', 60)

    def arrow_or_client_cursor(img):
        return arrow_at(img) or find_colour(img, MAGENTA)
    t.pointer_to(WIN_X + 100, WIN_Y + 75, 50, arrow_or_client_cursor)
    t.waitlog('cursor', 'cursor-set', 20)

    def client_cursor(img):
        p = find_colour(img, MAGENTA)
        if p is None:
            raise CheckError('no magenta cursor surface on the screen')
        ppm.expect_rect(img, (p[0], p[1], p[0] + 16, p[1] + 16), MAGENTA)
        if find_colour(img, ARROW_WHITE):
            raise CheckError('the arrow is drawn as well')
    t.wait_screen(client_cursor, 'client-cursor', 20)
    t.signal('cursor', 'USR1')
    t.waitlog('cursor', 'cursor-destroyed', 20)

    def arrow_back(img):
        if find_colour(img, MAGENTA):
            raise CheckError('the destroyed cursor surface is still drawn')
        if arrow_at(img) is None:
            raise CheckError('no arrow')
    t.wait_screen(arrow_back, 'arrow-back', 20)
    t.signal('cursor')
    t.expect_exit('cursor', 0)
    t.signal('sealway')
    t.expect_exit('sealway', 0)


def drm_click_raise(t):
    """A click on the lower of two overlapping toplevels raises it and gives it the keyboard"""
    t.start_sealway()
    t.spawn('wev', t.client_env() + CMD['wev'])   # 640x480 at (32,32)

    def wev_mapped(img):
        compositor_picture(img)
        if img.pixel(WIN_X + 50, WIN_Y + 50) == BACKGROUND:
            raise CheckError('no wev window')
    t.wait_screen(wev_mapped, 'wev', 60)
    t.spawn('green', t.client_env() + CMD['shm-green'])   # 200x150 at (64,64), on top
    green = (WIN_X + 32, WIN_Y + 32, WIN_X + 232, WIN_Y + 182)
    t.wait_screen(lambda img: ppm.expect_rect(img, green, GREEN), 'green-on-top', 60)
    t.waitlog('wev', 'wl_keyboard. leave', 20)
    # Over wev, well away from the green window, then click.
    t.pointer_to(480, 380, 80)
    t.click()

    def wev_on_top(img):
        if img.fraction(GREEN, green) > 0.01:
            raise CheckError('the green toplevel still covers wev')
    t.wait_screen(wev_on_top, 'raised', 20)
    deadline = time.monotonic() + 20
    while True:
        out = t.log('wev')
        leave = out.rfind('wl_keyboard] leave')
        if out.find('wl_keyboard] enter', leave) > 0 and 'wl_pointer] button' in out:
            break
        if time.monotonic() > deadline:
            raise CheckError('wev got no pointer button and keyboard enter after its '
                             'leave; its log: %s' % tail(out, 20))
        time.sleep(0.5)
    t.signal('sealway')
    t.expect_exit('sealway', 0)


def drm_fatal_signal(t):
    """kill -SEGV: sealway dies of the signal and the text console comes back"""
    # ASan would report the sent SIGSEGV as a crash; let it die as a plain build does.
    t.start_sealway(client=CMD['shm-green'],
                    env='ASAN_OPTIONS=${ASAN_OPTIONS}:handle_segv=0 ')
    t.wait_screen(window_shows(GREEN, 200, 150), 'before', 60)
    t.signal('sealway', 'SEGV')
    t.expect_exit('sealway', 128 + 11, 20)
    t.wait_screen(text_console, 'after', 20)


def drm_mode_800x600(t):
    """--mode=800x600 is honoured: an 800x600 picture, and the 1024x768 console after exit"""
    t.start_sealway('--mode=800x600', client=CMD['shm-green'])

    def picture(img):
        ppm.expect_size(img, 800, 600)
        ppm.expect_rect(img, (WIN_X, WIN_Y, WIN_X + 200, WIN_Y + 150), GREEN)
        ppm.expect_pixel(img, 797, 597, BACKGROUND)
    t.wait_screen(picture, 'picture', 60)
    if not re.search(r'mode 800x600@', t.log('sealway')):
        raise CheckError("sealway's log does not name the 800x600 mode")
    t.signal('sealway')
    t.expect_exit('sealway', 0)
    t.wait_screen(text_console, 'console-after', 20)


def drm_dmabuf_disconnect(t):
    """A udmabuf client killed mid-animation: sealway runs on, its fds back to the baseline"""
    t.start_sealway()
    time.sleep(1)   # input devices are opened just after start
    base = t.fd_count('sealway')
    t.spawn('dmabuf', t.client_env() + CMD['dmabuf-animated']
            % {'alloc': 'udmabuf', 'format': 'XRGB8888'})
    rect = (WIN_X, WIN_Y, WIN_X + 200, WIN_Y + 150)

    def drawn(img):
        compositor_picture(img)
        if img.fraction(BACKGROUND, rect) > 0.5:
            raise CheckError('the window area is still mostly background')
    t.wait_screen(drawn, 'first', 60)
    a = t.dump('a')
    time.sleep(0.5)
    ppm.expect_diff_inside(a, t.dump('b'), rect)
    during = t.fd_count('sealway')
    t.signal('dmabuf', 'KILL')
    t.waitexit('dmabuf')
    t.wait_screen(lambda img: ppm.expect_rect(img, rect, BACKGROUND), 'gone', 20)
    deadline = time.monotonic() + 10
    while True:
        after = t.fd_count('sealway')
        if after <= base:
            break
        if time.monotonic() > deadline:
            raise CheckError('sealway has %d fds, %d before the client came (%d with it)'
                             % (after, base, during))
        time.sleep(0.5)
    t.notes.append('sealway fds: %d before, %d with the client, %d after' % (base, during, after))
    t.check_running()
    t.signal('sealway')
    t.expect_exit('sealway', 0)


def client_rate(out, prog):
    """Frames presented per second by a client, timed by its log stamps
    (first line to the statistics at exit); (presented, seconds, rate)."""
    m = re.search(r'presented=(\d+)', out)
    stamps = [float(v) for v in re.findall(r'^\[%s\s+(\d+\.\d+) ' % re.escape(prog), out, re.M)]
    if not m or len(stamps) < 2 or stamps[-1] <= stamps[0]:
        raise CheckError('no statistics or log stamps from %s: %s' % (prog, tail(out)))
    seconds = stamps[-1] - stamps[0]
    return int(m.group(1)), seconds, int(m.group(1)) / seconds


VGEM_OLD, VGEM_NEW = 0x3366cc, 0xcc6633
# Generous for software emulation; the loop blocked on the fence gives 0.
FENCE_MIN_RATE = 12


def drm_dmabuf_late_fence(t):
    """A dma-buf committed before its write fence signals: another client keeps its frame rate, the old buffer stays until the signal, then the new one shows"""
    t.start_sealway()
    t.spawn('vgem', t.client_env() + CMD['vgem-fence'])
    t.waitlog('vgem', 'old-shown', 60)
    t.wait_screen(window_shows(VGEM_OLD, 200, 150), 'old', 30)
    t.waitlog('vgem', 'fence-attached', 20)
    # The fence is pending from here until SIGUSR1 (or the client's 9 s limit).
    out = t.sh(t.client_env() + CMD['shm-beside-fence'] +
               '; rc=$?; echo "vgem says: $(grep -e fence-signalled -e early-frame '
               '/tmp/rig/vgem.log)"; exit $rc', timeout=40, what='sealway-shm beside the fence')
    presented, seconds, rate = client_rate(out, 'sealway-shm')
    t.notes.append('while the fence was pending, sealway-shm presented %d frames in %.2f s '
                   '= %.1f Hz' % (presented, seconds, rate))
    early = re.search(r'vgem says: (.*)', out).group(1).strip()
    if early:
        raise CheckError('before the other client was done the fenced buffer was used or '
                         'the fence gave up waiting: "%s"; sealway-shm: %s' % (early, tail(out)))
    if presented < 25 or rate < FENCE_MIN_RATE:
        raise CheckError('the other client presented %d frames in %.2f s = %.1f Hz while the '
                         'fence was pending, want >= 25 frames and >= %d Hz'
                         % (presented, seconds, rate, FENCE_MIN_RATE))
    # Its window is gone; what it covered is repainted with the old buffer still.
    t.wait_screen(window_shows(VGEM_OLD, 200, 150), 'still-old', 5)
    still = t.sh('grep -e fence-signalled -e early-frame /tmp/rig/vgem.log; true').strip()
    if still:
        raise CheckError('the fence signalled (or was used) too early for the check: %s' % still)
    t.signal('vgem', 'USR1')
    t.waitlog('vgem', 'fence-signalled reason=usr1', 10)
    t.wait_screen(window_shows(VGEM_NEW, 200, 150), 'new', 20)
    t.waitlog('vgem', 'new-shown', 10)
    t.notes.append(t.sh('grep new-shown /tmp/rig/vgem.log').strip())
    t.signal('vgem')
    t.expect_exit('vgem', 0)
    t.signal('sealway')
    t.expect_exit('sealway', 0)


COMPOSITOR = ['sealway']
SCENARIOS = [
    Scenario('rig-devices', [], rig_devices),
    Scenario('rig-input', [], rig_input),
    Scenario('rig-kms', ['kms-probe'], rig_kms),
    Scenario('drm-shm', COMPOSITOR + ['sealway-shm'], drm_shm),
    Scenario('drm-simple-shm', COMPOSITOR + ['weston-simple-shm'], drm_simple_shm),
    Scenario('drm-shm-legacy', COMPOSITOR + ['sealway-shm'], drm_shm_legacy),
    Scenario('drm-input', COMPOSITOR + ['wev', 'stdbuf'], drm_input),
    Scenario('drm-keymap', COMPOSITOR + ['keymap-probe'], drm_keymap),
    Scenario('drm-ctrl-alt-backspace', COMPOSITOR + ['sealway-shm'], drm_ctrl_alt_backspace),
    Scenario('drm-sigterm', COMPOSITOR + ['sealway-shm'], drm_sigterm),
    Scenario('drm-vt-switch', COMPOSITOR + ['sealway-shm'], drm_vt_switch),
    Scenario('drm-presentation', COMPOSITOR + ['sealway-shm'], drm_presentation),
    Scenario('drm-dmabuf-udmabuf-xrgb', COMPOSITOR + ['sealway-dmabuf'],
             dmabuf('udmabuf', 'XRGB8888', 0x3366cc, 0)),
    Scenario('drm-dmabuf-heap-argb', COMPOSITOR + ['sealway-dmabuf'],
             dmabuf('dma-heap', 'ARGB8888', 0x3366cc, 0)),
    Scenario('drm-dmabuf-nv12', COMPOSITOR + ['sealway-dmabuf'],
             dmabuf('udmabuf', 'NV12', 0x3060a0, 2)),
    Scenario('drm-dmabuf-udmabuf-animated', COMPOSITOR + ['sealway-dmabuf'],
             dmabuf_animated('udmabuf', 'XRGB8888')),
    Scenario('drm-dmabuf-heap-nv12-animated', COMPOSITOR + ['sealway-dmabuf'],
             dmabuf_animated('dma-heap', 'NV12')),
    Scenario('drm-dmabuf-feedback', COMPOSITOR + ['dmabuf-probe'], drm_dmabuf_feedback),
    Scenario('drm-dmabuf-info', COMPOSITOR + ['wayland-info'], drm_dmabuf_info),
    Scenario('drm-cursor-surface', COMPOSITOR + ['dmabuf-probe'], drm_cursor_surface),
    Scenario('drm-click-raise', COMPOSITOR + ['wev', 'stdbuf', 'sealway-shm'], drm_click_raise),
    Scenario('drm-fatal-signal', COMPOSITOR + ['sealway-shm'], drm_fatal_signal),
    Scenario('drm-mode-800x600', COMPOSITOR + ['sealway-shm'], drm_mode_800x600),
    Scenario('drm-dmabuf-disconnect', COMPOSITOR + ['sealway-dmabuf'], drm_dmabuf_disconnect),
    Scenario('drm-dmabuf-late-fence', COMPOSITOR + ['vgem-fence', 'sealway-shm'],
             drm_dmabuf_late_fence),
]


def run_scenario(sc, vm, available, artdir):
    """Runs one scenario and cleans up after it; returns None or the failure."""
    missing = [p for p in sc.needs if p not in available]
    if missing:
        return ('%s not built or not installed (not in the build dir nor on the host)'
                % ', '.join(missing))
    os.makedirs(artdir, exist_ok=True)
    t = Ctx(vm, artdir)
    err = None
    try:
        sc.func(t)
    except CheckError as e:
        err = str(e)
    finally:
        # Runs even when the rig itself failed, unless the VM is gone.
        if not vm.dead and vm.proc.poll() is None:
            leftovers = vm.run('stopall; sanitizer_reports', 30).out.strip()
            logs = vm.run('for f in /tmp/rig/*.log; do echo "=== $f"; cat "$f"; done; '
                          'rm -f /tmp/rig/*.log /tmp/rig/*.pid /tmp/rig/*.rc '
                          '/run/user/0/wl-* /run/user/0/*.lock; chvt 1', 30).out
            with open(os.path.join(artdir, 'guest-logs.txt'), 'w') as f:
                f.write(logs)
            reports = [ln for ln in leftovers.splitlines() if ln.startswith('/tmp/rig/')]
            if reports and err is None:
                err = 'sanitizer report in %s (see %s)' % (
                    ', '.join(reports), os.path.join(artdir, 'guest-logs.txt'))
    if t.notes:
        with open(os.path.join(artdir, 'notes.txt'), 'w') as f:
            f.write('\n'.join(t.notes) + '\n')
        print('    ' + '; '.join(t.notes), flush=True, file=sys.stderr)
    return err
