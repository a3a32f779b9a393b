#ifndef SW_SCREENCOPY_H
#define SW_SCREENCOPY_H

#include <stdbool.h>

struct sw_server;

bool sw_screencopy_create(struct sw_server *server);

#endif
