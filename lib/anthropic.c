/* anthropic.c - one call to a model: the Anthropic Messages API (POST
 * /v1/messages, x-api-key, anthropic-version) or an OpenAI-compatible
 * chat-completions endpoint (POST /v1/chat/completions, Bearer key).
 * Retries on 429, 5xx and 529 (overloaded) honour retry-after (lib/http.c).
 * The key goes into a header only: never into a log line or an error. */
#include <stdlib.h>
#include <string.h>

#include "srw.h"

static json_t *
post(const srw_llm *c, const char *path, const char *const *headers, const json_t *req,
    long *status, char *err, size_t errsz)
{
	srw_http_req hr = { 0 };
	srw_http_resp resp = { 0 };
	srw_buf url;
	char *body = srw_json_dumps(req), perr[256];
	json_t *j = NULL;

	srw_buf_init(&url);
	srw_buf_adds(&url, c->base_url);
	while (url.len && url.s[url.len - 1] == '/')
		url.s[--url.len] = '\0';
	srw_buf_adds(&url, path);
	hr.method = "POST";
	hr.url = url.s;
	hr.headers = headers;
	hr.body = body;
	hr.body_len = strlen(body);
	hr.timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : 120000;
	hr.max_retries = c->max_retries != 0 ? c->max_retries : 4;	/* < 0: none */
	*status = 0;
	if (srw_http_do(&hr, &resp) != 0) {
		snprintf(err, errsz, "%s: %s", url.s, resp.err);
	} else {
		*status = resp.status;
		j = srw_json_loadb(resp.body ? resp.body : "", resp.len, perr, sizeof perr);
		if (resp.status != 200) {
			const char *m = NULL;

			if (j)
				m = srw_json_str(json_object_get(j, "error"), "message");
			snprintf(err, errsz, "%s: HTTP %ld%s%.300s", url.s, resp.status,
			    m ? ": " : "", m ? m : "");
			json_decref(j);
			j = NULL;
		} else if (!j || !json_is_object(j)) {
			snprintf(err, errsz, "%s: response is not a JSON object: %s", url.s, perr);
			json_decref(j);
			j = NULL;
		}
	}
	srw_http_resp_free(&resp);
	srw_buf_free(&url);
	free(body);
	return j;
}

json_t *
srw_anthropic_messages(const srw_llm *c, const json_t *req, long *status, char *err,
    size_t errsz)
{
	srw_buf key;
	json_t *j;

	srw_buf_init(&key);
	srw_buf_printf(&key, "x-api-key: %s", c->api_key ? c->api_key : "");
	const char *headers[] = {
		"content-type: application/json",
		"anthropic-version: 2023-06-01",
		key.s,
		NULL,
	};
	j = post(c, "/v1/messages", headers, req, status, err, errsz);
	memset(key.s, 0, key.len);
	srw_buf_free(&key);
	return j;
}

json_t *
srw_openai_chat(const srw_llm *c, const json_t *req, long *status, char *err, size_t errsz)
{
	srw_buf key;
	json_t *j;
	const char *headers[3] = { "content-type: application/json", NULL, NULL };

	srw_buf_init(&key);
	if (c->api_key && *c->api_key) {
		srw_buf_printf(&key, "authorization: Bearer %s", c->api_key);
		headers[1] = key.s;
	}
	/* base URLs of OpenAI-compatible servers usually end in /v1 already */
	j = post(c, c->base_url && strstr(c->base_url, "/v1") ? "/chat/completions" :
	    "/v1/chat/completions", headers, req, status, err, errsz);
	if (key.s)
		memset(key.s, 0, key.len);
	srw_buf_free(&key);
	return j;
}

/* Embeddings from an OpenAI-compatible POST (/v1)/embeddings, in batches of
 * 64 inputs.  Returns n*dim floats (malloc'd) in input order, or NULL. */
float *
srw_openai_embed(const srw_llm *c, const char *model, const char *const *texts, size_t n,
    size_t *dim, char *err, size_t errsz)
{
	srw_buf key;
	const char *headers[3] = { "content-type: application/json", NULL, NULL };
	float *out = NULL;
	size_t i, j, d = 0;

	srw_buf_init(&key);
	if (c->api_key && *c->api_key) {
		srw_buf_printf(&key, "authorization: Bearer %s", c->api_key);
		headers[1] = key.s;
	}
	for (i = 0; i < n; i += 64) {
		size_t m = n - i < 64 ? n - i : 64;
		json_t *req = json_pack("{s:s,s:[]}", "model", model, "input"), *resp, *item;
		long status;

		for (j = 0; j < m; j++) {
			json_t *t = json_string(texts[i + j]);	/* NULL: not UTF-8 */

			json_array_append_new(json_object_get(req, "input"), t ? t : json_string(""));
		}
		resp = post(c, c->base_url && strstr(c->base_url, "/v1") ? "/embeddings" :
		    "/v1/embeddings", headers, req, &status, err, errsz);
		json_decref(req);
		if (!resp)
			goto fail;
		if (json_array_size(json_object_get(resp, "data")) != m) {
			snprintf(err, errsz, "embeddings: %zu vectors for %zu inputs",
			    json_array_size(json_object_get(resp, "data")), m);
			json_decref(resp);
			goto fail;
		}
		json_array_foreach(json_object_get(resp, "data"), j, item) {
			json_t *v = json_object_get(item, "embedding"), *x;
			json_int_t idx = json_integer_value(json_object_get(item, "index"));
			size_t k;

			if (!json_object_get(item, "index"))
				idx = (json_int_t)j;
			if (!d) {
				d = json_array_size(v);
				out = srw_xcalloc(n * (d ? d : 1), sizeof *out);
			}
			if (!d || json_array_size(v) != d || idx < 0 || (size_t)idx >= m) {
				snprintf(err, errsz, "embeddings: vectors of unequal or zero size");
				json_decref(resp);
				goto fail;
			}
			json_array_foreach(v, k, x)
				out[(i + (size_t)idx) * d + k] = (float)json_number_value(x);
		}
		json_decref(resp);
	}
	if (key.s)
		memset(key.s, 0, key.len);
	srw_buf_free(&key);
	*dim = d;
	return out;
fail:
	if (key.s)
		memset(key.s, 0, key.len);
	srw_buf_free(&key);
	free(out);
	return NULL;
}
