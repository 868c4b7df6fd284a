/* lark.c - the Lark open-platform calls srwatch makes: a tenant access token
 * (POST /open-apis/auth/v3/tenant_access_token/internal) and the messages of
 * a chat (GET /open-apis/im/v1/messages), page by page.
 *
 * Lark puts its verdict in the body's "code" whatever the HTTP status, so
 * the code is read first.  Codes that matter here:
 *   99991663, 99991664, 99991671  token invalid or expired: refresh, retry
 *   99991400                      rate limited (also HTTP 429): wait, retry
 * The app secret and the token never appear in URLs, logs or errors.
 */
#include <stdlib.h>
#include <string.h>

#include "srw.h"

#define MAX_TRIES 6		/* per page: token refreshes, rate limits, 5xx */
#define MAX_WAIT_MS 60000	/* the longest rate-limit wait we accept */

struct srw_lark {
	char *base, *app_id, *secret;
	char *token;
	int64_t token_until;	/* ms: refresh before this */
	long pages;
	long timeout_ms;	/* one HTTP request, connect to last byte */
};

void
srw_lark_set_timeout(srw_lark *l, long ms)
{
	l->timeout_ms = ms;
}

srw_lark *
srw_lark_new(const char *base_url, const char *app_id, const char *app_secret)
{
	srw_lark *l = srw_xcalloc(1, sizeof *l);
	size_t n = strlen(base_url);

	while (n > 0 && base_url[n - 1] == '/')
		n--;
	l->base = srw_xstrndup(base_url, n);
	l->app_id = srw_xstrdup(app_id);
	l->secret = srw_xstrdup(app_secret);
	return l;
}

static void
drop_token(srw_lark *l)
{
	if (l->token)
		memset(l->token, 0, strlen(l->token));
	free(l->token);
	l->token = NULL;
	l->token_until = 0;
}

void
srw_lark_free(srw_lark *l)
{
	if (!l)
		return;
	drop_token(l);
	memset(l->secret, 0, strlen(l->secret));
	free(l->base);
	free(l->app_id);
	free(l->secret);
	free(l);
}

long
srw_lark_pages(const srw_lark *l)
{
	return l->pages;
}

static bool
token_code(long code)
{
	return code == 99991663 || code == 99991664 || code == 99991671;
}

/* The body's code and msg; -1 if the body is not a JSON object with a code. */
static json_t *
parse_body(const srw_http_resp *r, long *code, const char **msg)
{
	json_t *j = json_loadb(r->body, r->len, 0, NULL);
	json_t *c = json_object_get(j, "code");

	*msg = "";
	if (!json_is_integer(c)) {
		*code = -1;
		return j;
	}
	*code = (long)json_integer_value(c);
	if (json_is_string(json_object_get(j, "msg")))
		*msg = json_string_value(json_object_get(j, "msg"));
	return j;
}

/* How long to wait before retry n: the peer's header, else backoff. */
static long
wait_ms(const srw_http_resp *r, int n)
{
	long w = srw_http_retry_after_ms(r);

	if (w < 0)
		w = srw_backoff_ms(n, 500, 10000);
	return w > MAX_WAIT_MS ? MAX_WAIT_MS : w;
}

static int
get_token(srw_lark *l, char *err, size_t errsz)
{
	const char *hdr[] = { "Content-Type: application/json; charset=utf-8", NULL };
	srw_http_req q = { 0 };
	srw_http_resp r;
	srw_buf url, body;
	json_t *req, *j;
	const char *msg, *tok;
	char *dump;
	long code;
	int tries, rc = SRW_EX_UNAVAILABLE;
	double expire = 0;

	drop_token(l);
	srw_buf_init(&url);
	srw_buf_printf(&url, "%s/open-apis/auth/v3/tenant_access_token/internal", l->base);
	req = json_pack("{s:s, s:s}", "app_id", l->app_id, "app_secret", l->secret);
	srw_buf_init(&body);
	dump = srw_json_dumps(req);
	srw_buf_adds(&body, dump);
	memset(dump, 0, strlen(dump));
	free(dump);
	json_decref(req);
	q.method = "POST";
	q.url = url.s;
	q.headers = hdr;
	q.body = body.s;
	q.body_len = body.len;
	q.max_wait_ms = MAX_WAIT_MS;
	q.timeout_ms = l->timeout_ms;
	q.max_retries = -1;	/* the loop below retries, reading Lark's codes */
	for (tries = 0; tries < MAX_TRIES; tries++) {
		if (srw_http_do(&q, &r) != 0) {
			snprintf(err, errsz, "%s: %s", url.s, r.err);
			srw_http_resp_free(&r);
			break;
		}
		j = parse_body(&r, &code, &msg);
		if (code == 0 && (tok = srw_json_str(j, "tenant_access_token")) && *tok) {
			srw_json_num(j, "expire", &expire);
			if (expire <= 0)
				expire = 7200;
			l->token = srw_xstrdup(tok);
			/* refresh a few minutes early (or halfway, for short tokens) */
			l->token_until = srw_now_ms() + (int64_t)(expire * 1000) -
			    (expire > 600 ? 300000 : (int64_t)(expire * 500));
			rc = 0;
		} else if (code == 99991400 && tries + 1 < MAX_TRIES) {
			srw_debug("token: rate limited; waiting");
			srw_sleep_ms(wait_ms(&r, tries));
			json_decref(j);
			srw_http_resp_free(&r);
			continue;
		} else if (code > 0) {
			snprintf(err, errsz, "tenant token: Lark code %ld: %s", code, msg);
		} else {
			snprintf(err, errsz, "tenant token: HTTP %ld, no token in the answer",
			    r.status);
		}
		json_decref(j);
		srw_http_resp_free(&r);
		break;
	}
	memset(body.s, 0, body.len);	/* it held the secret */
	srw_buf_free(&body);
	srw_buf_free(&url);
	return rc;
}

