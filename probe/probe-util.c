#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "presentation-time-client-protocol.h"
#include "probe-util.h"
#include "xdg-shell-client-protocol.h"

int64_t
probe_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void
presentation_clock_id(void *data, struct wp_presentation *presentation, uint32_t clk_id)
{
	struct probe_globals *g = data;
	g->presentation_clock = clk_id;
	g->presentation_clock_known = true;
}

static const struct wp_presentation_listener presentation_listener = {
	.clock_id = presentation_clock_id,
};

uint32_t
probe_min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct probe_globals *g = data;
	const struct probe_connect_options *o = g->options;

	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		g->compositor = wl_registry_bind(registry, name, &wl_compositor_interface,
						 probe_min_u32(version, o->compositor_version ?
									o->compositor_version : 4));
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		g->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		g->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface,
					      probe_min_u32(version, o->wm_base_version ?
								     o->wm_base_version : 1));
		xdg_wm_base_add_listener(g->wm_base, &wm_base_listener, g);
	} else if (strcmp(interface, wp_presentation_interface.name) == 0) {
		g->presentation = wl_registry_bind(registry, name, &wp_presentation_interface, 1);
		wp_presentation_add_listener(g->presentation, &presentation_listener, g);
	} else if (o->global) {
		o->global(o->data, registry, name, interface, version);
	}
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

/* One initial roundtrip: true when it came back and the connection is sound. */
static bool
initial_roundtrip(struct wl_display *display, int timeout_ms)
{
	if (timeout_ms <= 0)
		return wl_display_roundtrip(display) >= 0;
	return probe_roundtrip_timeout(display, timeout_ms) && wl_display_get_error(display) == 0;
}

bool
probe_connect(struct probe_globals *g)
{
	static const struct probe_connect_options defaults = { 0 };
	return probe_connect_with(g, &defaults);
}

bool
probe_connect_with(struct probe_globals *g, const struct probe_connect_options *options)
{
	memset(g, 0, sizeof(*g));
	g->options = options;
	g->display = wl_display_connect(NULL);
	if (!g->display) {
		fprintf(stderr, "probe: cannot connect to WAYLAND_DISPLAY=%s: %s\n",
			getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "(unset)",
			strerror(errno));
		return false;
	}
	g->registry = wl_display_get_registry(g->display);
	wl_registry_add_listener(g->registry, &registry_listener, g);
	/* Two roundtrips: the globals, then the events bound objects send at once. */
	if (!initial_roundtrip(g->display, options->timeout_ms) ||
	    !initial_roundtrip(g->display, options->timeout_ms)) {
		fprintf(stderr, "probe: initial roundtrip failed\n");
		return false;
	}
	return true;
}

void
probe_disconnect(struct probe_globals *g)
{
	if (!g->display)
		return;
	/* After a protocol error the proxies are still ours to free. */
	if (g->presentation)
		wp_presentation_destroy(g->presentation);
	if (g->wm_base)
		xdg_wm_base_destroy(g->wm_base);
	if (g->shm)
		wl_shm_destroy(g->shm);
	if (g->compositor)
		wl_compositor_destroy(g->compositor);
	wl_registry_destroy(g->registry);
	wl_display_disconnect(g->display);
	g->display = NULL;
}

int
probe_dispatch_timeout(struct wl_display *display, int timeout_ms)
{
	int n = wl_display_dispatch_pending(display);
	if (n != 0)
		return n;

	while (wl_display_prepare_read(display) != 0) {
		n = wl_display_dispatch_pending(display);
		if (n != 0)
			return n;
	}
	/* EPIPE: the server hung up, but what it said before (an error) is still to be read. */
	if (wl_display_flush(display) < 0 && errno != EAGAIN && errno != EPIPE) {
		wl_display_cancel_read(display);
		return -1;
	}
	struct pollfd pfd = { .fd = wl_display_get_fd(display), .events = POLLIN };
	int ret = poll(&pfd, 1, timeout_ms);
	if (ret <= 0) {
		wl_display_cancel_read(display);
		return ret < 0 && errno != EINTR ? -1 : 0;
	}
	if (wl_display_read_events(display) < 0)
		return -1;
	return wl_display_dispatch_pending(display);
}

