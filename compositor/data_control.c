/* zwlr_data_control_*_v1 over the shared selections (selection.h). */
#include <stdlib.h>

#include <wayland-server-core.h>

#include "client_count.h"
#include "data_control.h"
#include "log.h"
#include "resource.h"
#include "selection.h"
#include "server.h"
#include "wlr-data-control-unstable-v1-server-protocol.h"

#define DATA_CONTROL_MANAGER_VERSION 2

struct sw_data_control {
	struct sw_server *server;
	struct wl_global *global;
	struct wl_list devices;         /* zwlr_data_control_device_v1 resources */
	struct wl_listener selection_changed;
	struct wl_listener display_destroy;
};

struct control_source {
	struct sw_selection_source base;
	bool used;                      /* set as a selection: no more offers, no second use */
};

/* ---- zwlr_data_control_offer_v1 ---- */

static const struct zwlr_data_control_offer_v1_interface offer_requests = {
	.receive = sw_selection_offer_handle_receive,
	.destroy = sw_resource_handle_destroy,
};

/* One offer object for both: the selection it is named as tells them apart. */
static const struct sw_selection_offer_impl offer_impls[SW_SELECTION_KINDS] = {
	[SW_SELECTION_CLIPBOARD] = {
		.interface = &zwlr_data_control_offer_v1_interface,
		.requests = &offer_requests,
		.data_offer = zwlr_data_control_device_v1_send_data_offer,
		.offer = zwlr_data_control_offer_v1_send_offer,
		.selection = zwlr_data_control_device_v1_send_selection,
	},
	[SW_SELECTION_PRIMARY] = {
		.interface = &zwlr_data_control_offer_v1_interface,
		.requests = &offer_requests,
		.data_offer = zwlr_data_control_device_v1_send_data_offer,
		.offer = zwlr_data_control_offer_v1_send_offer,
		.selection = zwlr_data_control_device_v1_send_primary_selection,
	},
};

static void
send_selection(struct sw_data_control *manager, struct wl_resource *device,
	       enum sw_selection_kind kind)
{
	if (kind == SW_SELECTION_PRIMARY &&
	    wl_resource_get_version(device) < ZWLR_DATA_CONTROL_DEVICE_V1_PRIMARY_SELECTION_SINCE_VERSION)
		return;
	sw_selection_send(&offer_impls[kind], device, sw_selection_get(manager->server, kind));
}

static void
handle_selection_changed(struct wl_listener *listener, void *data)
{
	struct sw_data_control *manager = wl_container_of(listener, manager, selection_changed);
	enum sw_selection_kind kind = *(enum sw_selection_kind *)data;
	/* Every device hears of every change: they are bounded per client (SW_BINDS_PER_CLIENT). */
	struct wl_resource *device;
	wl_resource_for_each(device, &manager->devices)
		send_selection(manager, device, kind);
}

/* ---- zwlr_data_control_source_v1 ---- */

static void
source_offer(struct wl_client *client, struct wl_resource *resource, const char *mime_type)
{
	struct control_source *source = wl_resource_get_user_data(resource);
	if (source->used) {
		wl_resource_post_error(resource, ZWLR_DATA_CONTROL_SOURCE_V1_ERROR_INVALID_OFFER,
				       "offer of \"%.40s\" after the source was set as a selection",
				       mime_type);
		return;
	}
	sw_selection_source_handle_offer(client, resource, mime_type);
}

static const struct zwlr_data_control_source_v1_interface source_requests = {
	.offer = source_offer,
	.destroy = sw_resource_handle_destroy,
};

static const struct sw_selection_source_impl source_impl = {
	.interface = &zwlr_data_control_source_v1_interface,
	.requests = &source_requests,
	.send = zwlr_data_control_source_v1_send_send,
	.cancelled = zwlr_data_control_source_v1_send_cancelled,
};

/* ---- zwlr_data_control_device_v1 ---- */

