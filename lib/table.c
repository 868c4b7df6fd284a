/* table.c - table metadata from information_schema and the multi-row INSERT
 * builder with the per-dialect upsert of DESIGN.md. */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"

bool
srw_ident_ok(const char *s)
{
	int dots = 0;
	const char *p;

	if (!s || !*s || *s == '.')
		return false;
	for (p = s; *p; p++) {
		if (*p == '.') {
			if (++dots > 1 || p[1] == '\0' || p[1] == '.')
				return false;
		} else if (!isalnum((unsigned char)*p) && *p != '_') {
			return false;
		}
	}
	return p - s < 129;
}

static enum srw_coltype
coltype(const char *dt)
{
	static const char *ints[] = { "tinyint", "smallint", "mediumint", "int",
		"integer", "bigint", "largeint", "boolean", "bool", "bit", NULL };
	static const char *floats[] = { "float", "double", "decimal", "decimalv2",
		"decimal32", "decimal64", "decimal128", "numeric", "real", NULL };
	static const char *strs[] = { "char", "varchar", "text", "tinytext",
		"mediumtext", "longtext", "string", "enum", "set", NULL };
	int i;

	for (i = 0; ints[i]; i++)
		if (strcasecmp(dt, ints[i]) == 0)
			return SRW_COL_INT;
	for (i = 0; floats[i]; i++)
		if (strcasecmp(dt, floats[i]) == 0)
			return SRW_COL_FLOAT;
	for (i = 0; strs[i]; i++)
		if (strcasecmp(dt, strs[i]) == 0)
			return SRW_COL_STRING;
	if (strcasecmp(dt, "datetime") == 0 || strcasecmp(dt, "timestamp") == 0)
		return SRW_COL_DATETIME;
	if (strcasecmp(dt, "date") == 0)
		return SRW_COL_DATE;
	return SRW_COL_JSON;
}

srw_table *
srw_table_load(srw_db *db, const char *qualified, char *err, size_t errsz)
{
	srw_table *t;
	const char *dot = strchr(qualified, '.');
	srw_buf q;
	srw_res *r;
	char **row;

	if (!srw_ident_ok(qualified) || !dot) {
		snprintf(err, errsz, "'%s' is not a DB.TABLE name", qualified);
		return NULL;
	}
	t = srw_xcalloc(1, sizeof *t);
	t->db = srw_xstrndup(qualified, (size_t)(dot - qualified));
	t->name = srw_xstrdup(dot + 1);
	srw_buf_init(&q);
	srw_buf_adds(&q, "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, "
	    "IS_NULLABLE, COLUMN_KEY, COLUMN_TYPE FROM information_schema.COLUMNS "
	    "WHERE TABLE_SCHEMA = ");
	srw_db_quote(db, &q, t->db, strlen(t->db));
	srw_buf_adds(&q, " AND TABLE_NAME = ");
	srw_db_quote(db, &q, t->name, strlen(t->name));
	srw_buf_adds(&q, " ORDER BY ORDINAL_POSITION");
	r = srw_db_query_retry(db, q.s, 3);
	srw_buf_free(&q);
	if (!r) {
		snprintf(err, errsz, "reading columns of %s: %s", qualified, srw_db_error(db));
		srw_table_free(t);
		return NULL;
	}
	t->cols = srw_xcalloc(srw_res_nrows(r) + 1, sizeof *t->cols);
	while ((row = srw_res_next(r, NULL))) {
		srw_col *c = &t->cols[t->ncols++];

		c->name = srw_xstrdup(row[0]);
		c->type = coltype(row[1] ? row[1] : "");
		c->maxlen = row[2] ? atol(row[2]) : 0;
		c->nullable = row[3] && strcasecmp(row[3], "YES") == 0;
		c->key = row[4] && (strcasecmp(row[4], "PRI") == 0 || strcasecmp(row[4], "UNI") == 0);
		c->is_unsigned = row[5] && strstr(row[5], "unsigned");
		if (c->type == SRW_COL_STRING && c->maxlen > 65535 * 4)
			c->maxlen = 0;
	}
	srw_res_free(r);
	if (t->ncols == 0) {
		snprintf(err, errsz, "table %s does not exist (or has no columns); create it "
		    "with sql/%s/%s.sql", qualified, srw_db_dialect(db) == SRW_DIALECT_STARROCKS ?
		    "starrocks" : "mariadb", qualified);
		srw_table_free(t);
		return NULL;
	}
	return t;
}

