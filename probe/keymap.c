/*
 * The keymap the compositor hands to keyboard clients, in three scenarios:
 *
 *   keymap         one client's keymap: a read-only fd on a memfd sealed
 *                  against shrinking, growing and writing, holding an XKB
 *                  keymap, impossible to map writable and shared
 *   keymap-shared  two clients' keymaps: one file or two (st_dev/st_ino)
 *   keymap-tamper  one client tries to change what another reads: write(),
 *                  ftruncate(), a writable shared mapping, fchmod() and a
 *                  reopen of /proc/self/fd/N O_RDWR, each judged by what the
 *                  other client, and then a new one, read
 *
 * The wl_seat is bound at version 7, from which the protocol makes clients
 * map the keymap MAP_PRIVATE. A seat without a keyboard gets one when the
 * compositor offers zwp_virtual_keyboard_manager_v1: a virtual keyboard of
 * the probe's own, on a connection of its own, with a small keymap.
 *
 * Prints what it saw, "check-failed: REASON" for each broken requirement,
 * then the outcome of the connection ("ok", ...); or "no-keyboard" when the
 * seat has none. Exit status 0, 1 when a check failed, 2 for "no-keyboard"
 * (nothing to check). `keymap-probe --expect-no-keyboard` wants no keyboard
 * (and makes none): status 0 for "no-keyboard".
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wayland-client.h>

#include "probe-util.h"
#include "scenarios.h"
#include "virtual-keyboard-unstable-v1-client-protocol.h"

#define SEAT_VERSION 7
#define KEYBOARD_WAIT_MS 3000

/* Self-contained (no includes from the XKB data), so any compositor can compile it. */
static const char probe_keymap[] =
	"xkb_keymap {\n"
	"xkb_keycodes \"sealway-probe\" { minimum = 8; maximum = 255; <AE01> = 10; };\n"
	"xkb_types \"sealway-probe\" { type \"ONE_LEVEL\" { modifiers = none; "
	"level_name[Level1] = \"Any\"; }; };\n"
	"xkb_compatibility \"sealway-probe\" { };\n"
	"xkb_symbols \"sealway-probe\" { key <AE01> { [ 1 ] }; };\n"
	"};\n";

/* One client: its seat, and the keymap its wl_keyboard got. */
struct client {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_seat *seat;
	struct zwp_virtual_keyboard_manager_v1 *vkbd_manager;
	uint32_t caps;
	bool caps_known;
	struct wl_keyboard *keyboard;
	bool keymap_seen;
	uint32_t format, size;
	int fd;		/* the keymap's, -1 until it came */
};

static void
kb_keymap(void *data, struct wl_keyboard *kb, uint32_t format, int32_t fd, uint32_t size)
{
	struct client *c = data;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = fd;
	c->format = format;
	c->size = size;
	c->keymap_seen = true;
}

static void kb_enter(void *d, struct wl_keyboard *k, uint32_t s, struct wl_surface *sf,
		     struct wl_array *keys) {}
static void kb_leave(void *d, struct wl_keyboard *k, uint32_t s, struct wl_surface *sf) {}
static void kb_key(void *d, struct wl_keyboard *k, uint32_t s, uint32_t t, uint32_t key,
		   uint32_t state) {}
static void kb_modifiers(void *d, struct wl_keyboard *k, uint32_t s, uint32_t dep, uint32_t lat,
			 uint32_t lock, uint32_t group) {}
static void kb_repeat(void *d, struct wl_keyboard *k, int32_t rate, int32_t delay) {}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = kb_keymap,
	.enter = kb_enter,
	.leave = kb_leave,
	.key = kb_key,
	.modifiers = kb_modifiers,
	.repeat_info = kb_repeat,
};

static void
seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct client *c = data;
	c->caps = caps;
	c->caps_known = true;
}

