/*
 * vgem-fence: a linux-dmabuf client whose second buffer is still being
 * "written" when it is committed. Both buffers are vgem dumb buffers shared
 * as dma-bufs (PRIME). The first, filled with --old, is committed and shown;
 * the second, filled with --new, gets a vgem write fence and is committed
 * while the fence is unsignalled. The fence is signalled on SIGUSR1, or after
 * --signal-after-ms (vgem itself gives up on a fence after 10 s). Then the
 * client keeps its window until SIGTERM.
 *
 * Lines on stdout, for the VM scenario: "old-shown", "fence-attached",
 * "fence-signalled reason=usr1|timeout", "new-shown ms=N" (N: from the
 * signal to the frame callback of the fenced commit) and, if the compositor
 * used the fenced commit before the fence signalled, "early-frame".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm.h>
#include <drm_fourcc.h>
#include <drm_mode.h>
#include <wayland-client.h>

#include "linux-dmabuf-unstable-v1-client-protocol.h"
#include "probe-util.h"
#include "xdg-shell-client-protocol.h"

#define PROG "vgem-fence"
#define WIDTH 200
#define HEIGHT 150

/* include/uapi/drm/vgem_drm.h, which Debian's libdrm-dev does not ship. */
struct vgem_fence_attach {
	uint32_t handle;
	uint32_t flags;
#define VGEM_FENCE_WRITE 0x1
	uint32_t out_fence;
	uint32_t pad;
};
struct vgem_fence_signal {
	uint32_t fence;
	uint32_t flags;
};
#define VGEM_IOCTL_FENCE_ATTACH DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct vgem_fence_attach)
#define VGEM_IOCTL_FENCE_SIGNAL DRM_IOW(DRM_COMMAND_BASE + 0x2, struct vgem_fence_signal)

static volatile sig_atomic_t got_usr1, got_term;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

static int
xioctl(int fd, unsigned long request, void *arg)
{
	int ret;
	do {
		ret = ioctl(fd, request, arg);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	return ret;
}

/* The vgem device: the DRM node whose driver is "vgem". */
static int
open_vgem(void)
{
	static const char *const nodes[] = {
		"/dev/dri/card0", "/dev/dri/card1", "/dev/dri/card2", "/dev/dri/card3",
	};
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		int fd = open(nodes[i], O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		char name[16] = "";
		struct drm_version v = { .name_len = sizeof(name) - 1, .name = name };
		if (xioctl(fd, DRM_IOCTL_VERSION, &v) == 0 && strcmp(name, "vgem") == 0)
			return fd;
		close(fd);
	}
	fprintf(stderr, PROG ": no vgem DRM device (modprobe vgem, CONFIG_DRM_VGEM)\n");
	return -1;
}

struct vbuf {
	uint32_t handle;
	int dmabuf;
	uint32_t pitch;
	struct wl_buffer *buffer;
};

/* A dumb buffer filled with `colour`, exported and wrapped in a wl_buffer. */
static bool
vbuf_create(int vgem, struct zwp_linux_dmabuf_v1 *dmabuf, uint32_t colour, struct vbuf *b)
{
	struct drm_mode_create_dumb create = { .width = WIDTH, .height = HEIGHT, .bpp = 32 };
	if (xioctl(vgem, DRM_IOCTL_MODE_CREATE_DUMB, &create) < 0) {
		fprintf(stderr, PROG ": CREATE_DUMB: %s\n", strerror(errno));
		return false;
	}
	b->handle = create.handle;
	b->pitch = create.pitch;
	struct drm_mode_map_dumb map = { .handle = create.handle };
	if (xioctl(vgem, DRM_IOCTL_MODE_MAP_DUMB, &map) < 0) {
		fprintf(stderr, PROG ": MAP_DUMB: %s\n", strerror(errno));
		return false;
	}
	uint8_t *pixels = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, vgem,
			       (off_t)map.offset);
	if (pixels == MAP_FAILED) {
		fprintf(stderr, PROG ": mmap of the dumb buffer: %s\n", strerror(errno));
		return false;
	}
	for (uint32_t y = 0; y < HEIGHT; y++)
		for (uint32_t x = 0; x < WIDTH; x++)
			memcpy(pixels + (size_t)y * create.pitch + x * 4, &colour, 4);
	munmap(pixels, create.size);

	struct drm_prime_handle prime = { .handle = create.handle,
					  .flags = DRM_CLOEXEC | DRM_RDWR };
	if (xioctl(vgem, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime) < 0) {
		fprintf(stderr, PROG ": PRIME_HANDLE_TO_FD: %s\n", strerror(errno));
		return false;
	}
	b->dmabuf = prime.fd;
	struct zwp_linux_buffer_params_v1 *params = zwp_linux_dmabuf_v1_create_params(dmabuf);
	zwp_linux_buffer_params_v1_add(params, b->dmabuf, 0, 0, b->pitch,
				       (uint32_t)(DRM_FORMAT_MOD_LINEAR >> 32),
				       (uint32_t)(DRM_FORMAT_MOD_LINEAR & 0xffffffffu));
	b->buffer = zwp_linux_buffer_params_v1_create_immed(params, WIDTH, HEIGHT,
							    DRM_FORMAT_XRGB8888, 0);
	zwp_linux_buffer_params_v1_destroy(params);
	return true;
}

