/*
 * xdg_wm_base, xdg_surface, xdg_toplevel, xdg_popup and xdg_positioner: the
 * protocol, and nothing of the policy. Each xdg_surface with a role is a
 * sw_view: what the client asks for (fullscreen, maximize, move, ...) is
 * emitted as a signal of the view, and the window manager (wm.c) answers by
 * setting the view's wanted size and states and calling impl->configure.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wayland-server-core.h>

#include "buffer.h"
#include "layer_shell.h"
#include "log.h"
#include "output.h"
#include "scene.h"
#include "serial_ring.h"
#include "server.h"
#include "surface.h"
#include "xdg-shell-server-protocol.h"
#include "xdg_shell.h"

#define WM_BASE_VERSION 5
/* A client that has not answered a ping within this is logged as unresponsive. */
#define PING_TIMEOUT_MS 5000

struct sw_xdg_shell {
	struct sw_server *server;
	struct wl_global *global;
	struct wl_listener display_destroy;
	struct wl_signal new_view;   /* struct sw_view *: a toplevel or popup role was made */
};

/* One bound xdg_wm_base: it must outlive the xdg_surfaces made from it. */
struct wm_base {
	struct wl_resource *resource;
	struct sw_xdg_shell *shell;
	struct wl_list surfaces;      /* xdg_surface.base_link */
	uint32_t ping_serial;         /* 0: no ping out */
	struct wl_event_source *ping_timer;
};

struct positioner {
	int32_t width, height;
	int32_t anchor_x, anchor_y, anchor_w, anchor_h;
	uint32_t anchor, gravity;
	int32_t offset_x, offset_y;
	uint32_t constraint_adjustment;
};

enum xdg_role_kind { XDG_ROLE_NONE, XDG_ROLE_TOPLEVEL, XDG_ROLE_POPUP };

struct xdg_surface {
	struct wl_resource *resource;
	struct wm_base *base;        /* NULL once the client is being torn down */
	struct wl_list base_link;
	struct sw_surface *surface;
	struct wl_listener surface_destroy;
	enum xdg_role_kind kind;
	struct wl_resource *role_resource; /* xdg_toplevel or xdg_popup */
	struct sw_view view;
	uint32_t configure_serial;   /* last sent */
	struct sw_serial_ring configures; /* sent, not yet acked */
	bool configured;             /* a configure was acked */
	bool initial_commit_done;    /* the commit that asks for the first configure */
	bool caps_sent;              /* wm_capabilities, before the first configure */
	struct wl_event_source *configure_idle;
	char *title, *app_id;
	/* toplevels: size limits, double-buffered (0 = none) */
	int32_t pending_min_w, pending_min_h, pending_max_w, pending_max_h;
	/* set_window_geometry, double-buffered */
	struct sw_box pending_geometry;
	bool has_geometry;
	/* The bounds last sent in configure_bounds (0x0: none yet). */
	int32_t sent_bounds_w, sent_bounds_h;
	/* popups */
	struct xdg_surface *parent;
	/* Or a layer surface's (zwlr_layer_surface_v1.get_popup); parent_destroy is its end. */
	struct sw_surface *layer_parent;
	struct wl_listener parent_destroy;
	int32_t popup_x, popup_y, popup_w, popup_h;
	bool dismissed;              /* popup_done sent: never shown again */
	/* Emitted when this struct goes (its resource may stay, inert): popups let go. */
	struct wl_signal destroy_signal;
};

/*
 * Where xdg_wm_base errors about `xdg` go. The wm_base can only be gone while
 * the client is being torn down (destroying it earlier is defunct_surfaces).
 */
static struct wl_resource *
wm_base_error_target(struct xdg_surface *xdg)
{
	return xdg->base ? xdg->base->resource : xdg->resource;
}

static const struct sw_surface_role xdg_toplevel_role;
static const struct sw_surface_role xdg_popup_role;

/* ---- views ---- */

/* The popup's place: relative to its parent's window geometry, its own geometry there. */
static void
popup_position(struct xdg_surface *xdg)
{
	struct sw_view *view = &xdg->view, *parent = &xdg->parent->view;
	view->x = sw_clamp_coord((int64_t)parent->x + parent->geometry.x + xdg->popup_x -
				 view->geometry.x);
	view->y = sw_clamp_coord((int64_t)parent->y + parent->geometry.y + xdg->popup_y -
				 view->geometry.y);
}

static void
view_map(struct xdg_surface *xdg)
{
	struct sw_view *view = &xdg->view;
	struct sw_box layer;
	if (xdg->kind == XDG_ROLE_POPUP && xdg->parent) {
		popup_position(xdg);
	} else if (xdg->kind == XDG_ROLE_POPUP && xdg->layer_parent &&
		   sw_layer_shell_surface_box(xdg->layer_parent, &layer)) {
		/* Relative to where the layer surface is now. */
		view->x = sw_clamp_coord((int64_t)layer.x + xdg->popup_x - view->geometry.x);
		view->y = sw_clamp_coord((int64_t)layer.y + xdg->popup_y - view->geometry.y);
	}
	view->mapped = true;
	view->surface->view = view;
	/* A panel's menu shows above the panel, whatever layer the panel is in. */
	view->above_layers = xdg->kind == XDG_ROLE_POPUP &&
			     (xdg->layer_parent || (xdg->parent && xdg->parent->view.above_layers));
	/* The window manager places and stacks it. */
	wl_signal_emit_mutable(&view->events.map, view);
	sw_view_damage_whole(view);
	/* Subsurfaces that committed before the map wait for its frames now. */
	sw_surface_tree_wait_frames(view->surface);
	sw_debug("mapped %s %s at %d,%d size %dx%d", xdg->kind == XDG_ROLE_TOPLEVEL ? "toplevel" : "popup",
		 xdg->title ? xdg->title : "(untitled)", view->x, view->y, view->surface->width,
		 view->surface->height);
}

static void
view_unmap(struct xdg_surface *xdg)
{
	struct sw_view *view = &xdg->view;
	if (!view->mapped)
		return;
	struct sw_surface *surface = view->surface;
	/* The area it covered: the tree, and the size the root had on screen. */
	sw_surface_damage_tree(surface, view->x, view->y);
	sw_outputs_damage_box(view->server, view->x, view->y,
			      surface->buffer ? surface->width : surface->prev_width,
			      surface->buffer ? surface->height : surface->prev_height);
	view->mapped = false;
	surface->view = NULL;
	wl_list_remove(&view->link);
	wl_list_init(&view->link);
	wl_signal_emit_mutable(&view->events.unmap, view);
}

