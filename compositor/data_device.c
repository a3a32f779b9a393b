/*
 * wl_data_device_manager, selection only. The clipboard is another way fds
 * travel between clients: on receive, the reader's pipe is handed to the
 * owner of the selection and closed here.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "client_count.h"
#include "data_device.h"
#include "log.h"
#include "resource.h"
#include "selection.h"
#include "server.h"

#define DATA_DEVICE_MANAGER_VERSION 3

struct sw_data_device_manager {
	struct sw_server *server;
	struct wl_global *global;
	struct sw_selection_focus clipboard;   /* the wl_data_device resources */
	struct wl_listener display_destroy;
};

/* ---- wl_data_offer ---- */

static void
offer_accept(struct wl_client *client, struct wl_resource *resource, uint32_t serial,
	     const char *mime_type)
{
	/* Acceptance only matters to drag and drop, which sealway does not do. */
	sw_debug("wl_data_offer@%u.accept(%s) ignored: no drag and drop",
		 wl_resource_get_id(resource), mime_type ? mime_type : "null");
}

static void
offer_finish(struct wl_client *client, struct wl_resource *resource)
{
	sw_debug("wl_data_offer@%u.finish ignored: no drag and drop", wl_resource_get_id(resource));
}

static void
offer_set_actions(struct wl_client *client, struct wl_resource *resource, uint32_t actions,
		  uint32_t preferred)
{
	sw_debug("wl_data_offer@%u.set_actions(%u, %u) ignored: no drag and drop",
		 wl_resource_get_id(resource), actions, preferred);
}

static const struct wl_data_offer_interface offer_requests = {
	.accept = offer_accept,
	.receive = sw_selection_offer_handle_receive,
	.destroy = sw_resource_handle_destroy,
	.finish = offer_finish,
	.set_actions = offer_set_actions,
};

static const struct sw_selection_offer_impl offer_impl = {
	.interface = &wl_data_offer_interface,
	.requests = &offer_requests,
	.data_offer = wl_data_device_send_data_offer,
	.offer = wl_data_offer_send_offer,
	.selection = wl_data_device_send_selection,
};

/* ---- wl_data_source ---- */

static void
source_set_actions(struct wl_client *client, struct wl_resource *resource, uint32_t actions)
{
	sw_debug("wl_data_source@%u.set_actions(%u) ignored: no drag and drop",
		 wl_resource_get_id(resource), actions);
}

static const struct wl_data_source_interface source_requests = {
	.offer = sw_selection_source_handle_offer,
	.destroy = sw_resource_handle_destroy,
	.set_actions = source_set_actions,
};

static const struct sw_selection_source_impl source_impl = {
	.interface = &wl_data_source_interface,
	.requests = &source_requests,
	.send = wl_data_source_send_send,
	.cancelled = wl_data_source_send_cancelled,
};

/* ---- wl_data_device ---- */

static void
device_start_drag(struct wl_client *client, struct wl_resource *resource,
		  struct wl_resource *source_resource, struct wl_resource *origin,
		  struct wl_resource *icon, uint32_t serial)
{
	/* No drag and drop: the source learns at once that it was cancelled. */
	if (source_resource)
		wl_data_source_send_cancelled(source_resource);
}

static const struct wl_data_device_interface device_impl = {
	.start_drag = device_start_drag,
	.set_selection = sw_selection_focus_handle_set_selection,
	.release = sw_resource_handle_destroy,
};

static void
device_resource_destroy(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
	sw_client_count_release(wl_resource_get_client(resource), &wl_data_device_interface);
}

/* ---- wl_data_device_manager ---- */

static void
manager_create_data_source(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct sw_data_device_manager *manager = wl_resource_get_user_data(resource);
	sw_selection_source_create(manager->server, client, &source_impl,
				   wl_resource_get_version(resource), id,
				   sizeof(struct sw_selection_source));
}

static void
manager_get_data_device(struct wl_client *client, struct wl_resource *resource, uint32_t id,
			struct wl_resource *seat)
{
	struct sw_data_device_manager *manager = wl_resource_get_user_data(resource);
	/* Each selection change walks every device: a client may not add them unboundedly. */
	struct wl_resource *device = sw_resource_create_counted(
		client, &wl_data_device_interface, wl_resource_get_version(resource), id,
		&device_impl, &manager->clipboard, device_resource_destroy);
	if (device)
		sw_selection_focus_add_device(&manager->clipboard, device);
}

static const struct wl_data_device_manager_interface manager_impl = {
	.create_data_source = manager_create_data_source,
	.get_data_device = manager_get_data_device,
};

static void
manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	sw_resource_create(client, &wl_data_device_manager_interface, (int)version, id,
			   &manager_impl, data, NULL);
}

static void
manager_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_data_device_manager *manager = wl_container_of(listener, manager, display_destroy);
	wl_list_remove(&manager->display_destroy.link);
	sw_selection_focus_finish(&manager->clipboard);
	wl_global_destroy(manager->global);
	manager->server->data_device = NULL;
	free(manager);
}

static struct sw_data_device_manager *
manager_of(struct sw_server *server)
{
	return server->data_device;
}

void
sw_data_device_set_focus(struct sw_server *server, struct wl_client *client)
{
	struct sw_data_device_manager *manager = manager_of(server);
	if (manager)
		sw_selection_focus_set(&manager->clipboard, client);
}

bool
sw_data_device_create(struct sw_server *server)
{
	struct sw_data_device_manager *manager = calloc(1, sizeof(*manager));
	if (!manager)
		return false;
	manager->server = server;
	manager->global = wl_global_create(server->display, &wl_data_device_manager_interface,
					   DATA_DEVICE_MANAGER_VERSION, manager, manager_bind);
	if (!manager->global) {
		free(manager);
		return false;
	}
	sw_selection_focus_init(&manager->clipboard, server, SW_SELECTION_CLIPBOARD, &offer_impl);
	manager->display_destroy.notify = manager_display_destroyed;
	wl_display_add_destroy_listener(server->display, &manager->display_destroy);
	server->data_device = manager;
	return true;
}
