/* alert-sections - keep alerts.alert_sections, one row per alert section of
 * alerts.lark_alerts keyed by (cluster_id, created_at), up to date: reads the
 * lark_alerts rows of a created_at window, splits the '|'-joined cards into
 * sections (lib/sections.c) and upserts them.  A cluster's alerts are then an
 * index range on both dialects instead of a LIKE scan of every card.
 *
 * Run after each writer of lark_alerts: daily-alert-pipeline for the day it
 * loaded, and from cron for webhookd's rows.  Idempotent: a section's key is
 * derived from its message_id and position. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"

#define PAGE 5000	/* lark_alerts rows per query (results are buffered) */

static bool dry_run, all;
static const char *since_arg, *from_arg, *to_arg;
static int64_t now_ms;
static long nrows, nsecs, nskipped;

enum { OPT_SINCE = SRW_OPT_LONG, OPT_FROM, OPT_TO, OPT_ALL, OPT_NOW, OPT_PROGRESS };

static const char synopsis[] =
    "alert-sections [--since DUR | --from TIME [--to TIME] | --all]\n"
    "                      [--now TIME] [--dry-run] [--progress] [-v]";

static const srw_opt opts[] = {
	{ "since", OPT_SINCE, "DUR", "cards created in the last DUR (default 2h)" },
	{ "from", OPT_FROM, "TIME", "cards created at or after TIME (UTC)" },
	{ "to", OPT_TO, "TIME", "with --from: and before TIME" },
	{ "all", OPT_ALL, NULL, "every card of alerts.lark_alerts (a backfill)" },
	{ "now", OPT_NOW, "TIME", "the time --since counts back from" },
	{ "dry-run", 'n', NULL, "print the INSERT statements instead of running them" },
	{ "progress", OPT_PROGRESS, NULL, "cards and sections done, on stderr" },
	{ "verbose", 'v', NULL, "more diagnostics" },
	{ NULL, 0, NULL, NULL },
};

/* One section as a row of alerts.alert_sections. */
static int
add_section(srw_ins *ins, const srw_section *s)
{
	char key[160], hex[65], reason[256];
	json_t *row;
	int rc;

	if (!*s->cluster_id || strlen(s->cluster_id) > 64 || !*s->created_at) {
		/* not addressable by cluster: nothing to look up it by */
		nskipped++;
		srw_debug("%s section %d: no usable cluster_id or created_at", s->message_id, s->index);
		return 0;
	}
	snprintf(key, sizeof key, "%s#%d", s->message_id, s->index);
	srw_sha256_hex(key, strlen(key), hex);
	hex[32] = '\0';
	row = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s%,s:s%,s:s%,s:s,s:s%,s:s,s:s}",
	    "cluster_id", s->cluster_id, "created_at", s->created_at, "section_id", hex,
	    "message_id", s->message_id, "section", s->index,
	    "cluster_name", s->cluster_name, strnlen(s->cluster_name, 255),
	    "region", s->region, strnlen(s->region, 64),
	    "account_name", s->account_name, strnlen(s->account_name, 255),
	    "alert_status", s->alert_status,
	    "alert_name", s->alert_name, strnlen(s->alert_name, 255),
	    "alert_detail", s->alert_detail, "source", s->source);
	if (!row) {
		nskipped++;
		srw_warn("%s section %d: not UTF-8, skipped", s->message_id, s->index);
		return 0;
	}
	rc = srw_ins_add_json(ins, row, reason, sizeof reason);
	json_decref(row);
	if (rc == -1) {
		nskipped++;
		srw_warn("%s section %d: %s", s->message_id, s->index, reason);
		return 0;
	}
	if (rc != 0 || (srw_ins_full(ins) && srw_ins_flush(ins) != 0))
		return -1;
	nsecs++;
	return 0;
}

