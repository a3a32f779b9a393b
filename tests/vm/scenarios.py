"""The scenarios the VM rig runs, in order, in one boot.

To add one: write a function taking a Ctx and raising ppm.CheckError (or
using the ctx.expect_* helpers) when the behaviour does not hold, then add a
Scenario(name, needs, function) line to SCENARIOS.  `needs` names the
programs it runs; a scenario whose programs are not built FAILS saying so.
Command lines of the programs under test live in CMD below, in one place.
"""

import json
import os
import re
import shlex
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
# The unprivileged user of the seatd scenarios (made by guest/init.sh).
USER = 'sw'
USER_RUNTIME_DIR = '/run/user/1000'
# Preloaded to inject faults (tests/vm/fault-preload.c); ASan must then be
# told not to insist on being first in the library list.
FAULT_ENV = ('ASAN_OPTIONS=${ASAN_OPTIONS}:verify_asan_link_order=0 '
             'LD_PRELOAD=/sw/bin/fault-preload.so ')

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
    # The dma-buf families of sealway-probe, attached (fds checked through the pid).
    'probe-dmabuf': 'ASAN_OPTIONS=detect_leaks=0 sealway-probe --format tap --case dmabuf '
                    '--case sent-fds --case pixels.dmabuf-udmabuf --case pixels.dmabuf-heap --pid',
    # A 200x150 0x3366cc window and a 16x16 magenta cursor surface (hotspot 0,0).
    'dmabuf-cursor': 'dmabuf-probe cursor',
    'keymap': 'keymap-probe',
    'simple-shm': 'weston-simple-shm',
    'wev': 'stdbuf -oL wev',
    'wayland-info': 'wayland-info',
    # sealway on the two-head virtio-gpu card (%s: its cardN).
    # QEMU's screendumps leave virtio-gpu's hardware cursor out: no cursor plane there.
    'sealway-vgpu': 'SEALWAY_CURSOR_PLANE=0 sealway --backend=drm --socket=%s '
                    '--drm-device=/dev/dri/%%s --mode=640x480 --log=info' % SOCKET,
    # A 0x3366cc window fullscreen on the output named %s; it leaves its proxies to the
    # connection, so leaks are not its verdict.
    'fullscreen-on': 'ASAN_OPTIONS=detect_leaks=0 output-probe --fullscreen %s --color 3366cc',
    'kms-probe': 'kms-probe --planes --mode %dx%d --color 3366cc' % (WIDTH, HEIGHT),
    'vt-probe': 'vt-probe',
    'seatd': 'seatd -g video -l info',
    # A 200x150 0x3366cc window whose cursor takes INT32_MIN/MAX hotspots and offsets;
    # the probe leaves its proxies to the connection, so leaks are not its verdict.
    'cursor-extremes': 'ASAN_OPTIONS=detect_leaks=0 core-probe cursor-hotspot-extremes',
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
        self.as_user = False   # sealway runs as USER through seatd

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

    def log_size(self, name):
        return int(self.sh('wc -c < /tmp/rig/%s.log' % name).strip())

    def log_since(self, name, mark):
        """What NAME logged after log_size() returned mark."""
        return self.vm.run('tail -c +%d /tmp/rig/%s.log' % (mark + 1, name)).out

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

    def start_sealway(self, extra='', client=None, env='', wait=True):
        """Starts the compositor on the DRM device, waits until it listens."""
        cmd = env + CMD['sealway'] + (' ' + extra if extra else '')
        if client:
            cmd += ' -- ' + client
        if self.as_user:
            cmd = self.user_cmd(cmd, 'LIBSEAT_BACKEND=seatd ')
        self.spawn('sealway', cmd)
        if wait:
            self.waitlog('sealway', 'listening on', 60)

    def user_cmd(self, cmd, env=''):
        """cmd (with VAR=value words before it) run as USER in its own runtime dir."""
        return 'su -s /bin/sh %s -c %s' % (USER, shlex.quote(
            'exec env -u LIBSEAT_BACKEND XDG_RUNTIME_DIR=%s %s%s'
            % (USER_RUNTIME_DIR, env, cmd)))

    def start_seatd(self):
        self.spawn('seatd', CMD['seatd'])
        self.sh('i=0; while [ ! -S /run/seatd.sock ] && [ $i -lt 100 ]; do usleep 100000; '
                'i=$((i + 1)); done; [ -S /run/seatd.sock ]', what='seatd makes its socket')

    def client_env(self):
        if self.as_user:
            return 'XDG_RUNTIME_DIR=%s WAYLAND_DISPLAY=%s ' % (USER_RUNTIME_DIR, SOCKET)
        return 'WAYLAND_DISPLAY=%s ' % SOCKET

    def vt_state(self):
        """The foreground VT's keyboard, display and switching modes."""
        out = self.sh(CMD['vt-probe'], what='vt-probe')
        m = re.search(r'kbmode=(\S+) kdmode=(\S+) vtmode=(\S+)', out)
        if not m:
            raise CheckError('vt-probe said: %s' % tail(out))
        return m.groups()

    def expect_exit(self, name, status, timeout=20):
        rc = self.waitexit(name, timeout)
        if rc != status:
            raise CheckError('%s ended with %s, want exit status %d; its log: %s'
                             % (name, describe_status(rc), status, tail(self.log(name))))

    # -- host side: screen and input -------------------------------------
    def dump(self, label, device=None, head=None):
        return self.vm.screendump(os.path.join(self.artdir, label + '.ppm'), device, head)

    def wait_screen(self, check, label, timeout=30, device=None, head=None):
        """Takes screendumps (of bochs, or of `head` of `device`) until
        check(img) raises no CheckError."""
        deadline = time.monotonic() + timeout
        while True:
            img = self.vm.screendump(device=device, head=head)
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
        # A glob, not ls: ls stats each entry, and fails on one closed meanwhile.
        return int(self.sh('set -- /proc/$(cat /tmp/rig/%s.pid)/fd/*; echo $#' % name).strip())


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
    # What planes the driver has (sealway switches off stray ones at modeset).
    t.notes.extend(ln.strip() for ln in t.log('kms-probe').splitlines() if 'plane' in ln)
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


def console_reads_keys(t):
    """Typed keys reach a reader of the VT: its keyboard works as a console's."""
    t.spawn('console-read', 'head -n 1 /dev/tty1')
    time.sleep(0.5)
    for k in ('o', 'k', 'ret'):
        t.keys(k)
    rc = t.waitexit('console-read', 10)
    if rc != 0 or 'ok' not in t.log('console-read'):
        raise CheckError('keys typed on the console do not reach /dev/tty1 (read: %r)'
                         % t.log('console-read').strip())


def drm_exit_vt_state(t):
    """The VT while sealway runs (no keyboard, graphics, process switching) and after it exits"""
    before = t.vt_state()
    t.start_sealway(client=CMD['shm-green'])
    t.wait_screen(window_shows(GREEN, 200, 150), 'before', 60)
    during = t.vt_state()
    t.signal('sealway')
    t.expect_exit('sealway', 0)
    t.wait_screen(text_console, 'after', 20)
    after = t.vt_state()
    t.notes.append('VT before %s, during %s, after %s'
                   % (' '.join(before), ' '.join(during), ' '.join(after)))
    if during[:2] != ('K_OFF', 'KD_GRAPHICS'):
        raise CheckError('while sealway runs the VT is %s, want K_OFF KD_GRAPHICS'
                         % ' '.join(during))
    if after[:2] != before[:2]:
        raise CheckError('after sealway the VT is %s, before it was %s'
                         % (' '.join(after), ' '.join(before)))
    console_reads_keys(t)


def drm_crash_restores_vt(t):
    """A real SIGSEGV mid-frame, no seat daemon left: sealway's handler gives back the keyboard mode, KD_TEXT and VT_AUTO"""
    kb = t.vt_state()[0]
    # The 20th KMS commit writes through a bad pointer, with sealway-shm's
    # frames on screen. libseat's built-in seat daemon (a child process) is
    # killed first: it would restore the VT itself, so only sealway's crash
    # handler can. ASan is kept out of the way as for a plain build.
    t.start_sealway(client=CMD['shm-frames'],
                    env='ASAN_OPTIONS=${ASAN_OPTIONS}:verify_asan_link_order=0:handle_segv=0 '
                    'LD_PRELOAD=/sw/bin/fault-preload.so SW_FAULT_SEGV_AT_COMMIT=20 '
                    'SW_FAULT_CRASH_ALONE=1 ')
    t.expect_exit('sealway', 128 + 11, 60)
    log = t.log('sealway')
    if 'fault-preload: atomic commit: writing through' not in log or 'killing child' not in log:
        raise CheckError('sealway did not die of the injected fault alone: %s' % tail(log))
    t.wait_screen(text_console, 'after', 20)
    after = t.vt_state()
    t.notes.append('VT keyboard before %s; after the crash %s' % (kb, ' '.join(after)))
    if after != (kb, 'KD_TEXT', 'VT_AUTO'):
        raise CheckError('after the crash the VT is %s, want %s KD_TEXT VT_AUTO'
                         % (' '.join(after), kb))
    console_reads_keys(t)


def drm_commit_busy(t):
    """EBUSY on the first atomic commits: sealway retries (blocking, then next frame) and shows the picture"""
    t.start_sealway(client=CMD['shm-green'], env=FAULT_ENV + 'SW_FAULT_COMMIT=1:3:EBUSY ')
    t.wait_screen(window_shows(GREEN, 200, 150), 'green', 60)
    log = t.log('sealway')
    warned = len(re.findall(r'retrying with a full repaint', log))
    if warned != 1:
        raise CheckError('sealway warns %d times about the failed commits, want once: %s'
                         % (warned, tail(log)))
    if 'works again' not in log:
        raise CheckError('sealway does not say when commits work again: %s' % tail(log))
def drm_cursor_hotspot_extremes(t):
    """A cursor with INT32_MIN/INT32_MAX hotspots and attach offsets, reset on every motion, overflows nothing (UBSan halts on it): the compositor keeps drawing"""
    t.start_sealway()
    t.spawn('probe', t.client_env() + CMD['cursor-extremes'])
    t.wait_screen(window_shows(BLUE, 200, 150), 'window', 60)

    # Over the window the client's cursor is far off the screen: no arrow shows then.
    def arrow_or_inside(img):
        return arrow_at(img) or (WIN_X + 100, WIN_Y + 75)
    t.pointer_to(WIN_X + 100, WIN_Y + 75, 50, arrow_or_inside)
    t.waitlog('probe', 'cursor-set', 20)
    # Every motion over the window sets another extreme hotspot.
    for dx, dy in ((10, 0), (0, 10), (-10, 0), (0, -10)) * 3:
        t.mouse_move(dx, dy)
        time.sleep(0.1)

    def window_without_arrow(img):
        window_shows(BLUE, 200, 150)(img)
        if find_colour(img, ARROW_WHITE):
            raise CheckError('the arrow is drawn over the window whose cursor is set')
    t.wait_screen(window_without_arrow, 'extreme-cursor', 20)
    # Out of the window the arrow is drawn again: the compositor still renders.
    t.pointer_to(WIN_X + 500, WIN_Y + 400, 60, arrow_or_inside)

    def arrow_drawn(img):
        if arrow_at(img) is None:
            raise CheckError('no arrow outside the window')
    t.wait_screen(arrow_drawn, 'arrow-outside', 20)
    t.signal('probe')
    t.expect_exit('probe', 0)
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


def drm_flip_einval_legacy(t):
    """EINVAL on legacy page flips: the frame is retried, not the output given up"""
    # The modeset (drmModeSetCrtc) shows the first frame; flips 1..4 fail.
    t.start_sealway('--kms=legacy', client=CMD['shm-green'],
                    env=FAULT_ENV + 'SW_FAULT_COMMIT=1:4:EINVAL ')
    t.wait_screen(window_shows(GREEN, 200, 150), 'green', 60)
    if 'page flip number 1 fails' not in t.log('sealway'):
        raise CheckError('no page flip failed, so nothing was tested: %s' % tail(t.log('sealway')))
    t.signal('sealway')
    t.expect_exit('sealway', 0)


