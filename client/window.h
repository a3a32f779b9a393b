#ifndef SW_CLIENT_WINDOW_H
#define SW_CLIENT_WINDOW_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <pixman.h>
#include <wayland-client.h>

#include "buffer.h"

/*
 * Client-side plumbing shared by the demo clients: the connection and its
 * globals, a signal-aware event loop, and one xdg_toplevel window that
 * presents buffers from a pluggable allocator (struct sw_buffer_impl) with
 * frame-callback pacing and wp_presentation statistics.
 */

struct sw_client_params {
	const char *prog;       /* prefix of user-facing messages, e.g. "sealway-shm" */
	bool need_shm;          /* fail unless wl_shm is offered */
	bool need_presentation; /* fail unless wp_presentation is offered (else a warning) */
	/*
	 * Called for every global the module itself does not bind, so a client
	 * can pick up e.g. zwp_linux_dmabuf_v1. May be NULL.
	 */
	void (*global)(void *data, struct wl_registry *registry, uint32_t name,
		       const char *interface, uint32_t version);
	void *global_data;
};

struct sw_client {
	const char *prog;
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_shm *shm;                    /* NULL when not offered */
	struct xdg_wm_base *wm_base;
	struct wp_presentation *presentation;  /* NULL when not offered */
	struct wl_seat *seat;                  /* NULL when not offered */
	struct wl_pointer *pointer;            /* NULL without a pointer */
	bool hide_cursor;                      /* no cursor over our surfaces (fullscreen) */
	clockid_t presentation_clock;          /* CLOCK_MONOTONIC until told otherwise */
	struct wl_array shm_formats;           /* uint32_t wl_shm.format codes */
	int signal_fd;                         /* SIGINT/SIGTERM, blocked and read here */
	sigset_t old_mask;
	bool quit;                             /* a signal arrived */
	bool failed;                           /* the connection is dead; reported once */
	void (*global)(void *data, struct wl_registry *registry, uint32_t name,
		       const char *interface, uint32_t version);
	void *global_data;
};

/* Connect to $WAYLAND_DISPLAY; NULL after "PROG: cannot connect ..." on stderr. */
struct wl_display *sw_display_connect(const char *prog);

/*
 * Say on stderr why the connection failed, for a program that saw a
 * libwayland call fail: "PROG: protocol error CODE on INTERFACE@ID" or
 * "PROG: lost the connection to the compositor: REASON".
 */
void sw_print_connection_error(const char *prog, struct wl_display *display);

/* Connect to $WAYLAND_DISPLAY and bind the globals; NULL after a one-line message. */
struct sw_client *sw_client_create(const struct sw_client_params *params);
void sw_client_destroy(struct sw_client *client);

bool sw_client_has_shm_format(const struct sw_client *client, uint32_t shm_format);

/*
 * Flush requests, wait up to timeout_ms (-1: forever) for events or a
 * signal, and dispatch. Returns 0, or -1 when the connection failed (the
 * reason was printed).
 */
int sw_client_dispatch(struct sw_client *client, int timeout_ms);

/* Time now on the presentation clock, in nanoseconds. */
uint64_t sw_client_now_ns(const struct sw_client *client);

struct sw_window;

struct sw_window_params {
	const char *title;
	const char *app_id;
	uint32_t width, height;
	const struct sw_format *format;
	unsigned max_buffers;   /* 1..SW_WINDOW_MAX_BUFFERS */
	/* Ask for fullscreen before the first commit; buffers keep width x height. */
	bool fullscreen;
	const struct sw_buffer_impl *impl;
	void *impl_data;
	/*
	 * Called when a new frame may be drawn: once the first configure has
	 * been acked, after each frame callback, after sw_window_schedule_redraw(),
	 * and when a buffer comes back after sw_window_get_buffer() found none.
	 * It draws into sw_window_get_buffer() and calls sw_window_commit(), or
	 * does nothing to stop (until the next sw_window_schedule_redraw()).
	 */
	void (*draw)(void *data, struct sw_window *window);
	void *draw_data;
};

#define SW_WINDOW_MAX_BUFFERS 4

struct sw_present_stats {
	uint64_t commits;
	uint64_t presented;
	uint64_t discarded;
	uint64_t pending;       /* feedbacks not yet answered */
	uint64_t wakeups;       /* reads of the socket while drawing */
	uint32_t refresh_ns;    /* from the latest presented event */
	int64_t *latency_ns;    /* commit-to-present of each presented frame */
	size_t latency_count, latency_cap;
};

struct sw_window *sw_window_create(struct sw_client *client, const struct sw_window_params *params);
void sw_window_destroy(struct sw_window *window);

/*
 * A buffer the compositor does not hold: a released one, or a new one while
 * fewer than max_buffers exist. NULL when all are busy: draw() will be called
 * again when one is released; or NULL when allocating failed (logged), after
 * which sw_window_failed() is true.
 */
struct sw_buffer *sw_window_get_buffer(struct sw_window *window);

/* Number the next commit will get (1 for the first); compare with buffer->content_frame. */
uint64_t sw_window_next_frame(const struct sw_window *window);

/*
 * Attach `buffer`, damage `damage` in buffer coordinates (NULL: everything),
 * ask for a frame callback and presentation feedback, and commit.
 */
void sw_window_commit(struct sw_window *window, struct sw_buffer *buffer,
		      pixman_region32_t *damage);

void sw_window_schedule_redraw(struct sw_window *window);
struct wl_surface *sw_window_surface(const struct sw_window *window);
/* Ask to leave fullscreen; the compositor's configure says where the window goes. */
void sw_window_unset_fullscreen(struct sw_window *window);
bool sw_window_closed(const struct sw_window *window);
bool sw_window_failed(const struct sw_window *window);
const struct sw_present_stats *sw_window_stats(const struct sw_window *window);

/*
 * The main loop of a client with one window: dispatch until a signal, the
 * window is closed, *done or *failed (both set by the draw callback). Then
 * set *done, so that draw() commits no more, and wait up to a second for
 * the feedback of the frames still in flight. Returns 0, or -1 when *failed
 * or the connection broke (reported).
 */
int sw_window_run(struct sw_window *window, bool *done, const bool *failed);

/*
 * Print the one-line summary to `out`:
 * "PROG: frames=N presented=P discarded=D refresh_ns=R
 *  commit_to_present_p50_us=X p99_us=Y", and a readable one to the log.
 */
void sw_window_print_stats(const struct sw_window *window, FILE *out);

#endif
