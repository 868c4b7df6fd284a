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
	char t[20];

	snprintf(t, sizeof t, "%016llx", (unsigned long long)v);
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

/* JSON has no NaN or infinities; a rule's value can be either */
static void
put_value(srw_buf *b, const char *key, double v)
{
	if (isfinite(v))
		srw_jw_num(b, key, v);
	else
		srw_jw_str(b, key, isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
}

static void
put_alert(srw_buf *b, const alert *a)
{
	srw_jw_begin(b);
	put_hex(b, "alert", a->fp);
	put_hex(b, "key", a->key);
	srw_jw_str(b, "state", a->state == ST_FIRING ? "firing" : "pending");
	put_kv(b, "labels", (const char *const *)a->kv, a->n);
	put_kv(b, "sample", a->sls ? a->sls->kv : NULL, a->sls ? a->sls->n : 0);
	if (a->nann)
		put_kv(b, "annotations", (const char *const *)a->ann, a->nann);
	put_time(b, "active_at", a->active_at);
	if (a->state == ST_FIRING) {
		put_time(b, "fired_at", a->fired_at);
		put_time(b, "last_sent", a->last_sent);
	}
	put_time(b, "keep_since", a->keep_since);
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

void
ev_state_save(struct ev *e)
{
	srw_buf *b = &e->stbuf;
	char err[512], t[32];
	size_t g, i, k, lines = 1;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	srw_buf_reset(b);
	srw_jw_begin(b);
	srw_jw_int(b, "srwatch_evaluate_state", FORMAT);
	srw_jw_str(b, "saved_at", srw_time_fmt_rfc3339(srw_now_ms(), t));
	put_time(b, "watermark", e->watermark);
	put_time(b, "started", e->started);
	/* where a restarted evaluate wants its input to start again: the
	 * longest range any rule reads, before the last evaluation */
	put_time(b, "resume_from", e->watermark == NOTSET ? NOTSET :
	    e->watermark - (e->pq ? srw_pq_horizon(e->pq) : 0));
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
	for (g = 0; g < e->rs.ngroups; g++) {
		srw_rule_group *G = &e->rs.groups[g];

		for (i = 0; i < G->nrules; i++) {
			srw_rule *r = &G->rules[i];
			rstate *s = r->user;

			if (!s || (!s->n && !s->nt) || r->kind == SRW_RULE_RECORD)
				continue;
			srw_jw_begin(b);
			put_hex(b, "rule", rule_hash(G, r));
			srw_jw_str(b, "group", G->name);
			srw_jw_str(b, "name", r->name);
			srw_jw_end(b);
			lines++;
			for (k = 0; k < s->n; k++, lines++)
				put_alert(b, &s->a[k]);
			for (k = 0; k < s->nt; k++, lines++)
				put_track(b, &s->t[k]);
		}
	}
	srw_jw_begin(b);
	srw_jw_int(b, "end", (int64_t)lines);
	srw_jw_end(b);
	if (srw_file_replace(e->state_path, b->s, b->len, err, sizeof err) != 0) {
		/* keep running: alerts still go out; the next change tries again */
		if (e->state_errors++ == 0 || srw_verbose())
			srw_warn("--state: %s", err);
		return;
	}
	e->dirty = false;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	e->state_writes++;
	e->state_bytes = b->len;
	e->state_write_ns += (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
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

/* One allocation, as engine.c's copies, so free() releases it. */
static srw_lset *
lset_from(char **kv, size_t n)
{
	size_t i, sz = sizeof(srw_lset) + 2 * n * sizeof(char *);
	srw_lset *ls;
	char *p;

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
	return ls;
}

static bool
read_alert(const srw_val *o, alert *a)
{
	const char *st = srw_val_get_str(o, "state");
	char **skv;
	size_t sn;

	memset(a, 0, sizeof *a);
	if (!get_hex(o, "alert", &a->fp) || !get_hex(o, "key", &a->key) || !st ||
	    (strcmp(st, "firing") != 0 && strcmp(st, "pending") != 0) ||
	    !get_time(o, "active_at", &a->active_at) || a->active_at == NOTSET ||
	    !get_time(o, "fired_at", &a->fired_at) || !get_time(o, "last_sent", &a->last_sent) ||
	    !get_time(o, "keep_since", &a->keep_since) || !get_value(o, "value", &a->value) ||
	    !(a->kv = get_kv(o, "labels", &a->n)) || !(skv = get_kv(o, "sample", &sn))) {
		kv_free(a->kv, a->n);
		return false;
	}
	a->state = strcmp(st, "firing") == 0 ? ST_FIRING : ST_PENDING;
	if (a->state == ST_FIRING && (a->fired_at == NOTSET || a->last_sent == NOTSET)) {
		kv_free(a->kv, a->n);
		kv_free(skv, sn);
		return false;
	}
	a->sls = lset_from(skv, sn);
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

/* Checks the whole file before anything is restored: a file that is not
 * entirely good restores nothing. */
static const char *
validate(line *L, size_t n, srw_val **hdr)
{
	static char why[160];
	srw_val *v;
	double d;
	size_t i;

	*hdr = NULL;
	if (n < 2)
		return "cut short (no end line)";
	if (!(v = srw_val_parse(L[0].s, L[0].len)) || srw_val_type(v) != SRW_OBJ ||
	    !srw_val_get_num(v, "srwatch_evaluate_state", &d)) {
		srw_val_free(v);
		return "not an evaluate state file";
	}
	if (d != FORMAT) {
		srw_val_free(v);
		snprintf(why, sizeof why, "format %g, this evaluate reads format %d", d, FORMAT);
		return why;
	}
	*hdr = v;
	for (i = 1; i < n; i++) {
		alert a;
		track k;
		bool good;

		if (!(v = srw_val_parse(L[i].s, L[i].len)) || srw_val_type(v) != SRW_OBJ) {
			srw_val_free(v);
			snprintf(why, sizeof why, "line %zu: not a JSON object", i + 1);
			return why;
		}
		if (i == n - 1) {
			good = srw_val_get_num(v, "end", &d) && d == (double)(n - 1);
			srw_val_free(v);
			return good ? NULL : "cut short (end line missing or wrong)";
		}
		if (srw_val_get(v, "alert")) {
			if ((good = read_alert(v, &a)))
				alert_release(&a);
		} else if (srw_val_get(v, "track")) {
			if ((good = read_track(v, &k)))
				kv_free(k.kv, k.n);
		} else {
			uint64_t h;

			good = get_hex(v, "rule", &h) && srw_val_get_str(v, "group") &&
			    srw_val_get_str(v, "name");
		}
		srw_val_free(v);
		if (!good) {
			snprintf(why, sizeof why, "line %zu: bad or missing field", i + 1);
			return why;
		}
	}
	return "cut short";
}

static srw_rule *
rule_by_hash(struct ev *e, uint64_t h, srw_rule_group **gp)
{
	size_t g, i;

	for (g = 0; g < e->rs.ngroups; g++)
		for (i = 0; i < e->rs.groups[g].nrules; i++)
			if (rule_hash(&e->rs.groups[g], &e->rs.groups[g].rules[i]) == h) {
				*gp = &e->rs.groups[g];
				return &e->rs.groups[g].rules[i];
			}
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
				e->next[g] = next;
	}
}

void
ev_state_load(struct ev *e)
{
	size_t len, n = 0, cap = 0, i, nalerts = 0, nfiring = 0, ntracks = 0, dropped = 0;
	int err;
	char *text = slurp(e->state_path, &len, &err), *p, t1[32], t2[32];
	line *L = NULL;
	srw_val *hdr = NULL;
	const char *why;
	rstate *cur = NULL;
	srw_rule *currule = NULL;
	bool resolving = false;

	if (!text) {
		if (err == ENOENT)
			srw_info("--state %s: no state yet, starting empty", e->state_path);
		else
			srw_warn("--state %s: %s; starting with no alert state", e->state_path, strerror(err));
		return;
	}
	for (p = text; p < text + len;) {
		char *nl = memchr(p, '\n', text + len - p);
		size_t l = nl ? (size_t)(nl - p) : (size_t)(text + len - p);

		if (n == cap)
			L = srw_xrealloc(L, (cap = cap * 2 + 64) * sizeof *L);
		L[n].s = p;
		L[n++].len = l;
		p += l + 1;
	}
	if (err || (why = validate(L, n, &hdr))) {
		srw_warn("--state %s: %s: starting with no alert state (the file is kept until "
		    "the first change replaces it)", e->state_path, err ? strerror(err) : why);
		srw_val_free(hdr);
		free(L);
		free(text);
		return;
	}
	restore_clock(e, hdr);
	for (i = 1; i + 1 < n; i++) {
		srw_val *v = srw_val_parse(L[i].s, L[i].len);
		alert a;
		track k;

		if (srw_val_get(v, "rule")) {
			uint64_t h = 0;
			srw_rule_group *G = NULL;
			srw_rule *r;
			const char *gn = srw_val_get_str(v, "group"), *rn = srw_val_get_str(v, "name");

			get_hex(v, "rule", &h);
			r = rule_by_hash(e, h, &G);
			cur = r ? r->user : NULL;
			currule = r;
			resolving = !r;
			if (!r) {
				srw_warn("rule %s (group %s) %s while evaluate was down: its state is "
				    "dropped and its firing alerts resolved", rn, gn,
				    rule_named(e, gn, rn) ? "changed" : "was removed");
				dropped++;
			}
		} else if (srw_val_get(v, "alert") && read_alert(v, &a)) {
			if (cur) {
				if (cur->n == cur->cap)
					cur->a = srw_xrealloc(cur->a, (cur->cap = cur->cap * 2 + 8) *
					    sizeof *cur->a);
				a.rule = currule;
				cur->a[cur->n++] = a;
				nalerts++;
				nfiring += a.state == ST_FIRING;
			} else {
				if (resolving && a.state == ST_FIRING)
					ev_resolve(e, &a);
				alert_release(&a);
			}
		} else if (srw_val_get(v, "track") && read_track(v, &k)) {
			if (cur) {
				if (cur->nt == cur->capt)
					cur->t = srw_xrealloc(cur->t, (cur->capt = cur->capt * 2 + 8) *
					    sizeof *cur->t);
				cur->t[cur->nt++] = k;
				ntracks++;
			} else {
				kv_free(k.kv, k.n);
			}
		}
		srw_val_free(v);
	}
	for (size_t g = 0; g < e->rs.ngroups; g++)
		for (size_t r = 0; r < e->rs.groups[g].nrules; r++)
			if (e->rs.groups[g].rules[r].user)
				ev_reindex(e->rs.groups[g].rules[r].user);
	/* a restart is worth a line in the log at any verbosity */
	srw_warn("--state %s: restored %zu alerts (%zu firing), %zu watched series, clock at %s; "
	    "input from %s on rebuilds the rules' ranges%s", e->state_path, nalerts, nfiring,
	    ntracks, e->watermark == NOTSET ? "-" : srw_time_fmt_rfc3339(e->watermark, t1),
	    e->watermark == NOTSET ? "-" : srw_time_fmt_rfc3339(e->watermark -
	    (e->pq ? srw_pq_horizon(e->pq) : 0), t2), dropped ? " (some rules changed)" : "");
	if (dropped)
		e->dirty = true;
	srw_val_free(hdr);
	free(L);
	free(text);
}
