/* agg.c - recommend's aggregates: alert sections counted per Pacific day and
 * alert name, then the derived facts (clusters, flapping, time to resolve,
 * the week-earlier change, noise). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "recommend.h"

#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

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
	e = slot(m, key, hash(key));
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
	uint64_t h = hash(key);
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
	struct rc_alert *a = srw_xcalloc(1, sizeof *a);

	a->name = (char *)key;	/* owned by the map entry */
	a->first_fired = a->last_fired = -1;
	a->median_ms = -1;
	a->prev_fired = -1;
	return a;
}

static void *
mk_cluster(const char *key, void *arg)
{
	struct rc_cluster *c = srw_xcalloc(1, sizeof *c);

	c->id = (char *)key;
	c->name = srw_xstrdup(arg ? arg : "");
	return c;
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
	struct rc_cluster *c;
	const char *ckey;
	bool firing;
	int64_t z;

	if (!rc_check(s, why))
		return -1;
	firing = rc_status_firing(s->alert_status);
	z = rc_day_of(s->created_ms);
	d = rc_day_get(st, z, !st->filter);
	if (!d)
		return 1;
	d->known = true;
	d->sections++;
	a = rc_map_put(&d->alerts, s->alert_name, mk_alert, NULL)->val;
	ckey = *s->cluster_id ? s->cluster_id : *s->cluster_name ? s->cluster_name : "(none)";
	c = rc_map_put(&a->clusters, ckey, mk_cluster, s->cluster_name)->val;
	rc_map_put(&d->clusters, ckey, NULL, NULL);
	if (*s->region)
		rc_map_put(&a->regions, s->region, NULL, NULL);
	if (c->nev == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4;
		c->ev = srw_xrealloc(c->ev, c->cap * sizeof *c->ev);
	}
	c->ev[c->nev++] = (s->created_ms << 1) | !firing;
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
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int
cmp_cluster(const void *x, const void *y)
{
	return strcmp((*(struct rc_cluster *const *)x)->id, (*(struct rc_cluster *const *)y)->id);
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

/*
 * One cluster's events in time order.  An episode starts at the first
 * Firing after a Resolved (or the day's first Firing); repeated Firing
 * notifications while it fires belong to it.  A re-fire is a Firing after a
 * Resolved that itself followed a Firing that day: fired -> resolved -> fired.
 */
static void
walk(struct rc_cluster *c, int64_t **dur, size_t *ndur, size_t *capdur)
{
	enum { NONE, FIRING, RESOLVED } state = NONE;
	int64_t start = 0;
	bool fired = false;
	size_t i;

	qsort(c->ev, c->nev, sizeof *c->ev, cmp_i64);
	c->refires = 0;
	for (i = 0; i < c->nev; i++) {
		int64_t t = c->ev[i] >> 1;

		if (!(c->ev[i] & 1)) {
			if (state == RESOLVED && fired)
				c->refires++;
			if (state != FIRING)
				start = t;
			state = FIRING;
			fired = true;
		} else {
			if (state == FIRING) {
				if (*ndur == *capdur) {
					*capdur = *capdur ? *capdur * 2 : 16;
					*dur = srw_xrealloc(*dur, *capdur * sizeof **dur);
				}
				(*dur)[(*ndur)++] = t - start;
			}
			state = RESOLVED;
		}
	}
}

static void
derive(struct rc_state *st, struct rc_day *d, struct rc_alert *a)
{
	struct rc_day *prev;
	int64_t *dur = NULL;
	size_t i, k, ndur = 0, capdur = 0;

	a->type = srw_alert_type_find(a->name);
	a->cl = srw_xcalloc(a->clusters.n + 1, sizeof *a->cl);
	for (i = k = 0; i < a->clusters.cap; i++)
		if (a->clusters.e[i].key)
			a->cl[k++] = a->clusters.e[i].val;
	a->ncl = k;
	qsort(a->cl, a->ncl, sizeof *a->cl, cmp_cluster);
	a->regv = srw_xcalloc(a->regions.n + 1, sizeof *a->regv);
	for (i = k = 0; i < a->regions.cap; i++)
		if (a->regions.e[i].key)
			a->regv[k++] = a->regions.e[i].key;
	a->nreg = k;
	qsort(a->regv, a->nreg, sizeof *a->regv, cmp_str);

	a->flap = srw_xcalloc(a->ncl + 1, sizeof *a->flap);
	for (i = 0; i < a->ncl; i++) {
		walk(a->cl[i], &dur, &ndur, &capdur);
		if (a->cl[i]->refires > a->max_refires)
			a->max_refires = a->cl[i]->refires;
		if (a->cl[i]->refires >= st->o.flap_min)
			a->flap[a->nflap++] = a->cl[i];
	}
	a->npairs = (long)ndur;
	if (ndur) {
		qsort(dur, ndur, sizeof *dur, cmp_i64);
		a->median_ms = ndur % 2 ? dur[ndur / 2] :
		    (dur[ndur / 2 - 1] + dur[ndur / 2]) / 2;
	}
	free(dur);

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

void
rc_finish(struct rc_state *st)
{
	size_t i, j, k;

	qsort(st->days, st->ndays, sizeof *st->days, cmp_day);
	st->last = 0;
	for (i = 0; i < st->ndays; i++) {
		struct rc_day *d = st->days[i];

		if (!d->want)
			continue;
		d->sorted = srw_xcalloc(d->alerts.n + 1, sizeof *d->sorted);
		for (j = k = 0; j < d->alerts.cap; j++)
			if (d->alerts.e[j].key)
				d->sorted[k++] = d->alerts.e[j].val;
		d->nalerts = k;
		for (j = 0; j < k; j++) {
			derive(st, d, d->sorted[j]);
			if (!d->sorted[j]->type)
				d->nunknown++;
		}
		qsort(d->sorted, d->nalerts, sizeof *d->sorted, cmp_alert);
	}
}

static void
free_cluster(void *p)
{
	struct rc_cluster *c = p;

	free(c->name);
	free(c->ev);
	free(c);
}

static void
free_alert(void *p)
{
	struct rc_alert *a = p;

	rc_map_free(&a->clusters, free_cluster);
	rc_map_free(&a->regions, NULL);
	free(a->cl);
	free(a->regv);
	free(a->flap);
	free(a);
}

void
rc_free(struct rc_state *st)
{
	size_t i;

	for (i = 0; i < st->ndays; i++) {
		rc_map_free(&st->days[i]->alerts, free_alert);
		rc_map_free(&st->days[i]->clusters, NULL);
		free(st->days[i]->sorted);
		free(st->days[i]);
	}
	free(st->days);
	st->days = NULL;
	st->ndays = st->cap = 0;
}
