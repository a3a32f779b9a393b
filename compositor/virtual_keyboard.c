/*
 * zwp_virtual_keyboard_v1. Keys go straight to the seat: the compositor's own
 * keys (VT switches) are for physical keyboards only. A keymap is read out of
 * the client's file, compiled with xkbcommon in a child process
 * (keymap_compile.h), and clients get the compiled text in a sealed file of
 * the seat's: never the sender's file, nor text that does not compile.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/input-event-codes.h>
#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "anon-file.h"
#include "client_count.h"
#include "keymap_compile.h"
#include "log.h"
#include "resource.h"
#include "seat.h"
#include "server.h"
#include "trust.h"
#include "virtual-keyboard-unstable-v1-server-protocol.h"
#include "virtual_keyboard.h"

#define VIRTUAL_KEYBOARD_MANAGER_VERSION 1
/* A keymap is copied into the seat's sealed file: far more than any real one (about 64 KiB). */
#define KEYMAP_MAX_SIZE (1u << 20)
/* A real keymap compiles in tens of milliseconds; everyone waits while it does. */
#define KEYMAP_COMPILE_TIMEOUT_MS 2000
/* Keys are evdev codes, as from a physical keyboard. */
#define KEY_SLOTS (KEY_MAX + 1)

struct sw_virtual_keyboards {
	struct sw_server *server;
	struct wl_global *global;
	struct wl_list keyboards;   /* virtual_keyboard.link */
	struct wl_listener display_destroy;
};

struct virtual_keyboard {
	struct wl_resource *resource;
	struct sw_virtual_keyboards *manager;  /* NULL: inert */
	struct wl_list link;
	char *keymap;                          /* NULL until the keymap request */
	uint8_t down[KEY_SLOTS / 8];           /* keys it holds, released when it goes */
	uint32_t refused;                      /* keys past KEY_MAX */
};

static struct sw_seat *
seat_of(struct virtual_keyboard *kbd)
{
	return kbd->manager ? kbd->manager->server->seat : NULL;
}

/* Its keymap must be the clients' before its keys or modifiers reach them. */
static bool
make_keymap_current(struct virtual_keyboard *kbd, struct sw_seat *seat)
{
	if (sw_seat_keymap_owner(seat) == kbd)
		return true;
	if (!sw_seat_set_keymap(seat, kbd, kbd->keymap)) {
		sw_warn("zwp_virtual_keyboard_v1@%u: cannot make its keymap the seat's",
			wl_resource_get_id(kbd->resource));
		return false;
	}
	return true;
}

/* The whole of `size` bytes from the start of `fd`, NUL-terminated; NULL with *why set. */
static char *
read_keymap(int fd, uint32_t size, const char **why)
{
	char *text = malloc((size_t)size + 1);
	if (!text) {
		*why = "out of memory";
		return NULL;
	}
	ssize_t got = sw_file_read_all(fd, text, size);
	if (got != (ssize_t)size) {
		*why = got < 0 ? strerror(errno) : "the file is shorter than the size given";
		free(text);
		return NULL;
	}
	text[size] = '\0';
	return text;
}

/*
 * Where `text` names a file outside the XKB directory: an include with a
 * ".." component, or an octal escape that could spell one. xkbcommon joins
 * include names to its include path as they are, and a file outside it may
 * be anything (a FIFO would block us). NULL when there is none.
 */
static const char *
escapes_xkb_dir(const char *text)
{
	const char *p = strstr(text, "../");
	if (!p)
		p = strstr(text, "/..");
	if (p)
		return p;
	for (p = strchr(text, '\\'); p; p = strchr(p + 1, '\\')) {
		if (p[1] >= '0' && p[1] <= '7')
			return p;
	}
	return NULL;
}

