/* hyp.c - the rules' hypotheses, each scored from the fixed calls' results.
 *
 * Hypotheses, each scored; the best active one names the root cause, the
 * other active ones are kept as evidence ("also").  Active means the signal
 * holds now: the last hour's average is over the limit, or an alert fired
 * and has not resolved since.  A signal seen only earlier in the window
 * makes the cluster "recovered"; an alert contradicted by its own metric
 * (the metric present and well inside its limit) counts for little.
 *   BE down               BE alive alert, or alive ratio < 1             0.70
 *   disk filling          data disk >= 85 % (Critical), >= 70 % and
 *                         rising (Warning), or a disk alert             0.85
 *   FE heap               heap >= 85 % and/or heap/GC alerts            0.85
 *   compaction backlog    compaction score >= 500, rowsets >= 1000,
 *                         or their alerts                               0.60
 *   query errors          error % >= 2 or its alert                     0.55
 *   load failures         failed transactions >= 5/min or load alerts   0.55
 *   CPU saturation        CPU >= 70 % (0.55 from 85 %)                  0.50
 *   slow queries          p99 >= 15 s or its alert                      0.50
 *   another known alert   MV refresh, checkpoint lag, stuck operation   0.40
 *   an unknown alert      a name the alert table does not know          0.25
 * An UPDATE operation in the 6 hours before the onset of the best one (its
 * first alert, or the first hour over the limit after one under it) makes
 * it a regression of that UPDATE (0.90).  Nothing active and the metrics
 * missing or stale: "unknown", with a low confidence, not a guess.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules.h"

/* The summary of the first metric whose name contains part; NULL when the
 * metrics are stale (an old value says nothing about now). */
