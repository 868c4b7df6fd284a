/* insert.c - the row writer: rows checked against their columns and
 * converted to typed cells (lib/cell.c), batched by set of columns, rows
 * and bytes, handed to the backend the dialect calls for (bulk prepared statements or
 * INSERT text on MariaDB, Stream Load on StarRocks), refused rows isolated
 * by bisecting, and an optional sender thread that stores one batch while
 * the caller builds the next. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srw.h"

struct srw_ins {
	srw_ins_target tg;
	srw_ins_opts o;
	const srw_ins_backend *be;
	void *bs;	/* the backend's state */
	int *rowcols;	/* scratch: column index per key of the row being added */
	srw_cell *rowcells;	/* scratch: the row's cells, offsets into rowbytes */
	srw_buf rowbytes;
	srw_ins_batch bt[2];
	srw_ins_batch *cur;	/* being filled */
	unsigned long long stored, refused;
	unsigned long batches;
	double send_cpu;	/* CPU seconds of the thread that stored batches */
	char why[512];	/* why the last batch could not be stored */
	/* pipeline: a sender thread sends one batch while the next is built */
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	srw_ins_batch *inflight;	/* handed to the sender; NULL when it is idle */
	srw_ins_batch *failed;	/* a batch the sender could not store */
	bool quit;
};

static void
batch_init(srw_ins_batch *b, size_t ncols)
{
	memset(b, 0, sizeof *b);
	b->sig = srw_xcalloc(ncols + 1, sizeof *b->sig);
	b->cap = 1024;
	b->loff = srw_xcalloc(b->cap + 1, sizeof *b->loff);
	srw_buf_init(&b->bytes);
	srw_buf_init(&b->lines);
}

static void
batch_free(srw_ins_batch *b)
{
	free(b->sig);
	free(b->cells);
	free(b->loff);
	srw_buf_free(&b->bytes);
	srw_buf_free(&b->lines);
}

static void
clear(srw_ins_batch *b)
{
	b->n = 0;
	srw_buf_reset(&b->bytes);
	srw_buf_reset(&b->lines);
	b->loff[0] = 0;
}

int
srw_ins_db_retry(const srw_ins_target *tg, int (*fn)(void *arg), void *arg,
    char *reason, size_t rsz)
{
	int64_t deadline = srw_now_ms() + tg->o->retry_ms;
	int attempt;

	for (attempt = 0;; attempt++) {
		unsigned e;

		if (fn(arg) == 0)
			return 0;
		e = srw_db_errno(tg->db);
		if (srw_db_errno_data(e) || !srw_db_errno_transient(e)) {
			/* the data, or not obviously transient: split to find out */
			snprintf(reason, rsz, "%s", srw_db_error(tg->db));
			return 1;
		}
		if (srw_now_ms() >= deadline) {
			srw_warn("database: %s; giving up after %ld s", srw_db_error(tg->db),
			    tg->o->retry_ms / 1000);
			snprintf(reason, rsz, "%s", srw_db_error(tg->db));
			return -1;
		}
		if (attempt == 0 || srw_verbose())
			srw_warn("database: %s; retrying", srw_db_error(tg->db));
		srw_sleep_ms(srw_backoff_ms(attempt, 250, 4000));
		if (e >= 2000)
			srw_db_reconnect(tg->db, 0);
	}
}

static void
refuse(srw_ins *ins, const srw_ins_batch *b, size_t i, const char *reason)
{
	ins->refused++;
	if (ins->o.on_reject)
		ins->o.on_reject(b->lines.s + b->loff[i], b->loff[i + 1] - b->loff[i] - 1,
		    reason, ins->o.reject_ctx);
}

/* Bisects [from, to) until the rows the server refuses are isolated. */
static int
send_split(srw_ins *ins, srw_ins_batch *b, size_t from, size_t to)
{
	char reason[512] = "";
	size_t mid;
	int rc = ins->be->send(ins->bs, &ins->tg, b, from, to, reason, sizeof reason);

	if (rc == 0) {
		ins->stored += to - from;
		ins->batches++;
		return 0;
	}
	if (rc < 0) {
		snprintf(ins->why, sizeof ins->why, "%s", reason);
		return -1;
	}
	if (to - from == 1) {
		refuse(ins, b, from, reason);
		return 0;
	}
	mid = from + (to - from) / 2;
	if (send_split(ins, b, from, mid) < 0)
		return -1;
	return send_split(ins, b, mid, to);
}

static double
thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Stores batch b whole (bisecting refused rows), counting the CPU it takes:
 * the writer's share of a load, beside the reading and parsing. */
static int
send_batch(srw_ins *ins, srw_ins_batch *b)
{
	double t0 = thread_cpu();
	int rc = send_split(ins, b, 0, b->n);

	ins->send_cpu += thread_cpu() - t0;
	return rc;
}

