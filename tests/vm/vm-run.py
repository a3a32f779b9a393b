#!/usr/bin/env python3
"""Boots a Debian 6.12 kernel under QEMU (software emulation) with bochs-drm,
a two-head virtio-gpu, udmabuf and the system dma-heap, and runs the
scenarios of scenarios.py in that one boot.

Host <-> guest: ttyS0 is the kernel console (saved to console.log); ttyS1 is a
raw line channel to /rig/agent.sh in the guest, which runs shell scripts the
host sends and answers with their status and output.  QMP gives the host
screendumps (what KMS scans out) and PS/2 key and mouse input.

Exit status: 0 all selected scenarios passed, 1 some failed, 77 skipped
(no QEMU or kernel outside CI; with CI set those are failures).
"""

import argparse
import base64
import gzip
import hashlib
import json
import lzma
import os
import queue
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ppm  # noqa: E402
import scenarios  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
QEMU = 'qemu-system-x86_64'
KERNEL_PKG_RE = re.compile(r'^linux-image-(6\.12\.(\d+)\+deb12-amd64)-unsigned$')
# Modules to load; their dependencies are added from modules.dep. bochs comes
# first so that card0 is the display of the single-output scenarios (which
# still name their card by driver); virtio_gpu drives the two-head card the
# several-output scenarios use; vgem's fences can signal late.
WANTED_MODULES = ['bochs', 'virtio_gpu', 'vgem', 'evdev', 'psmouse']
# The second display: one virtio-gpu card with two connectors (QMP screendump
# device VIRTIO_GPU_ID, heads 0 and 1). Only head 0 is connected until the
# guest forces the other on (its sysfs status).
VIRTIO_GPU_ID = 'vgpu'
VIRTIO_GPU_SIZE = (640, 480)
# Built out of tree (Debian does not build it) and loaded last, so bochs stays
# card0 and keeps the screendump scenarios; scenarios find vkms by its name.
VKMS_PARAMS = 'enable_overlay=1 enable_cursor=1 enable_writeback=1'
VKMS_SOURCE = 'linux-source-6.12'
VKMS_DIR = 'drivers/gpu/drm/vkms'
SKIP = 77
STDBUF_LIB = '/usr/libexec/coreutils/libstdbuf.so'


class RigError(Exception):
    """The rig itself cannot work (no QEMU, no kernel, the VM died...)."""


def in_ci():
    return os.environ.get('CI', '').lower() not in ('', '0', 'false', 'no')


def log(msg):
    print('vm-run: ' + msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- kernel ---

def cache_dir():
    d = os.environ.get('SEALWAY_VM_CACHE')
    if not d:
        base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
        d = os.path.join(base, 'sealway-vm')
    os.makedirs(d, exist_ok=True)
    return d


def apt_kernel_packages():
    try:
        out = subprocess.run(['apt-cache', 'search', '--names-only',
                              r'^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$'],
                             capture_output=True, text=True, check=False).stdout
    except OSError:
        return []
    pkgs = []
    for line in out.splitlines():
        m = KERNEL_PKG_RE.match(line.split(' ', 1)[0])
        if m:
            pkgs.append((int(m.group(2)), line.split(' ', 1)[0], m.group(1)))
    return sorted(pkgs)


def cached_kernels(cache):
    found = []
    for name in os.listdir(cache):
        m = re.match(r'^linux-(6\.12\.(\d+)\+deb12-amd64)$', name)
        if m and os.path.exists(os.path.join(cache, name, '.complete')):
            found.append((int(m.group(2)), m.group(1)))
    return sorted(found)


def fetch_kernel(cache):
    """Returns the extracted tree of the newest available 6.12 kernel."""
    pkgs = apt_kernel_packages()
    if not pkgs:
        log('no linux-image-6.12.*+deb12-amd64-unsigned known to apt; running apt-get update')
        subprocess.run(['apt-get', 'update', '-q'], stdout=sys.stderr, check=False)
        pkgs = apt_kernel_packages()
    cached = cached_kernels(cache)
    if not pkgs:
        if cached:
            log('apt lists no 6.12 kernel; using the cached %s' % cached[-1][1])
            return os.path.join(cache, 'linux-' + cached[-1][1])
        raise RigError('no linux-image-6.12.*+deb12-amd64-unsigned package available '
                       '(is bookworm-updates/security in the apt sources?)')
    _, pkg, release = pkgs[-1]
    tree = os.path.join(cache, 'linux-' + release)
    if os.path.exists(os.path.join(tree, '.complete')):
        return tree
    dl = os.path.join(cache, 'dl')
    os.makedirs(dl, exist_ok=True)
    log('downloading %s into %s' % (pkg, dl))
    r = subprocess.run(['apt-get', 'download', pkg], cwd=dl, stdout=sys.stderr, check=False)
    debs = [f for f in os.listdir(dl) if f.startswith(pkg + '_') and f.endswith('.deb')]
    if r.returncode != 0 or not debs:
        if cached:
            log('download failed; using the cached %s' % cached[-1][1])
            return os.path.join(cache, 'linux-' + cached[-1][1])
        raise RigError('apt-get download %s failed' % pkg)
    tmp = tree + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run(['dpkg-deb', '-x', os.path.join(dl, debs[0]), tmp], check=True)
    shutil.rmtree(tree, ignore_errors=True)
    os.rename(tmp, tree)
    open(os.path.join(tree, '.complete'), 'w').close()
    os.unlink(os.path.join(dl, debs[0]))
    return tree


def kernel_release(tree):
    return os.listdir(os.path.join(tree, 'lib', 'modules'))[0]


def vmlinuz(tree):
    return os.path.join(tree, 'boot', 'vmlinuz-' + kernel_release(tree))


def module_order(tree, wanted):
    """Module names in load order (dependencies first), from modules.dep."""
    release = kernel_release(tree)
    moddir = os.path.join(tree, 'lib', 'modules', release)
    if not os.path.exists(os.path.join(moddir, 'modules.dep')):
        # The package leaves modules.dep to depmod at install time.
        depmod = shutil.which('depmod') or '/usr/sbin/depmod'
        r = subprocess.run([depmod, '-b', tree, release], capture_output=True, text=True,
                           check=False)
        if r.returncode != 0:
            raise RigError('depmod -b %s %s failed: %s' % (tree, release, r.stderr.strip()))
    paths, deps = {}, {}

    def name_of(path):
        return os.path.basename(path).split('.ko')[0].replace('-', '_')

    with open(os.path.join(moddir, 'modules.dep')) as f:
        for line in f:
            mod, _, rest = line.partition(':')
            n = name_of(mod)
            paths[n] = os.path.join(moddir, mod)
            deps[n] = [name_of(d) for d in rest.split()]
    builtin = set()
    with open(os.path.join(moddir, 'modules.builtin')) as f:
        builtin = {name_of(line.strip()) for line in f}
    order = []

    def visit(n, chain):
        if n in order:
            return
        if n in chain:
            raise RigError('module dependency cycle: %s' % ' -> '.join(chain + [n]))
        for d in deps[n]:
            visit(d, chain + [n])
        order.append(n)

    for w in wanted:
        if w in builtin:
            continue
        if w not in paths:
            raise RigError('kernel module %s not found in %s' % (w, moddir))
        visit(w, [])
    return [(n, paths[n]) for n in order]


def decompressed_module(cache_tree, name, path):
    """The .ko of a module, decompressed once and kept in the cache."""
    out_dir = os.path.join(cache_tree, 'sw-modules')
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, name + '.ko')
    if not os.path.exists(out):
        if path.endswith('.xz'):
            data = lzma.decompress(open(path, 'rb').read())
        else:
            data = open(path, 'rb').read()
        with open(out + '.tmp', 'wb') as f:
            f.write(data)
        os.rename(out + '.tmp', out)
    return out


