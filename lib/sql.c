/* sql.c - SQL over libmariadb: connection from STARROCKS_*, UTC session,
 * dialect detection, escaping, queries, transient-error retries.
 * The only file that includes mysql.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "srw.h"

struct srw_db {
	MYSQL *m;
	enum srw_dialect dialect;
	char dialect_why[160];	/* how the dialect was chosen (-v) */
	bool dialect_told;
	char *user, *password;	/* password never logged */
	unsigned err;
	char errmsg[512];
	unsigned gen;	/* connections made: a prepared statement is per connection */
	bool last_stmt;	/* the last write was a prepared statement */
	unsigned long long stmt_affected;
};

struct srw_stmt {
	srw_db *db;
	MYSQL_STMT *st;
	unsigned gen;	/* db->gen it was prepared on */
	char *sql;
	size_t len;
	MYSQL_BIND *bind;
	unsigned nbind;
};

struct srw_res {
	MYSQL_RES *r;
	MYSQL_FIELD *fields;
	unsigned ncols;
	srw_db *db;		/* streamed results: errors are the connection's */
	bool streamed;
};

static void
seterr(srw_db *db)
{
	db->err = mysql_errno(db->m);
	snprintf(db->errmsg, sizeof db->errmsg, "%s", mysql_error(db->m));
}

static int
run(srw_db *db, const char *sql)
{
	if (mysql_real_query(db->m, sql, strlen(sql)) != 0) {
		seterr(db);
		return -1;
	}
	MYSQL_RES *r = mysql_store_result(db->m);
	if (r)
		mysql_free_result(r);
	return 0;
}

/* The first column of a one-row answer, or NULL (error in db). */
static char *
answer(srw_db *db, const char *sql)
{
	MYSQL_RES *r;
	MYSQL_ROW row;
	char *v = NULL;

	if (mysql_query(db->m, sql) != 0) {
		seterr(db);
		return NULL;
	}
	if (!(r = mysql_store_result(db->m))) {
		seterr(db);
		return NULL;
	}
	if ((row = mysql_fetch_row(r)) && row[0])
		v = srw_xstrdup(row[0]);
	mysql_free_result(r);
	if (!v)
		v = srw_xstrdup("");
	return v;
}

/*
 * auto asks the server itself, never the handshake's version string alone
 * (a proxy in front of StarRocks may announce itself as MariaDB):
 * current_version() exists only on StarRocks; a server that lacks it is
 * MariaDB only when its VERSION() says so.  A server that is neither is
 * taken for MySQL, which speaks the mariadb dialect's SQL.
 */
static int
detect_dialect(srw_db *db, const char *want, char *err, size_t errsz)
{
	const char *hs = mysql_get_server_info(db->m);
	char *v;

	if (strcmp(want, "starrocks") == 0 || strcmp(want, "mariadb") == 0) {
		db->dialect = want[0] == 's' ? SRW_DIALECT_STARROCKS : SRW_DIALECT_MARIADB;
		snprintf(db->dialect_why, sizeof db->dialect_why, "SRW_DIALECT=%s", want);
		return 0;
	}
	if (strcmp(want, "auto") != 0 && *want)
		srw_warn("SRW_DIALECT=%s is not mariadb, starrocks or auto: asking the server", want);
	if ((v = answer(db, "SELECT current_version()"))) {
		db->dialect = SRW_DIALECT_STARROCKS;
		snprintf(db->dialect_why, sizeof db->dialect_why,
		    "the server answers current_version(): %.40s%s%.40s", v,
		    hs && strstr(hs, "MariaDB") ? "; its handshake says " : "",
		    hs && strstr(hs, "MariaDB") ? hs : "");
		free(v);
		return 0;
	}
	if (srw_db_errno_transient(db->err)) {
		snprintf(err, errsz, "asking the server its dialect: %s", db->errmsg);
		return -1;
	}
	if (!(v = answer(db, "SELECT VERSION()"))) {
		snprintf(err, errsz, "asking the server its version: %s", db->errmsg);
		return -1;
	}
	db->dialect = SRW_DIALECT_MARIADB;
	snprintf(db->dialect_why, sizeof db->dialect_why, "%s: VERSION() is %.60s, no current_version()",
	    strstr(v, "MariaDB") ? "MariaDB" : "not StarRocks (MySQL?)", v);
	free(v);
	db->err = 0;
	return 0;
}

