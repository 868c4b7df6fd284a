/* rules.h - the rule-based investigator's private parts, shared by
 * hyp.c (the hypotheses) and rules.c (the fixed calls and the report). */
#ifndef RULES_H
#define RULES_H

#include "inv.h"

#define HOUR_MS 3600000LL
#define NSIB 3		/* same-account siblings whose alerts are compared */
#define NHYP 10		/* BE down, disk, 7 dimensions, another alert */

struct hyp {
	const char *cat;
	double score;
	const char *sev;
	bool active;		/* holds now; else only earlier in the window */
	char cause[1024];
	const char *call;	/* the tool call id that showed it ("" metrics, NULL alerts) */
	char evidence[400];
	const char *recs[4];
	const char *kb_query;
	const char *alert;	/* the alert behind it, if any */
	int64_t onset;		/* first abnormal moment (ms), 0 unknown */
	const char *metric;	/* the dimension behind it, for the onset */
	double limit;
	bool below;		/* abnormal under the limit (alive ratio) */
};

struct facts {
	json_t *info, *alerts, *metrics, *ops, *similar, *memory, *kb, *onset;
	json_t *sib[NSIB];
	char id_info[12], id_alerts[12], id_metrics[12], id_ops[12], id_similar[12],
	    id_memory[12], id_kb[12], id_onset[12], id_sib[NSIB][12];
	int ncalls;
	bool stale;		/* metrics missing, or none in the last 3 hours */
	char newest[20];	/* the newest hour with metrics */
};

/* rules.c */
json_t *rules_call(struct inv *inv, struct facts *f, char *id, const char *name, json_t *args);

/* hyp.c */
size_t hyp_all(struct inv *inv, struct facts *f, struct hyp *hs);
bool hyp_better(const struct hyp *a, const struct hyp *b);
bool hyp_still_firing(const json_t *alerts, const char *name);
long hyp_fired(const struct facts *f, const char *name);
void hyp_alert_evidence(char *buf, size_t n, const struct facts *f, const char *alert);

#endif
