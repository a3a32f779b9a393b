/*
 * sealway-bench: the ways of sharing memory between two processes measured
 * side by side, step by step, without a compositor ("mech"), and a client
 * that measures the same buffers through one ("client", bench-client.c).
 *
 * In "mech" mode the program forks a reader; the parent is the writer. For
 * every method and size, each repetition goes through the whole life of one
 * buffer twice (plain mappings, then MAP_POPULATE ones): create, size, seal,
 * turn into a dma-buf, share (SCM_RIGHTS, or a SysV key or POSIX name), map
 * in both processes, first write by the writer, first read by the reader, a
 * steady memcpy each way, DMA_BUF_IOCTL_SYNC, teardown. Every step is timed
 * on its own in the process that does it. A step the kernel refuses is a
 * result: the step, the errno and why.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "bench.h"
#include "parse.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

#define UDMABUF_LIMIT_PARAM "/sys/module/udmabuf/parameters/size_limit_mb"
#define DMA_HEAP_SYSTEM "/dev/dma_heap/system"
#define SYNC_PAIRS 200          /* DMA_BUF_IOCTL_SYNC start+end pairs timed per run */
#define FILL 0x5a

enum method {
	M_SYSV,
	M_POSIX_NAME,
	M_POSIX_FD,
	M_MEMFD,
	M_MEMFD_SEALED,
	M_MEMFD_HUGETLB,
	M_UDMABUF,
	M_UDMABUF_SEAL_WRITE,
	M_DMA_HEAP,
	M_COUNT
};

static const struct {
	const char *name;
	const char *what;
} methods[M_COUNT] = {
	[M_SYSV] = { "sysv", "SysV shmget/shmat, shared by key, no fd" },
	[M_POSIX_NAME] = { "posix-name", "POSIX shm_open, the reader opens it by name" },
	[M_POSIX_FD] = { "posix-fd", "POSIX shm_open, unlinked, fd over SCM_RIGHTS" },
	[M_MEMFD] = { "memfd", "memfd, no seals" },
	[M_MEMFD_SEALED] = { "memfd-sealed", "memfd sealed SHRINK|GROW|SEAL" },
	[M_MEMFD_HUGETLB] = { "memfd-hugetlb", "memfd MFD_HUGETLB sealed SHRINK|GROW|SEAL" },
	[M_UDMABUF] = { "udmabuf", "udmabuf from a memfd sealed SHRINK|GROW|SEAL" },
	[M_UDMABUF_SEAL_WRITE] = { "udmabuf-sealwrite",
				   "udmabuf from a memfd sealed SHRINK|GROW|WRITE|SEAL" },
	[M_DMA_HEAP] = { "dma-heap", "dma-buf from " DMA_HEAP_SYSTEM },
};

enum step {
	S_CREATE,
	S_SIZE,
	S_SEAL,
	S_EXPORT,
	S_SEND,
	S_RECV,
	S_MAP_W,
	S_MAP_R,
	S_TOUCH_W,
	S_READ_R,
	S_MAP_W_POP,
	S_MAP_R_POP,
	S_TOUCH_W_POP,
	S_READ_R_POP,
	S_SYNC,
	S_TEARDOWN,
	S_WRITE_BW,
	S_READ_BW,
	S_COUNT
};

/* Steps after S_TEARDOWN are rates in GB/s; the others are times in ns. */
static const struct {
	const char *name;
	const char *what;
} steps[S_COUNT] = {
	[S_CREATE] = { "create", "shmget / shm_open / memfd_create / open the heap" },
	[S_SIZE] = { "size", "ftruncate, or DMA_HEAP_IOCTL_ALLOC" },
	[S_SEAL] = { "seal", "F_ADD_SEALS" },
	[S_EXPORT] = { "export", "UDMABUF_CREATE (open /dev/udmabuf and the ioctl)" },
	[S_SEND] = { "send", "writer: sendmsg of the fd (SCM_RIGHTS), key or name" },
	[S_RECV] = { "receive", "reader: recvmsg, then fstat+F_GET_SEALS, shmget or shm_open" },
	[S_MAP_W] = { "map-writer", "writer: mmap / shmat" },
	[S_MAP_R] = { "map-reader", "reader: mmap read-only / shmat SHM_RDONLY" },
	[S_TOUCH_W] = { "first-write", "writer: first memset of the buffer (faults)" },
	[S_READ_R] = { "first-read", "reader: first read of every word (faults)" },
	[S_MAP_W_POP] = { "map-writer-populate", "writer: mmap MAP_POPULATE (SysV: MADV_POPULATE_WRITE)" },
	[S_MAP_R_POP] = { "map-reader-populate", "reader: mmap MAP_POPULATE (SysV: MADV_POPULATE_READ)" },
	[S_TOUCH_W_POP] = { "first-write-populated", "writer: first memset after MAP_POPULATE" },
	[S_READ_R_POP] = { "first-read-populated", "reader: first read after MAP_POPULATE" },
	[S_SYNC] = { "sync", "one DMA_BUF_IOCTL_SYNC START|RW + END|RW pair" },
	[S_TEARDOWN] = { "teardown", "writer, after the reader: munmap, close, IPC_RMID / shm_unlink" },
	[S_WRITE_BW] = { "memcpy-write", "writer: memcpy of the buffer into the mapping, GB/s" },
	[S_READ_BW] = { "memcpy-read", "reader: memcpy of the buffer out of the mapping, GB/s" },
};

static bool
step_is_rate(enum step s)
{
	return s > S_TEARDOWN;
}

enum result_kind {
	RES_NONE,     /* not measured (an earlier step was refused) */
	RES_OK,
	RES_NA,       /* does not apply to this method */
	RES_REFUSED,  /* the kernel said no */
};

struct step_result {
	enum result_kind kind;
	int err;
	char reason[200];
	double *samples;
	unsigned count;
};

struct cell {
	enum method method;
	size_t size;
	bool over_limit;        /* the extra udmabuf size past size_limit_mb */
	bool skipped;
	char skip_reason[300];
	int refused_step;       /* -1, or the step that stopped the run */
	struct step_result r[S_COUNT];
};

