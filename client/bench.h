#ifndef SW_BENCH_H
#define SW_BENCH_H

#include <stdbool.h>
#include <stdint.h>

/*
 * sealway-bench has two modes, one per file: "mech" (bench.c) times the ways
 * of sharing memory between two processes without a compositor, step by
 * step; "client" (bench-client.c) shows a window through a compositor with
 * one of the allocation paths sealway's clients support and reports what a
 * frame costs on both sides.
 */

#define BENCH_PROG "sealway-bench"

/* Time now on CLOCK_MONOTONIC, in nanoseconds. */
uint64_t bench_now_ns(void);

/* "EINVAL" for EINVAL; "E?" when the C library does not know the number. */
const char *bench_errno_name(int err);

int bench_client_main(int argc, char *argv[]);

#endif