/* One page: fills *page (the decoded body) or returns an exit code. */
static int
get_page(srw_lark *l, const char *url, json_t **page, char *err, size_t errsz)
{
	srw_http_req q = { 0 };
	srw_http_resp r;
	srw_buf auth;
	const char *hdr[2] = { NULL, NULL }, *msg;
	json_t *j;
	long code;
	int tries;

	srw_buf_init(&auth);
	q.url = url;
	q.headers = hdr;
	q.max_wait_ms = MAX_WAIT_MS;
	q.timeout_ms = l->timeout_ms;
	q.max_retries = -1;	/* the loop below retries, reading Lark's codes */
	for (tries = 0; tries < MAX_TRIES; tries++) {
		if ((!l->token || srw_now_ms() >= l->token_until) &&
		    get_token(l, err, errsz) != 0)
			break;
		srw_buf_reset(&auth);
		srw_buf_printf(&auth, "Authorization: Bearer %s", l->token);
		hdr[0] = auth.s;
		if (srw_http_do(&q, &r) != 0) {
			snprintf(err, errsz, "list messages: %s", r.err);
			srw_http_resp_free(&r);
			break;
		}
		j = parse_body(&r, &code, &msg);
		if (code == 0 && r.status < 300 && json_is_object(json_object_get(j, "data"))) {
			srw_http_resp_free(&r);
			srw_buf_free(&auth);
			*page = j;
			l->pages++;
			return 0;
		}
		if (token_code(code)) {
			srw_debug("token expired (code %ld); refreshing", code);
			drop_token(l);
		} else if (code == 99991400 || r.status == 429 || r.status >= 500) {
			if (tries + 1 < MAX_TRIES) {
				srw_debug("list messages: HTTP %ld code %ld; retrying",
				    r.status, code);
				srw_sleep_ms(wait_ms(&r, tries));
			} else {
				snprintf(err, errsz, "list messages: HTTP %ld, Lark code %ld: %s "
				    "(gave up after %d tries)", r.status, code, msg, tries + 1);
			}
		} else {
			if (code > 0)
				snprintf(err, errsz, "list messages: Lark code %ld: %s", code, msg);
			else
				snprintf(err, errsz, "list messages: HTTP %ld, not a Lark answer",
				    r.status);
			json_decref(j);
			srw_http_resp_free(&r);
			break;
		}
		json_decref(j);
		srw_http_resp_free(&r);
		if (tries + 1 == MAX_TRIES && !err[0])
			snprintf(err, errsz, "list messages: token refused %d times", MAX_TRIES);
	}
	memset(auth.s ? auth.s : "", 0, auth.len);
	srw_buf_free(&auth);
	return SRW_EX_UNAVAILABLE;
}

int
srw_lark_messages(srw_lark *l, const char *chat, int64_t start_s, int64_t end_s,
    srw_lark_item_fn fn, void *ctx, char *err, size_t errsz)
{
	srw_buf url;
	char *token = NULL;
	json_t *page, *data, *items, *it;
	const char *next;
	size_t i;
	int rc = 0;

	err[0] = '\0';
	srw_buf_init(&url);
	for (;;) {
		srw_buf_reset(&url);
		srw_buf_printf(&url, "%s/open-apis/im/v1/messages?container_id_type=chat"
		    "&container_id=", l->base);
		srw_url_escape(&url, chat);
		srw_buf_printf(&url, "&start_time=%lld&end_time=%lld"
		    "&sort_type=ByCreateTimeAsc&page_size=50",
		    (long long)start_s, (long long)end_s);
		if (token) {
			srw_buf_adds(&url, "&page_token=");
			srw_url_escape(&url, token);
		}
		if ((rc = get_page(l, url.s, &page, err, errsz)) != 0)
			break;
		data = json_object_get(page, "data");
		items = json_object_get(data, "items");
		json_array_foreach(items, i, it) {
			if (json_is_object(it) && fn(it, ctx) != 0) {
				json_decref(page);
				goto out;
			}
		}
		next = srw_json_str(data, "page_token");
		if (!json_is_true(json_object_get(data, "has_more")) || !next || !*next) {
			json_decref(page);
			break;
		}
		if (token && strcmp(token, next) == 0) {
			snprintf(err, errsz, "list messages: Lark returned the same page_token twice");
			json_decref(page);
			rc = SRW_EX_UNAVAILABLE;
			break;
		}
		free(token);
		token = srw_xstrdup(next);
		json_decref(page);
	}
out:
	free(token);
	srw_buf_free(&url);
	return rc;
}