def drm_output_fails_no_leak(t):
    """The output cannot be created: sealway --backend=drm exits 1 saying so, and leaks nothing"""
    t.start_sealway(env=FAULT_ENV + 'SW_FAULT_NO_OUTPUT=1 ', wait=False)
    t.expect_exit('sealway', 1, 60)
    log = t.log('sealway')
    if 'cannot create the output' not in log:
        raise CheckError('sealway does not say the output could not be created: %s' % tail(log))
    # A leak report in the log fails the scenario (run_scenario looks).


def as_user(func, doc):
    def scenario(t):
        t.as_user = True
        t.start_seatd()
        func(t)
    scenario.__doc__ = doc
    return scenario


def drm_user_no_seat(t):
    """As a user without a seat manager: one line saying what to do; --backend=auto runs headless"""
    env = 'ASAN_OPTIONS=${ASAN_OPTIONS} '
    base = CMD['sealway'].replace('--backend=drm ', '')
    t.spawn('nodrm', t.user_cmd(base + ' --backend=drm', env))
    t.expect_exit('nodrm', 1, 60)
    log = t.log('nodrm')
    lines = [ln for ln in log.splitlines() if ln.strip()]
    advice = [ln for ln in lines if 'seatd' in ln]
    if (len(lines) != 1 or len(advice) != 1 or 'log in on a VT' not in advice[0]):
        raise CheckError('want one line saying to log in on a VT or run seatd, got: %s'
                         % tail(log))
    t.notes.append(advice[0].strip())
    t.spawn('auto', t.user_cmd(base + ' --backend=auto', env))
    t.waitlog('auto', 'listening on', 60)
    log = t.log('auto')
    if not re.search(r'backend: headless, because no seat session.*seatd', log):
        raise CheckError('--backend=auto does not say it runs headless for want of a seat: %s'
                         % tail(log))
    t.signal('auto')
    t.expect_exit('auto', 0)
# -- sealway-bench in the guest ----------------------------------------------

# tests/bench/bench.py checks and tabulates the figures the same way as on the host.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'bench'))
import bench  # noqa: E402

# SEALWAY_VM_BENCH=full runs the benchmark's full sizes and windows (minutes
# under TCG); the default is a short run that checks the same things.
BENCH_FULL = os.environ.get('SEALWAY_VM_BENCH') == 'full'
BENCH_PATH_ALLOCS = ['memfd-sealed', 'udmabuf', 'dma-heap']


def bench_paths(t, backend, frames, size, repeats):
    """Each dma-buf path (and a sealed memfd to compare) under each workload
    through the sealway running as `backend`; the rows of the part 2 table."""
    rows = {}
    for _ in range(repeats):
        for alloc in BENCH_PATH_ALLOCS:
            for wl in bench.WORKLOADS:
                rows.setdefault((alloc, wl), []).append(bench_path(t, backend, frames, size,
                                                                   alloc, wl))
    return rows


def bench_path(t, backend, frames, size, alloc, wl, fullscreen=False):
    """One sealway-bench client run; its figures, or a failure: the devices
    exist here. With sealway at --log=debug, its frame counters too."""
    mark = t.log_size('sealway')
    r = t.run('%ssealway-bench client --alloc %s --workload %s --frames %d --size %s%s '
              '--compositor-pid $(cat /tmp/rig/sealway.pid)'
              % (t.client_env(), alloc, wl, frames, size, ' --fullscreen' if fullscreen else ''),
              240)
    m = bench.CLIENT_RE.search(r.out)
    if r.rc != 0 or not m:
        raise CheckError('sealway-bench client --alloc %s --workload %s on %s: %s, '
                         'want figures (the devices exist here): %s'
                         % (alloc, wl, backend, describe_status(r.rc), tail(r.out)))
    stats = bench.parse_stats(r.out, 'sealway-bench client')
    res = {'frames': int(m.group(3)), 'presented': int(m.group(4)),
           'buffers': int(m.group(5)), 'client_us': float(m.group(7)),
           'comp_us': float(m.group(8)), 'p50_us': stats['p50_us'],
           'p99_us': stats['p99_us']}
    res.update(bench.bytes_per_frame(bench.frame_counters(t.log_since('sealway', mark))))
    return res


def bench_in_vm(t):
    """sealway-bench in the guest: udmabuf and dma-heap measured, their refusals (F_SEAL_WRITE, past size_limit_mb) stated; the dma-buf paths through sealway headless and on DRM"""
    # 20 huge pages (40 MiB) are enough for the largest size, one buffer at a time.
    t.sh('echo 20 > /proc/sys/vm/nr_hugepages', what='reserving huge pages')
    args = '--quick' if BENCH_FULL else '--runs 2 --sizes 4K,1M,1080p'
    out = t.sh('sealway-bench mech --format json ' + args, timeout=900 if BENCH_FULL else 240,
               what='sealway-bench mech')
    with open(os.path.join(t.artdir, 'mech.json'), 'w') as f:
        f.write(out)
    try:
        data = json.loads(out[out.index('{'):])
        bench.check_mech(data)
    except (ValueError, bench.BenchError, KeyError, TypeError) as e:
        raise CheckError('sealway-bench mech output does not hold up: %s' % e)
    for r in data['results']:
        where = '%s at %d bytes' % (r['method'], r['size'])
        if r['method'] in ('udmabuf', 'dma-heap', 'memfd-hugetlb', 'sysv') \
                and not r['over_size_limit'] and r['status'] != 'ok':
            raise CheckError('%s: %s (%s), want figures: the guest has the device, '
                             'huge pages and SysV IPC' % (where, r['status'], r.get('reason')))
        if r['method'] == 'udmabuf-sealwrite' and (r['status'], r.get('refused_step'),
                                                   r.get('errno_name')) != \
                ('refused', 'export', 'EINVAL'):
            raise CheckError('%s: %s at %s (%s), want UDMABUF_CREATE refused with EINVAL'
                             % (where, r['status'], r.get('refused_step'), r.get('errno_name')))
        if r['over_size_limit'] and (r['status'], r.get('errno_name')) != ('refused', 'EINVAL'):
            raise CheckError('%s, past size_limit_mb: %s (%s), want refused with EINVAL'
                             % (where, r['status'], r.get('errno_name')))
    md = ['sealway-bench mech ' + args + ' in the VM (TCG)', '']
    for size in sorted({r['size'] for r in data['results'] if not r['over_size_limit']}):
        if size in (4096, 8294400):
            md += ['### %s' % bench.size_name(size), '', bench.mech_markdown(data, size, True)]
    md += [bench.mech_rates_markdown(data)]

    frames, size, repeats = (30, '1920x1080', 3) if BENCH_FULL else (6, '256x192', 1)
    paths = {}
    t.spawn('sealway', 'sealway --backend=headless --socket=%s --size=1920x1080 --log=debug'
            % SOCKET)
    t.waitlog('sealway', 'listening on', 60)
    paths['headless'] = bench_paths(t, 'headless', frames, size, repeats)
    t.signal('sealway')
    t.expect_exit('sealway', 0)
    t.start_sealway('--log=debug')
    paths['drm'] = bench_paths(t, 'drm', frames, size, repeats)
    t.signal('sealway')
    t.expect_exit('sealway', 0)
    names = ('headless', 'drm')
    try:
        bench.check_paths(paths, names)
    except bench.BenchError as e:
        raise CheckError(str(e))
    settings = {'size': size, 'frames': frames, 'repeats': repeats,
                'output': '1920x1080 / %dx%d' % (WIDTH, HEIGHT)}
    with open(os.path.join(t.artdir, 'paths.json'), 'w') as f:
        json.dump({'settings': settings,
                   'results': {n: {'%s/%s' % k: v for k, v in paths[n].items()} for n in names}},
                  f, indent=1)
    md += ['### Through sealway in the VM (headless, and DRM on bochs at %dx%d)'
           % (WIDTH, HEIGHT), '',
           bench.paths_markdown(paths, names, settings, BENCH_PATH_ALLOCS)]
    with open(os.path.join(t.artdir, 'bench.md'), 'w') as f:
        f.write('\n'.join(md))
    t.notes.append('tables in %s' % os.path.join(t.artdir, 'bench.md'))



# -- window management with the emulated mouse (tests/wm-probe) -------------

WM_FIFO = '/tmp/wm.fifo'
ORANGE = 0xcc6633


def wm_probe(t):
    """wm-probe reading commands from a FIFO that a sleeping writer keeps open."""
    t.sh('rm -f %s; mkfifo %s' % (WM_FIFO, WM_FIFO))
    # wm-probe line-buffers its stdout itself (stdbuf's preload would upset ASan).
    t.spawn('wm', t.client_env() + 'wm-probe < %s' % WM_FIFO)
    t.spawn('wmkeep', 'sleep 100000 > %s' % WM_FIFO)


def wm_send(t, *commands):
    for c in commands:
        t.sh("echo '%s' > %s" % (c, WM_FIFO))


def wm_stop(t):
    t.signal('wmkeep')
    t.waitexit('wmkeep')
    t.signal('sealway')
    t.expect_exit('sealway', 0)


def button(t, down):
    t.vm.qmp_command('input-send-event', events=[
        {'type': 'btn', 'data': {'button': 'left', 'down': down}}])


def drm_move_resize(t):
    """A client's xdg_toplevel.move and .resize on a button press: the window follows the emulated mouse until the release, and resize configures carry resizing"""
    t.start_sealway()
    wm_probe(t)
    wm_send(t, 'toplevel A 300 200 3366cc')
    t.wait_screen(window_shows(BLUE, 300, 200), 'wm-window', 60)
    start = t.pointer_to(WIN_X + 150, WIN_Y + 100, 20)
    wm_send(t, 'onpress move A')
    button(t, True)
    t.waitlog('wm', 'button pressed', 10)
    for _ in range(4):
        t.mouse_move(40, 30)
        time.sleep(0.2)
    time.sleep(0.5)
    end = arrow_at(t.vm.screendump())
    button(t, False)
    if end is None:
        raise CheckError('no pointer on the screen after the drag')
    dx, dy = end[0] - start[0], end[1] - start[1]
    if dx < 40 or dy < 30:
        raise CheckError('the pointer hardly moved: (%d,%d)' % (dx, dy))
    x, y = WIN_X + dx, WIN_Y + dy
    moved = (x, y, x + 300, y + 200)

    def followed(img):
        ppm.expect_rect(img, (x, y, x + 100, y + 60), BLUE)
        ppm.expect_rect(img, (WIN_X, WIN_Y, WIN_X + 20, WIN_Y + 20), BACKGROUND)
    t.wait_screen(followed, 'moved', 10)
    # After the release the window stays where it is.
    t.mouse_move(-60, -60)
    time.sleep(0.5)
    followed(t.vm.screendump())
    # Now resize from the bottom-right corner.
    t.pointer_to(moved[2] - 6, moved[3] - 6, 4)
    wm_send(t, 'onpress resize A 10')
    button(t, True)
    t.waitlog('wm', 'A configure [0-9]* [0-9]* .*resizing', 10)
    for _ in range(3):
        t.mouse_move(30, 20)
        time.sleep(0.2)
    time.sleep(0.5)
    button(t, False)
    log = t.log('wm')
    sizes = [(int(a), int(b)) for a, b, s in re.findall(r'A configure (\d+) (\d+) (\S+)', log)
             if 'resizing' in s]
    if not sizes or max(w for w, _ in sizes) <= 300 or max(h for _, h in sizes) <= 200:
        raise CheckError('resize configures with resizing grow the window beyond 300x200; '
                         'got %s' % sizes)
    t.waitlog('wm', 'A configure [0-9]* [0-9]* activated$', 10)
    w, h = sizes[-1]
    # Short of the bottom-right corner, where the arrow is.
    t.wait_screen(lambda img: ppm.expect_rect(img, (x, y, x + w - 30, y + h - 30), BLUE),
                  'resized', 10)
    wm_stop(t)


