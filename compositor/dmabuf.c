/*
 * zwp_linux_dmabuf_v1 for a compositor that reads client buffers with the
 * CPU: dma-bufs are mapped (once per buffer) and read between
 * DMA_BUF_IOCTL_SYNC START and END, under the SIGBUS guard unless the
 * exporter pins its pages (udmabuf, the system heap); RGB formats are composited straight from
 * the mapping, NV12 is converted into an XRGB8888 image, damage only.
 *
 * Order of the checks on create/create_immed, chosen so that every protocol
 * error can be provoked with any fd (a test has no dma-bufs to hand):
 *   already_used, invalid_format (format), incomplete, invalid_format
 *   (modifier), invalid_dimensions (size, then stride below the row size),
 *   out_of_bounds (lseek(SEEK_END) of every plane), and only then the import,
 *   which refuses an fd that is not a dma-buf. A memfd passes the size checks
 *   but could be truncated later and make us fault, so the import refuses it
 *   ("not a dma-buf"): a `failed` event for create, which the protocol reserves
 *   for import failures, and the fatal invalid_wl_buffer for create_immed, as
 *   the protocol allows (the client asked not to be told asynchronously).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <linux/dma-buf.h>
#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "anon-file.h"
#include "backend.h"
#include "buffer.h"
#include "dmabuf-alloc.h"
#include "dmabuf.h"
#include "formats.h"
#include "linux-dmabuf-unstable-v1-server-protocol.h"
#include "log.h"
#include "surface.h"
#include "server.h"
#include "sigbus.h"
#include "yuv.h"

#define DMABUF_VERSION 4
/* Feedback (version 4) names a device: without one, only what is true. */
#define DMABUF_VERSION_WITHOUT_DEVICE 3
#define MAX_PLANES 4

/* One entry of the feedback format table, as the protocol lays it out. */
struct table_entry {
	uint32_t format;
	uint32_t pad;
	uint64_t modifier;
};

struct sw_dmabuf {
	struct sw_server *server;
	struct wl_global *global;
	struct table_entry *table;
	uint16_t table_len;
	/* Read-only, sealed; libwayland dups it for every event that carries it. */
	int table_fd;
	dev_t main_device;
	/* sw_dmabuf_surface.scanout_link: the surfaces whose last feedback had a scanout tranche. */
	struct wl_list scanout_surfaces;
};

/*
 * The feedback objects of one surface (get_surface_feedback), and the
 * scanout tranche the backend last named for it. Lives as long as the
 * surface; the feedback objects outlive it inert.
 */
struct sw_dmabuf_surface {
	struct sw_dmabuf *dmabuf;
	struct sw_surface *surface;
	struct wl_list resources;        /* wl_resource_get_link of the feedback objects */
	struct wl_listener surface_destroy;
	const struct sw_dmabuf_tranche *scanout;  /* in the feedback last sent; NULL: none */
	const void *owner;               /* the output state that named it */
	uint64_t frame;                  /* the owner's frame that last named it */
	struct wl_list scanout_link;     /* sw_dmabuf.scanout_surfaces while scanout is set */
};

struct params_plane {
	int fd;            /* -1: not set */
	uint32_t offset;
	uint32_t stride;
	uint64_t modifier;
};

struct dmabuf_params {
	struct sw_dmabuf *dmabuf;
	struct wl_resource *resource;
	bool used;
	struct params_plane planes[MAX_PLANES];
};

struct dmabuf_plane {
	int fd;
	void *map;          /* page-aligned start of the mapping */
	size_t map_len;
	const uint8_t *data; /* first byte of the plane inside the mapping */
	uint32_t offset;     /* of the plane in the dma-buf */
	uint32_t stride;
	uint64_t modifier;
	struct sw_sigbus_range guard;
};

struct dmabuf_buffer {
	struct sw_buffer base;
	unsigned n_planes;
	struct dmabuf_plane planes[MAX_PLANES];
	/* RGB: a view of the mapping. NV12: our XRGB8888 copy. */
	pixman_image_t *image;
	/* NV12: where the copy may differ from the buffer (all of it at first). */
	pixman_region32_t stale;
	bool no_fence_export; /* the exporter refused EXPORT_SYNC_FILE once */
	/* False for exporters whose pages cannot go away under a mapping. */
	bool guarded;
	struct wl_client *client;
	char exporter[32];  /* the dma-buf's exp_name, for messages */
};

/* ---- format table ---- */

static bool
format_is_offered(const struct sw_format *fmt)
{
	/* What the renderer reads directly, plus NV12, which we convert. */
	return fmt->pixman != 0 || fmt->drm == DRM_FORMAT_NV12;
}

static bool
pair_is_offered(const struct sw_dmabuf *dmabuf, uint32_t format, uint64_t modifier)
{
	for (uint16_t i = 0; i < dmabuf->table_len; i++)
		if (dmabuf->table[i].format == format && dmabuf->table[i].modifier == modifier)
			return true;
	return false;
}

static bool
modifier_is_offered(const struct sw_dmabuf *dmabuf, uint64_t modifier)
{
	for (uint16_t i = 0; i < dmabuf->table_len; i++)
		if (dmabuf->table[i].modifier == modifier)
			return true;
	return false;
}

