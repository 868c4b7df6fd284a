/* tools.c - the tools an investigator may call: the model through tool use,
 * the rules as fixed queries.  Each returns a JSON object; what the model
 * sees is that object's text, cut to a byte budget with a note saying so
 * (row counts kept). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include "inv.h"

/* Microseconds on the monotonic clock: a tool call's "us" (its "ms" is
 * whole milliseconds, too coarse for the ones that take under one). */
static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#define SCHEMA_CLUSTER "{\"type\":\"object\",\"properties\":{\"cluster_id\":{\"type\":\"string\"," \
	"\"description\":\"cluster id, e.g. c-8f3a21 (default: the task's cluster)\"}"

static const char *const schemas[][3] = {
	{ "query_cluster_info",
	  "Profile of a cluster (tier, region, account, StarRocks version, cloud, config) and its latest risk snapshot (score, risk level, top factors, firing alert counts).",
	  SCHEMA_CLUSTER "}}" },
	{ "query_cluster_alerts",
	  "Alert sections of a cluster in the last N hours (Lark and Alertmanager alerts, pipe-joined cards split): counts of firing and resolved by alert name, per name when it first and last fired and last resolved (by_name; an alert resolved after its last firing is no longer active), and the latest sections with their detail.",
	  SCHEMA_CLUSTER ",\"hours\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":720,\"description\":\"look-back window in hours (default 24)\"}}}" },
	{ "query_cluster_metrics",
	  "Hourly metric snapshots of a cluster (avg/min/max per hour) for the 14 health dimensions: cpu, FE/BE heap, disk used %, compaction score, query p99/p95 latency, error %, query rate, BE memory, rowsets, BE alive ratio, failed transactions, connections, failed compactions. Returns per-metric summaries (first, last, window max, trend); with metric set, also the hourly rows.",
	  SCHEMA_CLUSTER ",\"metric\":{\"type\":\"string\",\"description\":\"metric name or prefix, e.g. starrocks_be_disks_data_used_pct (default: all)\"},"
	  "\"selector\":{\"type\":\"string\",\"description\":\"instead of the snapshots: a raw StarRocks metric selector, e.g. starrocks_be_cpu{mode=\\\"idle\\\"}, answered by mquery from raw points and rollups (cluster_id added)\"},"
	  "\"step\":{\"type\":\"string\",\"description\":\"with selector: window, e.g. 5m, 1h (default 1h)\"},"
	  "\"fn\":{\"type\":\"string\",\"enum\":[\"avg\",\"sum\",\"min\",\"max\",\"rate\",\"increase\"]},"
	  "\"hours\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":720,\"description\":\"look-back window in hours (default 24)\"}}}" },
	{ "query_cluster_operations",
	  "Operations on a cluster in the last N hours: START, STOP, UPDATE (upgrades, config changes), SCALE and others, with status, operator, detail and duration.",
	  SCHEMA_CLUSTER ",\"hours\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":720,\"description\":\"look-back window in hours (default 72)\"}}}" },
	{ "search_knowledge",
	  "Search the Knowledge Lake: runbooks per alert type, DW on-call logs, known bugs by StarRocks version, monitoring guidelines, proven resolutions.",
	  "{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\",\"description\":\"what to look for, e.g. an alert name, a symptom, a version\"},"
	  "\"mode\":{\"type\":\"string\",\"enum\":[\"hybrid\",\"fulltext\",\"vector\"],\"description\":\"default hybrid\"},"
	  "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":20},"
	  "\"sr_version\":{\"type\":\"string\",\"description\":\"the cluster's StarRocks version: documents for other versions (known bugs) are left out\"}},\"required\":[\"query\"]}" },
	{ "query_agent_memory",
	  "Past investigation findings (root causes) for a cluster, newest first.",
	  SCHEMA_CLUSTER ",\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":50}}}" },
	{ "query_similar_clusters",
	  "Clusters sharing the account or the StarRocks version of a cluster, with their latest risk level and score: tells whether a problem is account-wide or version-wide.",
	  SCHEMA_CLUSTER "}}" },
	{ "run_sql",
	  "Run one read-only SQL statement (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN) against the fleet database: alerts.lark_alerts, metrics.amv_hourly_snapshots_v1, ops.cluster_operations, ops.dim_customer_profile, ops.cluster_risk_snapshots, agent.*. Times are UTC. A row limit is appended and a server-side time limit applies; anything else is refused with the reason.",
	  "{\"type\":\"object\",\"properties\":{\"sql\":{\"type\":\"string\"}},\"required\":[\"sql\"]}" },
};

json_t *
tool_schemas(void)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < sizeof schemas / sizeof *schemas; i++) {
		json_t *s = srw_json_loadb(schemas[i][2], strlen(schemas[i][2]), NULL, 0);

		if (!s)
			srw_die(SRW_EX_SOFTWARE, "tool schema %s is not JSON", schemas[i][0]);
		json_array_append_new(a, json_pack("{s:s,s:s,s:o}", "name", schemas[i][0],
		    "description", schemas[i][1], "input_schema", s));
	}
	return a;
}

static json_t *
fail(char *err, size_t errsz, const char *fmt, const char *arg)
{
	snprintf(err, errsz, fmt, arg);
	return NULL;
}

