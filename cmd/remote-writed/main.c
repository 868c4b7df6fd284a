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

static void
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: remote-writed [--listen [ADDR:]PORT] [--token-file FILE] [--max-body BYTES]\n"
	    "                     [--max-decoded BYTES] [--timeout SEC] [--max-connections N]\n"
	    "                     [--threads N] [--write-wait DUR] [--drain DUR] [-q] [-v]\n");
	if (fp == stdout)
		fputs("  -l, --listen [ADDR:]PORT  where to listen (default 127.0.0.1:9201; a bare\n"
		    "                            PORT is loopback, :PORT every address)\n"
		    "      --token-file FILE     require \"Authorization: Bearer TOKEN\" (first line)\n"
		    "      --max-body BYTES      compressed request limit, k/M suffixes (default 16M)\n"
		    "      --max-decoded BYTES   decompressed request limit (default 128M)\n"
		    "      --timeout SEC         idle connection timeout (default 30)\n"
		    "      --max-connections N   (default 512)\n"
		    "      --threads N           request threads (default 2)\n"
		    "      --write-wait DUR      wait for standard output before 503 (default 5s)\n"
		    "      --drain DUR           on SIGTERM, time for requests in flight (default 10s)\n"
		    "  -q, --quiet               no log line per request\n"
		    "  -v, --verbose             more diagnostics\n", fp);
	exit(code);
}

static long
num_arg(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end != s && v >= 0 && v < (1L << 40) && (*end == 'k' || *end == 'K'))
		v <<= 10, end++;
	else if (end != s && v >= 0 && v < (1L << 40) && (*end == 'm' || *end == 'M'))
		v <<= 20, end++;
	if (end == s || *end || v < min || v > max)
		srw_die(SRW_EX_USAGE, "%s: want a number from %ld to %ld, got '%s'", opt,
		    min, max, s);
	return v;
}

static long
dur_arg(const char *opt, const char *s)
{
	int64_t ms = srw_parse_duration_ms(s);

	if (ms < 0 || ms > 86400000)
		srw_die(SRW_EX_USAGE, "%s: bad duration '%s' (say 2s, 500ms, 1m)", opt, s);
	return (long)ms;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "token-file", required_argument, NULL, 'T' },
		{ "max-body", required_argument, NULL, 'M' },
		{ "max-decoded", required_argument, NULL, 'D' },
		{ "timeout", required_argument, NULL, 'O' },
		{ "max-connections", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 'n' },
		{ "write-wait", required_argument, NULL, 'w' },
		{ "drain", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *spec = NULL;
	char where[300];
	struct MHD_Daemon *d;
	sigset_t set;
	int c, fd, sig, status = 0;
	bool listening = true;

	srw_init("remote-writed", argc, argv);
	while ((c = getopt_long(argc, argv, "l:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': spec = optarg; break;
		case 'T': cf.bearer = srw_token_digest(optarg); break;
		case 'M': cf.max_body = (size_t)num_arg("--max-body", optarg, 1024, 1L << 31); break;
		case 'D': cf.max_raw = (size_t)num_arg("--max-decoded", optarg, 1024, 1L << 32); break;
		case 'O': cf.timeout_s = (unsigned)num_arg("--timeout", optarg, 1, 3600); break;
		case 'c': cf.max_conns = (unsigned)num_arg("--max-connections", optarg, 1, 100000); break;
		case 'n': cf.threads = (unsigned)num_arg("--threads", optarg, 1, 256); break;
		case 'w': cf.write_wait_ms = dur_arg("--write-wait", optarg); break;
		case 'd': cf.drain_ms = dur_arg("--drain", optarg); break;
		case 'q': cf.quiet = true; break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, SRW_EX_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, SRW_EX_USAGE);
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
	srw_warn("stopped");
	free(cf.bearer);
	return srw_finish(status);
}