/* ---- configure ---- */

static void
add_state(struct wl_array *states, uint32_t state)
{
	uint32_t *slot = wl_array_add(states, sizeof(*slot));
	if (slot)
		*slot = state;
}

/*
 * configure_bounds and wm_capabilities (xdg_wm_base v4 and v5) go only to a
 * toplevel that can change its size: weston-presentation-shm, the
 * presentation-timing demo, binds v5 with a listener that only knows
 * configure and close, and libwayland aborts it on any other event. It
 * fixes its size (minimum = maximum), and so does every such client: for a
 * window of fixed size, bounds say nothing and the capabilities it could
 * offer (maximize, fullscreen) do not apply. Bounds are sent again only when
 * they changed, and never with a size the window is told to take.
 */
static bool
toplevel_resizable(const struct xdg_surface *xdg)
{
	const struct sw_view *v = &xdg->view;
	return !(v->min_width > 0 && v->min_width == v->max_width &&
		 v->min_height > 0 && v->min_height == v->max_height);
}

static void
send_toplevel_extras(struct xdg_surface *xdg)
{
	struct sw_view *view = &xdg->view;
	int version = wl_resource_get_version(xdg->role_resource);
	if (!toplevel_resizable(xdg))
		return;
	bool sized = view->states & (SW_VIEW_FULLSCREEN | SW_VIEW_MAXIMIZED);
	if (version >= XDG_TOPLEVEL_CONFIGURE_BOUNDS_SINCE_VERSION && !sized &&
	    view->bounds.width > 0 && (view->bounds.width != xdg->sent_bounds_w ||
				       view->bounds.height != xdg->sent_bounds_h)) {
		xdg_toplevel_send_configure_bounds(xdg->role_resource, view->bounds.width,
						   view->bounds.height);
		xdg->sent_bounds_w = view->bounds.width;
		xdg->sent_bounds_h = view->bounds.height;
	}
	/* Once, before the first configure: the capabilities never change. */
	if (version >= XDG_TOPLEVEL_WM_CAPABILITIES_SINCE_VERSION && !xdg->caps_sent) {
		xdg->caps_sent = true;
		struct wl_array caps;
		wl_array_init(&caps);
		add_state(&caps, XDG_TOPLEVEL_WM_CAPABILITIES_MAXIMIZE);
		add_state(&caps, XDG_TOPLEVEL_WM_CAPABILITIES_FULLSCREEN);
		add_state(&caps, XDG_TOPLEVEL_WM_CAPABILITIES_MINIMIZE);
		xdg_toplevel_send_wm_capabilities(xdg->role_resource, &caps);
		wl_array_release(&caps);
	}
}

static void
send_configure(void *data)
{
	struct xdg_surface *xdg = data;
	struct sw_view *view = &xdg->view;
	xdg->configure_idle = NULL;
	struct wl_array states;
	wl_array_init(&states);
	if (xdg->kind == XDG_ROLE_TOPLEVEL) {
		send_toplevel_extras(xdg);
		if (view->states & SW_VIEW_MAXIMIZED)
			add_state(&states, XDG_TOPLEVEL_STATE_MAXIMIZED);
		if (view->states & SW_VIEW_FULLSCREEN)
			add_state(&states, XDG_TOPLEVEL_STATE_FULLSCREEN);
		if (view->states & SW_VIEW_RESIZING)
			add_state(&states, XDG_TOPLEVEL_STATE_RESIZING);
		if (view->states & SW_VIEW_ACTIVATED)
			add_state(&states, XDG_TOPLEVEL_STATE_ACTIVATED);
		/* 0x0: the client picks its own size. */
		xdg_toplevel_send_configure(xdg->role_resource, view->want_width, view->want_height,
					    &states);
	} else if (xdg->kind == XDG_ROLE_POPUP) {
		xdg_popup_send_configure(xdg->role_resource, xdg->popup_x, xdg->popup_y, xdg->popup_w,
					 xdg->popup_h);
	}
	wl_array_release(&states);
	xdg->configure_serial = wl_display_next_serial(view->server->display);
	sw_serial_ring_push(&xdg->configures, xdg->configure_serial);
	xdg_surface_send_configure(xdg->resource, xdg->configure_serial);
}

static void
schedule_configure(struct xdg_surface *xdg)
{
	if (xdg->configure_idle)
		return;
	struct wl_event_loop *loop = xdg->view.server->loop;
	xdg->configure_idle = wl_event_loop_add_idle(loop, send_configure, xdg);
}

/* What the client set is now current: limits and window geometry. */
static void
apply_pending(struct xdg_surface *xdg)
{
	struct sw_view *view = &xdg->view;
	struct sw_surface *surface = view->surface;
	view->min_width = xdg->pending_min_w;
	view->min_height = xdg->pending_min_h;
	view->max_width = xdg->pending_max_w;
	view->max_height = xdg->pending_max_h;
	if (xdg->has_geometry) {
		view->geometry = xdg->pending_geometry;
	} else {
		/* Unset: the surface, without subsurfaces (close enough for placement). */
		view->geometry = (struct sw_box){ 0, 0, surface->width, surface->height };
	}
}

