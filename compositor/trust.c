/*
 * The trust policy for injected input (trust.h): a global filter that hides
 * the virtual input globals from clients the policy does not name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <wayland-server-core.h>

#include "log.h"
#include "server.h"
#include "trust.h"

/* How far up the parent chain a trusted process may be: bounds the /proc reads. */
#define MAX_ANCESTRY 64

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

/* The parent of `pid`, or -1 when it cannot be read (gone, or not ours to see). */
static pid_t
parent_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char buf[512];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses, the last ')' ends it. */
	char *end = strrchr(buf, ')');
	int ppid;
	char state;
	if (!end || sscanf(end + 1, " %c %d", &state, &ppid) != 2)
		return -1;
	return (pid_t)ppid;
}

static bool
descends_from(pid_t pid, pid_t ancestor)
{
	for (int i = 0; i < MAX_ANCESTRY && pid > 1; i++) {
		if (pid == ancestor)
			return true;
		pid = parent_of(pid);
	}
	return false;
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
	if (server->spawned_pid <= 0)
		return false;
	pid_t pid;
	wl_client_get_credentials((struct wl_client *)client, &pid, NULL, NULL);
	return descends_from(pid, server->spawned_pid);
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
