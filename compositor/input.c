#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libinput.h>
#include <linux/input-event-codes.h>
#include <wayland-server-core.h>
#include <wayland-server-protocol.h>
#include <xkbcommon/xkbcommon.h>

#include "input.h"
#include "log.h"
#include "output.h"
#include "seat.h"
#include "server.h"
#include "session.h"
#include "wm.h"

#define INPUT_DIR "/dev/input"
#define KEY_SLOTS (KEY_MAX + 1)

struct sw_input {
	struct sw_server *server;
	struct sw_session *session;
	struct libinput *li;
	struct wl_event_source *source;
	struct wl_event_source *idle;  /* first read of the queued events */
	struct wl_listener session_active;

	int keyboards, pointers;
	struct xkb_context *xkb;
	struct xkb_keymap *keymap;   /* NULL when no XKB data is installed */
	struct xkb_state *state;
	char *keymap_text;           /* given to the seat, again after a virtual keyboard's */

	/* Keys down, and those we kept for ourselves (their release is ours too). */
	bool down[KEY_SLOTS];
	bool swallowed[KEY_SLOTS];
};

static int
open_restricted(const char *path, int flags, void *data)
{
	struct sw_input *input = data;
	int fd = sw_session_open_device(input->session, path);
	return fd < 0 ? -errno : fd;
}

static void
close_restricted(int fd, void *data)
{
	struct sw_input *input = data;
	sw_session_close_device(input->session, fd);
}

static const struct libinput_interface libinput_impl = {
	.open_restricted = open_restricted,
	.close_restricted = close_restricted,
};

static void
handle_libinput_log(struct libinput *li, enum libinput_log_priority priority, const char *fmt,
		    va_list args)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, args);
	size_t len = strlen(msg);
	if (len && msg[len - 1] == '\n')
		msg[len - 1] = '\0';
	if (priority >= LIBINPUT_LOG_PRIORITY_ERROR)
		sw_warn("libinput: %s", msg);
	else if (priority >= LIBINPUT_LOG_PRIORITY_INFO)
		sw_info("libinput: %s", msg);
	else
		sw_debug("libinput: %s", msg);
}

static void
update_capabilities(struct sw_input *input)
{
	struct sw_seat *seat = input->server->seat;
	if (!seat)
		return;
	if (input->keymap && !input->keymap_text) {
		input->keymap_text = xkb_keymap_get_as_string(input->keymap,
							      XKB_KEYMAP_FORMAT_TEXT_V1);
		if (!input->keymap_text || !sw_seat_set_keymap(seat, input, input->keymap_text))
			sw_warn("input: cannot hand the keymap to the seat");
	}
	sw_seat_set_capabilities(seat, input->keyboards > 0, input->pointers > 0);
}

static void
send_modifiers(struct sw_input *input)
{
	if (!input->state || !input->server->seat)
		return;
	sw_seat_keyboard_modifiers(
		input->server->seat,
		xkb_state_serialize_mods(input->state, XKB_STATE_MODS_DEPRESSED),
		xkb_state_serialize_mods(input->state, XKB_STATE_MODS_LATCHED),
		xkb_state_serialize_mods(input->state, XKB_STATE_MODS_LOCKED),
		xkb_state_serialize_layout(input->state, XKB_STATE_LAYOUT_EFFECTIVE));
}

/* Forget every key held: after a VT switch their releases went elsewhere. */
static void
release_all_keys(struct sw_input *input, uint32_t time)
{
	for (uint32_t key = 0; key < KEY_SLOTS; key++) {
		if (input->down[key] && !input->swallowed[key] && input->server->seat)
			sw_seat_keyboard_key(input->server->seat, time, key, false);
		input->down[key] = false;
		input->swallowed[key] = false;
	}
	if (input->keymap) {
		struct xkb_state *fresh = xkb_state_new(input->keymap);
		if (fresh) {
			xkb_state_unref(input->state);
			input->state = fresh;
		}
	}
	send_modifiers(input);
}

