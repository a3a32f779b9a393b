/*
 * A hostile wl_shm client. It does exactly one misbehaviour, named on the
 * command line, against $WAYLAND_DISPLAY, then roundtrips and prints what
 * became of its connection on stdout:
 *
 *   ok | protocol-error interface=NAME code=N | disconnected
 *
 * The compositor's error message is printed by libwayland on stderr
 * ("iface@id: error N: MESSAGE") for the test to inspect. Exit status 0 when
 * the scenario ran, 2 when it could not be set up.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client.h>

#include "probe-util.h"
#include "scenarios.h"
#include "xdg-shell-client-protocol.h"

#define SHM_ARGB8888 0u
#define SHM_XRGB8888 1u

enum scenario_result {
	SCENARIO_RAN = 0,
	SCENARIO_SETUP_FAILED = -1,
};

typedef enum scenario_result (*scenario_fn)(struct probe_globals *g);

/* Send `fd` as a pool of `size` bytes; the probe's own copy is closed. */
static void
create_pool_and_close(struct probe_globals *g, int fd, int32_t size)
{
	struct wl_shm_pool *pool = wl_shm_create_pool(g->shm, fd, size);
	close(fd);
	(void)pool; /* freed with the connection */
}

/* A pool of `pool_size` bytes on a fresh memfd of `file_size`; NULL (logged) without one. */
static struct wl_shm_pool *
memfd_pool(struct probe_globals *g, size_t file_size, int32_t pool_size, bool sealed)
{
	int fd = probe_memfd(file_size, sealed);
	if (fd < 0)
		return NULL;
	struct wl_shm_pool *pool = wl_shm_create_pool(g->shm, fd, pool_size);
	close(fd);
	return pool;
}

/* A pool of 4096 bytes on `path` opened with `flags`. */
static enum scenario_result
pool_on_path(struct probe_globals *g, const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		return SCENARIO_SETUP_FAILED;
	}
	create_pool_and_close(g, fd, 4096);
	return SCENARIO_RAN;
}

/* A fresh sealed memfd of `size` bytes reopened through /proc with `flags`; -1 (logged). */
static int
memfd_reopened(size_t size, int flags, const char *what)
{
	int memfd = probe_memfd(size, true);
	if (memfd < 0)
		return -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	int fd = open(path, flags | O_CLOEXEC);
	close(memfd);
	if (fd < 0)
		perror(what);
	return fd;
}

/* A sound 16 KiB pool with a 64x64 buffer, on `fd` (closed here; -1: none was made). */
static enum scenario_result
sound_pool_on(struct probe_globals *g, int fd)
{
	if (fd < 0)
		return SCENARIO_SETUP_FAILED;
	struct wl_shm_pool *pool = wl_shm_create_pool(g->shm, fd, 16384);
	close(fd);
	wl_shm_pool_create_buffer(pool, 0, 64, 64, 256, SHM_XRGB8888);
	return SCENARIO_RAN;
}

static enum scenario_result
pool_fd_pipe(struct probe_globals *g)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		perror("pipe2");
		return SCENARIO_SETUP_FAILED;
	}
	create_pool_and_close(g, fds[0], 4096);
	close(fds[1]);
	return SCENARIO_RAN;
}

static enum scenario_result
pool_fd_socket(struct probe_globals *g)
{
	int fds[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
		perror("socketpair");
		return SCENARIO_SETUP_FAILED;
	}
	create_pool_and_close(g, fds[0], 4096);
	close(fds[1]);
	return SCENARIO_RAN;
}

static enum scenario_result
pool_fd_directory(struct probe_globals *g)
{
	return pool_on_path(g, "/", O_RDONLY | O_DIRECTORY);
}

static enum scenario_result
pool_fd_opath(struct probe_globals *g)
{
	/* An O_PATH fd on a perfectly good memfd: it names the file but cannot map it. */
	int fd = memfd_reopened(4096, O_PATH, "open O_PATH");
	if (fd < 0)
		return SCENARIO_SETUP_FAILED;
	create_pool_and_close(g, fd, 4096);
	return SCENARIO_RAN;
}

static enum scenario_result
pool_fd_devnull(struct probe_globals *g)
{
	return pool_on_path(g, "/dev/null", O_RDWR);
}

static enum scenario_result
pool_with_size(struct probe_globals *g, size_t file_size, int32_t pool_size)
{
	/* The pool is freed with the connection. */
	return memfd_pool(g, file_size, pool_size, true) ? SCENARIO_RAN : SCENARIO_SETUP_FAILED;
}

static enum scenario_result
pool_size_zero(struct probe_globals *g)
{
	return pool_with_size(g, 4096, 0);
}

static enum scenario_result
pool_size_negative(struct probe_globals *g)
{
	return pool_with_size(g, 4096, -4096);
}

static enum scenario_result
pool_larger_than_file(struct probe_globals *g)
{
	return pool_with_size(g, 4096, 8192);
}

/* A sound 64 KiB sealed pool, then one create_buffer with the given arguments. */
static enum scenario_result
buffer_with(struct probe_globals *g, int32_t offset, int32_t width, int32_t height,
	    int32_t stride, uint32_t format)
{
	struct wl_shm_pool *pool = memfd_pool(g, 65536, 65536, true);
	if (!pool)
		return SCENARIO_SETUP_FAILED;
	wl_shm_pool_create_buffer(pool, offset, width, height, stride, format);
	return SCENARIO_RAN;
}

static enum scenario_result
buffer_width_zero(struct probe_globals *g)
{
	return buffer_with(g, 0, 0, 64, 256, SHM_XRGB8888);
}

static enum scenario_result
buffer_height_zero(struct probe_globals *g)
{
	return buffer_with(g, 0, 64, 0, 256, SHM_XRGB8888);
}

