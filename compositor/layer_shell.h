#ifndef SW_LAYER_SHELL_H
#define SW_LAYER_SHELL_H

/*
 * zwlr_layer_shell_v1 (v4): surfaces that are layers of the desktop
 * (wallpapers, panels, launchers, lock screens), anchored to the edges of
 * an output, in four layers: background and bottom under the windows, top
 * above them (under a fullscreen one) and overlay above everything.
 */
#include <stdbool.h>

#include "surface.h"

struct sw_server;
struct sw_output;
struct sw_box;
struct sw_layer_shell;

bool sw_layer_shell_create(struct sw_server *server);

enum sw_layer {
	SW_LAYER_BACKGROUND = 0,
	SW_LAYER_BOTTOM = 1,
	SW_LAYER_TOP = 2,
	SW_LAYER_OVERLAY = 3,
};

/* Every mapped surface of `layer` (its subsurfaces too), bottom first, at layout coordinates. */
void sw_layer_shell_for_each(struct sw_layer_shell *shell, enum sw_layer layer,
			     sw_surface_iter_fn fn, void *data);
/* `box` (the output's) less the exclusive zones of its layer surfaces. NULL shell: unchanged. */
void sw_layer_shell_usable_area(struct sw_layer_shell *shell, struct sw_output *output,
				struct sw_box *box);
/*
 * The top-most surface of `layer` whose input region holds (x, y), layout
 * coordinates, and the point in its own (*sx, *sy); NULL: none there.
 */
struct sw_surface *sw_layer_shell_surface_at(struct sw_layer_shell *shell, enum sw_layer layer,
					     double x, double y, double *sx, double *sy);
/*
 * The mapped layer surface `surface` belongs to (a subsurface: its root's),
 * if it takes the keyboard when clicked: on_demand, or exclusive in the
 * background and bottom layers. NULL otherwise.
 */
struct sw_surface *sw_layer_shell_click_focus(struct sw_surface *surface);
/* Where a mapped layer surface is, layout coordinates (its popups go relative to it). */
bool sw_layer_shell_surface_box(struct sw_surface *surface, struct sw_box *box);

#endif
