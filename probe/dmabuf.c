/*
 * A hostile (and a curious) zwp_linux_dmabuf_v1 client. It runs one scenario,
 * named on the command line, against $WAYLAND_DISPLAY, then roundtrips and
 * prints what became of its connection as the last line on stdout:
 *
 *   ok | protocol-error interface=NAME code=N | disconnected | no-answer
 *
 * Lines before it report events ("event=created", "event=failed") and, for
 * the feedback scenarios, facts about the format table ("entries=N ...") and
 * any broken expectation ("check-failed: ..."). No dma-buf is needed: the
 * parameter errors need only fds and numbers, so memfds stand in.
 *
 * The "cursor" scenario is not hostile: it shows a window and, over it, a
 * cursor surface, both on udmabuf dma-bufs, and keeps running until SIGTERM;
 * SIGUSR1 destroys the cursor surface while it is set.
 *
 * Exit status: 0 the scenario ran, 1 a check failed, 2 it could not be set up.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <wayland-client.h>

#include "linux-dmabuf-unstable-v1-client-protocol.h"
#include "pixels.h"
#include "probe-util.h"
#include "scenarios.h"
#include "xdg-shell-client-protocol.h"

enum scenario_result {
	SCENARIO_RAN = 0,
	SCENARIO_CHECK_FAILED = 1,
	SCENARIO_SETUP_FAILED = 2,
};

struct probe {
	struct probe_globals g;
	struct zwp_linux_dmabuf_v1 *dmabuf;
	uint32_t dmabuf_version;
	uint32_t bind_version;   /* what to bind: 4, or 3 for the old-client scenarios */
	bool checks_failed;

	/* zwp_linux_dmabuf_v1.format/modifier events (version 3) */
	unsigned format_events, modifier_events, nonlinear_modifiers;
	bool saw_xrgb, saw_nv12, saw_xrgb_linear, saw_nv12_linear;
	uint32_t linear[64];	/* the formats offered with DRM_FORMAT_MOD_LINEAR */
	unsigned linear_count;

	/* for pixel truth */
	struct zwlr_screencopy_manager_v1 *screencopy;
	struct wl_output *output;
};

typedef enum scenario_result (*scenario_fn)(struct probe *p);

