#ifndef SW_OUTPUT_H
#define SW_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <pixman.h>
#include <wayland-server-core.h>

#include "render.h"
#include "scene.h"

struct sw_server;
struct sw_backend;
struct sw_view;

/* What a backend knows about the frame it just put on screen. */
struct sw_present_info {
	struct timespec when;  /* CLOCK_MONOTONIC */
	uint64_t seq;          /* vblank counter, or frame counter */
	uint32_t flags;        /* WP_PRESENTATION_FEEDBACK_KIND_* that are true */
	uint32_t refresh_ns;   /* 0 when unknown */
};

/*
 * One output: a composited shadow image in system memory (never in scanout
 * memory, which is slow to read back) plus its wl_output global. Outputs are
 * laid out left to right in the order they were made: (x, y) is the output's
 * top-left in the layout, the coordinates views live in.
 */
struct sw_output {
	struct sw_server *server;
	struct sw_backend *backend;
	void *backend_data;          /* the backend's own state for this output */
	struct wl_list link;         /* sw_server.outputs */
	int32_t x, y;
	char name[32];
	char description[128];
	char make[64], model[64];
	int32_t width, height;
	int32_t refresh_mhz;
	int32_t phys_width_mm, phys_height_mm;

	pixman_image_t *shadow;      /* XRGB8888, width x height */
	pixman_region32_t damage;    /* needs repainting, output coordinates */
	bool enabled;                /* false while the VT is switched away */
	bool frame_scheduled;        /* the backend will call sw_output_frame */
	bool commit_pending;         /* a frame was committed, not yet presented */

	struct wl_global *global;
	struct wl_list clients;          /* output_client.link: each client's wl_output resources */
	struct wl_list xdg_resources;    /* zxdg_output_v1 resources */
	struct wl_list presented_feedbacks; /* feedbacks of the frame on its way */
	struct wl_list frame_waiters;       /* sw_surface.frame_link: callbacks due */
	/*
	 * Planes show pixels the shadow lacks (an overlay, the cursor plane):
	 * set at each plane assignment. While captures wait, a frame is
	 * composited whole, so that screencopy reads every pixel.
	 */
	bool shadow_partial;
	unsigned captures_waiting;
	/* Reused by every repaint, so a frame allocates nothing once warm. */
	struct sw_scene_list scene_items;    /* what shows, from the scene */
	struct wl_array render_reads;        /* struct sw_buffer *: accesses to end */
	/*
	 * What the last frame cost (logged at debug level, one line a frame):
	 * what the repaint wrote into the shadow, and what the backend copied
	 * to show it (the shadow into a dumb buffer).
	 */
	struct sw_render_stats stats;
	uint64_t copied_bytes;       /* set by the backend's commit */
	uint64_t frames;

	/*
	 * Buffers a backend shows on planes rather than composited, each
	 * locked (struct sw_buffer *): those of the frame on its way, and those
	 * of the frame on screen, unlocked once a later frame replaces it, so
	 * wl_buffer.release comes only after the flip away.
	 */
	struct wl_array planes_pending, planes_shown;
	struct wl_array planes_surfaces;    /* struct sw_surface *: this repaint's claimed */
	bool planes_rebuilt;                /* the frame on its way has its own plane set */
	/* A claimed buffer that is the whole frame (the shadow is not it), or NULL. */
	struct sw_buffer *frame_pending, *frame_shown;
	/* Where the shadow was left unwritten for claimed items, output coordinates. */
	pixman_region32_t claimed;

	struct {
		/* After the shadow was updated, with the frame's damage (pixman_region32_t *). */
		struct wl_signal frame_rendered;
		/* The committed frame is on screen (struct sw_present_info *). */
		struct wl_signal present;
		/* The output is going away (struct sw_output *). */
		struct wl_signal destroy;
	} events;
};

/*
 * A new output at the right end of the layout, with its wl_output global.
 * Backends set backend_data (and phys size, model) before the first frame.
 */