static void
frame_done(void *data, struct wl_callback *callback, uint32_t msec)
{
	bool *done = data;
	*done = true;
	wl_callback_destroy(callback);
}

static const struct wl_callback_listener frame_listener = { .done = frame_done };

static void
show(struct probe_window *w, struct vbuf *b, bool *done)
{
	*done = false;
	struct wl_callback *cb = wl_surface_frame(w->surface);
	wl_callback_add_listener(cb, &frame_listener, done);
	wl_surface_attach(w->surface, b->buffer, 0, 0);
	wl_surface_damage_buffer(w->surface, 0, 0, WIDTH, HEIGHT);
	wl_surface_commit(w->surface);
}

static void
global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
       uint32_t version)
{
	struct zwp_linux_dmabuf_v1 **dmabuf = data;
	if (strcmp(interface, zwp_linux_dmabuf_v1_interface.name) == 0 && !*dmabuf)
		*dmabuf = wl_registry_bind(registry, name, &zwp_linux_dmabuf_v1_interface,
					   version < 3 ? version : 3);
}

static uint32_t
parse_colour(const char *s)
{
	return (uint32_t)strtoul(s, NULL, 16) | 0xff000000u;
}

int
main(int argc, char *argv[])
{
	uint32_t old_colour = 0xff3366cc, new_colour = 0xffcc6633;
	int signal_after_ms = 8000;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--old") == 0)
			old_colour = parse_colour(argv[i + 1]);
		else if (strcmp(argv[i], "--new") == 0)
			new_colour = parse_colour(argv[i + 1]);
		else if (strcmp(argv[i], "--signal-after-ms") == 0)
			signal_after_ms = atoi(argv[i + 1]);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	int vgem = open_vgem();
	if (vgem < 0)
		return 1;
	struct zwp_linux_dmabuf_v1 *dmabuf = NULL;
	struct probe_connect_options opts = { .timeout_ms = 20000, .global = global,
					      .data = &dmabuf };
	struct probe_globals g;
	if (!probe_connect_with(&g, &opts))
		return 1;
	if (!dmabuf) {
		fprintf(stderr, PROG ": the compositor has no zwp_linux_dmabuf_v1\n");
		return 1;
	}
	struct probe_window w;
	if (!probe_window_map(&g, &w, PROG))
		return 1;
	struct vbuf old_buf, new_buf;
	if (!vbuf_create(vgem, dmabuf, old_colour, &old_buf) ||
	    !vbuf_create(vgem, dmabuf, new_colour, &new_buf))
		return 1;

	bool done;
	show(&w, &old_buf, &done);
	if (!probe_wait_for(g.display, &done, 20000)) {
		fprintf(stderr, PROG ": the first buffer was never shown\n");
		return 1;
	}
	printf("old-shown\n");

	struct vgem_fence_attach attach = { .handle = new_buf.handle, .flags = VGEM_FENCE_WRITE };
	if (xioctl(vgem, VGEM_IOCTL_FENCE_ATTACH, &attach) < 0) {
		fprintf(stderr, PROG ": VGEM_FENCE_ATTACH: %s\n", strerror(errno));
		return 1;
	}
	show(&w, &new_buf, &done);
	wl_display_flush(g.display);
	int64_t attached = probe_now_ms();
	printf("fence-attached\n");

	while (!got_usr1 && !got_term && probe_now_ms() - attached < signal_after_ms) {
		if (probe_dispatch_timeout(g.display, 50) < 0) {
			fprintf(stderr, PROG ": disconnected while the fence was pending\n");
			return 1;
		}
		if (done) {
			printf("early-frame\n");
			done = false;
		}
	}
	struct vgem_fence_signal sig = { .fence = attach.out_fence };
	if (xioctl(vgem, VGEM_IOCTL_FENCE_SIGNAL, &sig) < 0) {
		fprintf(stderr, PROG ": VGEM_FENCE_SIGNAL: %s\n", strerror(errno));
		return 1;
	}
	int64_t signalled = probe_now_ms();
	printf("fence-signalled reason=%s\n", got_usr1 ? "usr1" : got_term ? "term" : "timeout");
	if (!done && !probe_wait_for(g.display, &done, 20000)) {
		fprintf(stderr, PROG ": the fenced buffer was never shown\n");
		return 1;
	}
	printf("new-shown ms=%" PRId64 "\n", probe_now_ms() - signalled);

	while (!got_term && probe_dispatch_timeout(g.display, 100) >= 0)
		;
	wl_buffer_destroy(old_buf.buffer);
	wl_buffer_destroy(new_buf.buffer);
	close(old_buf.dmabuf);
	close(new_buf.dmabuf);
	probe_window_destroy(&w);
	zwp_linux_dmabuf_v1_destroy(dmabuf);
	probe_disconnect(&g);
	close(vgem);
	return 0;
}
