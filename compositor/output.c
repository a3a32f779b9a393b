#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "backend.h"
#include "buffer.h"
#include "log.h"
#include "output.h"
#include "presentation-time-server-protocol.h"
#include "presentation.h"
#include "render.h"
#include "scene.h"
#include "server.h"
#include "surface.h"
#include "xdg-output-unstable-v1-server-protocol.h"
#include "view.h"

#define OUTPUT_VERSION 4
#define XDG_OUTPUT_MANAGER_VERSION 3

static void
output_send_state(struct sw_output *output, struct wl_resource *resource)
{
	int version = wl_resource_get_version(resource);
	wl_output_send_geometry(resource, output->x, output->y, output->phys_width_mm,
				output->phys_height_mm, WL_OUTPUT_SUBPIXEL_UNKNOWN, output->make,
				output->model, WL_OUTPUT_TRANSFORM_NORMAL);
	wl_output_send_mode(resource, WL_OUTPUT_MODE_CURRENT | WL_OUTPUT_MODE_PREFERRED,
			    output->width, output->height, output->refresh_mhz);
	if (version >= WL_OUTPUT_SCALE_SINCE_VERSION)
		wl_output_send_scale(resource, 1);
	if (version >= WL_OUTPUT_NAME_SINCE_VERSION)
		wl_output_send_name(resource, output->name);
	if (version >= WL_OUTPUT_DESCRIPTION_SINCE_VERSION)
		wl_output_send_description(resource, output->description);
	if (version >= WL_OUTPUT_DONE_SINCE_VERSION)
		wl_output_send_done(resource);
}

static void
output_handle_release(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wl_output_interface output_impl = {
	.release = output_handle_release,
};

static void
unlink_resource(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
}

/*
 * Every wl_output resource of one client, found through its destroy
 * listener, grouped by output: what is done for one client (sync_output of
 * each presented frame) walks at most its binds of SW_MAX_OUTPUTS outputs,
 * never another client's.
 */
struct output_client {
	struct wl_listener client_destroy;
	struct wl_list binds;           /* output_binds.client_link */
	int count;                      /* its wl_output resources, inert ones too */
};

/* One client's wl_output resources of one output. */
struct output_binds {
	struct output_client *oc;
	struct sw_output *output;
	struct wl_list client_link;     /* output_client.binds */
	struct wl_list output_link;     /* sw_output.clients */
	struct wl_list resources;       /* wl_output resources */
};

static void
output_binds_destroy(struct output_binds *binds)
{
	struct wl_resource *resource, *tmp;
	/* The resources may outlive it (inert when their output is gone). */
	wl_resource_for_each_safe(resource, tmp, &binds->resources) {
		wl_list_remove(wl_resource_get_link(resource));
		wl_list_init(wl_resource_get_link(resource));
	}
	wl_list_remove(&binds->client_link);
	wl_list_remove(&binds->output_link);
	free(binds);
}

static void
output_client_destroyed(struct wl_listener *listener, void *data)
{
	struct output_client *oc = wl_container_of(listener, oc, client_destroy);
	/* A client going away loses its listeners before its resources. */
	struct output_binds *binds, *tmp;
	wl_list_for_each_safe(binds, tmp, &oc->binds, client_link)
		output_binds_destroy(binds);
	wl_list_remove(&oc->client_destroy.link);
	free(oc);
}

static struct output_client *
output_client_get(struct wl_client *client)
{
	struct wl_listener *l = wl_client_get_destroy_listener(client, output_client_destroyed);
	if (!l)
		return NULL;
	struct output_client *oc = wl_container_of(l, oc, client_destroy);
	return oc;
}

static struct output_binds *
output_binds_get(struct output_client *oc, struct sw_output *output)
{
	struct output_binds *binds;
	wl_list_for_each(binds, &oc->binds, client_link) {
		if (binds->output == output)
			return binds;
	}
	return NULL;
}

static void
output_resource_destroy(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
	struct output_client *oc = output_client_get(wl_resource_get_client(resource));
	if (oc)
		oc->count--;
}

static void
output_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct sw_output *output = data;
	if (!output) {
		/* Bound in the moment between the global's removal and its destruction. */
		struct wl_resource *inert = wl_resource_create(client, &wl_output_interface,
							       (int)version, id);
		if (!inert) {
			wl_client_post_no_memory(client);
			return;
		}
		wl_resource_set_implementation(inert, &output_impl, NULL, unlink_resource);
		return;
	}
	struct output_client *oc = output_client_get(client);
	if (oc && oc->count >= SW_OUTPUT_BINDS_PER_CLIENT) {
		pid_t pid;
		wl_client_get_credentials(client, &pid, NULL, NULL);
		sw_warn("client (pid %d) asks for a wl_output a %dth time: refused with no_memory, "
			"at most %d per client", (int)pid, oc->count + 1, SW_OUTPUT_BINDS_PER_CLIENT);
		wl_client_post_no_memory(client);
		return;
	}
	if (!oc) {
		oc = calloc(1, sizeof(*oc));
		if (!oc) {
			wl_client_post_no_memory(client);
			return;
		}
		wl_list_init(&oc->binds);
		oc->client_destroy.notify = output_client_destroyed;
		wl_client_add_destroy_listener(client, &oc->client_destroy);
	}
	struct output_binds *binds = output_binds_get(oc, output);
	if (!binds) {
		binds = calloc(1, sizeof(*binds));
		if (!binds) {
			wl_client_post_no_memory(client);
			return;
		}
		binds->oc = oc;
		binds->output = output;
		wl_list_init(&binds->resources);
		wl_list_insert(&oc->binds, &binds->client_link);
		wl_list_insert(&output->clients, &binds->output_link);
	}
	struct wl_resource *resource = wl_resource_create(client, &wl_output_interface,
							  (int)version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &output_impl, output, output_resource_destroy);
	wl_list_insert(&binds->resources, wl_resource_get_link(resource));
	oc->count++;
	output_send_state(output, resource);
}

