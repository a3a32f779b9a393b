#ifndef SW_PARSE_H
#define SW_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Strict parsers for command-line values, shared by the compositor and the
 * clients so every program accepts sizes and numbers alike.
 */

/* A decimal number in [min, max], digits only (no sign, no blanks). */
bool sw_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/* "WxH", each 1 to 16384; with `rest`, parsing stops at the first character after H
 * and *rest points there (NULL: the string must end after H). */
bool sw_parse_size_prefix(const char *s, uint32_t *w, uint32_t *h, const char **rest);

/* "WxH", each 1 to 16384, and nothing else. */
bool sw_parse_size(const char *s, uint32_t *w, uint32_t *h);

#endif
