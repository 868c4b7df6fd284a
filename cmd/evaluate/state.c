/* state.c - evaluate --state FILE: every alert's state (pending, firing,
 * keep_firing_for, last sent, last value) and what the numbat rules watch
 * (heartbeats seen, ttls), with the evaluation clock, in one file replaced
 * atomically after each evaluation that changed it, and read back at start.
 *
 * The file is NDJSON, so people can read it and jq can query it:
 *   line 1   {"srwatch_evaluate_state":1, clock, groups' next evaluation}
 *   per rule {"rule":HASH,"group":G,"name":N}
 *   then its {"alert":FP,...} and {"track":FP,...} lines
 *   last     {"end":LINES}  (a file without it was cut short)
 * A rule is known by a hash of its definition, so a rule edited while
 * evaluate was down loses its state and nothing else does. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srw.h"
#include "evaluate.h"

#define NOTSET INT64_MIN
#define FORMAT 1

static uint64_t
h_str(uint64_t h, const char *s)
{
	if (!s)
		s = "\x01";
	return srw_hash64("\xff", 1, srw_hash64(s, strlen(s), h));
}

static uint64_t
h_int(uint64_t h, int64_t v)
{
	char t[32];

	snprintf(t, sizeof t, "%lld", (long long)v);
	return h_str(h, t);
}

/* What makes a rule's alerts the same alerts: not its annotations (texts
 * are rebuilt when sent), not its file or line. */
static uint64_t
rule_hash(const srw_rule_group *g, const srw_rule *r)
{
	uint64_t h = SRW_HASH_SEED;
	char t[64];
	size_t i;

	h = h_str(h, g->name);
	h = h_int(h, r->kind);
	h = h_str(h, r->name);
	h = h_str(h, r->expr);
	h = h_int(h, r->for_ms);
	h = h_int(h, r->keep_firing_for_ms);
	for (i = 0; i < 2 * r->nlabels; i++)
		h = h_str(h, r->label_kv[i]);
	h = h_str(h, r->service);
	h = h_int(h, r->timeout_ms);
	h = h_int(h, r->window_ms);
	h = h_str(h, r->method);
	snprintf(t, sizeof t, "%.17g", r->threshold);
	h = h_str(h, t);
	for (i = 0; i < 2 * r->nwhere; i++)
		h = h_str(h, r->where_kv[i]);
	for (i = 0; r->tags && r->tags[i]; i++)
		h = h_str(h, r->tags[i]);
	return h;
}

/* ---- writing ------------------------------------------------------------ */

static void
put_hex(srw_buf *b, const char *key, uint64_t v)
{
	static const char dig[] = "0123456789abcdef";
	char t[17];
	int i;

	for (i = 15; i >= 0; i--, v >>= 4)
		t[i] = dig[v & 15];
	t[16] = 0;
	srw_jw_str(b, key, t);
}

static void
put_time(srw_buf *b, const char *key, int64_t v)
{
	if (v == NOTSET)
		srw_jw_null(b, key);
	else
		srw_jw_int(b, key, v);
}

static void
put_kv(srw_buf *b, const char *key, const char *const *kv, size_t n)
{
	size_t i;

	srw_jw_obj(b, key);
	for (i = 0; i < n; i++)
		srw_jw_str(b, kv[2 * i], kv[2 * i + 1]);
	srw_jw_close(b, '}');
}

/* JSON has no NaN or infinities; a rule's value can be either.  %.17g
 * reads back to the same double without the round trip of the shortest
 * form (the state is written often, read once). */
static void
put_value(srw_buf *b, const char *key, double v)
{
	char t[32];

	if (!isfinite(v)) {
		srw_jw_str(b, key, isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
	} else if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) {
		srw_jw_int(b, key, (int64_t)v);
	} else {
		snprintf(t, sizeof t, "%.17g", v);
		srw_jw_raw(b, key, t);
	}
}

/* Does the alert's label set hide this sample label?  (The rule's labels
 * and alertname override the sample's; __name__ is dropped.) */
static bool
overridden(const srw_rule *r, const char *k)
{
	size_t i;

	if (strcmp(k, "alertname") == 0 || strcmp(k, "__name__") == 0)
		return true;
	for (i = 0; r && i < r->nlabels; i++)
		if (strcmp(r->label_kv[2 * i], k) == 0)
			return true;
	return false;
}

/* The sample's labels (what templates see) are mostly the alert's own:
 * only the ones the alert's labels do not show are written. */
static void
put_sample(srw_buf *b, const alert *a)
{
	uint32_t i;

	srw_jw_obj(b, "sample");
	for (i = 0; a->sls && i < a->sls->n; i++)
		if (overridden(a->rule, a->sls->kv[2 * i]))
			srw_jw_str(b, a->sls->kv[2 * i], a->sls->kv[2 * i + 1]);
	srw_jw_close(b, '}');
}