static json_t *
rows(srw_db *db, const char *sql, char *err, size_t errsz)
{
	srw_res *r = srw_db_query_retry(db, sql, 2);
	json_t *j;

	if (!r)
		return fail(err, errsz, "query failed: %s", srw_db_error(db));
	j = srw_res_to_json(r);
	srw_res_free(r);
	return j;
}

static const char *
arg_cluster(struct inv *inv, const json_t *args)
{
	const char *c = srw_json_str(args, "cluster_id");

	return c && *c ? c : inv->cluster_id;
}

static long
arg_long(const json_t *args, const char *key, long dflt, long lo, long hi)
{
	double d;

	if (!srw_json_num(args, key, &d))
		return dflt;
	if (d < lo)
		return lo;
	if (d > hi)
		return hi;
	return (long)d;
}

static void
quote(struct inv *inv, srw_buf *b, const char *s)
{
	srw_db_quote(inv->db, b, s, strlen(s));
}

/* "time >= 'from' AND time <= 'to'" for the last hours before now. */
static void
window(struct inv *inv, srw_buf *b, const char *col, long hours)
{
	char from[20], to[20];

	srw_time_fmt_sql(inv->now_ms - hours * 3600000LL, from);
	srw_time_fmt_sql(inv->now_ms, to);
	srw_buf_printf(b, "%s >= '%s' AND %s <= '%s'", col, from, col, to);
}

static json_t *
t_info(struct inv *inv, const json_t *args, char *err, size_t errsz)
{
	const char *c = arg_cluster(inv, args);
	json_t *p, *s, *out;
	srw_buf q;

	srw_buf_init(&q);
	srw_buf_adds(&q, "SELECT cluster_id, cluster_name, account_name, tier, region, sr_version,"
	    " cloud, config, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s') AS updated_at"
	    " FROM ops.dim_customer_profile WHERE cluster_id = ");
	quote(inv, &q, c);
	p = rows(inv->db, q.s, err, errsz);
	srw_buf_reset(&q);
	srw_buf_adds(&q, "SELECT DATE_FORMAT(snapshot_at, '%Y-%m-%d %H:%i:%s') AS snapshot_at,"
	    " score, risk_level, tier, metric_score, alert_score, critical_alerts, warning_alerts,"
	    " info_alerts, top_factors FROM ops.cluster_risk_snapshots WHERE cluster_id = ");
	quote(inv, &q, c);
	srw_buf_adds(&q, " ORDER BY snapshot_at DESC LIMIT 1");
	s = p ? rows(inv->db, q.s, err, errsz) : NULL;
	srw_buf_free(&q);
	if (!p || !s) {
		json_decref(p);
		return NULL;
	}
	out = json_pack("{s:s,s:O,s:O}", "cluster_id", c,
	    "profile", json_array_size(p) ? json_array_get(p, 0) : json_null(),
	    "risk", json_array_size(s) ? json_array_get(s, 0) : json_null());
	if (!json_array_size(p))
		json_object_set_new(out, "note", json_string("no profile for this cluster id"));
	json_decref(p);
	json_decref(s);
	return out;
}

/* Escape LIKE wildcards of s into b (inside a quoted literal). */
static void
like_contains(struct inv *inv, srw_buf *b, const char *s)
{
	srw_buf pat;

	srw_buf_init(&pat);
	srw_buf_addc(&pat, '%');
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			srw_buf_addc(&pat, '\\');
		srw_buf_addc(&pat, *s);
	}
	srw_buf_addc(&pat, '%');
	quote(inv, b, pat.s);
	srw_buf_free(&pat);
}

/* What query_cluster_alerts gathers: firing and resolved counts per name,
 * per name when it first and last fired and last resolved (so "still
 * firing" and "since when" do not depend on the sections listed), and the
 * newest 40 sections. */
struct alert_acc {
	json_t *firing, *resolved, *names, *secs;
	long n;
};

/* Sections arrive newest first. */
static void
alert_add(struct alert_acc *a, const char *at, const char *status, const char *name,
    const char *detail)
{
	bool fire = strcmp(status, "Firing") == 0;
	json_t *m = fire ? a->firing : a->resolved, *nm = json_object_get(a->names, name);

	json_object_set_new(m, name, json_integer(json_integer_value(json_object_get(m, name)) + 1));
	if (!nm) {
		nm = json_object();
		json_object_set_new(a->names, name, nm);
	}
	if (fire) {
		if (!json_object_get(nm, "last_firing"))
			json_object_set_new(nm, "last_firing", json_string(at));
		json_object_set_new(nm, "first_firing", json_string(at));
	} else if (!json_object_get(nm, "last_resolved")) {
		json_object_set_new(nm, "last_resolved", json_string(at));
	}
	a->n++;
	if (json_array_size(a->secs) < 40) {
		char det[301];

		snprintf(det, sizeof det, "%s", detail ? detail : "");
		json_array_append_new(a->secs, json_pack("{s:s,s:s,s:s,s:s}", "created_at", at,
		    "status", status, "alert_name", name, "detail", det));
	}
}

