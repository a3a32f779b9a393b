#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "log.h"
#include "png-write.h"

int
sw_png_write(const char *path, pixman_image_t *image, int with_alpha)
{
	volatile int ret = -1;
	int width = pixman_image_get_width(image);
	int height = pixman_image_get_height(image);
	png_structp png = NULL;
	png_infop info = NULL;
	png_bytep *rows = NULL;

	/* a8b8g8r8 is R,G,B,A in memory on little endian: what libpng wants. */
	pixman_image_t *rgba = pixman_image_create_bits(PIXMAN_a8b8g8r8, width, height, NULL, 0);
	if (!rgba) {
		sw_err("png: cannot allocate %dx%d image", width, height);
		return -1;
	}
	pixman_image_composite32(PIXMAN_OP_SRC, image, NULL, rgba, 0, 0, 0, 0, 0, 0, width, height);

	FILE *f = fopen(path, "wb");
	if (!f) {
		sw_err("png: cannot open %s: %s", path, strerror(errno));
		goto err_image;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (!png)
		goto err_file;
	info = png_create_info_struct(png);
	if (!info)
		goto err_png;
	rows = calloc((size_t)height, sizeof(*rows));
	if (!rows)
		goto err_png;
	if (setjmp(png_jmpbuf(png))) {
		sw_err("png: libpng failed writing %s", path);
		goto err_png;
	}

	png_init_io(png, f);
	png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
		     with_alpha ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	if (!with_alpha)
		png_set_filler(png, 0, PNG_FILLER_AFTER);
	uint8_t *data = (uint8_t *)pixman_image_get_data(rgba);
	int stride = pixman_image_get_stride(rgba);
	for (int y = 0; y < height; y++)
		rows[y] = data + (size_t)y * (size_t)stride;
	png_write_image(png, rows);
	png_write_end(png, NULL);
	ret = 0;

err_png:
	free(rows);
	png_destroy_write_struct(&png, info ? &info : NULL);
err_file:
	if (fclose(f) != 0 && ret == 0) {
		sw_err("png: closing %s: %s", path, strerror(errno));
		ret = -1;
	}
err_image:
	pixman_image_unref(rgba);
	return ret;
}
