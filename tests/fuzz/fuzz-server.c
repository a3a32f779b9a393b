/*
 * A coverage-guided protocol fuzzer for the whole server, in one process: each
 * input starts a sealway server (every global, headless output, seat, dmabuf),
 * plays a byte stream of records as up to two clients on socketpairs, repaints
 * the output so buffers are read, tears everything down and checks that no fd
 * was left open (abort() otherwise, so libFuzzer reports it): none of the
 * clients' once they are gone, none at all once the server is.
 *
 * Input layout (every byte string is a valid input; missing bytes read as 0):
 *   config byte: bit 0 --shm-seals=require, bit 1 a keyboard, bit 2 a pointer,
 *                bit 3 a keymap, bit 4 every client starts with wl_registry@2
 *                and every global bound at 3, 4, ... in the order they are
 *                announced (so inputs need not spell out the binds), bit 5
 *                --trust-virtual-input=spawned with client 0 as the spawned
 *                client's connection (else =all: both see the virtual input
 *                globals)
 *   records, each a tag byte T, kind T & 0x0f, client T >> 7:
 *     0-7  request   obj:1 opcode:1 args...: the interface of `obj` (looked up
 *                    in the server) gives the signature and the wire size, and
 *                    opcode is taken modulo its request count. Per argument:
 *                    i/u/f 4 bytes LE; o 1 byte id (0: null); n 1 byte id
 *                    (0: the lowest free id); s len:1 (0xff: null) then bytes;
 *                    a len:1 then bytes; h 1 fd spec (see make_fd; spec 0x0f
 *                    is a sealed memfd of len:2 bytes that follow, as a
 *                    keymap).
 *                    An id byte b >= 0xf0 names server id 0xff000000 + b - 0xf0.
 *                    Unknown objects get a bare 8-byte header.
 *     8    raw       len:1 bytes, written as they are
 *     9    repaint   if a frame is scheduled: composite it and present it;
 *                    with T >> 7, switch the output off or on (a VT switch)
 *     10   disconnect the client (a later record reconnects it afresh)
 *     11   truncate  slot:1 size:1 (a size class) of a memfd the harness kept
 *     12   warp      x:2 y:2: the pointer to x % (width + 32) - 16, likewise y
 *     13   button    button:1 (BTN_LEFT + b % 3), pressed = T >> 7
 *     14   key       key:1, pressed = T >> 7
 *     15   seat      sub:1: sub & 3 = 0/1 axis (vertical/horizontal) value:1
 *                    discrete:1 (both signed) and a frame; 2 capabilities
 *                    (keyboard sub & 4, pointer sub & 8); 3 modifiers sub >> 2
 *
 * Built with -fsanitize=fuzzer (meson -Dfuzz=true, clang) it fuzzes; built
 * with replay.c it runs files through the same function (the regression test).
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "backend.h"
#include "idle-inhibit-unstable-v1-server-protocol.h"
#include "linux-dmabuf-unstable-v1-server-protocol.h"
#include "log.h"
#include "output.h"
#include "presentation-time-server-protocol.h"
#include "primary-selection-unstable-v1-server-protocol.h"
#include "seat.h"
#include "server.h"
#include "trust.h"
#include "viewporter-server-protocol.h"
#include "virtual-keyboard-unstable-v1-server-protocol.h"
#include "wlr-data-control-unstable-v1-server-protocol.h"
#include "wlr-layer-shell-unstable-v1-server-protocol.h"
#include "wlr-screencopy-unstable-v1-server-protocol.h"
#include "wlr-virtual-pointer-unstable-v1-server-protocol.h"
#include "xdg-activation-v1-server-protocol.h"
#include "xdg-decoration-unstable-v1-server-protocol.h"
#include "xdg-output-unstable-v1-server-protocol.h"
#include "xdg-shell-server-protocol.h"

#define MAX_CLIENTS 2
#define MAX_SLOTS 64         /* memfds the harness keeps, to truncate or pose as dma-bufs */
#define MAX_MSG_FDS 28       /* what libwayland takes in one sendmsg */
#define MAX_RECORDS 4096
#define OUTPUT_W 320
#define OUTPUT_H 240
#define BTN_LEFT 0x110
/* Request opcodes (the server headers name only events). */
#define DISPLAY_GET_REGISTRY 1
#define REGISTRY_BIND 0

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int __real_sw_fd_is_dmabuf(int fd);
int __real_sw_dmabuf_sync(int fd, uint64_t flags);
int __wrap_sw_fd_is_dmabuf(int fd);
int __wrap_sw_dmabuf_sync(int fd, uint64_t flags);

