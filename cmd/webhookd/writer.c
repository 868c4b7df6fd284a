/* writer.c - the one thread that stores rows.  It owns the database
 * connection (srw_db is not thread-safe), takes every request queued since
 * its last round and writes them as one batch, so concurrent requests share
 * an INSERT.  When the database is away the round goes to the spool
 * (fsync'd files, replayed once the database is back), or is answered 503.
 *
 * When the database is slow rather than away (a flush stall, a lock), a
 * second thread, the watchdog, answers from the spool: once a round has
 * waited --ack-after, it writes the round's rows (the writer's own copy) and
 * the requests queued behind it to the spool, fsync'd, and acknowledges
 * them, so no answer waits on the database for longer than that.  The
 * writer's INSERT goes on; if it commits, the round's spool file is removed
 * (else a replay would store it twice), and if it fails the file stays and is
 * replayed like any other. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
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
static int64_t mono_ms(void);

/* owned by the writer thread; db_ok and db_err are read by writer_health */
static srw_db *db;
static srw_table *tab;
static srw_ins *ins;
static bool db_ok;
static char db_err[512];
static int64_t last_try_ms, last_use_ms, last_replay_ms;

/*
 * The round being written.  Its rows are copied into rbuf, so the requests
 * may be answered (and free their own rows) while the INSERT still runs;
 * a refused row is charged to its request through rj when the round ends.
 */
struct rjob {
	struct job *j;
	size_t off, len;	/* its rows in rbuf */
	bool refused;
	char msg[200];
};
struct refusal {
	char *line;
	size_t len;
	long k;			/* its rjob, -1: found by content at the end */
	char reason[200];
};
static srw_buf rbuf;
static struct rjob *rj;
static size_t nrj, caprj;
static struct refusal *rf;
static size_t nrf, caprf;
static unsigned long round_dups;	/* copies folded into one row */
static bool in_round;		/* writer only: refusals belong to the round */
static bool round_down;		/* refused for a reason that is not the data */
static char round_err[512];

/* Between the writer and the watchdog, under mu. */
static bool round_active;	/* a round (or a replay) is with the database */
static bool round_taken;	/* answered from the spool by the watchdog */
static bool round_spooling, round_spool_failed;
static int64_t round_t0;	/* mono_ms when it started */
static long round_rows;
static char round_path[PATH_MAX];	/* its spool file, once taken */
static pthread_cond_t wcv;	/* the watchdog's: a round started, or stop */
static pthread_cond_t spooled_cv;	/* the watchdog finished a spool write */
static pthread_t wthr;
static bool watch_started, watch_stop;

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
				spool_reject(p, len, "not a JSON object");
			else if ((rc = srw_ins_add(ins, v, p, len, reason, sizeof reason)) == -1)
				spool_reject(p, len, reason);
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
	spool_fsync_dir();
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
	bool mine;

	if (!cf.spool || (n = spool_scan(&names)) < 0)
		return;
	/* for the watchdog a round with nothing of its own to take: requests
	 * queued behind a slow replay are answered from the spool too (inside
	 * a round, after a reconnect, the round stays as it is) */
	pthread_mutex_lock(&mu);
	if ((mine = !round_active)) {
		round_active = round_taken = true;
		round_t0 = mono_ms();
	}
	pthread_mutex_unlock(&mu);
	last_replay_ms = srw_now_ms();
	round_down = false;
	for (i = 0; i < n; i++) {
		if (rc == 0 && (rc = replay_file(names[i]->d_name)) != 0)
			set_state(false, round_down ? round_err : srw_db_error(db));
		free(names[i]);
	}
	free(names);
	pthread_mutex_lock(&mu);
	if (mine)
		round_active = false;
	pthread_mutex_unlock(&mu);
	round_down = false;
	spool_rejects_close();
	spool_count();
}

/* ---- the database ---- */

