/*
 * The headless backend: offscreen outputs, each with its own vblank: a
 * periodic timer ticking at its refresh rate. It runs while its output wants
 * frames and stops at the first tick nobody wanted, so an idle compositor uses
 * no CPU, and a steady stream of frames costs one read a frame, not two
 * timer reprogrammings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <wayland-server-core.h>

#include "backend.h"
#include "log.h"
#include "output.h"
#include "scene.h"
#include "server.h"

/* One output and its clock. */
struct headless_output {
	struct headless_backend *hb;
	struct sw_output *output;
	int timer_fd;
	struct wl_event_source *timer;
	bool ticking;              /* the periodic timer is armed */
	uint64_t period_ns;
	uint64_t last_tick_ns;     /* time of the last frame */
	uint64_t seq;
	bool committed;            /* a frame was committed at this tick */
};

struct headless_backend {
	struct sw_backend base;
	struct headless_output *outputs[SW_MAX_OUTPUTS];
	int n_outputs;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
set_ticking(struct headless_output *ho, uint64_t first_ns)
{
	struct itimerspec its = { 0 };
	if (first_ns) {
		its.it_value.tv_sec = (time_t)(first_ns / 1000000000u);
		its.it_value.tv_nsec = (long)(first_ns % 1000000000u);
		its.it_interval.tv_sec = (time_t)(ho->period_ns / 1000000000u);
		its.it_interval.tv_nsec = (long)(ho->period_ns % 1000000000u);
	}
	if (timerfd_settime(ho->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		/* Only EINVAL is possible here, and the values are ours. */
		sw_err("headless: output %s: timerfd_settime: %s", ho->output->name,
		       strerror(errno));
		return;
	}
	ho->ticking = first_ns != 0;
}

static int
handle_tick(int fd, uint32_t mask, void *data)
{
	struct headless_output *ho = data;
	uint64_t expirations;
	if (read(fd, &expirations, sizeof(expirations)) != sizeof(expirations)) {
		if (errno != EAGAIN)
			sw_warn("headless: output %s: reading the timer: %s", ho->output->name,
				strerror(errno));
		return 0;
	}
	if (!ho->output->frame_scheduled) {
		/* Nobody wanted this frame: stop until someone does. */
		set_ticking(ho, 0);
		return 0;
	}
	uint64_t now = now_ns();
	/*
	 * Ticks stay on the grid of the refresh period while frames keep coming;
	 * after an idle stretch the grid restarts now.
	 */
	if (ho->last_tick_ns && now - ho->last_tick_ns < 2 * ho->period_ns)
		ho->last_tick_ns += (now - ho->last_tick_ns) / ho->period_ns * ho->period_ns;
	else
		ho->last_tick_ns = now;
	ho->seq++;

	ho->committed = false;
	sw_output_frame(ho->output);
	if (ho->committed) {
		/* Offscreen: the frame is "on screen" as soon as it is composited. */
		struct sw_present_info info = {
			.seq = ho->seq,
			.flags = 0,
			.refresh_ns = (uint32_t)ho->period_ns,
		};
		/* The moment the frame was composited: never before the commits it shows. */
		info.when.tv_sec = (time_t)(now / 1000000000u);
		info.when.tv_nsec = (long)(now % 1000000000u);
		sw_output_presented(ho->output, &info);
	}
	return 0;
}

static void
headless_schedule_frame(struct sw_backend *backend, struct sw_output *output)
{
	struct headless_output *ho = output->backend_data;
	if (ho->ticking)
		return; /* the next tick is the frame */
	uint64_t now = now_ns();
	uint64_t next;
	if (ho->last_tick_ns == 0 || now >= ho->last_tick_ns + ho->period_ns)
		next = now + 1; /* idle for a while: a frame can go out right away */
	else
		next = ho->last_tick_ns + ho->period_ns;
	set_ticking(ho, next);
}

static bool
headless_commit(struct sw_backend *backend, struct sw_output *output, pixman_image_t *shadow,
		const pixman_region32_t *damage)
{
	struct headless_output *ho = output->backend_data;
	ho->committed = true;
	return true;
}

static void
headless_output_destroy(struct headless_output *ho)
{
	sw_output_destroy(ho->output);
	wl_event_source_remove(ho->timer);
	close(ho->timer_fd);
	free(ho);
}

/*
 * One virtual primary plane: a buffer that is the whole frame by itself is
 * shown as it is, and nothing is composited. Anything else on the output
 * (a cursor, a window beside it) composites everything.
 */
static void
headless_assign_planes(struct sw_backend *backend, struct sw_output *output,
		       struct sw_scene_list *list)
{
	struct sw_scene_item *items = sw_scene_list_items(list);
	if (list->count == 1 && sw_output_item_is_frame(output, &items[0]))
		items[0].render.claimed = true;
	else if (list->count >= 1)
		sw_debug("headless: output %s composites %zu item%s: %s", output->name,
			 list->count, list->count == 1 ? "" : "s",
			 list->count > 1 ? "more than one shows" :
			 "it is not an opaque, untransformed buffer of the output's size");
}

static void
headless_destroy(struct sw_backend *backend)
{
	struct headless_backend *hb = wl_container_of(backend, hb, base);
	/* Right to left, so that no output moves while the others go. */
	for (int i = hb->n_outputs - 1; i >= 0; i--)
		headless_output_destroy(hb->outputs[i]);
	free(hb);
}

static const struct sw_backend_impl headless_impl = {
	.name = "headless",
	.destroy = headless_destroy,
	.schedule_frame = headless_schedule_frame,
	.commit = headless_commit,
	.assign_planes = headless_assign_planes,
};

static struct headless_output *
headless_output_create(struct headless_backend *hb, int index,
		       const struct sw_output_shape *shape)
{
	struct sw_server *server = hb->base.server;
	struct headless_output *ho = calloc(1, sizeof(*ho));
	if (!ho)
		return NULL;
	ho->hb = hb;
	ho->period_ns = 1000000000000ull / (uint64_t)shape->refresh_mhz;
	ho->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ho->timer_fd < 0) {
		sw_err("headless: timerfd_create: %s", strerror(errno));
		goto err_ho;
	}
	ho->timer = wl_event_loop_add_fd(server->loop, ho->timer_fd, WL_EVENT_READABLE,
					 handle_tick, ho);
	if (!ho->timer)
		goto err_fd;

	char name[32], description[128];
	snprintf(name, sizeof(name), "HEADLESS-%d", index + 1);
	snprintf(description, sizeof(description), "sealway headless output %dx%d@%d.%03d",
		 shape->width, shape->height, shape->refresh_mhz / 1000, shape->refresh_mhz % 1000);
	ho->output = sw_output_create(server, &hb->base, name, description, shape->width,
				      shape->height, shape->refresh_mhz);
	if (!ho->output)
		goto err_timer;
	ho->output->backend_data = ho;
	sw_info("headless output %s: %dx%d at %d.%03d Hz", name, shape->width, shape->height,
		shape->refresh_mhz / 1000, shape->refresh_mhz % 1000);
	return ho;

err_timer:
	wl_event_source_remove(ho->timer);
err_fd:
	close(ho->timer_fd);
err_ho:
	free(ho);
	return NULL;
}

struct sw_backend *
sw_headless_backend_create(struct sw_server *server)
{
	struct headless_backend *hb = calloc(1, sizeof(*hb));
	if (!hb)
		return NULL;
	hb->base.impl = &headless_impl;
	hb->base.server = server;

	/* Without --output: one output of --size at --refresh. */
	struct sw_output_shape one = {
		.width = server->opts.width,
		.height = server->opts.height,
		.refresh_mhz = server->opts.refresh_mhz,
	};
	const struct sw_output_shape *shapes = server->opts.n_outputs ? server->opts.outputs : &one;
	int n = server->opts.n_outputs ? server->opts.n_outputs : 1;
	for (int i = 0; i < n && i < SW_MAX_OUTPUTS; i++) {
		hb->outputs[i] = headless_output_create(hb, i, &shapes[i]);
		if (!hb->outputs[i]) {
			headless_destroy(&hb->base);
			return NULL;
		}
		hb->n_outputs++;
	}
	return &hb->base;
}