/* Every interface sealway implements: a resource's class names one of these. */
static const struct wl_interface *const interfaces[] = {
	&wl_display_interface, &wl_registry_interface, &wl_callback_interface,
	&wl_compositor_interface, &wl_surface_interface, &wl_region_interface,
	&wl_subcompositor_interface, &wl_subsurface_interface, &wl_shm_interface,
	&wl_shm_pool_interface, &wl_buffer_interface, &wl_data_device_manager_interface,
	&wl_data_device_interface, &wl_data_source_interface, &wl_data_offer_interface,
	&wl_seat_interface, &wl_pointer_interface, &wl_keyboard_interface, &wl_touch_interface,
	&wl_output_interface, &zxdg_output_manager_v1_interface, &zxdg_output_v1_interface,
	&wp_presentation_interface, &wp_presentation_feedback_interface, &xdg_wm_base_interface,
	&xdg_positioner_interface, &xdg_surface_interface, &xdg_toplevel_interface,
	&xdg_popup_interface, &zwlr_screencopy_manager_v1_interface,
	&zwlr_screencopy_frame_v1_interface, &zwp_linux_dmabuf_v1_interface,
	&zwp_linux_buffer_params_v1_interface, &zwp_linux_dmabuf_feedback_v1_interface,
	&wp_viewporter_interface, &wp_viewport_interface,
	&zxdg_decoration_manager_v1_interface, &zxdg_toplevel_decoration_v1_interface,
	&zwlr_layer_shell_v1_interface, &zwlr_layer_surface_v1_interface,
	&zwlr_data_control_manager_v1_interface, &zwlr_data_control_device_v1_interface,
	&zwlr_data_control_source_v1_interface, &zwlr_data_control_offer_v1_interface,
	&zwp_primary_selection_device_manager_v1_interface,
	&zwp_primary_selection_device_v1_interface, &zwp_primary_selection_source_v1_interface,
	&zwp_primary_selection_offer_v1_interface,
	&xdg_activation_v1_interface, &xdg_activation_token_v1_interface,
	&zwp_idle_inhibit_manager_v1_interface, &zwp_idle_inhibitor_v1_interface,
	&zwp_virtual_keyboard_manager_v1_interface, &zwp_virtual_keyboard_v1_interface,
	&zwlr_virtual_pointer_manager_v1_interface, &zwlr_virtual_pointer_v1_interface,
};

static const uint32_t size_classes[16] = {
	0, 1, 4, 100, 4095, 4096, 4100, 8192, 12288, 16384, 32768, 65536, 65537,
	262144, 1048576, 4194304,
};

struct fuzz_client {
	struct wl_client *client;   /* NULL when not connected or destroyed by the server */
	int fd;                     /* our end, -1 when none */
	struct wl_listener destroy;
};

struct fuzz {
	struct sw_server server;
	struct fuzz_client clients[MAX_CLIENTS];
	const uint8_t *p, *end;
	int slots[MAX_SLOTS];       /* our copies of the memfds sent */
	bool posing[MAX_SLOTS];     /* the compositor takes this one for a dma-buf */
	ino_t ino[MAX_SLOTS];
	size_t nslots;
	uint32_t time_msec;
	uint64_t frame_seq;
	bool prebind;
	bool spawned_made;     /* client 0's first connection was made the trusted one */
};

/*
 * The dma-buf checks are wrapped at link time (--wrap) and have no context
 * argument: the input being run is found here.
 */
