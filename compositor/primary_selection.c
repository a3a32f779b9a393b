/* zwp_primary_selection_*_v1 over the shared selections (selection.h). */
#include <stdlib.h>

#include <wayland-server-core.h>

#include "client_count.h"
#include "log.h"
#include "primary-selection-unstable-v1-server-protocol.h"
#include "primary_selection.h"
#include "resource.h"
#include "selection.h"
#include "server.h"

#define PRIMARY_SELECTION_MANAGER_VERSION 1

struct sw_primary_selection {
	struct sw_server *server;
	struct wl_global *global;
	struct sw_selection_focus primary;   /* the zwp_primary_selection_device_v1 resources */
	struct wl_listener display_destroy;
};

/* ---- zwp_primary_selection_offer_v1 ---- */

static const struct zwp_primary_selection_offer_v1_interface offer_requests = {
	.receive = sw_selection_offer_handle_receive,
	.destroy = sw_resource_handle_destroy,
};

static const struct sw_selection_offer_impl offer_impl = {
	.interface = &zwp_primary_selection_offer_v1_interface,
	.requests = &offer_requests,
	.data_offer = zwp_primary_selection_device_v1_send_data_offer,
	.offer = zwp_primary_selection_offer_v1_send_offer,
	.selection = zwp_primary_selection_device_v1_send_selection,
};

/* ---- zwp_primary_selection_source_v1 ---- */

static const struct zwp_primary_selection_source_v1_interface source_requests = {
	.offer = sw_selection_source_handle_offer,
	.destroy = sw_resource_handle_destroy,
};

static const struct sw_selection_source_impl source_impl = {
	.interface = &zwp_primary_selection_source_v1_interface,
	.requests = &source_requests,
	.send = zwp_primary_selection_source_v1_send_send,
	.cancelled = zwp_primary_selection_source_v1_send_cancelled,
};

/* ---- zwp_primary_selection_device_v1 ---- */

static const struct zwp_primary_selection_device_v1_interface device_impl = {
	.set_selection = sw_selection_focus_handle_set_selection,
	.destroy = sw_resource_handle_destroy,
};

static void
device_resource_destroy(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
	sw_client_count_release(wl_resource_get_client(resource),
				&zwp_primary_selection_device_v1_interface);
}

/* ---- zwp_primary_selection_device_manager_v1 ---- */

static void
manager_create_source(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct sw_primary_selection *manager = wl_resource_get_user_data(resource);
	sw_selection_source_create(manager->server, client, &source_impl,
				   wl_resource_get_version(resource), id,
				   sizeof(struct sw_selection_source));
}

static void
manager_get_device(struct wl_client *client, struct wl_resource *resource, uint32_t id,
		   struct wl_resource *seat)
{
	struct sw_primary_selection *manager = wl_resource_get_user_data(resource);
	/* Each selection change walks every device: a client may not add them unboundedly. */
	struct wl_resource *device = sw_resource_create_counted(
		client, &zwp_primary_selection_device_v1_interface,
		wl_resource_get_version(resource), id, &device_impl, &manager->primary,
		device_resource_destroy);
	if (device)
		sw_selection_focus_add_device(&manager->primary, device);
}

static const struct zwp_primary_selection_device_manager_v1_interface manager_impl = {
	.create_source = manager_create_source,
	.get_device = manager_get_device,
	.destroy = sw_resource_handle_destroy,
};

static void
manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	sw_resource_create(client, &zwp_primary_selection_device_manager_v1_interface,
			   (int)version, id, &manager_impl, data, NULL);
}

static void
manager_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_primary_selection *manager = wl_container_of(listener, manager, display_destroy);
	wl_list_remove(&manager->display_destroy.link);
	sw_selection_focus_finish(&manager->primary);
	wl_global_destroy(manager->global);
	manager->server->primary_selection = NULL;
	free(manager);
}

void
sw_primary_selection_set_focus(struct sw_server *server, struct wl_client *client)
{
	struct sw_primary_selection *manager = server->primary_selection;
	if (manager)
		sw_selection_focus_set(&manager->primary, client);
}

bool
sw_primary_selection_create(struct sw_server *server)
{
	struct sw_primary_selection *manager = calloc(1, sizeof(*manager));
	if (!manager)
		return false;
	manager->server = server;
	manager->global = wl_global_create(server->display,
					   &zwp_primary_selection_device_manager_v1_interface,
					   PRIMARY_SELECTION_MANAGER_VERSION, manager, manager_bind);
	if (!manager->global) {
		free(manager);
		return false;
	}
	sw_selection_focus_init(&manager->primary, server, SW_SELECTION_PRIMARY, &offer_impl);
	manager->display_destroy.notify = manager_display_destroyed;
	wl_display_add_destroy_listener(server->display, &manager->display_destroy);
	server->primary_selection = manager;
	return true;
}
