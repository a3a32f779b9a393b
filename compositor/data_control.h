#ifndef SW_DATA_CONTROL_H
#define SW_DATA_CONTROL_H

#include <stdbool.h>

struct sw_server;

/*
 * zwlr_data_control_manager_v1 (v2): clipboard managers and tools such as
 * wl-copy and wl-paste read and set the clipboard and the primary selection
 * without a window or the keyboard focus. That is the protocol's purpose, so
 * its requests are exempt from the focus and serial rules; every client may
 * bind it (the clipboard is as readable to it as by wl_data_device once it
 * has focus).
 */
bool sw_data_control_create(struct sw_server *server);

#endif
