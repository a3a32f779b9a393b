/*
 * The compositor's dma-buf import, pixel by pixel, without dma-bufs: this
 * machine (and CI) has neither udmabuf nor dma-heaps, so the "is it a
 * dma-buf" check and DMA_BUF_IOCTL_SYNC are replaced by the stubs below, and
 * memfds stand in. Client and server run in this process on a socketpair.
 * What is tested: plane offsets that are not page-aligned, strides with
 * padding, RGB read in place, NV12 converted (BT.601 limited range) only
 * where reported stale, SYNC START/END bracketing, refusals that are `failed`
 * events, that a destroyed buffer closes its fds and unmaps, and that a read
 * that faults disconnects the client with an error naming the buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>
#include <wayland-client.h>
#include <wayland-server-core.h>

#include "buffer.h"
#include "dmabuf-alloc.h"
#include "dmabuf.h"
#include "linux-dmabuf-unstable-v1-client-protocol.h"
#include "log.h"
#include "server.h"
#include "test-util.h"
#include "yuv.h"

/* ---- stubs of shared/dmabuf-alloc.c ---- */

static int sync_starts, sync_ends;

int
sw_fd_is_dmabuf(int fd)
{
	/* Memfds pose as dma-bufs here; anything that is not seekable does not. */
	return lseek(fd, 0, SEEK_END) < 0 ? 0 : 1;
}

int
sw_dmabuf_sync(int fd, uint64_t flags)
{
	if (flags & DMA_BUF_SYNC_END)
		sync_ends++;
	else
		sync_starts++;
	return 0;
}

/* ---- an in-process client/server pair ---- */

struct ctx {
	struct sw_server server;
	struct wl_client *client;         /* server side */
	struct wl_display *cdisplay;      /* client side */
	struct zwp_linux_dmabuf_v1 *dmabuf;
};

static void
pump(struct ctx *c)
{
	struct wl_event_loop *loop = wl_display_get_event_loop(c->server.display);
	for (int i = 0; i < 4; i++) {
		wl_display_flush(c->cdisplay);
		wl_event_loop_dispatch(loop, 0);
		wl_display_flush_clients(c->server.display);
		if (wl_display_prepare_read(c->cdisplay) == 0) {
			struct pollfd pfd = { .fd = wl_display_get_fd(c->cdisplay), .events = POLLIN };
			if (poll(&pfd, 1, 10) > 0)
				wl_display_read_events(c->cdisplay);
			else
				wl_display_cancel_read(c->cdisplay);
		}
		wl_display_dispatch_pending(c->cdisplay);
	}
}

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct ctx *c = data;
	if (strcmp(interface, zwp_linux_dmabuf_v1_interface.name) == 0)
		/* Version 3 when the server has no DRM device (no feedback), as here. */
		c->dmabuf = wl_registry_bind(registry, name, &zwp_linux_dmabuf_v1_interface,
					     version < 4 ? version : 4);
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

static bool
ctx_init(struct ctx *c)
{
	int sv[2];
	memset(c, 0, sizeof(*c));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return false;
	c->server.display = wl_display_create();
	c->server.loop = wl_display_get_event_loop(c->server.display);
	if (!c->server.display || !sw_dmabuf_create(&c->server))
		return false;
	c->client = wl_client_create(c->server.display, sv[0]);
	c->cdisplay = wl_display_connect_to_fd(sv[1]);
	if (!c->client || !c->cdisplay)
		return false;
	struct wl_registry *registry = wl_display_get_registry(c->cdisplay);
	wl_registry_add_listener(registry, &registry_listener, c);
	pump(c);
	wl_registry_destroy(registry);
	return c->dmabuf != NULL;
}

static void
ctx_fini(struct ctx *c)
{
	if (c->dmabuf)
		zwp_linux_dmabuf_v1_destroy(c->dmabuf);
	if (c->cdisplay) {
		wl_display_flush(c->cdisplay);
		wl_display_disconnect(c->cdisplay);
	}
	if (c->server.display) {
		wl_display_destroy_clients(c->server.display);
		sw_dmabuf_destroy(&c->server);
		wl_display_destroy(c->server.display);
	}
}

static int
memfd_with(size_t size, uint8_t **map)
{
	int fd = memfd_create("test-dmabuf", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		return -1;
	*map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*map == MAP_FAILED)
		return -1;
	return fd;
}

