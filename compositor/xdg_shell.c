#include <stdlib.h>
#include <string.h>

#include <wayland-server-core.h>

#include "buffer.h"
#include "log.h"
#include "output.h"
#include "scene.h"
#include "seat.h"
#include "serial_ring.h"
#include "server.h"
#include "surface.h"
#include "wm_output.h"
#include "xdg-shell-server-protocol.h"
#include "xdg_shell.h"

#define WM_BASE_VERSION 5
#define CASCADE_STEP 32

struct sw_xdg_shell {
	struct sw_server *server;
	struct wl_global *global;
	struct wl_listener display_destroy;
};

/* One bound xdg_wm_base: it must outlive the xdg_surfaces made from it. */
struct wm_base {
	struct wl_resource *resource;
	struct sw_xdg_shell *shell;
	struct wl_list surfaces;      /* xdg_surface.base_link */
};

struct positioner {
	int32_t width, height;
	int32_t anchor_x, anchor_y, anchor_w, anchor_h;
	uint32_t anchor, gravity;
	int32_t offset_x, offset_y;
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
	struct wl_event_source *configure_idle;
	char *title, *app_id;
	/* toplevels: size limits, double-buffered (0 = none) */
	int32_t pending_min_w, pending_min_h, pending_max_w, pending_max_h;
	/* popups */
	struct xdg_surface *parent;
	struct wl_listener parent_destroy;
	int32_t popup_x, popup_y, popup_w, popup_h;
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

struct sw_view *
sw_view_at(struct sw_server *server, double x, double y, double *sx, double *sy)
{
	struct sw_surface *surface;
	return sw_view_surface_at(server, x, y, &surface, sx, sy);
}

struct sw_view *
sw_view_surface_at(struct sw_server *server, double x, double y, struct sw_surface **surface,
		   double *sx, double *sy)
{
	struct sw_view *view;
	wl_list_for_each_reverse(view, &server->views, link) {
		if (!view->mapped)
			continue;
		struct sw_surface *hit = sw_surface_at(view->surface, x - view->x, y - view->y, sx, sy);
		if (hit) {
			*surface = hit;
			return view;
		}
	}
	return NULL;
}

void
sw_view_damage_whole(struct sw_view *view)
{
	sw_surface_damage_tree(view->surface, view->x, view->y);
}

void
sw_view_raise(struct sw_view *view)
{
	if (!view->mapped || view->link.next == &view->server->views)
		return;
	wl_list_remove(&view->link);
	wl_list_insert(view->server->views.prev, &view->link);
	sw_view_damage_whole(view);
}

static void
view_map(struct xdg_surface *xdg)
{
	struct sw_view *view = &xdg->view;
	struct sw_server *server = view->server;
	if (xdg->kind == XDG_ROLE_TOPLEVEL) {
		struct sw_output *output = sw_wm_output_for_new_window(server);
		int32_t ow = output ? output->width : 0, oh = output ? output->height : 0;
		/*
		 * Cascade from the top-left of the output; start again when the next
		 * one would not fit.
		 */
		if (server->next_x + CASCADE_STEP * 2 > ow || server->next_y + CASCADE_STEP * 2 > oh) {
			server->next_x = CASCADE_STEP;
			server->next_y = CASCADE_STEP;
		}
		view->x = (output ? output->x : 0) + server->next_x;
		view->y = (output ? output->y : 0) + server->next_y;
		server->next_x += CASCADE_STEP;
		server->next_y += CASCADE_STEP;
	} else if (xdg->parent) {
		view->x = sw_clamp_coord((int64_t)xdg->parent->view.x + xdg->popup_x);
		view->y = sw_clamp_coord((int64_t)xdg->parent->view.y + xdg->popup_y);
	}
	view->mapped = true;
	view->surface->view = view;
	wl_list_insert(server->views.prev, &view->link);
	sw_view_damage_whole(view);
	sw_debug("mapped %s %s at %d,%d size %dx%d", xdg->kind == XDG_ROLE_TOPLEVEL ? "toplevel" : "popup",
		 xdg->title ? xdg->title : "(untitled)", view->x, view->y, view->surface->width,
		 view->surface->height);
	if (xdg->kind == XDG_ROLE_TOPLEVEL && server->seat)
		sw_seat_view_mapped(server->seat, view);
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
	if (view->server->seat)
		sw_seat_view_unmapped(view->server->seat, view);
}

/* ---- configure ---- */

static void
send_configure(void *data)
{
	struct xdg_surface *xdg = data;
	xdg->configure_idle = NULL;
	struct wl_array states;
	wl_array_init(&states);
	if (xdg->kind == XDG_ROLE_TOPLEVEL) {
		/* The output it is on, or the one it will open on. */
		struct sw_output *output = xdg->view.mapped ? sw_view_output(&xdg->view) :
			sw_wm_output_for_new_window(xdg->view.server);
		if (output && wl_resource_get_version(xdg->role_resource) >=
		    XDG_TOPLEVEL_CONFIGURE_BOUNDS_SINCE_VERSION)
			xdg_toplevel_send_configure_bounds(xdg->role_resource, output->width,
							   output->height);
		if (wl_resource_get_version(xdg->role_resource) >=
		    XDG_TOPLEVEL_WM_CAPABILITIES_SINCE_VERSION) {
			struct wl_array caps;
			wl_array_init(&caps);
			xdg_toplevel_send_wm_capabilities(xdg->role_resource, &caps);
			wl_array_release(&caps);
		}
		/* 0x0: the client picks its own size. */
		xdg_toplevel_send_configure(xdg->role_resource, 0, 0, &states);
	} else if (xdg->kind == XDG_ROLE_POPUP) {
		xdg_popup_send_configure(xdg->role_resource, xdg->popup_x, xdg->popup_y, xdg->popup_w,
					 xdg->popup_h);
	}
	wl_array_release(&states);
	xdg->configure_serial = wl_display_next_serial(xdg->view.server->display);
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
		}
		return;
	}
	if (!xdg->configured) {
		wl_resource_post_error(xdg->resource, XDG_SURFACE_ERROR_UNCONFIGURED_BUFFER,
				       "buffer committed before the first configure was acked");
		return;
	}
	if (!view->mapped) {
		view_map(xdg);
	} else {
		pixman_region32_t damage;
		pixman_region32_init(&damage);
		pixman_region32_copy(&damage, &surface->damage);
		pixman_region32_translate(&damage, view->x, view->y);
		sw_scene_damage_surface(view->server->scene, surface, &damage);
		pixman_region32_fini(&damage);
		/* What a shrink uncovered. */
		if (surface->width < surface->prev_width || surface->height < surface->prev_height)
			sw_outputs_damage_box(view->server, view->x, view->y,
					      surface->prev_width, surface->prev_height);
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
	if (xdg->parent) {
		wl_list_remove(&xdg->parent_destroy.link);
		xdg->parent = NULL;
	}
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
toplevel_set_parent(struct wl_client *client, struct wl_resource *resource,
		    struct wl_resource *parent)
{
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
	if (xdg)
		xdg->title = replace_string(xdg->title, title);
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
}

static void
toplevel_move(struct wl_client *client, struct wl_resource *resource, struct wl_resource *seat,
	      uint32_t serial)
{
}

static void
toplevel_resize(struct wl_client *client, struct wl_resource *resource,
		struct wl_resource *seat, uint32_t serial, uint32_t edges)
{
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
toplevel_noop(struct wl_client *client, struct wl_resource *resource)
{
}

static void
toplevel_set_fullscreen(struct wl_client *client, struct wl_resource *resource,
			struct wl_resource *output)
{
}

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
	.set_maximized = toplevel_noop,
	.unset_maximized = toplevel_noop,
	.set_fullscreen = toplevel_set_fullscreen,
	.unset_fullscreen = toplevel_noop,
	.set_minimized = toplevel_noop,
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
}

static void
place_popup(struct xdg_surface *xdg, const struct positioner *pos)
{
	/* 64-bit: every term is a client's int32, and their sum must not overflow. */
	int64_t ax = pos->anchor_x, ay = pos->anchor_y;
	int64_t aw = pos->anchor_w, ah = pos->anchor_h, w = pos->width, h = pos->height;
	/* The anchor point on the anchor rectangle. */
	switch (pos->anchor) {
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
	switch (pos->gravity) {
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
	xdg->popup_x = sw_clamp_coord(x + pos->offset_x);
	xdg->popup_y = sw_clamp_coord(y + pos->offset_y);
	xdg->popup_w = pos->width;
	xdg->popup_h = pos->height;
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
	place_popup(xdg, pos);
	if (parent) {
		xdg->parent = parent;
		xdg->parent_destroy.notify = popup_parent_destroyed;
		/* Not the resource's destroy: the parent's struct can go first, with its wl_surface. */
		wl_signal_add(&parent->destroy_signal, &xdg->parent_destroy);
	}
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
	if (width <= 0 || height <= 0)
		wl_resource_post_error(resource, XDG_SURFACE_ERROR_INVALID_SIZE,
				       "window geometry %dx%d is empty", width, height);
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
}

static void
positioner_set_parent_size(struct wl_client *client, struct wl_resource *resource,
			   int32_t width, int32_t height)
{
}

static void
positioner_set_parent_configure(struct wl_client *client, struct wl_resource *resource,
				uint32_t serial)
{
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
	xdg->view.server = shell->server;
	xdg->view.surface = surface;
	wl_list_init(&xdg->view.link);
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
	base->resource = wl_resource_create(client, &xdg_wm_base_interface, (int)version, id);
	if (!base->resource) {
		free(base);
		wl_client_post_no_memory(client);
		return;
	}
	base->shell = data;
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

bool
sw_xdg_shell_create(struct sw_server *server)
{
	struct sw_xdg_shell *shell = calloc(1, sizeof(*shell));
	if (!shell)
		return false;
	shell->server = server;
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
