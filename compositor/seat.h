#ifndef SW_SEAT_H
#define SW_SEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pixman.h>

struct sw_server;
struct sw_surface;
struct sw_view;
struct wl_client;

/* wl_seat: exists even headless (without devices), because clients such as foot need it. */
struct sw_seat *sw_seat_create(struct sw_server *server);
void sw_seat_destroy(struct sw_seat *seat);

/*
 * Window manager -> seat. The keyboard goes to `surface` (NULL: nobody); it
 * is kept while no keyboard is plugged in, and given to keyboards that come.
 */
void sw_seat_set_keyboard_focus(struct sw_seat *seat, struct sw_surface *surface);
/* What is under the pointer may have changed (a view mapped, moved or was raised). */
void sw_seat_pointer_rescan(struct sw_seat *seat);
/* A view is going away: the pointer leaves it. */
void sw_seat_view_unmapped(struct sw_seat *seat, struct sw_view *view);
/* The same for a surface tree that is not a view's (a layer surface), by its root. */
void sw_seat_surface_unmapped(struct sw_seat *seat, struct sw_surface *root);
/* Where the pointer is, in output coordinates; false when the seat has none. */
bool sw_seat_pointer_position(struct sw_seat *seat, double *x, double *y);
uint32_t sw_seat_buttons_down(struct sw_seat *seat);
/*
 * Whether `serial` is one of the last input serials (key, button, enter) the
 * seat sent to `client`, and `client` has the keyboard: what a selection
 * request must answer to.
 */
bool sw_seat_serial_is_recent(struct sw_seat *seat, struct wl_client *client, uint32_t serial);

/*
 * Input devices -> seat. Keys and buttons are evdev codes (linux/input-event-codes.h),
 * times in milliseconds of CLOCK_MONOTONIC.
 */
void sw_seat_set_capabilities(struct sw_seat *seat, bool keyboard, bool pointer);
/*
 * Virtual devices (virtual_keyboard.c, virtual_pointer.c) come and go: the
 * seat has a keyboard or pointer while a physical or a virtual one exists.
 */
void sw_seat_virtual_devices(struct sw_seat *seat, int keyboards_delta, int pointers_delta);
/*
 * The XKB keymap text (xkb_v1) clients get, as a sealed read-only file.
 * `owner` is the device it belongs to: keyboards with different keymaps take
 * turns, each making its own current before its keys go out.
 */
bool sw_seat_set_keymap(struct sw_seat *seat, const void *owner, const char *keymap);
const void *sw_seat_keymap_owner(struct sw_seat *seat);
/* `owner` is going away: a later device at the same address must not pass for it. */
void sw_seat_forget_keymap_owner(struct sw_seat *seat, const void *owner);
void sw_seat_keyboard_key(struct sw_seat *seat, uint32_t time_msec, uint32_t key, bool pressed);
void sw_seat_keyboard_modifiers(struct sw_seat *seat, uint32_t depressed, uint32_t latched,
				uint32_t locked, uint32_t group);
/* Relative motion, or an absolute position in output coordinates. */
void sw_seat_pointer_motion(struct sw_seat *seat, uint32_t time_msec, double dx, double dy);
void sw_seat_pointer_warp(struct sw_seat *seat, uint32_t time_msec, double x, double y);
void sw_seat_pointer_button(struct sw_seat *seat, uint32_t time_msec, uint32_t button,
			    bool pressed);
/*
 * `axis` is a wl_pointer.axis, `value` its continuous motion. For a wheel,
 * `v120` is the motion in 120ths of a click (high-resolution wheels send less
 * than 120 at a time); 0 and wheel false for smooth scrolling.
 */
void sw_seat_pointer_axis(struct sw_seat *seat, uint32_t time_msec, uint32_t axis, double value,
			  bool wheel, double v120);

/*
 * Whole wheel clicks out of v120 motion, the rest carried per axis: eight
 * 15/120 steps make one click instead of eight lost ones. A turn the other
 * way drops what was carried, so a small turn back never completes a click
 * the other way. Values past +-2^24 are clamped (and NaN is no motion).
 */
struct sw_wheel_axis {
	int32_t carried;
};

static inline int32_t
sw_wheel_clicks(struct sw_wheel_axis *axis, double v120)
{
	const double limit = 1 << 24;
	int32_t v = !(v120 == v120) ? 0 : v120 > limit ? (int32_t)limit :
		    v120 < -limit ? -(int32_t)limit : (int32_t)v120;
	if ((v > 0 && axis->carried < 0) || (v < 0 && axis->carried > 0))
		axis->carried = 0;
	int32_t sum = axis->carried + v;
	int32_t clicks = sum / 120;
	axis->carried = sum - clicks * 120;
	return clicks;
}
/* End of a group of pointer events that belong together. */
void sw_seat_pointer_frame(struct sw_seat *seat);

#endif
