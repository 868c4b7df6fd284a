/* evaluate.h - the parts of evaluate shared between its files. */

typedef struct alert {
	uint64_t fp;
	uint64_t key;		/* index key: the sample's labels, or fp (templated labels) */
	char **kv;		/* labels: name, value, ... sorted by name */
	size_t n;
	char **ann;		/* annotations: name, value, ... (expanded when sent) */
	size_t nann;
	srw_lset *sls;		/* the sample's labels, for templates */
	const srw_rule *rule;
	int state;		/* ST_* */
	int64_t active_at, fired_at, resolved_at, keep_since, last_sent;
	double value;
	bool seen;		/* in this evaluation's result */
	bool changed;		/* since --state last wrote it */
	bool written;		/* --state has its labels */
} alert;

enum { ST_PENDING, ST_FIRING, ST_INACTIVE };

typedef struct rstate {
	char *key;		/* group, rule name and expression: carried over reloads */
	alert *a;
	size_t n, cap;
	int *idx;		/* fingerprint -> alert index + 1, open addressing */
	size_t idxsz;
	/* heartbeat / presence / absence: what was seen, by series */
	struct track *t;
	size_t nt, capt;
	unsigned long errors;	/* failed evaluations (reported once) */
	/* changed since --state last wrote it: which alerts (alert.changed),
	 * which went away, the watched series */
	bool dirty, tracks_dirty;
	uint64_t *gone;
	size_t ngone, capgone;
	uint64_t hash;		/* of the definition of hashed, the rule it serves */
	const struct srw_rule *hashed;
} rstate;

typedef struct track {
	uint64_t fp;
	char **kv;		/* labels of the watched series (host, service, ...) */
	size_t n;
	int64_t last;		/* last sample's ts */
	int64_t ttl;		/* the sample's own ttl, 0 none */
	bool gone;		/* graceful shutdown: forget it */
} track;

struct ev {
	srw_ruleset rs;
	srw_pq *pq;
	srw_store *store;
	rstate **state;		/* per group, per rule */
	int64_t *next;		/* next evaluation per group; INT64_MIN before the first point */
	int64_t watermark;	/* largest event time seen */
	int64_t started;	/* first event time */
	uint64_t files_sig;
	int64_t last_check, last_db_poll, db_poll_ms;
	int64_t resend_ms;
	long nrec;
	unsigned long nticks;
	srw_buf out, post;
	size_t npost;
	const char *post_url;
	bool post_failed;
	FILE *record;
	pthread_mutex_t mu;
	srw_point pt;
	srw_rule **trk;		/* heartbeat/presence/absence rules: fed per point */
	size_t ntrk;
	srw_db *db;
	char db_sig[65];
	/* --shard I/N: only series whose shard_by label (or, without it, whole
	 * series key) hashes to shard are kept; time still advances on all */
	unsigned shard, nshards;
	const char *shard_by;
	/* --state FILE (state.c): dirty when an evaluation changed what the
	 * file holds */
	const char *state_path;
	char *journal_path;
	/* after a restore: the saved clock; from the first point on, alerts
	 * restored and not seen are held (not resolved) until hold_until, when
	 * the input has not replayed the rules' ranges (state.c) */
	int64_t restored_at, resume_from, hold_until;
	bool resuming;
	bool dirty, state_full;	/* state_full: the next write is a whole snapshot */
	int64_t state_gen;	/* the snapshot's generation; journal blocks carry it */
	srw_buf stbuf;
	unsigned long state_writes, state_snapshots, state_errors;
	size_t state_bytes, journal_bytes;
	int64_t state_write_ns, journal_write_ns;
};

void ev_init(struct ev *e);
int ev_input(struct ev *e, srw_val *rec, char *err, size_t errsz);
void ev_advance(struct ev *e, int64_t ts, bool inclusive);
void ev_flush(struct ev *e);
void ev_bind_rules(struct ev *e);
void ev_swap_rules(struct ev *e, srw_ruleset *rs, srw_pq *pq);
void ev_reindex(rstate *s);
void ev_resolve(struct ev *e, alert *a);	/* a resolved event, now */

/* state.c: --state FILE */
void ev_state_load(struct ev *e);
void ev_state_save(struct ev *e);
void ev_state_commit(struct ev *e);	/* output flushed, then the state saved */
void ev_state_resume(struct ev *e, int64_t first_ts);	/* the first point after a restore */

/* replay.c: --replay over metrics.metrics_table */
int ev_replay(struct ev *e, srw_db *db, int64_t from, int64_t to, char *err, size_t errsz);

/* db.c: ops.alert_rules */
void ev_db_open(struct ev *e);
int ev_db_load(struct ev *e, srw_ruleset *rs, int64_t dflt_interval, char *err, size_t errsz);
bool ev_db_changed(struct ev *e);
int ev_rule_cmd(int argc, char *argv[]);
