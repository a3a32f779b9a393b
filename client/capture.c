/*
 * sealway-capture: copy an output with wlr-screencopy into a sealed-memfd
 * wl_shm buffer, save it as PNG/PPM, check pixels, or watch the damage the
 * compositor reports frame after frame.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pixman.h>
#include <wayland-client.h>

#include "anon-file.h"
#include "formats.h"
#include "log.h"
#include "options.h"
#include "png-write.h"
#include "shm-buffer.h"
#include "window.h"
#include "wlr-screencopy-unstable-v1-client-protocol.h"

#define PROG "sealway-capture"
#define COPY_TIMEOUT_MS 10000   /* a plain copy must finish; damage waits may not */

#define MIN(a, b) ((a) < (b) ? (a) : (b))

struct output {
	struct capture *capture;
	struct wl_output *wl_output;
	char *name;             /* wl_output.name (version 4), or NULL */
	struct wl_list link;
};

struct expect {
	int32_t x, y;
	uint32_t rgb;
};

struct capture {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_shm *shm;
	struct zwlr_screencopy_manager_v1 *manager;
	struct wl_list outputs;     /* struct output, in announcement order */

	/* Per-frame state, reset for each capture. */
	struct zwlr_screencopy_frame_v1 *frame;
	bool have_shm_params, params_done, ready, failed;
	uint32_t shm_format, width, height, stride;
	uint32_t flags;
	unsigned damage_rects;

	struct sw_buffer buffer;    /* reused while the parameters stay the same */
	bool damage_mode;
	bool broken;                /* connection error, already reported */
};

/* ---- globals ---- */

static void
output_geometry(void *data, struct wl_output *wl_output, int32_t x, int32_t y,
		int32_t physical_width, int32_t physical_height, int32_t subpixel,
		const char *make, const char *model, int32_t transform)
{
}

static void
output_mode(void *data, struct wl_output *wl_output, uint32_t flags, int32_t width,
	    int32_t height, int32_t refresh)
{
}

static void
output_done(void *data, struct wl_output *wl_output)
{
}

static void
output_scale(void *data, struct wl_output *wl_output, int32_t factor)
{
}

static void
output_name(void *data, struct wl_output *wl_output, const char *name)
{
	struct output *output = data;
	free(output->name);
	output->name = strdup(name);
	if (!output->name)
		sw_warn("out of memory storing output name %s", name);
}

static void
output_description(void *data, struct wl_output *wl_output, const char *description)
{
}

static const struct wl_output_listener output_listener = {
	.geometry = output_geometry,
	.mode = output_mode,
	.done = output_done,
	.scale = output_scale,
	.name = output_name,
	.description = output_description,
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct capture *capture = data;

	if (strcmp(interface, wl_shm_interface.name) == 0 && !capture->shm) {
		capture->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, zwlr_screencopy_manager_v1_interface.name) == 0 &&
		   !capture->manager) {
		capture->manager = wl_registry_bind(registry, name,
						    &zwlr_screencopy_manager_v1_interface,
						    MIN(version, 3u));
	} else if (strcmp(interface, wl_output_interface.name) == 0) {
		struct output *output = calloc(1, sizeof(*output));
		if (!output) {
			sw_warn("out of memory: output %u ignored", name);
			return;
		}
		output->capture = capture;
		output->wl_output = wl_registry_bind(registry, name, &wl_output_interface,
						     MIN(version, 4u));
		if (!output->wl_output) {
			free(output);
			return;
		}
		wl_output_add_listener(output->wl_output, &output_listener, output);
		wl_list_insert(capture->outputs.prev, &output->link);
	}
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

/* ---- event loop ---- */

static void
report_connection_error(struct capture *capture)
{
	if (capture->broken)
		return;
	capture->broken = true;
	sw_print_connection_error(PROG, capture->display);
}

