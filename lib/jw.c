/* jw.c - a small, fast NDJSON object writer for the hot paths. */
#include <string.h>

#include "srw.h"

static void
comma(srw_buf *b)
{
	char c = b->len ? b->s[b->len - 1] : '\n';

	if (c != '{' && c != '[' && c != '\n')
		srw_buf_addc(b, ',');
}

void
srw_jw_begin(srw_buf *b)
{
	srw_buf_addc(b, '{');
}

void
srw_jw_key(srw_buf *b, const char *key)
{
	comma(b);
	if (key) {
		srw_buf_add_jstr(b, key, strlen(key));
		srw_buf_addc(b, ':');
	}
}

void
srw_jw_str(srw_buf *b, const char *key, const char *val)
{
	srw_jw_key(b, key);
	if (val)
		srw_buf_add_jstr(b, val, strlen(val));
	else
		srw_buf_add(b, "null", 4);
}

void
srw_jw_strn(srw_buf *b, const char *key, const char *val, size_t n)
{
	srw_jw_key(b, key);
	srw_buf_add_jstr(b, val, n);
}

void
srw_jw_num(srw_buf *b, const char *key, double v)
{
	srw_jw_key(b, key);
	srw_buf_add_jnum(b, v);
}

void
srw_jw_int(srw_buf *b, const char *key, int64_t v)
{
	srw_jw_key(b, key);
	srw_buf_add_jint(b, v);
}

void
srw_jw_bool(srw_buf *b, const char *key, bool v)
{
	srw_jw_key(b, key);
	srw_buf_adds(b, v ? "true" : "false");
}

void
srw_jw_null(srw_buf *b, const char *key)
{
	srw_jw_key(b, key);
	srw_buf_add(b, "null", 4);
}

void
srw_jw_raw(srw_buf *b, const char *key, const char *json)
{
	srw_jw_key(b, key);
	srw_buf_adds(b, json);
}

void
srw_jw_obj(srw_buf *b, const char *key)
{
	srw_jw_key(b, key);
	srw_buf_addc(b, '{');
}

void
srw_jw_arr(srw_buf *b, const char *key)
{
	srw_jw_key(b, key);
	srw_buf_addc(b, '[');
}

void
srw_jw_close(srw_buf *b, char closer)
{
	srw_buf_addc(b, closer);
}

void
srw_jw_end(srw_buf *b)
{
	srw_buf_add(b, "}\n", 2);
}

void
srw_jw_flush(srw_buf *b, FILE *fp, size_t limit)
{
	if (b->len == 0 || b->len < limit)
		return;
	fwrite(b->s, 1, b->len, fp);
	srw_buf_reset(b);
}
