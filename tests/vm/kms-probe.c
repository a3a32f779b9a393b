/*
 * kms-probe: a guest-side check of the VM's display path that needs no
 * compositor. It lights up the first connected connector with a dumb buffer
 * of one solid colour using legacy KMS (drmModeSetCrtc), reports what it did
 * on stdout and keeps the picture until SIGTERM/SIGINT or --hold expires.
 * With --planes it first lists every plane (universal planes: primary and
 * cursor ones too) with its type and what it shows.
 *
 * Usage: kms-probe [--device PATH] [--mode WxH] [--color RRGGBB] [--hold SECONDS]
 *                  [--planes]
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "log.h"

static volatile sig_atomic_t running = 1;

static void
on_signal(int sig)
{
	running = 0;
}

struct probe_options {
	const char *device;
	int width, height;	/* 0: the connector's preferred mode */
	uint32_t color;
	int hold_s;
	int planes;
};

static int
parse_options(int argc, char **argv, struct probe_options *opt)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "color", required_argument, NULL, 'c' },
		{ "hold", required_argument, NULL, 'h' },
		{ "planes", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	opt->device = "/dev/dri/card0";
	opt->width = 0;
	opt->height = 0;
	opt->color = 0x3366cc;
	opt->hold_s = 3600;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opt->device = optarg;
			break;
		case 'm':
			if (sscanf(optarg, "%dx%d", &opt->width, &opt->height) != 2 ||
			    opt->width <= 0 || opt->height <= 0) {
				sw_err("bad --mode '%s', want WxH", optarg);
				return -1;
			}
			break;
		case 'c':
			errno = 0;
			opt->color = strtoul(optarg, &end, 16);
			if (errno || *end || end == optarg || opt->color > 0xffffff) {
				sw_err("bad --color '%s', want RRGGBB", optarg);
				return -1;
			}
			break;
		case 'h':
			opt->hold_s = atoi(optarg);
			break;
		case 'p':
			opt->planes = 1;
			break;
		default:
			sw_err("usage: kms-probe [--device PATH] [--mode WxH] "
			       "[--color RRGGBB] [--hold SECONDS]");
			return -1;
		}
	}
	return 0;
}

static const char *
plane_type(int fd, uint32_t plane_id)
{
	drmModeObjectProperties *props =
		drmModeObjectGetProperties(fd, plane_id, DRM_MODE_OBJECT_PLANE);
	const char *type = "?";
	for (uint32_t i = 0; props && i < props->count_props; i++) {
		drmModePropertyRes *prop = drmModeGetProperty(fd, props->props[i]);
		if (prop && strcmp(prop->name, "type") == 0) {
			uint64_t v = props->prop_values[i];
			type = v == DRM_PLANE_TYPE_PRIMARY ? "primary" :
			       v == DRM_PLANE_TYPE_CURSOR ? "cursor" :
			       v == DRM_PLANE_TYPE_OVERLAY ? "overlay" : "?";
		}
		drmModeFreeProperty(prop);
	}
	drmModeFreeObjectProperties(props);
	return type;
}

