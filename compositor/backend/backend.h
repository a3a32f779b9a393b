#ifndef SW_BACKEND_H
#define SW_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <pixman.h>

struct sw_server;
struct sw_backend;
struct sw_output;
struct sw_scene_list;

/* The small vtable every backend implements; a backend drives any number of outputs. */
struct sw_backend_impl {
	const char *name;
	void (*destroy)(struct sw_backend *backend);
	/*
	 * Call sw_output_frame(output) at the output's next opportunity to show
	 * a frame (its next tick or vblank, or right away when it is idle).
	 */
	void (*schedule_frame)(struct sw_backend *backend, struct sw_output *output);
	/*
	 * Show the output's shadow image. `damage` is what changed in it since the
	 * previous commit (output coordinates); backends keep their own per-buffer
	 * damage history for buffer age. When the frame is on screen the backend
	 * calls sw_output_presented(). Returns false if nothing will be presented.
	 */
	bool (*commit)(struct sw_backend *backend, struct sw_output *output,
		       pixman_image_t *shadow, const pixman_region32_t *damage);
	/*
	 * Optional, called before each repaint with the output's items: set
	 * render.claimed on those the backend shows itself (planes) instead of
	 * the composited frame. The output keeps their buffers locked until a
	 * later frame replaces them on screen.
	 */
	void (*assign_planes)(struct sw_backend *backend, struct sw_output *output,
			      struct sw_scene_list *list);
};

struct sw_backend {
	const struct sw_backend_impl *impl;
	struct sw_server *server;
	/* The DRM device used for scanout; linux-dmabuf feedback's main_device. */
	bool has_drm_dev;
	dev_t drm_dev;
	/* An output has overlay planes: windows, not only whole frames, may be scanned out. */
	bool has_overlays;
	/*
	 * The driver shows a framebuffer whose plane starts at a nonzero offset
	 * wrongly (vkms 6.12: the CRC differs from the same pixels at offset 0),
	 * so a buffer starting mid-page in its pool is composited there.
	 */
	bool fb_offsets_wrong;
};

struct sw_backend *sw_headless_backend_create(struct sw_server *server);
/*
 * Returns NULL when no DRM device can be used through a session; `why` then
 * says why in a few words (used by --backend=auto to explain its choice).
 */
struct sw_backend *sw_drm_backend_create(struct sw_server *server, char *why, size_t why_len);

#endif
