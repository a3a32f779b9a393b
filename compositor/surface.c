#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "buffer.h"
#include "log.h"
#include "output.h"
#include "presentation.h"
#include "render.h"
#include "server.h"
#include "surface.h"
#include "view.h"
#include "viewporter.h"

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

/* ---- batches of rectangles ---- */

void
sw_box_batch_init(struct sw_box_batch *batch)
{
	wl_array_init(&batch->boxes);
	batch->bounded = false;
}

void
sw_box_batch_fini(struct sw_box_batch *batch)
{
	wl_array_release(&batch->boxes);
}

bool
sw_region_bound(pixman_region32_t *region, int max_rects)
{
	if (pixman_region32_n_rects(region) <= max_rects)
		return false;
	pixman_box32_t extents = *pixman_region32_extents(region);
	pixman_region32_fini(region);
	pixman_region32_init_with_extents(region, &extents);
	return true;
}

void
sw_box_batch_flush(struct sw_box_batch *batch, pixman_region32_t *region, int max_rects)
{
	size_t n = batch->boxes.size / sizeof(pixman_box32_t);
	if (n == 0)
		return;
	/* One sort of the whole batch instead of a merge per rectangle. */
	pixman_region32_t add;
	if (pixman_region32_init_rects(&add, batch->boxes.data, (int)n)) {
		pixman_region32_union(region, region, &add);
	} else {
		/* pixman could not allocate: damage may grow, never shrink. */
		pixman_box32_t *boxes = batch->boxes.data;
		pixman_box32_t ext = boxes[0];
		for (size_t i = 1; i < n; i++) {
			ext.x1 = boxes[i].x1 < ext.x1 ? boxes[i].x1 : ext.x1;
			ext.y1 = boxes[i].y1 < ext.y1 ? boxes[i].y1 : ext.y1;
			ext.x2 = boxes[i].x2 > ext.x2 ? boxes[i].x2 : ext.x2;
			ext.y2 = boxes[i].y2 > ext.y2 ? boxes[i].y2 : ext.y2;
		}
		pixman_region32_union_rect(region, region, ext.x1, ext.y1,
					   (unsigned)(ext.x2 - ext.x1), (unsigned)(ext.y2 - ext.y1));
	}
	pixman_region32_fini(&add);
	batch->boxes.size = 0;
	batch->bounded |= sw_region_bound(region, max_rects);
}

bool
sw_box_batch_add(struct sw_box_batch *batch, pixman_region32_t *region,
		 const pixman_box32_t *box, int max_rects)
{
	if (batch->boxes.size / sizeof(*box) >= SW_BOX_BATCH)
		sw_box_batch_flush(batch, region, max_rects);
	pixman_box32_t *slot = wl_array_add(&batch->boxes, sizeof(*slot));
	if (!slot)
		return false;
	*slot = *box;
	return true;
}

/* A wl_region: what the requests so far make, some of it still queued. */
struct sw_region {
	pixman_region32_t region;
	struct sw_box_batch adds;       /* wl_region.add since the last merge */
	bool warned;                    /* its becoming a bounding box was logged */
};

/* The region as the requests so far define it. */
static pixman_region32_t *
region_settle(struct sw_region *r, struct wl_resource *resource)
{
	sw_box_batch_flush(&r->adds, &r->region, SW_REGION_RECTS);
	if (r->adds.bounded && !r->warned) {
		r->warned = true;
		sw_warn("wl_region@%u has more than %d rectangles: it is now its bounding box",
			wl_resource_get_id(resource), SW_REGION_RECTS);
	}
	return &r->region;
}

static void
region_add(struct wl_client *client, struct wl_resource *resource, int32_t x, int32_t y,
	   int32_t width, int32_t height)
{
	struct sw_region *r = wl_resource_get_user_data(resource);
	pixman_box32_t b;
	if (!clip_rect(x, y, width, height, &b))
		return;
	if (!sw_box_batch_add(&r->adds, &r->region, &b, SW_REGION_RECTS))
		wl_client_post_no_memory(client);
}

