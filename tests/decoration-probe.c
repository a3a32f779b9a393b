/*
 * A toplevel that asks zxdg_decoration_manager_v1 for its decorations:
 *
 *   decoration-probe MODE|SCENARIO
 *
 * MODE is "server-side", "client-side" or "unset": it creates the decoration
 * before the first commit, sets that mode, prints "mode N" for the last
 * zxdg_toplevel_decoration_v1.configure, shows a 200x100 opaque green window
 * titled "Hi", prints "shown" once drawn, then holds the window until stdin
 * closes, printing "close" whenever xdg_toplevel.close comes; last it prints
 * the connection's fate ("ok", "protocol-error interface=NAME code=N").
 * The SCENARIOs misuse the protocol and print only the fate:
 *   already-constructed   two decorations for one toplevel
 *   unconfigured-buffer   a decoration for a toplevel with a buffer attached
 *   orphaned              set_mode after the xdg_toplevel is destroyed
 * Exit status 0 when it ran, 2 when it could not be set up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wayland-client.h>

#include "probe-util.h"
#include "xdg-decoration-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define SHM_XRGB8888 1u
#define WIDTH 200
#define HEIGHT 100
#define TIMEOUT_MS 15000

struct probe {
	struct probe_globals g;
	struct zxdg_decoration_manager_v1 *manager;
	struct wl_surface *surface;
	struct xdg_surface *xdg;
	struct xdg_toplevel *toplevel;
	bool configured;
	int mode;
	struct zxdg_toplevel_decoration_v1 *decoration;
	struct wl_buffer *buffer;
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct probe *p = data;
	if (strcmp(interface, zxdg_decoration_manager_v1_interface.name) == 0)
		p->manager = wl_registry_bind(registry, name, &zxdg_decoration_manager_v1_interface,
					      1);
}

static void
xdg_configure(void *data, struct xdg_surface *xdg, uint32_t serial)
{
	struct probe *p = data;
	xdg_surface_ack_configure(xdg, serial);
	p->configured = true;
}

static const struct xdg_surface_listener xdg_listener = { .configure = xdg_configure };

static void
toplevel_configure(void *data, struct xdg_toplevel *t, int32_t w, int32_t h,
		   struct wl_array *states)
{
}

static void
toplevel_close(void *data, struct xdg_toplevel *t)
{
	printf("close\n");
	fflush(stdout);
}

static void
toplevel_bounds(void *data, struct xdg_toplevel *t, int32_t w, int32_t h)
{
}

static void
toplevel_caps(void *data, struct xdg_toplevel *t, struct wl_array *caps)
{
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
	.configure_bounds = toplevel_bounds,
	.wm_capabilities = toplevel_caps,
};

static void
decoration_configure(void *data, struct zxdg_toplevel_decoration_v1 *d, uint32_t mode)
{
	struct probe *p = data;
	p->mode = (int)mode;
}

static const struct zxdg_toplevel_decoration_v1_listener decoration_listener = {
	.configure = decoration_configure,
};

static struct wl_buffer *
green_buffer(struct probe *p)
{
	return probe_filled_buffer(p->g.shm, WIDTH, HEIGHT, SHM_XRGB8888, 0xff00ff00u, false);
}

static void
make_toplevel(struct probe *p)
{
	p->surface = wl_compositor_create_surface(p->g.compositor);
	p->xdg = xdg_wm_base_get_xdg_surface(p->g.wm_base, p->surface);
	xdg_surface_add_listener(p->xdg, &xdg_listener, p);
	p->toplevel = xdg_surface_get_toplevel(p->xdg);
	xdg_toplevel_add_listener(p->toplevel, &toplevel_listener, p);
	xdg_toplevel_set_title(p->toplevel, "Hi");
}

static int
run_mode(struct probe *p, const char *mode)
{
	make_toplevel(p);
	struct zxdg_toplevel_decoration_v1 *d =
		zxdg_decoration_manager_v1_get_toplevel_decoration(p->manager, p->toplevel);
	p->decoration = d;
	zxdg_toplevel_decoration_v1_add_listener(d, &decoration_listener, p);
	if (strcmp(mode, "server-side") == 0)
		zxdg_toplevel_decoration_v1_set_mode(d,
			ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE);
	else if (strcmp(mode, "client-side") == 0)
		zxdg_toplevel_decoration_v1_set_mode(d,
			ZXDG_TOPLEVEL_DECORATION_V1_MODE_CLIENT_SIDE);
	else
		zxdg_toplevel_decoration_v1_unset_mode(d);
	wl_surface_commit(p->surface);
	if (!probe_wait_for(p->g.display, &p->configured, TIMEOUT_MS))
		return 2;
	/* Every configure sent so far is acked. */
	wl_display_roundtrip(p->g.display);
	printf("mode %d\n", p->mode);
	fflush(stdout);
	struct wl_buffer *b = green_buffer(p);
	if (!b)
		return 2;
	p->buffer = b;
	if (!probe_show_and_wait(p->g.display, p->surface, b, WIDTH, HEIGHT, TIMEOUT_MS))
		return 2;
	printf("shown\n");
	fflush(stdout);
	probe_dispatch_until_stdin_closes(p->g.display);
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: decoration-probe server-side|client-side|unset|"
				"already-constructed|unconfigured-buffer|orphaned\n");
		return 2;
	}
	struct probe p = { 0 };
	const struct probe_connect_options options = {
		.global = registry_global, .data = &p, .wm_base_version = 5,
	};
	if (!probe_connect_with(&p.g, &options))
		return 2;
	if (!p.g.shm || !p.g.compositor || !p.g.wm_base || !p.manager) {
		fprintf(stderr, "decoration-probe: missing globals (decoration manager: %s)\n",
			p.manager ? "yes" : "no");
		return 2;
	}
	const char *what = argv[1];
	int status = 0;
	if (strcmp(what, "already-constructed") == 0) {
		make_toplevel(&p);
		zxdg_decoration_manager_v1_get_toplevel_decoration(p.manager, p.toplevel);
		zxdg_decoration_manager_v1_get_toplevel_decoration(p.manager, p.toplevel);
	} else if (strcmp(what, "unconfigured-buffer") == 0) {
		make_toplevel(&p);
		wl_surface_commit(p.surface);
		if (!probe_wait_for(p.g.display, &p.configured, TIMEOUT_MS))
			return 2;
		struct wl_buffer *b = green_buffer(&p);
		wl_surface_attach(p.surface, b, 0, 0);
		wl_surface_commit(p.surface);
		zxdg_decoration_manager_v1_get_toplevel_decoration(p.manager, p.toplevel);
	} else if (strcmp(what, "orphaned") == 0) {
		make_toplevel(&p);
		struct zxdg_toplevel_decoration_v1 *d =
			zxdg_decoration_manager_v1_get_toplevel_decoration(p.manager, p.toplevel);
		xdg_toplevel_destroy(p.toplevel);
		zxdg_toplevel_decoration_v1_set_mode(d,
			ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE);
	} else {
		status = run_mode(&p, what);
	}
	if (status == 0)
		probe_settle(p.g.display, 10000);
	if (p.decoration) {
		/* A well-behaved client's end: everything freed (the VM checks for leaks). */
		zxdg_toplevel_decoration_v1_destroy(p.decoration);
		xdg_toplevel_destroy(p.toplevel);
		xdg_surface_destroy(p.xdg);
		wl_surface_destroy(p.surface);
		if (p.buffer)
			wl_buffer_destroy(p.buffer);
		zxdg_decoration_manager_v1_destroy(p.manager);
		probe_disconnect(&p.g);
		return status;
	}
	/* The misuses leave their proxies to the connection. */
	wl_display_disconnect(p.g.display);
	return status;
}