def drm_popups(t):
    """A popup stays above its parent when the parent is clicked; a grabbing popup gets popup_done on a click outside its client"""
    t.start_sealway()
    wm_probe(t)
    wm_send(t, 'toplevel A 300 200 3366cc')
    t.wait_screen(window_shows(BLUE, 300, 200), 'wm-window', 60)
    # At (42,42)-(142,92) of the screen, over A.
    wm_send(t, 'popup Q A 10 10 100 50 cc6633 0')
    popup = (WIN_X + 10, WIN_Y + 10, WIN_X + 110, WIN_Y + 60)
    t.wait_screen(lambda img: ppm.expect_rect(img, popup, ORANGE), 'popup', 20)
    t.pointer_to(WIN_X + 200, WIN_Y + 150, 20)
    t.click()
    t.waitlog('wm', 'button released', 10)
    time.sleep(0.5)
    t.wait_screen(lambda img: ppm.expect_rect(img, popup, ORANGE), 'popup-after-click', 5)
    wm_send(t, 'destroy Q', 'popup P A 10 10 100 50 cc6633 0 grab')
    t.wait_screen(lambda img: ppm.expect_rect(img, popup, ORANGE), 'grab-popup', 20)
    # Outside the client: on the background.
    t.pointer_to(WIDTH - 200, HEIGHT - 150, 40)
    t.click()
    t.waitlog('wm', 'P popup_done', 10)
    t.wait_screen(lambda img: ppm.expect_rect(img, popup, BLUE), 'popup-dismissed', 10)
    wm_stop(t)


# -- vkms: the card that imports dma-bufs, has a vblank and CRCs -------------
# vkms composes in the kernel every vblank while a CRC is read: at 640x480 it
# keeps up under software emulation, at 1024x768 it does not.
VKMS_W, VKMS_H = 640, 480
VKMS = ['vkms', 'vkms-probe']
# The compositor on the vkms card, picked by driver name through lib.sh.
VKMS_SEALWAY = ('SEALWAY_DRM_DEVICE=$(card_of vkms) sealway --backend=drm --socket=%s '
                '--mode=%dx%d --log=info' % (SOCKET, VKMS_W, VKMS_H))


def vkms_crc(t, what):
    """The CRC of the frame the vkms CRTC shows now (of a frame at least 3
    vblanks after the request, so the last commit is in it)."""
    out = t.sh('vkms-probe crc', 40, what='CRC of %s' % what)
    m = re.search(r'crc frame=(\d+) crc=(0x[0-9a-f]+)', out)
    if not m:
        raise CheckError('no CRC of %s: %s' % (what, tail(out)))
    return m.group(2)


def vkms_show(t, name, args):
    """Starts `vkms-probe show ARGS` as NAME; returns once it is on screen."""
    t.spawn(name, 'vkms-probe show --mode %dx%d %s' % (VKMS_W, VKMS_H, args))
    t.waitlog(name, 'vkms-probe: shown', 20)


def vkms_stop(t, name):
    t.signal(name)
    t.expect_exit(name, 0)


def vkms_reference(t, args):
    """The CRC of dumb buffers showing ARGS (vkms-probe show options): what a
    frame with exactly those pixels gives."""
    vkms_show(t, 'reference', '--buffers dumb ' + args)
    crc = vkms_crc(t, 'the reference ' + args)
    vkms_stop(t, 'reference')
    return crc


def vkms_start_sealway(t, extra='', env=''):
    """Starts the compositor on the vkms card at VKMS_W x VKMS_H; waits until
    it listens."""
    t.spawn('sealway', env + VKMS_SEALWAY + (' ' + extra if extra else ''))
    t.waitlog('sealway', 'listening on', 60)


def rig_vkms(t):
    """vkms is loaded beside bochs: its card, planes (1 primary, 8 overlay, 1 cursor,
    all with IN_FORMATS), caps and debugfs CRC files"""
    out = t.sh('echo bochs=$(card_of bochs-drm) vkms=$(card_of vkms) '
               'debugfs=$(dri_debugfs vkms); cat $(dri_debugfs vkms)/name; '
               'ls $(dri_debugfs vkms)/crtc-0/crc; vkms-probe info', what='vkms-probe info')
    t.notes.append(' '.join(out.split()[:3]))
    if not re.search(r'bochs=/dev/dri/card0 ', out):
        raise CheckError('bochs is not card0: %s' % tail(out))
    if not re.search(r'vkms=/dev/dri/card\d+ ', out) or 'driver=vkms' not in out:
        raise CheckError('no vkms card: %s' % tail(out))
    if 'control' not in out or 'data' not in out:
        raise CheckError('no crc/control and crc/data in the vkms debugfs: %s' % tail(out))
    planes = re.findall(r'plane \d+ type=(\w+) in_formats=(\S+)', out)
    count = {k: sum(1 for p in planes if p[0] == k) for k in ('primary', 'overlay', 'cursor')}
    if count != {'primary': 1, 'overlay': 8, 'cursor': 1} or len(planes) != 10:
        raise CheckError('planes %s, want 1 primary, 8 overlay, 1 cursor' % count)
    for kind, formats in planes:
        if 'XR24:linear' not in formats.split(',') or 'AR24:linear' not in formats.split(','):
            raise CheckError('a %s plane lacks XR24 or AR24 (linear) in IN_FORMATS: %s'
                             % (kind, formats))
    for cap in ('DUMB_BUFFER=1', 'PRIME=3', 'TIMESTAMP_MONOTONIC=1', 'CRTC_IN_VBLANK_EVENT=1',
                'ADDFB2_MODIFIERS=1', 'ASYNC_PAGE_FLIP=0'):
        if 'cap %s' % cap not in out:
            raise CheckError('want cap %s: %s' % (cap, tail(out, 20)))
    for cap in ('UNIVERSAL_PLANES', 'ATOMIC', 'WRITEBACK_CONNECTORS'):
        if 'client-cap %s=yes' % cap not in out:
            raise CheckError('client cap %s refused' % cap)
    # Connector type ids count across cards: bochs has Virtual-1.
    if not re.search(r'connector Virtual-\d+ connected', out) or \
            not re.search(r'connector Writeback-\d+ ', out):
        raise CheckError('want a connected Virtual and a Writeback connector: %s'
                         % tail(out, 20))


# Mode period of 640x480@60 is 16.68 ms; the timestamps are the hrtimer's.
PACING_US = (16333, 17000)


def vkms_pacing(t):
    """120 page flips on vkms, CRC off: flip event timestamps ~16.67 ms apart (median)"""
    out = t.sh('vkms-probe pacing --mode %dx%d --flips 120' % (VKMS_W, VKMS_H), 60,
               what='vkms-probe pacing')
    m = re.search(r'flips=(\d+) median_interval_us=(\d+) min_us=(\d+) max_us=(\d+) '
                  r'seq_steps_of_one=(\d+)/(\d+) vblank_period_us=([\d.]+) '
                  r'mode_period_us=([\d.]+)', out)
    if not m:
        raise CheckError('vkms-probe pacing said: %s' % tail(out))
    flips, median = int(m.group(1)), int(m.group(2))
    period, mode_period = float(m.group(7)), float(m.group(8))
    t.notes.append('flips=%d median=%d us min=%s max=%s sequence +1: %s/%s; vblank period '
                   '%.1f us, mode %.1f us' % (flips, median, m.group(3), m.group(4),
                                              m.group(5), m.group(6), period, mode_period))
    # The kernel's timestamps follow the mode exactly, however late events are.
    if abs(period - mode_period) > mode_period * 0.002:
        raise CheckError('vblank timestamps %.1f us apart per sequence step, the mode\'s '
                         'period is %.1f us' % (period, mode_period))
    if flips != 120 or not PACING_US[0] <= median <= PACING_US[1]:
        raise CheckError('%d flips, median interval %d us, want 120 within %d..%d us'
                         % (flips, median, PACING_US[0], PACING_US[1]))


# A picture of a few rectangles and the pixel the zero-copy check changes.
ZC_COLOR = '3366cc'
ZC_RECT = '100,80,200,150,00ff00'
ZC_POKE = (320, 240, 'ff00ff')
ZC_OVERLAY = '200,120,160,100,cc6633'


def vkms_zero_copy(t):
    """A sealed memfd's udmabuf imported as a framebuffer (TEST_ONLY, then commit) on
    the primary and on an overlay has the CRC of dumb buffers with the same pixels,
    and a pixel written into the memfd with no commit changes the next CRC to match"""
    poke = '%d,%d,%s' % ZC_POKE
    ref = vkms_reference(t, '--color %s --rect %s' % (ZC_COLOR, ZC_RECT))
    vkms_show(t, 'import', '--buffers udmabuf --color %s --rect %s --poke %s'
              % (ZC_COLOR, ZC_RECT, poke))
    shown = vkms_crc(t, 'the udmabuf primary')
    t.signal('import', 'USR1')
    t.waitlog('import', 'vkms-probe: poked', 10)
    poked = vkms_crc(t, 'the udmabuf primary after the poke')
    vkms_stop(t, 'import')
    ref_poked = vkms_reference(t, '--color %s --rect %s --rect %d,%d,1,1,%s'
                               % ((ZC_COLOR, ZC_RECT) + ZC_POKE))
    t.notes.append('primary: dumb %s udmabuf %s; poked %s, dumb with the pixel %s'
                   % (ref, shown, poked, ref_poked))
    if shown != ref:
        raise CheckError('the udmabuf primary has CRC %s, the dumb buffer %s' % (shown, ref))
    if poked == shown:
        raise CheckError('writing a pixel into the memfd left the CRC at %s' % shown)
    if poked != ref_poked:
        raise CheckError('after the poke the CRC is %s, a dumb buffer with that pixel gives %s'
                         % (poked, ref_poked))
    # On an overlay plane, against one full-screen dumb buffer with the overlay
    # painted in: what the kernel composes equals what composition would show.
    vkms_show(t, 'overlay', '--buffers udmabuf --color %s --overlay %s' % (ZC_COLOR, ZC_OVERLAY))
    shown = vkms_crc(t, 'a udmabuf overlay')
    vkms_stop(t, 'overlay')
    ref = vkms_reference(t, '--color %s --rect %s' % (ZC_COLOR, ZC_OVERLAY))
    t.notes.append('overlay: udmabuf %s, flat dumb %s' % (shown, ref))
    if shown != ref:
        raise CheckError('the udmabuf overlay gives CRC %s, the same pixels in one dumb '
                         'buffer %s' % (shown, ref))


def vkms_sealway(t):
    """sealway's DRM path on vkms: a green window it composites gives the CRC of a
    dumb buffer with the expected pixels (background, window, the arrow's tip)"""
    vkms_start_sealway(t)
    t.spawn('client', t.client_env() + CMD['shm-green'])
    # The pointer into the bottom-right corner: the arrow shows only its tip.
    for _ in range(4):
        t.mouse_move(400, 400)
        time.sleep(0.3)
    time.sleep(2)
    t.check_running()
    first = vkms_crc(t, 'sealway')
    second = vkms_crc(t, 'sealway, again')
    t.signal('client')
    t.waitexit('client')
    t.signal('sealway')
    t.expect_exit('sealway', 0)
    window = '%d,%d,200,150,%06x' % (WIN_X, WIN_Y, GREEN)
    ref = vkms_reference(t, '--color %06x --rect %s --rect %d,%d,1,1,000000'
                         % (BACKGROUND, window, VKMS_W - 1, VKMS_H - 1))
    t.notes.append('sealway %s %s, reference %s' % (first, second, ref))
    if first != second:
        raise CheckError('sealway\'s picture is not still: CRCs %s then %s' % (first, second))
    if first != ref:
        bare = vkms_reference(t, '--color %06x --rect %s' % (BACKGROUND, window))
        raise CheckError('sealway gives CRC %s, the expected pixels %s (without the arrow\'s '
                         'tip %s)' % (first, ref, bare))


