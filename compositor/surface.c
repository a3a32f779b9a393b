#include <stdlib.h>

#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "buffer.h"
#include "log.h"
#include "output.h"
#include "presentation.h"
#include "render.h"
#include "server.h"
#include "surface.h"
#include "xdg_shell.h"

/*
 * What this file implements (wl_surface.offset, v5); never more than the
 * installed libwayland defines, so an older one still gets a valid global.
 */
#define COMPOSITOR_VERSION_IMPLEMENTED 5

struct sw_compositor {
	struct sw_server *server;
	struct wl_global *global;
	struct wl_listener display_destroy;
};

/* ---- wl_region ---- */

static void
region_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

/* Region rectangles, clipped to a range where pixman's own arithmetic cannot overflow. */
#define REGION_LIMIT (1 << 30)

static bool
clip_rect(int32_t x, int32_t y, int32_t width, int32_t height, pixman_box32_t *box)
{
	if (width <= 0 || height <= 0)
		return false;
	int64_t x1 = x, y1 = y, x2 = (int64_t)x + width, y2 = (int64_t)y + height;
	box->x1 = (int32_t)(x1 < -REGION_LIMIT ? -REGION_LIMIT : x1);
	box->y1 = (int32_t)(y1 < -REGION_LIMIT ? -REGION_LIMIT : y1);
	box->x2 = (int32_t)(x2 > REGION_LIMIT ? REGION_LIMIT : x2);
	box->y2 = (int32_t)(y2 > REGION_LIMIT ? REGION_LIMIT : y2);
	return box->x2 > box->x1 && box->y2 > box->y1;
}

static void
region_add(struct wl_client *client, struct wl_resource *resource, int32_t x, int32_t y,
	   int32_t width, int32_t height)
{
	pixman_region32_t *region = wl_resource_get_user_data(resource);
	pixman_box32_t b;
	if (clip_rect(x, y, width, height, &b))
		pixman_region32_union_rect(region, region, b.x1, b.y1, (unsigned)(b.x2 - b.x1),
					   (unsigned)(b.y2 - b.y1));
}

static void
region_subtract(struct wl_client *client, struct wl_resource *resource, int32_t x, int32_t y,
		int32_t width, int32_t height)
{
	pixman_region32_t *region = wl_resource_get_user_data(resource);
	pixman_box32_t b;
	if (!clip_rect(x, y, width, height, &b))
		return;
	pixman_region32_t rect;
	pixman_region32_init_rect(&rect, b.x1, b.y1, (unsigned)(b.x2 - b.x1),
				  (unsigned)(b.y2 - b.y1));
	pixman_region32_subtract(region, region, &rect);
	pixman_region32_fini(&rect);
}

static const struct wl_region_interface region_impl = {
	.destroy = region_handle_destroy,
	.add = region_add,
	.subtract = region_subtract,
};

static void
region_resource_destroy(struct wl_resource *resource)
{
	pixman_region32_t *region = wl_resource_get_user_data(resource);
	pixman_region32_fini(region);
	free(region);
}

/* ---- wl_surface ---- */

void
sw_surface_state_init(struct sw_surface_state *state)
{
	state->buffer_attached = false;
	state->buffer = NULL;
	wl_list_init(&state->buffer_destroy.link);
	state->dx = state->dy = 0;
	pixman_region32_init(&state->surface_damage);
	pixman_region32_init(&state->buffer_damage);
	pixman_region32_init(&state->opaque);
	/* The default input region is infinite. */
	pixman_region32_init_rect(&state->input, -REGION_LIMIT, -REGION_LIMIT, 2u * REGION_LIMIT,
				  2u * REGION_LIMIT);
	state->scale = 1;
	state->transform = WL_OUTPUT_TRANSFORM_NORMAL;
	wl_list_init(&state->frame_callbacks);
	wl_list_init(&state->feedbacks);
}

static void
destroy_callbacks(struct wl_list *callbacks)
{
	struct wl_resource *resource, *tmp;
	wl_resource_for_each_safe(resource, tmp, callbacks)
		wl_resource_destroy(resource);
}

