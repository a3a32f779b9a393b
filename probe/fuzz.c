/*
 * A deterministic protocol fuzzer: from a fixed seed it sends random requests
 * over real objects it creates (shm pools on memfds of random sizes and
 * seals, buffers, surfaces, regions, subsurfaces, xdg surfaces, toplevels,
 * popups, positioners, screencopy frames), with arguments drawn from sound
 * values and edge cases, destroying objects in random order. After every
 * protocol error (or disconnect) it reconnects and carries on.
 *
 *   sealway-probe --case fuzz.seed-N      (scenario "seed-N", N = 1, 2, ...)
 *
 * Prints a summary line on stdout (requests, connections, and the protocol
 * errors seen by interface and code), then "ok" once every request was sent
 * and answered, or "check-failed: ..." and "no-answer" when the compositor
 * stopped answering. Exit status 0, 1 when it stopped answering, 2 when it
 * could not connect at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wayland-client.h>

#include "presentation-time-client-protocol.h"
#include "probe-util.h"
#include "scenarios.h"
#include "wlr-screencopy-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define MAX_OBJECTS 192
#define ROUNDTRIP_TIMEOUT_MS 10000
/* A few seconds against sealway under the sanitizers. */
#define FUZZ_REQUESTS 100000

enum kind {
	K_FREE,
	K_POOL, K_BUFFER, K_SURFACE, K_REGION, K_SUBSURFACE, K_XDG_SURFACE, K_TOPLEVEL,
	K_POPUP, K_POSITIONER, K_FRAME,
	K_COUNT
};

struct object {
	enum kind kind;
	void *proxy;
	int fd;                 /* pools: the memfd, kept to grow or truncate it */
	int32_t size;           /* pools: bytes; buffers: width */
	int32_t height;         /* buffers */
	uint32_t serial;        /* xdg surfaces: last configure */
	bool configured;
	int32_t frame_w, frame_h; /* screencopy frames: size asked for */
};

struct errors {
	char iface[32];
	uint32_t code;
	unsigned count;
};

struct fuzz {
	uint64_t rng;
	struct probe_connect_options connect_options;
	struct probe_globals g;		/* display, compositor, shm, wm_base, presentation */
	struct wl_subcompositor *subcompositor;
	struct zwlr_screencopy_manager_v1 *screencopy;
	struct wl_output *output;
	struct object objects[MAX_OBJECTS];
	unsigned connections;
	unsigned requests;
	struct errors errors[64];
	size_t nerrors;
	unsigned disconnects;
};

/* ---- randomness ---- */

static uint64_t
next(struct fuzz *f)
{
	/* xorshift64*: deterministic for a seed, good enough to pick actions. */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 2685821657736338717ull;
}

static uint32_t
below(struct fuzz *f, uint32_t n)
{
	return (uint32_t)((next(f) >> 32) % n);
}

static bool
chance(struct fuzz *f, unsigned percent)
{
	return below(f, 100) < percent;
}

/* An int32 argument: mostly small and sound, sometimes an edge case. */
static int32_t
rand_int(struct fuzz *f, int32_t sound_max)
{
	static const int32_t edges[] = { 0, -1, 1, INT32_MAX, INT32_MIN, INT32_MAX - 1,
					 INT32_MIN + 1, 1 << 24, -(1 << 24), 65536, 4095, 4097 };
	if (!chance(f, 4))
		return (int32_t)below(f, (uint32_t)sound_max + 1);
	return edges[below(f, sizeof(edges) / sizeof(edges[0]))];
}

/* A coordinate: mostly in [lo, hi], sometimes an edge case. */
static int32_t
rand_coord(struct fuzz *f, int32_t lo, int32_t hi)
{
	if (!chance(f, 4))
		return lo + (int32_t)below(f, (uint32_t)(hi - lo) + 1);
	return rand_int(f, 0) == 0 ? lo : rand_int(f, hi);
}

