/* record.c - what notify keeps across runs and instances: the outbox
 * (DIR/outbox.ndjson: events waiting for a destination, fsync'd), the
 * notification log (every delivery attempt: in ops.notifications with
 * --db, else DIR/notifications.ndjson), the claims that make two notify
 * instances sharing the database send an event once, and the dedup window
 * read back from the log. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"

#define TABLE "ops.notifications"

static void
path_of(const nf *n, const char *name, char *out, size_t sz)
{
	snprintf(out, sz, "%s/%s", n->outbox, name);
}

/* This notify's name in claims: the host and its outbox, so a restarted
 * instance knows its own claims (it retries them from its outbox). */
void
nf_record_open(nf *n, bool use_db)
{
	char err[512], host[64] = "localhost";

	gethostname(host, sizeof host - 1);
	snprintf(n->instance, sizeof n->instance, "%s:%.100s", host, n->outbox ? n->outbox : "-");
	/* the events come first: without the database they are still sent
	 * (at least once), logged to the outbox directory */
	if (use_db && !(n->db = srw_db_open(2, err, sizeof err)))
		srw_warn("--db: %s; no claims, the log goes to %s", err,
		    n->outbox ? "the outbox directory" : "nowhere");
}

/* ---- the log ------------------------------------------------------------ */

static void
row_json(srw_buf *b, nf *n, const attempt *a, const char *at)
{
	srw_jw_begin(b);
	srw_jw_str(b, "claim_key", a->claim);
	srw_jw_int(b, "attempt", a->attempt);
	srw_jw_str(b, "fingerprint", a->m->key);
	srw_jw_str(b, "kind", a->m->kind);
	srw_jw_str(b, "destination", a->dest);
	srw_jw_str(b, "event_status", a->m->resolved ? "resolved" : "firing");
	srw_jw_str(b, "status", a->status);
	if (a->http)
		srw_jw_int(b, "http_status", a->http);
	else
		srw_jw_null(b, "http_status");
	srw_jw_str(b, "attempted_at", at);
	srw_jw_str(b, "triggered_by", n->trigger);
	srw_jw_str(b, "instance", n->instance);
	srw_jw_str(b, "error", a->error);
	srw_jw_end(b);
}

static void
q(nf *n, srw_buf *b, const char *s)
{
	if (!s)
		srw_buf_adds(b, "NULL");
	else
		srw_db_quote(n->db, b, s, strlen(s));
}

/* One row, an upsert: a claim row is updated by the attempt it made. */
static int
row_sql(nf *n, const attempt *a, const char *at, bool upsert)
{
	srw_buf b;
	int rc;

	srw_buf_init(&b);
	srw_buf_adds(&b, "INSERT INTO " TABLE " (claim_key, attempt, fingerprint, kind, destination, "
	    "event_status, status, http_status, attempted_at, triggered_by, instance, error) VALUES (");
	q(n, &b, a->claim);
	srw_buf_printf(&b, ", %d, ", a->attempt);
	q(n, &b, a->m->key);
	srw_buf_adds(&b, ", ");
	q(n, &b, a->m->kind);
	srw_buf_adds(&b, ", ");
	q(n, &b, a->dest);
	srw_buf_adds(&b, a->m->resolved ? ", 'resolved', " : ", 'firing', ");
	q(n, &b, a->status);
	if (a->http)
		srw_buf_printf(&b, ", %ld, ", a->http);
	else
		srw_buf_adds(&b, ", NULL, ");
	q(n, &b, at);
	srw_buf_adds(&b, ", ");
	q(n, &b, n->trigger);
	srw_buf_adds(&b, ", ");
	q(n, &b, n->instance);
	srw_buf_adds(&b, ", ");
	q(n, &b, a->error);
	srw_buf_adds(&b, ")");
	/* StarRocks: a PRIMARY KEY table upserts on a plain INSERT */
	if (upsert && srw_db_dialect(n->db) == SRW_DIALECT_MARIADB)
		srw_buf_adds(&b, " ON DUPLICATE KEY UPDATE status = VALUES(status), "
		    "http_status = VALUES(http_status), attempted_at = VALUES(attempted_at), "
		    "error = VALUES(error)");
	rc = upsert ? srw_db_exec_retry(n->db, b.s, b.len, 3) : srw_db_exec(n->db, b.s, b.len);
	srw_buf_free(&b);
	return rc;
}

