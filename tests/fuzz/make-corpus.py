#!/usr/bin/env python3
"""Writes the seed corpus of the protocol fuzzer (tests/fuzz/corpus): short,
meaningful sessions in the record encoding fuzz-server.c describes, so the
fuzzer starts from mapped windows, live pools, dma-buf params, subsurfaces,
popups, screencopy frames, the seat and the clipboard instead of from noise.

Usage: make-corpus.py [DIR]   (default: the corpus directory next to it)
"""

import os
import struct
import sys

# Global names: libwayland numbers globals from 1 in the order sw_server_init makes them
# (wayland-info against sealway --trust-virtual-input=all lists them so). linux-dmabuf is
# version 3 on a machine without a DRM device, 4 with one: prebind binds what is offered.
GLOBALS = [
    ('wl_compositor', 5), ('wl_subcompositor', 1), ('wl_data_device_manager', 3),
    ('zwp_primary_selection_device_manager_v1', 1), ('zwlr_data_control_manager_v1', 2),
    ('zwp_idle_inhibit_manager_v1', 1), ('xdg_activation_v1', 1), ('wl_shm', 1),
    ('wp_presentation', 1), ('xdg_wm_base', 5), ('wp_viewporter', 1),
    ('zxdg_decoration_manager_v1', 1), ('zwlr_layer_shell_v1', 4),
    ('zxdg_output_manager_v1', 3), ('wl_output', 4), ('zwlr_screencopy_manager_v1', 3),
    ('wl_seat', 7), ('zwp_virtual_keyboard_manager_v1', 1),
    ('zwlr_virtual_pointer_manager_v1', 2), ('zwp_linux_dmabuf_v1', 3),
]
NAME = {iface: i + 1 for i, (iface, _) in enumerate(GLOBALS)}
VERSION = dict(GLOBALS)
# Only trusted clients see these (config bit 5 hides them from client 1).
VIRTUAL_INPUT = ('zwp_virtual_keyboard_manager_v1', 'zwlr_virtual_pointer_manager_v1')

# fd kinds and size classes of make_fd()
FD_MEMFD, FD_SEALED, FD_ALL_SEALED, FD_WRITE_SEALED = 0, 1, 2, 3
FD_DMABUF, FD_SEALED_DMABUF, FD_READONLY, FD_FUTURE_WRITE = 4, 5, 6, 7
FD_PIPE_R, FD_PIPE_W, FD_DEVNULL, FD_DIR, FD_SOCKET, FD_OPATH, FD_EVENTFD, FD_AGAIN = range(8, 16)
SIZES = [0, 1, 4, 100, 4095, 4096, 4100, 8192, 12288, 16384, 32768, 65536, 65537,
         262144, 1048576, 4194304]

# record kinds
REPAINT, DISCONNECT, TRUNCATE, WARP, BUTTON, KEY, SEAT_EVENT, RAW = 9, 10, 11, 12, 13, 14, 15, 8

XRGB8888_SHM, ARGB8888_SHM = 1, 0
XRGB8888_DRM, ARGB8888_DRM, NV12_DRM = 0x34325258, 0x34325241, 0x3231564e


def u(v):
    return struct.pack('<I', v & 0xffffffff)


class Ref:
    """An object argument by label; `new` allocates the client's next id for it."""

    def __init__(self, label, new):
        self.label, self.new = label, new


def o(label):
    return Ref(label, False)


def n(label):
    return Ref(label, True)


def s(text):
    if text is None:
        return b'\xff'
    b = text.encode()
    return bytes([len(b)]) + b


def a(data):
    return bytes([len(data)]) + data


def h(kind, size=0):
    return bytes([kind | SIZES.index(size) << 4])


def hdata(data):
    """A sealed memfd holding `data` (fd spec 0x0f)."""
    return b'\x0f' + struct.pack('<H', len(data)) + data


def fx(v):
    """wl_fixed_t"""
    return u(int(v * 256))


