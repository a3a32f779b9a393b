/* xdg_activation_v1: tokens and activation requests (xdg_activation.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <wayland-server-core.h>

#include "client_count.h"
#include "log.h"
#include "seat.h"
#include "server.h"
#include "surface.h"
#include "view.h"
#include "wm.h"
#include "xdg-activation-v1-server-protocol.h"
#include "xdg_activation.h"

#define XDG_ACTIVATION_VERSION 1
/* Tokens remembered: the oldest is forgotten past this, so a flood costs nothing. */
#define MAX_TOKENS 64
#define TOKEN_BYTES 16

struct token {
	struct wl_list link;         /* sw_xdg_activation.tokens, newest first */
	char name[TOKEN_BYTES * 2 + 1];
	bool valid;
};

struct sw_xdg_activation {
	struct sw_server *server;
	struct wl_global *global;
	struct wl_list tokens;
	int count;
	struct wl_listener display_destroy;
};

/* An xdg_activation_token_v1 being built. */
struct token_builder {
	struct sw_xdg_activation *activation;
	bool has_serial, committed;
	uint32_t serial;
};

static struct token *
token_new(struct sw_xdg_activation *activation, bool valid)
{
	uint8_t raw[TOKEN_BYTES];
	size_t got = 0;
	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sw_warn("xdg_activation: getrandom: %s", strerror(errno));
			return NULL;
		}
		got += (size_t)n;
	}
	struct token *token = calloc(1, sizeof(*token));
	if (!token)
		return NULL;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(token->name + 2 * i, 3, "%02x", raw[i]);
	token->valid = valid;
	wl_list_insert(&activation->tokens, &token->link);
	if (++activation->count > MAX_TOKENS) {
		struct token *oldest = wl_container_of(activation->tokens.prev, oldest, link);
		wl_list_remove(&oldest->link);
		free(oldest);
		activation->count--;
	}
	return token;
}

static struct token *
token_take(struct sw_xdg_activation *activation, const char *name)
{
	struct token *token;
	wl_list_for_each(token, &activation->tokens, link) {
		if (strcmp(token->name, name) == 0) {
			wl_list_remove(&token->link);
			activation->count--;
			return token;
		}
	}
	return NULL;
}

/* ---- xdg_activation_token_v1 ---- */

static bool
check_not_committed(struct wl_resource *resource, const char *request)
{
	struct token_builder *b = wl_resource_get_user_data(resource);
	if (!b->committed)
		return true;
	wl_resource_post_error(resource, XDG_ACTIVATION_TOKEN_V1_ERROR_ALREADY_USED,
			       "%s after commit", request);
	return false;
}

static void
token_set_serial(struct wl_client *client, struct wl_resource *resource, uint32_t serial,
		 struct wl_resource *seat)
{
	struct token_builder *b = wl_resource_get_user_data(resource);
	if (!check_not_committed(resource, "set_serial"))
		return;
	b->has_serial = true;
	b->serial = serial;
}

static void
token_set_app_id(struct wl_client *client, struct wl_resource *resource, const char *app_id)
{
	/* Not needed to judge a token: the serial says who asked. */
	check_not_committed(resource, "set_app_id");
}

static void
token_set_surface(struct wl_client *client, struct wl_resource *resource,
		  struct wl_resource *surface)
{
	/* Likewise: the serial must be the keyboard focus's, whatever surface is named. */
	check_not_committed(resource, "set_surface");
}

static void
token_commit(struct wl_client *client, struct wl_resource *resource)
{
	struct token_builder *b = wl_resource_get_user_data(resource);
	if (!check_not_committed(resource, "commit"))
		return;
	b->committed = true;
	struct sw_server *server = b->activation ? b->activation->server : NULL;
	bool valid = server && server->seat && b->has_serial &&
		     sw_seat_serial_is_recent(server->seat, client, b->serial);
	struct token *token = b->activation ? token_new(b->activation, valid) : NULL;
	if (!token) {
		/* Still answered: an unknown token is only a request for attention. */
		xdg_activation_token_v1_send_done(resource, "invalid");
		return;
	}
	sw_debug("xdg_activation: token %s for client %p is %s", token->name, (void *)client,
		 valid ? "valid" : b->has_serial ? "not valid (not a recent input serial of the "
		 "focused client)" : "not valid (no serial)");
	xdg_activation_token_v1_send_done(resource, token->name);
}

