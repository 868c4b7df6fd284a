/* recommend.h - private to recommend: the per-day, per-alert aggregates
 * (agg.c) and the reports drawn from them (report.c). */
#include "srw.h"

/* A string-keyed open-addressing hash map; keys are copied. */
struct rc_map {
	struct rc_ent { char *key; uint64_t h; void *val; } *e;
	size_t n, cap;
};

struct rc_opts {
	long noisy_count;	/* fired this often in a day: noisy */
	long noisy_clusters;	/* on this many clusters: noisy */
	long flap_min;		/* re-fires on one cluster: flapping */
	long top;		/* bars in the report's chart */
};

/* One alert section as kept until the day is finished: 16 bytes. */
struct rc_ev {
	uint32_t alert;		/* index in the day's alert list */
	uint32_t cluster;	/* index in the state's cluster list */
	int64_t tv;		/* (created_ms << 1) | resolved */
};

struct rc_alert {
	const char *name;
	uint32_t idx;
	long fired, resolved;
	int64_t first_fired, last_fired;	/* -1 if it never fired */
	struct rc_map regions;	/* key -> NULL */
	/* derived by rc_finish */
	const srw_alert_type *type;	/* NULL: unknown name */
	const char **clid, **clname;	/* affected clusters, sorted by id */
	size_t ncl;
	char **regv;		/* sorted */
	size_t nreg;
	const char **flap;	/* ids of flapping clusters, sorted */
	size_t nflap;
	long max_refires;
	long npairs;		/* fire -> resolve pairs seen */
	int64_t median_ms;	/* -1 if none */
	long prev_fired;	/* same weekday a week earlier; -1 unknown */
	bool noisy;
	char reason[128];
	char *tuning;		/* backtested advice (rc_tune_advice), or NULL */
};

struct rc_day {
	int64_t z;		/* days since 1970-01-01 of the Pacific date */
	char date[11];
	int64_t start, end;	/* UTC window, ms */
	int nhours;		/* 23, 24 or 25 */
	bool want;		/* reported (not only compared against) */
	bool known;		/* its alerts were read (DB) or seen (stdin) */
	long sections, fired, resolved;
	long hist[25];		/* firings per hour since Pacific midnight */
	struct rc_map alerts;	/* name -> struct rc_alert */
	struct rc_alert **av;	/* by idx */
	size_t nav, capav;
	struct rc_ev *ev;
	size_t nev, capev;
	size_t nclusters;	/* distinct clusters of the day (rc_finish) */
	struct rc_alert **sorted;	/* severity, fired desc, name */
	size_t nalerts, nunknown;
};

struct rc_state {
	struct rc_day **days;
	size_t ndays, cap, last;
	bool filter;		/* only days marked want (and a week before) */
	struct rc_opts o;
	struct rc_map clusters;	/* cluster key -> index + 1 */
	const char **clid;	/* by index: the map's key */
	char **clname;
	size_t ncl, capcl;
};

void *rc_map_get(const struct rc_map *m, const char *key);
/* Inserts key if absent (val from mk(arg), or NULL); returns its entry. */
struct rc_ent *rc_map_put(struct rc_map *m, const char *key, void *(*mk)(const char *, void *),
    void *arg);
void rc_map_free(struct rc_map *m, void (*fr)(void *));

struct rc_day *rc_day_get(struct rc_state *st, int64_t z, bool create);
int64_t rc_day_of(int64_t ms);	/* Pacific day number of an instant */
/* Is the section countable?  If not, why says so. */
bool rc_check(const srw_section *s, const char **why);
/* Adds one section: 0 counted, 1 outside the days asked for, -1 bad (why). */
int rc_add(struct rc_state *st, const srw_section *s, const char **why);
void rc_finish(struct rc_state *st);
void rc_free(struct rc_state *st);
int rc_hour_label(const struct rc_day *d, int i);	/* local clock hour */
bool rc_status_firing(const char *status);

void rc_write_ndjson(const struct rc_state *st, FILE *fp);
void rc_write_text(const struct rc_state *st, FILE *fp);
void rc_write_markdown(const struct rc_state *st, FILE *fp);
void rc_write_html(const struct rc_state *st, FILE *fp);
void rc_write_types(FILE *fp, bool text);
/* "45s", "12m", "1h05m" */
char *rc_fmt_dur(int64_t ms, char *buf, size_t n);

/* tune.c: recommend tune NAME (backtest thresholds over stored history) */
int rc_tune(int argc, char *argv[]);
/* The one-line backtested advice for alert NAME over [from, to) (malloc'd),
 * or NULL: no rule for it in the suite's table, no history, or a failure
 * (said with -vv).  Never exits. */
char *rc_tune_advice(const char *name, int64_t from, int64_t to);
