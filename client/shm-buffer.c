#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "shm-buffer.h"

int
sw_shm_buffer_create(struct wl_shm *shm, enum sw_alloc_method method, uint32_t pool_offset,
		     bool whole_pages, struct sw_buffer *buffer)
{
	const struct sw_format *fmt = buffer->format;
	uint64_t min_stride = sw_format_min_stride(fmt, 0, buffer->width);
	uint64_t stride = buffer->stride[0] ? buffer->stride[0] : min_stride;
	/* The buffer starts `pool_offset` bytes into its pool (and the mapping). */
	uint64_t size = pool_offset;

	if (buffer->width == 0 || buffer->height == 0 || stride < min_stride) {
		sw_err("bad buffer layout %ux%u stride %llu for %s", buffer->width,
		       buffer->height, (unsigned long long)stride, fmt->name);
		return -1;
	}
	/*
	 * wl_shm has one offset and one stride; planes after the first follow
	 * each other tightly with the same stride (the NV12 convention).
	 */
	for (unsigned p = 0; p < fmt->planes; p++) {
		buffer->offset[p] = (uint32_t)size;
		buffer->stride[p] = (uint32_t)stride;
		size += stride * sw_format_plane_height(fmt, p, buffer->height);
		if (size > INT32_MAX) {
			sw_err("%ux%u %s buffer is too large for wl_shm", buffer->width,
			       buffer->height, fmt->name);
			return -1;
		}
	}

	if (whole_pages) {
		long page = sysconf(_SC_PAGESIZE);
		uint64_t p = page > 0 ? (uint64_t)page : 4096;
		size = (size + p - 1) / p * p;
		if (size > INT32_MAX) {
			sw_err("%llu bytes in whole pages are too many for wl_shm",
			       (unsigned long long)size);
			return -1;
		}
	}
	int fd = sw_anon_file_create((size_t)size, method);
	if (fd < 0)
		return -1;

	if (sw_log_get_level() >= SW_LOG_DEBUG && method != SW_ALLOC_POSIX_SHM) {
		char seals[64];
		int s = fcntl(fd, F_GET_SEALS);
		sw_debug("%s buffer %ux%u %s, %llu bytes, seals: %s",
			 sw_alloc_method_name(method), buffer->width, buffer->height,
			 fmt->name, (unsigned long long)size,
			 s < 0 ? strerror(errno) : sw_seals_to_string(s, seals, sizeof(seals)));
	}

	void *data = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (data == MAP_FAILED) {
		sw_err("mmap of %llu bytes: %s", (unsigned long long)size, strerror(errno));
		goto err_fd;
	}

	struct wl_shm_pool *pool = wl_shm_create_pool(shm, fd, (int32_t)size);
	if (!pool) {
		sw_err("wl_shm.create_pool: out of memory");
		goto err_map;
	}
	buffer->wl_buffer = wl_shm_pool_create_buffer(pool, (int32_t)pool_offset,
						      (int32_t)buffer->width,
						      (int32_t)buffer->height,
						      (int32_t)stride, fmt->shm);
	/* The buffer keeps the pool's memory alive; neither needs the fd any more. */
	wl_shm_pool_destroy(pool);
	close(fd);
	if (!buffer->wl_buffer) {
		sw_err("wl_shm_pool.create_buffer: out of memory");
		munmap(data, (size_t)size);
		return -1;
	}
	buffer->data = data;
	buffer->size = (size_t)size;
	return 0;

err_map:
	munmap(data, (size_t)size);
err_fd:
	close(fd);
	return -1;
}

void
sw_shm_buffer_destroy(struct sw_buffer *buffer)
{
	sw_buffer_unmap(buffer);
}