static void
check(struct probe *p, bool cond, const char *fmt, ...)
{
	if (cond)
		return;
	va_list ap;
	va_start(ap, fmt);
	printf("check-failed: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	p->checks_failed = true;
}

/* ---- globals ---- */

static void
dmabuf_format(void *data, struct zwp_linux_dmabuf_v1 *dmabuf, uint32_t format)
{
	struct probe *p = data;
	p->format_events++;
	p->saw_xrgb |= format == DRM_FORMAT_XRGB8888;
	p->saw_nv12 |= format == DRM_FORMAT_NV12;
}

static void
dmabuf_modifier(void *data, struct zwp_linux_dmabuf_v1 *dmabuf, uint32_t format,
		uint32_t hi, uint32_t lo)
{
	struct probe *p = data;
	uint64_t mod = ((uint64_t)hi << 32) | lo;
	p->modifier_events++;
	if (mod != DRM_FORMAT_MOD_LINEAR)
		p->nonlinear_modifiers++;
	p->saw_xrgb_linear |= format == DRM_FORMAT_XRGB8888 && mod == DRM_FORMAT_MOD_LINEAR;
	p->saw_nv12_linear |= format == DRM_FORMAT_NV12 && mod == DRM_FORMAT_MOD_LINEAR;
	bool known = false;
	for (unsigned i = 0; i < p->linear_count; i++)
		known |= p->linear[i] == format;
	if (mod == DRM_FORMAT_MOD_LINEAR && !known &&
	    p->linear_count < sizeof(p->linear) / sizeof(p->linear[0]))
		p->linear[p->linear_count++] = format;
}

static const struct zwp_linux_dmabuf_v1_listener dmabuf_listener = {
	.format = dmabuf_format,
	.modifier = dmabuf_modifier,
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct probe *p = data;
	if (strcmp(interface, zwlr_screencopy_manager_v1_interface.name) == 0 && !p->screencopy)
		p->screencopy = wl_registry_bind(registry, name,
						 &zwlr_screencopy_manager_v1_interface,
						 version < 3 ? version : 3);
	else if (strcmp(interface, wl_output_interface.name) == 0 && !p->output)
		p->output = wl_registry_bind(registry, name, &wl_output_interface, 1);
	if (strcmp(interface, zwp_linux_dmabuf_v1_interface.name) != 0 || p->dmabuf)
		return;
	p->dmabuf_version = version;
	uint32_t v = version < p->bind_version ? version : p->bind_version;
	p->dmabuf = wl_registry_bind(registry, name, &zwp_linux_dmabuf_v1_interface, v);
	zwp_linux_dmabuf_v1_add_listener(p->dmabuf, &dmabuf_listener, p);
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

/* ---- helpers ---- */

static struct zwp_linux_buffer_params_v1 *
params_new(struct probe *p)
{
	return zwp_linux_dmabuf_v1_create_params(p->dmabuf);
}

/* add() a fresh memfd of `size` bytes as plane `idx`; false if it could not be made. */
static bool
add_memfd(struct zwp_linux_buffer_params_v1 *params, size_t size, uint32_t idx,
	  uint32_t offset, uint32_t stride, uint64_t modifier)
{
	int fd = probe_memfd(size, true);
	if (fd < 0)
		return false;
	zwp_linux_buffer_params_v1_add(params, fd, idx, offset, stride,
				       (uint32_t)(modifier >> 32), (uint32_t)modifier);
	/* The request holds a dup until it is flushed; ours can go now. */
	close(fd);
	return true;
}

/* New params with a fresh memfd as plane `idx`; NULL if the memfd could not be made. */
static struct zwp_linux_buffer_params_v1 *
params_with_memfd(struct probe *p, size_t size, uint32_t idx, uint32_t offset, uint32_t stride,
		  uint64_t modifier)
{
	struct zwp_linux_buffer_params_v1 *params = params_new(p);
	return add_memfd(params, size, idx, offset, stride, modifier) ? params : NULL;
}

/* New params with fresh LINEAR memfds as plane 0 (at 0) and plane `idx1` (at `offset1`). */
static struct zwp_linux_buffer_params_v1 *
params_with_two_memfds(struct probe *p, size_t size, uint32_t stride, uint32_t idx1,
		       uint32_t offset1)
{
	struct zwp_linux_buffer_params_v1 *params =
		params_with_memfd(p, size, 0, 0, stride, DRM_FORMAT_MOD_LINEAR);
	if (!params || !add_memfd(params, size, idx1, offset1, stride, DRM_FORMAT_MOD_LINEAR))
		return NULL;
	return params;
}

/* create() with nobody listening, for errors that end the connection; NULL: setup failed. */
static enum scenario_result
create_unheard(struct zwp_linux_buffer_params_v1 *params, int32_t w, int32_t h, uint32_t format)
{
	if (!params)
		return SCENARIO_SETUP_FAILED;
	zwp_linux_buffer_params_v1_create(params, w, h, format, 0);
	return SCENARIO_RAN;
}

/* Plane 0 of a 64x64 XRGB8888 buffer on a 16 KiB memfd: sound in every way but the fd. */
static struct zwp_linux_buffer_params_v1 *
sound_params(struct probe *p)
{
	return params_with_memfd(p, 16384, 0, 0, 256, DRM_FORMAT_MOD_LINEAR);
}

struct create_result {
	bool created, failed;
};

static void
params_created(void *data, struct zwp_linux_buffer_params_v1 *params,
	       struct wl_buffer *buffer)
{
	struct create_result *r = data;
	r->created = true;
	printf("event=created\n");
}

static void
params_failed(void *data, struct zwp_linux_buffer_params_v1 *params)
{
	struct create_result *r = data;
	r->failed = true;
	printf("event=failed\n");
}

static const struct zwp_linux_buffer_params_v1_listener params_listener = {
	.created = params_created,
	.failed = params_failed,
};

/* create() and wait for its answer (printed). */
static void
create_and_wait(struct probe *p, struct zwp_linux_buffer_params_v1 *params,
		struct create_result *r, int32_t w, int32_t h, uint32_t format)
{
	zwp_linux_buffer_params_v1_add_listener(params, &params_listener, r);
	zwp_linux_buffer_params_v1_create(params, w, h, format, 0);
	probe_roundtrip_timeout(p->g.display, 5000);
}

/* sound_params, created and answered (printed); NULL if the memfd could not be made. */
static struct zwp_linux_buffer_params_v1 *
sound_params_answered(struct probe *p, struct create_result *r)
{
	struct zwp_linux_buffer_params_v1 *params = sound_params(p);
	if (params)
		create_and_wait(p, params, r, 64, 64, DRM_FORMAT_XRGB8888);
	return params;
}

/* A 64x64 XRGB8888 buffer on a 16 KiB memfd: sound in every way but the fd. */
static enum scenario_result
one_plane(struct probe *p, int32_t w, int32_t h, uint32_t format, size_t size,
	  uint32_t offset, uint32_t stride, bool immed)
{
	struct zwp_linux_buffer_params_v1 *params =
		params_with_memfd(p, size, 0, offset, stride, DRM_FORMAT_MOD_LINEAR);
	if (!params)
		return SCENARIO_SETUP_FAILED;
	if (immed) {
		zwp_linux_buffer_params_v1_create_immed(params, w, h, format, 0);
	} else {
		static struct create_result r;
		zwp_linux_buffer_params_v1_add_listener(params, &params_listener, &r);
		zwp_linux_buffer_params_v1_create(params, w, h, format, 0);
	}
	return SCENARIO_RAN;
}

/* ---- dma-bufs with pixels in them ---- */

/*
 * A memfd named sealway-udmabuf (the name the tests' udmabuf stand-in lets
 * pass) of `size` bytes, made with `flags`, holding what `fill` wrote; -1
 * (said on stderr) when it cannot be made.
 */
static int
filled_memfd(size_t size, unsigned int flags, void (*fill)(uint8_t *px, void *data), void *data)
{
	int fd = memfd_create("sealway-udmabuf", flags);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		fprintf(stderr, "dmabuf-probe: memfd: %s\n", strerror(errno));
		goto err_fd;
	}
	uint8_t *px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED) {
		fprintf(stderr, "dmabuf-probe: mmap: %s\n", strerror(errno));
		goto err_fd;
	}
	fill(px, data);
	munmap(px, size);
	return fd;

err_fd:
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * A dma-buf of `size` bytes from /dev/udmabuf (over a sealed memfd) or from
 * /dev/dma_heap/system, holding what `fill` wrote; -1 (said on stderr) when
 * none can be made.
 */
static int
real_dmabuf(bool heap, size_t size, void (*fill)(uint8_t *px, void *data), void *data)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t ps = page > 0 ? (size_t)page : 4096;
	size = (size + ps - 1) / ps * ps;
	int fd = -1;
	if (heap) {
		int dev = open("/dev/dma_heap/system", O_RDWR | O_CLOEXEC);
		if (dev < 0) {
			fprintf(stderr, "dmabuf-probe: /dev/dma_heap/system: %s\n",
				strerror(errno));
			return -1;
		}
		struct dma_heap_allocation_data alloc = {
			.len = size, .fd_flags = O_RDWR | O_CLOEXEC,
		};
		int r = ioctl(dev, DMA_HEAP_IOCTL_ALLOC, &alloc);
		close(dev);
		if (r < 0) {
			fprintf(stderr, "dmabuf-probe: DMA_HEAP_IOCTL_ALLOC: %s\n",
				strerror(errno));
			return -1;
		}
		fd = (int)alloc.fd;
		uint8_t *px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (px == MAP_FAILED) {
			fprintf(stderr, "dmabuf-probe: mmap of the heap buffer: %s\n",
				strerror(errno));
			close(fd);
			return -1;
		}
		struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE };
		ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
		fill(px, data);
		sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE;
		ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
		munmap(px, size);
		return fd;
	}
	int memfd = filled_memfd(size, MFD_CLOEXEC | MFD_ALLOW_SEALING, fill, data);
	if (memfd < 0)
		return -1;
	/* udmabuf wants the memfd unable to shrink under the dma-buf. */
	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		fprintf(stderr, "dmabuf-probe: F_ADD_SEALS: %s\n", strerror(errno));
		goto out_memfd;
	}
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, "dmabuf-probe: /dev/udmabuf: %s\n", strerror(errno));
		goto out_memfd;
	}
	struct udmabuf_create create = {
		.memfd = (uint32_t)memfd, .flags = UDMABUF_FLAGS_CLOEXEC, .size = size,
	};
	fd = ioctl(dev, UDMABUF_CREATE, &create);
	close(dev);
	if (fd < 0)
		fprintf(stderr, "dmabuf-probe: UDMABUF_CREATE: %s\n", strerror(errno));
out_memfd:
	close(memfd);
	return fd;
}

/*
 * A w x h `format` buffer (create_immed) on `fd` from offset 0, LINEAR rows
 * of `stride` bytes; NV12's chroma plane follows its luma at the same
 * stride. The fd stays the caller's.
 */
