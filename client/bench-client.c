/*
 * sealway-bench client: one XRGB8888 window through a compositor, with the
 * buffers of one of the allocation paths sealway's clients support, under one
 * workload, and what a presented frame costs: the client's CPU, the
 * compositor's CPU (from /proc/PID/task/N/schedstat when its pid is given)
 * and commit-to-present latency.
 *
 * Workloads: "full" repaints and damages the whole window every frame;
 * "square" a 64x64 square that moves; "churn" makes a new buffer (new file
 * or dma-buf, new wl_buffer) for every frame and repaints it all.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>

#include "anon-file.h"
#include "bench.h"
#include "dmabuf-alloc.h"
#include "formats.h"
#include "linux-dmabuf-unstable-v1-client-protocol.h"
#include "options.h"
#include "shm-buffer.h"
#include "window.h"

#define SQUARE 64
#define STRIDE_ALIGN 64
#define EXIT_REFUSED 3  /* the allocation path is not available: not a failure of the run */

enum alloc { A_MEMFD_SEALED, A_MEMFD, A_POSIX_SHM, A_UDMABUF, A_DMA_HEAP, A_COUNT };
static const char *const alloc_names[A_COUNT] = {
	"memfd-sealed", "memfd", "posix-shm", "udmabuf", "dma-heap",
};

enum workload { W_FULL, W_SQUARE, W_CHURN, W_COUNT };
static const char *const workload_names[W_COUNT] = { "full", "square", "churn" };

struct bench {
	struct sw_client *client;
	struct sw_window *window;
	struct zwp_linux_dmabuf_v1 *dmabuf;
	enum alloc alloc;
	enum workload workload;
	bool fullscreen;
	const struct sw_format *format;
	uint32_t width, height;
	uint32_t frames;
	int compositor_pid;
	bool done, failed, started;
	uint64_t buffers_made;
	/* at the first frame */
	uint64_t cpu0_ns, comp0_ns, wall0_ns;
};

struct dmabuf_priv {
	int fd;
};

static bool
is_dmabuf(enum alloc a)
{
	return a == A_UDMABUF || a == A_DMA_HEAP;
}

static uint64_t
process_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Time on CPU of every thread of `pid` (schedstat, ns); 0 if unknown. */
static uint64_t
pid_cpu_ns(int pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *dir = opendir(path);
	if (!dir)
		return 0;
	uint64_t total = 0;
	struct dirent *d;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		char file[300];
		snprintf(file, sizeof(file), "/proc/%d/task/%s/schedstat", pid, d->d_name);
		FILE *f = fopen(file, "re");
		if (!f)
			continue;   /* a thread that just ended */
		unsigned long long ns;
		if (fscanf(f, "%llu", &ns) == 1)
			total += ns;
		fclose(f);
	}
	closedir(dir);
	return total;
}

/* ---- allocators ---- */

static int
shm_create(void *data, struct sw_buffer *buffer)
{
	struct bench *b = data;
	static const enum sw_alloc_method method[] = {
		[A_MEMFD_SEALED] = SW_ALLOC_MEMFD_SEALED,
		[A_MEMFD] = SW_ALLOC_MEMFD,
		[A_POSIX_SHM] = SW_ALLOC_POSIX_SHM,
	};
	b->buffers_made++;
	return sw_shm_buffer_create(b->client->shm, method[b->alloc], 0, false, buffer);
}

static void
shm_destroy(void *data, struct sw_buffer *buffer)
{
	sw_shm_buffer_destroy(buffer);
}

static const struct sw_buffer_impl shm_impl = {
	.name = "wl_shm", .create = shm_create, .destroy = shm_destroy,
};

