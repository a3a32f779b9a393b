#ifndef SW_YUV_H
#define SW_YUV_H

#include <stdint.h>

/*
 * BT.601, limited ("studio") range: Y in 16..235, Cb/Cr in 16..240. This is
 * what NV12 means when nothing says otherwise (no colour-representation
 * protocol here), in the compositor's conversion and in the clients alike.
 */

struct sw_ycbcr {
	uint8_t y, cb, cr;
};

/* From an ARGB8888/XRGB8888 pixel value (alpha ignored). */
struct sw_ycbcr sw_rgb_to_ycbcr601(uint32_t rgb);
/* To an opaque XRGB8888 value (0xFFrrggbb), clamped. */
uint32_t sw_ycbcr601_to_xrgb(uint8_t y, uint8_t cb, uint8_t cr);

#endif