/* An alert already written needs only what changed: its state and clocks
 * ("update"), folded into its first line when the state is read. */
static void
put_alert(srw_buf *b, const alert *a, bool whole)
{
	srw_jw_begin(b);
	put_hex(b, "alert", a->fp);
	put_hex(b, "key", a->key);
	srw_jw_str(b, "state", a->state == ST_FIRING ? "firing" : "pending");
	if (whole) {
		put_kv(b, "labels", (const char *const *)a->kv, a->n);
		put_sample(b, a);
		if (a->nann)
			put_kv(b, "annotations", (const char *const *)a->ann, a->nann);
	} else {
		srw_jw_bool(b, "update", true);
	}
	put_time(b, "active_at", a->active_at);
	if (a->state == ST_FIRING) {
		put_time(b, "fired_at", a->fired_at);
		put_time(b, "last_sent", a->last_sent);
	}
	put_time(b, "keep_since", a->keep_since);
	/* the value a resolved event's annotations show when no evaluation
	 * sees the alert again; a pending alert sends nothing with it */
	if (a->state == ST_FIRING)
		put_value(b, "value", a->value);
	srw_jw_end(b);
}

static void
put_track(srw_buf *b, const track *k)
{
	srw_jw_begin(b);
	put_hex(b, "track", k->fp);
	put_kv(b, "labels", (const char *const *)k->kv, k->n);
	put_time(b, "last", k->last);
	srw_jw_int(b, "ttl", k->ttl);
	srw_jw_end(b);
}

/* Where a restarted evaluate wants its input to start again: the longest
 * range any rule reads, before the last evaluation (which it does again). */
static int64_t
resume_from(const struct ev *e)
{
	int64_t t = e->watermark;
	size_t g;

	if (t == NOTSET)
		return NOTSET;
	for (g = 0; g < e->rs.ngroups; g++)
		if (e->next[g] != NOTSET && e->next[g] - e->rs.groups[g].interval_ms < t)
			t = e->next[g] - e->rs.groups[g].interval_ms;
	t -= e->pq ? srw_pq_horizon(e->pq) : 0;
	return t < e->started ? e->started : t;	/* nothing before the first point */
}

/* The clock: a snapshot's first line, or a journal block's. */
static void
put_header(srw_buf *b, struct ev *e, const char *kind)
{
	char t[32];
	size_t g;

	srw_jw_begin(b);
	srw_jw_int(b, kind, strcmp(kind, "journal") == 0 ? e->state_gen : FORMAT);
	srw_jw_int(b, "gen", e->state_gen);
	srw_jw_str(b, "saved_at", srw_time_fmt_rfc3339(srw_now_ms(), t));
	put_time(b, "watermark", e->watermark);
	put_time(b, "started", e->started);
	put_time(b, "resume_from", resume_from(e));
	srw_jw_arr(b, "groups");
	for (g = 0; g < e->rs.ngroups; g++) {
		srw_buf_adds(b, g ? ",{" : "{");
		srw_jw_str(b, "name", e->rs.groups[g].name);
		srw_jw_int(b, "interval", e->rs.groups[g].interval_ms);
		put_time(b, "next", e->next[g]);
		srw_buf_adds(b, "}");
	}
	srw_jw_close(b, ']');
	srw_jw_end(b);
}

/* Every rule's state (a snapshot), or what changed (a journal block): per
 * changed rule, the alerts that went away, the alerts that changed, and
 * the watched series when they did. */
static size_t
put_rules(srw_buf *b, struct ev *e, bool all)
{
	size_t g, i, k, lines = 0;

	for (g = 0; g < e->rs.ngroups; g++) {
		srw_rule_group *G = &e->rs.groups[g];

		for (i = 0; i < G->nrules; i++) {
			srw_rule *r = &G->rules[i];
			rstate *s = r->user;
			bool tracks = all || s->tracks_dirty;

			if (!s || r->kind == SRW_RULE_RECORD || (all ? !s->n && !s->nt : !s->dirty))
				continue;
			if (s->hashed != r) {	/* rules change only on reload */
				s->hash = rule_hash(G, r);
				s->hashed = r;
			}
			srw_jw_begin(b);
			put_hex(b, "rule", s->hash);
			srw_jw_str(b, "group", G->name);
			srw_jw_str(b, "name", r->name);
			if (!all) {
				srw_jw_bool(b, "upsert", true);
				srw_jw_bool(b, "tracks", tracks);
			}
			srw_jw_end(b);
			lines++;
			for (k = 0; !all && k < s->ngone; k++, lines++) {
				srw_jw_begin(b);
				put_hex(b, "gone", s->gone[k]);
				srw_jw_end(b);
			}
			for (k = 0; k < s->n; k++)
				if (all || s->a[k].changed) {
					put_alert(b, &s->a[k], all || !s->a[k].written);
					lines++;
				}
			for (k = 0; tracks && k < s->nt; k++, lines++)
				put_track(b, &s->t[k]);
		}
	}
	return lines;
}

