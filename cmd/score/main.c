/*
 * score - the health score of every cluster for the latest complete UTC
 * hour (../shared/SCORING.md; the arithmetic is lib/score.c).  Inputs come
 * from the database (hourly snapshots at H and H - 7 d, firing alert
 * sections of the 7 days up to the end of H, customer tiers) or from an
 * NDJSON bundle of the same rows (--stdin).  Output: one NDJSON row per
 * cluster (the columns of ops.cluster_health_scores), a text table worst
 * first (--format text), or rows stored in ops.cluster_health_scores and
 * ops.cluster_risk_snapshots (--write).
 */
#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"

#define HOUR_MS 3600000LL
#define WEEK_MS (7 * 24 * HOUR_MS)
#define MAX_FACTORS 3

struct cluster {
	char *id;
	srw_score_in in;
	srw_score_out out;
};

struct fleet {
	struct cluster *cl;
	size_t n, cap;
	size_t *slot;	/* open addressing: index + 1, 0 empty */
	size_t nslot;
	char **only;	/* --cluster list, NULL: all */
	size_t nonly;
	int64_t hour, base, win_start, win_end;	/* ms */
};

static const char *at_arg, *hour_arg, *format = "ndjson", *reject_path;
static bool from_stdin, do_write, strict;

static const char synopsis[] =
    "score [--hour TIME] [--at TIME] [--cluster ID[,ID]] [--write]\n"
    "             [--format ndjson|text] [-v]\n"
    "       score [--hour TIME] [--at TIME] [--strict] [--reject FILE]\n"
    "             [--format ndjson|text] - | FILE ...";

