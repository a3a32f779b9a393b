#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"
#include "presentation-time-client-protocol.h"
#include "window.h"
#include "xdg-shell-client-protocol.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define DRAIN_MS 1000   /* how long to wait for the last presentation feedback */

struct sw_feedback {
	struct sw_window *window;
	struct wp_presentation_feedback *feedback;
	uint64_t commit_ns;
	struct wl_list link;
};

struct sw_window {
	struct sw_client *client;
	struct sw_window_params params;

	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wl_callback *frame_cb;

	bool configured;
	bool closed;
	bool failed;          /* a buffer could not be allocated */
	bool redraw;          /* draw() should run once nothing holds it back */
	bool waiting_buffer;  /* draw() found no free buffer */

	struct sw_buffer buffers[SW_WINDOW_MAX_BUFFERS];
	unsigned buffer_count;
	uint64_t frame;       /* commits so far */

	struct wl_list feedbacks;
	struct sw_present_stats stats;
};

/* ---- connection and globals ---- */

static void
shm_format(void *data, struct wl_shm *shm, uint32_t format)
{
	struct sw_client *client = data;
	uint32_t *slot = wl_array_add(&client->shm_formats, sizeof(*slot));
	if (slot)
		*slot = format;
}

static const struct wl_shm_listener shm_listener = {
	.format = shm_format,
};

static void
wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void
presentation_clock_id(void *data, struct wp_presentation *presentation, uint32_t clk_id)
{
	struct sw_client *client = data;
	client->presentation_clock = (clockid_t)clk_id;
}

static const struct wp_presentation_listener presentation_listener = {
	.clock_id = presentation_clock_id,
};

/* A fullscreen window hides the cursor, so that nothing else shows on its output. */
static void
pointer_enter(void *data, struct wl_pointer *pointer, uint32_t serial,
	      struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y)
{
	struct sw_client *client = data;
	if (client->hide_cursor)
		wl_pointer_set_cursor(pointer, serial, NULL, 0, 0);
}

static void
pointer_leave(void *data, struct wl_pointer *pointer, uint32_t serial,
	      struct wl_surface *surface)
{
}

static void
pointer_motion(void *data, struct wl_pointer *pointer, uint32_t time, wl_fixed_t x,
	       wl_fixed_t y)
{
}

static void
pointer_button(void *data, struct wl_pointer *pointer, uint32_t serial, uint32_t time,
	       uint32_t button, uint32_t state)
{
}

static void
pointer_axis(void *data, struct wl_pointer *pointer, uint32_t time, uint32_t axis,
	     wl_fixed_t value)
{
}

static const struct wl_pointer_listener pointer_listener = {
	.enter = pointer_enter,
	.leave = pointer_leave,
	.motion = pointer_motion,
	.button = pointer_button,
	.axis = pointer_axis,
};

static void
seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct sw_client *client = data;
	bool has = caps & WL_SEAT_CAPABILITY_POINTER;
	if (has && !client->pointer) {
		client->pointer = wl_seat_get_pointer(seat);
		if (client->pointer)
			wl_pointer_add_listener(client->pointer, &pointer_listener, client);
	} else if (!has && client->pointer) {
		wl_pointer_destroy(client->pointer);
		client->pointer = NULL;
	}
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_capabilities,
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct sw_client *client = data;

	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		/* damage_buffer needs version 4; nothing newer is used. */
		if (client->compositor)
			return;
		if (version < 4) {
			sw_warn("wl_compositor version %u is too old (4 needed)", version);
			return;
		}
		client->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		if (client->shm)
			return;
		client->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
		if (client->shm)
			wl_shm_add_listener(client->shm, &shm_listener, client);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		if (client->wm_base)
			return;
		client->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface,
						   MIN(version, 2u));
		if (client->wm_base)
			xdg_wm_base_add_listener(client->wm_base, &wm_base_listener, client);
	} else if (strcmp(interface, wp_presentation_interface.name) == 0) {
		if (client->presentation)
			return;
		client->presentation = wl_registry_bind(registry, name,
							&wp_presentation_interface, 1);
		if (client->presentation)
			wp_presentation_add_listener(client->presentation,
						     &presentation_listener, client);
	} else if (strcmp(interface, wl_seat_interface.name) == 0) {
		if (client->seat)
			return;
		client->seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
		if (client->seat)
			wl_seat_add_listener(client->seat, &seat_listener, client);
	} else if (client->global) {
		client->global(client->global_data, registry, name, interface, version);
	}
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

