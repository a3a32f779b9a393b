/*
 * zxdg_decoration_manager_v1. A toplevel whose client asks for server-side
 * decorations (or leaves the choice to the compositor) gets a title bar:
 * the title in a small built-in font and a close button, drawn into an
 * image of this module's that the scene shows above the window geometry
 * like any opaque item (damage, occlusion). Its colour says whether the
 * window is activated. Clicks on it are the window manager's: the close
 * button sends xdg_toplevel.close, the rest moves the window. A client that
 * asks for client-side decorations keeps its own.
 */
#include <stdlib.h>

#include <wayland-server-core.h>

#include "log.h"
#include "output.h"
#include "server.h"
#include "surface.h"
#include "view.h"
#include "xdg_decoration.h"
#include "xdg_shell.h"
#include "xdg-decoration-unstable-v1-server-protocol.h"

#define BAR_HEIGHT 24
#define BUTTON_WIDTH 24
/* The image is this wide whatever the window; a wider window's bar stops here. */
#define BAR_MAX_WIDTH 4096

/* Text and cross a little off white: white is what finds the default arrow on screen. */
#define COLOR_BAR_ACTIVE 0xff2e5a8cu
#define COLOR_BAR_INACTIVE 0xff3c3c3cu
#define COLOR_TEXT_ACTIVE 0xfff0f0f0u
#define COLOR_TEXT_INACTIVE 0xffa0a0a0u
#define COLOR_BUTTON 0xffc0392bu
#define COLOR_CROSS 0xfff0f0f0u

/*
 * A 3x5 font for printable ASCII, drawn at twice its size: five rows per
 * glyph, each an octal digit whose bits 4, 2, 1 are the left, middle and
 * right pixels. Anything else is drawn as '?'.
 */
static const char font[95][6] = {
	"00000", "22202", "55000", "57575", "36263", "51245", "25257", "22000", /*  !"#$%&' */
	"12221", "42224", "05250", "02720", "00024", "00700", "00002", "11244", /* ()*+,-./ */
	"75557", "26227", "71747", "71717", "55711", "74717", "74757", "71111", /* 01234567 */
	"75757", "75717", "02020", "02024", "12421", "07070", "42124", "71302", /* 89:;<=>? */
	"75547", "25755", "65656", "34443", "65556", "74647", "74644", "34553", /* @ABCDEFG */
	"55755", "72227", "11152", "55655", "44447", "57755", "65555", "25552", /* HIJKLMNO */
	"65644", "25573", "65655", "34716", "72222", "55557", "55552", "55775", /* PQRSTUVW */
	"55255", "55222", "71247", "64446", "44211", "31113", "25000", "00007", /* XYZ[\]^_ */
	"42000", "03553", "44656", "03443", "11353", "03743", "12722", "35316", /* `abcdefg */
	"44655", "20222", "10116", "45655", "62227", "07755", "06555", "02552", /* hijklmno */
	"06564", "03531", "05644", "03636", "27223", "05553", "05552", "05577", /* pqrstuvw */
	"05255", "55316", "07247", "32623", "22222", "62326", "03600",          /* xyz{|}~  */
};
#define GLYPH_SCALE 2
#define GLYPH_ADVANCE (4 * GLYPH_SCALE)

struct decoration {
	struct wl_resource *resource;
	struct sw_server *server;
	struct sw_view *view;          /* NULL once the toplevel is gone */
	bool server_side;
	/* What the image shows, to redraw only when it changes. */
	bool drawn, drawn_activated;
	int32_t drawn_width;
	struct sw_box shown;           /* the bar's box at the last damage, width 0: none */
	struct wl_listener view_destroy, map, commit, set_title, configure;
};

static void decoration_view_destroyed(struct wl_listener *listener, void *data);

static struct decoration *
decoration_of(struct sw_view *view)
{
	struct wl_listener *l = wl_signal_get(&view->events.destroy, decoration_view_destroyed);
	if (!l)
		return NULL;
	struct decoration *d = wl_container_of(l, d, view_destroy);
	return d;
}