static void
device_set(struct wl_resource *resource, struct wl_resource *source_resource,
	   enum sw_selection_kind kind)
{
	struct sw_data_control *manager = wl_resource_get_user_data(resource);
	struct control_source *source = source_resource ?
		wl_resource_get_user_data(source_resource) : NULL;
	if (source && source->used) {
		wl_resource_post_error(resource, ZWLR_DATA_CONTROL_DEVICE_V1_ERROR_USED_SOURCE,
				       "zwlr_data_control_source_v1@%u was already set as a selection",
				       wl_resource_get_id(source_resource));
		return;
	}
	if (!manager)
		return;
	if (source)
		source->used = true;
	sw_selection_set(manager->server, kind, source ? &source->base : NULL);
}

static void
device_set_selection(struct wl_client *client, struct wl_resource *resource,
		     struct wl_resource *source)
{
	device_set(resource, source, SW_SELECTION_CLIPBOARD);
}

static void
device_set_primary_selection(struct wl_client *client, struct wl_resource *resource,
			     struct wl_resource *source)
{
	device_set(resource, source, SW_SELECTION_PRIMARY);
}

static const struct zwlr_data_control_device_v1_interface device_impl = {
	.set_selection = device_set_selection,
	.destroy = sw_resource_handle_destroy,
	.set_primary_selection = device_set_primary_selection,
};

static void
device_resource_destroy(struct wl_resource *resource)
{
	if (wl_resource_get_user_data(resource))
		wl_list_remove(wl_resource_get_link(resource));
	sw_client_count_release(wl_resource_get_client(resource),
				&zwlr_data_control_device_v1_interface);
}

/* ---- zwlr_data_control_manager_v1 ---- */

static void
manager_create_data_source(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct sw_data_control *manager = wl_resource_get_user_data(resource);
	sw_selection_source_create(manager->server, client, &source_impl, 1, id,
				   sizeof(struct control_source));
}

static void
manager_get_data_device(struct wl_client *client, struct wl_resource *resource, uint32_t id,
			struct wl_resource *seat)
{
	struct sw_data_control *manager = wl_resource_get_user_data(resource);
	/* Each selection change walks every device: a client may not add them unboundedly. */
	struct wl_resource *device = sw_resource_create_counted(
		client, &zwlr_data_control_device_v1_interface, wl_resource_get_version(resource),
		id, &device_impl, manager, device_resource_destroy);
	if (!device)
		return;
	wl_list_insert(&manager->devices, wl_resource_get_link(device));
	/* What the selections hold now, at once: no focus is needed. */
	send_selection(manager, device, SW_SELECTION_CLIPBOARD);
	send_selection(manager, device, SW_SELECTION_PRIMARY);
}

static const struct zwlr_data_control_manager_v1_interface manager_impl = {
	.create_data_source = manager_create_data_source,
	.get_data_device = manager_get_data_device,
	.destroy = sw_resource_handle_destroy,
};

static void
manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	sw_resource_create(client, &zwlr_data_control_manager_v1_interface, (int)version, id,
			   &manager_impl, data, NULL);
}

static void
manager_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_data_control *manager = wl_container_of(listener, manager, display_destroy);
	wl_list_remove(&manager->display_destroy.link);
	wl_list_remove(&manager->selection_changed.link);
	struct wl_resource *device, *tmp;
	wl_resource_for_each_safe(device, tmp, &manager->devices) {
		wl_list_remove(wl_resource_get_link(device));
		wl_list_init(wl_resource_get_link(device));
		wl_resource_set_user_data(device, NULL);
	}
	wl_global_destroy(manager->global);
	manager->server->data_control = NULL;
	free(manager);
}

bool
sw_data_control_create(struct sw_server *server)
{
	struct sw_data_control *manager = calloc(1, sizeof(*manager));
	if (!manager)
		return false;
	manager->server = server;
	wl_list_init(&manager->devices);
	manager->global = wl_global_create(server->display, &zwlr_data_control_manager_v1_interface,
					   DATA_CONTROL_MANAGER_VERSION, manager, manager_bind);
	if (!manager->global) {
		free(manager);
		return false;
	}
	manager->selection_changed.notify = handle_selection_changed;
	wl_signal_add(&server->selections->changed, &manager->selection_changed);
	manager->display_destroy.notify = manager_display_destroyed;
	wl_display_add_destroy_listener(server->display, &manager->display_destroy);
	server->data_control = manager;
	return true;
}
