/* board - the live status page: clusters by risk, firing alerts, open
 * issues, latest investigations and today's noisy alerts, updated by
 * Server-Sent Events.  Read-only: only GET and HEAD are served. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>

#include "srw.h"
#include "board.h"

/* 8087: browsers refuse SIP's 5060 (Chromium's restricted ports) */
static const char *listen_arg = "127.0.0.1:8087", *token_file, *grafana_url = "";
static char *token;
static volatile sig_atomic_t stop;
static unsigned max_conns = 512, max_per_client = 32, header_s = 10;
static srw_httpd_guard *guard;

static void
usage(void)
{
	fprintf(stderr, "usage: board [--listen [ADDR:]PORT] [--grafana-url URL] "
	    "[--token-file FILE] [--refresh SECONDS]\n"
	    "             [--max-connections N] [--max-per-client N] [--timeout SEC] "
	    "[--once SECTION] [-v]\n");
	exit(SRW_EX_USAGE);
}

static unsigned
count_arg(const char *opt, const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < 1 || v > max)
		srw_die(SRW_EX_USAGE, "%s: want a number from 1 to %ld, got '%s'", opt, max, s);
	return (unsigned)v;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static bool
same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	/* constant time in the length of the secret */
	for (i = 0; i < lb; i++)
		d |= (unsigned char)(b[i] ^ (i < la ? a[i] : 0));
	return d == 0;
}

/* The token in an Authorization header, or in the board_token cookie the
 * page sets (never in the URL, where history and proxy logs keep it). */
static bool
authorized(struct MHD_Connection *c)
{
	const char *h;

	if (!token)
		return true;
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (h && strncasecmp(h, "Bearer ", 7) == 0 && same(h + 7, token))
		return true;
	h = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "board_token");
	return h && same(h, token);
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned code, const char *type, const char *body,
    size_t len, bool copy)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
	    copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
	    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	rc = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
reply_json_error(struct MHD_Connection *c, unsigned code, const char *msg)
{
	char buf[256];

	snprintf(buf, sizeof buf, "{\"error\":\"%s\"}\n", msg);
	return reply(c, code, "application/json", buf, strlen(buf), true);
}

/* ---- Server-Sent Events ---- */

struct sse {
	unsigned long seen[NSEC];
	srw_buf out;	/* bytes not yet handed to MHD */
	size_t off;
};