const char *
srw_db_dialect_why(const srw_db *db)
{
	return db->dialect_why;
}

static int
connect_once(srw_db *db, char *err, size_t errsz)
{
	const char *host = srw_env("STARROCKS_HOST", "127.0.0.1");
	const char *sock = srw_env("STARROCKS_SOCKET", NULL);
	long port = srw_env_long("STARROCKS_PORT", 9030);
	unsigned int ctimeout = 10, rwtimeout = 600;
	const char *dialect = srw_env("SRW_DIALECT", "auto");

	if (db->m)
		mysql_close(db->m);	/* invalidates its prepared statements */
	db->gen++;
	if (!(db->m = mysql_init(NULL))) {
		snprintf(err, errsz, "mysql_init failed");
		return -1;
	}
	mysql_options(db->m, MYSQL_OPT_CONNECT_TIMEOUT, &ctimeout);
	mysql_options(db->m, MYSQL_OPT_READ_TIMEOUT, &rwtimeout);
	mysql_options(db->m, MYSQL_OPT_WRITE_TIMEOUT, &rwtimeout);
	mysql_options(db->m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(db->m, sock ? NULL : host, db->user, db->password,
	    NULL, (unsigned)port, sock, 0)) {
		seterr(db);
		if (sock)
			snprintf(err, errsz, "connect to %s: %s", sock, db->errmsg);
		else
			snprintf(err, errsz, "connect to %s:%ld as %s: %s", host, port,
			    db->user, db->errmsg);
		return -1;
	}
	if (detect_dialect(db, dialect, err, errsz) != 0)
		return -1;
	if (!db->dialect_told) {
		srw_info("database: %s dialect (%s)", db->dialect == SRW_DIALECT_STARROCKS ?
		    "starrocks" : "mariadb", db->dialect_why);
		db->dialect_told = true;
	}
	if (run(db, "SET time_zone = '+00:00'") != 0) {
		snprintf(err, errsz, "set time_zone: %s", db->errmsg);
		return -1;
	}
	if (db->dialect == SRW_DIALECT_MARIADB &&
	    run(db, "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'") != 0) {
		snprintf(err, errsz, "set sql_mode: %s", db->errmsg);
		return -1;
	}
	return 0;
}

srw_db *
srw_db_open_as(const char *user, const char *password, int retries, char *err,
    size_t errsz)
{
	srw_db *db = srw_xcalloc(1, sizeof *db);
	int attempt;

	db->user = srw_xstrdup(user ? user : srw_env("STARROCKS_USER", "root"));
	db->password = srw_xstrdup(password ? password : srw_env("STARROCKS_PASSWORD", ""));
	for (attempt = 0;; attempt++) {
		if (connect_once(db, err, errsz) == 0)
			return db;
		if (attempt >= retries || !srw_db_errno_transient(db->err))
			break;
		srw_sleep_ms(srw_backoff_ms(attempt, 200, 5000));
	}
	srw_db_close(db);
	return NULL;
}

srw_db *
srw_db_open(int retries, char *err, size_t errsz)
{
	return srw_db_open_as(NULL, NULL, retries, err, errsz);
}

void
srw_db_close(srw_db *db)
{
	if (!db)
		return;
	if (db->m)
		mysql_close(db->m);
	free(db->user);
	if (db->password) {
		memset(db->password, 0, strlen(db->password));
		free(db->password);
	}
	free(db);
}

enum srw_dialect
srw_db_dialect(const srw_db *db)
{
	return db->dialect;
}

int
srw_db_reconnect(srw_db *db, int retries)
{
	char err[512];
	int attempt;

	for (attempt = 0;; attempt++) {
		if (connect_once(db, err, sizeof err) == 0)
			return 0;
		if (attempt >= retries)
			break;
		srw_debug("reconnect: %s", err);
		srw_sleep_ms(srw_backoff_ms(attempt, 250, 5000));
	}
	snprintf(db->errmsg, sizeof db->errmsg, "%s", err);
	return -1;
}

