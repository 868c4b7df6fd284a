/* sr-insert - NDJSON rows into a StarRocks (or MariaDB) table, in batched
 * multi-row INSERTs, upserting by default. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "jobs.h"

static const char *table, *reject_path, *replace_key;
static bool append, ignore_unknown, dry_run, strict, stream_load;
static long batch_rows = 1000, batch_bytes = 4L << 20, retry_s = 120, njobs = 1;

struct state {
	srw_db *db;
	srw_table *t;
	srw_ins *ins;
	FILE *reject;
	char **keys;	/* --replace-key columns */
	size_t nkeys;
	char **seen;	/* key tuples already deleted, nkeys strings each */
	size_t nseen, capseen;
	unsigned long long rejected;
	bool unavailable;
	struct jobs *jobs;	/* parallel loader, when --jobs > 1 */
	unsigned long long jobs_stored;
	unsigned long jobs_batches;
	/* --stream-load: the batch being built, as a JSON array */
	srw_stream_load_cfg sl;
	srw_buf sl_body;
	size_t *sl_off, sl_n, sl_cap;
	long *sl_lineno;
	unsigned long long sl_stored;
	unsigned long sl_batches;
	const char *file;
};

enum { OPT_BATCH_BYTES = SRW_OPT_LONG, OPT_RETRY_FOR, OPT_STREAM_LOAD };

static const char synopsis[] =
    "sr-insert -t DB.TABLE [--batch N] [--batch-bytes N] [--append]\n"
    "                 [--replace-key COL[,COL]] [--ignore-unknown] [--reject FILE]\n"
    "                 [--strict] [--dry-run] [--retry-for DURATION] [--jobs N]\n"
    "                 [--stream-load] [--progress] [-v] [FILE ...]";

