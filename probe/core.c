/*
 * A hostile client of the compositor core (wl_surface, wl_subsurface,
 * xdg_shell, screencopy, wl_shm pool lifetimes). Like shm-probe, it does one
 * misbehaviour named on the command line, roundtrips and prints what became
 * of its connection on stdout:
 *
 *   ok | protocol-error interface=NAME code=N | disconnected
 *
 * A scenario may also print "held" and wait for stdin to close (for the test
 * to look at the compositor while the client is still connected). Exit
 * status 0 when the scenario ran, 2 when it could not be set up.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wayland-client.h>

#include "pixels.h"
#include "probe-util.h"
#include "scenarios.h"
#include "wlr-screencopy-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define SHM_XRGB8888 1u

enum scenario_result {
	SCENARIO_RAN = 0,
	SCENARIO_SETUP_FAILED = -1,
};

struct core {
	struct probe_globals g;
	struct wl_subcompositor *subcompositor;
	struct zwlr_screencopy_manager_v1 *screencopy;
	struct wl_output *output;
	struct wl_seat *seat;
	bool popup_configured;	/* outlives the scenarios: a configure may come later */
	int32_t popup_x, popup_y, popup_w, popup_h;	/* its last xdg_popup.configure */
};

typedef enum scenario_result (*scenario_fn)(struct core *c);

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	/* The globals probe_globals has no place for. */
	struct core *c = data;
	if (strcmp(interface, wl_subcompositor_interface.name) == 0)
		c->subcompositor = wl_registry_bind(registry, name, &wl_subcompositor_interface, 1);
	else if (strcmp(interface, zwlr_screencopy_manager_v1_interface.name) == 0)
		c->screencopy = wl_registry_bind(registry, name,
						 &zwlr_screencopy_manager_v1_interface, 3);
	else if (strcmp(interface, wl_output_interface.name) == 0 && !c->output)
		c->output = wl_registry_bind(registry, name, &wl_output_interface, 1);
	else if (strcmp(interface, wl_seat_interface.name) == 0 && !c->seat)
		c->seat = wl_registry_bind(registry, name, &wl_seat_interface, 5);
}

/* An XRGB8888 buffer of w x h from a sealed memfd, left black. */
static struct wl_buffer *
make_buffer(struct core *c, int32_t w, int32_t h)
{
	return probe_shm_buffer(c->g.shm, w, h, w * 4, SHM_XRGB8888, true, NULL, NULL);
}

/* make_buffer, filled with `pixel`. */
static struct wl_buffer *
make_filled_buffer(struct core *c, int32_t w, int32_t h, uint32_t pixel)
{
	return probe_filled_buffer(c->g.shm, w, h, SHM_XRGB8888, pixel, true);
}

static void
show(struct wl_surface *surface, struct wl_buffer *buffer)
{
	wl_surface_attach(surface, buffer, 0, 0);
	wl_surface_damage_buffer(surface, 0, 0, INT32_MAX, INT32_MAX);
	wl_surface_commit(surface);
}

/* A mapped 64x64 toplevel. */
static bool
map_toplevel(struct core *c, struct probe_window *w)
{
	if (!probe_window_map(&c->g, w, "core-probe"))
		return false;
	struct wl_buffer *buffer = make_buffer(c, 64, 64);
	if (!buffer)
		return false;
	show(w->surface, buffer);
	return probe_roundtrip_timeout(c->g.display, 3000);
}

static void
popup_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	bool *configured = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	*configured = true;
}

static const struct xdg_surface_listener popup_xdg_listener = {
	.configure = popup_configure,
};

static struct xdg_positioner *
make_positioner(struct core *c, int32_t ax, int32_t ay, int32_t aw, int32_t ah)
{
	struct xdg_positioner *pos = xdg_wm_base_create_positioner(c->g.wm_base);
	xdg_positioner_set_size(pos, 16, 16);
	xdg_positioner_set_anchor_rect(pos, ax, ay, aw, ah);
	return pos;
}

