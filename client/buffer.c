#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "buffer.h"
#include "log.h"

void
sw_buffer_unmap(struct sw_buffer *buffer)
{
	if (buffer->wl_buffer)
		wl_buffer_destroy(buffer->wl_buffer);
	buffer->wl_buffer = NULL;
	if (buffer->data && munmap(buffer->data, buffer->size) < 0)
		sw_warn("munmap: %s", strerror(errno));
	buffer->data = NULL;
	buffer->size = 0;
}
