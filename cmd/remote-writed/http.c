/* http.c - remote-writed's HTTP side over libmicrohttpd: routing, auth,
 * limits, decoding a request and writing its points, the request log. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "rwd.h"

struct metrics M;

enum kind { K_NONE, K_WRITE };

struct req {
	int64_t t0;		/* monotonic µs at the headers */
	enum kind kind;
	srw_buf body;
	bool too_large;
	int code;		/* status sent; 0 none (yet) */
	srw_rw_stats st;
	char why[200];		/* the error sent, for the log */
	struct MHD_Connection *conn;
	char method[12], path[80];
};

static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;
static srw_rw_types *types;

/* Decoders keep their buffers between requests; one per request thread
 * at most, taken and given back here. */
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static srw_rw_dec *pool[256];
static size_t npool;

static srw_rw_dec *
dec_get(void)
{
	srw_rw_dec *d = NULL;

	pthread_mutex_lock(&pool_mu);
	if (npool)
		d = pool[--npool];
	pthread_mutex_unlock(&pool_mu);
	return d ? d : srw_rw_dec_new(types, cf.max_raw);
}

static void
dec_put(srw_rw_dec *d)
{
	pthread_mutex_lock(&pool_mu);
	if (npool < sizeof pool / sizeof *pool)
		pool[npool++] = d, d = NULL;
	pthread_mutex_unlock(&pool_mu);
	srw_rw_dec_free(d);
}

void
http_free(void)
{
	while (npool)
		srw_rw_dec_free(pool[--npool]);
	srw_rw_types_free(types);
	types = NULL;
}

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
copy_printable(char *dst, size_t n, const char *src)
{
	size_t i;

	for (i = 0; src && src[i] && i + 1 < n; i++)
		dst[i] = src[i] > ' ' && src[i] < 127 ? src[i] : '?';
	dst[i] = '\0';
}

static enum MHD_Result
reply(struct req *r, int code, const char *ctype, const char *body, const char *hname,
    const char *hval)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (*body)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (hname)
		MHD_add_response_header(resp, hname, hval);
	rc = MHD_queue_response(r->conn, (unsigned)code, resp);
	MHD_destroy_response(resp);
	r->code = code;
	return rc;
}

/* Plain text errors, as Prometheus's own receiver answers. */
static enum MHD_Result
reply_error(struct req *r, int code, const char *msg, const char *hname, const char *hval)
{
	char b[260];

	snprintf(r->why, sizeof r->why, "%s", msg);
	snprintf(b, sizeof b, "%s\n", msg);
	return reply(r, code, "text/plain; charset=utf-8", b, hname, hval);
}

static bool
authorized(struct MHD_Connection *c)
{
	const char *h;

	if (!cf.bearer)
		return true;
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	return h && strncasecmp(h, "Bearer ", 7) == 0 && srw_token_same(h + 7, cf.bearer);
}

static enum MHD_Result
route(struct req *r, const char *url, const char *method)
{
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	const char *cl, *ce;
	char msg[80];

	if (strcmp(url, "/api/v1/write") == 0) {
		if (strcmp(method, "POST") != 0)
			return reply_error(r, 405, "method not allowed", "Allow", "POST");
		if (!authorized(r->conn))
			return reply_error(r, 401, "unauthorized", "WWW-Authenticate",
			    "Bearer realm=\"remote-writed\"");
		if (M.out_broken)
			return reply_error(r, 503, "standard output failed; not taking writes",
			    "Retry-After", "30");
		ce = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_ENCODING);
		if (ce && strcasecmp(ce, "snappy") != 0)
			return reply_error(r, 415, "Content-Encoding: want snappy", NULL, NULL);
		cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > cf.max_body) {
			snprintf(msg, sizeof msg, "body larger than %zu bytes", cf.max_body);
			return reply_error(r, 413, msg, NULL, NULL);
		}
		r->kind = K_WRITE;
		if (cl)
			srw_buf_grow(&r->body, strtoull(cl, NULL, 10));
		return MHD_YES;
	}
	if (strcmp(url, "/healthz") == 0 || strcmp(url, "/metrics") == 0) {
		if (!get)
			return reply_error(r, 405, "method not allowed", "Allow", "GET, HEAD");
		if (url[1] == 'h')
			return M.out_broken ? reply(r, 503, "text/plain", "unavailable\n", NULL, NULL)
			    : reply(r, 200, "text/plain", "ok\n", NULL, NULL);
		srw_buf b;
		enum MHD_Result rc;

		srw_buf_init(&b);
		metrics_text(&b);
		rc = reply(r, 200, "text/plain; version=0.0.4", b.s, NULL, NULL);
		srw_buf_free(&b);
		return rc;
	}
	return reply_error(r, 404, "not found", NULL, NULL);
}

