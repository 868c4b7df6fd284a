/* srw/table.h: the declarations of lib/table.c (see srw.h) */
#ifndef SRW_TABLE_H
#define SRW_TABLE_H

#include <jansson.h>

#include "srw/base.h"
#include "srw/val.h"
#include "srw/sql.h"

/* ---- lib/table.c: table metadata and the multi-row INSERT builder ----- */

enum srw_coltype {
	SRW_COL_STRING,	/* char/varchar/text: max length in characters */
	SRW_COL_INT,	/* tinyint … bigint, boolean */
	SRW_COL_FLOAT,	/* float/double/decimal */
	SRW_COL_DATETIME,
	SRW_COL_DATE,
	SRW_COL_JSON,	/* json / anything else: stored as text */
};

typedef struct srw_col {
	char *name;
	enum srw_coltype type;
	long maxlen;	/* characters for strings, 0 unknown/unbounded */
	bool nullable;
	bool key;	/* part of the primary/unique key */
	bool is_unsigned;
} srw_col;

typedef struct srw_table {
	char *db, *name;	/* validated identifiers */
	srw_col *cols;
	size_t ncols;
} srw_table;

/* Loads columns of "db.table" from information_schema.  NULL and err set
 * if the table does not exist. */
srw_table *srw_table_load(srw_db *db, const char *qualified, char *err, size_t errsz);
void srw_table_free(srw_table *t);
int srw_table_colidx(const srw_table *t, const char *name);	/* -1 if none */
/* Checks that "db.table" is made of plain identifiers. */
bool srw_ident_ok(const char *s);

/*
 * The INSERT builder.  Rows are srw_val objects (NDJSON records); each value
 * is checked against its column before it enters the batch, so one bad row
 * is rejected with a reason and the rest are stored.  Keys that are not
 * columns are an error naming them, or dropped with ignore_unknown.
 */
enum srw_ins_mode { SRW_INS_UPSERT, SRW_INS_APPEND };

typedef struct srw_ins srw_ins;
typedef struct srw_ins_opts {
	enum srw_ins_mode mode;
	bool ignore_unknown;
	size_t batch_rows;	/* default 1000 */
	size_t batch_bytes;	/* default 4 MiB */
	bool dry_run;	/* print SQL to dry_fp instead of executing */
	FILE *dry_fp;
	long retry_ms;	/* keep retrying transient errors this long; default 120000 */
	/* Send each batch from a second thread while the caller builds the
	 * next (values are quoted without the connection).  The connection
	 * is the sender's until srw_ins_drain returns. */
	bool pipeline;
	/* Called for each row the server refused once the batch was split up:
	 * line is the row's source text as given to srw_ins_add (or its JSON). */
	void (*on_reject)(const char *line, size_t len, const char *reason, void *ctx);
	void *reject_ctx;
} srw_ins_opts;

srw_ins *srw_ins_new(srw_db *db, const srw_table *t, const srw_ins_opts *o);
/* Adds a row (an object).  line/len: its source text, kept for the reject
 * callback (NULL: the row's JSON is kept).  Returns 0 if queued; -1 if
 * rejected up front, with the reason (bad value, unknown key, …) in reason;
 * -2 if a row with other columns forced a flush that failed (server
 * unavailable): this row is not queued, the earlier ones stay pending. */
int srw_ins_add(srw_ins *ins, const srw_val *row, const char *line, size_t len,
    char *reason, size_t rsz);
/* As srw_ins_add for a jansson object (low-volume writers). */
int srw_ins_add_json(srw_ins *ins, const json_t *row, char *reason, size_t rsz);
/* Is a flush due (rows or bytes over the limit)?  Check after each add. */
bool srw_ins_full(const srw_ins *ins);
/* Sends the queued rows.  A data error makes the builder split the batch
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
void srw_ins_free(srw_ins *ins);
/* Delete rows whose key columns match the given tuples, for --replace-key:
 * keys is a list of nkeys column names, vals ntuples*nkeys strings. */
int srw_table_delete_keys(srw_db *db, const srw_table *t, char **keys, size_t nkeys,
    char **vals, size_t ntuples, bool dry_run, FILE *dry_fp);

#endif
