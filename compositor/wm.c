/*
 * The window manager. The shell protocols emit signals on their views
 * (view.h); this file answers them, and owns every decision about where a
 * window goes, which one is on top, which one has the keyboard, and what
 * the compositor's own keys do. Input comes here first (input.c), so
 * interactive moves, resizes and popup grabs are handled before the seat
 * delivers the event.
 */
#include <stdlib.h>

#include <linux/input-event-codes.h>
#include <wayland-server-core.h>

#include "layer_shell.h"
#include "log.h"
#include "output.h"
#include "seat.h"
#include "server.h"
#include "surface.h"
#include "view.h"
#include "wm.h"
#include "xdg_shell.h"

#define CASCADE_STEP 32

/* xdg_toplevel.resize_edge is a bit mask of these. */
enum resize_edge { EDGE_TOP = 1, EDGE_BOTTOM = 2, EDGE_LEFT = 4, EDGE_RIGHT = 8 };

enum grab_mode { GRAB_NONE, GRAB_MOVE, GRAB_RESIZE };

struct sw_wm {
	struct sw_server *server;
	struct wl_listener new_view;
	struct wl_list windows;      /* wm_view.link */
	struct wl_list hidden;       /* minimized views, by sw_view.link */
	struct sw_view *focused;
	/* Layer surfaces with the keyboard, before the focused window (see wm.h). */
	struct {
		struct sw_surface *exclusive;  /* keeps it, whatever is clicked */
		struct sw_surface *on_demand;  /* clicked; keeps it until a window is focused */
	} layer;
	/*
	 * The newest toplevel, told `activated` in its first configure because
	 * it gets the focus when it maps (as weston does); at most one such
	 * promise is out, so there is never a second activated window.
	 */
	struct sw_view *promised;
	int32_t next_x, next_y;      /* where the next cascaded window goes */
	/* Being placed as it maps: nothing of it is on screen yet to damage. */
	struct sw_view *mapping;
	struct {
		enum grab_mode mode;
		struct sw_view *view;
		double px, py;           /* the pointer when it began */
		struct sw_box box;       /* the window geometry then, output coordinates */
		uint32_t edges;          /* resize: xdg_toplevel.resize_edge bits */
	} grab;
};

/* What the window manager keeps per view. */
struct wm_view {
	struct sw_wm *wm;
	struct sw_view *view;
	struct wl_list link;         /* sw_wm.windows */
	struct sw_box saved;         /* window geometry in output coords before a size state */
	bool saved_valid;
	bool restore_pending;        /* put it back at `saved` once the client has its old size */
	/* The output it is fullscreen or maximized on (NULL: neither, or the one it is on). */
	struct sw_output *output;
	bool placing;                /* mapped, not yet placed: it goes where new windows go */
	struct wl_listener output_destroy;
	struct wl_listener map, unmap, commit, destroy;
	struct wl_listener fullscreen, unfullscreen, maximize, unmaximize, minimize;
	struct wl_listener move, resize;
};

/* ---- outputs ---- */

/*
 * Where a new window opens: the output under the pointer, else the one of
 * the focused window, else the first. NULL only without any output.
 */
static struct sw_output *
new_window_output(struct sw_wm *wm, struct sw_view *view)
{
	struct sw_server *server = wm->server;
	double px, py;
	struct sw_output *output;
	if (server->seat && sw_seat_pointer_position(server->seat, &px, &py) &&
	    (output = sw_output_at(server, px, py)))
		return output;
	if (wm->focused && wm->focused != view && wm->focused->mapped)
		return sw_view_output(wm->focused);
	return sw_output_first(server);
}

/*
 * The named output; else the one a fullscreen or maximized window holds; else
 * the one a mapped window (a popup: its toplevel) shows most on; else the
 * one a new window opens on.
 */
struct sw_output *
sw_wm_output_for(struct sw_wm *wm, struct sw_view *view, struct sw_output *requested)
{
	if (requested)
		return requested;
	if (view && !view->toplevel)
		view = sw_view_root(view);
	struct wm_view *wv = view ? view->wm_data : NULL;
	if (wv && wv->output)
		return wv->output;
	if (view && view->mapped && !(wv && wv->placing))
		return sw_view_output(view);
	return new_window_output(wm, view);
}

void
sw_wm_output_box(struct sw_wm *wm, struct sw_output *output, struct sw_box *box)
{
	(void)wm;
	if (!output) {
		/* No output at all (every connector unplugged): nowhere to go. */
		*box = (struct sw_box){ 0, 0, 0, 0 };
		return;
	}
	*box = (struct sw_box){ output->x, output->y, output->width, output->height };
}

static void apply_states(struct wm_view *wv);

