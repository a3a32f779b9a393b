/*
 * The renderer draws exactly the items it is given: the background only
 * where no item is opaque, opaque parts copied (SRC: a pixel's alpha is not
 * looked at), the rest blended OVER, nothing of a claimed item and nothing
 * under it, and counts what it wrote.
 */
#include <stdint.h>

#include <pixman.h>

#include "render.h"
#include "test-util.h"

#define BG 0x202830u

static uint32_t
pixel(pixman_image_t *img, int x, int y)
{
	uint32_t *p = pixman_image_get_data(img);
	return p[y * (pixman_image_get_stride(img) / 4) + x] & 0xffffffu;
}

static pixman_image_t *
solid_image(pixman_format_code_t format, int w, int h, uint32_t argb)
{
	pixman_image_t *img = pixman_image_create_bits(format, w, h, NULL, 0);
	uint32_t *p = pixman_image_get_data(img);
	for (int i = 0; i < w * h; i++)
		p[i] = argb;
	return img;
}

static void
item_init(struct sw_render_item *it, pixman_image_t *image, int x, int y, int w, int h)
{
	*it = (struct sw_render_item){ .image = image, .x = x, .y = y, .width = w, .height = h };
	pixman_region32_init_rect(&it->visible, x, y, (unsigned)w, (unsigned)h);
	pixman_region32_init(&it->opaque);
}

static void
item_fini(struct sw_render_item *it)
{
	pixman_region32_fini(&it->visible);
	pixman_region32_fini(&it->opaque);
}

/* A half-transparent ARGB item whose left half is declared opaque. */
static void
opaque_part_is_copied_raw(struct sw_test *t)
{
	pixman_image_t *target = solid_image(PIXMAN_x8r8g8b8, 64, 32, 0);
	pixman_image_t *img = solid_image(PIXMAN_a8r8g8b8, 32, 16, 0x80800000u);
	struct sw_render_item it;
	item_init(&it, img, 16, 8, 32, 16);
	pixman_region32_union_rect(&it.opaque, &it.opaque, 16, 8, 16, 16);
	pixman_region32_t damage;
	pixman_region32_init_rect(&damage, 0, 0, 64, 32);
	struct sw_render_stats st;
	sw_render(target, &damage, BG, &it, 1, sizeof(it), &st);
	SW_CHECK(t, pixel(target, 20, 10) == 0x800000, "the opaque part is the raw colour 800000 "
		 "(got %06x)", pixel(target, 20, 10));
	SW_CHECK(t, pixel(target, 40, 10) != 0x800000 && pixel(target, 40, 10) != BG,
		 "the other part is blended (got %06x)", pixel(target, 40, 10));
	SW_CHECK(t, pixel(target, 2, 2) == BG, "outside the item is the background (got %06x)",
		 pixel(target, 2, 2));
	SW_CHECK(t, st.src_pixels == 256 && st.over_pixels == 256,
		 "256 pixels copied and 256 blended (got %llu and %llu)",
		 (unsigned long long)st.src_pixels, (unsigned long long)st.over_pixels);
	SW_CHECK(t, st.background_pixels == 64 * 32 - 256, "the background is filled everywhere "
		 "but under the opaque part: %d pixels (got %llu)", 64 * 32 - 256,
		 (unsigned long long)st.background_pixels);
	SW_CHECK(t, st.bytes == (256 + 256 + 64 * 32 - 256) * 4u, "4 bytes a pixel written "
		 "(got %llu)", (unsigned long long)st.bytes);
	pixman_region32_fini(&damage);
	item_fini(&it);
	pixman_image_unref(img);
	pixman_image_unref(target);
}

