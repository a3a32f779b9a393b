/*
 * vkms-probe: guest-side checks of the vkms display (the VM rig's KMS driver
 * that imports dma-bufs, has a real vblank and a CRC of every composed
 * frame). Needs no compositor; the card is found by its driver name.
 *
 *   vkms-probe info
 *	caps, client caps, connectors and every plane with its type and the
 *	formats of its IN_FORMATS property.
 *   vkms-probe show [--buffers dumb|udmabuf] [--mode WxH] [--color RRGGBB]
 *		     [--rect X,Y,W,H,RRGGBB]... [--overlay X,Y,W,H,RRGGBB]
 *		     [--poke X,Y,RRGGBB]
 *	one atomic modeset: the primary plane shows a full-screen buffer of
 *	--color with the --rects painted in; --overlay puts a buffer of that
 *	size and colour on an overlay plane. udmabuf buffers come from a
 *	sealed memfd (F_SEAL_SHRINK) and are imported with drmPrimeFDToHandle;
 *	each commit is checked with TEST_ONLY first. On SIGUSR1 the --poke
 *	pixel is written into the primary buffer's memory, with no commit.
 *	Holds the picture until SIGTERM.
 *   vkms-probe crc [--skip N]
 *	the CRC of the current frame: turns the CRTC's `auto` CRC on, reads
 *	crc/data without blocking and prints the first CRC of a frame at
 *	least N (default 3) vblanks after the current one, so it shows the
 *	state of the last commit.
 *   vkms-probe pacing [--mode WxH] [--flips N]
 *	N page flips, each queued on the previous one's event; prints the
 *	median interval of the event timestamps and the sequence steps.
 *
 * Common option: --device PATH (default: the card whose driver is vkms).
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/udmabuf.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "log.h"

#define MAX_RECTS 16

static volatile sig_atomic_t running = 1;
static volatile sig_atomic_t poke_requested;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		poke_requested = 1;
	else
		running = 0;
}

struct rect {
	int x, y, w, h;
	uint32_t color;
};

struct options {
	const char *device;
	int width, height;
	uint32_t color;
	bool udmabuf;
	struct rect rects[MAX_RECTS];
	int n_rects;
	bool overlay;
	struct rect overlay_rect;
	bool poke;
	struct rect poke_at;
	int skip;
	int flips;
};

struct buffer {
	int width, height;
	uint32_t pitch, handle, fb_id;
	size_t size;
	uint32_t *pixels;
	int memfd;	/* udmabuf only */
	bool dumb;
};

struct kms {
	int fd;
	uint32_t crtc_id, crtc_index, conn_id, primary_id, overlay_id;
	drmModeModeInfo mode;
};

static int
open_vkms(const char *device)
{
	if (device) {
		int fd = open(device, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			sw_err("cannot open %s: %s", device, strerror(errno));
		return fd;
	}
	for (int i = 0; i < 16; i++) {
		char path[32];
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		drmVersion *v = drmGetVersion(fd);
		bool found = v && strcmp(v->name, "vkms") == 0;
		drmFreeVersion(v);
		if (found)
			return fd;
		close(fd);
	}
	sw_err("no /dev/dri/card* is driven by vkms");
	return -1;
}

static uint32_t
prop_id(int fd, uint32_t obj, uint32_t type, const char *name, uint64_t *value)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(fd, obj, type);
	uint32_t id = 0;
	for (uint32_t i = 0; props && i < props->count_props && !id; i++) {
		drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);
		if (p && strcmp(p->name, name) == 0) {
			id = p->prop_id;
			if (value)
				*value = props->prop_values[i];
		}
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return id;
}

static const char *
plane_type_name(uint64_t type)
{
	return type == DRM_PLANE_TYPE_PRIMARY ? "primary" :
	       type == DRM_PLANE_TYPE_CURSOR ? "cursor" :
	       type == DRM_PLANE_TYPE_OVERLAY ? "overlay" : "?";
}

