/* opt.c - the command line, the same in every tool: one table per tool
 * gives getopt_long its arrays and --help its lines, so the two cannot
 * drift; one checked parser for numbers and durations (sbase's estrtonum).
 * The answers are DESIGN.md's: --help on stdout with exit 0, a usage error
 * on stderr with exit 64. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srw/opt.h"
#include "srw/cfg.h"
#include "srw/log.h"

enum { KEY_HELP = 'h', KEY_VERSION = SRW_OPT_LONG - 1 };

static const char *synopsis = "";
static const srw_opt *table;
static struct option *longopts;
static char *shortopts;

static bool
is_short(int key)
{
	return key > 0 && key < 128 && isalnum(key);
}

void
srw_opt_begin(const char *syn, const srw_opt *opts)
{
	size_t n = 0, i, k, s = 0;

	synopsis = syn;
	table = opts;
	while (opts[n].name)
		n++;
	free(longopts);
	free(shortopts);
	longopts = srw_xcalloc(n + 3, sizeof *longopts);
	/* ':' first: a missing argument comes back as ':', not '?' */
	shortopts = srw_xmalloc(3 * n + 3);
	shortopts[s++] = ':';
	for (i = k = 0; i < n; i++) {
		const char *a = opts[i].arg;
		int has = !a ? no_argument : strncmp(a, "[=", 2) == 0 ? optional_argument : required_argument;

		longopts[k++] = (struct option){ opts[i].name, has, NULL, opts[i].key };
		if (is_short(opts[i].key)) {
			shortopts[s++] = (char)opts[i].key;
			if (has != no_argument)
				shortopts[s++] = ':';
			if (has == optional_argument)
				shortopts[s++] = ':';
		}
	}
	longopts[k++] = (struct option){ "help", no_argument, NULL, KEY_HELP };
	longopts[k++] = (struct option){ "version", no_argument, NULL, KEY_VERSION };
	shortopts[s++] = 'h';
	shortopts[s] = '\0';
	opterr = 0;
	optind = 0;	/* GNU: start again, at argv[1] */
}

static void
print_synopsis(FILE *fp)
{
	fprintf(fp, "usage: %s\n", synopsis);
}

void
srw_opt_usage(void)
{
	print_synopsis(stderr);
	fprintf(stderr, "Try '%s --help' for the options.\n", srw_progname());
	exit(SRW_EX_USAGE);
}

void
srw_opt_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", srw_progname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	srw_opt_usage();
}

/* "-b, --batch N" or "    --strict" */
static size_t
opt_label(const srw_opt *o, char *buf, size_t sz)
{
	int n;

	if (is_short(o->key))
		n = snprintf(buf, sz, "-%c, --%s", o->key, o->name);
	else
		n = snprintf(buf, sz, "    --%s", o->name);
	if (o->arg && n >= 0 && (size_t)n < sz)
		n += snprintf(buf + n, sz - n, strncmp(o->arg, "[=", 2) == 0 ? "%s" : " %s", o->arg);
	return n < 0 ? 0 : (size_t)n;
}

void
srw_opt_help(void)
{
	static const srw_opt builtin[] = {
		{ "help", 'h', NULL, "print this help and exit" },
		{ "version", KEY_VERSION, NULL, "print the version and exit" },
		{ NULL, 0, NULL, NULL },
	};
	const srw_opt *lists[2] = { table, builtin };
	char label[128];
	size_t w = 0, n;
	int l, i;

	print_synopsis(stdout);
	for (l = 0; l < 2; l++)
		for (i = 0; lists[l] && lists[l][i].name; i++)
			if ((n = opt_label(&lists[l][i], label, sizeof label)) > w)
				w = n;
	if (w > 30)
		w = 30;
	fputs("options:\n", stdout);
	for (l = 0; l < 2; l++)
		for (i = 0; lists[l] && lists[l][i].name; i++) {
			n = opt_label(&lists[l][i], label, sizeof label);
			if (n > w)
				printf("  %s\n  %*s  %s\n", label, (int)w, "", lists[l][i].help);
			else
				printf("  %-*s  %s\n", (int)w, label, lists[l][i].help);
		}
	exit(srw_finish(SRW_EX_OK));
}

