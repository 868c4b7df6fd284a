/* pqeval.c - evaluation of the PromQL program over the series store on
 * event time (promql-int.h). */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"
#include "promql-int.h"

/* ---- evaluation --------------------------------------------------------- */

void
srw_pq_begin(srw_pq *pq, srw_store *st, int64_t ts)
{
	pq->st = st;
	pq->ts = ts;
	pq->epoch++;
	pq_arena_reset(pq);
}

void
srw_pq_invalidate(srw_pq *pq)
{
	pq->epoch++;	/* earlier results stay in the arena until begin */
}

/* label builder */
typedef struct lb {
	const char *kv[2 * MAXL];
	size_t n;
} lb;

static void
lb_init(lb *b, const srw_lset *ls)
{
	b->n = ls ? ls->n : 0;
	if (b->n > MAXL)
		b->n = MAXL;
	if (ls)
		memcpy(b->kv, ls->kv, 2 * b->n * sizeof(char *));
}

static void
lb_del(lb *b, const char *k)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->kv[2 * i], k) == 0) {
			memmove(&b->kv[2 * i], &b->kv[2 * i + 2], 2 * (b->n - i - 1) * sizeof(char *));
			b->n--;
			return;
		}
}

static void
lb_set(lb *b, const char *k, const char *v)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->kv[2 * i], k) == 0) {
			b->kv[2 * i + 1] = v;
			return;
		}
	if (b->n < MAXL) {
		b->kv[2 * b->n] = k;
		b->kv[2 * b->n + 1] = v;
		b->n++;
	}
}

static bool
in_names(char **v, size_t n, const char *k)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], k) == 0)
			return true;
	return false;
}

static void
lb_keep(lb *b, char **names, size_t n)
{
	size_t i, j = 0;

	for (i = 0; i < b->n; i++)
		if (in_names(names, n, b->kv[2 * i])) {
			b->kv[2 * j] = b->kv[2 * i];
			b->kv[2 * j + 1] = b->kv[2 * i + 1];
			j++;
		}
	b->n = j;
}

static const srw_lset *
lb_done(srw_pq *pq, lb *b)
{
	srw_lset *ls = pq_aalloc(pq, sizeof *ls + 2 * b->n * sizeof(char *));

	pq_kv_sort(b->kv, b->n);
	ls->n = b->n;
	memcpy(ls->kv, b->kv, 2 * b->n * sizeof(char *));
	ls->hash = 0;	/* computed where needed: most results never need it */
	return ls;
}

static const srw_lset *
drop_name(srw_pq *pq, const srw_lset *ls)
{
	lb b;

	if (!srw_lset_get(ls, "__name__"))
		return ls;
	lb_init(&b, ls);
	lb_del(&b, "__name__");
	return lb_done(pq, &b);
}

/* grouping signature: on -> only names; else all but names and __name__ */
static uint64_t
sig(const srw_lset *ls, bool on, char **names, size_t n)
{
	uint64_t h = FNV0;
	uint32_t i;

	for (i = 0; i < ls->n; i++) {
		const char *k = ls->kv[2 * i];
		bool listed = in_names(names, n, k);

		if (on ? !listed : (listed || strcmp(k, "__name__") == 0))
			continue;
		h = pq_fnv_add(h, k);
		h = pq_fnv_add(h, ls->kv[2 * i + 1]);
	}
	return h;
}

/* open-addressing map u64 -> int in the arena */
typedef struct hmap {
	uint64_t *k;
	int *v;
	size_t mask;
} hmap;

static void
hm_init(srw_pq *pq, hmap *m, size_t n)
{
	size_t sz = 16;

	while (sz < 2 * n)
		sz *= 2;
	m->k = pq_aalloc(pq, sz * sizeof *m->k);
	m->v = pq_aalloc(pq, sz * sizeof *m->v);
	memset(m->v, 0xff, sz * sizeof *m->v);
	m->mask = sz - 1;
}

/* slot for key: v < 0 when free */
static size_t
hm_slot(hmap *m, uint64_t key)
{
	size_t i = (key ^ (key >> 29)) & m->mask;

	while (m->v[i] >= 0 && m->k[i] != key)
		i = (i + 1) & m->mask;
	return i;
}

static int
hm_get(hmap *m, uint64_t key)
{
	return m->v[hm_slot(m, key)];
}