static struct wl_buffer *
linear_buffer(struct probe *p, int fd, int32_t w, int32_t h, uint32_t format, uint32_t stride)
{
	struct zwp_linux_buffer_params_v1 *params = params_new(p);
	zwp_linux_buffer_params_v1_add(params, fd, 0, 0, stride, 0, 0);
	if (format == DRM_FORMAT_NV12)
		zwp_linux_buffer_params_v1_add(params, fd, 1, stride * (uint32_t)h, stride, 0, 0);
	struct wl_buffer *buffer = zwp_linux_buffer_params_v1_create_immed(params, w, h, format,
									   0);
	zwp_linux_buffer_params_v1_destroy(params);
	return buffer;
}

/*
 * A w x h dma-buf of 4-byte `format` pixels all `colour`, from /dev/udmabuf
 * or (with `heap`) /dev/dma_heap/system, as a wl_buffer; NULL if none.
 */
static struct wl_buffer *
colour_buffer(struct probe *p, bool heap, int32_t w, int32_t h, uint32_t format,
	      uint32_t colour)
{
	uint32_t stride = (uint32_t)w * 4;
	struct probe_pixel_fill fill = { .count = (size_t)w * (size_t)h, .pixel = colour };
	int fd = real_dmabuf(heap, (size_t)stride * (size_t)h, probe_fill_pixels, &fill);
	if (fd < 0)
		return NULL;
	struct wl_buffer *buffer = linear_buffer(p, fd, w, h, format, stride);
	close(fd);
	return buffer;
}

/* ---- scenarios: protocol errors ---- */

static enum scenario_result
roundtrip_only(struct probe *p)
{
	return SCENARIO_RAN;
}

static enum scenario_result
plane_idx(struct probe *p)
{
	return params_with_memfd(p, 16384, 4, 0, 256, DRM_FORMAT_MOD_LINEAR) ?
		SCENARIO_RAN : SCENARIO_SETUP_FAILED;
}

static enum scenario_result
plane_set(struct probe *p)
{
	return params_with_two_memfds(p, 16384, 256, 0, 0) ? SCENARIO_RAN : SCENARIO_SETUP_FAILED;
}

static enum scenario_result
already_used_add(struct probe *p)
{
	/* A memfd is refused at import: a `failed` event, the params are used up. */
	struct create_result r = { 0 };
	struct zwp_linux_buffer_params_v1 *params = sound_params_answered(p, &r);
	if (!params)
		return SCENARIO_SETUP_FAILED;
	return add_memfd(params, 16384, 1, 0, 256, DRM_FORMAT_MOD_LINEAR) ?
		SCENARIO_RAN : SCENARIO_SETUP_FAILED;
}

static enum scenario_result
already_used_create(struct probe *p)
{
	struct create_result r = { 0 };
	struct zwp_linux_buffer_params_v1 *params = sound_params_answered(p, &r);
	if (!params)
		return SCENARIO_SETUP_FAILED;
	zwp_linux_buffer_params_v1_create(params, 64, 64, DRM_FORMAT_XRGB8888, 0);
	return SCENARIO_RAN;
}

static enum scenario_result
incomplete_missing(struct probe *p)
{
	/* NV12 needs a chroma plane. */
	return one_plane(p, 64, 64, DRM_FORMAT_NV12, 16384, 0, 64, false);
}

static enum scenario_result
incomplete_extra(struct probe *p)
{
	return create_unheard(params_with_two_memfds(p, 16384, 256, 1, 0), 64, 64,
			      DRM_FORMAT_XRGB8888);
}

static enum scenario_result
incomplete_gap(struct probe *p)
{
	/* Planes 0 and 2 of NV12: 1 is missing and 2 is too many. */
	return create_unheard(params_with_two_memfds(p, 8192, 64, 2, 4096), 64, 64,
			      DRM_FORMAT_NV12);
}

static enum scenario_result
invalid_format(struct probe *p)
{
	return one_plane(p, 64, 64, 0x12345678, 16384, 0, 256, false);
}

static enum scenario_result
invalid_format_unoffered(struct probe *p)
{
	/* A real fourcc that no entry of the table offers. */
	return one_plane(p, 64, 64, DRM_FORMAT_YUYV, 16384, 0, 256, false);
}

static enum scenario_result
invalid_modifier(struct probe *p)
{
	/* Version 4: refused at add already. */
	return params_with_memfd(p, 16384, 0, 0, 256, I915_FORMAT_MOD_X_TILED) ?
		SCENARIO_RAN : SCENARIO_SETUP_FAILED;
}

static enum scenario_result
invalid_modifier_at_create(struct probe *p)
{
	/* Version 3 (bound by main for this scenario): refused at create. */
	return create_unheard(params_with_memfd(p, 16384, 0, 0, 256, I915_FORMAT_MOD_X_TILED), 64,
			      64, DRM_FORMAT_XRGB8888);
}

static enum scenario_result
width_zero(struct probe *p)
{
	return one_plane(p, 0, 64, DRM_FORMAT_XRGB8888, 16384, 0, 256, false);
}

static enum scenario_result
height_negative(struct probe *p)
{
	return one_plane(p, 64, -64, DRM_FORMAT_XRGB8888, 16384, 0, 256, false);
}

static enum scenario_result
stride_below_min(struct probe *p)
{
	/* 64 XRGB8888 pixels are 256 bytes. */
	return one_plane(p, 64, 64, DRM_FORMAT_XRGB8888, 16384, 0, 128, false);
}

static enum scenario_result
out_of_bounds_size(struct probe *p)
{
	return one_plane(p, 64, 64, DRM_FORMAT_XRGB8888, 4096, 0, 256, false);
}

static enum scenario_result
out_of_bounds_offset(struct probe *p)
{
	return one_plane(p, 64, 64, DRM_FORMAT_XRGB8888, 16384, 4096, 256, false);
}

static enum scenario_result
out_of_bounds_overflow(struct probe *p)
{
	/* 32-bit arithmetic would wrap to a small end. */
	return one_plane(p, 1, 65536, DRM_FORMAT_XRGB8888, 16384, 0xfffff000u, 0x10000u,
			 false);
}

static enum scenario_result
out_of_bounds_chroma(struct probe *p)
{
	/* The Y plane fits; the chroma plane starts at the end of the file. */
	struct zwp_linux_buffer_params_v1 *params = params_new(p);
	int fd = probe_memfd(4096, true);
	if (fd < 0)
		return SCENARIO_SETUP_FAILED;
	zwp_linux_buffer_params_v1_add(params, fd, 0, 0, 64, 0, 0);
	zwp_linux_buffer_params_v1_add(params, fd, 1, 4096, 64, 0, 0);
	close(fd);
	zwp_linux_buffer_params_v1_create(params, 64, 64, DRM_FORMAT_NV12, 0);
	return SCENARIO_RAN;
}

