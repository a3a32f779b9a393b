#include <stdlib.h>

#include <wayland-server-core.h>

#include "buffer.h"
#include "formats.h"
#include "layer_shell.h"
#include "log.h"
#include "output.h"
#include "scene.h"
#include "server.h"
#include "surface.h"
#include "xdg_shell.h"

struct sw_scene {
	struct sw_server *server;
	struct {
		pixman_image_t *image;       /* referenced; NULL: no cursor */
		int32_t x, y;
		struct sw_surface *surface;
		struct wl_listener surface_destroy;
		struct wl_list planes;       /* sw_scene_cursor_plane.link */
	} cursor;
};

/*
 * What the scene remembers of a surface between repaints: the part of it
 * that opaque content above covered, in the global layout. Found through
 * the surface's destroy listener, so a commit looks only at its own surface.
 */
struct scene_surface {
	pixman_region32_t occluded;
	struct wl_listener destroy;
};

static void
scene_surface_destroyed(struct wl_listener *listener, void *data)
{
	struct scene_surface *ss = wl_container_of(listener, ss, destroy);
	wl_list_remove(&ss->destroy.link);
	pixman_region32_fini(&ss->occluded);
	free(ss);
}

static struct scene_surface *
scene_surface_find(struct sw_surface *surface)
{
	struct wl_listener *l = wl_signal_get(&surface->events.destroy, scene_surface_destroyed);
	if (!l)
		return NULL;
	struct scene_surface *ss = wl_container_of(l, ss, destroy);
	return ss;
}

static struct scene_surface *
scene_surface_get(struct sw_surface *surface)
{
	struct scene_surface *ss = scene_surface_find(surface);
	if (ss)
		return ss;
	ss = calloc(1, sizeof(*ss));
	if (!ss)
		return NULL;
	pixman_region32_init(&ss->occluded);
	ss->destroy.notify = scene_surface_destroyed;
	wl_signal_add(&surface->events.destroy, &ss->destroy);
	return ss;
}

struct sw_scene *
sw_scene_create(struct sw_server *server)
{
	struct sw_scene *scene = calloc(1, sizeof(*scene));
	if (!scene)
		return NULL;
	scene->server = server;
	wl_list_init(&scene->cursor.surface_destroy.link);
	wl_list_init(&scene->cursor.planes);
	return scene;
}

void
sw_scene_destroy(struct sw_scene *scene)
{
	if (!scene)
		return;
	wl_list_remove(&scene->cursor.surface_destroy.link);
	struct sw_scene_cursor_plane *plane, *tmp;
	wl_list_for_each_safe(plane, tmp, &scene->cursor.planes, link) {
		wl_list_remove(&plane->link);
		wl_list_init(&plane->link);
	}
	if (scene->cursor.image)
		pixman_image_unref(scene->cursor.image);
	free(scene);
}

static int32_t clamp_add(int32_t a, int32_t b);

/* --- damage --- */

/* Damage every output where `region` (global layout) lies. */
static void
damage_outputs(struct sw_scene *scene, pixman_region32_t *region)
{
	sw_outputs_damage_region(scene->server, region);
}

static void
damage_box(struct sw_scene *scene, int32_t x, int32_t y, int32_t w, int32_t h)
{
	if (w <= 0 || h <= 0)
		return;
	pixman_region32_t r;
	pixman_region32_init_rect(&r, x, y, (unsigned)w, (unsigned)h);
	damage_outputs(scene, &r);
	pixman_region32_fini(&r);
}

void
sw_scene_damage_surface(struct sw_scene *scene, struct sw_surface *surface,
			pixman_region32_t *damage)
{
	struct scene_surface *ss = scene_surface_find(surface);
	if (ss)
		pixman_region32_subtract(damage, damage, &ss->occluded);
	if (pixman_region32_not_empty(damage))
		damage_outputs(scene, damage);
}

/* --- the cursor --- */

