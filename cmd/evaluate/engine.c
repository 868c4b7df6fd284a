/* engine.c - evaluate's core: points into the store, group evaluations on
 * event time, the alert state machine (pending, firing after for,
 * keep_firing_for, resolved) as Prometheus runs it, and the output. */
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "evaluate.h"

#define NOTSET INT64_MIN
#define MAXKV 130

void
ev_init(struct ev *e)
{
	memset(e, 0, sizeof *e);
	e->store = srw_store_new();
	e->watermark = NOTSET;
	e->started = NOTSET;
	e->resend_ms = -1;
	e->db_poll_ms = 60000;
	e->restored_at = e->resume_from = e->hold_until = NOTSET;
	pthread_mutex_init(&e->mu, NULL);
	srw_point_init(&e->pt);
	srw_buf_init(&e->out);
	srw_buf_init(&e->post);
}

static void
strv_free_n(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < 2 * n; i++)
		free(v[i]);
	free(v);
}

static void
alert_free(alert *a)
{
	strv_free_n(a->kv, a->n);
	strv_free_n(a->ann, a->nann);
	free(a->sls);
}

static void
rstate_free(rstate *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		alert_free(&s->a[i]);
	for (i = 0; i < s->nt; i++)
		strv_free_n(s->t[i].kv, s->t[i].n);
	free(s->a);
	free(s->t);
	free(s->idx);
	free(s->gone);
	free(s->key);
	free(s);
}

static char *
state_key(const srw_rule_group *g, const srw_rule *r)
{
	srw_buf b;

	srw_buf_init(&b);
	srw_buf_printf(&b, "%s\x1f%d\x1f%s\x1f%s\x1f%s", g->name, (int)r->kind, r->name,
	    r->expr ? r->expr : "", r->service ? r->service : "");
	return b.s;
}

/* Gives every rule its state, taking over the state of the same rule (same
 * group, name and expression) from old when there is one. */
static void
bind(struct ev *e, srw_ruleset *old)
{
	size_t g, i, og, oi;

	e->ntrk = 0;
	for (g = 0; g < e->rs.ngroups; g++)
		for (i = 0; i < e->rs.groups[g].nrules; i++) {
			srw_rule *r = &e->rs.groups[g].rules[i];

			if (r->kind == SRW_RULE_HEARTBEAT || r->kind == SRW_RULE_PRESENCE ||
			    r->kind == SRW_RULE_ABSENCE || r->kind == SRW_RULE_MATCH) {
				e->trk = srw_xrealloc(e->trk, (e->ntrk + 1) * sizeof *e->trk);
				e->trk[e->ntrk++] = r;
			}
		}

	for (g = 0; g < e->rs.ngroups; g++) {
		srw_rule_group *G = &e->rs.groups[g];

		for (i = 0; i < G->nrules; i++) {
			srw_rule *r = &G->rules[i];
			char *key = state_key(G, r);
			rstate *s = NULL;

			for (og = 0; old && og < old->ngroups && !s; og++)
				for (oi = 0; oi < old->groups[og].nrules && !s; oi++) {
					rstate *os = old->groups[og].rules[oi].user;

					if (os && strcmp(os->key, key) == 0) {
						s = os;
						old->groups[og].rules[oi].user = NULL;
					}
				}
			if (!s) {
				s = srw_xcalloc(1, sizeof *s);
				s->key = key;
			} else {
				free(key);
			}
			for (size_t k = 0; k < s->n; k++)
				s->a[k].rule = r;	/* the old ruleset goes away */
			r->user = s;
		}
	}
}

static void emit(struct ev *e, alert *a, bool resolved);
static void post_batch(struct ev *e);
static void reindex(rstate *s);

void
ev_reindex(rstate *s)
{
	reindex(s);
}

void
ev_resolve(struct ev *e, alert *a)
{
	a->resolved_at = e->watermark;
	emit(e, a, true);
}

void
ev_bind_rules(struct ev *e)
{
	size_t g;

	bind(e, NULL);
	e->next = srw_xcalloc(e->rs.ngroups + 1, sizeof *e->next);
	for (g = 0; g < e->rs.ngroups; g++)
		e->next[g] = NOTSET;
}

