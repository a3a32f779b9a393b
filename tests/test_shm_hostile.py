#!/usr/bin/env python3
"""Hostile wl_shm clients: each misbehaviour gets exactly the protocol error
the wl_shm specification names, with a message that names the offending
value; the compositor survives it, still serves the next client, and holds
no more file descriptors than before once the offender is gone.

Each case runs through sealway-probe (attached, with the compositor's pid):
its verdict covers the error's interface and code, the compositor alive, a
fresh client's frame and the fds back at their count; this test adds what
sealway promises beyond the protocol (the exact code where the protocol
allows several, and the message naming the value).

Usage: test_shm_hostile.py [SCENARIO...]   (shm-probe scenario names)
"""

import os
import re
import subprocess

import harness
from harness import check


def num(value):
    """A regex matching `value` as a whole number, not part of a longer one
    ("-17x64" names -17, "81920" does not name 8192)."""
    return r'(?<![\d-])' + re.escape(str(value)) + r'(?![\d])'


WL_SHM, WL_SHM_POOL = ('wl_shm',), ('wl_shm_pool',)
INVALID_FORMAT, INVALID_STRIDE, INVALID_FD = 0, 1, 2

# scenario: (interfaces the error may be posted on, code, regexes the message must match)
CASES = {
    'pool-fd-pipe': (WL_SHM, INVALID_FD, [r'pipe|fifo']),
    'pool-fd-socket': (WL_SHM, INVALID_FD, [r'socket']),
    'pool-fd-directory': (WL_SHM, INVALID_FD, [r'director']),
    'pool-fd-opath': (WL_SHM, INVALID_FD, [r'O_PATH']),
    'pool-fd-devnull': (WL_SHM, INVALID_FD, [r'char(acter)?[ -]?(special|device)|/dev/null']),
    'pool-size-zero': (WL_SHM, INVALID_FD, [r'size', num(0)]),
    'pool-size-negative': (WL_SHM, INVALID_FD, [num(-4096)]),
    'pool-larger-than-file': (WL_SHM, INVALID_FD, [num(8192)]),
    # Either "width 0" or the size written WxH: 0x64 (width 0, height 64), 64x0.
    'buffer-width-zero': (WL_SHM_POOL, INVALID_STRIDE,
                          [r'width\D{0,16}' + num(0) + r'|(?<![\w-])0x64\b']),
    'buffer-height-zero': (WL_SHM_POOL, INVALID_STRIDE,
                           [r'height\D{0,16}' + num(0) + r'|\b64x0\b']),
    'buffer-width-negative': (WL_SHM_POOL, INVALID_STRIDE, [num(-17)]),
    'buffer-height-negative': (WL_SHM_POOL, INVALID_STRIDE, [num(-19)]),
    'buffer-offset-negative': (WL_SHM_POOL, INVALID_STRIDE, [num(-4096)]),
    'buffer-stride-negative': (WL_SHM_POOL, INVALID_STRIDE, [num(-256)]),
    'buffer-size-overflow': (WL_SHM_POOL, INVALID_STRIDE,
                             [num(1073741824) + '|0x40000000']),
    'buffer-past-pool-end': (WL_SHM_POOL, INVALID_STRIDE, [num(65536) + '|' + num(69632)]),
    'buffer-stride-below-min': (WL_SHM_POOL, INVALID_STRIDE, [num(128)]),
    'buffer-format-unknown': (WL_SHM_POOL, INVALID_FORMAT, [r'0x12345678|' + num(305419896)]),
    'pool-resize-shrink': (WL_SHM_POOL, INVALID_FD, [num(4096)]),
    'pool-resize-sealed-past-eof': (WL_SHM_POOL, INVALID_FD, [num(8192)]),
    # An unsealed pool's fd is closed once mapped (it cannot be trusted to keep
    # its size anyway), so its resize is not checked against the file: the
    # read of the buffer past the end of the file is what fails.
    'pool-resize-unsealed-past-eof': (('wl_buffer', 'wl_shm_pool'), INVALID_FD, [num(8192)]),
    # Truncation is found when the pixels are read: on the buffer or its pool,
    # naming the pool's size (256 * 256 * 4) and what happened to its file.
    'truncate-after-commit': (('wl_buffer', 'wl_shm_pool'), INVALID_FD,
                              [num(262144), r'truncated|past the end of (its|the) file']),
    # Not an error: the largest extents are how clients say "all of it".
    'damage-int32-max': ('ok', None, None),
    # Sealed pools keep their fd: with --limit fds=100 the 101st live one is
    # refused, naming the limit and its value.
    'many-pools': (WL_SHM, INVALID_FD, [r'\bfds\b', r'limit', num(100)]),
    'garbage-on-socket': ('disconnected', None, None),
}


