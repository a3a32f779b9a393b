#ifndef SW_CLIENT_OPTIONS_H
#define SW_CLIENT_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "parse.h"

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

/* Exactly `digits` hexadecimal digits (1 to 8) and nothing else. */
bool sw_parse_hex(const char *s, size_t digits, uint32_t *out);

/* AARRGGBB in hex, optionally prefixed with "#" or "0x". */
bool sw_parse_color(const char *s, uint32_t *out);

/*
 * The options sealway-shm and sealway-dmabuf both take, with the same
 * meaning and messages. A program lists SW_DEMO_OPTIONS in its getopt_long
 * table (its own option codes stay below SW_DEMO_OPT_FIRST) and hands every
 * code it does not handle itself to sw_demo_option().
 */
struct sw_demo_options {
	uint32_t width, height;     /* --size WxH */
	uint32_t frames;            /* --frames N, 0 = until a signal */
	bool solid;                 /* --color given */
	uint32_t color;             /* AARRGGBB */
	uint32_t buffers;           /* --buffers 2|3 */
	enum sw_log_level level;    /* --log */
	bool fullscreen;            /* --fullscreen: ask for it before the first frame */
};

/* The defaults: 256x256, animated until a signal, 2 buffers, log level info. */
#define SW_DEMO_OPTIONS_INIT { .width = 256, .height = 256, .buffers = 2, \
			       .level = SW_LOG_INFO }

enum {
	SW_DEMO_OPT_FIRST = 0x1000,
	SW_DEMO_OPT_SIZE = SW_DEMO_OPT_FIRST,
	SW_DEMO_OPT_FRAMES,
	SW_DEMO_OPT_COLOR,
	SW_DEMO_OPT_BUFFERS,
	SW_DEMO_OPT_LOG,
	SW_DEMO_OPT_HELP,
	SW_DEMO_OPT_FULLSCREEN,
};

#define SW_DEMO_OPTIONS \
	{ "size", required_argument, NULL, SW_DEMO_OPT_SIZE }, \
	{ "frames", required_argument, NULL, SW_DEMO_OPT_FRAMES }, \
	{ "color", required_argument, NULL, SW_DEMO_OPT_COLOR }, \
	{ "buffers", required_argument, NULL, SW_DEMO_OPT_BUFFERS }, \
	{ "log", required_argument, NULL, SW_DEMO_OPT_LOG }, \
	{ "fullscreen", no_argument, NULL, SW_DEMO_OPT_FULLSCREEN }, \
	{ "help", no_argument, NULL, SW_DEMO_OPT_HELP }

/*
 * Take getopt_long's `opt` (with optarg, optind) for one of SW_DEMO_OPTIONS,
 * or complain about an unknown option or a missing argument. Returns -1 to
 * go on parsing, or the exit status: 0 after --help, 2 after a complaint.
 */
int sw_demo_option(const char *prog, void (*usage)(FILE *out), int opt, char *argv[],
		   struct sw_demo_options *o);

#endif