void
ev_swap_rules(struct ev *e, srw_ruleset *rs, srw_pq *pq)
{
	srw_ruleset old = e->rs;
	int64_t *onext = e->next;
	size_t g, og, i;

	e->rs = *rs;
	bind(e, &old);
	e->next = srw_xcalloc(e->rs.ngroups + 1, sizeof *e->next);
	for (g = 0; g < e->rs.ngroups; g++) {
		e->next[g] = NOTSET;
		for (og = 0; og < old.ngroups; og++)
			if (strcmp(old.groups[og].name, e->rs.groups[g].name) == 0 &&
			    old.groups[og].interval_ms == e->rs.groups[g].interval_ms)
				e->next[g] = onext[og];
	}
	/* a rule that is gone takes its alerts with it: resolve them */
	for (og = 0; og < old.ngroups; og++)
		for (i = 0; i < old.groups[og].nrules; i++) {
			rstate *st = old.groups[og].rules[i].user;

			for (size_t k = 0; st && k < st->n; k++)
				if (st->a[k].state == ST_FIRING) {
					st->a[k].resolved_at = e->watermark;
					emit(e, &st->a[k], true);
				}
			rstate_free(st);
		}
	free(onext);
	e->dirty = e->state_full = true;
	srw_ruleset_free(&old);
	srw_pq_free(e->pq);
	e->pq = pq;
}

/* ---- output ------------------------------------------------------------- */

static void
kv_obj(srw_buf *b, const char *key, char **kv, size_t n)
{
	size_t i;

	srw_jw_obj(b, key);
	for (i = 0; i < n; i++)
		srw_jw_str(b, kv[2 * i], kv[2 * i + 1]);
	srw_jw_close(b, '}');
}

static char *expand(const char *t, const srw_lset *ls, double v);

/* Annotations are expanded when an event goes out, not at every
 * evaluation: the same text Prometheus would send at that moment. */
static void
annotate(alert *a)
{
	const srw_rule *r = a->rule;
	size_t i;

	strv_free_n(a->ann, a->nann);
	a->ann = srw_xmalloc((2 * r->nannots + 1) * sizeof *a->ann);
	for (i = 0; i < r->nannots; i++) {
		a->ann[2 * i] = srw_xstrdup(r->annot_kv[2 * i]);
		a->ann[2 * i + 1] = expand(r->annot_kv[2 * i + 1], a->sls, a->value);
	}
	a->nann = r->nannots;
	a->ann[2 * a->nann] = NULL;
}

static void
put_digits(char *p, int v, int n)	/* n digits of v, zero-padded */
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* srw_time_fmt_rfc3339's bytes without snprintf: events are the output's
 * hot spot (lib/time.c takes the years it does not). */
static const char *
emit_time(int64_t ms, char *t)
{
	int64_t days = ms / 86400000, rem;
	int y, mo, d, frac;

	if (ms % 86400000 < 0)
		days--;
	rem = ms - days * 86400000;
	srw_civil_from_days(days, &y, &mo, &d);
	if (y < 0 || y > 9999)
		return srw_time_fmt_rfc3339(ms, t);
	put_digits(t, y, 4);
	t[4] = '-';
	put_digits(t + 5, mo, 2);
	t[7] = '-';
	put_digits(t + 8, d, 2);
	t[10] = 'T';
	put_digits(t + 11, (int)(rem / 3600000), 2);
	t[13] = ':';
	put_digits(t + 14, (int)(rem / 60000 % 60), 2);
	t[16] = ':';
	put_digits(t + 17, (int)(rem / 1000 % 60), 2);
	frac = (int)(rem % 1000);
	if (frac) {
		t[19] = '.';
		put_digits(t + 20, frac, 3);
		t[23] = 'Z';
		t[24] = '\0';
	} else {
		t[19] = 'Z';
		t[20] = '\0';
	}
	return t;
}