static void
popup_geometry(void *data, struct xdg_popup *popup, int32_t x, int32_t y, int32_t w, int32_t h)
{
	struct core *c = data;
	c->popup_x = x;
	c->popup_y = y;
	c->popup_w = w;
	c->popup_h = h;
}

static void
popup_done(void *data, struct xdg_popup *popup)
{
}

static const struct xdg_popup_listener popup_listener = {
	.configure = popup_geometry,
	.popup_done = popup_done,
};

/* A popup of `parent` placed by `pos`, once configured; NULL if that took too long. */
static struct wl_surface *
map_popup(struct core *c, struct probe_window *parent, struct xdg_positioner *pos)
{
	struct wl_surface *surface = wl_compositor_create_surface(c->g.compositor);
	struct xdg_surface *xdg = xdg_wm_base_get_xdg_surface(c->g.wm_base, surface);
	c->popup_configured = false;
	xdg_surface_add_listener(xdg, &popup_xdg_listener, &c->popup_configured);
	struct xdg_popup *popup = xdg_surface_get_popup(xdg, parent->xdg_surface, pos);
	xdg_popup_add_listener(popup, &popup_listener, c);
	wl_surface_commit(surface);
	return probe_wait_for(c->g.display, &c->popup_configured, 3000) ? surface : NULL;
}

/* ---- scenarios ---- */

static enum scenario_result
wm_base_destroyed_first(struct core *c)
{
	/* The xdg_surface outlives its xdg_wm_base, then asks for a popup on a bad positioner. */
	struct wl_surface *surface = wl_compositor_create_surface(c->g.compositor);
	struct xdg_surface *xdg = xdg_wm_base_get_xdg_surface(c->g.wm_base, surface);
	struct xdg_positioner *pos = xdg_wm_base_create_positioner(c->g.wm_base);
	xdg_wm_base_destroy(c->g.wm_base);
	c->g.wm_base = NULL;
	xdg_surface_get_popup(xdg, NULL, pos);
	return SCENARIO_RAN;
}

static enum scenario_result
popup_parent_surface_destroyed(struct core *c)
{
	struct probe_window w;
	if (!map_toplevel(c, &w))
		return SCENARIO_SETUP_FAILED;
	struct wl_surface *surface = map_popup(c, &w, make_positioner(c, 0, 0, 8, 8));
	if (!surface)
		return SCENARIO_SETUP_FAILED;
	/* The parent's wl_surface goes first; its xdg_surface and toplevel stay. */
	wl_surface_destroy(w.surface);
	show(surface, make_buffer(c, 16, 16));
	return SCENARIO_RAN;
}

static enum scenario_result
popup_anchor_overflow(struct core *c)
{
	struct probe_window w;
	if (!map_toplevel(c, &w))
		return SCENARIO_SETUP_FAILED;
	struct xdg_positioner *pos = make_positioner(c, INT32_MAX - 4, INT32_MAX - 4, INT32_MAX,
						     INT32_MAX);
	xdg_positioner_set_anchor(pos, XDG_POSITIONER_ANCHOR_BOTTOM_RIGHT);
	xdg_positioner_set_offset(pos, INT32_MAX, INT32_MAX);
	struct wl_surface *surface = map_popup(c, &w, pos);
	if (!surface)
		return SCENARIO_SETUP_FAILED;
	/* Where it was placed, for the test to judge. */
	fprintf(stderr, "core-probe: popup configured at %d,%d size %dx%d\n", c->popup_x,
		c->popup_y, c->popup_w, c->popup_h);
	show(surface, make_buffer(c, 16, 16));
	return SCENARIO_RAN;
}

