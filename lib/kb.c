/* kb.c - search over a small document set (the Knowledge Lake), in memory.
 *
 * Three modes, as the Knowledge Lake server offers:
 *  - fulltext: Okapi BM25 (k1 1.2, b 0.75) over words; CamelCase alert names
 *    are also split into their parts ("FEHeapUsageTooHigh" matches "heap").
 *  - vector: cosine similarity of hashed character 3-gram TF-IDF vectors
 *    (4096 dimensions, sublinear tf, smoothed idf, L2-normalised): a local
 *    stand-in for an embedding model that needs no network and no weights,
 *    robust to spelling and word-form differences.  Vectors from an
 *    embedding endpoint can be set instead (srw_kb_set_vectors).
 *  - hybrid: reciprocal rank fusion of both rankings, score = sum of
 *    1 / (60 + rank).
 * Sized for thousands of documents: scoring is a scan. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"

#define DIM 4096
#define RRF_K 60.0

struct term {
	uint64_t h;
	unsigned tf;
};

struct doc {
	struct term *terms;	/* sorted by h */
	size_t nterms;
	unsigned len;		/* words */
	float *vec;		/* DIM (or the external dimension) */
	unsigned short *grams;	/* raw n-gram counts, until build */
};

struct srw_kb {
	struct doc *docs;
	size_t n, cap;
	struct term *df;	/* h -> document frequency, sorted */
	size_t ndf;
	double avglen;
	float gidf[DIM];
	size_t dim;		/* of the vectors in use */
	bool built, external;
};

static const char *const stop[] = {
	"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is",
	"it", "of", "on", "or", "the", "this", "to", "was", "with", "what", "when",
	"how", "why", "which", "that", "not", "no", NULL,
};

static bool
is_stop(const char *w)
{
	const char *const *p;

	for (p = stop; *p; p++)
		if (strcmp(*p, w) == 0)
			return true;
	return false;
}

typedef void (*word_fn)(const char *w, size_t n, void *ctx);

static void
emit(const char *w, size_t n, word_fn fn, void *ctx)
{
	char buf[64];
	size_t i;

	if (n == 0 || n >= sizeof buf)
		return;
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)w[i]);
	buf[n] = '\0';
	if (is_stop(buf))
		return;
	/* a light plural strip: disks -> disk, alerts -> alert */
	if (n > 3 && buf[n - 1] == 's' && buf[n - 2] != 's')
		buf[--n] = '\0';
	fn(buf, n, ctx);
}

/* Words: runs of letters and digits; a word with inner capitals also gives
 * its CamelCase parts (an upper-case run stays one part: "FE", "BE"). */
static void
words(const char *s, word_fn fn, void *ctx)
{
	const char *p = s;

	while (*p) {
		const char *w;
		size_t n, i, start;

		while (*p && !isalnum((unsigned char)*p))
			p++;
		w = p;
		while (*p && isalnum((unsigned char)*p))
			p++;
		n = (size_t)(p - w);
		if (!n)
			continue;
		emit(w, n, fn, ctx);
		for (i = 1, start = 0; i <= n; i++) {
			bool cut = i == n;

			if (!cut && isupper((unsigned char)w[i]) &&
			    (islower((unsigned char)w[i - 1]) ||
			    (i + 1 < n && islower((unsigned char)w[i + 1]) && isupper((unsigned char)w[i - 1]))))
				cut = true;
			if (!cut && isdigit((unsigned char)w[i]) != isdigit((unsigned char)w[i - 1]))
				cut = true;
			if (cut) {
				if (start > 0 || i < n)
					emit(w + start, i - start, fn, ctx);
				start = i;
			}
		}
	}
}

struct collect {
	struct term *t;
	size_t n, cap;
	unsigned len;
};

