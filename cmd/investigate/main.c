/* investigate - look into the clusters sentinel flagged: with a model and
 * tools (Anthropic Messages API, or an OpenAI-compatible endpoint), or with
 * fixed rules when no model is configured.  Reports are NDJSON (or
 * Markdown), stored in agent.investigations with the root cause in
 * agent.memory.  Also: kb-load DIR and search QUERY for the Knowledge Lake. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inv.h"

static bool offline, dry_run, markdown, strict, openai;
static const char *model, *reject_path, *cluster_arg, *version;
static long max_rounds = 12, max_tokens = 4096, limit = 5;
static int64_t timeout_ms = 300000;
static struct inv inv = { .row_limit = 200, .budget = 16384, .sql_timeout_s = 10 };
static struct agent_cfg cfg;
static srw_table *t_inv, *t_mem;
static int status = SRW_EX_OK;
static long ndone;

enum { OPT_PROVIDER = SRW_OPT_LONG, OPT_MODEL, OPT_MAX_ROUNDS, OPT_MAX_TOKENS,
	OPT_TIMEOUT, OPT_TOOL_BUDGET, OPT_ROW_LIMIT, OPT_SQL_TIMEOUT, OPT_NOW, OPT_SR_VERSION,
	OPT_STRICT, OPT_REJECT };

static const char synopsis[] =
    "investigate [--offline] [--provider anthropic|openai] [--model M]\n"
    "                   [--max-rounds N] [--max-tokens N] [--timeout DUR]\n"
    "                   [--tool-budget BYTES] [--row-limit N] [--sql-timeout SEC]\n"
    "                   [--format ndjson|markdown] [--dry-run] [--now TIME]\n"
    "                   [--cluster ID] [--strict] [--reject FILE] [--progress] [-v]\n"
    "                   [FILE ... | -]\n"
    "       investigate kb-load [--dry-run] DIR\n"
    "       investigate search [--mode hybrid|fulltext|vector] [--limit N]\n"
    "                   [--sr-version V] [--format ndjson|markdown] QUERY ...";

static const srw_opt opts[] = {
	{ "offline", 'o', NULL, "the rule-based investigator, no LLM" },
	{ "provider", OPT_PROVIDER, "NAME", "anthropic (default) or openai" },
	{ "model", OPT_MODEL, "M", "the model (default $INVESTIGATE_MODEL)" },
	{ "max-rounds", OPT_MAX_ROUNDS, "N", "tool rounds per investigation, 1 to 100 (12)" },
	{ "max-tokens", OPT_MAX_TOKENS, "N", "tokens per answer, 256 to 200000 (4096)" },
	{ "timeout", OPT_TIMEOUT, "DUR", "time for one investigation (default 5m)" },
	{ "tool-budget", OPT_TOOL_BUDGET, "BYTES", "bytes of tool output per call (16384)" },
	{ "row-limit", OPT_ROW_LIMIT, "N", "rows per SQL answer (default 200)" },
	{ "sql-timeout", OPT_SQL_TIMEOUT, "SEC", "server time limit per query (default 10)" },
	{ "format", 'f', "FMT", "ndjson (default) or markdown" },
	{ "dry-run", 'n', NULL, "store nothing" },
	{ "now", OPT_NOW, "TIME", "investigate as of TIME" },
	{ "cluster", 'c', "ID", "investigate this cluster, no task input" },
	{ "mode", 'm', "MODE", "search: hybrid, fulltext or vector" },
	{ "limit", 'l', "N", "search: hits, 1 to 100 (default 5)" },
	{ "sr-version", OPT_SR_VERSION, "V", "search: prefer documents for this StarRocks version" },
	{ "strict", OPT_STRICT, NULL, "the first bad task line is fatal (exit 65)" },
	{ "reject", OPT_REJECT, "FILE", "keep bad task lines in FILE" },
	{ "progress", 'p', NULL, "show progress even when stderr is not a terminal" },
	{ "verbose", 'v', NULL, "more diagnostics (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

/* ---- the report ------------------------------------------------------- */