static void
region_subtract(struct wl_client *client, struct wl_resource *resource, int32_t x, int32_t y,
		int32_t width, int32_t height)
{
	struct sw_region *r = wl_resource_get_user_data(resource);
	pixman_box32_t b;
	if (!clip_rect(x, y, width, height, &b))
		return;
	pixman_region32_t *region = region_settle(r, resource);
	pixman_region32_t rect;
	pixman_region32_init_rect(&rect, b.x1, b.y1, (unsigned)(b.x2 - b.x1),
				  (unsigned)(b.y2 - b.y1));
	pixman_region32_subtract(region, region, &rect);
	pixman_region32_fini(&rect);
	r->adds.bounded |= sw_region_bound(region, SW_REGION_RECTS);
}

static const struct wl_region_interface region_impl = {
	.destroy = region_handle_destroy,
	.add = region_add,
	.subtract = region_subtract,
};

static void
region_resource_destroy(struct wl_resource *resource)
{
	struct sw_region *r = wl_resource_get_user_data(resource);
	pixman_region32_fini(&r->region);
	sw_box_batch_fini(&r->adds);
	free(r);
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
	sw_box_batch_init(&state->surface_damage_boxes);
	sw_box_batch_init(&state->buffer_damage_boxes);
	pixman_region32_init(&state->opaque);
	/* The default input region is infinite. */
	pixman_region32_init_rect(&state->input, -REGION_LIMIT, -REGION_LIMIT, 2u * REGION_LIMIT,
				  2u * REGION_LIMIT);
	state->scale = 1;
	state->transform = WL_OUTPUT_TRANSFORM_NORMAL;
	state->src_x = state->src_y = wl_fixed_from_int(-1);
	state->src_width = state->src_height = wl_fixed_from_int(-1);
	state->dst_width = state->dst_height = -1;
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
	sw_box_batch_fini(&state->surface_damage_boxes);
	sw_box_batch_fini(&state->buffer_damage_boxes);
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
add_damage(struct wl_resource *resource, struct sw_box_batch *batch, pixman_region32_t *region,
	   int32_t x, int32_t y, int32_t width, int32_t height)
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
	pixman_box32_t box = { (int32_t)x1, (int32_t)y1, (int32_t)x2, (int32_t)y2 };
	if (!sw_box_batch_add(batch, region, &box, SW_DAMAGE_RECTS))
		wl_resource_post_no_memory(resource);
}

static void
surface_damage(struct wl_client *client, struct wl_resource *resource, int32_t x, int32_t y,
	       int32_t width, int32_t height)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	add_damage(resource, &surface->pending.surface_damage_boxes,
		   &surface->pending.surface_damage, x, y, width, height);
}

static void
surface_damage_buffer(struct wl_client *client, struct wl_resource *resource, int32_t x,
		      int32_t y, int32_t width, int32_t height)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	add_damage(resource, &surface->pending.buffer_damage_boxes,
		   &surface->pending.buffer_damage, x, y, width, height);
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
		pixman_region32_copy(dst, region_settle(wl_resource_get_user_data(region_resource),
							region_resource));
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
	sw_region_bound(&dst->surface_damage, SW_DAMAGE_RECTS);
	sw_region_bound(&dst->buffer_damage, SW_DAMAGE_RECTS);
	pixman_region32_clear(&src->surface_damage);
	pixman_region32_clear(&src->buffer_damage);
	pixman_region32_copy(&dst->opaque, &src->opaque);
	pixman_region32_copy(&dst->input, &src->input);
	dst->scale = src->scale;
	dst->transform = src->transform;
	sw_viewport_state_copy(dst, src);
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

/* ---- converted copies of the buffers a surface shows ---- */

static void
recent_buffer_forget(struct sw_recent_buffer *r)
{
	wl_list_remove(&r->destroy.link);
	wl_list_init(&r->destroy.link);
	r->buffer = NULL;
}

static void
recent_buffer_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_recent_buffer *r = wl_container_of(listener, r, destroy);
	recent_buffer_forget(r);
}