# ------------------------------------------------------------------ vkms ---

def kernel_package_version(release):
    """The Debian version of the kernel image package, e.g. 6.12.117-1~deb12u1."""
    r = subprocess.run(['apt-cache', 'show', '--no-all-versions',
                        'linux-image-%s-unsigned' % release],
                       capture_output=True, text=True, check=False)
    m = re.search(r'^Version: (\S+)$', r.stdout, re.M)
    if not m:
        raise RigError('apt knows no linux-image-%s-unsigned: cannot pick the matching '
                       '%s' % (release, VKMS_SOURCE))
    return m.group(1)


def vkms_module(tree):
    """vkms.ko for the kernel in tree, built once from the linux-source package
    of the same version and kept beside the kernel. The headers packages are
    unpacked, not installed, so the host gets no kernel image."""
    release = kernel_release(tree)
    out = os.path.join(tree, 'sw-vkms', 'vkms.ko')
    if os.path.exists(out):
        return out
    t0 = time.monotonic()
    version = kernel_package_version(release)
    abi = release.rsplit('-', 1)[0]          # 6.12.117+deb12
    pkgs = [VKMS_SOURCE, 'linux-headers-' + release, 'linux-headers-%s-common' % abi,
            'linux-kbuild-' + abi]
    work = os.path.join(tree, 'sw-vkms.tmp')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    log('building vkms.ko for %s from %s %s' % (release, VKMS_SOURCE, version))
    # As root apt's download sandbox user cannot write here.
    r = subprocess.run(['apt-get', 'download', '-q', '-o', 'APT::Sandbox::User=root'] +
                       ['%s=%s' % (p, version) for p in pkgs],
                       cwd=work, stdout=sys.stderr, stderr=subprocess.STDOUT, check=False)
    debs = {p: [f for f in os.listdir(work) if f.startswith(p + '_') and f.endswith('.deb')]
            for p in pkgs}
    if r.returncode != 0 or not all(debs.values()):
        raise RigError('apt-get download of %s=%s failed' % (' '.join(pkgs), version))
    root = os.path.join(work, 'root')
    for p in pkgs[1:]:
        subprocess.run(['dpkg-deb', '-x', os.path.join(work, debs[p][0]), root], check=True)
    # Only the driver's folder of the source archive; xz still reads it all.
    src = os.path.join(work, debs[VKMS_SOURCE][0])
    sh = ('dpkg-deb --fsys-tarfile "$1" | tar -xO ./usr/src/%s.tar.xz | '
          'tar -xJ -C "$2" %s/%s' % (VKMS_SOURCE, VKMS_SOURCE, VKMS_DIR))
    subprocess.run(['sh', '-c', sh, 'sh', src, root], check=True)
    headers = os.path.join(root, 'usr', 'src', 'linux-headers-' + release)
    # The arch headers include the common ones by their installed path.
    with open(os.path.join(headers, 'Makefile'), 'w') as f:
        f.write('include %s/Makefile\n'
                % os.path.join(root, 'usr', 'src', 'linux-headers-%s-common' % abi))
    mdir = os.path.join(root, VKMS_SOURCE, VKMS_DIR)
    r = subprocess.run(['make', '-C', headers, 'M=' + mdir, 'CONFIG_DRM_VKMS=m', 'modules'],
                       capture_output=True, text=True, check=False)
    ko = os.path.join(mdir, 'vkms.ko')
    if r.returncode != 0 or not os.path.exists(ko):
        raise RigError('building vkms.ko failed (is pahole from dwarves installed?):\n%s'
                       % (r.stdout + r.stderr)[-3000:])
    vermagic = subprocess.run(['modinfo', '-F', 'vermagic', ko], capture_output=True,
                              text=True, check=False).stdout.split()
    if not vermagic or vermagic[0] != release:
        raise RigError('vkms.ko was built for %r, not %s' % (vermagic, release))
    # Like the distribution's own modules: no DWARF (BTF stays), a tenth the size.
    subprocess.run(['strip', '--strip-debug', ko], check=True)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    shutil.copy(ko, out + '.tmp')
    os.rename(out + '.tmp', out)
    shutil.rmtree(work, ignore_errors=True)
    log('vkms.ko built in %.1f s' % (time.monotonic() - t0))
    return out


