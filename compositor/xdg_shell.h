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
struct sw_xdg_shell;

bool sw_xdg_shell_create(struct sw_server *server);
/* Emitted with a struct sw_view * when a toplevel or popup role object is made. */
struct wl_signal *sw_xdg_shell_new_view_signal(struct sw_xdg_shell *shell);

#endif
