/* srw/points.h: the declarations of lib/points.c (see srw.h) */
#ifndef SRW_POINTS_H
#define SRW_POINTS_H

#include "srw/base.h"
#include "srw/buf.h"
#include "srw/val.h"

/* ---- lib/points.c: metric points (DESIGN.md) read and written fast ---- */
/*
 * srw_point_read fills p from an NDJSON record without allocating (after
 * warm-up): name, labels sorted by key, the canonical series key
 * "k=v,k=v" (sorted; ',', '=' and '\\' escaped with '\\'), ts (epoch ms, or
 * a time string srw_time_parse accepts), value (a number, or "NaN", "+Inf",
 * "-Inf"), type (gauge when absent; "untyped" is gauge) and le (a string or
 * number; NULL when absent).  Strings point into the record (or p), valid
 * until the record is freed or p is read again.  Returns 0, or -1 with the
 * reason in err.  Two points are the same series when name, key and le are
 * equal.
 */
#define SRW_POINT_MAXLABELS 64
enum srw_ptype { SRW_PT_GAUGE, SRW_PT_COUNTER, SRW_PT_HISTOGRAM, SRW_PT_SUMMARY };
typedef struct srw_point_label {
	const char *k, *v;
} srw_point_label;
typedef struct srw_point {
	const char *name;
	srw_point_label labels[SRW_POINT_MAXLABELS];	/* sorted by k */
	size_t nlabels;
	srw_buf key;	/* canonical label key, NUL-terminated */
	int64_t ts;
	double value;
	enum srw_ptype type;
	const char *le;
	char le_buf[40];
} srw_point;
void srw_point_init(srw_point *p);
void srw_point_free(srw_point *p);
int srw_point_read(srw_point *p, const srw_val *rec, char *err, size_t errsz);
const char *srw_point_get_label(const srw_point *p, const char *k);	/* NULL if absent */
const char *srw_point_type_name(enum srw_ptype t);
int srw_point_type_parse(const char *s, enum srw_ptype *t);	/* NULL -> gauge */
void srw_point_sort_labels(srw_point_label *l, size_t n);
/* Is the point's series in shard i of n?  Hashes the value of by_label when
 * given and present (rollup --snapshot shards whole clusters), else name,
 * label key and le: stable across machines and runs. */
bool srw_point_in_shard(const srw_point *p, const char *by_label, unsigned i, unsigned n);
/* Writers (srw_jw): "labels":{…} in the order given; a value with NaN/Inf
 * as the strings above; a whole point line (le NULL: none). */
void srw_point_jw_labels(srw_buf *b, const srw_point_label *l, size_t n);
void srw_point_jw_value(srw_buf *b, const char *key, double v);
void srw_point_jw(srw_buf *b, const char *name, const srw_point_label *l, size_t n,
    int64_t ts, double value, enum srw_ptype type, const char *le);

#endif