/* After a write: nothing is changed any more. */
static void
clean(struct ev *e, bool all)
{
	size_t g, i, k;

	for (g = 0; g < e->rs.ngroups; g++)
		for (i = 0; i < e->rs.groups[g].nrules; i++) {
			rstate *s = e->rs.groups[g].rules[i].user;

			if (!s || (!all && !s->dirty))
				continue;
			for (k = 0; k < s->n; k++) {
				s->a[k].changed = false;
				s->a[k].written = true;
			}
			s->ngone = 0;
			s->dirty = s->tracks_dirty = false;
		}
}

/* A change costs what changed: the rules it touched are appended to
 * FILE.journal as one block (fsync'd, ended by an "end" line so a torn
 * block is seen); when the journal outgrows the snapshot, a new snapshot
 * replaces FILE atomically and the journal starts again.  A generation
 * number ties the journal to its snapshot, so a crash between the two
 * steps never replays an old journal over a new snapshot. */
void
ev_state_save(struct ev *e)
{
	srw_buf *b = &e->stbuf;
	char err[512];
	size_t lines;
	bool full = e->state_full || !e->state_gen ||
	    e->journal_bytes > 4 * (e->state_bytes > 65536 ? e->state_bytes : 65536);
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	srw_buf_reset(b);
	if (full) {
		int64_t now = srw_now_ms();

		for (size_t g = 0; g < e->rs.ngroups; g++)	/* a reload may reuse addresses */
			for (size_t i = 0; i < e->rs.groups[g].nrules; i++)
				if (e->rs.groups[g].rules[i].user)
					((rstate *)e->rs.groups[g].rules[i].user)->hashed = NULL;

		e->state_gen = now > e->state_gen ? now : e->state_gen + 1;
		put_header(b, e, "srwatch_evaluate_state");
	} else {
		put_header(b, e, "journal");
	}
	lines = 1 + put_rules(b, e, full);
	srw_jw_begin(b);
	srw_jw_int(b, "end", (int64_t)lines);
	srw_jw_end(b);
	if (full) {
		rc = srw_file_replace(e->state_path, b->s, b->len, err, sizeof err);
		if (rc == 0 && (rc = srw_file_replace(e->journal_path, "", 0, err, sizeof err)) == 0) {
			e->state_bytes = b->len;
			e->journal_bytes = 0;
			e->state_snapshots++;
		}
	} else {
		rc = srw_file_append_sync(e->journal_path, b->s, b->len, err, sizeof err);
		if (rc == 0)
			e->journal_bytes += b->len;
	}
	if (rc != 0) {
		/* keep running: alerts still go out; the next change writes a
		 * whole snapshot again */
		if (e->state_errors++ == 0 || srw_verbose())
			srw_warn("--state: %s", err);
		e->state_full = true;
		return;
	}
	clean(e, full);
	e->dirty = e->state_full = false;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	e->state_writes++;
	*(full ? &e->state_write_ns : &e->journal_write_ns) += (t1.tv_sec - t0.tv_sec) *
	    1000000000LL + (t1.tv_nsec - t0.tv_nsec);
	if (b->cap > (1 << 20) && b->len < b->cap / 4)
		srw_buf_free(b);	/* a burst of alerts is over: give the memory back */
}

/* Events out before the state that says they were sent: a crash in between
 * sends an event twice (a resend), never loses one. */
void
ev_state_commit(struct ev *e)
{
	ev_flush(e);
	ev_state_save(e);
}

/* ---- reading ------------------------------------------------------------ */

static bool
get_time(const srw_val *o, const char *key, int64_t *out)
{
	srw_val *v = srw_val_get(o, key);
	double d;

	if (!v || srw_val_type(v) == SRW_NULL) {
		*out = NOTSET;
		return true;
	}
	if (srw_val_type(v) != SRW_NUM || !srw_val_num(v, &d) || !(fabs(d) < 9e15))
		return false;
	*out = (int64_t)d;
	return true;
}

static bool
get_hex(const srw_val *o, const char *key, uint64_t *out)
{
	const char *s = srw_val_get_str(o, key);
	char *end;

	if (!s || strlen(s) != 16)
		return false;
	errno = 0;
	*out = strtoull(s, &end, 16);
	return *end == 0 && errno == 0;
}

