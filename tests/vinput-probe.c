/*
 * A virtual pointer driven from the command line, for the virtual input
 * tests (wtype is the virtual keyboard's real client):
 *
 *   vinput-probe click X Y       move to X,Y of the output (absolute, extent
 *                                1024x768) and click the left button
 *   vinput-probe bad-axis        axis 2, which is not a wl_pointer.axis
 *   vinput-probe bad-axis-source axis_source 4
 *   vinput-probe hold            keep a virtual pointer until killed (prints "holding")
 *   vinput-probe tokens N        N xdg_activation_v1 tokens without a serial, made
 *                                and answered (prints "tokens N")
 *
 * Prints "no-virtual-pointer" (status 3) when the global is not offered,
 * else the outcome as probe_report does ("ok", "protocol-error ...").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/input-event-codes.h>
#include <wayland-client.h>

#include "probe-util.h"
#include "wlr-virtual-pointer-unstable-v1-client-protocol.h"
#include "xdg-activation-v1-client-protocol.h"

static struct zwlr_virtual_pointer_manager_v1 *manager;
static struct xdg_activation_v1 *activation;
static int tokens_done;

static void
token_done(void *data, struct xdg_activation_token_v1 *token, const char *name)
{
	tokens_done++;
	xdg_activation_token_v1_destroy(token);
}

static const struct xdg_activation_token_v1_listener token_listener = {
	.done = token_done,
};

/* `n` tokens made by a client that never had an input serial, all answered. */
static int
make_tokens(struct wl_display *display, int n)
{
	if (!activation) {
		printf("no-activation\n");
		return 3;
	}
	for (int i = 0; i < n; i++) {
		struct xdg_activation_token_v1 *token =
			xdg_activation_v1_get_activation_token(activation);
		xdg_activation_token_v1_add_listener(token, &token_listener, NULL);
		xdg_activation_token_v1_commit(token);
	}
	while (tokens_done < n && wl_display_dispatch(display) != -1)
		;
	printf("tokens %d\n", tokens_done);
	return tokens_done == n ? 0 : 1;
}

static void
global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
       uint32_t version)
{
	if (strcmp(interface, zwlr_virtual_pointer_manager_v1_interface.name) == 0)
		manager = wl_registry_bind(registry, name,
					   &zwlr_virtual_pointer_manager_v1_interface, 1);
	else if (strcmp(interface, xdg_activation_v1_interface.name) == 0)
		activation = wl_registry_bind(registry, name, &xdg_activation_v1_interface, 1);
}

int
main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(stderr, "usage: vinput-probe click X Y | bad-axis | bad-axis-source | hold | "
				"tokens N\n");
		return 2;
	}
	struct probe_connect_options options = { .global = global, .timeout_ms = 5000 };
	struct probe_globals g = { 0 };
	if (!probe_connect_with(&g, &options))
		return 1;
	if (strcmp(argv[1], "tokens") == 0 && argc == 3)
		return make_tokens(g.display, atoi(argv[2]));
	if (!manager) {
		printf("no-virtual-pointer\n");
		return 3;
	}
	struct zwlr_virtual_pointer_v1 *ptr =
		zwlr_virtual_pointer_manager_v1_create_virtual_pointer(manager, NULL);
	if (strcmp(argv[1], "click") == 0 && argc == 4) {
		uint32_t x = (uint32_t)atoi(argv[2]), y = (uint32_t)atoi(argv[3]);
		zwlr_virtual_pointer_v1_motion_absolute(ptr, 1, x, y, 1024, 768);
		zwlr_virtual_pointer_v1_frame(ptr);
		zwlr_virtual_pointer_v1_button(ptr, 2, BTN_LEFT, WL_POINTER_BUTTON_STATE_PRESSED);
		zwlr_virtual_pointer_v1_frame(ptr);
		zwlr_virtual_pointer_v1_button(ptr, 3, BTN_LEFT, WL_POINTER_BUTTON_STATE_RELEASED);
		zwlr_virtual_pointer_v1_frame(ptr);
	} else if (strcmp(argv[1], "hold") == 0) {
		wl_display_roundtrip(g.display);
		printf("holding\n");
		fflush(stdout);
		while (wl_display_dispatch(g.display) != -1)
			;
		return 0;
	} else if (strcmp(argv[1], "bad-axis") == 0) {
		zwlr_virtual_pointer_v1_axis(ptr, 1, 2, wl_fixed_from_int(10));
	} else if (strcmp(argv[1], "bad-axis-source") == 0) {
		zwlr_virtual_pointer_v1_axis_source(ptr, 4);
	} else {
		fprintf(stderr, "vinput-probe: unknown command %s\n", argv[1]);
		return 2;
	}
	probe_settle(g.display, 5000);
	return 0;
}