static enum scenario_result
buffer_width_negative(struct probe_globals *g)
{
	return buffer_with(g, 0, -17, 64, 256, SHM_XRGB8888);
}

static enum scenario_result
buffer_height_negative(struct probe_globals *g)
{
	return buffer_with(g, 0, 64, -19, 256, SHM_XRGB8888);
}

static enum scenario_result
buffer_offset_negative(struct probe_globals *g)
{
	return buffer_with(g, -4096, 64, 64, 256, SHM_XRGB8888);
}

static enum scenario_result
buffer_stride_negative(struct probe_globals *g)
{
	return buffer_with(g, 0, 64, 64, -256, SHM_XRGB8888);
}

static enum scenario_result
buffer_size_overflow(struct probe_globals *g)
{
	/* 0x40000000 * 8 is 2^33: wraps to 0 in 32 bits. */
	return buffer_with(g, 0, 64, 8, 0x40000000, SHM_XRGB8888);
}

static enum scenario_result
buffer_past_pool_end(struct probe_globals *g)
{
	/* 4096 + 256 * 256 = 69632 bytes of a 65536-byte pool. */
	return buffer_with(g, 4096, 64, 256, 256, SHM_XRGB8888);
}

static enum scenario_result
buffer_stride_below_min(struct probe_globals *g)
{
	/* ARGB8888 needs 64 * 4 = 256 bytes a row; libwayland only checks stride >= width. */
	return buffer_with(g, 0, 64, 64, 128, SHM_ARGB8888);
}

static enum scenario_result
buffer_format_unknown(struct probe_globals *g)
{
	return buffer_with(g, 0, 64, 64, 256, 0x12345678);
}

static enum scenario_result
pool_resize_shrink(struct probe_globals *g)
{
	struct wl_shm_pool *pool = memfd_pool(g, 8192, 8192, false);
	if (!pool)
		return SCENARIO_SETUP_FAILED;
	wl_shm_pool_resize(pool, 4096);
	return SCENARIO_RAN;
}

/* Attach, damage, commit with a frame callback, and wait for it (or an error). */
static bool
show_and_wait(struct probe_globals *g, struct probe_window *w, struct wl_buffer *buffer,
	      int32_t damage_width, int32_t damage_height)
{
	return probe_show_and_wait(g->display, w->surface, buffer, damage_width, damage_height,
				   3000);
}

/*
 * A pool the size of its 4096-byte file grown to 8192, and a 32x32 buffer
 * in the new half; NULL (logged) without a memfd.
 */
static struct wl_buffer *
buffer_past_eof(struct probe_globals *g, bool sealed)
{
	struct wl_shm_pool *pool = memfd_pool(g, 4096, 4096, sealed);
	if (!pool)
		return NULL;
	wl_shm_pool_resize(pool, 8192);
	return wl_shm_pool_create_buffer(pool, 4096, 32, 32, 128, SHM_XRGB8888);
}

/* buffer_past_eof, shown in a window titled `title`. */
static enum scenario_result
buffer_past_eof_shown(struct probe_globals *g, bool sealed, const char *title)
{
	struct probe_window w;
	if (!probe_window_map(g, &w, title))
		return SCENARIO_SETUP_FAILED;
	struct wl_buffer *buffer = buffer_past_eof(g, sealed);
	if (!buffer)
		return SCENARIO_SETUP_FAILED;
	show_and_wait(g, &w, buffer, 32, 32);
	return SCENARIO_RAN;
}

static enum scenario_result
pool_resize_sealed_past_eof(struct probe_globals *g)
{
	return buffer_past_eof(g, true) ? SCENARIO_RAN : SCENARIO_SETUP_FAILED;
}

static enum scenario_result
pool_resize_unsealed_past_eof(struct probe_globals *g)
{
	/*
	 * The same on an unsealed file, and the buffer shown: the compositor keeps
	 * no fd of an unsealed pool to check a resize against, so the lie is
	 * found when the pages past the end of the file are read.
	 */
	return buffer_past_eof_shown(g, false, "shm-probe resize past eof");
}

/*
 * A size x size XRGB8888 buffer filled with one colour, on a pool on an
 * unsealed memfd; the fd stays open in *fd (unless that is NULL) for the
 * scenario to resize the file, the pool is left in *pool unless that is
 * NULL. NULL (logged, nothing left open) on failure.
 */
static struct wl_buffer *
filled_buffer(struct probe_globals *g, int32_t size, int *fd, struct wl_shm_pool **pool)
{
	const int32_t stride = size * 4, bytes = stride * size;
	int file = probe_memfd((size_t)bytes, false);
	if (file < 0)
		return NULL;
	uint32_t *pixels = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_SHARED, file, 0);
	if (pixels == MAP_FAILED) {
		perror("mmap");
		close(file);
		return NULL;
	}
	for (int32_t i = 0; i < size * size; i++)
		pixels[i] = 0xff3366ccu;
	munmap(pixels, (size_t)bytes);

	struct wl_shm_pool *p = wl_shm_create_pool(g->shm, file, bytes);
	if (pool)
		*pool = p;
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(p, 0, size, size, stride, SHM_XRGB8888);
	if (buffer && fd)
		*fd = file;
	else
		close(file);
	return buffer;
}

