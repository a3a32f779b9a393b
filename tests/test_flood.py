#!/usr/bin/env python3
"""Floods of requests, judged by another client.

sync, frame: a client floods the compositor with 200000 requests
(wl_display.sync, or wl_surface.frame + commit on a mapped window) and never
reads an event. The compositor must drop it (libwayland does when its reply
buffer fills) or survive it, keep answering another client within a bounded
time all along, and be back to its fd count once the flooder is gone.

list-KIND: a client sends one request that takes part in a list (damage
rectangles, region rectangles, frame callbacks, presentation feedbacks,
subsurfaces, positioners, mime types, output binds) COUNT times, then
commits a frame. Meanwhile a bystander redraws its own window on every frame
callback: no request may cost more than its own size, so the bystander's
longest wait for a frame stays far below a second (a frozen compositor shows
as seconds), and the flooder's frame is shown (its pixels captured) or it
gets the error its excess calls for.

Usage: test_flood.py [sync|frame|list-KIND|binds-then-feedbacks|offers-to-focus...]
"""

import os
import re
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


# The bystander's longest wait for a frame callback: generous (frames come
# every ~16 ms), far below the seconds a quadratic request costs.
MAX_FRAME_GAP_MS = 1000
# data_device.c keeps at most this many mime types per wl_data_source.
MIME_TYPES_PER_SOURCE = 64
BLUE = 0x0000ff
SHOWN = {'shown'}
NO_MEMORY = 'no-memory'
LIMIT_ERROR = 'protocol-error interface=wl_display code=3'

# What the compositor logs when it bounds a flood: kind -> regex of its stderr.
LOGGED = {
    'region-add': r'wl_region@\d+ has more than 1024 rectangles: it is now its bounding box',
    'region-alternate': r'wl_region@\d+ has more than 1024 rectangles',
    'offers': r'mime type "text/x-flood-0-a+\.\.\." \(1000 bytes\) refused',
    'offers-short': r'mime type "text/x-flood-64-a+\.\.\." \(200 bytes\) refused: a source '
                    r'keeps at most 64 mime types of at most 255 bytes',
    'binds': r'asks for a wl_output a 65th time: refused with no_memory, at most 64',
    'screencopy-binds': r'zwlr_screencopy_manager_v1 a 65th time: refused with no_memory',
    'data-devices': r'wl_data_device a 65th time: refused with no_memory',
}

# kind: (count, outcomes the flooder may report)
LIST_FLOODS = {
    'damage': (100000, SHOWN),
    'damage-buffer': (100000, SHOWN),
    'region-add': (100000, SHOWN),
    'region-alternate': (100000, SHOWN),
    # Past the per-client limits (4096 pending frame callbacks, 4096 subsurfaces) the
    # flooder gets an implementation error naming the limit.
    'frame-callbacks': (20000, {LIMIT_ERROR}),
    # The feedbacks' own events may overflow the flooder's socket: its loss.
    'feedbacks': (20000, SHOWN | {'disconnected'}),
    'subsurfaces': (20000, {LIMIT_ERROR}),
    'positioners': (100000, SHOWN),
    'offers': (600, SHOWN),
    'offers-short': (600, SHOWN),
    # Past the limit a bind is refused with no_memory (64 per client and global).
    'binds': (100000, {NO_MEMORY}),
    'screencopy-binds': (100000, {NO_MEMORY}),
    'data-devices': (100000, {NO_MEMORY}),
}


def read_line(proc, timeout, what):
    line = harness.read_line(proc.stdout, timeout)
    check(line, '%s within %d s' % (what, timeout))
    return line


def finish(proc):
    if proc.stdin:
        proc.stdin.close()
        proc.stdin = None
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return (harness.unread_text(proc.stdout) + out.decode()).strip(), err.decode().strip()


