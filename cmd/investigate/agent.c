/* agent.c - the model investigates: a tool-use loop over the Anthropic
 * Messages API (or an OpenAI-compatible chat-completions endpoint), bounded
 * by tool rounds, tokens per reply and wall time.  The final answer is a
 * JSON object; its evidence must cite the tool calls it came from. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inv.h"

static const char system_prompt[] =
"You are the on-call engineer for a fleet of StarRocks clusters. A watchdog (sentinel) "
"flagged one cluster; find out what is wrong, why, and what to do, using the tools. "
"Follow this protocol:\n"
"1. Read the task: the trigger, the score and its change.\n"
"2. query_cluster_info: tier, region, account, StarRocks version, config, latest risk.\n"
"3. query_cluster_alerts: what is firing, since when, how often.\n"
"4. query_cluster_metrics: which dimensions are abnormal and how they trend.\n"
"5. query_cluster_operations: START/STOP/UPDATE and other operations that line up with the onset.\n"
"6. query_similar_clusters: is it this cluster only, the account, or the version?\n"
"7. query_agent_memory and search_knowledge: past findings, runbooks, known bugs, resolutions.\n"
"8. Conclude. Use run_sql (read-only) only when the other tools cannot answer.\n"
"Every claim must rest on a tool result. When done, reply with only one JSON object:\n"
"{\"severity\": \"Critical|Warning|Info\", \"confidence\": 0.0-1.0, \"root_cause\": \"one or two sentences\", "
"\"category\": \"" INV_CATEGORIES "\", \"scope\": \"cluster|account\", "
"\"evidence\": [{\"text\": \"what the data shows\", \"tool_call\": \"<the id of the tool_use it came from>\"}], "
"\"recommendations\": [\"specific action\", ...]}\n"
"category is the class of the root cause (update_regression: it began after an UPDATE operation; "
"recovered: it was wrong in the window but is fine now; unknown: the data does not say, with a low "
"confidence, rather than a guess). scope is account when other clusters of the account show the same problem.";

static json_t *
first_message(const struct inv *inv)
{
	char now[20], *task = srw_json_dumps(inv->task);
	srw_buf b;
	json_t *m;

	srw_buf_init(&b);
	srw_buf_printf(&b, "Investigate cluster %s. The current time is %s UTC.\nTask:\n%s",
	    inv->cluster_id, srw_time_fmt_sql(inv->now_ms, now), task);
	m = json_string(b.s);
	srw_buf_free(&b);
	free(task);
	return m ? m : json_string("Investigate the cluster.");
}

/* The report from the model's final text: a JSON object, perhaps inside a
 * ```json fence or with words around it. */
static int
parse_final(struct inv *inv, const char *text, struct report *r, char *err, size_t errsz)
{
	const char *a = strchr(text, '{'), *z = strrchr(text, '}');
	json_t *j, *e, *rec;
	const char *sev, *rc, *cat, *scope;
	double c;
	size_t i;

	if (!a || !z || z < a || !(j = srw_json_loadb(a, (size_t)(z - a + 1), NULL, 0)) ||
	    !json_is_object(j)) {
		snprintf(err, errsz, "the final answer is not a JSON object");
		return -1;
	}
	sev = srw_json_str(j, "severity");
	rc = srw_json_str(j, "root_cause");
	if (!rc || !*rc) {
		json_decref(j);
		snprintf(err, errsz, "the final answer has no root_cause");
		return -1;
	}
	if (sev && (strcasecmp(sev, "critical") == 0 || strcasecmp(sev, "high") == 0))
		sev = "Critical";
	else if (sev && (strcasecmp(sev, "info") == 0 || strcasecmp(sev, "low") == 0))
		sev = "Info";
	else
		sev = "Warning";
	snprintf(r->severity, sizeof r->severity, "%s", sev);
	c = srw_json_num(j, "confidence", &c) && isfinite(c) ? c : 0.5;
	r->confidence = c < 0 ? 0 : c > 1 ? 1 : c;
	r->root_cause = srw_xstrdup(rc);
	if ((cat = srw_json_str(j, "category")) && inv_category_known(cat))
		snprintf(r->category, sizeof r->category, "%s", cat);
	if ((scope = srw_json_str(j, "scope")) && (strcmp(scope, "cluster") == 0 ||
	    strcmp(scope, "account") == 0))
		snprintf(r->scope, sizeof r->scope, "%s", scope);
	json_array_foreach(json_object_get(j, "evidence"), i, e) {
		const char *t = json_is_string(e) ? json_string_value(e) : srw_json_str(e, "text");
		const char *id = srw_json_str(e, "tool_call");

		if (!id)
			id = srw_json_str(e, "tool_use_id");
		if (t)
			report_evidence(r, inv, id, "%s", t);
	}
	json_array_foreach(json_object_get(j, "recommendations"), i, rec)
		if (json_is_string(rec))
			report_recommend(r, "%s", json_string_value(rec));
	json_decref(j);
	return 0;
}

