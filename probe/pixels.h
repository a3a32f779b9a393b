#ifndef SW_PROBE_PIXELS_H
#define SW_PROBE_PIXELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wayland-client.h>

#include "wlr-screencopy-unstable-v1-client-protocol.h"

/*
 * Pixel truth: a 64x64 picture, the left half red and the right half green,
 * written in a format, shown, and counted on the output captured through
 * zwlr_screencopy_v1. Red and green are exact in every RGB format (each
 * channel all ones or all zeros), so RGB is judged exactly.
 */
#define PROBE_PICTURE 64

/* An RGB format the probe can write: one plane, channels at these bits. */
struct probe_rgb_format {
	const char *name;
	uint32_t drm;		/* DRM fourcc */
	uint32_t shm;		/* wl_shm.format (the fourcc, except ARGB8888 0, XRGB8888 1) */
	int bpp;		/* bytes per pixel, 2 or 4, little-endian */
	uint8_t r_shift, r_bits, g_shift, g_bits, b_shift, b_bits, a_shift, a_bits;
};

extern const struct probe_rgb_format probe_rgb_formats[];
extern const size_t probe_rgb_format_count;

const struct probe_rgb_format *probe_rgb_format_from_drm(uint32_t drm);
const struct probe_rgb_format *probe_rgb_format_from_shm(uint32_t shm);

/* The picture in `f` at `px`, rows `stride` bytes apart. */
void probe_picture_rgb(const struct probe_rgb_format *f, uint8_t *px, uint32_t stride);

#define PROBE_RED 0xff0000u
#define PROBE_GREEN 0x00ff00u
/*
 * The YUV picture's halves: mid tones, so that a wrong matrix or range
 * shows (pure red and green would clip back to themselves).
 */
#define PROBE_YUV_LEFT 0xc04040u
#define PROBE_YUV_RIGHT 0x4080c0u

/*
 * The YUV picture in NV12 (BT.601, limited range; see pixels.c): Y at `y`
 * rows `y_stride` apart, interleaved CbCr at half resolution at `uv`.
 */
void probe_picture_nv12(uint8_t *y, uint32_t y_stride, uint8_t *uv, uint32_t uv_stride);

/*
 * The output captured: how many pixels are within `tolerance` of `left`
 * and of `right` (0xRRGGBB) in every channel. False (said on stdout) when
 * the capture cannot be made or read.
 */
bool probe_count_colours(struct wl_display *display, struct wl_shm *shm,
			 struct zwlr_screencopy_manager_v1 *screencopy, struct wl_output *output,
			 uint32_t left, uint32_t right, int tolerance, unsigned *n_left,
			 unsigned *n_right);

#endif
