/*
 * A virtual pointer driven from the command line, for the virtual input
 * tests (wtype is the virtual keyboard's real client):
 *
 *   vinput-probe click X Y       move to X,Y of the output (absolute, extent
 *                                1024x768) and click the left button
 *   vinput-probe bad-axis        axis 2, which is not a wl_pointer.axis
 *   vinput-probe bad-axis-source axis_source 4
 *   vinput-probe hold            keep a virtual pointer until killed (prints "holding")
 *   vinput-probe tokens N        N xdg_activation_v1 tokens without a serial, made
 *                                and answered (prints "tokens N")
 *   vinput-probe keymap-garbage  a virtual keyboard whose keymap is not XKB text
 *   vinput-probe keymap-huge     a keymap of 4 KiB announced as 4 GiB - 1 bytes
 *   vinput-probe keymap-escape   a keymap including a file by a "../" path
 *   vinput-probe keymap-trailing a keymap that compiles, then a stray token
 *                                (libxkbcommon 1.5.0 leaks what it parsed)
 *   vinput-probe keymap-crash    a key whose body starts with a comma
 *                                (libxkbcommon before 1.7 writes through NULL)
 *   vinput-probe keymap-sent     a keymap that compiles, then the wl_keyboard's
 *                                keymap: prints "keymap seals=0xN readonly=0|1
 *                                same-file=0|1 comment=0|1 compiles-as=xkb_keymap"
 *                                (same-file: the sender's file; comment: the
 *                                sender's comment survived)
 *
 * Prints "no-virtual-pointer" (status 3) when the global is not offered,
 * else the outcome as probe_report does ("ok", "protocol-error ...").
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/input-event-codes.h>
#include <wayland-client.h>

#include "probe-util.h"
#include "virtual-keyboard-unstable-v1-client-protocol.h"
#include "wlr-virtual-pointer-unstable-v1-client-protocol.h"
#include "xdg-activation-v1-client-protocol.h"

static struct zwlr_virtual_pointer_manager_v1 *manager;
static struct xdg_activation_v1 *activation;
static struct zwp_virtual_keyboard_manager_v1 *keyboards;
static struct wl_seat *seat;
static int tokens_done;

/* A keymap that compiles, with a comment the compiled text has no reason to keep. */
static const char keymap_text[] =
	"// sent by vinput-probe\n"
	"xkb_keymap {\n"
	"  xkb_keycodes \"(unnamed)\" { minimum = 8; maximum = 255; <K1> = 38; };\n"
	"  xkb_types \"(unnamed)\" { include \"complete\" };\n"
	"  xkb_compatibility \"(unnamed)\" { include \"complete\" };\n"
	"  xkb_symbols \"(unnamed)\" { key <K1> { [ a, A ] }; };\n"
	"};\n";

static int
memfd_with(const char *text, size_t size)
{
	int fd = memfd_create("vinput-probe-keymap", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0 ||
	    pwrite(fd, text, strlen(text), 0) != (ssize_t)strlen(text)) {
		perror("vinput-probe: keymap memfd");
		exit(1);
	}
	return fd;
}

struct received {
	bool done;
	int fd;
	uint32_t size;
};

static void
kbd_keymap(void *data, struct wl_keyboard *keyboard, uint32_t format, int32_t fd, uint32_t size)
{
	struct received *r = data;
	if (format != WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1) {
		close(fd);
		return;
	}
	if (r->fd >= 0)
		close(r->fd);
	r->fd = fd;
	r->size = size;
	r->done = true;
}

static void
kbd_enter(void *data, struct wl_keyboard *k, uint32_t serial, struct wl_surface *s,
	  struct wl_array *keys)
{
}

static void
kbd_leave(void *data, struct wl_keyboard *k, uint32_t serial, struct wl_surface *s)
{
}

static void
kbd_key(void *data, struct wl_keyboard *k, uint32_t serial, uint32_t time, uint32_t key,
	uint32_t state)
{
}

static void
kbd_modifiers(void *data, struct wl_keyboard *k, uint32_t serial, uint32_t dep, uint32_t lat,
	      uint32_t lock, uint32_t group)
{
}

static void
kbd_repeat_info(void *data, struct wl_keyboard *k, int32_t rate, int32_t delay)
{
}

