/*
 * wp_viewporter: a surface shows a rectangle of its buffer (the source, in
 * surface coordinates with the buffer transform and scale undone, 24.8
 * fixed point) scaled to a destination size. Both are double-buffered in
 * sw_surface_state; surface.c applies them, the scene and the renderer draw
 * through them (bilinear when scaling, nearest when the scale is exact).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include <wayland-server-core.h>

#include "buffer.h"
#include "log.h"
#include "render.h"
#include "server.h"
#include "surface.h"
#include "viewporter.h"
#include "viewporter-server-protocol.h"

#define VIEWPORTER_VERSION 1

struct sw_viewport {
	struct wl_resource *resource;
	struct sw_surface *surface;      /* NULL once the surface is gone */
	struct wl_listener surface_destroy;
};

static const wl_fixed_t UNSET = -256;  /* wl_fixed_from_int(-1) */

static void viewport_surface_destroyed(struct wl_listener *listener, void *data);

/* The surface's viewport, found through its destroy listener; NULL if none. */
static struct sw_viewport *
viewport_of(struct sw_surface *surface)
{
	struct wl_listener *l =
		wl_signal_get(&surface->events.destroy, viewport_surface_destroyed);
	if (!l)
		return NULL;
	struct sw_viewport *vp = wl_container_of(l, vp, surface_destroy);
	return vp;
}

static void
unset_pending(struct sw_surface *surface)
{
	struct sw_surface_state *p = &surface->pending;
	p->src_x = p->src_y = p->src_width = p->src_height = UNSET;
	p->dst_width = p->dst_height = -1;
}

static void
viewport_detach(struct sw_viewport *vp)
{
	wl_list_remove(&vp->surface_destroy.link);
	wl_list_init(&vp->surface_destroy.link);
	vp->surface = NULL;
}

static void
viewport_surface_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_viewport *vp = wl_container_of(listener, vp, surface_destroy);
	viewport_detach(vp);
}

static void
viewport_resource_destroy(struct wl_resource *resource)
{
	struct sw_viewport *vp = wl_resource_get_user_data(resource);
	/* The crop and scale go with it, at the surface's next commit. */
	if (vp->surface)
		unset_pending(vp->surface);
	wl_list_remove(&vp->surface_destroy.link);
	free(vp);
}

static void
viewport_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static struct sw_surface *
viewport_surface(struct wl_resource *resource, const char *request)
{
	struct sw_viewport *vp = wl_resource_get_user_data(resource);
	if (!vp->surface)
		wl_resource_post_error(resource, WP_VIEWPORT_ERROR_NO_SURFACE,
				       "wp_viewport@%u.%s: its wl_surface was destroyed",
				       wl_resource_get_id(resource), request);
	return vp->surface;
}

static void
viewport_set_source(struct wl_client *client, struct wl_resource *resource, wl_fixed_t x,
		    wl_fixed_t y, wl_fixed_t width, wl_fixed_t height)
{
	struct sw_surface *surface = viewport_surface(resource, "set_source");
	if (!surface)
		return;
	bool unset = x == UNSET && y == UNSET && width == UNSET && height == UNSET;
	if (!unset && (x < 0 || y < 0 || width <= 0 || height <= 0)) {
		wl_resource_post_error(resource, WP_VIEWPORT_ERROR_BAD_VALUE,
				       "set_source %.2f,%.2f %.2fx%.2f: the origin must not be "
				       "negative and the size must be positive (all -1 unsets it)",
				       wl_fixed_to_double(x), wl_fixed_to_double(y),
				       wl_fixed_to_double(width), wl_fixed_to_double(height));
		return;
	}
	struct sw_surface_state *p = &surface->pending;
	p->src_x = x;
	p->src_y = y;
	p->src_width = width;
	p->src_height = height;
}

