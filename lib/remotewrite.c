/* remotewrite.c - Prometheus remote write 1.0 (snappy block format around a
 * protobuf WriteRequest) to metric points.  The request is walked in its
 * wire format where it lies, without building messages: a request costs no
 * allocation, and the checks and the output are the work that remains.
 * lib/rwpb.c holds the protobuf-c side (the reference this decoder is fuzzed
 * against, the encoder, the bench floor). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>

#include "srw.h"

#define STALE_NAN 0x7ff0000000000002ULL	/* Prometheus's staleness marker */
#define MAX_TS (INT64_C(1) << 53)	/* ms: exact as a double, year 287396 */

/* What a decoder keeps between requests (one thread at a time). */
struct srw_rw_dec {
	srw_buf raw, pre, post;
	srw_rw_types *types;
	size_t max_raw;
};

/* ---- checks ---------------------------------------------------------------- */

/* Character classes of Prometheus names: label [a-zA-Z_][a-zA-Z0-9_]*,
 * metric [a-zA-Z_:][a-zA-Z0-9_:]*. */
enum { C_LABEL = 1, C_LABEL1 = 2, C_METRIC = 4, C_METRIC1 = 8 };
static unsigned char cclass[256];
static pthread_once_t cclass_once = PTHREAD_ONCE_INIT;

static void
cclass_init(void)
{
	int c;

	for (c = 0; c < 256; c++) {
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
		bool digit = c >= '0' && c <= '9';

		cclass[c] = (unsigned char)((alpha || digit ? C_LABEL | C_METRIC : 0) |
		    (alpha ? C_LABEL1 | C_METRIC1 : 0) | (c == ':' ? C_METRIC | C_METRIC1 : 0));
	}
}

static bool
name_ok(const uint8_t *s, size_t n, bool metric)
{
	unsigned char all = C_LABEL | C_METRIC;
	size_t i;

	if (n == 0 || !(cclass[s[0]] & (metric ? C_METRIC1 : C_LABEL1)))
		return false;
	for (i = 1; i < n; i++)
		all &= cclass[s[i]];
	return (all & (metric ? C_METRIC : C_LABEL)) != 0;
}

/* UTF-8 as Go's utf8.Valid: no overlongs, no surrogates, at most U+10FFFF;
 * and no NUL (a point's strings are C strings).  *esc: JSON needs escapes. */
static bool
utf8_ok(const uint8_t *s, size_t n, bool *esc)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];

		if (c >= 0x20 && c < 0x80) {
			*esc |= c == '"' || c == '\\';
			i++;
			continue;
		}
		if (c == 0)
			return false;
		if (c < 0x20) {
			*esc = true;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			if (i + 1 >= n || (s[i + 1] & 0xc0) != 0x80)
				return false;
			i += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			if (i + 2 >= n || (s[i + 1] & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80 ||
			    (c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f))
				return false;
			i += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			if (i + 3 >= n || (s[i + 1] & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80 ||
			    (s[i + 3] & 0xc0) != 0x80 || (c == 0xf0 && s[i + 1] < 0x90) ||
			    (c == 0xf4 && s[i + 1] > 0x8f))
				return false;
			i += 4;
		} else {
			return false;
		}
	}
	return true;
}

static bool
suffix(const char *s, size_t n, const char *sfx, size_t *base)
{
	size_t m = strlen(sfx);

	if (n <= m || memcmp(s + n - m, sfx, m) != 0)
		return false;
	*base = n - m;
	return true;
}

enum { MT_UNKNOWN, MT_COUNTER, MT_GAUGE, MT_HISTOGRAM, MT_GAUGEHISTOGRAM, MT_SUMMARY };

