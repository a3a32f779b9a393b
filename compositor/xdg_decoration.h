#ifndef SW_XDG_DECORATION_H
#define SW_XDG_DECORATION_H

#include <stdbool.h>

struct sw_server;

/* zxdg_decoration_manager_v1: server-side title bars for the toplevels that want them. */
bool sw_xdg_decoration_create(struct sw_server *server);

#endif
