/*
 * sealway-shm: a wl_shm client that draws into sealed memfds (or, to compare,
 * unsealed memfds or POSIX shm), paced by frame callbacks, and reports
 * wp_presentation statistics.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <drm_fourcc.h>

#include "anon-file.h"
#include "formats.h"
#include "log.h"
#include "options.h"
#include "paint.h"
#include "shm-buffer.h"
#include "window.h"

#define PROG "sealway-shm"
#define CHECKER 32      /* background square size, pixels */

struct demo {
	struct sw_client *client;
	struct sw_window *window;
	enum sw_alloc_method method;
	const struct sw_format *format;
	uint32_t width, height;
	uint64_t frames;        /* commits to make; 0 = until a signal */
	bool solid;
	uint32_t color;         /* AARRGGBB when solid */
	uint32_t pool_offset;   /* where buffers start in their pools */
	bool pool_whole_pages;  /* pools rounded up to a page, not ending with the buffer */
	bool done;              /* all frames committed */
	bool failed;
};

/* ---- allocator: wl_shm buffers on anonymous files ---- */

static int
shm_alloc_create(void *data, struct sw_buffer *buffer)
{
	struct demo *demo = data;
	return sw_shm_buffer_create(demo->client->shm, demo->method, demo->pool_offset,
				    demo->pool_whole_pages, buffer);
}

static void
shm_alloc_destroy(void *data, struct sw_buffer *buffer)
{
	sw_shm_buffer_destroy(buffer);
}

static const struct sw_buffer_impl shm_impl = {
	.name = "wl_shm",
	.create = shm_alloc_create,
	.destroy = shm_alloc_destroy,
};

/* ---- drawing ---- */

/* Fill `box` clipped to `clip` with a colour, converted to the buffer format. */
static void
fill(struct sw_buffer *buffer, pixman_image_t *image, pixman_region32_t *clip,
     int32_t x, int32_t y, int32_t w, int32_t h, uint32_t argb)
{
	pixman_region32_t part;
	pixman_region32_init_rect(&part, x, y, (unsigned)w, (unsigned)h);
	pixman_region32_intersect(&part, &part, clip);

	int n;
	pixman_box32_t *boxes = pixman_region32_rectangles(&part, &n);
	for (int i = 0; i < n; i++)
		sw_paint_box(buffer, image, &boxes[i], argb);
	pixman_region32_fini(&part);
}

struct bars {
	pixman_box32_t v, h;    /* vertical and horizontal bar of one frame */
};

static int32_t
bar_pos(uint64_t frame, uint32_t step, uint32_t span, uint32_t size)
{
	if (span <= size)
		return 0;
	/* Even positions keep NV12 chroma blocks whole. */
	return (int32_t)(((frame * step) % (span - size + 1)) & ~(uint64_t)1);
}

static struct bars
bars_at(const struct demo *demo, uint64_t frame)
{
	uint32_t bw = (demo->width / 8 + 1) & ~1u, bh = (demo->height / 8 + 1) & ~1u;
	if (bw < 2)
		bw = 2;
	if (bh < 2)
		bh = 2;
	int32_t x = bar_pos(frame, 4, demo->width, bw);
	int32_t y = bar_pos(frame, 2, demo->height, bh);
	struct bars b = {
		.v = { x, 0, x + (int32_t)bw, (int32_t)demo->height },
		.h = { 0, y, (int32_t)demo->width, y + (int32_t)bh },
	};
	return b;
}

static void
add_bars(pixman_region32_t *region, const struct bars *b)
{
	pixman_region32_union_rect(region, region, b->v.x1, b->v.y1,
				   (unsigned)(b->v.x2 - b->v.x1), (unsigned)(b->v.y2 - b->v.y1));
	pixman_region32_union_rect(region, region, b->h.x1, b->h.y1,
				   (unsigned)(b->h.x2 - b->h.x1), (unsigned)(b->h.y2 - b->h.y1));
}