/* Hold `output` for a fullscreen or maximized window (NULL: let go). */
static void
hold_output(struct wm_view *wv, struct sw_output *output)
{
	wl_list_remove(&wv->output_destroy.link);
	wl_list_init(&wv->output_destroy.link);
	wv->output = output;
	if (output)
		wl_signal_add(&output->events.destroy, &wv->output_destroy);
}

/* Its output is unplugged: the window goes fullscreen (or maximized) on the first other one. */
static void
handle_output_destroy(struct wl_listener *listener, void *data)
{
	struct wm_view *wv = wl_container_of(listener, wv, output_destroy);
	struct sw_output *gone = data, *output, *next = NULL;
	wl_list_for_each(output, &wv->wm->server->outputs, link) {
		if (output != gone) {
			next = output;
			break;
		}
	}
	sw_debug("wm: the output of a %s window is gone: moving it to %s",
		 (wv->view->states & SW_VIEW_FULLSCREEN) ? "fullscreen" : "maximized",
		 next ? next->name : "no output");
	hold_output(wv, next);
	apply_states(wv);
}

void
sw_wm_usable_area(struct sw_wm *wm, struct sw_output *output, struct sw_box *box)
{
	/* The whole output less the panels' exclusive zones. */
	sw_wm_output_box(wm, output, box);
	sw_layer_shell_usable_area(wm->server->layer_shell, output, box);
}

/* ---- stacking ---- */

static bool
in_tree(struct sw_view *view, struct sw_view *root)
{
	return sw_view_root(view) == root;
}

static void
damage_moved(struct sw_view *view, int32_t dx, int32_t dy)
{
	struct wm_view *wv = view->wm_data;
	/* Being placed as it maps: where it was is nowhere on screen yet. */
	if (!wv || !wv->placing)
		sw_view_damage_whole(view);
	view->x = sw_clamp_coord((int64_t)view->x + dx);
	view->y = sw_clamp_coord((int64_t)view->y + dy);
	sw_view_damage_whole(view);
}

/* Move a toplevel's surface origin to (x, y); its popups go with it. */
static void
move_tree(struct sw_wm *wm, struct sw_view *root, int32_t x, int32_t y)
{
	int32_t dx = x - root->x, dy = y - root->y;
	if (!dx && !dy)
		return;
	if (!root->mapped || root == wm->mapping) {
		root->x = x;
		root->y = y;
		return;
	}
	struct sw_view *view;
	wl_list_for_each(view, &wm->server->views, link) {
		if (in_tree(view, root))
			damage_moved(view, dx, dy);
	}
	if (wm->server->seat)
		sw_seat_pointer_rescan(wm->server->seat);
}

/*
 * Put a toplevel and its popups (in their order) on top: a fullscreen one
 * above everything, any other below the fullscreen windows.
 */
static void
raise_tree(struct sw_wm *wm, struct sw_view *root)
{
	struct wl_list *views = &wm->server->views;
	if (!root->mapped || root->minimized)
		return;
	struct wl_list tree;
	wl_list_init(&tree);
	struct sw_view *view, *tmp;
	wl_list_for_each_safe(view, tmp, views, link) {
		if (in_tree(view, root)) {
			wl_list_remove(&view->link);
			wl_list_insert(tree.prev, &view->link);
		}
	}
	struct wl_list *below = views->prev;   /* insert after this one */
	if (!(root->states & SW_VIEW_FULLSCREEN)) {
		wl_list_for_each(view, views, link) {
			if (view->toplevel && (view->states & SW_VIEW_FULLSCREEN)) {
				below = view->link.prev;
				break;
			}
		}
	}
	wl_list_insert_list(below, &tree);
	wl_list_for_each(view, views, link) {
		if (in_tree(view, root))
			sw_view_damage_whole(view);
	}
	if (wm->server->seat)
		sw_seat_pointer_rescan(wm->server->seat);
}

/* A popup goes right above the last view of its toplevel's tree. */
static void
stack_popup(struct sw_wm *wm, struct sw_view *popup)
{
	struct sw_view *root = sw_view_root(popup);
	struct wl_list *after = wm->server->views.prev;
	struct sw_view *view;
	bool found = false;
	wl_list_for_each(view, &wm->server->views, link) {
		if (in_tree(view, root)) {
			after = &view->link;
			found = true;
		}
	}
	if (!found)
		after = wm->server->views.prev;
	wl_list_insert(after, &popup->link);
}

/* Dismiss (popup_done) the popups in `views` top first. */
static void
dismiss_all(struct wl_array *views)
{
	struct sw_view **v;
	/* By index from the end: the array was filled bottom first. */
	for (size_t n = views->size / sizeof(*v); n > 0; n--) {
		v = (struct sw_view **)views->data + n - 1;
		if ((*v)->mapped)
			(*v)->impl->dismiss(*v);
	}
}