static bool
build_table(struct sw_dmabuf *dmabuf)
{
	size_t n = 0;
	for (size_t i = 0; i < sw_formats_count; i++)
		if (format_is_offered(&sw_formats[i]))
			n++;
	dmabuf->table = calloc(n, sizeof(*dmabuf->table));
	if (!dmabuf->table) {
		sw_err("dmabuf: out of memory");
		return false;
	}
	for (size_t i = 0; i < sw_formats_count; i++) {
		if (!format_is_offered(&sw_formats[i]))
			continue;
		/* The CPU can only make sense of the plain row-major layout. */
		dmabuf->table[dmabuf->table_len++] = (struct table_entry) {
			.format = sw_formats[i].drm,
			.modifier = DRM_FORMAT_MOD_LINEAR,
		};
	}
	dmabuf->table_fd = sw_ro_file_create("sealway-dmabuf-formats", dmabuf->table,
					     n * sizeof(*dmabuf->table));
	return dmabuf->table_fd >= 0;
}

/*
 * main_device tells GPU clients which device to allocate on (and the
 * feedback is all about it). On the DRM backend it is the scanout device:
 * its render node, which any process may open, or its primary node when it
 * has none (vkms). Headless has no device of its own; we name the first
 * render node when there is one, so a GBM/EGL client allocates somewhere
 * sensible (it must produce LINEAR buffers for us anyway). Without any, we
 * name nothing rather than a dev_t no device has: the global is version 3,
 * formats and modifiers by events and no feedback, which clients such as
 * weston-simple-dmabuf-feedback (which opens the device) and waypipe take
 * in their stride. udmabuf and dma-heap clients need no device at all.
 */
static bool
pick_main_device(const struct sw_server *server, dev_t *dev)
{
	struct stat st;
	if (server->backend && server->backend->has_drm_dev) {
		*dev = server->backend->drm_dev;
		drmDevicePtr device = NULL;
		if (drmGetDeviceFromDevId(*dev, 0, &device) == 0) {
			if ((device->available_nodes & (1 << DRM_NODE_RENDER)) &&
			    stat(device->nodes[DRM_NODE_RENDER], &st) == 0 && S_ISCHR(st.st_mode))
				*dev = st.st_rdev;
			drmFreeDevice(&device);
		}
		return true;
	}
	if (stat("/dev/dri/renderD128", &st) == 0 && S_ISCHR(st.st_mode)) {
		*dev = st.st_rdev;
		return true;
	}
	return false;
}

/* ---- feedback ---- */

static void
feedback_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct zwp_linux_dmabuf_feedback_v1_interface feedback_impl = {
	.destroy = feedback_handle_destroy,
};

static void
send_feedback(struct sw_dmabuf *dmabuf, struct wl_resource *resource,
	      const struct sw_dmabuf_tranche *scanout)
{
	struct wl_array dev, indices, scanout_dev, scanout_indices;
	wl_array_init(&dev);
	wl_array_init(&indices);
	wl_array_init(&scanout_dev);
	wl_array_init(&scanout_indices);

	dev_t *devp = wl_array_add(&dev, sizeof(*devp));
	uint16_t *idx = wl_array_add(&indices, dmabuf->table_len * sizeof(*idx));
	if (!devp || !idx) {
		wl_resource_post_no_memory(resource);
		goto out;
	}
	*devp = dmabuf->main_device;
	for (uint16_t i = 0; i < dmabuf->table_len; i++)
		idx[i] = i;
	if (scanout) {
		dev_t *sdev = wl_array_add(&scanout_dev, sizeof(*sdev));
		uint16_t *sidx = wl_array_add(&scanout_indices, scanout->n * sizeof(*sidx));
		if (!sdev || (scanout->n && !sidx)) {
			wl_resource_post_no_memory(resource);
			goto out;
		}
		*sdev = scanout->device;
		if (scanout->n)
			memcpy(sidx, scanout->indices, scanout->n * sizeof(*sidx));
	}

	zwp_linux_dmabuf_feedback_v1_send_format_table(resource, dmabuf->table_fd,
		(uint32_t)(dmabuf->table_len * sizeof(*dmabuf->table)));
	zwp_linux_dmabuf_feedback_v1_send_main_device(resource, &dev);
	/* Tranches go by preference: what the plane can show first. */
	if (scanout) {
		zwp_linux_dmabuf_feedback_v1_send_tranche_target_device(resource, &scanout_dev);
		zwp_linux_dmabuf_feedback_v1_send_tranche_formats(resource, &scanout_indices);
		zwp_linux_dmabuf_feedback_v1_send_tranche_flags(resource,
			ZWP_LINUX_DMABUF_FEEDBACK_V1_TRANCHE_FLAGS_SCANOUT);
		zwp_linux_dmabuf_feedback_v1_send_tranche_done(resource);
	}
	/* Everything we offer, read from wherever the main device is. */
	zwp_linux_dmabuf_feedback_v1_send_tranche_target_device(resource, &dev);
	zwp_linux_dmabuf_feedback_v1_send_tranche_formats(resource, &indices);
	zwp_linux_dmabuf_feedback_v1_send_tranche_flags(resource, 0);
	zwp_linux_dmabuf_feedback_v1_send_tranche_done(resource);
	zwp_linux_dmabuf_feedback_v1_send_done(resource);
out:
	wl_array_release(&dev);
	wl_array_release(&indices);
	wl_array_release(&scanout_dev);
	wl_array_release(&scanout_indices);
}

