/* rollup - metric points in, rollup rows out (sum, count, min, max, first,
 * first_ts and the reset-adjusted counter per series and bucket), for the
 * resolutions 5m 10m 30m 1h 4h; or, with --snapshot, the hourly snapshot
 * rows of metrics.amv_hourly_snapshots_v1 (snapshot.c).
 *
 * Streaming: a bucket is written once the newest point seen is past its end
 * plus --lateness; a point older than the newest minus --lateness is late,
 * and rejected (counted, reported, kept by --reject), never merged into a
 * bucket already written.  Memory grows with series, not points. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "rollup.h"

#define NRES_MAX 8

static const struct { const char *name; int64_t ms; } known_res[] = {
	{ "5m", 300000 }, { "10m", 600000 }, { "30m", 1800000 },
	{ "1h", 3600000 }, { "4h", 14400000 },
};

struct bucket {
	int64_t start, first_ts;	/* start INT64_MIN: slot free */
	double sum, min, max, first, counter;
	long count;
	bool has_counter;
};

struct slots {
	struct bucket *b;
	unsigned n;
};

struct series {
	const char *name, *labels, *le;	/* labels: pre-encoded JSON object */
	const char *key;	/* name\0key\0le, keylen bytes */
	size_t keylen;
	uint64_t hash;
	bool counts;	/* counter or histogram: track the running counter */
	bool seen;
	double last, offset;	/* last raw value, sum of values lost to resets */
	int64_t last_ts;
	struct slots s[NRES_MAX];
};

struct gen {	/* every series with a bucket starting at start */
	int64_t start;
	uint32_t *idx;
	size_t n, cap;
};

struct res {
	const char *name;
	int64_t ms;
	struct gen *g;	/* sorted by start */
	size_t ng, capg;
};

static struct res res[NRES_MAX];
static size_t nres;
static int64_t lateness = 120000;
static bool snapshot;
static unsigned shard, nshards = 1;	/* --shard I/N */

static struct series *ser;
static size_t nser, capser;
static uint32_t *tab;	/* open addressing: series index + 1, 0 empty */
static size_t tabcap;
static int64_t watermark = INT64_MIN;
static bool have_wm;
static long late, nan_points;
static srw_point pt;
static srw_buf keybuf, lbuf, out, arena_tmp;
static struct rollup_snap *snap;

enum { OPT_LATENESS = SRW_OPT_LONG, OPT_SNAPSHOT, OPT_SHARD, OPT_STRICT, OPT_REJECT };

static const char synopsis[] =
    "rollup [-r RES[,RES...]] [--lateness DURATION] [--shard I/N] [--strict]\n"
    "              [--reject FILE] [FILE ...]\n"
    "       rollup --snapshot [--lateness DURATION] [--shard I/N] [--strict]\n"
    "              [--reject FILE] [FILE ...]\n"
    "  RES: 5m 10m 30m 1h 4h (default: all)";