/* Every popup above `view` in its tree, nested ones first. */
static void
dismiss_popups_of(struct sw_wm *wm, struct sw_view *view)
{
	struct wl_array doomed;
	wl_array_init(&doomed);
	struct sw_view *v;
	wl_list_for_each(v, &wm->server->views, link) {
		for (struct sw_view *p = v->parent; p; p = p->parent) {
			if (p == view) {
				struct sw_view **slot = wl_array_add(&doomed, sizeof(*slot));
				if (slot)
					*slot = v;
				break;
			}
		}
	}
	dismiss_all(&doomed);
	wl_array_release(&doomed);
}

/* The top-most toplevel on screen other than `except`. */
static struct sw_view *
topmost_toplevel(struct sw_wm *wm, struct sw_view *except)
{
	struct sw_view *view;
	wl_list_for_each_reverse(view, &wm->server->views, link) {
		if (view != except && view->mapped && view->toplevel)
			return view;
	}
	return NULL;
}

/* ---- focus ---- */

static void
set_activated(struct sw_view *view, bool activated)
{
	uint32_t states = activated ? view->states | SW_VIEW_ACTIVATED
				    : view->states & ~(uint32_t)SW_VIEW_ACTIVATED;
	if (states == view->states)
		return;
	view->states = states;
	view->impl->configure(view);
}

static void
unminimize(struct sw_wm *wm, struct sw_view *view)
{
	if (!view->minimized)
		return;
	view->minimized = false;
	wl_list_remove(&view->link);
	wl_list_insert(wm->server->views.prev, &view->link);
	sw_view_damage_whole(view);
}

struct sw_view *
sw_wm_focused(struct sw_wm *wm)
{
	return wm->focused;
}

/* The keyboard goes to an exclusive layer surface, else a clicked one, else the focused window. */
static void
give_keyboard(struct sw_wm *wm)
{
	struct sw_surface *to = wm->layer.exclusive   ? wm->layer.exclusive
				: wm->layer.on_demand ? wm->layer.on_demand
				: wm->focused         ? wm->focused->surface
						      : NULL;
	if (wm->server->seat)
		sw_seat_set_keyboard_focus(wm->server->seat, to);
}

void
sw_wm_layer_exclusive(struct sw_wm *wm, struct sw_surface *surface)
{
	wm->layer.exclusive = surface;
	give_keyboard(wm);
}

void
sw_wm_layer_release(struct sw_wm *wm, struct sw_surface *surface)
{
	bool had = false;
	if (wm->layer.exclusive == surface) {
		wm->layer.exclusive = NULL;
		had = true;
	}
	if (wm->layer.on_demand == surface) {
		wm->layer.on_demand = NULL;
		had = true;
	}
	if (had)
		give_keyboard(wm);
}

/* A click on a layer surface: an on_demand one takes the keyboard, others leave it be. */
static void
layer_clicked(struct sw_wm *wm, struct sw_surface *surface)
{
	struct sw_surface *root = sw_layer_shell_click_focus(surface);
	if (!root || root == wm->layer.on_demand)
		return;
	wm->layer.on_demand = root;
	give_keyboard(wm);
}

void
sw_wm_focus(struct sw_wm *wm, struct sw_view *view)
{
	if (view)
		view = sw_view_root(view);
	if (view && view->minimized)
		unminimize(wm, view);
	if (view)
		raise_tree(wm, view);
	if (wm->promised && wm->promised != view) {
		if (wm->promised != wm->focused)
			set_activated(wm->promised, false);
		wm->promised = NULL;
	}
	/* A window focused takes the keyboard back from a clicked layer surface. */
	bool from_layer = view && wm->layer.on_demand;
	if (from_layer)
		wm->layer.on_demand = NULL;
	if (view == wm->focused) {
		if (from_layer)
			give_keyboard(wm);
		return;
	}
	if (wm->focused)
		set_activated(wm->focused, false);
	wm->focused = view;
	/* An exclusive layer surface keeps the keyboard (give_keyboard knows). */
	give_keyboard(wm);
	if (!view)
		return;
	set_activated(view, true);
	/* A client that cannot answer is worth a line in the log. */
	view->impl->ping(view);
}

/* ---- placement ---- */

static void
update_bounds(struct sw_wm *wm, struct sw_view *view, struct sw_output *output)
{
	sw_wm_usable_area(wm, output, &view->bounds);
}

/* The height of the server-side title bar above the window geometry, 0: none shows. */
static int32_t
frame_top(const struct sw_view *view)
{
	struct sw_box b;
	return sw_view_frame_box(view, &b) ? b.height : 0;
}

