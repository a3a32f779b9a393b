/*
 * A well-behaved xdg-shell client driven line by line on stdin, for the
 * window management tests. It prints every xdg event it gets on stdout, one
 * line each, named after the window:
 *
 *   NAME configure W H STATES     (STATES: comma-separated, or "-")
 *   NAME bounds W H | NAME caps LIST | NAME popup X Y W H | NAME popup_done
 *   ping | synced | error TEXT
 *
 * Commands (one per line):
 *   toplevel NAME W H RGB [MARGIN] [fs] [parent=NAME]
 *                                   a window of W x H filled with RGB (hex);
 *                                   MARGIN > 0 adds a frame of that width in
 *                                   magenta outside its window geometry; fs
 *                                   asks for fullscreen before the first commit
 *   fullscreen|unfullscreen|maximize|unmaximize|minimize NAME
 *   parent NAME PARENT               xdg_toplevel.set_parent
 *   popup NAME PARENT X Y W H RGB ADJ [grab]
 *                                   a popup of W x H anchored to the point
 *                                   (X, Y) of PARENT's geometry, bottom-right
 *                                   gravity, constraint adjustment ADJ
 *   move|resize NAME [EDGES]        on the serial of the last button press
 *   destroy NAME | sync | quit
 *   onpress COMMAND                 run COMMAND on the next button press (with its serial)
 *   token [SERIAL]                  an xdg_activation_v1 token on SERIAL (default: the
 *                                   last button press's); prints "token STRING"
 *   activate NAME TOKEN             xdg_activation_v1.activate of NAME (TOKEN "env":
 *                                   $XDG_ACTIVATION_TOKEN)
 *
 * A configure with a size makes it redraw at that size (the window geometry
 * size; the margin comes on top). Pings are answered unless "noping" was
 * given. Exit status 0 after quit, 1 when the connection broke.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wayland-client.h>

#include "probe-util.h"
#include "xdg-activation-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define MAX_WINDOWS 16

struct win {
	char name[32];
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct xdg_popup *popup;
	int32_t width, height, margin;
	uint32_t rgb;
	bool configured;
};

static struct {
	struct probe_globals g;
	struct wl_seat *seat;
	struct wl_pointer *pointer;
	uint32_t button_serial;
	struct xdg_activation_v1 *activation;
	bool no_pong;
	char on_press[192];     /* a command to run on the next button press */
	struct win wins[MAX_WINDOWS];
} app;

static struct win *
find(const char *name)
{
	for (int i = 0; i < MAX_WINDOWS; i++)
		if (app.wins[i].surface && strcmp(app.wins[i].name, name) == 0)
			return &app.wins[i];
	printf("error no window %s\n", name);
	return NULL;
}

/* The window's colour inside its geometry, magenta in the margin around it. */
static void
paint(uint8_t *pixels, void *data)
{
	const struct win *w = data;
	int32_t bw = w->width + 2 * w->margin, bh = w->height + 2 * w->margin;
	uint32_t *px = (uint32_t *)(void *)pixels;
	for (int32_t y = 0; y < bh; y++)
		for (int32_t x = 0; x < bw; x++) {
			bool inside = x >= w->margin && x < w->margin + w->width &&
				      y >= w->margin && y < w->margin + w->height;
			px[y * bw + x] = inside ? w->rgb : 0x00ff00ffu;
		}
}

static void
draw(struct win *w)
{
	int32_t bw = w->width + 2 * w->margin, bh = w->height + 2 * w->margin;
	struct wl_buffer *buffer = probe_shm_buffer(app.g.shm, bw, bh, bw * 4,
						    WL_SHM_FORMAT_XRGB8888, true, paint, w);
	if (!buffer)
		return;
	if (w->margin)
		xdg_surface_set_window_geometry(w->xdg_surface, w->margin, w->margin, w->width,
						w->height);
	wl_surface_attach(w->surface, buffer, 0, 0);
	wl_surface_damage_buffer(w->surface, 0, 0, bw, bh);
	wl_surface_commit(w->surface);
	/* The compositor keeps its own reference until release; ours can go. */
	wl_buffer_destroy(buffer);
}