struct sw_output *sw_output_create(struct sw_server *server, struct sw_backend *backend,
				   const char *name, const char *description,
				   int32_t width, int32_t height, int32_t refresh_mhz);
/*
 * Remove the output: the outputs right of it move left, and the windows it
 * showed move to the first remaining output.
 */
void sw_output_destroy(struct sw_output *output);

/* The zxdg_output_manager_v1 global: one for all outputs. */
bool sw_xdg_output_manager_create(struct sw_server *server);

/* ---- the layout: every output, in the coordinates views live in ---- */

/* Damage in layout coordinates, handed to every output it touches. */
void sw_outputs_damage_box(struct sw_server *server, int32_t x, int32_t y, int32_t w, int32_t h);
void sw_outputs_damage_region(struct sw_server *server, const pixman_region32_t *region);
/* The left-most output, or NULL when there is none. */
struct sw_output *sw_output_first(struct sw_server *server);
/* The output showing (x, y), or NULL. */
struct sw_output *sw_output_at(struct sw_server *server, double x, double y);
/*
 * The output showing most of the box, else the first output (NULL when
 * there is none): the one whose frames pace a surface there.
 */
struct sw_output *sw_output_for_box(struct sw_server *server, int32_t x, int32_t y, int32_t w,
				    int32_t h);
/* The same for a view's root surface. */
struct sw_output *sw_view_output(struct sw_view *view);
/* Ask the view's output for a frame (frame callbacks and feedback wait for it). */
void sw_view_schedule_frame(struct sw_view *view);
/* Move (x, y) onto the nearest point of some output. False when there is no output. */
bool sw_outputs_clamp_point(struct sw_server *server, double *x, double *y);

void sw_output_damage_whole(struct sw_output *output);
/* Damage in output coordinates. */
void sw_output_damage_region(struct sw_output *output, const pixman_region32_t *region);
void sw_output_damage_box(struct sw_output *output, int32_t x, int32_t y, int32_t w, int32_t h);
/* Ask for a repaint at the next opportunity (no-op when one is already coming). */
void sw_output_schedule_frame(struct sw_output *output);

/*
 * Whether a scene item can be the whole frame by itself: an opaque buffer
 * pixman reads as it is, covering the output exactly, untransformed and
 * unscaled.
 */
bool sw_output_item_is_frame(struct sw_output *output, const struct sw_scene_item *item);
/*
 * The picture on screen, for readers such as screencopy: the shadow, or the
 * buffer that is the frame. NULL when it cannot be read now. Pair with
 * sw_output_end_read.
 */
pixman_image_t *sw_output_begin_read(struct sw_output *output);
/* Pair of a successful sw_output_begin_read. */
void sw_output_end_read(struct sw_output *output);
/* The buffer that is the last frame made, or NULL when it is the shadow. */
struct sw_buffer *sw_output_frame_buffer(struct sw_output *output);

/* Backend -> output: it is time to render (vblank or timer). */
void sw_output_frame(struct sw_output *output);
/* Backend -> output: the last committed frame is now on screen. */
void sw_output_presented(struct sw_output *output, const struct sw_present_info *info);
/* Backend -> output: VT switched away (false) or back (true, full repaint follows). */
void sw_output_set_enabled(struct sw_output *output, bool enabled);

/*
 * A client holds at most this many wl_output resources at once; one more bind
 * is refused with wl_display.no_memory (and logged).
 */
#define SW_OUTPUT_BINDS_PER_CLIENT 64

/* The wl_output resources of `client` for this output (wl_resource links), or NULL. */
struct wl_list *sw_output_client_resources(struct sw_output *output, struct wl_client *client);
/* The wl_output resource of `client` for this output, or NULL. */
struct wl_resource *sw_output_resource_for_client(struct sw_output *output, struct wl_client *client);
struct sw_output *sw_output_from_resource(struct wl_resource *resource);

#endif