void
sw_print_connection_error(const char *prog, struct wl_display *display)
{
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	int err = wl_display_get_error(display);
	if (err == EPROTO) {
		uint32_t code = wl_display_get_protocol_error(display, &iface, &id);
		fprintf(stderr, "%s: protocol error %u on %s@%u\n", prog, code,
			iface ? iface->name : "unknown", id);
	} else {
		fprintf(stderr, "%s: lost the connection to the compositor: %s\n", prog,
			strerror(err ? err : errno));
	}
}

static void
report_connection_error(struct sw_client *client)
{
	if (client->failed)
		return;
	client->failed = true;
	sw_print_connection_error(client->prog, client->display);
}

struct wl_display *
sw_display_connect(const char *prog)
{
	struct wl_display *display = wl_display_connect(NULL);
	if (!display) {
		const char *name = getenv("WAYLAND_DISPLAY");
		fprintf(stderr, "%s: cannot connect to Wayland display \"%s\": %s\n", prog,
			name ? name : "wayland-0", strerror(errno));
	}
	return display;
}

static void
missing_global(const struct sw_client *client, const char *interface)
{
	fprintf(stderr, "%s: the compositor does not offer %s\n", client->prog, interface);
}

struct sw_client *
sw_client_create(const struct sw_client_params *params)
{
	struct sw_client *client = calloc(1, sizeof(*client));
	if (!client) {
		fprintf(stderr, "%s: out of memory\n", params->prog);
		return NULL;
	}
	client->prog = params->prog;
	client->global = params->global;
	client->global_data = params->global_data;
	client->presentation_clock = CLOCK_MONOTONIC;
	wl_array_init(&client->shm_formats);

	/* Signals become readable events so the loop never misses one between checks. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, &client->old_mask) < 0) {
		fprintf(stderr, "%s: sigprocmask: %s\n", params->prog, strerror(errno));
		goto err_free;
	}
	client->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (client->signal_fd < 0) {
		fprintf(stderr, "%s: signalfd: %s\n", params->prog, strerror(errno));
		goto err_sigmask;
	}

	client->display = sw_display_connect(params->prog);
	if (!client->display)
		goto err_signalfd;

	client->registry = wl_display_get_registry(client->display);
	if (!client->registry) {
		fprintf(stderr, "%s: wl_display.get_registry: out of memory\n", params->prog);
		goto err_destroy;
	}
	wl_registry_add_listener(client->registry, &registry_listener, client);
	/* First the globals, then the events sent on binding (formats, clock id). */
	if (wl_display_roundtrip(client->display) < 0 ||
	    wl_display_roundtrip(client->display) < 0) {
		report_connection_error(client);
		goto err_destroy;
	}

	if (!client->compositor) {
		missing_global(client, "wl_compositor");
		goto err_destroy;
	}
	if (!client->wm_base) {
		missing_global(client, "xdg_wm_base");
		goto err_destroy;
	}
	if (params->need_shm && !client->shm) {
		missing_global(client, "wl_shm");
		goto err_destroy;
	}
	if (!client->presentation) {
		if (params->need_presentation) {
			missing_global(client, "wp_presentation");
			goto err_destroy;
		}
		sw_warn("the compositor does not offer wp_presentation: no presentation statistics");
	}
	sw_debug("presentation clock id %d", (int)client->presentation_clock);
	return client;

err_destroy:
	/* From here on everything made so far is undone in one place. */
	sw_client_destroy(client);
	return NULL;
err_signalfd:
	close(client->signal_fd);
err_sigmask:
	sigprocmask(SIG_SETMASK, &client->old_mask, NULL);
err_free:
	wl_array_release(&client->shm_formats);
	free(client);
	return NULL;
}

