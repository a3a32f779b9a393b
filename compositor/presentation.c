#include <stdlib.h>
#include <time.h>

#include <wayland-server-core.h>

#include "output.h"
#include "presentation-time-server-protocol.h"
#include "presentation.h"
#include "server.h"
#include "surface.h"

#define PRESENTATION_VERSION 1

static void
feedback_resource_destroy(struct wl_resource *resource)
{
	struct sw_presentation_feedback *feedback = wl_resource_get_user_data(resource);
	wl_list_remove(&feedback->link);
	free(feedback);
}

void
sw_presentation_discard_list(struct wl_list *feedbacks)
{
	struct sw_presentation_feedback *feedback, *tmp;
	wl_list_for_each_safe(feedback, tmp, feedbacks, link) {
		wp_presentation_feedback_send_discarded(feedback->resource);
		wl_resource_destroy(feedback->resource);
	}
}

void
sw_presentation_present_list(struct wl_list *feedbacks, struct sw_output *output,
			     const struct sw_present_info *info)
{
	uint64_t sec = (uint64_t)info->when.tv_sec;
	struct sw_presentation_feedback *feedback, *tmp;
	wl_list_for_each_safe(feedback, tmp, feedbacks, link) {
		/* Only this client's binds: presenting never walks another client's. */
		struct wl_list *outputs = sw_output_client_resources(
			output, wl_resource_get_client(feedback->resource));
		struct wl_resource *out;
		if (outputs) {
			wl_resource_for_each(out, outputs)
				wp_presentation_feedback_send_sync_output(feedback->resource, out);
		}
		wp_presentation_feedback_send_presented(feedback->resource, (uint32_t)(sec >> 32),
							(uint32_t)sec, (uint32_t)info->when.tv_nsec,
							info->refresh_ns, (uint32_t)(info->seq >> 32),
							(uint32_t)info->seq,
							info->flags | feedback->flags);
		wl_resource_destroy(feedback->resource);
	}
}

static void
presentation_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
presentation_handle_feedback(struct wl_client *client, struct wl_resource *resource,
			     struct wl_resource *surface_resource, uint32_t id)
{
	struct sw_surface *surface = sw_surface_from_resource(surface_resource);
	struct sw_presentation_feedback *feedback = calloc(1, sizeof(*feedback));
	if (!feedback) {
		wl_client_post_no_memory(client);
		return;
	}
	feedback->resource = wl_resource_create(client, &wp_presentation_feedback_interface,
						wl_resource_get_version(resource), id);
	if (!feedback->resource) {
		free(feedback);
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(feedback->resource, NULL, feedback,
				       feedback_resource_destroy);
	/* Belongs to the surface's next commit. */
	wl_list_insert(surface->pending.feedbacks.prev, &feedback->link);
}

static const struct wp_presentation_interface presentation_impl = {
	.destroy = presentation_handle_destroy,
	.feedback = presentation_handle_feedback,
};

static void
presentation_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *resource = wl_resource_create(client, &wp_presentation_interface,
							  (int)version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &presentation_impl, data, NULL);
	wp_presentation_send_clock_id(resource, CLOCK_MONOTONIC);
}

bool
sw_presentation_create(struct sw_server *server)
{
	return wl_global_create(server->display, &wp_presentation_interface, PRESENTATION_VERSION,
				server, presentation_bind) != NULL;
}