/* ---- object table ---- */

static struct object *
new_object(struct fuzz *f, enum kind kind, void *proxy)
{
	if (!proxy)
		return NULL;
	for (size_t i = 0; i < MAX_OBJECTS; i++) {
		if (f->objects[i].kind == K_FREE) {
			f->objects[i] = (struct object){ .kind = kind, .proxy = proxy, .fd = -1 };
			return &f->objects[i];
		}
	}
	/* Table full: forget it on our side (the server keeps it until reconnect). */
	wl_proxy_destroy(proxy);
	return NULL;
}

static struct object *
pick(struct fuzz *f, enum kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < MAX_OBJECTS; i++)
		n += f->objects[i].kind == kind;
	if (n == 0)
		return NULL;
	size_t k = below(f, (uint32_t)n);
	for (size_t i = 0; i < MAX_OBJECTS; i++) {
		if (f->objects[i].kind == kind && k-- == 0)
			return &f->objects[i];
	}
	return NULL;
}

static bool
full(struct fuzz *f)
{
	size_t n = 0;
	for (size_t i = 0; i < MAX_OBJECTS; i++)
		n += f->objects[i].kind != K_FREE;
	return n >= MAX_OBJECTS - 8;
}

/* Forget an object on the client side (its destroy request, if any, already sent). */
static void
forget(struct object *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->kind = K_FREE;
	o->proxy = NULL;
	o->fd = -1;
}

/* ---- events ---- */

static void
xdg_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct object *o = data;
	o->serial = serial;
	o->configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_configure,
};

static void
frame_buffer(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t format,
	     uint32_t width, uint32_t height, uint32_t stride)
{
	struct object *o = data;
	o->frame_w = (int32_t)width;
	o->frame_h = (int32_t)height;
}

static void
frame_flags(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t flags)
{
}

static void
frame_ready(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t hi, uint32_t lo,
	    uint32_t nsec)
{
}

static void
frame_failed(void *data, struct zwlr_screencopy_frame_v1 *frame)
{
}

static void
frame_damage(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t x, uint32_t y,
	     uint32_t w, uint32_t h)
{
}

static void
frame_linux_dmabuf(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t format,
		   uint32_t width, uint32_t height)
{
}

static void
frame_buffer_done(void *data, struct zwlr_screencopy_frame_v1 *frame)
{
}

static const struct zwlr_screencopy_frame_v1_listener frame_listener = {
	.buffer = frame_buffer,
	.flags = frame_flags,
	.ready = frame_ready,
	.failed = frame_failed,
	.damage = frame_damage,
	.linux_dmabuf = frame_linux_dmabuf,
	.buffer_done = frame_buffer_done,
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	/* The globals probe_globals has no place for. */
	struct fuzz *f = data;
	if (strcmp(interface, wl_subcompositor_interface.name) == 0)
		f->subcompositor = wl_registry_bind(registry, name, &wl_subcompositor_interface, 1);
	else if (strcmp(interface, zwlr_screencopy_manager_v1_interface.name) == 0)
		f->screencopy = wl_registry_bind(registry, name,
						 &zwlr_screencopy_manager_v1_interface,
						 probe_min_u32(version, 3));
	else if (strcmp(interface, wl_output_interface.name) == 0 && !f->output)
		f->output = wl_registry_bind(registry, name, &wl_output_interface,
					     probe_min_u32(version, 4));
}

/* ---- connection ---- */

static void
destroy_proxy(void **proxy)
{
	if (*proxy)
		wl_proxy_destroy(*proxy);
	*proxy = NULL;
}

