/* remotewrite.c - Prometheus remote write 1.0 (snappy block format around a
 * protobuf WriteRequest) to metric points, and back for tests and benches.
 * protobuf-c decodes (lib/prompb.pb-c.c, generated from lib/prompb.proto)
 * into a per-thread arena, so a request costs a few allocations, not one
 * per label. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>

#include "srw.h"
#include "prompb.pb-c.h"

#define STALE_NAN 0x7ff0000000000002ULL	/* Prometheus's staleness marker */
#define MAX_TS (INT64_C(1) << 53)	/* ms: exact as a double, year 287396 */

/* ---- the arena protobuf-c allocates from ---------------------------------- */

struct arena {
	char *base, *cur, *end;
	size_t want;		/* bytes the last request needed in all */
	struct big { struct big *next; } *bigs;	/* overflow blocks */
};

/* What a decoder keeps between requests (one per thread at a time). */
struct srw_rw_dec {
	struct arena arena;
	srw_buf raw, pre, post;
	srw_rw_types *types;
	size_t max_raw;
};

static void *
a_alloc(void *d, size_t n)
{
	struct arena *a = d;
	struct big *b;

	n = (n + 15) & ~(size_t)15;
	a->want += n;
	if (a->cur && (size_t)(a->end - a->cur) >= n) {
		void *p = a->cur;

		a->cur += n;
		return p;
	}
	b = srw_xmalloc(sizeof *b + 16 + n);	/* the rest of this request */
	b->next = a->bigs;
	a->bigs = b;
	return (char *)b + 16;
}

static void
a_free(void *d, void *p)
{
	(void)d;
	(void)p;	/* all at once in a_reset */
}

/* Before a request: one block as large as the last request needed, so a
 * steady stream allocates nothing; more than 64 MiB is not kept. */
static void
a_reset(struct arena *a)
{
	struct big *b, *n;
	size_t want = a->want;

	for (b = a->bigs; b; b = n) {
		n = b->next;
		free(b);
	}
	a->bigs = NULL;
	if (want > (size_t)(a->end - a->base) || (a->base && want == 0)) {
		free(a->base);
		a->base = a->cur = a->end = NULL;
		if (want > 0 && want <= (64u << 20)) {
			a->base = srw_xmalloc(want + want / 4);
			a->end = a->base + want + want / 4;
		}
	}
	a->cur = a->base;
	a->want = 0;
}

/* ---- the type cache -------------------------------------------------------- */

struct srw_rw_types {
	pthread_rwlock_t mu;
	size_t cap, n, max;
	char **k;
	unsigned char *v;
};

srw_rw_types *
srw_rw_types_new(size_t max)
{
	srw_rw_types *t = srw_xcalloc(1, sizeof *t);

	pthread_rwlock_init(&t->mu, NULL);
	t->max = max ? max : 100000;
	for (t->cap = 64; t->cap < 2 * t->max; t->cap *= 2)
		;
	t->k = srw_xcalloc(t->cap, sizeof *t->k);
	t->v = srw_xcalloc(t->cap, 1);
	return t;
}

void
srw_rw_types_free(srw_rw_types *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->cap; i++)
		free(t->k[i]);
	free(t->k);
	free(t->v);
	pthread_rwlock_destroy(&t->mu);
	free(t);
}

size_t
srw_rw_types_count(srw_rw_types *t)
{
	size_t n;

	pthread_rwlock_rdlock(&t->mu);
	n = t->n;
	pthread_rwlock_unlock(&t->mu);
	return n;
}

static size_t
slot(const srw_rw_types *t, const char *k, size_t n)
{
	size_t i = (size_t)srw_hash64(k, n, SRW_HASH_SEED) & (t->cap - 1);

	while (t->k[i] && !(strncmp(t->k[i], k, n) == 0 && t->k[i][n] == '\0'))
		i = (i + 1) & (t->cap - 1);
	return i;
}

/* 0 when unknown, else 1 + the metadata type. */
static int
types_get(srw_rw_types *t, const char *k, size_t n)
{
	int v;

	if (!t)
		return 0;
	pthread_rwlock_rdlock(&t->mu);
	v = t->v[slot(t, k, n)];
	pthread_rwlock_unlock(&t->mu);
	return v;
}

