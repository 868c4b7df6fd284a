/* webhookd - the Alertmanager (and Grafana) webhook receiver: alerts in over
 * HTTP, rows out to alerts.lark_alerts (or NDJSON on stdout). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "webhookd.h"
#include "http.h"

struct config cf = {
	.table = "alerts.lark_alerts",
	.max_body = 1u << 20,
	.timeout_s = 10,
	.body_timeout_s = 30,
	.max_conns = 512,
	.max_per_client = 64,
	.threads = 1,	/* with the writer thread, two busy threads */
	.batch_rows = 1000,
	.db_wait_ms = 2000,
	.ack_after_ms = 50,
	.drain_ms = 10000,
};

enum { OPT_INETD = SRW_OPT_LONG, OPT_STDOUT, OPT_SPOOL, OPT_TOKEN_FILE,
	OPT_BASIC_AUTH_FILE, OPT_MAX_BODY, OPT_TIMEOUT, OPT_BODY_TIMEOUT, OPT_MAX_CONNECTIONS,
	OPT_MAX_PER_CLIENT, OPT_THREADS, OPT_BATCH, OPT_DB_WAIT, OPT_ACK_AFTER, OPT_DRAIN,
	OPT_LOG };

static const char synopsis[] =
    "webhookd [--listen [ADDR:]PORT | --inetd] [--stdout | --spool DIR]\n"
    "                [--token-file FILE] [--basic-auth-file FILE] [--table DB.TABLE]\n"
    "                [--max-body BYTES] [--timeout SEC] [--body-timeout SEC]\n"
    "                [--max-connections N] [--max-per-client N] [--threads N]\n"
    "                [--batch N] [--db-wait DUR] [--ack-after DUR] [--drain DUR]\n"
    "                [--log FILE] [-q] [-v]";

static const srw_opt opts[] = {
	{ "listen", 'l', "[ADDR:]PORT", "address and port to listen on" },
	{ "inetd", OPT_INETD, NULL, "serve the one connection on stdin" },
	{ "stdout", OPT_STDOUT, NULL, "write rows to stdout instead of the database" },
	{ "spool", OPT_SPOOL, "DIR", "spool rows here while the database is away" },
	{ "token-file", OPT_TOKEN_FILE, "FILE", "require the bearer token in FILE" },
	{ "basic-auth-file", OPT_BASIC_AUTH_FILE, "FILE", "require the user:password in FILE" },
	{ "table", 't', "DB.TABLE", "table to store into (default alerts.lark_alerts)" },
	{ "max-body", OPT_MAX_BODY, "BYTES", "largest body accepted (default 1M; k, M)" },
	{ "timeout", OPT_TIMEOUT, "SECONDS", "headers within this of the connect; idle timeout (10)" },
	{ "body-timeout", OPT_BODY_TIMEOUT, "SECONDS", "a body must arrive within this" },
	{ "max-connections", OPT_MAX_CONNECTIONS, "N", "open connections at most (512)" },
	{ "max-per-client", OPT_MAX_PER_CLIENT, "N", "open connections from one address at most (64)" },
	{ "threads", OPT_THREADS, "N", "HTTP threads (default 1)" },
	{ "batch", OPT_BATCH, "N", "rows per INSERT at most (default 1000)" },
	{ "db-wait", OPT_DB_WAIT, "DURATION", "retry a lost database this long, then spool" },
	{ "ack-after", OPT_ACK_AFTER, "DURATION", "with --spool: answer from it after this (50ms)" },
	{ "drain", OPT_DRAIN, "DURATION", "on SIGTERM, time for requests in flight" },
	{ "log", OPT_LOG, "FILE", "append the log to FILE" },
	{ "quiet", 'q', NULL, "no per-request log lines" },
	{ "verbose", 'v', NULL, "more detail (libmicrohttpd's own messages)" },
	{ NULL, 0, NULL, NULL },
};

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
		srw_opt_error("%s: want a number from %ld to %ld, got '%s'", opt, min, max, s);
	return v;
}

static long
dur_arg(const char *opt, const char *s)
{
	int64_t ms = srw_parse_duration_ms(s);

	if (ms < 0 || ms > 86400000)
		srw_opt_error("%s: bad duration '%s' (say 2s, 500ms, 1m)", opt, s);
	return (long)ms;
}