/* The window manager's keys, by evdev code so they work without XKB data. */
static bool
handle_compositor_key(struct sw_input *input, uint32_t key)
{
	bool ctrl = input->down[KEY_LEFTCTRL] || input->down[KEY_RIGHTCTRL];
	bool alt = input->down[KEY_LEFTALT] || input->down[KEY_RIGHTALT];
	unsigned vt;
	if (!input->server->wm || !sw_wm_key(input->server->wm, key, ctrl, alt, &vt))
		return false;
	/* The session is ours: the window manager only says which VT. */
	if (vt)
		sw_session_switch_vt(input->session, vt);
	return true;
}

static void
handle_key(struct sw_input *input, struct libinput_event_keyboard *ev)
{
	uint32_t key = libinput_event_keyboard_get_key(ev);
	bool pressed = libinput_event_keyboard_get_key_state(ev) == LIBINPUT_KEY_STATE_PRESSED;
	uint32_t time = libinput_event_keyboard_get_time(ev);
	if (key >= KEY_SLOTS)
		return;
	/* Two keyboards may hold the same key; count it once. */
	if (pressed == input->down[key])
		return;
	input->down[key] = pressed;

	if (pressed && handle_compositor_key(input, key)) {
		input->swallowed[key] = true;
		return;
	}
	if (!pressed && input->swallowed[key]) {
		input->swallowed[key] = false;
		return;
	}
	if (input->state) {
		/* XKB keycodes are evdev codes + 8. */
		xkb_state_update_key(input->state, key + 8, pressed ? XKB_KEY_DOWN : XKB_KEY_UP);
	}
	struct sw_seat *seat = input->server->seat;
	if (seat && input->keymap_text && sw_seat_keymap_owner(seat) != input &&
	    !sw_seat_set_keymap(seat, input, input->keymap_text))
		sw_warn("input: cannot give the keyboard's keymap back to the seat");
	if (seat)
		sw_seat_keyboard_key(seat, time, key, pressed);
	send_modifiers(input);
}

static void
handle_scroll(struct sw_input *input, struct libinput_event_pointer *ev, bool wheel)
{
	struct sw_seat *seat = input->server->seat;
	uint32_t time = libinput_event_pointer_get_time(ev);
	static const struct {
		enum libinput_pointer_axis li;
		uint32_t wl;
	} axes[] = {
		{ LIBINPUT_POINTER_AXIS_SCROLL_VERTICAL, WL_POINTER_AXIS_VERTICAL_SCROLL },
		{ LIBINPUT_POINTER_AXIS_SCROLL_HORIZONTAL, WL_POINTER_AXIS_HORIZONTAL_SCROLL },
	};
	for (size_t i = 0; i < 2; i++) {
		if (!libinput_event_pointer_has_axis(ev, axes[i].li))
			continue;
		double value = libinput_event_pointer_get_scroll_value(ev, axes[i].li);
		/* High-resolution wheels send less than a click (120) at a time: the seat adds up. */
		double v120 = wheel ? libinput_event_pointer_get_scroll_value_v120(ev, axes[i].li)
				    : 0;
		sw_seat_pointer_axis(seat, time, axes[i].wl, value, wheel, v120);
	}
	sw_seat_pointer_frame(seat);
}

static void
handle_device_added(struct sw_input *input, struct libinput_device *dev)
{
	bool kbd = libinput_device_has_capability(dev, LIBINPUT_DEVICE_CAP_KEYBOARD);
	bool ptr = libinput_device_has_capability(dev, LIBINPUT_DEVICE_CAP_POINTER);
	sw_info("input: %s (%s)%s%s", libinput_device_get_name(dev),
		libinput_device_get_sysname(dev), kbd ? " keyboard" : "", ptr ? " pointer" : "");
	/* Remember what it counted as, for its removal. */
	uintptr_t caps = (kbd ? 1u : 0u) | (ptr ? 2u : 0u);
	libinput_device_set_user_data(dev, (void *)caps);
	input->keyboards += kbd;
	input->pointers += ptr;
	if (ptr)
		libinput_device_config_tap_set_enabled(dev, LIBINPUT_CONFIG_TAP_ENABLED);
	update_capabilities(input);
}