/* Dispatch until *flag or *flag2 is set; -1 on error or timeout (reported). */
static int
wait_for(struct capture *capture, bool *flag, bool *flag2, int timeout_ms)
{
	struct wl_display *display = capture->display;

	while (!*flag && !*flag2) {
		while (wl_display_prepare_read(display) != 0)
			if (wl_display_dispatch_pending(display) < 0)
				goto err_connection;
		if (*flag || *flag2) {
			wl_display_cancel_read(display);
			break;
		}
		if (wl_display_flush(display) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(display);
			goto err_connection;
		}
		struct pollfd pfd = { .fd = wl_display_get_fd(display), .events = POLLIN };
		int n = poll(&pfd, 1, timeout_ms);
		if (n <= 0) {
			wl_display_cancel_read(display);
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0)
				fprintf(stderr, PROG ": timed out waiting for the compositor\n");
			else
				fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
			return -1;
		}
		if (wl_display_read_events(display) < 0)
			goto err_connection;
		if (wl_display_dispatch_pending(display) < 0)
			goto err_connection;
	}
	return 0;

err_connection:
	report_connection_error(capture);
	return -1;
}

/* ---- one frame ---- */

static void
frame_buffer(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t format,
	     uint32_t width, uint32_t height, uint32_t stride)
{
	struct capture *capture = data;
	capture->have_shm_params = true;
	capture->shm_format = format;
	capture->width = width;
	capture->height = height;
	capture->stride = stride;
	/* Version 1 and 2 send nothing else before expecting the copy. */
	if (zwlr_screencopy_frame_v1_get_version(frame) < 3)
		capture->params_done = true;
}

static void
frame_flags(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t flags)
{
	struct capture *capture = data;
	capture->flags = flags;
}

static void
frame_ready(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t tv_sec_hi,
	    uint32_t tv_sec_lo, uint32_t tv_nsec)
{
	struct capture *capture = data;
	sw_debug("frame ready, timestamp %" PRIu64 ".%09u",
		 ((uint64_t)tv_sec_hi << 32) | tv_sec_lo, tv_nsec);
	capture->ready = true;
}

static void
frame_failed(void *data, struct zwlr_screencopy_frame_v1 *frame)
{
	struct capture *capture = data;
	capture->failed = true;
}

static void
frame_damage(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t x, uint32_t y,
	     uint32_t width, uint32_t height)
{
	struct capture *capture = data;
	capture->damage_rects++;
	if (capture->damage_mode) {
		printf("damage %u %u %u %u\n", x, y, width, height);
		fflush(stdout);
	}
}

static void
frame_linux_dmabuf(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t format,
		   uint32_t width, uint32_t height)
{
	/* Only wl_shm is used here. */
}

static void
frame_buffer_done(void *data, struct zwlr_screencopy_frame_v1 *frame)
{
	struct capture *capture = data;
	capture->params_done = true;
}

static const struct zwlr_screencopy_frame_v1_listener frame_listener = {
	.buffer = frame_buffer,
	.flags = frame_flags,
	.ready = frame_ready,
	.failed = frame_failed,
	.damage = frame_damage,
	.linux_dmabuf = frame_linux_dmabuf,
	.buffer_done = frame_buffer_done,
};

/* Make (or keep) a buffer matching what the compositor asked for. */
static int
prepare_buffer(struct capture *capture)
{
	struct sw_buffer *b = &capture->buffer;
	const struct sw_format *fmt = sw_format_from_shm(capture->shm_format);

	if (!capture->have_shm_params) {
		fprintf(stderr, PROG ": the compositor offers no wl_shm buffer type for this output\n");
		return -1;
	}
	if (!fmt || !fmt->pixman) {
		fprintf(stderr, PROG ": the compositor wants wl_shm format 0x%08x, which this tool cannot read\n",
			capture->shm_format);
		return -1;
	}
	if (b->wl_buffer && b->format == fmt && b->width == capture->width &&
	    b->height == capture->height && b->stride[0] == capture->stride)
		return 0;

	sw_shm_buffer_destroy(b);
	memset(b, 0, sizeof(*b));
	b->format = fmt;
	b->width = capture->width;
	b->height = capture->height;
	b->stride[0] = capture->stride;
	if (sw_shm_buffer_create(capture->shm, SW_ALLOC_MEMFD_SEALED, 0, false, b) < 0) {
		fprintf(stderr, PROG ": cannot allocate a %ux%u %s buffer\n", capture->width,
			capture->height, fmt->name);
		return -1;
	}
	sw_debug("capture buffer %ux%u %s stride %u", b->width, b->height, fmt->name,
		 capture->stride);
	return 0;
}

