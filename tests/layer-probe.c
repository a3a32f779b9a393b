/*
 * A zwlr_layer_shell_v1 client:
 *
 *   layer-probe LAYER ANCHOR WxH ZONE MARGIN RGB [KEYBOARD] [input=X,Y,W,H] [output=N]
 *               [popup=X,Y,W,H[,grab]]
 *   layer-probe --misuse NAME
 *
 * The first form maps a layer surface on LAYER (0-3) anchored to ANCHOR (the
 * protocol's bits), of size W x H (0: stretched between opposite anchors),
 * with exclusive zone ZONE, the same MARGIN on every edge and keyboard
 * interactivity KEYBOARD (default 0), filled with RGB (hex), its input
 * region the given rectangle (default: all of it), on the Nth wl_output the
 * registry announces (default: none named, the compositor's choice). It
 * prints "configure W H" for the first configure, "shown" once drawn,
 * "keyboard enter" / "keyboard leave" as the keyboard focus comes and goes,
 * "key N" for each key pressed, "pointer enter X Y", "pointer motion X Y",
 * "pointer button B pressed|released" and "pointer leave" (whole
 * surface-local pixels). With popup=, once shown it opens an xdg_popup of
 * W x H (filled with 40c0c0) at X,Y of the layer surface through get_popup,
 * grabbing if asked, and prints "popup X Y W H" for its configure, "popup
 * shown" and "popup_done". It holds the surface until stdin closes and
 * prints the connection's fate.
 * The misuses print only the fate:
 *   invalid-layer            get_layer_surface on layer 4
 *   bad-anchor               set_anchor 16
 *   bad-keyboard             set_keyboard_interactivity 3
 *   size-zero-unanchored     width 0 without left and right anchors, committed
 *   buffer-before-configure  a buffer committed before any configure is acked
 *   already-has-buffer       get_layer_surface for a surface with a buffer
 * Exit status 0 when it ran, 2 when it could not be set up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wayland-client.h>

#include "probe-util.h"
#include "xdg-shell-client-protocol.h"
#include "wlr-layer-shell-unstable-v1-client-protocol.h"

#define SHM_XRGB8888 1u
#define TIMEOUT_MS 15000

struct probe {
	struct probe_globals g;
	struct zwlr_layer_shell_v1 *shell;
	struct wl_seat *seat;
	struct wl_output *outputs[4];
	int n_outputs;
	struct wl_keyboard *keyboard;
	struct wl_pointer *pointer;
	struct wl_surface *surface;
	struct zwlr_layer_surface_v1 *layer;
	bool configured;
	uint32_t serial, width, height;
	uint32_t rgb;
	struct wl_buffer *buffer;
	int32_t buffer_w, buffer_h;
	bool popup_configured;
	uint32_t popup_serial;
	int32_t popup_w, popup_h;
};

static void
keyboard_keymap(void *data, struct wl_keyboard *k, uint32_t format, int32_t fd, uint32_t size)
{
	close(fd);
}

static void
keyboard_enter(void *data, struct wl_keyboard *k, uint32_t serial, struct wl_surface *s,
	       struct wl_array *keys)
{
	printf("keyboard enter\n");
	fflush(stdout);
}

static void
keyboard_leave(void *data, struct wl_keyboard *k, uint32_t serial, struct wl_surface *s)
{
	printf("keyboard leave\n");
	fflush(stdout);
}

static void
keyboard_key(void *data, struct wl_keyboard *k, uint32_t serial, uint32_t time, uint32_t key,
	     uint32_t state)
{
	if (state != WL_KEYBOARD_KEY_STATE_PRESSED)
		return;
	printf("key %u\n", key);
	fflush(stdout);
}

static void
keyboard_modifiers(void *data, struct wl_keyboard *k, uint32_t serial, uint32_t dep,
		   uint32_t lat, uint32_t lock, uint32_t group)
{
}

static void
keyboard_repeat(void *data, struct wl_keyboard *k, int32_t rate, int32_t delay)
{
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = keyboard_keymap,
	.enter = keyboard_enter,
	.leave = keyboard_leave,
	.key = keyboard_key,
	.modifiers = keyboard_modifiers,
	.repeat_info = keyboard_repeat,
};

static void
pointer_enter(void *data, struct wl_pointer *ptr, uint32_t serial, struct wl_surface *s,
	      wl_fixed_t x, wl_fixed_t y)
{
	printf("pointer enter %d %d\n", wl_fixed_to_int(x), wl_fixed_to_int(y));
	fflush(stdout);
}

static void
pointer_leave(void *data, struct wl_pointer *ptr, uint32_t serial, struct wl_surface *s)
{
	printf("pointer leave\n");
	fflush(stdout);
}

static void
pointer_motion(void *data, struct wl_pointer *ptr, uint32_t time, wl_fixed_t x, wl_fixed_t y)
{
	printf("pointer motion %d %d\n", wl_fixed_to_int(x), wl_fixed_to_int(y));
	fflush(stdout);
}

static void
pointer_button(void *data, struct wl_pointer *ptr, uint32_t serial, uint32_t time,
	       uint32_t button, uint32_t state)
{
	printf("pointer button %u %s\n", button,
	       state == WL_POINTER_BUTTON_STATE_PRESSED ? "pressed" : "released");
	fflush(stdout);
}

static void
pointer_axis(void *data, struct wl_pointer *ptr, uint32_t time, uint32_t axis, wl_fixed_t v)
{
}

static const struct wl_pointer_listener pointer_listener = {
	.enter = pointer_enter,
	.leave = pointer_leave,
	.motion = pointer_motion,
	.button = pointer_button,
	.axis = pointer_axis,
};

static void
seat_caps(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct probe *p = data;
	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && !p->keyboard) {
		p->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(p->keyboard, &keyboard_listener, p);
	}
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !p->pointer) {
		p->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(p->pointer, &pointer_listener, p);
	}
}

static void
seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_caps,
	.name = seat_name,
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct probe *p = data;
	if (strcmp(interface, zwlr_layer_shell_v1_interface.name) == 0) {
		p->shell = wl_registry_bind(registry, name, &zwlr_layer_shell_v1_interface,
					    version < 4 ? version : 4);
	} else if (strcmp(interface, wl_output_interface.name) == 0 && p->n_outputs < 4) {
		p->outputs[p->n_outputs++] = wl_registry_bind(registry, name, &wl_output_interface,
							      1);
	} else if (strcmp(interface, wl_seat_interface.name) == 0 && !p->seat) {
		p->seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
		wl_seat_add_listener(p->seat, &seat_listener, p);
	}
}

static struct wl_buffer *
make_buffer(struct probe *p, int32_t width, int32_t height)
{
	return probe_filled_buffer(p->g.shm, width, height, SHM_XRGB8888, 0xff000000u | p->rgb,
				   false);
}

static void
layer_configure(void *data, struct zwlr_layer_surface_v1 *l, uint32_t serial, uint32_t w,
		uint32_t h)
{
	struct probe *p = data;
	p->serial = serial;
	p->width = w;
	p->height = h;
	p->configured = true;
}

static void
layer_closed(void *data, struct zwlr_layer_surface_v1 *l)
{
	printf("closed\n");
	fflush(stdout);
}

static const struct zwlr_layer_surface_v1_listener layer_listener = {
	.configure = layer_configure,
	.closed = layer_closed,
};

static void
popup_xdg_configure(void *data, struct xdg_surface *xs, uint32_t serial)
{
	struct probe *p = data;
	p->popup_serial = serial;
	p->popup_configured = true;
}

static const struct xdg_surface_listener popup_xdg_listener = {
	.configure = popup_xdg_configure,
};

static void
popup_configure(void *data, struct xdg_popup *popup, int32_t x, int32_t y, int32_t w,
		int32_t h)
{
	struct probe *p = data;
	p->popup_w = w;
	p->popup_h = h;
	printf("popup %d %d %d %d\n", x, y, w, h);
	fflush(stdout);
}

static void
popup_done(void *data, struct xdg_popup *popup)
{
	printf("popup_done\n");
	fflush(stdout);
}

static void
popup_repositioned(void *data, struct xdg_popup *popup, uint32_t token)
{
}

static const struct xdg_popup_listener popup_listener = {
	.configure = popup_configure,
	.popup_done = popup_done,
	.repositioned = popup_repositioned,
};

static void
new_layer_on(struct probe *p, uint32_t layer, struct wl_output *output)
{
	p->surface = wl_compositor_create_surface(p->g.compositor);
	p->layer = zwlr_layer_shell_v1_get_layer_surface(p->shell, p->surface, output, layer,
							 "layer-probe");
	zwlr_layer_surface_v1_add_listener(p->layer, &layer_listener, p);
}

static void
new_layer(struct probe *p, uint32_t layer)
{
	new_layer_on(p, layer, NULL);
}

static int
misuse(struct probe *p, const char *name)
{
	p->rgb = 0x808080;
	if (strcmp(name, "invalid-layer") == 0) {
		new_layer(p, 4);
	} else if (strcmp(name, "bad-anchor") == 0) {
		new_layer(p, 2);
		zwlr_layer_surface_v1_set_anchor(p->layer, 16);
	} else if (strcmp(name, "bad-keyboard") == 0) {
		new_layer(p, 2);
		zwlr_layer_surface_v1_set_keyboard_interactivity(p->layer, 3);
	} else if (strcmp(name, "size-zero-unanchored") == 0) {
		new_layer(p, 2);
		zwlr_layer_surface_v1_set_size(p->layer, 0, 20);
		zwlr_layer_surface_v1_set_anchor(p->layer, ZWLR_LAYER_SURFACE_V1_ANCHOR_LEFT);
		wl_surface_commit(p->surface);
	} else if (strcmp(name, "buffer-before-configure") == 0) {
		new_layer(p, 2);
		zwlr_layer_surface_v1_set_size(p->layer, 20, 20);
		wl_surface_attach(p->surface, make_buffer(p, 20, 20), 0, 0);
		wl_surface_commit(p->surface);
	} else if (strcmp(name, "already-has-buffer") == 0) {
		p->surface = wl_compositor_create_surface(p->g.compositor);
		wl_surface_attach(p->surface, make_buffer(p, 20, 20), 0, 0);
		wl_surface_commit(p->surface);
		zwlr_layer_shell_v1_get_layer_surface(p->shell, p->surface, NULL, 2, "x");
	} else {
		fprintf(stderr, "layer-probe: no misuse %s\n", name);
		return 2;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct probe p = { 0 };
	bool misusing = argc == 3 && strcmp(argv[1], "--misuse") == 0;
	unsigned layer = 0, anchor = 0, keyboard = 0;
	int w = 0, h = 0, zone = 0, margin = 0;
	int input[4] = { 0 };
	bool has_input = false;
	int output = -1;
	int popup[4] = { 0 };
	bool has_popup = false, grab = false;
	bool parsed = argc >= 7 && argc <= 11 && sscanf(argv[1], "%u", &layer) == 1 &&
		      sscanf(argv[2], "%u", &anchor) == 1 &&
		      sscanf(argv[3], "%dx%d", &w, &h) == 2 &&
		      sscanf(argv[4], "%d", &zone) == 1 && sscanf(argv[5], "%d", &margin) == 1 &&
		      sscanf(argv[6], "%x", &p.rgb) == 1;
	for (int i = 7; parsed && i < argc; i++) {
		if (strncmp(argv[i], "input=", 6) == 0)
			parsed = has_input = sscanf(argv[i] + 6, "%d,%d,%d,%d", &input[0],
						    &input[1], &input[2], &input[3]) == 4;
		else if (strncmp(argv[i], "popup=", 6) == 0) {
			char rest[8] = "";
			int n = sscanf(argv[i] + 6, "%d,%d,%d,%d,%7s", &popup[0], &popup[1],
				       &popup[2], &popup[3], rest);
			parsed = has_popup = n >= 4 && popup[2] > 0 && popup[3] > 0;
			grab = n == 5 && strcmp(rest, "grab") == 0;
		} else if (strncmp(argv[i], "output=", 7) == 0)
			parsed = sscanf(argv[i] + 7, "%d", &output) == 1 && output >= 0;
		else
			parsed = sscanf(argv[i], "%u", &keyboard) == 1;
	}
	if (!misusing && !parsed) {
		fprintf(stderr, "usage: layer-probe LAYER ANCHOR WxH ZONE MARGIN RGB [KEYBOARD] "
				"[input=X,Y,W,H] [output=N]\n"
				"       layer-probe --misuse NAME\n");
		return 2;
	}
	const struct probe_connect_options options = { .global = registry_global, .data = &p };
	if (!probe_connect_with(&p.g, &options))
		return 2;
	if (!p.g.shm || !p.g.compositor || !p.shell) {
		fprintf(stderr, "layer-probe: missing globals (layer shell: %s)\n",
			p.shell ? "yes" : "no");
		return 2;
	}
	if (misusing) {
		if (misuse(&p, argv[2]) != 0)
			return 2;
		probe_settle(p.g.display, 10000);
		wl_display_disconnect(p.g.display);
		return 0;
	}
	if (output >= p.n_outputs) {
		fprintf(stderr, "layer-probe: no wl_output %d (%d announced)\n", output,
			p.n_outputs);
		return 2;
	}
	new_layer_on(&p, layer, output >= 0 ? p.outputs[output] : NULL);
	zwlr_layer_surface_v1_set_anchor(p.layer, anchor);
	zwlr_layer_surface_v1_set_size(p.layer, (uint32_t)w, (uint32_t)h);
	zwlr_layer_surface_v1_set_exclusive_zone(p.layer, zone);
	zwlr_layer_surface_v1_set_margin(p.layer, margin, margin, margin, margin);
	zwlr_layer_surface_v1_set_keyboard_interactivity(p.layer, keyboard);
	if (has_input) {
		struct wl_region *region = wl_compositor_create_region(p.g.compositor);
		wl_region_add(region, input[0], input[1], input[2], input[3]);
		wl_surface_set_input_region(p.surface, region);
		wl_region_destroy(region);
	}
	wl_surface_commit(p.surface);
	if (!probe_wait_for(p.g.display, &p.configured, TIMEOUT_MS)) {
		fprintf(stderr, "layer-probe: no configure\n");
		return 2;
	}
	printf("configure %u %u\n", p.width, p.height);
	fflush(stdout);
	zwlr_layer_surface_v1_ack_configure(p.layer, p.serial);
	int32_t bw = p.width ? (int32_t)p.width : w, bh = p.height ? (int32_t)p.height : h;
	struct wl_buffer *b = bw > 0 && bh > 0 ? make_buffer(&p, bw, bh) : NULL;
	if (!b)
		return 2;
	if (!probe_show_and_wait(p.g.display, p.surface, b, bw, bh, TIMEOUT_MS)) {
		fprintf(stderr, "layer-probe: not drawn\n");
		return 2;
	}
	printf("shown\n");
	fflush(stdout);
	if (has_popup) {
		if (!p.g.wm_base) {
			fprintf(stderr, "layer-probe: no xdg_wm_base\n");
			return 2;
		}
		struct xdg_positioner *pos = xdg_wm_base_create_positioner(p.g.wm_base);
		xdg_positioner_set_size(pos, popup[2], popup[3]);
		xdg_positioner_set_anchor_rect(pos, popup[0], popup[1], 1, 1);
		xdg_positioner_set_anchor(pos, XDG_POSITIONER_ANCHOR_TOP_LEFT);
		xdg_positioner_set_gravity(pos, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT);
		struct wl_surface *ps = wl_compositor_create_surface(p.g.compositor);
		struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(p.g.wm_base, ps);
		xdg_surface_add_listener(xs, &popup_xdg_listener, &p);
		struct xdg_popup *xp = xdg_surface_get_popup(xs, NULL, pos);
		xdg_popup_add_listener(xp, &popup_listener, &p);
		zwlr_layer_surface_v1_get_popup(p.layer, xp);
		if (grab && p.seat)
			xdg_popup_grab(xp, p.seat, 0);
		xdg_positioner_destroy(pos);
		wl_surface_commit(ps);
		if (!probe_wait_for(p.g.display, &p.popup_configured, TIMEOUT_MS)) {
			fprintf(stderr, "layer-probe: popup not configured\n");
			return 2;
		}
		xdg_surface_ack_configure(xs, p.popup_serial);
		uint32_t rgb = p.rgb;
		p.rgb = 0x40c0c0;
		struct wl_buffer *pb = make_buffer(&p, p.popup_w, p.popup_h);
		p.rgb = rgb;
		if (!pb)
			return 2;
		if (!probe_show_and_wait(p.g.display, ps, pb, p.popup_w, p.popup_h, TIMEOUT_MS)) {
			fprintf(stderr, "layer-probe: popup not drawn\n");
			return 2;
		}
		printf("popup shown\n");
		fflush(stdout);
	}
	probe_dispatch_until_stdin_closes(p.g.display);
	probe_settle(p.g.display, 10000);
	wl_display_disconnect(p.g.display);
	return 0;
}