/* The cluster's sections from alerts.alert_sections: an index range on
 * (cluster_id, created_at).  Returns 0, -1 on error, -2 if
 * the table is missing (a deployment without it: the cards are scanned). */
static int
alerts_indexed(struct inv *inv, const char *c, long hours, struct alert_acc *a)
{
	srw_res *r;
	srw_buf q;
	char **row;

	srw_buf_init(&q);
	srw_buf_adds(&q, "SELECT DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s'), alert_status,"
	    " alert_name, alert_detail FROM alerts.alert_sections WHERE cluster_id = ");
	quote(inv, &q, c);
	srw_buf_adds(&q, " AND ");
	window(inv, &q, "created_at", hours);
	srw_buf_adds(&q, " ORDER BY created_at DESC, section_id LIMIT 5000");
	r = srw_db_query_retry(inv->db, q.s, 2);
	srw_buf_free(&q);
	if (!r)
		return srw_db_errno(inv->db) == 1146 ? -2 : -1;	/* ER_NO_SUCH_TABLE */
	while ((row = srw_res_next(r, NULL))) {
		if (!row[0] || !row[1] || !row[2])
			continue;
		alert_add(a, row[0], row[1], row[2], row[3]);
	}
	srw_res_free(r);
	return 0;
}

/* Without alerts.alert_sections: the cards of the window whose cluster_id
 * contains c, split (a scan that grows with the table). */
static int
alerts_scan(struct inv *inv, const char *c, long hours, struct alert_acc *a)
{
	srw_res *r;
	srw_buf q;
	char **row;

	srw_buf_init(&q);
	srw_buf_adds(&q, "SELECT " SRW_ALERT_COLS " FROM alerts.lark_alerts WHERE ");
	window(inv, &q, "created_at", hours);
	srw_buf_adds(&q, " AND cluster_id LIKE ");
	like_contains(inv, &q, c);
	srw_buf_adds(&q, " ORDER BY created_at DESC LIMIT 5000");
	r = srw_db_query_retry(inv->db, q.s, 2);
	srw_buf_free(&q);
	if (!r)
		return -1;
	while ((row = srw_res_next(r, NULL))) {
		srw_section *s;
		int k = srw_sections_split_cols(row, &s), i;

		for (i = 0; i < k; i++)
			if (strcmp(s[i].cluster_id, c) == 0)
				alert_add(a, s[i].created_at, s[i].alert_status, s[i].alert_name,
				    s[i].alert_detail);
		srw_sections_free(s, k);
	}
	srw_res_free(r);
	return 0;
}

static json_t *
t_alerts(struct inv *inv, const json_t *args, char *err, size_t errsz)
{
	const char *c = arg_cluster(inv, args);
	long hours = arg_long(args, "hours", 24, 1, 720);
	struct alert_acc a = { json_object(), json_object(), json_object(), json_array(), 0 };
	int rc = -2;

	if (!inv->no_sections && (rc = alerts_indexed(inv, c, hours, &a)) == -2) {
		srw_warn("alerts.alert_sections is missing: scanning alerts.lark_alerts"
		    " (load sql/*/alerts.alert_sections.sql and run alert-sections --all)");
		inv->no_sections = true;
	}
	if (inv->no_sections)
		rc = alerts_scan(inv, c, hours, &a);
	if (rc < 0) {
		json_decref(a.firing);
		json_decref(a.resolved);
		json_decref(a.names);
		json_decref(a.secs);
		return fail(err, errsz, "query failed: %s", srw_db_error(inv->db));
	}
	return json_pack("{s:s,s:I,s:o,s:o,s:o,s:I,s:o}", "cluster_id", c, "hours", (json_int_t)hours,
	    "firing", a.firing, "resolved", a.resolved, "by_name", a.names,
	    "row_count", (json_int_t)a.n, "rows", a.secs);
}

static json_t *t_mquery(struct inv *inv, const json_t *args, const char *c, long hours,
    char *err, size_t errsz);

