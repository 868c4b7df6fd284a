/* writer.c - the one thread that stores rows.  It owns the database
 * connection (srw_db is not thread-safe), takes every request queued since
 * its last round and writes them as one batch, so concurrent requests share
 * an INSERT.  When the database is away the round goes to the spool
 * (fsync'd files, replayed once the database is back), or is answered 503. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "webhookd.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static struct job *head, **tail = &head;
static bool stopping, started;
static pthread_t thr;

/* owned by the writer thread; db_ok and db_err are read by writer_health */
static srw_db *db;
static srw_table *tab;
static srw_ins *ins;
static bool db_ok;
static char db_err[512];
static int64_t last_try_ms, last_use_ms;
static unsigned spool_seq;

/* the round being written, to charge a refused row to its request */
static struct job *round_jobs;
static bool round_down;		/* refused for a reason that is not the data */
static char round_err[512];
static FILE *rejects;		/* spool replay: DIR/rejected.ndjson */

static void
set_state(bool ok, const char *why)
{
	pthread_mutex_lock(&mu);
	if (ok && !db_ok)
		srw_warn("database is up");
	else if (!ok && (db_ok || strcmp(db_err, why) != 0))
		srw_warn("database unavailable: %s", why);
	db_ok = ok;
	snprintf(db_err, sizeof db_err, "%s", ok ? "" : why);
	pthread_mutex_unlock(&mu);
	M.db_up = ok;
}

