/* remote-writed - the Prometheus remote write 1.0 receiver: POST
 * /api/v1/write (snappy, protobuf WriteRequest) in, metric points (NDJSON)
 * out on standard output, answered 2xx only once they are written and
 * flushed. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "rwd.h"

struct config cf = {
	.max_body = 16u << 20,
	.max_raw = 128u << 20,
	.timeout_s = 30,
	.max_conns = 512,
	.threads = 2,
	.write_wait_ms = 5000,
	.drain_ms = 10000,
};

enum { OPT_TOKEN = SRW_OPT_LONG, OPT_MAXBODY, OPT_MAXRAW, OPT_TIMEOUT, OPT_CONNS,
	OPT_THREADS, OPT_WAIT, OPT_DRAIN };

static const char synopsis[] =
    "remote-writed [--listen [ADDR:]PORT] [--token-file FILE] [--max-body BYTES]\n"
    "                     [--max-decoded BYTES] [--timeout SEC] [--max-connections N]\n"
    "                     [--threads N] [--write-wait DUR] [--drain DUR] [-q] [-v]";

static const srw_opt opts[] = {
	{ "listen", 'l', "ADDR:PORT", "where to listen (default 127.0.0.1:9201; a bare PORT is loopback, :PORT every address)" },
	{ "token-file", OPT_TOKEN, "FILE", "require \"Authorization: Bearer TOKEN\" (the file's first line)" },
	{ "max-body", OPT_MAXBODY, "BYTES", "compressed request limit, k/M suffixes (default 16M)" },
	{ "max-decoded", OPT_MAXRAW, "BYTES", "decompressed request limit (default 128M)" },
	{ "timeout", OPT_TIMEOUT, "SEC", "idle connection timeout (default 30)" },
	{ "max-connections", OPT_CONNS, "N", "open connections at most (default 512)" },
	{ "threads", OPT_THREADS, "N", "request threads (default 2)" },
	{ "write-wait", OPT_WAIT, "DUR", "wait for standard output this long, then 503 (default 5s)" },
	{ "drain", OPT_DRAIN, "DUR", "on SIGTERM, time left to requests in flight (default 10s)" },
	{ "quiet", 'q', NULL, "no log line per good request" },
	{ "verbose", 'v', NULL, "more diagnostics" },
	{ NULL, 0, NULL, NULL },
};

/* BYTES: a number with an optional k or M suffix. */
static size_t
bytes_arg(const char *s, long long min, long long max, const char *what)
{
	size_t n = strlen(s);
	long long mul = 1;
	char num[32];

	if (n && (s[n - 1] == 'k' || s[n - 1] == 'K'))
		mul = 1024, n--;
	else if (n && (s[n - 1] == 'm' || s[n - 1] == 'M'))
		mul = 1 << 20, n--;
	if (n == 0 || n >= sizeof num)
		srw_opt_error("%s: '%s' is not a size", what, s);
	memcpy(num, s, n);
	num[n] = '\0';
	return (size_t)(srw_opt_num(num, (min + mul - 1) / mul, max / mul, what) * mul);
}

int
main(int argc, char *argv[])
{
	const char *spec = NULL;
	char where[300];
	struct MHD_Daemon *d;
	sigset_t set;
	int c, fd, sig, status = 0;
	bool listening = true;

	srw_init("remote-writed", argc, argv);
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case 'l': spec = optarg; break;
		case OPT_TOKEN: cf.bearer = srw_token_digest(optarg); break;
		case OPT_MAXBODY: cf.max_body = bytes_arg(optarg, 1024, 1LL << 31, "--max-body"); break;
		case OPT_MAXRAW: cf.max_raw = bytes_arg(optarg, 1024, 1LL << 32, "--max-decoded"); break;
		case OPT_TIMEOUT: cf.timeout_s = (unsigned)srw_opt_num(optarg, 1, 3600, "--timeout"); break;
		case OPT_CONNS:
			cf.max_conns = (unsigned)srw_opt_num(optarg, 1, 100000, "--max-connections");
			break;
		case OPT_THREADS: cf.threads = (unsigned)srw_opt_num(optarg, 1, 256, "--threads"); break;
		case OPT_WAIT: cf.write_wait_ms = (long)srw_opt_duration(optarg, 0, 3600000, "--write-wait"); break;
		case OPT_DRAIN: cf.drain_ms = (long)srw_opt_duration(optarg, 0, 3600000, "--drain"); break;
		case 'q': cf.quiet = true; break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	if (optind != argc)
		srw_opt_error("no operands expected, got '%s'", argv[optind]);
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe is a write error, said once */
	if (spec || (fd = srw_listen_activated(&listening)) < 0)
		fd = srw_listen(spec ? spec : "127.0.0.1:9201", where, sizeof where);
	else
		snprintf(where, sizeof where, "the socket passed by systemd");
	if (!listening)
		srw_die(SRW_EX_USAGE, "socket activation: want a listening socket (Accept=no)");

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* taken below, in no other thread */
	if (!(d = http_start(fd)))
		srw_die(SRW_EX_SOFTWARE, "cannot start the HTTP server");
	srw_warn("listening on %s, points to standard output", where);

	for (;;) {
		struct timespec to = { 0, 200 * 1000 * 1000 };

		sig = sigtimedwait(&set, NULL, &to);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (M.out_broken && M.inflight == 0) {
			status = SRW_EX_TEMPFAIL;
			break;
		}
	}
	/* stop taking connections; let the requests in flight finish */
	if ((fd = MHD_quiesce_daemon(d)) >= 0)
		close(fd);
	int64_t deadline = srw_now_ms() + cf.drain_ms;
	while (M.inflight > 0 && srw_now_ms() < deadline)
		srw_sleep_ms(20);
	if (M.inflight > 0) {
		srw_warn("%ld requests still in flight after %ld ms; exiting without them",
		    (long)M.inflight, cf.drain_ms);
		fflush(stdout);
		_exit(SRW_EX_TEMPFAIL);	/* unanswered: the sender retries them */
	}
	MHD_stop_daemon(d);
	http_free();
	srw_warn("stopped");
	free(cf.bearer);
	return srw_finish(status);
}