def run_list_floods(floods, clipboard=False):
    """Run the flooders of `floods` ((kind, count) pairs) one after the other,
    with a bystander redrawing all along; returns the bystander's verdict."""
    with harness.Compositor() as comp:
        comp.roundtrip()
        procs = []
        try:
            for kind, count in floods:
                p = subprocess.Popen([flood_client(), kind, str(count)], env=comp.env(),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
                procs.append(p)
                line = read_line(p, 20, 'flood-client %s maps its window' % kind)
                check(line == 'mapped', 'flood-client %s maps its window (got %r: %s)'
                      % (kind, line, p.stderr.read1().decode() if line == '' else ''))
            # Mapped last, so it has the keyboard focus (and the clipboard).
            bystander = subprocess.Popen(
                [flood_client(), 'bystander'] + (['clipboard'] if clipboard else []),
                env=comp.env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE)
            procs.append(bystander)
            check(read_line(bystander, 20, 'the bystander draws') == 'ready',
                  'the bystander draws its first frame')
            outcomes = []
            for (kind, count), p in zip(floods, procs):
                p.stdin.write(b'go\n')
                p.stdin.flush()
                outcome = read_line(p, 90, 'flood-client %s %d reports its frame' % (kind, count))
                outcomes.append(outcome)
                print('# flood-client %s %d: %s' % (kind, count, outcome))
                expected = LIST_FLOODS[kind][1]
                check(outcome in expected, 'flood-client %s %d ends as one of %s (got %r)'
                      % (kind, count, sorted(expected), outcome))
                if kind in LOGGED:
                    check(re.search(LOGGED[kind], comp.stderr_text()),
                          'the compositor logs why it bounded the %s flood: /%s/'
                          % (kind, LOGGED[kind]))
            if outcomes[0] == 'shown':
                # The first window is placed at FIRST_WINDOW; (2, 2) of it was damaged.
                img = comp.capture_sealway()
                x, y = harness.FIRST_WINDOW[0] + 2, harness.FIRST_WINDOW[1] + 2
                check(img.pixel(x, y) == BLUE, 'the frame of flood-client %s is on screen: '
                      'pixel (%d, %d) is blue (got %06x)' % (floods[0][0], x, y, img.pixel(x, y)))
            out, err = finish(bystander)
            print('# bystander: %s' % out)
            m = re.search(r'frames (\d+) max-gap-ms (\d+)(?: offers (-?\d+))?$', out)
            check(m, 'the bystander stays connected and reports its frames (got %r)\n%s'
                  % (out, err[-400:]))
            gap = int(m.group(2))
            check(int(m.group(1)) > 0, 'the bystander got frames during the flood')
            check(gap < MAX_FRAME_GAP_MS, 'the bystander never waits %d ms for a frame during '
                  'the %s flood (longest wait %d ms)'
                  % (MAX_FRAME_GAP_MS, '+'.join(k for k, _ in floods), gap))
            comp.check_alive('the %s flood' % '+'.join(k for k, _ in floods))
            return m.group(3)
        finally:
            for p in procs:
                finish(p)


def make(mode):
    return lambda: run_flood(mode)


def make_list(kind):
    return lambda: run_list_floods([(kind, LIST_FLOODS[kind][0])])


def binds_then_feedbacks():
    """One client holds every wl_output bind it can get, another presents 20000
    feedbacks: presenting a frame must not walk the other client's binds."""
    run_list_floods([('binds', LIST_FLOODS['binds'][0]),
                     ('feedbacks', LIST_FLOODS['feedbacks'][0])])


def offers_to_focus():
    """Selections of 600 mime types of 1000 bytes (each too long), then of
    600 of 200 bytes, reach the focused client bounded, and that client, which
    only reads, stays connected."""
    offers = run_list_floods([('offers', 600), ('offers-short', 600)], clipboard=True)
    check(offers is not None and int(offers) == MIME_TYPES_PER_SOURCE,
          'the focused client is offered the first %d mime types of the last selection '
          '(got %s)' % (MIME_TYPES_PER_SOURCE, offers))


if __name__ == '__main__':
    tests = {mode: make(mode) for mode in ('sync', 'frame')}
    tests.update({'list-' + kind: make_list(kind) for kind in LIST_FLOODS})
    tests['binds-then-feedbacks'] = binds_then_feedbacks
    tests['offers-to-focus'] = offers_to_focus
    harness.main(tests)