static void
disconnect(struct fuzz *f)
{
	for (size_t i = 0; i < MAX_OBJECTS; i++) {
		if (f->objects[i].kind != K_FREE) {
			wl_proxy_destroy(f->objects[i].proxy);
			forget(&f->objects[i]);
		}
	}
	destroy_proxy((void **)&f->subcompositor);
	destroy_proxy((void **)&f->screencopy);
	destroy_proxy((void **)&f->output);
	/* No destroy requests for these either: forgotten here, not by probe_disconnect. */
	destroy_proxy((void **)&f->g.wm_base);
	destroy_proxy((void **)&f->g.presentation);
	probe_disconnect(&f->g);
}

static bool
connect_display(struct fuzz *f)
{
	f->connect_options = (struct probe_connect_options){
		.compositor_version = 5,
		.wm_base_version = 5,
		.timeout_ms = ROUNDTRIP_TIMEOUT_MS,
		.global = registry_global,
		.data = f,
	};
	bool connected = probe_connect_with(&f->g, &f->connect_options);
	if (f->g.display)
		f->connections++;
	if (!connected)
		return false;
	if (!f->g.compositor || !f->g.shm || !f->g.wm_base || !f->subcompositor) {
		fprintf(stderr, "fuzz-probe: core globals missing\n");
		return false;
	}
	return true;
}

static void
note_error(struct fuzz *f)
{
	int err = wl_display_get_error(f->g.display);
	if (err != EPROTO) {
		/* Counted, not told one by one: the observation keeps the summary short. */
		f->disconnects++;
		return;
	}
	const struct wl_interface *iface = NULL;
	uint32_t id;
	uint32_t code = wl_display_get_protocol_error(f->g.display, &iface, &id);
	const char *name = iface ? iface->name : "unknown";
	for (size_t i = 0; i < f->nerrors; i++) {
		if (f->errors[i].code == code && strcmp(f->errors[i].iface, name) == 0) {
			f->errors[i].count++;
			return;
		}
	}
	if (f->nerrors < sizeof(f->errors) / sizeof(f->errors[0])) {
		struct errors *e = &f->errors[f->nerrors++];
		snprintf(e->iface, sizeof(e->iface), "%s", name);
		e->code = code;
		e->count = 1;
	}
}

/* ---- actions ---- */

static void
act_pool(struct fuzz *f)
{
	static const int32_t sizes[] = { 1, 4095, 4096, 65536, 262144, 1 << 20 };
	int32_t size = chance(f, 80) ? sizes[below(f, 6)] : rand_int(f, 1 << 20);
	size_t file = size > 0 ? (size_t)size : 4096;
	if (chance(f, 5))
		file /= 2; /* a pool larger than its file */
	int fd = probe_memfd(file, false);
	if (fd < 0)
		return;
	unsigned seals = below(f, 4);
	int flags = (seals & 1 ? F_SEAL_SHRINK : 0) | (seals & 2 ? F_SEAL_GROW : 0);
	if (flags && fcntl(fd, F_ADD_SEALS, flags) < 0)
		fprintf(stderr, "fuzz-probe: F_ADD_SEALS: %s\n", strerror(errno));
	struct object *o = new_object(f, K_POOL, wl_shm_create_pool(f->g.shm, fd, size));
	if (!o) {
		close(fd);
		return;
	}
	o->fd = fd;
	o->size = size;
}

static void
act_buffer(struct fuzz *f)
{
	struct object *pool = pick(f, K_POOL);
	if (!pool)
		return;
	int32_t w, h, stride, offset = 0;
	uint32_t format = chance(f, 50) ? WL_SHM_FORMAT_XRGB8888 : WL_SHM_FORMAT_ARGB8888;
	if (chance(f, 80)) {
		/* Sound: fits the pool. */
		w = 1 + (int32_t)below(f, 128);
		h = 1 + (int32_t)below(f, 128);
		stride = w * 4;
		if ((int64_t)stride * h > pool->size) {
			h = pool->size / stride;
			if (h < 1) {
				w = 1;
				h = 1;
				stride = 4;
			}
		}
	} else {
		w = rand_int(f, 256);
		h = rand_int(f, 256);
		/* Wrapping on purpose: an edge-case width gives an edge-case stride. */
		stride = chance(f, 50) ? (int32_t)((uint32_t)w * 4u) : rand_int(f, 1024);
		offset = rand_int(f, 8192);
		if (chance(f, 30))
			format = (uint32_t)rand_int(f, 0x7fffffff);
	}
	struct object *o = new_object(f, K_BUFFER,
				      wl_shm_pool_create_buffer(pool->proxy, offset, w, h, stride,
								format));
	if (o) {
		o->size = w;
		o->height = h;
	}
}