def vkms_depends(ko):
    out = subprocess.run(['modinfo', '-F', 'depends', ko], capture_output=True, text=True,
                         check=False).stdout.strip()
    return [d for d in out.split(',') if d]


# ------------------------------------------------------------- initramfs ---

class Cpio:
    """An in-memory newc archive; parents of every entry are created."""

    def __init__(self):
        self.entries = {}   # path -> (mode, data)

    def _parents(self, path):
        parts = path.strip('/').split('/')[:-1]
        for i in range(1, len(parts) + 1):
            p = '/'.join(parts[:i])
            if p not in self.entries:
                self.entries[p] = (stat.S_IFDIR | 0o755, b'')

    def dir(self, path, mode=0o755):
        path = path.strip('/')
        self._parents(path)
        self.entries[path] = (stat.S_IFDIR | mode, b'')

    def file(self, path, data, mode=0o644):
        path = path.strip('/')
        self._parents(path)
        self.entries[path] = (stat.S_IFREG | mode, data)

    def symlink(self, path, target):
        path = path.strip('/')
        self._parents(path)
        self.entries[path] = (stat.S_IFLNK | 0o777, target.encode())

    def has(self, path):
        return path.strip('/') in self.entries

    def copy(self, guest_path, host_path):
        st = os.stat(host_path)
        with open(host_path, 'rb') as f:
            self.file(guest_path, f.read(), stat.S_IMODE(st.st_mode))

    def copy_tree(self, host_dir):
        """Copies a host directory to the same place, symlinks kept."""
        for root, dirs, files in os.walk(host_dir):
            self.dir(root)
            for n in dirs + files:
                p = os.path.join(root, n)
                if os.path.islink(p):
                    self.symlink(p, os.readlink(p))
                elif n in files:
                    self.copy(p, p)

    def pack(self):
        out = bytearray()
        ino = 1000

        def entry(name, mode, data, nlink):
            nonlocal ino
            ino += 1
            nb = name.encode() + b'\0'
            hdr = '070701' + ''.join('%08x' % v for v in (
                ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(nb), 0))
            out.extend(hdr.encode() + nb)
            out.extend(b'\0' * (-len(out) % 4))
            out.extend(data)
            out.extend(b'\0' * (-len(out) % 4))

        # Sorted so directories precede what they contain.
        for name in sorted(self.entries):
            mode, data = self.entries[name]
            entry(name, mode, data, 2 if stat.S_ISDIR(mode) else 1)
        entry('TRAILER!!!', 0, b'', 1)
        return bytes(out)


def ldd(binary):
    """Absolute paths of the shared libraries (and loader) binary needs."""
    r = subprocess.run(['ldd', binary], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        if 'not a dynamic executable' in r.stdout + r.stderr:
            return []
        raise RigError('ldd %s failed: %s' % (binary, r.stderr.strip()))
    libs = []
    for line in r.stdout.splitlines():
        line = line.strip()
        if 'not found' in line:
            raise RigError('%s: %s' % (binary, line))
        m = re.match(r'^\S+ => (/\S+) \(', line) or re.match(r'^(/\S+) \(', line)
        if m:
            libs.append(m.group(1))
    return libs


def guest_path_for(path):
    """Where a host file goes: its directory resolved (merged /usr), name kept."""
    return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))