static bool
get_value(const srw_val *o, const char *key, double *out)
{
	srw_val *v = srw_val_get(o, key);

	if (v && srw_val_str(v)) {
		*out = strtod(srw_val_str(v), NULL);
		return true;
	}
	return v && srw_val_type(v) == SRW_NUM && srw_val_num(v, out);
}

/* A label object as name, value pairs (NULL-terminated, kv_dup's layout). */
static char **
get_kv(const srw_val *o, const char *key, size_t *n)
{
	srw_val *obj = srw_val_get(o, key), *x;
	char **kv;
	size_t i = 0;

	*n = 0;
	if (!obj || srw_val_type(obj) != SRW_OBJ)
		return NULL;
	for (x = srw_val_first(obj); x; x = srw_val_next(x)) {
		if (!srw_val_str(x))
			return NULL;
		(*n)++;
	}
	kv = srw_xmalloc((2 * *n + 1) * sizeof *kv);
	for (x = srw_val_first(obj); x; x = srw_val_next(x)) {
		kv[i++] = srw_xstrdup(srw_val_key(x));
		kv[i++] = srw_xstrdup(srw_val_str(x));
	}
	kv[i] = NULL;
	return kv;
}

static void
kv_free(char **kv, size_t n)
{
	size_t i;

	for (i = 0; kv && i < 2 * n; i++)
		free(kv[i]);
	free(kv);
}

static int
pair_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sample's labels back: the alert's labels the rule does not override,
 * and the ones written apart.  One allocation, as engine.c's copies, so
 * free() releases it. */
static srw_lset *
lset_from(const srw_rule *r, char **lab, size_t nlab, char **extra, size_t nextra)
{
	size_t i, n = 0, sz = sizeof(srw_lset);
	const char **kv = srw_xmalloc((2 * (nlab + nextra) + 1) * sizeof *kv);
	srw_lset *ls;
	char *p;

	for (i = 0; i < nextra; i++) {
		kv[2 * n] = extra[2 * i];
		kv[2 * n++ + 1] = extra[2 * i + 1];
	}
	for (i = 0; i < nlab; i++)
		if (!overridden(r, lab[2 * i])) {
			kv[2 * n] = lab[2 * i];
			kv[2 * n++ + 1] = lab[2 * i + 1];
		}
	qsort(kv, n, 2 * sizeof *kv, pair_cmp);
	sz += 2 * n * sizeof(char *);

	for (i = 0; i < 2 * n; i++)
		sz += strlen(kv[i]) + 1;
	ls = srw_xmalloc(sz);
	ls->n = (uint32_t)n;
	ls->hash = 0;
	p = (char *)ls + sizeof *ls + 2 * n * sizeof(char *);
	for (i = 0; i < 2 * n; i++) {
		size_t l = strlen(kv[i]) + 1;

		memcpy(p, kv[i], l);
		ls->kv[i] = p;
		p += l;
	}
	free(kv);
	return ls;
}

/* r: the rule the alert belongs to, NULL when only checking */
static bool
read_alert(const srw_val *o, alert *a, const srw_rule *r)
{
	const char *st = srw_val_get_str(o, "state");
	char **skv = NULL;
	size_t sn = 0;
	bool update = false;

	memset(a, 0, sizeof *a);
	srw_val_bool(srw_val_get(o, "update"), &update);
	if (!get_hex(o, "alert", &a->fp) || !get_hex(o, "key", &a->key) || !st ||
	    (strcmp(st, "firing") != 0 && strcmp(st, "pending") != 0) ||
	    !get_time(o, "active_at", &a->active_at) || a->active_at == NOTSET ||
	    !get_time(o, "fired_at", &a->fired_at) || !get_time(o, "last_sent", &a->last_sent) ||
	    !get_time(o, "keep_since", &a->keep_since) ||
	    (srw_val_get(o, "value") && !get_value(o, "value", &a->value)) ||
	    (!update && (!(a->kv = get_kv(o, "labels", &a->n)) || !(skv = get_kv(o, "sample", &sn))))) {
		kv_free(a->kv, a->n);
		return false;
	}
	a->state = strcmp(st, "firing") == 0 ? ST_FIRING : ST_PENDING;
	if (a->state == ST_FIRING && (a->fired_at == NOTSET || a->last_sent == NOTSET)) {
		kv_free(a->kv, a->n);
		kv_free(skv, sn);
		return false;
	}
	if (update)
		return true;	/* no labels: an update of the alert's earlier line */
	a->sls = lset_from(r, a->kv, a->n, skv, sn);
	kv_free(skv, sn);
	a->ann = get_kv(o, "annotations", &a->nann);
	return true;
}

static void
alert_release(alert *a)
{
	kv_free(a->kv, a->n);
	kv_free(a->ann, a->nann);
	free(a->sls);
}

