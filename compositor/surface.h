#ifndef SW_SURFACE_H
#define SW_SURFACE_H

#include <stdbool.h>
#include <stdint.h>

#include <pixman.h>
#include <wayland-server-core.h>

struct sw_server;
struct sw_buffer;
struct sw_surface;

/* Double-buffered wl_surface state. */
struct sw_surface_state {
	bool buffer_attached;             /* attach was called (buffer may be NULL) */
	struct sw_buffer *buffer;         /* not locked while pending */
	struct wl_listener buffer_destroy;
	int32_t dx, dy;
	pixman_region32_t surface_damage; /* surface coordinates */
	pixman_region32_t buffer_damage;  /* buffer coordinates */
	pixman_region32_t opaque;
	pixman_region32_t input;
	int32_t scale;
	int32_t transform;
	struct wl_list frame_callbacks;   /* wl_resource links */
	struct wl_list feedbacks;         /* sw_presentation_feedback.link */
};

/* What the role (xdg_toplevel, cursor...) does when its surface commits. */
struct sw_surface_role {
	const char *name;
	void (*commit)(struct sw_surface *surface);
};

struct sw_surface {
	struct wl_resource *resource;
	struct sw_server *server;
	struct sw_surface_state pending, current;

	/* The buffer being shown, locked while we may read it. */
	struct sw_buffer *buffer;
	struct wl_listener current_buffer_destroy;
	int32_t width, height;         /* surface-local size of the buffer */
	/* Damage of the last commit in surface coordinates, for the role to place. */
	pixman_region32_t damage;
	/* Damage since the last repaint in buffer coordinates (for converting kinds). */
	pixman_region32_t buffer_damage;
	/* Size before the last commit, so a role can damage what a shrink uncovers. */
	int32_t prev_width, prev_height;

	const struct sw_surface_role *role;
	void *role_data;

	/* Frame callbacks that were committed and wait for a repaint. */
	struct wl_list frame_callbacks;
	/* Feedbacks committed and not yet tied to a repaint. */
	struct wl_list feedbacks;

	struct {
		struct wl_signal commit;   /* after current state changed */
		struct wl_signal destroy;
	} events;
};

bool sw_compositor_create(struct sw_server *server);
struct sw_surface *sw_surface_from_resource(struct wl_resource *resource);
/*
 * Give a surface a role; posts `error_code` on `error_resource` and returns
 * false when it already has a different one.
 */
bool sw_surface_set_role(struct sw_surface *surface, const struct sw_surface_role *role,
			 void *role_data, struct wl_resource *error_resource, uint32_t error_code);
/* Send done to every committed frame callback (after a repaint that used it). */
void sw_surface_send_frame_done(struct sw_surface *surface, uint32_t msec);

#endif