static const srw_opt opts[] = {
	{ "hour", 'H', "TIME", "score this UTC hour (default: the last complete one)" },
	{ "at", 'a', "TIME", "score as if it were TIME" },
	{ "cluster", 'c', "ID[,ID]", "only these clusters" },
	{ "stdin", 'i', NULL, "read an NDJSON bundle from stdin (the same as -)" },
	{ "write", 'w', NULL, "store the rows in the database instead of printing them" },
	{ "format", 'f', "FMT", "ndjson (default) or text" },
	{ "strict", 's', NULL, "stop at the first bad line (exit 65)" },
	{ "reject", 'r', "FILE", "keep bad lines in FILE" },
	{ "verbose", 'v', NULL, "more diagnostics (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

static void
rehash(struct fleet *f)
{
	size_t i, j;

	free(f->slot);
	f->nslot = f->nslot ? 2 * f->nslot : 1024;
	f->slot = srw_xcalloc(f->nslot, sizeof *f->slot);
	for (i = 0; i < f->n; i++) {
		for (j = srw_hash_str(f->cl[i].id) & (f->nslot - 1); f->slot[j];
		    j = (j + 1) & (f->nslot - 1))
			;
		f->slot[j] = i + 1;
	}
}

/* The cluster named id, created on first sight; NULL if --cluster leaves it
 * out or the id is empty. */
static struct cluster *
cluster(struct fleet *f, const char *id)
{
	struct cluster *c;
	size_t j, k;

	if (!id || !*id)
		return NULL;
	if (f->nslot) {
		for (j = srw_hash_str(id) & (f->nslot - 1); f->slot[j]; j = (j + 1) & (f->nslot - 1))
			if (strcmp(f->cl[f->slot[j] - 1].id, id) == 0)
				return &f->cl[f->slot[j] - 1];
	}
	if (f->only) {
		for (k = 0; k < f->nonly && strcmp(f->only[k], id) != 0; k++)
			;
		if (k == f->nonly)
			return NULL;
	}
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 256;
		f->cl = srw_xrealloc(f->cl, f->cap * sizeof *f->cl);
	}
	c = &f->cl[f->n++];
	memset(c, 0, sizeof *c);
	c->id = srw_xstrdup(id);
	for (k = 0; k < SRW_SCORE_NDIM; k++)
		c->in.value[k] = c->in.baseline[k] = NAN;
	c->in.tier = 'B';
	if (2 * f->n > f->nslot)
		rehash(f);
	else {
		for (j = srw_hash_str(id) & (f->nslot - 1); f->slot[j]; j = (j + 1) & (f->nslot - 1))
			;
		f->slot[j] = f->n;
	}
	return c;
}

/* A snapshot value: the hour's value at H or the baseline at H - 7 d. */
static void
add_snapshot(struct fleet *f, const char *id, const char *metric, int64_t hour,
    double v, bool has)
{
	struct cluster *c;
	int d;

	if (hour != f->hour && hour != f->base)
		return;
	if (!(c = cluster(f, id)) || (d = srw_score_dim_find(metric)) < 0 || !has)
		return;
	if (hour == f->hour)
		c->in.value[d] = v;
	else
		c->in.baseline[d] = v;
}

static void
add_sections(struct fleet *f, srw_section *s, int n)
{
	struct cluster *c;
	const srw_alert_type *t;
	int i;

	for (i = 0; i < n; i++) {
		if (strcasecmp(s[i].alert_status, "Firing") != 0 ||
		    s[i].created_ms < f->win_start || s[i].created_ms >= f->win_end ||
		    !(c = cluster(f, s[i].cluster_id)))
			continue;
		/* an unknown alert name counts as Warning (SCORING.md) */
		t = srw_alert_type_find(s[i].alert_name);
		if (t && t->severity == SRW_SEV_CRITICAL)
			c->in.critical++;
		else if (t && t->severity == SRW_SEV_INFO)
			c->in.info++;
		else
			c->in.warning++;
	}
}

static void
set_tier(struct fleet *f, const char *id, const char *tier)
{
	struct cluster *c;
	char t;

	if (!(c = cluster(f, id)))
		return;
	while (tier && isspace((unsigned char)*tier))
		tier++;
	t = tier ? (char)toupper((unsigned char)*tier) : 0;
	if (!t || !strchr("SABC", t) ||
	    (tier[1] && !isspace((unsigned char)tier[1]))) {
		srw_warn("%s: tier '%s' is not S, A, B or C: counted as B", id,
		    tier ? tier : "");
		t = 'B';
	}
	c->in.tier = t;
}

/* ---- database input -------------------------------------------------- */

static srw_res *
query(srw_db *db, const char *sql)
{
	srw_res *r = srw_db_query_retry(db, sql, 3);

	if (!r)
		srw_die(srw_db_errno_transient(srw_db_errno(db)) ? SRW_EX_UNAVAILABLE :
		    SRW_EX_SOFTWARE, "%s", srw_db_error(db));
	return r;
}

static void
load_db(srw_db *db, struct fleet *f)
{
	char h[20], b[20], ws[20], we[20];
	srw_buf q;
	srw_res *r;
	char **row;
	int i, n;
	srw_section *s;

	srw_time_fmt_sql(f->hour, h);
	srw_time_fmt_sql(f->base, b);
	srw_time_fmt_sql(f->win_start, ws);
	srw_time_fmt_sql(f->win_end, we);
	srw_buf_init(&q);

	/* the clusters with any snapshot at H or the baseline hour */
	srw_buf_printf(&q, "SELECT DISTINCT cluster_id FROM metrics.amv_hourly_snapshots_v1"
	    " WHERE hour IN ('%s', '%s')", h, b);
	r = query(db, q.s);
	while ((row = srw_res_next(r, NULL)))
		cluster(f, row[0]);
	srw_res_free(r);

	srw_buf_reset(&q);
	srw_buf_printf(&q, "SELECT cluster_id, metric, CASE WHEN hour = '%s' THEN 1"
	    " ELSE 0 END, avg_value FROM metrics.amv_hourly_snapshots_v1"
	    " WHERE hour IN ('%s', '%s') AND metric IN (", h, h, b);
	for (i = 0; i < SRW_SCORE_NDIM; i++)
		srw_buf_printf(&q, "%s'%s'", i ? ", " : "", srw_score_dims[i].metric);
	srw_buf_adds(&q, ")");
	r = query(db, q.s);
	while ((row = srw_res_next(r, NULL))) {
		char *end = NULL;
		double v = row[3] ? strtod(row[3], &end) : NAN;

		add_snapshot(f, row[0], row[1], row[2] && row[2][0] == '1' ? f->hour : f->base,
		    v, row[3] && end != row[3]);
	}
	srw_res_free(r);

	srw_buf_reset(&q);
	/* the columns of SRW_ALERT_COLS, but only those counted: a week of a
	 * big fleet's alerts is buffered whole by the client */
	srw_buf_printf(&q, "SELECT message_id, DATE_FORMAT(created_at, '%%Y-%%m-%%d"
	    " %%H:%%i:%%s'), '', '', '', cluster_id, alert_status, alert_name, NULL,"
	    " NULL, NULL, '' FROM alerts.lark_alerts WHERE created_at >= '%s'"
	    " AND created_at < '%s' AND alert_status LIKE '%%Firing%%'", ws, we);
	r = query(db, q.s);
	while ((row = srw_res_next(r, NULL))) {
		n = srw_sections_split_cols(row, &s);
		add_sections(f, s, n);
		srw_sections_free(s, n);
	}
	srw_res_free(r);

	r = query(db, "SELECT cluster_id, tier FROM ops.dim_customer_profile");
	while ((row = srw_res_next(r, NULL)))
		set_tier(f, row[0], row[1]);
	srw_res_free(r);
	srw_buf_free(&q);
}

/* ---- bundle input (--stdin) ------------------------------------------ */

static int
on_record(srw_val *rec, const srw_line *ln, void *ctx)
{
	struct fleet *f = ctx;
	const char *id = srw_val_get_str(rec, "cluster_id");
	const char *metric = srw_val_get_str(rec, "metric");
	const char *hs = srw_val_get_str(rec, "hour");
	srw_val *av;
	srw_section *s;
	int64_t hour;
	double v = NAN;
	int n;

	if (metric && hs) {
		if (!id || !*id || srw_time_parse(hs, &hour) != 0) {
			srw_ndjson_reject(ln, "snapshot row without cluster_id or a valid hour");
			return SRW_NDJSON_REJECT;
		}
		av = srw_val_get(rec, "avg_value");
		if (av && srw_val_type(av) != SRW_NULL && !srw_val_num(av, &v)) {
			srw_ndjson_reject(ln, "avg_value is not a number");
			return SRW_NDJSON_REJECT;
		}
		add_snapshot(f, id, metric, hour, v, isfinite(v));
		/* a cluster with only unscored dimensions at H is still known */
		if (hour == f->hour || hour == f->base)
			cluster(f, id);
		return 0;
	}
	if (srw_val_get_str(rec, "alert_name")) {
		if (!srw_val_get_str(rec, "created_at") || !srw_val_get_str(rec, "alert_status")) {
			srw_ndjson_reject(ln, "alert row without created_at or alert_status");
			return SRW_NDJSON_REJECT;
		}
		n = srw_sections_split(rec, &s);
		if (n > 0 && s[0].created_ms < 0) {
			srw_sections_free(s, n);
			srw_ndjson_reject(ln, "alert row with a bad created_at");
			return SRW_NDJSON_REJECT;
		}
		add_sections(f, s, n);
		srw_sections_free(s, n);
		return 0;
	}
	if (srw_val_get(rec, "tier") && id && *id) {
		set_tier(f, id, srw_val_get_str(rec, "tier"));
		return 0;
	}
	srw_ndjson_reject(ln, "not a snapshot, alert or customer profile row");
	return SRW_NDJSON_REJECT;
}

/* ---- output ------------------------------------------------------------ */

static void
jw_score(srw_buf *b, const char *key, double v)
{
	srw_jw_num(b, key, srw_score_round(v, 4));	/* NAN -> null */
}

static void
jw_factors(srw_buf *b, const struct cluster *c)
{
	char f[MAX_FACTORS][96];
	int i, n = srw_score_factors(&c->in, &c->out, f, MAX_FACTORS);

	srw_jw_arr(b, "top_factors");
	for (i = 0; i < n; i++)
		srw_jw_strn(b, NULL, f[i], strlen(f[i]));
	srw_jw_close(b, ']');
}

/* One row of ops.cluster_health_scores. */
static void
score_row(srw_buf *b, const struct cluster *c, const char *scored_at, const char *hour)
{
	const srw_score_out *o = &c->out;
	char key[48];
	char tier[2] = { c->in.tier, 0 };
	int i;

	srw_jw_begin(b);
	srw_jw_str(b, "cluster_id", c->id);
	srw_jw_str(b, "scored_at", scored_at);
	srw_jw_str(b, "hour", hour);
	srw_jw_num(b, "score", o->score);
	srw_jw_str(b, "risk_level", srw_score_risk_name(o->risk));
	srw_jw_str(b, "tier", tier);
	jw_score(b, "metric_score", o->metric);
	jw_score(b, "metric_raw", o->metric_raw);
	srw_jw_num(b, "trend_penalty", o->penalty);
	jw_score(b, "alert_score", o->alert);
	jw_score(b, "tier_score", o->tier);
	srw_jw_int(b, "dimensions", o->ndims);
	for (i = 0; i < SRW_SCORE_NDIM; i++) {
		snprintf(key, sizeof key, "%s_value", srw_score_dims[i].name);
		srw_jw_num(b, key, c->in.value[i]);
		snprintf(key, sizeof key, "%s_score", srw_score_dims[i].name);
		jw_score(b, key, o->sub[i]);
	}
	srw_jw_int(b, "critical_alerts", c->in.critical);
	srw_jw_int(b, "warning_alerts", c->in.warning);
	srw_jw_int(b, "info_alerts", c->in.info);
	jw_factors(b, c);
	srw_jw_end(b);
}

/* One row of ops.cluster_risk_snapshots (what sentinel reads). */
static void
risk_row(srw_buf *b, const struct cluster *c, const char *scored_at, const char *hour)
{
	const srw_score_out *o = &c->out;
	char tier[2] = { c->in.tier, 0 };

	srw_jw_begin(b);
	srw_jw_str(b, "cluster_id", c->id);
	srw_jw_str(b, "snapshot_at", scored_at);
	srw_jw_str(b, "hour", hour);
	srw_jw_num(b, "score", o->score);
	srw_jw_str(b, "risk_level", srw_score_risk_name(o->risk));
	srw_jw_str(b, "tier", tier);
	jw_score(b, "metric_score", o->metric);
	jw_score(b, "alert_score", o->alert);
	jw_score(b, "tier_score", o->tier);
	srw_jw_int(b, "critical_alerts", c->in.critical);
	srw_jw_int(b, "warning_alerts", c->in.warning);
	srw_jw_int(b, "info_alerts", c->in.info);
	jw_factors(b, c);
	srw_jw_end(b);
}

static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct cluster *)a)->id, ((const struct cluster *)b)->id);
}