static enum scenario_result
subsurface_position_overflow(struct core *c)
{
	/*
	 * A green 64x64 toplevel with a red 16x16 desynchronized subsurface moved
	 * to INT32_MAX,INT32_MAX: once that frame is shown, held for the test to
	 * see the red child nowhere on the output.
	 */
	struct probe_window w;
	if (!c->subcompositor || !probe_window_map(&c->g, &w, "core-probe"))
		return SCENARIO_SETUP_FAILED;
	struct wl_buffer *green = make_filled_buffer(c, 64, 64, 0xff00ff00);
	struct wl_buffer *red = make_filled_buffer(c, 16, 16, 0xffff0000);
	if (!green || !red)
		return SCENARIO_SETUP_FAILED;
	show(w.surface, green);
	struct wl_surface *child = wl_compositor_create_surface(c->g.compositor);
	struct wl_subsurface *sub = wl_subcompositor_get_subsurface(c->subcompositor, child,
								    w.surface);
	wl_subsurface_set_desync(sub);
	show(child, red);
	wl_subsurface_set_position(sub, INT32_MAX, INT32_MAX);
	if (probe_commit_and_wait(c->g.display, w.surface, 5000))
		probe_hold("held");
	return SCENARIO_RAN;
}

static enum scenario_result
buffer_scale_overflow(struct core *c)
{
	struct wl_surface *surface = wl_compositor_create_surface(c->g.compositor);
	wl_surface_set_buffer_scale(surface, INT32_MAX);
	show(surface, make_buffer(c, 64, 64));
	return SCENARIO_RAN;
}

/* What became of a screencopy frame: buffer offered, failed. */
struct capture_answer {
	bool answered, failed;
	uint32_t width, height;
};

static void
capture_buffer(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t format,
	       uint32_t width, uint32_t height, uint32_t stride)
{
	struct capture_answer *a = data;
	a->width = width;
	a->height = height;
}

static void
capture_flags(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t flags)
{
}

static void
capture_ready(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t sec_hi,
	      uint32_t sec_lo, uint32_t nsec)
{
	struct capture_answer *a = data;
	a->answered = true;
}

static void
capture_failed(void *data, struct zwlr_screencopy_frame_v1 *frame)
{
	struct capture_answer *a = data;
	a->answered = a->failed = true;
}

static void
capture_damage(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t x, uint32_t y,
	       uint32_t w, uint32_t h)
{
}

static void
capture_linux_dmabuf(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t format,
		     uint32_t width, uint32_t height)
{
}

static void
capture_buffer_done(void *data, struct zwlr_screencopy_frame_v1 *frame)
{
	/* Offered a buffer: nothing was refused, and no copy will follow here. */
	struct capture_answer *a = data;
	a->answered = true;
}

static const struct zwlr_screencopy_frame_v1_listener capture_listener = {
	.buffer = capture_buffer,
	.flags = capture_flags,
	.ready = capture_ready,
	.failed = capture_failed,
	.damage = capture_damage,
	.linux_dmabuf = capture_linux_dmabuf,
	.buffer_done = capture_buffer_done,
};

static enum scenario_result
screencopy_region_overflow(struct core *c)
{
	/* Both regions lie wholly outside the output: each frame must fail. */
	static const int32_t regions[][4] = {
		{ INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX },
		{ -INT32_MAX, -INT32_MAX, INT32_MAX, INT32_MAX },
	};
	if (!c->screencopy || !c->output)
		return SCENARIO_SETUP_FAILED;
	struct capture_answer answers[2] = { 0 };
	for (int i = 0; i < 2; i++) {
		struct zwlr_screencopy_frame_v1 *frame =
			zwlr_screencopy_manager_v1_capture_output_region(
				c->screencopy, 0, c->output, regions[i][0], regions[i][1],
				regions[i][2], regions[i][3]);
		zwlr_screencopy_frame_v1_add_listener(frame, &capture_listener, &answers[i]);
		if (!probe_wait_for(c->g.display, &answers[i].answered, 3000))
			return SCENARIO_RAN;
		fprintf(stderr, "core-probe: capture %d: %s\n", i,
			answers[i].failed ? "failed" : "offered a buffer");
	}
	return SCENARIO_RAN;
}

