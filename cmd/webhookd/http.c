/* http.c - the HTTP side of webhookd, over libmicrohttpd: routing, auth,
 * limits, the request log.  A POST's rows go to the writer while its
 * connection is suspended, so MHD's few threads serve many waiting
 * requests and the writer can batch them. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "webhookd.h"
#include "http.h"

enum kind { K_NONE, K_HOOK };

struct req {
	int64_t t0;		/* monotonic µs at the headers */
	/* where the time went (µs; 0 not reached): the body read and parsed,
	 * the writer done, the answer queued after the resume */
	int64_t t_body;
	_Atomic int64_t t_done;
	int64_t t_answer;
	enum kind kind;
	srw_buf body;
	bool too_large, submitted;
	int code;		/* status sent; 0 none (yet) */
	size_t alerts;
	struct job job;
	struct MHD_Connection *conn;
	char method[12], path[80];
};

static atomic_int conn_closed;	/* --inetd: the one connection is gone */

/* the header deadline and the per-client limit (lib/httpd.c) */
static srw_httpd_guard *guard;

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* For the log: printable ASCII only, truncated. */
static void
copy_printable(char *dst, size_t n, const char *src)
{
	size_t i;

	for (i = 0; src && src[i] && i + 1 < n; i++)
		dst[i] = src[i] > ' ' && src[i] < 127 ? src[i] : '?';
	dst[i] = '\0';
}

static enum MHD_Result
reply(struct req *r, int code, const char *ctype, const char *body, size_t len,
    const char *hname, const char *hval)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (hname)
		MHD_add_response_header(resp, hname, hval);
	rc = MHD_queue_response(r->conn, (unsigned)code, resp);
	MHD_destroy_response(resp);
	r->code = code;
	return rc;
}

static enum MHD_Result
reply_error(struct req *r, int code, const char *msg, const char *hname,
    const char *hval)
{
	srw_buf b;
	enum MHD_Result rc;

	srw_buf_init(&b);
	srw_jw_begin(&b);
	srw_jw_str(&b, "error", msg);
	srw_jw_end(&b);
	rc = reply(r, code, "application/json", b.s, b.len, hname, hval);
	srw_buf_free(&b);
	return rc;
}

/* Compares digests, so neither the secret nor its length shows in timing. */
static bool
same_secret(const char *got, const char *want_hex)
{
	char h[65];
	unsigned char d = 0;
	int i;

	while (*got == ' ')
		got++;
	srw_sha256_hex(got, strlen(got), h);
	for (i = 0; i < 64; i++)
		d |= (unsigned char)(h[i] ^ want_hex[i]);
	return d == 0;
}

static bool
authorized(struct MHD_Connection *c)
{
	const char *h;

	if (!cf.bearer && !cf.basic)
		return true;
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h)
		return false;
	if (cf.bearer && strncasecmp(h, "Bearer ", 7) == 0 && same_secret(h + 7, cf.bearer))
		return true;
	if (cf.basic && strncasecmp(h, "Basic ", 6) == 0 && same_secret(h + 6, cf.basic))
		return true;
	return false;
}

/* The state for anyone (a load balancer needs no more); the reason, which
 * names the database's error and the spool's path, only with the token. */
static enum MHD_Result
health(struct req *r)
{
	char why[700];
	int st = writer_health(why, sizeof why);
	srw_buf b;
	enum MHD_Result rc;

	if ((cf.bearer || cf.basic) && !authorized(r->conn))
		return reply(r, st < 0 ? 503 : 200, "text/plain", st < 0 ? "unavailable\n" :
		    st > 0 ? "degraded\n" : "ok\n", st < 0 ? 12 : st > 0 ? 9 : 3, NULL, NULL);
	srw_buf_init(&b);
	srw_jw_begin(&b);
	srw_jw_str(&b, "status", st == 0 ? "ok" : st > 0 ? "degraded" : "unavailable");
	srw_jw_str(&b, st < 0 ? "reason" : "detail", why);
	srw_jw_int(&b, "spool_rows", M.spool_rows);
	srw_jw_end(&b);
	rc = reply(r, st < 0 ? 503 : 200, "application/json", b.s, b.len, NULL, NULL);
	srw_buf_free(&b);
	return rc;
}