struct sw_output *
sw_output_from_resource(struct wl_resource *resource)
{
	if (!resource || !wl_resource_instance_of(resource, &wl_output_interface, &output_impl))
		return NULL;
	return wl_resource_get_user_data(resource);
}

struct wl_list *
sw_output_client_resources(struct sw_output *output, struct wl_client *client)
{
	struct output_client *oc = output_client_get(client);
	struct output_binds *binds = oc ? output_binds_get(oc, output) : NULL;
	return binds ? &binds->resources : NULL;
}

struct wl_resource *
sw_output_resource_for_client(struct sw_output *output, struct wl_client *client)
{
	struct wl_list *resources = sw_output_client_resources(output, client);
	if (!resources || wl_list_empty(resources))
		return NULL;
	return wl_resource_from_link(resources->next);
}

/* zxdg_output_v1: the logical geometry (no scaling, no transforms: the mode itself). */
static void
xdg_output_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct zxdg_output_v1_interface xdg_output_impl = {
	.destroy = xdg_output_handle_destroy,
};

static void
xdg_manager_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

/* Its first state; `output_resource` ends it when the xdg_output is v3 or later. */
static void
xdg_output_send_state(struct sw_output *output, struct wl_resource *resource,
		      struct wl_resource *output_resource)
{
	int version = wl_resource_get_version(resource);
	zxdg_output_v1_send_logical_position(resource, output->x, output->y);
	zxdg_output_v1_send_logical_size(resource, output->width, output->height);
	if (version >= ZXDG_OUTPUT_V1_NAME_SINCE_VERSION)
		zxdg_output_v1_send_name(resource, output->name);
	if (version >= ZXDG_OUTPUT_V1_DESCRIPTION_SINCE_VERSION)
		zxdg_output_v1_send_description(resource, output->description);
	/* Since v3, wl_output.done ends an xdg_output update; before, xdg_output.done does. */
	if (version < 3)
		zxdg_output_v1_send_done(resource);
	else if (output_resource &&
		 wl_resource_get_version(output_resource) >= WL_OUTPUT_DONE_SINCE_VERSION)
		wl_output_send_done(output_resource);
}

static void
xdg_manager_get_xdg_output(struct wl_client *client, struct wl_resource *manager, uint32_t id,
			   struct wl_resource *output_resource)
{
	struct sw_output *output = sw_output_from_resource(output_resource);
	struct wl_resource *resource = wl_resource_create(client, &zxdg_output_v1_interface,
							  wl_resource_get_version(manager), id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	if (!output) {
		/* The wl_output is inert: answer with an inert xdg_output. */
		wl_resource_set_implementation(resource, &xdg_output_impl, NULL, NULL);
		return;
	}
	wl_resource_set_implementation(resource, &xdg_output_impl, output, unlink_resource);
	wl_list_insert(&output->xdg_resources, wl_resource_get_link(resource));
	xdg_output_send_state(output, resource, output_resource);
}

static const struct zxdg_output_manager_v1_interface xdg_manager_impl = {
	.destroy = xdg_manager_handle_destroy,
	.get_xdg_output = xdg_manager_get_xdg_output,
};

static void
xdg_manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *resource = wl_resource_create(client, &zxdg_output_manager_v1_interface,
							  (int)version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &xdg_manager_impl, data, NULL);
}

