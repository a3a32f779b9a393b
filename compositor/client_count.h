#ifndef SW_CLIENT_COUNT_H
#define SW_CLIENT_COUNT_H

#include <stdbool.h>
#include <wayland-server-core.h>

/*
 * How many objects of one kind (a global's binds, named by its interface)
 * each client holds, so that a client binding a global 100000 times is
 * refused instead of growing what every frame or event walks. The counts
 * live on the client (found through its destroy listeners), so taking and
 * releasing costs nothing per other client.
 */
#define SW_BINDS_PER_CLIENT 64

/*
 * Count one more `kind` for `client` if it holds fewer than `max`: true.
 * Otherwise logs why, posts wl_display.no_memory and returns false.
 */
bool sw_client_count_take(struct wl_client *client, const struct wl_interface *kind, int max);
/* One `kind` of `client` went away (a no-op while the client itself is torn down). */
void sw_client_count_release(struct wl_client *client, const struct wl_interface *kind);

#endif