static void
xdg_role_commit(struct sw_surface *surface)
{
	struct xdg_surface *xdg = surface->role_data;
	if (!xdg || xdg->kind == XDG_ROLE_NONE)
		return;
	struct sw_view *view = &xdg->view;

	/* A maximum below the minimum is illegal once both are committed. */
	if (xdg->kind == XDG_ROLE_TOPLEVEL &&
	    ((xdg->pending_max_w > 0 && xdg->pending_min_w > xdg->pending_max_w) ||
	     (xdg->pending_max_h > 0 && xdg->pending_min_h > xdg->pending_max_h))) {
		wl_resource_post_error(xdg->role_resource, XDG_TOPLEVEL_ERROR_INVALID_SIZE,
				       "maximum size %dx%d is below the minimum size %dx%d",
				       xdg->pending_max_w, xdg->pending_max_h, xdg->pending_min_w,
				       xdg->pending_min_h);
		return;
	}
	apply_pending(xdg);
	if (!xdg->initial_commit_done) {
		xdg->initial_commit_done = true;
		schedule_configure(xdg);
	}
	if (!surface->buffer) {
		if (view->mapped) {
			view_unmap(xdg);
			/* An unmapped surface starts over with a fresh configure sequence. */
			xdg->configured = false;
			xdg->initial_commit_done = false;
			xdg->caps_sent = false;
		}
		return;
	}
	if (!xdg->configured) {
		wl_resource_post_error(xdg->resource, XDG_SURFACE_ERROR_UNCONFIGURED_BUFFER,
				       "buffer committed before the first configure was acked");
		return;
	}
	if (xdg->dismissed)
		return;
	if (!view->mapped) {
		view_map(xdg);
	} else {
		int32_t old_x = view->x, old_y = view->y;
		/* The window manager may move it (fullscreen, maximized, resized by an edge). */
		wl_signal_emit_mutable(&view->events.commit, view);
		if (!view->mapped)
			return;
		if (view->x != old_x || view->y != old_y) {
			sw_outputs_damage_box(view->server, old_x, old_y, surface->prev_width,
					      surface->prev_height);
			sw_view_damage_whole(view);
		} else {
			pixman_region32_t damage;
			pixman_region32_init(&damage);
			pixman_region32_copy(&damage, &surface->damage);
			pixman_region32_translate(&damage, view->x, view->y);
			sw_scene_damage_surface(view->server->scene, surface, &damage);
			pixman_region32_fini(&damage);
		}
		/* What a shrink uncovered. */
		if (surface->width < surface->prev_width || surface->height < surface->prev_height)
			sw_outputs_damage_box(view->server, old_x, old_y, surface->prev_width,
					      surface->prev_height);
	}
	/* Frame callbacks and feedback need a frame even without damage. */
	if (!wl_list_empty(&surface->frame_callbacks) || !wl_list_empty(&surface->feedbacks))
		sw_view_schedule_frame(view);
}

static const struct sw_surface_role xdg_toplevel_role = {
	.name = "xdg_toplevel",
	.commit = xdg_role_commit,
};

static const struct sw_surface_role xdg_popup_role = {
	.name = "xdg_popup",
	.commit = xdg_role_commit,
};

/* ---- xdg_toplevel ---- */

static void
role_destroy(struct xdg_surface *xdg)
{
	if (xdg->kind == XDG_ROLE_NONE)
		return;
	view_unmap(xdg);
	if (xdg->configure_idle) {
		wl_event_source_remove(xdg->configure_idle);
		xdg->configure_idle = NULL;
	}
	if (xdg->role_resource)
		wl_resource_set_user_data(xdg->role_resource, NULL);
	xdg->role_resource = NULL;
	xdg->configured = false;
	xdg->initial_commit_done = false;
	if (xdg->parent || xdg->layer_parent) {
		wl_list_remove(&xdg->parent_destroy.link);
		wl_list_init(&xdg->parent_destroy.link);
		xdg->parent = NULL;
		xdg->layer_parent = NULL;
	}
	xdg->view.parent = NULL;
	xdg->view.transient_for = NULL;
	xdg->view.grabbing = false;
	/* The window manager lets go of the view (its struct stays until the xdg_surface goes). */
	wl_signal_emit_mutable(&xdg->view.events.destroy, &xdg->view);
	/* The surface keeps its role type, but no longer has a role object. */
	if (xdg->surface)
		xdg->surface->role_data = NULL;
	xdg->kind = XDG_ROLE_NONE;
}

static void
role_resource_destroy(struct wl_resource *resource)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	if (xdg)
		role_destroy(xdg);
}

static void
toplevel_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
toplevel_parent_destroyed(struct wl_listener *listener, void *data)
{
	struct xdg_surface *xdg = wl_container_of(listener, xdg, parent_destroy);
	wl_list_remove(&xdg->parent_destroy.link);
	wl_list_init(&xdg->parent_destroy.link);
	xdg->parent = NULL;
	xdg->view.transient_for = NULL;
}

static void
toplevel_set_parent(struct wl_client *client, struct wl_resource *resource,
		    struct wl_resource *parent_resource)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	if (!xdg)
		return;
	struct xdg_surface *parent = parent_resource ? wl_resource_get_user_data(parent_resource)
						     : NULL;
	/* A parent that is gone (inert) is no parent. */
	if (parent && parent->kind != XDG_ROLE_TOPLEVEL)
		parent = NULL;
	for (struct xdg_surface *p = parent; p; p = p->parent) {
		if (p == xdg) {
			wl_resource_post_error(resource, XDG_TOPLEVEL_ERROR_INVALID_PARENT,
					       "xdg_toplevel@%u as its parent makes a loop",
					       wl_resource_get_id(parent_resource));
			return;
		}
	}
	if (xdg->parent) {
		wl_list_remove(&xdg->parent_destroy.link);
		wl_list_init(&xdg->parent_destroy.link);
	}
	xdg->parent = parent;
	xdg->view.transient_for = parent ? &parent->view : NULL;
	if (parent) {
		xdg->parent_destroy.notify = toplevel_parent_destroyed;
		wl_signal_add(&parent->destroy_signal, &xdg->parent_destroy);
	}
}

static char *
replace_string(char *old, const char *value)
{
	free(old);
	return strdup(value);
}

static void
toplevel_set_title(struct wl_client *client, struct wl_resource *resource, const char *title)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	if (!xdg)
		return;
	xdg->title = replace_string(xdg->title, title);
	xdg->view.title = xdg->title;
	wl_signal_emit_mutable(&xdg->view.events.set_title, &xdg->view);
}

static void
toplevel_set_app_id(struct wl_client *client, struct wl_resource *resource, const char *app_id)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	if (xdg)
		xdg->app_id = replace_string(xdg->app_id, app_id);
}

static void
toplevel_show_window_menu(struct wl_client *client, struct wl_resource *resource,
			  struct wl_resource *seat, uint32_t serial, int32_t x, int32_t y)
{
	sw_debug("xdg_toplevel@%u.show_window_menu ignored: sealway has no window menu",
		 wl_resource_get_id(resource));
}

static void
toplevel_move(struct wl_client *client, struct wl_resource *resource, struct wl_resource *seat,
	      uint32_t serial)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	if (!xdg || !xdg->view.mapped) {
		sw_debug("xdg_toplevel@%u.move ignored: not mapped", wl_resource_get_id(resource));
		return;
	}
	struct sw_view_grab_request req = { .view = &xdg->view, .serial = serial };
	wl_signal_emit_mutable(&xdg->view.events.request_move, &req);
}