bool
sw_xdg_output_manager_create(struct sw_server *server)
{
	return wl_global_create(server->display, &zxdg_output_manager_v1_interface,
				XDG_OUTPUT_MANAGER_VERSION, server, xdg_manager_bind) != NULL;
}

/* ---- the layout ---- */

struct sw_output *
sw_output_first(struct sw_server *server)
{
	struct sw_output *output;
	if (wl_list_empty(&server->outputs))
		return NULL;
	return wl_container_of(server->outputs.next, output, link);
}

struct sw_output *
sw_output_at(struct sw_server *server, double x, double y)
{
	struct sw_output *output;
	wl_list_for_each(output, &server->outputs, link) {
		if (x >= output->x && x < (double)output->x + output->width &&
		    y >= output->y && y < (double)output->y + output->height)
			return output;
	}
	return NULL;
}

struct sw_output *
sw_output_for_box(struct sw_server *server, int32_t x, int32_t y, int32_t w, int32_t h)
{
	struct sw_output *output, *best = NULL;
	int64_t best_area = 0;
	wl_list_for_each(output, &server->outputs, link) {
		/* 64 bits: the box is a client's position plus a client's size. */
		int64_t x1 = x > output->x ? x : output->x;
		int64_t y1 = y > output->y ? y : output->y;
		int64_t x2 = (int64_t)x + w, y2 = (int64_t)y + h;
		if (x2 > (int64_t)output->x + output->width)
			x2 = (int64_t)output->x + output->width;
		if (y2 > (int64_t)output->y + output->height)
			y2 = (int64_t)output->y + output->height;
		int64_t area = x2 > x1 && y2 > y1 ? (x2 - x1) * (y2 - y1) : 0;
		if (area > best_area) {
			best_area = area;
			best = output;
		}
	}
	return best ? best : sw_output_first(server);
}

struct sw_output *
sw_view_output(struct sw_view *view)
{
	struct sw_surface *surface = view->surface;
	return sw_output_for_box(view->server, view->x, view->y, surface->width,
				 surface->height);
}

void
sw_view_schedule_frame(struct sw_view *view)
{
	struct sw_output *output = sw_view_output(view);
	if (output)
		sw_output_schedule_frame(output);
}

bool
sw_outputs_clamp_point(struct sw_server *server, double *x, double *y)
{
	struct sw_output *output;
	double best_d = -1, bx = *x, by = *y;
	wl_list_for_each(output, &server->outputs, link) {
		/* The last pixel is width - 1: stay a fraction inside it. */
		double cx = fmax(output->x, fmin(*x, output->x + output->width - 1.0 / 256));
		double cy = fmax(output->y, fmin(*y, output->y + output->height - 1.0 / 256));
		double d = (cx - *x) * (cx - *x) + (cy - *y) * (cy - *y);
		if (best_d < 0 || d < best_d) {
			best_d = d;
			bx = cx;
			by = cy;
		}
	}
	*x = bx;
	*y = by;
	return best_d >= 0;
}

void
sw_outputs_damage_region(struct sw_server *server, const pixman_region32_t *region)
{
	struct sw_output *output;
	pixman_region32_t local;
	pixman_region32_init(&local);
	wl_list_for_each(output, &server->outputs, link) {
		pixman_region32_intersect_rect(&local, (pixman_region32_t *)region, output->x,
					       output->y, (unsigned)output->width,
					       (unsigned)output->height);
		if (!pixman_region32_not_empty(&local))
			continue;
		pixman_region32_translate(&local, -output->x, -output->y);
		sw_output_damage_region(output, &local);
	}
	pixman_region32_fini(&local);
}

