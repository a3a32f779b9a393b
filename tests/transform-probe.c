/*
 * Shows a window whose XRGB8888 buffer has four quadrants of distinct colours
 * (top-left ff0000, top-right 00ff00, bottom-left 0000ff, bottom-right
 * ffff00), committed with a wl_surface buffer transform and scale, so a test
 * can see where each quadrant lands on screen.
 *
 *   transform-probe [--transform 0-7] [--scale N] [--size WxH] [--damage tl|tr|bl|br]
 *
 * It prints "shown" once the first frame was drawn. With --damage it then
 * reads one line from stdin, attaches a second buffer whose quadrants have
 * other colours (00ffff, ff00ff, ffffff, 808080 in the same order) but
 * damages only the named quadrant with damage_buffer, and prints "damaged"
 * once that was drawn. It holds the window until stdin closes, then prints
 * the connection's fate ("ok", ...). Exit status 0 when it ran, 2 when it
 * could not be set up.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wayland-client.h>

#include "probe-util.h"
#include "xdg-shell-client-protocol.h"

#define SHM_XRGB8888 1u
#define TIMEOUT_MS 5000

static const uint32_t first_colors[4] = { 0xff0000, 0x00ff00, 0x0000ff, 0xffff00 };
static const uint32_t second_colors[4] = { 0x00ffff, 0xff00ff, 0xffffff, 0x808080 };
static const char *const quadrant_names[4] = { "tl", "tr", "bl", "br" };

struct options {
	int32_t transform;
	int32_t scale;
	int32_t width, height;
	int damage;	/* quadrant index, -1: none */
};

static void
fill_quadrants(uint32_t *pixels, int32_t width, int32_t height, const uint32_t colors[4])
{
	for (int32_t y = 0; y < height; y++) {
		for (int32_t x = 0; x < width; x++) {
			int q = (y >= height / 2 ? 2 : 0) + (x >= width / 2 ? 1 : 0);
			pixels[(size_t)y * (size_t)width + (size_t)x] = 0xff000000u | colors[q];
		}
	}
}


static bool
parse_options(int argc, char *argv[], struct options *o)
{
	static const struct option longopts[] = {
		{ "transform", required_argument, NULL, 't' },
		{ "scale", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'S' },
		{ "damage", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	*o = (struct options){ .transform = 0, .scale = 1, .width = 64, .height = 32,
			       .damage = -1 };
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 't':
			o->transform = (int32_t)strtol(optarg, &end, 10);
			if (*end || o->transform < 0 || o->transform > 7)
				goto bad;
			break;
		case 's':
			o->scale = (int32_t)strtol(optarg, &end, 10);
			if (*end || o->scale < 1 || o->scale > 8)
				goto bad;
			break;
		case 'S':
			if (sscanf(optarg, "%dx%d", &o->width, &o->height) != 2 || o->width < 2 ||
			    o->height < 2 || o->width > 4096 || o->height > 4096)
				goto bad;
			break;
		case 'd':
			for (int q = 0; q < 4; q++) {
				if (strcmp(optarg, quadrant_names[q]) == 0)
					o->damage = q;
			}
			if (o->damage < 0)
				goto bad;
			break;
		default:
			goto bad;
		}
	}
	if (optind == argc && o->width % o->scale == 0 && o->height % o->scale == 0)
		return true;
bad:
	fprintf(stderr, "usage: transform-probe [--transform 0-7] [--scale 1-8] [--size WxH] "
			"[--damage tl|tr|bl|br]\n(the size must be a multiple of the scale)\n");
	return false;
}

/* Wait for stdin to give one line (want_eof false) or to close (true). */
static void
wait_stdin(bool want_eof)
{
	char line[64];
	while (fgets(line, sizeof(line), stdin)) {
		if (!want_eof)
			return;
	}
}

int
main(int argc, char *argv[])
{
	struct options o;
	if (!parse_options(argc, argv, &o))
		return 2;

	struct probe_globals g;
	if (!probe_connect(&g))
		return 2;
	int status = 2;
	if (!g.shm) {
		fprintf(stderr, "transform-probe: wl_shm not advertised\n");
		goto out_disconnect;
	}

	size_t stride = (size_t)o.width * 4;
	size_t size = stride * (size_t)o.height;
	int fd = probe_memfd(2 * size, false);
	if (fd < 0)
		goto out_disconnect;
	uint32_t *pixels = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pixels == MAP_FAILED) {
		fprintf(stderr, "transform-probe: mmap: %s\n", strerror(errno));
		close(fd);
		goto out_disconnect;
	}
	fill_quadrants(pixels, o.width, o.height, first_colors);
	fill_quadrants(pixels + size / 4, o.width, o.height, second_colors);
	struct wl_shm_pool *pool = wl_shm_create_pool(g.shm, fd, (int32_t)(2 * size));
	close(fd);
	struct wl_buffer *first = wl_shm_pool_create_buffer(pool, 0, o.width, o.height,
							    (int32_t)stride, SHM_XRGB8888);
	struct wl_buffer *second = wl_shm_pool_create_buffer(pool, (int32_t)size, o.width,
							     o.height, (int32_t)stride,
							     SHM_XRGB8888);
	wl_shm_pool_destroy(pool);

	struct probe_window w;
	if (!probe_window_map(&g, &w, "transform-probe"))
		goto out_unmap;
	wl_surface_set_buffer_transform(w.surface, o.transform);
	wl_surface_set_buffer_scale(w.surface, o.scale);
	wl_surface_attach(w.surface, first, 0, 0);
	wl_surface_damage_buffer(w.surface, 0, 0, o.width, o.height);
	if (!probe_commit_and_wait(g.display, w.surface, TIMEOUT_MS)) {
		fprintf(stderr, "transform-probe: the first frame was not drawn\n");
		goto out_window;
	}
	printf("shown\n");
	fflush(stdout);

	if (o.damage >= 0) {
		wait_stdin(false);
		/* The quadrant split of fill_quadrants. */
		int32_t qx = o.damage & 1 ? o.width / 2 : 0, qy = o.damage & 2 ? o.height / 2 : 0;
		int32_t qw = o.damage & 1 ? o.width - qx : o.width / 2;
		int32_t qh = o.damage & 2 ? o.height - qy : o.height / 2;
		wl_surface_attach(w.surface, second, 0, 0);
		/* The other quadrants changed too, but are not damaged: they must stay. */
		wl_surface_damage_buffer(w.surface, qx, qy, qw, qh);
		if (!probe_commit_and_wait(g.display, w.surface, TIMEOUT_MS)) {
			fprintf(stderr, "transform-probe: the damaged frame was not drawn\n");
			goto out_window;
		}
		printf("damaged\n");
		fflush(stdout);
	}
	wait_stdin(true);
	probe_settle(g.display, TIMEOUT_MS);
	status = 0;

out_window:
	probe_window_destroy(&w);
out_unmap:
	wl_buffer_destroy(first);
	wl_buffer_destroy(second);
	munmap(pixels, 2 * size);
out_disconnect:
	probe_disconnect(&g);
	return status;
}
