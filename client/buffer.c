#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "buffer.h"
#include "log.h"

pixman_image_t *
sw_buffer_image(struct sw_buffer *buffer)
{
	if (buffer->image || !buffer->format->pixman || !buffer->data)
		return buffer->image;
	buffer->image = pixman_image_create_bits(buffer->format->pixman, (int)buffer->width,
						 (int)buffer->height,
						 (uint32_t *)((uint8_t *)buffer->data + buffer->offset[0]),
						 (int)buffer->stride[0]);
	if (!buffer->image)
		sw_err("pixman cannot wrap a %ux%u %s buffer with stride %u", buffer->width,
		       buffer->height, buffer->format->name, buffer->stride[0]);
	return buffer->image;
}

void
sw_buffer_unmap(struct sw_buffer *buffer)
{
	if (buffer->image)
		pixman_image_unref(buffer->image);
	buffer->image = NULL;
	if (buffer->wl_buffer)
		wl_buffer_destroy(buffer->wl_buffer);
	buffer->wl_buffer = NULL;
	if (buffer->data && munmap(buffer->data, buffer->size) < 0)
		sw_warn("munmap: %s", strerror(errno));
	buffer->data = NULL;
	buffer->size = 0;
}
