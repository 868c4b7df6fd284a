/* cfg.c - configuration from flags, then environment, then defaults. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"

const char *
srw_env(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

long
srw_env_long(const char *name, long dflt)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return dflt;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end) {
		srw_warn("%s=%s is not a number; using %ld", name, v, dflt);
		return dflt;
	}
	return n;
}

int64_t
srw_parse_duration_ms(const char *s)
{
	int64_t total = 0;
	bool any = false;

	if (!s || !*s)
		return -1;
	while (*s) {
		char *end;
		double v;
		double mult;

		errno = 0;
		v = strtod(s, &end);
		if (end == s || errno || !(v >= 0))	/* NaN too */
			return -1;
		s = end;
		if (strncmp(s, "ms", 2) == 0) {
			mult = 1;
			s += 2;
		} else if (*s == 's') {
			mult = 1000;
			s++;
		} else if (*s == 'm') {
			mult = 60000;
			s++;
		} else if (*s == 'h') {
			mult = 3600000;
			s++;
		} else if (*s == 'd') {
			mult = 86400000;
			s++;
		} else if (*s == 'w') {
			mult = 7 * 86400000.0;
			s++;
		} else if (*s == '\0' && !any) {
			mult = 1000;
		} else {
			return -1;
		}
		/* beyond 1e18 ms (30 million years) the cast would overflow */
		if (!(v * mult < 1e18) || total > (int64_t)1e18)
			return -1;
		total += (int64_t)(v * mult + 0.5);
		any = true;
	}
	return total;
}

char *
srw_read_secret_file(const char *path, char *err, size_t errsz)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!fp) {
		snprintf(err, errsz, "open %s: %s", path, strerror(errno));
		return NULL;
	}
	n = getline(&line, &cap, fp);
	fclose(fp);
	if (n <= 0) {
		free(line);
		snprintf(err, errsz, "%s is empty", path);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
	    isspace((unsigned char)line[n - 1])))
		line[--n] = '\0';
	if (n == 0) {
		free(line);
		snprintf(err, errsz, "%s is empty", path);
		return NULL;
	}
	return line;
}

char **
srw_split(const char *s, char sep, size_t *np)
{
	size_t n = 1, i = 0;
	const char *p;
	char **v;

	for (p = s; *p; p++)
		if (*p == sep)
			n++;
	v = srw_xcalloc(n + 1, sizeof *v);
	for (;;) {
		const char *q = strchr(s, sep);

		if (!q) {
			v[i++] = srw_xstrdup(s);
			break;
		}
		v[i++] = srw_xstrndup(s, (size_t)(q - s));
		s = q + 1;
	}
	v[i] = NULL;
	if (np)
		*np = i;
	return v;
}

void
srw_strv_free(char **v)
{
	char **p;

	if (!v)
		return;
	for (p = v; *p; p++)
		free(*p);
	free(v);
}
