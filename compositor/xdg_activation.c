/* xdg_activation_v1: tokens and activation requests (xdg_activation.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

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
/*
 * Tokens a client may hold: its oldest is forgotten past this, so a flood
 * costs nothing and only ever evicts the flooder's own tokens.
 */
#define TOKENS_PER_CLIENT 16
/*
 * Tokens whose maker has gone (a launcher hands a token on and exits) stay
 * usable until they expire; at most this many, the oldest forgotten first.
 */
#define ORPHAN_TOKENS 64
/* sealway's own tokens, for the -- CLIENT. */
#define SEALWAY_TOKENS 4
#define TOKEN_BYTES 16
/* Lookups by name: tokens are random, so they spread evenly over the buckets. */
#define TOKEN_BUCKETS 64

/* Who made a set of tokens: a client, the clients that have gone, or sealway. */
struct token_owner {
	struct sw_xdg_activation *activation;
	struct wl_list tokens;       /* token.owner_link, newest first */
	int count, max;
	struct wl_listener client_destroy;   /* for a client's */
};

struct token {
	struct wl_list link;         /* sw_xdg_activation.tokens, newest first */
	struct wl_list bucket_link;  /* sw_xdg_activation.buckets[] */
	struct wl_list owner_link;   /* token_owner.tokens */
	struct token_owner *owner;
	char name[TOKEN_BYTES * 2 + 1];
	uint8_t bucket;
	bool valid;
	int64_t expires_ms;          /* CLOCK_MONOTONIC */
};

struct sw_xdg_activation {
	struct sw_server *server;
	struct wl_global *global;
	/* Every token, newest first: all live equally long, so the last expires first. */
	struct wl_list tokens;
	struct wl_list buckets[TOKEN_BUCKETS];
	int64_t lifetime_ms;
	struct token_owner orphans, sealway;
	struct wl_listener display_destroy;
};

/* An xdg_activation_token_v1 being built. */
struct token_builder {
	struct sw_xdg_activation *activation;
	bool has_serial, committed;
	uint32_t serial;
};

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
owner_init(struct token_owner *owner, struct sw_xdg_activation *activation, int max)
{
	*owner = (struct token_owner){ .activation = activation, .max = max };
	wl_list_init(&owner->tokens);
}

static void
token_free(struct token *token)
{
	wl_list_remove(&token->link);
	wl_list_remove(&token->bucket_link);
	wl_list_remove(&token->owner_link);
	token->owner->count--;
	free(token);
}

/* `token` joins `owner`'s tokens as its newest, its oldest going past the cap. */
static void
token_adopt(struct token_owner *owner, struct token *token)
{
	token->owner = owner;
	wl_list_insert(&owner->tokens, &token->owner_link);
	if (++owner->count > owner->max) {
		struct token *oldest = wl_container_of(owner->tokens.prev, oldest, owner_link);
		token_free(oldest);
	}
}

/* Forget the expired tokens: they are the oldest, at the end of the list. */
static void
tokens_expire(struct sw_xdg_activation *activation, int64_t now)
{
	while (!wl_list_empty(&activation->tokens)) {
		struct token *oldest = wl_container_of(activation->tokens.prev, oldest, link);
		if (oldest->expires_ms > now)
			break;
		token_free(oldest);
	}
}

static void
owner_client_destroyed(struct wl_listener *listener, void *data)
{
	struct token_owner *owner = wl_container_of(listener, owner, client_destroy);
	wl_list_remove(&owner->client_destroy.link);
	/* Its tokens outlive it, as the orphans' newest (oldest moved first, to keep the order). */
	struct token *token, *tmp;
	wl_list_for_each_reverse_safe(token, tmp, &owner->tokens, owner_link) {
		wl_list_remove(&token->owner_link);
		owner->count--;
		token_adopt(&owner->activation->orphans, token);
	}
	free(owner);
}

