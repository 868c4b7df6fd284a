/* rules.c - the investigator without a model: the same eight steps as
 * fixed tool calls, then severity, root cause and recommendations derived
 * from what they returned.  Deterministic: the same data gives the same
 * report.
 *
 * Hypotheses, each scored; the best names the root cause, the others that
 * hold are kept as evidence:
 *   BE down after an UPDATE   BE alive alert or alive ratio < 1, and an
 *                             UPDATE operation in the 6 h before it     0.90
 *   BE down                   the same without an UPDATE                0.70
 *   disk filling              data disk used >= 85 % (Critical) or >= 70 %
 *                             and rising (Warning), or a disk alert     0.85
 *   FE heap                   heap >= 85 % and/or heap/GC alerts        0.85
 *   compaction backlog        compaction score >= 500 or alert          0.60
 *   query errors / latency    error % >= 2 or p99 >= 15 s               0.55
 *   CPU saturation            CPU >= 70 %                               0.50
 *   the loudest alert         highest-severity firing alert             0.40
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inv.h"

struct hyp {
	double score;
	const char *sev;
	char cause[1024];
	const char *call;	/* the tool call id that showed it */
	char evidence[400];
	const char *recs[4];
	const char *kb_query;
};

struct facts {
	json_t *info, *alerts, *metrics, *ops, *similar, *memory, *kb;
	char id_info[8], id_alerts[8], id_metrics[8], id_ops[8], id_similar[8],
	    id_memory[8], id_kb[8];
};

static json_t *
call(struct inv *inv, char *id, int n, const char *name, json_t *args)
{
	char *text;
	bool err;
	json_t *r;

	snprintf(id, 8, "r%d", n);
	r = tool_run(inv, id, name, args, &text, &err);
	free(text);
	json_decref(args);
	if (err) {
		json_decref(r);
		return NULL;
	}
	return r;
}

/* The summary of the first metric whose name contains all of the parts. */
static json_t *
metric(const struct facts *f, const char *part, const char *part2)
{
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(f->metrics, "series"), i, s) {
		const char *m = srw_json_str(s, "metric");

		if (m && strstr(m, part) && (!part2 || strstr(m, part2)))
			return s;
	}
	return NULL;
}

static double
num(const json_t *o, const char *key, double dflt)
{
	double d;

	return srw_json_num(o, key, &d) ? d : dflt;
}

static long
firing(const struct facts *f, const char *name)
{
	return (long)json_integer_value(json_object_get(json_object_get(f->alerts, "firing"), name));
}

/* Firing alert whose name contains part, the count in *n. */
static const char *
firing_like(const struct facts *f, const char *part, long *n)
{
	const char *k;
	json_t *v;

	json_object_foreach(json_object_get(f->alerts, "firing"), k, v)
		if (strstr(k, part)) {
			*n = (long)json_integer_value(v);
			return k;
		}
	return NULL;
}

/* The first firing time of an alert name in the sections listed. */
static const char *
first_firing(const struct facts *f, const char *name)
{
	const char *t = NULL;
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(f->alerts, "rows"), i, s)
		if (strcmp(srw_json_str(s, "status"), "Firing") == 0 &&
		    strcmp(srw_json_str(s, "alert_name"), name) == 0)
			t = srw_json_str(s, "created_at");	/* rows are newest first */
	return t;
}