/* The point type of a series named name (see the header). */
/* *guessed: a _sum or _count typed without knowing its family */
static enum srw_ptype
type_of(srw_rw_types *types, const char *name, size_t n, bool has_le, bool *guessed)
{
	size_t base;
	int t = srw_rw_types_get(types, name, n);

	if (t)
		return t - 1 == MT_COUNTER ? SRW_PT_COUNTER : SRW_PT_GAUGE;
	if (suffix(name, n, "_bucket", &base) || suffix(name, n, "_sum", &base) ||
	    suffix(name, n, "_count", &base) || suffix(name, n, "_total", &base)) {
		bool bucket = name[base + 1] == 'b', total = name[base + 1] == 't';

		switch (srw_rw_types_get(types, name, base) - 1) {
		case MT_HISTOGRAM:
		case MT_GAUGEHISTOGRAM:
			if (bucket)
				return has_le ? SRW_PT_HISTOGRAM : SRW_PT_GAUGE;
			return total ? SRW_PT_GAUGE : SRW_PT_COUNTER;
		case MT_SUMMARY:
			return bucket || total ? SRW_PT_GAUGE : SRW_PT_COUNTER;
		case MT_COUNTER:
			return SRW_PT_COUNTER;
		case MT_GAUGE:
			return SRW_PT_GAUGE;
		default:
			break;
		}
		if (total)
			return SRW_PT_COUNTER;
		if (bucket && has_le)
			return SRW_PT_HISTOGRAM;
		*guessed |= !bucket;
	}
	return SRW_PT_GAUGE;
}

/* ---- decoding ---------------------------------------------------------------- */

int
srw_rw_unsnappy(const void *body, size_t len, size_t max_raw, srw_buf *raw, char *err,
    size_t errsz)
{
	static const char framed[] = "\xff\x06\x00\x00sNaPpY";
	size_t n;

	if (len >= 10 && memcmp(body, framed, 10) == 0) {
		snprintf(err, errsz, "snappy framing format; remote write sends the block format");
		return -1;
	}
	if (snappy_uncompressed_length(body, len, &n) != SNAPPY_OK) {
		snappy_uncompressed_length(body, len, &n);
		snprintf(err, errsz, "not snappy-compressed (bad length header)");
		return -1;
	}
	if (max_raw && n > max_raw) {
		snprintf(err, errsz, "decompressed size %zu over the limit of %zu bytes", n, max_raw);
		return -2;
	}
	srw_buf_reset(raw);
	srw_buf_grow(raw, n + 1);
	if (snappy_uncompress(body, len, raw->s, &n) != SNAPPY_OK) {
		snprintf(err, errsz, "corrupt snappy data");
		return -1;
	}
	raw->len = n;
	raw->s[n] = '\0';
	return 0;
}

/* A value as a JSON number: integers and short decimals (most of what
 * exporters send) without printf: m / 10^k == v for an integer m below 2^53
 * means the decimal m·10^-k reads back as exactly v (both are the
 * correctly rounded m/10^k).  Anything else as srw_buf_add_jnum does. */
static void
put_value(srw_buf *b, double v)
{
	static const double p10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };
	char tmp[32], *p = tmp + sizeof tmp;
	int64_t m;
	uint64_t u;
	int k, i;

	if (isnan(v)) {
		srw_buf_add(b, "\"NaN\"", 5);
		return;
	}
	if (isinf(v)) {
		srw_buf_add(b, v > 0 ? "\"+Inf\"" : "\"-Inf\"", 6);
		return;
	}
	for (k = 0; k < 10; k++) {
		double x = v * p10[k];

		if (!(fabs(x) < 9007199254740992.0))
			break;
		m = (int64_t)x;
		if ((double)m != x || (double)m / p10[k] != v)
			continue;
		u = m < 0 ? -(uint64_t)m : (uint64_t)m;
		for (i = 0; u || i <= k; i++) {
			if (i == k && k)
				*--p = '.';
			*--p = (char)('0' + u % 10);
			u /= 10;
		}
		if (m < 0)
			*--p = '-';
		if (k) {	/* 2.50 -> 2.5 */
			char *e = tmp + sizeof tmp;

			while (e[-1] == '0')
				e--;
			if (e[-1] == '.')
				e--;
			srw_buf_add(b, p, (size_t)(e - p));
			return;
		}
		srw_buf_add(b, p, (size_t)(tmp + sizeof tmp - p));
		return;
	}
	srw_buf_add_jnum(b, v);
}