def drm_probe_dmabuf(t):
    """sealway-probe's dma-buf families on DRM, real udmabuf and dma-heap: no FAIL, no SKIP"""
    t.start_sealway()
    r = t.vm.run(t.client_env() + CMD['probe-dmabuf'] + ' $(cat /tmp/rig/sealway.pid)', 180)
    with open(os.path.join(t.artdir, 'probe.tap'), 'w') as f:
        f.write(r.out)
    failed = [ln for ln in r.out.splitlines() if ln.startswith('not ok')]
    if r.rc != 0 or failed:
        raise CheckError('sealway-probe --case dmabuf: status %d, %s' % (r.rc, tail(r.out)))
    for dev in ('/dev/udmabuf', '/dev/dma_heap/system'):
        if 'SKIP no %s' % dev in r.out:
            raise CheckError('the dma-buf cases skipped for %s: %s' % (dev, tail(r.out)))
    for case in ('dmabuf.real.udmabuf-released', 'dmabuf.real.heap-released',
                 'pixels.dmabuf-udmabuf', 'pixels.dmabuf-heap'):
        if not re.search(r'^ok \d+ - %s$' % re.escape(case), r.out, re.M):
            raise CheckError('%s passes (got %s)' % (case, tail(r.out)))

# -- server-side decorations with the emulated mouse (tests/decoration-probe) --

DECO_FIFO = '/tmp/deco.fifo'
BAR_ACTIVE = 0x2e5a8c


def drm_decoration(t):
    """A server-side title bar: dragging it moves the window with the emulated mouse, a click on its close button sends xdg_toplevel.close"""
    t.start_sealway()
    t.sh('rm -f %s; mkfifo %s' % (DECO_FIFO, DECO_FIFO))
    t.spawn('deco', t.client_env() + 'decoration-probe server-side < %s' % DECO_FIFO)
    t.spawn('decokeep', 'sleep 100000 > %s' % DECO_FIFO)
    # A 200x100 green window below its 24 pixel bar.
    window = (WIN_X, WIN_Y + 24, WIN_X + 200, WIN_Y + 124)

    def decorated(img):
        ppm.expect_rect(img, window, GREEN)
        ppm.expect_rect(img, (WIN_X + 60, WIN_Y, WIN_X + 160, WIN_Y + 24), BAR_ACTIVE)
    t.wait_screen(decorated, 'decorated', 60)
    start = t.pointer_to(WIN_X + 100, WIN_Y + 12, 8)
    button(t, True)
    for _ in range(4):
        t.mouse_move(40, 30)
        time.sleep(0.2)
    time.sleep(0.5)
    end = arrow_at(t.vm.screendump())
    button(t, False)
    if end is None:
        raise CheckError('no pointer on the screen after the drag')
    dx, dy = end[0] - start[0], end[1] - start[1]
    if dx < 40 or dy < 30:
        raise CheckError('the pointer hardly moved: (%d,%d)' % (dx, dy))
    x, y = WIN_X + dx, WIN_Y + dy

    def followed(img):
        # The arrow may lie over the window: nearly all of it is green.
        rect = (x + 10, y + 34, x + 190, y + 114)
        if img.fraction(GREEN, rect) < 0.98:
            raise CheckError('the window is not at (%d,%d)-(%d,%d)' % rect)
        ppm.expect_rect(img, (WIN_X, WIN_Y, WIN_X + 20, WIN_Y + 20), BACKGROUND)
    t.wait_screen(followed, 'moved-by-the-bar', 10)
    # The close button is the bar's right 24 pixels.
    t.pointer_to(x + 188, y + 12, 4)
    t.click()
    t.waitlog('deco', '^close', 10)
    t.signal('decokeep')
    t.waitexit('decokeep')
# -- zero-copy display: client buffers scanned out on the primary plane ------

# sealway's per-frame counter line (--log=debug) and sealway-dmabuf's
# presentation line (--log debug).
FRAME_LINE = bench.FRAME_RE
PRESENTED_LINE = re.compile(r'frame presented: .* refresh (\d+) ns, flags 0x([0-9a-f]+)')
# VSYNC | HW_CLOCK | HW_COMPLETION | ZERO_COPY
KIND_ALL = 0xf
SCANOUT_FRAMES = 120


def fullscreen_dmabuf(alloc, size, extra=''):
    """A fullscreen XRGB8888 client: sealway-dmabuf with `alloc`, or sealway-shm
    (a sealed memfd whose buffers start on page boundaries) for 'shm'."""
    if alloc == 'shm':
        return ('sealway-shm --format XRGB8888 --fullscreen --size %dx%d --frames 0 '
                '--log debug %s' % (size + (extra,)))
    return ('sealway-dmabuf --alloc=%s --format XRGB8888 --fullscreen --size %dx%d '
            '--frames 0 --log debug %s' % ((alloc,) + size + (extra,)))


def frames_on_planes(t):
    """sealway's frame counters from the first frame on a plane to the last."""
    rows = [tuple(int(v) for v in m) for m in FRAME_LINE.findall(t.log('sealway'))]
    on = [i for i, r in enumerate(rows) if r[3] > 0]
    return rows[on[0]:on[-1] + 1] if on else []


def vkms_scanout(alloc):
    def scenario(t):
        vkms_start_sealway(t, '--log=debug')
        t.spawn('client', t.client_env() + fullscreen_dmabuf(alloc, (VKMS_W, VKMS_H)))
        t.waitlog('client', 'frame presented', 30)
        # The pointer over the window: it hides the cursor, nothing else shows.
        for _ in range(3):
            t.mouse_move(7, 5)
            time.sleep(0.2)
        t.waitlog('sealway', 'on planes 1', 20)
        deadline = time.monotonic() + 30
        while len(frames_on_planes(t)) < SCANOUT_FRAMES + 10 and time.monotonic() < deadline:
            time.sleep(1)
        t.check_running()
        fds = t.fd_count('sealway')
        t.signal('client')
        t.waitexit('client')
        rows = frames_on_planes(t)
        if len(rows) < SCANOUT_FRAMES:
            raise CheckError('%d frames on the primary plane, want %d' % (len(rows),
                                                                       SCANOUT_FRAMES))
        bad = [r for r in rows if r[0] or r[1] or r[2] or r[3] != 1]
        if bad:
            raise CheckError('frames that composited or copied while the client was '
                             'fullscreen: %d of %d, e.g. %s' % (len(bad), len(rows), bad[0]))
        shown = [(int(r), int(f, 16)) for r, f in PRESENTED_LINE.findall(t.log('client'))]
        zero = [s for s in shown if s[1] & 0x8]
        if not zero:
            raise CheckError('no presentation feedback says ZERO_COPY: %s' % shown[-5:])
        last = shown[shown.index(zero[0]):]
        odd = [s for s in last if s[1] & KIND_ALL != KIND_ALL]
        period = 1e9 / 60
        if len(last) < SCANOUT_FRAMES or odd or \
           any(abs(r - period) > period * 0.02 for r, _ in last):
            raise CheckError('%d feedbacks after the first ZERO_COPY, want %d with flags 0x%x '
                             'and a 60 Hz refresh; odd ones: %s' % (len(last), SCANOUT_FRAMES,
                                                                    KIND_ALL, odd[:3]))
        # Pixels: a still picture, its CRC against dumb buffers with the same pixels.
        t.spawn('solid', t.client_env() + fullscreen_dmabuf(alloc, (VKMS_W, VKMS_H),
                                                            '--color ff%s' % ZC_COLOR))
        t.waitlog('solid', 'frame presented', 30)
        # It draws once: its buffer is on the plane once the cursor is hidden.
        deadline = time.monotonic() + 20
        while True:
            t.mouse_move(3, 3)
            time.sleep(0.5)
            latest = FRAME_LINE.findall(t.log('sealway'))[-1:]
            if latest and int(latest[0][3]) == 1:
                break
            if time.monotonic() > deadline:
                raise CheckError('the still client never went on the plane: last frame %s'
                                 % latest)
        crc = vkms_crc(t, 'the scanned-out client')
        t.signal('solid')
        t.waitexit('solid')
        time.sleep(1)
        after = t.fd_count('sealway')
        t.signal('sealway')
        t.expect_exit('sealway', 0)
        ref = vkms_reference(t, '--color %s' % ZC_COLOR)
        t.notes.append('%d frames on the plane, %d ZERO_COPY feedbacks; CRC %s, dumb %s; '
                       'fds %d then %d' % (len(rows), len(last), crc, ref, fds, after))
        if crc != ref:
            raise CheckError('the scanned-out client has CRC %s, a dumb buffer with its '
                             'pixels %s' % (crc, ref))
        if after > fds:
            raise CheckError('sealway has %d fds after its clients left, %d before' % (after,
                                                                                  fds))
    scenario.__doc__ = ('A fullscreen %s XRGB8888 client is scanned out on vkms: over '
                        '%d animated frames nothing is composited or copied, feedback says '
                        'ZERO_COPY|VSYNC|HW_CLOCK|HW_COMPLETION at 60 Hz, the CRC equals a dumb '
                        'buffer\'s with the same pixels, no fd is left behind'
                        % (alloc, SCANOUT_FRAMES))
    return scenario


def vkms_scanout_pool_offset(offset, whole_pages):
    start = offset // 4096 * 4096
    def scenario(t):
        vkms_start_sealway(t, '--log=debug')
        t.spawn('solid', t.client_env() + fullscreen_dmabuf(
            'shm', (VKMS_W, VKMS_H), '--color ff%s --pool-offset %d%s'
            % (ZC_COLOR, offset, ' --pool-whole-pages' if whole_pages else '')))
        t.waitlog('solid', 'frame presented', 30)
        # The pointer over the window hides the cursor: only the buffer shows.
        deadline = time.monotonic() + 20
        while True:
            t.mouse_move(3, 3)
            time.sleep(0.5)
            latest = FRAME_LINE.findall(t.log('sealway'))[-1:]
            if latest and (int(latest[0][3]) == 1 or time.monotonic() > deadline):
                break
        time.sleep(1)
        crc = vkms_crc(t, 'the client at pool offset %d' % offset)
        latest = FRAME_LINE.findall(t.log('sealway'))[-1:]
        log = t.log('sealway')
        t.signal('solid')
        t.waitexit('solid')
        t.check_running()
        t.signal('sealway')
        t.expect_exit('sealway', 0)
        ref = vkms_reference(t, '--color %s' % ZC_COLOR)
        m = re.search(r'is a udmabuf of (\d+) bytes at (\d+) of its memfd', log)
        on_plane = bool(latest) and int(latest[0][3]) == 1
        why = re.findall(r'cannot be scanned out, composited: ([^\n]*)', log)
        t.notes.append('pool offset %d%s: udmabuf %s; %s; CRC %s, dumb %s'
                       % (offset, ', whole pages' if whole_pages else '',
                          m.groups() if m else None,
                          'on the primary plane' if on_plane else 'composited: %s' % why,
                          crc, ref))
        if crc != ref:
            raise CheckError('the client at pool offset %d has CRC %s, a dumb buffer with its '
                             'pixels %s' % (offset, crc, ref))
        if whole_pages:
            want = ['no udmabuf: it starts %d bytes into a page of its pool, and this driver '
                    'shows framebuffer offsets wrongly' % (offset - start)]
            if on_plane or m or why != want:
                raise CheckError('a buffer mid-page in a pool of whole pages: want it '
                                 'composited, no udmabuf, the reason said once; on the plane '
                                 '%s, udmabuf %s, reasons %s'
                                 % (on_plane, m.groups() if m else None, why))
        elif on_plane or why != ['no udmabuf: its last page is past the end of the memfd']:
            raise CheckError('a pool ending mid-page: want it composited, the reason said '
                             'once; on the plane %s, reasons %s' % (on_plane, why))
    scenario.__doc__ = ('A fullscreen sealed-memfd client whose buffer starts %d bytes into '
                        'its pool %s' % (offset, (
                            'of whole pages: no udmabuf on vkms (a framebuffer offset, '
                            'which vkms shows wrong, would be needed), composited, the reason '
                            'said once') if whole_pages else
                            'that ends with it, mid-page: udmabuf cannot take the last page, '
                            'so it is composited and the reason said once') +
                        '; the CRC equals a dumb buffer\'s with the same pixels')
    return scenario