static int
dmabuf_create(void *data, struct sw_buffer *buffer)
{
	struct bench *b = data;
	uint32_t stride = (buffer->width * 4 + STRIDE_ALIGN - 1) & ~(uint32_t)(STRIDE_ALIGN - 1);
	size_t size = (size_t)stride * buffer->height, alloc_size;

	struct dmabuf_priv *priv = calloc(1, sizeof(*priv));
	if (!priv)
		return -1;
	priv->fd = sw_dmabuf_alloc(b->alloc == A_UDMABUF ? SW_DMABUF_UDMABUF : SW_DMABUF_DMA_HEAP,
				   NULL, size, &alloc_size);
	if (priv->fd < 0)
		goto err_priv;
	void *map = mmap(NULL, alloc_size, PROT_READ | PROT_WRITE, MAP_SHARED, priv->fd, 0);
	if (map == MAP_FAILED) {
		sw_err("mapping a %zu-byte dma-buf: %s", alloc_size, strerror(errno));
		goto err_fd;
	}
	struct zwp_linux_buffer_params_v1 *params = zwp_linux_dmabuf_v1_create_params(b->dmabuf);
	if (!params)
		goto err_map;
	zwp_linux_buffer_params_v1_add(params, priv->fd, 0, 0, stride,
				       (uint32_t)(DRM_FORMAT_MOD_LINEAR >> 32),
				       (uint32_t)(DRM_FORMAT_MOD_LINEAR & 0xffffffff));
	/* create_immed, as GPU clients do: no roundtrip per buffer. */
	buffer->wl_buffer = zwp_linux_buffer_params_v1_create_immed(params,
		(int32_t)buffer->width, (int32_t)buffer->height, DRM_FORMAT_XRGB8888, 0);
	zwp_linux_buffer_params_v1_destroy(params);
	if (!buffer->wl_buffer)
		goto err_map;
	buffer->stride[0] = stride;
	buffer->offset[0] = 0;
	buffer->data = map;
	buffer->size = alloc_size;
	buffer->priv = priv;
	b->buffers_made++;
	return 0;

err_map:
	munmap(map, alloc_size);
err_fd:
	close(priv->fd);
err_priv:
	free(priv);
	return -1;
}

static void
dmabuf_destroy(void *data, struct sw_buffer *buffer)
{
	struct dmabuf_priv *priv = buffer->priv;
	sw_buffer_unmap(buffer);
	if (priv) {
		close(priv->fd);
		free(priv);
	}
	buffer->priv = NULL;
}

static const struct sw_buffer_impl dmabuf_impl = {
	.name = "linux-dmabuf", .create = dmabuf_create, .destroy = dmabuf_destroy,
};

/*
 * Churn: give a released buffer new memory and a new wl_buffer. The window
 * module knows its buffers by their wl_buffer listener, so the new wl_buffer
 * gets the old one's listener and data.
 */
static int
renew(struct bench *b, const struct sw_buffer_impl *impl, struct sw_buffer *buffer)
{
	const void *listener = wl_proxy_get_listener((struct wl_proxy *)buffer->wl_buffer);
	void *owner = buffer->owner;
	impl->destroy(b, buffer);
	struct sw_buffer fresh = {
		.format = buffer->format, .width = buffer->width, .height = buffer->height,
	};
	*buffer = fresh;
	if (impl->create(b, buffer) < 0)
		return -1;
	buffer->owner = owner;
	wl_proxy_add_listener((struct wl_proxy *)buffer->wl_buffer, (void (**)(void))listener,
			      buffer);
	return 0;
}

/* ---- drawing ---- */

static void
fill(struct sw_buffer *buffer, int32_t x, int32_t y, int32_t w, int32_t h, uint32_t xrgb)
{
	for (int32_t row = y; row < y + h; row++) {
		uint32_t *p = (uint32_t *)((uint8_t *)buffer->data + (size_t)row * buffer->stride[0]) + x;
		for (int32_t i = 0; i < w; i++)
			p[i] = xrgb;
	}
}

static void
square_at(const struct bench *b, uint64_t frame, int32_t *x, int32_t *y)
{
	*x = (int32_t)((frame * 37) % (b->width - SQUARE));
	*y = (int32_t)((frame * 23) % (b->height - SQUARE));
}

static uint32_t
colour(uint64_t frame)
{
	return 0xff000000u | (uint32_t)((frame * 0x10305u) & 0xffffff);
}

static void
draw(void *data, struct sw_window *window)
{
	struct bench *b = data;
	if (b->done)
		return;
	struct sw_buffer *buffer = sw_window_get_buffer(window);
	if (!buffer) {
		if (sw_window_failed(window))
			b->failed = true;
		return;
	}
	if (!b->started) {
		/* Counting starts at the first frame: connecting and setting up are not frames. */
		b->started = true;
		b->cpu0_ns = process_cpu_ns();
		b->comp0_ns = b->compositor_pid ? pid_cpu_ns(b->compositor_pid) : 0;
		b->wall0_ns = bench_now_ns();
	}
	if (b->workload == W_CHURN && buffer->content_frame != 0 &&
	    renew(b, is_dmabuf(b->alloc) ? &dmabuf_impl : &shm_impl, buffer) < 0) {
		b->failed = true;
		return;
	}

	uint64_t frame = sw_window_next_frame(window);
	struct dmabuf_priv *priv = is_dmabuf(b->alloc) ? buffer->priv : NULL;
	if (priv)
		sw_dmabuf_sync(priv->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);

	pixman_region32_t damage;
	if (b->workload != W_SQUARE || buffer->content_frame == 0) {
		fill(buffer, 0, 0, (int32_t)b->width, (int32_t)b->height, colour(frame));
		pixman_region32_init_rect(&damage, 0, 0, b->width, b->height);
	} else {
		/* Bring the buffer up to the frame shown, then draw this frame's square. */
		for (uint64_t f = buffer->content_frame + 1; f <= frame; f++) {
			int32_t x, y;
			square_at(b, f, &x, &y);
			fill(buffer, x, y, SQUARE, SQUARE, colour(f));
		}
		int32_t x, y;
		square_at(b, frame, &x, &y);
		pixman_region32_init_rect(&damage, x, y, SQUARE, SQUARE);
	}
	if (priv)
		sw_dmabuf_sync(priv->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);

	sw_window_commit(window, buffer, &damage);
	pixman_region32_fini(&damage);
	if (sw_window_stats(window)->commits >= b->frames)
		b->done = true;
}

