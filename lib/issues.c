/*
 * issues.c - the grouping engine of group-issues(1): alert sections become
 * issues.  An ANOMALY issue holds every firing of one alert on one cluster
 * until its Resolved arrives; a FAILURE issue holds firings of one alert on
 * one cluster that come within the window of each other, and resolves with
 * its Resolved or after the quiet time; a failure while an anomaly issue of
 * the same correlation group is open escalates that anomaly issue instead.
 * Correlation groups chain the firings of a cluster that are less than the
 * correlation time apart.
 *
 * Memory: issues leave memory (through opts.emit) once the stream's
 * watermark (latest alert time) is past their end by the horizon, so only
 * open issues and recent ones are held.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"

/* ---- the engine -------------------------------------------------------- */

#define NEVER INT64_MAX

struct grp {		/* a correlation group: a chain of firings */
	char id[32];
	int64_t start, end;
};

struct pend {		/* a Resolved that came before its issue */
	char *alert, *ref;
	int64_t t;
};

struct cluster {
	char *id;
	srw_issue **iss;
	size_t niss, capiss;
	struct grp *grp;
	size_t ngrp, capgrp;
	struct pend *pend;
	size_t npend, cappend;
	int64_t loaded_from;	/* stored issues asked for from here on */
	int64_t due;		/* no sweep work here before this alert time */
};

struct cls {
	enum srw_alert_class cls;
	enum srw_severity sev;
	bool known;
};

struct pat {
	char *glob;
	struct cls c;
};

struct srw_issues {
	srw_issues_opts o;
	int64_t horizon;
	srw_strtab clusters, refs, ids, classes;
	struct pat *pats;
	size_t npats;
	int64_t watermark, last_sweep;
	unsigned long nfed;
	size_t peak;	/* most issues held at once */
};

srw_issues *
srw_issues_new(const srw_issues_opts *o)
{
	srw_issues *g = srw_xcalloc(1, sizeof *g);
	int64_t h;

	g->o = *o;
	if (g->o.window_ms <= 0)
		g->o.window_ms = 30 * 60000;
	if (g->o.correlation_ms <= 0)
		g->o.correlation_ms = 4 * 3600000;
	if (g->o.quiet_ms <= 0)
		g->o.quiet_ms = 4 * 3600000;
	h = g->o.window_ms;
	if (g->o.correlation_ms > h)
		h = g->o.correlation_ms;
	if (g->o.quiet_ms > h)
		h = g->o.quiet_ms;
	g->horizon = h + g->o.window_ms;
	g->watermark = g->last_sweep = INT64_MIN;
	return g;
}

static void
free_cluster(void *p)
{
	struct cluster *c = p;
	size_t i;

	for (i = 0; i < c->npend; i++) {
		free(c->pend[i].alert);
		free(c->pend[i].ref);
	}
	free(c->pend);
	free(c->grp);
	free(c->iss);
	free(c->id);
	free(c);
}

void
srw_issues_free(srw_issues *g)
{
	size_t i;

	if (!g)
		return;
	/* issues still held (finish not called) */
	srw_strtab_ent *e;

	for (i = 0; (e = srw_strtab_next(&g->ids, &i));) {
		srw_issue_clear(e->val);
		free(e->val);
	}
	srw_strtab_free(&g->ids, NULL);
	srw_strtab_free(&g->refs, NULL);
	srw_strtab_free(&g->clusters, free_cluster);
	srw_strtab_free(&g->classes, free);
	for (i = 0; i < g->npats; i++)
		free(g->pats[i].glob);
	free(g->pats);
	free(g);
}

int64_t
srw_issues_watermark(const srw_issues *g)
{
	return g->watermark;
}

size_t
srw_issues_peak(const srw_issues *g)
{
	return g->peak;
}

/* ---- classes ----------------------------------------------------------- */

