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

/* What a backend knows about the frame it just put on screen. */
struct sw_present_info {
	struct timespec when;  /* CLOCK_MONOTONIC */
	uint64_t seq;          /* vblank counter, or frame counter */
	uint32_t flags;        /* WP_PRESENTATION_FEEDBACK_KIND_* that are true */
	uint32_t refresh_ns;   /* 0 when unknown */
};

/*
 * The single output: a composited shadow image in system memory (never in
 * scanout memory, which is slow to read back) plus the wl_output and
 * xdg_output globals.
 */
struct sw_output {
	struct sw_server *server;
	struct sw_backend *backend;
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
	struct wl_global *xdg_output_manager;
	struct wl_list clients;          /* output_client.link: each client's wl_output resources */
	struct wl_list xdg_resources;    /* zxdg_output_v1 resources */
	struct wl_list presented_feedbacks; /* feedbacks of the frame on its way */
	/* Reused by every repaint, so a frame allocates nothing once warm. */
	struct sw_scene_list scene_items;    /* what shows, from the scene */
	struct wl_array render_reads;        /* struct sw_buffer *: accesses to end */
	/* What the last repaint wrote (logged at debug level, one line a frame). */
	struct sw_render_stats stats;
	uint64_t frames;

	struct {
		/* After the shadow was updated, with the frame's damage (pixman_region32_t *). */
		struct wl_signal frame_rendered;
		/* The committed frame is on screen (struct sw_present_info *). */
		struct wl_signal present;
	} events;
};

struct sw_output *sw_output_create(struct sw_server *server, struct sw_backend *backend,
				   const char *name, const char *description,
				   int32_t width, int32_t height, int32_t refresh_mhz);
void sw_output_destroy(struct sw_output *output);

void sw_output_damage_whole(struct sw_output *output);
/* Damage in output coordinates. */
void sw_output_damage_region(struct sw_output *output, const pixman_region32_t *region);
void sw_output_damage_box(struct sw_output *output, int32_t x, int32_t y, int32_t w, int32_t h);
/* Ask for a repaint at the next opportunity (no-op when one is already coming). */
void sw_output_schedule_frame(struct sw_output *output);

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
