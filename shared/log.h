#ifndef SW_LOG_H
#define SW_LOG_H

#include <stdbool.h>

enum sw_log_level {
	SW_LOG_ERROR = 0,
	SW_LOG_WARN,
	SW_LOG_INFO,
	SW_LOG_DEBUG,
};

/* Set the most verbose level printed; messages are written to stderr. */
void sw_log_set_level(enum sw_log_level level);
enum sw_log_level sw_log_get_level(void);
bool sw_log_parse_level(const char *name, enum sw_log_level *level);
/* Program name printed before every line, e.g. "sealway". */
void sw_log_set_tag(const char *tag);

void sw_log(enum sw_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define sw_err(...) sw_log(SW_LOG_ERROR, __VA_ARGS__)
#define sw_warn(...) sw_log(SW_LOG_WARN, __VA_ARGS__)
#define sw_info(...) sw_log(SW_LOG_INFO, __VA_ARGS__)
#define sw_debug(...) sw_log(SW_LOG_DEBUG, __VA_ARGS__)

#endif
