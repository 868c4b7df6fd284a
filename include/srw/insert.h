/* srw/insert.h: the declarations of lib/insert.c (see srw.h) */
#ifndef SRW_INSERT_H
#define SRW_INSERT_H

#include <jansson.h>

#include "srw/base.h"
#include "srw/buf.h"
#include "srw/val.h"
#include "srw/sql.h"
#include "srw/table.h"

/* ---- lib/insert.c: the row writer ------------------------------------- */
/*
 * Every tool that stores rows goes through this.  Rows are srw_val objects
 * (NDJSON records); each value is checked against its column and converted
 * to a typed cell before it enters the batch, so one bad row is rejected
 * with a reason and the rest are stored.  Keys that are not columns are an
 * error naming them, or dropped with ignore_unknown.  A batch holds rows
 * with the same set of columns; a column absent from a record is left as it
 * is on both servers (DESIGN.md).
 *
 * How a batch reaches the server is a backend, chosen by dialect:
 *   bulk         MariaDB: one prepared INSERT … ON DUPLICATE KEY UPDATE,
 *                executed once per batch with array binding (binary
 *                protocol, typed parameters, no SQL text per row)
 *                (lib/insert_bulk.c); the default where the server has it
 *   insert       multi-row INSERT text (lib/insert_text.c): MariaDB servers
 *                without bulk, StarRocks when asked, and --dry-run
 *   stream-load  StarRocks: Stream Load, partial_update when the batch
 *                lacks non-key columns (lib/streamload.c); the default there
 * SRW_WRITE_PATH (auto, bulk, insert, stream-load) or opts.path overrides.
 */
enum srw_ins_mode { SRW_INS_UPSERT, SRW_INS_APPEND };
enum srw_ins_path { SRW_INS_AUTO, SRW_INS_BULK, SRW_INS_TEXT, SRW_INS_STREAM_LOAD };

typedef struct srw_ins srw_ins;
typedef struct srw_ins_opts {
	enum srw_ins_mode mode;
	enum srw_ins_path path;	/* SRW_INS_AUTO: by dialect (above) */
	bool ignore_unknown;
	size_t batch_rows;	/* default 1000 */
	size_t batch_bytes;	/* default 4 MiB */
	bool dry_run;	/* print SQL to dry_fp instead of executing */
	FILE *dry_fp;
	long retry_ms;	/* keep retrying transient errors this long; default 120000 */
	/* Send each batch from a second thread while the caller builds the
	 * next.  The connection is the sender's until srw_ins_drain returns. */
	bool pipeline;
	/* Stream Load labels are a hash of the batch, so a retried batch loads
	 * once.  A run that deleted rows first (--replace-key) salts them, or a
	 * batch loaded by an earlier run would be answered "Label Already
	 * Exists" and its rows would stay deleted. */
	const char *label_salt;
	/* Called for each row the server refused once the batch was split up:
	 * line is the row's source text as given to srw_ins_add (or its JSON). */
	void (*on_reject)(const char *line, size_t len, const char *reason, void *ctx);
	void *reject_ctx;
} srw_ins_opts;

/* NULL (with the reason in err) if the chosen backend cannot start. */
srw_ins *srw_ins_open(srw_db *db, const srw_table *t, const srw_ins_opts *o,
    char *err, size_t errsz);
/* As srw_ins_open; dies (exit 69) if the backend cannot start. */
srw_ins *srw_ins_new(srw_db *db, const srw_table *t, const srw_ins_opts *o);
/* The backend in use: "bulk", "insert" or "stream-load" (for -v). */
const char *srw_ins_path_name(const srw_ins *ins);
/* Adds a row (an object).  line/len: its source text, kept for the reject
 * callback (NULL: the row's JSON is kept); strings holding NUL bytes are
 * read from it, byte-exact.  Returns 0 if queued; -1 if rejected up front,
 * with the reason (bad value, unknown key, …) in reason; -2 if a row with
 * other columns forced a flush that failed (server unavailable): this row
 * is not queued, the earlier ones stay pending. */
int srw_ins_add(srw_ins *ins, const srw_val *row, const char *line, size_t len,
    char *reason, size_t rsz);