void
sw_outputs_damage_box(struct sw_server *server, int32_t x, int32_t y, int32_t w, int32_t h)
{
	if (w <= 0 || h <= 0)
		return;
	struct sw_output *output;
	wl_list_for_each(output, &server->outputs, link) {
		/* In 64 bits, then in the output's coordinates, where everything fits. */
		int64_t x1 = x > output->x ? x : output->x;
		int64_t y1 = y > output->y ? y : output->y;
		int64_t x2 = (int64_t)x + w, y2 = (int64_t)y + h;
		if (x2 > (int64_t)output->x + output->width)
			x2 = (int64_t)output->x + output->width;
		if (y2 > (int64_t)output->y + output->height)
			y2 = (int64_t)output->y + output->height;
		if (x2 <= x1 || y2 <= y1)
			continue;
		sw_output_damage_box(output, (int32_t)(x1 - output->x), (int32_t)(y1 - output->y),
				     (int32_t)(x2 - x1), (int32_t)(y2 - y1));
	}
}

/* Where `output` goes when the outputs are laid out again without `gone`. */
static int32_t
relayout_x(struct sw_server *server, struct sw_output *output, struct sw_output *gone)
{
	int32_t x = 0;
	struct sw_output *o;
	wl_list_for_each(o, &server->outputs, link) {
		if (o == output)
			break;
		if (o != gone)
			x += o->width;
	}
	return x;
}

/*
 * Tell the clients of an output that moved where it is now: the
 * xdg-outputs' position, the wl_outputs' geometry, then one done each
 * (wl_output.done ends a v3 xdg_output's update too). Name and description
 * go once per object, so they are not sent again.
 */
static void
output_send_position(struct sw_output *output)
{
	struct wl_resource *resource;
	wl_resource_for_each(resource, &output->xdg_resources) {
		zxdg_output_v1_send_logical_position(resource, output->x, output->y);
		if (wl_resource_get_version(resource) < 3)
			zxdg_output_v1_send_done(resource);
	}
	struct output_binds *binds;
	wl_list_for_each(binds, &output->clients, output_link) {
		wl_resource_for_each(resource, &binds->resources) {
			wl_output_send_geometry(resource, output->x, output->y,
						output->phys_width_mm, output->phys_height_mm,
						WL_OUTPUT_SUBPIXEL_UNKNOWN, output->make, output->model,
						WL_OUTPUT_TRANSFORM_NORMAL);
			if (wl_resource_get_version(resource) >= WL_OUTPUT_DONE_SINCE_VERSION)
				wl_output_send_done(resource);
		}
	}
}

/*
 * Lay the outputs out left to right again without `gone`, which is about to
 * be removed. The views on an output that moves move along, so a window
 * stays where it was on its output; those on `gone` move to the first
 * remaining output. Only on hotplug: O(views x outputs) is fine.
 */
static void
relayout(struct sw_server *server, struct sw_output *gone)
{
	struct sw_output *first = NULL, *o;
	wl_list_for_each(o, &server->outputs, link) {
		if (o != gone) {
			first = o;
			break;
		}
	}
	struct sw_view *view;
	wl_list_for_each(view, &server->views, link) {
		if (!view->mapped)
			continue;
		struct sw_output *old = sw_view_output(view);
		struct sw_output *target = old == gone ? first : old;
		if (!old || !target)
			continue;
		int32_t dx = relayout_x(server, target, gone) - old->x;
		int32_t dy = target->y - old->y;
		if (!dx && !dy)
			continue;
		sw_debug("view %p moves by %d,%d with output %s%s", (void *)view, dx, dy,
			 target->name, old == gone ? " (its output is gone)" : "");
		view->x = sw_clamp_coord((int64_t)view->x + dx);
		view->y = sw_clamp_coord((int64_t)view->y + dy);
	}
	wl_list_for_each(o, &server->outputs, link) {
		if (o == gone)
			continue;
		int32_t x = relayout_x(server, o, gone);
		if (x != o->x) {
			sw_info("output %s moves from %d,%d to %d,%d", o->name, o->x, o->y, x, o->y);
			o->x = x;
			output_send_position(o);
		}
		/* Windows came or moved: simplest to draw every output again. */
		sw_output_damage_whole(o);
	}
}

/*
 * A removed output's global, destroyed a while later: a client may have sent
 * a bind before it saw the removal, and binding a destroyed global would be
 * a protocol error for it.
 */
struct removed_global {
	struct wl_global *global;
	struct wl_event_source *timer;
	struct wl_listener display_destroy;
};

#define REMOVED_GLOBAL_MS 5000

static void
removed_global_free(struct removed_global *rg)
{
	wl_list_remove(&rg->display_destroy.link);
	wl_event_source_remove(rg->timer);
	free(rg);
}

static int
removed_global_expired(void *data)
{
	struct removed_global *rg = data;
	wl_global_destroy(rg->global);
	removed_global_free(rg);
	return 0;
}