static void
fill(pixman_image_t *image, uint32_t argb, int32_t x, int32_t y, int32_t w, int32_t h)
{
	pixman_color_t c = {
		.red = (uint16_t)(((argb >> 16) & 0xff) * 0x101),
		.green = (uint16_t)(((argb >> 8) & 0xff) * 0x101),
		.blue = (uint16_t)((argb & 0xff) * 0x101),
		.alpha = 0xffff,
	};
	pixman_rectangle16_t r = { (int16_t)x, (int16_t)y, (uint16_t)w, (uint16_t)h };
	pixman_image_fill_rectangles(PIXMAN_OP_SRC, image, &c, 1, &r);
}

static void
draw_glyph(pixman_image_t *image, uint32_t color, int32_t x, int32_t y, char ch)
{
	unsigned i = (unsigned char)ch >= 32 && (unsigned char)ch < 127 ? (unsigned char)ch - 32
									: '?' - 32;
	for (int row = 0; row < 5; row++) {
		int bits = font[i][row] - '0';
		for (int col = 0; col < 3; col++) {
			if (bits & (4 >> col))
				fill(image, color, x + col * GLYPH_SCALE, y + row * GLYPH_SCALE,
				     GLYPH_SCALE, GLYPH_SCALE);
		}
	}
}

/* The bar as it should be now: drawn and damaged only if something changed. */
static void
update(struct decoration *d)
{
	struct sw_view *view = d->view;
	if (!view || !view->frame.image)
		return;
	int32_t width = view->geometry.width;
	width = width < 1 ? 1 : width > BAR_MAX_WIDTH ? BAR_MAX_WIDTH : width;
	bool activated = (view->states & SW_VIEW_ACTIVATED) != 0;
	bool changed = !d->drawn || d->drawn_width != width || d->drawn_activated != activated;
	if (!changed)
		return;
	pixman_image_t *image = view->frame.image;
	view->frame.width = width;
	view->frame.close_x = width > BUTTON_WIDTH ? width - BUTTON_WIDTH : 0;
	fill(image, activated ? COLOR_BAR_ACTIVE : COLOR_BAR_INACTIVE, 0, 0, width, BAR_HEIGHT);
	/* The title, as much as fits before the button; O(the bar's width). */
	const char *title = view->title ? view->title : "";
	uint32_t text = activated ? COLOR_TEXT_ACTIVE : COLOR_TEXT_INACTIVE;
	int32_t x = 8, y = (BAR_HEIGHT - 5 * GLYPH_SCALE) / 2;
	for (const char *c = title; *c && x + GLYPH_ADVANCE <= view->frame.close_x - 4; c++) {
		draw_glyph(image, text, x, y, *c);
		x += GLYPH_ADVANCE;
	}
	/* The close button: a cross on red. */
	int32_t bx = view->frame.close_x, bw = width - bx;
	fill(image, COLOR_BUTTON, bx, 0, bw, BAR_HEIGHT);
	for (int32_t i = 7; i < BAR_HEIGHT - 7 && bw >= BUTTON_WIDTH; i++) {
		fill(image, COLOR_CROSS, bx + i, i, 2, 1);
		fill(image, COLOR_CROSS, bx + BUTTON_WIDTH - 2 - i, i, 2, 1);
	}
	d->drawn = true;
	d->drawn_width = width;
	d->drawn_activated = activated;

	if (d->shown.width > 0)
		sw_outputs_damage_box(d->server, d->shown.x, d->shown.y, d->shown.width,
				     d->shown.height);
	d->shown.width = 0;
	if (view->mapped && sw_view_frame_box(view, &d->shown))
		sw_outputs_damage_box(d->server, d->shown.x, d->shown.y, d->shown.width,
				     d->shown.height);
}