static long
remaining_ms(const struct agent_cfg *cfg)
{
	return (long)(cfg->deadline_ms - srw_now_ms());
}

/* The next call ends by the deadline: when less time is left than one
 * request may take, that time is its timeout and it is not retried. */
static void
bound(const struct agent_cfg *cfg, srw_llm *llm)
{
	long left = remaining_ms(cfg);

	*llm = cfg->llm;
	if (left < (llm->timeout_ms > 0 ? llm->timeout_ms : 120000)) {
		llm->timeout_ms = left > 1 ? left : 1;
		llm->max_retries = -1;
	}
}

/* ---- Anthropic ---------------------------------------------------------- */

static int
loop_anthropic(struct inv *inv, const struct agent_cfg *cfg, struct report *r,
    char *err, size_t errsz)
{
	json_t *req, *msgs = json_array(), *resp = NULL, *content, *b;
	srw_llm llm = cfg->llm;
	srw_buf text;
	size_t i, ntools;
	long status;
	int rc = -1;
	bool last = false;

	json_array_append_new(msgs, json_pack("{s:s,s:o}", "role", "user", "content",
	    first_message(inv)));
	req = json_pack("{s:s,s:I,s:s,s:o,s:O}", "model", cfg->model,
	    "max_tokens", (json_int_t)cfg->max_tokens, "system", system_prompt,
	    "tools", tool_schemas(), "messages", msgs);
	srw_buf_init(&text);
	for (;;) {
		const char *stop;
		json_t *results;

		if (remaining_ms(cfg) <= 0) {
			snprintf(err, errsz, "wall time exhausted after %d rounds", r->rounds);
			break;
		}
		bound(cfg, &llm);
		json_decref(resp);
		if (!(resp = srw_anthropic_messages(&llm, req, &status, err, errsz)))
			break;
		r->input_tokens += (long)json_integer_value(json_object_get(json_object_get(resp, "usage"), "input_tokens"));
		r->output_tokens += (long)json_integer_value(json_object_get(json_object_get(resp, "usage"), "output_tokens"));
		content = json_object_get(resp, "content");
		stop = srw_json_str(resp, "stop_reason");
		if (!json_is_array(content) || !stop) {
			snprintf(err, errsz, "malformed response: no content or stop_reason");
			break;
		}
		json_array_append_new(msgs, json_pack("{s:s,s:O}", "role", "assistant", "content", content));
		ntools = 0;
		json_array_foreach(content, i, b)
			ntools += srw_json_str(b, "type") && strcmp(srw_json_str(b, "type"), "tool_use") == 0;
		if (strcmp(stop, "tool_use") != 0 || last || ntools == 0) {
			srw_buf_reset(&text);
			json_array_foreach(content, i, b)
				if (srw_json_str(b, "type") && strcmp(srw_json_str(b, "type"), "text") == 0)
					srw_buf_adds(&text, srw_json_str(b, "text") ? srw_json_str(b, "text") : "");
			if (strcmp(stop, "max_tokens") == 0)
				srw_warn("%s: the answer was cut at max_tokens (%ld)", inv->cluster_id,
				    cfg->max_tokens);
			rc = parse_final(inv, text.s ? text.s : "", r, err, errsz);
			break;
		}
		/* run every tool_use block; the results go back in one user turn,
		 * in the same order, paired by tool_use_id */
		r->rounds++;
		results = json_array();
		json_array_foreach(content, i, b) {
			const char *type = srw_json_str(b, "type"), *id = srw_json_str(b, "id"),
			    *name = srw_json_str(b, "name");
			char *out;
			bool is_err;

			if (!type || strcmp(type, "tool_use") != 0)
				continue;
			json_decref(tool_run(inv, id ? id : "", name ? name : "", json_object_get(b, "input"),
			    &out, &is_err));
			json_array_append_new(results, json_pack("{s:s,s:s,s:s,s:b}", "type", "tool_result",
			    "tool_use_id", id ? id : "", "content", out, "is_error", is_err));
			free(out);
		}
		if (r->rounds >= cfg->max_rounds) {
			/* no more tools: ask for the answer */
			json_array_append_new(results, json_pack("{s:s,s:s}", "type", "text", "text",
			    "That was the last tool round allowed. Give your final answer now, as the JSON object."));
			json_object_set_new(req, "tool_choice", json_pack("{s:s}", "type", "none"));
			last = true;
		}
		json_array_append_new(msgs, json_pack("{s:s,s:o}", "role", "user", "content", results));
	}
	json_decref(resp);
	json_decref(req);
	json_decref(msgs);
	srw_buf_free(&text);
	return rc;
}

