/* The selections shared by the clipboard protocols (selection.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wayland-server-core.h>

#include "log.h"
#include "resource.h"
#include "seat.h"
#include "selection.h"
#include "server.h"

#define MIME_TYPES_PER_SOURCE 64
#define MIME_TYPE_MAX_LENGTH 255

static const char *const kind_names[] = { "clipboard", "primary selection" };

/* False when out of memory. */
static bool
source_add_mime_type(struct sw_selection_source *source, const char *mime_type)
{
	size_t count = source->mime_types.size / sizeof(char *);
	size_t length = strlen(mime_type);
	if (count >= MIME_TYPES_PER_SOURCE || length > MIME_TYPE_MAX_LENGTH) {
		/* Logged once per source: a flood of offers must not flood the log. */
		if (source->refused++ == 0)
			sw_warn("%s@%u: mime type \"%.40s%s\" (%zu bytes) refused: a source keeps "
				"at most %d mime types of at most %d bytes; later refusals are not "
				"logged", wl_resource_get_class(source->resource),
				wl_resource_get_id(source->resource), mime_type,
				length > 40 ? "..." : "", length, MIME_TYPES_PER_SOURCE,
				MIME_TYPE_MAX_LENGTH);
		return true;
	}
	char **slot = wl_array_add(&source->mime_types, sizeof(*slot));
	char *copy = strdup(mime_type);
	if (!slot || !copy) {
		if (slot)
			source->mime_types.size -= sizeof(*slot);
		free(copy);
		return false;
	}
	*slot = copy;
	return true;
}

void
sw_selection_source_handle_offer(struct wl_client *client, struct wl_resource *resource,
				 const char *mime_type)
{
	struct sw_selection_source *source = wl_resource_get_user_data(resource);
	if (!source_add_mime_type(source, mime_type))
		wl_client_post_no_memory(client);
}

static struct sw_selections *
selections_of(struct sw_server *server)
{
	return server->selections;
}

/* The source goes: it stops being a selection, its offers become inert. */
static void
source_resource_destroy(struct wl_resource *resource)
{
	struct sw_selection_source *source = wl_resource_get_user_data(resource);
	struct sw_selections *sel = selections_of(source->server);
	for (int kind = 0; sel && kind < SW_SELECTION_KINDS; kind++) {
		if (sel->current[kind] != source)
			continue;
		sel->current[kind] = NULL;
		sw_debug("%s: its source %s@%u is gone", kind_names[kind],
			 wl_resource_get_class(source->resource), wl_resource_get_id(source->resource));
		wl_signal_emit(&sel->changed, &kind);
	}
	struct wl_resource *offer, *tmp;
	wl_resource_for_each_safe(offer, tmp, &source->offers) {
		wl_list_remove(wl_resource_get_link(offer));
		wl_list_init(wl_resource_get_link(offer));
		wl_resource_set_user_data(offer, NULL);
	}
	if (source->refused > 1)
		sw_warn("%s@%u: %u mime types were refused in all",
			wl_resource_get_class(source->resource), wl_resource_get_id(source->resource),
			source->refused);
	char **mimes = source->mime_types.data;
	for (size_t i = 0; i < source->mime_types.size / sizeof(*mimes); i++)
		free(mimes[i]);
	wl_array_release(&source->mime_types);
	free(source);
}

void
sw_selection_source_create(struct sw_server *server, struct wl_client *client,
			   const struct sw_selection_source_impl *impl, int version, uint32_t id,
			   size_t size)
{
	struct sw_selection_source *source = calloc(1, size);
	if (!source) {
		wl_client_post_no_memory(client);
		return;
	}
	source->impl = impl;
	source->server = server;
	wl_array_init(&source->mime_types);
	wl_list_init(&source->offers);
	source->resource = sw_resource_create(client, impl->interface, version, id,
					      impl->requests, source, source_resource_destroy);
	if (!source->resource)
		free(source);
}

void
sw_selection_set(struct sw_server *server, enum sw_selection_kind kind,
		 struct sw_selection_source *source)
{
	struct sw_selections *sel = selections_of(server);
	if (!sel || sel->current[kind] == source)
		return;
	struct sw_selection_source *old = sel->current[kind];
	sel->current[kind] = source;
	if (old)
		old->impl->cancelled(old->resource);
	wl_signal_emit(&sel->changed, &kind);
}

struct sw_selection_source *
sw_selection_get(struct sw_server *server, enum sw_selection_kind kind)
{
	struct sw_selections *sel = selections_of(server);
	return sel ? sel->current[kind] : NULL;
}

static void
offer_resource_destroy(struct wl_resource *offer)
{
	wl_list_remove(wl_resource_get_link(offer));
}

void
sw_selection_send(const struct sw_selection_offer_impl *impl, struct wl_resource *device,
		  struct sw_selection_source *source)
{
	if (!source) {
		impl->selection(device, NULL);
		return;
	}
	/* Made by us (id 0), at the device's version. */
	struct wl_resource *offer = sw_resource_create(
		wl_resource_get_client(device), impl->interface, wl_resource_get_version(device),
		0, impl->requests, source, offer_resource_destroy);
	if (!offer)
		return;
	wl_list_insert(&source->offers, wl_resource_get_link(offer));
	impl->data_offer(device, offer);
	/* By index: wl_array_for_each adds to a NULL pointer when none was offered. */
	char **mimes = source->mime_types.data;
	for (size_t i = 0; i < source->mime_types.size / sizeof(*mimes); i++)
		impl->offer(offer, mimes[i]);
	impl->selection(device, offer);
}

