#include <stddef.h>
#include <stdint.h>

#include <pixman.h>

#include "render.h"

/*
 * A point (x, y) of a w x h area, mapped through a transform, is
 * (a*x + b*y + e, c*x + d*y + f), where e and f are 0, w or h. Exact
 * integers, so regions and the sampling matrix agree to the pixel.
 */
struct affine {
	int a, b, c, d;
	int64_t e, f;
};

static struct affine
transform_affine(enum sw_render_transform t, int64_t w, int64_t h)
{
	switch (t) {
	case SW_RENDER_TRANSFORM_90:
		return (struct affine){ 0, -1, 1, 0, h, 0 };
	case SW_RENDER_TRANSFORM_180:
		return (struct affine){ -1, 0, 0, -1, w, h };
	case SW_RENDER_TRANSFORM_270:
		return (struct affine){ 0, 1, -1, 0, 0, w };
	case SW_RENDER_TRANSFORM_FLIPPED:
		return (struct affine){ -1, 0, 0, 1, w, 0 };
	case SW_RENDER_TRANSFORM_FLIPPED_90:
		return (struct affine){ 0, 1, 1, 0, 0, 0 };
	case SW_RENDER_TRANSFORM_FLIPPED_180:
		return (struct affine){ 1, 0, 0, -1, 0, h };
	case SW_RENDER_TRANSFORM_FLIPPED_270:
		return (struct affine){ 0, -1, -1, 0, h, w };
	case SW_RENDER_TRANSFORM_NORMAL:
	default:
		return (struct affine){ 1, 0, 0, 1, 0, 0 };
	}
}

enum sw_render_transform
sw_render_transform_invert(enum sw_render_transform t)
{
	/* Mirrored ones and half turns are their own inverse. */
	if (t == SW_RENDER_TRANSFORM_90)
		return SW_RENDER_TRANSFORM_270;
	if (t == SW_RENDER_TRANSFORM_270)
		return SW_RENDER_TRANSFORM_90;
	return t;
}

