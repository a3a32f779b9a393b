/*
 * The views on screen, bottom first in sw_server.views: hit testing (with
 * the layer surfaces above and below them) and damage. Who goes where is the window manager's business (wm.c).
 */
#include "layer_shell.h"
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

/*
 * The top-most window, its title bar or a surface of it, at (x, y); among
 * the popups of layer surfaces only (`above_layers`) or among the rest.
 */
static bool
window_at(struct sw_server *server, double x, double y, bool above_layers, struct sw_hit *hit)
{
	struct sw_view *view;
	wl_list_for_each_reverse(view, &server->views, link) {
		if (!view->mapped || view->above_layers != above_layers)
			continue;
		/* A title bar hides what is below it from the clients: the window manager's. */
		if (frame_hit(view, x, y, &hit->sx, &hit->sy)) {
			hit->view = view;
			hit->frame = true;
			return true;
		}
		struct sw_surface *s = sw_surface_at(view->surface, x - view->x, y - view->y,
						     &hit->sx, &hit->sy);
		if (s) {
			hit->view = view;
			hit->surface = s;
			return true;
		}
	}
	return false;
}

static bool
layer_at(struct sw_server *server, enum sw_layer layer, double x, double y, struct sw_hit *hit)
{
	hit->surface = sw_layer_shell_surface_at(server->layer_shell, layer, x, y, &hit->sx,
						 &hit->sy);
	return hit->surface != NULL;
}

void
sw_hit_test(struct sw_server *server, double x, double y, struct sw_hit *hit)
{
	*hit = (struct sw_hit){ 0 };
	struct sw_view *top = wl_list_empty(&server->views)
				      ? NULL
				      : wl_container_of(server->views.prev, top, link);
	bool fullscreen = top && top->mapped && (top->states & SW_VIEW_FULLSCREEN);
	if (window_at(server, x, y, true, hit) ||
	    layer_at(server, SW_LAYER_OVERLAY, x, y, hit) ||
	    (!fullscreen && layer_at(server, SW_LAYER_TOP, x, y, hit)) ||
	    window_at(server, x, y, false, hit) ||
	    (fullscreen && layer_at(server, SW_LAYER_TOP, x, y, hit)) ||
	    layer_at(server, SW_LAYER_BOTTOM, x, y, hit))
		return;
	layer_at(server, SW_LAYER_BACKGROUND, x, y, hit);
}

struct sw_view *
sw_view_frame_at(struct sw_server *server, double x, double y, double *fx, double *fy)
{
	struct sw_hit hit;
	sw_hit_test(server, x, y, &hit);
	if (!hit.frame)
		return NULL;
	*fx = hit.sx;
	*fy = hit.sy;
	return hit.view;
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
	struct sw_hit hit;
	sw_hit_test(server, x, y, &hit);
	if (!hit.view || !hit.surface)
		return NULL;
	*surface = hit.surface;
	*sx = hit.sx;
	*sy = hit.sy;
	return hit.view;
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