bool
probe_wait_for(struct wl_display *display, const bool *flag, int timeout_ms)
{
	int64_t deadline = probe_now_ms() + timeout_ms;
	while (!*flag) {
		int64_t left = deadline - probe_now_ms();
		if (left <= 0)
			return false;
		if (probe_dispatch_timeout(display, (int)left) < 0)
			return false;
	}
	return true;
}

static void
sync_done(void *data, struct wl_callback *callback, uint32_t serial)
{
	bool *done = data;
	*done = true;
}

static const struct wl_callback_listener sync_listener = {
	.done = sync_done,
};

bool
probe_roundtrip_timeout(struct wl_display *display, int timeout_ms)
{
	bool done = false;
	struct wl_callback *cb = wl_display_sync(display);
	wl_callback_add_listener(cb, &sync_listener, &done);
	int64_t deadline = probe_now_ms() + timeout_ms;
	while (!done && wl_display_get_error(display) == 0) {
		int64_t left = deadline - probe_now_ms();
		if (left <= 0)
			break;
		if (probe_dispatch_timeout(display, (int)left) < 0)
			break;
	}
	wl_callback_destroy(cb);
	return done || wl_display_get_error(display) != 0;
}

static void
xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct probe_window *w = data;
	w->configured = true;
	w->configure_serial = serial;
	xdg_surface_ack_configure(xdg_surface, serial);
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void
toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width, int32_t height,
		   struct wl_array *states)
{
}

static void
toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

bool
probe_window_map(struct probe_globals *g, struct probe_window *w, const char *title)
{
	memset(w, 0, sizeof(*w));
	if (!g->compositor || !g->wm_base) {
		fprintf(stderr, "probe: wl_compositor or xdg_wm_base not advertised\n");
		return false;
	}
	w->surface = wl_compositor_create_surface(g->compositor);
	w->xdg_surface = xdg_wm_base_get_xdg_surface(g->wm_base, w->surface);
	xdg_surface_add_listener(w->xdg_surface, &xdg_surface_listener, w);
	w->toplevel = xdg_surface_get_toplevel(w->xdg_surface);
	xdg_toplevel_add_listener(w->toplevel, &toplevel_listener, w);
	xdg_toplevel_set_title(w->toplevel, title);
	/* The initial commit without a buffer asks for the first configure. */
	wl_surface_commit(w->surface);
	if (!probe_wait_for(g->display, &w->configured, 5000)) {
		fprintf(stderr, "probe: no xdg_surface.configure within 5 s\n");
		return false;
	}
	return true;
}

void
probe_window_destroy(struct probe_window *w)
{
	if (w->toplevel)
		xdg_toplevel_destroy(w->toplevel);
	if (w->xdg_surface)
		xdg_surface_destroy(w->xdg_surface);
	if (w->surface)
		wl_surface_destroy(w->surface);
	memset(w, 0, sizeof(*w));
}

int
probe_memfd(size_t size, bool sealed)
{
	int fd = memfd_create("sealway-probe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		fprintf(stderr, "probe: memfd_create: %s\n", strerror(errno));
		return -1;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		fprintf(stderr, "probe: ftruncate(%zu): %s\n", size, strerror(errno));
		goto err_fd;
	}
	if (sealed && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
		fprintf(stderr, "probe: sealing: %s\n", strerror(errno));
		goto err_fd;
	}
	return fd;

err_fd:
	close(fd);
	return -1;
}

struct wl_buffer *
probe_shm_buffer(struct wl_shm *shm, int32_t width, int32_t height, int32_t stride,
		 uint32_t format, bool sealed, void (*paint)(uint8_t *pixels, void *data),
		 void *data)
{
	size_t size = (size_t)stride * (size_t)height;
	int fd = probe_memfd(size, sealed);
	if (fd < 0)
		return NULL;
	if (paint) {
		uint8_t *pixels = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (pixels == MAP_FAILED) {
			fprintf(stderr, "probe: mmap(%zu): %s\n", size, strerror(errno));
			close(fd);
			return NULL;
		}
		paint(pixels, data);
		munmap(pixels, size);
	}
	struct wl_shm_pool *pool = wl_shm_create_pool(shm, fd, (int32_t)size);
	close(fd);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, width, height, stride,
							     format);
	wl_shm_pool_destroy(pool);
	return buffer;
}

