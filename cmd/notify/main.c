/* notify - what the suite produces (alert events, issues, investigation and
 * recommendation reports) to people: PagerDuty Events API v2, Slack incoming
 * webhooks, Lark custom bots (signed) and generic webhooks, with routing by
 * matchers, per-destination rate limits, retries and dedup.  What cannot be
 * delivered waits in an outbox; every attempt goes to a notification log. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notify.h"

static nf N = { .retries = 3 };

enum { OPT_PAGERDUTY = SRW_OPT_LONG, OPT_SLACK, OPT_LARK, OPT_WEBHOOK, OPT_RATE,
	OPT_DEDUP, OPT_RETRIES, OPT_STRICT, OPT_REJECT, OPT_OUTBOX, OPT_DB, OPT_FLUSH };

static const char synopsis[] =
    "notify [--pagerduty] [--slack] [--lark] [--webhook URL]\n"
    "              [--route MATCHERS:DEST[,DEST]]... [--rate DEST=N/DUR]...\n"
    "              [--dedup DUR] [--retries N] [--outbox DIR] [--db] [--flush]\n"
    "              [--dry-run] [--strict] [--reject FILE] [-v] [FILE ...]\n"
    "       notify log [--since TIME] [--fingerprint FP] (--db | --outbox DIR)";
static const srw_opt opts[] = {
	{ "pagerduty", OPT_PAGERDUTY, NULL, "send to PagerDuty (a route naming it does too)" },
	{ "slack", OPT_SLACK, NULL, "send to Slack" },
	{ "lark", OPT_LARK, NULL, "send to Lark" },
	{ "webhook", OPT_WEBHOOK, "URL", "send to a generic webhook at URL" },
	{ "route", 'r', "MATCHERS:DEST[,DEST]", "send matching records to DEST (repeatable)" },
	{ "rate", OPT_RATE, "DEST=N/DUR", "at most N messages per DUR to DEST" },
	{ "dedup", OPT_DEDUP, "DUR", "drop repeats within DUR (default off)" },
	{ "retries", OPT_RETRIES, "N", "retries per delivery, 0 to 20 (default 3)" },
	{ "outbox", OPT_OUTBOX, "DIR", "keep undeliverable events in DIR, send them first next time" },
	{ "db", OPT_DB, NULL, "log attempts to ops.notifications, claim events there" },
	{ "flush", OPT_FLUSH, NULL, "send the outbox and exit (reads no input)" },
	{ "dry-run", 'n', NULL, "print what would be sent, send nothing" },
	{ "strict", OPT_STRICT, NULL, "stop at the first bad line (exit 65)" },
	{ "reject", OPT_REJECT, "FILE", "keep bad lines in FILE" },
	{ "verbose", 'v', NULL, "per destination counts on stderr (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

static void
add_rate(const char *arg)
{
	const char *eq = strchr(arg, '=');
	int d;
	char *end;
	dest *ds;

	if (!eq || (d = nf_dest_idx(arg, eq - arg)) < 0)
		srw_die(SRW_EX_USAGE, "--rate %s: expected DEST=N/DURATION", arg);
	ds = &N.D[d];
	ds->rate_n = strtod(eq + 1, &end);
	if (*end != '/' || ds->rate_n <= 0 || (ds->rate_ms = srw_parse_duration_ms(end + 1)) <= 0)
		srw_die(SRW_EX_USAGE, "--rate %s: expected DEST=N/DURATION", arg);
	ds->tokens = ds->rate_n;
}

static int
on_rec(srw_val *v, const srw_line *ln, void *ctx)
{
	json_t *rec = srw_val_to_json(v), *alerts = json_object_get(rec, "alerts"), *a;
	size_t i;

	(void)ctx;
	if (json_is_array(alerts)) {
		/* an Alertmanager webhook payload: each alert on its own */
		json_array_foreach(alerts, i, a)
			if (json_is_object(a))
				nf_dispatch(&N, a);
	} else if (json_object_size(rec) == 0) {
		json_decref(rec);
		srw_ndjson_reject(ln, "empty object");
		return SRW_NDJSON_REJECT;
	} else {
		nf_dispatch(&N, rec);
	}
	json_decref(rec);
	return SRW_NDJSON_OK;
}