static void
keyboard_keymap(struct wl_client *client, struct wl_resource *resource, uint32_t format,
		int32_t fd, uint32_t size)
{
	struct virtual_keyboard *kbd = wl_resource_get_user_data(resource);
	const char *why = NULL;
	char *text = NULL;
	if (format != WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1)
		why = "only xkb_v1 (1) is accepted";
	else if (size == 0 || size > KEYMAP_MAX_SIZE)
		why = "the size must be 1 to 1048576 bytes";
	else
		text = read_keymap(fd, size, &why);
	close(fd);
	if (!text) {
		wl_resource_post_error(resource, ZWP_VIRTUAL_KEYBOARD_V1_ERROR_NO_KEYMAP,
				       "keymap of format %u, %u bytes: %s", format, size, why);
		return;
	}
	if (text[0] == '\0') {
		free(text);
		wl_resource_post_error(resource, ZWP_VIRTUAL_KEYBOARD_V1_ERROR_NO_KEYMAP,
				       "keymap of %u bytes starts with a NUL: it is empty", size);
		return;
	}
	const char *escape = escapes_xkb_dir(text);
	if (escape) {
		wl_resource_post_error(resource, ZWP_VIRTUAL_KEYBOARD_V1_ERROR_NO_KEYMAP,
				       "keymap of %u bytes: \"%.3s\" at byte %zu: includes may not "
				       "leave the XKB directory (no \"..\", no octal escapes)", size,
				       escape, (size_t)(escape - text));
		free(text);
		return;
	}
#ifdef SW_HAVE_XKBCOMMON
	/* No manager: the display is going, nothing will use the keymap. */
	struct sw_virtual_keyboards *manager = kbd->manager;
	if (manager) {
		char reason[SW_KEYMAP_COMPILE_WHY_SIZE];
		char *compiled = sw_keymap_compile(text, SW_XKB_BASE, KEYMAP_COMPILE_TIMEOUT_MS,
						   reason, sizeof(reason));
		free(text);
		if (!compiled) {
			sw_info("zwp_virtual_keyboard_v1@%u: keymap of %u bytes refused: %s",
				wl_resource_get_id(resource), size, reason);
			wl_resource_post_error(resource, ZWP_VIRTUAL_KEYBOARD_V1_ERROR_NO_KEYMAP,
					       "keymap of %u bytes: %s", size, reason);
			return;
		}
		text = compiled;
	}
#endif
	free(kbd->keymap);
	kbd->keymap = text;
	struct sw_seat *seat = seat_of(kbd);
	if (!seat)
		return;
	/* A new keymap of the current keyboard replaces the clients' at once. */
	if (sw_seat_keymap_owner(seat) == kbd)
		sw_seat_forget_keymap_owner(seat, kbd);
	make_keymap_current(kbd, seat);
}

static bool
check_keymap(struct virtual_keyboard *kbd, const char *request)
{
	if (kbd->keymap)
		return true;
	wl_resource_post_error(kbd->resource, ZWP_VIRTUAL_KEYBOARD_V1_ERROR_NO_KEYMAP,
			       "%s before any keymap request", request);
	return false;
}

static void
keyboard_key(struct wl_client *client, struct wl_resource *resource, uint32_t time,
	     uint32_t key, uint32_t state)
{
	struct virtual_keyboard *kbd = wl_resource_get_user_data(resource);
	if (!check_keymap(kbd, "key"))
		return;
	struct sw_seat *seat = seat_of(kbd);
	if (!seat)
		return;
	if (key >= KEY_SLOTS) {
		/* Logged once: the seat holds keys by evdev code, and there are only so many. */
		if (kbd->refused++ == 0)
			sw_warn("zwp_virtual_keyboard_v1@%u: key %u ignored: evdev codes end at %u; "
				"later ones are not logged", wl_resource_get_id(resource), key,
				KEY_MAX);
		return;
	}
	bool pressed = state == WL_KEYBOARD_KEY_STATE_PRESSED;
	uint8_t bit = (uint8_t)(1u << (key % 8));
	if (pressed)
		kbd->down[key / 8] |= bit;
	else
		kbd->down[key / 8] &= (uint8_t)~bit;
	if (make_keymap_current(kbd, seat))
		sw_seat_keyboard_key(seat, time, key, pressed);
}

static void
keyboard_modifiers(struct wl_client *client, struct wl_resource *resource, uint32_t depressed,
		   uint32_t latched, uint32_t locked, uint32_t group)
{
	struct virtual_keyboard *kbd = wl_resource_get_user_data(resource);
	if (!check_keymap(kbd, "modifiers"))
		return;
	struct sw_seat *seat = seat_of(kbd);
	if (seat && make_keymap_current(kbd, seat))
		sw_seat_keyboard_modifiers(seat, depressed, latched, locked, group);
}

static const struct zwp_virtual_keyboard_v1_interface keyboard_impl = {
	.keymap = keyboard_keymap,
	.key = keyboard_key,
	.modifiers = keyboard_modifiers,
	.destroy = sw_resource_handle_destroy,
};

