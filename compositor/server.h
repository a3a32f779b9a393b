#ifndef SW_SERVER_H
#define SW_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <pixman.h>
#include <wayland-server-core.h>

#include "budget.h"
#include "trust.h"

/* At most this many outputs (headless --output, or DRM connectors). */
#define SW_MAX_OUTPUTS 16

/* One headless output's shape. */
struct sw_output_shape {
	int32_t width, height;
	int32_t refresh_mhz;
};

/* Everything the command line decides. */
struct sw_options {
	const char *backend;      /* "auto", "headless" or "drm" */
	const char *socket;       /* NULL: pick a free wayland-N */
	int32_t width, height;    /* headless output size (without --output) */
	int32_t refresh_mhz;      /* headless refresh rate (and --output's default) */
	/* --output=WxH[@HZ], in order; none: one output of width x height. */
	struct sw_output_shape outputs[SW_MAX_OUTPUTS];
	int n_outputs;
	bool shm_require_seals;   /* --shm-seals=require */
	const char *drm_mode;     /* --mode=WxH[@Hz], NULL: preferred */
	const char *drm_device;   /* --drm-device=PATH, NULL: the first card with a display */
	const char *kms;          /* --kms=auto|atomic|legacy */
	bool scanout;             /* --scanout=auto (true) or off: show buffers without copying */
	char **client_argv;       /* after "--", NULL when none */
	struct sw_budget_settings budget; /* --budget, --limit */
	enum sw_trust_policy trust_virtual_input; /* --trust-virtual-input */
	int32_t activation_token_ms; /* --activation-token-ms, 0: the default */
};

struct sw_server {
	struct wl_display *display;
	struct wl_event_loop *loop;
	struct sw_options opts;
	const char *socket_name;

	struct sw_budgets *budgets;   /* what clients may make us hold */
	struct sw_backend *backend;
	/* Left to right; empty only while no output can be made. */
	struct wl_list outputs;       /* sw_output.link */
	struct sw_scene *scene;       /* what is visible where */

	struct sw_shm *shm;
	struct sw_compositor *compositor;
	struct sw_xdg_shell *xdg_shell;
	struct sw_seat *seat;
	struct sw_presentation *presentation;
	struct sw_screencopy *screencopy;
	struct sw_dmabuf *dmabuf;
	struct sw_data_device_manager *data_device;
	struct sw_selections *selections;   /* the clipboard and the primary selection */
	struct sw_primary_selection *primary_selection;
	struct sw_data_control *data_control;
	struct sw_wm *wm;             /* the policy: placement, stacking, focus, keys */
	struct sw_virtual_keyboards *virtual_keyboards;
	struct sw_virtual_pointers *virtual_pointers;
	struct sw_idle_inhibit *idle_inhibit;
	struct sw_xdg_activation *xdg_activation;
	/* Globals only trusted clients see (trust.h). */
	struct {
		struct wl_global *globals[4];
		size_t count;
		/* The connection made for the `-- CLIENT`, NULL when none or gone. */
		struct wl_client *spawned;
		struct wl_listener spawned_destroy;
	} trust;
	struct sw_layer_shell *layer_shell; /* panels, wallpapers: layer_shell.c */

	/* Mapped views, bottom first; the last one is on top. */
	struct wl_list views;
	/* Surfaces holding a replaced buffer until the next frame (surface.c). */
	struct wl_list retired_surfaces;  /* sw_surface.retired_link */

	uint32_t background;  /* XRGB8888 */
	bool running;
	int exit_code;
};

typedef struct sw_backend *(*sw_backend_create_fn)(struct sw_server *server);

/*
 * Make the display with every global, the backend (`create_backend`, or
 * headless when NULL), the seat and linux-dmabuf, from `opts`. Returns false
 * after logging why, with nothing left behind.
 */
bool sw_server_init(struct sw_server *server, const struct sw_options *opts,
		    sw_backend_create_fn create_backend);
/* Destroy the clients, then everything sw_server_init made. */
void sw_server_finish(struct sw_server *server);

/*
 * Serve clients until sw_server_terminate: flush, dispatch, then release the
 * buffers the dispatch replaced unless a frame is due to release them.
 */
void sw_server_run(struct sw_server *server);
/* Stop the event loop; main() cleans up and exits with `code`. */
void sw_server_terminate(struct sw_server *server, int code);

#endif
