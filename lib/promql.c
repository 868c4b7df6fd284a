/* promql.c - a PromQL subset: lexer, parser, compiler into shared
 * single-function steps (the Monasca threshold-engine proposal), and an
 * evaluator over an in-memory series store on event time.
 *
 * Semantics follow Prometheus 2.x (what promtool 2.42 does): instant
 * selectors look back 5 minutes, ranges are closed [t-range, t], rate,
 * increase and delta extrapolate, comparison without bool filters, one-to-one
 * matching with on() keeps only the on() labels.  Anything outside the
 * subset is an error at compile time, never a silent wrong answer. */
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"

#define LOOKBACK_MS (5 * 60 * 1000)
#define MAXL 128	/* labels per series */

/* ---- label sets -------------------------------------------------------- */

static uint64_t
fnv_add(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	h ^= 0xff;
	h *= 1099511628211ULL;
	return h;
}
#define FNV0 14695981039346656037ULL

static void
kv_sort(const char **kv, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		const char *k = kv[2 * i], *v = kv[2 * i + 1];

		for (j = i; j > 0 && strcmp(kv[2 * (j - 1)], k) > 0; j--) {
			kv[2 * j] = kv[2 * (j - 1)];
			kv[2 * j + 1] = kv[2 * (j - 1) + 1];
		}
		kv[2 * j] = k;
		kv[2 * j + 1] = v;
	}
}

/* The store's series hash, eight bytes at a time (FxHash-style): it runs
 * for every input point.  Fingerprints that leave the program use FNV. */
static uint64_t
str_hash8(uint64_t h, const char *s)
{
	size_t n = strlen(s), i;
	uint64_t w;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = ((h << 5 | h >> 59) ^ w) * 0x517cc1b727220a95ULL;
	}
	w = 0;
	memcpy(&w, s + i, n - i);
	h = ((h << 5 | h >> 59) ^ w ^ ((uint64_t)n << 56)) * 0x517cc1b727220a95ULL;
	return h;
}

static uint64_t
kv_hash(const char *const *kv, size_t n)
{
	uint64_t h = FNV0;
	size_t i;

	for (i = 0; i < 2 * n; i++)
		h = str_hash8(h, kv[i]);
	return h ^ (h >> 31);
}

const char *
srw_lset_get(const srw_lset *ls, const char *name)
{
	uint32_t i;

	for (i = 0; ls && i < ls->n; i++)
		if (strcmp(ls->kv[2 * i], name) == 0)
			return ls->kv[2 * i + 1];
	return NULL;
}

/* Alertmanager's fingerprint: FNV-1a 64 over the sorted labels. */
uint64_t
srw_lset_fingerprint(const srw_lset *ls, const char *skip)
{
	uint64_t h = FNV0;
	uint32_t i;

	for (i = 0; i < ls->n; i++) {
		if (skip && strcmp(ls->kv[2 * i], skip) == 0)
			continue;
		h = fnv_add(h, ls->kv[2 * i]);
		h = fnv_add(h, ls->kv[2 * i + 1]);
	}
	return h;
}

/* ---- the series store --------------------------------------------------- */

typedef struct series {
	srw_lset *ls;		/* owned, strings in the same block */
	srw_lset *noname;	/* ls without __name__ (functions' results), lazily */
	const char *name;
	int64_t *ts;
	double *v;
	int64_t *ttl;		/* NULL unless a sample carried a ttl */
	size_t off, n, cap;	/* live samples are [off, n) */
	struct series *hnext;
	struct series *after;	/* the series that followed this one last time */
	bool dead;
} series;

typedef struct namelist {
	char *name;
	series **v;
	size_t n, cap;
	struct namelist *hnext;
} namelist;

struct srw_store {
	series **tab;
	size_t tabsz, nseries;
	namelist **ntab;
	size_t ntabsz;
	series **all;
	size_t nall, capall;
	uint64_t gen;		/* bumps when series come or go */
	series *last;		/* the series of the previous sample */
};

srw_store *
srw_store_new(void)
{
	srw_store *st = srw_xcalloc(1, sizeof *st);

	st->tabsz = 4096;
	st->tab = srw_xcalloc(st->tabsz, sizeof *st->tab);
	st->ntabsz = 1024;
	st->ntab = srw_xcalloc(st->ntabsz, sizeof *st->ntab);
	return st;
}

static void
series_free(series *s)
{
	if (s->noname != s->ls)
		free(s->noname);
	free(s->ls);
	free(s->ts);
	free(s->v);
	free(s->ttl);
	free(s);
}

void
srw_store_free(srw_store *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->nall; i++)
		series_free(st->all[i]);
	for (i = 0; i < st->ntabsz; i++) {
		namelist *nl, *nx;

		for (nl = st->ntab[i]; nl; nl = nx) {
			nx = nl->hnext;
			free(nl->name);
			free(nl->v);
			free(nl);
		}
	}
	free(st->all);
	free(st->tab);
	free(st->ntab);
	free(st);
}

size_t
srw_store_nseries(const srw_store *st)
{
	return st->nseries;
}

static namelist *
name_list(srw_store *st, const char *name, bool create)
{
	uint64_t h = fnv_add(FNV0, name);
	namelist **pp = &st->ntab[h & (st->ntabsz - 1)], *nl;

	for (nl = *pp; nl; nl = nl->hnext)
		if (strcmp(nl->name, name) == 0)
			return nl;
	if (!create)
		return NULL;
	nl = srw_xcalloc(1, sizeof *nl);
	nl->name = srw_xstrdup(name);
	nl->hnext = *pp;
	*pp = nl;
	return nl;
}

static void
ptr_push(series ***v, size_t *n, size_t *cap, series *s)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = srw_xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[(*n)++] = s;
}

static void
store_rehash(srw_store *st)
{
	size_t i, nsz = st->tabsz * 2;
	series **nt = srw_xcalloc(nsz, sizeof *nt);

	for (i = 0; i < st->nall; i++) {
		series *s = st->all[i];
		size_t b = s->ls->hash & (nsz - 1);

		s->hnext = nt[b];
		nt[b] = s;
	}
	free(st->tab);
	st->tab = nt;
	st->tabsz = nsz;
}

/* Finds or creates the series of kv (sorted, __name__ included). */
static series *
store_series(srw_store *st, const char **kv, size_t n, uint64_t h)
{
	series *s;
	size_t i, sz;
	char *p;
	const char *name = NULL;

	for (s = st->tab[h & (st->tabsz - 1)]; s; s = s->hnext) {
		if (s->ls->hash != h || s->ls->n != n)
			continue;
		for (i = 0; i < 2 * n; i++)
			if (strcmp(s->ls->kv[i], kv[i]) != 0)
				break;
		if (i == 2 * n)
			return s;
	}
	sz = sizeof(srw_lset) + 2 * n * sizeof(char *);
	for (i = 0; i < 2 * n; i++)
		sz += strlen(kv[i]) + 1;
	s = srw_xcalloc(1, sizeof *s);
	s->ls = srw_xmalloc(sz);
	s->ls->n = n;
	s->ls->hash = h;
	p = (char *)s->ls + sizeof(srw_lset) + 2 * n * sizeof(char *);
	for (i = 0; i < 2 * n; i++) {
		size_t l = strlen(kv[i]) + 1;

		memcpy(p, kv[i], l);
		s->ls->kv[i] = p;
		p += l;
	}
	for (i = 0; i < n; i++)
		if (strcmp(s->ls->kv[2 * i], "__name__") == 0)
			name = s->ls->kv[2 * i + 1];
	s->name = name ? name : "";
	s->hnext = st->tab[h & (st->tabsz - 1)];
	st->tab[h & (st->tabsz - 1)] = s;
	ptr_push(&st->all, &st->nall, &st->capall, s);
	{
		namelist *nl = name_list(st, s->name, true);

		ptr_push(&nl->v, &nl->n, &nl->cap, s);
	}
	st->nseries++;
	st->gen++;
	if (st->nall > st->tabsz)
		store_rehash(st);
	return s;
}