static void
hm_put(hmap *m, uint64_t key, int v)
{
	size_t i = hm_slot(m, key);

	m->k[i] = key;
	m->v[i] = v;
}

static bool
match_series(const node *nd, const series *s)
{
	size_t i;

	for (i = 0; i < nd->nm; i++) {
		const matcher *m = &nd->m[i];
		const char *v = srw_lset_get(s->ls, m->name);
		bool eq;

		if (!v)
			v = "";
		switch (m->op) {
		case M_EQ: eq = strcmp(v, m->val) == 0; break;
		case M_NE: eq = strcmp(v, m->val) != 0; break;
		case M_RE: eq = srw_re_match(m->re, v); break;
		default: eq = !srw_re_match(m->re, v); break;
		}
		if (!eq)
			return false;
	}
	return true;
}

static void
refresh_matches(srw_pq *pq, node *nd)
{
	srw_store *st = pq->st;
	series **v;
	size_t n, i;

	if (nd->ms_gen == st->gen && nd->ms_store == st)
		return;
	if (nd->metric) {
		namelist *nl = pq_name_list(st, nd->metric, false);

		v = nl ? nl->v : NULL;
		n = nl ? nl->n : 0;
	} else {
		v = st->all;
		n = st->nall;
	}
	nd->nms = 0;
	for (i = 0; i < n; i++)
		if (match_series(nd, v[i]))
			pq_ptr_push(&nd->ms, &nd->nms, &nd->capms, v[i]);
	nd->ms_gen = st->gen;
	nd->ms_store = st;
}

