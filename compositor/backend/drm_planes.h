#ifndef SW_DRM_PLANES_H
#define SW_DRM_PLANES_H

/*
 * KMS plane assignment for one head: which overlay planes can feed its CRTC
 * (with their IN_FORMATS), and, each frame, which scene items go on them
 * instead of being composited. drm.c owns the device, the modes, the
 * primary plane and the flips; this file decides and describes the planes
 * above the primary, and asks drm.c (through struct drm_assign) for the
 * framebuffers and the TEST_ONLY commits.
 */

#include <stdbool.h>
#include <stdint.h>

#include <pixman.h>
#include <wayland-server-core.h>
#include <xf86drmMode.h>

#include "dmabuf.h"

struct sw_buffer;
struct sw_output;
struct sw_scene_list;

/* Property ids of a plane that an atomic commit sets. */
struct drm_plane_props {
	uint32_t fb_id, crtc_id;
	uint32_t src_x, src_y, src_w, src_h;
	uint32_t crtc_x, crtc_y, crtc_w, crtc_h;
};

/* Where a plane shows a framebuffer, whole, unscaled; fb_id 0: the plane is off. */
struct drm_plane_state {
	uint32_t fb_id;
	int32_t x, y;
	uint32_t w, h;
};

struct drm_format_mod {
	uint32_t format;       /* DRM_FORMAT_* */
	uint64_t modifier;
};

struct drm_plane {
	uint32_t id;
	unsigned index;        /* in the device's plane list: bit of drm_plane_set_init's `taken` */
	uint64_t zpos;         /* the plane's zpos, or its place in the list without one */
	struct drm_plane_props props;
	struct drm_format_mod *formats;
	size_t n_formats;
	/*
	 * KMS says nothing of scaling until a commit is tried: taken as false,
	 * so viewported or scaled items are composited.
	 */
	bool can_scale;
	struct drm_plane_state want;    /* this frame's choice */
	struct drm_plane_state shown;   /* what the last commit set */
	struct sw_buffer *buffer;       /* of `want`, for the logs */
	/* Its formats as a dma-buf feedback scanout tranche, made on first use. */
	struct sw_dmabuf_tranche tranche;
};

/*
 * A client buffer made a framebuffer, once, for the buffer's life. The
 * framebuffer holds the only reference to the imported GEM objects: their
 * handles are closed right after it is made, so buffers sharing a dma-buf
 * never share a handle, and removing the framebuffer frees everything.
 */
struct drm_scanout {
	struct drm_backend *drm;
	struct sw_buffer *buffer;
	struct wl_list link;             /* drm_backend.scanouts */
	struct wl_listener buffer_destroy;
	uint32_t fb_id;                  /* 0 when it could not be made */
	uint32_t format;                 /* DRM_FORMAT_* and modifier of the framebuffer */
	uint64_t modifier;
	char why[128];                   /* why it cannot be scanned out; "" when it can */
	uint32_t tested, refused;        /* bit i: TEST_ONLY on CRTC i passed / failed (primary) */
	/*
	 * The last TEST_ONLY verdict on an overlay: on which plane, at which
	 * position. The same place is not tried again after a refusal; another
	 * place (or another buffer) is.
	 */
	uint32_t overlay_plane;          /* 0: never tested on an overlay */
	int32_t overlay_x, overlay_y;
	bool overlay_ok;
};

/* Items that logged why they are not on a plane, so each reason is said once. */
#define DRM_PLANES_REASONS 16

struct drm_plane_set {
	struct drm_plane *overlays;      /* by rising zpos */
	size_t n_overlays;
	/*
	 * The cursor plane, above every overlay, showing a whole buffer of the
	 * device's cursor size with the cursor image in its top-left corner.
	 */
	struct drm_plane cursor;
	bool has_cursor;
	uint32_t cursor_w, cursor_h;
	bool cursor_tested;              /* TEST_ONLY accepted the cursor plane as wanted */
	bool cursor_shown;               /* this frame's cursor is on the cursor plane */
	const void *cursor_refused;      /* the cursor image TEST_ONLY refused (not retried) */
	/* The layout of the last proposal TEST_ONLY accepted, to skip repeating it. */
	struct drm_plane_state *tested;
	bool tested_primary_client, tested_valid;
	/* Each frame's reasons, to log only what changed. */
	struct {
		const void *who;
		const char *why;
	} reasons[DRM_PLANES_REASONS], last_reasons[DRM_PLANES_REASONS];
	size_t n_reasons, n_last_reasons;
	/* TEST_ONLY commits asked for; the tests read the debug line that counts them. */
	uint64_t tests;
	/*
	 * The primary plane's formats (only id, formats and tranche are set),
	 * for the scanout tranche of a surface that could be the whole frame.
	 */
	struct drm_plane primary;
	/* Frames assigned, and the server, for the dma-buf feedback of candidates. */
	uint64_t frame;
	struct sw_server *server;
};

