#!/usr/bin/env python3
"""wl_shm.create_pool against a client that changes its file while the
compositor looks at it: a thread truncates the memfd to 0 and seals it
against shrinking right after create_pool is sent. Seals only ever grow, so
a compositor that reads them before the size either sees no F_SEAL_SHRINK
(and guards the pool) or sees the empty file (and refuses it); one that
reads the size first can believe a 0-byte file is a sealed pool and die of
SIGBUS on the first read.

Every attempt must end in wl_shm.invalid_fd, at create_pool or at the first
read of the (now empty) pool, and the compositor must survive them all.

Usage: test_shm_race.py [plain|widened]
  plain    the compositor as it is
  widened  every fcntl of the compositor slowed by 500 us under strace, so
           that the window between its checks is wide enough for the racer
           to hit it on nearly every attempt (skipped without strace)
"""

import os
import re
import shutil
import tempfile

import harness
from harness import check, Skip


def outcomes(stdout):
    m = re.search(r'^attempts=(\d+) refused=(\d+) faulted=(\d+) unread=(\d+) '
                  r'other_error=(\d+) lost=(\d+)$', stdout, re.M)
    check(m, 'shm-probe seal-race prints its outcomes (stdout: %r)' % stdout)
    keys = ('attempts', 'refused', 'faulted', 'unread', 'other_error', 'lost')
    return dict(zip(keys, map(int, m.groups())))


def race(comp):
    res = comp.run([harness.program('shm-probe'), 'seal-race'], timeout=60)
    check(res.returncode == 0, 'shm-probe seal-race runs (status %d)\n%s'
          % (res.returncode, res.stderr[-2000:]))
    got = outcomes(res.stdout)
    comp.check_alive('%d attempts of truncating and sealing a pool during create_pool'
                     % got['attempts'])
    check(got['lost'] == 0, 'no attempt loses its connection without a protocol error '
          '(%s)\n%s' % (got, comp.stderr_tail()))
    check(got['other_error'] == 0 and got['unread'] == 0,
          'every attempt ends in wl_shm invalid_fd: refused at create_pool or faulted at '
          'the first read (%s)' % got)
    check(got['attempts'] >= 100, 'the race is tried at least 100 times (%s)' % got)
    comp.roundtrip()
    return got


def plain():
    with harness.Compositor('--refresh=1000') as comp:
        race(comp)


def widened():
    strace = shutil.which('strace')
    if not strace:
        raise Skip('strace is not installed')
    real = harness.program('sealway')
    tmp = tempfile.mkdtemp(prefix='sealway-race-')
    # The harness starts $SEALWAY: make that the compositor under strace.
    wrapper = os.path.join(tmp, 'sealway-slow-fcntl')
    # strace keeps fatal signals to itself: SIGTERM goes to the compositor, and
    # the wrapper exits with its status, as the harness expects of a compositor.
    # LeakSanitizer cannot run under ptrace; the plain case checks for leaks.
    with open(wrapper, 'w') as f:
        f.write('#!/bin/sh\n'
                'export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"\n'
                '%s -f -qq --seccomp-bpf -o /dev/null -e trace=fcntl '
                '-e inject=fcntl:delay_exit=500 %s "$@" &\n'
                'tracer=$!\n'
                "trap 'kill -TERM $(cat /proc/$tracer/task/$tracer/children)' TERM INT\n"
                'while :; do wait $tracer; status=$?; kill -0 $tracer 2>/dev/null || break; done\n'
                'exit $status\n' % (strace, real))
    os.chmod(wrapper, 0o755)
    os.environ['SEALWAY'] = wrapper
    try:
        with harness.Compositor('--refresh=1000') as comp:
            race(comp)
    finally:
        os.environ['SEALWAY'] = real
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    harness.main({'plain': plain, 'widened': widened})