def build_initramfs(out, kernel_tree, programs, system_programs, vkms=None):
    """programs: {guest name: host path} copied to /sw/bin;
    system_programs: host paths copied to the same place; vkms: the built
    vkms.ko or None."""
    a = Cpio()
    # Mirror the host's merged-/usr symlinks so ldd's paths are valid as is.
    for top in ('bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'):
        p = '/' + top
        if os.path.islink(p):
            a.symlink(top, os.readlink(p))
    for d in ('proc', 'sys', 'dev', 'run', 'tmp', 'root', 'etc', 'rig/bin', 'sw/bin', 'modules'):
        a.dir(d)
    a.file('etc/passwd', b'root:x:0:0:root:/root:/bin/sh\n')
    a.file('etc/group', b'root:x:0:\nvideo:x:44:\ninput:x:101:\n')

    busybox = shutil.which('busybox') or '/bin/busybox'
    a.copy('/rig/bin/busybox', busybox)
    applets = subprocess.run([busybox, '--list'], capture_output=True, text=True,
                             check=True).stdout.split()
    for applet in applets:
        if applet != 'busybox':
            a.symlink('/rig/bin/' + applet, 'busybox')
    a.symlink(guest_path_for('/bin/sh'), '/rig/bin/busybox')

    for name in ('init.sh', 'agent.sh', 'lib.sh'):
        a.copy('/rig/' + name, os.path.join(HERE, 'guest', name))
    a.copy('/init', os.path.join(HERE, 'guest', 'init.sh'))

    order = []
    wanted = WANTED_MODULES + (vkms_depends(vkms) if vkms else [])
    for name, path in module_order(kernel_tree, wanted):
        a.copy('/modules/%s.ko' % name, decompressed_module(kernel_tree, name, path))
        order.append(name)
    lines = list(order)
    if vkms:
        a.copy('/modules/vkms.ko', vkms)
        order.append('vkms')
        lines.append('vkms ' + VKMS_PARAMS)
    # One module a line, then its parameters.
    a.file('/modules/order', ('\n'.join(lines) + '\n').encode())

    binaries = []
    for name, host in sorted(programs.items()):
        a.copy('/sw/bin/' + name, host)
        binaries.append(host)
    for host in system_programs:
        a.copy(guest_path_for(host), host)
        binaries.append(host)
    libs = set()
    for b in binaries:
        libs.update(ldd(b))
    for lib in sorted(libs):
        a.copy(guest_path_for(lib), os.path.realpath(lib))

    # stdbuf's preload library, so programs writing to a log file can be
    # made line-buffered (stdbuf -oL).
    if os.path.exists(STDBUF_LIB) and any(b.endswith('/stdbuf') for b in binaries):
        a.copy(guest_path_for(STDBUF_LIB), STDBUF_LIB)
        for lib in ldd(STDBUF_LIB):
            if not a.has(guest_path_for(lib)):
                a.copy(guest_path_for(lib), os.path.realpath(lib))

    # Run-time data of xkbcommon and libinput (no fonts needed).
    for d in ('/usr/share/X11/xkb', '/usr/share/libinput'):
        if os.path.isdir(d):
            a.copy_tree(os.path.realpath(d))

    blob = a.pack()
    with open(out, 'wb') as f:
        f.write(gzip.compress(blob, compresslevel=3))
    return len(blob), order


# -------------------------------------------------------------------- VM ---

# Guests a run may bring up: one whose kernel dies mid-run is replaced by a new one.
MAX_GUESTS = 3
# Tries to bring up each of them: under TCG a kernel now and then dies while booting.
BOOT_ATTEMPTS = 3


class GuestTimeout(RigError):
    pass


class GuestHung(RigError):
    """The watchdog fired: the guest went silent and stopped answering."""


class Result:
    def __init__(self, rc, out):
        self.rc = rc
        self.out = out

    def __repr__(self):
        return 'Result(rc=%d, out=%r)' % (self.rc, self.out[-300:])


