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
#include "server.h"

#define DATA_DEVICE_MANAGER_VERSION 3

/*
 * What one wl_data_source may offer: every mime type of a selection goes to
 * the focused client in one burst, so its size must stay far below a
 * socket's buffer (a client that reads but cannot keep up is dropped by
 * libwayland). wl_data_source has no error for this: a mime type past these
 * limits is refused with a warning, the source keeps the others.
 */
#define MIME_TYPES_PER_SOURCE 64
#define MIME_TYPE_MAX_LENGTH 255

struct sw_data_device_manager {
	struct sw_server *server;
	struct wl_global *global;
	struct wl_list devices;            /* wl_data_device resources */
	struct data_source *selection;     /* NULL when the clipboard is empty */
	struct wl_client *focus;
	/* The focus hears of the selection once per loop iteration, however often it changes. */
	struct wl_event_source *selection_idle;
	struct wl_listener display_destroy;
};

struct data_source {
	struct wl_resource *resource;
	struct sw_data_device_manager *manager;
	struct wl_array mime_types;        /* char * */
	uint32_t refused;                  /* mime types past the limits */
	struct wl_list offers;             /* wl_data_offer resources made from it */
};

static struct sw_data_device_manager *manager_of(struct sw_server *server);

/* ---- wl_data_offer ---- */

static void
offer_accept(struct wl_client *client, struct wl_resource *resource, uint32_t serial,
	     const char *mime_type)
{
}

static void
offer_receive(struct wl_client *client, struct wl_resource *resource, const char *mime_type,
	      int32_t fd)
{
	struct data_source *source = wl_resource_get_user_data(resource);
	if (source)
		wl_data_source_send_send(source->resource, mime_type, fd);
	/* The owner got its own copy of the fd through the socket. */
	close(fd);
}

static void
offer_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
offer_finish(struct wl_client *client, struct wl_resource *resource)
{
}

static void
offer_set_actions(struct wl_client *client, struct wl_resource *resource, uint32_t actions,
		  uint32_t preferred)
{
}

static const struct wl_data_offer_interface offer_impl = {
	.accept = offer_accept,
	.receive = offer_receive,
	.destroy = offer_handle_destroy,
	.finish = offer_finish,
	.set_actions = offer_set_actions,
};

static void
offer_resource_destroy(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
}

static void
send_selection(struct sw_data_device_manager *manager, struct wl_resource *device)
{
	struct data_source *source = manager->selection;
	if (!source) {
		wl_data_device_send_selection(device, NULL);
		return;
	}
	struct wl_client *client = wl_resource_get_client(device);
	struct wl_resource *offer = wl_resource_create(client, &wl_data_offer_interface,
						       wl_resource_get_version(device), 0);
	if (!offer) {
		wl_client_post_no_memory(client);
		return;
	}
	/* Offers do not keep the source alive: it makes them inert when it goes. */
	wl_resource_set_implementation(offer, &offer_impl, source, offer_resource_destroy);
	wl_list_insert(&source->offers, wl_resource_get_link(offer));
	wl_data_device_send_data_offer(device, offer);
	/* By index: wl_array_for_each adds to a NULL pointer when none was offered. */
	char **mimes = source->mime_types.data;
	for (size_t i = 0; i < source->mime_types.size / sizeof(*mimes); i++)
		wl_data_offer_send_offer(offer, mimes[i]);
	wl_data_device_send_selection(device, offer);
}

static void
send_selection_now(void *data)
{
	struct sw_data_device_manager *manager = data;
	manager->selection_idle = NULL;
	if (!manager->focus)
		return;
	struct wl_resource *device;
	wl_resource_for_each(device, &manager->devices) {
		if (wl_resource_get_client(device) == manager->focus)
			send_selection(manager, device);
	}
}

static void
send_selection_to_focus(struct sw_data_device_manager *manager)
{
	if (!manager->focus || manager->selection_idle)
		return;
	manager->selection_idle = wl_event_loop_add_idle(manager->server->loop, send_selection_now,
							 manager);
	if (!manager->selection_idle)
		send_selection_now(manager);
}

/* ---- wl_data_source ---- */

static void
source_offer(struct wl_client *client, struct wl_resource *resource, const char *mime_type)
{
	struct data_source *source = wl_resource_get_user_data(resource);
	size_t count = source->mime_types.size / sizeof(char *);
	size_t length = strlen(mime_type);
	if (count >= MIME_TYPES_PER_SOURCE || length > MIME_TYPE_MAX_LENGTH) {
		/* Logged once per source: a flood of offers must not flood the log. */
		if (source->refused++ == 0)
			sw_warn("wl_data_source@%u: mime type \"%.40s%s\" (%zu bytes) refused: a "
				"source keeps at most %d mime types of at most %d bytes; later "
				"refusals are not logged", wl_resource_get_id(resource), mime_type,
				length > 40 ? "..." : "", length, MIME_TYPES_PER_SOURCE,
				MIME_TYPE_MAX_LENGTH);
		return;
	}
	char **slot = wl_array_add(&source->mime_types, sizeof(*slot));
	char *copy = strdup(mime_type);
	if (!slot || !copy) {
		if (slot)
			source->mime_types.size -= sizeof(*slot);
		free(copy);
		wl_client_post_no_memory(client);
		return;
	}
	*slot = copy;
}

