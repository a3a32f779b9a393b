/*
 * A client that floods the compositor with requests and never reads a
 * single event, so the compositor's replies pile up on its side.
 *
 *   flood-client sync|frame [COUNT]
 *
 * sync:  COUNT wl_display.sync requests.
 * frame: maps a toplevel, then COUNT wl_surface.frame + commit pairs.
 *
 * Requests are flushed in batches, waiting for the socket to accept them,
 * so libwayland's own small buffer never overflows on our side. Prints
 * "sent N" when all went out, or "disconnected after N" when the
 * compositor hung up first. Exit status 0 either way; 2 on setup failure.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wayland-client.h>

#include "probe-util.h"
#include "xdg-shell-client-protocol.h"

/* Requests between flushes: well below what fits in libwayland's 4 KiB buffer. */
#define BATCH 64

/* Flush everything queued, waiting for room on the socket; false once the server is gone. */
static bool
flush_all(struct wl_display *display)
{
	for (;;) {
		if (wl_display_flush(display) >= 0)
			return true;
		if (errno != EAGAIN)
			return false;
		struct pollfd pfd = { .fd = wl_display_get_fd(display), .events = POLLOUT };
		if (poll(&pfd, 1, 10000) <= 0 || (pfd.revents & (POLLERR | POLLHUP)))
			return false;
	}
}

static struct wl_buffer *
make_buffer(struct probe_globals *g, int32_t size)
{
	int fd = probe_memfd((size_t)size * (size_t)size * 4, true);
	if (fd < 0)
		return NULL;
	void *pixels = mmap(NULL, (size_t)size * (size_t)size * 4, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd, 0);
	if (pixels != MAP_FAILED) {
		memset(pixels, 0x80, (size_t)size * (size_t)size * 4);
		munmap(pixels, (size_t)size * (size_t)size * 4);
	}
	struct wl_shm_pool *pool = wl_shm_create_pool(g->shm, fd, size * size * 4);
	close(fd);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, size, size, size * 4,
							     WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	return buffer;
}

int
main(int argc, char *argv[])
{
	if (argc < 2 || argc > 3 || (strcmp(argv[1], "sync") && strcmp(argv[1], "frame"))) {
		fprintf(stderr, "usage: flood-client sync|frame [COUNT]\n");
		return 2;
	}
	bool frames = strcmp(argv[1], "frame") == 0;
	long count = argc == 3 ? strtol(argv[2], NULL, 10) : 200000;

	struct probe_globals g;
	if (!probe_connect(&g))
		return 2;
	struct probe_window w = { 0 };
	if (frames) {
		struct wl_buffer *buffer = NULL;
		if (!probe_window_map(&g, &w, "flood-client") || !(buffer = make_buffer(&g, 32)))
			return 2;
		wl_surface_attach(w.surface, buffer, 0, 0);
		wl_surface_damage_buffer(w.surface, 0, 0, 32, 32);
		wl_surface_commit(w.surface);
		if (!probe_roundtrip_timeout(g.display, 5000) || wl_display_get_error(g.display))
			return 2;
	}

	long sent = 0;
	while (sent < count) {
		for (int i = 0; i < BATCH && sent < count; i++, sent++) {
			/* The proxies are never freed: their events are never read. */
			if (frames) {
				wl_surface_frame(w.surface);
				wl_surface_commit(w.surface);
			} else {
				wl_display_sync(g.display);
			}
		}
		if (!flush_all(g.display)) {
			printf("disconnected after %ld\n", sent);
			return 0;
		}
	}
	printf("sent %ld\n", sent);
	fflush(stdout);
	/* Hold still (reading nothing) until told to go, so the test can look at the compositor. */
	char byte;
	while (read(STDIN_FILENO, &byte, 1) > 0)
		;
	return 0;
}