static struct fuzz *current;

/* ---- input ---- */

static uint8_t
take8(struct fuzz *f)
{
	return f->p < f->end ? *f->p++ : 0;
}

static uint32_t
take32(struct fuzz *f)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)take8(f) << (8 * i);
	return v;
}

static uint32_t
id_from_byte(uint8_t b)
{
	return b >= 0xf0 ? 0xff000000u + (uint32_t)(b - 0xf0) : b;
}

/* ---- dma-bufs: memfds the harness made for that pose as ones ---- */

static bool
fd_is_posing(const struct fuzz *f, int fd)
{
	struct stat st;
	if (!f || fstat(fd, &st) < 0)
		return false;
	for (size_t i = 0; i < f->nslots; i++)
		if (f->posing[i] && f->ino[i] == st.st_ino)
			return true;
	return false;
}

int
__wrap_sw_fd_is_dmabuf(int fd)
{
	if (fd_is_posing(current, fd))
		return 1;
	return __real_sw_fd_is_dmabuf(fd);
}

int
__wrap_sw_dmabuf_sync(int fd, uint64_t flags)
{
	if (fd_is_posing(current, fd))
		return 0;
	return __real_sw_dmabuf_sync(fd, flags);
}

/* ---- fds ---- */

static int
make_memfd(struct fuzz *f, uint32_t size, int seals, bool posing, bool readonly)
{
	int fd = memfd_create("sealway-fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, size) < 0 || (seals && fcntl(fd, F_ADD_SEALS, seals) < 0)) {
		close(fd);
		return -1;
	}
	struct stat st;
	if (f->nslots < MAX_SLOTS && fstat(fd, &st) == 0) {
		int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (copy >= 0) {
			f->slots[f->nslots] = copy;
			f->posing[f->nslots] = posing;
			f->ino[f->nslots] = st.st_ino;
			f->nslots++;
		}
	}
	if (readonly) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		int ro = open(path, O_RDONLY | O_CLOEXEC);
		close(fd);
		fd = ro;
	}
	return fd;
}

