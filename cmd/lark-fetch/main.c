/* lark-fetch - the messages of the Lark alarm chat for Pacific calendar days
 * (or any window), as NDJSON: one raw list-messages item per line, oldest
 * first, each message once.  The Lark client is lib/lark.c. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"

#define DEFAULT_CHAT "oc_392593bb5ace3f00ee10ab53bfe7681f"
#define MAX_DAYS 3660

struct window {
	int64_t start, end;	/* ms, half-open */
	char label[48];		/* the Pacific date, or "since..until" */
};

struct item {
	json_t *j;
	int64_t ms;
	size_t seq;		/* arrival order, for a stable sort */
};

struct fetch {
	const struct window *w;
	struct item *v;
	size_t n, cap, seen;
	long pages0;		/* pages fetched before this window */
	srw_lark *lark;
};

enum { OPT_BACKFILL = SRW_OPT_LONG, OPT_CATCH_UP, OPT_TODAY, OPT_SINCE, OPT_UNTIL,
	OPT_CHAT, OPT_LIST_DAYS, OPT_PROGRESS, OPT_TIMEOUT };

static const char synopsis[] =
    "lark-fetch [--chat ID] [--timeout DURATION] [--progress] [-v] [DATE [DATE]]\n"
    "       lark-fetch [--chat ID] --backfill N | --catch-up | --today\n"
    "       lark-fetch [--chat ID] --since TIME [--until TIME]\n"
    "       lark-fetch --list-days [same arguments]";

static const srw_opt opts[] = {
	{ "chat", OPT_CHAT, "ID", "the chat to read (default $LARK_CHAT_ID, else BYOC Online Alarm)" },
	{ "backfill", OPT_BACKFILL, "N", "the N Pacific days before today" },
	{ "catch-up", OPT_CATCH_UP, NULL, "yesterday and today so far" },
	{ "today", OPT_TODAY, NULL, "today so far" },
	{ "since", OPT_SINCE, "TIME", "one window from TIME (RFC 3339 or epoch)" },
	{ "until", OPT_UNTIL, "TIME", "... to TIME (default now)" },
	{ "list-days", OPT_LIST_DAYS, NULL, "print the Pacific days it would fetch, fetch nothing" },
	{ "timeout", OPT_TIMEOUT, "DURATION", "per request (default 30s)" },
	{ "progress", OPT_PROGRESS, NULL, "show progress even when stderr is not a terminal" },
	{ "verbose", 'v', NULL, "messages per day on stderr (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

static void
day_window(int64_t days, struct window *w)
{
	int y, m, d;

	srw_civil_from_days(days, &y, &m, &d);
	srw_pacific_day(y, m, d, &w->start, &w->end);
	snprintf(w->label, sizeof w->label, "%04d-%02d-%02d", y, m, d);
}

static int64_t
days_of(const char *s)
{
	int y, m, d;

	if (srw_date_parse(s, &y, &m, &d) != 0)
		srw_die(SRW_EX_USAGE, "%s: not a date (YYYY-MM-DD)", s);
	return srw_days_from_civil(y, m, d);
}

static int64_t
days_rel(int64_t now, int delta)
{
	int y, m, d;

	srw_pacific_date_rel(now, delta, &y, &m, &d);
	return srw_days_from_civil(y, m, d);
}

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->ms != y->ms)
		return x->ms < y->ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
on_item(json_t *it, void *ctx)
{
	struct fetch *f = ctx;
	const char *ct = srw_json_str(it, "create_time"), *id = srw_json_str(it, "message_id");
	char *end;
	int64_t ms;

	f->seen++;
	srw_progress("%s: page %ld, %zu messages", f->w->label,
	    srw_lark_pages(f->lark) - f->pages0, f->seen);
	if (!id || !ct || !*ct || (ms = strtoll(ct, &end, 10), *end)) {
		srw_warn("%s: skipping an item without message_id or create_time",
		    f->w->label);
		return 0;
	}
	if (ms < f->w->start || ms >= f->w->end)
		return 0;
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 256;
		f->v = srw_xrealloc(f->v, f->cap * sizeof *f->v);
	}
	f->v[f->n].j = json_incref(it);
	f->v[f->n].ms = ms;
	f->v[f->n].seq = f->n;
	f->n++;
	return 0;
}

/* Sorted by create_time; a message seen twice (overlapping pages) has the
 * same create_time, so its copies sit in the same run of equal times. */
static size_t
print_items(struct fetch *f)
{
	size_t i, j, out = 0;

	if (f->n > 1)
		qsort(f->v, f->n, sizeof *f->v, item_cmp);
	for (i = 0; i < f->n; i++) {
		const char *id = srw_json_str(f->v[i].j, "message_id");
		bool dup = false;

		for (j = i; j-- > 0 && f->v[j].ms == f->v[i].ms;)
			if (strcmp(srw_json_str(f->v[j].j, "message_id"), id) == 0)
				dup = true;
		if (!dup) {
			if (srw_json_print(stdout, f->v[i].j) != 0)
				srw_die(SRW_EX_TEMPFAIL, "write stdout:");
			out++;
		}
	}
	for (i = 0; i < f->n; i++)
		json_decref(f->v[i].j);
	f->n = 0;
	if (fflush(stdout) != 0)
		srw_die(SRW_EX_TEMPFAIL, "write stdout:");
	return out;
}

