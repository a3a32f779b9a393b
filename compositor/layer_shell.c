/*
 * zwlr_layer_shell_v1, version 4. A layer surface's state (layer, size,
 * anchor, exclusive zone, margins, keyboard interactivity) is
 * double-buffered and applied at its wl_surface's commit; the first commit
 * without a buffer gets a configure with the size its anchors give it, and
 * a buffer maps it. On every change the output's layer surfaces are laid
 * out again: those with an exclusive zone first, each shrinking the usable
 * area on the edge it is anchored to, then the others inside what is left
 * (exclusive zone -1: the whole output). The window manager asks for the
 * usable area (maximized windows and placement keep to it) and hears when
 * it changes. Each output has its own layout and usable area: a surface is
 * on the output named, else where the window manager opens windows (the
 * pointer's), and is closed when that output goes. Input: view.c's hit
 * test asks for the surface under the pointer in each layer; the keyboard
 * is the window manager's, told which surface is exclusive (the top-most in
 * the top or overlay layer) and when one can no longer hold it; it asks
 * whether a clicked surface takes the keyboard (on_demand).
 */
#include <stdlib.h>
#include <string.h>

#include <wayland-server-core.h>

#include "layer_shell.h"
#include "log.h"
#include "output.h"
#include "scene.h"
#include "seat.h"
#include "server.h"
#include "surface.h"
#include "view.h"
#include "wm.h"
#include "xdg_shell.h"
#include "wlr-layer-shell-unstable-v1-server-protocol.h"

#define LAYER_SHELL_VERSION 4
#define N_LAYERS 4

enum { EDGE_TOP = ZWLR_LAYER_SURFACE_V1_ANCHOR_TOP,
       EDGE_BOTTOM = ZWLR_LAYER_SURFACE_V1_ANCHOR_BOTTOM,
       EDGE_LEFT = ZWLR_LAYER_SURFACE_V1_ANCHOR_LEFT,
       EDGE_RIGHT = ZWLR_LAYER_SURFACE_V1_ANCHOR_RIGHT,
       EDGES_ALL = EDGE_TOP | EDGE_BOTTOM | EDGE_LEFT | EDGE_RIGHT };

struct sw_layer_shell {
	struct sw_server *server;
	struct wl_list layers[N_LAYERS];   /* layer_surface.link, mapped, bottom first */
	struct wl_list outputs;            /* layer_output.link */
	struct wl_list surfaces;           /* layer_surface.shell_link: all of them */
	struct layer_surface *keyboard;    /* the window manager was told it is exclusive */
	struct wl_listener display_destroy;
};

/* An output some layer surface was made for: its usable area, and its going. */
struct layer_output {
	struct sw_layer_shell *shell;
	struct sw_output *output;
	struct sw_box usable;              /* at the last layout; width 0: none yet */
	struct wl_list link;               /* sw_layer_shell.outputs */
	struct wl_listener output_destroy;
};

struct layer_state {
	uint32_t layer;
	uint32_t width, height;
	uint32_t anchor;
	int32_t zone;
	int32_t margin_top, margin_right, margin_bottom, margin_left;
	uint32_t keyboard;
};

struct layer_surface {
	struct wl_resource *resource;
	struct sw_layer_shell *shell;
	struct sw_surface *surface;        /* NULL once it is gone */
	struct layer_output *output;       /* NULL once closed (its output went) */
	char *namespace;
	struct layer_state pending, current;
	bool configure_sent;               /* since the last (un)map */
	bool acked;                        /* a configure was acked since */
	bool mapped;
	uint32_t last_serial;              /* of the last configure */
	int32_t sent_width, sent_height;
	struct sw_box box;                 /* where it is, layout coordinates */
	struct wl_list link;               /* shell->layers[current.layer] while mapped */
	struct wl_list shell_link;         /* shell->surfaces */
	struct wl_signal popups_gone;      /* unmapped or gone: its popups are done */
	struct wl_listener surface_destroy;
};

static const char *const layer_names[N_LAYERS] = { "background", "bottom", "top", "overlay" };

