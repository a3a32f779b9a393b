/*
 * The views on screen, bottom first in sw_server.views: hit testing and
 * damage. Who goes where is the window manager's business (wm.c).
 */
#include "output.h"
#include "server.h"
#include "surface.h"
#include "view.h"

void
sw_view_init(struct sw_view *view, struct sw_server *server, struct sw_surface *surface,
	     const struct sw_view_impl *impl)
{
	view->server = server;
	view->surface = surface;
	view->impl = impl;
	wl_list_init(&view->link);
	wl_signal_init(&view->events.map);
	wl_signal_init(&view->events.unmap);
	wl_signal_init(&view->events.commit);
	wl_signal_init(&view->events.request_fullscreen);
	wl_signal_init(&view->events.request_unfullscreen);
	wl_signal_init(&view->events.request_maximize);
	wl_signal_init(&view->events.request_unmaximize);
	wl_signal_init(&view->events.request_minimize);
	wl_signal_init(&view->events.request_move);
	wl_signal_init(&view->events.request_resize);
	wl_signal_init(&view->events.set_title);
	wl_signal_init(&view->events.configure);
	wl_signal_init(&view->events.destroy);
}

bool
sw_view_frame_box(const struct sw_view *view, struct sw_box *box)
{
	if (!view->frame.image || view->frame.height <= 0 || view->frame.width <= 0 ||
	    (view->states & SW_VIEW_FULLSCREEN))
		return false;
	*box = (struct sw_box){
		sw_clamp_coord((int64_t)view->x + view->geometry.x),
		sw_clamp_coord((int64_t)view->y + view->geometry.y - view->frame.height),
		view->frame.width, view->frame.height,
	};
	return true;
}

static bool
frame_hit(const struct sw_view *view, double x, double y, double *fx, double *fy)
{
	struct sw_box b;
	if (!sw_view_frame_box(view, &b) || x < b.x || y < b.y || x >= (double)b.x + b.width ||
	    y >= (double)b.y + b.height)
		return false;
	*fx = x - b.x;
	*fy = y - b.y;
	return true;
}

struct sw_view *
sw_view_frame_at(struct sw_server *server, double x, double y, double *fx, double *fy)
{
	struct sw_view *view;
	wl_list_for_each_reverse(view, &server->views, link) {
		if (!view->mapped)
			continue;
		if (frame_hit(view, x, y, fx, fy))
			return view;
		double sx, sy;
		if (sw_surface_at(view->surface, x - view->x, y - view->y, &sx, &sy))
			return NULL;
	}
	return NULL;
}

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
		/* A title bar hides what is below it from the clients: the window manager's. */
		double fx, fy;
		if (frame_hit(view, x, y, &fx, &fy))
			return NULL;
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
	struct sw_box b;
	if (sw_view_frame_box(view, &b))
		sw_outputs_damage_box(view->server, b.x, b.y, b.width, b.height);
}

struct sw_view *
sw_view_root(struct sw_view *view)
{
	while (view->parent)
		view = view->parent;
	return view;
}
