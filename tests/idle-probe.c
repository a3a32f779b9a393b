/*
 * zwp_idle_inhibit_manager_v1 from a client with one window:
 *
 *   idle-probe inhibit-then-destroy   an inhibitor, then its destroy request
 *   idle-probe surface-goes-first     an inhibitor, then the surface is destroyed
 *                                     before the inhibitor
 *
 * Roundtrips after each step and prints the outcome as probe_report does;
 * "no-idle-inhibit" (status 3) when the global is not offered.
 */
#include <stdio.h>
#include <string.h>

#include <wayland-client.h>

#include "idle-inhibit-unstable-v1-client-protocol.h"
#include "probe-util.h"

static struct zwp_idle_inhibit_manager_v1 *manager;

static void
global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
       uint32_t version)
{
	if (strcmp(interface, zwp_idle_inhibit_manager_v1_interface.name) == 0)
		manager = wl_registry_bind(registry, name, &zwp_idle_inhibit_manager_v1_interface,
					   1);
}

int
main(int argc, char *argv[])
{
	bool surface_first = argc == 2 && strcmp(argv[1], "surface-goes-first") == 0;
	if (argc != 2 || (!surface_first && strcmp(argv[1], "inhibit-then-destroy") != 0)) {
		fprintf(stderr, "usage: idle-probe inhibit-then-destroy | surface-goes-first\n");
		return 2;
	}
	struct probe_connect_options options = { .global = global, .timeout_ms = 5000 };
	struct probe_globals g = { 0 };
	if (!probe_connect_with(&g, &options))
		return 1;
	if (!manager) {
		printf("no-idle-inhibit\n");
		return 3;
	}
	struct wl_surface *surface = wl_compositor_create_surface(g.compositor);
	struct zwp_idle_inhibitor_v1 *inh =
		zwp_idle_inhibit_manager_v1_create_inhibitor(manager, surface);
	wl_display_roundtrip(g.display);
	if (surface_first) {
		wl_surface_destroy(surface);
		wl_display_roundtrip(g.display);
		zwp_idle_inhibitor_v1_destroy(inh);
	} else {
		zwp_idle_inhibitor_v1_destroy(inh);
		wl_display_roundtrip(g.display);
		wl_surface_destroy(surface);
	}
	probe_settle(g.display, 5000);
	return 0;
}
