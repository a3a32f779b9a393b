/* zwlr_virtual_pointer_v1: a pointer device of the seat driven by a client. */
#include <stdlib.h>

#include <linux/input-event-codes.h>
#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "client_count.h"
#include "log.h"
#include "output.h"
#include "resource.h"
#include "seat.h"
#include "server.h"
#include "trust.h"
#include "virtual_pointer.h"
#include "wlr-virtual-pointer-unstable-v1-server-protocol.h"
#include "wm.h"

#define VIRTUAL_POINTER_MANAGER_VERSION 2
/* Buttons are evdev codes (BTN_LEFT...), as from a physical pointer. */
#define BUTTON_SLOTS (KEY_MAX + 1)

struct sw_virtual_pointers {
	struct sw_server *server;
	struct wl_global *global;
	struct wl_list pointers;    /* virtual_pointer.link */
	struct wl_listener display_destroy;
};

struct virtual_pointer {
	struct wl_resource *resource;
	struct sw_virtual_pointers *manager;   /* NULL: inert */
	struct wl_list link;
	uint8_t down[BUTTON_SLOTS / 8];        /* buttons it holds, released when it goes */
};

static struct sw_server *
server_of(struct wl_resource *resource)
{
	struct virtual_pointer *ptr = wl_resource_get_user_data(resource);
	struct sw_server *server = ptr->manager ? ptr->manager->server : NULL;
	return server && server->seat && server->wm ? server : NULL;
}

static void
pointer_motion(struct wl_client *client, struct wl_resource *resource, uint32_t time,
	       wl_fixed_t dx, wl_fixed_t dy)
{
	struct sw_server *server = server_of(resource);
	if (server)
		sw_wm_pointer_motion(server->wm, time, wl_fixed_to_double(dx),
				     wl_fixed_to_double(dy));
}

static void
pointer_motion_absolute(struct wl_client *client, struct wl_resource *resource, uint32_t time,
			uint32_t x, uint32_t y, uint32_t x_extent, uint32_t y_extent)
{
	struct sw_server *server = server_of(resource);
	struct sw_output *output = server ? sw_output_first(server) : NULL;
	if (!output)
		return;
	if (x_extent == 0 || y_extent == 0) {
		sw_warn("zwlr_virtual_pointer_v1@%u: motion_absolute to %u,%u in an extent of "
			"%ux%u ignored: an extent must not be 0", wl_resource_get_id(resource), x,
			y, x_extent, y_extent);
		return;
	}
	/* The extent spans the first output, as absolute devices do. */
	sw_wm_pointer_warp(server->wm, time,
			   output->x + (double)x * output->width / x_extent,
			   output->y + (double)y * output->height / y_extent);
}

static void
pointer_button(struct wl_client *client, struct wl_resource *resource, uint32_t time,
	       uint32_t button, uint32_t state)
{
	struct virtual_pointer *ptr = wl_resource_get_user_data(resource);
	struct sw_server *server = server_of(resource);
	if (!server)
		return;
	bool pressed = state == WL_POINTER_BUTTON_STATE_PRESSED;
	if (button >= BUTTON_SLOTS) {
		sw_warn("zwlr_virtual_pointer_v1@%u: button %u ignored: evdev codes end at %u",
			wl_resource_get_id(resource), button, KEY_MAX);
		return;
	}
	/* The seat counts buttons held: a second press of a held button is not another one. */
	uint8_t bit = (uint8_t)(1u << (button % 8));
	if (pressed == !!(ptr->down[button / 8] & bit)) {
		sw_debug("zwlr_virtual_pointer_v1@%u: button %u is already %s; ignored",
			 wl_resource_get_id(resource), button, pressed ? "down" : "up");
		return;
	}
	ptr->down[button / 8] ^= bit;
	sw_wm_pointer_button(server->wm, time, button, pressed);
}

static bool
check_axis(struct wl_resource *resource, uint32_t axis)
{
	if (axis <= WL_POINTER_AXIS_HORIZONTAL_SCROLL)
		return true;
	wl_resource_post_error(resource, ZWLR_VIRTUAL_POINTER_V1_ERROR_INVALID_AXIS,
			       "axis %u is not a wl_pointer.axis (0 or 1)", axis);
	return false;
}

static void
pointer_axis(struct wl_client *client, struct wl_resource *resource, uint32_t time,
	     uint32_t axis, wl_fixed_t value)
{
	struct sw_server *server = server_of(resource);
	if (check_axis(resource, axis) && server)
		sw_seat_pointer_axis(server->seat, time, axis, wl_fixed_to_double(value), false, 0);
}

static void
pointer_frame(struct wl_client *client, struct wl_resource *resource)
{
	struct sw_server *server = server_of(resource);
	if (server)
		sw_seat_pointer_frame(server->seat);
}

static void
pointer_axis_source(struct wl_client *client, struct wl_resource *resource, uint32_t source)
{
	if (source > WL_POINTER_AXIS_SOURCE_WHEEL_TILT) {
		wl_resource_post_error(resource, ZWLR_VIRTUAL_POINTER_V1_ERROR_INVALID_AXIS_SOURCE,
				       "axis source %u is not a wl_pointer.axis_source (0 to 3)",
				       source);
		return;
	}
	/* The seat names the source itself: a wheel for axis_discrete, else continuous. */
}