struct options {
	unsigned runs;
	double copy_s;          /* minimum time of a memcpy measurement */
	size_t sizes[16];
	unsigned size_count;
	bool want[M_COUNT];
	const char *format;     /* text, json or csv on stdout */
	const char *json_path, *csv_path;
};

/* ---- helpers ---- */

uint64_t
bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *
bench_errno_name(int err)
{
	const char *name = strerrorname_np(err);
	return name ? name : "E?";
}

static size_t
page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);
	return p > 0 ? (size_t)p : 4096;
}

static size_t
round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

/* A number from a /proc or /sys file line "KEY: N kB" or a file holding just N; -1 if none. */
static long
read_number(const char *path, const char *key)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char line[256];
	long v = -1;
	while (fgets(line, sizeof(line), f)) {
		if (!key) {
			v = strtol(line, NULL, 10);
			break;
		}
		size_t n = strlen(key);
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static void
barrier(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static uint64_t
sum_words(const void *p, size_t n)
{
	const uint64_t *w = p;
	uint64_t s = 0;
	for (size_t i = 0; i < n / 8; i++)
		s += w[i];
	return s;
}

/* GB/s of memcpy(dst, src, n), repeated for at least min_s after one warm-up copy. */
static double
copy_rate(void *dst, const void *src, size_t n, double min_s)
{
	memcpy(dst, src, n);
	barrier();
	unsigned iters = 0;
	uint64_t t0 = bench_now_ns(), t;
	do {
		memcpy(dst, src, n);
		barrier();
		iters++;
		t = bench_now_ns();
	} while ((double)(t - t0) < min_s * 1e9 || iters < 3);
	return (double)n * iters / (double)(t - t0);
}

static int
dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };
	int ret;
	do {
		ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	return ret;
}

static bool
is_dmabuf(enum method m)
{
	return m == M_UDMABUF || m == M_UDMABUF_SEAL_WRITE || m == M_DMA_HEAP;
}

static bool
by_fd(enum method m)
{
	return m != M_SYSV && m != M_POSIX_NAME;
}

/* ---- the protocol between writer and reader ---- */

/*
 * OP_PREPARE makes the reader step away from the socket for a moment, so
 * that the OP_SHARE sendmsg that follows wakes nobody: its time is the cost
 * of passing the fd, not of scheduling the reader.
 */
enum op { OP_PREPARE = 1, OP_SHARE, OP_QUIT };
#define PREPARE_PAUSE_NS 1000000

struct request {
	enum op op;
	enum method method;
	size_t size, len;
	bool populate;
	bool measure_rate;
	double copy_s;
	int shmid;
	char name[64];
};

struct reply {
	int step;               /* -1 when all went well, else the refused step */
	int err;
	char reason[200];
	double t[S_COUNT];      /* only the reader's steps are filled */
	bool mismatch;          /* the reader did not see what the writer wrote */
};

static int
send_msg(int sock, const void *buf, size_t len, int fd)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t n;
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

/* Receive one message of exactly len bytes and at most one fd (*fd = -1 if none). */
static int
recv_msg(int sock, void *buf, size_t len, int *fd)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (fd)
		*fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int got;
			memcpy(&got, CMSG_DATA(c), sizeof(int));
			if (fd && *fd < 0)
				*fd = got;
			else
				close(got);
		}
	}
	if (n == 0)
		errno = EPIPE;
	return n == (ssize_t)len ? 0 : -1;
}

static int
wait_readable(int sock)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int ret;
	do {
		ret = poll(&p, 1, -1);
	} while (ret < 0 && errno == EINTR);
	return ret;
}

static void
refuse(struct reply *rep, enum step s, int err, const char *what)
{
	rep->step = (int)s;
	rep->err = err;
	snprintf(rep->reason, sizeof(rep->reason), "%s: %s", what, strerror(err));
}

/* ---- the reader ---- */

static void
reader_share(int sock, const struct request *req, int fd, struct reply *rep, uint64_t recv_ns)
{
	void *map = MAP_FAILED;
	uint64_t t0;
	enum step map_step = req->populate ? S_MAP_R_POP : S_MAP_R;
	enum step read_step = req->populate ? S_READ_R_POP : S_READ_R;

	/* What a compositor does with what it got before mapping it. */
	int id = -1;
	t0 = bench_now_ns();
	if (req->method == M_SYSV) {
		id = shmget((key_t)req->shmid, 0, 0);
		if (id < 0) {
			refuse(rep, S_RECV, errno, "shmget by key");
			return;
		}
	} else if (req->method == M_POSIX_NAME) {
		fd = shm_open(req->name, O_RDWR | O_CLOEXEC, 0);
		if (fd < 0) {
			refuse(rep, S_RECV, errno, "shm_open by name");
			return;
		}
	}
	if (fd >= 0) {
		struct stat st;
		if (fstat(fd, &st) < 0) {
			refuse(rep, S_RECV, errno, "fstat");
			goto out_fd;
		}
		/* Not every kind answers F_GET_SEALS; the answer is not needed here. */
		(void)fcntl(fd, F_GET_SEALS);
	}
	rep->t[S_RECV] = (double)(bench_now_ns() - t0 + recv_ns);

	t0 = bench_now_ns();
	if (req->method == M_SYSV) {
		map = shmat(id, NULL, SHM_RDONLY);
		if (map == (void *)-1) {
			map = MAP_FAILED;
			refuse(rep, map_step, errno, "shmat SHM_RDONLY");
			goto out_fd;
		}
		if (req->populate && madvise(map, req->len, MADV_POPULATE_READ) < 0) {
			refuse(rep, map_step, errno, "madvise MADV_POPULATE_READ");
			goto out_map;
		}
	} else {
		map = mmap(NULL, req->len, PROT_READ,
			   MAP_SHARED | (req->populate ? MAP_POPULATE : 0), fd, 0);
		if (map == MAP_FAILED) {
			refuse(rep, map_step, errno, "mmap PROT_READ");
			goto out_fd;
		}
	}
	rep->t[map_step] = (double)(bench_now_ns() - t0);

	if (is_dmabuf(req->method) && dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ) < 0) {
		refuse(rep, read_step, errno, "DMA_BUF_IOCTL_SYNC START");
		goto out_map;
	}
	t0 = bench_now_ns();
	uint64_t sum = sum_words(map, req->size);
	rep->t[read_step] = (double)(bench_now_ns() - t0);
	uint64_t word;
	memset(&word, FILL, sizeof(word));
	rep->mismatch = sum != word * (req->size / 8);

	if (req->measure_rate) {
		void *copy = malloc(req->size);
		if (!copy) {
			refuse(rep, S_READ_BW, ENOMEM, "malloc");
		} else {
			memset(copy, 0, req->size);
			rep->t[S_READ_BW] = copy_rate(copy, map, req->size, req->copy_s);
			free(copy);
		}
	}
	if (is_dmabuf(req->method))
		dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);

