/* points.c - metric points (DESIGN.md, record formats) read fast from an
 * srw_val record, and written back with the fast writer.
 *
 * The reader makes one pass over the record's members and no allocation
 * once the point's key buffer has grown to size: rollup and evaluate call
 * it for every input line. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"

static const char *const type_names[] = {
	[SRW_PT_GAUGE] = "gauge",
	[SRW_PT_COUNTER] = "counter",
	[SRW_PT_HISTOGRAM] = "histogram",
	[SRW_PT_SUMMARY] = "summary",
};

void
srw_point_init(srw_point *p)
{
	memset(p, 0, sizeof *p);
	srw_buf_init(&p->key);
}

void
srw_point_free(srw_point *p)
{
	srw_buf_free(&p->key);
}

const char *
srw_point_type_name(enum srw_ptype t)
{
	return (unsigned)t < sizeof type_names / sizeof *type_names ?
	    type_names[t] : "gauge";
}

int
srw_point_type_parse(const char *s, enum srw_ptype *t)
{
	if (!s || strcmp(s, "gauge") == 0 || strcmp(s, "untyped") == 0)
		*t = SRW_PT_GAUGE;
	else if (strcmp(s, "counter") == 0)
		*t = SRW_PT_COUNTER;
	else if (strcmp(s, "histogram") == 0)
		*t = SRW_PT_HISTOGRAM;
	else if (strcmp(s, "summary") == 0)
		*t = SRW_PT_SUMMARY;
	else
		return -1;
	return 0;
}

/* Escape the key's separators so "a=b,c" as a value cannot forge a label. */
static void
key_add(srw_buf *b, const char *s)
{
	size_t n;

	/* spans without separators in one copy: this runs for every point */
	for (;;) {
		n = strcspn(s, ",=\\");
		srw_buf_add(b, s, n);
		if (!s[n])
			return;
		srw_buf_add(b, "\\", 1);
		srw_buf_add(b, s + n, 1);
		s += n + 1;
	}
}

static bool
num_or_special(const srw_val *v, double *out)
{
	const char *s = srw_val_str(v);

	if (s) {
		/* Prometheus' spellings of the values JSON cannot hold */
		if (strcmp(s, "NaN") == 0 || strcmp(s, "nan") == 0) {
			*out = NAN;
			return true;
		}
		if (strcmp(s, "+Inf") == 0 || strcmp(s, "Inf") == 0 || strcmp(s, "inf") == 0) {
			*out = INFINITY;
			return true;
		}
		if (strcmp(s, "-Inf") == 0 || strcmp(s, "-inf") == 0) {
			*out = -INFINITY;
			return true;
		}
	}
	return srw_val_num(v, out);
}

