/* sentinel - decide which clusters deserve an investigation this run.
 *
 * One task per cluster with the best priority of the triggers that matched
 * (all of them listed): New Critical (1), Score Cliff (2), Alert Storm (2),
 * Tier A/S Warning (3).  A cluster that got a task in the cooldown window
 * (4 h) gets none, whatever the trigger.  Reads the database, or a bundle of
 * records on stdin / in files. */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"

enum {
	TRIG_NEW_CRITICAL = 1 << 0,
	TRIG_SCORE_CLIFF = 1 << 1,
	TRIG_ALERT_STORM = 1 << 2,
	TRIG_TIER_WARNING = 1 << 3,
};

static const struct {
	unsigned bit;
	const char *name;
	int priority;
} triggers[] = {
	{ TRIG_NEW_CRITICAL, "new_critical", 1 },
	{ TRIG_SCORE_CLIFF, "score_cliff", 2 },
	{ TRIG_ALERT_STORM, "alert_storm", 2 },
	{ TRIG_TIER_WARNING, "tier_warning", 3 },
};

struct snap {
	int64_t at;	/* ms; 0 = none */
	double score;
	bool has_score;
	char risk[16];
	char tier[8];
};

struct cluster {
	char *id;
	char *name, *account, *tier;	/* from the profile, NULL if none */
	struct snap latest, prev;
	int firing;		/* firing alert sections in the storm window */
	int64_t last_task;	/* ms of the newest task in the cooldown window, 0 none */
	unsigned trig;
	int priority;
};

static bool dry_run, strict;
static long max_tasks = 10;
static int64_t now_ms, cooldown_ms = 4 * 3600000LL, storm_ms = 3600000LL,
    max_age_ms = 24 * 3600000LL;
static double cliff = 15;
static long storm = 5;
static const char *reject_path;

static struct cluster **tab;
static size_t ntab, captab;

enum { OPT_NOW = SRW_OPT_LONG, OPT_COOLDOWN, OPT_CLIFF, OPT_STORM, OPT_MAX_AGE,
	OPT_STRICT, OPT_REJECT };

static const char synopsis[] =
    "sentinel [--dry-run] [--max N] [--now TIME] [--cooldown DUR]\n"
    "                [--cliff POINTS] [--storm N] [--max-age DUR]\n"
    "                [--strict] [--reject FILE] [-v] [FILE ... | -]";

static const srw_opt opts[] = {
	{ "dry-run", 'n', NULL, "emit the tasks but store nothing" },
	{ "max", 'm', "N", "at most N tasks per run (default 10)" },
	{ "now", OPT_NOW, "TIME", "decide as of TIME" },
	{ "cooldown", OPT_COOLDOWN, "DUR", "no task for a cluster that had one this recently (4h)" },
	{ "cliff", OPT_CLIFF, "POINTS", "score drop that makes a cliff (default 15)" },
	{ "storm", OPT_STORM, "N", "firing sections in the last hour that make a storm (5)" },
	{ "max-age", OPT_MAX_AGE, "DUR", "ignore snapshots older than this (default 24h)" },
	{ "strict", OPT_STRICT, NULL, "the first bad bundle line is fatal (exit 65)" },
	{ "reject", OPT_REJECT, "FILE", "keep bad bundle lines in FILE" },
	{ "verbose", 'v', NULL, "say which clusters were held back and why" },
	{ NULL, 0, NULL, NULL },
};

/* The cluster record for id, created on first sight. */
static struct cluster *
cluster(const char *id)
{
	size_t i;

	if (ntab * 2 >= captab) {
		size_t oldcap = captab;
		struct cluster **old = tab;

		captab = captab ? captab * 2 : 256;
		tab = srw_xcalloc(captab, sizeof *tab);
		for (i = 0; i < oldcap; i++) {
			size_t j;

			if (!old[i])
				continue;
			for (j = srw_hash_str(old[i]->id) & (captab - 1); tab[j]; j = (j + 1) & (captab - 1))
				;
			tab[j] = old[i];
		}
		free(old);
	}
	for (i = srw_hash_str(id) & (captab - 1); tab[i]; i = (i + 1) & (captab - 1))
		if (strcmp(tab[i]->id, id) == 0)
			return tab[i];
	tab[i] = srw_xcalloc(1, sizeof **tab);
	tab[i]->id = srw_xstrdup(id);
	ntab++;
	return tab[i];
}