static void
act_pool_other(struct fuzz *f)
{
	struct object *pool = pick(f, K_POOL);
	if (!pool)
		return;
	switch (below(f, 4)) {
	case 0: {
		/* Grow the file (if the seals let us), then the pool. */
		int64_t grown = (int64_t)pool->size + 4096 * (int64_t)below(f, 16);
		int32_t size = chance(f, 80) && grown <= INT32_MAX ? (int32_t)grown
								   : rand_int(f, 1 << 21);
		if (size > 0 && ftruncate(pool->fd, size) < 0 && errno != EPERM)
			fprintf(stderr, "fuzz-probe: ftruncate: %s\n", strerror(errno));
		wl_shm_pool_resize(pool->proxy, size);
		if (size > pool->size)
			pool->size = size;
		break;
	}
	case 1:
		/* Pull the pages out from under the compositor (only unsealed files give way). */
		if (chance(f, 20) && ftruncate(pool->fd, 0) < 0 && errno != EPERM)
			fprintf(stderr, "fuzz-probe: ftruncate: %s\n", strerror(errno));
		break;
	default:
		wl_shm_pool_destroy(pool->proxy);
		forget(pool);
		break;
	}
}

static void
act_surface(struct fuzz *f)
{
	struct object *s = pick(f, K_SURFACE);
	if (!s || chance(f, 10)) {
		new_object(f, K_SURFACE, wl_compositor_create_surface(f->g.compositor));
		return;
	}
	struct wl_surface *surface = s->proxy;
	switch (below(f, 14)) {
	case 0:
	case 1: {
		struct object *b = chance(f, 85) ? pick(f, K_BUFFER) : NULL;
		bool offset = chance(f, 5);
		wl_surface_attach(surface, b ? b->proxy : NULL, offset ? rand_int(f, 8) : 0,
				  offset ? rand_int(f, 8) : 0);
		break;
	}
	case 2:
		wl_surface_damage(surface, rand_int(f, 256), rand_int(f, 256), rand_int(f, 256),
				  rand_int(f, 256));
		break;
	case 3:
		wl_surface_damage_buffer(surface, rand_int(f, 256), rand_int(f, 256),
					 rand_int(f, 256), rand_int(f, 256));
		break;
	case 4: {
		/* The callback's proxy is dropped at once: done arrives for a zombie. */
		struct wl_callback *cb = wl_surface_frame(surface);
		wl_callback_destroy(cb);
		break;
	}
	case 5:
	case 6:
	case 7:
		wl_surface_commit(surface);
		break;
	case 8:
		wl_surface_set_buffer_scale(surface, chance(f, 80) ? 1 + (int32_t)below(f, 3)
								   : rand_int(f, 4));
		break;
	case 9:
		wl_surface_set_buffer_transform(surface, rand_int(f, 7));
		break;
	case 10:
		if (wl_proxy_get_version(s->proxy) >= WL_SURFACE_OFFSET_SINCE_VERSION)
			wl_surface_offset(surface, rand_int(f, 16), rand_int(f, 16));
		break;
	case 11: {
		struct object *r = chance(f, 70) ? pick(f, K_REGION) : NULL;
		if (chance(f, 50))
			wl_surface_set_opaque_region(surface, r ? r->proxy : NULL);
		else
			wl_surface_set_input_region(surface, r ? r->proxy : NULL);
		break;
	}
	case 12:
		if (f->g.presentation) {
			struct wp_presentation_feedback *fb =
				wp_presentation_feedback(f->g.presentation, surface);
			wp_presentation_feedback_destroy(fb);
		}
		break;
	default:
		if (chance(f, 40)) {
			wl_surface_destroy(surface);
			forget(s);
		}
		break;
	}
}