/* Where the surface goes so its window geometry, title bar included, lands at (x, y). */
static void
place_geometry(struct sw_wm *wm, struct sw_view *view, int32_t x, int32_t y)
{
	move_tree(wm, view, sw_clamp_coord((int64_t)x - view->geometry.x),
		  sw_clamp_coord((int64_t)y - view->geometry.y + frame_top(view)));
}

/* Fullscreen and maximized windows sit on their area; a smaller one is centred. */
static void
place_on_area(struct sw_wm *wm, struct sw_view *view, const struct sw_box *area)
{
	int32_t x = area->x, y = area->y;
	if (view->geometry.width < area->width)
		x += (area->width - view->geometry.width) / 2;
	int32_t height = view->geometry.height + frame_top(view);
	if (height < area->height)
		y += (area->height - height) / 2;
	place_geometry(wm, view, x, y);
}

static void
state_area(struct sw_wm *wm, struct sw_view *view, struct sw_box *area)
{
	struct sw_output *output = sw_wm_output_for(wm, view, NULL);
	if (view->states & SW_VIEW_FULLSCREEN)
		sw_wm_output_box(wm, output, area);
	else
		sw_wm_usable_area(wm, output, area);
}

static void
place_new(struct sw_wm *wm, struct sw_view *view)
{
	struct sw_box area;
	sw_wm_usable_area(wm, sw_wm_output_for(wm, view, NULL), &area);
	const struct sw_box *g = &view->geometry;
	struct sw_view *parent = view->transient_for;
	if (parent && parent->mapped) {
		/* Dialogs over the middle of their parent. */
		int64_t x = (int64_t)parent->x + parent->geometry.x +
			    ((int64_t)parent->geometry.width - g->width) / 2;
		int64_t y = (int64_t)parent->y + parent->geometry.y +
			    ((int64_t)parent->geometry.height - g->height) / 2;
		place_geometry(wm, view, sw_clamp_coord(x), sw_clamp_coord(y));
		return;
	}
	if (g->width > area.width || g->height > area.height) {
		/* Too large to cascade: the top-left corner at least is visible. */
		place_geometry(wm, view, area.x, area.y);
		return;
	}
	/* Cascade from the top-left; start again when the next one would not fit. */
	if (wm->next_x + CASCADE_STEP * 2 > area.width ||
	    wm->next_y + CASCADE_STEP * 2 > area.height) {
		wm->next_x = CASCADE_STEP;
		wm->next_y = CASCADE_STEP;
	}
	/* One that fits only nearer the corner (as large as the area) goes there, not cut off. */
	int32_t x = wm->next_x, y = wm->next_y;
	if (x + g->width > area.width)
		x = area.width - g->width;
	if (y + g->height > area.height)
		y = area.height - g->height;
	place_geometry(wm, view, area.x + x, area.y + y);
	wm->next_x += CASCADE_STEP;
	wm->next_y += CASCADE_STEP;
}

static void
save_geometry(struct wm_view *wv)
{
	struct sw_view *view = wv->view;
	if (view->states & (SW_VIEW_FULLSCREEN | SW_VIEW_MAXIMIZED))
		return;
	wv->saved_valid = view->mapped;
	/* Where the title bar begins, and the client's size. */
	wv->saved = (struct sw_box){
		sw_clamp_coord((int64_t)view->x + view->geometry.x),
		sw_clamp_coord((int64_t)view->y + view->geometry.y - frame_top(view)),
		view->geometry.width, view->geometry.height,
	};
}

/* Tell the client the size its states give it, and place it. */
static void
apply_states(struct wm_view *wv)
{
	struct sw_wm *wm = wv->wm;
	struct sw_view *view = wv->view;
	struct sw_output *output = sw_wm_output_for(wm, view, NULL);
	update_bounds(wm, view, output);
	if (view->states & (SW_VIEW_FULLSCREEN | SW_VIEW_MAXIMIZED)) {
		struct sw_box area;
		state_area(wm, view, &area);
		view->want_width = area.width;
		/* A maximized window's title bar is part of the area. */
		view->want_height = area.height - frame_top(view);
		if (view->want_height < 1)
			view->want_height = 1;
		wv->restore_pending = false;
		if (view->mapped) {
			place_on_area(wm, view, &area);
			raise_tree(wm, view);
		}
	} else if (wv->saved_valid) {
		view->want_width = wv->saved.width;
		view->want_height = wv->saved.height;
		wv->restore_pending = true;
		if (view->mapped)
			place_geometry(wm, view, wv->saved.x, wv->saved.y);
	} else {
		view->want_width = view->want_height = 0;
	}
	view->impl->configure(view);
}

void
sw_wm_usable_area_changed(struct sw_wm *wm)
{
	struct wm_view *wv;
	wl_list_for_each(wv, &wm->windows, link) {
		if (wv->view->toplevel && (wv->view->states & SW_VIEW_MAXIMIZED))
			apply_states(wv);
		else
			update_bounds(wm, wv->view, sw_wm_output_for(wm, wv->view, NULL));
	}
}

