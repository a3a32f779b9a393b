/*
 * The clipboard's hostile cases, through zwlr_data_control and wl_data_device:
 *
 *   clip-probe receive-file      read the clipboard into a regular file instead
 *                                of a pipe: the compositor refuses to pass it on
 *   clip-probe source-vanishes   one connection owns the clipboard, another asks
 *                                for it; the owner goes without writing: the
 *                                reader's pipe ends (EOF), nothing hangs
 *   clip-probe bad-serial        wl_data_device.set_selection with a serial no
 *                                input event carried: the source is cancelled
 *
 * Prints one line: "refused", "eof", "cancelled" (what must happen), or what
 * happened instead; then the outcome as probe_report does.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wayland-client.h>

#include "probe-util.h"
#include "wlr-data-control-unstable-v1-client-protocol.h"

struct conn {
	struct probe_globals g;
	struct probe_connect_options options;
	struct zwlr_data_control_manager_v1 *control;
	struct wl_data_device_manager *ddm;
	struct wl_seat *seat;
	struct zwlr_data_control_offer_v1 *offer;   /* the clipboard's, as last told */
	bool cancelled;
	bool asked;                                  /* the source got a send */
};

static void
global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
       uint32_t version)
{
	struct conn *c = data;
	if (strcmp(interface, zwlr_data_control_manager_v1_interface.name) == 0)
		c->control = wl_registry_bind(registry, name,
					      &zwlr_data_control_manager_v1_interface, 1);
	else if (strcmp(interface, wl_data_device_manager_interface.name) == 0)
		c->ddm = wl_registry_bind(registry, name, &wl_data_device_manager_interface, 3);
	else if (strcmp(interface, wl_seat_interface.name) == 0 && !c->seat)
		c->seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
}

static bool
connect_to(struct conn *c)
{
	c->options = (struct probe_connect_options){ .global = global, .data = c,
						      .timeout_ms = 5000 };
	if (!probe_connect_with(&c->g, &c->options))
		return false;
	if (!c->control || !c->seat) {
		printf("no-data-control\n");
		return false;
	}
	return true;
}

static void
offer_offer(void *data, struct zwlr_data_control_offer_v1 *offer, const char *mime)
{
}

static const struct zwlr_data_control_offer_v1_listener offer_listener = {
	.offer = offer_offer,
};

static void
device_data_offer(void *data, struct zwlr_data_control_device_v1 *dev,
		  struct zwlr_data_control_offer_v1 *offer)
{
	zwlr_data_control_offer_v1_add_listener(offer, &offer_listener, data);
}

static void
device_selection(void *data, struct zwlr_data_control_device_v1 *dev,
		 struct zwlr_data_control_offer_v1 *offer)
{
	struct conn *c = data;
	c->offer = offer;
}

static void
device_finished(void *data, struct zwlr_data_control_device_v1 *dev)
{
}

static void
device_primary(void *data, struct zwlr_data_control_device_v1 *dev,
	       struct zwlr_data_control_offer_v1 *offer)
{
}

static const struct zwlr_data_control_device_v1_listener device_listener = {
	.data_offer = device_data_offer,
	.selection = device_selection,
	.finished = device_finished,
	.primary_selection = device_primary,
};

static void
csource_send(void *data, struct zwlr_data_control_source_v1 *src, const char *mime, int32_t fd)
{
	struct conn *c = data;
	c->asked = true;
	/* The owner never writes: it is about to vanish. */
	close(fd);
}

static void
csource_cancelled(void *data, struct zwlr_data_control_source_v1 *src)
{
	((struct conn *)data)->cancelled = true;
}

static const struct zwlr_data_control_source_v1_listener csource_listener = {
	.send = csource_send,
	.cancelled = csource_cancelled,
};

static void
dsource_target(void *data, struct wl_data_source *src, const char *mime)
{
}

static void
dsource_send(void *data, struct wl_data_source *src, const char *mime, int32_t fd)
{
	close(fd);
}

static void
dsource_cancelled(void *data, struct wl_data_source *src)
{
	((struct conn *)data)->cancelled = true;
}

static const struct wl_data_source_listener dsource_listener = {
	.target = dsource_target,
	.send = dsource_send,
	.cancelled = dsource_cancelled,
};