/* ---- layout ---- */

/* The edge a positive exclusive zone applies to, 0: none (see set_exclusive_zone). */
static uint32_t
exclusive_edge(uint32_t anchor)
{
	switch (anchor) {
	case EDGE_TOP:
	case EDGE_TOP | EDGE_LEFT | EDGE_RIGHT:
		return EDGE_TOP;
	case EDGE_BOTTOM:
	case EDGE_BOTTOM | EDGE_LEFT | EDGE_RIGHT:
		return EDGE_BOTTOM;
	case EDGE_LEFT:
	case EDGE_LEFT | EDGE_TOP | EDGE_BOTTOM:
		return EDGE_LEFT;
	case EDGE_RIGHT:
	case EDGE_RIGHT | EDGE_TOP | EDGE_BOTTOM:
		return EDGE_RIGHT;
	default:
		return 0;
	}
}

static int64_t
clamp_size(int64_t v)
{
	return v < 0 ? 0 : v > SW_COORD_LIMIT ? SW_COORD_LIMIT : v;
}

/* Place one surface in `bounds` by its anchors, margins and size. */
static void
place(struct layer_surface *ls, const struct sw_box *bounds)
{
	const struct layer_state *s = &ls->current;
	int64_t ml = s->margin_left, mr = s->margin_right, mt = s->margin_top,
		mb = s->margin_bottom;
	bool left = s->anchor & EDGE_LEFT, right = s->anchor & EDGE_RIGHT;
	bool top = s->anchor & EDGE_TOP, bottom = s->anchor & EDGE_BOTTOM;
	/* A size of 0 stretches between opposite anchors (checked at commit). */
	int64_t w = s->width ? s->width : clamp_size(bounds->width - ml - mr);
	int64_t h = s->height ? s->height : clamp_size(bounds->height - mt - mb);
	int64_t x, y;
	if (left && right)
		x = bounds->x + ml + (bounds->width - ml - mr - w) / 2;
	else if (left)
		x = bounds->x + ml;
	else if (right)
		x = (int64_t)bounds->x + bounds->width - mr - w;
	else
		x = bounds->x + (bounds->width - w) / 2;
	if (top && bottom)
		y = bounds->y + mt + (bounds->height - mt - mb - h) / 2;
	else if (top)
		y = bounds->y + mt;
	else if (bottom)
		y = (int64_t)bounds->y + bounds->height - mb - h;
	else
		y = bounds->y + (bounds->height - h) / 2;
	ls->box = (struct sw_box){ sw_clamp_coord(x), sw_clamp_coord(y), (int32_t)clamp_size(w),
				   (int32_t)clamp_size(h) };
}

/* Take a positive exclusive zone off `usable`. */
static void
exclude(const struct layer_surface *ls, struct sw_box *usable)
{
	const struct layer_state *s = &ls->current;
	int64_t z;
	switch (exclusive_edge(s->anchor)) {
	case EDGE_TOP:
		z = clamp_size((int64_t)s->zone + s->margin_top);
		z = z > usable->height ? usable->height : z;
		usable->y += (int32_t)z;
		usable->height -= (int32_t)z;
		break;
	case EDGE_BOTTOM:
		z = clamp_size((int64_t)s->zone + s->margin_bottom);
		usable->height -= (int32_t)(z > usable->height ? usable->height : z);
		break;
	case EDGE_LEFT:
		z = clamp_size((int64_t)s->zone + s->margin_left);
		z = z > usable->width ? usable->width : z;
		usable->x += (int32_t)z;
		usable->width -= (int32_t)z;
		break;
	case EDGE_RIGHT:
		z = clamp_size((int64_t)s->zone + s->margin_right);
		usable->width -= (int32_t)(z > usable->width ? usable->width : z);
		break;
	}
}

static void
send_configure(struct layer_surface *ls)
{
	ls->last_serial = wl_display_next_serial(ls->shell->server->display);
	ls->sent_width = ls->box.width;
	ls->sent_height = ls->box.height;
	ls->configure_sent = true;
	zwlr_layer_surface_v1_send_configure(ls->resource, ls->last_serial,
					     (uint32_t)ls->box.width, (uint32_t)ls->box.height);
}

