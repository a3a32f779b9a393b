/*
 * Unit test of the shared-memory file helpers: what seals each kind of file
 * carries, that its size and content are right, and that a read-only file
 * really cannot be written through.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anon-file.h"
#include "test-util.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

/*
 * The seals that govern size and content. F_SEAL_EXEC is left out on purpose:
 * memfds made with MFD_NOEXEC_SEAL carry it from birth on kernels >= 6.3, and
 * it says nothing about the data.
 */
#define DATA_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL)

static off_t
file_size(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	return st.st_size;
}

static void
sealed_memfd_has_shrink_grow_seal_and_the_size(struct sw_test *t)
{
	const size_t size = 3 * 4096 + 100;
	int fd = sw_anon_file_create(size, SW_ALLOC_MEMFD_SEALED);
	SW_CHECK(t, fd >= 0, "a sealed memfd can be created (%s)", strerror(errno));
	if (fd < 0)
		return;

	int seals = fcntl(fd, F_GET_SEALS);
	SW_CHECK(t, seals >= 0, "F_GET_SEALS works on it (%s)", strerror(errno));
	SW_CHECK(t, (seals & DATA_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
		 "seals are exactly SHRINK|GROW|SEAL (got 0x%x)", seals);
	SW_CHECK(t, file_size(fd) == (off_t)size, "size is %zu (got %lld)", size,
		 (long long)file_size(fd));
	SW_CHECK(t, fcntl(fd, F_GETFD) & FD_CLOEXEC, "fd is close-on-exec");
	SW_CHECK(t, (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "fd is read-write");
	SW_CHECK(t, ftruncate(fd, 0) < 0 && errno == EPERM, "shrinking is refused with EPERM");
	SW_CHECK(t, ftruncate(fd, (off_t)size * 2) < 0 && errno == EPERM,
		 "growing is refused with EPERM");
	SW_CHECK(t, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) < 0 && errno == EPERM,
		 "no further seal can be added");

	/* Still writable: the client draws into it. */
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SW_CHECK(t, map != MAP_FAILED, "it maps read-write shared (%s)", strerror(errno));
	if (map != MAP_FAILED) {
		memset(map, 0xab, size);
		SW_CHECK(t, ((unsigned char *)map)[size - 1] == 0xab, "its last byte is writable");
		munmap(map, size);
	}
	close(fd);
}

static void
unsealed_memfd_has_no_seals_and_the_size(struct sw_test *t)
{
	const size_t size = 4096;
	int fd = sw_anon_file_create(size, SW_ALLOC_MEMFD);
	SW_CHECK(t, fd >= 0, "an unsealed memfd can be created (%s)", strerror(errno));
	if (fd < 0)
		return;
	int seals = fcntl(fd, F_GET_SEALS);
	SW_CHECK(t, seals >= 0, "F_GET_SEALS works on it (%s)", strerror(errno));
	SW_CHECK(t, (seals & DATA_SEALS) == 0, "it carries no seals (got 0x%x)", seals);
	SW_CHECK(t, file_size(fd) == (off_t)size, "size is %zu", size);
	SW_CHECK(t, ftruncate(fd, 0) == 0, "it can be truncated (the hazard a compositor faces)");
	close(fd);
}

static void
posix_shm_is_unlinked_private_and_unsealable(struct sw_test *t)
{
	const size_t size = 8192;
	int fd = sw_anon_file_create(size, SW_ALLOC_POSIX_SHM);
	SW_CHECK(t, fd >= 0, "a POSIX shm file can be created (%s)", strerror(errno));
	if (fd < 0)
		return;
	struct stat st;
	SW_CHECK(t, fstat(fd, &st) == 0, "fstat works");
	SW_CHECK(t, st.st_nlink == 0, "it has no name left (st_nlink %lu)",
		 (unsigned long)st.st_nlink);
	SW_CHECK(t, st.st_size == (off_t)size, "size is %zu", size);
	SW_CHECK(t, (st.st_mode & 077) == 0, "it was private to its owner (mode %o)",
		 (unsigned)(st.st_mode & 0777));

	char path[64], target[256];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	SW_CHECK(t, n > 0, "its /proc link is readable");
	if (n > 0) {
		target[n] = '\0';
		SW_CHECK(t, strstr(target, "(deleted)") != NULL,
			 "its /proc link says deleted (%s)", target);
	}
	/* Kernels differ: F_GET_SEALS fails, or reports SEAL alone; no seal can be added. */
	int seals = fcntl(fd, F_GET_SEALS);
	SW_CHECK(t, (seals < 0 && errno == EINVAL) || seals == F_SEAL_SEAL,
		 "F_GET_SEALS fails with EINVAL or reports SEAL only (got %d)", seals);
	SW_CHECK(t, fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0,
		 "a shm_open file cannot be sealed");
	close(fd);
}

static void
zero_sized_file_is_allowed_or_refused_cleanly(struct sw_test *t)
{
	/* posix_fallocate(len 0) is EINVAL; the helper must not leak or crash either way. */
	int fd = sw_anon_file_create(0, SW_ALLOC_MEMFD);
	if (fd >= 0) {
		SW_CHECK(t, file_size(fd) == 0, "a zero-sized file has size 0");
		close(fd);
	} else {
		SW_CHECK(t, errno != 0, "a refusal sets errno");
	}
}

static void
read_only_file_cannot_be_written(struct sw_test *t)
{
	static const char content[] = "xkb_keymap { sealed and read-only };\n";
	const size_t size = sizeof(content);
	int fd = sw_ro_file_create("test-ro", content, size);
	SW_CHECK(t, fd >= 0, "a read-only file can be created (%s)", strerror(errno));
	if (fd < 0)
		return;

	int fl = fcntl(fd, F_GETFL);
	SW_CHECK(t, fl >= 0 && (fl & O_ACCMODE) == O_RDONLY,
		 "F_GETFL access mode is O_RDONLY (got 0x%x)", fl);
	SW_CHECK(t, fcntl(fd, F_GETFD) & FD_CLOEXEC, "fd is close-on-exec");

	int seals = fcntl(fd, F_GET_SEALS);
	SW_CHECK(t, (seals & DATA_SEALS) ==
		 (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL),
		 "seals are exactly SHRINK|GROW|WRITE|SEAL (got 0x%x)", seals);
	SW_CHECK(t, file_size(fd) == (off_t)size, "size is %zu", size);

	void *w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SW_CHECK(t, w == MAP_FAILED, "mmap PROT_WRITE MAP_SHARED fails");
	if (w != MAP_FAILED)
		munmap(w, size);
	else
		SW_CHECK(t, errno == EACCES || errno == EPERM,
			 "and fails for lack of permission (%s)", strerror(errno));

	SW_CHECK(t, write(fd, "x", 1) < 0 && errno == EBADF, "write() fails with EBADF");
	SW_CHECK(t, ftruncate(fd, 0) < 0, "ftruncate fails");

	void *r = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	SW_CHECK(t, r != MAP_FAILED, "mmap PROT_READ MAP_SHARED works (%s)", strerror(errno));
	if (r != MAP_FAILED) {
		SW_CHECK(t, memcmp(r, content, size) == 0, "the mapped content is the data given");
		munmap(r, size);
	}
	char back[sizeof(content)] = { 0 };
	SW_CHECK(t, pread(fd, back, size, 0) == (ssize_t)size && memcmp(back, content, size) == 0,
		 "read() returns the data given");

	/* Even reopening through /proc must not give a writable description. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int again = open(path, O_RDWR | O_CLOEXEC);
	if (again >= 0) {
		SW_CHECK(t, write(again, "x", 1) < 0 && errno == EPERM,
			 "a writable reopen still cannot write (F_SEAL_WRITE)");
		close(again);
	}
	close(fd);
}

static void
seals_to_string_names_each_bit(struct sw_test *t)
{
	char buf[128];

	SW_CHECK(t, strcmp(sw_seals_to_string(0, buf, sizeof(buf)), "none") == 0,
		 "no seals read \"none\" (got \"%s\")", buf);
	SW_CHECK(t, strcmp(sw_seals_to_string(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL, buf,
					      sizeof(buf)), "SHRINK GROW SEAL") == 0,
		 "SHRINK|GROW|SEAL reads \"SHRINK GROW SEAL\" (got \"%s\")", buf);
	SW_CHECK(t, strcmp(sw_seals_to_string(F_SEAL_WRITE, buf, sizeof(buf)), "WRITE") == 0,
		 "WRITE alone reads \"WRITE\" (got \"%s\")", buf);
	SW_CHECK(t, sw_seals_to_string(F_SEAL_SHRINK, buf, sizeof(buf)) == buf,
		 "the result is the buffer passed in");

	sw_seals_to_string(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE |
			   F_SEAL_SEAL | F_SEAL_EXEC, buf, sizeof(buf));
	static const char *const words[] = { "SHRINK", "GROW", "WRITE", "FUTURE_WRITE",
					     "SEAL", "EXEC" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		SW_CHECK(t, strstr(buf, words[i]) != NULL, "all seals name %s (got \"%s\")",
			 words[i], buf);

	/* A short buffer is truncated, terminated, and nothing past it is touched. */
	char small[12];
	memset(small, 'Z', sizeof(small));
	sw_seals_to_string(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL, small, 8);
	SW_CHECK(t, memchr(small, '\0', 8) != NULL, "a short result is NUL-terminated");
	SW_CHECK(t, small[8] == 'Z' && small[11] == 'Z', "nothing is written past the length");
	SW_CHECK(t, strncmp(small, "SHRINK GROW SEAL", strlen(small)) == 0,
		 "a short result is a prefix of the full one (got \"%s\")", small);
}

int
main(void)
{
	struct sw_test t = { 0 };

	SW_RUN(&t, sealed_memfd_has_shrink_grow_seal_and_the_size);
	SW_RUN(&t, unsealed_memfd_has_no_seals_and_the_size);
	SW_RUN(&t, posix_shm_is_unlinked_private_and_unsealable);
	SW_RUN(&t, zero_sized_file_is_allowed_or_refused_cleanly);
	SW_RUN(&t, read_only_file_cannot_be_written);
	SW_RUN(&t, seals_to_string_names_each_bit);
	return sw_test_finish(&t);
}
