/* rollup - metric points in, rollup rows out (sum, count, min, max, first,
 * first_ts and the reset-adjusted counter per series and bucket), for the
 * resolutions 5m 10m 30m 1h 4h; or, with --snapshot, the hourly snapshot
 * rows of metrics.amv_hourly_snapshots_v1 (snapshot.c).
 *
 * Finality is judged per series (rollup(1) states the rule): a series'
 * bucket is written once that series' own newest point is past the bucket's
 * end plus --lateness, and a point older than its own series' newest minus
 * the lateness is late.  So the order among series does not matter (a file
 * sorted by series rolls up as the live stream did) and a stalled series
 * holds only its own buckets.  --max-open bounds what is held: past it, the
 * buckets that end first are written early and later points for them are
 * late.  Counter points are folded into the running counter in time order
 * once no point before them can still be accepted, so a shuffle within the
 * lateness gives the same counters. */
#include <getopt.h>
#include <math.h>
#include <limits.h>
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
	int64_t start, first_ts;
	double sum, min, max, first, counter;
	long count;
	bool has_counter;
};

struct slots {	/* open buckets of one series and resolution, by start */
	struct bucket *b;
	unsigned n, cap;
};

struct cpt {	/* a counter point not yet folded into the running counter */
	int64_t ts;
	double v;
};

struct series {
	const char *name, *labels, *le;	/* labels: pre-encoded JSON object */
	const char *key;	/* name\0key\0le, keylen bytes */
	size_t keylen;
	uint64_t hash;
	bool counts;	/* counter or histogram: track the running counter */
	bool seen;	/* a counter point was folded */
	double last, offset;	/* last raw value, sum of values lost to resets */
	int64_t newest;	/* newest ts of the series */
	int64_t closed;	/* every point before this is late (a bucket written) */
	int64_t deadline;	/* the oldest open bucket is final at newest >= this */
	struct cpt *pend;	/* sorted by ts */
	unsigned npend, cappend;
	struct slots s[NRES_MAX];
};

struct res {
	const char *name;
	int64_t ms;
};

static struct res res[NRES_MAX];
static size_t nres;
static int64_t lateness = 120000;
static bool snapshot, batch;
static long max_open = 1000000;
static unsigned shard, nshards = 1;	/* --shard I/N */

static struct series *ser;
static size_t nser, capser;
static uint32_t *tab;	/* open addressing: series index + 1, 0 empty */
static size_t tabcap;
static long nopen;	/* open buckets plus unfolded counter points */
static long late, nan_points, capped, peak;
static srw_point pt;
static srw_buf keybuf, lbuf, out, arena_tmp;
static struct rollup_snap *snap;

enum { OPT_LATENESS = SRW_OPT_LONG, OPT_SNAPSHOT, OPT_SHARD, OPT_STRICT, OPT_REJECT, OPT_BATCH,
	OPT_MAX_OPEN };

static const char synopsis[] =
    "rollup [-r RES[,RES...]] [--lateness DURATION] [--batch] [--max-open N]\n"
    "              [--shard I/N] [--strict] [--reject FILE] [FILE ...]\n"
    "       rollup --snapshot [--lateness DURATION] [--batch] [--max-open N]\n"
    "              [--shard I/N] [--strict] [--reject FILE] [FILE ...]\n"
    "  RES: 5m 10m 30m 1h 4h (default: all)";