static void
series_append(series *s, int64_t ts, double v, int64_t ttl)
{
	size_t i;

	if (s->off > 0 && s->n == s->cap && s->off >= s->n / 2) {
		memmove(s->ts, s->ts + s->off, (s->n - s->off) * sizeof *s->ts);
		memmove(s->v, s->v + s->off, (s->n - s->off) * sizeof *s->v);
		if (s->ttl)
			memmove(s->ttl, s->ttl + s->off, (s->n - s->off) * sizeof *s->ttl);
		s->n -= s->off;
		s->off = 0;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->ts = srw_xrealloc(s->ts, s->cap * sizeof *s->ts);
		s->v = srw_xrealloc(s->v, s->cap * sizeof *s->v);
		if (s->ttl)
			s->ttl = srw_xrealloc(s->ttl, s->cap * sizeof *s->ttl);
	}
	if (ttl > 0 && !s->ttl) {
		s->ttl = srw_xmalloc(s->cap * sizeof *s->ttl);
		for (i = 0; i < s->n; i++)
			s->ttl[i] = 0;
	}
	/* keep samples in time order; a repeated timestamp replaces */
	i = s->n;
	while (i > s->off && s->ts[i - 1] > ts)
		i--;
	if (i > s->off && s->ts[i - 1] == ts) {
		s->v[i - 1] = v;
		if (s->ttl)
			s->ttl[i - 1] = ttl;
		return;
	}
	if (i < s->n) {
		memmove(s->ts + i + 1, s->ts + i, (s->n - i) * sizeof *s->ts);
		memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof *s->v);
		if (s->ttl)
			memmove(s->ttl + i + 1, s->ttl + i, (s->n - i) * sizeof *s->ttl);
	}
	s->ts[i] = ts;
	s->v[i] = v;
	if (s->ttl)
		s->ttl[i] = ttl;
	s->n++;
}

/* Is s the series name{l, le}?  l sorted by name, as srw_point gives it. */
static bool
same_series(const series *s, const char *name, const srw_point_label *l, size_t n,
    const char *le)
{
	const srw_lset *ls = s->ls;
	size_t i, j = 0;

	if (ls->n != n + 1 + (le != NULL) || strcmp(s->name, name) != 0)
		return false;
	for (i = 0; i < ls->n; i++) {
		const char *k = ls->kv[2 * i];

		if (k[0] == '_' && strcmp(k, "__name__") == 0)
			continue;
		if (le && k[0] == 'l' && strcmp(k, "le") == 0) {
			if (strcmp(ls->kv[2 * i + 1], le) != 0)
				return false;
			continue;
		}
		if (j == n || strcmp(k, l[j].k) != 0 || strcmp(ls->kv[2 * i + 1], l[j].v) != 0)
			return false;
		j++;
	}
	return j == n;
}

void
srw_store_add(srw_store *st, const char *name, const srw_point_label *l,
    size_t n, const char *le, int64_t ts, double v, int64_t ttl_ms)
{
	const char *kv[2 * MAXL];
	size_t i, m = 0;
	series *s;

	/* scrapes come in the same order every time: try the series that
	 * followed the previous one last time before sorting and hashing */
	if (st->last && (s = st->last->after) && same_series(s, name, l, n, le)) {
		series_append(s, ts, v, ttl_ms);
		st->last = s;
		return;
	}

	kv[m++] = "__name__";
	kv[m++] = name;
	for (i = 0; i < n && m < 2 * MAXL - 2; i++) {
		if (strcmp(l[i].k, "__name__") == 0)
			continue;
		kv[m++] = l[i].k;
		kv[m++] = l[i].v;
	}
	if (le && m < 2 * MAXL) {
		kv[m++] = "le";
		kv[m++] = le;
	}
	kv_sort(kv, m / 2);
	s = store_series(st, kv, m / 2, kv_hash(kv, m / 2));
	series_append(s, ts, v, ttl_ms);
	if (st->last)
		st->last->after = s;
	st->last = s;
}

void
srw_store_add_lset(srw_store *st, const srw_lset *ls, const char *name, int64_t ts,
    double v)
{
	const char *kv[2 * MAXL];
	size_t i, m = 0;

	kv[m++] = "__name__";
	kv[m++] = name;
	for (i = 0; i < ls->n && m < 2 * MAXL; i++) {
		if (strcmp(ls->kv[2 * i], "__name__") == 0)
			continue;
		kv[m++] = ls->kv[2 * i];
		kv[m++] = ls->kv[2 * i + 1];
	}
	kv_sort(kv, m / 2);
	series_append(store_series(st, kv, m / 2, kv_hash(kv, m / 2)), ts, v, 0);
}

void
srw_store_gc(srw_store *st, int64_t ts, int64_t keep_ms)
{
	size_t i, j, k;
	int64_t lim = ts - keep_ms;
	bool removed = false;

	for (i = 0; i < st->nall; i++) {
		series *s = st->all[i];

		while (s->off < s->n && s->ts[s->off] < lim &&
		    !(s->ttl && s->ttl[s->off] > keep_ms && s->ts[s->off] + s->ttl[s->off] >= ts))
			s->off++;
		if (s->off == s->n)
			s->dead = removed = true;
	}
	if (!removed)
		return;
	/* hints may point at series about to be freed */
	st->last = NULL;
	for (i = 0; i < st->nall; i++)
		st->all[i]->after = NULL;
	for (i = 0; i < st->ntabsz; i++) {
		namelist *nl;

		for (nl = st->ntab[i]; nl; nl = nl->hnext) {
			for (j = k = 0; j < nl->n; j++)
				if (!nl->v[j]->dead)
					nl->v[k++] = nl->v[j];
			nl->n = k;
		}
	}
	for (i = 0; i < st->tabsz; i++) {
		series **pp = &st->tab[i];

		while (*pp) {
			if ((*pp)->dead)
				*pp = (*pp)->hnext;
			else
				pp = &(*pp)->hnext;
		}
	}
	for (j = k = 0; j < st->nall; j++) {
		if (st->all[j]->dead) {
			series_free(st->all[j]);
			st->nseries--;
		} else {
			st->all[k++] = st->all[j];
		}
	}
	st->nall = k;
	st->gen++;
}

/* ---- the program -------------------------------------------------------- */

enum nkind { N_NUM, N_SEL, N_FUNC, N_AGG, N_BIN, N_NEG };
enum vtype { VT_SCALAR, VT_VECTOR, VT_MATRIX };
enum mop { M_EQ, M_NE, M_RE, M_NRE };
enum bop { B_ADD, B_SUB, B_MUL, B_DIV, B_MOD, B_POW, B_EQL, B_NEQ, B_GT, B_LT,
	B_GTE, B_LTE, B_AND, B_OR, B_UNLESS };
