#ifndef SW_RESOURCE_H
#define SW_RESOURCE_H

#include <stdint.h>
#include <wayland-server-core.h>

/*
 * What every global and object of the protocol files does the same way: make
 * a resource with its implementation, or tell the client it is out of memory.
 */

/* wl_resource_create, then wl_resource_set_implementation; NULL after posting no_memory. */
struct wl_resource *sw_resource_create(struct wl_client *client,
				       const struct wl_interface *interface, int version,
				       uint32_t id, const void *implementation, void *data,
				       wl_resource_destroy_func_t destroy);
/*
 * The same for an object a client may hold at most SW_BINDS_PER_CLIENT of
 * (client_count.h, counted under `interface`): NULL too when it holds that
 * many. Its `destroy` releases the count.
 */
struct wl_resource *sw_resource_create_counted(struct wl_client *client,
					       const struct wl_interface *interface, int version,
					       uint32_t id, const void *implementation, void *data,
					       wl_resource_destroy_func_t destroy);
/* A destroy request (or release) that does nothing else: the resource's destroy does the rest. */
void sw_resource_handle_destroy(struct wl_client *client, struct wl_resource *resource);

#endif