/*
 * The points of one request go out whole and flushed, or not at all as far
 * as the sender knows: a request that cannot have standard output within
 * --write-wait gets 503 (Prometheus retries), a write error 500 and the
 * daemon stops taking writes.
 */
static int
write_out(srw_buf *b)
{
	struct timespec ts;
	size_t n;
	int e;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += cf.write_wait_ms / 1000;
	ts.tv_nsec += (cf.write_wait_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	if ((e = pthread_mutex_timedlock(&out_mu, &ts)) != 0) {
		M.busy++;
		return 503;
	}
	if (M.out_broken) {
		pthread_mutex_unlock(&out_mu);
		return 503;
	}
	n = fwrite(b->s, 1, b->len, stdout);
	e = fflush(stdout);
	if (n != b->len || e != 0) {
		M.out_broken = 1;
		srw_warn("write standard output:");
		pthread_mutex_unlock(&out_mu);
		return 500;
	}
	pthread_mutex_unlock(&out_mu);
	return 204;
}

static enum MHD_Result
on_body(struct req *r)
{
	char err[200], msg[80];
	srw_rw_dec *dec;
	srw_buf out;
	int rc;

	if (r->too_large) {
		snprintf(msg, sizeof msg, "body larger than %zu bytes", cf.max_body);
		return reply_error(r, 413, msg, NULL, NULL);
	}
	M.bytes += r->body.len;
	srw_buf_init(&out);
	dec = dec_get();
	rc = srw_rw_decode(dec, r->body.len ? r->body.s : "", r->body.len, &out, &r->st,
	    err, sizeof err);
	dec_put(dec);
	srw_buf_free(&r->body);
	if (rc != 0) {
		srw_buf_free(&out);
		if (rc == -2)
			return reply_error(r, 413, err, NULL, NULL);
		if (strstr(err, "protobuf"))
			M.bad_protobuf++;
		else
			M.bad_snappy++;
		return reply_error(r, 400, err, NULL, NULL);
	}
	M.invalid += r->st.invalid;
	M.too_many_labels += r->st.too_many_labels;
	M.stale += r->st.stale;
	M.out_of_bounds += r->st.out_of_bounds;
	M.exemplars += r->st.exemplars;
	M.histograms += r->st.histograms;
	M.metadata += r->st.metadata;
	rc = out.len ? write_out(&out) : 204;
	srw_buf_free(&out);
	if (rc == 204) {
		M.samples += r->st.samples;
		M.series += r->st.series;
		return reply(r, 204, "", "", NULL, NULL);
	}
	return reply_error(r, rc, rc == 503 ? "standard output busy; retry" :
	    "cannot write standard output", rc == 503 ? "Retry-After" : NULL, "5");
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
		return route(r, url, method);
	}
	if (r->code) {		/* answered early; the body is not wanted */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!r->too_large && r->body.len + *upload_size > cf.max_body) {
			r->too_large = true;
			srw_buf_free(&r->body);
		} else if (!r->too_large) {
			srw_buf_add(&r->body, upload, *upload_size);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	return on_body(r);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;
	const srw_rw_stats *s;
	char ts[32], line[600];
	int64_t us;
	bool trouble;
	int n;

	(void)cls;
	(void)c;
	if (!r)
		return;
	s = &r->st;
	us = mono_us() - r->t0;
	if (r->code >= 100 && r->code < 600)
		M.code[r->code]++;
	trouble = (r->code >= 400 && r->code != 401 && r->code != 404 && r->code != 405) ||
	    s->invalid || s->too_many_labels || s->out_of_bounds;
	if (!cf.quiet || trouble) {
		srw_time_fmt_rfc3339(srw_now_ms(), ts);
		n = snprintf(line, sizeof line, "%s: %s %s %s %d samples=%zu series=%zu%s%.0zu%s%.0zu"
		    "%s%.0zu%s%.0zu%s%s%s %.1fms%s\n",
		    srw_progname(), ts, r->method, r->path, r->code, s->samples, s->series,
		    s->stale ? " stale=" : "", s->stale,
		    s->invalid ? " invalid=" : "", s->invalid,
		    s->too_many_labels ? " too_many_labels=" : "", s->too_many_labels,
		    s->out_of_bounds ? " out_of_bounds=" : "", s->out_of_bounds,
		    s->first_bad[0] ? " (first: " : "", s->first_bad, s->first_bad[0] ? ")" : "",
		    (double)us / 1000.0,
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
		    toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? " (timeout)" :
		    " (connection closed)");
		if (r->why[0] && r->code >= 400 && n > 0 && n < (int)sizeof line - 4)
			n += snprintf(line + n - 1, sizeof line - (size_t)n + 1, ": %s\n", r->why) - 1;
		if (n >= (int)sizeof line)
			line[(n = sizeof line - 1) - 1] = '\n';
		if (write(2, line, (size_t)n) < 0)	/* one write: lines do not mix */
			(void)0;
	}
	srw_buf_free(&r->body);
	free(r);
	*con_cls = NULL;
	M.inflight--;
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
http_start(int listen_fd)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

#ifdef __linux__
	flags |= MHD_USE_EPOLL;
#endif
	types = srw_rw_types_new(100000);
	struct MHD_OptionItem opts[] = {
		{ MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL },
		{ MHD_OPTION_CONNECTION_LIMIT, cf.max_conns, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, cf.timeout_s, NULL },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL },
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL },
		{ cf.threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
		    cf.threads, NULL },
		{ MHD_OPTION_END, 0, NULL },
	};
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
	    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
}