/* The connected Virtual connector, its CRTC, mode and planes. */
static int
kms_setup(struct kms *k, int width, int height)
{
	drmModeRes *res = drmModeGetResources(k->fd);
	drmModePlaneRes *pres = drmModeGetPlaneResources(k->fd);
	int ret = -1;
	if (!res || !pres) {
		sw_err("not a KMS device: %s", strerror(errno));
		goto out;
	}
	for (int i = 0; i < res->count_connectors && !k->conn_id; i++) {
		drmModeConnector *c = drmModeGetConnector(k->fd, res->connectors[i]);
		if (c && c->connector_type != DRM_MODE_CONNECTOR_WRITEBACK &&
		    c->connection == DRM_MODE_CONNECTED) {
			for (int m = 0; m < c->count_modes; m++) {
				if (c->modes[m].hdisplay == width && c->modes[m].vdisplay == height) {
					k->mode = c->modes[m];
					k->conn_id = c->connector_id;
					break;
				}
			}
		}
		drmModeFreeConnector(c);
	}
	if (!k->conn_id) {
		sw_err("no connected connector with a %dx%d mode", width, height);
		goto out;
	}
	/* vkms has one CRTC, which every plane can use. */
	k->crtc_index = 0;
	k->crtc_id = res->crtcs[0];
	for (uint32_t i = 0; i < pres->count_planes; i++) {
		uint64_t type = 0;
		drmModePlane *p = drmModeGetPlane(k->fd, pres->planes[i]);
		if (!p)
			continue;
		if (p->possible_crtcs & (1u << k->crtc_index) &&
		    prop_id(k->fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "type", &type)) {
			if (type == DRM_PLANE_TYPE_PRIMARY && !k->primary_id)
				k->primary_id = p->plane_id;
			if (type == DRM_PLANE_TYPE_OVERLAY && !k->overlay_id)
				k->overlay_id = p->plane_id;
		}
		drmModeFreePlane(p);
	}
	ret = k->primary_id ? 0 : -1;
	if (ret)
		sw_err("no primary plane");
out:
	drmModeFreePlaneResources(pres);
	drmModeFreeResources(res);
	return ret;
}

static void
fill(struct buffer *b, const struct rect *r)
{
	for (int y = r->y; y < r->y + r->h && y < b->height; y++)
		for (int x = r->x; x < r->x + r->w && x < b->width; x++)
			b->pixels[y * (b->pitch / 4) + x] = 0xff000000u | r->color;
}

static int
buffer_create(int fd, struct buffer *b, int width, int height, bool udmabuf)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	b->width = width;
	b->height = height;
	b->memfd = -1;
	if (udmabuf) {
		long page = sysconf(_SC_PAGESIZE);
		b->pitch = width * 4;
		b->size = ((size_t)b->pitch * height + page - 1) / page * page;
		b->memfd = memfd_create("vkms-probe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (b->memfd < 0 || ftruncate(b->memfd, b->size) < 0 ||
		    fcntl(b->memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
			sw_err("sealed memfd of %zu bytes: %s", b->size, strerror(errno));
			return -1;
		}
		b->pixels = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, b->memfd, 0);
		if (b->pixels == MAP_FAILED) {
			sw_err("mmap memfd: %s", strerror(errno));
			return -1;
		}
		int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
		if (dev < 0) {
			sw_err("/dev/udmabuf: %s", strerror(errno));
			return -1;
		}
		struct udmabuf_create create = {
			.memfd = b->memfd, .flags = UDMABUF_FLAGS_CLOEXEC, .offset = 0,
			.size = b->size,
		};
		int dmabuf = ioctl(dev, UDMABUF_CREATE, &create);
		close(dev);
		if (dmabuf < 0) {
			sw_err("UDMABUF_CREATE: %s", strerror(errno));
			return -1;
		}
		int r = drmPrimeFDToHandle(fd, dmabuf, &b->handle);
		close(dmabuf);
		if (r < 0) {
			sw_err("drmPrimeFDToHandle of a udmabuf: %s", strerror(errno));
			return -1;
		}
	} else {
		struct drm_mode_create_dumb create = { .width = width, .height = height, .bpp = 32 };
		struct drm_mode_map_dumb map = { 0 };
		if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) < 0) {
			sw_err("CREATE_DUMB: %s", strerror(errno));
			return -1;
		}
		b->dumb = true;
		b->handle = create.handle;
		b->pitch = create.pitch;
		b->size = create.size;
		map.handle = create.handle;
		if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) < 0) {
			sw_err("MAP_DUMB: %s", strerror(errno));
			return -1;
		}
		b->pixels = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, map.offset);
		if (b->pixels == MAP_FAILED) {
			sw_err("mmap dumb buffer: %s", strerror(errno));
			return -1;
		}
	}
	handles[0] = b->handle;
	pitches[0] = b->pitch;
	if (drmModeAddFB2(fd, width, height, DRM_FORMAT_XRGB8888, handles, pitches, offsets,
			  &b->fb_id, 0) < 0) {
		sw_err("AddFB2 %dx%d pitch %u: %s", width, height, b->pitch, strerror(errno));
		return -1;
	}
	return 0;
}