/* ---- pixel truth: what a client writes in each wl_shm format is what is shown ---- */

struct shm_formats {
	uint32_t list[64];
	int count;
};

static void
shm_format(void *data, struct wl_shm *shm, uint32_t format)
{
	struct shm_formats *f = data;
	if (f->count < 64)
		f->list[f->count++] = format;
}

static const struct wl_shm_listener shm_formats_listener = { .format = shm_format };

static void
formats_global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
	       uint32_t version)
{
	struct wl_shm **shm = data;
	if (strcmp(interface, wl_shm_interface.name) == 0 && !*shm)
		*shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
}

static void
formats_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener formats_registry_listener = {
	.global = formats_global,
	.global_remove = formats_global_remove,
};

static void
paint_picture(uint8_t *pixels, void *data)
{
	const struct probe_rgb_format *f = data;
	probe_picture_rgb(f, pixels, (uint32_t)(PROBE_PICTURE * f->bpp));
}

/* The picture (pixels.h) in `f`, as a wl_buffer. */
static struct wl_buffer *
two_colour_buffer(struct core *c, const struct probe_rgb_format *f)
{
	return probe_shm_buffer(c->g.shm, PROBE_PICTURE, PROBE_PICTURE, PROBE_PICTURE * f->bpp,
				f->shm, true, paint_picture, (void *)f);
}

static enum scenario_result
pixels_shm(struct core *c)
{
	/*
	 * For each RGB format (pixels.h) the compositor advertises: a 64x64
	 * window, red left, green right, shown; the output captured must hold
	 * at least 32x64 exactly red and 32x64 exactly green pixels (RGB is
	 * exact; a swapped channel makes blue). Formats advertised that the
	 * probe cannot write are listed, not judged.
	 */
	if (!c->screencopy || !c->output)
		return SCENARIO_SETUP_FAILED;
	struct shm_formats formats = { 0 };
	struct wl_shm *shm = NULL;
	struct wl_registry *registry = wl_display_get_registry(c->g.display);
	wl_registry_add_listener(registry, &formats_registry_listener, &shm);
	probe_roundtrip_timeout(c->g.display, 3000);
	if (!shm) {
		wl_registry_destroy(registry);
		return SCENARIO_SETUP_FAILED;
	}
	wl_shm_add_listener(shm, &shm_formats_listener, &formats);
	probe_roundtrip_timeout(c->g.display, 3000);
	struct probe_window w;
	if (!map_toplevel(c, &w))
		return SCENARIO_SETUP_FAILED;
	char unjudged[512] = "";
	for (int i = 0; i < formats.count; i++) {
		const struct probe_rgb_format *f = probe_rgb_format_from_shm(formats.list[i]);
		if (!f) {
			size_t len = strlen(unjudged);
			snprintf(unjudged + len, sizeof(unjudged) - len, " 0x%08x",
				 formats.list[i]);
			continue;
		}
		struct wl_buffer *buffer = two_colour_buffer(c, f);
		if (!buffer)
			return SCENARIO_SETUP_FAILED;
		unsigned red = 0, green = 0;
		if (!probe_show_and_wait(c->g.display, w.surface, buffer, 64, 64, 3000) ||
		    !probe_count_colours(c->g.display, c->g.shm, c->screencopy, c->output,
					 PROBE_RED, PROBE_GREEN, 0, &red, &green)) {
			wl_buffer_destroy(buffer);
			break;
		}
		if (red >= 32 * 64 && green >= 32 * 64)
			printf("%s: shown exactly\n", f->name);
		else
			printf("check-failed: %s: the window's red and green halves are not on "
			       "the output (%u red, %u green pixels; 2048 each written)\n",
			       f->name, red, green);
		wl_buffer_destroy(buffer);
	}
	if (unjudged[0])
		printf("formats not judged:%s\n", unjudged);
	probe_window_destroy(&w);
	wl_shm_destroy(shm);
	wl_registry_destroy(registry);
	return SCENARIO_RAN;
}