struct plane_desc {
	uint32_t offset, stride;
};

struct answer {
	struct wl_buffer *buffer;
	bool failed;
};

static void
params_created(void *data, struct zwp_linux_buffer_params_v1 *p, struct wl_buffer *b)
{
	struct answer *a = data;
	a->buffer = b;
}

static void
params_failed(void *data, struct zwp_linux_buffer_params_v1 *p)
{
	struct answer *a = data;
	a->failed = true;
}

static const struct zwp_linux_buffer_params_v1_listener params_listener = {
	.created = params_created,
	.failed = params_failed,
};

static struct wl_buffer *last_client_buffer;

/* create_immed (or create when !immed) and return the server's buffer, or NULL. */
static struct sw_buffer *
make_buffer(struct ctx *c, int fd, const struct plane_desc *planes, unsigned n,
	    int32_t w, int32_t h, uint32_t format, uint32_t flags, bool immed, bool *failed)
{
	struct answer a = { 0 };
	struct zwp_linux_buffer_params_v1 *params = zwp_linux_dmabuf_v1_create_params(c->dmabuf);
	zwp_linux_buffer_params_v1_add_listener(params, &params_listener, &a);
	for (unsigned p = 0; p < n; p++)
		zwp_linux_buffer_params_v1_add(params, fd, p, planes[p].offset, planes[p].stride,
					       0, 0);
	if (immed)
		a.buffer = zwp_linux_buffer_params_v1_create_immed(params, w, h, format, flags);
	else
		zwp_linux_buffer_params_v1_create(params, w, h, format, flags);
	pump(c);
	zwp_linux_buffer_params_v1_destroy(params);
	pump(c);
	*failed = a.failed;
	last_client_buffer = a.buffer;
	if (!a.buffer)
		return NULL;
	struct wl_resource *res = wl_client_get_object(c->client,
		wl_proxy_get_id((struct wl_proxy *)a.buffer));
	return sw_buffer_from_resource(res);
}

static void
destroy_client_buffer(struct ctx *c)
{
	if (last_client_buffer)
		wl_buffer_destroy(last_client_buffer);
	last_client_buffer = NULL;
	pump(c);
}

/* ---- cases ---- */

static void
rgb_in_place(struct sw_test *t)
{
	struct ctx c;
	SW_CHECK(t, ctx_init(&c), "client and server connect");
	int fds_before = sw_test_count_fds();

	/* 64x32 XRGB8888, rows of 320 bytes, starting 16 bytes into the second page. */
	const struct plane_desc plane = { 4096 + 16, 320 };
	size_t size = plane.offset + (size_t)plane.stride * 32;
	uint8_t *map;
	int fd = memfd_with(size, &map);
	SW_CHECK(t, fd >= 0, "memfd");
	for (uint32_t y = 0; y < 32; y++)
		for (uint32_t x = 0; x < 64; x++) {
			uint32_t v = 0xff000000u | (x << 16) | (y << 8) | ((x + y) & 0xff);
			memcpy(map + plane.offset + y * plane.stride + x * 4, &v, 4);
		}

	bool failed;
	struct sw_buffer *buf = make_buffer(&c, fd, &plane, 1, 64, 32, DRM_FORMAT_XRGB8888, 0,
					    true, &failed);
	close(fd);
	SW_CHECK(t, buf != NULL && !failed, "create_immed gives a buffer");
	if (buf) {
		SW_CHECK(t, buf->width == 64 && buf->height == 32, "size 64x32");
		int starts = sync_starts, ends = sync_ends;
		pixman_image_t *img = buf->impl->begin_access(buf, NULL);
		SW_CHECK(t, img != NULL, "begin_access gives an image");
		SW_CHECK(t, sync_starts == starts + 1, "SYNC START before reading");
		if (img) {
			uint32_t *data = pixman_image_get_data(img);
			int stride = pixman_image_get_stride(img);
			SW_CHECK(t, stride == 320, "the image keeps the client's stride (%d)", stride);
			SW_CHECK(t, pixman_image_get_format(img) == PIXMAN_x8r8g8b8, "x8r8g8b8");
			uint32_t v = data[(size_t)7 * (size_t)stride / 4 + 9];
			SW_CHECK(t, v == (0xff000000u | (9u << 16) | (7u << 8) | 16u),
				 "pixel (9,7) is read in place (0x%08x)", v);
			/* The mapping is shared: a later client write shows without copies. */
			map[plane.offset + 0] = 0x42;
			SW_CHECK(t, (data[0] & 0xff) == 0x42, "reads see the client's writes");
		}
		SW_CHECK(t, buf->impl->end_access(buf), "end_access succeeds");
		SW_CHECK(t, sync_ends == ends + 1, "SYNC END after reading");
	}
	destroy_client_buffer(&c);
	SW_CHECK(t, sw_test_count_fds() == fds_before, "the destroyed buffer closed its fd (%d, %d before)",
		 sw_test_count_fds(), fds_before);
	munmap(map, size);
	ctx_fini(&c);
}

