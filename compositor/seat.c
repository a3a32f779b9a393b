/*
 * wl_seat with wl_keyboard and wl_pointer. Devices (the DRM backend's input)
 * feed it evdev codes, through the window manager (wm.c), which decides who
 * has the keyboard; the top-most surface under the cursor has the pointer,
 * except while a button is held (the implicit grab).
 *
 * Resources outlive the seat as inert objects: their user data is NULL and
 * their requests do nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "anon-file.h"
#include "buffer.h"
#include "log.h"
#include "output.h"
#include "data_device.h"
#include "primary_selection.h"
#include "render.h"
#include "scene.h"
#include "seat.h"
#include "server.h"
#include "surface.h"
#include "view.h"

#define SEAT_VERSION 7
#define REPEAT_RATE 25    /* keys per second */
#define REPEAT_DELAY 600  /* ms */
/* Input serials remembered, to judge requests that must answer to input. */
#define RECENT_SERIALS 16

/* The default arrow, drawn by us: '#' outline, '.' fill, ' ' transparent. */
static const char *const arrow_rows[] = {
	"#           ",
	"##          ",
	"#.#         ",
	"#..#        ",
	"#...#       ",
	"#....#      ",
	"#.....#     ",
	"#......#    ",
	"#.......#   ",
	"#........#  ",
	"#.........# ",
	"#......#####",
	"#...#..#    ",
	"#..# #..#   ",
	"#.#  #..#   ",
	"##    #..#  ",
	"#     #..#  ",
	"       ##   ",
};

struct sw_seat {
	struct sw_server *server;
	struct wl_global *global;
	struct wl_list resources;   /* wl_seat */
	struct wl_list pointers;    /* wl_pointer */
	struct wl_list keyboards;   /* wl_keyboard */
	bool has_keyboard, has_pointer; /* physical or virtual */
	bool dev_keyboard, dev_pointer; /* physical, as the input devices said */
	int virtual_keyboards, virtual_pointers;
	bool had_keyboard, had_pointer; /* ever: asking for one since is not an error */

	int keymap_fd;           /* sealed read-only keymap file, -1 when none */
	const void *keymap_owner;
	uint32_t keymap_size;
	struct wl_array keys;    /* uint32_t evdev codes held down */
	uint32_t mods_depressed, mods_latched, mods_locked, group;

	struct sw_surface *kbd_focus;
	struct wl_listener kbd_focus_destroy;

	double px, py;                  /* pointer, output coordinates */
	struct sw_surface *ptr_focus;
	struct wl_listener ptr_focus_destroy;
	int32_t ptr_origin_x, ptr_origin_y; /* where the focused surface's origin was */
	uint32_t ptr_enter_serial;
	uint32_t buttons_down;
	/* Wheel motion short of a click, per wl_pointer.axis, for the focused client. */
	struct sw_wheel_axis wheel[2];

	/* The cursor the focused client asked for; none set means the default arrow. */
	struct sw_surface *cursor_surface;
	struct wl_listener cursor_surface_destroy;
	int32_t hotspot_x, hotspot_y;
	pixman_image_t *cursor_copy;    /* its pixels, copied at commit */
	bool cursor_hidden;             /* set_cursor with a NULL surface */
	pixman_image_t *arrow;

	struct {
		uint32_t serial;
		struct wl_client *client;
	} recent[RECENT_SERIALS];
	unsigned recent_next;
};

static void
remember_serial(struct sw_seat *seat, struct wl_client *client, uint32_t serial)
{
	seat->recent[seat->recent_next].serial = serial;
	seat->recent[seat->recent_next].client = client;
	seat->recent_next = (seat->recent_next + 1) % RECENT_SERIALS;
}

bool
sw_seat_serial_is_recent(struct sw_seat *seat, struct wl_client *client, uint32_t serial)
{
	if (!seat->kbd_focus || wl_resource_get_client(seat->kbd_focus->resource) != client)
		return false;
	for (unsigned i = 0; i < RECENT_SERIALS; i++) {
		if (seat->recent[i].client == client && seat->recent[i].serial == serial &&
		    serial != 0)
			return true;
	}
	return false;
}

static uint32_t
now_msec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
unlink_resource(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
}