static json_t *
metric(const struct facts *f, const char *part)
{
	json_t *s;
	size_t i;

	if (f->stale)
		return NULL;
	json_array_foreach(json_object_get(f->metrics, "series"), i, s) {
		const char *m = srw_json_str(s, "metric");

		if (m && strstr(m, part))
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

static json_t *
by_name(const json_t *alerts, const char *name)
{
	return json_object_get(json_object_get(alerts, "by_name"), name);
}

/* Fired in the window and not resolved since its last firing. */
bool
hyp_still_firing(const json_t *alerts, const char *name)
{
	json_t *b = by_name(alerts, name);
	const char *lf = srw_json_str(b, "last_firing"), *lr = srw_json_str(b, "last_resolved");

	return lf && (!lr || strcmp(lr, lf) < 0);
}

long
hyp_fired(const struct facts *f, const char *name)
{
	return (long)json_integer_value(json_object_get(json_object_get(f->alerts, "firing"), name));
}

/* The first alert among names (NULL-terminated) that fired: an active one
 * first.  *active says which. */
static const char *
alert_of(const struct facts *f, const char *const *names, bool *active)
{
	const char *seen = NULL;
	size_t i;

	for (i = 0; names[i]; i++) {
		if (hyp_fired(f, names[i]) <= 0)
			continue;
		if (hyp_still_firing(f->alerts, names[i])) {
			*active = true;
			return names[i];
		}
		if (!seen)
			seen = names[i];
	}
	*active = false;
	return seen;
}

static void
set_onset_alert(struct hyp *h, const struct facts *f, const char *alert)
{
	const char *t = srw_json_str(by_name(f->alerts, alert), "first_firing");
	int64_t ms;

	h->alert = alert;
	if (t && srw_time_parse_sql(t, &ms) == 0)
		h->onset = ms;
}

/* The alert half of a hypothesis: evidence "X fired n times, still firing
 * (last at …)" or "…, resolved at …". */
void
hyp_alert_evidence(char *buf, size_t n, const struct facts *f, const char *alert)
{
	json_t *b = by_name(f->alerts, alert);
	long k = hyp_fired(f, alert);

	if (hyp_still_firing(f->alerts, alert))
		snprintf(buf, n, "%s fired %ld time%s since %s, still firing", alert, k,
		    k == 1 ? "" : "s", srw_json_str(b, "first_firing"));
	else
		snprintf(buf, n, "%s fired %ld time%s, resolved at %s", alert, k, k == 1 ? "" : "s",
		    srw_json_str(b, "last_resolved"));
}

/* A dimension against its limit: 1 over now, 0 within, and *past set when
 * the window's extreme crossed it. */
static int
dim_state(const json_t *m, double limit, bool below, bool *past)
{
	double last = num(m, "last_avg", NAN);
	double ext = below ? num(m, "window_min", NAN) : num(m, "window_max", NAN);

	*past = false;
	if (!m || isnan(last))
		return -1;
	if (below ? last < limit : last >= limit)
		return 1;
	*past = below ? ext < limit : ext >= limit;
	return 0;
}

static const char *const be_alerts[] = { "BeAliveAbnormal", "ProcNotRunning",
	"CNAliveAbnormal", "ClusterStateAbnormal", NULL };
static const char *const disk_alerts[] = { "BEDiskUsageHigh", "RootFreeDiskLessThan10%", NULL };

static void
be_down(const struct facts *f, struct hyp *h)
{
	const char *const *names = be_alerts;
	json_t *alive = metric(f, "alive");
	bool aact, past;
	const char *alert = alert_of(f, names, &aact);
	int st = dim_state(alive, 0.999, true, &past);

	if (!alert && st != 1 && !past)
		return;
	h->cat = "be_down";
	h->sev = "Critical";
	h->score = 0.70;
	h->active = aact || st == 1;
	h->metric = "starrocks_be_alive_ratio";
	h->limit = 0.999;
	h->below = true;
	if (alert && (aact || st != 1)) {
		h->call = NULL;
		set_onset_alert(h, f, alert);
		hyp_alert_evidence(h->evidence, sizeof h->evidence, f, alert);
	} else {
		h->call = "";
		snprintf(h->evidence, sizeof h->evidence, "BE alive ratio %s %.2f%s",
		    st == 1 ? "at" : "fell to", st == 1 ? num(alive, "last_avg", 0) :
		    num(alive, "window_min", 0), st == 1 ? " in the last hour" : ", 1.00 again now");
	}
	snprintf(h->cause, sizeof h->cause, "BE node(s) down: %s", h->evidence);
	h->recs[0] = "Check the BE processes (be.out, be.WARNING, dmesg for OOM kills) and restart the dead BE nodes";
	h->recs[1] = "Confirm tablet replicas are healthy again (SHOW PROC '/statistic') once the BEs are back";
	h->kb_query = "BeAliveAbnormal BE down process not running";
}

static void
disk(const struct facts *f, struct hyp *h)
{
	const char *const *names = disk_alerts;
	json_t *m = metric(f, "disks_data_used");
	double last = num(m, "last_avg", -1), first = num(m, "first_avg", -1);
	bool aact, past;
	const char *alert = alert_of(f, names, &aact);
	int st = dim_state(m, 85, false, &past);

	h->cat = "disk_full";
	h->metric = "starrocks_be_disks_data_used_pct";
	h->limit = 85;
	if (st == 1) {
		h->sev = "Critical";
		h->score = 0.85;
	} else if (m && last >= 70 && last - first >= 5) {
		h->sev = "Warning";
		h->score = 0.65;
		h->limit = 70;
	} else if (alert && aact && !(m && last < 60)) {
		h->sev = "Warning";
		h->score = 0.60;
	} else if (alert && aact) {
		h->sev = "Info";
		h->score = 0.30;	/* the alert says full, the disk metric does not */
	} else if (alert || past) {
		h->sev = "Warning";
		h->score = 0.60;
		h->active = false;
		if (alert)
			hyp_alert_evidence(h->evidence, sizeof h->evidence, f, alert);
		else
			snprintf(h->evidence, sizeof h->evidence, "data disk peaked at %.1f%%, %.1f%% now",
			    num(m, "window_max", 0), last);
		snprintf(h->cause, sizeof h->cause, "BE data disks were filling: %s", h->evidence);
		h->kb_query = "BE data disk usage high filling up BEDiskUsageHigh partition TTL";
		return;
	} else {
		h->cat = NULL;
		return;
	}
	h->active = true;
	if (alert)
		set_onset_alert(h, f, alert);
	if (m && h->score >= 0.65) {
		h->call = "";
		snprintf(h->cause, sizeof h->cause, "BE data disks filling up: %.1f%% used"
		    " (%.1f%% at the start of the window, %+.1f points)%s%s", last, first, last - first,
		    alert ? "; " : "", alert ? alert : "");
		snprintf(h->evidence, sizeof h->evidence, "starrocks_be_disks_data_used_pct at %.1f%%,"
		    " up from %.1f%% (%s)", last, first, srw_json_str(m, "trend"));
	} else {
		hyp_alert_evidence(h->evidence, sizeof h->evidence, f, alert);
		if (h->score < 0.5) {
			snprintf(h->cause, sizeof h->cause, "%s firing while the data disks are at %.1f%%:"
			    " likely a noisy alert", alert, last);
			snprintf(h->evidence, sizeof h->evidence, "%.300s", h->cause);
		} else {
			snprintf(h->cause, sizeof h->cause, "BE disk space low: %s", h->evidence);
		}
	}
	h->recs[0] = "Free space now: drop or truncate expired partitions, set partition TTL (dynamic partitions), ADMIN CLEAN TRASH";
	h->recs[1] = "Check for stuck compaction or a load surge that is growing data faster than usual";
	h->recs[2] = "Add BE storage or nodes before usage reaches 90% (BEs stop accepting loads at the flood stage)";
	h->kb_query = "BE data disk usage high filling up BEDiskUsageHigh partition TTL";
}

/* The dimensions with a limit and alerts: heap, compaction, errors, load,
 * CPU, latency. */
struct dim {
	const char *cat, *mname, *label, *unit;
	double limit, score;
	const char *alerts[4];
	const char *what, *rec, *rec2, *kbq;
};

static const struct dim dims[] = {
	{ "fe_heap", "jvm_heap_used", "JVM heap", "%", 85, 0.85,
	  { "FEHeapUsageTooHigh", "HeapUsageTooHigh", "FEGCCount", NULL },
	  "FE JVM heap exhaustion",
	  "Find what holds FE memory: large queries and metadata (SHOW PROC '/jobs', tablet and partition counts), and dump the heap (jmap) before restarting",
	  "Raise -Xmx in fe.conf (JAVA_OPTS) if the metadata has grown, then restart the followers one by one and the leader last",
	  "FE heap usage too high JVM GC" },
	{ "compaction_backlog", "compaction_score", "compaction score", "", 500, 0.60,
	  { "FEMaxTabletCompaction", "BECompactionFailed", NULL },
	  "Compaction backlog",
	  "Reduce load frequency / small batches, check failed compactions and raise compaction threads on the BEs",
	  NULL, "compaction score high tablet versions" },
	{ "compaction_backlog", "max_tablet_rowset_num", "tablet rowsets", "", 1000, 0.60,
	  { "TabletMaxRowsetNumHigh", NULL },
	  "Compaction backlog (too many rowsets per tablet)",
	  "Batch the loads (fewer, larger transactions) and check that compaction keeps up on the BEs",
	  NULL, "TabletMaxRowsetNumHigh rowset versions compaction" },
	{ "query_errors", "query_err", "query errors", "%", 2, 0.55,
	  { "FEQueryErrRateMoreThan60%", NULL },
	  "Query failures",
	  "Read fe.audit.log for the failing statements and their errors; look for a bad client release or a failing BE",
	  NULL, "query error rate high" },
	{ "load_failures", "txn_failed", "failed transactions", "/min", 5, 0.55,
	  { "LoadJobFailed", "TxnPublishTimeout", NULL },
	  "Load failures",
	  "SHOW LOAD / SHOW ROUTINE LOAD for the failing jobs and their ErrorURL; check publish timeouts and BE load memory",
	  NULL, "load job failed transaction publish timeout" },
	{ "cpu_saturation", "cpu_util", "CPU", "%", 70, 0.50, { NULL },
	  "CPU saturation",
	  "Find the heaviest queries and loads; consider resource groups or adding BE nodes",
	  NULL, "cpu utilization high" },
	{ "slow_queries", "latency_ms_p99", "p99 latency", " ms", 15000, 0.50,
	  { "QueryLatencyP99High", NULL },
	  "Slow queries",
	  "Find the slow statements in fe.audit.log, check their profiles, and look for resource contention",
	  NULL, "query latency p99 high" },
};

static void
dimension(const struct facts *f, const struct dim *d, struct hyp *h)
{
	json_t *m = metric(f, d->mname);
	double last = num(m, "last_avg", -1);
	bool aact, past;
	const char *alert = alert_of(f, d->alerts, &aact);
	int st = dim_state(m, d->limit, false, &past);

	if (st != 1 && !alert && !past)
		return;
	h->cat = d->cat;
	h->sev = "Warning";
	h->score = d->score;
	h->metric = m ? srw_json_str(m, "metric") : NULL;
	h->limit = d->limit;
	h->recs[0] = d->rec;
	h->recs[1] = d->rec2;
	h->kb_query = d->kbq;
	if (alert) {
		const srw_alert_type *t = srw_alert_type_find(alert);

		set_onset_alert(h, f, alert);
		if (aact && t && t->severity == SRW_SEV_CRITICAL)
			h->sev = "Critical";	/* the alert's own severity, e.g. error rate > 60 % */
	}
	if (st == 1) {
		h->active = true;
		h->call = "";
		if (strcmp(d->cat, "fe_heap") == 0 && last >= 90)
			h->sev = "Critical";
		if (strcmp(d->cat, "cpu_saturation") == 0 && last >= 85)
			h->score = 0.55;
		snprintf(h->evidence, sizeof h->evidence, "%s %.4g%s over the last hour (critical"
		    " above %.4g%s; %s, peak %.4g%s)", d->label, last, d->unit, d->limit, d->unit,
		    srw_json_str(m, "trend"), num(m, "window_max", last), d->unit);
		snprintf(h->cause, sizeof h->cause, "%s: %s%s%s", d->what, h->evidence,
		    alert && aact ? ", with " : "", alert && aact ? alert : "");
	} else if (alert && aact) {
		h->active = true;
		h->call = NULL;
		hyp_alert_evidence(h->evidence, sizeof h->evidence, f, alert);
		if (m && last < d->limit * 0.6 && !past) {
			/* its own metric says otherwise: a noisy alert */
			h->score = 0.30;
			h->sev = "Info";
			snprintf(h->cause, sizeof h->cause, "%s firing while %s is %.4g%s (limit %.4g%s):"
			    " likely a noisy alert", alert, d->label, last, d->unit, d->limit, d->unit);
			snprintf(h->evidence, sizeof h->evidence, "%.300s", h->cause);
		} else {
			if (m && strcmp(d->cat, "fe_heap") == 0)
				h->score = 0.70;
			snprintf(h->cause, sizeof h->cause, "%s: %s", d->what, h->evidence);
		}
	} else {
		h->active = false;
		if (alert) {
			h->call = NULL;
			hyp_alert_evidence(h->evidence, sizeof h->evidence, f, alert);
		} else {
			h->call = "";
			snprintf(h->evidence, sizeof h->evidence, "%s peaked at %.4g%s, %.4g%s now",
			    d->label, num(m, "window_max", 0), d->unit, last, d->unit);
		}
		snprintf(h->cause, sizeof h->cause, "%s: %s", d->what, h->evidence);
	}
}

/* Firing alerts no hypothesis above explains: a known type names its
 * class; a name nobody knows is not a diagnosis. */
static void
other_alert(const struct facts *f, const struct hyp *hs, size_t nh, struct hyp *h)
{
	static const struct { const char *prefix, *cat; } known[] = {
		{ "MVRefreshFailed", "mv_refresh_failed" }, { "FECheckpointLag", "fe_checkpoint_lag" },
		{ "Operation", "operation_stuck" }, { NULL, NULL } };
	const char *k, *best = NULL, *cat = NULL;
	json_t *v;
	int bsev = -1;
	long bn = 0;
	size_t i, j;

	json_object_foreach(json_object_get(f->alerts, "firing"), k, v) {
		const srw_alert_type *t = srw_alert_type_find(k);
		int s = t ? (int)t->severity : 0;
		long n = (long)json_integer_value(v);
		bool claimed = false;

		for (j = 0; j < nh; j++)
			claimed |= hs[j].alert && strcmp(hs[j].alert, k) == 0;
		for (j = 0; be_alerts[j]; j++)
			claimed |= strcmp(be_alerts[j], k) == 0;
		for (j = 0; disk_alerts[j]; j++)
			claimed |= strcmp(disk_alerts[j], k) == 0;
		for (i = 0; i < sizeof dims / sizeof *dims; i++)
			for (j = 0; dims[i].alerts[j]; j++)
				claimed |= strcmp(dims[i].alerts[j], k) == 0;
		if (claimed || !hyp_still_firing(f->alerts, k))
			continue;
		if (s > bsev || (s == bsev && n > bn)) {
			best = k;
			bsev = s;
			bn = n;
		}
	}
	if (!best)
		return;
	for (i = 0; known[i].prefix; i++)
		if (strncmp(best, known[i].prefix, strlen(known[i].prefix)) == 0)
			cat = known[i].cat;
	{
		const srw_alert_type *t = srw_alert_type_find(best);

		h->active = true;
		h->alert = best;
		h->call = NULL;
		set_onset_alert(h, f, best);
		hyp_alert_evidence(h->evidence, sizeof h->evidence, f, best);
		h->kb_query = best;
		if (t && cat) {
			h->cat = cat;
			h->score = 0.40;
			h->sev = bsev == SRW_SEV_CRITICAL ? "Critical" : bsev == SRW_SEV_INFO ? "Info" : "Warning";
			snprintf(h->cause, sizeof h->cause, "%s firing (%s)", best, t->summary);
			h->recs[0] = t->recommendation;
		} else {
			h->cat = "unknown";
			h->score = 0.25;
			h->sev = "Warning";
			snprintf(h->cause, sizeof h->cause, "Unknown: %s is firing, an alert no rule"
			    " explains%s%s", best, t ? "; " : "", t ? t->summary : "");
			h->recs[0] = t ? t->recommendation : "Look at the alert's dashboard and detail for the affected node";
		}
	}
}

static int
sev_rank(const char *s)
{
	return !s ? 0 : strcmp(s, "Critical") == 0 ? 3 : strcmp(s, "Warning") == 0 ? 2 : 1;
}

bool
hyp_better(const struct hyp *a, const struct hyp *b)
{
	if (fabs(a->score - b->score) > 1e-9)
		return a->score > b->score;
	return sev_rank(a->sev) > sev_rank(b->sev);
}

/* The first hour the dimension crossed its limit after an hour within it
 * (0: no such step in the window), from the hourly rows. */
static int64_t
metric_onset(const json_t *rows, const struct hyp *h)
{
	json_t *r;
	size_t i;
	bool ok_before = false;
	int64_t ms;

	json_array_foreach(rows, i, r) {
		double v;

		if (!srw_json_num(r, "avg_value", &v))
			continue;
		if (h->below ? v >= h->limit : v < h->limit) {
			ok_before = true;
		} else if (ok_before && srw_time_parse_sql(srw_json_str(r, "hour"), &ms) == 0) {
			return ms;
		}
	}
	return 0;
}

/* An UPDATE in the 6 hours before the onset (hourly rows: up to the end of
 * the onset hour) makes the hypothesis a regression of it. */
static void
hyp_after_update(struct inv *inv, struct facts *f, struct hyp *h)
{
	json_t *op;
	size_t i;
	int64_t opat;
	bool any = false;

	json_array_foreach(json_object_get(f->ops, "rows"), i, op)
		any |= srw_json_str(op, "op") && strcasecmp(srw_json_str(op, "op"), "UPDATE") == 0;
	if (!any)
		return;
	if (!h->onset && h->metric) {
		f->onset = rules_call(inv, f, f->id_onset, "query_cluster_metrics",
		    json_pack("{s:s,s:s,s:i}", "cluster_id", inv->cluster_id, "metric", h->metric,
		    "hours", 24));
		if ((h->onset = metric_onset(json_object_get(f->onset, "rows"), h)) != 0)
			h->onset += HOUR_MS - 1;
	}
	if (!h->onset)
		return;
	json_array_foreach(json_object_get(f->ops, "rows"), i, op) {
		const char *o = srw_json_str(op, "op"), *ts = srw_json_str(op, "ts");
		const char *d = srw_json_str(op, "detail"), *st = srw_json_str(op, "status");
		char was[1024];

		if (!o || !ts || strcasecmp(o, "UPDATE") != 0 || srw_time_parse_sql(ts, &opat) != 0)
			continue;
		if (opat > h->onset || opat < h->onset - 6 * HOUR_MS)
			continue;
		snprintf(was, sizeof was, "%s", h->cause);
		h->cat = "update_regression";
		h->score = 0.90;
		h->call = f->id_ops;
		snprintf(h->cause, sizeof h->cause, "%s after the UPDATE operation at %s (%.200s%s%.32s): %.600s",
		    strncmp(was, "BE node(s) down", 15) == 0 ? "BE node(s) down" : "Regression",
		    ts, d && *d ? d : "no detail", st && *st ? ", status " : "", st && *st ? st : "", was);
		snprintf(h->evidence, sizeof h->evidence, "UPDATE at %s (%s) preceded the onset",
		    ts, d && *d ? d : "no detail");
		h->recs[0] = "Roll back or finish the UPDATE: compare the version and be.conf/fe.conf of the updated nodes with the others";
		h->recs[1] = "Check be.out/be.WARNING and fe.log on the updated nodes for startup errors and changed defaults";
		h->recs[2] = "Hold further UPDATE operations on this cluster until it is healthy; confirm replicas with SHOW PROC '/statistic'";
		h->kb_query = strncmp(was, "BE node(s) down", 15) == 0 ?
		    "BE down after upgrade UPDATE operation" : "regression after upgrade UPDATE";
		return;
	}
}

/* Stale: no metric hours at all, or none in the last 3 hours. */
static void
hyp_staleness(const struct inv *inv, struct facts *f)
{
	json_t *s;
	size_t i;
	int64_t ms;

	json_array_foreach(json_object_get(f->metrics, "series"), i, s) {
		const char *h = srw_json_str(s, "last_hour");

		if (h && strcmp(h, f->newest) > 0)
			snprintf(f->newest, sizeof f->newest, "%s", h);
	}
	f->stale = !f->newest[0] || srw_time_parse_sql(f->newest, &ms) != 0 ||
	    ms < inv->now_ms - 3 * HOUR_MS;
}

/* Step 7: every hypothesis into hs (NHYP of them, cat NULL where it does
 * not hold); the index of the best active one, SIZE_MAX if none.  The best
 * is checked against the UPDATE operations. */
size_t
hyp_all(struct inv *inv, struct facts *f, struct hyp *hs)
{
	size_t i, best = SIZE_MAX, nh = NHYP, nd = sizeof dims / sizeof *dims;

	_Static_assert(NHYP == 3 + sizeof dims / sizeof *dims, "NHYP: one per hypothesis");
	hyp_staleness(inv, f);
	memset(hs, 0, NHYP * sizeof *hs);
	be_down(f, &hs[0]);
	disk(f, &hs[1]);
	for (i = 0; i < nd; i++)
		dimension(f, &dims[i], &hs[2 + i]);
	other_alert(f, hs, nh - 1, &hs[nh - 1]);
	/* two dimensions of one class (compaction score, rowsets): keep one */
	for (i = 0; i < nh; i++)
		for (size_t j = i + 1; j < nh; j++)
			if (hs[i].cat && hs[j].cat && strcmp(hs[i].cat, hs[j].cat) == 0) {
				if (hyp_better(&hs[j], &hs[i]))
					hs[i] = hs[j];
				hs[j].cat = NULL;
			}
	for (i = 0; i < nh; i++)
		if (hs[i].cat && hs[i].active && (best == SIZE_MAX || hyp_better(&hs[i], &hs[best])))
			best = i;
	if (best != SIZE_MAX && strcmp(hs[best].cat, "unknown") != 0)
		hyp_after_update(inv, f, &hs[best]);
	return best;
}