/* Worst first: Unknown (no data is the worst thing not to know), then by
 * rising score, then by id. */
static int
by_worst(const void *a, const void *b)
{
	const struct cluster *x = a, *y = b;
	bool ux = isnan(x->out.score), uy = isnan(y->out.score);

	if (ux != uy)
		return ux ? -1 : 1;
	if (!ux && x->out.score != y->out.score)
		return x->out.score < y->out.score ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void
fmt_num(char *buf, size_t n, double v, const char *fmt)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, fmt, v);
}

static void
print_text(struct fleet *f, const char *hour)
{
	char sc[16], m[16], a[16], t[16], cnt[48], fs[MAX_FACTORS][96];
	int w = 7, i, nf;
	size_t k, len;
	long counts[4] = { 0 };

	if (f->n)
		qsort(f->cl, f->n, sizeof *f->cl, by_worst);
	for (k = 0; k < f->n; k++)
		if ((len = strlen(f->cl[k].id)) > (size_t)w)
			w = len > 40 ? 40 : (int)len;
	for (k = 0; k < f->n; k++)
		counts[f->cl[k].out.risk]++;
	printf("hour %s UTC: %zu clusters, %ld Critical, %ld Warning, %ld Healthy, "
	    "%ld Unknown\n\n", hour, f->n, counts[SRW_SCORE_CRITICAL],
	    counts[SRW_SCORE_WARNING], counts[SRW_SCORE_HEALTHY],
	    counts[SRW_SCORE_UNKNOWN]);
	printf("%-*s  %5s  %-8s  %4s  %6s  %5s  %6s  %-8s  %s\n", w, "CLUSTER", "SCORE",
	    "RISK", "TIER", "METRIC", "ALERT", "TSCORE", "C/W/I", "TOP FACTORS");
	for (k = 0; k < f->n; k++) {
		const struct cluster *c = &f->cl[k];

		fmt_num(sc, sizeof sc, c->out.score, "%.1f");
		fmt_num(m, sizeof m, c->out.metric, "%.1f");
		fmt_num(a, sizeof a, c->out.alert, "%.0f");
		fmt_num(t, sizeof t, c->out.tier, "%.1f");
		snprintf(cnt, sizeof cnt, "%ld/%ld/%ld", c->in.critical, c->in.warning,
		    c->in.info);
		printf("%-*.*s  %5s  %-8s  %4c  %6s  %5s  %6s  %-8s  ", w, w, c->id, sc,
		    srw_score_risk_name(c->out.risk), c->in.tier, m, a, t, cnt);
		nf = srw_score_factors(&c->in, &c->out, fs, MAX_FACTORS);
		for (i = 0; i < nf; i++)
			printf("%s%s", i ? "; " : "", fs[i]);
		putchar('\n');
	}
}