/* ---- OpenAI-compatible chat completions --------------------------------- */

static json_t *
openai_tools(void)
{
	json_t *a = tool_schemas(), *out = json_array(), *t;
	size_t i;

	json_array_foreach(a, i, t)
		json_array_append_new(out, json_pack("{s:s,s:{s:O,s:O,s:O}}", "type", "function",
		    "function", "name", json_object_get(t, "name"), "description",
		    json_object_get(t, "description"), "parameters", json_object_get(t, "input_schema")));
	json_decref(a);
	return out;
}

static int
loop_openai(struct inv *inv, const struct agent_cfg *cfg, struct report *r,
    char *err, size_t errsz)
{
	json_t *req, *msgs = json_array(), *resp = NULL, *msg, *calls, *c;
	srw_llm llm = cfg->llm;
	size_t i;
	long status;
	int rc = -1;
	bool last = false;

	json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "system", "content", system_prompt));
	json_array_append_new(msgs, json_pack("{s:s,s:o}", "role", "user", "content", first_message(inv)));
	req = json_pack("{s:s,s:I,s:o,s:O}", "model", cfg->model, "max_tokens",
	    (json_int_t)cfg->max_tokens, "tools", openai_tools(), "messages", msgs);
	for (;;) {
		const char *fin;

		if (remaining_ms(cfg) <= 0) {
			snprintf(err, errsz, "wall time exhausted after %d rounds", r->rounds);
			break;
		}
		bound(cfg, &llm);
		json_decref(resp);
		if (!(resp = srw_openai_chat(&llm, req, &status, err, errsz)))
			break;
		r->input_tokens += (long)json_integer_value(json_object_get(json_object_get(resp, "usage"), "prompt_tokens"));
		r->output_tokens += (long)json_integer_value(json_object_get(json_object_get(resp, "usage"), "completion_tokens"));
		c = json_array_get(json_object_get(resp, "choices"), 0);
		msg = json_object_get(c, "message");
		fin = srw_json_str(c, "finish_reason");
		if (!json_is_object(msg)) {
			snprintf(err, errsz, "malformed response: no choices[0].message");
			break;
		}
		json_array_append(msgs, msg);
		calls = json_object_get(msg, "tool_calls");
		if (last || !json_array_size(calls) || (fin && strcmp(fin, "tool_calls") != 0 &&
		    strcmp(fin, "stop") != 0)) {
			const char *t = srw_json_str(msg, "content");

			rc = parse_final(inv, t ? t : "", r, err, errsz);
			break;
		}
		r->rounds++;
		json_array_foreach(calls, i, c) {
			json_t *fn = json_object_get(c, "function"), *args;
			const char *id = srw_json_str(c, "id"), *a = srw_json_str(fn, "arguments");
			char *out;
			bool is_err;

			args = a ? srw_json_loadb(a, strlen(a), NULL, 0) : NULL;
			json_decref(tool_run(inv, id ? id : "", srw_json_str(fn, "name") ?
			    srw_json_str(fn, "name") : "", args, &out, &is_err));
			json_decref(args);
			json_array_append_new(msgs, json_pack("{s:s,s:s,s:s}", "role", "tool",
			    "tool_call_id", id ? id : "", "content", out));
			free(out);
		}
		if (r->rounds >= cfg->max_rounds) {
			json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "user", "content",
			    "That was the last tool round allowed. Give your final answer now, as the JSON object."));
			json_object_set_new(req, "tool_choice", json_string("none"));
			last = true;
		}
	}
	json_decref(resp);
	json_decref(req);
	json_decref(msgs);
	return rc;
}

int
investigate_model(struct inv *inv, const struct agent_cfg *cfg, struct report *r,
    char *err, size_t errsz)
{
	snprintf(r->model, sizeof r->model, "%s", cfg->model);
	return cfg->openai ? loop_openai(inv, cfg, r, err, errsz) :
	    loop_anthropic(inv, cfg, r, err, errsz);
}
