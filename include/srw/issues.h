/* srw/issues.h: the declarations of lib/issues.c (see srw.h) */
#ifndef SRW_ISSUES_H
#define SRW_ISSUES_H

#include "srw/base.h"
#include "srw/alerts.h"
#include "srw/buf.h"
#include "srw/alerttypes.h"
#include "srw/issue.h"

/* lib/issues.c: alert sections grouped into issues (group-issues(1)).
 * Times are epoch ms; an issue is an ops.issues row. */
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

#endif