def vkms_scanout_fallback(flag, reason):
    def scenario(t):
        vkms_start_sealway(t, '--log=debug')
        t.spawn('client', t.client_env() + fullscreen_dmabuf('shm', (VKMS_W, VKMS_H),
                                                             '%s --color ff%s' % (flag,
                                                                                 ZC_COLOR)))
        t.waitlog('client', 'frame presented', 30)
        for _ in range(3):
            t.mouse_move(3, 3)
            time.sleep(0.3)
        # A frame after the cursor went: the client alone, composited.
        time.sleep(1)
        crc = vkms_crc(t, 'the composited client')
        rows = FRAME_LINE.findall(t.log('sealway'))
        log = t.log('sealway')
        t.signal('client')
        t.waitexit('client')
        t.signal('sealway')
        t.expect_exit('sealway', 0)
        ref = vkms_reference(t, '--color %s' % ZC_COLOR)
        why = re.findall(r'cannot be scanned out, composited: (.*)', log)
        t.notes.append('CRC %s, dumb %s; %s' % (crc, ref, why[:1]))
        if any(int(r[3]) for r in rows):
            raise CheckError('a %s buffer went on a plane' % flag)
        if not why or not all(reason in w for w in why) or len(why) > 2:
            raise CheckError('the reason (%r) is logged once per buffer: %s' % (reason, why))
        if crc != ref:
            raise CheckError('the composited client has CRC %s, a dumb buffer with its '
                             'pixels %s' % (crc, ref))
    scenario.__doc__ = ('sealway-shm %s fullscreen on vkms is composited, not scanned out, '
                        'says why once per buffer, and its CRC is that of its pixels' % flag)
    return scenario


def vkms_scanout_client_killed(t):
    """A fullscreen udmabuf client killed (SIGKILL) while its buffer is scanned out: the
    next frame shows the background, every framebuffer made for it is removed, and
    the compositor's fd count is back to its baseline"""
    vkms_start_sealway(t, '--log=debug')
    time.sleep(1)
    baseline = t.fd_count('sealway')
    t.spawn('client', t.client_env() + fullscreen_dmabuf('udmabuf', (VKMS_W, VKMS_H)))
    t.waitlog('client', 'frame presented', 30)
    for _ in range(3):
        t.mouse_move(7, 5)
        time.sleep(0.2)
    t.waitlog('sealway', 'on planes 1', 20)
    time.sleep(1)
    t.signal('client', 'KILL')
    t.waitexit('client')
    # The pointer into the bottom-right corner: the arrow shows only its tip.
    for _ in range(4):
        t.mouse_move(400, 400)
        time.sleep(0.3)
    time.sleep(1)
    t.check_running()
    crc = vkms_crc(t, 'the screen after the kill')
    after = t.fd_count('sealway')
    log = t.log('sealway')
    t.signal('sealway')
    t.expect_exit('sealway', 0)
    made = re.findall(r'is framebuffer (\d+)', log)
    removed = re.findall(r'gone: framebuffer (\d+) removed', log)
    ref = vkms_reference(t, '--color %06x --rect %d,%d,1,1,000000'
                         % (BACKGROUND, VKMS_W - 1, VKMS_H - 1))
    t.notes.append('framebuffers made %s, removed %s; fds %d then %d; CRC %s, reference %s'
                   % (made, removed, baseline, after, crc, ref))
    if not made or sorted(made) != sorted(removed):
        raise CheckError('framebuffers made %s, removed %s' % (made, removed))
    if after != baseline:
        raise CheckError('sealway has %d fds after the kill, %d before the client' % (after,
                                                                                    baseline))
    if crc != ref:
        raise CheckError('after the kill the CRC is %s, the background\'s %s' % (crc, ref))


def drm_scanout_refused(t):
    """bochs refuses the import of a fullscreen udmabuf client: it is composited, the
    screen shows its colour, and the reason is logged once per buffer"""
    t.start_sealway('--log=debug')
    t.spawn('client', t.client_env() + fullscreen_dmabuf('udmabuf', (WIDTH, HEIGHT),
                                                         '--color ff%06x --buffers 2' % BLUE))
    t.mouse_move(5, 5)
    t.wait_screen(lambda img: ppm.expect_rect(img, (0, 0, WIDTH, HEIGHT), BLUE), 'fullscreen',
                  60)
    log = t.log('sealway')
    why = re.findall(r'cannot be scanned out, composited: (.*)', log)
    t.signal('client')
    t.waitexit('client')
    t.signal('sealway')
    t.expect_exit('sealway', 0)
    if not why or len(why) > 2:
        raise CheckError('the refusal is logged once per buffer (2 buffers), got %d: %s'
                         % (len(why), why[:3]))
    t.notes.append(why[0])

# -- overlay planes: windows scanned out above the composited primary ---------

OVERLAY_LINE = re.compile(r'surface (0x[0-9a-f]+) on overlay plane (\d+)')
TEST_ONLY_LINE = re.compile(r'TEST_ONLY (\d+) of \d+ planes?: (\S+)')


def windowed_dmabuf(extra=''):
    """A 200x150 XRGB8888 udmabuf window (the first toplevel: at WIN_X, WIN_Y)."""
    return ('sealway-dmabuf --alloc=udmabuf --format XRGB8888 --size 200x150 --frames 0 '
            '--log debug %s' % extra)


def windowed_sealed_shm(extra=''):
    """A 200x150 XRGB8888 wl_shm window from sealed memfds, one pool of whole
    pages a buffer (udmabuf pins whole pages)."""
    return ('sealway-shm --format XRGB8888 --size 200x150 --frames 0 --pool-whole-pages '
            '--log debug %s' % extra)


WINDOWED = {'udmabuf': ('sealway-dmabuf', windowed_dmabuf),
            'sealed-shm': ('sealway-shm', windowed_sealed_shm)}


def pointer_to_corner(t):
    """The pointer into the bottom-right corner: the arrow shows only its tip."""
    for _ in range(4):
        t.mouse_move(400, 400)
        time.sleep(0.3)


def frames_since(t, mark):
    """sealway's frame counters after the first `mark` bytes of its log."""
    return [tuple(int(v) for v in m) for m in FRAME_LINE.findall(t.log('sealway')[mark:])]


def mapped_at(t, app):
    """Where sealway placed the last toplevel of `app` (the wm cascades them)."""
    found = re.findall(r'mapped toplevel %s at (-?\d+),(-?\d+)' % re.escape(app),
                       t.log('sealway'))
    if not found:
        raise CheckError('sealway did not say where it mapped %s' % app)
    return tuple(int(v) for v in found[-1])


def vkms_overlay(kind):
    app, windowed = WINDOWED[kind]

    def scenario(t):
        vkms_overlay_of(t, app, windowed)
    scenario.__doc__ = (
        'A windowed opaque %s client with nothing above it goes on an overlay plane: while '
        'it animates nothing is composited (counters: composited 0 px, on planes 1), its '
        'still picture has the CRC of dumb buffers with the same pixels; a composited window '
        'placed over part of it takes it off the overlay (CRC equal again); once both are '
        'killed every framebuffer made is removed and the fd count is back to its baseline'
        % kind)
    return scenario


def vkms_overlay_of(t, app, windowed):
    vkms_start_sealway(t, '--log=debug')
    pointer_to_corner(t)
    time.sleep(1)
    baseline = t.fd_count('sealway')
    t.spawn('anim', t.client_env() + windowed())
    t.waitlog('anim', 'frame presented', 30)
    t.waitlog('sealway', 'on overlay plane', 20)
    mark = len(t.log('sealway'))
    deadline = time.monotonic() + 30
    while len(frames_since(t, mark)) < 60 and time.monotonic() < deadline:
        time.sleep(1)
    rows = frames_since(t, mark)
    t.signal('anim', 'KILL')
    t.waitexit('anim')
    if len(rows) < 60:
        raise CheckError('%d frames while the window animated on the overlay, want 60'
                         % len(rows))
    bad = [r for r in rows if r[0] or r[2] or r[3] != 1]
    if bad:
        raise CheckError('frames that composited or copied, or not with one plane, while the '
                         'window animated on the overlay: %d of %d, e.g. %s'
                         % (len(bad), len(rows), bad[0]))
    # A still window: its CRC against dumb buffers.
    t.spawn('still', t.client_env() + windowed('--color ff%s' % ZC_COLOR))
    t.waitlog('still', 'frame presented', 30)
    still_at = mapped_at(t, app)
    time.sleep(1)
    on = OVERLAY_LINE.findall(t.log('sealway'))
    crc = vkms_crc(t, 'the window on an overlay')
    last = FRAME_LINE.findall(t.log('sealway'))[-1]
    # A screen capture sees the window the overlay shows: a whole frame is composited for it.
    t.sh('%ssealway-capture --expect %d,%d=%s --expect 2,2=%06X'
         % (t.client_env(), still_at[0] + 100, still_at[1] + 75, ZC_COLOR, BACKGROUND),
         what='sealway-capture of a window on an overlay')
    if 'compositing a whole frame for a copy' not in t.log('sealway'):
        raise CheckError('the capture did not make sealway composite a whole frame')
    # A composited (wl_shm) window over part of it (the wm cascades it).
    t.spawn('above', t.client_env() + CMD['shm-green'])
    t.waitlog('sealway', 'composited: something composited shows above it', 20)
    above_at = mapped_at(t, 'sealway-shm')
    time.sleep(1)
    covered = vkms_crc(t, 'the window under a composited one')
    covered_last = FRAME_LINE.findall(t.log('sealway'))[-1]
    t.signal('above', 'KILL')
    t.waitexit('above')
    t.signal('still', 'KILL')
    t.waitexit('still')
    time.sleep(1)
    t.check_running()
    after = t.fd_count('sealway')
    log = t.log('sealway')
    t.signal('sealway')
    t.expect_exit('sealway', 0)
    made = re.findall(r'is framebuffer (\d+)', log)
    removed = [f for f in re.findall(r'gone: framebuffer (\d+) removed', log) if f != '0']
    window = '%d,%d,200,150,%s' % (still_at + (ZC_COLOR,))
    tip = '%d,%d,1,1,000000' % (VKMS_W - 1, VKMS_H - 1)
    ref = vkms_reference(t, '--color %06x --rect %s --rect %s' % (BACKGROUND, window, tip))
    ref_covered = vkms_reference(t, '--color %06x --rect %s --rect %d,%d,200,150,%06x --rect %s'
                                 % ((BACKGROUND, window) + above_at + (GREEN, tip)))
    t.notes.append('%d animated frames on the overlay; planes %s; CRC %s, dumb %s, last %s; '
                   'covered %s, dumb %s, last %s; framebuffers made %d removed %d; fds %d '
                   'then %d' % (len(rows), sorted(set(p for _, p in on)), crc, ref, last,
                                covered, ref_covered, covered_last, len(made), len(removed),
                                baseline, after))
    if int(last[3]) < 1:
        raise CheckError('the still window is not on a plane: last frame %s' % (last,))
    if crc != ref:
        raise CheckError('the window on an overlay gives CRC %s, dumb buffers with its '
                         'pixels %s' % (crc, ref))
    if int(covered_last[3]) != 0:
        raise CheckError('the covered window stayed on a plane: last frame %s'
                         % (covered_last,))
    if covered != ref_covered:
        raise CheckError('the covered window gives CRC %s, dumb buffers with its pixels %s'
                         % (covered, ref_covered))
    if not made or sorted(made) != sorted(removed):
        raise CheckError('framebuffers made %s, removed %s' % (made, removed))
    if after != baseline:
        raise CheckError('sealway has %d fds after its clients were killed, %d before'
                         % (after, baseline))