static void
removed_global_display_destroyed(struct wl_listener *listener, void *data)
{
	/* The display destroys the global itself. */
	struct removed_global *rg = wl_container_of(listener, rg, display_destroy);
	removed_global_free(rg);
}

static void
remove_global(struct sw_server *server, struct wl_global *global)
{
	wl_global_set_user_data(global, NULL);
	struct removed_global *rg = calloc(1, sizeof(*rg));
	if (rg) {
		rg->global = global;
		rg->timer = wl_event_loop_add_timer(server->loop, removed_global_expired, rg);
	}
	if (!rg || !rg->timer ||
	    wl_event_source_timer_update(rg->timer, REMOVED_GLOBAL_MS) < 0) {
		/* Without the delay a late bind fails; the output is gone either way. */
		if (rg && rg->timer)
			wl_event_source_remove(rg->timer);
		free(rg);
		wl_global_destroy(global);
		return;
	}
	wl_global_remove(global);
	rg->display_destroy.notify = removed_global_display_destroyed;
	wl_display_add_destroy_listener(server->display, &rg->display_destroy);
}

/* Let go of the buffers a plane set held (their release may follow). */
static void
planes_unlock(struct wl_array *planes)
{
	/* By index: wl_array_for_each adds to a NULL pointer when it is empty. */
	struct sw_buffer **buffers = planes->data;
	size_t n = planes->size / sizeof(*buffers);
	planes->size = 0;
	for (size_t i = 0; i < n; i++)
		sw_buffer_unlock(buffers[i]);
}

struct sw_output *
sw_output_create(struct sw_server *server, struct sw_backend *backend, const char *name,
		 const char *description, int32_t width, int32_t height, int32_t refresh_mhz)
{
	struct sw_output *output = calloc(1, sizeof(*output));
	if (!output)
		return NULL;
	output->server = server;
	output->backend = backend;
	snprintf(output->name, sizeof(output->name), "%s", name);
	snprintf(output->description, sizeof(output->description), "%s", description);
	snprintf(output->make, sizeof(output->make), "sealway");
	snprintf(output->model, sizeof(output->model), "%s", backend->impl->name);
	output->width = width;
	output->height = height;
	output->refresh_mhz = refresh_mhz;
	output->enabled = true;
	/* Right of the last one. */
	struct sw_output *last;
	wl_list_for_each(last, &server->outputs, link)
		output->x = last->x + last->width;
	wl_list_init(&output->clients);
	wl_list_init(&output->xdg_resources);
	wl_list_init(&output->presented_feedbacks);
	wl_list_init(&output->frame_waiters);
	sw_scene_list_init(&output->scene_items);
	wl_array_init(&output->render_reads);
	wl_array_init(&output->planes_pending);
	wl_array_init(&output->planes_shown);
	wl_array_init(&output->planes_surfaces);
	pixman_region32_init(&output->claimed);
	wl_signal_init(&output->events.frame_rendered);
	wl_signal_init(&output->events.present);
	wl_signal_init(&output->events.destroy);
	pixman_region32_init_rect(&output->damage, 0, 0, (unsigned)width, (unsigned)height);

	output->shadow = pixman_image_create_bits(PIXMAN_x8r8g8b8, width, height, NULL, 0);
	if (!output->shadow) {
		sw_err("cannot allocate a %dx%d shadow image", width, height);
		goto err_output;
	}
	output->global = wl_global_create(server->display, &wl_output_interface, OUTPUT_VERSION,
					  output, output_bind);
	if (!output->global)
		goto err_shadow;
	wl_list_insert(server->outputs.prev, &output->link);
	sw_info("output %s at %d,%d: %dx%d", output->name, output->x, output->y, width, height);
	return output;

err_shadow:
	pixman_image_unref(output->shadow);
err_output:
	pixman_region32_fini(&output->claimed);
	pixman_region32_fini(&output->damage);
	free(output);
	return NULL;
}

