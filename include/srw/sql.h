/* srw/sql.h: the declarations of lib/sql.c (see srw.h) */
#ifndef SRW_SQL_H
#define SRW_SQL_H

#include <jansson.h>

#include "srw/base.h"
#include "srw/buf.h"

/* ---- lib/sql.c: SQL over libmariadb ----------------------------------- */

typedef struct srw_db srw_db;
typedef struct srw_res srw_res;
enum srw_dialect { SRW_DIALECT_MARIADB, SRW_DIALECT_STARROCKS };

/* Connects from STARROCKS_HOST/PORT/USER/PASSWORD/SOCKET (and SRW_DIALECT),
 * sets time_zone '+00:00', detects the dialect (SRW_DIALECT=auto: StarRocks
 * when the server answers current_version(), whatever its handshake says;
 * MariaDB otherwise) and says which and why at -v.  On failure returns NULL
 * and writes the reason (never the password) into err. Retries a few times
 * with backoff when the server is not up yet (retries: 0 for one try). */
srw_db *srw_db_open(int retries, char *err, size_t errsz);
/* As srw_db_open but with an explicit user/password (investigate's
 * read-only account); NULL keeps the environment's. */
srw_db *srw_db_open_as(const char *user, const char *password, int retries,
    char *err, size_t errsz);
void srw_db_close(srw_db *db);
enum srw_dialect srw_db_dialect(const srw_db *db);
/* Why that dialect: "SRW_DIALECT=starrocks", "the server answers
 * current_version(): 3.3.5", … */
const char *srw_db_dialect_why(const srw_db *db);
/* Re-establish a lost connection (retries with backoff); 0 or -1. */
int srw_db_reconnect(srw_db *db, int retries);
/* Execute one statement.  Returns 0, or -1 with srw_db_errno/error set. */
int srw_db_exec(srw_db *db, const char *sql, size_t len);
/* Like exec, but reconnects and retries (bounded) on transient errors.
 * Only for idempotent statements. */
int srw_db_exec_retry(srw_db *db, const char *sql, size_t len, int retries);
unsigned srw_db_errno(const srw_db *db);
const char *srw_db_error(const srw_db *db);
/* Connection lost, server gone, lock wait, deadlock, too many connections. */
bool srw_db_errno_transient(unsigned err);
/* Data does not fit (bad value, too long, out of range, bad date, …). */
bool srw_db_errno_data(unsigned err);
/* Rows the last write changed (of a bulk execute: all its rows). */
unsigned long long srw_db_affected(const srw_db *db);

/* Bulk prepared statements (MariaDB 10.2+): one INSERT prepared once, then
 * executed with column-wise arrays of typed values, so a batch is one round
 * trip with no SQL text per row.  The statement is prepared lazily and again
 * after a reconnect; errors go to srw_db_errno/error like exec's. */
typedef struct srw_stmt srw_stmt;
enum srw_param_type { SRW_PARAM_I64, SRW_PARAM_U64, SRW_PARAM_DBL, SRW_PARAM_STR };
typedef struct srw_param {
	enum srw_param_type type;
	const void *vals;	/* int64_t[], uint64_t[], double[] or const char *[] */
	const unsigned long *lens;	/* STR: byte lengths (NULs allowed) */
	const char *null;	/* per row 1 for NULL, 0 for a value; NULL: none */
} srw_param;
bool srw_db_has_bulk(srw_db *db);
srw_stmt *srw_stmt_new(srw_db *db, const char *sql, size_t len);
int srw_stmt_exec_bulk(srw_stmt *st, const srw_param *p, unsigned nparams, size_t nrows);
void srw_stmt_free(srw_stmt *st);

/* Append s quoted as a SQL string literal ('…', escaped for the connection).
 * NUL bytes are escaped too (\0). */
void srw_db_quote(srw_db *db, srw_buf *b, const char *s, size_t n);
/* Quote without a connection (backslash-escaping as MariaDB/StarRocks
 * expect with the default sql_mode): used by --dry-run and tests. */
void srw_sql_quote(srw_buf *b, const char *s, size_t n);

/* Query returning rows (fully buffered by the client; keep results small or
 * add LIMIT).  NULL on error. */
srw_res *srw_db_query(srw_db *db, const char *sql);
/* Query whose rows come from the server one at a time (mysql_use_result):
 * the client holds one row whatever the result's size.  Nothing else may
 * run on db until the result is freed; an error midway ends srw_res_next
 * with srw_db_errno(db) set (0 at a clean end). */
srw_res *srw_db_query_stream(srw_db *db, const char *sql);
/* Stop reading a streamed result early without fetching the rest: the
 * connection is cut (the server stops sending) and db must be closed or
 * srw_db_reconnect'ed before its next use.  Frees r. */
void srw_res_abandon(srw_res *r);
/* As above with reconnect+retry on transient errors. */
srw_res *srw_db_query_retry(srw_db *db, const char *sql, int retries);
/* Next row: column values (NULL for SQL NULL), lens optional. */
char **srw_res_next(srw_res *r, unsigned long **lens);
unsigned srw_res_ncols(const srw_res *r);
const char *srw_res_colname(const srw_res *r, unsigned i);
int srw_res_colidx(const srw_res *r, const char *name);	/* -1 if absent */
unsigned long long srw_res_nrows(const srw_res *r);
void srw_res_free(srw_res *r);
/* Convenience: a query result as a jansson array of objects (strings and
 * nulls, numbers as numbers where the column is numeric). */
json_t *srw_res_to_json(srw_res *r);
/* One value of a row as srw_res_to_json gives it. */
json_t *srw_res_value_json(const srw_res *r, unsigned i, char **row, const unsigned long *lens);

#endif