static void
emit(struct ev *e, alert *a, bool resolved)
{
	static const char hex[] = "0123456789abcdef";
	srw_buf *b = e->post_url ? &e->post : &e->out;
	char t[32], fp[20];
	int i;

	if (a->rule)
		annotate(a);

	if (e->post_url)
		srw_buf_adds(b, e->npost++ ? "," : "");
	srw_jw_begin(b);
	srw_jw_str(b, "status", resolved ? "resolved" : "firing");
	kv_obj(b, "labels", a->kv, a->n);
	kv_obj(b, "annotations", a->ann, a->nann);
	srw_jw_str(b, "startsAt", emit_time(a->active_at, t));
	srw_jw_str(b, "endsAt", resolved ? emit_time(a->resolved_at, t) :
	    "0001-01-01T00:00:00Z");
	srw_jw_str(b, "generatorURL", "");
	for (i = 0; i < 16; i++)
		fp[i] = hex[(a->fp >> (60 - 4 * i)) & 15];
	fp[16] = '\0';
	srw_jw_str(b, "fingerprint", fp);
	if (e->post_url) {
		srw_jw_close(b, '}');
	} else {
		srw_jw_end(b);
		srw_jw_flush(b, stdout, 1 << 16);
	}
}

/* Posts the batch: the Alertmanager v2 API takes an array, anything else
 * (webhookd, a webhook receiver) the Alertmanager webhook payload. */
static void
post_batch(struct ev *e)
{
	srw_http_req rq = { 0 };
	srw_http_resp rs = { 0 };
	static const char *const hdr[] = { "Content-Type: application/json", NULL };
	srw_buf body;
	size_t ul = strlen(e->post_url);

	if (!e->npost)
		return;
	srw_buf_init(&body);
	if (ul >= 14 && strcmp(e->post_url + ul - 14, "/api/v2/alerts") == 0)
		srw_buf_printf(&body, "[%s]", e->post.s);
	else
		srw_buf_printf(&body, "{\"version\":\"4\",\"receiver\":\"evaluate\","
		    "\"status\":\"firing\",\"groupLabels\":{},\"commonLabels\":{},"
		    "\"commonAnnotations\":{},\"externalURL\":\"\",\"alerts\":[%s]}", e->post.s);
	rq.method = "POST";
	rq.url = e->post_url;
	rq.headers = hdr;
	rq.body = body.s;
	rq.body_len = body.len;
	rq.timeout_ms = 10000;
	if (srw_http_do(&rq, &rs) != 0 || rs.status / 100 != 2) {
		srw_warn("--post: %zu alert events not delivered: %s", e->npost,
		    rs.status ? "HTTP error" : rs.err);
		if (rs.status)
			srw_warn("--post: HTTP %ld", rs.status);
		e->post_failed = true;
	}
	srw_http_resp_free(&rs);
	srw_buf_free(&body);
	srw_buf_reset(&e->post);
	e->npost = 0;
}

void
ev_flush(struct ev *e)
{
	if (e->post_url)
		post_batch(e);
	srw_jw_flush(&e->out, stdout, 0);
	fflush(stdout);
	if (e->record)
		fflush(e->record);
}

/* ---- the alert state machine (Prometheus rules/alerting.go) ------------ */

static int
kv_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
kv_sort(const char **kv, size_t n)
{
	/* pairs: sort by name, qsort over pairs of pointers */
	qsort(kv, n, 2 * sizeof *kv, kv_cmp);
}

static size_t
kv_set(const char **kv, size_t n, const char *k, const char *v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[2 * i], k) == 0) {
			kv[2 * i + 1] = v;
			return n;
		}
	if (n >= MAXKV)
		return n;
	kv[2 * n] = k;
	kv[2 * n + 1] = v;
	return n + 1;
}

static uint64_t
kv_fp(const char **kv, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;
	const char *s;

	for (i = 0; i < 2 * n; i++) {
		for (s = kv[i]; *s; s++) {
			h ^= (unsigned char)*s;
			h *= 1099511628211ULL;
		}
		h ^= 0xff;
		h *= 1099511628211ULL;
	}
	return h;
}