void
sw_output_destroy(struct sw_output *output)
{
	if (!output)
		return;
	struct sw_server *server = output->server;
	/* What its listeners do (windows moving away) must not ask it for frames. */
	output->enabled = false;
	output->frame_scheduled = false;
	wl_signal_emit_mutable(&output->events.destroy, output);
	sw_presentation_discard_list(&output->presented_feedbacks);
	relayout(server, output);
	wl_list_remove(&output->link);
	/* Their windows moved to the outputs that remain: those answer. */
	struct sw_surface *waiter, *waiter_tmp;
	wl_list_for_each_safe(waiter, waiter_tmp, &output->frame_waiters, frame_link) {
		wl_list_remove(&waiter->frame_link);
		wl_list_init(&waiter->frame_link);
		struct sw_output *now_on = sw_surface_frame_output(waiter);
		if (now_on && now_on != output) {
			wl_list_insert(now_on->frame_waiters.prev, &waiter->frame_link);
			sw_output_schedule_frame(now_on);
		}
	}
	sw_info("output %s removed", output->name);
	struct output_binds *binds, *binds_tmp;
	wl_list_for_each_safe(binds, binds_tmp, &output->clients, output_link) {
		struct wl_resource *resource;
		wl_resource_for_each(resource, &binds->resources)
			wl_resource_set_user_data(resource, NULL);
		output_binds_destroy(binds);
	}
	struct wl_resource *resource, *tmp;
	wl_resource_for_each_safe(resource, tmp, &output->xdg_resources) {
		wl_list_remove(wl_resource_get_link(resource));
		wl_list_init(wl_resource_get_link(resource));
		wl_resource_set_user_data(resource, NULL);
	}
	remove_global(server, output->global);
	pixman_image_unref(output->shadow);
	pixman_region32_fini(&output->damage);
	sw_scene_list_fini(&output->scene_items);
	wl_array_release(&output->render_reads);
	planes_unlock(&output->planes_pending);
	planes_unlock(&output->planes_shown);
	wl_array_release(&output->planes_pending);
	wl_array_release(&output->planes_shown);
	wl_array_release(&output->planes_surfaces);
	pixman_region32_fini(&output->claimed);
	free(output);
}

void
sw_output_schedule_frame(struct sw_output *output)
{
	if (output->frame_scheduled || !output->enabled)
		return;
	output->frame_scheduled = true;
	output->backend->impl->schedule_frame(output->backend, output);
}

void
sw_output_damage_region(struct sw_output *output, const pixman_region32_t *region)
{
	pixman_region32_union(&output->damage, &output->damage, (pixman_region32_t *)region);
	pixman_region32_intersect_rect(&output->damage, &output->damage, 0, 0,
				       (unsigned)output->width, (unsigned)output->height);
	/* Every commit of every client adds to it until the next repaint. */
	sw_region_bound(&output->damage, SW_DAMAGE_RECTS);
	if (pixman_region32_not_empty(&output->damage))
		sw_output_schedule_frame(output);
}

void
sw_output_damage_box(struct sw_output *output, int32_t x, int32_t y, int32_t w, int32_t h)
{
	if (w <= 0 || h <= 0)
		return;
	pixman_region32_t r;
	pixman_region32_init_rect(&r, x, y, (unsigned)w, (unsigned)h);
	sw_output_damage_region(output, &r);
	pixman_region32_fini(&r);
}

void
sw_output_damage_whole(struct sw_output *output)
{
	sw_output_damage_box(output, 0, 0, output->width, output->height);
}

/*
 * Begin reading what of the scene this repaint draws: items with a damaged
 * visible part. The others stay unread (no SYNC, no NV12 conversion).
 */
static void
begin_reads(struct sw_output *output, size_t count)
{
	struct sw_scene_item *items = sw_scene_list_items(&output->scene_items);
	output->render_reads.size = 0;
	for (size_t i = 0; i < count; i++) {
		struct sw_scene_item *item = &items[i];
		if (!item->buffer || item->render.claimed)
			continue;
		pixman_box32_t *ext = pixman_region32_extents(&item->render.visible);
		if (pixman_region32_contains_rectangle(&output->damage, ext) == PIXMAN_REGION_OUT)
			continue;
		struct sw_buffer **read = wl_array_add(&output->render_reads, sizeof(*read));
		if (!read) {
			sw_err("out of memory while repainting");
			continue;
		}
		item->render.image = item->buffer->impl->begin_access(item->buffer,
								      &item->surface->buffer_damage);
		pixman_region32_clear(&item->surface->buffer_damage);
		if (!item->render.image) {
			output->render_reads.size -= sizeof(*read);
			continue;
		}
		*read = item->buffer;
	}
}

static void
end_reads(struct sw_output *output)
{
	/* By index: wl_array_for_each adds to a NULL pointer when nothing was read. */
	struct sw_buffer **reads = output->render_reads.data;
	size_t n_reads = output->render_reads.size / sizeof(*reads);
	for (size_t i = 0; i < n_reads; i++)
		reads[i]->impl->end_access(reads[i]);
	output->render_reads.size = 0;
}

