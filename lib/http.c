/* http.c - HTTP client over libcurl: timeouts, bounded retries with backoff
 * and jitter, the peer's rate-limit headers honoured, TLS verified. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "srw.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	srand((unsigned)(srw_now_ms() ^ ((int64_t)getpid() << 16)));
}

void
srw_sleep_ms(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

long
srw_backoff_ms(int attempt, long base_ms, long cap_ms)
{
	long v = base_ms;
	int i;

	for (i = 0; i < attempt && v < cap_ms; i++)
		v *= 2;
	if (v > cap_ms)
		v = cap_ms;
	/* "equal jitter": half fixed, half random, so waits never collapse to 0 */
	return v / 2 + (long)(rand() % (v / 2 + 1));
}

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	srw_buf *b = arg;

	srw_buf_add(b, p, sz * n);
	return sz * n;
}

static size_t
on_header(char *p, size_t sz, size_t n, void *arg)
{
	srw_buf *b = arg;

	/* a new status line starts a new response (redirects, 100-continue) */
	if (sz * n > 5 && strncmp(p, "HTTP/", 5) == 0)
		srw_buf_reset(b);
	srw_buf_add(b, p, sz * n);
	return sz * n;
}

const char *
srw_http_header(const srw_http_resp *r, const char *name, char *buf, size_t bufsz)
{
	size_t nlen = strlen(name);
	const char *p = r->headers;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t linelen = eol ? (size_t)(eol - p) : strlen(p);

		if (linelen > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			const char *v = p + nlen + 1;
			size_t vlen;

			while (*v == ' ' || *v == '\t')
				v++;
			vlen = (size_t)(p + linelen - v);
			while (vlen && isspace((unsigned char)v[vlen - 1]))
				vlen--;
			if (vlen >= bufsz)
				vlen = bufsz - 1;
			memcpy(buf, v, vlen);
			buf[vlen] = '\0';
			return buf;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return NULL;
}

long
srw_http_retry_after_ms(const srw_http_resp *r)
{
	char v[128];
	char *end;
	double d;

	if (srw_http_header(r, "retry-after-ms", v, sizeof v)) {
		d = strtod(v, &end);
		if (end != v && d >= 0)
			return (long)d;
	}
	if (srw_http_header(r, "retry-after", v, sizeof v)) {
		d = strtod(v, &end);
		if (end != v && *end == '\0' && d >= 0)
			return (long)(d * 1000);
		/* HTTP-date form */
		time_t t = curl_getdate(v, NULL);
		if (t > 0) {
			long ms = (long)(((int64_t)t * 1000) - srw_now_ms());
			return ms > 0 ? ms : 0;
		}
	}
	if (srw_http_header(r, "x-ogw-ratelimit-reset", v, sizeof v) ||
	    srw_http_header(r, "x-ratelimit-reset", v, sizeof v)) {
		d = strtod(v, &end);
		if (end != v && d >= 0) {
			/* an epoch timestamp rather than a number of seconds */
			if (d > 1e9)
				d -= (double)srw_now_ms() / 1000.0;
			return d > 0 ? (long)(d * 1000) : 0;
		}
	}
	return -1;
}

void
srw_http_resp_free(srw_http_resp *r)
{
	free(r->body);
	free(r->headers);
	r->body = r->headers = NULL;
	r->len = 0;
}

void
srw_url_escape(srw_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			srw_buf_addc(b, (char)c);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			srw_buf_add(b, e, 3);
		}
	}
}

static int
perform_once(CURL *c, const srw_http_req *q, srw_buf *body, srw_buf *hdr,
    long *status, char *err)
{
	struct curl_slist *hl = NULL;
	const char *const *h;
	CURLcode rc;

	srw_buf_reset(body);
	srw_buf_reset(hdr);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, q->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, q->timeout_ms > 0 ? q->timeout_ms : 30000L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    q->connect_timeout_ms > 0 ? q->connect_timeout_ms : 10000L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "srwatch/" SRW_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, hdr);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (q->follow_redirects) {
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
		curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 1L);
		curl_easy_setopt(c, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	}
	if (q->userpwd) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, q->userpwd);
	}
	for (h = q->headers; h && *h; h++)
		hl = curl_slist_append(hl, *h);
	if (q->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
	}
	if (q->method && strcmp(q->method, "GET") != 0 && strcmp(q->method, "POST") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	else if (q->method && strcmp(q->method, "POST") == 0 && !q->body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	err[0] = '\0';
	rc = curl_easy_perform(c);
	curl_slist_free_all(hl);
	if (rc != CURLE_OK) {
		if (!err[0])
			snprintf(err, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
		*status = 0;
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

int
srw_http_do(const srw_http_req *q, srw_http_resp *r)
{
	int max = q->max_retries > 0 ? q->max_retries : (q->max_retries < 0 ? 0 : 3);
	long cap = q->max_wait_ms > 0 ? q->max_wait_ms : 60000;
	char err[CURL_ERROR_SIZE];
	srw_buf body, hdr;
	CURL *c;
	int attempt, rc = -1;

	pthread_once(&once, global_init);
	memset(r, 0, sizeof *r);
	if (!(c = curl_easy_init())) {
		snprintf(r->err, sizeof r->err, "curl init failed");
		return -1;
	}
	srw_buf_init(&body);
	srw_buf_init(&hdr);
	for (attempt = 0;; attempt++) {
		long status = 0, wait;
		bool retry;

		rc = perform_once(c, q, &body, &hdr, &status, err);
		r->attempts = attempt + 1;
		r->status = status;
		free(r->headers);
		r->headers = srw_xstrdup(hdr.s ? hdr.s : "");
		retry = rc != 0 || status == 429 ||
		    (status >= 500 && !q->no_retry_5xx);
		if (!retry || attempt >= max)
			break;
		wait = rc == 0 ? srw_http_retry_after_ms(r) : -1;
		if (wait < 0)
			wait = srw_backoff_ms(attempt, 500, cap);
		if (wait > cap)
			wait = cap;
		srw_debug("%s: %s; retry %d/%d in %ld ms", q->url,
		    rc ? err : "HTTP error", attempt + 1, max, wait);
		srw_sleep_ms(wait);
	}
	if (rc != 0)
		snprintf(r->err, sizeof r->err, "%s", err);
	r->body = body.s ? body.s : srw_xstrdup("");
	r->len = body.len;
	srw_buf_free(&hdr);
	curl_easy_cleanup(c);
	return rc;
}