static enum scenario_result
window_geometry_empty(struct core *c)
{
	struct probe_window w;
	if (!probe_window_map(&c->g, &w, "core-probe"))
		return SCENARIO_SETUP_FAILED;
	xdg_surface_set_window_geometry(w.xdg_surface, 0, 0, 0, 16);
	return SCENARIO_RAN;
}

static enum scenario_result
max_size_below_min(struct core *c)
{
	struct probe_window w;
	if (!probe_window_map(&c->g, &w, "core-probe"))
		return SCENARIO_SETUP_FAILED;
	xdg_toplevel_set_min_size(w.toplevel, 200, 100);
	xdg_toplevel_set_max_size(w.toplevel, 100, 100);
	wl_surface_commit(w.surface);
	return SCENARIO_RAN;
}

static enum scenario_result
wm_base_destroy_with_surfaces(struct core *c)
{
	struct wl_surface *surface = wl_compositor_create_surface(c->g.compositor);
	xdg_wm_base_get_xdg_surface(c->g.wm_base, surface);
	xdg_wm_base_destroy(c->g.wm_base);
	c->g.wm_base = NULL;
	return SCENARIO_RAN;
}

static enum scenario_result
subsurface_deep_chain(struct core *c)
{
	/*
	 * A chain of subsurfaces 100000 deep, built from the leaf up (each new
	 * surface becomes the parent of the previous root), then shown.
	 */
	enum { DEPTH = 100000 };
	if (!c->subcompositor)
		return SCENARIO_SETUP_FAILED;
	struct wl_buffer *buffer = make_buffer(c, 4, 4);
	struct wl_surface *leaf = wl_compositor_create_surface(c->g.compositor);
	show(leaf, buffer);
	struct wl_surface *root = leaf;
	for (int i = 0; i < DEPTH; i++) {
		struct wl_surface *parent = wl_compositor_create_surface(c->g.compositor);
		wl_subcompositor_get_subsurface(c->subcompositor, root, parent);
		root = parent;
		/* Roundtrip often: a refusal must be read before the server hangs up. */
		if (i % 8 == 7 && (!probe_roundtrip_timeout(c->g.display, 10000) ||
				   wl_display_get_error(c->g.display)))
			return SCENARIO_RAN;
	}
	struct probe_window w = { .surface = root };
	w.xdg_surface = xdg_wm_base_get_xdg_surface(c->g.wm_base, root);
	bool configured = false;
	xdg_surface_add_listener(w.xdg_surface, &popup_xdg_listener, &configured);
	xdg_surface_get_toplevel(w.xdg_surface);
	wl_surface_commit(root);
	if (!probe_wait_for(c->g.display, &configured, 10000))
		return SCENARIO_RAN;
	show(root, make_buffer(c, 8, 8));
	return SCENARIO_RAN;
}

/*
 * `count` pools, each destroyed right after making one buffer that is kept.
 * With `hold`, prints "held" and keeps the connection until stdin closes.
 */
static enum scenario_result
pools_with_kept_buffers(struct core *c, int count, bool hold)
{
	for (int i = 0; i < count; i++) {
		int fd = probe_memfd(4096, true);
		if (fd < 0)
			return SCENARIO_SETUP_FAILED;
		struct wl_shm_pool *pool = wl_shm_create_pool(c->g.shm, fd, 4096);
		close(fd);
		wl_shm_pool_create_buffer(pool, 0, 32, 32, 128, SHM_XRGB8888);
		wl_shm_pool_destroy(pool);
		/* Keep the fds in flight bounded by both ends' buffers. */
		if (i % 50 == 49 && (!probe_roundtrip_timeout(c->g.display, 5000) ||
				     wl_display_get_error(c->g.display)))
			return SCENARIO_RAN;
	}
	if (!hold || !probe_roundtrip_timeout(c->g.display, 5000) ||
	    wl_display_get_error(c->g.display))
		return SCENARIO_RAN;
	probe_hold("held");
	return SCENARIO_RAN;
}

