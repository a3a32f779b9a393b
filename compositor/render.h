#ifndef SW_RENDER_H
#define SW_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pixman.h>

/*
 * A transform an image's content has undergone: a rotation by quarter turns
 * counter-clockwise, the FLIPPED ones mirrored around the vertical axis too.
 * The values follow the common Wayland numbering, but the renderer owns this
 * type; the exact point mapping is in render.c.
 */
enum sw_render_transform {
	SW_RENDER_TRANSFORM_NORMAL = 0,
	SW_RENDER_TRANSFORM_90 = 1,
	SW_RENDER_TRANSFORM_180 = 2,
	SW_RENDER_TRANSFORM_270 = 3,
	SW_RENDER_TRANSFORM_FLIPPED = 4,
	SW_RENDER_TRANSFORM_FLIPPED_90 = 5,
	SW_RENDER_TRANSFORM_FLIPPED_180 = 6,
	SW_RENDER_TRANSFORM_FLIPPED_270 = 7,
};

/* Whether the transform exchanges width and height. */
static inline bool
sw_render_transform_swaps(enum sw_render_transform t)
{
	return ((unsigned)t & 1u) != 0;
}

/* The transform that undoes `t`. */
enum sw_render_transform sw_render_transform_invert(enum sw_render_transform t);

/*
 * Map a region of a width x height area through `t`; the result lies in the
 * transformed area (height x width when `t` swaps). `dst` may be `src`.
 */
void sw_render_transform_region(pixman_region32_t *dst, pixman_region32_t *src,
				enum sw_render_transform t, int32_t width, int32_t height);

/*
 * The renderer knows nothing of Wayland: it composites images, bottom first,
 * into a target, touching only the damaged region. Whoever builds the items
 * decides what of each shows: `visible` is the part of the item's rectangle
 * that nothing opaque above covers, `opaque` the part of that which is
 * opaque (drawn with SRC, the rest with OVER). Both are in target
 * coordinates. The background is filled only where no item is opaque.
 */
struct sw_render_item {
	pixman_image_t *image;   /* NULL: nothing to read (drawn as background if damaged) */
	int32_t x, y;            /* target coordinates of the image's top-left */
	int32_t width, height;   /* size on the target (image is scaled to it) */
	/* What the image's content has undergone; it is drawn with that undone. */
	enum sw_render_transform transform;
	pixman_region32_t visible;
	pixman_region32_t opaque;  /* within visible */
	/*
	 * Shown by other means (a KMS plane): not drawn, and its visible area
	 * counts as covered for everything, the background included.
	 */
	bool claimed;
};

/* What one sw_render call wrote into its target. */
struct sw_render_stats {
	uint64_t src_pixels;         /* items' opaque parts, copied */
	uint64_t over_pixels;        /* items' other parts, blended */
	uint64_t background_pixels;  /* filled with the background colour */
	uint64_t bytes;              /* of the target written, all three together */
};

/*
 * Items are `stride` bytes apart (so callers may embed them in their own
 * records), bottom first. `stats` may be NULL.
 */
void sw_render(pixman_image_t *target, const pixman_region32_t *damage, uint32_t background,
	       const struct sw_render_item *items, size_t count, size_t stride,
	       struct sw_render_stats *stats);
/* Draw one item as it would be composited, replacing what is under it (no blending). */
void sw_render_copy(pixman_image_t *target, const struct sw_render_item *item);

#endif
