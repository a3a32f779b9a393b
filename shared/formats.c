#include <strings.h>

#include <drm_fourcc.h>

#include "formats.h"

#define RGB(fmt, pix, alpha, opaque, bytes, dep) \
	{ .name = #fmt, .drm = DRM_FORMAT_##fmt, .shm = DRM_FORMAT_##fmt, .pixman = (pix), \
	  .has_alpha = (alpha), .opaque_drm = (opaque), .planes = 1, .cpp = { bytes }, \
	  .hsub = 1, .vsub = 1, .depth = (dep) }

/* wl_shm predates the fourcc scheme for its first two formats. */
#define SHM_ARGB8888 0u
#define SHM_XRGB8888 1u

const struct sw_format sw_formats[] = {
	{ .name = "ARGB8888", .drm = DRM_FORMAT_ARGB8888, .shm = SHM_ARGB8888,
	  .pixman = PIXMAN_a8r8g8b8, .has_alpha = true, .opaque_drm = DRM_FORMAT_XRGB8888,
	  .planes = 1, .cpp = { 4 }, .hsub = 1, .vsub = 1, .depth = 32 },
	{ .name = "XRGB8888", .drm = DRM_FORMAT_XRGB8888, .shm = SHM_XRGB8888,
	  .pixman = PIXMAN_x8r8g8b8, .has_alpha = false, .opaque_drm = DRM_FORMAT_XRGB8888,
	  .planes = 1, .cpp = { 4 }, .hsub = 1, .vsub = 1, .depth = 24 },
	RGB(ABGR8888, PIXMAN_a8b8g8r8, true, DRM_FORMAT_XBGR8888, 4, 0),
	RGB(XBGR8888, PIXMAN_x8b8g8r8, false, DRM_FORMAT_XBGR8888, 4, 0),
	RGB(RGBA8888, PIXMAN_r8g8b8a8, true, DRM_FORMAT_RGBX8888, 4, 0),
	RGB(RGBX8888, PIXMAN_r8g8b8x8, false, DRM_FORMAT_RGBX8888, 4, 0),
	RGB(BGRA8888, PIXMAN_b8g8r8a8, true, DRM_FORMAT_BGRX8888, 4, 0),
	RGB(BGRX8888, PIXMAN_b8g8r8x8, false, DRM_FORMAT_BGRX8888, 4, 0),
	RGB(RGB565, PIXMAN_r5g6b5, false, DRM_FORMAT_RGB565, 2, 16),
	RGB(BGR565, PIXMAN_b5g6r5, false, DRM_FORMAT_BGR565, 2, 0),
	RGB(ARGB2101010, PIXMAN_a2r10g10b10, true, DRM_FORMAT_XRGB2101010, 4, 30),
	RGB(XRGB2101010, PIXMAN_x2r10g10b10, false, DRM_FORMAT_XRGB2101010, 4, 30),
	RGB(ABGR2101010, PIXMAN_a2b10g10r10, true, DRM_FORMAT_XBGR2101010, 4, 0),
	RGB(XBGR2101010, PIXMAN_x2b10g10r10, false, DRM_FORMAT_XBGR2101010, 4, 0),
	RGB(ARGB1555, PIXMAN_a1r5g5b5, true, DRM_FORMAT_XRGB1555, 2, 0),
	RGB(XRGB1555, PIXMAN_x1r5g5b5, false, DRM_FORMAT_XRGB1555, 2, 15),
	RGB(ARGB4444, PIXMAN_a4r4g4b4, true, DRM_FORMAT_XRGB4444, 2, 0),
	RGB(XRGB4444, PIXMAN_x4r4g4b4, false, DRM_FORMAT_XRGB4444, 2, 0),
	/* Two planes, Y then interleaved CbCr at half resolution; converted, not read. */
	{ .name = "NV12", .drm = DRM_FORMAT_NV12, .shm = DRM_FORMAT_NV12, .pixman = 0,
	  .has_alpha = false, .opaque_drm = DRM_FORMAT_NV12, .planes = 2, .cpp = { 1, 2 },
	  .hsub = 2, .vsub = 2, .depth = 0 },
};

const size_t sw_formats_count = sizeof(sw_formats) / sizeof(sw_formats[0]);

const struct sw_format *
sw_format_from_drm(uint32_t drm)
{
	for (size_t i = 0; i < sw_formats_count; i++)
		if (sw_formats[i].drm == drm)
			return &sw_formats[i];
	return NULL;
}

const struct sw_format *
sw_format_from_shm(uint32_t shm)
{
	for (size_t i = 0; i < sw_formats_count; i++)
		if (sw_formats[i].shm == shm)
			return &sw_formats[i];
	return NULL;
}

const struct sw_format *
sw_format_from_name(const char *name)
{
	for (size_t i = 0; i < sw_formats_count; i++)
		if (strcasecmp(sw_formats[i].name, name) == 0)
			return &sw_formats[i];
	return NULL;
}

uint64_t
sw_format_min_stride(const struct sw_format *fmt, unsigned plane, uint32_t width)
{
	uint64_t w = width;
	if (plane > 0)
		w = (w + fmt->hsub - 1) / fmt->hsub;
	return w * fmt->cpp[plane];
}

uint32_t
sw_format_plane_height(const struct sw_format *fmt, unsigned plane, uint32_t height)
{
	if (plane == 0)
		return height;
	return (uint32_t)(((uint64_t)height + fmt->vsub - 1) / fmt->vsub);
}

uint32_t
sw_shm_to_drm(uint32_t shm)
{
	if (shm == SHM_ARGB8888)
		return DRM_FORMAT_ARGB8888;
	if (shm == SHM_XRGB8888)
		return DRM_FORMAT_XRGB8888;
	return shm;
}

uint32_t
sw_drm_to_shm(uint32_t drm)
{
	if (drm == DRM_FORMAT_ARGB8888)
		return SHM_ARGB8888;
	if (drm == DRM_FORMAT_XRGB8888)
		return SHM_XRGB8888;
	return drm;
}