bool
sw_output_item_is_frame(struct sw_output *output, const struct sw_scene_item *item)
{
	const struct sw_buffer *b = item->buffer;
	return b && !item->cursor && !item->has_alpha && b->format->pixman &&
	       b->format->planes == 1 && item->render.transform == SW_RENDER_TRANSFORM_NORMAL &&
	       item->render.x == 0 && item->render.y == 0 &&
	       item->render.width == output->width && item->render.height == output->height &&
	       b->width == output->width && b->height == output->height;
}

struct sw_buffer *
sw_output_frame_buffer(struct sw_output *output)
{
	/* The last frame made, whether or not it reached the screen yet. */
	return output->planes_rebuilt ? output->frame_pending : output->frame_shown;
}

pixman_image_t *
sw_output_begin_read(struct sw_output *output)
{
	struct sw_buffer *frame = sw_output_frame_buffer(output);
	return frame ? frame->impl->begin_access(frame, NULL) : output->shadow;
}

void
sw_output_end_read(struct sw_output *output)
{
	struct sw_buffer *frame = sw_output_frame_buffer(output);
	/* A fault has already been posted to the buffer's client; the copy is garbage then. */
	if (frame)
		frame->impl->end_access(frame);
}

/*
 * Ask the backend which items it shows itself, and lock their buffers for
 * the frame on its way. What it claimed is not written into the shadow:
 * where a claim ends, the shadow must be repainted.
 */
static void
assign_planes(struct sw_output *output, size_t count)
{
	struct sw_scene_item *items = sw_scene_list_items(&output->scene_items);
	planes_unlock(&output->planes_pending);
	output->planes_surfaces.size = 0;
	output->frame_pending = NULL;
	output->planes_rebuilt = true;
	pixman_region32_union(&output->damage, &output->damage, &output->claimed);
	pixman_region32_clear(&output->claimed);
	output->shadow_partial = false;
	if (output->server->opts.scanout && output->backend->impl->assign_planes)
		output->backend->impl->assign_planes(output->backend, output, &output->scene_items);
	for (size_t i = 0; i < count; i++) {
		struct sw_scene_item *item = &items[i];
		if (!item->render.claimed)
			continue;
		struct sw_buffer **locked = wl_array_add(&output->planes_pending, sizeof(*locked));
		struct sw_surface **surface = item->surface ?
			wl_array_add(&output->planes_surfaces, sizeof(*surface)) : NULL;
		if (!locked || (item->surface && !surface) || !item->buffer) {
			/* Composited after all. */
			if (locked)
				output->planes_pending.size -= sizeof(*locked);
			if (surface)
				output->planes_surfaces.size -= sizeof(*surface);
			item->render.claimed = false;
			continue;
		}
		*locked = sw_buffer_lock(item->buffer);
		if (surface)
			*surface = item->surface;
		pixman_region32_union(&output->claimed, &output->claimed, &item->render.visible);
		if (sw_output_item_is_frame(output, item))
			output->frame_pending = item->buffer;
		else
			output->shadow_partial = true;
		sw_debug("output %s: %s buffer %p (%dx%d %s) on a plane, not composited",
			 output->name, item->cursor ? "cursor" : "surface", (void *)item->buffer,
			 item->buffer->width, item->buffer->height, item->buffer->format->name);
	}
}

static bool
surface_claimed(struct sw_output *output, struct sw_surface *surface)
{
	struct sw_surface **surfaces = output->planes_surfaces.data;
	size_t n = output->planes_surfaces.size / sizeof(*surfaces);
	for (size_t i = 0; i < n; i++) {
		if (surfaces[i] == surface)
			return true;
	}
	return false;
}

struct frame_done {
	struct sw_output *output;
	uint32_t msec;
};

/* Frame callbacks and feedback of a surface whose output this is. */
static void
surface_frame_done(struct sw_surface *surface, struct frame_done *done)
{
	sw_surface_send_frame_done(surface, done->msec);
	if (surface_claimed(done->output, surface)) {
		struct sw_presentation_feedback *feedback;
		wl_list_for_each(feedback, &surface->feedbacks, link)
			feedback->flags |= WP_PRESENTATION_FEEDBACK_KIND_ZERO_COPY;
	}
	wl_list_insert_list(done->output->presented_feedbacks.prev, &surface->feedbacks);
	wl_list_init(&surface->feedbacks);
}

