#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

/* Process-wide by nature: the level is set once from the command line. */
static enum sw_log_level max_level = SW_LOG_INFO;
static const char *log_tag = "sealway";

static const char *const level_names[] = {
	[SW_LOG_ERROR] = "error",
	[SW_LOG_WARN] = "warn",
	[SW_LOG_INFO] = "info",
	[SW_LOG_DEBUG] = "debug",
};

void
sw_log_set_level(enum sw_log_level level)
{
	max_level = level;
}

enum sw_log_level
sw_log_get_level(void)
{
	return max_level;
}

void
sw_log_set_tag(const char *tag)
{
	log_tag = tag;
}

bool
sw_log_parse_level(const char *name, enum sw_log_level *level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level = (enum sw_log_level)i;
			return true;
		}
	}
	return false;
}

void
sw_log(enum sw_log_level level, const char *fmt, ...)
{
	if (level > max_level)
		return;

	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);

	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line so interleaved processes stay readable. */
	fprintf(stderr, "[%s %5lld.%03ld %s] %s\n", log_tag, (long long)ts.tv_sec,
		ts.tv_nsec / 1000000, level_names[level], line);
}