static void
pointer_axis_stop(struct wl_client *client, struct wl_resource *resource, uint32_t time,
		  uint32_t axis)
{
	if (check_axis(resource, axis))
		sw_debug("zwlr_virtual_pointer_v1@%u: axis_stop ignored (the seat sends none)",
			 wl_resource_get_id(resource));
}

static void
pointer_axis_discrete(struct wl_client *client, struct wl_resource *resource, uint32_t time,
		      uint32_t axis, wl_fixed_t value, int32_t discrete)
{
	struct sw_server *server = server_of(resource);
	if (check_axis(resource, axis) && server)
		sw_seat_pointer_axis(server->seat, time, axis, wl_fixed_to_double(value), true,
				     (double)discrete * 120);
}

static const struct zwlr_virtual_pointer_v1_interface pointer_impl = {
	.motion = pointer_motion,
	.motion_absolute = pointer_motion_absolute,
	.button = pointer_button,
	.axis = pointer_axis,
	.frame = pointer_frame,
	.axis_source = pointer_axis_source,
	.axis_stop = pointer_axis_stop,
	.axis_discrete = pointer_axis_discrete,
	.destroy = sw_resource_handle_destroy,
};

static void
pointer_resource_destroy(struct wl_resource *resource)
{
	struct virtual_pointer *ptr = wl_resource_get_user_data(resource);
	struct sw_server *server = server_of(resource);
	if (server) {
		/* What it held is let go, so an implicit grab cannot outlive its pointer. */
		for (uint32_t button = 0; button < BUTTON_SLOTS; button++) {
			if (ptr->down[button / 8] & (1u << (button % 8)))
				sw_wm_pointer_button(server->wm, 0, button, false);
		}
		sw_seat_pointer_frame(server->seat);
		sw_seat_virtual_devices(server->seat, 0, -1);
	}
	if (ptr->manager)
		wl_list_remove(&ptr->link);
	sw_client_count_release(wl_resource_get_client(resource), &zwlr_virtual_pointer_v1_interface);
	free(ptr);
}

static void
manager_create_pointer(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct sw_virtual_pointers *manager = wl_resource_get_user_data(resource);
	struct virtual_pointer *ptr = calloc(1, sizeof(*ptr));
	if (!ptr) {
		wl_client_post_no_memory(client);
		return;
	}
	/* Each one is a device of the seat: a client may not add them unboundedly. */
	ptr->resource = sw_resource_create_counted(client, &zwlr_virtual_pointer_v1_interface,
						   wl_resource_get_version(resource), id,
						   &pointer_impl, ptr, pointer_resource_destroy);
	if (!ptr->resource) {
		free(ptr);
		return;
	}
	/* Without a seat (it is made before this global, and goes after the clients) it is inert. */
	if (!manager->server->seat || !manager->server->wm)
		return;
	ptr->manager = manager;
	wl_list_insert(&manager->pointers, &ptr->link);
	sw_seat_virtual_devices(manager->server->seat, 0, 1);
	sw_info("virtual pointer zwlr_virtual_pointer_v1@%u of client %p", id, (void *)client);
}

static void
manager_create_virtual_pointer(struct wl_client *client, struct wl_resource *resource,
			       struct wl_resource *seat, uint32_t id)
{
	manager_create_pointer(client, resource, id);
}

static void
manager_create_virtual_pointer_with_output(struct wl_client *client, struct wl_resource *resource,
					   struct wl_resource *seat, struct wl_resource *output,
					   uint32_t id)
{
	/* There is one output: the pointer is mapped to it whichever is named. */
	manager_create_pointer(client, resource, id);
}

static const struct zwlr_virtual_pointer_manager_v1_interface manager_impl = {
	.create_virtual_pointer = manager_create_virtual_pointer,
	.destroy = sw_resource_handle_destroy,
	.create_virtual_pointer_with_output = manager_create_virtual_pointer_with_output,
};

static void
manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	sw_resource_create(client, &zwlr_virtual_pointer_manager_v1_interface, (int)version, id,
			   &manager_impl, data, NULL);
}

static void
manager_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_virtual_pointers *manager = wl_container_of(listener, manager, display_destroy);
	struct virtual_pointer *ptr, *tmp;
	wl_list_for_each_safe(ptr, tmp, &manager->pointers, link) {
		wl_list_remove(&ptr->link);
		ptr->manager = NULL;
	}
	wl_list_remove(&manager->display_destroy.link);
	wl_global_destroy(manager->global);
	manager->server->virtual_pointers = NULL;
	free(manager);
}

bool
sw_virtual_pointer_create(struct sw_server *server)
{
	struct sw_virtual_pointers *manager = calloc(1, sizeof(*manager));
	if (!manager)
		return false;
	manager->server = server;
	wl_list_init(&manager->pointers);
	manager->global = wl_global_create(server->display,
					   &zwlr_virtual_pointer_manager_v1_interface,
					   VIRTUAL_POINTER_MANAGER_VERSION, manager, manager_bind);
	if (!manager->global)
		goto err_manager;
	if (!sw_trust_restrict_global(server, manager->global))
		goto err_global;
	manager->display_destroy.notify = manager_display_destroyed;
	wl_display_add_destroy_listener(server->display, &manager->display_destroy);
	server->virtual_pointers = manager;
	return true;

err_global:
	wl_global_destroy(manager->global);
err_manager:
	free(manager);
	return false;
}