/* A label as the request has it: bytes, not NUL-terminated. */
struct lab {
	const uint8_t *k, *v;
	size_t kn, vn;
	bool esc;	/* the value needs JSON escapes */
};

static int
lab_cmp(const void *a, const void *b)
{
	const struct lab *x = a, *y = b;
	int c = memcmp(x->k, y->k, x->kn < y->kn ? x->kn : y->kn);

	return c ? c : (x->kn > y->kn) - (x->kn < y->kn);
}

static void
put_str(srw_buf *b, const uint8_t *s, size_t n, bool esc)
{
	if (esc) {
		srw_buf_add_jstr(b, (const char *)s, n);
		return;
	}
	srw_buf_grow(b, n + 2);
	b->s[b->len++] = '"';
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len++] = '"';
	b->s[b->len] = '\0';
}

/* ---- the wire format ---------------------------------------------------------- */
/*
 * Protobuf's encoding as protobuf-c reads it: a varint is at most 10 bytes
 * (bits past 64 dropped), field number 0 and the group and unknown wire
 * types are errors (fuzz/remotewrite.c holds the two to the same answers), a known field with another wire type than declared is
 * an error, a length past the end is an error, unknown fields are skipped,
 * and of a singular field given twice the last one counts.
 */
struct wf {
	uint32_t num;
	int wt;
	uint64_t v;		/* varint, or the fixed64's bits */
	const uint8_t *p;	/* a length-delimited field's bytes */
	size_t n;
};

static int
varint(const uint8_t **pp, const uint8_t *end, uint64_t *v, int max)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;
	int i;

	for (i = 0; i < max && p < end; i++) {
		r |= (uint64_t)(*p & 0x7f) << (7 * i);
		if (!(*p++ & 0x80)) {
			*v = r;
			*pp = p;
			return 0;
		}
	}
	return -1;
}

/* The next field of [*pp, end): 1, 0 at the end, -1 malformed.  One-byte
 * tags and lengths (nearly all of them) take the short way. */
static inline int
next_field(const uint8_t **pp, const uint8_t *end, struct wf *f)
{
	const uint8_t *p = *pp;
	uint64_t tag, len;

	if (p >= end)
		return 0;
	if (*p >= 8 && *p < 0x80) {
		tag = *p++;
	} else {
		/* as protobuf-c: a tag whose first byte has no number bits is
		 * refused, tags and lengths take at most 5 bytes, other varints
		 * 10, and the number is the tag's low 32 bits past the wire type */
		if ((*p & 0xf8) == 0 || varint(&p, end, &tag, 5) != 0)
			return -1;
	}
	f->num = (uint32_t)(tag >> 3);
	f->wt = (int)(tag & 7);
	switch (f->wt) {
	case 0:
		if (p < end && *p < 0x80) {
			f->v = *p++;
			break;
		}
		if (varint(&p, end, &f->v, 10) != 0)
			return -1;
		break;
	case 1:
		if (end - p < 8)
			return -1;
		memcpy(&f->v, p, 8);	/* little-endian hosts */
		p += 8;
		break;
	case 2:
		if (p < end && *p < 0x80)
			len = *p++;
		else if (varint(&p, end, &len, 5) != 0)
			return -1;
		if (len > (uint64_t)(end - p))
			return -1;
		f->p = p;
		f->n = (size_t)len;
		p += len;
		break;
	case 5:
		if (end - p < 4)
			return -1;
		p += 4;
		break;
	default:
		return -1;
	}
	*pp = p;
	return 1;
}

/* A Label message: name (1) and value (2), bytes; missing ones are empty. */
static inline int
wire_label(const uint8_t *p, size_t n, struct lab *l)
{
	const uint8_t *end = p + n;
	struct wf f;
	int r;

	l->k = l->v = (const uint8_t *)"";
	l->kn = l->vn = 0;
	while ((r = next_field(&p, end, &f)) > 0) {
		if (f.num != 1 && f.num != 2)
			continue;
		if (f.wt != 2)
			return -1;
		if (f.num == 1)
			l->k = f.p, l->kn = f.n;
		else
			l->v = f.p, l->vn = f.n;
	}
	return r;
}

