/* srw/alerts.h: the declarations of lib/alerts.c (see srw.h) */
#ifndef SRW_ALERTS_H
#define SRW_ALERTS_H

#include "srw/base.h"
#include "srw/val.h"
#include "srw/ndjson.h"
#include "srw/sql.h"

/* ---- lib/alerts.c: the alert row, and the one reader of alerts -------- */
/*
 * An alert row (alerts.lark_alerts, srwatch-ndjson(7)) joins the fields of
 * its sections with '|' in section order.  The row has as many sections as
 * its identifying field with the most parts (cluster_name, region,
 * account_name, cluster_id, alert_name); a field with fewer parts repeats
 * its last part, so cluster_id "c-40|c-41" with alert_name
 * "TxnPublishTimeout" is two sections on two clusters.  A field with more
 * parts than that (a detail or URL with a '|' of its own) keeps the rest
 * whole in its last section.
 */
typedef struct srw_section {
	const char *message_id;	/* the row's message_id */
	int index;		/* 0-based section number in the row */
	int nsections;		/* sections in the row */
	char *cluster_name, *region, *account_name, *cluster_id;
	char *alert_status, *alert_name, *alert_detail;
	char *dashboard_url, *silence_url, *source;
	int64_t created_ms;	/* created_at as epoch ms (-1 if missing/bad) */
	char created_at[20];
} srw_section;

/* The fields of a row in lark_alerts column order after message_id and
 * created_at. */
enum { SRW_ALERT_NF = 10 };
extern const char *const srw_alert_fields[SRW_ALERT_NF];
/* The SELECT column list of a row: message_id, created_at, the fields. */
#define SRW_ALERT_COLS "message_id, DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s'), cluster_name, region, account_name, cluster_id, alert_status, alert_name, alert_detail, dashboard_url, silence_url, source"

/*
 * The splitter, zero-copy: a section's fields point into the row's own
 * strings, except a field that has to be cut, which is copied once into a
 * buffer the splitter keeps and cut there; nothing is allocated per row once
 * that buffer has grown (a tool keeps one srw_alert_row, zeroed, for its
 * whole run).  The sections are read-only and valid until the next split
 * (and while the row's strings are).
 * Returns the number of sections, 0 for a row without an alert_name.
 */
typedef struct srw_alert_row {
	srw_section *s;
	int cap;
	char *buf;
	size_t bufcap;
} srw_alert_row;
int srw_alert_split(srw_alert_row *r, const char *message_id, const char *created_at,
    const char *const fields[SRW_ALERT_NF], const srw_section **out);
int srw_alert_split_val(srw_alert_row *r, const srw_val *row, const srw_section **out);
void srw_alert_row_free(srw_alert_row *r);

/*
 * One loop over alerts, wherever they come from (mblaze's blaze822_loop):
 * the callback gets each row's sections that pass the filter (n > 0), the
 * input line for NDJSON (NULL from the database), and returns
 * SRW_NDJSON_OK, _REJECT (the NDJSON line is reported as bad: set the
 * reason with srw_ndjson_reject first) or _STOP.
 */
typedef int (*srw_alert_fn)(const srw_section *s, int n, const srw_line *ln, void *ctx);
typedef struct srw_alert_filter {
	const char *status;	/* only sections with this status (any case); NULL: all */
	const char *cluster_id;	/* only sections of this cluster; NULL: all */
	bool newest_first;	/* the database in descending time (default ascending) */
	long limit;		/* at most this many rows from the database; 0: all */
} srw_alert_filter;
/*
 * Rows of alerts.lark_alerts with from_ms <= created_at < to_ms (-1: no
 * bound), in time order, a page of 5,000 rows at a time (keyset paging: the
 * client buffers a whole result, so memory stays bounded on any window).
 * Returns 0, or -1 with srw_db_error(db) set.
 */
int srw_alerts_each(srw_db *db, int64_t from_ms, int64_t to_ms, const srw_alert_filter *f,
    srw_alert_fn fn, void *ctx);
/* Rows from NDJSON files (none or "-": stdin), through srw_ndjson_files;
 * a line that is not an alert row (no alert_name) is rejected. */
int srw_alerts_ndjson(int argc, char *argv[], const srw_alert_filter *f, srw_alert_fn fn,
    void *ctx);

/* Allocating forms, for code that keeps the sections: an array of n
 * sections each with its own copy (free with srw_sections_free). */
int srw_sections_split(const srw_val *row, srw_section **out);
/* cols: a database row in SRW_ALERT_COLS order. */
int srw_sections_split_cols(char **cols, srw_section **out);
void srw_sections_free(srw_section *s, int n);

#endif
