#ifndef SW_SEAT_H
#define SW_SEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pixman.h>

struct sw_server;
struct sw_view;

/* wl_seat: exists even headless (without devices), because clients such as foot need it. */
struct sw_seat *sw_seat_create(struct sw_server *server);
void sw_seat_destroy(struct sw_seat *seat);

/* Shell -> seat: a toplevel was mapped (newest gets keyboard focus) or is going away. */
void sw_seat_view_mapped(struct sw_seat *seat, struct sw_view *view);
void sw_seat_view_unmapped(struct sw_seat *seat, struct sw_view *view);

/*
 * Renderer -> seat: the cursor image to draw on top, if any, and where its
 * top-left goes in output coordinates. Returns false when no cursor shows.
 */
bool sw_seat_get_cursor(struct sw_seat *seat, pixman_image_t **image, int32_t *x, int32_t *y);

/*
 * Input devices -> seat. Keys and buttons are evdev codes (linux/input-event-codes.h),
 * times in milliseconds of CLOCK_MONOTONIC.
 */
void sw_seat_set_capabilities(struct sw_seat *seat, bool keyboard, bool pointer);
/* The XKB keymap text (xkb_v1) clients get, as a sealed read-only file. */
bool sw_seat_set_keymap(struct sw_seat *seat, const char *keymap);
void sw_seat_keyboard_key(struct sw_seat *seat, uint32_t time_msec, uint32_t key, bool pressed);
void sw_seat_keyboard_modifiers(struct sw_seat *seat, uint32_t depressed, uint32_t latched,
				uint32_t locked, uint32_t group);
/* Relative motion, or an absolute position in output coordinates. */
void sw_seat_pointer_motion(struct sw_seat *seat, uint32_t time_msec, double dx, double dy);
void sw_seat_pointer_warp(struct sw_seat *seat, uint32_t time_msec, double x, double y);
void sw_seat_pointer_button(struct sw_seat *seat, uint32_t time_msec, uint32_t button,
			    bool pressed);
/* `axis` is a wl_pointer.axis; `discrete` is the number of wheel clicks, 0 for smooth scrolling. */
void sw_seat_pointer_axis(struct sw_seat *seat, uint32_t time_msec, uint32_t axis, double value,
			  int32_t discrete);
/* End of a group of pointer events that belong together. */
void sw_seat_pointer_frame(struct sw_seat *seat);

#endif