static void
handle_device_removed(struct sw_input *input, struct libinput_device *dev)
{
	uintptr_t caps = (uintptr_t)libinput_device_get_user_data(dev);
	input->keyboards -= (caps & 1u) ? 1 : 0;
	input->pointers -= (caps & 2u) ? 1 : 0;
	sw_debug("input: %s removed", libinput_device_get_sysname(dev));
	update_capabilities(input);
}

static void
handle_event(struct sw_input *input, struct libinput_event *event)
{
	struct sw_seat *seat = input->server->seat;
	struct sw_wm *wm = input->server->wm;
	/* Absolute devices (tablets, VM pointers) map to the first output. */
	struct sw_output *output = sw_output_first(input->server);
	enum libinput_event_type type = libinput_event_get_type(event);
	if (type == LIBINPUT_EVENT_DEVICE_ADDED) {
		handle_device_added(input, libinput_event_get_device(event));
		return;
	}
	if (type == LIBINPUT_EVENT_DEVICE_REMOVED) {
		handle_device_removed(input, libinput_event_get_device(event));
		return;
	}
	if (!seat || !wm)
		return;
	struct libinput_event_pointer *ptr;
	switch (type) {
	case LIBINPUT_EVENT_KEYBOARD_KEY:
		handle_key(input, libinput_event_get_keyboard_event(event));
		break;
	case LIBINPUT_EVENT_POINTER_MOTION:
		ptr = libinput_event_get_pointer_event(event);
		sw_wm_pointer_motion(wm, libinput_event_pointer_get_time(ptr),
				     libinput_event_pointer_get_dx(ptr),
				     libinput_event_pointer_get_dy(ptr));
		sw_seat_pointer_frame(seat);
		break;
	case LIBINPUT_EVENT_POINTER_MOTION_ABSOLUTE:
		if (!output)
			break;
		ptr = libinput_event_get_pointer_event(event);
		sw_wm_pointer_warp(wm, libinput_event_pointer_get_time(ptr),
				   output->x + libinput_event_pointer_get_absolute_x_transformed(
					   ptr, (uint32_t)output->width),
				   output->y + libinput_event_pointer_get_absolute_y_transformed(
					   ptr, (uint32_t)output->height));
		sw_seat_pointer_frame(seat);
		break;
	case LIBINPUT_EVENT_POINTER_BUTTON:
		ptr = libinput_event_get_pointer_event(event);
		sw_wm_pointer_button(wm, libinput_event_pointer_get_time(ptr),
				     libinput_event_pointer_get_button(ptr),
				     libinput_event_pointer_get_button_state(ptr) ==
					     LIBINPUT_BUTTON_STATE_PRESSED);
		sw_seat_pointer_frame(seat);
		break;
	case LIBINPUT_EVENT_POINTER_SCROLL_WHEEL:
		handle_scroll(input, libinput_event_get_pointer_event(event), true);
		break;
	case LIBINPUT_EVENT_POINTER_SCROLL_FINGER:
	case LIBINPUT_EVENT_POINTER_SCROLL_CONTINUOUS:
		handle_scroll(input, libinput_event_get_pointer_event(event), false);
		break;
	default:
		break;
	}
}

static int
handle_libinput_readable(int fd, uint32_t mask, void *data)
{
	struct sw_input *input = data;
	if (libinput_dispatch(input->li) != 0)
		sw_warn("input: libinput_dispatch: %s", strerror(errno));
	struct libinput_event *event;
	while ((event = libinput_get_event(input->li))) {
		handle_event(input, event);
		libinput_event_destroy(event);
	}
	return 0;
}

static void
handle_libinput_idle(void *data)
{
	struct sw_input *input = data;
	input->idle = NULL;
	handle_libinput_readable(-1, 0, input);
}