struct writer {
	srw_ins *ins;
	srw_table *t;
	unsigned long long refused;
};

static void
on_refused(const char *line, size_t len, const char *reason, void *ctx)
{
	struct writer *w = ctx;

	w->refused++;
	srw_warn("row refused by the server: %s: %.*s", reason,
	    (int)(len > 120 ? 120 : len), line);
}

static void
writer_open(srw_db *db, struct writer *w, const char *table)
{
	srw_ins_opts io = { 0 };
	char err[512];

	if (!(w->t = srw_table_load(db, table, err, sizeof err)))
		srw_die(SRW_EX_UNAVAILABLE, "%s (load sql/*/%s.sql)", err, table);
	io.mode = SRW_INS_UPSERT;
	io.on_reject = on_refused;
	io.reject_ctx = w;
	w->ins = srw_ins_new(db, w->t, &io);
}

/* Queue the row in b; returns -1 when the server is unavailable. */
static int
writer_add(struct writer *w, const srw_buf *b)
{
	char reason[512];
	srw_val *v = srw_val_parse(b->s, b->len - 1);
	int rc;

	if (!v)
		srw_die(SRW_EX_SOFTWARE, "internal: bad row %s", b->s);
	rc = srw_ins_add(w->ins, v, b->s, b->len - 1, reason, sizeof reason);
	srw_val_free(v);
	if (rc == -1) {
		srw_warn("row refused: %s", reason);
		w->refused++;
	}
	if (rc == -2 || (srw_ins_full(w->ins) && srw_ins_flush(w->ins) != 0))
		return -1;
	return 0;
}