class VM:
    def __init__(self, workdir, kernel, initrd, width, height, verbose=False,
                 watchdog_s=20, answer_grace_s=30):
        self.verbose = verbose
        # A command whose answer is answer_grace_s late is pinged; a guest
        # that then prints nothing on either serial line for watchdog_s is
        # taken for hung: its state is dumped and the run fails.
        self.watchdog_s = watchdog_s
        self.answer_grace_s = answer_grace_s
        self.last_output = time.monotonic()
        self.console_size = 0
        self.hung = None
        self.workdir = workdir
        self.kernel = kernel
        self.initrd = initrd
        self.width = width
        self.height = height
        self.proc = None
        self.lines = queue.Queue()
        self.chan = None
        self.qmp = None
        self.qmp_file = None
        self.next_id = 1
        self.dump_count = 0
        self.console_log = os.path.join(workdir, 'console.log')
        self.dead = False

    def start(self, boot_timeout=120):
        chan_path = os.path.join(self.workdir, 'chan.sock')
        qmp_path = os.path.join(self.workdir, 'qmp.sock')
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(chan_path)
        listener.listen(1)
        cmd = [QEMU, '-accel', 'tcg,thread=multi', '-m', '1024', '-smp', '2',
               '-machine', 'pc,vmport=off', '-nodefaults', '-no-reboot',
               '-vga', 'std', '-display', 'none',
               # The EDID's preferred mode, so the text console and a
               # compositor without --size both use it.
               '-global', 'VGA.xres=%d' % self.width, '-global', 'VGA.yres=%d' % self.height,
               # After -vga's, so the display screendump shows by default stays bochs.
               '-device', 'virtio-vga,id=%s,max_outputs=2,xres=%d,yres=%d'
               % ((VIRTIO_GPU_ID,) + VIRTIO_GPU_SIZE),
               '-kernel', self.kernel, '-initrd', self.initrd,
               # SysRq from the watchdog's sendkey, whatever the guest set.
               '-append', 'console=ttyS0 quiet loglevel=4 panic=-1 sysrq_always_enabled=1',
               '-chardev', 'file,id=con,path=' + self.console_log, '-serial', 'chardev:con',
               '-chardev', 'socket,id=chan,path=' + chan_path, '-serial', 'chardev:chan',
               '-qmp', 'unix:%s,server=on,wait=off' % qmp_path]
        log('starting ' + ' '.join(cmd))
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=open(os.path.join(self.workdir, 'qemu.log'), 'w'),
                                     stderr=subprocess.STDOUT)
        listener.settimeout(30)
        try:
            self.chan, _ = listener.accept()
        except socket.timeout:
            raise RigError('QEMU did not connect the serial channel: %s' % self.qemu_log())
        finally:
            listener.close()
        threading.Thread(target=self._reader, daemon=True).start()
        for _ in range(100):
            try:
                self.qmp = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.qmp.connect(qmp_path)
                break
            except OSError:
                self.qmp.close()
                self.qmp = None
                time.sleep(0.1)
        if not self.qmp:
            raise RigError('cannot connect to QMP: %s' % self.qemu_log())
        self.qmp_file = self.qmp.makefile('rwb')
        json.loads(self.qmp_file.readline())   # greeting
        self.qmp_command('qmp_capabilities')
        line = self._expect('READY', boot_timeout, watchdog=True, what='boot')
        log('guest ready after %.1f s: %s' % (time.monotonic() - self.t0, line))

    def qemu_log(self):
        try:
            return open(os.path.join(self.workdir, 'qemu.log')).read().strip()[-2000:]
        except OSError:
            return ''

    def console_tail(self, n=40):
        try:
            return '\n'.join(open(self.console_log, errors='replace').read().splitlines()[-n:])
        except OSError:
            return ''

    def _reader(self):
        buf = b''
        with open(os.path.join(self.workdir, 'channel.log'), 'wb') as raw:
            while True:
                try:
                    data = self.chan.recv(65536)
                except OSError:
                    data = b''
                if not data:
                    self.lines.put(None)
                    return
                self.last_output = time.monotonic()
                raw.write(data)
                raw.flush()
                buf += data
                while b'\n' in buf:
                    line, buf = buf.split(b'\n', 1)
                    line = line.decode(errors='replace').rstrip('\r')
                    # Tolerate stray bytes before the marker.
                    at = line.find('@@SW ')
                    if at >= 0:
                        self.lines.put(line[at + 5:])
                    elif self.verbose and line:
                        log('channel noise: %r' % line[:200])

    def silence(self):
        """Seconds since the guest last wrote to either serial line."""
        try:
            size = os.path.getsize(self.console_log)
        except OSError:
            size = 0
        if size != self.console_size:
            self.console_size = size
            self.last_output = time.monotonic()
        return time.monotonic() - self.last_output

    def _expect(self, words, timeout, watchdog=False, what=None):
        """The next line starting with one of words. After timeout, with
        watchdog set, waits on while the guest still prints something, and
        fires the watchdog once it has been silent for watchdog_s (or has
        printed without answering for another 120 s)."""
        word = words if isinstance(words, str) else '/'.join(words)
        if self.hung:
            raise GuestHung(self.hung)
        if self.dead:
            raise RigError('the guest channel is closed; console:\n%s' % self.console_tail())
        t0 = time.monotonic()
        deadline = t0 + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if not watchdog:
                    raise GuestTimeout('no %s from the guest after %d s; console:\n%s'
                                       % (word, timeout, self.console_tail()))
                quiet = self.silence()
                if quiet >= self.watchdog_s or time.monotonic() - deadline > 120:
                    self.fire_watchdog(what or word, time.monotonic() - t0, quiet)
                left = 1.0
            try:
                line = self.lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                if self.proc.poll() is not None:
                    raise RigError('QEMU exited with %d; console:\n%s\n%s'
                                   % (self.proc.returncode, self.console_tail(), self.qemu_log()))
                continue
            if line is None:
                self.dead = True
                raise RigError('the guest channel closed; console:\n%s' % self.console_tail())
            if line.split(' ', 1)[0] in ((words,) if isinstance(words, str) else words):
                return line

    def run(self, script, timeout=30):
        """Runs a shell script in the guest; returns Result(rc, output)."""
        rid = self.next_id
        self.next_id += 1
        enc = base64.b64encode(script.encode()).decode()
        # The agent checks the digest and asks again for a damaged line: a
        # few bytes to the guest's UART are sometimes lost under emulation.
        msg = ('RUN %d %d %s %s\n' % (rid, timeout, hashlib.md5(enc.encode()).hexdigest(),
                                       enc)).encode()
        t0 = time.monotonic()
        if self.verbose:
            log('run #%d: %s' % (rid, script.strip().replace('\n', '; ')[:200]))
        self.chan.sendall(msg)
        resent = 0
        what = '%r (timeout %d s)' % (script.strip().splitlines()[0][:80] if script.strip()
                                      else '', timeout)
        while True:
            try:
                line = self._expect(('RESULT', 'RETRY', 'ERROR'), timeout + self.answer_grace_s)
            except GuestTimeout:
                # Tell a lost answer from a stuck agent: the agent answers
                # a PING only once it is done with the command. The leading
                # newline completes the command's line if its end was lost.
                # A guest that then stays silent is hung: the watchdog fires.
                self.chan.sendall(b'\nPING 0 0 0 x\n')
                while True:
                    line = self._expect(('RESULT', 'PONG'), self.watchdog_s, watchdog=True,
                                        what=what)
                    if line.startswith('RESULT %d ' % rid) or line == 'PONG':
                        break
                if line == 'PONG':
                    raise ppm.CheckError('no answer from the guest to: %s'
                                         % script.strip().splitlines()[0][:100])
            parts = line.split(' ')
            if parts[0] in ('RETRY', 'ERROR'):
                # ERROR: a line so damaged the agent could not tell its id;
                # only one command is ever in flight, so it was this one.
                if parts[0] == 'RETRY' and parts[1] != str(rid):
                    continue
                resent += 1
                log('command #%d reached the guest damaged (%s); sending it again'
                    % (rid, line[:80]))
                if resent > 3:
                    raise RigError('the channel to the guest keeps damaging commands')
                self.chan.sendall(msg)
                continue
            if int(parts[1]) == rid:
                out = base64.b64decode(parts[3]) if len(parts) > 3 else b''
                res = Result(int(parts[2]), out.decode(errors='replace'))
                if self.verbose:
                    log('  #%d: status %d after %.2f s: %s' % (rid, res.rc, time.monotonic() - t0,
                                                            res.out.strip()[-200:]))
                return res
            log('late result of #%s ignored' % parts[1])

    def fire_watchdog(self, what, waited, quiet):
        """Dumps what the guest's state allows into watchdog.log (QEMU's view:
        registers, CPUs) and console.log (SysRq t: tasks, l: CPU backtraces),
        then fails the run for good: every later command fails at once."""
        path = os.path.join(self.workdir, 'watchdog.log')
        # A QEMU that no longer answers QMP must not hang the run either.
        self.qmp.settimeout(10)
        with open(path, 'a') as f:
            f.write('watchdog: %s; silent for %.0f s\n' % (what, quiet))
            for cmd in ('info registers -a', 'info cpus', 'info status'):
                try:
                    out = self.qmp_command('human-monitor-command', **{'command-line': cmd})
                except (RigError, OSError, ValueError) as e:
                    out = 'failed: %s' % e
                f.write('=== %s\n%s\n' % (cmd, out))
            # 9 first: loglevel=4 would otherwise keep the dumps (KERN_INFO)
            # off the console.
            for key in ('9', 't', 'l'):
                try:
                    self.send_keys(['alt', 'sysrq', key])
                    f.write('=== sent SysRq %s\n' % key)
                except (RigError, OSError, ValueError) as e:
                    f.write('=== SysRq %s failed: %s\n' % (key, e))
                time.sleep(2)
        # Let the console file catch up with the SysRq output.
        time.sleep(2)
        self.hung = ('watchdog: the guest printed nothing on either serial line for %.0f s '
                     'while waiting for %s (%.0f s after the ping); QEMU registers in '
                     'watchdog.log, SysRq t and l in console.log' % (quiet, what, waited))
        log(self.hung)
        raise GuestHung(self.hung)

    def qmp_command(self, name, **args):
        msg = {'execute': name}
        if args:
            msg['arguments'] = args
        self.qmp_file.write(json.dumps(msg).encode() + b'\n')
        self.qmp_file.flush()
        while True:
            reply = json.loads(self.qmp_file.readline())
            if 'return' in reply:
                return reply['return']
            if 'error' in reply:
                raise RigError('QMP %s: %s' % (name, reply['error'].get('desc')))
            # Asynchronous events are ignored.

    def screendump(self, save_as=None, device=None, head=None):
        """What a display scans out: bochs by default, or head `head` of `device`."""
        self.dump_count += 1
        path = os.path.join(self.workdir, 'dump-%03d.ppm' % self.dump_count)
        where = {}
        if device is not None:
            where['device'] = device
        if head is not None:
            where['head'] = head
        self.qmp_command('screendump', filename=path, **where)
        img = ppm.Image.load(path)
        if save_as:
            os.replace(path, save_as)
        else:
            os.unlink(path)
        return img

    def send_keys(self, keys, hold_ms=100):
        """keys: QEMU qcodes pressed together, e.g. ['ctrl', 'alt', 'f2']."""
        self.qmp_command('send-key', keys=[{'type': 'qcode', 'data': k} for k in keys],
                         **{'hold-time': hold_ms})

    def mouse_move(self, dx, dy):
        self.qmp_command('input-send-event', events=[
            {'type': 'rel', 'data': {'axis': 'x', 'value': dx}},
            {'type': 'rel', 'data': {'axis': 'y', 'value': dy}}])

    def mouse_button(self, button='left'):
        for down in (True, False):
            self.qmp_command('input-send-event', events=[
                {'type': 'btn', 'data': {'button': button, 'down': down}}])

    def died(self):
        """The guest is gone: its channel closed, the watchdog fired or QEMU exited."""
        return bool(self.dead or self.hung or (self.proc and self.proc.poll() is not None))

    def crash_summary(self):
        """The kernel's own words on the console about how it died, if any."""
        lines = [ln.split('] ', 1)[-1] for ln in self.console_tail(400).splitlines()
                 if re.search(r'Oops|BUG:|Kernel panic|RIP: 0010', ln)]
        return '; '.join(lines[:3]) if lines else 'no kernel message on the console'

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                if self.hung:
                    raise OSError('hung')
                self.chan.sendall(b'POWEROFF 0 0 0 x\n')
                self.proc.wait(timeout=15)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        if self.chan:
            self.chan.close()
        if self.qmp:
            self.qmp.close()