static void
base64(srw_buf *b, const unsigned char *s, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		srw_buf_addc(b, tab[s[i] >> 2]);
		srw_buf_addc(b, tab[(s[i] & 3) << 4 | s[i + 1] >> 4]);
		srw_buf_addc(b, tab[(s[i + 1] & 15) << 2 | s[i + 2] >> 6]);
		srw_buf_addc(b, tab[s[i + 2] & 63]);
	}
	if (n - i == 1) {
		srw_buf_addc(b, tab[s[i] >> 2]);
		srw_buf_addc(b, tab[(s[i] & 3) << 4]);
		srw_buf_adds(b, "==");
	} else if (n - i == 2) {
		srw_buf_addc(b, tab[s[i] >> 2]);
		srw_buf_addc(b, tab[(s[i] & 3) << 4 | s[i + 1] >> 4]);
		srw_buf_addc(b, tab[(s[i + 1] & 15) << 2]);
		srw_buf_addc(b, '=');
	}
}

/* The credential as the Authorization header carries it, kept only as its
 * SHA-256 (compared in constant time by http.c). */
static char *
secret_digest(const char *path, bool basic)
{
	char err[512], *s, *hex = srw_xmalloc(65);
	srw_buf b;

	if (!(s = srw_httpd_secret_file(path, err, sizeof err)))
		srw_die(SRW_EX_USAGE, "%s", err);
	if (!*s)
		srw_die(SRW_EX_USAGE, "%s: empty", path);
	srw_buf_init(&b);
	if (basic) {
		if (!strchr(s, ':'))
			srw_die(SRW_EX_USAGE, "%s: want USER:PASSWORD on the first line", path);
		base64(&b, (unsigned char *)s, strlen(s));
	} else {
		srw_buf_adds(&b, s);
	}
	srw_sha256_hex(b.s, b.len, hex);
	memset(b.s, 0, b.len);
	memset(s, 0, strlen(s));
	srw_buf_free(&b);
	free(s);
	return hex;
}

/* systemd socket activation: fd 3 when LISTEN_PID is us. */
static int
activated_fd(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (!pid || !fds || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	fcntl(3, F_SETFD, FD_CLOEXEC);
	return 3;
}

static bool
is_socket(int fd, bool *listening)
{
	int v = 0;
	socklen_t l = sizeof v;

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) != 0)
		return false;
	*listening = v != 0;
	return true;
}

/* inetd hands the connection over as 0 and 1 (and often 2): keep it on
 * its own descriptor for MHD, and /dev/null where the stdio streams were
 * the socket, so nothing else writes into the HTTP stream. */
static int
take_inetd_socket(int fd)
{
	struct stat a, b;
	int c = fcntl(fd, F_DUPFD_CLOEXEC, 3), null = open("/dev/null", O_RDWR);

	if (c < 0 || null < 0)
		srw_die(SRW_EX_SOFTWARE, "dup:");
	fstat(c, &a);
	for (int i = 0; i <= 2; i++)
		if (i < 2 || (fstat(i, &b) == 0 && b.st_dev == a.st_dev && b.st_ino == a.st_ino))
			dup2(null, i);
	if (fd > 2)
		close(fd);
	close(null);
	return c;
}