static enum scenario_result
pools_destroyed_buffers_kept(struct core *c)
{
	/* The pools are gone, so the compositor has no reason to keep their fds. */
	return pools_with_kept_buffers(c, 3000, true);
}

static enum scenario_result
pool_mappings_limit(struct core *c)
{
	/* Each kept buffer pins a mapping of its pool: more than any client needs. */
	return pools_with_kept_buffers(c, 6000, false);
}

static enum scenario_result
ack_configure_twice(struct core *c)
{
	/* probe_window_map acked the first configure already. */
	struct probe_window w;
	if (!probe_window_map(&c->g, &w, "core-probe"))
		return SCENARIO_SETUP_FAILED;
	xdg_surface_ack_configure(w.xdg_surface, w.configure_serial);
	return SCENARIO_RAN;
}

static enum scenario_result
ack_configure_zero(struct core *c)
{
	struct probe_window w;
	if (!probe_window_map(&c->g, &w, "core-probe"))
		return SCENARIO_SETUP_FAILED;
	/* Only a display's serial counter that wrapped hands out 0: this one did not. */
	xdg_surface_ack_configure(w.xdg_surface, 0);
	return SCENARIO_RAN;
}

static enum scenario_result
ack_configure_uint32_max(struct core *c)
{
	struct probe_window w;
	if (!probe_window_map(&c->g, &w, "core-probe"))
		return SCENARIO_SETUP_FAILED;
	xdg_surface_ack_configure(w.xdg_surface, UINT32_MAX);
	return SCENARIO_RAN;
}

static enum scenario_result
ack_configure_of_another_surface(struct core *c)
{
	/* Two unmapped toplevels: the first one's serial acked on the second. */
	struct probe_window first, second;
	if (!probe_window_map(&c->g, &first, "core-probe") ||
	    !probe_window_map(&c->g, &second, "core-probe"))
		return SCENARIO_SETUP_FAILED;
	xdg_surface_ack_configure(second.xdg_surface, first.configure_serial);
	return SCENARIO_RAN;
}

/* ---- a cursor with hotspots and attach offsets at the ends of int32 ---- */

static volatile sig_atomic_t cursor_stop;

static void
cursor_on_signal(int sig)
{
	cursor_stop = 1;
}

struct extreme_cursor {
	struct core *core;
	struct wl_surface *surface;
	struct wl_buffer *buffer;
	uint32_t enter_serial;
	unsigned sets;
};

/* Set the cursor with an extreme hotspot, then move it by extreme attach offsets. */
static void
extreme_cursor_set(struct extreme_cursor *e, struct wl_pointer *pointer)
{
	static const int32_t ends[][2] = {
		{ INT32_MIN, INT32_MIN }, { INT32_MAX, INT32_MAX },
		{ INT32_MIN, INT32_MAX }, { INT32_MAX, INT32_MIN },
	};
	const int32_t *hot = ends[e->sets % 4], *off = ends[(e->sets + 1) % 4];
	wl_pointer_set_cursor(pointer, e->enter_serial, e->surface, hot[0], hot[1]);
	/* Each offset is subtracted from the hotspot: twice pushes it past either end. */
	for (int i = 0; i < 2; i++) {
		wl_surface_attach(e->surface, e->buffer, off[0], off[1]);
		wl_surface_damage(e->surface, 0, 0, 16, 16);
		wl_surface_commit(e->surface);
	}
	e->sets++;
}

static void
extreme_enter(void *data, struct wl_pointer *pointer, uint32_t serial,
	      struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y)
{
	struct extreme_cursor *e = data;
	e->enter_serial = serial;
	extreme_cursor_set(e, pointer);
	printf("cursor-set %u\n", e->sets);
	fflush(stdout);
}