static void
paint_pattern(struct demo *demo, struct sw_buffer *buffer, pixman_image_t *image,
	      pixman_region32_t *repaint, uint64_t frame)
{
	pixman_box32_t *ext = pixman_region32_extents(repaint);

	for (int32_t y = ext->y1 / CHECKER * CHECKER; y < ext->y2; y += CHECKER)
		for (int32_t x = ext->x1 / CHECKER * CHECKER; x < ext->x2; x += CHECKER) {
			bool dark = ((x / CHECKER) + (y / CHECKER)) & 1;
			fill(buffer, image, repaint, x, y, CHECKER, CHECKER,
			     dark ? 0xff303840 : 0xff485058);
		}

	struct bars b = bars_at(demo, frame);
	fill(buffer, image, repaint, b.v.x1, b.v.y1, b.v.x2 - b.v.x1, b.v.y2 - b.v.y1,
	     0xff20b0d0);
	fill(buffer, image, repaint, b.h.x1, b.h.y1, b.h.x2 - b.h.x1, b.h.y2 - b.h.y1,
	     0xffe08020);
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
		/* Either all are busy (draw() comes again) or allocation failed (logged). */
		if (sw_window_failed(window))
			demo->failed = true;
		return;
	}

	pixman_image_t *image = NULL;
	if (demo->format->pixman && !(image = sw_buffer_image(buffer))) {
		demo->failed = true;
		return;
	}

	uint64_t frame = sw_window_next_frame(window);
	pixman_region32_t repaint, damage;
	pixman_region32_init_rect(&repaint, 0, 0, buffer->width, buffer->height);
	pixman_region32_init(&damage);

	if (demo->solid) {
		if (buffer->content_frame == 0)
			fill(buffer, image, &repaint, 0, 0, (int32_t)buffer->width,
			     (int32_t)buffer->height, demo->color);
		/* Same picture every time, but each commit must count as a new frame. */
		pixman_region32_copy(&damage, &repaint);
	} else if (buffer->content_frame == 0 || frame == 1) {
		paint_pattern(demo, buffer, image, &repaint, frame);
		pixman_region32_copy(&damage, &repaint);
	} else {
		/* Undo the bars this buffer still shows, draw the new ones. */
		struct bars old = bars_at(demo, buffer->content_frame);
		struct bars prev = bars_at(demo, frame - 1);
		struct bars now = bars_at(demo, frame);
		pixman_region32_clear(&repaint);
		add_bars(&repaint, &old);
		add_bars(&repaint, &now);
		paint_pattern(demo, buffer, image, &repaint, frame);
		/* The compositor shows frame - 1: only what differs from it is damaged. */
		add_bars(&damage, &prev);
		add_bars(&damage, &now);
	}

	sw_window_commit(window, buffer, &damage);
	pixman_region32_fini(&damage);
	pixman_region32_fini(&repaint);

	if (demo->frames && stats->commits >= demo->frames)
		demo->done = true;
}

/* ---- command line ---- */

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " [OPTIONS]\n"
		"Show a window drawn into shared memory and report presentation timing.\n"
		"\n"
		"  --size WxH         buffer size (default 256x256)\n"
		"  --format NAME      wl_shm format, e.g. XRGB8888, RGB565, NV12 (default XRGB8888)\n"
		"  --frames N         present N frames, then exit; 0 = until SIGINT/SIGTERM (default 0)\n"
		"  --color AARRGGBB   fill with one colour (premultiplied) instead of the animation\n"
		"  --buffers 2|3      double or triple buffering (default 2)\n"
		"  --title TEXT       window title (default \"" PROG "\")\n"
		"  --app-id ID        application id (default \"org.sealway.shm\")\n"
		"  --unsealed         memfd without seals (for comparison)\n"
		"  --posix-shm        shm_open, unlinked at once (for comparison)\n"
		"  --fullscreen       ask to be fullscreen (the buffers keep --size)\n"
		"  --pool-offset N    start each buffer N bytes into its pool (default 0)\n"
		"  --pool-whole-pages make each pool a whole number of pages\n"
		"  --log LEVEL        error, warn, info or debug (default info)\n"
		"  --help             show this help\n");
}

static bool
drawable(const struct sw_format *fmt)
{
	return fmt->pixman != 0 || fmt->drm == DRM_FORMAT_NV12;
}

