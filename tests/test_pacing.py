#!/usr/bin/env python3
"""Frame pacing at --refresh=30: a client drawing on every frame callback gets
about 30 of them a second, each commit presented with a ~33.3 ms refresh and
increasing CLOCK_MONOTONIC timestamps; an idle compositor sends nothing and
burns (almost) no CPU; a commit superseded before the repaint is discarded.
A client drawing on every frame callback with two buffers is woken once a
frame: the release of the buffer it replaced comes with the frame callback
and the presentation feedback. While frames keep coming the compositor
reprograms no timer."""

import os
import re
import shutil
import subprocess
import time

import harness
from harness import check

REFRESH_NS = 1000000000 / 30


def paces_at_30hz_and_idles_silently():
    with harness.Compositor('--refresh=30') as comp:
        proc = subprocess.Popen([harness.program('pacing-probe'), '2000', '1000'],
                                env=comp.env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        values, ticks = {}, {}
        for raw in proc.stdout:
            line = raw.decode().strip()
            if line in ('idle-start', 'idle-end'):
                ticks[line] = comp.cpu_ticks()
            elif '=' in line:
                key, value = line.split('=', 1)
                values[key] = value
        rc = proc.wait(timeout=30)
        err = proc.stderr.read().decode(errors='replace')
        check(rc == 0, 'pacing-probe completes its measurement (status %d)\n%s'
              % (rc, err.strip()))
        print('measured: %s; idle cpu ticks %s' % (values, ticks))

        check(values['clock_is_monotonic'] == 'yes', 'wp_presentation.clock_id is '
              'CLOCK_MONOTONIC (got %s)' % values['clock_id'])
        fps = float(values['frames_per_second'])
        check(20 <= fps <= 40, 'frame callbacks come ~30 times a second at --refresh=30 '
              '(got %.1f)' % fps)
        frames, presented = int(values['frames']), int(values['presented'])
        check(presented >= frames and int(values['discarded']) == 0,
              'every commit of a client that waits for frame callbacks is presented '
              '(%d frames, %d presented, %s discarded)' % (frames, presented,
                                                          values['discarded']))
        lo, hi = int(values['refresh_min_ns']), int(values['refresh_max_ns'])
        check(REFRESH_NS * 0.99 <= lo <= hi <= REFRESH_NS * 1.01,
              'presented events carry refresh ~33.3 ms (got %d..%d ns)' % (lo, hi))
        check(values['timestamps_increasing'] == 'yes',
              'presentation timestamps increase from frame to frame')
        check(int(values['clock_skew_max_ms']) < 100,
              'presentation timestamps are CLOCK_MONOTONIC "now" (within 100 ms of the '
              'client\'s clock, got %s ms)' % values['clock_skew_max_ms'])
        check(values['drained'] == 'yes', 'the last frame callback and feedback arrive '
              'after the client stops committing')
        check(int(values['idle_events']) == 0, 'an idle client receives no events for 1 s '
              '(got %s)' % values['idle_events'])
        used = ticks['idle-end'] - ticks['idle-start']
        check(used < 5, 'the idle compositor uses less than 5 clock ticks of CPU in 1 s '
              '(used %d of %d/s)' % (used, os.sysconf('SC_CLK_TCK')))
        check(values['superseded_commit'] == 'discarded',
              'a commit superseded before the repaint gets "discarded" (got %s)'
              % values['superseded_commit'])
        check(values['superseding_commit'] == 'presented',
              'the commit that superseded it is "presented" (got %s)'
              % values['superseding_commit'])


def one_wakeup_a_frame():
    frames = 120
    with harness.Compositor() as comp:
        strace, trace = shutil.which('strace'), None
        if strace:
            # Counts the compositor's timer syscalls while the client draws.
            out = os.path.join(comp.tmp, 'strace.txt')
            trace = subprocess.Popen([strace, '-c', '-U', 'name,calls', '-e',
                                      'trace=timerfd_settime,sendmsg', '-o', out, '-p',
                                      str(comp.proc.pid)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(0.5)  # attached
        r = comp.run([harness.program('sealway-shm'), '--frames', str(frames), '--log',
                      'warn'], timeout=30, check_status=0)
        m = re.search(r'frames=(\d+) presented=(\d+) .* wakeups=(\d+)', r.stdout)
        check(m, 'sealway-shm prints its statistics (got %r)' % r.stdout)
        presented, wakeups = int(m.group(2)), int(m.group(3))
        print('%d frames presented, %d client wake-ups' % (presented, wakeups))
        check(presented == frames, 'every frame is presented (%d of %d)' % (presented, frames))
        # Two a frame when the release travels alone, right after the commit.
        check(wakeups <= frames + 5, 'the client is woken once a frame: release, frame '
              'callback and feedback come together (%d wake-ups for %d frames)'
              % (wakeups, frames))
        if trace:
            trace.send_signal(2)
            trace.wait(timeout=10)
            calls = {}
            with open(out) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2 and parts[1].isdigit():
                        calls[parts[0]] = int(parts[1])
            print('compositor syscalls while drawing: %s' % calls)
            check(calls.get('sendmsg', 0) <= frames + 10,
                  'one message a frame to the client (%d sendmsg for %d frames)'
                  % (calls.get('sendmsg', 0), frames))
            # It stops after a tick with nothing to draw and starts again at the next
            # commit: a client late under load costs two. Re-armed every frame it
            # would be two a frame.
            check(calls.get('timerfd_settime', 0) <= frames // 5,
                  'the frame timer runs on its own while frames keep coming '
                  '(%d timerfd_settime for %d frames)' % (calls.get('timerfd_settime', 0),
                                                          frames))


if __name__ == '__main__':
    harness.main({'paces_at_30hz_and_idles_silently': paces_at_30hz_and_idles_silently,
                  'one_wakeup_a_frame': one_wakeup_a_frame})
