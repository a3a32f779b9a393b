#ifndef SW_SURFACE_H
#define SW_SURFACE_H

#include <stdbool.h>
#include <stdint.h>

#include <pixman.h>
#include <wayland-server-core.h>

struct sw_server;
struct sw_buffer;
struct sw_surface;

/*
 * Positions a client chooses (subsurface offsets, popup placement) are clamped
 * to +-SW_COORD_LIMIT, and subsurface trees are at most SW_SUBSURFACE_DEPTH
 * deep, so that summing them along a tree stays far from int32 overflow and
 * walking a tree recursively cannot exhaust the stack.
 */
#define SW_COORD_LIMIT (1 << 20)
#define SW_SUBSURFACE_DEPTH 64
/* Commits a surface may have waiting for fences; more are folded into the last. */
#define SW_SURFACE_MAX_QUEUED 4

static inline int32_t
sw_clamp_coord(int64_t v)
{
	if (v < -SW_COORD_LIMIT)
		return -SW_COORD_LIMIT;
	if (v > SW_COORD_LIMIT)
		return SW_COORD_LIMIT;
	return (int32_t)v;
}

/*
 * Rectangles that requests add one at a time (damage, wl_region.add) wait in
 * a batch of at most SW_BOX_BATCH and join their region a batch at a time:
 * merging each into a pixman region costs the region's size, which makes a
 * flood of requests quadratic. Damage regions are kept to SW_DAMAGE_RECTS
 * rectangles and wl_regions to SW_REGION_RECTS; beyond, a region becomes its
 * bounding box (damage may be larger than asked for; a region's owner is the
 * only one to see the difference).
 */
#define SW_BOX_BATCH 256
#define SW_DAMAGE_RECTS 256
#define SW_REGION_RECTS 1024

struct sw_box_batch {
	struct wl_array boxes;            /* pixman_box32_t */
	bool bounded;                     /* a merge made its region a bounding box */
};

void sw_box_batch_init(struct sw_box_batch *batch);
void sw_box_batch_fini(struct sw_box_batch *batch);
/* Queue `box` for `region`, merging the batch first when it is full; false: out of memory. */
bool sw_box_batch_add(struct sw_box_batch *batch, pixman_region32_t *region,
		      const pixman_box32_t *box, int max_rects);
/* Merge the queued boxes into `region`, then keep it to `max_rects`. */
void sw_box_batch_flush(struct sw_box_batch *batch, pixman_region32_t *region, int max_rects);
/* Replace `region` by its bounding box when it has more than `max_rects` rectangles. */
bool sw_region_bound(pixman_region32_t *region, int max_rects);

/*
 * Buffers with a converted copy (NV12) a surface showed lately: each commit's
 * damage is reported to all of them, so a buffer shown again converts what
 * changed while the others were shown. One that drops out is wholly stale.
 */
#define SW_SURFACE_RECENT_BUFFERS 4
struct sw_recent_buffer {
	struct sw_buffer *buffer;        /* NULL: free slot */
	struct wl_listener destroy;
};

/* Double-buffered wl_surface state. */
struct sw_surface_state {
	bool buffer_attached;             /* attach was called (buffer may be NULL) */
	struct sw_buffer *buffer;         /* not locked while pending */
	struct wl_listener buffer_destroy;
	int32_t dx, dy;
	pixman_region32_t surface_damage; /* surface coordinates */
	pixman_region32_t buffer_damage;  /* buffer coordinates */
	/* Pending only: damage requests not yet merged into the two regions above. */
	struct sw_box_batch surface_damage_boxes, buffer_damage_boxes;
	pixman_region32_t opaque;
	pixman_region32_t input;
	int32_t scale;
	int32_t transform;
	/*
	 * wp_viewport: the source rectangle in surface coordinates before the
	 * viewport (buffer transform and scale undone), 24.8 fixed, src_width
	 * -1 when unset; the destination size, -1 when unset.
	 */
	wl_fixed_t src_x, src_y, src_width, src_height;
	int32_t dst_width, dst_height;
	struct wl_list frame_callbacks;   /* wl_resource links */
	struct wl_list feedbacks;         /* sw_presentation_feedback.link */
};

/* What the role (xdg_toplevel, cursor...) does when its surface commits. */
struct sw_surface_role {
	const char *name;
	void (*commit)(struct sw_surface *surface);
	/*
	 * For roles that are not views (layer surfaces): the output whose frames
	 * answer the surface's frame callbacks, NULL while it is not shown.
	 */
	struct sw_output *(*output)(struct sw_surface *surface);
};

struct sw_surface {
	struct wl_resource *resource;
	struct sw_server *server;
	struct sw_surface_state pending, current;

