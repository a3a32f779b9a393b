/*
 * sealway-dmabuf: a zwp_linux_dmabuf_v1 client without a GPU. Its buffers
 * are dma-bufs made from sealed memfds by /dev/udmabuf, or taken from a
 * dma-heap, written through their own mapping between DMA_BUF_IOCTL_SYNC
 * START and END, and shown with frame-callback pacing; presentation
 * statistics are printed at exit like sealway-shm's.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>

#include "dmabuf-alloc.h"
#include "formats.h"
#include "linux-dmabuf-unstable-v1-client-protocol.h"
#include "log.h"
#include "options.h"
#include "paint.h"
#include "window.h"

#define PROG "sealway-dmabuf"
#define TILE 32         /* background tile size, pixels */
#define STRIDE_ALIGN 64 /* what most importers like; harmless for the CPU */

struct format_pair {
	uint32_t format;
	uint64_t modifier;
};

struct demo {
	struct sw_client *client;
	struct sw_window *window;
	struct zwp_linux_dmabuf_v1 *dmabuf;
	uint32_t dmabuf_version;

	enum sw_dmabuf_alloc_method method;
	const char *heap;
	bool immed;
	const struct sw_format *format;
	uint32_t width, height;
	uint64_t frames;        /* commits to make; 0 = until a signal */
	bool solid;
	uint32_t color;         /* AARRGGBB when solid */
	bool done;
	bool failed;

	/* What the compositor offers: from the v4 feedback table or v3 events. */
	struct wl_array offered;          /* struct format_pair */
	/* v4 default feedback being received */
	int table_fd;
	uint32_t table_size;
	struct wl_array tranche_indices;  /* uint16_t, all tranches */
	bool feedback_done;

	/* --surface-feedback: the window's feedback, printed as it comes. */
	bool surface_feedback;
	struct zwp_linux_dmabuf_feedback_v1 *surface_fb;
	struct {
		dev_t target;
		uint32_t flags;
		size_t formats;
	} tranche;                        /* the one being received */
	unsigned tranches;                /* of the feedback being received */
	uint64_t unfullscreen_after;      /* commits; 0: never */
};

/* Allocator-private part of a buffer. */
struct dmabuf_priv {
	int fd;             /* the dma-buf; kept for DMA_BUF_IOCTL_SYNC */
};

/* ---- what the compositor offers ---- */

static void
offer(struct demo *demo, uint32_t format, uint64_t modifier)
{
	struct format_pair *pair = wl_array_add(&demo->offered, sizeof(*pair));
	if (pair)
		*pair = (struct format_pair) { format, modifier };
}

static bool
is_offered(const struct demo *demo, uint32_t format, uint64_t modifier)
{
	const struct format_pair *pair;
	wl_array_for_each(pair, &demo->offered)
		if (pair->format == format && pair->modifier == modifier)
			return true;
	return false;
}

static void
dmabuf_format(void *data, struct zwp_linux_dmabuf_v1 *dmabuf, uint32_t format)
{
	struct demo *demo = data;
	/* Versions 1 and 2 have no modifiers: such buffers are implicitly linear here. */
	if (demo->dmabuf_version < ZWP_LINUX_DMABUF_V1_MODIFIER_SINCE_VERSION)
		offer(demo, format, DRM_FORMAT_MOD_LINEAR);
}

static void
dmabuf_modifier(void *data, struct zwp_linux_dmabuf_v1 *dmabuf, uint32_t format,
		uint32_t hi, uint32_t lo)
{
	struct demo *demo = data;
	offer(demo, format, ((uint64_t)hi << 32) | lo);
}

static const struct zwp_linux_dmabuf_v1_listener dmabuf_listener = {
	.format = dmabuf_format,
	.modifier = dmabuf_modifier,
};

static void
global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
       uint32_t version)
{
	struct demo *demo = data;
	if (strcmp(interface, zwp_linux_dmabuf_v1_interface.name) != 0 || demo->dmabuf)
		return;
	demo->dmabuf_version = version < 4 ? version : 4;
	demo->dmabuf = wl_registry_bind(registry, name, &zwp_linux_dmabuf_v1_interface,
					demo->dmabuf_version);
	if (demo->dmabuf)
		zwp_linux_dmabuf_v1_add_listener(demo->dmabuf, &dmabuf_listener, demo);
}

