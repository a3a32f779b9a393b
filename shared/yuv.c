#include "yuv.h"

/* Coefficients scaled by 2^16, rounded; see ITU-R BT.601 and its limited-range scaling. */
#define FIX(x) ((int32_t)((x) * 65536.0 + 0.5))

static uint8_t
clamp_u8(int32_t v)
{
	if (v < 0)
		return 0;
	if (v > 255)
		return 255;
	return (uint8_t)v;
}

struct sw_ycbcr
sw_rgb_to_ycbcr601(uint32_t rgb)
{
	int32_t r = (rgb >> 16) & 0xff;
	int32_t g = (rgb >> 8) & 0xff;
	int32_t b = rgb & 0xff;
	struct sw_ycbcr out;

	/* Full-range RGB to Y' 16..235 and Cb/Cr 16..240. */
	out.y = clamp_u8(16 + ((FIX(0.256788) * r + FIX(0.504129) * g +
				FIX(0.097906) * b + 32768) >> 16));
	out.cb = clamp_u8(128 + ((-FIX(0.148223) * r - FIX(0.290993) * g +
				  FIX(0.439216) * b + 32768) >> 16));
	out.cr = clamp_u8(128 + ((FIX(0.439216) * r - FIX(0.367788) * g -
				  FIX(0.071427) * b + 32768) >> 16));
	return out;
}

uint32_t
sw_ycbcr601_to_xrgb(uint8_t y, uint8_t cb, uint8_t cr)
{
	int32_t c = ((int32_t)y - 16) * FIX(1.164383);
	int32_t d = (int32_t)cb - 128;
	int32_t e = (int32_t)cr - 128;

	/* The sums stay well inside 32 bits: |c| < 2^24, each term < 2^24. */
	uint8_t r = clamp_u8((c + FIX(1.596027) * e + 32768) >> 16);
	uint8_t g = clamp_u8((c - FIX(0.391762) * d - FIX(0.812968) * e + 32768) >> 16);
	uint8_t b = clamp_u8((c + FIX(2.017232) * d + 32768) >> 16);
	return 0xff000000u | ((uint32_t)r << 16) | ((uint32_t)g << 8) | b;
}
