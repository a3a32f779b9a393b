#ifndef SW_SESSION_H
#define SW_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include <wayland-server-core.h>

/*
 * A seat session through libseat: the right to use the DRM and input devices
 * of the seat, and to be told when the VT is switched away and back.
 */
struct sw_session {
	struct libseat *seat;
	struct wl_event_source *source;
	bool active;
	/*
	 * Emitted when `active` changes (data: the session). Listeners stop using
	 * the devices on deactivation; the session acknowledges to libseat after
	 * every listener ran.
	 */
	struct wl_signal active_changed;
	/* Emitted once when the connection to the seat is lost; the session is then dead. */
	struct wl_signal lost;
	struct wl_list devices;   /* sw_session_device.link */
};

/* NULL on failure; `why` then says why in a few words. */
struct sw_session *sw_session_create(struct wl_event_loop *loop, char *why, size_t why_len);
void sw_session_destroy(struct sw_session *session);

/*
 * Open a device node of the seat; returns its fd (owned by the session until
 * sw_session_close_device) or -1 with errno set.
 */
int sw_session_open_device(struct sw_session *session, const char *path);
void sw_session_close_device(struct sw_session *session, int fd);

/* Ask to switch to VT `vt` (Ctrl+Alt+Fn). */
void sw_session_switch_vt(struct sw_session *session, unsigned vt);

#endif