/* `buffer` is shown now: it keeps hearing of this surface's damage. */
static void
recent_buffers_add(struct sw_surface *surface, struct sw_buffer *buffer)
{
	if (!buffer || !buffer->impl->invalidate)
		return;
	struct sw_recent_buffer *recent = surface->recent;
	for (size_t i = 0; i < SW_SURFACE_RECENT_BUFFERS; i++)
		if (recent[i].buffer == buffer)
			return;
	/* Its copy, if any, is from before it came (or came back) here. */
	buffer->impl->invalidate(buffer, NULL);
	size_t slot = 0;
	while (slot < SW_SURFACE_RECENT_BUFFERS && recent[slot].buffer)
		slot++;
	if (slot == SW_SURFACE_RECENT_BUFFERS) {
		/* The oldest hears no more: it is wholly stale should it come back. */
		recent[0].buffer->impl->invalidate(recent[0].buffer, NULL);
		recent_buffer_forget(&recent[0]);
		for (size_t i = 1; i < SW_SURFACE_RECENT_BUFFERS; i++) {
			if (!recent[i].buffer)
				continue;
			struct sw_buffer *b = recent[i].buffer;
			recent_buffer_forget(&recent[i]);
			recent[i - 1].buffer = b;
			wl_signal_add(&b->destroy_signal, &recent[i - 1].destroy);
		}
		slot = SW_SURFACE_RECENT_BUFFERS - 1;
	}
	recent[slot].buffer = buffer;
	wl_signal_add(&buffer->destroy_signal, &recent[slot].destroy);
}

/* A commit changed the picture in `damage` (the committed buffer's coordinates; NULL: all). */
static void
recent_buffers_damage(struct sw_surface *surface, const pixman_region32_t *damage)
{
	const struct sw_buffer *shown = surface->buffer;
	for (size_t i = 0; i < SW_SURFACE_RECENT_BUFFERS; i++) {
		struct sw_buffer *b = surface->recent[i].buffer;
		if (!b)
			continue;
		/* Damage in another buffer's size says nothing precise about this one. */
		bool same = shown && b->width == shown->width && b->height == shown->height;
		b->impl->invalidate(b, same ? damage : NULL);
	}
}

static void
surface_release_retired(struct sw_surface *surface)
{
	if (!surface->retired)
		return;
	struct sw_buffer *old = surface->retired;
	surface->retired = NULL;
	wl_list_remove(&surface->retired_link);
	sw_buffer_unlock(old);
}

void
sw_surfaces_release_retired(struct sw_server *server)
{
	while (!wl_list_empty(&server->retired_surfaces)) {
		struct sw_surface *surface =
			wl_container_of(server->retired_surfaces.next, surface, retired_link);
		surface_release_retired(surface);
	}
}

void
sw_surfaces_after_dispatch(struct sw_server *server)
{
	if (wl_list_empty(&server->retired_surfaces))
		return;
	struct sw_output *output;
	wl_list_for_each(output, &server->outputs, link) {
		if (output->enabled && output->frame_scheduled)
			return;
	}
	sw_surfaces_release_retired(server);
}

/*
 * A commit replaced `old`. Its pixels are never read again (the frame holds
 * them or the new buffer is drawn), but its release waits for the next frame,
 * so that the client gets one message a frame (release, frame done and
 * presentation together) instead of two wake-ups. One buffer per surface: a
 * newer replacement releases the older at once.
 */
static void
surface_retire_buffer(struct sw_surface *surface, struct sw_buffer *old)
{
	struct sw_server *server = surface->server;
	surface_release_retired(surface);
	surface->retired = old;
	wl_list_insert(server->retired_surfaces.prev, &surface->retired_link);
}

struct sw_output *
sw_surface_frame_output(struct sw_surface *surface)
{
	int32_t x, y;
	struct sw_surface *root = sw_surface_get_root(surface, &x, &y);
	if (root->view)
		return root->view->mapped ? sw_view_output(root->view) : NULL;
	if (root->role && root->role->output)
		return root->role->output(root);
	return NULL;
}