static void
seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_capabilities,
	.name = seat_name,
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name, const char *iface,
		uint32_t version)
{
	struct client *c = data;
	if (strcmp(iface, wl_seat_interface.name) == 0 && !c->seat) {
		c->seat = wl_registry_bind(registry, name, &wl_seat_interface,
					   version < SEAT_VERSION ? version : SEAT_VERSION);
		wl_seat_add_listener(c->seat, &seat_listener, c);
	} else if (strcmp(iface, zwp_virtual_keyboard_manager_v1_interface.name) == 0 &&
		   !c->vkbd_manager) {
		c->vkbd_manager = wl_registry_bind(registry, name,
						   &zwp_virtual_keyboard_manager_v1_interface, 1);
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

/* Connect and learn the seat's capabilities; false (said on stderr) on failure. */
static bool
client_open(struct client *c)
{
	*c = (struct client){ .fd = -1 };
	c->display = wl_display_connect(NULL);
	if (!c->display) {
		fprintf(stderr, "keymap-probe: cannot connect to the compositor\n");
		return false;
	}
	c->registry = wl_display_get_registry(c->display);
	wl_registry_add_listener(c->registry, &registry_listener, c);
	if (!probe_roundtrip_timeout(c->display, 5000) ||
	    !probe_roundtrip_timeout(c->display, 5000) || wl_display_get_error(c->display)) {
		fprintf(stderr, "keymap-probe: the compositor does not answer\n");
		return false;
	}
	return true;
}

static void
client_close(struct client *c)
{
	if (!c->display)
		return;
	if (c->fd >= 0)
		close(c->fd);
	/* release came with wl_keyboard 3 and wl_seat 5; before that, only the proxy goes. */
	if (c->keyboard && wl_keyboard_get_version(c->keyboard) >= 3)
		wl_keyboard_release(c->keyboard);
	else if (c->keyboard)
		wl_keyboard_destroy(c->keyboard);
	if (c->vkbd_manager)
		zwp_virtual_keyboard_manager_v1_destroy(c->vkbd_manager);
	if (c->seat && wl_seat_get_version(c->seat) >= 5)
		wl_seat_release(c->seat);
	else if (c->seat)
		wl_seat_destroy(c->seat);
	wl_registry_destroy(c->registry);
	wl_display_disconnect(c->display);
	c->display = NULL;
}

/* The client's wl_keyboard and the keymap it is sent at once; false when none came. */
static bool
client_keymap(struct client *c)
{
	c->keyboard = wl_seat_get_keyboard(c->seat);
	wl_keyboard_add_listener(c->keyboard, &keyboard_listener, c);
	probe_roundtrip_timeout(c->display, 5000);
	return c->keymap_seen;
}

/*
 * A virtual keyboard on `owner` (a connection that must outlive the case),
 * so the seat has a keyboard; false when it cannot be made.
 */
static bool
make_virtual_keyboard(struct client *owner)
{
	if (!client_open(owner) || !owner->seat || !owner->vkbd_manager)
		return false;
	int fd = probe_memfd(sizeof(probe_keymap), false);
	if (fd < 0)
		return false;
	if (pwrite(fd, probe_keymap, sizeof(probe_keymap), 0) != (ssize_t)sizeof(probe_keymap)) {
		fprintf(stderr, "keymap-probe: writing the keymap: %s\n", strerror(errno));
		close(fd);
		return false;
	}
	struct zwp_virtual_keyboard_v1 *kbd =
		zwp_virtual_keyboard_manager_v1_create_virtual_keyboard(owner->vkbd_manager,
									owner->seat);
	zwp_virtual_keyboard_v1_keymap(kbd, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, fd,
				       sizeof(probe_keymap));
	close(fd);
	/* Left to the connection: the keyboard lasts as long as `owner`. */
	return probe_roundtrip_timeout(owner->display, 5000) &&
	       !wl_display_get_error(owner->display);
}

/* Wait until the seat of `c` says it has a keyboard. */
static bool
wait_for_keyboard(struct client *c)
{
	int64_t deadline = probe_now_ms() + KEYBOARD_WAIT_MS;
	while (!(c->caps & WL_SEAT_CAPABILITY_KEYBOARD)) {
		int left = (int)(deadline - probe_now_ms());
		if (left <= 0 || probe_dispatch_timeout(c->display, left) < 0)
			return false;
	}
	return true;
}

static bool
failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static bool
failed(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("check-failed: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	return false;
}

/* The checks on one keymap fd; false after saying what is wrong. */
static bool
check_keymap(const struct client *c)
{
	int flags = fcntl(c->fd, F_GETFL);
	int seals = fcntl(c->fd, F_GET_SEALS);
	int need = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	struct stat sb;
	if (c->format != WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1)
		return failed("keymap format %u, not XKB_V1", c->format);
	if (flags < 0 || (flags & O_ACCMODE) != O_RDONLY)
		return failed("keymap fd is not read-only (flags 0x%x)", flags);
	if (seals < 0 || (seals & need) != need)
		return failed("keymap fd seals 0x%x lack SHRINK|GROW|WRITE", seals);
	if (fstat(c->fd, &sb) < 0 || (uint64_t)sb.st_size < c->size)
		return failed("keymap file smaller than %u bytes", c->size);
	void *rw = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (rw != MAP_FAILED) {
		munmap(rw, c->size);
		return failed("keymap can be mapped writable and shared");
	}
	char *map = mmap(NULL, c->size, PROT_READ, MAP_PRIVATE, c->fd, 0);
	if (map == MAP_FAILED)
		return failed("keymap cannot be mapped: %s", strerror(errno));
	bool ok = c->size >= 16 && strncmp(map, "xkb_keymap", 10) == 0;
	munmap(map, c->size);
	return ok || failed("keymap does not start with xkb_keymap");
}

/* What `fd` holds now: its size and its first `size` bytes (malloc'd; NULL if unreadable). */
static char *
read_all(int fd, uint32_t size, off_t *file_size)
{
	struct stat sb;
	*file_size = fstat(fd, &sb) == 0 ? sb.st_size : -1;
	char *buf = calloc(1, (size_t)size + 1);
	if (!buf)
		return NULL;
	size_t done = 0;
	while (done < size) {
		ssize_t n = pread(fd, buf + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return buf;
}

/* Whether `fd` still holds `orig` (`size` bytes, in a file `orig_size` long). */
static bool
unchanged(int fd, const char *orig, uint32_t size, off_t orig_size)
{
	off_t now_size;
	char *now = read_all(fd, size, &now_size);
	bool same = now && now_size == orig_size && memcmp(now, orig, size) == 0;
	free(now);
	return same;
}

enum attempt { A_WRITE, A_FTRUNCATE, A_MMAP, A_FCHMOD, A_REOPEN, A_COUNT };
static const char *const attempt_names[] = {
	"write()", "ftruncate()", "mmap(PROT_WRITE, MAP_SHARED)", "fchmod(0666)",
	"open(/proc/self/fd/N, O_RDWR) and write()",
};

/*
 * One way of changing the keymap through `fd`: the first byte flipped in
 * case ('x' of "xkb_keymap" to 'X'), or the file emptied. Returns 0 when the
 * call was refused (errno says why), 1 when it was accepted.
 */
static int
try_alter(enum attempt a, int fd, uint32_t size)
{
	char path[64];
	switch (a) {
	case A_WRITE:
		return pwrite(fd, "X", 1, 0) == 1;
	case A_FTRUNCATE:
		return ftruncate(fd, 0) == 0;
	case A_MMAP: {
		char *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			return 0;
		map[0] = 'X';
		munmap(map, size);
		return 1;
	}
	case A_FCHMOD:
		/* Alters nothing itself, but would let a later reopen write. */
		return fchmod(fd, 0666) == 0;
	case A_REOPEN: {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		int rw = open(path, O_RDWR | O_CLOEXEC);
		if (rw < 0)
			return 0;
		int saved = 0;
		int ok = pwrite(rw, "X", 1, 0) == 1;
		if (!ok)
			saved = errno;
		close(rw);
		errno = saved;
		return ok ? 1 : 0;
	}
	case A_COUNT:
		break;
	}
	return 0;
}

/* Put the keymap back after an attempt that got through, so later ones are judged alone. */
static void
restore(int fd, const char *orig, uint32_t size, off_t orig_size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int rw = open(path, O_RDWR | O_CLOEXEC);
	int target = rw >= 0 ? rw : fd;
	if (ftruncate(target, orig_size) < 0 || pwrite(target, orig, size, 0) != (ssize_t)size)
		printf("could not restore the keymap: %s\n", strerror(errno));
	if (rw >= 0)
		close(rw);
}

static bool
keymap_shared(struct client *a, struct client *b)
{
	struct stat sa, sb;
	if (fstat(a->fd, &sa) < 0 || fstat(b->fd, &sb) < 0)
		return failed("fstat of a keymap fd: %s", strerror(errno));
	if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
		printf("shared: both clients' keymap fds open one file (dev 0x%llx ino %llu)\n",
		       (unsigned long long)sa.st_dev, (unsigned long long)sa.st_ino);
	else
		printf("not shared: each client has a file of its own\n");
	return true;
}

static bool
keymap_tamper(struct client *a, struct client *b)
{
	if (a->size == 0 || a->size != b->size)
		return failed("the two clients got keymaps of %u and %u bytes", a->size, b->size);
	off_t orig_size;
	char *orig = read_all(b->fd, b->size, &orig_size);
	if (!orig)
		return failed("cannot read the keymap");
	bool ok = true;
	char said[512] = "";
	for (enum attempt i = 0; i < A_COUNT; i++) {
		errno = 0;
		int accepted = try_alter(i, a->fd, a->size);
		int err = errno;
		bool b_same = unchanged(b->fd, orig, b->size, orig_size);
		bool a_same = unchanged(a->fd, orig, a->size, orig_size);
		size_t len = strlen(said);
		snprintf(said + len, sizeof(said) - len, "%s%s %s", len ? ", " : "",
			 attempt_names[i], accepted ? "accepted" : strerror(err));
		if (!b_same) {
			ok = failed("%s on one client's keymap fd changed what another client "
				    "reads", attempt_names[i]);
		} else if (!a_same) {
			printf("%s changed the client's own copy only\n", attempt_names[i]);
		}
		if (!a_same || !b_same)
			restore(a->fd, orig, a->size, orig_size);
	}
	printf("tried: %s\n", said);
	/* What a newcomer gets: the compositor's own copy must be intact too. */
	struct client c;
	if (client_open(&c) && c.seat && client_keymap(&c) && c.fd >= 0) {
		if (c.size != b->size || !unchanged(c.fd, orig, c.size, orig_size))
			ok = failed("a new client's keymap differs from the one first sent");
	} else {
		ok = failed("a new client gets no keymap");
	}
	client_close(&c);
	free(orig);
	return ok;
}

int
keymap_probe_main(int argc, char *argv[])
{
	const char *scenario = argc > 1 ? argv[1] : "keymap";
	bool expect_no_keyboard = strcmp(scenario, "--expect-no-keyboard") == 0;
	bool two = strcmp(scenario, "keymap-shared") == 0 || strcmp(scenario, "keymap-tamper") == 0;
	if (!expect_no_keyboard && !two && strcmp(scenario, "keymap") != 0) {
		fprintf(stderr, "usage: keymap-probe [keymap|keymap-shared|keymap-tamper|"
			"--expect-no-keyboard]\n");
		return 2;
	}
	struct client a, b = { .fd = -1 }, owner = { .fd = -1 };
	int ret = 1;
	if (!client_open(&a))
		goto out;
	if (!a.seat || !a.caps_known) {
		failed("no wl_seat, or it never sent its capabilities");
		goto out;
	}
	if (!(a.caps & WL_SEAT_CAPABILITY_KEYBOARD) && !expect_no_keyboard) {
		if (make_virtual_keyboard(&owner) && wait_for_keyboard(&a))
			printf("keyboard: a virtual keyboard of the probe's (the seat had none)\n");
	}
	if (!(a.caps & WL_SEAT_CAPABILITY_KEYBOARD)) {
		printf("no-keyboard\n");
		ret = expect_no_keyboard ? 0 : 2;
		goto out;
	}
	if (expect_no_keyboard) {
		failed("the seat has a keyboard");
		goto out;
	}
	if (!client_keymap(&a)) {
		failed("no keymap event after get_keyboard");
		goto out;
	}
	bool ok;
	if (!two) {
		ok = check_keymap(&a);
	} else if (!client_open(&b) || !b.seat || !client_keymap(&b)) {
		ok = failed("a second client gets no keymap");
	} else if (a.format != WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1 ||
		   b.format != WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1) {
		ok = failed("keymap formats %u and %u, not XKB_V1", a.format, b.format);
	} else {
		ok = strcmp(scenario, "keymap-shared") == 0 ? keymap_shared(&a, &b)
							     : keymap_tamper(&a, &b);
	}
	probe_settle(a.display, 5000);
	ret = ok ? 0 : 1;
out:
	client_close(&b);
	client_close(&a);
	client_close(&owner);
	return ret;
}
