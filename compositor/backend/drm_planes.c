/*
 * Overlay plane discovery and assignment (see drm_planes.h). The rule that
 * keeps the picture right: the composited primary lies beneath every
 * overlay, so an item may leave the composition only if nothing composited
 * shows above any part of its rectangle.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "backend.h"
#include "buffer.h"
#include "drm_planes.h"
#include "formats.h"
#include "log.h"
#include "output.h"
#include "scene.h"
#include "surface.h"

/* --- discovery --- */

/* The id of property `name` of a plane, with its value; 0 when it has none. */
static uint32_t
plane_prop(drmModeObjectProperties *props, int fd, const char *name, uint64_t *value)
{
	uint32_t id = 0;
	for (uint32_t i = 0; i < props->count_props && !id; i++) {
		drmModePropertyRes *prop = drmModeGetProperty(fd, props->props[i]);
		if (!prop)
			continue;
		if (strcmp(prop->name, name) == 0) {
			id = prop->prop_id;
			if (value)
				*value = props->prop_values[i];
		}
		drmModeFreeProperty(prop);
	}
	return id;
}

/* The (format, modifier) pairs of the IN_FORMATS blob; without one, of the plane's format list. */
static bool
plane_formats(struct drm_plane *plane, int fd, drmModePlane *kms, uint64_t blob_id)
{
	drmModePropertyBlobRes *blob = blob_id ? drmModeGetPropertyBlob(fd, (uint32_t)blob_id) :
						 NULL;
	size_t n = 0;
	if (blob) {
		drmModeFormatModifierIterator iter = { 0 };
		while (drmModeFormatModifierBlobIterNext(blob, &iter))
			n++;
	} else {
		n = kms->count_formats;
	}
	plane->formats = n ? calloc(n, sizeof(*plane->formats)) : NULL;
	if (n && !plane->formats) {
		drmModeFreePropertyBlob(blob);
		return false;
	}
	if (blob) {
		drmModeFormatModifierIterator iter = { 0 };
		while (plane->n_formats < n && drmModeFormatModifierBlobIterNext(blob, &iter))
			plane->formats[plane->n_formats++] =
				(struct drm_format_mod){ iter.fmt, iter.mod };
		drmModeFreePropertyBlob(blob);
	} else {
		for (size_t i = 0; i < n; i++)
			plane->formats[plane->n_formats++] =
				(struct drm_format_mod){ kms->formats[i], DRM_FORMAT_MOD_LINEAR };
	}
	return true;
}

static bool
plane_atomic_props(struct drm_plane *plane, drmModeObjectProperties *props, int fd)
{
	struct drm_plane_props *p = &plane->props;
	p->fb_id = plane_prop(props, fd, "FB_ID", NULL);
	p->crtc_id = plane_prop(props, fd, "CRTC_ID", NULL);
	p->src_x = plane_prop(props, fd, "SRC_X", NULL);
	p->src_y = plane_prop(props, fd, "SRC_Y", NULL);
	p->src_w = plane_prop(props, fd, "SRC_W", NULL);
	p->src_h = plane_prop(props, fd, "SRC_H", NULL);
	p->crtc_x = plane_prop(props, fd, "CRTC_X", NULL);
	p->crtc_y = plane_prop(props, fd, "CRTC_Y", NULL);
	p->crtc_w = plane_prop(props, fd, "CRTC_W", NULL);
	p->crtc_h = plane_prop(props, fd, "CRTC_H", NULL);
	return p->fb_id && p->crtc_id && p->src_x && p->src_y && p->src_w && p->src_h &&
	       p->crtc_x && p->crtc_y && p->crtc_w && p->crtc_h;
}

static int
compare_zpos(const void *a, const void *b)
{
	const struct drm_plane *pa = a, *pb = b;
	return pa->zpos < pb->zpos ? -1 : pa->zpos > pb->zpos ? 1 : 0;
}

