/* srw/http.h: the declarations of lib/http.c (see srw.h) */
#ifndef SRW_HTTP_H
#define SRW_HTTP_H

#include "srw/base.h"
#include "srw/buf.h"

/* ---- lib/http.c: HTTP client over libcurl ----------------------------- */

typedef struct srw_http_req {
	const char *method;	/* "GET" by default, "POST", "PUT" */
	const char *url;
	const char *const *headers;	/* NULL-terminated "Name: value" list */
	const char *body;
	size_t body_len;
	long timeout_ms;	/* whole request; default 30000 */
	long connect_timeout_ms;	/* default 10000 */
	int max_retries;	/* on transport errors, 429, 5xx; default 3 */
	long max_wait_ms;	/* cap on one retry wait; default 60000 */
	bool no_retry_5xx;	/* leave 5xx to the caller */
	const char *userpwd;	/* basic auth "user:pass" (never logged) */
	bool follow_redirects;	/* keeps auth on redirects when set */
} srw_http_req;

typedef struct srw_http_resp {
	long status;	/* 0 on transport failure */
	char *body;	/* NUL-terminated, malloc'd */
	size_t len;
	char *headers;	/* raw response headers of the last response */
	char err[256];	/* transport error text */
	int attempts;
} srw_http_resp;

/* Performs the request with bounded retries, backoff with jitter, and the
 * peer's Retry-After / retry-after-ms / x-ogw-ratelimit-reset /
 * x-ratelimit-reset honoured.  TLS verification stays on.  Returns 0 when a
 * response arrived (any status), -1 on transport failure after retries. */
int srw_http_do(const srw_http_req *req, srw_http_resp *resp);
void srw_http_resp_free(srw_http_resp *resp);
/* Value of a response header (case-insensitive), copied into buf. */
const char *srw_http_header(const srw_http_resp *resp, const char *name,
    char *buf, size_t bufsz);
/* Milliseconds the peer asked us to wait, from the headers above; -1 none. */
long srw_http_retry_after_ms(const srw_http_resp *resp);
/* Backoff for attempt n (0-based): base * 2^n, capped, with full jitter. */
long srw_backoff_ms(int attempt, long base_ms, long cap_ms);
void srw_sleep_ms(long ms);
/* URL-encode s into b. */
void srw_url_escape(srw_buf *b, const char *s);

#endif
