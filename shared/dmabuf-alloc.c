#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/magic.h>
#include <linux/udmabuf.h>

#include "dmabuf-alloc.h"
#include "log.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

const char *
sw_dmabuf_alloc_method_name(enum sw_dmabuf_alloc_method method)
{
	switch (method) {
	case SW_DMABUF_UDMABUF:
		return "udmabuf";
	case SW_DMABUF_DMA_HEAP:
		return "dma-heap";
	}
	return "?";
}

int
sw_fd_is_dmabuf(int fd)
{
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0)
		return -1;
	/* Every dma-buf has an inode on this pseudo filesystem since Linux 5.3. */
	return sfs.f_type == DMA_BUF_MAGIC ? 1 : 0;
}

int
sw_dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };
	int ret;
	do {
		ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	return ret;
}

size_t
sw_page_align(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t mask = (page > 0 ? (size_t)page : 4096) - 1;
	if (size > SIZE_MAX - mask)
		return 0;
	return (size + mask) & ~mask;
}

static int
udmabuf_alloc(size_t size)
{
	int dmabuf = -1;
	/* MFD_NOEXEC_SEAL exists since 6.3; older kernels reject it with EINVAL. */
	int memfd = memfd_create("sealway-udmabuf",
				 MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
	if (memfd < 0 && errno == EINVAL)
		memfd = memfd_create("sealway-udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0) {
		sw_err("memfd_create: %s", strerror(errno));
		return -1;
	}
	if (ftruncate(memfd, (off_t)size) < 0) {
		sw_err("sizing the memfd to %zu bytes: %s", size, strerror(errno));
		goto out_memfd;
	}
	/*
	 * udmabuf requires F_SEAL_SHRINK (the pages it pins must stay) and
	 * refuses F_SEAL_WRITE (the memory is meant to be written). F_SEAL_SEAL
	 * makes sure nobody adds F_SEAL_WRITE later.
	 */
	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		sw_err("sealing the memfd: %s", strerror(errno));
		goto out_memfd;
	}

	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		int err = errno;
		if (err == ENOENT || err == ENODEV || err == ENXIO)
			sw_err("/dev/udmabuf is missing: the kernel needs CONFIG_UDMABUF=y "
			       "(or =m and `modprobe udmabuf`)");
		else if (err == EACCES || err == EPERM)
			sw_err("no permission to open /dev/udmabuf (often root:kvm 0660): "
			       "add the user to its group or grant access with a udev rule");
		else
			sw_err("opening /dev/udmabuf: %s", strerror(err));
		goto out_memfd;
	}
	struct udmabuf_create create = {
		.memfd = (uint32_t)memfd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = 0,
		.size = size,
	};
	dmabuf = ioctl(dev, UDMABUF_CREATE, &create);
	if (dmabuf < 0) {
		int err = errno;
		if (err == EINVAL)
			sw_err("UDMABUF_CREATE of %zu bytes: %s (larger than the module's "
			       "size_limit_mb, 64 MiB by default?)", size, strerror(err));
		else
			sw_err("UDMABUF_CREATE of %zu bytes: %s", size, strerror(err));
		dmabuf = -1;
	}
	close(dev);
out_memfd:
	/* The dma-buf holds its own reference to the pages. */
	close(memfd);
	return dmabuf;
}

static int
dma_heap_alloc(const char *heap, size_t size)
{
	char path[256];
	int n = snprintf(path, sizeof(path), "/dev/dma_heap/%s", heap ? heap : "system");
	if (n < 0 || (size_t)n >= sizeof(path) || (heap && strchr(heap, '/'))) {
		sw_err("bad dma-heap name \"%s\"", heap);
		return -1;
	}

	int dev = open(path, O_RDONLY | O_CLOEXEC);
	if (dev < 0) {
		int err = errno;
		if (err == ENOENT || err == ENODEV || err == ENXIO)
			sw_err("%s is missing: the kernel needs CONFIG_DMABUF_HEAPS=y and "
			       "CONFIG_DMABUF_HEAPS_SYSTEM=y (for the \"system\" heap)", path);
		else if (err == EACCES || err == EPERM)
			sw_err("no permission to open %s (heaps are root-only by default): "
			       "run as root or grant access with a udev rule", path);
		else
			sw_err("opening %s: %s", path, strerror(err));
		return -1;
	}
	struct dma_heap_allocation_data alloc = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int ret;
	do {
		ret = ioctl(dev, DMA_HEAP_IOCTL_ALLOC, &alloc);
	} while (ret < 0 && errno == EINTR);
	int err = errno;
	close(dev);
	if (ret < 0) {
		sw_err("DMA_HEAP_IOCTL_ALLOC of %zu bytes from %s: %s", size, path,
		       strerror(err));
		return -1;
	}
	return (int)alloc.fd;
}

int
sw_dmabuf_alloc(enum sw_dmabuf_alloc_method method, const char *heap, size_t size,
		size_t *out_size)
{
	size_t aligned = sw_page_align(size);
	if (size == 0 || aligned == 0) {
		sw_err("cannot allocate a dma-buf of %zu bytes", size);
		return -1;
	}
	int fd = method == SW_DMABUF_UDMABUF ? udmabuf_alloc(aligned) :
		dma_heap_alloc(heap, aligned);
	if (fd >= 0 && out_size)
		*out_size = aligned;
	return fd;
}