/* A Sample message: value (1, double) and timestamp (2, int64). */
static inline int
wire_sample(const uint8_t *p, size_t n, double *v, int64_t *t)
{
	const uint8_t *end = p + n;
	struct wf f;
	int r;

	*v = 0;
	*t = 0;
	while ((r = next_field(&p, end, &f)) > 0) {
		if (f.num == 1) {
			if (f.wt != 1)
				return -1;
			memcpy(v, &f.v, sizeof *v);
		} else if (f.num == 2) {
			if (f.wt != 0)
				return -1;
			*t = (int64_t)f.v;
		}
	}
	return r;
}

static void
note_bad(srw_rw_stats *st, const char *why, const struct lab *l, size_t n)
{
	size_t i, k, j;
	char *p = st->first_bad, *e = st->first_bad + sizeof st->first_bad - 1;

	if (*p)
		return;
	p += snprintf(p, (size_t)(e - p), "%s: {", why);
	for (i = 0; i < n && p < e; i++) {
		for (k = 0; k < 2 && p < e; k++) {
			const uint8_t *s = k ? l[i].v : l[i].k;
			size_t sn = k ? l[i].vn : l[i].kn;

			for (j = 0; j < sn && p < e; j++)
				*p++ = s[j] >= ' ' && s[j] < 127 ? (char)s[j] : '?';
			if (p < e)
				*p++ = k == 0 ? '=' : i + 1 < n ? ',' : '}';
		}
	}
	*p = '\0';
}

/* What a request's series pass learnt: a new histogram family, and a
 * _sum or _count typed before its family was known (then the pass runs
 * again, so the order of series in a request does not matter). */
struct pass {
	bool learnt, guessed;
};

/*
 * One TimeSeries message, walked once: structure (a malformed series fails
 * the request), then the checks Prometheus makes, then its samples as point
 * lines.  The part of a line before the timestamp and the part after the
 * value are built once per series (srw_point_jw's format exactly).  Names
 * are [a-zA-Z0-9_:] by then: only values may need escapes.
 */
#define KEEP_SAMPLES 64	/* more are read again from the wire */
static int
series(srw_rw_dec *d, const uint8_t *sp, size_t sn, srw_buf *out, srw_rw_stats *st,
    struct pass *ps)
{
	struct lab raw[SRW_POINT_MAXLABELS + 2], lab[SRW_POINT_MAXLABELS];
	struct { double v; int64_t t; } smp[KEEP_SAMPLES];
	const uint8_t *p = sp, *end = sp + sn;
	const struct lab *name = NULL, *le = NULL;
	srw_buf *pre = &d->pre, *post = &d->post;
	size_t i, n = 0, nraw = 0, nsamples = 0, base, seen = 0;
	enum srw_ptype type;
	bool any = false, sorted = true, too_many = false;
	struct wf f;
	int r;