static void
types_put(srw_rw_types *t, const char *k, size_t n, int type, bool guess)
{
	size_t i;

	if (!t)
		return;
	pthread_rwlock_wrlock(&t->mu);
	i = slot(t, k, n);
	if (t->k[i]) {
		if (!guess)	/* metadata overrides what the names suggested */
			t->v[i] = (unsigned char)(type + 1);
	} else if (t->n < t->max) {
		t->k[i] = srw_xstrndup(k, n);
		t->v[i] = (unsigned char)(type + 1);
		t->n++;
	}
	pthread_rwlock_unlock(&t->mu);
}

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
static enum srw_ptype
type_of(srw_rw_types *types, const char *name, size_t n, bool has_le)
{
	size_t base;
	int t = types_get(types, name, n);

	if (t)
		return t - 1 == MT_COUNTER ? SRW_PT_COUNTER : SRW_PT_GAUGE;
	if (suffix(name, n, "_bucket", &base) || suffix(name, n, "_sum", &base) ||
	    suffix(name, n, "_count", &base) || suffix(name, n, "_total", &base)) {
		bool bucket = name[base + 1] == 'b', total = name[base + 1] == 't';

		switch (types_get(types, name, base) - 1) {
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

static void
note_bad(srw_rw_stats *st, const char *why, const Prometheus__TimeSeries *ts)
{
	size_t i, k;
	char *p = st->first_bad, *e = st->first_bad + sizeof st->first_bad - 1;

	if (*p)
		return;
	p += snprintf(p, (size_t)(e - p), "%s: {", why);
	for (i = 0; i < ts->n_labels && p < e; i++) {
		const ProtobufCBinaryData *kv[2] = { &ts->labels[i]->name, &ts->labels[i]->value };

		for (k = 0; k < 2 && p < e; k++) {
			for (size_t j = 0; j < kv[k]->len && p < e; j++)
				*p++ = kv[k]->data[j] >= ' ' && kv[k]->data[j] < 127 ? (char)kv[k]->data[j] : '?';
			if (p < e)
				*p++ = k == 0 ? '=' : i + 1 < ts->n_labels ? ',' : '}';
		}
	}
	*p = '\0';
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

/*
 * One series: checked as Prometheus checks it, then its samples as point
 * lines.  The part of a line before the timestamp and the part after the
 * value are built once per series (srw_point_jw's format exactly).  Names
 * are [a-zA-Z0-9_:] by then: only values may need escapes.
 */
static void
series(srw_rw_dec *d, const Prometheus__TimeSeries *ts, srw_buf *out, srw_rw_stats *st)
{
	struct lab lab[SRW_POINT_MAXLABELS];
	const ProtobufCBinaryData *name = NULL;
	const struct lab *le = NULL;
	srw_buf *pre = &d->pre, *post = &d->post;
	size_t i, n = 0;
	enum srw_ptype type;
	bool any = false, sorted = true;

	st->exemplars += ts->n_exemplars;
	st->histograms += ts->n_histograms;
	if (ts->n_samples == 0)
		return;
	if (ts->n_labels > SRW_POINT_MAXLABELS + 1) {
		st->too_many_labels++;
		note_bad(st, "too many labels", ts);
		return;
	}
	for (i = 0; i < ts->n_labels; i++) {
		const ProtobufCBinaryData *k = &ts->labels[i]->name, *v = &ts->labels[i]->value;
		bool metric = k->len == 8 && memcmp(k->data, "__name__", 8) == 0, esc = false;

		if (!name_ok(k->data, k->len, false) || !utf8_ok(v->data, v->len, &esc) ||
		    (metric && !name_ok(v->data, v->len, true))) {
			st->invalid++;
			note_bad(st, metric ? "invalid metric name" : "invalid label", ts);
			return;
		}
		if (metric) {
			if (name) {
				st->invalid++;
				note_bad(st, "repeated label name", ts);
				return;
			}
			name = v;
			continue;
		}
		if (v->len == 0)
			continue;	/* an empty label is no label */
		if (n == SRW_POINT_MAXLABELS) {
			st->too_many_labels++;
			note_bad(st, "too many labels", ts);
			return;
		}
		lab[n] = (struct lab){ k->data, v->data, k->len, v->len, esc };
		if (n && lab_cmp(&lab[n - 1], &lab[n]) >= 0)
			sorted = false;	/* Prometheus sends them sorted */
		n++;
	}
	if (!name) {
		st->invalid++;
		note_bad(st, "no metric name", ts);
		return;
	}
	if (!sorted) {
		qsort(lab, n, sizeof *lab, lab_cmp);
		for (i = 1; i < n; i++)
			if (lab_cmp(&lab[i - 1], &lab[i]) == 0) {
				st->invalid++;
				note_bad(st, "repeated label name", ts);
				return;
			}
	}
	for (i = 0; i < n; i++)
		if (lab[i].kn == 2 && lab[i].k[0] == 'l' && lab[i].k[1] == 'e')
			le = &lab[i];
	type = type_of(d->types, (const char *)name->data, name->len, le != NULL);

	srw_buf_reset(pre);
	srw_buf_add(pre, "{\"name\":", 8);
	put_str(pre, name->data, name->len, false);
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

	for (i = 0; i < ts->n_samples; i++) {
		double v = ts->samples[i]->value;
		int64_t t = ts->samples[i]->timestamp;
		uint64_t bits;

		memcpy(&bits, &v, sizeof bits);
		if (bits == STALE_NAN) {
			st->stale++;
			continue;
		}
		if (t > MAX_TS || t < -MAX_TS) {
			st->out_of_bounds++;	/* a point's ts is read as a double */
			note_bad(st, "timestamp out of bounds", ts);
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
}

/* Names of the request: metadata first, then what _bucket series with le
 * tell (their _sum and _count are then counters whatever their order). */
static void
learn(const Prometheus__WriteRequest *wr, srw_rw_types *types, srw_rw_stats *st)
{
	size_t i, j, base;

	for (i = 0; i < wr->n_metadata; i++) {
		const Prometheus__MetricMetadata *m = wr->metadata[i];

		st->metadata++;
		if ((int)m->type >= MT_COUNTER && (int)m->type <= MT_SUMMARY &&
		    name_ok(m->metric_family_name.data, m->metric_family_name.len, true))
			types_put(types, (const char *)m->metric_family_name.data,
			    m->metric_family_name.len, (int)m->type, false);
	}
	for (i = 0; i < wr->n_timeseries; i++) {
		const Prometheus__TimeSeries *ts = wr->timeseries[i];
		const ProtobufCBinaryData *nm = NULL;
		bool le = false;

		for (j = 0; j < ts->n_labels; j++) {
			const ProtobufCBinaryData *k = &ts->labels[j]->name;

			if (k->len == 8 && memcmp(k->data, "__name__", 8) == 0)
				nm = &ts->labels[j]->value;
			else if (k->len == 2 && memcmp(k->data, "le", 2) == 0)
				le = true;
		}
		if (le && nm && name_ok(nm->data, nm->len, true) &&
		    suffix((const char *)nm->data, nm->len, "_bucket", &base) &&
		    !types_get(types, (const char *)nm->data, base))
			types_put(types, (const char *)nm->data, base, MT_HISTOGRAM, true);
	}
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
	free(d->arena.base);
	for (struct big *b = d->arena.bigs, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	srw_buf_free(&d->raw);
	srw_buf_free(&d->pre);
	srw_buf_free(&d->post);
	free(d);
}

int
srw_rw_decode(srw_rw_dec *d, const void *body, size_t len, srw_buf *out, srw_rw_stats *st,
    char *err, size_t errsz)
{
	ProtobufCAllocator alloc = { a_alloc, a_free, &d->arena };
	Prometheus__WriteRequest *wr;
	size_t i;
	int rc;

	pthread_once(&cclass_once, cclass_init);
	memset(st, 0, sizeof *st);
	if ((rc = srw_rw_unsnappy(body, len, d->max_raw, &d->raw, err, errsz)) != 0)
		return rc;
	a_reset(&d->arena);
	wr = prometheus__write_request__unpack(&alloc, d->raw.len, (const uint8_t *)d->raw.s);
	if (!wr) {
		snprintf(err, errsz, "malformed protobuf WriteRequest");
		return -1;
	}
	learn(wr, d->types, st);
	for (i = 0; i < wr->n_timeseries; i++)
		series(d, wr->timeseries[i], out, st);
	if (d->raw.cap > (8u << 20))	/* keep a big request's memory no longer */
		srw_buf_free(&d->raw);
	return 0;
}

long
srw_rw_count_samples(srw_rw_dec *d, const void *raw, size_t len)
{
	ProtobufCAllocator alloc = { a_alloc, a_free, &d->arena };
	Prometheus__WriteRequest *wr;
	long n = 0;
	size_t i;

	a_reset(&d->arena);
	if (!(wr = prometheus__write_request__unpack(&alloc, len, raw)))
		return -1;
	for (i = 0; i < wr->n_timeseries; i++)
		n += (long)wr->timeseries[i]->n_samples;
	return n;
}

/* ---- encoding (tests, benches) ------------------------------------------------ */

struct enc_series {
	char *key;
	Prometheus__TimeSeries ts;
};

/* Series by key: open addressing over indexes + 1 (0 is empty). */
struct enc_index {
	size_t *slot, cap, n;
};

static size_t
find_series(const struct enc_index *ix, const struct enc_series *sv, const char *key)
{
	size_t i;

	if (!ix->cap)
		return ix->n;
	for (i = srw_hash_str(key) & (ix->cap - 1); ix->slot[i]; i = (i + 1) & (ix->cap - 1))
		if (strcmp(sv[ix->slot[i] - 1].key, key) == 0)
			return ix->slot[i] - 1;
	return ix->n;
}

static void
index_add(struct enc_index *ix, const struct enc_series *sv, size_t at)
{
	size_t i, k;

	if (2 * (ix->n + 1) > ix->cap) {
		free(ix->slot);
		ix->cap = ix->cap ? 2 * ix->cap : 1024;
		ix->slot = srw_xcalloc(ix->cap, sizeof *ix->slot);
		for (k = 0; k < ix->n; k++) {
			for (i = srw_hash_str(sv[k].key) & (ix->cap - 1); ix->slot[i];
			    i = (i + 1) & (ix->cap - 1))
				;
			ix->slot[i] = k + 1;
		}
	}
	for (i = srw_hash_str(sv[at].key) & (ix->cap - 1); ix->slot[i]; i = (i + 1) & (ix->cap - 1))
		;
	ix->slot[i] = at + 1;
	ix->n++;
}

int
srw_rw_encode_points(const char *text, size_t len, srw_buf *body, char *err, size_t errsz)
{
	Prometheus__WriteRequest wr = PROMETHEUS__WRITE_REQUEST__INIT;
	struct enc_series *sv = NULL;
	struct enc_index ix = { 0 };
	size_t nsv = 0, i, j, cap = 0;
	Prometheus__MetricMetadata *md = NULL;
	size_t nmd = 0;
	const char *p = text, *end = text + len;
	srw_point pt;
	uint8_t *packed;
	size_t plen, clen;
	int rc = 0;
	long lineno = 0;

	srw_point_init(&pt);
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		srw_val *rec;
		srw_buf key;

		lineno++;
		if (ll == 0) {
			p += 1;
			continue;
		}
		if (!(rec = srw_val_parse(p, ll)) ||
		    srw_point_read(&pt, rec, err, errsz) != 0) {
			if (!rec)
				snprintf(err, errsz, "line %ld: not JSON", lineno);
			srw_val_free(rec);
			rc = -1;
			break;
		}
		srw_buf_init(&key);
		srw_buf_printf(&key, "%s{%s}", pt.name, pt.key.s ? pt.key.s : "");
		i = find_series(&ix, sv, key.s);
		if (i == nsv) {
			Prometheus__TimeSeries *ts;

			if (nsv == cap)
				sv = srw_xrealloc(sv, (cap = cap ? 2 * cap : 64) * sizeof *sv);
			ts = &sv[nsv].ts;
			prometheus__time_series__init(ts);
			sv[nsv].key = key.s;
			ts->n_labels = pt.nlabels + 1;
			ts->labels = srw_xcalloc(ts->n_labels, sizeof *ts->labels);
			for (j = 0; j < ts->n_labels; j++) {
				Prometheus__Label *l = srw_xmalloc(sizeof *l);
				const char *k = j ? pt.labels[j - 1].k : "__name__";
				const char *v = j ? pt.labels[j - 1].v : pt.name;

				prometheus__label__init(l);
				l->name.data = (uint8_t *)srw_xstrdup(k);
				l->name.len = strlen(k);
				l->value.data = (uint8_t *)srw_xstrdup(v);
				l->value.len = strlen(v);
				ts->labels[j] = l;
			}
			if (pt.type != SRW_PT_GAUGE || nmd < 1000) {
				size_t fl = strlen(pt.name), b;
				int mt = pt.type == SRW_PT_COUNTER ? MT_COUNTER :
				    pt.type == SRW_PT_HISTOGRAM ? MT_HISTOGRAM : MT_GAUGE;

				if (mt == MT_HISTOGRAM && suffix(pt.name, fl, "_bucket", &b))
					fl = b;
				for (j = 0; j < nmd && !(md[j].metric_family_name.len == fl &&
				    memcmp(md[j].metric_family_name.data, pt.name, fl) == 0); j++)
					;
				if (j == nmd) {
					md = srw_xrealloc(md, (nmd + 1) * sizeof *md);
					prometheus__metric_metadata__init(&md[nmd]);
					md[nmd].type = (Prometheus__MetricMetadata__MetricType)mt;
					md[nmd].metric_family_name.data = (uint8_t *)srw_xstrndup(pt.name, fl);
					md[nmd].metric_family_name.len = fl;
					nmd++;
				}
			}
			nsv++;
			index_add(&ix, sv, nsv - 1);
		} else {
			srw_buf_free(&key);
		}
		Prometheus__TimeSeries *ts = &sv[i].ts;
		Prometheus__Sample *s = srw_xmalloc(sizeof *s);

		prometheus__sample__init(s);
		s->value = pt.value;
		s->timestamp = pt.ts;
		ts->samples = srw_xrealloc(ts->samples, (ts->n_samples + 1) * sizeof *ts->samples);
		ts->samples[ts->n_samples++] = s;
		srw_val_free(rec);
		p += ll + 1;
	}
	if (rc == 0) {
		wr.n_timeseries = nsv;
		wr.timeseries = srw_xcalloc(nsv ? nsv : 1, sizeof *wr.timeseries);
		for (i = 0; i < nsv; i++)
			wr.timeseries[i] = &sv[i].ts;
		wr.n_metadata = nmd;
		wr.metadata = srw_xcalloc(nmd ? nmd : 1, sizeof *wr.metadata);
		for (i = 0; i < nmd; i++)
			wr.metadata[i] = &md[i];
		plen = prometheus__write_request__get_packed_size(&wr);
		packed = srw_xmalloc(plen + 1);
		prometheus__write_request__pack(&wr, packed);
		clen = snappy_max_compressed_length(plen);
		srw_buf_reset(body);
		srw_buf_grow(body, clen + 1);
		if (snappy_compress((const char *)packed, plen, body->s, &clen) != SNAPPY_OK) {
			snprintf(err, errsz, "snappy_compress failed");
			rc = -1;
		} else {
			body->len = clen;
		}
		free(packed);
		free(wr.timeseries);
		free(wr.metadata);
	}
	for (i = 0; i < nsv; i++) {
		Prometheus__TimeSeries *ts = &sv[i].ts;

		for (j = 0; j < ts->n_labels; j++) {
			free(ts->labels[j]->name.data);
			free(ts->labels[j]->value.data);
			free(ts->labels[j]);
		}
		for (j = 0; j < ts->n_samples; j++)
			free(ts->samples[j]);
		free(ts->labels);
		free(ts->samples);
		free(sv[i].key);
	}
	for (i = 0; i < nmd; i++)
		free(md[i].metric_family_name.data);
	free(md);
	free(sv);
	free(ix.slot);
	srw_point_free(&pt);
	return rc;
}
