/* srw/rules.h: the declarations of lib/rules.c (see srw.h) */
#ifndef SRW_RULES_H
#define SRW_RULES_H

#include "srw/base.h"
#include "srw/buf.h"
#include "srw/promql.h"

/* ---- lib/rules.c: Prometheus rule files (and numbat kinds) over libyaml */
/* numbat's kinds: heartbeat (per host/service presence made by the first
 * heartbeat event, ended by a graceful shutdown), presence_required (alert
 * when a metric goes quiet for timeout), absence_required (alert when it
 * shows up), outlier (compiled to PromQL: z-score or MAD over window),
 * match (match-and-act: an alert for timeout after each event whose fields
 * and tags match). */
enum srw_rule_kind { SRW_RULE_ALERT, SRW_RULE_RECORD, SRW_RULE_HEARTBEAT,
	SRW_RULE_ABSENCE, SRW_RULE_PRESENCE, SRW_RULE_OUTLIER, SRW_RULE_MATCH };
typedef struct srw_rule {
	enum srw_rule_kind kind;
	char *name;		/* alert name or recorded metric */
	char *expr;
	int64_t for_ms, keep_firing_for_ms;
	char **label_kv, **annot_kv;	/* NULL-terminated name, value pairs */
	size_t nlabels, nannots;
	char *file;
	int line;
	/* numbat kinds */
	char *service;		/* heartbeat/absence/presence/outlier: metric name */
	int64_t timeout_ms;	/* heartbeat/absence/presence window */
	int64_t window_ms;	/* outlier history */
	char *method;		/* outlier: "zscore" or "mad" */
	double threshold;
	/* match: event fields (or point labels) against anchored regular
	 * expressions, and tags that must all be present */
	char **where_kv;	/* field, regex, ... NULL-terminated */
	size_t nwhere;
	void *where_re;		/* regex_t[nwhere] */
	char **tags;		/* NULL-terminated */
	int node;		/* compiled expression (srw_pq id), -1 none */
	void *user;		/* the tool's per-rule state */
} srw_rule;
typedef struct srw_rule_group {
	char *name;
	int64_t interval_ms;
	srw_rule *rules;
	size_t nrules;
} srw_rule_group;
typedef struct srw_ruleset {
	srw_rule_group *groups;
	size_t ngroups;
} srw_ruleset;
/* Loads one rule file (groups appended to rs).  Returns 0, or -1 with
 * "FILE:LINE: reason" in err.  dflt_interval_ms for groups without one. */
int srw_rules_load_file(srw_ruleset *rs, const char *path, int64_t dflt_interval_ms,
    char *err, size_t errsz);
/* Same for YAML text in memory (name used in messages). */
int srw_rules_load_mem(srw_ruleset *rs, const char *name, const char *text, size_t len,
    int64_t dflt_interval_ms, char *err, size_t errsz);
/* Compiles every expression into pq; -1 with "FILE:LINE: rule R: reason". */
int srw_rules_compile(srw_ruleset *rs, srw_pq *pq, char *err, size_t errsz);
void srw_ruleset_free(srw_ruleset *rs);
srw_rule_group *srw_ruleset_add_group(srw_ruleset *rs, const char *name, int64_t interval_ms);
srw_rule *srw_group_add_rule(srw_rule_group *g);
/* Expands {{ $labels.x }}, {{ $value }}, {{ .Labels.x }}, {{ .Value }},
 * {{ $value | humanize }}, {{ printf "%.2f" $value }} into b; -1 with the
 * reason on an unsupported template. */
int srw_template(srw_buf *b, const char *tmpl, const srw_lset *ls, double value,
    char *err, size_t errsz);

#endif