static void
cursor_surface_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_scene *scene = wl_container_of(listener, scene, cursor.surface_destroy);
	wl_list_remove(&scene->cursor.surface_destroy.link);
	wl_list_init(&scene->cursor.surface_destroy.link);
	scene->cursor.surface = NULL;
}

void
sw_scene_add_cursor_plane(struct sw_scene *scene, struct sw_scene_cursor_plane *plane)
{
	wl_list_insert(&scene->cursor.planes, &plane->link);
}

void
sw_scene_remove_cursor_plane(struct sw_scene_cursor_plane *plane)
{
	wl_list_remove(&plane->link);
	wl_list_init(&plane->link);
}

/*
 * The same image moved to (x, y): outputs showing it on a plane move the
 * plane, the rest is damaged. False when no plane shows it (damage as usual).
 */
static bool
move_on_planes(struct sw_scene *scene, int32_t x, int32_t y)
{
	struct sw_scene_cursor_plane *plane;
	bool any = false;
	wl_list_for_each(plane, &scene->cursor.planes, link)
		any = any || plane->active;
	/* Told again where it is (a focus change): nothing to do on a plane. */
	if (any && x == scene->cursor.x && y == scene->cursor.y)
		return true;
	int32_t w = pixman_image_get_width(scene->cursor.image);
	int32_t h = pixman_image_get_height(scene->cursor.image);
	pixman_box32_t from = { scene->cursor.x, scene->cursor.y, clamp_add(scene->cursor.x, w),
				clamp_add(scene->cursor.y, h) };
	pixman_box32_t to = { x, y, clamp_add(x, w), clamp_add(y, h) };
	pixman_region32_t rest;
	pixman_region32_init_rect(&rest, from.x1, from.y1, (unsigned)(from.x2 - from.x1),
				  (unsigned)(from.y2 - from.y1));
	pixman_region32_union_rect(&rest, &rest, to.x1, to.y1, (unsigned)(to.x2 - to.x1),
				   (unsigned)(to.y2 - to.y1));
	wl_list_for_each(plane, &scene->cursor.planes, link) {
		if (!plane->active)
			continue;
		pixman_region32_t box;
		pixman_region32_init_rect(&box, plane->box.x1, plane->box.y1,
					  (unsigned)(plane->box.x2 - plane->box.x1),
					  (unsigned)(plane->box.y2 - plane->box.y1));
		pixman_region32_subtract(&rest, &rest, &box);
		pixman_region32_fini(&box);
	}
	if (any) {
		scene->cursor.x = x;
		scene->cursor.y = y;
		damage_outputs(scene, &rest);
		wl_list_for_each(plane, &scene->cursor.planes, link) {
			if (plane->active)
				plane->moved(plane, x, y);
		}
	}
	pixman_region32_fini(&rest);
	return any;
}

void
sw_scene_set_cursor(struct sw_scene *scene, pixman_image_t *image, int32_t x, int32_t y,
		    struct sw_surface *surface)
{
	pixman_image_t *old = scene->cursor.image;
	if (old && image == old && surface == scene->cursor.surface &&
	    !wl_list_empty(&scene->cursor.planes) && move_on_planes(scene, x, y))
		return;
	if (old)
		damage_box(scene, scene->cursor.x, scene->cursor.y, pixman_image_get_width(old),
			   pixman_image_get_height(old));
	if (image)
		pixman_image_ref(image);
	if (old)
		pixman_image_unref(old);
	scene->cursor.image = image;
	scene->cursor.x = x;
	scene->cursor.y = y;
	if (surface != scene->cursor.surface) {
		wl_list_remove(&scene->cursor.surface_destroy.link);
		wl_list_init(&scene->cursor.surface_destroy.link);
		scene->cursor.surface = surface;
		if (surface) {
			scene->cursor.surface_destroy.notify = cursor_surface_destroyed;
			wl_signal_add(&surface->events.destroy, &scene->cursor.surface_destroy);
		}
	}
	if (image)
		damage_box(scene, x, y, pixman_image_get_width(image),
			   pixman_image_get_height(image));
}