static void
be_down(struct inv *inv, const struct facts *f, struct hyp *h)
{
	static const char *const names[] = { "BeAliveAbnormal", "ProcNotRunning",
	    "CNAliveAbnormal", "ClusterStateAbnormal", NULL };
	const char *alert = NULL, *since = NULL;
	json_t *alive = metric(f, "alive", NULL), *op;
	long n = 0;
	size_t i;
	int64_t at = inv->now_ms, opat;

	for (i = 0; names[i] && !alert; i++)
		if ((n = firing(f, names[i])) > 0)
			alert = names[i];
	if (!alert && !(alive && num(alive, "window_min", 1) < 0.999))
		return;
	if (alert && (since = first_firing(f, alert)))
		srw_time_parse_sql(since, &at);
	h->sev = "Critical";
	h->score = 0.70;
	if (alert) {
		h->call = f->id_alerts;
		snprintf(h->evidence, sizeof h->evidence, "%s fired %ld time%s%s%s", alert, n,
		    n == 1 ? "" : "s", since ? ", first at " : "", since ? since : "");
	} else {
		h->call = f->id_metrics;
		snprintf(h->evidence, sizeof h->evidence, "BE alive ratio fell to %.2f",
		    num(alive, "window_min", 0));
	}
	snprintf(h->cause, sizeof h->cause, "BE node(s) down: %s", h->evidence);
	h->recs[0] = "Check the BE processes (be.out, be.WARNING, dmesg for OOM kills) and restart the dead BE nodes";
	h->recs[1] = "Confirm tablet replicas are healthy again (SHOW PROC '/statistic') once the BEs are back";
	h->kb_query = "BeAliveAbnormal BE down process not running";
	/* an UPDATE in the 6 hours before the first alert */
	json_array_foreach(json_object_get(f->ops, "rows"), i, op) {
		const char *o = srw_json_str(op, "op"), *ts = srw_json_str(op, "ts");

		if (!o || !ts || strcasecmp(o, "UPDATE") != 0 || srw_time_parse_sql(ts, &opat) != 0)
			continue;
		if (opat <= at && opat >= at - 6 * 3600000LL) {
			const char *d = srw_json_str(op, "detail"), *st = srw_json_str(op, "status");

			h->score = 0.90;
			h->call = f->id_ops;
			snprintf(h->cause, sizeof h->cause, "BE node(s) down after the UPDATE operation"
			    " at %s (%s%s%s): %s", ts, d && *d ? d : "no detail",
			    st && *st ? ", status " : "", st && *st ? st : "", h->evidence);
			snprintf(h->evidence, sizeof h->evidence, "UPDATE at %s (%s) preceded the BE failure",
			    ts, d && *d ? d : "no detail");
			h->recs[0] = "Roll back or finish the UPDATE: compare the BE version and be.conf with the other nodes, then restart the failed BEs";
			h->recs[1] = "Check be.out/be.WARNING on the updated nodes for startup errors (config, incompatible meta, port in use)";
			h->recs[2] = "Hold further UPDATE operations on this cluster until it is healthy; confirm replicas with SHOW PROC '/statistic'";
			h->kb_query = "BE down after upgrade UPDATE operation";
			break;
		}
	}
}

static void
disk(const struct facts *f, struct hyp *h)
{
	json_t *m = metric(f, "disks_data_used", NULL);
	double last = num(m, "last_avg", -1), first = num(m, "first_avg", -1);
	long n = 0;
	const char *alert = firing_like(f, "Disk", &n);

	if (m && last >= 85) {
		h->sev = "Critical";
		h->score = 0.85;
	} else if (m && last >= 70 && last - first >= 5) {
		h->sev = "Warning";
		h->score = 0.65;
	} else if (alert) {
		h->sev = "Warning";
		h->score = 0.60;
	} else {
		return;
	}
	if (m) {
		h->call = "";
		snprintf(h->cause, sizeof h->cause, "BE data disks filling up: %.1f%% used"
		    " (%.1f%% at the start of the window, %+.1f points)%s%s", last, first, last - first,
		    alert ? "; " : "", alert ? alert : "");
		snprintf(h->evidence, sizeof h->evidence, "starrocks_be_disks_data_used_pct at %.1f%%,"
		    " up from %.1f%% (%s)", last, first, srw_json_str(m, "trend"));
	} else {
		snprintf(h->cause, sizeof h->cause, "BE disk space low: %s firing", alert);
		snprintf(h->evidence, sizeof h->evidence, "%s fired %ld times", alert, n);
	}
	h->recs[0] = "Free space now: drop or truncate expired partitions, set partition TTL (dynamic partitions), ADMIN CLEAN TRASH";
	h->recs[1] = "Check for stuck compaction or a load surge that is growing data faster than usual";
	h->recs[2] = "Add BE storage or nodes before usage reaches 90% (BEs stop accepting loads at the flood stage)";
	h->kb_query = "BE data disk usage high filling up BEDiskUsageHigh partition TTL";
}