enum card { C_ONE, C_MANY_ONE, C_ONE_MANY };
enum agg { A_SUM, A_AVG, A_MIN, A_MAX, A_COUNT, A_STDDEV, A_STDVAR, A_TOPK,
	A_BOTTOMK, A_QUANTILE };
enum fn { F_RATE, F_IRATE, F_INCREASE, F_DELTA, F_IDELTA, F_AVG_OT, F_MIN_OT,
	F_MAX_OT, F_SUM_OT, F_COUNT_OT, F_STDDEV_OT, F_QUANTILE_OT, F_LAST_OT, F_MAD_OT,
	F_ABSENT, F_ABSENT_OT, F_ABS, F_CLAMP_MIN, F_CLAMP_MAX, F_CLAMP, F_ROUND,
	F_HQUANTILE, F_TIME, F_SCALAR, F_VECTOR };

static const struct fndef {
	const char *name;
	const char *args;	/* v instant vector, m range vector, s scalar; ? optional */
	enum vtype ret;
} fns[] = {
	[F_RATE] = { "rate", "m", VT_VECTOR },
	[F_IRATE] = { "irate", "m", VT_VECTOR },
	[F_INCREASE] = { "increase", "m", VT_VECTOR },
	[F_DELTA] = { "delta", "m", VT_VECTOR },
	[F_IDELTA] = { "idelta", "m", VT_VECTOR },
	[F_AVG_OT] = { "avg_over_time", "m", VT_VECTOR },
	[F_MIN_OT] = { "min_over_time", "m", VT_VECTOR },
	[F_MAX_OT] = { "max_over_time", "m", VT_VECTOR },
	[F_SUM_OT] = { "sum_over_time", "m", VT_VECTOR },
	[F_COUNT_OT] = { "count_over_time", "m", VT_VECTOR },
	[F_STDDEV_OT] = { "stddev_over_time", "m", VT_VECTOR },
	[F_QUANTILE_OT] = { "quantile_over_time", "sm", VT_VECTOR },
	[F_LAST_OT] = { "last_over_time", "m", VT_VECTOR },
	[F_MAD_OT] = { "mad_over_time", "m", VT_VECTOR },
	[F_ABSENT] = { "absent", "v", VT_VECTOR },
	[F_ABSENT_OT] = { "absent_over_time", "m", VT_VECTOR },
	[F_ABS] = { "abs", "v", VT_VECTOR },
	[F_CLAMP_MIN] = { "clamp_min", "vs", VT_VECTOR },
	[F_CLAMP_MAX] = { "clamp_max", "vs", VT_VECTOR },
	[F_CLAMP] = { "clamp", "vss", VT_VECTOR },
	[F_ROUND] = { "round", "vs?", VT_VECTOR },
	[F_HQUANTILE] = { "histogram_quantile", "sv", VT_VECTOR },
	[F_TIME] = { "time", "", VT_SCALAR },
	[F_SCALAR] = { "scalar", "v", VT_SCALAR },
	[F_VECTOR] = { "vector", "s", VT_VECTOR },
};
#define NFNS (sizeof fns / sizeof *fns)

static const char *const aggnames[] = { "sum", "avg", "min", "max", "count",
	"stddev", "stdvar", "topk", "bottomk", "quantile" };
static const char *const bopnames[] = { "+", "-", "*", "/", "%", "^", "==", "!=",
	">", "<", ">=", "<=", "and", "or", "unless" };

typedef struct matcher {
	char *name, *val;
	enum mop op;
	regex_t re;
} matcher;

typedef struct node {
	enum nkind kind;
	enum vtype vt;
	char *canon;
	uint64_t chash;
	/* N_NUM */
	double num;
	char *numtext;
	/* N_SEL */
	char *metric;
	matcher *m;
	size_t nm;
	int64_t range, offset;
	series **ms;	/* matching series, refreshed when the store changes */
	size_t nms, capms;
	uint64_t ms_gen;
	const srw_store *ms_store;
	/* N_FUNC, N_AGG, N_BIN, N_NEG: child node ids */
	int fn, aop, bop;
	int args[3];
	int nargs;
	bool without, retbool, on;
	char **grp;	/* by/without or on/ignoring labels, sorted */
	size_t ngrp;
	char **incl;	/* group_left/right labels */
	size_t nincl;
	enum card card;
	/* evaluation */
	uint64_t memo;
	srw_sample *val;
	size_t nval;
	bool failed;	/* this instant's evaluation failed (here or below) */
	/* explain */
	int temp;
	int refs;
} node;

typedef struct ablock {
	struct ablock *next;
	size_t used, cap;
	char data[];
} ablock;

struct srw_pq {
	node *nodes;
	size_t n, cap;
	int *htab;	/* canon hash -> node id + 1 */
	size_t hsz;
	int *roots;
	size_t nroots, caproots;
	int64_t horizon;
	/* evaluation */
	srw_store *st;
	int64_t ts;
	uint64_t epoch;
	ablock *arena;
	bool local_err;	/* set by the node being computed */
	char errmsg[256];
	unsigned long computed;
	int ntemp;
};

static void *
aalloc(srw_pq *pq, size_t sz)
{
	ablock *b = pq->arena;

	sz = (sz + 15) & ~(size_t)15;
	if (!b || b->used + sz > b->cap) {
		size_t cap = sz > (1u << 20) ? sz : (1u << 20);

		b = srw_xmalloc(sizeof *b + cap);
		b->cap = cap;
		b->used = 0;
		b->next = pq->arena;
		pq->arena = b;
	}
	b->used += sz;
	return b->data + b->used - sz;
}

static void
arena_reset(srw_pq *pq)
{
	ablock *b, *nx;

	if (!pq->arena)
		return;
	for (b = pq->arena->next; b; b = nx) {
		nx = b->next;
		free(b);
	}
	pq->arena->next = NULL;
	pq->arena->used = 0;
}

srw_pq *
srw_pq_new(void)
{
	srw_pq *pq = srw_xcalloc(1, sizeof *pq);

	pq->hsz = 1024;
	pq->htab = srw_xcalloc(pq->hsz, sizeof *pq->htab);
	pq->horizon = LOOKBACK_MS;
	pq->epoch = 1;
	return pq;
}