void
sw_client_destroy(struct sw_client *client)
{
	if (!client)
		return;
	if (client->presentation)
		wp_presentation_destroy(client->presentation);
	if (client->pointer)
		wl_pointer_destroy(client->pointer);
	if (client->seat)
		wl_seat_destroy(client->seat);
	if (client->wm_base)
		xdg_wm_base_destroy(client->wm_base);
	if (client->shm)
		wl_shm_destroy(client->shm);
	if (client->compositor)
		wl_compositor_destroy(client->compositor);
	if (client->registry)
		wl_registry_destroy(client->registry);
	if (!client->failed)
		wl_display_flush(client->display);
	wl_display_disconnect(client->display);
	close(client->signal_fd);
	sigprocmask(SIG_SETMASK, &client->old_mask, NULL);
	wl_array_release(&client->shm_formats);
	free(client);
}

bool
sw_client_has_shm_format(const struct sw_client *client, uint32_t shm_format)
{
	const uint32_t *f;
	wl_array_for_each(f, &client->shm_formats)
		if (*f == shm_format)
			return true;
	return false;
}

uint64_t
sw_client_now_ns(const struct sw_client *client)
{
	struct timespec ts;
	if (clock_gettime(client->presentation_clock, &ts) < 0) {
		/* Only an unknown clock id fails; fall back so timing stays sane. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
	}
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
read_signals(struct sw_client *client)
{
	struct signalfd_siginfo si;
	ssize_t n;
	while ((n = read(client->signal_fd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		sw_debug("got signal %u, stopping", si.ssi_signo);
		client->quit = true;
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		sw_warn("reading signalfd: %s", strerror(errno));
}

int
sw_client_dispatch(struct sw_client *client, int timeout_ms)
{
	struct wl_display *display = client->display;

	if (client->failed)
		return -1;
	while (wl_display_prepare_read(display) != 0) {
		if (wl_display_dispatch_pending(display) < 0)
			goto err_connection;
	}

	short out = 0;
	if (wl_display_flush(display) < 0) {
		if (errno != EAGAIN) {
			wl_display_cancel_read(display);
			goto err_connection;
		}
		/* Socket full: wait until it drains as well. */
		out = POLLOUT;
	}

	struct pollfd fds[2] = {
		{ .fd = wl_display_get_fd(display), .events = POLLIN | out },
		{ .fd = client->signal_fd, .events = POLLIN },
	};
	int n = poll(fds, 2, timeout_ms);
	if (n < 0) {
		wl_display_cancel_read(display);
		if (errno == EINTR)
			return 0;
		fprintf(stderr, "%s: poll: %s\n", client->prog, strerror(errno));
		client->failed = true;
		return -1;
	}

	if (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) {
		if (wl_display_read_events(display) < 0)
			goto err_connection;
	} else {
		wl_display_cancel_read(display);
	}
	if (fds[1].revents & POLLIN)
		read_signals(client);

	if (wl_display_dispatch_pending(display) < 0)
		goto err_connection;
	return 0;

err_connection:
	report_connection_error(client);
	return -1;
}

