#ifndef SW_XDG_SHELL_H
#define SW_XDG_SHELL_H

#include <stdbool.h>
#include <stdint.h>

#include <wayland-server-core.h>

struct sw_server;
struct sw_surface;

/* Something on screen: a mapped toplevel or popup at a position. */
struct sw_view {
	struct sw_server *server;
	struct sw_surface *surface;
	struct sw_view *parent;   /* popups: the view they are relative to */
	int32_t x, y;             /* output coordinates of the surface's origin */
	bool mapped;
	struct wl_list link;      /* sw_server.views, bottom first */
};

bool sw_xdg_shell_create(struct sw_server *server);

/* The top-most view whose input region contains (x, y); surface-local coords out. */
struct sw_view *sw_view_at(struct sw_server *server, double x, double y, double *sx, double *sy);
/* The same, also giving the surface of the tree (maybe a subsurface) that was hit. */
struct sw_view *sw_view_surface_at(struct sw_server *server, double x, double y,
				   struct sw_surface **surface, double *sx, double *sy);
/* Put a view on top (a click raises). */
void sw_view_raise(struct sw_view *view);
/* Damage the whole area the view covers. */
void sw_view_damage_whole(struct sw_view *view);

#endif
