/*
 * A client that floods the compositor, in one of two ways.
 *
 *   flood-client sync|frame [COUNT]
 *
 * sync:  COUNT wl_display.sync requests.
 * frame: maps a toplevel, then COUNT wl_surface.frame + commit pairs.
 * Neither reads a single event, so the compositor's replies pile up on its
 * side. Prints "sent N" when all went out, or "disconnected after N" when
 * the compositor hung up first, then holds still until stdin closes.
 *
 *   flood-client KIND COUNT
 *
 * Maps a 640x640 toplevel (red), prints "mapped", waits for a line on
 * stdin, then sends COUNT requests of one kind that takes a list or a
 * count, and ends with a commit of a blue buffer and a frame callback:
 *
 *   damage, damage-buffer  1x1 wl_surface.damage (damage_buffer) rectangles,
 *                          none adjacent, in that one commit
 *   region-add             wl_region.add of 1x1 rectangles, set as the input
 *                          and opaque region
 *   region-alternate       wl_region.subtract and add in turn, set likewise
 *   frame-callbacks        wl_surface.frame in that one commit
 *   feedbacks              wp_presentation.feedback in that one commit
 *   subsurfaces            new wl_surfaces made subsurfaces of the window
 *   positioners            xdg_positioners, each given a size and an anchor
 *   offers, offers-short   zwlr_data_control_source_v1.offer of 1000-byte
 *                          (200-byte) mime types, set as the selection (data
 *                          control needs no focus; every kind of source has the
 *                          same mime bounds)
 *   binds                  wl_registry.bind of wl_output (reading the answer
 *                          to each, as a client would)
 *   screencopy-binds       wl_registry.bind of zwlr_screencopy_manager_v1, likewise
 *   data-devices           wl_data_device_manager.get_data_device, likewise
 *
 * It prints "shown" once the frame callback came, "no-memory" after a
 * wl_display.no_memory error, or how else the connection ended
 * (probe_report), then holds until stdin closes.
 *
 *   flood-client bystander [clipboard]
 *
 * Maps a 64x64 toplevel and redraws it on every frame callback until stdin
 * closes; prints "ready" after its first frame and at the end
 * "frames N max-gap-ms M", and with clipboard " offers K": the mime types of
 * the last selection it was given (-1: none).
 *
 * Requests are flushed in batches, waiting for the socket to accept them,
 * so libwayland's own small buffer never overflows on our side. Exit
 * status 0 when the mode ran; 2 on setup failure.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wayland-client.h>

#include "presentation-time-client-protocol.h"
#include "probe-util.h"
#include "wlr-data-control-unstable-v1-client-protocol.h"
#include "wlr-screencopy-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"

/* Requests between flushes: well below what fits in libwayland's 4 KiB buffer. */
#define BATCH 64
/* The flooder's window, and the 1x1 rectangles placed two pixels apart in it. */
#define WINDOW_SIZE 640
#define GRID (WINDOW_SIZE / 2)
#define RED 0xffff0000u
#define BLUE 0xff0000ffu
#define MIME_LENGTH 1000
#define MIME_LENGTH_SHORT 200

struct flood {
	struct probe_globals g;
	struct wl_subcompositor *subcompositor;
	struct wl_seat *seat;
	struct wl_data_device_manager *data_device_manager;
	struct zwlr_data_control_manager_v1 *data_control;
	uint32_t output_name, screencopy_name;
	bool has_output, has_screencopy;
	/* bystander with clipboard: offers of the newest wl_data_offer, and of the selection */
	struct wl_data_offer *newest_offer;
	int newest_offers, selection_offers;
};

/* Flush everything queued, waiting for room on the socket; false once the server is gone. */
static bool
flush_all(struct wl_display *display)
{
	for (;;) {
		if (wl_display_flush(display) >= 0)
			return true;
		/* A fatal error may be EAGAIN too: then the connection is gone for good. */
		if (errno != EAGAIN || wl_display_get_error(display))
			return false;
		struct pollfd pfd = { .fd = wl_display_get_fd(display), .events = POLLOUT };
		if (poll(&pfd, 1, 10000) <= 0 || (pfd.revents & (POLLERR | POLLHUP)))
			return false;
	}
}

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct flood *f = data;
	if (strcmp(interface, wl_subcompositor_interface.name) == 0) {
		f->subcompositor = wl_registry_bind(registry, name, &wl_subcompositor_interface, 1);
	} else if (strcmp(interface, wl_seat_interface.name) == 0 && !f->seat) {
		f->seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
	} else if (strcmp(interface, zwlr_data_control_manager_v1_interface.name) == 0) {
		f->data_control = wl_registry_bind(registry, name,
						   &zwlr_data_control_manager_v1_interface, 1);
	} else if (strcmp(interface, wl_data_device_manager_interface.name) == 0) {
		f->data_device_manager = wl_registry_bind(registry, name,
							  &wl_data_device_manager_interface, 3);
	} else if (strcmp(interface, wl_output_interface.name) == 0 && !f->has_output) {
		f->output_name = name;
		f->has_output = true;
	} else if (strcmp(interface, zwlr_screencopy_manager_v1_interface.name) == 0) {
		f->screencopy_name = name;
		f->has_screencopy = true;
	}
}

