/*
 * Unit test of the pixel-format table: every name of a format must agree
 * with every other name of it, and stride arithmetic must not overflow.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <drm_fourcc.h>
#include <pixman.h>

#include "formats.h"
#include "test-util.h"

static void
formats_have_consistent_shm_and_drm_codes(struct sw_test *t)
{
	for (size_t i = 0; i < sw_formats_count; i++) {
		const struct sw_format *f = &sw_formats[i];

		SW_CHECK(t, f->name && f->name[0], "entry %zu has a name", i);
		SW_CHECK(t, sw_drm_to_shm(f->drm) == f->shm,
			 "%s: sw_drm_to_shm(drm) gives its wl_shm code", f->name);
		SW_CHECK(t, sw_shm_to_drm(f->shm) == f->drm,
			 "%s: sw_shm_to_drm(shm) gives its DRM fourcc", f->name);
		SW_CHECK(t, sw_format_from_drm(f->drm) == f,
			 "%s: lookup by DRM fourcc finds this entry", f->name);
		SW_CHECK(t, sw_format_from_shm(f->shm) == f,
			 "%s: lookup by wl_shm code finds this entry", f->name);
		SW_CHECK(t, sw_format_from_name(f->name) == f,
			 "%s: lookup by name finds this entry", f->name);

		/* The name is the DRM fourcc's name: DRM codes are 4 ASCII chars. */
		SW_CHECK(t, (f->drm & 0x80808080u) == 0,
			 "%s: DRM fourcc 0x%08" PRIx32 " is printable ASCII", f->name, f->drm);

		/* Only ARGB/XRGB8888 have legacy wl_shm codes; all others equal the fourcc. */
		if (f->drm == DRM_FORMAT_ARGB8888)
			SW_CHECK(t, f->shm == 0, "ARGB8888 is wl_shm code 0");
		else if (f->drm == DRM_FORMAT_XRGB8888)
			SW_CHECK(t, f->shm == 1, "XRGB8888 is wl_shm code 1");
		else
			SW_CHECK(t, f->shm == f->drm, "%s: wl_shm code equals its fourcc", f->name);

		for (size_t j = 0; j < i; j++) {
			SW_CHECK(t, sw_formats[j].drm != f->drm,
				 "%s: DRM fourcc appears only once", f->name);
			SW_CHECK(t, strcasecmp(sw_formats[j].name, f->name) != 0,
				 "%s: name appears only once", f->name);
		}
	}
}

static void
formats_alpha_and_opaque_variants_agree(struct sw_test *t)
{
	for (size_t i = 0; i < sw_formats_count; i++) {
		const struct sw_format *f = &sw_formats[i];

		SW_CHECK(t, f->planes >= 1 && f->planes <= 3, "%s: 1..3 planes", f->name);
		for (unsigned p = 0; p < f->planes; p++)
			SW_CHECK(t, f->cpp[p] > 0, "%s: plane %u has a pixel size", f->name, p);
		SW_CHECK(t, f->hsub >= 1 && f->vsub >= 1, "%s: subsampling is at least 1", f->name);
		if (f->opaque_drm == 0)
			continue;
		const struct sw_format *o = sw_format_from_drm(f->opaque_drm);
		SW_CHECK(t, o != NULL, "%s: its opaque variant is in the table", f->name);
		if (!o)
			continue;
		SW_CHECK(t, !o->has_alpha, "%s: its opaque variant %s has no alpha",
			 f->name, o->name);
		SW_CHECK(t, o->cpp[0] == f->cpp[0] && o->planes == f->planes,
			 "%s: its opaque variant %s has the same layout", f->name, o->name);
		if (!f->has_alpha)
			SW_CHECK(t, f->opaque_drm == f->drm,
				 "%s: an opaque format is its own opaque variant", f->name);
	}
}

