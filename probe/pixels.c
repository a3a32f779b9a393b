/*
 * Pixel truth (pixels.h): the picture written in each format the probe
 * knows, and the output counted through zwlr_screencopy_v1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "pixels.h"
#include "probe-util.h"

#define RGB(fmt, bytes, rs, rb, gs, gb, bs, bb, as, ab)                                  \
	{ #fmt, DRM_FORMAT_##fmt, DRM_FORMAT_##fmt, bytes, rs, rb, gs, gb, bs, bb, as, ab }

/* Every RGB format of sealway's table; X bits are written as ones, like alpha. */
const struct probe_rgb_format probe_rgb_formats[] = {
	{ "ARGB8888", DRM_FORMAT_ARGB8888, 0, 4, 16, 8, 8, 8, 0, 8, 24, 8 },
	{ "XRGB8888", DRM_FORMAT_XRGB8888, 1, 4, 16, 8, 8, 8, 0, 8, 24, 8 },
	RGB(ABGR8888, 4, 0, 8, 8, 8, 16, 8, 24, 8),
	RGB(XBGR8888, 4, 0, 8, 8, 8, 16, 8, 24, 8),
	RGB(RGBA8888, 4, 24, 8, 16, 8, 8, 8, 0, 8),
	RGB(RGBX8888, 4, 24, 8, 16, 8, 8, 8, 0, 8),
	RGB(BGRA8888, 4, 8, 8, 16, 8, 24, 8, 0, 8),
	RGB(BGRX8888, 4, 8, 8, 16, 8, 24, 8, 0, 8),
	RGB(RGB565, 2, 11, 5, 5, 6, 0, 5, 0, 0),
	RGB(BGR565, 2, 0, 5, 5, 6, 11, 5, 0, 0),
	RGB(ARGB2101010, 4, 20, 10, 10, 10, 0, 10, 30, 2),
	RGB(XRGB2101010, 4, 20, 10, 10, 10, 0, 10, 30, 2),
	RGB(ABGR2101010, 4, 0, 10, 10, 10, 20, 10, 30, 2),
	RGB(XBGR2101010, 4, 0, 10, 10, 10, 20, 10, 30, 2),
	RGB(ARGB1555, 2, 10, 5, 5, 5, 0, 5, 15, 1),
	RGB(XRGB1555, 2, 10, 5, 5, 5, 0, 5, 15, 1),
	RGB(ARGB4444, 2, 8, 4, 4, 4, 0, 4, 12, 4),
	RGB(XRGB4444, 2, 8, 4, 4, 4, 0, 4, 12, 4),
};

const size_t probe_rgb_format_count = sizeof(probe_rgb_formats) / sizeof(probe_rgb_formats[0]);

const struct probe_rgb_format *
probe_rgb_format_from_drm(uint32_t drm)
{
	for (size_t i = 0; i < probe_rgb_format_count; i++)
		if (probe_rgb_formats[i].drm == drm)
			return &probe_rgb_formats[i];
	return NULL;
}

const struct probe_rgb_format *
probe_rgb_format_from_shm(uint32_t shm)
{
	for (size_t i = 0; i < probe_rgb_format_count; i++)
		if (probe_rgb_formats[i].shm == shm)
			return &probe_rgb_formats[i];
	return NULL;
}

static uint32_t
ones(uint8_t bits, uint8_t shift)
{
	return bits ? ((1u << bits) - 1) << shift : 0;
}

void
probe_picture_rgb(const struct probe_rgb_format *f, uint8_t *px, uint32_t stride)
{
	uint32_t red = ones(f->r_bits, f->r_shift) | ones(f->a_bits, f->a_shift);
	uint32_t green = ones(f->g_bits, f->g_shift) | ones(f->a_bits, f->a_shift);
	for (int y = 0; y < PROBE_PICTURE; y++)
		for (int x = 0; x < PROBE_PICTURE; x++) {
			uint32_t v = x < PROBE_PICTURE / 2 ? red : green;
			uint8_t bytes[4] = { v, v >> 8, v >> 16, v >> 24 };
			memcpy(px + (size_t)y * stride + (size_t)x * f->bpp, bytes, (size_t)f->bpp);
		}
}

/*
 * PROBE_YUV_LEFT and PROBE_YUV_RIGHT in BT.601 limited range (Y' 16..235,
 * Cb/Cr 16..240), with Kr = 0.299, Kb = 0.114: Y' = 16 + 219 Y, Cb = 128 +
 * 224 (B - Y) / 1.772, Cr = 128 + 224 (R - Y) / 1.402, rounded. Back through
 * the same matrix they come within 1 of the RGB; read as full range, or
 * through BT.709, they are off by 5 or more.
 */
static const uint8_t left_ycbcr[3] = { 104, 109, 184 };
static const uint8_t right_ycbcr[3] = { 116, 166, 95 };

