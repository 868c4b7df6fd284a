/* agg.c - recommend's aggregates: alert sections counted per Pacific day and
 * alert name, then the derived facts (clusters, flapping, time to resolve,
 * the week-earlier change, noise). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "recommend.h"

#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)

static struct rc_ent *
slot(const struct rc_map *m, const char *key, uint64_t h)
{
	size_t i = h & (m->cap - 1);

	while (m->e[i].key && (m->e[i].h != h || strcmp(m->e[i].key, key) != 0))
		i = (i + 1) & (m->cap - 1);
	return &m->e[i];
}

void *
rc_map_get(const struct rc_map *m, const char *key)
{
	struct rc_ent *e;

	if (!m->cap)
		return NULL;
	e = slot(m, key, srw_hash_str(key));
	return e->key ? e->val : NULL;
}

static void
grow(struct rc_map *m)
{
	struct rc_map n = { 0 };
	size_t i;

	n.cap = m->cap ? m->cap * 2 : 16;
	n.e = srw_xcalloc(n.cap, sizeof *n.e);
	for (i = 0; i < m->cap; i++)
		if (m->e[i].key)
			*slot(&n, m->e[i].key, m->e[i].h) = m->e[i];
	n.n = m->n;
	free(m->e);
	*m = n;
}

struct rc_ent *
rc_map_put(struct rc_map *m, const char *key, void *(*mk)(const char *, void *), void *arg)
{
	uint64_t h = srw_hash_str(key);
	struct rc_ent *e;

	if ((m->n + 1) * 4 > m->cap * 3)
		grow(m);
	e = slot(m, key, h);
	if (!e->key) {
		e->key = srw_xstrdup(key);
		e->h = h;
		e->val = mk ? mk(e->key, arg) : NULL;
		m->n++;
	}
	return e;
}

void
rc_map_free(struct rc_map *m, void (*fr)(void *))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (!m->e[i].key)
			continue;
		if (fr)
			fr(m->e[i].val);
		free(m->e[i].key);
	}
	free(m->e);
	memset(m, 0, sizeof *m);
}

int64_t
rc_day_of(int64_t ms)
{
	int64_t local = ms + (int64_t)srw_pacific_offset(ms) * 1000;

	return local >= 0 ? local / DAY_MS : -((-local + DAY_MS - 1) / DAY_MS);
}

struct rc_day *
rc_day_get(struct rc_state *st, int64_t z, bool create)
{
	struct rc_day *d;
	size_t i;
	int y, m, dd;

	if (st->last < st->ndays && st->days[st->last]->z == z)
		return st->days[st->last];
	for (i = 0; i < st->ndays; i++)
		if (st->days[i]->z == z)
			return st->days[st->last = i];
	if (!create)
		return NULL;
	if (st->ndays == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 8;
		st->days = srw_xrealloc(st->days, st->cap * sizeof *st->days);
	}
	d = srw_xcalloc(1, sizeof *d);
	d->z = z;
	srw_civil_from_days(z, &y, &m, &dd);
	snprintf(d->date, sizeof d->date, "%04d-%02d-%02d", y, m, dd);
	srw_pacific_day(y, m, dd, &d->start, &d->end);
	d->nhours = (int)((d->end - d->start) / HOUR_MS);
	st->days[st->ndays] = d;
	st->last = st->ndays++;
	return d;
}

int
rc_hour_label(const struct rc_day *d, int i)
{
	int64_t t = d->start + i * HOUR_MS;
	int64_t local = t + (int64_t)srw_pacific_offset(t) * 1000;

	return (int)(((local % DAY_MS) + DAY_MS) % DAY_MS / HOUR_MS);
}

bool
rc_status_firing(const char *s)
{
	return strcasecmp(s, "firing") == 0;
}


static void *
mk_alert(const char *key, void *arg)
{
	struct rc_day *d = arg;
	struct rc_alert *a = srw_xcalloc(1, sizeof *a);

	a->name = key;	/* owned by the map entry */
	a->first_fired = a->last_fired = -1;
	a->median_ms = -1;
	a->prev_fired = -1;
	if (d->nav == d->capav) {
		d->capav = d->capav ? d->capav * 2 : 16;
		d->av = srw_xrealloc(d->av, d->capav * sizeof *d->av);
	}
	a->idx = (uint32_t)d->nav;
	d->av[d->nav++] = a;
	return a;
}

