/*
 * Checks the keymap the compositor hands to a keyboard client: it must come
 * as a read-only fd on a memfd sealed against shrinking, growing and writing,
 * hold an XKB keymap, and be impossible to map writable and shared.
 *
 * Prints "ok", or "no-keyboard" when the seat has no keyboard, or
 * "check-failed: REASON"; exit status 0 only for "ok" (or for "no-keyboard"
 * when --expect-no-keyboard is given), 2 for "no-keyboard" otherwise (there
 * is nothing to check).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wayland-client.h>

#include "scenarios.h"

struct state {
	struct wl_seat *seat;
	uint32_t caps;
	bool caps_known;
	bool keymap_seen;
	char verdict[256];
};

static void
check_keymap(struct state *st, uint32_t format, int fd, uint32_t size)
{
	int flags = fcntl(fd, F_GETFL);
	int seals = fcntl(fd, F_GET_SEALS);
	int need = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	struct stat sb;
	if (format != WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1) {
		snprintf(st->verdict, sizeof(st->verdict),
			 "check-failed: keymap format %u, not XKB_V1", format);
	} else if (flags < 0 || (flags & O_ACCMODE) != O_RDONLY) {
		snprintf(st->verdict, sizeof(st->verdict),
			 "check-failed: keymap fd is not read-only (flags 0x%x)",
			 flags);
	} else if (seals < 0 || (seals & need) != need) {
		snprintf(st->verdict, sizeof(st->verdict),
			 "check-failed: keymap fd seals 0x%x lack SHRINK|GROW|WRITE", seals);
	} else if (fstat(fd, &sb) < 0 || (uint64_t)sb.st_size < size) {
		snprintf(st->verdict, sizeof(st->verdict),
			 "check-failed: keymap file smaller than %u bytes", size);
	} else if (mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) != MAP_FAILED) {
		snprintf(st->verdict, sizeof(st->verdict),
			 "check-failed: keymap can be mapped writable and shared");
	} else {
		char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			snprintf(st->verdict, sizeof(st->verdict),
				 "check-failed: keymap cannot be mapped: %s",
				 strerror(errno));
		} else {
			if (size < 16 || strncmp(map, "xkb_keymap", 10) != 0)
				snprintf(st->verdict, sizeof(st->verdict),
					 "check-failed: keymap does not start with xkb_keymap");
			else
				snprintf(st->verdict, sizeof(st->verdict), "ok");
			munmap(map, size);
		}
	}
	close(fd);
	st->keymap_seen = true;
}

static void
kb_keymap(void *data, struct wl_keyboard *kb, uint32_t format, int32_t fd, uint32_t size)
{
	check_keymap(data, format, fd, size);
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
	struct state *st = data;
	st->caps = caps;
	st->caps_known = true;
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
	struct state *st = data;
	if (strcmp(iface, wl_seat_interface.name) == 0 && !st->seat) {
		st->seat = wl_registry_bind(registry, name, &wl_seat_interface, version < 5 ? version : 5);
		wl_seat_add_listener(st->seat, &seat_listener, st);
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

int
keymap_probe_main(int argc, char *argv[])
{
	bool expect_no_keyboard = argc > 1 && strcmp(argv[1], "--expect-no-keyboard") == 0;
	struct state st = { 0 };
	struct wl_display *display = wl_display_connect(NULL);
	if (!display) {
		fprintf(stderr, "keymap-probe: cannot connect to the compositor\n");
		return 2;
	}
	struct wl_registry *registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &registry_listener, &st);
	wl_display_roundtrip(display);
	wl_display_roundtrip(display);
	int ret = 1;
	if (!st.seat || !st.caps_known) {
		printf("check-failed: no wl_seat, or it never sent its capabilities\n");
	} else if (!(st.caps & WL_SEAT_CAPABILITY_KEYBOARD)) {
		printf("no-keyboard\n");
		ret = expect_no_keyboard ? 0 : 2;
	} else {
		struct wl_keyboard *kb = wl_seat_get_keyboard(st.seat);
		wl_keyboard_add_listener(kb, &keyboard_listener, &st);
		wl_display_roundtrip(display);
		if (!st.keymap_seen)
			printf("check-failed: no keymap event after get_keyboard\n");
		else
			printf("%s\n", st.verdict);
		ret = st.keymap_seen && strcmp(st.verdict, "ok") == 0 && !expect_no_keyboard ? 0 : 1;
		wl_keyboard_destroy(kb);
	}
	if (st.seat)
		wl_seat_destroy(st.seat);
	wl_registry_destroy(registry);
	wl_display_disconnect(display);
	return ret;
}