/* Switch the bar on or off; the client hears of it in a configure. */
static void
set_server_side(struct decoration *d, bool server_side)
{
	struct sw_view *view = d->view;
	if (view && server_side && !view->frame.image) {
		view->frame.image = pixman_image_create_bits(PIXMAN_x8r8g8b8, BAR_MAX_WIDTH,
							     BAR_HEIGHT, NULL, 0);
		if (!view->frame.image) {
			sw_err("xdg-decoration: no memory for a title bar: client-side instead");
			server_side = false;
		} else {
			view->frame.height = BAR_HEIGHT;
			view->frame.width = 1;
			d->drawn = false;
		}
	} else if (view && !server_side && view->frame.image) {
		sw_view_damage_whole(view);
		pixman_image_unref(view->frame.image);
		view->frame.image = NULL;
		view->frame.height = view->frame.width = 0;
		d->shown.width = 0;
	}
	d->server_side = server_side;
	update(d);
	zxdg_toplevel_decoration_v1_send_configure(d->resource,
		server_side ? ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE
			    : ZXDG_TOPLEVEL_DECORATION_V1_MODE_CLIENT_SIDE);
	/* The mode takes effect with an xdg_surface.configure. */
	if (view)
		view->impl->configure(view);
}

static void
forget_view(struct decoration *d)
{
	struct sw_view *view = d->view;
	if (!view)
		return;
	if (view->frame.image) {
		sw_view_damage_whole(view);
		pixman_image_unref(view->frame.image);
		view->frame.image = NULL;
		view->frame.height = view->frame.width = 0;
	}
	wl_list_remove(&d->view_destroy.link);
	wl_list_remove(&d->map.link);
	wl_list_remove(&d->commit.link);
	wl_list_remove(&d->set_title.link);
	wl_list_remove(&d->configure.link);
	d->view = NULL;
}

static void
decoration_view_destroyed(struct wl_listener *listener, void *data)
{
	struct decoration *d = wl_container_of(listener, d, view_destroy);
	forget_view(d);
}

static void
decoration_redraw(struct decoration *d, bool force)
{
	if (force)
		d->drawn = false;
	update(d);
}

static void
handle_map(struct wl_listener *listener, void *data)
{
	struct decoration *d = wl_container_of(listener, d, map);
	decoration_redraw(d, true);
}

static void
handle_commit(struct wl_listener *listener, void *data)
{
	struct decoration *d = wl_container_of(listener, d, commit);
	decoration_redraw(d, false);
}

static void
handle_set_title(struct wl_listener *listener, void *data)
{
	struct decoration *d = wl_container_of(listener, d, set_title);
	decoration_redraw(d, true);
}

static void
handle_configure(struct wl_listener *listener, void *data)
{
	struct decoration *d = wl_container_of(listener, d, configure);
	decoration_redraw(d, false);
}

static bool
check_orphaned(struct wl_resource *resource, const char *request)
{
	struct decoration *d = wl_resource_get_user_data(resource);
	if (d->view)
		return true;
	wl_resource_post_error(resource, ZXDG_TOPLEVEL_DECORATION_V1_ERROR_ORPHANED,
			       "zxdg_toplevel_decoration_v1@%u.%s: its xdg_toplevel was destroyed "
			       "first", wl_resource_get_id(resource), request);
	return false;
}

static void
decoration_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
decoration_set_mode(struct wl_client *client, struct wl_resource *resource, uint32_t mode)
{
	struct decoration *d = wl_resource_get_user_data(resource);
	if (!check_orphaned(resource, "set_mode"))
		return;
	if (mode != ZXDG_TOPLEVEL_DECORATION_V1_MODE_CLIENT_SIDE &&
	    mode != ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE) {
		sw_warn("zxdg_toplevel_decoration_v1@%u.set_mode %u is no mode: ignored, the "
			"compositor chooses server-side", wl_resource_get_id(resource), mode);
		mode = ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE;
	}
	bool server_side = mode == ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE;
	sw_debug("xdg-decoration: %s asks for %s decorations",
		 d->view->title ? d->view->title : "a window",
		 server_side ? "server-side" : "client-side");
	/* The client's choice is honoured either way. */
	set_server_side(d, server_side);
}