static enum MHD_Result
metrics(struct req *r)
{
	srw_buf b;
	enum MHD_Result rc;

	srw_buf_init(&b);
	metrics_text(&b);
	rc = reply(r, 200, "text/plain; version=0.0.4", b.s, b.len, NULL, NULL);
	srw_buf_free(&b);
	return rc;
}

/* First call: headers are in, the body (if any) is not. */
static enum MHD_Result
route(struct req *r, const char *url, const char *method)
{
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	const char *cl;
	char msg[80];

	if (strcmp(url, "/alertmanager") == 0 || strcmp(url, "/webhook") == 0) {
		if (strcmp(method, "POST") != 0)
			return reply_error(r, 405, "method not allowed", "Allow", "POST");
		if (!authorized(r->conn))
			return reply_error(r, 401, "unauthorized", "WWW-Authenticate",
			    cf.bearer ? "Bearer realm=\"webhookd\"" : "Basic realm=\"webhookd\"");
		cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > cf.max_body) {
			snprintf(msg, sizeof msg, "body larger than %zu bytes", cf.max_body);
			return reply_error(r, 413, msg, NULL, NULL);
		}
		r->kind = K_HOOK;
		if (cl)		/* one allocation for the body, and room for the rows */
			srw_buf_grow(&r->body, strtoull(cl, NULL, 10));
		return MHD_YES;
	}
	if (strcmp(url, "/healthz") == 0 || strcmp(url, "/metrics") == 0) {
		if (!get)
			return reply_error(r, 405, "method not allowed", "Allow", "GET, HEAD");
		return url[1] == 'h' ? health(r) : metrics(r);
	}
	return reply_error(r, 404, "not found", NULL, NULL);
}

static void
resume(void *arg)
{
	struct req *r = arg;

	r->t_done = mono_us();
	MHD_resume_connection(r->conn);
}

/* The body is complete: parse, then hand the rows to the writer. */
static enum MHD_Result
on_body(struct req *r)
{
	srw_am_result res;
	char err[300], msg[80];

	if (r->too_large) {
		snprintf(msg, sizeof msg, "body larger than %zu bytes", cf.max_body);
		return reply_error(r, 413, msg, NULL, NULL);
	}
	srw_buf_init(&r->job.rows);
	srw_buf_grow(&r->job.rows, r->body.len);
	if (srw_am_rows(r->body.len ? r->body.s : "", r->body.len, srw_now_ms(),
	    &r->job.rows, &res, err, sizeof err) != 0)
		return reply_error(r, 400, err, NULL, NULL);
	srw_buf_free(&r->body);
	r->alerts = res.alerts;
	M.alerts_received += res.alerts;
	M.alerts_incomplete += res.incomplete;
	if (res.links_dropped) {
		M.links_dropped += res.links_dropped;
		srw_warn("%s %s: %zu links dropped: only http and https links are kept",
		    r->method, r->path, res.links_dropped);
	}
	if (res.alerts == 0)
		return reply(r, 200, "application/json", "{\"status\":\"ok\",\"alerts\":0}\n",
		    27, NULL, NULL);
	r->job.nrows = res.alerts;
	r->job.done = resume;
	r->job.done_arg = r;
	r->t_body = mono_us();
	r->submitted = true;
	/* suspend before submitting: the writer may resume at once */
	MHD_suspend_connection(r->conn);
	writer_submit(&r->job);
	return MHD_YES;
}

