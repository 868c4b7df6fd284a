/* snapshot.c - rollup --snapshot: raw StarRocks metrics in, the hourly
 * snapshot rows of metrics.amv_hourly_snapshots_v1 out.
 *
 * A "moment" is one scrape of a cluster: the points with one cluster_id and
 * one ts (scrape gives every target of a round the same ts).  Each final
 * moment yields at most one value per dimension; an hour's row is the avg,
 * min and max of those values and their number (samples).  Counter
 * dimensions compare a node's moment with its previous one (reset-aware:
 * a counter that went down restarted from zero).
 *
 * Finality is per cluster, as rollup's is per series: a moment is final once
 * its cluster's newest point is past it by the lateness, an hour once that
 * is past the hour's end; a point older than its cluster's newest minus the
 * lateness is late.  The moments of one cluster are so done in time order,
 * which the counter deltas need, whatever the order among clusters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "rollup.h"

#define HOUR_MS 3600000LL

enum kind { K_CPU, K_HEAP, K_DISK, K_FE_COMPACT, K_BE_COMPACT, K_P99, K_P95,
	K_QUERY, K_MEM, K_ROWSET, K_NODES, K_TXNFAIL, K_CONN, K_COMPFAIL };

enum dim { D_CPU, D_HEAP, D_DISK, D_COMPACT, D_P99, D_ERR, D_QPS, D_MEM,
	D_ROWSET, D_ALIVE, D_TXNFAIL, D_CONN, D_COMPFAIL, D_P95, NDIM };

/* The 14 dimensions, in output order; the first six are scored (SCORING.md). */
static const char *const dim_names[NDIM] = {
	[D_CPU] = "starrocks_be_cpu_util_percent",
	[D_HEAP] = "starrocks_be_jvm_heap_used_percent",
	[D_DISK] = "starrocks_be_disks_data_used_pct",
	[D_COMPACT] = "starrocks_be_compaction_score_average",
	[D_P99] = "starrocks_fe_query_latency_ms_p99",
	[D_ERR] = "starrocks_fe_query_err",
	[D_QPS] = "starrocks_fe_query_rate_qps",
	[D_MEM] = "starrocks_be_process_mem_bytes",
	[D_ROWSET] = "starrocks_be_max_tablet_rowset_num",
	[D_ALIVE] = "starrocks_be_alive_ratio",
	[D_TXNFAIL] = "starrocks_fe_txn_failed_per_min",
	[D_CONN] = "starrocks_fe_connection_total",
	[D_COMPFAIL] = "starrocks_be_compaction_failed_per_min",
	[D_P95] = "starrocks_fe_query_latency_ms_p95",
};

struct obs {
	enum kind kind;
	char *inst;	/* instance label (+ "|" path for disks) */
	double a, b;
	bool ha, hb;
};

struct moment {
	int64_t ts;
	struct obs *o;
	size_t n, cap;
};

struct prev {	/* a counter's values at the node's previous moment */
	enum kind kind;
	char *inst;
	int64_t ts;
	double a, b;
};

struct hour {
	int64_t start;
	double sum[NDIM], min[NDIM], max[NDIM];
	long n[NDIM];
};

struct cluster {
	char *id;
	struct moment *m;	/* pending, sorted by ts */
	size_t nm, capm;
	struct prev *p;
	size_t np, capp;
	struct hour *h;	/* open, sorted by start */
	size_t nh, caph;
	int64_t newest;	/* newest ts of the cluster's points */
	int64_t closed;	/* points before this are late (--max-open's cut) */
};

struct rollup_snap {
	struct cluster *c;
	size_t nc, capc;
	uint32_t *tab;	/* cluster index + 1 */
	size_t tabcap;
	int64_t lateness;
	long nopen;	/* pending observations plus open hours */
	srw_buf inst;
};

struct rollup_snap *
rollup_snap_new(int64_t lateness)
{
	struct rollup_snap *s = srw_xcalloc(1, sizeof *s);

	s->lateness = lateness;
	srw_buf_init(&s->inst);
	return s;
}

static int64_t
sat_sub(int64_t a, int64_t b)
{
	int64_t r;

	return __builtin_sub_overflow(a, b, &r) ? INT64_MIN : r;
}