static enum scenario_result
truncate_after_commit(struct probe_globals *g)
{
	const int32_t size = 256;
	struct probe_window w;
	if (!probe_window_map(g, &w, "shm-probe truncate"))
		return SCENARIO_SETUP_FAILED;

	int fd;
	struct wl_buffer *buffer = filled_buffer(g, size, &fd, NULL);
	if (!buffer)
		return SCENARIO_SETUP_FAILED;
	if (!show_and_wait(g, &w, buffer, size, size)) {
		fprintf(stderr, "probe: first frame not shown within 3 s\n");
		close(fd);
		return wl_display_get_error(g->display) ? SCENARIO_RAN : SCENARIO_SETUP_FAILED;
	}

	/* Pull the pages out from under the compositor, then make it read them again. */
	if (ftruncate(fd, 0) < 0) {
		perror("ftruncate");
		close(fd);
		return SCENARIO_SETUP_FAILED;
	}
	close(fd);
	show_and_wait(g, &w, buffer, size, size);
	return SCENARIO_RAN;
}

static enum scenario_result
buffer_outlives_pool(struct probe_globals *g)
{
	const int32_t size = 64, bytes = size * 4 * size;
	struct probe_window w;
	if (!probe_window_map(g, &w, "shm-probe outlives"))
		return SCENARIO_SETUP_FAILED;
	int fd;
	struct wl_shm_pool *pool;
	struct wl_buffer *buffer = filled_buffer(g, size, &fd, &pool);
	if (!buffer)
		return SCENARIO_SETUP_FAILED;
	/* Grow the file and the pool: the buffer keeps the mapping it was made from... */
	if (ftruncate(fd, 4 * bytes) < 0) {
		perror("ftruncate");
		close(fd);
		return SCENARIO_SETUP_FAILED;
	}
	close(fd);
	wl_shm_pool_resize(pool, 4 * bytes);
	/* ...and outlives the pool itself. */
	wl_shm_pool_destroy(pool);
	if (!show_and_wait(g, &w, buffer, size, size)) {
		fprintf(stderr, "probe: frame not shown within 3 s\n");
		return wl_display_get_error(g->display) ? SCENARIO_RAN : SCENARIO_SETUP_FAILED;
	}
	if (getenv("SHM_PROBE_HOLD")) {
		/* Keep the window up while the test looks at the screen; it closes stdin when done. */
		probe_hold("shown");
	}
	return SCENARIO_RAN;
}

static enum scenario_result
damage_int32_max(struct probe_globals *g)
{
	/* "Everything" written the way many toolkits write it: the largest int32 extents. */
	struct probe_window w;
	if (!probe_window_map(g, &w, "shm-probe damage"))
		return SCENARIO_SETUP_FAILED;
	struct wl_shm_pool *pool = memfd_pool(g, 64 * 64 * 4, 64 * 64 * 4, true);
	if (!pool)
		return SCENARIO_SETUP_FAILED;
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, 64, 64, 256, SHM_XRGB8888);
	wl_surface_damage(w.surface, 0, 0, INT32_MAX, INT32_MAX);
	if (!show_and_wait(g, &w, buffer, INT32_MAX, INT32_MAX))
		fprintf(stderr, "probe: frame not shown within 3 s\n");
	return SCENARIO_RAN;
}

static enum scenario_result
many_pools(struct probe_globals *g)
{
	/*
	 * 1000 sealed pools of 4 KiB (each keeps its fd in the compositor), half
	 * destroyed at once: the live ones reach the fds limit (the test sets it
	 * to 100), so the pools destroyed must have given theirs back. Prints on
	 * stderr how many had been sent when the error came back.
	 */
	enum { COUNT = 1000 };
	for (int i = 0; i < COUNT; i++) {
		struct wl_shm_pool *pool = memfd_pool(g, 4096, 4096, true);
		if (!pool)
			return SCENARIO_SETUP_FAILED;
		if (i % 2)
			wl_shm_pool_destroy(pool);
		/* Keep the fds in flight bounded by both ends' buffers. */
		if (i % 50 == 49 && wl_display_roundtrip(g->display) < 0) {
			fprintf(stderr, "shm-probe: many-pools: error after %d pools\n", i + 1);
			return SCENARIO_RAN;
		}
	}
	return SCENARIO_RAN;
}

/*
 * The racer of seal-race: told a memfd, it waits a few microseconds (a
 * different number each attempt, to sweep the compositor's window), then
 * truncates the file to 0 and seals it against shrinking.
 */
struct racer {
	pthread_t thread;
	atomic_int fd;        /* -1: nothing to do; -2: exit */
	atomic_uint delay_ns;
	atomic_bool done;
};

static void
spin_ns(unsigned ns)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < ns);
}