static void
buffer_destroy(int fd, struct buffer *b)
{
	if (b->fb_id)
		drmModeRmFB(fd, b->fb_id);
	if (b->pixels && b->pixels != MAP_FAILED)
		munmap(b->pixels, b->size);
	if (b->dumb) {
		struct drm_mode_destroy_dumb destroy = { .handle = b->handle };
		drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	} else if (b->handle) {
		drmCloseBufferHandle(fd, b->handle);
	}
	if (b->memfd >= 0)
		close(b->memfd);
}

static bool
plane_props(int fd, drmModeAtomicReq *req, uint32_t plane, uint32_t crtc, uint32_t fb,
	    const struct rect *r)
{
	const struct { const char *name; uint64_t v; } p[] = {
		{ "FB_ID", fb }, { "CRTC_ID", crtc },
		{ "SRC_X", 0 }, { "SRC_Y", 0 },
		{ "SRC_W", (uint64_t)r->w << 16 }, { "SRC_H", (uint64_t)r->h << 16 },
		{ "CRTC_X", r->x }, { "CRTC_Y", r->y }, { "CRTC_W", r->w }, { "CRTC_H", r->h },
	};
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		uint32_t id = prop_id(fd, plane, DRM_MODE_OBJECT_PLANE, p[i].name, NULL);
		if (!id || drmModeAtomicAddProperty(req, plane, id, p[i].v) < 0) {
			sw_err("plane %u has no %s", plane, p[i].name);
			return false;
		}
	}
	return true;
}

