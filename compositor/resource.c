/* The protocol files' resource boilerplate (resource.h). */
#include <wayland-server-core.h>

#include "client_count.h"
#include "resource.h"

struct wl_resource *
sw_resource_create(struct wl_client *client, const struct wl_interface *interface, int version,
		   uint32_t id, const void *implementation, void *data,
		   wl_resource_destroy_func_t destroy)
{
	struct wl_resource *resource = wl_resource_create(client, interface, version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	wl_resource_set_implementation(resource, implementation, data, destroy);
	return resource;
}

struct wl_resource *
sw_resource_create_counted(struct wl_client *client, const struct wl_interface *interface,
			   int version, uint32_t id, const void *implementation, void *data,
			   wl_resource_destroy_func_t destroy)
{
	/* It posts no_memory itself when refused. */
	if (!sw_client_count_take(client, interface, SW_BINDS_PER_CLIENT))
		return NULL;
	struct wl_resource *resource = sw_resource_create(client, interface, version, id,
							  implementation, data, destroy);
	if (!resource)
		sw_client_count_release(client, interface);
	return resource;
}

void
sw_resource_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}