static void
list_days(const struct window *w, size_t nw)
{
	char buf[16];
	size_t i;

	for (i = 0; i < nw; i++) {
		int64_t d = days_of(srw_pacific_date(w[i].start, buf));
		int64_t last = days_of(srw_pacific_date(w[i].end - 1, buf));

		for (; d <= last; d++) {
			int y, m, dd;

			srw_civil_from_days(d, &y, &m, &dd);
			printf("%04d-%02d-%02d\n", y, m, dd);
		}
	}
}

int
main(int argc, char *argv[])
{
	const char *chat = NULL, *since = NULL, *until = NULL, *id, *secret;
	long backfill = 0;
	int64_t timeout_ms = 30000;
	bool catchup = false, today = false, listdays = false;
	int64_t now = srw_now_ms(), first, last, d;
	struct window *w;
	struct fetch f = { 0 };
	size_t nw = 0, i;
	char err[512];
	int c, rc = 0, modes;

	srw_init("lark-fetch", argc, argv);
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case OPT_BACKFILL: backfill = srw_opt_num(optarg, 1, MAX_DAYS, "--backfill"); break;
		case OPT_CATCH_UP: catchup = true; break;
		case OPT_TODAY: today = true; break;
		case OPT_SINCE: since = optarg; break;
		case OPT_UNTIL: until = optarg; break;
		case OPT_CHAT: chat = optarg; break;
		case OPT_LIST_DAYS: listdays = true; break;
		case OPT_PROGRESS: srw_progress_force(true); break;
		case OPT_TIMEOUT:
			timeout_ms = srw_opt_duration(optarg, 1, INT64_MAX, "--timeout");
			break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	argc -= optind;
	argv += optind;
	modes = (backfill > 0) + catchup + today + (since || until) + (argc > 0);
	if (argc > 2)
		srw_opt_error("at most two dates");
	if (modes > 1)
		srw_opt_error("dates, --backfill, --catch-up, --today and --since are one each");
	if (until && !since)
		srw_opt_error("--until goes with --since");

	/* the windows: Pacific days, or one --since/--until window */
	if (since) {
		w = srw_xcalloc(1, sizeof *w);
		if (srw_time_parse(since, &w->start) != 0)
			srw_die(SRW_EX_USAGE, "--since %s: not RFC 3339 or epoch", since);
		w->end = now;
		if (until && srw_time_parse(until, &w->end) != 0)
			srw_die(SRW_EX_USAGE, "--until %s: not RFC 3339 or epoch", until);
		if (w->end <= w->start)
			srw_die(SRW_EX_USAGE, "--until must be after --since");
		snprintf(w->label, sizeof w->label, "window");
		nw = 1;
	} else {
		if (argc > 0) {
			first = days_of(argv[0]);
			last = argc > 1 ? days_of(argv[1]) : first;
		} else if (backfill) {
			first = days_rel(now, -(int)backfill);
			last = days_rel(now, -1);
		} else if (catchup || today) {
			first = days_rel(now, catchup ? -1 : 0);
			last = days_rel(now, 0);
		} else {
			first = last = days_rel(now, -1);
		}
		if (last < first || last - first >= MAX_DAYS)
			srw_die(SRW_EX_USAGE, "dates: the second must not be before the first "
			    "(and at most %d days)", MAX_DAYS);
		w = srw_xcalloc((size_t)(last - first + 1), sizeof *w);
		for (d = first; d <= last; d++)
			day_window(d, &w[nw++]);
	}
	if (listdays) {
		list_days(w, nw);
		free(w);
		return srw_finish(SRW_EX_OK);
	}

	if (!(id = srw_env("LARK_APP_ID", NULL)))
		srw_die(SRW_EX_USAGE, "LARK_APP_ID is not set (the Lark app's id)");
	if (!(secret = srw_env("LARK_APP_SECRET", NULL)))
		srw_die(SRW_EX_USAGE, "LARK_APP_SECRET is not set (the Lark app's secret)");
	if (!chat && !(chat = srw_env("LARK_CHAT_ID", NULL))) {
		/* the default is right for the deployment it was written for;
		 * anyone else should see which channel they are reading */
		chat = DEFAULT_CHAT;
		srw_warn("LARK_CHAT_ID is not set: reading the default chat %s "
		    "(BYOC Online Alarm)", chat);
	} else {
		srw_info("reading chat %s", chat);
	}
	f.lark = srw_lark_new(srw_env("LARK_BASE_URL", "https://open.larksuite.com"),
	    id, secret);
	srw_lark_set_timeout(f.lark, (long)timeout_ms);

	for (i = 0; i < nw && rc == 0; i++) {
		size_t out;

		f.w = &w[i];
		f.seen = 0;
		f.pages0 = srw_lark_pages(f.lark);
		/* seconds for the API (it filters whole seconds); the exact
		 * half-open window in ms is applied to what comes back */
		rc = srw_lark_messages(f.lark, chat, w[i].start / 1000,
		    (w[i].end + 999) / 1000, on_item, &f, err, sizeof err);
		srw_progress_end();
		if (rc != 0) {
			srw_warn("%s: %s", w[i].label, err);
			for (size_t k = 0; k < f.n; k++)
				json_decref(f.v[k].j);
			break;
		}
		out = print_items(&f);
		srw_info("%s: %zu messages (%zu items received)", w[i].label, out, f.seen);
	}
	free(f.v);
	free(w);
	srw_lark_free(f.lark);
	return srw_finish(rc);
}
