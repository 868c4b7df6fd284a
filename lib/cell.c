/* cell.c - a JSON value checked against its column and converted to the
 * typed cell the row writer batches (lib/insert.c): integers, doubles,
 * strings with their lengths (NUL bytes kept where the column holds text,
 * refused where it holds a number or a date), date-times in UTC.  One bad
 * value rejects its row with a reason naming the column. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"

static size_t
utf8_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

static bool
int_text(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s))
		s++;
	return *s == '\0';
}

static void
cell_str(srw_buf *bytes, srw_cell *c, const char *s, size_t n)
{
	c->kind = SRW_CELL_STR;
	c->v.off = bytes->len;
	c->len = n;
	srw_buf_add(bytes, s, n);
}

static int
too_long(enum srw_dialect dialect, const srw_col *c, const char *s, size_t n,
    char *reason, size_t rsz)
{
	bool bytes = dialect == SRW_DIALECT_STARROCKS;
	size_t have;

	if (c->type != SRW_COL_STRING || c->maxlen <= 0)
		return 0;
	have = bytes ? n : utf8_chars(s, n);
	if (have <= (size_t)c->maxlen)
		return 0;
	snprintf(reason, rsz, "column %s holds %ld %s, value has %zu", c->name, c->maxlen,
	    bytes ? "bytes" : "characters", have);
	return -1;
}

/* The cell for string s (n bytes, NULs possible) in column c. */
static int
convert_str(srw_buf *bytes, enum srw_dialect dialect, const srw_col *c, const char *s,
    size_t n, srw_cell *out, char *reason, size_t rsz)
{
	char tmp[40], *end;
	int64_t ms;
	double d;

	if (memchr(s, '\0', n) && c->type != SRW_COL_STRING && c->type != SRW_COL_JSON) {
		snprintf(reason, rsz, "column %s cannot hold a NUL byte (value \"%.40s\\u0000…\")",
		    c->name, s);
		return -1;
	}
	switch (c->type) {
	case SRW_COL_INT:
		if (!int_text(s)) {
			snprintf(reason, rsz, "column %s wants an integer, got \"%.40s\"",
			    c->name, s);
			return -1;
		}
		errno = 0;
		out->v.i = strtoll(s, &end, 10);
		out->kind = SRW_CELL_INT;
		if (errno == ERANGE) {
			errno = 0;
			if (*s != '-' && c->is_unsigned &&
			    (out->v.u = strtoull(s, &end, 10), errno == 0)) {
				out->kind = SRW_CELL_UINT;
			} else {
				/* LARGEINT and friends: the server checks the range.
				 * Digits without sign or leading zeros ("-" kept) are
				 * a number in SQL and in JSON alike. */
				bool neg = *s == '-';

				s += *s == '+' || *s == '-';
				while (s[0] == '0' && s[1])
					s++;
				out->kind = SRW_CELL_NUMTEXT;
				out->v.off = bytes->len;
				if (neg)
					srw_buf_addc(bytes, '-');
				srw_buf_adds(bytes, s);
				out->len = bytes->len - out->v.off;
			}
		}
		return 0;
	case SRW_COL_FLOAT:
		d = strtod(s, &end);
		if (!*s || *end || !isfinite(d)) {
			snprintf(reason, rsz, "column %s wants a number, got \"%.40s\"", c->name, s);
			return -1;
		}
		out->kind = SRW_CELL_DBL;
		out->v.d = d;
		return 0;
	case SRW_COL_DATETIME:
		if (n == 19 && srw_time_parse_sql(s, &ms) == 0 && !(s[17] == '6' && s[18] == '0')) {
			/* already "YYYY-MM-DD HH:MM:SS" UTC: as it is */
			cell_str(bytes, out, s, n);
			return 0;
		}
		if (srw_time_parse_sql(s, &ms) != 0 && srw_time_parse(s, &ms) != 0) {
			snprintf(reason, rsz, "column %s wants a date and time, got \"%.40s\"",
			    c->name, s);
			return -1;
		}
		srw_time_fmt_sql(ms, tmp);
		cell_str(bytes, out, tmp, strlen(tmp));
		return 0;
	case SRW_COL_DATE: {
		int y, m, dd;

		if (srw_date_parse(s, &y, &m, &dd) != 0) {
			snprintf(reason, rsz, "column %s wants a date YYYY-MM-DD, got \"%.40s\"",
			    c->name, s);
			return -1;
		}
		cell_str(bytes, out, s, n);
		return 0;
	}
	default:
		if (too_long(dialect, c, s, n, reason, rsz) != 0)
			return -1;
		cell_str(bytes, out, s, n);
		return 0;
	}
}

