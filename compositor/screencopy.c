/*
 * zwlr_screencopy_manager_v1: copies an output's composited image into a
 * client's wl_shm buffer, so pixels travel back over an fd the client owns.
 */
#include <stdlib.h>
#include <time.h>

#include <drm_fourcc.h>
#include <wayland-server-core.h>

#include "buffer.h"
#include "client_count.h"
#include "formats.h"
#include "log.h"
#include "output.h"
#include "server.h"
#include "shm.h"
#include "screencopy.h"
#include "surface.h"
#include "wlr-screencopy-unstable-v1-server-protocol.h"

#define SCREENCOPY_VERSION 3

struct sw_screencopy {
	struct sw_server *server;
	struct wl_global *global;
	struct wl_listener display_destroy;
};

/* One bound manager: damage for copy_with_damage is tracked per manager and output. */
struct sc_manager {
	struct wl_resource *resource;
	struct wl_list outputs;         /* sc_manager_output.link */
	struct wl_list frames;          /* sc_frame.link */
};

/*
 * What one manager knows of one output it captured: made at its first
 * capture, gone with the manager or the output (at most one per output).
 */
struct sc_manager_output {
	struct sc_manager *manager;
	struct sw_output *output;
	struct wl_list link;            /* sc_manager.outputs */
	pixman_region32_t damage;       /* since this manager's last copy of the output */
	bool copied_once;
	struct wl_listener frame_rendered;
	struct wl_listener output_destroy;
};

struct sc_frame {
	struct wl_resource *resource;
	struct sc_manager *manager;     /* NULL once the manager is gone */
	struct wl_list link;
	struct sw_output *output;       /* NULL once the output is gone */
	struct wl_listener output_destroy;
	pixman_box32_t box;             /* captured area, output coordinates */
	bool used;
	bool with_damage;
	bool counted;                   /* in output->captures_waiting */
	struct sw_buffer *buffer;
	struct wl_listener buffer_destroy;
	struct wl_listener frame_rendered;
};

static struct sc_manager_output *
frame_manager_output(struct sc_frame *frame)
{
	struct sc_manager_output *mo;
	if (!frame->manager || !frame->output)
		return NULL;
	wl_list_for_each(mo, &frame->manager->outputs, link) {
		if (mo->output == frame->output)
			return mo;
	}
	return NULL;
}

static void
frame_stop_waiting(struct sc_frame *frame)
{
	if (frame->counted && frame->output)
		frame->output->captures_waiting--;
	frame->counted = false;
	wl_list_remove(&frame->frame_rendered.link);
	wl_list_init(&frame->frame_rendered.link);
	wl_list_remove(&frame->buffer_destroy.link);
	wl_list_init(&frame->buffer_destroy.link);
	frame->buffer = NULL;
}

static void
frame_send_failed(struct sc_frame *frame)
{
	frame_stop_waiting(frame);
	zwlr_screencopy_frame_v1_send_failed(frame->resource);
}

static void
frame_copy_now(struct sc_frame *frame, const pixman_region32_t *damage)
{
	struct sw_buffer *buffer = frame->buffer;
	struct sw_output *output = frame->output;
	frame_stop_waiting(frame);

	pixman_image_t *dst = buffer->impl->begin_access(buffer, NULL);
	if (!dst) {
		zwlr_screencopy_frame_v1_send_failed(frame->resource);
		return;
	}
	int32_t w = frame->box.x2 - frame->box.x1, h = frame->box.y2 - frame->box.y1;
	/* The frame may be a client's buffer; copying one onto itself changes nothing. */
	if (sw_output_frame_buffer(output) != buffer) {
		pixman_image_t *src = sw_output_begin_read(output);
		if (!src) {
			buffer->impl->end_access(buffer);
			zwlr_screencopy_frame_v1_send_failed(frame->resource);
			return;
		}
		pixman_image_set_transform(src, NULL);
		pixman_image_composite32(PIXMAN_OP_SRC, src, NULL, dst, frame->box.x1,
					 frame->box.y1, 0, 0, 0, 0, w, h);
		sw_output_end_read(output);
	}
	if (!buffer->impl->end_access(buffer)) {
		/* The client truncated its own buffer; it has been told. */
		zwlr_screencopy_frame_v1_send_failed(frame->resource);
		return;
	}

	zwlr_screencopy_frame_v1_send_flags(frame->resource, 0);
	if (frame->with_damage) {
		pixman_region32_t local;
		pixman_region32_init(&local);
		pixman_region32_intersect_rect(&local, (pixman_region32_t *)damage, frame->box.x1,
					       frame->box.y1, (unsigned)w, (unsigned)h);
		pixman_region32_translate(&local, -frame->box.x1, -frame->box.y1);
		int n;
		pixman_box32_t *boxes = pixman_region32_rectangles(&local, &n);
		for (int i = 0; i < n; i++)
			zwlr_screencopy_frame_v1_send_damage(
				frame->resource, (uint32_t)boxes[i].x1, (uint32_t)boxes[i].y1,
				(uint32_t)(boxes[i].x2 - boxes[i].x1),
				(uint32_t)(boxes[i].y2 - boxes[i].y1));
		pixman_region32_fini(&local);
	}
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	uint64_t sec = (uint64_t)now.tv_sec;
	zwlr_screencopy_frame_v1_send_ready(frame->resource, (uint32_t)(sec >> 32), (uint32_t)sec,
					    (uint32_t)now.tv_nsec);
}