static void
viewport_set_destination(struct wl_client *client, struct wl_resource *resource, int32_t width,
			 int32_t height)
{
	struct sw_surface *surface = viewport_surface(resource, "set_destination");
	if (!surface)
		return;
	bool unset = width == -1 && height == -1;
	if (!unset && (width <= 0 || height <= 0)) {
		wl_resource_post_error(resource, WP_VIEWPORT_ERROR_BAD_VALUE,
				       "set_destination %dx%d: the size must be positive "
				       "(-1x-1 unsets it)", width, height);
		return;
	}
	if (width > SW_COORD_LIMIT || height > SW_COORD_LIMIT) {
		sw_warn("wp_viewport@%u: destination %dx%d clamped to %d",
			wl_resource_get_id(resource), width, height, SW_COORD_LIMIT);
		width = width > SW_COORD_LIMIT ? SW_COORD_LIMIT : width;
		height = height > SW_COORD_LIMIT ? SW_COORD_LIMIT : height;
	}
	surface->pending.dst_width = width;
	surface->pending.dst_height = height;
}

static const struct wp_viewport_interface viewport_impl = {
	.destroy = viewport_handle_destroy,
	.set_source = viewport_set_source,
	.set_destination = viewport_set_destination,
};

/* ---- what surface.c asks ---- */

void
sw_viewport_state_copy(struct sw_surface_state *dst, const struct sw_surface_state *src)
{
	dst->src_x = src->src_x;
	dst->src_y = src->src_y;
	dst->src_width = src->src_width;
	dst->src_height = src->src_height;
	dst->dst_width = src->dst_width;
	dst->dst_height = src->dst_height;
}

bool
sw_viewport_state_equal(const struct sw_surface_state *a, const struct sw_surface_state *b)
{
	return a->src_x == b->src_x && a->src_y == b->src_y && a->src_width == b->src_width &&
	       a->src_height == b->src_height && a->dst_width == b->dst_width &&
	       a->dst_height == b->dst_height;
}

bool
sw_viewport_check_commit(struct sw_surface *surface, const struct sw_buffer *buffer)
{
	const struct sw_surface_state *p = &surface->pending;
	if (p->src_width < 0)
		return true;
	struct sw_viewport *vp = viewport_of(surface);
	if (!vp)
		return true;
	/* The buffer's size in surface coordinates, before the viewport. */
	bool swaps = sw_render_transform_swaps((enum sw_render_transform)p->transform);
	int64_t w = (swaps ? buffer->height : buffer->width) / p->scale;
	int64_t h = (swaps ? buffer->width : buffer->height) / p->scale;
	if ((int64_t)p->src_x + p->src_width > w * 256 ||
	    (int64_t)p->src_y + p->src_height > h * 256) {
		wl_resource_post_error(vp->resource, WP_VIEWPORT_ERROR_OUT_OF_BUFFER,
				       "source %.2f,%.2f %.2fx%.2f is outside the %" PRId64
				       "x%" PRId64 " surface of the buffer (%dx%d, scale %d, transform %d)",
				       wl_fixed_to_double(p->src_x), wl_fixed_to_double(p->src_y),
				       wl_fixed_to_double(p->src_width),
				       wl_fixed_to_double(p->src_height), w, h, buffer->width,
				       buffer->height, p->scale, p->transform);
		return false;
	}
	if (p->dst_width < 0 && ((p->src_width & 0xff) || (p->src_height & 0xff))) {
		wl_resource_post_error(vp->resource, WP_VIEWPORT_ERROR_BAD_SIZE,
				       "source size %.2fx%.2f is not whole and no destination is "
				       "set: the surface size would not be an integer",
				       wl_fixed_to_double(p->src_width),
				       wl_fixed_to_double(p->src_height));
		return false;
	}
	return true;
}