void
report_evidence(struct report *r, const struct inv *iv, const char *call_id,
    const char *fmt, ...)
{
	va_list ap;
	srw_buf b;
	json_t *e, *c;
	const char *tool = NULL;
	size_t i;

	srw_buf_init(&b);
	va_start(ap, fmt);
	{
		char tmp[2048];

		vsnprintf(tmp, sizeof tmp, fmt, ap);
		srw_buf_adds(&b, tmp);
	}
	va_end(ap);
	json_array_foreach(iv->calls, i, c)
		if (call_id && strcmp(srw_json_str(c, "id"), call_id) == 0)
			tool = srw_json_str(c, "name");
	e = json_pack("{s:s}", "text", b.s ? b.s : "");
	if (!json_object_get(e, "text"))
		e = json_pack("{s:s}", "text", "(not UTF-8)");
	if (tool) {
		json_object_set_new(e, "tool_call", json_string(call_id));
		json_object_set_new(e, "tool", json_string(tool));
	} else {
		/* the claim cites no call that was made */
		json_object_set_new(e, "tool_call", json_null());
		json_object_set_new(e, "uncited", json_true());
	}
	if (!r->evidence)
		r->evidence = json_array();
	json_array_append_new(r->evidence, e);
	srw_buf_free(&b);
}

void
report_recommend(struct report *r, const char *fmt, ...)
{
	va_list ap;
	char tmp[2048];
	json_t *s;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (!r->recommendations)
		r->recommendations = json_array();
	if ((s = json_string(tmp)))
		json_array_append_new(r->recommendations, s);
}

void
report_free(struct report *r)
{
	free(r->root_cause);
	free(r->note);
	json_decref(r->evidence);
	json_decref(r->recommendations);
	memset(r, 0, sizeof *r);
}

static json_t *
report_json(struct report *r, const char *task_id, const char *started, int64_t ms)
{
	json_t *j;

	if (!r->evidence)
		r->evidence = json_array();
	if (!r->recommendations)
		r->recommendations = json_array();
	j = json_pack("{s:s,s:s,s:s,s:s,s:f,s:s?,s:O,s:O,s:O,s:s,s:{s:I,s:I},s:I,s:i,s:s}",
	    "task_id", task_id, "cluster_id", inv.cluster_id, "started_at", started,
	    "severity", r->severity, "confidence", r->confidence, "root_cause", r->root_cause,
	    "evidence", r->evidence, "recommendations", r->recommendations,
	    "tool_calls", inv.calls, "model", r->model, "tokens", "input",
	    (json_int_t)r->input_tokens, "output", (json_int_t)r->output_tokens,
	    "duration_ms", (json_int_t)ms, "rounds", r->rounds, "status", r->status);

	if (!j)
		srw_die(SRW_EX_SOFTWARE, "report of %s: not representable as JSON", inv.cluster_id);
	if (r->note)
		json_object_set_new(j, "note", json_string(r->note));
	json_object_set_new(j, "category", json_string(r->category[0] ? r->category : "unknown"));
	if (r->scope[0])
		json_object_set_new(j, "scope", json_string(r->scope));
	return j;
}

static void
md_text(const char *s)
{
	/* one line: newlines in model text would break the list */
	for (; s && *s; s++)
		putchar(*s == '\n' || *s == '\r' ? ' ' : *s);
}

static void
print_markdown(const json_t *rep)
{
	json_t *e, *c;
	size_t i;
	const char *name = srw_json_str(inv.task, "cluster_name");

	printf("## %s%s%s%s: %s\n\n", srw_json_str(rep, "cluster_id"), name && *name ? " (" : "",
	    name && *name ? name : "", name && *name ? ")" : "", srw_json_str(rep, "severity"));
	printf("Task %s", srw_json_str(rep, "task_id"));
	if (srw_json_str(inv.task, "reason") && *srw_json_str(inv.task, "reason"))
		printf(": %s", srw_json_str(inv.task, "reason"));
	printf("  \nModel %s, %zu tool calls, %lld ms\n\n", srw_json_str(rep, "model"),
	    json_array_size(json_object_get(rep, "tool_calls")),
	    (long long)json_integer_value(json_object_get(rep, "duration_ms")));
	printf("**Root cause** (confidence %.2f): ", json_real_value(json_object_get(rep, "confidence")));
	md_text(srw_json_str(rep, "root_cause"));
	printf("\n\n**Evidence**\n\n");
	json_array_foreach(json_object_get(rep, "evidence"), i, e) {
		printf("- ");
		md_text(srw_json_str(e, "text"));
		if (srw_json_str(e, "tool_call"))
			printf(" _(%s %s)_\n", srw_json_str(e, "tool"), srw_json_str(e, "tool_call"));
		else
			printf(" _(uncited)_\n");
	}
	printf("\n**Recommendations**\n\n");
	json_array_foreach(json_object_get(rep, "recommendations"), i, e) {
		printf("%zu. ", i + 1);
		md_text(json_string_value(e));
		putchar('\n');
	}
	printf("\n| call | tool | ms | bytes |\n|---|---|---:|---:|\n");
	json_array_foreach(json_object_get(rep, "tool_calls"), i, c)
		printf("| %s | %s%s | %lld | %lld |\n", srw_json_str(c, "id"), srw_json_str(c, "name"),
		    json_is_true(json_object_get(c, "error")) ? " (refused/failed)" : "",
		    (long long)json_integer_value(json_object_get(c, "ms")),
		    (long long)json_integer_value(json_object_get(c, "bytes")));
	printf("\n");
}

