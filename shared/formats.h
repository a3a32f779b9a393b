#ifndef SW_FORMATS_H
#define SW_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pixman.h>

/*
 * The one pixel-format table of sealway: DRM fourcc is the key, every other
 * name of a format (wl_shm code, pixman code, sizes) is a column of it.
 */
struct sw_format {
	const char *name;       /* DRM name without the prefix, e.g. "XRGB8888" */
	uint32_t drm;           /* DRM_FORMAT_* fourcc */
	uint32_t shm;           /* wl_shm.format code (differs for ARGB/XRGB8888) */
	pixman_format_code_t pixman; /* 0 when pixman cannot read it directly */
	bool has_alpha;
	uint32_t opaque_drm;    /* the same layout without alpha, or 0 */
	uint8_t planes;
	uint8_t cpp[3];         /* bytes per pixel of each plane */
	uint8_t hsub, vsub;     /* chroma subsampling of planes > 0 */
	uint8_t depth;          /* colour depth for legacy drmModeAddFB, or 0 */
};

extern const struct sw_format sw_formats[];
extern const size_t sw_formats_count;

const struct sw_format *sw_format_from_drm(uint32_t drm);
const struct sw_format *sw_format_from_shm(uint32_t shm);
/* Case-insensitive name lookup ("xrgb8888", "NV12"). */
const struct sw_format *sw_format_from_name(const char *name);

/* Minimum stride in bytes of a plane for a given width, in 64 bits (cannot overflow). */
uint64_t sw_format_min_stride(const struct sw_format *fmt, unsigned plane, uint32_t width);
/* Height in rows of a plane for a frame of the given height. */
uint32_t sw_format_plane_height(const struct sw_format *fmt, unsigned plane, uint32_t height);

/* Convert a wl_shm format code to the DRM fourcc (and back). */
uint32_t sw_shm_to_drm(uint32_t shm);
uint32_t sw_drm_to_shm(uint32_t drm);

#endif
