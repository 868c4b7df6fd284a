/* sr-insert - NDJSON rows into a StarRocks (or MariaDB) table through the
 * library's row writer (bulk prepared statements on MariaDB, Stream Load on
 * StarRocks), upserting by default, stored within --flush-interval and on
 * SIGTERM. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srw.h"
#include "flush.h"
#include "jobs.h"
#include "replace.h"

static const char *table, *reject_path, *replace_key;
static bool append, ignore_unknown, dry_run, strict, stream_load, force_insert;
static long batch_rows = 1000, batch_bytes = 4L << 20, retry_s = 120, njobs = 1;
static long flush_ms = -1;	/* --flush-interval; -1: by the kind of input */

struct state {
	srw_db *db;
	srw_table *t;
	srw_ins *ins;
	pthread_mutex_t mu;	/* the writer (or jobs): reader and clock thread */
	FILE *reject;
	struct replace *rk;
	unsigned long long rejected;
	bool unavailable;
	bool pipe_input;	/* some input is not a regular file */
	bool cut;	/* stopped by a signal before the end of a file */
	struct jobs *jobs;	/* parallel loader, when --jobs > 1 */
	int64_t jobs_since;	/* first row handed to the workers since their last flush */
	unsigned long long jobs_stored;
	unsigned long jobs_batches;
	const char *file;
};

enum { OPT_BATCH_BYTES = SRW_OPT_LONG, OPT_RETRY_FOR, OPT_STREAM_LOAD, OPT_INSERT,
	OPT_FLUSH_INTERVAL };

static const char synopsis[] =
    "sr-insert -t DB.TABLE [--batch N] [--batch-bytes N] [--append]\n"
    "                 [--replace-key COL[,COL]] [--ignore-unknown] [--reject FILE]\n"
    "                 [--strict] [--dry-run] [--retry-for DURATION] [--jobs N]\n"
    "                 [--flush-interval DURATION] [--stream-load | --insert]\n"
    "                 [--progress] [-v] [FILE ...]";