/* Keeps the two newest snapshots at or before now. */
static void
add_snapshot(const char *id, int64_t at, const char *score, const char *risk,
    const char *tier)
{
	struct cluster *c;
	struct snap s = { .at = at };

	if (!id || !*id || at > now_ms)
		return;
	c = cluster(id);
	if (score && *score) {
		char *end;

		s.score = strtod(score, &end);
		s.has_score = *end == '\0' && isfinite(s.score);
	}
	snprintf(s.risk, sizeof s.risk, "%s", risk ? risk : "");
	snprintf(s.tier, sizeof s.tier, "%s", tier && *tier ? tier : "");
	if (at > c->latest.at) {
		c->prev = c->latest;
		c->latest = s;
	} else if (at > c->prev.at && at != c->latest.at) {
		c->prev = s;
	}
}

static void
add_profile(const char *id, const char *name, const char *account, const char *tier)
{
	struct cluster *c;

	if (!id || !*id)
		return;
	c = cluster(id);
	free(c->name);
	free(c->account);
	free(c->tier);
	c->name = srw_xstrdup(name ? name : "");
	c->account = srw_xstrdup(account ? account : "");
	c->tier = tier && *tier ? srw_xstrdup(tier) : NULL;
}

static void
add_task(const char *id, int64_t at)
{
	struct cluster *c;

	if (!id || !*id || at <= now_ms - cooldown_ms)
		return;
	c = cluster(id);
	if (at > c->last_task)
		c->last_task = at;
}

/* Counts the firing sections of an alert row in the storm window. */
static void
add_alert_sections(srw_section *s, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(s[i].alert_status, "Firing") != 0 || !*s[i].cluster_id)
			continue;
		if (s[i].created_ms < 0 || s[i].created_ms <= now_ms - storm_ms ||
		    s[i].created_ms > now_ms)
			continue;
		cluster(s[i].cluster_id)->firing++;
	}
}

/* ---- the database ------------------------------------------------------ */

static void
db_read(srw_db *db)
{
	char from[20], to[20], cool[20], storm_from[20];
	srw_buf q;
	srw_res *r;
	char **row;

	srw_time_fmt_sql(now_ms, to);
	srw_time_fmt_sql(now_ms - max_age_ms - 7 * 86400000LL, from);
	srw_time_fmt_sql(now_ms - cooldown_ms, cool);
	srw_time_fmt_sql(now_ms - storm_ms, storm_from);
	srw_buf_init(&q);

	/* the newest two snapshots per cluster */
	srw_buf_printf(&q,
	    "SELECT cluster_id, DATE_FORMAT(snapshot_at, '%%Y-%%m-%%d %%H:%%i:%%s'),"
	    " score, risk_level, tier FROM ("
	    "SELECT cluster_id, snapshot_at, score, risk_level, tier, ROW_NUMBER() OVER"
	    " (PARTITION BY cluster_id ORDER BY snapshot_at DESC) AS rn"
	    " FROM ops.cluster_risk_snapshots WHERE snapshot_at >= '%s'"
	    " AND snapshot_at <= '%s') s WHERE rn <= 2", from, to);
	if (!(r = srw_db_query_retry(db, q.s, 3)))
		srw_die(SRW_EX_UNAVAILABLE, "reading ops.cluster_risk_snapshots: %s",
		    srw_db_error(db));
	while ((row = srw_res_next(r, NULL))) {
		int64_t at;

		if (row[1] && srw_time_parse_sql(row[1], &at) == 0)
			add_snapshot(row[0], at, row[2], row[3], row[4]);
	}
	srw_res_free(r);

	srw_buf_reset(&q);
	srw_buf_adds(&q, "SELECT " SRW_ALERT_COLS " FROM alerts.lark_alerts");
	srw_buf_printf(&q, " WHERE created_at > '%s' AND created_at <= '%s'"
	    " AND alert_status LIKE '%%Firing%%'", storm_from, to);
	if (!(r = srw_db_query_retry(db, q.s, 3)))
		srw_die(SRW_EX_UNAVAILABLE, "reading alerts.lark_alerts: %s", srw_db_error(db));
	while ((row = srw_res_next(r, NULL))) {
		srw_section *s;
		int n = srw_sections_split_cols(row, &s);

		add_alert_sections(s, n);
		srw_sections_free(s, n);
	}
	srw_res_free(r);

	if (!(r = srw_db_query_retry(db, "SELECT cluster_id, cluster_name, account_name,"
	    " tier FROM ops.dim_customer_profile", 3)))
		srw_die(SRW_EX_UNAVAILABLE, "reading ops.dim_customer_profile: %s",
		    srw_db_error(db));
	while ((row = srw_res_next(r, NULL)))
		add_profile(row[0], row[1], row[2], row[3]);
	srw_res_free(r);

	srw_buf_reset(&q);
	srw_buf_printf(&q, "SELECT cluster_id, DATE_FORMAT(MAX(created_at),"
	    " '%%Y-%%m-%%d %%H:%%i:%%s') FROM agent.tasks WHERE created_at > '%s'"
	    " GROUP BY cluster_id", cool);
	if (!(r = srw_db_query_retry(db, q.s, 3)))
		srw_die(SRW_EX_UNAVAILABLE, "reading agent.tasks: %s", srw_db_error(db));
	while ((row = srw_res_next(r, NULL))) {
		int64_t at;

		if (row[1] && srw_time_parse_sql(row[1], &at) == 0)
			add_task(row[0], at);
	}
	srw_res_free(r);
	srw_buf_free(&q);
}

