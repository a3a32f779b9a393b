/*
 * buffer-churn: what a compositor spends taking in a new buffer every frame,
 * the way a naive client allocates: each frame a new sealed memfd, drawn, a
 * pool, a buffer on it, attach, damage, commit, then the pool and the buffer
 * destroyed at once, and a wait for the frame callback. Prints
 * "buffer-churn: buffers=N size=WxH seconds=S".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client.h>

#include "anon-file.h"
#include "log.h"
#include "parse.h"
#include "xdg-shell-client-protocol.h"

#define PROG "buffer-churn"

struct churn {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	bool configured, frame_done;
};

static void
wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct churn *c = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0 && !c->compositor) {
		c->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
	} else if (strcmp(interface, wl_shm_interface.name) == 0 && !c->shm) {
		c->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0 && !c->wm_base) {
		c->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(c->wm_base, &wm_base_listener, c);
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

static void
xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct churn *c = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	c->configured = true;
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

static void
frame_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct churn *c = data;
	c->frame_done = true;
	wl_callback_destroy(callback);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Dispatch until *flag; false after a message if the connection broke. */
static bool
wait_for(struct churn *c, bool *flag, const char *what)
{
	while (!*flag) {
		if (wl_display_dispatch(c->display) < 0) {
			fprintf(stderr, PROG ": connection broke waiting for %s: %s\n", what,
				strerror(wl_display_get_error(c->display)));
			return false;
		}
	}
	return true;
}

/* One frame on a buffer made for it alone. */
static bool
churn_frame(struct churn *c, uint32_t width, uint32_t height)
{
	int32_t stride = (int32_t)width * 4, size = stride * (int32_t)height;
	int fd = sw_anon_file_create((size_t)size, SW_ALLOC_MEMFD_SEALED);
	if (fd < 0)
		return false;
	/* Drawn, as a real client's would be: the pages exist before the compositor reads them. */
	void *pixels = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pixels == MAP_FAILED) {
		fprintf(stderr, PROG ": mmap: %s\n", strerror(errno));
		close(fd);
		return false;
	}
	memset(pixels, 0x80, (size_t)size);
	munmap(pixels, (size_t)size);
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, size);
	close(fd);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, (int32_t)width,
							     (int32_t)height, stride,
							     WL_SHM_FORMAT_XRGB8888);
	wl_surface_attach(c->surface, buffer, 0, 0);
	wl_surface_damage_buffer(c->surface, 0, 0, (int32_t)width, (int32_t)height);
	struct wl_callback *cb = wl_surface_frame(c->surface);
	wl_callback_add_listener(cb, &frame_listener, c);
	c->frame_done = false;
	wl_surface_commit(c->surface);
	/* The compositor keeps what it shows; the client lets go at once. */
	wl_shm_pool_destroy(pool);
	wl_buffer_destroy(buffer);
	return wait_for(c, &c->frame_done, "a frame");
}

int
main(int argc, char *argv[])
{
	struct churn c = { 0 };
	uint32_t width, height;
	int ret = 1;

	sw_log_set_tag(PROG);
	char *end;
	unsigned long count = argc == 3 ? strtoul(argv[1], &end, 10) : 0;
	if (argc != 3 || *end || count == 0 || !sw_parse_size(argv[2], &width, &height)) {
		fprintf(stderr, "Usage: " PROG " FRAMES WxH\n");
		return 2;
	}

	c.display = wl_display_connect(NULL);
	if (!c.display) {
		fprintf(stderr, PROG ": cannot connect: %s\n", strerror(errno));
		return 1;
	}
	c.registry = wl_display_get_registry(c.display);
	wl_registry_add_listener(c.registry, &registry_listener, &c);
	if (wl_display_roundtrip(c.display) < 0 || !c.compositor || !c.shm || !c.wm_base) {
		fprintf(stderr, PROG ": wl_compositor, wl_shm or xdg_wm_base missing\n");
		goto out;
	}
	c.surface = wl_compositor_create_surface(c.compositor);
	c.xdg_surface = xdg_wm_base_get_xdg_surface(c.wm_base, c.surface);
	xdg_surface_add_listener(c.xdg_surface, &xdg_surface_listener, &c);
	c.toplevel = xdg_surface_get_toplevel(c.xdg_surface);
	xdg_toplevel_add_listener(c.toplevel, &toplevel_listener, &c);
	xdg_toplevel_set_title(c.toplevel, PROG);
	wl_surface_commit(c.surface);
	if (!wait_for(&c, &c.configured, "the first configure"))
		goto out;
	/* The first frame maps the window: not part of the figure. */
	if (!churn_frame(&c, width, height))
		goto out;

	double start = now_s();
	for (unsigned long i = 0; i < count; i++) {
		if (!churn_frame(&c, width, height))
			goto out;
	}
	double seconds = now_s() - start;
	printf(PROG ": buffers=%lu size=%ux%u seconds=%.6f\n", count, width, height, seconds);
	ret = 0;
out:
	wl_display_disconnect(c.display);
	return ret;
}