/* TEST_ONLY, then the real commit, of what req holds. */
static int
commit(struct kms *k, drmModeAtomicReq *req, uint32_t flags, void *data, const char *what)
{
	if (drmModeAtomicCommit(k->fd, req, flags | DRM_MODE_ATOMIC_TEST_ONLY, NULL) < 0) {
		sw_err("TEST_ONLY commit of %s: %s", what, strerror(errno));
		return -1;
	}
	if (drmModeAtomicCommit(k->fd, req, flags, data) < 0) {
		sw_err("commit of %s: %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

static drmModeAtomicReq *
modeset_req(struct kms *k, uint32_t *blob)
{
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	if (drmModeCreatePropertyBlob(k->fd, &k->mode, sizeof(k->mode), blob) < 0) {
		sw_err("mode blob: %s", strerror(errno));
		return NULL;
	}
	drmModeAtomicAddProperty(req, k->conn_id,
				 prop_id(k->fd, k->conn_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID",
					 NULL), k->crtc_id);
	drmModeAtomicAddProperty(req, k->crtc_id,
				 prop_id(k->fd, k->crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID", NULL),
				 *blob);
	drmModeAtomicAddProperty(req, k->crtc_id,
				 prop_id(k->fd, k->crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE", NULL),
				 1);
	return req;
}

static int
cmd_info(int fd)
{
	static const struct { const char *name; uint64_t cap; } caps[] = {
		{ "DUMB_BUFFER", DRM_CAP_DUMB_BUFFER }, { "PRIME", DRM_CAP_PRIME },
		{ "TIMESTAMP_MONOTONIC", DRM_CAP_TIMESTAMP_MONOTONIC },
		{ "CRTC_IN_VBLANK_EVENT", DRM_CAP_CRTC_IN_VBLANK_EVENT },
		{ "ADDFB2_MODIFIERS", DRM_CAP_ADDFB2_MODIFIERS },
		{ "ASYNC_PAGE_FLIP", DRM_CAP_ASYNC_PAGE_FLIP },
	};
	static const struct { const char *name; uint64_t cap; } client_caps[] = {
		{ "UNIVERSAL_PLANES", DRM_CLIENT_CAP_UNIVERSAL_PLANES },
		{ "ATOMIC", DRM_CLIENT_CAP_ATOMIC },
		{ "WRITEBACK_CONNECTORS", DRM_CLIENT_CAP_WRITEBACK_CONNECTORS },
	};
	drmVersion *v = drmGetVersion(fd);
	printf("vkms-probe: driver=%s\n", v ? v->name : "?");
	drmFreeVersion(v);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		uint64_t val = 0;
		int r = drmGetCap(fd, caps[i].cap, &val);
		printf("vkms-probe: cap %s=%llu\n", caps[i].name, r ? 0ULL : (unsigned long long)val);
	}
	for (size_t i = 0; i < sizeof(client_caps) / sizeof(client_caps[0]); i++)
		printf("vkms-probe: client-cap %s=%s\n", client_caps[i].name,
		       drmSetClientCap(fd, client_caps[i].cap, 1) == 0 ? "yes" : "no");

	drmModeRes *res = drmModeGetResources(fd);
	for (int i = 0; res && i < res->count_connectors; i++) {
		drmModeConnector *c = drmModeGetConnector(fd, res->connectors[i]);
		if (!c)
			continue;
		printf("vkms-probe: connector %s-%u %s modes=%d\n",
		       drmModeGetConnectorTypeName(c->connector_type) ?: "?",
		       c->connector_type_id,
		       c->connection == DRM_MODE_CONNECTED ? "connected" : "disconnected",
		       c->count_modes);
		drmModeFreeConnector(c);
	}
	printf("vkms-probe: crtcs=%d\n", res ? res->count_crtcs : 0);
	drmModeFreeResources(res);

	drmModePlaneRes *pres = drmModeGetPlaneResources(fd);
	for (uint32_t i = 0; pres && i < pres->count_planes; i++) {
		uint64_t type = 0, blob_id = 0;
		uint32_t id = pres->planes[i];
		prop_id(fd, id, DRM_MODE_OBJECT_PLANE, "type", &type);
		printf("vkms-probe: plane %u type=%s in_formats=", id, plane_type_name(type));
		drmModePropertyBlobRes *blob = NULL;
		if (prop_id(fd, id, DRM_MODE_OBJECT_PLANE, "IN_FORMATS", &blob_id))
			blob = drmModeGetPropertyBlob(fd, blob_id);
		if (!blob) {
			printf("none\n");
			continue;
		}
		drmModeFormatModifierIterator iter = { 0 };
		const char *sep = "";
		while (drmModeFormatModifierBlobIterNext(blob, &iter)) {
			char *name = drmGetFormatName(iter.fmt);
			printf("%s%s:%s", sep, name ? name : "?",
			       iter.mod == DRM_FORMAT_MOD_LINEAR ? "linear" : "other");
			free(name);
			sep = ",";
		}
		printf("\n");
		drmModeFreePropertyBlob(blob);
	}
	drmModeFreePlaneResources(pres);
	return 0;
}

static int
cmd_show(int fd, const struct options *opt)
{
	struct kms k = { .fd = fd };
	struct buffer primary = { 0 }, overlay = { 0 };
	uint32_t blob = 0;
	drmModeAtomicReq *req = NULL;
	int ret = -1;

	if (drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) < 0 ||
	    drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1) < 0) {
		sw_err("no atomic KMS: %s", strerror(errno));
		return -1;
	}
	if (kms_setup(&k, opt->width, opt->height) < 0)
		return -1;
	if (buffer_create(fd, &primary, opt->width, opt->height, opt->udmabuf) < 0)
		goto out;
	struct rect all = { 0, 0, opt->width, opt->height, opt->color };
	fill(&primary, &all);
	for (int i = 0; i < opt->n_rects; i++)
		fill(&primary, &opt->rects[i]);
	req = modeset_req(&k, &blob);
	if (!req || !plane_props(fd, req, k.primary_id, k.crtc_id, primary.fb_id, &all))
		goto out;
	if (opt->overlay) {
		struct rect whole = opt->overlay_rect;
		if (!k.overlay_id) {
			sw_err("no overlay plane (enable_overlay=1?)");
			goto out;
		}
		if (buffer_create(fd, &overlay, whole.w, whole.h, opt->udmabuf) < 0)
			goto out;
		whole.x = whole.y = 0;
		fill(&overlay, &whole);
		if (!plane_props(fd, req, k.overlay_id, k.crtc_id, overlay.fb_id,
				 &opt->overlay_rect))
			goto out;
	}
	if (commit(&k, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL, "the picture") < 0)
		goto out;
	printf("vkms-probe: shown buffers=%s mode=%dx%d primary=%u overlay=%u color=%06x\n",
	       opt->udmabuf ? "udmabuf" : "dumb", opt->width, opt->height, k.primary_id,
	       opt->overlay ? k.overlay_id : 0, opt->color);
	fflush(stdout);
	while (running) {
		if (poke_requested && opt->poke) {
			poke_requested = 0;
			/* Only the memory changes: the display must read it live. */
			primary.pixels[opt->poke_at.y * (primary.pitch / 4) + opt->poke_at.x] =
				0xff000000u | opt->poke_at.color;
			printf("vkms-probe: poked %d,%d=%06x\n", opt->poke_at.x, opt->poke_at.y,
			       opt->poke_at.color);
			fflush(stdout);
		}
		usleep(20000);
	}
	ret = 0;
out:
	drmModeAtomicFree(req);
	buffer_destroy(fd, &overlay);
	buffer_destroy(fd, &primary);
	if (blob)
		drmModeDestroyPropertyBlob(fd, blob);
	return ret;
}

/* The debugfs folder of fd's card: dri/<minor>. */
static int
debugfs_dir(int fd, char *out, size_t len)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		sw_err("fstat: %s", strerror(errno));
		return -1;
	}
	snprintf(out, len, "/sys/kernel/debug/dri/%u", minor(st.st_rdev));
	return 0;
}

