/* kb.c - the Knowledge Lake: Markdown documents with front matter loaded
 * into agent.knowledge, searched in memory (lib/kb.c), or searched on a
 * remote Knowledge Lake MCP server when KNOWLEDGE_LAKE_URL is set. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

#include "inv.h"

static const char *const kinds[] = {
	"runbook", "oncall_log", "known_bug", "guideline", "resolution", NULL,
};

/* Embedding model (OpenAI-compatible /v1/embeddings) for vector search,
 * when INVESTIGATE_EMBED_URL and INVESTIGATE_EMBED_MODEL are set; NULL
 * otherwise: the local n-gram vectors are used. */
static const char *embed_model;
static srw_llm embed;

static bool
embed_setup(void)
{
	embed.base_url = srw_env("INVESTIGATE_EMBED_URL", NULL);
	embed.api_key = srw_env("INVESTIGATE_EMBED_KEY", NULL);
	embed.timeout_ms = 60000;
	embed.max_retries = 3;
	embed_model = srw_env("INVESTIGATE_EMBED_MODEL", NULL);
	if (embed.base_url && !embed_model)
		srw_warn("INVESTIGATE_EMBED_URL without INVESTIGATE_EMBED_MODEL: local vectors");
	return embed.base_url && embed_model;
}

/* Document vectors from the embedding model; false (local vectors kept)
 * when it fails. */
static bool
embed_docs(struct inv *inv)
{
	size_t n = json_array_size(inv->kb_docs), i, dim;
	const char **texts;
	char **own, err[512];
	float *v;
	json_t *row;

	if (!n)
		return false;
	texts = srw_xcalloc(n, sizeof *texts);
	own = srw_xcalloc(n, sizeof *own);
	json_array_foreach(inv->kb_docs, i, row) {
		srw_buf b;

		srw_buf_init(&b);
		srw_buf_printf(&b, "%s\n%.6000s", srw_json_str(row, "title") ? srw_json_str(row, "title") : "",
		    srw_json_str(row, "body") ? srw_json_str(row, "body") : "");
		texts[i] = own[i] = b.s;
	}
	v = srw_openai_embed(&embed, embed_model, texts, n, &dim, err, sizeof err);
	for (i = 0; i < n; i++)
		free(own[i]);
	free(own);
	free(texts);
	if (!v) {
		srw_warn("embeddings unavailable (%s): local n-gram vectors", err);
		return false;
	}
	srw_kb_set_vectors(inv->kb, v, dim);
	free(v);
	return true;
}

static bool
load_local(struct inv *inv, char *err, size_t errsz)
{
	srw_res *r;
	json_t *row;
	size_t i;

	if (inv->kb)
		return true;
	r = srw_db_query_retry(inv->db, "SELECT doc_id, kind, title, sr_version, alert_name, body"
	    " FROM agent.knowledge ORDER BY doc_id LIMIT 20000", 2);
	if (!r) {
		snprintf(err, errsz, "reading agent.knowledge: %s", srw_db_error(inv->db));
		return false;
	}
	inv->kb_docs = srw_res_to_json(r);
	srw_res_free(r);
	inv->kb = srw_kb_new();
	json_array_foreach(inv->kb_docs, i, row) {
		srw_buf text;
		const char *v = srw_json_str(row, "sr_version"), *a = srw_json_str(row, "alert_name");

		/* the alert name and version are searchable as well */
		srw_buf_init(&text);
		srw_buf_printf(&text, "%s %s\n%s", a ? a : "", v ? v : "",
		    srw_json_str(row, "body") ? srw_json_str(row, "body") : "");
		srw_kb_add(inv->kb, srw_json_str(row, "title"), text.s);
		srw_buf_free(&text);
	}
	if (embed_setup())
		inv->kb_embedded = embed_docs(inv);
	return true;
}

/* A short excerpt: the body from its first line of prose. */
static json_t *
excerpt(const char *body)
{
	srw_buf b;
	const char *p = body ? body : "";
	json_t *j;
	size_t n;

	while (*p == '#' || *p == '\n' || *p == ' ') {
		if (*p == '#')
			while (*p && *p != '\n')
				p++;
		else
			p++;
	}
	n = strlen(p);
	srw_buf_init(&b);
	if (n > 700) {
		n = 700;
		while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
			n--;	/* do not cut a UTF-8 sequence */
		srw_buf_add(&b, p, n);
		srw_buf_adds(&b, "…");
	} else {
		srw_buf_add(&b, p, n);
	}
	j = json_string(b.s ? b.s : "");
	srw_buf_free(&b);
	return j ? j : json_string("");
}

/* ---- the remote Knowledge Lake (MCP: JSON-RPC 2.0 over HTTP) ----------- */