static void *
racer_run(void *data)
{
	struct racer *r = data;
	for (;;) {
		int fd = atomic_load(&r->fd);
		if (fd == -2)
			return NULL;
		if (fd < 0)
			continue;
		spin_ns(atomic_load(&r->delay_ns));
		if (ftruncate(fd, 0) < 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
			perror("racer: truncate and seal");
		atomic_store(&r->fd, -1);
		atomic_store(&r->done, true);
	}
}

/* Refused at create_pool (truncated first) or at the first read (truncated after). */
enum race_outcome { RACE_REFUSED, RACE_FAULTED, RACE_UNREAD, RACE_OTHER_ERROR, RACE_LOST };

/*
 * One attempt on a fresh connection: a 64x64 pool on an unsealed memfd,
 * truncated and sealed by the racer right after create_pool is sent; then
 * a buffer, attach, commit, and a frame. The file is empty by then, so the
 * only right ends are invalid_fd, at create_pool or at the first read.
 */
static enum race_outcome
race_once(struct racer *r, unsigned delay_ns)
{
	enum { SIZE = 64, STRIDE = SIZE * 4, BYTES = STRIDE * SIZE };
	struct probe_globals g;
	if (!probe_connect(&g))
		return RACE_LOST;
	enum race_outcome outcome = RACE_LOST;
	struct probe_window w;
	if (!probe_window_map(&g, &w, "shm-probe seal-race"))
		goto out;
	int fd = probe_memfd(BYTES, false);
	if (fd < 0)
		goto out;
	struct wl_shm_pool *pool = wl_shm_create_pool(g.shm, fd, BYTES);
	wl_display_flush(g.display);
	atomic_store(&r->done, false);
	atomic_store(&r->delay_ns, delay_ns);
	atomic_store(&r->fd, fd);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, SIZE, SIZE, STRIDE,
							     SHM_XRGB8888);
	while (!atomic_load(&r->done))
		;
	close(fd);
	for (int i = 0; i < 2 && !wl_display_get_error(g.display); i++)
		show_and_wait(&g, &w, buffer, SIZE, SIZE);

	const struct wl_interface *iface;
	int err = wl_display_get_error(g.display);
	if (!err)
		outcome = RACE_UNREAD;
	else if (err == EPROTO && wl_display_get_protocol_error(g.display, &iface, NULL) == 2 &&
		 iface == &wl_shm_interface)
		outcome = RACE_REFUSED;
	else if (err == EPROTO && wl_display_get_protocol_error(g.display, &iface, NULL) == 2 &&
		 (iface == &wl_shm_pool_interface || iface == &wl_buffer_interface))
		outcome = RACE_FAULTED;
	else if (err == EPROTO)
		outcome = RACE_OTHER_ERROR;
out:
	probe_disconnect(&g);
	return outcome;
}

static enum scenario_result
seal_race(struct probe_globals *g)
{
	enum { ATTEMPTS = 3000, SECONDS = 8 };
	struct racer r = { .fd = -1 };
	if (pthread_create(&r.thread, NULL, racer_run, &r) != 0) {
		fprintf(stderr, "shm-probe: cannot start the racer thread\n");
		return SCENARIO_SETUP_FAILED;
	}
	unsigned counts[5] = { 0 }, attempts = 0;
	int64_t deadline = probe_now_ms() + SECONDS * 1000;
	while (attempts < ATTEMPTS && probe_now_ms() < deadline) {
		/* 0 to 500 us in steps that do not repeat in phase with anything. */
		unsigned delay = (attempts * 7919u) % 500000u;
		enum race_outcome o = race_once(&r, delay);
		counts[o]++;
		attempts++;
		/* A compositor gone is the failure we look for: stop there. */
		if (o == RACE_LOST)
			break;
	}
	atomic_store(&r.fd, -2);
	pthread_join(r.thread, NULL);
	printf("attempts=%u refused=%u faulted=%u unread=%u other_error=%u lost=%u\n", attempts,
	       counts[RACE_REFUSED], counts[RACE_FAULTED], counts[RACE_UNREAD],
	       counts[RACE_OTHER_ERROR], counts[RACE_LOST]);
	fflush(stdout);
	return SCENARIO_RAN;
}

static enum scenario_result
garbage_on_socket(struct probe_globals *g)
{
	/*
	 * 8 KiB of deterministic noise (xorshift32) written past libwayland
	 * straight on the socket. With this seed the first "header" claims a
	 * message longer than a server's 4 KiB input buffer, so a server that
	 * waited for the rest would hang: it must drop the client instead.
	 */
	uint32_t words[2048], x = 0x5ea1a11u;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		words[i] = x;
	}
	if (wl_display_flush(g->display) < 0) {
		perror("wl_display_flush");
		return SCENARIO_SETUP_FAILED;
	}
	fprintf(stderr, "shm-probe: noise header: object %u, opcode %u, size %u\n",
		words[0], words[1] & 0xffff, words[1] >> 16);
	size_t done = 0;
	while (done < sizeof(words)) {
		ssize_t n = write(wl_display_get_fd(g->display), (char *)words + done,
				  sizeof(words) - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* The server may hang up before it has all of it: that is the point. */
			fprintf(stderr, "shm-probe: write on the socket: %s\n", strerror(errno));
			break;
		}
		done += (size_t)n;
	}
	return SCENARIO_RAN;
}

/* A well-formed pool and buffer, from a memfd sealed or not. */
static enum scenario_result
pool_from_memfd(struct probe_globals *g, bool sealed)
{
	return sound_pool_on(g, probe_memfd(16384, sealed));
}

static enum scenario_result
pool_unsealed(struct probe_globals *g)
{
	return pool_from_memfd(g, false);
}

static enum scenario_result
pool_sealed(struct probe_globals *g)
{
	return pool_from_memfd(g, true);
}

/* A 16 KiB pool and a buffer on `fd` (closed here), which the scenario made. */
static enum scenario_result
pool_and_buffer_on(struct probe_globals *g, int fd)
{
	if (fd < 0)
		return SCENARIO_SETUP_FAILED;
	if (ftruncate(fd, 16384) < 0) {
		perror("ftruncate");
		close(fd);
		return SCENARIO_SETUP_FAILED;
	}
	return sound_pool_on(g, fd);
}

static enum scenario_result
pool_disk_file(struct probe_globals *g)
{
	/* An unnamed file in $SHM_PROBE_DIR, which the test picks on a disk filesystem. */
	const char *dir = getenv("SHM_PROBE_DIR");
	if (!dir) {
		fprintf(stderr, "shm-probe: pool-disk-file needs SHM_PROBE_DIR\n");
		return SCENARIO_SETUP_FAILED;
	}
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fprintf(stderr, "shm-probe: O_TMPFILE in %s: %s\n", dir, strerror(errno));
	return pool_and_buffer_on(g, fd);
}

