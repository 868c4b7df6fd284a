/* pqstore.c - label sets and the in-memory series store of the PromQL
 * engine (promql-int.h): series by label set, samples in event time. */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"
#include "promql-int.h"

/* ---- label sets -------------------------------------------------------- */

uint64_t
pq_fnv_add(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	h ^= 0xff;
	h *= 1099511628211ULL;
	return h;
}

void
pq_kv_sort(const char **kv, size_t n)
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

uint64_t
pq_kv_hash(const char *const *kv, size_t n)
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
		h = pq_fnv_add(h, ls->kv[2 * i]);
		h = pq_fnv_add(h, ls->kv[2 * i + 1]);
	}
	return h;
}

/* ---- the series store --------------------------------------------------- */
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

namelist *
pq_name_list(srw_store *st, const char *name, bool create)
{
	uint64_t h = pq_fnv_add(FNV0, name);
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

void
pq_ptr_push(series ***v, size_t *n, size_t *cap, series *s)
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
	pq_ptr_push(&st->all, &st->nall, &st->capall, s);
	{
		namelist *nl = pq_name_list(st, s->name, true);

		pq_ptr_push(&nl->v, &nl->n, &nl->cap, s);
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
	pq_kv_sort(kv, m / 2);
	s = store_series(st, kv, m / 2, pq_kv_hash(kv, m / 2));
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
	pq_kv_sort(kv, m / 2);
	series_append(store_series(st, kv, m / 2, pq_kv_hash(kv, m / 2)), ts, v, 0);
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
