#ifndef SW_VIEWPORTER_H
#define SW_VIEWPORTER_H

#include <stdbool.h>
#include <stdint.h>

#include <pixman.h>

struct sw_server;
struct sw_surface;
struct sw_surface_state;
struct sw_buffer;

/* The wp_viewporter global. */
bool sw_viewporter_create(struct sw_server *server);

/* What surface.c asks of the viewport state it double-buffers. */
void sw_viewport_state_copy(struct sw_surface_state *dst, const struct sw_surface_state *src);
bool sw_viewport_state_equal(const struct sw_surface_state *a, const struct sw_surface_state *b);
/*
 * At commit, with the buffer it shows: posts out_of_buffer or bad_size on the
 * surface's wp_viewport and returns false when the pending state is invalid.
 */
bool sw_viewport_check_commit(struct sw_surface *surface, const struct sw_buffer *buffer);
/*
 * After the current state changed: set surface->width/height, src and
 * viewported from the viewport, given the buffer's size with its transform
 * undone (tw x th pixels). width/height hold the size without a viewport.
 */
void sw_viewport_apply(struct sw_surface *surface, int32_t tw, int32_t th);
/* A box of the buffer (transform undone) in surface coordinates, rounded outwards. */
pixman_box32_t sw_viewport_map_box(const struct sw_surface *surface, const pixman_box32_t *box);

#endif
