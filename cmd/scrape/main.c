/* scrape - Prometheus text exposition (StarRocks FE :8030/metrics, BE
 * :8040/metrics, files, stdin) in, metric points (NDJSON) out. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "srw.h"

static srw_point_label extra[SRW_POINT_MAXLABELS];	/* --label, sorted */
static size_t nextra;
static int64_t fixed_ts = -1, interval_ms, timeout_ms = 10000;
static long count = -1;

struct target {
	const char *arg;
	char *url;	/* NULL for a file or stdin */
	char *instance;	/* host:port of a URL */
};

struct round {
	const struct target *t;
	int64_t ts;
	srw_buf out;
	long samples, bad;
	srw_point_label lab[2 * SRW_POINT_MAXLABELS + 1];
};

enum { OPT_TIME = SRW_OPT_LONG, OPT_TIMEOUT };

static const char synopsis[] =
    "scrape [-l NAME=VALUE]... [-i INTERVAL [-n COUNT]] [--time T]\n"
    "              [--timeout DURATION] [-v] TARGET...\n"
    "  TARGET: http(s)://URL, HOST:PORT (.../metrics), a file, or - for stdin";

static const srw_opt opts[] = {
	{ "label", 'l', "NAME=VALUE", "add this label to every point (repeatable)" },
	{ "interval", 'i', "INTERVAL", "scrape again every INTERVAL (default once)" },
	{ "count", 'n', "COUNT", "with --interval: stop after COUNT rounds" },
	{ "time", OPT_TIME, "T", "timestamp the first round T (tests, backfills)" },
	{ "timeout", OPT_TIMEOUT, "DURATION", "per target (default 10s)" },
	{ "verbose", 'v', NULL, "more diagnostics (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

static void
add_label(const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *k;
	size_t i;

	if (!eq || eq == kv)
		srw_die(SRW_EX_USAGE, "--label wants NAME=VALUE, got '%s'", kv);
	k = srw_xstrndup(kv, (size_t)(eq - kv));
	for (i = 0; i < nextra; i++)
		if (strcmp(extra[i].k, k) == 0)
			srw_die(SRW_EX_USAGE, "--label %s given twice", k);
	if (nextra == SRW_POINT_MAXLABELS)
		srw_die(SRW_EX_USAGE, "too many --label options");
	extra[nextra].k = k;
	extra[nextra].v = eq + 1;
	nextra++;
	srw_point_sort_labels(extra, nextra);
}

static const char *
find_label(const srw_point_label *l, size_t n, const char *k)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(l[i].k, k) == 0)
			return l[i].v;
	return NULL;
}

static void
on_error(long lineno, const char *msg, void *ctx)
{
	struct round *r = ctx;

	r->bad++;
	if (r->bad <= 20)
		srw_warn("%s:%ld: %s", r->t->arg, lineno, msg);
}

static bool
has_suffix(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n >= m && strcmp(s + n - m, sfx) == 0;
}

/*
 * Point type of a sample: counters stay counters; a histogram's buckets are
 * "histogram" points that carry le at the top level as well as a label; the _sum and _count
 * of summaries and histograms are counters; everything else is a gauge
 * (summary quantiles keep their quantile label).
 */
static int
on_sample(const srw_prom_sample *s, void *ctx)
{
	struct round *r = ctx;
	enum srw_ptype type = SRW_PT_GAUGE;
	const char *le = NULL;
	size_t n = 0, i;
	bool own_instance = r->t->instance && !find_label(extra, nextra, "instance");

	switch (s->type) {
	case SRW_PROM_COUNTER:
		type = SRW_PT_COUNTER;
		break;
	case SRW_PROM_SUMMARY:
	case SRW_PROM_HISTOGRAM:
		if (has_suffix(s->name, "_sum") || has_suffix(s->name, "_count"))
			type = SRW_PT_COUNTER;
		else if (has_suffix(s->name, "_bucket"))
			type = SRW_PT_HISTOGRAM;
		break;
	default:
		break;
	}
	/* merge: scraped labels, then --label and instance over them */
	for (i = 0; i < s->nlabels; i++) {
		if (type == SRW_PT_HISTOGRAM && strcmp(s->labels[i].k, "le") == 0)
			le = s->labels[i].v;	/* stays a label too, as in Prometheus */
		if (find_label(extra, nextra, s->labels[i].k) ||
		    (own_instance && strcmp(s->labels[i].k, "instance") == 0))
			continue;
		r->lab[n++] = s->labels[i];
	}
	for (i = 0; i < nextra; i++)
		r->lab[n++] = extra[i];
	if (own_instance)
		r->lab[n++] = (srw_point_label){ "instance", r->t->instance };
	if (n > SRW_POINT_MAXLABELS) {
		on_error(s->lineno, "too many labels with --label added", r);
		return 0;
	}
	if (type == SRW_PT_HISTOGRAM && !le) {
		on_error(s->lineno, "histogram bucket without le", r);
		return 0;
	}
	srw_point_sort_labels(r->lab, n);
	srw_point_jw(&r->out, s->name, r->lab, n, s->has_ts ? s->ts : r->ts,
	    s->value, type, le);
	srw_jw_flush(&r->out, stdout, 1 << 16);
	r->samples++;
	return 0;
}

static int
read_stream(FILE *fp, srw_buf *b)
{
	char tmp[65536];
	size_t n;

	while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0)
		srw_buf_add(b, tmp, n);
	return ferror(fp) ? -1 : 0;
}

