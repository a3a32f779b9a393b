#ifndef SW_CLIENT_PAINT_H
#define SW_CLIENT_PAINT_H

#include <stdint.h>

#include <pixman.h>

#include "buffer.h"

/*
 * Fill `box` of `buffer` with the colour `argb` (AARRGGBB, premultiplied):
 * through `image` (pixman's view of plane 0) when there is one, else as
 * NV12, whose chroma blocks the box should not split (even coordinates).
 */
void sw_paint_box(struct sw_buffer *buffer, pixman_image_t *image, const pixman_box32_t *box,
		  uint32_t argb);

#endif