int
srw_db_exec(srw_db *db, const char *sql, size_t len)
{
	MYSQL_RES *r;

	if (mysql_real_query(db->m, sql, len) != 0) {
		seterr(db);
		return -1;
	}
	if ((r = mysql_store_result(db->m)))
		mysql_free_result(r);
	db->err = 0;
	db->last_stmt = false;
	return 0;
}

int
srw_db_exec_retry(srw_db *db, const char *sql, size_t len, int retries)
{
	int attempt;

	for (attempt = 0;; attempt++) {
		if (srw_db_exec(db, sql, len) == 0)
			return 0;
		if (attempt >= retries || !srw_db_errno_transient(db->err))
			return -1;
		srw_warn("database: %s; retrying (%d/%d)", db->errmsg, attempt + 1, retries);
		srw_sleep_ms(srw_backoff_ms(attempt, 250, 8000));
		if (srw_db_errno_transient(db->err) && db->err >= 2000) {
			unsigned saved = db->err;

			if (srw_db_reconnect(db, 0) != 0)
				db->err = saved;
		}
	}
}

unsigned
srw_db_errno(const srw_db *db)
{
	return db->err;
}

const char *
srw_db_error(const srw_db *db)
{
	return db->errmsg;
}

unsigned long long
srw_db_affected(const srw_db *db)
{
	return db->last_stmt ? db->stmt_affected : mysql_affected_rows(db->m);
}

bool
srw_db_has_bulk(srw_db *db)
{
	unsigned long caps = 0;

	if (db->dialect != SRW_DIALECT_MARIADB)
		return false;
	if (mariadb_get_infov(db->m, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &caps))
		return false;
	return (caps & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32)) != 0;
}

srw_stmt *
srw_stmt_new(srw_db *db, const char *sql, size_t len)
{
	srw_stmt *st = srw_xcalloc(1, sizeof *st);

	st->db = db;
	st->sql = srw_xstrndup(sql, len);
	st->len = len;
	return st;
}

void
srw_stmt_free(srw_stmt *st)
{
	if (!st)
		return;
	if (st->st)
		mysql_stmt_close(st->st);
	free(st->bind);
	free(st->sql);
	free(st);
}

static void
stmt_err(srw_stmt *st)
{
	st->db->err = mysql_stmt_errno(st->st);
	snprintf(st->db->errmsg, sizeof st->db->errmsg, "%s", mysql_stmt_error(st->st));
}

/* Prepared on the current connection (again after a reconnect). */
static int
stmt_ready(srw_stmt *st)
{
	srw_db *db = st->db;

	if (st->st && st->gen == db->gen)
		return 0;
	if (st->st)
		mysql_stmt_close(st->st);
	st->gen = db->gen;
	if (!(st->st = mysql_stmt_init(db->m))) {
		seterr(db);
		return -1;
	}
	if (mysql_stmt_prepare(st->st, st->sql, (unsigned long)st->len) != 0) {
		stmt_err(st);
		mysql_stmt_close(st->st);
		st->st = NULL;
		return -1;
	}
	return 0;
}

int
srw_stmt_exec_bulk(srw_stmt *st, const srw_param *p, unsigned nparams, size_t nrows)
{
	static const enum enum_field_types types[] = {
		[SRW_PARAM_I64] = MYSQL_TYPE_LONGLONG,
		[SRW_PARAM_U64] = MYSQL_TYPE_LONGLONG,
		[SRW_PARAM_DBL] = MYSQL_TYPE_DOUBLE,
		[SRW_PARAM_STR] = MYSQL_TYPE_STRING,
	};
	unsigned int size = (unsigned int)nrows, i;

	st->db->last_stmt = true;
	st->db->stmt_affected = 0;
	if (stmt_ready(st) != 0)
		return -1;
	if (mysql_stmt_param_count(st->st) != nparams) {
		st->db->err = CR_PARAMS_NOT_BOUND;
		snprintf(st->db->errmsg, sizeof st->db->errmsg,
		    "prepared statement wants %lu parameters, got %u",
		    mysql_stmt_param_count(st->st), nparams);
		return -1;
	}
	if (st->nbind < nparams) {
		st->bind = srw_xrealloc(st->bind, nparams * sizeof *st->bind);
		st->nbind = nparams;
	}
	memset(st->bind, 0, nparams * sizeof *st->bind);
	for (i = 0; i < nparams; i++) {
		MYSQL_BIND *b = &st->bind[i];

		b->buffer_type = types[p[i].type];
		b->buffer = (void *)p[i].vals;
		b->is_unsigned = p[i].type == SRW_PARAM_U64;
		b->length = (unsigned long *)p[i].lens;
		b->u.indicator = (char *)p[i].null;
	}
	/* column-wise arrays: one execute stores every row */
	if (mysql_stmt_attr_set(st->st, STMT_ATTR_ARRAY_SIZE, &size) != 0 ||
	    mysql_stmt_bind_param(st->st, st->bind) != 0 ||
	    mysql_stmt_execute(st->st) != 0) {
		stmt_err(st);
		return -1;
	}
	st->db->stmt_affected = mysql_stmt_affected_rows(st->st);
	st->db->err = 0;
	return 0;
}