static json_t *
t_metrics(struct inv *inv, const json_t *args, char *err, size_t errsz)
{
	const char *c = arg_cluster(inv, args), *metric = srw_json_str(args, "metric");
	long hours = arg_long(args, "hours", 24, 1, 720);
	json_t *all, *series, *out, *v;
	srw_buf q;
	size_t i;

	if (srw_json_str(args, "selector"))
		return t_mquery(inv, args, c, hours, err, errsz);
	series = json_array();

	/* the hourly snapshot dimensions (rollup --snapshot) */
	srw_buf_init(&q);
	srw_buf_adds(&q, "SELECT metric, DATE_FORMAT(hour, '%Y-%m-%d %H:%i:%s') AS hour,"
	    " avg_value, min_value, max_value, samples FROM metrics.amv_hourly_snapshots_v1"
	    " WHERE cluster_id = ");
	quote(inv, &q, c);
	srw_buf_adds(&q, " AND ");
	window(inv, &q, "hour", hours);
	if (metric && *metric) {
		srw_buf_adds(&q, " AND metric LIKE ");
		like_contains(inv, &q, metric);
	}
	srw_buf_adds(&q, " ORDER BY metric, hour LIMIT 20000");
	all = rows(inv->db, q.s, err, errsz);
	srw_buf_free(&q);
	if (!all) {
		json_decref(series);
		return NULL;
	}
	/* one summary per metric: rows are ordered by metric, hour */
	for (i = 0; i < json_array_size(all);) {
		const char *m = srw_json_str(json_array_get(all, i), "metric");
		size_t j = i;
		double first = 0, last = 0, lastmax = 0, wmax = -1e300, wmin = 1e300, d;
		bool have = false;

		if (!m) {
			i++;
			continue;
		}
		for (; j < json_array_size(all); j++) {
			json_t *r = json_array_get(all, j);
			const char *mm = srw_json_str(r, "metric");

			if (!mm || strcmp(mm, m) != 0)
				break;
			if (srw_json_num(r, "avg_value", &d)) {
				if (!have)
					first = d;
				last = d;
				have = true;
			}
			if (srw_json_num(r, "max_value", &d)) {
				lastmax = d;
				if (d > wmax)
					wmax = d;
			}
			if (srw_json_num(r, "min_value", &d) && d < wmin)
				wmin = d;
		}
		v = json_pack("{s:s,s:I,s:O,s:O}", "metric", m, "hours_with_data", (json_int_t)(j - i),
		    "first_hour", json_object_get(json_array_get(all, i), "hour"),
		    "last_hour", json_object_get(json_array_get(all, j - 1), "hour"));
		if (have) {
			double delta = last - first, mag = first > 0 ? first : -first;

			json_object_set_new(v, "first_avg", json_real(first));
			json_object_set_new(v, "last_avg", json_real(last));
			json_object_set_new(v, "last_max", json_real(lastmax));
			json_object_set_new(v, "window_max", json_real(wmax));
			json_object_set_new(v, "window_min", json_real(wmin));
			json_object_set_new(v, "trend", json_string(
			    delta > 0.1 * mag + 1e-9 ? "rising" : -delta > 0.1 * mag + 1e-9 ?
			    "falling" : "flat"));
		}
		json_array_append_new(series, v);
		i = j;
	}
	out = json_pack("{s:s,s:I,s:o,s:I}", "cluster_id", c, "hours", (json_int_t)hours,
	    "series", series, "row_count", (json_int_t)json_array_size(all));
	if (metric && *metric)
		json_object_set(out, "rows", all);
	else
		json_object_set_new(out, "note", json_string("summaries only; name a metric for the hourly rows"));
	json_decref(all);
	return out;
}

/* A raw metric through mquery's library (lib/mquery.c): rollups where they
 * cover the range, raw points elsewhere. */
static json_t *
t_mquery(struct inv *inv, const json_t *args, const char *c, long hours, char *err,
    size_t errsz)
{
	srw_mquery q = { 0 };
	srw_mq_source src = { .db = inv->db };
	const char *sel = srw_json_str(args, "selector"), *step = srw_json_str(args, "step"),
	    *fn = srw_json_str(args, "fn");
	json_t *series, *plan = NULL, *out;
	size_t i;
	bool has = false;

	if (srw_mq_parse_selector(sel, &q, err, errsz) != 0)
		return NULL;
	if (fn && srw_mq_fn_parse(fn, &q.fn) != 0) {
		srw_mq_free(&q);
		return fail(err, errsz, "fn must be avg, sum, min, max, rate or increase, not %s", fn);
	}
	q.step = step ? srw_parse_duration_ms(step) : 3600000;
	if (q.step < 60000) {
		srw_mq_free(&q);
		return fail(err, errsz, "step must be a duration of at least 1m, not %s", step ? step : "");
	}
	for (i = 0; i < q.nm; i++)
		has |= strcmp(q.m[i].k, "cluster_id") == 0;
	if (!has) {
		q.m = srw_xrealloc(q.m, (q.nm + 1) * sizeof *q.m);
		q.m[q.nm].k = srw_xstrdup("cluster_id");
		q.m[q.nm].v = srw_xstrdup(c);
		q.m[q.nm++].neg = false;
	}
	q.to = inv->now_ms - inv->now_ms % q.step + q.step;
	q.from = q.to - hours * 3600000LL;
	series = srw_mq_run(&q, &src, &plan, err, errsz);
	srw_mq_free(&q);
	if (!series)
		return NULL;
	out = json_pack("{s:s,s:s,s:I,s:I,s:o,s:o}", "cluster_id", c, "selector", sel,
	    "hours", (json_int_t)hours, "row_count", (json_int_t)json_array_size(series),
	    "rows", series, "plan", plan ? plan : json_array());
	return out;
}

static json_t *
t_operations(struct inv *inv, const json_t *args, char *err, size_t errsz)
{
	const char *c = arg_cluster(inv, args);
	long hours = arg_long(args, "hours", 72, 1, 720);
	json_t *r;
	srw_buf q;

	srw_buf_init(&q);
	srw_buf_adds(&q, "SELECT DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s') AS ts, op, status, operator,"
	    " detail, duration_s FROM ops.cluster_operations WHERE cluster_id = ");
	quote(inv, &q, c);
	srw_buf_adds(&q, " AND ");
	window(inv, &q, "ts", hours);
	srw_buf_adds(&q, " ORDER BY ts DESC LIMIT 200");
	r = rows(inv->db, q.s, err, errsz);
	srw_buf_free(&q);
	if (!r)
		return NULL;
	return json_pack("{s:s,s:I,s:I,s:o}", "cluster_id", c, "hours", (json_int_t)hours,
	    "row_count", (json_int_t)json_array_size(r), "rows", r);
}