static void
fb_done(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb)
{
	struct demo *demo = data;
	demo->feedback_done = true;
}

static void
fb_format_table(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb, int32_t fd,
		uint32_t size)
{
	struct demo *demo = data;
	if (demo->table_fd >= 0)
		close(demo->table_fd);
	demo->table_fd = fd;
	demo->table_size = size;
}

static void
fb_main_device(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb, struct wl_array *dev)
{
	/* No GPU here: udmabuf and dma-heap buffers do not belong to a device. */
}

static void
fb_tranche_done(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb)
{
}

static void
fb_tranche_target_device(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb,
			 struct wl_array *dev)
{
}

static void
fb_tranche_formats(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb,
		   struct wl_array *indices)
{
	struct demo *demo = data;
	void *slot = wl_array_add(&demo->tranche_indices, indices->size);
	if (slot)
		memcpy(slot, indices->data, indices->size);
}

static void
fb_tranche_flags(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb, uint32_t flags)
{
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

/* ---- --surface-feedback: the window's feedback, one line per tranche ---- */

static void
sfb_done(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb)
{
	struct demo *demo = data;
	sw_info("surface feedback done: %u tranche%s", demo->tranches,
		demo->tranches == 1 ? "" : "s");
	demo->tranches = 0;
}

static void
sfb_format_table(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb, int32_t fd,
		 uint32_t size)
{
	close(fd);
}

static void
sfb_main_device(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb, struct wl_array *dev)
{
}

static void
sfb_tranche_target_device(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb,
			  struct wl_array *dev)
{
	struct demo *demo = data;
	if (dev->size == sizeof(dev_t))
		memcpy(&demo->tranche.target, dev->data, sizeof(dev_t));
}

static void
sfb_tranche_formats(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb,
		    struct wl_array *indices)
{
	struct demo *demo = data;
	demo->tranche.formats += indices->size / sizeof(uint16_t);
}

static void
sfb_tranche_flags(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb, uint32_t flags)
{
	struct demo *demo = data;
	demo->tranche.flags = flags;
}

static void
sfb_tranche_done(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb)
{
	struct demo *demo = data;
	sw_info("surface feedback: tranche flags=%u%s target=%u:%u formats=%zu",
		demo->tranche.flags,
		demo->tranche.flags & ZWP_LINUX_DMABUF_FEEDBACK_V1_TRANCHE_FLAGS_SCANOUT ?
			" (scanout)" : "",
		major(demo->tranche.target), minor(demo->tranche.target), demo->tranche.formats);
	demo->tranches++;
	memset(&demo->tranche, 0, sizeof(demo->tranche));
}

static const struct zwp_linux_dmabuf_feedback_v1_listener surface_feedback_listener = {
	.done = sfb_done,
	.format_table = sfb_format_table,
	.main_device = sfb_main_device,
	.tranche_done = sfb_tranche_done,
	.tranche_target_device = sfb_tranche_target_device,
	.tranche_formats = sfb_tranche_formats,
	.tranche_flags = sfb_tranche_flags,
};

/* The table entries, as the protocol lays them out. */
struct table_entry {
	uint32_t format;
	uint32_t pad;
	uint64_t modifier;
};

/* Version 4: read the default feedback; the tranches' entries are what is offered. */
static int
read_feedback(struct demo *demo)
{
	int ret = -1;
	demo->table_fd = -1;
	wl_array_init(&demo->tranche_indices);

	struct zwp_linux_dmabuf_feedback_v1 *fb =
		zwp_linux_dmabuf_v1_get_default_feedback(demo->dmabuf);
	if (!fb) {
		sw_err("get_default_feedback: out of memory");
		goto out;
	}
	zwp_linux_dmabuf_feedback_v1_add_listener(fb, &feedback_listener, demo);
	while (!demo->feedback_done) {
		if (wl_display_roundtrip(demo->client->display) < 0) {
			sw_err("lost the connection while reading the dma-buf feedback");
			goto out_fb;
		}
	}
	if (demo->table_fd < 0 || demo->table_size % sizeof(struct table_entry)) {
		sw_err("the compositor sent no usable format table");
		goto out_fb;
	}

	/* The protocol says: map it read-only and private. */
	const struct table_entry *table = mmap(NULL, demo->table_size, PROT_READ, MAP_PRIVATE,
					       demo->table_fd, 0);
	if (table == MAP_FAILED) {
		sw_err("mapping the format table (%u bytes): %s", demo->table_size,
		       strerror(errno));
		goto out_fb;
	}
	size_t entries = demo->table_size / sizeof(*table);
	const uint16_t *idx;
	wl_array_for_each(idx, &demo->tranche_indices) {
		if (*idx < entries)
			offer(demo, table[*idx].format, table[*idx].modifier);
		else
			sw_warn("feedback index %u is past the %zu table entries", *idx, entries);
	}
	sw_debug("format table: %zu entries, %zu offered", entries,
		 demo->offered.size / sizeof(struct format_pair));
	if (munmap((void *)table, demo->table_size) < 0)
		sw_warn("munmap: %s", strerror(errno));
	ret = 0;
out_fb:
	zwp_linux_dmabuf_feedback_v1_destroy(fb);
out:
	if (demo->table_fd >= 0)
		close(demo->table_fd);
	demo->table_fd = -1;
	wl_array_release(&demo->tranche_indices);
	return ret;
}

/* ---- allocator: dma-bufs from udmabuf or a dma-heap ---- */

struct create_wait {
	struct wl_buffer *buffer;
	bool answered;
};

static void
params_created(void *data, struct zwp_linux_buffer_params_v1 *params,
	       struct wl_buffer *buffer)
{
	struct create_wait *wait = data;
	wait->buffer = buffer;
	wait->answered = true;
}

static void
params_failed(void *data, struct zwp_linux_buffer_params_v1 *params)
{
	struct create_wait *wait = data;
	wait->answered = true;
}

static const struct zwp_linux_buffer_params_v1_listener params_listener = {
	.created = params_created,
	.failed = params_failed,
};

/* Send the planes of `fd` and get a wl_buffer; NULL after a message. */
static struct wl_buffer *
import(struct demo *demo, struct sw_buffer *buffer, int fd)
{
	struct wl_display *display = demo->client->display;
	struct wl_buffer *wl_buffer = NULL;
	/* Our own queue: waiting for created must not run the window's callbacks. */
	struct wl_event_queue *queue = wl_display_create_queue(display);
	if (!queue) {
		sw_err("wl_display_create_queue: out of memory");
		return NULL;
	}
	struct zwp_linux_buffer_params_v1 *params =
		zwp_linux_dmabuf_v1_create_params(demo->dmabuf);
	if (!params) {
		sw_err("create_params: out of memory");
		goto out_queue;
	}
	wl_proxy_set_queue((struct wl_proxy *)params, queue);
	for (unsigned p = 0; p < buffer->format->planes; p++)
		zwp_linux_buffer_params_v1_add(params, fd, p, buffer->offset[p], buffer->stride[p],
					       (uint32_t)(DRM_FORMAT_MOD_LINEAR >> 32),
					       (uint32_t)(DRM_FORMAT_MOD_LINEAR & 0xffffffff));

	if (demo->immed) {
		wl_buffer = zwp_linux_buffer_params_v1_create_immed(params, (int32_t)buffer->width,
			(int32_t)buffer->height, buffer->format->drm, 0);
		if (!wl_buffer)
			sw_err("create_immed: out of memory");
	} else {
		struct create_wait wait = { 0 };
		zwp_linux_buffer_params_v1_add_listener(params, &params_listener, &wait);
		zwp_linux_buffer_params_v1_create(params, (int32_t)buffer->width,
						  (int32_t)buffer->height, buffer->format->drm, 0);
		while (!wait.answered) {
			if (wl_display_roundtrip_queue(display, queue) < 0) {
				sw_err("lost the connection waiting for the dma-buf import");
				break;
			}
		}
		wl_buffer = wait.buffer;
		if (wait.answered && !wl_buffer)
			sw_err("the compositor could not import the %ux%u %s dma-buf "
			       "(zwp_linux_buffer_params_v1.failed)", buffer->width,
			       buffer->height, buffer->format->name);
	}
	zwp_linux_buffer_params_v1_destroy(params);
	/* The buffer's events (release) belong to the window's queue. */
	if (wl_buffer)
		wl_proxy_set_queue((struct wl_proxy *)wl_buffer, NULL);
out_queue:
	wl_event_queue_destroy(queue);
	return wl_buffer;
}

static int
dmabuf_alloc_create(void *data, struct sw_buffer *buffer)
{
	struct demo *demo = data;
	const struct sw_format *fmt = buffer->format;
	uint64_t size = 0;

	/* Planes one after the other in one dma-buf, each row padded a little. */
	for (unsigned p = 0; p < fmt->planes; p++) {
		uint64_t stride = sw_format_min_stride(fmt, p, buffer->width);
		stride = (stride + STRIDE_ALIGN - 1) & ~(uint64_t)(STRIDE_ALIGN - 1);
		buffer->offset[p] = (uint32_t)size;
		buffer->stride[p] = (uint32_t)stride;
		size += stride * sw_format_plane_height(fmt, p, buffer->height);
		if (size > UINT32_MAX) {
			sw_err("%ux%u %s is too large", buffer->width, buffer->height, fmt->name);
			return -1;
		}
	}

	struct dmabuf_priv *priv = calloc(1, sizeof(*priv));
	if (!priv) {
		sw_err("out of memory");
		return -1;
	}
	size_t alloc_size;
	priv->fd = sw_dmabuf_alloc(demo->method, demo->heap, (size_t)size, &alloc_size);
	if (priv->fd < 0)
		goto err_priv;

	void *map = mmap(NULL, alloc_size, PROT_READ | PROT_WRITE, MAP_SHARED, priv->fd, 0);
	if (map == MAP_FAILED) {
		sw_err("mapping the %zu-byte %s dma-buf: %s", alloc_size,
		       sw_dmabuf_alloc_method_name(demo->method), strerror(errno));
		goto err_fd;
	}

	buffer->wl_buffer = import(demo, buffer, priv->fd);
	if (!buffer->wl_buffer)
		goto err_map;
	buffer->data = map;
	buffer->size = alloc_size;
	buffer->priv = priv;
	sw_debug("%s dma-buf %ux%u %s: %zu bytes, stride %u", sw_dmabuf_alloc_method_name(demo->method),
		 buffer->width, buffer->height, fmt->name, alloc_size, buffer->stride[0]);
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
dmabuf_alloc_destroy(void *data, struct sw_buffer *buffer)
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
	.name = "linux-dmabuf",
	.create = dmabuf_alloc_create,
	.destroy = dmabuf_alloc_destroy,
};

/* ---- drawing ---- */

/* Paint the region with the scene of `frame`: tiles and one moving square. */
static void
paint_scene(struct demo *demo, struct sw_buffer *buffer, pixman_image_t *image,
	    pixman_region32_t *region, const pixman_box32_t *square)
{
	int n;
	const pixman_box32_t *boxes = pixman_region32_rectangles(region, &n);
	for (int i = 0; i < n; i++) {
		const pixman_box32_t *b = &boxes[i];
		/* Tiles are cut to the box, so nothing outside the region is touched. */
		for (int32_t ty = b->y1 / TILE * TILE; ty < b->y2; ty += TILE) {
			for (int32_t tx = b->x1 / TILE * TILE; tx < b->x2; tx += TILE) {
				pixman_box32_t t = {
					tx > b->x1 ? tx : b->x1, ty > b->y1 ? ty : b->y1,
					tx + TILE < b->x2 ? tx + TILE : b->x2,
					ty + TILE < b->y2 ? ty + TILE : b->y2,
				};
				bool odd = ((tx / TILE) + (ty / TILE)) & 1;
				sw_paint_box(buffer, image, &t, odd ? 0xff283848 : 0xff405060);
			}
		}
		pixman_box32_t s = {
			square->x1 > b->x1 ? square->x1 : b->x1,
			square->y1 > b->y1 ? square->y1 : b->y1,
			square->x2 < b->x2 ? square->x2 : b->x2,
			square->y2 < b->y2 ? square->y2 : b->y2,
		};
		sw_paint_box(buffer, image, &s, 0xffd05030);
	}
}

/* Where the square is in `frame`: it bounces along the diagonal, on even pixels. */
static pixman_box32_t
square_at(const struct demo *demo, uint64_t frame)
{
	uint32_t side = ((demo->width < demo->height ? demo->width : demo->height) / 4) & ~1u;
	if (side < 2)
		side = 2;
	uint32_t span_x = demo->width > side ? demo->width - side : 0;
	uint32_t span_y = demo->height > side ? demo->height - side : 0;
	uint64_t t = frame * 4;
	uint32_t x = span_x ? (uint32_t)(t % (2 * (uint64_t)span_x)) : 0;
	uint32_t y = span_y ? (uint32_t)(t % (2 * (uint64_t)span_y)) : 0;
	if (x > span_x)
		x = 2 * span_x - x;
	if (y > span_y)
		y = 2 * span_y - y;
	x &= ~1u;
	y &= ~1u;
	return (pixman_box32_t) { (int32_t)x, (int32_t)y, (int32_t)(x + side),
				  (int32_t)(y + side) };
}

static void
add_box(pixman_region32_t *region, const pixman_box32_t *b)
{
	pixman_region32_union_rect(region, region, b->x1, b->y1, (unsigned)(b->x2 - b->x1),
				   (unsigned)(b->y2 - b->y1));
}

static void
draw(void *data, struct sw_window *window)
{
	struct demo *demo = data;
	const struct sw_present_stats *stats = sw_window_stats(window);

	if (demo->done)
		return;
	/* A still picture needs one commit unless a frame count asks for more. */
	if (demo->solid && demo->frames == 0 && stats->commits >= 1)
		return;

	struct sw_buffer *buffer = sw_window_get_buffer(window);
	if (!buffer) {
		if (sw_window_failed(window))
			demo->failed = true;
		return;
	}
	struct dmabuf_priv *priv = buffer->priv;

	pixman_image_t *image = NULL;
	if (demo->format->pixman && !(image = sw_buffer_image(buffer))) {
		demo->failed = true;
		return;
	}

	/* CPU writes to a dma-buf go between START and END, so caches are kept coherent. */
	if (sw_dmabuf_sync(priv->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE) < 0) {
		sw_err("DMA_BUF_IOCTL_SYNC START: %s", strerror(errno));
		demo->failed = true;
		goto out_image;
	}

	uint64_t frame = sw_window_next_frame(window);
	pixman_region32_t repaint, damage;
	pixman_region32_init_rect(&repaint, 0, 0, buffer->width, buffer->height);
	pixman_region32_init(&damage);

	if (demo->solid) {
		if (buffer->content_frame == 0) {
			pixman_box32_t all = { 0, 0, (int32_t)buffer->width, (int32_t)buffer->height };
			sw_paint_box(buffer, image, &all, demo->color);
		}
		/* Same picture every time, but each commit counts as a new frame. */
		pixman_region32_copy(&damage, &repaint);
	} else if (buffer->content_frame == 0) {
		pixman_box32_t now = square_at(demo, frame);
		paint_scene(demo, buffer, image, &repaint, &now);
		pixman_region32_copy(&damage, &repaint);
	} else {
		/* Buffer age: wipe the square this buffer shows, paint the new one. */
		pixman_box32_t old = square_at(demo, buffer->content_frame);
		pixman_box32_t prev = square_at(demo, frame - 1);
		pixman_box32_t now = square_at(demo, frame);
		pixman_region32_clear(&repaint);
		add_box(&repaint, &old);
		add_box(&repaint, &now);
		paint_scene(demo, buffer, image, &repaint, &now);
		/* The compositor shows frame - 1: only what differs from it is damaged. */
		add_box(&damage, &prev);
		add_box(&damage, &now);
	}

	if (sw_dmabuf_sync(priv->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE) < 0)
		sw_warn("DMA_BUF_IOCTL_SYNC END: %s", strerror(errno));

	sw_window_commit(window, buffer, &damage);
	pixman_region32_fini(&damage);
	pixman_region32_fini(&repaint);
	if (demo->frames && stats->commits >= demo->frames)
		demo->done = true;
	if (demo->unfullscreen_after && stats->commits == demo->unfullscreen_after) {
		sw_info("leaving fullscreen after %" PRIu64 " frames", stats->commits);
		sw_window_unset_fullscreen(window);
	}
out_image:
}

/* ---- command line ---- */

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " [OPTIONS]\n"
		"Show a window drawn into dma-bufs made without a GPU and report presentation timing.\n"
		"\n"
		"  --alloc udmabuf|dma-heap  where the dma-bufs come from (default udmabuf)\n"
		"  --heap NAME        dma-heap under /dev/dma_heap (default system)\n"
		"  --format NAME      XRGB8888, ARGB8888 or NV12 (default XRGB8888)\n"
		"  --size WxH         buffer size (default 256x256)\n"
		"  --frames N         present N frames, then exit; 0 = until SIGINT/SIGTERM (default 0)\n"
		"  --color AARRGGBB   fill with one colour (premultiplied) instead of the animation\n"
		"  --immed            create buffers with create_immed instead of create\n"
		"  --buffers 2|3      double or triple buffering (default 2)\n"
		"  --fullscreen       ask to be fullscreen (the buffers keep --size)\n"
		"  --unfullscreen-after N  leave fullscreen after N frames\n"
		"  --surface-feedback log the window's dma-buf feedback, a line per tranche\n"
		"  --log LEVEL        error, warn, info or debug (default info)\n"
		"  --help             show this help\n");
}

