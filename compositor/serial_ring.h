#ifndef SW_SERIAL_RING_H
#define SW_SERIAL_RING_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The configure serials an xdg_surface was sent and has not acked yet, to
 * judge its ack_configure: a serial must be one that was sent to it, and not
 * one acked before or older than one acked before. Serials come from the
 * display's counter, which wraps: they are compared by their difference.
 *
 * Only the newest SW_SERIAL_RING serials are kept. A client that lets more
 * go unacked may still ack a forgotten one: it is then accepted if it lies
 * between the last acked serial and the newest forgotten one, the range it
 * would have come from.
 */
#define SW_SERIAL_RING 16

struct sw_serial_ring {
	uint32_t serials[SW_SERIAL_RING];
	unsigned first, count;
	bool forgot;                  /* forgotten_newest is valid */
	uint32_t forgotten_newest;
	bool acked;                   /* last_acked is valid */
	uint32_t last_acked;
};

/* a came before b, in the wrapping order of serials. */
static inline bool
sw_serial_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline void
sw_serial_ring_push(struct sw_serial_ring *ring, uint32_t serial)
{
	if (ring->count == SW_SERIAL_RING) {
		ring->forgot = true;
		ring->forgotten_newest = ring->serials[ring->first];
		ring->first = (ring->first + 1) % SW_SERIAL_RING;
		ring->count--;
	}
	ring->serials[(ring->first + ring->count) % SW_SERIAL_RING] = serial;
	ring->count++;
}

/* Ack `serial`: true when it may be acked (it and every older one are consumed). */
static inline bool
sw_serial_ring_ack(struct sw_serial_ring *ring, uint32_t serial)
{
	for (unsigned i = 0; i < ring->count; i++) {
		if (ring->serials[(ring->first + i) % SW_SERIAL_RING] != serial)
			continue;
		ring->first = (ring->first + i + 1) % SW_SERIAL_RING;
		ring->count -= i + 1;
		ring->forgot = false;
		ring->acked = true;
		ring->last_acked = serial;
		return true;
	}
	if (ring->forgot && !sw_serial_before(ring->forgotten_newest, serial) &&
	    (!ring->acked || sw_serial_before(ring->last_acked, serial))) {
		ring->acked = true;
		ring->last_acked = serial;
		return true;
	}
	return false;
}

#endif