void
nf_log(nf *n, const attempt *a)
{
	char at[32], path[4096], err[512];
	srw_buf b;

	srw_time_fmt_sql(srw_now_ms(), at);
	if (n->db) {
		if (row_sql(n, a, at, true) == 0)
			return;
		srw_warn("%s: %s; the attempt goes to the file log", TABLE, srw_db_error(n->db));
	}
	if (!n->outbox)
		return;
	path_of(n, "notifications.ndjson", path, sizeof path);
	srw_buf_init(&b);
	row_json(&b, n, a, at);
	if (srw_file_append_sync(path, b.s, b.len, err, sizeof err) != 0)
		srw_warn("notification log: %s", err);
	srw_buf_free(&b);
}

/* The event's first attempt row, inserted before anything is sent: on
 * MariaDB a second instance's insert fails on the duplicate key and that
 * instance leaves the event alone.  StarRocks upserts instead, so the row
 * is read back: the instance whose name is there sends (two instances
 * racing within the same few milliseconds may both send). */
int
nf_claim(nf *n, const char *claim, const msg *m, const char *dest)
{
	attempt a = { claim, 1, m, dest, "sending", 0, NULL };
	char at[32], sql[256];
	srw_res *r;
	char **row;
	int mine = -1;

	srw_time_fmt_sql(srw_now_ms(), at);
	if (srw_db_dialect(n->db) == SRW_DIALECT_MARIADB && row_sql(n, &a, at, false) == 0)
		return 1;
	if (srw_db_dialect(n->db) == SRW_DIALECT_STARROCKS && row_sql(n, &a, at, true) != 0)
		return -1;
	if (srw_db_dialect(n->db) == SRW_DIALECT_MARIADB && srw_db_errno(n->db) != 1062)
		return -1;
	snprintf(sql, sizeof sql, "SELECT instance FROM " TABLE " WHERE claim_key = '%.64s' AND "
	    "attempt = 1", claim);
	if (!(r = srw_db_query_retry(n->db, sql, 3)))
		return -1;
	if ((row = srw_res_next(r, NULL)))
		mine = row[0] && strcmp(row[0], n->instance) == 0;
	srw_res_free(r);
	return mine;
}

/* ---- what earlier runs did ---------------------------------------------- */

static void
done_add(nf *n, const char *claim)
{
	if (n->ndone == n->capdone)
		n->done = srw_xrealloc(n->done, (n->capdone = n->capdone * 2 + 64) * sizeof *n->done);
	n->done[n->ndone++] = srw_hash_str(claim);
}

bool
nf_delivered(nf *n, const char *claim)
{
	uint64_t h = srw_hash_str(claim);
	size_t i;
	char sql[256];
	srw_res *r;
	bool yes = false;

	for (i = 0; i < n->ndone; i++)
		if (n->done[i] == h)
			return true;
	if (!n->db)
		return false;
	snprintf(sql, sizeof sql, "SELECT 1 FROM " TABLE " WHERE claim_key = '%.64s' AND "
	    "status = 'sent' LIMIT 1", claim);
	if ((r = srw_db_query_retry(n->db, sql, 3))) {
		yes = srw_res_next(r, NULL) != NULL;
		srw_res_free(r);
	}
	return yes;
}

/* The dedup window and the delivered events, from the log: a restart
 * neither repeats what was just sent nor loses what was queued. */