static void
toplevel_resize(struct wl_client *client, struct wl_resource *resource,
		struct wl_resource *seat, uint32_t serial, uint32_t edges)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	/* The edges are a bit mask of top 1, bottom 2, left 4, right 8; not both of a pair. */
	if (edges > XDG_TOPLEVEL_RESIZE_EDGE_BOTTOM_RIGHT || (edges & 3) == 3 ||
	    (edges & 12) == 12) {
		wl_resource_post_error(resource, XDG_TOPLEVEL_ERROR_INVALID_RESIZE_EDGE,
				       "resize edge %u is not an xdg_toplevel.resize_edge", edges);
		return;
	}
	if (!xdg || !xdg->view.mapped || edges == XDG_TOPLEVEL_RESIZE_EDGE_NONE) {
		sw_debug("xdg_toplevel@%u.resize ignored: %s", wl_resource_get_id(resource),
			 edges ? "not mapped" : "no edge");
		return;
	}
	struct sw_view_grab_request req = { .view = &xdg->view, .serial = serial, .edges = edges };
	wl_signal_emit_mutable(&xdg->view.events.request_resize, &req);
}

static bool
size_valid(struct wl_resource *resource, const char *what, int32_t width, int32_t height)
{
	if (width >= 0 && height >= 0)
		return true;
	wl_resource_post_error(resource, XDG_TOPLEVEL_ERROR_INVALID_SIZE,
			       "%s size %dx%d has a negative dimension", what, width, height);
	return false;
}

static void
toplevel_set_max_size(struct wl_client *client, struct wl_resource *resource, int32_t width,
		      int32_t height)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	if (!size_valid(resource, "maximum", width, height) || !xdg)
		return;
	xdg->pending_max_w = width;
	xdg->pending_max_h = height;
}

static void
toplevel_set_min_size(struct wl_client *client, struct wl_resource *resource, int32_t width,
		      int32_t height)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	if (!size_valid(resource, "minimum", width, height) || !xdg)
		return;
	xdg->pending_min_w = width;
	xdg->pending_min_h = height;
}

static void
toplevel_set_fullscreen(struct wl_client *client, struct wl_resource *resource,
			struct wl_resource *output)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	if (!xdg)
		return;
	struct sw_view_fullscreen_request req = {
		.view = &xdg->view,
		.output = output ? sw_output_from_resource(output) : NULL,
	};
	wl_signal_emit_mutable(&xdg->view.events.request_fullscreen, &req);
}

/* The requests that carry nothing but the view. */
#define VIEW_REQUEST(name, signal)                                                     \
	static void toplevel_##name(struct wl_client *client, struct wl_resource *resource) \
	{                                                                              \
		struct xdg_surface *xdg = wl_resource_get_user_data(resource);         \
		if (xdg)                                                               \
			wl_signal_emit_mutable(&xdg->view.events.signal, &xdg->view);  \
	}
VIEW_REQUEST(unset_fullscreen, request_unfullscreen)
VIEW_REQUEST(set_maximized, request_maximize)
VIEW_REQUEST(unset_maximized, request_unmaximize)
VIEW_REQUEST(set_minimized, request_minimize)
#undef VIEW_REQUEST

static const struct xdg_toplevel_interface toplevel_impl = {
	.destroy = toplevel_handle_destroy,
	.set_parent = toplevel_set_parent,
	.set_title = toplevel_set_title,
	.set_app_id = toplevel_set_app_id,
	.show_window_menu = toplevel_show_window_menu,
	.move = toplevel_move,
	.resize = toplevel_resize,
	.set_max_size = toplevel_set_max_size,
	.set_min_size = toplevel_set_min_size,
	.set_maximized = toplevel_set_maximized,
	.unset_maximized = toplevel_unset_maximized,
	.set_fullscreen = toplevel_set_fullscreen,
	.unset_fullscreen = toplevel_unset_fullscreen,
	.set_minimized = toplevel_set_minimized,
};

/* ---- xdg_popup ---- */

static void
popup_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
popup_grab(struct wl_client *client, struct wl_resource *resource, struct wl_resource *seat,
	   uint32_t serial)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	if (!xdg)
		return;
	if (xdg->view.mapped) {
		wl_resource_post_error(resource, XDG_POPUP_ERROR_INVALID_GRAB,
				       "xdg_popup@%u.grab after it was mapped",
				       wl_resource_get_id(resource));
		return;
	}
	/* The window manager dismisses it on a click outside the client. */
	xdg->view.grabbing = true;
}

/* Where the popup goes for this anchor and gravity, relative to the parent's geometry. */
static void
popup_box(const struct positioner *pos, uint32_t anchor, uint32_t gravity, int64_t *px,
	  int64_t *py)
{
	/* 64-bit: every term is a client's int32, and their sum must not overflow. */
	int64_t ax = pos->anchor_x, ay = pos->anchor_y;
	int64_t aw = pos->anchor_w, ah = pos->anchor_h, w = pos->width, h = pos->height;
	/* The anchor point on the anchor rectangle. */
	switch (anchor) {
	case XDG_POSITIONER_ANCHOR_TOP: ax += aw / 2; break;
	case XDG_POSITIONER_ANCHOR_BOTTOM: ax += aw / 2; ay += ah; break;
	case XDG_POSITIONER_ANCHOR_LEFT: ay += ah / 2; break;
	case XDG_POSITIONER_ANCHOR_RIGHT: ax += aw; ay += ah / 2; break;
	case XDG_POSITIONER_ANCHOR_TOP_LEFT: break;
	case XDG_POSITIONER_ANCHOR_BOTTOM_LEFT: ay += ah; break;
	case XDG_POSITIONER_ANCHOR_TOP_RIGHT: ax += aw; break;
	case XDG_POSITIONER_ANCHOR_BOTTOM_RIGHT: ax += aw; ay += ah; break;
	default: ax += aw / 2; ay += ah / 2; break;
	}
	/* The gravity says which way the popup extends from that point. */
	int64_t x = ax, y = ay;
	switch (gravity) {
	case XDG_POSITIONER_GRAVITY_TOP: x -= w / 2; y -= h; break;
	case XDG_POSITIONER_GRAVITY_BOTTOM: x -= w / 2; break;
	case XDG_POSITIONER_GRAVITY_LEFT: x -= w; y -= h / 2; break;
	case XDG_POSITIONER_GRAVITY_RIGHT: y -= h / 2; break;
	case XDG_POSITIONER_GRAVITY_TOP_LEFT: x -= w; y -= h; break;
	case XDG_POSITIONER_GRAVITY_BOTTOM_LEFT: x -= w; break;
	case XDG_POSITIONER_GRAVITY_TOP_RIGHT: y -= h; break;
	case XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT: break;
	default: x -= w / 2; y -= h / 2; break;
	}
	*px = x + pos->offset_x;
	*py = y + pos->offset_y;
}

