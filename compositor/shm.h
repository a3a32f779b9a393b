#ifndef SW_SHM_H
#define SW_SHM_H

#include <stdbool.h>

struct sw_server;
struct sw_buffer;

bool sw_shm_create(struct sw_server *server);
/* True if `buffer` is a wl_shm buffer (screencopy only writes into those). */
bool sw_buffer_is_shm(const struct sw_buffer *buffer);

#endif
