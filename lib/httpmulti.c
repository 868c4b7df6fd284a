/* httpmulti.c - many GETs at once over libcurl's multi interface, driven by
 * one thread: a bounded number in flight, a timeout per transfer, a body cap.
 * (With lib/http.c, the only files that include curl.) */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "srw.h"

struct xfer {
	struct xfer *next;	/* queue, or the free list */
	struct xfer *all;	/* every transfer made, for srw_hm_free */
	CURL *easy;
	struct curl_slist *hdrs;
	char *url;
	long timeout_ms;
	void *arg;
	srw_buf body;
	size_t max_bytes;
	bool too_large;
	int64_t start_ms;
	char err[CURL_ERROR_SIZE];
};

struct srw_hm {
	CURLM *multi;
	unsigned max_inflight, running;
	size_t max_bytes;
	struct xfer *qhead, *qtail, *free, *all;
	unsigned queued;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

srw_hm *
srw_hm_new(unsigned max_inflight, size_t max_bytes)
{
	srw_hm *m = srw_xcalloc(1, sizeof *m);

	pthread_once(&once, global_init);
	if (!(m->multi = curl_multi_init()))
		srw_die(SRW_EX_SOFTWARE, "curl_multi_init failed");
	m->max_inflight = max_inflight ? max_inflight : 1;
	m->max_bytes = max_bytes;
	/* keep-alive to as many peers as run at once; more would only hold fds */
	curl_multi_setopt(m->multi, CURLMOPT_MAXCONNECTS, (long)m->max_inflight);
	return m;
}

static void
xfer_clear(struct xfer *x)
{
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	free(x->url);
	x->url = NULL;
	srw_buf_free(&x->body);
	x->too_large = false;
	x->err[0] = '\0';
}

static void
xfer_destroy(struct xfer *x)
{
	xfer_clear(x);
	if (x->easy)
		curl_easy_cleanup(x->easy);
	free(x);
}

void
srw_hm_free(srw_hm *m)
{
	struct xfer *x, *n;

	if (!m)
		return;
	for (x = m->all; x; x = n) {
		n = x->all;
		if (x->easy)	/* harmless for one not running */
			curl_multi_remove_handle(m->multi, x->easy);
		xfer_destroy(x);
	}
	curl_multi_cleanup(m->multi);
	free(m);
}

void
srw_hm_add(srw_hm *m, const char *url, long timeout_ms,
    const char *const *headers, void *arg)
{
	struct xfer *x = m->free;

	if (x) {
		m->free = x->next;
	} else {
		x = srw_xcalloc(1, sizeof *x);
		x->all = m->all;
		m->all = x;
	}
	x->next = NULL;
	x->url = srw_xstrdup(url);
	x->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	x->arg = arg;
	x->max_bytes = m->max_bytes;
	for (; headers && *headers; headers++)
		x->hdrs = curl_slist_append(x->hdrs, *headers);
	srw_buf_init(&x->body);
	if (m->qtail)
		m->qtail->next = x;
	else
		m->qhead = x;
	m->qtail = x;
	m->queued++;
}

unsigned
srw_hm_pending(const srw_hm *m)
{
	return m->running + m->queued;
}

static size_t
write_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = sz * n;

	if (x->max_bytes && x->body.len + len > x->max_bytes) {
		x->too_large = true;
		return 0;	/* curl ends the transfer: CURLE_WRITE_ERROR */
	}
	srw_buf_add(&x->body, p, len);
	return len;
}

static void
start(srw_hm *m, struct xfer *x)
{
	CURL *c = x->easy;

	if (!c && !(c = x->easy = curl_easy_init()))
		srw_die(SRW_EX_SOFTWARE, "curl_easy_init failed");
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, x->url);
	curl_easy_setopt(c, CURLOPT_PRIVATE, (char *)x);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, x->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, x->timeout_ms);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "srwatch/" SRW_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->err);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (m->max_bytes)	/* refuses early when the peer announces the size */
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)m->max_bytes);
	if (x->hdrs)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->hdrs);
	x->err[0] = '\0';
	x->start_ms = srw_now_ms();
	curl_multi_add_handle(m->multi, c);
	m->running++;
}

static void
finish(srw_hm *m, CURLMsg *msg, void (*done)(const srw_hm_done *, void *), void *ctx)
{
	struct xfer *x = NULL;
	srw_hm_done d = { 0 };
	curl_off_t us = 0;
	CURL *c = msg->easy_handle;

	curl_easy_getinfo(c, CURLINFO_PRIVATE, (char **)&x);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &us);
	d.arg = x->arg;
	d.start_ms = x->start_ms;
	d.seconds = (double)us / 1e6;
	if (msg->data.result == CURLE_FILESIZE_EXCEEDED)
		x->too_large = true;
	d.too_large = x->too_large;
	if (msg->data.result == CURLE_OK && !x->too_large) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &d.status);
		d.body = x->body.s ? x->body.s : "";
		d.len = x->body.len;
	} else {
		d.body = "";
		if (x->too_large)
			snprintf(x->err, sizeof x->err, "response larger than %zu bytes",
			    m->max_bytes);
		else if (!x->err[0])
			snprintf(x->err, sizeof x->err, "%s",
			    curl_easy_strerror(msg->data.result));
		d.err = x->err;
	}
	curl_multi_remove_handle(m->multi, c);
	m->running--;
	done(&d, ctx);
	xfer_clear(x);
	x->next = m->free;
	m->free = x;
}

void
srw_hm_run(srw_hm *m, long wait_ms, void (*done)(const srw_hm_done *, void *),
    void *ctx)
{
	int still, left, polled = 0;
	CURLMsg *msg;
	bool any;

	for (;;) {
		while (m->qhead && m->running < m->max_inflight) {
			struct xfer *x = m->qhead;

			if (!(m->qhead = x->next))
				m->qtail = NULL;
			m->queued--;
			start(m, x);
		}
		curl_multi_perform(m->multi, &still);
		any = false;
		while ((msg = curl_multi_info_read(m->multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			finish(m, msg, done, ctx);
			any = true;
		}
		if (any && !m->qhead)
			return;
		if (any)
			continue;	/* room for queued transfers */
		if (polled || wait_ms <= 0)
			return;
		curl_multi_poll(m->multi, NULL, 0, (int)wait_ms, NULL);
		polled = 1;
	}
}