static void
frame_copy_with_manager_damage(struct sc_frame *frame)
{
	struct sc_manager_output *mo = frame_manager_output(frame);
	pixman_region32_t all;
	if (!mo || !mo->copied_once) {
		pixman_region32_init_rect(&all, 0, 0, (unsigned)frame->output->width,
					  (unsigned)frame->output->height);
		frame_copy_now(frame, &all);
		pixman_region32_fini(&all);
	} else {
		frame_copy_now(frame, &mo->damage);
	}
	if (mo) {
		mo->copied_once = true;
		pixman_region32_clear(&mo->damage);
	}
}

static void
frame_output_destroyed(struct wl_listener *listener, void *data)
{
	struct sc_frame *frame = wl_container_of(listener, frame, output_destroy);
	wl_list_remove(&frame->output_destroy.link);
	wl_list_init(&frame->output_destroy.link);
	frame->output = NULL;
	/* A copy waiting for the output's next frame will never get one. */
	if (frame->buffer)
		frame_send_failed(frame);
}

static void
frame_handle_rendered(struct wl_listener *listener, void *data)
{
	struct sc_frame *frame = wl_container_of(listener, frame, frame_rendered);
	frame_copy_with_manager_damage(frame);
}

static void
frame_buffer_destroyed(struct wl_listener *listener, void *data)
{
	struct sc_frame *frame = wl_container_of(listener, frame, buffer_destroy);
	frame_send_failed(frame);
}

static void
frame_copy(struct wl_client *client, struct wl_resource *resource,
	   struct wl_resource *buffer_resource, bool with_damage)
{
	struct sc_frame *frame = wl_resource_get_user_data(resource);
	if (!frame)
		return;
	if (frame->used) {
		wl_resource_post_error(resource, ZWLR_SCREENCOPY_FRAME_V1_ERROR_ALREADY_USED,
				       "this frame was already used for a copy");
		return;
	}
	struct sw_buffer *buffer = sw_buffer_from_resource(buffer_resource);
	int32_t w = frame->box.x2 - frame->box.x1, h = frame->box.y2 - frame->box.y1;
	if (!frame->output) {
		/* Its output was unplugged between capture and copy. */
		frame->used = true;
		zwlr_screencopy_frame_v1_send_failed(resource);
		return;
	}
	if (!buffer || !sw_buffer_is_shm(buffer)) {
		wl_resource_post_error(resource, ZWLR_SCREENCOPY_FRAME_V1_ERROR_INVALID_BUFFER,
				       "only wl_shm buffers can receive a screencopy");
		return;
	}
	if (buffer->width != w || buffer->height != h) {
		wl_resource_post_error(resource, ZWLR_SCREENCOPY_FRAME_V1_ERROR_INVALID_BUFFER,
				       "buffer is %dx%d, the frame is %dx%d", buffer->width,
				       buffer->height, w, h);
		return;
	}
	if (!pixman_format_supported_destination(buffer->format->pixman)) {
		wl_resource_post_error(resource, ZWLR_SCREENCOPY_FRAME_V1_ERROR_INVALID_BUFFER,
				       "cannot write format %s", buffer->format->name);
		return;
	}
	frame->used = true;
	frame->with_damage = with_damage;
	frame->buffer = buffer;
	frame->buffer_destroy.notify = frame_buffer_destroyed;
	wl_signal_add(&buffer->destroy_signal, &frame->buffer_destroy);