static void
nv12_converted_where_damaged(struct sw_test *t)
{
	struct ctx c;
	SW_CHECK(t, ctx_init(&c), "client and server connect");

	/* 32x16 NV12 in one file: Y rows of 40 bytes, chroma 6 bytes after the luma. */
	const struct plane_desc planes[2] = { { 0, 40 }, { 40 * 16 + 6, 40 } };
	size_t size = planes[1].offset + (size_t)planes[1].stride * 8;
	uint8_t *map;
	int fd = memfd_with(size, &map);
	SW_CHECK(t, fd >= 0, "memfd");
	struct sw_ycbcr blue = sw_rgb_to_ycbcr601(0x3366cc);
	for (uint32_t y = 0; y < 16; y++)
		memset(map + y * 40, blue.y, 32);
	for (uint32_t y = 0; y < 8; y++)
		for (uint32_t x = 0; x < 16; x++) {
			map[planes[1].offset + y * 40 + 2 * x] = blue.cb;
			map[planes[1].offset + y * 40 + 2 * x + 1] = blue.cr;
		}

	bool failed;
	struct sw_buffer *buf = make_buffer(&c, fd, planes, 2, 32, 16, DRM_FORMAT_NV12, 0,
					    false, &failed);
	close(fd);
	SW_CHECK(t, buf != NULL && !failed, "create gives a created event and a buffer");
	if (buf) {
		pixman_image_t *img = buf->impl->begin_access(buf, NULL);
		SW_CHECK(t, img != NULL, "begin_access converts");
		if (img) {
			uint32_t *data = pixman_image_get_data(img);
			int stride = pixman_image_get_stride(img) / 4;
			int worst = 0;
			for (int y = 0; y < 16; y++)
				for (int x = 0; x < 32; x++)
					for (int s = 0; s < 24; s += 8) {
						int got = (int)((data[y * stride + x] >> s) & 0xff);
						int want = (0x3366cc >> s) & 0xff;
						int d = abs(got - want);
						worst = d > worst ? d : worst;
					}
			SW_CHECK(t, worst <= 2, "0x3366cc survives NV12 within 2 per channel (off by %d)",
				 worst);
			SW_CHECK(t, (data[0] >> 24) == 0xff, "converted pixels are opaque");
		}
		buf->impl->end_access(buf);

		/* The client paints white luma everywhere but damages only a 4x2 block. */
		for (uint32_t y = 0; y < 16; y++)
			memset(map + y * 40, 235, 32);
		pixman_region32_t damage;
		pixman_region32_init_rect(&damage, 8, 4, 4, 2);
		SW_CHECK(t, buf->impl->invalidate != NULL, "NV12 buffers hear of damage");
		if (buf->impl->invalidate)
			buf->impl->invalidate(buf, &damage);
		/* What is read does not matter: the copy is refreshed where it is stale. */
		img = buf->impl->begin_access(buf, NULL);
		pixman_region32_fini(&damage);
		if (img) {
			uint32_t *data = pixman_image_get_data(img);
			int stride = pixman_image_get_stride(img) / 4;
			uint32_t in = data[5 * stride + 9], out = data[0];
			uint32_t want_in = sw_ycbcr601_to_xrgb(235, blue.cb, blue.cr);
			uint32_t want_out = sw_ycbcr601_to_xrgb(blue.y, blue.cb, blue.cr);
			SW_CHECK(t, in == want_in, "the damaged block is converted again (0x%08x)", in);
			SW_CHECK(t, out == want_out, "undamaged pixels are left alone (0x%08x)", out);
			SW_CHECK(t, data[3 * stride + 9] == want_out && data[4 * stride + 12] == want_out,
				 "the pixels next to the block are left alone");
		}
		buf->impl->end_access(buf);
	}
	destroy_client_buffer(&c);
	munmap(map, size);
	ctx_fini(&c);
}