/* A size x size XRGB8888 buffer filled with `pixel`. */
static struct wl_buffer *
make_buffer(struct probe_globals *g, int32_t size, uint32_t pixel)
{
	size_t bytes = (size_t)size * (size_t)size * 4;
	int fd = probe_memfd(bytes, true);
	if (fd < 0)
		return NULL;
	uint32_t *pixels = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pixels != MAP_FAILED) {
		for (size_t i = 0; i < bytes / 4; i++)
			pixels[i] = pixel;
		munmap(pixels, bytes);
	}
	struct wl_shm_pool *pool = wl_shm_create_pool(g->shm, fd, (int32_t)bytes);
	close(fd);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, size, size, size * 4,
							     WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	return buffer;
}

/* Map a size x size toplevel showing `pixel`. */
static bool
map_window(struct flood *f, struct probe_window *w, int32_t size, uint32_t pixel)
{
	struct wl_buffer *buffer = NULL;
	if (!probe_window_map(&f->g, w, "flood-client") ||
	    !(buffer = make_buffer(&f->g, size, pixel)))
		return false;
	wl_surface_attach(w->surface, buffer, 0, 0);
	wl_surface_damage_buffer(w->surface, 0, 0, size, size);
	wl_surface_commit(w->surface);
	return probe_roundtrip_timeout(f->g.display, 5000) && !wl_display_get_error(f->g.display);
}

static void
hold_until_stdin_closes(void)
{
	char byte;
	while (read(STDIN_FILENO, &byte, 1) > 0)
		;
}

/* ---- sync and frame: never read an event ---- */

static int
run_unread(struct flood *f, bool frames, long count)
{
	struct probe_window w = { 0 };
	if (frames && !map_window(f, &w, 32, 0xff808080u))
		return 2;
	long sent = 0;
	while (sent < count) {
		for (int i = 0; i < BATCH && sent < count; i++, sent++) {
			/* The proxies are never freed: their events are never read. */
			if (frames) {
				wl_surface_frame(w.surface);
				wl_surface_commit(w.surface);
			} else {
				wl_display_sync(f->g.display);
			}
		}
		if (!flush_all(f->g.display)) {
			printf("disconnected after %ld\n", sent);
			return 0;
		}
	}
	printf("sent %ld\n", sent);
	fflush(stdout);
	/* Hold still (reading nothing) until told to go, so the test can look at the compositor. */
	hold_until_stdin_closes();
	return 0;
}

/* ---- one kind of list request, then a frame ---- */

static void
grid_point(long i, int32_t *x, int32_t *y)
{
	*x = (int32_t)(2 * (i % GRID));
	*y = (int32_t)(2 * ((i / GRID) % GRID));
}

/* The i-th request of `kind`; false if the kind cannot be set up here. */
static bool
flood_one(struct flood *f, const char *kind, long i, struct probe_window *w,
	  struct wl_region *region, struct zwlr_data_control_source_v1 *source)
{
	int32_t x, y;
	grid_point(i, &x, &y);
	if (strcmp(kind, "damage") == 0) {
		wl_surface_damage(w->surface, x, y, 1, 1);
	} else if (strcmp(kind, "damage-buffer") == 0) {
		wl_surface_damage_buffer(w->surface, x, y, 1, 1);
	} else if (strcmp(kind, "region-add") == 0) {
		wl_region_add(region, x, y, 1, 1);
	} else if (strcmp(kind, "region-alternate") == 0) {
		if (i % 2)
			wl_region_add(region, x, y, 1, 1);
		else
			wl_region_subtract(region, x + 1, y + 1, 1, 1);
	} else if (strcmp(kind, "frame-callbacks") == 0) {
		wl_surface_frame(w->surface);
	} else if (strcmp(kind, "feedbacks") == 0) {
		if (!f->g.presentation)
			return false;
		wp_presentation_feedback(f->g.presentation, w->surface);
	} else if (strcmp(kind, "subsurfaces") == 0) {
		if (!f->subcompositor)
			return false;
		struct wl_surface *child = wl_compositor_create_surface(f->g.compositor);
		wl_subcompositor_get_subsurface(f->subcompositor, child, w->surface);
	} else if (strcmp(kind, "positioners") == 0) {
		struct xdg_positioner *pos = xdg_wm_base_create_positioner(f->g.wm_base);
		xdg_positioner_set_size(pos, 1 + x, 1 + y);
		xdg_positioner_set_anchor_rect(pos, x, y, 1, 1);
	} else if (strncmp(kind, "offers", 6) == 0) {
		size_t length = strcmp(kind, "offers") == 0 ? MIME_LENGTH : MIME_LENGTH_SHORT;
		char mime[MIME_LENGTH + 1];
		int n = snprintf(mime, sizeof(mime), "text/x-flood-%ld-", i);
		memset(mime + n, 'a', length - (size_t)n);
		mime[length] = '\0';
		zwlr_data_control_source_v1_offer(source, mime);
	} else if (strcmp(kind, "binds") == 0) {
		if (!f->has_output)
			return false;
		wl_registry_bind(f->g.registry, f->output_name, &wl_output_interface, 1);
	} else if (strcmp(kind, "screencopy-binds") == 0) {
		if (!f->has_screencopy)
			return false;
		wl_registry_bind(f->g.registry, f->screencopy_name,
				 &zwlr_screencopy_manager_v1_interface, 1);
	} else if (strcmp(kind, "data-devices") == 0) {
		if (!f->data_device_manager || !f->seat)
			return false;
		wl_data_device_manager_get_data_device(f->data_device_manager, f->seat);
	} else {
		return false;
	}
	return true;
}