static void
formats_pixman_codes_are_readable_by_pixman(struct sw_test *t)
{
	for (size_t i = 0; i < sw_formats_count; i++) {
		const struct sw_format *f = &sw_formats[i];
		if (f->pixman == 0) {
			SW_CHECK(t, f->planes > 1,
				 "%s: only multi-planar formats lack a pixman code", f->name);
			continue;
		}
		SW_CHECK(t, pixman_format_supported_source(f->pixman),
			 "%s: pixman_format_supported_source(0x%x)", f->name, (unsigned)f->pixman);
		SW_CHECK(t, (unsigned)PIXMAN_FORMAT_BPP(f->pixman) == f->cpp[0] * 8u,
			 "%s: pixman bpp %d equals cpp %u * 8", f->name,
			 PIXMAN_FORMAT_BPP(f->pixman), f->cpp[0]);
		SW_CHECK(t, (PIXMAN_FORMAT_A(f->pixman) > 0) == f->has_alpha,
			 "%s: pixman alpha bits agree with has_alpha", f->name);
	}
}

static void
formats_required_by_wl_shm_are_present(struct sw_test *t)
{
	static const char *const required[] = {
		"ARGB8888", "XRGB8888", "ABGR8888", "XBGR8888", "RGB565",
		"ARGB2101010", "XRGB2101010",
	};
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		SW_CHECK(t, sw_format_from_name(required[i]) != NULL,
			 "%s is in the table", required[i]);
	SW_CHECK(t, sw_format_from_name("xrgb8888") == sw_format_from_drm(DRM_FORMAT_XRGB8888),
		 "name lookup is case-insensitive");
	SW_CHECK(t, sw_format_from_name("NOPE1234") == NULL, "an unknown name is not found");
	SW_CHECK(t, sw_format_from_drm(0x12345678) == NULL, "an unknown fourcc is not found");
	SW_CHECK(t, sw_format_from_shm(0x12345678) == NULL, "an unknown wl_shm code is not found");
}

static void
min_stride_of_huge_widths_does_not_overflow(struct sw_test *t)
{
	for (size_t i = 0; i < sw_formats_count; i++) {
		const struct sw_format *f = &sw_formats[i];
		uint64_t s = sw_format_min_stride(f, 0, UINT32_MAX);
		SW_CHECK(t, s == (uint64_t)UINT32_MAX * f->cpp[0],
			 "%s: min stride of width 2^32-1 is %" PRIu64 " (got %" PRIu64 ")",
			 f->name, (uint64_t)UINT32_MAX * f->cpp[0], s);
		SW_CHECK(t, sw_format_min_stride(f, 0, 0) == 0, "%s: width 0 has stride 0", f->name);
		SW_CHECK(t, sw_format_min_stride(f, 0, 7) == 7u * f->cpp[0],
			 "%s: min stride of width 7 is 7 * cpp", f->name);
		SW_CHECK(t, sw_format_plane_height(f, 0, UINT32_MAX) == UINT32_MAX,
			 "%s: plane 0 has the full height", f->name);
		for (unsigned p = 1; p < f->planes; p++) {
			uint64_t ws = ((uint64_t)UINT32_MAX + f->hsub - 1) / f->hsub;
			SW_CHECK(t, sw_format_min_stride(f, p, UINT32_MAX) == ws * f->cpp[p],
				 "%s: plane %u stride of width 2^32-1 rounds up without overflow",
				 f->name, p);
			uint64_t hs = ((uint64_t)UINT32_MAX + f->vsub - 1) / f->vsub;
			SW_CHECK(t, sw_format_plane_height(f, p, UINT32_MAX) == hs,
				 "%s: plane %u height of 2^32-1 rounds up without overflow",
				 f->name, p);
			SW_CHECK(t, sw_format_plane_height(f, p, 3) == (3u + f->vsub - 1) / f->vsub,
				 "%s: plane %u height of an odd height rounds up", f->name, p);
		}
	}
}

int
main(void)
{
	struct sw_test t = { 0 };

	SW_RUN(&t, formats_have_consistent_shm_and_drm_codes);
	SW_RUN(&t, formats_alpha_and_opaque_variants_agree);
	SW_RUN(&t, formats_pixman_codes_are_readable_by_pixman);
	SW_RUN(&t, formats_required_by_wl_shm_are_present);
	SW_RUN(&t, min_stride_of_huge_widths_does_not_overflow);
	return sw_test_finish(&t);
}