/*
 * Where the box shows: a client smaller than its configured size is
 * centred by place() already; its buffer's size is what is drawn.
 */
static void
damage_at(struct layer_surface *ls)
{
	if (ls->mapped && ls->surface)
		sw_surface_damage_tree(ls->surface, ls->box.x, ls->box.y);
}

/*
 * Lay out every surface of one output that wants a size from the layout:
 * exclusive ones first, each in what the ones before left. O(layer surfaces).
 */
static void
arrange(struct layer_output *lo, struct layer_surface *pending_one)
{
	if (!lo)
		return;
	struct sw_layer_shell *shell = lo->shell;
	struct sw_output *output = lo->output;
	struct sw_box full = { output->x, output->y, output->width, output->height };
	struct sw_box usable = full;
	for (int pass = 0; pass < 2; pass++) {
		for (int l = N_LAYERS - 1; l >= 0; l--) {
			struct layer_surface *ls;
			wl_list_for_each(ls, &shell->layers[l], link) {
				if (ls->output != lo)
					continue;
				bool exclusive = ls->current.zone > 0 &&
						 exclusive_edge(ls->current.anchor);
				if (exclusive != (pass == 0))
					continue;
				struct sw_box old = ls->box;
				place(ls, ls->current.zone < 0 ? &full : &usable);
				if (exclusive)
					exclude(ls, &usable);
				if (memcmp(&old, &ls->box, sizeof(old)) != 0) {
					/* Moved: where it was and where it is now. */
					sw_outputs_damage_box(shell->server, old.x, old.y,
							      old.width, old.height);
					damage_at(ls);
				}
				if (ls->box.width != ls->sent_width ||
				    ls->box.height != ls->sent_height)
					send_configure(ls);
			}
		}
	}
	/* One not mapped yet (its initial commit) is placed in what the mapped ones leave. */
	if (pending_one && !pending_one->mapped)
		place(pending_one, pending_one->current.zone < 0 ? &full : &usable);
	/* Before the first layout the usable area was the whole output. */
	struct sw_box before = lo->usable.width > 0 ? lo->usable : full;
	bool changed = memcmp(&usable, &before, sizeof(usable)) != 0;
	lo->usable = usable;
	if (changed && shell->server->wm) {
		sw_debug("layer-shell: usable area of %s now %dx%d at %d,%d", output->name,
			 usable.width, usable.height, usable.x, usable.y);
		sw_wm_usable_area_changed(shell->server->wm);
	}
}

/* ---- keyboard: the window manager decides, told what the surfaces ask ---- */

/* Tell the window manager which surface is the top-most exclusive one of the top and overlay. */
static void
update_keyboard(struct sw_layer_shell *shell)
{
	struct layer_surface *holder = NULL;
	for (int l = SW_LAYER_TOP; l < N_LAYERS; l++) {
		struct layer_surface *ls;
		wl_list_for_each(ls, &shell->layers[l], link) {
			if (ls->current.keyboard ==
			    ZWLR_LAYER_SURFACE_V1_KEYBOARD_INTERACTIVITY_EXCLUSIVE)
				holder = ls;  /* the top-most wins */
		}
	}
	if (holder == shell->keyboard)
		return;
	shell->keyboard = holder;
	if (holder)
		sw_debug("layer-shell: '%s' takes the keyboard exclusively", holder->namespace);
	if (shell->server->wm)
		sw_wm_layer_exclusive(shell->server->wm, holder ? holder->surface : NULL);
}

/* It may no longer hold the keyboard (unmapped, or its interactivity is none). */
static void
release_keyboard(struct layer_surface *ls)
{
	if (ls->surface && ls->shell->server->wm)
		sw_wm_layer_release(ls->shell->server->wm, ls->surface);
}

/* ---- mapping ---- */

