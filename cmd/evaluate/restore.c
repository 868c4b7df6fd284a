/* restore.c - evaluate --state FILE read back at start (state.c writes
 * it): the snapshot, then the journal's complete blocks of the same
 * generation, folded per rule (later lines win, tombstones remove) and
 * matched with the rules in force by the hash of their definition; and,
 * at the first point, whether the input replays what the rules read or
 * starts after a gap.  A snapshot not entirely good restores nothing. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "evaluate.h"

#define NOTSET INT64_MIN

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
	const char *t = srw_val_str(v);

	if (t && strlen(t) == 18 && t[0] == '0' && t[1] == 'x') {
		/* the double's bits (state.c) */
		char *end;
		uint64_t bits;

		errno = 0;
		bits = strtoull(t + 2, &end, 16);
		if (*end || errno)
			return false;
		memcpy(out, &bits, sizeof *out);
		return true;
	}
	if (t) {
		*out = strtod(t, NULL);
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
		if (!ev_label_overridden(r, lab[2 * i])) {
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
check_block(line *L, size_t n, const char *kind, int64_t gen, size_t *len, bool each)
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
	if (strcmp(kind, "journal") != 0 && d != EV_STATE_FORMAT) {
		snprintf(why, sizeof why, "format %g, this evaluate reads format %d", d, EV_STATE_FORMAT);
		return why;
	}
	if (gen && g != (double)gen)
		return "of another generation";
	if (!each) {
		/* the lines between are checked as they are read */
		bool good = (v = srw_val_parse(L[n - 1].s, L[n - 1].len)) &&
		    srw_val_get_num(v, "end", &d) && d == (double)(n - 1);

		srw_val_free(v);
		*len = n;
		return good ? NULL : "cut short (no end line)";
	}
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
static size_t
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

		if (get_hex(v, "rule", &h) && srw_val_get_str(v, "group") && srw_val_get_str(v, "name")) {
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
		} else {
			srw_val_free(v);
			return i + 1;	/* the first bad line */
		}
		srw_val_free(v);
	}
	return 0;
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
		if ((why = check_block(L + i, n - i, "journal", gen, &blen, true))) {
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
			if (ev_rule_hash(&e->rs.groups[g], &e->rs.groups[g].rules[i]) == h)
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
	size_t bad;
	char badline[64];

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
	if (!err && n && !(why = check_block(L, n, "srwatch_evaluate_state", 0, &blen, false)) &&
	    (bad = take_block(e, &ld, L, n))) {
		snprintf(badline, sizeof badline, "line %zu: bad or missing field", bad);
		why = badline;
	}
	if (err || !n || why) {
		loaded_free(&ld);
		srw_warn("--state %s: %s: starting with no alert state (the file is replaced at "
		    "the first change)", e->state_path, err ? strerror(err) : !n ? "empty" :
		    why);
		free(L);
		free(text);
		return;
	}
	hdr = srw_val_parse(L[0].s, L[0].len);
	srw_val_get_num(hdr, "gen", &gen);
	srw_val_free(hdr);
	e->state_gen = (int64_t)gen;
	read_journal(e, &ld, e->state_gen);
	apply(e, &ld);
	loaded_free(&ld);
	free(L);
	free(text);
}
