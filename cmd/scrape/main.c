/* scrape - Prometheus text exposition (StarRocks FE :8030/metrics, BE
 * :8040/metrics, a fleet in file_sd target files, files, stdin) in, metric
 * points (NDJSON) out. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>

#include "scrape.h"

static srw_point_label extra[SRW_POINT_MAXLABELS];	/* --label, sorted */
static size_t nextra;
static int64_t fixed_ts = -1, interval_ms, timeout_ms = -1;
static long count = -1;
static unsigned max_inflight = 256;
static size_t max_bytes = 32u << 20;
static long failed, bad_total, samples_total;
static srw_buf out;
static volatile sig_atomic_t stopping;	/* SIGTERM, SIGINT */
static char timeout_hdr[64];
static const char *hdrs[] = {
	"Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1", timeout_hdr, NULL };

/* One target's scrape being turned into points. */
struct emit {
	const struct target *t;
	int64_t ts;
	long samples, bad;
	srw_point_label lab[2 * SRW_POINT_MAXLABELS + 1];
};

enum { OPT_TIME = SRW_OPT_LONG, OPT_TIMEOUT, OPT_INFLIGHT, OPT_MAXBYTES, OPT_SHARD };

static const char synopsis[] =
    "scrape [-l NAME=VALUE]... [-t FILE]... [-i INTERVAL [-n COUNT]] [--time T]\n"
    "              [--timeout DURATION] [--max-in-flight N] [--max-bytes BYTES]\n"
    "              [--shard I/N] [-v] [TARGET...]\n"
    "  TARGET: http(s)://URL, HOST:PORT (.../metrics), a file, or - for stdin";

