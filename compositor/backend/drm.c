/*
 * The DRM/KMS backend: one connector, one CRTC, two dumb buffers scanned out
 * in turn. The core renders into the output's shadow image in system memory;
 * commit() only copies the damaged part of it into the buffer being prepared
 * (scanout memory is write-combined and slow to read, so nothing is ever
 * composited there). Frames are paced by page-flip events.
 *
 * Zero copy: with atomic KMS, a client buffer that is the whole frame (an
 * opaque dma-buf, or a sealed memfd's wl_shm buffer as a udmabuf) is made a
 * framebuffer once and flipped to directly; nothing is composited or copied.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <libudev.h>
#include <linux/kd.h>
#include <linux/vt.h>
#include <wayland-server-core.h>
#include <wayland-server-protocol.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "backend.h"
#include "buffer.h"
#include "drm_planes.h"
#include "formats.h"
#include "input.h"
#include "log.h"
#include "parse.h"
#include "output.h"
#include "presentation-time-server-protocol.h"
#include "scene.h"
#include "server.h"
#include "session.h"

#define DRM_MAX_CARDS 16
#define DRM_CLIENT_FB 2
/* head->pending of a commit that only moved the cursor plane: no frame of the output's. */
#define DRM_CURSOR_ONLY 3
/* More damage rectangles than this are sent as a whole-plane update. */
#define DRM_DAMAGE_CLIPS 64

struct drm_fb {
	uint32_t handle;      /* dumb buffer GEM handle, 0 when none */
	uint32_t fb_id;
	uint32_t pitch;
	uint64_t size;
	void *map;
	pixman_image_t *image;
	/* What changed in the shadow since this buffer was last filled. */
	pixman_region32_t damage;
};

/* Property ids of the objects an atomic commit touches. */
struct drm_props {
	uint32_t conn_crtc_id;
	uint32_t crtc_mode_id, crtc_active;
	uint32_t plane_fb_id, plane_crtc_id;
	uint32_t plane_src_x, plane_src_y, plane_src_w, plane_src_h;
	uint32_t plane_crtc_x, plane_crtc_y, plane_crtc_w, plane_crtc_h;
	uint32_t plane_damage_clips;   /* FB_DAMAGE_CLIPS, 0 when the plane has none */
};

/*
 * One connector with its CRTC and primary plane: one output, with its own
 * scanout buffers and page-flip pacing.
 */
struct drm_head {
	struct drm_backend *drm;
	struct wl_list link;       /* drm_backend.heads, in connector order */
	struct sw_output *output;
	uint32_t conn_id, crtc_id, plane_id;
	int crtc_index;
	/*
	 * The CRTC has a vblank interrupt. Without one (bochs-drm, for one) the
	 * kernel completes a flip at once and stamps it with the current time:
	 * we then pace frames ourselves on a grid of the mode's period.
	 */
	bool has_vblank;
	uint64_t period_ns;
	uint64_t last_vblank_ns;   /* grid point of the last frame shown (no vblank) */
	drmModeModeInfo mode;
	uint32_t mode_blob;
	struct drm_props props;
	struct drm_plane_set planes;   /* the overlays and cursor above the primary (atomic) */
	/*
	 * The cursor plane's two ARGB8888 buffers of the cursor size (made on
	 * first use): the image is copied into the one not on screen when it
	 * changes, which is small, and moves only move the plane.
	 */
	struct drm_fb cursor_fbs[2];
	pixman_image_t *cursor_image;  /* what cursor_fbs[cursor_current] holds, referenced */
	int cursor_current;
	struct sw_scene_cursor_plane cursor_scene;
	bool cursor_dirty;             /* moved while a flip was pending: commit after it */
	/* Commits a move after what this loop iteration does (a frame first, if one is due). */
	struct wl_event_source *cursor_idle;
	drmModeCrtc *saved_crtc;   /* what to give back at exit */

	struct drm_fb fbs[2];
	/*
	 * Index of the buffer on screen, -1 before the first frame, and of the
	 * one a flip is on its way for, -1 when none; DRM_CLIENT_FB: a client's
	 * buffer, scanned out directly (the output keeps it locked).
	 */
	int front;
	int pending;
	bool needs_modeset;
	bool frame_requested;  /* schedule_frame came while a flip was pending */
	bool gone;             /* the connector vanished or refused: stop presenting */
	uint64_t frame_seq;    /* for frames shown without a flip event */
	/*
	 * What changed on the output but is on no buffer scanned out yet: a
	 * commit came while a flip was pending, or failed. It is damage again
	 * for the frame after the flip or for the retry.
	 */
	pixman_region32_t deferred;
	/* Consecutive failed commits; only the first of a run is logged. */
	unsigned commit_failures;
	struct wl_event_source *retry_timer;
	struct wl_event_source *idle_frame;
	struct wl_event_source *frame_timer;   /* next grid point, without vblank */
	struct wl_event_source *idle_present;
	/* Applies `gone` to the output outside of the repaint that found it out. */
	struct wl_event_source *idle_state;
	int index;             /* in fatal_restore.crtcs */
};

struct drm_backend {
	struct sw_backend base;
	struct sw_session *session;
	struct sw_input *input;
	char path[64];
	int fd;
	char driver[64];  /* the kernel driver's name, each output's model */

	bool atomic;
	bool monotonic;   /* page-flip timestamps are CLOCK_MONOTONIC */
	const struct sw_format *format;
	struct wl_list heads;      /* drm_head.link */
	/* Client buffers imported as framebuffers, for as long as each lives. */
	struct wl_list scanouts;   /* drm_scanout.link */
	bool legacy_noted;         /* said once that legacy KMS scans nothing out */
	uint32_t crtcs_used;       /* bit i: CRTC number i drives a head */
	uint64_t planes_taken;     /* bit i: plane i of the device's list is a head's overlay */

	struct wl_event_source *drm_source;
	struct wl_listener session_active;
	struct wl_listener session_lost;
	/* Connector changes (hotplug), from udev or straight from the kernel. */
	struct udev *udev;
	struct udev_monitor *udev_monitor;
	struct wl_event_source *udev_source;
};

/*
 * What the fatal-signal handler needs to give the display back: plain values,
 * because the handler may run with the heap in any state.
 */
struct fatal_crtc {
	volatile sig_atomic_t valid;
	uint32_t crtc_id, conn_id, fb_id;
	uint32_t x, y;
	drmModeModeInfo mode;
};

static struct {
	volatile sig_atomic_t armed;
	int fd;
	struct fatal_crtc crtcs[SW_MAX_OUTPUTS];
	/* The VT's keyboard mode before the session took the VT (it sets K_OFF). */
	bool kb_mode_valid;
	int kb_mode;
	struct sigaction old[4];
} fatal_restore;

static const int fatal_signals[4] = { SIGSEGV, SIGABRT, SIGFPE, SIGILL };

static struct drm_backend *
drm_from_backend(struct sw_backend *base)
{
	return (struct drm_backend *)base;
}