/* ---- availability ---- */

static void
global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
       uint32_t version)
{
	struct bench *b = data;
	if (strcmp(interface, zwp_linux_dmabuf_v1_interface.name) == 0 && !b->dmabuf)
		b->dmabuf = wl_registry_bind(registry, name, &zwp_linux_dmabuf_v1_interface,
					     version < 3 ? version : 3);
}

static int
refused(const struct bench *b, int err, const char *what)
{
	printf(BENCH_PROG ": client alloc=%s workload=%s refused: %s%s%s (%s)\n",
	       alloc_names[b->alloc], workload_names[b->workload], what, err ? ": " : "",
	       err ? strerror(err) : "", err ? bench_errno_name(err) : "-");
	fflush(stdout);
	return EXIT_REFUSED;
}

/* Whether this process can make the dma-bufs at all, before connecting. */
static int
check_device(const struct bench *b)
{
	const char *dev = b->alloc == A_UDMABUF ? "/dev/udmabuf" : "/dev/dma_heap/system";
	int fd = open(dev, (b->alloc == A_UDMABUF ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		char what[80];
		snprintf(what, sizeof(what), "open %s", dev);
		return refused(b, errno, what);
	}
	close(fd);
	return 0;
}

/* ---- command line ---- */

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: " BENCH_PROG " client [OPTIONS]\n"
		"One window through the compositor at $WAYLAND_DISPLAY; prints the\n"
		"presentation statistics and what a presented frame cost.\n"
		"\n"
		"  --alloc KIND         memfd-sealed, memfd, posix-shm, udmabuf or dma-heap\n"
		"                       (default memfd-sealed)\n"
		"  --workload W         full, square (64x64 damage) or churn (new buffer\n"
		"                       every frame) (default full)\n"
		"  --size WxH           window size (default 1920x1080)\n"
		"  --frames N           frames to commit (default 120)\n"
		"  --compositor-pid PID also report the compositor's CPU per frame\n"
		"  --fullscreen         ask to be fullscreen (the buffers keep --size)\n"
		"  --log LEVEL          error, warn, info or debug (default warn)\n"
		"  --help               show this help\n"
		"Exit status 3: the allocation path is not available here (the line says why).\n");
}

static int
parse_word(const char *arg, const char *const *names, int count, const char *opt)
{
	for (int i = 0; i < count; i++)
		if (strcmp(arg, names[i]) == 0)
			return i;
	fprintf(stderr, BENCH_PROG ": invalid %s \"%s\"\n", opt, arg);
	return -1;
}

