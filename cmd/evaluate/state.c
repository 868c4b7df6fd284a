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
 * evaluate was down loses its state and nothing else does.  Reading it
 * back is restore.c. */
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
#define FORMAT EV_STATE_FORMAT

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
uint64_t
ev_rule_hash(const srw_rule_group *g, const srw_rule *r)
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
	static const char dig[] = "0123456789abcdef";
	char t[17];
	int i;

	for (i = 15; i >= 0; i--, v >>= 4)
		t[i] = dig[v & 15];
	t[16] = 0;
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

/* The alert lines are most of what is written, at every evaluation that
 * changes something: they are put together without the generic writer
 * (constant keys as literals, no escaping of what needs none). */
#define LIT(b, s) srw_buf_add((b), (s), sizeof(s) - 1)

static void
hexq(srw_buf *b, uint64_t v, bool ox)	/* "0123456789abcdef", or "0x..." */
{
	static const char dig[] = "0123456789abcdef";
	char *p;
	int i;

	srw_buf_grow(b, 22);
	p = b->s + b->len;
	*p++ = '"';
	if (ox) {
		*p++ = '0';
		*p++ = 'x';
	}
	for (i = 15; i >= 0; i--, v >>= 4)
		p[i] = dig[v & 15];
	p[16] = '"';
	p[17] = '\0';	/* the buffer stays a string */
	b->len += 18 + (ox ? 2 : 0);
}

static void
timev(srw_buf *b, int64_t v)
{
	if (v == NOTSET)
		LIT(b, "null");
	else
		srw_buf_add_jint(b, v);
}

static void
kvobj(srw_buf *b, const char *const *kv, size_t n)
{
	size_t i;

	srw_buf_addc(b, '{');
	for (i = 0; i < n; i++) {
		if (i)
			srw_buf_addc(b, ',');
		srw_buf_add_jstr(b, kv[2 * i], strlen(kv[2 * i]));
		srw_buf_addc(b, ':');
		srw_buf_add_jstr(b, kv[2 * i + 1], strlen(kv[2 * i + 1]));
	}
	srw_buf_addc(b, '}');
}

/* JSON has no NaN or infinities, a rule's value can be either; and the
 * exact double of a fraction is its bits ("0x" and 16 hex digits), which
 * cost nothing to write, where a decimal form costs a printf. */
static void
valuev(srw_buf *b, double v)
{
	uint64_t bits;

	if (!isfinite(v)) {
		srw_buf_adds(b, isnan(v) ? "\"NaN\"" : v > 0 ? "\"+Inf\"" : "\"-Inf\"");
	} else if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) {
		srw_buf_add_jint(b, (int64_t)v);
	} else {
		memcpy(&bits, &v, sizeof bits);
		hexq(b, bits, true);
	}
}

/* Does the alert's label set hide this sample label?  (The rule's labels
 * and alertname override the sample's; __name__ is dropped.) */
bool
ev_label_overridden(const srw_rule *r, const char *k)
{
	size_t i;

	if (strcmp(k, "alertname") == 0 || strcmp(k, "__name__") == 0)
		return true;
	for (i = 0; r && i < r->nlabels; i++)
		if (strcmp(r->label_kv[2 * i], k) == 0)
			return true;
	return false;
}

/* The sample's labels (what templates see) are mostly the alert's own:
 * only the ones the alert's labels do not show are written. */
static void
put_sample(srw_buf *b, const alert *a)
{
	uint32_t i;
	bool first = true;

	LIT(b, ",\"sample\":{");
	for (i = 0; a->sls && i < a->sls->n; i++)
		if (ev_label_overridden(a->rule, a->sls->kv[2 * i])) {
			if (!first)
				srw_buf_addc(b, ',');
			first = false;
			srw_buf_add_jstr(b, a->sls->kv[2 * i], strlen(a->sls->kv[2 * i]));
			srw_buf_addc(b, ':');
			srw_buf_add_jstr(b, a->sls->kv[2 * i + 1], strlen(a->sls->kv[2 * i + 1]));
		}
	srw_buf_addc(b, '}');
}