static int32_t
mode_refresh_mhz(const drmModeModeInfo *mode)
{
	if (!mode->htotal || !mode->vtotal)
		return (int32_t)mode->vrefresh * 1000;
	/* clock is in kHz: mHz = clock * 1e6 / (htotal * vtotal), rounded. */
	uint64_t total = (uint64_t)mode->htotal * mode->vtotal;
	uint64_t mhz = ((uint64_t)mode->clock * 1000000u + total / 2) / total;
	if (mode->flags & DRM_MODE_FLAG_INTERLACE)
		mhz *= 2;
	if (mode->flags & DRM_MODE_FLAG_DBLSCAN)
		mhz /= 2;
	if (mode->vscan > 1)
		mhz /= mode->vscan;
	return (int32_t)mhz;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- fatal signals: give the CRTC and the VT back, then let the signal do its work --- */

static void
fatal_signal_handler(int sig, siginfo_t *info, void *ucontext)
{
	if (fatal_restore.armed) {
		fatal_restore.armed = 0;
		for (int i = 0; i < SW_MAX_OUTPUTS; i++) {
			struct fatal_crtc *c = &fatal_restore.crtcs[i];
			if (!c->valid)
				continue;
			uint32_t conn = c->conn_id;
			drmModeSetCrtc(fatal_restore.fd, c->crtc_id, c->fb_id, c->x, c->y, &conn, 1,
				       &c->mode);
		}
		/*
		 * tty0 is the foreground VT, which is ours while the session is active.
		 * Give it back as a usable console: the keyboard in its old mode, text,
		 * and switching left to the kernel (nobody will answer VT_PROCESS now).
		 */
		int tty = open("/dev/tty0", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (tty >= 0) {
			if (fatal_restore.kb_mode_valid)
				ioctl(tty, KDSKBMODE, fatal_restore.kb_mode);
			ioctl(tty, KDSETMODE, KD_TEXT);
			struct vt_mode auto_mode = { .mode = VT_AUTO };
			ioctl(tty, VT_SETMODE, &auto_mode);
			close(tty);
		}
	}
	/* Hand the signal to whoever had it before (ASan, or the default action). */
	for (size_t i = 0; i < 4; i++) {
		if (fatal_signals[i] == sig) {
			sigaction(sig, &fatal_restore.old[i], NULL);
			break;
		}
	}
	/* A fault re-executes and faults again; a sent signal must be sent again. */
	if (info->si_code <= 0)
		raise(sig);
}

/* Before the session takes the VT: what its keyboard mode was, for the crash handler. */
static void
fatal_restore_save_vt(void)
{
	fatal_restore.kb_mode_valid = false;
	int tty = open("/dev/tty0", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0) {
		/* Not ours to touch (a seat daemon gives the VT back if we die). */
		sw_debug("drm: /dev/tty0: %s: a crash leaves the VT to the seat", strerror(errno));
		return;
	}
	int mode;
	if (ioctl(tty, KDGKBMODE, &mode) == 0) {
		fatal_restore.kb_mode = mode;
		fatal_restore.kb_mode_valid = true;
	} else {
		sw_debug("drm: KDGKBMODE on /dev/tty0: %s", strerror(errno));
	}
	close(tty);
}

/* What the head's CRTC showed before, for the handler; a free slot is taken. */
static void
fatal_restore_add_head(struct drm_head *head)
{
	head->index = -1;
	drmModeCrtc *saved = head->saved_crtc;
	if (!saved || !saved->mode_valid)
		return;
	for (int i = 0; i < SW_MAX_OUTPUTS; i++) {
		struct fatal_crtc *c = &fatal_restore.crtcs[i];
		if (c->valid)
			continue;
		c->crtc_id = head->crtc_id;
		c->conn_id = head->conn_id;
		c->fb_id = saved->buffer_id;
		c->x = saved->x;
		c->y = saved->y;
		c->mode = saved->mode;
		c->valid = 1;
		head->index = i;
		return;
	}
}

static void
fatal_restore_remove_head(struct drm_head *head)
{
	if (head->index >= 0)
		fatal_restore.crtcs[head->index].valid = 0;
	head->index = -1;
}

static void
fatal_restore_install(struct drm_backend *drm)
{
	fatal_restore.fd = drm->fd;
	struct sigaction sa = { 0 };
	sa.sa_sigaction = fatal_signal_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	/* Not SIGBUS: shm.c owns that one for client pools truncated under us. */
	for (size_t i = 0; i < 4; i++) {
		if (sigaction(fatal_signals[i], &sa, &fatal_restore.old[i]) != 0)
			sw_warn("drm: sigaction(%d): %s", fatal_signals[i], strerror(errno));
	}
	fatal_restore.armed = 1;
}

static void
fatal_restore_remove(void)
{
	fatal_restore.armed = 0;
	for (size_t i = 0; i < 4; i++)
		sigaction(fatal_signals[i], &fatal_restore.old[i], NULL);
}

/* --- dumb buffers --- */

static void
fb_destroy(struct drm_backend *drm, struct drm_fb *fb)
{
	if (fb->image)
		pixman_image_unref(fb->image);
	if (fb->map)
		munmap(fb->map, fb->size);
	if (fb->fb_id)
		drmModeRmFB(drm->fd, fb->fb_id);
	if (fb->handle) {
		struct drm_mode_destroy_dumb destroy = { .handle = fb->handle };
		drmIoctl(drm->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	}
	pixman_region32_fini(&fb->damage);
	memset(fb, 0, sizeof(*fb));
}

static bool
fb_create(struct drm_backend *drm, struct drm_fb *fb, const struct sw_format *format,
	  uint32_t width, uint32_t height)
{
	memset(fb, 0, sizeof(*fb));
	pixman_region32_init_rect(&fb->damage, 0, 0, width, height);

	struct drm_mode_create_dumb create = {
		.width = width,
		.height = height,
		.bpp = format->cpp[0] * 8,
	};
	if (drmIoctl(drm->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) != 0) {
		sw_err("drm: cannot create a %ux%u dumb buffer: %s", width, height,
		       strerror(errno));
		goto err_damage;
	}
	fb->handle = create.handle;
	fb->pitch = create.pitch;
	fb->size = create.size;

	uint32_t handles[4] = { fb->handle }, pitches[4] = { fb->pitch }, offsets[4] = { 0 };
	if (drmModeAddFB2(drm->fd, width, height, format->drm, handles, pitches, offsets,
			  &fb->fb_id, 0) != 0) {
		sw_err("drm: drmModeAddFB2: %s", strerror(errno));
		goto err_dumb;
	}

	struct drm_mode_map_dumb map = { .handle = fb->handle };
	if (drmIoctl(drm->fd, DRM_IOCTL_MODE_MAP_DUMB, &map) != 0) {
		sw_err("drm: cannot map a dumb buffer: %s", strerror(errno));
		goto err_add_fb;
	}
	fb->map = mmap(NULL, fb->size, PROT_READ | PROT_WRITE, MAP_SHARED, drm->fd,
		       (off_t)map.offset);
	if (fb->map == MAP_FAILED) {
		fb->map = NULL;
		sw_err("drm: mmap of a dumb buffer: %s", strerror(errno));
		goto err_add_fb;
	}
	fb->image = pixman_image_create_bits(format->pixman, (int)width, (int)height,
					     fb->map, (int)fb->pitch);
	if (!fb->image) {
		sw_err("drm: cannot wrap a dumb buffer in an image");
		goto err_map;
	}
	return true;

err_map:
	munmap(fb->map, fb->size);
	fb->map = NULL;
err_add_fb:
	drmModeRmFB(drm->fd, fb->fb_id);
	fb->fb_id = 0;
err_dumb:;
	struct drm_mode_destroy_dumb destroy = { .handle = fb->handle };
	drmIoctl(drm->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	fb->handle = 0;
err_damage:
	pixman_region32_fini(&fb->damage);
	return false;
}

/*
 * Copy what changed since this buffer was last filled from the shadow into
 * it, except what opaque overlay planes hide (`hidden`, NULL: nothing): that
 * stays damage until a frame shows it. Returns the bytes copied.
 */
static uint64_t
fb_update(struct drm_fb *fb, pixman_image_t *shadow, const pixman_region32_t *hidden)
{
	pixman_region32_t copy;
	pixman_region32_init(&copy);
	if (hidden) {
		pixman_region32_subtract(&copy, &fb->damage, (pixman_region32_t *)hidden);
		pixman_region32_intersect(&fb->damage, &fb->damage, (pixman_region32_t *)hidden);
	} else {
		pixman_region32_copy(&copy, &fb->damage);
		pixman_region32_clear(&fb->damage);
	}
	uint64_t pixels = 0;
	int n;
	pixman_box32_t *boxes = pixman_region32_rectangles(&copy, &n);
	for (int i = 0; i < n; i++)
		pixels += (uint64_t)(boxes[i].x2 - boxes[i].x1) *
			  (uint64_t)(boxes[i].y2 - boxes[i].y1);
	if (pixels) {
		pixman_image_set_clip_region32(fb->image, &copy);
		pixman_image_composite32(PIXMAN_OP_SRC, shadow, NULL, fb->image, 0, 0, 0, 0, 0,
					 0, pixman_image_get_width(fb->image),
					 pixman_image_get_height(fb->image));
		pixman_image_set_clip_region32(fb->image, NULL);
	}
	pixman_region32_fini(&copy);
	return pixels * 4;
}

/* --- device, connector, CRTC, plane and mode --- */

static uint32_t
find_prop(int fd, uint32_t obj_id, uint32_t obj_type, const char *name, uint64_t *value)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(fd, obj_id, obj_type);
	if (!props)
		return 0;
	uint32_t id = 0;
	for (uint32_t i = 0; i < props->count_props && !id; i++) {
		drmModePropertyRes *prop = drmModeGetProperty(fd, props->props[i]);
		if (!prop)
			continue;
		if (strcmp(prop->name, name) == 0) {
			id = prop->prop_id;
			if (value)
				*value = props->prop_values[i];
		}
		drmModeFreeProperty(prop);
	}
	drmModeFreeObjectProperties(props);
	return id;
}

static bool
find_atomic_props(struct drm_head *head)
{
	struct drm_backend *drm = head->drm;
	struct drm_props *p = &head->props;
	int fd = drm->fd;
	p->conn_crtc_id = find_prop(fd, head->conn_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", NULL);
	p->crtc_mode_id = find_prop(fd, head->crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID", NULL);
	p->crtc_active = find_prop(fd, head->crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE", NULL);
	uint32_t plane = head->plane_id, type = DRM_MODE_OBJECT_PLANE;
	p->plane_fb_id = find_prop(fd, plane, type, "FB_ID", NULL);
	p->plane_crtc_id = find_prop(fd, plane, type, "CRTC_ID", NULL);
	p->plane_src_x = find_prop(fd, plane, type, "SRC_X", NULL);
	p->plane_src_y = find_prop(fd, plane, type, "SRC_Y", NULL);
	p->plane_src_w = find_prop(fd, plane, type, "SRC_W", NULL);
	p->plane_src_h = find_prop(fd, plane, type, "SRC_H", NULL);
	p->plane_crtc_x = find_prop(fd, plane, type, "CRTC_X", NULL);
	p->plane_crtc_y = find_prop(fd, plane, type, "CRTC_Y", NULL);
	p->plane_crtc_w = find_prop(fd, plane, type, "CRTC_W", NULL);
	p->plane_crtc_h = find_prop(fd, plane, type, "CRTC_H", NULL);
	p->plane_damage_clips = find_prop(fd, plane, type, "FB_DAMAGE_CLIPS", NULL);
	return p->conn_crtc_id && p->crtc_mode_id && p->crtc_active && p->plane_fb_id &&
	       p->plane_crtc_id && p->plane_src_x && p->plane_src_y && p->plane_src_w &&
	       p->plane_src_h && p->plane_crtc_x && p->plane_crtc_y && p->plane_crtc_w &&
	       p->plane_crtc_h;
}

/* The primary plane that can feed CRTC number `crtc_index`, or 0. */
static uint32_t
find_primary_plane(int fd, int crtc_index)
{
	drmModePlaneRes *planes = drmModeGetPlaneResources(fd);
	if (!planes)
		return 0;
	uint32_t found = 0;
	for (uint32_t i = 0; i < planes->count_planes && !found; i++) {
		drmModePlane *plane = drmModeGetPlane(fd, planes->planes[i]);
		if (!plane)
			continue;
		uint64_t type = 0;
		if ((plane->possible_crtcs & (1u << crtc_index)) &&
		    find_prop(fd, plane->plane_id, DRM_MODE_OBJECT_PLANE, "type", &type) &&
		    type == DRM_PLANE_TYPE_PRIMARY)
			found = plane->plane_id;
		drmModeFreePlane(plane);
	}
	drmModeFreePlaneResources(planes);
	return found;
}

/*
 * A CRTC the connector can use and no other head has (bit i of `used` is
 * CRTC number i): the one it is on, else the first compatible.
 */
static int
find_crtc(int fd, drmModeRes *res, drmModeConnector *conn, uint32_t used)
{
	if (conn->encoder_id) {
		drmModeEncoder *enc = drmModeGetEncoder(fd, conn->encoder_id);
		if (enc) {
			uint32_t crtc_id = enc->crtc_id;
			drmModeFreeEncoder(enc);
			for (int i = 0; crtc_id && i < res->count_crtcs && i < 32; i++) {
				if (res->crtcs[i] == crtc_id && !(used & (1u << i)))
					return i;
			}
		}
	}
	for (int e = 0; e < conn->count_encoders; e++) {
		drmModeEncoder *enc = drmModeGetEncoder(fd, conn->encoders[e]);
		if (!enc)
			continue;
		uint32_t possible = enc->possible_crtcs;
		drmModeFreeEncoder(enc);
		for (int i = 0; i < res->count_crtcs && i < 32; i++) {
			if ((possible & (1u << i)) && !(used & (1u << i)))
				return i;
		}
	}
	return -1;
}

/* --mode=WxH[@Hz]; false when it does not parse. */
static bool
parse_mode(const char *str, int *w, int *h, int *hz)
{
	uint32_t uw, uh, uhz = 0;
	const char *rest;
	if (!sw_parse_size_prefix(str, &uw, &uh, &rest))
		return false;
	if (*rest == '@' ? !sw_parse_u32(rest + 1, 1, 1000, &uhz) : *rest != '\0')
		return false;
	*w = (int)uw;
	*h = (int)uh;
	*hz = (int)uhz;
	return true;
}

/*
 * The --mode `want` if the connector has it, else (`required` false: not the
 * first head) its preferred mode.
 */
static bool
choose_mode(struct drm_head *head, drmModeConnector *conn, const char *want, bool required,
	    char *why, size_t why_len)
{
	const drmModeModeInfo *chosen = NULL;
	if (want) {
		int w, h, hz;
		if (!parse_mode(want, &w, &h, &hz)) {
			snprintf(why, why_len, "bad --mode '%s' (want WxH or WxH@Hz)", want);
			return false;
		}
		int32_t best_diff = INT32_MAX;
		for (int i = 0; i < conn->count_modes; i++) {
			const drmModeModeInfo *m = &conn->modes[i];
			if (m->hdisplay != w || m->vdisplay != h)
				continue;
			int32_t diff = hz ? abs(mode_refresh_mhz(m) - hz * 1000) : 0;
			/* Without a rate, prefer the preferred mode, then the first listed. */
			if (!hz && (m->type & DRM_MODE_TYPE_PREFERRED))
				diff = -1;
			if (diff < best_diff) {
				best_diff = diff;
				chosen = m;
			}
		}
		if (!chosen && required) {
			snprintf(why, why_len, "the connector has no %s mode", want);
			return false;
		}
		if (!chosen)
			sw_info("drm: connector %u has no %s mode: using its preferred one",
				conn->connector_id, want);
	}
	if (!chosen) {
		for (int i = 0; i < conn->count_modes && !chosen; i++) {
			if (conn->modes[i].type & DRM_MODE_TYPE_PREFERRED)
				chosen = &conn->modes[i];
		}
		if (!chosen)
			chosen = &conn->modes[0];
	}
	head->mode = *chosen;
	return true;
}

static int handle_frame_timer(void *data);
static int handle_retry_timer(void *data);
static void head_destroy(struct drm_head *head);
static void cursor_moved(struct sw_scene_cursor_plane *plane, int32_t x, int32_t y);

/*
 * A head for `conn` on CRTC number `crtc_index`: its mode (--mode on the
 * first head), its primary plane (atomic), the output and the scanout
 * buffers. NULL with `why` when it cannot be made.
 */
static struct drm_head *
head_create(struct drm_backend *drm, drmModeRes *res, drmModeConnector *conn, int crtc_index,
	    bool first, char *why, size_t why_len)
{
	struct sw_server *server = drm->base.server;
	struct drm_head *head = calloc(1, sizeof(*head));
	if (!head) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	head->drm = drm;
	head->front = -1;
	head->pending = -1;
	head->needs_modeset = true;
	head->index = -1;
	head->cursor_current = -1;
	wl_list_init(&head->cursor_scene.link);
	head->crtc_index = crtc_index;
	head->conn_id = conn->connector_id;
	head->crtc_id = res->crtcs[crtc_index];
	pixman_region32_init(&head->deferred);
	wl_list_init(&head->link);
	for (int i = 0; i < 2; i++) {
		pixman_region32_init(&head->fbs[i].damage);
		pixman_region32_init(&head->cursor_fbs[i].damage);
	}
	if (!choose_mode(head, conn, server->opts.drm_mode, first, why, why_len))
		goto err;

	if (drm->atomic) {
		head->plane_id = find_primary_plane(drm->fd, crtc_index);
		if (!head->plane_id || !find_atomic_props(head)) {
			if (!first) {
				snprintf(why, why_len, "no primary plane with the atomic properties "
					 "for CRTC %u", head->crtc_id);
				goto err;
			}
			/* Before any other head exists, the device can still fall back. */
			sw_warn("drm: no primary plane with the atomic properties: using legacy KMS");
			drm->atomic = false;
		}
	}
	/* The cursor plane: a screendump of the rig's virtio-gpu leaves a hardware cursor out. */
	uint64_t cursor_w = 64, cursor_h = 64;
	const char *cursor_env = getenv("SEALWAY_CURSOR_PLANE");
	if (cursor_env && strcmp(cursor_env, "0") == 0)
		cursor_w = cursor_h = 0;
	if (cursor_w && (drmGetCap(drm->fd, DRM_CAP_CURSOR_WIDTH, &cursor_w) != 0 ||
			 drmGetCap(drm->fd, DRM_CAP_CURSOR_HEIGHT, &cursor_h) != 0))
		cursor_w = cursor_h = 64;
	if (cursor_w > 512 || cursor_h > 512)
		cursor_w = cursor_h = 0;
	if (drm->atomic && !drm_plane_set_init(&head->planes, drm->fd, crtc_index,
					       &drm->planes_taken, (uint32_t)cursor_w,
					       (uint32_t)cursor_h)) {
		snprintf(why, why_len, "out of memory");
		goto err;
	}
	if (drm->atomic && !drm_plane_set_primary(&head->planes, drm->fd, head->plane_id)) {
		snprintf(why, why_len, "out of memory");
		goto err;
	}
	drm->base.has_overlays = drm->base.has_overlays || head->planes.n_overlays > 0;

	const char *type = drmModeGetConnectorTypeName(conn->connector_type);
	char name[32];
	snprintf(name, sizeof(name), "%s-%u", type ? type : "Unknown", conn->connector_type_id);
	char desc[128];
	snprintf(desc, sizeof(desc), "%s on %s, %ux%u@%.3f Hz", name, drm->path,
		 head->mode.hdisplay, head->mode.vdisplay, mode_refresh_mhz(&head->mode) / 1000.0);
	sw_info("drm: %s: connector %s (id %u), CRTC %u, plane %u, mode %ux%u@%.3f Hz%s",
		drm->path, name, head->conn_id, head->crtc_id, head->plane_id,
		head->mode.hdisplay, head->mode.vdisplay,
		mode_refresh_mhz(&head->mode) / 1000.0,
		(head->mode.type & DRM_MODE_TYPE_PREFERRED) ? " (preferred)" : "");

	head->saved_crtc = drmModeGetCrtc(drm->fd, head->crtc_id);
	int32_t mhz = mode_refresh_mhz(&head->mode);
	head->period_ns = 1000000000000ull / (uint64_t)(mhz > 0 ? mhz : 60000);
	/* Only a driver without vblank support at all answers EOPNOTSUPP (EINVAL: CRTC off). */
	uint64_t vbl_seq, vbl_ns;
	head->has_vblank = drmCrtcGetSequence(drm->fd, head->crtc_id, &vbl_seq, &vbl_ns) == 0 ||
			   errno != EOPNOTSUPP;

	for (int i = 0; i < 2; i++) {
		pixman_region32_fini(&head->fbs[i].damage);
		if (!fb_create(drm, &head->fbs[i], drm->format, head->mode.hdisplay,
			       head->mode.vdisplay)) {
			snprintf(why, why_len, "cannot allocate scanout buffers");
			/* fb_destroy of an empty one only finalizes its damage. */
			pixman_region32_init(&head->fbs[i].damage);
			goto err;
		}
	}
	head->frame_timer = wl_event_loop_add_timer(server->loop, handle_frame_timer, head);
	head->retry_timer = wl_event_loop_add_timer(server->loop, handle_retry_timer, head);
	if (!head->frame_timer || !head->retry_timer) {
		snprintf(why, why_len, "cannot create a timer");
		goto err;
	}

	head->output = sw_output_create(server, &drm->base, name, desc, head->mode.hdisplay,
					head->mode.vdisplay, mhz);
	if (!head->output) {
		snprintf(why, why_len, "cannot create the output");
		goto err;
	}
	head->output->backend_data = head;
	head->output->phys_width_mm = (int32_t)conn->mmWidth;
	head->output->phys_height_mm = (int32_t)conn->mmHeight;
	if (drm->driver[0])
		snprintf(head->output->model, sizeof(head->output->model), "%s", drm->driver);
	if (head->planes.has_cursor) {
		head->cursor_scene.moved = cursor_moved;
		sw_scene_add_cursor_plane(server->scene, &head->cursor_scene);
	}
	drm->crtcs_used |= 1u << crtc_index;
	wl_list_insert(drm->heads.prev, &head->link);
	fatal_restore_add_head(head);
	return head;

err:
	head_destroy(head);
	return NULL;
}

/*
 * Make a head of every connected connector with modes and a free CRTC that
 * has none yet. `why` says why the first one failed, if it did.
 */
static int
scan_connectors(struct drm_backend *drm, char *why, size_t why_len)
{
	drmModeRes *res = drmModeGetResources(drm->fd);
	if (!res) {
		snprintf(why, why_len, "%s is not a KMS device", drm->path);
		return -1;
	}
	int made = 0;
	bool failed = false;
	for (int i = 0; i < res->count_connectors; i++) {
		struct drm_head *head;
		bool have = false;
		wl_list_for_each(head, &drm->heads, link)
			have |= head->conn_id == res->connectors[i];
		if (have)
			continue;
		drmModeConnector *conn = drmModeGetConnector(drm->fd, res->connectors[i]);
		if (!conn)
			continue;
		if (conn->connection == DRM_MODE_CONNECTED && conn->count_modes > 0) {
			int crtc_index = find_crtc(drm->fd, res, conn, drm->crtcs_used);
			int n = wl_list_length(&drm->heads);
			char head_why[256];
			if (crtc_index < 0)
				sw_info("drm: connector %u is connected but no CRTC is free for it",
					conn->connector_id);
			else if (n >= SW_MAX_OUTPUTS)
				sw_warn("drm: connector %u left dark: at most %d outputs",
					conn->connector_id, SW_MAX_OUTPUTS);
			else if (head_create(drm, res, conn, crtc_index, n == 0, head_why,
					     sizeof(head_why)))
				made++;
			else if (n == 0)
				failed = snprintf(why, why_len, "%s", head_why) >= 0;
			else
				sw_warn("drm: connector %u: %s", conn->connector_id, head_why);
		}
		drmModeFreeConnector(conn);
		/* The first head failing (--mode is its) fails the backend. */
		if (failed)
			break;
	}
	drmModeFreeResources(res);
	if (wl_list_empty(&drm->heads) && !failed)
		snprintf(why, why_len, "no connected connector with a usable CRTC on %s", drm->path);
	return made;
}

/* --- presenting --- */

static void
handle_idle_present(void *data);
static void
flush_deferred(struct drm_head *head);

static void cursor_commit(struct drm_head *head);

static void
present_without_event(struct drm_head *head)
{
	struct drm_backend *drm = head->drm;
	/* A synchronous modeset shows the frame at once, with no vblank event to time it. */
	if (!head->idle_present)
		head->idle_present = wl_event_loop_add_idle(drm->base.server->loop,
							   handle_idle_present, head);
}

static void
frame_shown(struct drm_head *head, const struct sw_present_info *info)
{
	struct drm_backend *drm = head->drm;
	if (!head->has_vblank) {
		uint64_t t = (uint64_t)info->when.tv_sec * 1000000000u +
			     (uint64_t)info->when.tv_nsec;
		uint64_t last = head->last_vblank_ns;
		/* Stay on the grid unless we were idle for a while. */
		if (!last || t < last || t - last > 4 * head->period_ns)
			head->last_vblank_ns = t;
		else
			head->last_vblank_ns += (t - last) / head->period_ns * head->period_ns;
	}
	bool cursor_only = head->pending == DRM_CURSOR_ONLY;
	if (!cursor_only)
		head->front = head->pending;
	head->pending = -1;
	/* A cursor move is no frame of the output's: it learns of nothing. */
	if (!cursor_only)
		sw_output_presented(head->output, info);
	flush_deferred(head);
	if (head->frame_requested) {
		head->frame_requested = false;
		drm->base.impl->schedule_frame(&drm->base, head->output);
	}
	if (head->cursor_dirty)
		cursor_commit(head);
}

static void
handle_idle_present(void *data)
{
	struct drm_head *head = data;
	head->idle_present = NULL;
	struct sw_present_info info = {
		.seq = ++head->frame_seq,
		.flags = 0,
		.refresh_ns = 0,
	};
	clock_gettime(CLOCK_MONOTONIC, &info.when);
	frame_shown(head, &info);
}

static void
handle_page_flip(int fd, unsigned seq, unsigned tv_sec, unsigned tv_usec, unsigned crtc_id,
		 void *data)
{
	struct drm_backend *drm = data;
	struct drm_head *head = NULL, *h;
	wl_list_for_each(h, &drm->heads, link) {
		if (h->crtc_id == crtc_id)
			head = h;
	}
	if (!head) {
		sw_debug("drm: page flip event for CRTC %u, which drives no output now", crtc_id);
		return;
	}
	if (head->pending < 0) {
		sw_warn("drm: page flip event with no flip pending");
		return;
	}
	int32_t mhz = mode_refresh_mhz(&head->mode);
	struct sw_present_info info = {
		.when = { .tv_sec = tv_sec, .tv_nsec = (long)tv_usec * 1000 },
		.seq = seq,
		.refresh_ns = mhz > 0 ? (uint32_t)(1000000000000ull / (uint64_t)mhz) : 0,
	};
	if (!head->has_vblank) {
		/* The kernel completed it at once, not at a vblank: no counter, no vsync. */
		if (!drm->monotonic)
			clock_gettime(CLOCK_MONOTONIC, &info.when);
		info.seq = ++head->frame_seq;
		info.flags = WP_PRESENTATION_FEEDBACK_KIND_HW_COMPLETION;
		frame_shown(head, &info);
		return;
	}
	if (drm->monotonic) {
		info.flags = WP_PRESENTATION_FEEDBACK_KIND_VSYNC |
			     WP_PRESENTATION_FEEDBACK_KIND_HW_CLOCK |
			     WP_PRESENTATION_FEEDBACK_KIND_HW_COMPLETION;
	} else {
		/* Not on our clock: only "now" is honest. */
		clock_gettime(CLOCK_MONOTONIC, &info.when);
		info.flags = WP_PRESENTATION_FEEDBACK_KIND_VSYNC |
			     WP_PRESENTATION_FEEDBACK_KIND_HW_COMPLETION;
	}
	head->frame_seq = seq;
	frame_shown(head, &info);
}

static int
handle_drm_readable(int fd, uint32_t mask, void *data)
{
	drmEventContext ctx = {
		.version = 3,
		.page_flip_handler2 = handle_page_flip,
	};
	if (drmHandleEvent(fd, &ctx) != 0)
		sw_err("drm: drmHandleEvent failed");
	return 0;
}

/*
 * Planes a previous DRM master left on our CRTC (a cursor, an overlay) would
 * cover our picture: switch them off in the modeset. Only planes on our CRTC,
 * so other CRTCs keep what they show.
 */
static bool
atomic_add_stray_planes_off(struct drm_head *head, drmModeAtomicReq *req)
{
	struct drm_backend *drm = head->drm;
	drmModePlaneRes *planes = drmModeGetPlaneResources(drm->fd);
	if (!planes)
		return true;
	bool ok = true;
	for (uint32_t i = 0; i < planes->count_planes && ok; i++) {
		uint32_t id = planes->planes[i];
		/* Ours are set in the same commit. */
		if (id == head->plane_id || drm_plane_set_owns(&head->planes, id))
			continue;
		uint64_t crtc = 0, fb = 0;
		uint32_t crtc_prop = find_prop(drm->fd, id, DRM_MODE_OBJECT_PLANE, "CRTC_ID", &crtc);
		uint32_t fb_prop = find_prop(drm->fd, id, DRM_MODE_OBJECT_PLANE, "FB_ID", &fb);
		if (!crtc_prop || !fb_prop || crtc != head->crtc_id)
			continue;
		/* Said once, not again for each retry of a failing modeset. */
		if (head->commit_failures)
			sw_debug("drm: plane %u still on CRTC %u: switching it off", id, head->crtc_id);
		else
			sw_info("drm: plane %u (framebuffer %u) was left on CRTC %u: switching it off",
				id, (uint32_t)fb, head->crtc_id);
		ok = drmModeAtomicAddProperty(req, id, fb_prop, 0) >= 0 &&
		     drmModeAtomicAddProperty(req, id, crtc_prop, 0) >= 0;
	}
	drmModeFreePlaneResources(planes);
	return ok;
}

/*
 * The same for legacy KMS: the cursor and any overlay plane on our CRTC. The
 * list has the primary planes too when the atomic cap was set before we fell
 * back to legacy: ours then shows `fb` and stays.
 */
static void
legacy_stray_planes_off(struct drm_head *head, const struct drm_fb *fb)
{
	struct drm_backend *drm = head->drm;
	/* Fails with ENXIO where the CRTC has no cursor: nothing to hide then. */
	if (drmModeSetCursor(drm->fd, head->crtc_id, 0, 0, 0) != 0 && errno != ENXIO)
		sw_debug("drm: hiding the cursor: %s", strerror(errno));
	drmModePlaneRes *planes = drmModeGetPlaneResources(drm->fd);
	if (!planes)
		return;
	for (uint32_t i = 0; i < planes->count_planes; i++) {
		drmModePlane *plane = drmModeGetPlane(drm->fd, planes->planes[i]);
		if (!plane)
			continue;
		uint64_t type = DRM_PLANE_TYPE_OVERLAY;
		find_prop(drm->fd, plane->plane_id, DRM_MODE_OBJECT_PLANE, "type", &type);
		if (plane->crtc_id == head->crtc_id && plane->fb_id && plane->fb_id != fb->fb_id &&
		    type != DRM_PLANE_TYPE_PRIMARY) {
			sw_info("drm: plane %u (framebuffer %u) was left on CRTC %u: switching it off",
				plane->plane_id, plane->fb_id, head->crtc_id);
			if (drmModeSetPlane(drm->fd, plane->plane_id, head->crtc_id, 0, 0, 0, 0, 0, 0,
					    0, 0, 0, 0) != 0)
				sw_warn("drm: cannot switch plane %u off: %s", plane->plane_id,
					strerror(errno));
		}
		drmModeFreePlane(plane);
	}
	drmModeFreePlaneResources(planes);
}

/*
 * The rectangles of `damage` as a FB_DAMAGE_CLIPS blob (0: none, or too many
 * to be worth it: the whole plane is then damaged, which is always right).
 */
static uint32_t
damage_blob(struct drm_head *head, const pixman_region32_t *damage)
{
	if (!damage || !head->props.plane_damage_clips)
		return 0;
	int n;
	const pixman_box32_t *boxes = pixman_region32_rectangles((pixman_region32_t *)damage, &n);
	struct drm_mode_rect rects[DRM_DAMAGE_CLIPS];
	if (n <= 0 || n > DRM_DAMAGE_CLIPS)
		return 0;
	for (int i = 0; i < n; i++)
		rects[i] = (struct drm_mode_rect){ boxes[i].x1, boxes[i].y1, boxes[i].x2,
						   boxes[i].y2 };
	uint32_t blob = 0;
	if (drmModeCreatePropertyBlob(head->drm->fd, rects, sizeof(rects[0]) * (size_t)n,
				      &blob) != 0)
		return 0;
	return blob;
}

/*
 * Show framebuffer `fb_id` on the primary plane, the whole mode, with what
 * changed since the last frame in `damage` (NULL: all of it). With `test`,
 * only ask whether the kernel would take it (TEST_ONLY).
 */
static int
commit_atomic_fb(struct drm_head *head, uint32_t fb_id, const pixman_region32_t *damage,
		 bool nonblock, bool test)
{
	struct drm_backend *drm = head->drm;
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	if (!req)
		return -ENOMEM;
	const struct drm_props *p = &head->props;
	uint32_t flags = test ? DRM_MODE_ATOMIC_TEST_ONLY :
		DRM_MODE_PAGE_FLIP_EVENT | (nonblock ? DRM_MODE_ATOMIC_NONBLOCK : 0);
	bool ok = true;
	if (head->needs_modeset) {
		if (!head->mode_blob &&
		    drmModeCreatePropertyBlob(drm->fd, &head->mode, sizeof(head->mode),
					      &head->mode_blob) != 0) {
			int err = -errno;
			drmModeAtomicFree(req);
			return err;
		}
		ok = ok && drmModeAtomicAddProperty(req, head->conn_id, p->conn_crtc_id,
						    head->crtc_id) >= 0;
		ok = ok && drmModeAtomicAddProperty(req, head->crtc_id, p->crtc_mode_id,
						    head->mode_blob) >= 0;
		ok = ok && drmModeAtomicAddProperty(req, head->crtc_id, p->crtc_active, 1) >= 0;
		ok = ok && atomic_add_stray_planes_off(head, req);
		flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
	}
	uint32_t plane = head->plane_id;
	uint64_t w = head->mode.hdisplay, h = head->mode.vdisplay;
	ok = ok && drmModeAtomicAddProperty(req, plane, p->plane_fb_id, fb_id) >= 0;
	ok = ok && drmModeAtomicAddProperty(req, plane, p->plane_crtc_id, head->crtc_id) >= 0;
	ok = ok && drmModeAtomicAddProperty(req, plane, p->plane_src_x, 0) >= 0;
	ok = ok && drmModeAtomicAddProperty(req, plane, p->plane_src_y, 0) >= 0;
	ok = ok && drmModeAtomicAddProperty(req, plane, p->plane_src_w, w << 16) >= 0;
	ok = ok && drmModeAtomicAddProperty(req, plane, p->plane_src_h, h << 16) >= 0;
	ok = ok && drmModeAtomicAddProperty(req, plane, p->plane_crtc_x, 0) >= 0;
	ok = ok && drmModeAtomicAddProperty(req, plane, p->plane_crtc_y, 0) >= 0;
	ok = ok && drmModeAtomicAddProperty(req, plane, p->plane_crtc_w, w) >= 0;
	ok = ok && drmModeAtomicAddProperty(req, plane, p->plane_crtc_h, h) >= 0;
	/* After a modeset everything is new: no clips. */
	uint32_t clips = head->needs_modeset ? 0 : damage_blob(head, damage);
	if (clips)
		ok = ok && drmModeAtomicAddProperty(req, plane, p->plane_damage_clips, clips) >= 0;
	ok = ok && drm_plane_set_add(&head->planes, req, head->crtc_id, head->needs_modeset);
	int ret = -ENOMEM;
	if (ok) {
		ret = drmModeAtomicCommit(drm->fd, req, flags, drm);
		if (ret != 0)
			ret = -errno;
		else if (!test)
			drm_plane_set_committed(&head->planes);
	}
	/* The commit holds the blob while it needs it. */
	if (clips)
		drmModeDestroyPropertyBlob(drm->fd, clips);
	drmModeAtomicFree(req);
	return ret;
}

/* --- client buffers on the primary plane --- */

static void
scanout_destroy(struct drm_scanout *s)
{
	if (s->fb_id && drmModeRmFB(s->drm->fd, s->fb_id) != 0)
		sw_warn("drm: removing framebuffer %u: %s", s->fb_id, strerror(errno));
	wl_list_remove(&s->buffer_destroy.link);
	wl_list_remove(&s->link);
	free(s);
}

static void
scanout_buffer_destroyed(struct wl_listener *listener, void *data)
{
	struct drm_scanout *s = wl_container_of(listener, s, buffer_destroy);
	sw_debug("drm: buffer %p gone: framebuffer %u removed", (void *)s->buffer, s->fb_id);
	scanout_destroy(s);
}

/* Import the dma-bufs and make the framebuffer; false with s->why set. */
static bool
scanout_make_fb(struct drm_scanout *s)
{
	struct drm_backend *drm = s->drm;
	struct sw_buffer *buffer = s->buffer;
	struct sw_buffer_dmabuf d;
	if (!buffer->impl->get_dmabuf) {
		snprintf(s->why, sizeof(s->why), "a %s buffer has no dma-buf", buffer->impl->name);
		return false;
	}
	if (!buffer->impl->get_dmabuf(buffer, &d, s->why, sizeof(s->why)))
		return false;
	if (d.n_planes < 1 || d.n_planes > 4) {
		snprintf(s->why, sizeof(s->why), "%u planes", d.n_planes);
		return false;
	}
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	uint64_t modifiers[4] = { 0 };
	bool ok = true;
	for (unsigned p = 0; p < d.n_planes; p++) {
		if (drmPrimeFDToHandle(drm->fd, d.fds[p], &handles[p]) != 0) {
			snprintf(s->why, sizeof(s->why), "the driver refuses to import plane %u "
				 "(drmPrimeFDToHandle: %s)", p, strerror(errno));
			ok = false;
			break;
		}
		pitches[p] = d.strides[p];
		offsets[p] = d.offsets[p];
		modifiers[p] = d.modifier;
	}
	s->format = d.format;
	s->modifier = d.modifier;
	if (ok) {
		bool explicit_mod = d.modifier != DRM_FORMAT_MOD_INVALID &&
				    d.modifier != DRM_FORMAT_MOD_LINEAR;
		int ret = explicit_mod ?
			drmModeAddFB2WithModifiers(drm->fd, (uint32_t)buffer->width,
						   (uint32_t)buffer->height, d.format, handles,
						   pitches, offsets, modifiers, &s->fb_id,
						   DRM_MODE_FB_MODIFIERS) :
			drmModeAddFB2(drm->fd, (uint32_t)buffer->width, (uint32_t)buffer->height,
				      d.format, handles, pitches, offsets, &s->fb_id, 0);
		if (ret != 0) {
			snprintf(s->why, sizeof(s->why), "the driver refuses a %dx%d %s "
				 "framebuffer (drmModeAddFB2: %s)", buffer->width, buffer->height,
				 buffer->format->name, strerror(errno));
			s->fb_id = 0;
			ok = false;
		}
	}
	/* The framebuffer holds the objects now; each distinct handle is closed once. */
	for (unsigned p = 0; p < d.n_planes; p++) {
		bool seen = false;
		for (unsigned q = 0; q < p; q++)
			seen = seen || handles[q] == handles[p];
		if (handles[p] && !seen) {
			struct drm_gem_close close_req = { .handle = handles[p] };
			if (drmIoctl(drm->fd, DRM_IOCTL_GEM_CLOSE, &close_req) != 0)
				sw_warn("drm: closing GEM handle %u: %s", handles[p],
					strerror(errno));
		}
	}
	return ok;
}

/* The buffer's framebuffer record, made on first use; NULL when out of memory. */
static struct drm_scanout *
scanout_get(struct drm_backend *drm, struct sw_buffer *buffer)
{
	struct wl_listener *l = wl_signal_get(&buffer->destroy_signal, scanout_buffer_destroyed);
	if (l) {
		struct drm_scanout *s = wl_container_of(l, s, buffer_destroy);
		return s;
	}
	struct drm_scanout *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->drm = drm;
	s->buffer = buffer;
	s->buffer_destroy.notify = scanout_buffer_destroyed;
	wl_signal_add(&buffer->destroy_signal, &s->buffer_destroy);
	wl_list_insert(&drm->scanouts, &s->link);
	if (scanout_make_fb(s))
		sw_debug("drm: buffer %p (%dx%d %s) is framebuffer %u", (void *)buffer,
			 buffer->width, buffer->height, buffer->format->name, s->fb_id);
	else
		sw_info("drm: buffer %p (%dx%d %s) cannot be scanned out, composited: %s",
			(void *)buffer, buffer->width, buffer->height, buffer->format->name,
			s->why);
	return s;
}

static struct drm_scanout *
assign_scanout(void *data, struct sw_buffer *buffer)
{
	struct drm_head *head = data;
	return scanout_get(head->drm, buffer);
}

/* The cursor buffer not on screen, with `image` in its top-left; the same one while it holds it. */
static uint32_t
assign_cursor_fb(void *data, pixman_image_t *image)
{
	struct drm_head *head = data;
	struct drm_backend *drm = head->drm;
	if (head->cursor_current >= 0 && image == head->cursor_image)
		return head->cursor_fbs[head->cursor_current].fb_id;
	uint32_t shown = head->planes.cursor.shown.fb_id;
	int i = head->cursor_fbs[0].fb_id && head->cursor_fbs[0].fb_id == shown ? 1 : 0;
	struct drm_fb *fb = &head->cursor_fbs[i];
	if (!fb->fb_id) {
		pixman_region32_fini(&fb->damage);
		if (!fb_create(drm, fb, sw_format_from_drm(DRM_FORMAT_ARGB8888),
			       head->planes.cursor_w, head->planes.cursor_h)) {
			pixman_region32_init(&fb->damage);
			return 0;
		}
	}
	/* Transparent around the image: the plane shows the whole buffer. */
	pixman_image_composite32(PIXMAN_OP_CLEAR, fb->image, NULL, fb->image, 0, 0, 0, 0, 0, 0,
				 (int)head->planes.cursor_w, (int)head->planes.cursor_h);
	pixman_image_composite32(PIXMAN_OP_SRC, image, NULL, fb->image, 0, 0, 0, 0, 0, 0,
				 pixman_image_get_width(image), pixman_image_get_height(image));
	pixman_image_ref(image);
	if (head->cursor_image)
		pixman_image_unref(head->cursor_image);
	head->cursor_image = image;
	head->cursor_current = i;
	sw_debug("drm: output %s: cursor image %p (%dx%d) copied into cursor buffer %u",
		 head->output->name, (void *)image, pixman_image_get_width(image),
		 pixman_image_get_height(image), fb->fb_id);
	return fb->fb_id;
}

/* TEST_ONLY of the wanted planes over `primary_fb`, or over the next composited buffer. */
static int
assign_test(void *data, uint32_t primary_fb)
{
	struct drm_head *head = data;
	if (!primary_fb)
		primary_fb = head->fbs[head->front == 0 ? 1 : 0].fb_id;
	return commit_atomic_fb(head, primary_fb, NULL, false, true);
}

/*
 * Plane assignment (drm_planes.c): overlays for opaque windows with nothing
 * composited above them, the primary for a buffer that is the whole frame;
 * every new proposal is checked with TEST_ONLY.
 */
static void
drm_assign_planes(struct sw_backend *base, struct sw_output *output, struct sw_scene_list *list)
{
	struct drm_backend *drm = drm_from_backend(base);
	struct drm_head *head = output->backend_data;
	if (!drm->atomic) {
		if (!drm->legacy_noted)
			sw_info("drm: legacy KMS: client buffers are composited, "
				"never scanned out");
		drm->legacy_noted = true;
		return;
	}
	if (head->gone) {
		/* No candidates on a gone output. */
		sw_dmabuf_scanout_frame_end(output->server, &head->planes, ++head->planes.frame);
		drm_plane_set_clear(&head->planes);
		head->planes.cursor.want = (struct drm_plane_state){ 0 };
		head->cursor_scene.active = false;
		return;
	}
	struct drm_assign assign = {
		.data = head,
		.output_name = output->name,
		.crtc_bit = 1u << (head->crtc_index & 31),
		.scanout = assign_scanout,
		.cursor_fb = assign_cursor_fb,
		.test = assign_test,
		.compose_only = output->captures_waiting > 0,
	};
	drm_planes_assign(&head->planes, &assign, output, list);
	head->cursor_scene.active = head->planes.cursor_shown;
	if (head->planes.cursor_shown)
		output->shadow_partial = true;
	head->cursor_scene.box = (pixman_box32_t){ output->x, output->y, output->x + output->width,
						   output->y + output->height };
}

/*
 * Show the cursor plane's wanted state by itself, between frames. A flip in
 * flight (ours or a frame's) makes it wait for that flip's event.
 */
static void
cursor_commit(struct drm_head *head)
{
	struct drm_backend *drm = head->drm;
	const struct drm_plane_state *w = &head->planes.cursor.want;
	const struct drm_plane_state *shown = &head->planes.cursor.shown;
	head->cursor_dirty = false;
	if (!drm->session->active || head->gone || head->needs_modeset)
		return;
	/* A frame's commit may have carried it already. */
	if (w->fb_id == shown->fb_id && (!w->fb_id || (w->x == shown->x && w->y == shown->y)))
		return;
	if (head->pending >= 0) {
		head->cursor_dirty = true;
		return;
	}
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	if (!req)
		return;
	int ret = -ENOMEM;
	if (drm_plane_set_add_cursor(&head->planes, req, head->crtc_id)) {
		ret = drmModeAtomicCommit(drm->fd, req,
					  DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT, drm);
		if (ret != 0)
			ret = -errno;
	}
	drmModeAtomicFree(req);
	if (ret < 0) {
		/* The next frame's commit carries it (want differs from shown). */
		sw_debug("drm: output %s: moving the cursor plane: %s", head->output->name,
			 strerror(-ret));
		return;
	}
	head->planes.cursor.shown = *w;
	head->pending = DRM_CURSOR_ONLY;
	sw_debug("drm: output %s: cursor plane at %d,%d, nothing composited", head->output->name,
		 w->x, w->y);
}

static void
handle_cursor_idle(void *data)
{
	struct drm_head *head = data;
	head->cursor_idle = NULL;
	cursor_commit(head);
}

/* Scene -> head: the cursor it shows on its plane moved to (x, y) of the layout. */
static void
cursor_moved(struct sw_scene_cursor_plane *plane, int32_t x, int32_t y)
{
	struct drm_head *head = wl_container_of(plane, head, cursor_scene);
	struct drm_plane_state *w = &head->planes.cursor.want;
	if (!w->fb_id)
		return;
	if (w->x == x - head->output->x && w->y == y - head->output->y)
		return;
	w->x = x - head->output->x;
	w->y = y - head->output->y;
	if (w->x >= head->output->width || w->y >= head->output->height ||
	    w->x + (int32_t)w->w <= 0 || w->y + (int32_t)w->h <= 0) {
		/* Off this output: the plane goes off; coming back damages and repaints. */
		w->fb_id = 0;
		plane->active = false;
	}
	if (!head->cursor_idle)
		head->cursor_idle = wl_event_loop_add_idle(head->drm->base.server->loop,
							   handle_cursor_idle, head);
}

/* Returns 0 when a flip event will come, 1 when the frame is already on screen, or -errno. */
static int
commit_legacy(struct drm_head *head, struct drm_fb *fb, const pixman_region32_t *damage)
{
	struct drm_backend *drm = head->drm;
	/* Drivers that need to be told what changed (a shadow of their own) hear it here. */
	int n;
	const pixman_box32_t *boxes = pixman_region32_rectangles((pixman_region32_t *)damage, &n);
	if (n > 0 && n <= DRM_DAMAGE_CLIPS) {
		drmModeClip clips[DRM_DAMAGE_CLIPS];
		for (int i = 0; i < n; i++)
			clips[i] = (drmModeClip){ (uint16_t)boxes[i].x1, (uint16_t)boxes[i].y1,
						  (uint16_t)boxes[i].x2, (uint16_t)boxes[i].y2 };
		if (drmModeDirtyFB(drm->fd, fb->fb_id, clips, (uint32_t)n) != 0 &&
		    errno != ENOSYS && errno != EINVAL)
			sw_debug("drm: drmModeDirtyFB: %s", strerror(errno));
	}
	if (head->needs_modeset) {
		uint32_t conn = head->conn_id;
		if (drmModeSetCrtc(drm->fd, head->crtc_id, fb->fb_id, 0, 0, &conn, 1,
				   &head->mode) != 0)
			return -errno;
		legacy_stray_planes_off(head, fb);
		return 1;
	}
	if (drmModePageFlip(drm->fd, head->crtc_id, fb->fb_id, DRM_MODE_PAGE_FLIP_EVENT, drm) != 0)
		return -errno;
	return 0;
}

static void
handle_idle_state(void *data)
{
	struct drm_head *head = data;
	struct drm_backend *drm = head->drm;
	head->idle_state = NULL;
	if (!drm->session->active)
		return;
	if (!head->gone) {
		/* Back: set the mode again and repaint everything. */
		head->needs_modeset = true;
		head->front = -1;
		for (int i = 0; i < 2; i++)
			pixman_region32_union_rect(&head->fbs[i].damage, &head->fbs[i].damage, 0, 0,
						   head->mode.hdisplay, head->mode.vdisplay);
	}
	sw_output_set_enabled(head->output, !head->gone);
}

/* The connector went away (or came back): stop (or resume) presenting. */
static void
mark_gone(struct drm_head *head, bool gone)
{
	struct drm_backend *drm = head->drm;
	if (head->gone == gone)
		return;
	head->gone = gone;
	if (!head->idle_state)
		head->idle_state = wl_event_loop_add_idle(drm->base.server->loop,
							 handle_idle_state, head);
}

/* Errors that a later commit of the same frame can get past. */
static bool
commit_error_is_transient(int err)
{
	switch (err) {
	case EBUSY:    /* a nonblocking commit met one still in flight */
	case EINVAL:   /* the state raced with something (a hotplug, another CRTC) */
	case ENOSPC:   /* bandwidth or memory for the configuration, for now */
	case ENOMEM:
	case EAGAIN:
	case EINTR:
		return true;
	default:
		return false;
	}
}

/* Make the deferred damage the output's again: the next frame commits it. */
static void
flush_deferred(struct drm_head *head)
{
	struct drm_backend *drm = head->drm;
	if (!pixman_region32_not_empty(&head->deferred) || !drm->session->active || head->gone)
		return;
	sw_output_damage_region(head->output, &head->deferred);
	pixman_region32_clear(&head->deferred);
}

static int
handle_retry_timer(void *data)
{
	flush_deferred(data);
	return 0;
}

/* A commit failed for a reason that may pass: show the whole frame again soon. */
static void
schedule_retry(struct drm_head *head)
{
	pixman_region32_union_rect(&head->deferred, &head->deferred, 0, 0,
				   head->mode.hdisplay, head->mode.vdisplay);
	/* One frame period, doubling while it keeps failing, up to a second. */
	uint64_t ms = head->period_ns / 1000000u;
	for (unsigned i = 1; i < head->commit_failures && ms < 1000; i++)
		ms *= 2;
	ms = ms < 1 ? 1 : ms > 1000 ? 1000 : ms;
	wl_event_source_timer_update(head->retry_timer, (int)ms);
}

static bool
drm_commit(struct sw_backend *base, struct sw_output *output, pixman_image_t *shadow,
	   const pixman_region32_t *damage)
{
	struct drm_backend *drm = drm_from_backend(base);
	struct drm_head *head = output->backend_data;
	if (!drm->session->active || head->gone)
		return false;
	/* Every buffer is now that much behind the shadow. */
	for (int i = 0; i < 2; i++)
		pixman_region32_union(&head->fbs[i].damage, &head->fbs[i].damage,
				      (pixman_region32_t *)damage);
	if (head->pending >= 0) {
		/* The buffers keep the damage; the frame after the flip shows it. */
		sw_debug("drm: commit while a flip is pending: deferred to the next frame");
		pixman_region32_union(&head->deferred, &head->deferred, (pixman_region32_t *)damage);
		return false;
	}
	/* A client buffer that is the frame: nothing is copied, it is flipped to. */
	struct sw_buffer *client = sw_output_frame_buffer(output);
	struct drm_scanout *scanout = client && drm->atomic ? scanout_get(drm, client) : NULL;
	int back = head->front == 0 ? 1 : 0;
	struct drm_fb *fb = &head->fbs[back];
	uint32_t fb_id;
	if (scanout && scanout->fb_id) {
		back = DRM_CLIENT_FB;
		fb = NULL;
		fb_id = scanout->fb_id;
	} else {
		pixman_region32_t hidden;
		pixman_region32_init(&hidden);
		drm_plane_set_covered(&head->planes, &hidden);
		output->copied_bytes += fb_update(fb, shadow, &hidden);
		pixman_region32_fini(&hidden);
		fb_id = fb->fb_id;
	}

	const char *api = drm->atomic ? "atomic" : "legacy";
	/* A client's buffer is all new to the plane; the shadow's copy changed in `damage`. */
	const pixman_region32_t *clips = fb ? damage : NULL;
	int ret = drm->atomic ? commit_atomic_fb(head, fb_id, clips, true, false) :
		  commit_legacy(head, fb, damage);
	if (ret < 0 && drm->atomic && commit_error_is_transient(-ret)) {
		/* A blocking commit waits for whatever the nonblocking one ran into. */
		int first = ret;
		ret = commit_atomic_fb(head, fb_id, clips, false, false);
		sw_debug("drm: nonblocking atomic commit failed (%s); blocking one: %s",
			 strerror(-first), ret < 0 ? strerror(-ret) : "done");
	}
	if (ret < 0) {
		/* It was not shown: it must be copied again next time. */
		if (fb)
			pixman_region32_union_rect(&fb->damage, &fb->damage, 0, 0,
						   head->mode.hdisplay, head->mode.vdisplay);
		if (ret == -EACCES || ret == -EPERM) {
			/* The session is being taken away: the enable event will repaint. */
			sw_warn("drm: commit refused (%s): not DRM master", strerror(-ret));
		} else if (commit_error_is_transient(-ret)) {
			if (head->commit_failures++ == 0)
				sw_warn("drm: %s %s failed: %s; retrying with a full repaint "
					"(again quietly until one works)", api,
					head->needs_modeset ? "modeset" : "commit", strerror(-ret));
			schedule_retry(head);
		} else {
			sw_err("drm: %s commit failed: %s; no longer presenting on this output "
			       "until it is plugged in again", api, strerror(-ret));
			mark_gone(head, true);
		}
		return false;
	}
	if (head->commit_failures) {
		sw_info("drm: %s commit works again after %u failed attempt%s", api,
			head->commit_failures, head->commit_failures == 1 ? "" : "s");
		head->commit_failures = 0;
	}
	if (head->needs_modeset)
		sw_info("drm: %s modeset done", api);
	head->needs_modeset = false;
	head->pending = back;
	if (ret == 1)
		present_without_event(head);
	return true;
}

static void
output_frame(struct drm_head *head)
{
	struct drm_backend *drm = head->drm;
	if (drm->session->active && !head->gone)
		sw_output_frame(head->output);
}

static void
handle_idle_frame(void *data)
{
	struct drm_head *head = data;
	head->idle_frame = NULL;
	output_frame(head);
}

static int
handle_frame_timer(void *data)
{
	output_frame(data);
	return 0;
}

static void
drm_schedule_frame(struct sw_backend *base, struct sw_output *output)
{
	struct drm_backend *drm = drm_from_backend(base);
	struct drm_head *head = output->backend_data;
	if (!drm->session->active || head->gone)
		return;
	if (head->pending >= 0) {
		head->frame_requested = true;
		return;
	}
	if (!head->has_vblank && head->last_vblank_ns) {
		uint64_t next = head->last_vblank_ns + head->period_ns, now = now_ns();
		if (next > now) {
			/* Timers have millisecond resolution: round up, never early. */
			uint64_t ms = (next - now + 999999) / 1000000;
			wl_event_source_timer_update(head->frame_timer, (int)ms);
			return;
		}
	}
	if (!head->idle_frame)
		head->idle_frame = wl_event_loop_add_idle(base->server->loop, handle_idle_frame,
							 head);
}

/* --- VT switching --- */

static void check_connectors(struct drm_backend *drm);

static void
handle_session_lost(struct wl_listener *listener, void *data)
{
	struct drm_backend *drm = wl_container_of(listener, drm, session_lost);
	/* Without the seat there are no devices to draw on or read from. */
	sw_err("drm: the seat session is gone; exiting");
	sw_server_terminate(drm->base.server, 1);
}

static void
head_session_inactive(struct drm_head *head)
{
	head->frame_requested = false;
	head->cursor_dirty = false;
	head->cursor_scene.active = false;
	if (head->idle_frame) {
		wl_event_source_remove(head->idle_frame);
		head->idle_frame = NULL;
	}
	wl_event_source_timer_update(head->frame_timer, 0);
	wl_event_source_timer_update(head->retry_timer, 0);
	sw_output_set_enabled(head->output, false);
}

/* Someone else had the display: set our mode again and repaint everything. */
static void
head_session_active(struct drm_head *head)
{
	head->needs_modeset = true;
	head->front = -1;
	head->pending = -1;
	head->frame_requested = false;
	head->commit_failures = 0;
	/* Enabling the output repaints it all. */
	pixman_region32_clear(&head->deferred);
	for (int i = 0; i < 2; i++)
		pixman_region32_union_rect(&head->fbs[i].damage, &head->fbs[i].damage, 0, 0,
					   head->mode.hdisplay, head->mode.vdisplay);
}

static void
handle_session_active(struct wl_listener *listener, void *data)
{
	struct drm_backend *drm = wl_container_of(listener, drm, session_active);
	struct drm_head *head;
	if (!drm->session->active) {
		fatal_restore.armed = 0;
		wl_list_for_each(head, &drm->heads, link)
			head_session_inactive(head);
		return;
	}
	wl_list_for_each(head, &drm->heads, link)
		head_session_active(head);
	fatal_restore.armed = 1;
	/* Connectors may have come or gone while we were away. */
	check_connectors(drm);
	wl_list_for_each(head, &drm->heads, link) {
		if (!head->gone)
			sw_output_set_enabled(head->output, true);
	}
}

/* --- hotplug --- */

static void
head_destroy(struct drm_head *head)
{
	struct drm_backend *drm = head->drm;
	/*
	 * A flip in flight names the head's CRTC: let it land, so its event
	 * finds the head (an event for a CRTC without a head is dropped).
	 */
	for (int i = 0; i < 5 && head->pending >= 0 && !head->idle_present; i++) {
		struct pollfd pfd = { .fd = drm->fd, .events = POLLIN };
		if (poll(&pfd, 1, 50) > 0)
			handle_drm_readable(drm->fd, 0, drm);
	}
	fatal_restore_remove_head(head);
	/* First the output: its windows move away, which may still ask this head for a frame. */
	sw_output_destroy(head->output);
	head->output = NULL;
	if (head->idle_frame)
		wl_event_source_remove(head->idle_frame);
	if (head->cursor_idle)
		wl_event_source_remove(head->cursor_idle);
	if (head->idle_present)
		wl_event_source_remove(head->idle_present);
	if (head->idle_state)
		wl_event_source_remove(head->idle_state);
	if (head->retry_timer)
		wl_event_source_remove(head->retry_timer);
	if (head->frame_timer)
		wl_event_source_remove(head->frame_timer);
	if (!wl_list_empty(&head->link))
		drm->crtcs_used &= ~(1u << head->crtc_index);
	wl_list_remove(&head->link);
	for (int i = 0; i < 2; i++) {
		fb_destroy(drm, &head->fbs[i]);
		fb_destroy(drm, &head->cursor_fbs[i]);
	}
	sw_scene_remove_cursor_plane(&head->cursor_scene);
	if (head->cursor_image)
		pixman_image_unref(head->cursor_image);
	drm_plane_set_fini(&head->planes, &drm->planes_taken);
	if (head->mode_blob)
		drmModeDestroyPropertyBlob(drm->fd, head->mode_blob);
	drmModeFreeCrtc(head->saved_crtc);
	pixman_region32_fini(&head->deferred);
	free(head);
}

/*
 * Connectors came or went. A head whose connector is gone is removed (its
 * windows move to another output), unless it is the last one: that one
 * stays, dark, so that clients keep an output until it comes back. New
 * connectors with a free CRTC become heads.
 */
static void
check_connectors(struct drm_backend *drm)
{
	struct drm_head *head, *tmp;
	wl_list_for_each_safe(head, tmp, &drm->heads, link) {
		drmModeConnector *conn = drmModeGetConnector(drm->fd, head->conn_id);
		bool connected = conn && conn->connection == DRM_MODE_CONNECTED;
		drmModeFreeConnector(conn);
		if (connected == !head->gone)
			continue;
		if (connected) {
			sw_info("drm: connector %s is back", head->output->name);
		} else if (wl_list_length(&drm->heads) > 1) {
			sw_warn("drm: connector %s is gone: its output is removed",
				head->output->name);
			head_destroy(head);
			continue;
		} else {
			sw_warn("drm: connector %s is gone: no longer presenting",
				head->output->name);
		}
		mark_gone(head, !connected);
	}
	char why[256] = "";
	int made = scan_connectors(drm, why, sizeof(why));
	wl_list_for_each(head, &drm->heads, link) {
		/* A new head starts with its whole output damaged: ask for its first frame. */
		if (made > 0 && head->front < 0 && head->pending < 0 && !head->gone)
			sw_output_damage_whole(head->output);
	}
}

static int
handle_udev_readable(int fd, uint32_t mask, void *data)
{
	struct drm_backend *drm = data;
	struct udev_device *dev = udev_monitor_receive_device(drm->udev_monitor);
	if (!dev)
		return 0;
	const char *action = udev_device_get_action(dev);
	bool ours = udev_device_get_devnum(dev) == drm->base.drm_dev;
	sw_debug("drm: uevent %s on %s", action ? action : "?",
		 udev_device_get_sysname(dev));
	if (ours && action && strcmp(action, "change") == 0 && drm->session->active)
		check_connectors(drm);
	udev_device_unref(dev);
	return 0;
}

/* Optional: without it a vanished connector is noticed by its failing commits. */
static void
watch_hotplug(struct drm_backend *drm)
{
	drm->udev = udev_new();
	if (!drm->udev)
		goto err;
	/* With no udev daemon running, listen to the kernel's own events. */
	const char *source = access("/run/udev/control", F_OK) == 0 ? "udev" : "kernel";
	drm->udev_monitor = udev_monitor_new_from_netlink(drm->udev, source);
	if (!drm->udev_monitor)
		goto err_udev;
	if (udev_monitor_filter_add_match_subsystem_devtype(drm->udev_monitor, "drm", NULL) < 0 ||
	    udev_monitor_enable_receiving(drm->udev_monitor) < 0)
		goto err_monitor;
	drm->udev_source = wl_event_loop_add_fd(drm->base.server->loop,
						udev_monitor_get_fd(drm->udev_monitor),
						WL_EVENT_READABLE, handle_udev_readable, drm);
	if (!drm->udev_source)
		goto err_monitor;
	sw_debug("drm: watching %s events for hotplug", source);
	return;

err_monitor:
	udev_monitor_unref(drm->udev_monitor);
	drm->udev_monitor = NULL;
err_udev:
	udev_unref(drm->udev);
	drm->udev = NULL;
err:
	sw_warn("drm: cannot watch for connector hotplug");
}

static void
unwatch_hotplug(struct drm_backend *drm)
{
	if (drm->udev_source)
		wl_event_source_remove(drm->udev_source);
	udev_monitor_unref(drm->udev_monitor);
	udev_unref(drm->udev);
}

/* --- creation and destruction --- */

static void
restore_crtc(struct drm_head *head)
{
	struct drm_backend *drm = head->drm;
	/* Let a flip in flight land first, so the restore is not refused as busy. */
	for (int i = 0; i < 5 && head->pending >= 0 && !head->idle_present; i++) {
		struct pollfd pfd = { .fd = drm->fd, .events = POLLIN };
		if (poll(&pfd, 1, 50) > 0)
			handle_drm_readable(drm->fd, 0, drm);
	}
	drmModeCrtc *saved = head->saved_crtc;
	if (!saved)
		return;
	uint32_t conn = head->conn_id;
	int ret;
	if (saved->mode_valid)
		ret = drmModeSetCrtc(drm->fd, saved->crtc_id, saved->buffer_id, saved->x, saved->y,
				     &conn, 1, &saved->mode);
	else
		ret = drmModeSetCrtc(drm->fd, saved->crtc_id, 0, 0, 0, NULL, 0, NULL);
	if (ret != 0)
		sw_warn("drm: cannot restore CRTC %u: %s", saved->crtc_id, strerror(errno));
	else
		sw_info("drm: CRTC %u restored (framebuffer %u)", saved->crtc_id,
			saved->buffer_id);
}

static void
drm_destroy(struct sw_backend *base)
{
	struct drm_backend *drm = drm_from_backend(base);
	sw_input_destroy(drm->input);
	fatal_restore_remove();
	struct drm_head *head, *tmp;
	if (drm->session->active) {
		wl_list_for_each(head, &drm->heads, link)
			restore_crtc(head);
	}
	unwatch_hotplug(drm);
	wl_event_source_remove(drm->drm_source);
	wl_list_remove(&drm->session_active.link);
	wl_list_remove(&drm->session_lost.link);
	/* Right to left, so that no output moves while the others go. */
	wl_list_for_each_reverse_safe(head, tmp, &drm->heads, link)
		head_destroy(head);
	/* Buffers that outlive the backend keep no framebuffer of a closed device. */
	struct drm_scanout *s, *s_tmp;
	wl_list_for_each_safe(s, s_tmp, &drm->scanouts, link)
		scanout_destroy(s);
	sw_session_close_device(drm->session, drm->fd);
	sw_session_destroy(drm->session);
	free(drm);
}

static const struct sw_backend_impl drm_impl = {
	.name = "drm",
	.destroy = drm_destroy,
	.schedule_frame = drm_schedule_frame,
	.commit = drm_commit,
	.assign_planes = drm_assign_planes,
};

static bool
any_card_present(const char *device)
{
	if (device)
		return access(device, F_OK) == 0;
	for (int i = 0; i < DRM_MAX_CARDS; i++) {
		char path[32];
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

/*
 * Open `device`, or the first card that has something to show on, through
 * the session.
 */
static bool
open_card(struct drm_backend *drm, const char *device, char *why, size_t why_len)
{
	/* --drm-device or SEALWAY_DRM_DEVICE names the card where there are several. */
	const char *env = getenv("SEALWAY_DRM_DEVICE");
	if (!device && env && *env)
		device = env;
	snprintf(why, why_len, "no %s device could be opened", device ? device : "/dev/dri/card*");
	for (int i = 0; i < (device ? 1 : DRM_MAX_CARDS); i++) {
		char path[sizeof(drm->path)];
		if (device)
			snprintf(path, sizeof(path), "%s", device);
		else
			snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		if (access(path, F_OK) != 0) {
			if (device)
				snprintf(why, why_len, "%s: %s", path, strerror(errno));
			continue;
		}
		int fd = sw_session_open_device(drm->session, path);
		if (fd < 0) {
			snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
			continue;
		}
		uint64_t dumb = 0;
		if (drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &dumb) != 0 || !dumb) {
			snprintf(why, why_len, "%s has no dumb buffers (not a display?)", path);
			sw_session_close_device(drm->session, fd);
			continue;
		}
		drmModeRes *res = drmModeGetResources(fd);
		bool kms = res && res->count_crtcs > 0 && res->count_connectors > 0;
		drmModeFreeResources(res);
		if (!kms) {
			snprintf(why, why_len, "%s has no CRTC or connector", path);
			sw_session_close_device(drm->session, fd);
			continue;
		}
		snprintf(drm->path, sizeof(drm->path), "%s", path);
		drm->fd = fd;
		return true;
	}
	return false;
}

struct sw_backend *
sw_drm_backend_create(struct sw_server *server, char *why, size_t why_len)
{
	const char *kms = server->opts.kms ? server->opts.kms : "auto";
	if (strcmp(kms, "auto") != 0 && strcmp(kms, "atomic") != 0 &&
	    strcmp(kms, "legacy") != 0) {
		snprintf(why, why_len, "bad --kms '%s' (auto, atomic or legacy)", kms);
		return NULL;
	}
	struct drm_backend *drm = calloc(1, sizeof(*drm));
	if (!drm) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	drm->base.impl = &drm_impl;
	drm->base.server = server;
	drm->fd = -1;
	drm->format = sw_format_from_drm(DRM_FORMAT_XRGB8888);
	wl_list_init(&drm->heads);
	wl_list_init(&drm->scanouts);

	/* Without a card there is nothing to take the VT for: leave it alone. */
	if (!any_card_present(server->opts.drm_device)) {
		snprintf(why, why_len, "no %s device",
			 server->opts.drm_device ? server->opts.drm_device : "/dev/dri/card*");
		goto err_drm;
	}
	fatal_restore_save_vt();
	drm->session = sw_session_create(server->loop, why, why_len);
	if (!drm->session)
		goto err_drm;
	if (!open_card(drm, server->opts.drm_device, why, why_len))
		goto err_session;

	struct stat st;
	if (fstat(drm->fd, &st) == 0) {
		drm->base.has_drm_dev = true;
		drm->base.drm_dev = st.st_rdev;
	}
	drmVersion *version = drmGetVersion(drm->fd);
	if (version) {
		snprintf(drm->driver, sizeof(drm->driver), "%s", version->name);
		drmFreeVersion(version);
	}
	drm->base.fb_offsets_wrong = strcmp(drm->driver, "vkms") == 0;

	if (strcmp(kms, "legacy") != 0)
		drm->atomic = drmSetClientCap(drm->fd, DRM_CLIENT_CAP_ATOMIC, 1) == 0;
	if (!drm->atomic && strcmp(kms, "atomic") == 0) {
		snprintf(why, why_len, "%s does not offer atomic modesetting", drm->path);
		goto err_card;
	}
	/* Planes are only needed (and only listed) for atomic; ATOMIC implies it. */
	uint64_t cap = 0;
	drm->monotonic = drmGetCap(drm->fd, DRM_CAP_TIMESTAMP_MONOTONIC, &cap) == 0 && cap;
	/* The heads' page flips arrive here from the start. */
	drm->drm_source = wl_event_loop_add_fd(server->loop, drm->fd, WL_EVENT_READABLE,
					       handle_drm_readable, drm);
	if (!drm->drm_source) {
		snprintf(why, why_len, "cannot watch the DRM fd");
		goto err_card;
	}
	if (scan_connectors(drm, why, why_len) <= 0)
		goto err_heads;
	/* The first head may have fallen back when planes lack properties. */
	if (!drm->atomic && strcmp(kms, "atomic") == 0) {
		snprintf(why, why_len, "%s: atomic modesetting unusable", drm->path);
		goto err_heads;
	}
	struct drm_head *head;
	wl_list_for_each(head, &drm->heads, link) {
		sw_info("drm: %s: using %s modesetting (%s), %s", head->output->name,
			drm->atomic ? "atomic" : "legacy", kms,
			!head->has_vblank ? "no vblank interrupt: frames paced by a timer" :
			drm->monotonic ? "vblank timestamps on CLOCK_MONOTONIC" :
			"vblank timestamps not on CLOCK_MONOTONIC");
	}

	drm->session_active.notify = handle_session_active;
	wl_signal_add(&drm->session->active_changed, &drm->session_active);
	drm->session_lost.notify = handle_session_lost;
	wl_signal_add(&drm->session->lost, &drm->session_lost);

	watch_hotplug(drm);
	/* Input is optional: a VT with no keyboard still shows clients. */
	drm->input = sw_input_create(server, drm->session);
	if (!drm->input)
		sw_warn("drm: running without input devices");

	fatal_restore_install(drm);
	return &drm->base;

err_heads:;
	struct drm_head *tmp;
	wl_list_for_each_reverse_safe(head, tmp, &drm->heads, link)
		head_destroy(head);
	wl_event_source_remove(drm->drm_source);
err_card:
	sw_session_close_device(drm->session, drm->fd);
err_session:
	sw_session_destroy(drm->session);
err_drm:
	free(drm);
	return NULL;
}