class Session:
    """Requests with explicit ids, so the sessions read like the protocol."""

    def __init__(self, config=0):
        self.out = bytearray([config])
        self.serial = 0
        # New ids must be the next one up (or a freed one): labels get them in order.
        self.ids = [{}, {}]
        self.next_id = [2, 2]

    def arg(self, a, client):
        if not isinstance(a, Ref):
            return a
        ids = self.ids[client]
        if a.new:
            ids[a.label] = self.next_id[client]
            self.next_id[client] += 1
        elif a.label not in ids:
            return bytes([a.label])    # a raw id: the display, null, a server's object
        return bytes([ids[a.label]])

    def req(self, obj, opcode, *args, client=0):
        target = self.arg(o(obj), client)
        self.out += bytes([client << 7]) + target + bytes([opcode])
        self.out += b''.join(self.arg(a, client) for a in args)

    def prebound(self, client=0, trusted=True):
        """Labels for what the harness bound: wl_registry@2, then the globals in order."""
        labels = ['reg'] + [LABEL[iface] for iface, _ in GLOBALS
                            if trusted or iface not in VIRTUAL_INPUT]
        for label in labels:
            self.ids[client][label] = self.next_id[client]
            self.next_id[client] += 1

    def disconnect(self, client=0):
        self.rec(DISCONNECT, high=client)
        self.ids[client] = {}
        self.next_id[client] = 2

    def rec(self, kind, *args, high=0):
        """A harness record; `high` is the tag's top bit: the client, or "pressed"."""
        self.out += bytes([kind | high << 7]) + b''.join(args)

    def warp(self, x, y):
        self.rec(WARP, u((x + 16) | (y + 16) << 16))

    def repaint(self):
        self.rec(REPAINT)

    def registry(self, reg='reg', client=0):
        self.req(1, 1, n(reg), client=client)

    def bind(self, iface, new_id, reg='reg', version=None, client=0):
        self.req(reg, 0, u(NAME[iface]), s(iface), u(version or VERSION[iface]), n(new_id),
                 client=client)

    def pool(self, shm, new_id, kind, size, pool_size=None):
        self.req(shm, 0, n(new_id), h(kind, size), u(pool_size or size))

    def buffer(self, pool, new_id, w, h_, stride=None, offset=0, fmt=XRGB8888_SHM):
        self.req(pool, 0, n(new_id), u(offset), u(w), u(h_), u(stride or w * 4), u(fmt))

    def surface(self, comp, new_id):
        self.req(comp, 0, n(new_id))

    def attach(self, surf, buf):
        self.req(surf, 1, o(buf), u(0), u(0))

    def damage(self, surf, x=0, y=0, w=0x7fffffff, h_=0x7fffffff, buffer=False):
        self.req(surf, 9 if buffer else 2, u(x), u(y), u(w), u(h_))

    def commit(self, surf):
        self.req(surf, 6)

    def toplevel(self, wm, surf, xdg, top, title='fuzz'):
        """xdg_surface + toplevel, initial commit, ack of the first configure."""
        self.req(wm, 2, n(xdg), o(surf))
        self.req(xdg, 1, n(top))
        self.req(top, 2, s(title))
        self.commit(surf)
        self.serial += 1
        self.req(xdg, 4, u(self.serial))

    def write(self, path):
        with open(path, 'wb') as f:
            f.write(bytes(self.out))


# Ids used by the sessions below.
COMP, SUBC, DDM, SHM, PRES, WM, OUT, XOUT, SCM, SEAT, DMABUF = (
    'comp', 'subc', 'ddm', 'shm', 'pres', 'wm', 'out', 'xout', 'scm', 'seat', 'dmabuf')
PSM, DCM, IDLE, ACT, VPORTER, DECO, LAYER, VKBD, VPTR = (
    'psm', 'dcm', 'idle', 'act', 'vporter', 'deco', 'layer', 'vkbd', 'vptr')
LABEL = {
    'wl_compositor': COMP, 'wl_subcompositor': SUBC, 'wl_data_device_manager': DDM,
    'zwp_primary_selection_device_manager_v1': PSM, 'zwlr_data_control_manager_v1': DCM,
    'zwp_idle_inhibit_manager_v1': IDLE, 'xdg_activation_v1': ACT, 'wl_shm': SHM,
    'wp_presentation': PRES, 'xdg_wm_base': WM, 'wp_viewporter': VPORTER,
    'zxdg_decoration_manager_v1': DECO, 'zwlr_layer_shell_v1': LAYER,
    'zxdg_output_manager_v1': XOUT, 'wl_output': OUT, 'zwlr_screencopy_manager_v1': SCM,
    'wl_seat': SEAT, 'zwp_virtual_keyboard_manager_v1': VKBD,
    'zwlr_virtual_pointer_manager_v1': VPTR, 'zwp_linux_dmabuf_v1': DMABUF,
}


PREBIND = 16


def bind_all(c=0, prebind=True):
    """Every global bound. With `prebind` the harness does it (config bit 4), at the same ids."""
    x = Session(c | (PREBIND if prebind else 0))
    if x.out[0] & PREBIND:
        x.prebound()
        return x
    x.registry()
    for iface, _ in GLOBALS:
        x.bind(iface, LABEL[iface])
    return x