void
sw_viewport_apply(struct sw_surface *surface, int32_t tw, int32_t th)
{
	const struct sw_surface_state *c = &surface->current;
	bool cropped = c->src_width >= 0, scaled = c->dst_width > 0;
	surface->viewported = surface->buffer && (cropped || scaled);
	if (!surface->viewported) {
		surface->src.x = surface->src.y = 0;
		surface->src.width = tw;
		surface->src.height = th;
		return;
	}
	int32_t scale = c->scale;
	if (cropped) {
		surface->src.x = wl_fixed_to_double(c->src_x) * scale;
		surface->src.y = wl_fixed_to_double(c->src_y) * scale;
		surface->src.width = wl_fixed_to_double(c->src_width) * scale;
		surface->src.height = wl_fixed_to_double(c->src_height) * scale;
	} else {
		surface->src.x = surface->src.y = 0;
		surface->src.width = surface->width * scale;
		surface->src.height = surface->height * scale;
	}
	if (scaled) {
		surface->width = c->dst_width;
		surface->height = c->dst_height;
	} else {
		/* Whole: checked at commit. */
		surface->width = c->src_width / 256;
		surface->height = c->src_height / 256;
	}
}

static int32_t
clamp_coord(double v)
{
	return v < -SW_COORD_LIMIT ? -SW_COORD_LIMIT : v > SW_COORD_LIMIT ? SW_COORD_LIMIT
									  : (int32_t)v;
}

pixman_box32_t
sw_viewport_map_box(const struct sw_surface *surface, const pixman_box32_t *box)
{
	double kx = surface->width / surface->src.width;
	double ky = surface->height / surface->src.height;
	pixman_box32_t b = {
		clamp_coord(floor((box->x1 - surface->src.x) * kx)),
		clamp_coord(floor((box->y1 - surface->src.y) * ky)),
		clamp_coord(ceil((box->x2 - surface->src.x) * kx)),
		clamp_coord(ceil((box->y2 - surface->src.y) * ky)),
	};
	/*
	 * Bilinear sampling (the renderer's choice unless each target pixel is
	 * a whole source pixel) reaches half a source pixel beyond.
	 */
	bool whole = surface->src.x == floor(surface->src.x) &&
		     surface->src.y == floor(surface->src.y) && kx >= 1 && ky >= 1 &&
		     kx == floor(kx) && ky == floor(ky);
	if (!whole) {
		int32_t mx = (int32_t)ceil(kx), my = (int32_t)ceil(ky);
		b.x1 -= mx;
		b.y1 -= my;
		b.x2 += mx;
		b.y2 += my;
	}
	if (b.x1 < 0) b.x1 = 0;
	if (b.y1 < 0) b.y1 = 0;
	if (b.x2 > surface->width) b.x2 = surface->width;
	if (b.y2 > surface->height) b.y2 = surface->height;
	return b;
}

/* ---- wp_viewporter ---- */

static void
viewporter_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
viewporter_get_viewport(struct wl_client *client, struct wl_resource *resource, uint32_t id,
			struct wl_resource *surface_resource)
{
	struct sw_surface *surface = sw_surface_from_resource(surface_resource);
	if (viewport_of(surface)) {
		wl_resource_post_error(resource, WP_VIEWPORTER_ERROR_VIEWPORT_EXISTS,
				       "wl_surface@%u already has a wp_viewport",
				       wl_resource_get_id(surface_resource));
		return;
	}
	struct sw_viewport *vp = calloc(1, sizeof(*vp));
	if (!vp) {
		wl_client_post_no_memory(client);
		return;
	}
	vp->resource = wl_resource_create(client, &wp_viewport_interface,
					  wl_resource_get_version(resource), id);
	if (!vp->resource) {
		free(vp);
		wl_client_post_no_memory(client);
		return;
	}
	vp->surface = surface;
	vp->surface_destroy.notify = viewport_surface_destroyed;
	wl_signal_add(&surface->events.destroy, &vp->surface_destroy);
	wl_resource_set_implementation(vp->resource, &viewport_impl, vp,
				       viewport_resource_destroy);
}

static const struct wp_viewporter_interface viewporter_impl = {
	.destroy = viewporter_handle_destroy,
	.get_viewport = viewporter_get_viewport,
};

static void
viewporter_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *resource = wl_resource_create(client, &wp_viewporter_interface,
							  (int)version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &viewporter_impl, data, NULL);
}

bool
sw_viewporter_create(struct sw_server *server)
{
	/* Destroyed with the display. */
	return wl_global_create(server->display, &wp_viewporter_interface, VIEWPORTER_VERSION,
				server, viewporter_bind) != NULL;
}
