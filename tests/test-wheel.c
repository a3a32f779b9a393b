/*
 * Unit test of the wheel accumulator: high-resolution wheel motion of less
 * than a click (120) adds up to whole clicks instead of being lost.
 */
#include <math.h>
#include <stdint.h>

#include "seat.h"
#include "test-util.h"

static void
small_steps_add_up_to_clicks(struct sw_test *t)
{
	struct sw_wheel_axis a = { 0 };
	int32_t clicks = 0;
	for (int i = 0; i < 8; i++)
		clicks += sw_wheel_clicks(&a, 15);
	SW_CHECK(t, clicks == 1, "eight steps of 15/120 make one click (got %d)", clicks);
	SW_CHECK(t, a.carried == 0, "nothing is carried after a whole click (got %d)", a.carried);
	clicks = 0;
	for (int i = 0; i < 10; i++)
		clicks += sw_wheel_clicks(&a, -30);
	SW_CHECK(t, clicks == -2, "ten steps of -30/120 make two clicks back (got %d)", clicks);
	SW_CHECK(t, a.carried == -60, "half a click back is carried (got %d)", a.carried);
}

static void
whole_clicks_pass_through(struct sw_test *t)
{
	struct sw_wheel_axis a = { 0 };
	SW_CHECK(t, sw_wheel_clicks(&a, 120) == 1, "120 is one click");
	SW_CHECK(t, sw_wheel_clicks(&a, 360) == 3, "360 is three clicks");
	SW_CHECK(t, sw_wheel_clicks(&a, -240) == -2, "-240 is two clicks back");
	SW_CHECK(t, sw_wheel_clicks(&a, 180) == 1 && a.carried == 60,
		 "180 is a click and a half carried");
}

static void
turning_back_drops_what_was_carried(struct sw_test *t)
{
	struct sw_wheel_axis a = { 0 };
	SW_CHECK(t, sw_wheel_clicks(&a, 100) == 0, "100 is no click yet");
	SW_CHECK(t, sw_wheel_clicks(&a, -30) == 0 && a.carried == -30,
		 "a turn back starts afresh: -30 is carried, not 70 (got %d)", a.carried);
	SW_CHECK(t, sw_wheel_clicks(&a, -90) == -1, "and completes a click back at -120");
}

static void
extreme_values_are_clamped(struct sw_test *t)
{
	struct sw_wheel_axis a = { 0 };
	SW_CHECK(t, sw_wheel_clicks(&a, NAN) == 0 && a.carried == 0, "NaN is no motion");
	SW_CHECK(t, sw_wheel_clicks(&a, 1e300) == (1 << 24) / 120, "huge values are clamped");
	SW_CHECK(t, sw_wheel_clicks(&a, -1e300) == -((1 << 24) / 120),
		 "hugely negative values too");
	SW_CHECK(t, sw_wheel_clicks(&a, INFINITY) == (1 << 24) / 120, "and infinity");
}

int
main(void)
{
	struct sw_test t = { 0 };
	SW_RUN(&t, small_steps_add_up_to_clicks);
	SW_RUN(&t, whole_clicks_pass_through);
	SW_RUN(&t, turning_back_drops_what_was_carried);
	SW_RUN(&t, extreme_values_are_clamped);
	return sw_test_finish(&t);
}
