/* recommend - a Pacific day's alerts summarised per alert name: how often,
 * where, how severe, what to do, and which alerts are noise.  NDJSON rows for
 * alerts.alert_recommendations, or a report (text, markdown, html). */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recommend.h"

#define HOUR_MS 3600000LL

enum fmt { F_NDJSON, F_TEXT, F_MARKDOWN, F_HTML };

static bool use_stdin, list_types, show_progress, no_backtest;

enum { OPT_TOP = SRW_OPT_LONG, OPT_NOISY_COUNT, OPT_NOISY_CLUSTERS, OPT_FLAP, OPT_NO_BACKTEST };

static const char synopsis[] =
    "recommend [--format ndjson|text|markdown|html] [--top N]\n"
    "                 [--noisy-count N] [--noisy-clusters N] [--flap N]\n"
    "                 [--strict] [--reject FILE] [--progress] [-v] [-] [DATE ...]\n"
    "       recommend --types [--format ndjson|text]\n"
    "       recommend tune NAME [--rule FILE] [--days N | --from TIME --to TIME] [...]";

static const srw_opt opts[] = {
	{ "stdin", 'i', NULL, "read alert rows from stdin (the same as the operand -)" },
	{ "format", 'f', "FMT", "ndjson, text, markdown or html" },
	{ "top", OPT_TOP, "N", "bars in the HTML chart of top alerts (default 10)" },
	{ "noisy-count", OPT_NOISY_COUNT, "N", "firings a day that make a name noisy (default 10)" },
	{ "noisy-clusters", OPT_NOISY_CLUSTERS, "N", "clusters that make a name noisy (default 3)" },
	{ "flap", OPT_FLAP, "N", "re-fires on one cluster that make it flapping (default 3)" },
	{ "no-backtest", OPT_NO_BACKTEST, NULL, "no backtested advice for noisy alerts (recommend tune)" },
	{ "types", 't', NULL, "print the alert-type table" },
	{ "strict", 's', NULL, "stop at the first bad line (exit 65)" },
	{ "reject", 'r', "FILE", "keep bad lines in FILE" },
	{ "progress", 'p', NULL, "show progress even when stderr is not a terminal" },
	{ "verbose", 'v', NULL, "a summary on stderr (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

static enum fmt
parse_format(const char *s)
{
	if (strcmp(s, "ndjson") == 0 || strcmp(s, "json") == 0)
		return F_NDJSON;
	if (strcmp(s, "text") == 0)
		return F_TEXT;
	if (strcmp(s, "markdown") == 0 || strcmp(s, "md") == 0)
		return F_MARKDOWN;
	if (strcmp(s, "html") == 0)
		return F_HTML;
	srw_die(SRW_EX_USAGE, "--format: ndjson, text, markdown or html, not '%s'", s);
}

/* Marks a date to report and the same weekday a week earlier to compare. */
static void
want_date(struct rc_state *st, const char *s)
{
	int y, m, d;
	int64_t z;

	if (srw_date_parse(s, &y, &m, &d) != 0)
		srw_die(SRW_EX_USAGE, "not a date (YYYY-MM-DD): '%s'", s);
	z = srw_days_from_civil(y, m, d);
	rc_day_get(st, z, true)->want = true;
	rc_day_get(st, z - 7, true);
}

static int
on_row(srw_val *row, const srw_line *ln, void *ctx)
{
	struct rc_state *st = ctx;
	srw_section *s;
	const char *why = NULL;
	int i, n = srw_sections_split(row, &s);

	if (n == 0) {
		srw_ndjson_reject(ln, "no alert_name");
		return SRW_NDJSON_REJECT;
	}
	/* check every section before counting any, so a row is taken whole
	 * or rejected whole */
	for (i = 0; i < n && !why; i++)
		rc_check(&s[i], &why);
	for (i = 0; i < n && !why; i++)
		rc_add(st, &s[i], &why);
	srw_sections_free(s, n);
	if (why) {
		srw_ndjson_reject(ln, "%s", why);
		return SRW_NDJSON_REJECT;
	}
	if (show_progress && srw_ndjson_read_count() % 4096 == 0)
		srw_progress("%ld rows read", srw_ndjson_read_count());
	return SRW_NDJSON_OK;
}

/*
 * One Pacific day from alerts.lark_alerts, an hour at a time so the client's
 * buffered result stays small on a busy day.  Returns the number of rows with
 * bad data (warned about), or -1 if the database failed.
 */
static long
load_day(srw_db *db, struct rc_state *st, struct rc_day *d)
{
	/* SRW_ALERT_COLS order; the columns recommend never reads are NULL */
	static const char cols[] = "message_id, DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s'), "
	    "cluster_name, region, account_name, cluster_id, alert_status, alert_name, "
	    "NULL, NULL, NULL, source";
	char a[20], b[20], sql[512];
	int64_t t;
	long bad = 0;

	for (t = d->start; t < d->end; t += HOUR_MS) {
		srw_res *r;
		char **row;

		srw_time_fmt_sql(t, a);
		srw_time_fmt_sql(t + HOUR_MS < d->end ? t + HOUR_MS : d->end, b);
		snprintf(sql, sizeof sql, "SELECT %s FROM alerts.lark_alerts WHERE "
		    "created_at >= '%s' AND created_at < '%s'", cols, a, b);
		if (!(r = srw_db_query_retry(db, sql, 3)))
			return -1;
		while ((row = srw_res_next(r, NULL))) {
			srw_section *s;
			const char *why = NULL;
			int i, n = srw_sections_split_cols(row, &s);

			for (i = 0; i < n && !why; i++)
				rc_check(&s[i], &why);
			for (i = 0; i < n && !why; i++)
				rc_add(st, &s[i], &why);
			if (why) {
				srw_warn("alerts.lark_alerts %s: %s", row[0] ? row[0] : "?", why);
				bad++;
			}
			srw_sections_free(s, n);
		}
		srw_res_free(r);
	}
	d->known = true;
	return bad;
}

static int
load_db(struct rc_state *st)
{
	char err[512];
	srw_db *db;
	long bad = 0, n;
	size_t i;

	if (!(db = srw_db_open(3, err, sizeof err)))
		srw_die(SRW_EX_UNAVAILABLE, "%s", err);
	for (i = 0; i < st->ndays; i++) {
		if ((n = load_day(db, st, st->days[i])) < 0)
			srw_die(SRW_EX_UNAVAILABLE, "reading alerts.lark_alerts: %s",
			    srw_db_error(db));
		bad += n;
		srw_debug("%s: %ld sections", st->days[i]->date, st->days[i]->sections);
	}
	srw_db_close(db);
	return bad ? SRW_EX_REJECTED : SRW_EX_OK;
}

/* A line per day on stderr (the cron log), naming alert names the table
 * does not know yet so it can grow. */
static void
summary(const struct rc_state *st)
{
	size_t i, j;

	for (i = 0; i < st->ndays; i++) {
		const struct rc_day *d = st->days[i];
		srw_buf b;

		if (!d->want)
			continue;
		srw_buf_init(&b);
		for (j = 0; j < d->nalerts; j++)
			if (!d->sorted[j]->type)
				srw_buf_printf(&b, "%s%s", b.len ? ", " : "", d->sorted[j]->name);
		fprintf(stderr, "%s: %s: %ld sections, %zu alert names%s%s\n", srw_progname(),
		    d->date, d->sections, d->nalerts, b.len ? "; not in the alert-type table: " : "",
		    b.len ? b.s : "");
		srw_buf_free(&b);
	}
}

/* Each noisy alert with a rule in the suite's table gets the advice of
 * recommend tune over the week ending with its day, where the stored
 * history allows (points, or issues people acted on). */
static void
backtest_noisy(struct rc_state *st)
{
	for (size_t i = 0; i < st->ndays; i++) {
		struct rc_day *d = st->days[i];

		for (size_t j = 0; d->want && j < d->nalerts; j++) {
			struct rc_alert *a = d->sorted[j];

			if (a->noisy && !a->tuning)
				a->tuning = rc_tune_advice(a->name, d->end - 7 * 86400000LL, d->end);
		}
	}
}

int
main(int argc, char *argv[])
{
	struct rc_state st = { .o = { 10, 3, 3, 10 } };
	srw_ndjson_opts no = { 0 };
	enum fmt fmt = isatty(STDOUT_FILENO) ? F_TEXT : F_NDJSON;
	int c, i, status = SRW_EX_OK;

	srw_init("recommend", argc, argv);
	if (argc > 1 && strcmp(argv[1], "tune") == 0)
		return srw_finish(rc_tune(argc - 1, argv + 1));
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case 'i': use_stdin = true; break;
		case 'f': fmt = parse_format(optarg); break;
		case OPT_TOP: st.o.top = srw_opt_num(optarg, 1, LONG_MAX, "--top"); break;
		case OPT_NOISY_COUNT:
			st.o.noisy_count = srw_opt_num(optarg, 1, LONG_MAX, "--noisy-count");
			break;
		case OPT_NOISY_CLUSTERS:
			st.o.noisy_clusters = srw_opt_num(optarg, 1, LONG_MAX, "--noisy-clusters");
			break;
		case OPT_FLAP: st.o.flap_min = srw_opt_num(optarg, 1, LONG_MAX, "--flap"); break;
		case OPT_NO_BACKTEST: no_backtest = true; break;
		case 't': list_types = true; break;
		case 's': no.strict = true; break;
		case 'r': no.reject_path = optarg; break;
		case 'p': srw_progress_force(true); break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	argc -= optind;
	argv += optind;
	/* "-" is stdin (--stdin is the older spelling); the dates filter it */
	for (i = 0; i < argc; i++)
		if (srw_opt_is_stdin(argv[i])) {
			use_stdin = true;
			memmove(argv + i, argv + i + 1, (argc - i - 1) * sizeof *argv);
			argc--, i--;
		}

	if (list_types) {
		if (argc || use_stdin)
			srw_opt_error("--types takes no dates and no input");
		rc_write_types(stdout, fmt != F_NDJSON);
		return srw_finish(SRW_EX_OK);
	}
	for (i = 0; i < argc; i++)
		want_date(&st, argv[i]);
	if (!argc && !use_stdin) {
		int y, m, d;
		char date[11];

		srw_pacific_date_rel(srw_now_ms(), -1, &y, &m, &d);
		snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
		want_date(&st, date);
	}

	if (use_stdin) {
		/* with dates, only those days (and a week before) count; without,
		 * every day the input holds is reported */
		st.filter = argc > 0;
		srw_ndjson_setup(&no);
		show_progress = srw_progress_on();
		srw_opt_stdin_notice("alert rows");
		srw_ndjson_each(stdin, "-", on_row, &st);
		srw_progress_end();
		if (!st.filter)
			for (size_t k = 0; k < st.ndays; k++)
				st.days[k]->want = true;
		if (srw_ndjson_reject_count())
			status = SRW_EX_REJECTED;
	} else {
		st.filter = true;
		status = load_db(&st);
	}
	rc_finish(&st);
	if (!use_stdin && !no_backtest)
		backtest_noisy(&st);

	switch (fmt) {
	case F_NDJSON: rc_write_ndjson(&st, stdout); summary(&st); break;
	case F_TEXT: rc_write_text(&st, stdout); break;
	case F_MARKDOWN: rc_write_markdown(&st, stdout); break;
	case F_HTML: rc_write_html(&st, stdout); break;
	}
	rc_free(&st);
	return srw_finish(status);
}
