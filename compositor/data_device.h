#ifndef SW_DATA_DEVICE_H
#define SW_DATA_DEVICE_H

#include <stdbool.h>
#include <wayland-server-core.h>

struct sw_server;

/* wl_data_device_manager: the clipboard (selection); drag and drop is refused. */
bool sw_data_device_create(struct sw_server *server);
/* Seat -> data device: `client` got keyboard focus (NULL: nobody); it receives the selection. */
void sw_data_device_set_focus(struct sw_server *server, struct wl_client *client);

#endif