/* An alert already written needs only what changed: its state and clocks
 * ("update"), folded into its first line when the state is read. */
static void
put_alert(srw_buf *b, const alert *a, bool whole)
{
	bool firing = a->state == ST_FIRING;

	LIT(b, "{\"alert\":");
	hexq(b, a->fp, false);
	LIT(b, ",\"key\":");
	hexq(b, a->key, false);
	if (firing)
		LIT(b, ",\"state\":\"firing\"");
	else
		LIT(b, ",\"state\":\"pending\"");
	if (whole) {
		LIT(b, ",\"labels\":");
		kvobj(b, (const char *const *)a->kv, a->n);
		put_sample(b, a);
		if (a->nann) {
			LIT(b, ",\"annotations\":");
			kvobj(b, (const char *const *)a->ann, a->nann);
		}
	} else {
		LIT(b, ",\"update\":true");
	}
	LIT(b, ",\"active_at\":");
	timev(b, a->active_at);
	if (firing) {
		LIT(b, ",\"fired_at\":");
		timev(b, a->fired_at);
		LIT(b, ",\"last_sent\":");
		timev(b, a->last_sent);
	}
	LIT(b, ",\"keep_since\":");
	timev(b, a->keep_since);
	/* the value a resolved event's annotations show when no evaluation
	 * sees the alert again; a pending alert sends nothing with it */
	if (firing) {
		LIT(b, ",\"value\":");
		valuev(b, a->value);
	}
	LIT(b, "}\n");
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

/* Where a restarted evaluate wants its input to start again: the longest
 * range any rule reads, before the last evaluation (which it does again). */
static int64_t
resume_from(const struct ev *e)
{
	int64_t t = e->watermark;
	size_t g;

	if (t == NOTSET)
		return NOTSET;
	for (g = 0; g < e->rs.ngroups; g++)
		if (e->next[g] != NOTSET && e->next[g] - e->rs.groups[g].interval_ms < t)
			t = e->next[g] - e->rs.groups[g].interval_ms;
	t -= e->pq ? srw_pq_horizon(e->pq) : 0;
	return t < e->started ? e->started : t;	/* nothing before the first point */
}

/* The clock: a snapshot's first line, or a journal block's. */
static void
put_header(srw_buf *b, struct ev *e, const char *kind)
{
	char t[32];
	size_t g;

	srw_jw_begin(b);
	srw_jw_int(b, kind, strcmp(kind, "journal") == 0 ? e->state_gen : FORMAT);
	srw_jw_int(b, "gen", e->state_gen);
	srw_jw_str(b, "saved_at", srw_time_fmt_rfc3339(srw_now_ms(), t));
	put_time(b, "watermark", e->watermark);
	put_time(b, "started", e->started);
	put_time(b, "resume_from", resume_from(e));
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
}

/* Every rule's state (a snapshot), or what changed (a journal block): per
 * changed rule, the alerts that went away, the alerts that changed, and
 * the watched series when they did. */
static size_t
put_rules(srw_buf *b, struct ev *e, bool all)
{
	size_t g, i, k, lines = 0;

	for (g = 0; g < e->rs.ngroups; g++) {
		srw_rule_group *G = &e->rs.groups[g];

		for (i = 0; i < G->nrules; i++) {
			srw_rule *r = &G->rules[i];
			rstate *s = r->user;
			bool tracks = all || s->tracks_dirty;

			if (!s || r->kind == SRW_RULE_RECORD || (all ? !s->n && !s->nt : !s->dirty))
				continue;
			if (s->hashed != r) {	/* rules change only on reload */
				s->hash = ev_rule_hash(G, r);
				s->hashed = r;
			}
			srw_jw_begin(b);
			put_hex(b, "rule", s->hash);
			srw_jw_str(b, "group", G->name);
			srw_jw_str(b, "name", r->name);
			if (!all) {
				srw_jw_bool(b, "upsert", true);
				srw_jw_bool(b, "tracks", tracks);
			}
			srw_jw_end(b);
			lines++;
			for (k = 0; !all && k < s->ngone; k++, lines++) {
				srw_jw_begin(b);
				put_hex(b, "gone", s->gone[k]);
				srw_jw_end(b);
			}
			for (k = 0; k < s->n; k++)
				if (all || s->a[k].changed) {
					put_alert(b, &s->a[k], all || !s->a[k].written);
					lines++;
				}
			for (k = 0; tracks && k < s->nt; k++, lines++)
				put_track(b, &s->t[k]);
		}
	}
	return lines;
}

/* After a write: nothing is changed any more. */
static void
clean(struct ev *e, bool all)
{
	size_t g, i, k;

	for (g = 0; g < e->rs.ngroups; g++)
		for (i = 0; i < e->rs.groups[g].nrules; i++) {
			rstate *s = e->rs.groups[g].rules[i].user;

			if (!s || (!all && !s->dirty))
				continue;
			for (k = 0; k < s->n; k++) {
				s->a[k].changed = false;
				s->a[k].written = true;
			}
			s->ngone = 0;
			s->dirty = s->tracks_dirty = false;
		}
}

/* A change costs what changed: the rules it touched are appended to
 * FILE.journal as one block (fsync'd, ended by an "end" line so a torn
 * block is seen); when the journal outgrows the snapshot, a new snapshot
 * replaces FILE atomically and the journal starts again.  A generation
 * number ties the journal to its snapshot, so a crash between the two
 * steps never replays an old journal over a new snapshot. */
void
ev_state_save(struct ev *e)
{
	srw_buf *b = &e->stbuf;
	char err[512];
	size_t lines;
	bool full = e->state_full || !e->state_gen ||
	    e->journal_bytes > 4 * (e->state_bytes > (1 << 20) ? e->state_bytes : (1 << 20));
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	srw_buf_reset(b);
	if (full) {
		int64_t now = srw_now_ms();

		for (size_t g = 0; g < e->rs.ngroups; g++)	/* a reload may reuse addresses */
			for (size_t i = 0; i < e->rs.groups[g].nrules; i++)
				if (e->rs.groups[g].rules[i].user)
					((rstate *)e->rs.groups[g].rules[i].user)->hashed = NULL;

		e->state_gen = now > e->state_gen ? now : e->state_gen + 1;
		put_header(b, e, "srwatch_evaluate_state");
	} else {
		put_header(b, e, "journal");
	}
	lines = 1 + put_rules(b, e, full);
	srw_jw_begin(b);
	srw_jw_int(b, "end", (int64_t)lines);
	srw_jw_end(b);
	if (full) {
		rc = srw_file_replace(e->state_path, b->s, b->len, err, sizeof err);
		if (rc == 0 && (rc = srw_file_replace(e->journal_path, "", 0, err, sizeof err)) == 0) {
			e->state_bytes = b->len;
			e->journal_bytes = 0;
			e->state_snapshots++;
		}
	} else {
		rc = srw_file_append_sync(e->journal_path, b->s, b->len, err, sizeof err);
		if (rc == 0)
			e->journal_bytes += b->len;
	}
	if (rc != 0) {
		/* keep running: alerts still go out; the next change writes a
		 * whole snapshot again */
		if (e->state_errors++ == 0 || srw_verbose())
			srw_warn("--state: %s", err);
		e->state_full = true;
		return;
	}
	clean(e, full);
	e->dirty = e->state_full = false;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	e->state_writes++;
	*(full ? &e->state_write_ns : &e->journal_write_ns) += (t1.tv_sec - t0.tv_sec) *
	    1000000000LL + (t1.tv_nsec - t0.tv_nsec);
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