/* ---- view signals ---- */

static void
handle_map(struct wl_listener *listener, void *data)
{
	struct wm_view *wv = wl_container_of(listener, wv, map);
	struct sw_wm *wm = wv->wm;
	struct sw_view *view = wv->view;
	if (!view->toplevel) {
		stack_popup(wm, view);
		if (wm->server->seat)
			sw_seat_pointer_rescan(wm->server->seat);
		return;
	}
	wl_list_insert(wm->server->views.prev, &view->link);
	/* Until it is placed, it is on no output yet: it goes where new windows go. */
	wv->placing = true;
	update_bounds(wm, view, sw_wm_output_for(wm, view, NULL));
	/* The shell damages where it lands once placed. */
	wm->mapping = view;
	if (view->states & (SW_VIEW_FULLSCREEN | SW_VIEW_MAXIMIZED)) {
		struct sw_box area;
		state_area(wm, view, &area);
		place_on_area(wm, view, &area);
	} else {
		place_new(wm, view);
	}
	wm->mapping = NULL;
	wv->placing = false;
	/* A new toplevel gets the keyboard. */
	sw_wm_focus(wm, view);
	if (wm->server->seat)
		sw_seat_pointer_rescan(wm->server->seat);
}

static void
end_grab(struct sw_wm *wm)
{
	struct sw_view *view = wm->grab.view;
	enum grab_mode mode = wm->grab.mode;
	wm->grab.mode = GRAB_NONE;
	wm->grab.view = NULL;
	if (mode == GRAB_RESIZE && view && (view->states & SW_VIEW_RESIZING)) {
		view->states &= ~(uint32_t)SW_VIEW_RESIZING;
		view->impl->configure(view);
	}
}

static void
handle_unmap(struct wl_listener *listener, void *data)
{
	struct wm_view *wv = wl_container_of(listener, wv, unmap);
	struct sw_wm *wm = wv->wm;
	struct sw_view *view = wv->view;
	view->minimized = false;
	if (wm->grab.view == view)
		end_grab(wm);
	dismiss_popups_of(wm, view);
	if (wm->focused == view) {
		/* Focus goes to the next one down the stack. */
		wm->focused = NULL;
		view->states &= ~(uint32_t)SW_VIEW_ACTIVATED;
		sw_wm_focus(wm, topmost_toplevel(wm, view));
	}
	if (wm->server->seat)
		sw_seat_view_unmapped(wm->server->seat, view);
}

static void
handle_commit(struct wl_listener *listener, void *data)
{
	struct wm_view *wv = wl_container_of(listener, wv, commit);
	struct sw_wm *wm = wv->wm;
	struct sw_view *view = wv->view;
	if (!view->toplevel)
		return;
	if (view->states & (SW_VIEW_FULLSCREEN | SW_VIEW_MAXIMIZED)) {
		struct sw_box area;
		state_area(wm, view, &area);
		place_on_area(wm, view, &area);
	} else if (wm->grab.mode == GRAB_RESIZE && wm->grab.view == view) {
		/* The edge opposite the one dragged stays where it was. */
		const struct sw_box *b = &wm->grab.box;
		int32_t x = b->x, y = b->y;
		if (wm->grab.edges & EDGE_LEFT)
			x = sw_clamp_coord((int64_t)b->x + b->width - view->geometry.width);
		if (wm->grab.edges & EDGE_TOP)
			y = sw_clamp_coord((int64_t)b->y + b->height - view->geometry.height);
		place_geometry(wm, view, x, y);
	} else if (wv->restore_pending) {
		place_geometry(wm, view, wv->saved.x, wv->saved.y);
		if (view->geometry.width == wv->saved.width &&
		    view->geometry.height == wv->saved.height)
			wv->restore_pending = false;
	}
}

static void
handle_fullscreen(struct wl_listener *listener, void *data)
{
	struct wm_view *wv = wl_container_of(listener, wv, fullscreen);
	struct sw_view_fullscreen_request *req = data;
	/* On the named output, or the one it is on (or will open on). */
	hold_output(wv, sw_wm_output_for(wv->wm, wv->view, req->output));
	save_geometry(wv);
	wv->view->states |= SW_VIEW_FULLSCREEN;
	apply_states(wv);
}

static void
handle_unfullscreen(struct wl_listener *listener, void *data)
{
	struct wm_view *wv = wl_container_of(listener, wv, unfullscreen);
	if (!(wv->view->states & SW_VIEW_FULLSCREEN)) {
		sw_debug("xdg_toplevel.unset_fullscreen ignored: not fullscreen");
		return;
	}
	wv->view->states &= ~(uint32_t)SW_VIEW_FULLSCREEN;
	if (!(wv->view->states & SW_VIEW_MAXIMIZED))
		hold_output(wv, NULL);
	apply_states(wv);
}

