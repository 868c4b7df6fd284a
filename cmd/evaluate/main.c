/* evaluate - Prometheus-style alerting and recording rules (and numbat's rule
 * kinds) on a stream of metric points, on event time.  Alert events come out
 * Alertmanager-shaped; recorded series come out as metric points. */
#include <dirent.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "srw.h"
#include "evaluate.h"

static char **rule_paths;
static size_t nrule_paths;
static const char *adhoc_expr, *post_url, *record_path, *reject_path, *query, *state_path;
static bool explain, live, strict, use_db, replay;
static int64_t replay_from = -1, replay_to = -1;
static int64_t dflt_interval = 60000, until_ms = -1, resend_ms = -1;

static struct ev E;

enum { OPT_INTERVAL = SRW_OPT_LONG, OPT_DB, OPT_LIVE, OPT_UNTIL, OPT_RESEND, OPT_POST,
	OPT_RECORD, OPT_EXPLAIN, OPT_QUERY, OPT_STRICT, OPT_REJECT, OPT_SHARD, OPT_SHARD_BY,
	OPT_REPLAY, OPT_FROM, OPT_TO, OPT_STATE };

static const char synopsis[] =
    "evaluate [-r FILE|DIR]... [-e EXPR] [--interval DUR] [--db] [--live]\n"
    "                [--until TIME] [--resend DUR] [--post URL] [--record FILE]\n"
    "                [--explain] [--query EXPR] [--shard I/N [--shard-by LABEL]]\n"
    "                [--state FILE] [--strict] [--reject FILE] [-v] [FILE ...]\n"
    "       evaluate --replay --from TIME --to TIME [-r FILE|DIR]... [-e EXPR] [...]\n"
    "       evaluate rule add NAME --expr EXPR [--for DUR] [--keep-firing-for DUR]\n"
    "                [--label K=V]... [--annotation K=V]... [--group G] [--record]\n"
    "       evaluate rule rm NAME\n"
    "       evaluate rule list";

