#include <stdlib.h>

#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "buffer.h"

static void
buffer_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

/* Shared by every buffer kind: that is how a wl_buffer resource is known to be ours. */
static const struct wl_buffer_interface buffer_impl = {
	.destroy = buffer_handle_destroy,
};

static void
buffer_free(struct sw_buffer *buffer)
{
	wl_signal_emit_mutable(&buffer->destroy_signal, buffer);
	buffer->impl->destroy(buffer);
}

static void
buffer_resource_destroy(struct wl_resource *resource)
{
	struct sw_buffer *buffer = wl_resource_get_user_data(resource);
	buffer->resource = NULL;
	/* Still shown on screen: keep the pixels until a new buffer replaces it. */
	if (buffer->locks == 0)
		buffer_free(buffer);
}

bool
sw_buffer_init(struct sw_buffer *buffer, const struct sw_buffer_impl *impl,
	       struct wl_client *client, uint32_t id)
{
	buffer->impl = impl;
	buffer->locks = 0;
	wl_signal_init(&buffer->destroy_signal);
	buffer->resource = wl_resource_create(client, &wl_buffer_interface, 1, id);
	if (!buffer->resource) {
		wl_client_post_no_memory(client);
		return false;
	}
	wl_resource_set_implementation(buffer->resource, &buffer_impl, buffer,
				       buffer_resource_destroy);
	return true;
}

struct sw_buffer *
sw_buffer_from_resource(struct wl_resource *resource)
{
	if (!resource || !wl_resource_instance_of(resource, &wl_buffer_interface, &buffer_impl))
		return NULL;
	return wl_resource_get_user_data(resource);
}

struct sw_buffer *
sw_buffer_lock(struct sw_buffer *buffer)
{
	buffer->locks++;
	return buffer;
}

void
sw_buffer_unlock(struct sw_buffer *buffer)
{
	if (--buffer->locks > 0)
		return;
	if (buffer->resource)
		wl_buffer_send_release(buffer->resource);
	else
		buffer_free(buffer);
}
