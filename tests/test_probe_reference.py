#!/usr/bin/env python3
"""sealway-probe against three compositors, each spawned headless by the
probe itself: sealway must have no FAIL; weston 10 (pixman) and sway 1.7
(pixman) must show the holes libwayland's wl_shm is known to have (and sway
1.7 the keymap any client can rewrite), so a probe that silently stopped
detecting them fails here. Two more show that the probe's own judges can
fail: a flood's bystander that sees no frame, and a keymap another client
could change.

Usage: test_probe_reference.py [TEST...]
       test_probe_reference.py --table [BUILD_DIR]   (the README's comparison table)
"""

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

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
    if name == 'sealway-vkbd':
        # Virtual input open to all: the probe makes itself a keyboard for the keymap cases.
        return [], [harness.program('sealway'), '--backend=headless', '--socket={socket}',
                    '--trust-virtual-input=all'], {}
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
    # Each seed of the fuzzer kills weston 10 within a few hundred requests (SIGSEGV,
    # the same request count every run).
    for seed in (1, 2, 3):
        c = cases['fuzz.seed-%d' % seed]
        check(c['verdict'] == 'FAIL' and c['died'] == 'killed by SIGSEGV',
              'the fuzzer with seed %d kills weston with SIGSEGV (got %s, died %r: %s)'
              % (seed, c['verdict'], c['died'], c['reason']))
    # Cases after a crash ran against a new weston: each crash is its own case's (weston 10
    # also dies of SIGSEGV when xdg_wm_base goes before a popup is made on its positioner).
    died = set(i for i, c in cases.items() if c['died'])
    check(died <= {'shm.resize.sealed-past-eof-shown', 'flood.fds-to-limit',
                   'core.wm-base-destroyed-first', 'fuzz.seed-1', 'fuzz.seed-2',
                   'fuzz.seed-3'},
          'only the SIGBUS, fd-flood, xdg_wm_base and fuzz cases are charged with a dead '
          'weston (got %s)' % sorted(died))
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
    # wlroots 0.15 sends the keymap as a read-only fd on a file it made mode 0 so it cannot
    # be reopened; but its owner can fchmod it back, and a reopen through /proc then writes
    # what every client reads.
    c = cases['sent-fds.keymap-tamper']
    check(c['verdict'] == 'FAIL' and 'changed what another client reads' in (c['reason'] or ''),
          'one sway client can rewrite the keymap the others read (got %s: %s)'
          % (c['verdict'], c['reason']))
    # Each fuzz seed kills sway 1.7 too, within a few hundred requests.
    for seed in (1, 2, 3):
        c = cases['fuzz.seed-%d' % seed]
        check(c['verdict'] == 'FAIL' and c['died'] == 'killed by SIGSEGV',
              'the fuzzer with seed %d kills sway with SIGSEGV (got %s, died %r: %s)'
              % (seed, c['verdict'], c['died'], c['reason']))
    c = cases['sent-fds.keymap-shared']
    check(c['verdict'] == 'INFO' and 'shared: ' in c['observation'],
          'sway sends every client the same keymap file (got %s: %s)'
          % (c['verdict'], c['observation']))


def sealway_keymap_cannot_be_changed_by_another_client():
    rc, report = run_probe('sealway-vkbd', ['sent-fds.keymap-shared', 'sent-fds.keymap-tamper'])
    cases = by_id(report)
    c = cases['sent-fds.keymap-shared']
    check('virtual keyboard' in c['observation'] and 'shared: ' in c['observation'],
          'with a virtual keyboard of the probe\'s, sealway sends both clients one sealed '
          'keymap file (got %s)' % c['observation'])
    c = cases['sent-fds.keymap-tamper']
    check('changed what another client reads' not in (c['reason'] or '') and
          'differs' not in (c['reason'] or '') and 'tried: ' in c['observation'],
          'no client can change the keymap another sealway client reads (got %s: %s; %s)'
          % (c['verdict'], c['reason'], c['observation']))
    check(c['verdict'] == 'PASS', 'sent-fds.keymap-tamper passes (got %s: %s)'
          % (c['verdict'], c['reason']))
    # The keymap file goes with the virtual keyboard that gave it: no fd is left behind.
    c = cases['sent-fds.keymap-shared']
    check(c['verdict'] in ('PASS', 'INFO'), 'sent-fds.keymap-shared leaves no fd behind '
          '(got %s: %s)' % (c['verdict'], c['reason']))