/* The JSON-RPC answer of a response that is JSON or an SSE stream. */
static json_t *
rpc_answer(const srw_http_resp *resp)
{
	const char *p = resp->body ? resp->body : "";
	json_t *j = srw_json_loadb(p, resp->len, NULL, 0);

	if (j)
		return j;
	for (; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, "data:", 5) == 0) {
			const char *e = strchr(p, '\n');
			size_t n = e ? (size_t)(e - p - 5) : strlen(p + 5);

			if ((j = srw_json_loadb(p + 5, n, NULL, 0)) && json_object_get(j, "id"))
				return j;
			json_decref(j);
		}
	}
	return NULL;
}

static json_t *
rpc(struct inv *inv, const char *session, json_t *msg, char *sid, size_t sidsz,
    char *err, size_t errsz)
{
	srw_http_req hr = { .method = "POST", .url = inv->kl_url, .timeout_ms = 30000 };
	srw_http_resp resp = { 0 };
	srw_buf sh, auth;
	char *body = srw_json_dumps(msg);
	const char *headers[5] = { "content-type: application/json",
	    "accept: application/json, text/event-stream", NULL, NULL, NULL };
	const char *tok = srw_env("KNOWLEDGE_LAKE_TOKEN", NULL);
	json_t *j = NULL;
	int h = 2;

	srw_buf_init(&sh);
	srw_buf_init(&auth);
	if (session && *session) {
		srw_buf_printf(&sh, "mcp-session-id: %s", session);
		headers[h++] = sh.s;
	}
	if (tok) {
		srw_buf_printf(&auth, "authorization: Bearer %s", tok);
		headers[h++] = auth.s;
	}
	hr.headers = headers;
	hr.body = body;
	hr.body_len = strlen(body);
	if (srw_http_do(&hr, &resp) != 0)
		snprintf(err, errsz, "Knowledge Lake: %s", resp.err);
	else if (resp.status / 100 != 2)
		snprintf(err, errsz, "Knowledge Lake: HTTP %ld", resp.status);
	else if (json_object_get(msg, "id") && !(j = rpc_answer(&resp)))
		snprintf(err, errsz, "Knowledge Lake: the answer is not JSON-RPC");
	else if (!json_object_get(msg, "id"))
		j = json_object();	/* a notification: no answer expected */
	if (sid && resp.headers)
		srw_http_header(&resp, "mcp-session-id", sid, sidsz);
	if (j && json_object_get(j, "error")) {
		snprintf(err, errsz, "Knowledge Lake: %s",
		    srw_json_str(json_object_get(j, "error"), "message") ?
		    srw_json_str(json_object_get(j, "error"), "message") : "error");
		json_decref(j);
		j = NULL;
	}
	srw_http_resp_free(&resp);
	free(body);
	srw_buf_free(&sh);
	if (auth.s)
		memset(auth.s, 0, auth.len);
	srw_buf_free(&auth);
	return j;
}

static json_t *
remote_search(struct inv *inv, const char *query, enum srw_kb_mode mode, long limit,
    char *err, size_t errsz)
{
	char sid[256] = "";
	json_t *msg, *ans, *out, *content, *item;
	size_t i;
	char tool[32];

	msg = json_pack("{s:s,s:i,s:s,s:{s:s,s:{},s:{s:s,s:s}}}", "jsonrpc", "2.0", "id", 1,
	    "method", "initialize", "params", "protocolVersion", "2025-03-26", "capabilities",
	    "clientInfo", "name", "investigate", "version", SRW_VERSION);
	ans = rpc(inv, NULL, msg, sid, sizeof sid, err, errsz);
	json_decref(msg);
	if (!ans)
		return NULL;
	json_decref(ans);
	msg = json_pack("{s:s,s:s}", "jsonrpc", "2.0", "method", "notifications/initialized");
	json_decref(rpc(inv, sid, msg, NULL, 0, err, errsz));
	json_decref(msg);
	snprintf(tool, sizeof tool, "search_%s", srw_kb_mode_name(mode));
	msg = json_pack("{s:s,s:i,s:s,s:{s:s,s:{s:s,s:I}}}", "jsonrpc", "2.0", "id", 2,
	    "method", "tools/call", "params", "name", tool, "arguments", "query", query,
	    "limit", (json_int_t)limit);
	ans = rpc(inv, sid, msg, NULL, 0, err, errsz);
	json_decref(msg);
	if (!ans)
		return NULL;
	out = json_pack("{s:s,s:s,s:s,s:[]}", "source", "knowledge_lake", "mode",
	    srw_kb_mode_name(mode), "query", query, "hits");
	content = json_object_get(json_object_get(ans, "result"), "content");
	json_array_foreach(content, i, item) {
		const char *t = srw_json_str(item, "text");
		json_t *parsed = t ? srw_json_loadb(t, strlen(t), NULL, 0) : NULL;

		json_array_append_new(json_object_get(out, "hits"),
		    parsed ? parsed : json_string(t ? t : ""));
	}
	json_object_set_new(out, "row_count",
	    json_integer((json_int_t)json_array_size(json_object_get(out, "hits"))));
	json_decref(ans);
	return out;
}