static char **
kv_dup(const char **kv, size_t n)
{
	char **v = srw_xmalloc((2 * n + 1) * sizeof *v);
	size_t i;

	for (i = 0; i < 2 * n; i++)
		v[i] = srw_xstrdup(kv[i]);
	v[2 * n] = NULL;
	return v;
}

static void
reindex(rstate *s)
{
	size_t i, sz = 16;

	while (sz < 2 * s->n + 2)
		sz *= 2;
	if (sz != s->idxsz) {
		free(s->idx);
		s->idx = srw_xmalloc(sz * sizeof *s->idx);
		s->idxsz = sz;
	}
	memset(s->idx, 0, sz * sizeof *s->idx);
	for (i = 0; i < s->n; i++) {
		size_t j = s->a[i].key & (sz - 1);

		while (s->idx[j])
			j = (j + 1) & (sz - 1);
		s->idx[j] = i + 1;
	}
}

static alert *
find_alert(rstate *s, uint64_t key)
{
	size_t j;

	if (!s->idxsz)
		return NULL;
	for (j = key & (s->idxsz - 1); s->idx[j]; j = (j + 1) & (s->idxsz - 1))
		if (s->a[s->idx[j] - 1].key == key)
			return &s->a[s->idx[j] - 1];
	return NULL;
}

/* Does any rule label need templating?  Then the alert's labels depend on
 * the value and must be built every time. */
static bool
labels_templated(const srw_rule *r)
{
	size_t i;

	for (i = 0; i < r->nlabels; i++)
		if (strstr(r->label_kv[2 * i + 1], "{{"))
			return true;
	return false;
}

static srw_lset *
lset_copy(const srw_lset *ls)
{
	size_t i, sz = sizeof *ls, n = ls ? ls->n : 0;
	srw_lset *c;
	char *p;

	for (i = 0; i < 2 * n; i++)
		sz += sizeof(char *) + strlen(ls->kv[i]) + 1;
	c = srw_xmalloc(sz);
	c->n = n;
	c->hash = ls ? ls->hash : 0;
	p = (char *)c + sizeof *c + 2 * n * sizeof(char *);
	for (i = 0; i < 2 * n; i++) {
		size_t l = strlen(ls->kv[i]) + 1;

		memcpy(p, ls->kv[i], l);
		c->kv[i] = p;
		p += l;
	}
	return c;
}

/* Templates were checked at load time; an expansion error here would be a
 * bug, so it leaves the raw text rather than dropping the alert. */
static char *
expand(const char *t, const srw_lset *ls, double v)
{
	srw_buf b;
	char err[128];

	if (!strstr(t, "{{"))
		return srw_xstrdup(t);
	srw_buf_init(&b);
	if (srw_template(&b, t, ls, v, err, sizeof err) < 0) {
		srw_buf_reset(&b);
		srw_buf_adds(&b, t);
	}
	if (!b.s)
		srw_buf_adds(&b, "");
	return b.s;
}

/* One sample of the rule's result at t.  The common case (rule labels
 * without templates) finds the alert by a hash of the sample's labels and
 * builds nothing; a new alert gets its labels built once. */
