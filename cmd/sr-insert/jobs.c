/* jobs.c - sr-insert's parallel loader: rows are routed by a hash of their
 * primary-key values to one of N workers, each with its own connection and
 * INSERT builder.  Rows with the same key always go to the same worker, in
 * input order, so an upsert of a key that occurs twice still ends with the
 * later row.  The reading thread parses each line once to validate it and
 * find its key; the worker parses it again to build the INSERT (cheap next
 * to the server's work, which is what runs in parallel). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "jobs.h"

#define CHUNK_LINES 512
#define CHUNK_BYTES (1u << 20)
#define QUEUE_MAX 2	/* chunks waiting per worker: bounds memory */

struct chunk {
	srw_buf text;	/* the lines, each NUL-terminated */
	size_t n;
	long lineno[CHUNK_LINES];
	size_t off[CHUNK_LINES];
	bool flush;	/* store the worker's rows once this chunk is in */
	struct chunk *next;
};

struct worker {
	struct jobs *js;
	pthread_t tid;
	srw_db *db;
	srw_ins *ins;
	struct chunk *fill;	/* being filled by the reader */
	struct chunk *head, *tail;	/* queue */
	int queued;
	bool done;	/* no more chunks will come */
	pthread_cond_t cv;
};

struct jobs {
	const srw_table *t;
	srw_ins_opts io;
	const char *file;
	int n;
	struct worker *w;
	int *keycols;
	size_t nkeys;
	pthread_mutex_t mu;	/* queues, counters, reject output */
	bool unavailable;
	char why[512];
	unsigned long long stored, refused;
	unsigned long batches;
	jobs_reject_fn on_reject;	/* called under mu */
	void *ctx;
};

static void
refused(const char *line, size_t len, const char *reason, void *ctx)
{
	struct jobs *js = ctx;

	/* called from a worker inside srw_ins_flush: mu is not held there */
	pthread_mutex_lock(&js->mu);
	js->on_reject(line, len, 0, reason, js->ctx);
	pthread_mutex_unlock(&js->mu);
}

static void
lose_pending(struct jobs *js, struct worker *w)
{
	size_t i, n = srw_ins_pending(w->ins), len;

	for (i = 0; i < n; i++) {
		const char *l = srw_ins_pending_line(w->ins, i, &len);

		js->on_reject(l, len, 0, js->why, js->ctx);
	}
	srw_ins_drop_pending(w->ins);
}

static void
set_unavailable(struct jobs *js, struct worker *w)
{
	pthread_mutex_lock(&js->mu);
	if (!js->unavailable) {
		js->unavailable = true;
		snprintf(js->why, sizeof js->why, "database unavailable: %s",
		    srw_ins_error(w->ins)[0] ? srw_ins_error(w->ins) : srw_db_error(w->db));
	}
	lose_pending(js, w);
	pthread_mutex_unlock(&js->mu);
}

static void
run_chunk(struct jobs *js, struct worker *w, struct chunk *c)
{
	char reason[512];
	size_t i;

	for (i = 0; i < c->n; i++) {
		const char *line = c->text.s + c->off[i];
		size_t len = strlen(line);
		srw_val *row;
		int rc;

		pthread_mutex_lock(&js->mu);
		bool down = js->unavailable;
		if (down)
			js->on_reject(line, len, c->lineno[i], js->why, js->ctx);
		pthread_mutex_unlock(&js->mu);
		if (down)
			continue;
		row = srw_val_parse(line, len);
		rc = row ? srw_ins_add(w->ins, row, line, len, reason, sizeof reason) : -1;
		if (!row)
			snprintf(reason, sizeof reason, "not JSON");
		srw_val_free(row);
		if (rc == -1) {
			pthread_mutex_lock(&js->mu);
			js->on_reject(line, len, c->lineno[i], reason, js->ctx);
			pthread_mutex_unlock(&js->mu);
		} else if (rc == -2 || (srw_ins_full(w->ins) && srw_ins_flush(w->ins) != 0)) {
			set_unavailable(js, w);
			if (rc == -2) {
				pthread_mutex_lock(&js->mu);
				js->on_reject(line, len, c->lineno[i], js->why, js->ctx);
				pthread_mutex_unlock(&js->mu);
			}
		}
	}
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct jobs *js = w->js;

	for (;;) {
		struct chunk *c;

		pthread_mutex_lock(&js->mu);
		while (!w->head && !w->done)
			pthread_cond_wait(&w->cv, &js->mu);
		c = w->head;
		if (c) {
			w->head = c->next;
			if (!w->head)
				w->tail = NULL;
			w->queued--;
			pthread_cond_broadcast(&w->cv);
		}
		pthread_mutex_unlock(&js->mu);
		if (!c)
			break;
		run_chunk(js, w, c);
		if (c->flush && srw_ins_pending(w->ins) && srw_ins_flush(w->ins) != 0)
			set_unavailable(js, w);
		srw_buf_free(&c->text);
		free(c);
	}
	if (srw_ins_pending(w->ins) && srw_ins_flush(w->ins) != 0)
		set_unavailable(js, w);
	pthread_mutex_lock(&js->mu);
	js->stored += srw_ins_stored(w->ins);
	js->batches += srw_ins_batches(w->ins);
	pthread_mutex_unlock(&js->mu);
	return NULL;
}