static int
cmd_crc(int fd, const struct options *opt)
{
	char dir[64], path[128], line[128];
	if (debugfs_dir(fd, dir, sizeof(dir)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/crtc-0/crc/control", dir);
	int ctl = open(path, O_WRONLY | O_CLOEXEC);
	if (ctl < 0 || write(ctl, "auto", 4) != 4) {
		sw_err("%s: %s", path, strerror(errno));
		if (ctl >= 0)
			close(ctl);
		return -1;
	}
	close(ctl);
	snprintf(path, sizeof(path), "%s/crtc-0/crc/data", dir);
	/* Opening it starts the capture; closing it stops vkms composing. */
	int data = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (data < 0) {
		sw_err("%s: %s (is the CRTC on?)", path, strerror(errno));
		return -1;
	}
	drmVBlank vbl = { .request = { .type = DRM_VBLANK_RELATIVE, .sequence = 0 } };
	if (drmWaitVBlank(fd, &vbl) < 0) {
		sw_err("drmWaitVBlank: %s", strerror(errno));
		close(data);
		return -1;
	}
	uint64_t target = (uint64_t)vbl.reply.sequence + opt->skip;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int ret = -1;
	for (;;) {
		struct pollfd pfd = { .fd = data, .events = POLLIN };
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 20) {
			sw_err("no CRC of frame %llu or later after 20 s",
			       (unsigned long long)target);
			break;
		}
		if (poll(&pfd, 1, 500) < 0 && errno != EINTR) {
			sw_err("poll %s: %s", path, strerror(errno));
			break;
		}
		/* Each read gives one whole entry: "0xFRAME 0xCRC\n" and a NUL. */
		ssize_t n = read(data, line, sizeof(line) - 1);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			sw_err("read %s: %s", path, strerror(errno));
			break;
		}
		if (n <= 0)
			continue;
		line[n] = '\0';
		unsigned long long frame, crc;
		if (sscanf(line, "%llx %llx", &frame, &crc) == 2 && frame >= target) {
			printf("vkms-probe: crc frame=%llu crc=0x%08llx\n", frame, crc);
			ret = 0;
			break;
		}
	}
	close(data);
	return ret;
}

struct flip_log {
	int n, want;
	double *stamps;
	unsigned *seqs;
};