static json_t *
t_memory(struct inv *inv, const json_t *args, char *err, size_t errsz)
{
	const char *c = arg_cluster(inv, args);
	long limit = arg_long(args, "limit", 10, 1, 50);
	json_t *r;
	srw_buf q;

	srw_buf_init(&q);
	srw_buf_adds(&q, "SELECT task_id, DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s') AS created_at,"
	    " severity, confidence, root_cause, model FROM agent.memory WHERE cluster_id = ");
	quote(inv, &q, c);
	srw_buf_printf(&q, " ORDER BY created_at DESC LIMIT %ld", limit);
	r = rows(inv->db, q.s, err, errsz);
	srw_buf_free(&q);
	if (!r)
		return NULL;
	return json_pack("{s:s,s:I,s:o}", "cluster_id", c,
	    "row_count", (json_int_t)json_array_size(r), "rows", r);
}

static json_t *
t_similar(struct inv *inv, const json_t *args, char *err, size_t errsz)
{
	const char *c = arg_cluster(inv, args), *acct, *ver;
	json_t *me, *list, *risk, *out, *row;
	srw_buf q;
	size_t i, j;
	long acct_risk = 0, ver_risk = 0;

	srw_buf_init(&q);
	srw_buf_adds(&q, "SELECT account_name, sr_version FROM ops.dim_customer_profile WHERE cluster_id = ");
	quote(inv, &q, c);
	if (!(me = rows(inv->db, q.s, err, errsz))) {
		srw_buf_free(&q);
		return NULL;
	}
	if (!json_array_size(me)) {
		json_decref(me);
		srw_buf_free(&q);
		return json_pack("{s:s,s:i,s:[],s:s}", "cluster_id", c, "row_count", 0, "rows",
		    "note", "no profile for this cluster: account and version unknown");
	}
	acct = srw_json_str(json_array_get(me, 0), "account_name");
	ver = srw_json_str(json_array_get(me, 0), "sr_version");
	/* the account's clusters, then the version's: two index lookups
	 * (an OR of the two merges and sorts every match) */
	list = json_array();
	for (i = 0; i < 2; i++) {
		const char *col = i ? "sr_version" : "account_name", *val = i ? ver : acct;
		json_t *part;

		if (!val || !*val || json_array_size(list) >= 100)
			continue;
		srw_buf_reset(&q);
		srw_buf_printf(&q, "SELECT cluster_id, cluster_name, account_name, sr_version, tier"
		    " FROM ops.dim_customer_profile WHERE %s = ", col);
		quote(inv, &q, val);
		srw_buf_adds(&q, " AND cluster_id <> ");
		quote(inv, &q, c);
		if (i && acct && *acct) {
			srw_buf_adds(&q, " AND account_name <> ");
			quote(inv, &q, acct);
		}
		srw_buf_printf(&q, " ORDER BY cluster_id LIMIT %zu", 100 - json_array_size(list));
		if (!(part = rows(inv->db, q.s, err, errsz))) {
			json_decref(list);
			json_decref(me);
			srw_buf_free(&q);
			return NULL;
		}
		json_array_extend(list, part);
		json_decref(part);
	}
	risk = NULL;
	if (json_array_size(list)) {
		srw_buf_reset(&q);
		/* each cluster's newest snapshot: one seek per cluster on the
		 * primary key (cluster_id, snapshot_at), however long the history
		 * (score writes one every 15 minutes) */
		srw_buf_adds(&q, "SELECT r.cluster_id, r.risk_level, r.score FROM ops.cluster_risk_snapshots r"
		    " JOIN (SELECT cluster_id, MAX(snapshot_at) AS at FROM ops.cluster_risk_snapshots"
		    " WHERE cluster_id IN (");
		json_array_foreach(list, i, row) {
			if (i)
				srw_buf_addc(&q, ',');
			quote(inv, &q, srw_json_str(row, "cluster_id"));
		}
		srw_buf_adds(&q, ") GROUP BY cluster_id) m ON r.cluster_id = m.cluster_id"
		    " AND r.snapshot_at = m.at");
		risk = rows(inv->db, q.s, err, errsz);
	}
	json_array_foreach(list, i, row) {
		const char *id = srw_json_str(row, "cluster_id"), *a = srw_json_str(row, "account_name"),
		    *v = srw_json_str(row, "sr_version"), *lvl = NULL;
		json_t *rr;
		bool sa = acct && a && *acct && strcmp(a, acct) == 0,
		    sv = ver && v && *ver && strcmp(v, ver) == 0;

		json_array_foreach(risk, j, rr)
			if (id && srw_json_str(rr, "cluster_id") && strcmp(srw_json_str(rr, "cluster_id"), id) == 0) {
				json_object_set(row, "risk_level", json_object_get(rr, "risk_level"));
				json_object_set(row, "score", json_object_get(rr, "score"));
				lvl = srw_json_str(rr, "risk_level");
			}
		json_object_set_new(row, "same_account", json_boolean(sa));
		json_object_set_new(row, "same_version", json_boolean(sv));
		if (lvl && (strcmp(lvl, "Critical") == 0 || strcmp(lvl, "Warning") == 0)) {
			acct_risk += sa;
			ver_risk += sv;
		}
	}
	out = json_pack("{s:s,s:s?,s:s?,s:I,s:I,s:I,s:O}", "cluster_id", c, "account_name", acct,
	    "sr_version", ver, "at_risk_same_account", (json_int_t)acct_risk,
	    "at_risk_same_version", (json_int_t)ver_risk,
	    "row_count", (json_int_t)json_array_size(list), "rows", list);
	json_decref(list);
	json_decref(risk);
	json_decref(me);
	srw_buf_free(&q);
	return out;
}