static void
writer_close(struct writer *w)
{
	srw_ins_free(w->ins);
	srw_table_free(w->t);
}

/* Writes every row; returns the exit status. */
static int
write_db(srw_db *db, struct fleet *f, const char *scored_at, const char *hour)
{
	struct writer ws = { 0 }, wr = { 0 };
	srw_buf b;
	size_t k;
	int status = SRW_EX_OK;

	writer_open(db, &ws, "ops.cluster_health_scores");
	writer_open(db, &wr, "ops.cluster_risk_snapshots");
	srw_buf_init(&b);
	for (k = 0; k < f->n && status == SRW_EX_OK; k++) {
		srw_buf_reset(&b);
		score_row(&b, &f->cl[k], scored_at, hour);
		if (writer_add(&ws, &b) != 0)
			status = SRW_EX_UNAVAILABLE;
		srw_buf_reset(&b);
		risk_row(&b, &f->cl[k], scored_at, hour);
		if (status == SRW_EX_OK && writer_add(&wr, &b) != 0)
			status = SRW_EX_UNAVAILABLE;
	}
	if (status == SRW_EX_OK &&
	    (srw_ins_flush(ws.ins) != 0 || srw_ins_flush(wr.ins) != 0))
		status = SRW_EX_UNAVAILABLE;
	if (status == SRW_EX_UNAVAILABLE)
		srw_warn("database unavailable: %s", srw_db_error(db));
	else if (ws.refused || wr.refused)
		status = SRW_EX_REJECTED;
	/* one line even without -v, so a cron journal shows the run */
	if (status != SRW_EX_UNAVAILABLE)
		srw_warn("hour %s: stored %llu score rows and %llu risk snapshots", hour,
		    srw_ins_stored(ws.ins), srw_ins_stored(wr.ins));
	srw_buf_free(&b);
	writer_close(&ws);
	writer_close(&wr);
	return status;
}

