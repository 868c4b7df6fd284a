/* buf.c - growable byte buffer and JSON literal encoding. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"

void
srw_buf_init(srw_buf *b)
{
	b->s = NULL;
	b->len = b->cap = 0;
}

void
srw_buf_free(srw_buf *b)
{
	free(b->s);
	srw_buf_init(b);
}

void
srw_buf_reset(srw_buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void
srw_buf_grow(srw_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, cap;

	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	b->s = srw_xrealloc(b->s, cap);
	b->cap = cap;
}

void
srw_buf_add(srw_buf *b, const void *p, size_t n)
{
	srw_buf_grow(b, n);
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
srw_buf_adds(srw_buf *b, const char *s)
{
	srw_buf_add(b, s, strlen(s));
}

void
srw_buf_addc(srw_buf *b, char c)
{
	srw_buf_grow(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

void
srw_buf_printf(srw_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	srw_buf_grow(b, 64);
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		srw_buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* Does none of the 8 bytes in x need escaping in a JSON string (a control
 * character, '"' or '\\')?  Word-at-a-time tests (Hacker's Delight): the
 * writer escapes every string of every row it sends with Stream Load. */
static inline bool
plain8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');

	return !(((x - ones * 0x20) & ~x & high) | ((q - ones) & ~q & high) |
	    ((b - ones) & ~b & high));
}

void
srw_buf_add_jstr(srw_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run = 0;
	char *d;

	srw_buf_grow(b, n + 2);
	b->s[b->len++] = '"';
	while (i < n) {
		unsigned char c;

		if (i + 8 <= n) {
			uint64_t x;

			memcpy(&x, s + i, 8);
			if (plain8(x)) {
				i += 8;
				continue;
			}
		}
		c = (unsigned char)s[i++];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		srw_buf_add(b, s + run, i - 1 - run);
		run = i;
		srw_buf_grow(b, 6);
		d = b->s + b->len;
		switch (c) {
		case '"': memcpy(d, "\\\"", 2); b->len += 2; break;
		case '\\': memcpy(d, "\\\\", 2); b->len += 2; break;
		case '\n': memcpy(d, "\\n", 2); b->len += 2; break;
		case '\r': memcpy(d, "\\r", 2); b->len += 2; break;
		case '\t': memcpy(d, "\\t", 2); b->len += 2; break;
		default:
			d[0] = '\\'; d[1] = 'u'; d[2] = '0'; d[3] = '0';
			d[4] = hex[c >> 4]; d[5] = hex[c & 15];
			b->len += 6;
		}
	}
	srw_buf_add(b, s + run, n - run);
	srw_buf_addc(b, '"');
}

void
srw_buf_add_jint(srw_buf *b, int64_t v)
{
	char tmp[24];
	char *p = tmp + sizeof tmp;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	srw_buf_add(b, p, (size_t)(tmp + sizeof tmp - p));
}

void
srw_buf_add_jnum(srw_buf *b, double v)
{
	char tmp[32];
	int n;

	if (!isfinite(v)) {
		srw_buf_add(b, "null", 4);
		return;
	}
	if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) {	/* range first: UB past int64 */
		srw_buf_add_jint(b, (int64_t)v);
		return;
	}
	n = snprintf(tmp, sizeof tmp, "%.15g", v);
	if (strtod(tmp, NULL) != v)
		n = snprintf(tmp, sizeof tmp, "%.17g", v);
	srw_buf_add(b, tmp, (size_t)n);
}