static bool
read_track(const srw_val *o, track *k)
{
	double ttl;

	memset(k, 0, sizeof *k);
	if (!get_hex(o, "track", &k->fp) || !get_time(o, "last", &k->last) || k->last == NOTSET ||
	    !srw_val_get_num(o, "ttl", &ttl) || !(k->kv = get_kv(o, "labels", &k->n)))
		return false;
	k->ttl = (int64_t)ttl;
	return true;
}

typedef struct line {
	char *s;
	size_t len;
} line;

static char *
slurp(const char *path, size_t *len, int *err)
{
	FILE *fp = fopen(path, "r");
	srw_buf b;
	char chunk[65536];
	size_t n;

	*err = 0;
	if (!fp) {
		*err = errno;
		return NULL;
	}
	srw_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		srw_buf_add(&b, chunk, n);
	if (ferror(fp))
		*err = errno ? errno : EIO;
	fclose(fp);
	if (!b.s)
		srw_buf_adds(&b, "");
	*len = b.len;
	return b.s;
}

static srw_rule *rule_by_hash(struct ev *e, uint64_t h);

/* One rule's saved state, before it is matched with the rules in force. */
typedef struct saved {
	uint64_t h;
	char *group, *name;
	const srw_rule *rule;	/* the rule in force with this hash, if any */
	bool merge;		/* journal updates to fold: later lines win */
	alert *a;
	size_t n, cap;
	track *t;
	size_t nt, capt;
} saved;

typedef struct loaded {
	saved *s;
	size_t n, cap;
	srw_val *clock;		/* the header with the latest clock */
} loaded;

static void
saved_clear(saved *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		alert_release(&s->a[i]);
	for (i = 0; i < s->nt; i++)
		kv_free(s->t[i].kv, s->t[i].n);
	s->n = s->nt = 0;
}

static void
loaded_free(loaded *ld)
{
	size_t i;

	for (i = 0; i < ld->n; i++) {
		saved_clear(&ld->s[i]);
		free(ld->s[i].a);
		free(ld->s[i].t);
		free(ld->s[i].group);
		free(ld->s[i].name);
	}
	free(ld->s);
	srw_val_free(ld->clock);
}

/* Is this one good state line?  (Not the header nor the end line.) */
static bool
good_line(const srw_val *v)
{
	alert a;
	track k;
	uint64_t h;

	if (srw_val_get(v, "alert")) {
		if (!read_alert(v, &a, NULL))
			return false;
		alert_release(&a);
		return true;
	}
	if (srw_val_get(v, "track")) {
		if (!read_track(v, &k))
			return false;
		kv_free(k.kv, k.n);
		return true;
	}
	if (srw_val_get(v, "gone"))
		return get_hex(v, "gone", &h);
	return get_hex(v, "rule", &h) && srw_val_get_str(v, "group") && srw_val_get_str(v, "name");
}

/* Checks lines L[0..n): a header (kind, generation gen or any when 0), good
 * lines, and an end line counting them; *len is where the block ends.  NULL
 * or the reason.  A block that is not entirely good is not used. */
static const char *
check_block(line *L, size_t n, const char *kind, int64_t gen, size_t *len)
{
	static char why[160];
	srw_val *v;
	double d, g;
	size_t i;

	if (!(v = srw_val_parse(L[0].s, L[0].len)) || srw_val_type(v) != SRW_OBJ ||
	    !srw_val_get_num(v, kind, &d) || !srw_val_get_num(v, "gen", &g)) {
		srw_val_free(v);
		return strcmp(kind, "journal") == 0 ? "not a journal block" :
		    "not an evaluate state file";
	}
	srw_val_free(v);
	if (strcmp(kind, "journal") != 0 && d != FORMAT) {
		snprintf(why, sizeof why, "format %g, this evaluate reads format %d", d, FORMAT);
		return why;
	}
	if (gen && g != (double)gen)
		return "of another generation";
	for (i = 1; i < n; i++) {
		bool good;

		if (!(v = srw_val_parse(L[i].s, L[i].len)) || srw_val_type(v) != SRW_OBJ) {
			srw_val_free(v);
			snprintf(why, sizeof why, "line %zu: not a JSON object", i + 1);
			return why;
		}
		if (srw_val_get(v, "end")) {
			good = srw_val_get_num(v, "end", &d) && d == (double)i;
			srw_val_free(v);
			*len = i + 1;
			return good ? NULL : "cut short (end line wrong)";
		}
		good = good_line(v);
		srw_val_free(v);
		if (!good) {
			snprintf(why, sizeof why, "line %zu: bad or missing field", i + 1);
			return why;
		}
	}
	return "cut short (no end line)";
}

