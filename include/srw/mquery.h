/* srw/mquery.h: the declarations of lib/mquery.c (see srw.h) */
#ifndef SRW_MQUERY_H
#define SRW_MQUERY_H

#include <jansson.h>

#include "srw/base.h"
#include "srw/sql.h"

/* ---- lib/mquery.c: metric queries over raw points and rollups -------- */
/*
 * srw_mq_run answers NAME{k="v",k!="v"} over [from, to) in windows of step
 * (aligned to multiples of step) with fn: it reads the coarsest rollup
 * resolution not coarser than step where the rollups cover whole windows,
 * and raw points elsewhere.  Sources: src->db (metrics.metrics_table and
 * metrics.metrics_rollup), or NDJSON files raw_path / rollup_path (either
 * may be NULL).  Returns a jansson array of series
 * {"name","labels",["le"],"points":[[ts_ms, value], ...]} (windows without
 * data left out), and in *plan (if not NULL) the plan: one object per
 * sub-range {"from","to","from_ms","to_ms","table","resolution","rows"}.
 * NULL with err set on failure.
 */
enum srw_mq_fn { SRW_MQ_AVG, SRW_MQ_SUM, SRW_MQ_MIN, SRW_MQ_MAX, SRW_MQ_RATE,
	SRW_MQ_INCREASE };
typedef struct srw_mq_matcher {
	char *k, *v;
	bool neg;	/* != */
} srw_mq_matcher;
typedef struct srw_mquery {
	char *name;
	srw_mq_matcher *m;
	size_t nm;
	int64_t from, to, step;	/* epoch ms; step in ms */
	enum srw_mq_fn fn;
} srw_mquery;
typedef struct srw_mq_source {
	srw_db *db;
	const char *raw_path, *rollup_path;
} srw_mq_source;
/* Fills q->name and q->m from the selector; 0 or -1 with err. */
int srw_mq_parse_selector(const char *sel, srw_mquery *q, char *err, size_t errsz);
void srw_mq_free(srw_mquery *q);	/* name and matchers */
int srw_mq_fn_parse(const char *s, enum srw_mq_fn *fn);
const char *srw_mq_fn_name(enum srw_mq_fn fn);
bool srw_mq_namechar(int c);
json_t *srw_mq_run(const srw_mquery *q, const srw_mq_source *src, json_t **plan,
    char *err, size_t errsz);
/* metrics end */

#endif