def mapped_window(x, kind=FD_SEALED, size=65536, w=64, h_=64, fmt=XRGB8888_SHM):
    """Pool 20, buffer 21, surface 22, xdg_surface 23, toplevel 24, mapped and drawn."""
    x.pool(SHM, 20, kind, size)
    x.buffer(20, 21, w, h_, fmt=fmt)
    x.surface(COMP, 22)
    x.toplevel(WM, 22, 23, 24)
    x.attach(22, 21)
    x.damage(22)
    x.commit(22)
    x.repaint()


def sessions():
    out = {}

    out['bind-all'] = bind_all(prebind=False)

    x = bind_all()
    mapped_window(x)
    x.req(22, 3, n(25))            # frame callback
    x.damage(22, 0, 0, 8, 8, buffer=True)
    x.commit(22)
    x.repaint()
    out['toplevel-shm'] = x

    x = bind_all()
    mapped_window(x, fmt=ARGB8888_SHM)
    x.req(24, 7, u(200), u(200))   # max size
    x.req(24, 8, u(32), u(32))     # min size
    x.req(23, 3, u(0), u(0), u(64), u(64))  # window geometry
    x.req(24, 3, s('org.sealway.fuzz'))
    x.req(22, 7, u(1))             # buffer transform 90
    x.req(22, 8, u(2))             # scale 2
    x.commit(22)
    x.repaint()
    x.req(24, 0)
    x.req(23, 0)
    x.repaint()
    out['toplevel-transform-destroy'] = x

    x = bind_all()
    mapped_window(x)
    x.buffer(20, 30, 32, 32, offset=16384)
    x.surface(COMP, 31)
    x.req(SUBC, 1, n(32), o(31), o(22))    # subsurface of the toplevel
    x.req(32, 1, u(16), u(16))
    x.req(32, 2, o(22))                    # place above parent
    x.attach(31, 30)
    x.damage(31)
    x.commit(31)
    x.commit(22)
    x.repaint()
    x.req(32, 5)                           # desync
    x.req(32, 1, u(0xfffffff0), u(40))
    x.commit(31)
    x.commit(22)
    x.repaint()
    x.req(22, 0)                           # parent goes first
    x.repaint()
    out['subsurface'] = x

    x = bind_all()
    mapped_window(x)
    x.req(WM, 1, n(40))                    # positioner
    x.req(40, 1, u(32), u(32))
    x.req(40, 2, u(0), u(0), u(64), u(64))
    x.req(40, 3, u(8))                     # anchor bottom right
    x.req(40, 4, u(8))
    x.surface(COMP, 41)
    x.req(WM, 2, n(42), o(41))
    x.req(42, 2, n(43), o(23), o(40))      # popup of the toplevel
    x.commit(41)
    x.req(42, 4, u(4))                     # the popup's configure (enter and keys took 2, 3)
    x.buffer(20, 44, 32, 32, offset=16384)
    x.attach(41, 44)
    x.commit(41)
    x.repaint()
    x.req(43, 2, o(40), u(7))              # reposition
    x.req(24, 0)                           # toplevel before its popup
    x.repaint()
    out['popup'] = x

    x = bind_all()
    mapped_window(x)
    x.req(SCM, 0, n(50), u(1), o(OUT))     # capture_output
    x.pool(SHM, 51, FD_SEALED, 1048576, 320 * 240 * 4)
    x.buffer(51, 52, 320, 240)
    x.req(50, 2, o(52))                    # copy_with_damage
    x.repaint()
    x.req(SCM, 1, n(53), u(0), o(OUT), u(10), u(10), u(40), u(30))
    x.buffer(51, 54, 40, 30)
    x.req(53, 0, o(54))
    x.repaint()
    x.req(SCM, 2)                          # manager destroyed with frames alive
    out['screencopy'] = x

    x = bind_all()
    mapped_window(x)
    x.req(DMABUF, 1, n(60))                # params
    x.req(60, 1, h(FD_SEALED_DMABUF, 65536), u(0), u(0), u(256), u(0), u(0))
    x.req(60, 3, n(61), u(64), u(64), u(XRGB8888_DRM), u(0))   # create_immed
    x.attach(22, 61)
    x.damage(22)
    x.commit(22)
    x.repaint()
    # Version 4 only (a DRM device): without one the client ends here.
    x.req(DMABUF, 2, n(62))                # default feedback
    x.req(DMABUF, 3, n(63), o(22))         # surface feedback
    out['dmabuf-immed'] = x

    x = bind_all()
    mapped_window(x)
    x.req(DMABUF, 1, n(60))
    x.req(60, 1, h(FD_DMABUF, 16384), u(0), u(0), u(64), u(0), u(0))
    x.req(60, 1, h(FD_AGAIN, 16384), u(1), u(4096), u(64), u(0), u(0))
    x.req(60, 3, n(61), u(64), u(64), u(NV12_DRM), u(0))
    x.attach(22, 61)
    x.damage(22, 0, 0, 16, 16)
    x.commit(22)
    x.repaint()
    x.req(DMABUF, 1, n(62))
    x.req(62, 1, h(FD_MEMFD, 16384), u(0), u(0), u(256), u(0), u(0))
    x.req(62, 2, u(16), u(16), u(ARGB8888_DRM), u(0))          # create: a memfd fails
    out['dmabuf-nv12-and-failed'] = x

    x = bind_all(prebind=False)
    x.req(DMABUF, 1, n(60))
    x.req(60, 1, h(FD_PIPE_R), u(0), u(0), u(256), u(0), u(0))
    x.req(60, 2, u(64), u(64), u(XRGB8888_DRM), u(0))
    x.req(60, 0)
    out['dmabuf-v3-pipe'] = x

    x = bind_all()
    mapped_window(x, kind=FD_MEMFD)        # unsealed: guarded against SIGBUS
    x.rec(TRUNCATE, bytes([0]), bytes([0]))
    x.damage(22)
    x.commit(22)
    x.repaint()
    out['truncate-after-commit'] = x

    x = bind_all()
    x.pool(SHM, 20, FD_MEMFD, 8192)
    x.req(20, 2, u(65536))                 # resize past the file
    out['pool-resize-past-file'] = x
    x = bind_all()
    x.pool(SHM, 21, FD_SEALED, 65536, 4096)
    x.req(21, 2, u(65536))
    x.buffer(21, 22, 128, 128)
    x.req(21, 1)                           # pool destroyed, buffer kept
    for kind, name in ((FD_PIPE_W, 'pipe'), (FD_DEVNULL, 'devnull'), (FD_DIR, 'directory'),
                       (FD_SOCKET, 'socket'), (FD_OPATH, 'opath'), (FD_EVENTFD, 'eventfd'),
                       (FD_WRITE_SEALED, 'write-sealed'), (FD_READONLY, 'readonly')):
        y = bind_all()
        y.pool(SHM, 20, kind, 4096)
        out['pool-fd-' + name] = y
    out['pool-resize'] = x

    x = bind_all(c=1)                      # --shm-seals=require
    x.pool(SHM, 20, FD_MEMFD, 4096)
    out['require-seals-unsealed'] = x
    x = bind_all(c=1)
    mapped_window(x, kind=FD_ALL_SEALED)
    out['require-seals-sealed'] = x

    x = bind_all(c=2 | 4 | 8)              # keyboard, pointer, keymap
    x.req(SEAT, 0, n(70))                  # pointer
    x.req(SEAT, 1, n(71))                  # keyboard
    mapped_window(x)
    x.warp(40, 40)
    x.rec(BUTTON, bytes([0]), high=1)    # press
    x.rec(BUTTON, bytes([0]))              # release
    x.rec(KEY, bytes([30]), high=1)
    x.rec(KEY, bytes([30]))
    x.rec(SEAT_EVENT, bytes([0]), bytes([5]), bytes([1]))   # vertical axis
    x.rec(SEAT_EVENT, bytes([3 | 1 << 2]))                  # shift down
    x.rec(KEY, bytes([31]), high=1)
    x.surface(COMP, 72)
    x.buffer(20, 73, 16, 16, offset=32768)
    x.attach(72, 73)
    x.commit(72)
    x.req(70, 0, u(3), o(72), u(1), u(1))  # set_cursor with the enter serial
    x.repaint()
    x.req(72, 0)
    x.warp(300, 200)
    x.repaint()
    out['seat-cursor'] = x

    x = bind_all(c=2 | 4)
    x.req(SEAT, 1, n(71))
    x.req(DDM, 1, n(80), o(SEAT))          # data device
    x.req(DDM, 0, n(81))                   # source
    x.req(81, 0, s('text/plain'))
    mapped_window(x)
    x.req(80, 1, o(81), u(2))
    x.prebound(client=1)
    x.req(DDM, 1, n(80), o(SEAT), client=1)
    x.req(SHM, 0, n(20), h(FD_SEALED, 65536), u(65536), client=1)
    x.req(20, 0, n(21), u(0), u(64), u(64), u(256), u(1), client=1)
    x.req(COMP, 0, n(22), client=1)
    x.req(WM, 2, n(23), o(22), client=1)
    x.req(23, 1, n(24), client=1)
    x.req(22, 6, client=1)
    x.req(23, 4, u(4), client=1)
    x.req(22, 1, o(21), u(0), u(0), client=1)
    x.req(22, 6, client=1)
    x.repaint()
    x.req(0xf0, 1, s('text/plain'), h(FD_PIPE_W), client=1)    # receive on the offer
    x.rec(SEAT_EVENT, bytes([2 | 8]))      # the keyboard unplugged: focus goes
    x.rec(SEAT_EVENT, bytes([2 | 4 | 8]))  # and back
    x.disconnect()                      # the selection's owner goes
    x.repaint()
    out['clipboard-two-clients'] = x

    x = bind_all()
    mapped_window(x)
    x.req(PRES, 1, o(22), n(90))
    x.req(22, 3, n(91))
    x.damage(22)
    x.commit(22)
    x.req(COMP, 1, n(92))                  # region
    x.req(92, 1, u(0), u(0), u(32), u(32))
    x.req(92, 2, u(8), u(8), u(4), u(4))
    x.req(22, 4, o(92))
    x.req(22, 5, o(92))
    x.req(22, 10, u(3), u(4))              # offset
    x.commit(22)
    x.repaint()
    x.repaint()
    x.rec(REPAINT, high=1)                 # output off: feedback discarded
    x.damage(22)
    x.commit(22)
    x.rec(REPAINT, high=1)                 # and on again
    x.repaint()
    x.req(XOUT, 1, n(93), o(OUT))
    x.req(1, 0, n(94))                     # sync
    out['presentation-region-output'] = x

    x = bind_all()
    mapped_window(x)
    x.disconnect()
    x.prebound()
    x.surface(COMP, 4)
    x.commit(4)
    x.rec(RAW, a(b'\x01\x00\x00\x00\x00\x00\x0c\x00\x0f\x00\x00\x00'))  # sync
    x.rec(RAW, a(b'\xff' * 16))
    out['disconnect-reconnect-garbage'] = x

    x = bind_all()
    mapped_window(x)
    x.req(WM, 0)                           # wm_base destroyed with surfaces: defunct
    out['wm-base-defunct'] = x

    x = bind_all(c=2 | 4)
    x.req(SEAT, 0, n('ptr'))
    x.req(SEAT, 1, n('kbd'))
    mapped_window(x)
    x.req(24, 1, o(0))                     # set_parent(null)
    x.req(24, 4, o(SEAT), u(2), u(5), u(5))   # show_window_menu
    x.req(24, 5, o(SEAT), u(2))            # move
    x.req(24, 6, o(SEAT), u(2), u(10))     # resize
    for opcode in (9, 10, 12, 13):         # (un)maximize, unset_fullscreen, minimize
        x.req(24, opcode)
    x.req(24, 11, o(OUT))                  # fullscreen
    x.req(WM, 1, n('pos'))
    x.req('pos', 1, u(16), u(16))
    x.req('pos', 2, u(0), u(0), u(8), u(8))
    x.req('pos', 5, u(0xff))
    x.req('pos', 6, u(0x7fffffff), u(0x80000000))
    x.req('pos', 7)
    x.req('pos', 8, u(64), u(64))
    x.req('pos', 9, u(1))
    x.surface(COMP, 'psurf')
    x.req(WM, 2, n('pxdg'), o('psurf'))
    x.req('pxdg', 2, n('popup'), o(23), o('pos'))
    x.req('popup', 1, o(SEAT), u(2))       # grab
    x.req('psurf', 6)
    x.req('popup', 0)
    x.surface(COMP, 'sub')
    x.req(SUBC, 1, n('subsurface'), o('sub'), o(22))
    x.req('subsurface', 3, o(22))          # place_below
    x.req('subsurface', 4)                 # set_sync
    x.buffer(20, 'subbuf', 16, 16, offset=32768)
    x.attach('sub', 'subbuf')
    x.commit('sub')
    x.commit(22)
    x.repaint()
    x.req('subsurface', 0)
    x.req(SCM, 0, n('frame'), u(0), o(OUT))
    x.pool(SHM, 'scpool', FD_SEALED, 1048576, 320 * 240 * 4)
    x.buffer('scpool', 'scbuf', 320, 240)
    x.damage(22)
    x.commit(22)
    x.req('frame', 0, o('scbuf'))          # waits for the repaint: the output is damaged
    x.req(SCM, 0, n('frame2'), u(0), o(OUT))
    x.buffer('scpool', 'scbuf2', 320, 240)
    x.req('frame2', 2, o('scbuf2'))
    x.req('scbuf2', 0)                     # its buffer goes while it waits
    x.repaint()
    x.req('frame', 1)
    x.req(XOUT, 1, n('xo'), o(OUT))
    x.req('xo', 0)
    x.req(DDM, 0, n('src'))
    x.req('src', 0, s('text/plain'))
    x.req('src', 2, u(1))
    x.req(DDM, 1, n('dev'), o(SEAT))
    x.req('dev', 1, o('src'), u(2))                # the keyboard enter's serial
    x.req(0xf0, 0, u(3), s('text/plain'))  # accept on the offer we got
    x.req(0xf0, 4, u(1), u(1))
    x.req(0xf0, 3)
    x.req(0xf0, 2)
    x.req('dev', 0, o('src'), o(22), o(0), u(3))   # start_drag
    x.req('dev', 2)
    x.surface(COMP, 'cursor')
    x.warp(40, 40)
    x.req('ptr', 0, u(4), o('cursor'), u(0), u(0))     # with the enter's serial
    x.buffer(20, 'curbuf', 16, 16, offset=49152)
    x.attach('cursor', 'curbuf')
    x.damage('cursor')
    x.commit('cursor')                     # a cursor's commit
    x.repaint()
    x.req(22, 0)                           # the focused surface goes
    x.repaint()
    out['kitchen-sink'] = x
    out.update(newer_protocols())
    return out