static const char *
state_name(uint32_t s)
{
	switch (s) {
	case XDG_TOPLEVEL_STATE_MAXIMIZED: return "maximized";
	case XDG_TOPLEVEL_STATE_FULLSCREEN: return "fullscreen";
	case XDG_TOPLEVEL_STATE_RESIZING: return "resizing";
	case XDG_TOPLEVEL_STATE_ACTIVATED: return "activated";
	default: return "other";
	}
}

static void
toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width, int32_t height,
		   struct wl_array *states)
{
	struct win *w = data;
	printf("%s configure %d %d ", w->name, width, height);
	uint32_t *s;
	bool first = true;
	wl_array_for_each(s, states) {
		printf("%s%s", first ? "" : ",", state_name(*s));
		first = false;
	}
	printf("%s\n", first ? "-" : "");
	if (width > 0 && height > 0) {
		w->width = width;
		w->height = height;
	}
}

static void
toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct win *w = data;
	printf("%s close\n", w->name);
}

static void
toplevel_bounds(void *data, struct xdg_toplevel *toplevel, int32_t width, int32_t height)
{
	struct win *w = data;
	printf("%s bounds %d %d\n", w->name, width, height);
}

static void
toplevel_caps(void *data, struct xdg_toplevel *toplevel, struct wl_array *caps)
{
	struct win *w = data;
	printf("%s caps", w->name);
	uint32_t *c;
	wl_array_for_each(c, caps)
		printf(" %u", *c);
	printf("\n");
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
	.configure_bounds = toplevel_bounds,
	.wm_capabilities = toplevel_caps,
};

static void
popup_configure(void *data, struct xdg_popup *popup, int32_t x, int32_t y, int32_t width,
		int32_t height)
{
	struct win *w = data;
	printf("%s popup %d %d %d %d\n", w->name, x, y, width, height);
	w->width = width;
	w->height = height;
}

static void
popup_done(void *data, struct xdg_popup *popup)
{
	struct win *w = data;
	printf("%s popup_done\n", w->name);
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
surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct win *w = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	w->configured = true;
	draw(w);
}

static const struct xdg_surface_listener surface_listener = {
	.configure = surface_configure,
};

static void
wm_base_ping(void *data, struct xdg_wm_base *base, uint32_t serial)
{
	printf("ping\n");
	if (!app.no_pong)
		xdg_wm_base_pong(base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void
pointer_enter(void *data, struct wl_pointer *p, uint32_t serial, struct wl_surface *s,
	      wl_fixed_t x, wl_fixed_t y)
{
}

static void
pointer_leave(void *data, struct wl_pointer *p, uint32_t serial, struct wl_surface *s)
{
}

static void
pointer_motion(void *data, struct wl_pointer *p, uint32_t time, wl_fixed_t x, wl_fixed_t y)
{
}

static bool command(char *line);

static void
pointer_button(void *data, struct wl_pointer *p, uint32_t serial, uint32_t time,
	       uint32_t button, uint32_t state)
{
	printf("button %s\n", state == WL_POINTER_BUTTON_STATE_PRESSED ? "pressed" : "released");
	if (state != WL_POINTER_BUTTON_STATE_PRESSED)
		return;
	app.button_serial = serial;
	if (app.on_press[0]) {
		char line[sizeof(app.on_press)];
		memcpy(line, app.on_press, sizeof(line));
		app.on_press[0] = '\0';
		command(line);
	}
}

static void
pointer_axis(void *data, struct wl_pointer *p, uint32_t time, uint32_t axis, wl_fixed_t value)
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
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !app.pointer) {
		app.pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(app.pointer, &pointer_listener, NULL);
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
global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
       uint32_t version)
{
	/* Our own registry, not probe_connect's: pongs are ours to hold back. */
	if (strcmp(interface, wl_seat_interface.name) == 0 && !app.seat) {
		app.seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
		wl_seat_add_listener(app.seat, &seat_listener, NULL);
	} else if (strcmp(interface, wl_compositor_interface.name) == 0 && !app.g.compositor) {
		app.g.compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
	} else if (strcmp(interface, xdg_activation_v1_interface.name) == 0) {
		app.activation = wl_registry_bind(registry, name, &xdg_activation_v1_interface, 1);
	} else if (strcmp(interface, wl_shm_interface.name) == 0 && !app.g.shm) {
		app.g.shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0 && !app.g.wm_base) {
		app.g.wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface,
						 version < 5 ? version : 5);
		xdg_wm_base_add_listener(app.g.wm_base, &wm_base_listener, NULL);
	}
}

