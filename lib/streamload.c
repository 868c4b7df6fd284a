/* streamload.c - StarRocks Stream Load, and the row writer's backend on it
 * (the default on the starrocks dialect: frequent small INSERTs each make a
 * load transaction and a data version, which StarRocks advises against).
 *
 * A batch of JSON rows is PUT to the FE, which redirects (307) to a BE; auth
 * is kept across the redirect.  The label is a hash of the table, the
 * columns and the batch, so a retried batch is loaded once: "Label Already
 * Exists" for a finished job counts as success.  The Status field, not the
 * HTTP code, decides.  max_filter_ratio 0: a batch with a row StarRocks
 * filters fails whole, and the writer bisects it to name the row.  A plain
 * load replaces whole rows, so a batch that lacks non-key columns is loaded
 * with partial_update and a columns header: absent columns are kept, as
 * ON DUPLICATE KEY UPDATE keeps them on MariaDB. */
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
	int attempt, rc = -1, nh = 0, k;
	const char *headers[8 + SRW_STREAM_LOAD_MAX_HEADERS];
	int64_t deadline = c->retry_ms > 0 ? srw_now_ms() + c->retry_ms : 0;

	memset(res, 0, sizeof *res);
	srw_buf_init(&url);
	srw_buf_init(&lbl);
	srw_buf_init(&hdrlabel);
	srw_buf_printf(&lbl, "%s%s%s.%s\n", c->label_salt ? c->label_salt : "",
	    c->label_salt ? "\n" : "", c->db, c->table);
	for (k = 0; c->headers && c->headers[k] && k < SRW_STREAM_LOAD_MAX_HEADERS; k++)
		srw_buf_printf(&lbl, "%s\n", c->headers[k]);
	srw_buf_add(&lbl, body, len);
	srw_sha256_hex(lbl.s, lbl.len, hex);
	snprintf(res->label, sizeof res->label, "srw_%.40s", hex);
	srw_buf_printf(&url, "%s/api/%s/%s/_stream_load", c->base_url, c->db, c->table);
	srw_buf_printf(&hdrlabel, "label: %s", res->label);
	headers[nh++] = hdrlabel.s;
	headers[nh++] = "format: json";
	headers[nh++] = "strip_outer_array: true";
	headers[nh++] = "Expect: 100-continue";
	headers[nh++] = "Content-Type: application/json";
	headers[nh++] = "max_filter_ratio: 0";
	for (k = 0; c->headers && c->headers[k] && k < SRW_STREAM_LOAD_MAX_HEADERS; k++)
		headers[nh++] = c->headers[k];
	headers[nh] = NULL;
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
		snprintf(res->error_url, sizeof res->error_url, "%s", jstr(j, "ErrorURL"));
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
		if (deadline ? srw_now_ms() >= deadline :
		    attempt >= (c->retries > 0 ? c->retries : 5))
			break;
		if (attempt == 0 || srw_verbose())
			srw_warn("stream load %s: %s%s%s; retrying", res->label,
			    res->status[0] ? res->status : "", res->status[0] ? ": " : "",
			    res->message);
		srw_sleep_ms(srw_backoff_ms(attempt, 500, deadline ? 4000 : 10000));
	}
	srw_buf_free(&url);
	srw_buf_free(&lbl);
	srw_buf_free(&hdrlabel);
	return rc;
}

/* ---- the row writer's backend ---- */

struct sl {
	srw_stream_load_cfg cfg;
	char *url, *user, *password, *db;
	srw_buf body, cols, keys;
	size_t *koff;	/* where each column's key starts in keys */
	const char *hdr[3];
};

static void *
sl_open(const srw_ins_target *tg, char *err, size_t errsz)
{
	struct sl *x = srw_xcalloc(1, sizeof *x);
	srw_buf fe;

	srw_buf_init(&fe);
	srw_buf_printf(&fe, "http://%s:8030", srw_env("STARROCKS_HOST", "127.0.0.1"));
	x->url = srw_xstrdup(srw_env("STARROCKS_HTTP_URL", fe.s));
	srw_buf_free(&fe);
	x->user = srw_xstrdup(srw_env("STARROCKS_USER", "root"));
	x->password = srw_xstrdup(srw_env("STARROCKS_PASSWORD", ""));
	x->cfg.base_url = x->url;
	x->cfg.user = x->user;
	x->cfg.password = x->password;
	x->cfg.db = tg->t->db;
	x->cfg.table = tg->t->name;
	x->cfg.retry_ms = tg->o->retry_ms;
	x->cfg.label_salt = tg->o->label_salt;
	srw_buf_init(&x->body);
	srw_buf_init(&x->cols);
	srw_buf_init(&x->keys);
	x->koff = srw_xcalloc(tg->t->ncols + 2, sizeof *x->koff);
	return x;
}

static void
sl_close(void *be)
{
	struct sl *x = be;

	if (!x)
		return;
	free(x->url);
	free(x->user);
	if (x->password) {
		memset(x->password, 0, strlen(x->password));
		free(x->password);
	}
	srw_buf_free(&x->body);
	srw_buf_free(&x->cols);
	srw_buf_free(&x->keys);
	free(x->koff);
	free(x);
}