bool
srw_db_errno_transient(unsigned e)
{
	switch (e) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_LOST_EXTENDED:
	case CR_COMMANDS_OUT_OF_SYNC:
	case ER_LOCK_WAIT_TIMEOUT:
	case ER_LOCK_DEADLOCK:
	case ER_CON_COUNT_ERROR:
	case ER_TOO_MANY_USER_CONNECTIONS:
	case ER_SERVER_SHUTDOWN:
	case ER_CONNECTION_KILLED:
	case 4031:	/* ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8) */
	case 2000:	/* CR_UNKNOWN_ERROR: seen when a socket dies mid-handshake */
		return true;
	default:
		return false;
	}
}

bool
srw_db_errno_data(unsigned e)
{
	switch (e) {
	case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
	case ER_DATA_TOO_LONG:
	case ER_WARN_DATA_OUT_OF_RANGE:
	case ER_TRUNCATED_WRONG_VALUE:
	case ER_BAD_NULL_ERROR:
	case WARN_DATA_TRUNCATED:
	case ER_NO_DEFAULT_FOR_FIELD:
	case ER_ILLEGAL_VALUE_FOR_TYPE:
	case ER_WRONG_VALUE_FOR_TYPE:
	case ER_INVALID_CHARACTER_STRING:
	case 3140:	/* invalid JSON text (MySQL) */
	case 4025:	/* CONSTRAINT_FAILED, e.g. JSON_VALID check (MariaDB) */
	case ER_DUP_ENTRY:	/* only possible for --append */
		return true;
	default:
		return false;
	}
}

void
srw_db_quote(srw_db *db, srw_buf *b, const char *s, size_t n)
{
	unsigned long len;

	srw_buf_grow(b, 2 * n + 3);
	b->s[b->len++] = '\'';
	len = mysql_real_escape_string(db->m, b->s + b->len, s, (unsigned long)n);
	b->len += len;
	b->s[b->len++] = '\'';
	b->s[b->len] = '\0';
}

void
srw_sql_quote(srw_buf *b, const char *s, size_t n)
{
	size_t i;

	srw_buf_grow(b, 2 * n + 3);
	b->s[b->len++] = '\'';
	for (i = 0; i < n; i++) {
		char c = s[i], e = 0;

		switch (c) {
		case '\0': e = '0'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		case '\\': e = '\\'; break;
		case '\'': e = '\''; break;
		case '"': e = '"'; break;
		case '\032': e = 'Z'; break;
		}
		if (e) {
			b->s[b->len++] = '\\';
			b->s[b->len++] = e;
		} else {
			b->s[b->len++] = c;
		}
	}
	b->s[b->len++] = '\'';
	b->s[b->len] = '\0';
}

srw_res *
srw_db_query(srw_db *db, const char *sql)
{
	srw_res *res;
	MYSQL_RES *r;

	if (mysql_real_query(db->m, sql, strlen(sql)) != 0) {
		seterr(db);
		return NULL;
	}
	if (!(r = mysql_store_result(db->m))) {
		if (mysql_field_count(db->m) != 0) {
			seterr(db);
			return NULL;
		}
	}
	db->err = 0;
	res = srw_xcalloc(1, sizeof *res);
	res->r = r;
	if (r) {
		res->ncols = mysql_num_fields(r);
		res->fields = mysql_fetch_fields(r);
	}
	return res;
}