static void
global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = global,
	.global_remove = global_remove,
};

static struct win *
new_win(const char *name)
{
	for (int i = 0; i < MAX_WINDOWS; i++) {
		struct win *w = &app.wins[i];
		if (w->surface)
			continue;
		memset(w, 0, sizeof(*w));
		snprintf(w->name, sizeof(w->name), "%s", name);
		w->surface = wl_compositor_create_surface(app.g.compositor);
		w->xdg_surface = xdg_wm_base_get_xdg_surface(app.g.wm_base, w->surface);
		xdg_surface_add_listener(w->xdg_surface, &surface_listener, w);
		return w;
	}
	printf("error too many windows\n");
	return NULL;
}

static void
destroy_win(struct win *w)
{
	if (w->toplevel)
		xdg_toplevel_destroy(w->toplevel);
	if (w->popup)
		xdg_popup_destroy(w->popup);
	xdg_surface_destroy(w->xdg_surface);
	wl_surface_destroy(w->surface);
	w->surface = NULL;
}

static void
token_done(void *data, struct xdg_activation_token_v1 *token, const char *name)
{
	printf("token %s\n", name);
	xdg_activation_token_v1_destroy(token);
}

static const struct xdg_activation_token_v1_listener token_listener = {
	.done = token_done,
};