/* Anchors and gravities share their numbering: left/right (or top/bottom) swapped. */
static uint32_t
flip_x(uint32_t v)
{
	static const uint32_t map[] = { 0, 1, 2, 4, 3, 7, 8, 5, 6 };
	return v < 9 ? map[v] : v;
}

static uint32_t
flip_y(uint32_t v)
{
	static const uint32_t map[] = { 0, 2, 1, 3, 4, 6, 5, 8, 7 };
	return v < 9 ? map[v] : v;
}

/*
 * One axis of the constraint adjustment: flip, then slide, then resize, in
 * the protocol's order, until [*pos, *pos + *size) is inside [lo, hi).
 */
static void
constrain_axis(int64_t *pos, int64_t *size, int64_t flipped, int64_t lo, int64_t hi,
	       bool flip, bool slide, bool resize)
{
	if (*pos >= lo && *pos + *size <= hi)
		return;
	if (flip && flipped >= lo && flipped + *size <= hi) {
		*pos = flipped;
		return;
	}
	if (slide) {
		/* Slide so the far edge fits, then the near edge wins if it is too big. */
		if (*pos + *size > hi)
			*pos = hi - *size;
		if (*pos < lo)
			*pos = lo;
		return;
	}
	if (resize) {
		int64_t start = *pos < lo ? lo : *pos;
		int64_t end = *pos + *size > hi ? hi : *pos + *size;
		if (end > start) {
			*pos = start;
			*size = end - start;
		}
	}
}

static void
place_popup(struct xdg_surface *xdg, const struct positioner *pos)
{
	int64_t x, y, w = pos->width, h = pos->height;
	popup_box(pos, pos->anchor, pos->gravity, &x, &y);
	/*
	 * The area to stay in: the output box the window manager gave the
	 * toplevel, in the coordinates of the parent's window geometry.
	 */
	struct xdg_surface *parent = xdg->parent;
	struct sw_view *root = parent ? sw_view_root(&parent->view) : NULL;
	if (root && root->bounds.width > 0 && pos->constraint_adjustment) {
		struct sw_view *pv = &parent->view;
		int64_t ox = (int64_t)pv->x + pv->geometry.x, oy = (int64_t)pv->y + pv->geometry.y;
		int64_t lo_x = root->bounds.x - ox, hi_x = lo_x + root->bounds.width;
		int64_t lo_y = root->bounds.y - oy, hi_y = lo_y + root->bounds.height;
		uint32_t adj = pos->constraint_adjustment;
		int64_t fx, fy, unused;
		popup_box(pos, flip_x(pos->anchor), flip_x(pos->gravity), &fx, &unused);
		popup_box(pos, flip_y(pos->anchor), flip_y(pos->gravity), &unused, &fy);
		/* Offsets flip with the anchor: the popup mirrors around the anchor. */
		constrain_axis(&x, &w, fx - 2 * (int64_t)pos->offset_x, lo_x, hi_x,
			       adj & XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_FLIP_X,
			       adj & XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_SLIDE_X,
			       adj & XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_RESIZE_X);
		constrain_axis(&y, &h, fy - 2 * (int64_t)pos->offset_y, lo_y, hi_y,
			       adj & XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_FLIP_Y,
			       adj & XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_SLIDE_Y,
			       adj & XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_RESIZE_Y);
	}
	xdg->popup_x = sw_clamp_coord(x);
	xdg->popup_y = sw_clamp_coord(y);
	xdg->popup_w = (int32_t)w;
	xdg->popup_h = (int32_t)h;
}

static bool
positioner_complete(struct wl_resource *resource, const struct positioner *pos)
{
	if (pos->width <= 0 || pos->anchor_w <= 0) {
		wl_resource_post_error(resource, XDG_WM_BASE_ERROR_INVALID_POSITIONER,
				       "positioner has no size or no anchor rectangle");
		return false;
	}
	return true;
}

static void
popup_reposition(struct wl_client *client, struct wl_resource *resource,
		 struct wl_resource *positioner_resource, uint32_t token)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	const struct positioner *pos = wl_resource_get_user_data(positioner_resource);
	if (!xdg || !positioner_complete(wm_base_error_target(xdg), pos))
		return;
	place_popup(xdg, pos);
	xdg_popup_send_repositioned(resource, token);
	schedule_configure(xdg);
}

static const struct xdg_popup_interface popup_impl = {
	.destroy = popup_handle_destroy,
	.grab = popup_grab,
	.reposition = popup_reposition,
};

/* ---- xdg_surface ---- */

static void
xdg_surface_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	if (xdg && xdg->role_resource) {
		wl_resource_post_error(resource, XDG_SURFACE_ERROR_DEFUNCT_ROLE_OBJECT,
				       "xdg_surface destroyed before its role object");
		return;
	}
	wl_resource_destroy(resource);
}

static bool
check_new_role(struct xdg_surface *xdg, struct wl_resource *resource)
{
	if (xdg->kind != XDG_ROLE_NONE || xdg->role_resource) {
		wl_resource_post_error(resource, XDG_SURFACE_ERROR_ALREADY_CONSTRUCTED,
				       "xdg_surface already has a role object");
		return false;
	}
	if (xdg->surface->buffer) {
		wl_resource_post_error(resource, XDG_SURFACE_ERROR_UNCONFIGURED_BUFFER,
				       "wl_surface already has a buffer attached");
		return false;
	}
	return true;
}

