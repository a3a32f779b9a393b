#!/usr/bin/env python3
"""Hostile clients of the compositor core (surfaces, subsurfaces, xdg_shell,
screencopy, shm pool lifetimes), one core-probe scenario each: the client
gets exactly the protocol error the specification names (or none), the
compositor survives without a sanitizer report, serves the next client, and
is back to its baseline of file descriptors once the offender is gone.

Scenarios that run and end go through sealway-probe (attached, with the
compositor's pid), whose verdict covers the error's interface and code, the
compositor alive, a fresh client's frame and the fds; the scenarios that hold
their connection while the test looks run core-probe directly.

Usage: test_core_hostile.py [SCENARIO...]   (core-probe scenario names)
"""

import os
import re
import subprocess

import harness
from harness import check

# The client destroyed its xdg_wm_base proxy (a destructor request), so
# libwayland names the object of the error "unknown"; the message says which.
DEFUNCT = ('protocol-error interface=unknown code=1', r'xdg_wm_base destroyed while')

# scenario: the line core-probe must print, or (that line, a regex its stderr must match)
CASES = {
    # xdg_wm_base.destroy with a live xdg_surface is defunct_surfaces (1), not a dangling pointer.
    'wm-base-destroyed-first': DEFUNCT,
    'wm-base-destroy-with-surfaces': DEFUNCT,
    'popup-parent-surface-destroyed': 'ok',
    # Placed within the compositor's coordinate limit (+-2^20), not at a wrapped int32.
    'popup-anchor-overflow': ('ok', r'popup configured at -?\d{1,7},-?\d{1,7} size 16x16'),
    'subsurface-position-overflow': 'ok',
    # 64 is not a multiple of the scale: wl_surface.invalid_size (2).
    'buffer-scale-overflow': 'protocol-error interface=wl_surface code=2',
    # A region wholly outside the output: the frame fails (no error, no buffer offered).
    'screencopy-region-overflow': ('ok', r'capture 0: failed\n(.*\n)*.*capture 1: failed'),
    # xdg_surface.invalid_size (5), not invalid_serial (4).
    'window-geometry-empty': 'protocol-error interface=xdg_surface code=5',
    # A committed maximum below the minimum: xdg_toplevel.invalid_size (2), naming both.
    'max-size-below-min': ('protocol-error interface=xdg_toplevel code=2',
                           r'maximum size 100x100 is below the minimum size 200x100'),
    # Refused with wl_subcompositor.bad_surface (0) once the tree is too deep.
    'subsurface-deep-chain': 'protocol-error interface=wl_subcompositor code=0',
    'pools-destroyed-buffers-kept': 'ok',
    # Buffers pin their pools' mappings: a client cannot hold unboundedly many.
    'pool-mappings-limit': 'protocol-error interface=wl_shm code=2',
    # A serial acked twice, never sent, or sent to another surface: xdg_surface.invalid_serial (4).
    'ack-configure-twice': ('protocol-error interface=xdg_surface code=4',
                            r'ack_configure serial \d+ was not sent to this xdg_surface'),
    'ack-configure-zero': 'protocol-error interface=xdg_surface code=4',
    'ack-configure-uint32-max': 'protocol-error interface=xdg_surface code=4',
    'ack-configure-of-another-surface': 'protocol-error interface=xdg_surface code=4',
}

# The sealway-probe case of each scenario that is not held.
PROBE_CASE = {
    'wm-base-destroyed-first': 'core.wm-base-destroyed-first',
    'wm-base-destroy-with-surfaces': 'core.wm-base-destroy-with-surfaces',
    'popup-parent-surface-destroyed': 'core.popup-parent-surface-destroyed',
    'popup-anchor-overflow': 'core.popup-anchor-overflow',
    'buffer-scale-overflow': 'core.buffer-scale-overflow',
    'screencopy-region-overflow': 'core.screencopy-region-overflow',
    'window-geometry-empty': 'core.window-geometry-empty',
    'max-size-below-min': 'core.max-size-below-min',
    'subsurface-deep-chain': 'core.subsurface-deep-chain',
    'pool-mappings-limit': 'flood.mappings',
    'ack-configure-twice': 'core.ack-configure-twice',
    'ack-configure-zero': 'core.ack-configure-zero',
    'ack-configure-uint32-max': 'core.ack-configure-uint32-max',
    'ack-configure-of-another-surface': 'core.ack-configure-of-another-surface',
}