/*
 * Only surfaces that wait for a frame are visited by it, so a frame costs
 * nothing for the surfaces of idle clients.
 */
static void
surface_wait_frame(struct sw_surface *surface, int32_t x, int32_t y, void *data)
{
	if (wl_list_empty(&surface->frame_callbacks) && wl_list_empty(&surface->feedbacks))
		return;
	struct sw_output *output = sw_surface_frame_output(surface);
	if (!output)
		return; /* until it is shown: its next commit or its map */
	wl_list_remove(&surface->frame_link);
	wl_list_insert(output->frame_waiters.prev, &surface->frame_link);
	sw_output_schedule_frame(output);
}

void
sw_surface_tree_wait_frames(struct sw_surface *surface)
{
	sw_surface_for_each(surface, 0, 0, surface_wait_frame, NULL);
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
			surface_retire_buffer(surface, old);
		set_pending_buffer(src, NULL);
		src->buffer_attached = false;
		recent_buffers_add(surface, surface->buffer);
	}
	/* A new scale, transform or viewport lays the whole buffer out anew. */
	bool relaid = surface->current.scale != src->scale ||
		      surface->current.transform != src->transform ||
		      !sw_viewport_state_equal(&surface->current, src);
	surface->current.scale = src->scale;
	surface->current.transform = src->transform;
	sw_viewport_state_copy(&surface->current, src);
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
	/* Checked at commit: the source lies in the buffer, sizes are positive. */
	sw_viewport_apply(surface, tw, th);
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
	for (int i = 0; surface->viewported && i < n; i++) {
		/* Through the viewport: crop, then scale to the destination, rounded outwards. */
		pixman_box32_t b = sw_viewport_map_box(surface, &boxes[i]);
		if (b.x2 > b.x1 && b.y2 > b.y1)
			pixman_region32_union_rect(&scaled, &scaled, b.x1, b.y1,
						   (unsigned)(b.x2 - b.x1), (unsigned)(b.y2 - b.y1));
	}
	for (int i = 0; !surface->viewported && i < n; i++) {
		/* Rounded outwards; 64-bit because the scale is the client's int32. */
		int32_t x1 = boxes[i].x1 / scale, y1 = boxes[i].y1 / scale;
		int32_t x2 = (int32_t)(((int64_t)boxes[i].x2 + scale - 1) / scale);
		int32_t y2 = (int32_t)(((int64_t)boxes[i].y2 + scale - 1) / scale);
		pixman_region32_union_rect(&scaled, &scaled, x1, y1, (unsigned)(x2 - x1),
					   (unsigned)(y2 - y1));
	}
	pixman_region32_union(&surface->damage, &src->surface_damage, &scaled);
	pixman_region32_fini(&scaled);
	sw_region_bound(&surface->damage, SW_DAMAGE_RECTS);
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
	pixman_region32_union(&bd, &bd, &src->buffer_damage);
	/* Surface damage through a viewport is not mapped back: all of the buffer is stale. */
	bool whole = resized || relaid ||
		     (surface->viewported && pixman_region32_not_empty(&src->surface_damage));
	recent_buffers_damage(surface, whole ? NULL : &bd);
	pixman_region32_fini(&bd);
	/* It grows with every commit until a repaint uses it. */
	sw_region_bound(&surface->buffer_damage, SW_DAMAGE_RECTS);
	if (whole)
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
	surface_wait_frame(surface, 0, 0, NULL);
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

/* A commit's state goes to the subsurface cache or straight to the screen. */
static void
commit_state(struct sw_surface *surface, struct sw_surface_state *state)
{
	struct sw_subsurface *sub = sw_subsurface_from_surface(surface);
	if (sub) {
		/* A synchronized subsurface's commit waits for its parent's. */
		state_move(&sub->cached, state);
		sub->has_cache = true;
		if (!sw_subsurface_is_synchronized(sub))
			sw_surface_apply_cached(surface);
		return;
	}
	surface_apply(surface, state);
}

/* ---- commits waiting for their buffer's writers ---- */

