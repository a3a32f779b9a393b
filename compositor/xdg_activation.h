#ifndef SW_XDG_ACTIVATION_H
#define SW_XDG_ACTIVATION_H

#include <stdbool.h>

struct sw_server;

/*
 * xdg_activation_v1: one client hands the focus to a window (its own or
 * another's) by a token. A token is valid when the client with the keyboard
 * made it on one of the last input serials it got (a click, a key), or when
 * sealway made it for the client it starts (XDG_ACTIVATION_TOKEN). A valid
 * token gives the window the focus through the window manager; any other is
 * logged as the window asking for attention (sealway has no urgency hint
 * to show). A token is used once, and expires after
 * --activation-token-ms (default 30 s, as wlroots): an expired one is
 * treated like an invalid one. A client holds at most 16 (its own oldest
 * is forgotten past that, never another client's); the tokens of a client
 * that has gone stay usable until they expire, the newest 64 of them.
 * Expired tokens are dropped lazily (no timer).
 */
#define SW_ACTIVATION_TOKEN_MS_DEFAULT 30000
bool sw_xdg_activation_create(struct sw_server *server);
/* A valid token for the client sealway starts; NULL when none can be made. */
const char *sw_xdg_activation_spawn_token(struct sw_server *server);

#endif
