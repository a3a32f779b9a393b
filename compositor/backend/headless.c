/*
 * The headless backend: an offscreen output whose vblank is a timer ticking
 * at the refresh rate. The timer is armed only when a frame is wanted, so
 * an idle compositor uses no CPU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <wayland-server-core.h>

#include "backend.h"
#include "log.h"
#include "output.h"
#include "server.h"

struct headless_backend {
	struct sw_backend base;
	struct wl_event_source *timer;
	uint64_t period_ns;
	uint64_t last_tick_ns;     /* time of the last frame */
	uint64_t seq;
	bool committed;            /* a frame was committed at this tick */
};

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
handle_tick(void *data)
{
	struct headless_backend *hb = data;
	uint64_t now = now_ns();
	/*
	 * Ticks stay on the grid of the refresh period while frames keep coming;
	 * after an idle stretch the grid restarts now.
	 */
	if (hb->last_tick_ns && now - hb->last_tick_ns < 2 * hb->period_ns)
		hb->last_tick_ns += (now - hb->last_tick_ns) / hb->period_ns * hb->period_ns;
	else
		hb->last_tick_ns = now;
	hb->seq++;

	hb->committed = false;
	sw_output_frame(hb->base.output);
	if (hb->committed) {
		/* Offscreen: the frame is "on screen" as soon as it is composited. */
		struct sw_present_info info = {
			.seq = hb->seq,
			.flags = 0,
			.refresh_ns = (uint32_t)hb->period_ns,
		};
		/* The moment the frame was composited: never before the commits it shows. */
		info.when.tv_sec = (time_t)(now / 1000000000u);
		info.when.tv_nsec = (long)(now % 1000000000u);
		sw_output_presented(hb->base.output, &info);
	}
	return 0;
}

static void
headless_schedule_frame(struct sw_backend *backend)
{
	struct headless_backend *hb = wl_container_of(backend, hb, base);
	uint64_t now = now_ns();
	uint64_t next;
	if (hb->last_tick_ns == 0 || now >= hb->last_tick_ns + hb->period_ns)
		next = now; /* idle for a while: a frame can go out right away */
	else
		next = hb->last_tick_ns + hb->period_ns;
	uint64_t delay_ms = (next - now + 999999) / 1000000;
	/* wl_event_source_timer_update(0) disarms: wait at least 1 ms. */
	wl_event_source_timer_update(hb->timer, delay_ms ? (int)delay_ms : 1);
}

static bool
headless_commit(struct sw_backend *backend, pixman_image_t *shadow,
		const pixman_region32_t *damage)
{
	struct headless_backend *hb = wl_container_of(backend, hb, base);
	hb->committed = true;
	return true;
}

static void
headless_destroy(struct sw_backend *backend)
{
	struct headless_backend *hb = wl_container_of(backend, hb, base);
	sw_output_destroy(backend->output);
	wl_event_source_remove(hb->timer);
	free(hb);
}

static const struct sw_backend_impl headless_impl = {
	.name = "headless",
	.destroy = headless_destroy,
	.schedule_frame = headless_schedule_frame,
	.commit = headless_commit,
};

struct sw_backend *
sw_headless_backend_create(struct sw_server *server)
{
	struct headless_backend *hb = calloc(1, sizeof(*hb));
	if (!hb)
		return NULL;
	hb->base.impl = &headless_impl;
	hb->base.server = server;
	hb->period_ns = 1000000000000ull / (uint64_t)server->opts.refresh_mhz;
	hb->timer = wl_event_loop_add_timer(server->loop, handle_tick, hb);
	if (!hb->timer)
		goto err_hb;

	char description[128];
	snprintf(description, sizeof(description), "sealway headless output %dx%d@%d.%03d",
		 server->opts.width, server->opts.height, server->opts.refresh_mhz / 1000,
		 server->opts.refresh_mhz % 1000);
	hb->base.output = sw_output_create(server, &hb->base, "HEADLESS-1", description,
					   server->opts.width, server->opts.height,
					   server->opts.refresh_mhz);
	if (!hb->base.output)
		goto err_timer;
	sw_info("headless output HEADLESS-1: %dx%d at %d.%03d Hz", server->opts.width,
		server->opts.height, server->opts.refresh_mhz / 1000,
		server->opts.refresh_mhz % 1000);
	return &hb->base;

err_timer:
	wl_event_source_remove(hb->timer);
err_hb:
	free(hb);
	return NULL;
}
