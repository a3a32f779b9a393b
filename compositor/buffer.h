#ifndef SW_BUFFER_H
#define SW_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pixman.h>
#include <wayland-server-core.h>

#include "formats.h"

struct sw_buffer;

#define SW_BUFFER_MAX_FENCES 4

/* A buffer's pixels as dma-bufs, for a display to scan out (fds stay the buffer's). */
struct sw_buffer_dmabuf {
	uint32_t format;          /* DRM_FORMAT_* */
	uint64_t modifier;
	unsigned n_planes;
	int fds[4];
	uint32_t offsets[4], strides[4];
};

/*
 * What a kind of client buffer (wl_shm, linux-dmabuf) provides. Every kind
 * uses the same wl_buffer implementation, so any wl_buffer resource of ours
 * maps to a struct sw_buffer.
 */
struct sw_buffer_impl {
	const char *name;
	/*
	 * Make the pixels readable (and writable, for screencopy targets). `damage`
	 * is the part that will be read, in buffer coordinates (NULL: all); kinds
	 * that convert (NV12) refresh what invalidate reported instead, wherever
	 * it is. Returns NULL when the buffer cannot be read; then end_access is
	 * not called.
	 */
	pixman_image_t *(*begin_access)(struct sw_buffer *buffer, const pixman_region32_t *damage);
	/*
	 * Pair of begin_access. Returns false when the access faulted (a pool
	 * truncated under us); the kind has then already posted the protocol
	 * error to the client.
	 */
	bool (*end_access)(struct sw_buffer *buffer);
	/*
	 * Optional. Sync_files (at most SW_BUFFER_MAX_FENCES, into `fds`, the
	 * caller closes them) that become readable once the buffer's writers
	 * are done, so a commit can wait for them off the event loop. Returns
	 * how many; 0 when there is nothing to wait for or the kernel cannot
	 * tell (then begin_access waits, as it must anyway).
	 */
	unsigned (*export_fences)(struct sw_buffer *buffer, int *fds);
	/*
	 * Optional, for kinds that keep a converted copy: the picture in the
	 * buffer may differ from the copy in `damage` (buffer coordinates; NULL:
	 * anywhere). The surfaces that show it report every commit's damage,
	 * whichever buffer that commit attached, so a copy made two frames ago
	 * (double buffering) learns what the other buffer's frame changed.
	 */
	void (*invalidate)(struct sw_buffer *buffer, const pixman_region32_t *damage);
	/*
	 * Optional: the buffer as dma-bufs, valid while the buffer lives.
	 * Returns false, with why in a few words, when it has none.
	 */
	bool (*get_dmabuf)(struct sw_buffer *buffer, struct sw_buffer_dmabuf *out, char *why,
			   size_t why_len);
	/* Free the kind's data; the wl_buffer resource is already gone. */
	void (*destroy)(struct sw_buffer *buffer);
};

struct sw_buffer {
	const struct sw_buffer_impl *impl;
	struct wl_resource *resource;   /* NULL once the client destroyed it */
	int32_t width, height;
	const struct sw_format *format;
	/* Users that read it (a surface's current state); release at zero. */
	unsigned locks;
	struct wl_signal destroy_signal;
};

/*
 * Create the wl_buffer resource for `buffer` (fields filled by the caller).
 * Returns false on allocation failure (no-memory already posted).
 */
bool sw_buffer_init(struct sw_buffer *buffer, const struct sw_buffer_impl *impl,
		    struct wl_client *client, uint32_t id);
/* NULL if the resource is not one of our wl_buffers. */
struct sw_buffer *sw_buffer_from_resource(struct wl_resource *resource);

struct sw_buffer *sw_buffer_lock(struct sw_buffer *buffer);
/* Sends wl_buffer.release when the last user lets go; frees it if the client already did. */
void sw_buffer_unlock(struct sw_buffer *buffer);

#endif
