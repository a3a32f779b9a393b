#ifndef SW_RENDER_H
#define SW_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pixman.h>

/*
 * The renderer knows nothing of Wayland: it composites images, bottom first,
 * into a target, touching only the damaged region.
 */
struct sw_render_item {
	pixman_image_t *image;
	int32_t x, y;            /* target coordinates of the image's top-left */
	int32_t width, height;   /* size on the target (image is scaled to it) */
	bool opaque;             /* SRC instead of OVER */
};

void sw_render(pixman_image_t *target, const pixman_region32_t *damage, uint32_t background,
	       const struct sw_render_item *items, size_t count);

#endif