static void
act_region(struct fuzz *f)
{
	struct object *r = pick(f, K_REGION);
	if (!r || chance(f, 20)) {
		new_object(f, K_REGION, wl_compositor_create_region(f->g.compositor));
		return;
	}
	switch (below(f, 3)) {
	case 0:
		wl_region_add(r->proxy, rand_int(f, 256), rand_int(f, 256), rand_int(f, 256),
			      rand_int(f, 256));
		break;
	case 1:
		wl_region_subtract(r->proxy, rand_int(f, 256), rand_int(f, 256), rand_int(f, 256),
				   rand_int(f, 256));
		break;
	default:
		wl_region_destroy(r->proxy);
		forget(r);
		break;
	}
}

static void
act_subsurface(struct fuzz *f)
{
	struct object *sub = pick(f, K_SUBSURFACE);
	if (!sub || chance(f, 10)) {
		struct object *s = pick(f, K_SURFACE), *p = pick(f, K_SURFACE);
		/* Random parents (itself, its own child, anything), but mostly another surface. */
		for (int tries = 0; tries < 8 && s == p; tries++)
			p = pick(f, K_SURFACE);
		if (s && p && (s != p || chance(f, 5)))
			new_object(f, K_SUBSURFACE,
				   wl_subcompositor_get_subsurface(f->subcompositor, s->proxy,
								   p->proxy));
		return;
	}
	switch (below(f, 6)) {
	case 0:
		wl_subsurface_set_position(sub->proxy, rand_coord(f, -64, 64), rand_coord(f, -64, 64));
		break;
	case 1:
	case 2: {
		struct object *s = pick(f, K_SURFACE);
		if (!s)
			break;
		if (chance(f, 50))
			wl_subsurface_place_above(sub->proxy, s->proxy);
		else
			wl_subsurface_place_below(sub->proxy, s->proxy);
		break;
	}
	case 3:
		wl_subsurface_set_sync(sub->proxy);
		break;
	case 4:
		wl_subsurface_set_desync(sub->proxy);
		break;
	default:
		wl_subsurface_destroy(sub->proxy);
		forget(sub);
		break;
	}
}

static void
act_positioner(struct fuzz *f)
{
	struct object *p = pick(f, K_POSITIONER);
	if (!p || chance(f, 20)) {
		p = new_object(f, K_POSITIONER, xdg_wm_base_create_positioner(f->g.wm_base));
		/* Usually complete from the start, so popups get made. */
		if (p && chance(f, 80)) {
			xdg_positioner_set_size(p->proxy, 1 + (int32_t)below(f, 64),
						1 + (int32_t)below(f, 64));
			xdg_positioner_set_anchor_rect(p->proxy, rand_int(f, 64), rand_int(f, 64),
						       1 + (int32_t)below(f, 32),
						       1 + (int32_t)below(f, 32));
		}
		return;
	}
	switch (below(f, 9)) {
	case 0:
		xdg_positioner_set_size(p->proxy, rand_int(f, 64), rand_int(f, 64));
		break;
	case 1:
		xdg_positioner_set_anchor_rect(p->proxy, rand_int(f, 64), rand_int(f, 64),
					       rand_int(f, 64), rand_int(f, 64));
		break;
	case 2:
		xdg_positioner_set_anchor(p->proxy, (uint32_t)rand_int(f, 8));
		break;
	case 3:
		xdg_positioner_set_gravity(p->proxy, (uint32_t)rand_int(f, 8));
		break;
	case 4:
		xdg_positioner_set_offset(p->proxy, rand_coord(f, -32, 32), rand_coord(f, -32, 32));
		break;
	case 5:
		xdg_positioner_set_constraint_adjustment(p->proxy, (uint32_t)rand_int(f, 63));
		break;
	case 6:
		if (wl_proxy_get_version(p->proxy) >= XDG_POSITIONER_SET_REACTIVE_SINCE_VERSION)
			xdg_positioner_set_reactive(p->proxy);
		break;
	case 7:
		if (wl_proxy_get_version(p->proxy) >= XDG_POSITIONER_SET_PARENT_SIZE_SINCE_VERSION)
			xdg_positioner_set_parent_size(p->proxy, rand_int(f, 64), rand_int(f, 64));
		break;
	default:
		xdg_positioner_destroy(p->proxy);
		forget(p);
		break;
	}
}