/* ---- scenarios: import refusals ---- */

static enum scenario_result
memfd_create_req(struct probe *p)
{
	struct create_result r = { 0 };
	struct zwp_linux_buffer_params_v1 *params = sound_params_answered(p, &r);
	if (!params)
		return SCENARIO_SETUP_FAILED;
	if (!r.failed && !r.created)
		printf("event=none\n");
	zwp_linux_buffer_params_v1_destroy(params);
	return SCENARIO_RAN;
}

static enum scenario_result
memfd_create_immed(struct probe *p)
{
	return one_plane(p, 64, 64, DRM_FORMAT_XRGB8888, 16384, 0, 256, true);
}

static enum scenario_result
pipe_create_req(struct probe *p)
{
	/* A pipe cannot even be sized: only the import can tell it off. */
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		perror("pipe2");
		return SCENARIO_SETUP_FAILED;
	}
	struct create_result r = { 0 };
	struct zwp_linux_buffer_params_v1 *params = params_new(p);
	zwp_linux_buffer_params_v1_add(params, fds[0], 0, 0, 256, 0, 0);
	close(fds[0]);
	create_and_wait(p, params, &r, 64, 64, DRM_FORMAT_XRGB8888);
	close(fds[1]);
	zwp_linux_buffer_params_v1_destroy(params);
	return SCENARIO_RAN;
}

static enum scenario_result
many_params(struct probe *p)
{
	/* fds left in params that are destroyed, refused or never used must all be closed. */
	for (int i = 0; i < 300; i++) {
		struct zwp_linux_buffer_params_v1 *params =
			params_with_memfd(p, 4096, 0, 0, 64, DRM_FORMAT_MOD_LINEAR);
		if (!params)
			return SCENARIO_SETUP_FAILED;
		if (i % 3 == 1)
			zwp_linux_buffer_params_v1_create(params, 16, 16, DRM_FORMAT_XRGB8888, 0);
		if (i % 3 != 2)
			zwp_linux_buffer_params_v1_destroy(params);
		if (i % 50 == 49 && !probe_roundtrip_timeout(p->g.display, 5000))
			break;
	}
	return SCENARIO_RAN;
}

/* ---- scenarios: feedback ---- */

struct feedback {
	int table_fd;
	uint32_t table_size;
	struct wl_array main_device;
	struct wl_array target_device;
	struct wl_array indices;
	unsigned tranches;
	uint32_t flags;
	bool done;
};

static void
fb_done(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb)
{
	struct feedback *f = data;
	f->done = true;
}

static void
fb_format_table(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb, int32_t fd,
		uint32_t size)
{
	struct feedback *f = data;
	if (f->table_fd >= 0)
		close(f->table_fd);
	f->table_fd = fd;
	f->table_size = size;
}

static void
copy_array(struct wl_array *dst, const struct wl_array *src)
{
	wl_array_release(dst);
	wl_array_init(dst);
	wl_array_copy(dst, (struct wl_array *)src);
}

static void
fb_main_device(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb, struct wl_array *dev)
{
	struct feedback *f = data;
	copy_array(&f->main_device, dev);
}

static void
fb_tranche_done(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb)
{
	struct feedback *f = data;
	f->tranches++;
}

static void
fb_tranche_target_device(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb,
			 struct wl_array *dev)
{
	struct feedback *f = data;
	copy_array(&f->target_device, dev);
}

static void
fb_tranche_formats(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb,
		   struct wl_array *indices)
{
	struct feedback *f = data;
	/* Several events may make up one tranche's list. */
	void *slot = wl_array_add(&f->indices, indices->size);
	if (slot)
		memcpy(slot, indices->data, indices->size);
}

static void
fb_tranche_flags(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb, uint32_t flags)
{
	struct feedback *f = data;
	f->flags = flags;
}

static const struct zwp_linux_dmabuf_feedback_v1_listener feedback_listener = {
	.done = fb_done,
	.format_table = fb_format_table,
	.main_device = fb_main_device,
	.tranche_done = fb_tranche_done,
	.tranche_target_device = fb_tranche_target_device,
	.tranche_formats = fb_tranche_formats,
	.tranche_flags = fb_tranche_flags,
};

static void
feedback_init(struct feedback *f)
{
	memset(f, 0, sizeof(*f));
	f->table_fd = -1;
	wl_array_init(&f->main_device);
	wl_array_init(&f->target_device);
	wl_array_init(&f->indices);
}

static void
feedback_fini(struct feedback *f)
{
	if (f->table_fd >= 0)
		close(f->table_fd);
	wl_array_release(&f->main_device);
	wl_array_release(&f->target_device);
	wl_array_release(&f->indices);
}

struct table_entry {
	uint32_t format;
	uint32_t pad;
	uint64_t modifier;
};

