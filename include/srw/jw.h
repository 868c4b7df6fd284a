/* srw/jw.h: the declarations of lib/jw.c (see srw.h) */
#ifndef SRW_JW_H
#define SRW_JW_H

#include <jansson.h>

#include "srw/base.h"
#include "srw/buf.h"

/* ---- lib/jw.c: fast NDJSON object writer (hot paths) ------------------ */
/* A tiny writer for flat-ish output objects, much faster than building a
 * json_t.  Usage: srw_jw_begin(&b); srw_jw_str(&b,"k","v"); ... srw_jw_end(&b)
 * which appends "}\n".  Nesting: srw_jw_obj(&b,"labels") ... srw_jw_close(&b). */
void srw_jw_begin(srw_buf *b);
void srw_jw_key(srw_buf *b, const char *key);
void srw_jw_str(srw_buf *b, const char *key, const char *val);	/* NULL -> null */
void srw_jw_strn(srw_buf *b, const char *key, const char *val, size_t n);
void srw_jw_num(srw_buf *b, const char *key, double v);
void srw_jw_int(srw_buf *b, const char *key, int64_t v);
void srw_jw_bool(srw_buf *b, const char *key, bool v);
void srw_jw_null(srw_buf *b, const char *key);
void srw_jw_raw(srw_buf *b, const char *key, const char *json);	/* pre-encoded */
void srw_jw_obj(srw_buf *b, const char *key);	/* open nested object */
void srw_jw_arr(srw_buf *b, const char *key);	/* open nested array */
void srw_jw_close(srw_buf *b, char closer);	/* '}' or ']' */
void srw_jw_end(srw_buf *b);	/* "}\n" */
/* Writes b to fp and resets it when it holds more than limit bytes (0: now). */
void srw_jw_flush(srw_buf *b, FILE *fp, size_t limit);

#endif
