#include <stdlib.h>

#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "buffer.h"
#include "log.h"
#include "output.h"
#include "presentation.h"
#include "server.h"
#include "surface.h"

/* The highest version bookworm's libwayland defines (wl_surface.offset). */
#define COMPOSITOR_VERSION 5

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

static void
region_add(struct wl_client *client, struct wl_resource *resource, int32_t x, int32_t y,
	   int32_t width, int32_t height)
{
	pixman_region32_t *region = wl_resource_get_user_data(resource);
	if (width <= 0 || height <= 0)
		return;
	pixman_region32_union_rect(region, region, x, y, (unsigned)width, (unsigned)height);
}

static void
region_subtract(struct wl_client *client, struct wl_resource *resource, int32_t x, int32_t y,
		int32_t width, int32_t height)
{
	pixman_region32_t *region = wl_resource_get_user_data(resource);
	if (width <= 0 || height <= 0)
		return;
	pixman_region32_t rect;
	pixman_region32_init_rect(&rect, x, y, (unsigned)width, (unsigned)height);
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

static void
state_init(struct sw_surface_state *state)
{
	state->buffer_attached = false;
	state->buffer = NULL;
	wl_list_init(&state->buffer_destroy.link);
	state->dx = state->dy = 0;
	pixman_region32_init(&state->surface_damage);
	pixman_region32_init(&state->buffer_damage);
	pixman_region32_init(&state->opaque);
	/* The default input region is infinite. */
	pixman_region32_init_rect(&state->input, INT32_MIN / 2, INT32_MIN / 2, UINT32_MAX / 2,
				  UINT32_MAX / 2);
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

static void
state_fini(struct sw_surface_state *state)
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

static void
surface_damage(struct wl_client *client, struct wl_resource *resource, int32_t x, int32_t y,
	       int32_t width, int32_t height)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	if (width <= 0 || height <= 0)
		return;
	pixman_region32_union_rect(&surface->pending.surface_damage,
				   &surface->pending.surface_damage, x, y, (unsigned)width,
				   (unsigned)height);
}

static void
surface_damage_buffer(struct wl_client *client, struct wl_resource *resource, int32_t x,
		      int32_t y, int32_t width, int32_t height)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	if (width <= 0 || height <= 0)
		return;
	pixman_region32_union_rect(&surface->pending.buffer_damage,
				   &surface->pending.buffer_damage, x, y, (unsigned)width,
				   (unsigned)height);
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
		pixman_region32_init_rect(dst, INT32_MIN / 2, INT32_MIN / 2, UINT32_MAX / 2,
					  UINT32_MAX / 2);
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
surface_commit(struct wl_client *client, struct wl_resource *resource)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	struct sw_surface_state *pending = &surface->pending;

	surface->prev_width = surface->width;
	surface->prev_height = surface->height;
	pixman_region32_clear(&surface->damage);

	if (pending->buffer_attached) {
		struct sw_buffer *old = surface->buffer;
		/* Lock the new one first: it may be the same buffer. */
		surface->buffer = pending->buffer ? sw_buffer_lock(pending->buffer) : NULL;
		if (old)
			sw_buffer_unlock(old);
		wl_list_remove(&pending->buffer_destroy.link);
		wl_list_init(&pending->buffer_destroy.link);
		pending->buffer = NULL;
		pending->buffer_attached = false;
	}
	surface->current.scale = pending->scale;
	surface->current.transform = pending->transform;
	if (surface->buffer) {
		surface->width = surface->buffer->width / surface->current.scale;
		surface->height = surface->buffer->height / surface->current.scale;
	} else {
		surface->width = surface->height = 0;
	}

	/* Buffer damage, brought to surface coordinates (scale only; transforms are not rendered). */
	int32_t scale = surface->current.scale;
	pixman_region32_t bd;
	pixman_region32_init(&bd);
	int n;
	pixman_box32_t *boxes = pixman_region32_rectangles(&pending->buffer_damage, &n);
	for (int i = 0; i < n; i++) {
		int32_t x1 = boxes[i].x1 / scale, y1 = boxes[i].y1 / scale;
		int32_t x2 = (boxes[i].x2 + scale - 1) / scale, y2 = (boxes[i].y2 + scale - 1) / scale;
		pixman_region32_union_rect(&bd, &bd, x1, y1, (unsigned)(x2 - x1),
					   (unsigned)(y2 - y1));
	}
	pixman_region32_union(&surface->damage, &pending->surface_damage, &bd);
	pixman_region32_fini(&bd);
	if (surface->width != surface->prev_width || surface->height != surface->prev_height)
		pixman_region32_union_rect(&surface->damage, &surface->damage, 0, 0,
					   (unsigned)surface->width, (unsigned)surface->height);
	pixman_region32_intersect_rect(&surface->damage, &surface->damage, 0, 0,
				       (unsigned)surface->width, (unsigned)surface->height);

	/* What converting buffer kinds must refresh, in buffer coordinates. */
	pixman_region32_union(&surface->buffer_damage, &surface->buffer_damage,
			      &pending->buffer_damage);
	boxes = pixman_region32_rectangles(&pending->surface_damage, &n);
	for (int i = 0; i < n; i++)
		pixman_region32_union_rect(&surface->buffer_damage, &surface->buffer_damage,
					   boxes[i].x1 * scale, boxes[i].y1 * scale,
					   (unsigned)((boxes[i].x2 - boxes[i].x1) * scale),
					   (unsigned)((boxes[i].y2 - boxes[i].y1) * scale));
	if (surface->width != surface->prev_width || surface->height != surface->prev_height)
		pixman_region32_union_rect(&surface->buffer_damage, &surface->buffer_damage, 0, 0,
					   (unsigned)(surface->width * scale),
					   (unsigned)(surface->height * scale));
	pixman_region32_clear(&pending->surface_damage);
	pixman_region32_clear(&pending->buffer_damage);

	pixman_region32_copy(&surface->current.opaque, &pending->opaque);
	pixman_region32_copy(&surface->current.input, &pending->input);
	surface->current.dx = pending->dx;
	surface->current.dy = pending->dy;
	pending->dx = pending->dy = 0;

	wl_list_insert_list(surface->frame_callbacks.prev, &pending->frame_callbacks);
	wl_list_init(&pending->frame_callbacks);
	/* Feedback of a commit that never reached the screen was superseded. */
	sw_presentation_discard_list(&surface->feedbacks);
	wl_list_insert_list(&surface->feedbacks, &pending->feedbacks);
	wl_list_init(&pending->feedbacks);

	if (surface->role && surface->role->commit)
		surface->role->commit(surface);
	wl_signal_emit_mutable(&surface->events.commit, surface);
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
	state_fini(&surface->pending);
	state_fini(&surface->current);
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
	state_init(&surface->pending);
	state_init(&surface->current);
	pixman_region32_init(&surface->damage);
	pixman_region32_init(&surface->buffer_damage);
	wl_list_init(&surface->frame_callbacks);
	wl_list_init(&surface->feedbacks);
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
					      COMPOSITOR_VERSION, compositor, compositor_bind);
	if (!compositor->global) {
		free(compositor);
		return false;
	}
	compositor->display_destroy.notify = compositor_display_destroyed;
	wl_display_add_destroy_listener(server->display, &compositor->display_destroy);
	server->compositor = compositor;
	return true;
}