/* Everything the protocol and our own rules say about a received feedback. */
static void
check_feedback(struct probe *p, struct feedback *f, const char *which)
{
	check(p, f->done, "%s: feedback done received", which);
	check(p, f->table_fd >= 0, "%s: format table received", which);
	if (f->table_fd < 0)
		return;

	int fl = fcntl(f->table_fd, F_GETFL);
	check(p, fl >= 0 && (fl & O_ACCMODE) == O_RDONLY, "%s: table fd is O_RDONLY (flags 0x%x)",
	      which, fl);

	void *w = mmap(NULL, f->table_size, PROT_READ | PROT_WRITE, MAP_SHARED, f->table_fd, 0);
	check(p, w == MAP_FAILED, "%s: mmap PROT_WRITE MAP_SHARED of the table fails", which);
	if (w != MAP_FAILED)
		munmap(w, f->table_size);

	int seals = fcntl(f->table_fd, F_GET_SEALS);
	int want = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
	check(p, seals >= 0 && (seals & want) == want,
	      "%s: table sealed SHRINK|GROW|WRITE|SEAL (seals 0x%x)", which, seals);

	struct stat st;
	check(p, fstat(f->table_fd, &st) == 0, "%s: fstat of the table", which);
	check(p, (uint64_t)st.st_size == f->table_size,
	      "%s: file size %lld equals the announced %u", which, (long long)st.st_size,
	      f->table_size);
	check(p, f->table_size > 0 && f->table_size % 16 == 0,
	      "%s: table size %u is a positive multiple of 16", which, f->table_size);

	size_t entries = f->table_size / 16;
	const struct table_entry *table = mmap(NULL, f->table_size, PROT_READ, MAP_PRIVATE,
					       f->table_fd, 0);
	check(p, table != MAP_FAILED, "%s: read-only private mmap works", which);
	if (table == MAP_FAILED)
		return;
	bool xrgb = false, argb = false, nv12 = false;
	for (size_t i = 0; i < entries; i++) {
		check(p, table[i].modifier == DRM_FORMAT_MOD_LINEAR,
		      "%s: entry %zu has modifier LINEAR", which, i);
		xrgb |= table[i].format == DRM_FORMAT_XRGB8888;
		argb |= table[i].format == DRM_FORMAT_ARGB8888;
		nv12 |= table[i].format == DRM_FORMAT_NV12;
	}
	check(p, xrgb && argb && nv12, "%s: XRGB8888, ARGB8888 and NV12 are offered", which);

	size_t n_idx = f->indices.size / sizeof(uint16_t);
	const uint16_t *idx = f->indices.data;
	check(p, n_idx == entries, "%s: the tranche lists all %zu entries (%zu)", which,
	      entries, n_idx);
	for (size_t i = 0; i < n_idx; i++)
		check(p, idx[i] < entries, "%s: index %u < %zu", which, idx[i], entries);
	check(p, f->tranches == 1, "%s: one tranche (%u)", which, f->tranches);
	check(p, f->flags == 0, "%s: tranche flags 0", which);
	check(p, f->main_device.size == sizeof(dev_t), "%s: main_device is a dev_t", which);
	check(p, f->target_device.size == sizeof(dev_t) &&
	      memcmp(f->target_device.data, f->main_device.data, sizeof(dev_t)) == 0,
	      "%s: target_device equals main_device", which);

	dev_t dev = 0;
	if (f->main_device.size == sizeof(dev_t))
		memcpy(&dev, f->main_device.data, sizeof(dev));
	char seals_str[8] = "";
	snprintf(seals_str, sizeof(seals_str), "0x%x", seals);
	printf("%s: entries=%zu size=%u seals=%s accmode=%s main_device=%llu\n", which, entries,
	       f->table_size, seals_str, (fl & O_ACCMODE) == O_RDONLY ? "ro" : "rw",
	       (unsigned long long)dev);
	munmap((void *)table, f->table_size);
}

static enum scenario_result
feedback(struct probe *p)
{
	if (p->dmabuf_version < 4) {
		printf("check-failed: zwp_linux_dmabuf_v1 is version %u, 4 needed\n",
		       p->dmabuf_version);
		return SCENARIO_CHECK_FAILED;
	}
	struct probe_window win = { 0 };
	if (!p->g.compositor || !probe_window_map(&p->g, &win, "dmabuf-probe"))
		return SCENARIO_SETUP_FAILED;

	struct feedback def, surf;
	feedback_init(&def);
	feedback_init(&surf);
	struct zwp_linux_dmabuf_feedback_v1 *fd_def =
		zwp_linux_dmabuf_v1_get_default_feedback(p->dmabuf);
	zwp_linux_dmabuf_feedback_v1_add_listener(fd_def, &feedback_listener, &def);
	struct zwp_linux_dmabuf_feedback_v1 *fd_surf =
		zwp_linux_dmabuf_v1_get_surface_feedback(p->dmabuf, win.surface);
	zwp_linux_dmabuf_feedback_v1_add_listener(fd_surf, &feedback_listener, &surf);
	probe_roundtrip_timeout(p->g.display, 5000);

	check_feedback(p, &def, "default");
	check_feedback(p, &surf, "surface");

	/* One table for everyone: both fds open the same sealed file. */
	struct stat a, b;
	if (def.table_fd >= 0 && surf.table_fd >= 0 && fstat(def.table_fd, &a) == 0 &&
	    fstat(surf.table_fd, &b) == 0)
		check(p, a.st_ino == b.st_ino && a.st_dev == b.st_dev,
		      "both feedbacks share one table file");

	zwp_linux_dmabuf_feedback_v1_destroy(fd_def);
	zwp_linux_dmabuf_feedback_v1_destroy(fd_surf);
	feedback_fini(&def);
	feedback_fini(&surf);
	probe_window_destroy(&win);
	return p->checks_failed ? SCENARIO_CHECK_FAILED : SCENARIO_RAN;
}

static enum scenario_result
formats_v3(struct probe *p)
{
	/* Bound at version 3 by main: the formats come as events at bind time. */
	printf("formats=%u modifiers=%u nonlinear=%u\n", p->format_events, p->modifier_events,
	       p->nonlinear_modifiers);
	check(p, p->format_events > 0 && p->format_events == p->modifier_events,
	      "one format and one modifier event per pair");
	check(p, p->nonlinear_modifiers == 0, "only LINEAR is offered");
	check(p, p->saw_xrgb && p->saw_nv12 && p->saw_xrgb_linear && p->saw_nv12_linear,
	      "XRGB8888 and NV12 offered with LINEAR");
	return p->checks_failed ? SCENARIO_CHECK_FAILED : SCENARIO_RAN;
}

/* ---- cursor: a dma-buf window with a dma-buf cursor surface over it ---- */

/* Set by signal handlers: what the cursor scenario is asked to do next. */
static volatile sig_atomic_t cursor_stop, cursor_drop;

static void
cursor_on_signal(int sig)
{
	if (sig == SIGUSR1)
		cursor_drop = 1;
	else
		cursor_stop = 1;
}

/* cursor_on_signal for SIGTERM and SIGINT, and SIGUSR1 with `drop`; false if one failed. */
static bool
catch_signals(bool drop)
{
	struct sigaction sa = { .sa_handler = cursor_on_signal };
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGTERM, &sa, NULL) == 0 && sigaction(SIGINT, &sa, NULL) == 0 &&
	       (!drop || sigaction(SIGUSR1, &sa, NULL) == 0);
}

struct cursor_probe {
	struct wl_surface *cursor;
	struct wl_seat *seat;
	struct wl_pointer *pointer;
	unsigned sets;
};

static void
cursor_pointer_enter(void *data, struct wl_pointer *pointer, uint32_t serial,
		     struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y)
{
	struct cursor_probe *c = data;
	if (!c->cursor)
		return;
	wl_pointer_set_cursor(pointer, serial, c->cursor, 0, 0);
	printf("cursor-set %u at %.0f,%.0f\n", ++c->sets, wl_fixed_to_double(x),
	       wl_fixed_to_double(y));
}

static void
cursor_pointer_leave(void *data, struct wl_pointer *pointer, uint32_t serial,
		     struct wl_surface *surface)
{
}

static void
cursor_pointer_motion(void *data, struct wl_pointer *pointer, uint32_t time, wl_fixed_t x,
		      wl_fixed_t y)
{
}

