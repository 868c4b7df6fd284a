/* rules.c - the investigator without a model: the same eight steps as
 * fixed tool calls, then category, severity, root cause, scope and
 * recommendations derived from what they returned (the hypotheses are
 * hyp.c's).  Deterministic: the same data gives the same report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

static const char *const categories[] = { "be_down", "update_regression", "disk_full",
	"fe_heap", "compaction_backlog", "query_errors", "slow_queries", "cpu_saturation",
	"load_failures", "mv_refresh_failed", "fe_checkpoint_lag", "operation_stuck",
	"recovered", "unknown", NULL };

bool
inv_category_known(const char *s)
{
	size_t i;

	for (i = 0; categories[i]; i++)
		if (strcmp(categories[i], s) == 0)
			return true;
	return false;
}

json_t *
rules_call(struct inv *inv, struct facts *f, char *id, const char *name, json_t *args)
{
	char *text;
	bool err;
	json_t *r;

	snprintf(id, 12, "r%d", (++f->ncalls) & 0xffff);
	r = tool_run(inv, id, name, args, &text, &err);
	free(text);
	json_decref(args);
	if (err) {
		json_decref(r);
		return NULL;
	}
	return r;
}

static void
add_recs(struct report *r, const struct hyp *h)
{
	size_t i;

	for (i = 0; i < 4 && h->recs[i]; i++)
		report_recommend(r, "%s", h->recs[i]);
}

static const char *
call_of(const struct facts *f, const struct hyp *h)
{
	return !h->call ? f->id_alerts : !*h->call ? f->id_metrics : h->call;
}

/* Nothing holds now. */
static const char *
conclude_none(struct inv *inv, struct facts *f, struct report *r, const struct hyp *hs,
    size_t nh)
{
	const char *reason = srw_json_str(inv->task, "reason");
	json_t *risk = json_object_get(f->info, "risk");
	const char *tf = srw_json_str(risk, "top_factors"), *lvl = srw_json_str(risk, "risk_level");
	size_t i, past = nh;
	srw_buf b;

	for (i = 0; i < nh; i++)
		if (hs[i].cat && (past == nh || hyp_better(&hs[i], &hs[past])))
			past = i;
	srw_buf_init(&b);
	if (past < nh) {
		snprintf(r->category, sizeof r->category, "recovered");
		snprintf(r->severity, sizeof r->severity, "Info");
		r->confidence = 0.60;
		srw_buf_printf(&b, "Recovered, nothing to do now: %s", hs[past].cause);
		report_evidence(r, inv, call_of(f, &hs[past]), "%s", hs[past].evidence);
		for (i = 0; i < nh; i++)
			if (i != past && hs[i].cat)
				report_evidence(r, inv, call_of(f, &hs[i]), "also earlier: %s", hs[i].cause);
		report_recommend(r, "Nothing to do now; re-check at the next sentinel run and look"
		    " into the cause if it returns");
	} else if (f->stale) {
		snprintf(r->category, sizeof r->category, "unknown");
		snprintf(r->severity, sizeof r->severity, "Warning");
		r->confidence = 0.20;
		if (f->newest[0])
			srw_buf_printf(&b, "Unknown: no metric snapshots since %s and no firing alert;"
			    " the rules cannot tell what is wrong (the cluster may be unreachable, or its"
			    " scrape or rollup stopped)", f->newest);
		else
			srw_buf_printf(&b, "Unknown: no metric snapshots in the last 24 hours and no"
			    " firing alert; the rules cannot tell what is wrong (the cluster may be"
			    " unreachable, or its scrape or rollup stopped)");
		report_recommend(r, "Check that the cluster's scrape and rollup run (metrics.metrics_table"
		    " and amv_hourly_snapshots_v1 for this cluster_id) and that the FE answers");
	} else {
		snprintf(r->category, sizeof r->category, "unknown");
		snprintf(r->severity, sizeof r->severity, "%s", lvl && strcmp(lvl, "Critical") == 0 ?
		    "Critical" : lvl && strcmp(lvl, "Warning") == 0 ? "Warning" : "Info");
		r->confidence = tf && *tf ? 0.35 : 0.30;
		if (tf && *tf)
			srw_buf_printf(&b, "Unknown: the health score names %s, but no metric is over its"
			    " limit and no alert fires", tf);
		else
			srw_buf_printf(&b, "Unknown: no abnormal metric, firing alert or recent operation"
			    " explains the trigger; it may have been transient");
		if (tf && *tf)
			report_evidence(r, inv, f->id_info, "latest risk snapshot (%s): %s, score factors %s",
			    srw_json_str(risk, "snapshot_at"), lvl ? lvl : "?", tf);
		if (reason && *reason)
			report_recommend(r, "Re-check at the next sentinel run; the trigger was: %s", reason);
		else
			report_recommend(r, "Re-check at the next sentinel run");
	}
	r->root_cause = b.s ? b.s : srw_xstrdup("Unknown");
	if (past == nh) {
		report_evidence(r, inv, f->id_alerts, "no firing alert in the last 24 hours");
		if (f->stale && f->newest[0])
			report_evidence(r, inv, f->id_metrics, "no metric snapshots since %s", f->newest);
		else if (f->stale)
			report_evidence(r, inv, f->id_metrics, "no metric snapshots in the last 24 hours");
		else
			report_evidence(r, inv, f->id_metrics, "%zu metrics within limits",
			    json_array_size(json_object_get(f->metrics, "series")));
	}
	return past < nh ? hs[past].kb_query : NULL;
}