static struct cluster *
cluster_get(struct rollup_snap *s, const char *id)
{
	size_t j, i;

	if (2 * (s->nc + 1) > s->tabcap) {
		size_t ncap = s->tabcap ? 2 * s->tabcap : 256;
		uint32_t *nt = srw_xcalloc(ncap, sizeof *nt);

		for (i = 0; i < s->nc; i++) {
			for (j = srw_hash_str(s->c[i].id) & (ncap - 1); nt[j]; j = (j + 1) & (ncap - 1))
				;
			nt[j] = (uint32_t)i + 1;
		}
		free(s->tab);
		s->tab = nt;
		s->tabcap = ncap;
	}
	for (j = srw_hash_str(id) & (s->tabcap - 1); s->tab[j]; j = (j + 1) & (s->tabcap - 1))
		if (strcmp(s->c[s->tab[j] - 1].id, id) == 0)
			return &s->c[s->tab[j] - 1];
	if (s->nc == s->capc) {
		s->capc = s->capc ? 2 * s->capc : 64;
		s->c = srw_xrealloc(s->c, s->capc * sizeof *s->c);
	}
	s->tab[j] = (uint32_t)s->nc + 1;
	memset(&s->c[s->nc], 0, sizeof s->c[s->nc]);
	s->c[s->nc].id = srw_xstrdup(id);
	s->c[s->nc].newest = s->c[s->nc].closed = INT64_MIN;
	return &s->c[s->nc++];
}

static struct moment *
moment_get(struct cluster *c, int64_t ts)
{
	size_t i;

	for (i = c->nm; i > 0 && c->m[i - 1].ts > ts; i--)
		;
	if (i > 0 && c->m[i - 1].ts == ts)
		return &c->m[i - 1];
	if (c->nm == c->capm) {
		c->capm = c->capm ? 2 * c->capm : 4;
		c->m = srw_xrealloc(c->m, c->capm * sizeof *c->m);
	}
	memmove(c->m + i + 1, c->m + i, (c->nm - i) * sizeof *c->m);
	memset(&c->m[i], 0, sizeof c->m[i]);
	c->m[i].ts = ts;
	c->nm++;
	return &c->m[i];
}

static struct obs *
obs_get(struct rollup_snap *s, struct moment *m, enum kind k, const char *inst)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->o[i].kind == k && strcmp(m->o[i].inst, inst) == 0)
			return &m->o[i];
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->o = srw_xrealloc(m->o, m->cap * sizeof *m->o);
	}
	memset(&m->o[m->n], 0, sizeof m->o[m->n]);
	m->o[m->n].kind = k;
	m->o[m->n].inst = srw_xstrdup(inst);
	s->nopen++;
	return &m->o[m->n++];
}

