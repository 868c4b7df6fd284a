/* inv.h - investigate's private interfaces: the tools, the two
 * investigators (model and rules), the report. */
#ifndef INV_H
#define INV_H

#include "srw.h"

struct inv {
	srw_db *db;		/* reads and report writes */
	srw_db *ro;		/* run_sql: INVESTIGATE_DB_USER or a second session */
	bool ro_failed;
	bool no_sections;	/* alerts.alert_sections missing: scan lark_alerts */
	int64_t now_ms;		/* "now" for every time window (--now) */
	long row_limit;		/* run_sql rows (--row-limit, 200) */
	long budget;		/* bytes of one tool result given to the model */
	long sql_timeout_s;	/* run_sql server-side limit */
	enum srw_kb_mode kb_mode;
	srw_kb *kb;		/* agent.knowledge, loaded on first search */
	json_t *kb_docs;	/* the rows behind kb, same order */
	bool kb_embedded;	/* kb vectors from the embedding model */
	const char *kl_url;	/* KNOWLEDGE_LAKE_URL: remote MCP server */

	/* per task */
	const json_t *task;
	const char *cluster_id;
	json_t *calls;		/* [{id, name, arguments, ms, bytes, error}] */
};

/* tools.c */
json_t *tool_schemas(void);
/* Runs one tool call and records it in inv->calls.  Returns the result as
 * a JSON object (new reference; {"error": …} on failure, *is_error set) and
 * its text for the model, cut to the budget with a note (malloc'd). */
json_t *tool_run(struct inv *inv, const char *id, const char *name, const json_t *args,
    char **text, bool *is_error);
void tools_close(struct inv *inv);
/* kb: documents of agent.knowledge as search hits; with version, documents
 * for other StarRocks versions are left out. */
json_t *kb_search(struct inv *inv, const char *query, enum srw_kb_mode mode, long limit,
    const char *version, char *err, size_t errsz);
int kb_load_dir(srw_db *db, const char *dir, bool dry_run);

/* The outcome of an investigation, whoever made it. */
struct report {
	char severity[16];	/* Critical, Warning, Info */
	double confidence;	/* 0..1 */
	char *root_cause;
	char category[32];	/* be_down, disk_full, …, recovered, unknown (investigate(1)) */
	char scope[16];		/* cluster or account; empty: not said */
	json_t *evidence;	/* [{text, tool_call, tool}] */
	json_t *recommendations;	/* [string] */
	char model[128];
	long input_tokens, output_tokens;
	int rounds;
	char status[16];	/* done, or fallback (the rules answered for the model) */
	char *note;
};

void report_evidence(struct report *r, const struct inv *inv, const char *call_id,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void report_recommend(struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void report_free(struct report *r);

/* The root-cause classes a report names (report.category). */
#define INV_CATEGORIES "be_down|update_regression|disk_full|fe_heap|compaction_backlog|" \
	"query_errors|slow_queries|cpu_saturation|load_failures|mv_refresh_failed|" \
	"fe_checkpoint_lag|operation_stuck|recovered|unknown"
bool inv_category_known(const char *s);

/* rules.c: the deterministic investigator */
void investigate_rules(struct inv *inv, struct report *r);

/* agent.c: the model's tool-use loop.  0, or -1 with err (the caller falls
 * back to the rules). */
struct agent_cfg {
	bool openai;
	srw_llm llm;
	const char *model;
	int max_rounds;
	long max_tokens;
	int64_t deadline_ms;	/* wall time for one task */
};
int investigate_model(struct inv *inv, const struct agent_cfg *cfg, struct report *r,
    char *err, size_t errsz);

#endif
