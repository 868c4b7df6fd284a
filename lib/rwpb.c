/* rwpb.c - the protobuf-c side of remote write: the reference decode
 * (canonical re-encoding) lib/remotewrite.c's wire decoder is fuzzed
 * against, the parse-only floor of the benchmark, and an encoder of metric
 * points into requests for tests and benches.  Generated code:
 * lib/prompb.pb-c.c from lib/prompb.proto. */
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>

#include "srw.h"
#include "prompb.pb-c.h"

enum { MT_COUNTER = 1, MT_GAUGE = 2, MT_HISTOGRAM = 3 };

/* ---- the arena protobuf-c allocates from ---------------------------------- */

struct arena {
	char *base, *cur, *end;
	size_t want;		/* bytes the last request needed in all */
	struct big { struct big *next; } *bigs;	/* overflow blocks */
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

/* Before a parse: one block as large as the last request needed, so a
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

static __thread struct arena arena;	/* freed by srw_rwpb_free_thread */

void
srw_rwpb_free_thread(void)
{
	a_reset(&arena);
	a_reset(&arena);	/* the second time nothing was wanted: all freed */
}

long
srw_rwpb_count_samples(const void *raw, size_t len)
{
	ProtobufCAllocator alloc = { a_alloc, a_free, &arena };
	Prometheus__WriteRequest *wr;
	long n = 0;
	size_t i;

	a_reset(&arena);
	if (!(wr = prometheus__write_request__unpack(&alloc, len, raw)))
		return -1;
	for (i = 0; i < wr->n_timeseries; i++)
		n += (long)wr->timeseries[i]->n_samples;
	return n;
}

int
srw_rwpb_canonical(const void *raw, size_t len, srw_buf *out)
{
	ProtobufCAllocator alloc = { a_alloc, a_free, &arena };
	Prometheus__WriteRequest *wr;
	size_t n;

	a_reset(&arena);
	if (!(wr = prometheus__write_request__unpack(&alloc, len, raw)))
		return -1;
	n = prometheus__write_request__get_packed_size(wr);
	srw_buf_reset(out);
	srw_buf_grow(out, n + 1);
	out->len = prometheus__write_request__pack(wr, (uint8_t *)out->s);
	out->s[out->len] = '\0';
	return 0;
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
srw_rwpb_encode_points(const char *text, size_t len, srw_buf *body, char *err, size_t errsz)
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
		srw_buf_printf(&key, "%s{%s}", pt.name, pt.key.len ? pt.key.s : "");
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