int
main(int argc, char *argv[])
{
	enum { OPT_FORMAT = 256, OPT_TITLE, OPT_APP_ID, OPT_UNSEALED, OPT_POSIX_SHM,
	       OPT_POOL_OFFSET, OPT_POOL_WHOLE_PAGES };
	static const struct option options[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "app-id", required_argument, NULL, OPT_APP_ID },
		{ "unsealed", no_argument, NULL, OPT_UNSEALED },
		{ "posix-shm", no_argument, NULL, OPT_POSIX_SHM },
		{ "pool-offset", required_argument, NULL, OPT_POOL_OFFSET },
		{ "pool-whole-pages", no_argument, NULL, OPT_POOL_WHOLE_PAGES },
		SW_DEMO_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct sw_demo_options common = SW_DEMO_OPTIONS_INIT;
	struct demo demo = {
		.method = SW_ALLOC_MEMFD_SEALED,
	};
	const char *format_name = "XRGB8888";
	const char *title = PROG, *app_id = "org.sealway.shm";
	int ret = 1;

	sw_log_set_tag(PROG);
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case OPT_FORMAT:
			format_name = optarg;
			break;
		case OPT_TITLE:
			title = optarg;
			break;
		case OPT_APP_ID:
			app_id = optarg;
			break;
		case OPT_UNSEALED:
			demo.method = SW_ALLOC_MEMFD;
			break;
		case OPT_POSIX_SHM:
			demo.method = SW_ALLOC_POSIX_SHM;
			break;
		case OPT_POOL_OFFSET: {
			char *end;
			errno = 0;
			unsigned long n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || n > INT32_MAX / 2)
				return sw_bad_option(PROG, usage, "invalid --pool-offset \"%s\"",
						     optarg);
			demo.pool_offset = (uint32_t)n;
			break;
		}
		case OPT_POOL_WHOLE_PAGES:
			demo.pool_whole_pages = true;
			break;
		default: {
			int status = sw_demo_option(PROG, usage, opt, argv, &common);
			if (status >= 0)
				return status;
			break;
		}
		}
	}
	if (optind < argc)
		return sw_bad_option(PROG, usage, "unexpected argument \"%s\"", argv[optind]);
	sw_log_set_level(common.level);
	demo.width = common.width;
	demo.height = common.height;
	demo.frames = common.frames;
	demo.solid = common.solid;
	demo.color = common.color;

	demo.format = sw_format_from_name(format_name);
	if (!demo.format) {
		fprintf(stderr, PROG ": unknown format \"%s\"; known:", format_name);
		for (size_t i = 0; i < sw_formats_count; i++)
			fprintf(stderr, " %s", sw_formats[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	if (!drawable(demo.format)) {
		fprintf(stderr, PROG ": cannot draw format %s\n", demo.format->name);
		return 2;
	}
	if (demo.format->planes > 1 && ((demo.width | demo.height) & 1)) {
		fprintf(stderr, PROG ": %s needs an even width and height\n", demo.format->name);
		return 2;
	}

	struct sw_client_params client_params = {
		.prog = PROG,
		.need_shm = true,
	};
	demo.client = sw_client_create(&client_params);
	if (!demo.client)
		return 1;

	if (!sw_client_has_shm_format(demo.client, demo.format->shm)) {
		fprintf(stderr, PROG ": the compositor does not advertise wl_shm format %s\n",
			demo.format->name);
		goto out_client;
	}
	sw_info("%ux%u %s, %u buffers from %s, %s", demo.width, demo.height, demo.format->name,
		common.buffers, sw_alloc_method_name(demo.method),
		demo.solid ? "solid colour" : "animated");

	struct sw_window_params window_params = {
		.title = title,
		.app_id = app_id,
		.width = demo.width,
		.height = demo.height,
		.format = demo.format,
		.max_buffers = common.buffers,
		.fullscreen = common.fullscreen,
		.impl = &shm_impl,
		.impl_data = &demo,
		.draw = draw,
		.draw_data = &demo,
	};
	demo.window = sw_window_create(demo.client, &window_params);
	if (!demo.window)
		goto out_client;

	if (sw_window_run(demo.window, &demo.done, &demo.failed) == 0)
		ret = 0;
	sw_window_print_stats(demo.window, stdout);

	sw_window_destroy(demo.window);
out_client:
	sw_client_destroy(demo.client);
	return ret;
}