static const struct wl_keyboard_listener kbd_listener = {
	.keymap = kbd_keymap,
	.enter = kbd_enter,
	.leave = kbd_leave,
	.key = kbd_key,
	.modifiers = kbd_modifiers,
	.repeat_info = kbd_repeat_info,
};

/* The keymap commands: a virtual keyboard is given a keymap, see above. */
static int
keymap_case(struct wl_display *display, const char *which)
{
	if (!keyboards || !seat) {
		printf("no-virtual-keyboard\n");
		return 3;
	}
	struct zwp_virtual_keyboard_v1 *vkbd =
		zwp_virtual_keyboard_manager_v1_create_virtual_keyboard(keyboards, seat);
	int fd;
	uint32_t size;
	if (strcmp(which, "keymap-garbage") == 0) {
		static const char garbage[] = "this is not a keymap { at all ;;\n";
		fd = memfd_with(garbage, sizeof(garbage));
		size = sizeof(garbage);
	} else if (strcmp(which, "keymap-huge") == 0) {
		fd = memfd_with(keymap_text, 4096);
		size = UINT32_MAX;
	} else if (strcmp(which, "keymap-escape") == 0) {
		static const char escape[] =
			"xkb_keymap { xkb_keycodes { include \"../../../../../../etc/passwd\" }; };";
		fd = memfd_with(escape, sizeof(escape));
		size = sizeof(escape);
	} else if (strcmp(which, "keymap-trailing") == 0) {
		char trailing[sizeof(keymap_text) + 4];
		snprintf(trailing, sizeof(trailing), "%sJ", keymap_text);
		fd = memfd_with(trailing, sizeof(trailing));
		size = sizeof(trailing);
	} else if (strcmp(which, "keymap-crash") == 0) {
		static const char crash[] =
			"xkb_keymap {\n"
			"  xkb_keycodes { <K1> = 38; };\n"
			"  xkb_types { include \"complete\" };\n"
			"  xkb_compatibility { include \"complete\" };\n"
			"  xkb_symbols { key <K1> {, [ a ] }; };\n"
			"};\n";
		fd = memfd_with(crash, sizeof(crash));
		size = sizeof(crash);
	} else if (strcmp(which, "keymap-sent") == 0) {
		fd = memfd_with(keymap_text, sizeof(keymap_text));
		size = sizeof(keymap_text);
	} else {
		fprintf(stderr, "vinput-probe: unknown command %s\n", which);
		return 2;
	}
	struct stat sent;
	if (fstat(fd, &sent) < 0)
		return 1;
	zwp_virtual_keyboard_v1_keymap(vkbd, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, fd, size);
	close(fd);
	if (strcmp(which, "keymap-sent") != 0) {
		probe_settle(display, 5000);
		return 0;
	}
	/* The seat has a keyboard once the virtual one exists: the capabilities came. */
	if (!probe_roundtrip_timeout(display, 5000)) {
		probe_report(display);
		return 1;
	}
	struct received r = { .fd = -1 };
	struct wl_keyboard *keyboard = wl_seat_get_keyboard(seat);
	wl_keyboard_add_listener(keyboard, &kbd_listener, &r);
	if (!probe_wait_for(display, &r.done, 5000)) {
		probe_report(display);
		return 1;
	}
	struct stat got;
	int seals = fcntl(r.fd, F_GET_SEALS);
	int fl = fcntl(r.fd, F_GETFL);
	if (fstat(r.fd, &got) < 0 || r.size == 0)
		return 1;
	char *text = mmap(NULL, r.size, PROT_READ, MAP_PRIVATE, r.fd, 0);
	if (text == MAP_FAILED) {
		perror("vinput-probe: mmap of the keymap");
		return 1;
	}
	bool same_file = got.st_dev == sent.st_dev && got.st_ino == sent.st_ino;
	bool comment = memmem(text, r.size, "vinput-probe", 12) != NULL;
	printf("keymap seals=0x%x readonly=%d same-file=%d comment=%d compiles-as=%.10s\n",
	       seals < 0 ? 0 : seals, fl >= 0 && (fl & O_ACCMODE) == O_RDONLY, same_file,
	       comment, text);
	munmap(text, r.size);
	return 0;
}

