/* mquery - one metric over a time range, in steps: rollups where they
 * cover the range, raw points elsewhere, joined into one series per label
 * set (lib/mquery.c plans and reads). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"

enum { OPT_FN = SRW_OPT_LONG, OPT_EXPLAIN, OPT_RAW, OPT_ROLLUP, OPT_FORMAT };

static const char synopsis[] =
    "mquery 'NAME{label=\"v\",...}' --from T --to T --step DURATION\n"
    "              [--fn avg|sum|min|max|rate|increase] [--explain]\n"
    "              [--raw FILE] [--rollup FILE] [--format ndjson|text]\n"
    "  T: \"YYYY-MM-DD HH:MM:SS\" (UTC), RFC 3339, epoch s/ms, now, now-DURATION";

static const srw_opt opts[] = {
	{ "from", 'f', "T", "the start of the range (required)" },
	{ "to", 't', "T", "the end of the range, exclusive (required)" },
	{ "step", 's', "DURATION", "one value per step (required)" },
	{ "fn", OPT_FN, "FN", "avg (default), sum, min, max, rate or increase" },
	{ "explain", OPT_EXPLAIN, NULL, "print the plan (which table covers which part)" },
	{ "raw", OPT_RAW, "FILE", "raw points from an NDJSON file, not the database" },
	{ "rollup", OPT_ROLLUP, "FILE", "rollup rows from an NDJSON file" },
	{ "format", OPT_FORMAT, "FMT", "ndjson (default) or text" },
	{ "verbose", 'v', NULL, "more diagnostics (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

static int64_t
parse_when(const char *s, const char *opt)
{
	int64_t ms, d;

	if (strncmp(s, "now", 3) == 0) {
		ms = srw_now_ms();
		if (!s[3])
			return ms;
		if ((s[3] == '-' || s[3] == '+') && (d = srw_parse_duration_ms(s + 4)) >= 0)
			return s[3] == '-' ? ms - d : ms + d;
	} else if (srw_time_parse(s, &ms) == 0) {
		return ms;
	}
	srw_die(SRW_EX_USAGE, "bad %s '%s'", opt, s);
}

static void
print_plan(const json_t *plan, bool text)
{
	size_t i;
	json_t *p;

	json_array_foreach(plan, i, p) {
		if (!text) {
			srw_json_print(stdout, p);
			continue;
		}
		printf("%s .. %s  %-24s %-4s %6lld rows\n",
		    srw_json_str(p, "from"), srw_json_str(p, "to"),
		    srw_json_str(p, "table"), srw_json_str(p, "resolution"),
		    (long long)json_integer_value(json_object_get(p, "rows")));
	}
}

static void
print_series(const json_t *series, bool text)
{
	size_t i, k;
	json_t *s, *pt;
	char when[24];
	srw_buf b;

	srw_buf_init(&b);
	json_array_foreach(series, i, s) {
		char *labels = srw_json_dumps(json_object_get(s, "labels"));
		const char *name = srw_json_str(s, "name"), *le = srw_json_str(s, "le");

		if (text)
			printf("%s%s%s%s\n", name, labels, le ? " le=" : "", le ? le : "");
		json_array_foreach(json_object_get(s, "points"), k, pt) {
			json_int_t ts = json_integer_value(json_array_get(pt, 0));
			double v = json_number_value(json_array_get(pt, 1));

			if (text) {
				printf("  %s  %.6g\n", srw_time_fmt_sql(ts, when), v);
				continue;
			}
			srw_jw_begin(&b);
			srw_jw_str(&b, "name", name);
			srw_jw_raw(&b, "labels", labels);
			srw_jw_int(&b, "ts", ts);
			srw_jw_num(&b, "value", v);
			if (le)
				srw_jw_str(&b, "le", le);
			srw_jw_end(&b);
			srw_jw_flush(&b, stdout, 1 << 16);
		}
		free(labels);
	}
	srw_jw_flush(&b, stdout, 0);
	srw_buf_free(&b);
}

int
main(int argc, char *argv[])
{
	srw_mquery q = { 0 };
	srw_mq_source src = { 0 };
	json_t *series, *plan = NULL;
	bool explain = false, text = false, have_from = false, have_to = false;
	char err[512];
	int c;

	srw_init("mquery", argc, argv);
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case 'f': q.from = parse_when(optarg, "--from"); have_from = true; break;
		case 't': q.to = parse_when(optarg, "--to"); have_to = true; break;
		case 's': q.step = srw_opt_duration(optarg, 1, INT64_MAX, "--step"); break;
		case OPT_FN:
			if (srw_mq_fn_parse(optarg, &q.fn) != 0)
				srw_opt_error("--fn wants avg, sum, min, max, rate or increase");
			break;
		case OPT_EXPLAIN: explain = true; break;
		case OPT_RAW: src.raw_path = optarg; break;
		case OPT_ROLLUP: src.rollup_path = optarg; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				text = true;
			else if (strcmp(optarg, "ndjson") != 0)
				srw_opt_error("--format wants ndjson or text");
			break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	if (optind + 1 != argc)
		srw_opt_error("one selector, NAME{label=\"v\",...}");
	if (!have_from || !have_to || !q.step)
		srw_opt_error("--from, --to and --step are required");
	if (q.to <= q.from)
		srw_die(SRW_EX_USAGE, "--from must be before --to");
	if (srw_mq_parse_selector(argv[optind], &q, err, sizeof err) != 0)
		srw_die(SRW_EX_USAGE, "%s", err);
	if (!src.raw_path && !src.rollup_path &&
	    !(src.db = srw_db_open(3, err, sizeof err)))
		srw_die(SRW_EX_UNAVAILABLE, "%s", err);

	if (!(series = srw_mq_run(&q, &src, &plan, err, sizeof err))) {
		int code = src.db ? SRW_EX_UNAVAILABLE : SRW_EX_USAGE;

		srw_mq_free(&q);
		if (src.db)
			srw_db_close(src.db);
		srw_die(code, "%s", err);
	}
	if (explain)
		print_plan(plan, text);
	else
		print_series(series, text);
	/* finding nothing is not an error, but it is said (srwatch(7)) */
	if (!explain && json_array_size(series) == 0)
		srw_warn("no series matches %s in that range", argv[optind]);
	json_decref(series);
	json_decref(plan);
	srw_mq_free(&q);
	if (src.db)
		srw_db_close(src.db);
	return srw_finish(SRW_EX_OK);
}