static void
xdg_surface_get_toplevel(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	if (!xdg || !check_new_role(xdg, resource))
		return;
	if (!sw_surface_set_role(xdg->surface, &xdg_toplevel_role, xdg, wm_base_error_target(xdg),
				 XDG_WM_BASE_ERROR_ROLE))
		return;
	xdg->role_resource = wl_resource_create(client, &xdg_toplevel_interface,
						wl_resource_get_version(resource), id);
	if (!xdg->role_resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(xdg->role_resource, &toplevel_impl, xdg,
				       role_resource_destroy);
	xdg->kind = XDG_ROLE_TOPLEVEL;
	xdg->view.toplevel = true;
	/* The window manager hears of it before the first commit (set_fullscreen may come). */
	wl_signal_emit_mutable(&xdg->base->shell->new_view, &xdg->view);
}

static void
popup_parent_destroyed(struct wl_listener *listener, void *data)
{
	struct xdg_surface *xdg = wl_container_of(listener, xdg, parent_destroy);
	/* The parent went first: the popup can no longer be shown. */
	view_unmap(xdg);
	wl_list_remove(&xdg->parent_destroy.link);
	wl_list_init(&xdg->parent_destroy.link);
	xdg->parent = NULL;
	xdg->view.parent = NULL;
}

static void
xdg_surface_get_popup(struct wl_client *client, struct wl_resource *resource, uint32_t id,
		      struct wl_resource *parent_resource, struct wl_resource *positioner_resource)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	const struct positioner *pos = wl_resource_get_user_data(positioner_resource);
	if (!xdg || !check_new_role(xdg, resource) ||
	    !positioner_complete(wm_base_error_target(xdg), pos))
		return;
	struct xdg_surface *parent = parent_resource ? wl_resource_get_user_data(parent_resource) : NULL;
	if ((parent_resource && !parent) || parent == xdg) {
		wl_resource_post_error(wm_base_error_target(xdg), XDG_WM_BASE_ERROR_INVALID_POPUP_PARENT,
				       parent ? "a popup cannot be its own parent"
					      : "popup parent is defunct");
		return;
	}
	if (!sw_surface_set_role(xdg->surface, &xdg_popup_role, xdg, wm_base_error_target(xdg),
				 XDG_WM_BASE_ERROR_ROLE))
		return;
	xdg->role_resource = wl_resource_create(client, &xdg_popup_interface,
						wl_resource_get_version(resource), id);
	if (!xdg->role_resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(xdg->role_resource, &popup_impl, xdg, role_resource_destroy);
	xdg->kind = XDG_ROLE_POPUP;
	xdg->view.toplevel = false;
	if (parent) {
		xdg->parent = parent;
		xdg->view.parent = &parent->view;
		xdg->parent_destroy.notify = popup_parent_destroyed;
		/* Not the resource's destroy: the parent's struct can go first, with its wl_surface. */
		wl_signal_add(&parent->destroy_signal, &xdg->parent_destroy);
	}
	place_popup(xdg, pos);
	wl_signal_emit_mutable(&xdg->base->shell->new_view, &xdg->view);
}

static void
xdg_surface_set_window_geometry(struct wl_client *client, struct wl_resource *resource,
				int32_t x, int32_t y, int32_t width, int32_t height)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	if (!xdg)
		return;
	if (xdg->kind == XDG_ROLE_NONE) {
		wl_resource_post_error(resource, XDG_SURFACE_ERROR_NOT_CONSTRUCTED,
				       "set_window_geometry before a role object exists");
		return;
	}
	if (width <= 0 || height <= 0) {
		wl_resource_post_error(resource, XDG_SURFACE_ERROR_INVALID_SIZE,
				       "window geometry %dx%d is empty", width, height);
		return;
	}
	xdg->pending_geometry = (struct sw_box){ x, y, width, height };
	xdg->has_geometry = true;
}

static void
xdg_surface_ack_configure(struct wl_client *client, struct wl_resource *resource,
			  uint32_t serial)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	if (!xdg)
		return;
	if (xdg->kind == XDG_ROLE_NONE) {
		wl_resource_post_error(resource, XDG_SURFACE_ERROR_NOT_CONSTRUCTED,
				       "ack_configure before a role object exists");
		return;
	}
	/* Compared in the wrapping order of serials; a serial is acked at most once. */
	if (!sw_serial_ring_ack(&xdg->configures, serial)) {
		wl_resource_post_error(resource, XDG_SURFACE_ERROR_INVALID_SERIAL,
				       "ack_configure serial %u was not sent to this xdg_surface, or "
				       "it or a later one was acked already (last sent %u)",
				       serial, xdg->configure_serial);
		return;
	}
	xdg->configured = true;
}

static const struct xdg_surface_interface xdg_surface_impl = {
	.destroy = xdg_surface_handle_destroy,
	.get_toplevel = xdg_surface_get_toplevel,
	.get_popup = xdg_surface_get_popup,
	.set_window_geometry = xdg_surface_set_window_geometry,
	.ack_configure = xdg_surface_ack_configure,
};

static void
xdg_surface_free(struct xdg_surface *xdg)
{
	role_destroy(xdg);
	wl_signal_emit_mutable(&xdg->destroy_signal, xdg);
	wl_list_remove(&xdg->base_link);
	wl_list_remove(&xdg->surface_destroy.link);
	wl_list_remove(&xdg->view.link);
	if (xdg->surface && xdg->surface->role_data == xdg)
		xdg->surface->role_data = NULL;
	wl_resource_set_user_data(xdg->resource, NULL);
	free(xdg->title);
	free(xdg->app_id);
	free(xdg);
}

static void
xdg_surface_resource_destroy(struct wl_resource *resource)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(resource);
	if (xdg)
		xdg_surface_free(xdg);
}

static void
xdg_surface_surface_destroyed(struct wl_listener *listener, void *data)
{
	struct xdg_surface *xdg = wl_container_of(listener, xdg, surface_destroy);
	/* The wl_surface went first: the xdg_surface and its role object become inert. */
	if (xdg->role_resource)
		wl_resource_set_user_data(xdg->role_resource, NULL);
	role_destroy(xdg);
	xdg->surface = NULL;
	xdg_surface_free(xdg);
}

/* ---- xdg_positioner ---- */

static void
positioner_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
positioner_set_size(struct wl_client *client, struct wl_resource *resource, int32_t width,
		    int32_t height)
{
	struct positioner *pos = wl_resource_get_user_data(resource);
	if (width < 1 || height < 1) {
		wl_resource_post_error(resource, XDG_POSITIONER_ERROR_INVALID_INPUT,
				       "positioner size %dx%d must be positive", width, height);
		return;
	}
	pos->width = width;
	pos->height = height;
}

static void
positioner_set_anchor_rect(struct wl_client *client, struct wl_resource *resource, int32_t x,
			   int32_t y, int32_t width, int32_t height)
{
	struct positioner *pos = wl_resource_get_user_data(resource);
	if (width < 0 || height < 0) {
		wl_resource_post_error(resource, XDG_POSITIONER_ERROR_INVALID_INPUT,
				       "anchor rectangle %dx%d has a negative size", width, height);
		return;
	}
	pos->anchor_x = x;
	pos->anchor_y = y;
	pos->anchor_w = width ? width : 1;
	pos->anchor_h = height ? height : 1;
}

static void
positioner_set_anchor(struct wl_client *client, struct wl_resource *resource, uint32_t anchor)
{
	struct positioner *pos = wl_resource_get_user_data(resource);
	if (anchor > XDG_POSITIONER_ANCHOR_BOTTOM_RIGHT) {
		wl_resource_post_error(resource, XDG_POSITIONER_ERROR_INVALID_INPUT,
				       "anchor %u is not an xdg_positioner.anchor", anchor);
		return;
	}
	pos->anchor = anchor;
}

