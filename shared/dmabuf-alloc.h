#ifndef SW_DMABUF_ALLOC_H
#define SW_DMABUF_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * dma-buf helpers shared by the compositor (checking what a client sent) and
 * the clients (making dma-bufs without a GPU: udmabuf and dma-heap).
 */

enum sw_dmabuf_alloc_method {
	SW_DMABUF_UDMABUF,   /* sealed memfd turned into a dma-buf by /dev/udmabuf */
	SW_DMABUF_DMA_HEAP,  /* /dev/dma_heap/<name>, "system" by default */
};

const char *sw_dmabuf_alloc_method_name(enum sw_dmabuf_alloc_method method);

/*
 * True if `fd` lives on the kernel's dma-buf pseudo filesystem. Anything else
 * (a memfd, a tmpfs file) could be truncated under a reader and is refused.
 * Returns -1 (errno set) when fstatfs fails, 0 for "not a dma-buf", 1 for yes.
 */
int sw_fd_is_dmabuf(int fd);

/*
 * DMA_BUF_IOCTL_SYNC with DMA_BUF_SYNC_START or _END plus _READ/_WRITE/_RW
 * flags, retried on EINTR/EAGAIN. START also waits for the buffer's implicit
 * fences. Returns 0 or -1 with errno set.
 */
int sw_dmabuf_sync(int fd, uint64_t flags);

/* Round `size` up to the page size; 0 if that overflows. */
size_t sw_page_align(size_t size);

/*
 * Allocate a dma-buf of at least `size` bytes (rounded up to the page size,
 * the real size is stored in *out_size). `heap` is the dma-heap name (NULL:
 * "system"), ignored for udmabuf. Returns the dma-buf fd (O_CLOEXEC, O_RDWR)
 * or -1 after logging what is missing: the device node, the kernel option,
 * or the permission.
 */
int sw_dmabuf_alloc(enum sw_dmabuf_alloc_method method, const char *heap, size_t size,
		    size_t *out_size);

#endif