void
srw_table_free(srw_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->ncols; i++)
		free(t->cols[i].name);
	free(t->cols);
	free(t->db);
	free(t->name);
	free(t);
}

int
srw_table_colidx(const srw_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- the builder ---- */

struct batch {
	int *sig;	/* column indexes of the batch, in key order */
	size_t nsig;
	srw_buf tuples;	/* "(…),(…)," */
	size_t *toff;	/* start offset of each tuple; toff[n] = tuples.len */
	srw_buf lines;	/* source lines, each with its '\n' */
	size_t *loff;
	size_t n, cap;
};

struct srw_ins {
	srw_db *db;
	const srw_table *t;
	srw_ins_opts o;
	enum srw_dialect dialect;
	int *rowcols;	/* scratch: column index per key of the row being added */
	struct batch bt[2];
	struct batch *cur;	/* being filled */
	srw_buf sql;	/* the statement being sent (sender side) */
	srw_buf val;	/* the tuple being encoded (caller side) */
	unsigned long long stored, refused;
	unsigned long batches;
	/* pipeline: a sender thread sends one batch while the next is built */
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch *inflight;	/* handed to the sender; NULL when it is idle */
	struct batch *failed;	/* a batch the sender could not store */
	bool quit;
};

static void
batch_init(struct batch *b, size_t ncols)
{
	b->sig = srw_xcalloc(ncols + 1, sizeof *b->sig);
	b->cap = 1024;
	b->toff = srw_xcalloc(b->cap + 1, sizeof *b->toff);
	b->loff = srw_xcalloc(b->cap + 1, sizeof *b->loff);
	srw_buf_init(&b->tuples);
	srw_buf_init(&b->lines);
}

static void
batch_free(struct batch *b)
{
	free(b->sig);
	free(b->toff);
	free(b->loff);
	srw_buf_free(&b->tuples);
	srw_buf_free(&b->lines);
}

static void
clear(struct batch *b)
{
	b->n = 0;
	srw_buf_reset(&b->tuples);
	srw_buf_reset(&b->lines);
	b->toff[0] = b->loff[0] = 0;
}

static int send_split(srw_ins *ins, struct batch *b, size_t from, size_t to);

static void *
sender(void *arg)
{
	srw_ins *ins = arg;

	pthread_mutex_lock(&ins->mu);
	for (;;) {
		struct batch *b;
		int rc;

		while (!ins->inflight && !ins->quit)
			pthread_cond_wait(&ins->cv, &ins->mu);
		if (!(b = ins->inflight))
			break;
		pthread_mutex_unlock(&ins->mu);
		rc = send_split(ins, b, 0, b->n);
		pthread_mutex_lock(&ins->mu);
		if (rc < 0)
			ins->failed = b;	/* kept: its rows are still pending */
		else
			clear(b);
		ins->inflight = NULL;
		pthread_cond_broadcast(&ins->cv);
	}
	pthread_mutex_unlock(&ins->mu);
	return NULL;
}

srw_ins *
srw_ins_new(srw_db *db, const srw_table *t, const srw_ins_opts *o)
{
	srw_ins *ins = srw_xcalloc(1, sizeof *ins);

	ins->db = db;
	ins->t = t;
	if (o)
		ins->o = *o;
	if (!ins->o.batch_rows)
		ins->o.batch_rows = 1000;
	if (!ins->o.batch_bytes)
		ins->o.batch_bytes = 4u << 20;
	if (!ins->o.retry_ms)
		ins->o.retry_ms = 120000;
	if (!ins->o.dry_fp)
		ins->o.dry_fp = stdout;
	ins->dialect = srw_db_dialect(db);
	ins->rowcols = srw_xcalloc(t->ncols + 1, sizeof *ins->rowcols);
	batch_init(&ins->bt[0], t->ncols);
	batch_init(&ins->bt[1], t->ncols);
	ins->cur = &ins->bt[0];
	srw_buf_init(&ins->sql);
	srw_buf_init(&ins->val);
	pthread_mutex_init(&ins->mu, NULL);
	pthread_cond_init(&ins->cv, NULL);
	if (ins->o.pipeline && !ins->o.dry_run &&
	    pthread_create(&ins->tid, NULL, sender, ins) != 0)
		ins->o.pipeline = false;
	return ins;
}

void
srw_ins_free(srw_ins *ins)
{
	if (!ins)
		return;
	if (ins->o.pipeline) {
		pthread_mutex_lock(&ins->mu);
		ins->quit = true;
		pthread_cond_broadcast(&ins->cv);
		pthread_mutex_unlock(&ins->mu);
		pthread_join(ins->tid, NULL);
	}
	pthread_mutex_destroy(&ins->mu);
	pthread_cond_destroy(&ins->cv);
	free(ins->rowcols);
	batch_free(&ins->bt[0]);
	batch_free(&ins->bt[1]);
	srw_buf_free(&ins->sql);
	srw_buf_free(&ins->val);
	free(ins);
}

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

/* Appends the SQL literal for v in column c to ins->val, or returns -1 with
 * a reason. */
static int
encode(srw_ins *ins, const srw_col *c, const srw_val *v, char *reason, size_t rsz)
{
	srw_buf *b = &ins->val;
	const char *s;
	double d;
	bool bl;
	int64_t ms;
	char tmp[40];

	switch (srw_val_type(v)) {
	case SRW_NULL:
		if (!c->nullable) {
			snprintf(reason, rsz, "column %s cannot be null", c->name);
			return -1;
		}
		srw_buf_add(b, "NULL", 4);
		return 0;
	case SRW_BOOL:
		srw_val_bool(v, &bl);
		if (c->type == SRW_COL_INT || c->type == SRW_COL_FLOAT)
			srw_buf_addc(b, bl ? '1' : '0');
		else if (c->type == SRW_COL_STRING || c->type == SRW_COL_JSON)
			srw_buf_adds(b, bl ? "'true'" : "'false'");
		else
			goto mismatch;
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
			srw_buf_add_jnum(b, d);
			return 0;
		case SRW_COL_FLOAT:
			srw_buf_add_jnum(b, d);
			return 0;
		case SRW_COL_DATETIME:
		case SRW_COL_DATE:
			/* epoch seconds or milliseconds */
			ms = fabs(d) >= 1e11 ? (int64_t)d : (int64_t)(d * 1000);
			srw_time_fmt_sql(ms, tmp);
			if (c->type == SRW_COL_DATE)
				tmp[10] = '\0';
			srw_buf_addc(b, '\'');
			srw_buf_adds(b, tmp);
			srw_buf_addc(b, '\'');
			return 0;
		default:
			srw_buf_addc(b, '\'');
			srw_buf_add_jnum(b, d);
			srw_buf_addc(b, '\'');
			return 0;
		}
	case SRW_STR:
		s = srw_val_str(v);
		switch (c->type) {
		case SRW_COL_INT:
			if (!int_text(s)) {
				snprintf(reason, rsz, "column %s wants an integer, got \"%.40s\"",
				    c->name, s);
				return -1;
			}
			srw_buf_adds(b, s);
			return 0;
		case SRW_COL_FLOAT: {
			char *end;

			d = strtod(s, &end);
			if (!*s || *end || !isfinite(d)) {
				snprintf(reason, rsz, "column %s wants a number, got \"%.40s\"",
				    c->name, s);
				return -1;
			}
			srw_buf_add_jnum(b, d);
			return 0;
		}
		case SRW_COL_DATETIME:
			if (srw_time_parse_sql(s, &ms) != 0 && srw_time_parse(s, &ms) != 0) {
				snprintf(reason, rsz, "column %s wants a date and time, got \"%.40s\"",
				    c->name, s);
				return -1;
			}
			srw_time_fmt_sql(ms, tmp);
			srw_buf_addc(b, '\'');
			srw_buf_adds(b, tmp);
			srw_buf_addc(b, '\'');
			return 0;
		case SRW_COL_DATE: {
			int y, m, dd;

			if (srw_date_parse(s, &y, &m, &dd) != 0) {
				snprintf(reason, rsz, "column %s wants a date YYYY-MM-DD, got \"%.40s\"",
				    c->name, s);
				return -1;
			}
			srw_buf_addc(b, '\'');
			srw_buf_adds(b, s);
			srw_buf_addc(b, '\'');
			return 0;
		}
		default: {
			size_t n = strlen(s);

			if (c->type == SRW_COL_STRING && c->maxlen > 0) {
				size_t have = ins->dialect == SRW_DIALECT_STARROCKS ?
				    n : utf8_chars(s, n);

				if (have > (size_t)c->maxlen) {
					snprintf(reason, rsz, "column %s holds %ld %s, value has %zu",
					    c->name, c->maxlen,
					    ins->dialect == SRW_DIALECT_STARROCKS ?
					    "bytes" : "characters", have);
					return -1;
				}
			}
			srw_sql_quote(b, s, n);
			return 0;
		}
		}
	case SRW_ARR:
	case SRW_OBJ:
		if (c->type == SRW_COL_JSON || c->type == SRW_COL_STRING) {
			char *js = srw_val_print(v);
			size_t n = strlen(js);

			if (c->type == SRW_COL_STRING && c->maxlen > 0 &&
			    utf8_chars(js, n) > (size_t)c->maxlen) {
				snprintf(reason, rsz, "column %s holds %ld characters, value has %zu",
				    c->name, c->maxlen, utf8_chars(js, n));
				free(js);
				return -1;
			}
			srw_sql_quote(b, js, n);
			free(js);
			return 0;
		}
		goto mismatch;
	default:
		goto mismatch;
	}
mismatch:
	snprintf(reason, rsz, "column %s: value of the wrong type", c->name);
	return -1;
}