static const srw_opt opts[] = {
	{ "table", 't', "DB.TABLE", "the table (required)" },
	{ "batch", 'b', "N", "rows per batch (default 1000)" },
	{ "batch-bytes", OPT_BATCH_BYTES, "N", "bytes of values per batch (default 4 MiB)" },
	{ "append", 'a', NULL, "plain INSERT, no upsert" },
	{ "replace-key", 'k', "COL[,COL]", "delete the rows with these key values first" },
	{ "ignore-unknown", 'i', NULL, "drop keys that are not columns of the table" },
	{ "reject", 'r', "FILE", "append rejected lines to FILE" },
	{ "strict", 's', NULL, "stop at the first rejected line (exit 65)" },
	{ "dry-run", 'n', NULL, "print the SQL, change nothing" },
	{ "retry-for", OPT_RETRY_FOR, "DURATION", "retry a batch this long (default 120s)" },
	{ "jobs", 'j', "N", "parallel connections, 1 to 64 (default 1)" },
	{ "flush-interval", OPT_FLUSH_INTERVAL, "DURATION",
	    "store rows at most this late (default 1s from a pipe, 0 off)" },
	{ "stream-load", OPT_STREAM_LOAD, NULL, "Stream Load (the default on StarRocks)" },
	{ "insert", OPT_INSERT, NULL, "INSERT statements, not bulk or Stream Load" },
	{ "progress", 'p', NULL, "show progress even when stderr is not a terminal" },
	{ "verbose", 'v', NULL, "more diagnostics (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

static void
on_refused(const char *line, size_t len, const char *reason, void *ctx)
{
	struct state *st = ctx;

	st->rejected++;
	srw_warn("row refused by the server: %s: %.*s", reason,
	    (int)(len > 120 ? 120 : len), line);
	if (st->reject) {
		fwrite(line, 1, len, st->reject);
		fputc('\n', st->reject);
		if (fflush(st->reject) != 0)
			srw_die(SRW_EX_TEMPFAIL, "write %s:", reject_path);
	}
	if (strict)
		srw_die(SRW_EX_DATAERR, "stopping at the first refused row (--strict)");
}

/* From the parallel loader (called with its lock held). */
static void
on_job_reject(const char *line, size_t len, long lineno, const char *reason, void *ctx)
{
	struct state *st = ctx;

	if (lineno > 0) {
		srw_line ln = { .text = line, .len = len, .lineno = lineno, .file = st->file };

		srw_ndjson_reject(&ln, "%s", reason);
	} else {
		on_refused(line, len, reason, ctx);
	}
}

static void
give_up(struct state *st)
{
	size_t i, n = srw_ins_pending(st->ins), len;

	st->unavailable = true;
	srw_warn("%s unavailable: %s", strcmp(srw_ins_path_name(st->ins), "stream-load") ?
	    "database" : "Stream Load", srw_ins_error(st->ins)[0] ? srw_ins_error(st->ins) :
	    srw_db_error(st->db));
	for (i = 0; i < n && st->reject; i++) {
		const char *l = srw_ins_pending_line(st->ins, i, &len);

		fwrite(l, 1, len, st->reject);
		fputc('\n', st->reject);
	}
	if (n)
		srw_warn("%zu queued rows not stored%s", n,
		    st->reject ? " (written to the reject file)" : "");
	st->rejected += n;
	srw_ins_drop_pending(st->ins);
}

static int
add_row(struct state *st, srw_val *row, const srw_line *ln)
{
	char reason[512];
	int rc;

	if (st->jobs) {
		st->file = ln->file;
		if (jobs_add(st->jobs, row, ln) != 0)
			return SRW_NDJSON_STOP;
		if (!st->jobs_since)
			st->jobs_since = srw_now_ms();
		return 0;
	}
	if (st->rk) {
		rc = replace_before(st->rk, st->db, st->ins, row, dry_run, reason, sizeof reason);
		if (rc == -1) {
			srw_ndjson_reject(ln, "%s", reason);
			return SRW_NDJSON_REJECT;
		}
		if (rc == -2)
			give_up(st);
		if (rc < 0) {
			st->unavailable = true;
			return SRW_NDJSON_STOP;
		}
	}
	rc = srw_ins_add(st->ins, row, ln->text, ln->len, reason, sizeof reason);
	if (rc == -1) {
		srw_ndjson_reject(ln, "%s", reason);
		return SRW_NDJSON_REJECT;
	}
	if (rc == -2 || (srw_ins_full(st->ins) && srw_ins_flush(st->ins) != 0)) {
		give_up(st);
		return SRW_NDJSON_STOP;
	}
	return 0;
}

static int
on_row(srw_val *row, const srw_line *ln, void *ctx)
{
	struct state *st = ctx;
	int rc;

	if (flush_signal() && !st->pipe_input) {
		st->cut = true;	/* a file: stop here, what was read is stored */
		return SRW_NDJSON_STOP;
	}
	pthread_mutex_lock(&st->mu);
	rc = st->unavailable ? SRW_NDJSON_STOP : add_row(st, row, ln);
	pthread_mutex_unlock(&st->mu);
	if (srw_progress_on())
		srw_progress("%ld rows read, %llu stored", srw_ndjson_read_count(),
		    srw_ins_stored(st->ins));
	return rc;
}

/* The clock thread: rows waiting longer than --flush-interval, or all of
 * them after a signal, go to the server. */
static void
on_tick(void *ctx, bool stopping)
{
	struct state *st = ctx;
	long age;

	pthread_mutex_lock(&st->mu);
	if (!st->unavailable && st->jobs) {
		if (st->jobs_since && (stopping ||
		    (flush_ms > 0 && srw_now_ms() - st->jobs_since >= flush_ms))) {
			jobs_flush(st->jobs);
			st->jobs_since = 0;
		}
	} else if (!st->unavailable && (age = srw_ins_age_ms(st->ins)) >= 0 &&
	    (stopping || (flush_ms > 0 && age >= flush_ms))) {
		if (srw_ins_flush(st->ins) != 0)
			give_up(st);
	}
	pthread_mutex_unlock(&st->mu);
}

int
main(int argc, char *argv[])
{
	struct state st = { 0 };
	srw_ins_opts io = { 0 };
	srw_ndjson_opts no = { 0 };
	char err[512], salt[64];
	int c, status;
	int64_t t0;
	double secs;

	srw_init("sr-insert", argc, argv);
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case 't': table = optarg; break;
		case 'b': batch_rows = srw_opt_num(optarg, 1, 100000000, "--batch"); break;
		case OPT_BATCH_BYTES:
			batch_bytes = srw_opt_num(optarg, 1024, 1L << 40, "--batch-bytes");
			break;
		case 'a': append = true; break;
		case 'k': replace_key = optarg; break;
		case 'i': ignore_unknown = true; break;
		case 'r': reject_path = optarg; break;
		case 's': strict = true; break;
		case 'n': dry_run = true; break;
		case OPT_RETRY_FOR:
			retry_s = srw_opt_duration(optarg, 0, 86400000LL * 365, "--retry-for") / 1000;
			break;
		case OPT_FLUSH_INTERVAL:
			flush_ms = srw_opt_duration(optarg, 0, 86400000LL, "--flush-interval");
			break;
		case 'p': srw_progress_force(true); break;
		case 'j': njobs = srw_opt_num(optarg, 1, 64, "--jobs"); break;
		case OPT_STREAM_LOAD: stream_load = true; break;
		case OPT_INSERT: force_insert = true; break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	argc -= optind;
	argv += optind;
	if (!table)
		srw_opt_error("-t DB.TABLE is required");
	if (stream_load && force_insert)
		srw_opt_error("--stream-load and --insert exclude each other");
	if (!srw_ident_ok(table) || !strchr(table, '.'))
		srw_die(SRW_EX_USAGE, "-t wants DB.TABLE, got '%s'", table);
	st.pipe_input = flush_input_is_pipe(argc, argv);
	if (flush_ms < 0)
		flush_ms = st.pipe_input ? 1000 : 0;
	flush_block_signals();	/* before any thread starts */

	if (!(st.db = srw_db_open(5, err, sizeof err)))
		srw_die(SRW_EX_UNAVAILABLE, "%s", err);
	if (!(st.t = srw_table_load(st.db, table, err, sizeof err)))
		srw_die(srw_db_errno(st.db) && srw_db_errno_transient(srw_db_errno(st.db)) ?
		    SRW_EX_UNAVAILABLE : SRW_EX_USAGE, "%s", err);
	if (replace_key)
		st.rk = replace_new(st.t, replace_key);
	no.strict = strict;
	no.reject_path = reject_path;
	srw_ndjson_setup(&no);
	if (reject_path && !(st.reject = fopen(reject_path, "a")))
		srw_die(SRW_EX_USAGE, "open %s:", reject_path);

	io.mode = append ? SRW_INS_APPEND : SRW_INS_UPSERT;
	io.path = stream_load ? SRW_INS_STREAM_LOAD : force_insert ? SRW_INS_TEXT : SRW_INS_AUTO;
	io.ignore_unknown = ignore_unknown;
	io.batch_rows = (size_t)batch_rows;
	io.batch_bytes = (size_t)batch_bytes;
	io.dry_run = dry_run;
	io.dry_fp = stdout;
	io.retry_ms = retry_s * 1000;
	io.on_reject = on_refused;
	io.reject_ctx = &st;
	if (replace_key) {
		/* rows this run deleted must load even if an earlier run loaded
		 * the same batch (Stream Load answers a reused label with "Label
		 * Already Exists"): the run's own labels */
		snprintf(salt, sizeof salt, "replace %lld.%ld", (long long)srw_now_ms(),
		    (long)getpid());
		io.label_salt = salt;
	}
	/* one connection: build the next batch while the server stores this
	 * one.  --replace-key deletes before inserts and --dry-run prints in
	 * order: both stay on one thread. */
	io.pipeline = njobs == 1 && !replace_key && !dry_run;
	st.ins = srw_ins_new(st.db, st.t, &io);
	if (njobs > 1 && !replace_key && !dry_run &&
	    !(st.jobs = jobs_start(st.t, &io, (int)njobs, on_job_reject, &st, err, sizeof err)))
		srw_die(SRW_EX_UNAVAILABLE, "%s", err);
	srw_info("%s; flush interval %ld ms", st.jobs ? "parallel jobs" : "one connection",
	    flush_ms);
	pthread_mutex_init(&st.mu, NULL);
	flush_start(flush_ms, on_tick, &st);

	t0 = srw_now_ms();
	srw_ndjson_files(argc, argv, on_row, &st);
	flush_stop();
	if (st.jobs) {
		unsigned long long stored;
		unsigned long batches;
		const char *why;

		jobs_finish(st.jobs);
		jobs_stats(st.jobs, &stored, &batches, &why);
		if (why) {
			srw_warn("%s", why);
			st.unavailable = true;
		}
		st.jobs_stored = stored;
		st.jobs_batches = batches;
	} else if (!st.unavailable && srw_ins_drain(st.ins) != 0) {
		give_up(&st);
	}
	srw_progress_end();
	secs = (double)(srw_now_ms() - t0) / 1000.0;

	st.rejected += (unsigned long long)srw_ndjson_reject_count();
	unsigned long long stored = srw_ins_stored(st.ins) + st.jobs_stored;
	fprintf(stderr, "%s: %ld rows read, %llu stored, %llu rejected, %lu batches, "
	    "%.2f s (%.0f rows/s)%s\n", srw_progname(),
	    srw_ndjson_read_count(), stored, st.rejected,
	    srw_ins_batches(st.ins) + st.jobs_batches, secs,
	    secs > 0 ? (double)stored / secs : 0.0, dry_run ? " (dry run)" : "");

	if (!st.jobs && srw_ins_send_cpu(st.ins) > 0)
		srw_info("writer (%s): %.2f s CPU storing %llu rows (%.0f rows per CPU second)",
		    srw_ins_path_name(st.ins), srw_ins_send_cpu(st.ins), stored,
		    (double)stored / srw_ins_send_cpu(st.ins));
	status = st.unavailable ? SRW_EX_UNAVAILABLE : st.rejected ? SRW_EX_REJECTED :
	    st.cut ? SRW_EX_TEMPFAIL : 0;
	if (st.cut)
		srw_warn("stopped by %s before the end of the input: the rest was not read",
		    strsignal(flush_signal()));
	if (st.reject && fclose(st.reject) != 0)
		srw_die(SRW_EX_TEMPFAIL, "close %s:", reject_path);
	replace_free(st.rk);
	srw_ins_free(st.ins);
	jobs_free(st.jobs);
	srw_table_free(st.t);
	srw_db_close(st.db);
	return srw_finish(status);
}