static void
heap(const struct facts *f, struct hyp *h)
{
	json_t *m = metric(f, "heap", NULL);
	double last = num(m, "last_avg", -1);
	long n1 = firing(f, "FEHeapUsageTooHigh"), n2 = firing(f, "HeapUsageTooHigh"),
	    n3 = firing(f, "FEGCCount");
	bool alert = n1 + n2 + n3 > 0;

	if (!(m && last >= 85) && !alert)
		return;
	h->sev = m && last >= 90 ? "Critical" : "Warning";
	h->score = (m && last >= 85) && alert ? 0.85 : 0.70;
	if (m && last >= 85)
		snprintf(h->evidence, sizeof h->evidence, "JVM heap at %.1f%% over the last hour"
		    " (%s over the window, peak %.1f%%)", last, srw_json_str(m, "trend"),
		    num(m, "window_max", last));
	else
		snprintf(h->evidence, sizeof h->evidence, "heap/GC alerts: FEHeapUsageTooHigh %ld,"
		    " HeapUsageTooHigh %ld, FEGCCount %ld", n1, n2, n3);
	snprintf(h->cause, sizeof h->cause, "FE JVM heap exhaustion: %s%s", h->evidence,
	    alert && m && last >= 85 ? ", with heap/GC alerts firing" : "");
	h->call = m && last >= 85 ? "" : NULL;
	h->recs[0] = "Find what holds FE memory: large queries and metadata (SHOW PROC '/jobs', tablet and partition counts), and dump the heap (jmap) before restarting";
	h->recs[1] = "Raise -Xmx in fe.conf (JAVA_OPTS) if the metadata has grown, then restart the followers one by one and the leader last";
	h->recs[2] = "Cut the partition/tablet count (merge small partitions, fewer buckets) if metadata is the cause";
	h->kb_query = "FE heap usage too high JVM GC";
}

/* A dimension over its critical threshold (the last hour's average, as the
 * score reads it), or its alert firing. */
static void
simple(const struct facts *f, struct hyp *h, const char *mname, const char *label,
    const char *unit, double limit, const char *alert, const char *what, double score,
    const char *rec, const char *kbq)
{
	json_t *m = metric(f, mname, NULL);
	double last = num(m, "last_avg", -1);
	long n = alert ? firing(f, alert) : 0;

	if (!(m && last >= limit) && n == 0)
		return;
	h->sev = "Warning";
	h->score = score;
	h->call = m && last >= limit ? "" : NULL;
	if (m && last >= limit)
		snprintf(h->evidence, sizeof h->evidence, "%s %.4g%s over the last hour (critical"
		    " above %.4g%s; %s)", label, last, unit, limit, unit, srw_json_str(m, "trend"));
	else
		snprintf(h->evidence, sizeof h->evidence, "%s fired %ld times", alert, n);
	snprintf(h->cause, sizeof h->cause, "%s: %s", what, h->evidence);
	h->recs[0] = rec;
	h->kb_query = kbq;
}

static void
loudest(const struct facts *f, struct hyp *h)
{
	const char *k, *best = NULL;
	json_t *v;
	int bsev = -1;
	long bn = 0;

	json_object_foreach(json_object_get(f->alerts, "firing"), k, v) {
		const srw_alert_type *t = srw_alert_type_find(k);
		int s = t ? (int)t->severity : (int)SRW_SEV_WARNING;
		long n = (long)json_integer_value(v);

		if (s > bsev || (s == bsev && n > bn)) {
			best = k;
			bsev = s;
			bn = n;
		}
	}
	if (!best)
		return;
	{
		const srw_alert_type *t = srw_alert_type_find(best);

		h->score = 0.40;
		h->sev = bsev == SRW_SEV_CRITICAL ? "Critical" : bsev == SRW_SEV_INFO ? "Info" : "Warning";
		h->call = NULL;
		snprintf(h->evidence, sizeof h->evidence, "%s fired %ld times", best, bn);
		snprintf(h->cause, sizeof h->cause, "%s firing%s%s%s", best, t ? " (" : "",
		    t ? t->summary : "", t ? ")" : "");
		h->recs[0] = t ? t->recommendation : "Look at the alert's dashboard and detail for the affected node";
		h->kb_query = best;	/* also the alert's name: see investigate_rules */
	}
}

static void
add_recs(struct report *r, const struct hyp *h)
{
	size_t i;

	for (i = 0; i < 4 && h->recs[i]; i++)
		report_recommend(r, "%s", h->recs[i]);
}

