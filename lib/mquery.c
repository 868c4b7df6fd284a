/* mquery.c - metric queries over raw points and rollups: the planner picks
 * the coarsest rollup resolution not coarser than the step, reads rollups
 * where they cover the range and raw points elsewhere, and joins the two
 * into one series per label set.  Sources: the database tables
 * metrics.metrics_table / metrics.metrics_rollup, or NDJSON files. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"

static const struct { const char *name; int64_t ms; } resolutions[] = {
	{ "5m", 300000 }, { "10m", 600000 }, { "30m", 1800000 },
	{ "1h", 3600000 }, { "4h", 14400000 },
};
#define NRES (sizeof resolutions / sizeof *resolutions)

static const char *const fn_names[] = {
	[SRW_MQ_AVG] = "avg", [SRW_MQ_SUM] = "sum", [SRW_MQ_MIN] = "min",
	[SRW_MQ_MAX] = "max", [SRW_MQ_RATE] = "rate", [SRW_MQ_INCREASE] = "increase",
};

struct row {
	uint32_t s;	/* series index */
	bool rollup;
	int64_t ts;
	double sum, min, max, counter;	/* raw: all = value; counter adjusted */
	long count;
	bool has_counter;
};

struct series {
	char *key;	/* labels JSON + "\n" + le */
	json_t *labels;
	char *le;
};

struct ctx {
	const srw_mquery *q;
	int64_t res_ms;	/* 0: raw only */
	const char *res_name;
	struct series *s;
	size_t ns;
	struct row *r;
	size_t nr, capr;
	srw_buf tmp;
	long bad;
};

int
srw_mq_fn_parse(const char *s, enum srw_mq_fn *fn)
{
	unsigned i;

	for (i = 0; i < sizeof fn_names / sizeof *fn_names; i++)
		if (strcmp(s, fn_names[i]) == 0) {
			*fn = (enum srw_mq_fn)i;
			return 0;
		}
	return -1;
}

const char *
srw_mq_fn_name(enum srw_mq_fn fn)
{
	return (unsigned)fn < sizeof fn_names / sizeof *fn_names ? fn_names[fn] : "avg";
}

void
srw_mq_free(srw_mquery *q)
{
	size_t i;

	for (i = 0; i < q->nm; i++) {
		free(q->m[i].k);
		free(q->m[i].v);
	}
	free(q->m);
	free(q->name);
	q->m = NULL;
	q->name = NULL;
	q->nm = 0;
}

bool
srw_mq_namechar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == ':';
}

/* NAME{k="v",k!="v"}: PromQL's equality matchers. */
int
srw_mq_parse_selector(const char *sel, srw_mquery *q, char *err, size_t errsz)
{
	const char *p = sel, *e;
	srw_buf v;

	while (*p == ' ')
		p++;
	for (e = p; *e && (srw_mq_namechar(*e)); e++)
		;
	if (e == p) {
		snprintf(err, errsz, "selector must start with a metric name");
		return -1;
	}
	q->name = srw_xstrndup(p, (size_t)(e - p));
	p = e;
	while (*p == ' ')
		p++;
	if (!*p)
		return 0;
	if (*p != '{')
		goto bad;
	p++;
	srw_buf_init(&v);
	for (;;) {
		srw_mq_matcher m = { 0 };

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '}')
			break;
		for (e = p; *e && srw_mq_namechar(*e) && *e != ':'; e++)
			;
		if (e == p)
			goto badv;
		m.k = srw_xstrndup(p, (size_t)(e - p));
		p = e;
		while (*p == ' ')
			p++;
		if (p[0] == '!' && p[1] == '=') {
			m.neg = true;
			p += 2;
		} else if (p[0] == '=' && p[1] != '~') {
			p++;
		} else {
			free(m.k);
			snprintf(err, errsz, "only = and != matchers are supported");
			srw_buf_free(&v);
			srw_mq_free(q);
			return -1;
		}
		while (*p == ' ')
			p++;
		if (*p != '"') {
			free(m.k);
			goto badv;
		}
		srw_buf_reset(&v);
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1]) {
				p++;
				srw_buf_addc(&v, *p == 'n' ? '\n' : *p);
			} else {
				srw_buf_addc(&v, *p);
			}
		}
		if (*p != '"') {
			free(m.k);
			goto badv;
		}
		p++;
		m.v = srw_xstrndup(v.s ? v.s : "", v.len);
		q->m = srw_xrealloc(q->m, (q->nm + 1) * sizeof *q->m);
		q->m[q->nm++] = m;
	}
	srw_buf_free(&v);
	p++;
	while (*p == ' ')
		p++;
	if (*p)
		goto bad;
	return 0;