static void
handle_session_active(struct wl_listener *listener, void *data)
{
	struct sw_input *input = wl_container_of(listener, input, session_active);
	if (input->session->active) {
		if (libinput_resume(input->li) != 0)
			sw_warn("input: cannot resume the devices");
	} else {
		release_all_keys(input, 0);
		libinput_suspend(input->li);
	}
}

static void
add_devices(struct sw_input *input)
{
	DIR *dir = opendir(INPUT_DIR);
	if (!dir) {
		sw_warn("input: cannot list %s: %s", INPUT_DIR, strerror(errno));
		return;
	}
	struct dirent *ent;
	while ((ent = readdir(dir))) {
		if (strncmp(ent->d_name, "event", 5) != 0)
			continue;
		char path[300];
		snprintf(path, sizeof(path), "%s/%s", INPUT_DIR, ent->d_name);
		/* NULL for nodes libinput does not handle (no udev tags, not ours...). */
		if (!libinput_path_add_device(input->li, path))
			sw_info("input: %s is not used", path);
	}
	closedir(dir);
}

static bool
load_keymap(struct sw_input *input)
{
	input->xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (!input->xkb)
		return false;
	/* NULL names: the XKB_DEFAULT_* environment or the built-in us layout. */
	input->keymap = xkb_keymap_new_from_names(input->xkb, NULL, XKB_KEYMAP_COMPILE_NO_FLAGS);
	if (!input->keymap)
		return false;
	input->state = xkb_state_new(input->keymap);
	return input->state != NULL;
}

struct sw_input *
sw_input_create(struct sw_server *server, struct sw_session *session)
{
	struct sw_input *input = calloc(1, sizeof(*input));
	if (!input)
		return NULL;
	input->server = server;
	input->session = session;
	if (!load_keymap(input))
		sw_warn("input: no XKB keymap (is xkb-data installed?): keys go out without one");

	input->li = libinput_path_create_context(&libinput_impl, input);
	if (!input->li) {
		sw_err("input: cannot create a libinput context");
		goto err_xkb;
	}
	libinput_log_set_handler(input->li, handle_libinput_log);
	libinput_log_set_priority(input->li, sw_log_get_level() >= SW_LOG_DEBUG ?
				  LIBINPUT_LOG_PRIORITY_DEBUG : LIBINPUT_LOG_PRIORITY_INFO);
	add_devices(input);

	input->source = wl_event_loop_add_fd(server->loop, libinput_get_fd(input->li),
					     WL_EVENT_READABLE, handle_libinput_readable, input);
	if (!input->source) {
		sw_err("input: cannot watch the libinput fd");
		goto err_li;
	}
	/* The device-added events are queued without waking the fd: read them once the seat exists. */
	input->idle = wl_event_loop_add_idle(server->loop, handle_libinput_idle, input);
	if (!input->idle) {
		sw_err("input: cannot schedule reading the devices");
		goto err_source;
	}
	input->session_active.notify = handle_session_active;
	wl_signal_add(&session->active_changed, &input->session_active);
	return input;

err_source:
	wl_event_source_remove(input->source);

err_li:
	libinput_unref(input->li);
err_xkb:
	xkb_state_unref(input->state);
	xkb_keymap_unref(input->keymap);
	xkb_context_unref(input->xkb);
	free(input);
	return NULL;
}

void
sw_input_destroy(struct sw_input *input)
{
	if (!input)
		return;
	wl_list_remove(&input->session_active.link);
	if (input->idle)
		wl_event_source_remove(input->idle);
	wl_event_source_remove(input->source);
	/* Closes every device through close_restricted. */
	libinput_unref(input->li);
	if (input->server->seat)
		sw_seat_forget_keymap_owner(input->server->seat, input);
	free(input->keymap_text);
	xkb_state_unref(input->state);
	xkb_keymap_unref(input->keymap);
	xkb_context_unref(input->xkb);
	free(input);
}
