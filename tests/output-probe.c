/*
 * output-probe: one window of a solid colour, to test what several outputs
 * do with it.
 *
 *   output-probe [--fullscreen NAME] [--color RRGGBB] [--size WxH] [--frames N]
 *
 * It binds every wl_output (v4, for their names), asks for fullscreen on the
 * one called NAME when told to, draws each configure's size (--size while
 * the compositor leaves the size to it) and asks presentation feedback for
 * every frame. What it learns goes to stdout, one line each:
 *
 *   output NAME                      a wl_output and its name
 *   position NAME X Y                its position, at each wl_output.done
 *   configure W H [fullscreen]       an xdg_toplevel.configure
 *   bounds W H                       an xdg_toplevel.configure_bounds
 *   presented N sync_output=A,B refresh_ns=R   feedback of frame N: the outputs it
 *                                   names and their refresh period
 *   done                             N frames were presented; it keeps running
 *   closed                           the compositor closed the window
 *
 * It runs until it is killed (or the window is closed), so that the screen
 * can be read while it shows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wayland-client.h>

#include "presentation-time-client-protocol.h"
#include "probe-util.h"
#include "xdg-shell-client-protocol.h"

#define MAX_OUTPUTS 16

struct probe_output {
	struct wl_output *output;
	char name[64];
	int32_t x, y;      /* from the last geometry */
};

struct state {
	struct probe_globals g;
	struct probe_output outputs[MAX_OUTPUTS];
	int n_outputs;
	const char *fullscreen_on;
	uint32_t color;
	int32_t want_w, want_h;
	int frames;

	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	int32_t conf_w, conf_h;      /* of the last toplevel configure */
	bool configure_pending;      /* an xdg_surface.configure to draw for */
	uint32_t serial;
	bool closed;
	int presented;
	int drawn;
};

static void
output_geometry(void *data, struct wl_output *output, int32_t x, int32_t y, int32_t pw,
		int32_t ph, int32_t subpixel, const char *make, const char *model,
		int32_t transform)
{
	struct probe_output *o = data;
	o->x = x;
	o->y = y;
}

static void
output_mode(void *data, struct wl_output *output, uint32_t flags, int32_t w, int32_t h,
	    int32_t refresh)
{
}

static void
output_done(void *data, struct wl_output *output)
{
	struct probe_output *o = data;
	printf("position %s %d %d\n", o->name[0] ? o->name : "(unnamed)", o->x, o->y);
	fflush(stdout);
}

static void
output_scale(void *data, struct wl_output *output, int32_t factor)
{
}

static void
output_name(void *data, struct wl_output *output, const char *name)
{
	struct probe_output *o = data;
	snprintf(o->name, sizeof(o->name), "%s", name);
}

static void
output_description(void *data, struct wl_output *output, const char *description)
{
}

static const struct wl_output_listener output_listener = {
	.geometry = output_geometry,
	.mode = output_mode,
	.done = output_done,
	.scale = output_scale,
	.name = output_name,
	.description = output_description,
};

static void
global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
       uint32_t version)
{
	struct state *st = data;
	if (strcmp(interface, wl_output_interface.name) != 0 || st->n_outputs == MAX_OUTPUTS)
		return;
	struct probe_output *o = &st->outputs[st->n_outputs++];
	o->output = wl_registry_bind(registry, name, &wl_output_interface,
				     version < 4 ? version : 4);
	wl_output_add_listener(o->output, &output_listener, o);
}

static const char *
output_name_of(struct state *st, struct wl_output *output)
{
	for (int i = 0; i < st->n_outputs; i++) {
		if (st->outputs[i].output == output)
			return st->outputs[i].name[0] ? st->outputs[i].name : "(unnamed)";
	}
	return "(unknown)";
}

/* ---- presentation feedback ---- */

struct feedback {
	struct state *st;
	int frame;
	char sync[256];
};

static void
feedback_sync_output(void *data, struct wp_presentation_feedback *fb, struct wl_output *output)
{
	struct feedback *f = data;
	size_t len = strlen(f->sync);
	snprintf(f->sync + len, sizeof(f->sync) - len, "%s%s", len ? "," : "",
		 output_name_of(f->st, output));
}

static void
feedback_presented(void *data, struct wp_presentation_feedback *fb, uint32_t tv_sec_hi,
		   uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh, uint32_t seq_hi,
		   uint32_t seq_lo, uint32_t flags)
{
	struct feedback *f = data;
	printf("presented %d sync_output=%s refresh_ns=%u\n", f->frame, f->sync, refresh);
	f->st->presented++;
	if (f->st->presented == f->st->frames)
		printf("done\n");
	fflush(stdout);
	wp_presentation_feedback_destroy(fb);
	free(f);
}

static void
feedback_discarded(void *data, struct wp_presentation_feedback *fb)
{
	struct feedback *f = data;
	printf("discarded %d\n", f->frame);
	fflush(stdout);
	wp_presentation_feedback_destroy(fb);
	free(f);
}

static const struct wp_presentation_feedback_listener feedback_listener = {
	.sync_output = feedback_sync_output,
	.presented = feedback_presented,
	.discarded = feedback_discarded,
};

/* ---- drawing ---- */

