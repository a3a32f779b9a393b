#ifndef SW_CLIENT_BUFFER_H
#define SW_CLIENT_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pixman.h>
#include <wayland-client.h>

#include "formats.h"

/*
 * One client buffer, whatever its backing memory. Allocators fill in the
 * wl_buffer, the CPU mapping (if any) and the layout; users of the window
 * module only read these fields and draw into `data`.
 */
struct sw_buffer {
	struct wl_buffer *wl_buffer;
	const struct sw_format *format;
	uint32_t width, height;
	uint32_t stride[3];     /* per plane, bytes */
	uint32_t offset[3];     /* per plane, from the start of `data` */
	void *data;             /* CPU mapping of the whole buffer, or NULL */
	size_t size;            /* bytes mapped at `data` */

	bool busy;              /* attached and not yet released by the compositor */
	uint64_t content_frame; /* frame number drawn into it, 0 = undefined content */
	void *priv;             /* allocator-private */
	pixman_image_t *image;  /* plane 0 wrapped for pixman, made once (sw_buffer_image) */
	void *owner;            /* whoever hands the buffer out (the window) */
};

/*
 * How a window gets buffers: a second client plugs in another allocator
 * (dma-buf) without touching the window code.
 */
struct sw_buffer_impl {
	const char *name;
	/* Fill `buffer` (format and size are already set); 0 or -1 (logged). */
	int (*create)(void *impl_data, struct sw_buffer *buffer);
	/* Release everything create() made, the wl_buffer included. */
	void (*destroy)(void *impl_data, struct sw_buffer *buffer);
};

/*
 * The buffer's plane 0 as a pixman image, made on first use and kept for the
 * buffer's life (no allocation per frame). NULL (logged) when the format has
 * no pixman equivalent or pixman refuses the layout.
 */
pixman_image_t *sw_buffer_image(struct sw_buffer *buffer);

/*
 * Destroy the wl_buffer and unmap `data` (size bytes), whichever exist: the
 * common part of every allocator's destroy(). Safe to call twice.
 */
void sw_buffer_unmap(struct sw_buffer *buffer);

#endif