static void
build_prefix(srw_ins *ins, const struct batch *bt, srw_buf *b)
{
	size_t i;

	srw_buf_printf(b, "INSERT INTO `%s`.`%s` (", ins->t->db, ins->t->name);
	for (i = 0; i < bt->nsig; i++) {
		if (i)
			srw_buf_addc(b, ',');
		srw_buf_printf(b, "`%s`", ins->t->cols[bt->sig[i]].name);
	}
	srw_buf_adds(b, ") VALUES ");
}

static void
build_suffix(srw_ins *ins, const struct batch *bt, srw_buf *b)
{
	size_t i;
	bool any = false;

	if (ins->o.mode != SRW_INS_UPSERT || ins->dialect != SRW_DIALECT_MARIADB)
		return;
	for (i = 0; i < bt->nsig; i++) {
		const srw_col *c = &ins->t->cols[bt->sig[i]];

		if (c->key)
			continue;
		srw_buf_adds(b, any ? "," : " ON DUPLICATE KEY UPDATE ");
		srw_buf_printf(b, "`%s`=VALUES(`%s`)", c->name, c->name);
		any = true;
	}
	if (!any && bt->nsig) {	/* only key columns: still an upsert */
		const char *k = ins->t->cols[bt->sig[0]].name;

		srw_buf_printf(b, " ON DUPLICATE KEY UPDATE `%s`=VALUES(`%s`)", k, k);
	}
}