void
sw_surface_state_fini(struct sw_surface_state *state)
{
	wl_list_remove(&state->buffer_destroy.link);
	pixman_region32_fini(&state->surface_damage);
	pixman_region32_fini(&state->buffer_damage);
	pixman_region32_fini(&state->opaque);
	pixman_region32_fini(&state->input);
	destroy_callbacks(&state->frame_callbacks);
	sw_presentation_discard_list(&state->feedbacks);
}

static void
pending_buffer_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_surface_state *state = wl_container_of(listener, state, buffer_destroy);
	wl_list_remove(&listener->link);
	wl_list_init(&listener->link);
	state->buffer = NULL;
}

static void
surface_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
surface_attach(struct wl_client *client, struct wl_resource *resource,
	       struct wl_resource *buffer_resource, int32_t x, int32_t y)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	struct sw_buffer *buffer = NULL;

	if (buffer_resource) {
		buffer = sw_buffer_from_resource(buffer_resource);
		if (!buffer) {
			wl_resource_post_error(resource, WL_DISPLAY_ERROR_INVALID_OBJECT,
					       "wl_buffer@%u was not created by this compositor",
					       wl_resource_get_id(buffer_resource));
			return;
		}
	}
	if (wl_resource_get_version(resource) >= WL_SURFACE_OFFSET_SINCE_VERSION &&
	    (x != 0 || y != 0)) {
		wl_resource_post_error(resource, WL_SURFACE_ERROR_INVALID_OFFSET,
				       "attach with offset %d,%d: use wl_surface.offset since v5", x,
				       y);
		return;
	}

	struct sw_surface_state *pending = &surface->pending;
	wl_list_remove(&pending->buffer_destroy.link);
	wl_list_init(&pending->buffer_destroy.link);
	pending->buffer_attached = true;
	pending->buffer = buffer;
	if (buffer) {
		pending->buffer_destroy.notify = pending_buffer_destroyed;
		wl_signal_add(&buffer->destroy_signal, &pending->buffer_destroy);
	}
	pending->dx = x;
	pending->dy = y;
}

/*
 * Clients damage "everything" with INT32_MAX sizes: clip rectangles to a
 * range where later arithmetic (scaling, translation) cannot overflow.
 */
#define DAMAGE_LIMIT (1 << 24)

static void
add_damage(pixman_region32_t *region, int32_t x, int32_t y, int32_t width, int32_t height)
{
	if (width <= 0 || height <= 0)
		return;
	int64_t x1 = x, y1 = y, x2 = (int64_t)x + width, y2 = (int64_t)y + height;
	if (x1 < 0) x1 = 0;
	if (y1 < 0) y1 = 0;
	if (x2 > DAMAGE_LIMIT) x2 = DAMAGE_LIMIT;
	if (y2 > DAMAGE_LIMIT) y2 = DAMAGE_LIMIT;
	if (x2 <= x1 || y2 <= y1)
		return;
	pixman_region32_union_rect(region, region, (int)x1, (int)y1, (unsigned)(x2 - x1),
				   (unsigned)(y2 - y1));
}

static void
surface_damage(struct wl_client *client, struct wl_resource *resource, int32_t x, int32_t y,
	       int32_t width, int32_t height)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	add_damage(&surface->pending.surface_damage, x, y, width, height);
}

static void
surface_damage_buffer(struct wl_client *client, struct wl_resource *resource, int32_t x,
		      int32_t y, int32_t width, int32_t height)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	add_damage(&surface->pending.buffer_damage, x, y, width, height);
}

static void
callback_resource_destroy(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
}

static void
surface_frame(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	struct wl_resource *callback = wl_resource_create(client, &wl_callback_interface, 1, id);
	if (!callback) {
		wl_client_post_no_memory(client);
		return;
	}
	if (!sw_budget_charge_resource(surface->server->budgets, SW_BUDGET_FRAME_CALLBACKS, 1,
				       callback)) {
		wl_resource_destroy(callback);
		return;
	}
	wl_resource_set_implementation(callback, NULL, NULL, callback_resource_destroy);
	wl_list_insert(surface->pending.frame_callbacks.prev, wl_resource_get_link(callback));
}

