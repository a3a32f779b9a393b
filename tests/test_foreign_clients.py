#!/usr/bin/env python3
"""Clients we did not write work: weston-simple-shm animates, foot draws a
terminal, and wayland-info sees every global and wl_shm format we promise."""

import os
import re
import time

import harness
from harness import check, BACKGROUND

X0, Y0 = harness.FIRST_WINDOW


def weston_simple_shm_animates():
    exe = harness.tool('weston-simple-shm')
    with harness.Compositor() as comp:
        client = comp.spawn([exe])
        # simple-shm draws 250x250 at the first window position.
        rect = (X0, Y0, X0 + 250, Y0 + 250)
        deadline = time.monotonic() + 5
        while True:
            first = comp.capture_grim()
            drawn = first.count_not(rect, BACKGROUND)
            if drawn > 1000 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        check(client.poll() is None, 'weston-simple-shm keeps running (exit %s): %s'
              % (client.poll(), open(client.log_path).read().strip()))
        check(drawn > 1000, 'weston-simple-shm draws into (%d,%d)-(%d,%d) (%d non-background '
              'pixels)' % (*rect, drawn))
        time.sleep(0.3)
        second = comp.capture_grim()
        a, b = first.region_bytes(rect), second.region_bytes(rect)
        changed = sum(1 for i in range(0, len(a), 3) if a[i:i + 3] != b[i:i + 3])
        check(changed > 100, 'weston-simple-shm\'s pixels change between two captures 0.3 s '
              'apart (%d changed)' % changed)


def waypipe_forwards_a_client():
    """waypipe copies a client's shm buffers into pools of its own on our side
    of the link: weston-simple-shm, forwarded through it, shows and animates."""
    waypipe = harness.tool('waypipe')
    simple = harness.tool('weston-simple-shm')
    with harness.Compositor() as comp:
        sock = os.path.join(comp.tmp, 'waypipe.sock')
        # The client end talks to the compositor; the server end runs the program.
        comp.spawn([waypipe, '--no-gpu', '-s', sock, 'client'])
        deadline = time.monotonic() + 5
        while not os.path.exists(sock) and time.monotonic() < deadline:
            time.sleep(0.05)
        check(os.path.exists(sock), 'waypipe client creates its socket %s' % sock)
        server = comp.spawn([waypipe, '--no-gpu', '-s', sock, 'server', '--', simple])
        rect = (X0, Y0, X0 + 250, Y0 + 250)
        deadline = time.monotonic() + 10
        while True:
            first = comp.capture('sealway-capture')
            drawn = first.count_not(rect, BACKGROUND)
            if drawn > 1000 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        check(server.poll() is None, 'waypipe server keeps running weston-simple-shm '
              '(exit %s): %s' % (server.poll(), open(server.log_path).read().strip()[-500:]))
        check(drawn > 1000, 'the forwarded window draws into (%d,%d)-(%d,%d) (%d '
              'non-background pixels)' % (*rect, drawn))
        time.sleep(0.3)
        second = comp.capture('sealway-capture')
        a, b = first.region_bytes(rect), second.region_bytes(rect)
        changed = sum(1 for i in range(0, len(a), 3) if a[i:i + 3] != b[i:i + 3])
        check(changed > 100, 'the forwarded window animates (%d pixels changed in 0.3 s)'
              % changed)
        comp.check_alive('a client was forwarded through waypipe')


def foot_starts_and_draws():
    exe = harness.tool('foot')
    with harness.Compositor() as comp:
        home = os.path.join(comp.tmp, 'home')
        os.makedirs(os.path.join(home, '.config'), mode=0o700)
        env = {'HOME': home, 'XDG_CONFIG_HOME': os.path.join(home, '.config'),
               'XDG_CACHE_HOME': os.path.join(home, '.cache'), 'SHELL': '/bin/sh'}
        client = comp.spawn([exe, '--', 'sh', '-c', 'echo sealway; sleep 60'], extra_env=env)
        rect = (X0, Y0, X0 + 200, Y0 + 100)
        deadline = time.monotonic() + 15
        drawn = 0
        while time.monotonic() < deadline and client.poll() is None:
            drawn = comp.capture_grim().count_not(rect, BACKGROUND)
            if drawn > 1000:
                break
            time.sleep(0.2)
        check(client.poll() is None, 'foot keeps running (exit %s): %s'
              % (client.poll(), open(client.log_path).read().strip()[-2000:]))
        check(drawn > 1000, 'foot draws its window at (%d,%d): non-background pixels in '
              '(%d,%d)-(%d,%d) (got %d)' % (X0, Y0, *rect, drawn))


GLOBALS = ('wl_compositor', 'wl_subcompositor', 'wl_shm', 'wl_seat', 'xdg_wm_base',
           'zwlr_screencopy_manager_v1', 'wp_presentation', 'wl_output',
           'zxdg_output_manager_v1')
# wl_shm format: how wayland-info prints it (fourcc name, or the legacy codes 0 and 1)
FORMATS = {'ARGB8888': 'AR24', 'XRGB8888': 'XR24', 'ABGR8888': 'AB24', 'XBGR8888': 'XB24',
           'RGB565': 'RG16', 'ARGB2101010': 'AR30', 'XRGB2101010': 'XR30'}


def wayland_info_lists_globals_and_formats():
    exe = harness.tool('wayland-info')
    with harness.Compositor() as comp:
        res = comp.run([exe], check_status=0)
        out = res.stdout
        found = dict(re.findall(r"^interface: '(\w+)',\s+version:\s+(\d+)", out, re.M))
        for name in GLOBALS:
            check(name in found, 'wayland-info lists the %s global (found: %s)'
                  % (name, ', '.join(sorted(found))))
        check(int(found['wl_compositor']) >= 5, 'wl_compositor is version 5 (got %s)'
              % found['wl_compositor'])
        check(int(found['wl_output']) >= 4, 'wl_output is version 4 (got %s)'
              % found['wl_output'])
        check(int(found['zwlr_screencopy_manager_v1']) >= 3,
              'zwlr_screencopy_manager_v1 is version 3 (got %s)'
              % found['zwlr_screencopy_manager_v1'])
        m = re.search(r"^interface: 'wl_shm'.*?\n((?:\s+.*\n)*)", out, re.M)
        block = m.group(1) if m else ''
        codes = dict((name, code) for code, name in
                     re.findall(r"^\s*(0x[0-9a-f]+|\d+) = '(\w+)'", block, re.M))
        for fmt, fourcc in FORMATS.items():
            check(fourcc in codes, 'wl_shm advertises %s (%s); advertised: %s'
                  % (fmt, fourcc, ', '.join(sorted(codes))))
        check(codes.get('AR24') == '0' and codes.get('XR24') == '1',
              'ARGB8888 and XRGB8888 use the legacy wl_shm codes 0 and 1 (got %s, %s)'
              % (codes.get('AR24'), codes.get('XR24')))


if __name__ == '__main__':
    harness.main({f.__name__: f for f in (
        weston_simple_shm_animates, foot_starts_and_draws, waypipe_forwards_a_client,
        wayland_info_lists_globals_and_formats)})