# ------------------------------------------------------------- reporting ---

class Reporter:
    def __init__(self, tap, total):
        self.tap = tap
        self.n = 0
        self.failed = []
        if tap:
            print('1..%d' % total, flush=True)

    def result(self, name, error, seconds):
        self.n += 1
        if error is None:
            line = 'PASS %s (%.1f s)' % (name, seconds)
        else:
            self.failed.append(name)
            line = 'FAIL %s: %s' % (name, error.splitlines()[0] if error else '?')
        if self.tap:
            print('%s %d - %s' % ('ok' if error is None else 'not ok', self.n, name), flush=True)
            if error:
                for ln in error.splitlines():
                    print('# ' + ln, flush=True)
            print(line, file=sys.stderr, flush=True)
        else:
            print(line, flush=True)
            if error and len(error.splitlines()) > 1:
                for ln in error.splitlines()[1:]:
                    print('    ' + ln, flush=True)


def crash_once():
    """The rig's self-test of a guest that dies: the first run of the scenario
    crashes the guest's kernel (SysRq c); the rig must boot a new guest and run
    it again there, where it passes."""
    guests = []

    def scenario(t):
        """A guest kernel that crashes during a scenario is replaced, and the scenario runs again"""
        guests.append(t.vm)
        if len(guests) == 1:
            t.run('echo c > /proc/sysrq-trigger', 20)
            raise scenarios.CheckError('the guest lived through SysRq c')
        if t.vm is guests[0]:
            raise scenarios.CheckError('run again on the guest that crashed')
        t.sh('true', what='a command on the new guest')
    return scenario