int
srw_opt_next(int argc, char *argv[])
{
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);
	const char *bad = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

	switch (c) {
	case KEY_HELP:
		srw_opt_help();
	case KEY_VERSION:
		printf("srwatch %s\n", SRW_VERSION);
		exit(srw_finish(SRW_EX_OK));
	case ':':
		if (strncmp(bad, "--", 2) == 0)
			srw_opt_error("option %s needs an argument", bad);
		srw_opt_error("option -%c needs an argument", optopt);
	case '?':
		if (optopt && strncmp(bad, "--", 2) != 0)
			srw_opt_error("unknown option -%c", optopt);
		if (optopt && strchr(bad, '='))
			srw_opt_error("option %.*s takes no argument",
			    (int)(strchr(bad, '=') - bad), bad);
		srw_opt_error("unknown or ambiguous option %s", bad);
	}
	return c;
}

long long
srw_opt_num(const char *arg, long long min, long long max, const char *what)
{
	long long v;
	char *end;

	errno = 0;
	if (!arg || !*arg || isspace((unsigned char)*arg))
		srw_opt_error("%s: '%s' is not a whole number", what, arg ? arg : "");
	v = strtoll(arg, &end, 10);
	if (*end)
		srw_opt_error("%s: '%s' is not a whole number", what, arg);
	if (errno == ERANGE || v < min || v > max)
		srw_opt_error("%s: %s is out of range (%lld to %lld)", what, arg, min, max);
	return v;
}

double
srw_opt_real(const char *arg, double min, double max, const char *what)
{
	double v;
	char *end;

	errno = 0;
	if (!arg || !*arg || isspace((unsigned char)*arg))
		srw_opt_error("%s: '%s' is not a number", what, arg ? arg : "");
	v = strtod(arg, &end);
	if (*end || isnan(v))
		srw_opt_error("%s: '%s' is not a number", what, arg);
	if (errno == ERANGE || v < min || v > max)
		srw_opt_error("%s: %s is out of range (%g to %g)", what, arg, min, max);
	return v;
}

static void
fmt_ms(int64_t ms, char *buf, size_t sz)
{
	if (ms % 86400000 == 0 && ms)
		snprintf(buf, sz, "%lldd", (long long)(ms / 86400000));
	else if (ms % 3600000 == 0 && ms)
		snprintf(buf, sz, "%lldh", (long long)(ms / 3600000));
	else if (ms % 60000 == 0 && ms)
		snprintf(buf, sz, "%lldm", (long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, sz, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, sz, "%lldms", (long long)ms);
}

int64_t
srw_opt_duration(const char *arg, int64_t min_ms, int64_t max_ms, const char *what)
{
	int64_t ms = srw_parse_duration_ms(arg);
	char lo[32], hi[32];

	if (ms < 0)
		srw_opt_error("%s: '%s' is not a duration (30s, 5m, 1h, 1d)", what,
		    arg ? arg : "");
	if (ms < min_ms || ms > max_ms) {
		fmt_ms(min_ms, lo, sizeof lo);
		fmt_ms(max_ms, hi, sizeof hi);
		srw_opt_error("%s: %s is out of range (%s to %s)", what, arg, lo, hi);
	}
	return ms;
}

bool
srw_opt_is_stdin(const char *arg)
{
	return arg && strcmp(arg, "-") == 0;
}

void
srw_opt_stdin_notice(const char *what)
{
	static bool said;

	if (said || !isatty(0))
		return;
	said = true;
	fprintf(stderr, "%s: reading %s from stdin (end with ^D)\n", srw_progname(),
	    what ? what : "NDJSON");
}