static const srw_opt opts[] = {
	{ "rules", 'r', "FILE|DIR", "rule files (Prometheus YAML; repeatable)" },
	{ "expr", 'e', "EXPR", "one ad-hoc alert rule" },
	{ "interval", OPT_INTERVAL, "DUR", "default group interval (default 1m)" },
	{ "db", OPT_DB, NULL, "rules from ops.alert_rules too (re-read every interval)" },
	{ "live", OPT_LIVE, NULL, "evaluate on the wall clock, not on point times" },
	{ "until", OPT_UNTIL, "TIME", "evaluate up to TIME at the end of input" },
	{ "resend", OPT_RESEND, "DUR", "repeat a firing alert this often" },
	{ "post", OPT_POST, "URL", "post alerts to Alertmanager at URL" },
	{ "record", OPT_RECORD, "FILE", "append recorded series to FILE" },
	{ "explain", OPT_EXPLAIN, NULL, "print the rules' shared steps and stop" },
	{ "query", OPT_QUERY, "EXPR", "print EXPR's value at the end of input" },
	{ "shard", OPT_SHARD, "I/N", "only the series of shard I of N" },
	{ "shard-by", OPT_SHARD_BY, "LABEL", "the label shards are chosen by (cluster_id)" },
	{ "state", OPT_STATE, "FILE", "keep the alert state in FILE across restarts" },
	{ "replay", OPT_REPLAY, NULL, "evaluate the points stored in metrics.metrics_table" },
	{ "from", OPT_FROM, "TIME", "--replay: start of the history" },
	{ "to", OPT_TO, "TIME", "--replay: end of the history" },
	{ "strict", OPT_STRICT, NULL, "stop at the first bad line (exit 65)" },
	{ "reject", OPT_REJECT, "FILE", "keep bad lines in FILE" },
	{ "progress", 'p', NULL, "show progress even when stderr is not a terminal" },
	{ "verbose", 'v', NULL, "more diagnostics (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

/* ---- loading rules ----------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rule files named: files as given, directories' *.yml / *.yaml / *.rules
 * in name order.  Also a signature of their mtimes and sizes. */
static char **
rule_files(size_t *n, uint64_t *sig)
{
	char **v = NULL;
	size_t i, cap = 0;
	struct stat sb;

	*n = 0;
	*sig = 1469598103934665603ULL;
	for (i = 0; i < nrule_paths; i++) {
		DIR *d;
		struct dirent *de;
		size_t first = *n;

		if (stat(rule_paths[i], &sb) == 0 && S_ISDIR(sb.st_mode) && (d = opendir(rule_paths[i]))) {
			while ((de = readdir(d))) {
				size_t l = strlen(de->d_name);
				srw_buf p;

				if (de->d_name[0] == '.' || !((l > 4 && strcmp(de->d_name + l - 4, ".yml") == 0) ||
				    (l > 5 && strcmp(de->d_name + l - 5, ".yaml") == 0) ||
				    (l > 6 && strcmp(de->d_name + l - 6, ".rules") == 0)))
					continue;
				srw_buf_init(&p);
				srw_buf_printf(&p, "%s/%s", rule_paths[i], de->d_name);
				if (*n + 1 >= cap)
					v = srw_xrealloc(v, (cap = cap * 2 + 8) * sizeof *v);
				v[(*n)++] = p.s;
			}
			closedir(d);
			qsort(v + first, *n - first, sizeof *v, cmp_str);
		} else {
			if (*n + 1 >= cap)
				v = srw_xrealloc(v, (cap = cap * 2 + 8) * sizeof *v);
			v[(*n)++] = srw_xstrdup(rule_paths[i]);
		}
	}
	for (i = 0; i < *n; i++) {
		if (stat(v[i], &sb) == 0) {
			*sig = (*sig ^ (uint64_t)sb.st_mtim.tv_sec) * 1099511628211ULL;
			*sig = (*sig ^ (uint64_t)sb.st_mtim.tv_nsec) * 1099511628211ULL;
			*sig = (*sig ^ (uint64_t)sb.st_size) * 1099511628211ULL;
		}
		*sig = (*sig ^ strlen(v[i])) * 1099511628211ULL;
	}
	return v;
}

/* Loads everything into a fresh ruleset and program; on any error the
 * reason is in err and nothing changes. */
static int
load_all(srw_ruleset *rs, srw_pq **pqp, uint64_t *sig, char *err, size_t errsz)
{
	size_t n, i;
	char **files = rule_files(&n, sig);
	srw_pq *pq;
	int rc = 0;

	memset(rs, 0, sizeof *rs);
	for (i = 0; i < n && rc == 0; i++)
		rc = srw_rules_load_file(rs, files[i], dflt_interval, err, errsz);
	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
	if (rc == 0 && adhoc_expr) {
		srw_rule_group *g = srw_ruleset_add_group(rs, "cmdline", dflt_interval);
		srw_rule *r = srw_group_add_rule(g);

		r->kind = SRW_RULE_ALERT;
		r->name = srw_xstrdup("expr");
		r->expr = srw_xstrdup(adhoc_expr);
		r->file = srw_xstrdup("-e");
		r->line = 1;
	}
	if (rc == 0 && use_db)
		rc = ev_db_load(&E, rs, dflt_interval, err, errsz);
	if (rc != 0) {
		srw_ruleset_free(rs);
		return -1;
	}
	pq = srw_pq_new();
	if (srw_rules_compile(rs, pq, err, errsz) < 0) {
		srw_pq_free(pq);
		srw_ruleset_free(rs);
		return -1;
	}
	*pqp = pq;
	return 0;
}

/* SIGHUP, a changed file or changed database rules: a broken file is
 * reported and the rules in force stay. */
static void
reload(void)
{
	srw_ruleset rs;
	srw_pq *pq;
	uint64_t sig;
	char err[1024];

	if (load_all(&rs, &pq, &sig, err, sizeof err) < 0) {
		srw_warn("reload failed, keeping the previous rules: %s", err);
		E.files_sig = sig;	/* do not retry until the file changes again */
		return;
	}
	ev_swap_rules(&E, &rs, pq);
	E.files_sig = sig;
	srw_info("rules reloaded: %zu groups", E.rs.ngroups);
}

static volatile sig_atomic_t got_hup;

static void
on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

/* Called between records and on the live clock. */
static void
housekeeping(bool force)
{
	int64_t now = srw_now_ms();

	if (got_hup) {
		got_hup = 0;
		reload();
		return;
	}
	if (!force && now - E.last_check < 1000)
		return;
	E.last_check = now;
	if (nrule_paths) {
		size_t n, i;
		uint64_t sig;
		char **f = rule_files(&n, &sig);

		for (i = 0; i < n; i++)
			free(f[i]);
		free(f);
		if (sig != E.files_sig) {
			srw_info("rule files changed");
			reload();
			return;
		}
	}
	if (use_db && now - E.last_db_poll >= E.db_poll_ms) {
		E.last_db_poll = now;
		if (ev_db_changed(&E))
			reload();
	}
}

/* ---- input ------------------------------------------------------------- */

static int
on_rec(srw_val *rec, const srw_line *ln, void *ctx)
{
	char err[256];
	int rc;

	(void)ctx;
	if (live)
		pthread_mutex_lock(&E.mu);
	if ((++E.nrec & 1023) == 0 || got_hup)
		housekeeping(false);
	rc = ev_input(&E, rec, err, sizeof err);
	if (live)
		pthread_mutex_unlock(&E.mu);
	if (rc < 0) {
		srw_ndjson_reject(ln, "%s", err);
		return SRW_NDJSON_REJECT;
	}
	return SRW_NDJSON_OK;
}

static void *
ticker(void *arg)
{
	(void)arg;
	for (;;) {
		srw_sleep_ms(200);
		pthread_mutex_lock(&E.mu);
		housekeeping(false);
		ev_advance(&E, srw_now_ms(), true);
		ev_flush(&E);
		pthread_mutex_unlock(&E.mu);
	}
	return NULL;
}

/* --query: the expression's instant vector at ts, as metric points (name
 * null when the result has no __name__; a scalar has no labels). */
static void
run_query(int64_t ts)
{
	char err[512];
	int id = srw_pq_compile(E.pq, query, err, sizeof err);
	srw_sample *s;
	size_t n, i;
	uint32_t k;
	srw_buf b;

	if (id < 0)
		srw_die(SRW_EX_USAGE, "--query: %s", err);
	srw_pq_begin(E.pq, E.store, ts);
	n = srw_pq_eval(E.pq, id, &s);
	if (srw_pq_failed(E.pq, id))
		srw_die(SRW_EX_DATAERR, "--query: %s", srw_pq_failed(E.pq, id));
	srw_buf_init(&b);
	for (i = 0; i < n; i++) {
		srw_jw_begin(&b);
		srw_jw_str(&b, "name", s[i].ls ? srw_lset_get(s[i].ls, "__name__") : NULL);
		srw_jw_obj(&b, "labels");
		for (k = 0; s[i].ls && k < s[i].ls->n; k++)
			if (strcmp(s[i].ls->kv[2 * k], "__name__") != 0)
				srw_jw_str(&b, s[i].ls->kv[2 * k], s[i].ls->kv[2 * k + 1]);
		srw_jw_close(&b, '}');
		srw_jw_int(&b, "ts", ts);
		srw_point_jw_value(&b, "value", s[i].v);
		srw_jw_end(&b);
	}
	fwrite(b.s ? b.s : "", 1, b.len, stdout);
	srw_buf_free(&b);
}

static void
do_explain(void)
{
	srw_buf b;
	size_t g, i, steps, shared, uses;
	int nrules = 0;

	srw_buf_init(&b);
	for (g = 0; g < E.rs.ngroups; g++) {
		for (i = 0; i < E.rs.groups[g].nrules; i++) {
			srw_rule *r = &E.rs.groups[g].rules[i];

			if (r->node < 0)
				continue;
			srw_buf_printf(&b, "%s %s (group %s): %s\n",
			    r->kind == SRW_RULE_RECORD ? "record" : "alert", r->name,
			    E.rs.groups[g].name, r->expr);
			srw_pq_explain(E.pq, r->node, r->kind != SRW_RULE_RECORD, &b);
			if (r->kind == SRW_RULE_RECORD)
				srw_buf_printf(&b, "  record temp as %s\n", r->name);
			nrules++;
		}
	}
	srw_pq_stats(E.pq, &steps, &shared, &uses);
	srw_buf_printf(&b, "%d rule%s: %zu steps, %zu shared; %zu step computations per "
	    "evaluation instead of %zu\n", nrules, nrules == 1 ? "" : "s", steps, shared,
	    steps, uses);
	fwrite(b.s ? b.s : "", 1, b.len, stdout);
	srw_buf_free(&b);
}

int
main(int argc, char *argv[])
{
	srw_ndjson_opts nopts = { 0 };
	char err[1024];
	const char *shard_by = "cluster_id";
	unsigned shard = 0, nshards = 1;
	int c, status;

	srw_init("evaluate", argc, argv);
	if (argc > 1 && strcmp(argv[1], "rule") == 0)
		return srw_finish(ev_rule_cmd(argc - 1, argv + 1));
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case 'r':
			rule_paths = srw_xrealloc(rule_paths, (nrule_paths + 1) * sizeof *rule_paths);
			rule_paths[nrule_paths++] = optarg;
			break;
		case 'e': adhoc_expr = optarg; break;
		case OPT_INTERVAL:
			dflt_interval = srw_opt_duration(optarg, 1, INT64_MAX, "--interval");
			break;
		case OPT_DB: use_db = true; break;
		case OPT_LIVE: live = true; break;
		case OPT_UNTIL:
			if (srw_time_parse(optarg, &until_ms) != 0)
				srw_opt_error("--until: not a time: %s", optarg);
			break;
		case OPT_RESEND: resend_ms = srw_opt_duration(optarg, 0, INT64_MAX, "--resend"); break;
		case OPT_POST: post_url = optarg; break;
		case OPT_RECORD: record_path = optarg; break;
		case OPT_EXPLAIN: explain = true; break;
		case OPT_QUERY: query = optarg; break;
		case OPT_STRICT: strict = true; break;
		case OPT_REJECT: reject_path = optarg; break;
		case 'p': srw_progress_force(true); break;
		case OPT_SHARD:
			if (srw_shard_parse(optarg, &shard, &nshards) != 0)
				srw_opt_error("--shard wants I/N with 0 <= I < N, got '%s'", optarg);
			break;
		case OPT_SHARD_BY: shard_by = *optarg ? optarg : NULL; break;
		case OPT_STATE: state_path = optarg; break;
		case OPT_REPLAY: replay = true; break;
		case OPT_FROM:
			if (srw_time_parse(optarg, &replay_from) != 0)
				srw_opt_error("--from: not a time: %s", optarg);
			break;
		case OPT_TO:
			if (srw_time_parse(optarg, &replay_to) != 0)
				srw_opt_error("--to: not a time: %s", optarg);
			break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	if (replay && (replay_from < 0 || replay_to <= replay_from || live || optind < argc))
		srw_opt_error("--replay wants --from TIME --to TIME (from < to), no --live, no input files");
	if (!nrule_paths && !adhoc_expr && !use_db && !query)
		srw_opt_error("no rules: give -r FILE|DIR, -e EXPR, --db or --query");
	/* a missing rules file is a usage error (64) as in every tool; a
	 * file that does not parse is bad data (65) */
	for (size_t k = 0; k < nrule_paths; k++)
		if (access(rule_paths[k], R_OK) != 0)
			srw_die(SRW_EX_USAGE, "%s:", rule_paths[k]);
	ev_init(&E);
	E.shard = shard;
	E.nshards = nshards;
	E.shard_by = shard_by;
	E.resend_ms = resend_ms;
	E.post_url = post_url;
	if (use_db) {
		ev_db_open(&E);
		E.db_poll_ms = dflt_interval;	/* changes are seen within one interval */
	}
	if (record_path && !(E.record = fopen(record_path, "a")))
		srw_die(SRW_EX_USAGE, "open %s:", record_path);
	if (load_all(&E.rs, &E.pq, &E.files_sig, err, sizeof err) < 0)
		srw_die(SRW_EX_DATAERR, "%s", err);
	ev_bind_rules(&E);
	if (explain) {
		do_explain();
		return srw_finish(SRW_EX_OK);
	}
	if ((E.state_path = state_path))
		ev_state_load(&E);
	signal(SIGHUP, on_hup);
	signal(SIGPIPE, SIG_IGN);
	nopts.strict = strict;
	nopts.reject_path = reject_path;
	srw_ndjson_setup(&nopts);
	if (live) {
		pthread_t th;

		pthread_create(&th, NULL, ticker, NULL);
		pthread_detach(th);
	}
	if (replay) {
		srw_db *db = srw_db_open(3, err, sizeof err);

		if (!db)
			srw_die(SRW_EX_UNAVAILABLE, "%s", err);
		if (ev_replay(&E, db, replay_from, replay_to, err, sizeof err) < 0)
			srw_die(SRW_EX_UNAVAILABLE, "%s", err);
		srw_db_close(db);
	} else {
		srw_ndjson_files(argc - optind, argv + optind, on_rec, NULL);
	}
	if (live)
		pthread_mutex_lock(&E.mu);
	ev_advance(&E, until_ms > E.watermark ? until_ms : E.watermark, true);
	ev_flush(&E);
	if (E.state_path)
		srw_debug("--state: %lu snapshots (last %zu bytes, %.3f ms a write), %lu journal "
		    "writes (%zu bytes in all, %.3f ms a write)", E.state_snapshots, E.state_bytes,
		    E.state_snapshots ? E.state_write_ns / 1e6 / E.state_snapshots : 0.0,
		    E.state_writes - E.state_snapshots, E.journal_bytes,
		    E.state_writes > E.state_snapshots ? E.journal_write_ns / 1e6 /
		    (E.state_writes - E.state_snapshots) : 0.0);
	if (query)
		run_query(until_ms >= 0 ? until_ms : E.watermark);
	status = E.post_failed ? SRW_EX_UNAVAILABLE :
	    srw_ndjson_reject_count() ? SRW_EX_REJECTED : SRW_EX_OK;
	if (E.record && fclose(E.record) != 0)
		srw_die(SRW_EX_TEMPFAIL, "write %s:", record_path);
	E.record = NULL;
	return srw_finish(status);
}