static saved *
saved_for(loaded *ld, uint64_t h, const char *group, const char *name)
{
	size_t i;

	for (i = 0; i < ld->n; i++)
		if (ld->s[i].h == h)
			return &ld->s[i];
	if (ld->n == ld->cap)
		ld->s = srw_xrealloc(ld->s, (ld->cap = ld->cap * 2 + 16) * sizeof *ld->s);
	memset(&ld->s[ld->n], 0, sizeof *ld->s);
	ld->s[ld->n].h = h;
	ld->s[ld->n].group = srw_xstrdup(group);
	ld->s[ld->n].name = srw_xstrdup(name);
	return &ld->s[ld->n++];
}

static alert *
saved_add(saved *s)
{
	if (s->n == s->cap)
		s->a = srw_xrealloc(s->a, (s->cap = s->cap * 2 + 8) * sizeof *s->a);
	return &s->a[s->n++];
}

/* Applies a checked block: its clock, and each rule section: a whole
 * rule's state (snapshot), or updates to it (journal: alerts replace the
 * alert with their key, "gone" removes one, tracks replace all tracks). */
static void
take_block(struct ev *e, loaded *ld, line *L, size_t n)
{
	saved *cur = NULL;
	size_t i, k;

	srw_val_free(ld->clock);
	ld->clock = srw_val_parse(L[0].s, L[0].len);
	for (i = 1; i + 1 < n; i++) {
		srw_val *v = srw_val_parse(L[i].s, L[i].len);
		alert a;
		track k1;
		uint64_t h;
		bool up = false, tracks = true;

		if (get_hex(v, "rule", &h)) {
			cur = saved_for(ld, h, srw_val_get_str(v, "group"), srw_val_get_str(v, "name"));
			cur->rule = rule_by_hash(e, h);
			srw_val_bool(srw_val_get(v, "upsert"), &up);
			if (up)
				srw_val_bool(srw_val_get(v, "tracks"), &tracks);
			if (!up) {
				for (k = 0; k < cur->n; k++)
					alert_release(&cur->a[k]);
				cur->n = 0;
			}
			cur->merge |= up;
			if (tracks) {
				for (k = 0; k < cur->nt; k++)
					kv_free(cur->t[k].kv, cur->t[k].n);
				cur->nt = 0;
			}
		} else if (cur && get_hex(v, "gone", &h)) {
			alert *t = saved_add(cur);

			memset(t, 0, sizeof *t);
			t->key = h;
			t->state = ST_INACTIVE;	/* a tombstone */
		} else if (cur && srw_val_get(v, "alert") && read_alert(v, &a, cur->rule)) {
			*saved_add(cur) = a;
		} else if (cur && srw_val_get(v, "track") && read_track(v, &k1)) {
			if (cur->nt == cur->capt)
				cur->t = srw_xrealloc(cur->t, (cur->capt = cur->capt * 2 + 8) * sizeof *cur->t);
			cur->t[cur->nt++] = k1;
		}
		srw_val_free(v);
	}
}

static const alert *sort_base;

static int
by_key_then_order(const void *x, const void *y)
{
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	uint64_t a = sort_base[i].key, b = sort_base[j].key;

	return a < b ? -1 : a > b ? 1 : i < j ? -1 : i > j;
}

typedef struct kept {
	size_t pos;
	alert a;
} kept;

static int
by_pos(const void *x, const void *y)
{
	size_t a = ((const kept *)x)->pos, b = ((const kept *)y)->pos;

	return a < b ? -1 : a > b;
}

/* Folds a rule's journal updates: the last line for each key wins, a
 * tombstone removes it.  Alerts keep the order an uninterrupted run has
 * (where an alert was first added, again after a removal), since that is
 * the order of their events within an evaluation. */
static void
fold(saved *s)
{
	size_t *ix, i, j, t, f, u, k = 0;
	kept *out;
	bool live;

	if (!s->merge || !s->n)
		return;
	ix = srw_xmalloc(s->n * sizeof *ix);
	for (i = 0; i < s->n; i++)
		ix[i] = i;
	sort_base = s->a;
	qsort(ix, s->n, sizeof *ix, by_key_then_order);
	out = srw_xmalloc(s->n * sizeof *out);
	for (i = 0; i < s->n; i = j) {
		for (j = i; j < s->n && s->a[ix[j]].key == s->a[ix[i]].key; j++)
			;
		for (t = j; t > i && s->a[ix[t - 1]].state != ST_INACTIVE; t--)
			;
		/* lines ix[t..j) are the alert's last life (t == j: it is gone):
		 * its last whole line, and the updates after it */
		for (f = j; f > t && !s->a[ix[f - 1]].kv; f--)
			;
		live = f > t;
		if (live) {
			alert *w = &s->a[ix[f - 1]], *u = &s->a[ix[j - 1]];

			if (u != w) {
				w->state = u->state;
				w->active_at = u->active_at;
				w->fired_at = u->fired_at;
				w->last_sent = u->last_sent;
				w->keep_since = u->keep_since;
				w->value = u->value;
			}
			out[k].pos = ix[t];
			out[k++].a = *w;
		}
		for (u = i; u < j; u++)
			if (!(live && u == f - 1))
				alert_release(&s->a[ix[u]]);
	}
	free(ix);
	qsort(out, k, sizeof *out, by_pos);
	for (i = 0; i < k; i++)
		s->a[i] = out[i].a;
	free(out);
	s->n = k;
	s->merge = false;
}