/* Make every resource of a list inert. */
static void
orphan_resources(struct wl_list *list)
{
	struct wl_resource *resource, *tmp;
	wl_resource_for_each_safe(resource, tmp, list) {
		wl_list_remove(wl_resource_get_link(resource));
		wl_list_init(wl_resource_get_link(resource));
		wl_resource_set_user_data(resource, NULL);
	}
}

static bool
same_client(struct wl_resource *resource, struct sw_surface *surface)
{
	return surface && wl_resource_get_client(resource) ==
			  wl_resource_get_client(surface->resource);
}

/* --- the cursor --- */

static pixman_image_t *
create_arrow(void)
{
	int h = (int)(sizeof(arrow_rows) / sizeof(arrow_rows[0]));
	int w = (int)strlen(arrow_rows[0]);
	pixman_image_t *img = pixman_image_create_bits(PIXMAN_a8r8g8b8, w, h, NULL, 0);
	if (!img)
		return NULL;
	uint32_t *px = pixman_image_get_data(img);
	int stride = pixman_image_get_stride(img) / 4;
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			char c = arrow_rows[y][x];
			px[y * stride + x] = c == '#' ? 0xff000000 : c == '.' ? 0xffffffff : 0;
		}
	}
	return img;
}

/* The image to show and its top-left, if a cursor shows. */
static pixman_image_t *
cursor_current(struct sw_seat *seat, int32_t *x, int32_t *y)
{
	if (!seat->has_pointer || wl_list_empty(&seat->server->outputs))
		return NULL;
	int32_t px = (int32_t)floor(seat->px), py = (int32_t)floor(seat->py);
	if (seat->ptr_focus && seat->cursor_hidden)
		return NULL;
	if (seat->ptr_focus && seat->cursor_surface) {
		if (!seat->cursor_copy)
			return NULL;
		/* 64-bit: both are clamped, but the client chose one of them. */
		*x = sw_clamp_coord((int64_t)px - seat->hotspot_x);
		*y = sw_clamp_coord((int64_t)py - seat->hotspot_y);
		return seat->cursor_copy;
	}
	*x = px;
	*y = py;
	return seat->arrow;
}

/* Tell the scene what cursor shows now (it damages where it was and where it is). */
static void
cursor_damage(struct sw_seat *seat)
{
	if (!seat->server->scene)
		return;
	int32_t x = 0, y = 0;
	pixman_image_t *img = cursor_current(seat, &x, &y);
	sw_scene_set_cursor(seat->server->scene, img, x, y,
			    img && img == seat->cursor_copy ? seat->cursor_surface : NULL);
}

static void
cursor_surface_copy(struct sw_seat *seat)
{
	struct sw_surface *surface = seat->cursor_surface;
	if (seat->cursor_copy) {
		pixman_image_unref(seat->cursor_copy);
		seat->cursor_copy = NULL;
	}
	struct sw_buffer *buffer = surface->buffer;
	if (!buffer || surface->width <= 0 || surface->height <= 0)
		return;
	uint64_t max = sw_budget_limit(seat->server->budgets, SW_BUDGET_CURSOR_SIZE);
	if ((uint64_t)buffer->width > max || (uint64_t)buffer->height > max ||
	    (uint64_t)surface->width > max || (uint64_t)surface->height > max) {
		sw_warn("cursor buffer %dx%d (surface %dx%d) is larger than %" PRIu64 " a side "
			"(--limit cursor-size); not drawn", buffer->width, buffer->height,
			surface->width, surface->height, max);
		return;
	}
	/* A copy, because the renderer reads it outside the buffer's access bracket. */
	pixman_image_t *copy = pixman_image_create_bits(PIXMAN_a8r8g8b8, surface->width,
							surface->height, NULL, 0);
	if (!copy)
		return;
	pixman_image_t *src = buffer->impl->begin_access(buffer, NULL);
	if (!src) {
		pixman_image_unref(copy);
		return;
	}
	/* Drawn as the renderer would draw a window: scale and buffer transform undone. */
	struct sw_render_item item = {
		.image = src,
		.width = surface->width,
		.height = surface->height,
		.transform = (enum sw_render_transform)surface->current.transform,
	};
	sw_render_copy(copy, &item);
	if (!buffer->impl->end_access(buffer)) {
		pixman_image_unref(copy);
		return;
	}
	seat->cursor_copy = copy;
}

