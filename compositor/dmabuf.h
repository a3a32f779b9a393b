#ifndef SW_DMABUF_H
#define SW_DMABUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sw_server;
struct sw_surface;

/*
 * A scanout tranche: the (format, modifier) pairs of a plane that the
 * format table offers too, as table indices, for `device`. The backend
 * owns it (one per plane) and fills it with sw_dmabuf_tranche_add.
 */
struct sw_dmabuf_tranche {
	dev_t device;
	uint16_t *indices;
	size_t n;
	bool made;                       /* for the backend: filled already */
};

/* zwp_linux_dmabuf_v1 (v4 with feedback) for CPU import; on every backend. */
bool sw_dmabuf_create(struct sw_server *server);
void sw_dmabuf_destroy(struct sw_server *server);

/* Adds the pair when the table offers it; false when out of memory. */
bool sw_dmabuf_tranche_add(struct sw_server *server, struct sw_dmabuf_tranche *tranche,
			   uint32_t format, uint64_t modifier);
void sw_dmabuf_tranche_fini(struct sw_dmabuf_tranche *tranche);
/*
 * The backend's output `owner`, in its frame `frame`, finds `surface` a
 * scanout candidate for the plane of `scanout` (NULL: not a candidate). The
 * surface's feedback objects get a new feedback when that changes. O(1),
 * and nothing for a surface without feedback objects.
 */
void sw_dmabuf_surface_scanout(struct sw_surface *surface, const void *owner,
			       const struct sw_dmabuf_tranche *scanout, uint64_t frame);
/*
 * After a frame's calls: the surfaces `owner` gave a tranche before and did
 * not name in `frame` (gone from its list) lose it.
 */
void sw_dmabuf_scanout_frame_end(struct sw_server *server, const void *owner, uint64_t frame);

#endif
