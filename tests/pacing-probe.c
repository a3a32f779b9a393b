/*
 * Measures how a compositor paces a client. It shows a 64x64 window and, for
 * a given time, commits a new frame every time the previous frame callback
 * fires, each with presentation feedback. Then it stops and listens: an idle
 * compositor must send nothing. Last, it commits twice before a repaint can
 * happen: the first of the two must be discarded.
 *
 * Results are printed on stdout as key=value lines; "idle-start" and
 * "idle-end" lines bracket the silent second so a test can sample the
 * compositor's CPU time meanwhile. Exit status 0 when measured, 2 when the
 * measurement could not be set up.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client.h>

#include "presentation-time-client-protocol.h"
#include "probe-util.h"
#include "xdg-shell-client-protocol.h"

#define SHM_XRGB8888 1u
#define SIZE 64

struct pacing;

struct feedback {
	struct pacing *p;
	const char *outcome;    /* "presented" / "discarded" once known */
};

struct pacing {
	struct probe_globals g;
	struct probe_window window;
	struct wl_buffer *buffers[2];
	unsigned next_buffer;

	bool frame_pending;
	unsigned feedback_pending;
	bool running;           /* keep committing on every frame callback */

	unsigned frames;        /* frame callbacks received while running */
	unsigned presented, discarded;
	uint64_t refresh_min_ns, refresh_max_ns;
	uint64_t last_present_ns;
	bool timestamps_increasing;
	int64_t clock_skew_max_ms; /* how far a presentation time was from our CLOCK_MONOTONIC */