static enum scenario_result
pool_dev_shm(struct probe_globals *g)
{
	char name[64];
	snprintf(name, sizeof(name), "/shm-probe-%d", (int)getpid());
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "shm-probe: shm_open %s: %s\n", name, strerror(errno));
		return SCENARIO_SETUP_FAILED;
	}
	shm_unlink(name);
	return pool_and_buffer_on(g, fd);
}

static enum scenario_result
pool_hugetlb(struct probe_globals *g)
{
	/* One huge page (2 MiB on x86-64); the pool uses its first 16 KiB. */
	int fd = memfd_create("shm-probe-huge", MFD_CLOEXEC | MFD_HUGETLB);
	if (fd < 0 || ftruncate(fd, 2 << 20) < 0) {
		fprintf(stderr, "shm-probe: hugetlb memfd: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return SCENARIO_SETUP_FAILED;
	}
	/* Files can be made without huge pages; mapping them is what needs one. */
	void *probe = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (probe == MAP_FAILED) {
		fprintf(stderr, "shm-probe: mapping a huge page: %s\n", strerror(errno));
		close(fd);
		return SCENARIO_SETUP_FAILED;
	}
	munmap(probe, 2 << 20);
	/* The pool is the first 16 KiB of the huge page. */
	return sound_pool_on(g, fd);
}

static enum scenario_result
hold_pools(struct probe_globals *g)
{
	/*
	 * $SHM_PROBE_POOLS (default 16) pools of 4 KiB on memfds, sealed if
	 * $SHM_PROBE_SEALED is 1, each grown twice with no buffer on it, then
	 * given one buffer; "held" is printed once the compositor has them all,
	 * and they are held until stdin closes.
	 */
	const char *env = getenv("SHM_PROBE_SEALED");
	bool sealed = env && strcmp(env, "1") == 0;
	env = getenv("SHM_PROBE_POOLS");
	int count = env ? atoi(env) : 16;
	for (int i = 0; i < count; i++) {
		int fd = probe_memfd(16384, sealed);
		if (fd < 0)
			return SCENARIO_SETUP_FAILED;
		struct wl_shm_pool *pool = wl_shm_create_pool(g->shm, fd, 4096);
		close(fd);
		wl_shm_pool_resize(pool, 8192);
		wl_shm_pool_resize(pool, 16384);
		wl_shm_pool_create_buffer(pool, 0, 64, 64, 256, SHM_XRGB8888);
	}
	if (wl_display_roundtrip(g->display) < 0)
		return SCENARIO_RAN;
	probe_hold("held");
	return SCENARIO_RAN;
}

/* Print "held", or what became of the connection; then hold it until stdin closes. */
static void
hold_until_stdin_closes(struct probe_globals *g)
{
	if (wl_display_roundtrip(g->display) < 0) {
		probe_report(g->display);
		return;
	}
	probe_hold("held");
}

static enum scenario_result
hold_pool_bytes(struct probe_globals *g)
{
	/* One unsealed pool of $SHM_PROBE_BYTES bytes, held (see hold_until_stdin_closes). */
	const char *env = getenv("SHM_PROBE_BYTES");
	long bytes = env ? atol(env) : 0;
	if (bytes <= 0 || bytes > INT32_MAX) {
		fprintf(stderr, "shm-probe: hold-pool-bytes needs SHM_PROBE_BYTES\n");
		return SCENARIO_SETUP_FAILED;
	}
	if (!memfd_pool(g, (size_t)bytes, (int32_t)bytes, false))
		return SCENARIO_SETUP_FAILED;
	hold_until_stdin_closes(g);
	return SCENARIO_RAN;
}

static enum scenario_result
frame_callbacks(struct probe_globals *g)
{
	/* $SHM_PROBE_FRAMES frame callbacks asked for in one commit of a mapped window. */
	const char *env = getenv("SHM_PROBE_FRAMES");
	int frames = env ? atoi(env) : 0;
	struct probe_window w;
	if (frames <= 0 || !probe_window_map(g, &w, "shm-probe frame callbacks"))
		return SCENARIO_SETUP_FAILED;
	for (int i = 0; i < frames; i++)
		wl_surface_frame(w.surface);
	wl_surface_commit(w.surface);
	return SCENARIO_RAN;
}

/* Binds wl_subcompositor for the subsurfaces scenario. */
static void
bind_subcompositor(void *data, struct wl_registry *registry, uint32_t name,
		   const char *interface, uint32_t version)
{
	struct wl_subcompositor **subcompositor = data;
	if (strcmp(interface, wl_subcompositor_interface.name) == 0 && !*subcompositor)
		*subcompositor = wl_registry_bind(registry, name, &wl_subcompositor_interface, 1);
}

static enum scenario_result
subsurfaces(struct probe_globals *g)
{
	/* $SHM_PROBE_SUBSURFACES subsurfaces of one surface, on a connection of their own. */
	const char *env = getenv("SHM_PROBE_SUBSURFACES");
	int count = env ? atoi(env) : 0;
	struct wl_subcompositor *subcompositor = NULL;
	const struct probe_connect_options options = { .global = bind_subcompositor,
						       .data = &subcompositor };
	struct probe_globals own;
	if (count <= 0 || !probe_connect_with(&own, &options) || !subcompositor) {
		fprintf(stderr, "shm-probe: subsurfaces needs SHM_PROBE_SUBSURFACES and "
				"wl_subcompositor\n");
		return SCENARIO_SETUP_FAILED;
	}
	struct wl_surface *parent = wl_compositor_create_surface(own.compositor);
	for (int i = 0; i < count; i++) {
		struct wl_surface *child = wl_compositor_create_surface(own.compositor);
		wl_subcompositor_get_subsurface(subcompositor, child, parent);
	}
	probe_settle(own.display, 5000);
	probe_disconnect(&own);
	return SCENARIO_RAN;
}

/* ---- fd kinds, seals and geometry the hostile tests do not judge (sealway-probe records) ---- */

static enum scenario_result
pool_fd_devzero(struct probe_globals *g)
{
	return pool_on_path(g, "/dev/zero", O_RDWR);
}

static enum scenario_result
pool_fd_readonly(struct probe_globals *g)
{
	/* A sound sealed memfd reopened read-only: the compositor can map it only PROT_READ. */
	return sound_pool_on(g, memfd_reopened(16384, O_RDONLY, "open O_RDONLY"));
}

static enum scenario_result
pool_fd_tmpfile(struct probe_globals *g)
{
	/* An unnamed file in $SHM_PROBE_DIR, or /var/tmp (a disk more often than /tmp). */
	const char *dir = getenv("SHM_PROBE_DIR");
	if (!dir)
		dir = "/var/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fprintf(stderr, "shm-probe: O_TMPFILE in %s: %s\n", dir, strerror(errno));
	return pool_and_buffer_on(g, fd);
}

static enum scenario_result
pool_memfd_nosealing(struct probe_globals *g)
{
	int fd = memfd_create("shm-probe-nosealing", MFD_CLOEXEC);
	if (fd < 0)
		perror("memfd_create");
	return pool_and_buffer_on(g, fd);
}

/* A 16 KiB memfd sealed with `seals` on top of SHRINK|GROW, as a pool with a buffer. */
static enum scenario_result
pool_with_seals(struct probe_globals *g, int seals)
{
	int fd = probe_memfd(16384, true);
	if (fd < 0)
		return SCENARIO_SETUP_FAILED;
	if (fcntl(fd, F_ADD_SEALS, seals) < 0) {
		perror("F_ADD_SEALS");
		close(fd);
		return SCENARIO_SETUP_FAILED;
	}
	return sound_pool_on(g, fd);
}

static enum scenario_result
pool_seal_write(struct probe_globals *g)
{
	return pool_with_seals(g, F_SEAL_WRITE);
}

static enum scenario_result
pool_seal_future_write(struct probe_globals *g)
{
	return pool_with_seals(g, F_SEAL_FUTURE_WRITE);
}

static enum scenario_result
pool_resize_sealed_past_eof_shown(struct probe_globals *g)
{
	/*
	 * pool-resize-sealed-past-eof with the buffer shown: a compositor that
	 * trusted the seals at create_pool reads past the end of the file
	 * unguarded, which is SIGBUS.
	 */
	return buffer_past_eof_shown(g, true, "shm-probe sealed resize past eof");
}

static enum scenario_result
buffer_format_fourcc(struct probe_globals *g)
{
	/* ARGB8888 written as its DRM fourcc 'AR24'; wl_shm spells it 0. */
	return buffer_with(g, 0, 64, 64, 256, 0x34325241);
}

static enum scenario_result
buffer_stride_unaligned(struct probe_globals *g)
{
	return buffer_with(g, 0, 64, 32, 257, SHM_XRGB8888);
}

static enum scenario_result
buffer_offset_unaligned(struct probe_globals *g)
{
	return buffer_with(g, 1, 64, 32, 256, SHM_XRGB8888);
}

/* ---- lifetimes ---- */

static enum scenario_result
surface_destroyed_before_buffer(struct probe_globals *g)
{
	struct probe_window w;
	if (!probe_window_map(g, &w, "shm-probe surface first"))
		return SCENARIO_SETUP_FAILED;
	struct wl_buffer *buffer = filled_buffer(g, 64, NULL, NULL);
	if (!buffer)
		return SCENARIO_SETUP_FAILED;
	show_and_wait(g, &w, buffer, 64, 64);
	probe_window_destroy(&w);
	wl_display_roundtrip(g->display);
	wl_buffer_destroy(buffer);
	return SCENARIO_RAN;
}

static void
buffer_released(void *data, struct wl_buffer *buffer)
{
	bool *released = data;
	*released = true;
}

static const struct wl_buffer_listener release_listener = {
	.release = buffer_released,
};

static enum scenario_result
release_after_replace(struct probe_globals *g)
{
	/* wl_buffer.release: "sent when this wl_buffer is no longer used by the compositor". */
	struct probe_window w;
	if (!probe_window_map(g, &w, "shm-probe release"))
		return SCENARIO_SETUP_FAILED;
	struct wl_buffer *first = filled_buffer(g, 64, NULL, NULL);
	struct wl_buffer *second = first ? filled_buffer(g, 64, NULL, NULL) : NULL;
	if (!second)
		return SCENARIO_SETUP_FAILED;
	bool released = false;
	wl_buffer_add_listener(first, &release_listener, &released);
	show_and_wait(g, &w, first, 64, 64);
	show_and_wait(g, &w, second, 64, 64);
	/* Another frame after the flip away: by then the first buffer is surely unused. */
	show_and_wait(g, &w, second, 64, 64);
	printf("%s\n", released ? "released" : "check-failed: the replaced buffer was never "
	       "released");
	return SCENARIO_RAN;
}

static enum scenario_result
client_gone_mid_frame(struct probe_globals *g)
{
	/* A frame committed and the connection dropped before the compositor draws it. */
	struct probe_globals own;
	if (!probe_connect(&own))
		return SCENARIO_SETUP_FAILED;
	struct probe_window w;
	if (!probe_window_map(&own, &w, "shm-probe gone")) {
		probe_disconnect(&own);
		return SCENARIO_SETUP_FAILED;
	}
	struct wl_buffer *buffer = filled_buffer(&own, 256, NULL, NULL);
	if (!buffer) {
		probe_disconnect(&own);
		return SCENARIO_SETUP_FAILED;
	}
	wl_surface_attach(w.surface, buffer, 0, 0);
	wl_surface_damage_buffer(w.surface, 0, 0, 256, 256);
	wl_surface_frame(w.surface);
	wl_surface_commit(w.surface);
	wl_display_flush(own.display);
	wl_display_disconnect(own.display);
	return SCENARIO_RAN;
}

/* ---- floods ---- */

static enum scenario_result
damage_million_rects(struct probe_globals *g)
{
	/* A million 1x1 damage rectangles in one commit, flushed as the socket drains. */
	struct probe_window w;
	if (!probe_window_map(g, &w, "shm-probe damage flood"))
		return SCENARIO_SETUP_FAILED;
	struct wl_buffer *buffer = filled_buffer(g, 64, NULL, NULL);
	if (!buffer)
		return SCENARIO_SETUP_FAILED;
	wl_surface_attach(w.surface, buffer, 0, 0);
	for (int i = 0; i < 1000000; i++) {
		wl_surface_damage_buffer(w.surface, i % 64, (i / 64) % 64, 1, 1);
		if (i % 256 == 255) {
			while (wl_display_flush(g->display) < 0 && errno == EAGAIN)
				if (probe_dispatch_timeout(g->display, 1000) < 0)
					return SCENARIO_RAN;
			if (wl_display_get_error(g->display))
				return SCENARIO_RAN;
		}
	}
	if (!show_and_wait(g, &w, buffer, 1, 1))
		fprintf(stderr, "probe: frame not shown within 3 s\n");
	return SCENARIO_RAN;
}

static enum scenario_result
requests_unread(struct probe_globals *g)
{
	/*
	 * 100000 wl_display.sync whose callbacks are never read: the replies fill
	 * the socket. The compositor must neither block nor grow without bound;
	 * dropping this client is fine.
	 */
	for (int i = 0; i < 100000; i++) {
		wl_display_sync(g->display);
		if (i % 256 == 255 && wl_display_flush(g->display) < 0 && errno != EAGAIN)
			break;
	}
	wl_display_flush(g->display);
	/* Hold the connection, unread, for a while: the next client is checked meanwhile. */
	sleep(1);
	return SCENARIO_RAN;
}

static enum scenario_result
fd_flood(struct probe_globals *g)
{
	/*
	 * Connections held open until the compositor answers no more or 1100
	 * are up (past a login session's 1024 fds), then a newcomer: it must be
	 * served within 2 s, at the price of some flooder if need be. Prints
	 * "newcomer served" or "check-failed: ...".
	 */
	enum { MAX = 1100 };
	struct rlimit lim;
	if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		setrlimit(RLIMIT_NOFILE, &lim);
	}
	struct wl_display **held = calloc(MAX, sizeof(*held));
	if (!held)
		return SCENARIO_SETUP_FAILED;
	int n = 0;
	while (n < MAX) {
		struct wl_display *d = wl_display_connect(NULL);
		if (!d)
			break;
		held[n++] = d;
		/* Each 50th is made to answer: the compositor must have accepted it. */
		if (n % 50 == 0) {
			wl_display_sync(d);
			if (!probe_roundtrip_timeout(d, 2000) || wl_display_get_error(d))
				break;
		}
	}
	fprintf(stderr, "shm-probe: fd-flood: %d connections held\n", n);
	struct wl_display *newcomer = wl_display_connect(NULL);
	bool served = false;
	if (newcomer) {
		struct wl_callback *cb = wl_display_sync(newcomer);
		served = probe_roundtrip_timeout(newcomer, 2000) &&
			 !wl_display_get_error(newcomer);
		(void)cb;
		wl_display_disconnect(newcomer);
	}
	if (served)
		printf("newcomer served after %d connections\n", n);
	else
		printf("check-failed: a new client is not served within 2 s once %d connections "
		       "are held\n", n);
	for (int i = 0; i < n; i++)
		wl_display_disconnect(held[i]);
	free(held);
	return SCENARIO_RAN;
}