static void
handle_maximize(struct wl_listener *listener, void *data)
{
	struct wm_view *wv = wl_container_of(listener, wv, maximize);
	if (!wv->output)
		hold_output(wv, sw_wm_output_for(wv->wm, wv->view, NULL));
	save_geometry(wv);
	wv->view->states |= SW_VIEW_MAXIMIZED;
	apply_states(wv);
}

static void
handle_unmaximize(struct wl_listener *listener, void *data)
{
	struct wm_view *wv = wl_container_of(listener, wv, unmaximize);
	if (!(wv->view->states & SW_VIEW_MAXIMIZED)) {
		sw_debug("xdg_toplevel.unset_maximized ignored: not maximized");
		return;
	}
	wv->view->states &= ~(uint32_t)SW_VIEW_MAXIMIZED;
	if (!(wv->view->states & SW_VIEW_FULLSCREEN))
		hold_output(wv, NULL);
	apply_states(wv);
}

static void
handle_minimize(struct wl_listener *listener, void *data)
{
	struct wm_view *wv = wl_container_of(listener, wv, minimize);
	struct sw_wm *wm = wv->wm;
	struct sw_view *view = wv->view;
	if (!view->mapped || view->minimized) {
		sw_debug("xdg_toplevel.set_minimized ignored: not on screen");
		return;
	}
	if (wm->grab.view == view)
		end_grab(wm);
	dismiss_popups_of(wm, view);
	sw_view_damage_whole(view);
	/* Off the stack, so nothing draws or hits it, until it is focused again. */
	wl_list_remove(&view->link);
	wl_list_insert(&wm->hidden, &view->link);
	view->minimized = true;
	if (wm->focused == view) {
		wm->focused = NULL;
		set_activated(view, false);
		sw_wm_focus(wm, topmost_toplevel(wm, view));
	}
	if (wm->server->seat)
		sw_seat_view_unmapped(wm->server->seat, view);
}

/* A grab needs a pointer with a button held (the press the client answers). */
static bool
grab_possible(struct sw_wm *wm, struct sw_view *view, const char *what)
{
	double x, y;
	struct sw_seat *seat = wm->server->seat;
	if (!seat || !sw_seat_pointer_position(seat, &x, &y) || sw_seat_buttons_down(seat) == 0) {
		sw_debug("xdg_toplevel.%s ignored: no pointer button is held", what);
		return false;
	}
	if (view->states & (SW_VIEW_FULLSCREEN | SW_VIEW_MAXIMIZED)) {
		sw_debug("xdg_toplevel.%s ignored: the window is fullscreen or maximized", what);
		return false;
	}
	if (wm->grab.mode != GRAB_NONE)
		end_grab(wm);
	wm->grab.view = view;
	wm->grab.px = x;
	wm->grab.py = y;
	wm->grab.box = (struct sw_box){
		sw_clamp_coord((int64_t)view->x + view->geometry.x),
		sw_clamp_coord((int64_t)view->y + view->geometry.y - frame_top(view)),
		view->geometry.width, view->geometry.height,
	};
	return true;
}

static void
handle_move(struct wl_listener *listener, void *data)
{
	struct wm_view *wv = wl_container_of(listener, wv, move);
	if (!grab_possible(wv->wm, wv->view, "move"))
		return;
	wv->wm->grab.mode = GRAB_MOVE;
}

static void
handle_resize(struct wl_listener *listener, void *data)
{
	struct wm_view *wv = wl_container_of(listener, wv, resize);
	struct sw_view_grab_request *req = data;
	if (!grab_possible(wv->wm, wv->view, "resize"))
		return;
	wv->wm->grab.mode = GRAB_RESIZE;
	wv->wm->grab.edges = req->edges;
	wv->view->states |= SW_VIEW_RESIZING;
	wv->view->want_width = wv->wm->grab.box.width;
	wv->view->want_height = wv->wm->grab.box.height;
	wv->view->impl->configure(wv->view);
}

static void
handle_destroy(struct wl_listener *listener, void *data)
{
	struct wm_view *wv = wl_container_of(listener, wv, destroy);
	struct sw_wm *wm = wv->wm;
	if (wm->grab.view == wv->view)
		end_grab(wm);
	if (wm->focused == wv->view)
		wm->focused = NULL;
	if (wm->promised == wv->view)
		wm->promised = NULL;
	if (wv->view->minimized) {
		wl_list_remove(&wv->view->link);
		wl_list_init(&wv->view->link);
		wv->view->minimized = false;
	}
	wv->view->wm_data = NULL;
	wl_list_remove(&wv->output_destroy.link);
	wl_list_remove(&wv->map.link);
	wl_list_remove(&wv->unmap.link);
	wl_list_remove(&wv->commit.link);
	wl_list_remove(&wv->destroy.link);
	wl_list_remove(&wv->fullscreen.link);
	wl_list_remove(&wv->unfullscreen.link);
	wl_list_remove(&wv->maximize.link);
	wl_list_remove(&wv->unmaximize.link);
	wl_list_remove(&wv->minimize.link);
	wl_list_remove(&wv->move.link);
	wl_list_remove(&wv->resize.link);
	wl_list_remove(&wv->link);
	free(wv);
}