FEEDBACK_DONE = re.compile(r'surface feedback done: (\d+) tranche')
FEEDBACK_TRANCHE = re.compile(r'surface feedback: tranche flags=(\d+)(?: \(scanout\))? '
                              r'target=(\d+):(\d+) formats=(\d+)')


def feedbacks(t, name):
    """The surface feedbacks client NAME logged so far: lists of (flags, major,
    minor, formats), one per tranche."""
    out, tranches = [], []
    for line in t.log(name).splitlines():
        m = FEEDBACK_TRANCHE.search(line)
        if m:
            tranches.append(tuple(int(v) for v in m.groups()))
        elif FEEDBACK_DONE.search(line):
            out.append(tranches)
            tranches = []
    return out


def wait_feedback(t, name, after, scanout, what, timeout=30):
    """Waits for a feedback past the first AFTER with (SCANOUT) or without a scanout
    tranche first; returns all of them."""
    deadline = time.monotonic() + timeout
    while True:
        got = feedbacks(t, name)
        if any(bool(fb and fb[0][0] & 1) == scanout for fb in got[after:]):
            return got
        if time.monotonic() > deadline:
            raise CheckError('no surface feedback %s a scanout tranche %s; feedbacks %s'
                             % ('with' if scanout else 'without', what, got[after:]))
        time.sleep(0.5)


def covered_and_uncovered(t, name, after):
    """A composited window (shm-green) mapped over part of client NAME's window, then
    killed: returns the feedbacks NAME got after its first AFTER, while covered and
    once uncovered."""
    t.spawn('above', t.client_env() + CMD['shm-green'])
    t.waitlog('sealway', 'composited: something composited shows above it', 20)
    got = wait_feedback(t, name, after, False, 'while covered')
    covered = got[after:]
    t.signal('above', 'KILL')
    t.waitexit('above')
    got = wait_feedback(t, name, after + len(covered), True, 'once uncovered')
    time.sleep(1)
    return covered, feedbacks(t, name)[after + len(covered):]


def check_scanout_feedback(what, fb, card):
    """fb is a feedback with a scanout tranche for CARD, then the main one."""
    if len(fb) != 2 or fb[0][0] != 1 or fb[1][0] != 0:
        raise CheckError('%s: want a scanout tranche then the main one, got %s' % (what, fb))
    if '%d:%d' % fb[0][1:3] != card:
        raise CheckError('%s: scanout tranche for device %d:%d, vkms is %s'
                         % ((what,) + fb[0][1:3] + (card,)))
    if not 0 < fb[0][3] <= fb[1][3]:
        raise CheckError('%s: scanout tranche of %d formats, the main one %d'
                         % (what, fb[0][3], fb[1][3]))


def vkms_feedback_tranche(t):
    """Per-surface dma-buf feedback on vkms: a fullscreen udmabuf client gets a scanout
    tranche (flag scanout, the vkms card, the primary plane's formats) before the main
    one; leaving fullscreen while still the whole frame changes nothing; a composited
    window over it brings one feedback without the tranche, and its going one with it.
    A 200x150 window gets one for an overlay plane, lost while covered. Feedback is sent
    only on change."""
    vkms_start_sealway(t, '--log=debug')
    pointer_to_corner(t)
    card = t.sh('cat /sys/class/drm/$(basename $(card_of vkms))/dev',
                what='the vkms card').split()[-1]
    t.spawn('full', t.client_env() + fullscreen_dmabuf('udmabuf', (VKMS_W, VKMS_H),
            '--surface-feedback --unfullscreen-after 30'))
    t.waitlog('full', 'frame presented', 30)
    got = wait_feedback(t, 'full', 0, True, 'when fullscreen')
    at = next(i for i, fb in enumerate(got) if fb and fb[0][0] & 1)
    full = got[at]
    t.waitlog('full', 'leaving fullscreen', 30)
    time.sleep(1)
    left = feedbacks(t, 'full')[at + 1:]
    full_covered, full_uncovered = covered_and_uncovered(t, 'full', at + 1 + len(left))
    t.signal('full', 'KILL')
    t.waitexit('full')
    t.spawn('win', t.client_env() + windowed_dmabuf('--surface-feedback'))
    t.waitlog('win', 'frame presented', 30)
    got = wait_feedback(t, 'win', 0, True, 'for the window')
    wat = next(i for i, fb in enumerate(got) if fb and fb[0][0] & 1)
    win = got[wat]
    win_covered, win_uncovered = covered_and_uncovered(t, 'win', wat + 1)
    t.signal('win', 'KILL')
    t.waitexit('win')
    t.check_running()
    t.signal('sealway')
    t.expect_exit('sealway', 0)
    t.notes.append('vkms card %s; fullscreen %s; after leaving fullscreen %d more; covered '
                   '%s; uncovered %s; window %s; covered %s; uncovered %s'
                   % (card, full, len(left), full_covered, full_uncovered, win, win_covered,
                      win_uncovered))
    check_scanout_feedback('fullscreen', full, card)
    check_scanout_feedback('window', win, card)
    if left:
        raise CheckError('leaving fullscreen while still the whole frame sent %s' % left)
    for what, covered, uncovered in (('fullscreen', full_covered, full_uncovered),
                                     ('window', win_covered, win_uncovered)):
        if len(covered) != 1 or len(covered[0]) != 1 or covered[0][0][0] != 0:
            raise CheckError('%s covered: want one feedback with only the main tranche, '
                             'got %s' % (what, covered))
        if len(uncovered) != 1:
            raise CheckError('%s uncovered: want one feedback, got %s' % (what, uncovered))
        check_scanout_feedback(what + ' uncovered', uncovered[0], card)


def vkms_overlay_refused(t):
    """Every TEST_ONLY with an overlay framebuffer fails (fault-preload): an animated
    udmabuf window is composited, each of its two buffers is tested once (then the
    cursor plane alone) and not again over 60 frames, and a still window's CRC is that of dumb buffers with its pixels"""
    vkms_start_sealway(t, '--log=debug', FAULT_ENV + 'SW_FAULT_TEST_OVERLAY=EINVAL ')
    pointer_to_corner(t)
    t.spawn('anim', t.client_env() + windowed_dmabuf())
    t.waitlog('anim', 'frame presented', 30)
    t.waitlog('sealway', 'refuses buffer', 20)
    mark = len(t.log('sealway'))
    deadline = time.monotonic() + 30
    while len(frames_since(t, mark)) < 60 and time.monotonic() < deadline:
        time.sleep(1)
    log = t.log('sealway')
    rows = frames_since(t, mark)
    t.signal('anim', 'KILL')
    t.waitexit('anim')
    injected = re.findall(r'fault-preload: TEST_ONLY with an overlay framebuffer', log)
    tests = TEST_ONLY_LINE.findall(log)
    t.spawn('still', t.client_env() + windowed_dmabuf('--color ff%s' % ZC_COLOR))
    t.waitlog('still', 'frame presented', 30)
    still_at = mapped_at(t, 'sealway-dmabuf')
    time.sleep(1)
    crc = vkms_crc(t, 'the refused window')
    t.check_running()
    everything = t.log('sealway')
    t.signal('still', 'KILL')
    t.waitexit('still')
    t.signal('sealway')
    t.expect_exit('sealway', 0)
    ref = vkms_reference(t, '--color %06x --rect %d,%d,200,150,%s --rect %d,%d,1,1,000000'
                         % ((BACKGROUND,) + still_at + (ZC_COLOR, VKMS_W - 1, VKMS_H - 1)))
    on = [r for r in FRAME_LINE.findall(everything) if int(r[3])]
    t.notes.append('%d frames; TEST_ONLY %d, failures injected %d (animated); CRC %s, dumb %s'
                   % (len(rows), len(tests), len(injected), crc, ref))
    if len(rows) < 60:
        raise CheckError('%d frames of the refused animated window, want 60' % len(rows))
    if on:
        raise CheckError('frames with a plane although every overlay test fails: %s' % on[:3])
    # Each refusal is followed by one test of what is left (the cursor plane).
    failed = [r for r in tests if r[1] != 'accepted']
    if len(injected) != 2 or len(failed) != 2 or len(tests) > 5:
        raise CheckError('TEST_ONLY %d times, %d with an overlay made to fail, over %d frames '
                         'of a window with 2 buffers, want one failure per buffer and at '
                         'most 5 tests' % (len(tests), len(injected), len(rows)))
    if crc != ref:
        raise CheckError('the refused window gives CRC %s, dumb buffers with its pixels %s'
                         % (crc, ref))


CURSOR_MOVED_LINE = re.compile(r'cursor plane at (-?\d+),(-?\d+), nothing composited')


def vkms_cursor_plane(t):
    """The arrow goes on vkms's cursor plane: moving it about composites nothing (no
    frame is repainted, the plane alone moves), and with only its tip showing in the
    corner the CRC is that of dumb buffers with the background and that pixel"""
    vkms_start_sealway(t, '--log=debug')
    pointer_to_corner(t)
    t.waitlog('sealway', 'on the cursor plane', 20)
    time.sleep(1)
    mark = len(t.log('sealway'))
    for dx, dy in ((-60, -40), (-60, -40), (-30, 0), (0, -30), (30, 30)) * 2:
        t.mouse_move(dx, dy)
        time.sleep(0.2)
    pointer_to_corner(t)
    time.sleep(1)
    t.check_running()
    crc = vkms_crc(t, 'the arrow\'s tip on the cursor plane')
    log = t.log('sealway')[mark:]
    t.signal('sealway')
    t.expect_exit('sealway', 0)
    ref = vkms_reference(t, '--color %06x --rect %d,%d,1,1,000000'
                         % (BACKGROUND, VKMS_W - 1, VKMS_H - 1))
    moves = CURSOR_MOVED_LINE.findall(log)
    rows = FRAME_LINE.findall(log)
    painted = [r for r in rows if int(r[0]) or int(r[2])]
    t.notes.append('%d plane moves (last at %s), %d frames of which %d composited or '
                   'copied; CRC %s, dumb %s' % (len(moves), moves[-1:], len(rows),
                                                len(painted), crc, ref))
    if len(moves) < 5:
        raise CheckError('the cursor plane moved %d times for 18 pointer moves' % len(moves))
    if painted:
        raise CheckError('moving the cursor composited or copied: %s' % painted[:3])
    if crc != ref:
        raise CheckError('the arrow\'s tip on the cursor plane gives CRC %s, dumb buffers '
                         'with that pixel %s' % (crc, ref))


# -- several outputs: the two-head virtio-gpu card ----------------------------

# vm-run.py's second display: QMP device id and the size of its heads.
VGPU = 'vgpu'
# Driver name -> cardN in the guest, from use_cards() once the guest is up.
CARDS = {}


# -- the zero-copy benchmark on vkms -------------------------------------------

# Every client kind of the direct-scanout and fallback scenarios, through sealway-bench.
VKMS_BENCH_KINDS = ['udmabuf', 'dma-heap', 'memfd-sealed', 'memfd', 'posix-shm']
SCANNED_OUT_KINDS = ('udmabuf', 'dma-heap', 'memfd-sealed')


def cpu_split(t, name):
    """NAME's CPU time so far in user space and in the kernel, in clock ticks."""
    fields = t.sh('cat /proc/$(cat /tmp/rig/%s.pid)/stat' % name).rsplit(')', 1)[1].split()
    return int(fields[11]), int(fields[12])


