#ifndef SW_VIRTUAL_POINTER_H
#define SW_VIRTUAL_POINTER_H

#include <stdbool.h>

struct sw_server;

/*
 * zwlr_virtual_pointer_manager_v1: pointer motion, buttons and scrolling from
 * a client, through the window manager as from a mouse (so clicks focus and
 * raise). Only clients the trust policy names see it (trust.h).
 */
bool sw_virtual_pointer_create(struct sw_server *server);

#endif