/* A refused row of the round; k its request when known. */
static size_t
refuse(long k, const char *line, size_t len, const char *reason)
{
	if (nrf == caprf) {
		caprf = caprf ? 2 * caprf : 16;
		rf = srw_xrealloc(rf, caprf * sizeof *rf);
	}
	rf[nrf].line = srw_xmalloc(len + 1);
	memcpy(rf[nrf].line, line, len);
	rf[nrf].len = len;
	rf[nrf].k = k;
	snprintf(rf[nrf].reason, sizeof rf[nrf].reason, "%s", reason);
	if (k >= 0) {
		rj[k].refused = true;
		snprintf(rj[k].msg, sizeof rj[k].msg, "row refused: %.170s", reason);
	}
	return nrf++;
}

static void
on_refused(const char *line, size_t len, const char *reason, void *ctx)
{
	(void)ctx;
	if (!srw_db_errno_data(srw_db_errno(db))) {
		/* a missing table or privilege, not this row: the round is not
		 * stored, and goes to the spool or gets a 503 */
		round_down = true;
		snprintf(round_err, sizeof round_err, "%s", reason);
		return;
	}
	M.rows_refused++;
	if (!in_round) {
		spool_reject(line, len, reason);
		return;
	}
	srw_warn("row refused by the database: %s: %.*s", reason,
	    (int)(len > 120 ? 120 : len), line);
	refuse(-1, line, len, reason);
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
		/* a backend that cannot start (the server went away while its
		 * statement was prepared) is the database being down, not fatal */
		if (!(ins = srw_ins_open(db, tab, &io, err, sizeof err))) {
			set_state(false, err);
			return false;
		}
		srw_info("writing rows through the %s path", srw_ins_path_name(ins));
	}
	set_state(true, "");
	spool_replay();
	return db_ok;
}

/* Queues a request's rows; a row refused up front marks its request. */
static int
add_job(size_t k)
{
	const char *p = rbuf.s + rj[k].off, *end = p + rj[k].len;
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
			if (s->refused >= 0) {
				rj[k].refused = true;
				snprintf(rj[k].msg, sizeof rj[k].msg, "row refused: %.170s",
				    rf[s->refused].reason);
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
			srw_warn("row refused: %s", v ? reason : "bad row");
			s->refused = (long)refuse((long)k, s->p, len, v ? reason : "bad row");
		} else if (rc == -2 || (srw_ins_full(ins) && srw_ins_flush(ins) != 0)) {
			return -1;
		}
	}
	return 0;
}

/* Answers the round's requests (none of them answered by the watchdog). */
static void
finish_round(int code, const char *msg)
{
	size_t k, i;

	for (i = 0; i < nrf && code == 200; i++) {
		if (rf[i].k >= 0)
			continue;
		for (k = 0; k < nrj; k++) {	/* every request with this row */
			if (memmem(rbuf.s + rj[k].off, rj[k].len, rf[i].line, rf[i].len)) {
				rj[k].refused = true;
				snprintf(rj[k].msg, sizeof rj[k].msg,
				    "row refused by the database: %.150s", rf[i].reason);
			}
		}
	}
	for (k = 0; k < nrj; k++) {
		struct job *j = rj[k].j;

		if (rj[k].refused && code == 200) {
			j->code = 422;
			memcpy(j->msg, rj[k].msg, sizeof j->msg);
		} else {
			j->code = code;
			snprintf(j->msg, sizeof j->msg, "%s", msg);
		}
		j->done(j->done_arg);	/* j may be freed from here on */
	}
}

static void
round_begin(struct job *jobs)
{
	struct job *j;
	long rows = 0;

	srw_buf_reset(&rbuf);
	nrj = 0;
	for (j = jobs; j; j = j->next) {
		if (nrj == caprj) {
			caprj = caprj ? 2 * caprj : 64;
			rj = srw_xrealloc(rj, caprj * sizeof *rj);
		}
		rj[nrj] = (struct rjob){ .j = j, .off = rbuf.len, .len = j->rows.len };
		srw_buf_add(&rbuf, j->rows.s, j->rows.len);
		rows += (long)j->nrows;
		nrj++;
	}
	pthread_mutex_lock(&mu);
	round_active = true;
	round_taken = round_spool_failed = false;
	round_t0 = mono_ms();
	round_rows = rows;
	pthread_cond_signal(&wcv);
	pthread_mutex_unlock(&mu);
}