# The sealway-probe case of each scenario.
PROBE_CASE = {
    'pool-fd-pipe': 'shm.fd.pipe', 'pool-fd-socket': 'shm.fd.socket',
    'pool-fd-directory': 'shm.fd.directory', 'pool-fd-opath': 'shm.fd.opath',
    'pool-fd-devnull': 'shm.fd.devnull', 'pool-size-zero': 'shm.size.zero',
    'pool-size-negative': 'shm.size.negative', 'pool-larger-than-file': 'shm.size.past-eof',
    'buffer-width-zero': 'shm.buffer.width-zero', 'buffer-height-zero': 'shm.buffer.height-zero',
    'buffer-width-negative': 'shm.buffer.width-negative',
    'buffer-height-negative': 'shm.buffer.height-negative',
    'buffer-offset-negative': 'shm.buffer.offset-negative',
    'buffer-stride-negative': 'shm.buffer.stride-negative',
    'buffer-size-overflow': 'shm.buffer.size-overflow',
    'buffer-past-pool-end': 'shm.buffer.past-pool-end',
    'buffer-stride-below-min': 'shm.buffer.stride-below-min',
    'buffer-format-unknown': 'shm.buffer.format-unknown',
    'pool-resize-shrink': 'shm.resize.shrink',
    'pool-resize-sealed-past-eof': 'shm.resize.sealed-past-eof',
    'pool-resize-unsealed-past-eof': 'shm.resize.unsealed-past-eof',
    'truncate-after-commit': 'shm.truncate.after-commit',
    'damage-int32-max': 'core.damage-int32-max', 'many-pools': 'flood.pools',
    'garbage-on-socket': 'flood.garbage-on-socket',
}


# Compositor options a scenario needs.
OPTIONS = {'many-pools': ['--limit=fds=100']}


def expectation(scenario):
    ifaces, code, _ = CASES[scenario]
    if code is None:
        return ifaces
    return ' or '.join('protocol-error interface=%s code=%d' % (i, code) for i in ifaces)


def run_case(scenario):
    ifaces, code, patterns = CASES[scenario]
    with harness.Compositor(*OPTIONS.get(scenario, [])) as comp:
        # Warm up (first-client allocations).
        comp.roundtrip()

        if scenario == 'damage-int32-max':
            check_int32_max_damage_shown(comp)
        case = comp.probe_case(PROBE_CASE[scenario])
        # "OUTCOME | LIBWAYLAND'S ERROR LINE | WHAT THE SCENARIO PRINTED"
        parts = case['observation'].split(' | ')
        result = parts[0]
        m = re.search(r'^(.*?): error (-?\d+): (.*)$', case['observation'].replace(' | ', '\n'),
                      re.M)
        error_line, message = (m.group(0), m.group(3)) if m else (None, None)
        if scenario == 'damage-int32-max':
            check('frame not shown' not in case['observation'],
                  'damage-int32-max: the frame callback of shm-probe comes (got %r)'
                  % case['observation'])
        if scenario == 'many-pools':
            # Half of them are destroyed at once and give their fd back: the
            # limit of 100 live pools is reached at the 200th (the first 100
            # would be refused if destroyed pools kept their charge).
            m = re.search(r'error after (\d+) pools', case['observation'])
            check(m and int(m.group(1)) >= 200, 'many-pools: pools destroyed give back their '
                  'fd, so 200 pools are made before the limit of 100 live ones (got %s)'
                  % (m.group(1) if m else 'no count'))
        if code is None:
            check(result == ifaces, '%s ends as "%s" (got %r; %s)'
                  % (scenario, ifaces, result, error_line))
        else:
            wanted = ['protocol-error interface=%s code=%d' % (i, code) for i in ifaces]
            check(result in wanted, '%s is answered with %s (got %r; %s)'
                  % (scenario, expectation(scenario), result, error_line))
            check(message is not None, '%s: the error carries a message' % scenario)
            for pattern in patterns:
                check(re.search(pattern, message, re.I),
                      '%s: the error message names the offending value /%s/ (got "%s")'
                      % (scenario, pattern, message))
        # Alive, a fresh client's frames, the fds back where they were (or why not).
        check(case['verdict'] in ('PASS', 'INFO'), 'sealway-probe %s: %s (%s)'
              % (case['id'], case['verdict'], case['reason']))
        comp.check_alive('shm-probe ' + scenario)


# The frame of a damage-int32-max commit, held on screen by core-probe: green.
HELD_GREEN = 0x00ff00


def check_int32_max_damage_shown(comp):
    """Damage of INT32_MAX extents is "all of it": the whole window is drawn."""
    path = os.environ.get('CORE_PROBE') or os.path.join(
        os.environ.get('SW_BUILD_ROOT', ''), 'tests', 'core-probe')
    if not os.access(path, os.X_OK):
        raise harness.Skip('core-probe not built (%s)' % path)
    p = subprocess.Popen([path, 'damage-int32-max-held'], env=comp.env(),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = p.stdout.readline().decode().strip()
        check(line == 'held', 'core-probe damage-int32-max-held shows its frame (got %r)' % line)
        img = comp.capture_sealway()
        x0, y0 = harness.FIRST_WINDOW
        bad, first = img.mismatches((x0, y0, x0 + 64, y0 + 64), HELD_GREEN)
        check(bad == 0, 'a frame damaged with INT32_MAX extents is drawn whole: the 64x64 '
              'window at %d,%d is %06x (%d pixels differ: %s)'
              % (x0, y0, HELD_GREEN, bad, harness.fmt_pixels(first)))
    finally:
        if p.stdin:
            p.stdin.close()
            p.stdin = None
        try:
            p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def make(scenario):
    return lambda: run_case(scenario)


if __name__ == '__main__':
    harness.main({name: make(name) for name in CASES})