static void
unmap(struct layer_surface *ls)
{
	if (!ls->mapped)
		return;
	wl_signal_emit_mutable(&ls->popups_gone, ls);
	damage_at(ls);
	ls->mapped = false;
	wl_list_remove(&ls->link);
	wl_list_init(&ls->link);
	/* Mapped again only after a new initial commit and configure. */
	ls->configure_sent = ls->acked = false;
	ls->sent_width = ls->sent_height = -1;
	arrange(ls->output, NULL);
	update_keyboard(ls->shell);
	release_keyboard(ls);
	if (ls->shell->server->seat && ls->surface)
		sw_seat_surface_unmapped(ls->shell->server->seat, ls->surface);
}

static bool
state_valid(struct layer_surface *ls)
{
	const struct layer_state *s = &ls->current;
	if (s->width == 0 && (s->anchor & (EDGE_LEFT | EDGE_RIGHT)) != (EDGE_LEFT | EDGE_RIGHT)) {
		wl_resource_post_error(ls->resource, ZWLR_LAYER_SURFACE_V1_ERROR_INVALID_SIZE,
				       "width 0 needs the left and right anchors (anchor is %u)",
				       s->anchor);
		return false;
	}
	if (s->height == 0 && (s->anchor & (EDGE_TOP | EDGE_BOTTOM)) != (EDGE_TOP | EDGE_BOTTOM)) {
		wl_resource_post_error(ls->resource, ZWLR_LAYER_SURFACE_V1_ERROR_INVALID_SIZE,
				       "height 0 needs the top and bottom anchors (anchor is %u)",
				       s->anchor);
		return false;
	}
	return true;
}

static void
layer_commit(struct sw_surface *surface)
{
	struct layer_surface *ls = surface->role_data;
	if (!ls)
		return;
	struct sw_layer_shell *shell = ls->shell;
	uint32_t old_layer = ls->current.layer;
	struct sw_box old_box = ls->box;
	ls->current = ls->pending;
	if (!state_valid(ls))
		return;
	if (!ls->output) {
		sw_debug("layer-shell: commit of closed '%s' ignored (its output is gone)",
			 ls->namespace);
		return;
	}
	if (!surface->buffer) {
		/* A null buffer unmaps; a commit without one asks for a configure. */
		unmap(ls);
		arrange(ls->output, ls);
		send_configure(ls);
		return;
	}
	if (!ls->acked) {
		wl_resource_post_error(ls->resource,
				       ZWLR_LAYER_SURFACE_V1_ERROR_INVALID_SURFACE_STATE,
				       "a buffer was committed before a configure was acked");
		return;
	}
	if (!ls->mapped) {
		ls->mapped = true;
		wl_list_insert(shell->layers[ls->current.layer].prev, &ls->link);
		sw_debug("layer-shell: mapped %s surface '%s' (%dx%d)",
			 layer_names[ls->current.layer], ls->namespace, surface->width,
			 surface->height);
		arrange(ls->output, NULL);
		damage_at(ls);
		if (shell->server->seat)
			sw_seat_pointer_rescan(shell->server->seat);
		sw_surface_tree_wait_frames(surface);
	} else if (old_layer != ls->current.layer) {
		wl_list_remove(&ls->link);
		wl_list_insert(shell->layers[ls->current.layer].prev, &ls->link);
		arrange(ls->output, NULL);
		damage_at(ls);
	} else {
		arrange(ls->output, NULL);
		if (memcmp(&old_box, &ls->box, sizeof(old_box)) == 0) {
			pixman_region32_t damage;
			pixman_region32_init(&damage);
			pixman_region32_copy(&damage, &surface->damage);
			pixman_region32_translate(&damage, ls->box.x, ls->box.y);
			sw_scene_damage_surface(shell->server->scene, surface, &damage);
			pixman_region32_fini(&damage);
		}
		if (surface->width < surface->prev_width || surface->height < surface->prev_height)
			sw_outputs_damage_box(shell->server, ls->box.x, ls->box.y,
					     surface->prev_width, surface->prev_height);
	}
	update_keyboard(shell);
	if (ls->current.keyboard == ZWLR_LAYER_SURFACE_V1_KEYBOARD_INTERACTIVITY_NONE)
		release_keyboard(ls);
	if (!wl_list_empty(&surface->frame_callbacks) || !wl_list_empty(&surface->feedbacks))
		sw_output_schedule_frame(ls->output->output);
}