static void
alert_sample(srw_rule *r, rstate *s, int64_t t, const srw_lset *ls, double v)
{
	const char *kv[2 * MAXKV];
	char *lab[2 * MAXKV];
	size_t n = 0, i, nl = 0;
	uint64_t fp, key;
	bool templ = labels_templated(r);
	alert *a;

	key = ls ? srw_lset_fingerprint(ls, "__name__") : 0;
	if (!templ && (a = find_alert(s, key))) {
		a->seen = true;
		a->value = v;
		return;
	}
	for (i = 0; ls && i < ls->n && n < MAXKV; i++) {
		if (strcmp(ls->kv[2 * i], "__name__") == 0)
			continue;
		kv[2 * n] = ls->kv[2 * i];
		kv[2 * n + 1] = ls->kv[2 * i + 1];
		n++;
	}
	for (i = 0; i < r->nlabels && nl < MAXKV; i++) {
		lab[nl] = expand(r->label_kv[2 * i + 1], ls, v);
		n = kv_set(kv, n, r->label_kv[2 * i], lab[nl++]);
	}
	n = kv_set(kv, n, "alertname", r->name);
	kv_sort(kv, n);
	fp = kv_fp(kv, n);
	if (templ)
		key = fp;
	if (!(a = find_alert(s, key))) {
		if (s->n == s->cap)
			s->a = srw_xrealloc(s->a, (s->cap = s->cap * 2 + 8) * sizeof *s->a);
		a = &s->a[s->n++];
		memset(a, 0, sizeof *a);
		a->fp = fp;
		a->key = key;
		a->kv = kv_dup(kv, n);
		a->n = n;
		a->state = ST_PENDING;
		a->active_at = t;
		a->keep_since = NOTSET;
		a->rule = r;
		a->sls = lset_copy(ls);
		if (s->n * 2 + 2 > s->idxsz)
			reindex(s);
		else {
			size_t j = key & (s->idxsz - 1);

			while (s->idx[j])
				j = (j + 1) & (s->idxsz - 1);
			s->idx[j] = s->n;
		}
	}
	for (i = 0; i < nl; i++)
		free(lab[i]);
	a->seen = true;
	a->value = v;
}

static void
alert_sweep(struct ev *e, srw_rule *r, rstate *s, int64_t t)
{
	size_t i, k = 0;
	bool ch = false;	/* what --state keeps changed */

	for (i = 0; i < s->n; i++) {
		alert *a = &s->a[i];
		bool drop = false, was = ch;

		ch = false;
		if (!a->seen && t < e->hold_until && a->active_at <= e->restored_at) {
			s->a[k++] = *a;	/* restored, and the input has no range to judge it yet */
			ch = was;
			continue;
		}
		if (!a->seen) {
			bool keep = false;

			if (a->state == ST_FIRING && r->keep_firing_for_ms > 0) {
				if (a->keep_since == NOTSET) {
					a->keep_since = t;
					ch = true;
				}
				keep = t - a->keep_since < r->keep_firing_for_ms;
			}
			if (a->state == ST_PENDING) {
				drop = true;
			} else if (!keep) {
				a->state = ST_INACTIVE;
				a->resolved_at = t;
				emit(e, a, true);
				drop = true;
			}
			ch |= drop;
		} else if (a->keep_since != NOTSET) {
			a->keep_since = NOTSET;
			ch = true;
		} else if (a->state == ST_PENDING && a->active_at == t) {
			ch = true;	/* new */
		}
		if (drop && e->state_path) {
			if (s->ngone == s->capgone)
				s->gone = srw_xrealloc(s->gone, (s->capgone = s->capgone * 2 + 16) *
				    sizeof *s->gone);
			s->gone[s->ngone++] = a->key;
		}
		if (!drop) {
			if (a->state == ST_PENDING && t - a->active_at >= r->for_ms) {
				a->state = ST_FIRING;
				a->fired_at = t;
				a->last_sent = t;
				ch = true;
				emit(e, a, false);
			} else if (a->state == ST_FIRING && e->resend_ms >= 0 &&
			    t - a->last_sent >= e->resend_ms) {
				a->last_sent = t;
				ch = true;
				emit(e, a, false);
			}
			a->seen = false;
			a->changed |= ch;
			s->a[k++] = *a;
		} else {
			alert_free(a);
		}
		ch |= was;
	}
	if (k != s->n) {
		s->n = k;
		reindex(s);
	}
	if (ch)
		s->dirty = e->dirty = true;
}

/* ---- heartbeat, presence_required, absence_required --------------------- */

static srw_lset *
lset_of(char **kv, size_t n)
{
	srw_lset *ls = srw_xmalloc(sizeof *ls + 2 * n * sizeof(char *));

	ls->n = n;
	ls->hash = 0;
	memcpy(ls->kv, kv, 2 * n * sizeof(char *));
	return ls;
}