/* Own the clipboard through data control with one text type. */
static struct zwlr_data_control_source_v1 *
own_clipboard(struct conn *c)
{
	struct zwlr_data_control_device_v1 *dev =
		zwlr_data_control_manager_v1_get_data_device(c->control, c->seat);
	zwlr_data_control_device_v1_add_listener(dev, &device_listener, c);
	struct zwlr_data_control_source_v1 *src =
		zwlr_data_control_manager_v1_create_data_source(c->control);
	zwlr_data_control_source_v1_add_listener(src, &csource_listener, c);
	zwlr_data_control_source_v1_offer(src, "text/plain");
	zwlr_data_control_device_v1_set_selection(dev, src);
	wl_display_roundtrip(c->g.display);
	return src;
}

static struct zwlr_data_control_offer_v1 *
clipboard_offer(struct conn *c)
{
	struct zwlr_data_control_device_v1 *dev =
		zwlr_data_control_manager_v1_get_data_device(c->control, c->seat);
	zwlr_data_control_device_v1_add_listener(dev, &device_listener, c);
	wl_display_roundtrip(c->g.display);
	return c->offer;
}

static int
receive_file(struct conn *owner, struct conn *reader)
{
	own_clipboard(owner);
	struct zwlr_data_control_offer_v1 *offer = clipboard_offer(reader);
	if (!offer) {
		printf("no-offer\n");
		return 1;
	}
	char path[] = "/tmp/clip-probe-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 1;
	unlink(path);
	zwlr_data_control_offer_v1_receive(offer, "text/plain", fd);
	close(fd);
	wl_display_roundtrip(reader->g.display);
	/* The owner's send would come now if the fd had been passed on. */
	wl_display_roundtrip(owner->g.display);
	printf("%s\n", owner->asked ? "passed-on" : "refused");
	return 0;
}

static int
source_vanishes(struct conn *owner, struct conn *reader)
{
	struct zwlr_data_control_source_v1 *src = own_clipboard(owner);
	struct zwlr_data_control_offer_v1 *offer = clipboard_offer(reader);
	if (!offer) {
		printf("no-offer\n");
		return 1;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return 1;
	zwlr_data_control_offer_v1_receive(offer, "text/plain", p[1]);
	close(p[1]);
	wl_display_roundtrip(reader->g.display);
	/* The owner gets the send (and drops its fd) and goes. */
	wl_display_roundtrip(owner->g.display);
	zwlr_data_control_source_v1_destroy(src);
	wl_display_roundtrip(owner->g.display);
	struct pollfd pfd = { .fd = p[0], .events = POLLIN };
	char buf[16];
	int n = poll(&pfd, 1, 5000);
	ssize_t got = n > 0 ? read(p[0], buf, sizeof(buf)) : -1;
	printf("%s\n", got == 0 ? "eof" : n == 0 ? "hangs" : "data");
	close(p[0]);
	/* The offer of a source that is gone is inert; a receive on it is not an error. */
	int q[2];
	if (pipe2(q, O_CLOEXEC) == 0) {
		zwlr_data_control_offer_v1_receive(offer, "text/plain", q[1]);
		close(q[1]);
		close(q[0]);
	}
	return 0;
}

static int
bad_serial(struct conn *c)
{
	if (!c->ddm)
		return 1;
	struct wl_data_device *dev = wl_data_device_manager_get_data_device(c->ddm, c->seat);
	struct wl_data_source *src = wl_data_device_manager_create_data_source(c->ddm);
	wl_data_source_add_listener(src, &dsource_listener, c);
	wl_data_source_offer(src, "text/plain");
	wl_data_device_set_selection(dev, src, 12345);
	wl_display_roundtrip(c->g.display);
	printf("%s\n", c->cancelled ? "cancelled" : "kept");
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: clip-probe receive-file | source-vanishes | bad-serial\n");
		return 2;
	}
	static struct conn owner, reader;
	if (!connect_to(&owner) || !connect_to(&reader))
		return 3;
	int rc;
	if (strcmp(argv[1], "receive-file") == 0)
		rc = receive_file(&owner, &reader);
	else if (strcmp(argv[1], "source-vanishes") == 0)
		rc = source_vanishes(&owner, &reader);
	else if (strcmp(argv[1], "bad-serial") == 0)
		rc = bad_serial(&reader);
	else
		return 2;
	probe_settle(reader.g.display, 5000);
	return rc;
}