int
writer_health(char *buf, size_t n)
{
	int rc;

	pthread_mutex_lock(&mu);
	if (cf.to_stdout) {
		snprintf(buf, n, "writing rows to standard output");
		rc = 0;
	} else if (db_ok) {
		snprintf(buf, n, "database up");
		rc = 0;
	} else if (cf.spool) {
		snprintf(buf, n, "database unreachable (%s); spooling to %s", db_err, cf.spool);
		rc = 1;
	} else {
		snprintf(buf, n, "database unreachable: %s", db_err);
		rc = -1;
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

/* ---- spool ---- */

static int
fsync_dir(void)
{
	int fd = open(cf.spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One file per round: written under a temporary name, fsync'd, renamed,
 * and the directory fsync'd, so a spool file is either whole or absent. */
static int
spool_write(struct job *jobs, char *err, size_t errsz)
{
	char tmp[PATH_MAX], fin[PATH_MAX];
	struct job *j;
	long rows = 0;
	int fd;

	snprintf(tmp, sizeof tmp, "%s/.tmp-%ld-%u", cf.spool, (long)getpid(), spool_seq);
	snprintf(fin, sizeof fin, "%s/spool-%013lld-%ld-%u.ndjson", cf.spool,
	    (long long)srw_now_ms(), (long)getpid(), spool_seq);
	spool_seq++;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		goto fail;
	for (j = jobs; j; j = j->next) {
		if (write_all(fd, j->rows.s, j->rows.len) != 0)
			goto fail;
		rows += (long)j->nrows;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, fin) != 0 || fsync_dir() != 0)
		goto fail;
	M.spool_rows += rows;
	M.spool_files++;
	return 0;
fail:
	snprintf(err, errsz, "spool %s: %s", cf.spool, strerror(errno));
	srw_warn("%s", err);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

static int
is_spool(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return strncmp(d->d_name, "spool-", 6) == 0 && n > 13 &&
	    strcmp(d->d_name + n - 7, ".ndjson") == 0;
}

/* Counts the spool's files and rows (for the gauges). */
static void
spool_count(void)
{
	struct dirent **names;
	long files = 0, rows = 0;
	int i, n;

	if (!cf.spool || (n = scandir(cf.spool, &names, is_spool, alphasort)) < 0)
		return;
	for (i = 0; i < n; i++) {
		char path[PATH_MAX], buf[65536];
		int fd;
		ssize_t r;

		snprintf(path, sizeof path, "%s/%s", cf.spool, names[i]->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
			files++;
			while ((r = read(fd, buf, sizeof buf)) > 0)
				for (ssize_t k = 0; k < r; k++)
					rows += buf[k] == '\n';
			close(fd);
		}
		free(names[i]);
	}
	free(names);
	M.spool_files = files;
	M.spool_rows = rows;
}

static void
reject_line(const char *line, size_t len, const char *reason)
{
	char path[PATH_MAX];

	srw_warn("spool: row refused, kept in %s/rejected.ndjson: %s", cf.spool, reason);
	if (!rejects) {
		snprintf(path, sizeof path, "%s/rejected.ndjson", cf.spool);
		if (!(rejects = fopen(path, "a"))) {
			srw_warn("open %s:", path);
			return;
		}
	}
	fwrite(line, 1, len, rejects);
	fputc('\n', rejects);
	if (fflush(rejects) != 0 || fsync(fileno(rejects)) != 0)
		srw_warn("write %s/rejected.ndjson:", cf.spool);
}

/*
 * Stores one spool file and removes it.  The file is locked while it is
 * replayed, so several webhookd processes (inetd mode) sharing a spool
 * store each file once; a file already unlinked by another is skipped.
 * Returns 0, or -1 when the database went away (the file stays).
 */
static int
replay_file(const char *name)
{
	char path[PATH_MAX], reason[512];
	struct stat st;
	char *data = NULL, *p, *end;
	size_t have = 0;
	unsigned long long s0 = srw_ins_stored(ins);
	long rows = 0, stored;
	int fd, rc = 0;

	snprintf(path, sizeof path, "%s/%s", cf.spool, name);
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 || fstat(fd, &st) != 0 || st.st_nlink == 0) {
		close(fd);
		return 0;
	}
	data = srw_xmalloc((size_t)st.st_size + 1);
	while (have < (size_t)st.st_size) {
		ssize_t r = read(fd, data + have, (size_t)st.st_size - have);

		if (r <= 0)
			break;
		have += (size_t)r;
	}
	for (p = data, end = data + have; p < end && rc == 0;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		srw_val *v;

		if (len > 0) {
			v = srw_val_parse(p, len);
			rows++;
			if (!v || srw_val_type(v) != SRW_OBJ)
				reject_line(p, len, "not a JSON object");
			else if ((rc = srw_ins_add(ins, v, p, len, reason, sizeof reason)) == -1)
				reject_line(p, len, reason);
			if (rc == -1)
				rc = 0;
			else if (rc == 0 && srw_ins_full(ins))
				rc = srw_ins_flush(ins);
			srw_val_free(v);
		}
		p += len + 1;
	}
	if (rc == 0)
		rc = srw_ins_flush(ins);
	if (rc != 0 || round_down) {
		srw_ins_drop_pending(ins);
		close(fd);
		free(data);
		return -1;
	}
	if (unlink(path) != 0)
		srw_warn("unlink %s:", path);
	fsync_dir();
	close(fd);
	free(data);
	stored = (long)(srw_ins_stored(ins) - s0);
	M.spool_replayed += (unsigned long)stored;
	srw_warn("spool: stored %ld rows from %s%s", stored, name,
	    stored < rows ? " (the others refused)" : "");
	return 0;
}

static void
spool_replay(void)
{
	struct dirent **names;
	int i, n, rc = 0;

	if (!cf.spool || (n = scandir(cf.spool, &names, is_spool, alphasort)) < 0)
		return;
	round_down = false;
	for (i = 0; i < n; i++) {
		if (rc == 0 && (rc = replay_file(names[i]->d_name)) != 0)
			set_state(false, round_down ? round_err : srw_db_error(db));
		free(names[i]);
	}
	free(names);
	round_down = false;
	if (rejects) {
		fclose(rejects);
		rejects = NULL;
	}
	spool_count();
}

/* ---- the database ---- */

static void
on_refused(const char *line, size_t len, const char *reason, void *ctx)
{
	struct job *j;

	(void)ctx;
	if (!srw_db_errno_data(srw_db_errno(db))) {
		/* a missing table or privilege, not this row: the round is not
		 * stored, and goes to the spool or gets a 503 */
		round_down = true;
		snprintf(round_err, sizeof round_err, "%s", reason);
		return;
	}
	M.rows_refused++;
	if (!round_jobs) {
		reject_line(line, len, reason);
		return;
	}
	srw_warn("row refused by the database: %s: %.*s", reason,
	    (int)(len > 120 ? 120 : len), line);
	for (j = round_jobs; j; j = j->next) {	/* every request with this row */
		if (memmem(j->rows.s, j->rows.len, line, len)) {
			j->refused = true;
			snprintf(j->msg, sizeof j->msg, "row refused by the database: %.150s",
			    reason);
		}
	}
}

static bool
db_connect(void)
{
	srw_ins_opts io = { 0 };
	char err[512];

	last_try_ms = last_use_ms = srw_now_ms();
	if (db && srw_db_reconnect(db, 0) != 0) {
		set_state(false, srw_db_error(db));
		return false;
	}
	if (!db && !(db = srw_db_open(0, err, sizeof err))) {
		set_state(false, err);
		return false;
	}
	if (!tab && !(tab = srw_table_load(db, cf.table, err, sizeof err))) {
		set_state(false, err);
		return false;
	}
	if (!ins) {
		io.mode = SRW_INS_UPSERT;
		io.batch_rows = (size_t)cf.batch_rows;
		io.retry_ms = cf.db_wait_ms > 0 ? cf.db_wait_ms : 1;
		io.on_reject = on_refused;
		ins = srw_ins_new(db, tab, &io);
	}
	set_state(true, "");
	spool_replay();
	return db_ok;
}

/*
 * The distinct rows of a round.  Concurrent requests often carry the same
 * alerts (every peer of an Alertmanager HA cluster may send a notification,
 * and a group is re-sent whole when one of its alerts changes); one copy in
 * the INSERT stores them all.  Entries point into the jobs' row buffers.
 */
struct seen {
	uint64_t h;		/* 0: empty slot */
	const char *p;
	size_t len;
	struct job *refused_by;	/* the request whose copy was refused */
};
static struct seen *seen;
static size_t seen_mask;
static unsigned long round_dups;

static void
seen_reset(size_t rows)
{
	size_t cap = 16;

	while (cap < 2 * rows)
		cap <<= 1;
	if (cap > seen_mask + 1 || !seen) {
		free(seen);
		seen = srw_xcalloc(cap, sizeof *seen);
	} else {
		cap = seen_mask + 1;
		memset(seen, 0, cap * sizeof *seen);
	}
	seen_mask = cap - 1;
	round_dups = 0;
}

/* The entry of the line, *fresh when it is new this round. */
static struct seen *
seen_find(const char *p, size_t len, bool *fresh)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	size_t i, k;

	for (k = 0; k < len; k++)
		h = (h ^ (unsigned char)p[k]) * 1099511628211ULL;
	h |= 1;
	for (i = h & seen_mask;; i = (i + 1) & seen_mask) {
		if (!seen[i].h) {
			seen[i] = (struct seen){ h, p, len, NULL };
			*fresh = true;
			return &seen[i];
		}
		if (seen[i].h == h && seen[i].len == len && memcmp(seen[i].p, p, len) == 0) {
			*fresh = false;
			return &seen[i];
		}
	}
}

/* Queues a request's rows; a row refused up front marks its request. */
static int
add_job(struct job *j)
{
	const char *p = j->rows.s, *end = p + j->rows.len;
	char reason[512];

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		bool fresh;
		struct seen *s = seen_find(p, len, &fresh);
		srw_val *v;
		int rc;

		p += len + 1;
		if (!fresh) {
			if (s->refused_by) {
				j->refused = true;
				memcpy(j->msg, s->refused_by->msg, sizeof j->msg);
			} else {
				round_dups++;
			}
			continue;
		}
		v = srw_val_parse(s->p, len);
		rc = v ? srw_ins_add(ins, v, s->p, len, reason, sizeof reason) : -1;
		srw_val_free(v);
		if (rc == -1) {
			M.rows_refused++;
			j->refused = true;
			snprintf(j->msg, sizeof j->msg, "row refused: %.170s", v ? reason : "bad row");
			srw_warn("row refused: %s", reason);
			s->refused_by = j;
		} else if (rc == -2 || (srw_ins_full(ins) && srw_ins_flush(ins) != 0)) {
			return -1;
		}
	}
	return 0;
}

static void
finish_all(struct job *jobs, int code, const char *msg)
{
	struct job *j, *next;

	for (j = jobs; j; j = next) {
		next = j->next;	/* j may be freed once done() ran */
		if (j->refused && code == 200) {
			j->code = 422;
		} else {
			j->code = code;
			snprintf(j->msg, sizeof j->msg, "%s", msg);
		}
		j->done(j->done_arg);
	}
}

static void
write_db(struct job *jobs)
{
	unsigned long long s0 = 0, b0 = 0, stored, aff;
	unsigned long rows = 0;
	char err[512];
	struct job *j;
	bool down = false;

	for (j = jobs; j; j = j->next)
		rows += j->nrows;
	if (!db_ok && (srw_now_ms() - last_try_ms < 250 || !db_connect()))
		down = true;
	round_jobs = jobs;
	round_down = false;
	if (!down) {
		seen_reset(rows);
		s0 = srw_ins_stored(ins);
		b0 = srw_ins_batches(ins);
		for (j = jobs; j && !down; j = j->next)
			down = add_job(j) != 0;
		if (!down)
			down = srw_ins_flush(ins) != 0 || round_down;
	}
	round_jobs = NULL;
	last_use_ms = srw_now_ms();
	if (!down) {
		stored = srw_ins_stored(ins) - s0;
		M.alerts_stored += stored + round_dups;
		M.alerts_duplicate += round_dups;
		/* a row already stored unchanged counts 0 affected rows on
		 * MariaDB (1 when new); StarRocks does not tell */
		if (srw_db_dialect(db) == SRW_DIALECT_MARIADB &&
		    srw_ins_batches(ins) - b0 == 1 && (aff = srw_db_affected(db)) < stored)
			M.alerts_duplicate += stored - aff;
		finish_all(jobs, 200, "stored");
		return;
	}
	if (ins)
		srw_ins_drop_pending(ins);
	if (db_ok)
		set_state(false, round_down ? round_err : srw_db_error(db));
	if (cf.spool && spool_write(jobs, err, sizeof err) == 0) {
		M.alerts_spooled += rows;
		finish_all(jobs, 200, "spooled");
		return;
	}
	finish_all(jobs, 503, cf.spool ? "database unavailable and the spool failed" :
	    "database unavailable");
}

static void
write_stdout(struct job *jobs)
{
	static int regular = -1;
	struct job *j;
	struct stat st;
	unsigned long rows = 0;
	bool bad;

	if (regular < 0)
		regular = fstat(1, &st) == 0 && S_ISREG(st.st_mode);
	for (j = jobs; j; j = j->next) {
		fwrite(j->rows.s, 1, j->rows.len, stdout);
		rows += j->nrows;
	}
	bad = fflush(stdout) != 0 || ferror(stdout) || (regular && fsync(1) != 0);
	if (bad) {
		srw_warn("write to standard output:");
		clearerr(stdout);
		finish_all(jobs, 503, "cannot write to standard output");
		return;
	}
	M.alerts_stored += rows;
	finish_all(jobs, 200, "written");
}

/* Idle work: reconnect (and replay) when down, notice a dead connection. */
static void
maintain(void)
{
	int64_t now = srw_now_ms();
	srw_res *r;

	if (!db_ok) {
		if (now - last_try_ms >= 1000)
			db_connect();
		return;
	}
	if (M.spool_files > 0) {
		spool_replay();
		last_use_ms = now;
	} else if (now - last_use_ms >= 5000) {
		last_use_ms = now;
		if (!(r = srw_db_query(db, "SELECT 1"))) {
			set_state(false, srw_db_error(db));
			db_connect();
		}
		srw_res_free(r);
	}
}

static void *
run(void *arg)
{
	struct job *jobs;
	struct timespec ts;
	bool stop;

	(void)arg;
	if (!cf.to_stdout) {
		spool_count();
		db_connect();
	}
	pthread_mutex_lock(&mu);
	started = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (;;) {
		pthread_mutex_lock(&mu);
		if (!head && !stopping) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&cv, &mu, &ts);
		}
		jobs = head;
		head = NULL;
		tail = &head;
		stop = stopping && !jobs;
		pthread_mutex_unlock(&mu);
		if (jobs) {
			if (cf.to_stdout)
				write_stdout(jobs);
			else
				write_db(jobs);
		} else if (stop) {
			break;
		} else if (!cf.to_stdout) {
			maintain();
		}
	}
	return NULL;
}

void
writer_start(void)
{
	pthread_condattr_t ca;
	int e;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((e = pthread_create(&thr, NULL, run, NULL)) != 0) {
		errno = e;
		srw_die(SRW_EX_SOFTWARE, "pthread_create:");
	}
	/* the first connection attempt (and spool replay) before serving, so
	 * /healthz does not answer for a database not yet tried */
	pthread_mutex_lock(&mu);
	while (!started)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

void
writer_submit(struct job *j)
{
	j->next = NULL;
	j->code = 0;
	pthread_mutex_lock(&mu);
	*tail = j;
	tail = &j->next;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

void
writer_stop(void)
{
	pthread_mutex_lock(&mu);
	stopping = true;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(thr, NULL);
	srw_ins_free(ins);
	srw_table_free(tab);
	srw_db_close(db);
	free(seen);
	seen = NULL;
	ins = NULL;
	tab = NULL;
	db = NULL;
}