	while ((r = next_field(&p, end, &f)) > 0) {
		if (f.num >= 1 && f.num <= 4 && f.wt != 2)
			return -1;
		if (f.num == 1) {
			struct lab l;

			if (wire_label(f.p, f.n, &l) != 0)
				return -1;
			if (nraw < sizeof raw / sizeof *raw)
				raw[nraw++] = l;
			else
				too_many = true;
		} else if (f.num == 2) {
			double v;
			int64_t t;

			if (wire_sample(f.p, f.n, &v, &t) != 0)
				return -1;
			if (nsamples < KEEP_SAMPLES)
				smp[nsamples].v = v, smp[nsamples].t = t;
			nsamples++;
		} else if (f.num == 3) {
			st->exemplars++;
		} else if (f.num == 4) {
			st->histograms++;
		}
	}
	if (r < 0)
		return -1;
	if (nsamples == 0)
		return 0;
	if (too_many || nraw > SRW_POINT_MAXLABELS + 1) {
		st->too_many_labels++;
		note_bad(st, "too many labels", raw, nraw);
		return 0;
	}
	for (i = 0; i < nraw; i++) {
		const struct lab *l = &raw[i];
		bool metric = l->kn == 8 && memcmp(l->k, "__name__", 8) == 0, esc = false;

		if (!name_ok(l->k, l->kn, false) || !utf8_ok(l->v, l->vn, &esc) ||
		    (metric && !name_ok(l->v, l->vn, true))) {
			st->invalid++;
			note_bad(st, metric ? "invalid metric name" : "invalid label", raw, nraw);
			return 0;
		}
		if (metric) {
			if (name) {
				st->invalid++;
				note_bad(st, "repeated label name", raw, nraw);
				return 0;
			}
			name = l;
			continue;
		}
		if (l->vn == 0)
			continue;	/* an empty label is no label */
		if (n == SRW_POINT_MAXLABELS) {
			st->too_many_labels++;
			note_bad(st, "too many labels", raw, nraw);
			return 0;
		}
		lab[n] = *l;
		lab[n].esc = esc;
		if (n && lab_cmp(&lab[n - 1], &lab[n]) >= 0)
			sorted = false;	/* Prometheus sends them sorted */
		n++;
	}
	if (!name) {
		st->invalid++;
		note_bad(st, "no metric name", raw, nraw);
		return 0;
	}
	if (!sorted) {
		qsort(lab, n, sizeof *lab, lab_cmp);
		for (i = 1; i < n; i++)
			if (lab_cmp(&lab[i - 1], &lab[i]) == 0) {
				st->invalid++;
				note_bad(st, "repeated label name", raw, nraw);
				return 0;
			}
	}
	for (i = 0; i < n; i++)
		if (lab[i].kn == 2 && lab[i].k[0] == 'l' && lab[i].k[1] == 'e')
			le = &lab[i];
	/* a _bucket with le tells its family is a histogram */
	if (le && suffix((const char *)name->v, name->vn, "_bucket", &base) &&
	    !srw_rw_types_get(d->types, (const char *)name->v, base) &&
	    srw_rw_types_put(d->types, (const char *)name->v, base, MT_HISTOGRAM, true))
		ps->learnt = true;
	type = type_of(d->types, (const char *)name->v, name->vn, le != NULL, &ps->guessed);

	srw_buf_reset(pre);
	srw_buf_add(pre, "{\"name\":", 8);
	put_str(pre, name->v, name->vn, false);
	srw_buf_add(pre, ",\"labels\":{", 11);
	for (i = 0; i < n; i++) {
		if (i)
			srw_buf_addc(pre, ',');
		put_str(pre, lab[i].k, lab[i].kn, false);
		srw_buf_addc(pre, ':');
		put_str(pre, lab[i].v, lab[i].vn, lab[i].esc);
	}
	srw_buf_add(pre, "},\"ts\":", 7);
	srw_buf_reset(post);
	srw_buf_add(post, ",\"type\":\"", 9);
	srw_buf_adds(post, srw_point_type_name(type));
	srw_buf_addc(post, '"');
	if (type == SRW_PT_HISTOGRAM) {
		srw_buf_add(post, ",\"le\":", 6);
		put_str(post, le->v, le->vn, le->esc);
	}
	srw_buf_add(post, "}\n", 2);

	for (i = 0, p = sp; i < nsamples; i++) {
		double v;
		int64_t t;
		uint64_t bits;

		if (i < KEEP_SAMPLES) {
			v = smp[i].v;
			t = smp[i].t;
		} else {	/* the (i+1)th Sample from the wire, checked above */
			while (seen <= i && next_field(&p, end, &f) > 0)
				seen += f.num == 2;
			wire_sample(f.p, f.n, &v, &t);
		}
		memcpy(&bits, &v, sizeof bits);
		if (bits == STALE_NAN) {
			st->stale++;
			continue;
		}
		if (t > MAX_TS || t < -MAX_TS) {
			st->out_of_bounds++;	/* a point's ts is read as a double */
			note_bad(st, "timestamp out of bounds", raw, nraw);
			continue;
		}
		srw_buf_grow(out, pre->len + post->len + 48);
		memcpy(out->s + out->len, pre->s, pre->len);
		out->len += pre->len;
		srw_buf_add_jint(out, t);
		srw_buf_add(out, ",\"value\":", 9);
		put_value(out, v);
		srw_buf_add(out, post->s, post->len);
		st->samples++;
		any = true;
	}
	st->series += any;
	return 0;
}

