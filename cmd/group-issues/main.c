/* group-issues - alert sections grouped into issues (lib/issues.c), and the
 * issues' triage lifecycle from the terminal (triage.c). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srw.h"
#include "gi.h"

static const char *state_path, *classes_path, *since_s, *until_s, *now_s, *reject_path;
static bool do_write, strict, progress;
static int64_t window_ms = 30 * 60000, corr_ms = 4 * 3600000, quiet_ms = 4 * 3600000,
    retain_ms = 7 * 86400000LL;

struct run {
	srw_issues *g;
	srw_db *db;
	srw_table *t;
	srw_ins *ins;
	FILE *state;	/* the new state file, renamed into place at the end */
	char *state_tmp;
	FILE *spool;	/* rows for it, each after its end time and a tab */
	long spooled, kept;	/* rows in the spool; kept at the last compaction */
	srw_buf out, row;
	long changed, refused;
	bool unavailable;
};

enum { OPT_WINDOW = SRW_OPT_LONG, OPT_CORRELATION, OPT_QUIET, OPT_CLASSES,
	OPT_STATE, OPT_RETAIN, OPT_SINCE, OPT_UNTIL, OPT_NOW, OPT_STRICT, OPT_REJECT };

static const char synopsis[] =
    "group-issues [--window DUR] [--correlation DUR] [--quiet DUR]\n"
    "                    [--classes FILE] [--state FILE [--retain DUR] | --write]\n"
    "                    [--since TIME] [--until TIME] [--now TIME] [--strict]\n"
    "                    [--reject FILE] [--progress] [-v] [DATE | - | FILE ...]\n"
    "       group-issues triage ID STATUS [--note TEXT] [--by WHO]\n"
    "       group-issues dispose ID \"No Action Needed\" | --jira KEY [--note TEXT] [--by WHO]\n"
    "       group-issues list [--open] [--cluster C] [--limit N] [--format text|ndjson]\n"
    "       group-issues show ID";