/* Runs the INSERT of tuples [from, to).  0 ok, 1 data error, -1 unavailable. */
static int
send_range(srw_ins *ins, const struct batch *b, size_t from, size_t to)
{
	srw_buf *q = &ins->sql;
	int64_t deadline = srw_now_ms() + ins->o.retry_ms;
	int attempt;

	srw_buf_reset(q);
	build_prefix(ins, b, q);
	srw_buf_add(q, b->tuples.s + b->toff[from], b->toff[to] - b->toff[from] - 1);
	build_suffix(ins, b, q);
	if (ins->o.dry_run) {
		fwrite(q->s, 1, q->len, ins->o.dry_fp);
		fputs(";\n", ins->o.dry_fp);
		return 0;
	}
	for (attempt = 0;; attempt++) {
		unsigned e;

		if (srw_db_exec(ins->db, q->s, q->len) == 0) {
			ins->batches++;
			return 0;
		}
		e = srw_db_errno(ins->db);
		if (srw_db_errno_data(e) || (e == 1064 && to - from > 1 &&
		    srw_db_dialect(ins->db) == SRW_DIALECT_STARROCKS &&
		    strstr(srw_db_error(ins->db), "filtered")))
			return 1;
		if (!srw_db_errno_transient(e)) {
			/* not transient, not obviously the data: split to find out */
			return 1;
		}
		if (srw_now_ms() >= deadline) {
			srw_warn("database: %s; giving up after %ld s", srw_db_error(ins->db),
			    ins->o.retry_ms / 1000);
			return -1;
		}
		if (attempt == 0 || srw_verbose())
			srw_warn("database: %s; retrying", srw_db_error(ins->db));
		srw_sleep_ms(srw_backoff_ms(attempt, 250, 4000));
		if (e >= 2000)
			srw_db_reconnect(ins->db, 0);
	}
}

static void
refuse(srw_ins *ins, const struct batch *b, size_t i, const char *reason)
{
	ins->refused++;
	if (ins->o.on_reject)
		ins->o.on_reject(b->lines.s + b->loff[i], b->loff[i + 1] - b->loff[i] - 1,
		    reason, ins->o.reject_ctx);
}