static void cursor_surface_unset(struct sw_seat *seat);

static void
cursor_role_commit(struct sw_surface *surface)
{
	struct sw_seat *seat = surface->role_data;
	if (!seat || seat->cursor_surface != surface)
		return;
	/* Attaching with an offset moves the hotspot the other way. */
	seat->hotspot_x = sw_clamp_coord((int64_t)seat->hotspot_x - surface->current.dx);
	seat->hotspot_y = sw_clamp_coord((int64_t)seat->hotspot_y - surface->current.dy);
	cursor_surface_copy(seat);
	cursor_damage(seat);
}

static const struct sw_surface_role cursor_role = {
	.name = "wl_pointer-cursor",
	.commit = cursor_role_commit,
};

static void
cursor_surface_unset(struct sw_seat *seat)
{
	if (!seat->cursor_surface)
		return;
	wl_list_remove(&seat->cursor_surface_destroy.link);
	seat->cursor_surface = NULL;
	if (seat->cursor_copy) {
		pixman_image_unref(seat->cursor_copy);
		seat->cursor_copy = NULL;
	}
}

static void
handle_cursor_surface_destroy(struct wl_listener *listener, void *data)
{
	struct sw_seat *seat = wl_container_of(listener, seat, cursor_surface_destroy);
	cursor_surface_unset(seat);
	cursor_damage(seat);
}

/* --- wl_pointer --- */

static void
pointer_set_cursor(struct wl_client *client, struct wl_resource *resource, uint32_t serial,
		   struct wl_resource *surface_resource, int32_t hotspot_x, int32_t hotspot_y)
{
	struct sw_seat *seat = wl_resource_get_user_data(resource);
	if (!seat)
		return;
	struct sw_surface *surface = surface_resource ?
		sw_surface_from_resource(surface_resource) : NULL;
	if (surface && !sw_surface_set_role(surface, &cursor_role, seat, resource,
					    WL_POINTER_ERROR_ROLE))
		return;
	/* Only the client under the pointer decides its look. */
	if (!same_client(resource, seat->ptr_focus))
		return;
	if (serial != seat->ptr_enter_serial)
		sw_debug("seat: set_cursor with serial %u, not the enter's %u", serial,
			 seat->ptr_enter_serial);
	if (surface != seat->cursor_surface) {
		cursor_surface_unset(seat);
		if (surface) {
			seat->cursor_surface = surface;
			wl_signal_add(&surface->events.destroy, &seat->cursor_surface_destroy);
			cursor_surface_copy(seat);
		}
	}
	/* Kept within the range of positions, so cursor arithmetic cannot overflow. */
	seat->hotspot_x = sw_clamp_coord(hotspot_x);
	seat->hotspot_y = sw_clamp_coord(hotspot_y);
	seat->cursor_hidden = surface == NULL;
	cursor_damage(seat);
}

