#ifndef SW_CLIENT_OPTIONS_H
#define SW_CLIENT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Command-line helpers shared by the client programs, so that they parse
 * numbers, sizes and colours alike and complain about them in one format.
 */

/*
 * Print "PROG: <message>" and the usage text to stderr; returns 2, the exit
 * status for a bad command line.
 */
int sw_bad_option(const char *prog, void (*usage)(FILE *out), const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A decimal number in [min, max], digits only (no sign, no blanks). */
bool sw_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/* "WxH", each 1 to 16384. */
bool sw_parse_size(const char *s, uint32_t *w, uint32_t *h);

/* Exactly `digits` hexadecimal digits (1 to 8) and nothing else. */
bool sw_parse_hex(const char *s, size_t digits, uint32_t *out);

/* AARRGGBB in hex, optionally prefixed with "#" or "0x". */
bool sw_parse_color(const char *s, uint32_t *out);

#endif
