#include <stdlib.h>

#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "log.h"
#include "seat.h"
#include "server.h"

#define SEAT_VERSION 7

struct sw_seat {
	struct sw_server *server;
	struct wl_global *global;
};

static void
seat_get_pointer(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	wl_resource_post_error(resource, WL_SEAT_ERROR_MISSING_CAPABILITY,
			       "this seat has no pointer");
}

static void
seat_get_keyboard(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	wl_resource_post_error(resource, WL_SEAT_ERROR_MISSING_CAPABILITY,
			       "this seat has no keyboard");
}

static void
seat_get_touch(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	wl_resource_post_error(resource, WL_SEAT_ERROR_MISSING_CAPABILITY,
			       "this seat has no touch device");
}

static void
seat_release(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wl_seat_interface seat_impl = {
	.get_pointer = seat_get_pointer,
	.get_keyboard = seat_get_keyboard,
	.get_touch = seat_get_touch,
	.release = seat_release,
};

static void
seat_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *resource = wl_resource_create(client, &wl_seat_interface, (int)version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &seat_impl, data, NULL);
	wl_seat_send_capabilities(resource, 0);
	if (version >= WL_SEAT_NAME_SINCE_VERSION)
		wl_seat_send_name(resource, "seat0");
}

struct sw_seat *
sw_seat_create(struct sw_server *server)
{
	struct sw_seat *seat = calloc(1, sizeof(*seat));
	if (!seat)
		return NULL;
	seat->server = server;
	seat->global = wl_global_create(server->display, &wl_seat_interface, SEAT_VERSION, seat,
					seat_bind);
	if (!seat->global) {
		free(seat);
		return NULL;
	}
	return seat;
}

void
sw_seat_destroy(struct sw_seat *seat)
{
	if (!seat)
		return;
	wl_global_destroy(seat->global);
	free(seat);
}

void
sw_seat_view_mapped(struct sw_seat *seat, struct sw_view *view)
{
}

void
sw_seat_view_unmapped(struct sw_seat *seat, struct sw_view *view)
{
}

bool
sw_seat_get_cursor(struct sw_seat *seat, pixman_image_t **image, int32_t *x, int32_t *y)
{
	return false;
}