void
sw_output_frame(struct sw_output *output)
{
	struct sw_server *server = output->server;
	output->frame_scheduled = false;
	if (!output->enabled) {
		sw_surfaces_release_retired(server);
		return;
	}

	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	uint32_t msec = (uint32_t)((uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000);

	bool damaged = pixman_region32_not_empty(&output->damage);
	output->stats = (struct sw_render_stats){ 0 };
	output->copied_bytes = 0;
	if (damaged) {
		/* The output's place in the layout. */
		pixman_box32_t rect = { output->x, output->y, output->x + output->width,
					output->y + output->height };
		size_t count = sw_scene_build(server->scene, &output->scene_items, &rect);
		struct sw_scene_item *items = sw_scene_list_items(&output->scene_items);
		assign_planes(output, count);
		begin_reads(output, count);
		sw_render(output->shadow, &output->damage, server->background,
			  count ? &items->render : NULL, count, sizeof(*items), &output->stats);
		end_reads(output);
		/* The cursor surface was drawn: its frame callbacks are due. */
		struct sw_surface *cursor = sw_scene_cursor_surface(server->scene);
		if (cursor)
			sw_surface_send_frame_done(cursor, msec);
	}
	output->frames++;
	/* Replaced buffers: the frame holds what they showed, or planes lock them. */
	sw_surfaces_release_retired(server);

	/* The surfaces' committed state has now been used: tell their clients. */
	struct frame_done done = { .output = output, .msec = msec };
	struct sw_surface *surface, *tmp;
	wl_list_for_each_safe(surface, tmp, &output->frame_waiters, frame_link) {
		wl_list_remove(&surface->frame_link);
		wl_list_init(&surface->frame_link);
		struct sw_output *now_on = sw_surface_frame_output(surface);
		if (now_on == output) {
			surface_frame_done(surface, &done);
		} else if (now_on) {
			/* Its window moved: the other output's frame answers. */
			wl_list_insert(now_on->frame_waiters.prev, &surface->frame_link);
			sw_output_schedule_frame(now_on);
		}
	}

	if (damaged)
		wl_signal_emit_mutable(&output->events.frame_rendered, &output->damage);

	output->planes_surfaces.size = 0;
	if (damaged || !wl_list_empty(&output->presented_feedbacks)) {
		if (output->backend->impl->commit(output->backend, output, output->shadow,
						  &output->damage)) {
			output->commit_pending = true;
		} else {
			sw_presentation_discard_list(&output->presented_feedbacks);
			planes_unlock(&output->planes_pending);
			output->frame_pending = NULL;
			output->planes_rebuilt = false;
		}
	}
	pixman_region32_clear(&output->damage);
	/* After the commit, which may have copied. Tests and the benchmark read this line. */
	sw_debug("output %s frame %" PRIu64 ": composited %" PRIu64 " px (SRC %" PRIu64
		 ", OVER %" PRIu64 "), background %" PRIu64 " px, %" PRIu64 " bytes, "
		 "copied %" PRIu64 " bytes, on planes %zu",
		 output->name, output->frames,
		 output->stats.src_pixels + output->stats.over_pixels, output->stats.src_pixels,
		 output->stats.over_pixels, output->stats.background_pixels, output->stats.bytes,
		 output->copied_bytes,
		 output->planes_rebuilt ?
			 output->planes_pending.size / sizeof(struct sw_buffer *) : 0);
}

void
sw_output_presented(struct sw_output *output, const struct sw_present_info *info)
{
	output->commit_pending = false;
	if (output->planes_rebuilt) {
		/* What the frame before showed on planes is off screen now. */
		struct wl_array shown = output->planes_shown;
		output->planes_shown = output->planes_pending;
		output->planes_pending = shown;
		planes_unlock(&output->planes_pending);
		output->frame_shown = output->frame_pending;
		output->frame_pending = NULL;
		output->planes_rebuilt = false;
	}
	sw_presentation_present_list(&output->presented_feedbacks, output, info);
	wl_signal_emit_mutable(&output->events.present, (void *)info);
}

void
sw_output_set_enabled(struct sw_output *output, bool enabled)
{
	if (output->enabled == enabled)
		return;
	output->enabled = enabled;
	output->frame_scheduled = false;
	output->commit_pending = false;
	if (!enabled) {
		sw_presentation_discard_list(&output->presented_feedbacks);
		sw_surfaces_release_retired(output->server);
		sw_info("output %s disabled: rendering paused", output->name);
		return;
	}
	sw_info("output %s enabled: full repaint", output->name);
	sw_output_damage_whole(output);
}