static const srw_opt opts[] = {
	{ "resolution", 'r', "RES[,RES]", "bucket sizes: 5m 10m 30m 1h 4h (default all)" },
	{ "lateness", OPT_LATENESS, "DURATION", "accept points this much older than the newest" },
	{ "snapshot", OPT_SNAPSHOT, NULL, "hourly snapshot rows for amv_hourly_snapshots_v1" },
	{ "shard", OPT_SHARD, "I/N", "only the series of shard I of N" },
	{ "strict", OPT_STRICT, NULL, "stop at the first bad line (exit 65)" },
	{ "reject", OPT_REJECT, "FILE", "keep bad lines in FILE" },
	{ "progress", 'p', NULL, "show progress even when stderr is not a terminal" },
	{ "verbose", 'v', NULL, "a summary on stderr (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

/* Arena for series strings: freed only at exit (they live as long as the
 * series), so one malloc per 64 KiB, not per series. */
static char *
arena_copy(const char *s, size_t n)
{
	static char *blk;
	static size_t left;
	char *p;

	if (n + 1 > left) {
		size_t sz = n + 1 > 65536 ? n + 1 : 65536;

		blk = srw_xmalloc(sz);
		/* remember blocks to free them at exit */
		srw_buf_add(&arena_tmp, &blk, sizeof blk);
		left = sz;
	}
	p = blk;
	memcpy(p, s, n);
	p[n] = '\0';
	blk += n + 1;
	left -= n + 1;
	return p;
}

static void
arena_free(void)
{
	size_t i;

	for (i = 0; i + sizeof(char *) <= arena_tmp.len; i += sizeof(char *)) {
		char *p;

		memcpy(&p, arena_tmp.s + i, sizeof p);
		free(p);
	}
	srw_buf_free(&arena_tmp);
}

static void
tab_grow(void)
{
	size_t ncap = tabcap ? tabcap * 2 : 4096, i;
	uint32_t *nt = srw_xcalloc(ncap, sizeof *nt);

	for (i = 0; i < nser; i++) {
		size_t j = ser[i].hash & (ncap - 1);

		while (nt[j])
			j = (j + 1) & (ncap - 1);
		nt[j] = (uint32_t)i + 1;
	}
	free(tab);
	tab = nt;
	tabcap = ncap;
}

static struct series *
series_get(const srw_point *p)
{
	uint64_t h;
	size_t j;
	struct series *s;

	srw_buf_reset(&keybuf);
	srw_buf_add(&keybuf, p->name, strlen(p->name) + 1);	/* with its NUL */
	srw_buf_add(&keybuf, p->key.s, p->key.len + 1);
	if (p->le)
		srw_buf_adds(&keybuf, p->le);
	h = srw_hash64(keybuf.s, keybuf.len, SRW_HASH_SEED);
	h ^= h >> 29;	/* FNV's low bits are weak: the table index uses them */
	if (2 * (nser + 1) > tabcap)
		tab_grow();
	for (j = h & (tabcap - 1); tab[j]; j = (j + 1) & (tabcap - 1)) {
		s = &ser[tab[j] - 1];
		if (s->hash == h && s->keylen == keybuf.len &&
		    memcmp(s->key, keybuf.s, keybuf.len) == 0)
			return s;
	}
	if (nser == capser) {
		capser = capser ? capser * 2 : 1024;
		ser = srw_xrealloc(ser, capser * sizeof *ser);
	}
	if (nser >= UINT32_MAX - 1)
		srw_die(SRW_EX_SOFTWARE, "too many series");
	tab[j] = (uint32_t)nser + 1;
	s = &ser[nser++];
	memset(s, 0, sizeof *s);
	s->hash = h;
	s->keylen = keybuf.len;
	s->key = arena_copy(keybuf.s, keybuf.len);
	s->name = s->key;
	s->le = p->le ? s->key + strlen(p->name) + 1 + p->key.len + 1 : NULL;
	s->counts = p->type == SRW_PT_COUNTER || p->type == SRW_PT_HISTOGRAM;
	srw_buf_reset(&lbuf);
	srw_point_jw_labels(&lbuf, p->labels, p->nlabels);
	/* lbuf holds "\"labels\":{…}": keep the object only */
	s->labels = arena_copy(lbuf.s + 9, lbuf.len - 9);
	return s;
}

static int64_t
floor_to(int64_t ts, int64_t step)
{
	int64_t q = ts / step;

	if (ts % step < 0)
		q--;
	return q * step;
}

static void
emit(const struct series *s, const struct res *r, const struct bucket *b)
{
	srw_jw_begin(&out);
	srw_jw_str(&out, "name", s->name);
	srw_jw_raw(&out, "labels", s->labels);
	srw_jw_str(&out, "resolution", r->name);
	srw_jw_int(&out, "ts", b->start);
	srw_point_jw_value(&out, "sum", b->sum);
	srw_jw_int(&out, "count", b->count);
	srw_point_jw_value(&out, "min", b->min);
	srw_point_jw_value(&out, "max", b->max);
	if (b->has_counter)
		srw_point_jw_value(&out, "counter", b->counter);
	else
		srw_jw_null(&out, "counter");
	srw_point_jw_value(&out, "first", b->first);
	srw_jw_int(&out, "first_ts", b->first_ts);
	if (s->le)
		srw_jw_str(&out, "le", s->le);
	srw_jw_end(&out);
	srw_jw_flush(&out, stdout, 1 << 16);
}

/* Writes the oldest generation of resolution ri and drops it. */
static void
flush_gen(size_t ri)
{
	struct res *r = &res[ri];
	struct gen g = r->g[0];
	size_t i;
	unsigned k;

	for (i = 0; i < g.n; i++) {
		struct series *s = &ser[g.idx[i]];
		struct slots *sl = &s->s[ri];

		for (k = 0; k < sl->n; k++)
			if (sl->b[k].start == g.start) {
				emit(s, r, &sl->b[k]);
				sl->b[k].start = INT64_MIN;
				break;
			}
	}
	/* keep the index array for reuse by the next generation */
	memmove(r->g, r->g + 1, (r->ng - 1) * sizeof *r->g);
	r->ng--;
	g.n = 0;
	r->g[r->ng] = g;
}

static void
flush_ready(void)
{
	size_t ri;

	for (ri = 0; ri < nres; ri++)
		while (res[ri].ng && res[ri].g[0].start + res[ri].ms + lateness <= watermark)
			flush_gen(ri);
}

static struct gen *
gen_get(struct res *r, int64_t start)
{
	size_t i, j;

	/* usually the newest: search from the end */
	for (i = r->ng; i > 0 && r->g[i - 1].start > start; i--)
		;
	if (i > 0 && r->g[i - 1].start == start)
		return &r->g[i - 1];
	if (r->ng == r->capg) {
		r->capg = r->capg ? 2 * r->capg : 8;
		r->g = srw_xrealloc(r->g, r->capg * sizeof *r->g);
		for (j = r->ng; j < r->capg; j++)
			memset(&r->g[j], 0, sizeof r->g[j]);
	}
	/* the spare slot at ng keeps an idx array from an earlier generation */
	struct gen spare = r->g[r->ng];

	memmove(r->g + i + 1, r->g + i, (r->ng - i) * sizeof *r->g);
	r->g[i] = spare;
	r->g[i].start = start;
	r->g[i].n = 0;
	r->ng++;
	return &r->g[i];
}

static struct bucket *
bucket_get(struct series *s, size_t ri, int64_t start)
{
	struct slots *sl = &s->s[ri];
	struct bucket *b = NULL;
	struct gen *g;
	unsigned k;

	for (k = 0; k < sl->n; k++) {
		if (sl->b[k].start == start)
			return &sl->b[k];
		if (!b && sl->b[k].start == INT64_MIN)
			b = &sl->b[k];
	}
	if (!b) {
		sl->b = srw_xrealloc(sl->b, (sl->n + 1) * sizeof *sl->b);
		b = &sl->b[sl->n++];
	}
	memset(b, 0, sizeof *b);
	b->start = start;
	b->first_ts = INT64_MAX;
	b->min = INFINITY;
	b->max = -INFINITY;
	g = gen_get(&res[ri], start);
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 256;
		g->idx = srw_xrealloc(g->idx, g->cap * sizeof *g->idx);
	}
	g->idx[g->n++] = (uint32_t)(s - ser);
	return b;
}

static int
on_point(srw_val *rec, const srw_line *ln, void *ctx)
{
	struct series *s;
	char err[160];
	double adj = 0;
	bool in_order, mine;
	size_t ri;

	if (srw_point_read(&pt, rec, err, sizeof err) != 0) {
		srw_ndjson_reject(ln, "%s", err);
		return SRW_NDJSON_REJECT;
	}
	/* another shard's series still moves time forward, so every shard
	 * flushes and judges lateness as one process would */
	mine = nshards <= 1 || srw_point_in_shard(&pt, snapshot ? "cluster_id" : NULL,
	    shard, nshards);
	if (mine && have_wm && pt.ts < watermark - lateness) {
		late++;
		srw_ndjson_reject(ln, "late point: ts %lld is more than the lateness "
		    "behind the newest point (%lld)", (long long)pt.ts, (long long)watermark);
		return SRW_NDJSON_REJECT;
	}
	if (!mine) {
		/* nothing to aggregate here */
	} else if (snapshot) {
		rollup_snap_point(snap, &pt);
	} else if (isnan(pt.value)) {
		nan_points++;	/* a staleness marker or a broken sample: no value */
	} else {
		s = series_get(&pt);
		in_order = !s->seen || pt.ts >= s->last_ts;
		if (s->counts && in_order) {
			if (s->seen && pt.value < s->last)
				s->offset += s->last;	/* counter reset */
			s->last = pt.value;
		}
		if (in_order) {
			s->last_ts = pt.ts;
			s->seen = true;
		}
		adj = s->last + s->offset;
		for (ri = 0; ri < nres; ri++) {
			struct bucket *b = bucket_get(s, ri, floor_to(pt.ts, res[ri].ms));

			b->sum += pt.value;
			b->count++;
			if (pt.value < b->min)
				b->min = pt.value;
			if (pt.value > b->max)
				b->max = pt.value;
			if (pt.ts < b->first_ts) {
				b->first_ts = pt.ts;
				b->first = pt.value;
			}
			if (s->counts && in_order) {
				b->counter = adj;
				b->has_counter = true;
			}
		}
	}
	if (!have_wm || pt.ts > watermark) {
		watermark = pt.ts;
		have_wm = true;
		if (snapshot)
			rollup_snap_advance(snap, watermark - lateness, &out);
		else
			flush_ready();
		if (out.len) {
			/* rows are due: hand them on now, the input may trickle */
			srw_jw_flush(&out, stdout, 0);
			fflush(stdout);
		}
	}
	return 0;
}

static void
parse_res(const char *arg)
{
	size_t n, i, j;
	char **v = srw_split(arg, ',', &n);

	nres = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < sizeof known_res / sizeof *known_res; j++)
			if (strcmp(v[i], known_res[j].name) == 0)
				break;
		if (j == sizeof known_res / sizeof *known_res)
			srw_die(SRW_EX_USAGE, "unknown resolution '%s' (5m 10m 30m 1h 4h)", v[i]);
		for (size_t k = 0; k < nres; k++)
			if (res[k].ms == known_res[j].ms)
				srw_die(SRW_EX_USAGE, "resolution %s given twice", v[i]);
		res[nres].name = known_res[j].name;
		res[nres].ms = known_res[j].ms;
		nres++;
	}
	srw_strv_free(v);
	if (!nres)
		srw_opt_error("-r wants at least one resolution");
}