out_map:
	if (req->method == M_SYSV)
		shmdt(map);
	else
		munmap(map, req->len);
out_fd:
	if (fd >= 0)
		close(fd);
}

static int
reader_loop(int sock)
{
	for (;;) {
		struct request req;
		int fd;
		if (wait_readable(sock) < 0)
			return 1;
		uint64_t t0 = bench_now_ns();
		if (recv_msg(sock, &req, sizeof(req), &fd) < 0)
			return errno == EPIPE ? 0 : 1;
		uint64_t recv_ns = bench_now_ns() - t0;
		if (req.op == OP_QUIT) {
			if (fd >= 0)
				close(fd);
			return 0;
		}
		if (req.op == OP_PREPARE) {
			char ready = 1;
			if (send_msg(sock, &ready, 1, -1) < 0)
				return 1;
			struct timespec pause = { 0, PREPARE_PAUSE_NS };
			nanosleep(&pause, NULL);
			continue;
		}
		struct reply rep = { .step = -1 };
		reader_share(sock, &req, fd, &rep, recv_ns);
		if (send_msg(sock, &rep, sizeof(rep), -1) < 0)
			return 1;
	}
}

/* ---- the writer ---- */

struct buf {
	enum method method;
	size_t size, len;
	int fd;                 /* the fd shared or mapped; -1 for SysV */
	int shmid;
	key_t key;
	char name[64];
	void *map;
};

struct lifecycle {
	int sock;
	const struct options *opt;
	double t[S_COUNT];
	bool done[S_COUNT];
	struct reply *rep;      /* where a refusal is written */
};

static void
lc_time(struct lifecycle *lc, enum step s, uint64_t t0)
{
	lc->t[s] = (double)(bench_now_ns() - t0);
	lc->done[s] = true;
}

