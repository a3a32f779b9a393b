/* wl_subcompositor and wl_subsurface: surfaces placed relative to a parent. */
#include <stdlib.h>

#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "output.h"
#include "scene.h"
#include "server.h"
#include "surface.h"
#include "view.h"

struct sw_subcompositor {
	struct wl_global *global;
	struct wl_listener display_destroy;
};

static void subsurface_role_commit(struct sw_surface *surface);

static const struct sw_surface_role subsurface_role = {
	.name = "wl_subsurface",
	.commit = subsurface_role_commit,
};

struct sw_subsurface *
sw_subsurface_from_surface(struct sw_surface *surface)
{
	if (surface->role != &subsurface_role)
		return NULL;
	return surface->role_data;
}

bool
sw_subsurface_is_synchronized(struct sw_subsurface *sub)
{
	/* Synchronized if it or any ancestor subsurface is. */
	while (sub) {
		if (sub->synchronized)
			return true;
		sub = sub->parent ? sw_subsurface_from_surface(sub->parent) : NULL;
	}
	return false;
}

static void
subsurface_role_commit(struct sw_surface *surface)
{
	int32_t dx, dy;
	struct sw_surface *root = sw_surface_get_root(surface, &dx, &dy);
	struct sw_view *view = root->view;
	if (!view || !view->mapped)
		return;
	struct sw_server *server = view->server;
	int32_t x = view->x + dx, y = view->y + dy;
	pixman_region32_t damage;
	pixman_region32_init(&damage);
	pixman_region32_copy(&damage, &surface->damage);
	pixman_region32_translate(&damage, x, y);
	sw_scene_damage_surface(view->server->scene, surface, &damage);
	pixman_region32_fini(&damage);
	if (surface->width < surface->prev_width || surface->height < surface->prev_height)
		sw_outputs_damage_box(server, x, y, surface->prev_width, surface->prev_height);
	if (!wl_list_empty(&surface->frame_callbacks) || !wl_list_empty(&surface->feedbacks))
		sw_view_schedule_frame(view);
}

static void
damage_subsurface(struct sw_subsurface *sub)
{
	int32_t dx, dy;
	struct sw_surface *root = sw_surface_get_root(sub->surface, &dx, &dy);
	if (root->view && root->view->mapped)
		sw_surface_damage_tree(sub->surface, root->view->x + dx, root->view->y + dy);
}

static void
subsurface_unlink(struct sw_subsurface *sub)
{
	if (!sub->parent)
		return;
	damage_subsurface(sub);
	wl_list_remove(&sub->link);
	wl_list_init(&sub->link);
	wl_list_remove(&sub->parent_destroy.link);
	wl_list_init(&sub->parent_destroy.link);
	sub->parent = NULL;
}

static void
subsurface_free(struct sw_subsurface *sub)
{
	subsurface_unlink(sub);
	wl_list_remove(&sub->surface_destroy.link);
	sw_surface_state_fini(&sub->cached);
	if (sub->surface && sub->surface->role_data == sub)
		sub->surface->role_data = NULL;
	if (sub->resource)
		wl_resource_set_user_data(sub->resource, NULL);
	free(sub);
}

static void
subsurface_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
subsurface_set_position(struct wl_client *client, struct wl_resource *resource, int32_t x,
			int32_t y)
{
	struct sw_subsurface *sub = wl_resource_get_user_data(resource);
	if (!sub)
		return;
	sub->pending_x = sw_clamp_coord(x);
	sub->pending_y = sw_clamp_coord(y);
}

/* Find which list `sibling` is in relative to `parent`, or NULL if it is not a sibling. */
static struct sw_subsurface *
find_sibling(struct sw_subsurface *sub, struct wl_resource *sibling_resource)
{
	struct sw_surface *sibling = sw_surface_from_resource(sibling_resource);
	struct sw_subsurface *other = sibling ? sw_subsurface_from_surface(sibling) : NULL;
	if (!other || other == sub || other->parent != sub->parent)
		return NULL;
	return other;
}