static const srw_opt opts[] = {
	{ "resolution", 'r', "RES[,RES]", "bucket sizes: 5m 10m 30m 1h 4h (default all)" },
	{ "lateness", OPT_LATENESS, "DURATION", "accept points this much older than their series' newest" },
	{ "batch", OPT_BATCH, NULL, "input in any order: nothing is final before the end" },
	{ "max-open", OPT_MAX_OPEN, "N", "at most N open buckets; past it the oldest are written" },
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
	h = srw_fasthash(keybuf.s, keybuf.len);
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
	s->newest = s->closed = INT64_MIN;
	s->deadline = INT64_MAX;
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

/* a - b, saturating: --batch makes the lateness unbounded */
static int64_t
sat_sub(int64_t a, int64_t b)
{
	int64_t r;

	return __builtin_sub_overflow(a, b, &r) ? INT64_MIN : r;
}

static int64_t
sat_add(int64_t a, int64_t b)
{
	int64_t r;

	return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

/* Points of s before this are late. */
static int64_t
horizon(const struct series *s)
{
	int64_t h = sat_sub(s->newest, lateness);

	return h > s->closed ? h : s->closed;
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

static struct bucket *
bucket_find(struct slots *sl, int64_t start)
{
	unsigned k;

	for (k = sl->n; k > 0; k--)	/* usually the newest */
		if (sl->b[k - 1].start <= start)
			return sl->b[k - 1].start == start ? &sl->b[k - 1] : NULL;
	return NULL;
}

/* Folds the counter points before lim, in time order: each bucket's counter
 * is the running value at its last point. */
static void
fold(struct series *s, int64_t lim)
{
	unsigned i;
	size_t ri;

	for (i = 0; i < s->npend && s->pend[i].ts < lim; i++) {
		const struct cpt *c = &s->pend[i];

		if (s->seen && c->v < s->last)
			s->offset += s->last;	/* counter reset */
		s->last = c->v;
		s->seen = true;
		for (ri = 0; ri < nres; ri++) {
			struct bucket *b = bucket_find(&s->s[ri], floor_to(c->ts, res[ri].ms));

			if (b) {
				b->counter = s->last + s->offset;
				b->has_counter = true;
			}
		}
	}
	if (i) {
		memmove(s->pend, s->pend + i, (s->npend - i) * sizeof *s->pend);
		s->npend -= i;
		nopen -= i;
	}
}

static void
deadline_update(struct series *s)
{
	size_t ri;

	s->deadline = INT64_MAX;
	for (ri = 0; ri < nres; ri++)
		if (s->s[ri].n) {
			int64_t d = sat_add(s->s[ri].b[0].start + res[ri].ms, lateness);

			if (d < s->deadline)
				s->deadline = d;
		}
}

/* Writes and drops the buckets of s that end by end (oldest first): after
 * this, points before end are late. */
static void
close_before(struct series *s, int64_t end)
{
	size_t ri;
	unsigned k;

	if (end > s->closed)
		s->closed = end;
	fold(s, end);
	for (ri = 0; ri < nres; ri++) {
		struct slots *sl = &s->s[ri];

		for (k = 0; k < sl->n && sl->b[k].start + res[ri].ms <= end; k++)
			emit(s, &res[ri], &sl->b[k]);
		if (k) {
			memmove(sl->b, sl->b + k, (sl->n - k) * sizeof *sl->b);
			sl->n -= k;
			nopen -= k;
		}
	}
	deadline_update(s);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Past --max-open: write the buckets that end first, down to half the cap,
 * so the cost of choosing them is spread over many points. */
static void
cap_flush(void)
{
	int64_t *ends, t;
	size_t n = 0, i, ri, want;
	unsigned k;

	ends = srw_xmalloc((size_t)nopen * sizeof *ends + 1);
	for (i = 0; i < nser; i++)
		for (ri = 0; ri < nres; ri++)
			for (k = 0; k < ser[i].s[ri].n; k++)
				ends[n++] = ser[i].s[ri].b[k].start + res[ri].ms;
	if (!n) {
		free(ends);
		return;
	}
	qsort(ends, n, sizeof *ends, cmp_i64);
	want = (size_t)(nopen - max_open / 2);
	t = ends[want < n ? want : n - 1];
	free(ends);
	/* one cut for every series: points before it are late everywhere */
	for (i = 0; i < nser; i++)
		close_before(&ser[i], t);
	capped++;
}

static struct bucket *
bucket_get(struct series *s, size_t ri, int64_t start)
{
	struct slots *sl = &s->s[ri];
	struct bucket *b;
	unsigned k;

	for (k = sl->n; k > 0 && sl->b[k - 1].start >= start; k--)
		if (sl->b[k - 1].start == start)
			return &sl->b[k - 1];
	if (sl->n == sl->cap) {
		sl->cap = sl->cap ? 2 * sl->cap : 2;
		sl->b = srw_xrealloc(sl->b, sl->cap * sizeof *sl->b);
	}
	memmove(sl->b + k + 1, sl->b + k, (sl->n - k) * sizeof *sl->b);
	sl->n++;
	nopen++;
	b = &sl->b[k];
	memset(b, 0, sizeof *b);
	b->start = start;
	b->first_ts = INT64_MAX;
	b->min = INFINITY;
	b->max = -INFINITY;
	if (k == 0) {
		int64_t d = sat_add(start + res[ri].ms, lateness);

		if (d < s->deadline)
			s->deadline = d;
	}
	return b;
}

static void
pend_add(struct series *s, int64_t ts, double v)
{
	unsigned k;

	if (s->npend == s->cappend) {
		s->cappend = s->cappend ? 2 * s->cappend : 8;
		s->pend = srw_xrealloc(s->pend, s->cappend * sizeof *s->pend);
	}
	/* after the points at the same ts: equal times keep arrival order */
	for (k = s->npend; k > 0 && s->pend[k - 1].ts > ts; k--)
		;
	memmove(s->pend + k + 1, s->pend + k, (s->npend - k) * sizeof *s->pend);
	s->pend[k].ts = ts;
	s->pend[k].v = v;
	s->npend++;
	nopen++;
}

static void
add_point(struct series *s, const srw_point *p)
{
	size_t ri;

	for (ri = 0; ri < nres; ri++) {
		struct bucket *b = bucket_get(s, ri, floor_to(p->ts, res[ri].ms));

		b->sum += p->value;
		b->count++;
		if (p->value < b->min)
			b->min = p->value;
		if (p->value > b->max)
			b->max = p->value;
		if (p->ts < b->first_ts) {
			b->first_ts = p->ts;
			b->first = p->value;
		}
	}
	if (s->counts)
		pend_add(s, p->ts, p->value);
	if (p->ts > s->newest) {
		s->newest = p->ts;
		if (s->npend && s->pend[0].ts < sat_sub(s->newest, lateness))
			fold(s, sat_sub(s->newest, lateness));
		if (s->newest >= s->deadline)
			close_before(s, sat_sub(s->newest, lateness));
	}
}

static int
on_point(srw_val *rec, const srw_line *ln, void *ctx)
{
	struct series *s;
	char err[160];
	int64_t h;

	(void)ctx;
	if (srw_point_read(&pt, rec, err, sizeof err) != 0) {
		srw_ndjson_reject(ln, "%s", err);
		return SRW_NDJSON_REJECT;
	}
	if (nshards > 1 && !srw_point_in_shard(&pt, snapshot ? "cluster_id" : NULL,
	    shard, nshards))
		return 0;	/* another shard's series: judged there */
	if (snapshot) {
		if (rollup_snap_point(snap, &pt, &out, &h) != 0) {
			late++;
			srw_ndjson_reject(ln, "late point: ts %lld is before %lld, its "
			    "cluster's newest point minus the lateness (or a moment "
			    "already written)", (long long)pt.ts, (long long)h);
			return SRW_NDJSON_REJECT;
		}
		if (rollup_snap_open(snap) > peak)
			peak = rollup_snap_open(snap);
		if (rollup_snap_open(snap) > max_open) {
			rollup_snap_shrink(snap, max_open / 2, &out);
			capped++;
		}
	} else if (isnan(pt.value)) {
		nan_points++;	/* a staleness marker or a broken sample: no value */
	} else {
		s = series_get(&pt);
		if (pt.ts < (h = horizon(s))) {
			late++;
			srw_ndjson_reject(ln, "late point: ts %lld is before %lld, its "
			    "series' newest point minus the lateness (or a bucket "
			    "already written)", (long long)pt.ts, (long long)h);
			return SRW_NDJSON_REJECT;
		}
		add_point(s, &pt);
		if (nopen > peak)
			peak = nopen;
		if (nopen > max_open)
			cap_flush();
	}
	if (out.len) {
		/* rows are due: hand them on now, the input may trickle */
		srw_jw_flush(&out, stdout, 0);
		fflush(stdout);
	}
	return 0;
}

struct eofrow {
	int64_t start;
	uint32_t si;
};

static int
cmp_eofrow(const void *a, const void *b)
{
	const struct eofrow *x = a, *y = b;

	if (x->start != y->start)
		return (x->start > y->start) - (x->start < y->start);
	return (x->si > y->si) - (x->si < y->si);
}

/* EOF ends every bucket: written by resolution, then start, then series. */
static void
flush_all(void)
{
	struct eofrow *rows;
	size_t i, n, ri;
	unsigned k;

	for (i = 0; i < nser; i++)
		fold(&ser[i], INT64_MAX);
	for (ri = 0; ri < nres; ri++) {
		n = 0;
		for (i = 0; i < nser; i++)
			n += ser[i].s[ri].n;
		rows = srw_xmalloc(n * sizeof *rows + 1);
		n = 0;
		for (i = 0; i < nser; i++)
			for (k = 0; k < ser[i].s[ri].n; k++) {
				rows[n].start = ser[i].s[ri].b[k].start;
				rows[n++].si = (uint32_t)i;
			}
		qsort(rows, n, sizeof *rows, cmp_eofrow);
		for (i = 0; i < n; i++) {
			struct series *s = &ser[rows[i].si];

			emit(s, &res[ri], bucket_find(&s->s[ri], rows[i].start));
		}
		free(rows);
	}
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
		case OPT_BATCH: batch = true; break;
		case OPT_MAX_OPEN: max_open = srw_opt_num(optarg, 2, LONG_MAX, "--max-open"); break;
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
	if (batch)
		lateness = INT64_MAX;	/* nothing is final before EOF or the cap */
	srw_ndjson_setup(&no);
	srw_point_init(&pt);
	srw_buf_init(&keybuf);
	srw_buf_init(&lbuf);
	srw_buf_init(&out);
	srw_buf_init(&arena_tmp);
	if (snapshot)
		snap = rollup_snap_new(lateness);

	srw_ndjson_files(argc, argv, on_point, NULL);

	if (snapshot) {
		rollup_snap_shrink(snap, 0, &out);
		rollup_snap_free(snap);
	} else {
		flush_all();
	}
	srw_jw_flush(&out, stdout, 0);
	rejected = srw_ndjson_reject_count();
	if (late)
		srw_warn("%ld late points rejected (older than their %s newest point "
		    "minus the lateness%s; see --lateness%s)", late,
		    snapshot ? "cluster's" : "series'",
		    capped ? ", or in a bucket --max-open wrote early" : "",
		    capped ? " and --max-open" : "");
	if (capped)
		srw_info("--max-open %ld reached %ld times: the oldest buckets were written early",
		    max_open, capped);
	if (nan_points)
		srw_info("%ld NaN values not aggregated", nan_points);
	srw_info("%ld points, %zu series, %ld rejected, peak open %ld", srw_ndjson_read_count(),
	    nser, rejected, peak);

	for (i = 0; i < nser; i++) {
		for (ri = 0; ri < nres; ri++)
			free(ser[i].s[ri].b);
		free(ser[i].pend);
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