static int
lc_refuse(struct lifecycle *lc, enum step s, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
lc_refuse(struct lifecycle *lc, enum step s, int err, const char *fmt, ...)
{
	char what[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	refuse(lc->rep, s, err, what);
	return -1;
}

static int
buf_create(struct lifecycle *lc, struct buf *b)
{
	static unsigned serial;
	enum method m = b->method;
	uint64_t t0 = bench_now_ns();

	switch (m) {
	case M_SYSV:
		/* A key nobody else uses; IPC_EXCL says so if it is taken. */
		for (int tries = 0; tries < 100; tries++) {
			b->key = (key_t)((getpid() << 12) ^ (int)(++serial * 2654435761u));
			b->shmid = shmget(b->key, b->len, IPC_CREAT | IPC_EXCL | 0600);
			if (b->shmid >= 0 || errno != EEXIST)
				break;
		}
		if (b->shmid < 0)
			return lc_refuse(lc, S_CREATE, errno, "shmget IPC_CREAT of %zu bytes", b->len);
		break;
	case M_POSIX_NAME:
	case M_POSIX_FD:
		snprintf(b->name, sizeof(b->name), "/sealway-bench-%d-%u", (int)getpid(), ++serial);
		b->fd = shm_open(b->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (b->fd < 0)
			return lc_refuse(lc, S_CREATE, errno, "shm_open O_CREAT");
		/* Shared by fd: unlinked at once, as sealway's clients do. */
		if (m == M_POSIX_FD) {
			shm_unlink(b->name);
			b->name[0] = '\0';
		}
		break;
	case M_MEMFD:
	case M_MEMFD_SEALED:
	case M_MEMFD_HUGETLB:
	case M_UDMABUF:
	case M_UDMABUF_SEAL_WRITE:
		b->fd = memfd_create("sealway-bench", MFD_CLOEXEC | MFD_ALLOW_SEALING |
				     (m == M_MEMFD_HUGETLB ? MFD_HUGETLB : 0));
		if (b->fd < 0)
			return lc_refuse(lc, S_CREATE, errno, "memfd_create%s",
					 m == M_MEMFD_HUGETLB ? " MFD_HUGETLB" : "");
		break;
	case M_DMA_HEAP:
		b->fd = open(DMA_HEAP_SYSTEM, O_RDONLY | O_CLOEXEC);
		if (b->fd < 0)
			return lc_refuse(lc, S_CREATE, errno, "open " DMA_HEAP_SYSTEM "%s",
					 errno == EACCES ? " (root only by default)" : "");
		break;
	case M_COUNT:
		break;
	}
	lc_time(lc, S_CREATE, t0);

	/* size */
	t0 = bench_now_ns();
	if (m == M_DMA_HEAP) {
		struct dma_heap_allocation_data alloc = {
			.len = b->len,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};
		int ret;
		do {
			ret = ioctl(b->fd, DMA_HEAP_IOCTL_ALLOC, &alloc);
		} while (ret < 0 && errno == EINTR);
		int err = errno;
		close(b->fd);
		b->fd = ret < 0 ? -1 : (int)alloc.fd;
		if (ret < 0)
			return lc_refuse(lc, S_SIZE, err, "DMA_HEAP_IOCTL_ALLOC of %zu bytes", b->len);
		lc_time(lc, S_SIZE, t0);
	} else if (m != M_SYSV) {
		if (ftruncate(b->fd, (off_t)b->len) < 0)
			return lc_refuse(lc, S_SIZE, errno, "ftruncate to %zu bytes", b->len);
		lc_time(lc, S_SIZE, t0);
	}

	/* seal */
	int seals = 0;
	if (m == M_MEMFD_SEALED || m == M_MEMFD_HUGETLB || m == M_UDMABUF)
		seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	else if (m == M_UDMABUF_SEAL_WRITE)
		seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
	if (seals) {
		t0 = bench_now_ns();
		if (fcntl(b->fd, F_ADD_SEALS, seals) < 0)
			return lc_refuse(lc, S_SEAL, errno, "F_ADD_SEALS");
		lc_time(lc, S_SEAL, t0);
	}

	/* export: the sealed memfd becomes a dma-buf; the memfd is not needed after */
	if (m == M_UDMABUF || m == M_UDMABUF_SEAL_WRITE) {
		t0 = bench_now_ns();
		int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
		if (dev < 0)
			return lc_refuse(lc, S_EXPORT, errno, "open /dev/udmabuf%s",
					 errno == ENOENT ? " (CONFIG_UDMABUF, modprobe udmabuf)" : "");
		struct udmabuf_create create = {
			.memfd = (uint32_t)b->fd,
			.flags = UDMABUF_FLAGS_CLOEXEC,
			.size = b->len,
		};
		int dmabuf = ioctl(dev, UDMABUF_CREATE, &create);
		int err = errno;
		close(dev);
		if (dmabuf < 0) {
			long limit = read_number(UDMABUF_LIMIT_PARAM, NULL);
			if (m == M_UDMABUF_SEAL_WRITE)
				return lc_refuse(lc, S_EXPORT, err,
						 "UDMABUF_CREATE of a memfd with F_SEAL_WRITE");
			if (limit > 0 && b->len > (size_t)limit << 20)
				return lc_refuse(lc, S_EXPORT, err,
						 "UDMABUF_CREATE of %zu bytes, over size_limit_mb=%ld",
						 b->len, limit);
			return lc_refuse(lc, S_EXPORT, err, "UDMABUF_CREATE of %zu bytes", b->len);
		}
		close(b->fd);
		b->fd = dmabuf;
		lc_time(lc, S_EXPORT, t0);
	}
	return 0;
}

static int
buf_map(struct lifecycle *lc, struct buf *b, bool populate)
{
	enum step s = populate ? S_MAP_W_POP : S_MAP_W;
	uint64_t t0 = bench_now_ns();
	if (b->method == M_SYSV) {
		b->map = shmat(b->shmid, NULL, 0);
		if (b->map == (void *)-1) {
			b->map = NULL;
			return lc_refuse(lc, s, errno, "shmat");
		}
		if (populate && madvise(b->map, b->len, MADV_POPULATE_WRITE) < 0)
			return lc_refuse(lc, s, errno, "madvise MADV_POPULATE_WRITE");
	} else {
		b->map = mmap(NULL, b->len, PROT_READ | PROT_WRITE,
			      MAP_SHARED | (populate ? MAP_POPULATE : 0), b->fd, 0);
		if (b->map == MAP_FAILED) {
			b->map = NULL;
			return lc_refuse(lc, s, errno, "mmap of %zu bytes%s", b->len,
					 b->method == M_MEMFD_HUGETLB ? " (no free huge pages?)" : "");
		}
	}
	lc_time(lc, s, t0);
	return 0;
}

static void
buf_teardown(struct buf *b)
{
	if (b->map) {
		if (b->method == M_SYSV)
			shmdt(b->map);
		else
			munmap(b->map, b->len);
	}
	b->map = NULL;
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	if (b->method == M_SYSV && b->shmid >= 0)
		shmctl(b->shmid, IPC_RMID, NULL);
	b->shmid = -1;
	if (b->name[0])
		shm_unlink(b->name);
	b->name[0] = '\0';
}

/*
 * One buffer's whole life. Returns 0 (times in lc), -1 when a step was
 * refused (lc->rep says which and why), -2 when the reader is gone.
 */
static int
lifecycle(struct lifecycle *lc, enum method m, size_t size, size_t len, bool populate,
	  const void *src)
{
	struct buf b = { .method = m, .size = size, .len = len, .fd = -1, .shmid = -1 };
	int ret = -1;

	if (buf_create(lc, &b) < 0 || buf_map(lc, &b, populate) < 0)
		goto out;

	if (is_dmabuf(m) && dmabuf_sync(b.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE) < 0) {
		lc_refuse(lc, S_SYNC, errno, "DMA_BUF_IOCTL_SYNC START");
		goto out;
	}
	enum step touch = populate ? S_TOUCH_W_POP : S_TOUCH_W;
	uint64_t t0 = bench_now_ns();
	memset(b.map, FILL, size);
	barrier();
	lc_time(lc, touch, t0);
	if (is_dmabuf(m))
		dmabuf_sync(b.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);

	struct request req = {
		.op = OP_SHARE, .method = m, .size = size, .len = len, .populate = populate,
		.measure_rate = !populate, .copy_s = lc->opt->copy_s, .shmid = (int)b.key,
	};
	snprintf(req.name, sizeof(req.name), "%s", b.name);
	struct request prepare = { .op = OP_PREPARE };
	char ready;
	if (send_msg(lc->sock, &prepare, sizeof(prepare), -1) < 0 ||
	    recv_msg(lc->sock, &ready, 1, NULL) < 0) {
		fprintf(stderr, BENCH_PROG ": the reader does not answer: %s\n", strerror(errno));
		ret = -2;
		goto out;
	}
	t0 = bench_now_ns();
	if (send_msg(lc->sock, &req, sizeof(req), by_fd(m) ? b.fd : -1) < 0) {
		fprintf(stderr, BENCH_PROG ": sending to the reader: %s\n", strerror(errno));
		ret = -2;
		goto out;
	}
	lc_time(lc, S_SEND, t0);

	struct reply rep;
	if (recv_msg(lc->sock, &rep, sizeof(rep), NULL) < 0) {
		fprintf(stderr, BENCH_PROG ": the reader did not answer: %s\n", strerror(errno));
		ret = -2;
		goto out;
	}
	if (rep.mismatch) {
		fprintf(stderr, BENCH_PROG ": %s: the reader saw other bytes than were written\n",
			methods[m].name);
		ret = -2;
		goto out;
	}
	if (rep.step >= 0) {
		*lc->rep = rep;
		goto out;
	}
	for (int s = 0; s < S_COUNT; s++) {
		if (rep.t[s] > 0) {
			lc->t[s] = rep.t[s];
			lc->done[s] = true;
		}
	}

	if (!populate) {
		if (is_dmabuf(m))
			dmabuf_sync(b.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
		lc->t[S_WRITE_BW] = copy_rate(b.map, src, size, lc->opt->copy_s);
		lc->done[S_WRITE_BW] = true;
		if (is_dmabuf(m)) {
			dmabuf_sync(b.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
			t0 = bench_now_ns();
			for (int i = 0; i < SYNC_PAIRS; i++) {
				if (dmabuf_sync(b.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW) < 0 ||
				    dmabuf_sync(b.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW) < 0) {
					lc_refuse(lc, S_SYNC, errno, "DMA_BUF_IOCTL_SYNC");
					goto out;
				}
			}
			lc->t[S_SYNC] = (double)(bench_now_ns() - t0) / SYNC_PAIRS;
			lc->done[S_SYNC] = true;
		}
	}

	/* The reader has let go: this frees the pages. */
	t0 = bench_now_ns();
	buf_teardown(&b);
	lc_time(lc, S_TEARDOWN, t0);
	ret = 0;
out:
	buf_teardown(&b);
	return ret;
}

/* ---- per cell: what applies, repeated runs ---- */

static const char *
not_applicable(enum method m, enum step s)
{
	switch (s) {
	case S_SIZE:
		return m == M_SYSV ? "shmget sizes the segment as it creates it" : NULL;
	case S_SEAL:
		if (m == M_SYSV)
			return "no fd, nothing to seal";
		if (m == M_POSIX_NAME || m == M_POSIX_FD)
			return "shm_open files cannot be sealed (F_ADD_SEALS: EPERM)";
		if (m == M_MEMFD)
			return "left unsealed";
		if (m == M_DMA_HEAP)
			return "dma-bufs have no seals; their size is fixed by the allocation";
		return NULL;
	case S_EXPORT:
		return m == M_UDMABUF || m == M_UDMABUF_SEAL_WRITE ? NULL : "not made by udmabuf";
	case S_SYNC:
		return is_dmabuf(m) ? NULL : "not a dma-buf";
	default:
		return NULL;
	}
}

static bool
push_sample(struct step_result *r, double v, unsigned cap)
{
	if (!r->samples) {
		r->samples = calloc(cap, sizeof(*r->samples));
		if (!r->samples)
			return false;
	}
	if (r->count < cap)
		r->samples[r->count++] = v;
	r->kind = RES_OK;
	return true;
}

static int
huge_page_check(size_t len, char *why, size_t why_len)
{
	long huge_kb = read_number("/proc/meminfo", "Hugepagesize");
	long free_pages = read_number("/proc/meminfo", "HugePages_Free");
	if (huge_kb <= 0) {
		snprintf(why, why_len, "no huge pages in this kernel (no Hugepagesize in /proc/meminfo)");
		return -1;
	}
	size_t need = round_up(len, (size_t)huge_kb * 1024) / ((size_t)huge_kb * 1024);
	if (free_pages < (long)need) {
		snprintf(why, why_len,
			 "HugePages_Free=%ld of %ld kB, %zu needed: reserve them as root with "
			 "`echo %zu > /proc/sys/vm/nr_hugepages` (or hugepages=N on the kernel "
			 "command line)", free_pages < 0 ? 0 : free_pages, huge_kb, need, need);
		return -1;
	}
	return 0;
}

static int
run_cell(int sock, const struct options *opt, struct cell *c)
{
	enum method m = c->method;
	size_t len = round_up(c->size, page_size());
	if (m == M_MEMFD_HUGETLB) {
		long huge_kb = read_number("/proc/meminfo", "Hugepagesize");
		if (huge_kb > 0)
			len = round_up(c->size, (size_t)huge_kb * 1024);
		if (huge_page_check(len, c->skip_reason, sizeof(c->skip_reason)) < 0) {
			c->skipped = true;
			return 0;
		}
	}
	void *src = malloc(c->size);
	if (!src) {
		fprintf(stderr, BENCH_PROG ": out of memory\n");
		return -1;
	}
	memset(src, FILL, c->size);

	c->refused_step = -1;
	for (int s = 0; s < S_COUNT; s++) {
		const char *na = not_applicable(m, (enum step)s);
		if (na) {
			c->r[s].kind = RES_NA;
			snprintf(c->r[s].reason, sizeof(c->r[s].reason), "%s", na);
		}
	}
	int ret = 0;
	for (unsigned run = 0; run < opt->runs && c->refused_step < 0; run++) {
		for (int pass = 0; pass < 2; pass++) {
			struct reply rep = { .step = -1 };
			struct lifecycle lc = { .sock = sock, .opt = opt, .rep = &rep };
			int r = lifecycle(&lc, m, c->size, len, pass == 1, src);
			if (r == -2) {
				ret = -1;
				goto out;
			}
			for (int s = 0; s < S_COUNT; s++) {
				/* Steps both passes share are counted from the first only. */
				bool pass_step = s == S_MAP_W_POP || s == S_MAP_R_POP ||
					s == S_TOUCH_W_POP || s == S_READ_R_POP;
				if (lc.done[s] && (pass == 1) == pass_step &&
				    !push_sample(&c->r[s], lc.t[s], opt->runs)) {
					ret = -1;
					goto out;
				}
			}
			if (r == -1) {
				c->refused_step = rep.step;
				struct step_result *sr = &c->r[rep.step];
				sr->kind = RES_REFUSED;
				sr->err = rep.err;
				snprintf(sr->reason, sizeof(sr->reason), "%s", rep.reason);
				break;
			}
		}
	}
out:
	free(src);
	return ret;
}

/* ---- statistics and output ---- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct summary {
	double median, min, max;
};

static struct summary
summarize(const struct step_result *r)
{
	struct summary s = { 0 };
	if (r->count == 0)
		return s;
	double *v = malloc(r->count * sizeof(*v));
	if (!v)
		return s;
	memcpy(v, r->samples, r->count * sizeof(*v));
	qsort(v, r->count, sizeof(*v), cmp_double);
	s.min = v[0];
	s.max = v[r->count - 1];
	s.median = r->count % 2 ? v[r->count / 2] : (v[r->count / 2 - 1] + v[r->count / 2]) / 2;
	free(v);
	return s;
}

static const char *
kind_name(enum result_kind k)
{
	switch (k) {
	case RES_OK:
		return "ok";
	case RES_NA:
		return "n/a";
	case RES_REFUSED:
		return "refused";
	case RES_NONE:
		break;
	}
	return "not-reached";
}

static const char *
cell_status(const struct cell *c)
{
	return c->skipped ? "skipped" : c->refused_step >= 0 ? "refused" : "ok";
}

static void
json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void
machine_json(FILE *out)
{
	struct utsname u;
	uname(&u);
	fprintf(out, "  \"machine\": {\"kernel\": ");
	json_string(out, u.release);
	fprintf(out, ", \"nproc\": %ld, \"page_size\": %zu, \"hugepage_kb\": %ld, "
		"\"hugepages_free\": %ld, \"udmabuf_size_limit_mb\": %ld},\n",
		sysconf(_SC_NPROCESSORS_ONLN), page_size(),
		read_number("/proc/meminfo", "Hugepagesize"),
		read_number("/proc/meminfo", "HugePages_Free"),
		read_number(UDMABUF_LIMIT_PARAM, NULL));
}

static void
write_json(FILE *out, const struct options *opt, const struct cell *cells, size_t n)
{
	fprintf(out, "{\n  \"program\": \"" BENCH_PROG " mech\",\n  \"runs\": %u,\n", opt->runs);
	machine_json(out);
	fprintf(out, "  \"methods\": {");
	for (int m = 0; m < M_COUNT; m++) {
		fprintf(out, "%s\"%s\": ", m ? ", " : "", methods[m].name);
		json_string(out, methods[m].what);
	}
	fprintf(out, "},\n  \"steps\": [");
	for (int s = 0; s < S_COUNT; s++) {
		fprintf(out, "%s{\"name\": \"%s\", \"unit\": \"%s\", \"what\": ", s ? ", " : "",
			steps[s].name, step_is_rate((enum step)s) ? "GB/s" : "ns");
		json_string(out, steps[s].what);
		fputc('}', out);
	}
	fprintf(out, "],\n  \"results\": [\n");
	for (size_t i = 0; i < n; i++) {
		const struct cell *c = &cells[i];
		fprintf(out, "    {\"method\": \"%s\", \"size\": %zu, \"over_size_limit\": %s, "
			"\"status\": \"%s\"", methods[c->method].name, c->size,
			c->over_limit ? "true" : "false", cell_status(c));
		if (c->skipped) {
			fprintf(out, ", \"reason\": ");
			json_string(out, c->skip_reason);
		} else if (c->refused_step >= 0) {
			const struct step_result *r = &c->r[c->refused_step];
			fprintf(out, ", \"refused_step\": \"%s\", \"errno\": %d, \"errno_name\": \"%s\", "
				"\"reason\": ", steps[c->refused_step].name, r->err,
				bench_errno_name(r->err));
			json_string(out, r->reason);
		}
		fprintf(out, ", \"steps\": {");
		bool first = true;
		for (int s = 0; s < S_COUNT && !c->skipped; s++) {
			const struct step_result *r = &c->r[s];
			fprintf(out, "%s\"%s\": {\"status\": \"%s\"", first ? "" : ", ", steps[s].name,
				kind_name(r->kind));
			first = false;
			if (r->count > 0) {
				struct summary sm = summarize(r);
				fprintf(out, ", \"n\": %u, \"median\": %.6g, \"min\": %.6g, \"max\": %.6g",
					r->count, sm.median, sm.min, sm.max);
			}
			if (r->kind == RES_REFUSED)
				fprintf(out, ", \"errno\": %d, \"errno_name\": \"%s\"", r->err,
					bench_errno_name(r->err));
			if (r->kind == RES_NA || r->kind == RES_REFUSED) {
				fprintf(out, ", \"reason\": ");
				json_string(out, r->reason);
			}
			fputc('}', out);
		}
		fprintf(out, "}}%s\n", i + 1 < n ? "," : "");
	}
	fprintf(out, "  ]\n}\n");
}

static void
csv_field(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void
write_csv(FILE *out, const struct cell *cells, size_t n)
{
	fprintf(out, "method,size,step,unit,status,n,median,min,max,errno,reason\n");
	for (size_t i = 0; i < n; i++) {
		const struct cell *c = &cells[i];
		if (c->skipped) {
			fprintf(out, "%s,%zu,,,skipped,0,,,,,", methods[c->method].name, c->size);
			csv_field(out, c->skip_reason);
			fputc('\n', out);
			continue;
		}
		for (int s = 0; s < S_COUNT; s++) {
			const struct step_result *r = &c->r[s];
			fprintf(out, "%s,%zu,%s,%s,%s,%u,", methods[c->method].name, c->size,
				steps[s].name, step_is_rate((enum step)s) ? "GB/s" : "ns",
				kind_name(r->kind), r->count);
			if (r->count > 0) {
				struct summary sm = summarize(r);
				fprintf(out, "%.6g,%.6g,%.6g,", sm.median, sm.min, sm.max);
			} else {
				fprintf(out, ",,,");
			}
			if (r->kind == RES_REFUSED)
				fprintf(out, "%s", bench_errno_name(r->err));
			fputc(',', out);
			csv_field(out, r->kind == RES_NA || r->kind == RES_REFUSED ? r->reason : "");
			fputc('\n', out);
		}
	}
}

static void
size_label(size_t size, char *buf, size_t len)
{
	if (size == 1920 * 1080 * 4)
		snprintf(buf, len, "1080p XRGB frame");
	else if (size == 3840 * 2160 * 4)
		snprintf(buf, len, "4K XRGB frame");
	else if (size % (1024 * 1024) == 0)
		snprintf(buf, len, "%zu MiB", size >> 20);
	else if (size % 1024 == 0)
		snprintf(buf, len, "%zu KiB", size >> 10);
	else
		snprintf(buf, len, "%zu B", size);
}

/* Three significant digits, without an exponent for large values. */
static const char *
short_number(double v, char *buf, size_t len)
{
	snprintf(buf, len, v < 1000 ? "%.3g" : "%.0f", v);
	return buf;
}

/* One value as "12.3 [11.0-15.2]" in us (times) or GB/s (rates). */
static void
format_value(const struct step_result *r, enum step s, char *buf, size_t len)
{
	if (r->kind == RES_NA) {
		snprintf(buf, len, "-");
	} else if (r->kind == RES_REFUSED) {
		snprintf(buf, len, "refused %s", bench_errno_name(r->err));
	} else if (r->count == 0) {
		snprintf(buf, len, ".");
	} else {
		struct summary sm = summarize(r);
		double k = step_is_rate(s) ? 1 : 1e-3;
		char a[16], b[16], c[16];
		snprintf(buf, len, "%s [%s-%s]", short_number(sm.median * k, a, sizeof(a)),
			 short_number(sm.min * k, b, sizeof(b)), short_number(sm.max * k, c, sizeof(c)));
	}
}

static void
write_text(FILE *out, const struct options *opt, const struct cell *cells, size_t n)
{
	fprintf(out, BENCH_PROG " mech: %u runs each; median [min-max]; times in us, "
		"memcpy in GB/s; - does not apply, . not reached\n", opt->runs);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && cells[j].size == cells[i].size && cells[j].over_limit == cells[i].over_limit)
			j++;
		char label[32];
		size_label(cells[i].size, label, sizeof(label));
		fprintf(out, "\n== %s (%zu bytes)%s\n%-22s", label, cells[i].size,
			cells[i].over_limit ? ", past udmabuf's size_limit_mb" : "", "step");
		for (size_t k = i; k < j; k++)
			fprintf(out, " %-26s", methods[cells[k].method].name);
		fputc('\n', out);
		for (int s = 0; s < S_COUNT; s++) {
			fprintf(out, "%-22s", steps[s].name);
			for (size_t k = i; k < j; k++) {
				char v[64];
				if (cells[k].skipped)
					snprintf(v, sizeof(v), "skipped");
				else
					format_value(&cells[k].r[s], (enum step)s, v, sizeof(v));
				fprintf(out, " %-26s", v);
			}
			fputc('\n', out);
		}
		for (size_t k = i; k < j; k++) {
			const struct cell *c = &cells[k];
			if (c->skipped)
				fprintf(out, "  %s skipped: %s\n", methods[c->method].name, c->skip_reason);
			else if (c->refused_step >= 0)
				fprintf(out, "  %s refused at %s: %s (%s)\n", methods[c->method].name,
					steps[c->refused_step].name, c->r[c->refused_step].reason,
					bench_errno_name(c->r[c->refused_step].err));
		}
		i = j;
	}
}

/* ---- command line ---- */

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: " BENCH_PROG " mech [OPTIONS]     the sharing mechanisms alone\n"
		"       " BENCH_PROG " client [OPTIONS]   one window through a compositor "
		"(--help for its options)\n"
		"\n"
		"mech options:\n"
		"  --runs N            repetitions per method and size (default 7)\n"
		"  --quick             3 runs, short memcpy windows\n"
		"  --sizes LIST        comma-separated bytes, or 4K, 64K, 1M, 1080p, 4k\n"
		"                      (default 4K,64K,1M,1080p,4k; 1080p = 1920x1080x4 bytes)\n"
		"  --methods LIST      comma-separated, of:");
	for (int m = 0; m < M_COUNT; m++)
		fprintf(out, " %s", methods[m].name);
	fprintf(out,
		"\n"
		"  --format FMT        text, json or csv on stdout (default text)\n"
		"  --json FILE         also write JSON to FILE\n"
		"  --csv FILE          also write CSV to FILE\n"
		"\n"
		"A method the kernel refuses, or a size past udmabuf's size_limit_mb (tried\n"
		"once more than the given sizes), is reported with the step and the errno.\n");
}

static bool
parse_size_word(const char *s, size_t *out)
{
	static const struct {
		const char *word;
		size_t size;
	} words[] = {
		{ "4K", 4096 }, { "64K", 65536 }, { "1M", 1048576 },
		{ "1080p", 1920 * 1080 * 4 }, { "4k", 3840 * 2160 * 4 },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(s, words[i].word) == 0) {
			*out = words[i].size;
			return true;
		}
	}
	uint32_t v;
	if (!sw_parse_u32(s, 8, 1u << 30, &v))
		return false;
	*out = v;
	return true;
}