static void
act_xdg_surface(struct fuzz *f)
{
	struct object *x = pick(f, K_XDG_SURFACE);
	if (!x || chance(f, 20)) {
		struct object *s = pick(f, K_SURFACE);
		if (!s)
			return;
		x = new_object(f, K_XDG_SURFACE, xdg_wm_base_get_xdg_surface(f->g.wm_base, s->proxy));
		if (x)
			xdg_surface_add_listener(x->proxy, &xdg_surface_listener, x);
		return;
	}
	switch (below(f, 7)) {
	case 0:
	case 1: {
		struct object *t = new_object(f, K_TOPLEVEL, xdg_surface_get_toplevel(x->proxy));
		if (t && chance(f, 50))
			xdg_toplevel_set_title(t->proxy, "fuzz");
		break;
	}
	case 2: {
		struct object *pos = pick(f, K_POSITIONER);
		struct object *parent = chance(f, 85) ? pick(f, K_XDG_SURFACE) : NULL;
		if (pos)
			new_object(f, K_POPUP, xdg_surface_get_popup(x->proxy,
								     parent ? parent->proxy : NULL,
								     pos->proxy));
		break;
	}
	case 3:
		xdg_surface_set_window_geometry(x->proxy, rand_int(f, 64), rand_int(f, 64),
						rand_int(f, 64), rand_int(f, 64));
		break;
	case 4:
	case 5:
		/* Mostly the serial last sent; sometimes one never sent. */
		if (x->configured || chance(f, 10))
			xdg_surface_ack_configure(x->proxy, chance(f, 90) ? x->serial
									  : (uint32_t)rand_int(f, 1000));
		break;
	default:
		xdg_surface_destroy(x->proxy);
		forget(x);
		break;
	}
}

static void
act_role(struct fuzz *f)
{
	if (chance(f, 50)) {
		struct object *t = pick(f, K_TOPLEVEL);
		if (!t)
			return;
		switch (below(f, 8)) {
		case 0:
			xdg_toplevel_set_title(t->proxy, "fuzz title");
			break;
		case 1:
			xdg_toplevel_set_app_id(t->proxy, "org.sealway.fuzz");
			break;
		case 2: {
			struct object *other = chance(f, 70) ? pick(f, K_TOPLEVEL) : NULL;
			xdg_toplevel_set_parent(t->proxy, other ? other->proxy : NULL);
			break;
		}
		case 3:
			xdg_toplevel_set_min_size(t->proxy, rand_int(f, 64), rand_int(f, 64));
			break;
		case 4:
			xdg_toplevel_set_max_size(t->proxy, rand_int(f, 64), rand_int(f, 64));
			break;
		case 5:
			if (chance(f, 50))
				xdg_toplevel_set_maximized(t->proxy);
			else
				xdg_toplevel_set_fullscreen(t->proxy, NULL);
			break;
		default:
			xdg_toplevel_destroy(t->proxy);
			forget(t);
			break;
		}
		return;
	}
	struct object *p = pick(f, K_POPUP);
	if (!p)
		return;
	struct object *pos = pick(f, K_POSITIONER);
	if (chance(f, 50) && pos && wl_proxy_get_version(p->proxy) >=
					    XDG_POPUP_REPOSITION_SINCE_VERSION) {
		xdg_popup_reposition(p->proxy, pos->proxy, (uint32_t)rand_int(f, 100));
	} else {
		xdg_popup_destroy(p->proxy);
		forget(p);
	}
}