static void
restack(struct wl_resource *resource, struct wl_resource *sibling_resource, bool above)
{
	struct sw_subsurface *sub = wl_resource_get_user_data(resource);
	if (!sub || !sub->parent)
		return;
	struct sw_surface *sibling = sw_surface_from_resource(sibling_resource);
	struct wl_list *at;
	if (sibling == sub->parent) {
		at = above ? &sub->parent->subsurfaces_above : sub->parent->subsurfaces_below.prev;
	} else {
		struct sw_subsurface *other = find_sibling(sub, sibling_resource);
		if (!other) {
			wl_resource_post_error(resource, WL_SUBSURFACE_ERROR_BAD_SURFACE,
					       "wl_surface@%u is neither the parent nor a sibling",
					       wl_resource_get_id(sibling_resource));
			return;
		}
		at = above ? &other->link : other->link.prev;
	}
	/* Applied at once rather than on the parent's next commit: simpler, and harmless. */
	wl_list_remove(&sub->link);
	wl_list_insert(at, &sub->link);
	damage_subsurface(sub);
}

static void
subsurface_place_above(struct wl_client *client, struct wl_resource *resource,
		       struct wl_resource *sibling)
{
	restack(resource, sibling, true);
}

static void
subsurface_place_below(struct wl_client *client, struct wl_resource *resource,
		       struct wl_resource *sibling)
{
	restack(resource, sibling, false);
}

static void
subsurface_set_sync(struct wl_client *client, struct wl_resource *resource)
{
	struct sw_subsurface *sub = wl_resource_get_user_data(resource);
	if (sub)
		sub->synchronized = true;
}

static void
subsurface_set_desync(struct wl_client *client, struct wl_resource *resource)
{
	struct sw_subsurface *sub = wl_resource_get_user_data(resource);
	if (!sub || !sub->synchronized)
		return;
	sub->synchronized = false;
	/* Becoming desynchronized applies what was cached. */
	if (!sw_subsurface_is_synchronized(sub))
		sw_surface_apply_cached(sub->surface);
}

static const struct wl_subsurface_interface subsurface_impl = {
	.destroy = subsurface_handle_destroy,
	.set_position = subsurface_set_position,
	.place_above = subsurface_place_above,
	.place_below = subsurface_place_below,
	.set_sync = subsurface_set_sync,
	.set_desync = subsurface_set_desync,
};

static void
subsurface_resource_destroy(struct wl_resource *resource)
{
	struct sw_subsurface *sub = wl_resource_get_user_data(resource);
	if (!sub)
		return;
	sub->resource = NULL;
	subsurface_free(sub);
}

static void
subsurface_surface_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_subsurface *sub = wl_container_of(listener, sub, surface_destroy);
	sub->surface->role_data = NULL;
	subsurface_free(sub);
}

static void
subsurface_parent_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_subsurface *sub = wl_container_of(listener, sub, parent_destroy);
	/* The parent's tree is being torn down; this one stops being shown. */
	wl_list_remove(&sub->link);
	wl_list_init(&sub->link);
	wl_list_remove(&sub->parent_destroy.link);
	wl_list_init(&sub->parent_destroy.link);
	sub->parent = NULL;
}

static bool
is_ancestor(struct sw_surface *candidate, struct sw_surface *surface)
{
	for (struct sw_surface *s = candidate; s;) {
		if (s == surface)
			return true;
		struct sw_subsurface *sub = sw_subsurface_from_surface(s);
		s = sub ? sub->parent : NULL;
	}
	return false;
}

/* Levels of subsurfaces below `surface` (0: none). Bounded by SW_SUBSURFACE_DEPTH. */
static int
subtree_height(struct sw_surface *surface)
{
	int height = 0;
	struct wl_list *lists[] = { &surface->subsurfaces_below, &surface->subsurfaces_above };
	for (size_t l = 0; l < 2; l++) {
		struct sw_subsurface *sub;
		wl_list_for_each(sub, lists[l], link) {
			int h = 1 + subtree_height(sub->surface);
			if (h > height)
				height = h;
		}
	}
	return height;
}

