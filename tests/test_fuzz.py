#!/usr/bin/env python3
"""Deterministic protocol fuzzing (sealway-probe's fuzz.seed-N cases, one seed
per test) against a compositor that serves two well-behaved clients meanwhile:
an animated sealway-shm that must keep getting frames, and a one-colour
sealway-shm whose window must still show exactly its pixels afterwards. The
case must pass (every request answered; the probe's own checks: alive, a
fresh client served, fds back at their baseline), and the compositor must
print no sanitizer report.

Usage: test_fuzz.py [seed-N...]
"""

import re
import signal
import time

import harness
from harness import check

SEEDS = (1, 2, 3)
REQUESTS = 100000   # what each fuzz.seed-N case sends
COLOR = 0x3366cc
# The second toplevel is placed at (64, 64): on top of the first.
COLOR_RECT = (64, 64, 64 + 96, 64 + 96)


def check_no_sanitizer(comp, when):
    err = comp.stderr_text()
    for pattern in harness.SANITIZER_PATTERNS:
        check(pattern not in err, 'no "%s" report %s\n%s' % (pattern, when, comp.stderr_tail(80)))


def wait_for_color(comp, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        img = comp.capture_sealway()
        n, first = img.mismatches(COLOR_RECT, COLOR)
        if n == 0 or time.monotonic() > deadline:
            return n, first
        time.sleep(0.1)


def run_seed(seed):
    with harness.Compositor() as comp:
        shm = harness.program('sealway-shm')
        animated = comp.spawn([shm, '--frames', '0', '--size', '96x96', '--log', 'warn'])
        # Mapped first, so it is the one at (32, 32), below the one-colour window.
        deadline = time.monotonic() + 5
        while comp.capture_sealway().pixel(40, 40) == harness.BACKGROUND:
            check(time.monotonic() < deadline, 'the animated client maps within 5 s')
            time.sleep(0.05)
        colored = comp.spawn([shm, '--frames', '0', '--size', '96x96', '--log', 'warn',
                              '--color', 'ff%06x' % COLOR])
        n, first = wait_for_color(comp)
        check(n == 0, 'the one-colour window shows %06x before fuzzing (%d differ: %s)'
              % (COLOR, n, harness.fmt_pixels(first)))
        baseline = comp.settled_fd_count()

        t0 = time.monotonic()
        case = comp.probe_case('fuzz.seed-%d' % seed, timeout=90)
        elapsed = time.monotonic() - t0
        print('# %s: %s (%.1f s)' % (case['verdict'], case['observation'], elapsed))
        comp.check_alive('sealway-probe --case fuzz.seed-%d' % seed)
        check_no_sanitizer(comp, 'while fuzzing with seed %d' % seed)
        check(case['verdict'] == 'PASS', 'fuzz.seed-%d passes (%s: %s)'
              % (seed, case['verdict'], case['reason']))
        check(('requests=%d ' % REQUESTS) in case['observation'],
              'fuzz.seed-%d sends all %d requests (got %r)'
              % (seed, REQUESTS, case['observation']))

        # The fuzzer's windows are gone: the one-colour window is intact.
        n, first = wait_for_color(comp)
        check(n == 0, 'after fuzzing with seed %d the one-colour window still shows exactly '
              '%06x in %s (%d differ: %s)' % (seed, COLOR, COLOR_RECT, n,
                                              harness.fmt_pixels(first)))
        check(animated.poll() is None and colored.poll() is None,
              'the well-behaved clients are still connected after the fuzzing')
        count = comp.wait_fd_count(baseline)
        check(count == baseline, 'after fuzzing with seed %d the compositor is back to %d fds '
              '(got %d)' % (seed, baseline, count))

        # The animated client was served all along (it ran for the fuzzing and more).
        lasted = time.monotonic() - t0
        animated.send_signal(signal.SIGTERM)
        animated.wait(timeout=10)
        with open(animated.log_path) as f:
            log = f.read()
        m = re.search(r'presented=(\d+)', log)
        check(m is not None, 'the animated client reports its frames (log: %r)' % log[-300:])
        presented = int(m.group(1))
        print('# animated client: %d frames presented in %.1f s' % (presented, lasted))
        check(presented >= 10 * lasted,
              'the animated client got at least 10 frames a second while the fuzzer ran '
              '(%d in %.1f s)' % (presented, lasted))


def make(seed):
    return lambda: run_seed(seed)


if __name__ == '__main__':
    harness.main({'seed-%d' % s: make(s) for s in SEEDS})
