/*
 * srw.h - the one public header of libsrw, the library every srwatch tool
 * links.  Declarations are grouped by the source file that defines them.
 * Structs whose layout is private stay opaque here.
 */
#ifndef SRW_H
#define SRW_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define SRW_VERSION "0.1.0"

/* Exit status (sysexits), the same in every tool. */
enum {
	SRW_EX_OK = 0,
	SRW_EX_REJECTED = 1,	/* done, but some records were rejected */
	SRW_EX_USAGE = 64,
	SRW_EX_DATAERR = 65,	/* bad input data with --strict */
	SRW_EX_UNAVAILABLE = 69,/* DB, Lark, LLM unavailable after retries */
	SRW_EX_SOFTWARE = 70,
	SRW_EX_TEMPFAIL = 75,	/* temporary failure, safe to retry */
};

/* ---- lib/log.c: one voice for errors, progress, exit ------------------ */

/*
 * srw_init records the program name, handles --version (prints
 * "srwatch X.Y.Z", exits 0) and reads SRW_LOG (debug|info|warn) as the
 * default verbosity.  -h/--help stay with the tool (its usage()).
 */
void srw_init(const char *progname, int argc, char *argv[]);
const char *srw_progname(void);
/* sbase's rule: a format ending in ':' gets ": strerror(errno)" appended. */
void srw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void srw_die(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
void srw_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void srw_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void srw_set_verbose(int level);	/* 0 warn, 1 info, 2 debug */
int srw_verbose(void);
/* Flushes and checks stdout (a full disk is an error); returns the status
 * to exit with: status, or SRW_EX_SOFTWARE/ TEMPFAIL on a write error. */
int srw_finish(int status);
/* malloc that dies (exit 70) instead of returning NULL. */
void *srw_xmalloc(size_t n);
void *srw_xcalloc(size_t n, size_t m);
void *srw_xrealloc(void *p, size_t n);
char *srw_xstrdup(const char *s);
char *srw_xstrndup(const char *s, size_t n);

/* Progress on stderr when stderr is a terminal or forced (--progress).
 * srw_progress is rate limited (about 4 lines a second); srw_progress_end
 * finishes the line. */
void srw_progress_force(bool on);
bool srw_progress_on(void);
void srw_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void srw_progress_end(void);

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

/* ---- lib/val.c: the parsed form of an NDJSON record ------------------- */
/*
 * Records on the NDJSON hot path are parsed by the fast parser (DESIGN.md,
 * JSON parsing).  Tools only see srw_val, so no tool depends on which parser
 * runs.  Values are owned by the record they came from.
 */
typedef struct srw_val srw_val;

enum srw_type { SRW_NULL, SRW_BOOL, SRW_NUM, SRW_STR, SRW_ARR, SRW_OBJ, SRW_INVALID };

srw_val *srw_val_parse(const char *s, size_t len);	/* NULL if not JSON */
/* The NDJSON reader's parse: into a per-thread arena, for values freed
 * (with srw_val_free_record, in the same thread) before the record they are
 * parsed inside of, such as a JSON string field of a record.  The arena is
 * reset when no record is alive.  *errpos: where parsing stopped (the error,
 * or the end of the value). */
srw_val *srw_val_parse_record(const char *s, size_t len, const char **errpos);
void srw_val_free_record(srw_val *v);
void srw_val_free(srw_val *v);
enum srw_type srw_val_type(const srw_val *v);
srw_val *srw_val_get(const srw_val *obj, const char *key);	/* case-sensitive */
const char *srw_val_str(const srw_val *v);	/* NULL unless a string */
/* Value of obj[key] if it is a string, else NULL. */
const char *srw_val_get_str(const srw_val *obj, const char *key);
bool srw_val_num(const srw_val *v, double *out);	/* number, or numeric string */
bool srw_val_get_num(const srw_val *obj, const char *key, double *out);
bool srw_val_bool(const srw_val *v, bool *out);
/* Children of an object or array, in order; key is NULL for array items. */
srw_val *srw_val_first(const srw_val *v);
srw_val *srw_val_next(const srw_val *v);
const char *srw_val_key(const srw_val *v);
size_t srw_val_len(const srw_val *arr);
/* Compact JSON of v (malloc'd; free with free()). */
char *srw_val_print(const srw_val *v);
/* Convert to jansson (new reference) for document-style work. */
json_t *srw_val_to_json(const srw_val *v);

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

/* ---- lib/json.c: document JSON over jansson --------------------------- */

json_t *srw_json_loadb(const char *s, size_t n, char *err, size_t errsz);
const char *srw_json_str(const json_t *obj, const char *key);	/* NULL if absent */
bool srw_json_num(const json_t *obj, const char *key, double *out);
/* Compact one-line dump + '\n' to fp; returns 0 or -1 on write error. */
int srw_json_print(FILE *fp, const json_t *j);
char *srw_json_dumps(const json_t *j);	/* compact, malloc'd */
/* Parse a jansson object out of a srw_val-friendly string via cJSON path. */

/* ---- lib/cfg.c: configuration from flags, environment, defaults ------- */

const char *srw_env(const char *name, const char *dflt);	/* "" counts as unset */
long srw_env_long(const char *name, long dflt);
/* "15s", "2m", "1h", "4h", "1d", "500ms", bare number = seconds.
 * Returns milliseconds or -1 on error. */
int64_t srw_parse_duration_ms(const char *s);
/* Reads a secret from a file (first line, trailing newline stripped). */
char *srw_read_secret_file(const char *path, char *err, size_t errsz);
/* Splits "a,b,c" into a NULL-terminated malloc'd vector (free with srw_strv_free). */
char **srw_split(const char *s, char sep, size_t *n);
void srw_strv_free(char **v);

/* ---- lib/time.c: UTC strings, epoch ms, RFC 3339, Pacific days -------- */

int64_t srw_now_ms(void);
/* Parses "YYYY-MM-DD HH:MM:SS[.fff]" (UTC), RFC 3339 ("…T…[.fff](Z|±HH:MM)"),
 * "YYYY-MM-DD" (UTC midnight), or epoch seconds/milliseconds (integers of
 * 12+ digits are ms).  Returns 0 and sets *ms, or -1. */
int srw_time_parse(const char *s, int64_t *ms);
/* Strict SQL form only: "YYYY-MM-DD HH:MM:SS". */
int srw_time_parse_sql(const char *s, int64_t *ms);
/* "YYYY-MM-DD HH:MM:SS" in UTC; buf at least 20 bytes. */
char *srw_time_fmt_sql(int64_t ms, char *buf);
/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (".mmm" only if non-zero); buf >= 32. */
char *srw_time_fmt_rfc3339(int64_t ms, char *buf);
/* Days since 1970-01-01 for a civil date and back (proleptic Gregorian). */
int64_t srw_days_from_civil(int y, int m, int d);
void srw_civil_from_days(int64_t z, int *y, int *m, int *d);
/* "YYYY-MM-DD" -> y/m/d with validation. */
int srw_date_parse(const char *s, int *y, int *m, int *d);
/* America/Los_Angeles: offset from UTC in seconds at instant ms (-28800 or
 * -25200), by the US rules in force since 2007. */
int srw_pacific_offset(int64_t ms);
/* The half-open UTC window [start, end) in ms of a Pacific calendar day:
 * 24 h, or 23 h / 25 h on DST days. */
void srw_pacific_day(int y, int m, int d, int64_t *start, int64_t *end);
/* The Pacific date ("YYYY-MM-DD", buf >= 11) that instant ms falls on. */
char *srw_pacific_date(int64_t ms, char *buf);
/* Pacific date days before/after the one containing ms (0 today, -1 yesterday). */
void srw_pacific_date_rel(int64_t ms, int delta_days, int *y, int *m, int *d);

/* ---- lib/sha256.c ------------------------------------------------------ */

/* Lowercase hex SHA-256; out at least 65 bytes. */
char *srw_sha256_hex(const void *data, size_t n, char *out);

/* ---- lib/http.c: HTTP client over libcurl ----------------------------- */

typedef struct srw_http_req {
	const char *method;	/* "GET" by default, "POST", "PUT" */
	const char *url;
	const char *const *headers;	/* NULL-terminated "Name: value" list */
	const char *body;
	size_t body_len;
	long timeout_ms;	/* whole request; default 30000 */
	long connect_timeout_ms;	/* default 10000 */
	int max_retries;	/* on transport errors, 429, 5xx; default 3 */
	long max_wait_ms;	/* cap on one retry wait; default 60000 */
	bool no_retry_5xx;	/* leave 5xx to the caller */
	const char *userpwd;	/* basic auth "user:pass" (never logged) */
	bool follow_redirects;	/* keeps auth on redirects when set */
} srw_http_req;

typedef struct srw_http_resp {
	long status;	/* 0 on transport failure */
	char *body;	/* NUL-terminated, malloc'd */
	size_t len;
	char *headers;	/* raw response headers of the last response */
	char err[256];	/* transport error text */
	int attempts;
} srw_http_resp;

/* Performs the request with bounded retries, backoff with jitter, and the
 * peer's Retry-After / retry-after-ms / x-ogw-ratelimit-reset /
 * x-ratelimit-reset honoured.  TLS verification stays on.  Returns 0 when a
 * response arrived (any status), -1 on transport failure after retries. */
int srw_http_do(const srw_http_req *req, srw_http_resp *resp);
void srw_http_resp_free(srw_http_resp *resp);
/* Value of a response header (case-insensitive), copied into buf. */
const char *srw_http_header(const srw_http_resp *resp, const char *name,
    char *buf, size_t bufsz);
/* Milliseconds the peer asked us to wait, from the headers above; -1 none. */
long srw_http_retry_after_ms(const srw_http_resp *resp);
/* Backoff for attempt n (0-based): base * 2^n, capped, with full jitter. */
long srw_backoff_ms(int attempt, long base_ms, long cap_ms);
void srw_sleep_ms(long ms);
/* URL-encode s into b. */
void srw_url_escape(srw_buf *b, const char *s);

/* ---- lib/sql.c: SQL over libmariadb ----------------------------------- */

typedef struct srw_db srw_db;
typedef struct srw_res srw_res;
enum srw_dialect { SRW_DIALECT_MARIADB, SRW_DIALECT_STARROCKS };

/* Connects from STARROCKS_HOST/PORT/USER/PASSWORD/SOCKET (and SRW_DIALECT),
 * sets time_zone '+00:00', detects the dialect.  On failure returns NULL
 * and writes the reason (never the password) into err. Retries a few times
 * with backoff when the server is not up yet (retries: 0 for one try). */
srw_db *srw_db_open(int retries, char *err, size_t errsz);
/* As srw_db_open but with an explicit user/password (investigate's
 * read-only account); NULL keeps the environment's. */
srw_db *srw_db_open_as(const char *user, const char *password, int retries,
    char *err, size_t errsz);
void srw_db_close(srw_db *db);
enum srw_dialect srw_db_dialect(const srw_db *db);
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
unsigned long long srw_db_affected(const srw_db *db);

/* Append s quoted as a SQL string literal ('…', escaped for the connection).
 * NUL bytes are escaped too (\0). */
void srw_db_quote(srw_db *db, srw_buf *b, const char *s, size_t n);
/* Quote without a connection (backslash-escaping as MariaDB/StarRocks
 * expect with the default sql_mode): used by --dry-run and tests. */
void srw_sql_quote(srw_buf *b, const char *s, size_t n);

/* Query returning rows (fully buffered by the client; keep results small or
 * add LIMIT).  NULL on error. */
srw_res *srw_db_query(srw_db *db, const char *sql);
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

/* ---- lib/streamload.c: StarRocks Stream Load --------------------------- */

typedef struct srw_stream_load_cfg {
	const char *base_url;	/* the FE's HTTP address, e.g. http://fe1:8030 */
	const char *user, *password;	/* basic auth, kept across the 307 */
	const char *db, *table;
	long timeout_ms;	/* default 600000 */
	int retries;	/* default 5 */
} srw_stream_load_cfg;

typedef struct srw_stream_load_result {
	char label[48];	/* srw_ + hash of table and batch */
	char status[64], message[512];
	long http_status;
	long long loaded, filtered;
	bool already;	/* the label had been loaded before: nothing new */
} srw_stream_load_result;

/* PUTs body (a JSON array of rows) with format json, strip_outer_array,
 * Expect: 100-continue and a deterministic label.  Returns 0 when the batch
 * is loaded (now or before), 1 when StarRocks refused rows of it (the caller
 * isolates them), -1 when it could not be loaded after retries. */
int srw_stream_load(const srw_stream_load_cfg *c, const char *body, size_t len,
    srw_stream_load_result *res);

/* ---- lib/hash.c: stable hashing and sharding -------------------------- */

/* The seed is the FNV-1a 64 offset basis missing its last digit, as it was
 * copied into several tools first; kept so stored hashes stay stable. */
#define SRW_HASH_SEED 1469598103934665603ULL
/* FNV-1a 64 of n bytes, continuing from h (start with SRW_HASH_SEED). */
uint64_t srw_hash64(const void *p, size_t n, uint64_t h);
uint64_t srw_hash_str(const char *s);
/* "--shard I/N": 0 <= I < N.  Returns 0, or -1 if malformed. */
int srw_shard_parse(const char *arg, unsigned *i, unsigned *n);
/* The shard (0..n-1) a hash belongs to, the same on every machine. */
unsigned srw_shard_of(uint64_t h, unsigned n);

/* ---- lib/sections.c: pipe-joined alert rows split into sections ------- */
/*
 * A Lark card row joins the fields of its sections with '|' in section
 * order; tools that count alerts split them back.  A field with fewer parts
 * than the row has sections repeats its last part (a single region shared by
 * all sections, say).
 */
typedef struct srw_section {
	const char *message_id;	/* the row's message_id */
	int index;		/* 0-based section number in the row */
	char *cluster_name, *region, *account_name, *cluster_id;
	char *alert_status, *alert_name, *alert_detail;
	char *dashboard_url, *silence_url, *source;
	int64_t created_ms;	/* created_at as epoch ms (-1 if missing/bad) */
	char created_at[20];
} srw_section;

/* Splits an alert row (srw_val object) into sections; returns the count
 * (0 if the row has no alert_name), fills *out (free with srw_sections_free). */
int srw_sections_split(const srw_val *row, srw_section **out);
/* Same for a row from the database: values in lark_alerts column order
 * message_id, created_at, cluster_name, region, account_name, cluster_id,
 * alert_status, alert_name, alert_detail, dashboard_url, silence_url, source. */
int srw_sections_split_cols(char **cols, srw_section **out);
void srw_sections_free(srw_section *s, int n);
/* The SELECT column list matching srw_sections_split_cols. */
#define SRW_ALERT_COLS "message_id, DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s'), cluster_name, region, account_name, cluster_id, alert_status, alert_name, alert_detail, dashboard_url, silence_url, source"

/* ---- lib/alerttypes.c: the known StarRocks alert types ----------------- */
/*
 * The severity and advice table recommend prints, and that score and
 * group-issues use for severities and classes.  Lookup is by exact alert
 * name; unknown names get NULL (callers decide: recommend says Unknown,
 * score counts Warning, group-issues says FAILURE).
 */
enum srw_severity { SRW_SEV_UNKNOWN, SRW_SEV_INFO, SRW_SEV_WARNING, SRW_SEV_CRITICAL };
enum srw_alert_class { SRW_CLASS_FAILURE, SRW_CLASS_ANOMALY };

typedef struct srw_alert_type {
	const char *name;
	enum srw_severity severity;
	enum srw_alert_class cls;
	const char *summary;		/* what it means, one line */
	const char *recommendation;	/* what to do, specific */
} srw_alert_type;

const srw_alert_type *srw_alert_type_find(const char *name);
const srw_alert_type *srw_alert_types(size_t *n);	/* the whole table */
const char *srw_severity_name(enum srw_severity s);	/* "Critical", … "Unknown" */

/* ==== sections added by each tool's owner (keep each in its block) ==== */
/* -- issue 3 (lark ingestion) -- */
/* ---- lib/card.c: Lark alert cards into alert rows --------------------- */
/* A parser with reusable buffers (one per thread).  srw_card_rows appends
 * the alert rows of one Lark message (an item of list-messages) to out as
 * NDJSON lines: one row per status group ("-f", "-r"), or one per section
 * with SRW_CARD_EXPLODE ("-f1", "-f2", …).  Returns the rows added, 0 when
 * the message is not an alert card (text, recalled, unrenderable), or -1
 * with reason set when it is broken (body.content not JSON, an alert card
 * without message_id or create_time). */
typedef struct srw_card srw_card;
#define SRW_CARD_EXPLODE 1
srw_card *srw_card_new(void);
void srw_card_free(srw_card *c);
int srw_card_rows(srw_card *c, const srw_val *msg, int flags, srw_buf *out,
    char *reason, size_t rsz);
/* Alert cards seen so far (and rows written, if rows is not NULL). */
unsigned long srw_card_count(const srw_card *c, unsigned long *rows);

/* ---- lib/lark.c: Lark open-platform client (token, list messages) ----- */
typedef struct srw_lark srw_lark;
/* base_url without trailing slash ("https://open.larksuite.com"). */
srw_lark *srw_lark_new(const char *base_url, const char *app_id,
    const char *app_secret);
void srw_lark_free(srw_lark *l);
/* Time limit of one HTTP request (default 30 s); the client retries a
 * failed request a few times with backoff. */
void srw_lark_set_timeout(srw_lark *l, long ms);
/* Called per item in the order received; return non-zero to stop. */
typedef int (*srw_lark_item_fn)(json_t *item, void *ctx);
/* GET /open-apis/im/v1/messages of chat for start_s..end_s (seconds, as the
 * API takes them), oldest first, every page.  Tenant tokens are fetched and
 * refreshed as needed; rate limits and 5xx are waited out (bounded).
 * Returns 0, or SRW_EX_UNAVAILABLE with err set (Lark's code and msg). */
int srw_lark_messages(srw_lark *l, const char *chat, int64_t start_s,
    int64_t end_s, srw_lark_item_fn fn, void *ctx, char *err, size_t errsz);
/* Pages fetched so far (for progress). */
long srw_lark_pages(const srw_lark *l);
/* -- issue 4 (webhookd) -- */
/* ---- lib/alertmanager.c: Alertmanager webhook body -> alert rows ------ */
typedef struct srw_am_result {
	size_t alerts;		/* rows appended */
	size_t incomplete;	/* alerts without alertname or cluster_id */
} srw_am_result;
/* Appends one alert row (DESIGN.md) per alert of an Alertmanager/Grafana
 * webhook body to out as NDJSON lines, every line with the same keys in
 * lark_alerts column order.  Extra fields are ignored; an alert without
 * alertname or cluster_id gets "" there and is counted in incomplete.
 * created_at falls back to now_ms when the alert's time is missing or bad.
 * Returns 0, or -1 with the reason in err (not JSON, no "alerts" array, an
 * alert that is not an object); out is then unchanged up to its old len. */
int srw_am_rows(const char *body, size_t len, int64_t now_ms, srw_buf *out,
    srw_am_result *res, char *err, size_t errsz);
/* "wh_" + hex SHA-256 of the four strings as received (NULL counts as "");
 * out at least 68 bytes. */
char *srw_am_message_id(const char *alertname, const char *cluster_id,
    const char *status, const char *starts_at, char *out);
/* -- issue 5 (recommend) -- */
/* -- issue 6 (metrics, score) -- */
/* metrics: */
/* ---- lib/points.c: metric points (DESIGN.md) read and written fast ---- */
/*
 * srw_point_read fills p from an NDJSON record without allocating (after
 * warm-up): name, labels sorted by key, the canonical series key
 * "k=v,k=v" (sorted; ',', '=' and '\\' escaped with '\\'), ts (epoch ms, or
 * a time string srw_time_parse accepts), value (a number, or "NaN", "+Inf",
 * "-Inf"), type (gauge when absent; "untyped" is gauge) and le (a string or
 * number; NULL when absent).  Strings point into the record (or p), valid
 * until the record is freed or p is read again.  Returns 0, or -1 with the
 * reason in err.  Two points are the same series when name, key and le are
 * equal.
 */
#define SRW_POINT_MAXLABELS 64
enum srw_ptype { SRW_PT_GAUGE, SRW_PT_COUNTER, SRW_PT_HISTOGRAM, SRW_PT_SUMMARY };
typedef struct srw_point_label {
	const char *k, *v;
} srw_point_label;
typedef struct srw_point {
	const char *name;
	srw_point_label labels[SRW_POINT_MAXLABELS];	/* sorted by k */
	size_t nlabels;
	srw_buf key;	/* canonical label key, NUL-terminated */
	int64_t ts;
	double value;
	enum srw_ptype type;
	const char *le;
	char le_buf[40];
} srw_point;
void srw_point_init(srw_point *p);
void srw_point_free(srw_point *p);
int srw_point_read(srw_point *p, const srw_val *rec, char *err, size_t errsz);
const char *srw_point_get_label(const srw_point *p, const char *k);	/* NULL if absent */
const char *srw_point_type_name(enum srw_ptype t);
int srw_point_type_parse(const char *s, enum srw_ptype *t);	/* NULL -> gauge */
void srw_point_sort_labels(srw_point_label *l, size_t n);
/* Is the point's series in shard i of n?  Hashes the value of by_label when
 * given and present (rollup --snapshot shards whole clusters), else name,
 * label key and le: stable across machines and runs. */
bool srw_point_in_shard(const srw_point *p, const char *by_label, unsigned i, unsigned n);
/* Writers (srw_jw): "labels":{…} in the order given; a value with NaN/Inf
 * as the strings above; a whole point line (le NULL: none). */
void srw_point_jw_labels(srw_buf *b, const srw_point_label *l, size_t n);
void srw_point_jw_value(srw_buf *b, const char *key, double v);
void srw_point_jw(srw_buf *b, const char *name, const srw_point_label *l, size_t n,
    int64_t ts, double value, enum srw_ptype type, const char *le);
/* ---- lib/promtext.c: Prometheus text exposition parser --------------- */
/*
 * Calls on_sample for each sample line, with the family and type declared
 * by the TYPE line it belongs to (foo_bucket, foo_sum, foo_count belong to
 * histogram foo; foo, foo_sum, foo_count to summary foo; otherwise untyped
 * and family = name).  Labels are unescaped, in written order; le and
 * quantile stay among them.  Strings are valid during the callback only.
 * A bad line goes to on_error (if set) and is skipped.  on_sample returning
 * non-zero stops the parse.  Returns the number of bad lines.
 */
enum srw_prom_type { SRW_PROM_UNTYPED, SRW_PROM_COUNTER, SRW_PROM_GAUGE,
	SRW_PROM_SUMMARY, SRW_PROM_HISTOGRAM };
typedef struct srw_prom_sample {
	const char *name, *family, *help;	/* help NULL if none */
	enum srw_prom_type type;
	const srw_point_label *labels;
	size_t nlabels;
	double value;
	bool has_ts;
	int64_t ts;	/* epoch ms, when has_ts */
	long lineno;
} srw_prom_sample;
typedef struct srw_prom_opts {
	int (*on_sample)(const srw_prom_sample *s, void *ctx);
	void (*on_error)(long lineno, const char *msg, void *ctx);
	void *ctx;
} srw_prom_opts;
long srw_prom_parse(const char *text, size_t len, const srw_prom_opts *o);
const char *srw_prom_type_name(enum srw_prom_type t);
/* ---- lib/mquery.c: metric queries over raw points and rollups -------- */
/*
 * srw_mq_run answers NAME{k="v",k!="v"} over [from, to) in windows of step
 * (aligned to multiples of step) with fn: it reads the coarsest rollup
 * resolution not coarser than step where the rollups cover whole windows,
 * and raw points elsewhere.  Sources: src->db (metrics.metrics_table and
 * metrics.metrics_rollup), or NDJSON files raw_path / rollup_path (either
 * may be NULL).  Returns a jansson array of series
 * {"name","labels",["le"],"points":[[ts_ms, value], ...]} (windows without
 * data left out), and in *plan (if not NULL) the plan: one object per
 * sub-range {"from","to","from_ms","to_ms","table","resolution","rows"}.
 * NULL with err set on failure.
 */
enum srw_mq_fn { SRW_MQ_AVG, SRW_MQ_SUM, SRW_MQ_MIN, SRW_MQ_MAX, SRW_MQ_RATE,
	SRW_MQ_INCREASE };
typedef struct srw_mq_matcher {
	char *k, *v;
	bool neg;	/* != */
} srw_mq_matcher;
typedef struct srw_mquery {
	char *name;
	srw_mq_matcher *m;
	size_t nm;
	int64_t from, to, step;	/* epoch ms; step in ms */
	enum srw_mq_fn fn;
} srw_mquery;
typedef struct srw_mq_source {
	srw_db *db;
	const char *raw_path, *rollup_path;
} srw_mq_source;
/* Fills q->name and q->m from the selector; 0 or -1 with err. */
int srw_mq_parse_selector(const char *sel, srw_mquery *q, char *err, size_t errsz);
void srw_mq_free(srw_mquery *q);	/* name and matchers */
int srw_mq_fn_parse(const char *s, enum srw_mq_fn *fn);
const char *srw_mq_fn_name(enum srw_mq_fn fn);
bool srw_mq_namechar(int c);
json_t *srw_mq_run(const srw_mquery *q, const srw_mq_source *src, json_t **plan,
    char *err, size_t errsz);
/* metrics end */
/* score: lib/score.c, the cluster health score of SCORING.md (pure math). */
#define SRW_SCORE_NDIM 6
typedef struct srw_score_dim {
	const char *metric;	/* dimension name in amv_hourly_snapshots_v1 */
	const char *name;	/* short name, column prefix: cpu, heap, disk, … */
	const char *label;	/* in top factors: "disk", "p99 latency" */
	const char *unit;	/* after the value: "%", " ms", "" */
	double healthy, critical, weight;
} srw_score_dim;
extern const srw_score_dim srw_score_dims[SRW_SCORE_NDIM];
enum srw_score_risk { SRW_SCORE_UNKNOWN, SRW_SCORE_CRITICAL, SRW_SCORE_WARNING,
	SRW_SCORE_HEALTHY };
typedef struct srw_score_in {
	double value[SRW_SCORE_NDIM];	/* at H; NAN (or non-finite): missing */
	double baseline[SRW_SCORE_NDIM];	/* at H - 7 d; NAN: missing */
	long critical, warning, info;	/* firing alert sections, 7 days */
	char tier;	/* S, A, B, C; anything else counts as B */
} srw_score_in;
typedef struct srw_score_out {
	double sub[SRW_SCORE_NDIM];	/* sub-scores; NAN where missing */
	bool trend[SRW_SCORE_NDIM];	/* penalised for growth over baseline */
	int ndims;	/* scored dimensions present */
	double metric_raw, penalty, metric;	/* M, trend penalty, M' */
	double alert, tier;	/* A, T */
	double exact;	/* 0.60 M' + 0.25 A + 0.15 T, unrounded */
	double score;	/* rounded to one decimal; NAN when ndims == 0 */
	enum srw_score_risk risk;
} srw_score_out;
/* Sub-score of value v for thresholds h < c, clamped to 0..100. */
double srw_score_sub(double v, double h, double c);
/* x rounded half away from zero to the given decimals (a value within
 * 1e-9 relative of a half counts as the half: double noise never decides). */
double srw_score_round(double x, int decimals);
double srw_score_tier_k(char tier);	/* 1.5 S, 1.25 A, 1.0 B, 0.75 C */
enum srw_score_risk srw_score_risk_of(double rounded);	/* NAN: Unknown */
const char *srw_score_risk_name(enum srw_score_risk r);	/* "Healthy", … */
int srw_score_dim_find(const char *metric);	/* index, or -1 */
void srw_score_compute(const srw_score_in *in, srw_score_out *out);
/* Up to max top factors in words ("disk 88% (critical)", "1 critical
 * alert"), worst first by the score points each one costs, into f[0..max).
 * Returns the count. */
int srw_score_factors(const srw_score_in *in, const srw_score_out *out,
    char f[][96], int max);
/* -- issue 7 (group-issues) -- */
/* lib/issues.c: alert sections grouped into issues (group-issues(1)).
 * Times are epoch ms; an issue is an ops.issues row. */
enum srw_issue_kind { SRW_ISSUE_ANOMALY, SRW_ISSUE_FAILURE };

typedef struct srw_issue {
	char id[32];		/* "iss_" + 20 hex of sha256(cluster|KIND|first ref) */
	char group[32];		/* correlation group "cg_" + 16 hex */
	char *cluster_id, *cluster_name;
	enum srw_issue_kind kind;
	srw_buf names;		/* alert_names, comma-joined, opening alert first */
	srw_buf refs;		/* message_ids: "msgid" or "msgid#N" (section N>0) */
	int64_t first_seen, last_seen, resolved_at;	/* resolved_at -1: Ongoing */
	long alert_count;	/* Firing sections */
	enum srw_severity severity;
	bool escalated, dirty;	/* dirty: changed in this run */
	bool stored;		/* read back (srw_issues_add), not opened in this run */
	char *resolve_reason, *triage_status, *disposition_status, *jira_key;
	void *priv;		/* the engine's */
} srw_issue;

typedef struct srw_issues srw_issues;
typedef struct srw_issues_opts {
	int64_t window_ms, correlation_ms, quiet_ms;	/* 30m, 4h, 4h if 0 */
	/* every issue leaving memory (evicted, or at finish), then freed */
	void (*emit)(const srw_issue *is, void *ctx);
	/* asked once per cluster and range: add (srw_issues_add) the stored
	 * issues of cluster whose end (resolved_at, else last_seen) is in
	 * [from, to) (to INT64_MAX: no upper bound) */
	void (*load)(srw_issues *g, const char *cluster_id, int64_t from, int64_t to,
	    void *ctx);
	void *ctx;
} srw_issues_opts;

srw_issues *srw_issues_new(const srw_issues_opts *o);
void srw_issues_free(srw_issues *g);
/* --classes FILE: "PATTERN anomaly|failure [Critical|Warning|Info]" lines,
 * fnmatch(3) globs, first match wins, before the built-in table. */
int srw_issues_classes(srw_issues *g, const char *path, char *err, size_t errsz);
enum srw_alert_class srw_issues_class(srw_issues *g, const char *alert,
    enum srw_severity *sev, bool *known);
/* Adds a stored issue (copied); 1 if its id is already known. */
int srw_issues_add(srw_issues *g, const srw_issue *is);
/* Groups one section: 0 grouped, 1 skipped (already attached, or a
 * Resolved more than the horizon late), -1 not an alert that can be grouped
 * (reason set). */
int srw_issues_feed(srw_issues *g, const srw_section *s, char *reason, size_t rsz);
/* End of input: failures quiet since before now - quiet resolve; every
 * issue still held is emitted (in first_seen, id order) and freed. */
void srw_issues_finish(srw_issues *g, int64_t now_ms);
int64_t srw_issues_watermark(const srw_issues *g);	/* latest alert time */

void srw_issue_init(srw_issue *is);
void srw_issue_clear(srw_issue *is);
/* Sets one field from its ops.issues column text; -1 on a bad value. */
int srw_issue_set(srw_issue *is, const char *col, const char *val);
/* Appends the row as one NDJSON line (the ops.issues columns). */
void srw_issue_jw(srw_buf *b, const srw_issue *is);
/* Triage: New, Acknowledged, Investigating, Mitigating, Closed (forward only). */
int srw_triage_rank(const char *status);	/* 0..4, -1 unknown */
const char *srw_triage_name(int rank);
/* -- issue 8 (sentinel, investigate) -- */
/* lib/sqlguard.c: run_sql's read-only checker.  Returns the statement to
 * run (malloc'd: comments removed, a trailing ';' dropped, "LIMIT row_limit"
 * appended to a SELECT/WITH, or the query wrapped when it has its own top
 * LIMIT), or NULL with the reason, written for the model, in why. */
char *srw_sqlguard(const char *sql, long row_limit, char *why, size_t whysz);

/* lib/anthropic.c: one model call; the parsed response (new reference) or
 * NULL with err set (and *status the HTTP status, 0 on transport failure).
 * Retries 429/5xx/529 honouring retry-after. */
typedef struct srw_llm {
	const char *base_url;	/* https://api.anthropic.com, or OPENAI_BASE_URL */
	const char *api_key;	/* header only, never logged */
	long timeout_ms;	/* per request; default 120000 */
	int max_retries;	/* default 4; negative: no retry */
} srw_llm;
json_t *srw_anthropic_messages(const srw_llm *c, const json_t *req, long *status,
    char *err, size_t errsz);	/* POST /v1/messages */
json_t *srw_openai_chat(const srw_llm *c, const json_t *req, long *status,
    char *err, size_t errsz);	/* POST (/v1)/chat/completions */
/* POST (/v1)/embeddings: n*dim floats in input order (malloc'd), or NULL. */
float *srw_openai_embed(const srw_llm *c, const char *model, const char *const *texts,
    size_t n, size_t *dim, char *err, size_t errsz);

/* lib/kb.c: Knowledge Lake search in memory: BM25 (fulltext), hashed
 * character 3-gram TF-IDF cosine (vector), reciprocal rank fusion (hybrid). */
typedef struct srw_kb srw_kb;
enum srw_kb_mode { SRW_KB_HYBRID, SRW_KB_FULLTEXT, SRW_KB_VECTOR };
typedef struct srw_kb_hit {
	size_t doc;	/* index returned by srw_kb_add */
	double score;
} srw_kb_hit;
srw_kb *srw_kb_new(void);
size_t srw_kb_add(srw_kb *kb, const char *title, const char *body);
size_t srw_kb_count(const srw_kb *kb);
/* Replace the local vectors by n*dim floats from an embedding model. */
int srw_kb_set_vectors(srw_kb *kb, const float *v, size_t dim);
/* Best first, at most max hits; returns the count. */
size_t srw_kb_search(srw_kb *kb, const char *query, enum srw_kb_mode mode,
    srw_kb_hit *out, size_t max);
/* As srw_kb_search with the query's vector from the same embedding model. */
size_t srw_kb_search_vec(srw_kb *kb, const char *query, const float *qvec,
    enum srw_kb_mode mode, srw_kb_hit *out, size_t max);
int srw_kb_mode_parse(const char *s, enum srw_kb_mode *m);
const char *srw_kb_mode_name(enum srw_kb_mode m);
void srw_kb_free(srw_kb *kb);
/* -- issue 9 (evaluate, notify) -- */
/* ---- lib/promql.c: a PromQL subset over an in-memory series store ---- */
/*
 * Expressions are parsed and compiled into one shared program: every
 * sub-expression is a single-function step (the Monasca threshold-engine
 * proposal), identical steps across all expressions are one node, and each
 * node is computed once per evaluation instant.  Evaluation runs on event
 * time over srw_store, Prometheus 2.x semantics (5m lookback, closed ranges,
 * extrapolated rate/increase/delta).
 */
typedef struct srw_lset {	/* label set sorted by name; __name__ included */
	uint32_t n;
	uint64_t hash;		/* the store's series hash; 0 in evaluation results */
	const char *kv[];	/* name0, value0, name1, value1, ... */
} srw_lset;
typedef struct srw_sample {
	const srw_lset *ls;	/* NULL for a scalar result */
	double v;
} srw_sample;
typedef struct srw_store srw_store;
typedef struct srw_pq srw_pq;

srw_store *srw_store_new(void);
void srw_store_free(srw_store *st);
/* One sample of name{labels}; labels sorted by name (srw_point order),
 * le (NULL: none) joins them.  ttl_ms > 0 replaces the 5m lookback for this
 * sample (numbat-style expiry). */
void srw_store_add(srw_store *st, const char *name, const srw_point_label *l,
    size_t n, const char *le, int64_t ts, double v, int64_t ttl_ms);
void srw_store_add_lset(srw_store *st, const srw_lset *ls, const char *name,
    int64_t ts, double v);
/* Drops samples older than ts - keep_ms and series left empty. */
void srw_store_gc(srw_store *st, int64_t ts, int64_t keep_ms);
size_t srw_store_nseries(const srw_store *st);
const char *srw_lset_get(const srw_lset *ls, const char *name);
uint64_t srw_lset_fingerprint(const srw_lset *ls, const char *skip);

srw_pq *srw_pq_new(void);
void srw_pq_free(srw_pq *pq);
/* Compiles expr into the program; returns its node id, or -1 with the
 * reason ("col N: ...") in err.  Unsupported syntax is an error here. */
int srw_pq_compile(srw_pq *pq, const char *expr, char *err, size_t errsz);
bool srw_pq_is_vector(const srw_pq *pq, int id);
/* History the program needs (largest range + offset + lookback), ms. */
int64_t srw_pq_horizon(const srw_pq *pq);
/* Starts an evaluation instant (drops the previous one's results). */
void srw_pq_begin(srw_pq *pq, srw_store *st, int64_t ts);
/* Forgets results of this instant (after recorded samples were added). */
void srw_pq_invalidate(srw_pq *pq);
/* Result of node id at the current instant, valid until srw_pq_begin;
 * a scalar is one sample with ls NULL.  Counts node computations. */
size_t srw_pq_eval(srw_pq *pq, int id, srw_sample **out);
/* Did node id fail at this instant (many-to-many matching and the other
 * errors Prometheus raises while evaluating)?  The reason, or NULL. */
const char *srw_pq_failed(const srw_pq *pq, int id);
/* --explain: the steps of node id as "tempN = f(...)" lines into b; with
 * alarm, the last step is "if X op C: alarm()" when the root compares with
 * a constant.  Steps printed before (by an earlier call) are marked shared. */
void srw_pq_explain(srw_pq *pq, int id, bool alarm, srw_buf *b);
/* Steps in the program, steps used by more than one parent or rule, and
 * total uses (what would be computed without sharing). */
void srw_pq_stats(const srw_pq *pq, size_t *steps, size_t *shared, size_t *uses);
void srw_pq_use(srw_pq *pq, int id);	/* a rule uses node id as its root */
unsigned long srw_pq_computed(const srw_pq *pq);

/* ---- lib/rules.c: Prometheus rule files (and numbat kinds) over libyaml */
/* numbat's kinds: heartbeat (per host/service presence made by the first
 * heartbeat event, ended by a graceful shutdown), presence_required (alert
 * when a metric goes quiet for timeout), absence_required (alert when it
 * shows up), outlier (compiled to PromQL: z-score or MAD over window),
 * match (match-and-act: an alert for timeout after each event whose fields
 * and tags match). */
enum srw_rule_kind { SRW_RULE_ALERT, SRW_RULE_RECORD, SRW_RULE_HEARTBEAT,
	SRW_RULE_ABSENCE, SRW_RULE_PRESENCE, SRW_RULE_OUTLIER, SRW_RULE_MATCH };
typedef struct srw_rule {
	enum srw_rule_kind kind;
	char *name;		/* alert name or recorded metric */
	char *expr;
	int64_t for_ms, keep_firing_for_ms;
	char **label_kv, **annot_kv;	/* NULL-terminated name, value pairs */
	size_t nlabels, nannots;
	char *file;
	int line;
	/* numbat kinds */
	char *service;		/* heartbeat/absence/presence/outlier: metric name */
	int64_t timeout_ms;	/* heartbeat/absence/presence window */
	int64_t window_ms;	/* outlier history */
	char *method;		/* outlier: "zscore" or "mad" */
	double threshold;
	/* match: event fields (or point labels) against anchored regular
	 * expressions, and tags that must all be present */
	char **where_kv;	/* field, regex, ... NULL-terminated */
	size_t nwhere;
	void *where_re;		/* regex_t[nwhere] */
	char **tags;		/* NULL-terminated */
	int node;		/* compiled expression (srw_pq id), -1 none */
	void *user;		/* the tool's per-rule state */
} srw_rule;
typedef struct srw_rule_group {
	char *name;
	int64_t interval_ms;
	srw_rule *rules;
	size_t nrules;
} srw_rule_group;
typedef struct srw_ruleset {
	srw_rule_group *groups;
	size_t ngroups;
} srw_ruleset;
/* Loads one rule file (groups appended to rs).  Returns 0, or -1 with
 * "FILE:LINE: reason" in err.  dflt_interval_ms for groups without one. */
int srw_rules_load_file(srw_ruleset *rs, const char *path, int64_t dflt_interval_ms,
    char *err, size_t errsz);
/* Same for YAML text in memory (name used in messages). */
int srw_rules_load_mem(srw_ruleset *rs, const char *name, const char *text, size_t len,
    int64_t dflt_interval_ms, char *err, size_t errsz);
/* Compiles every expression into pq; -1 with "FILE:LINE: rule R: reason". */
int srw_rules_compile(srw_ruleset *rs, srw_pq *pq, char *err, size_t errsz);
void srw_ruleset_free(srw_ruleset *rs);
srw_rule_group *srw_ruleset_add_group(srw_ruleset *rs, const char *name, int64_t interval_ms);
srw_rule *srw_group_add_rule(srw_rule_group *g);
/* Expands {{ $labels.x }}, {{ $value }}, {{ .Labels.x }}, {{ .Value }},
 * {{ $value | humanize }}, {{ printf "%.2f" $value }} into b; -1 with the
 * reason on an unsupported template. */
int srw_template(srw_buf *b, const char *tmpl, const srw_lset *ls, double value,
    char *err, size_t errsz);

/* ---- lib/notify.c: signing for outgoing notifications ----------------- */
/* Lark custom bot signature: base64(HMAC-SHA256(key = "TS\nSECRET", "")),
 * ts in epoch seconds; out at least 64 bytes.  Returns out. */
char *srw_lark_bot_sign(int64_t ts, const char *secret, char *out, size_t outsz);
/* -- issue 10 (board) -- */

#endif
