#ifndef SW_CLIENT_SHM_BUFFER_H
#define SW_CLIENT_SHM_BUFFER_H

#include <wayland-client.h>

#include "anon-file.h"
#include "buffer.h"

/*
 * Make a wl_shm buffer for buffer->format, width, height: the memory is a
 * file from sw_anon_file_create(method), mapped at buffer->data. A non-zero
 * buffer->stride[0] is used as is (screencopy dictates it), otherwise the
 * minimum stride is taken. The buffer starts `pool_offset` bytes into its
 * pool (buffer->offset[0]); with `whole_pages` the pool's size is rounded up
 * to a page, else it ends where the buffer does. Returns 0, or -1 with a message logged.
 */
int sw_shm_buffer_create(struct wl_shm *shm, enum sw_alloc_method method, uint32_t pool_offset,
			 bool whole_pages, struct sw_buffer *buffer);
void sw_shm_buffer_destroy(struct sw_buffer *buffer);

#endif