static void
list_planes(int fd)
{
	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	drmModePlaneRes *res = drmModeGetPlaneResources(fd);
	if (!res) {
		sw_err("drmModeGetPlaneResources: %s", strerror(errno));
		return;
	}
	printf("kms-probe: %u plane(s)\n", res->count_planes);
	for (uint32_t i = 0; i < res->count_planes; i++) {
		drmModePlane *p = drmModeGetPlane(fd, res->planes[i]);
		if (!p)
			continue;
		printf("kms-probe: plane %u type=%s crtc=%u fb=%u possible_crtcs=0x%x\n",
		       p->plane_id, plane_type(fd, p->plane_id), p->crtc_id, p->fb_id,
		       p->possible_crtcs);
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(res);
	fflush(stdout);
}

static drmModeConnector *
find_connector(int fd, drmModeRes *res)
{
	drmModeConnector *conn;
	int i;

	for (i = 0; i < res->count_connectors; i++) {
		conn = drmModeGetConnector(fd, res->connectors[i]);
		if (!conn)
			continue;
		if (conn->connection == DRM_MODE_CONNECTED && conn->count_modes > 0)
			return conn;
		drmModeFreeConnector(conn);
	}
	return NULL;
}

static drmModeModeInfo *
pick_mode(drmModeConnector *conn, int width, int height)
{
	int i;

	for (i = 0; i < conn->count_modes; i++) {
		drmModeModeInfo *m = &conn->modes[i];

		if (width == 0 && (m->type & DRM_MODE_TYPE_PREFERRED))
			return m;
		if (m->hdisplay == width && m->vdisplay == height)
			return m;
	}
	return width == 0 ? &conn->modes[0] : NULL;
}

/* Any CRTC the connector's encoders can drive. */
static uint32_t
pick_crtc(int fd, drmModeRes *res, drmModeConnector *conn)
{
	drmModeEncoder *enc;
	uint32_t crtc = 0;
	int i, j;

	for (i = 0; i < conn->count_encoders && !crtc; i++) {
		enc = drmModeGetEncoder(fd, conn->encoders[i]);
		if (!enc)
			continue;
		for (j = 0; j < res->count_crtcs; j++) {
			if (enc->possible_crtcs & (1u << j)) {
				crtc = res->crtcs[j];
				break;
			}
		}
		drmModeFreeEncoder(enc);
	}
	return crtc;
}

int
main(int argc, char **argv)
{
	struct probe_options opt;
	struct drm_mode_create_dumb create = { 0 };
	struct drm_mode_map_dumb map = { 0 };
	struct drm_mode_destroy_dumb destroy = { 0 };
	struct sigaction sa = { 0 };
	struct timespec deadline, now;
	drmVersion *ver;
	drmModeRes *res;
	drmModeConnector *conn;
	drmModeModeInfo *mode;
	uint32_t crtc, fb_id, handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	uint32_t *pixels;
	uint64_t i;
	int fd, ret = EXIT_FAILURE;

	sw_log_set_tag("kms-probe");
	if (parse_options(argc, argv, &opt) < 0)
		return EXIT_FAILURE;

	sa.sa_handler = on_signal;
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0) {
		sw_err("sigaction: %s", strerror(errno));
		return EXIT_FAILURE;
	}

	fd = open(opt.device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		sw_err("cannot open %s: %s", opt.device, strerror(errno));
		return EXIT_FAILURE;
	}

	if (opt.planes)
		list_planes(fd);
	ver = drmGetVersion(fd);
	res = drmModeGetResources(fd);
	if (!ver || !res) {
		sw_err("%s is not a KMS device: %s", opt.device, strerror(errno));
		goto out_res;
	}
	conn = find_connector(fd, res);
	if (!conn) {
		sw_err("no connected connector with modes");
		goto out_res;
	}
	mode = pick_mode(conn, opt.width, opt.height);
	crtc = pick_crtc(fd, res, conn);
	if (!mode || !crtc) {
		sw_err("no %s for connector %u",
		       mode ? "CRTC" : "matching mode", conn->connector_id);
		goto out_conn;
	}

	create.width = mode->hdisplay;
	create.height = mode->vdisplay;
	create.bpp = 32;
	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) < 0) {
		sw_err("CREATE_DUMB: %s", strerror(errno));
		goto out_conn;
	}
	map.handle = create.handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) < 0) {
		sw_err("MAP_DUMB: %s", strerror(errno));
		goto out_dumb;
	}
	pixels = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, map.offset);
	if (pixels == MAP_FAILED) {
		sw_err("mmap dumb buffer: %s", strerror(errno));
		goto out_dumb;
	}
	for (i = 0; i < create.size / 4; i++)
		pixels[i] = 0xff000000u | opt.color;
	munmap(pixels, create.size);

	handles[0] = create.handle;
	pitches[0] = create.pitch;
	if (drmModeAddFB2(fd, create.width, create.height, DRM_FORMAT_XRGB8888,
			  handles, pitches, offsets, &fb_id, 0) < 0) {
		sw_err("AddFB2: %s", strerror(errno));
		goto out_dumb;
	}
	if (drmModeSetCrtc(fd, crtc, fb_id, 0, 0, &conn->connector_id, 1, mode) < 0) {
		sw_err("SetCrtc: %s", strerror(errno));
		goto out_fb;
	}

	printf("kms-probe: driver=%s connector=%u mode=%dx%d@%u crtc=%u color=%06x\n",
	       ver->name, conn->connector_id, mode->hdisplay, mode->vdisplay,
	       mode->vrefresh, crtc, opt.color);
	fflush(stdout);

	if (clock_gettime(CLOCK_MONOTONIC, &deadline) < 0) {
		sw_err("clock_gettime: %s", strerror(errno));
		goto out_fb;
	}
	deadline.tv_sec += opt.hold_s;
	while (running) {
		if (clock_gettime(CLOCK_MONOTONIC, &now) < 0 || now.tv_sec >= deadline.tv_sec)
			break;
		/* Interrupted by the signal handler, which clears running. */
		usleep(100000);
	}
	ret = EXIT_SUCCESS;

out_fb:
	drmModeRmFB(fd, fb_id);
out_dumb:
	destroy.handle = create.handle;
	drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
out_conn:
	drmModeFreeConnector(conn);
out_res:
	if (res)
		drmModeFreeResources(res);
	if (ver)
		drmFreeVersion(ver);
	close(fd);
	return ret;
}