void
nf_seen_load(nf *n)
{
	int64_t since = srw_now_ms() - (n->dedup_ms > 0 ? n->dedup_ms : 0);
	char path[4096], at[32];
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (n->db && n->dedup_ms > 0) {
		srw_buf b;
		srw_res *r;
		char **row;

		srw_buf_init(&b);
		srw_buf_printf(&b, "SELECT destination, fingerprint, event_status, MAX(attempted_at) "
		    "FROM " TABLE " WHERE status IN ('sent', 'queued') AND attempted_at >= '%s' "
		    "GROUP BY destination, fingerprint, event_status", srw_time_fmt_sql(since, at));
		if ((r = srw_db_query_retry(n->db, b.s, 3))) {
			while ((row = srw_res_next(r, NULL))) {
				int64_t t;

				if (row[0] && row[1] && row[2] && row[3] && srw_time_parse_sql(row[3], &t) == 0)
					nf_seen(n, nf_seen_hash(row[0], row[1], row[2]), t);
			}
			srw_res_free(r);
		} else {
			srw_warn("%s: %s: the dedup window starts empty", TABLE, srw_db_error(n->db));
		}
		srw_buf_free(&b);
	}
	if (n->db || !n->outbox)
		return;
	path_of(n, "notifications.ndjson", path, sizeof path);
	if (!(fp = fopen(path, "r")))
		return;
	while ((len = getline(&line, &cap, fp)) > 0) {
		json_t *o = srw_json_loadb(line, (size_t)len, NULL, 0);
		const char *st = srw_json_str(o, "status"), *ts = srw_json_str(o, "attempted_at");
		const char *d = srw_json_str(o, "destination"), *fp1 = srw_json_str(o, "fingerprint");
		const char *es = srw_json_str(o, "event_status"), *ck = srw_json_str(o, "claim_key");
		int64_t t;

		if (st && ck && strcmp(st, "sent") == 0)
			done_add(n, ck);
		if (n->dedup_ms > 0 && st && ts && d && fp1 && es && (strcmp(st, "sent") == 0 ||
		    strcmp(st, "queued") == 0) && srw_time_parse_sql(ts, &t) == 0 && t >= since)
			nf_seen(n, nf_seen_hash(d, fp1, es), t);
		json_decref(o);
	}
	free(line);
	fclose(fp);
}

/* ---- the outbox ----------------------------------------------------------- */

static void
entry(srw_buf *b, const char *claim, const char *dest, int attempts, const json_t *rec)
{
	char at[32], *s;
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:O}", "claim", claim, "destination", dest,
	    "queued_at", srw_time_fmt_sql(srw_now_ms(), at), "attempts", attempts, "record", rec);

	s = srw_json_dumps(o);
	srw_buf_printf(b, "%s\n", s);
	free(s);
	json_decref(o);
}

void
nf_outbox_add(nf *n, const char *claim, const char *dest, int attempts, const json_t *rec)
{
	char path[4096], err[512];
	srw_buf b;

	path_of(n, "outbox.ndjson", path, sizeof path);
	srw_buf_init(&b);
	entry(&b, claim, dest, attempts, rec);
	/* nothing acknowledged is lost: the run stops rather than drop it */
	if (srw_file_append_sync(path, b.s, b.len, err, sizeof err) != 0)
		srw_die(SRW_EX_TEMPFAIL, "outbox: %s", err);
	srw_buf_free(&b);
}

/* The event being sent, in DIR/inflight.ndjson until it is settled (sent,
 * refused, or in the outbox): a notify killed while sending it finds it
 * there at its next start and sends it first, unless the log says it went. */
void
nf_inflight(nf *n, const char *claim, const char *dest, const json_t *rec)
{
	char path[4096], err[512];
	srw_buf b;

	if (!n->outbox)
		return;
	path_of(n, "inflight.ndjson", path, sizeof path);
	srw_buf_init(&b);
	if (claim)
		entry(&b, claim, dest, 0, rec);
	if (srw_file_replace(path, b.s ? b.s : "", b.len, err, sizeof err) != 0)
		srw_die(SRW_EX_TEMPFAIL, "outbox: %s", err);
	srw_buf_free(&b);
}

