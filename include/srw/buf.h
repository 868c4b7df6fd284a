/* srw/buf.h: the declarations of lib/buf.c (see srw.h) */
#ifndef SRW_BUF_H
#define SRW_BUF_H

#include "srw/base.h"

/* ---- lib/buf.c: growable byte buffer ---------------------------------- */

typedef struct srw_buf {
	char *s;	/* always NUL-terminated when cap > 0 */
	size_t len, cap;
} srw_buf;

void srw_buf_init(srw_buf *b);
void srw_buf_free(srw_buf *b);
void srw_buf_reset(srw_buf *b);
void srw_buf_grow(srw_buf *b, size_t extra);
void srw_buf_add(srw_buf *b, const void *p, size_t n);
void srw_buf_adds(srw_buf *b, const char *s);
void srw_buf_addc(srw_buf *b, char c);
void srw_buf_printf(srw_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal (quotes included, escaped). */
void srw_buf_add_jstr(srw_buf *b, const char *s, size_t n);
/* Append a number in JSON form: integers exactly, others %.17g; NaN/Inf
 * become null (JSON has no NaN). */
void srw_buf_add_jnum(srw_buf *b, double v);
void srw_buf_add_jint(srw_buf *b, int64_t v);

#endif
