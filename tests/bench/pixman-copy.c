/*
 * The yardstick of composition cost: a pixman SRC copy of a WxH XRGB8888
 * frame into another, cache-cold (the copies cycle through pairs of images
 * that together are far larger than any cache), timed by the thread's CPU
 * clock.
 *
 *   pixman-copy [COPIES] [WxH]
 *
 * Prints "copies=N size=WxH us_per_copy=F".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pixman.h>

#define PAIRS 8   /* 8 x 2 x 8 MiB at 1080p: 128 MiB */

static double
thread_cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int
main(int argc, char *argv[])
{
	int copies = argc > 1 ? atoi(argv[1]) : 200;
	int w = 1920, h = 1080;
	if (argc > 2 && sscanf(argv[2], "%dx%d", &w, &h) != 2)
		w = 0;
	if (copies < 1 || w < 1 || h < 1 || w > 16384 || h > 16384) {
		fprintf(stderr, "usage: pixman-copy [COPIES] [WxH]\n");
		return 2;
	}
	pixman_image_t *src[PAIRS], *dst[PAIRS];
	for (int i = 0; i < PAIRS; i++) {
		src[i] = pixman_image_create_bits(PIXMAN_x8r8g8b8, w, h, NULL, 0);
		dst[i] = pixman_image_create_bits(PIXMAN_x8r8g8b8, w, h, NULL, 0);
		if (!src[i] || !dst[i]) {
			fprintf(stderr, "pixman-copy: cannot allocate %dx%d images\n", w, h);
			return 2;
		}
		/* Touch every page, so the copies pay no page faults. */
		memset(pixman_image_get_data(src[i]), 0x40 + i,
		       (size_t)pixman_image_get_stride(src[i]) * (size_t)h);
		memset(pixman_image_get_data(dst[i]), 0, (size_t)pixman_image_get_stride(dst[i]) *
							 (size_t)h);
	}
	double t0 = thread_cpu_us();
	for (int n = 0; n < copies; n++) {
		int i = n % PAIRS;
		pixman_image_composite32(PIXMAN_OP_SRC, src[i], NULL, dst[i], 0, 0, 0, 0, 0, 0, w, h);
	}
	double us = (thread_cpu_us() - t0) / copies;
	for (int i = 0; i < PAIRS; i++) {
		pixman_image_unref(src[i]);
		pixman_image_unref(dst[i]);
	}
	printf("copies=%d size=%dx%d us_per_copy=%.1f\n", copies, w, h, us);
	return 0;
}