static void
store(const json_t *rep, const struct report *r)
{
	char err[512];
	srw_ins_opts o = { .mode = SRW_INS_UPSERT };
	srw_ins *ins;
	json_t *row;
	srw_buf q;

	if (!t_inv && (!(t_inv = srw_table_load(inv.db, "agent.investigations", err, sizeof err)) ||
	    !(t_mem = srw_table_load(inv.db, "agent.memory", err, sizeof err))))
		srw_die(SRW_EX_UNAVAILABLE, "%s", err);
	row = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:I,s:I,s:O}",
	    "task_id", json_object_get(rep, "task_id"), "cluster_id", json_object_get(rep, "cluster_id"),
	    "started_at", json_object_get(rep, "started_at"), "duration_ms", json_object_get(rep, "duration_ms"),
	    "model", json_object_get(rep, "model"), "severity", json_object_get(rep, "severity"),
	    "confidence", json_object_get(rep, "confidence"), "root_cause", json_object_get(rep, "root_cause"),
	    "evidence", json_object_get(rep, "evidence"), "recommendations", json_object_get(rep, "recommendations"),
	    "tool_calls", json_object_get(rep, "tool_calls"), "input_tokens", (json_int_t)r->input_tokens,
	    "output_tokens", (json_int_t)r->output_tokens, "status", json_object_get(rep, "status"));
	ins = srw_ins_new(inv.db, t_inv, &o);
	if (srw_ins_add_json(ins, row, err, sizeof err) != 0)
		srw_die(SRW_EX_SOFTWARE, "report not storable: %s", err);
	if (srw_ins_flush(ins) != 0)
		srw_die(SRW_EX_UNAVAILABLE, "storing agent.investigations: %s", srw_db_error(inv.db));
	srw_ins_free(ins);
	json_decref(row);

	row = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "task_id", json_object_get(rep, "task_id"),
	    "cluster_id", json_object_get(rep, "cluster_id"), "created_at", json_object_get(rep, "started_at"),
	    "severity", json_object_get(rep, "severity"), "confidence", json_object_get(rep, "confidence"),
	    "root_cause", json_object_get(rep, "root_cause"), "model", json_object_get(rep, "model"));
	ins = srw_ins_new(inv.db, t_mem, &o);
	if (srw_ins_add_json(ins, row, err, sizeof err) != 0 || srw_ins_flush(ins) != 0)
		srw_die(SRW_EX_UNAVAILABLE, "storing agent.memory: %s", err);
	srw_ins_free(ins);
	json_decref(row);

	srw_buf_init(&q);
	srw_buf_adds(&q, "UPDATE agent.tasks SET status = 'done' WHERE task_id = ");
	srw_db_quote(inv.db, &q, srw_json_str(rep, "task_id"), strlen(srw_json_str(rep, "task_id")));
	if (srw_db_exec_retry(inv.db, q.s, q.len, 2) != 0)
		srw_warn("marking task done: %s", srw_db_error(inv.db));
	srw_buf_free(&q);
}