/* wl_pointer, wl_keyboard and wl_seat .release: the resource goes, nothing else. */
static void
resource_release(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wl_pointer_interface pointer_impl = {
	.set_cursor = pointer_set_cursor,
	.release = resource_release,
};

static void
pointer_send_frame(struct wl_resource *resource)
{
	if (wl_resource_get_version(resource) >= WL_POINTER_FRAME_SINCE_VERSION)
		wl_pointer_send_frame(resource);
}

static void
pointer_clear_focus(struct sw_seat *seat)
{
	struct sw_surface *old = seat->ptr_focus;
	if (!old)
		return;
	uint32_t serial = wl_display_next_serial(seat->server->display);
	struct wl_resource *resource;
	wl_resource_for_each(resource, &seat->pointers) {
		if (!same_client(resource, old))
			continue;
		wl_pointer_send_leave(resource, serial, old->resource);
		pointer_send_frame(resource);
	}
	wl_list_remove(&seat->ptr_focus_destroy.link);
	seat->ptr_focus = NULL;
	cursor_surface_unset(seat);
	seat->cursor_hidden = false;
	seat->buttons_down = 0;
}

static void
pointer_set_focus(struct sw_seat *seat, struct sw_surface *surface, double sx, double sy)
{
	if (surface == seat->ptr_focus)
		return;
	pointer_clear_focus(seat);
	/* A half-turned click belongs to the client it was turned for. */
	seat->wheel[0].carried = seat->wheel[1].carried = 0;
	if (!surface)
		return;
	seat->ptr_focus = surface;
	/* Where the focused surface's origin is, in output coordinates. */
	seat->ptr_origin_x = (int32_t)lround(seat->px - sx);
	seat->ptr_origin_y = (int32_t)lround(seat->py - sy);
	wl_signal_add(&surface->events.destroy, &seat->ptr_focus_destroy);
	seat->ptr_enter_serial = wl_display_next_serial(seat->server->display);
	remember_serial(seat, wl_resource_get_client(surface->resource), seat->ptr_enter_serial);
	struct wl_resource *resource;
	wl_resource_for_each(resource, &seat->pointers) {
		if (!same_client(resource, surface))
			continue;
		wl_pointer_send_enter(resource, seat->ptr_enter_serial, surface->resource,
				      wl_fixed_from_double(sx), wl_fixed_from_double(sy));
		pointer_send_frame(resource);
	}
}

static void
handle_ptr_focus_destroy(struct wl_listener *listener, void *data)
{
	struct sw_seat *seat = wl_container_of(listener, seat, ptr_focus_destroy);
	wl_list_remove(&seat->ptr_focus_destroy.link);
	seat->ptr_focus = NULL;
	cursor_surface_unset(seat);
	seat->cursor_hidden = false;
	seat->buttons_down = 0;
	cursor_damage(seat);
}

/*
 * Find what is under the pointer and tell it where the pointer is. While a
 * button is held, the surface that got the press keeps the pointer.
 */
static void
pointer_update(struct sw_seat *seat, uint32_t time, bool moved)
{
	double sx, sy;
	if (seat->buttons_down && seat->ptr_focus) {
		sx = seat->px - seat->ptr_origin_x;
		sy = seat->py - seat->ptr_origin_y;
	} else {
		/* A window's surface, or a layer surface's. */
		struct sw_hit hit;
		sw_hit_test(seat->server, seat->px, seat->py, &hit);
		sx = hit.sx;
		sy = hit.sy;
		if (!hit.surface || hit.surface != seat->ptr_focus) {
			pointer_set_focus(seat, hit.surface, sx, sy);
			cursor_damage(seat);
			return;
		}
	}
	if (!moved || !seat->ptr_focus)
		return;
	struct wl_resource *resource;
	wl_resource_for_each(resource, &seat->pointers) {
		if (same_client(resource, seat->ptr_focus))
			wl_pointer_send_motion(resource, time, wl_fixed_from_double(sx),
					       wl_fixed_from_double(sy));
	}
}

void
sw_seat_pointer_warp(struct sw_seat *seat, uint32_t time_msec, double x, double y)
{
	/* Keep it on an output: the nearest point of the nearest one. */
	if (!sw_outputs_clamp_point(seat->server, &x, &y))
		return;
	if (x == seat->px && y == seat->py)
		return;
	seat->px = x;
	seat->py = y;
	pointer_update(seat, time_msec, true);
	cursor_damage(seat);
}

void
sw_seat_pointer_motion(struct sw_seat *seat, uint32_t time_msec, double dx, double dy)
{
	sw_seat_pointer_warp(seat, time_msec, seat->px + dx, seat->py + dy);
}

void
sw_seat_pointer_button(struct sw_seat *seat, uint32_t time_msec, uint32_t button, bool pressed)
{
	/* The window manager may have raised something under the pointer. */
	if (pressed && seat->buttons_down == 0)
		pointer_update(seat, time_msec, false);
	if (pressed) {
		seat->buttons_down++;
	} else if (seat->buttons_down > 0) {
		seat->buttons_down--;
	}
	if (seat->ptr_focus) {
		uint32_t serial = wl_display_next_serial(seat->server->display);
		remember_serial(seat, wl_resource_get_client(seat->ptr_focus->resource), serial);
		struct wl_resource *resource;
		wl_resource_for_each(resource, &seat->pointers) {
			if (same_client(resource, seat->ptr_focus))
				wl_pointer_send_button(resource, serial, time_msec, button,
						       pressed ? WL_POINTER_BUTTON_STATE_PRESSED :
						       WL_POINTER_BUTTON_STATE_RELEASED);
		}
	}
	/* The grab ended: the pointer may be over something else now. */
	if (!pressed && seat->buttons_down == 0)
		pointer_update(seat, time_msec, false);
}

void
sw_seat_pointer_axis(struct sw_seat *seat, uint32_t time_msec, uint32_t axis, double value,
		     bool wheel, double v120)
{
	if (!seat->ptr_focus || axis > WL_POINTER_AXIS_HORIZONTAL_SCROLL)
		return;
	/* Once per event, not per resource: a high-resolution step may complete no click. */
	int32_t clicks = wheel ? sw_wheel_clicks(&seat->wheel[axis], v120) : 0;
	struct wl_resource *resource;
	wl_resource_for_each(resource, &seat->pointers) {
		if (!same_client(resource, seat->ptr_focus))
			continue;
		int version = wl_resource_get_version(resource);
		if (version >= WL_POINTER_AXIS_SOURCE_SINCE_VERSION)
			wl_pointer_send_axis_source(resource, wheel ?
						    WL_POINTER_AXIS_SOURCE_WHEEL :
						    WL_POINTER_AXIS_SOURCE_CONTINUOUS);
		if (clicks && version >= WL_POINTER_AXIS_DISCRETE_SINCE_VERSION)
			wl_pointer_send_axis_discrete(resource, axis, clicks);
		/* The continuous motion always goes, clicks or not. */
		wl_pointer_send_axis(resource, time_msec, axis, wl_fixed_from_double(value));
	}
}

void
sw_seat_pointer_frame(struct sw_seat *seat)
{
	if (!seat->ptr_focus)
		return;
	struct wl_resource *resource;
	wl_resource_for_each(resource, &seat->pointers) {
		if (same_client(resource, seat->ptr_focus))
			pointer_send_frame(resource);
	}
}

/* --- wl_keyboard --- */

static const struct wl_keyboard_interface keyboard_impl = {
	.release = resource_release,
};

static void
keyboard_send_enter(struct sw_seat *seat, struct wl_resource *resource, uint32_t serial)
{
	wl_keyboard_send_enter(resource, serial, seat->kbd_focus->resource, &seat->keys);
	wl_keyboard_send_modifiers(resource, serial, seat->mods_depressed, seat->mods_latched,
				   seat->mods_locked, seat->group);
}

void
sw_seat_set_keyboard_focus(struct sw_seat *seat, struct sw_surface *surface)
{
	if (surface == seat->kbd_focus)
		return;
	struct wl_resource *resource;
	if (seat->kbd_focus) {
		uint32_t serial = wl_display_next_serial(seat->server->display);
		wl_resource_for_each(resource, &seat->keyboards) {
			if (same_client(resource, seat->kbd_focus))
				wl_keyboard_send_leave(resource, serial, seat->kbd_focus->resource);
		}
		wl_list_remove(&seat->kbd_focus_destroy.link);
		seat->kbd_focus = NULL;
	}
	struct wl_client *focus = surface ? wl_resource_get_client(surface->resource) : NULL;
	sw_data_device_set_focus(seat->server, focus);
	sw_primary_selection_set_focus(seat->server, focus);
	if (!surface)
		return;
	seat->kbd_focus = surface;
	wl_signal_add(&surface->events.destroy, &seat->kbd_focus_destroy);
	uint32_t serial = wl_display_next_serial(seat->server->display);
	remember_serial(seat, wl_resource_get_client(surface->resource), serial);
	wl_resource_for_each(resource, &seat->keyboards) {
		if (same_client(resource, surface))
			keyboard_send_enter(seat, resource, serial);
	}
}

static void
handle_kbd_focus_destroy(struct wl_listener *listener, void *data)
{
	struct sw_seat *seat = wl_container_of(listener, seat, kbd_focus_destroy);
	wl_list_remove(&seat->kbd_focus_destroy.link);
	seat->kbd_focus = NULL;
}

void
sw_seat_keyboard_key(struct sw_seat *seat, uint32_t time_msec, uint32_t key, bool pressed)
{
	uint32_t *k = seat->keys.data;
	bool found = false;
	/* By index: wl_array_for_each adds to a NULL pointer while no key is down. */
	for (size_t i = 0; i < seat->keys.size / sizeof(*k); i++) {
		if (k[i] == key) {
			k += i;
			found = true;
			break;
		}
	}
	if (pressed && !found) {
		uint32_t *slot = wl_array_add(&seat->keys, sizeof(*slot));
		if (slot)
			*slot = key;
	} else if (!pressed && found) {
		/* Move the last one into its place. */
		uint32_t *last = (uint32_t *)((char *)seat->keys.data + seat->keys.size) - 1;
		*k = *last;
		seat->keys.size -= sizeof(*last);
	}
	if (!seat->kbd_focus)
		return;
	uint32_t serial = wl_display_next_serial(seat->server->display);
	remember_serial(seat, wl_resource_get_client(seat->kbd_focus->resource), serial);
	struct wl_resource *resource;
	wl_resource_for_each(resource, &seat->keyboards) {
		if (same_client(resource, seat->kbd_focus))
			wl_keyboard_send_key(resource, serial, time_msec, key,
					     pressed ? WL_KEYBOARD_KEY_STATE_PRESSED :
					     WL_KEYBOARD_KEY_STATE_RELEASED);
	}
}

void
sw_seat_keyboard_modifiers(struct sw_seat *seat, uint32_t depressed, uint32_t latched,
			   uint32_t locked, uint32_t group)
{
	if (depressed == seat->mods_depressed && latched == seat->mods_latched &&
	    locked == seat->mods_locked && group == seat->group)
		return;
	seat->mods_depressed = depressed;
	seat->mods_latched = latched;
	seat->mods_locked = locked;
	seat->group = group;
	if (!seat->kbd_focus)
		return;
	uint32_t serial = wl_display_next_serial(seat->server->display);
	struct wl_resource *resource;
	wl_resource_for_each(resource, &seat->keyboards) {
		if (same_client(resource, seat->kbd_focus))
			wl_keyboard_send_modifiers(resource, serial, depressed, latched, locked,
						   group);
	}
}

const void *
sw_seat_keymap_owner(struct sw_seat *seat)
{
	return seat->keymap_owner;
}

void
sw_seat_forget_keymap_owner(struct sw_seat *seat, const void *owner)
{
	if (seat->keymap_owner != owner)
		return;
	seat->keymap_owner = NULL;
	/*
	 * Its keymap goes with it: a new keyboard gives its own (a real one
	 * again at its next key), and no file is kept for a keyboard that is gone.
	 */
	if (seat->keymap_fd >= 0)
		close(seat->keymap_fd);
	seat->keymap_fd = -1;
	seat->keymap_size = 0;
}

bool
sw_seat_set_keymap(struct sw_seat *seat, const void *owner, const char *keymap)
{
	/* The size clients map includes the terminating NUL. */
	size_t size = strlen(keymap) + 1;
	int fd = sw_ro_file_create("sealway-keymap", keymap, size);
	if (fd < 0)
		return false;
	if (seat->keymap_fd >= 0)
		close(seat->keymap_fd);
	seat->keymap_fd = fd;
	seat->keymap_size = (uint32_t)size;
	seat->keymap_owner = owner;
	struct wl_resource *resource;
	wl_resource_for_each(resource, &seat->keyboards)
		wl_keyboard_send_keymap(resource, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, fd,
					seat->keymap_size);
	return true;
}

static void
keyboard_send_keymap(struct sw_seat *seat, struct wl_resource *resource)
{
	if (seat->keymap_fd >= 0) {
		wl_keyboard_send_keymap(resource, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1,
					seat->keymap_fd, seat->keymap_size);
		return;
	}
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sw_warn("seat: cannot open /dev/null for an empty keymap: %s", strerror(errno));
		return;
	}
	wl_keyboard_send_keymap(resource, WL_KEYBOARD_KEYMAP_FORMAT_NO_KEYMAP, fd, 0);
	close(fd);
}