static void
positioner_set_gravity(struct wl_client *client, struct wl_resource *resource, uint32_t gravity)
{
	struct positioner *pos = wl_resource_get_user_data(resource);
	if (gravity > XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT) {
		wl_resource_post_error(resource, XDG_POSITIONER_ERROR_INVALID_INPUT,
				       "gravity %u is not an xdg_positioner.gravity", gravity);
		return;
	}
	pos->gravity = gravity;
}

static void
positioner_set_constraint_adjustment(struct wl_client *client, struct wl_resource *resource,
				     uint32_t adjustment)
{
	struct positioner *pos = wl_resource_get_user_data(resource);
	/* Unknown bits are ignored: later versions may define more. */
	pos->constraint_adjustment = adjustment;
}

static void
positioner_set_offset(struct wl_client *client, struct wl_resource *resource, int32_t x,
		      int32_t y)
{
	struct positioner *pos = wl_resource_get_user_data(resource);
	pos->offset_x = x;
	pos->offset_y = y;
}

static void
positioner_set_reactive(struct wl_client *client, struct wl_resource *resource)
{
	sw_debug("xdg_positioner@%u.set_reactive ignored: popups are placed once",
		 wl_resource_get_id(resource));
}

static void
positioner_set_parent_size(struct wl_client *client, struct wl_resource *resource,
			   int32_t width, int32_t height)
{
	sw_debug("xdg_positioner@%u.set_parent_size ignored: placed against the parent as it is",
		 wl_resource_get_id(resource));
}

static void
positioner_set_parent_configure(struct wl_client *client, struct wl_resource *resource,
				uint32_t serial)
{
	sw_debug("xdg_positioner@%u.set_parent_configure ignored: placed against the parent as "
		 "it is", wl_resource_get_id(resource));
}

static const struct xdg_positioner_interface positioner_impl = {
	.destroy = positioner_handle_destroy,
	.set_size = positioner_set_size,
	.set_anchor_rect = positioner_set_anchor_rect,
	.set_anchor = positioner_set_anchor,
	.set_gravity = positioner_set_gravity,
	.set_constraint_adjustment = positioner_set_constraint_adjustment,
	.set_offset = positioner_set_offset,
	.set_reactive = positioner_set_reactive,
	.set_parent_size = positioner_set_parent_size,
	.set_parent_configure = positioner_set_parent_configure,
};

static void
positioner_resource_destroy(struct wl_resource *resource)
{
	free(wl_resource_get_user_data(resource));
}

/* ---- what the window manager asks ---- */

static void
view_configure(struct sw_view *view)
{
	struct xdg_surface *xdg = wl_container_of(view, xdg, view);
	/* Before the first commit the initial configure carries it. */
	if (xdg->kind != XDG_ROLE_NONE && xdg->initial_commit_done)
		schedule_configure(xdg);
	wl_signal_emit_mutable(&view->events.configure, view);
}

static void
view_close(struct sw_view *view)
{
	struct xdg_surface *xdg = wl_container_of(view, xdg, view);
	if (xdg->kind == XDG_ROLE_TOPLEVEL && xdg->role_resource)
		xdg_toplevel_send_close(xdg->role_resource);
}

struct sw_view *
sw_xdg_toplevel_view(struct wl_resource *toplevel)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(toplevel);
	return xdg && xdg->kind == XDG_ROLE_TOPLEVEL ? &xdg->view : NULL;
}

static void
view_ping(struct sw_view *view)
{
	struct xdg_surface *xdg = wl_container_of(view, xdg, view);
	struct wm_base *base = xdg->base;
	if (!base || base->ping_serial)
		return;
	base->ping_serial = wl_display_next_serial(view->server->display);
	xdg_wm_base_send_ping(base->resource, base->ping_serial);
	wl_event_source_timer_update(base->ping_timer, PING_TIMEOUT_MS);
}

static void
view_dismiss(struct sw_view *view)
{
	struct xdg_surface *xdg = wl_container_of(view, xdg, view);
	if (xdg->kind != XDG_ROLE_POPUP || xdg->dismissed)
		return;
	xdg->dismissed = true;
	view->grabbing = false;
	view_unmap(xdg);
	xdg_popup_send_popup_done(xdg->role_resource);
}

static const struct sw_view_impl view_impl = {
	.configure = view_configure,
	.ping = view_ping,
	.dismiss = view_dismiss,
	.close = view_close,
};

/* ---- popups of layer surfaces ---- */

/* Its layer surface is unmapped or gone: the popup is done (popup_done), never shown again. */
static void
popup_layer_parent_gone(struct wl_listener *listener, void *data)
{
	struct xdg_surface *xdg = wl_container_of(listener, xdg, parent_destroy);
	wl_list_remove(&xdg->parent_destroy.link);
	wl_list_init(&xdg->parent_destroy.link);
	xdg->layer_parent = NULL;
	view_dismiss(&xdg->view);
}

bool
sw_xdg_popup_set_layer_parent(struct wl_resource *popup, struct sw_surface *parent,
			      struct wl_signal *gone)
{
	struct xdg_surface *xdg = wl_resource_get_user_data(popup);
	if (!xdg || xdg->kind != XDG_ROLE_POPUP) {
		sw_debug("get_popup of an inert xdg_popup@%u ignored", wl_resource_get_id(popup));
		return true;
	}
	if (xdg->parent || xdg->layer_parent) {
		wl_resource_post_error(wm_base_error_target(xdg),
				       XDG_WM_BASE_ERROR_INVALID_POPUP_PARENT,
				       "xdg_popup@%u already has a parent", wl_resource_get_id(popup));
		return false;
	}
	if (xdg->initial_commit_done || xdg->view.mapped) {
		wl_resource_post_error(wm_base_error_target(xdg),
				       XDG_WM_BASE_ERROR_INVALID_POPUP_PARENT,
				       "xdg_popup@%u is given a layer surface parent after its "
				       "initial commit", wl_resource_get_id(popup));
		return false;
	}
	xdg->layer_parent = parent;
	xdg->parent_destroy.notify = popup_layer_parent_gone;
	wl_signal_add(gone, &xdg->parent_destroy);
	return true;
}

/* ---- xdg_wm_base ---- */

static void
wm_base_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	struct wm_base *base = wl_resource_get_user_data(resource);
	if (!wl_list_empty(&base->surfaces)) {
		wl_resource_post_error(resource, XDG_WM_BASE_ERROR_DEFUNCT_SURFACES,
				       "xdg_wm_base destroyed while %d xdg_surfaces made from it live",
				       wl_list_length(&base->surfaces));
		return;
	}
	wl_resource_destroy(resource);
}