static void
investigate_task(json_t *task)
{
	struct report r = { 0 };
	char started[20], err[1024] = "", idbuf[64], hex[65];
	const char *task_id = srw_json_str(task, "task_id");
	int64_t t0 = srw_now_ms();
	json_t *rep;
	bool model_ok = false;

	inv.task = task;
	inv.cluster_id = srw_json_str(task, "cluster_id");
	inv.calls = json_array();
	srw_time_fmt_sql(inv.now_ms, started);
	if (!task_id || !*task_id) {
		srw_buf k;

		srw_buf_init(&k);
		srw_buf_printf(&k, "%s|%s", inv.cluster_id, started);
		snprintf(idbuf, sizeof idbuf, "adhoc-%.16s", srw_sha256_hex(k.s, k.len, hex));
		srw_buf_free(&k);
		task_id = idbuf;
	}
	snprintf(r.status, sizeof r.status, "done");
	if (!offline) {
		cfg.deadline_ms = srw_now_ms() + timeout_ms;
		if (investigate_model(&inv, &cfg, &r, err, sizeof err) == 0) {
			model_ok = true;
		} else {
			/* keep the evidence of the calls made; the rules decide */
			srw_warn("%s: model investigation failed (%s); using the rules", inv.cluster_id, err);
			json_decref(r.evidence);
			json_decref(r.recommendations);
			free(r.root_cause);
			r.evidence = r.recommendations = NULL;
			r.root_cause = NULL;
			r.note = srw_xstrdup(err);
			snprintf(r.status, sizeof r.status, "fallback");
			status = SRW_EX_UNAVAILABLE;
		}
	}
	if (!model_ok)
		investigate_rules(&inv, &r);
	rep = report_json(&r, task_id, started, srw_now_ms() - t0);
	if (!dry_run)
		store(rep, &r);
	if (markdown)
		print_markdown(rep);
	else if (srw_json_print(stdout, rep) != 0)
		srw_die(SRW_EX_TEMPFAIL, "write stdout:");
	fflush(stdout);
	ndone++;
	srw_progress("%ld investigated; last %s: %s (%s)", ndone, inv.cluster_id, r.severity, r.model);
	json_decref(rep);
	json_decref(inv.calls);
	inv.calls = NULL;
	report_free(&r);
}

static int
on_task(srw_val *rec, const srw_line *ln, void *ctx)
{
	json_t *task;
	const char *cid = srw_val_get_str(rec, "cluster_id");

	(void)ctx;
	if (!cid || !*cid || strlen(cid) > 64) {
		srw_ndjson_reject(ln, "a task needs a cluster_id (at most 64 characters)");
		return SRW_NDJSON_REJECT;
	}
	task = srw_val_to_json(rec);
	investigate_task(task);
	json_decref(task);
	return SRW_NDJSON_OK;
}

/* ---- search from the terminal ------------------------------------------- */

static int
cmd_search(int argc, char *argv[], enum srw_kb_mode mode)
{
	srw_buf q;
	char err[512];
	json_t *res, *h;
	size_t i;
	int k;

	if (argc < 1)
		srw_opt_usage();
	srw_buf_init(&q);
	for (k = 0; k < argc; k++) {
		if (k)
			srw_buf_addc(&q, ' ');
		srw_buf_adds(&q, argv[k]);
	}
	if (!(res = kb_search(&inv, q.s, mode, limit, version, err, sizeof err)))
		srw_die(SRW_EX_UNAVAILABLE, "%s", err);
	json_array_foreach(json_object_get(res, "hits"), i, h) {
		if (markdown)
			printf("%zu. **%s** (%s, %s, score %.4f)\n", i + 1, srw_json_str(h, "title"),
			    srw_json_str(h, "kind"), srw_json_str(h, "doc_id"),
			    json_number_value(json_object_get(h, "score")));
		else if (srw_json_print(stdout, h) != 0)
			srw_die(SRW_EX_TEMPFAIL, "write stdout:");
	}
	srw_buf_free(&q);
	json_decref(res);
	return SRW_EX_OK;
}

/* ---- main ----------------------------------------------------------------- */

static void
setup_model(void)
{
	const char *key;

	if (offline)
		return;
	if (openai) {
		cfg.openai = true;
		cfg.llm.base_url = srw_env("OPENAI_BASE_URL", NULL);
		cfg.llm.api_key = srw_env("OPENAI_API_KEY", NULL);
		cfg.model = model ? model : srw_env("INVESTIGATE_MODEL", NULL);
		if (!cfg.llm.base_url || !cfg.model)
			srw_die(SRW_EX_USAGE, "--provider openai needs OPENAI_BASE_URL and a model"
			    " (--model or INVESTIGATE_MODEL)");
	} else {
		if (!(key = srw_env("ANTHROPIC_API_KEY", NULL))) {
			srw_info("no ANTHROPIC_API_KEY: the rule-based investigator runs");
			offline = true;
			return;
		}
		cfg.llm.base_url = srw_env("ANTHROPIC_BASE_URL", "https://api.anthropic.com");
		cfg.llm.api_key = key;
		cfg.model = model ? model : srw_env("INVESTIGATE_MODEL", "claude-sonnet-4-5");
	}
	cfg.max_rounds = (int)max_rounds;
	cfg.max_tokens = max_tokens;
	cfg.llm.timeout_ms = 120000;
	cfg.llm.max_retries = 4;
}

static long
count_arg(const char *opt, const char *s, long lo, long hi)
{
	return srw_opt_num(s, lo, hi, opt);
}

