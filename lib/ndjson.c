/* ndjson.c - the streaming NDJSON reader every tool's input loop runs on. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srw.h"

#define WARN_LIMIT 100	/* bad lines reported one by one; the rest counted */

static struct {
	bool strict;
	const char *reject_path;
	FILE *reject;
	long nread, nreject;
} st;

void
srw_ndjson_setup(const srw_ndjson_opts *o)
{
	st.strict = o->strict;
	st.reject_path = o->reject_path;
	if (st.reject) {
		fclose(st.reject);
		st.reject = NULL;
	}
	if (o->reject_path && !(st.reject = fopen(o->reject_path, "a")))
		srw_die(SRW_EX_USAGE, "open %s:", o->reject_path);
}

long
srw_ndjson_read_count(void)
{
	return st.nread;
}

long
srw_ndjson_reject_count(void)
{
	return st.nreject;
}

void
srw_ndjson_reject(const srw_line *ln, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	st.nreject++;
	if (st.strict || st.nreject <= WARN_LIMIT) {
		if (!ln->file || strcmp(ln->file, "-") == 0)
			srw_warn("line %ld: %s", ln->lineno, msg);
		else
			srw_warn("%s:%ld: %s", ln->file, ln->lineno, msg);
	} else if (st.nreject == WARN_LIMIT + 1) {
		srw_warn("more bad lines; only counting them from now on");
	}
	if (st.reject) {
		fwrite(ln->text, 1, ln->len, st.reject);
		if (fputc('\n', st.reject) == EOF || fflush(st.reject) != 0)
			srw_die(SRW_EX_TEMPFAIL, "write %s:", st.reject_path);
	}
	if (st.strict)
		srw_die(SRW_EX_DATAERR, "stopping at the first bad line (--strict)");
}

int
srw_lines_each(FILE *fp, const char *name, srw_line_fn fn, void *ctx)
{
	size_t cap = 1 << 18, start = 0, end = 0;	/* grows for longer lines */
	char *buf = srw_xmalloc(cap + 1);
	int fd = fileno(fp), rc = 0;
	bool eof = false, skipping = false;
	long lineno = 0;
	srw_line ln = { .file = name ? name : "-" };

	for (;;) {
		char *nl = memchr(buf + start, '\n', end - start);
		size_t len;

		if (!nl && !eof) {
			if (end - start >= SRW_NDJSON_MAX_LINE && !skipping) {
				ln.lineno = lineno + 1;
				ln.text = buf + start;
				ln.len = 256;
				srw_ndjson_reject(&ln, "line longer than %u bytes, skipped",
				    SRW_NDJSON_MAX_LINE);
				skipping = true;
			}
			if (skipping) {
				start = end = 0;
			} else if (start > 0) {
				memmove(buf, buf + start, end - start);
				end -= start;
				start = 0;
			}
			if (end == cap) {
				cap *= 2;
				buf = srw_xrealloc(buf, cap + 1);
			}
			ssize_t n = read(fd, buf + end, cap - end);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				srw_warn("read %s:", ln.file);
				rc = -1;
				break;
			}
			if (n == 0)
				eof = true;
			end += (size_t)n;
			continue;
		}
		if (!nl && start == end)
			break;
		len = nl ? (size_t)(nl - (buf + start)) : end - start;
		lineno++;
		if (skipping) {
			skipping = false;
		} else {
			ln.text = buf + start;
			ln.len = len;
			ln.lineno = lineno;
			if (len && ln.text[len - 1] == '\r')
				ln.len--;
			buf[start + len] = '\0';	/* safe: cap + 1 bytes */
			if (ln.len && ln.text[ln.len - 1] == '\r')
				buf[start + ln.len] = '\0';
			rc = fn(&ln, ctx);
			if (rc == SRW_NDJSON_STOP)
				break;
			rc = 0;
		}
		start += len + (nl ? 1 : 0);
		if (!nl)
			break;
	}
	free(buf);
	return rc;
}

struct ndctx {
	srw_ndjson_fn fn;
	void *ctx;
};

static bool
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static int
ndline(const srw_line *ln, void *arg)
{
	struct ndctx *c = arg;
	const char *end = NULL;
	srw_val *v;
	int rc;

	if (blank(ln->text, ln->len))
		return 0;
	if (!(v = srw_val_parse_record(ln->text, ln->len, &end))) {
		srw_ndjson_reject(ln, "not valid JSON (near column %ld)",
		    (long)(end - ln->text) + 1);
		return SRW_NDJSON_REJECT;
	}
	if (end && !blank(end, (size_t)(ln->text + ln->len - end))) {
		srw_val_free_record(v);
		srw_ndjson_reject(ln, "trailing data after the JSON value");
		return SRW_NDJSON_REJECT;
	}
	if (srw_val_type(v) != SRW_OBJ) {
		srw_val_free_record(v);
		srw_ndjson_reject(ln, "expected object");
		return SRW_NDJSON_REJECT;
	}
	st.nread++;
	rc = c->fn(v, ln, c->ctx);
	srw_val_free_record(v);
	return rc;
}

int
srw_ndjson_each(FILE *fp, const char *name, srw_ndjson_fn fn, void *ctx)
{
	struct ndctx c = { fn, ctx };

	return srw_lines_each(fp, name, ndline, &c);
}

int
srw_ndjson_files(int argc, char *argv[], srw_ndjson_fn fn, void *ctx)
{
	int i, rc = 0;

	if (argc == 0) {
		srw_opt_stdin_notice(NULL);
		return srw_ndjson_each(stdin, "-", fn, ctx);
	}
	for (i = 0; i < argc && rc != SRW_NDJSON_STOP; i++) {
		FILE *fp;

		if (strcmp(argv[i], "-") == 0) {
			srw_opt_stdin_notice(NULL);
			rc = srw_ndjson_each(stdin, "-", fn, ctx);
			continue;
		}
		if (!(fp = fopen(argv[i], "r")))
			srw_die(SRW_EX_USAGE, "open %s:", argv[i]);
		rc = srw_ndjson_each(fp, argv[i], fn, ctx);
		fclose(fp);
	}
	return rc;
}