# Scenarios that hold their connection: fds the compositor may keep meanwhile.
HELD_FD_ALLOWANCE = {'pools-destroyed-buffers-kept': 8, 'subsurface-position-overflow': 8}


def subsurface_placed_off_screen(comp):
    """The green parent is drawn whole and the red child, placed at
    INT32_MAX,INT32_MAX (clamped far off the output), nowhere."""
    img = comp.capture_sealway()
    x0, y0 = harness.FIRST_WINDOW
    bad, first = img.mismatches((x0, y0, x0 + 64, y0 + 64), 0x00ff00)
    check(bad == 0, 'subsurface-position-overflow: the parent is drawn whole at %d,%d '
          '(%d pixels differ: %s)' % (x0, y0, bad, harness.fmt_pixels(first)))
    red = img.count_not((0, 0, img.width, img.height), 0xff0000)
    check(red == img.width * img.height, 'subsurface-position-overflow: the child moved to '
          'INT32_MAX,INT32_MAX is not drawn on the output (%d red pixels)'
          % (img.width * img.height - red))


# What to look at while a held scenario is connected.
HELD_CHECK = {'subsurface-position-overflow': subsurface_placed_off_screen}


def core_probe():
    path = os.environ.get('CORE_PROBE') or os.path.join(
        os.environ.get('SW_BUILD_ROOT', ''), 'tests', 'core-probe')
    if not os.access(path, os.X_OK):
        raise harness.Skip('core-probe not built (%s)' % path)
    return path


def run_held(comp, scenario, baseline):
    """Run a scenario that prints "held": count the fds while it is connected."""
    p = subprocess.Popen([core_probe(), scenario], env=comp.env(), stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = p.stdout.readline().decode().strip()
        if line == 'held':
            held = comp.fd_count()
            check(held <= baseline + HELD_FD_ALLOWANCE[scenario],
                  '%s: the compositor holds at most %d fds while the client is connected '
                  '(baseline %d, got %d)' % (scenario, baseline + HELD_FD_ALLOWANCE[scenario],
                                             baseline, held))
            if scenario in HELD_CHECK:
                HELD_CHECK[scenario](comp)
        # Closing stdin lets the probe go; communicate() must not touch it again.
        p.stdin.close()
        p.stdin = None
        out, err = p.communicate(timeout=30)
    except BaseException:
        p.kill()
        p.wait()
        raise
    lines = (line + '\n' + out.decode()).strip().splitlines()
    return lines[-1] if lines else '', err.decode()


def run_case(scenario):
    expected, pattern = CASES[scenario] if isinstance(CASES[scenario], tuple) \
        else (CASES[scenario], None)
    with harness.Compositor() as comp:
        comp.roundtrip()
        baseline = comp.settled_fd_count()

        if scenario in HELD_FD_ALLOWANCE:
            result, err = run_held(comp, scenario, baseline)
        else:
            case = comp.probe_case(PROBE_CASE[scenario])
            check(case['verdict'] in ('PASS', 'INFO'), 'sealway-probe %s: %s (%s; observed %s)'
                  % (case['id'], case['verdict'], case['reason'], case['observation']))
            # "OUTCOME | LIBWAYLAND'S ERROR LINE | WHAT THE SCENARIO PRINTED..."
            parts = case['observation'].split(' | ')
            result, err = parts[0], '\n'.join(parts[1:]) + '\n'

        comp.check_alive('core-probe ' + scenario)
        check(result == expected, '%s ends as "%s" (got %r)\n  probe stderr: %s'
              % (scenario, expected, result, err.strip()[-400:]))
        if pattern:
            check(re.search(pattern, err), '%s: the error message matches /%s/ (got %r)'
                  % (scenario, pattern, err.strip()[-400:]))

        comp.roundtrip()
        comp.run([harness.program('sealway-shm'), '--frames', '5', '--size', '64x64'],
                 timeout=20, check_status=0)
        comp.check_alive('core-probe %s and a client after it' % scenario)
        count = comp.wait_fd_count(baseline)
        check(count == baseline, 'after %s the compositor is back to %d fds (got %d)'
              % (scenario, baseline, count))


def make(scenario):
    return lambda: run_case(scenario)


if __name__ == '__main__':
    harness.main({name: make(name) for name in CASES})