static ssize_t
sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse *s = cls;
	size_t n;
	int i;

	(void)pos;
	while (s->off >= s->out.len) {
		struct timespec ts;
		int64_t until = srw_now_ms() + 15000;

		srw_buf_reset(&s->out);
		s->off = 0;
		pthread_mutex_lock(&cache.mu);
		ts.tv_sec = until / 1000;
		ts.tv_nsec = (until % 1000) * 1000000L;
		for (;;) {
			bool changed = false;

			for (i = 0; i < NSEC; i++)
				changed |= cache.seq[i] != s->seen[i];
			if (changed || cache.quit || stop || srw_now_ms() >= until)
				break;
			pthread_cond_timedwait(&cache.cv, &cache.mu, &ts);
		}
		if (cache.quit || stop) {
			pthread_mutex_unlock(&cache.mu);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		for (i = 0; i < NSEC; i++) {
			if (cache.seq[i] == s->seen[i] || !cache.json[i])
				continue;
			s->seen[i] = cache.seq[i];
			srw_buf_printf(&s->out, "event: %s\nid: %lu\ndata: %s\n\n", sec_names[i],
			    cache.seq[i], cache.json[i]);
		}
		pthread_mutex_unlock(&cache.mu);
		if (s->out.len == 0)
			srw_buf_adds(&s->out, ": keep-alive\n\n");
	}
	n = s->out.len - s->off;
	if (n > max)
		n = max;
	memcpy(buf, s->out.s + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static void
sse_free(void *cls)
{
	struct sse *s = cls;

	srw_buf_free(&s->out);
	free(s);
}

static enum MHD_Result
events(struct MHD_Connection *c)
{
	struct sse *s = srw_xcalloc(1, sizeof *s);
	struct MHD_Response *r;
	enum MHD_Result rc;
	int i;

	srw_buf_init(&s->out);
	/* a new subscriber starts from what the page just fetched */
	pthread_mutex_lock(&cache.mu);
	for (i = 0; i < NSEC; i++)
		s->seen[i] = cache.seq[i];
	pthread_mutex_unlock(&cache.mu);
	srw_buf_adds(&s->out, "retry: 3000\n: connected\n\n");
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, s, sse_free);
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

/* ---- routes ---- */

static enum MHD_Result
api(struct MHD_Connection *c, const char *name)
{
	int i;

	if (strcmp(name, "config") == 0) {
		json_t *o = json_pack("{s:s, s:I, s:s}", "grafana_url", grafana_url,
		    "refresh_ms", (json_int_t)cache.refresh_ms, "version", SRW_VERSION);
		char *s = json_dumps(o, JSON_COMPACT);
		enum MHD_Result rc = reply(c, MHD_HTTP_OK, "application/json", s, strlen(s), true);

		free(s);
		json_decref(o);
		return rc;
	}
	for (i = 0; i < NSEC; i++) {
		if (strcmp(name, sec_names[i]) == 0) {
			enum MHD_Result rc;

			pthread_mutex_lock(&cache.mu);
			rc = reply(c, MHD_HTTP_OK, "application/json", cache.json[i] ? cache.json[i] :
			    "{\"items\":[]}", cache.json[i] ? strlen(cache.json[i]) : 12, true);
			pthread_mutex_unlock(&cache.mu);
			return rc;
		}
	}
	return reply_json_error(c, MHD_HTTP_NOT_FOUND, "no such endpoint");
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)cls; (void)version; (void)upload; (void)upload_size; (void)con_cls;
	int64_t t0 = srw_now_ms();
	enum MHD_Result rc;
	unsigned code = 200;

	srw_httpd_guard_busy(c, true);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);

		MHD_add_response_header(r, "Allow", "GET, HEAD");
		rc = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
		MHD_destroy_response(r);
		code = 405;
	} else if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0) {
		/* the page and its files hold no data: served without the
		 * token, so the page can ask for it */
		rc = reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", board_page,
		    strlen(board_page), false);
	} else if (strcmp(url, "/board.js") == 0) {
		rc = reply(c, MHD_HTTP_OK, "text/javascript; charset=utf-8", board_js,
		    strlen(board_js), false);
	} else if (strcmp(url, "/board.css") == 0) {
		rc = reply(c, MHD_HTTP_OK, "text/css; charset=utf-8", board_css,
		    strlen(board_css), false);
	} else if (strcmp(url, "/healthz") == 0) {
		bool ok, detail = authorized(c);
		char buf[320];

		/* the database's error only with the token */
		pthread_mutex_lock(&cache.mu);
		ok = cache.db_ok;
		snprintf(buf, sizeof buf, "%s%s\n", ok ? "ok" : detail ?
		    "database unavailable: " : "unavailable", ok || !detail ? "" : cache.db_err);
		pthread_mutex_unlock(&cache.mu);
		code = ok ? 200 : 503;
		rc = reply(c, code, "text/plain", buf, strlen(buf), true);
	} else if (!authorized(c)) {
		rc = reply_json_error(c, MHD_HTTP_UNAUTHORIZED, "unauthorized");
		code = 401;
	} else if (strcmp(url, "/events") == 0) {
		rc = events(c);
	} else if (strncmp(url, "/api/", 5) == 0) {
		rc = api(c, url + 5);
	} else {
		rc = reply_json_error(c, MHD_HTTP_NOT_FOUND, "not found");
		code = 404;
	}
	srw_info("%s %s %u %lld ms", method, url, code, (long long)(srw_now_ms() - t0));
	return rc;
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	srw_httpd_guard_notify(guard, c, socket_context, (int)code);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls; (void)con_cls; (void)toe;
	srw_httpd_guard_busy(c, false);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "grafana-url", required_argument, NULL, 'g' },
		{ "token-file", required_argument, NULL, 't' },
		{ "refresh", required_argument, NULL, 'r' },
		{ "max-connections", required_argument, NULL, 'c' },
		{ "max-per-client", required_argument, NULL, 'P' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "once", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct MHD_Daemon *d;
	const char *once = NULL;
	pthread_t poller;
	srw_db *db = NULL;
	char err[256], where[300];
	int c, i, lfd;

	srw_init("board", argc, argv);
	while ((c = getopt_long(argc, argv, "l:g:t:r:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': listen_arg = optarg; break;
		case 'g': grafana_url = optarg; break;
		case 't': token_file = optarg; break;
		case 'r': {
			int64_t ms = srw_parse_duration_ms(optarg);

			if (ms < 500)
				srw_die(SRW_EX_USAGE, "--refresh: at least 0.5s");
			cache.refresh_ms = ms;
			break;
		}
		case 'c': max_conns = count_arg("--max-connections", optarg, 100000); break;
		case 'P': max_per_client = count_arg("--max-per-client", optarg, 100000); break;
		case 'T': header_s = count_arg("--timeout", optarg, 3600); break;
		case 'o': once = optarg; break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (token_file && !(token = srw_httpd_secret_file(token_file, err, sizeof err)))
		srw_die(SRW_EX_USAGE, "--token-file: %s", err);

	if (once) {	/* print one section's JSON and exit: for scripts and cron */
		for (i = 0; i < NSEC && strcmp(once, sec_names[i]) != 0; i++)
			;
		if (i == NSEC)
			srw_die(SRW_EX_USAGE, "--once: unknown section '%s'", once);
		data_poll_once(&db);
		if (!db)
			srw_die(SRW_EX_UNAVAILABLE, "database unavailable: %s", cache.db_err);
		puts(cache.json[i]);
		srw_db_close(db);
		return srw_finish(0);
	}

	lfd = srw_httpd_listen(listen_arg, token != NULL, where, sizeof where);
	if (!(db = srw_db_open(3, err, sizeof err)))
		srw_warn("database unavailable (%s); the page will say so until it returns", err);
	data_poll_once(&db);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	guard = srw_httpd_guard_new(header_s);
	/* a thread per connection: an SSE stream waits in its reader; the
	 * guard bounds what slow clients can hold of them */
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
	    0, NULL, NULL, handle, NULL,
	    MHD_OPTION_LISTEN_SOCKET, lfd,
	    MHD_OPTION_CONNECTION_LIMIT, max_conns,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, max_per_client,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_END);
	if (!d)
		srw_die(SRW_EX_UNAVAILABLE, "cannot serve on %s", where);
	fprintf(stderr, "board: listening on http://%s/\n", where);
	pthread_create(&poller, NULL, data_poller, db);
	while (!stop) {
		srw_sleep_ms(100);
		srw_httpd_guard_sweep(guard);
	}
	pthread_mutex_lock(&cache.mu);
	cache.quit = true;
	pthread_cond_broadcast(&cache.cv);
	pthread_mutex_unlock(&cache.mu);
	MHD_stop_daemon(d);
	srw_httpd_guard_free(guard);
	pthread_join(poller, NULL);
	for (i = 0; i < NSEC; i++)
		free(cache.json[i]);
	free(token);
	return srw_finish(0);
}