/* --- wl_seat --- */

/*
 * The wl_pointer or wl_keyboard `id` asked of a wl_seat, linked into `list`
 * when the seat still exists (an inert one when it is gone). NULL when the
 * seat never had the device (a protocol error) or memory ran out.
 */
static struct wl_resource *
seat_create_device(struct wl_client *client, struct wl_resource *resource, uint32_t id,
		   const struct wl_interface *interface, const void *impl, bool had,
		   const char *what, struct wl_list *list)
{
	struct sw_seat *seat = wl_resource_get_user_data(resource);
	if (seat && !had) {
		wl_resource_post_error(resource, WL_SEAT_ERROR_MISSING_CAPABILITY,
				       "this seat has no %s", what);
		return NULL;
	}
	struct wl_resource *device = wl_resource_create(client, interface,
							wl_resource_get_version(resource), id);
	if (!device) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	if (!seat) {
		wl_resource_set_implementation(device, impl, NULL, NULL);
		return device;
	}
	wl_resource_set_implementation(device, impl, seat, unlink_resource);
	wl_list_insert(list, wl_resource_get_link(device));
	return device;
}

static void
seat_get_pointer(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct sw_seat *seat = wl_resource_get_user_data(resource);
	struct wl_resource *pointer =
		seat_create_device(client, resource, id, &wl_pointer_interface, &pointer_impl,
				   seat && seat->had_pointer, "pointer",
				   seat ? &seat->pointers : NULL);
	if (!pointer || !seat)
		return;
	if (same_client(pointer, seat->ptr_focus)) {
		wl_pointer_send_enter(pointer, seat->ptr_enter_serial, seat->ptr_focus->resource,
				      wl_fixed_from_double(seat->px - seat->ptr_origin_x),
				      wl_fixed_from_double(seat->py - seat->ptr_origin_y));
		pointer_send_frame(pointer);
	}
}