static bool
draw(struct state *st)
{
	int32_t w = st->conf_w > 0 ? st->conf_w : st->want_w;
	int32_t h = st->conf_h > 0 ? st->conf_h : st->want_h;
	size_t stride = (size_t)w * 4, size = stride * (size_t)h;
	int fd = probe_memfd(size, true);
	if (fd < 0)
		return false;
	uint32_t *px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED) {
		fprintf(stderr, "output-probe: mmap: %s\n", strerror(errno));
		close(fd);
		return false;
	}
	for (size_t i = 0; i < size / 4; i++)
		px[i] = 0xff000000u | st->color;
	munmap(px, size);
	struct wl_shm_pool *pool = wl_shm_create_pool(st->g.shm, fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, w, h, (int32_t)stride,
							     WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	wl_surface_attach(st->surface, buffer, 0, 0);
	/* The compositor keeps what it needs; the buffer goes with the connection. */
	wl_surface_damage_buffer(st->surface, 0, 0, w, h);
	if (st->g.presentation) {
		struct feedback *f = calloc(1, sizeof(*f));
		if (f) {
			f->st = st;
			f->frame = ++st->drawn;
			wp_presentation_feedback_add_listener(
				wp_presentation_feedback(st->g.presentation, st->surface),
				&feedback_listener, f);
		}
	}
	wl_surface_commit(st->surface);
	return true;
}

static void
xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct state *st = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	st->configure_pending = true;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void
toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width, int32_t height,
		   struct wl_array *states)
{
	struct state *st = data;
	bool fullscreen = false;
	uint32_t *s;
	wl_array_for_each(s, states)
		fullscreen |= *s == XDG_TOPLEVEL_STATE_FULLSCREEN;
	st->conf_w = width;
	st->conf_h = height;
	printf("configure %d %d%s\n", width, height, fullscreen ? " fullscreen" : "");
	fflush(stdout);
}

static void
toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct state *st = data;
	st->closed = true;
}

static void
toplevel_configure_bounds(void *data, struct xdg_toplevel *toplevel, int32_t width,
			  int32_t height)
{
	printf("bounds %d %d\n", width, height);
	fflush(stdout);
}

static void
toplevel_wm_capabilities(void *data, struct xdg_toplevel *toplevel, struct wl_array *caps)
{
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
	.configure_bounds = toplevel_configure_bounds,
	.wm_capabilities = toplevel_wm_capabilities,
};

static int
usage(void)
{
	fprintf(stderr, "usage: output-probe [--fullscreen NAME] [--color RRGGBB] [--size WxH] "
			"[--frames N]\n");
	return 2;
}

int
main(int argc, char *argv[])
{
	struct state st = { .color = 0x3366cc, .want_w = 200, .want_h = 150, .frames = 3 };
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!val)
			return usage();
		if (strcmp(arg, "--fullscreen") == 0)
			st.fullscreen_on = val;
		else if (strcmp(arg, "--color") == 0)
			st.color = (uint32_t)strtoul(val, NULL, 16) & 0xffffff;
		else if (strcmp(arg, "--size") == 0) {
			if (sscanf(val, "%dx%d", &st.want_w, &st.want_h) != 2 || st.want_w <= 0 ||
			    st.want_h <= 0 || st.want_w > 8192 || st.want_h > 8192)
				return usage();
		} else if (strcmp(arg, "--frames") == 0)
			st.frames = atoi(val);
		else
			return usage();
		i++;
	}
	struct probe_connect_options options = {
		.wm_base_version = 5,
		.global = global,
		.data = &st,
	};
	if (!probe_connect_with(&st.g, &options) || !st.g.shm)
		return 1;
	/* The outputs' names arrive after their binds. */
	wl_display_roundtrip(st.g.display);
	struct wl_output *target = NULL;
	for (int i = 0; i < st.n_outputs; i++) {
		printf("output %s\n", st.outputs[i].name);
		if (st.fullscreen_on && strcmp(st.outputs[i].name, st.fullscreen_on) == 0)
			target = st.outputs[i].output;
	}
	fflush(stdout);
	if (st.fullscreen_on && !target) {
		fprintf(stderr, "output-probe: no wl_output called %s\n", st.fullscreen_on);
		return 1;
	}

	st.surface = wl_compositor_create_surface(st.g.compositor);
	st.xdg_surface = xdg_wm_base_get_xdg_surface(st.g.wm_base, st.surface);
	xdg_surface_add_listener(st.xdg_surface, &xdg_surface_listener, &st);
	st.toplevel = xdg_surface_get_toplevel(st.xdg_surface);
	xdg_toplevel_add_listener(st.toplevel, &toplevel_listener, &st);
	xdg_toplevel_set_title(st.toplevel, "output-probe");
	if (target)
		xdg_toplevel_set_fullscreen(st.toplevel, target);
	wl_surface_commit(st.surface);

	while (!st.closed) {
		if (st.configure_pending) {
			st.configure_pending = false;
			if (!draw(&st))
				return 1;
		} else if (st.drawn && st.drawn < st.frames) {
			/* More frames, each with its feedback, once the last one was shown. */
			if (st.presented == st.drawn && !draw(&st))
				return 1;
		}
		if (probe_dispatch_timeout(st.g.display, 1000) < 0) {
			probe_report(st.g.display);
			return 1;
		}
	}
	printf("closed\n");
	return 0;
}
