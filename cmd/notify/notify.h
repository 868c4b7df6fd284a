/* notify.h - the parts of notify shared between its files: the message,
 * the destinations (a table of operations, one file each), delivery, and
 * what survives a restart (outbox, notification log, claims). */
#include <jansson.h>
#include <regex.h>

#include "srw.h"

/* What is sent, whatever the input was (alert event, issue, report, ...). */
typedef struct msg {
	const char *kind;
	bool resolved;
	const char *status;
	char title[512];
	const char *severity;
	char key[96];		/* fingerprint: the destination's dedup key */
	const char *starts;	/* an alert's startsAt: a new firing is a new event */
	json_t *fields;		/* what routes match on: labels and top-level strings */
	json_t *rec;
	srw_buf text;
	const char *source, *link, *when;
} msg;

typedef struct dest dest;

/* A destination: how it is configured, what it is sent, and whether a
 * 2xx answer may still be a refusal. */
typedef struct destops {
	const char *name;
	void (*configure)(dest *d, const char *arg);	/* dies on missing secrets */
	json_t *(*body)(const msg *m, const dest *d);
	bool (*refused)(const srw_http_resp *rs, char *why, size_t whysz);	/* NULL: never */
	void (*redact)(json_t *body);	/* for --dry-run; NULL: nothing secret */
} destops;

extern const destops pagerduty_ops, slack_ops, lark_ops, webhook_ops;

struct dest {
	const destops *ops;
	bool on;
	char *url;		/* secret for slack and lark (holds the token) */
	char *secret;		/* pagerduty routing key, lark signing secret */
	double rate_n;		/* token bucket: rate_n per rate_ms, 0 = unlimited */
	int64_t rate_ms;
	double tokens;
	int64_t refilled;
	bool held;		/* events wait in the outbox: later ones queue behind */
	unsigned long sent, failed, limited, dups, queued, elsewhere;
};

enum { ND = 4 };

typedef struct matcher {
	char *k, *v;
	int op;			/* 0 =, 1 !=, 2 =~, 3 !~ */
	regex_t re;
} matcher;

typedef struct route {
	matcher *m;
	size_t nm;		/* 0: matches everything ("*") */
	bool to[ND];
} route;

/* One notify run. */
typedef struct nf {
	dest D[ND];
	route *routes;
	size_t nroutes;
	bool dry_run;
	int retries;
	int64_t dedup_ms;
	const char *outbox;	/* --outbox DIR */
	const char *trigger;	/* who/what made this send (the log's triggered_by) */
	char run_trigger[256], flush_trigger[256];
	char instance[128];	/* this notify, for claims: host and outbox */
	srw_db *db;		/* ops.notifications, when --db */
	struct seen { uint64_t h; int64_t at; } *seen;	/* dedup: sent, by dest+key+status */
	size_t nseen, capseen;
	uint64_t *done;		/* claim keys of events already delivered (outbox flush) */
	size_t ndone, capdone;
	unsigned long unrouted;
} nf;

/* route.c */
void nf_normalize(msg *m, json_t *rec);
void nf_msg_free(msg *m);
void nf_add_route(nf *n, const char *arg);
bool nf_route_match(const route *r, const msg *m);
int nf_dest_idx(const char *s, size_t len);

/* deliver.c */
void nf_dispatch(nf *n, json_t *rec);
void nf_flush_outbox(nf *n);
uint64_t nf_seen_hash(const char *dest, const char *key, const char *status);
bool nf_seen(nf *n, uint64_t h, int64_t at);
char *nf_secret_from(const char *env, const char *file_env);

/* record.c: outbox, notification log, claims, dedup across restarts */
typedef struct attempt {
	const char *claim;	/* hex event key (destination, fingerprint, status, start, slot) */
	int attempt;		/* 1.. per claim, across runs; 0 the claim itself */
	const msg *m;
	const char *dest;
	const char *status;	/* sent, error, failed, queued, deduplicated, rate_limited, claimed */
	long http;
	const char *error;
} attempt;
void nf_record_open(nf *n, bool use_db);
void nf_log(nf *n, const attempt *a);
int nf_claim(nf *n, const char *claim, const msg *m, const char *dest);	/* 1 ours, 0 taken, -1 error */
bool nf_delivered(nf *n, const char *claim);
void nf_seen_load(nf *n);
size_t nf_outbox_count(nf *n);
void nf_outbox_add(nf *n, const char *claim, const char *dest, int attempts, const json_t *rec);
void nf_inflight(nf *n, const char *claim, const char *dest, const json_t *rec);	/* NULL: none */
int nf_log_cmd(int argc, char *argv[]);