/* ---- the bundle: the same records as NDJSON, told apart by their keys -- */

static const char *
val_text(const srw_val *rec, const char *key, char *buf, size_t n)
{
	srw_val *v = srw_val_get(rec, key);
	double d;

	if (srw_val_str(v))
		return srw_val_str(v);
	if (srw_val_type(v) == SRW_NUM && srw_val_num(v, &d)) {
		snprintf(buf, n, "%.17g", d);
		return buf;
	}
	return NULL;
}

static int
on_record(srw_val *rec, const srw_line *ln, void *ctx)
{
	const char *id = srw_val_get_str(rec, "cluster_id");
	const char *ts;
	char nb[64];
	int64_t at;

	(void)ctx;
	if (srw_val_get(rec, "message_id")) {
		srw_section *s;
		int n = srw_sections_split(rec, &s);

		add_alert_sections(s, n);
		srw_sections_free(s, n);
		return SRW_NDJSON_OK;
	}
	if (!id || !*id) {
		srw_ndjson_reject(ln, "record without cluster_id");
		return SRW_NDJSON_REJECT;
	}
	if (srw_val_get(rec, "task_id")) {
		if (!(ts = srw_val_get_str(rec, "created_at")) || srw_time_parse(ts, &at) != 0) {
			srw_ndjson_reject(ln, "task without a valid created_at");
			return SRW_NDJSON_REJECT;
		}
		add_task(id, at);
	} else if (srw_val_get(rec, "snapshot_at")) {
		if (!(ts = srw_val_get_str(rec, "snapshot_at")) || srw_time_parse(ts, &at) != 0 ||
		    !srw_val_get_str(rec, "risk_level")) {
			srw_ndjson_reject(ln, "risk snapshot without a valid snapshot_at and risk_level");
			return SRW_NDJSON_REJECT;
		}
		add_snapshot(id, at, val_text(rec, "score", nb, sizeof nb),
		    srw_val_get_str(rec, "risk_level"), srw_val_get_str(rec, "tier"));
	} else if (srw_val_get(rec, "tier") || srw_val_get(rec, "account_name")) {
		add_profile(id, srw_val_get_str(rec, "cluster_name"),
		    srw_val_get_str(rec, "account_name"), srw_val_get_str(rec, "tier"));
	} else {
		srw_ndjson_reject(ln, "not a risk snapshot, alert row, profile or task");
		return SRW_NDJSON_REJECT;
	}
	return SRW_NDJSON_OK;
}

/* ---- deciding ---------------------------------------------------------- */

static const char *
tier_of(const struct cluster *c)
{
	if (c->tier)
		return c->tier;
	return *c->latest.tier ? c->latest.tier : "B";
}

static void
decide(struct cluster *c)
{
	const char *tier = tier_of(c);
	bool fresh = c->latest.at && c->latest.at > now_ms - max_age_ms;
	size_t i;

	c->trig = 0;
	if (fresh && strcmp(c->latest.risk, "Critical") == 0)
		c->trig |= TRIG_NEW_CRITICAL;
	if (fresh && c->prev.at && c->latest.has_score && c->prev.has_score &&
	    c->prev.score - c->latest.score > cliff)
		c->trig |= TRIG_SCORE_CLIFF;
	if (c->firing > storm)
		c->trig |= TRIG_ALERT_STORM;
	if (fresh && (strcmp(tier, "A") == 0 || strcmp(tier, "S") == 0) &&
	    (strcmp(c->latest.risk, "Warning") == 0 || strcmp(c->latest.risk, "Critical") == 0))
		c->trig |= TRIG_TIER_WARNING;
	c->priority = 99;
	for (i = 0; i < sizeof triggers / sizeof *triggers; i++)
		if ((c->trig & triggers[i].bit) && triggers[i].priority < c->priority)
			c->priority = triggers[i].priority;
}

