/* srw/issue.h: the declarations of lib/issue.c (see srw.h) */
#ifndef SRW_ISSUE_H
#define SRW_ISSUE_H

#include "srw/base.h"
#include "srw/buf.h"
#include "srw/alerttypes.h"

/* lib/issue.c: an issue, one ops.issues row (group-issues(1)); times are
 * epoch ms. */
enum srw_issue_kind { SRW_ISSUE_ANOMALY, SRW_ISSUE_FAILURE };

typedef struct srw_issue {
	char id[32];		/* "iss_" + 20 hex of sha256(cluster|KIND|first ref) */
	char group[32];		/* correlation group "cg_" + 16 hex */
	char *cluster_id, *cluster_name;
	enum srw_issue_kind kind;
	srw_buf names;		/* alert_names, comma-joined, opening alert first */
	srw_buf refs;		/* message_ids: "msgid" or "msgid#N" (section N>0) */
	int64_t first_seen, last_seen, resolved_at;	/* resolved_at -1: Ongoing */
	long alert_count;	/* Firing sections */
	enum srw_severity severity;
	bool escalated, dirty;	/* dirty: changed in this run */
	bool stored;		/* read back (srw_issues_add), not opened in this run */
	char *resolve_reason, *triage_status, *disposition_status, *jira_key;
	void *priv;		/* the engine's */
} srw_issue;

void srw_issue_init(srw_issue *is);
void srw_issue_clear(srw_issue *is);
/* Sets one field from its ops.issues column text; -1 on a bad value. */
int srw_issue_set(srw_issue *is, const char *col, const char *val);
/* Appends the row as one NDJSON line (the ops.issues columns). */
void srw_issue_jw(srw_buf *b, const srw_issue *is);
/* Triage: New, Acknowledged, Investigating, Mitigating, Closed (forward only). */
int srw_triage_rank(const char *status);	/* 0..4, -1 unknown */
const char *srw_triage_name(int rank);

/* Critical, Warning or Info, any case; -1 otherwise. */
int srw_issue_severity_parse(const char *s, enum srw_severity *sev);
/* Replaces *dst (freed) with a copy of v (NULL: none). */
void srw_issue_setstr(char **dst, const char *v);

#endif