static const char *
ci_find(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s++)
		if (strncasecmp(s, w, n) == 0)
			return s;
	return NULL;
}

/* run_sql's account must hold nothing but SELECT on named schemas: a
 * grant of anything else, or of SELECT on every schema (*.* on MariaDB,
 * ALL DATABASES on StarRocks: mysql.user's hashes), is refused.  Grants of
 * roles ("GRANT `r` TO …") carry no ON: the role's own grants are listed
 * with them when it is the session's role. */
static int
ro_grants_ok(srw_db *db, char *why, size_t whysz)
{
	srw_res *r = srw_db_query(db, "SHOW GRANTS");
	char **row;
	int ok = 0;

	if (!r) {
		snprintf(why, whysz, "SHOW GRANTS failed: %s", srw_db_error(db));
		return -1;
	}
	while (ok == 0 && (row = srw_res_next(r, NULL))) {
		unsigned i;

		for (i = 0; i < srw_res_ncols(r) && ok == 0; i++) {
			const char *g = row[i], *on;
			char privs[512];
			size_t n;

			if (!g || strncasecmp(g, "GRANT ", 6) != 0 || !(on = ci_find(g, " ON ")))
				continue;
			n = (size_t)(on - g) - 6;
			if (n >= sizeof privs)
				n = sizeof privs - 1;
			memcpy(privs, g + 6, n);
			privs[n] = '\0';
			for (char *p = strtok(privs, ","); p; p = strtok(NULL, ",")) {
				while (*p == ' ')
					p++;
				for (char *e = p + strlen(p); e > p && e[-1] == ' ';)
					*--e = '\0';
				if (strcasecmp(p, "USAGE") != 0 && strcasecmp(p, "SELECT") != 0 &&
				    strcasecmp(p, "SHOW VIEW") != 0) {
					snprintf(why, whysz, "its account may %s (%.200s); grant it SELECT only",
					    p, g);
					ok = -1;
					break;
				}
				if (strcasecmp(p, "SELECT") == 0 && (strstr(on, "*.*") ||
				    ci_find(on, "ALL DATABASES") || ci_find(on, "ALL CATALOGS"))) {
					snprintf(why, whysz, "its account may read every schema (%.200s);"
					    " grant SELECT on the srwatch schemas only", g);
					ok = -1;
					break;
				}
			}
		}
	}
	srw_res_free(r);
	return ok;
}

/*
 * run_sql runs only on its own read-only account (INVESTIGATE_DB_USER),
 * never on the tool's read-write one: the guard is the first line, the
 * account the one that holds when the guard is wrong.  StarRocks has no
 * read-only session to add, so on StarRocks the account is all there is.
 */
static srw_db *
ro_db(struct inv *inv, char *err, size_t errsz)
{
	const char *user = srw_env("INVESTIGATE_DB_USER", NULL);
	const char *pwfile = srw_env("INVESTIGATE_DB_PASSWORD_FILE", NULL);
	char *pw = NULL;
	srw_buf q;

	static char why[512];

	if (inv->ro_failed)
		snprintf(err, errsz, "%s", why);
	if (inv->ro || inv->ro_failed)
		return inv->ro;
	if (!user || !*user) {
		inv->ro_failed = true;
		snprintf(why, sizeof why, "run_sql is unavailable: no read-only account is configured"
		    " (set INVESTIGATE_DB_USER, and INVESTIGATE_DB_PASSWORD_FILE, to an account"
		    " with SELECT on the srwatch schemas only; see investigate(1))");
		snprintf(err, errsz, "%s", why);
		return NULL;
	}
	if (pwfile && !(pw = srw_read_secret_file(pwfile, why, sizeof why))) {
		inv->ro_failed = true;
		snprintf(err, errsz, "%s", why);
		return NULL;
	}
	if (!(inv->ro = srw_db_open_as(user, pw ? pw : srw_env("INVESTIGATE_DB_PASSWORD", ""),
	    1, why, sizeof why))) {
		inv->ro_failed = true;
		snprintf(err, errsz, "run_sql is unavailable: %s", why);
		snprintf(why, sizeof why, "%s", err);
		free(pw);
		return NULL;
	}
	free(pw);
	if (ro_grants_ok(inv->ro, err, errsz) != 0) {
		snprintf(why, sizeof why, "run_sql is unavailable: INVESTIGATE_DB_USER=%.64s is not"
		    " read-only: %s", user, err);
		snprintf(err, errsz, "%s", why);
		srw_warn("%s", why);
		srw_db_close(inv->ro);
		inv->ro = NULL;
		inv->ro_failed = true;
		return NULL;
	}
	/* a server-side time limit, and a read-only session where the server has one */
	srw_buf_init(&q);
	if (srw_db_dialect(inv->ro) == SRW_DIALECT_MARIADB) {
		srw_buf_printf(&q, "SET SESSION max_statement_time = %ld", inv->sql_timeout_s);
		srw_db_exec(inv->ro, q.s, q.len);
		srw_db_exec(inv->ro, "SET SESSION TRANSACTION READ ONLY", 33);
	} else {
		srw_buf_printf(&q, "SET query_timeout = %ld", inv->sql_timeout_s);
		srw_db_exec(inv->ro, q.s, q.len);
	}
	srw_buf_free(&q);
	return inv->ro;
}