/* The output whose frames answer its frame callbacks. */
static struct sw_output *
layer_frame_output(struct sw_surface *surface)
{
	struct layer_surface *ls = surface->role_data;
	return ls && ls->mapped && ls->output ? ls->output->output : NULL;
}

static const struct sw_surface_role layer_role = {
	.name = "zwlr_layer_surface_v1",
	.commit = layer_commit,
	.output = layer_frame_output,
};

/* ---- zwlr_layer_surface_v1 ---- */

static struct layer_surface *
live(struct wl_resource *resource)
{
	struct layer_surface *ls = wl_resource_get_user_data(resource);
	return ls->surface ? ls : NULL;
}

static void
layer_set_size(struct wl_client *client, struct wl_resource *resource, uint32_t width,
	       uint32_t height)
{
	struct layer_surface *ls = live(resource);
	if (!ls)
		return;
	if (width > SW_COORD_LIMIT || height > SW_COORD_LIMIT) {
		wl_resource_post_error(resource, ZWLR_LAYER_SURFACE_V1_ERROR_INVALID_SIZE,
				       "size %ux%u is beyond %d", width, height, SW_COORD_LIMIT);
		return;
	}
	ls->pending.width = width;
	ls->pending.height = height;
}

static void
layer_set_anchor(struct wl_client *client, struct wl_resource *resource, uint32_t anchor)
{
	struct layer_surface *ls = live(resource);
	if (!ls)
		return;
	if (anchor & ~(uint32_t)EDGES_ALL) {
		wl_resource_post_error(resource, ZWLR_LAYER_SURFACE_V1_ERROR_INVALID_ANCHOR,
				       "anchor %#x has bits beyond top|bottom|left|right", anchor);
		return;
	}
	ls->pending.anchor = anchor;
}

static void
layer_set_exclusive_zone(struct wl_client *client, struct wl_resource *resource, int32_t zone)
{
	struct layer_surface *ls = live(resource);
	if (!ls)
		return;
	/* Below -1 means what -1 means; above the coordinate limit, the limit. */
	ls->pending.zone = zone < -1 ? -1 : zone > SW_COORD_LIMIT ? SW_COORD_LIMIT : zone;
}

static int32_t
clamp_margin(int32_t m)
{
	return m < -SW_COORD_LIMIT ? -SW_COORD_LIMIT : m > SW_COORD_LIMIT ? SW_COORD_LIMIT : m;
}

static void
layer_set_margin(struct wl_client *client, struct wl_resource *resource, int32_t top,
		 int32_t right, int32_t bottom, int32_t left)
{
	struct layer_surface *ls = live(resource);
	if (!ls)
		return;
	ls->pending.margin_top = clamp_margin(top);
	ls->pending.margin_right = clamp_margin(right);
	ls->pending.margin_bottom = clamp_margin(bottom);
	ls->pending.margin_left = clamp_margin(left);
}

static void
layer_set_keyboard_interactivity(struct wl_client *client, struct wl_resource *resource,
				 uint32_t keyboard)
{
	struct layer_surface *ls = live(resource);
	if (!ls)
		return;
	uint32_t max = wl_resource_get_version(resource) >= 4
			       ? ZWLR_LAYER_SURFACE_V1_KEYBOARD_INTERACTIVITY_ON_DEMAND
			       : ZWLR_LAYER_SURFACE_V1_KEYBOARD_INTERACTIVITY_EXCLUSIVE;
	if (keyboard > max) {
		wl_resource_post_error(resource,
				       ZWLR_LAYER_SURFACE_V1_ERROR_INVALID_KEYBOARD_INTERACTIVITY,
				       "keyboard interactivity %u is beyond %u for version %d",
				       keyboard, max, wl_resource_get_version(resource));
		return;
	}
	ls->pending.keyboard = keyboard;
}