static void
collect_word(const char *w, size_t n, void *ctx)
{
	struct collect *c = ctx;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->t = srw_xrealloc(c->t, c->cap * sizeof *c->t);
	}
	c->t[c->n].h = srw_hash64(w, n, SRW_HASH_SEED);
	c->t[c->n].tf = 1;
	c->n++;
	c->len++;
}

static int
cmp_term(const void *a, const void *b)
{
	uint64_t x = ((const struct term *)a)->h, y = ((const struct term *)b)->h;

	return x < y ? -1 : x > y;
}

/* Sorted unique terms with counts. */
static void
terms_of(const char *s, struct collect *c)
{
	size_t i, j;

	memset(c, 0, sizeof *c);
	words(s, collect_word, c);
	if (!c->n)
		return;
	qsort(c->t, c->n, sizeof *c->t, cmp_term);
	for (i = 1, j = 0; i < c->n; i++) {
		if (c->t[i].h == c->t[j].h)
			c->t[j].tf++;
		else
			c->t[++j] = c->t[i];
	}
	c->n = j + 1;
}

static const struct term *
find(const struct term *t, size_t n, uint64_t h)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t[mid].h == h)
			return &t[mid];
		if (t[mid].h < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Character 3-grams of the text folded to lower-case words separated by one
 * space, counted into DIM buckets. */
static void
grams_of(const char *s, unsigned short *g)
{
	srw_buf f;
	const char *p;
	size_t i;

	srw_buf_init(&f);
	srw_buf_addc(&f, ' ');
	for (p = s; *p; p++) {
		if (isalnum((unsigned char)*p))
			srw_buf_addc(&f, (char)tolower((unsigned char)*p));
		else if (f.s[f.len - 1] != ' ')
			srw_buf_addc(&f, ' ');
	}
	if (f.s[f.len - 1] != ' ')
		srw_buf_addc(&f, ' ');
	for (i = 0; i + 3 <= f.len; i++) {
		unsigned b = (unsigned)(srw_hash64(f.s + i, 3, SRW_HASH_SEED) % DIM);

		if (g[b] < 65535)
			g[b]++;
	}
	srw_buf_free(&f);
}

static void
weigh(const unsigned short *g, const float *idf, float *v)
{
	double norm = 0;
	size_t i;

	for (i = 0; i < DIM; i++) {
		v[i] = g[i] ? (float)((1 + log(g[i])) * idf[i]) : 0;
		norm += (double)v[i] * v[i];
	}
	if (norm > 0) {
		norm = sqrt(norm);
		for (i = 0; i < DIM; i++)
			v[i] = (float)(v[i] / norm);
	}
}

srw_kb *
srw_kb_new(void)
{
	srw_kb *kb = srw_xcalloc(1, sizeof *kb);

	kb->dim = DIM;
	return kb;
}

size_t
srw_kb_count(const srw_kb *kb)
{
	return kb->n;
}

size_t
srw_kb_add(srw_kb *kb, const char *title, const char *body)
{
	struct doc *d;
	struct collect c;
	srw_buf text;

	if (kb->n == kb->cap) {
		kb->cap = kb->cap ? kb->cap * 2 : 32;
		kb->docs = srw_xrealloc(kb->docs, kb->cap * sizeof *kb->docs);
	}
	d = &kb->docs[kb->n];
	memset(d, 0, sizeof *d);
	/* the title counts twice: it says what the document is about */
	srw_buf_init(&text);
	srw_buf_printf(&text, "%s\n%s\n%s", title ? title : "", title ? title : "",
	    body ? body : "");
	terms_of(text.s, &c);
	d->terms = c.t;
	d->nterms = c.n;
	d->len = c.len;
	d->grams = srw_xcalloc(DIM, sizeof *d->grams);
	grams_of(text.s, d->grams);
	srw_buf_free(&text);
	kb->built = false;
	return kb->n++;
}

static void
build(srw_kb *kb)
{
	size_t i, j, total = 0;
	unsigned *gdf;
	struct term *all;
	size_t nall = 0;

	if (kb->built)
		return;
	free(kb->df);
	for (i = 0; i < kb->n; i++)
		total += kb->docs[i].nterms;
	all = srw_xcalloc(total + 1, sizeof *all);
	for (i = 0; i < kb->n; i++)
		for (j = 0; j < kb->docs[i].nterms; j++) {
			all[nall].h = kb->docs[i].terms[j].h;
			all[nall++].tf = 1;
		}
	qsort(all, nall, sizeof *all, cmp_term);
	for (i = 0, j = 0; i < nall; i++) {
		if (j > 0 && all[j - 1].h == all[i].h)
			all[j - 1].tf++;
		else
			all[j++] = all[i];
	}
	kb->df = all;
	kb->ndf = j;
	kb->avglen = 0;
	for (i = 0; i < kb->n; i++)
		kb->avglen += kb->docs[i].len;
	kb->avglen = kb->n ? kb->avglen / kb->n : 1;

	if (!kb->external) {
		gdf = srw_xcalloc(DIM, sizeof *gdf);
		for (i = 0; i < kb->n; i++)
			for (j = 0; j < DIM; j++)
				gdf[j] += kb->docs[i].grams[j] > 0;
		for (j = 0; j < DIM; j++)
			kb->gidf[j] = (float)(log((1.0 + kb->n) / (1.0 + gdf[j])) + 1);
		free(gdf);
		for (i = 0; i < kb->n; i++) {
			free(kb->docs[i].vec);
			kb->docs[i].vec = srw_xmalloc(DIM * sizeof(float));
			weigh(kb->docs[i].grams, kb->gidf, kb->docs[i].vec);
		}
	}
	kb->built = true;
}

static void
normalise(float *v, size_t n)
{
	double norm = 0;
	size_t i;

	for (i = 0; i < n; i++)
		norm += (double)v[i] * v[i];
	if (norm > 0)
		for (norm = sqrt(norm), i = 0; i < n; i++)
			v[i] = (float)(v[i] / norm);
}

int
srw_kb_set_vectors(srw_kb *kb, const float *v, size_t dim)
{
	size_t i;

	if (dim == 0)
		return -1;
	for (i = 0; i < kb->n; i++) {
		free(kb->docs[i].vec);
		kb->docs[i].vec = srw_xmalloc(dim * sizeof(float));
		memcpy(kb->docs[i].vec, v + i * dim, dim * sizeof(float));
		normalise(kb->docs[i].vec, dim);
	}
	kb->dim = dim;
	kb->external = true;
	kb->built = false;
	return 0;
}

static int
cmp_hit(const void *a, const void *b)
{
	const srw_kb_hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* All documents with a positive score, best first; returns the count. */
static size_t
rank_bm25(srw_kb *kb, const char *q, srw_kb_hit *h)
{
	struct collect c;
	size_t i, j, n = 0;

	terms_of(q, &c);
	for (i = 0; i < kb->n; i++) {
		const struct doc *d = &kb->docs[i];
		double s = 0;

		for (j = 0; j < c.n; j++) {
			const struct term *t = find(d->terms, d->nterms, c.t[j].h);
			const struct term *df;
			double idf, tf;

			if (!t || !(df = find(kb->df, kb->ndf, c.t[j].h)))
				continue;
			idf = log(1 + (kb->n - df->tf + 0.5) / (df->tf + 0.5));
			tf = t->tf;
			s += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * d->len / kb->avglen));
		}
		if (s > 0) {
			h[n].doc = i;
			h[n++].score = s;
		}
	}
	free(c.t);
	qsort(h, n, sizeof *h, cmp_hit);
	return n;
}

