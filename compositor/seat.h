#ifndef SW_SEAT_H
#define SW_SEAT_H

#include <stdbool.h>
#include <stdint.h>

#include <pixman.h>

struct sw_server;
struct sw_view;

/* wl_seat: exists even headless (without devices), because clients such as foot need it. */
struct sw_seat *sw_seat_create(struct sw_server *server);
void sw_seat_destroy(struct sw_seat *seat);

/* Shell -> seat: a toplevel was mapped (newest gets keyboard focus) or is going away. */
void sw_seat_view_mapped(struct sw_seat *seat, struct sw_view *view);
void sw_seat_view_unmapped(struct sw_seat *seat, struct sw_view *view);

/*
 * Renderer -> seat: the cursor image to draw on top, if any, and where its
 * top-left goes in output coordinates. Returns false when no cursor shows.
 */
bool sw_seat_get_cursor(struct sw_seat *seat, pixman_image_t **image, int32_t *x, int32_t *y);

#endif
