/*
 * Shows one window of a solid colour, with an opaque region and an opaque
 * subsurface if asked, so a test can see what the compositor composites.
 *
 *   scene-probe [--size WxH] [--format xrgb8888|argb8888] [--color AARRGGBB]
 *               [--opaque X,Y,W,H] [--sub X,Y,WxH] [--sub-color AARRGGBB]
 *
 * --color is the buffer's every pixel as written (premultiplied), default
 * ff3366cc. --opaque sets the surface's opaque region to that rectangle.
 * --sub adds a synchronized XRGB8888 subsurface of --sub-color (default
 * ff00ff00) at X,Y of the window, above it, shown with the window's first
 * frame. It prints "shown" once that frame was drawn. Then each stdin line
 * "damage X Y W H" commits the same buffer again with that surface damage
 * and prints "damaged" once the frame was drawn. When stdin closes it
 * prints the connection's fate ("ok", ...). Exit status 0 when it ran, 2
 * when it could not be set up.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wayland-client.h>

#include "probe-util.h"
#include "xdg-shell-client-protocol.h"

#define SHM_ARGB8888 0u
#define SHM_XRGB8888 1u
#define TIMEOUT_MS 5000

struct options {
	int32_t width, height;
	uint32_t format;
	uint32_t color;
	bool opaque;
	int32_t ox, oy, ow, oh;
	bool sub;
	int32_t sx, sy, sw, sh;
	uint32_t sub_color;
};

struct probe {
	struct probe_globals g;
	struct wl_subcompositor *subcompositor;
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct probe *p = data;
	if (strcmp(interface, wl_subcompositor_interface.name) == 0)
		p->subcompositor = wl_registry_bind(registry, name, &wl_subcompositor_interface, 1);
}


static bool
parse_color(const char *s, uint32_t *out)
{
	char *end = NULL;
	unsigned long v = strtoul(s, &end, 16);
	if (*s == '\0' || *end || strlen(s) != 8)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool
parse_options(int argc, char *argv[], struct options *o)
{
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "color", required_argument, NULL, 'c' },
		{ "opaque", required_argument, NULL, 'o' },
		{ "sub", required_argument, NULL, 'S' },
		{ "sub-color", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	*o = (struct options){ .width = 200, .height = 100, .format = SHM_XRGB8888,
			       .color = 0xff3366cc, .sub_color = 0xff00ff00 };
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (sscanf(optarg, "%dx%d", &o->width, &o->height) != 2 || o->width < 1 ||
			    o->height < 1 || o->width > 4096 || o->height > 4096)
				goto bad;
			break;
		case 'f':
			if (strcmp(optarg, "xrgb8888") == 0)
				o->format = SHM_XRGB8888;
			else if (strcmp(optarg, "argb8888") == 0)
				o->format = SHM_ARGB8888;
			else
				goto bad;
			break;
		case 'c':
			if (!parse_color(optarg, &o->color))
				goto bad;
			break;
		case 'C':
			if (!parse_color(optarg, &o->sub_color))
				goto bad;
			break;
		case 'o':
			if (sscanf(optarg, "%d,%d,%d,%d", &o->ox, &o->oy, &o->ow, &o->oh) != 4)
				goto bad;
			o->opaque = true;
			break;
		case 'S':
			if (sscanf(optarg, "%d,%d,%dx%d", &o->sx, &o->sy, &o->sw, &o->sh) != 4 ||
			    o->sw < 1 || o->sh < 1 || o->sw > 4096 || o->sh > 4096)
				goto bad;
			o->sub = true;
			break;
		default:
			goto bad;
		}
	}
	if (optind == argc)
		return true;
bad:
	fprintf(stderr, "usage: scene-probe [--size WxH] [--format xrgb8888|argb8888] "
			"[--color AARRGGBB] [--opaque X,Y,W,H] [--sub X,Y,WxH] "
			"[--sub-color AARRGGBB]\n");
	return false;
}

int
main(int argc, char *argv[])
{
	struct options o;
	if (!parse_options(argc, argv, &o))
		return 2;

	struct probe p = { 0 };
	struct probe_window w = { 0 };
	struct probe_connect_options copts = { .global = registry_global, .data = &p };
	if (!probe_connect_with(&p.g, &copts))
		return 2;
	int status = 2;
	struct wl_buffer *buffer = NULL, *sub_buffer = NULL;
	struct wl_surface *child = NULL;
	struct wl_subsurface *sub = NULL;
	if (!p.g.shm || (o.sub && !p.subcompositor)) {
		fprintf(stderr, "scene-probe: wl_shm or wl_subcompositor not advertised\n");
		goto out_disconnect;
	}
	buffer = probe_filled_buffer(p.g.shm, o.width, o.height, o.format, o.color, true);
	if (o.sub)
		sub_buffer = probe_filled_buffer(p.g.shm, o.sw, o.sh, SHM_XRGB8888, o.sub_color, true);
	if (!buffer || (o.sub && !sub_buffer))
		goto out_buffers;

	if (!probe_window_map(&p.g, &w, "scene-probe"))
		goto out_buffers;
	if (o.sub) {
		/* Synchronized: it appears with the window's first frame. */
		child = wl_compositor_create_surface(p.g.compositor);
		sub = wl_subcompositor_get_subsurface(p.subcompositor, child, w.surface);
		wl_subsurface_set_position(sub, o.sx, o.sy);
		wl_surface_attach(child, sub_buffer, 0, 0);
		wl_surface_damage(child, 0, 0, o.sw, o.sh);
		wl_surface_commit(child);
	}
	if (o.opaque) {
		struct wl_region *region = wl_compositor_create_region(p.g.compositor);
		wl_region_add(region, o.ox, o.oy, o.ow, o.oh);
		wl_surface_set_opaque_region(w.surface, region);
		wl_region_destroy(region);
	}
	wl_surface_attach(w.surface, buffer, 0, 0);
	wl_surface_damage(w.surface, 0, 0, o.width, o.height);
	if (!probe_commit_and_wait(p.g.display, w.surface, TIMEOUT_MS)) {
		fprintf(stderr, "scene-probe: the first frame was not drawn\n");
		goto out_window;
	}
	printf("shown\n");
	fflush(stdout);

	char line[128];
	while (fgets(line, sizeof(line), stdin)) {
		int32_t x, y, dw, dh;
		if (sscanf(line, "damage %d %d %d %d", &x, &y, &dw, &dh) != 4) {
			fprintf(stderr, "scene-probe: unknown command %s", line);
			continue;
		}
		wl_surface_attach(w.surface, buffer, 0, 0);
		wl_surface_damage(w.surface, x, y, dw, dh);
		if (!probe_commit_and_wait(p.g.display, w.surface, TIMEOUT_MS)) {
			fprintf(stderr, "scene-probe: the damaged frame was not drawn\n");
			goto out_window;
		}
		printf("damaged\n");
		fflush(stdout);
	}
	probe_settle(p.g.display, TIMEOUT_MS);
	status = 0;

out_window:
	if (sub)
		wl_subsurface_destroy(sub);
	if (child)
		wl_surface_destroy(child);
	probe_window_destroy(&w);
out_buffers:
	if (buffer)
		wl_buffer_destroy(buffer);
	if (sub_buffer)
		wl_buffer_destroy(sub_buffer);
out_disconnect:
	if (p.subcompositor)
		wl_subcompositor_destroy(p.subcompositor);
	probe_disconnect(&p.g);
	return status;
}
