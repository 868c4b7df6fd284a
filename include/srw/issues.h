/* srw/issues.h: the declarations of lib/issues.c (see srw.h) */
#ifndef SRW_ISSUES_H
#define SRW_ISSUES_H

#include "srw/base.h"
#include "srw/sections.h"
#include "srw/buf.h"
#include "srw/alerttypes.h"

/* lib/issues.c: alert sections grouped into issues (group-issues(1)).
 * Times are epoch ms; an issue is an ops.issues row. */
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

typedef struct srw_issues srw_issues;
typedef struct srw_issues_opts {
	int64_t window_ms, correlation_ms, quiet_ms;	/* 30m, 4h, 4h if 0 */
	/* every issue leaving memory (evicted, or at finish), then freed */
	void (*emit)(const srw_issue *is, void *ctx);
	/* asked once per cluster and range: add (srw_issues_add) the stored
	 * issues of cluster whose end (resolved_at, else last_seen) is in
	 * [from, to) (to INT64_MAX: no upper bound) */
	void (*load)(srw_issues *g, const char *cluster_id, int64_t from, int64_t to,
	    void *ctx);
	void *ctx;
} srw_issues_opts;

srw_issues *srw_issues_new(const srw_issues_opts *o);
void srw_issues_free(srw_issues *g);
/* --classes FILE: "PATTERN anomaly|failure [Critical|Warning|Info]" lines,
 * fnmatch(3) globs, first match wins, before the built-in table. */
int srw_issues_classes(srw_issues *g, const char *path, char *err, size_t errsz);
enum srw_alert_class srw_issues_class(srw_issues *g, const char *alert,
    enum srw_severity *sev, bool *known);
/* Adds a stored issue (copied); 1 if its id is already known. */
int srw_issues_add(srw_issues *g, const srw_issue *is);
/* Groups one section: 0 grouped, 1 skipped (already attached, or a
 * Resolved more than the horizon late), -1 not an alert that can be grouped
 * (reason set). */
int srw_issues_feed(srw_issues *g, const srw_section *s, char *reason, size_t rsz);
/* End of input: failures quiet since before now - quiet resolve; every
 * issue still held is emitted (in first_seen, id order) and freed. */
void srw_issues_finish(srw_issues *g, int64_t now_ms);
int64_t srw_issues_watermark(const srw_issues *g);	/* latest alert time */
size_t srw_issues_peak(const srw_issues *g);	/* most issues held at once */

void srw_issue_init(srw_issue *is);
void srw_issue_clear(srw_issue *is);
/* Sets one field from its ops.issues column text; -1 on a bad value. */
int srw_issue_set(srw_issue *is, const char *col, const char *val);
/* Appends the row as one NDJSON line (the ops.issues columns). */
void srw_issue_jw(srw_buf *b, const srw_issue *is);
/* Triage: New, Acknowledged, Investigating, Mitigating, Closed (forward only). */
int srw_triage_rank(const char *status);	/* 0..4, -1 unknown */
const char *srw_triage_name(int rank);

#endif
