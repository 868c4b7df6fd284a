/* tune.c - recommend tune NAME: what a change of an alert's threshold or
 * for: would have done over stored history.  The rule (from --rule, or the
 * table of Lark alert types in share/rules/lark-alerts.rules.yml) must end in
 * a comparison with a number; candidates vary that number and the for:
 * duration.  Every candidate is evaluated by `evaluate --replay` over
 * metrics.metrics_table, so the backtest runs the same engine that alerts
 * live; the firings are then set against the issues people acted on
 * (ops.issues whose triage reached Mitigating, or disposed "JIRA Created"),
 * and the candidate that fires least while still catching every one of them
 * is proposed, or none when none does. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "recommend.h"

extern char **environ;

#define MAXC 64
#define FLAP_MS (10 * 60 * 1000LL)	/* a firing over within 10 minutes */
#define LEAD_MS (30 * 60 * 1000LL)	/* a firing up to 30 min before an issue counts */

struct cand {
	double thr;
	int64_t for_ms;
	bool current, proposed;
	long firings, flaps, caught;
	double hours;
	size_t nclusters;
	int64_t max_delay;	/* ms after the issue opened; -1 none caught */
};

struct iv { int c; char *cluster, *fp; int64_t start, end; };
struct issue { char *id, *cluster; int64_t first, end; };

/* Inside the daily report (soft) a failure skips the advice instead of
 * ending the program. */
#define FAIL(code, ...) do { \
	if (T.soft) { srw_debug(__VA_ARGS__); return -1; } \
	srw_die(code, __VA_ARGS__); \
} while (0)

static struct {
	bool soft;
	const char *name, *rule_path, *lhs, *op;
	double thr;
	int64_t for_ms, interval_ms, from, to;
	struct cand c[MAXC];
	int nc;
	struct iv *iv;
	size_t niv, capiv;
	struct issue *is;
	size_t nis;
} T;

enum { O_RULE = SRW_OPT_LONG, O_DAYS, O_FROM, O_TO, O_THR, O_FOR };
static const char synopsis[] =
    "recommend tune NAME [--rule FILE] [--days N | --from TIME --to TIME]\n"
    "                      [--thresholds X,Y,...] [--for DUR,DUR,...]\n"
    "                      [--format ndjson|text|markdown|html] [-v]";