int
bench_client_main(int argc, char *argv[])
{
	enum { O_ALLOC = 1, O_WORKLOAD, O_SIZE, O_FRAMES, O_PID, O_FULLSCREEN, O_LOG, O_HELP };
	static const struct option longopts[] = {
		{ "alloc", required_argument, NULL, O_ALLOC },
		{ "workload", required_argument, NULL, O_WORKLOAD },
		{ "size", required_argument, NULL, O_SIZE },
		{ "frames", required_argument, NULL, O_FRAMES },
		{ "compositor-pid", required_argument, NULL, O_PID },
		{ "fullscreen", no_argument, NULL, O_FULLSCREEN },
		{ "log", required_argument, NULL, O_LOG },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = { .width = 1920, .height = 1080, .frames = 120 };
	enum sw_log_level level = SW_LOG_WARN;
	int o, v;
	uint32_t pid;

	sw_log_set_tag(BENCH_PROG);
	opterr = 0;
	optind = 1;
	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (o) {
		case O_ALLOC:
			if ((v = parse_word(optarg, alloc_names, A_COUNT, "--alloc")) < 0)
				return 2;
			b.alloc = (enum alloc)v;
			break;
		case O_WORKLOAD:
			if ((v = parse_word(optarg, workload_names, W_COUNT, "--workload")) < 0)
				return 2;
			b.workload = (enum workload)v;
			break;
		case O_SIZE:
			if (!sw_parse_size(optarg, &b.width, &b.height) || b.width <= SQUARE ||
			    b.height <= SQUARE) {
				fprintf(stderr, BENCH_PROG ": invalid --size \"%s\" (expected WxH, "
					"65 to 16384 each)\n", optarg);
				return 2;
			}
			break;
		case O_FRAMES:
			if (!sw_parse_u32(optarg, 1, 1000000, &b.frames)) {
				fprintf(stderr, BENCH_PROG ": invalid --frames \"%s\"\n", optarg);
				return 2;
			}
			break;
		case O_PID:
			if (!sw_parse_u32(optarg, 1, 1u << 30, &pid)) {
				fprintf(stderr, BENCH_PROG ": invalid --compositor-pid \"%s\"\n", optarg);
				return 2;
			}
			b.compositor_pid = (int)pid;
			break;
		case O_FULLSCREEN:
			b.fullscreen = true;
			break;
		case O_LOG:
			if (!sw_log_parse_level(optarg, &level)) {
				fprintf(stderr, BENCH_PROG ": invalid --log \"%s\"\n", optarg);
				return 2;
			}
			break;
		case O_HELP:
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, BENCH_PROG ": unknown option or missing argument: %s\n",
				argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, BENCH_PROG ": unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	sw_log_set_level(level);
	b.format = sw_format_from_name("XRGB8888");

	if (is_dmabuf(b.alloc) && (v = check_device(&b)) != 0)
		return v;

	struct sw_client_params params = {
		.prog = BENCH_PROG,
		.need_shm = true,
		.need_presentation = true,
		.global = global,
		.global_data = &b,
	};
	b.client = sw_client_create(&params);
	if (!b.client)
		return 1;
	int ret = 1;
	if (is_dmabuf(b.alloc) && !b.dmabuf) {
		ret = refused(&b, 0, "the compositor offers no zwp_linux_dmabuf_v1");
		goto out_client;
	}

	struct sw_window_params wp = {
		.title = BENCH_PROG, .app_id = "org.sealway.bench",
		.width = b.width, .height = b.height, .format = b.format, .max_buffers = 2,
		.impl = is_dmabuf(b.alloc) ? &dmabuf_impl : &shm_impl, .impl_data = &b,
		.draw = draw, .draw_data = &b, .fullscreen = b.fullscreen,
	};
	b.window = sw_window_create(b.client, &wp);
	if (!b.window)
		goto out_client;
	int run = sw_window_run(b.window, &b.done, &b.failed);
	uint64_t cpu_ns = process_cpu_ns() - b.cpu0_ns;
	uint64_t comp1_ns = b.compositor_pid ? pid_cpu_ns(b.compositor_pid) : 0;
	if (b.compositor_pid && (comp1_ns == 0 || comp1_ns < b.comp0_ns)) {
		fprintf(stderr, BENCH_PROG ": cannot read the CPU time of process %d\n",
			b.compositor_pid);
		run = -1;
	}
	uint64_t comp_ns = comp1_ns - b.comp0_ns;
	uint64_t wall_ns = bench_now_ns() - b.wall0_ns;
	sw_window_print_stats(b.window, stdout);
	const struct sw_present_stats *st = sw_window_stats(b.window);
	uint64_t shown = st->presented ? st->presented : 1;
	if (run == 0 && b.started) {
		printf(BENCH_PROG ": client alloc=%s workload=%s size=%ux%u frames=%llu "
		       "presented=%llu buffers=%llu wall_s=%.3f client_cpu_us_per_frame=%.1f "
		       "compositor_cpu_us_per_frame=%s",
		       alloc_names[b.alloc], workload_names[b.workload], b.width, b.height,
		       (unsigned long long)st->commits, (unsigned long long)st->presented,
		       (unsigned long long)b.buffers_made, (double)wall_ns / 1e9,
		       (double)cpu_ns / 1e3 / (double)shown, b.compositor_pid ? "" : "-\n");
		if (b.compositor_pid)
			printf("%.1f\n", (double)comp_ns / 1e3 / (double)shown);
		ret = 0;
	}
	sw_window_destroy(b.window);
out_client:
	if (b.dmabuf)
		zwp_linux_dmabuf_v1_destroy(b.dmabuf);
	sw_client_destroy(b.client);
	return ret;
}