static void
refusals_are_failed_events(struct sw_test *t)
{
	struct ctx c;
	SW_CHECK(t, ctx_init(&c), "client and server connect");
	uint8_t *map;
	int fd = memfd_with(8192, &map);
	bool failed;

	const struct plane_desc p565 = { 0, 6 };
	struct sw_buffer *buf = make_buffer(&c, fd, &p565, 1, 3, 2, DRM_FORMAT_RGB565, 0, false,
					    &failed);
	SW_CHECK(t, !buf && failed, "RGB565 rows of 6 bytes cannot be read in place: failed");

	const struct plane_desc px = { 0, 64 };
	buf = make_buffer(&c, fd, &px, 1, 16, 16, DRM_FORMAT_XRGB8888,
			  ZWP_LINUX_BUFFER_PARAMS_V1_FLAGS_Y_INVERT, false, &failed);
	SW_CHECK(t, !buf && failed, "y_invert is not supported: failed");

	int fds[2];
	SW_CHECK(t, pipe2(fds, O_CLOEXEC) == 0, "pipe");
	buf = make_buffer(&c, fds[0], &px, 1, 16, 16, DRM_FORMAT_XRGB8888, 0, false, &failed);
	SW_CHECK(t, !buf && failed, "a pipe is not a dma-buf: failed");
	SW_CHECK(t, wl_display_get_error(c.cdisplay) == 0, "the client stays connected");
	close(fds[0]);
	close(fds[1]);
	close(fd);
	munmap(map, 8192);
	ctx_fini(&c);
}

/*
 * pixman takes the stride as an int: a stride of 2 GiB or more would turn
 * negative there and rows would be read before the mapping. Such a buffer
 * passes the size checks when the dma-buf is large enough (a sparse memfd
 * here), so the import must refuse it.
 */
static void
stride_beyond_int_refused(struct sw_test *t)
{
	struct ctx c;
	SW_CHECK(t, ctx_init(&c), "client and server connect");
	const struct plane_desc plane = { 0, 0x80000000u };
	int fd = memfd_create("test-dmabuf-huge", MFD_CLOEXEC);
	SW_CHECK(t, fd >= 0 && ftruncate(fd, (off_t)plane.stride * 2) == 0,
		 "a sparse 4 GiB memfd");
	bool failed;
	struct sw_buffer *buf = make_buffer(&c, fd, &plane, 1, 16, 2, DRM_FORMAT_XRGB8888, 0,
					    false, &failed);
	SW_CHECK(t, !buf && failed, "a 2 GiB stride for pixman is refused with failed");
	if (buf) {
		pixman_image_t *img = buf->impl->begin_access(buf, NULL);
		SW_CHECK(t, img && pixman_image_get_stride(img) > 0,
			 "had it been taken, pixman's stride would be %d",
			 img ? pixman_image_get_stride(img) : 0);
		buf->impl->end_access(buf);
		destroy_client_buffer(&c);
	}
	SW_CHECK(t, wl_display_get_error(c.cdisplay) == 0, "the client stays connected");
	close(fd);
	ctx_fini(&c);
}

/*
 * An exporter that takes the pages away (here: the memfd standing in for the
 * dma-buf is truncated) makes the read fault. The guard lets it complete on
 * zeros, end_access reports it, and the client is disconnected with an
 * error naming the buffer; the compositor goes on.
 */