static size_t
rank_vec(srw_kb *kb, const float *qv, srw_kb_hit *h)
{
	size_t i, j, n = 0;

	for (i = 0; i < kb->n; i++) {
		double s = 0;

		for (j = 0; j < kb->dim; j++)
			s += (double)qv[j] * kb->docs[i].vec[j];
		if (s > 1e-9) {
			h[n].doc = i;
			h[n++].score = s;
		}
	}
	qsort(h, n, sizeof *h, cmp_hit);
	return n;
}

size_t
srw_kb_search_vec(srw_kb *kb, const char *query, const float *qvec,
    enum srw_kb_mode mode, srw_kb_hit *out, size_t max)
{
	srw_kb_hit *a, *b;
	size_t na = 0, nb = 0, i, n = 0;
	float *qv = NULL;

	build(kb);
	if (!kb->n || max == 0)
		return 0;
	if (kb->external && !qvec)
		mode = SRW_KB_FULLTEXT;	/* no query vector: words only */
	a = srw_xcalloc(kb->n, sizeof *a);
	b = srw_xcalloc(kb->n, sizeof *b);
	if (mode != SRW_KB_VECTOR)
		na = rank_bm25(kb, query, a);
	if (mode != SRW_KB_FULLTEXT) {
		if (!qvec) {
			unsigned short *g = srw_xcalloc(DIM, sizeof *g);

			qv = srw_xmalloc(DIM * sizeof(float));
			grams_of(query, g);
			weigh(g, kb->gidf, qv);
			free(g);
		} else {
			qv = srw_xmalloc(kb->dim * sizeof(float));
			memcpy(qv, qvec, kb->dim * sizeof(float));
			normalise(qv, kb->dim);
		}
		qvec = qv;
		nb = rank_vec(kb, qvec, b);
	}
	if (mode == SRW_KB_FULLTEXT || mode == SRW_KB_VECTOR) {
		srw_kb_hit *src = mode == SRW_KB_FULLTEXT ? a : b;

		n = mode == SRW_KB_FULLTEXT ? na : nb;
		if (n > max)
			n = max;
		memcpy(out, src, n * sizeof *out);
	} else {
		double *rrf = srw_xcalloc(kb->n, sizeof *rrf);

		for (i = 0; i < na; i++)
			rrf[a[i].doc] += 1.0 / (RRF_K + i + 1);
		for (i = 0; i < nb; i++)
			rrf[b[i].doc] += 1.0 / (RRF_K + i + 1);
		for (i = 0; i < kb->n; i++)
			if (rrf[i] > 0) {
				a[n].doc = i;
				a[n++].score = rrf[i];
			}
		qsort(a, n, sizeof *a, cmp_hit);
		if (n > max)
			n = max;
		memcpy(out, a, n * sizeof *out);
		free(rrf);
	}
	free(qv);
	free(a);
	free(b);
	return n;
}

size_t
srw_kb_search(srw_kb *kb, const char *query, enum srw_kb_mode mode, srw_kb_hit *out,
    size_t max)
{
	return srw_kb_search_vec(kb, query, NULL, mode, out, max);
}

int
srw_kb_mode_parse(const char *s, enum srw_kb_mode *m)
{
	if (strcmp(s, "hybrid") == 0)
		*m = SRW_KB_HYBRID;
	else if (strcmp(s, "fulltext") == 0)
		*m = SRW_KB_FULLTEXT;
	else if (strcmp(s, "vector") == 0)
		*m = SRW_KB_VECTOR;
	else
		return -1;
	return 0;
}

const char *
srw_kb_mode_name(enum srw_kb_mode m)
{
	return m == SRW_KB_FULLTEXT ? "fulltext" : m == SRW_KB_VECTOR ? "vector" : "hybrid";
}

void
srw_kb_free(srw_kb *kb)
{
	size_t i;

	if (!kb)
		return;
	for (i = 0; i < kb->n; i++) {
		free(kb->docs[i].terms);
		free(kb->docs[i].vec);
		free(kb->docs[i].grams);
	}
	free(kb->docs);
	free(kb->df);
	free(kb);
}