struct sw_surface *
sw_scene_cursor_surface(struct sw_scene *scene)
{
	return scene->cursor.image ? scene->cursor.surface : NULL;
}

/* --- the lists --- */

void
sw_scene_list_init(struct sw_scene_list *list)
{
	wl_array_init(&list->items);
	list->count = 0;
	list->ready = 0;
}

void
sw_scene_list_fini(struct sw_scene_list *list)
{
	struct sw_scene_item *items = list->items.data;
	for (size_t i = 0; i < list->ready; i++) {
		pixman_region32_fini(&items[i].render.visible);
		pixman_region32_fini(&items[i].render.opaque);
	}
	wl_array_release(&list->items);
}

/*
 * The next item, its regions kept from earlier frames (pixman keeps their
 * storage) and emptied. NULL when out of memory.
 */
static struct sw_scene_item *
list_add(struct sw_scene_list *list)
{
	if (list->count == list->ready) {
		struct sw_scene_item *item = wl_array_add(&list->items, sizeof(*item));
		if (!item)
			return NULL;
		pixman_region32_init(&item->render.visible);
		pixman_region32_init(&item->render.opaque);
		list->ready++;
	}
	struct sw_scene_item *item = &((struct sw_scene_item *)list->items.data)[list->count++];
	pixman_region32_clear(&item->render.visible);
	pixman_region32_clear(&item->render.opaque);
	item->render.image = NULL;
	item->render.claimed = false;
	item->surface = NULL;
	item->buffer = NULL;
	item->cursor = false;
	item->has_alpha = true;
	item->viewported = false;
	item->render.src_x = item->render.src_y = 0;
	item->render.src_width = item->render.src_height = 0;
	return item;
}

struct build {
	struct sw_scene_list *list;
	pixman_box32_t rect;       /* the output, global layout */
	bool out_of_memory;
};