static void
set_region(pixman_region32_t *dst, struct wl_resource *region_resource, bool infinite_if_null)
{
	if (region_resource) {
		pixman_region32_copy(dst, wl_resource_get_user_data(region_resource));
	} else if (infinite_if_null) {
		pixman_region32_fini(dst);
		pixman_region32_init_rect(dst, -REGION_LIMIT, -REGION_LIMIT, 2u * REGION_LIMIT,
					  2u * REGION_LIMIT);
	} else {
		pixman_region32_clear(dst);
	}
}

static void
surface_set_opaque_region(struct wl_client *client, struct wl_resource *resource,
			  struct wl_resource *region)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	set_region(&surface->pending.opaque, region, false);
}

static void
surface_set_input_region(struct wl_client *client, struct wl_resource *resource,
			 struct wl_resource *region)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	set_region(&surface->pending.input, region, true);
}

static void
set_pending_buffer(struct sw_surface_state *state, struct sw_buffer *buffer)
{
	wl_list_remove(&state->buffer_destroy.link);
	wl_list_init(&state->buffer_destroy.link);
	state->buffer = buffer;
	if (buffer) {
		state->buffer_destroy.notify = pending_buffer_destroyed;
		wl_signal_add(&buffer->destroy_signal, &state->buffer_destroy);
	}
}

/* Fold the state in `src` into `dst` (a subsurface's cache), leaving `src` empty. */
static void
state_move(struct sw_surface_state *dst, struct sw_surface_state *src)
{
	if (src->buffer_attached) {
		dst->buffer_attached = true;
		set_pending_buffer(dst, src->buffer);
		set_pending_buffer(src, NULL);
		src->buffer_attached = false;
	}
	dst->dx = src->dx;
	dst->dy = src->dy;
	src->dx = src->dy = 0;
	pixman_region32_union(&dst->surface_damage, &dst->surface_damage, &src->surface_damage);
	pixman_region32_union(&dst->buffer_damage, &dst->buffer_damage, &src->buffer_damage);
	pixman_region32_clear(&src->surface_damage);
	pixman_region32_clear(&src->buffer_damage);
	pixman_region32_copy(&dst->opaque, &src->opaque);
	pixman_region32_copy(&dst->input, &src->input);
	dst->scale = src->scale;
	dst->transform = src->transform;
	wl_list_insert_list(dst->frame_callbacks.prev, &src->frame_callbacks);
	wl_list_init(&src->frame_callbacks);
	sw_presentation_discard_list(&dst->feedbacks);
	wl_list_insert_list(&dst->feedbacks, &src->feedbacks);
	wl_list_init(&src->feedbacks);
}

/* wl_output.transform and the renderer's enum share their numbering. */
_Static_assert((int)SW_RENDER_TRANSFORM_90 == (int)WL_OUTPUT_TRANSFORM_90 &&
	       (int)SW_RENDER_TRANSFORM_180 == (int)WL_OUTPUT_TRANSFORM_180 &&
	       (int)SW_RENDER_TRANSFORM_270 == (int)WL_OUTPUT_TRANSFORM_270 &&
	       (int)SW_RENDER_TRANSFORM_FLIPPED == (int)WL_OUTPUT_TRANSFORM_FLIPPED &&
	       (int)SW_RENDER_TRANSFORM_FLIPPED_90 == (int)WL_OUTPUT_TRANSFORM_FLIPPED_90 &&
	       (int)SW_RENDER_TRANSFORM_FLIPPED_180 == (int)WL_OUTPUT_TRANSFORM_FLIPPED_180 &&
	       (int)SW_RENDER_TRANSFORM_FLIPPED_270 == (int)WL_OUTPUT_TRANSFORM_FLIPPED_270,
	       "renderer transforms numbered like wl_output.transform");

static enum sw_render_transform
render_transform(int32_t transform)
{
	/* Validated in set_buffer_transform. */
	return (enum sw_render_transform)transform;
}