def built(env_name, relative):
    path = os.environ.get(env_name) or os.path.join(os.environ.get('SW_BUILD_ROOT', ''),
                                                     relative)
    if not os.path.exists(path):
        raise harness.Skip('%s not built (%s)' % (relative, path))
    return path


def sealway_dmabuf_pixels_through_the_stand_in():
    """Pixel truth on dma-bufs where the kernel has no udmabuf or dma-heap: the probe's
    pixels.dmabuf-* scenarios with the LD_PRELOAD stand-in (tests/dmabuf-fake-udmabuf.c)
    in both sealway and the probe. Every RGB format of the table comes out exactly, NV12
    within 2 a channel."""
    probe = built('DMABUF_PROBE', 'tests/dmabuf-probe')
    fake = built('DMABUF_FAKE_UDMABUF', 'tests/libdmabuf-fake-udmabuf.so')
    # The stand-in must load before the sanitizer runtime of a sanitized build.
    extra = {'LD_PRELOAD': fake,
             'ASAN_OPTIONS': os.environ.get('ASAN_OPTIONS', 'detect_leaks=1') +
             ':verify_asan_link_order=0'}
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        with harness.Compositor() as comp:
            for scenario in ('pixels-udmabuf', 'pixels-heap'):
                res = comp.run([probe, scenario], timeout=60,
                               extra_env={'ASAN_OPTIONS': extra['ASAN_OPTIONS'] +
                                          ':detect_leaks=0'})
                lines = res.stdout.strip().splitlines()
                print('# %s: %s' % (scenario, ' | '.join(lines)))
                check(res.returncode == 0 and lines[-1:] == ['ok'],
                      'dmabuf-probe %s passes (status %d)\n%s\n%s'
                      % (scenario, res.returncode, res.stdout, res.stderr[-2000:]))
                shown = [ln.split(':')[0] for ln in lines if ln.endswith(': shown exactly')]
                check(len(shown) == 18, 'all 18 RGB formats shown exactly (got %s)' % shown)
                check('NV12: shown within 2 a channel' in lines, 'NV12 shown within 2')
            comp.check_alive('the dma-buf pictures')
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def children(pid):
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
            return f.read().split()
    except OSError:
        return []


def flood_bystander_fails_when_the_compositor_freezes():
    """The bystander's judge can fail: sealway stopped (SIGSTOP) for 1.5 s while a flood
    case runs must fail the case with the gap named."""
    with harness.Compositor() as comp:
        probe = subprocess.Popen([probe_program(), '--pid', str(comp.proc.pid), '--format',
                                  'json', '--case', 'flood.requests-unread'],
                                 env=comp.env(), stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # The probe forks the scenario only once its bystander is shown and ready: two
        # children (a probe without a bystander has one: frozen 0.2 s after it appears).
        deadline = time.monotonic() + 20
        one_since = None
        while probe.poll() is None:
            n = len(children(probe.pid))
            one_since = (one_since or time.monotonic()) if n == 1 else None
            if n >= 2 or (one_since and time.monotonic() - one_since > 0.2):
                break
            check(time.monotonic() < deadline, 'the flood case starts within 20 s')
            time.sleep(0.005)
        check(probe.poll() is None, 'the probe is still running the flood case')
        os.kill(comp.proc.pid, signal.SIGSTOP)
        time.sleep(1.5)
        os.kill(comp.proc.pid, signal.SIGCONT)
        out, err = probe.communicate(timeout=60)
        check(probe.returncode == 1, 'the probe exits 1 (got %d)\n%s'
              % (probe.returncode, err.decode(errors='replace')[-2000:]))
        c = json.loads(out)['cases'][0]
        check(c['verdict'] == 'FAIL' and 'saw no frame for' in (c['reason'] or ''),
              'a compositor frozen for 1.5 s during a flood fails the case through its '
              'bystander (got %s: %s)' % (c['verdict'], c['reason']))
        check(c.get('bystander') and c['bystander']['max_ms'] >= 1400,
              'the bystander reports the gap (got %r)' % c.get('bystander'))


TESTS = {
    'sealway_headless_has_no_fail': sealway_headless_has_no_fail,
    'sealway_keymap_cannot_be_changed_by_another_client':
        sealway_keymap_cannot_be_changed_by_another_client,
    'flood_bystander_fails_when_the_compositor_freezes':
        flood_bystander_fails_when_the_compositor_freezes,
    'sealway_dmabuf_pixels_through_the_stand_in': sealway_dmabuf_pixels_through_the_stand_in,
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