static void
strv_free_n(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
node_free(node *nd)
{
	size_t i;

	free(nd->canon);
	free(nd->numtext);
	free(nd->metric);
	for (i = 0; i < nd->nm; i++) {
		free(nd->m[i].name);
		free(nd->m[i].val);
		if (nd->m[i].op == M_RE || nd->m[i].op == M_NRE)
			regfree(&nd->m[i].re);
	}
	free(nd->m);
	free(nd->ms);
	strv_free_n(nd->grp, nd->ngrp);
	strv_free_n(nd->incl, nd->nincl);
}

void
srw_pq_free(srw_pq *pq)
{
	size_t i;

	if (!pq)
		return;
	for (i = 0; i < pq->n; i++)
		node_free(&pq->nodes[i]);
	free(pq->nodes);
	free(pq->htab);
	free(pq->roots);
	arena_reset(pq);
	free(pq->arena);
	free(pq);
}

bool
srw_pq_is_vector(const srw_pq *pq, int id)
{
	return id >= 0 && (size_t)id < pq->n && pq->nodes[id].vt == VT_VECTOR;
}

int64_t
srw_pq_horizon(const srw_pq *pq)
{
	return pq->horizon;
}

unsigned long
srw_pq_computed(const srw_pq *pq)
{
	return pq->computed;
}

/* ---- canonical text: the key that makes identical steps one ------------- */

static void
add_dur(srw_buf *b, int64_t ms)
{
	static const struct { int64_t ms; char u; } u[] = {
		{ 7LL * 86400000, 'w' }, { 86400000, 'd' }, { 3600000, 'h' },
		{ 60000, 'm' }, { 1000, 's' } };
	size_t i;

	if (ms == 0) {
		srw_buf_adds(b, "0s");
		return;
	}
	for (i = 0; i < sizeof u / sizeof *u; i++) {
		if (ms >= u[i].ms) {
			srw_buf_printf(b, "%lld%c", (long long)(ms / u[i].ms), u[i].u);
			ms %= u[i].ms;
		}
	}
	if (ms)
		srw_buf_printf(b, "%lldms", (long long)ms);
}

static void
add_names(srw_buf *b, char **v, size_t n)
{
	size_t i;

	srw_buf_addc(b, '(');
	for (i = 0; i < n; i++)
		srw_buf_printf(b, "%s%s", i ? ", " : "", v[i]);
	srw_buf_addc(b, ')');
}

/* The text of node id as an argument: a leaf inline, a step by its temp
 * name when temps are given, else its canonical text. */
static void
add_ref(srw_pq *pq, srw_buf *b, int id, bool temps)
{
	node *nd = &pq->nodes[id];

	if (temps && nd->temp > 0)
		srw_buf_printf(b, "temp%d", nd->temp);
	else if (nd->kind == N_BIN && !temps)
		srw_buf_printf(b, "(%s)", nd->canon);
	else
		srw_buf_adds(b, nd->canon);
}

static void
node_text(srw_pq *pq, node *nd, srw_buf *b, bool temps)
{
	size_t i;

	switch (nd->kind) {
	case N_NUM:
		srw_buf_adds(b, nd->numtext);
		break;
	case N_SEL:
		srw_buf_adds(b, nd->metric ? nd->metric : "");
		if (nd->nm) {
			srw_buf_addc(b, '{');
			for (i = 0; i < nd->nm; i++) {
				static const char *const ops[] = { "=", "!=", "=~", "!~" };

				srw_buf_printf(b, "%s%s%s", i ? "," : "", nd->m[i].name,
				    ops[nd->m[i].op]);
				srw_buf_add_jstr(b, nd->m[i].val, strlen(nd->m[i].val));
			}
			srw_buf_addc(b, '}');
		}
		if (nd->range) {
			srw_buf_addc(b, '[');
			add_dur(b, nd->range);
			srw_buf_addc(b, ']');
		}
		if (nd->offset) {
			srw_buf_adds(b, " offset ");
			add_dur(b, nd->offset);
		}
		break;
	case N_FUNC:
		srw_buf_printf(b, "%s(", fns[nd->fn].name);
		for (i = 0; i < (size_t)nd->nargs; i++) {
			if (i)
				srw_buf_adds(b, ", ");
			add_ref(pq, b, nd->args[i], temps);
		}
		srw_buf_addc(b, ')');
		break;
	case N_AGG:
		srw_buf_adds(b, aggnames[nd->aop]);
		if (nd->ngrp || nd->without) {
			srw_buf_adds(b, nd->without ? " without " : " by ");
			add_names(b, nd->grp, nd->ngrp);
		}
		srw_buf_adds(b, " (");
		if (nd->nargs == 2) {
			add_ref(pq, b, nd->args[0], temps);
			srw_buf_adds(b, ", ");
		}
		add_ref(pq, b, nd->args[nd->nargs - 1], temps);
		srw_buf_addc(b, ')');
		break;
	case N_NEG:
		srw_buf_adds(b, "-");
		add_ref(pq, b, nd->args[0], temps);
		break;
	case N_BIN:
		add_ref(pq, b, nd->args[0], temps);
		srw_buf_printf(b, " %s ", bopnames[nd->bop]);
		if (nd->retbool)
			srw_buf_adds(b, "bool ");
		if (nd->on || nd->ngrp) {
			srw_buf_adds(b, nd->on ? "on" : "ignoring");
			add_names(b, nd->grp, nd->ngrp);
			srw_buf_addc(b, ' ');
		}
		if (nd->card != C_ONE) {
			srw_buf_adds(b, nd->card == C_MANY_ONE ? "group_left" : "group_right");
			add_names(b, nd->incl, nd->nincl);
			srw_buf_addc(b, ' ');
		}
		add_ref(pq, b, nd->args[1], temps);
		break;
	}
}

/* Adds nd to the program unless an identical node exists (then nd is freed). */
static int
intern(srw_pq *pq, node *nd)
{
	srw_buf b;
	size_t i;
	int id;

	srw_buf_init(&b);
	node_text(pq, nd, &b, false);
	nd->canon = b.s;
	nd->chash = fnv_add(FNV0, b.s);
	for (i = nd->chash & (pq->hsz - 1); pq->htab[i]; i = (i + 1) & (pq->hsz - 1)) {
		id = pq->htab[i] - 1;
		if (pq->nodes[id].chash == nd->chash && strcmp(pq->nodes[id].canon, nd->canon) == 0) {
			node_free(nd);
			return id;
		}
	}
	if (pq->n == pq->cap) {
		pq->cap = pq->cap ? pq->cap * 2 : 64;
		pq->nodes = srw_xrealloc(pq->nodes, pq->cap * sizeof *pq->nodes);
	}
	id = pq->n++;
	pq->nodes[id] = *nd;
	pq->htab[i] = id + 1;
	if (pq->n * 2 > pq->hsz) {
		size_t nsz = pq->hsz * 2, j;
		int *nt = srw_xcalloc(nsz, sizeof *nt);

		for (j = 0; j < pq->n; j++) {
			size_t k = pq->nodes[j].chash & (nsz - 1);

			while (nt[k])
				k = (k + 1) & (nsz - 1);
			nt[k] = j + 1;
		}
		free(pq->htab);
		pq->htab = nt;
		pq->hsz = nsz;
	}
	return id;
}

/* ---- lexer and parser --------------------------------------------------- */

enum tok { T_EOF, T_IDENT, T_NUM, T_DUR, T_STR, T_LP, T_RP, T_LB, T_RB, T_LBK,
	T_RBK, T_COMMA, T_ASSIGN, T_NE, T_RE, T_NRE, T_ADD, T_SUB, T_MUL, T_DIV,
	T_MOD, T_POW, T_EQL, T_GT, T_LT, T_GE, T_LE, T_AT, T_COLON, T_BAD };

typedef struct parser {
	srw_pq *pq;
	const char *src, *p;
	enum tok t;
	const char *tstart;
	size_t tlen;
	double num;
	int64_t dur;
	srw_buf str;
	char *err;
	size_t errsz;
	jmp_buf jb;
	node *pend[64];	/* nodes being built, freed on error */
	size_t npend;
} parser;

static void __attribute__((format(printf, 2, 3), noreturn))
perr(parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(ps->err, ps->errsz, "col %d: ", (int)(ps->tstart - ps->src) + 1);
	if (n < 0 || (size_t)n >= ps->errsz)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errsz - n, fmt, ap);
	va_end(ap);
	longjmp(ps->jb, 1);
}