static bool
eq(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

static void advance(struct rollup_snap *s, struct cluster *c, int64_t limit, srw_buf *out);

int
rollup_snap_point(struct rollup_snap *s, const srw_point *p, srw_buf *out, int64_t *horizon)
{
	const char *n = p->name, *cid, *inst;
	struct cluster *c;
	struct moment *m;
	int64_t hz;
	struct obs *o;
	enum kind k;
	bool second = false, add = false;

	if (strncmp(n, "starrocks_", 10) != 0 && strcmp(n, "jvm_heap_size_bytes") != 0 &&
	    strcmp(n, "node_info") != 0)
		return 0;
	if (isnan(p->value) || !(cid = srw_point_get_label(p, "cluster_id")) || !*cid)
		return 0;
	if (strcmp(n, "starrocks_be_cpu") == 0) {
		const char *mode = srw_point_get_label(p, "mode");

		if (!mode)
			return 0;
		k = K_CPU;
		add = true;
		second = strcmp(mode, "idle") != 0;	/* idle goes to a and b */
	} else if (strcmp(n, "jvm_heap_size_bytes") == 0) {
		const char *t = srw_point_get_label(p, "type");

		if (!eq(t, "used") && !eq(t, "max"))
			return 0;
		k = K_HEAP;
		second = eq(t, "max");
	} else if (strcmp(n, "starrocks_be_disks_total_capacity") == 0 ||
	    strcmp(n, "starrocks_be_disks_avail_capacity") == 0) {
		k = K_DISK;
		second = n[19] == 'a';	/* "…_avail_capacity" */
	} else if (strcmp(n, "starrocks_fe_max_tablet_compaction_score") == 0) {
		k = K_FE_COMPACT;
	} else if (strcmp(n, "starrocks_be_tablet_cumulative_max_compaction_score") == 0) {
		k = K_BE_COMPACT;
	} else if (strcmp(n, "starrocks_fe_query_latency_ms") == 0) {
		const char *q = srw_point_get_label(p, "quantile");

		if (eq(q, "0.99"))
			k = K_P99;
		else if (eq(q, "0.95"))
			k = K_P95;
		else
			return 0;
	} else if (strcmp(n, "starrocks_fe_query_err") == 0) {
		k = K_QUERY;
	} else if (strcmp(n, "starrocks_fe_query_total") == 0) {
		k = K_QUERY;
		second = true;
	} else if (strcmp(n, "starrocks_be_process_mem_bytes") == 0) {
		k = K_MEM;
	} else if (strcmp(n, "starrocks_be_max_tablet_rowset_num") == 0) {
		k = K_ROWSET;
	} else if (strcmp(n, "node_info") == 0) {
		const char *st = srw_point_get_label(p, "state");

		if (!eq(srw_point_get_label(p, "type"), "be_node_num") ||
		    !(eq(st, "alive") || eq(st, "total")))
			return 0;
		k = K_NODES;
		second = eq(st, "total");
	} else if (strcmp(n, "starrocks_fe_txn_failed") == 0) {
		k = K_TXNFAIL;
	} else if (strcmp(n, "starrocks_fe_connection_total") == 0) {
		k = K_CONN;
		add = true;
	} else if (strcmp(n, "starrocks_be_engine_requests_total") == 0) {
		const char *t = srw_point_get_label(p, "type");

		if (!eq(srw_point_get_label(p, "status"), "failed") || !t ||
		    !strstr(t, "compaction"))
			return 0;
		k = K_COMPFAIL;
		add = true;
	} else {
		return 0;
	}
	inst = srw_point_get_label(p, "instance");
	srw_buf_reset(&s->inst);
	srw_buf_adds(&s->inst, inst ? inst : "");
	if (k == K_DISK) {
		const char *path = srw_point_get_label(p, "path");

		srw_buf_addc(&s->inst, '|');
		srw_buf_adds(&s->inst, path ? path : "");
	}
	c = cluster_get(s, cid);
	hz = sat_sub(c->newest, s->lateness);
	if (hz < c->closed)
		hz = c->closed;
	if (p->ts < hz) {
		*horizon = hz;
		return -1;
	}
	m = moment_get(c, p->ts);
	o = obs_get(s, m, k, s->inst.s);
	if (k == K_CPU) {
		o->b += p->value;
		o->hb = true;
		if (!second) {
			o->a += p->value;
			o->ha = true;
		}
	} else if (second) {
		o->b = add ? o->b + p->value : p->value;
		o->hb = true;
	} else {
		o->a = add ? o->a + p->value : p->value;
		o->ha = true;
	}
	if (p->ts > c->newest) {
		c->newest = p->ts;
		advance(s, c, sat_sub(c->newest, s->lateness), out);
	}
	return 0;
}

static struct prev *
prev_get(struct cluster *c, enum kind k, const char *inst)
{
	size_t i;

	for (i = 0; i < c->np; i++)
		if (c->p[i].kind == k && strcmp(c->p[i].inst, inst) == 0)
			return &c->p[i];
	if (c->np == c->capp) {
		c->capp = c->capp ? 2 * c->capp : 8;
		c->p = srw_xrealloc(c->p, c->capp * sizeof *c->p);
	}
	memset(&c->p[c->np], 0, sizeof c->p[c->np]);
	c->p[c->np].kind = k;
	c->p[c->np].inst = srw_xstrdup(inst);
	c->p[c->np].ts = INT64_MIN;
	return &c->p[c->np++];
}

/* Increase of a counter from old to new; a drop means it restarted at 0. */
static double
delta(double nw, double old)
{
	return nw >= old ? nw - old : nw;
}

static void
hour_add(struct rollup_snap *s, struct cluster *c, int64_t ts, enum dim d, double v)
{
	int64_t start = ts / HOUR_MS * HOUR_MS;
	struct hour *h;
	size_t i;

	if (ts % HOUR_MS < 0)
		start -= HOUR_MS;
	if (!isfinite(v))
		return;
	for (i = c->nh; i > 0 && c->h[i - 1].start > start; i--)
		;
	if (!(i > 0 && c->h[i - 1].start == start)) {
		if (c->nh == c->caph) {
			c->caph = c->caph ? 2 * c->caph : 4;
			c->h = srw_xrealloc(c->h, c->caph * sizeof *c->h);
		}
		memmove(c->h + i + 1, c->h + i, (c->nh - i) * sizeof *c->h);
		memset(&c->h[i], 0, sizeof c->h[i]);
		c->h[i].start = start;
		c->nh++;
		s->nopen++;
		i++;
	}
	h = &c->h[i - 1];
	if (!h->n[d] || v < h->min[d])
		h->min[d] = v;
	if (!h->n[d] || v > h->max[d])
		h->max[d] = v;
	h->sum[d] += v;
	h->n[d]++;
}

/* The dimension values of one final moment. */
static void
moment_done(struct rollup_snap *s, struct cluster *c, struct moment *m)
{
	double v[NDIM], cpu_sum = 0, derr = 0, dtot = 0, qps = 0, txn = 0, cf = 0;
	bool have[NDIM] = { 0 }, fe_compact = false, have_q = false;
	long ncpu = 0;
	size_t i;

	for (i = 0; i < NDIM; i++)
		v[i] = 0;
	for (i = 0; i < m->n; i++) {
		struct obs *o = &m->o[i];
		struct prev *pv;
		double dt;

		switch (o->kind) {
		case K_CPU:
		case K_QUERY:
		case K_TXNFAIL:
		case K_COMPFAIL:
			pv = prev_get(c, o->kind, o->inst);
			dt = (double)(m->ts - pv->ts);
			if (pv->ts != INT64_MIN && dt > 0) {
				if (o->kind == K_CPU && o->ha && o->hb) {
					double di = delta(o->a, pv->a), da = delta(o->b, pv->b);

					if (da > 0 && di <= da) {
						cpu_sum += 100.0 * (1.0 - di / da);
						ncpu++;
					}
				} else if (o->kind == K_QUERY && o->ha && o->hb) {
					derr += delta(o->a, pv->a);
					dtot += delta(o->b, pv->b);
					qps += delta(o->b, pv->b) / (dt / 1000.0);
					have_q = true;
				} else if (o->kind == K_TXNFAIL && o->ha) {
					txn += delta(o->a, pv->a) / (dt / 60000.0);
					have[D_TXNFAIL] = true;
				} else if (o->kind == K_COMPFAIL && o->ha) {
					cf += delta(o->a, pv->a) / (dt / 60000.0);
					have[D_COMPFAIL] = true;
				}
			}
			if (pv->ts == INT64_MIN || m->ts > pv->ts) {
				pv->ts = m->ts;
				pv->a = o->a;
				pv->b = o->b;
			}
			break;
		case K_HEAP:
			if (o->ha && o->hb && o->b > 0) {
				double x = 100.0 * o->a / o->b;

				if (!have[D_HEAP] || x > v[D_HEAP])
					v[D_HEAP] = x;
				have[D_HEAP] = true;
			}
			break;
		case K_DISK:
			if (o->ha && o->hb && o->a > 0) {
				double x = 100.0 * (o->a - o->b) / o->a;

				if (!have[D_DISK] || x > v[D_DISK])
					v[D_DISK] = x;
				have[D_DISK] = true;
			}
			break;
		case K_FE_COMPACT:
			if (!fe_compact || o->a > v[D_COMPACT])
				v[D_COMPACT] = o->a;
			fe_compact = have[D_COMPACT] = true;
			break;
		case K_BE_COMPACT:
			break;	/* below: only when no FE reported */
		case K_NODES:
			if (o->ha && o->hb && o->b > 0) {
				double x = o->a / o->b;

				/* the most pessimistic FE's view */
				if (!have[D_ALIVE] || x < v[D_ALIVE])
					v[D_ALIVE] = x;
				have[D_ALIVE] = true;
			}
			break;
		case K_CONN:
			v[D_CONN] += o->a;
			have[D_CONN] = true;
			break;
		default: {	/* max over nodes */
			enum dim d = o->kind == K_P99 ? D_P99 : o->kind == K_P95 ? D_P95 :
			    o->kind == K_MEM ? D_MEM : D_ROWSET;

			if (!have[d] || o->a > v[d])
				v[d] = o->a;
			have[d] = true;
		}
		}
	}
	if (!fe_compact)
		for (i = 0; i < m->n; i++)
			if (m->o[i].kind == K_BE_COMPACT && m->o[i].ha) {
				if (!have[D_COMPACT] || m->o[i].a > v[D_COMPACT])
					v[D_COMPACT] = m->o[i].a;
				have[D_COMPACT] = true;
			}
	if (ncpu) {
		v[D_CPU] = cpu_sum / (double)ncpu;
		have[D_CPU] = true;
	}
	if (have_q) {
		v[D_ERR] = dtot > 0 ? 100.0 * derr / dtot : 0;
		v[D_QPS] = qps;
		have[D_ERR] = have[D_QPS] = true;
	}
	v[D_TXNFAIL] = txn;
	v[D_COMPFAIL] = cf;
	for (i = 0; i < NDIM; i++)
		if (have[i])
			hour_add(s, c, m->ts, (enum dim)i, v[i]);
	for (i = 0; i < m->n; i++)
		free(m->o[i].inst);
	free(m->o);
	s->nopen -= (long)m->n;
}

static void
hour_emit(const struct cluster *c, const struct hour *h, srw_buf *out)
{
	char when[24];
	int d;

	srw_time_fmt_sql(h->start, when);
	for (d = 0; d < NDIM; d++) {
		if (!h->n[d])
			continue;
		srw_jw_begin(out);
		srw_jw_str(out, "cluster_id", c->id);
		srw_jw_str(out, "metric", dim_names[d]);
		srw_jw_str(out, "hour", when);
		srw_jw_num(out, "avg_value", h->sum[d] / (double)h->n[d]);
		srw_jw_num(out, "min_value", h->min[d]);
		srw_jw_num(out, "max_value", h->max[d]);
		srw_jw_int(out, "samples", h->n[d]);
		srw_jw_end(out);
		srw_jw_flush(out, stdout, 1 << 16);
	}
}

/* Does the moments before limit and writes the hours that ended by it
 * (INT64_MAX: every hour). */
static void
advance(struct rollup_snap *s, struct cluster *c, int64_t limit, srw_buf *out)
{
	size_t k;

	if (!((c->nm && c->m[0].ts < limit) ||
	    (c->nh && (limit == INT64_MAX || c->h[0].start + HOUR_MS <= limit))))
		return;
	for (k = 0; k < c->nm && c->m[k].ts < limit; k++)
		moment_done(s, c, &c->m[k]);
	memmove(c->m, c->m + k, (c->nm - k) * sizeof *c->m);
	c->nm -= k;
	for (k = 0; k < c->nh && (limit == INT64_MAX ||
	    c->h[k].start + HOUR_MS <= limit); k++)
		hour_emit(c, &c->h[k], out);
	memmove(c->h, c->h + k, (c->nh - k) * sizeof *c->h);
	c->nh -= k;
	s->nopen -= (long)k;
}

long
rollup_snap_open(const struct rollup_snap *s)
{
	return s->nopen;
}

struct item {
	int64_t end;	/* final when the limit is at least this */
	long w;
};

static int
cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return (x->end > y->end) - (x->end < y->end);
}