/* The index of a cluster, interned once for all days. */
static uint32_t
cluster_index(struct rc_state *st, const char *key, const char *name)
{
	struct rc_ent *e = rc_map_put(&st->clusters, key, NULL, NULL);

	if (!e->val) {
		if (st->ncl == st->capcl) {
			st->capcl = st->capcl ? st->capcl * 2 : 64;
			st->clid = srw_xrealloc(st->clid, st->capcl * sizeof *st->clid);
			st->clname = srw_xrealloc(st->clname, st->capcl * sizeof *st->clname);
		}
		st->clid[st->ncl] = e->key;
		st->clname[st->ncl] = srw_xstrdup(name);
		e->val = (void *)(uintptr_t)++st->ncl;
	}
	return (uint32_t)((uintptr_t)e->val - 1);
}

bool
rc_check(const srw_section *s, const char **why)
{
	if (s->created_ms < 0)
		*why = "created_at is missing or not a time";
	else if (!*s->alert_name)
		*why = "a section has an empty alert_name";
	else if (!rc_status_firing(s->alert_status) &&
	    strcasecmp(s->alert_status, "resolved") != 0)
		*why = "alert_status is neither Firing nor Resolved";
	else
		return true;
	return false;
}

int
rc_add(struct rc_state *st, const srw_section *s, const char **why)
{
	struct rc_day *d;
	struct rc_alert *a;
	struct rc_ev *ev;
	const char *ckey;
	bool firing;

	if (!rc_check(s, why))
		return -1;
	firing = rc_status_firing(s->alert_status);
	d = rc_day_get(st, rc_day_of(s->created_ms), !st->filter);
	if (!d)
		return 1;
	d->known = true;
	d->sections++;
	a = rc_map_put(&d->alerts, s->alert_name, mk_alert, d)->val;
	ckey = *s->cluster_id ? s->cluster_id : *s->cluster_name ? s->cluster_name : "(none)";
	if (*s->region)
		rc_map_put(&a->regions, s->region, NULL, NULL);
	if (d->nev == d->capev) {
		d->capev = d->capev ? d->capev * 2 : 256;
		d->ev = srw_xrealloc(d->ev, d->capev * sizeof *d->ev);
	}
	ev = &d->ev[d->nev++];
	ev->alert = a->idx;
	ev->cluster = cluster_index(st, ckey, s->cluster_name);
	ev->tv = (s->created_ms << 1) | !firing;
	if (firing) {
		int h = (int)((s->created_ms - d->start) / HOUR_MS);

		a->fired++;
		d->fired++;
		if (h >= 0 && h < d->nhours)
			d->hist[h]++;
		if (a->first_fired < 0 || s->created_ms < a->first_fired)
			a->first_fired = s->created_ms;
		if (s->created_ms > a->last_fired)
			a->last_fired = s->created_ms;
	} else {
		a->resolved++;
		d->resolved++;
	}
	return 0;
}

static int
cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