/*
 * What drm_planes_assign needs from drm.c: the framebuffer record of a buffer
 * (made on first use; NULL when out of memory), and a TEST_ONLY commit of
 * the set's `want` states with the primary plane showing `primary_fb` (0:
 * the composited frame), returning 0 or -errno.
 */
struct drm_assign {
	void *data;
	const char *output_name;
	uint32_t crtc_bit;               /* 1 << CRTC index: drm_scanout.tested/refused */
	struct drm_scanout *(*scanout)(void *data, struct sw_buffer *buffer);
	/* The framebuffer of the cursor size holding `image` (copied on change), or 0. */
	uint32_t (*cursor_fb)(void *data, pixman_image_t *image);
	int (*test)(void *data, uint32_t primary_fb);
	/*
	 * A screen capture waits for this frame: nothing goes on an overlay or
	 * the cursor plane (screencopy reads the composited frame, or the
	 * buffer that is the whole frame).
	 */
	bool compose_only;
};

/*
 * The overlay planes and the cursor plane that can feed CRTC number
 * `crtc_index` and are not in `taken` (bit i: plane i of the device's list
 * belongs to another head); those found are added to it. The cursor plane
 * is used with buffers of cursor_w x cursor_h (DRM_CAP_CURSOR_WIDTH/HEIGHT),
 * none when `cursor_w` is 0. False when out of memory.
 */
bool drm_plane_set_init(struct drm_plane_set *set, int fd, int crtc_index, uint64_t *taken,
			uint32_t cursor_w, uint32_t cursor_h);
/* Reads the IN_FORMATS of the head's primary plane. False when out of memory. */
bool drm_plane_set_primary(struct drm_plane_set *set, int fd, uint32_t plane_id);
/* Frees the set and gives its planes back to `taken`. */
void drm_plane_set_fini(struct drm_plane_set *set, uint64_t *taken);
bool drm_plane_set_owns(const struct drm_plane_set *set, uint32_t plane_id);
/* Add only the cursor plane's wanted state to `req` (a cursor move between frames). */
bool drm_plane_set_add_cursor(const struct drm_plane_set *set, drmModeAtomicReq *req,
			      uint32_t crtc_id);
bool drm_plane_has_format(const struct drm_plane *plane, uint32_t format, uint64_t modifier);

/*
 * Choose this frame's planes: from the top of the list down, opaque,
 * untransformed, unscaled items whose buffers are framebuffers go on
 * overlays while nothing composited lies above them; a bottom item that is
 * the whole frame, with everything above it on planes, goes on the primary.
 * The cursor goes on the cursor plane when it fits: it is then not drawn
 * (render.image NULL) but not claimed either, since what shows through it
 * is composited beneath it. Every new proposal is checked with TEST_ONLY;
 * refused planes are dropped one at a time, lowest first. Sets
 * render.claimed on the items shown by planes. Surfaces that fit a plane
 * but for their buffer (its kind, format or modifier) are scanout
 * candidates: their dma-buf feedback gets that plane's scanout tranche.
 */
void drm_planes_assign(struct drm_plane_set *set, const struct drm_assign *assign,
		       struct sw_output *output, struct sw_scene_list *list);

/*
 * Add the planes whose wanted state differs from the one shown (every plane
 * with `all`, as for a modeset) to `req`. False when out of memory.
 */
bool drm_plane_set_add(const struct drm_plane_set *set, drmModeAtomicReq *req, uint32_t crtc_id,
		       bool all);
/* A real commit of the wanted states succeeded: they are shown now. */
void drm_plane_set_committed(struct drm_plane_set *set);
/* Add what the wanted overlays cover (all opaque) to `region`. */
void drm_plane_set_covered(const struct drm_plane_set *set, pixman_region32_t *region);
/* Nothing on any overlay (the output is composited, or went away). */
void drm_plane_set_clear(struct drm_plane_set *set);

#endif
