/*
 * The trust policy for injected input (trust.h): a global filter that hides
 * the virtual input globals from clients the policy does not name.
 */
#include <string.h>

#include <wayland-server-core.h>

#include "log.h"
#include "server.h"
#include "trust.h"

bool
sw_trust_parse_policy(const char *s, enum sw_trust_policy *policy)
{
	if (strcmp(s, "spawned") == 0)
		*policy = SW_TRUST_SPAWNED;
	else if (strcmp(s, "none") == 0)
		*policy = SW_TRUST_NONE;
	else if (strcmp(s, "all") == 0)
		*policy = SW_TRUST_ALL;
	else
		return false;
	return true;
}

bool
sw_trust_client_may_inject(struct sw_server *server, const struct wl_client *client)
{
	switch (server->opts.trust_virtual_input) {
	case SW_TRUST_ALL:
		return true;
	case SW_TRUST_NONE:
		return false;
	case SW_TRUST_SPAWNED:
		break;
	}
	return server->trust.spawned && client == server->trust.spawned;
}

static void
spawned_client_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_server *server = wl_container_of(listener, server, trust.spawned_destroy);
	wl_list_remove(&server->trust.spawned_destroy.link);
	server->trust.spawned = NULL;
}

void
sw_trust_set_spawned_client(struct sw_server *server, struct wl_client *client)
{
	if (server->trust.spawned)
		spawned_client_destroyed(&server->trust.spawned_destroy, NULL);
	server->trust.spawned = client;
	server->trust.spawned_destroy.notify = spawned_client_destroyed;
	wl_client_add_destroy_listener(client, &server->trust.spawned_destroy);
}

bool
sw_trust_virtual_input_enabled(struct sw_server *server)
{
	return server->opts.trust_virtual_input != SW_TRUST_NONE;
}

static bool
global_filter(const struct wl_client *client, const struct wl_global *global, void *data)
{
	struct sw_server *server = data;
	for (size_t i = 0; i < server->trust.count; i++) {
		if (server->trust.globals[i] == global)
			return sw_trust_client_may_inject(server, client);
	}
	return true;
}

bool
sw_trust_restrict_global(struct sw_server *server, struct wl_global *global)
{
	size_t max = sizeof(server->trust.globals) / sizeof(server->trust.globals[0]);
	if (server->trust.count >= max)
		return false;
	if (server->trust.count == 0)
		wl_display_set_global_filter(server->display, global_filter, server);
	server->trust.globals[server->trust.count++] = global;
	return true;
}