void
rollup_snap_shrink(struct rollup_snap *s, long target, srw_buf *out)
{
	struct item *it;
	size_t n = 0, i, k, ni = 0;
	long left;
	int64_t cut;

	if (target <= 0) {
		for (i = 0; i < s->nc; i++)
			advance(s, &s->c[i], INT64_MAX, out);
		return;
	}
	for (i = 0; i < s->nc; i++)
		n += s->c[i].nm + s->c[i].nh;
	if (!n)
		return;
	it = srw_xmalloc(n * sizeof *it);
	for (i = 0; i < s->nc; i++) {
		struct cluster *c = &s->c[i];

		for (k = 0; k < c->nm; k++) {
			it[ni].end = c->m[k].ts + 1;
			it[ni++].w = (long)c->m[k].n;
		}
		for (k = 0; k < c->nh; k++) {
			it[ni].end = c->h[k].start + HOUR_MS;
			it[ni++].w = 1;
		}
	}
	qsort(it, ni, sizeof *it, cmp_item);
	left = s->nopen;
	for (i = 0; i < ni - 1 && left > target; i++)
		left -= it[i].w;
	cut = it[i].end;
	free(it);
	/* one cut for every cluster: points before it are late everywhere */
	for (i = 0; i < s->nc; i++) {
		if (cut > s->c[i].closed)
			s->c[i].closed = cut;
		advance(s, &s->c[i], cut, out);
	}
}

void
rollup_snap_free(struct rollup_snap *s)
{
	size_t i, k;

	for (i = 0; i < s->nc; i++) {
		struct cluster *c = &s->c[i];

		for (k = 0; k < c->nm; k++) {
			for (size_t j = 0; j < c->m[k].n; j++)
				free(c->m[k].o[j].inst);
			free(c->m[k].o);
		}
		for (k = 0; k < c->np; k++)
			free(c->p[k].inst);
		free(c->m);
		free(c->p);
		free(c->h);
		free(c->id);
	}
	free(s->c);
	free(s->tab);
	srw_buf_free(&s->inst);
	free(s);
}