static void
cursor_pointer_button(void *data, struct wl_pointer *pointer, uint32_t serial, uint32_t time,
		      uint32_t button, uint32_t state)
{
}

static void
cursor_pointer_axis(void *data, struct wl_pointer *pointer, uint32_t time, uint32_t axis,
		    wl_fixed_t value)
{
}

/* Version 1: only the events that version has. */
static const struct wl_pointer_listener cursor_pointer_listener = {
	.enter = cursor_pointer_enter,
	.leave = cursor_pointer_leave,
	.motion = cursor_pointer_motion,
	.button = cursor_pointer_button,
	.axis = cursor_pointer_axis,
};

static void
cursor_seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct cursor_probe *c = data;
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !c->pointer) {
		c->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(c->pointer, &cursor_pointer_listener, c);
	}
}

static const struct wl_seat_listener cursor_seat_listener = {
	.capabilities = cursor_seat_capabilities,
};

static void
cursor_registry_global(void *data, struct wl_registry *registry, uint32_t name,
		       const char *interface, uint32_t version)
{
	struct cursor_probe *c = data;
	if (strcmp(interface, wl_seat_interface.name) != 0 || c->seat)
		return;
	c->seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
	wl_seat_add_listener(c->seat, &cursor_seat_listener, c);
}

static const struct wl_registry_listener cursor_registry_listener = {
	.global = cursor_registry_global,
	.global_remove = registry_global_remove,
};

static enum scenario_result
cursor(struct probe *p)
{
	struct cursor_probe c = { 0 };
	struct probe_window win = { 0 };
	enum scenario_result res = SCENARIO_SETUP_FAILED;
	if (!catch_signals(true))
		return SCENARIO_SETUP_FAILED;

	struct wl_registry *registry = wl_display_get_registry(p->g.display);
	wl_registry_add_listener(registry, &cursor_registry_listener, &c);
	probe_roundtrip_timeout(p->g.display, 5000);
	if (!c.seat) {
		fprintf(stderr, "dmabuf-probe: no wl_seat\n");
		goto out_registry;
	}
	/* Window 0x3366cc, cursor opaque magenta, both 200x150 / 16x16 dma-bufs. */
	struct wl_buffer *win_buf = colour_buffer(p, false, 200, 150, DRM_FORMAT_XRGB8888,
						  0xff3366cc);
	struct wl_buffer *cur_buf = colour_buffer(p, false, 16, 16, DRM_FORMAT_ARGB8888,
						  0xffff00ff);
	if (!win_buf || !cur_buf || !probe_window_map(&p->g, &win, "dmabuf-probe cursor"))
		goto out_buffers;
	c.cursor = wl_compositor_create_surface(p->g.compositor);
	wl_surface_attach(c.cursor, cur_buf, 0, 0);
	wl_surface_damage(c.cursor, 0, 0, 16, 16);
	wl_surface_commit(c.cursor);
	wl_surface_attach(win.surface, win_buf, 0, 0);
	wl_surface_damage(win.surface, 0, 0, 200, 150);
	wl_surface_commit(win.surface);
	probe_roundtrip_timeout(p->g.display, 5000);
	printf("mapped\n");

	res = SCENARIO_RAN;
	while (!cursor_stop && wl_display_get_error(p->g.display) == 0) {
		if (cursor_drop && c.cursor) {
			/* Destroyed while it is the cursor: the compositor must drop it. */
			wl_surface_destroy(c.cursor);
			c.cursor = NULL;
			probe_roundtrip_timeout(p->g.display, 5000);
			printf("cursor-destroyed\n");
		}
		if (probe_dispatch_timeout(p->g.display, 100) < 0)
			break;
	}
	if (c.cursor)
		wl_surface_destroy(c.cursor);
	if (c.pointer)
		wl_pointer_destroy(c.pointer);
	probe_window_destroy(&win);
out_buffers:
	if (win_buf)
		wl_buffer_destroy(win_buf);
	if (cur_buf)
		wl_buffer_destroy(cur_buf);
	wl_seat_destroy(c.seat);
out_registry:
	wl_registry_destroy(registry);
	return res;
}

/*
 * truncated-dmabuf: a window on a memfd posing as a dma-buf (the udmabuf
 * stand-in lets memfds named sealway-udmabuf pass), truncated once shown;
 * the next repaint reads pages that are gone.
 */
static enum scenario_result
truncated_dmabuf(struct probe *p)
{
	const int32_t w = 64, h = 64;
	const size_t size = (size_t)w * 4 * (size_t)h;
	enum scenario_result res = SCENARIO_SETUP_FAILED;
	struct probe_pixel_fill fill = { .count = (size_t)w * (size_t)h, .pixel = 0xff3366cc };
	int fd = filled_memfd(size, MFD_CLOEXEC, probe_fill_pixels, &fill);
	if (fd < 0)
		return SCENARIO_SETUP_FAILED;
	struct wl_buffer *buffer = linear_buffer(p, fd, w, h, DRM_FORMAT_XRGB8888,
						 (uint32_t)w * 4);

	struct probe_window win;
	if (!probe_window_map(&p->g, &win, "dmabuf-probe truncated"))
		goto out_buffer;
	if (!probe_show_and_wait(p->g.display, win.surface, buffer, w, h, 5000))
		goto out_window;
	printf("shown buffer=%u\n", wl_proxy_get_id((struct wl_proxy *)buffer));
	/* The pages go away under the compositor's mapping. */
	if (ftruncate(fd, 0) < 0)
		goto out_window;
	/* Shown again: the error may come instead of the frame. */
	probe_show_and_wait(p->g.display, win.surface, buffer, w, h, 5000);
	res = SCENARIO_RAN;
out_window:
	probe_window_destroy(&win);
out_buffer:
	wl_buffer_destroy(buffer);
	close(fd);
	return res;
}

/*
 * fence-flood: one udmabuf buffer committed 50 times in a row, each commit
 * with a frame callback, while its fence (the test's stand-in) has not
 * signalled; then kept until SIGTERM, printing "frame-done N" as callbacks
 * come.
 */
static void
flood_frame_done(void *data, struct wl_callback *callback, uint32_t msec)
{
	unsigned *done = data;
	printf("frame-done %u\n", ++*done);
	wl_callback_destroy(callback);
}

static const struct wl_callback_listener flood_frame_listener = { .done = flood_frame_done };

