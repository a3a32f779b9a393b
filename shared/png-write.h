#ifndef SW_PNG_H
#define SW_PNG_H

#include <pixman.h>

/* Write any pixman-readable image as an 8-bit RGB(A) PNG. Returns 0 or -1 (logged). */
int sw_png_write(const char *path, pixman_image_t *image, int with_alpha);

#endif