static void
extreme_leave(void *data, struct wl_pointer *pointer, uint32_t serial,
	      struct wl_surface *surface)
{
}

static void
extreme_motion(void *data, struct wl_pointer *pointer, uint32_t time, wl_fixed_t x,
	       wl_fixed_t y)
{
	/* A new extreme for every motion: the compositor draws the cursor anew each time. */
	extreme_cursor_set(data, pointer);
}

static void
extreme_button(void *data, struct wl_pointer *pointer, uint32_t serial, uint32_t time,
	       uint32_t button, uint32_t state)
{
}

static void
extreme_axis(void *data, struct wl_pointer *pointer, uint32_t time, uint32_t axis,
	     wl_fixed_t value)
{
}

static void
extreme_frame(void *data, struct wl_pointer *pointer)
{
}

static void
extreme_axis_source(void *data, struct wl_pointer *pointer, uint32_t source)
{
}

static void
extreme_axis_stop(void *data, struct wl_pointer *pointer, uint32_t time, uint32_t axis)
{
}

static void
extreme_axis_discrete(void *data, struct wl_pointer *pointer, uint32_t axis, int32_t discrete)
{
}

static const struct wl_pointer_listener extreme_pointer_listener = {
	.enter = extreme_enter,
	.leave = extreme_leave,
	.motion = extreme_motion,
	.button = extreme_button,
	.axis = extreme_axis,
	.frame = extreme_frame,
	.axis_source = extreme_axis_source,
	.axis_stop = extreme_axis_stop,
	.axis_discrete = extreme_axis_discrete,
};