static void
on_flip(int fd, unsigned seq, unsigned sec, unsigned usec, unsigned crtc, void *data)
{
	struct flip_log *log = data;
	if (log->n < log->want) {
		log->stamps[log->n] = sec * 1e6 + usec;
		log->seqs[log->n] = seq;
		log->n++;
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int
cmd_pacing(int fd, const struct options *opt)
{
	struct kms k = { .fd = fd };
	struct buffer b[2] = { 0 };
	struct flip_log fl = { .want = opt->flips };
	uint32_t blob = 0;
	int ret = -1;
	drmModeAtomicReq *req = NULL;

	fl.stamps = calloc(opt->flips, sizeof(*fl.stamps));
	fl.seqs = calloc(opt->flips, sizeof(*fl.seqs));
	if (!fl.stamps || !fl.seqs)
		goto out;
	if (drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) < 0 ||
	    drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1) < 0 ||
	    kms_setup(&k, opt->width, opt->height) < 0)
		goto out;
	struct rect all = { 0, 0, opt->width, opt->height, opt->color };
	for (int i = 0; i < 2; i++) {
		if (buffer_create(fd, &b[i], opt->width, opt->height, false) < 0)
			goto out;
		all.color = i ? opt->color : ~opt->color & 0xffffff;
		fill(&b[i], &all);
	}
	req = modeset_req(&k, &blob);
	if (!req || !plane_props(fd, req, k.primary_id, k.crtc_id, b[0].fb_id, &all) ||
	    commit(&k, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL, "the modeset") < 0)
		goto out;
	drmEventContext ev = { .version = 3, .page_flip_handler2 = on_flip };
	uint32_t fb_prop = prop_id(fd, k.primary_id, DRM_MODE_OBJECT_PLANE, "FB_ID", NULL);
	for (int i = 0; i < opt->flips && running; i++) {
		drmModeAtomicReq *flip = drmModeAtomicAlloc();
		drmModeAtomicAddProperty(flip, k.primary_id, fb_prop, b[(i + 1) % 2].fb_id);
		int r = drmModeAtomicCommit(fd, flip, DRM_MODE_PAGE_FLIP_EVENT |
					    DRM_MODE_ATOMIC_NONBLOCK, &fl);
		drmModeAtomicFree(flip);
		if (r < 0) {
			sw_err("flip %d: %s", i, strerror(errno));
			goto out;
		}
		int before = fl.n;
		while (fl.n == before) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			if (poll(&pfd, 1, 2000) <= 0) {
				sw_err("no flip event for flip %d within 2 s", i);
				goto out;
			}
			drmHandleEvent(fd, &ev);
		}
	}
	int steps_one = 0;
	double *iv = calloc(fl.n, sizeof(*iv));
	if (!iv || fl.n < 2)
		goto out_iv;
	for (int i = 1; i < fl.n; i++) {
		iv[i - 1] = fl.stamps[i] - fl.stamps[i - 1];
		steps_one += fl.seqs[i] - fl.seqs[i - 1] == 1;
	}
	qsort(iv, fl.n - 1, sizeof(*iv), cmp_double);
	/* The vblank period whatever flips were late: time over sequence steps. */
	double period = (fl.stamps[fl.n - 1] - fl.stamps[0]) / (fl.seqs[fl.n - 1] - fl.seqs[0]);
	printf("vkms-probe: flips=%d median_interval_us=%.0f min_us=%.0f max_us=%.0f "
	       "seq_steps_of_one=%d/%d vblank_period_us=%.1f mode_period_us=%.1f\n",
	       fl.n, iv[(fl.n - 1) / 2], iv[0], iv[fl.n - 2], steps_one, fl.n - 1, period,
	       1e3 * k.mode.htotal * k.mode.vtotal / k.mode.clock);
	ret = 0;
out_iv:
	free(iv);
out:
	drmModeAtomicFree(req);
	for (int i = 0; i < 2; i++)
		buffer_destroy(fd, &b[i]);
	if (blob)
		drmModeDestroyPropertyBlob(fd, blob);
	free(fl.stamps);
	free(fl.seqs);
	return ret;
}