/* A sealed memfd holding len:2 bytes of the input (a keymap, say). */
static int
make_data_memfd(struct fuzz *f)
{
	uint32_t len = take8(f);
	len |= (uint32_t)take8(f) << 8;
	if (len > (size_t)(f->end - f->p))
		len = (uint32_t)(f->end - f->p);
	int fd = memfd_create("sealway-fuzz-data", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (len && write(fd, f->p, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	f->p += len;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * An fd for a request: spec & 15 is the kind, spec >> 4 the size class of
 * memfds. Returns -1 when none could be made (the request goes without it).
 */
static int
make_fd(struct fuzz *f, uint8_t spec)
{
	uint32_t size = size_classes[spec >> 4];
	int pipefd[2], sv[2], fd;
	if (spec == 0x0f)
		return make_data_memfd(f);
	switch (spec & 15) {
	case 0:
		return make_memfd(f, size, 0, false, false);
	case 1:
		return make_memfd(f, size, F_SEAL_SHRINK, false, false);
	case 2:
		return make_memfd(f, size, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL, false, false);
	case 3:
		return make_memfd(f, size, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE, false, false);
	case 4:
		return make_memfd(f, size, 0, true, false);
	case 5:
		return make_memfd(f, size, F_SEAL_SHRINK | F_SEAL_GROW, true, false);
	case 6:
		return make_memfd(f, size, 0, false, true);
	case 7:
		return make_memfd(f, size, F_SEAL_SHRINK | F_SEAL_FUTURE_WRITE, false, false);
	case 8:
	case 9:
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return -1;
		close(pipefd[(spec & 15) == 8 ? 1 : 0]);
		return pipefd[(spec & 15) == 8 ? 0 : 1];
	case 10:
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	case 11:
		return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	case 12:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return -1;
		close(sv[1]);
		return sv[0];
	case 13:
		return open("/", O_PATH | O_CLOEXEC);
	case 14:
		return eventfd(0, EFD_CLOEXEC);
	default:
		/* The file of the memfd made last, once more (a pool and a dma-buf on it). */
		if (f->nslots == 0)
			return make_memfd(f, size, 0, false, false);
		fd = fcntl(f->slots[f->nslots - 1], F_DUPFD_CLOEXEC, 0);
		return fd;
	}
}

/* ---- clients ---- */

static void
client_destroyed(struct wl_listener *listener, void *data)
{
	struct fuzz_client *c = wl_container_of(listener, c, destroy);
	wl_list_remove(&c->destroy.link);
	c->client = NULL;
}

static void
close_client_end(struct fuzz_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Read and drop what the server sent, closing the fds that came with it. */
static void
drain(struct fuzz_client *c)
{
	if (c->fd < 0)
		return;
	for (;;) {
		char buf[4096];
		char cbuf[CMSG_SPACE(sizeof(int) * MAX_MSG_FDS)];
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		ssize_t n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n <= 0)
			break;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			size_t nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fds[MAX_MSG_FDS];
			memcpy(fds, CMSG_DATA(cm), nfds * sizeof(int));
			for (size_t i = 0; i < nfds; i++)
				close(fds[i]);
		}
	}
	/* Gone on the server's side and read to the end: our end goes too. */
	if (!c->client)
		close_client_end(c);
}

static void
pump(struct fuzz *f)
{
	wl_event_loop_dispatch(f->server.loop, 0);
	wl_display_flush_clients(f->server.display);
	for (int i = 0; i < MAX_CLIENTS; i++)
		drain(&f->clients[i]);
}

static void
send_bytes(struct fuzz_client *c, const void *bytes, size_t len, const int *fds, size_t nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * MAX_MSG_FDS)] = { 0 };
	struct iovec iov = { .iov_base = (void *)bytes, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds > 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	/* A full socket or a gone server end just loses the message. */
	(void)sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static size_t
put_string_words(uint32_t *w, const char *s)
{
	size_t len = strlen(s) + 1;
	w[0] = (uint32_t)len;
	memset(&w[1], 0, (len + 3) / 4 * 4);
	memcpy(&w[1], s, len);
	return 1 + (len + 3) / 4;
}

/* get_registry as wl_registry@2, then bind every global it announces at 3, 4, ... */
static void
prebind(struct fuzz *f, struct fuzz_client *c)
{
	uint32_t get_registry[3] = { 1, 12u << 16 | DISPLAY_GET_REGISTRY, 2 };
	send_bytes(c, get_registry, sizeof(get_registry), NULL, 0);
	wl_event_loop_dispatch(f->server.loop, 0);
	wl_display_flush_clients(f->server.display);

	uint32_t events[1024];
	ssize_t n = recv(c->fd, events, sizeof(events), MSG_DONTWAIT);
	uint32_t next_id = 3;
	for (size_t at = 0; n > 0 && (at + 2) * 4 <= (size_t)n;) {
		uint32_t size = events[at + 1] >> 16, *ev = &events[at];
		if (size < 8 || size % 4 || at * 4 + size > (size_t)n)
			break;
		at += size / 4;
		if (ev[0] != 2 || (ev[1] & 0xffff) != WL_REGISTRY_GLOBAL || size < 16)
			continue;
		/* global(name, interface, version): the string's length says where version is. */
		uint32_t name = ev[2], slen = ev[3], words = (slen + 3) / 4;
		if (slen == 0 || 20 + words * 4 > size)
			continue;
		const char *iface = (const char *)&ev[4];
		uint32_t version = ev[4 + words];
		uint32_t bind[80] = { 2, 0, name };
		size_t len = 3;
		if (strnlen(iface, slen) != slen - 1 || slen > 200)
			continue;
		len += put_string_words(&bind[len], iface);
		bind[len++] = version;
		bind[len++] = next_id++;
		bind[1] = (uint32_t)(len * 4) << 16 | REGISTRY_BIND;
		send_bytes(c, bind, len * 4, NULL, 0);
	}
	/* The next request is encoded from the objects the server has. */
	wl_event_loop_dispatch(f->server.loop, 0);
	wl_display_flush_clients(f->server.display);
}

static struct fuzz_client *
client_get(struct fuzz *f, int index)
{
	struct fuzz_client *c = &f->clients[index];
	if (c->client)
		return c;
	close_client_end(c);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
		return NULL;
	c->client = wl_client_create(f->server.display, sv[1]);
	if (!c->client) {
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	c->fd = sv[0];
	c->destroy.notify = client_destroyed;
	wl_client_add_destroy_listener(c->client, &c->destroy);
	/* Under "spawned", client 0 is the -- CLIENT's connection (a reconnect is not). */
	if (index == 0 && !f->spawned_made) {
		f->spawned_made = true;
		sw_trust_set_spawned_client(&f->server, c->client);
	}
	if (f->prebind)
		prebind(f, c);
	return c;
}

/* ---- requests ---- */

static const struct wl_interface *
interface_of(struct wl_resource *resource)
{
	const char *name = wl_resource_get_class(resource);
	for (size_t i = 0; i < sizeof(interfaces) / sizeof(interfaces[0]); i++)
		if (strcmp(interfaces[i]->name, name) == 0)
			return interfaces[i];
	return NULL;
}

static uint32_t
lowest_free_id(struct wl_client *client)
{
	uint32_t id = 1;
	while (wl_client_get_object(client, id))
		id++;
	return id;
}

struct message {
	uint32_t words[1024];   /* libwayland's buffer is 4096 bytes: no request is longer */
	size_t len;             /* in words */
	int fds[MAX_MSG_FDS];
	size_t nfds;
};

static void
put32(struct message *m, uint32_t v)
{
	if (m->len < sizeof(m->words) / sizeof(m->words[0]))
		m->words[m->len++] = v;
}

static void
put_bytes(struct message *m, const uint8_t *bytes, size_t n, bool nul)
{
	size_t total = n + (nul ? 1 : 0);
	put32(m, (uint32_t)total);
	size_t words = (total + 3) / 4;
	if (m->len + words > sizeof(m->words) / sizeof(m->words[0]))
		return;
	memset(&m->words[m->len], 0, words * 4);
	memcpy(&m->words[m->len], bytes, n);
	m->len += words;
}

static void
put_blob(struct fuzz *f, struct message *m, bool string)
{
	uint8_t len = take8(f);
	if (string && len == 0xff) {
		put32(m, 0);
		return;
	}
	uint8_t bytes[256];
	for (unsigned i = 0; i < len; i++)
		bytes[i] = take8(f);
	put_bytes(m, bytes, len, string);
}

static void
record_request(struct fuzz *f, struct fuzz_client *c)
{
	struct message m = { .len = 2 };
	uint32_t id = id_from_byte(take8(f));
	uint8_t opcode = take8(f);
	struct wl_resource *resource = wl_client_get_object(c->client, id);
	const struct wl_interface *iface = resource ? interface_of(resource) : NULL;

	if (iface && iface->method_count > 0) {
		opcode %= (uint8_t)iface->method_count;
		for (const char *s = iface->methods[opcode].signature; *s; s++) {
			switch (*s) {
			case 'i': case 'u': case 'f':
				put32(&m, take32(f));
				break;
			case 'o':
				put32(&m, id_from_byte(take8(f)));
				break;
			case 'n': {
				uint8_t b = take8(f);
				put32(&m, b ? id_from_byte(b) : lowest_free_id(c->client));
				break;
			}
			case 's':
				put_blob(f, &m, true);
				break;
			case 'a':
				put_blob(f, &m, false);
				break;
			case 'h': {
				int fd = make_fd(f, take8(f));
				if (fd >= 0 && m.nfds < MAX_MSG_FDS)
					m.fds[m.nfds++] = fd;
				else if (fd >= 0)
					close(fd);
				break;
			}
			default:
				break; /* '?' and since-versions */
			}
		}
	}
	m.words[0] = id;
	m.words[1] = (uint32_t)(m.len * 4) << 16 | opcode;
	send_bytes(c, m.words, m.len * 4, m.fds, m.nfds);
	for (size_t i = 0; i < m.nfds; i++)
		close(m.fds[i]);
}

/* ---- the rest of the world: repaints, devices, other processes ---- */

static void
fuzz_schedule_frame(struct sw_backend *backend, struct sw_output *output)
{
	/* The harness is the clock: sw_output_schedule_frame's flag says a frame is wanted. */
}

static struct sw_backend_impl fuzz_backend_impl;

static struct sw_backend *
fuzz_create_backend(struct sw_server *server)
{
	struct sw_backend *backend = sw_headless_backend_create(server);
	if (!backend)
		return NULL;
	/* Headless without its timer: frames come when an input asks for one. */
	fuzz_backend_impl = *backend->impl;
	fuzz_backend_impl.schedule_frame = fuzz_schedule_frame;
	backend->impl = &fuzz_backend_impl;
	return backend;
}

static void
repaint(struct fuzz *f)
{
	struct sw_output *output = sw_output_first(&f->server);
	if (!output->frame_scheduled)
		return;
	sw_output_frame(output);
	if (output->commit_pending) {
		struct sw_present_info info = { .seq = ++f->frame_seq, .refresh_ns = 16666666 };
		info.when.tv_sec = f->time_msec / 1000;
		info.when.tv_nsec = (long)(f->time_msec % 1000) * 1000000;
		sw_output_presented(output, &info);
	}
}

static void
truncate_slot(struct fuzz *f)
{
	uint8_t slot = take8(f), size = take8(f);
	if (f->nslots == 0)
		return;
	slot %= f->nslots;
	/* Real dma-bufs never shrink: the compositor does not guard their reads. */
	if (f->posing[slot])
		return;
	(void)ftruncate(f->slots[slot], size_classes[size & 15]);
}

static void
run_record(struct fuzz *f, uint8_t tag)
{
	int ci = tag >> 7;
	bool high = tag >> 7;
	struct sw_seat *seat = f->server.seat;
	struct fuzz_client *c;
	f->time_msec += 7;

	switch (tag & 0x0f) {
	case 8: {
		uint8_t bytes[256], len = take8(f);
		for (unsigned i = 0; i < len; i++)
			bytes[i] = take8(f);
		if ((c = client_get(f, ci)))
			send_bytes(c, bytes, len, NULL, 0);
		break;
	}
	case 9:
		if (high)
			sw_output_set_enabled(sw_output_first(&f->server),
					      !sw_output_first(&f->server)->enabled);
		else
			repaint(f);
		break;
	case 10:
		/* The server notices the hangup on the next dispatch. */
		if (f->clients[ci].client)
			close_client_end(&f->clients[ci]);
		break;
	case 11:
		truncate_slot(f);
		break;
	case 12: {
		uint32_t xy = take32(f);
		/* Anywhere on the output and a little beyond. */
		sw_seat_pointer_warp(seat, f->time_msec,
				     (double)((xy & 0xffff) % (OUTPUT_W + 32)) - 16,
				     (double)((xy >> 16) % (OUTPUT_H + 32)) - 16);
		sw_seat_pointer_frame(seat);
		break;
	}
	case 13:
		sw_seat_pointer_button(seat, f->time_msec, BTN_LEFT + take8(f) % 3, high);
		sw_seat_pointer_frame(seat);
		break;
	case 14:
		sw_seat_keyboard_key(seat, f->time_msec, take8(f), high);
		break;
	case 15: {
		uint8_t sub = take8(f);
		if ((sub & 3) < 2) {
			double value = (int8_t)take8(f);
			/* In 120ths of a click: high-resolution steps and whole clicks alike. */
			int8_t v120 = (int8_t)take8(f);
			sw_seat_pointer_axis(seat, f->time_msec, sub & 1, value, v120 != 0, v120);
			sw_seat_pointer_frame(seat);
		} else if ((sub & 3) == 2) {
			sw_seat_set_capabilities(seat, sub & 4, sub & 8);
		} else {
			sw_seat_keyboard_modifiers(seat, sub >> 2, 0, 0, 0);
		}
		break;
	}
	default:
		if ((c = client_get(f, ci)))
			record_request(f, c);
		break;
	}
	pump(f);
}

/* ---- one input ---- */

/*
 * The fds open, but for the seat's keymap file: a virtual keyboard's keymap
 * stays the seat's after it goes (clients keep their keymap), so one may
 * appear that was not there when the server started.
 */
static int
count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	if (!dir)
		abort();
	int n = 0, keymaps = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		char path[300], target[256];
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t len = readlink(path, target, sizeof(target) - 1);
		target[len > 0 ? len : 0] = '\0';
		if (strncmp(target, "/memfd:sealway-keymap ", 22) == 0)
			keymaps++;
		else
			n++;
	}
	closedir(dir);
	/* The seat holds one keymap at most. */
	if (keymaps > 1) {
		fprintf(stderr, "sealway-fuzz: %d keymap files open, 1 at most expected\n",
			keymaps);
		abort();
	}
	return n;
}

static void
list_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		char path[300], target[256];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "  fd %s -> %s\n", e->d_name, target);
	}
	if (dir)
		closedir(dir);
}

