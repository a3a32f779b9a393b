#ifndef SW_PROBE_BYSTANDER_H
#define SW_PROBE_BYSTANDER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * A well-behaved client beside a flood: a small window that commits a 4x4
 * damage with a frame callback each time the last one is done, in a process
 * of its own, from before the flood until after it. It measures the time
 * between frame callbacks, and the time from the last one to its stop.
 */
struct bystander {
	pid_t pid;
	int control;	/* closed to stop it */
	int report;	/* its figures, once stopped */
};

struct bystander_figures {
	int frames;
	int p50_ms;	/* median time between frame callbacks; -1 with fewer than 2 */
	int max_ms;	/* the longest time without a frame callback, up to the stop */
};

/* Connected, mapped and shown once; false (why in `why`) when it cannot be. */
bool bystander_start(struct bystander *b, char *why, size_t size);
/* Stop it and read its figures; false (why in `why`) when it reported none. */
bool bystander_stop(struct bystander *b, struct bystander_figures *f, char *why, size_t size);

#endif