static enum scenario_result
fence_flood(struct probe *p)
{
	struct probe_window win;
	if (!catch_signals(false))
		return SCENARIO_SETUP_FAILED;
	struct wl_buffer *buf = colour_buffer(p, false, 64, 64, DRM_FORMAT_XRGB8888, 0xff3366cc);
	if (!buf)
		return SCENARIO_SETUP_FAILED;
	if (!probe_window_map(&p->g, &win, "dmabuf-probe fence-flood")) {
		wl_buffer_destroy(buf);
		return SCENARIO_SETUP_FAILED;
	}
	unsigned done = 0;
	for (int i = 0; i < 50; i++) {
		struct wl_callback *cb = wl_surface_frame(win.surface);
		wl_callback_add_listener(cb, &flood_frame_listener, &done);
		wl_surface_attach(win.surface, buf, 0, 0);
		wl_surface_damage_buffer(win.surface, 0, 0, 64, 64);
		wl_surface_commit(win.surface);
	}
	probe_roundtrip_timeout(p->g.display, 5000);
	printf("committed 50\n");
	while (!cursor_stop && wl_display_get_error(p->g.display) == 0)
		if (probe_dispatch_timeout(p->g.display, 100) < 0)
			break;
	probe_window_destroy(&win);
	wl_buffer_destroy(buf);
	return SCENARIO_RAN;
}

/* ---- real dma-bufs: shown, then released after the flip away ---- */

static void
shown_released(void *data, struct wl_buffer *buffer)
{
	*(bool *)data = true;
}

static const struct wl_buffer_listener shown_release_listener = { .release = shown_released };

static bool
show_frame(struct probe *p, struct probe_window *w, struct wl_buffer *buffer)
{
	return probe_show_and_wait(p->g.display, w->surface, buffer, INT32_MAX, INT32_MAX, 3000);
}

/*
 * Two real dma-bufs (udmabuf or heap) in one window: the first shown, then
 * the second; the first must be released once the compositor has flipped
 * away from it ("released" or check-failed).
 */
static enum scenario_result
shown_then_released(struct probe *p, bool heap)
{
	struct wl_buffer *first = colour_buffer(p, heap, 200, 150, DRM_FORMAT_XRGB8888,
						0xff3366cc);
	if (!first)
		return SCENARIO_SETUP_FAILED;
	struct wl_buffer *second = colour_buffer(p, heap, 200, 150, DRM_FORMAT_XRGB8888,
						 0xffcc6633);
	if (!second) {
		wl_buffer_destroy(first);
		return SCENARIO_SETUP_FAILED;
	}
	struct probe_window w;
	if (!probe_window_map(&p->g, &w, "dmabuf-probe shown")) {
		wl_buffer_destroy(first);
		wl_buffer_destroy(second);
		return SCENARIO_SETUP_FAILED;
	}
	bool released = false;
	wl_buffer_add_listener(first, &shown_release_listener, &released);
	check(p, show_frame(p, &w, first), "the first dma-buf's frame callback comes");
	check(p, show_frame(p, &w, second), "the second dma-buf's frame callback comes");
	/* One more frame: by then the flip away from the first is done. */
	show_frame(p, &w, second);
	check(p, released, "the first dma-buf is released after the flip away");
	if (released)
		printf("released\n");
	probe_window_destroy(&w);
	wl_buffer_destroy(first);
	wl_buffer_destroy(second);
	return p->checks_failed ? SCENARIO_CHECK_FAILED : SCENARIO_RAN;
}

static enum scenario_result
udmabuf_released(struct probe *p)
{
	return shown_then_released(p, false);
}

static enum scenario_result
heap_released(struct probe *p)
{
	return shown_then_released(p, true);
}

/* ---- pixel truth on real dma-bufs ---- */

static void
fill_rgb(uint8_t *px, void *data)
{
	const struct probe_rgb_format *f = data;
	probe_picture_rgb(f, px, (uint32_t)(PROBE_PICTURE * f->bpp));
}

static void
fill_nv12(uint8_t *px, void *data)
{
	probe_picture_nv12(px, PROBE_PICTURE, px + PROBE_PICTURE * PROBE_PICTURE, PROBE_PICTURE);
}

/* The picture in `format` on a real dma-buf, as a wl_buffer; NULL when it cannot be made. */
static struct wl_buffer *
picture_buffer(struct probe *p, bool heap, uint32_t format)
{
	const struct probe_rgb_format *rgb = probe_rgb_format_from_drm(format);
	const uint32_t n = PROBE_PICTURE;
	int fd = rgb ? real_dmabuf(heap, (size_t)n * n * (size_t)rgb->bpp, fill_rgb, (void *)rgb)
		     : real_dmabuf(heap, (size_t)n * n * 3 / 2, fill_nv12, NULL);
	if (fd < 0)
		return NULL;
	struct wl_buffer *buffer = linear_buffer(p, fd, (int32_t)n, (int32_t)n, format,
						 rgb ? n * (uint32_t)rgb->bpp : n);
	close(fd);
	return buffer;
}

/*
 * For every format offered with the LINEAR modifier that the probe can
 * write (the RGB formats of pixels.h, and NV12): the picture on a real
 * dma-buf, shown and captured. RGB must come out exactly: 32x64 red and
 * 32x64 green pixels. NV12 is written as BT.601 limited range (what NV12
 * means without a colour-representation protocol) and must come out within
 * YUV_TOLERANCE of its two colours in every channel, the two columns either
 * side of the edge aside (where a compositor may blend the chroma).
 */
#define YUV_TOLERANCE 2

static enum scenario_result
pixels_real(struct probe *p, bool heap)
{
	if (!p->screencopy || !p->output || !p->g.shm) {
		fprintf(stderr, "dmabuf-probe: no zwlr_screencopy_manager_v1 or wl_output\n");
		return SCENARIO_SETUP_FAILED;
	}
	struct probe_window w;
	if (!probe_window_map(&p->g, &w, "dmabuf-probe pixels"))
		return SCENARIO_SETUP_FAILED;
	char unjudged[512] = "";
	unsigned judged = 0;
	for (unsigned i = 0; i < p->linear_count; i++) {
		uint32_t format = p->linear[i];
		const struct probe_rgb_format *rgb = probe_rgb_format_from_drm(format);
		if (!rgb && format != DRM_FORMAT_NV12) {
			size_t len = strlen(unjudged);
			snprintf(unjudged + len, sizeof(unjudged) - len, " 0x%08x", format);
			continue;
		}
		const char *name = rgb ? rgb->name : "NV12";
		struct wl_buffer *buffer = picture_buffer(p, heap, format);
		if (!buffer) {
			probe_window_destroy(&w);
			return SCENARIO_SETUP_FAILED;
		}
		unsigned left = 0, right = 0;
		int tolerance = rgb ? 0 : YUV_TOLERANCE;
		unsigned want = rgb ? 32 * 64 : 30 * 64;
		if (!show_frame(p, &w, buffer) ||
		    !probe_count_colours(p->g.display, p->g.shm, p->screencopy, p->output,
					 rgb ? PROBE_RED : PROBE_YUV_LEFT,
					 rgb ? PROBE_GREEN : PROBE_YUV_RIGHT, tolerance, &left,
					 &right)) {
			check(p, false, "%s: shown and captured", name);
		} else if (left >= want && right >= want) {
			printf("%s: shown %s\n", name, rgb ? "exactly" : "within 2 a channel");
		} else {
			check(p, false, "%s: the picture is not on the output (%u and %u pixels "
			      "within %d a channel of %06x and %06x; %u each needed)", name, left,
			      right, tolerance, rgb ? PROBE_RED : PROBE_YUV_LEFT,
			      rgb ? PROBE_GREEN : PROBE_YUV_RIGHT, want);
		}
		judged++;
		wl_buffer_destroy(buffer);
		if (wl_display_get_error(p->g.display))
			break;
	}
	check(p, judged > 0, "a format the probe can write is offered with LINEAR");
	if (unjudged[0])
		printf("formats not judged:%s\n", unjudged);
	probe_window_destroy(&w);
	return p->checks_failed ? SCENARIO_CHECK_FAILED : SCENARIO_RAN;
}