static int64_t
dur_parse(const char *s, size_t len, bool *ok)
{
	int64_t total = 0;
	size_t i = 0;

	*ok = len > 0;
	while (i < len) {
		int64_t n = 0, mul;

		if (!isdigit((unsigned char)s[i])) {
			*ok = false;
			return 0;
		}
		while (i < len && isdigit((unsigned char)s[i])) {
			if (n > 1000000000000LL) {
				*ok = false;
				return 0;
			}
			n = n * 10 + (s[i++] - '0');
		}
		if (i + 1 < len && s[i] == 'm' && s[i + 1] == 's') {
			mul = 1;
			i += 2;
		} else if (i < len) {
			switch (s[i++]) {
			case 's': mul = 1000; break;
			case 'm': mul = 60000; break;
			case 'h': mul = 3600000; break;
			case 'd': mul = 86400000; break;
			case 'w': mul = 7LL * 86400000; break;
			case 'y': mul = 365LL * 86400000; break;
			default: *ok = false; return 0;
			}
		} else {
			*ok = false;
			return 0;
		}
		/* 1e15 ms (31,700 years) at most, so sums of ranges, offsets
		 * and the lookback stay far from overflow */
		if (n > 1000000000000000LL / mul || total > 1000000000000000LL) {
			*ok = false;
			return 0;
		}
		total += n * mul;
	}
	return total;
}

static void
lex(parser *ps)
{
	const char *p = ps->p;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '#') {	/* comment to end of line */
		while (*p && *p != '\n')
			p++;
		ps->p = p;
		lex(ps);
		return;
	}
	ps->tstart = p;
	if (!*p) {
		ps->t = T_EOF;
		ps->tlen = 0;
		return;
	}
	if (isalpha((unsigned char)*p) || *p == '_' || *p == ':') {
		while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
			p++;
		ps->t = T_IDENT;
	} else if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
		const char *q = p;
		char *end;

		while (isdigit((unsigned char)*q))
			q++;
		if (q > p && strchr("smhdwy", *q) && *q && !(q[0] == 'm' && isalpha((unsigned char)q[1]) && q[1] != 's')) {
			bool ok;

			while (isalnum((unsigned char)*q))
				q++;
			ps->dur = dur_parse(p, q - p, &ok);
			if (!ok) {
				ps->p = q;
				ps->tlen = q - p;
				perr(ps, "bad duration \"%.*s\"", (int)(q - p), p);
			}
			p = q;
			ps->t = T_DUR;
		} else {
			ps->num = strtod(p, &end);
			p = end;
			ps->t = T_NUM;
		}
	} else if (*p == '"' || *p == '\'' || *p == '`') {
		char q = *p++;

		srw_buf_reset(&ps->str);
		while (*p && *p != q) {
			if (*p == '\\' && q != '`' && p[1]) {
				p++;
				switch (*p) {
				case 'n': srw_buf_addc(&ps->str, '\n'); break;
				case 't': srw_buf_addc(&ps->str, '\t'); break;
				case 'r': srw_buf_addc(&ps->str, '\r'); break;
				default: srw_buf_addc(&ps->str, *p); break;
				}
				p++;
			} else {
				srw_buf_addc(&ps->str, *p++);
			}
		}
		if (*p != q)
			perr(ps, "unterminated string");
		p++;
		srw_buf_addc(&ps->str, '\0');
		ps->str.len--;
		ps->t = T_STR;
	} else {
		static const struct { const char *s; enum tok t; } ops[] = {
			{ "==", T_EQL }, { "!=", T_NE }, { "=~", T_RE }, { "!~", T_NRE },
			{ ">=", T_GE }, { "<=", T_LE }, { "(", T_LP }, { ")", T_RP },
			{ "{", T_LB }, { "}", T_RB }, { "[", T_LBK }, { "]", T_RBK },
			{ ",", T_COMMA }, { "=", T_ASSIGN }, { "+", T_ADD }, { "-", T_SUB },
			{ "*", T_MUL }, { "/", T_DIV }, { "%", T_MOD }, { "^", T_POW },
			{ ">", T_GT }, { "<", T_LT }, { "@", T_AT }, { ":", T_COLON } };
		size_t i;

		ps->t = T_BAD;
		for (i = 0; i < sizeof ops / sizeof *ops; i++) {
			size_t l = strlen(ops[i].s);

			if (strncmp(p, ops[i].s, l) == 0) {
				ps->t = ops[i].t;
				p += l;
				break;
			}
		}
		if (ps->t == T_BAD) {
			ps->tlen = 1;
			perr(ps, "unexpected character '%c'", *p);
		}
	}
	ps->tlen = p - ps->tstart;
	ps->p = p;
}

static bool
is_kw(parser *ps, const char *kw)
{
	return ps->t == T_IDENT && ps->tlen == strlen(kw) &&
	    strncasecmp(ps->tstart, kw, ps->tlen) == 0;
}

