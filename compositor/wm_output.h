#ifndef SW_WM_OUTPUT_H
#define SW_WM_OUTPUT_H

struct sw_server;
struct sw_output;

/*
 * Policy: the output a new window opens on. The one under the pointer, else
 * the one showing the focused window, else the first; NULL without outputs.
 */
struct sw_output *sw_wm_output_for_new_window(struct sw_server *server);

#endif
