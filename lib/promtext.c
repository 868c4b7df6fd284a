/* promtext.c - the Prometheus text exposition format (version 0.0.4):
 * HELP and TYPE lines, label values with \\ \" \n escapes, NaN and ±Inf,
 * optional millisecond timestamps, summaries and histograms.
 *
 * The parser works on a buffer with a length (it may hold NUL bytes: it is
 * a fuzz target) and never reads past it.  A bad line is reported through
 * on_error and skipped; the rest of the exposition is still read. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"

struct lab {
	size_t k, v;	/* offsets into the scratch buffer */
};

struct parser {
	const srw_prom_opts *o;
	srw_buf fam, help, scratch;
	enum srw_prom_type ftype;
	bool have_help;
	long lineno, errors;
	struct lab labs[SRW_POINT_MAXLABELS];
	srw_point_label out[SRW_POINT_MAXLABELS];
};

static const char *const tnames[] = {
	[SRW_PROM_UNTYPED] = "untyped",
	[SRW_PROM_COUNTER] = "counter",
	[SRW_PROM_GAUGE] = "gauge",
	[SRW_PROM_SUMMARY] = "summary",
	[SRW_PROM_HISTOGRAM] = "histogram",
};

const char *
srw_prom_type_name(enum srw_prom_type t)
{
	return (unsigned)t < sizeof tnames / sizeof *tnames ? tnames[t] : "untyped";
}

static void
bad(struct parser *p, const char *msg)
{
	p->errors++;
	if (p->o->on_error)
		p->o->on_error(p->lineno, msg, p->o->ctx);
}

static bool
name_start(int c)
{
	return isalpha(c) || c == '_' || c == ':';
}

static bool
name_char(int c)
{
	return isalnum(c) || c == '_' || c == ':';
}

