/* srw/sections.h: the declarations of lib/sections.c (see srw.h) */
#ifndef SRW_SECTIONS_H
#define SRW_SECTIONS_H

#include "srw/base.h"
#include "srw/val.h"

/* ---- lib/sections.c: pipe-joined alert rows split into sections ------- */
/*
 * A Lark card row joins the fields of its sections with '|' in section
 * order; tools that count alerts split them back.  A field with fewer parts
 * than the row has sections repeats its last part (a single region shared by
 * all sections, say).
 */
typedef struct srw_section {
	const char *message_id;	/* the row's message_id */
	int index;		/* 0-based section number in the row */
	char *cluster_name, *region, *account_name, *cluster_id;
	char *alert_status, *alert_name, *alert_detail;
	char *dashboard_url, *silence_url, *source;
	int64_t created_ms;	/* created_at as epoch ms (-1 if missing/bad) */
	char created_at[20];
} srw_section;

/* Splits an alert row (srw_val object) into sections; returns the count
 * (0 if the row has no alert_name), fills *out (free with srw_sections_free). */
int srw_sections_split(const srw_val *row, srw_section **out);
/* Same for a row from the database: values in lark_alerts column order
 * message_id, created_at, cluster_name, region, account_name, cluster_id,
 * alert_status, alert_name, alert_detail, dashboard_url, silence_url, source. */
int srw_sections_split_cols(char **cols, srw_section **out);
void srw_sections_free(srw_section *s, int n);
/* The SELECT column list matching srw_sections_split_cols. */
#define SRW_ALERT_COLS "message_id, DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s'), cluster_name, region, account_name, cluster_id, alert_status, alert_name, alert_detail, dashboard_url, silence_url, source"

#endif
