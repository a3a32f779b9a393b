#ifndef SW_VIRTUAL_KEYBOARD_H
#define SW_VIRTUAL_KEYBOARD_H

#include <stdbool.h>

struct sw_server;

/*
 * zwp_virtual_keyboard_manager_v1: keys from a client, as if from a keyboard
 * of the seat (tests, wtype). Only clients the trust policy names see it
 * (trust.h). Each keyboard brings its own keymap, which the seat makes
 * current before that keyboard's keys go out.
 */
bool sw_virtual_keyboard_create(struct sw_server *server);

#endif
