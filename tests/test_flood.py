#!/usr/bin/env python3
"""A client floods the compositor with 200000 requests (wl_display.sync, or
wl_surface.frame + commit on a mapped window) and never reads an event. The
compositor must drop it (libwayland does when its reply buffer fills) or
survive it, keep answering another client within a bounded time all along,
and be back to its fd count once the flooder is gone.

Usage: test_flood.py [sync|frame...]
"""

import os
import select
import subprocess
import threading
import time

import harness
from harness import check

COUNT = 200000
# A well-behaved client's connect + roundtrip must never take longer than this.
MAX_LATENCY = 2.0


def flood_client():
    path = os.environ.get('FLOOD_CLIENT') or os.path.join(
        os.environ.get('SW_BUILD_ROOT', ''), 'tests', 'flood-client')
    if not os.access(path, os.X_OK):
        raise harness.Skip('flood-client not built (%s)' % path)
    return path


def run_flood(mode):
    with harness.Compositor() as comp:
        comp.roundtrip()
        baseline = comp.settled_fd_count()

        flood = subprocess.Popen([flood_client(), mode, str(COUNT)], env=comp.env(),
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        latencies = []
        outcome = None
        try:
            deadline = time.monotonic() + 60
            # While the flood goes on: a well-behaved client connects and roundtrips.
            while outcome is None:
                check(time.monotonic() < deadline,
                      'flood-client %s sends its %d requests or is dropped within 60 s'
                      % (mode, COUNT))
                t = time.monotonic()
                comp.roundtrip()
                latencies.append(time.monotonic() - t)
                ready, _, _ = select.select([flood.stdout], [], [], 0.05)
                if ready:
                    outcome = flood.stdout.readline().decode().strip()
            # Once it is done (held or dropped), once more.
            t = time.monotonic()
            comp.roundtrip()
            latencies.append(time.monotonic() - t)
        finally:
            flood.stdin.close()
            flood.stdin = None
            try:
                flood.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                flood.kill()
                flood.wait()
        worst = max(latencies)
        print('# flood-client %s: %s; %d roundtrips of another client meanwhile, worst %.3f s'
              % (mode, outcome, len(latencies), worst))
        check(outcome == 'sent %d' % COUNT or outcome.startswith('disconnected after'),
              'flood-client %s reports how it ended (got %r)' % (mode, outcome))
        check(worst <= MAX_LATENCY, 'another client is answered within %.1f s during the '
              '%s flood (worst %.3f s)' % (MAX_LATENCY, mode, worst))
        comp.check_alive('a %s flood' % mode)

        comp.run([harness.program('sealway-shm'), '--frames', '5', '--size', '64x64'],
                 timeout=20, check_status=0)
        count = comp.wait_fd_count(baseline)
        check(count == baseline, 'after the %s flood the compositor is back to %d fds (got %d)'
              % (mode, baseline, count))


def make(mode):
    return lambda: run_flood(mode)


if __name__ == '__main__':
    harness.main({mode: make(mode) for mode in ('sync', 'frame')})
