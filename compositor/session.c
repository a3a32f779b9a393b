#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libseat.h>

#include "log.h"
#include "session.h"

/*
 * While a seat is being opened, libseat's messages are only what it tries
 * (every backend in turn, the VT it cannot open...): debug output, as the one
 * line of advice on failure comes from us. libseat's log handler has no user
 * data, hence the file-level flag.
 */
static bool opening_seat;

/* An fd handed out by libseat, with the id libseat wants back when closing it. */
struct sw_session_device {
	int fd;
	int id;
	struct wl_list link;
};

static void
handle_libseat_log(enum libseat_log_level level, const char *fmt, va_list args)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, args);
	if (opening_seat) {
		sw_debug("libseat: %s", msg);
		return;
	}
	switch (level) {
	case LIBSEAT_LOG_LEVEL_ERROR:
		sw_err("libseat: %s", msg);
		break;
	case LIBSEAT_LOG_LEVEL_INFO:
		sw_info("libseat: %s", msg);
		break;
	default:
		sw_debug("libseat: %s", msg);
		break;
	}
}

static void
seat_enable(struct libseat *seat, void *data)
{
	struct sw_session *session = data;
	sw_info("session: seat enabled");
	session->active = true;
	wl_signal_emit(&session->active_changed, session);
}

static void
seat_disable(struct libseat *seat, void *data)
{
	struct sw_session *session = data;
	sw_info("session: seat disabled (VT switched away)");
	session->active = false;
	wl_signal_emit(&session->active_changed, session);
	/* Every user has let go of its devices: now tell the seat it may take them. */
	if (libseat_disable_seat(seat) != 0)
		sw_err("session: libseat_disable_seat: %s", strerror(errno));
}

static const struct libseat_seat_listener seat_listener = {
	.enable_seat = seat_enable,
	.disable_seat = seat_disable,
};

static int
handle_seat_readable(int fd, uint32_t mask, void *data)
{
	struct sw_session *session = data;
	if (libseat_dispatch(session->seat, 0) < 0) {
		sw_err("session: lost the seat (libseat_dispatch: %s)", strerror(errno));
		/* Stop watching: a dead connection stays readable and would spin the loop. */
		wl_event_source_remove(session->source);
		session->source = NULL;
		session->active = false;
		wl_signal_emit_mutable(&session->lost, session);
		return 0;
	}
	return 0;
}

/* One line: why there is no seat and, for a user, what to do about it. */
static void
no_seat_why(char *why, size_t why_len, const char *what, const char *err)
{
	if (geteuid() != 0)
		snprintf(why, why_len, "no seat session for this user (%s: %s): log in on a VT "
			 "(logind gives the session), or run `seatd -g video` as root, join the "
			 "video group and set LIBSEAT_BACKEND=seatd (--log=debug shows what "
			 "libseat tried)", what, err);
	else
		snprintf(why, why_len, "no seat session (%s: %s; --log=debug shows what libseat "
			 "tried)", what, err);
}

struct sw_session *
sw_session_create(struct wl_event_loop *loop, char *why, size_t why_len)
{
	struct sw_session *session = calloc(1, sizeof(*session));
	if (!session) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	wl_signal_init(&session->active_changed);
	wl_signal_init(&session->lost);
	wl_list_init(&session->devices);

	enum sw_log_level lvl = sw_log_get_level();
	libseat_set_log_handler(handle_libseat_log);
	libseat_set_log_level(lvl >= SW_LOG_DEBUG ? LIBSEAT_LOG_LEVEL_DEBUG :
			      lvl >= SW_LOG_INFO ? LIBSEAT_LOG_LEVEL_INFO :
			      LIBSEAT_LOG_LEVEL_ERROR);

	opening_seat = true;
	session->seat = libseat_open_seat(&seat_listener, session);
	if (!session->seat) {
		no_seat_why(why, why_len, "libseat", strerror(errno));
		goto err_session;
	}

	/* The enable event comes asynchronously; wait a little for it. */
	for (int i = 0; i < 50 && !session->active; i++) {
		if (libseat_dispatch(session->seat, 100) < 0) {
			no_seat_why(why, why_len, "libseat_dispatch", strerror(errno));
			goto err_seat;
		}
	}
	if (!session->active) {
		/* libseat's built-in seat opens for anyone, yet only root can take a VT. */
		no_seat_why(why, why_len, "libseat", "the seat did not become active");
		goto err_seat;
	}
	opening_seat = false;

	int fd = libseat_get_fd(session->seat);
	if (fd < 0) {
		snprintf(why, why_len, "libseat_get_fd: %s", strerror(errno));
		goto err_seat;
	}
	session->source = wl_event_loop_add_fd(loop, fd, WL_EVENT_READABLE,
					       handle_seat_readable, session);
	if (!session->source) {
		snprintf(why, why_len, "cannot watch the seat fd");
		goto err_seat;
	}
	sw_info("session: seat %s is ours", libseat_seat_name(session->seat));
	return session;

err_seat:
	libseat_close_seat(session->seat);
err_session:
	opening_seat = false;
	free(session);
	return NULL;
}

void
sw_session_destroy(struct sw_session *session)
{
	if (!session)
		return;
	struct sw_session_device *dev, *tmp;
	wl_list_for_each_safe(dev, tmp, &session->devices, link) {
		sw_warn("session: device fd %d still open at exit", dev->fd);
		sw_session_close_device(session, dev->fd);
	}
	if (session->source)
		wl_event_source_remove(session->source);
	/* For a VT-bound seat this gives the VT back in text mode. */
	if (libseat_close_seat(session->seat) != 0)
		sw_err("session: libseat_close_seat: %s", strerror(errno));
	free(session);
}

int
sw_session_open_device(struct sw_session *session, const char *path)
{
	struct sw_session_device *dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -1;
	int fd = -1;
	dev->id = libseat_open_device(session->seat, path, &fd);
	if (dev->id < 0) {
		int saved = errno;
		sw_debug("session: cannot open %s: %s", path, strerror(saved));
		free(dev);
		errno = saved;
		return -1;
	}
	dev->fd = fd;
	wl_list_insert(&session->devices, &dev->link);
	return fd;
}

void
sw_session_close_device(struct sw_session *session, int fd)
{
	struct sw_session_device *dev;
	wl_list_for_each(dev, &session->devices, link) {
		if (dev->fd != fd)
			continue;
		if (libseat_close_device(session->seat, dev->id) != 0)
			sw_warn("session: libseat_close_device: %s", strerror(errno));
		/* libseat leaves the fd itself to us. */
		close(dev->fd);
		wl_list_remove(&dev->link);
		free(dev);
		return;
	}
	sw_warn("session: closing fd %d that the session did not open", fd);
	close(fd);
}

void
sw_session_switch_vt(struct sw_session *session, unsigned vt)
{
	sw_info("session: switching to VT %u", vt);
	if (libseat_switch_session(session->seat, (int)vt) != 0)
		sw_warn("session: cannot switch to VT %u: %s", vt, strerror(errno));
}
