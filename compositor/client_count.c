#include <stdlib.h>
#include <sys/types.h>

#include "client_count.h"
#include "log.h"

struct count_entry {
	const struct wl_interface *kind;
	int count;
};

struct client_counts {
	struct wl_listener client_destroy;
	struct wl_array entries;        /* struct count_entry, one per kind */
};

static void
client_counts_destroyed(struct wl_listener *listener, void *data)
{
	struct client_counts *counts = wl_container_of(listener, counts, client_destroy);
	wl_list_remove(&counts->client_destroy.link);
	wl_array_release(&counts->entries);
	free(counts);
}

static struct count_entry *
find_entry(struct wl_client *client, const struct wl_interface *kind, bool create)
{
	struct wl_listener *l = wl_client_get_destroy_listener(client, client_counts_destroyed);
	struct client_counts *counts = l ? wl_container_of(l, counts, client_destroy) : NULL;
	if (!counts) {
		if (!create || !(counts = calloc(1, sizeof(*counts))))
			return NULL;
		wl_array_init(&counts->entries);
		counts->client_destroy.notify = client_counts_destroyed;
		wl_client_add_destroy_listener(client, &counts->client_destroy);
	}
	/* By index: wl_array_for_each adds to a NULL pointer while the array is empty. */
	struct count_entry *e = counts->entries.data;
	size_t n = counts->entries.size / sizeof(*e);
	for (size_t i = 0; i < n; i++) {
		if (e[i].kind == kind)
			return &e[i];
	}
	if (!create || !(e = wl_array_add(&counts->entries, sizeof(*e))))
		return NULL;
	*e = (struct count_entry){ .kind = kind };
	return e;
}

bool
sw_client_count_take(struct wl_client *client, const struct wl_interface *kind, int max)
{
	struct count_entry *e = find_entry(client, kind, true);
	if (!e) {
		wl_client_post_no_memory(client);
		return false;
	}
	if (e->count >= max) {
		pid_t pid;
		wl_client_get_credentials(client, &pid, NULL, NULL);
		sw_warn("client (pid %d) asks for a %s a %dth time: refused with no_memory, at most "
			"%d per client", (int)pid, kind->name, e->count + 1, max);
		wl_client_post_no_memory(client);
		return false;
	}
	e->count++;
	return true;
}

void
sw_client_count_release(struct wl_client *client, const struct wl_interface *kind)
{
	struct count_entry *e = find_entry(client, kind, false);
	if (e && e->count > 0)
		e->count--;
}
