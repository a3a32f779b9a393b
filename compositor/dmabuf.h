#ifndef SW_DMABUF_H
#define SW_DMABUF_H

#include <stdbool.h>

struct sw_server;

/* zwp_linux_dmabuf_v1 (v4 with feedback) for CPU import; on every backend. */
bool sw_dmabuf_create(struct sw_server *server);
void sw_dmabuf_destroy(struct sw_server *server);

#endif
