#ifndef SW_SCENE_H
#define SW_SCENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pixman.h>
#include <wayland-server-core.h>

#include "render.h"

struct sw_server;
struct sw_surface;
struct sw_buffer;

/*
 * What is on screen: the mapped views (server->views, bottom first, each
 * with its subsurfaces) and the cursor on top, in the global layout. For
 * each output the scene makes the ordered list of items that show there,
 * each with the part of it nothing opaque above covers. The protocol files
 * tell it what changes (views, the seat's cursor); the outputs ask it for
 * their lists.
 */
struct sw_scene;

/* One item of an output's list. */
struct sw_scene_item {
	/*
	 * What the renderer draws, in output coordinates. render.image is NULL
	 * until the output begins reading `buffer` (or for ever, when nothing
	 * damaged shows); the cursor's image is the scene's own.
	 */
	struct sw_render_item render;
	/*
	 * The source is the whole buffer, or render.src_* of it (a wp_viewport),
	 * scaled to render.width x render.height with render.transform undone.
	 */
	struct sw_surface *surface;      /* NULL for the default cursor */
	struct sw_buffer *buffer;        /* NULL: render.image needs no access */
	bool has_alpha;                  /* the buffer's format has an alpha channel */
	/*
	 * Cropped or scaled through a wp_viewport: a backend may show it on a
	 * plane only if the plane can crop and scale.
	 */
	bool viewported;
	bool cursor;
};

/*
 * An output's items, bottom first, reused frame after frame so that a warm
 * repaint allocates nothing. A backend may set render.claimed on items it
 * shows itself (a KMS plane); it may claim only items that no unclaimed
 * item above covers, since the composited frame lies beneath its planes.
 */
struct sw_scene_list {
	struct wl_array items;           /* struct sw_scene_item */
	size_t count;                    /* items in this frame's list */
	size_t ready;                    /* items whose regions are initialised */
};

struct sw_scene *sw_scene_create(struct sw_server *server);
void sw_scene_destroy(struct sw_scene *scene);

void sw_scene_list_init(struct sw_scene_list *list);
void sw_scene_list_fini(struct sw_scene_list *list);
static inline struct sw_scene_item *
sw_scene_list_items(struct sw_scene_list *list)
{
	return list->items.data;
}

/*
 * Fill `list` with what shows in `rect` (an output, in the global layout),
 * bottom first, in coordinates relative to rect's top-left. Views or
 * surfaces that nothing of shows there are left out. Returns the count.
 */
size_t sw_scene_build(struct sw_scene *scene, struct sw_scene_list *list,
		      const pixman_box32_t *rect);

/*
 * Seat -> scene: the cursor image (referenced while shown, NULL: no cursor)
 * with its top-left at (x, y) in the global layout. `surface` is the client
 * surface it was copied from (its frame callbacks are due when it is drawn),
 * NULL for the default arrow.
 */
void sw_scene_set_cursor(struct sw_scene *scene, pixman_image_t *image, int32_t x, int32_t y,
			 struct sw_surface *surface);
/*
 * An output whose backend shows the cursor on a plane (the backend owns the
 * struct): while `active`, a move of the same cursor image damages nothing
 * within `box` (the output, global layout) and calls moved() with the new
 * top-left instead, which moves the plane. Elsewhere the move damages.
 */
struct sw_scene_cursor_plane {
	struct wl_list link;             /* the scene's; initialised by the add */
	pixman_box32_t box;
	bool active;
	void (*moved)(struct sw_scene_cursor_plane *plane, int32_t x, int32_t y);
};
void sw_scene_add_cursor_plane(struct sw_scene *scene, struct sw_scene_cursor_plane *plane);
void sw_scene_remove_cursor_plane(struct sw_scene_cursor_plane *plane);

/* The client surface the cursor shows, or NULL. */
struct sw_surface *sw_scene_cursor_surface(struct sw_scene *scene);

/*
 * A surface's committed content changed in `damage` (global layout). What
 * opaque content above covered at the last repaint is left out: a window
 * that animates under another costs nothing. Geometry changes (maps, moves,
 * raises, resizes) damage the outputs directly instead.
 */
void sw_scene_damage_surface(struct sw_scene *scene, struct sw_surface *surface,
			     pixman_region32_t *damage);

#endif