static void
layer_get_popup(struct wl_client *client, struct wl_resource *resource,
		struct wl_resource *popup)
{
	struct layer_surface *ls = live(resource);
	if (!ls) {
		sw_debug("zwlr_layer_surface_v1@%u.get_popup ignored: its surface is gone",
			 wl_resource_get_id(resource));
		return;
	}
	sw_xdg_popup_set_layer_parent(popup, ls->surface, &ls->popups_gone);
}

static void
layer_ack_configure(struct wl_client *client, struct wl_resource *resource, uint32_t serial)
{
	struct layer_surface *ls = live(resource);
	if (!ls)
		return;
	if (!ls->configure_sent || serial != ls->last_serial) {
		/* Only the last one matters; an older one is acked too late to count. */
		if (!ls->configure_sent || (int32_t)(serial - ls->last_serial) > 0) {
			wl_resource_post_error(resource,
					       ZWLR_LAYER_SURFACE_V1_ERROR_INVALID_SURFACE_STATE,
					       "ack_configure serial %u was never sent", serial);
			return;
		}
	}
	ls->acked = true;
}

static void
layer_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
layer_set_layer(struct wl_client *client, struct wl_resource *resource, uint32_t layer)
{
	struct layer_surface *ls = live(resource);
	if (!ls)
		return;
	if (layer >= N_LAYERS) {
		wl_resource_post_error(resource, ZWLR_LAYER_SHELL_V1_ERROR_INVALID_LAYER,
				       "layer %u is none of the four", layer);
		return;
	}
	ls->pending.layer = layer;
}

static const struct zwlr_layer_surface_v1_interface layer_surface_impl = {
	.set_size = layer_set_size,
	.set_anchor = layer_set_anchor,
	.set_exclusive_zone = layer_set_exclusive_zone,
	.set_margin = layer_set_margin,
	.set_keyboard_interactivity = layer_set_keyboard_interactivity,
	.get_popup = layer_get_popup,
	.ack_configure = layer_ack_configure,
	.destroy = layer_handle_destroy,
	.set_layer = layer_set_layer,
};

/* The surface or the role object goes: the layer surface is gone from the screen. */
static void
layer_forget_surface(struct layer_surface *ls)
{
	if (!ls->surface)
		return;
	unmap(ls);
	/* Popups made before it ever mapped are done too. */
	wl_signal_emit_mutable(&ls->popups_gone, ls);
	wl_list_remove(&ls->surface_destroy.link);
	wl_list_init(&ls->surface_destroy.link);
	ls->surface->role_data = NULL;
	ls->surface = NULL;
}

static void
layer_surface_destroyed(struct wl_listener *listener, void *data)
{
	struct layer_surface *ls = wl_container_of(listener, ls, surface_destroy);
	layer_forget_surface(ls);
}

static void
layer_resource_destroy(struct wl_resource *resource)
{
	struct layer_surface *ls = wl_resource_get_user_data(resource);
	layer_forget_surface(ls);
	wl_list_remove(&ls->surface_destroy.link);
	wl_list_remove(&ls->shell_link);
	free(ls->namespace);
	free(ls);
}

/* ---- outputs ---- */

/* Its output is gone: every layer surface on it is unmapped and told closed. */
static void
layer_output_destroyed(struct wl_listener *listener, void *data)
{
	struct layer_output *lo = wl_container_of(listener, lo, output_destroy);
	struct sw_layer_shell *shell = lo->shell;
	struct layer_surface *ls;
	wl_list_for_each(ls, &shell->surfaces, shell_link) {
		if (ls->output != lo)
			continue;
		/* Not laid out again on an output that is going. */
		ls->output = NULL;
		unmap(ls);
		sw_debug("layer-shell: '%s' closed: output %s is gone", ls->namespace,
			 lo->output->name);
		zwlr_layer_surface_v1_send_closed(ls->resource);
	}
	wl_list_remove(&lo->output_destroy.link);
	wl_list_remove(&lo->link);
	free(lo);
}