void
probe_fill_pixels(uint8_t *pixels, void *data)
{
	const struct probe_pixel_fill *f = data;
	uint32_t *px = (uint32_t *)(void *)pixels;
	for (size_t i = 0; i < f->count; i++)
		px[i] = f->pixel;
}

struct wl_buffer *
probe_filled_buffer(struct wl_shm *shm, int32_t width, int32_t height, uint32_t format,
		    uint32_t pixel, bool sealed)
{
	struct probe_pixel_fill fill = { .count = (size_t)width * (size_t)height, .pixel = pixel };
	return probe_shm_buffer(shm, width, height, width * 4, format, sealed, probe_fill_pixels,
				&fill);
}

static void
frame_done(void *data, struct wl_callback *callback, uint32_t msec)
{
	bool *done = data;
	*done = true;
	wl_callback_destroy(callback);
}

const struct wl_callback_listener probe_frame_listener = {
	.done = frame_done,
};

bool
probe_commit_and_wait(struct wl_display *display, struct wl_surface *surface, int timeout_ms)
{
	bool done = false;
	struct wl_callback *callback = wl_surface_frame(surface);
	wl_callback_add_listener(callback, &probe_frame_listener, &done);
	wl_surface_commit(surface);
	bool shown = probe_wait_for(display, &done, timeout_ms);
	/* A done that comes later must find no listener: `done` is gone by then. */
	if (!done)
		wl_callback_destroy(callback);
	return shown;
}

bool
probe_show_and_wait(struct wl_display *display, struct wl_surface *surface,
		    struct wl_buffer *buffer, int32_t width, int32_t height, int timeout_ms)
{
	wl_surface_attach(surface, buffer, 0, 0);
	wl_surface_damage_buffer(surface, 0, 0, width, height);
	return probe_commit_and_wait(display, surface, timeout_ms);
}

void
probe_hold(const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
	char byte;
	while (read(STDIN_FILENO, &byte, 1) > 0)
		;
}

void
probe_dispatch_until_stdin_closes(struct wl_display *display)
{
	for (;;) {
		wl_display_flush(display);
		struct pollfd fds[2] = {
			{ .fd = wl_display_get_fd(display), .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			return;
		if ((fds[0].revents & POLLIN) && wl_display_dispatch(display) < 0)
			return;
		if (fds[1].revents & (POLLIN | POLLHUP)) {
			char buf[64];
			if (read(STDIN_FILENO, buf, sizeof(buf)) <= 0)
				return;
		}
	}
}

void
probe_report(struct wl_display *display)
{
	int err = wl_display_get_error(display);
	if (err == 0) {
		printf("ok\n");
	} else if (err == EPROTO) {
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = wl_display_get_protocol_error(display, &iface, &id);
		printf("protocol-error interface=%s code=%u\n", iface ? iface->name : "unknown",
		       code);
	} else {
		fprintf(stderr, "probe: connection lost: %s\n", strerror(err));
		printf("disconnected\n");
	}
	fflush(stdout);
}

void
probe_settle(struct wl_display *display, int timeout_ms)
{
	if (probe_roundtrip_timeout(display, timeout_ms))
		probe_report(display);
	else
		printf("no-answer\n");
}

static const char *
entry_string(const void *table, size_t i, size_t stride, size_t offset)
{
	const char *const *field = (const void *)((const char *)table + i * stride + offset);
	return *field;
}

int
probe_pick_scenario(int argc, char *argv[], const char *prog, const void *table,
		    size_t count, size_t stride, size_t what_offset)
{
	if (argc == 2) {
		for (size_t i = 0; i < count; i++)
			if (strcmp(argv[1], entry_string(table, i, stride, 0)) == 0)
				return (int)i;
		fprintf(stderr, "%s: unknown scenario '%s'\n", prog, argv[1]);
	}
	int width = 0;
	for (size_t i = 0; i < count; i++) {
		int len = (int)strlen(entry_string(table, i, stride, 0));
		width = len > width ? len : width;
	}
	fprintf(stderr, "usage: %s SCENARIO\nscenarios:\n", prog);
	for (size_t i = 0; i < count; i++)
		fprintf(stderr, "  %-*s  %s\n", width, entry_string(table, i, stride, 0),
			entry_string(table, i, stride, what_offset));
	return -1;
}