def watchdog_self_test(vm, workdir):
    """Stops the guest's agent on purpose and checks that the watchdog fires
    with its message and that the dump happened; None or what went wrong."""
    vm.answer_grace_s = 2
    stop_agent = 'kill -STOP $(cat /run/rig-agent.pid)'
    t0 = time.monotonic()
    try:
        r = vm.run(stop_agent, timeout=2)
        return 'the stopped agent answered: %r' % r
    except GuestHung as e:
        msg = str(e)
    took = time.monotonic() - t0
    problems = []
    if not msg.startswith('watchdog: the guest printed nothing') or stop_agent[:20] not in msg:
        problems.append('unexpected message: %s' % msg)
    try:
        vm.run('true', 5)
        problems.append('a command after the watchdog fired did not fail')
    except GuestHung:
        pass
    wlog = open(os.path.join(workdir, 'watchdog.log'), errors='replace').read()
    if 'RIP=' not in wlog:
        problems.append('no registers in watchdog.log')
    console = open(vm.console_log, errors='replace').read()
    # The task list must show the stopped agent (state T).
    for key, words in (('t', 'Show State'), ('t', 'state:T'),
                       ('l', 'Show backtrace of all active CPUs')):
        if words not in console:
            problems.append('no SysRq %s output (%r) in console.log' % (key, words))
    # Two seconds of grace and the silence, plus the dump's own few seconds.
    if took > 2 + 2 + vm.watchdog_s + 20:
        problems.append('the watchdog took %.0f s' % took)
    log('watchdog self-test: fired after %.1f s: %s' % (took, msg))
    return '; '.join(problems) or None