static void
counter(srw_buf *b, const char *name, const char *help, unsigned long v)
{
	srw_buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %lu\n", name, help,
	    name, name, v);
}

void
metrics_text(srw_buf *b)
{
	int c;

	srw_buf_adds(b, "# HELP remote_writed_requests_total HTTP requests answered, by status code.\n"
	    "# TYPE remote_writed_requests_total counter\n");
	for (c = 100; c < 600; c++)
		if (M.code[c])
			srw_buf_printf(b, "remote_writed_requests_total{code=\"%d\"} %lu\n", c,
			    (unsigned long)M.code[c]);
	counter(b, "remote_writed_received_bytes_total", "Compressed request bytes read.", M.bytes);
	counter(b, "remote_writed_samples_written_total",
	    "Samples written as points and acknowledged.", M.samples);
	counter(b, "remote_writed_series_written_total",
	    "Series with at least one sample written.", M.series);
	counter(b, "remote_writed_series_invalid_total",
	    "Series refused: no or an invalid metric name, an invalid or repeated label name, "
	    "a label value not UTF-8.", M.invalid);
	counter(b, "remote_writed_series_too_many_labels_total",
	    "Series refused: more labels than a point holds (64).", M.too_many_labels);
	counter(b, "remote_writed_samples_stale_total",
	    "Staleness markers dropped.", M.stale);
	counter(b, "remote_writed_samples_out_of_bounds_total",
	    "Samples dropped: timestamp beyond 2^53 ms either side of 1970.", M.out_of_bounds);
	counter(b, "remote_writed_exemplars_ignored_total", "Exemplars received, not kept.",
	    M.exemplars);
	counter(b, "remote_writed_histograms_ignored_total",
	    "Native histogram samples received, not kept.", M.histograms);
	counter(b, "remote_writed_metadata_received_total", "Metric metadata entries received.",
	    M.metadata);
	srw_buf_adds(b, "# HELP remote_writed_requests_malformed_total Requests refused with 400, by reason.\n"
	    "# TYPE remote_writed_requests_malformed_total counter\n");
	srw_buf_printf(b, "remote_writed_requests_malformed_total{reason=\"snappy\"} %lu\n",
	    (unsigned long)M.bad_snappy);
	srw_buf_printf(b, "remote_writed_requests_malformed_total{reason=\"protobuf\"} %lu\n",
	    (unsigned long)M.bad_protobuf);
	counter(b, "remote_writed_output_busy_total",
	    "Requests answered 503: standard output not free within --write-wait.", M.busy);
	srw_buf_printf(b, "# HELP remote_writed_metric_families Metric families with a known type.\n"
	    "# TYPE remote_writed_metric_families gauge\nremote_writed_metric_families %zu\n",
	    srw_rw_types_count(types));
	srw_buf_printf(b, "# HELP remote_writed_requests_in_flight Requests being handled.\n"
	    "# TYPE remote_writed_requests_in_flight gauge\nremote_writed_requests_in_flight %ld\n",
	    (long)M.inflight);
}