static void
source_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
source_set_actions(struct wl_client *client, struct wl_resource *resource, uint32_t actions)
{
}

static const struct wl_data_source_interface source_impl = {
	.offer = source_offer,
	.destroy = source_handle_destroy,
	.set_actions = source_set_actions,
};

static void
source_resource_destroy(struct wl_resource *resource)
{
	struct data_source *source = wl_resource_get_user_data(resource);
	if (source->manager->selection == source) {
		source->manager->selection = NULL;
		send_selection_to_focus(source->manager);
	}
	struct wl_resource *offer, *tmp;
	wl_resource_for_each_safe(offer, tmp, &source->offers) {
		wl_list_remove(wl_resource_get_link(offer));
		wl_list_init(wl_resource_get_link(offer));
		wl_resource_set_user_data(offer, NULL);
	}
	if (source->refused > 1)
		sw_warn("wl_data_source@%u: %u mime types were refused in all",
			wl_resource_get_id(resource), source->refused);
	char **mimes = source->mime_types.data;
	for (size_t i = 0; i < source->mime_types.size / sizeof(*mimes); i++)
		free(mimes[i]);
	wl_array_release(&source->mime_types);
	free(source);
}

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

static void
device_set_selection(struct wl_client *client, struct wl_resource *resource,
		     struct wl_resource *source_resource, uint32_t serial)
{
	struct sw_data_device_manager *manager = wl_resource_get_user_data(resource);
	if (!manager)
		return;
	struct data_source *source = source_resource ? wl_resource_get_user_data(source_resource) : NULL;
	if (manager->selection == source)
		return;
	if (manager->selection)
		wl_data_source_send_cancelled(manager->selection->resource);
	manager->selection = source;
	send_selection_to_focus(manager);
}

static void
device_release(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wl_data_device_interface device_impl = {
	.start_drag = device_start_drag,
	.set_selection = device_set_selection,
	.release = device_release,
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
	struct data_source *source = calloc(1, sizeof(*source));
	if (!source) {
		wl_client_post_no_memory(client);
		return;
	}
	source->resource = wl_resource_create(client, &wl_data_source_interface,
					      wl_resource_get_version(resource), id);
	if (!source->resource) {
		free(source);
		wl_client_post_no_memory(client);
		return;
	}
	source->manager = manager;
	wl_array_init(&source->mime_types);
	wl_list_init(&source->offers);
	wl_resource_set_implementation(source->resource, &source_impl, source,
				       source_resource_destroy);
}

static void
manager_get_data_device(struct wl_client *client, struct wl_resource *resource, uint32_t id,
			struct wl_resource *seat)
{
	struct sw_data_device_manager *manager = wl_resource_get_user_data(resource);
	/* Each selection change walks every device: a client may not add them unboundedly. */
	if (!sw_client_count_take(client, &wl_data_device_interface, SW_BINDS_PER_CLIENT))
		return;
	struct wl_resource *device = wl_resource_create(client, &wl_data_device_interface,
							wl_resource_get_version(resource), id);
	if (!device) {
		sw_client_count_release(client, &wl_data_device_interface);
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(device, &device_impl, manager, device_resource_destroy);
	wl_list_insert(&manager->devices, wl_resource_get_link(device));
	if (manager->focus == client)
		send_selection(manager, device);
}

static const struct wl_data_device_manager_interface manager_impl = {
	.create_data_source = manager_create_data_source,
	.get_data_device = manager_get_data_device,
};

static void
manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *resource = wl_resource_create(client, &wl_data_device_manager_interface,
							  (int)version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &manager_impl, data, NULL);
}

static void
manager_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_data_device_manager *manager = wl_container_of(listener, manager, display_destroy);
	wl_list_remove(&manager->display_destroy.link);
	if (manager->selection_idle)
		wl_event_source_remove(manager->selection_idle);
	wl_global_destroy(manager->global);
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
	if (!manager || manager->focus == client)
		return;
	manager->focus = client;
	send_selection_to_focus(manager);
}

bool
sw_data_device_create(struct sw_server *server)
{
	struct sw_data_device_manager *manager = calloc(1, sizeof(*manager));
	if (!manager)
		return false;
	manager->server = server;
	wl_list_init(&manager->devices);
	manager->global = wl_global_create(server->display, &wl_data_device_manager_interface,
					   DATA_DEVICE_MANAGER_VERSION, manager, manager_bind);
	if (!manager->global) {
		free(manager);
		return false;
	}
	manager->display_destroy.notify = manager_display_destroyed;
	wl_display_add_destroy_listener(server->display, &manager->display_destroy);
	server->data_device = manager;
	return true;
}