/* Called again after the writer resumed the connection. */
static enum MHD_Result
on_stored(struct req *r)
{
	srw_buf b;
	enum MHD_Result rc;

	if (r->job.code != 200)
		return reply_error(r, r->job.code, r->job.msg,
		    r->job.code == 503 ? "Retry-After" : NULL, "5");
	srw_buf_init(&b);
	srw_jw_begin(&b);
	srw_jw_str(&b, "status", r->job.msg);
	srw_jw_int(&b, "alerts", (int64_t)r->alerts);
	srw_jw_end(&b);
	rc = reply(r, 200, "application/json", b.s, b.len, NULL, NULL);
	srw_buf_free(&b);
	return rc;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)version;
	if (!r) {
		r = srw_xcalloc(1, sizeof *r);
		r->t0 = mono_us();
		r->conn = c;
		copy_printable(r->method, sizeof r->method, method);
		copy_printable(r->path, sizeof r->path, url);
		srw_buf_init(&r->body);
		*con_cls = r;
		M.inflight++;
		srw_httpd_guard_busy(c, true);
		return route(r, url, method);
	}
	if (r->code) {		/* answered early; the body is not wanted */
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->submitted) {
		r->t_answer = mono_us();
		return on_stored(r);
	}
	if (*upload_size) {
		if (!r->too_large && r->body.len + *upload_size > cf.max_body) {
			r->too_large = true;
			srw_buf_free(&r->body);
		} else if (!r->too_large) {
			srw_buf_add(&r->body, upload, *upload_size);
		}
		*upload_size = 0;
		if (cf.body_timeout_s && mono_us() - r->t0 > (int64_t)cf.body_timeout_s * 1000000) {
			r->code = 408;	/* a slow client: close without an answer */
			return MHD_NO;
		}
		return MHD_YES;
	}
	return on_body(r);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;
	int64_t us;

	(void)cls;
	srw_httpd_guard_busy(c, false);
	if (!r)
		return;
	us = mono_us() - r->t0;
	if (r->code)
		metrics_request(r->code, us);
	if (r->code && r->t_answer) {
		M.phase_us[0] += (unsigned long long)(r->t_body - r->t0);
		M.phase_us[1] += (unsigned long long)(r->t_done - r->t_body);
		M.phase_us[2] += (unsigned long long)(r->t_answer - r->t_done);
		M.phase_us[3] += (unsigned long long)(r->t0 + us - r->t_answer);
		M.phase_count++;
	}
	if (!cf.quiet) {
		char ts[32], line[256];
		int n;

		srw_time_fmt_rfc3339(srw_now_ms(), ts);
		n = snprintf(line, sizeof line, "%s: %s %s %s %d alerts=%zu %.1fms%s\n",
		    srw_progname(), ts, r->method, r->path, r->code, r->alerts,
		    (double)us / 1000.0,
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
		    toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? " (timeout)" :
		    " (connection closed)");
		if (n >= (int)sizeof line)
			line[(n = sizeof line - 1) - 1] = '\n';
		/* one write: lines of concurrent requests do not mix */
		if (write(2, line, (size_t)n) < 0)
			(void)0;
	}
	srw_buf_free(&r->body);
	srw_buf_free(&r->job.rows);
	free(r);
	*con_cls = NULL;
	M.inflight--;
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		M.connections++;
	} else {
		M.connections--;
		conn_closed = 1;
	}
	srw_httpd_guard_notify(guard, c, socket_context, (int)code);
}

void
http_sweep(void)
{
	M.header_timeouts += srw_httpd_guard_sweep(guard);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof buf, fmt, ap);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	srw_info("http: %s", buf);
}

struct MHD_Daemon *
http_start(int listen_fd, int conn_fd)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ERROR_LOG;
	struct MHD_Daemon *d;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

#ifdef __linux__
	flags |= MHD_USE_EPOLL;
#endif
	if (conn_fd >= 0)
		flags |= MHD_USE_NO_LISTEN_SOCKET;
	struct MHD_OptionItem opts[] = {
		{ MHD_OPTION_CONNECTION_LIMIT, cf.max_conns, NULL },
		{ MHD_OPTION_PER_IP_CONNECTION_LIMIT, cf.max_per_client, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, cf.timeout_s, NULL },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL },
		{ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, NULL },
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL },
		{ MHD_OPTION_END, 0, NULL },	/* room for the listen socket */
		{ MHD_OPTION_END, 0, NULL },	/* and the thread pool */
		{ MHD_OPTION_END, 0, NULL },
	};

	guard = srw_httpd_guard_new(cf.timeout_s);
	if (conn_fd < 0) {
		opts[6] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL };
		if (cf.threads > 1)
			opts[7] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE,
			    cf.threads, NULL };
	}
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
	    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!d)
		return NULL;
	if (conn_fd >= 0) {
		memset(&ss, 0, sizeof ss);
		if (getpeername(conn_fd, (struct sockaddr *)&ss, &sl) != 0 || sl == 0) {
			ss.ss_family = AF_UNIX;
			sl = sizeof(sa_family_t);
		}
		if (MHD_add_connection(d, conn_fd, (struct sockaddr *)&ss, sl) != MHD_YES) {
			MHD_stop_daemon(d);
			return NULL;
		}
	}
	return d;
}

bool
http_conn_closed(void)
{
	return conn_closed;
}