static void
jvalue(srw_buf *q, const srw_ins_batch *b, const srw_cell *c)
{
	switch (c->kind) {
	case SRW_CELL_NULL:
		srw_buf_add(q, "null", 4);
		break;
	case SRW_CELL_INT:
		srw_buf_add_jint(q, c->v.i);
		break;
	case SRW_CELL_UINT:
		srw_buf_printf(q, "%llu", (unsigned long long)c->v.u);
		break;
	case SRW_CELL_DBL:
		srw_buf_add_jnum(q, c->v.d);
		break;
	case SRW_CELL_NUMTEXT:
		srw_buf_add(q, b->bytes.s + c->v.off, c->len);
		break;
	case SRW_CELL_STR:
		srw_buf_add_jstr(q, b->bytes.s + c->v.off, c->len);
		break;
	}
}

/* Does the batch leave out a column that is not part of the key? */
static bool
partial(const srw_table *t, const srw_ins_batch *b)
{
	size_t i, j;

	for (i = 0; i < t->ncols; i++) {
		if (t->cols[i].key)
			continue;
		for (j = 0; j < b->nsig && b->sig[j] != (int)i; j++)
			;
		if (j == b->nsig)
			return true;
	}
	return false;
}

/* The first line of the rows StarRocks filtered (its ErrorURL), which says
 * why. */
static void
filtered_reason(const srw_stream_load_result *res, char *reason, size_t rsz)
{
	srw_http_req q = { 0 };
	srw_http_resp r;

	snprintf(reason, rsz, "stream load refused the row: %s", res->message);
	if (!res->error_url[0])
		return;
	q.url = res->error_url;
	q.timeout_ms = 10000;
	q.max_retries = 1;
	if (srw_http_do(&q, &r) == 0 && r.status == 200 && r.len) {
		char *nl = memchr(r.body, '\n', r.len);
		size_t n = nl ? (size_t)(nl - r.body) : r.len;

		snprintf(reason, rsz, "stream load refused the row: %.*s",
		    (int)(n > 300 ? 300 : n), r.body);
	}
	srw_http_resp_free(&r);
}

static int
sl_send(void *be, const srw_ins_target *tg, const srw_ins_batch *b, size_t from,
    size_t to, char *reason, size_t rsz)
{
	struct sl *x = be;
	srw_stream_load_result res;
	size_t r, i;
	int rc, nh = 0;

	/* each column's  ,"name":  once per batch, not once per value */
	srw_buf_reset(&x->keys);
	for (i = 0; i < b->nsig; i++) {
		const char *name = tg->t->cols[b->sig[i]].name;

		x->koff[i] = x->keys.len;
		srw_buf_addc(&x->keys, i ? ',' : '{');
		srw_buf_add_jstr(&x->keys, name, strlen(name));
		srw_buf_addc(&x->keys, ':');
	}
	x->koff[b->nsig] = x->keys.len;
	srw_buf_reset(&x->body);
	srw_buf_grow(&x->body, (to - from) * (x->keys.len + b->nsig * 4 + 2) + b->bytes.len);
	srw_buf_addc(&x->body, '[');
	for (r = from; r < to; r++) {
		if (r > from)
			srw_buf_addc(&x->body, ',');
		for (i = 0; i < b->nsig; i++) {
			srw_buf_add(&x->body, x->keys.s + x->koff[i], x->koff[i + 1] - x->koff[i]);
			jvalue(&x->body, b, srw_ins_cell(b, r, i));
		}
		srw_buf_addc(&x->body, '}');
	}
	srw_buf_addc(&x->body, ']');
	if (partial(tg->t, b)) {
		srw_buf_reset(&x->cols);
		srw_buf_adds(&x->cols, "columns: ");
		for (i = 0; i < b->nsig; i++) {
			if (i)
				srw_buf_addc(&x->cols, ',');
			srw_buf_adds(&x->cols, tg->t->cols[b->sig[i]].name);
		}
		x->hdr[nh++] = "partial_update: true";
		x->hdr[nh++] = x->cols.s;
	}
	x->hdr[nh] = NULL;
	x->cfg.headers = x->hdr;
	rc = srw_stream_load(&x->cfg, x->body.s, x->body.len, &res);
	if (rc == 0) {
		srw_debug("stream load %s: %s%s, %lld rows%s", res.label, res.status,
		    res.already ? " (loaded before)" : "", res.loaded, nh ? " (partial update)" : "");
		if (res.already)
			srw_info("stream load %s: loaded before (label already exists), "
			    "%zu rows not loaded again", res.label, to - from);
		return 0;
	}
	if (rc == 1) {
		if (to - from == 1)
			filtered_reason(&res, reason, rsz);
		else
			snprintf(reason, rsz, "%s", res.message);
		srw_info("stream load %s: %lld of %zu rows filtered (%s); isolating them",
		    res.label, res.filtered, to - from, res.message);
		return 1;
	}
	srw_warn("stream load %s failed: %s %s", res.label, res.status, res.message);
	snprintf(reason, rsz, "stream load: %s %s", res.status, res.message);
	return -1;
}

const srw_ins_backend srw_ins_backend_stream_load = {
	.name = "stream-load",
	.open = sl_open,
	.send = sl_send,
	.close = sl_close,
};
