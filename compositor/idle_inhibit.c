/* zwp_idle_inhibitor_v1: one per request, tied to a surface, counted and logged. */
#include <stdlib.h>

#include <wayland-server-core.h>

#include "client_count.h"
#include "idle-inhibit-unstable-v1-server-protocol.h"
#include "idle_inhibit.h"
#include "log.h"
#include "resource.h"
#include "server.h"
#include "surface.h"

#define IDLE_INHIBIT_MANAGER_VERSION 1

struct sw_idle_inhibit {
	struct sw_server *server;
	struct wl_global *global;
	struct wl_list inhibitors;   /* inhibitor.link, those whose surface exists */
	int active;
	struct wl_listener display_destroy;
};

struct inhibitor {
	struct wl_resource *resource;
	struct sw_idle_inhibit *manager;   /* NULL once its surface or the manager is gone */
	struct wl_list link;
	uint32_t surface_id;
	struct wl_listener surface_destroy;
};

/* The inhibitor stops inhibiting: its surface went, or it did. */
static void
inhibitor_end(struct inhibitor *inh, const char *why)
{
	struct sw_idle_inhibit *manager = inh->manager;
	if (!manager)
		return;
	wl_list_remove(&inh->link);
	wl_list_remove(&inh->surface_destroy.link);
	inh->manager = NULL;
	manager->active--;
	sw_info("idle inhibitor zwp_idle_inhibitor_v1@%u of wl_surface@%u ends (%s): %d active",
		wl_resource_get_id(inh->resource), inh->surface_id, why, manager->active);
}

static void
handle_surface_destroy(struct wl_listener *listener, void *data)
{
	struct inhibitor *inh = wl_container_of(listener, inh, surface_destroy);
	inhibitor_end(inh, "its surface was destroyed");
}

static const struct zwp_idle_inhibitor_v1_interface inhibitor_impl = {
	.destroy = sw_resource_handle_destroy,
};

static void
inhibitor_resource_destroy(struct wl_resource *resource)
{
	struct inhibitor *inh = wl_resource_get_user_data(resource);
	inhibitor_end(inh, "destroyed");
	sw_client_count_release(wl_resource_get_client(resource), &zwp_idle_inhibitor_v1_interface);
	free(inh);
}

static void
manager_create_inhibitor(struct wl_client *client, struct wl_resource *resource, uint32_t id,
			 struct wl_resource *surface_resource)
{
	struct sw_idle_inhibit *manager = wl_resource_get_user_data(resource);
	struct sw_surface *surface = sw_surface_from_resource(surface_resource);
	struct inhibitor *inh = calloc(1, sizeof(*inh));
	if (!inh) {
		wl_client_post_no_memory(client);
		return;
	}
	/* Each one is in the list: a client may not add them unboundedly. */
	inh->resource = sw_resource_create_counted(client, &zwp_idle_inhibitor_v1_interface,
						   wl_resource_get_version(resource), id,
						   &inhibitor_impl, inh,
						   inhibitor_resource_destroy);
	if (!inh->resource) {
		free(inh);
		return;
	}
	inh->manager = manager;
	inh->surface_id = wl_resource_get_id(surface_resource);
	inh->surface_destroy.notify = handle_surface_destroy;
	wl_signal_add(&surface->events.destroy, &inh->surface_destroy);
	wl_list_insert(&manager->inhibitors, &inh->link);
	manager->active++;
	sw_info("idle inhibitor zwp_idle_inhibitor_v1@%u for wl_surface@%u: %d active (sealway "
		"never blanks the output)", id, inh->surface_id, manager->active);
}

static const struct zwp_idle_inhibit_manager_v1_interface manager_impl = {
	.destroy = sw_resource_handle_destroy,
	.create_inhibitor = manager_create_inhibitor,
};

static void
manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	sw_resource_create(client, &zwp_idle_inhibit_manager_v1_interface, (int)version, id,
			   &manager_impl, data, NULL);
}

static void
manager_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_idle_inhibit *manager = wl_container_of(listener, manager, display_destroy);
	struct inhibitor *inh, *tmp;
	wl_list_for_each_safe(inh, tmp, &manager->inhibitors, link)
		inhibitor_end(inh, "the display is going");
	wl_list_remove(&manager->display_destroy.link);
	wl_global_destroy(manager->global);
	manager->server->idle_inhibit = NULL;
	free(manager);
}

bool
sw_idle_inhibited(struct sw_server *server)
{
	return server->idle_inhibit && server->idle_inhibit->active > 0;
}

bool
sw_idle_inhibit_create(struct sw_server *server)
{
	struct sw_idle_inhibit *manager = calloc(1, sizeof(*manager));
	if (!manager)
		return false;
	manager->server = server;
	wl_list_init(&manager->inhibitors);
	manager->global = wl_global_create(server->display, &zwp_idle_inhibit_manager_v1_interface,
					   IDLE_INHIBIT_MANAGER_VERSION, manager, manager_bind);
	if (!manager->global) {
		free(manager);
		return false;
	}
	manager->display_destroy.notify = manager_display_destroyed;
	wl_display_add_destroy_listener(server->display, &manager->display_destroy);
	server->idle_inhibit = manager;
	return true;
}