static struct layer_output *
layer_output_get(struct sw_layer_shell *shell, struct sw_output *output)
{
	struct layer_output *lo;
	wl_list_for_each(lo, &shell->outputs, link) {
		if (lo->output == output)
			return lo;
	}
	lo = calloc(1, sizeof(*lo));
	if (!lo)
		return NULL;
	lo->shell = shell;
	lo->output = output;
	lo->output_destroy.notify = layer_output_destroyed;
	wl_signal_add(&output->events.destroy, &lo->output_destroy);
	wl_list_insert(&shell->outputs, &lo->link);
	return lo;
}

/* ---- zwlr_layer_shell_v1 ---- */

static void
shell_get_layer_surface(struct wl_client *client, struct wl_resource *resource, uint32_t id,
			struct wl_resource *surface_resource, struct wl_resource *output_resource,
			uint32_t layer, const char *namespace)
{
	struct sw_layer_shell *shell = wl_resource_get_user_data(resource);
	struct sw_surface *surface = sw_surface_from_resource(surface_resource);
	if (layer >= N_LAYERS) {
		wl_resource_post_error(resource, ZWLR_LAYER_SHELL_V1_ERROR_INVALID_LAYER,
				       "layer %u is none of the four", layer);
		return;
	}
	if (surface->buffer || (surface->pending.buffer_attached && surface->pending.buffer)) {
		wl_resource_post_error(resource, ZWLR_LAYER_SHELL_V1_ERROR_ALREADY_CONSTRUCTED,
				       "wl_surface@%u already has a buffer",
				       wl_resource_get_id(surface_resource));
		return;
	}
	struct layer_surface *ls = calloc(1, sizeof(*ls));
	if (!ls) {
		wl_client_post_no_memory(client);
		return;
	}
	ls->namespace = strdup(namespace);
	if (!ls->namespace)
		goto out_free;
	/* The output named, else the one the window manager opens things on (the pointer's). */
	struct sw_output *output = output_resource ? sw_output_from_resource(output_resource)
						   : NULL;
	/* A wl_output whose output is gone names nothing: it is closed at once. */
	if (!output && !output_resource)
		output = shell->server->wm ? sw_wm_output_for(shell->server->wm, NULL, NULL)
					   : sw_output_first(shell->server);
	if (output && !(ls->output = layer_output_get(shell, output)))
		goto out_namespace;
	if (!sw_surface_set_role(surface, &layer_role, ls, resource,
				 ZWLR_LAYER_SHELL_V1_ERROR_ROLE))
		goto out_namespace;
	ls->resource = wl_resource_create(client, &zwlr_layer_surface_v1_interface,
					  wl_resource_get_version(resource), id);
	if (!ls->resource) {
		surface->role_data = NULL;
		goto out_namespace;
	}
	ls->shell = shell;
	ls->surface = surface;
	ls->pending.layer = layer;
	ls->current = ls->pending;
	ls->sent_width = ls->sent_height = -1;
	wl_list_init(&ls->link);
	wl_signal_init(&ls->popups_gone);
	ls->surface_destroy.notify = layer_surface_destroyed;
	wl_signal_add(&surface->events.destroy, &ls->surface_destroy);
	wl_list_insert(&shell->surfaces, &ls->shell_link);
	wl_resource_set_implementation(ls->resource, &layer_surface_impl, ls,
				       layer_resource_destroy);
	sw_debug("layer-shell: '%s' on %s, layer %s", ls->namespace,
		 output ? output->name : "no output", layer_names[layer]);
	if (!ls->output)
		zwlr_layer_surface_v1_send_closed(ls->resource);  /* nowhere to show it */
	return;

out_namespace:
	free(ls->namespace);
out_free:
	free(ls);
	wl_client_post_no_memory(client);
}

static void
shell_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct zwlr_layer_shell_v1_interface shell_impl = {
	.get_layer_surface = shell_get_layer_surface,
	.destroy = shell_handle_destroy,
};

