#!/usr/bin/env python3
"""The seat without input devices: headless sealway still offers a wl_seat
(clients such as foot refuse to start without one), with no capabilities, so
no client waits for a keyboard that cannot exist. (On a VT, the VM suite
checks the keyboard's keymap fd: read-only and sealed.)"""

import harness
from harness import check


def headless_seat_exists_without_devices():
    with harness.Compositor() as comp:
        res = comp.run([harness.program('keymap-probe'), '--expect-no-keyboard'])
        check(res.returncode == 0 and res.stdout.strip() == 'no-keyboard',
              'the headless wl_seat exists and reports no keyboard (got %r, status %d; %s)'
              % (res.stdout.strip(), res.returncode, res.stderr.strip()))
        comp.check_alive('a client bound the seat')


if __name__ == '__main__':
    harness.main({f.__name__: f for f in (headless_seat_exists_without_devices,)})