static void
quiet_wl_log(const char *fmt, va_list args)
{
}

static void
check_fds(int expected, const char *when)
{
	int n = count_fds();
	if (n == expected)
		return;
	fprintf(stderr, "sealway-fuzz: %d fds open %s, %d expected:\n", n, when, expected);
	list_fds();
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	signal(SIGPIPE, SIG_IGN);
	sw_log_set_tag("sealway-fuzz");
	enum sw_log_level level = SW_LOG_ERROR;
	const char *env = getenv("SW_FUZZ_LOG");
	if (env && !sw_log_parse_level(env, &level))
		fprintf(stderr, "sealway-fuzz: SW_FUZZ_LOG=%s is not a log level\n", env);
	sw_log_set_level(level);
	/* libwayland reports every protocol error the fuzzer provokes; only when asked. */
	if (!env)
		wl_log_set_handler_server(quiet_wl_log);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz f;
	int fds_before = count_fds();

	memset(&f, 0, sizeof(f));
	f.p = data;
	f.end = data + size;
	for (int i = 0; i < MAX_CLIENTS; i++)
		f.clients[i].fd = -1;

	uint8_t config = take8(&f);
	struct sw_options opts = {
		.backend = "headless",
		.width = OUTPUT_W,
		.height = OUTPUT_H,
		.refresh_mhz = 60000,
		.kms = "auto",
		.shm_require_seals = config & 1,
		.trust_virtual_input = config & 32 ? SW_TRUST_SPAWNED : SW_TRUST_ALL,
	};
	if (!sw_server_init(&f.server, &opts, fuzz_create_backend))
		abort();
	current = &f;
	f.prebind = config & 16;
	if (config & 8)
		sw_seat_set_keymap(f.server.seat, &f, "xkb_keymap { };");
	sw_seat_set_capabilities(f.server.seat, config & 2, config & 4);
	int server_fds = count_fds();

	for (int n = 0; f.p < f.end && n < MAX_RECORDS; n++)
		run_record(&f, take8(&f));
	/* Whatever was committed last is drawn, so its buffers are read. */
	for (int i = 0; i < 3; i++) {
		repaint(&f);
		pump(&f);
	}

	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (f.clients[i].client)
			wl_client_destroy(f.clients[i].client);
		close_client_end(&f.clients[i]);
	}
	for (size_t i = 0; i < f.nslots; i++)
		close(f.slots[i]);
	/* A running compositor would keep whatever a gone client left behind. */
	repaint(&f);
	pump(&f);
	check_fds(server_fds, "once the clients are gone");

	sw_server_finish(&f.server);
	current = NULL;
	check_fds(fds_before, "once the server is gone");
	return 0;
}
