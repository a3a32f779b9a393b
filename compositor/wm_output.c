/*
 * Which output a window goes to: window-management policy, kept apart from
 * the protocol code that asks.
 */
#include <wayland-server-core.h>

#include "output.h"
#include "seat.h"
#include "server.h"
#include "wm_output.h"

struct sw_output *
sw_wm_output_for_new_window(struct sw_server *server)
{
	double px, py;
	struct sw_output *output;
	if (server->seat && sw_seat_pointer_position(server->seat, &px, &py) &&
	    (output = sw_output_at(server, px, py)))
		return output;
	struct sw_view *focused = server->seat ? sw_seat_focused_view(server->seat) : NULL;
	if (focused)
		return sw_view_output(focused);
	return sw_output_first(server);
}