void
sw_selection_offer_handle_receive(struct wl_client *client, struct wl_resource *offer,
				  const char *mime_type, int32_t fd)
{
	struct sw_selection_source *source = wl_resource_get_user_data(offer);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		sw_warn("%s@%u: receive of \"%.40s\": cannot stat the fd: %s",
			wl_resource_get_class(offer), wl_resource_get_id(offer), mime_type,
			strerror(errno));
	} else if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode)) {
		sw_warn("%s@%u: receive of \"%.40s\" refused: the fd is not a pipe or a socket "
			"(mode 0%o); it is closed, not handed to the selection's owner",
			wl_resource_get_class(offer), wl_resource_get_id(offer), mime_type,
			(unsigned)(st.st_mode & S_IFMT));
	} else if (!source) {
		sw_debug("%s@%u: receive on an offer whose source is gone; the fd is closed",
			 wl_resource_get_class(offer), wl_resource_get_id(offer));
	} else {
		source->impl->send(source->resource, mime_type, fd);
	}
	/* The owner got its own copy through its socket. */
	close(fd);
}

static void
focus_send(struct sw_selection_focus *focus, struct wl_resource *device)
{
	sw_selection_send(focus->offers, device, sw_selection_get(focus->server, focus->kind));
}

static void
focus_send_now(void *data)
{
	struct sw_selection_focus *focus = data;
	focus->idle = NULL;
	if (!focus->focus)
		return;
	struct wl_resource *device;
	wl_resource_for_each(device, &focus->devices) {
		if (wl_resource_get_client(device) == focus->focus)
			focus_send(focus, device);
	}
}

static void
focus_send_soon(struct sw_selection_focus *focus)
{
	if (!focus->focus || focus->idle)
		return;
	focus->idle = wl_event_loop_add_idle(focus->server->loop, focus_send_now, focus);
	if (!focus->idle)
		focus_send_now(focus);
}

static void
focus_selection_changed(struct wl_listener *listener, void *data)
{
	struct sw_selection_focus *focus = wl_container_of(listener, focus, changed);
	if (*(enum sw_selection_kind *)data == focus->kind)
		focus_send_soon(focus);
}

void
sw_selection_focus_init(struct sw_selection_focus *focus, struct sw_server *server,
			enum sw_selection_kind kind, const struct sw_selection_offer_impl *offers)
{
	*focus = (struct sw_selection_focus){ .server = server, .kind = kind, .offers = offers };
	wl_list_init(&focus->devices);
	focus->changed.notify = focus_selection_changed;
	wl_signal_add(&server->selections->changed, &focus->changed);
}

void
sw_selection_focus_finish(struct sw_selection_focus *focus)
{
	wl_list_remove(&focus->changed.link);
	if (focus->idle)
		wl_event_source_remove(focus->idle);
	focus->idle = NULL;
	struct wl_resource *device, *tmp;
	wl_resource_for_each_safe(device, tmp, &focus->devices) {
		wl_list_remove(wl_resource_get_link(device));
		wl_list_init(wl_resource_get_link(device));
		wl_resource_set_user_data(device, NULL);
	}
}

void
sw_selection_focus_set(struct sw_selection_focus *focus, struct wl_client *client)
{
	if (focus->focus == client)
		return;
	focus->focus = client;
	focus_send_soon(focus);
}

void
sw_selection_focus_add_device(struct sw_selection_focus *focus, struct wl_resource *device)
{
	wl_list_insert(&focus->devices, wl_resource_get_link(device));
	if (wl_resource_get_client(device) == focus->focus)
		focus_send(focus, device);
}

void
sw_selection_focus_handle_set_selection(struct wl_client *client, struct wl_resource *device,
					struct wl_resource *source_resource, uint32_t serial)
{
	struct sw_selection_focus *focus = wl_resource_get_user_data(device);
	if (!focus)
		return;
	struct sw_selection_source *source = source_resource ?
		wl_resource_get_user_data(source_resource) : NULL;
	struct sw_seat *seat = focus->server->seat;
	if (!seat || !sw_seat_serial_is_recent(seat, client, serial)) {
		sw_info("%s@%u: set_selection with serial %u ignored: not a recent input serial "
			"of the client with the keyboard", wl_resource_get_class(device),
			wl_resource_get_id(device), serial);
		if (source)
			source->impl->cancelled(source->resource);
		return;
	}
	sw_selection_set(focus->server, focus->kind, source);
}

static void
selections_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_selections *sel = wl_container_of(listener, sel, display_destroy);
	wl_list_remove(&sel->display_destroy.link);
	/* Whoever listens may go after us, and unlink itself then: leave it linked to nothing. */
	struct wl_listener *l, *tmp;
	wl_list_for_each_safe(l, tmp, &sel->changed.listener_list, link) {
		wl_list_remove(&l->link);
		wl_list_init(&l->link);
	}
	sel->server->selections = NULL;
	free(sel);
}

bool
sw_selections_create(struct sw_server *server)
{
	struct sw_selections *sel = calloc(1, sizeof(*sel));
	if (!sel)
		return false;
	sel->server = server;
	wl_signal_init(&sel->changed);
	sel->display_destroy.notify = selections_display_destroyed;
	wl_display_add_destroy_listener(server->display, &sel->display_destroy);
	server->selections = sel;
	return true;
}
