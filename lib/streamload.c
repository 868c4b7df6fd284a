/* streamload.c - StarRocks Stream Load: a batch of JSON rows PUT to the FE,
 * which redirects (307) to a BE.  The label is a hash of the table and the
 * batch, so a retried batch is loaded once: "Label Already Exists" for a
 * finished job counts as success.  The Status field, not the HTTP code,
 * decides. */
#include <string.h>

#include "srw.h"

static const char *
jstr(json_t *j, const char *k)
{
	const char *s = json_string_value(json_object_get(j, k));

	return s ? s : "";
}

int
srw_stream_load(const srw_stream_load_cfg *c, const char *body, size_t len,
    srw_stream_load_result *res)
{
	char hex[65], auth_user[512];
	srw_buf url, lbl, hdrlabel;
	int attempt, rc = -1;
	const char *headers[8];

	memset(res, 0, sizeof *res);
	srw_buf_init(&url);
	srw_buf_init(&lbl);
	srw_buf_init(&hdrlabel);
	srw_buf_printf(&lbl, "%s.%s\n", c->db, c->table);
	srw_buf_add(&lbl, body, len);
	srw_sha256_hex(lbl.s, lbl.len, hex);
	snprintf(res->label, sizeof res->label, "srw_%.40s", hex);
	srw_buf_printf(&url, "%s/api/%s/%s/_stream_load", c->base_url, c->db, c->table);
	srw_buf_printf(&hdrlabel, "label: %s", res->label);
	headers[0] = hdrlabel.s;
	headers[1] = "format: json";
	headers[2] = "strip_outer_array: true";
	headers[3] = "Expect: 100-continue";
	headers[4] = "Content-Type: application/json";
	headers[5] = "max_filter_ratio: 0";
	headers[6] = NULL;
	snprintf(auth_user, sizeof auth_user, "%s:%s", c->user ? c->user : "root",
	    c->password ? c->password : "");

	for (attempt = 0;; attempt++) {
		srw_http_req q = { 0 };
		srw_http_resp r;
		json_t *j;
		const char *status;

		q.method = "PUT";
		q.url = url.s;
		q.headers = headers;
		q.body = body;
		q.body_len = len;
		q.timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : 600000;
		q.max_retries = -1;	/* retries are decided here, on Status */
		q.userpwd = auth_user;
		q.follow_redirects = true;
		if (srw_http_do(&q, &r) != 0) {
			snprintf(res->message, sizeof res->message, "%s", r.err);
			srw_http_resp_free(&r);
			goto retry;
		}
		j = json_loadb(r.body, r.len, 0, NULL);
		res->http_status = r.status;
		srw_http_resp_free(&r);
		if (!j) {
			snprintf(res->message, sizeof res->message,
			    "HTTP %ld without a Stream Load answer", res->http_status);
			goto retry;
		}
		status = jstr(j, "Status");
		snprintf(res->status, sizeof res->status, "%s", status);
		snprintf(res->message, sizeof res->message, "%s", jstr(j, "Message"));
		res->loaded = (long long)json_integer_value(json_object_get(j, "NumberLoadedRows"));
		res->filtered = (long long)json_integer_value(json_object_get(j, "NumberFilteredRows"));
		if (strcmp(status, "Success") == 0 || strcmp(status, "Publish Timeout") == 0) {
			json_decref(j);
			rc = 0;
			break;
		}
		if (strcmp(status, "Label Already Exists") == 0) {
			const char *ex = jstr(j, "ExistingJobStatus");

			if (strcmp(ex, "FINISHED") == 0 || strcmp(ex, "VISIBLE") == 0 ||
			    strcmp(ex, "COMMITTED") == 0) {
				res->already = true;
				json_decref(j);
				rc = 0;
				break;
			}
			json_decref(j);
			goto retry;	/* still running: ask again later */
		}
		if (strcmp(status, "Fail") == 0 && res->filtered > 0) {
			json_decref(j);
			rc = 1;	/* the data: the caller isolates the bad rows */
			break;
		}
		json_decref(j);
retry:
		if (attempt >= (c->retries > 0 ? c->retries : 5))
			break;
		srw_warn("stream load %s: %s%s%s; retrying", res->label,
		    res->status[0] ? res->status : "", res->status[0] ? ": " : "", res->message);
		srw_sleep_ms(srw_backoff_ms(attempt, 500, 10000));
	}
	srw_buf_free(&url);
	srw_buf_free(&lbl);
	srw_buf_free(&hdrlabel);
	return rc;
}