/* The hour to score and the time it is scored at, from --hour and --at:
 * the latest complete hour before --at (or now); with --hour alone the
 * row is dated the end of that hour, so a backfill keeps its place in time. */
static void
pick_times(struct fleet *f, int64_t *scored)
{
	int64_t at = srw_now_ms(), h;

	if (at_arg && srw_time_parse(at_arg, &at) != 0)
		srw_die(SRW_EX_USAGE, "--at: not a time: %s", at_arg);
	at -= at % 1000;
	if (hour_arg) {
		if (srw_time_parse(hour_arg, &h) != 0)
			srw_die(SRW_EX_USAGE, "--hour: not a time: %s", hour_arg);
		f->hour = h - ((h % HOUR_MS) + HOUR_MS) % HOUR_MS;
		*scored = at_arg ? at : f->hour + HOUR_MS;
	} else {
		f->hour = at - ((at % HOUR_MS) + HOUR_MS) % HOUR_MS - HOUR_MS;
		*scored = at;
	}
	f->base = f->hour - WEEK_MS;
	f->win_end = f->hour + HOUR_MS;
	f->win_start = f->win_end - WEEK_MS;
}

int
main(int argc, char *argv[])
{
	struct fleet f = { 0 };
	srw_ndjson_opts no = { 0 };
	srw_db *db = NULL;
	char err[512], scored_at[20], hour[20];
	const char *only = NULL;
	int64_t scored;
	int c, status = SRW_EX_OK;
	size_t k;
	srw_buf b;

	srw_init("score", argc, argv);
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case 'H': hour_arg = optarg; break;
		case 'a': at_arg = optarg; break;
		case 'c': only = optarg; break;
		case 'i': from_stdin = true; break;
		case 'w': do_write = true; break;
		case 'f': format = optarg; break;
		case 's': strict = true; break;
		case 'r': reject_path = optarg; break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	argc -= optind;
	argv += optind;
	if (strcmp(format, "ndjson") != 0 && strcmp(format, "text") != 0)
		srw_opt_error("--format wants ndjson or text, not %s", format);
	/* operands are NDJSON input ("-" is stdin; --stdin the older spelling) */
	if (argc > 0)
		from_stdin = true;
	if (from_stdin && do_write)
		srw_opt_error("--write stores database scores; pipe NDJSON input's "
		    "output to sr-insert");
	pick_times(&f, &scored);
	srw_time_fmt_sql(scored, scored_at);
	srw_time_fmt_sql(f.hour, hour);
	if (only)
		f.only = srw_split(only, ',', &f.nonly);

	if (from_stdin) {
		no.strict = strict;
		no.reject_path = reject_path;
		srw_ndjson_setup(&no);
		srw_ndjson_files(argc, argv, on_record, &f);
		if (srw_ndjson_reject_count())
			status = SRW_EX_REJECTED;
	} else {
		if (!(db = srw_db_open(5, err, sizeof err)))
			srw_die(SRW_EX_UNAVAILABLE, "%s", err);
		load_db(db, &f);
	}

	for (k = 0; k < f.n; k++)
		srw_score_compute(&f.cl[k].in, &f.cl[k].out);
	srw_info("hour %s: %zu clusters scored at %s", hour, f.n, scored_at);
	/* finding nothing is not an error, but it is said (srwatch(7)) */
	if (f.n == 0 && (only || !from_stdin))
		srw_warn("hour %s: no cluster to score%s%s", hour, only ? " matching --cluster " : "",
		    only ? only : "");

	if (f.n)
		qsort(f.cl, f.n, sizeof *f.cl, by_id);
	if (do_write) {
		int ws = write_db(db, &f, scored_at, hour);

		if (ws != SRW_EX_OK)
			status = ws;
	}
	if (strcmp(format, "text") == 0) {
		print_text(&f, hour);
	} else if (!do_write) {
		srw_buf_init(&b);
		for (k = 0; k < f.n; k++) {
			score_row(&b, &f.cl[k], scored_at, hour);
			srw_jw_flush(&b, stdout, 1 << 16);
		}
		srw_jw_flush(&b, stdout, 0);
		srw_buf_free(&b);
	}

	for (k = 0; k < f.n; k++)
		free(f.cl[k].id);
	free(f.cl);
	free(f.slot);
	srw_strv_free(f.only);
	srw_db_close(db);
	return srw_finish(status);
}