static void
act_screencopy(struct fuzz *f)
{
	if (!f->screencopy || !f->output)
		return;
	struct object *fr = pick(f, K_FRAME);
	if (!fr || chance(f, 30)) {
		struct zwlr_screencopy_frame_v1 *frame;
		if (chance(f, 50))
			frame = zwlr_screencopy_manager_v1_capture_output(f->screencopy, 0, f->output);
		else
			frame = zwlr_screencopy_manager_v1_capture_output_region(
				f->screencopy, rand_int(f, 1), f->output, rand_coord(f, -50, 1050),
				rand_coord(f, -50, 750), rand_int(f, 128), rand_int(f, 128));
		fr = new_object(f, K_FRAME, frame);
		if (fr)
			zwlr_screencopy_frame_v1_add_listener(fr->proxy, &frame_listener, fr);
		return;
	}
	if (chance(f, 35)) {
		zwlr_screencopy_frame_v1_destroy(fr->proxy);
		forget(fr);
		return;
	}
	/* Copy into a buffer of the right size if one can be made, else any buffer. */
	struct object *b = NULL;
	struct object *pool = pick(f, K_POOL);
	if (chance(f, 70) && pool && fr->frame_w > 0 &&
	    (int64_t)fr->frame_w * fr->frame_h * 4 <= pool->size) {
		b = new_object(f, K_BUFFER,
			       wl_shm_pool_create_buffer(pool->proxy, 0, fr->frame_w, fr->frame_h,
							 fr->frame_w * 4, WL_SHM_FORMAT_XRGB8888));
		if (b) {
			b->size = fr->frame_w;
			b->height = fr->frame_h;
		}
	} else {
		b = pick(f, K_BUFFER);
	}
	if (!b)
		return;
	if (chance(f, 50))
		zwlr_screencopy_frame_v1_copy(fr->proxy, b->proxy);
	else
		zwlr_screencopy_frame_v1_copy_with_damage(fr->proxy, b->proxy);
}

static void
act_destroy_buffer(struct fuzz *f)
{
	struct object *b = pick(f, K_BUFFER);
	if (b) {
		wl_buffer_destroy(b->proxy);
		forget(b);
	}
}

static void
act_rare(struct fuzz *f)
{
	switch (below(f, 3)) {
	case 0:
		/* Defunct surfaces if any xdg_surface lives. */
		xdg_wm_base_destroy(f->g.wm_base);
		f->g.wm_base = NULL;
		break;
	case 1:
		wl_display_flush(f->g.display);
		break;
	default:
		break;
	}
}

/* A sound toplevel: surface, xdg_surface, toplevel, initial commit. */
static void
act_window(struct fuzz *f)
{
	struct object *s = new_object(f, K_SURFACE, wl_compositor_create_surface(f->g.compositor));
	if (!s)
		return;
	struct object *x = new_object(f, K_XDG_SURFACE,
				      xdg_wm_base_get_xdg_surface(f->g.wm_base, s->proxy));
	if (!x)
		return;
	xdg_surface_add_listener(x->proxy, &xdg_surface_listener, x);
	new_object(f, K_TOPLEVEL, xdg_surface_get_toplevel(x->proxy));
	wl_surface_commit(s->proxy);
}