void
investigate_rules(struct inv *inv, struct report *r)
{
	struct facts f = { 0 };
	struct hyp hs[8];
	const char *cid = inv->cluster_id;
	size_t i, best = 0, nh = sizeof hs / sizeof *hs;
	json_t *x;
	const char *kbq = NULL;
	long acct;

	/* steps 1-6: the fixed queries */
	f.info = call(inv, f.id_info, 1, "query_cluster_info", json_pack("{s:s}", "cluster_id", cid));
	f.alerts = call(inv, f.id_alerts, 2, "query_cluster_alerts",
	    json_pack("{s:s,s:i}", "cluster_id", cid, "hours", 24));
	f.metrics = call(inv, f.id_metrics, 3, "query_cluster_metrics",
	    json_pack("{s:s,s:i}", "cluster_id", cid, "hours", 24));
	f.ops = call(inv, f.id_ops, 4, "query_cluster_operations",
	    json_pack("{s:s,s:i}", "cluster_id", cid, "hours", 72));
	f.similar = call(inv, f.id_similar, 5, "query_similar_clusters",
	    json_pack("{s:s}", "cluster_id", cid));
	f.memory = call(inv, f.id_memory, 6, "query_agent_memory",
	    json_pack("{s:s,s:i}", "cluster_id", cid, "limit", 5));

	/* step 7: the hypotheses */
	memset(hs, 0, sizeof hs);
	be_down(inv, &f, &hs[0]);
	disk(&f, &hs[1]);
	heap(&f, &hs[2]);
	simple(&f, &hs[3], "compaction_score", "compaction score", "", 500, "FEMaxTabletCompaction",
	    "Compaction backlog", 0.60,
	    "Reduce load frequency / small batches, check failed compactions and raise compaction threads on the BEs",
	    "compaction score high tablet versions");
	simple(&f, &hs[4], "query_err", "query errors", "%", 2, "FEQueryErrRateMoreThan60%",
	    "Query failures", 0.55,
	    "Read fe.audit.log for the failing statements and their errors; look for a bad client release or a failing BE",
	    "query error rate high");
	simple(&f, &hs[5], "latency_ms_p99", "p99 latency", " ms", 15000, "QueryLatencyP99High",
	    "Slow queries", 0.50,
	    "Find the slow statements in fe.audit.log, check their profiles, and look for resource contention",
	    "query latency p99 high");
	simple(&f, &hs[6], "cpu_util", "CPU", "%", 70, NULL, "CPU saturation", 0.50,
	    "Find the heaviest queries and loads; consider resource groups or adding BE nodes",
	    "cpu utilization high");
	loudest(&f, &hs[7]);
	for (i = 1; i < nh; i++)
		if (hs[i].score > hs[best].score)
			best = i;
	/* metric evidence points at the metrics call */
	for (i = 0; i < nh; i++)
		if (hs[i].call && !*hs[i].call)
			hs[i].call = f.id_metrics;
		else if (!hs[i].call)
			hs[i].call = f.id_alerts;

	snprintf(r->model, sizeof r->model, "rules");
	if (hs[best].score <= 0) {
		const char *reason = srw_json_str(inv->task, "reason");
		json_t *risk = json_object_get(f.info, "risk");
		const char *tf = srw_json_str(risk, "top_factors"), *lvl = srw_json_str(risk, "risk_level");

		if (tf && *tf) {
			/* no raw signal in the window, but the score said why */
			snprintf(r->severity, sizeof r->severity, "%s", lvl && strcmp(lvl, "Critical") == 0 ?
			    "Critical" : lvl && strcmp(lvl, "Warning") == 0 ? "Warning" : "Info");
			r->confidence = 0.45;
			r->root_cause = srw_xstrdup(tf);
			{
				srw_buf rc;

				srw_buf_init(&rc);
				srw_buf_printf(&rc, "Health score factors: %s (no alerts, metric snapshots or"
				    " operations in the window to say more)", tf);
				free(r->root_cause);
				r->root_cause = rc.s;
			}
			report_evidence(r, inv, f.id_info, "latest risk snapshot (%s): %s, score factors %s",
			    srw_json_str(risk, "snapshot_at"), lvl ? lvl : "?", tf);
			report_recommend(r, "Look at the dimensions the score names (%s) on the cluster's"
			    " dashboards; raw metrics arrive with the next rollup", tf);
			kbq = strstr(tf, "disk") ? "BE data disk usage high filling up BEDiskUsageHigh" :
			    strstr(tf, "heap") ? "FE heap usage too high JVM GC" :
			    strstr(tf, "compaction") ? "compaction score high tablet versions" :
			    strstr(tf, "latency") ? "query latency p99 high" :
			    strstr(tf, "error") ? "query error rate high" :
			    strstr(tf, "cpu") ? "cpu utilization high" : tf;
		} else {
			snprintf(r->severity, sizeof r->severity, "Info");
			r->confidence = 0.30;
			r->root_cause = srw_xstrdup("No abnormal metric, firing alert or recent operation"
			    " explains the trigger; it may have been transient");
			if (reason && *reason)
				report_recommend(r, "Re-check at the next sentinel run; the trigger was: %s", reason);
			else
				report_recommend(r, "Re-check at the next sentinel run");
		}
		report_evidence(r, inv, f.id_alerts, "no firing alert in the last 24 hours");
		if (json_array_size(json_object_get(f.metrics, "series")))
			report_evidence(r, inv, f.id_metrics, "%zu metrics within limits",
			    json_array_size(json_object_get(f.metrics, "series")));
		else
			report_evidence(r, inv, f.id_metrics, "no metric snapshots in the last 24 hours");
	} else {
		snprintf(r->severity, sizeof r->severity, "%s", hs[best].sev);
		r->confidence = hs[best].score;
		r->root_cause = srw_xstrdup(hs[best].cause);
		report_evidence(r, inv, hs[best].call, "%s", hs[best].evidence);
		if (hs[best].call == f.id_ops && hs[0].score > 0)
			report_evidence(r, inv, f.id_alerts, "%s", strstr(hs[0].cause, ": ") ?
			    strstr(hs[0].cause, ": ") + 2 : hs[0].cause);
		add_recs(r, &hs[best]);
		for (i = 0; i < nh; i++)
			if (i != best && hs[i].score > 0 && !(i == nh - 1 && hs[i].kb_query &&
			    strstr(hs[best].cause, hs[i].kb_query)))
				report_evidence(r, inv, hs[i].call, "also: %s", hs[i].cause);
		kbq = hs[best].kb_query;
	}

	/* step 8: the Knowledge Lake on what was found, for this version */
	if (kbq) {
		const char *ver = srw_json_str(json_object_get(f.info, "profile"), "sr_version");
		json_t *args = json_pack("{s:s,s:i}", "query", kbq, "limit", 5);
		bool bug = false;

		if (ver && *ver)
			json_object_set_new(args, "sr_version", json_string(ver));
		f.kb = call(inv, f.id_kb, 7, "search_knowledge", args);
		json_array_foreach(json_object_get(f.kb, "hits"), i, x) {
			const char *title = srw_json_str(x, "title"), *kind = srw_json_str(x, "kind"),
			    *doc = srw_json_str(x, "doc_id");

			if (!title)
				continue;
			if (i == 0) {
				report_evidence(r, inv, f.id_kb, "knowledge: \"%s\" (%s)", title, doc ? doc : "");
				report_recommend(r, "Read the %s \"%s\" (agent.knowledge %s)",
				    !kind ? "document" : strcmp(kind, "known_bug") == 0 ? "known bug" :
				    strcmp(kind, "oncall_log") == 0 ? "on-call log" : kind, title, doc ? doc : "");
				r->confidence += 0.02;
				bug = kind && strcmp(kind, "known_bug") == 0;
			} else if (!bug && i < 3 && kind && strcmp(kind, "known_bug") == 0) {
				/* a known bug of this cluster's version matters even when a
				 * runbook ranks first */
				report_evidence(r, inv, f.id_kb, "known bug for StarRocks %s: \"%s\" (%s)",
				    srw_json_str(x, "sr_version"), title, doc ? doc : "");
				report_recommend(r, "Check whether the known bug \"%s\" applies (agent.knowledge %s)",
				    title, doc ? doc : "");
				bug = true;
			}
		}
	}

	/* is it account-wide? */
	acct = (long)json_integer_value(json_object_get(f.similar, "at_risk_same_account"));
	if (acct > 0) {
		report_evidence(r, inv, f.id_similar, "%ld other cluster%s of account %s also at risk:"
		    " possibly account-wide", acct, acct == 1 ? "" : "s",
		    srw_json_str(f.similar, "account_name"));
		report_recommend(r, "Check the account's shared causes (workload change, common"
		    " upstream, the same release) across its clusters");
	} else if (f.similar && json_array_size(json_object_get(f.similar, "rows"))) {
		report_evidence(r, inv, f.id_similar, "no other cluster of the account or version"
		    " is at risk: specific to this cluster");
		r->confidence += 0.03;
	}
	/* seen before? */
	x = json_array_get(json_object_get(f.memory, "rows"), 0);
	if (x && srw_json_str(x, "root_cause")) {
		report_evidence(r, inv, f.id_memory, "previous finding (%s): %.200s",
		    srw_json_str(x, "created_at"), srw_json_str(x, "root_cause"));
		if (hs[best].score > 0 && strncmp(srw_json_str(x, "root_cause"), hs[best].cause, 12) == 0)
			report_recommend(r, "This root cause was found before on this cluster: fix it"
			    " for good rather than again");
	}
	if (r->confidence > 0.95)
		r->confidence = 0.95;
	r->confidence = round(r->confidence * 100) / 100;
	json_decref(f.info);
	json_decref(f.alerts);
	json_decref(f.metrics);
	json_decref(f.ops);
	json_decref(f.similar);
	json_decref(f.memory);
	json_decref(f.kb);
}