static struct wl_resource *
create_feedback(struct wl_client *client, struct wl_resource *dmabuf_resource, uint32_t id,
		wl_resource_destroy_func_t destroy)
{
	struct sw_dmabuf *dmabuf = wl_resource_get_user_data(dmabuf_resource);
	struct wl_resource *resource = wl_resource_create(client,
		&zwp_linux_dmabuf_feedback_v1_interface,
		wl_resource_get_version(dmabuf_resource), id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	wl_resource_set_implementation(resource, &feedback_impl, dmabuf, destroy);
	return resource;
}

static void
surface_feedback_resource_destroy(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
}

static void
surface_feedback_set_scanout(struct sw_dmabuf_surface *sf, const void *owner,
			     const struct sw_dmabuf_tranche *scanout)
{
	if (sf->scanout)
		wl_list_remove(&sf->scanout_link);
	sf->scanout = scanout;
	sf->owner = owner;
	if (scanout)
		wl_list_insert(&sf->dmabuf->scanout_surfaces, &sf->scanout_link);
	sw_debug("dmabuf: surface %p: feedback %s a scanout tranche (%zu formats)",
		 (void *)sf->surface, scanout ? "with" : "without", scanout ? scanout->n : 0);
	struct wl_resource *resource;
	wl_resource_for_each(resource, &sf->resources)
		send_feedback(sf->dmabuf, resource, scanout);
}

static void
surface_feedback_surface_destroy(struct wl_listener *listener, void *data)
{
	struct sw_dmabuf_surface *sf = wl_container_of(listener, sf, surface_destroy);
	/* The feedback objects stay until the client destroys them; nothing more comes. */
	struct wl_resource *resource, *tmp;
	wl_resource_for_each_safe(resource, tmp, &sf->resources) {
		wl_list_remove(wl_resource_get_link(resource));
		wl_list_init(wl_resource_get_link(resource));
	}
	if (sf->scanout)
		wl_list_remove(&sf->scanout_link);
	wl_list_remove(&sf->surface_destroy.link);
	sf->surface->dmabuf_feedback = NULL;
	free(sf);
}

static bool
same_tranche(const struct sw_dmabuf_tranche *a, const struct sw_dmabuf_tranche *b)
{
	return a->device == b->device && a->n == b->n &&
	       (!a->n || memcmp(a->indices, b->indices, a->n * sizeof(*a->indices)) == 0);
}

void
sw_dmabuf_surface_scanout(struct sw_surface *surface, const void *owner,
			  const struct sw_dmabuf_tranche *scanout, uint64_t frame)
{
	struct sw_dmabuf_surface *sf = surface->dmabuf_feedback;
	if (!sf)
		return;
	/* Another output's candidate: that output says when it stops being one. */
	if (!scanout && sf->scanout && sf->owner != owner)
		return;
	if (scanout) {
		sf->owner = owner;
		sf->frame = frame;
	}
	if (sf->scanout == scanout)
		return;
	/* Another plane with the same formats (overlays often are): nothing to tell. */
	if (scanout && sf->scanout && same_tranche(sf->scanout, scanout)) {
		wl_list_remove(&sf->scanout_link);
		wl_list_insert(&sf->dmabuf->scanout_surfaces, &sf->scanout_link);
		sf->scanout = scanout;
		return;
	}
	surface_feedback_set_scanout(sf, owner, scanout);
}

void
sw_dmabuf_scanout_frame_end(struct sw_server *server, const void *owner, uint64_t frame)
{
	struct sw_dmabuf *dmabuf = server->dmabuf;
	if (!dmabuf)
		return;
	/* Only surfaces with a scanout tranche are here: at most one per plane and output. */
	struct sw_dmabuf_surface *sf, *tmp;
	wl_list_for_each_safe(sf, tmp, &dmabuf->scanout_surfaces, scanout_link)
		if (sf->owner == owner && sf->frame != frame)
			surface_feedback_set_scanout(sf, owner, NULL);
}

bool
sw_dmabuf_tranche_add(struct sw_server *server, struct sw_dmabuf_tranche *tranche,
		      uint32_t format, uint64_t modifier)
{
	struct sw_dmabuf *dmabuf = server->dmabuf;
	if (!dmabuf)
		return true;
	/* Only what we import: a pair we would refuse is no use to a client. */
	for (uint16_t i = 0; i < dmabuf->table_len; i++) {
		if (dmabuf->table[i].format != format || dmabuf->table[i].modifier != modifier)
			continue;
		for (size_t j = 0; j < tranche->n; j++)
			if (tranche->indices[j] == i)
				return true;
		uint16_t *indices = realloc(tranche->indices,
					    (tranche->n + 1) * sizeof(*tranche->indices));
		if (!indices)
			return false;
		indices[tranche->n++] = i;
		tranche->indices = indices;
		return true;
	}
	return true;
}

void
sw_dmabuf_tranche_fini(struct sw_dmabuf_tranche *tranche)
{
	free(tranche->indices);
	memset(tranche, 0, sizeof(*tranche));
}

/* ---- buffers ---- */

static void
convert_nv12_rect(struct dmabuf_buffer *buf, const pixman_box32_t *box)
{
	uint32_t *dst = pixman_image_get_data(buf->image);
	int dst_stride = pixman_image_get_stride(buf->image) / 4;
	const struct dmabuf_plane *yp = &buf->planes[0], *uvp = &buf->planes[1];

	for (int32_t y = box->y1; y < box->y2; y++) {
		const uint8_t *yrow = yp->data + (size_t)y * yp->stride;
		const uint8_t *uvrow = uvp->data + (size_t)(y / 2) * uvp->stride;
		uint32_t *out = dst + (size_t)y * (size_t)dst_stride;
		for (int32_t x = box->x1; x < box->x2; x++) {
			const uint8_t *uv = uvrow + (size_t)(x / 2) * 2;
			out[x] = sw_ycbcr601_to_xrgb(yrow[x], uv[0], uv[1]);
		}
	}
}

/* Bring the whole copy up to date, converting only what is stale. */
static void
convert_nv12(struct dmabuf_buffer *buf)
{
	int n;
	const pixman_box32_t *boxes = pixman_region32_rectangles(&buf->stale, &n);
	for (int i = 0; i < n; i++)
		convert_nv12_rect(buf, &boxes[i]);
	pixman_region32_clear(&buf->stale);
}

static void
dmabuf_invalidate(struct sw_buffer *base, const pixman_region32_t *damage)
{
	struct dmabuf_buffer *buf = wl_container_of(base, buf, base);
	/* RGB is read in place: there is no copy to keep. */
	if (buf->base.format->drm != DRM_FORMAT_NV12)
		return;
	if (damage)
		pixman_region32_union(&buf->stale, &buf->stale, (pixman_region32_t *)damage);
	else
		pixman_region32_union_rect(&buf->stale, &buf->stale, 0, 0,
					   (unsigned)buf->base.width, (unsigned)buf->base.height);
	pixman_region32_intersect_rect(&buf->stale, &buf->stale, 0, 0,
				       (unsigned)buf->base.width, (unsigned)buf->base.height);
}

static void
sync_planes(struct dmabuf_buffer *buf, unsigned count, uint64_t flags)
{
	for (unsigned p = 0; p < count; p++)
		if (sw_dmabuf_sync(buf->planes[p].fd, flags) < 0)
			sw_warn("dmabuf: DMA_BUF_IOCTL_SYNC on plane %u: %s", p, strerror(errno));
}

static pixman_image_t *
dmabuf_begin_access(struct sw_buffer *base, const pixman_region32_t *damage)
{
	struct dmabuf_buffer *buf = wl_container_of(base, buf, base);

	/* START also waits for the writers' implicit fences, as the protocol asks. */
	for (unsigned p = 0; p < buf->n_planes; p++) {
		if (sw_dmabuf_sync(buf->planes[p].fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ) < 0) {
			sw_warn("dmabuf: DMA_BUF_IOCTL_SYNC START on plane %u: %s; not drawn",
				p, strerror(errno));
			sync_planes(buf, p, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
			return NULL;
		}
	}
	/* Reads from here to end_access may fault if the exporter takes the pages away. */
	if (buf->guarded)
		for (unsigned p = 0; p < buf->n_planes; p++)
			sw_sigbus_begin(&buf->planes[p].guard);
	if (buf->base.format->drm == DRM_FORMAT_NV12)
		convert_nv12(buf);
	return buf->image;
}

static bool
dmabuf_end_access(struct sw_buffer *base)
{
	struct dmabuf_buffer *buf = wl_container_of(base, buf, base);
	sync_planes(buf, buf->n_planes, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	if (!buf->guarded)
		return true;
	int faulted = -1;
	for (unsigned p = 0; p < buf->n_planes; p++)
		if (sw_sigbus_end(&buf->planes[p].guard) && faulted < 0)
			faulted = (int)p;
	if (faulted < 0)
		return true;

	/* The pixels read are zeros now; the buffer cannot be trusted again. */
	sw_warn("dmabuf: a %dx%d %s dma-buf from exporter %s lost its pages under a read "
		"(plane %d: purged, evicted or truncated); disconnecting its client",
		buf->base.width, buf->base.height, buf->base.format->name, buf->exporter, faulted);
	/* wl_buffer has no error codes of its own: linux-dmabuf's for an unusable one. */
	if (buf->base.resource)
		wl_resource_post_error(buf->base.resource,
				       ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_INVALID_WL_BUFFER,
				       "wl_buffer@%u: plane %d of this %dx%d %s dma-buf (exporter "
				       "%s) faulted when read: its pages were purged or evicted",
				       wl_resource_get_id(buf->base.resource), faulted,
				       buf->base.width, buf->base.height, buf->base.format->name,
				       buf->exporter);
	else
		wl_client_post_implementation_error(buf->client,
			"a destroyed %dx%d %s dma-buf still shown (exporter %s) faulted when read",
			buf->base.width, buf->base.height, buf->base.format->name, buf->exporter);
	return false;
}

static void
dmabuf_buffer_free(struct dmabuf_buffer *buf)
{
	if (buf->image)
		pixman_image_unref(buf->image);
	pixman_region32_fini(&buf->stale);
	for (unsigned p = 0; p < MAX_PLANES; p++) {
		if (buf->planes[p].map && munmap(buf->planes[p].map, buf->planes[p].map_len) < 0)
			sw_warn("dmabuf: munmap: %s", strerror(errno));
		if (buf->planes[p].fd >= 0)
			close(buf->planes[p].fd);
	}
	free(buf);
}

static void
dmabuf_destroy(struct sw_buffer *base)
{
	struct dmabuf_buffer *buf = wl_container_of(base, buf, base);
	dmabuf_buffer_free(buf);
}

/*
 * The fences a reader has to wait for (the writers'), as sync_files the event
 * loop can poll, so that commits wait there instead of in SYNC START.
 */
static unsigned
dmabuf_export_fences(struct sw_buffer *base, int *fds)
{
	struct dmabuf_buffer *buf = wl_container_of(base, buf, base);
	if (buf->no_fence_export)
		return 0;
	unsigned n = 0;
	for (unsigned p = 0; p < buf->n_planes && n < SW_BUFFER_MAX_FENCES; p++) {
		struct dma_buf_export_sync_file req = { .flags = DMA_BUF_SYNC_READ, .fd = -1 };
		int ret;
		do {
			ret = ioctl(buf->planes[p].fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &req);
		} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
		if (ret < 0) {
			/* Before Linux 6.0, or an exporter without fences: SYNC START waits. */
			if (errno == ENOTTY || errno == EINVAL)
				sw_debug("dmabuf: plane %u: no DMA_BUF_IOCTL_EXPORT_SYNC_FILE (%s): "
					 "commits apply at once", p, strerror(errno));
			else
				sw_warn("dmabuf: plane %u: DMA_BUF_IOCTL_EXPORT_SYNC_FILE: %s; "
					"commits apply at once", p, strerror(errno));
			buf->no_fence_export = true;
			for (unsigned i = 0; i < n; i++)
				close(fds[i]);
			return 0;
		}
		fds[n++] = req.fd;
	}
	return n;
}

static bool
dmabuf_get_dmabuf(struct sw_buffer *base, struct sw_buffer_dmabuf *out, char *why,
		  size_t why_len)
{
	struct dmabuf_buffer *buf = wl_container_of(base, buf, base);
	*out = (struct sw_buffer_dmabuf){
		.format = base->format->drm,
		.modifier = buf->planes[0].modifier,
		.n_planes = buf->n_planes,
	};
	for (unsigned p = 0; p < buf->n_planes && p < 4; p++) {
		out->fds[p] = buf->planes[p].fd;
		out->offsets[p] = buf->planes[p].offset;
		out->strides[p] = buf->planes[p].stride;
	}
	return true;
}

static const struct sw_buffer_impl dmabuf_buffer_impl = {
	.name = "dmabuf",
	.begin_access = dmabuf_begin_access,
	.end_access = dmabuf_end_access,
	.export_fences = dmabuf_export_fences,
	.invalidate = dmabuf_invalidate,
	.get_dmabuf = dmabuf_get_dmabuf,
	.destroy = dmabuf_destroy,
};

/* ---- params ---- */

static void
params_close_fds(struct dmabuf_params *params)
{
	for (unsigned p = 0; p < MAX_PLANES; p++) {
		if (params->planes[p].fd >= 0)
			close(params->planes[p].fd);
		params->planes[p].fd = -1;
	}
}

static void
params_resource_destroy(struct wl_resource *resource)
{
	struct dmabuf_params *params = wl_resource_get_user_data(resource);
	params_close_fds(params);
	free(params);
}

static void
params_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
params_handle_add(struct wl_client *client, struct wl_resource *resource, int32_t fd,
		  uint32_t plane_idx, uint32_t offset, uint32_t stride,
		  uint32_t modifier_hi, uint32_t modifier_lo)
{
	struct dmabuf_params *params = wl_resource_get_user_data(resource);
	uint64_t modifier = ((uint64_t)modifier_hi << 32) | modifier_lo;

	if (params->used) {
		close(fd);
		wl_resource_post_error(resource, ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_ALREADY_USED,
				       "the params were already used to create a wl_buffer");
		return;
	}
	if (plane_idx >= MAX_PLANES) {
		close(fd);
		wl_resource_post_error(resource, ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_PLANE_IDX,
				       "plane index %u is not below %u", plane_idx, MAX_PLANES);
		return;
	}
	if (params->planes[plane_idx].fd >= 0) {
		close(fd);
		wl_resource_post_error(resource, ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_PLANE_SET,
				       "plane %u was already set", plane_idx);
		return;
	}
	/* Version 4 makes this an error as early as add; older clients learn at create. */
	if (wl_resource_get_version(resource) >= 4 &&
	    !modifier_is_offered(params->dmabuf, modifier)) {
		close(fd);
		wl_resource_post_error(resource, ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_INVALID_FORMAT,
				       "modifier 0x%016" PRIx64 " was not advertised", modifier);
		return;
	}
	params->planes[plane_idx] = (struct params_plane) {
		.fd = fd, .offset = offset, .stride = stride, .modifier = modifier,
	};
}

/* Post the protocol error for arguments that are a client bug; false if posted. */
static bool
params_validate(struct dmabuf_params *params, int32_t width, int32_t height, uint32_t format,
		const struct sw_format **out_fmt)
{
	struct wl_resource *res = params->resource;
	const struct sw_format *fmt = sw_format_from_drm(format);

	if (!fmt || !format_is_offered(fmt)) {
		wl_resource_post_error(res, ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_INVALID_FORMAT,
				       "format 0x%08" PRIx32 " is not supported", format);
		return false;
	}
	for (unsigned p = 0; p < MAX_PLANES; p++) {
		bool set = params->planes[p].fd >= 0;
		if (p < fmt->planes && !set) {
			wl_resource_post_error(res, ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_INCOMPLETE,
					       "%s needs %u planes, plane %u is missing",
					       fmt->name, fmt->planes, p);
			return false;
		}
		if (p >= fmt->planes && set) {
			wl_resource_post_error(res, ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_INCOMPLETE,
					       "%s has %u planes, plane %u is one too many",
					       fmt->name, fmt->planes, p);
			return false;
		}
	}
	for (unsigned p = 0; p < fmt->planes; p++) {
		uint64_t mod = params->planes[p].modifier;
		if (!pair_is_offered(params->dmabuf, format, mod)) {
			wl_resource_post_error(res, ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_INVALID_FORMAT,
					       "%s with modifier 0x%016" PRIx64 " (plane %u) "
					       "was not advertised", fmt->name, mod, p);
			return false;
		}
	}
	if (width < 1 || height < 1) {
		wl_resource_post_error(res, ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_INVALID_DIMENSIONS,
				       "invalid size %" PRId32 "x%" PRId32, width, height);
		return false;
	}
	for (unsigned p = 0; p < fmt->planes; p++) {
		const struct params_plane *pl = &params->planes[p];
		uint64_t min_stride = sw_format_min_stride(fmt, p, (uint32_t)width);
		/* Rows that overlap: the width does not fit the stride. */
		if (pl->stride < min_stride) {
			wl_resource_post_error(res,
				ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_INVALID_DIMENSIONS,
				"plane %u: stride %" PRIu32 " is below the %" PRIu64
				" bytes of a %" PRId32 "-pixel %s row", p, pl->stride, min_stride,
				width, fmt->name);
			return false;
		}
	}
	for (unsigned p = 0; p < fmt->planes; p++) {
		const struct params_plane *pl = &params->planes[p];
		off_t size = lseek(pl->fd, 0, SEEK_END);
		/* Only a non-dma-buf fails to seek; the import turns it away. */
		if (size < 0)
			continue;
		uint32_t rows = sw_format_plane_height(fmt, p, (uint32_t)height);
		/* 32-bit stride times 31-bit rows plus 32-bit offset: fits in 64 bits. */
		uint64_t end = (uint64_t)pl->offset + (uint64_t)pl->stride * rows;
		if (end > (uint64_t)size) {
			wl_resource_post_error(res, ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_OUT_OF_BOUNDS,
				"plane %u: offset %" PRIu32 " + stride %" PRIu32 " * %" PRIu32
				" rows = %" PRIu64 " goes past the end of the %lld-byte buffer",
				p, pl->offset, pl->stride, rows, end, (long long)size);
			return false;
		}
	}
	*out_fmt = fmt;
	return true;
}

/* The exporter of a dma-buf as the kernel names it (fdinfo's exp_name), or "unknown". */
static void
exporter_name(int fd, char *name, size_t len)
{
	char path[64], text[512];
	snprintf(name, len, "unknown");
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	const char *line = strstr(text, "exp_name:");
	if (!line)
		return;
	line += strlen("exp_name:");
	line += strspn(line, " \t");
	size_t end = strcspn(line, "\n");
	if (end > 0)
		snprintf(name, len, "%.*s", (int)end, line);
}

/*
 * udmabuf pins the pages of a memfd it only takes with F_SEAL_SHRINK, and the
 * system heap allocates pinned pages: their mappings cannot fault, so reading
 * them needs no guard. Any other exporter may purge or evict (a GPU driver's
 * shrinker, a purgeable object): guarded.
 */
static bool
exporter_keeps_pages(const char *exporter)
{
	return strcmp(exporter, "udmabuf") == 0 || strcmp(exporter, "system") == 0;
}

/*
 * Turn validated params into a CPU-readable buffer. Returns NULL after
 * logging why; the fds stay with the params then.
 */
static struct dmabuf_buffer *
import_buffer(struct dmabuf_params *params, const struct sw_format *fmt, int32_t width,
	      int32_t height, uint32_t flags, struct wl_client *client, char *why, size_t why_len)
{
	pid_t pid;
	wl_client_get_credentials(client, &pid, NULL, NULL);

	for (unsigned p = 0; p < fmt->planes; p++) {
		int is = sw_fd_is_dmabuf(params->planes[p].fd);
		if (is != 1) {
			snprintf(why, why_len, "plane %u is not a dma-buf (%s): only real "
				 "dma-bufs are mapped, other files could shrink under us",
				 p, is < 0 ? strerror(errno) : "another filesystem");
			goto err_log;
		}
	}
	/* Flipped or interlaced content would need a transform we do not do. */
	if (flags != 0) {
		snprintf(why, why_len, "flags 0x%" PRIx32 " are not supported", flags);
		goto err_log;
	}
	/* pixman reads rows of 32-bit words. */
	if (fmt->pixman && (params->planes[0].stride % 4 || params->planes[0].offset % 4)) {
		snprintf(why, why_len, "%s stride %" PRIu32 " / offset %" PRIu32
			 " not 4-byte aligned, cannot be read in place", fmt->name,
			 params->planes[0].stride, params->planes[0].offset);
		goto err_log;
	}
	/* pixman's stride is an int: 2 GiB would turn negative and read before the map. */
	if (fmt->pixman && params->planes[0].stride > INT32_MAX) {
		snprintf(why, why_len, "stride %" PRIu32 " is beyond what pixman can address",
			 params->planes[0].stride);
		goto err_log;
	}

	struct dmabuf_buffer *buf = calloc(1, sizeof(*buf));
	if (!buf) {
		snprintf(why, why_len, "out of memory");
		goto err_log;
	}
	for (unsigned p = 0; p < MAX_PLANES; p++)
		buf->planes[p].fd = -1;
	buf->n_planes = fmt->planes;
	pixman_region32_init_rect(&buf->stale, 0, 0, (unsigned)width, (unsigned)height);

	long page = sysconf(_SC_PAGESIZE);
	uint64_t page_mask = (uint64_t)(page > 0 ? page : 4096) - 1;
	for (unsigned p = 0; p < fmt->planes; p++) {
		const struct params_plane *pl = &params->planes[p];
		struct dmabuf_plane *bp = &buf->planes[p];
		uint32_t rows = sw_format_plane_height(fmt, p, (uint32_t)height);
		/* mmap offsets must be page-aligned; plane offsets need not be. */
		uint64_t start = pl->offset & ~page_mask;
		uint64_t len = pl->offset - start + (uint64_t)pl->stride * rows;

		bp->map = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, pl->fd, (off_t)start);
		if (bp->map == MAP_FAILED) {
			bp->map = NULL;
			snprintf(why, why_len, "mapping plane %u (%" PRIu64 " bytes): %s",
				 p, len, strerror(errno));
			goto err_buf;
		}
		bp->map_len = (size_t)len;
		bp->data = (const uint8_t *)bp->map + (pl->offset - start);
		bp->stride = pl->stride;
		bp->offset = pl->offset;
		bp->modifier = pl->modifier;
		sw_sigbus_range_init(&bp->guard, bp->map, bp->map_len, PROT_READ);
	}
	exporter_name(params->planes[0].fd, buf->exporter, sizeof(buf->exporter));
	buf->guarded = !exporter_keeps_pages(buf->exporter);
	buf->client = client;

	if (fmt->pixman) {
		/* pixman only reads a source image; the mapping is read-only. */
		buf->image = pixman_image_create_bits_no_clear(fmt->pixman, width, height,
			(uint32_t *)(uintptr_t)buf->planes[0].data, (int)buf->planes[0].stride);
	} else {
		buf->image = pixman_image_create_bits_no_clear(PIXMAN_x8r8g8b8, width, height,
							       NULL, 0);
	}
	if (!buf->image) {
		snprintf(why, why_len, "no pixman image for %" PRId32 "x%" PRId32 " %s",
			 width, height, fmt->name);
		goto err_buf;
	}

	/* From here on the buffer owns the fds. */
	for (unsigned p = 0; p < fmt->planes; p++) {
		buf->planes[p].fd = params->planes[p].fd;
		params->planes[p].fd = -1;
	}
	buf->base.width = width;
	buf->base.height = height;
	buf->base.format = fmt;
	return buf;

err_buf:
	dmabuf_buffer_free(buf);
err_log:
	sw_warn("dmabuf: client %d: import refused: %s", (int)pid, why);
	return NULL;
}

static void
params_create_common(struct wl_client *client, struct wl_resource *resource,
		     uint32_t buffer_id, int32_t width, int32_t height, uint32_t format,
		     uint32_t flags, bool immed)
{
	struct dmabuf_params *params = wl_resource_get_user_data(resource);
	const struct sw_format *fmt = NULL;

	if (params->used) {
		wl_resource_post_error(resource, ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_ALREADY_USED,
				       "the params were already used to create a wl_buffer");
		return;
	}
	params->used = true;

	if (!params_validate(params, width, height, format, &fmt))
		goto out;

	char why[256];
	struct dmabuf_buffer *buf = import_buffer(params, fmt, width, height, flags, client,
						  why, sizeof(why));
	if (!buf) {
		if (immed)
			wl_resource_post_error(resource,
				ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_INVALID_WL_BUFFER,
				"import failed: %s", why);
		else
			zwp_linux_buffer_params_v1_send_failed(resource);
		goto out;
	}
	if (!sw_buffer_init(&buf->base, &dmabuf_buffer_impl, client, buffer_id)) {
		dmabuf_buffer_free(buf);
		goto out;
	}
	/* NV12 buffers carry an XRGB8888 copy of our own, 4 bytes a pixel. */
	uint64_t cache = fmt->drm == DRM_FORMAT_NV12 ? (uint64_t)width * (uint64_t)height * 4 : 0;
	struct sw_budgets *budgets = params->dmabuf->server->budgets;
	if (!sw_budget_charge_until(budgets, client, SW_BUDGET_DMABUF_BUFFERS, 1,
				    &buf->base.destroy_signal) ||
	    (cache && !sw_budget_charge_until(budgets, client, SW_BUDGET_NV12_CACHE_BYTES, cache,
					      &buf->base.destroy_signal))) {
		wl_resource_destroy(buf->base.resource);
		goto out;
	}
	if (!immed)
		zwp_linux_buffer_params_v1_send_created(resource, buf->base.resource);
	sw_debug("dmabuf: %dx%d %s buffer, %u plane(s)", width, height, fmt->name,
		 buf->n_planes);
out:
	/* Used params hold nothing: whatever was not imported is closed now. */
	params_close_fds(params);
}

static void
params_handle_create(struct wl_client *client, struct wl_resource *resource, int32_t width,
		     int32_t height, uint32_t format, uint32_t flags)
{
	params_create_common(client, resource, 0, width, height, format, flags, false);
}

static void
params_handle_create_immed(struct wl_client *client, struct wl_resource *resource,
			   uint32_t buffer_id, int32_t width, int32_t height, uint32_t format,
			   uint32_t flags)
{
	params_create_common(client, resource, buffer_id, width, height, format, flags, true);
}

static const struct zwp_linux_buffer_params_v1_interface params_impl = {
	.destroy = params_handle_destroy,
	.add = params_handle_add,
	.create = params_handle_create,
	.create_immed = params_handle_create_immed,
};

/* ---- global ---- */

static void
dmabuf_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
dmabuf_handle_create_params(struct wl_client *client, struct wl_resource *resource,
			    uint32_t id)
{
	struct dmabuf_params *params = calloc(1, sizeof(*params));
	if (!params) {
		wl_client_post_no_memory(client);
		return;
	}
	params->dmabuf = wl_resource_get_user_data(resource);
	for (unsigned p = 0; p < MAX_PLANES; p++)
		params->planes[p].fd = -1;
	params->resource = wl_resource_create(client, &zwp_linux_buffer_params_v1_interface,
					      wl_resource_get_version(resource), id);
	if (!params->resource) {
		free(params);
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(params->resource, &params_impl, params,
				       params_resource_destroy);
}

static void
dmabuf_handle_get_default_feedback(struct wl_client *client, struct wl_resource *resource,
				   uint32_t id)
{
	struct wl_resource *feedback = create_feedback(client, resource, id, NULL);
	if (feedback)
		send_feedback(wl_resource_get_user_data(resource), feedback, NULL);
}

static void
dmabuf_handle_get_surface_feedback(struct wl_client *client, struct wl_resource *resource,
				   uint32_t id, struct wl_resource *surface)
{
	struct sw_dmabuf *dmabuf = wl_resource_get_user_data(resource);
	struct sw_surface *surf = wl_resource_get_user_data(surface);
	struct sw_dmabuf_surface *sf = surf->dmabuf_feedback;
	if (!sf) {
		sf = calloc(1, sizeof(*sf));
		if (!sf) {
			wl_client_post_no_memory(client);
			return;
		}
		sf->dmabuf = dmabuf;
		sf->surface = surf;
		wl_list_init(&sf->resources);
		sf->surface_destroy.notify = surface_feedback_surface_destroy;
		wl_resource_add_destroy_listener(surface, &sf->surface_destroy);
		surf->dmabuf_feedback = sf;
	}
	/*
	 * One renderer: the default feedback, with a scanout tranche first
	 * while the backend names the surface a scanout candidate.
	 */
	struct wl_resource *feedback = create_feedback(client, resource, id,
						       surface_feedback_resource_destroy);
	if (!feedback)
		return;
	wl_list_insert(&sf->resources, wl_resource_get_link(feedback));
	send_feedback(dmabuf, feedback, sf->scanout);
}

static const struct zwp_linux_dmabuf_v1_interface dmabuf_impl = {
	.destroy = dmabuf_handle_destroy,
	.create_params = dmabuf_handle_create_params,
	.get_default_feedback = dmabuf_handle_get_default_feedback,
	.get_surface_feedback = dmabuf_handle_get_surface_feedback,
};

static void
dmabuf_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct sw_dmabuf *dmabuf = data;
	struct wl_resource *resource = wl_resource_create(client,
		&zwp_linux_dmabuf_v1_interface, (int)version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &dmabuf_impl, dmabuf, NULL);

	/* Version 4 clients ask for feedback; the format events are forbidden there. */
	if (version >= 4)
		return;
	for (uint16_t i = 0; i < dmabuf->table_len; i++) {
		const struct table_entry *e = &dmabuf->table[i];
		zwp_linux_dmabuf_v1_send_format(resource, e->format);
		if (version >= ZWP_LINUX_DMABUF_V1_MODIFIER_SINCE_VERSION)
			zwp_linux_dmabuf_v1_send_modifier(resource, e->format,
							  (uint32_t)(e->modifier >> 32),
							  (uint32_t)(e->modifier & 0xffffffffu));
	}
}

bool
sw_dmabuf_create(struct sw_server *server)
{
	struct sw_dmabuf *dmabuf = calloc(1, sizeof(*dmabuf));
	if (!dmabuf) {
		sw_err("dmabuf: out of memory");
		return false;
	}
	dmabuf->server = server;
	dmabuf->table_fd = -1;
	wl_list_init(&dmabuf->scanout_surfaces);
	if (!sw_sigbus_install())
		goto err_sigbus;
	if (!build_table(dmabuf))
		goto err_table;
	bool has_device = pick_main_device(server, &dmabuf->main_device);
	int version = has_device ? DMABUF_VERSION : DMABUF_VERSION_WITHOUT_DEVICE;

	dmabuf->global = wl_global_create(server->display, &zwp_linux_dmabuf_v1_interface,
					  version, dmabuf, dmabuf_bind);
	if (!dmabuf->global) {
		sw_err("dmabuf: creating the zwp_linux_dmabuf_v1 global failed");
		goto err_table;
	}
	server->dmabuf = dmabuf;
	if (has_device)
		sw_info("linux-dmabuf v%d: %u format(s), LINEAR only, main device %u:%u", version,
			dmabuf->table_len, major(dmabuf->main_device), minor(dmabuf->main_device));
	else
		sw_info("linux-dmabuf v%d: %u format(s), LINEAR only; no DRM device, so no "
			"feedback", version, dmabuf->table_len);
	return true;

err_table:
	if (dmabuf->table_fd >= 0)
		close(dmabuf->table_fd);
	free(dmabuf->table);
	sw_sigbus_uninstall();
err_sigbus:
	free(dmabuf);
	return false;
}

void
sw_dmabuf_destroy(struct sw_server *server)
{
	struct sw_dmabuf *dmabuf = server->dmabuf;
	if (!dmabuf)
		return;
	wl_global_destroy(dmabuf->global);
	close(dmabuf->table_fd);
	free(dmabuf->table);
	sw_sigbus_uninstall();
	free(dmabuf);
	server->dmabuf = NULL;
}
