#ifndef SW_VIEW_H
#define SW_VIEW_H

/*
 * A view: something a shell protocol puts on screen (an xdg toplevel or
 * popup). The protocol file owns it and fills in what the client said; the
 * window manager (wm.c) listens to its signals and decides where it goes,
 * how large it should be and which states it has. The view is the whole
 * interface between the two: neither includes the other's header.
 */
#include <stdbool.h>
#include <stdint.h>

#include <pixman.h>
#include <wayland-server-core.h>

struct sw_output;
struct sw_server;
struct sw_surface;

struct sw_box {
	int32_t x, y, width, height;
};

/* The states the window manager gives a toplevel (xdg_toplevel.state, as bits). */
enum sw_view_state {
	SW_VIEW_MAXIMIZED = 1u << 0,
	SW_VIEW_FULLSCREEN = 1u << 1,
	SW_VIEW_RESIZING = 1u << 2,
	SW_VIEW_ACTIVATED = 1u << 3,
};

struct sw_view;

/* What the window manager asks of the protocol behind a view. */
struct sw_view_impl {
	/* Send a configure with want_width x want_height, states and bounds. */
	void (*configure)(struct sw_view *view);
	/* Ask the client whether it is alive (xdg_wm_base.ping); no-op while one is out. */
	void (*ping)(struct sw_view *view);
	/* A grabbing popup is dismissed (xdg_popup.popup_done). */
	void (*dismiss)(struct sw_view *view);
	/* Ask a toplevel to close (xdg_toplevel.close). */
	void (*close)(struct sw_view *view);
};

/* request_fullscreen's data. */
struct sw_view_fullscreen_request {
	struct sw_view *view;
	struct sw_output *output;   /* the one named by the client, or NULL */
};

/* request_move's and request_resize's data. */
struct sw_view_grab_request {
	struct sw_view *view;
	uint32_t serial;
	uint32_t edges;             /* xdg_toplevel.resize_edge, for resize */
};

struct sw_view {
	struct sw_server *server;
	struct sw_surface *surface;
	const struct sw_view_impl *impl;
	struct sw_view *parent;   /* popups: the view they are relative to */
	struct sw_view *transient_for; /* toplevels: xdg_toplevel.set_parent, or NULL */
	bool toplevel;            /* false: a popup */
	int32_t x, y;             /* output coordinates of the surface's origin */
	bool mapped;
	bool grabbing;            /* a popup that asked for the grab */
	bool above_layers;        /* a popup of a layer surface (or of one): above every layer */
	struct wl_list link;      /* sw_server.views, bottom first (or the wm's hidden list) */

	/* From the client, as committed. */
	struct sw_box geometry;   /* window geometry, surface-local (the whole surface if unset) */
	int32_t min_width, min_height, max_width, max_height; /* 0: no limit */
	const char *title;        /* xdg_toplevel.set_title, NULL: none */

	/*
	 * A server-side title bar (xdg_decoration.c) right above the window
	 * geometry, `width` wide from its left edge: its image, NULL when the
	 * client draws its own decorations. Not shown while fullscreen.
	 */
	struct {
		pixman_image_t *image;
		int32_t width, height;
		int32_t close_x;          /* the close button from there to its right end */
	} frame;

	/* From the window manager, sent by impl->configure. */
	int32_t want_width, want_height; /* 0: the client chooses */
	uint32_t states;                 /* enum sw_view_state */
	void *wm_data;                   /* the window manager's, opaque to the protocol */
	struct sw_box bounds;            /* the usable area of its output */
	bool minimized;

	struct {
		struct wl_signal map;                /* struct sw_view * */
		struct wl_signal unmap;              /* struct sw_view * */
		struct wl_signal commit;             /* struct sw_view *, mapped */
		struct wl_signal request_fullscreen; /* struct sw_view_fullscreen_request * */
		struct wl_signal request_unfullscreen; /* struct sw_view * */
		struct wl_signal request_maximize;   /* struct sw_view * */
		struct wl_signal request_unmaximize; /* struct sw_view * */
		struct wl_signal request_minimize;   /* struct sw_view * */
		struct wl_signal request_move;       /* struct sw_view_grab_request * */
		struct wl_signal request_resize;     /* struct sw_view_grab_request * */
		struct wl_signal set_title;          /* struct sw_view * */
		struct wl_signal configure;          /* struct sw_view *, states or size given */
		struct wl_signal destroy;            /* struct sw_view *, before it goes */
	} events;
};

void sw_view_init(struct sw_view *view, struct sw_server *server, struct sw_surface *surface,
		  const struct sw_view_impl *impl);

/*
 * What input at (x, y) reaches: layer surfaces of the overlay and top layers
 * (the top layer under a fullscreen window, as drawn), then the windows and
 * their title bars, then the bottom and background layers.
 */
struct sw_hit {
	struct sw_view *view;        /* the window hit; NULL: a layer surface, or nothing */
	struct sw_surface *surface;  /* what gets the pointer; NULL: a title bar, or nothing */
	bool frame;                  /* on view's title bar; (sx, sy) is in the bar */
	double sx, sy;               /* surface-local */
};
void sw_hit_test(struct sw_server *server, double x, double y, struct sw_hit *hit);

/* The top-most view whose input region contains (x, y), unless a layer surface covers it. */
struct sw_view *sw_view_at(struct sw_server *server, double x, double y, double *sx, double *sy);
/* The same, also giving the surface of the tree (maybe a subsurface) that was hit. */
struct sw_view *sw_view_surface_at(struct sw_server *server, double x, double y,
				   struct sw_surface **surface, double *sx, double *sy);
/* The title bar's box in output coordinates; false when none shows. */
bool sw_view_frame_box(const struct sw_view *view, struct sw_box *box);
/* The top-most view whose title bar holds (x, y), unless a surface above does; bar coords out. */
struct sw_view *sw_view_frame_at(struct sw_server *server, double x, double y, double *fx,
				 double *fy);
/* Damage the whole area the view covers, its title bar included. */
void sw_view_damage_whole(struct sw_view *view);
/* The toplevel a popup belongs to (the view itself for a toplevel). */
struct sw_view *sw_view_root(struct sw_view *view);

#endif