static int
capture_frame(struct capture *capture, struct output *output, bool overlay_cursor)
{
	int ret = -1;

	capture->have_shm_params = capture->params_done = false;
	capture->ready = capture->failed = false;
	capture->flags = 0;
	capture->damage_rects = 0;

	capture->frame = zwlr_screencopy_manager_v1_capture_output(capture->manager,
								   overlay_cursor,
								   output->wl_output);
	if (!capture->frame) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	zwlr_screencopy_frame_v1_add_listener(capture->frame, &frame_listener, capture);

	if (wait_for(capture, &capture->params_done, &capture->failed, COPY_TIMEOUT_MS) < 0)
		goto out_frame;
	if (capture->failed) {
		fprintf(stderr, PROG ": the compositor refused to capture the output\n");
		goto out_frame;
	}
	if (prepare_buffer(capture) < 0)
		goto out_frame;

	if (capture->damage_mode)
		zwlr_screencopy_frame_v1_copy_with_damage(capture->frame,
							  capture->buffer.wl_buffer);
	else
		zwlr_screencopy_frame_v1_copy(capture->frame, capture->buffer.wl_buffer);

	/* With damage, the compositor waits for something to change: no deadline. */
	if (wait_for(capture, &capture->ready, &capture->failed,
		     capture->damage_mode ? -1 : COPY_TIMEOUT_MS) < 0)
		goto out_frame;
	if (capture->failed) {
		fprintf(stderr, PROG ": the compositor failed to copy the frame\n");
		goto out_frame;
	}
	ret = 0;

out_frame:
	zwlr_screencopy_frame_v1_destroy(capture->frame);
	capture->frame = NULL;
	return ret;
}

/* ---- results ---- */

/* The frame as upright a8r8g8b8, whatever the buffer's format and orientation. */
static pixman_image_t *
frame_to_argb(struct capture *capture)
{
	struct sw_buffer *b = &capture->buffer;
	pixman_image_t *src = pixman_image_create_bits(b->format->pixman, (int)b->width,
						       (int)b->height, b->data,
						       (int)b->stride[0]);
	if (!src)
		return NULL;
	pixman_image_t *dst = pixman_image_create_bits(PIXMAN_a8r8g8b8, (int)b->width,
						       (int)b->height, NULL, 0);
	if (!dst) {
		pixman_image_unref(src);
		return NULL;
	}
	pixman_image_composite32(PIXMAN_OP_SRC, src, NULL, dst, 0, 0, 0, 0, 0, 0,
				 (int)b->width, (int)b->height);
	pixman_image_unref(src);

	if (capture->flags & ZWLR_SCREENCOPY_FRAME_V1_FLAGS_Y_INVERT) {
		uint32_t *data = pixman_image_get_data(dst);
		size_t words = (size_t)pixman_image_get_stride(dst) / 4;
		for (uint32_t top = 0, bottom = b->height - 1; top < bottom; top++, bottom--)
			for (size_t i = 0; i < words; i++) {
				uint32_t t = data[top * words + i];
				data[top * words + i] = data[bottom * words + i];
				data[bottom * words + i] = t;
			}
	}
	return dst;
}

static uint32_t
pixel_rgb(pixman_image_t *image, int32_t x, int32_t y)
{
	const uint32_t *data = pixman_image_get_data(image);
	size_t words = (size_t)pixman_image_get_stride(image) / 4;
	return data[(size_t)y * words + (size_t)x] & 0xffffff;
}