static void
wm_base_create_positioner(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct positioner *pos = calloc(1, sizeof(*pos));
	if (!pos) {
		wl_client_post_no_memory(client);
		return;
	}
	struct wl_resource *pos_resource = wl_resource_create(client, &xdg_positioner_interface,
							      wl_resource_get_version(resource), id);
	if (!pos_resource) {
		free(pos);
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(pos_resource, &positioner_impl, pos,
				       positioner_resource_destroy);
}

static void
wm_base_get_xdg_surface(struct wl_client *client, struct wl_resource *resource, uint32_t id,
			struct wl_resource *surface_resource)
{
	struct wm_base *base = wl_resource_get_user_data(resource);
	struct sw_xdg_shell *shell = base->shell;
	struct sw_surface *surface = sw_surface_from_resource(surface_resource);
	if (surface->role_data) {
		wl_resource_post_error(resource, XDG_WM_BASE_ERROR_ROLE,
				       "wl_surface@%u already has a role object",
				       wl_resource_get_id(surface_resource));
		return;
	}
	if (surface->role && surface->role != &xdg_toplevel_role &&
	    surface->role != &xdg_popup_role) {
		wl_resource_post_error(resource, XDG_WM_BASE_ERROR_ROLE,
				       "wl_surface@%u has the role %s",
				       wl_resource_get_id(surface_resource), surface->role->name);
		return;
	}
	if (surface->buffer) {
		wl_resource_post_error(resource, XDG_WM_BASE_ERROR_INVALID_SURFACE_STATE,
				       "wl_surface@%u already has a buffer",
				       wl_resource_get_id(surface_resource));
		return;
	}
	struct xdg_surface *xdg = calloc(1, sizeof(*xdg));
	if (!xdg) {
		wl_client_post_no_memory(client);
		return;
	}
	xdg->resource = wl_resource_create(client, &xdg_surface_interface,
					   wl_resource_get_version(resource), id);
	if (!xdg->resource) {
		free(xdg);
		wl_client_post_no_memory(client);
		return;
	}
	xdg->base = base;
	wl_list_insert(&base->surfaces, &xdg->base_link);
	wl_signal_init(&xdg->destroy_signal);
	xdg->surface = surface;
	sw_view_init(&xdg->view, shell->server, surface, &view_impl);
	wl_list_init(&xdg->parent_destroy.link);
	/* Role data is set once a role object exists; until then, remember the xdg_surface. */
	surface->role_data = xdg;
	xdg->surface_destroy.notify = xdg_surface_surface_destroyed;
	wl_signal_add(&surface->events.destroy, &xdg->surface_destroy);
	wl_resource_set_implementation(xdg->resource, &xdg_surface_impl, xdg,
				       xdg_surface_resource_destroy);
}

static void
wm_base_pong(struct wl_client *client, struct wl_resource *resource, uint32_t serial)
{
	struct wm_base *base = wl_resource_get_user_data(resource);
	/* A late or unknown serial is harmless: the protocol has no error for it. */
	if (base->ping_serial == 0 || serial != base->ping_serial) {
		sw_debug("xdg_wm_base@%u.pong %u ignored: the ping out is %u",
			 wl_resource_get_id(resource), serial, base->ping_serial);
		return;
	}
	base->ping_serial = 0;
	wl_event_source_timer_update(base->ping_timer, 0);
}

static int
ping_timed_out(void *data)
{
	struct wm_base *base = data;
	pid_t pid = 0;
	wl_client_get_credentials(wl_resource_get_client(base->resource), &pid, NULL, NULL);
	sw_warn("client %d is unresponsive: no pong to xdg_wm_base ping %u in %d ms", (int)pid,
		base->ping_serial, PING_TIMEOUT_MS);
	/* Logged once; the next focus pings again. */
	base->ping_serial = 0;
	return 0;
}

static const struct xdg_wm_base_interface wm_base_impl = {
	.destroy = wm_base_handle_destroy,
	.create_positioner = wm_base_create_positioner,
	.get_xdg_surface = wm_base_get_xdg_surface,
	.pong = wm_base_pong,
};

static void
wm_base_resource_destroy(struct wl_resource *resource)
{
	struct wm_base *base = wl_resource_get_user_data(resource);
	/* Only at client teardown can xdg_surfaces remain: they forget their wm_base. */
	struct xdg_surface *xdg, *tmp;
	wl_list_for_each_safe(xdg, tmp, &base->surfaces, base_link) {
		xdg->base = NULL;
		wl_list_remove(&xdg->base_link);
		wl_list_init(&xdg->base_link);
	}
	wl_event_source_remove(base->ping_timer);
	free(base);
}

static void
wm_base_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wm_base *base = calloc(1, sizeof(*base));
	if (!base) {
		wl_client_post_no_memory(client);
		return;
	}
	base->shell = data;
	base->ping_timer = wl_event_loop_add_timer(base->shell->server->loop, ping_timed_out, base);
	if (!base->ping_timer) {
		free(base);
		wl_client_post_no_memory(client);
		return;
	}
	base->resource = wl_resource_create(client, &xdg_wm_base_interface, (int)version, id);
	if (!base->resource) {
		wl_event_source_remove(base->ping_timer);
		free(base);
		wl_client_post_no_memory(client);
		return;
	}
	wl_list_init(&base->surfaces);
	wl_resource_set_implementation(base->resource, &wm_base_impl, base,
				       wm_base_resource_destroy);
}

static void
shell_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_xdg_shell *shell = wl_container_of(listener, shell, display_destroy);
	wl_list_remove(&shell->display_destroy.link);
	wl_global_destroy(shell->global);
	free(shell);
}

struct wl_signal *
sw_xdg_shell_new_view_signal(struct sw_xdg_shell *shell)
{
	return &shell->new_view;
}

bool
sw_xdg_shell_create(struct sw_server *server)
{
	struct sw_xdg_shell *shell = calloc(1, sizeof(*shell));
	if (!shell)
		return false;
	shell->server = server;
	wl_signal_init(&shell->new_view);
	shell->global = wl_global_create(server->display, &xdg_wm_base_interface, WM_BASE_VERSION,
					 shell, wm_base_bind);
	if (!shell->global) {
		free(shell);
		return false;
	}
	shell->display_destroy.notify = shell_display_destroyed;
	wl_display_add_destroy_listener(server->display, &shell->display_destroy);
	server->xdg_shell = shell;
	return true;
}