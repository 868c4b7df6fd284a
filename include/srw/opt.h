/* srw/opt.h: the declarations of lib/opt.c (see srw.h) */
#ifndef SRW_OPT_H
#define SRW_OPT_H

#include "srw/base.h"

/* ---- lib/opt.c: the command line, the same in every tool -------------- */
/*
 * A tool declares its synopsis and one line per option in a table; the
 * library builds getopt_long's arrays from it, answers -h/--help (synopsis
 * and the table on stdout, exit 0) and --version ("srwatch X.Y.Z", exit 0),
 * and turns a wrong option or a missing argument into a message and the
 * synopsis on stderr, exit 64.
 *
 * key is what srw_opt_next returns; a key that is a letter or digit is also
 * the short option -key.  Long-only options use keys >= SRW_OPT_LONG (a
 * tool-local enum), so a letter never stands for two things.  arg names the
 * argument in --help ("N", "FILE"); NULL for a flag, or an argument in
 * brackets starting "[=" ("[=N]") for an optional one.  The table ends with { NULL }.
 */
typedef struct srw_opt {
	const char *name;	/* long name without "--" */
	int key;
	const char *arg;
	const char *help;	/* one line */
} srw_opt;

enum { SRW_OPT_LONG = 256 };

/* Starts parsing with this table (again from argv[1], for a subcommand:
 * pass argc/argv of the subcommand, whose argv[0] is the subcommand).
 * synopsis: the lines after "usage: ", '\n' between lines. */
void srw_opt_begin(const char *synopsis, const srw_opt *opts);
/* The next option's key, or -1 after the last option (optind then indexes
 * the first operand; optarg holds the argument). */
int srw_opt_next(int argc, char *argv[]);
/* Synopsis on stderr, exit 64 (after a message of the tool's own). */
void srw_opt_usage(void) __attribute__((noreturn));
/* "toolname: MESSAGE" and the synopsis on stderr, exit 64. */
void srw_opt_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
/* Synopsis and options on stdout, exit 0. */
void srw_opt_help(void) __attribute__((noreturn));

/*
 * Checked numbers (sbase's estrtonum): the whole argument must be a number
 * within [min, max], else "toolname: --batch: 10x is not a number" (or
 * "... is out of range 1..100000") and exit 64.  what names the option.
 */
long long srw_opt_num(const char *arg, long long min, long long max, const char *what);
double srw_opt_real(const char *arg, double min, double max, const char *what);
/* A duration ("30s", "5m", "1h", "1d", "500ms", "1h30m"; a bare number is
 * seconds) in milliseconds within [min_ms, max_ms], else exit 64. */
int64_t srw_opt_duration(const char *arg, int64_t min_ms, int64_t max_ms, const char *what);

/* True for the operand that means standard input: "-" (DESIGN.md). */
bool srw_opt_is_stdin(const char *arg);
/*
 * A filter about to read standard input says so once on stderr when stdin
 * is a terminal ("toolname: reading NDJSON from stdin (^D to end)"), so a
 * person who forgot the pipe is not left looking at a silent tool.
 */
void srw_opt_stdin_notice(const char *what);

#endif
