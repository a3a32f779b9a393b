#ifndef SW_PRIMARY_SELECTION_H
#define SW_PRIMARY_SELECTION_H

#include <stdbool.h>
#include <wayland-server-core.h>

struct sw_server;

/*
 * zwp_primary_selection_device_manager_v1: the primary selection (select to
 * copy, middle-click to paste), with the clipboard's rules: it is set on a
 * recent input serial of the client with the keyboard, and only that client
 * is told what it holds.
 */
bool sw_primary_selection_create(struct sw_server *server);
/* Seat -> primary selection: `client` got keyboard focus (NULL: nobody). */
void sw_primary_selection_set_focus(struct sw_server *server, struct wl_client *client);

#endif