int
main(int argc, char *argv[])
{
	const char *sub = NULL;
	char err[512];
	int ch;

	srw_init("investigate", argc, argv);
	inv.now_ms = srw_now_ms();
	inv.kb_mode = SRW_KB_HYBRID;
	if (argc > 1 && (strcmp(argv[1], "kb-load") == 0 || strcmp(argv[1], "search") == 0)) {
		sub = argv[1];
		argc--;
		argv++;
	}
	srw_opt_begin(synopsis, opts);
	while ((ch = srw_opt_next(argc, argv)) != -1) {
		switch (ch) {
		case 'o': offline = true; break;
		case OPT_PROVIDER:
			if (strcmp(optarg, "openai") == 0)
				openai = true;
			else if (strcmp(optarg, "anthropic") != 0)
				srw_opt_error("--provider: anthropic or openai, not %s", optarg);
			break;
		case OPT_MODEL: model = optarg; break;
		case OPT_MAX_ROUNDS: max_rounds = count_arg("--max-rounds", optarg, 1, 100); break;
		case OPT_MAX_TOKENS:
			max_tokens = count_arg("--max-tokens", optarg, 256, 200000);
			break;
		case OPT_TIMEOUT:
			timeout_ms = srw_opt_duration(optarg, 1, INT64_MAX, "--timeout");
			break;
		case OPT_TOOL_BUDGET:
			inv.budget = count_arg("--tool-budget", optarg, 1024, 1 << 24);
			break;
		case OPT_ROW_LIMIT: inv.row_limit = count_arg("--row-limit", optarg, 1, 100000); break;
		case OPT_SQL_TIMEOUT:
			inv.sql_timeout_s = count_arg("--sql-timeout", optarg, 1, 3600);
			break;
		case 'f':
			if (strcmp(optarg, "markdown") == 0)
				markdown = true;
			else if (strcmp(optarg, "ndjson") != 0)
				srw_die(SRW_EX_USAGE, "--format: ndjson or markdown, not %s", optarg);
			break;
		case 'n': dry_run = true; break;
		case OPT_NOW:
			if (srw_time_parse(optarg, &inv.now_ms) != 0)
				srw_die(SRW_EX_USAGE, "--now: not a time: %s", optarg);
			break;
		case 'c': cluster_arg = optarg; break;
		case 'm':
			if (srw_kb_mode_parse(optarg, &inv.kb_mode) != 0)
				srw_die(SRW_EX_USAGE, "--mode: hybrid, fulltext or vector, not %s", optarg);
			break;
		case 'l': limit = count_arg("--limit", optarg, 1, 100); break;
		case OPT_SR_VERSION: version = optarg; break;
		case OPT_STRICT: strict = true; break;
		case OPT_REJECT: reject_path = optarg; break;
		case 'p': srw_progress_force(true); break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	argc -= optind;
	argv += optind;
	inv.kl_url = srw_env("KNOWLEDGE_LAKE_URL", NULL);

	if (sub && strcmp(sub, "search") == 0 && argc < 1)
		srw_opt_usage();
	if (sub && strcmp(sub, "search") == 0 && inv.kl_url) {
		status = cmd_search(argc, argv, inv.kb_mode);
		return srw_finish(status);
	}
	if (sub && strcmp(sub, "kb-load") == 0 && argc != 1)
		srw_opt_usage();
	if (!sub)
		setup_model();
	if (!(inv.db = srw_db_open(3, err, sizeof err)))
		srw_die(SRW_EX_UNAVAILABLE, "%s", err);
	if (sub && strcmp(sub, "kb-load") == 0) {
		status = kb_load_dir(inv.db, argv[0], dry_run);
	} else if (sub) {
		status = cmd_search(argc, argv, inv.kb_mode);
	} else if (cluster_arg) {
		json_t *task = json_pack("{s:s,s:s}", "cluster_id", cluster_arg, "reason",
		    "requested from the command line");

		investigate_task(task);
		json_decref(task);
	} else {
		srw_ndjson_opts no = { .strict = strict, .reject_path = reject_path };

		srw_ndjson_setup(&no);
		srw_ndjson_files(argc, argv, on_task, NULL);
		if (srw_ndjson_reject_count() && status == SRW_EX_OK)
			status = SRW_EX_REJECTED;
	}
	/* one line even without a terminal, so a cron journal shows the run */
	if (!sub) {
		srw_progress_end();
		fprintf(stderr, "%s: %ld investigated\n", srw_progname(), ndone);
	}
	tools_close(&inv);
	srw_table_free(t_inv);
	srw_table_free(t_mem);
	srw_kb_free(inv.kb);
	json_decref(inv.kb_docs);
	srw_db_close(inv.db);
	return srw_finish(status);
}