static int
cmp_ev(const void *x, const void *y)
{
	const struct rc_ev *a = x, *b = y;

	if (a->alert != b->alert)
		return a->alert < b->alert ? -1 : 1;
	if (a->cluster != b->cluster)
		return a->cluster < b->cluster ? -1 : 1;
	return (a->tv > b->tv) - (a->tv < b->tv);
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Sorts ids and names together, by id. */
static void
sort_clusters(struct rc_alert *a)
{
	struct pair { const char *id, *name; } *p = srw_xcalloc(a->ncl + 1, sizeof *p);
	size_t k;

	for (k = 0; k < a->ncl; k++)
		p[k] = (struct pair){ a->clid[k], a->clname[k] };
	qsort(p, a->ncl, sizeof *p, cmp_str);
	for (k = 0; k < a->ncl; k++) {
		a->clid[k] = p[k].id;
		a->clname[k] = p[k].name;
	}
	free(p);
}

static int
cmp_alert(const void *x, const void *y)
{
	const struct rc_alert *a = *(struct rc_alert *const *)x, *b = *(struct rc_alert *const *)y;
	int sa = a->type ? (int)a->type->severity : 0, sb = b->type ? (int)b->type->severity : 0;

	if (sa != sb)
		return sb - sa;
	if (a->fired != b->fired)
		return a->fired < b->fired ? 1 : -1;
	return strcmp(a->name, b->name);
}

struct durs {
	int64_t *v;
	size_t n, cap;
};

/*
 * One cluster's events of one alert, in time order.  An episode starts at
 * the first Firing after a Resolved (or the day's first Firing); repeated
 * Firing notifications while it fires belong to it.  A re-fire is a Firing
 * after a Resolved that itself followed a Firing that day: fired -> resolved
 * -> fired.  Returns the re-fires.
 */
static long
walk(const struct rc_ev *ev, size_t n, struct durs *dur)
{
	enum { NONE, FIRING, RESOLVED } state = NONE;
	int64_t start = 0;
	bool fired = false;
	long refires = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int64_t t = ev[i].tv >> 1;

		if (!(ev[i].tv & 1)) {
			if (state == RESOLVED && fired)
				refires++;
			if (state != FIRING)
				start = t;
			state = FIRING;
			fired = true;
		} else {
			if (state == FIRING) {
				if (dur->n == dur->cap) {
					dur->cap = dur->cap ? dur->cap * 2 : 16;
					dur->v = srw_xrealloc(dur->v, dur->cap * sizeof *dur->v);
				}
				dur->v[dur->n++] = t - start;
			}
			state = RESOLVED;
		}
	}
	return refires;
}

/* Clusters, flapping and resolve times of one alert from its events (all
 * of them, sorted by cluster and time). */
static void
derive_events(struct rc_state *st, struct rc_alert *a, const struct rc_ev *ev, size_t n)
{
	struct durs dur = { 0 };
	size_t i, j, ncl = 0;

	for (i = 0; i < n; i = j) {
		for (j = i; j < n && ev[j].cluster == ev[i].cluster; j++)
			;
		ncl++;
	}
	a->clid = srw_xcalloc(ncl + 1, sizeof *a->clid);
	a->clname = srw_xcalloc(ncl + 1, sizeof *a->clname);
	a->flap = srw_xcalloc(ncl + 1, sizeof *a->flap);
	for (i = 0; i < n; i = j) {
		long r;

		for (j = i; j < n && ev[j].cluster == ev[i].cluster; j++)
			;
		a->clid[a->ncl] = st->clid[ev[i].cluster];
		a->clname[a->ncl++] = st->clname[ev[i].cluster];
		r = walk(ev + i, j - i, &dur);
		if (r > a->max_refires)
			a->max_refires = r;
		if (r >= st->o.flap_min)
			a->flap[a->nflap++] = st->clid[ev[i].cluster];
	}
	sort_clusters(a);
	qsort(a->flap, a->nflap, sizeof *a->flap, cmp_str);
	a->npairs = (long)dur.n;
	if (dur.n) {
		qsort(dur.v, dur.n, sizeof *dur.v, cmp_i64);
		a->median_ms = dur.n % 2 ? dur.v[dur.n / 2] :
		    (dur.v[dur.n / 2 - 1] + dur.v[dur.n / 2]) / 2;
	}
	free(dur.v);
}