static void
surface_apply(struct sw_surface *surface, struct sw_surface_state *src)
{
	surface->prev_width = surface->width;
	surface->prev_height = surface->height;
	pixman_region32_clear(&surface->damage);

	if (src->buffer_attached) {
		struct sw_buffer *old = surface->buffer;
		/* Lock the new one first: it may be the same buffer. */
		surface->buffer = src->buffer ? sw_buffer_lock(src->buffer) : NULL;
		if (old)
			sw_buffer_unlock(old);
		set_pending_buffer(src, NULL);
		src->buffer_attached = false;
	}
	/* A new scale or transform lays the whole buffer out anew. */
	bool relaid = surface->current.scale != src->scale ||
		      surface->current.transform != src->transform;
	surface->current.scale = src->scale;
	surface->current.transform = src->transform;
	enum sw_render_transform transform = render_transform(surface->current.transform);
	int32_t scale = surface->current.scale;
	int32_t buffer_width = 0, buffer_height = 0;
	if (surface->buffer) {
		buffer_width = surface->buffer->width;
		buffer_height = surface->buffer->height;
	}
	/* The content was transformed by the client: undoing it may swap the sides. */
	int32_t tw = sw_render_transform_swaps(transform) ? buffer_height : buffer_width;
	int32_t th = sw_render_transform_swaps(transform) ? buffer_width : buffer_height;
	surface->width = tw / scale;
	surface->height = th / scale;
	bool resized = surface->width != surface->prev_width ||
		       surface->height != surface->prev_height;

	/* Buffer damage, brought to surface coordinates: transform undone, then scale. */
	pixman_region32_intersect_rect(&src->surface_damage, &src->surface_damage, 0, 0,
				       (unsigned)surface->width, (unsigned)surface->height);
	pixman_region32_intersect_rect(&src->buffer_damage, &src->buffer_damage, 0, 0,
				       (unsigned)buffer_width, (unsigned)buffer_height);
	pixman_region32_t bd;
	pixman_region32_init(&bd);
	sw_render_transform_region(&bd, &src->buffer_damage, transform, buffer_width,
				   buffer_height);
	int n;
	pixman_box32_t *boxes = pixman_region32_rectangles(&bd, &n);
	pixman_region32_t scaled;
	pixman_region32_init(&scaled);
	for (int i = 0; i < n; i++) {
		/* Rounded outwards; 64-bit because the scale is the client's int32. */
		int32_t x1 = boxes[i].x1 / scale, y1 = boxes[i].y1 / scale;
		int32_t x2 = (int32_t)(((int64_t)boxes[i].x2 + scale - 1) / scale);
		int32_t y2 = (int32_t)(((int64_t)boxes[i].y2 + scale - 1) / scale);
		pixman_region32_union_rect(&scaled, &scaled, x1, y1, (unsigned)(x2 - x1),
					   (unsigned)(y2 - y1));
	}
	pixman_region32_union(&surface->damage, &src->surface_damage, &scaled);
	pixman_region32_fini(&scaled);
	if (resized || relaid)
		pixman_region32_union_rect(&surface->damage, &surface->damage, 0, 0,
					   (unsigned)surface->width, (unsigned)surface->height);
	pixman_region32_intersect_rect(&surface->damage, &surface->damage, 0, 0,
				       (unsigned)surface->width, (unsigned)surface->height);

	/*
	 * What converting buffer kinds must refresh, in buffer coordinates:
	 * surface damage scaled up, then given the client's transform again.
	 */
	pixman_region32_union(&surface->buffer_damage, &surface->buffer_damage, &src->buffer_damage);
	pixman_region32_clear(&bd);
	boxes = pixman_region32_rectangles(&src->surface_damage, &n);
	for (int i = 0; i < n; i++)
		pixman_region32_union_rect(&bd, &bd, boxes[i].x1 * scale, boxes[i].y1 * scale,
					   (unsigned)((boxes[i].x2 - boxes[i].x1) * scale),
					   (unsigned)((boxes[i].y2 - boxes[i].y1) * scale));
	sw_render_transform_region(&bd, &bd, sw_render_transform_invert(transform), tw, th);
	pixman_region32_union(&surface->buffer_damage, &surface->buffer_damage, &bd);
	pixman_region32_fini(&bd);
	if (resized || relaid)
		pixman_region32_union_rect(&surface->buffer_damage, &surface->buffer_damage, 0, 0,
					   (unsigned)buffer_width, (unsigned)buffer_height);
	pixman_region32_clear(&src->surface_damage);
	pixman_region32_clear(&src->buffer_damage);

	pixman_region32_copy(&surface->current.opaque, &src->opaque);
	pixman_region32_copy(&surface->current.input, &src->input);
	surface->current.dx = src->dx;
	surface->current.dy = src->dy;
	src->dx = src->dy = 0;

	wl_list_insert_list(surface->frame_callbacks.prev, &src->frame_callbacks);
	wl_list_init(&src->frame_callbacks);
	/* Feedback of a commit that never reached the screen was superseded. */
	sw_presentation_discard_list(&surface->feedbacks);
	wl_list_insert_list(&surface->feedbacks, &src->feedbacks);
	wl_list_init(&src->feedbacks);

	if (surface->role && surface->role->commit)
		surface->role->commit(surface);

	/* The parent's commit applies its children's positions and cached state. */
	struct wl_list *lists[] = { &surface->subsurfaces_below, &surface->subsurfaces_above };
	for (size_t l = 0; l < 2; l++) {
		struct sw_subsurface *sub, *tmp;
		wl_list_for_each_safe(sub, tmp, lists[l], link) {
			if (sub->x != sub->pending_x || sub->y != sub->pending_y) {
				int32_t rx, ry;
				struct sw_surface *root = sw_surface_get_root(sub->surface, &rx, &ry);
				if (root->view)
					sw_surface_damage_tree(sub->surface, root->view->x + rx,
							       root->view->y + ry);
				sub->x = sub->pending_x;
				sub->y = sub->pending_y;
				root = sw_surface_get_root(sub->surface, &rx, &ry);
				if (root->view)
					sw_surface_damage_tree(sub->surface, root->view->x + rx,
							       root->view->y + ry);
			}
			if (sub->has_cache && sw_subsurface_is_synchronized(sub))
				sw_surface_apply_cached(sub->surface);
		}
	}
	wl_signal_emit_mutable(&surface->events.commit, surface);
}