	struct sw_output *output = frame->output;
	struct sc_manager_output *mo = frame_manager_output(frame);
	/* Planes hide part of the picture from the shadow: a whole frame is composited for it. */
	bool stale = pixman_region32_not_empty(&output->damage) || output->shadow_partial;
	if (output->shadow_partial) {
		sw_debug("screencopy: output %s shows planes; compositing a whole frame for a copy",
			 output->name);
		sw_output_damage_whole(output);
	}
	bool nothing_new = with_damage && mo && mo->copied_once &&
			   !pixman_region32_not_empty(&mo->damage);
	if (!stale && !nothing_new) {
		frame_copy_with_manager_damage(frame);
		return;
	}
	/* Wait for the next repaint: it has the damage or brings the image up to date. */
	frame->frame_rendered.notify = frame_handle_rendered;
	wl_signal_add(&output->events.frame_rendered, &frame->frame_rendered);
	frame->counted = true;
	output->captures_waiting++;
}

static void
frame_handle_copy(struct wl_client *client, struct wl_resource *resource,
		  struct wl_resource *buffer)
{
	frame_copy(client, resource, buffer, false);
}

static void
frame_handle_copy_with_damage(struct wl_client *client, struct wl_resource *resource,
			      struct wl_resource *buffer)
{
	frame_copy(client, resource, buffer, true);
}

static void
frame_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct zwlr_screencopy_frame_v1_interface frame_impl = {
	.copy = frame_handle_copy,
	.destroy = frame_handle_destroy,
	.copy_with_damage = frame_handle_copy_with_damage,
};

static void
frame_resource_destroy(struct wl_resource *resource)
{
	struct sc_frame *frame = wl_resource_get_user_data(resource);
	if (!frame)
		return;
	frame_stop_waiting(frame);
	wl_list_remove(&frame->output_destroy.link);
	wl_list_remove(&frame->link);
	free(frame);
}

static void
manager_handle_rendered(struct wl_listener *listener, void *data)
{
	struct sc_manager_output *mo = wl_container_of(listener, mo, frame_rendered);
	pixman_region32_t *damage = data;
	pixman_region32_union(&mo->damage, &mo->damage, damage);
	/* It grows with every repaint until the client copies: one damage event per rectangle. */
	sw_region_bound(&mo->damage, SW_DAMAGE_RECTS);
}

static void
manager_output_destroy(struct sc_manager_output *mo)
{
	wl_list_remove(&mo->frame_rendered.link);
	wl_list_remove(&mo->output_destroy.link);
	wl_list_remove(&mo->link);
	pixman_region32_fini(&mo->damage);
	free(mo);
}

static void
manager_output_gone(struct wl_listener *listener, void *data)
{
	struct sc_manager_output *mo = wl_container_of(listener, mo, output_destroy);
	manager_output_destroy(mo);
}

/* The manager's damage record of `output`, made at its first capture of it. */
static struct sc_manager_output *
manager_output_get(struct sc_manager *manager, struct sw_output *output)
{
	struct sc_manager_output *mo;
	wl_list_for_each(mo, &manager->outputs, link) {
		if (mo->output == output)
			return mo;
	}
	mo = calloc(1, sizeof(*mo));
	if (!mo)
		return NULL;
	mo->manager = manager;
	mo->output = output;
	pixman_region32_init(&mo->damage);
	mo->frame_rendered.notify = manager_handle_rendered;
	wl_signal_add(&output->events.frame_rendered, &mo->frame_rendered);
	mo->output_destroy.notify = manager_output_gone;
	wl_signal_add(&output->events.destroy, &mo->output_destroy);
	wl_list_insert(&manager->outputs, &mo->link);
	return mo;
}

