#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

int
sw_bad_option(const char *prog, void (*usage)(FILE *out), const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	usage(stderr);
	return 2;
}

bool
sw_parse_hex(const char *s, size_t digits, uint32_t *out)
{
	if (digits < 1 || digits > 8 || strlen(s) != digits ||
	    strspn(s, "0123456789abcdefABCDEF") != digits)
		return false;
	*out = (uint32_t)strtoul(s, NULL, 16);
	return true;
}

bool
sw_parse_color(const char *s, uint32_t *out)
{
	if (s[0] == '#')
		s++;
	else if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	return sw_parse_hex(s, 8, out);
}

int
sw_demo_option(const char *prog, void (*usage)(FILE *out), int opt, char *argv[],
	       struct sw_demo_options *o)
{
	switch (opt) {
	case SW_DEMO_OPT_SIZE:
		if (!sw_parse_size(optarg, &o->width, &o->height))
			return sw_bad_option(prog, usage,
					     "invalid --size \"%s\" (expected WxH, 1 to 16384 each)",
					     optarg);
		return -1;
	case SW_DEMO_OPT_FRAMES:
		if (!sw_parse_u32(optarg, 0, UINT32_MAX, &o->frames))
			return sw_bad_option(prog, usage,
					     "invalid --frames \"%s\" (expected a count, 0 = forever)",
					     optarg);
		return -1;
	case SW_DEMO_OPT_COLOR:
		if (!sw_parse_color(optarg, &o->color))
			return sw_bad_option(prog, usage,
					     "invalid --color \"%s\" (expected AARRGGBB in hex)",
					     optarg);
		o->solid = true;
		return -1;
	case SW_DEMO_OPT_BUFFERS:
		if (!sw_parse_u32(optarg, 2, 3, &o->buffers))
			return sw_bad_option(prog, usage,
					     "invalid --buffers \"%s\" (expected 2 or 3)", optarg);
		return -1;
	case SW_DEMO_OPT_LOG:
		if (!sw_log_parse_level(optarg, &o->level))
			return sw_bad_option(prog, usage,
					     "invalid --log \"%s\" (expected error, warn, info or debug)",
					     optarg);
		return -1;
	case SW_DEMO_OPT_FULLSCREEN:
		o->fullscreen = true;
		return -1;
	case SW_DEMO_OPT_HELP:
		usage(stdout);
		return 0;
	default:
		return sw_bad_option(prog, usage, "unknown option or missing argument: %s",
				     argv[optind - 1]);
	}
}
