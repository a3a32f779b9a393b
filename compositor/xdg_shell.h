#ifndef SW_XDG_SHELL_H
#define SW_XDG_SHELL_H

/*
 * xdg_wm_base and its objects. Each toplevel and popup is a sw_view
 * (view.h); the window manager hears of them through the new-view signal.
 */
#include <stdbool.h>

#include <wayland-server-core.h>

#include "view.h"

struct sw_server;
struct sw_surface;
struct sw_xdg_shell;

bool sw_xdg_shell_create(struct sw_server *server);
/* Emitted with a struct sw_view * when a toplevel or popup role object is made. */
struct wl_signal *sw_xdg_shell_new_view_signal(struct sw_xdg_shell *shell);
/* The view of an xdg_toplevel resource; NULL once it is inert. */
struct sw_view *sw_xdg_toplevel_view(struct wl_resource *toplevel);
/*
 * zwlr_layer_surface_v1.get_popup: `popup`, made with no parent, is placed
 * relative to the layer surface `parent`, and is done (popup_done) when
 * `gone` is emitted (the layer surface unmapped or destroyed). False, with
 * the error posted, when it has a parent already or was committed.
 */
bool sw_xdg_popup_set_layer_parent(struct wl_resource *popup, struct sw_surface *parent,
				   struct wl_signal *gone);

#endif
