/* srw/alertmanager.h: the declarations of lib/alertmanager.c (see srw.h) */
#ifndef SRW_ALERTMANAGER_H
#define SRW_ALERTMANAGER_H

#include "srw/base.h"
#include "srw/buf.h"

/* ---- lib/alertmanager.c: Alertmanager webhook body -> alert rows ------ */
typedef struct srw_am_result {
	size_t alerts;		/* rows appended */
	size_t incomplete;	/* alerts without alertname or cluster_id */
	size_t links_dropped;	/* URLs that were not http or https */
} srw_am_result;
/* Appends one alert row (DESIGN.md) per alert of an Alertmanager/Grafana
 * webhook body to out as NDJSON lines, every line with the same keys in
 * lark_alerts column order.  Extra fields are ignored; an alert without
 * alertname or cluster_id gets "" there and is counted in incomplete.
 * created_at falls back to now_ms when the alert's time is missing or bad.
 * A key given twice counts with its last value (as Alertmanager's Go
 * decoder reads it); links other than http(s) URLs are left out and
 * counted in links_dropped.
 * Returns 0, or -1 with the reason in err (not JSON, no "alerts" array, an
 * alert that is not an object); out is then unchanged up to its old len. */
int srw_am_rows(const char *body, size_t len, int64_t now_ms, srw_buf *out,
    srw_am_result *res, char *err, size_t errsz);
/* "wh_" + hex SHA-256 of the four strings as received (NULL counts as "");
 * out at least 68 bytes. */
char *srw_am_message_id(const char *alertname, const char *cluster_id,
    const char *status, const char *starts_at, char *out);

#endif