/* The request's metadata (3) before its series, and its top-level
 * structure: timeseries (1) and metadata are length-delimited. */
static int
learn(srw_rw_dec *d, const uint8_t *p, const uint8_t *end, srw_rw_stats *st)
{
	struct wf f, g;
	int r;

	while ((r = next_field(&p, end, &f)) > 0) {
		if ((f.num == 1 || f.num == 3) && f.wt != 2)
			return -1;
		if (f.num == 3) {	/* MetricMetadata: type (1), family name (2) */
			const uint8_t *q = f.p, *qe = f.p + f.n, *fam = NULL;
			size_t famn = 0;
			uint64_t type = 0;

			while ((r = next_field(&q, qe, &g)) > 0) {
				if ((g.num == 1 && g.wt != 0) ||
				    ((g.num == 2 || g.num == 4 || g.num == 5) && g.wt != 2))
					return -1;
				if (g.num == 1)
					type = g.v;
				else if (g.num == 2)
					fam = g.p, famn = g.n;
			}
			if (r < 0)
				return -1;
			st->metadata++;
			if (type >= MT_COUNTER && type <= MT_SUMMARY && name_ok(fam, famn, true))
				srw_rw_types_put(d->types, (const char *)fam, famn, (int)type, false);
		}
	}
	return r;
}

srw_rw_dec *
srw_rw_dec_new(srw_rw_types *types, size_t max_raw)
{
	srw_rw_dec *d = srw_xcalloc(1, sizeof *d);

	d->types = types;
	d->max_raw = max_raw;
	srw_buf_init(&d->raw);
	srw_buf_init(&d->pre);
	srw_buf_init(&d->post);
	return d;
}

void
srw_rw_dec_free(srw_rw_dec *d)
{
	if (!d)
		return;
	srw_buf_free(&d->raw);
	srw_buf_free(&d->pre);
	srw_buf_free(&d->post);
	free(d);
}

int
srw_rw_decode(srw_rw_dec *d, const void *body, size_t len, srw_buf *out, srw_rw_stats *st,
    char *err, size_t errsz)
{
	const uint8_t *p, *end;
	size_t out0 = out->len;
	srw_rw_stats st0;
	struct pass ps = { false, false };
	struct wf f;
	int rc, pass;

	pthread_once(&cclass_once, cclass_init);
	memset(st, 0, sizeof *st);
	if ((rc = srw_rw_unsnappy(body, len, d->max_raw, &d->raw, err, errsz)) != 0)
		return rc;
	end = (const uint8_t *)d->raw.s + d->raw.len;
	if (learn(d, (const uint8_t *)d->raw.s, end, st) != 0)
		goto bad;
	st0 = *st;
	for (pass = 0; pass < 2; pass++) {
		p = (const uint8_t *)d->raw.s;
		while ((rc = next_field(&p, end, &f)) > 0)
			if (f.num == 1 && series(d, f.p, f.n, out, st, &ps) != 0)
				goto bad;
		if (rc < 0)
			goto bad;
		if (!(ps.learnt && ps.guessed))
			break;
		/* a histogram learnt after one of its _sum or _count was typed */
		out->len = out0;
		*st = st0;
		ps.learnt = ps.guessed = false;
	}
	if (d->raw.cap > (8u << 20))	/* keep a big request's memory no longer */
		srw_buf_free(&d->raw);
	return 0;
bad:
	out->len = out0;	/* nothing of a malformed request */
	if (out->s)
		out->s[out0] = '\0';
	{
		srw_rw_stats keep = *st;

		memset(st, 0, sizeof *st);
		st->metadata = keep.metadata;
	}
	snprintf(err, errsz, "malformed protobuf WriteRequest");
	return -1;
}