static const srw_opt opts[] = {
	{ "window", OPT_WINDOW, "DUR", "alerts this close make one issue (default 30m)" },
	{ "correlation", OPT_CORRELATION, "DUR", "related classes within this time (default 4h)" },
	{ "quiet", OPT_QUIET, "DUR", "an issue quiet this long is Resolved (default 4h)" },
	{ "classes", OPT_CLASSES, "FILE", "alert classes from FILE" },
	{ "state", OPT_STATE, "FILE", "keep open issues in FILE, not in the database" },
	{ "retain", OPT_RETAIN, "DUR", "keep closed issues in --state this long (default 7d)" },
	{ "write", 'w', NULL, "store changed issues in ops.issues" },
	{ "since", OPT_SINCE, "TIME", "group alerts of the database from TIME" },
	{ "until", OPT_UNTIL, "TIME", "... up to TIME" },
	{ "now", OPT_NOW, "TIME", "the time to close quiet issues at (default now)" },
	{ "strict", OPT_STRICT, NULL, "stop at the first bad line (exit 65)" },
	{ "reject", OPT_REJECT, "FILE", "keep bad lines in FILE" },
	{ "progress", 'p', NULL, "show progress even when stderr is not a terminal" },
	{ "verbose", 'v', NULL, "more diagnostics (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

static int64_t
duration(const char *opt, const char *s)
{
	return srw_opt_duration(s, 1, INT64_MAX, opt);
}

/* ---- output, state file, database writes ------------------------------ */

static void
write_row(struct run *r, const srw_issue *is)
{
	char reason[512];
	srw_val *v = srw_val_parse(r->row.s, r->row.len - 1);
	int rc;

	if (!v)
		srw_die(SRW_EX_SOFTWARE, "issue %s: bad row", is->id);
	rc = srw_ins_add(r->ins, v, r->row.s, r->row.len - 1, reason, sizeof reason);
	if (rc == -2) {
		r->unavailable = true;
	} else if (rc != 0) {
		srw_warn("issue %s not stored: %s", is->id, reason);
		r->refused++;
	} else if (srw_ins_full(r->ins) && srw_ins_flush(r->ins) != 0) {
		r->unavailable = true;
	}
	srw_val_free(v);
}

static void
on_refused(const char *line, size_t len, const char *reason, void *ctx)
{
	srw_warn("ops.issues refused an issue: %s: %.*s", reason,
	    (int)(len > 120 ? 120 : len), line);
}

/*
 * The state file keeps what group-issues(1) promises: open issues and those
 * resolved within --retain of the latest alert.  Issues leave the engine
 * long before they leave that window, and the latest alert is known only at
 * the end, so their rows wait in a spool (an unlinked file beside the
 * state) that is compacted whenever it doubles: disk, not memory, follows
 * the retained issues.
 */
static bool
retained(const struct run *r, int64_t end)	/* end -1: open */
{
	int64_t w = srw_issues_watermark(r->g);

	return end < 0 || w == INT64_MIN || end >= w - retain_ms;
}

static FILE *
spool_new(void)
{
	size_t n = strlen(state_path) + 16;
	char *path = srw_xmalloc(n);
	FILE *fp;
	int fd;

	snprintf(path, n, "%s.spoolXXXXXX", state_path);
	if ((fd = mkstemp(path)) < 0 || !(fp = fdopen(fd, "w+")))
		srw_die(SRW_EX_TEMPFAIL, "%s:", path);
	unlink(path);
	free(path);
	return fp;
}

/* Drops the rows that left the window; at the end, writes the state file. */
static void
spool_compact(struct run *r, bool final)
{
	FILE *to = final ? r->state : spool_new();
	char *line = NULL, *tab;
	size_t cap = 0;
	ssize_t len;

	if (fflush(r->spool) != 0 || fseek(r->spool, 0, SEEK_SET) != 0)
		srw_die(SRW_EX_TEMPFAIL, "state spool:");
	r->kept = 0;
	while ((len = getline(&line, &cap, r->spool)) > 0) {
		if (!(tab = strchr(line, '\t')) || !retained(r, strtoll(line, NULL, 10)))
			continue;
		if (final)
			fwrite(tab + 1, 1, (size_t)(line + len - tab - 1), to);
		else
			fwrite(line, 1, (size_t)len, to);
		r->kept++;
	}
	if (ferror(r->spool) || ferror(to))
		srw_die(SRW_EX_TEMPFAIL, "state spool:");
	free(line);
	fclose(r->spool);
	r->spool = final ? NULL : to;
	r->spooled = r->kept;
}

static void
emit(const srw_issue *is, void *ctx)
{
	struct run *r = ctx;
	int64_t end = is->resolved_at >= 0 ? is->resolved_at : is->last_seen;

	if (!is->dirty && !r->state)
		return;
	srw_buf_reset(&r->row);
	srw_issue_jw(&r->row, is);
	if (r->state && retained(r, is->resolved_at < 0 ? -1 : end)) {
		fprintf(r->spool, "%lld\t", (long long)(is->resolved_at < 0 ? -1 : end));
		fwrite(r->row.s, 1, r->row.len, r->spool);
		if (++r->spooled > 2 * (r->kept > 4096 ? r->kept : 4096))
			spool_compact(r, false);
	}
	if (!is->dirty)
		return;
	r->changed++;
	if (r->ins && !r->unavailable)
		write_row(r, is);
	else if (!r->ins) {
		srw_buf_add(&r->out, r->row.s, r->row.len);
		srw_jw_flush(&r->out, stdout, 1 << 16);
	}
}

/* ---- stored issues ------------------------------------------------------ */

static void
add_stored_cols(struct run *r, srw_res *res)
{
	char **row;
	unsigned i, n = srw_res_ncols(res);

	while ((row = srw_res_next(res, NULL))) {
		srw_issue is;
		bool ok = true;

		srw_issue_init(&is);
		for (i = 0; i < n; i++)
			if (srw_issue_set(&is, srw_res_colname(res, i), row[i]) != 0)
				ok = false;
		if (ok)
			srw_issues_add(r->g, &is);
		else
			srw_warn("ops.issues: row %s unreadable: skipped", is.id);
		srw_issue_clear(&is);
	}
}

static void
load_query(struct run *r, const char *where)
{
	srw_buf q;
	srw_res *res;

	srw_buf_init(&q);
	srw_buf_printf(&q, "SELECT %s FROM ops.issues WHERE %s", GI_ISSUE_COLS, where);
	if (!(res = srw_db_query_retry(r->db, q.s, 3)))
		srw_die(SRW_EX_UNAVAILABLE, "reading ops.issues: %s", srw_db_error(r->db));
	add_stored_cols(r, res);
	srw_res_free(res);
	srw_buf_free(&q);
}

/* The engine asks for a cluster's stored issues ending in [from, to). */
static void
load_cluster(srw_issues *g, const char *cluster, int64_t from, int64_t to, void *ctx)
{
	struct run *r = ctx;
	char a[24], b[24];
	srw_buf w;

	srw_buf_init(&w);
	srw_buf_adds(&w, "cluster_id = ");
	srw_db_quote(r->db, &w, cluster, strlen(cluster));
	srw_buf_printf(&w, " AND COALESCE(resolved_at, last_seen) >= '%s'",
	    srw_time_fmt_sql(from < 0 ? 0 : from, a));
	if (to != INT64_MAX)
		srw_buf_printf(&w, " AND COALESCE(resolved_at, last_seen) < '%s'",
		    srw_time_fmt_sql(to < 0 ? 0 : to, b));
	load_query(r, w.s);
	srw_buf_free(&w);
}

static int
on_state(srw_val *rec, const srw_line *ln, void *ctx)
{
	struct run *r = ctx;
	srw_issue is;
	srw_val *kv;
	char num[64];

	srw_issue_init(&is);
	for (kv = srw_val_first(rec); kv; kv = srw_val_next(kv)) {
		const char *v = srw_val_str(kv);
		double d;
		bool bl;

		if (!v && srw_val_type(kv) == SRW_NUM && srw_val_num(kv, &d)) {
			snprintf(num, sizeof num, "%.0f", d);
			v = num;
		} else if (!v && srw_val_bool(kv, &bl)) {
			v = bl ? "true" : "false";
		}
		if (srw_issue_set(&is, srw_val_key(kv), v) != 0) {
			srw_ndjson_reject(ln, "state: bad %s", srw_val_key(kv));
			srw_issue_clear(&is);
			return SRW_NDJSON_REJECT;
		}
	}
	if (!is.id[0] || !is.cluster_id || is.first_seen < 0) {
		srw_ndjson_reject(ln, "state: not an issue");
		srw_issue_clear(&is);
		return SRW_NDJSON_REJECT;
	}
	srw_issues_add(r->g, &is);
	srw_issue_clear(&is);
	return 0;
}

static void
open_state(struct run *r)
{
	FILE *fp = fopen(state_path, "r");
	size_t n = strlen(state_path) + 8;

	if (fp) {
		srw_ndjson_each(fp, state_path, on_state, r);
		fclose(fp);
	}
	r->state_tmp = srw_xmalloc(n);
	snprintf(r->state_tmp, n, "%s.tmp", state_path);
	if (!(r->state = fopen(r->state_tmp, "w")))
		srw_die(SRW_EX_TEMPFAIL, "%s:", r->state_tmp);
	r->spool = spool_new();
}

static void
close_state(struct run *r)
{
	spool_compact(r, true);
	if (fflush(r->state) != 0 || ferror(r->state) || fsync(fileno(r->state)) != 0 ||
	    fclose(r->state) != 0)
		srw_die(SRW_EX_TEMPFAIL, "writing %s:", r->state_tmp);
	if (rename(r->state_tmp, state_path) != 0)
		srw_die(SRW_EX_TEMPFAIL, "rename %s:", r->state_tmp);
	free(r->state_tmp);
}

/* ---- input --------------------------------------------------------------- */

/* Sections of a row from alerts.lark_alerts: a bad one is reported. */
static void
feed_db_sections(struct run *r, srw_section *s, int n)
{
	char reason[256];
	int i;

	for (i = 0; i < n; i++)
		if (srw_issues_feed(r->g, &s[i], reason, sizeof reason) < 0)
			srw_warn("alerts.lark_alerts %s: %s", s[i].message_id, reason);
}

/*
 * The hot path: one pass over the row's keys, the '|'-joined fields split in
 * place (sections.c's rules: a field with fewer parts repeats its last one,
 * a one-section row keeps its fields whole), no allocation per section.
 */
enum { F_MSG, F_CREATED, F_CID, F_CNAME, F_STATUS, F_NAME, NF };
#define MAXSEC 256

struct parts {
	char *p[MAXSEC];
	int n;
};

static void
split_parts(char *s, struct parts *pt, int want)
{
	pt->n = 0;
	pt->p[pt->n++] = s;
	if (want == 1)
		return;
	/* strchr: the C library's vector loop, not a byte at a time */
	while (pt->n < MAXSEC && (s = strchr(s, '|'))) {
		*s++ = '\0';
		pt->p[pt->n++] = s;
	}
}

static int
on_alert(srw_val *row, const srw_line *ln, void *ctx)
{
	static const char *const keys[NF] = { "message_id", "created_at", "cluster_id",
		"cluster_name", "alert_status", "alert_name" };
	struct run *r = ctx;
	const char *val[NF] = { 0 };
	char *copy[NF] = { 0 }, *heap[NF] = { 0 }, stack[4096];
	size_t used = 0;
	struct parts pt[NF];
	srw_section s = { 0 };
	srw_val *kv;
	int f, i, n = 1;
	int64_t ms;

	for (kv = srw_val_first(row); kv; kv = srw_val_next(kv)) {
		const char *k = srw_val_key(kv);

		for (f = 0; f < NF; f++) {
			if (!val[f] && k[0] == keys[f][0] && k[1] == keys[f][1] &&
			    strcmp(k, keys[f]) == 0) {
				val[f] = srw_val_str(kv);
				break;
			}
		}
	}
	if (!val[F_NAME] || !*val[F_NAME]) {
		srw_ndjson_reject(ln, "not an alert row (no alert_name)");
		return SRW_NDJSON_REJECT;
	}
	for (const char *p = val[F_NAME]; (p = strchr(p, '|')); p++)
		n++;
	if (n > MAXSEC) {
		srw_ndjson_reject(ln, "more than %d sections", MAXSEC);
		return SRW_NDJSON_REJECT;
	}
	if (!val[F_CREATED] || srw_time_parse(val[F_CREATED], &ms) != 0)
		ms = -1;
	for (f = F_CID; f < NF; f++) {
		size_t l = val[f] ? strlen(val[f]) + 1 : 1;

		if (used + l <= sizeof stack) {
			copy[f] = stack + used;
			used += l;
		} else {
			copy[f] = heap[f] = srw_xmalloc(l);
		}
		memcpy(copy[f], val[f] ? val[f] : "", l);
		split_parts(copy[f], &pt[f], n);
	}
	s.message_id = val[F_MSG];
	s.created_ms = ms;
	for (i = 0; i < n; i++) {
		char reason[256];

		s.index = i;
		s.cluster_id = pt[F_CID].p[i < pt[F_CID].n ? i : pt[F_CID].n - 1];
		s.cluster_name = pt[F_CNAME].p[i < pt[F_CNAME].n ? i : pt[F_CNAME].n - 1];
		s.alert_status = pt[F_STATUS].p[i < pt[F_STATUS].n ? i : pt[F_STATUS].n - 1];
		s.alert_name = pt[F_NAME].p[i];
		if (srw_issues_feed(r->g, &s, reason, sizeof reason) < 0)
			srw_ndjson_reject(ln, "%s", reason);
	}
	for (f = F_CID; f < NF; f++)
		free(heap[f]);
	if (progress && srw_ndjson_read_count() % 4096 == 0)
		srw_progress("%ld alert rows read", srw_ndjson_read_count());
	return 0;
}

/* Alert rows of [since, until) from alerts.lark_alerts, in time order, a
 * page at a time (keyset paging: the client buffers whole results). */
static void
read_db_alerts(struct run *r, int64_t since, int64_t until)
{
	char a[24], b[24], last_t[24] = "";
	char *last_id = NULL;
	srw_buf q;
	unsigned long long rows;

	srw_buf_init(&q);
	do {
		srw_res *res;
		char **row;

		srw_buf_reset(&q);
		srw_buf_printf(&q, "SELECT %s FROM alerts.lark_alerts WHERE created_at >= '%s' "
		    "AND created_at < '%s'", SRW_ALERT_COLS, srw_time_fmt_sql(since, a),
		    srw_time_fmt_sql(until, b));
		if (last_id) {
			srw_buf_printf(&q, " AND (created_at > '%s' OR (created_at = '%s' "
			    "AND message_id > ", last_t, last_t);
			srw_db_quote(r->db, &q, last_id, strlen(last_id));
			srw_buf_adds(&q, "))");
		}
		srw_buf_adds(&q, " ORDER BY created_at, message_id LIMIT 5000");
		if (!(res = srw_db_query_retry(r->db, q.s, 3)))
			srw_die(SRW_EX_UNAVAILABLE, "reading alerts.lark_alerts: %s",
			    srw_db_error(r->db));
		rows = srw_res_nrows(res);
		while ((row = srw_res_next(res, NULL))) {
			srw_section *s;
			int n = srw_sections_split_cols(row, &s);

			feed_db_sections(r, s, n);
			srw_sections_free(s, n);
			free(last_id);
			last_id = srw_xstrdup(row[0] ? row[0] : "");
			snprintf(last_t, sizeof last_t, "%s", row[1] ? row[1] : "");
		}
		srw_res_free(res);
	} while (rows == 5000);
	free(last_id);
	srw_buf_free(&q);
}

static srw_db *
db_open(void)
{
	char err[512];
	srw_db *db = srw_db_open(2, err, sizeof err);

	if (!db)
		srw_die(SRW_EX_UNAVAILABLE, "database: %s", err);
	return db;
}

/* A DATE argument or --since/--until: the window of alerts.lark_alerts to
 * group; returns false for stdin/file input.  An operand shaped like a date
 * is a date, never a file (./2026-03-10 names the file). */
static bool
db_window(int argc, char *argv[], int64_t *since, int64_t *until)
{
	int y, m, d;

	if (argc == 1 && srw_date_like(argv[0])) {
		if (srw_date_parse(argv[0], &y, &m, &d) != 0)
			srw_opt_error("invalid date '%s'", argv[0]);
		if (since_s || until_s)
			srw_opt_error("a DATE does not go with --since/--until");
		srw_pacific_day(y, m, d, since, until);
		return true;
	}
	if (!since_s && !until_s)
		return false;
	if (argc > 0)
		srw_opt_error("--since/--until read the database: no input files");
	*since = 0;
	*until = srw_now_ms() + 86400000;
	if (since_s && srw_time_parse(since_s, since) != 0)
		srw_die(SRW_EX_USAGE, "--since: bad time '%s'", since_s);
	if (until_s && srw_time_parse(until_s, until) != 0)
		srw_die(SRW_EX_USAGE, "--until: bad time '%s'", until_s);
	return true;
}

static int
group(int argc, char *argv[])
{
	struct run r = { 0 };
	srw_issues_opts o = { window_ms, corr_ms, quiet_ms, emit, NULL, &r };
	srw_ndjson_opts no = { strict, reject_path };
	int64_t since, until, now = srw_now_ms();
	bool from_db = db_window(argc, argv, &since, &until);
	char err[512];

	if (now_s && srw_time_parse(now_s, &now) != 0)
		srw_die(SRW_EX_USAGE, "--now: bad time '%s'", now_s);
	srw_buf_init(&r.out);
	srw_buf_init(&r.row);
	if (!state_path)
		o.load = load_cluster;
	if (!(r.g = srw_issues_new(&o)))
		srw_die(SRW_EX_SOFTWARE, "out of memory");
	if (classes_path && srw_issues_classes(r.g, classes_path, err, sizeof err) != 0)
		srw_die(SRW_EX_USAGE, "--classes %s", err);
	srw_ndjson_setup(&no);
	progress = srw_progress_on();
	if (from_db || !state_path)
		r.db = db_open();
	if (state_path) {
		open_state(&r);
	} else {
		load_query(&r, "issue_status = 'Ongoing'");
	}
	if (do_write) {
		srw_ins_opts io = { .mode = SRW_INS_UPSERT, .batch_rows = 500,
			.on_reject = on_refused };

		if (!(r.t = srw_table_load(r.db, "ops.issues", err, sizeof err)))
			srw_die(SRW_EX_UNAVAILABLE, "%s", err);
		r.ins = srw_ins_new(r.db, r.t, &io);
	}

	if (from_db)
		read_db_alerts(&r, since, until);
	else
		srw_ndjson_files(argc, argv, on_alert, &r);
	srw_progress_end();
	srw_issues_finish(r.g, now);
	srw_jw_flush(&r.out, stdout, 0);
	if (r.ins && !r.unavailable && srw_ins_flush(r.ins) != 0)
		r.unavailable = true;
	if (r.state)
		close_state(&r);
	srw_info("%ld issues changed%s; at most %zu held at once", r.changed,
	    do_write ? " (written)" : "", srw_issues_peak(r.g));

	if (r.ins)
		r.refused += (long)srw_ins_refused(r.ins);
	srw_issues_free(r.g);
	srw_buf_free(&r.out);
	srw_buf_free(&r.row);
	if (r.ins)
		srw_ins_free(r.ins);
	srw_table_free(r.t);
	if (r.db)
		srw_db_close(r.db);
	if (r.unavailable)
		srw_die(SRW_EX_UNAVAILABLE, "ops.issues: not all changed issues were stored");
	return r.refused || srw_ndjson_reject_count() ? SRW_EX_REJECTED : SRW_EX_OK;
}

int
main(int argc, char *argv[])
{
	int c;

	srw_init("group-issues", argc, argv);
	if (argc > 1 && gi_is_subcommand(argv[1]))
		return srw_finish(gi_subcommand(argc - 1, argv + 1));
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case OPT_WINDOW: window_ms = duration("--window", optarg); break;
		case OPT_CORRELATION: corr_ms = duration("--correlation", optarg); break;
		case OPT_QUIET: quiet_ms = duration("--quiet", optarg); break;
		case OPT_RETAIN: retain_ms = duration("--retain", optarg); break;
		case OPT_CLASSES: classes_path = optarg; break;
		case OPT_STATE: state_path = optarg; break;
		case 'w': do_write = true; break;
		case OPT_SINCE: since_s = optarg; break;
		case OPT_UNTIL: until_s = optarg; break;
		case OPT_NOW: now_s = optarg; break;
		case OPT_STRICT: strict = true; break;
		case OPT_REJECT: reject_path = optarg; break;
		case 'p': srw_progress_force(true); break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	if (do_write && state_path)
		srw_opt_error("--write keeps the state in ops.issues: --state does not go with it");
	return srw_finish(group(argc - optind, argv + optind));
}
