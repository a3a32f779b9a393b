#!/usr/bin/env python3
"""zwp_idle_inhibit_manager_v1: sealway never blanks the output, so an
inhibitor is tracked and logged: its creation, and its end whether the client
destroys it or its surface goes first (then the later destroy is quiet)."""

import os

import harness
from harness import check


def idle_probe(comp, case):
    exe = os.environ.get('IDLE_PROBE') or os.path.join(
        os.environ.get('SW_BUILD_ROOT', ''), 'tests/idle-probe')
    if not os.access(exe, os.X_OK):
        raise harness.Skip('idle-probe not built (%s)' % exe)
    res = comp.run([exe, case], check_status=0)
    check(res.stdout.strip() == 'ok', 'idle-probe %s runs without a protocol error (got %r)'
          % (case, res.stdout.strip()))


def inhibitor_is_logged_from_creation_to_destroy():
    with harness.Compositor() as comp:
        idle_probe(comp, 'inhibit-then-destroy')
        log = comp.stderr_text()
        check('for wl_surface@3: 1 active' in log,
              'creating an inhibitor is logged with the count (1 active):\n%s'
              % comp.stderr_tail())
        check('of wl_surface@3 ends (destroyed): 0 active' in log,
              'destroying it is logged, back to 0 active:\n%s' % comp.stderr_tail())


def inhibitor_ends_when_its_surface_goes():
    with harness.Compositor() as comp:
        idle_probe(comp, 'surface-goes-first')
        log = comp.stderr_text()
        check('ends (its surface was destroyed): 0 active' in log,
              'an inhibitor whose surface is destroyed stops inhibiting:\n%s'
              % comp.stderr_tail())
        check(log.count(' ends (') == 1, 'its later destroy does not end it twice:\n%s'
              % comp.stderr_tail())


TESTS = (inhibitor_is_logged_from_creation_to_destroy, inhibitor_ends_when_its_surface_goes)

if __name__ == '__main__':
    harness.main({f.__name__: f for f in TESTS})