static void
handle_new_view(struct wl_listener *listener, void *data)
{
	struct sw_wm *wm = wl_container_of(listener, wm, new_view);
	struct sw_view *view = data;
	struct wm_view *wv = calloc(1, sizeof(*wv));
	if (!wv) {
		/* Without its state the window is still shown, never managed. */
		sw_err("wm: out of memory for a new window");
		return;
	}
	wv->wm = wm;
	wv->view = view;
	wv->output_destroy.notify = handle_output_destroy;
	wl_list_init(&wv->output_destroy.link);
	view->wm_data = wv;
	wl_list_insert(&wm->windows, &wv->link);
#define LISTEN(field, signal, fn) \
	wv->field.notify = fn;    \
	wl_signal_add(&view->events.signal, &wv->field)
	LISTEN(map, map, handle_map);
	LISTEN(unmap, unmap, handle_unmap);
	LISTEN(commit, commit, handle_commit);
	LISTEN(destroy, destroy, handle_destroy);
	LISTEN(fullscreen, request_fullscreen, handle_fullscreen);
	LISTEN(unfullscreen, request_unfullscreen, handle_unfullscreen);
	LISTEN(maximize, request_maximize, handle_maximize);
	LISTEN(unmaximize, request_unmaximize, handle_unmaximize);
	LISTEN(minimize, request_minimize, handle_minimize);
	LISTEN(move, request_move, handle_move);
	LISTEN(resize, request_resize, handle_resize);
#undef LISTEN
	if (!view->toplevel)
		return;
	/* The initial configure already carries the bounds, and the activation to come. */
	update_bounds(wm, view, sw_wm_output_for(wm, view, NULL));
	if (wm->promised && wm->promised != wm->focused)
		set_activated(wm->promised, false);
	wm->promised = view;
	view->states |= SW_VIEW_ACTIVATED;
}

/* ---- input ---- */

bool
sw_wm_key(struct sw_wm *wm, uint32_t key, bool ctrl, bool alt, unsigned *vt)
{
	*vt = 0;
	if (alt && !ctrl && key == KEY_TAB) {
		/* The bottom-most window comes up: repeated, it cycles through them all. */
		struct sw_view *next = NULL, *view;
		wl_list_for_each(view, &wm->hidden, link) {
			if (view->toplevel) {
				next = view;
				break;
			}
		}
		if (!next) {
			wl_list_for_each(view, &wm->server->views, link) {
				if (view->toplevel && view->mapped) {
					next = view;
					break;
				}
			}
		}
		if (next)
			sw_wm_focus(wm, next);
		return true;
	}
	if (!ctrl || !alt)
		return false;
	if (key == KEY_BACKSPACE) {
		sw_info("wm: Ctrl+Alt+Backspace: quitting");
		sw_server_terminate(wm->server, 0);
		return true;
	}
	if (key >= KEY_F1 && key <= KEY_F10)
		*vt = key - KEY_F1 + 1;
	else if (key == KEY_F11)
		*vt = 11;
	else if (key == KEY_F12)
		*vt = 12;
	return *vt != 0;
}

static void
grab_motion(struct sw_wm *wm)
{
	struct sw_view *view = wm->grab.view;
	double x, y;
	if (wm->grab.mode == GRAB_NONE || !sw_seat_pointer_position(wm->server->seat, &x, &y))
		return;
	int64_t dx = (int64_t)(x - wm->grab.px), dy = (int64_t)(y - wm->grab.py);
	const struct sw_box *b = &wm->grab.box;
	if (wm->grab.mode == GRAB_MOVE) {
		place_geometry(wm, view, sw_clamp_coord(b->x + dx), sw_clamp_coord(b->y + dy));
		return;
	}
	int64_t w = b->width, h = b->height;
	if (wm->grab.edges & EDGE_LEFT)
		w -= dx;
	else if (wm->grab.edges & EDGE_RIGHT)
		w += dx;
	if (wm->grab.edges & EDGE_TOP)
		h -= dy;
	else if (wm->grab.edges & EDGE_BOTTOM)
		h += dy;
	/* Within the client's limits, and never below one pixel. */
	int64_t min_w = view->min_width > 0 ? view->min_width : 1;
	int64_t min_h = view->min_height > 0 ? view->min_height : 1;
	if (view->max_width > 0 && w > view->max_width)
		w = view->max_width;
	if (view->max_height > 0 && h > view->max_height)
		h = view->max_height;
	if (w < min_w)
		w = min_w;
	if (h < min_h)
		h = min_h;
	if (w > INT32_MAX)
		w = INT32_MAX;
	if (h > INT32_MAX)
		h = INT32_MAX;
	if (w == view->want_width && h == view->want_height)
		return;
	view->want_width = (int32_t)w;
	view->want_height = (int32_t)h;
	view->impl->configure(view);
}