static void
resource_destroy_request(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct xdg_activation_token_v1_interface token_impl = {
	.set_serial = token_set_serial,
	.set_app_id = token_set_app_id,
	.set_surface = token_set_surface,
	.commit = token_commit,
	.destroy = resource_destroy_request,
};

static void
token_resource_destroy(struct wl_resource *resource)
{
	free(wl_resource_get_user_data(resource));
}

/* ---- xdg_activation_v1 ---- */

static void
activation_get_token(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct token_builder *b = calloc(1, sizeof(*b));
	if (!b) {
		wl_client_post_no_memory(client);
		return;
	}
	struct wl_resource *token = wl_resource_create(client, &xdg_activation_token_v1_interface,
						       wl_resource_get_version(resource), id);
	if (!token) {
		free(b);
		wl_client_post_no_memory(client);
		return;
	}
	b->activation = wl_resource_get_user_data(resource);
	wl_resource_set_implementation(token, &token_impl, b, token_resource_destroy);
}

static void
activation_activate(struct wl_client *client, struct wl_resource *resource, const char *name,
		    struct wl_resource *surface_resource)
{
	struct sw_xdg_activation *activation = wl_resource_get_user_data(resource);
	struct sw_surface *surface = sw_surface_from_resource(surface_resource);
	uint32_t id = wl_resource_get_id(surface_resource);
	struct token *token = activation ? token_take(activation, name) : NULL;
	bool valid = token && token->valid;
	free(token);
	struct sw_view *view = surface->view;
	if (!view || !view->toplevel || !view->mapped) {
		sw_info("xdg_activation: activate of wl_surface@%u ignored: it is not a mapped "
			"toplevel", id);
		return;
	}
	if (!valid) {
		sw_info("xdg_activation: wl_surface@%u asks for attention (urgent): token "
			"\"%.40s\" is %s", id, name, token ? "not valid" : "unknown or used");
		return;
	}
	sw_info("xdg_activation: wl_surface@%u activated by a valid token", id);
	sw_wm_focus(activation->server->wm, view);
}

static const struct xdg_activation_v1_interface activation_impl = {
	.destroy = resource_destroy_request,
	.get_activation_token = activation_get_token,
	.activate = activation_activate,
};

static void
activation_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *resource = wl_resource_create(client, &xdg_activation_v1_interface,
							  (int)version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &activation_impl, data, NULL);
}

static void
activation_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_xdg_activation *activation =
		wl_container_of(listener, activation, display_destroy);
	wl_list_remove(&activation->display_destroy.link);
	struct token *token, *tmp;
	wl_list_for_each_safe(token, tmp, &activation->tokens, link)
		free(token);
	wl_global_destroy(activation->global);
	activation->server->xdg_activation = NULL;
	free(activation);
}

const char *
sw_xdg_activation_spawn_token(struct sw_server *server)
{
	struct token *token = server->xdg_activation ? token_new(server->xdg_activation, true)
						     : NULL;
	return token ? token->name : NULL;
}

bool
sw_xdg_activation_create(struct sw_server *server)
{
	struct sw_xdg_activation *activation = calloc(1, sizeof(*activation));
	if (!activation)
		return false;
	activation->server = server;
	wl_list_init(&activation->tokens);
	activation->global = wl_global_create(server->display, &xdg_activation_v1_interface,
					      XDG_ACTIVATION_VERSION, activation, activation_bind);
	if (!activation->global) {
		free(activation);
		return false;
	}
	activation->display_destroy.notify = activation_display_destroyed;
	wl_display_add_destroy_listener(server->display, &activation->display_destroy);
	server->xdg_activation = activation;
	return true;
}