static int
run_kind(struct flood *f, const char *kind, long count)
{
	struct probe_window w;
	struct wl_buffer *blue = NULL;
	if (!map_window(f, &w, WINDOW_SIZE, RED) || !(blue = make_buffer(&f->g, WINDOW_SIZE, BLUE)))
		return 2;
	struct wl_region *region = wl_compositor_create_region(f->g.compositor);
	struct zwlr_data_control_source_v1 *source = NULL;
	struct zwlr_data_control_device_v1 *device = NULL;
	if (strcmp(kind, "region-alternate") == 0)
		wl_region_add(region, 0, 0, WINDOW_SIZE, WINDOW_SIZE);
	if (strncmp(kind, "offers", 6) == 0) {
		if (!f->data_control || !f->seat)
			return 2;
		source = zwlr_data_control_manager_v1_create_data_source(f->data_control);
		device = zwlr_data_control_manager_v1_get_data_device(f->data_control, f->seat);
	}
	printf("mapped\n");
	fflush(stdout);
	char line[16];
	if (!fgets(line, sizeof(line), stdin))
		return 0;

	bool reads = strcmp(kind, "binds") == 0 || strcmp(kind, "screencopy-binds") == 0 ||
		     strcmp(kind, "data-devices") == 0;
	/*
	 * Offers are up to 1 KiB each: only a few fit in libwayland's buffer
	 * between flushes. Binds go one at a time, each answer read, so the one
	 * refused is the last one sent.
	 */
	int batch = strncmp(kind, "offers", 6) == 0 ? 2 : reads ? 1 : BATCH;
	long sent = 0;
	while (sent < count) {
		for (int i = 0; i < batch && sent < count; i++, sent++) {
			if (!flood_one(f, kind, sent, &w, region, source)) {
				fprintf(stderr, "flood-client: %s cannot be flooded here\n", kind);
				return 2;
			}
		}
		bool ok = reads ? probe_roundtrip_timeout(f->g.display, 10000) &&
					  !wl_display_get_error(f->g.display)
				: flush_all(f->g.display);
		if (!ok)
			break;
	}
	if (strncmp(kind, "region", 6) == 0) {
		wl_surface_set_input_region(w.surface, region);
		wl_surface_set_opaque_region(w.surface, region);
	}
	if (source)
		zwlr_data_control_device_v1_set_selection(device, source);
	wl_surface_attach(w.surface, blue, 0, 0);
	if (strncmp(kind, "damage", 6) != 0)
		wl_surface_damage_buffer(w.surface, 0, 0, WINDOW_SIZE, WINDOW_SIZE);
	bool shown = false;
	wl_callback_add_listener(wl_surface_frame(w.surface), &probe_frame_listener, &shown);
	wl_surface_commit(w.surface);
	flush_all(f->g.display);
	if (probe_wait_for(f->g.display, &shown, 60000) && !wl_display_get_error(f->g.display))
		printf("shown\n");
	else if (wl_display_get_error(f->g.display) == ENOMEM)
		/* wl_display.error no_memory: libwayland reports it as ENOMEM, not EPROTO. */
		printf("no-memory\n");
	else if (wl_display_get_error(f->g.display))
		probe_report(f->g.display);
	else
		printf("not-shown after %ld\n", sent);
	fflush(stdout);
	hold_until_stdin_closes();
	return 0;
}

/* ---- the bystander ---- */

static void
offer_offer(void *data, struct wl_data_offer *offer, const char *mime_type)
{
	struct flood *f = data;
	if (offer == f->newest_offer)
		f->newest_offers++;
}