void
sw_surface_apply_cached(struct sw_surface *surface)
{
	struct sw_subsurface *sub = sw_subsurface_from_surface(surface);
	if (!sub || !sub->has_cache)
		return;
	sub->has_cache = false;
	surface_apply(surface, &sub->cached);
}

static void
surface_commit(struct wl_client *client, struct wl_resource *resource)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	const struct sw_buffer *buffer = surface->pending.buffer_attached ? surface->pending.buffer
									  : surface->buffer;
	int32_t scale = surface->pending.scale;
	if (buffer && (buffer->width % scale != 0 || buffer->height % scale != 0)) {
		wl_resource_post_error(resource, WL_SURFACE_ERROR_INVALID_SIZE,
				       "buffer of %dx%d is not a multiple of the buffer scale %d",
				       buffer->width, buffer->height, scale);
		return;
	}
	struct sw_subsurface *sub = sw_subsurface_from_surface(surface);
	if (sub) {
		/* A synchronized subsurface's commit waits for its parent's. */
		state_move(&sub->cached, &surface->pending);
		sub->has_cache = true;
		if (!sw_subsurface_is_synchronized(sub))
			sw_surface_apply_cached(surface);
		return;
	}
	surface_apply(surface, &surface->pending);
}

/* ---- surface trees ---- */

void
sw_surface_for_each(struct sw_surface *surface, int32_t x, int32_t y, sw_surface_iter_fn fn,
		    void *data)
{
	struct sw_subsurface *sub;
	wl_list_for_each(sub, &surface->subsurfaces_below, link)
		sw_surface_for_each(sub->surface, x + sub->x, y + sub->y, fn, data);
	if (surface->buffer)
		fn(surface, x, y, data);
	wl_list_for_each(sub, &surface->subsurfaces_above, link)
		sw_surface_for_each(sub->surface, x + sub->x, y + sub->y, fn, data);
}

