/*
 * wp_viewporter misused and used, one scenario per run:
 *
 *   viewport-probe SCENARIO
 *
 * Error scenarios print the connection's fate ("ok", "protocol-error
 * interface=NAME code=N", ...). "crop-exact" shows a 64x32 buffer of four
 * quadrants (ff0000, 00ff00, 0000ff, ffff00) cropped to its top-left
 * quadrant and scaled twice to 64x32, prints "shown" once drawn and holds
 * the window until stdin closes. "crop-damage" shows the right half scaled
 * to 64x64, prints "shown", and after a line on stdin attaches a buffer of
 * other colours (00ffff, ff00ff, ffffff, 808080) damaging only its
 * bottom-right quadrant, prints "damaged" once drawn and holds the window.
 * Exit status 0 when it ran, 2 when it could
 * not be set up.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wayland-client.h>

#include "probe-util.h"
#include "viewporter-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define SHM_XRGB8888 1u
#define TIMEOUT_MS 5000

struct vp {
	struct probe_globals g;
	struct wp_viewporter *viewporter;
	struct probe_window w;
	struct wl_buffer *buffer;      /* 64x32 quadrants */
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct vp *v = data;
	if (strcmp(interface, wp_viewporter_interface.name) == 0)
		v->viewporter = wl_registry_bind(registry, name, &wp_viewporter_interface, 1);
}

static const uint32_t first_colors[4] = { 0xff0000, 0x00ff00, 0x0000ff, 0xffff00 };
static const uint32_t second_colors[4] = { 0x00ffff, 0xff00ff, 0xffffff, 0x808080 };

static struct wl_buffer *
quadrant_buffer(struct vp *v, int32_t width, int32_t height, const uint32_t colors[4])
{
	size_t stride = (size_t)width * 4, size = stride * (size_t)height;
	int fd = probe_memfd(size, false);
	if (fd < 0)
		return NULL;
	uint32_t *px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED) {
		fprintf(stderr, "viewport-probe: mmap: %s\n", strerror(errno));
		close(fd);
		return NULL;
	}
	for (int32_t y = 0; y < height; y++)
		for (int32_t x = 0; x < width; x++)
			px[(size_t)y * (size_t)width + (size_t)x] =
				0xff000000u | colors[(y >= height / 2 ? 2 : 0) + (x >= width / 2)];
	munmap(px, size);
	struct wl_shm_pool *pool = wl_shm_create_pool(v->g.shm, fd, (int32_t)size);
	close(fd);
	struct wl_buffer *b = wl_shm_pool_create_buffer(pool, 0, width, height, (int32_t)stride,
							SHM_XRGB8888);
	wl_shm_pool_destroy(pool);
	return b;
}

static void
frame_done(void *data, struct wl_callback *callback, uint32_t msec)
{
	*(bool *)data = true;
	wl_callback_destroy(callback);
}

static const struct wl_callback_listener frame_listener = { .done = frame_done };

static bool
commit_and_wait(struct vp *v)
{
	bool done = false;
	struct wl_callback *cb = wl_surface_frame(v->w.surface);
	wl_callback_add_listener(cb, &frame_listener, &done);
	wl_surface_commit(v->w.surface);
	return probe_wait_for(v->g.display, &done, TIMEOUT_MS);
}

static void
attach(struct vp *v)
{
	wl_surface_attach(v->w.surface, v->buffer, 0, 0);
	wl_surface_damage_buffer(v->w.surface, 0, 0, 64, 32);
}

/* ---- scenarios ---- */

static bool
source_negative_origin(struct vp *v)
{
	struct wp_viewport *vp = wp_viewporter_get_viewport(v->viewporter, v->w.surface);
	wp_viewport_set_source(vp, wl_fixed_from_int(-2), 0, wl_fixed_from_int(8),
			       wl_fixed_from_int(8));
	return true;
}

static bool
source_zero_width(struct vp *v)
{
	struct wp_viewport *vp = wp_viewporter_get_viewport(v->viewporter, v->w.surface);
	wp_viewport_set_source(vp, 0, 0, 0, wl_fixed_from_int(8));
	return true;
}

static bool
destination_negative(struct vp *v)
{
	struct wp_viewport *vp = wp_viewporter_get_viewport(v->viewporter, v->w.surface);
	wp_viewport_set_destination(vp, 10, -5);
	return true;
}

static bool
unset_is_not_an_error(struct vp *v)
{
	struct wp_viewport *vp = wp_viewporter_get_viewport(v->viewporter, v->w.surface);
	wp_viewport_set_source(vp, wl_fixed_from_int(-1), wl_fixed_from_int(-1),
			       wl_fixed_from_int(-1), wl_fixed_from_int(-1));
	wp_viewport_set_destination(vp, -1, -1);
	attach(v);
	wl_surface_commit(v->w.surface);
	return true;
}

static bool
source_fraction_without_destination(struct vp *v)
{
	struct wp_viewport *vp = wp_viewporter_get_viewport(v->viewporter, v->w.surface);
	wp_viewport_set_source(vp, 0, 0, wl_fixed_from_double(10.5), wl_fixed_from_int(8));
	attach(v);
	wl_surface_commit(v->w.surface);
	return true;
}

static bool
source_outside_buffer(struct vp *v)
{
	struct wp_viewport *vp = wp_viewporter_get_viewport(v->viewporter, v->w.surface);
	/* 60 + 8 > 64 */
	wp_viewport_set_source(vp, wl_fixed_from_int(60), 0, wl_fixed_from_int(8),
			       wl_fixed_from_int(8));
	attach(v);
	wl_surface_commit(v->w.surface);
	return true;
}