badv:
	srw_buf_free(&v);
bad:
	snprintf(err, errsz, "bad selector near \"%.30s\" (want NAME{label=\"v\",...})", p);
	srw_mq_free(q);
	return -1;
}


/* Do the labels (an srw_val object) satisfy the matchers?  Fills l. */
static bool
labels_match(const srw_mquery *q, const srw_val *labels, srw_point_label *l,
    size_t *n)
{
	srw_val *c;
	size_t i, j;

	*n = 0;
	for (c = srw_val_first(labels); c; c = srw_val_next(c)) {
		if (!srw_val_str(c) || *n == SRW_POINT_MAXLABELS)
			return false;
		l[*n].k = srw_val_key(c);
		l[*n].v = srw_val_str(c);
		(*n)++;
	}
	for (i = 0; i < q->nm; i++) {
		const char *v = "";

		for (j = 0; j < *n; j++)
			if (strcmp(l[j].k, q->m[i].k) == 0) {
				v = l[j].v;
				break;
			}
		if ((strcmp(v, q->m[i].v) == 0) == q->m[i].neg)
			return false;
	}
	srw_point_sort_labels(l, *n);
	return true;
}

static uint32_t
series_of(struct ctx *x, const srw_point_label *l, size_t n, const char *le)
{
	size_t i;
	char *lj;

	srw_buf_reset(&x->tmp);
	srw_point_jw_labels(&x->tmp, l, n);
	srw_buf_addc(&x->tmp, '\n');
	srw_buf_adds(&x->tmp, le ? le : "");
	/* few series per query: a linear search is enough */
	for (i = 0; i < x->ns; i++)
		if (strcmp(x->s[i].key, x->tmp.s) == 0)
			return (uint32_t)i;
	x->s = srw_xrealloc(x->s, (x->ns + 1) * sizeof *x->s);
	x->s[x->ns].key = srw_xstrdup(x->tmp.s);
	lj = srw_xstrndup(x->tmp.s + 9, strcspn(x->tmp.s + 9, "\n"));
	x->s[x->ns].labels = json_loads(lj, 0, NULL);
	free(lj);
	if (!x->s[x->ns].labels)
		x->s[x->ns].labels = json_object();
	x->s[x->ns].le = le && *le ? srw_xstrdup(le) : NULL;
	return (uint32_t)x->ns++;
}

static struct row *
row_new(struct ctx *x)
{
	if (x->nr == x->capr) {
		x->capr = x->capr ? 2 * x->capr : 256;
		x->r = srw_xrealloc(x->r, x->capr * sizeof *x->r);
	}
	memset(&x->r[x->nr], 0, sizeof x->r[x->nr]);
	return &x->r[x->nr++];
}

/* One record (a raw point or a rollup row) from a file or the database. */
static void
take(struct ctx *x, const srw_val *rec, bool rollup, int64_t lo, int64_t hi)
{
	srw_point_label l[SRW_POINT_MAXLABELS];
	size_t n;
	const char *name = srw_val_get_str(rec, "name"), *le, *res;
	double d;
	struct row *r;
	int64_t ts;

	if (!name || strcmp(name, x->q->name) != 0)
		return;
	if (!srw_val_get_num(rec, "ts", &d) || !isfinite(d))
		return;
	ts = (int64_t)d;
	if (ts < lo || ts >= hi)
		return;
	if (rollup && (!(res = srw_val_get_str(rec, "resolution")) ||
	    !x->res_name || strcmp(res, x->res_name) != 0))
		return;
	if (!labels_match(x->q, srw_val_get(rec, "labels"), l, &n))
		return;
	le = srw_val_get_str(rec, "le");
	r = row_new(x);
	r->rollup = rollup;
	r->ts = ts;
	if (rollup) {
		double c;

		r->count = srw_val_get_num(rec, "count", &d) ? (long)d : 0;
		r->sum = srw_val_get_num(rec, "sum", &d) ? d : NAN;
		r->min = srw_val_get_num(rec, "min", &d) ? d : NAN;
		r->max = srw_val_get_num(rec, "max", &d) ? d : NAN;
		r->has_counter = srw_val_get_num(rec, "counter", &c);
		r->counter = r->has_counter ? c : NAN;
	} else {
		srw_val *v = srw_val_get(rec, "value");

		if (!srw_val_num(v, &d) || isnan(d)) {
			x->nr--;
			return;
		}
		r->sum = r->min = r->max = r->counter = d;
		r->count = 1;
		r->has_counter = true;
	}
	r->s = series_of(x, l, n, le);
}