/* Complaints name the program and end with the usage text; exit status 2. */
#define bad_option(...) sw_bad_option(PROG, usage, __VA_ARGS__)

int
main(int argc, char *argv[])
{
	enum { OPT_ALLOC = 256, OPT_HEAP, OPT_FORMAT, OPT_IMMED, OPT_SURFACE_FEEDBACK,
	       OPT_UNFULLSCREEN_AFTER };
	static const struct option options[] = {
		{ "alloc", required_argument, NULL, OPT_ALLOC },
		{ "heap", required_argument, NULL, OPT_HEAP },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "immed", no_argument, NULL, OPT_IMMED },
		{ "surface-feedback", no_argument, NULL, OPT_SURFACE_FEEDBACK },
		{ "unfullscreen-after", required_argument, NULL, OPT_UNFULLSCREEN_AFTER },
		SW_DEMO_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct sw_demo_options common = SW_DEMO_OPTIONS_INIT;
	struct demo demo = {
		.method = SW_DMABUF_UDMABUF,
		.table_fd = -1,
	};
	const char *format_name = "XRGB8888";
	int ret = 1;

	sw_log_set_tag(PROG);
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case OPT_ALLOC:
			if (strcmp(optarg, "udmabuf") == 0)
				demo.method = SW_DMABUF_UDMABUF;
			else if (strcmp(optarg, "dma-heap") == 0)
				demo.method = SW_DMABUF_DMA_HEAP;
			else
				return bad_option("invalid --alloc \"%s\" (expected udmabuf or dma-heap)",
						  optarg);
			break;
		case OPT_HEAP:
			demo.heap = optarg;
			break;
		case OPT_FORMAT:
			format_name = optarg;
			break;
		case OPT_IMMED:
			demo.immed = true;
			break;
		case OPT_SURFACE_FEEDBACK:
			demo.surface_feedback = true;
			break;
		case OPT_UNFULLSCREEN_AFTER: {
			char *end;
			errno = 0;
			unsigned long long n = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || n == 0)
				return bad_option("invalid --unfullscreen-after \"%s\" (a count "
						  "above 0)", optarg);
			demo.unfullscreen_after = n;
			break;
		}
		default: {
			int status = sw_demo_option(PROG, usage, opt, argv, &common);
			if (status >= 0)
				return status;
			break;
		}
		}
	}
	if (optind < argc)
		return bad_option("unexpected argument \"%s\"", argv[optind]);
	if (demo.heap && demo.method != SW_DMABUF_DMA_HEAP)
		return bad_option("--heap needs --alloc=dma-heap");
	sw_log_set_level(common.level);
	demo.width = common.width;
	demo.height = common.height;
	demo.frames = common.frames;
	demo.solid = common.solid;
	demo.color = common.color;

	demo.format = sw_format_from_name(format_name);
	if (!demo.format || (demo.format->drm != DRM_FORMAT_XRGB8888 &&
			     demo.format->drm != DRM_FORMAT_ARGB8888 &&
			     demo.format->drm != DRM_FORMAT_NV12))
		return bad_option("unsupported --format \"%s\" (XRGB8888, ARGB8888 or NV12)",
				  format_name);
	if (demo.format->planes > 1 && ((demo.width | demo.height) & 1)) {
		fprintf(stderr, PROG ": %s needs an even width and height\n", demo.format->name);
		return 2;
	}

	wl_array_init(&demo.offered);
	struct sw_client_params client_params = {
		.prog = PROG,
		.global = global,
		.global_data = &demo,
	};
	demo.client = sw_client_create(&client_params);
	if (!demo.client)
		goto out_offered;

	if (!demo.dmabuf) {
		fprintf(stderr, PROG ": the compositor does not offer zwp_linux_dmabuf_v1 "
			"(linux-dmabuf); it cannot take dma-bufs\n");
		goto out_client;
	}
	if (demo.dmabuf_version >= 4 && read_feedback(&demo) < 0)
		goto out_dmabuf;
	if (!is_offered(&demo, demo.format->drm, DRM_FORMAT_MOD_LINEAR)) {
		fprintf(stderr, PROG ": the compositor does not offer %s with the LINEAR modifier "
			"for dma-bufs\n", demo.format->name);
		goto out_dmabuf;
	}
	sw_info("%ux%u %s, %u buffers from %s%s%s, %s, %s", demo.width, demo.height,
		demo.format->name, common.buffers, sw_dmabuf_alloc_method_name(demo.method),
		demo.method == SW_DMABUF_DMA_HEAP ? " " : "",
		demo.method == SW_DMABUF_DMA_HEAP ? (demo.heap ? demo.heap : "system") : "",
		demo.immed ? "create_immed" : "create", demo.solid ? "solid colour" : "animated");

	struct sw_window_params window_params = {
		.title = PROG,
		.app_id = "org.sealway.dmabuf",
		.width = demo.width,
		.height = demo.height,
		.format = demo.format,
		.max_buffers = common.buffers,
		.fullscreen = common.fullscreen,
		.impl = &dmabuf_impl,
		.impl_data = &demo,
		.draw = draw,
		.draw_data = &demo,
	};
	demo.window = sw_window_create(demo.client, &window_params);
	if (!demo.window)
		goto out_dmabuf;
	if (demo.surface_feedback) {
		if (demo.dmabuf_version < 4) {
			fprintf(stderr, PROG ": --surface-feedback needs zwp_linux_dmabuf_v1 "
				"version 4\n");
			goto out_window;
		}
		demo.surface_fb = zwp_linux_dmabuf_v1_get_surface_feedback(
			demo.dmabuf, sw_window_surface(demo.window));
		if (!demo.surface_fb) {
			sw_err("get_surface_feedback: out of memory");
			goto out_window;
		}
		zwp_linux_dmabuf_feedback_v1_add_listener(demo.surface_fb,
							  &surface_feedback_listener, &demo);
	}

	if (sw_window_run(demo.window, &demo.done, &demo.failed) == 0)
		ret = 0;
	sw_window_print_stats(demo.window, stdout);
	if (demo.surface_fb)
		zwp_linux_dmabuf_feedback_v1_destroy(demo.surface_fb);
out_window:
	sw_window_destroy(demo.window);
out_dmabuf:
	zwp_linux_dmabuf_v1_destroy(demo.dmabuf);
out_client:
	sw_client_destroy(demo.client);
out_offered:
	wl_array_release(&demo.offered);
	return ret;
}