def vkms_bench_markdown(runs, frames, repeats):
    """One row per client kind: bytes composited and copied in the median
    frame, frames with the client on a plane, the compositor's CPU per frame
    with --scanout=auto and off, their ratio, and the share of it spent in
    the kernel."""
    lines = ['Fullscreen %dx%d sealway-bench client, full damage, %d frames x%d (median), '
             'sealway on vkms at %dx%d@60, in one boot (TCG)' % (VKMS_W, VKMS_H, frames,
                                                              repeats, VKMS_W, VKMS_H), '',
             '| client | composited + copied, auto | on a plane, auto | composited + copied, '
             'off | compositor CPU µs/frame, auto | off | auto / off | in the kernel, auto / '
             'off |',
             '|---|---|---|---|---|---|---|---|']
    for kind in VKMS_BENCH_KINDS:
        s = {m: bench.path_summary(runs[m][kind]) for m in ('auto', 'off')}
        on = sum(r['planes_frames'] for r in runs['auto'][kind])
        counted = sum(r['counted_frames'] for r in runs['auto'][kind])
        kernel = ['%.0f %%' % (100 * bench.median([r['kernel_share'] for r in runs[m][kind]]))
                  for m in ('auto', 'off')]
        lines.append('| %s | %s | %d of %d frames | %s | %.0f | %.0f | %.2f | %s |'
                     % (kind, bench.fmt_bytes(s['auto']['composited_b'] + s['auto']['copied_b']),
                        on, counted,
                        bench.fmt_bytes(s['off']['composited_b'] + s['off']['copied_b']),
                        s['auto']['comp_us'], s['off']['comp_us'],
                        s['auto']['comp_us'] / s['off']['comp_us'], ' / '.join(kernel)))
    return '\n'.join(lines) + '\n'


def vkms_bench(t):
    """The zero-copy benchmark: a fullscreen client of each kind (udmabuf, dma-heap, sealed memfd, unsealed memfd, POSIX shm) on vkms with --scanout=auto and off in one boot: bytes composited and copied per frame, and the compositor CPU ratio; the scanned-out kinds composite 0 bytes with auto, every kind is composited with off"""
    frames, repeats = (120, 3) if BENCH_FULL else (60, 1)
    size = '%dx%d' % (VKMS_W, VKMS_H)
    runs = {m: {k: [] for k in VKMS_BENCH_KINDS} for m in ('auto', 'off')}
    for _ in range(repeats):
        # One compositor at a time on the card; the modes alternate.
        for mode in ('auto', 'off'):
            vkms_start_sealway(t, '--log=debug --scanout=' + mode)
            for kind in VKMS_BENCH_KINDS:
                before = cpu_split(t, 'sealway')
                r = bench_path(t, 'vkms --scanout=' + mode, frames, size, kind, 'full',
                               fullscreen=True)
                after = cpu_split(t, 'sealway')
                spent = [a - b for a, b in zip(after, before)]
                r['kernel_share'] = spent[1] / max(sum(spent), 1)
                runs[mode][kind].append(r)
            t.signal('sealway')
            t.expect_exit('sealway', 0)
    frame_bytes = VKMS_W * VKMS_H * 4
    for mode in ('auto', 'off'):
        for kind in VKMS_BENCH_KINDS:
            for r in runs[mode][kind]:
                what = '%s client with --scanout=%s' % (kind, mode)
                if 'composited_b' not in r:
                    raise CheckError('%s: sealway logged no frame counters' % what)
                moved = r['composited_b'] + r['copied_b']
                if mode == 'auto' and kind in SCANNED_OUT_KINDS:
                    if moved or r['planes_frames'] < r['presented'] * 0.9:
                        raise CheckError('%s: %d bytes composited and copied in the median '
                                         'frame, %d of %d frames on a plane; want 0 bytes, '
                                         'scanned out' % (what, moved, r['planes_frames'],
                                                          r['counted_frames']))
                elif r['planes_frames'] or r['composited_b'] < frame_bytes:
                    raise CheckError('%s: %d bytes composited in the median frame, %d frames '
                                     'on a plane; want the whole %d-byte frame composited'
                                     % (what, r['composited_b'], r['planes_frames'],
                                        frame_bytes))
    md = vkms_bench_markdown(runs, frames, repeats)
    with open(os.path.join(t.artdir, 'bench-vkms.md'), 'w') as f:
        f.write(md)
    with open(os.path.join(t.artdir, 'bench-vkms.json'), 'w') as f:
        json.dump({'frames': frames, 'repeats': repeats, 'size': size, 'runs': runs}, f,
                  indent=1)
    ratio = {k: bench.path_summary(runs['auto'][k])['comp_us']
             / bench.path_summary(runs['off'][k])['comp_us'] for k in VKMS_BENCH_KINDS}
    t.notes.append('CPU auto/off: %s; table in %s'
                   % (', '.join('%s %.2f' % kv for kv in ratio.items()),
                      os.path.join(t.artdir, 'bench-vkms.md')))


def use_cards(cards):
    """The guest's cards by driver: the single-output scenarios use bochs by
    name, whatever card number it got."""
    CARDS.clear()
    CARDS.update(cards)
    bochs = cards.get('bochs-drm')
    if bochs and '--drm-device' not in CMD['sealway']:
        CMD['sealway'] += ' --drm-device=/dev/dri/%s' % bochs


def wl_outputs(info):
    """{name: (x, y, width, height, logical x, y, width, height)} from wayland-info."""
    outs = {}
    for block in re.split(r'\ninterface: ', info):
        if not block.startswith("'wl_output'"):
            continue
        # The wl_output's own name, on a line of its own (not the global's number).
        m = re.search(r'\n\s+name: (\S+).*?x: (-?\d+), y: (-?\d+).*?width: (\d+) px, '
                      r'height: (\d+) px', block, re.S)
        if m:
            outs[m.group(1)] = tuple(int(v) for v in m.group(2, 3, 4, 5))
    for m in re.finditer(r"xdg_output_v1\s+output: \d+\s+name: '([^']+)'.*?"
                         r"logical_x: (-?\d+), logical_y: (-?\d+)\s+"
                         r"logical_width: (\d+), logical_height: (\d+)", info, re.S):
        if m.group(1) in outs:
            outs[m.group(1)] += tuple(int(v) for v in m.group(2, 3, 4, 5))
    return outs


def corners(colour, w, h):
    """The four corners (kept clear of a cursor in the middle) are `colour`."""
    def check(img):
        ppm.expect_size(img, w, h)
        for x, y in ((2, 2), (w - 3, 2), (2, h - 3), (w - 3, h - 3)):
            ppm.expect_pixel(img, x, y, colour)
    return check


def connector_uevent(t, card, conn, status):
    """Force a connector on or off and send the card's change uevent, which
    is how a hotplug reaches sealway."""
    t.sh('echo %s > /sys/class/drm/%s-%s/status && echo change > /sys/class/drm/%s/uevent'
         % (status, card, conn, card), what='connector %s %s' % (conn, status))


def drm_two_heads(t):
    """Two heads of one virtio-gpu card: two wl_outputs side by side, each captured on its own, a window fullscreen on the second covers exactly that head, unplugging it moves the window to the first, plugging it in again brings it back"""
    # Its DRM device hangs off the PCI function, whose driver is virtio-pci.
    card = CARDS.get('virtio_gpu') or CARDS.get('virtio-pci')
    if not card:
        raise CheckError('no card driven by virtio_gpu in the guest (cards: %s)' % CARDS)
    # Connector numbers count on from bochs' Virtual-1: head 0 is the first here.
    conns = sorted(t.sh('cd /sys/class/drm && ls -d %s-*' % card).split(),
                   key=lambda c: int(c.rsplit('-', 1)[1]))
    if len(conns) != 2:
        raise CheckError('want two connectors on %s, got %s' % (card, conns))
    one, two = (c.split('-', 1)[1] for c in conns)
    try:
        _two_heads(t, card, one, two)
    finally:
        # Back to what the connector itself says, for whatever runs next.
        t.run('echo detect > /sys/class/drm/%s-%s/status' % (card, two))


def _two_heads(t, card, one, two):
    t.sh('echo on > /sys/class/drm/%s-%s/status' % (card, two),
         what='forcing the second connector on')
    t.notes.append(' '.join(t.sh('for c in /sys/class/drm/%s-*; do echo "${c##*/}: '
                                 '$(cat $c/status), $(head -n 1 $c/modes)"; done' % card)
                            .split()))
    t.spawn('sealway', CMD['sealway-vgpu'] % card)
    t.waitlog('sealway', 'listening on', 60)
    outs = wl_outputs(t.sh(t.client_env() + CMD['wayland-info'], what='wayland-info'))
    if sorted(outs) != sorted([one, two]):
        raise CheckError('want two wl_outputs, %s and %s; got %s; log: %s'
                         % (one, two, sorted(outs), tail(t.log('sealway'))))
    w1, h1 = outs[one][2:4]
    w2, h2 = outs[two][2:4]
    want = {one: (0, 0, w1, h1) * 2, two: (w1, 0, w2, h2) * 2}
    for name in want:
        if outs[name] != want[name]:
            raise CheckError('%s: want position %d,%d and size %dx%d in wl_output and '
                             'xdg-output alike, got %s' % ((name,) + want[name][:4] +
                                                           (outs[name],)))
    t.notes.append('%s %dx%d at 0,0, %s %dx%d at %d,0' % (one, w1, h1, two, w2, h2, w1))

    t.spawn('fullscreen', t.client_env() + CMD['fullscreen-on'] % two)
    t.waitlog('fullscreen', '^done', 60)
    t.wait_screen(corners(BLUE, w2, h2), 'head1-fullscreen', 30, device=VGPU, head=1)
    img = t.dump('head1-fullscreen-whole', VGPU, 1)
    ppm.expect_rect(img, (0, 0, w2, h2), BLUE)
    t.wait_screen(corners(BACKGROUND, w1, h1), 'head0-beside', 30, device=VGPU, head=0)
    log = t.log('fullscreen')
    if ('configure %d %d fullscreen' % (w2, h2)) not in log or \
            re.search(r'presented \d+ sync_output=(?!%s )' % two, log):
        raise CheckError('the window is configured %dx%d fullscreen and presented by '
                         '%s alone; its log: %s' % (w2, h2, two, tail(log)))
    # Each output captured on its own (capture_output of that output).
    for name, colour, w, h in ((two, BLUE, w2, h2), (one, BACKGROUND, w1, h1)):
        t.sh('%ssealway-capture --output %s --expect 2,2=%06X --expect %d,%d=%06X'
             % (t.client_env(), name, colour, w - 3, h - 3, colour),
             what='sealway-capture --output %s' % name)
    grim = t.run('command -v grim > /dev/null && %sgrim -t ppm -o %s - | head -c 15 | '
                 'tr "\\n" " "' % (t.client_env(), two))
    if grim.rc == 0:
        if 'P6 %d %d' % (w2, h2) not in grim.out:
            raise CheckError('grim -o %s writes a %dx%d picture; got %r'
                             % (two, w2, h2, grim.out))
        t.notes.append('grim -o %s: %dx%d' % (two, w2, h2))

    # A panel on the second head (the registry's second wl_output), held open by its stdin.
    t.spawn('panel', 'sleep 600 | ' + t.client_env() +
            'ASAN_OPTIONS=detect_leaks=0 layer-probe 2 13 0x30 30 0 40a050 0 output=1')
    t.waitlog('panel', '^shown', 30)
    panel_log = t.log('panel')
    if ('configure %d 30' % w2) not in panel_log:
        raise CheckError('the panel on %s is configured %dx30; its log: %s'
                         % (two, w2, tail(panel_log)))

    # Unplugged: the output goes, its window goes fullscreen on the other, its panel is closed.
    connector_uevent(t, card, two, 'off')
    t.waitlog('sealway', '%s is gone: its output is removed' % two, 30)
    t.waitlog('panel', '^closed', 30)
    t.notes.append('the panel on %s was told closed when it went' % two)
    t.wait_screen(corners(BLUE, w1, h1), 'head0-after-unplug', 30, device=VGPU, head=0)
    outs = wl_outputs(t.sh(t.client_env() + CMD['wayland-info'], what='wayland-info'))
    if sorted(outs) != [one]:
        raise CheckError('after the unplug, want %s alone; got %s' % (one, sorted(outs)))
    # Plugged in again: the output is back, to the right.
    connector_uevent(t, card, two, 'on')
    t.sh('i=0; while [ $(grep -c "connector %s (id" /tmp/rig/sealway.log) -lt 2 ] && '
         '[ $i -lt 100 ]; do usleep 200000; i=$((i + 1)); done; [ $i -lt 100 ]' % two,
         what='sealway makes %s again' % two)
    outs = wl_outputs(t.sh(t.client_env() + CMD['wayland-info'], what='wayland-info'))
    if sorted(outs) != sorted([one, two]) or outs[two][0] != w1:
        raise CheckError('after plugging it in again, want %s back at %d,0; got %s'
                         % (two, w1, outs))
    # The left one unplugged: the other moves to 0,0 and its clients are told.
    connector_uevent(t, card, one, 'off')
    t.waitlog('fullscreen', '^position %s 0 0$' % two, 30)
    t.wait_screen(corners(BLUE, w2, h2), 'head1-after-left-unplug', 30, device=VGPU, head=1)
    connector_uevent(t, card, one, 'detect')
    t.signal('sealway')
    t.expect_exit('sealway', 0)