struct fctx {
	struct ctx *x;
	bool rollup;
	int64_t lo, hi;
};

static int
file_line(const srw_line *ln, void *arg)
{
	struct fctx *f = arg;
	srw_val *v = srw_val_parse(ln->text, ln->len);

	if (v && srw_val_type(v) == SRW_OBJ)
		take(f->x, v, f->rollup, f->lo, f->hi);
	else if (ln->len)
		f->x->bad++;
	srw_val_free(v);
	return 0;
}

static int
load_file(struct ctx *x, const char *path, bool rollup, int64_t lo, int64_t hi,
    char *err, size_t errsz)
{
	struct fctx f = { x, rollup, lo, hi };
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	int rc;

	if (!fp) {
		snprintf(err, errsz, "open %s: %s", path, strerror(errno));
		return -1;
	}
	rc = srw_lines_each(fp, path, file_line, &f);
	if (fp != stdin)
		fclose(fp);
	if (rc < 0) {
		snprintf(err, errsz, "read %s failed", path);
		return -1;
	}
	return 0;
}

/* LIKE pattern text for a matcher value: the sorted compact labels JSON
 * holds "k":"v" literally (JSON-escaped). */
static void
like_add(srw_buf *b, const char *s)
{
	srw_buf j;
	size_t i;

	srw_buf_init(&j);
	srw_buf_add_jstr(&j, s, strlen(s));
	for (i = 0; i < j.len; i++) {
		if (j.s[i] == '%' || j.s[i] == '_' || j.s[i] == '\\')
			srw_buf_addc(b, '\\');
		srw_buf_addc(b, j.s[i]);
	}
	srw_buf_free(&j);
}

static int
load_db(struct ctx *x, srw_db *db, bool rollup, int64_t lo, int64_t hi,
    char *err, size_t errsz)
{
	srw_buf q, pat;
	srw_res *res;
	char **row;
	size_t i;

	srw_buf_init(&q);
	srw_buf_init(&pat);
	if (rollup)
		srw_buf_adds(&q, "SELECT name, labels, le, ts, sum, count, min, max, counter "
		    "FROM metrics.metrics_rollup WHERE resolution = ");
	else
		srw_buf_adds(&q, "SELECT name, labels, le, ts, value FROM metrics.metrics_table WHERE ");
	if (rollup) {
		srw_db_quote(db, &q, x->res_name, strlen(x->res_name));
		srw_buf_adds(&q, " AND ");
	}
	srw_buf_adds(&q, "name = ");
	srw_db_quote(db, &q, x->q->name, strlen(x->q->name));
	srw_buf_printf(&q, " AND ts >= %lld AND ts < %lld", (long long)lo, (long long)hi);
	for (i = 0; i < x->q->nm; i++) {
		if (x->q->m[i].neg || !*x->q->m[i].v)
			continue;
		srw_buf_reset(&pat);
		srw_buf_addc(&pat, '%');
		like_add(&pat, x->q->m[i].k);
		srw_buf_addc(&pat, ':');
		like_add(&pat, x->q->m[i].v);
		srw_buf_addc(&pat, '%');
		srw_buf_adds(&q, " AND labels LIKE ");
		srw_db_quote(db, &q, pat.s, pat.len);
	}
	srw_buf_adds(&q, " ORDER BY ts");
	res = srw_db_query_retry(db, q.s, 3);
	srw_buf_free(&q);
	srw_buf_free(&pat);
	if (!res) {
		snprintf(err, errsz, "query %s: %s", rollup ? "metrics.metrics_rollup" :
		    "metrics.metrics_table", srw_db_error(db));
		return -1;
	}
	while ((row = srw_res_next(res, NULL))) {
		/* rebuild the record the file path reads, so both share take() */
		json_t *o = json_object();
		json_t *lab = row[1] ? json_loads(row[1], 0, NULL) : NULL;
		static const char *const rcols[] = { "sum", "count", "min", "max", "counter" };
		char *txt;
		srw_val *v;

		json_object_set_new(o, "name", json_string(row[0] ? row[0] : ""));
		json_object_set_new(o, "labels", lab ? lab : json_object());
		if (row[2] && *row[2])
			json_object_set_new(o, "le", json_string(row[2]));
		json_object_set_new(o, "ts", json_integer(row[3] ? strtoll(row[3], NULL, 10) : 0));
		if (rollup) {
			json_object_set_new(o, "resolution", json_string(x->res_name));
			for (i = 0; i < 5; i++)
				if (row[4 + i])
					json_object_set_new(o, rcols[i], json_real(strtod(row[4 + i], NULL)));
		} else if (row[4]) {
			json_object_set_new(o, "value", json_real(strtod(row[4], NULL)));
		}
		txt = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (txt && (v = srw_val_parse(txt, strlen(txt)))) {
			take(x, v, rollup, lo, hi);
			srw_val_free(v);
		}
		free(txt);
	}
	srw_res_free(res);
	return 0;
}