int
srw_issues_classes(srw_issues *g, const char *path, char *err, size_t errsz)
{
	FILE *fp = fopen(path, "r");
	char line[1024];
	long lineno = 0;

	if (!fp) {
		snprintf(err, errsz, "%s: cannot open", path);
		return -1;
	}
	while (fgets(line, sizeof line, fp)) {
		char *w[4], *save = NULL, *p;
		struct pat *pt;
		int n = 0;

		lineno++;
		if ((p = strchr(line, '#')))
			*p = '\0';
		for (p = strtok_r(line, " \t\r\n", &save); p && n < 4;
		    p = strtok_r(NULL, " \t\r\n", &save))
			w[n++] = p;
		if (n == 0)
			continue;
		g->pats = srw_xrealloc(g->pats, (g->npats + 1) * sizeof *g->pats);
		pt = &g->pats[g->npats];
		pt->c.known = true;
		pt->c.sev = SRW_SEV_WARNING;
		if (n < 2 || n > 3)
			goto bad;
		if (strcasecmp(w[1], "anomaly") == 0)
			pt->c.cls = SRW_CLASS_ANOMALY;
		else if (strcasecmp(w[1], "failure") == 0)
			pt->c.cls = SRW_CLASS_FAILURE;
		else
			goto bad;
		if (n == 3 && srw_severity_parse(w[2], &pt->c.sev) != 0)
			goto bad;
		pt->glob = srw_xstrdup(w[0]);
		g->npats++;
		continue;
bad:
		snprintf(err, errsz, "%s:%ld: expected PATTERN anomaly|failure "
		    "[Critical|Warning|Info]", path, lineno);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	srw_strtab_free(&g->classes, free);	/* forget earlier lookups */
	return 0;
}

enum srw_alert_class
srw_issues_class(srw_issues *g, const char *alert, enum srw_severity *sev, bool *known)
{
	struct cls *c = srw_strtab_get(&g->classes, alert);
	const srw_alert_type *t;
	size_t i;

	if (!c) {
		c = srw_xcalloc(1, sizeof *c);
		c->cls = SRW_CLASS_FAILURE;
		c->sev = SRW_SEV_WARNING;
		for (i = 0; i < g->npats; i++) {
			if (fnmatch(g->pats[i].glob, alert, 0) == 0) {
				*c = g->pats[i].c;
				goto found;
			}
		}
		if ((t = srw_alert_type_find(alert))) {
			c->cls = t->cls;
			c->sev = t->severity;
			c->known = true;
			goto found;
		}
		c->cls = srw_alert_class_of(alert, &c->known);	/* by the name's words */
found:
		srw_strtab_put(&g->classes, alert, c);
	}
	if (sev)
		*sev = c->sev;
	if (known)
		*known = c->known;
	return c->cls;
}

/* ---- helpers over a cluster's issues ----------------------------------- */

static struct cluster *
get_cluster(srw_issues *g, const char *id)
{
	struct cluster *c = srw_strtab_get(&g->clusters, id);

	if (!c) {
		c = srw_xcalloc(1, sizeof *c);
		c->id = srw_xstrdup(id);
		c->loaded_from = NEVER;
		c->due = NEVER;
		srw_strtab_put(&g->clusters, id, c);
	}
	return c;
}

/* When the sweep has work with this issue: its quiet time or its leaving. */
static int64_t
issue_due(const srw_issues *g, const srw_issue *is)
{
	if (is->resolved_at >= 0)
		return is->resolved_at + 2 * g->horizon + 1;
	if (is->kind == SRW_ISSUE_FAILURE && is->last_seen >= 0)
		return is->last_seen + g->o.quiet_ms;
	return NEVER;
}

static void
due(struct cluster *c, int64_t t)
{
	if (t < c->due)
		c->due = t;
}

static bool
is_primary(const srw_issue *is, const char *alert)
{
	const char *p = is->names.s;
	size_t i;

	if (!p)
		return false;
	for (i = 0; alert[i] && p[i] == alert[i]; i++)
		;
	return !alert[i] && (p[i] == ',' || p[i] == '\0');
}

static bool
has_name(const srw_issue *is, const char *alert)
{
	size_t n = strlen(alert);
	const char *p = is->names.s, *end = p ? p + is->names.len : NULL;

	while (p && p < end) {
		const char *q = memchr(p, ',', (size_t)(end - p));
		size_t l = q ? (size_t)(q - p) : (size_t)(end - p);

		if (l == n && memcmp(p, alert, n) == 0)
			return true;
		p = q ? q + 1 : NULL;
	}
	return false;
}

/* The refs index: every section attached to an issue held, and those of
 * stored issues that left memory (so a re-run skips even very late ones). */
enum { REFS_ADD, REFS_DEL, REFS_KEEP, REFS_MOVE };
static char seen;

static void
index_refs(srw_issues *g, srw_issue *is, int mode)
{
	const char *p = is->refs.s, *end = p ? p + is->refs.len : NULL;
	char buf[512];

	while (p && p < end) {
		const char *q = memchr(p, ',', (size_t)(end - p));
		size_t l = q ? (size_t)(q - p) : (size_t)(end - p);

		if (l > 0 && l < sizeof buf) {
			memcpy(buf, p, l);
			buf[l] = '\0';
			srw_strtab_ent *sl = srw_strtab_find(&g->refs, buf);

			if (mode == REFS_DEL && sl && sl->val == is)
				srw_strtab_del(&g->refs, buf);
			else if (mode == REFS_KEEP && sl)
				sl->val = &seen;
			else if (mode == REFS_ADD && !sl)
				srw_strtab_put(&g->refs, buf, is);
			else if (mode == REFS_MOVE && sl)
				sl->val = is;
		}
		p = q ? q + 1 : NULL;
	}
}

static void
add_ref(srw_issues *g, srw_issue *is, const char *ref)
{
	if (is->refs.len)
		srw_buf_addc(&is->refs, ',');
	srw_buf_adds(&is->refs, ref);
	srw_strtab_put(&g->refs, ref, is);
}

static enum srw_severity
sev_of(srw_issues *g, srw_issue *is)
{
	enum srw_severity best = SRW_SEV_UNKNOWN, s;
	const char *p = is->names.s, *end = p ? p + is->names.len : NULL;
	char buf[512];

	if (is->escalated)
		return SRW_SEV_CRITICAL;
	while (p && p < end) {
		const char *q = memchr(p, ',', (size_t)(end - p));
		size_t l = q ? (size_t)(q - p) : (size_t)(end - p);

		if (l < sizeof buf) {
			memcpy(buf, p, l);
			buf[l] = '\0';
			srw_issues_class(g, buf, &s, NULL);
			if (s > best)
				best = s;
		}
		p = q ? q + 1 : NULL;
	}
	return best == SRW_SEV_UNKNOWN ? SRW_SEV_WARNING : best;
}

static void
hold(srw_issues *g, struct cluster *c, srw_issue *is)
{
	if (c->niss == c->capiss) {
		c->capiss = c->capiss ? c->capiss * 2 : 4;
		c->iss = srw_xrealloc(c->iss, c->capiss * sizeof *c->iss);
	}
	c->iss[c->niss++] = is;
	is->priv = c;
	srw_strtab_put(&g->ids, is->id, is);
	if (g->ids.n > g->peak)
		g->peak = g->ids.n;
}

/* The group of a stored issue joins its cluster's chains. */
static void
note_group(struct cluster *c, const char *id, int64_t start, int64_t end)
{
	size_t i;

	if (!*id || start < 0)
		return;
	for (i = 0; i < c->ngrp; i++) {
		if (strcmp(c->grp[i].id, id) == 0) {
			if (start < c->grp[i].start)
				c->grp[i].start = start;
			if (end > c->grp[i].end)
				c->grp[i].end = end;
			return;
		}
	}
	if (c->ngrp == c->capgrp) {
		c->capgrp = c->capgrp ? c->capgrp * 2 : 4;
		c->grp = srw_xrealloc(c->grp, c->capgrp * sizeof *c->grp);
	}
	snprintf(c->grp[c->ngrp].id, sizeof c->grp[c->ngrp].id, "%s", id);
	c->grp[c->ngrp].start = start;
	c->grp[c->ngrp].end = end;
	c->ngrp++;
}

int
srw_issues_add(srw_issues *g, const srw_issue *src)
{
	srw_issue *is;
	struct cluster *c;

	if (!src->cluster_id || !src->id[0] || srw_strtab_get(&g->ids, src->id))
		return 1;
	is = srw_xmalloc(sizeof *is);
	*is = *src;
	is->cluster_id = srw_xstrdup(src->cluster_id);
	is->cluster_name = src->cluster_name ? srw_xstrdup(src->cluster_name) : NULL;
	is->resolve_reason = src->resolve_reason ? srw_xstrdup(src->resolve_reason) : NULL;
	is->triage_status = src->triage_status ? srw_xstrdup(src->triage_status) : NULL;
	is->disposition_status = src->disposition_status ?
	    srw_xstrdup(src->disposition_status) : NULL;
	is->jira_key = src->jira_key ? srw_xstrdup(src->jira_key) : NULL;
	srw_buf_init(&is->names);
	srw_buf_add(&is->names, src->names.s ? src->names.s : "", src->names.len);
	srw_buf_init(&is->refs);
	srw_buf_add(&is->refs, src->refs.s ? src->refs.s : "", src->refs.len);
	is->dirty = false;
	is->stored = true;
	c = get_cluster(g, is->cluster_id);
	hold(g, c, is);
	index_refs(g, is, REFS_ADD);
	note_group(c, is->group, is->first_seen, is->last_seen);
	due(c, issue_due(g, is));
	due(c, is->last_seen + 2 * g->horizon + 1);	/* its group */
	return 0;
}

static void
drop(srw_issues *g, struct cluster *c, size_t i)
{
	srw_issue *is = c->iss[i];

	if (g->o.emit)
		g->o.emit(is, g->o.ctx);
	index_refs(g, is, is->stored ? REFS_KEEP : REFS_DEL);
	srw_strtab_del(&g->ids, is->id);
	srw_issue_clear(is);
	free(is);
	c->iss[i] = c->iss[--c->niss];
}

static void
fmt_dur(char *buf, size_t n, int64_t ms)
{
	if (ms % 3600000 == 0)
		snprintf(buf, n, "%lldh", (long long)(ms / 3600000));
	else
		snprintf(buf, n, "%lldm", (long long)(ms / 60000));
}

static void
resolve_quiet(srw_issues *g, srw_issue *is)
{
	char d[32], r[64];

	fmt_dur(d, sizeof d, g->o.quiet_ms);
	snprintf(r, sizeof r, "quiet for %s", d);
	is->resolved_at = is->last_seen + g->o.quiet_ms;
	srw_issue_setstr(&is->resolve_reason, r);
	is->dirty = true;
}

static bool
quiet_resolved(const srw_issue *is)
{
	return is->resolved_at >= 0 && is->resolve_reason &&
	    strncmp(is->resolve_reason, "quiet", 5) == 0;
}

static int
cmp_issue(const void *a, const void *b)
{
	const srw_issue *x = *(srw_issue *const *)a, *y = *(srw_issue *const *)b;

	if (x->first_seen != y->first_seen)
		return x->first_seen < y->first_seen ? -1 : 1;
	return strcmp(x->id, y->id);
}

static bool match_resolve(srw_issues *g, struct cluster *c, const char *alert,
    int64_t r, const char *ref);

/* Resolves quiet failures and lets go of issues, groups and pending
 * resolves that ended two horizons before now: an alert up to a horizon
 * late still finds everything it can touch. */
static void
sweep(srw_issues *g, int64_t now, bool all)
{
	int64_t keep = 2 * g->horizon;
	srw_issue **out = NULL;
	size_t nout = 0, capout = 0, i, j, k;

	srw_strtab_ent *e;

	for (i = 0; (e = srw_strtab_next(&g->clusters, &i));) {
		struct cluster *c = e->val;

		if (!all && c->due > now)
			continue;
		c->due = NEVER;
		/* a Resolved still waiting when it leaves: its issue may have
		 * grown back to it since (late firings), as a re-run would see */
		for (j = k = 0; j < c->npend; j++) {
			if (all || now - c->pend[j].t > keep) {
				if (!srw_strtab_get(&g->refs, c->pend[j].ref))
					match_resolve(g, c, c->pend[j].alert, c->pend[j].t,
					    c->pend[j].ref);
				free(c->pend[j].alert);
				free(c->pend[j].ref);
			} else {
				due(c, c->pend[j].t + keep + 1);
				c->pend[k++] = c->pend[j];
			}
		}
		c->npend = k;
		for (j = 0; j < c->niss; j++) {
			srw_issue *is = c->iss[j];
			int64_t end;

			if (is->kind == SRW_ISSUE_FAILURE && is->resolved_at < 0 &&
			    is->last_seen >= 0 && now - is->last_seen >= g->o.quiet_ms)
				resolve_quiet(g, is);
			end = is->resolved_at >= 0 ? is->resolved_at : is->last_seen;
			if (all || (is->resolved_at >= 0 && now - end > keep)) {
				if (nout == capout) {
					capout = capout ? capout * 2 : 64;
					out = srw_xrealloc(out, capout * sizeof *out);
				}
				out[nout++] = is;
			} else {
				due(c, issue_due(g, is));
			}
		}
		for (j = k = 0; j < c->ngrp; j++)
			if (all || now - c->grp[j].end <= keep) {
				due(c, c->grp[j].end + keep + 1);
				c->grp[k++] = c->grp[j];
			}
		c->ngrp = k;
	}
	/* a stable order, whatever the hash table's */
	if (nout > 1)
		qsort(out, nout, sizeof *out, cmp_issue);
	for (i = 0; i < nout; i++) {
		struct cluster *c = out[i]->priv;

		for (j = 0; j < c->niss && c->iss[j] != out[i]; j++)
			;
		drop(g, c, j);
	}
	free(out);
}

void
srw_issues_finish(srw_issues *g, int64_t now)
{
	if (g->watermark > now)
		now = g->watermark;
	sweep(g, now, true);
}

/* ---- grouping ---------------------------------------------------------- */

static void
ident(char *out, size_t n, const char *prefix, const char *cluster, const char *kind,
    const char *ref, int hexlen)
{
	char stack[1024], hex[65], *in = stack;
	size_t lc = strlen(cluster), lk = kind ? strlen(kind) + 1 : 0, lr = strlen(ref);
	size_t len = lc + lk + 1 + lr, pl = strlen(prefix);

	if (len > sizeof stack)
		in = srw_xmalloc(len);
	memcpy(in, cluster, lc);
	if (kind) {
		in[lc] = '|';
		memcpy(in + lc + 1, kind, lk - 1);
	}
	in[lc + lk] = '|';
	memcpy(in + lc + lk + 1, ref, lr);
	srw_sha256_hex(in, len, hex);
	if (in != stack)
		free(in);
	if (pl + (size_t)hexlen >= n)
		hexlen = (int)(n - pl - 1);
	memcpy(out, prefix, pl);
	memcpy(out + pl, hex, (size_t)hexlen);
	out[pl + (size_t)hexlen] = '\0';
}

/*
 * Correlation groups are chains of issue spans: an issue's span is
 * [first_seen, last_seen]; an issue opening less than the correlation time
 * from a group's span joins it (the nearest), else opens a group whose id
 * comes from its first alert.  Groups only grow and never merge, so they
 * can be rebuilt from stored issues alone (note_group), and a run split in
 * two gives what one run gives.
 */
static int
grp_idx(const struct cluster *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->ngrp; i++)
		if (strcmp(c->grp[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* An issue's span grew to t: so does its group. */
static void
grp_extend(srw_issues *g, struct cluster *c, srw_issue *is)
{
	int h = grp_idx(c, is->group);

	if (h < 0) {	/* let go of while the issue stayed: rebuild it */
		note_group(c, is->group, is->first_seen, is->last_seen);
		h = grp_idx(c, is->group);
		if (h < 0)
			return;
	}
	if (is->first_seen < c->grp[h].start)
		c->grp[h].start = is->first_seen;
	if (is->last_seen > c->grp[h].end)
		c->grp[h].end = is->last_seen;
}

/* The group an alert at t falls in, or -1: the nearest of those within
 * the correlation time (groups never merge, so stored ids stay true). */
static int
grp_at(srw_issues *g, const struct cluster *c, int64_t t)
{
	int64_t C = g->o.correlation_ms, bestd = NEVER;
	int best = -1;
	size_t i;

	for (i = 0; i < c->ngrp; i++) {
		const struct grp *x = &c->grp[i];
		int64_t d = t < x->start ? x->start - t : t > x->end ? t - x->end : 0;

		if (d >= C)
			continue;
		if (d < bestd || (d == bestd && strcmp(x->id, c->grp[best].id) < 0)) {
			best = (int)i;
			bestd = d;
		}
	}
	return best;
}

/* The group of a new issue opening at t (a new group if none is near). */
static void
grp_for(srw_issues *g, struct cluster *c, int64_t t, const char *ref, char *id)
{
	int h = grp_at(g, c, t);

	if (h < 0) {
		char nid[32];

		ident(nid, sizeof nid, "cg_", c->id, NULL, ref, 16);
		note_group(c, nid, t, t);
		due(c, t + 2 * g->horizon + 1);
		h = grp_idx(c, nid);
	}
	if (t < c->grp[h].start)
		c->grp[h].start = t;
	if (t > c->grp[h].end)
		c->grp[h].end = t;
	strcpy(id, c->grp[h].id);
}

static void
add_name(srw_issues *g, srw_issue *is, const char *alert)
{
	if (has_name(is, alert))
		return;
	if (is->names.len)
		srw_buf_addc(&is->names, ',');
	srw_buf_adds(&is->names, alert);
	is->severity = sev_of(g, is);
}

static void
attach(srw_issues *g, srw_issue *is, const srw_section *s, const char *ref)
{
	add_ref(g, is, ref);
	is->alert_count++;
	if (is->first_seen < 0 || s->created_ms < is->first_seen)
		is->first_seen = s->created_ms;
	if (s->created_ms > is->last_seen)
		is->last_seen = s->created_ms;
	if ((!is->cluster_name || !*is->cluster_name) && s->cluster_name && *s->cluster_name)
		srw_issue_setstr(&is->cluster_name, s->cluster_name);
	is->dirty = true;
}

static void
apply_resolve(srw_issue *is, int64_t r, const char *ref)
{
	char reason[600];

	snprintf(reason, sizeof reason, "resolved by %s", ref);
	is->resolved_at = r;
	srw_issue_setstr(&is->resolve_reason, reason);
	is->dirty = true;
	if (is->priv)
		due(is->priv, r);	/* lower bound of its issue_due */
}

static srw_issue *
open_issue(srw_issues *g, struct cluster *c, const srw_section *s, const char *ref,
    enum srw_issue_kind kind, const char *gid)
{
	srw_issue *is = srw_xmalloc(sizeof *is);
	size_t i;
	int k;

	srw_issue_init(is);
	ident(is->id, sizeof is->id, "iss_", c->id,
	    kind == SRW_ISSUE_ANOMALY ? "ANOMALY" : "FAILURE", ref, 20);
	snprintf(is->group, sizeof is->group, "%s", gid);
	is->cluster_id = srw_xstrdup(c->id);
	is->kind = kind;
	add_name(g, is, s->alert_name);
	if (srw_strtab_get(&g->ids, is->id)) {	/* cannot happen: refs are unique */
		srw_issue_clear(is);
		free(is);
		return NULL;
	}
	hold(g, c, is);
	attach(g, is, s, ref);
	due(c, issue_due(g, is));
	/* a Resolved that came first: the earliest at or after the firing */
	for (i = 0, k = -1; i < c->npend; i++) {
		struct pend *p = &c->pend[i];

		if (p->t >= s->created_ms && strcmp(p->alert, s->alert_name) == 0 &&
		    (k < 0 || p->t < c->pend[k].t))
			k = (int)i;
	}
	if (k >= 0) {
		struct pend *p = &c->pend[k];

		add_ref(g, is, p->ref);
		apply_resolve(is, p->t, p->ref);
		free(p->alert);
		free(p->ref);
		c->pend[k] = c->pend[--c->npend];
	}
	return is;
}

/* A failure issue opened in this run, before the anomaly issue it falls
 * in was known (out of order), merges into it as if it had come after. */
static void
absorb_failures(srw_issues *g, struct cluster *c, srw_issue *an)
{
	size_t i;

	for (i = 0; i < c->niss; i++) {
		srw_issue *f = c->iss[i];

		if (f == an || f->kind != SRW_ISSUE_FAILURE || f->stored ||
		    f->first_seen < an->first_seen || strcmp(f->group, an->group) != 0 ||
		    (f->resolved_at >= 0 && !quiet_resolved(f)) ||
		    (an->resolved_at >= 0 && f->first_seen > an->resolved_at))
			continue;
		srw_buf_addc(&an->refs, ',');
		srw_buf_add(&an->refs, f->refs.s, f->refs.len);
		index_refs(g, f, REFS_MOVE);
		an->alert_count += f->alert_count;
		if (f->last_seen > an->last_seen)
			an->last_seen = f->last_seen;
		an->escalated = true;
		add_name(g, an, f->names.s);
		an->severity = SRW_SEV_CRITICAL;
		an->dirty = true;
		srw_strtab_del(&g->ids, f->id);
		srw_issue_clear(f);
		free(f);
		c->iss[i] = c->iss[--c->niss];
		i--;	/* wraps to SIZE_MAX at 0: the loop's i++ brings it back */
	}
	grp_extend(g, c, an);
}

static void
firing(srw_issues *g, struct cluster *c, const srw_section *s, const char *ref)
{
	int64_t t = s->created_ms, W = g->o.window_ms;
	enum srw_alert_class cls;
	char gid[32];
	int h;
	srw_issue *best = NULL;
	int64_t bestd = NEVER;
	bool known;
	size_t i;

	cls = srw_issues_class(g, s->alert_name, NULL, &known);
	if (!known) {
		srw_warn("unknown alert name '%s': grouped as a FAILURE "
		    "(--classes FILE classifies it)", s->alert_name);
		((struct cls *)srw_strtab_get(&g->classes, s->alert_name))->known = true;
		/* reported once */
	}
	if (cls == SRW_CLASS_ANOMALY) {
		/* the issue whose end (its Resolved, or never) is the first at or
		 * after t: Resolveds cut an alert's firings into issues */
		for (i = 0; i < c->niss; i++) {
			srw_issue *is = c->iss[i];
			int64_t end = is->resolved_at >= 0 ? is->resolved_at : NEVER;

			if (is->kind != SRW_ISSUE_ANOMALY || !is_primary(is, s->alert_name))
				continue;
			if (end >= t && (!best || end < bestd ||
			    (end == bestd && strcmp(is->id, best->id) < 0))) {
				best = is;
				bestd = end;
			}
		}
		if (best) {
			attach(g, best, s, ref);
			grp_extend(g, c, best);
		} else {
			grp_for(g, c, t, ref, gid);
			if ((best = open_issue(g, c, s, ref, SRW_ISSUE_ANOMALY, gid)))
				absorb_failures(g, c, best);
		}
		return;
	}

	/* escalation: an anomaly issue open at t whose correlation group t
	 * falls in */
	for (i = 0; i < c->niss; i++) {
		srw_issue *is = c->iss[i];

		if (is->kind != SRW_ISSUE_ANOMALY || is->first_seen > t ||
		    (is->resolved_at >= 0 && is->resolved_at < t))
			continue;
		h = grp_idx(c, is->group);
		if (h < 0 || t <= c->grp[h].start - g->o.correlation_ms ||
		    t >= c->grp[h].end + g->o.correlation_ms)
			continue;
		if (!best || is->last_seen > best->last_seen ||
		    (is->last_seen == best->last_seen && strcmp(is->id, best->id) < 0))
			best = is;
	}
	if (best) {
		attach(g, best, s, ref);
		best->escalated = true;
		add_name(g, best, s->alert_name);
		best->severity = SRW_SEV_CRITICAL;
		grp_extend(g, c, best);
		return;
	}

	/* the failure issue of this alert that saw an alert within the window */
	for (i = 0; i < c->niss; i++) {
		srw_issue *is = c->iss[i];
		int64_t d;

		if (is->kind != SRW_ISSUE_FAILURE || !is_primary(is, s->alert_name))
			continue;
		if (t < is->first_seen - W || t > is->last_seen + W)
			continue;
		if (is->resolved_at >= 0 && !quiet_resolved(is) && t > is->resolved_at)
			continue;
		d = t < is->first_seen ? is->first_seen - t :
		    t > is->last_seen ? t - is->last_seen : 0;
		if (d < bestd || (d == bestd && strcmp(is->id, best->id) < 0)) {
			best = is;
			bestd = d;
		}
	}
	if (best) {
		attach(g, best, s, ref);
		if (quiet_resolved(best)) {	/* a late firing: quiet again from here */
			best->resolved_at = -1;
			srw_issue_setstr(&best->resolve_reason, NULL);
		}
		grp_extend(g, c, best);
		return;
	}
	grp_for(g, c, t, ref, gid);
	open_issue(g, c, s, ref, SRW_ISSUE_FAILURE, gid);
}

/* A Resolved of alert at r finds its issue: true if attached. */
static bool
match_resolve(srw_issues *g, struct cluster *c, const char *alert, int64_t r,
    const char *ref)
{
	srw_issue *best = NULL;
	size_t i;

	/* the latest issue of this alert opened by r that is open at r */
	for (i = 0; i < c->niss; i++) {
		srw_issue *is = c->iss[i];

		if (!is_primary(is, alert) || is->first_seen > r)
			continue;
		if (is->resolved_at >= 0 && !quiet_resolved(is) && is->resolved_at < r)
			continue;
		/* a failure's reach: its quiet end plus the horizon (what the
		 * engine keeps in memory for late alerts) */
		if (is->kind == SRW_ISSUE_FAILURE &&
		    r > is->last_seen + g->o.quiet_ms + g->horizon)
			continue;
		if (!best || is->first_seen > best->first_seen ||
		    (is->first_seen == best->first_seen && strcmp(is->id, best->id) < 0))
			best = is;
	}
	if (best) {
		add_ref(g, best, ref);
		if (best->resolved_at < 0 || quiet_resolved(best) || r < best->resolved_at)
			apply_resolve(best, r, ref);
		best->dirty = true;
		return true;
	}
	/* a Resolved of a failure merged into an anomaly issue resolves
	 * nothing: it stays unattached, as it would on a re-run */
	return false;
}

static void
resolved(srw_issues *g, struct cluster *c, const srw_section *s, const char *ref)
{
	int64_t r = s->created_ms;
	struct pend *p;

	if (match_resolve(g, c, s->alert_name, r, ref))
		return;
	/* before its firing: kept for the issue that opens at or before r */
	if (c->npend == c->cappend) {
		c->cappend = c->cappend ? c->cappend * 2 : 4;
		c->pend = srw_xrealloc(c->pend, c->cappend * sizeof *c->pend);
	}
	p = &c->pend[c->npend++];
	p->alert = srw_xstrdup(s->alert_name);
	p->ref = srw_xstrdup(ref);
	p->t = r;
	due(c, r + 1);
}

int
srw_issues_feed(srw_issues *g, const srw_section *s, char *reason, size_t rsz)
{
	struct cluster *c;
	char ref[512];
	size_t ml;
	bool fire;

	if (!s->message_id || !*s->message_id) {
		snprintf(reason, rsz, "no message_id");
		return -1;
	}
	if (!s->cluster_id || !*s->cluster_id) {
		snprintf(reason, rsz, "section %d: no cluster_id", s->index);
		return -1;
	}
	if (!s->alert_name || !*s->alert_name || strchr(s->alert_name, ',')) {
		snprintf(reason, rsz, "section %d: bad alert_name", s->index);
		return -1;
	}
	if (s->created_ms < 0) {
		snprintf(reason, rsz, "no valid created_at");
		return -1;
	}
	if (s->alert_status && strcasecmp(s->alert_status, "Firing") == 0)
		fire = true;
	else if (s->alert_status && strcasecmp(s->alert_status, "Resolved") == 0)
		fire = false;
	else {
		snprintf(reason, rsz, "section %d: alert_status must be Firing or Resolved",
		    s->index);
		return -1;
	}
	ml = strlen(s->message_id);
	if (ml + 16 > sizeof ref || memchr(s->message_id, ',', ml)) {
		snprintf(reason, rsz, "message_id too long or with a comma");
		return -1;
	}
	memcpy(ref, s->message_id, ml);
	if (s->index > 0)
		snprintf(ref + ml, sizeof ref - ml, "#%d", s->index);
	else
		ref[ml] = '\0';

	c = get_cluster(g, s->cluster_id);
	if (g->o.load && s->created_ms - g->horizon < c->loaded_from) {
		int64_t from = s->created_ms - g->horizon;

		g->o.load(g, c->id, from, c->loaded_from, g->o.ctx);
		c->loaded_from = from;
	}
	if (s->created_ms > g->watermark)
		g->watermark = s->created_ms;
	if (srw_strtab_get(&g->refs, ref))
		return 1;
	/* a Resolved later than the horizon cannot be placed the same way on
	 * every run (what it would resolve may have left memory): ignored */
	if (!fire && s->created_ms < g->watermark - g->horizon) {
		srw_debug("%s: Resolved %s too late to place", ref, s->alert_name);
		return 1;
	}
	if (fire)
		firing(g, c, s, ref);
	else
		resolved(g, c, s, ref);
	/* evictions happen two horizons after the end: sweeping each half
	 * horizon of alert time keeps memory near the open issues */
	g->nfed++;
	if (g->last_sweep == INT64_MIN)
		g->last_sweep = g->watermark;
	else if (g->watermark - g->last_sweep >= g->horizon / 2) {
		sweep(g, g->watermark, false);
		g->last_sweep = g->watermark;
	}
	return 0;
}
