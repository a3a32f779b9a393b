/*
 * Unit test of the configure serials an xdg_surface may ack: each one sent
 * and not yet consumed, in the wrapping order of the display's serials,
 * also across UINT32_MAX.
 */
#include <stdint.h>

#include "serial_ring.h"
#include "test-util.h"

static void
serials_wrap_past_uint32_max(struct sw_test *t)
{
	struct sw_serial_ring r = { 0 };
	sw_serial_ring_push(&r, UINT32_MAX - 1);
	sw_serial_ring_push(&r, UINT32_MAX);
	sw_serial_ring_push(&r, 0);
	sw_serial_ring_push(&r, 1);
	SW_CHECK(t, r.count == 4, "the ring holds the four serials sent");
	SW_CHECK(t, sw_serial_before(UINT32_MAX, 0), "UINT32_MAX comes before 0");
	SW_CHECK(t, sw_serial_before(UINT32_MAX - 5, 3), "UINT32_MAX - 5 comes before 3");
	SW_CHECK(t, !sw_serial_before(3, UINT32_MAX - 5), "3 does not come before UINT32_MAX - 5");
	SW_CHECK(t, sw_serial_ring_ack(&r, 0), "0, sent after UINT32_MAX, may be acked");
	SW_CHECK(t, !sw_serial_ring_ack(&r, UINT32_MAX),
		 "UINT32_MAX, older than the acked 0, may not be acked any more");
	SW_CHECK(t, !sw_serial_ring_ack(&r, 0), "0 may not be acked twice");
	SW_CHECK(t, sw_serial_ring_ack(&r, 1), "1, the newest, may be acked");
	SW_CHECK(t, !sw_serial_ring_ack(&r, 2), "2 was never sent");
}

static void
serials_never_sent_are_refused(struct sw_test *t)
{
	struct sw_serial_ring r = { 0 };
	SW_CHECK(t, !sw_serial_ring_ack(&r, 0), "nothing sent: 0 may not be acked");
	SW_CHECK(t, !sw_serial_ring_ack(&r, UINT32_MAX), "nothing sent: UINT32_MAX neither");
	sw_serial_ring_push(&r, UINT32_MAX - 2);
	sw_serial_ring_push(&r, UINT32_MAX);
	SW_CHECK(t, !sw_serial_ring_ack(&r, UINT32_MAX - 1),
		 "UINT32_MAX - 1 lies between two sent serials but went to another surface");
	SW_CHECK(t, !sw_serial_ring_ack(&r, 0), "0 comes after the newest sent");
	SW_CHECK(t, sw_serial_ring_ack(&r, UINT32_MAX - 2), "the older sent serial may be acked");
	SW_CHECK(t, sw_serial_ring_ack(&r, UINT32_MAX), "then the newer one");
}

static void
forgotten_serials_stay_ackable(struct sw_test *t)
{
	/* 40 configures unacked, two serials apart, crossing UINT32_MAX. */
	struct sw_serial_ring r = { 0 };
	uint32_t first = UINT32_MAX - 30;
	for (uint32_t i = 0; i < 40; i++)
		sw_serial_ring_push(&r, first + 2 * i);
	SW_CHECK(t, r.count == SW_SERIAL_RING, "the ring keeps the newest %d", SW_SERIAL_RING);
	SW_CHECK(t, sw_serial_ring_ack(&r, first + 2), "a forgotten serial may still be acked");
	SW_CHECK(t, !sw_serial_ring_ack(&r, first), "but not one older than it afterwards");
	SW_CHECK(t, !sw_serial_ring_ack(&r, first + 2 * 40),
		 "a serial after the newest sent may not be acked");
	SW_CHECK(t, sw_serial_ring_ack(&r, first + 2 * 39), "the newest (past 0) may be acked");
	SW_CHECK(t, !sw_serial_ring_ack(&r, first + 2 * 30),
		 "once the newest is acked, nothing older may be");
}

int
main(void)
{
	struct sw_test t = { 0 };
	SW_RUN(&t, serials_wrap_past_uint32_max);
	SW_RUN(&t, serials_never_sent_are_refused);
	SW_RUN(&t, forgotten_serials_stay_ackable);
	return sw_test_finish(&t);
}
