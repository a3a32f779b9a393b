/*
 * LD_PRELOAD stand-in for /dev/udmabuf, for hosts without it (CI, sandboxes):
 * lets sealway-dmabuf and the compositor run their whole dma-buf path
 * end to end so the pixels can be checked. Test use only.
 *
 * - open("/dev/udmabuf") gives a placeholder fd;
 * - UDMABUF_CREATE on it checks the kernel's seal rules (SHRINK required,
 *   WRITE refused) and returns a dup of the memfd instead of a dma-buf;
 * - fstatfs reports DMA_BUF_MAGIC for memfds named "sealway-udmabuf" (the
 *   name the client gives them), so the compositor's check lets them in;
 * - DMA_BUF_IOCTL_SYNC on such fds succeeds (memfds need no cache sync),
 *   and is logged to SW_FAKE_SYNC_LOG when that is set;
 * - open("/dev/dma_heap/system") gives a placeholder too, and
 *   DMA_HEAP_IOCTL_ALLOC on it a fresh memfd of that name;
 * - DMA_BUF_IOCTL_EXPORT_SYNC_FILE on such fds fails with ENOTTY (as the
 *   kernel's would before 6.0) unless SW_FAKE_FENCE names a FIFO: then the
 *   "fence" is that FIFO opened for reading, unsignalled until the test
 *   writes a byte into it.
 * Everything else goes to libc.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/magic.h>
#include <linux/udmabuf.h>

/* A preload library has no struct to hang state on: the placeholder fd is global. */
static int fake_dev = -1, fake_heap = -1;

static bool
is_fake_dmabuf(int fd)
{
	char path[64], target[256];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strncmp(target, "/memfd:sealway-udmabuf", 22) == 0;
}

static int
fake_open(const char *name, const char *path, int flags, mode_t mode)
{
	int (*real)(const char *, int, ...) = dlsym(RTLD_NEXT, name);
	bool heap = strcmp(path, "/dev/dma_heap/system") == 0;
	if (strcmp(path, "/dev/udmabuf") != 0 && !heap)
		return real ? real(path, flags, mode) : (errno = ENOSYS, -1);
	int fd = memfd_create(heap ? "fake-dma-heap-device" : "fake-udmabuf-device", MFD_CLOEXEC);
	if (fd >= 0 && heap)
		fake_heap = fd;
	else if (fd >= 0)
		fake_dev = fd;
	return fd;
}

/* With SW_FAKE_SYNC_LOG set, every SYNC on a stand-in dma-buf appends a line there. */
static void
log_sync(uint64_t flags)
{
	const char *path = getenv("SW_FAKE_SYNC_LOG");
	if (!path)
		return;
	int (*real_open)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");
	int fd = real_open ? real_open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : -1;
	if (fd < 0)
		return;
	const char *line = (flags & DMA_BUF_SYNC_END) ? "end\n" : "start\n";
	ssize_t ignored = write(fd, line, strlen(line));
	(void)ignored;
	close(fd);
}

int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);
int ioctl(int fd, unsigned long request, ...);
int fstatfs(int fd, struct statfs *buf);
int fstatfs64(int fd, struct statfs64 *buf);

int
open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	return fake_open("open", path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	return fake_open("open64", path, flags, mode);
}

int
ioctl(int fd, unsigned long request, ...)
{
	int (*real)(int, unsigned long, ...) = dlsym(RTLD_NEXT, "ioctl");
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);

	if (request == UDMABUF_CREATE && fd == fake_dev && fake_dev >= 0) {
		const struct udmabuf_create *create = arg;
		int memfd = (int)create->memfd;
		int seals = fcntl(memfd, F_GET_SEALS);
		/* The kernel's rules: shmem with F_SEAL_SHRINK, never F_SEAL_WRITE. */
		if (seals < 0) {
			errno = EBADFD;
			return -1;
		}
		if (!(seals & F_SEAL_SHRINK) || (seals & F_SEAL_WRITE) || create->offset % 4096 ||
		    create->size % 4096 || create->size == 0) {
			errno = EINVAL;
			return -1;
		}
		return fcntl(memfd, F_DUPFD_CLOEXEC, 0);
	}
	if (request == DMA_HEAP_IOCTL_ALLOC && fd == fake_heap && fake_heap >= 0) {
		struct dma_heap_allocation_data *alloc = arg;
		int memfd = memfd_create("sealway-udmabuf-heap",
					 (alloc->fd_flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
		if (memfd < 0)
			return -1;
		if (ftruncate(memfd, (off_t)alloc->len) < 0) {
			close(memfd);
			return -1;
		}
		alloc->fd = (uint32_t)memfd;
		return 0;
	}
	if (request == DMA_BUF_IOCTL_EXPORT_SYNC_FILE && is_fake_dmabuf(fd)) {
		struct dma_buf_export_sync_file *req = arg;
		const char *fifo = getenv("SW_FAKE_FENCE");
		if (!fifo) {
			errno = ENOTTY;
			return -1;
		}
		int fence = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fence < 0)
			return -1;
		req->fd = fence;
		return 0;
	}
	if (request == DMA_BUF_IOCTL_SYNC && is_fake_dmabuf(fd)) {
		const struct dma_buf_sync *sync = arg;
		if (sync->flags & ~(uint64_t)DMA_BUF_SYNC_VALID_FLAGS_MASK) {
			errno = EINVAL;
			return -1;
		}
		log_sync(sync->flags);
		return 0;
	}
	return real(fd, request, arg);
}

int
fstatfs(int fd, struct statfs *buf)
{
	int (*real)(int, struct statfs *) = dlsym(RTLD_NEXT, "fstatfs");
	int ret = real(fd, buf);
	if (ret == 0 && is_fake_dmabuf(fd))
		buf->f_type = DMA_BUF_MAGIC;
	return ret;
}

int
fstatfs64(int fd, struct statfs64 *buf)
{
	int (*real)(int, struct statfs64 *) = dlsym(RTLD_NEXT, "fstatfs64");
	int ret = real(fd, buf);
	if (ret == 0 && is_fake_dmabuf(fd))
		buf->f_type = DMA_BUF_MAGIC;
	return ret;
}
