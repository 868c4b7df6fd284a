/* webhookd.h - what the files of webhookd share: configuration, the job a
 * request hands to the writer, the metrics. */
#include <pthread.h>
#include <stdatomic.h>

#include "srw.h"

struct config {
	const char *table;	/* alerts.lark_alerts */
	const char *spool;	/* --spool DIR or NULL */
	const char *log_path;	/* --log FILE or NULL (stderr as is) */
	bool to_stdout;		/* --stdout: rows as NDJSON, no database */
	bool quiet;		/* no per-request log lines */
	char *bearer;		/* expected token, or NULL */
	char *basic;		/* expected base64(user:password), or NULL */
	size_t max_body;	/* bytes */
	unsigned timeout_s;	/* headers, from the connect or the last answer */
	unsigned body_timeout_s;	/* whole request body */
	unsigned max_conns, threads;
	unsigned max_per_client;	/* connections from one address */
	long batch_rows;
	long db_wait_ms;	/* how long a write waits for the database */
	long ack_after_ms;	/* with a spool: a round slower than this is
				 * acknowledged from the spool (0: never) */
	long drain_ms;		/* SIGTERM: how long in-flight requests may take */
};
extern struct config cf;

/*
 * A request's rows on their way to storage.  The HTTP side fills rows,
 * suspends its connection and submits; the writer sets code and msg and
 * calls done(done_arg) (which resumes the connection).  The job belongs to
 * the request; the writer does not touch it after done().
 */
struct job {
	struct job *next;
	srw_buf rows;		/* NDJSON lines */
	size_t nrows;
	int code;		/* 0 while pending: 200, 422, 503 */
	char msg[200];		/* "stored", "spooled", or the error */
	bool refused;		/* the database refused one of its rows */
	void (*done)(void *);
	void *done_arg;
};

/* writer.c: the one thread that owns the database connection */
void writer_start(void);
void writer_submit(struct job *j);
void writer_stop(void);		/* after the last submit; finishes the queue */
/* 0 ready, 1 degraded (database down, spooling), -1 unavailable; the reason
 * (never a password) goes to buf. */
int writer_health(char *buf, size_t n);

/* seen.c: the distinct rows of a round, by content */
struct seen {
	uint64_t h;		/* 0: empty slot */
	const char *p;		/* the line, in the round's buffer */
	size_t len;
	long refused;		/* the refusal of its first copy, -1 none */
};
void seen_reset(size_t rows);	/* empty, with room for rows */
struct seen *seen_find(const char *p, size_t len, bool *fresh);
void seen_free(void);

/* spool.c: the spool directory (cf.spool) */
struct dirent;
/* Writes data (NDJSON rows) as one spool file, fsync'd; its name to path
 * (PATH_MAX).  0, or -1 with err set. */
int spool_write(const char *data, size_t len, long rows, char *path, char *err,
    size_t errsz);
void spool_forget(const char *path, long rows);	/* a file stored after all */
int spool_scan(struct dirent ***names);	/* spool files, oldest first */
void spool_count(void);		/* M.spool_files, M.spool_rows from the disk */
int spool_fsync_dir(void);
/* Keeps a row nobody will be told about in DIR/rejected.ndjson, fsync'd. */
void spool_reject(const char *line, size_t len, const char *reason);
void spool_rejects_close(void);

/* Counters for /metrics (metrics.c).  Plain atomics: every thread adds. */
struct metrics {
	atomic_ulong code[600];		/* responses by status */
	atomic_ulong alerts_received, alerts_stored, alerts_spooled;
	atomic_ulong alerts_duplicate, alerts_incomplete, rows_refused, links_dropped;
	atomic_ulong spool_replayed;
	atomic_long spool_rows, spool_files;
	atomic_int db_up;
	atomic_long connections, inflight;
	atomic_ulong header_timeouts;
	atomic_ulong lat_bucket[16], lat_count;
	atomic_ullong lat_sum_us;
	atomic_ulong round_bucket[16];	/* the writer's rounds, by duration */
	atomic_ullong round_sum_ms;
	atomic_ulong acks_early;	/* requests answered from the spool */
	/* stored requests' time by phase: read and parse, with the writer,
	 * waiting to be resumed, answering (µs) */
	atomic_ullong phase_us[4];
	atomic_ulong phase_count;
};
extern struct metrics M;
void metrics_request(int code, int64_t us);
void metrics_round(int64_t ms);
void metrics_text(srw_buf *b);
