/*
 * The server without its process: the display, every global, the backend,
 * the seat. main() adds the listening socket, signals and the client it
 * starts; the protocol fuzzer runs the same server on a socketpair.
 */
#include <errno.h>
#include <string.h>

#include <wayland-server-core.h>

#include "backend.h"
#include "budget.h"
#include "data_control.h"
#include "data_device.h"
#include "dmabuf.h"
#include "idle_inhibit.h"
#include "layer_shell.h"
#include "log.h"
#include "output.h"
#include "presentation.h"
#include "primary_selection.h"
#include "screencopy.h"
#include "scene.h"
#include "seat.h"
#include "selection.h"
#include "server.h"
#include "shm.h"
#include "virtual_keyboard.h"
#include "virtual_pointer.h"
#include "surface.h"
#include "viewporter.h"
#include "wm.h"
#include "xdg_activation.h"
#include "xdg_decoration.h"
#include "xdg_shell.h"

#define BACKGROUND_XRGB 0xff202830u

void
sw_server_terminate(struct sw_server *server, int code)
{
	server->exit_code = code;
	server->running = false;
}

void
sw_server_run(struct sw_server *server)
{
	server->running = true;
	while (server->running) {
		wl_display_flush_clients(server->display);
		if (wl_event_loop_dispatch(server->loop, -1) < 0 && errno != EINTR) {
			sw_err("event loop: %s", strerror(errno));
			server->exit_code = 1;
			break;
		}
		sw_surfaces_after_dispatch(server);
	}
}

bool
sw_server_init(struct sw_server *server, const struct sw_options *opts,
	       sw_backend_create_fn create_backend)
{
	*server = (struct sw_server){ .opts = *opts };
	server->background = BACKGROUND_XRGB;
	wl_list_init(&server->views);
	wl_list_init(&server->retired_surfaces);
	wl_list_init(&server->outputs);
	server->display = wl_display_create();
	if (!server->display) {
		sw_err("cannot create the Wayland display");
		return false;
	}
	server->loop = wl_display_get_event_loop(server->display);
	/*
	 * libwayland makes the loop's one timerfd with the first timer source
	 * and keeps it: make it now, so the fds counted once we serve clients are
	 * the steady state (fd-leak checks compare against that count).
	 */
	struct wl_event_source *timer = wl_event_loop_add_timer(server->loop, NULL, NULL);
	if (!timer) {
		sw_err("cannot create the event loop's timer");
		goto out_display;
	}
	wl_event_source_remove(timer);
	server->budgets = sw_budgets_create(server->display, &server->opts.budget);
	if (!server->budgets)
		goto out_display;
	server->scene = sw_scene_create(server);
	if (!server->scene)
		goto out_display;

	if (!sw_compositor_create(server) || !sw_subcompositor_create(server) ||
	    !sw_selections_create(server) || !sw_data_device_create(server) ||
	    !sw_primary_selection_create(server) || !sw_data_control_create(server) ||
	    !sw_idle_inhibit_create(server) || !sw_xdg_activation_create(server) ||
	    !sw_shm_create(server) ||
	    !sw_presentation_create(server) || !sw_xdg_shell_create(server) ||
	    !sw_viewporter_create(server) || !sw_xdg_decoration_create(server) ||
	    !sw_layer_shell_create(server) || !sw_xdg_output_manager_create(server)) {
		sw_err("cannot create the core globals");
		goto out_display;
	}
	server->backend = create_backend ? create_backend(server)
					 : sw_headless_backend_create(server);
	if (!server->backend)
		goto out_display;
	if (!sw_screencopy_create(server)) {
		sw_err("cannot create the screencopy global");
		goto out_backend;
	}
	server->seat = sw_seat_create(server);
	if (!server->seat) {
		sw_err("cannot create the seat");
		goto out_backend;
	}
	server->wm = sw_wm_create(server);
	if (!server->wm) {
		sw_err("cannot create the window manager");
		goto out_seat;
	}
	if (!sw_virtual_keyboard_create(server) || !sw_virtual_pointer_create(server)) {
		sw_err("cannot create the virtual input globals");
		goto out_wm;
	}
#ifdef SW_HAVE_DMABUF
	if (!sw_dmabuf_create(server)) {
		sw_err("cannot create the linux-dmabuf global");
		goto out_wm;
	}
#endif
	struct sw_output *output;
	wl_list_for_each(output, &server->outputs, link)
		sw_output_damage_whole(output);
	return true;

out_wm:
	sw_wm_destroy(server->wm);
	server->wm = NULL;
out_seat:
	sw_seat_destroy(server->seat);
	server->seat = NULL;
out_backend:
	server->backend->impl->destroy(server->backend);
	server->backend = NULL;
out_display:
	wl_display_destroy(server->display);
	server->display = NULL;
	sw_budgets_destroy(server->budgets);
	server->budgets = NULL;
	sw_scene_destroy(server->scene);
	server->scene = NULL;
	return false;
}

void
sw_server_finish(struct sw_server *server)
{
	wl_display_destroy_clients(server->display);
#ifdef SW_HAVE_DMABUF
	sw_dmabuf_destroy(server);
#endif
	sw_wm_destroy(server->wm);
	server->wm = NULL;
	sw_seat_destroy(server->seat);
	server->seat = NULL;
	server->backend->impl->destroy(server->backend);
	server->backend = NULL;
	wl_display_destroy(server->display);
	server->display = NULL;
	sw_budgets_destroy(server->budgets);
	server->budgets = NULL;
	sw_scene_destroy(server->scene);
	server->scene = NULL;
}
