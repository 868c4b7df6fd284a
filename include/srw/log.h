/* srw/log.h: the declarations of lib/log.c (see srw.h) */
#ifndef SRW_LOG_H
#define SRW_LOG_H

#include "srw/base.h"

/* ---- lib/log.c: one voice for errors, progress, exit ------------------ */

/*
 * srw_init records the program name, handles --version (prints
 * "srwatch X.Y.Z", exits 0) and reads SRW_LOG (debug|info|warn) as the
 * default verbosity.  -h/--help stay with the tool (its usage()).
 */
void srw_init(const char *progname, int argc, char *argv[]);
const char *srw_progname(void);
/* sbase's rule: a format ending in ':' gets ": strerror(errno)" appended. */
void srw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void srw_die(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
void srw_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void srw_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void srw_set_verbose(int level);	/* 0 warn, 1 info, 2 debug */
int srw_verbose(void);
/* Flushes and checks stdout (a full disk is an error); returns the status
 * to exit with: status, or SRW_EX_SOFTWARE/ TEMPFAIL on a write error. */
int srw_finish(int status);
/* malloc that dies (exit 70) instead of returning NULL. */
void *srw_xmalloc(size_t n);
void *srw_xcalloc(size_t n, size_t m);
void *srw_xrealloc(void *p, size_t n);
char *srw_xstrdup(const char *s);
char *srw_xstrndup(const char *s, size_t n);

/* Progress on stderr when stderr is a terminal or forced (--progress).
 * srw_progress is rate limited (about 4 lines a second); srw_progress_end
 * finishes the line. */
void srw_progress_force(bool on);
bool srw_progress_on(void);
void srw_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void srw_progress_end(void);

#endif