/* Map a configured xdg surface: ack, attach some buffer, commit. */
static void
act_map(struct fuzz *f)
{
	struct object *x = pick(f, K_XDG_SURFACE);
	struct object *b = pick(f, K_BUFFER);
	if (!x || !x->configured || !b)
		return;
	xdg_surface_ack_configure(x->proxy, x->serial);
	/* The xdg_surface's wl_surface is not tracked: any surface may get the buffer. */
	struct object *s = pick(f, K_SURFACE);
	if (!s)
		return;
	wl_surface_attach(s->proxy, b->proxy, 0, 0);
	wl_surface_damage_buffer(s->proxy, 0, 0, INT32_MAX, INT32_MAX);
	wl_surface_commit(s->proxy);
}

static void
step(struct fuzz *f)
{
	unsigned r = below(f, 100);
	bool crowded = full(f);
	if (r < 8 && !crowded)
		act_pool(f);
	else if (r < 20 && !crowded)
		act_buffer(f);
	else if (r < 25)
		act_pool_other(f);
	else if (r < 50)
		act_surface(f);
	else if (r < 54)
		act_region(f);
	else if (r < 62)
		act_subsurface(f);
	else if (r < 68)
		act_positioner(f);
	else if (r < 80)
		act_xdg_surface(f);
	else if (r < 85)
		act_role(f);
	else if (r < 92)
		act_screencopy(f);
	else if (r < 95 || crowded)
		act_destroy_buffer(f);
	else if (r < 97)
		act_window(f);
	else if (r < 99)
		act_map(f);
	else
		act_rare(f);
	f->requests++;
}

/* libwayland's report of each expected protocol error: counted in the summary instead. */
static void
quiet_log(const char *fmt, va_list ap)
{
}

int
fuzz_probe_main(int argc, char *argv[])
{
	struct fuzz f = { 0 };
	uint64_t seed = 0;
	const unsigned total = FUZZ_REQUESTS;
	char *end = NULL;
	if (argc == 2 && strncmp(argv[1], "seed-", 5) == 0)
		seed = strtoull(argv[1] + 5, &end, 10);
	if (!end || *end || end == argv[1] + 5) {
		fprintf(stderr, "usage: fuzz-probe seed-N   (%u requests from seed N)\n",
			FUZZ_REQUESTS);
		return 2;
	}
	wl_log_set_handler_client(quiet_log);
	for (size_t i = 0; i < MAX_OBJECTS; i++)
		f.objects[i].fd = -1;
	f.rng = seed * 0x9e3779b97f4a7c15ull + 1;

	if (!connect_display(&f))
		return 2;
	int status = 0;
	while (f.requests < total) {
		step(&f);
		/*
		 * Roundtrip often: a protocol error ends the connection, and we start
		 * a new one. At once after destroying xdg_wm_base, which we cannot
		 * use again.
		 */
		if (below(&f, 12) == 0 || f.requests == total || !f.g.wm_base) {
			if (!probe_roundtrip_timeout(f.g.display, ROUNDTRIP_TIMEOUT_MS)) {
				fprintf(stderr, "fuzz-probe: the compositor did not answer within "
						"%d ms (seed %" PRIu64 ", request %u)\n",
					ROUNDTRIP_TIMEOUT_MS, seed, f.requests);
				status = 1;
				break;
			}
			if (wl_display_get_error(f.g.display) || !f.g.wm_base) {
				if (wl_display_get_error(f.g.display))
					note_error(&f);
				disconnect(&f);
				if (!connect_display(&f)) {
					status = 1;
					break;
				}
			}
		}
	}
	printf("seed=%" PRIu64 " requests=%u connections=%u disconnects=%u errors:", seed,
	       f.requests, f.connections, f.disconnects);
	for (size_t i = 0; i < f.nerrors; i++)
		printf(" %s/%u=%u", f.errors[i].iface, f.errors[i].code, f.errors[i].count);
	printf("\n");
	if (status)
		printf("check-failed: the compositor stopped serving the fuzzer after request "
		       "%u of %u\nno-answer\n", f.requests, total);
	else
		printf("ok\n");
	if (f.g.display)
		disconnect(&f);
	return status;
}