static void
shell_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *resource = wl_resource_create(client, &zwlr_layer_shell_v1_interface,
							  (int)version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &shell_impl, data, NULL);
}

static void
shell_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_layer_shell *shell = wl_container_of(listener, shell, display_destroy);
	wl_list_remove(&shell->display_destroy.link);
	struct layer_output *lo, *tmp;
	wl_list_for_each_safe(lo, tmp, &shell->outputs, link) {
		wl_list_remove(&lo->output_destroy.link);
		wl_list_remove(&lo->link);
		free(lo);
	}
	shell->server->layer_shell = NULL;
	free(shell);
}

bool
sw_layer_shell_create(struct sw_server *server)
{
	struct sw_layer_shell *shell = calloc(1, sizeof(*shell));
	if (!shell)
		return false;
	shell->server = server;
	for (int l = 0; l < N_LAYERS; l++)
		wl_list_init(&shell->layers[l]);
	wl_list_init(&shell->outputs);
	wl_list_init(&shell->surfaces);
	if (!wl_global_create(server->display, &zwlr_layer_shell_v1_interface,
			      LAYER_SHELL_VERSION, shell, shell_bind)) {
		free(shell);
		return false;
	}
	shell->display_destroy.notify = shell_display_destroyed;
	wl_display_add_destroy_listener(server->display, &shell->display_destroy);
	server->layer_shell = shell;
	return true;
}

/* ---- what the scene and the window manager ask ---- */

void
sw_layer_shell_for_each(struct sw_layer_shell *shell, enum sw_layer layer,
			sw_surface_iter_fn fn, void *data)
{
	if (!shell || (unsigned)layer >= N_LAYERS)
		return;
	struct layer_surface *ls;
	wl_list_for_each(ls, &shell->layers[layer], link)
		sw_surface_for_each(ls->surface, ls->box.x, ls->box.y, fn, data);
}

void
sw_layer_shell_usable_area(struct sw_layer_shell *shell, struct sw_output *output,
			   struct sw_box *box)
{
	if (!shell)
		return;
	struct layer_output *lo;
	wl_list_for_each(lo, &shell->outputs, link) {
		if (lo->output == output && lo->usable.width > 0 && lo->usable.height > 0)
			*box = lo->usable;
	}
}

struct sw_surface *
sw_layer_shell_surface_at(struct sw_layer_shell *shell, enum sw_layer layer, double x, double y,
			  double *sx, double *sy)
{
	if (!shell || (unsigned)layer >= N_LAYERS)
		return NULL;
	struct layer_surface *ls;
	wl_list_for_each_reverse(ls, &shell->layers[layer], link) {
		struct sw_surface *hit = sw_surface_at(ls->surface, x - ls->box.x, y - ls->box.y,
						       sx, sy);
		if (hit)
			return hit;
	}
	return NULL;
}

struct sw_surface *
sw_layer_shell_click_focus(struct sw_surface *surface)
{
	int32_t dx, dy;
	struct sw_surface *root = surface ? sw_surface_get_root(surface, &dx, &dy) : NULL;
	if (!root || root->role != &layer_role || !root->role_data)
		return NULL;
	struct layer_surface *ls = root->role_data;
	uint32_t k = ls->current.keyboard;
	bool below = ls->current.layer < SW_LAYER_TOP;
	if (!ls->mapped || !(k == ZWLR_LAYER_SURFACE_V1_KEYBOARD_INTERACTIVITY_ON_DEMAND ||
			     (below && k == ZWLR_LAYER_SURFACE_V1_KEYBOARD_INTERACTIVITY_EXCLUSIVE)))
		return NULL;
	return root;
}

bool
sw_layer_shell_surface_box(struct sw_surface *surface, struct sw_box *box)
{
	if (!surface || surface->role != &layer_role || !surface->role_data)
		return false;
	struct layer_surface *ls = surface->role_data;
	if (!ls->mapped)
		return false;
	*box = ls->box;
	return true;
}