srw_res *
srw_db_query_stream(srw_db *db, const char *sql)
{
	srw_res *res;
	MYSQL_RES *r;

	if (mysql_real_query(db->m, sql, strlen(sql)) != 0) {
		seterr(db);
		return NULL;
	}
	if (!(r = mysql_use_result(db->m)) && mysql_field_count(db->m) != 0) {
		seterr(db);
		return NULL;
	}
	db->err = 0;
	res = srw_xcalloc(1, sizeof *res);
	res->r = r;
	res->db = db;
	res->streamed = true;
	if (r) {
		res->ncols = mysql_num_fields(r);
		res->fields = mysql_fetch_fields(r);
	}
	return res;
}

void
srw_res_abandon(srw_res *r)
{
	if (!r)
		return;
	if (r->streamed && r->r && !mysql_eof(r->r)) {
		/* freeing would read (and drop) every remaining row: cut the
		 * connection instead, the server stops sending */
		mariadb_cancel(r->db->m);
		mysql_free_result(r->r);
		mysql_close(r->db->m);
		r->db->m = NULL;
		r->r = NULL;
	}
	srw_res_free(r);
}

srw_res *
srw_db_query_retry(srw_db *db, const char *sql, int retries)
{
	int attempt;
	srw_res *r;

	for (attempt = 0;; attempt++) {
		if ((r = srw_db_query(db, sql)))
			return r;
		if (attempt >= retries || !srw_db_errno_transient(db->err))
			return NULL;
		srw_sleep_ms(srw_backoff_ms(attempt, 250, 8000));
		if (db->err >= 2000) {
			unsigned saved = db->err;

			if (srw_db_reconnect(db, 0) != 0)
				db->err = saved;
		}
	}
}

char **
srw_res_next(srw_res *r, unsigned long **lens)
{
	MYSQL_ROW row;

	if (!r->r)
		return NULL;
	if (!(row = mysql_fetch_row(r->r))) {
		if (r->streamed)	/* end of rows, or an error midway */
			seterr(r->db);
		return NULL;
	}
	if (lens)
		*lens = mysql_fetch_lengths(r->r);
	return row;
}

unsigned
srw_res_ncols(const srw_res *r)
{
	return r->ncols;
}

const char *
srw_res_colname(const srw_res *r, unsigned i)
{
	return i < r->ncols ? r->fields[i].name : NULL;
}

int
srw_res_colidx(const srw_res *r, const char *name)
{
	unsigned i;

	for (i = 0; i < r->ncols; i++)
		if (strcasecmp(r->fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

unsigned long long
srw_res_nrows(const srw_res *r)
{
	return r->r ? mysql_num_rows(r->r) : 0;
}

void
srw_res_free(srw_res *r)
{
	if (!r)
		return;
	if (r->r)
		mysql_free_result(r->r);
	free(r);
}

json_t *
srw_res_value_json(const srw_res *r, unsigned i, char **row, const unsigned long *lens)
{
	json_t *v;

	if (!row[i]) {
		v = json_null();
	} else if (IS_NUM(r->fields[i].type) && r->fields[i].type != MYSQL_TYPE_TIMESTAMP) {
		char *end;
		double d = strtod(row[i], &end);

		if (*end)
			v = json_stringn(row[i], lens[i]);
		else if (r->fields[i].type == MYSQL_TYPE_DECIMAL ||
		    r->fields[i].type == MYSQL_TYPE_NEWDECIMAL ||
		    r->fields[i].type == MYSQL_TYPE_FLOAT ||
		    r->fields[i].type == MYSQL_TYPE_DOUBLE)
			v = json_real(d);
		else
			v = json_integer(strtoll(row[i], NULL, 10));
	} else {
		v = json_stringn(row[i], lens[i]);
	}
	if (!v)	/* not UTF-8 */
		v = json_string("");
	return v;
}

json_t *
srw_res_to_json(srw_res *r)
{
	json_t *arr = json_array();
	char **row;
	unsigned long *lens;
	unsigned i;

	while ((row = srw_res_next(r, &lens))) {
		json_t *o = json_object();

		for (i = 0; i < r->ncols; i++)
			json_object_set_new(o, r->fields[i].name, srw_res_value_json(r, i, row, lens));
		json_array_append_new(arr, o);
	}
	return arr;
}