struct jobs *
jobs_start(const srw_table *t, const srw_ins_opts *io, int n, jobs_reject_fn fn,
    void *ctx, char *err, size_t errsz)
{
	struct jobs *js = srw_xcalloc(1, sizeof *js);
	size_t i;
	int k;

	js->t = t;
	js->io = *io;
	js->io.on_reject = refused;
	js->io.reject_ctx = js;
	js->n = n;
	js->on_reject = fn;
	js->ctx = ctx;
	js->keycols = srw_xcalloc(t->ncols + 1, sizeof *js->keycols);
	for (i = 0; i < t->ncols; i++)
		if (t->cols[i].key)
			js->keycols[js->nkeys++] = (int)i;
	pthread_mutex_init(&js->mu, NULL);
	js->w = srw_xcalloc((size_t)n, sizeof *js->w);
	for (k = 0; k < n; k++) {
		struct worker *w = &js->w[k];

		w->js = js;
		if (!(w->db = srw_db_open(5, err, errsz))) {
			js->n = k;
			jobs_finish(js);
			return NULL;
		}
		w->ins = srw_ins_new(w->db, t, &js->io);
		pthread_cond_init(&w->cv, NULL);
		pthread_create(&w->tid, NULL, work, w);
	}
	return js;
}

static void
push(struct jobs *js, struct worker *w)
{
	struct chunk *c = w->fill;

	w->fill = NULL;
	pthread_mutex_lock(&js->mu);
	while (w->queued >= QUEUE_MAX)
		pthread_cond_wait(&w->cv, &js->mu);
	if (w->tail)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
	w->queued++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&js->mu);
}

int
jobs_add(struct jobs *js, const srw_val *row, const srw_line *ln)
{
	uint64_t h = SRW_HASH_SEED;
	struct worker *w;
	struct chunk *c;
	size_t k;

	if (js->unavailable)
		return -1;
	js->file = ln->file;
	for (k = 0; k < js->nkeys; k++) {
		srw_val *v = srw_val_get(row, js->t->cols[js->keycols[k]].name);
		const char *s = srw_val_str(v);
		double d;

		if (s)
			h = srw_hash64(s, strlen(s), h);
		else if (srw_val_num(v, &d))
			h = srw_hash64(&d, sizeof d, h);
		h = srw_hash64("\x1f", 1, h);
	}
	w = &js->w[srw_shard_of(h, (unsigned)js->n)];
	if (!(c = w->fill)) {
		c = w->fill = srw_xcalloc(1, sizeof *c);
		srw_buf_init(&c->text);
	}
	c->lineno[c->n] = ln->lineno;
	c->off[c->n] = c->text.len;
	srw_buf_add(&c->text, ln->text, ln->len);
	srw_buf_addc(&c->text, '\0');
	c->n++;
	if (c->n == CHUNK_LINES || c->text.len >= CHUNK_BYTES)
		push(js, w);
	return 0;
}

void
jobs_flush(struct jobs *js)
{
	int k;

	for (k = 0; k < js->n; k++) {
		struct worker *w = &js->w[k];

		if (!w->fill) {
			w->fill = srw_xcalloc(1, sizeof *w->fill);
			srw_buf_init(&w->fill->text);
		}
		w->fill->flush = true;
		push(js, w);
	}
}

int
jobs_finish(struct jobs *js)
{
	int k, rc;

	for (k = 0; k < js->n; k++) {
		struct worker *w = &js->w[k];

		if (w->fill)
			push(js, w);
		pthread_mutex_lock(&js->mu);
		w->done = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&js->mu);
	}
	for (k = 0; k < js->n; k++) {
		struct worker *w = &js->w[k];

		pthread_join(w->tid, NULL);
		srw_ins_free(w->ins);
		srw_db_close(w->db);
		pthread_cond_destroy(&w->cv);
	}
	rc = js->unavailable ? -1 : 0;
	return rc;
}

void
jobs_stats(const struct jobs *js, unsigned long long *stored, unsigned long *batches,
    const char **why)
{
	*stored = js->stored;
	*batches = js->batches;
	*why = js->unavailable ? js->why : NULL;
}

void
jobs_free(struct jobs *js)
{
	if (!js)
		return;
	pthread_mutex_destroy(&js->mu);
	free(js->keycols);
	free(js->w);
	free(js);
}