/* The Knowledge Lake on what was found, for this version: the best hit is
 * recommended; a known bug of this version whose alert is the one behind
 * the finding is named in the root cause. */
static void
knowledge(struct inv *inv, struct facts *f, struct report *r, const char *kbq,
    const struct hyp *best)
{
	const char *ver = srw_json_str(json_object_get(f->info, "profile"), "sr_version");
	json_t *args = json_pack("{s:s,s:i}", "query", kbq, "limit", 5), *x;
	bool bug = false;
	size_t i;

	if (ver && *ver)
		json_object_set_new(args, "sr_version", json_string(ver));
	f->kb = rules_call(inv, f, f->id_kb, "search_knowledge", args);
	json_array_foreach(json_object_get(f->kb, "hits"), i, x) {
		const char *title = srw_json_str(x, "title"), *kind = srw_json_str(x, "kind"),
		    *doc = srw_json_str(x, "doc_id"), *an = srw_json_str(x, "alert_name");
		bool isbug = kind && strcmp(kind, "known_bug") == 0;

		if (!title)
			continue;
		if (i == 0) {
			if (!isbug)
				report_evidence(r, inv, f->id_kb, "knowledge: \"%s\" (%s)", title, doc ? doc : "");
			report_recommend(r, "Read the %s \"%s\" (agent.knowledge %s)",
			    !kind ? "document" : isbug ? "known bug" :
			    strcmp(kind, "oncall_log") == 0 ? "on-call log" : kind, title, doc ? doc : "");
			r->confidence += 0.02;
		}
		if (!bug && i < 3 && isbug) {
			/* a known bug of this cluster's version matters even when a
			 * runbook ranks first */
			report_evidence(r, inv, f->id_kb, "known bug for StarRocks %s: \"%s\" (%s)",
			    srw_json_str(x, "sr_version"), title, doc ? doc : "");
			if (i > 0)
				report_recommend(r, "Check whether the known bug \"%s\" applies (agent.knowledge %s)",
				    title, doc ? doc : "");
			bug = true;
			if (best && an && *an && ((best->alert && strcmp(an, best->alert) == 0) ||
			    hyp_fired(f, an) > 0)) {
				srw_buf b;

				srw_buf_init(&b);
				srw_buf_printf(&b, "%s; matches the known bug for StarRocks %s: %s (%s)",
				    r->root_cause, ver ? ver : "?", title, doc ? doc : "");
				free(r->root_cause);
				r->root_cause = b.s;
				r->confidence += 0.05;
			}
		}
	}
}

/* Account-wide when another cluster of the account is at risk with one of
 * this cluster's firing alerts (or, with none here, at all). */
static void
scope(struct inv *inv, struct facts *f, struct report *r)
{
	json_t *row;
	size_t i;
	int n = 0, same = 0;
	long acct = (long)json_integer_value(json_object_get(f->similar, "at_risk_same_account"));
	bool mine = json_object_size(json_object_get(f->alerts, "firing")) > 0;
	srw_buf names;

	snprintf(r->scope, sizeof r->scope, "cluster");
	if (acct <= 0) {
		if (f->similar && json_array_size(json_object_get(f->similar, "rows"))) {
			report_evidence(r, inv, f->id_similar, "no other cluster of the account or version"
			    " is at risk: specific to this cluster");
			r->confidence += 0.03;
		}
		return;
	}
	srw_buf_init(&names);
	json_array_foreach(json_object_get(f->similar, "rows"), i, row) {
		const char *lvl = srw_json_str(row, "risk_level"), *k;
		json_t *v;
		bool shares = false;

		if (n >= NSIB || !json_is_true(json_object_get(row, "same_account")) || !lvl ||
		    (strcmp(lvl, "Critical") != 0 && strcmp(lvl, "Warning") != 0))
			continue;
		f->sib[n] = rules_call(inv, f, f->id_sib[n], "query_cluster_alerts", json_pack("{s:s,s:i}",
		    "cluster_id", srw_json_str(row, "cluster_id"), "hours", 24));
		json_object_foreach(json_object_get(f->sib[n], "firing"), k, v)
			if (hyp_fired(f, k) > 0 && hyp_still_firing(f->sib[n], k))
				shares = true;
		if (shares || !mine) {
			same++;
			srw_buf_printf(&names, "%s%s", names.len ? ", " : "", srw_json_str(row, "cluster_id"));
		}
		n++;
	}
	if (same > 0) {
		snprintf(r->scope, sizeof r->scope, "account");
		report_evidence(r, inv, n ? f->id_sib[0] : f->id_similar, "%d other cluster%s of account"
		    " %s at risk with the same %s (%s): account-wide", same, same == 1 ? "" : "s",
		    srw_json_str(f->similar, "account_name"), mine ? "alerts" : "risk", names.s);
		report_recommend(r, "Check the account's shared causes (workload change, common"
		    " upstream, the same release) across its clusters");
	} else {
		report_evidence(r, inv, f->id_similar, "%ld other cluster%s of account %s at risk, but"
		    " not with this cluster's alerts: specific to this cluster", acct,
		    acct == 1 ? "" : "s", srw_json_str(f->similar, "account_name"));
	}
	srw_buf_free(&names);
}