/*
 * Rows are read one at a time (a streamed result) and stop at the byte
 * budget: the model sees at most that much anyway, and a result the size
 * of rows x max_allowed_packet (REPEAT('x', 8000000) over 40 rows) never
 * reaches memory.  The connection is cut when rows remain unread, and
 * reopened by the next call.
 */
static json_t *
t_sql(struct inv *inv, const json_t *args, char *err, size_t errsz)
{
	const char *sql = srw_json_str(args, "sql");
	char *run, why[512];
	srw_db *db;
	srw_res *r;
	json_t *rs, *out;
	char **row;
	unsigned long *lens;
	size_t bytes = 2, total = 0;
	bool cut = false;

	if (!sql)
		return fail(err, errsz, "refused: give the statement as the string argument \"sql\"%s", "");
	if (!(run = srw_sqlguard(sql, inv->row_limit, why, sizeof why)))
		return fail(err, errsz, "%s", why);
	if (!(db = ro_db(inv, err, errsz))) {
		free(run);
		return NULL;
	}
	if (!(r = srw_db_query_stream(db, run))) {
		snprintf(err, errsz, "the server refused the statement: %s", srw_db_error(db));
		free(run);
		return NULL;
	}
	rs = json_array();
	while ((row = srw_res_next(r, &lens))) {
		json_t *o = json_object();
		size_t rowbytes = 2;

		for (unsigned i = 0; i < srw_res_ncols(r); i++) {
			const char *name = srw_res_colname(r, i);
			json_t *v;

			/* a value past half the budget is never copied whole (cut
			 * at a UTF-8 character's start), so one row still fits */
			if (row[i] && (long)lens[i] > inv->budget / 2) {
				size_t k = (size_t)inv->budget / 2;

				while (k > 0 && ((unsigned char)row[i][k] & 0xC0) == 0x80)
					k--;
				if (!(v = json_stringn(row[i], k)))
					v = json_string("");
				cut = true;
			} else {
				v = srw_res_value_json(r, i, row, lens);
			}
			rowbytes += strlen(name) + 4 + (row[i] ? lens[i] : 4);
			json_object_set_new(o, name, v);
		}
		total++;
		if (json_array_size(rs) > 0 && (long)(bytes + rowbytes) > inv->budget) {
			json_decref(o);
			cut = true;
			break;
		}
		bytes += rowbytes;
		json_array_append_new(rs, o);
		if ((long)bytes > inv->budget) {
			cut = true;
			break;
		}
	}
	if (cut) {
		srw_res_abandon(r);
		srw_db_close(inv->ro);
		inv->ro = NULL;
	} else {
		unsigned e = srw_db_errno(db);

		srw_res_free(r);
		if (e) {
			snprintf(err, errsz, "the server stopped the statement: %s", srw_db_error(db));
			json_decref(rs);
			free(run);
			return NULL;
		}
	}
	out = json_pack("{s:s,s:I,s:I,s:o}", "sql", run, "row_limit", (json_int_t)inv->row_limit,
	    "row_count", (json_int_t)json_array_size(rs), "rows", rs);
	if (cut) {
		char note[300];

		snprintf(note, sizeof note, "truncated: reading stopped after %zu rows at the"
		    " %ld-byte budget (values cut at %ld bytes); the rest was not fetched. Narrow"
		    " the query (fewer columns, LEFT(col, N), a WHERE, a LIMIT)", total,
		    inv->budget, inv->budget / 2);
		json_object_set_new(out, "truncated", json_string(note));
	}
	free(run);
	return out;
}

static json_t *
t_search(struct inv *inv, const json_t *args, char *err, size_t errsz)
{
	const char *query = srw_json_str(args, "query"), *m = srw_json_str(args, "mode");
	enum srw_kb_mode mode = inv->kb_mode;

	if (!query || !*query)
		return fail(err, errsz, "give a query string%s", "");
	if (m && srw_kb_mode_parse(m, &mode) != 0)
		return fail(err, errsz, "mode must be hybrid, fulltext or vector, not %s", m);
	return kb_search(inv, query, mode, arg_long(args, "limit", 5, 1, 20),
	    srw_json_str(args, "sr_version"), err, errsz);
}