static int
write_ppm(const char *path, pixman_image_t *image)
{
	int w = pixman_image_get_width(image), h = pixman_image_get_height(image);
	FILE *f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, PROG ": cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	uint8_t *row = malloc((size_t)w * 3);
	if (!row) {
		fprintf(stderr, PROG ": out of memory\n");
		goto err_file;
	}
	if (fprintf(f, "P6\n%d %d\n255\n", w, h) < 0)
		goto err_write;
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			uint32_t p = pixel_rgb(image, x, y);
			row[3 * x] = (uint8_t)(p >> 16);
			row[3 * x + 1] = (uint8_t)(p >> 8);
			row[3 * x + 2] = (uint8_t)p;
		}
		if (fwrite(row, 3, (size_t)w, f) != (size_t)w)
			goto err_write;
	}
	free(row);
	if (fclose(f) != 0) {
		fprintf(stderr, PROG ": writing %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;

err_write:
	fprintf(stderr, PROG ": writing %s: %s\n", path, strerror(errno));
	free(row);
err_file:
	fclose(f);
	return -1;
}

static int
check_expectations(pixman_image_t *image, const struct expect *expects, size_t count)
{
	int w = pixman_image_get_width(image), h = pixman_image_get_height(image);
	int mismatches = 0;

	for (size_t i = 0; i < count; i++) {
		const struct expect *e = &expects[i];
		if (e->x >= w || e->y >= h) {
			printf("mismatch at %d,%d: outside the %dx%d frame, want %06X\n", e->x, e->y,
			       w, h, e->rgb);
			mismatches++;
			continue;
		}
		uint32_t got = pixel_rgb(image, e->x, e->y);
		if (got != e->rgb) {
			printf("mismatch at %d,%d: got %06X, want %06X\n", e->x, e->y, got, e->rgb);
			mismatches++;
		}
	}
	fflush(stdout);
	return mismatches;
}

/* ---- command line ---- */

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " [OPTIONS]\n"
		"Copy an output's contents with wlr-screencopy.\n"
		"\n"
		"  --output NAME         output to capture (wl_output.name; default: the first)\n"
		"  --png FILE            write the frame as PNG\n"
		"  --ppm FILE            write the frame as binary PPM (P6)\n"
		"  --expect X,Y=RRGGBB   check a pixel; may be repeated; exit 1 on any mismatch\n"
		"  --count N             capture N frames (default 1); files and checks use the last\n"
		"  --damage              use copy_with_damage and print \"damage x y w h\" lines\n"
		"  --cursor              include the cursor\n"
		"  --log LEVEL           error, warn, info or debug (default warn)\n"
		"  --help                show this help\n");
}

/* Complaints name the program and end with the usage text; exit status 2. */
#define bad_option(...) sw_bad_option(PROG, usage, __VA_ARGS__)

static bool
parse_expect(const char *s, struct expect *e)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return false;
	long x = strtol(s, &end, 10);
	if (errno || *end != ',' || x > INT32_MAX)
		return false;
	s = end + 1;
	if (*s < '0' || *s > '9')
		return false;
	long y = strtol(s, &end, 10);
	if (errno || *end != '=' || y > INT32_MAX)
		return false;
	s = end + 1;
	if (s[0] == '#')
		s++;
	uint32_t rgb;
	if (!sw_parse_hex(s, 6, &rgb))
		return false;
	e->x = (int32_t)x;
	e->y = (int32_t)y;
	e->rgb = rgb;
	return true;
}

static struct output *
pick_output(struct capture *capture, const char *name)
{
	struct output *output;

	if (wl_list_empty(&capture->outputs)) {
		fprintf(stderr, PROG ": the compositor has no wl_output\n");
		return NULL;
	}
	if (!name)
		return wl_container_of(capture->outputs.next, output, link);

	wl_list_for_each(output, &capture->outputs, link)
		if (output->name && strcmp(output->name, name) == 0)
			return output;

	fprintf(stderr, PROG ": no output named \"%s\"; there are:", name);
	wl_list_for_each(output, &capture->outputs, link)
		fprintf(stderr, " %s", output->name ? output->name : "(unnamed, wl_output < 4)");
	fprintf(stderr, "\n");
	return NULL;
}

static void
capture_fini(struct capture *capture)
{
	struct output *output, *tmp;

	sw_shm_buffer_destroy(&capture->buffer);
	wl_list_for_each_safe(output, tmp, &capture->outputs, link) {
		if (wl_output_get_version(output->wl_output) >= WL_OUTPUT_RELEASE_SINCE_VERSION)
			wl_output_release(output->wl_output);
		else
			wl_output_destroy(output->wl_output);
		wl_list_remove(&output->link);
		free(output->name);
		free(output);
	}
	if (capture->manager)
		zwlr_screencopy_manager_v1_destroy(capture->manager);
	if (capture->shm)
		wl_shm_destroy(capture->shm);
	if (capture->registry)
		wl_registry_destroy(capture->registry);
	if (!capture->broken)
		wl_display_flush(capture->display);
	wl_display_disconnect(capture->display);
}