static enum scenario_result
cursor_hotspot_extremes(struct core *c)
{
	/*
	 * Needs a seat with a pointer (the DRM backend): a 200x150 window of
	 * 0x3366cc whose cursor takes INT32_MIN/INT32_MAX hotspots and attach
	 * offsets on every enter and motion, until SIGTERM.
	 */
	struct probe_window w;
	struct extreme_cursor e = { .core = c };
	if (!c->seat || !probe_window_map(&c->g, &w, "core-probe"))
		return SCENARIO_SETUP_FAILED;
	struct wl_buffer *window = make_filled_buffer(c, 200, 150, 0xff3366cc);
	e.buffer = make_filled_buffer(c, 16, 16, 0xffff00ff);
	if (!window || !e.buffer)
		return SCENARIO_SETUP_FAILED;
	e.surface = wl_compositor_create_surface(c->g.compositor);
	show(w.surface, window);
	struct wl_pointer *pointer = wl_seat_get_pointer(c->seat);
	wl_pointer_add_listener(pointer, &extreme_pointer_listener, &e);
	struct sigaction sa = { .sa_handler = cursor_on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("mapped\n");
	fflush(stdout);
	while (!cursor_stop && probe_dispatch_timeout(c->g.display, 1000) >= 0)
		;
	return SCENARIO_RAN;
}

static enum scenario_result
damage_int32_max_held(struct core *c)
{
	/*
	 * A 64x64 window of 0x00ff00 whose one frame has surface and buffer
	 * damage of INT32_MAX extents, held on screen ("held") until stdin
	 * closes, so that the test can capture it.
	 */
	struct probe_window w;
	if (!probe_window_map(&c->g, &w, "core-probe"))
		return SCENARIO_SETUP_FAILED;
	struct wl_buffer *buffer = make_filled_buffer(c, 64, 64, 0xff00ff00);
	if (!buffer)
		return SCENARIO_SETUP_FAILED;
	wl_surface_attach(w.surface, buffer, 0, 0);
	wl_surface_damage(w.surface, 0, 0, INT32_MAX, INT32_MAX);
	wl_surface_damage_buffer(w.surface, 0, 0, INT32_MAX, INT32_MAX);
	if (probe_commit_and_wait(c->g.display, w.surface, 5000))
		probe_hold("held");
	return SCENARIO_RAN;
}

static enum scenario_result
roundtrip_only(struct core *c)
{
	return SCENARIO_RAN;
}

static const struct {
	const char *name;
	scenario_fn run;
	const char *what;
} scenarios[] = {
	{ "roundtrip", roundtrip_only, "connect and roundtrip, nothing else" },
	{ "wm-base-destroyed-first", wm_base_destroyed_first,
	  "destroy xdg_wm_base, then get_popup on an incomplete positioner" },
	{ "wm-base-destroy-with-surfaces", wm_base_destroy_with_surfaces,
	  "destroy xdg_wm_base while an xdg_surface lives" },
	{ "popup-parent-surface-destroyed", popup_parent_surface_destroyed,
	  "destroy a popup parent's wl_surface, then map the popup" },
	{ "popup-anchor-overflow", popup_anchor_overflow,
	  "popup anchored at INT32_MAX with INT32_MAX offsets" },
	{ "subsurface-position-overflow", subsurface_position_overflow,
	  "subsurface of a mapped toplevel moved to INT32_MAX,INT32_MAX; hold until stdin "
	  "closes" },
	{ "buffer-scale-overflow", buffer_scale_overflow,
	  "buffer scale INT32_MAX with buffer damage" },
	{ "screencopy-region-overflow", screencopy_region_overflow,
	  "capture_output_region at +-INT32_MAX of INT32_MAX size" },
	{ "window-geometry-empty", window_geometry_empty, "set_window_geometry 0x16" },
	{ "pixels-shm", pixels_shm,
	  "every advertised wl_shm RGB format shown and captured: exactly what was written" },
	{ "max-size-below-min", max_size_below_min, "min size 200x100, max size 100x100, commit" },
	{ "subsurface-deep-chain", subsurface_deep_chain,
	  "a chain of 100000 nested subsurfaces, mapped" },
	{ "pools-destroyed-buffers-kept", pools_destroyed_buffers_kept,
	  "3000 pools destroyed after one buffer each; hold until stdin closes" },
	{ "pool-mappings-limit", pool_mappings_limit,
	  "6000 pools destroyed after one buffer each" },
	{ "cursor-hotspot-extremes", cursor_hotspot_extremes,
	  "a window whose cursor has INT32_MIN/MAX hotspots and attach offsets (needs a "
	  "pointer); runs until SIGTERM" },
	{ "damage-int32-max-held", damage_int32_max_held,
	  "a frame damaged with INT32_MAX extents, held on screen until stdin closes" },
	{ "ack-configure-twice", ack_configure_twice, "ack the same configure serial twice" },
	{ "ack-configure-zero", ack_configure_zero, "ack_configure 0, a serial never sent" },
	{ "ack-configure-uint32-max", ack_configure_uint32_max,
	  "ack_configure UINT32_MAX, a serial never sent" },
	{ "ack-configure-of-another-surface", ack_configure_of_another_surface,
	  "ack on one xdg_surface the serial sent to another" },
};

int
core_probe_main(int argc, char *argv[])
{
	int which = PROBE_PICK_SCENARIO(argc, argv, "core-probe", scenarios);
	if (which < 0)
		return 2;

	struct core c = { 0 };
	const struct probe_connect_options options = { .global = registry_global, .data = &c };
	if (!probe_connect_with(&c.g, &options))
		return 2;
	if (!c.g.shm || !c.g.compositor || !c.g.wm_base) {
		fprintf(stderr, "core-probe: missing globals\n");
		return 2;
	}

	int status = 0;
	if (scenarios[which].run(&c) == SCENARIO_SETUP_FAILED) {
		fprintf(stderr, "core-probe: scenario %s could not be set up\n", argv[1]);
		status = 2;
	} else {
		probe_settle(c.g.display, 10000);
	}
	/* Proxies are left to the connection: the scenarios leave objects behind on purpose. */
	wl_display_disconnect(c.g.display);
	return status;
}