/* As srw_ins_add for a jansson object (low-volume writers). */
int srw_ins_add_json(srw_ins *ins, const json_t *row, char *reason, size_t rsz);
/* Is a flush due (rows or bytes over the limit)?  Check after each add. */
bool srw_ins_full(const srw_ins *ins);
/* Milliseconds since the oldest row of the batch being filled was added
 * (-1 if it is empty): tools flush on a time bound with it. */
long srw_ins_age_ms(const srw_ins *ins);
/* Sends the queued rows.  A data error makes the writer split the batch
 * (bisecting) so only the bad rows are refused, through on_reject.  Transient
 * errors are retried with reconnects for up to retry_ms.  Returns 0, or -1
 * if the rows could not be stored (server unavailable): they stay queued
 * and can be listed with srw_ins_pending_line.  With pipeline the batch is
 * handed to the sender and a failure shows at a later flush or drain. */
int srw_ins_flush(srw_ins *ins);
/* Flushes and, with pipeline, waits until every batch handed over is sent:
 * 0, or -1 if some could not be stored (they are pending). */
int srw_ins_drain(srw_ins *ins);
size_t srw_ins_pending(const srw_ins *ins);
const char *srw_ins_pending_line(const srw_ins *ins, size_t i, size_t *len);
void srw_ins_drop_pending(srw_ins *ins);
unsigned long long srw_ins_stored(const srw_ins *ins);
unsigned long long srw_ins_refused(const srw_ins *ins);
unsigned long srw_ins_batches(const srw_ins *ins);
/* Why the last batch could not be stored (the server's or the load's
 * message), for a flush or drain that returned -1. */
const char *srw_ins_error(const srw_ins *ins);
/* CPU seconds spent storing batches (building statements or bodies,
 * sending, waiting excluded): the writer's own share.  Read after drain. */
double srw_ins_send_cpu(const srw_ins *ins);
void srw_ins_free(srw_ins *ins);

/* ---- for the backends (lib/insert_*.c, lib/streamload.c) ---- */

/* A value converted for its column.  Strings (text, dates, JSON) live in
 * the batch's bytes with their length, so NUL bytes survive. */
enum srw_cell_kind {
	SRW_CELL_NULL, SRW_CELL_INT, SRW_CELL_UINT, SRW_CELL_DBL,
	SRW_CELL_STR,	/* quoted in SQL, a string in JSON */
	SRW_CELL_NUMTEXT,	/* integer digits past 64 bits (LARGEINT), unquoted */
};
typedef struct srw_cell {
	enum srw_cell_kind kind;
	size_t len;	/* STR, NUMTEXT */
	union { int64_t i; uint64_t u; double d; size_t off; } v;
} srw_cell;

typedef struct srw_ins_batch {
	int *sig;	/* column indexes of the batch, in key order */
	size_t nsig;
	srw_cell *cells;	/* n rows of nsig cells */
	size_t ccap;
	srw_buf bytes;	/* string values */
	srw_buf lines;	/* source lines, each with its '\n' */
	size_t *loff;	/* start of each line; loff[n] = lines.len */
	size_t n, cap;
	int64_t first_ms;	/* when its first row was added */
} srw_ins_batch;

/* What a backend writes into, and how. */
typedef struct srw_ins_target {
	srw_db *db;
	const srw_table *t;
	const srw_ins_opts *o;
	enum srw_dialect dialect;
} srw_ins_target;

typedef struct srw_ins_backend {
	const char *name;
	/* Backend state, or NULL with err set. */
	void *(*open)(const srw_ins_target *tg, char *err, size_t errsz);
	/* Stores rows [from, to) of b: 0 stored; 1 refused for their data
	 * (reason set: the writer bisects); -1 unavailable after retries. */
	int (*send)(void *be, const srw_ins_target *tg, const srw_ins_batch *b,
	    size_t from, size_t to, char *reason, size_t rsz);
	void (*close)(void *be);
} srw_ins_backend;

static inline const srw_cell *
srw_ins_cell(const srw_ins_batch *b, size_t row, size_t col)
{
	return &b->cells[row * b->nsig + col];
}

/* Runs one database attempt (fn) until it succeeds, fails for the data
 * (1: reason = the server's message) or retry_ms passes (-1), reconnecting
 * after a lost connection.  For the SQL backends. */
int srw_ins_db_retry(const srw_ins_target *tg, int (*fn)(void *arg), void *arg,
    char *reason, size_t rsz);

#endif