static void
token_done(void *data, struct xdg_activation_token_v1 *token, const char *name)
{
	tokens_done++;
	xdg_activation_token_v1_destroy(token);
}

static const struct xdg_activation_token_v1_listener token_listener = {
	.done = token_done,
};

/* `n` tokens made by a client that never had an input serial, all answered. */
static int
make_tokens(struct wl_display *display, int n)
{
	if (!activation) {
		printf("no-activation\n");
		return 3;
	}
	for (int i = 0; i < n; i++) {
		struct xdg_activation_token_v1 *token =
			xdg_activation_v1_get_activation_token(activation);
		xdg_activation_token_v1_add_listener(token, &token_listener, NULL);
		xdg_activation_token_v1_commit(token);
	}
	while (tokens_done < n && wl_display_dispatch(display) != -1)
		;
	printf("tokens %d\n", tokens_done);
	return tokens_done == n ? 0 : 1;
}

static void
global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
       uint32_t version)
{
	if (strcmp(interface, zwlr_virtual_pointer_manager_v1_interface.name) == 0)
		manager = wl_registry_bind(registry, name,
					   &zwlr_virtual_pointer_manager_v1_interface, 1);
	else if (strcmp(interface, xdg_activation_v1_interface.name) == 0)
		activation = wl_registry_bind(registry, name, &xdg_activation_v1_interface, 1);
	else if (strcmp(interface, zwp_virtual_keyboard_manager_v1_interface.name) == 0)
		keyboards = wl_registry_bind(registry, name,
					     &zwp_virtual_keyboard_manager_v1_interface, 1);
	else if (strcmp(interface, wl_seat_interface.name) == 0 && !seat)
		seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
}

int
main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(stderr, "usage: vinput-probe click X Y | bad-axis | bad-axis-source | hold | "
				"tokens N | keymap-garbage | keymap-huge | keymap-escape | "
				"keymap-trailing | keymap-crash | keymap-sent\n");
		return 2;
	}
	struct probe_connect_options options = { .global = global, .timeout_ms = 5000 };
	struct probe_globals g = { 0 };
	if (!probe_connect_with(&g, &options))
		return 1;
	if (strcmp(argv[1], "tokens") == 0 && argc == 3)
		return make_tokens(g.display, atoi(argv[2]));
	if (strncmp(argv[1], "keymap-", 7) == 0)
		return keymap_case(g.display, argv[1]);
	if (!manager) {
		printf("no-virtual-pointer\n");
		return 3;
	}
	struct zwlr_virtual_pointer_v1 *ptr =
		zwlr_virtual_pointer_manager_v1_create_virtual_pointer(manager, NULL);
	if (strcmp(argv[1], "click") == 0 && argc == 4) {
		uint32_t x = (uint32_t)atoi(argv[2]), y = (uint32_t)atoi(argv[3]);
		zwlr_virtual_pointer_v1_motion_absolute(ptr, 1, x, y, 1024, 768);
		zwlr_virtual_pointer_v1_frame(ptr);
		zwlr_virtual_pointer_v1_button(ptr, 2, BTN_LEFT, WL_POINTER_BUTTON_STATE_PRESSED);
		zwlr_virtual_pointer_v1_frame(ptr);
		zwlr_virtual_pointer_v1_button(ptr, 3, BTN_LEFT, WL_POINTER_BUTTON_STATE_RELEASED);
		zwlr_virtual_pointer_v1_frame(ptr);
	} else if (strcmp(argv[1], "hold") == 0) {
		wl_display_roundtrip(g.display);
		printf("holding\n");
		fflush(stdout);
		while (wl_display_dispatch(g.display) != -1)
			;
		return 0;
	} else if (strcmp(argv[1], "bad-axis") == 0) {
		zwlr_virtual_pointer_v1_axis(ptr, 1, 2, wl_fixed_from_int(10));
	} else if (strcmp(argv[1], "bad-axis-source") == 0) {
		zwlr_virtual_pointer_v1_axis_source(ptr, 4);
	} else {
		fprintf(stderr, "vinput-probe: unknown command %s\n", argv[1]);
		return 2;
	}
	probe_settle(g.display, 5000);
	return 0;
}
