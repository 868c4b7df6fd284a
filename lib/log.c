/* log.c - errors, warnings and progress in one voice (sbase's eprintf). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "srw.h"

static const char *progname = "srwatch";
static int verbose;
static int progress_forced = -1;	/* -1: decide by isatty(2) */
static int64_t progress_last;
static bool progress_dirty;

void
srw_init(const char *name, int argc, char *argv[])
{
	const char *lvl;
	int i;

	progname = name;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--version") == 0) {
			printf("srwatch %s\n", SRW_VERSION);
			exit(srw_finish(0));
		}
	}
	lvl = getenv("SRW_LOG");
	if (lvl && strcmp(lvl, "debug") == 0)
		verbose = 2;
	else if (lvl && strcmp(lvl, "info") == 0)
		verbose = 1;
}

const char *
srw_progname(void)
{
	return progname;
}

void
srw_set_verbose(int level)
{
	verbose = level;
}

int
srw_verbose(void)
{
	return verbose;
}

static void
vlog(const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n = strlen(fmt);

	if (progress_dirty) {
		fputc('\n', stderr);
		progress_dirty = false;
	}
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	if (n > 0 && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
}

void
srw_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void
srw_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
	fflush(stdout);
	exit(code);
}

void
srw_info(const char *fmt, ...)
{
	va_list ap;

	if (verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void
srw_debug(const char *fmt, ...)
{
	va_list ap;

	if (verbose < 2)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

int
srw_finish(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		srw_warn("write error on stdout:");
		return status ? status : SRW_EX_TEMPFAIL;
	}
	if (fclose(stdout) != 0 && errno != EBADF) {
		srw_warn("close stdout:");
		return status ? status : SRW_EX_TEMPFAIL;
	}
	return status;
}

void *
srw_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		srw_die(SRW_EX_SOFTWARE, "out of memory (%zu bytes)", n);
	return p;
}

void *
srw_xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (!p)
		srw_die(SRW_EX_SOFTWARE, "out of memory");
	return p;
}

void *
srw_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		srw_die(SRW_EX_SOFTWARE, "out of memory (%zu bytes)", n);
	return p;
}

char *
srw_xstrdup(const char *s)
{
	return srw_xstrndup(s, strlen(s));
}

char *
srw_xstrndup(const char *s, size_t n)
{
	char *p = srw_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
srw_progress_force(bool on)
{
	progress_forced = on;
}

bool
srw_progress_on(void)
{
	if (progress_forced >= 0)
		return progress_forced;
	return isatty(2);
}

void
srw_progress(const char *fmt, ...)
{
	va_list ap;
	int64_t now;

	if (!srw_progress_on())
		return;
	now = srw_now_ms();
	if (now - progress_last < 250)
		return;
	progress_last = now;
	fprintf(stderr, "\r%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\033[K", stderr);
	progress_dirty = true;
}

void
srw_progress_end(void)
{
	if (progress_dirty) {
		fputc('\n', stderr);
		progress_dirty = false;
	}
	progress_last = 0;
}
