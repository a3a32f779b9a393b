#ifndef SW_WM_H
#define SW_WM_H

/*
 * The window manager: every policy decision in one place. It listens to the
 * views the shell protocols make (view.h) and decides placement, stacking,
 * focus and activation, fullscreen, maximize and minimize, interactive move
 * and resize, popup grabs, and the compositor's own keys. Input devices
 * report to it first and it passes input on to the seat, which only
 * delivers it.
 */
#include <stdbool.h>
#include <stdint.h>

struct sw_output;
struct sw_server;
struct sw_surface;
struct sw_view;
struct sw_box;

struct sw_wm *sw_wm_create(struct sw_server *server);
void sw_wm_destroy(struct sw_wm *wm);

/*
 * The output a view belongs on: `requested` when the client named one, else
 * the one it is on. There is one output today.
 */
struct sw_output *sw_wm_output_for(struct sw_wm *wm, struct sw_view *view,
				   struct sw_output *requested);
/* An output's box in the global space, and the part of it windows may use. */
void sw_wm_output_box(struct sw_wm *wm, struct sw_output *output, struct sw_box *box);
void sw_wm_usable_area(struct sw_wm *wm, struct sw_output *output, struct sw_box *box);
/* The usable area changed (a panel's exclusive zone): maximized windows follow it. */
void sw_wm_usable_area_changed(struct sw_wm *wm);

/* Raise a toplevel (with its popups), give it the keyboard and `activated`. NULL: nobody. */
void sw_wm_focus(struct sw_wm *wm, struct sw_view *view);
/* The view with the keyboard, or NULL. */
struct sw_view *sw_wm_focused(struct sw_wm *wm);

/*
 * Layer surfaces and the keyboard: layer_shell.c says what they ask, the
 * policy is here. `surface` holds the keyboard whatever is clicked from now
 * on (the top-most exclusive one of the top and overlay layers); NULL: none
 * does any more, and the keyboard goes back where it was. A click gives it
 * to an on_demand one (sw_layer_shell_click_focus) until a window is focused.
 */
void sw_wm_layer_exclusive(struct sw_wm *wm, struct sw_surface *surface);
/* A layer surface is unmapped or no longer takes the keyboard: it loses it if it has it. */
void sw_wm_layer_release(struct sw_wm *wm, struct sw_surface *surface);

/*
 * Input devices -> window manager -> seat. A key press the compositor keeps
 * for itself returns true (its release must not reach clients either); a
 * VT switch is returned in *vt for whoever holds the session.
 */
bool sw_wm_key(struct sw_wm *wm, uint32_t key, bool ctrl, bool alt, unsigned *vt);
void sw_wm_pointer_motion(struct sw_wm *wm, uint32_t time_msec, double dx, double dy);
void sw_wm_pointer_warp(struct sw_wm *wm, uint32_t time_msec, double x, double y);
void sw_wm_pointer_button(struct sw_wm *wm, uint32_t time_msec, uint32_t button, bool pressed);

#endif