static void
manager_capture(struct wl_client *client, struct wl_resource *resource, uint32_t id,
		struct wl_resource *output_resource, int32_t x, int32_t y, int32_t w, int32_t h)
{
	struct sc_manager *manager = wl_resource_get_user_data(resource);
	struct sw_output *output = sw_output_from_resource(output_resource);
	struct wl_resource *frame_resource = wl_resource_create(
		client, &zwlr_screencopy_frame_v1_interface, wl_resource_get_version(resource), id);
	if (!frame_resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(frame_resource, &frame_impl, NULL, frame_resource_destroy);
	if (!output) {
		zwlr_screencopy_frame_v1_send_failed(frame_resource);
		return;
	}
	/* Clip the requested region to the output, in 64 bits: x + w is the client's sum. */
	int64_t x1 = x, y1 = y, x2 = (int64_t)x + w, y2 = (int64_t)y + h;
	if (x1 < 0) x1 = 0;
	if (y1 < 0) y1 = 0;
	if (x2 > output->width) x2 = output->width;
	if (y2 > output->height) y2 = output->height;
	if (w <= 0 || h <= 0 || x2 <= x1 || y2 <= y1) {
		zwlr_screencopy_frame_v1_send_failed(frame_resource);
		return;
	}

	if (!manager_output_get(manager, output)) {
		wl_client_post_no_memory(client);
		return;
	}
	struct sc_frame *frame = calloc(1, sizeof(*frame));
	if (!frame) {
		wl_client_post_no_memory(client);
		return;
	}
	frame->resource = frame_resource;
	frame->manager = manager;
	frame->output = output;
	frame->box = (pixman_box32_t){ (int32_t)x1, (int32_t)y1, (int32_t)x2, (int32_t)y2 };
	wl_list_init(&frame->buffer_destroy.link);
	wl_list_init(&frame->frame_rendered.link);
	frame->output_destroy.notify = frame_output_destroyed;
	wl_signal_add(&output->events.destroy, &frame->output_destroy);
	wl_list_insert(&manager->frames, &frame->link);
	wl_resource_set_user_data(frame_resource, frame);

	const struct sw_format *fmt = sw_format_from_drm(DRM_FORMAT_XRGB8888);
	uint32_t width = (uint32_t)(x2 - x1), height = (uint32_t)(y2 - y1);
	zwlr_screencopy_frame_v1_send_buffer(frame_resource, fmt->shm, width, height,
					     (uint32_t)sw_format_min_stride(fmt, 0, width));
	if (wl_resource_get_version(frame_resource) >= ZWLR_SCREENCOPY_FRAME_V1_BUFFER_DONE_SINCE_VERSION)
		zwlr_screencopy_frame_v1_send_buffer_done(frame_resource);
}

static void
manager_capture_output(struct wl_client *client, struct wl_resource *resource, uint32_t id,
		       int32_t overlay_cursor, struct wl_resource *output_resource)
{
	manager_capture(client, resource, id, output_resource, 0, 0, INT32_MAX / 2, INT32_MAX / 2);
}

static void
manager_capture_output_region(struct wl_client *client, struct wl_resource *resource,
			      uint32_t id, int32_t overlay_cursor,
			      struct wl_resource *output_resource, int32_t x, int32_t y,
			      int32_t width, int32_t height)
{
	manager_capture(client, resource, id, output_resource, x, y, width, height);
}

static void
manager_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct zwlr_screencopy_manager_v1_interface manager_impl = {
	.capture_output = manager_capture_output,
	.capture_output_region = manager_capture_output_region,
	.destroy = manager_handle_destroy,
};

static void
manager_resource_destroy(struct wl_resource *resource)
{
	struct sc_manager *manager = wl_resource_get_user_data(resource);
	struct sc_frame *frame, *tmp;
	/* Frames stay valid without their manager. */
	wl_list_for_each_safe(frame, tmp, &manager->frames, link) {
		frame->manager = NULL;
		wl_list_remove(&frame->link);
		wl_list_init(&frame->link);
	}
	struct sc_manager_output *mo, *mo_tmp;
	wl_list_for_each_safe(mo, mo_tmp, &manager->outputs, link)
		manager_output_destroy(mo);
	free(manager);
	sw_client_count_release(wl_resource_get_client(resource),
				&zwlr_screencopy_manager_v1_interface);
}

static void
manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	/* Every repaint calls each manager's listener: a client may not add them unboundedly. */
	if (!sw_client_count_take(client, &zwlr_screencopy_manager_v1_interface,
				  SW_BINDS_PER_CLIENT))
		return;
	struct sc_manager *manager = calloc(1, sizeof(*manager));
	if (!manager) {
		sw_client_count_release(client, &zwlr_screencopy_manager_v1_interface);
		wl_client_post_no_memory(client);
		return;
	}
	manager->resource = wl_resource_create(client, &zwlr_screencopy_manager_v1_interface,
					       (int)version, id);
	if (!manager->resource) {
		free(manager);
		sw_client_count_release(client, &zwlr_screencopy_manager_v1_interface);
		wl_client_post_no_memory(client);
		return;
	}
	wl_list_init(&manager->outputs);
	wl_list_init(&manager->frames);
	wl_resource_set_implementation(manager->resource, &manager_impl, manager,
				       manager_resource_destroy);
}

static void
screencopy_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_screencopy *sc = wl_container_of(listener, sc, display_destroy);
	wl_list_remove(&sc->display_destroy.link);
	wl_global_destroy(sc->global);
	free(sc);
}

bool
sw_screencopy_create(struct sw_server *server)
{
	struct sw_screencopy *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return false;
	sc->server = server;
	sc->global = wl_global_create(server->display, &zwlr_screencopy_manager_v1_interface,
				      SCREENCOPY_VERSION, sc, manager_bind);
	if (!sc->global) {
		free(sc);
		return false;
	}
	sc->display_destroy.notify = screencopy_display_destroyed;
	wl_display_add_destroy_listener(server->display, &sc->display_destroy);
	server->screencopy = sc;
	return true;
}