void
probe_picture_nv12(uint8_t *y, uint32_t y_stride, uint8_t *uv, uint32_t uv_stride)
{
	for (int row = 0; row < PROBE_PICTURE; row++)
		for (int x = 0; x < PROBE_PICTURE; x++)
			y[(size_t)row * y_stride + x] =
				(x < PROBE_PICTURE / 2 ? left_ycbcr : right_ycbcr)[0];
	for (int row = 0; row < PROBE_PICTURE / 2; row++)
		for (int x = 0; x < PROBE_PICTURE / 2; x++) {
			const uint8_t *c = x < PROBE_PICTURE / 4 ? left_ycbcr : right_ycbcr;
			uv[(size_t)row * uv_stride + 2 * x] = c[1];
			uv[(size_t)row * uv_stride + 2 * x + 1] = c[2];
		}
}

struct capture {
	bool offered, done, failed;
	uint32_t format, width, height, stride;
};

static void
cap_buffer(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t format,
	   uint32_t width, uint32_t height, uint32_t stride)
{
	struct capture *cap = data;
	if (!cap->offered) {
		cap->format = format;
		cap->width = width;
		cap->height = height;
		cap->stride = stride;
	}
	cap->offered = true;
}

static void
cap_flags(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t flags)
{
}

static void
cap_ready(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t sec_hi, uint32_t sec_lo,
	  uint32_t nsec)
{
	((struct capture *)data)->done = true;
}

static void
cap_failed(void *data, struct zwlr_screencopy_frame_v1 *frame)
{
	struct capture *cap = data;
	cap->done = cap->failed = true;
}

static void
cap_damage(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t x, uint32_t y,
	   uint32_t w, uint32_t h)
{
}

static void
cap_linux_dmabuf(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t format,
		 uint32_t width, uint32_t height)
{
}

static void
cap_buffer_done(void *data, struct zwlr_screencopy_frame_v1 *frame)
{
}

static const struct zwlr_screencopy_frame_v1_listener cap_listener = {
	.buffer = cap_buffer,
	.flags = cap_flags,
	.ready = cap_ready,
	.failed = cap_failed,
	.damage = cap_damage,
	.linux_dmabuf = cap_linux_dmabuf,
	.buffer_done = cap_buffer_done,
};

static bool
near(uint32_t v, uint32_t want, int tolerance)
{
	for (int shift = 0; shift < 24; shift += 8) {
		int d = (int)(v >> shift & 0xff) - (int)(want >> shift & 0xff);
		if (d < -tolerance || d > tolerance)
			return false;
	}
	return true;
}

bool
probe_count_colours(struct wl_display *display, struct wl_shm *shm,
		    struct zwlr_screencopy_manager_v1 *screencopy, struct wl_output *output,
		    uint32_t left, uint32_t right, int tolerance, unsigned *n_left,
		    unsigned *n_right)
{
	struct capture cap = { 0 };
	struct zwlr_screencopy_frame_v1 *frame =
		zwlr_screencopy_manager_v1_capture_output(screencopy, 0, output);
	zwlr_screencopy_frame_v1_add_listener(frame, &cap_listener, &cap);
	/* Version 3 ends the offers with buffer_done; a roundtrip covers both. */
	if (!probe_roundtrip_timeout(display, 3000) || !cap.offered) {
		printf("capture: no buffer offered\n");
		zwlr_screencopy_frame_v1_destroy(frame);
		return false;
	}
	bool xbgr = cap.format == DRM_FORMAT_ABGR8888 || cap.format == DRM_FORMAT_XBGR8888;
	if (cap.format > 1 && !xbgr) {
		printf("capture: format 0x%08x not read by the probe\n", cap.format);
		zwlr_screencopy_frame_v1_destroy(frame);
		return false;
	}
	size_t size = (size_t)cap.stride * cap.height;
	int fd = probe_memfd(size, false);
	uint8_t *px = fd >= 0 ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
			      : MAP_FAILED;
	if (px == MAP_FAILED) {
		if (fd >= 0)
			close(fd);
		zwlr_screencopy_frame_v1_destroy(frame);
		return false;
	}
	struct wl_shm_pool *pool = wl_shm_create_pool(shm, fd, (int32_t)size);
	close(fd);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, (int32_t)cap.width,
							     (int32_t)cap.height,
							     (int32_t)cap.stride, cap.format);
	wl_shm_pool_destroy(pool);
	zwlr_screencopy_frame_v1_copy(frame, buffer);
	bool ok = probe_wait_for(display, &cap.done, 3000) && !cap.failed;
	*n_left = *n_right = 0;
	for (uint32_t y = 0; ok && y < cap.height; y++)
		for (uint32_t x = 0; x < cap.width; x++) {
			uint32_t v;
			memcpy(&v, px + (size_t)y * cap.stride + x * 4, 4);
			v &= 0xffffff;
			if (xbgr)
				v = (v & 0xff00) | (v & 0xff) << 16 | (v >> 16 & 0xff);
			*n_left += near(v, left, tolerance);
			*n_right += near(v, right, tolerance);
		}
	if (!ok)
		printf("capture: the copy failed\n");
	munmap(px, size);
	wl_buffer_destroy(buffer);
	zwlr_screencopy_frame_v1_destroy(frame);
	return ok;
}