/* A claimed item over an opaque one: neither it nor what it covers is drawn. */
static void
claimed_item_is_left_alone(struct sw_test *t)
{
	pixman_image_t *target = solid_image(PIXMAN_x8r8g8b8, 64, 32, 0x123456u);
	pixman_image_t *below = solid_image(PIXMAN_x8r8g8b8, 64, 32, 0xff00ff00u);
	pixman_image_t *plane = solid_image(PIXMAN_x8r8g8b8, 16, 16, 0xffff0000u);
	struct sw_render_item items[2];
	item_init(&items[0], below, 0, 0, 64, 32);
	pixman_region32_copy(&items[0].opaque, &items[0].visible);
	item_init(&items[1], plane, 8, 8, 16, 16);
	pixman_region32_copy(&items[1].opaque, &items[1].visible);
	/* What a scene makes: the opaque item on top hides that part of the one below. */
	pixman_region32_subtract(&items[0].visible, &items[0].visible, &items[1].visible);
	pixman_region32_subtract(&items[0].opaque, &items[0].opaque, &items[1].visible);
	items[1].claimed = true;
	pixman_region32_t damage;
	pixman_region32_init_rect(&damage, 0, 0, 64, 32);
	struct sw_render_stats st;
	sw_render(target, &damage, BG, items, 2, sizeof(items[0]), &st);
	SW_CHECK(t, pixel(target, 12, 12) == 0x123456, "under the claimed item the target is "
		 "untouched (got %06x)", pixel(target, 12, 12));
	SW_CHECK(t, pixel(target, 40, 20) == 0x00ff00, "the item below shows elsewhere (got %06x)",
		 pixel(target, 40, 20));
	SW_CHECK(t, st.src_pixels == 64 * 32 - 256 && st.over_pixels == 0 &&
		 st.background_pixels == 0, "only the visible part of the item below is written "
		 "(got SRC %llu, OVER %llu, background %llu)", (unsigned long long)st.src_pixels,
		 (unsigned long long)st.over_pixels, (unsigned long long)st.background_pixels);
	pixman_region32_fini(&damage);
	item_fini(&items[0]);
	item_fini(&items[1]);
	pixman_image_unref(plane);
	pixman_image_unref(below);
	pixman_image_unref(target);
}

/* Only the damage is written, and an item without an image is drawn as background. */
static void
only_damage_is_written(struct sw_test *t)
{
	pixman_image_t *target = solid_image(PIXMAN_x8r8g8b8, 64, 32, 0x123456u);
	pixman_image_t *img = solid_image(PIXMAN_x8r8g8b8, 64, 32, 0xff00ff00u);
	struct sw_render_item items[2];
	item_init(&items[0], img, 0, 0, 64, 32);
	pixman_region32_copy(&items[0].opaque, &items[0].visible);
	item_init(&items[1], NULL, 32, 0, 32, 32);  /* its buffer could not be read */
	pixman_region32_copy(&items[1].opaque, &items[1].visible);
	pixman_region32_subtract(&items[0].visible, &items[0].visible, &items[1].visible);
	pixman_region32_subtract(&items[0].opaque, &items[0].opaque, &items[1].visible);
	pixman_region32_t damage;
	pixman_region32_init_rect(&damage, 24, 0, 16, 8);
	struct sw_render_stats st;
	sw_render(target, &damage, BG, items, 2, sizeof(items[0]), &st);
	SW_CHECK(t, pixel(target, 10, 20) == 0x123456, "outside the damage nothing changes "
		 "(got %06x)", pixel(target, 10, 20));
	SW_CHECK(t, pixel(target, 26, 2) == 0x00ff00, "the damaged part of the first item is drawn "
		 "(got %06x)", pixel(target, 26, 2));
	SW_CHECK(t, pixel(target, 36, 2) == BG, "the unreadable item shows the background "
		 "(got %06x)", pixel(target, 36, 2));
	SW_CHECK(t, st.src_pixels == 64 && st.background_pixels == 64,
		 "64 pixels copied and 64 filled (got %llu and %llu)",
		 (unsigned long long)st.src_pixels, (unsigned long long)st.background_pixels);
	pixman_region32_fini(&damage);
	item_fini(&items[0]);
	item_fini(&items[1]);
	pixman_image_unref(img);
	pixman_image_unref(target);
}

int
main(void)
{
	struct sw_test t = { 0 };
	SW_RUN(&t, opaque_part_is_copied_raw);
	SW_RUN(&t, claimed_item_is_left_alone);
	SW_RUN(&t, only_damage_is_written);
	return sw_test_finish(&t);
}