struct fence_wait {
	struct sw_queued_commit *commit;
	struct wl_event_source *source;  /* holds its own copy of the sync_file */
};

/*
 * A commit whose buffer's fences have not all signalled. It is applied, in
 * order, once they have; until then the surface shows what it showed, and
 * reading the buffer (DMA_BUF_IOCTL_SYNC START) can no longer block the loop.
 */
struct sw_queued_commit {
	struct sw_surface *surface;
	struct wl_list link;             /* sw_surface.queued */
	struct sw_surface_state state;
	unsigned n_waits, unsignalled;
	struct fence_wait waits[SW_BUFFER_MAX_FENCES];
};

static void
fence_wait_end(struct fence_wait *w)
{
	if (w->source)
		wl_event_source_remove(w->source);
	w->source = NULL;
}

static void
queued_cancel_waits(struct sw_queued_commit *c)
{
	for (unsigned i = 0; i < c->n_waits; i++)
		fence_wait_end(&c->waits[i]);
	c->n_waits = c->unsignalled = 0;
}

static void
queued_free(struct sw_queued_commit *c)
{
	queued_cancel_waits(c);
	wl_list_remove(&c->link);
	c->surface->n_queued--;
	sw_surface_state_fini(&c->state);
	free(c);
}

/* Apply the oldest commits whose buffers are ready, stopping at one that is not. */
static void
queue_flush(struct sw_surface *surface)
{
	while (!wl_list_empty(&surface->queued)) {
		struct sw_queued_commit *c = wl_container_of(surface->queued.next, c, link);
		if (c->unsignalled > 0)
			return;
		commit_state(surface, &c->state);
		queued_free(c);
	}
}

static int
fence_signalled(int fd, uint32_t mask, void *data)
{
	struct fence_wait *w = data;
	struct sw_queued_commit *c = w->commit;
	/* Readable is signalled; an error on the sync_file ends the wait as well. */
	fence_wait_end(w);
	c->unsignalled--;
	queue_flush(c->surface);
	return 0;
}

/* Close the sync_files that have signalled already; returns how many are left in `fds`. */
static unsigned
keep_unsignalled(int *fds, unsigned n)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < n; i++) {
		struct pollfd pfd = { .fd = fds[i], .events = POLLIN };
		if (poll(&pfd, 1, 0) > 0)
			close(fds[i]);
		else
			fds[kept++] = fds[i];
	}
	return kept;
}

static void
queued_arm(struct sw_queued_commit *c, const int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct fence_wait *w = &c->waits[c->n_waits];
		w->commit = c;
		/* The event source keeps a duplicate of the fd. */
		w->source = wl_event_loop_add_fd(c->surface->server->loop, fds[i],
						 WL_EVENT_READABLE, fence_signalled, w);
		close(fds[i]);
		if (!w->source) {
			/* Then SYNC START does the waiting, as before. */
			sw_warn("surface: cannot watch a buffer fence; not waiting for it");
			continue;
		}
		c->n_waits++;
		c->unsignalled++;
	}
}

/* Queue the pending state behind the commits already waiting, to wait for `fds`. */
static void
queue_commit(struct sw_surface *surface, int *fds, unsigned n)
{
	struct sw_surface_state *pending = &surface->pending;
	struct sw_queued_commit *c;
	if (surface->n_queued >= SW_SURFACE_MAX_QUEUED) {
		/* Far ahead of its writers: fold into the newest waiting commit, like a cache. */
		c = wl_container_of(surface->queued.prev, c, link);
		sw_debug("surface: wl_surface@%u has %u commits waiting for fences; folding "
			 "this one into the last", wl_resource_get_id(surface->resource),
			 surface->n_queued);
		if (pending->buffer_attached) {
			/* Its buffer will never be shown now: its fences do not matter. */
			queued_cancel_waits(c);
			struct sw_buffer *dropped = c->state.buffer;
			if (dropped && dropped != pending->buffer && dropped->locks == 0 &&
			    dropped->resource)
				wl_buffer_send_release(dropped->resource);
		}
	} else {
		c = calloc(1, sizeof(*c));
		if (!c) {
			for (unsigned i = 0; i < n; i++)
				close(fds[i]);
			wl_resource_post_no_memory(surface->resource);
			return;
		}
		c->surface = surface;
		sw_surface_state_init(&c->state);
		wl_list_insert(surface->queued.prev, &c->link);
		surface->n_queued++;
	}
	state_move(&c->state, pending);
	queued_arm(c, fds, n);
	sw_debug("surface: wl_surface@%u: a commit waits for %u fence(s), %u commit(s) queued",
		 wl_resource_get_id(surface->resource), c->unsignalled, surface->n_queued);
	queue_flush(surface);
}