	unsigned events;        /* every event dispatched to our listeners */
	struct feedback running_feedback; /* shared by the running phase's frames */
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
buffer_release(void *data, struct wl_buffer *buffer)
{
	struct pacing *p = data;
	p->events++;
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

static bool
create_buffers(struct pacing *p)
{
	const size_t stride = SIZE * 4, bytes = stride * SIZE;
	int fd = probe_memfd(2 * bytes, true);
	if (fd < 0)
		return false;
	uint32_t *pixels = mmap(NULL, 2 * bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pixels == MAP_FAILED) {
		fprintf(stderr, "pacing-probe: mmap: %s\n", strerror(errno));
		close(fd);
		return false;
	}
	/* Two colours, so each frame really differs from the last. */
	for (size_t i = 0; i < SIZE * SIZE; i++) {
		pixels[i] = 0xff4080c0u;
		pixels[SIZE * SIZE + i] = 0xffc08040u;
	}
	munmap(pixels, 2 * bytes);

	struct wl_shm_pool *pool = wl_shm_create_pool(p->g.shm, fd, (int32_t)(2 * bytes));
	close(fd);
	for (int i = 0; i < 2; i++) {
		p->buffers[i] = wl_shm_pool_create_buffer(pool, (int32_t)(i * bytes), SIZE, SIZE,
							  (int32_t)stride, SHM_XRGB8888);
		wl_buffer_add_listener(p->buffers[i], &buffer_listener, p);
	}
	wl_shm_pool_destroy(pool);
	return true;
}

static void
feedback_sync_output(void *data, struct wp_presentation_feedback *fb, struct wl_output *output)
{
	struct feedback *f = data;
	f->p->events++;
}

static void
feedback_presented(void *data, struct wp_presentation_feedback *fb, uint32_t tv_sec_hi,
		   uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh, uint32_t seq_hi,
		   uint32_t seq_lo, uint32_t flags)
{
	struct feedback *f = data;
	struct pacing *p = f->p;
	uint64_t t = (((uint64_t)tv_sec_hi << 32) | tv_sec_lo) * 1000000000u + tv_nsec;
	int64_t skew_ms = ((int64_t)mono_ns() - (int64_t)t) / 1000000;

	p->events++;
	p->presented++;
	p->feedback_pending--;
	if (p->refresh_min_ns == 0 || refresh < p->refresh_min_ns)
		p->refresh_min_ns = refresh;
	if (refresh > p->refresh_max_ns)
		p->refresh_max_ns = refresh;
	if (p->last_present_ns && t <= p->last_present_ns)
		p->timestamps_increasing = false;
	p->last_present_ns = t;
	if (llabs(skew_ms) > p->clock_skew_max_ms)
		p->clock_skew_max_ms = llabs(skew_ms);
	f->outcome = "presented";
	wp_presentation_feedback_destroy(fb);
}

static void
feedback_discarded(void *data, struct wp_presentation_feedback *fb)
{
	struct feedback *f = data;
	f->p->events++;
	f->p->discarded++;
	f->p->feedback_pending--;
	f->outcome = "discarded";
	wp_presentation_feedback_destroy(fb);
}

static const struct wp_presentation_feedback_listener feedback_listener = {
	.sync_output = feedback_sync_output,
	.presented = feedback_presented,
	.discarded = feedback_discarded,
};

static void commit_frame(struct pacing *p, bool with_frame_callback, struct feedback *f);

static void
frame_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct pacing *p = data;
	p->events++;
	p->frame_pending = false;
	wl_callback_destroy(callback);
	if (p->running) {
		p->frames++;
		commit_frame(p, true, NULL);
	}
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

static void
commit_frame(struct pacing *p, bool with_frame_callback, struct feedback *f)
{
	struct wl_surface *surface = p->window.surface;
	wl_surface_attach(surface, p->buffers[p->next_buffer], 0, 0);
	p->next_buffer ^= 1;
	wl_surface_damage_buffer(surface, 0, 0, SIZE, SIZE);
	if (with_frame_callback) {
		struct wl_callback *cb = wl_surface_frame(surface);
		wl_callback_add_listener(cb, &frame_listener, p);
		p->frame_pending = true;
	}
	struct wp_presentation_feedback *fb = wp_presentation_feedback(p->g.presentation, surface);
	wp_presentation_feedback_add_listener(fb, &feedback_listener, f ? f : &p->running_feedback);
	p->feedback_pending++;
	wl_surface_commit(surface);
}

/* Dispatch for `ms` milliseconds, whatever arrives. False if the connection broke. */
static bool
dispatch_for(struct pacing *p, int ms)
{
	int64_t deadline = probe_now_ms() + ms;
	for (;;) {
		int64_t left = deadline - probe_now_ms();
		if (left <= 0)
			return true;
		if (probe_dispatch_timeout(p->g.display, (int)left) < 0)
			return false;
	}
}

/* Dispatch until nothing is outstanding, for at most `ms`. */
static bool
drain(struct pacing *p, int ms)
{
	int64_t deadline = probe_now_ms() + ms;
	while (p->frame_pending || p->feedback_pending) {
		int64_t left = deadline - probe_now_ms();
		if (left <= 0)
			return false;
		if (probe_dispatch_timeout(p->g.display, (int)left) < 0)
			return false;
	}
	return true;
}

int
main(int argc, char *argv[])
{
	struct pacing p = { .timestamps_increasing = true };
	int run_ms = argc > 1 ? atoi(argv[1]) : 2000;
	int idle_ms = argc > 2 ? atoi(argv[2]) : 1000;
	int status = 2;

	if (run_ms <= 0 || idle_ms <= 0) {
		fprintf(stderr, "usage: pacing-probe [RUN_MS [IDLE_MS]]\n");
		return 2;
	}
	p.running_feedback.p = &p;
	if (!probe_connect(&p.g))
		return 2;
	if (!p.g.shm || !p.g.presentation) {
		fprintf(stderr, "pacing-probe: wl_shm or wp_presentation not advertised\n");
		goto out_disconnect;
	}
	if (!probe_window_map(&p.g, &p.window, "pacing-probe"))
		goto out_disconnect;
	if (!create_buffers(&p))
		goto out_window;
	printf("clock_id=%u\n", p.g.presentation_clock);
	printf("clock_is_monotonic=%s\n",
	       p.g.presentation_clock_known && p.g.presentation_clock == CLOCK_MONOTONIC ?
	       "yes" : "no");

	/* Running: a new frame on every frame callback. */
	p.running = true;
	commit_frame(&p, true, NULL);
	int64_t start = probe_now_ms();
	if (!dispatch_for(&p, run_ms))
		goto out_broken;
	int64_t elapsed = probe_now_ms() - start;
	p.running = false;
	bool drained = drain(&p, 500);
	printf("run_ms=%" PRId64 "\n", elapsed);
	printf("frames=%u\n", p.frames);
	printf("frames_per_second=%.1f\n", p.frames * 1000.0 / (double)elapsed);
	printf("presented=%u\n", p.presented);
	printf("discarded=%u\n", p.discarded);
	printf("refresh_min_ns=%" PRIu64 "\n", p.refresh_min_ns);
	printf("refresh_max_ns=%" PRIu64 "\n", p.refresh_max_ns);
	printf("timestamps_increasing=%s\n", p.timestamps_increasing ? "yes" : "no");
	printf("clock_skew_max_ms=%" PRId64 "\n", p.clock_skew_max_ms);
	printf("drained=%s\n", drained ? "yes" : "no");

	/* Idle: nothing committed, so nothing may arrive. */
	unsigned before = p.events;
	printf("idle-start\n");
	fflush(stdout);
	if (!dispatch_for(&p, idle_ms))
		goto out_broken;
	printf("idle-end\n");
	printf("idle_events=%u\n", p.events - before);

	/* Two commits in one flush: the first is superseded before any repaint. */
	struct feedback first = { .p = &p }, second = { .p = &p };
	commit_frame(&p, false, &first);
	commit_frame(&p, true, &second);
	wl_display_flush(p.g.display);
	drain(&p, 1000);
	printf("superseded_commit=%s\n", first.outcome ? first.outcome : "none");
	printf("superseding_commit=%s\n", second.outcome ? second.outcome : "none");
	status = 0;

out_broken:
	if (wl_display_get_error(p.g.display)) {
		probe_report(p.g.display);
		status = 2;
	}
	for (int i = 0; i < 2; i++)
		if (p.buffers[i])
			wl_buffer_destroy(p.buffers[i]);
out_window:
	probe_window_destroy(&p.window);
out_disconnect:
	probe_disconnect(&p.g);
	fflush(stdout);
	return status;
}