static int32_t
clamp_add(int32_t a, int32_t b)
{
	int64_t v = (int64_t)a + b;
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* One surface with a buffer at (x, y) of the global layout. */
static void
build_surface(struct sw_surface *surface, int32_t x, int32_t y, void *data)
{
	struct build *b = data;
	struct scene_surface *ss = scene_surface_get(surface);
	if (ss) {
		/* What is known of it on this output is found anew below. */
		pixman_region32_t here;
		pixman_region32_init_rect(&here, b->rect.x1, b->rect.y1,
					  (unsigned)(b->rect.x2 - b->rect.x1),
					  (unsigned)(b->rect.y2 - b->rect.y1));
		pixman_region32_subtract(&ss->occluded, &ss->occluded, &here);
		pixman_region32_fini(&here);
	}
	if (surface->width <= 0 || surface->height <= 0)
		return;
	pixman_box32_t box = {
		x > b->rect.x1 ? x : b->rect.x1,
		y > b->rect.y1 ? y : b->rect.y1,
		clamp_add(x, surface->width),
		clamp_add(y, surface->height),
	};
	if (box.x2 > b->rect.x2)
		box.x2 = b->rect.x2;
	if (box.y2 > b->rect.y2)
		box.y2 = b->rect.y2;
	if (box.x1 >= box.x2 || box.y1 >= box.y2)
		return;
	struct sw_scene_item *item = list_add(b->list);
	if (!item) {
		b->out_of_memory = true;
		return;
	}
	int32_t ox = x - b->rect.x1, oy = y - b->rect.y1;
	item->surface = surface;
	item->buffer = surface->buffer;
	item->has_alpha = surface->buffer->format->has_alpha;
	item->render.x = ox;
	item->render.y = oy;
	item->render.width = surface->width;
	item->render.height = surface->height;
	item->render.transform = (enum sw_render_transform)surface->current.transform;
	if (surface->viewported) {
		item->viewported = true;
		item->render.src_x = surface->src.x;
		item->render.src_y = surface->src.y;
		item->render.src_width = surface->src.width;
		item->render.src_height = surface->src.height;
	}
	pixman_region32_t *visible = &item->render.visible;
	pixman_region32_union_rect(visible, visible, box.x1 - b->rect.x1, box.y1 - b->rect.y1,
				   (unsigned)(box.x2 - box.x1), (unsigned)(box.y2 - box.y1));
	if (!surface->buffer->format->has_alpha) {
		pixman_region32_copy(&item->render.opaque, visible);
	} else if (pixman_region32_not_empty(&surface->current.opaque)) {
		/*
		 * The opaque region is in surface coordinates, which already have
		 * the buffer transform and scale undone: only the position applies.
		 */
		pixman_region32_copy(&item->render.opaque, &surface->current.opaque);
		pixman_region32_translate(&item->render.opaque, ox, oy);
		pixman_region32_intersect(&item->render.opaque, &item->render.opaque, visible);
	}
}

static void
build_cursor(struct sw_scene *scene, struct build *b)
{
	pixman_image_t *image = scene->cursor.image;
	if (!image)
		return;
	int32_t w = pixman_image_get_width(image), h = pixman_image_get_height(image);
	pixman_box32_t box = { scene->cursor.x, scene->cursor.y,
			       clamp_add(scene->cursor.x, w), clamp_add(scene->cursor.y, h) };
	pixman_region32_t r;
	pixman_region32_init_rect(&r, box.x1, box.y1, (unsigned)(box.x2 - box.x1),
				  (unsigned)(box.y2 - box.y1));
	pixman_region32_intersect_rect(&r, &r, b->rect.x1, b->rect.y1,
				       (unsigned)(b->rect.x2 - b->rect.x1),
				       (unsigned)(b->rect.y2 - b->rect.y1));
	struct sw_scene_item *item = NULL;
	if (pixman_region32_not_empty(&r) && !(item = list_add(b->list)))
		b->out_of_memory = true;
	if (item) {
		item->cursor = true;
		item->surface = scene->cursor.surface;
		item->render.image = image;
		item->render.x = scene->cursor.x - b->rect.x1;
		item->render.y = scene->cursor.y - b->rect.y1;
		item->render.width = w;
		item->render.height = h;
		item->render.transform = SW_RENDER_TRANSFORM_NORMAL;
		pixman_region32_copy(&item->render.visible, &r);
		pixman_region32_translate(&item->render.visible, -b->rect.x1, -b->rect.y1);
	}
	pixman_region32_fini(&r);
}

/* A view's server-side title bar: an opaque image of the compositor's own. */
static void
build_frame(struct sw_view *view, struct build *b)
{
	struct sw_box box;
	if (!sw_view_frame_box(view, &box))
		return;
	pixman_region32_t r;
	pixman_region32_init_rect(&r, box.x, box.y, (unsigned)box.width, (unsigned)box.height);
	pixman_region32_intersect_rect(&r, &r, b->rect.x1, b->rect.y1,
				       (unsigned)(b->rect.x2 - b->rect.x1),
				       (unsigned)(b->rect.y2 - b->rect.y1));
	struct sw_scene_item *item = NULL;
	if (pixman_region32_not_empty(&r) && !(item = list_add(b->list)))
		b->out_of_memory = true;
	if (item) {
		item->has_alpha = false;
		item->render.image = view->frame.image;
		item->render.x = box.x - b->rect.x1;
		item->render.y = box.y - b->rect.y1;
		item->render.width = box.width;
		item->render.height = box.height;
		/* The image may be wider than the bar: only its left part is drawn, unscaled. */
		item->render.src_width = box.width;
		item->render.src_height = box.height;
		item->render.transform = SW_RENDER_TRANSFORM_NORMAL;
		pixman_region32_copy(&item->render.visible, &r);
		pixman_region32_translate(&item->render.visible, -b->rect.x1, -b->rect.y1);
		pixman_region32_copy(&item->render.opaque, &item->render.visible);
	}
	pixman_region32_fini(&r);
}

static void
swap_items(struct sw_scene_item *a, struct sw_scene_item *b)
{
	struct sw_scene_item t = *a;
	*a = *b;
	*b = t;
}

size_t
sw_scene_build(struct sw_scene *scene, struct sw_scene_list *list, const pixman_box32_t *rect)
{
	struct build b = { .list = list, .rect = *rect };
	list->count = 0;
	struct sw_layer_shell *layers = scene->server->layer_shell;
	sw_layer_shell_for_each(layers, SW_LAYER_BACKGROUND, build_surface, &b);
	sw_layer_shell_for_each(layers, SW_LAYER_BOTTOM, build_surface, &b);
	/* A fullscreen window on top covers the top layer; the overlay is above all. */
	struct sw_view *top = wl_list_empty(&scene->server->views)
				      ? NULL
				      : wl_container_of(scene->server->views.prev, top, link);
	bool fullscreen = top && top->mapped && (top->states & SW_VIEW_FULLSCREEN);
	if (fullscreen)
		sw_layer_shell_for_each(layers, SW_LAYER_TOP, build_surface, &b);
	struct sw_view *view;
	wl_list_for_each(view, &scene->server->views, link) {
		if (!view->mapped || view->above_layers)
			continue;
		build_frame(view, &b);
		sw_surface_for_each(view->surface, view->x, view->y, build_surface, &b);
	}
	if (!fullscreen)
		sw_layer_shell_for_each(layers, SW_LAYER_TOP, build_surface, &b);
	sw_layer_shell_for_each(layers, SW_LAYER_OVERLAY, build_surface, &b);
	/* Popups of layer surfaces: menus of panels, above every layer. */
	wl_list_for_each(view, &scene->server->views, link) {
		if (view->mapped && view->above_layers)
			sw_surface_for_each(view->surface, view->x, view->y, build_surface, &b);
	}
	build_cursor(scene, &b);
	if (b.out_of_memory)
		sw_err("out of memory while building the scene: some items are not drawn");

	/* Top first: what is opaque hides everything below it. */
	struct sw_scene_item *items = list->items.data;
	pixman_region32_t covered;
	pixman_region32_init(&covered);
	for (size_t i = list->count; i-- > 0;) {
		struct sw_scene_item *it = &items[i];
		pixman_region32_subtract(&it->render.visible, &it->render.visible, &covered);
		pixman_region32_intersect(&it->render.opaque, &it->render.opaque,
					  &it->render.visible);
		if (it->surface && !it->cursor) {
			struct scene_surface *ss = scene_surface_find(it->surface);
			if (ss) {
				/* Its box on this output, less what shows, is hidden. */
				pixman_region32_t hidden;
				pixman_region32_init_rect(&hidden, it->render.x, it->render.y,
							  (unsigned)it->render.width,
							  (unsigned)it->render.height);
				pixman_region32_intersect_rect(&hidden, &hidden, 0, 0,
							       (unsigned)(rect->x2 - rect->x1),
							       (unsigned)(rect->y2 - rect->y1));
				pixman_region32_subtract(&hidden, &hidden, &it->render.visible);
				pixman_region32_translate(&hidden, rect->x1, rect->y1);
				pixman_region32_union(&ss->occluded, &ss->occluded, &hidden);
				pixman_region32_fini(&hidden);
				/*
				 * Too intricate to subtract at every commit: forget it
				 * (damage may only grow, never be lost).
				 */
				if (pixman_region32_n_rects(&ss->occluded) > SW_DAMAGE_RECTS)
					pixman_region32_clear(&ss->occluded);
			}
		}
		pixman_region32_union(&covered, &covered, &it->render.opaque);
	}
	pixman_region32_fini(&covered);

	/* Keep the order, drop what does not show; regions stay with their slots. */
	size_t kept = 0;
	for (size_t i = 0; i < list->count; i++) {
		if (!pixman_region32_not_empty(&items[i].render.visible))
			continue;
		if (i != kept)
			swap_items(&items[kept], &items[i]);
		kept++;
	}
	list->count = kept;
	return kept;
}