static void
expect(parser *ps, enum tok t, const char *what)
{
	if (ps->t != t)
		perr(ps, "expected %s, found \"%.*s\"", what, (int)(ps->tlen ? ps->tlen : 3),
		    ps->tlen ? ps->tstart : "end");
	lex(ps);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "(a, b, c)" -> sorted vector of names, stored into the node (*out, *n)
 * as they are read, so that a parse error (a longjmp from any depth) leaves
 * them where node_free finds them: never a count without its vector. */
static void
parse_names(parser *ps, char ***out, size_t *n)
{
	size_t cap = 0;

	strv_free_n(*out, *n);
	*out = NULL;
	*n = 0;
	expect(ps, T_LP, "(");
	while (ps->t != T_RP) {
		if (ps->t != T_IDENT)
			perr(ps, "expected a label name");
		if (*n + 1 >= cap) {
			cap = cap ? cap * 2 : 4;
			*out = srw_xrealloc(*out, cap * sizeof **out);
		}
		(*out)[(*n)++] = srw_xstrndup(ps->tstart, ps->tlen);
		lex(ps);
		if (ps->t == T_COMMA)
			lex(ps);
		else if (ps->t != T_RP)
			perr(ps, "expected , or ) in a label list");
	}
	lex(ps);
	if (*n)
		qsort(*out, *n, sizeof **out, cmpstr);
}

static int parse_expr(parser *ps, int minprec);

/* Nodes under construction live on the heap, listed in the parser, so an
 * error (a longjmp out of any depth) can free them. */
static node *
pnew(parser *ps)
{
	node *nd;

	if (ps->npend == sizeof ps->pend / sizeof *ps->pend)
		perr(ps, "expression nested too deeply");
	nd = srw_xcalloc(1, sizeof *nd);
	ps->pend[ps->npend++] = nd;
	return nd;
}

static int
mk(parser *ps, node *nd)
{
	size_t i;
	int id;

	for (i = ps->npend; i > 0; i--)
		if (ps->pend[i - 1] == nd) {
			memmove(&ps->pend[i - 1], &ps->pend[i], (ps->npend - i) * sizeof *ps->pend);
			ps->npend--;
			break;
		}
	id = intern(ps->pq, nd);
	free(nd);
	return id;
}

static enum vtype
vt(parser *ps, int id)
{
	return ps->pq->nodes[id].vt;
}

static int
matcher_cmp(const void *a, const void *b)
{
	const matcher *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (int)x->op - (int)y->op;
}

static int
parse_selector(parser *ps, const char *metric, size_t mlen)
{
	node *nd = pnew(ps);
	bool has_pos = false;

	nd->kind = N_SEL;
	nd->vt = VT_VECTOR;
	if (metric)
		nd->metric = srw_xstrndup(metric, mlen);
	if (ps->t == T_LB) {
		size_t cap = 0;

		lex(ps);
		while (ps->t != T_RB) {
			matcher m;

			if (ps->t != T_IDENT)
				perr(ps, "expected a label name in the selector");
			memset(&m, 0, sizeof m);
			if (nd->nm == cap) {
				cap = cap ? cap * 2 : 4;
				nd->m = srw_xrealloc(nd->m, cap * sizeof *nd->m);
			}
			m.name = srw_xstrndup(ps->tstart, ps->tlen);
			nd->m[nd->nm++] = m;
			lex(ps);
			switch (ps->t) {
			case T_ASSIGN: nd->m[nd->nm - 1].op = M_EQ; break;
			case T_NE: nd->m[nd->nm - 1].op = M_NE; break;
			case T_RE: nd->m[nd->nm - 1].op = M_RE; break;
			case T_NRE: nd->m[nd->nm - 1].op = M_NRE; break;
			default: perr(ps, "expected = != =~ or !~ after a label name");
			}
			lex(ps);
			if (ps->t != T_STR)
				perr(ps, "expected a quoted label value");
			nd->m[nd->nm - 1].val = srw_xstrdup(ps->str.s);
			lex(ps);
			if (ps->t == T_COMMA)
				lex(ps);
			else if (ps->t != T_RB)
				perr(ps, "expected , or } in the selector");
		}
		lex(ps);
	}
	/* __name__ matchers become the metric when they are equalities */
	for (size_t i = 0; i < nd->nm; i++) {
		matcher *m = &nd->m[i];

		if (strcmp(m->name, "__name__") == 0 && m->op == M_EQ && !nd->metric) {
			nd->metric = m->val;
			free(m->name);
			memmove(m, m + 1, (nd->nm - i - 1) * sizeof *m);
			nd->nm--;
			i--;
			continue;
		}
		if (m->op == M_RE || m->op == M_NRE) {
			srw_buf re;
			int rc;

			srw_buf_init(&re);
			srw_buf_printf(&re, "^(%s)$", m->val);
			rc = regcomp(&m->re, re.s, REG_EXTENDED | REG_NOSUB);
			srw_buf_free(&re);
			if (rc != 0) {
				m->op = M_EQ;	/* nothing to regfree */
				perr(ps, "bad regular expression \"%s\"", m->val);
			}
		}
		if (m->op == M_EQ && *m->val)
			has_pos = true;
		if (m->op == M_NE && !*m->val)
			has_pos = true;
		if (m->op == M_RE && regexec(&m->re, "", 0, NULL, 0) != 0)
			has_pos = true;
	}
	if (!nd->metric && !has_pos)
		perr(ps, "vector selector must contain at least one non-empty matcher");
	if (nd->nm)
		qsort(nd->m, nd->nm, sizeof *nd->m, matcher_cmp);
	if (ps->t == T_LBK) {
		lex(ps);
		if (ps->t != T_DUR)
			perr(ps, "expected a duration in [ ]");
		nd->range = ps->dur;
		lex(ps);
		if (ps->t == T_COLON || (ps->t == T_IDENT && *ps->tstart == ':'))
			perr(ps, "subqueries are not supported");
		expect(ps, T_RBK, "]");
		nd->vt = VT_MATRIX;
		if (nd->range <= 0)
			perr(ps, "range must be positive");
	}
	if (is_kw(ps, "offset")) {
		bool neg = false;

		lex(ps);
		if (ps->t == T_SUB) {
			neg = true;
			lex(ps);
		}
		if (ps->t != T_DUR)
			perr(ps, "expected a duration after offset");
		nd->offset = neg ? -ps->dur : ps->dur;
		lex(ps);
	}
	if (ps->t == T_AT)
		perr(ps, "the @ modifier is not supported");
	if (ps->t == T_LBK)
		perr(ps, "subqueries are not supported");
	if (nd->range + nd->offset + LOOKBACK_MS > ps->pq->horizon)
		ps->pq->horizon = nd->range + nd->offset + LOOKBACK_MS;
	return mk(ps, nd);
}

static int
parse_call(parser *ps, size_t fi)
{
	const char *a = fns[fi].args;
	node *nd = pnew(ps);
	int nargs = 0, id;

	nd->kind = N_FUNC;
	nd->fn = fi;
	nd->vt = fns[fi].ret;
	expect(ps, T_LP, "(");
	while (ps->t != T_RP) {
		if (!a[0])
			perr(ps, "too many arguments to %s()", fns[fi].name);
		id = parse_expr(ps, 0);
		if ((a[0] == 'm' && vt(ps, id) != VT_MATRIX) ||
		    (a[0] == 'v' && vt(ps, id) != VT_VECTOR) ||
		    (a[0] == 's' && vt(ps, id) != VT_SCALAR))
			perr(ps, "argument %d of %s() must be %s", nargs + 1, fns[fi].name,
			    a[0] == 'm' ? "a range vector" : a[0] == 'v' ? "an instant vector" : "a scalar");
		nd->args[nargs++] = id;
		a++;
		if (*a == '?')
			a++;
		if (ps->t == T_COMMA)
			lex(ps);
		else if (ps->t != T_RP)
			perr(ps, "expected , or ) in %s()", fns[fi].name);
	}
	lex(ps);
	if (*a && a[1] != '?')
		perr(ps, "too few arguments to %s()", fns[fi].name);
	nd->nargs = nargs;
	return mk(ps, nd);
}

static int
parse_agg(parser *ps, int op)
{
	node *nd = pnew(ps);
	int id;

	nd->kind = N_AGG;
	nd->aop = op;
	nd->vt = VT_VECTOR;
	if (is_kw(ps, "by") || is_kw(ps, "without")) {
		nd->without = is_kw(ps, "without");
		lex(ps);
		parse_names(ps, &nd->grp, &nd->ngrp);
	}
	expect(ps, T_LP, "( after an aggregation");
	if (op == A_TOPK || op == A_BOTTOMK || op == A_QUANTILE) {
		id = parse_expr(ps, 0);
		if (vt(ps, id) != VT_SCALAR)
			perr(ps, "the first argument of %s must be a scalar", aggnames[op]);
		nd->args[nd->nargs++] = id;
		expect(ps, T_COMMA, ",");
	}
	id = parse_expr(ps, 0);
	if (vt(ps, id) != VT_VECTOR)
		perr(ps, "%s expects an instant vector", aggnames[op]);
	nd->args[nd->nargs++] = id;
	expect(ps, T_RP, ")");
	if (is_kw(ps, "by") || is_kw(ps, "without")) {
		if (nd->grp || nd->without)
			perr(ps, "by/without given twice");
		nd->without = is_kw(ps, "without");
		lex(ps);
		parse_names(ps, &nd->grp, &nd->ngrp);
	}
	return mk(ps, nd);
}

static int
parse_unary(parser *ps)
{
	int id;

	if (ps->t == T_SUB || ps->t == T_ADD) {
		bool neg = ps->t == T_SUB;
		node *nd;

		lex(ps);
		id = parse_expr(ps, 6);	/* binds looser than ^ only */
		if (!neg)
			return id;
		nd = pnew(ps);	/* after the operand: unary + leaked it */
		if (vt(ps, id) == VT_MATRIX)
			perr(ps, "unary minus on a range vector");
		if (ps->pq->nodes[id].kind == N_NUM) {
						nd->kind = N_NUM;
			nd->vt = VT_SCALAR;
			nd->num = -ps->pq->nodes[id].num;
			nd->numtext = srw_xmalloc(strlen(ps->pq->nodes[id].numtext) + 2);
			sprintf(nd->numtext, "-%s", ps->pq->nodes[id].numtext);
			return mk(ps, nd);
		}
				nd->kind = N_NEG;
		nd->vt = vt(ps, id);
		nd->args[0] = id;
		nd->nargs = 1;
	return mk(ps, nd);
	}
	if (ps->t == T_NUM) {
		node *nd = pnew(ps);

				nd->kind = N_NUM;
		nd->vt = VT_SCALAR;
		nd->num = ps->num;
		nd->numtext = srw_xstrndup(ps->tstart, ps->tlen);
		lex(ps);
	return mk(ps, nd);
	}
	if (ps->t == T_DUR)
		perr(ps, "a duration is not a value here");
	if (ps->t == T_STR)
		perr(ps, "string literals are not supported here");
	if (ps->t == T_LP) {
		lex(ps);
		id = parse_expr(ps, 0);
		expect(ps, T_RP, ")");
		if (ps->t == T_LBK)
			perr(ps, "subqueries are not supported");
		return id;
	}
	if (ps->t == T_LB)
		return parse_selector(ps, NULL, 0);
	if (ps->t == T_IDENT) {
		const char *name = ps->tstart;
		size_t len = ps->tlen, i;

		if ((len == 3 && strncasecmp(name, "Inf", 3) == 0) ||
		    (len == 3 && strncasecmp(name, "NaN", 3) == 0)) {
			node *nd = pnew(ps);

						nd->kind = N_NUM;
			nd->vt = VT_SCALAR;
			nd->num = tolower((unsigned char)name[0]) == 'i' ? INFINITY : NAN;
			nd->numtext = srw_xstrndup(name, len);
			lex(ps);
			return mk(ps, nd);
		}
		for (i = 0; i < sizeof aggnames / sizeof *aggnames; i++)
			if (strlen(aggnames[i]) == len && strncasecmp(name, aggnames[i], len) == 0) {
				lex(ps);
				return parse_agg(ps, i);
			}
		lex(ps);
		if (ps->t == T_LP) {
			for (i = 0; i < NFNS; i++)
				if (strlen(fns[i].name) == len && strncmp(name, fns[i].name, len) == 0)
					return parse_call(ps, i);
			ps->tstart = name;
			perr(ps, "function %.*s() is not supported", (int)len, name);
		}
		if ((len == 11 && strncasecmp(name, "count_value", 11) == 0))
			perr(ps, "count_values is not supported");
		return parse_selector(ps, name, len);
	}
	perr(ps, "unexpected \"%.*s\"", (int)(ps->tlen ? ps->tlen : 3), ps->tlen ? ps->tstart : "end");
}

/* binary operator at the current token, with its precedence; -1 if none */
static int
binop(parser *ps, int *prec)
{
	switch (ps->t) {
	case T_POW: *prec = 6; return B_POW;
	case T_MUL: *prec = 5; return B_MUL;
	case T_DIV: *prec = 5; return B_DIV;
	case T_MOD: *prec = 5; return B_MOD;
	case T_ADD: *prec = 4; return B_ADD;
	case T_SUB: *prec = 4; return B_SUB;
	case T_EQL: *prec = 3; return B_EQL;
	case T_NE: *prec = 3; return B_NEQ;
	case T_GT: *prec = 3; return B_GT;
	case T_LT: *prec = 3; return B_LT;
	case T_GE: *prec = 3; return B_GTE;
	case T_LE: *prec = 3; return B_LTE;
	case T_IDENT:
		if (is_kw(ps, "and")) { *prec = 2; return B_AND; }
		if (is_kw(ps, "unless")) { *prec = 2; return B_UNLESS; }
		if (is_kw(ps, "or")) { *prec = 1; return B_OR; }
		if (is_kw(ps, "atan2"))
			perr(ps, "atan2 is not supported");
		return -1;
	default:
		return -1;
	}
}

static bool
is_cmp(int op)
{
	return op >= B_EQL && op <= B_LTE;
}

static bool
is_set(int op)
{
	return op >= B_AND;
}

static int
parse_expr(parser *ps, int minprec)
{
	int lhs = parse_unary(ps), op, prec;

	while ((op = binop(ps, &prec)) >= 0 && prec >= minprec) {
		node *nd = pnew(ps);
		int rhs;

		nd->kind = N_BIN;
		nd->bop = op;
		lex(ps);
		if (is_kw(ps, "bool")) {
			if (!is_cmp(op))
				perr(ps, "bool is only for comparison operators");
			nd->retbool = true;
			lex(ps);
		}
		if (is_kw(ps, "on") || is_kw(ps, "ignoring")) {
			nd->on = is_kw(ps, "on");
			lex(ps);
			parse_names(ps, &nd->grp, &nd->ngrp);
			if (is_kw(ps, "group_left") || is_kw(ps, "group_right")) {
				if (is_set(op))
					perr(ps, "no grouping allowed for and, or, unless");
				nd->card = is_kw(ps, "group_left") ? C_MANY_ONE : C_ONE_MANY;
				lex(ps);
				if (ps->t == T_LP)
					parse_names(ps, &nd->incl, &nd->nincl);
			}
		}
		/* ^ is right-associative, the others left */
		rhs = parse_expr(ps, op == B_POW ? prec : prec + 1);
		if (vt(ps, lhs) == VT_MATRIX || vt(ps, rhs) == VT_MATRIX)
			perr(ps, "binary operators need instant vectors or scalars");
		if (is_set(op) && (vt(ps, lhs) != VT_VECTOR || vt(ps, rhs) != VT_VECTOR))
			perr(ps, "%s needs vectors on both sides", bopnames[op]);
		if (is_cmp(op) && !nd->retbool && vt(ps, lhs) == VT_SCALAR && vt(ps, rhs) == VT_SCALAR)
			perr(ps, "comparisons between scalars must use bool");
		if ((nd->on || nd->ngrp || nd->card != C_ONE) &&
		    (vt(ps, lhs) != VT_VECTOR || vt(ps, rhs) != VT_VECTOR))
			perr(ps, "vector matching only between two vectors");
		nd->args[0] = lhs;
		nd->args[1] = rhs;
		nd->nargs = 2;
		nd->vt = vt(ps, lhs) == VT_VECTOR || vt(ps, rhs) == VT_VECTOR ? VT_VECTOR : VT_SCALAR;
		lhs = mk(ps, nd);
	}
	return lhs;
}

int
srw_pq_compile(srw_pq *pq, const char *expr, char *err, size_t errsz)
{
	parser ps;
	int id;

	memset(&ps, 0, sizeof ps);
	ps.pq = pq;
	ps.src = ps.p = ps.tstart = expr;
	ps.err = err;
	ps.errsz = errsz;
	srw_buf_init(&ps.str);
	if (setjmp(ps.jb)) {
		while (ps.npend > 0) {
			node_free(ps.pend[--ps.npend]);
			free(ps.pend[ps.npend]);
		}
		srw_buf_free(&ps.str);
		return -1;
	}
	lex(&ps);
	if (ps.t == T_EOF)
		perr(&ps, "empty expression");
	id = parse_expr(&ps, 0);
	if (ps.t != T_EOF)
		perr(&ps, "unexpected \"%.*s\" after the expression", (int)ps.tlen, ps.tstart);
	if (pq->nodes[id].vt == VT_MATRIX)
		perr(&ps, "a range vector cannot be the result of an expression");
	srw_buf_free(&ps.str);
	return id;
}

/* ---- evaluation --------------------------------------------------------- */

void
srw_pq_begin(srw_pq *pq, srw_store *st, int64_t ts)
{
	pq->st = st;
	pq->ts = ts;
	pq->epoch++;
	arena_reset(pq);
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
	srw_lset *ls = aalloc(pq, sizeof *ls + 2 * b->n * sizeof(char *));

	kv_sort(b->kv, b->n);
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
		h = fnv_add(h, k);
		h = fnv_add(h, ls->kv[2 * i + 1]);
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
	m->k = aalloc(pq, sz * sizeof *m->k);
	m->v = aalloc(pq, sz * sizeof *m->v);
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
		case M_RE: eq = regexec(&m->re, v, 0, NULL, 0) == 0; break;
		default: eq = regexec(&m->re, v, 0, NULL, 0) != 0; break;
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
		namelist *nl = name_list(st, nd->metric, false);

		v = nl ? nl->v : NULL;
		n = nl ? nl->n : 0;
	} else {
		v = st->all;
		n = st->nall;
	}
	nd->nms = 0;
	for (i = 0; i < n; i++)
		if (match_series(nd, v[i]))
			ptr_push(&nd->ms, &nd->nms, &nd->capms, v[i]);
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
	return aalloc(pq, (n ? n : 1) * sizeof(srw_sample));
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
	s->noname->hash = kv_hash(s->noname->kv, k);
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
				tmp = aalloc(pq, tmpcap * sizeof *tmp);
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
	int *gi = aalloc(pq, (n ? n : 1) * sizeof *gi);
	size_t *gcount;
	bucket *bk = aalloc(pq, (n ? n : 1) * sizeof *bk);
	size_t *gstart;
	const srw_lset **gls;
	char *le_name[] = { "le" };

	hm_init(pq, &m, n);
	gls = aalloc(pq, (n ? n : 1) * sizeof *gls);
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
	gcount = aalloc(pq, (ng + 1) * sizeof *gcount);
	gstart = aalloc(pq, (ng + 1) * sizeof *gstart);
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
	agrp *g = aalloc(pq, (n ? n : 1) * sizeof *g);
	int *gi = aalloc(pq, (n ? n : 1) * sizeof *gi);

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
		size_t *start = aalloc(pq, (ng + 1) * sizeof *start), *cnt = aalloc(pq, (ng + 1) * sizeof *cnt);
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
				double *v = aalloc(pq, cnt[x] * sizeof *v);

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
	bool cmp = is_cmp(nd->bop), keep, dropname = !cmp || nd->retbool;
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
	if (is_set(nd->bop)) {
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
				uint64_t rh = kv_hash(o[k].ls->kv, o[k].ls->n) ^ (h * 0x9e3779b97f4a7c15ULL);

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

/* ---- explain and statistics --------------------------------------------- */

static bool
is_step(const node *nd)
{
	return nd->kind != N_NUM && nd->kind != N_SEL;
}

void
srw_pq_use(srw_pq *pq, int id)
{
	if (pq->nroots == pq->caproots) {
		pq->caproots = pq->caproots ? pq->caproots * 2 : 16;
		pq->roots = srw_xrealloc(pq->roots, pq->caproots * sizeof *pq->roots);
	}
	pq->roots[pq->nroots++] = id;
}

static void
explain_rec(srw_pq *pq, int id, srw_buf *b)
{
	node *nd = &pq->nodes[id];
	int i;

	if (!is_step(nd))
		return;
	if (nd->temp > 0) {
		srw_buf_printf(b, "  temp%d (shared: computed once)\n", nd->temp);
		return;
	}
	for (i = 0; i < nd->nargs; i++)
		explain_rec(pq, nd->args[i], b);
	nd->temp = ++pq->ntemp;
	srw_buf_printf(b, "  temp%d = ", nd->temp);
	node_text(pq, nd, b, true);
	srw_buf_addc(b, '\n');
}

void
srw_pq_explain(srw_pq *pq, int id, bool alarm, srw_buf *b)
{
	node *nd = &pq->nodes[id];

	if (alarm && nd->kind == N_BIN && is_cmp(nd->bop) && !nd->retbool &&
	    pq->nodes[nd->args[1]].kind == N_NUM && nd->temp == 0) {
		explain_rec(pq, nd->args[0], b);
		srw_buf_adds(b, "  if ");
		add_ref(pq, b, nd->args[0], true);
		srw_buf_printf(b, " %s %s: alarm()\n", bopnames[nd->bop],
		    pq->nodes[nd->args[1]].numtext);
		return;
	}
	explain_rec(pq, id, b);
	if (alarm) {
		srw_buf_adds(b, "  if ");
		add_ref(pq, b, id, true);
		srw_buf_adds(b, ": alarm()\n");
	}
}

static size_t
tree_steps(srw_pq *pq, int id, int *parents, bool *seen)
{
	node *nd = &pq->nodes[id];
	size_t n = is_step(nd) ? 1 : 0;
	int i;

	if (!seen[id]) {
		seen[id] = true;
		for (i = 0; i < nd->nargs; i++)
			parents[nd->args[i]]++;
	}
	for (i = 0; i < nd->nargs; i++)
		n += tree_steps(pq, nd->args[i], parents, seen);
	return n;
}

void
srw_pq_stats(const srw_pq *pq, size_t *steps, size_t *shared, size_t *uses)
{
	int *parents = srw_xcalloc(pq->n + 1, sizeof *parents);
	bool *seen = srw_xcalloc(pq->n + 1, sizeof *seen);
	size_t i;

	*steps = *shared = *uses = 0;
	for (i = 0; i < pq->nroots; i++) {
		parents[pq->roots[i]]++;
		*uses += tree_steps((srw_pq *)pq, pq->roots[i], parents, seen);
	}
	for (i = 0; i < pq->n; i++) {
		if (!seen[i] || !is_step(&pq->nodes[i]))
			continue;
		(*steps)++;
		if (parents[i] > 1)
			(*shared)++;
	}
	free(parents);
	free(seen);
}