/* first index in [off, n) with ts >= t */
static size_t
lower_bound(const series *s, int64_t t)
{
	size_t lo = s->off, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ts[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* samples of s in [lo, hi]: *a .. *b-1 */
static void
window(const series *s, int64_t lo, int64_t hi, size_t *a, size_t *b)
{
	size_t e = s->n;

	while (e > s->off && s->ts[e - 1] > hi)
		e--;
	*a = e > s->off && s->ts[e - 1] >= lo ? lower_bound(s, lo) : e;
	*b = e;
}

static srw_sample *
vec_alloc(srw_pq *pq, size_t n)
{
	return pq_aalloc(pq, (n ? n : 1) * sizeof(srw_sample));
}

static size_t eval(srw_pq *pq, int id, srw_sample **out);

static double
scalar_of(srw_pq *pq, int id)
{
	srw_sample *s;

	eval(pq, id, &s);
	return s[0].v;
}

static size_t
eval_sel(srw_pq *pq, node *nd, srw_sample **out)
{
	int64_t t = pq->ts - nd->offset;
	srw_sample *o;
	size_t i, k = 0;

	refresh_matches(pq, nd);
	o = vec_alloc(pq, nd->nms);
	for (i = 0; i < nd->nms; i++) {
		const series *s = nd->ms[i];
		size_t e = s->n;
		int64_t lb;

		while (e > s->off && s->ts[e - 1] > t)
			e--;
		if (e == s->off)
			continue;
		lb = s->ttl && s->ttl[e - 1] > 0 ? s->ttl[e - 1] : LOOKBACK_MS;
		if (s->ts[e - 1] < t - lb)
			continue;
		o[k].ls = s->ls;
		o[k].v = s->v[e - 1];
		k++;
	}
	*out = o;
	return k;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
quantile(double q, double *v, size_t n)
{
	double rank, w;
	size_t lo, hi;

	if (n == 0 || isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	qsort(v, n, sizeof *v, dcmp);
	rank = q * (n - 1);
	lo = (size_t)floor(rank);
	hi = lo + 1 < n ? lo + 1 : n - 1;
	w = rank - floor(rank);
	return v[lo] * (1 - w) + v[hi] * w;
}

static double
kahan_inc(double inc, double sum, double *c)
{
	double t = sum + inc;

	if (fabs(sum) >= fabs(inc))
		*c += (sum - t) + inc;
	else
		*c += (inc - t) + sum;
	return t;
}

static double
extrapolated(const series *s, size_t a, size_t b, int64_t rstart, int64_t rend,
    int64_t range, bool counter, bool rate, bool *ok)
{
	double result, dstart, dend, sampled, avgdur, thresh, interval;
	size_t i;

	*ok = b - a >= 2;
	if (!*ok)
		return 0;
	result = s->v[b - 1] - s->v[a];
	if (counter) {
		double last = 0;

		for (i = a; i < b; i++) {
			if (s->v[i] < last)
				result += last;
			last = s->v[i];
		}
	}
	dstart = (s->ts[a] - rstart) / 1000.0;
	dend = (rend - s->ts[b - 1]) / 1000.0;
	sampled = (s->ts[b - 1] - s->ts[a]) / 1000.0;
	avgdur = sampled / (b - a - 1);
	if (counter && result > 0 && s->v[a] >= 0) {
		double dzero = sampled * (s->v[a] / result);

		if (dzero < dstart)
			dstart = dzero;
	}
	thresh = avgdur * 1.1;
	interval = sampled;
	interval += dstart < thresh ? dstart : avgdur / 2;
	interval += dend < thresh ? dend : avgdur / 2;
	/* one factor, as Prometheus 2.x computes it (the last bit matters to
	 * histogram_quantile's bucket search) */
	{
		double factor = interval / sampled;

		if (rate)
			factor /= range / 1000.0;
		return result * factor;
	}
}

/* labels for absent(): the equality matchers of a selector argument */
static const srw_lset *
absent_labels(srw_pq *pq, const node *arg)
{
	lb b;
	size_t i;

	b.n = 0;
	if (arg->kind == N_SEL)
		for (i = 0; i < arg->nm; i++)
			if (arg->m[i].op == M_EQ)
				lb_set(&b, arg->m[i].name, arg->m[i].val);
	return lb_done(pq, &b);
}

/* The series' labels without __name__, made once (strings shared). */
static const srw_lset *
series_noname(series *s)
{
	uint32_t i, k = 0;

	if (s->noname)
		return s->noname;
	if (!srw_lset_get(s->ls, "__name__"))
		return s->noname = s->ls;
	s->noname = srw_xmalloc(sizeof *s->noname + 2 * s->ls->n * sizeof(char *));
	for (i = 0; i < s->ls->n; i++) {
		if (strcmp(s->ls->kv[2 * i], "__name__") == 0)
			continue;
		s->noname->kv[2 * k] = s->ls->kv[2 * i];
		s->noname->kv[2 * k + 1] = s->ls->kv[2 * i + 1];
		k++;
	}
	s->noname->n = k;
	s->noname->hash = pq_kv_hash(s->noname->kv, k);
	return s->noname;
}

static size_t
eval_range_fn(srw_pq *pq, node *nd, node *sel, srw_sample **out)
{
	int64_t rend = pq->ts - sel->offset, rstart = rend - sel->range;
	double q = nd->fn == F_QUANTILE_OT ? scalar_of(pq, nd->args[0]) : 0;
	srw_sample *o;
	size_t i, j, k = 0, a, b;
	double *tmp = NULL;
	size_t tmpcap = 0;

	refresh_matches(pq, sel);
	o = vec_alloc(pq, sel->nms);
	for (i = 0; i < sel->nms; i++) {
		series *s = sel->ms[i];
		double r = 0, sum = 0, mean = 0, m2 = 0, comp = 0;
		bool ok = true;

		window(s, rstart, rend, &a, &b);
		if (a == b)
			continue;
		switch (nd->fn) {
		case F_RATE: r = extrapolated(s, a, b, rstart, rend, sel->range, true, true, &ok); break;
		case F_INCREASE: r = extrapolated(s, a, b, rstart, rend, sel->range, true, false, &ok); break;
		case F_DELTA: r = extrapolated(s, a, b, rstart, rend, sel->range, false, false, &ok); break;
		case F_IRATE:
		case F_IDELTA:
			if (b - a < 2) {
				ok = false;
				break;
			}
			r = s->v[b - 1] - s->v[b - 2];
			if (nd->fn == F_IRATE) {
				if (s->v[b - 1] < s->v[b - 2])
					r = s->v[b - 1];
				if (s->ts[b - 1] == s->ts[b - 2])
					ok = false;
				else
					r /= (s->ts[b - 1] - s->ts[b - 2]) / 1000.0;
			}
			break;
		case F_SUM_OT:
			/* Kahan-Neumaier sums, as Prometheus computes them */
			for (j = a; j < b; j++)
				sum = kahan_inc(s->v[j], sum, &comp);
			r = sum + comp;
			break;
		case F_AVG_OT:
			for (j = a; j < b; j++) {
				double cnt = j - a + 1;

				mean = kahan_inc(s->v[j] / cnt - mean / cnt, mean, &comp);
			}
			r = mean + comp;
			break;
		case F_MIN_OT:
		case F_MAX_OT:
			r = s->v[a];
			for (j = a + 1; j < b; j++)
				if (nd->fn == F_MIN_OT ? (s->v[j] < r || isnan(r)) : (s->v[j] > r || isnan(r)))
					r = s->v[j];
			break;
		case F_COUNT_OT: r = b - a; break;
		case F_LAST_OT: r = s->v[b - 1]; break;
		case F_STDDEV_OT: {
			double cm2 = 0;

			for (j = a; j < b; j++) {
				double d = s->v[j] - (mean + comp);

				mean = kahan_inc(d / (j - a + 1), mean, &comp);
				m2 = kahan_inc(d * (s->v[j] - (mean + comp)), m2, &cm2);
			}
			r = sqrt((m2 + cm2) / (b - a));
			break;
		}
		case F_MAD_OT:
		case F_QUANTILE_OT:
			if (b - a > tmpcap) {
				tmpcap = b - a;
				tmp = pq_aalloc(pq, tmpcap * sizeof *tmp);
			}
			memcpy(tmp, s->v + a, (b - a) * sizeof *tmp);
			r = quantile(nd->fn == F_MAD_OT ? 0.5 : q, tmp, b - a);
			if (nd->fn == F_MAD_OT) {
				for (j = 0; j < b - a; j++)
					tmp[j] = fabs(s->v[a + j] - r);
				r = quantile(0.5, tmp, b - a);
			}
			break;
		case F_ABSENT_OT:
			*out = o;
			return 0;	/* something is present */
		}
		if (!ok)
			continue;
		o[k].ls = nd->fn == F_LAST_OT ? s->ls : series_noname(s);
		o[k].v = r;
		k++;
	}
	if (nd->fn == F_ABSENT_OT) {
		o[0].ls = absent_labels(pq, sel);
		o[0].v = 1;
		k = 1;
	}
	*out = o;
	return k;
}

typedef struct bucket {
	double le, count;
} bucket;

static int
bcmp_le(const void *a, const void *b)
{
	return dcmp(&((const bucket *)a)->le, &((const bucket *)b)->le);
}

static double
bucket_quantile(double q, bucket *b, size_t n)
{
	size_t i, j;
	double rank, obs, start = 0, count;

	if (isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	qsort(b, n, sizeof *b, bcmp_le);
	if (n == 0 || !isinf(b[n - 1].le) || b[n - 1].le < 0)
		return NAN;
	/* coalesce equal bounds, then force monotonic counts */
	for (i = 1, j = 0; i < n; i++) {
		if (b[i].le == b[j].le)
			b[j].count += b[i].count;
		else
			b[++j] = b[i];
	}
	n = j + 1;
	for (i = 1; i < n; i++)
		if (b[i].count < b[i - 1].count)
			b[i].count = b[i - 1].count;
	if (n < 2)
		return NAN;
	obs = b[n - 1].count;
	if (obs == 0)
		return NAN;
	rank = q * obs;
	for (i = 0; i < n - 1 && b[i].count < rank; i++)
		;
	if (i == n - 1)
		return b[n - 2].le;
	if (i == 0 && b[0].le <= 0)
		return b[0].le;
	count = b[i].count;
	if (i > 0) {
		start = b[i - 1].le;
		count -= b[i - 1].count;
		rank -= b[i - 1].count;
	}
	return start + (b[i].le - start) * (rank / count);
}

static size_t
eval_hquantile(srw_pq *pq, node *nd, srw_sample **out)
{
	double q = scalar_of(pq, nd->args[0]);
	srw_sample *in, *o;
	size_t n = eval(pq, nd->args[1], &in), i, ng = 0, k = 0;
	hmap m;
	int *gi = pq_aalloc(pq, (n ? n : 1) * sizeof *gi);
	size_t *gcount;
	bucket *bk = pq_aalloc(pq, (n ? n : 1) * sizeof *bk);
	size_t *gstart;
	const srw_lset **gls;
	char *le_name[] = { "le" };

	hm_init(pq, &m, n);
	gls = pq_aalloc(pq, (n ? n : 1) * sizeof *gls);
	for (i = 0; i < n; i++) {
		uint64_t h = sig(in[i].ls, false, le_name, 1);
		int g = hm_get(&m, h);

		if (!srw_lset_get(in[i].ls, "le")) {
			gi[i] = -1;
			continue;
		}
		if (g < 0) {
			lb b;

			g = ng++;
			hm_put(&m, h, g);
			lb_init(&b, in[i].ls);
			lb_del(&b, "le");
			lb_del(&b, "__name__");
			gls[g] = lb_done(pq, &b);
		}
		gi[i] = g;
	}
	gcount = pq_aalloc(pq, (ng + 1) * sizeof *gcount);
	gstart = pq_aalloc(pq, (ng + 1) * sizeof *gstart);
	memset(gcount, 0, (ng + 1) * sizeof *gcount);
	for (i = 0; i < n; i++)
		if (gi[i] >= 0)
			gcount[gi[i]]++;
	for (i = 0, k = 0; i < ng; i++) {
		gstart[i] = k;
		k += gcount[i];
		gcount[i] = 0;
	}
	for (i = 0; i < n; i++) {
		char *end;
		const char *les;
		size_t g;

		if (gi[i] < 0)
			continue;
		g = gi[i];
		les = srw_lset_get(in[i].ls, "le");
		bk[gstart[g] + gcount[g]].le = strtod(les, &end);
		if (*end) /* unparsable le: Prometheus drops the bucket */
			continue;
		bk[gstart[g] + gcount[g]].count = in[i].v;
		gcount[g]++;
	}
	o = vec_alloc(pq, ng);
	for (i = 0; i < ng; i++) {
		o[i].ls = gls[i];
		o[i].v = bucket_quantile(q, bk + gstart[i], gcount[i]);
	}
	*out = o;
	return ng;
}

static size_t
eval_func(srw_pq *pq, node *nd, srw_sample **out)
{
	srw_sample *in, *o;
	size_t n, i;
	double a = 0, b2 = 0;

	switch (nd->fn) {
	case F_TIME:
		o = vec_alloc(pq, 1);
		o[0].ls = NULL;
		o[0].v = pq->ts / 1000.0;
		*out = o;
		return 1;
	case F_HQUANTILE:
		return eval_hquantile(pq, nd, out);
	case F_VECTOR:
		o = vec_alloc(pq, 1);
		o[0].v = scalar_of(pq, nd->args[0]);
		o[0].ls = lb_done(pq, &(lb){ .n = 0 });
		*out = o;
		return 1;
	case F_SCALAR:
		n = eval(pq, nd->args[0], &in);
		o = vec_alloc(pq, 1);
		o[0].ls = NULL;
		o[0].v = n == 1 ? in[0].v : NAN;
		*out = o;
		return 1;
	case F_ABSENT:
		n = eval(pq, nd->args[0], &in);
		if (n) {
			*out = vec_alloc(pq, 0);
			return 0;
		}
		o = vec_alloc(pq, 1);
		o[0].ls = absent_labels(pq, &pq->nodes[nd->args[0]]);
		o[0].v = 1;
		*out = o;
		return 1;
	default:
		break;
	}
	if (pq->nodes[nd->args[nd->nargs - 1]].vt == VT_MATRIX)
		return eval_range_fn(pq, nd, &pq->nodes[nd->args[nd->nargs - 1]], out);
	n = eval(pq, nd->args[0], &in);
	if (nd->nargs > 1)
		a = scalar_of(pq, nd->args[1]);
	if (nd->nargs > 2)
		b2 = scalar_of(pq, nd->args[2]);
	o = vec_alloc(pq, n);
	for (i = 0; i < n; i++) {
		double v = in[i].v;

		switch (nd->fn) {
		case F_ABS: v = fabs(v); break;
		case F_CLAMP_MIN: v = v < a ? a : v; break;
		case F_CLAMP_MAX: v = v > a ? a : v; break;
		case F_CLAMP:
			if (a > b2) {
				*out = o;
				return 0;
			}
			v = v < a ? a : v > b2 ? b2 : v;
			break;
		case F_ROUND: {
			double to = nd->nargs > 1 ? a : 1, inv = 1.0 / to;

			v = floor(v * inv + 0.5) / inv;
			break;
		}
		default: break;
		}
		o[i].ls = drop_name(pq, in[i].ls);
		o[i].v = v;
	}
	*out = o;
	return n;
}

typedef struct agrp {
	const srw_lset *ls;
	double sum, min, max, mean, m2, avg;
	size_t count;
} agrp;

static int sample_desc(const void *a, const void *b)
{
	double x = ((const srw_sample *)a)->v, y = ((const srw_sample *)b)->v;

	if (isnan(x))
		return isnan(y) ? 0 : 1;
	if (isnan(y))
		return -1;
	return x > y ? -1 : x < y;
}

static size_t
eval_agg(srw_pq *pq, node *nd, srw_sample **out)
{
	double param = nd->nargs == 2 ? scalar_of(pq, nd->args[0]) : 0;
	srw_sample *in, *o;
	size_t n = eval(pq, nd->args[nd->nargs - 1], &in), i, ng = 0, k = 0;
	hmap m;
	agrp *g = pq_aalloc(pq, (n ? n : 1) * sizeof *g);
	int *gi = pq_aalloc(pq, (n ? n : 1) * sizeof *gi);

	hm_init(pq, &m, n);
	for (i = 0; i < n; i++) {
		uint64_t h = sig(in[i].ls, !nd->without, nd->grp, nd->ngrp);
		int x = hm_get(&m, h);
		double v = in[i].v;

		if (x < 0) {
			lb b;

			x = ng++;
			hm_put(&m, h, x);
			lb_init(&b, in[i].ls);
			if (nd->without) {
				for (size_t j = 0; j < nd->ngrp; j++)
					lb_del(&b, nd->grp[j]);
				lb_del(&b, "__name__");
			} else {
				lb_keep(&b, nd->grp, nd->ngrp);
			}
			memset(&g[x], 0, sizeof g[x]);
			g[x].ls = lb_done(pq, &b);
			g[x].min = g[x].max = v;
		}
		gi[i] = x;
		g[x].count++;
		g[x].sum += v;
		g[x].avg += v / g[x].count - g[x].avg / g[x].count;
		if (v < g[x].min || isnan(g[x].min))
			g[x].min = v;
		if (v > g[x].max || isnan(g[x].max))
			g[x].max = v;
		{
			double d = v - g[x].mean;

			g[x].mean += d / g[x].count;
			g[x].m2 += d * (v - g[x].mean);
		}
	}
	if (nd->aop == A_TOPK || nd->aop == A_BOTTOMK || nd->aop == A_QUANTILE) {
		/* sort members by group, then value */
		srw_sample *s = vec_alloc(pq, n);
		size_t *start = pq_aalloc(pq, (ng + 1) * sizeof *start), *cnt = pq_aalloc(pq, (ng + 1) * sizeof *cnt);
		size_t x;

		memset(cnt, 0, (ng + 1) * sizeof *cnt);
		for (i = 0; i < n; i++)
			cnt[gi[i]]++;
		for (x = 0, k = 0; x < ng; x++) {
			start[x] = k;
			k += cnt[x];
			cnt[x] = 0;
		}
		for (i = 0; i < n; i++)
			s[start[gi[i]] + cnt[gi[i]]++] = in[i];
		o = vec_alloc(pq, n);
		k = 0;
		for (x = 0; x < ng; x++) {
			srw_sample *gs = s + start[x];

			if (nd->aop == A_QUANTILE) {
				double *v = pq_aalloc(pq, cnt[x] * sizeof *v);

				for (i = 0; i < cnt[x]; i++)
					v[i] = gs[i].v;
				o[k].ls = g[x].ls;
				o[k++].v = quantile(param, v, cnt[x]);
				continue;
			}
			qsort(gs, cnt[x], sizeof *gs, sample_desc);
			if (nd->aop == A_BOTTOMK)
				for (i = 0; i < cnt[x] / 2; i++) {
					srw_sample t = gs[i];

					gs[i] = gs[cnt[x] - 1 - i];
					gs[cnt[x] - 1 - i] = t;
				}
			for (i = 0; i < cnt[x] && (double)i < param; i++)
				o[k++] = gs[i];
		}
		*out = o;
		return k;
	}
	o = vec_alloc(pq, ng);
	for (i = 0; i < ng; i++) {
		double v = 0;

		switch (nd->aop) {
		case A_SUM: v = g[i].sum; break;
		case A_AVG: v = g[i].avg; break;
		case A_MIN: v = g[i].min; break;
		case A_MAX: v = g[i].max; break;
		case A_COUNT: v = g[i].count; break;
		case A_STDDEV: v = sqrt(g[i].m2 / g[i].count); break;
		case A_STDVAR: v = g[i].m2 / g[i].count; break;
		default: break;
		}
		o[i].ls = g[i].ls;
		o[i].v = v;
	}
	*out = o;
	return ng;
}

static double
arith(int op, double a, double b, bool *keep)
{
	*keep = true;
	switch (op) {
	case B_ADD: return a + b;
	case B_SUB: return a - b;
	case B_MUL: return a * b;
	case B_DIV: return a / b;
	case B_MOD: return fmod(a, b);
	case B_POW: return pow(a, b);
	case B_EQL: *keep = a == b; return a;
	case B_NEQ: *keep = a != b; return a;
	case B_GT: *keep = a > b; return a;
	case B_LT: *keep = a < b; return a;
	case B_GTE: *keep = a >= b; return a;
	case B_LTE: *keep = a <= b; return a;
	}
	return NAN;
}

static size_t
eval_bin(srw_pq *pq, node *nd, srw_sample **out)
{
	srw_sample *l, *r, *o;
	size_t nl = eval(pq, nd->args[0], &l), nr = eval(pq, nd->args[1], &r), i, k = 0;
	bool lv = pq->nodes[nd->args[0]].vt == VT_VECTOR, rv = pq->nodes[nd->args[1]].vt == VT_VECTOR;
	bool cmp = pq_is_cmp(nd->bop), keep, dropname = !cmp || nd->retbool;
	hmap m;
	double v;

	if (!lv && !rv) {
		o = vec_alloc(pq, 1);
		v = arith(nd->bop, l[0].v, r[0].v, &keep);
		o[0].ls = NULL;
		o[0].v = cmp ? (keep ? 1 : 0) : v;
		*out = o;
		return 1;
	}
	if (!lv || !rv) {
		srw_sample *vec = lv ? l : r;
		size_t n = lv ? nl : nr;
		double sc = lv ? r[0].v : l[0].v;

		o = vec_alloc(pq, n);
		for (i = 0; i < n; i++) {
			v = lv ? arith(nd->bop, vec[i].v, sc, &keep) : arith(nd->bop, sc, vec[i].v, &keep);
			if (cmp) {
				if (nd->retbool)
					v = keep ? 1 : 0;
				else if (!keep)
					continue;
				else
					v = vec[i].v;
			}
			o[k].ls = dropname ? drop_name(pq, vec[i].ls) : vec[i].ls;
			o[k].v = v;
			k++;
		}
		*out = o;
		return k;
	}
	if (pq_is_set(nd->bop)) {
		hm_init(pq, &m, nr);
		for (i = 0; i < nr; i++)
			hm_put(&m, sig(r[i].ls, nd->on, nd->grp, nd->ngrp), i);
		o = vec_alloc(pq, nl + nr);
		if (nd->bop == B_OR) {
			hmap ml;

			hm_init(pq, &ml, nl);
			for (i = 0; i < nl; i++) {
				hm_put(&ml, sig(l[i].ls, nd->on, nd->grp, nd->ngrp), i);
				o[k++] = l[i];
			}
			for (i = 0; i < nr; i++)
				if (hm_get(&ml, sig(r[i].ls, nd->on, nd->grp, nd->ngrp)) < 0)
					o[k++] = r[i];
		} else {
			for (i = 0; i < nl; i++) {
				bool found = hm_get(&m, sig(l[i].ls, nd->on, nd->grp, nd->ngrp)) >= 0;

				if (found == (nd->bop == B_AND))
					o[k++] = l[i];
			}
		}
		*out = o;
		return k;
	}
	/* vector op vector: the "one" side goes into the map */
	{
		bool right_many = nd->card == C_ONE_MANY;
		srw_sample *one = right_many ? l : r, *many = right_many ? r : l;
		size_t none = right_many ? nl : nr, nmany = right_many ? nr : nl;
		hmap seen;

		hm_init(pq, &m, none);
		for (i = 0; i < none; i++) {
			uint64_t h = sig(one[i].ls, nd->on, nd->grp, nd->ngrp);

			if (hm_get(&m, h) >= 0) {
				/* Prometheus: many-to-many matching is an error */
				snprintf(pq->errmsg, sizeof pq->errmsg, "found duplicate series for the "
				    "match group on the %s hand-side of the operation: many-to-many "
				    "matching not allowed", right_many ? "left" : "right");
				pq->local_err = true;
				*out = vec_alloc(pq, 0);
				return 0;
			}
			hm_put(&m, h, i);
		}
		hm_init(pq, &seen, nmany);
		o = vec_alloc(pq, nmany);
		for (i = 0; i < nmany; i++) {
			uint64_t h = sig(many[i].ls, nd->on, nd->grp, nd->ngrp);
			int j = hm_get(&m, h);
			double a, b;
			lb bl;

			if (j < 0)
				continue;
			a = right_many ? one[j].v : many[i].v;
			b = right_many ? many[i].v : one[j].v;
			v = arith(nd->bop, a, b, &keep);
			if (cmp) {
				if (nd->retbool)
					v = keep ? 1 : 0;
				else if (!keep)
					continue;
			}
			if (nd->card == C_ONE) {
				/* as Prometheus: two matches after filtering is an error */
				if (hm_get(&seen, h) >= 0) {
					snprintf(pq->errmsg, sizeof pq->errmsg, "multiple matches for labels: "
					    "many-to-one matching must be explicit (group_left/group_right)");
					pq->local_err = true;
					*out = vec_alloc(pq, 0);
					return 0;
				}
				hm_put(&seen, h, 1);
			}
			lb_init(&bl, many[i].ls);
			if (dropname)
				lb_del(&bl, "__name__");
			if (nd->card == C_ONE) {
				if (nd->on)
					lb_keep(&bl, nd->grp, nd->ngrp);
				else
					for (size_t x = 0; x < nd->ngrp; x++)
						lb_del(&bl, nd->grp[x]);
			}
			for (size_t x = 0; x < nd->nincl; x++) {
				const char *iv = srw_lset_get(one[j].ls, nd->incl[x]);

				if (iv && *iv)
					lb_set(&bl, nd->incl[x], iv);
				else
					lb_del(&bl, nd->incl[x]);
			}
			o[k].ls = lb_done(pq, &bl);
			o[k].v = v;
			if (nd->card != C_ONE) {
				/* grouping labels must make the results unique */
				uint64_t rh = pq_kv_hash(o[k].ls->kv, o[k].ls->n) ^ (h * 0x9e3779b97f4a7c15ULL);

				if (hm_get(&seen, rh) >= 0) {
					snprintf(pq->errmsg, sizeof pq->errmsg, "multiple matches for labels: "
					    "grouping labels must ensure unique matches");
					pq->local_err = true;
					*out = vec_alloc(pq, 0);
					return 0;
				}
				hm_put(&seen, rh, 1);
			}
			k++;
		}
		*out = o;
		return k;
	}
}

static size_t
eval(srw_pq *pq, int id, srw_sample **out)
{
	node *nd = &pq->nodes[id];
	srw_sample *in;
	size_t n, i;

	if (nd->memo == pq->epoch) {
		*out = nd->val;
		return nd->nval;
	}
	switch (nd->kind) {
	case N_NUM:
		in = vec_alloc(pq, 1);
		in[0].ls = NULL;
		in[0].v = nd->num;
		n = 1;
		break;
	case N_SEL:
		n = eval_sel(pq, nd, &in);
		break;
	case N_FUNC:
		n = eval_func(pq, nd, &in);
		break;
	case N_AGG:
		n = eval_agg(pq, nd, &in);
		break;
	case N_NEG: {
		srw_sample *x;

		n = eval(pq, nd->args[0], &x);
		in = vec_alloc(pq, n);
		for (i = 0; i < n; i++) {
			in[i].ls = x[i].ls ? drop_name(pq, x[i].ls) : NULL;
			in[i].v = -x[i].v;
		}
		break;
	}
	default:
		n = eval_bin(pq, nd, &in);
		break;
	}
	if (nd->kind != N_NUM && nd->kind != N_SEL)
		pq->computed++;
	nd->failed = pq->local_err;
	pq->local_err = false;
	for (i = 0; i < (size_t)nd->nargs; i++)
		if (pq->nodes[nd->args[i]].failed)
			nd->failed = true;
	if (nd->failed) {
		in = vec_alloc(pq, 0);
		n = 0;
	}
	nd->memo = pq->epoch;
	nd->val = in;
	nd->nval = n;
	*out = in;
	return n;
}

const char *
srw_pq_failed(const srw_pq *pq, int id)
{
	return pq->nodes[id].failed ? pq->errmsg : NULL;
}

size_t
srw_pq_eval(srw_pq *pq, int id, srw_sample **out)
{
	return eval(pq, id, out);
}