static void
seat_get_keyboard(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct sw_seat *seat = wl_resource_get_user_data(resource);
	struct wl_resource *keyboard =
		seat_create_device(client, resource, id, &wl_keyboard_interface, &keyboard_impl,
				   seat && seat->had_keyboard, "keyboard",
				   seat ? &seat->keyboards : NULL);
	if (!keyboard || !seat)
		return;
	keyboard_send_keymap(seat, keyboard);
	if (wl_resource_get_version(keyboard) >= WL_KEYBOARD_REPEAT_INFO_SINCE_VERSION)
		wl_keyboard_send_repeat_info(keyboard, REPEAT_RATE, REPEAT_DELAY);
	if (same_client(keyboard, seat->kbd_focus)) {
		uint32_t serial = wl_display_next_serial(seat->server->display);
		remember_serial(seat, client, serial);
		keyboard_send_enter(seat, keyboard, serial);
	}
}

static void
seat_get_touch(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	wl_resource_post_error(resource, WL_SEAT_ERROR_MISSING_CAPABILITY,
			       "this seat has no touch device");
}

static const struct wl_seat_interface seat_impl = {
	.get_pointer = seat_get_pointer,
	.get_keyboard = seat_get_keyboard,
	.get_touch = seat_get_touch,
	.release = resource_release,
};