int
main(int argc, char *argv[])
{
	srw_ndjson_opts no = { 0 };
	size_t ri, i;
	long rejected;
	int c;

	srw_init("rollup", argc, argv);
	parse_res("5m,10m,30m,1h,4h");
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case 'r': parse_res(optarg); break;
		case OPT_LATENESS:
			lateness = srw_opt_duration(optarg, 0, INT64_MAX, "--lateness");
			break;
		case OPT_SNAPSHOT: snapshot = true; break;
		case OPT_SHARD:
			if (srw_shard_parse(optarg, &shard, &nshards) != 0)
				srw_opt_error("--shard wants I/N with 0 <= I < N, got '%s'", optarg);
			break;
		case OPT_STRICT: no.strict = true; break;
		case OPT_REJECT: no.reject_path = optarg; break;
		case 'p': srw_progress_force(true); break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	argc -= optind;
	argv += optind;
	srw_ndjson_setup(&no);
	srw_point_init(&pt);
	srw_buf_init(&keybuf);
	srw_buf_init(&lbuf);
	srw_buf_init(&out);
	srw_buf_init(&arena_tmp);
	if (snapshot)
		snap = rollup_snap_new();

	srw_ndjson_files(argc, argv, on_point, NULL);

	if (snapshot) {
		rollup_snap_advance(snap, INT64_MAX, &out);
		rollup_snap_free(snap);
	} else {
		for (ri = 0; ri < nres; ri++)
			while (res[ri].ng)
				flush_gen(ri);
	}
	srw_jw_flush(&out, stdout, 0);
	rejected = srw_ndjson_reject_count();
	if (late)
		srw_warn("%ld late points rejected (older than the newest point "
		    "minus the lateness; see --lateness)", late);
	if (nan_points)
		srw_info("%ld NaN values not aggregated", nan_points);
	srw_info("%ld points, %zu series, %ld rejected", srw_ndjson_read_count(), nser, rejected);

	for (i = 0; i < nser; i++)
		for (ri = 0; ri < nres; ri++)
			free(ser[i].s[ri].b);
	for (ri = 0; ri < nres; ri++) {
		for (i = 0; i < res[ri].capg; i++)
			free(res[ri].g[i].idx);
		free(res[ri].g);
	}
	free(ser);
	free(tab);
	arena_free();
	srw_buf_free(&keybuf);
	srw_buf_free(&lbuf);
	srw_buf_free(&out);
	srw_point_free(&pt);
	return srw_finish(rejected ? SRW_EX_REJECTED : SRW_EX_OK);
}
