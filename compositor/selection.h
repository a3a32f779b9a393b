#ifndef SW_SELECTION_H
#define SW_SELECTION_H

#include <stdbool.h>
#include <stddef.h>
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
 *
 * What the protocols do alike is here (sources, offers, the focus rules);
 * a protocol file names its interfaces and generated senders in the tables
 * below and keeps only the requests that are its own. No generated protocol
 * header is included here.
 */
struct sw_server;

enum sw_selection_kind {
	SW_SELECTION_CLIPBOARD = 0,
	SW_SELECTION_PRIMARY,
	SW_SELECTION_KINDS,
};

/* A protocol's source object; the events are its generated senders as they are. */
struct sw_selection_source_impl {
	const struct wl_interface *interface;
	const void *requests;           /* offer: sw_selection_source_handle_offer, after checks */
	/* Write `mime_type` into `fd` (the source's client gets its own copy; fd stays ours). */
	void (*send)(struct wl_resource *source, const char *mime_type, int32_t fd);
	/* It was replaced as the selection. */
	void (*cancelled)(struct wl_resource *source);
};

/*
 * A protocol's offer object and how a device names a selection with it: the
 * offer is introduced (data_offer), given each mime type (offer), then named
 * (selection, NULL when there is none). The generated senders fit as they are.
 */
struct sw_selection_offer_impl {
	const struct wl_interface *interface;
	const void *requests;           /* receive: sw_selection_offer_handle_receive */
	void (*data_offer)(struct wl_resource *device, struct wl_resource *offer);
	void (*offer)(struct wl_resource *offer, const char *mime_type);
	void (*selection)(struct wl_resource *device, struct wl_resource *offer);
};

struct sw_selection_source {
	const struct sw_selection_source_impl *impl;
	struct sw_server *server;
	struct wl_resource *resource;   /* the protocol's source object: its user data is this */
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

/*
 * A manager's create request: a source resource of `impl` at `version`, whose
 * user data is a zeroed struct of `size` bytes (the protocol's own, which
 * begins with struct sw_selection_source), freed when the resource goes. Then
 * it stops being a selection and its offers become inert.
 */
void sw_selection_source_create(struct sw_server *server, struct wl_client *client,
				const struct sw_selection_source_impl *impl, int version,
				uint32_t id, size_t size);
/*
 * A source's offer request: every mime type goes to a reader in one burst, so
 * a source keeps at most 64 of at most 255 bytes; past that they are refused
 * with a warning (none of the protocols has an error for it).
 */
void sw_selection_source_handle_offer(struct wl_client *client, struct wl_resource *resource,
				      const char *mime_type);

/* Make `source` (NULL: nothing) the selection; the one it replaces is cancelled. */
void sw_selection_set(struct sw_server *server, enum sw_selection_kind kind,
		      struct sw_selection_source *source);
struct sw_selection_source *sw_selection_get(struct sw_server *server,
					     enum sw_selection_kind kind);

/*
 * Tell `device` (of impl's protocol) that `source` (NULL: nothing) is the
 * selection, with a new offer of it.
 */
void sw_selection_send(const struct sw_selection_offer_impl *impl, struct wl_resource *device,
		       struct sw_selection_source *source);
/*
 * An offer's receive request: `fd` goes to the source's client (and is closed
 * here in every case). A reader may hand only a pipe or a socket: anything
 * else (a file, a device) is refused and logged, so no other kind of fd passes
 * from one client to another. An offer whose source is gone is inert.
 */
void sw_selection_offer_handle_receive(struct wl_client *client, struct wl_resource *offer,
				       const char *mime_type, int32_t fd);

/*
 * The devices of a protocol that tell only the client with the keyboard what
 * a selection holds (wl_data_device, zwp_primary_selection_device_v1). The
 * focus hears of the selection once per loop iteration, however often it
 * changes.
 */
struct sw_selection_focus {
	struct sw_server *server;
	enum sw_selection_kind kind;
	const struct sw_selection_offer_impl *offers;
	/* Device resources, whose user data is this (NULL: inert); their destroy unlinks them. */
	struct wl_list devices;
	struct wl_client *focus;
	struct wl_event_source *idle;
	struct wl_listener changed;
};

void sw_selection_focus_init(struct sw_selection_focus *focus, struct sw_server *server,
			     enum sw_selection_kind kind,
			     const struct sw_selection_offer_impl *offers);
/* The display goes: the devices become inert (user data NULL, unlinked). */
void sw_selection_focus_finish(struct sw_selection_focus *focus);
/* `client` got the keyboard (NULL: nobody); it hears what the selection holds. */
void sw_selection_focus_set(struct sw_selection_focus *focus, struct wl_client *client);
/* A new device: linked, and told what the selection holds if its client has the focus. */
void sw_selection_focus_add_device(struct sw_selection_focus *focus, struct wl_resource *device);
/*
 * A device's set_selection request: only the client with the keyboard,
 * answering an input event it got (a recent serial), sets the selection;
 * otherwise the request is logged and ignored, and its source cancelled.
 */
void sw_selection_focus_handle_set_selection(struct wl_client *client,
					     struct wl_resource *device,
					     struct wl_resource *source, uint32_t serial);

#endif
