#include <stddef.h>

#include <pixman.h>

#include "render.h"

static void
set_scale(pixman_image_t *image, int32_t width, int32_t height)
{
	int32_t iw = pixman_image_get_width(image);
	int32_t ih = pixman_image_get_height(image);
	if (iw == width && ih == height) {
		pixman_image_set_transform(image, NULL);
		return;
	}
	pixman_transform_t t;
	pixman_transform_init_scale(&t, pixman_double_to_fixed((double)iw / width),
				    pixman_double_to_fixed((double)ih / height));
	pixman_image_set_transform(image, &t);
	pixman_image_set_filter(image, PIXMAN_FILTER_NEAREST, NULL, 0);
}

void
sw_render(pixman_image_t *target, const pixman_region32_t *damage, uint32_t background,
	  const struct sw_render_item *items, size_t count)
{
	pixman_region32_t clip;
	pixman_region32_init(&clip);
	pixman_region32_intersect_rect(&clip, (pixman_region32_t *)damage, 0, 0,
				       pixman_image_get_width(target),
				       pixman_image_get_height(target));
	if (!pixman_region32_not_empty(&clip))
		goto out;

	/* Everything outside the damage stays as it was. */
	pixman_image_set_clip_region32(target, &clip);

	pixman_color_t bg = {
		.red = (uint16_t)(((background >> 16) & 0xff) * 0x101),
		.green = (uint16_t)(((background >> 8) & 0xff) * 0x101),
		.blue = (uint16_t)((background & 0xff) * 0x101),
		.alpha = 0xffff,
	};
	pixman_image_t *fill = pixman_image_create_solid_fill(&bg);
	pixman_box32_t *ext = pixman_region32_extents(&clip);
	pixman_image_composite32(PIXMAN_OP_SRC, fill, NULL, target, 0, 0, 0, 0, ext->x1, ext->y1,
				 ext->x2 - ext->x1, ext->y2 - ext->y1);
	pixman_image_unref(fill);

	for (size_t i = 0; i < count; i++) {
		const struct sw_render_item *it = &items[i];
		set_scale(it->image, it->width, it->height);
		pixman_image_composite32(it->opaque ? PIXMAN_OP_SRC : PIXMAN_OP_OVER, it->image,
					 NULL, target, 0, 0, 0, 0, it->x, it->y, it->width,
					 it->height);
	}

	pixman_image_set_clip_region32(target, NULL);
out:
	pixman_region32_fini(&clip);
}