void
sw_wm_pointer_motion(struct sw_wm *wm, uint32_t time_msec, double dx, double dy)
{
	sw_seat_pointer_motion(wm->server->seat, time_msec, dx, dy);
	grab_motion(wm);
}

void
sw_wm_pointer_warp(struct sw_wm *wm, uint32_t time_msec, double x, double y)
{
	sw_seat_pointer_warp(wm->server->seat, time_msec, x, y);
	grab_motion(wm);
}

/* Popups that grabbed are dismissed by a click anywhere but their own client. */
static void
dismiss_grabs_outside(struct sw_wm *wm, struct wl_client *clicked)
{
	struct wl_array doomed;
	wl_array_init(&doomed);
	struct sw_view *view;
	wl_list_for_each(view, &wm->server->views, link) {
		if (!view->grabbing || !view->mapped)
			continue;
		if (clicked && wl_resource_get_client(view->surface->resource) == clicked)
			continue;
		struct sw_view **slot = wl_array_add(&doomed, sizeof(*slot));
		if (slot)
			*slot = view;
	}
	dismiss_all(&doomed);
	wl_array_release(&doomed);
}

void
sw_wm_pointer_button(struct sw_wm *wm, uint32_t time_msec, uint32_t button, bool pressed)
{
	struct sw_seat *seat = wm->server->seat;
	double x, y;
	sw_seat_pointer_position(seat, &x, &y);
	if (pressed && sw_seat_buttons_down(seat) == 0) {
		double fx, fy;
		struct sw_view *framed = sw_view_frame_at(wm->server, x, y, &fx, &fy);
		if (framed) {
			/* The title bar is the compositor's: its close button, or a move. */
			struct wl_client *owner = wl_resource_get_client(framed->surface->resource);
			dismiss_grabs_outside(wm, owner);
			sw_wm_focus(wm, framed);
			sw_seat_pointer_button(seat, time_msec, button, pressed);
			if (fx >= framed->frame.close_x) {
				sw_debug("close button of %s pressed",
					 framed->title ? framed->title : "a window");
				framed->impl->close(framed);
			} else if (grab_possible(wm, framed, "move by its title bar")) {
				wm->grab.mode = GRAB_MOVE;
			}
			return;
		}
		struct sw_hit hit;
		sw_hit_test(wm->server, x, y, &hit);
		dismiss_grabs_outside(wm, hit.surface ? wl_resource_get_client(hit.surface->resource)
						      : NULL);
		/*
		 * A click raises and focuses the window under the pointer, popups and
		 * all (what a dismissed popup covered, now); a layer surface may take
		 * the keyboard.
		 */
		sw_hit_test(wm->server, x, y, &hit);
		/* A popup of a layer surface has no window to focus: the keyboard stays. */
		if (hit.view && sw_view_root(hit.view)->toplevel)
			sw_wm_focus(wm, hit.view);
		else if (hit.surface && !hit.view)
			layer_clicked(wm, hit.surface);
	}
	sw_seat_pointer_button(seat, time_msec, button, pressed);
	if (!pressed && sw_seat_buttons_down(seat) == 0 && wm->grab.mode != GRAB_NONE)
		end_grab(wm);
}

/* ---- life ---- */

struct sw_wm *
sw_wm_create(struct sw_server *server)
{
	struct sw_wm *wm = calloc(1, sizeof(*wm));
	if (!wm)
		return NULL;
	wm->server = server;
	wm->next_x = wm->next_y = CASCADE_STEP;
	wl_list_init(&wm->windows);
	wl_list_init(&wm->hidden);
	wm->new_view.notify = handle_new_view;
	wl_signal_add(sw_xdg_shell_new_view_signal(server->xdg_shell), &wm->new_view);
	return wm;
}

void
sw_wm_destroy(struct sw_wm *wm)
{
	if (!wm)
		return;
	/* The clients are gone by now, and their views with them. */
	struct wm_view *wv, *tmp;
	wl_list_for_each_safe(wv, tmp, &wm->windows, link)
		handle_destroy(&wv->destroy, wv->view);
	wl_list_remove(&wm->new_view.link);
	free(wm);
}