static int32_t
clamp32(int64_t v)
{
	return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

void
sw_render_transform_region(pixman_region32_t *dst, pixman_region32_t *src,
			   enum sw_render_transform t, int32_t width, int32_t height)
{
	if (t == SW_RENDER_TRANSFORM_NORMAL) {
		if (dst != src)
			pixman_region32_copy(dst, src);
		return;
	}
	struct affine m = transform_affine(t, width, height);
	pixman_region32_t out;
	pixman_region32_init(&out);
	int n;
	pixman_box32_t *boxes = pixman_region32_rectangles(src, &n);
	for (int i = 0; i < n; i++) {
		/* Opposite corners stay opposite corners; only their order may change. */
		int64_t x1 = m.a * (int64_t)boxes[i].x1 + m.b * (int64_t)boxes[i].y1 + m.e;
		int64_t y1 = m.c * (int64_t)boxes[i].x1 + m.d * (int64_t)boxes[i].y1 + m.f;
		int64_t x2 = m.a * (int64_t)boxes[i].x2 + m.b * (int64_t)boxes[i].y2 + m.e;
		int64_t y2 = m.c * (int64_t)boxes[i].x2 + m.d * (int64_t)boxes[i].y2 + m.f;
		int32_t bx1 = clamp32(x1 < x2 ? x1 : x2), bx2 = clamp32(x1 < x2 ? x2 : x1);
		int32_t by1 = clamp32(y1 < y2 ? y1 : y2), by2 = clamp32(y1 < y2 ? y2 : y1);
		if (bx2 > bx1 && by2 > by1)
			pixman_region32_union_rect(&out, &out, bx1, by1, (unsigned)(bx2 - bx1),
						   (unsigned)(by2 - by1));
	}
	pixman_region32_copy(dst, &out);
	pixman_region32_fini(&out);
}

/*
 * Pixman maps target pixels to image pixels, so the image gets the inverse of
 * the content's transform (in the item's target size), followed by the
 * scaling from that size to the image's.
 */
static void
set_transform(pixman_image_t *image, const struct sw_render_item *it)
{
	int32_t iw = pixman_image_get_width(image);
	int32_t ih = pixman_image_get_height(image);
	if (it->transform == SW_RENDER_TRANSFORM_NORMAL && iw == it->width &&
	    ih == it->height) {
		pixman_image_set_transform(image, NULL);
		return;
	}
	struct affine m = transform_affine(sw_render_transform_invert(it->transform), it->width,
					   it->height);
	/* The undone content's size, before scaling to the image. */
	double tw = sw_render_transform_swaps(it->transform) ? it->height : it->width;
	double th = sw_render_transform_swaps(it->transform) ? it->width : it->height;
	double sx = iw / tw, sy = ih / th;
	pixman_transform_t t = { .matrix = {
		{ pixman_double_to_fixed(m.a * sx), pixman_double_to_fixed(m.b * sx),
		  pixman_double_to_fixed((double)m.e * sx) },
		{ pixman_double_to_fixed(m.c * sy), pixman_double_to_fixed(m.d * sy),
		  pixman_double_to_fixed((double)m.f * sy) },
		{ 0, 0, pixman_fixed_1 },
	} };
	pixman_image_set_transform(image, &t);
	pixman_image_set_filter(image, PIXMAN_FILTER_NEAREST, NULL, 0);
}

void
sw_render_copy(pixman_image_t *target, const struct sw_render_item *item)
{
	if (item->width <= 0 || item->height <= 0)
		return;
	set_transform(item->image, item);
	pixman_image_composite32(PIXMAN_OP_SRC, item->image, NULL, target, 0, 0, 0, 0, item->x,
				 item->y, item->width, item->height);
}

static uint64_t
region_area(pixman_region32_t *region)
{
	int n;
	pixman_box32_t *boxes = pixman_region32_rectangles(region, &n);
	uint64_t area = 0;
	for (int i = 0; i < n; i++)
		area += (uint64_t)(boxes[i].x2 - boxes[i].x1) * (uint64_t)(boxes[i].y2 - boxes[i].y1);
	return area;
}

static const struct sw_render_item *
item_at(const struct sw_render_item *items, size_t stride, size_t i)
{
	return (const struct sw_render_item *)(const void *)((const char *)items + i * stride);
}

/* Composite the whole item, clipped to `region` of the target. */
static void
draw_clipped(pixman_image_t *target, pixman_op_t op, const struct sw_render_item *it,
	     pixman_region32_t *region)
{
	pixman_image_set_clip_region32(target, region);
	pixman_image_composite32(op, it->image, NULL, target, 0, 0, 0, 0, it->x, it->y,
				 it->width, it->height);
}

void
sw_render(pixman_image_t *target, const pixman_region32_t *damage, uint32_t background,
	  const struct sw_render_item *items, size_t count, size_t stride,
	  struct sw_render_stats *stats)
{
	struct sw_render_stats st = { 0 };
	pixman_region32_t clip, claimed, fill, draw, part;
	pixman_region32_init(&clip);
	pixman_region32_init(&claimed);
	pixman_region32_init(&fill);
	pixman_region32_init(&draw);
	pixman_region32_init(&part);
	pixman_region32_intersect_rect(&clip, (pixman_region32_t *)damage, 0, 0,
				       pixman_image_get_width(target),
				       pixman_image_get_height(target));
	if (!pixman_region32_not_empty(&clip))
		goto out;

	/* The background goes where no item is opaque, none is claimed and one failed to read. */
	pixman_region32_copy(&fill, &clip);
	for (size_t i = 0; i < count; i++) {
		const struct sw_render_item *it = item_at(items, stride, i);
		if (it->claimed) {
			pixman_region32_union(&claimed, &claimed, (pixman_region32_t *)&it->visible);
			pixman_region32_subtract(&fill, &fill, (pixman_region32_t *)&it->visible);
		} else if (it->image) {
			pixman_region32_subtract(&fill, &fill, (pixman_region32_t *)&it->opaque);
		}
	}
	if (pixman_region32_not_empty(&fill)) {
		pixman_color_t bg = {
			.red = (uint16_t)(((background >> 16) & 0xff) * 0x101),
			.green = (uint16_t)(((background >> 8) & 0xff) * 0x101),
			.blue = (uint16_t)((background & 0xff) * 0x101),
			.alpha = 0xffff,
		};
		pixman_image_t *solid = pixman_image_create_solid_fill(&bg);
		if (solid) {
			pixman_box32_t *ext = pixman_region32_extents(&fill);
			pixman_image_set_clip_region32(target, &fill);
			pixman_image_composite32(PIXMAN_OP_SRC, solid, NULL, target, 0, 0, 0, 0,
						 ext->x1, ext->y1, ext->x2 - ext->x1,
						 ext->y2 - ext->y1);
			pixman_image_unref(solid);
			st.background_pixels = region_area(&fill);
		}
	}

	for (size_t i = 0; i < count; i++) {
		const struct sw_render_item *it = item_at(items, stride, i);
		if (it->claimed || !it->image || it->width <= 0 || it->height <= 0)
			continue;
		pixman_region32_intersect(&draw, (pixman_region32_t *)&it->visible, &clip);
		pixman_region32_subtract(&draw, &draw, &claimed);
		if (!pixman_region32_not_empty(&draw))
			continue;
		set_transform(it->image, it);
		/* An opaque part is copied: its alpha, if any, is not looked at. */
		pixman_region32_intersect(&part, &draw, (pixman_region32_t *)&it->opaque);
		if (pixman_region32_not_empty(&part)) {
			draw_clipped(target, PIXMAN_OP_SRC, it, &part);
			st.src_pixels += region_area(&part);
		}
		pixman_region32_subtract(&part, &draw, (pixman_region32_t *)&it->opaque);
		if (pixman_region32_not_empty(&part)) {
			draw_clipped(target, PIXMAN_OP_OVER, it, &part);
			st.over_pixels += region_area(&part);
		}
	}
	pixman_image_set_clip_region32(target, NULL);
	st.bytes = (st.src_pixels + st.over_pixels + st.background_pixels) *
		   (uint64_t)(PIXMAN_FORMAT_BPP(pixman_image_get_format(target)) / 8);
out:
	pixman_region32_fini(&part);
	pixman_region32_fini(&draw);
	pixman_region32_fini(&fill);
	pixman_region32_fini(&claimed);
	pixman_region32_fini(&clip);
	if (stats)
		*stats = st;
}