/* Fetches one target into b; 0 or -1 (warned). */
static int
fetch(const struct target *t, srw_buf *b)
{
	srw_buf_reset(b);
	if (t->url) {
		srw_http_req req = { .url = t->url, .timeout_ms = (long)timeout_ms,
		    .connect_timeout_ms = (long)(timeout_ms < 5000 ? timeout_ms : 5000),
		    .max_retries = 1, .max_wait_ms = 1000 };
		srw_http_resp resp = { 0 };
		int rc = -1;

		if (srw_http_do(&req, &resp) != 0)
			srw_warn("%s: %s", t->url, resp.err);
		else if (resp.status != 200)
			srw_warn("%s: HTTP %ld", t->url, resp.status);
		else {
			srw_buf_add(b, resp.body, resp.len);
			rc = 0;
		}
		srw_http_resp_free(&resp);
		return rc;
	}
	if (strcmp(t->arg, "-") == 0)
		return read_stream(stdin, b) == 0 ? 0 : (srw_warn("read stdin:"), -1);
	FILE *fp = fopen(t->arg, "r");
	int rc;

	if (!fp) {
		srw_warn("open %s:", t->arg);
		return -1;
	}
	if ((rc = read_stream(fp, b)) != 0)
		srw_warn("read %s:", t->arg);
	fclose(fp);
	return rc;
}

static void
target_init(struct target *t, const char *arg)
{
	struct stat sb;
	const char *h, *he;

	memset(t, 0, sizeof *t);
	t->arg = arg;
	if (strcmp(arg, "-") == 0)
		return;
	if (strstr(arg, "://")) {
		t->url = srw_xstrdup(arg);
	} else if (stat(arg, &sb) == 0 || !strchr(arg, ':')) {
		/* a file; a missing one is a usage error, as in every tool */
		if (stat(arg, &sb) != 0)
			srw_die(SRW_EX_USAGE, "%s:", arg);
		return;
	} else {
		srw_buf u;

		srw_buf_init(&u);
		srw_buf_printf(&u, "http://%s%s", arg, strchr(arg, '/') ? "" : "/metrics");
		t->url = u.s;
	}
	h = strstr(t->url, "://") + 3;
	for (he = h; *he && *he != '/' && *he != '?'; he++)
		;
	if (strchr(h, '@') && strchr(h, '@') < he)
		h = strchr(h, '@') + 1;	/* never put credentials in a label */
	t->instance = srw_xstrndup(h, (size_t)(he - h));
}

int
main(int argc, char *argv[])
{
	struct target *tg;
	struct round r = { 0 };
	srw_buf body;
	long rounds = 0, failed = 0, bad = 0, fails_last = 0;
	int c, i, ntg;
	bool has_stdin = false;

	srw_init("scrape", argc, argv);
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case 'l': add_label(optarg); break;
		case 'i': interval_ms = srw_opt_duration(optarg, 1, INT64_MAX, "--interval"); break;
		case 'n': count = srw_opt_num(optarg, 1, LONG_MAX, "--count"); break;
		case OPT_TIME:
			if (srw_time_parse(optarg, &fixed_ts) != 0)
				srw_opt_error("--time: not a time: '%s'", optarg);
			break;
		case OPT_TIMEOUT:
			timeout_ms = srw_opt_duration(optarg, 1, INT64_MAX, "--timeout");
			break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		srw_opt_error("no TARGET");
	ntg = argc;
	tg = srw_xcalloc((size_t)ntg, sizeof *tg);
	for (i = 0; i < ntg; i++) {
		target_init(&tg[i], argv[i]);
		has_stdin |= strcmp(argv[i], "-") == 0;
	}
	if (count < 0)
		count = interval_ms ? 0 : 1;	/* 0: for ever */
	if (has_stdin && count != 1)
		srw_die(SRW_EX_USAGE, "stdin can be read once only: no --interval with -");
	srw_buf_init(&body);
	srw_buf_init(&r.out);

	for (;;) {
		int64_t start = srw_now_ms();
		srw_prom_opts po = { on_sample, on_error, &r };

		/* one timestamp per round: points of one scrape share it */
		r.ts = fixed_ts >= 0 ? fixed_ts + rounds * interval_ms : start;
		fails_last = 0;
		for (i = 0; i < ntg; i++) {
			r.t = &tg[i];
			r.bad = 0;
			if (fetch(&tg[i], &body) != 0) {
				fails_last++;
				continue;
			}
			srw_prom_parse(body.s ? body.s : "", body.len, &po);
			if (r.bad > 20)
				srw_warn("%s: %ld bad lines in all", tg[i].arg, r.bad);
			bad += r.bad;
			srw_jw_flush(&r.out, stdout, 0);
		}
		if (fflush(stdout) != 0)
			break;
		failed += fails_last;
		rounds++;
		srw_debug("round %ld: %ld samples", rounds, r.samples);
		if (count && rounds >= count)
			break;
		int64_t wait = start + interval_ms - srw_now_ms();
		if (wait > 0 && fixed_ts < 0)
			srw_sleep_ms((long)wait);
	}
	srw_buf_free(&body);
	srw_buf_free(&r.out);
	for (i = 0; i < ntg; i++) {
		free(tg[i].url);
		free(tg[i].instance);
	}
	free(tg);
	for (size_t k = 0; k < nextra; k++)
		free((char *)extra[k].k);
	if (fails_last == ntg)
		return srw_finish(SRW_EX_UNAVAILABLE);
	return srw_finish(failed || bad ? SRW_EX_REJECTED : SRW_EX_OK);
}