static bool
source_outside_scaled_buffer(struct vp *v)
{
	struct wp_viewport *vp = wp_viewporter_get_viewport(v->viewporter, v->w.surface);
	/* With scale 2 the buffer is a 32x16 surface: 20 high is outside. */
	wl_surface_set_buffer_scale(v->w.surface, 2);
	wp_viewport_set_source(vp, 0, 0, wl_fixed_from_int(8), wl_fixed_from_int(20));
	attach(v);
	wl_surface_commit(v->w.surface);
	return true;
}

static bool
surface_destroyed_first(struct vp *v)
{
	struct wp_viewport *vp = wp_viewporter_get_viewport(v->viewporter, v->w.surface);
	probe_window_destroy(&v->w);
	v->w.surface = NULL;
	wp_viewport_set_destination(vp, 10, 10);
	return true;
}

static bool
second_viewport(struct vp *v)
{
	wp_viewporter_get_viewport(v->viewporter, v->w.surface);
	wp_viewporter_get_viewport(v->viewporter, v->w.surface);
	return true;
}

static bool
viewport_destroyed_then_recreated(struct vp *v)
{
	struct wp_viewport *vp = wp_viewporter_get_viewport(v->viewporter, v->w.surface);
	wp_viewport_set_source(vp, wl_fixed_from_int(60), 0, wl_fixed_from_int(8),
			       wl_fixed_from_int(8));
	/* Its state goes with it: the commit below is not out of the buffer. */
	wp_viewport_destroy(vp);
	wp_viewporter_get_viewport(v->viewporter, v->w.surface);
	attach(v);
	wl_surface_commit(v->w.surface);
	return true;
}

static bool
crop_exact(struct vp *v)
{
	struct wp_viewport *vp = wp_viewporter_get_viewport(v->viewporter, v->w.surface);
	wp_viewport_set_source(vp, 0, 0, wl_fixed_from_int(32), wl_fixed_from_int(16));
	wp_viewport_set_destination(vp, 64, 32);
	attach(v);
	if (!commit_and_wait(v))
		return false;
	printf("shown\n");
	fflush(stdout);
	char line[64];
	while (fgets(line, sizeof(line), stdin))
		;
	return true;
}

static bool
crop_damage(struct vp *v)
{
	struct wp_viewport *vp = wp_viewporter_get_viewport(v->viewporter, v->w.surface);
	/* The right half, 32x32, scaled twice to 64x64. */
	wp_viewport_set_source(vp, wl_fixed_from_int(32), 0, wl_fixed_from_int(32),
			       wl_fixed_from_int(32));
	wp_viewport_set_destination(vp, 64, 64);
	attach(v);
	if (!commit_and_wait(v))
		return false;
	printf("shown\n");
	fflush(stdout);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return true;
	/* All four quadrants change, only the bottom-right one is damaged. */
	struct wl_buffer *second = quadrant_buffer(v, 64, 32, second_colors);
	wl_surface_attach(v->w.surface, second, 0, 0);
	wl_surface_damage_buffer(v->w.surface, 32, 16, 32, 16);
	if (!commit_and_wait(v))
		return false;
	printf("damaged\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin))
		;
	return true;
}

static const struct {
	const char *name;
	bool (*run)(struct vp *v);
	const char *what;
} scenarios[] = {
	{ "source-negative-origin", source_negative_origin, "set_source at -2,0" },
	{ "source-zero-width", source_zero_width, "set_source 0x8" },
	{ "destination-negative", destination_negative, "set_destination 10x-5" },
	{ "unset-is-not-an-error", unset_is_not_an_error, "all -1 unsets" },
	{ "source-fraction-without-destination", source_fraction_without_destination,
	  "a 10.5 wide source and no destination" },
	{ "source-outside-buffer", source_outside_buffer, "a source past the buffer's edge" },
	{ "source-outside-scaled-buffer", source_outside_scaled_buffer,
	  "a source past the edge of a scale 2 buffer" },
	{ "surface-destroyed-first", surface_destroyed_first,
	  "set_destination after the wl_surface is gone" },
	{ "second-viewport", second_viewport, "two viewports for one surface" },
	{ "viewport-destroyed-then-recreated", viewport_destroyed_then_recreated,
	  "a destroyed viewport's state goes with it" },
	{ "crop-exact", crop_exact, "top-left quadrant scaled 2x, drawn" },
	{ "crop-damage", crop_damage,
	  "right half scaled 2x, then damage_buffer of the bottom-right quadrant" },
};

int
main(int argc, char *argv[])
{
	int which = PROBE_PICK_SCENARIO(argc, argv, "viewport-probe", scenarios);
	if (which < 0)
		return 2;
	struct vp v = { 0 };
	const struct probe_connect_options options = { .global = registry_global, .data = &v };
	if (!probe_connect_with(&v.g, &options))
		return 2;
	if (!v.g.shm || !v.g.compositor || !v.g.wm_base || !v.viewporter) {
		fprintf(stderr, "viewport-probe: missing globals (wp_viewporter: %s)\n",
			v.viewporter ? "yes" : "no");
		return 2;
	}
	v.buffer = quadrant_buffer(&v, 64, 32, first_colors);
	if (!v.buffer || !probe_window_map(&v.g, &v.w, "viewport-probe"))
		return 2;
	if (!scenarios[which].run(&v)) {
		fprintf(stderr, "viewport-probe: scenario %s could not be set up\n", argv[1]);
		return 2;
	}
	probe_settle(v.g.display, 10000);
	/* Proxies are left to the connection. */
	wl_display_disconnect(v.g.display);
	return 0;
}
