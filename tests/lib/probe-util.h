#ifndef SW_PROBE_UTIL_H
#define SW_PROBE_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <wayland-client.h>

/* The globals a test client may want; any of them may be NULL if not advertised. */
struct probe_globals {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wp_presentation *presentation;
	uint32_t presentation_clock;
	bool presentation_clock_known;
};

/* Connect to $WAYLAND_DISPLAY and bind the globals; false (logged) on failure. */
bool probe_connect(struct probe_globals *g);
void probe_disconnect(struct probe_globals *g);

/*
 * Read and dispatch events for at most `timeout_ms`; returns the number of
 * events dispatched (0 on timeout) or -1 once the connection is broken.
 */
int probe_dispatch_timeout(struct wl_display *display, int timeout_ms);
/* Dispatch until *flag becomes true; false on timeout or a broken connection. */
bool probe_wait_for(struct wl_display *display, const bool *flag, int timeout_ms);

/*
 * wl_display_roundtrip with a deadline: true once the server answered or the
 * connection broke (see probe_report), false if it said nothing in time.
 */
bool probe_roundtrip_timeout(struct wl_display *display, int timeout_ms);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t probe_now_ms(void);

/*
 * An xdg toplevel that has been configured and acked, ready for a buffer.
 */
struct probe_window {
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	bool configured;
	uint32_t configure_serial;
};

bool probe_window_map(struct probe_globals *g, struct probe_window *w, const char *title);
void probe_window_destroy(struct probe_window *w);

/* A memfd of `size` bytes (sealed SHRINK|GROW when `sealed`); -1 (logged) on failure. */
int probe_memfd(size_t size, bool sealed);

/*
 * Print the outcome of the connection on stdout, one line:
 * "ok", "protocol-error interface=NAME code=N" or "disconnected".
 */
void probe_report(struct wl_display *display);

#endif