static int
bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
bad(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, BENCH_PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	usage(stderr);
	return 2;
}

static int
parse_mech(int argc, char *argv[], struct options *opt)
{
	enum { O_RUNS = 1, O_QUICK, O_SIZES, O_METHODS, O_FORMAT, O_JSON, O_CSV, O_HELP };
	static const struct option longopts[] = {
		{ "runs", required_argument, NULL, O_RUNS },
		{ "quick", no_argument, NULL, O_QUICK },
		{ "sizes", required_argument, NULL, O_SIZES },
		{ "methods", required_argument, NULL, O_METHODS },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "json", required_argument, NULL, O_JSON },
		{ "csv", required_argument, NULL, O_CSV },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static const size_t default_sizes[] = {
		4096, 65536, 1048576, 1920 * 1080 * 4, 3840 * 2160 * 4,
	};
	bool any_method = false, runs_given = false;
	int o;

	*opt = (struct options){ .runs = 7, .copy_s = 0.05, .format = "text" };
	opterr = 0;
	optind = 1;
	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (o) {
		case O_RUNS:
			if (!sw_parse_u32(optarg, 1, 1000, &opt->runs))
				return bad("invalid --runs \"%s\" (expected 1 to 1000)", optarg);
			runs_given = true;
			break;
		case O_QUICK:
			if (!runs_given)
				opt->runs = 3;
			opt->copy_s = 0.002;
			break;
		case O_SIZES: {
			char *list = strdup(optarg), *save = NULL;
			if (!list)
				return 1;
			opt->size_count = 0;
			for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
				size_t v;
				if (opt->size_count == 15 || !parse_size_word(w, &v)) {
					free(list);
					return bad("invalid --sizes \"%s\" (expected up to 15 sizes, "
						   "8 bytes to 1 GiB each)", optarg);
				}
				opt->sizes[opt->size_count++] = v;
			}
			free(list);
			break;
		}
		case O_METHODS: {
			char *list = strdup(optarg), *save = NULL;
			if (!list)
				return 1;
			for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
				int m;
				for (m = 0; m < M_COUNT && strcmp(w, methods[m].name) != 0; m++)
					;
				if (m == M_COUNT) {
					int r = bad("unknown method \"%s\"", w);
					free(list);
					return r;
				}
				opt->want[m] = true;
				any_method = true;
			}
			free(list);
			break;
		}
		case O_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "json") && strcmp(optarg, "csv"))
				return bad("invalid --format \"%s\" (expected text, json or csv)", optarg);
			opt->format = optarg;
			break;
		case O_JSON:
			opt->json_path = optarg;
			break;
		case O_CSV:
			opt->csv_path = optarg;
			break;
		case O_HELP:
			usage(stdout);
			return 0;
		default:
			return bad("unknown option or missing argument: %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("unexpected argument \"%s\"", argv[optind]);
	if (opt->size_count == 0) {
		memcpy(opt->sizes, default_sizes, sizeof(default_sizes));
		opt->size_count = sizeof(default_sizes) / sizeof(default_sizes[0]);
	}
	for (unsigned i = 0; i < opt->size_count; i++)
		opt->sizes[i] = round_up(opt->sizes[i], 8);
	if (!any_method)
		for (int m = 0; m < M_COUNT; m++)
			opt->want[m] = true;
	return -1;
}