static uint32_t
seat_caps(struct sw_seat *seat)
{
	uint32_t caps = 0;
	if (seat->has_keyboard)
		caps |= WL_SEAT_CAPABILITY_KEYBOARD;
	if (seat->has_pointer)
		caps |= WL_SEAT_CAPABILITY_POINTER;
	return caps;
}

static void
seat_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct sw_seat *seat = data;
	struct wl_resource *resource = wl_resource_create(client, &wl_seat_interface, (int)version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &seat_impl, seat, unlink_resource);
	wl_list_insert(&seat->resources, wl_resource_get_link(resource));
	wl_seat_send_capabilities(resource, seat_caps(seat));
	if (version >= WL_SEAT_NAME_SINCE_VERSION)
		wl_seat_send_name(resource, "seat0");
}

static void update_capabilities(struct sw_seat *seat);

void
sw_seat_set_capabilities(struct sw_seat *seat, bool keyboard, bool pointer)
{
	seat->dev_keyboard = keyboard;
	seat->dev_pointer = pointer;
	update_capabilities(seat);
}

void
sw_seat_virtual_devices(struct sw_seat *seat, int keyboards_delta, int pointers_delta)
{
	seat->virtual_keyboards += keyboards_delta;
	seat->virtual_pointers += pointers_delta;
	update_capabilities(seat);
}