static void
keyboard_resource_destroy(struct wl_resource *resource)
{
	struct virtual_keyboard *kbd = wl_resource_get_user_data(resource);
	struct sw_seat *seat = seat_of(kbd);
	if (seat) {
		/* What it held is let go, so no key stays down for ever in a client. */
		for (uint32_t key = 0; key < KEY_SLOTS; key++) {
			if (kbd->down[key / 8] & (1u << (key % 8)))
				sw_seat_keyboard_key(seat, 0, key, false);
		}
		sw_seat_forget_keymap_owner(seat, kbd);
		sw_seat_virtual_devices(seat, -1, 0);
	}
	if (kbd->manager)
		wl_list_remove(&kbd->link);
	sw_client_count_release(wl_resource_get_client(resource), &zwp_virtual_keyboard_v1_interface);
	if (kbd->refused > 1)
		sw_warn("zwp_virtual_keyboard_v1@%u: %u keys were ignored in all",
			wl_resource_get_id(resource), kbd->refused);
	free(kbd->keymap);
	free(kbd);
}

static void
manager_create_virtual_keyboard(struct wl_client *client, struct wl_resource *resource,
				struct wl_resource *seat_resource, uint32_t id)
{
	struct sw_virtual_keyboards *manager = wl_resource_get_user_data(resource);
	struct virtual_keyboard *kbd = calloc(1, sizeof(*kbd));
	if (!kbd) {
		wl_client_post_no_memory(client);
		return;
	}
	/* Each one is a device of the seat: a client may not add them unboundedly. */
	kbd->resource = sw_resource_create_counted(client, &zwp_virtual_keyboard_v1_interface,
						   wl_resource_get_version(resource), id,
						   &keyboard_impl, kbd, keyboard_resource_destroy);
	if (!kbd->resource) {
		free(kbd);
		return;
	}
	/* Without a seat (it is made before this global, and goes after the clients) it is inert. */
	if (!manager->server->seat)
		return;
	kbd->manager = manager;
	wl_list_insert(&manager->keyboards, &kbd->link);
	sw_seat_virtual_devices(manager->server->seat, 1, 0);
	sw_info("virtual keyboard zwp_virtual_keyboard_v1@%u of client %p", id, (void *)client);
}

static const struct zwp_virtual_keyboard_manager_v1_interface manager_impl = {
	.create_virtual_keyboard = manager_create_virtual_keyboard,
};

static void
manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	sw_resource_create(client, &zwp_virtual_keyboard_manager_v1_interface, (int)version, id,
			   &manager_impl, data, NULL);
}

static void
manager_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_virtual_keyboards *manager = wl_container_of(listener, manager, display_destroy);
	struct virtual_keyboard *kbd, *tmp;
	wl_list_for_each_safe(kbd, tmp, &manager->keyboards, link) {
		wl_list_remove(&kbd->link);
		kbd->manager = NULL;
	}
	wl_list_remove(&manager->display_destroy.link);
	wl_global_destroy(manager->global);
	manager->server->virtual_keyboards = NULL;
	free(manager);
}

bool
sw_virtual_keyboard_create(struct sw_server *server)
{
	struct sw_virtual_keyboards *manager = calloc(1, sizeof(*manager));
	if (!manager)
		return false;
	manager->server = server;
	wl_list_init(&manager->keyboards);
#ifdef SW_HAVE_XKBCOMMON
	if (access(SW_XKB_BASE, R_OK | X_OK) < 0)
		sw_warn("virtual keyboard: no XKB data in %s (%s): keymaps that include "
			"files will not compile", SW_XKB_BASE, strerror(errno));
#endif
	manager->global = wl_global_create(server->display,
					   &zwp_virtual_keyboard_manager_v1_interface,
					   VIRTUAL_KEYBOARD_MANAGER_VERSION, manager, manager_bind);
	if (!manager->global)
		goto err_manager;
	if (!sw_trust_restrict_global(server, manager->global))
		goto err_global;
	manager->display_destroy.notify = manager_display_destroyed;
	wl_display_add_destroy_listener(server->display, &manager->display_destroy);
	server->virtual_keyboards = manager;
	return true;

err_global:
	wl_global_destroy(manager->global);
err_manager:
	free(manager);
	return false;
}