static enum scenario_result
roundtrip_only(struct probe_globals *g)
{
	return SCENARIO_RAN;
}

static const struct {
	const char *name;
	scenario_fn run;
	const char *what;
} scenarios[] = {
	{ "roundtrip", roundtrip_only, "connect and roundtrip, nothing else" },
	{ "pool-fd-pipe", pool_fd_pipe, "create_pool with a pipe" },
	{ "pool-fd-socket", pool_fd_socket, "create_pool with a socket" },
	{ "pool-fd-directory", pool_fd_directory, "create_pool with a directory" },
	{ "pool-fd-opath", pool_fd_opath, "create_pool with an O_PATH fd of a memfd" },
	{ "pool-fd-devnull", pool_fd_devnull, "create_pool with /dev/null" },
	{ "pool-size-zero", pool_size_zero, "create_pool of size 0" },
	{ "pool-size-negative", pool_size_negative, "create_pool of size -4096" },
	{ "pool-larger-than-file", pool_larger_than_file, "pool 8192 on a 4096-byte file" },
	{ "buffer-width-zero", buffer_width_zero, "create_buffer width 0" },
	{ "buffer-height-zero", buffer_height_zero, "create_buffer height 0" },
	{ "buffer-width-negative", buffer_width_negative, "create_buffer width -17" },
	{ "buffer-height-negative", buffer_height_negative, "create_buffer height -19" },
	{ "buffer-offset-negative", buffer_offset_negative, "create_buffer offset -4096" },
	{ "buffer-stride-negative", buffer_stride_negative, "create_buffer stride -256" },
	{ "buffer-size-overflow", buffer_size_overflow, "stride 0x40000000 * height 8" },
	{ "buffer-past-pool-end", buffer_past_pool_end, "offset 4096 + 256*256 > 65536" },
	{ "buffer-stride-below-min", buffer_stride_below_min, "ARGB8888 width 64 stride 128" },
	{ "buffer-format-unknown", buffer_format_unknown, "format 0x12345678" },
	{ "pool-resize-shrink", pool_resize_shrink, "resize 8192 -> 4096" },
	{ "pool-resize-sealed-past-eof", pool_resize_sealed_past_eof,
	  "sealed 4096-byte file, pool resized to 8192, buffer at 4096" },
	{ "pool-resize-unsealed-past-eof", pool_resize_unsealed_past_eof,
	  "unsealed 4096-byte file, pool resized to 8192, buffer at 4096 shown" },
	{ "truncate-after-commit", truncate_after_commit,
	  "ftruncate a shown 256x256 buffer's file to 0, then commit it again" },
	{ "buffer-outlives-pool", buffer_outlives_pool,
	  "a 64x64 buffer shown after its pool was grown and destroyed (SHM_PROBE_HOLD=1: "
	  "print 'shown', hold until stdin closes)" },
	{ "damage-int32-max", damage_int32_max,
	  "a sound buffer committed with surface and buffer damage of INT32_MAX extents" },
	{ "many-pools", many_pools, "1000 sealed pools of 4 KiB, half destroyed at once" },
	{ "garbage-on-socket", garbage_on_socket, "8 KiB of noise on the socket" },
	{ "seal-race", seal_race,
	  "up to 3000 connections (8 s) each truncating and sealing its pool's memfd from a "
	  "thread right after create_pool; prints the outcomes" },
	{ "pool-unsealed", pool_unsealed, "a sound pool on an unsealed memfd" },
	{ "pool-sealed", pool_sealed, "a sound pool on a memfd sealed SHRINK|GROW" },
	{ "pool-disk-file", pool_disk_file,
	  "a sound pool on an O_TMPFILE file in $SHM_PROBE_DIR" },
	{ "pool-dev-shm", pool_dev_shm, "a sound pool on a POSIX shared memory file (/dev/shm)" },
	{ "pool-hugetlb", pool_hugetlb, "a sound pool on a MFD_HUGETLB memfd" },
	{ "hold-pool-bytes", hold_pool_bytes,
	  "one unsealed pool of $SHM_PROBE_BYTES; prints held (or the error), holds until stdin "
	  "closes" },
	{ "frame-callbacks", frame_callbacks,
	  "$SHM_PROBE_FRAMES frame callbacks in one commit of a mapped window" },
	{ "subsurfaces", subsurfaces,
	  "$SHM_PROBE_SUBSURFACES subsurfaces of one surface (reported on their own connection)" },
	{ "hold-pools", hold_pools,
	  "16 pools grown 4096 -> 8192 -> 16384, a buffer on each, held until stdin closes "
	  "(SHM_PROBE_SEALED=1: sealed memfds)" },
	{ "pool-fd-devzero", pool_fd_devzero, "create_pool with /dev/zero" },
	{ "pool-fd-readonly", pool_fd_readonly, "a sound sealed memfd reopened O_RDONLY" },
	{ "pool-fd-tmpfile", pool_fd_tmpfile,
	  "a sound pool on an O_TMPFILE file in $SHM_PROBE_DIR or /var/tmp" },
	{ "pool-memfd-nosealing", pool_memfd_nosealing,
	  "a sound pool on a memfd made without MFD_ALLOW_SEALING" },
	{ "pool-seal-write", pool_seal_write, "a sound pool on a memfd sealed WRITE too" },
	{ "pool-seal-future-write", pool_seal_future_write,
	  "a sound pool on a memfd sealed FUTURE_WRITE too" },
	{ "pool-resize-sealed-past-eof-shown", pool_resize_sealed_past_eof_shown,
	  "sealed 4096-byte file, pool resized to 8192, buffer at 4096 shown" },
	{ "buffer-format-fourcc", buffer_format_fourcc,
	  "format 0x34325241 (the DRM fourcc of ARGB8888, which wl_shm spells 0)" },
	{ "buffer-stride-unaligned", buffer_stride_unaligned, "XRGB8888 width 64 stride 257" },
	{ "buffer-offset-unaligned", buffer_offset_unaligned, "XRGB8888 buffer at offset 1" },
	{ "surface-destroyed-before-buffer", surface_destroyed_before_buffer,
	  "a shown window destroyed, then its buffer" },
	{ "release-after-replace", release_after_replace,
	  "a shown buffer replaced by another: released" },
	{ "client-gone-mid-frame", client_gone_mid_frame,
	  "a frame committed by a client that disconnects at once" },
	{ "damage-million-rects", damage_million_rects,
	  "a million 1x1 damage rectangles in one commit" },
	{ "requests-unread", requests_unread,
	  "100000 wl_display.sync whose replies are never read" },
	{ "fd-flood", fd_flood,
	  "up to 1100 connections held, then a newcomer must be served within 2 s" },
};

int
shm_probe_main(int argc, char *argv[])
{
	int which = PROBE_PICK_SCENARIO(argc, argv, "shm-probe", scenarios);
	if (which < 0)
		return 2;

	struct probe_globals g;
	if (!probe_connect(&g))
		return 2;
	if (!g.shm) {
		fprintf(stderr, "shm-probe: wl_shm not advertised\n");
		probe_disconnect(&g);
		return 2;
	}

	int status = 0;
	if (scenarios[which].run(&g) == SCENARIO_SETUP_FAILED) {
		fprintf(stderr, "shm-probe: scenario %s could not be set up\n", argv[1]);
		status = 2;
	} else {
		probe_settle(g.display, 5000);
	}
	probe_disconnect(&g);
	return status;
}