static const srw_opt opts[] = {
	{ "rule", O_RULE, "FILE", "a rule file holding alert NAME (default: the Lark alert table)" },
	{ "days", O_DAYS, "N", "the last N days (default 7)" },
	{ "from", O_FROM, "TIME", "start of the history (with --to)" },
	{ "to", O_TO, "TIME", "end of the history" },
	{ "thresholds", O_THR, "LIST", "candidate thresholds (default: current and 3 stricter)" },
	{ "for", O_FOR, "LIST", "candidate for: durations (default: current, 0, 5m, 15m, 30m)" },
	{ "format", 'f', "FMT", "ndjson, text, markdown or html" },
	{ "verbose", 'v', NULL, "say what runs (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

/* A file next to the program: the installed tree (bin/../share/srwatch/)
 * or the source tree (build/bin/../../share/). */
static char *
beside_exe(const char *installed, const char *source)
{
	char exe[PATH_MAX], *slash, *p;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	srw_buf b;

	if (n <= 0)
		return NULL;
	exe[n] = 0;
	if (!(slash = strrchr(exe, '/')))
		return NULL;
	*slash = 0;
	srw_buf_init(&b);
	for (int i = 0; i < 2; i++) {
		b.len = 0;
		srw_buf_printf(&b, "%s/%s", exe, i ? source : installed);
		if (access(b.s, R_OK) == 0)
			return b.s;
	}
	p = NULL;
	srw_buf_free(&b);
	return p;
}

/* The rule's expression as LHS OP NUMBER. */
static int
split_expr(const char *expr)
{
	regex_t re;
	regmatch_t m[4];
	static char lhs[4096], op[3];

	if (regcomp(&re, "^(.*[^<>=!])[[:space:]]*(>=|<=|>|<)[[:space:]]*(-?[0-9.]+([eE][-+]?[0-9]+)?)[[:space:]]*$",
	    REG_EXTENDED) != 0)
		srw_die(SRW_EX_SOFTWARE, "regcomp");
	if (regexec(&re, expr, 4, m, 0) != 0 || m[1].rm_eo - m[1].rm_so >= (int)sizeof lhs) {
		regfree(&re);
		FAIL(SRW_EX_DATAERR, "tune: the rule of %s is not EXPR > NUMBER (or <, >=, <=): %s",
		    T.name, expr);
	}
	snprintf(lhs, sizeof lhs, "%.*s", (int)(m[1].rm_eo - m[1].rm_so), expr + m[1].rm_so);
	for (size_t n = strlen(lhs); n > 0 && (lhs[n - 1] == ' ' || lhs[n - 1] == '\t');)
		lhs[--n] = 0;
	snprintf(op, sizeof op, "%.*s", (int)(m[2].rm_eo - m[2].rm_so), expr + m[2].rm_so);
	T.lhs = lhs;
	T.op = op;
	T.thr = strtod(expr + m[3].rm_so, NULL);
	regfree(&re);
	return 0;
}

static int
find_rule(void)
{
	srw_ruleset rs = { 0 };
	char err[512];
	int rc = -2;
	char *path = T.rule_path ? srw_xstrdup(T.rule_path) :
	    beside_exe("../share/srwatch/rules/lark-alerts.rules.yml", "../../share/rules/lark-alerts.rules.yml");

	if (!path)
		FAIL(SRW_EX_USAGE, "tune: no --rule and the Lark alert table is not installed");
	if (srw_rules_load_file(&rs, path, 60000, err, sizeof err) != 0) {
		free(path);
		srw_ruleset_free(&rs);
		FAIL(SRW_EX_DATAERR, "%s", err);
	}
	for (size_t g = 0; g < rs.ngroups; g++)
		for (size_t i = 0; i < rs.groups[g].nrules; i++) {
			srw_rule *r = &rs.groups[g].rules[i];

			if (r->kind == SRW_RULE_ALERT && strcmp(r->name, T.name) == 0 && rc == -2) {
				rc = split_expr(r->expr);
				T.for_ms = r->for_ms;
				T.interval_ms = rs.groups[g].interval_ms;
			}
		}
	srw_ruleset_free(&rs);
	if (rc == -2) {
		if (!T.soft)
			srw_die(SRW_EX_USAGE, "tune: no alert rule named %s in %s%s", T.name, path,
			    T.rule_path ? "" : " (give its rule with --rule FILE)");
		rc = -1;
	}
	free(path);
	return rc;
}

static void
add_cand(double thr, int64_t for_ms)
{
	for (int i = 0; i < T.nc; i++)
		if (T.c[i].thr == thr && T.c[i].for_ms == for_ms)
			return;
	if (T.nc == MAXC)
		srw_die(SRW_EX_USAGE, "tune: more than %d candidates", MAXC);
	T.c[T.nc++] = (struct cand){ .thr = thr, .for_ms = for_ms,
	    .current = thr == T.thr && for_ms == T.for_ms, .max_delay = -1 };
}

static void
make_cands(const char *thr_list, const char *for_list)
{
	double thr[16];
	int64_t fors[16];
	int nt = 0, nf = 0;
	bool up = T.op[0] == '>';	/* a higher threshold is stricter */

	if (thr_list) {
		char *s = srw_xstrdup(thr_list), *tok, *sv;

		for (tok = strtok_r(s, ",", &sv); tok && nt < 16; tok = strtok_r(NULL, ",", &sv))
			thr[nt++] = srw_opt_real(tok, -INFINITY, INFINITY, "--thresholds");
		free(s);
	} else {
		static const double f[] = { 1, 1.05, 1.1, 1.2 };

		for (int i = 0; i < 4; i++)
			thr[nt++] = up ? T.thr * f[i] : T.thr * (2 - f[i]);
	}
	if (for_list) {
		char *s = srw_xstrdup(for_list), *tok, *sv;

		for (tok = strtok_r(s, ",", &sv); tok && nf < 16; tok = strtok_r(NULL, ",", &sv))
			fors[nf++] = srw_opt_duration(tok, 0, 86400000LL, "--for");
		free(s);
	} else {
		static const int64_t d[] = { 0, 300000, 900000, 1800000 };

		fors[nf++] = T.for_ms;
		for (int i = 0; i < 4; i++)
			fors[nf++] = d[i];
	}
	add_cand(T.thr, T.for_ms);	/* the current rule is always compared */
	for (int i = 0; i < nt; i++)
		for (int j = 0; j < nf; j++)
			add_cand(thr[i], fors[j]);
}

static void
yaml_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

/* The candidates as one rule file, each alert labelled tune_candidate. */
static void
write_rules(const char *path)
{
	FILE *fp = fopen(path, "w");

	if (!fp)
		srw_die(SRW_EX_TEMPFAIL, "open %s:", path);
	fprintf(fp, "groups:\n  - name: tune\n    interval: %llds\n    rules:\n",
	    (long long)(T.interval_ms / 1000));
	for (int i = 0; i < T.nc; i++) {
		char e[4200];

		snprintf(e, sizeof e, "%s %s %.17g", T.lhs, T.op, T.c[i].thr);
		fputs("      - alert: ", fp);
		yaml_str(fp, T.name);
		fputs("\n        expr: ", fp);
		yaml_str(fp, e);
		fprintf(fp, "\n        for: %llds\n        labels:\n          tune_candidate: \"%d\"\n",
		    (long long)(T.c[i].for_ms / 1000), i);
	}
	if (fclose(fp) != 0)
		srw_die(SRW_EX_TEMPFAIL, "write %s:", path);
}

static void
on_event(json_t *ev)
{
	json_t *labels = json_object_get(ev, "labels");
	const char *st = json_string_value(json_object_get(ev, "status"));
	const char *cand = json_string_value(json_object_get(labels, "tune_candidate"));
	const char *cl = json_string_value(json_object_get(labels, "cluster_id"));
	const char *fp = json_string_value(json_object_get(ev, "fingerprint"));
	int64_t start, end;
	int c;

	if (!st || !cand || !fp || srw_time_parse(json_string_value(json_object_get(ev, "startsAt")) ?
	    json_string_value(json_object_get(ev, "startsAt")) : "", &start) != 0)
		return;
	c = atoi(cand);
	if (c < 0 || c >= T.nc)
		return;
	if (strcmp(st, "firing") == 0) {
		for (size_t i = 0; i < T.niv; i++)	/* a resend */
			if (T.iv[i].c == c && T.iv[i].start == start && strcmp(T.iv[i].fp, fp) == 0)
				return;
		if (T.niv == T.capiv)
			T.iv = srw_xrealloc(T.iv, (T.capiv = T.capiv * 2 + 64) * sizeof *T.iv);
		T.iv[T.niv++] = (struct iv){ c, srw_xstrdup(cl ? cl : ""), srw_xstrdup(fp), start, -1 };
	} else if (srw_time_parse(json_string_value(json_object_get(ev, "endsAt")) ?
	    json_string_value(json_object_get(ev, "endsAt")) : "", &end) == 0) {
		for (size_t i = T.niv; i-- > 0;)
			if (T.iv[i].c == c && T.iv[i].start == start && strcmp(T.iv[i].fp, fp) == 0) {
				T.iv[i].end = end;
				break;
			}
	}
}

/* evaluate --replay over the candidates' rule file; its events into T.iv. */
static int
backtest(const char *rules)
{
	char from[20], to[20], *ev = beside_exe("evaluate", "evaluate");
	char *argv[] = { ev ? ev : "evaluate", "--replay", "--from", srw_time_fmt_sql(T.from, from),
	    "--to", srw_time_fmt_sql(T.to, to), "--until", to, "-r", (char *)rules, NULL };
	posix_spawn_file_actions_t fa;
	int p[2], st;
	pid_t pid;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;

	if (pipe(p) != 0) {
		free(ev);
		FAIL(SRW_EX_SOFTWARE, "pipe:");
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	posix_spawn_file_actions_addclose(&fa, p[1]);
	srw_debug("tune: %s --replay --from '%s' --to '%s' -r %s", argv[0], from, to, rules);
	errno = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (errno != 0) {
		close(p[0]);
		free(ev);
		FAIL(SRW_EX_UNAVAILABLE, "run evaluate:");
	}
	if (!(fp = fdopen(p[0], "r")))
		srw_die(SRW_EX_SOFTWARE, "fdopen:");
	while (getline(&line, &cap, fp) > 0) {
		json_t *j = json_loads(line, 0, NULL);

		if (j)
			on_event(j);
		json_decref(j);
	}
	free(line);
	fclose(fp);
	free(ev);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL(WIFEXITED(st) && WEXITSTATUS(st) == SRW_EX_UNAVAILABLE ? SRW_EX_UNAVAILABLE :
		    SRW_EX_SOFTWARE, "tune: evaluate --replay failed (status %d)",
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}

/* The issues of this alert people acted on, opened within the history. */
static int
acted_issues(void)
{
	char err[512], a[20], b[20];
	srw_db *db = srw_db_open(3, err, sizeof err);
	srw_buf q;
	srw_res *r;
	char **row;

	if (!db)
		FAIL(SRW_EX_UNAVAILABLE, "%s", err);
	srw_buf_init(&q);
	srw_buf_adds(&q, "SELECT issue_id, cluster_id, first_seen, COALESCE(resolved_at, last_seen) "
	    "FROM ops.issues WHERE CONCAT(',', alert_names, ',') LIKE CONCAT('%,', ");
	srw_db_quote(db, &q, T.name, strlen(T.name));
	srw_buf_printf(&q, ", ',%%') AND first_seen >= '%s' AND first_seen < '%s' AND ("
	    "triage_status = 'Mitigating' OR disposition_status = 'JIRA Created' OR issue_id IN "
	    "(SELECT issue_id FROM ops.issue_events WHERE to_status = 'Mitigating')) "
	    "ORDER BY first_seen, issue_id", srw_time_fmt_sql(T.from, a), srw_time_fmt_sql(T.to, b));
	if (!(r = srw_db_query_retry(db, q.s, 3))) {
		snprintf(err, sizeof err, "%s", srw_db_error(db));
		srw_buf_free(&q);
		srw_db_close(db);
		FAIL(SRW_EX_UNAVAILABLE, "ops.issues: %s", err);
	}
	while ((row = srw_res_next(r, NULL))) {
		struct issue is = { srw_xstrdup(row[0]), srw_xstrdup(row[1]), 0, 0 };

		if (srw_time_parse(row[2], &is.first) != 0 || srw_time_parse(row[3], &is.end) != 0)
			continue;
		T.is = srw_xrealloc(T.is, (T.nis + 1) * sizeof *T.is);
		T.is[T.nis++] = is;
	}
	srw_res_free(r);
	srw_buf_free(&q);
	srw_db_close(db);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
score(void)
{
	const char **cl = srw_xmalloc((T.niv + 1) * sizeof *cl);
	int best = -1;

	for (int c = 0; c < T.nc; c++) {
		struct cand *k = &T.c[c];
		size_t n = 0;

		for (size_t i = 0; i < T.niv; i++) {
			struct iv *v = &T.iv[i];
			int64_t end = v->end < 0 ? T.to : v->end;

			if (v->c != c)
				continue;
			k->firings++;
			k->hours += (end - v->start) / 3600000.0;
			if (v->end >= 0 && v->end - v->start < FLAP_MS)
				k->flaps++;
			cl[n++] = v->cluster;
		}
		qsort(cl, n, sizeof *cl, cmp_str);
		for (size_t i = 0; i < n; i++)
			k->nclusters += i == 0 || strcmp(cl[i], cl[i - 1]) != 0;
		for (size_t s = 0; s < T.nis; s++) {
			int64_t delay = -1;

			for (size_t i = 0; i < T.niv; i++) {
				struct iv *v = &T.iv[i];
				int64_t end = v->end < 0 ? T.to : v->end;

				if (v->c != c || strcmp(v->cluster, T.is[s].cluster) != 0 ||
				    v->start > T.is[s].end || end < T.is[s].first - LEAD_MS)
					continue;
				int64_t d = v->start > T.is[s].first ? v->start - T.is[s].first : 0;
				if (delay < 0 || d < delay)
					delay = d;
			}
			if (delay >= 0) {
				k->caught++;
				if (delay > k->max_delay)
					k->max_delay = delay;
			}
		}
	}
	free(cl);
	/* fewest firings among those that catch every acted-on issue; ties:
	 * the earliest to catch, then the current rule, then the list order */
	for (int c = 0; c < T.nc; c++) {
		struct cand *k = &T.c[c], *b = best < 0 ? NULL : &T.c[best];

		if (k->caught != (long)T.nis)
			continue;
		if (!b || k->firings < b->firings || (k->firings == b->firings &&
		    (k->max_delay < b->max_delay || (k->max_delay == b->max_delay && k->current))))
			best = c;
	}
	if (best >= 0)
		T.c[best].proposed = true;
}

static const char *
dur(int64_t ms, char *buf, size_t n)
{
	if (ms == 0)
		snprintf(buf, n, "0s");
	else if (ms % 3600000 == 0)
		snprintf(buf, n, "%lldh", (long long)(ms / 3600000));
	else if (ms % 60000 == 0)
		snprintf(buf, n, "%lldm", (long long)(ms / 60000));
	else
		snprintf(buf, n, "%llds", (long long)(ms / 1000));
	return buf;
}

/* The one-line advice: what to change and what it would have done. */
static void
advice(srw_buf *b)
{
	struct cand *cur = NULL, *p = NULL;
	char d1[32], d2[32];

	for (int c = 0; c < T.nc; c++) {
		if (T.c[c].current)
			cur = &T.c[c];
		if (T.c[c].proposed)
			p = &T.c[c];
	}
	if (!p) {
		srw_buf_printf(b, "%s: no candidate catches all %zu acted-on issue%s (the current rule "
		    "catches %ld): tune by hand, or the issues come from another signal", T.name,
		    T.nis, T.nis == 1 ? "" : "s", cur->caught);
		return;
	}
	if (p == cur || p->firings == cur->firings) {
		srw_buf_printf(b, "%s: keep the rule (%s %s %g, for %s): no candidate fires less "
		    "and still catches %s", T.name, T.lhs, T.op, T.thr, dur(T.for_ms, d1, sizeof d1),
		    T.nis ? "every acted-on issue" : "the same");
		return;
	}
	srw_buf_printf(b, "%s: ", T.name);
	if (p->thr != cur->thr)
		srw_buf_printf(b, "threshold %g→%g", cur->thr, p->thr);
	if (p->for_ms != cur->for_ms)
		srw_buf_printf(b, "%sfor %s→%s", p->thr != cur->thr ? " and " : "",
		    dur(cur->for_ms, d1, sizeof d1), dur(p->for_ms, d2, sizeof d2));
	srw_buf_printf(b, " would have cut %ld firing%s to %ld", cur->firings,
	    cur->firings == 1 ? "" : "s", p->firings);
	if (T.nis == 0)
		srw_buf_adds(b, " (no acted-on issue in the window to check it against)");
	else if (T.nis == 1)
		srw_buf_adds(b, " and caught the incident");
	else
		srw_buf_printf(b, " and caught %s %zu incidents", T.nis == 2 ? "both" : "all", T.nis);
	if (T.nis && p->max_delay > cur->max_delay)
		srw_buf_printf(b, ", up to %s later", dur(p->max_delay - (cur->max_delay > 0 ?
		    cur->max_delay : 0), d1, sizeof d1));
}

static void
report(int fmt)
{
	srw_buf b, a;
	char d[32];

	srw_buf_init(&b);
	srw_buf_init(&a);
	advice(&a);
	if (fmt == 0) {	/* ndjson: a row per candidate, then the advice */
		for (int c = 0; c < T.nc; c++) {
			struct cand *k = &T.c[c];

			srw_jw_begin(&b);
			srw_jw_str(&b, "alert_name", T.name);
			srw_jw_num(&b, "threshold", k->thr);
			srw_jw_int(&b, "for_s", k->for_ms / 1000);
			srw_jw_bool(&b, "current", k->current);
			srw_jw_bool(&b, "proposed", k->proposed);
			srw_jw_int(&b, "firings", k->firings);
			srw_jw_num(&b, "firing_hours", round(k->hours * 100) / 100);
			srw_jw_int(&b, "flaps", k->flaps);
			srw_jw_int(&b, "clusters", (int64_t)k->nclusters);
			srw_jw_int(&b, "caught", k->caught);
			srw_jw_int(&b, "acted_on", (int64_t)T.nis);
			if (k->max_delay >= 0)
				srw_jw_int(&b, "max_delay_s", k->max_delay / 1000);
			else
				srw_jw_null(&b, "max_delay_s");
			srw_jw_end(&b);
		}
		srw_jw_begin(&b);
		srw_jw_str(&b, "alert_name", T.name);
		srw_jw_str(&b, "advice", a.s);
		srw_jw_end(&b);
	} else {
		const char *sep = fmt == 1 ? "  " : " | ";
		const char *pre = fmt == 1 ? "" : "| ", *post = fmt == 1 ? "\n" : " |\n";

		if (fmt == 3)
			srw_buf_adds(&b, "<!doctype html><meta charset=utf-8><title>tune</title><pre>\n");
		srw_buf_printf(&b, "%s%s: %s %s N, for: D; backtested over %.1f days, %zu acted-on "
		    "issue%s\n\n", fmt == 2 ? "## " : "", T.name, T.lhs, T.op,
		    (T.to - T.from) / 86400000.0, T.nis, T.nis == 1 ? "" : "s");
		srw_buf_printf(&b, "%s%9s%s%5s%s%8s%s%8s%s%6s%s%8s%s%7s%s%s%s", pre, "threshold", sep,
		    "for", sep, "firings", sep, "hours", sep, "flaps", sep, "clusters", sep, "caught",
		    sep, "", post);
		if (fmt == 2)
			srw_buf_adds(&b, "|---:|---:|---:|---:|---:|---:|---:|---|\n");
		for (int c = 0; c < T.nc; c++) {
			struct cand *k = &T.c[c];

			srw_buf_printf(&b, "%s%9g%s%5s%s%8ld%s%8.1f%s%6ld%s%8zu%s%3ld/%-3zu%s%s%s", pre,
			    k->thr, sep, dur(k->for_ms, d, sizeof d), sep, k->firings, sep, k->hours, sep,
			    k->flaps, sep, k->nclusters, sep, k->caught, T.nis, sep,
			    k->proposed ? (k->current ? "current, proposed" : "proposed") :
			    k->current ? "current" : "", post);
		}
		srw_buf_printf(&b, "\n%s\n", a.s);
		if (fmt == 3)
			srw_buf_adds(&b, "</pre>\n");
	}
	fwrite(b.s, 1, b.len, stdout);
	srw_buf_free(&b);
	srw_buf_free(&a);
}

static void
tune_free(void)
{
	for (size_t i = 0; i < T.niv; i++) {
		free(T.iv[i].cluster);
		free(T.iv[i].fp);
	}
	free(T.iv);
	for (size_t i = 0; i < T.nis; i++) {
		free(T.is[i].id);
		free(T.is[i].cluster);
	}
	free(T.is);
	memset(&T, 0, sizeof T);
}

/* The candidates backtested and scored: 0, or -1 (soft mode only). */
static int
tune_run(const char *thr, const char *fors)
{
	char tmp[] = "/tmp/srw-tune.XXXXXX", path[64];
	int rc;

	if (find_rule() < 0)
		return -1;
	make_cands(thr, fors);
	if (!mkdtemp(tmp))
		FAIL(SRW_EX_TEMPFAIL, "mkdtemp:");
	snprintf(path, sizeof path, "%s/candidates.yml", tmp);
	write_rules(path);
	srw_debug("tune: %d candidates of %s over %s ... %s", T.nc, T.name,
	    srw_time_fmt_sql(T.from, (char[20]){ 0 }), srw_time_fmt_sql(T.to, (char[20]){ 0 }));
	rc = backtest(path);
	unlink(path);
	rmdir(tmp);
	if (rc < 0 || acted_issues() < 0)
		return -1;
	score();
	return 0;
}

char *
rc_tune_advice(const char *name, int64_t from, int64_t to)
{
	char *s = NULL;

	memset(&T, 0, sizeof T);
	T.soft = true;
	T.name = name;
	T.from = from;
	T.to = to;
	if (tune_run(NULL, NULL) == 0) {
		bool history = T.nis > 0;

		for (int c = 0; c < T.nc; c++)
			history |= T.c[c].firings > 0;
		if (history) {	/* no points and no issues: nothing to say */
			srw_buf b;

			srw_buf_init(&b);
			advice(&b);
			s = b.s;
		}
	}
	tune_free();
	return s;
}

int
rc_tune(int argc, char *argv[])
{
	const char *thr = NULL, *fors = NULL;
	int c, fmt = isatty(STDOUT_FILENO) ? 1 : 0;
	long days = 7;

	T.from = T.to = -1;
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case O_RULE: T.rule_path = optarg; break;
		case O_DAYS: days = srw_opt_num(optarg, 1, 3660, "--days"); break;
		case O_FROM:
			if (srw_time_parse(optarg, &T.from) != 0)
				srw_opt_error("--from: bad time '%s'", optarg);
			break;
		case O_TO:
			if (srw_time_parse(optarg, &T.to) != 0)
				srw_opt_error("--to: bad time '%s'", optarg);
			break;
		case O_THR: thr = optarg; break;
		case O_FOR: fors = optarg; break;
		case 'f':
			fmt = strcmp(optarg, "ndjson") == 0 ? 0 : strcmp(optarg, "text") == 0 ? 1 :
			    strcmp(optarg, "markdown") == 0 ? 2 : strcmp(optarg, "html") == 0 ? 3 : -1;
			if (fmt < 0)
				srw_opt_error("--format: ndjson, text, markdown or html, not '%s'", optarg);
			break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	if (optind + 1 != argc)
		srw_opt_error("tune wants one alert name");
	T.name = argv[optind];
	if ((T.from < 0) != (T.to < 0) || (T.to >= 0 && T.to <= T.from))
		srw_opt_error("--from and --to go together, --from before --to");
	if (T.to < 0) {
		T.to = srw_now_ms() / 60000 * 60000;
		T.from = T.to - days * 86400000LL;
	}
	tune_run(thr, fors);
	report(fmt);
	tune_free();
	return SRW_EX_OK;
}