def skip(tap, reason):
    if tap:
        print('1..0 # SKIP %s' % reason, flush=True)
        return 0
    print('SKIP: %s' % reason, flush=True)
    return SKIP


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--build-root', required=True,
                    help='meson build directory holding the programs')
    ap.add_argument('--program', action='append', default=[],
                    help='build-root-relative program to copy into the guest if built')
    ap.add_argument('--system-program', action='append', default=[],
                    help='host program (absolute path) to copy into the guest')
    ap.add_argument('--only', help='comma-separated scenario names to run')
    ap.add_argument('--list', action='store_true', help='list the scenarios and exit')
    ap.add_argument('--artifacts', help='directory for logs and screendumps '
                    '(default: BUILD_ROOT/meson-logs/vm)')
    ap.add_argument('--tap', action='store_true', help='TAP output on stdout (for meson)')
    ap.add_argument('--size', default='1024x768', help='display mode WxH')
    ap.add_argument('--watchdog', type=int, default=20, metavar='SECONDS',
                    help='a guest silent this long while a command is overdue is '
                    'taken for hung: dump its state and fail (default 20)')
    ap.add_argument('--self-test', choices=['watchdog', 'reboot'],
                    help='test the rig itself instead of running scenarios: '
                    'watchdog hangs the guest agent on purpose, reboot crashes the '
                    'guest kernel during a scenario')
    ap.add_argument('-v', '--verbose', action='store_true',
                    help='log every command sent to the guest and its result')
    args = ap.parse_args()

    table = scenarios.SCENARIOS
    if args.self_test:
        table = [scenarios.Scenario('self-test-' + args.self_test, [],
                                    crash_once() if args.self_test == 'reboot' else None)]
    if args.list:
        for s in table:
            print('%-24s %s' % (s.name, s.doc))
        return 0
    if args.only and args.self_test:
        # `meson test --suite vm --test-args=--only ...` reaches this test too.
        if table[0].name not in args.only.split(','):
            return skip(args.tap, '%s not among --only' % table[0].name)
    elif args.only:
        wanted = [n.strip() for n in args.only.split(',') if n.strip()]
        unknown = [n for n in wanted if n not in {s.name for s in table}]
        if unknown:
            print('vm-run: unknown scenario(s): %s (see --list)' % ', '.join(unknown),
                  file=sys.stderr)
            return 2
        table = [s for s in table if s.name in wanted]

    width, height = (int(v) for v in args.size.split('x'))
    # A meson timeout sends SIGTERM: unwind so QEMU is stopped, not orphaned.
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit('vm-run: terminated'))

    if not shutil.which(QEMU):
        msg = '%s not found: apt-get install qemu-system-x86' % QEMU
        if in_ci():
            print('vm-run: FAIL: ' + msg, file=sys.stderr)
            if args.tap:
                print('Bail out! ' + msg, flush=True)
            return 1
        return skip(args.tap, msg)

    artifacts = os.path.abspath(args.artifacts or
                                os.path.join(args.build_root, 'meson-logs', 'vm'))
    shutil.rmtree(artifacts, ignore_errors=True)
    os.makedirs(artifacts)

    programs = {}
    for rel in args.program:
        p = os.path.join(args.build_root, rel)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            programs[os.path.basename(rel)] = p
    system_programs = [p for p in args.system_program if os.path.isfile(p)]
    available = set(programs) | {os.path.basename(p) for p in system_programs}

    t_start = time.monotonic()
    workdir = tempfile.mkdtemp(prefix='sealway-vm-')
    vm = None
    guests = []     # every guest started, those whose boot failed too
    booted = []     # the guests that came up
    rep = Reporter(args.tap, len(table))
    try:
        try:
            tree = fetch_kernel(cache_dir())
        except (RigError, subprocess.CalledProcessError, OSError) as e:
            msg = 'no 6.12 kernel for the VM: %s' % e
            if in_ci():
                raise RigError(msg)
            return skip(args.tap, msg)
        vkms = None
        missing_why = {}
        try:
            if not args.self_test:
                vkms = vkms_module(tree)
        except (RigError, subprocess.CalledProcessError, OSError) as e:
            # Only the vkms scenarios need it; they fail saying why.
            log('no vkms: %s' % e)
            missing_why['vkms'] = 'the rig could not build it: %s' % str(e).splitlines()[0]
        if vkms:
            available.add('vkms')
        initrd = os.path.join(workdir, 'initrd.gz')
        size, order = build_initramfs(initrd, tree, programs, system_programs, vkms)
        log('kernel %s, modules %s, initramfs %.1f MiB (%.1f MiB packed), programs: %s'
            % (kernel_release(tree), ' '.join(order), size / 2**20,
               os.path.getsize(initrd) / 2**20, ' '.join(sorted(available))))
        def boot():
            """A new guest, booted again if the emulator crashed its kernel."""
            for boot_try in range(1, BOOT_ATTEMPTS + 1):
                wd = os.path.join(workdir, 'boot%d' % (len(guests) + 1))
                os.makedirs(wd)
                guest = VM(wd, vmlinuz(tree), initrd, width, height, args.verbose,
                           args.watchdog)
                guests.append(guest)
                try:
                    guest.start()
                    booted.append(guest)
                    break
                except RigError as e:
                    if boot_try == BOOT_ATTEMPTS:
                        raise
                    log('boot %d failed (%s; %s): booting again'
                        % (len(guests), str(e).splitlines()[0], guest.crash_summary()))
                    guest.stop()
            # Which card each driver drives: the scenarios name cards by driver.
            cards = guest.run('for c in /sys/class/drm/card*; do case ${c##*/} in *-*) '
                              'continue;; esac; [ -e $c/device/driver ] && echo ${c##*/} '
                              '$(basename $(readlink $c/device/driver)); done; true').out
            scenarios.use_cards({ln.split()[1]: ln.split()[0] for ln in cards.splitlines()
                                 if len(ln.split()) == 2})
            log('cards: %s' % ', '.join(ln.strip() for ln in cards.splitlines()))
            return guest

        vm = boot()
        if args.self_test == 'watchdog':
            t0 = time.monotonic()
            rep.result(table[0].name, watchdog_self_test(vm, vm.workdir), time.monotonic() - t0)
        for sc in table if args.self_test != 'watchdog' else []:
            if vm.died() and len(booted) < MAX_GUESTS:
                log('a new guest for the remaining scenarios')
                vm.stop()
                vm = boot()
            t0 = time.monotonic()
            for attempt in (1, 2):
                try:
                    err = scenarios.run_scenario(sc, vm, available,
                                                 os.path.join(artifacts, sc.name), missing_why)
                except RigError as e:
                    if not vm.died() or len(booted) >= MAX_GUESTS:
                        raise
                    err = 'rig: %s' % e
                except Exception:
                    # A scenario's own bug fails that scenario, not the ones after it.
                    err = 'scenario error:\n' + traceback.format_exc()
                if not vm.died():
                    break
                # The guest's kernel died under the emulator (TCG has crashed it with a
                # stale int3 of a patched static key): the scenario gets a new guest,
                # once; dying again is its failure.
                again = attempt == 1 and len(booted) < MAX_GUESTS
                log('the guest died during %s (%s)%s' % (sc.name, vm.crash_summary(),
                                                          '; a new guest runs it again'
                                                          if again else ''))
                if not again:
                    break
                vm.stop()
                vm = boot()
            # A boot the emulator crashed before the guest came up is retried by boot()
            # and is not the replacement this test is about.
            if args.self_test == 'reboot' and err is None and len(booted) != 2:
                err = ('%d guests came up, want 2: the one that crashed and a new one'
                       % len(booted))
            rep.result(sc.name, err, time.monotonic() - t0)
            if vm.proc.poll() is not None:
                log('the VM is gone; the remaining scenarios fail')
    except RigError as e:
        for sc in table[rep.n:]:
            rep.result(sc.name, 'rig: %s' % e, 0)
    except Exception:
        tb = traceback.format_exc()
        for sc in table[rep.n:]:
            rep.result(sc.name, 'rig error:\n' + tb, 0)
    finally:
        if vm:
            t_stop = time.monotonic()
            vm.stop()
            log('VM stopped in %.1f s' % (time.monotonic() - t_stop))
        for guest in guests:
            guest.stop()
        # The last guest's logs under their names, earlier guests' as bootN-NAME.
        for i, guest in enumerate(guests):
            prefix = '' if i == len(guests) - 1 else 'boot%d-' % (i + 1)
            for f in ('console.log', 'qemu.log', 'channel.log', 'watchdog.log'):
                if os.path.exists(os.path.join(guest.workdir, f)):
                    shutil.copy(os.path.join(guest.workdir, f),
                                os.path.join(artifacts, prefix + f))
        shutil.rmtree(workdir, ignore_errors=True)
    log('%d scenario(s), %d failed, %.1f s in all; artifacts in %s'
        % (rep.n, len(rep.failed), time.monotonic() - t_start, artifacts))
    # Under TAP the failures are already reported as 'not ok' lines.
    return 1 if rep.failed and not args.tap else 0


if __name__ == '__main__':
    sys.exit(main())