static void
format_list(const struct drm_plane *plane, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < plane->n_formats && used + 1 < len; i++) {
		uint32_t f = plane->formats[i].format;
		int n = snprintf(out + used, len - used, "%s%c%c%c%c%s", i ? "," : "",
				 (char)(f & 0xff), (char)((f >> 8) & 0xff), (char)((f >> 16) & 0xff),
				 (char)(f >> 24),
				 plane->formats[i].modifier == DRM_FORMAT_MOD_LINEAR ? "" : ":mod");
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

bool
drm_plane_set_init(struct drm_plane_set *set, int fd, int crtc_index, uint64_t *taken,
		   uint32_t cursor_w, uint32_t cursor_h)
{
	memset(set, 0, sizeof(*set));
	set->cursor_w = cursor_w;
	set->cursor_h = cursor_h;
	drmModePlaneRes *res = drmModeGetPlaneResources(fd);
	if (!res)
		return true;
	bool ok = true;
	set->overlays = res->count_planes ? calloc(res->count_planes, sizeof(*set->overlays)) :
					    NULL;
	if (res->count_planes && !set->overlays)
		ok = false;
	for (uint32_t i = 0; ok && i < res->count_planes && i < 64; i++) {
		if (*taken & (1ull << i))
			continue;
		drmModePlane *kms = drmModeGetPlane(fd, res->planes[i]);
		if (!kms)
			continue;
		drmModeObjectProperties *props =
			drmModeObjectGetProperties(fd, kms->plane_id, DRM_MODE_OBJECT_PLANE);
		uint64_t type = 0, blob = 0, zpos = i;
		bool usable = props && (kms->possible_crtcs & (1u << crtc_index)) &&
			      plane_prop(props, fd, "type", &type);
		bool cursor = usable && type == DRM_PLANE_TYPE_CURSOR;
		if (cursor && (set->has_cursor || !cursor_w))
			usable = false;
		struct drm_plane *plane = cursor ? &set->cursor : &set->overlays[set->n_overlays];
		if (usable && (cursor || type == DRM_PLANE_TYPE_OVERLAY)) {
			memset(plane, 0, sizeof(*plane));
			plane->id = kms->plane_id;
			plane->index = i;
			plane_prop(props, fd, "IN_FORMATS", &blob);
			/* Without zpos the kernel stacks overlays in the order it lists them. */
			plane_prop(props, fd, "zpos", &zpos);
			plane->zpos = zpos;
			if (!plane_atomic_props(plane, props, fd)) {
				sw_info("drm: plane %u lacks atomic properties: not used", plane->id);
			} else if (!plane_formats(plane, fd, kms, blob)) {
				ok = false;
			} else if (cursor && !drm_plane_has_format(plane, DRM_FORMAT_ARGB8888,
								   DRM_FORMAT_MOD_LINEAR)) {
				sw_info("drm: cursor plane %u lacks ARGB8888: not used", plane->id);
				free(plane->formats);
				memset(plane, 0, sizeof(*plane));
			} else {
				if (cursor)
					set->has_cursor = true;
				else
					set->n_overlays++;
				*taken |= 1ull << i;
			}
		}
		drmModeFreeObjectProperties(props);
		drmModeFreePlane(kms);
	}
	drmModeFreePlaneResources(res);
	if (!ok) {
		drm_plane_set_fini(set, taken);
		return false;
	}
	qsort(set->overlays, set->n_overlays, sizeof(*set->overlays), compare_zpos);
	set->tested = set->n_overlays ? calloc(set->n_overlays, sizeof(*set->tested)) : NULL;
	if (set->n_overlays && !set->tested) {
		drm_plane_set_fini(set, taken);
		return false;
	}
	for (size_t i = 0; i < set->n_overlays; i++) {
		char formats[256];
		format_list(&set->overlays[i], formats, sizeof(formats));
		sw_info("drm: CRTC %d: overlay plane %u (zpos %llu), %s, %zu formats x "
			"modifiers: %s", crtc_index, set->overlays[i].id,
			(unsigned long long)set->overlays[i].zpos,
			set->overlays[i].can_scale ? "scales" : "scaling not used",
			set->overlays[i].n_formats, formats);
	}
	if (set->has_cursor)
		sw_info("drm: CRTC %d: cursor plane %u, %ux%u buffers", crtc_index, set->cursor.id,
			set->cursor_w, set->cursor_h);
	return true;
}

bool
drm_plane_set_primary(struct drm_plane_set *set, int fd, uint32_t plane_id)
{
	drmModePlane *kms = drmModeGetPlane(fd, plane_id);
	if (!kms)
		return true;
	bool ok = true;
	uint64_t blob = 0;
	drmModeObjectProperties *props =
		drmModeObjectGetProperties(fd, plane_id, DRM_MODE_OBJECT_PLANE);
	if (props) {
		plane_prop(props, fd, "IN_FORMATS", &blob);
		set->primary.id = plane_id;
		ok = plane_formats(&set->primary, fd, kms, blob);
		drmModeFreeObjectProperties(props);
	}
	drmModeFreePlane(kms);
	return ok;
}

void
drm_plane_set_fini(struct drm_plane_set *set, uint64_t *taken)
{
	/* Nothing is a candidate of this output any more. */
	if (set->server)
		sw_dmabuf_scanout_frame_end(set->server, set, ++set->frame);
	for (size_t i = 0; i < set->n_overlays; i++) {
		*taken &= ~(1ull << set->overlays[i].index);
		free(set->overlays[i].formats);
		sw_dmabuf_tranche_fini(&set->overlays[i].tranche);
	}
	if (set->has_cursor) {
		*taken &= ~(1ull << set->cursor.index);
		free(set->cursor.formats);
	}
	free(set->primary.formats);
	sw_dmabuf_tranche_fini(&set->primary.tranche);
	free(set->overlays);
	free(set->tested);
	memset(set, 0, sizeof(*set));
}

bool
drm_plane_set_owns(const struct drm_plane_set *set, uint32_t plane_id)
{
	for (size_t i = 0; i < set->n_overlays; i++) {
		if (set->overlays[i].id == plane_id)
			return true;
	}
	return set->has_cursor && set->cursor.id == plane_id;
}

bool
drm_plane_has_format(const struct drm_plane *plane, uint32_t format, uint64_t modifier)
{
	/* An implicit modifier is what the buffer's maker chose for scanout: linear here. */
	if (modifier == DRM_FORMAT_MOD_INVALID)
		modifier = DRM_FORMAT_MOD_LINEAR;
	for (size_t i = 0; i < plane->n_formats; i++) {
		if (plane->formats[i].format == format && plane->formats[i].modifier == modifier)
			return true;
	}
	return false;
}

/* --- the atomic state --- */

static bool
plane_add(const struct drm_plane *plane, drmModeAtomicReq *req, uint32_t crtc_id)
{
	const struct drm_plane_props *p = &plane->props;
	const struct drm_plane_state *s = &plane->want;
	uint32_t id = plane->id;
	bool on = s->fb_id != 0;
	bool ok = drmModeAtomicAddProperty(req, id, p->fb_id, s->fb_id) >= 0 &&
		  drmModeAtomicAddProperty(req, id, p->crtc_id, on ? crtc_id : 0) >= 0;
	if (ok && on) {
		ok = drmModeAtomicAddProperty(req, id, p->src_x, 0) >= 0 &&
		     drmModeAtomicAddProperty(req, id, p->src_y, 0) >= 0 &&
		     drmModeAtomicAddProperty(req, id, p->src_w, (uint64_t)s->w << 16) >= 0 &&
		     drmModeAtomicAddProperty(req, id, p->src_h, (uint64_t)s->h << 16) >= 0 &&
		     drmModeAtomicAddProperty(req, id, p->crtc_x, (uint64_t)(int64_t)s->x) >= 0 &&
		     drmModeAtomicAddProperty(req, id, p->crtc_y, (uint64_t)(int64_t)s->y) >= 0 &&
		     drmModeAtomicAddProperty(req, id, p->crtc_w, s->w) >= 0 &&
		     drmModeAtomicAddProperty(req, id, p->crtc_h, s->h) >= 0;
	}
	return ok;
}

static bool
state_equal(const struct drm_plane_state *a, const struct drm_plane_state *b)
{
	if (!a->fb_id || !b->fb_id)
		return a->fb_id == b->fb_id;
	return a->fb_id == b->fb_id && a->x == b->x && a->y == b->y && a->w == b->w &&
	       a->h == b->h;
}

bool
drm_plane_set_add(const struct drm_plane_set *set, drmModeAtomicReq *req, uint32_t crtc_id,
		  bool all)
{
	for (size_t i = 0; i < set->n_overlays; i++) {
		const struct drm_plane *plane = &set->overlays[i];
		if ((all || !state_equal(&plane->want, &plane->shown)) &&
		    !plane_add(plane, req, crtc_id))
			return false;
	}
	if (set->has_cursor && (all || !state_equal(&set->cursor.want, &set->cursor.shown)))
		return plane_add(&set->cursor, req, crtc_id);
	return true;
}

bool
drm_plane_set_add_cursor(const struct drm_plane_set *set, drmModeAtomicReq *req,
			 uint32_t crtc_id)
{
	return !set->has_cursor || plane_add(&set->cursor, req, crtc_id);
}

void
drm_plane_set_committed(struct drm_plane_set *set)
{
	for (size_t i = 0; i < set->n_overlays; i++)
		set->overlays[i].shown = set->overlays[i].want;
	set->cursor.shown = set->cursor.want;
}

void
drm_plane_set_covered(const struct drm_plane_set *set, pixman_region32_t *region)
{
	for (size_t i = 0; i < set->n_overlays; i++) {
		const struct drm_plane_state *w = &set->overlays[i].want;
		if (w->fb_id)
			pixman_region32_union_rect(region, region, w->x, w->y, w->w, w->h);
	}
}

void
drm_plane_set_clear(struct drm_plane_set *set)
{
	for (size_t i = 0; i < set->n_overlays; i++) {
		set->overlays[i].want = (struct drm_plane_state){ 0 };
		set->overlays[i].buffer = NULL;
	}
}

/* --- assignment --- */

/* What this frame says of an item; logged only when it differs from the last frame's. */
static void
note(struct drm_plane_set *set, const char *output, const void *who, const char *why,
     uint32_t plane)
{
	if (set->n_reasons < DRM_PLANES_REASONS) {
		set->reasons[set->n_reasons].who = who;
		set->reasons[set->n_reasons].why = why;
		set->n_reasons++;
	}
	for (size_t i = 0; i < set->n_last_reasons; i++) {
		if (set->last_reasons[i].who == who && set->last_reasons[i].why == why)
			return;
	}
	if (plane)
		sw_debug("drm: output %s: surface %p on %s plane %u", output, who,
			 strcmp(why, "on the cursor plane") == 0 ? "the cursor" : "overlay", plane);
	else
		sw_debug("drm: output %s: surface %p composited: %s", output, who, why);
}

/* Why an item cannot go on an overlay plane, or NULL. */
static const char *
overlay_unfit(const struct sw_scene_item *item, const struct sw_output *output,
	      const struct drm_plane *plane)
{
	const struct sw_render_item *r = &item->render;
	if (item->cursor)
		return "the cursor";
	if (!item->buffer)
		return "the compositor's own image";
	if (item->has_alpha)
		return "its format has alpha";
	if (r->transform != SW_RENDER_TRANSFORM_NORMAL)
		return "it is transformed";
	if (item->viewported && !plane->can_scale)
		return "it is viewported and the plane does not scale";
	if (r->width != item->buffer->width || r->height != item->buffer->height)
		return "it is scaled and the plane does not scale";
	if (r->x < 0 || r->y < 0 || r->width > output->width - r->x ||
	    r->height > output->height - r->y)
		return "it is not wholly inside the output";
	return NULL;
}

/* What the reason log names an item by: its surface, or the compositor's image. */
static const void *
item_who(const struct sw_scene_item *item)
{
	return item->surface ? (const void *)item->surface : (const void *)item->render.image;
}

struct candidate {
	struct sw_scene_item *item;
	struct drm_plane *plane;         /* NULL: the primary */
	struct drm_scanout *scanout;
};

static void
want_from(struct drm_plane_set *set, const struct candidate *c, size_t n)
{
	drm_plane_set_clear(set);
	for (size_t i = 0; i < n; i++) {
		if (!c[i].plane)
			continue;
		const struct sw_render_item *r = &c[i].item->render;
		c[i].plane->want = (struct drm_plane_state){
			.fb_id = c[i].scanout->fb_id,
			.x = r->x,
			.y = r->y,
			.w = (uint32_t)r->width,
			.h = (uint32_t)r->height,
		};
		c[i].plane->buffer = c[i].item->buffer;
	}
}

/* Whether this proposal's layout was accepted before with each of its buffers where it is. */
static bool
known_good(const struct drm_plane_set *set, const struct drm_assign *assign,
	   const struct candidate *c, size_t n, bool primary_client)
{
	if (!set->tested_valid || set->tested_primary_client != primary_client)
		return false;
	for (size_t i = 0; i < set->n_overlays; i++) {
		const struct drm_plane_state *w = &set->overlays[i].want, *t = &set->tested[i];
		if (!!w->fb_id != !!t->fb_id ||
		    (w->fb_id && (w->x != t->x || w->y != t->y || w->w != t->w || w->h != t->h)))
			return false;
	}
	for (size_t i = 0; i < n; i++) {
		const struct drm_scanout *s = c[i].scanout;
		if (!c[i].plane ? !(s->tested & assign->crtc_bit) :
		    !s->overlay_ok || s->overlay_plane != c[i].plane->id ||
		    s->overlay_x != c[i].item->render.x || s->overlay_y != c[i].item->render.y)
			return false;
	}
	return true;
}

static void
remember_tested(struct drm_plane_set *set, const struct drm_assign *assign,
		struct candidate *c, size_t n, bool primary_client)
{
	for (size_t i = 0; i < set->n_overlays; i++)
		set->tested[i] = set->overlays[i].want;
	set->tested_primary_client = primary_client;
	set->tested_valid = true;
	for (size_t i = 0; i < n; i++) {
		struct drm_scanout *s = c[i].scanout;
		if (!c[i].plane) {
			s->tested |= assign->crtc_bit;
			continue;
		}
		s->overlay_plane = c[i].plane->id;
		s->overlay_x = c[i].item->render.x;
		s->overlay_y = c[i].item->render.y;
		s->overlay_ok = true;
	}
}

/* Why the cursor cannot go on the cursor plane, or NULL. */
static const char *
cursor_unfit(const struct drm_plane_set *set, const struct sw_scene_item *item)
{
	const struct sw_render_item *r = &item->render;
	if (!set->has_cursor)
		return "the output has no cursor plane";
	if (!r->image)
		return "the cursor has no image";
	if ((uint32_t)r->width > set->cursor_w || (uint32_t)r->height > set->cursor_h)
		return "the cursor is larger than the cursor plane";
	if (r->image == set->cursor_refused)
		return "the cursor plane refused this image";
	return NULL;
}

/* The plane's scanout tranche for the dma-buf feedback, made once; NULL when out of memory. */
static const struct sw_dmabuf_tranche *
plane_tranche(struct drm_plane_set *set, const struct sw_output *output, struct drm_plane *plane)
{
	struct sw_dmabuf_tranche *t = &plane->tranche;
	if (t->made)
		return t;
	t->device = output->backend->drm_dev;
	for (size_t i = 0; i < plane->n_formats; i++) {
		if (!sw_dmabuf_tranche_add(set->server, t, plane->formats[i].format,
					   plane->formats[i].modifier)) {
			sw_dmabuf_tranche_fini(t);
			return NULL;
		}
	}
	t->made = true;
	return t;
}

/* Tell the item's surface whether it could go on `plane` (NULL: no plane). */
static void
scanout_candidate(struct drm_plane_set *set, const struct sw_output *output,
		  const struct sw_scene_item *item, struct drm_plane *plane)
{
	/* Nothing for surfaces that asked for no feedback. */
	if (!item->surface || !item->surface->dmabuf_feedback)
		return;
	sw_dmabuf_surface_scanout(item->surface, set,
				  plane ? plane_tranche(set, output, plane) : NULL, set->frame);
}

void
drm_planes_assign(struct drm_plane_set *set, const struct drm_assign *assign,
		  struct sw_output *output, struct sw_scene_list *list)
{
	struct sw_scene_item *items = sw_scene_list_items(list);
	struct candidate c[64];
	size_t n = 0, free_planes = set->n_overlays;
	const char *name = assign->output_name;
	struct sw_scene_item *cursor = NULL;
	struct drm_plane_state cursor_want = { 0 };

	memcpy(set->last_reasons, set->reasons, sizeof(set->reasons));
	set->n_last_reasons = set->n_reasons;
	set->n_reasons = 0;
	drm_plane_set_clear(set);
	set->server = output->server;
	set->frame++;

	/* What is composited above the item being looked at: where it may not go on a plane. */
	pixman_region32_t composited;
	pixman_region32_init(&composited);
	for (size_t i = list->count; i-- > 0;) {
		struct sw_scene_item *item = &items[i];
		const void *who = item_who(item);
		const char *why = NULL;
		struct drm_plane *plane = NULL;
		struct drm_scanout *s = NULL;
		size_t on_planes = n + (cursor ? 1 : 0);
		if (item->cursor && assign->compose_only) {
			why = "a screen capture waits for this frame";
		} else if (item->cursor) {
			why = cursor_unfit(set, item);
			uint32_t fb = why ? 0 : assign->cursor_fb(assign->data, item->render.image);
			if (!why && !fb)
				why = "no cursor buffer";
			if (!why) {
				cursor = item;
				cursor_want = (struct drm_plane_state){
					fb, item->render.x, item->render.y, set->cursor_w,
					set->cursor_h
				};
				continue;
			}
		} else if (i == 0 && on_planes == list->count - 1 &&
			   sw_output_item_is_frame(output, item)) {
			/* The whole frame, with nothing composited above it: the primary plane. */
			scanout_candidate(set, output, item, set->primary.id ? &set->primary : NULL);
			s = assign->scanout(assign->data, item->buffer);
			if (!s)
				why = "out of memory";
			else if (!s->fb_id)
				why = "its buffer cannot be a framebuffer";
			else if (s->refused & assign->crtc_bit)
				why = "the primary plane refused its buffer";
		} else {
			plane = free_planes ? &set->overlays[free_planes - 1] : NULL;
			pixman_box32_t box = { item->render.x, item->render.y,
					       item->render.x + item->render.width,
					       item->render.y + item->render.height };
			if (assign->compose_only)
				why = "a screen capture waits for this frame";
			else if (!plane)
				why = set->n_overlays ? "no overlay plane is left" :
					"the output has no overlay plane";
			else
				why = overlay_unfit(item, output, plane);
			if (!why && pixman_region32_contains_rectangle(&composited, &box) !=
				    PIXMAN_REGION_OUT)
				why = "something composited shows above it";
			scanout_candidate(set, output, item, why ? NULL : plane);
			if (!why && !(s = assign->scanout(assign->data, item->buffer)))
				why = "out of memory";
			if (!why && !s->fb_id)
				why = "its buffer cannot be a framebuffer";
			if (!why && !drm_plane_has_format(plane, s->format, s->modifier))
				why = "the overlay plane lacks its format and modifier";
			if (!why && s->overlay_plane == plane->id && !s->overlay_ok &&
			    s->overlay_x == item->render.x && s->overlay_y == item->render.y)
				why = "the overlay plane refused its buffer there";
		}
		if (why || n == sizeof(c) / sizeof(c[0])) {
			note(set, name, who, why ? why : "too many items", 0);
			pixman_region32_union(&composited, &composited, &item->render.visible);
			continue;
		}
		c[n++] = (struct candidate){ item, plane, s };
		if (plane)
			free_planes--;
	}
	pixman_region32_fini(&composited);
	sw_dmabuf_scanout_frame_end(set->server, set, set->frame);

	/*
	 * TEST_ONLY, dropping the lowest plane while it fails: overlays bottom
	 * up, then the cursor, then the primary. Candidates are top first, the
	 * primary last; whatever is dropped is composited, and so needs the
	 * composited frame on the primary.
	 */
	for (;;) {
		want_from(set, c, n);
		set->cursor.want = cursor ? cursor_want : (struct drm_plane_state){ 0 };
		bool primary_client = n && !c[n - 1].plane;
		uint32_t primary_fb = primary_client ? c[n - 1].scanout->fb_id : 0;
		if ((n == 0 && !cursor) || (known_good(set, assign, c, n, primary_client) &&
					    (!cursor || set->cursor_tested)))
			break;
		int ret = assign->test(assign->data, primary_fb);
		set->tests++;
		size_t planes = n + (cursor ? 1 : 0);
		sw_debug("drm: output %s: TEST_ONLY %" PRIu64 " of %zu plane%s: %s", name,
			 set->tests, planes, planes == 1 ? "" : "s",
			 ret < 0 ? strerror(-ret) : "accepted");
		if (ret == 0) {
			remember_tested(set, assign, c, n, primary_client);
			set->cursor_tested = cursor != NULL;
			break;
		}
		set->tested_valid = false;
		set->cursor_tested = false;
		size_t overlays = primary_client ? n - 1 : n;
		if (overlays > 0) {
			struct candidate *d = &c[overlays - 1];
			d->scanout->overlay_plane = d->plane->id;
			d->scanout->overlay_x = d->item->render.x;
			d->scanout->overlay_y = d->item->render.y;
			d->scanout->overlay_ok = false;
			sw_info("drm: output %s: overlay plane %u refuses buffer %p (framebuffer %u) "
				"at %d,%d (TEST_ONLY: %s): composited", name, d->plane->id,
				(void *)d->item->buffer, d->scanout->fb_id, d->item->render.x,
				d->item->render.y, strerror(-ret));
			note(set, name, item_who(d->item), "the plane refused it", 0);
			n = overlays - 1;
		} else if (cursor) {
			set->cursor_refused = cursor->render.image;
			sw_info("drm: output %s: cursor plane %u refuses the cursor image %p "
				"(TEST_ONLY: %s): composited", name, set->cursor.id,
				(void *)cursor->render.image, strerror(-ret));
			note(set, name, item_who(cursor), "the plane refused it", 0);
			cursor = NULL;
			n = 0;
		} else {
			struct candidate *d = &c[n - 1];
			d->scanout->refused |= assign->crtc_bit;
			sw_info("drm: output %s: the primary plane refuses buffer %p (framebuffer "
				"%u, TEST_ONLY: %s): composited", name, (void *)d->item->buffer,
				d->scanout->fb_id, strerror(-ret));
			note(set, name, item_who(d->item), "the plane refused it", 0);
			n = 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		c[i].item->render.claimed = true;
		if (c[i].plane)
			note(set, name, item_who(c[i].item), "on an overlay plane", c[i].plane->id);
		else
			sw_debug("drm: output %s: buffer %p (framebuffer %u) on the primary plane",
				 name, (void *)c[i].item->buffer, c[i].scanout->fb_id);
	}
	if (cursor) {
		note(set, name, item_who(cursor), "on the cursor plane", set->cursor.id);
		/* Not claimed: beneath its transparent pixels the frame is composited as usual. */
		cursor->render.image = NULL;
	}
	set->cursor_shown = cursor != NULL;
}