static void
open_log(void)
{
	int fd;

	if (!cf.log_path)
		return;
	if ((fd = open(cf.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) < 0) {
		srw_warn("open %s:", cf.log_path);
		return;
	}
	dup2(fd, 2);	/* atomic for the other threads' writes */
	close(fd);
}

/*
 * What to serve: the connection on stdin (--inetd), what systemd passed
 * (a listening socket, or one connection with Accept=yes), or a socket of
 * our own.  Sets *lfd (listening) or *cfd (one connection), the other -1.
 */
static void
open_sockets(const char *spec, bool inetd, int *lfd, int *cfd, char *where, size_t n)
{
	bool listening = false;

	*lfd = *cfd = -1;
	if (inetd) {
		if (!is_socket(0, &listening))
			srw_die(SRW_EX_USAGE, "--inetd: standard input is not a socket");
		if (listening) {	/* an inetd "wait" service: serve it all */
			*lfd = take_inetd_socket(0);
			snprintf(where, n, "the socket passed by inetd");
		} else {
			*cfd = take_inetd_socket(0);
			snprintf(where, n, "one connection (inetd)");
		}
	} else if (!spec && (*lfd = activated_fd()) >= 0) {
		if (!is_socket(*lfd, &listening))
			srw_die(SRW_EX_USAGE, "LISTEN_FDS: descriptor 3 is not a socket");
		if (!listening) {	/* Accept=yes: one connection, as inetd */
			*cfd = take_inetd_socket(*lfd);
			*lfd = -1;
		}
		snprintf(where, n, "%s (socket activation)",
		    listening ? "the socket passed by systemd" : "one connection");
	} else {
		*lfd = srw_httpd_listen(spec ? spec : "127.0.0.1:5050", cf.bearer || cf.basic,
		    where, n);
	}
}

/* SIGTERM: stop taking connections, let in-flight requests finish. */
static int
drain(struct MHD_Daemon *d, bool listening)
{
	int64_t deadline = srw_now_ms() + cf.drain_ms;
	int fd;

	if (listening && (fd = MHD_quiesce_daemon(d)) >= 0)
		close(fd);
	while (M.inflight > 0 && srw_now_ms() < deadline)
		srw_sleep_ms(20);
	if (M.inflight > 0) {
		srw_warn("%ld requests still in flight after %ld ms; exiting without them",
		    (long)M.inflight, cf.drain_ms);
		return SRW_EX_TEMPFAIL;
	}
	MHD_stop_daemon(d);
	writer_stop();
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *listen_spec = NULL;
	bool inetd = false;
	int c, lfd = -1, cfd = -1, sig, status;
	char where[300];
	struct MHD_Daemon *d;
	struct stat st;
	sigset_t set;

	srw_init("webhookd", argc, argv);
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case 'l': listen_spec = optarg; break;
		case OPT_INETD: inetd = true; break;
		case OPT_STDOUT: cf.to_stdout = true; break;
		case OPT_SPOOL: cf.spool = optarg; break;
		case OPT_TOKEN_FILE: cf.bearer = secret_digest(optarg, false); break;
		case OPT_BASIC_AUTH_FILE: cf.basic = secret_digest(optarg, true); break;
		case 't': cf.table = optarg; break;
		case OPT_MAX_BODY:
			cf.max_body = (size_t)num_arg("--max-body", optarg, 1, 1L << 30);
			break;
		case OPT_TIMEOUT:
			cf.timeout_s = (unsigned)num_arg("--timeout", optarg, 1, 3600);
			break;
		case OPT_BODY_TIMEOUT:
			cf.body_timeout_s = (unsigned)num_arg("--body-timeout", optarg, 0, 3600);
			break;
		case OPT_MAX_CONNECTIONS:
			cf.max_conns = (unsigned)num_arg("--max-connections", optarg, 1, 100000);
			break;
		case OPT_MAX_PER_CLIENT:
			cf.max_per_client = (unsigned)num_arg("--max-per-client", optarg, 1, 100000);
			break;
		case OPT_THREADS: cf.threads = (unsigned)num_arg("--threads", optarg, 1, 256); break;
		case OPT_BATCH: cf.batch_rows = num_arg("--batch", optarg, 1, 100000); break;
		case OPT_DB_WAIT: cf.db_wait_ms = dur_arg("--db-wait", optarg); break;
		case OPT_ACK_AFTER: cf.ack_after_ms = dur_arg("--ack-after", optarg); break;
		case OPT_DRAIN: cf.drain_ms = dur_arg("--drain", optarg); break;
		case OPT_LOG: cf.log_path = optarg; break;
		case 'q': cf.quiet = true; break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	if (optind != argc)
		srw_opt_error("no operands");
	if (inetd && listen_spec)
		srw_opt_error("--inetd and --listen do not go together");
	if (cf.to_stdout && (cf.spool || inetd))
		srw_die(SRW_EX_USAGE, "--stdout goes with neither --spool nor --inetd");
	if (!cf.to_stdout && (!srw_ident_ok(cf.table) || !strchr(cf.table, '.')))
		srw_die(SRW_EX_USAGE, "--table wants DB.TABLE, got '%s'", cf.table);
	if (cf.spool && (stat(cf.spool, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    access(cf.spool, W_OK) != 0))
		srw_die(SRW_EX_USAGE, "--spool %s: not a writable directory", cf.spool);
	open_log();
	json_object_seed(0);	/* before any thread parses JSON */
	signal(SIGPIPE, SIG_IGN);

	open_sockets(listen_spec, inetd, &lfd, &cfd, where, sizeof where);

	/* the signals are taken by sigtimedwait below, in no other thread */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	writer_start();
	if (!(d = http_start(lfd, cfd)))
		srw_die(SRW_EX_SOFTWARE, "cannot start the HTTP server");
	if (cfd < 0 || srw_verbose())
		srw_warn("listening on %s, %s%s%s", where,
		    cf.to_stdout ? "rows to standard output" : "storing in ",
		    cf.to_stdout ? "" : cf.table, cf.spool ? " (with a spool)" : "");

	for (;;) {
		struct timespec to = { 0, 100 * 1000 * 1000 };

		sig = sigtimedwait(&set, NULL, &to);
		if (sig == SIGHUP) {
			open_log();
			continue;
		}
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (cfd >= 0 && http_conn_closed())
			break;
		http_sweep();
	}
	status = drain(d, lfd >= 0);
	if (cfd < 0 || srw_verbose())
		srw_warn("stopped");
	free(cf.bearer);
	free(cf.basic);
	if (status != 0) {
		fflush(stdout);
		_exit(status);	/* threads still hold requests: no exit handlers */
	}
	return srw_finish(0);
}