int
main(int argc, char *argv[])
{
	enum { OPT_OUTPUT = 256, OPT_PNG, OPT_PPM, OPT_EXPECT, OPT_COUNT, OPT_DAMAGE,
	       OPT_CURSOR, OPT_LOG, OPT_HELP };
	static const struct option options[] = {
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "png", required_argument, NULL, OPT_PNG },
		{ "ppm", required_argument, NULL, OPT_PPM },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "damage", no_argument, NULL, OPT_DAMAGE },
		{ "cursor", no_argument, NULL, OPT_CURSOR },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct capture capture = { 0 };
	const char *output_name = NULL, *png_path = NULL, *ppm_path = NULL;
	struct expect *expects = NULL;
	size_t expect_count = 0;
	uint32_t count = 1;
	bool cursor = false;
	enum sw_log_level level = SW_LOG_WARN;
	int ret = 1;

	sw_log_set_tag(PROG);
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case OPT_OUTPUT:
			output_name = optarg;
			break;
		case OPT_PNG:
			png_path = optarg;
			break;
		case OPT_PPM:
			ppm_path = optarg;
			break;
		case OPT_EXPECT: {
			struct expect e;
			if (!parse_expect(optarg, &e)) {
				free(expects);
				return bad_option("invalid --expect \"%s\" (expected X,Y=RRGGBB)",
						  optarg);
			}
			struct expect *grown = realloc(expects, (expect_count + 1) * sizeof(*grown));
			if (!grown) {
				free(expects);
				fprintf(stderr, PROG ": out of memory\n");
				return 1;
			}
			expects = grown;
			expects[expect_count++] = e;
			break;
		}
		case OPT_COUNT:
			if (!sw_parse_u32(optarg, 1, 1000000, &count)) {
				free(expects);
				return bad_option("invalid --count \"%s\" (expected 1 or more)",
						  optarg);
			}
			break;
		case OPT_DAMAGE:
			capture.damage_mode = true;
			break;
		case OPT_CURSOR:
			cursor = true;
			break;
		case OPT_LOG:
			if (!sw_log_parse_level(optarg, &level)) {
				free(expects);
				return bad_option("invalid --log \"%s\" (expected error, warn, info or debug)",
						  optarg);
			}
			break;
		case OPT_HELP:
			free(expects);
			usage(stdout);
			return 0;
		default:
			free(expects);
			return bad_option("unknown option or missing argument: %s",
					  argv[optind - 1]);
		}
	}
	if (optind < argc) {
		free(expects);
		return bad_option("unexpected argument \"%s\"", argv[optind]);
	}
	sw_log_set_level(level);

	wl_list_init(&capture.outputs);
	capture.display = sw_display_connect(PROG);
	if (!capture.display)
		goto out_expects;
	capture.registry = wl_display_get_registry(capture.display);
	if (!capture.registry) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out_capture;
	}
	wl_registry_add_listener(capture.registry, &registry_listener, &capture);
	/* Globals first, then the output names sent on binding. */
	if (wl_display_roundtrip(capture.display) < 0 ||
	    wl_display_roundtrip(capture.display) < 0) {
		report_connection_error(&capture);
		goto out_capture;
	}
	if (!capture.manager) {
		fprintf(stderr, PROG ": the compositor does not offer zwlr_screencopy_manager_v1\n");
		goto out_capture;
	}
	if (!capture.shm) {
		fprintf(stderr, PROG ": the compositor does not offer wl_shm\n");
		goto out_capture;
	}
	struct output *output = pick_output(&capture, output_name);
	if (!output)
		goto out_capture;

	for (uint32_t i = 0; i < count; i++) {
		if (capture_frame(&capture, output, cursor) < 0)
			goto out_capture;
		sw_info("frame %u: %ux%u %s%s, %u damage rectangles", i + 1, capture.width,
			capture.height, capture.buffer.format->name,
			capture.flags & ZWLR_SCREENCOPY_FRAME_V1_FLAGS_Y_INVERT ? " (y-inverted)" : "",
			capture.damage_rects);
	}

	if (!png_path && !ppm_path && expect_count == 0) {
		ret = 0;
		goto out_capture;
	}
	pixman_image_t *image = frame_to_argb(&capture);
	if (!image) {
		fprintf(stderr, PROG ": out of memory converting the frame\n");
		goto out_capture;
	}
	ret = 0;
	if (png_path && sw_png_write(png_path, image, 0) < 0)
		ret = 1;
	if (ppm_path && write_ppm(ppm_path, image) < 0)
		ret = 1;
	if (check_expectations(image, expects, expect_count) > 0)
		ret = 1;
	pixman_image_unref(image);

out_capture:
	capture_fini(&capture);
out_expects:
	free(expects);
	return ret;
}
