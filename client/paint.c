#include <string.h>

#include "paint.h"
#include "yuv.h"

void
sw_paint_box(struct sw_buffer *buffer, pixman_image_t *image, const pixman_box32_t *box,
	     uint32_t argb)
{
	if (box->x1 >= box->x2 || box->y1 >= box->y2)
		return;
	if (image) {
		/* 8-bit channels widened so pixman narrows them back exactly. */
		pixman_color_t color = {
			.alpha = (uint16_t)(((argb >> 24) & 0xff) * 0x101),
			.red = (uint16_t)(((argb >> 16) & 0xff) * 0x101),
			.green = (uint16_t)(((argb >> 8) & 0xff) * 0x101),
			.blue = (uint16_t)((argb & 0xff) * 0x101),
		};
		pixman_image_fill_boxes(PIXMAN_OP_SRC, image, &color, 1, box);
		return;
	}

	/* NV12: full-resolution luma, one Cb/Cr pair per 2x2 block. */
	struct sw_ycbcr c = sw_rgb_to_ycbcr601(argb);
	uint8_t *base = buffer->data;
	for (int32_t y = box->y1; y < box->y2; y++)
		memset(base + buffer->offset[0] + (size_t)y * buffer->stride[0] + box->x1, c.y,
		       (size_t)(box->x2 - box->x1));
	for (int32_t y = box->y1 / 2; y < (box->y2 + 1) / 2; y++) {
		uint8_t *row = base + buffer->offset[1] + (size_t)y * buffer->stride[1];
		for (int32_t x = box->x1 / 2; x < (box->x2 + 1) / 2; x++) {
			row[2 * x] = c.cb;
			row[2 * x + 1] = c.cr;
		}
	}
}