/* Bisects [from, to) until the rows the server refuses are isolated. */
static int
send_split(srw_ins *ins, struct batch *b, size_t from, size_t to)
{
	int rc = send_range(ins, b, from, to);

	if (rc == 0) {
		ins->stored += to - from;
		return 0;
	}
	if (rc < 0)
		return -1;
	if (to - from == 1) {
		refuse(ins, b, from, srw_db_error(ins->db));
		return 0;
	}
	size_t mid = from + (to - from) / 2;
	if (send_split(ins, b, from, mid) < 0)
		return -1;
	return send_split(ins, b, mid, to);
}

int
srw_ins_flush(srw_ins *ins)
{
	struct batch *b = ins->cur;

	if (!ins->o.pipeline) {
		if (b->n == 0)
			return 0;
		if (send_split(ins, b, 0, b->n) < 0)
			return -1;	/* rows stay queued; bisected parts may be stored */
		clear(b);
		return 0;
	}
	/* hand the batch to the sender once it is done with the previous one */
	pthread_mutex_lock(&ins->mu);
	while (ins->inflight)
		pthread_cond_wait(&ins->cv, &ins->mu);
	if (ins->failed) {
		pthread_mutex_unlock(&ins->mu);
		return -1;
	}
	if (b->n) {
		ins->inflight = b;
		ins->cur = b == &ins->bt[0] ? &ins->bt[1] : &ins->bt[0];
		pthread_cond_broadcast(&ins->cv);
	}
	pthread_mutex_unlock(&ins->mu);
	return 0;
}

int
srw_ins_drain(srw_ins *ins)
{
	int rc = srw_ins_flush(ins);

	if (rc != 0 || !ins->o.pipeline)
		return rc;
	pthread_mutex_lock(&ins->mu);
	while (ins->inflight)
		pthread_cond_wait(&ins->cv, &ins->mu);
	rc = ins->failed ? -1 : 0;
	pthread_mutex_unlock(&ins->mu);
	return rc;
}

/* Pending rows: those of a batch the sender failed to store, then the
 * batch being filled.  Only meaningful once the sender is idle. */
size_t
srw_ins_pending(const srw_ins *ins)
{
	return (ins->failed ? ins->failed->n : 0) + ins->cur->n;
}

const char *
srw_ins_pending_line(const srw_ins *ins, size_t i, size_t *len)
{
	const struct batch *b = ins->cur;

	if (ins->failed) {
		if (i < ins->failed->n)
			b = ins->failed;
		else
			i -= ins->failed->n;
	}
	if (i >= b->n)
		return NULL;
	*len = b->loff[i + 1] - b->loff[i] - 1;
	return b->lines.s + b->loff[i];
}

void
srw_ins_drop_pending(srw_ins *ins)
{
	if (ins->failed) {
		clear(ins->failed);
		ins->failed = NULL;
	}
	clear(ins->cur);
}

bool
srw_ins_full(const srw_ins *ins)
{
	return ins->cur->n >= ins->o.batch_rows || ins->cur->tuples.len >= ins->o.batch_bytes;
}

unsigned long long
srw_ins_stored(const srw_ins *ins)
{
	return ins->stored;
}

unsigned long long
srw_ins_refused(const srw_ins *ins)
{
	return ins->refused;
}

unsigned long
srw_ins_batches(const srw_ins *ins)
{
	return ins->batches;
}

