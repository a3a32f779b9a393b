#!/usr/bin/env python3
"""Budgets: what clients make the compositor hold is bounded per client
(--limit NAME=N) and for the whole process (--budget NAME=N). A client past
its own limit is refused with an error naming the limit and its value. When
clients within their limits use up a process budget, the one holding the
most of it is disconnected with an error naming the budget; the newcomer is
served, and nobody else is disturbed.
"""

import re
import subprocess
import time

import harness
from harness import check

KiB = 1024


class Holder:
    """shm-probe hold-pool-bytes: a client holding one pool of `size` bytes."""

    def __init__(self, comp, size):
        self.size = size
        self.proc = subprocess.Popen(
            [harness.program('shm-probe'), 'hold-pool-bytes'],
            env=comp.env({'SHM_PROBE_BYTES': str(size)}), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.first = self.proc.stdout.readline().decode().strip()

    def finish(self):
        """Let it go; returns (last outcome line, libwayland's error message or None)."""
        self.proc.stdin.close()
        out, err = self.proc.stdout.read(), self.proc.stderr.read()
        self.proc.wait(timeout=20)
        lines = (self.first + '\n' + out.decode()).strip().splitlines()
        m = re.search(r'error (-?\d+): (.*)$', err.decode(errors='replace'), re.M)
        return lines[-1], (m.group(2) if m else None)


def biggest_holder_is_disconnected_and_the_newcomer_served():
    with harness.Compositor('--budget=mapped-bytes=1M', '--limit=mapped-bytes=512K') as comp:
        # 64x64 at 60 Hz for 4 s: it must keep getting frames throughout.
        bystander = comp.spawn([harness.program('sealway-shm'), '--size', '64x64',
                                '--frames', '240'])
        holders = [Holder(comp, n * KiB) for n in (448, 320, 192)]
        for h in holders:
            check(h.first == 'held', 'a client holding a %d KiB pool (under its 512 KiB limit) '
                  'is served (got %r)' % (h.size // KiB, h.first))
        # 448 + 320 + 192 KiB and the bystander's buffers: 128 KiB more overflow 1 MiB.
        newcomer = Holder(comp, 128 * KiB)
        check(newcomer.first == 'held', 'the newcomer\'s 128 KiB pool is accepted although '
              'the 1 MiB budget is used up (got %r)' % newcomer.first)
        results = [h.finish() for h in holders]
        check(results[0][0] == 'protocol-error interface=wl_display code=3',
              'the biggest holder (448 KiB) is disconnected with an implementation error '
              '(got %r)' % (results[0],))
        check(results[0][1] and 'mapped-bytes' in results[0][1],
              'its error names the budget mapped-bytes (got "%s")' % results[0][1])
        for h, (res, msg) in zip(holders[1:], results[1:]):
            check(res == 'ok', 'the %d KiB holder is left alone (got %r, %s)'
                  % (h.size // KiB, res, msg))
        check(newcomer.finish()[0] == 'ok', 'the newcomer keeps its connection')
        try:
            rc = bystander.wait(timeout=20)
        except subprocess.TimeoutExpired:
            rc = None
        with open(bystander.log_path, errors='replace') as f:
            log = f.read().strip()
        check(rc == 0, 'a bystander showing a window gets all its 240 frames (exit %r)\n%s'
              % (rc, log))
        comp.check_alive('a budget running short')


def client_past_its_limit_is_refused_naming_it():
    with harness.Compositor('--limit=mapped-bytes=64K', '--limit=frame-callbacks=8',
                            '--limit=subsurfaces=4') as comp:
        h = Holder(comp, 128 * KiB)
        result, message = h.finish()
        check(result == 'protocol-error interface=wl_shm code=2',
              'a 128 KiB pool past a 64 KiB limit is wl_shm invalid_fd (got %r)' % result)
        check(message and 'mapped-bytes' in message and re.search(r'\b65536\b', message),
              'the error names the limit mapped-bytes and its value 65536 (got "%s")' % message)

        res = comp.run([harness.program('shm-probe'), 'frame-callbacks'],
                       extra_env={'SHM_PROBE_FRAMES': '8'})
        check(res.stdout.strip().endswith('ok'), '8 frame callbacks are within a limit of 8 '
              '(got %r; %s)' % (res.stdout.strip(), res.stderr.strip()))
        res = comp.run([harness.program('shm-probe'), 'frame-callbacks'],
                       extra_env={'SHM_PROBE_FRAMES': '9'})
        check(res.stdout.strip().endswith('protocol-error interface=wl_display code=3'),
              'a 9th pending frame callback is an implementation error (got %r)'
              % res.stdout.strip())
        check('frame-callbacks' in res.stderr and re.search(r'\b8\b', res.stderr),
              'the error names the limit frame-callbacks and its value 8 (got "%s")'
              % res.stderr.strip())
        for count, want in ((4, 'ok'), (5, 'protocol-error interface=wl_display code=3')):
            res = comp.run([harness.program('shm-probe'), 'subsurfaces'],
                           extra_env={'SHM_PROBE_SUBSURFACES': str(count)})
            lines = res.stdout.strip().splitlines()
            check(lines and lines[0] == want, '%d subsurfaces against a limit of 4: %s (got %r)'
                  % (count, want, lines))
        check('subsurfaces' in res.stderr and re.search(r'\b4\b', res.stderr),
              'the error names the limit subsurfaces and its value 4 (got "%s")'
              % res.stderr.strip())
        comp.check_alive('clients past their limits')
        comp.roundtrip()


if __name__ == '__main__':
    harness.main({f.__name__: f for f in (
        biggest_holder_is_disconnected_and_the_newcomer_served,
        client_past_its_limit_is_refused_naming_it)})