static const char *
skip_blank(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* A metric or label name at s; returns its end (== s if none). */
static const char *
scan_name(const char *s, const char *e, bool metric)
{
	const char *q = s;

	if (q < e && (metric ? name_start((unsigned char)*q) :
	    (isalpha((unsigned char)*q) || *q == '_'))) {
		for (q++; q < e; q++)
			if (!(metric ? name_char((unsigned char)*q) :
			    (isalnum((unsigned char)*q) || *q == '_')))
				break;
	}
	return q;
}

/* Prometheus float: Go's ParseFloat plus NaN, +Inf, -Inf, Inf. */
static bool
parse_value(const char *s, size_t n, double *out)
{
	char tmp[64], *end;

	if (n == 0 || n >= sizeof tmp)
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (strcmp(tmp, "NaN") == 0) {
		*out = NAN;
		return true;
	}
	if (strcmp(tmp, "+Inf") == 0 || strcmp(tmp, "Inf") == 0) {
		*out = INFINITY;
		return true;
	}
	if (strcmp(tmp, "-Inf") == 0) {
		*out = -INFINITY;
		return true;
	}
	/* strtod would also take "inf", "nan(…)" and hex: refuse those */
	for (size_t i = 0; i < n; i++)
		if (!(isdigit((unsigned char)tmp[i]) || strchr("+-.eE", tmp[i])))
			return false;
	errno = 0;
	*out = strtod(tmp, &end);
	return end == tmp + n && end != tmp;
}

static bool
parse_ts(const char *s, size_t n, int64_t *out)
{
	char tmp[32], *end;
	long long v;

	if (n == 0 || n >= sizeof tmp)
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!(isdigit((unsigned char)tmp[0]) || tmp[0] == '-'))
		return false;
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static void
comment(struct parser *p, const char *s, const char *e)
{
	const char *kw, *kwe, *n, *ne, *rest;
	size_t kwlen;

	s = skip_blank(s + 1, e);
	kw = s;
	for (kwe = kw; kwe < e && *kwe != ' ' && *kwe != '\t'; kwe++)
		;
	kwlen = (size_t)(kwe - kw);
	if (!((kwlen == 4 && memcmp(kw, "HELP", 4) == 0) ||
	    (kwlen == 4 && memcmp(kw, "TYPE", 4) == 0)))
		return;	/* any other comment */
	n = skip_blank(kwe, e);
	ne = scan_name(n, e, true);
	if (ne == n || (ne < e && *ne != ' ' && *ne != '\t')) {
		bad(p, "HELP/TYPE without a valid metric name");
		return;
	}
	rest = skip_blank(ne, e);
	if ((p->fam.len != (size_t)(ne - n) || memcmp(p->fam.s, n, p->fam.len) != 0)) {
		srw_buf_reset(&p->fam);
		srw_buf_add(&p->fam, n, (size_t)(ne - n));
		p->ftype = SRW_PROM_UNTYPED;
		p->have_help = false;
		srw_buf_reset(&p->help);
	}
	if (kw[0] == 'H') {
		/* HELP text escapes: \\ and \n */
		srw_buf_reset(&p->help);
		for (; rest < e; rest++) {
			if (*rest == '\\' && rest + 1 < e && (rest[1] == '\\' || rest[1] == 'n')) {
				srw_buf_addc(&p->help, rest[1] == 'n' ? '\n' : '\\');
				rest++;
			} else {
				srw_buf_addc(&p->help, *rest);
			}
		}
		while (p->help.len && (p->help.s[p->help.len - 1] == ' ' ||
		    p->help.s[p->help.len - 1] == '\t'))
			p->help.s[--p->help.len] = '\0';
		p->have_help = true;
	} else {
		size_t tl;
		unsigned t;

		for (ne = rest; ne < e && *ne != ' ' && *ne != '\t'; ne++)
			;
		tl = (size_t)(ne - rest);
		for (t = 0; t < sizeof tnames / sizeof *tnames; t++)
			if (strlen(tnames[t]) == tl && memcmp(tnames[t], rest, tl) == 0)
				break;
		if (t == sizeof tnames / sizeof *tnames || skip_blank(ne, e) != e) {
			bad(p, "TYPE with an unknown type");
			p->ftype = SRW_PROM_UNTYPED;
			return;
		}
		p->ftype = (enum srw_prom_type)t;
	}
}

/* Does sample name n (length nl) belong to the current family? */
static bool
in_family(const struct parser *p, const char *n, size_t nl)
{
	static const char *const sfx[] = { "_sum", "_count", "_bucket", "_created" };
	size_t fl = p->fam.len, i;

	if (!fl || nl < fl || memcmp(n, p->fam.s, fl) != 0)
		return false;
	if (nl == fl)
		return true;
	if (p->ftype != SRW_PROM_SUMMARY && p->ftype != SRW_PROM_HISTOGRAM)
		return false;
	for (i = 0; i < sizeof sfx / sizeof *sfx; i++)
		if (nl - fl == strlen(sfx[i]) && memcmp(n + fl, sfx[i], nl - fl) == 0)
			return !(i == 2 && p->ftype == SRW_PROM_SUMMARY);
	return false;
}

static void
sample(struct parser *p, const char *s, const char *e)
{
	const char *n = s, *ne, *q, *v, *ve;
	srw_prom_sample smp;
	size_t nl = 0, i, j, name_off;
	srw_buf *sc = &p->scratch;

	ne = scan_name(n, e, true);
	if (ne == n) {
		bad(p, "expected a metric name");
		return;
	}
	srw_buf_reset(sc);
	srw_buf_add(sc, n, (size_t)(ne - n));
	srw_buf_addc(sc, '\0');
	name_off = 0;
	q = skip_blank(ne, e);
	if (q < e && *q != '{')
		q = ne;	/* no label set: the blank before the value follows */
	if (q < e && *q == '{') {
		q = skip_blank(q + 1, e);
		while (q < e && *q != '}') {
			const char *k = q, *ke = scan_name(q, e, false);

			if (ke == k) {
				bad(p, "expected a label name");
				return;
			}
			if (nl == SRW_POINT_MAXLABELS) {
				bad(p, "too many labels");
				return;
			}
			p->labs[nl].k = sc->len;
			srw_buf_add(sc, k, (size_t)(ke - k));
			srw_buf_addc(sc, '\0');
			q = skip_blank(ke, e);
			if (q >= e || *q != '=') {
				bad(p, "expected '=' after a label name");
				return;
			}
			q = skip_blank(q + 1, e);
			if (q >= e || *q != '"') {
				bad(p, "expected a quoted label value");
				return;
			}
			p->labs[nl].v = sc->len;
			for (q++; q < e && *q != '"'; q++) {
				if (*q == '\\') {
					if (++q >= e)
						break;
					if (*q == 'n')
						srw_buf_addc(sc, '\n');
					else if (*q == '\\' || *q == '"')
						srw_buf_addc(sc, *q);
					else {
						/* unknown escape: kept as written */
						srw_buf_addc(sc, '\\');
						srw_buf_addc(sc, *q);
					}
				} else if (*q == '\0') {
					bad(p, "NUL byte in a label value");
					return;
				} else {
					srw_buf_addc(sc, *q);
				}
			}
			if (q >= e) {
				bad(p, "unterminated label value");
				return;
			}
			srw_buf_addc(sc, '\0');
			nl++;
			q = skip_blank(q + 1, e);
			if (q < e && *q == ',')
				q = skip_blank(q + 1, e);
			else if (q < e && *q != '}') {
				bad(p, "expected ',' or '}' in the label set");
				return;
			}
		}
		if (q >= e) {
			bad(p, "unterminated label set");
			return;
		}
		q++;
	}
	/* a blank separates the name from the value; after '}' it may be
	 * left out (as Prometheus' own parser allows) */
	if (q >= e || (q == ne && *q != ' ' && *q != '\t')) {
		bad(p, "expected a space before the value");
		return;
	}
	v = skip_blank(q, e);
	for (ve = v; ve < e && *ve != ' ' && *ve != '\t'; ve++)
		;
	memset(&smp, 0, sizeof smp);
	if (!parse_value(v, (size_t)(ve - v), &smp.value)) {
		bad(p, "bad sample value");
		return;
	}
	q = skip_blank(ve, e);
	if (q < e) {
		const char *te;

		for (te = q; te < e && *te != ' ' && *te != '\t'; te++)
			;
		if (!parse_ts(q, (size_t)(te - q), &smp.ts) || skip_blank(te, e) != e) {
			bad(p, "bad timestamp");
			return;
		}
		smp.has_ts = true;
	}
	/* pointers only now: the scratch buffer has stopped growing */
	for (i = 0; i < nl; i++) {
		p->out[i].k = sc->s + p->labs[i].k;
		p->out[i].v = sc->s + p->labs[i].v;
		for (j = 0; j < i; j++)
			if (strcmp(p->out[j].k, p->out[i].k) == 0) {
				bad(p, "a label given twice");
				return;
			}
	}
	smp.name = sc->s + name_off;
	smp.labels = p->out;
	smp.nlabels = nl;
	smp.lineno = p->lineno;
	if (in_family(p, smp.name, (size_t)(ne - n))) {
		smp.family = p->fam.s;
		smp.type = p->ftype;
		smp.help = p->have_help ? p->help.s : NULL;
	} else {
		smp.family = smp.name;
		smp.type = SRW_PROM_UNTYPED;
		smp.help = NULL;
	}
	if (p->o->on_sample && p->o->on_sample(&smp, p->o->ctx) != 0)
		p->errors = -1 - p->errors;	/* stop: see srw_prom_parse */
}

long
srw_prom_parse(const char *text, size_t len, const srw_prom_opts *o)
{
	struct parser p = { .o = o };
	const char *s = text, *end = text + len;
	long errors;

	srw_buf_init(&p.fam);
	srw_buf_init(&p.help);
	srw_buf_init(&p.scratch);
	srw_buf_grow(&p.fam, 64);
	srw_buf_grow(&p.help, 64);
	while (s < end && p.errors >= 0) {
		const char *nl = memchr(s, '\n', (size_t)(end - s)), *e = nl ? nl : end, *b;

		p.lineno++;
		if (e > s && e[-1] == '\r')
			e--;
		b = skip_blank(s, e);
		if (b < e) {
			if (*b == '#')
				comment(&p, b, e);
			else
				sample(&p, b, e);
		}
		s = nl ? nl + 1 : end;
	}
	errors = p.errors < 0 ? -1 - p.errors : p.errors;
	srw_buf_free(&p.fam);
	srw_buf_free(&p.help);
	srw_buf_free(&p.scratch);
	return errors;
}