def has_arrow(img):
    if arrow_at(img) is None:
        raise CheckError('no arrow on this head')


def drm_two_heads_windows(t):
    """Two heads: a window opens on the head under the pointer, a VT switch pauses and repaints both heads, and the window moves to the other head, same place, when its head is unplugged"""
    card = CARDS.get('virtio_gpu') or CARDS.get('virtio-pci')
    if not card:
        raise CheckError('no card driven by virtio_gpu in the guest (cards: %s)' % CARDS)
    conns = sorted(t.sh('cd /sys/class/drm && ls -d %s-*' % card).split(),
                   key=lambda c: int(c.rsplit('-', 1)[1]))
    one, two = (c.split('-', 1)[1] for c in conns)
    try:
        t.sh('echo on > /sys/class/drm/%s-%s/status' % (card, two))
        t.spawn('sealway', CMD['sealway-vgpu'] % card)
        t.waitlog('sealway', 'listening on', 60)
        w, h = 640, 480
        # The pointer starts in the middle of the left head: push it onto the right one.
        t.wait_screen(has_arrow, 'arrow-left', 30, device=VGPU, head=0)
        # In small steps (motion is accelerated): stop once the arrow shows on
        # the right head, before it reaches that head's far edge.
        for _ in range(30):
            t.mouse_move(40, 0)
            time.sleep(0.3)
            if arrow_at(t.vm.screendump(device=VGPU, head=1)) is not None:
                break
        t.wait_screen(has_arrow, 'arrow-right', 10, device=VGPU, head=1)
        t.spawn('window', t.client_env() + 'ASAN_OPTIONS=detect_leaks=0 output-probe '
                '--color 00ff00 --size 200x150')
        t.waitlog('window', '^done', 60)
        log = t.log('window')
        if re.search(r'presented \d+ sync_output=(?!%s )' % two, log):
            raise CheckError('the window under the pointer is on %s: presented by it alone; '
                             'its log: %s' % (two, tail(log)))
        rect = (WIN_X, WIN_Y, WIN_X + 200, WIN_Y + 150)
        t.wait_screen(lambda img: ppm.expect_rect(img, rect, GREEN), 'window-right', 30,
                      device=VGPU, head=1)
        t.wait_screen(corners(BACKGROUND, w, h), 'left-empty', 30, device=VGPU, head=0)
        # A VT switch pauses both heads, and coming back repaints both.
        t.keys('ctrl', 'alt', 'f2')
        for name in (one, two):
            t.waitlog('sealway', 'output %s disabled: rendering paused' % name, 20)
        t.keys('ctrl', 'alt', 'f1')
        for name in (one, two):
            t.waitlog('sealway', 'output %s enabled: full repaint' % name, 20)
        t.wait_screen(lambda img: ppm.expect_rect(img, rect, GREEN), 'window-after-vt', 30,
                      device=VGPU, head=1)
        connector_uevent(t, card, two, 'off')
        t.waitlog('sealway', '%s is gone: its output is removed' % two, 30)
        t.wait_screen(lambda img: ppm.expect_rect(img, rect, GREEN), 'window-moved-left', 30,
                      device=VGPU, head=0)
        t.signal('sealway')
        t.expect_exit('sealway', 0)
    finally:
        t.run('echo detect > /sys/class/drm/%s-%s/status' % (card, two))


COMPOSITOR = ['sealway']
SCENARIOS = [
    Scenario('rig-devices', [], rig_devices),
    Scenario('rig-input', [], rig_input),
    Scenario('rig-kms', ['kms-probe'], rig_kms),
    Scenario('rig-vkms', VKMS, rig_vkms),
    Scenario('vkms-pacing', VKMS, vkms_pacing),
    Scenario('vkms-zero-copy', VKMS, vkms_zero_copy),
    Scenario('vkms-sealway', COMPOSITOR + VKMS + ['sealway-shm'], vkms_sealway),
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
    Scenario('drm-exit-vt-state', COMPOSITOR + ['sealway-shm', 'vt-probe'], drm_exit_vt_state),
    Scenario('drm-crash-restores-vt', COMPOSITOR + ['sealway-shm', 'vt-probe', 'fault-preload.so'],
             drm_crash_restores_vt),
    Scenario('drm-commit-busy', COMPOSITOR + ['sealway-shm', 'fault-preload.so'], drm_commit_busy),
    Scenario('drm-flip-einval-legacy', COMPOSITOR + ['sealway-shm', 'fault-preload.so'],
             drm_flip_einval_legacy),
    Scenario('drm-output-fails-no-leak', COMPOSITOR + ['fault-preload.so'],
             drm_output_fails_no_leak),
    Scenario('user-drm-shm', COMPOSITOR + ['seatd', 'sealway-shm'],
             as_user(drm_shm, 'As a user through seatd: ' + drm_shm.__doc__)),
    Scenario('user-drm-input', COMPOSITOR + ['seatd', 'wev', 'stdbuf'],
             as_user(drm_input, 'As a user through seatd: ' + drm_input.__doc__)),
    Scenario('user-drm-vt-switch', COMPOSITOR + ['seatd', 'sealway-shm'],
             as_user(drm_vt_switch, 'As a user through seatd: VT switch away and back')),
    Scenario('user-drm-ctrl-alt-backspace', COMPOSITOR + ['seatd', 'sealway-shm'],
             as_user(drm_ctrl_alt_backspace, 'As a user through seatd: ' +
                     drm_ctrl_alt_backspace.__doc__)),
    Scenario('user-no-seat', COMPOSITOR, drm_user_no_seat),
    Scenario('drm-cursor-hotspot-extremes', COMPOSITOR + ['core-probe'],
             drm_cursor_hotspot_extremes),
    Scenario('bench', COMPOSITOR + ['sealway-bench'], bench_in_vm),
    Scenario('drm-dmabuf-late-fence', COMPOSITOR + ['vgem-fence', 'sealway-shm'],
             drm_dmabuf_late_fence),
    Scenario('drm-move-resize', COMPOSITOR + ['wm-probe'], drm_move_resize),
    Scenario('drm-popups', COMPOSITOR + ['wm-probe'], drm_popups),
    Scenario('drm-probe-dmabuf', COMPOSITOR + ['sealway-probe'], drm_probe_dmabuf),
    Scenario('drm-decoration', COMPOSITOR + ['decoration-probe'], drm_decoration),
    Scenario('drm-two-heads', COMPOSITOR + ['output-probe', 'wayland-info', 'sealway-capture',
                                            'layer-probe'],
             drm_two_heads),
    Scenario('drm-two-heads-windows', COMPOSITOR + ['output-probe'], drm_two_heads_windows),
    Scenario('vkms-scanout-udmabuf', COMPOSITOR + VKMS + ['sealway-dmabuf'],
             vkms_scanout('udmabuf')),
    Scenario('vkms-scanout-dma-heap', COMPOSITOR + VKMS + ['sealway-dmabuf'],
             vkms_scanout('dma-heap')),
    Scenario('vkms-scanout-sealed-shm', COMPOSITOR + VKMS + ['sealway-shm'],
             vkms_scanout('shm')),
    Scenario('vkms-scanout-unsealed-shm', COMPOSITOR + VKMS + ['sealway-shm'],
             vkms_scanout_fallback('--unsealed', 'not a memfd sealed with F_SEAL_SHRINK')),
    Scenario('vkms-scanout-posix-shm', COMPOSITOR + VKMS + ['sealway-shm'],
             vkms_scanout_fallback('--posix-shm', 'not a memfd sealed with F_SEAL_SHRINK')),
    Scenario('vkms-scanout-client-killed', COMPOSITOR + VKMS + ['sealway-dmabuf'],
             vkms_scanout_client_killed),
    Scenario('drm-scanout-refused', COMPOSITOR + ['sealway-dmabuf'], drm_scanout_refused),
    Scenario('vkms-overlay', COMPOSITOR + VKMS + ['sealway-dmabuf', 'sealway-shm',
                                                  'sealway-capture'],
             vkms_overlay('udmabuf')),
    Scenario('vkms-overlay-sealed-shm', COMPOSITOR + VKMS + ['sealway-shm', 'sealway-capture'],
             vkms_overlay('sealed-shm')),
    Scenario('vkms-overlay-refused', COMPOSITOR + VKMS + ['sealway-dmabuf', 'fault-preload.so'],
             vkms_overlay_refused),
    Scenario('vkms-cursor-plane', COMPOSITOR + VKMS, vkms_cursor_plane),
    Scenario('vkms-scanout-pool-offset-mid-page', COMPOSITOR + VKMS + ['sealway-shm'],
             vkms_scanout_pool_offset(64, False)),
    Scenario('vkms-scanout-pool-offset-64', COMPOSITOR + VKMS + ['sealway-shm'],
             vkms_scanout_pool_offset(64, True)),
    Scenario('vkms-scanout-pool-offset-4160', COMPOSITOR + VKMS + ['sealway-shm'],
             vkms_scanout_pool_offset(4160, True)),
    Scenario('vkms-feedback-tranche', COMPOSITOR + VKMS + ['sealway-dmabuf', 'sealway-shm'],
             vkms_feedback_tranche),
    Scenario('vkms-bench', COMPOSITOR + VKMS + ['sealway-bench'], vkms_bench),
]


def run_scenario(sc, vm, available, artdir, missing_why=None):
    """Runs one scenario and cleans up after it; returns None or the failure.
    missing_why: {name: why the rig has no such thing} for the needs that are
    not programs (vkms)."""
    missing = [p for p in sc.needs if p not in available]
    if missing:
        why = [missing_why[p] for p in missing if missing_why and p in missing_why]
        return ('%s not built or not installed (not in the build dir nor on the host)%s'
                % (', '.join(missing), ''.join('; ' + w for w in why)))
    os.makedirs(artdir, exist_ok=True)
    t = Ctx(vm, artdir)
    err = None
    try:
        sc.func(t)
    except CheckError as e:
        err = str(e)
    finally:
        # Runs even when the rig itself failed, unless the VM is gone.
        if not vm.dead and not vm.hung and vm.proc.poll() is None:
            leftovers = vm.run('stopall; sanitizer_reports', 30).out.strip()
            logs = vm.run('for f in /tmp/rig/*.log; do echo "=== $f"; cat "$f"; done; '
                          'rm -f /tmp/rig/*.log /tmp/rig/*.pid /tmp/rig/*.rc '
                          '/run/user/0/wl-* /run/user/0/*.lock /run/user/1000/wl-* '
                          '/run/user/1000/*.lock; chvt 1', 30).out
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