	/* The buffer being shown, locked while we may read it. */
	struct sw_buffer *buffer;
	/* The one it replaced, released with the next frame (server.retired_surfaces). */
	struct sw_buffer *retired;
	struct wl_list retired_link;
	struct wl_listener current_buffer_destroy;
	int32_t width, height;         /* surface-local size of the buffer */
	/*
	 * Drawn through a wp_viewport (cropped or scaled): `src` is the part of
	 * the buffer shown, in buffer pixels with the transform undone, scaled
	 * to width x height.
	 */
	bool viewported;
	struct { double x, y, width, height; } src;
	/* Damage of the last commit in surface coordinates, for the role to place. */
	pixman_region32_t damage;
	/* Damage since the last repaint in buffer coordinates (for converting kinds). */
	pixman_region32_t buffer_damage;
	struct sw_recent_buffer recent[SW_SURFACE_RECENT_BUFFERS];  /* oldest first */
	/* Size before the last commit, so a role can damage what a shrink uncovers. */
	int32_t prev_width, prev_height;

	const struct sw_surface_role *role;
	void *role_data;
	/* Set by the shell while the surface is the root of a mapped view. */
	struct sw_view *view;
	/* dmabuf.c's per-surface feedback objects; NULL when the client asked for none. */
	struct sw_dmabuf_surface *dmabuf_feedback;
	/* Child wl_subsurfaces drawn below and above this surface, bottom first. */
	struct wl_list subsurfaces_below, subsurfaces_above;

	/* Frame callbacks that were committed and wait for a repaint. */
	struct wl_list frame_callbacks;
	/* In its output's frame_waiters while callbacks or feedbacks wait there. */
	struct wl_list frame_link;
	/* Feedbacks committed and not yet tied to a repaint. */
	struct wl_list feedbacks;
	/*
	 * Commits whose buffer is still being written (its fences have not
	 * signalled), oldest first; later commits queue behind them.
	 */
	struct wl_list queued;           /* sw_queued_commit.link */
	unsigned n_queued;

	struct {
		struct wl_signal commit;   /* after current state changed */
		struct wl_signal destroy;
	} events;
};

/* A wl_subsurface: a surface placed relative to its parent, possibly synchronized. */
struct sw_subsurface {
	struct wl_resource *resource;
	struct sw_surface *surface;
	struct sw_surface *parent;       /* NULL once the parent is gone */
	struct wl_listener surface_destroy, parent_destroy;
	struct wl_list link;             /* parent->subsurfaces_below/above */
	int32_t x, y;                    /* relative to the parent, applied */
	int32_t pending_x, pending_y;    /* applied on the parent's commit */
	bool synchronized;
	bool has_cache;
	struct sw_surface_state cached;  /* commits waiting for the parent's */
};

bool sw_compositor_create(struct sw_server *server);
bool sw_subcompositor_create(struct sw_server *server);

/* Call `fn` for every surface of the tree that has a buffer, bottom first, at output coordinates. */
typedef void (*sw_surface_iter_fn)(struct sw_surface *surface, int32_t x, int32_t y, void *data);
void sw_surface_for_each(struct sw_surface *surface, int32_t x, int32_t y, sw_surface_iter_fn fn,
			 void *data);
/* The root of a subsurface tree, and this surface's offset from it. */
struct sw_surface *sw_surface_get_root(struct sw_surface *surface, int32_t *dx, int32_t *dy);
/* Damage the area of a whole tree placed at (x, y). */
void sw_surface_damage_tree(struct sw_surface *surface, int32_t x, int32_t y);
/* The top-most surface of the tree at (x, y) whose input region holds the point. */
struct sw_surface *sw_surface_at(struct sw_surface *surface, double x, double y, double *sx,
				 double *sy);

/* Internal to surface.c and subcompositor.c. */
void sw_surface_state_init(struct sw_surface_state *state);
void sw_surface_state_fini(struct sw_surface_state *state);
bool sw_subsurface_is_synchronized(struct sw_subsurface *sub);
struct sw_subsurface *sw_subsurface_from_surface(struct sw_surface *surface);
/* Commit a subsurface's cached state now (its parent committed or it became desynchronized). */
void sw_surface_apply_cached(struct sw_surface *surface);
struct sw_surface *sw_surface_from_resource(struct wl_resource *resource);
/*
 * Give a surface a role; posts `error_code` on `error_resource` and returns
 * false when it already has a different one.
 */
bool sw_surface_set_role(struct sw_surface *surface, const struct sw_surface_role *role,
			 void *role_data, struct wl_resource *error_resource, uint32_t error_code);
/* Send done to every committed frame callback (after a repaint that used it). */
void sw_surface_send_frame_done(struct sw_surface *surface, uint32_t msec);
/* The output whose frames answer the surface's callbacks; NULL while it is not shown. */
struct sw_output *sw_surface_frame_output(struct sw_surface *surface);
/*
 * Put the surfaces of the tree that have callbacks or feedbacks waiting on
 * their output's list (done at every commit; a role calls it when it maps).
 */
void sw_surface_tree_wait_frames(struct sw_surface *surface);
/* Release the buffers commits replaced since the last frame (they are not read again). */
void sw_surfaces_release_retired(struct sw_server *server);
/* After a dispatch that retired buffers: release them unless a frame will. */
void sw_surfaces_after_dispatch(struct sw_server *server);

#endif