/* Priority first, then the worse (lower) score, clusters without a score
 * last among equals, then cluster_id for a stable order. */
static int
cmp_task(const void *a, const void *b)
{
	const struct cluster *x = *(struct cluster *const *)a, *y = *(struct cluster *const *)b;
	bool xs = x->latest.has_score, ys = y->latest.has_score;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	if (xs != ys)
		return xs ? -1 : 1;
	if (xs && x->latest.score != y->latest.score)
		return x->latest.score < y->latest.score ? -1 : 1;
	return strcmp(x->id, y->id);
}

static json_t *
task_json(const struct cluster *c)
{
	json_t *t = json_object(), *trig = json_array();
	char created[20], snap[20], hex[65], fmt[64];
	srw_buf reason, key;
	size_t i;

	srw_time_fmt_sql(now_ms, created);
	srw_buf_init(&key);
	srw_buf_printf(&key, "%s|%s", c->id, created);
	srw_sha256_hex(key.s, key.len, hex);
	srw_buf_free(&key);
	snprintf(fmt, sizeof fmt, "t-%.16s", hex);

	srw_buf_init(&reason);
	for (i = 0; i < sizeof triggers / sizeof *triggers; i++) {
		if (!(c->trig & triggers[i].bit))
			continue;
		json_array_append_new(trig, json_string(triggers[i].name));
		if (reason.len)
			srw_buf_adds(&reason, "; ");
		switch (triggers[i].bit) {
		case TRIG_NEW_CRITICAL:
			if (c->latest.has_score)
				srw_buf_printf(&reason, "risk Critical (score %.1f)", c->latest.score);
			else
				srw_buf_adds(&reason, "risk Critical");
			break;
		case TRIG_SCORE_CLIFF:
			srw_buf_printf(&reason, "score fell %.1f points (%.1f -> %.1f)",
			    c->prev.score - c->latest.score, c->prev.score, c->latest.score);
			break;
		case TRIG_ALERT_STORM:
			srw_buf_printf(&reason, "%d firing alert sections in the last %lld min",
			    c->firing, (long long)(storm_ms / 60000));
			break;
		case TRIG_TIER_WARNING:
			srw_buf_printf(&reason, "tier %s cluster at %s", tier_of(c), c->latest.risk);
			break;
		}
	}

	json_object_set_new(t, "task_id", json_string(fmt));
	json_object_set_new(t, "cluster_id", json_string(c->id));
	json_object_set_new(t, "created_at", json_string(created));
	json_object_set_new(t, "priority", json_integer(c->priority));
	json_object_set_new(t, "triggers", trig);
	json_object_set_new(t, "reason", json_string(reason.s ? reason.s : ""));
	json_object_set_new(t, "cluster_name", json_string(c->name ? c->name : ""));
	json_object_set_new(t, "account_name", json_string(c->account ? c->account : ""));
	json_object_set_new(t, "tier", json_string(tier_of(c)));
	json_object_set_new(t, "risk_level", json_string(c->latest.at ? c->latest.risk : ""));
	json_object_set_new(t, "score", c->latest.has_score ? json_real(c->latest.score) : json_null());
	json_object_set_new(t, "prev_score", c->prev.has_score ? json_real(c->prev.score) : json_null());
	json_object_set_new(t, "snapshot_at", c->latest.at ?
	    json_string(srw_time_fmt_sql(c->latest.at, snap)) : json_null());
	json_object_set_new(t, "firing_alerts", json_integer(c->firing));
	json_object_set_new(t, "status", json_string("pending"));
	srw_buf_free(&reason);
	return t;
}