static void *
sender(void *arg)
{
	srw_ins *ins = arg;

	pthread_mutex_lock(&ins->mu);
	for (;;) {
		srw_ins_batch *b;
		int rc;

		while (!ins->inflight && !ins->quit)
			pthread_cond_wait(&ins->cv, &ins->mu);
		if (!(b = ins->inflight))
			break;
		pthread_mutex_unlock(&ins->mu);
		rc = send_batch(ins, b);
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

static enum srw_ins_path
path_from_env(void)
{
	const char *s = srw_env("SRW_WRITE_PATH", "auto");

	if (strcmp(s, "bulk") == 0)
		return SRW_INS_BULK;
	if (strcmp(s, "insert") == 0 || strcmp(s, "text") == 0)
		return SRW_INS_TEXT;
	if (strcmp(s, "stream-load") == 0)
		return SRW_INS_STREAM_LOAD;
	if (strcmp(s, "auto") != 0)
		srw_warn("SRW_WRITE_PATH=%s: not auto, bulk, insert or stream-load; "
		    "using auto", s);
	return SRW_INS_AUTO;
}

/* The backend, and why (for -v). */
static const srw_ins_backend *
choose(const srw_ins_target *tg, const srw_ins_opts *o, const char **why)
{
	enum srw_ins_path p = o->path != SRW_INS_AUTO ? o->path : path_from_env();
	bool sr = tg->dialect == SRW_DIALECT_STARROCKS;

	if (o->dry_run) {
		*why = "a dry run prints the SQL";
		return &srw_ins_backend_text;
	}
	if (p == SRW_INS_AUTO) {
		if (sr && o->mode == SRW_INS_APPEND) {
			*why = "appending on StarRocks";
			return &srw_ins_backend_text;
		}
		p = sr ? SRW_INS_STREAM_LOAD : SRW_INS_BULK;
	}
	switch (p) {
	case SRW_INS_STREAM_LOAD:
		*why = sr ? "the starrocks dialect" : "asked for";
		return &srw_ins_backend_stream_load;
	case SRW_INS_BULK:
		if (sr) {
			*why = "StarRocks has no server-side prepared INSERT";
			return &srw_ins_backend_text;
		}
		if (!srw_db_has_bulk(tg->db)) {
			*why = "the server has no bulk prepared statements";
			return &srw_ins_backend_text;
		}
		*why = "the mariadb dialect, bulk supported";
		return &srw_ins_backend_bulk;
	default:
		*why = "asked for";
		return &srw_ins_backend_text;
	}
}

srw_ins *
srw_ins_open(srw_db *db, const srw_table *t, const srw_ins_opts *o, char *err,
    size_t errsz)
{
	srw_ins *ins = srw_xcalloc(1, sizeof *ins);
	const char *why = "";

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
	ins->tg.db = db;
	ins->tg.t = t;
	ins->tg.o = &ins->o;
	ins->tg.dialect = srw_db_dialect(db);
	ins->be = choose(&ins->tg, &ins->o, &why);
	if (!(ins->bs = ins->be->open(&ins->tg, err, errsz))) {
		free(ins);
		return NULL;
	}
	srw_info("writing %s.%s with %s (%s)", t->db, t->name, ins->be->name, why);
	ins->rowcols = srw_xcalloc(t->ncols + 1, sizeof *ins->rowcols);
	ins->rowcells = srw_xcalloc(t->ncols + 1, sizeof *ins->rowcells);
	srw_buf_init(&ins->rowbytes);
	batch_init(&ins->bt[0], t->ncols);
	batch_init(&ins->bt[1], t->ncols);
	ins->cur = &ins->bt[0];
	pthread_mutex_init(&ins->mu, NULL);
	pthread_cond_init(&ins->cv, NULL);
	if (ins->o.pipeline && !ins->o.dry_run &&
	    pthread_create(&ins->tid, NULL, sender, ins) != 0)
		ins->o.pipeline = false;
	return ins;
}

srw_ins *
srw_ins_new(srw_db *db, const srw_table *t, const srw_ins_opts *o)
{
	char err[512];
	srw_ins *ins = srw_ins_open(db, t, o, err, sizeof err);

	if (!ins)
		srw_die(SRW_EX_UNAVAILABLE, "%s", err);
	return ins;
}

const char *
srw_ins_path_name(const srw_ins *ins)
{
	return ins->be->name;
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
	ins->be->close(ins->bs);
	pthread_mutex_destroy(&ins->mu);
	pthread_cond_destroy(&ins->cv);
	free(ins->rowcols);
	free(ins->rowcells);
	srw_buf_free(&ins->rowbytes);
	batch_free(&ins->bt[0]);
	batch_free(&ins->bt[1]);
	free(ins);
}

int
srw_ins_flush(srw_ins *ins)
{
	srw_ins_batch *b = ins->cur;

	if (!ins->o.pipeline) {
		if (b->n == 0)
			return 0;
		if (send_batch(ins, b) < 0)
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
	const srw_ins_batch *b = ins->cur;

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
	const srw_ins_batch *b = ins->cur;

	return b->n >= ins->o.batch_rows ||
	    b->bytes.len + b->n * b->nsig * 8 >= ins->o.batch_bytes;
}

long
srw_ins_age_ms(const srw_ins *ins)
{
	return ins->cur->n ? (long)(srw_now_ms() - ins->cur->first_ms) : -1;
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

const char *
srw_ins_error(const srw_ins *ins)
{
	return ins->why;
}

double
srw_ins_send_cpu(const srw_ins *ins)
{
	return ins->send_cpu;
}

/* Maps the row's keys to columns in ins->rowcols; the count, or -1. */
static int
map_keys(srw_ins *ins, const srw_val *row, char *reason, size_t rsz)
{
	const srw_table *t = ins->tg.t;
	size_t nk = 0, i;
	srw_val *kv;

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
	return (int)nk;
}

/* cJSON keeps strings NUL-terminated, so a "\u0000" inside one would cut
 * it; such rows are read again from their source text with jansson, which
 * keeps lengths.  Returns the document, or NULL when there is no NUL. */
static json_t *
nul_doc(const char *line, size_t len)
{
	const char *p, *end = line + len;

	if (!line)
		return NULL;
	if (memchr(line, '\0', len))
		return json_loadb(line, len, JSON_ALLOW_NUL, NULL);
	/* backslashes are rare in rows: memchr, not memmem, on the hot path */
	for (p = line; (p = memchr(p, '\\', (size_t)(end - p))); p += 2) {
		if (end - p >= 6 && memcmp(p, "\\u0000", 6) == 0)
			return json_loadb(line, len, JSON_ALLOW_NUL, NULL);
		if (end - p < 2)
			break;
	}
	return NULL;
}

int
srw_ins_add(srw_ins *ins, const srw_val *row, const char *line, size_t len,
    char *reason, size_t rsz)
{
	const srw_table *t = ins->tg.t;
	srw_ins_batch *b;
	srw_val *kv;
	json_t *doc;
	size_t i, base;
	int nk;
	bool same;

	if ((nk = map_keys(ins, row, reason, rsz)) < 0)
		return -1;
	srw_buf_reset(&ins->rowbytes);
	doc = nul_doc(line, len);
	i = 0;
	for (kv = srw_val_first(row); kv; kv = srw_val_next(kv)) {
		const char *str = NULL;
		size_t slen = 0;

		if (i >= (size_t)nk || strcmp(t->cols[ins->rowcols[i]].name, srw_val_key(kv)) != 0)
			continue;	/* an ignored unknown key */
		if (doc && srw_val_type(kv) == SRW_STR) {
			json_t *js = json_object_get(doc, srw_val_key(kv));

			if (json_is_string(js)) {
				str = json_string_value(js);
				slen = json_string_length(js);
			}
		}
		if (srw_cell_convert(&ins->rowcells[i], &ins->rowbytes, ins->tg.dialect,
		    &t->cols[ins->rowcols[i]], kv, str, slen, reason, rsz) != 0) {
			json_decref(doc);
			return -1;
		}
		i++;
	}
	json_decref(doc);

	b = ins->cur;
	same = (size_t)nk == b->nsig &&
	    memcmp(ins->rowcols, b->sig, (size_t)nk * sizeof(int)) == 0;
	if (!same) {
		if (b->n > 0 && srw_ins_flush(ins) != 0)
			return -2;
		b = ins->cur;	/* a fresh batch after a hand-over */
		memcpy(b->sig, ins->rowcols, (size_t)nk * sizeof(int));
		b->nsig = (size_t)nk;
	}
	if (b->n == b->cap) {
		b->cap *= 2;
		b->loff = srw_xrealloc(b->loff, (b->cap + 1) * sizeof *b->loff);
	}
	if ((b->n + 1) * b->nsig > b->ccap) {
		b->ccap = b->ccap ? 2 * b->ccap : 1024 * b->nsig;
		while (b->ccap < (b->n + 1) * b->nsig)
			b->ccap *= 2;
		b->cells = srw_xrealloc(b->cells, b->ccap * sizeof *b->cells);
	}
	base = b->bytes.len;
	srw_buf_add(&b->bytes, ins->rowbytes.s, ins->rowbytes.len);
	for (i = 0; i < b->nsig; i++) {
		srw_cell *c = &b->cells[b->n * b->nsig + i];

		*c = ins->rowcells[i];
		if (c->kind == SRW_CELL_STR || c->kind == SRW_CELL_NUMTEXT)
			c->v.off += base;
	}
	if (line) {
		srw_buf_add(&b->lines, line, len);
	} else {
		char *js = srw_val_print(row);

		srw_buf_adds(&b->lines, js);
		free(js);
	}
	srw_buf_addc(&b->lines, '\n');
	if (b->n == 0)
		b->first_ms = srw_now_ms();
	b->n++;
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