/* Ends the round for the watchdog; true when it answered the requests. */
static bool
round_end(void)
{
	bool taken;

	pthread_mutex_lock(&mu);
	while (round_spooling)
		pthread_cond_wait(&spooled_cv, &mu);
	taken = round_taken;
	round_active = false;
	pthread_mutex_unlock(&mu);
	metrics_round(mono_ms() - round_t0);
	return taken;
}

static void
round_free(void)
{
	size_t i;

	for (i = 0; i < nrf; i++)
		free(rf[i].line);
	nrf = 0;
}

static void
write_db(struct job *jobs)
{
	unsigned long long s0 = 0, b0 = 0, stored, aff;
	long rows;
	char err[512], path[PATH_MAX];
	size_t k, i;
	bool down = false;

	round_begin(jobs);
	rows = round_rows;
	if (!db_ok && (srw_now_ms() - last_try_ms < 250 || !db_connect()))
		down = true;
	in_round = true;
	round_down = false;
	if (!down) {
		seen_reset((size_t)rows);
		round_dups = 0;
		s0 = srw_ins_stored(ins);
		b0 = srw_ins_batches(ins);
		for (k = 0; k < nrj && !down; k++)
			down = add_job(k) != 0;
		if (!down)
			down = srw_ins_flush(ins) != 0 || round_down;
	}
	in_round = false;
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
	} else {
		if (ins)
			srw_ins_drop_pending(ins);
		if (db_ok)
			set_state(false, round_down ? round_err : srw_db_error(db));
	}
	if (round_end()) {
		/* answered from the spool while the database was slow */
		if (!down) {
			spool_forget(round_path, rows);
			/* their requests heard "spooled": the refused rows are kept
			 * where a replay would have put them */
			for (i = 0; i < nrf; i++)
				spool_reject(rf[i].line, rf[i].len, rf[i].reason);
		}
		round_free();
		return;
	}
	if (!down)
		finish_round(200, "stored");
	else if (cf.spool && spool_write(rbuf.s, rbuf.len, rows, path, err, sizeof err) == 0) {
		M.alerts_spooled += (unsigned long)rows;
		finish_round(200, "spooled");
	} else
		finish_round(503, cf.spool ? "database unavailable and the spool failed" :
		    "database unavailable");
	round_free();
}

static void
answer_all(struct job *jobs, int code, const char *msg)
{
	struct job *j, *next;

	for (j = jobs; j; j = next) {
		next = j->next;	/* j may be freed once done() ran */
		j->code = code;
		snprintf(j->msg, sizeof j->msg, "%s", msg);
		j->done(j->done_arg);
	}
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
		answer_all(jobs, 503, "cannot write to standard output");
		return;
	}
	M.alerts_stored += rows;
	answer_all(jobs, 200, "written");
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

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
abs_time(struct timespec *ts, int64_t at_ms)
{
	ts->tv_sec = at_ms / 1000;
	ts->tv_nsec = (at_ms % 1000) * 1000000L;
}

/* The watchdog answers the late round from the spool (mu held; released
 * while writing and answering). */
static void
take_round(void)
{
	char err[512];
	struct job **js;
	size_t k, n = nrj;
	int rc;

	round_spooling = true;
	pthread_mutex_unlock(&mu);
	rc = spool_write(rbuf.s, rbuf.len, round_rows, round_path, err, sizeof err);
	js = srw_xmalloc((n + 1) * sizeof *js);
	for (k = 0; k < n; k++)
		js[k] = rj[k].j;
	pthread_mutex_lock(&mu);
	round_spooling = false;
	if (rc == 0)
		round_taken = true;
	else
		round_spool_failed = true;
	pthread_cond_broadcast(&spooled_cv);
	pthread_mutex_unlock(&mu);
	if (rc == 0) {
		M.alerts_spooled += (unsigned long)round_rows;
		M.acks_early += n;
		for (k = 0; k < n; k++) {
			js[k]->code = 200;
			snprintf(js[k]->msg, sizeof js[k]->msg, "spooled");
			js[k]->done(js[k]->done_arg);
		}
	}
	free(js);
	pthread_mutex_lock(&mu);
}

