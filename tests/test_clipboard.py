#!/usr/bin/env python3
"""The clipboard and the primary selection: wl-copy and wl-paste (which use
zwlr_data_control_manager_v1, needing no window or focus) round-trip text and
an image, regular and --primary; foot finds a primary selection; the rules:
wl_data_device.set_selection needs a recent input serial of the focused
client, a receive fd that is not a pipe is refused, a source that vanishes
mid-transfer ends the reader's pipe, and none of it leaks an fd."""

import os
import time

import harness
from harness import check
from test_wm import foot_env


def clip_probe(comp, case):
    exe = os.environ.get('CLIP_PROBE') or os.path.join(
        os.environ.get('SW_BUILD_ROOT', ''), 'tests/clip-probe')
    if not os.access(exe, os.X_OK):
        raise harness.Skip('clip-probe not built (%s)' % exe)
    res = comp.run([exe, case], check_status=0)
    lines = res.stdout.strip().splitlines()
    check(len(lines) == 2 and lines[1] == 'ok', 'clip-probe %s ends without a protocol '
          'error (got %r; %s)' % (case, res.stdout.strip(), res.stderr.strip()))
    return lines[0]


def copy_then_paste(comp, data, *args):
    wl_copy, wl_paste = harness.tool('wl-copy'), harness.tool('wl-paste')
    env = comp.env()
    path = os.path.join(comp.tmp, 'copied')
    with open(path, 'wb') as f:
        f.write(data)
    err_path = os.path.join(comp.tmp, 'wl-copy.stderr')
    # wl-copy forks a server that keeps the selection: it must not hold our pipes.
    with open(path, 'rb') as f, open(err_path, 'wb') as err:
        res = harness.subprocess.run([wl_copy] + list(args), stdin=f, env=env,
                                     stdout=harness.subprocess.DEVNULL, stderr=err,
                                     timeout=20)
    check(res.returncode == 0, 'wl-copy %s succeeds (status %d: %s)'
          % (' '.join(args), res.returncode, open(err_path).read().strip()))
    res = harness.subprocess.run([wl_paste, '--no-newline'] + list(args), env=env,
                                 stdin=harness.subprocess.DEVNULL,
                                 stdout=harness.subprocess.PIPE,
                                 stderr=harness.subprocess.PIPE, timeout=20)
    check(res.returncode == 0, 'wl-paste %s succeeds (status %d: %s)'
          % (' '.join(args), res.returncode, res.stderr.decode(errors='replace').strip()))
    return res.stdout


def wl_copy_and_wl_paste_round_trip_text_and_an_image():
    with harness.Compositor() as comp:
        baseline = comp.settled_fd_count()
        got = copy_then_paste(comp, b'sealway clipboard')
        check(got == b'sealway clipboard', 'wl-paste gives what wl-copy copied (got %r)' % got)
        got = copy_then_paste(comp, b'sealway primary', '--primary')
        check(got == b'sealway primary', 'wl-paste --primary gives what wl-copy --primary '
              'copied (got %r)' % got)
        got = copy_then_paste(comp, b'sealway clipboard 2')
        check(got == b'sealway clipboard 2', 'the clipboard and the primary selection are '
              'apart (got %r)' % got)
        image = bytes(range(256)) * 1024  # 256 KiB: more than a pipe holds at once
        got = copy_then_paste(comp, image, '--type', 'image/png')
        check(got == image, 'a 256 KiB image/png comes back byte for byte (%d bytes back)'
              % len(got))
        # The wl-copy servers go when their selections are cleared (cancelled).
        comp.run([harness.tool('wl-copy'), '--clear'], check_status=0)
        comp.run([harness.tool('wl-copy'), '--clear', '--primary'], check_status=0)
        n = comp.wait_fd_count(baseline)
        check(n == baseline, 'the transfers leave no fd behind (%d before, %d after)'
              % (baseline, n))


def receive_into_a_file_is_refused():
    with harness.Compositor() as comp:
        baseline = comp.settled_fd_count()
        got = clip_probe(comp, 'receive-file')
        check(got == 'refused', 'a receive fd that is a regular file is not handed to the '
              'owner (got %r)' % got)
        check('is not a pipe or a socket' in comp.stderr_text(),
              'the refusal is logged:\n%s' % comp.stderr_tail())
        n = comp.wait_fd_count(baseline)
        check(n == baseline, 'no fd is kept (%d before, %d after)' % (baseline, n))


def source_vanishing_mid_transfer_ends_the_readers_pipe():
    with harness.Compositor() as comp:
        baseline = comp.settled_fd_count()
        got = clip_probe(comp, 'source-vanishes')
        check(got == 'eof', 'the reader sees the end of its pipe when the source goes '
              '(got %r)' % got)
        comp.check_alive('a source vanished mid-transfer')
        n = comp.wait_fd_count(baseline)
        check(n == baseline, 'no fd is kept (%d before, %d after)' % (baseline, n))


def set_selection_needs_a_recent_serial_of_the_focused_client():
    with harness.Compositor() as comp:
        got = clip_probe(comp, 'bad-serial')
        check(got == 'cancelled', 'wl_data_device.set_selection from a client without the '
              'keyboard, with a made-up serial, cancels its source (got %r)' % got)
        check('set_selection with serial 12345 ignored' in comp.stderr_text(),
              'the refusal is logged:\n%s' % comp.stderr_tail())


def foot_finds_a_primary_selection():
    foot = harness.tool('foot')
    with harness.Compositor() as comp:
        client = comp.spawn([foot, '--', 'sh', '-c', 'sleep 60'], extra_env=foot_env(comp))
        deadline = time.monotonic() + 15
        while comp.capture('sealway-capture').pixel(40, 40) == harness.BACKGROUND:
            check(time.monotonic() < deadline and client.poll() is None,
                  'foot maps a window within 15 s:\n%s' % open(client.log_path).read()[-1500:])
            time.sleep(0.1)
        log = open(client.log_path).read()
        check('no primary selection available' not in log,
              'foot finds the primary selection manager:\n%s' % log[-1500:])


TESTS = (wl_copy_and_wl_paste_round_trip_text_and_an_image, receive_into_a_file_is_refused,
         source_vanishing_mid_transfer_ends_the_readers_pipe,
         set_selection_needs_a_recent_serial_of_the_focused_client,
         foot_finds_a_primary_selection)

if __name__ == '__main__':
    harness.main({f.__name__: f for f in TESTS})