static bool
parse_rect(const char *s, struct rect *r, bool with_size)
{
	char *end;
	if (with_size) {
		if (sscanf(s, "%d,%d,%d,%d,", &r->x, &r->y, &r->w, &r->h) != 4)
			return false;
	} else {
		if (sscanf(s, "%d,%d,", &r->x, &r->y) != 2)
			return false;
		r->w = r->h = 1;
	}
	const char *c = strrchr(s, ',');
	errno = 0;
	r->color = strtoul(c + 1, &end, 16);
	return !errno && !*end && end != c + 1 && r->color <= 0xffffff && r->x >= 0 &&
	       r->y >= 0 && r->w > 0 && r->h > 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "color", required_argument, NULL, 'c' },
		{ "buffers", required_argument, NULL, 'b' },
		{ "rect", required_argument, NULL, 'r' },
		{ "overlay", required_argument, NULL, 'o' },
		{ "poke", required_argument, NULL, 'p' },
		{ "skip", required_argument, NULL, 's' },
		{ "flips", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct options opt = { .width = 640, .height = 480, .color = 0x3366cc, .skip = 3,
			       .flips = 120 };
	struct sigaction sa = { .sa_handler = on_signal };
	char *end;
	int c;

	sw_log_set_tag("vkms-probe");
	if (argc < 2) {
		sw_err("usage: vkms-probe info|show|crc|pacing [options] (see its header)");
		return EXIT_FAILURE;
	}
	const char *cmd = argv[1];
	argv++;
	argc--;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opt.device = optarg;
			break;
		case 'm':
			if (sscanf(optarg, "%dx%d", &opt.width, &opt.height) != 2 ||
			    opt.width <= 0 || opt.height <= 0) {
				sw_err("bad --mode '%s', want WxH", optarg);
				return EXIT_FAILURE;
			}
			break;
		case 'c':
			errno = 0;
			opt.color = strtoul(optarg, &end, 16);
			if (errno || *end || end == optarg || opt.color > 0xffffff) {
				sw_err("bad --color '%s', want RRGGBB", optarg);
				return EXIT_FAILURE;
			}
			break;
		case 'b':
			if (strcmp(optarg, "udmabuf") != 0 && strcmp(optarg, "dumb") != 0) {
				sw_err("bad --buffers '%s' (dumb or udmabuf)", optarg);
				return EXIT_FAILURE;
			}
			opt.udmabuf = strcmp(optarg, "udmabuf") == 0;
			break;
		case 'r':
			if (opt.n_rects == MAX_RECTS ||
			    !parse_rect(optarg, &opt.rects[opt.n_rects++], true)) {
				sw_err("bad or too many --rect '%s', want X,Y,W,H,RRGGBB", optarg);
				return EXIT_FAILURE;
			}
			break;
		case 'o':
			if (!parse_rect(optarg, &opt.overlay_rect, true)) {
				sw_err("bad --overlay '%s', want X,Y,W,H,RRGGBB", optarg);
				return EXIT_FAILURE;
			}
			opt.overlay = true;
			break;
		case 'p':
			if (!parse_rect(optarg, &opt.poke_at, false)) {
				sw_err("bad --poke '%s', want X,Y,RRGGBB", optarg);
				return EXIT_FAILURE;
			}
			opt.poke = true;
			break;
		case 's':
			opt.skip = atoi(optarg);
			break;
		case 'f':
			opt.flips = atoi(optarg);
			if (opt.flips < 2) {
				sw_err("bad --flips '%s', want 2 or more", optarg);
				return EXIT_FAILURE;
			}
			break;
		default:
			return EXIT_FAILURE;
		}
	}
	if (opt.poke && (opt.poke_at.x >= opt.width || opt.poke_at.y >= opt.height)) {
		sw_err("--poke %d,%d is outside %dx%d", opt.poke_at.x, opt.poke_at.y, opt.width,
		       opt.height);
		return EXIT_FAILURE;
	}
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGUSR1, &sa, NULL) < 0) {
		sw_err("sigaction: %s", strerror(errno));
		return EXIT_FAILURE;
	}
	int fd = open_vkms(opt.device);
	if (fd < 0)
		return EXIT_FAILURE;
	int ret;
	if (strcmp(cmd, "info") == 0)
		ret = cmd_info(fd);
	else if (strcmp(cmd, "show") == 0)
		ret = cmd_show(fd, &opt);
	else if (strcmp(cmd, "crc") == 0)
		ret = cmd_crc(fd, &opt);
	else if (strcmp(cmd, "pacing") == 0)
		ret = cmd_pacing(fd, &opt);
	else {
		sw_err("unknown command '%s' (info, show, crc or pacing)", cmd);
		ret = -1;
	}
	close(fd);
	return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