static void
track_eval(struct ev *e, srw_rule *r, rstate *s, int64_t t)
{
	size_t i;

	for (i = 0; i < s->nt; i++) {
		track *k = &s->t[i];
		int64_t to = k->ttl > 0 ? k->ttl : r->timeout_ms;
		bool quiet = t - k->last > to, on;

		on = r->kind == SRW_RULE_ABSENCE || r->kind == SRW_RULE_MATCH ? !quiet : quiet;
		if (on) {
			srw_lset *ls = lset_of(k->kv, k->n);

			alert_sample(r, s, t, ls, (t - k->last) / 1000.0);
			free(ls);
		}
	}
	/* presence of a metric never seen at all */
	if (r->kind == SRW_RULE_PRESENCE && s->nt == 0 && e->started != NOTSET &&
	    t - e->started > r->timeout_ms)
		alert_sample(r, s, t, NULL, (t - e->started) / 1000.0);
	alert_sweep(e, r, s, t);
}

/* true when a series starts or stops being watched */
static bool
track_point(rstate *s, const srw_rule *r, const srw_point *p, int64_t ttl, bool shutdown)
{
	const char *kv[2 * MAXKV];
	size_t n = 0, i;
	uint64_t fp;
	track *k = NULL;

	for (i = 0; i < p->nlabels && n < MAXKV; i++) {
		kv[2 * n] = p->labels[i].k;
		kv[2 * n + 1] = p->labels[i].v;
		n++;
	}
	if (r->kind == SRW_RULE_HEARTBEAT || r->kind == SRW_RULE_MATCH)
		n = kv_set(kv, n, "service", p->name);
	kv_sort(kv, n);
	fp = kv_fp(kv, n);
	for (i = 0; i < s->nt; i++)
		if (s->t[i].fp == fp) {
			k = &s->t[i];
			break;
		}
	if (shutdown) {
		/* a graceful shutdown ends the presence rule: no alert */
		if (k) {
			strv_free_n(k->kv, k->n);
			s->t[i] = s->t[--s->nt];
		}
		return k != NULL;
	}
	if (!k) {
		if (s->nt == s->capt)
			s->t = srw_xrealloc(s->t, (s->capt = s->capt * 2 + 8) * sizeof *s->t);
		k = &s->t[s->nt++];
		memset(k, 0, sizeof *k);
		k->fp = fp;
		k->kv = kv_dup(kv, n);
		k->n = n;
		k->last = p->ts;
		k->ttl = ttl;
		return true;
	}
	if (p->ts > k->last)
		k->last = p->ts;
	k->ttl = ttl;
	return false;
}

/* ---- group evaluation ---------------------------------------------------- */

static void
record(struct ev *e, srw_rule *r, int64_t t, const srw_lset *ls, double v)
{
	srw_point_label l[MAXKV];
	char *lab[MAXKV];
	size_t n = 0, i, j, nl = 0;
	srw_buf *b = &e->out;
	static srw_buf rb;

	for (i = 0; ls && i < ls->n && n < MAXKV; i++) {
		if (strcmp(ls->kv[2 * i], "__name__") == 0)
			continue;
		l[n].k = ls->kv[2 * i];
		l[n].v = ls->kv[2 * i + 1];
		n++;
	}
	for (i = 0; i < r->nlabels; i++) {
		lab[nl] = expand(r->label_kv[2 * i + 1], ls, v);
		for (j = 0; j < n && strcmp(l[j].k, r->label_kv[2 * i]) != 0; j++)
			;
		if (j == n && n < MAXKV)
			n++;
		if (j < n) {
			l[j].k = r->label_kv[2 * i];
			l[j].v = lab[nl];
		}
		nl++;
	}
	srw_point_sort_labels(l, n);
	srw_store_add(e->store, r->name, l, n, NULL, t, v, 0);
	if (e->record)
		b = &rb;
	srw_point_jw(b, r->name, l, n, t, v, SRW_PT_GAUGE, NULL);
	if (e->record)
		srw_jw_flush(b, e->record, 0);
	else
		srw_jw_flush(b, stdout, 1 << 16);
	for (i = 0; i < nl; i++)
		free(lab[i]);
}