int
srw_cell_convert(srw_cell *out, srw_buf *bytes, enum srw_dialect dialect,
    const srw_col *c, const srw_val *v, const char *str, size_t slen, char *reason,
    size_t rsz)
{
	char tmp[40];
	double d;
	bool bl;
	int64_t ms;

	memset(out, 0, sizeof *out);
	switch (srw_val_type(v)) {
	case SRW_NULL:
		if (!c->nullable) {
			snprintf(reason, rsz, "column %s cannot be null", c->name);
			return -1;
		}
		out->kind = SRW_CELL_NULL;
		return 0;
	case SRW_BOOL:
		srw_val_bool(v, &bl);
		if (c->type == SRW_COL_INT) {
			out->kind = SRW_CELL_INT;
			out->v.i = bl;
		} else if (c->type == SRW_COL_FLOAT) {
			out->kind = SRW_CELL_DBL;
			out->v.d = bl;
		} else if (c->type == SRW_COL_STRING || c->type == SRW_COL_JSON) {
			cell_str(bytes, out, bl ? "true" : "false", bl ? 4 : 5);
		} else {
			goto mismatch;
		}
		return 0;
	case SRW_NUM:
		srw_val_num(v, &d);
		if (!isfinite(d))
			goto mismatch;
		switch (c->type) {
		case SRW_COL_INT:
			if (d != floor(d) || fabs(d) > 9.2e18) {
				snprintf(reason, rsz, "column %s wants an integer, got %g",
				    c->name, d);
				return -1;
			}
			if (c->is_unsigned && d < 0) {
				snprintf(reason, rsz, "column %s is unsigned, got %g", c->name, d);
				return -1;
			}
			out->kind = SRW_CELL_INT;
			out->v.i = (int64_t)d;
			return 0;
		case SRW_COL_FLOAT:
			out->kind = SRW_CELL_DBL;
			out->v.d = d;
			return 0;
		case SRW_COL_DATETIME:
		case SRW_COL_DATE:
			/* epoch seconds or milliseconds */
			ms = fabs(d) >= 1e11 ? (int64_t)d : (int64_t)(d * 1000);
			srw_time_fmt_sql(ms, tmp);
			cell_str(bytes, out, tmp, c->type == SRW_COL_DATE ? 10 : strlen(tmp));
			return 0;
		default: {
			srw_buf nb;

			srw_buf_init(&nb);
			srw_buf_add_jnum(&nb, d);
			cell_str(bytes, out, nb.s, nb.len);
			srw_buf_free(&nb);
			return 0;
		}
		}
	case SRW_STR:
		if (!str) {
			str = srw_val_str(v);
			slen = strlen(str);
		}
		return convert_str(bytes, dialect, c, str, slen, out, reason, rsz);
	case SRW_ARR:
	case SRW_OBJ:
		if (c->type == SRW_COL_JSON || c->type == SRW_COL_STRING) {
			char *js = srw_val_print(v);
			size_t n = strlen(js);
			int rc = too_long(dialect, c, js, n, reason, rsz);

			if (rc == 0)
				cell_str(bytes, out, js, n);
			free(js);
			return rc;
		}
		goto mismatch;
	default:
		goto mismatch;
	}
mismatch:
	snprintf(reason, rsz, "column %s: value of the wrong type", c->name);
	return -1;
}