/* Does a document for versions dv apply to a cluster on version cv?  An
 * empty dv applies to all; "3.1" applies to 3.1 and 3.1.9, not to 3.10. */
static bool
version_applies(const char *dv, const char *cv)
{
	size_t n;

	if (!dv || !*dv || !cv || !*cv)
		return true;
	n = strlen(dv);
	return strncmp(dv, cv, n) == 0 && (cv[n] == '\0' || cv[n] == '.' || cv[n] == '-');
}

json_t *
kb_search(struct inv *inv, const char *query, enum srw_kb_mode mode, long limit,
    const char *version, char *err, size_t errsz)
{
	srw_kb_hit *hits;
	size_t n, i, want = (size_t)limit, kept = 0;
	json_t *out, *arr;

	if (inv->kl_url)
		return remote_search(inv, query, mode, limit, err, errsz);
	if (!load_local(inv, err, errsz))
		return NULL;
	if (version && *version)
		limit *= 4;	/* room for the hits other versions' documents take */
	hits = srw_xcalloc((size_t)limit, sizeof *hits);
	if (inv->kb_embedded && mode != SRW_KB_FULLTEXT) {
		const char *q[1] = { query };
		size_t dim;
		float *qv = srw_openai_embed(&embed, embed_model, q, 1, &dim, err, errsz);

		if (!qv) {
			free(hits);
			return NULL;
		}
		n = srw_kb_search_vec(inv->kb, query, qv, mode, hits, (size_t)limit);
		free(qv);
	} else {
		n = srw_kb_search(inv->kb, query, mode, hits, (size_t)limit);
	}
	arr = json_array();
	for (i = 0; i < n && kept < want; i++) {
		json_t *d = json_array_get(inv->kb_docs, hits[i].doc);

		if (!version_applies(srw_json_str(d, "sr_version"), version))
			continue;
		kept++;
		json_array_append_new(arr, json_pack("{s:O,s:O,s:O,s:O,s:O,s:f,s:o}",
		    "doc_id", json_object_get(d, "doc_id"), "kind", json_object_get(d, "kind"),
		    "title", json_object_get(d, "title"), "sr_version", json_object_get(d, "sr_version"),
		    "alert_name", json_object_get(d, "alert_name"), "score", hits[i].score,
		    "excerpt", excerpt(srw_json_str(d, "body"))));
	}
	free(hits);
	out = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:o}", "source", "agent.knowledge", "mode",
	    srw_kb_mode_name(mode), "vectors", inv->kb_embedded ? embed_model : "ngram-tfidf",
	    "query", query, "documents", (json_int_t)srw_kb_count(inv->kb),
	    "row_count", (json_int_t)kept, "hits", arr);
	if (version && *version)
		json_object_set_new(out, "sr_version", json_string(version));
	return out;
}

/* ---- kb-load ------------------------------------------------------------ */

static struct {
	srw_db *db;
	srw_table *t;
	srw_ins *ins;
	const char *dir;
	size_t dirlen;
	long loaded, bad;
} ld;

/* Front matter: "---" line, "key: value" lines, "---" line. */
static json_t *
parse_doc(const char *path, const char *text)
{
	const char *p = text, *end;
	json_t *d = json_object();

	if (strncmp(p, "---\n", 4) == 0) {
		p += 4;
		while (*p && strncmp(p, "---", 3) != 0) {
			const char *nl = strchr(p, '\n'), *colon;
			size_t n = nl ? (size_t)(nl - p) : strlen(p);

			colon = memchr(p, ':', n);
			if (colon) {
				char key[64], *val;
				size_t kl = (size_t)(colon - p), vl;
				const char *v = colon + 1;

				while (kl > 0 && p[kl - 1] == ' ')
					kl--;
				while (*v == ' ' && v < p + n)
					v++;
				vl = (size_t)(p + n - v);
				while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\r'))
					vl--;
				if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
					v++;
					vl -= 2;
				}
				if (kl > 0 && kl < sizeof key) {
					memcpy(key, p, kl);
					key[kl] = '\0';
					val = srw_xstrndup(v, vl);
					json_t *js = json_string(val);

					json_object_set_new(d, key, js ? js : json_string(""));
					free(val);
				}
			}
			if (!nl) {
				srw_warn("%s: front matter not closed by ---", path);
				json_decref(d);
				return NULL;
			}
			p = nl + 1;
		}
		if (!*p) {
			srw_warn("%s: front matter not closed by ---", path);
			json_decref(d);
			return NULL;
		}
		end = strchr(p, '\n');
		p = end ? end + 1 : p + strlen(p);
	}
	while (*p == '\n')
		p++;
	{
		json_t *js = json_string(p);	/* NULL when not UTF-8 */

		if (!js) {
			srw_warn("%s: not UTF-8", path);
			json_decref(d);
			return NULL;
		}
		json_object_set_new(d, "body", js);
	}
	return d;
}