/* The buffer the surface will have once the pending state applies. */
static const struct sw_buffer *
committed_buffer(const struct sw_surface *surface)
{
	if (surface->pending.buffer_attached)
		return surface->pending.buffer;
	struct sw_queued_commit *c;
	wl_list_for_each_reverse(c, &surface->queued, link)
		if (c->state.buffer_attached)
			return c->state.buffer;
	return surface->buffer;
}

static void
surface_commit(struct wl_client *client, struct wl_resource *resource)
{
	struct sw_surface *surface = wl_resource_get_user_data(resource);
	/* The damage requests of this commit join its regions at once. */
	sw_box_batch_flush(&surface->pending.surface_damage_boxes, &surface->pending.surface_damage,
			   SW_DAMAGE_RECTS);
	sw_box_batch_flush(&surface->pending.buffer_damage_boxes, &surface->pending.buffer_damage,
			   SW_DAMAGE_RECTS);
	const struct sw_buffer *buffer = committed_buffer(surface);
	int32_t scale = surface->pending.scale;
	if (buffer && (buffer->width % scale != 0 || buffer->height % scale != 0)) {
		wl_resource_post_error(resource, WL_SURFACE_ERROR_INVALID_SIZE,
				       "buffer of %dx%d is not a multiple of the buffer scale %d",
				       buffer->width, buffer->height, scale);
		return;
	}
	if (buffer && !sw_viewport_check_commit(surface, buffer))
		return;
	/* A new buffer is shown once its writers are done, not read while they write. */
	int fds[SW_BUFFER_MAX_FENCES];
	unsigned n = 0;
	struct sw_buffer *attached = surface->pending.buffer_attached ? surface->pending.buffer
								      : NULL;
	if (attached && attached->impl->export_fences)
		n = keep_unsignalled(fds, attached->impl->export_fences(attached, fds));
	if (n == 0 && wl_list_empty(&surface->queued)) {
		commit_state(surface, &surface->pending);
		return;
	}
	queue_commit(surface, fds, n);
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
	sw_outputs_damage_box(surface->server, x, y, surface->width, surface->height);
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
	while (!wl_list_empty(&surface->queued)) {
		struct sw_queued_commit *c = wl_container_of(surface->queued.next, c, link);
		queued_free(c);
	}
	for (size_t i = 0; i < SW_SURFACE_RECENT_BUFFERS; i++)
		recent_buffer_forget(&surface->recent[i]);
	surface_release_retired(surface);
	wl_list_remove(&surface->frame_link);
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
	wl_list_init(&surface->frame_link);
	wl_list_init(&surface->feedbacks);
	wl_list_init(&surface->queued);
	for (size_t i = 0; i < SW_SURFACE_RECENT_BUFFERS; i++) {
		surface->recent[i].destroy.notify = recent_buffer_destroyed;
		wl_list_init(&surface->recent[i].destroy.link);
	}
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
	struct sw_region *r = calloc(1, sizeof(*r));
	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	struct wl_resource *region_resource = wl_resource_create(client, &wl_region_interface, 1, id);
	if (!region_resource) {
		free(r);
		wl_client_post_no_memory(client);
		return;
	}
	pixman_region32_init(&r->region);
	sw_box_batch_init(&r->adds);
	wl_resource_set_implementation(region_resource, &region_impl, r, region_resource_destroy);
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