/* Levels of subsurfaces above `surface` (0: it is a root). */
static int
depth_of(struct sw_surface *surface)
{
	int depth = 0;
	struct sw_subsurface *sub;
	while ((sub = sw_subsurface_from_surface(surface)) && sub->parent) {
		depth++;
		surface = sub->parent;
	}
	return depth;
}

static void
subcompositor_get_subsurface(struct wl_client *client, struct wl_resource *resource, uint32_t id,
			     struct wl_resource *surface_resource,
			     struct wl_resource *parent_resource)
{
	struct sw_surface *surface = sw_surface_from_resource(surface_resource);
	struct sw_surface *parent = sw_surface_from_resource(parent_resource);
	if (surface == parent || is_ancestor(parent, surface)) {
		wl_resource_post_error(resource, WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE,
				       "wl_surface@%u cannot be a subsurface of its own descendant",
				       wl_resource_get_id(surface_resource));
		return;
	}
	if (surface->role_data || (surface->role && surface->role != &subsurface_role)) {
		wl_resource_post_error(resource, WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE,
				       "wl_surface@%u already has a role",
				       wl_resource_get_id(surface_resource));
		return;
	}
	/* Trees are walked recursively (repaint, commit): keep them shallow. */
	int depth = depth_of(parent) + 1 + subtree_height(surface);
	if (depth > SW_SUBSURFACE_DEPTH) {
		wl_resource_post_error(resource, WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE,
				       "wl_surface@%u would make a subsurface tree %d deep (at most %d)",
				       wl_resource_get_id(surface_resource), depth,
				       SW_SUBSURFACE_DEPTH);
		return;
	}
	struct sw_subsurface *sub = calloc(1, sizeof(*sub));
	if (!sub) {
		wl_client_post_no_memory(client);
		return;
	}
	sub->resource = wl_resource_create(client, &wl_subsurface_interface,
					   wl_resource_get_version(resource), id);
	if (!sub->resource) {
		free(sub);
		wl_client_post_no_memory(client);
		return;
	}
	if (!sw_budget_charge_resource(surface->server->budgets, SW_BUDGET_SUBSURFACES, 1,
				       sub->resource)) {
		wl_resource_destroy(sub->resource);
		free(sub);
		return;
	}
	if (!sw_surface_set_role(surface, &subsurface_role, sub, resource,
				 WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE)) {
		wl_resource_destroy(sub->resource);
		free(sub);
		return;
	}
	sub->surface = surface;
	sub->parent = parent;
	sub->synchronized = true;
	sw_surface_state_init(&sub->cached);
	/* New subsurfaces go on top of the parent's stack. */
	wl_list_insert(parent->subsurfaces_above.prev, &sub->link);
	sub->surface_destroy.notify = subsurface_surface_destroyed;
	wl_signal_add(&surface->events.destroy, &sub->surface_destroy);
	sub->parent_destroy.notify = subsurface_parent_destroyed;
	wl_signal_add(&parent->events.destroy, &sub->parent_destroy);
	wl_resource_set_implementation(sub->resource, &subsurface_impl, sub,
				       subsurface_resource_destroy);
}

static void
subcompositor_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wl_subcompositor_interface subcompositor_impl = {
	.destroy = subcompositor_handle_destroy,
	.get_subsurface = subcompositor_get_subsurface,
};

static void
subcompositor_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *resource = wl_resource_create(client, &wl_subcompositor_interface,
							  (int)version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &subcompositor_impl, data, NULL);
}

static void
subcompositor_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_subcompositor *sc = wl_container_of(listener, sc, display_destroy);
	wl_list_remove(&sc->display_destroy.link);
	wl_global_destroy(sc->global);
	free(sc);
}

bool
sw_subcompositor_create(struct sw_server *server)
{
	struct sw_subcompositor *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return false;
	sc->global = wl_global_create(server->display, &wl_subcompositor_interface, 1, sc,
				      subcompositor_bind);
	if (!sc->global) {
		free(sc);
		return false;
	}
	sc->display_destroy.notify = subcompositor_display_destroyed;
	wl_display_add_destroy_listener(server->display, &sc->display_destroy);
	return true;
}