static const srw_opt opts[] = {
	{ "table", 't', "DB.TABLE", "the table (required)" },
	{ "batch", 'b', "N", "rows per INSERT (default 1000)" },
	{ "batch-bytes", OPT_BATCH_BYTES, "N", "bytes of values per INSERT (default 4 MiB)" },
	{ "append", 'a', NULL, "plain INSERT, no upsert" },
	{ "replace-key", 'k', "COL[,COL]", "delete the rows with these key values first" },
	{ "ignore-unknown", 'i', NULL, "drop keys that are not columns of the table" },
	{ "reject", 'r', "FILE", "append rejected lines to FILE" },
	{ "strict", 's', NULL, "stop at the first rejected line (exit 65)" },
	{ "dry-run", 'n', NULL, "print the SQL, change nothing" },
	{ "retry-for", OPT_RETRY_FOR, "DURATION", "retry a batch this long (default 120s)" },
	{ "jobs", 'j', "N", "parallel connections, 1 to 64 (default 1)" },
	{ "stream-load", OPT_STREAM_LOAD, NULL, "load through StarRocks Stream Load" },
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

/* Key values of a row as text, for --replace-key; NULL if a key is missing. */
static char **
key_tuple(struct state *st, const srw_val *row, char *reason, size_t rsz)
{
	char **v = srw_xcalloc(st->nkeys, sizeof *v);
	size_t k;

	for (k = 0; k < st->nkeys; k++) {
		srw_val *x = srw_val_get(row, st->keys[k]);
		double d;

		if (srw_val_str(x)) {
			v[k] = srw_xstrdup(srw_val_str(x));
		} else if (srw_val_type(x) == SRW_NUM && srw_val_num(x, &d)) {
			srw_buf b;

			srw_buf_init(&b);
			srw_buf_add_jnum(&b, d);
			v[k] = b.s;
		} else if (srw_val_type(x) == SRW_NULL) {
			v[k] = NULL;
		} else {
			snprintf(reason, rsz, "--replace-key column %s is missing", st->keys[k]);
			for (size_t j = 0; j < k; j++)
				free(v[j]);
			free(v);
			return NULL;
		}
	}
	return v;
}

static bool
tuple_seen(struct state *st, char **v)
{
	size_t i, k;

	for (i = 0; i < st->nseen; i++) {
		for (k = 0; k < st->nkeys; k++) {
			const char *a = st->seen[i * st->nkeys + k], *b = v[k];

			if (!(a == b || (a && b && strcmp(a, b) == 0)))
				break;
		}
		if (k == st->nkeys)
			return true;
	}
	return false;
}

static void
give_up(struct state *st)
{
	size_t i, n = srw_ins_pending(st->ins), len;

	st->unavailable = true;
	srw_warn("database unavailable: %s", srw_db_error(st->db));
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

/* Sends the Stream Load batch; rows StarRocks refuses go through the INSERT
 * path, which isolates the bad ones with their reasons. */
static void
sl_flush(struct state *st)
{
	srw_stream_load_result res;
	char reason[512];
	size_t i;
	int rc;

	if (st->sl_n == 0 || st->unavailable)
		return;
	srw_buf_addc(&st->sl_body, ']');
	rc = srw_stream_load(&st->sl, st->sl_body.s, st->sl_body.len, &res);
	if (rc == 0) {
		st->sl_stored += st->sl_n;
		st->sl_batches++;
		srw_info("stream load %s: %s%s, %lld rows", res.label, res.status,
		    res.already ? " (loaded before)" : "", res.loaded);
	} else if (rc == 1) {
		srw_warn("stream load %s refused %lld rows (%s); isolating them with INSERTs",
		    res.label, res.filtered, res.message);
		for (i = 0; i < st->sl_n; i++) {
			const char *line = st->sl_body.s + st->sl_off[i];
			size_t len = st->sl_off[i + 1] - st->sl_off[i] - 1;
			srw_line ln = { .text = line, .len = len, .lineno = st->sl_lineno[i],
				.file = st->file };
			srw_val *row = srw_val_parse(line, len);
			int r = row ? srw_ins_add(st->ins, row, line, len, reason, sizeof reason) : -1;

			srw_val_free(row);
			if (r == -1)
				srw_ndjson_reject(&ln, "%s", reason);
			else if (r == -2 || (srw_ins_full(st->ins) && srw_ins_flush(st->ins) != 0))
				give_up(st);
		}
		if (!st->unavailable && srw_ins_flush(st->ins) != 0)
			give_up(st);
	} else {
		srw_warn("stream load %s failed: %s %s", res.label, res.status, res.message);
		st->unavailable = true;
		for (i = 0; i < st->sl_n && st->reject; i++) {
			fwrite(st->sl_body.s + st->sl_off[i], 1,
			    st->sl_off[i + 1] - st->sl_off[i] - 1, st->reject);
			fputc('\n', st->reject);
		}
		st->rejected += st->sl_n;
	}
	srw_buf_reset(&st->sl_body);
	st->sl_n = 0;
}

static int
sl_row(struct state *st, const srw_line *ln)
{
	if (st->sl_n + 1 >= st->sl_cap) {
		st->sl_cap = st->sl_cap ? 2 * st->sl_cap : 1024;
		st->sl_off = srw_xrealloc(st->sl_off, (st->sl_cap + 1) * sizeof *st->sl_off);
		st->sl_lineno = srw_xrealloc(st->sl_lineno, st->sl_cap * sizeof *st->sl_lineno);
	}
	st->file = ln->file;
	srw_buf_addc(&st->sl_body, st->sl_n ? ',' : '[');
	st->sl_off[st->sl_n] = st->sl_body.len;
	st->sl_lineno[st->sl_n] = ln->lineno;
	srw_buf_add(&st->sl_body, ln->text, ln->len);
	st->sl_n++;
	st->sl_off[st->sl_n] = st->sl_body.len + 1;	/* past the ',' or ']' to come */
	if (st->sl_n >= (size_t)batch_rows || st->sl_body.len >= (size_t)batch_bytes)
		sl_flush(st);
	return st->unavailable ? SRW_NDJSON_STOP : 0;
}

static int
on_row(srw_val *row, const srw_line *ln, void *ctx)
{
	struct state *st = ctx;
	char reason[512];
	int rc;

	if (stream_load)
		return sl_row(st, ln);
	if (st->jobs) {
		st->file = ln->file;
		if (jobs_add(st->jobs, row, ln) != 0)
			return SRW_NDJSON_STOP;
		if (srw_progress_on())
			srw_progress("%ld rows read", srw_ndjson_read_count());
		return 0;
	}
	if (st->nkeys) {
		char **v = key_tuple(st, row, reason, sizeof reason);

		if (!v) {
			srw_ndjson_reject(ln, "%s", reason);
			return SRW_NDJSON_REJECT;
		}
		if (!tuple_seen(st, v)) {
			/* first sight of this key: store what is queued, then clear
			 * the key's old rows before its new ones go in */
			if (srw_ins_flush(st->ins) != 0) {
				give_up(st);
				for (size_t k = 0; k < st->nkeys; k++)
					free(v[k]);
				free(v);
				return SRW_NDJSON_STOP;
			}
			if (srw_table_delete_keys(st->db, st->t, st->keys, st->nkeys, v, 1,
			    dry_run, stdout) != 0) {
				st->unavailable = true;
				for (size_t k = 0; k < st->nkeys; k++)
					free(v[k]);
				free(v);
				return SRW_NDJSON_STOP;
			}
			if (st->nseen == st->capseen) {
				st->capseen = st->capseen ? 2 * st->capseen : 16;
				st->seen = srw_xrealloc(st->seen,
				    st->capseen * st->nkeys * sizeof *st->seen);
			}
			memcpy(st->seen + st->nseen * st->nkeys, v, st->nkeys * sizeof *v);
			st->nseen++;
			free(v);
		} else {
			for (size_t k = 0; k < st->nkeys; k++)
				free(v[k]);
			free(v);
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
	if (srw_progress_on()) {
		long n = srw_ndjson_read_count();

		srw_progress("%ld rows read, %llu stored", n, srw_ins_stored(st->ins));
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct state st = { 0 };
	srw_ins_opts io = { 0 };
	srw_ndjson_opts no = { 0 };
	char err[512];
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
		case 'p': srw_progress_force(true); break;
		case 'j': njobs = srw_opt_num(optarg, 1, 64, "--jobs"); break;
		case OPT_STREAM_LOAD: stream_load = true; break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	argc -= optind;
	argv += optind;
	if (!table)
		srw_opt_error("-t DB.TABLE is required");
	srw_opt_need_files(argc, argv);
	if (!srw_ident_ok(table) || !strchr(table, '.'))
		srw_die(SRW_EX_USAGE, "-t wants DB.TABLE, got '%s'", table);

	if (!(st.db = srw_db_open(5, err, sizeof err)))
		srw_die(SRW_EX_UNAVAILABLE, "%s", err);
	if (!(st.t = srw_table_load(st.db, table, err, sizeof err)))
		srw_die(srw_db_errno(st.db) && srw_db_errno_transient(srw_db_errno(st.db)) ?
		    SRW_EX_UNAVAILABLE : SRW_EX_USAGE, "%s", err);
	if (replace_key) {
		st.keys = srw_split(replace_key, ',', &st.nkeys);
		for (size_t k = 0; k < st.nkeys; k++)
			if (srw_table_colidx(st.t, st.keys[k]) < 0)
				srw_die(SRW_EX_USAGE, "--replace-key: %s is not a column of %s",
				    st.keys[k], table);
	}
	no.strict = strict;
	no.reject_path = reject_path;
	srw_ndjson_setup(&no);
	if (reject_path && !(st.reject = fopen(reject_path, "a")))
		srw_die(SRW_EX_USAGE, "open %s:", reject_path);

	io.mode = append ? SRW_INS_APPEND : SRW_INS_UPSERT;
	io.ignore_unknown = ignore_unknown;
	io.batch_rows = (size_t)batch_rows;
	io.batch_bytes = (size_t)batch_bytes;
	io.dry_run = dry_run;
	io.dry_fp = stdout;
	io.retry_ms = retry_s * 1000;
	io.on_reject = on_refused;
	io.reject_ctx = &st;
	/* one connection: build the next batch while the server stores this one */
	io.pipeline = njobs == 1 && !replace_key && !dry_run && !stream_load;
	st.ins = srw_ins_new(st.db, st.t, &io);
	/* --replace-key deletes before inserts and --dry-run prints in order:
	 * both stay on one connection */
	if (stream_load) {
		static char fe[512];
		const char *dot = strchr(table, '.');
		static char dbname[130];

		snprintf(fe, sizeof fe, "http://%s:8030", srw_env("STARROCKS_HOST", "127.0.0.1"));
		snprintf(dbname, sizeof dbname, "%.*s", (int)(dot - table), table);
		st.sl.base_url = srw_env("STARROCKS_HTTP_URL", fe);
		st.sl.user = srw_env("STARROCKS_USER", "root");
		st.sl.password = srw_env("STARROCKS_PASSWORD", "");
		st.sl.db = dbname;
		st.sl.table = dot + 1;
		st.sl.retries = 5;
		srw_buf_init(&st.sl_body);
		if (replace_key || dry_run || append)
			srw_die(SRW_EX_USAGE, "--stream-load does not combine with "
			    "--replace-key, --dry-run or --append");
	}
	if (njobs > 1 && !replace_key && !dry_run && !stream_load &&
	    !(st.jobs = jobs_start(st.t, &io, (int)njobs, on_job_reject, &st, err, sizeof err)))
		srw_die(SRW_EX_UNAVAILABLE, "%s", err);

	t0 = srw_now_ms();
	srw_ndjson_files(argc, argv, on_row, &st);
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
	} else if (stream_load) {
		sl_flush(&st);
	} else if (!st.unavailable && srw_ins_drain(st.ins) != 0) {
		give_up(&st);
	}
	srw_progress_end();
	secs = (double)(srw_now_ms() - t0) / 1000.0;

	st.rejected += (unsigned long long)srw_ndjson_reject_count();
	unsigned long long stored = srw_ins_stored(st.ins) + st.jobs_stored + st.sl_stored;
	fprintf(stderr, "%s: %ld rows read, %llu stored, %llu rejected, %lu batches, "
	    "%.2f s (%.0f rows/s)%s\n", srw_progname(),
	    srw_ndjson_read_count(), stored, st.rejected,
	    srw_ins_batches(st.ins) + st.jobs_batches + st.sl_batches, secs,
	    secs > 0 ? (double)stored / secs : 0.0, dry_run ? " (dry run)" : "");

	status = st.unavailable ? SRW_EX_UNAVAILABLE : st.rejected ? SRW_EX_REJECTED : 0;
	if (st.reject && fclose(st.reject) != 0)
		srw_die(SRW_EX_TEMPFAIL, "close %s:", reject_path);
	for (size_t i = 0; i < st.nseen * st.nkeys; i++)
		free(st.seen[i]);
	free(st.seen);
	srw_strv_free(st.keys);
	srw_ins_free(st.ins);
	jobs_free(st.jobs);
	srw_buf_free(&st.sl_body);
	free(st.sl_off);
	free(st.sl_lineno);
	srw_table_free(st.t);
	srw_db_close(st.db);
	return srw_finish(status);
}
