#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

bool
sw_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	errno = 0;
	/* strtoull would take blanks and a sign, and wrap negative numbers. */
	if (*s < '0' || *s > '9')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

bool
sw_parse_size_prefix(const char *s, uint32_t *w, uint32_t *h, const char **rest)
{
	char buf[32];
	const char *x = strchr(s, 'x');
	if (!x || (size_t)(x - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(x - s));
	buf[x - s] = '\0';
	const char *hs = x + 1;
	size_t hlen = strspn(hs, "0123456789");
	if (hlen == 0 || hlen >= sizeof(buf) || (!rest && hs[hlen] != '\0'))
		return false;
	char hbuf[32];
	memcpy(hbuf, hs, hlen);
	hbuf[hlen] = '\0';
	if (!sw_parse_u32(buf, 1, 16384, w) || !sw_parse_u32(hbuf, 1, 16384, h))
		return false;
	if (rest)
		*rest = hs + hlen;
	return true;
}

bool
sw_parse_size(const char *s, uint32_t *w, uint32_t *h)
{
	return sw_parse_size_prefix(s, w, h, NULL);
}