size_t
nf_outbox_count(nf *n)
{
	char path[4096];
	FILE *fp;
	size_t k = 0;
	int c, last = '\n';

	if (!n->outbox)
		return 0;
	path_of(n, "outbox.ndjson", path, sizeof path);
	if (!(fp = fopen(path, "r")))
		return 0;
	while ((c = getc(fp)) != EOF) {
		if (c == '\n' && last != '\n')
			k++;
		last = c;
	}
	fclose(fp);
	return k + (last != '\n');
}

/* ---- notify log ------------------------------------------------------------ */

enum { OPT_SINCE = SRW_OPT_LONG, OPT_FPR, OPT_DIR, OPT_LDB };

static const char log_synopsis[] =
    "notify log [--since TIME] [--fingerprint FP] (--db | --outbox DIR)";
static const srw_opt log_opts[] = {
	{ "since", OPT_SINCE, "TIME", "attempts at or after TIME (RFC 3339, SQL time, epoch ms)" },
	{ "fingerprint", OPT_FPR, "FP", "attempts for one event's fingerprint" },
	{ "db", OPT_LDB, NULL, "read ops.notifications" },
	{ "outbox", OPT_DIR, "DIR", "read DIR/notifications.ndjson" },
	{ NULL, 0, NULL, NULL },
};

int
nf_log_cmd(int argc, char *argv[])
{
	const char *since = NULL, *fpr = NULL, *dir = NULL;
	bool db = false;
	int64_t since_ms = 0;
	int c;

	srw_opt_begin(log_synopsis, log_opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case OPT_SINCE: since = optarg; break;
		case OPT_FPR: fpr = optarg; break;
		case OPT_DIR: dir = optarg; break;
		case OPT_LDB: db = true; break;
		}
	}
	if (optind < argc)
		srw_opt_error("log: unexpected argument %s", argv[optind]);
	if (since && srw_time_parse(since, &since_ms) != 0)
		srw_opt_error("log: --since: not a time: %s", since);
	if (!db && !dir)
		srw_opt_error("log: give --db or --outbox DIR");
	if (db) {
		char err[512], at[32];
		srw_db *h = srw_db_open(2, err, sizeof err);
		srw_buf b;
		srw_res *r;
		json_t *rows, *row;
		size_t k;

		if (!h)
			srw_die(SRW_EX_UNAVAILABLE, "--db: %s", err);
		srw_buf_init(&b);
		srw_buf_printf(&b, "SELECT claim_key, attempt, fingerprint, kind, destination, "
		    "event_status, status, http_status, attempted_at, triggered_by, instance, error "
		    "FROM " TABLE " WHERE attempted_at >= '%s'", srw_time_fmt_sql(since_ms, at));
		if (fpr) {
			srw_buf_adds(&b, " AND fingerprint = ");
			srw_db_quote(h, &b, fpr, strlen(fpr));
		}
		srw_buf_adds(&b, " ORDER BY attempted_at, claim_key, attempt LIMIT 1000000");
		if (!(r = srw_db_query_retry(h, b.s, 3)))
			srw_die(SRW_EX_UNAVAILABLE, "%s: %s", TABLE, srw_db_error(h));
		rows = srw_res_to_json(r);
		json_array_foreach(rows, k, row)
			srw_json_print(stdout, row);
		json_decref(rows);
		srw_res_free(r);
		srw_buf_free(&b);
		srw_db_close(h);
	} else {
		char path[4096];
		FILE *fp;
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;

		snprintf(path, sizeof path, "%s/notifications.ndjson", dir);
		if (!(fp = fopen(path, "r")))
			return SRW_EX_OK;	/* nothing attempted yet */
		while ((len = getline(&line, &cap, fp)) > 0) {
			json_t *o = srw_json_loadb(line, (size_t)len, NULL, 0);
			const char *ts = srw_json_str(o, "attempted_at"), *f = srw_json_str(o, "fingerprint");
			int64_t t;

			if (o && (!since || (ts && srw_time_parse_sql(ts, &t) == 0 && t >= since_ms)) &&
			    (!fpr || (f && strcmp(f, fpr) == 0)))
				fwrite(line, 1, (size_t)len, stdout);
			json_decref(o);
		}
		free(line);
		fclose(fp);
	}
	return SRW_EX_OK;
}