static int
load_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	FILE *fp;
	srw_buf text;
	char buf[8192], reason[512], id[129], hex[65], now[20];
	size_t n, plen = strlen(path);
	const char *rel, *kind, *title;
	json_t *d, *row;

	(void)sb;
	(void)ftw;
	if (type != FTW_F || plen < 3 || strcmp(path + plen - 3, ".md") != 0)
		return 0;
	if (plen >= 9 && strcmp(path + plen - 9, "README.md") == 0)
		return 0;
	if (!(fp = fopen(path, "r"))) {
		srw_warn("%s:", path);
		ld.bad++;
		return 0;
	}
	srw_buf_init(&text);
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		srw_buf_add(&text, buf, n);
	fclose(fp);
	d = text.s ? parse_doc(path, text.s) : NULL;
	srw_buf_free(&text);
	if (!d) {
		ld.bad++;
		return 0;
	}
	rel = path + ld.dirlen;
	while (*rel == '/')
		rel++;
	kind = srw_json_str(d, "kind");
	title = srw_json_str(d, "title");
	if (!kind || !title || !*title) {
		srw_warn("%s: front matter needs kind and title", path);
		json_decref(d);
		ld.bad++;
		return 0;
	}
	for (n = 0; kinds[n] && strcmp(kinds[n], kind) != 0; n++)
		;
	if (!kinds[n])
		srw_warn("%s: unknown kind %s (runbook, oncall_log, known_bug, guideline,"
		    " resolution); stored as given", path, kind);
	/* doc_id: the path below DIR without .md, or its hash when too long */
	if (strlen(rel) - 3 < sizeof id - 1) {
		memcpy(id, rel, strlen(rel) - 3);
		id[strlen(rel) - 3] = '\0';
	} else {
		snprintf(id, sizeof id, "kb-%.32s", srw_sha256_hex(rel, strlen(rel), hex));
	}
	row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:O,s:s,s:s}", "doc_id", id, "kind", kind,
	    "title", title, "sr_version", srw_json_str(d, "sr_version") ? srw_json_str(d, "sr_version") : "",
	    "alert_name", srw_json_str(d, "alert_name") ? srw_json_str(d, "alert_name") : "",
	    "body", json_object_get(d, "body"), "source", rel,
	    "updated_at", srw_time_fmt_sql(srw_now_ms(), now));
	if (srw_ins_add_json(ld.ins, row, reason, sizeof reason) != 0) {
		srw_warn("%s: %s", path, reason);
		ld.bad++;
	} else {
		ld.loaded++;
	}
	json_decref(row);
	json_decref(d);
	if (srw_ins_full(ld.ins) && srw_ins_flush(ld.ins) != 0)
		return 1;
	return 0;
}

int
kb_load_dir(srw_db *db, const char *dir, bool dry_run)
{
	char err[512];
	srw_ins_opts o = { .mode = SRW_INS_UPSERT, .dry_run = dry_run, .dry_fp = stdout };
	int rc;

	if (!(ld.t = srw_table_load(db, "agent.knowledge", err, sizeof err)))
		srw_die(SRW_EX_UNAVAILABLE, "%s", err);
	ld.db = db;
	ld.ins = srw_ins_new(db, ld.t, &o);
	ld.dir = dir;
	ld.dirlen = strlen(dir);
	rc = nftw(dir, load_one, 16, FTW_PHYS);
	if (rc < 0)
		srw_die(SRW_EX_USAGE, "%s:", dir);
	if (rc > 0 || srw_ins_flush(ld.ins) != 0)
		srw_die(SRW_EX_UNAVAILABLE, "storing agent.knowledge: %s", srw_db_error(db));
	srw_ins_free(ld.ins);
	srw_table_free(ld.t);
	srw_info("%ld documents loaded from %s, %ld refused", ld.loaded, dir, ld.bad);
	fprintf(stderr, "%s: %ld documents loaded into agent.knowledge%s", srw_progname(),
	    ld.loaded, ld.bad ? "" : "\n");
	if (ld.bad)
		fprintf(stderr, ", %ld refused\n", ld.bad);
	return ld.bad ? SRW_EX_REJECTED : SRW_EX_OK;
}