static void
decoration_unset_mode(struct wl_client *client, struct wl_resource *resource)
{
	struct decoration *d = wl_resource_get_user_data(resource);
	if (!check_orphaned(resource, "unset_mode"))
		return;
	/* The compositor's preference. */
	set_server_side(d, true);
}

static const struct zxdg_toplevel_decoration_v1_interface decoration_impl = {
	.destroy = decoration_handle_destroy,
	.set_mode = decoration_set_mode,
	.unset_mode = decoration_unset_mode,
};

static void
decoration_resource_destroy(struct wl_resource *resource)
{
	struct decoration *d = wl_resource_get_user_data(resource);
	/* Back to client-side: the bar goes at once, the client redraws its own. */
	forget_view(d);
	free(d);
}

/* ---- the manager ---- */

static void
manager_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
manager_get_toplevel_decoration(struct wl_client *client, struct wl_resource *resource,
				uint32_t id, struct wl_resource *toplevel)
{
	struct sw_server *server = wl_resource_get_user_data(resource);
	struct sw_view *view = sw_xdg_toplevel_view(toplevel);
	if (!view) {
		/* An inert toplevel: its decoration would be orphaned from the start. */
		wl_resource_post_error(resource, ZXDG_TOPLEVEL_DECORATION_V1_ERROR_ORPHANED,
				       "xdg_toplevel@%u is inert", wl_resource_get_id(toplevel));
		return;
	}
	if (decoration_of(view)) {
		wl_resource_post_error(resource,
				       ZXDG_TOPLEVEL_DECORATION_V1_ERROR_ALREADY_CONSTRUCTED,
				       "xdg_toplevel@%u already has a decoration object",
				       wl_resource_get_id(toplevel));
		return;
	}
	if (view->surface->buffer || (view->surface->pending.buffer_attached &&
				      view->surface->pending.buffer)) {
		wl_resource_post_error(resource,
				       ZXDG_TOPLEVEL_DECORATION_V1_ERROR_UNCONFIGURED_BUFFER,
				       "xdg_toplevel@%u already has a buffer attached",
				       wl_resource_get_id(toplevel));
		return;
	}
	struct decoration *d = calloc(1, sizeof(*d));
	if (!d) {
		wl_client_post_no_memory(client);
		return;
	}
	d->resource = wl_resource_create(client, &zxdg_toplevel_decoration_v1_interface,
					 wl_resource_get_version(resource), id);
	if (!d->resource) {
		free(d);
		wl_client_post_no_memory(client);
		return;
	}
	d->server = server;
	d->view = view;
	d->view_destroy.notify = decoration_view_destroyed;
	wl_signal_add(&view->events.destroy, &d->view_destroy);
	d->map.notify = handle_map;
	wl_signal_add(&view->events.map, &d->map);
	d->commit.notify = handle_commit;
	wl_signal_add(&view->events.commit, &d->commit);
	d->set_title.notify = handle_set_title;
	wl_signal_add(&view->events.set_title, &d->set_title);
	d->configure.notify = handle_configure;
	wl_signal_add(&view->events.configure, &d->configure);
	wl_resource_set_implementation(d->resource, &decoration_impl, d,
				       decoration_resource_destroy);
	/* Until the client says, the compositor's preference. */
	set_server_side(d, true);
}

static const struct zxdg_decoration_manager_v1_interface manager_impl = {
	.destroy = manager_handle_destroy,
	.get_toplevel_decoration = manager_get_toplevel_decoration,
};

static void
manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *resource = wl_resource_create(client,
							  &zxdg_decoration_manager_v1_interface,
							  (int)version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &manager_impl, data, NULL);
}

bool
sw_xdg_decoration_create(struct sw_server *server)
{
	/* Destroyed with the display. */
	return wl_global_create(server->display, &zxdg_decoration_manager_v1_interface, 1, server,
				manager_bind) != NULL;
}
