#ifndef SW_PROBE_UTIL_H
#define SW_PROBE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wayland-client.h>

/*
 * What probe_connect_with does beyond probe_connect: bind wl_compositor and
 * xdg_wm_base at higher versions, hand every global it has no place for to
 * `global`, and give up on initial roundtrips that take too long. Zeroes
 * (and NULL) are probe_connect's choices. It must outlive the connection:
 * globals may come later.
 */
struct probe_connect_options {
	uint32_t compositor_version;	/* highest to bind; 0: 4 */
	uint32_t wm_base_version;	/* highest to bind; 0: 1 */
	int timeout_ms;			/* for each initial roundtrip; 0: no limit */
	void (*global)(void *data, struct wl_registry *registry, uint32_t name,
		       const char *interface, uint32_t version);
	void *data;
};

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
	const struct probe_connect_options *options;
};

/* Connect to $WAYLAND_DISPLAY and bind the globals; false (logged) on failure. */
bool probe_connect(struct probe_globals *g);
bool probe_connect_with(struct probe_globals *g, const struct probe_connect_options *options);
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

/* The smaller of two versions (or counts): what a registry bind asks for. */
uint32_t probe_min_u32(uint32_t a, uint32_t b);

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
 * A width x height wl_buffer of `format` in rows of `stride` bytes, on a
 * memfd of just its size (sealed SHRINK|GROW when `sealed`) written by
 * `paint` (NULL: left zero). Its pool is gone already: the buffer keeps the
 * memory. NULL (logged) on failure.
 */
struct wl_buffer *probe_shm_buffer(struct wl_shm *shm, int32_t width, int32_t height,
				   int32_t stride, uint32_t format, bool sealed,
				   void (*paint)(uint8_t *pixels, void *data), void *data);
/* What probe_fill_pixels writes: `count` 4-byte pixels, each of them `pixel`. */
struct probe_pixel_fill {
	size_t count;
	uint32_t pixel;
};
/* A `paint` for probe_shm_buffer and the like; `data` is a struct probe_pixel_fill. */
void probe_fill_pixels(uint8_t *pixels, void *data);
/* probe_shm_buffer of 4-byte pixels, every one of them `pixel`. */
struct wl_buffer *probe_filled_buffer(struct wl_shm *shm, int32_t width, int32_t height,
				      uint32_t format, uint32_t pixel, bool sealed);

/* A frame callback's listener: done sets the bool `data` points at and destroys the callback. */
extern const struct wl_callback_listener probe_frame_listener;

/*
 * Commit `surface` with a frame callback and wait up to `timeout_ms` for it;
 * false on timeout or a broken connection (the callback is dropped then).
 */
bool probe_commit_and_wait(struct wl_display *display, struct wl_surface *surface,
			   int timeout_ms);
/* Attach `buffer`, damage width x height of it (buffer coordinates), probe_commit_and_wait. */
bool probe_show_and_wait(struct wl_display *display, struct wl_surface *surface,
			 struct wl_buffer *buffer, int32_t width, int32_t height, int timeout_ms);

/*
 * Print `line` on stdout, then block until stdin closes, reading nothing
 * from the compositor meanwhile: the test looks at it while this client is
 * still connected, just as it was.
 */
void probe_hold(const char *line);
/*
 * Dispatch events until stdin closes (what comes on it is read and dropped)
 * or the connection breaks: a client that stays up, answering, until told.
 */
void probe_dispatch_until_stdin_closes(struct wl_display *display);

/*
 * Print the outcome of the connection on stdout, one line:
 * "ok", "protocol-error interface=NAME code=N" or "disconnected".
 */
void probe_report(struct wl_display *display);
/*
 * After a scenario: roundtrip (a request's error reaches its sender by then)
 * and probe_report, or print "no-answer" if the server said nothing in time.
 */
void probe_settle(struct wl_display *display, int timeout_ms);

/*
 * The index in a probe's scenario table of the one named by its only
 * argument; -1 after printing the usage on stderr if it names none. The
 * table has `count` entries `stride` bytes apart, each holding its name (a
 * const char *) at its start and one line of help at `what_offset`.
 */
int probe_pick_scenario(int argc, char *argv[], const char *prog, const void *table,
			size_t count, size_t stride, size_t what_offset);
/* probe_pick_scenario for an array of entries with `name` first and `what`. */
#define PROBE_PICK_SCENARIO(argc, argv, prog, table)                                       \
	probe_pick_scenario(argc, argv, prog, table, sizeof(table) / sizeof((table)[0]),   \
			    sizeof((table)[0]), offsetof(__typeof__((table)[0]), what))

#endif