static void
derive(struct rc_state *st, struct rc_day *d, struct rc_alert *a)
{
	struct rc_day *prev;
	size_t i, k;

	a->type = srw_alert_type_find(a->name);
	a->regv = srw_xcalloc(a->regions.n + 1, sizeof *a->regv);
	for (i = k = 0; i < a->regions.cap; i++)
		if (a->regions.e[i].key)
			a->regv[k++] = a->regions.e[i].key;
	a->nreg = k;
	qsort(a->regv, a->nreg, sizeof *a->regv, cmp_str);

	prev = rc_day_get(st, d->z - 7, false);
	if (prev && prev->known) {
		struct rc_alert *p = rc_map_get(&prev->alerts, a->name);

		a->prev_fired = p ? p->fired : 0;
	}

	a->reason[0] = '\0';
	if (a->fired >= st->o.noisy_count)
		snprintf(a->reason, sizeof a->reason, "fired %ld times (>= %ld)",
		    a->fired, st->o.noisy_count);
	if ((long)a->ncl >= st->o.noisy_clusters) {
		size_t n = strlen(a->reason);

		snprintf(a->reason + n, sizeof a->reason - n, "%son %zu clusters (>= %ld)",
		    n ? "; " : "", a->ncl, st->o.noisy_clusters);
	}
	a->noisy = a->reason[0] != '\0';
}

static int
cmp_day(const void *x, const void *y)
{
	int64_t a = (*(struct rc_day *const *)x)->z, b = (*(struct rc_day *const *)y)->z;

	return (a > b) - (a < b);
}

/* Events grouped by alert, then cluster, then time; the day's distinct
 * clusters counted with a bitmap over the interned cluster indices. */
static void
finish_events(struct rc_state *st, struct rc_day *d)
{
	unsigned char *seen = srw_xcalloc(st->ncl / 8 + 1, 1);
	size_t i, j;

	if (d->nev)
		qsort(d->ev, d->nev, sizeof *d->ev, cmp_ev);
	for (i = 0; i < d->nev; i = j) {
		for (j = i; j < d->nev && d->ev[j].alert == d->ev[i].alert; j++)
			;
		derive_events(st, d->av[d->ev[i].alert], d->ev + i, j - i);
	}
	for (i = 0; i < d->nev; i++) {
		uint32_t c = d->ev[i].cluster;

		if (!(seen[c / 8] & (1u << (c % 8)))) {
			seen[c / 8] |= (unsigned char)(1u << (c % 8));
			d->nclusters++;
		}
	}
	free(seen);
}

void
rc_finish(struct rc_state *st)
{
	size_t i, j;

	if (st->ndays)
		qsort(st->days, st->ndays, sizeof *st->days, cmp_day);
	st->last = 0;
	for (i = 0; i < st->ndays; i++) {
		struct rc_day *d = st->days[i];

		if (!d->want)
			continue;
		finish_events(st, d);
		d->sorted = srw_xcalloc(d->nav + 1, sizeof *d->sorted);
		if (d->nav)
			memcpy(d->sorted, d->av, d->nav * sizeof *d->sorted);
		d->nalerts = d->nav;
		for (j = 0; j < d->nalerts; j++) {
			derive(st, d, d->sorted[j]);
			if (!d->sorted[j]->type)
				d->nunknown++;
		}
		qsort(d->sorted, d->nalerts, sizeof *d->sorted, cmp_alert);
	}
}

static void
free_alert(void *p)
{
	struct rc_alert *a = p;

	rc_map_free(&a->regions, NULL);
	free(a->clid);
	free(a->clname);
	free(a->regv);
	free(a->flap);
	free(a->tuning);
	free(a);
}

void
rc_free(struct rc_state *st)
{
	size_t i;

	for (i = 0; i < st->ndays; i++) {
		rc_map_free(&st->days[i]->alerts, free_alert);
		free(st->days[i]->av);
		free(st->days[i]->ev);
		free(st->days[i]->sorted);
		free(st->days[i]);
	}
	free(st->days);
	for (i = 0; i < st->ncl; i++)
		free(st->clname[i]);
	free(st->clname);
	free(st->clid);
	rc_map_free(&st->clusters, NULL);
	memset(st, 0, sizeof *st);
}