static void
write_tasks(srw_db *db, json_t **tasks, size_t n)
{
	char err[512];
	srw_table *t;
	srw_ins *ins;
	srw_ins_opts o = { .mode = SRW_INS_UPSERT };
	size_t i;

	if (!(t = srw_table_load(db, "agent.tasks", err, sizeof err)))
		srw_die(SRW_EX_UNAVAILABLE, "%s", err);
	ins = srw_ins_new(db, t, &o);
	for (i = 0; i < n; i++)
		if (srw_ins_add_json(ins, tasks[i], err, sizeof err) != 0)
			srw_die(SRW_EX_SOFTWARE, "task not storable: %s", err);
	if (srw_ins_flush(ins) != 0)
		srw_die(SRW_EX_UNAVAILABLE, "storing agent.tasks: %s", srw_db_error(db));
	srw_ins_free(ins);
	srw_table_free(t);
}

int
main(int argc, char *argv[])
{
	struct cluster **sel;
	json_t **tasks;
	srw_db *db = NULL;
	size_t i, nsel = 0, ncool = 0;
	char err[512];
	int ch;

	srw_init("sentinel", argc, argv);
	now_ms = srw_now_ms();
	srw_opt_begin(synopsis, opts);
	while ((ch = srw_opt_next(argc, argv)) != -1) {
		switch (ch) {
		case 'n': dry_run = true; break;
		case 'm': max_tasks = srw_opt_num(optarg, 0, LONG_MAX, "--max"); break;
		case OPT_NOW:
			if (srw_time_parse(optarg, &now_ms) != 0)
				srw_opt_error("--now: not a time: %s", optarg);
			break;
		case OPT_COOLDOWN:
			cooldown_ms = srw_opt_duration(optarg, 0, INT64_MAX, "--cooldown");
			break;
		case OPT_MAX_AGE:
			max_age_ms = srw_opt_duration(optarg, 0, INT64_MAX, "--max-age");
			break;
		case OPT_CLIFF: cliff = srw_opt_real(optarg, -1e9, 1e9, "--cliff"); break;
		case OPT_STORM: storm = srw_opt_num(optarg, 0, LONG_MAX, "--storm"); break;
		case OPT_STRICT: strict = true; break;
		case OPT_REJECT: reject_path = optarg; break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	argc -= optind;
	argv += optind;

	if (argc == 0 || !dry_run) {
		if (!(db = srw_db_open(3, err, sizeof err)))
			srw_die(SRW_EX_UNAVAILABLE, "%s", err);
	}
	if (argc > 0) {
		srw_ndjson_opts no = { .strict = strict, .reject_path = reject_path };

		srw_ndjson_setup(&no);
		srw_ndjson_files(argc, argv, on_record, NULL);
	} else {
		db_read(db);
	}

	sel = srw_xcalloc(ntab + 1, sizeof *sel);
	for (i = 0; i < captab; i++) {
		struct cluster *c = tab[i];

		if (!c)
			continue;
		decide(c);
		if (!c->trig)
			continue;
		if (c->last_task) {
			char at[20];

			ncool++;
			srw_info("%s: in cooldown (task at %s)", c->id, srw_time_fmt_sql(c->last_task, at));
			continue;
		}
		sel[nsel++] = c;
	}
	qsort(sel, nsel, sizeof *sel, cmp_task);
	if (nsel > (size_t)max_tasks) {
		srw_info("%zu clusters deserve a look; the first %ld get tasks (--max)",
		    nsel, max_tasks);
		nsel = (size_t)max_tasks;
	}
	tasks = srw_xcalloc(nsel + 1, sizeof *tasks);
	for (i = 0; i < nsel; i++)
		tasks[i] = task_json(sel[i]);
	if (!dry_run && nsel)
		write_tasks(db, tasks, nsel);
	for (i = 0; i < nsel; i++) {
		if (srw_json_print(stdout, tasks[i]) != 0)
			srw_die(SRW_EX_TEMPFAIL, "write stdout:");
		json_decref(tasks[i]);
	}
	/* one line even without -v, so a cron journal shows the run */
	srw_warn("%zu clusters, %zu tasks%s, %zu in cooldown", ntab, nsel,
	    dry_run ? " (dry run, not stored)" : "", ncool);
	free(tasks);
	free(sel);
	for (i = 0; i < captab; i++)
		if (tab[i]) {
			free(tab[i]->id);
			free(tab[i]->name);
			free(tab[i]->account);
			free(tab[i]->tier);
			free(tab[i]);
		}
	free(tab);
	if (db)
		srw_db_close(db);
	return srw_finish(srw_ndjson_reject_count() ? SRW_EX_REJECTED : SRW_EX_OK);
}