int
sw_window_run(struct sw_window *window, bool *done, const bool *failed)
{
	struct sw_client *client = window->client;

	while (!client->quit && !*done && !*failed && !sw_window_closed(window)) {
		if (sw_client_dispatch(client, -1) < 0)
			return -1;
		window->stats.wakeups++;
	}
	if (*failed)
		return -1;
	/* No more commits, whatever callbacks still arrive. */
	*done = true;

	/* Let the last frames' feedback arrive so the statistics are complete. */
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (window->stats.pending > 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		int64_t left = DRAIN_MS - ((now.tv_sec - start.tv_sec) * 1000 +
					  (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0) {
			sw_warn("%" PRIu64 " presentation feedbacks never answered",
				window->stats.pending);
			break;
		}
		if (sw_client_dispatch(client, (int)left) < 0)
			return client->quit ? 0 : -1;
	}
	return 0;
}

/* ---- presentation statistics ---- */

static void
feedback_finish(struct sw_feedback *fb)
{
	fb->window->stats.pending--;
	wp_presentation_feedback_destroy(fb->feedback);
	wl_list_remove(&fb->link);
	free(fb);
}

static void
feedback_sync_output(void *data, struct wp_presentation_feedback *feedback,
		     struct wl_output *output)
{
}

static void
feedback_presented(void *data, struct wp_presentation_feedback *feedback,
		   uint32_t tv_sec_hi, uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh,
		   uint32_t seq_hi, uint32_t seq_lo, uint32_t flags)
{
	struct sw_feedback *fb = data;
	struct sw_present_stats *stats = &fb->window->stats;
	uint64_t sec = ((uint64_t)tv_sec_hi << 32) | tv_sec_lo;
	uint64_t present_ns = sec * 1000000000u + tv_nsec;

	stats->presented++;
	stats->refresh_ns = refresh;
	if (stats->latency_count == stats->latency_cap) {
		size_t cap = stats->latency_cap ? stats->latency_cap * 2 : 256;
		int64_t *grown = realloc(stats->latency_ns, cap * sizeof(*grown));
		if (!grown) {
			sw_warn("out of memory recording latency; sample dropped");
			goto out;
		}
		stats->latency_ns = grown;
		stats->latency_cap = cap;
	}
	/* Signed: a compositor may date presentation before a late commit. */
	stats->latency_ns[stats->latency_count++] = (int64_t)(present_ns - fb->commit_ns);
	sw_debug("frame presented: %.3f ms after commit, refresh %u ns, flags 0x%x",
		 (double)(int64_t)(present_ns - fb->commit_ns) / 1e6, refresh, flags);
out:
	feedback_finish(fb);
}

static void
feedback_discarded(void *data, struct wp_presentation_feedback *feedback)
{
	struct sw_feedback *fb = data;
	fb->window->stats.discarded++;
	feedback_finish(fb);
}

static const struct wp_presentation_feedback_listener feedback_listener = {
	.sync_output = feedback_sync_output,
	.presented = feedback_presented,
	.discarded = feedback_discarded,
};

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples. */
static int64_t
percentile(const int64_t *sorted, size_t n, unsigned pct)
{
	if (n == 0)
		return 0;
	size_t rank = (n * pct + 99) / 100;
	return sorted[rank ? rank - 1 : 0];
}

static int64_t
ns_to_us(int64_t ns)
{
	return ns >= 0 ? (ns + 500) / 1000 : -((-ns + 500) / 1000);
}

void
sw_window_print_stats(const struct sw_window *window, FILE *out)
{
	const struct sw_present_stats *stats = &window->stats;
	int64_t p50 = 0, p99 = 0, worst = 0;

	if (stats->latency_count > 0) {
		int64_t *sorted = malloc(stats->latency_count * sizeof(*sorted));
		if (sorted) {
			memcpy(sorted, stats->latency_ns, stats->latency_count * sizeof(*sorted));
			qsort(sorted, stats->latency_count, sizeof(*sorted), cmp_i64);
			p50 = percentile(sorted, stats->latency_count, 50);
			p99 = percentile(sorted, stats->latency_count, 99);
			worst = sorted[stats->latency_count - 1];
			free(sorted);
		} else {
			sw_warn("out of memory sorting latencies");
		}
	}

	fprintf(out, "%s: frames=%" PRIu64 " presented=%" PRIu64 " discarded=%" PRIu64
		" refresh_ns=%" PRIu32 " commit_to_present_p50_us=%" PRId64 " p99_us=%" PRId64
		" wakeups=%" PRIu64 "\n",
		window->client->prog, stats->commits, stats->presented, stats->discarded,
		stats->refresh_ns, ns_to_us(p50), ns_to_us(p99), stats->wakeups);
	fflush(out);
	sw_info("%" PRIu64 " of %" PRIu64 " frames presented (%" PRIu64 " discarded, %" PRIu64
		" unanswered) at %.2f Hz; commit to present: median %.2f ms, 99th percentile %.2f ms, worst %.2f ms",
		stats->presented, stats->commits, stats->discarded, stats->pending,
		stats->refresh_ns ? 1e9 / stats->refresh_ns : 0.0,
		(double)p50 / 1e6, (double)p99 / 1e6, (double)worst / 1e6);
}

const struct sw_present_stats *
sw_window_stats(const struct sw_window *window)
{
	return &window->stats;
}

/* ---- window ---- */

static void
maybe_draw(struct sw_window *window)
{
	if (!window->configured || window->closed || window->frame_cb || !window->redraw ||
	    window->waiting_buffer)
		return;
	window->redraw = false;
	window->params.draw(window->params.draw_data, window);
}

void
sw_window_schedule_redraw(struct sw_window *window)
{
	window->redraw = true;
	maybe_draw(window);
}

static void
buffer_release(void *data, struct wl_buffer *wl_buffer)
{
	struct sw_buffer *buffer = data;
	struct sw_window *window = buffer->owner;

	buffer->busy = false;
	if (window->waiting_buffer) {
		window->waiting_buffer = false;
		maybe_draw(window);
	}
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

struct sw_buffer *
sw_window_get_buffer(struct sw_window *window)
{
	for (unsigned i = 0; i < window->buffer_count; i++)
		if (!window->buffers[i].busy)
			return &window->buffers[i];

	if (window->buffer_count < window->params.max_buffers) {
		struct sw_buffer *buffer = &window->buffers[window->buffer_count];
		memset(buffer, 0, sizeof(*buffer));
		buffer->format = window->params.format;
		buffer->width = window->params.width;
		buffer->height = window->params.height;
		if (window->params.impl->create(window->params.impl_data, buffer) < 0) {
			window->failed = true;
			return NULL;
		}
		buffer->owner = window;
		wl_buffer_add_listener(buffer->wl_buffer, &buffer_listener, buffer);
		window->buffer_count++;
		sw_debug("allocated %s buffer %u of %u", window->params.impl->name,
			 window->buffer_count, window->params.max_buffers);
		return buffer;
	}

	/* All held by the compositor: try again on the next release. */
	window->waiting_buffer = true;
	window->redraw = true;
	return NULL;
}

uint64_t
sw_window_next_frame(const struct sw_window *window)
{
	return window->frame + 1;
}

static void
frame_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct sw_window *window = data;

	wl_callback_destroy(callback);
	window->frame_cb = NULL;
	window->redraw = true;
	maybe_draw(window);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

void
sw_window_commit(struct sw_window *window, struct sw_buffer *buffer, pixman_region32_t *damage)
{
	struct sw_client *client = window->client;

	wl_surface_attach(window->surface, buffer->wl_buffer, 0, 0);
	if (damage) {
		int n;
		pixman_box32_t *boxes = pixman_region32_rectangles(damage, &n);
		for (int i = 0; i < n; i++)
			wl_surface_damage_buffer(window->surface, boxes[i].x1, boxes[i].y1,
						 boxes[i].x2 - boxes[i].x1,
						 boxes[i].y2 - boxes[i].y1);
	} else {
		wl_surface_damage_buffer(window->surface, 0, 0, INT32_MAX, INT32_MAX);
	}

	window->frame_cb = wl_surface_frame(window->surface);
	if (window->frame_cb)
		wl_callback_add_listener(window->frame_cb, &frame_listener, window);
	else
		sw_warn("wl_surface.frame: out of memory");

	struct sw_feedback *fb = NULL;
	if (client->presentation) {
		fb = calloc(1, sizeof(*fb));
		if (fb)
			fb->feedback = wp_presentation_feedback(client->presentation,
								window->surface);
		if (fb && fb->feedback) {
			fb->window = window;
			wp_presentation_feedback_add_listener(fb->feedback, &feedback_listener, fb);
			wl_list_insert(window->feedbacks.prev, &fb->link);
			window->stats.pending++;
		} else {
			sw_warn("out of memory for presentation feedback; frame not counted");
			free(fb);
			fb = NULL;
		}
	}

	buffer->busy = true;
	buffer->content_frame = ++window->frame;
	window->stats.commits++;
	/* Taken last, right before the request leaves the client, on the compositor's clock. */
	if (fb)
		fb->commit_ns = sw_client_now_ns(client);
	wl_surface_commit(window->surface);
	wl_display_flush(client->display);
}

static void
xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct sw_window *window = data;

	xdg_surface_ack_configure(xdg_surface, serial);
	if (!window->configured) {
		window->configured = true;
		maybe_draw(window);
	}
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void
toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width, int32_t height,
		   struct wl_array *states)
{
	/* The buffer size is fixed by the command line; a suggested size is only logged. */
	if (width || height)
		sw_debug("compositor suggests %dx%d; keeping the requested size", width, height);
}

static void
toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct sw_window *window = data;
	sw_info("the compositor asked the window to close");
	window->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

struct sw_window *
sw_window_create(struct sw_client *client, const struct sw_window_params *params)
{
	if (params->max_buffers < 1 || params->max_buffers > SW_WINDOW_MAX_BUFFERS) {
		sw_err("between 1 and %d buffers can be used, not %u", SW_WINDOW_MAX_BUFFERS,
		       params->max_buffers);
		return NULL;
	}

	struct sw_window *window = calloc(1, sizeof(*window));
	if (!window) {
		sw_err("out of memory");
		return NULL;
	}
	window->client = client;
	window->params = *params;
	window->redraw = true;
	wl_list_init(&window->feedbacks);

	window->surface = wl_compositor_create_surface(client->compositor);
	if (!window->surface)
		goto err_window;
	window->xdg_surface = xdg_wm_base_get_xdg_surface(client->wm_base, window->surface);
	if (!window->xdg_surface)
		goto err_surface;
	xdg_surface_add_listener(window->xdg_surface, &xdg_surface_listener, window);
	window->toplevel = xdg_surface_get_toplevel(window->xdg_surface);
	if (!window->toplevel)
		goto err_xdg_surface;
	xdg_toplevel_add_listener(window->toplevel, &toplevel_listener, window);
	if (params->title)
		xdg_toplevel_set_title(window->toplevel, params->title);
	if (params->app_id)
		xdg_toplevel_set_app_id(window->toplevel, params->app_id);
	if (params->fullscreen) {
		xdg_toplevel_set_fullscreen(window->toplevel, NULL);
		client->hide_cursor = true;
	}
	/* The initial commit without a buffer asks for the first configure. */
	wl_surface_commit(window->surface);
	return window;

err_xdg_surface:
	xdg_surface_destroy(window->xdg_surface);
err_surface:
	wl_surface_destroy(window->surface);
err_window:
	sw_err("out of memory creating the window");
	free(window);
	return NULL;
}

void
sw_window_destroy(struct sw_window *window)
{
	if (!window)
		return;

	struct sw_feedback *fb, *tmp;
	wl_list_for_each_safe(fb, tmp, &window->feedbacks, link)
		feedback_finish(fb);
	if (window->frame_cb)
		wl_callback_destroy(window->frame_cb);
	xdg_toplevel_destroy(window->toplevel);
	xdg_surface_destroy(window->xdg_surface);
	wl_surface_destroy(window->surface);
	/* Destroying a buffer the compositor still holds is allowed once the surface is gone. */
	for (unsigned i = 0; i < window->buffer_count; i++)
		window->params.impl->destroy(window->params.impl_data, &window->buffers[i]);
	free(window->stats.latency_ns);
	free(window);
}

struct wl_surface *
sw_window_surface(const struct sw_window *window)
{
	return window->surface;
}

void
sw_window_unset_fullscreen(struct sw_window *window)
{
	xdg_toplevel_unset_fullscreen(window->toplevel);
	window->client->hide_cursor = false;
}

bool
sw_window_closed(const struct sw_window *window)
{
	return window->closed;
}

bool
sw_window_failed(const struct sw_window *window)
{
	return window->failed;
}