struct sw_surface *
sw_surface_get_root(struct sw_surface *surface, int32_t *dx, int32_t *dy)
{
	*dx = *dy = 0;
	struct sw_subsurface *sub;
	while ((sub = sw_subsurface_from_surface(surface)) && sub->parent) {
		*dx += sub->x;
		*dy += sub->y;
		surface = sub->parent;
	}
	return surface;
}

static void
damage_one(struct sw_surface *surface, int32_t x, int32_t y, void *data)
{
	sw_output_damage_box(surface->server->output, x, y, surface->width, surface->height);
}

void
sw_surface_damage_tree(struct sw_surface *surface, int32_t x, int32_t y)
{
	sw_surface_for_each(surface, x, y, damage_one, NULL);
}

struct surface_at_query {
	double x, y;
	struct sw_surface *found;
	double sx, sy;
};

static void
test_one(struct sw_surface *surface, int32_t x, int32_t y, void *data)
{
	struct surface_at_query *q = data;
	double lx = q->x - x, ly = q->y - y;
	if (lx < 0 || ly < 0 || lx >= surface->width || ly >= surface->height)
		return;
	if (!pixman_region32_contains_point(&surface->current.input, (int)lx, (int)ly, NULL))
		return;
	/* Bottom first: the last hit is the top-most. */
	q->found = surface;
	q->sx = lx;
	q->sy = ly;
}

struct sw_surface *
sw_surface_at(struct sw_surface *surface, double x, double y, double *sx, double *sy)
{
	struct surface_at_query q = { .x = x, .y = y };
	sw_surface_for_each(surface, 0, 0, test_one, &q);
	if (q.found) {
		*sx = q.sx;
		*sy = q.sy;
	}
	return q.found;
}

static void
surface_set_buffer_transform(struct wl_client *client, struct wl_resource *resource,
			     int32_t transform)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	if (transform < WL_OUTPUT_TRANSFORM_NORMAL || transform > WL_OUTPUT_TRANSFORM_FLIPPED_270) {
		wl_resource_post_error(resource, WL_SURFACE_ERROR_INVALID_TRANSFORM,
				       "buffer transform %d is not a wl_output.transform", transform);
		return;
	}
	surface->pending.transform = transform;
}

static void
surface_set_buffer_scale(struct wl_client *client, struct wl_resource *resource, int32_t scale)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	if (scale < 1) {
		wl_resource_post_error(resource, WL_SURFACE_ERROR_INVALID_SCALE,
				       "buffer scale %d is not positive", scale);
		return;
	}
	surface->pending.scale = scale;
}

static void
surface_offset(struct wl_client *client, struct wl_resource *resource, int32_t x, int32_t y)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	surface->pending.dx = x;
	surface->pending.dy = y;
}

static const struct wl_surface_interface surface_impl = {
	.destroy = surface_handle_destroy,
	.attach = surface_attach,
	.damage = surface_damage,
	.frame = surface_frame,
	.set_opaque_region = surface_set_opaque_region,
	.set_input_region = surface_set_input_region,
	.commit = surface_commit,
	.set_buffer_transform = surface_set_buffer_transform,
	.set_buffer_scale = surface_set_buffer_scale,
	.damage_buffer = surface_damage_buffer,
	.offset = surface_offset,
};

static void
surface_resource_destroy(struct wl_resource *resource)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	/* The role goes first, so it can unmap while the surface is intact. */
	wl_signal_emit_mutable(&surface->events.destroy, surface);
	if (surface->buffer)
		sw_buffer_unlock(surface->buffer);
	sw_surface_state_fini(&surface->pending);
	sw_surface_state_fini(&surface->current);
	destroy_callbacks(&surface->frame_callbacks);
	sw_presentation_discard_list(&surface->feedbacks);
	pixman_region32_fini(&surface->damage);
	pixman_region32_fini(&surface->buffer_damage);
	free(surface);
}

struct sw_surface *
sw_surface_from_resource(struct wl_resource *resource)
{
	if (!resource || !wl_resource_instance_of(resource, &wl_surface_interface, &surface_impl))
		return NULL;
	return wl_resource_get_user_data(resource);
}