static const struct {
	const char *name;
	json_t *(*fn)(struct inv *, const json_t *, char *, size_t);
} tools[] = {
	{ "query_cluster_info", t_info },
	{ "query_cluster_alerts", t_alerts },
	{ "query_cluster_metrics", t_metrics },
	{ "query_cluster_operations", t_operations },
	{ "search_knowledge", t_search },
	{ "query_agent_memory", t_memory },
	{ "query_similar_clusters", t_similar },
	{ "run_sql", t_sql },
};

/* The longest array among the members the tools return. */
static json_t *
biggest_array(json_t *o, const char **key)
{
	static const char *const keys[] = { "rows", "series", "hits", NULL };
	json_t *best = NULL;
	size_t i;

	for (i = 0; keys[i]; i++) {
		json_t *a = json_object_get(o, keys[i]);

		if (json_is_array(a) && (!best || json_array_size(a) > json_array_size(best))) {
			best = a;
			*key = keys[i];
		}
	}
	return best;
}

/* Text of the result within budget bytes: whole items dropped from the
 * end of its largest array, with a note; the row count stays. */
static char *
fit(json_t *res, long budget)
{
	char *s = srw_json_dumps(res);
	const char *key = NULL;
	json_t *a;
	size_t total, keep;

	if (budget <= 0 || (long)strlen(s) <= budget)
		return s;
	if ((a = biggest_array(res, &key)) && (total = json_array_size(a)) > 0) {
		json_t *copy = json_deep_copy(res), *ca = json_object_get(copy, key);
		size_t lo = 0, hi = total;
		char note[256];

		/* largest prefix that fits, by bisection */
		while (lo < hi) {
			size_t mid = (lo + hi + 1) / 2;
			char *t;

			while (json_array_size(ca) > mid)
				json_array_remove(ca, json_array_size(ca) - 1);
			for (size_t k = json_array_size(ca); k < mid; k++)
				json_array_append(ca, json_array_get(a, k));
			snprintf(note, sizeof note, "truncated: %zu of %zu %s shown to fit the"
			    " %ld-byte budget; narrow the query (fewer hours, a metric, a LIMIT) for the rest",
			    mid, total, key, budget);
			json_object_set_new(copy, "truncated", json_string(note));
			t = srw_json_dumps(copy);
			if ((long)strlen(t) <= budget)
				lo = mid;
			else
				hi = mid - 1;
			free(t);
		}
		keep = lo;
		while (json_array_size(ca) > keep)
			json_array_remove(ca, json_array_size(ca) - 1);
		for (size_t k = json_array_size(ca); k < keep; k++)
			json_array_append(ca, json_array_get(a, k));
		snprintf(note, sizeof note, "truncated: %zu of %zu %s shown to fit the"
		    " %ld-byte budget; narrow the query (fewer hours, a metric, a LIMIT) for the rest",
		    keep, total, key, budget);
		json_object_set_new(copy, "truncated", json_string(note));
		if (!json_object_get(copy, "row_count"))
			json_object_set_new(copy, "row_count", json_integer((json_int_t)total));
		free(s);
		s = srw_json_dumps(copy);
		json_decref(copy);
		if ((long)strlen(s) <= budget)
			return s;
	}
	/* still too big (one huge value): cut the text itself */
	{
		srw_buf b;
		size_t n = strlen(s);

		srw_buf_init(&b);
		srw_buf_add(&b, s, (size_t)budget > 200 ? (size_t)budget - 200 : (size_t)budget / 2);
		srw_buf_printf(&b, "\n[truncated: %zu of %zu bytes shown; the result is not"
		    " complete JSON]", b.len, n);
		free(s);
		return b.s;
	}
}

json_t *
tool_run(struct inv *inv, const char *id, const char *name, const json_t *args,
    char **text, bool *is_error)
{
	char err[1024] = "";
	json_t *res = NULL, *call, *noargs = NULL;
	int64_t t0 = srw_now_ms(), u0 = mono_us();
	size_t i;

	if (!json_is_object(args))
		args = noargs = json_object();
	for (i = 0; i < sizeof tools / sizeof *tools; i++)
		if (strcmp(tools[i].name, name) == 0)
			break;
	if (i == sizeof tools / sizeof *tools)
		snprintf(err, sizeof err, "no tool named %.100s", name);
	else
		res = tools[i].fn(inv, args, err, sizeof err);
	*is_error = !res;
	if (!res)
		res = json_pack("{s:s}", "error", err);
	*text = fit(res, inv->budget);
	call = json_pack("{s:s,s:s,s:O,s:I,s:I,s:I,s:b}", "id", id, "name", name, "arguments", args,
	    "ms", (json_int_t)(srw_now_ms() - t0), "us", (json_int_t)(mono_us() - u0),
	    "bytes", (json_int_t)strlen(*text), "error", *is_error);
	if (*is_error)
		json_object_set_new(call, "reason", json_string(err));
	json_array_append_new(inv->calls, call);
	srw_debug("%s %s: %zu bytes%s%s", id, name, strlen(*text), *is_error ? ", error: " : "",
	    *is_error ? err : "");
	json_decref(noargs);
	return res;
}

void
tools_close(struct inv *inv)
{
	if (inv->ro)
		srw_db_close(inv->ro);
	inv->ro = NULL;
}