static int
write_file(const char *path, void (*fn)(FILE *, const struct options *, const struct cell *, size_t),
	   const struct options *opt, const struct cell *cells, size_t n)
{
	FILE *f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, BENCH_PROG ": cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	fn(f, opt, cells, n);
	if (fclose(f) != 0) {
		fprintf(stderr, BENCH_PROG ": writing %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
write_csv_opt(FILE *out, const struct options *opt, const struct cell *cells, size_t n)
{
	write_csv(out, cells, n);
}

static int
mech_main(int argc, char *argv[])
{
	struct options opt;
	int status = parse_mech(argc, argv, &opt);
	if (status >= 0)
		return status;

	/* One more udmabuf size past the module's limit: its refusal is a result. */
	long limit_mb = read_number(UDMABUF_LIMIT_PARAM, NULL);
	size_t count = 0, cap = (size_t)opt.size_count * M_COUNT + 1;
	struct cell *cells = calloc(cap, sizeof(*cells));
	if (!cells)
		return 1;
	for (unsigned i = 0; i < opt.size_count; i++)
		for (int m = 0; m < M_COUNT; m++)
			if (opt.want[m])
				cells[count++] = (struct cell){ .method = (enum method)m,
								.size = opt.sizes[i], .refused_step = -1 };
	if (opt.want[M_UDMABUF] && limit_mb > 0 && limit_mb < 1024)
		cells[count++] = (struct cell){ .method = M_UDMABUF, .over_limit = true,
						.size = ((size_t)limit_mb + 1) << 20,
						.refused_step = -1 };

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		fprintf(stderr, BENCH_PROG ": socketpair: %s\n", strerror(errno));
		free(cells);
		return 1;
	}
	fflush(NULL);
	pid_t reader = fork();
	if (reader < 0) {
		fprintf(stderr, BENCH_PROG ": fork: %s\n", strerror(errno));
		free(cells);
		return 1;
	}
	if (reader == 0) {
		close(sv[0]);
		_exit(reader_loop(sv[1]));
	}
	close(sv[1]);

	int ret = 0;
	for (size_t i = 0; i < count; i++) {
		if (run_cell(sv[0], &opt, &cells[i]) < 0) {
			ret = 1;
			break;
		}
	}
	struct request quit = { .op = OP_QUIT };
	send_msg(sv[0], &quit, sizeof(quit), -1);
	close(sv[0]);
	int wstatus;
	if (waitpid(reader, &wstatus, 0) < 0 || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		fprintf(stderr, BENCH_PROG ": the reader process failed (status 0x%x)\n", wstatus);
		ret = 1;
	}

	if (ret == 0) {
		if (strcmp(opt.format, "json") == 0)
			write_json(stdout, &opt, cells, count);
		else if (strcmp(opt.format, "csv") == 0)
			write_csv(stdout, cells, count);
		else
			write_text(stdout, &opt, cells, count);
		if (opt.json_path && write_file(opt.json_path, write_json, &opt, cells, count) < 0)
			ret = 1;
		if (opt.csv_path && write_file(opt.csv_path, write_csv_opt, &opt, cells, count) < 0)
			ret = 1;
	}
	for (size_t i = 0; i < count; i++)
		for (int s = 0; s < S_COUNT; s++)
			free(cells[i].r[s].samples);
	free(cells);
	return ret;
}

int
main(int argc, char *argv[])
{
	if (argc >= 2 && strcmp(argv[1], "mech") == 0)
		return mech_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "client") == 0)
		return bench_client_main(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, BENCH_PROG ": expected a mode, mech or client\n");
	usage(stderr);
	return 2;
}