static int
cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	if (x->rollup != y->rollup)
		return x->rollup ? 1 : -1;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int64_t
floor_to(int64_t ts, int64_t step)
{
	int64_t q = ts / step;

	if (ts % step < 0)
		q--;
	return q * step;
}

static json_t *
plan_part(int64_t from, int64_t to, const char *table, const char *res, long rows)
{
	char a[24], b[24];

	return json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:I}",
	    "from", srw_time_fmt_sql(from, a), "to", srw_time_fmt_sql(to, b),
	    "from_ms", (json_int_t)from, "to_ms", (json_int_t)to,
	    "table", table, "resolution", res, "rows", (json_int_t)rows);
}

json_t *
srw_mq_run(const srw_mquery *q, const srw_mq_source *src, json_t **plan_out,
    char *err, size_t errsz)
{
	struct ctx x = { .q = q };
	int64_t g0, nwin, k, cs = INT64_MAX, ce = INT64_MIN, lo, raw_lo = INT64_MAX,
	    raw_hi = INT64_MIN;
	size_t i, j, ri;
	bool *use_rollup = NULL;
	double off, last;
	json_t *out = NULL, *plan;
	const char *rawtab = src->db ? "metrics.metrics_table" : src->raw_path;
	const char *roltab = src->db ? "metrics.metrics_rollup" : src->rollup_path;

	if (q->step <= 0 || q->to <= q->from) {
		snprintf(err, errsz, "want --from < --to and a positive --step");
		return NULL;
	}
	g0 = floor_to(q->from, q->step);
	nwin = (q->to - g0 + q->step - 1) / q->step;
	if (nwin > 1000000) {
		snprintf(err, errsz, "%lld steps: use a larger --step", (long long)nwin);
		return NULL;
	}
	lo = g0 - q->step;	/* one window back: a baseline for increase/rate */
	srw_buf_init(&x.tmp);
	/* the coarsest resolution not coarser than the step that has rollups
	 * in the range (finer ones are tried when a coarser one has none) */
	for (ri = NRES; ri-- > 0 && (src->db || src->rollup_path); ) {
		if (resolutions[ri].ms > q->step)
			continue;
		x.res_ms = resolutions[ri].ms;
		x.res_name = resolutions[ri].name;
		if ((src->db ? load_db(&x, src->db, true, lo, q->to, err, errsz) :
		    load_file(&x, src->rollup_path, true, lo, q->to, err, errsz)) != 0)
			goto done;
		if (x.nr)
			break;
	}
	/* rollup coverage of the range: first bucket to the end of the last */
	for (i = 0; i < x.nr; i++) {
		if (x.r[i].ts < cs)
			cs = x.r[i].ts;
		if (x.r[i].ts + x.res_ms > ce)
			ce = x.r[i].ts + x.res_ms;
	}
	use_rollup = srw_xcalloc((size_t)nwin, sizeof *use_rollup);
	for (k = 0; k < nwin; k++) {
		int64_t ws = g0 + k * q->step, we = ws + q->step;

		/* rate and increase compare with the window before: a rollup
		 * window needs a rollup bucket before it */
		use_rollup[k] = x.nr && we <= ce &&
		    (q->fn == SRW_MQ_RATE || q->fn == SRW_MQ_INCREASE ? ws - q->step >= cs : ws >= cs);
		if (!use_rollup[k]) {
			if (ws < raw_lo)
				raw_lo = ws;
			if (we > raw_hi)
				raw_hi = we;
		}
	}
	if (raw_lo < raw_hi && (src->db || src->raw_path)) {
		raw_lo -= q->step;
		if ((src->db ? load_db(&x, src->db, false, raw_lo, raw_hi, err, errsz) :
		    load_file(&x, src->raw_path, false, raw_lo, raw_hi, err, errsz)) != 0)
			goto done;
	}
	if (x.nr)	/* qsort(NULL, 0) is undefined (UBSan) */
		qsort(x.r, x.nr, sizeof *x.r, cmp_row);
	/* raw counters: reset-adjusted running value, as rollup computes it */
	for (i = 0, off = 0, last = 0; i < x.nr; i++) {
		if (x.r[i].rollup)
			continue;
		if (i == 0 || x.r[i - 1].s != x.r[i].s || x.r[i - 1].rollup) {
			off = 0;
		} else if (x.r[i].sum < last) {
			off += last;
		}
		last = x.r[i].sum;
		x.r[i].counter = last + off;
	}

	plan = json_array();
	for (k = 0; k < nwin; k = j) {
		int64_t ws = g0 + k * q->step, we;
		long rows = 0;

		for (j = (size_t)k; (int64_t)j < nwin && use_rollup[j] == use_rollup[k]; j++)
			;
		we = g0 + (int64_t)j * q->step;
		if (we > q->to)
			we = q->to;
		for (i = 0; i < x.nr; i++)
			if (x.r[i].rollup == use_rollup[k] && x.r[i].ts >= (ws > q->from ? ws : q->from) &&
			    x.r[i].ts < we)
				rows++;
		json_array_append_new(plan, plan_part(ws > q->from ? ws : q->from, we,
		    use_rollup[k] ? roltab ? roltab : "-" : rawtab ? rawtab : "-",
		    use_rollup[k] ? x.res_name : "raw", rows));
	}

	out = json_array();
	for (i = 0; i < x.nr; i = j) {
		json_t *pts = json_array(), *one;
		size_t s = x.r[i].s, m0;
		double base[2] = { 0, 0 };
		bool have_base[2] = { false, false };

		for (j = i; j < x.nr && x.r[j].s == s; j++)
			;
		size_t cur[2], end[2];

		/* rows i..j: this series' raw rows, then its rollup rows */
		for (m0 = i; m0 < j && !x.r[m0].rollup; m0++)
			;
		cur[0] = i, end[0] = m0, cur[1] = m0, end[1] = j;
		for (k = 0; k < nwin; k++) {
			int64_t ws = g0 + k * q->step, we = ws + q->step;
			bool ro = use_rollup[k], any = false, have_last = false, ok;
			double sum = 0, mn = INFINITY, mx = -INFINITY, lastc = 0, firstc = 0, v;
			long cnt = 0;
			size_t *c = &cur[ro];

			/* rows before the window: the newest is the baseline */
			for (; *c < end[ro] && x.r[*c].ts < ws; (*c)++)
				if (x.r[*c].has_counter && !isnan(x.r[*c].counter)) {
					base[ro] = x.r[*c].counter;
					have_base[ro] = true;
				}
			for (; *c < end[ro] && x.r[*c].ts < we; (*c)++) {
				struct row *r = &x.r[*c];

				if (!any && r->has_counter)
					firstc = r->counter;
				any = true;
				sum += r->sum;
				cnt += r->count;
				if (r->min < mn)
					mn = r->min;
				if (r->max > mx)
					mx = r->max;
				if (r->has_counter && !isnan(r->counter)) {
					lastc = r->counter;
					have_last = true;
				}
			}
			if (!any)
				continue;
			ok = true;
			switch (q->fn) {
			case SRW_MQ_SUM: v = sum; break;
			case SRW_MQ_MIN: v = mn; break;
			case SRW_MQ_MAX: v = mx; break;
			case SRW_MQ_RATE:
			case SRW_MQ_INCREASE:
				/* from the end of the last window with data (or, for raw
				 * points with nothing before, the window's first point) */
				if (!have_last || (!have_base[ro] && ro)) {
					ok = false;
					break;
				}
				v = lastc - (have_base[ro] ? base[ro] : firstc);
				if (q->fn == SRW_MQ_RATE)
					v /= (double)q->step / 1000.0;
				break;
			default:
				ok = cnt > 0;
				v = ok ? sum / (double)cnt : 0;
			}
			if (have_last) {
				base[ro] = lastc;
				have_base[ro] = true;
			}
			if (ok)
				json_array_append_new(pts, json_pack("[I, f]", (json_int_t)ws, v));
		}
		one = json_pack("{s:s, s:O}", "name", q->name, "labels", x.s[s].labels);
		if (x.s[s].le)
			json_object_set_new(one, "le", json_string(x.s[s].le));
		json_object_set_new(one, "points", pts);
		json_array_append_new(out, one);
	}
	if (plan_out)
		*plan_out = plan;
	else
		json_decref(plan);
done:
	free(use_rollup);
	for (i = 0; i < x.ns; i++) {
		free(x.s[i].key);
		free(x.s[i].le);
		json_decref(x.s[i].labels);
	}
	free(x.s);
	free(x.r);
	srw_buf_free(&x.tmp);
	return out;
}
