/*
 * The bystander of the flood cases (bystander.h). It runs in a child
 * process: a flood may block the compositor, and the bystander must keep
 * its own clock meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wayland-client.h>

#include "bystander.h"
#include "probe-util.h"

#define SIZE 32
#define READY_MS 3000
/* After the flood: how long to wait for one more frame. */
#define AFTER_MS 1500
#define MAX_INTERVALS 16384

struct child {
	struct probe_globals g;
	struct probe_window w;
	struct wl_buffer *buffer;
	int64_t last;		/* when the last frame callback came */
	int intervals[MAX_INTERVALS];
	int count;
	int frames;
};

static void frame_next(struct child *c);

static void
frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	struct child *c = data;
	wl_callback_destroy(cb);
	int64_t now = probe_now_ms();
	if (c->frames > 0 && c->count < MAX_INTERVALS)
		c->intervals[c->count++] = (int)(now - c->last);
	c->last = now;
	c->frames++;
	frame_next(c);
}

static const struct wl_callback_listener frame_listener = { .done = frame_done };

static void
frame_next(struct child *c)
{
	wl_surface_attach(c->w.surface, c->buffer, 0, 0);
	wl_surface_damage_buffer(c->w.surface, c->frames % (SIZE - 4), 0, 4, 4);
	struct wl_callback *cb = wl_surface_frame(c->w.surface);
	wl_callback_add_listener(cb, &frame_listener, c);
	wl_surface_commit(c->w.surface);
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Until `control` is closed; then the figures on `report`. */
static int
child_run(int control, int report)
{
	struct child *c = calloc(1, sizeof(*c));
	if (!c || !probe_connect(&c->g) || !c->g.shm || !c->g.compositor || !c->g.wm_base) {
		dprintf(report, "error=cannot connect\n");
		return 1;
	}
	if (!probe_window_map(&c->g, &c->w, "sealway-probe bystander")) {
		dprintf(report, "error=its window is not configured\n");
		return 1;
	}
	int fd = probe_memfd(SIZE * SIZE * 4, true);
	if (fd < 0) {
		dprintf(report, "error=no memfd\n");
		return 1;
	}
	uint32_t *px = mmap(NULL, SIZE * SIZE * 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px != MAP_FAILED) {
		for (int i = 0; i < SIZE * SIZE; i++)
			px[i] = 0xff808080;
		munmap(px, SIZE * SIZE * 4);
	}
	struct wl_shm_pool *pool = wl_shm_create_pool(c->g.shm, fd, SIZE * SIZE * 4);
	close(fd);
	c->buffer = wl_shm_pool_create_buffer(pool, 0, SIZE, SIZE, SIZE * 4,
					      WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	frame_next(c);
	int64_t deadline = probe_now_ms() + READY_MS;
	while (c->frames == 0) {
		int left = (int)(deadline - probe_now_ms());
		if (left <= 0 || probe_dispatch_timeout(c->g.display, left) < 0) {
			dprintf(report, "error=no first frame within %d ms\n", READY_MS);
			return 1;
		}
	}
	/* The flood starts now; the clock runs from the first frame. */
	dprintf(report, "ready\n");

	/*
	 * Once told to stop, it waits for one more frame (or AFTER_MS): a
	 * compositor that catches up on a flood after it ended is still seen.
	 */
	struct wl_display *d = c->g.display;
	bool broken = false;
	int64_t stop_at = -1;
	int frames_at_stop = 0;
	for (;;) {
		while (wl_display_prepare_read(d) != 0)
			wl_display_dispatch_pending(d);
		wl_display_flush(d);
		struct pollfd p[2] = {
			{ .fd = wl_display_get_fd(d), .events = POLLIN },
			{ .fd = stop_at < 0 ? control : -1, .events = POLLIN },
		};
		int timeout = stop_at < 0 ? -1 : (int)(stop_at + AFTER_MS - probe_now_ms());
		int r = poll(p, 2, timeout < 0 && stop_at >= 0 ? 0 : timeout);
		if (r > 0 && (p[0].revents & POLLIN)) {
			if (wl_display_read_events(d) < 0)
				broken = true;
		} else {
			wl_display_cancel_read(d);
		}
		if (!broken && wl_display_dispatch_pending(d) < 0)
			broken = true;
		if (r > 0 && p[1].revents) {
			stop_at = probe_now_ms();
			frames_at_stop = c->frames;
		}
		if (broken || (r < 0 && errno != EINTR))
			break;
		if (stop_at >= 0 && (c->frames > frames_at_stop ||
				     probe_now_ms() >= stop_at + AFTER_MS))
			break;
	}
	int since_last = (int)(probe_now_ms() - c->last);
	int max = since_last;
	for (int i = 0; i < c->count; i++)
		if (c->intervals[i] > max)
			max = c->intervals[i];
	qsort(c->intervals, (size_t)c->count, sizeof(int), cmp_int);
	int p50 = c->count ? c->intervals[c->count / 2] : -1;
	if (broken)
		dprintf(report, "error=its connection broke after %d frames\n", c->frames);
	else
		dprintf(report, "frames=%d p50=%d max=%d\n", c->frames, p50, max);
	/* The process ends here: the connection goes with it. */
	return 0;
}

/* A line from `fd` within `timeout_ms`; false on timeout or EOF. */
static bool
read_line(int fd, char *buf, size_t size, int timeout_ms)
{
	size_t len = 0;
	int64_t deadline = probe_now_ms() + timeout_ms;
	while (len + 1 < size) {
		int left = (int)(deadline - probe_now_ms());
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		ssize_t n = read(fd, buf + len, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf[len] == '\n') {
			buf[len] = '\0';
			return true;
		}
		len++;
	}
	buf[len] = '\0';
	return false;
}

static void
reap(struct bystander *b)
{
	kill(b->pid, SIGKILL);
	waitpid(b->pid, NULL, 0);
	close(b->control);
	close(b->report);
	b->pid = 0;
}

bool
bystander_start(struct bystander *b, char *why, size_t size)
{
	int control[2], report[2];
	if (pipe2(control, O_CLOEXEC) < 0) {
		snprintf(why, size, "pipe2: %s", strerror(errno));
		return false;
	}
	if (pipe2(report, O_CLOEXEC) < 0) {
		snprintf(why, size, "pipe2: %s", strerror(errno));
		goto out_control;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, size, "fork: %s", strerror(errno));
		goto out_report;
	}
	if (pid == 0) {
		close(control[1]);
		close(report[0]);
		_exit(child_run(control[0], report[1]));
	}
	close(control[0]);
	close(report[1]);
	*b = (struct bystander){ .pid = pid, .control = control[1], .report = report[0] };
	char line[160];
	if (!read_line(b->report, line, sizeof(line), READY_MS + 2000) ||
	    strcmp(line, "ready") != 0) {
		snprintf(why, size, "%s", strncmp(line, "error=", 6) == 0 ? line + 6
				     : "it did not say it was ready");
		reap(b);
		return false;
	}
	return true;

out_report:
	close(report[0]);
	close(report[1]);
out_control:
	close(control[0]);
	close(control[1]);
	return false;
}

bool
bystander_stop(struct bystander *b, struct bystander_figures *f, char *why, size_t size)
{
	close(b->control);
	b->control = -1;
	char line[160];
	bool ok = read_line(b->report, line, sizeof(line), AFTER_MS + 2000) &&
		  sscanf(line, "frames=%d p50=%d max=%d", &f->frames, &f->p50_ms,
			 &f->max_ms) == 3;
	if (!ok)
		snprintf(why, size, "%s", strncmp(line, "error=", 6) == 0 ? line + 6
				     : "it reported no figures");
	kill(b->pid, SIGKILL);
	waitpid(b->pid, NULL, 0);
	close(b->report);
	b->pid = 0;
	return ok;
}
