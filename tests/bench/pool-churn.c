/*
 * pool-churn: time how fast a compositor takes wl_shm pools in and lets them
 * go. Creates and destroys N pools on sealed memfds, with a roundtrip every
 * 100 so the compositor's work is inside the timed window, and prints
 * "pool-churn: pools=N mode=M seconds=S pools_per_s=R".
 *
 * Modes: "reuse" sends the same sealed memfd every time, so the client does
 * almost nothing and the figure is the compositor's cost (receiving the fd,
 * checking it, mapping and unmapping it); "fresh" makes a new sealed memfd
 * for every pool, the path a real client takes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client.h>

#include "anon-file.h"
#include "log.h"

#define PROG "pool-churn"
#define BATCH 100

struct churn {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_shm *shm;
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct churn *churn = data;

	if (strcmp(interface, wl_shm_interface.name) == 0 && !churn->shm)
		churn->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(FILE *out)
{
	fprintf(out, "Usage: " PROG " COUNT SIZE reuse|fresh\n");
}

/* Returns false after a message if the connection broke. */
static bool
churn_run(struct churn *churn, unsigned long count, size_t size, bool fresh, int shared_fd)
{
	for (unsigned long i = 0; i < count; i++) {
		int fd = shared_fd;
		if (fresh) {
			fd = sw_anon_file_create(size, SW_ALLOC_MEMFD_SEALED);
			if (fd < 0)
				return false;
		}
		/* libwayland sends a duplicate, so our fd can be closed or reused at once. */
		struct wl_shm_pool *pool = wl_shm_create_pool(churn->shm, fd, (int32_t)size);
		if (fresh)
			close(fd);
		wl_shm_pool_destroy(pool);
		if ((i + 1) % BATCH == 0 && wl_display_roundtrip(churn->display) < 0) {
			fprintf(stderr, PROG ": roundtrip failed after %lu pools: %s\n",
				i + 1, strerror(wl_display_get_error(churn->display)));
			return false;
		}
	}
	if (wl_display_roundtrip(churn->display) < 0) {
		fprintf(stderr, PROG ": final roundtrip failed: %s\n",
			strerror(wl_display_get_error(churn->display)));
		return false;
	}
	return true;
}

int
main(int argc, char *argv[])
{
	struct churn churn = { 0 };
	int ret = 1;

	sw_log_set_tag(PROG);
	if (argc != 4) {
		usage(stderr);
		return 2;
	}
	char *end;
	errno = 0;
	unsigned long count = strtoul(argv[1], &end, 10);
	if (errno || *end || count == 0) {
		usage(stderr);
		return 2;
	}
	unsigned long size = strtoul(argv[2], &end, 10);
	if (errno || *end || size == 0 || size > INT32_MAX) {
		usage(stderr);
		return 2;
	}
	bool fresh;
	if (strcmp(argv[3], "fresh") == 0) {
		fresh = true;
	} else if (strcmp(argv[3], "reuse") == 0) {
		fresh = false;
	} else {
		usage(stderr);
		return 2;
	}

	churn.display = wl_display_connect(NULL);
	if (!churn.display) {
		fprintf(stderr, PROG ": cannot connect: %s\n", strerror(errno));
		return 1;
	}
	churn.registry = wl_display_get_registry(churn.display);
	wl_registry_add_listener(churn.registry, &registry_listener, &churn);
	if (wl_display_roundtrip(churn.display) < 0 || !churn.shm) {
		fprintf(stderr, PROG ": no wl_shm global\n");
		goto out_registry;
	}

	int shared_fd = -1;
	if (!fresh) {
		shared_fd = sw_anon_file_create(size, SW_ALLOC_MEMFD_SEALED);
		if (shared_fd < 0)
			goto out_shm;
	}

	double start = now_s();
	bool ok = churn_run(&churn, count, size, fresh, shared_fd);
	double seconds = now_s() - start;
	if (ok) {
		printf(PROG ": pools=%lu mode=%s seconds=%.6f pools_per_s=%.0f\n", count,
		       fresh ? "fresh" : "reuse", seconds, (double)count / seconds);
		ret = 0;
	}

	if (shared_fd >= 0)
		close(shared_fd);
out_shm:
	wl_shm_destroy(churn.shm);
out_registry:
	wl_registry_destroy(churn.registry);
	wl_display_disconnect(churn.display);
	return ret;
}