/* `client`'s owner record, made at its first token; NULL without memory. */
static struct token_owner *
owner_of_client(struct sw_xdg_activation *activation, struct wl_client *client)
{
	struct wl_listener *listener =
		wl_client_get_destroy_listener(client, owner_client_destroyed);
	struct token_owner *owner;
	if (listener)
		return wl_container_of(listener, owner, client_destroy);
	owner = malloc(sizeof(*owner));
	if (!owner)
		return NULL;
	owner_init(owner, activation, TOKENS_PER_CLIENT);
	owner->client_destroy.notify = owner_client_destroyed;
	wl_client_add_destroy_listener(client, &owner->client_destroy);
	return owner;
}

static struct token *
token_new(struct sw_xdg_activation *activation, struct token_owner *owner, bool valid)
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
	int64_t now = now_ms();
	tokens_expire(activation, now);
	token->valid = valid;
	token->expires_ms = now + activation->lifetime_ms;
	token->bucket = raw[0] % TOKEN_BUCKETS;
	wl_list_insert(&activation->tokens, &token->link);
	wl_list_insert(&activation->buckets[token->bucket], &token->bucket_link);
	token_adopt(owner, token);
	return token;
}

static uint8_t
bucket_of_name(const char *name)
{
	unsigned int byte = 0;
	if (sscanf(name, "%2x", &byte) != 1)
		return 0;
	return (uint8_t)(byte % TOKEN_BUCKETS);
}

/* What the token an activate names is. */
enum token_verdict { TOKEN_VALID, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_UNKNOWN };

/* Use up the token named `name` (when there is one), and say what it was. */
static enum token_verdict
token_take(struct sw_xdg_activation *activation, const char *name)
{
	int64_t now = now_ms();
	enum token_verdict verdict = TOKEN_UNKNOWN;
	struct token *token;
	wl_list_for_each(token, &activation->buckets[bucket_of_name(name)], bucket_link) {
		if (strcmp(token->name, name) == 0) {
			verdict = token->expires_ms <= now ? TOKEN_EXPIRED
				  : token->valid ? TOKEN_VALID : TOKEN_INVALID;
			token_free(token);
			break;
		}
	}
	tokens_expire(activation, now);
	return verdict;
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
	struct token_owner *owner = b->activation ? owner_of_client(b->activation, client) : NULL;
	struct token *token = owner ? token_new(b->activation, owner, valid) : NULL;
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
	enum token_verdict verdict = activation ? token_take(activation, name) : TOKEN_UNKNOWN;
	static const char *const verdicts[] = {
		[TOKEN_VALID] = "valid", [TOKEN_INVALID] = "not valid",
		[TOKEN_EXPIRED] = "expired", [TOKEN_UNKNOWN] = "unknown or used",
	};
	struct sw_view *view = surface->view;
	if (!view || !view->toplevel || !view->mapped) {
		sw_info("xdg_activation: activate of wl_surface@%u ignored: it is not a mapped "
			"toplevel", id);
		return;
	}
	if (verdict != TOKEN_VALID) {
		sw_info("xdg_activation: wl_surface@%u asks for attention (urgent): token "
			"\"%.40s\" is %s", id, name, verdicts[verdict]);
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
	/* The clients are gone (their tokens are orphans now): what is left goes. */
	struct token *token, *tmp;
	wl_list_for_each_safe(token, tmp, &activation->tokens, link)
		token_free(token);
	wl_global_destroy(activation->global);
	activation->server->xdg_activation = NULL;
	free(activation);
}

const char *
sw_xdg_activation_spawn_token(struct sw_server *server)
{
	struct sw_xdg_activation *activation = server->xdg_activation;
	struct token *token = activation ? token_new(activation, &activation->sealway, true) : NULL;
	return token ? token->name : NULL;
}

bool
sw_xdg_activation_create(struct sw_server *server)
{
	struct sw_xdg_activation *activation = calloc(1, sizeof(*activation));
	if (!activation)
		return false;
	activation->server = server;
	activation->lifetime_ms = server->opts.activation_token_ms > 0
					  ? server->opts.activation_token_ms
					  : SW_ACTIVATION_TOKEN_MS_DEFAULT;
	wl_list_init(&activation->tokens);
	for (int i = 0; i < TOKEN_BUCKETS; i++)
		wl_list_init(&activation->buckets[i]);
	owner_init(&activation->orphans, activation, ORPHAN_TOKENS);
	owner_init(&activation->sealway, activation, SEALWAY_TOKENS);
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