int
srw_point_read(srw_point *p, const srw_val *rec, char *err, size_t errsz)
{
	srw_val *c, *labels = NULL;
	const char *type = NULL;
	bool have_ts = false, have_val = false;
	size_t i, j;
	double d;

	p->name = NULL;
	p->nlabels = 0;
	p->le = NULL;
	p->type = SRW_PT_GAUGE;
	srw_buf_reset(&p->key);
	for (c = srw_val_first(rec); c; c = srw_val_next(c)) {
		const char *k = srw_val_key(c);

		switch (k[0]) {
		case 'n':
			if (strcmp(k, "name") == 0)
				p->name = srw_val_str(c);
			break;
		case 'l':
			if (strcmp(k, "labels") == 0)
				labels = c;
			else if (strcmp(k, "le") == 0) {
				if (!(p->le = srw_val_str(c)) && srw_val_type(c) == SRW_NUM &&
				    srw_val_num(c, &d)) {
					/* a numeric le, as Prometheus prints it */
					if (isinf(d))
						snprintf(p->le_buf, sizeof p->le_buf, "%s",
						    d > 0 ? "+Inf" : "-Inf");
					else if (snprintf(p->le_buf, sizeof p->le_buf, "%.15g", d) > 0 &&
					    strtod(p->le_buf, NULL) != d)
						snprintf(p->le_buf, sizeof p->le_buf, "%.17g", d);
					p->le = p->le_buf;
				}
			}
			break;
		case 't':
			if (strcmp(k, "ts") == 0) {
				const char *s;

				if (srw_val_type(c) == SRW_NUM && srw_val_num(c, &d) &&
				    isfinite(d) && fabs(d) < 9.2e18) {
					p->ts = (int64_t)d;
					have_ts = true;
				} else if ((s = srw_val_str(c)) && srw_time_parse(s, &p->ts) == 0) {
					have_ts = true;
				}
			} else if (strcmp(k, "type") == 0) {
				type = srw_val_str(c);
				if (!type && srw_val_type(c) != SRW_NULL) {
					snprintf(err, errsz, "type is not a string");
					return -1;
				}
			}
			break;
		case 'v':
			if (strcmp(k, "value") == 0)
				have_val = num_or_special(c, &p->value);
			break;
		}
	}
	if (!p->name || !*p->name) {
		snprintf(err, errsz, "metric point without a name");
		return -1;
	}
	if (!have_ts) {
		snprintf(err, errsz, "metric point without a valid ts (epoch ms)");
		return -1;
	}
	if (!have_val) {
		snprintf(err, errsz, "metric point without a numeric value");
		return -1;
	}
	if (srw_point_type_parse(type, &p->type) != 0) {
		snprintf(err, errsz, "unknown type \"%.40s\"", type);
		return -1;
	}
	if (labels && srw_val_type(labels) != SRW_OBJ && srw_val_type(labels) != SRW_NULL) {
		snprintf(err, errsz, "labels is not an object");
		return -1;
	}
	for (c = srw_val_first(labels); c; c = srw_val_next(c)) {
		const char *v = srw_val_str(c);
		srw_point_label l;

		if (!v) {
			snprintf(err, errsz, "label %.40s is not a string", srw_val_key(c));
			return -1;
		}
		if (p->nlabels == SRW_POINT_MAXLABELS) {
			snprintf(err, errsz, "more than %d labels", SRW_POINT_MAXLABELS);
			return -1;
		}
		l.k = srw_val_key(c);
		l.v = v;
		/* insertion sort: points have a handful of labels */
		for (i = p->nlabels; i > 0 && strcmp(p->labels[i - 1].k, l.k) > 0; i--)
			p->labels[i] = p->labels[i - 1];
		if (i > 0 && strcmp(p->labels[i - 1].k, l.k) == 0) {
			snprintf(err, errsz, "label %.40s given twice", l.k);
			for (j = i; j < p->nlabels; j++)
				p->labels[j] = p->labels[j + 1];
			return -1;
		}
		p->labels[i] = l;
		p->nlabels++;
	}
	for (i = 0; i < p->nlabels; i++) {
		if (i)
			srw_buf_add(&p->key, ",", 1);
		key_add(&p->key, p->labels[i].k);
		srw_buf_add(&p->key, "=", 1);
		key_add(&p->key, p->labels[i].v);
	}
	if (p->key.cap == 0)
		srw_buf_grow(&p->key, 64);	/* key.s is never NULL */
	return 0;
}

const char *
srw_point_get_label(const srw_point *p, const char *k)
{
	size_t i;

	for (i = 0; i < p->nlabels; i++)
		if (strcmp(p->labels[i].k, k) == 0)
			return p->labels[i].v;
	return NULL;
}

void
srw_point_jw_labels(srw_buf *b, const srw_point_label *l, size_t n)
{
	size_t i;

	srw_jw_obj(b, "labels");
	for (i = 0; i < n; i++)
		srw_jw_str(b, l[i].k, l[i].v);
	srw_jw_close(b, '}');
}

void
srw_point_jw_value(srw_buf *b, const char *key, double v)
{
	if (isnan(v))
		srw_jw_str(b, key, "NaN");
	else if (isinf(v))
		srw_jw_str(b, key, v > 0 ? "+Inf" : "-Inf");
	else
		srw_jw_num(b, key, v);
}

void
srw_point_jw(srw_buf *b, const char *name, const srw_point_label *l, size_t n,
    int64_t ts, double value, enum srw_ptype type, const char *le)
{
	srw_jw_begin(b);
	srw_jw_str(b, "name", name);
	srw_point_jw_labels(b, l, n);
	srw_jw_int(b, "ts", ts);
	srw_point_jw_value(b, "value", value);
	srw_jw_str(b, "type", srw_point_type_name(type));
	if (le)
		srw_jw_str(b, "le", le);
	srw_jw_end(b);
}

void
srw_point_sort_labels(srw_point_label *l, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		srw_point_label x = l[i];

		for (j = i; j > 0 && strcmp(l[j - 1].k, x.k) > 0; j--)
			l[j] = l[j - 1];
		l[j] = x;
	}
}

bool
srw_point_in_shard(const srw_point *p, const char *by_label, unsigned i, unsigned n)
{
	uint64_t h = SRW_HASH_SEED;
	const char *v;

	if (n <= 1)
		return true;
	if (by_label && (v = srw_point_get_label(p, by_label))) {
		h = srw_hash64(v, strlen(v), h);
	} else {
		h = srw_hash64(p->name, strlen(p->name) + 1, h);
		h = srw_hash64(p->key.s ? p->key.s : "", p->key.len + 1, h);
		if (p->le)
			h = srw_hash64(p->le, strlen(p->le), h);
	}
	return srw_shard_of(h, n) == i;
}
