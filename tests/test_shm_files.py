#!/usr/bin/env python3
"""Only files whose pages are memory may back a wl_shm pool: memfds and
tmpfs files such as /dev/shm, and hugetlbfs. A file on any other filesystem
(a disk, overlayfs, FUSE, NFS) can make a read of its pages wait for I/O, so
it is refused with wl_shm.invalid_fd naming the filesystem.
"""

import os
import subprocess

import harness
from harness import check, Skip

MEMORY_FS = {0x01021994: 'tmpfs', 0x958458f6: 'hugetlbfs', 0x858458f6: 'ramfs'}
# What the compositor calls the filesystems a test machine may have here.
FS_NAMES = {0xef53: 'ext2/3/4', 0x9123683e: 'btrfs', 0x58465342: 'xfs',
            0x794c7630: 'overlayfs', 0x65735546: 'FUSE', 0x6969: 'NFS',
            0x01021997: '9p', 0xf2f52010: 'f2fs'}


def fs_type(path):
    res = subprocess.run(['stat', '-f', '-c', '%t', path], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    return int(res.stdout.strip(), 16) if res.returncode == 0 else None


def disk_directory():
    """A writable directory on a filesystem that is not memory, and its type."""
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (os.environ.get('SW_BUILD_ROOT'), here, '/var/tmp', os.path.expanduser('~'),
              '/tmp'):
        if not d or not os.access(d, os.W_OK):
            continue
        t = fs_type(d)
        if t is not None and t not in MEMORY_FS:
            return d, t
    return None, None


def a_file_on_a_disk_filesystem_is_refused_naming_it():
    d, t = disk_directory()
    if not d:
        raise Skip('no writable directory on a filesystem other than tmpfs/ramfs/hugetlbfs '
                   '(build dir, source dir, /var/tmp, $HOME, /tmp)')
    with harness.Compositor() as comp:
        comp.roundtrip()
        baseline = comp.settled_fd_count()
        res = comp.run([harness.program('shm-probe'), 'pool-disk-file'],
                       extra_env={'SHM_PROBE_DIR': d})
        if res.returncode == 2 and 'O_TMPFILE' in res.stderr:
            raise Skip('%s does not support O_TMPFILE' % d)
        result = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else ''
        check(result == 'protocol-error interface=wl_shm code=2',
              'a pool on a file in %s (fs 0x%x) is answered with wl_shm invalid_fd (got %r)\n%s'
              % (d, t, result, res.stderr.strip()))
        name = FS_NAMES.get(t, '0x%x' % t)
        check(name in res.stderr, 'the error names the filesystem "%s" (got: %s)'
              % (name, res.stderr.strip()))
        comp.check_alive('a pool on a disk file')
        check(comp.wait_fd_count(baseline) == baseline,
              'the refused file leaves no fd behind (%d before, %d after)'
              % (baseline, comp.fd_count()))


def memfd_and_dev_shm_pools_are_accepted():
    with harness.Compositor() as comp:
        for scenario in ('pool-unsealed', 'pool-sealed', 'pool-dev-shm'):
            result, error_line, _ = comp.probe(scenario)
            check(result == 'ok', '%s is accepted (got %r; %s)'
                  % (scenario, result, error_line))


def hugetlbfs_pool_is_accepted():
    with harness.Compositor() as comp:
        res = comp.run([harness.program('shm-probe'), 'pool-hugetlb'])
        if res.returncode == 2:
            raise Skip('no huge pages for a MFD_HUGETLB memfd here (%s)'
                       % res.stderr.strip().splitlines()[0])
        result = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else ''
        check(result == 'ok', 'a pool on hugetlbfs is accepted (got %r)\n%s'
              % (result, res.stderr.strip()))


def probe_mappings(comp):
    """How many mappings of the probe's memfds the compositor has."""
    with open('/proc/%d/maps' % comp.proc.pid) as f:
        return sum(1 for line in f if 'memfd:sealway-probe' in line)


def held_pools(comp, sealed, count=16):
    """Fds and probe mappings the compositor holds for shm-probe hold-pools."""
    p = subprocess.Popen([harness.program('shm-probe'), 'hold-pools'],
                         env=comp.env({'SHM_PROBE_SEALED': '1' if sealed else '0',
                                       'SHM_PROBE_POOLS': str(count)}),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        line = p.stdout.readline().decode().strip()
        check(line == 'held', 'shm-probe hold-pools holds its pools (printed %r; %s)'
              % (line, p.stderr.read1(4096).decode(errors='replace') if line != 'held' else ''))
        return comp.fd_count(), probe_mappings(comp)
    finally:
        p.stdin.close()
        p.wait(timeout=20)


def only_sealed_pools_keep_their_fd():
    """An unsealed pool's fd is closed once mapped (nothing can be checked
    with it); a pool sealed against shrinking keeps it for its resizes. A
    pool grown with no buffer on it is one mapping (mremap), not three."""
    with harness.Compositor() as comp:
        comp.roundtrip()
        baseline = comp.settled_fd_count()
        connection, _ = held_pools(comp, False, count=0)
        check(comp.wait_fd_count(baseline) == baseline, 'a client\'s fds go with it')
        for sealed, fds in ((False, 0), (True, 16)):
            count, maps = held_pools(comp, sealed)
            what = 'sealed' if sealed else 'unsealed'
            check(count - connection == fds,
                  '16 %s pools hold %d fds beyond the client\'s connection (got %d)'
                  % (what, fds, count - connection))
            check(maps == 16, '16 %s pools grown twice are 16 mappings (got %d)'
                  % (what, maps))
            check(comp.wait_fd_count(baseline) == baseline,
                  'the %s pools\' fds are gone with their client' % what)


if __name__ == '__main__':
    harness.main({f.__name__: f for f in (
        a_file_on_a_disk_filesystem_is_refused_naming_it,
        memfd_and_dev_shm_pools_are_accepted,
        hugetlbfs_pool_is_accepted,
        only_sealed_pools_keep_their_fd)})