void
investigate_rules(struct inv *inv, struct report *r)
{
	struct facts f = { 0 };
	struct hyp hs[NHYP];
	const char *cid = inv->cluster_id, *kbq = NULL;
	size_t i, best, nh = NHYP;
	json_t *x;

	/* steps 1-6: the fixed queries */
	f.info = rules_call(inv, &f, f.id_info, "query_cluster_info", json_pack("{s:s}", "cluster_id", cid));
	f.alerts = rules_call(inv, &f, f.id_alerts, "query_cluster_alerts",
	    json_pack("{s:s,s:i}", "cluster_id", cid, "hours", 24));
	f.metrics = rules_call(inv, &f, f.id_metrics, "query_cluster_metrics",
	    json_pack("{s:s,s:i}", "cluster_id", cid, "hours", 24));
	f.ops = rules_call(inv, &f, f.id_ops, "query_cluster_operations",
	    json_pack("{s:s,s:i}", "cluster_id", cid, "hours", 72));
	f.similar = rules_call(inv, &f, f.id_similar, "query_similar_clusters",
	    json_pack("{s:s}", "cluster_id", cid));
	f.memory = rules_call(inv, &f, f.id_memory, "query_agent_memory",
	    json_pack("{s:s,s:i}", "cluster_id", cid, "limit", 5));

	/* step 7: the hypotheses */
	best = hyp_all(inv, &f, hs);

	snprintf(r->model, sizeof r->model, "rules");
	if (best == SIZE_MAX) {
		kbq = conclude_none(inv, &f, r, hs, nh);
	} else {
		struct hyp *h = &hs[best];

		/* a discounted alert alone is not a diagnosis */
		snprintf(r->category, sizeof r->category, "%s", h->score < 0.35 ? "unknown" : h->cat);
		snprintf(r->severity, sizeof r->severity, "%s", h->sev);
		r->confidence = h->score;
		r->root_cause = srw_xstrdup(h->cause);
		report_evidence(r, inv, call_of(&f, h), "%s", h->evidence);
		if (h->alert && h->call && !*h->call && hyp_still_firing(f.alerts, h->alert)) {
			/* the metric showed it; the alert agrees */
			char a[400];

			hyp_alert_evidence(a, sizeof a, &f, h->alert);
			report_evidence(r, inv, f.id_alerts, "%s", a);
		}
		if (h->call == f.id_ops) {
			/* the symptom behind the regression */
			const char *c = strstr(h->cause, "): ");

			report_evidence(r, inv, h->alert ? f.id_alerts : f.id_onset[0] ? f.id_onset :
			    f.id_metrics, "%s", c ? c + 3 : h->cause);
		}
		add_recs(r, h);
		for (i = 0; i < nh; i++)
			if (i != best && hs[i].cat && hs[i].active && hs[i].score >= 0.45)
				report_evidence(r, inv, call_of(&f, &hs[i]), "also: %s", hs[i].cause);
		for (i = 0; i < nh; i++)
			if (i != best && hs[i].cat && hs[i].active && hs[i].score < 0.45)
				report_evidence(r, inv, call_of(&f, &hs[i]), "discounted: %s", hs[i].cause);
		kbq = h->kb_query;
	}

	/* step 8: the Knowledge Lake on what was found, for this version */
	if (kbq)
		knowledge(inv, &f, r, kbq, best == SIZE_MAX ? NULL : &hs[best]);
	scope(inv, &f, r);
	/* seen before? */
	x = json_array_get(json_object_get(f.memory, "rows"), 0);
	if (x && srw_json_str(x, "root_cause")) {
		report_evidence(r, inv, f.id_memory, "previous finding (%s): %.200s",
		    srw_json_str(x, "created_at"), srw_json_str(x, "root_cause"));
		if (best != SIZE_MAX && strncmp(srw_json_str(x, "root_cause"), hs[best].cause, 12) == 0)
			report_recommend(r, "This root cause was found before on this cluster: fix it"
			    " for good rather than again");
	}
	if (strcmp(r->category, "unknown") == 0 && r->confidence > 0.35)
		r->confidence = 0.35;
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
	json_decref(f.onset);
	for (i = 0; i < NSIB; i++)
		json_decref(f.sib[i]);
}