/* The log's triggered_by: who ran notify, on what. */
static void
triggers(int nfiles, char **files)
{
	const char *who = getenv("NOTIFY_TRIGGER"), *user = getenv("USER");
	char host[64] = "localhost";

	gethostname(host, sizeof host - 1);
	if (!who || !*who) {
		snprintf(N.run_trigger, sizeof N.run_trigger, "%s@%s: %s%s", user ? user : "-", host,
		    nfiles ? "file " : "stdin", nfiles ? files[0] : "");
	} else {
		snprintf(N.run_trigger, sizeof N.run_trigger, "%s", who);
	}
	snprintf(N.flush_trigger, sizeof N.flush_trigger, "%.200s (outbox)", N.run_trigger);
	N.trigger = N.run_trigger;
}

int
main(int argc, char *argv[])
{
	static const destops *const ops[ND] = { &pagerduty_ops, &slack_ops, &lark_ops, &webhook_ops };
	const char *webhook = NULL;
	srw_ndjson_opts no = { 0 };
	int c, d, status = SRW_EX_OK;
	char **rargs = NULL;
	size_t nr = 0, i, waiting;
	bool use_db = false, flush_only = false;

	srw_init("notify", argc, argv);
	if (argc > 1 && strcmp(argv[1], "log") == 0)
		return srw_finish(nf_log_cmd(argc - 1, argv + 1));	/* its own options */
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case OPT_PAGERDUTY: N.D[0].on = true; break;
		case OPT_SLACK: N.D[1].on = true; break;
		case OPT_LARK: N.D[2].on = true; break;
		case OPT_WEBHOOK: N.D[3].on = true; webhook = optarg; break;
		case 'r':
			rargs = srw_xrealloc(rargs, (nr + 1) * sizeof *rargs);
			rargs[nr++] = optarg;
			break;
		case OPT_RATE: add_rate(optarg); break;
		case OPT_DEDUP: N.dedup_ms = srw_opt_duration(optarg, 0, INT64_MAX, "--dedup"); break;
		case OPT_RETRIES: N.retries = (int)srw_opt_num(optarg, 0, 20, "--retries"); break;
		case OPT_OUTBOX: N.outbox = optarg; break;
		case OPT_DB: use_db = true; break;
		case OPT_FLUSH: flush_only = true; break;
		case 'n': N.dry_run = true; break;
		case OPT_STRICT: no.strict = true; break;
		case OPT_REJECT: no.reject_path = optarg; break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	for (i = 0; i < nr; i++)
		nf_add_route(&N, rargs[i]);
	free(rargs);
	for (d = 0; d < ND && !N.D[d].on; d++)
		;
	if (d == ND)
		srw_opt_error("no destination: give --pagerduty, --slack, --lark, --webhook or --route");
	if (flush_only && !N.outbox)
		srw_opt_error("--flush needs --outbox DIR");
	if (N.outbox && mkdir(N.outbox, 0700) != 0 && access(N.outbox, W_OK) != 0)
		srw_die(SRW_EX_USAGE, "--outbox %s:", N.outbox);
	for (d = 0; d < ND; d++) {
		N.D[d].ops = ops[d];
		if (N.D[d].on)
			ops[d]->configure(&N.D[d], d == 3 ? webhook : NULL);
	}
	triggers(argc - optind, argv + optind);
	if (!N.dry_run) {
		nf_record_open(&N, use_db);
		nf_seen_load(&N);
		nf_flush_outbox(&N);
	}
	srw_ndjson_setup(&no);
	if (!flush_only)
		srw_ndjson_files(argc - optind, argv + optind, on_rec, NULL);
	for (d = 0; d < ND; d++) {
		if (!N.D[d].on)
			continue;
		srw_info("%s: %lu sent, %lu failed, %lu queued, %lu deduplicated, %lu rate-limited, "
		    "%lu claimed by another notify", ops[d]->name, N.D[d].sent, N.D[d].failed,
		    N.D[d].queued, N.D[d].dups, N.D[d].limited, N.D[d].elsewhere);
		if (N.D[d].failed)
			status = SRW_EX_UNAVAILABLE;
	}
	if ((waiting = nf_outbox_count(&N)) > 0) {
		srw_warn("%zu event%s waiting in %s/outbox.ndjson", waiting, waiting == 1 ? "" : "s",
		    N.outbox);
		if (status == SRW_EX_OK)
			status = SRW_EX_TEMPFAIL;
	}
	if (status == SRW_EX_OK && srw_ndjson_reject_count())
		status = SRW_EX_REJECTED;
	if (N.db)
		srw_db_close(N.db);
	return srw_finish(status);
}