static line *
split_lines(char *text, size_t len, size_t *n)
{
	line *L = NULL;
	size_t cap = 0;
	char *p;

	*n = 0;
	for (p = text; p < text + len;) {
		char *nl = memchr(p, '\n', text + len - p);
		size_t l = nl ? (size_t)(nl - p) : (size_t)(text + len - p);

		if (*n == cap)
			L = srw_xrealloc(L, (cap = cap * 2 + 64) * sizeof *L);
		L[*n].s = p;
		L[(*n)++].len = l;
		p += l + 1;
	}
	return L;
}

/* The journal's good blocks of generation gen, in order, up to the first
 * bad one (a block torn by a crash is the last one). */
static void
read_journal(struct ev *e, loaded *ld, int64_t gen)
{
	size_t len, n, i, blen, nb = 0;
	int err;
	char *text = slurp(e->journal_path, &len, &err);
	line *L;
	const char *why;

	if (!text)
		return;
	L = split_lines(text, len, &n);
	for (i = 0; i < n; i += blen) {
		blen = 0;
		if ((why = check_block(L + i, n - i, "journal", gen, &blen))) {
			srw_info("%s: line %zu: %s: the journal is used up to there", e->journal_path,
			    i + 1, why);
			break;
		}
		take_block(e, ld, L + i, blen);
		nb++;
	}
	srw_debug("%s: %zu blocks", e->journal_path, nb);
	e->journal_bytes = len;
	free(L);
	free(text);
}

static srw_rule *
rule_by_hash(struct ev *e, uint64_t h)
{
	size_t g, i;

	for (g = 0; g < e->rs.ngroups; g++)
		for (i = 0; i < e->rs.groups[g].nrules; i++)
			if (rule_hash(&e->rs.groups[g], &e->rs.groups[g].rules[i]) == h)
				return &e->rs.groups[g].rules[i];
	return NULL;
}

static bool
rule_named(struct ev *e, const char *group, const char *name)
{
	size_t g, i;

	for (g = 0; g < e->rs.ngroups; g++)
		for (i = 0; i < e->rs.groups[g].nrules; i++)
			if (strcmp(e->rs.groups[g].name, group) == 0 &&
			    strcmp(e->rs.groups[g].rules[i].name, name) == 0)
				return true;
	return false;
}

static void
restore_clock(struct ev *e, const srw_val *hdr)
{
	srw_val *gs = srw_val_get(hdr, "groups"), *x;
	size_t g;

	get_time(hdr, "watermark", &e->watermark);
	get_time(hdr, "started", &e->started);
	get_time(hdr, "resume_from", &e->resume_from);
	if (e->watermark == NOTSET || e->started == NOTSET) {
		e->watermark = e->started = NOTSET;
		return;
	}
	for (x = srw_val_first(gs); x; x = srw_val_next(x)) {
		const char *name = srw_val_get_str(x, "name");
		double iv;
		int64_t next;

		if (!name || !srw_val_get_num(x, "interval", &iv) || !get_time(x, "next", &next))
			continue;
		for (g = 0; g < e->rs.ngroups; g++)
			if (strcmp(e->rs.groups[g].name, name) == 0 &&
			    e->rs.groups[g].interval_ms == (int64_t)iv)
				/* the last evaluation again: idempotent on the
				 * state, it refreshes the alerts' values from
				 * the replayed input */
				e->next[g] = next == NOTSET ? next : next - (int64_t)iv;
	}
}

/* The saved state meets the rules in force: a rule with the same hash gets
 * its state back; a rule that changed or went away while evaluate was
 * down has its firing alerts resolved, as a reload would. */