static void
eval_group(struct ev *e, srw_rule_group *g, int64_t t)
{
	size_t i, j, n;
	srw_sample *s;

	srw_pq_begin(e->pq, e->store, t);
	for (i = 0; i < g->nrules; i++) {
		srw_rule *r = &g->rules[i];
		rstate *st = r->user;

		n = 0;
		s = NULL;
		if (r->node >= 0) {
			const char *why;

			n = srw_pq_eval(e->pq, r->node, &s);
			if ((why = srw_pq_failed(e->pq, r->node))) {
				/* as Prometheus: a failed evaluation changes no state */
				if (st->errors++ == 0 || srw_verbose())
					srw_warn("%s:%d: rule %s: evaluation failed: %s", r->file ? r->file : "-",
					    r->line, r->name, why);
				continue;
			}
		}
		switch (r->kind) {
		case SRW_RULE_RECORD:
			for (j = 0; j < n; j++)
				record(e, r, t, s[j].ls, s[j].v);
			if (n)
				srw_pq_invalidate(e->pq);
			break;
		case SRW_RULE_ALERT:
		case SRW_RULE_OUTLIER:
			for (j = 0; j < n; j++)
				alert_sample(r, st, t, s[j].ls, s[j].v);
			alert_sweep(e, r, st, t);
			break;
		default:
			track_eval(e, r, st, t);
			break;
		}
	}
}

static int64_t
first_tick(int64_t ts, int64_t iv)
{
	int64_t q = ts / iv;

	if (q * iv < ts)
		q++;
	return q * iv;
}

/* Evaluates every group instant before ts (up to and including ts when
 * inclusive: end of input, or the live clock), in time order. */
void
ev_advance(struct ev *e, int64_t ts, bool inclusive)
{
	size_t g;

	/* restored, and no point yet: no data to evaluate on */
	if (e->started == NOTSET || ts == NOTSET || e->resuming)
		return;
	for (;;) {
		size_t best = (size_t)-1;

		for (g = 0; g < e->rs.ngroups; g++) {
			if (e->next[g] == NOTSET)
				e->next[g] = first_tick(e->watermark, e->rs.groups[g].interval_ms);
			if (best == (size_t)-1 || e->next[g] < e->next[best])
				best = g;
		}
		if (best == (size_t)-1 || e->next[best] > ts || (!inclusive && e->next[best] == ts))
			break;
		eval_group(e, &e->rs.groups[best], e->next[best]);
		if (e->post_url && e->npost)
			post_batch(e);	/* one batch per evaluation */
		if ((++e->nticks & 63) == 0)
			srw_store_gc(e->store, e->next[best], srw_pq_horizon(e->pq) + 60000);
		e->next[best] += e->rs.groups[best].interval_ms;
	}
	if (e->dirty && e->state_path)
		ev_state_commit(e);
}

/* ---- input --------------------------------------------------------------- */

static int
nagios_code(const char *s)
{
	static const char *const names[] = { "ok", "okay", "warning", "critical", "unknown" };
	static const int codes[] = { 0, 0, 1, 2, 3 };
	size_t i;

	for (i = 0; s && i < 5; i++)
		if (strcasecmp(s, names[i]) == 0)
			return codes[i];
	return -1;
}

static bool
has_tag(const srw_val *rec, const char *tag)
{
	srw_val *t;

	for (t = srw_val_first(srw_val_get(rec, "tags")); t; t = srw_val_next(t))
		if (srw_val_str(t) && strcmp(srw_val_str(t), tag) == 0)
			return true;
	return false;
}

/* A numbat/Riemann event (host, service, time, metric, ttl, state, tags)
 * as a point named after its service. */
