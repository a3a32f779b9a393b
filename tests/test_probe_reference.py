#!/usr/bin/env python3
"""sealway-probe against three compositors, each spawned headless by the
probe itself: sealway must have no FAIL; weston 10 (pixman) and sway 1.7
(pixman) must show the holes libwayland's wl_shm is known to have, so a
probe that silently stopped detecting them fails here.

Usage: test_probe_reference.py [TEST...]
       test_probe_reference.py --table [BUILD_DIR]   (the README's comparison table)
"""

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

import harness
from harness import check

# The user sway runs as (it refuses nothing as root, but its runtime dir must be its own).
SWAY_USER = 'sealway-probe'
SWAY_CONFIG = 'output HEADLESS-1 resolution 1024x768\n'


def probe_program():
    path = os.environ.get('SEALWAY_PROBE') or os.path.join(
        os.environ.get('SW_BUILD_ROOT', ''), 'probe', 'sealway-probe')
    if not os.access(path, os.X_OK):
        raise harness.Skip('sealway-probe not built (%s)' % path)
    return path


def sway_user():
    """The user for sway: SWAY_USER, made if we are root and it is missing."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SWAY_USER)
    except KeyError:
        subprocess.run(['useradd', '--system', '--no-create-home', '--shell',
                        '/usr/sbin/nologin', SWAY_USER], check=True)
    return SWAY_USER


def command(name, tmp):
    """(probe options, compositor command, extra environment) for `name`."""
    if name == 'sealway':
        return [], [harness.program('sealway'), '--backend=headless', '--socket={socket}'], {}
    if name == 'weston':
        return [], [harness.tool('weston'), '--backend=headless-backend.so', '--use-pixman',
                    '--socket={socket}'], {}
    if name == 'sway':
        config = os.path.join(tmp, 'sway.config')
        with open(config, 'w') as f:
            f.write(SWAY_CONFIG)
        os.chmod(tmp, 0o755)
        os.chmod(config, 0o644)
        user = sway_user()
        return (['--user', user] if user else []), [harness.tool('sway'), '-c', config], \
            {'WLR_BACKENDS': 'headless', 'WLR_RENDERER': 'pixman'}
    raise ValueError(name)


def run_probe(name, cases=()):
    """Run every case (or `cases`) against `name`; (exit status, the JSON report)."""
    tmp = tempfile.mkdtemp(prefix='sealway-probe-ref-')
    try:
        opts, cmd, extra = command(name, tmp)
        out = os.path.join(tmp, 'report.json')
        args = [probe_program(), '--format', 'json', '--output', out] + opts
        for c in cases:
            args += ['--case', c]
        # The probe's own dirs (and a dead compositor's log) go with ours.
        env = harness.client_env(dict(extra, TMPDIR=tmp))
        res = subprocess.run(args + ['--'] + cmd, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        stderr = res.stderr.decode(errors='replace')
        check(res.returncode in (0, 1), 'sealway-probe starts %s and finishes (status %d)\n%s'
              % (name, res.returncode, stderr[-2000:]))
        with open(out) as f:
            report = json.load(f)
        return res.returncode, report
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def by_id(report):
    return {c['id']: c for c in report['cases']}


def verdicts(report):
    return ', '.join('%s %s' % (c['verdict'], c['id']) for c in report['cases']
                     if c['verdict'] == 'FAIL')


def sealway_headless_has_no_fail():
    rc, report = run_probe('sealway')
    s = report['summary']
    check(s['fail'] == 0 and rc == 0, 'sealway passes every case (%d FAIL: %s)'
          % (s['fail'], verdicts(report)))
    check(s['pass'] >= 50, 'most cases are judged, not skipped (%d PASS, %d SKIP)'
          % (s['pass'], s['skip']))
    check(report['starts'] == 1, 'sealway is never restarted (started %d times)'
          % report['starts'])


def weston_headless_pixman_shows_the_known_holes():
    rc, report = run_probe('weston')
    cases = by_id(report)
    check(rc == 1, 'the probe exits 1 against weston (got %d)' % rc)
    c = cases['shm.resize.sealed-past-eof-shown']
    check(c['verdict'] == 'FAIL' and c['died'] == 'killed by SIGBUS',
          'a sealed pool resized past the end of its file kills weston with SIGBUS, and the '
          'probe says so (got %s, died %r: %s)' % (c['verdict'], c['died'], c['reason']))
    check(report['starts'] >= 2, 'weston is started again after the crash (started %d times)'
          % report['starts'])
    c = cases['shm.buffer.stride-below-min']
    check(c['verdict'] == 'FAIL' and c['observation'].startswith('ok'),
          'a stride below width*bpp is accepted by weston, which fails the case (got %s: %s)'
          % (c['verdict'], c['observation']))
    # Out of fds, weston either stops accepting (the newcomer waits) or exits.
    c = cases['flood.fds-to-limit']
    check(c['verdict'] == 'FAIL' and ('not served' in (c['reason'] or '') or c['died']),
          'an fd flood up to 1024 blocks new weston clients (got %s: %s)'
          % (c['verdict'], c['reason']))
    # Cases after a crash ran against a new weston: each crash is its own case's (weston 10
    # also dies of SIGSEGV when xdg_wm_base goes before a popup is made on its positioner).
    died = set(i for i, c in cases.items() if c['died'])
    check(died <= {'shm.resize.sealed-past-eof-shown', 'flood.fds-to-limit',
                   'core.wm-base-destroyed-first'},
          'only the SIGBUS, fd-flood and xdg_wm_base cases are charged with a dead weston '
          '(got %s)' % sorted(died))
    check(cases['shm.fd.pipe']['verdict'] == 'PASS',
          'a pipe as a pool is refused by weston with invalid_fd (got %s)'
          % cases['shm.fd.pipe']['verdict'])


def sway_headless_pixman_shows_the_known_holes():
    rc, report = run_probe('sway')
    cases = by_id(report)
    check(rc == 1, 'the probe exits 1 against sway (got %d)' % rc)
    c = cases['shm.buffer.stride-below-min']
    check(c['verdict'] == 'FAIL' and c['observation'].startswith('ok'),
          'a stride below width*bpp is accepted by sway 1.7 (libwayland wl_shm) (got %s: %s)'
          % (c['verdict'], c['observation']))
    check(cases['shm.fd.pipe']['verdict'] == 'PASS',
          'a pipe as a pool is refused by sway with invalid_fd (got %s)'
          % cases['shm.fd.pipe']['verdict'])
    check(cases['dmabuf.params.plane-idx']['verdict'] == 'SKIP',
          'sway with pixman has no linux-dmabuf: the dma-buf cases skip')


TESTS = {
    'sealway_headless_has_no_fail': sealway_headless_has_no_fail,
    'weston_headless_pixman_shows_the_known_holes': weston_headless_pixman_shows_the_known_holes,
    'sway_headless_pixman_shows_the_known_holes': sway_headless_pixman_shows_the_known_holes,
}

NAMES = {'sealway': 'sealway (headless)', 'weston': 'weston 10 (headless, pixman)',
         'sway': 'sway 1.7 (headless, pixman)'}


def table(build):
    """The README's table: verdict counts per family and compositor, then the failures."""
    os.environ.setdefault('SW_BUILD_ROOT', os.path.abspath(build))
    reports = {name: run_probe(name)[1] for name in NAMES}
    families = []
    for r in reports.values():
        for c in r['cases']:
            if c['family'] not in families:
                families.append(c['family'])
    lines = ['| family | ' + ' | '.join(NAMES[n] for n in reports) + ' |',
             '|---|' + '---|' * len(reports)]
    for fam in families:
        cells = []
        for r in reports.values():
            n = {v: 0 for v in ('PASS', 'FAIL', 'INFO', 'SKIP')}
            for c in r['cases']:
                if c['family'] == fam:
                    n[c['verdict']] += 1
            cells.append('%d pass, %d fail, %d info, %d skip'
                         % (n['PASS'], n['FAIL'], n['INFO'], n['SKIP']))
        lines.append('| %s | %s |' % (fam, ' | '.join(cells)))
    lines.append('')
    for name, r in reports.items():
        fails = [c for c in r['cases'] if c['verdict'] == 'FAIL']
        lines.append('%s: %s.' % (NAMES[name], '; '.join(
            '`%s` (%s)' % (c['id'], c['reason']) for c in fails) or 'no FAIL'))
        lines.append('')
    print('\n'.join(lines).rstrip())


if __name__ == '__main__':
    if sys.argv[1:2] == ['--table']:
        table(sys.argv[2] if len(sys.argv) > 2 else 'build')
    else:
        harness.main(TESTS)