static const srw_opt opts[] = {
	{ "label", 'l', "NAME=VALUE", "add this label to every point (repeatable; a target's own labels win)" },
	{ "targets", 't', "FILE", "Prometheus file_sd targets, JSON or YAML (repeatable; re-read on change)" },
	{ "interval", 'i', "INTERVAL", "scrape again every INTERVAL, targets spread over it (default once)" },
	{ "count", 'n', "COUNT", "with --interval: stop after COUNT intervals" },
	{ "time", OPT_TIME, "T", "timestamp the first round T, no waiting (tests, backfills)" },
	{ "timeout", OPT_TIMEOUT, "DURATION", "per target (default 10s, at most the interval)" },
	{ "max-in-flight", OPT_INFLIGHT, "N", "targets scraped at once (default 256)" },
	{ "max-bytes", OPT_MAXBYTES, "BYTES", "cap on one response, k/M suffixes (default 32M)" },
	{ "shard", OPT_SHARD, "I/N", "only the targets of shard I of N (stable hash of the URL)" },
	{ "verbose", 'v', NULL, "more diagnostics (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

/* BYTES: a number with an optional k or M suffix. */
static size_t
bytes_arg(const char *s)
{
	size_t n = strlen(s);
	long long mul = 1;
	char num[32];

	if (n && (s[n - 1] == 'k' || s[n - 1] == 'K'))
		mul = 1024, n--;
	else if (n && (s[n - 1] == 'm' || s[n - 1] == 'M'))
		mul = 1 << 20, n--;
	if (n == 0 || n >= sizeof num)
		srw_opt_error("--max-bytes: '%s' is not a size", s);
	memcpy(num, s, n);
	num[n] = '\0';
	return (size_t)(srw_opt_num(num, 1, (1LL << 34) / mul, "--max-bytes") * mul);
}

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

static bool
has_label(const struct target *t, const char *k)
{
	size_t i;

	for (i = 0; i < t->nlab; i++)
		if (strcmp(t->lab[i].k, k) == 0)
			return true;
	return false;
}

static void
on_error(long lineno, const char *msg, void *ctx)
{
	struct emit *e = ctx;

	e->bad++;
	if (e->bad <= 20)
		srw_warn("%s:%ld: %s", e->t->arg, lineno, msg);
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
	struct emit *e = ctx;
	const struct target *t = e->t;
	enum srw_ptype type = SRW_PT_GAUGE;
	const char *le = NULL;
	size_t n = 0, i;

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
	/* merge: scraped labels, then the target's (--label, group, instance) */
	for (i = 0; i < s->nlabels; i++) {
		if (type == SRW_PT_HISTOGRAM && strcmp(s->labels[i].k, "le") == 0)
			le = s->labels[i].v;	/* stays a label too, as in Prometheus */
		if (has_label(t, s->labels[i].k))
			continue;
		e->lab[n++] = s->labels[i];
	}
	for (i = 0; i < t->nlab && n < SRW_POINT_MAXLABELS + 1; i++)
		e->lab[n++] = t->lab[i];
	if (n > SRW_POINT_MAXLABELS) {
		on_error(s->lineno, "too many labels with the target's added", e);
		return 0;
	}
	if (type == SRW_PT_HISTOGRAM && !le) {
		on_error(s->lineno, "histogram bucket without le", e);
		return 0;
	}
	srw_point_sort_labels(e->lab, n);
	srw_point_jw(&out, s->name, e->lab, n, s->has_ts ? s->ts : e->ts,
	    s->value, type, le);
	srw_jw_flush(&out, stdout, 1 << 16);
	e->samples++;
	samples_total++;
	return 0;
}

static void
parse(struct emit *e, const char *body, size_t len)
{
	srw_prom_opts po = { on_sample, on_error, e };

	srw_prom_parse(body, len, &po);
	if (e->bad > 20)
		srw_warn("%s: %ld bad lines in all", e->t->arg, e->bad);
	bad_total += e->bad;
}

/* Prometheus's own series for every scrape of a URL target. */
static void
synthetic(const struct target *t, int64_t ts, bool up, double seconds, long samples)
{
	srw_point_jw(&out, "up", t->lab, t->nlab, ts, up ? 1 : 0, SRW_PT_GAUGE, NULL);
	srw_point_jw(&out, "scrape_duration_seconds", t->lab, t->nlab, ts, seconds,
	    SRW_PT_GAUGE, NULL);
	srw_point_jw(&out, "scrape_samples_scraped", t->lab, t->nlab, ts, (double)samples,
	    SRW_PT_GAUGE, NULL);
}

static void
flush_out(void)
{
	srw_jw_flush(&out, stdout, 0);
	if (fflush(stdout) != 0)
		exit(srw_finish(SRW_EX_OK));	/* says why, exits non-zero */
}

/* A dead target is said once when it goes down, and when it comes back. */
static void
note(struct target *t, bool up, const char *why)
{
	if (!up) {
		failed++;
		if (t->last != 0)
			srw_warn("%s: %s", t->url, why);
		else
			srw_debug("%s: %s", t->url, why);
	} else if (t->last == 0) {
		srw_info("%s: up again", t->url);
	}
	t->last = up;
}

struct batch {
	int64_t ts;	/* the round's timestamp (--time), or -1: the scrape's start */
};

static void
on_done(const srw_hm_done *d, void *ctx)
{
	struct batch *b = ctx;
	struct target *t = d->arg;
	struct emit e = { .t = t, .ts = b->ts >= 0 ? b->ts : d->start_ms };
	char why[300];
	bool up = false;

	if (d->err)
		snprintf(why, sizeof why, "%s", d->err);
	else if (d->status != 200)
		snprintf(why, sizeof why, "HTTP %ld", d->status);
	else
		up = true;
	if (up)
		parse(&e, d->body, d->len);
	note(t, up, why);
	if (!t->dead)
		synthetic(t, e.ts, up, d->seconds, e.samples);
	flush_out();
	target_done(t);
}

/* A file or stdin, read whole (up to --max-bytes) and parsed at once. */
static void
scrape_file(struct target *t, int64_t ts)
{
	FILE *fp = strcmp(t->arg, "-") == 0 ? stdin : fopen(t->arg, "r");
	struct emit e = { .t = t, .ts = ts };
	char tmp[65536];
	srw_buf b;
	size_t n;

	if (!fp) {
		srw_warn("open %s:", t->arg);
		failed++;
		t->last = 0;
		return;
	}
	srw_buf_init(&b);
	while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0 && b.len <= max_bytes)
		srw_buf_add(&b, tmp, n);
	if (ferror(fp)) {
		srw_warn("read %s:", t->arg);
		failed++;
		t->last = 0;
	} else if (b.len > max_bytes) {
		srw_warn("%s: larger than %zu bytes (--max-bytes); skipped", t->arg, max_bytes);
		failed++;
		t->last = 0;
	} else {
		parse(&e, b.s ? b.s : "", b.len);
		t->last = 1;
	}
	if (fp != stdin)
		fclose(fp);
	srw_buf_free(&b);
	flush_out();
}

static void
dispatch(srw_hm *hm, struct target *t, int64_t ts, long tmo)
{
	if (!t->url) {
		scrape_file(t, ts);
		return;
	}
	t->inflight = true;
	srw_hm_add(hm, t->url, tmo, hdrs, t);
}

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* --time, or no --interval: every target at once per round, no waiting. */
static void
run_rounds(srw_hm *hm, long tmo)
{
	struct target **v;
	size_t n, i, down;
	long k, s0;
	struct rusage ru;
	int64_t t0;

	for (k = 0; k < count && !stopping; k++) {
		struct batch b = { fixed_ts >= 0 ? fixed_ts + k * interval_ms : -1 };

		t0 = srw_now_ms();
		s0 = samples_total;
		v = targets_all(&n);
		for (i = 0; i < n; i++)
			dispatch(hm, v[i], b.ts >= 0 ? b.ts : srw_now_ms(), tmo);
		while (srw_hm_pending(hm) && !stopping)
			srw_hm_run(hm, 200, on_done, &b);
		v = targets_all(&n);
		for (i = down = 0; i < n; i++)
			down += v[i]->last == 0;
		getrusage(RUSAGE_SELF, &ru);
		srw_info("round %ld: %zu targets, %zu down, %ld samples, %lld ms, peak RSS %ld kB",
		    k + 1, n, down, samples_total - s0, (long long)(srw_now_ms() - t0), ru.ru_maxrss);
		if (k + 1 < count)
			targets_refresh(false);
	}
}

/*
 * --interval: each target at its own offset in the interval (from its
 * hash, as Prometheus does), so a fleet's scrapes do not all fire at
 * once; a target still running when its turn comes again skips that turn.
 * With --count N the run lasts N intervals: every target scraped N times.
 */
static void
run_spread(srw_hm *hm, long tmo)
{
	int64_t start = srw_now_ms(), end, now, wake, last_check = start;
	struct batch b = { -1 };
	struct target **v;
	size_t n, i;

	end = count ? start + count * interval_ms : INT64_MAX;
	while (!stopping) {
		now = srw_now_ms();
		if (now - last_check >= 1000) {
			targets_refresh(false);
			last_check = now;
		}
		v = targets_all(&n);
		wake = now + 1000;
		for (i = 0; i < n; i++) {
			struct target *t = v[i];

			if (t->next_due == 0) {
				int64_t off = (int64_t)(t->hash % (uint64_t)interval_ms);

				t->next_due = now + ((off - now) % interval_ms + interval_ms) % interval_ms;
			}
			if (t->next_due <= now && t->next_due < end) {
				if (!t->inflight)
					dispatch(hm, t, now, tmo);
				else
					srw_debug("%s: still running, turn skipped", t->arg);
				while (t->next_due <= now)
					t->next_due += interval_ms;
			}
			if (t->next_due < end && t->next_due < wake)
				wake = t->next_due;
		}
		if (now >= end && !srw_hm_pending(hm))
			break;
		srw_hm_run(hm, wake > now ? (long)(wake - now < 200 ? wake - now : 200) : 0,
		    on_done, &b);
	}
}

int
main(int argc, char *argv[])
{
	unsigned shard_i = 0, shard_n = 1;
	struct target **v;
	struct rlimit rl;
	size_t n, i, ndown = 0, nfiles = 0;
	srw_hm *hm;
	int c;
	bool has_stdin = false;

	srw_init("scrape", argc, argv);
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case 'l': add_label(optarg); break;
		case 't': targets_add_file(optarg); nfiles++; break;
		case 'i': interval_ms = srw_opt_duration(optarg, 1, INT64_MAX / 4, "--interval"); break;
		case 'n': count = (long)srw_opt_num(optarg, 1, LONG_MAX, "--count"); break;
		case OPT_TIME:
			if (srw_time_parse(optarg, &fixed_ts) != 0)
				srw_opt_error("--time: not a time: '%s'", optarg);
			break;
		case OPT_TIMEOUT:
			timeout_ms = srw_opt_duration(optarg, 1, 86400000, "--timeout");
			break;
		case OPT_INFLIGHT:
			max_inflight = (unsigned)srw_opt_num(optarg, 1, 65536, "--max-in-flight");
			break;
		case OPT_MAXBYTES: max_bytes = bytes_arg(optarg); break;
		case OPT_SHARD:
			if (srw_shard_parse(optarg, &shard_i, &shard_n) != 0)
				srw_opt_error("--shard wants I/N with 0 <= I < N, got '%s'", optarg);
			break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 && nfiles == 0)
		srw_opt_error("no TARGET and no --targets");
	targets_init(extra, nextra, shard_i, shard_n);
	for (i = 0; i < (size_t)argc; i++) {
		targets_add_arg(argv[i]);
		has_stdin |= strcmp(argv[i], "-") == 0;
	}
	if (count < 0)
		count = interval_ms ? 0 : 1;	/* 0: for ever */
	if (has_stdin && count != 1)
		srw_die(SRW_EX_USAGE, "stdin can be read once only: no --interval with -");
	if (timeout_ms < 0)
		timeout_ms = interval_ms && interval_ms < 10000 ? interval_ms : 10000;
	if (interval_ms && timeout_ms > interval_ms)
		srw_opt_error("--timeout is longer than --interval");
	snprintf(timeout_hdr, sizeof timeout_hdr, "X-Prometheus-Scrape-Timeout-Seconds: %g",
	    (double)timeout_ms / 1000.0);
	/* a socket per target in flight, and curl's own */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < max_inflight + 64 &&
	    rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < max_inflight + 64 ? rl.rlim_max : max_inflight + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	targets_refresh(true);
	srw_buf_init(&out);
	{
		struct sigaction sa = { 0 };

		sa.sa_handler = on_signal;	/* no SA_RESTART: poll returns */
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	hm = srw_hm_new(max_inflight, max_bytes);

	if (fixed_ts >= 0 || !interval_ms)
		run_rounds(hm, (long)timeout_ms);
	else
		run_spread(hm, (long)timeout_ms);

	v = targets_all(&n);
	for (i = 0; i < n; i++)
		ndown += v[i]->last == 0;
	srw_hm_free(hm);
	srw_buf_free(&out);
	targets_free();
	for (i = 0; i < nextra; i++)
		free((char *)extra[i].k);
	if (stopping) {	/* asked to stop: what is out is whole lines */
		srw_info("stopped by a signal");
		return srw_finish(SRW_EX_OK);
	}
	if (n && ndown == n)
		return srw_finish(SRW_EX_UNAVAILABLE);
	return srw_finish(failed || bad_total ? SRW_EX_REJECTED : SRW_EX_OK);
}