static int
read_event(struct ev *e, const srw_val *rec, int64_t *ttl, bool *shutdown, char *err,
    size_t errsz)
{
	srw_point *p = &e->pt;
	const char *svc = srw_val_get_str(rec, "service"), *host = srw_val_get_str(rec, "host");
	const char *state = srw_val_get_str(rec, "state");
	srw_val *tv = srw_val_get(rec, "time");
	double d;
	int code;

	if (!svc || !*svc)
		return -1;
	if (!state)
		state = srw_val_get_str(rec, "status");
	p->name = svc;
	p->nlabels = 0;
	p->le = NULL;
	if (host) {
		p->labels[0].k = "host";
		p->labels[0].v = host;
		p->nlabels = 1;
	}
	if (tv && srw_val_type(tv) == SRW_NUM && srw_val_num(tv, &d) && isfinite(d) && fabs(d) < 9e15)
		p->ts = d < 1e11 ? (int64_t)(d * 1000) : (int64_t)d;
	else if (tv && srw_val_str(tv) && srw_time_parse(srw_val_str(tv), &p->ts) == 0)
		;
	else if (!tv)
		p->ts = e->watermark != NOTSET ? e->watermark : srw_now_ms();
	else {
		snprintf(err, errsz, "event time is not a time");
		return -2;
	}
	code = nagios_code(state);
	if (!srw_val_get_num(rec, "metric", &p->value) && !srw_val_get_num(rec, "value", &p->value))
		p->value = code >= 0 ? code : 1;
	*ttl = srw_val_get_num(rec, "ttl", &d) && d > 0 && d < 1e9 ? (int64_t)(d * 1000) : 0;
	*shutdown = (state && strcasecmp(state, "shutdown") == 0) || has_tag(rec, "shutdown");
	return 0;
}

/* match-and-act: every where field (a top-level field, else a label)
 * matches its anchored regular expression, and every tag is present. */
static bool
event_matches(const srw_rule *r, const srw_val *rec, const srw_point *p)
{
	const regex_t *re = r->where_re;
	size_t i;

	for (i = 0; i < r->nwhere; i++) {
		const char *f = r->where_kv[2 * i], *v = NULL;
		srw_val *x = srw_val_get(rec, f);
		char num[64];
		double d;

		if (!x)
			x = srw_val_get(srw_val_get(rec, "labels"), f);
		if (x && srw_val_str(x))
			v = srw_val_str(x);
		else if (x && srw_val_type(x) == SRW_NUM && srw_val_num(x, &d))
			snprintf(num, sizeof num, "%g", d), v = num;
		else if (strcmp(f, "service") == 0 || strcmp(f, "name") == 0)
			v = p->name;
		if (regexec(&re[i], v ? v : "", 0, NULL, 0) != 0)
			return false;
	}
	for (i = 0; r->tags && r->tags[i]; i++)
		if (!has_tag(rec, r->tags[i]))
			return false;
	return true;
}

int
ev_input(struct ev *e, srw_val *rec, char *err, size_t errsz)
{
	srw_point *p = &e->pt;
	int64_t ttl = 0;
	bool shutdown = false, event = false;
	size_t i;

	if (srw_point_read(p, rec, err, errsz) != 0) {
		char e2[128];
		int rc = read_event(e, rec, &ttl, &shutdown, e2, sizeof e2);

		if (rc == -2)
			snprintf(err, errsz, "%s", e2);
		if (rc < 0)
			return -1;
		event = true;
	}
	if (e->resuming)
		ev_state_resume(e, p->ts);
	if (e->started == NOTSET)
		e->started = e->watermark = p->ts;
	if (p->ts > e->watermark) {
		ev_advance(e, p->ts, false);
		e->watermark = p->ts;
	}
	if (e->nshards > 1 && !srw_point_in_shard(p, e->shard_by, e->shard, e->nshards))
		return 0;	/* another shard's series */
	if (!shutdown)
		srw_store_add(e->store, p->name, p->labels, p->nlabels, p->le, p->ts, p->value, ttl);
	for (i = 0; i < e->ntrk; i++) {
		srw_rule *r = e->trk[i];

		if (r->kind == SRW_RULE_MATCH) {
			if (!shutdown && event_matches(r, rec, p) && track_point(r->user, r, p, 0, false))
				((rstate *)r->user)->dirty = ((rstate *)r->user)->tracks_dirty = e->dirty = true;
		} else if (strcmp(r->service, p->name) == 0) {
			if (track_point(r->user, r, p, ttl, shutdown && r->kind == SRW_RULE_HEARTBEAT))
				((rstate *)r->user)->dirty = ((rstate *)r->user)->tracks_dirty = e->dirty = true;
		}
	}
	(void)event;
	return 0;
}