/* One command; false on quit. */
static bool
command(char *line)
{
	char verb[32] = "", name[32] = "", other[32] = "", flag[16] = "";
	int n = sscanf(line, "%31s %31s", verb, name);
	if (n < 1)
		return true;
	struct win *w = NULL;
	if (strcmp(verb, "quit") == 0)
		return false;
	if (strcmp(verb, "sync") == 0) {
		wl_display_roundtrip(app.g.display);
		printf("synced\n");
	} else if (strcmp(verb, "onpress") == 0) {
		snprintf(app.on_press, sizeof(app.on_press), "%s", line + strlen("onpress "));
	} else if (strcmp(verb, "token") == 0 && app.activation) {
		uint32_t serial = app.button_serial;
		sscanf(line, "%*s %u", &serial);
		struct xdg_activation_token_v1 *token =
			xdg_activation_v1_get_activation_token(app.activation);
		xdg_activation_token_v1_add_listener(token, &token_listener, NULL);
		xdg_activation_token_v1_set_serial(token, serial, app.seat);
		xdg_activation_token_v1_commit(token);
	} else if (strcmp(verb, "noping") == 0) {
		app.no_pong = true;
	} else if (strcmp(verb, "toplevel") == 0) {
		int32_t width, height, margin = 0;
		uint32_t rgb;
		if (sscanf(line, "%*s %*s %d %d %x %d", &width, &height, &rgb, &margin) < 3 ||
		    !(w = new_win(name)))
			return true;
		w->width = width;
		w->height = height;
		w->rgb = rgb;
		w->margin = margin;
		w->toplevel = xdg_surface_get_toplevel(w->xdg_surface);
		xdg_toplevel_add_listener(w->toplevel, &toplevel_listener, w);
		xdg_toplevel_set_title(w->toplevel, name);
		if (strstr(line, " fs"))
			xdg_toplevel_set_fullscreen(w->toplevel, NULL);
		char *p = strstr(line, " parent=");
		struct win *parent;
		if (p && sscanf(p, " parent=%31s", other) == 1 && (parent = find(other)))
			xdg_toplevel_set_parent(w->toplevel, parent->toplevel);
		wl_surface_commit(w->surface);
	} else if (strcmp(verb, "popup") == 0) {
		int32_t x, y, width, height;
		uint32_t rgb, adj;
		struct win *parent;
		if (sscanf(line, "%*s %*s %31s %d %d %d %d %x %u %15s", other, &x, &y, &width,
			   &height, &rgb, &adj, flag) < 7 || !(parent = find(other)) ||
		    !(w = new_win(name)))
			return true;
		w->rgb = rgb;
		struct xdg_positioner *pos = xdg_wm_base_create_positioner(app.g.wm_base);
		xdg_positioner_set_size(pos, width, height);
		xdg_positioner_set_anchor_rect(pos, x, y, 1, 1);
		xdg_positioner_set_anchor(pos, XDG_POSITIONER_ANCHOR_TOP_LEFT);
		xdg_positioner_set_gravity(pos, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT);
		xdg_positioner_set_constraint_adjustment(pos, adj);
		w->popup = xdg_surface_get_popup(w->xdg_surface, parent->xdg_surface, pos);
		xdg_positioner_destroy(pos);
		xdg_popup_add_listener(w->popup, &popup_listener, w);
		if (strcmp(flag, "grab") == 0 && app.seat)
			xdg_popup_grab(w->popup, app.seat, app.button_serial);
		wl_surface_commit(w->surface);
	} else if ((w = find(name)) == NULL) {
		return true;
	} else if (strcmp(verb, "activate") == 0 && app.activation) {
		char token[128] = "";
		sscanf(line, "%*s %*s %127s", token);
		const char *env = getenv("XDG_ACTIVATION_TOKEN");
		xdg_activation_v1_activate(app.activation,
					   strcmp(token, "env") == 0 ? (env ? env : "") : token,
					   w->surface);
	} else if (strcmp(verb, "destroy") == 0) {
		destroy_win(w);
	} else if (!w->toplevel) {
		printf("error %s is not a toplevel\n", name);
	} else if (strcmp(verb, "fullscreen") == 0) {
		xdg_toplevel_set_fullscreen(w->toplevel, NULL);
	} else if (strcmp(verb, "unfullscreen") == 0) {
		xdg_toplevel_unset_fullscreen(w->toplevel);
	} else if (strcmp(verb, "maximize") == 0) {
		xdg_toplevel_set_maximized(w->toplevel);
	} else if (strcmp(verb, "unmaximize") == 0) {
		xdg_toplevel_unset_maximized(w->toplevel);
	} else if (strcmp(verb, "minimize") == 0) {
		xdg_toplevel_set_minimized(w->toplevel);
	} else if (strcmp(verb, "parent") == 0) {
		struct win *parent;
		if (sscanf(line, "%*s %*s %31s", other) == 1 && (parent = find(other)))
			xdg_toplevel_set_parent(w->toplevel, parent->toplevel);
	} else if (strcmp(verb, "move") == 0 && app.seat) {
		xdg_toplevel_move(w->toplevel, app.seat, app.button_serial);
	} else if (strcmp(verb, "resize") == 0 && app.seat) {
		uint32_t edges = XDG_TOPLEVEL_RESIZE_EDGE_BOTTOM_RIGHT;
		sscanf(line, "%*s %*s %u", &edges);
		xdg_toplevel_resize(w->toplevel, app.seat, app.button_serial, edges);
	} else {
		printf("error unknown command %s\n", verb);
	}
	return true;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	app.g.display = wl_display_connect(NULL);
	if (!app.g.display) {
		fprintf(stderr, "wm-probe: cannot connect\n");
		return 2;
	}
	app.g.registry = wl_display_get_registry(app.g.display);
	wl_registry_add_listener(app.g.registry, &registry_listener, NULL);
	wl_display_roundtrip(app.g.display);
	if (!app.g.compositor || !app.g.shm || !app.g.wm_base) {
		fprintf(stderr, "wm-probe: wl_compositor, wl_shm or xdg_wm_base missing\n");
		return 2;
	}
	wl_display_roundtrip(app.g.display);
	char line[256];
	size_t used = 0;
	for (;;) {
		wl_display_flush(app.g.display);
		struct pollfd fds[2] = {
			{ .fd = 0, .events = POLLIN },
			{ .fd = wl_display_get_fd(app.g.display), .events = POLLIN },
		};
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			return 1;
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (wl_display_dispatch(app.g.display) < 0) {
				probe_report(app.g.display);
				return 1;
			}
		}
		if (fds[0].revents & (POLLIN | POLLHUP)) {
			ssize_t got = read(0, line + used, sizeof(line) - 1 - used);
			if (got <= 0)
				return 0;
			used += (size_t)got;
			line[used] = '\0';
			char *nl;
			while ((nl = strchr(line, '\n'))) {
				*nl = '\0';
				if (!command(line))
					return 0;
				wl_display_flush(app.g.display);
				size_t rest = used - (size_t)(nl + 1 - line);
				memmove(line, nl + 1, rest);
				used = rest;
				line[used] = '\0';
			}
			if (used == sizeof(line) - 1)
				used = 0;
		}
	}
}
