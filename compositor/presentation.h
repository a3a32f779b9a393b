#ifndef SW_PRESENTATION_H
#define SW_PRESENTATION_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>

struct sw_server;
struct sw_output;
struct sw_present_info;

/* One wp_presentation_feedback; moves surface pending -> surface -> output. */
struct sw_presentation_feedback {
	struct wl_resource *resource;
	struct wl_list link;
	uint32_t flags;  /* added to the frame's: ZERO_COPY when its surface was not copied */
};

bool sw_presentation_create(struct sw_server *server);
/* Send `discarded` and destroy every feedback in the list. */
void sw_presentation_discard_list(struct wl_list *feedbacks);
/* Send `presented` and destroy every feedback in the list. */
void sw_presentation_present_list(struct wl_list *feedbacks, struct sw_output *output,
				  const struct sw_present_info *info);

#endif