/* ... and the requests queued behind it (mu held, as above). */
static void
take_queue(void)
{
	struct job *jobs = head, *j, *last = NULL;
	char err[512], path[PATH_MAX];
	srw_buf b;
	long rows = 0;
	unsigned long n = 0;

	head = NULL;
	tail = &head;
	pthread_mutex_unlock(&mu);
	srw_buf_init(&b);
	for (j = jobs; j; last = j, j = j->next) {
		srw_buf_add(&b, j->rows.s, j->rows.len);
		rows += (long)j->nrows;
		n++;
	}
	if (spool_write(b.s, b.len, rows, path, err, sizeof err) == 0) {
		M.alerts_spooled += (unsigned long)rows;
		M.acks_early += n;
		answer_all(jobs, 200, "spooled");
		pthread_mutex_lock(&mu);
	} else {	/* back to the front of the queue, for the writer */
		pthread_mutex_lock(&mu);
		last->next = head;
		if (!head)
			tail = &last->next;
		head = jobs;
	}
	srw_buf_free(&b);
}

static void *
watch(void *arg)
{
	struct timespec ts;
	int64_t now, due;

	(void)arg;
	pthread_mutex_lock(&mu);
	while (!watch_stop) {
		if (!round_active) {
			pthread_cond_wait(&wcv, &mu);
			continue;
		}
		now = mono_ms();
		due = round_t0 + cf.ack_after_ms;
		if (now < due) {
			abs_time(&ts, due);
			pthread_cond_timedwait(&wcv, &mu, &ts);
			continue;
		}
		/* the database is late: nothing waits on it any longer */
		if (!round_taken && !round_spool_failed && nrj > 0)
			take_round();
		if (head && round_active)
			take_queue();
		abs_time(&ts, now + (cf.ack_after_ms > 20 ? cf.ack_after_ms / 4 : 5));
		pthread_cond_timedwait(&wcv, &mu, &ts);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
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
			if (cf.to_stdout) {
				write_stdout(jobs);
			} else {
				write_db(jobs);
				/* under steady load the writer is never idle: what the
				 * watchdog spooled is replayed between rounds */
				if (db_ok && M.spool_files > 0 && srw_now_ms() - last_replay_ms >= 1000)
					spool_replay();
			}
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
	pthread_cond_init(&wcv, &ca);
	pthread_cond_init(&spooled_cv, &ca);
	pthread_condattr_destroy(&ca);
	srw_buf_init(&rbuf);
	if ((e = pthread_create(&thr, NULL, run, NULL)) != 0) {
		errno = e;
		srw_die(SRW_EX_SOFTWARE, "pthread_create:");
	}
	if (cf.spool && !cf.to_stdout && cf.ack_after_ms > 0) {
		if ((e = pthread_create(&wthr, NULL, watch, NULL)) != 0) {
			errno = e;
			srw_die(SRW_EX_SOFTWARE, "pthread_create:");
		}
		watch_started = true;
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
	if (watch_started) {
		pthread_mutex_lock(&mu);
		watch_stop = true;
		pthread_cond_signal(&wcv);
		pthread_mutex_unlock(&mu);
		pthread_join(wthr, NULL);
		watch_started = false;
	}
	srw_buf_free(&rbuf);
	free(rj);
	free(rf);
	rj = NULL;
	rf = NULL;
	srw_ins_free(ins);
	srw_table_free(tab);
	srw_db_close(db);
	seen_free();
	ins = NULL;
	tab = NULL;
	db = NULL;
}