KEYMAP = (b'xkb_keymap {\n'
          b'  xkb_keycodes "(unnamed)" { minimum = 8; maximum = 255; <K1> = 38; <K2> = 50; };\n'
          b'  xkb_types "(unnamed)" { include "complete" };\n'
          b'  xkb_compatibility "(unnamed)" { include "complete" };\n'
          b'  xkb_symbols "(unnamed)" { key <K1> { [ a, A ] }; key <K2> { [ Shift_L ] }; };\n'
          b'};\n\0')


def newer_protocols():
    """Seeds for viewporter, xdg-decoration, layer shell, data control, primary
    selection, xdg-activation, idle inhibit and the virtual keyboard and pointer."""
    out = {}

    x = bind_all()
    mapped_window(x)
    x.req(VPORTER, 1, n('vp'), o(22))          # get_viewport
    x.req('vp', 1, fx(0), fx(0), fx(32.5), fx(16))   # set_source
    x.req('vp', 2, u(200), u(100))             # set_destination
    x.damage(22)
    x.commit(22)
    x.repaint()
    x.req('vp', 1, fx(-1), fx(-1), fx(-1), fx(-1))   # unset the source
    x.req('vp', 2, u(0xffffffff), u(0xffffffff))     # and the destination
    x.commit(22)
    x.repaint()
    x.req('vp', 1, fx(60), fx(60), fx(30), fx(30))   # past the buffer: out_of_buffer
    x.commit(22)
    x.repaint()
    out['viewporter'] = x

    for name, error in (('exists', lambda x: x.req(VPORTER, 1, n('vp2'), o(22))),
                        ('bad-value', lambda x: x.req('vp', 2, u(0), u(5))),
                        ('no-surface', lambda x: (x.req(22, 0),
                                                  x.req('vp', 2, u(10), u(10))))):
        x = bind_all()
        mapped_window(x)
        x.req(VPORTER, 1, n('vp'), o(22))
        error(x)
        out['viewporter-' + name] = x

    x = bind_all(c=4)                          # a pointer, to drag the title bar
    x.req(SEAT, 0, n('ptr'))
    x.pool(SHM, 20, FD_SEALED, 65536)
    x.buffer(20, 21, 64, 64)
    x.surface(COMP, 22)
    x.req(WM, 2, n(23), o(22))
    x.req(23, 1, n(24))
    x.req(DECO, 1, n('deco'), o(24))           # get_toplevel_decoration, before a buffer
    x.req('deco', 1, u(2))                     # server side
    x.commit(22)
    x.req(23, 4, u(1))                         # the first configure's serial
    x.attach(22, 21)
    x.damage(22)
    x.commit(22)
    x.repaint()
    x.warp(50, 20)                             # on the title bar
    x.rec(BUTTON, bytes([0]), high=1)
    x.warp(80, 30)
    x.rec(BUTTON, bytes([0]))
    x.repaint()
    x.warp(88, 20)                             # the close button, maybe
    x.rec(BUTTON, bytes([0]), high=1)
    x.rec(BUTTON, bytes([0]))
    x.req('deco', 1, u(1))                     # client side
    x.req('deco', 2)                           # unset_mode
    x.repaint()
    x.req(24, 0)                               # the toplevel before its decoration
    x.req('deco', 1, u(2))                     # orphaned
    out['decoration'] = x

    x = bind_all(c=2 | 8)                      # a keyboard, for keyboard_interactivity
    x.req(SEAT, 1, n('kbd'))
    x.pool(SHM, 20, FD_SEALED, 262144)
    x.buffer(20, 21, 320, 30)
    x.surface(COMP, 22)
    x.req(LAYER, 0, n('ls'), o(22), o(OUT), u(2), s('bar'))    # top layer
    x.req('ls', 0, u(0), u(30))                # set_size
    x.req('ls', 1, u(1 | 4 | 8))               # anchor top, left, right
    x.req('ls', 2, u(30))                      # exclusive zone
    x.req('ls', 3, u(1), u(2), u(3), u(4))     # margins
    x.req('ls', 4, u(1))                       # exclusive keyboard
    x.commit(22)
    x.serial += 1
    x.req('ls', 6, u(x.serial))                # ack_configure
    x.attach(22, 21)
    x.damage(22)
    x.commit(22)
    x.repaint()
    x.surface(COMP, 30)                        # a window, kept out of the bar's zone
    x.req(WM, 2, n(31), o(30))
    x.req(31, 1, n(32))
    x.req(32, 9)                               # maximized
    x.commit(30)
    x.req(WM, 1, n('pos'))
    x.req('pos', 1, u(16), u(16))
    x.req('pos', 2, u(0), u(0), u(8), u(8))
    x.surface(COMP, 'psurf')
    x.req(WM, 2, n('pxdg'), o('psurf'))
    x.req('pxdg', 2, n('popup'), o(0), o('pos'))   # a popup without a parent...
    x.req('ls', 5, o('popup'))                     # ...given to the layer surface
    x.req('ls', 8, u(0))                       # set_layer background
    x.req('ls', 1, u(16))                      # bad anchor
    x.req(LAYER, 0, n('ls2'), o(22), o(0), u(7), s(None))   # role again, bad layer
    x.repaint()
    out['layer-shell'] = x

    x = bind_all(c=2)
    x.req(DCM, 1, n('dcd'), o(SEAT))           # get_data_device
    x.req(DCM, 0, n('dcs'))                    # create_data_source
    x.req('dcs', 0, s('text/plain'))
    x.req('dcs', 0, s('image/png'))
    x.req('dcd', 0, o('dcs'))                  # set_selection
    x.req(DCM, 0, n('dcp'))
    x.req('dcp', 0, s('text/plain;charset=utf-8'))
    x.req('dcd', 2, o('dcp'))                  # set_primary_selection
    x.prebound(client=1)
    x.req(DCM, 1, n('dcd'), o(SEAT), client=1)
    x.req(0xf0, 0, s('text/plain'), h(FD_PIPE_W), client=1)    # receive on the offer
    x.req(0xf1, 0, s('image/png'), h(FD_MEMFD, 4096), client=1)  # into a file
    x.req('dcd', 0, o(0), client=1)            # clear
    x.disconnect()                             # the source's client goes
    x.req(DCM, 2, client=1)
    out['data-control'] = x

    x = bind_all(c=2 | 4 | 8)
    x.req(SEAT, 0, n('ptr'))
    x.req(SEAT, 1, n('kbd'))
    mapped_window(x)
    x.warp(40, 40)
    x.rec(BUTTON, bytes([0]), high=1)          # a serial for set_selection
    x.rec(BUTTON, bytes([0]))
    x.req(PSM, 1, n('psd'), o(SEAT))           # get_device
    x.req(PSM, 0, n('pss'))                    # create_source
    x.req('pss', 0, s('text/plain'))
    x.req('psd', 0, o('pss'), u(5))            # set_selection
    x.req('psd', 0, o('pss'), u(0x7fffffff))   # a serial never sent
    x.req(0xf0, 0, s('text/plain'), h(FD_PIPE_W))   # receive on our own offer
    x.req('pss', 1)                            # source destroyed while selected
    x.req(PSM, 2)
    out['primary-selection'] = x

    x = bind_all(c=2 | 4 | 8)
    x.req(SEAT, 0, n('ptr'))
    x.req(SEAT, 1, n('kbd'))
    mapped_window(x)
    x.warp(40, 40)
    x.rec(BUTTON, bytes([0]), high=1)
    x.rec(BUTTON, bytes([0]))
    x.req(ACT, 1, n('tok'))                    # get_activation_token
    x.req('tok', 0, u(5), o(SEAT))             # set_serial
    x.req('tok', 1, s('org.sealway.fuzz'))     # set_app_id
    x.req('tok', 2, o(22))                     # set_surface
    x.req('tok', 3)                            # commit: done
    x.req(ACT, 1, n('tok2'))
    x.req('tok2', 3)                           # no serial
    x.req(ACT, 2, s('00112233445566778899aabbccddeeff'), o(22))   # activate, unknown
    x.req(ACT, 2, s(''), o(22))
    x.req('tok', 3)                            # already_used
    out['activation'] = x

    x = bind_all()
    mapped_window(x)
    x.req(IDLE, 1, n('inh'), o(22))            # create_inhibitor
    x.req(IDLE, 1, n('inh2'), o(22))
    x.req('inh', 0)
    x.req(22, 0)                               # the surface before its inhibitor
    x.req('inh2', 0)
    x.req(IDLE, 0)
    out['idle-inhibit'] = x

    x = bind_all(c=2)
    x.req(SEAT, 1, n('kbd'))
    mapped_window(x)
    x.req(VKBD, 0, o(SEAT), n('vk'))           # create_virtual_keyboard
    x.req(VKBD, 0, o(SEAT), n('vk2'))
    x.req('vk2', 0, u(1), hdata(KEYMAP), u(len(KEYMAP)))   # a keymap that compiles
    x.req('vk2', 1, u(1), u(30), u(1))         # key down
    x.req('vk2', 2, u(1), u(0), u(0), u(0))    # modifiers: shift
    x.req('vk2', 1, u(2), u(30), u(0))
    x.req('vk2', 1, u(3), u(0xffff), u(1))     # past KEY_MAX
    x.req('vk2', 1, u(4), u(42), u(1))         # held when it goes
    x.req('vk2', 3)                            # destroy
    x.req('vk', 1, u(1), u(30), u(1))          # key before keymap: no_keymap
    out['virtual-keyboard'] = x

    escape = b'xkb_keymap { xkb_keycodes { include "../../x" }; };'
    # libxkbcommon 1.5.0 leaks on a stray token after a keymap and crashes on a key
    # body that starts with a comma: both must stay in the compiling child.
    trailing = KEYMAP[:-1] + b'J\0'
    crash = KEYMAP.replace(b'{ [ a, A ] }', b'{, [ a, A ] }')
    for name, fd, size in (('garbage', hdata(b'not a keymap {'), 14),
                           ('escape', hdata(escape), len(escape)),
                           ('trailing', hdata(trailing), len(trailing)),
                           ('crash', hdata(crash), len(crash)),
                           ('huge', h(FD_MEMFD, 4096), 0xffffffff),
                           ('short', hdata(KEYMAP), len(KEYMAP) + 100)):
        x = bind_all(c=2)
        x.req(SEAT, 1, n('kbd'))
        x.req(VKBD, 0, o(SEAT), n('vk'))
        x.req('vk', 0, u(1), fd, u(size))
        out['virtual-keyboard-keymap-' + name] = x

    x = bind_all()
    mapped_window(x)
    x.req(VPTR, 0, o(SEAT), n('vp'))           # create_virtual_pointer
    x.req('vp', 0, u(1), fx(10), fx(10.5))     # motion
    x.req('vp', 4)                             # frame
    x.req('vp', 1, u(2), u(50), u(40), u(320), u(240))   # motion_absolute
    x.req('vp', 2, u(3), u(0x110), u(1))       # button down
    x.req('vp', 4)
    x.req('vp', 5, u(0))                       # axis_source wheel
    x.req('vp', 7, u(4), u(0), fx(15), u(1))   # axis_discrete
    x.req('vp', 3, u(5), u(1), fx(-3))         # axis
    x.req('vp', 6, u(6), u(0))                 # axis_stop
    x.req('vp', 4)
    x.req('vp', 1, u(7), u(1), u(1), u(0), u(0))   # zero extent
    x.req(VPTR, 2, o(SEAT), o(OUT), n('vp2'))  # with an output
    x.req('vp2', 1, u(9), u(0xffffffff), u(0xffffffff), u(0xffffffff), u(0xffffffff))
    x.req('vp2', 4)
    x.req('vp2', 8)                            # destroy
    x.repaint()
    x.req('vp', 3, u(8), u(2), fx(1))          # bad axis, with a button down
    out['virtual-pointer'] = x

    x = Session(PREBIND | 32)                  # client 0 is the spawned connection
    x.prebound()
    x.prebound(client=1, trusted=False)
    x.req(VKBD, 0, o(SEAT), n('vk'))
    x.req('vk', 0, u(1), hdata(KEYMAP), u(len(KEYMAP)))
    x.req('reg', 0, u(NAME['zwp_virtual_keyboard_manager_v1']),
          s('zwp_virtual_keyboard_manager_v1'), u(1), n('vk'), client=1)   # hidden from it
    x.disconnect()
    x.prebound(trusted=False)                  # a reconnect is not the spawned client
    x.req('reg', 0, u(NAME['zwlr_virtual_pointer_manager_v1']),
          s('zwlr_virtual_pointer_manager_v1'), u(2), n('vptr'))
    out['trust-spawned'] = x
    return out


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'corpus')
    os.makedirs(directory, exist_ok=True)
    for name, session in sessions().items():
        session.write(os.path.join(directory, name))
    print('%d seeds in %s' % (len(sessions()), directory))


if __name__ == '__main__':
    main()