static void
apply(struct ev *e, loaded *ld)
{
	size_t i, k, nalerts = 0, nfiring = 0, ntracks = 0, dropped = 0;
	char t1[32], t2[32];

	restore_clock(e, ld->clock);
	for (i = 0; i < ld->n; i++) {
		saved *sv = &ld->s[i];
		srw_rule *r = rule_by_hash(e, sv->h);
		rstate *s = r ? r->user : NULL;

		fold(sv);
		if (!sv->n && !sv->nt)
			continue;
		if (!s) {
			srw_warn("rule %s (group %s) %s while evaluate was down: its state is dropped "
			    "and its firing alerts resolved", sv->name, sv->group,
			    rule_named(e, sv->group, sv->name) ? "changed" : "was removed");
			for (k = 0; k < sv->n; k++)
				if (sv->a[k].state == ST_FIRING)
					ev_resolve(e, &sv->a[k]);
			dropped++;
			continue;
		}
		for (k = 0; k < sv->n; k++) {
			sv->a[k].rule = r;
			sv->a[k].written = true;
			nfiring += sv->a[k].state == ST_FIRING;
		}
		nalerts += sv->n;
		ntracks += sv->nt;
		free(s->a);
		free(s->t);
		s->a = sv->a, s->n = sv->n, s->cap = sv->cap;
		s->t = sv->t, s->nt = sv->nt, s->capt = sv->capt;
		sv->a = NULL, sv->t = NULL;
		sv->n = sv->nt = sv->cap = sv->capt = 0;
		ev_reindex(s);
	}
	e->restored_at = e->watermark;
	e->resuming = e->watermark != NOTSET;
	/* a restart is worth a line in the log at any verbosity */
	srw_warn("--state %s: restored %zu alerts (%zu firing), %zu watched series, clock at %s; "
	    "input from %s on rebuilds the rules' ranges", e->state_path, nalerts, nfiring,
	    ntracks, e->watermark == NOTSET ? "-" : srw_time_fmt_rfc3339(e->watermark, t1),
	    e->watermark == NOTSET ? "-" : srw_time_fmt_rfc3339(e->resume_from, t2));
	if (dropped)
		e->dirty = e->state_full = true;
}

/* The first point after a restore says whether the input replays what
 * the rules read (from resume_from on: the evaluations go on as if
 * nothing happened) or starts later (a gap: the time evaluate was down
 * has no data).  After a gap, restored alerts the rules do not see are
 * held until the input covers the rules' ranges, rather than resolved for
 * want of data; and the downtime does not count against heartbeats. */
void
ev_state_resume(struct ev *e, int64_t first)
{
	char t1[32], t2[32], t3[32];
	size_t g, i, k;

	e->resuming = false;
	if (first <= e->resume_from)
		return;
	e->hold_until = first + (e->pq ? srw_pq_horizon(e->pq) : 0);
	if (first > e->restored_at)
		for (g = 0; g < e->rs.ngroups; g++)
			for (i = 0; i < e->rs.groups[g].nrules; i++) {
				rstate *s = e->rs.groups[g].rules[i].user;

				for (k = 0; s && k < s->nt; k++)
					if (s->t[k].last < first)
						s->t[k].last = first;
			}
	srw_warn("--state: the input starts at %s, after %s: restored alerts not seen are "
	    "held until %s", srw_time_fmt_rfc3339(first, t1),
	    srw_time_fmt_rfc3339(e->resume_from, t2), srw_time_fmt_rfc3339(e->hold_until, t3));
}

void
ev_state_load(struct ev *e)
{
	size_t len, n, blen = 0;
	int err;
	char *text, *jp;
	line *L;
	const char *why = NULL;
	loaded ld = { 0 };
	double gen = 0;
	srw_val *hdr;

	jp = srw_xmalloc(strlen(e->state_path) + 9);
	sprintf(jp, "%s.journal", e->state_path);
	e->journal_path = jp;
	e->state_full = true;	/* the first write is a snapshot */
	if (!(text = slurp(e->state_path, &len, &err))) {
		if (err == ENOENT)
			srw_info("--state %s: no state yet, starting empty", e->state_path);
		else
			srw_warn("--state %s: %s; starting with no alert state", e->state_path, strerror(err));
		return;
	}
	L = split_lines(text, len, &n);
	if (err || !n || (why = check_block(L, n, "srwatch_evaluate_state", 0, &blen)) || blen != n) {
		srw_warn("--state %s: %s: starting with no alert state (the file is replaced at "
		    "the first change)", e->state_path, err ? strerror(err) : !n ? "empty" :
		    why ? why : "data after the end line");
		free(L);
		free(text);
		return;
	}
	hdr = srw_val_parse(L[0].s, L[0].len);
	srw_val_get_num(hdr, "gen", &gen);
	srw_val_free(hdr);
	e->state_gen = (int64_t)gen;
	take_block(e, &ld, L, n);
	read_journal(e, &ld, e->state_gen);
	apply(e, &ld);
	loaded_free(&ld);
	free(L);
	free(text);
}