static const struct wl_data_offer_listener offer_listener = {
	.offer = offer_offer,
};

static void
device_data_offer(void *data, struct wl_data_device *device, struct wl_data_offer *offer)
{
	struct flood *f = data;
	f->newest_offer = offer;
	f->newest_offers = 0;
	wl_data_offer_add_listener(offer, &offer_listener, f);
}

static void
device_selection(void *data, struct wl_data_device *device, struct wl_data_offer *offer)
{
	struct flood *f = data;
	f->selection_offers = offer && offer == f->newest_offer ? f->newest_offers : -1;
}

/* No drag and drop here. */
static void
device_enter(void *data, struct wl_data_device *device, uint32_t serial,
	     struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y, struct wl_data_offer *offer)
{
}

static void
device_leave(void *data, struct wl_data_device *device)
{
}

static void
device_motion(void *data, struct wl_data_device *device, uint32_t time, wl_fixed_t x,
	      wl_fixed_t y)
{
}

static void
device_drop(void *data, struct wl_data_device *device)
{
}

static const struct wl_data_device_listener device_listener = {
	.data_offer = device_data_offer,
	.enter = device_enter,
	.leave = device_leave,
	.motion = device_motion,
	.drop = device_drop,
	.selection = device_selection,
};

static int
run_bystander(struct flood *f, bool clipboard)
{
	struct probe_window w;
	struct wl_buffer *buffer = NULL;
	if (!probe_window_map(&f->g, &w, "flood-bystander") ||
	    !(buffer = make_buffer(&f->g, 64, 0xff00ff00u)))
		return 2;
	f->selection_offers = -1;
	if (clipboard) {
		if (!f->data_device_manager || !f->seat)
			return 2;
		struct wl_data_device *device =
			wl_data_device_manager_get_data_device(f->data_device_manager, f->seat);
		wl_data_device_add_listener(device, &device_listener, f);
	}
	long frames = 0;
	int64_t last = 0, max_gap = 0;
	bool done = true, stdin_open = true;
	while (stdin_open) {
		if (done) {
			int64_t now = probe_now_ms();
			if (frames > 0 && now - last > max_gap)
				max_gap = now - last;
			if (frames == 1) {
				printf("ready\n");
				fflush(stdout);
			}
			last = now;
			frames++;
			done = false;
			wl_surface_attach(w.surface, buffer, 0, 0);
			wl_surface_damage_buffer(w.surface, 0, 0, 64, 64);
			wl_callback_add_listener(wl_surface_frame(w.surface), &probe_frame_listener, &done);
			wl_surface_commit(w.surface);
		}
		while (wl_display_prepare_read(f->g.display) != 0)
			wl_display_dispatch_pending(f->g.display);
		if (wl_display_flush(f->g.display) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(f->g.display);
			break;
		}
		struct pollfd pfd[2] = {
			{ .fd = wl_display_get_fd(f->g.display), .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		if (poll(pfd, 2, 1000) < 0 && errno != EINTR) {
			wl_display_cancel_read(f->g.display);
			break;
		}
		if (pfd[1].revents) {
			char byte;
			stdin_open = read(STDIN_FILENO, &byte, 1) > 0;
		}
		if (pfd[0].revents & POLLIN) {
			if (wl_display_read_events(f->g.display) < 0)
				break;
		} else {
			wl_display_cancel_read(f->g.display);
		}
		if (wl_display_dispatch_pending(f->g.display) < 0)
			break;
	}
	if (wl_display_get_error(f->g.display)) {
		probe_report(f->g.display);
		return 0;
	}
	/* The gap up to now counts too: a frozen compositor shows here. */
	if (probe_now_ms() - last > max_gap && frames > 0 && !done)
		max_gap = probe_now_ms() - last;
	printf("frames %ld max-gap-ms %lld", frames - 1, (long long)max_gap);
	if (clipboard)
		printf(" offers %d", f->selection_offers);
	printf("\n");
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: flood-client sync|frame [COUNT] | KIND COUNT | "
				"bystander [clipboard]\n");
		return 2;
	}
	struct flood f = { 0 };
	const struct probe_connect_options options = { .global = registry_global, .data = &f };
	if (!probe_connect_with(&f.g, &options))
		return 2;
	const char *mode = argv[1];
	if (strcmp(mode, "sync") == 0 || strcmp(mode, "frame") == 0)
		return run_unread(&f, strcmp(mode, "frame") == 0,
				  argc == 3 ? strtol(argv[2], NULL, 10) : 200000);
	if (strcmp(mode, "bystander") == 0)
		return run_bystander(&f, argc == 3 && strcmp(argv[2], "clipboard") == 0);
	if (argc != 3) {
		fprintf(stderr, "flood-client: %s needs a COUNT\n", mode);
		return 2;
	}
	return run_kind(&f, mode, strtol(argv[2], NULL, 10));
}