static enum scenario_result
pixels_udmabuf(struct probe *p)
{
	return pixels_real(p, false);
}

static enum scenario_result
pixels_heap(struct probe *p)
{
	return pixels_real(p, true);
}

static const struct {
	const char *name;
	scenario_fn run;
	uint32_t version;
	const char *what;
} scenarios[] = {
	{ "roundtrip", roundtrip_only, 4, "bind zwp_linux_dmabuf_v1 and roundtrip" },
	{ "plane-idx", plane_idx, 4, "add plane index 4" },
	{ "plane-set", plane_set, 4, "add plane 0 twice" },
	{ "already-used-add", already_used_add, 4, "add after create" },
	{ "already-used-create", already_used_create, 4, "create twice" },
	{ "incomplete-missing", incomplete_missing, 4, "NV12 with only plane 0" },
	{ "incomplete-extra", incomplete_extra, 4, "XRGB8888 with planes 0 and 1" },
	{ "incomplete-gap", incomplete_gap, 4, "NV12 with planes 0 and 2" },
	{ "invalid-format", invalid_format, 4, "format 0x12345678" },
	{ "invalid-format-unoffered", invalid_format_unoffered, 4, "YUYV, a fourcc not offered" },
	{ "invalid-modifier", invalid_modifier, 4, "add with I915 X-tiled (v4)" },
	{ "invalid-modifier-v3", invalid_modifier_at_create, 3,
	  "X-tiled XRGB8888 created on a version 3 binding" },
	{ "width-zero", width_zero, 4, "create 0x64" },
	{ "height-negative", height_negative, 4, "create 64x-64" },
	{ "stride-below-min", stride_below_min, 4, "64-pixel XRGB8888 with stride 128" },
	{ "out-of-bounds-size", out_of_bounds_size, 4, "64x64 XRGB8888 in 4096 bytes" },
	{ "out-of-bounds-offset", out_of_bounds_offset, 4, "offset 4096 + 256*64 > 16384" },
	{ "out-of-bounds-overflow", out_of_bounds_overflow, 4,
	  "offset 0xfffff000 + 0x10000*65536, wraps in 32 bits" },
	{ "out-of-bounds-chroma", out_of_bounds_chroma, 4, "NV12 chroma at the end of the file" },
	{ "memfd-create", memfd_create_req, 4, "a sound XRGB8888 buffer on a memfd, create" },
	{ "memfd-create-immed", memfd_create_immed, 4,
	  "a sound XRGB8888 buffer on a memfd, create_immed" },
	{ "pipe-create", pipe_create_req, 4, "a pipe as plane 0, create" },
	{ "many-params", many_params, 4, "300 params with memfds, destroyed, refused or kept" },
	{ "feedback", feedback, 4, "default and surface feedback: the format table" },
	{ "formats-v3", formats_v3, 3, "bind version 3: format and modifier events" },
	{ "cursor", cursor, 4, "udmabuf window and cursor surface until SIGTERM (SIGUSR1: "
	  "destroy the cursor)" },
	{ "truncated-dmabuf", truncated_dmabuf, 4, "a memfd posing as a dma-buf (stand-in), "
	  "truncated once shown, then shown again" },
	{ "udmabuf-released", udmabuf_released, 4,
	  "two /dev/udmabuf buffers shown in turn: the first released after the flip away" },
	{ "heap-released", heap_released, 4,
	  "two /dev/dma_heap/system buffers shown in turn: the first released after the flip "
	  "away" },
	{ "pixels-udmabuf", pixels_udmabuf, 3, "every LINEAR format the probe can write, on "
	  "/dev/udmabuf, shown and captured" },
	{ "pixels-heap", pixels_heap, 3, "every LINEAR format the probe can write, on "
	  "/dev/dma_heap/system, shown and captured" },
	{ "fence-flood", fence_flood, 4, "one udmabuf buffer committed 50 times behind its "
	  "fence, kept until SIGTERM" },
};

int
dmabuf_probe_main(int argc, char *argv[])
{
	int which = PROBE_PICK_SCENARIO(argc, argv, "dmabuf-probe", scenarios);
	if (which < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct probe p = { .bind_version = scenarios[which].version };
	if (!probe_connect(&p.g))
		return 2;
	struct wl_registry *registry = wl_display_get_registry(p.g.display);
	wl_registry_add_listener(registry, &registry_listener, &p);
	int status = 2;
	/* Globals, then the events sent at bind time. */
	if (!probe_roundtrip_timeout(p.g.display, 5000) ||
	    !probe_roundtrip_timeout(p.g.display, 5000)) {
		probe_report(p.g.display);
		goto out;
	}
	if (!p.dmabuf) {
		fprintf(stderr, "dmabuf-probe: zwp_linux_dmabuf_v1 not advertised\n");
		goto out;
	}

	status = 0;
	enum scenario_result res = scenarios[which].run(&p);
	if (res == SCENARIO_SETUP_FAILED) {
		fprintf(stderr, "dmabuf-probe: scenario %s could not be set up\n", argv[1]);
		status = 2;
	} else {
		if (res == SCENARIO_CHECK_FAILED)
			status = 1;
		probe_settle(p.g.display, 5000);
	}
out:
	if (p.dmabuf)
		zwp_linux_dmabuf_v1_destroy(p.dmabuf);
	if (p.screencopy)
		zwlr_screencopy_manager_v1_destroy(p.screencopy);
	if (p.output)
		wl_output_destroy(p.output);
	wl_registry_destroy(registry);
	probe_disconnect(&p.g);
	return status;
}
