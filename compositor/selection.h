#ifndef SW_SELECTION_H
#define SW_SELECTION_H

#include <stdbool.h>
#include <stdint.h>

#include <wayland-server-core.h>

/*
 * The clipboard and the primary selection, whoever offers and reads them:
 * wl_data_device (data_device.c), zwp_primary_selection (primary_selection.c)
 * and zwlr_data_control (data_control.c, which reads and sets both). A
 * selection is a source of one of those protocols behind a common face:
 * its mime types and how to ask it for the data.
 *
 * Offers (the readers' objects) do not keep a source alive: each is linked
 * in its source's `offers` list, and made inert (user data NULL) when the
 * source goes.
 */
struct sw_server;

enum sw_selection_kind {
	SW_SELECTION_CLIPBOARD = 0,
	SW_SELECTION_PRIMARY,
	SW_SELECTION_KINDS,
};

struct sw_selection_source;

struct sw_selection_source_impl {
	/* Write `mime_type` into `fd` (the source's client gets its own copy; fd stays ours). */
	void (*send)(struct sw_selection_source *source, const char *mime_type, int32_t fd);
	/* It was replaced as the selection. */
	void (*cancel)(struct sw_selection_source *source);
};

struct sw_selection_source {
	const struct sw_selection_source_impl *impl;
	struct wl_resource *resource;   /* the protocol's source object, for logs */
	struct wl_array mime_types;     /* char * */
	uint32_t refused;               /* mime types past the limits */
	struct wl_list offers;          /* offer resources of every protocol made from it */
};

struct sw_selections {
	struct sw_server *server;
	struct sw_selection_source *current[SW_SELECTION_KINDS];
	/* A selection changed; data is the enum sw_selection_kind, as a pointer to it. */
	struct wl_signal changed;
	struct wl_listener display_destroy;
};

bool sw_selections_create(struct sw_server *server);

void sw_selection_source_init(struct sw_selection_source *source,
			      const struct sw_selection_source_impl *impl,
			      struct wl_resource *resource);
/*
 * Add a mime type: every one goes to a reader in one burst, so a source keeps
 * at most 64 of at most 255 bytes; past that they are refused with a warning
 * (none of the protocols has an error for it). False when out of memory.
 */
bool sw_selection_source_offer(struct sw_selection_source *source, const char *mime_type);
/* The source goes: it stops being a selection, its offers become inert. */
void sw_selection_source_finish(struct sw_server *server, struct sw_selection_source *source);

/* Make `source` (NULL: nothing) the selection; the one it replaces is cancelled. */
void sw_selection_set(struct sw_server *server, enum sw_selection_kind kind,
		      struct sw_selection_source *source);
struct sw_selection_source *sw_selection_get(struct sw_server *server,
					     enum sw_selection_kind kind);

/*
 * An offer's receive: `fd` goes to the source's client (and is closed here
 * in every case). A reader may hand only a pipe or a socket: anything else
 * (a file, a device) is refused and logged, so no other kind of fd passes
 * from one client to another. NULL source: the offer is inert.
 */
void sw_selection_receive(struct sw_selection_source *source, struct wl_resource *offer,
			  const char *mime_type, int32_t fd);

/* Link an offer resource into its source (its destroy must call sw_selection_offer_unlink). */
void sw_selection_offer_link(struct sw_selection_source *source, struct wl_resource *offer);
void sw_selection_offer_unlink(struct wl_resource *offer);
/* Send every mime type of `source` with `send_offer`. */
void sw_selection_for_each_mime(struct sw_selection_source *source,
				void (*fn)(struct wl_resource *offer, const char *mime),
				struct wl_resource *offer);

#endif
