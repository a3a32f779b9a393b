/* zwp_primary_selection_*_v1 over the shared selections (selection.h). */
#include <stdlib.h>

#include <wayland-server-core.h>

#include "client_count.h"
#include "log.h"
#include "primary-selection-unstable-v1-server-protocol.h"
#include "primary_selection.h"
#include "resource.h"
#include "seat.h"
#include "selection.h"
#include "server.h"

#define PRIMARY_SELECTION_MANAGER_VERSION 1

struct sw_primary_selection {
	struct sw_server *server;
	struct wl_global *global;
	struct wl_list devices;         /* zwp_primary_selection_device_v1 resources */
	struct wl_client *focus;
	/* The focus hears of the selection once per loop iteration, however often it changes. */
	struct wl_event_source *idle;
	struct wl_listener selection_changed;
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

static void
send_selection(struct sw_primary_selection *manager, struct wl_resource *device)
{
	sw_selection_send(&offer_impl, device,
			  sw_selection_get(manager->server, SW_SELECTION_PRIMARY));
}

static void
send_selection_now(void *data)
{
	struct sw_primary_selection *manager = data;
	manager->idle = NULL;
	if (!manager->focus)
		return;
	struct wl_resource *device;
	wl_resource_for_each(device, &manager->devices) {
		if (wl_resource_get_client(device) == manager->focus)
			send_selection(manager, device);
	}
}

static void
send_selection_to_focus(struct sw_primary_selection *manager)
{
	if (!manager->focus || manager->idle)
		return;
	manager->idle = wl_event_loop_add_idle(manager->server->loop, send_selection_now, manager);
	if (!manager->idle)
		send_selection_now(manager);
}

static void
handle_selection_changed(struct wl_listener *listener, void *data)
{
	struct sw_primary_selection *manager =
		wl_container_of(listener, manager, selection_changed);
	if (*(enum sw_selection_kind *)data == SW_SELECTION_PRIMARY)
		send_selection_to_focus(manager);
}

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

static void
device_set_selection(struct wl_client *client, struct wl_resource *resource,
		     struct wl_resource *source_resource, uint32_t serial)
{
	struct sw_primary_selection *manager = wl_resource_get_user_data(resource);
	if (!manager)
		return;
	struct sw_selection_source *source = source_resource ?
		wl_resource_get_user_data(source_resource) : NULL;
	if (!manager->server->seat ||
	    !sw_seat_serial_is_recent(manager->server->seat, client, serial)) {
		sw_info("zwp_primary_selection_device_v1@%u: set_selection with serial %u ignored: "
			"not a recent input serial of the client with the keyboard",
			wl_resource_get_id(resource), serial);
		if (source_resource)
			zwp_primary_selection_source_v1_send_cancelled(source_resource);
		return;
	}
	sw_selection_set(manager->server, SW_SELECTION_PRIMARY, source);
}

static const struct zwp_primary_selection_device_v1_interface device_impl = {
	.set_selection = device_set_selection,
	.destroy = sw_resource_handle_destroy,
};

static void
device_resource_destroy(struct wl_resource *resource)
{
	if (wl_resource_get_user_data(resource))
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
		wl_resource_get_version(resource), id, &device_impl, manager,
		device_resource_destroy);
	if (!device)
		return;
	wl_list_insert(&manager->devices, wl_resource_get_link(device));
	if (manager->focus == client)
		send_selection(manager, device);
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
	wl_list_remove(&manager->selection_changed.link);
	if (manager->idle)
		wl_event_source_remove(manager->idle);
	struct wl_resource *device, *tmp;
	wl_resource_for_each_safe(device, tmp, &manager->devices) {
		wl_list_remove(wl_resource_get_link(device));
		wl_list_init(wl_resource_get_link(device));
		wl_resource_set_user_data(device, NULL);
	}
	wl_global_destroy(manager->global);
	manager->server->primary_selection = NULL;
	free(manager);
}

void
sw_primary_selection_set_focus(struct sw_server *server, struct wl_client *client)
{
	struct sw_primary_selection *manager = server->primary_selection;
	if (!manager || manager->focus == client)
		return;
	manager->focus = client;
	send_selection_to_focus(manager);
}

bool
sw_primary_selection_create(struct sw_server *server)
{
	struct sw_primary_selection *manager = calloc(1, sizeof(*manager));
	if (!manager)
		return false;
	manager->server = server;
	wl_list_init(&manager->devices);
	manager->global = wl_global_create(server->display,
					   &zwp_primary_selection_device_manager_v1_interface,
					   PRIMARY_SELECTION_MANAGER_VERSION, manager, manager_bind);
	if (!manager->global) {
		free(manager);
		return false;
	}
	manager->selection_changed.notify = handle_selection_changed;
	wl_signal_add(&server->selections->changed, &manager->selection_changed);
	manager->display_destroy.notify = manager_display_destroyed;
	wl_display_add_destroy_listener(server->display, &manager->display_destroy);
	server->primary_selection = manager;
	return true;
}