static void
update_capabilities(struct sw_seat *seat)
{
	bool keyboard = seat->dev_keyboard || seat->virtual_keyboards > 0;
	bool pointer = seat->dev_pointer || seat->virtual_pointers > 0;
	if (keyboard == seat->has_keyboard && pointer == seat->has_pointer)
		return;
	if (!pointer)
		pointer_clear_focus(seat);
	seat->has_keyboard = keyboard;
	seat->has_pointer = pointer;
	seat->had_keyboard |= keyboard;
	seat->had_pointer |= pointer;
	sw_info("seat: %s keyboard, %s pointer (%d and %d of them virtual)", keyboard ? "a" : "no",
		pointer ? "a" : "no", seat->virtual_keyboards, seat->virtual_pointers);
	struct wl_resource *resource;
	wl_resource_for_each(resource, &seat->resources)
		wl_seat_send_capabilities(resource, seat_caps(seat));
	struct sw_output *first = sw_output_first(seat->server);
	if (pointer && first && !seat->ptr_focus) {
		/* Start in the middle of the first output. */
		seat->px = first->x + first->width / 2.0;
		seat->py = first->y + first->height / 2.0;
		pointer_update(seat, now_msec(), false);
	}
	cursor_damage(seat);
}

struct sw_seat *
sw_seat_create(struct sw_server *server)
{
	struct sw_seat *seat = calloc(1, sizeof(*seat));
	if (!seat)
		return NULL;
	seat->server = server;
	seat->keymap_fd = -1;
	wl_list_init(&seat->resources);
	wl_list_init(&seat->pointers);
	wl_list_init(&seat->keyboards);
	wl_array_init(&seat->keys);
	seat->kbd_focus_destroy.notify = handle_kbd_focus_destroy;
	seat->ptr_focus_destroy.notify = handle_ptr_focus_destroy;
	seat->cursor_surface_destroy.notify = handle_cursor_surface_destroy;
	seat->arrow = create_arrow();
	if (!seat->arrow)
		goto err_seat;
	seat->global = wl_global_create(server->display, &wl_seat_interface, SEAT_VERSION, seat,
					seat_bind);
	if (!seat->global)
		goto err_arrow;
	return seat;

err_arrow:
	pixman_image_unref(seat->arrow);
err_seat:
	free(seat);
	return NULL;
}

void
sw_seat_destroy(struct sw_seat *seat)
{
	if (!seat)
		return;
	if (seat->kbd_focus)
		wl_list_remove(&seat->kbd_focus_destroy.link);
	if (seat->ptr_focus)
		wl_list_remove(&seat->ptr_focus_destroy.link);
	cursor_surface_unset(seat);
	orphan_resources(&seat->resources);
	orphan_resources(&seat->pointers);
	orphan_resources(&seat->keyboards);
	wl_global_destroy(seat->global);
	if (seat->keymap_fd >= 0)
		close(seat->keymap_fd);
	wl_array_release(&seat->keys);
	pixman_image_unref(seat->arrow);
	free(seat);
}

bool
sw_seat_pointer_position(struct sw_seat *seat, double *x, double *y)
{
	*x = seat->px;
	*y = seat->py;
	return seat->has_pointer;
}

uint32_t
sw_seat_buttons_down(struct sw_seat *seat)
{
	return seat->buttons_down;
}

void
sw_seat_pointer_rescan(struct sw_seat *seat)
{
	if (seat->has_pointer)
		pointer_update(seat, now_msec(), false);
}

void
sw_seat_view_unmapped(struct sw_seat *seat, struct sw_view *view)
{
	sw_seat_surface_unmapped(seat, view->surface);
}

void
sw_seat_surface_unmapped(struct sw_seat *seat, struct sw_surface *root)
{
	int32_t dx, dy;
	if (seat->ptr_focus && sw_surface_get_root(seat->ptr_focus, &dx, &dy) == root) {
		pointer_clear_focus(seat);
		seat->buttons_down = 0;
		cursor_damage(seat);
		/* Whatever is now under the pointer gets it, without waiting for motion. */
		if (seat->has_pointer)
			pointer_update(seat, now_msec(), false);
	}
}