static void
fault_under_read_disconnects(struct sw_test *t)
{
	struct ctx c;
	SW_CHECK(t, ctx_init(&c), "client and server connect");
	const struct plane_desc plane = { 0, 256 };
	uint8_t *map;
	int fd = memfd_with(256 * 64, &map);
	SW_CHECK(t, fd >= 0, "memfd");
	memset(map, 0x5a, 256 * 64);
	bool failed;
	struct sw_buffer *buf = make_buffer(&c, fd, &plane, 1, 64, 64, DRM_FORMAT_XRGB8888, 0,
					    true, &failed);
	SW_CHECK(t, buf != NULL, "create_immed gives a buffer");
	if (buf) {
		uint32_t id = wl_proxy_get_id((struct wl_proxy *)last_client_buffer);
		pixman_image_t *img = buf->impl->begin_access(buf, NULL);
		SW_CHECK(t, img != NULL, "begin_access gives an image");
		SW_CHECK(t, ftruncate(fd, 0) == 0, "the pages go away");
		if (img) {
			volatile uint32_t *px = pixman_image_get_data(img);
			uint32_t v = px[64 * 10 + 3];
			SW_CHECK(t, v == 0, "the faulting read completes on zeros (0x%08x)", v);
		}
		SW_CHECK(t, !buf->impl->end_access(buf), "end_access reports the fault");
		pump(&c);
		uint32_t err_id = 0;
		const struct wl_interface *iface = NULL;
		int code = wl_display_get_protocol_error(c.cdisplay, &iface, &err_id);
		SW_CHECK(t, wl_display_get_error(c.cdisplay) == EPROTO && iface &&
			 strcmp(iface->name, "wl_buffer") == 0 && err_id == id &&
			 code == ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_INVALID_WL_BUFFER,
			 "the client gets invalid_wl_buffer on wl_buffer@%u (got %s@%u code %d)",
			 id, iface ? iface->name : "none", err_id, code);
		wl_buffer_destroy(last_client_buffer);
		last_client_buffer = NULL;
	}
	close(fd);
	munmap(map, 256 * 64);
	ctx_fini(&c);

	/* The compositor side is intact: a new connection imports and reads. */
	SW_CHECK(t, ctx_init(&c), "a new client connects");
	fd = memfd_with(256 * 64, &map);
	buf = make_buffer(&c, fd, &plane, 1, 64, 64, DRM_FORMAT_XRGB8888, 0, true, &failed);
	SW_CHECK(t, buf != NULL, "and gets a buffer");
	if (buf) {
		SW_CHECK(t, buf->impl->begin_access(buf, NULL) != NULL, "readable");
		SW_CHECK(t, buf->impl->end_access(buf), "without a fault");
		destroy_client_buffer(&c);
	}
	close(fd);
	munmap(map, 256 * 64);
	ctx_fini(&c);
}

static void
yuv_roundtrip(struct sw_test *t)
{
	static const uint32_t colors[] = { 0x000000, 0xffffff, 0xff0000, 0x00ff00, 0x0000ff,
					   0x3366cc, 0x808080, 0x20b0d0 };
	for (size_t i = 0; i < sizeof(colors) / sizeof(colors[0]); i++) {
		struct sw_ycbcr c = sw_rgb_to_ycbcr601(colors[i]);
		SW_CHECK(t, c.y >= 16 && c.y <= 235 && c.cb >= 16 && c.cb <= 240 &&
			 c.cr >= 16 && c.cr <= 240, "0x%06x is in limited range", colors[i]);
		uint32_t back = sw_ycbcr601_to_xrgb(c.y, c.cb, c.cr);
		for (int s = 0; s < 24; s += 8) {
			int d = abs((int)((back >> s) & 0xff) - (int)((colors[i] >> s) & 0xff));
			SW_CHECK(t, d <= 2, "0x%06x comes back as 0x%06x", colors[i],
				 back & 0xffffff);
		}
	}
	SW_CHECK(t, sw_ycbcr601_to_xrgb(16, 128, 128) == 0xff000000u, "Y 16 is black");
	SW_CHECK(t, sw_ycbcr601_to_xrgb(235, 128, 128) == 0xffffffffu, "Y 235 is white");
}

int
main(void)
{
	struct sw_test t = { 0 };
	sw_log_set_level(SW_LOG_ERROR);
	SW_RUN(&t, yuv_roundtrip);
	SW_RUN(&t, rgb_in_place);
	SW_RUN(&t, nv12_converted_where_damaged);
	SW_RUN(&t, refusals_are_failed_events);
	SW_RUN(&t, stride_beyond_int_refused);
	SW_RUN(&t, fault_under_read_disconnects);
	return sw_test_finish(&t);
}
