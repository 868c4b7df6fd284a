/* flush.c - sr-insert's clock and signals (issue 15): rows read from a pipe
 * are stored within --flush-interval even while the producer is quiet, and
 * SIGTERM, SIGINT or SIGHUP store what was read before exiting.
 *
 * The signals are blocked in every thread and taken by this one with
 * sigtimedwait, so nothing runs in a signal handler.  After a signal the
 * input is read on to its end for a grace period: when a whole pipeline is
 * stopped (systemctl stop), the producer exits too and closes the pipe, and
 * every row it wrote reaches the table.  A producer that goes on after the
 * grace period is cut off once the pipe holds nothing unread: the input is
 * replaced by /dev/null and the reader woken, so it ends as at EOF. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "srw.h"
#include "flush.h"

#define GRACE_MS 2000	/* read on after a signal, for the producer's last rows */
#define CUT_MS 10000	/* then cut the input even if the producer still writes */

static sigset_t stopsigs, waitsigs;	/* waitsigs: stopsigs and SIGUSR2 (flush_stop) */
static pthread_t tid, reader;
static long interval_ms;
static flush_fn tick;
static void *tick_ctx;
static atomic_int got;	/* the signal, 0 before one arrives */
static atomic_bool quit;
static bool stdin_pipe;	/* reading a pipe, FIFO or terminal on fd 0 */

static void
wake(int sig)
{
	(void)sig;	/* only there to interrupt the reader's read() */
}

static void
cut_input(void)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	pthread_kill(reader, SIGUSR1);
}

static void *
run(void *arg)
{
	int64_t sig_at = 0;
	long step = interval_ms > 0 && interval_ms < 1000 ? interval_ms / 4 : 250;

	(void)arg;
	if (step < 20)
		step = 20;
	while (!atomic_load(&quit)) {
		struct timespec ts = { step / 1000, (step % 1000) * 1000000L };
		int s = sigtimedwait(&waitsigs, NULL, &ts);

		if (s == SIGUSR2)
			continue;
		if (s > 0) {
			if (atomic_load(&got)) {
				srw_warn("%s again: exiting now", strsignal(s));
				_exit(SRW_EX_TEMPFAIL);
			}
			atomic_store(&got, s);
			sig_at = srw_now_ms();
			srw_warn("%s: storing the rows read, then exiting", strsignal(s));
			tick(tick_ctx, true);
			if (stdin_pipe && isatty(0))
				cut_input();
			continue;
		}
		tick(tick_ctx, false);
		if (sig_at && stdin_pipe) {
			int64_t since = srw_now_ms() - sig_at;
			int unread = 0;

			if (since >= CUT_MS || (since >= GRACE_MS &&
			    ioctl(0, FIONREAD, &unread) == 0 && unread == 0)) {
				cut_input();
				sig_at = 0;
			}
		}
	}
	return NULL;
}

void
flush_block_signals(void)
{
	struct sigaction sa;

	sigemptyset(&stopsigs);
	sigaddset(&stopsigs, SIGTERM);
	sigaddset(&stopsigs, SIGINT);
	sigaddset(&stopsigs, SIGHUP);
	waitsigs = stopsigs;
	sigaddset(&waitsigs, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &waitsigs, NULL);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = wake;	/* no SA_RESTART: read() returns EINTR */
	sigaction(SIGUSR1, &sa, NULL);
}

void
flush_start(long ms, flush_fn fn, void *ctx)
{
	struct stat sb;

	interval_ms = ms;
	tick = fn;
	tick_ctx = ctx;
	reader = pthread_self();
	stdin_pipe = fstat(0, &sb) == 0 && !S_ISREG(sb.st_mode);
	if (pthread_create(&tid, NULL, run, NULL) != 0)
		srw_die(SRW_EX_SOFTWARE, "pthread_create:");
}

void
flush_stop(void)
{
	atomic_store(&quit, true);
	pthread_kill(tid, SIGUSR2);
	pthread_join(tid, NULL);
}

int
flush_signal(void)
{
	return atomic_load(&got);
}

bool
flush_input_is_pipe(int argc, char *argv[])
{
	struct stat sb;
	int i;

	if (argc == 0)
		return fstat(0, &sb) == 0 && !S_ISREG(sb.st_mode);
	for (i = 0; i < argc; i++)
		if (srw_opt_is_stdin(argv[i]) ? fstat(0, &sb) != 0 || !S_ISREG(sb.st_mode) :
		    stat(argv[i], &sb) != 0 || !S_ISREG(sb.st_mode))
			return true;
	return false;
}
