#ifndef SW_TRUST_H
#define SW_TRUST_H

#include <stdbool.h>
#include <wayland-server-core.h>

struct sw_server;

/*
 * Who may inject input (zwp_virtual_keyboard_manager_v1,
 * zwlr_virtual_pointer_manager_v1), --trust-virtual-input:
 *   none     nobody;
 *   spawned  (the default) the one connection sealway made for the client
 *            it starts with `-- CLIENT`: a socketpair whose end the child
 *            gets as WAYLAND_SOCKET. A process that does not speak Wayland
 *            (a shell) passes it on to what it runs; whoever connects by
 *            WAYLAND_DISPLAY instead, the child's own children included, is
 *            an outside client. Nothing is judged by pid, so neither a
 *            process that reuses the child's pid nor one of its descendants
 *            is trusted by accident. The connection is for one client: a
 *            script that starts several must unset WAYLAND_SOCKET for all
 *            but the one it means (they would share it, and die of each
 *            other's object ids);
 *   all      every client (tests, or a desktop that accepts the risk).
 * Any other client does not see the globals at all (a global filter), so a
 * tool such as wtype says the protocol is missing rather than typing.
 */
enum sw_trust_policy {
	SW_TRUST_SPAWNED = 0,
	SW_TRUST_NONE,
	SW_TRUST_ALL,
};

bool sw_trust_parse_policy(const char *s, enum sw_trust_policy *policy);
/* Hide `global` from clients the policy does not trust with input; false when out of room. */
bool sw_trust_restrict_global(struct sw_server *server, struct wl_global *global);
bool sw_trust_client_may_inject(struct sw_server *server, const struct wl_client *client);
/* `client` is the `-- CLIENT`'s connection: trusted under "spawned" while it lives. */
void sw_trust_set_spawned_client(struct sw_server *server, struct wl_client *client);
/* Whether any client at all may inject input. */
bool sw_trust_virtual_input_enabled(struct sw_server *server);

#endif
