#ifndef SW_IDLE_INHIBIT_H
#define SW_IDLE_INHIBIT_H

#include <stdbool.h>

struct sw_server;

/*
 * zwp_idle_inhibit_manager_v1: a client (a video player) asks that the output
 * not blank while its surface shows. sealway never blanks an output, so
 * inhibitors are only tracked and logged; sw_idle_inhibited() is what a
 * blanking policy would have to ask first.
 */
bool sw_idle_inhibit_create(struct sw_server *server);
/* Whether some inhibitor's surface still exists. */
bool sw_idle_inhibited(struct sw_server *server);

#endif
