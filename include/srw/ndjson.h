/* srw/ndjson.h: the declarations of lib/ndjson.c (see srw.h) */
#ifndef SRW_NDJSON_H
#define SRW_NDJSON_H

#include "srw/base.h"
#include "srw/val.h"

/* ---- lib/ndjson.c: the streaming NDJSON reader ------------------------ */
/*
 * One input loop for every tool (mblaze).  Lines up to 16 MiB; empty lines
 * are skipped silently; a line that is not a JSON object is reported as
 * "prog: FILE:LINE: reason" (or "line N" on stdin), written to the reject
 * file if one is set, and skipped; with strict set it is fatal (exit 65).
 *
 * The callback returns 0 to go on, SRW_NDJSON_REJECT after calling
 * srw_ndjson_reject() itself, or SRW_NDJSON_STOP to stop reading.
 */
#define SRW_NDJSON_MAX_LINE (16u << 20)
enum { SRW_NDJSON_OK = 0, SRW_NDJSON_REJECT = 1, SRW_NDJSON_STOP = 2 };

typedef struct srw_line {
	const char *text;	/* the raw line, without its newline */
	size_t len;
	long lineno;
	const char *file;	/* "-" for stdin */
} srw_line;

typedef int (*srw_ndjson_fn)(srw_val *rec, const srw_line *ln, void *ctx);

typedef struct srw_ndjson_opts {
	bool strict;		/* first bad line is fatal (exit 65) */
	const char *reject_path;	/* --reject FILE: bad lines kept here */
} srw_ndjson_opts;

void srw_ndjson_setup(const srw_ndjson_opts *o);
/* Read one stream. Returns SRW_NDJSON_STOP if the callback stopped. */
int srw_ndjson_each(FILE *fp, const char *name, srw_ndjson_fn fn, void *ctx);
/* Read the files named (argc/argv after options; none or "-" is stdin). */
int srw_ndjson_files(int argc, char *argv[], srw_ndjson_fn fn, void *ctx);
/* Report a line as rejected with a reason (also for the tool's own checks):
 * counted, warned, copied to the reject file; fatal under strict. */
void srw_ndjson_reject(const srw_line *ln, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
long srw_ndjson_read_count(void);	/* records handed to callbacks */
long srw_ndjson_reject_count(void);
/* Raw line iteration for non-JSON inputs (same limits, same line numbers). */
typedef int (*srw_line_fn)(const srw_line *ln, void *ctx);
int srw_lines_each(FILE *fp, const char *name, srw_line_fn fn, void *ctx);

#endif