bool
sw_surface_set_role(struct sw_surface *surface, const struct sw_surface_role *role,
		    void *role_data, struct wl_resource *error_resource, uint32_t error_code)
{
	if (surface->role && surface->role != role) {
		wl_resource_post_error(error_resource, error_code,
				       "wl_surface@%u already has the role %s, cannot become %s",
				       wl_resource_get_id(surface->resource), surface->role->name,
				       role->name);
		return false;
	}
	if (surface->role_data && surface->role_data != role_data) {
		wl_resource_post_error(error_resource, error_code,
				       "wl_surface@%u already has a live %s object",
				       wl_resource_get_id(surface->resource), role->name);
		return false;
	}
	surface->role = role;
	surface->role_data = role_data;
	return true;
}

void
sw_surface_send_frame_done(struct sw_surface *surface, uint32_t msec)
{
	struct wl_resource *resource, *tmp;
	wl_resource_for_each_safe(resource, tmp, &surface->frame_callbacks) {
		wl_callback_send_done(resource, msec);
		wl_resource_destroy(resource);
	}
}

static void
compositor_create_surface(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct sw_compositor *compositor = wl_resource_get_user_data(resource);
	struct sw_surface *surface = calloc(1, sizeof(*surface));
	if (!surface) {
		wl_client_post_no_memory(client);
		return;
	}
	surface->resource = wl_resource_create(client, &wl_surface_interface,
					       wl_resource_get_version(resource), id);
	if (!surface->resource) {
		free(surface);
		wl_client_post_no_memory(client);
		return;
	}
	surface->server = compositor->server;
	sw_surface_state_init(&surface->pending);
	sw_surface_state_init(&surface->current);
	pixman_region32_init(&surface->damage);
	pixman_region32_init(&surface->buffer_damage);
	wl_list_init(&surface->frame_callbacks);
	wl_list_init(&surface->feedbacks);
	wl_list_init(&surface->subsurfaces_below);
	wl_list_init(&surface->subsurfaces_above);
	wl_signal_init(&surface->events.commit);
	wl_signal_init(&surface->events.destroy);
	wl_resource_set_implementation(surface->resource, &surface_impl, surface,
				       surface_resource_destroy);
}

static void
compositor_create_region(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	pixman_region32_t *region = calloc(1, sizeof(*region));
	if (!region) {
		wl_client_post_no_memory(client);
		return;
	}
	struct wl_resource *region_resource = wl_resource_create(client, &wl_region_interface, 1, id);
	if (!region_resource) {
		free(region);
		wl_client_post_no_memory(client);
		return;
	}
	pixman_region32_init(region);
	wl_resource_set_implementation(region_resource, &region_impl, region,
				       region_resource_destroy);
}

static const struct wl_compositor_interface compositor_impl = {
	.create_surface = compositor_create_surface,
	.create_region = compositor_create_region,
};

static void
compositor_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *resource = wl_resource_create(client, &wl_compositor_interface,
							  (int)version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &compositor_impl, data, NULL);
}

static void
compositor_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_compositor *compositor = wl_container_of(listener, compositor, display_destroy);
	wl_list_remove(&compositor->display_destroy.link);
	wl_global_destroy(compositor->global);
	compositor->server->compositor = NULL;
	free(compositor);
}

bool
sw_compositor_create(struct sw_server *server)
{
	struct sw_compositor *compositor = calloc(1, sizeof(*compositor));
	if (!compositor)
		return false;
	compositor->server = server;
	compositor->global = wl_global_create(server->display, &wl_compositor_interface,
					      wl_compositor_interface.version < COMPOSITOR_VERSION_IMPLEMENTED
						      ? wl_compositor_interface.version
						      : COMPOSITOR_VERSION_IMPLEMENTED,
					      compositor, compositor_bind);
	if (!compositor->global) {
		free(compositor);
		return false;
	}
	compositor->display_destroy.notify = compositor_display_destroyed;
	wl_display_add_destroy_listener(server->display, &compositor->display_destroy);
	server->compositor = compositor;
	return true;
}