/* Pages through the window in (created_at, message_id) order. */
static int
sync_window(srw_db *db, srw_ins *ins, const char *from, const char *to)
{
	char last_at[20] = "", *last_id = NULL;
	srw_buf q;
	int status = SRW_EX_OK;

	srw_buf_init(&q);
	for (;;) {
		srw_res *r;
		char **row;
		long got = 0;

		srw_buf_reset(&q);
		srw_buf_adds(&q, "SELECT " SRW_ALERT_COLS " FROM alerts.lark_alerts WHERE 1 = 1");
		if (from)
			srw_buf_printf(&q, " AND created_at >= '%s'", from);
		if (to)
			srw_buf_printf(&q, " AND created_at < '%s'", to);
		if (last_id) {
			/* the leading range keeps it on idx_created, whose entries
			 * end in the primary key: pages in index order, no sort */
			srw_buf_printf(&q, " AND created_at >= '%s' AND (created_at > '%s' OR message_id > ",
			    last_at, last_at);
			srw_db_quote(db, &q, last_id, strlen(last_id));
			srw_buf_adds(&q, ")");
		}
		srw_buf_printf(&q, " ORDER BY created_at, message_id LIMIT %d", PAGE);
		if (!(r = srw_db_query_retry(db, q.s, 3))) {
			srw_warn("reading alerts.lark_alerts: %s", srw_db_error(db));
			status = SRW_EX_UNAVAILABLE;
			break;
		}
		while ((row = srw_res_next(r, NULL))) {
			srw_section *s;
			int n = srw_sections_split_cols(row, &s), i;

			got++;
			nrows++;
			for (i = 0; i < n && status == SRW_EX_OK; i++)
				if (add_section(ins, &s[i]) != 0)
					status = SRW_EX_UNAVAILABLE;
			srw_sections_free(s, n);
			free(last_id);
			last_id = srw_xstrdup(row[0]);
			snprintf(last_at, sizeof last_at, "%s", row[1] ? row[1] : "");
		}
		srw_res_free(r);
		srw_progress("%ld rows, %ld sections", nrows, nsecs);
		if (status != SRW_EX_OK || got < PAGE)
			break;
	}
	free(last_id);
	srw_buf_free(&q);
	return status;
}

static void
time_arg(const char *opt, const char *s, char out[20])
{
	int64_t ms;

	if (srw_time_parse(s, &ms) != 0)
		srw_opt_error("%s: not a time: %s", opt, s);
	srw_time_fmt_sql(ms, out);
}

int
main(int argc, char *argv[])
{
	char err[512], from[20], to[20];
	srw_ins_opts o = { .mode = SRW_INS_UPSERT };
	srw_table *t;
	srw_ins *ins;
	srw_db *db;
	int ch, status;
	int64_t since_ms = 2 * 3600000LL;

	srw_init("alert-sections", argc, argv);
	now_ms = srw_now_ms();
	srw_opt_begin(synopsis, opts);
	while ((ch = srw_opt_next(argc, argv)) != -1) {
		switch (ch) {
		case OPT_SINCE:
			since_arg = optarg;
			since_ms = srw_opt_duration(optarg, 1, INT64_MAX, "--since");
			break;
		case OPT_FROM: from_arg = optarg; break;
		case OPT_TO: to_arg = optarg; break;
		case OPT_ALL: all = true; break;
		case OPT_NOW:
			if (srw_time_parse(optarg, &now_ms) != 0)
				srw_opt_error("--now: not a time: %s", optarg);
			break;
		case 'n': dry_run = true; break;
		case OPT_PROGRESS: srw_progress_force(true); break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	if (optind != argc)
		srw_opt_error("no operands: the cards are read from alerts.lark_alerts");
	if ((all + !!since_arg + !!from_arg) > 1)
		srw_opt_error("one of --since, --from and --all");
	if (to_arg && !from_arg)
		srw_opt_error("--to needs --from");
	if (from_arg) {
		time_arg("--from", from_arg, from);
		if (to_arg)
			time_arg("--to", to_arg, to);
	} else if (!all) {
		srw_time_fmt_sql(now_ms - since_ms, from);
	}
	if (!(db = srw_db_open(3, err, sizeof err)))
		srw_die(SRW_EX_UNAVAILABLE, "%s", err);
	if (!(t = srw_table_load(db, "alerts.alert_sections", err, sizeof err)))
		srw_die(SRW_EX_UNAVAILABLE, "%s (load sql/*/alerts.alert_sections.sql)", err);
	o.dry_run = dry_run;
	o.dry_fp = stdout;
	ins = srw_ins_new(db, t, &o);
	status = sync_window(db, ins, all ? NULL : from, to_arg ? to : NULL);
	if (srw_ins_drain(ins) != 0) {
		srw_warn("writing alerts.alert_sections: %s", srw_db_error(db));
		status = SRW_EX_UNAVAILABLE;
	}
	srw_progress_end();
	srw_info("%ld alert rows, %ld sections written, %ld without a usable cluster_id",
	    nrows, nsecs, nskipped);
	srw_ins_free(ins);
	srw_table_free(t);
	srw_db_close(db);
	return srw_finish(status);
}