int
srw_ins_add(srw_ins *ins, const srw_val *row, const char *line, size_t len,
    char *reason, size_t rsz)
{
	const srw_table *t = ins->t;
	size_t nk = 0, i;
	srw_val *kv;
	struct batch *b;
	bool same;

	/* map keys to columns */
	for (kv = srw_val_first(row); kv; kv = srw_val_next(kv)) {
		const char *k = srw_val_key(kv);
		int ci;

		/* fast path: the same key at the same place as the batch's */
		if (nk < ins->cur->nsig && strcmp(t->cols[ins->cur->sig[nk]].name, k) == 0)
			ci = ins->cur->sig[nk];
		else
			ci = srw_table_colidx(t, k);
		if (ci < 0) {
			if (ins->o.ignore_unknown)
				continue;
			snprintf(reason, rsz, "unknown column '%s' in %s.%s "
			    "(--ignore-unknown drops such keys)", k, t->db, t->name);
			return -1;
		}
		for (i = 0; i < nk; i++) {
			if (ins->rowcols[i] == ci) {
				snprintf(reason, rsz, "key '%s' appears twice", k);
				return -1;
			}
		}
		if (nk >= t->ncols) {
			snprintf(reason, rsz, "too many keys");
			return -1;
		}
		ins->rowcols[nk++] = ci;
	}
	if (nk == 0) {
		snprintf(reason, rsz, "no known columns in the row");
		return -1;
	}
	for (i = 0; i < t->ncols; i++) {
		size_t j;

		if (!t->cols[i].key)
			continue;
		for (j = 0; j < nk && ins->rowcols[j] != (int)i; j++)
			;
		if (j == nk) {
			snprintf(reason, rsz, "key column %s is missing", t->cols[i].name);
			return -1;
		}
	}
	/* encode the values into the tuple */
	srw_buf_reset(&ins->val);
	srw_buf_addc(&ins->val, '(');
	i = 0;
	for (kv = srw_val_first(row); kv; kv = srw_val_next(kv)) {
		int ci = -1;

		if (i < nk && strcmp(t->cols[ins->rowcols[i]].name, srw_val_key(kv)) == 0)
			ci = ins->rowcols[i];
		if (ci < 0)
			continue;	/* an ignored unknown key */
		if (i)
			srw_buf_addc(&ins->val, ',');
		if (encode(ins, &t->cols[ci], kv, reason, rsz) != 0)
			return -1;
		i++;
	}
	srw_buf_add(&ins->val, "),", 2);

	b = ins->cur;
	same = nk == b->nsig && memcmp(ins->rowcols, b->sig, nk * sizeof(int)) == 0;
	if (!same) {
		if (b->n > 0 && srw_ins_flush(ins) != 0)
			return -2;
		b = ins->cur;	/* a fresh batch after a hand-over */
		memcpy(b->sig, ins->rowcols, nk * sizeof(int));
		b->nsig = nk;
	}
	if (b->n == b->cap) {
		b->cap *= 2;
		b->toff = srw_xrealloc(b->toff, (b->cap + 1) * sizeof *b->toff);
		b->loff = srw_xrealloc(b->loff, (b->cap + 1) * sizeof *b->loff);
	}
	srw_buf_add(&b->tuples, ins->val.s, ins->val.len);
	if (line) {
		srw_buf_add(&b->lines, line, len);
	} else {
		char *js = srw_val_print(row);

		srw_buf_adds(&b->lines, js);
		free(js);
	}
	srw_buf_addc(&b->lines, '\n');
	b->n++;
	b->toff[b->n] = b->tuples.len;
	b->loff[b->n] = b->lines.len;
	return 0;
}

int
srw_ins_add_json(srw_ins *ins, const json_t *row, char *reason, size_t rsz)
{
	char *s = srw_json_dumps(row);
	srw_val *v = srw_val_parse(s, strlen(s));
	int rc;

	if (!v) {
		free(s);
		snprintf(reason, rsz, "not JSON");
		return -1;
	}
	rc = srw_ins_add(ins, v, s, strlen(s), reason, rsz);
	srw_val_free(v);
	free(s);
	return rc;
}

int
srw_table_delete_keys(srw_db *db, const srw_table *t, char **keys, size_t nkeys,
    char **vals, size_t ntuples, bool dry_run, FILE *dry_fp)
{
	srw_buf q;
	size_t i, k;
	int rc = 0;

	for (k = 0; k < nkeys; k++)
		if (srw_table_colidx(t, keys[k]) < 0) {
			srw_warn("--replace-key: %s is not a column of %s.%s", keys[k], t->db,
			    t->name);
			return -1;
		}
	if (ntuples == 0)
		return 0;
	srw_buf_init(&q);
	srw_buf_printf(&q, "DELETE FROM `%s`.`%s` WHERE ", t->db, t->name);
	for (i = 0; i < ntuples; i++) {
		srw_buf_adds(&q, i ? " OR (" : "(");
		for (k = 0; k < nkeys; k++) {
			const char *v = vals[i * nkeys + k];

			if (k)
				srw_buf_adds(&q, " AND ");
			if (v) {
				srw_buf_printf(&q, "`%s` = ", keys[k]);
				srw_db_quote(db, &q, v, strlen(v));
			} else {
				srw_buf_printf(&q, "`%s` IS NULL", keys[k]);
			}
		}
		srw_buf_addc(&q, ')');
	}
	if (dry_run) {
		fprintf(dry_fp ? dry_fp : stdout, "%s;\n", q.s);
	} else if (srw_db_exec_retry(db, q.s, q.len, 8) != 0) {
		srw_warn("delete for --replace-key: %s", srw_db_error(db));
		rc = -1;
	}
	srw_buf_free(&q);
	return rc;
}
