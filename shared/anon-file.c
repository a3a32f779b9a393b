#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "anon-file.h"
#include "log.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

const char *
sw_alloc_method_name(enum sw_alloc_method method)
{
	switch (method) {
	case SW_ALLOC_MEMFD_SEALED:
		return "sealed memfd";
	case SW_ALLOC_MEMFD:
		return "unsealed memfd";
	case SW_ALLOC_POSIX_SHM:
		return "POSIX shm";
	}
	return "?";
}

static int
memfd_create_noexec(const char *name)
{
	/* MFD_NOEXEC_SEAL exists since 6.3; older kernels reject it with EINVAL. */
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	return fd;
}

static int
posix_shm_create(void)
{
	struct timespec ts;
	char name[64];

	for (int tries = 0; tries < 100; tries++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(name, sizeof(name), "/sealway-%d-%ld", (int)getpid(), ts.tv_nsec);
		/* Private to the owner; unlinked before anyone could find it. */
		int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			shm_unlink(name);
			return fd;
		}
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

static int
size_file(int fd, size_t size)
{
	int ret;
	/* posix_fallocate returns the error instead of setting errno. */
	do {
		ret = posix_fallocate(fd, 0, (off_t)size);
	} while (ret == EINTR);
	if (ret == 0)
		return 0;
	if (ret != EINVAL && ret != EOPNOTSUPP) {
		errno = ret;
		return -1;
	}
	/* Filesystems without fallocate: fall back to ftruncate. */
	return ftruncate(fd, (off_t)size);
}

int
sw_anon_file_create(size_t size, enum sw_alloc_method method)
{
	int fd;
	if (method == SW_ALLOC_POSIX_SHM)
		fd = posix_shm_create();
	else
		fd = memfd_create_noexec("sealway-shm");
	if (fd < 0) {
		sw_err("creating %s: %s", sw_alloc_method_name(method), strerror(errno));
		return -1;
	}

	if (size_file(fd, size) < 0) {
		sw_err("allocating %zu bytes for %s: %s", size, sw_alloc_method_name(method),
		       strerror(errno));
		goto err_fd;
	}

	if (method == SW_ALLOC_MEMFD_SEALED &&
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		sw_err("sealing memfd: %s", strerror(errno));
		goto err_fd;
	}
	return fd;

err_fd:;
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
sw_ro_file_create(const char *name, const void *data, size_t size)
{
	int ro_fd = -1;
	int fd = memfd_create_noexec(name);
	if (fd < 0) {
		sw_err("memfd_create(%s): %s", name, strerror(errno));
		return -1;
	}
	if (size_file(fd, size) < 0) {
		sw_err("sizing %s to %zu bytes: %s", name, size, strerror(errno));
		goto out;
	}
	size_t done = 0;
	while (done < size) {
		ssize_t n = pwrite(fd, (const char *)data + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sw_err("writing %s: %s", name, n < 0 ? strerror(errno) : "short write");
			goto out;
		}
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		sw_err("sealing %s: %s", name, strerror(errno));
		goto out;
	}
	/* Reopen read-only: a new open file description the receiver cannot write through. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ro_fd < 0)
		sw_err("reopening %s read-only: %s", name, strerror(errno));
out:
	close(fd);
	return ro_fd;
}

const char *
sw_seals_to_string(int seals, char *buf, size_t len)
{
	static const struct {
		int bit;
		const char *word;
	} names[] = {
		{ F_SEAL_SHRINK, "SHRINK" },
		{ F_SEAL_GROW, "GROW" },
		{ F_SEAL_WRITE, "WRITE" },
		{ F_SEAL_SEAL, "SEAL" },
#ifdef F_SEAL_FUTURE_WRITE
		{ F_SEAL_FUTURE_WRITE, "FUTURE_WRITE" },
#endif
		{ 0x0020, "EXEC" },
	};
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(seals & names[i].bit))
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? " " : "", names[i].word);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(buf, len, "none");
	return buf;
}

ssize_t
sw_file_read_all(int fd, void *buf, size_t size)
{
	size_t got = 0;
	while (got < size) {
		ssize_t n = pread(fd, (char *)buf + got, size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}
