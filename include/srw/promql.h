/* srw/promql.h: the declarations of lib/promql.c (see srw.h) */
#ifndef SRW_PROMQL_H
#define SRW_PROMQL_H

#include "srw/base.h"
#include "srw/points.h"
#include "srw/buf.h"

/* ---- lib/promql.c: a PromQL subset over an in-memory series store ---- */
/*
 * Expressions are parsed and compiled into one shared program: every
 * sub-expression is a single-function step (the Monasca threshold-engine
 * proposal), identical steps across all expressions are one node, and each
 * node is computed once per evaluation instant.  Evaluation runs on event
 * time over srw_store, Prometheus 2.x semantics (5m lookback, closed ranges,
 * extrapolated rate/increase/delta).
 */
typedef struct srw_lset {	/* label set sorted by name; __name__ included */
	uint32_t n;
	uint64_t hash;		/* the store's series hash; 0 in evaluation results */
	const char *kv[];	/* name0, value0, name1, value1, ... */
} srw_lset;
typedef struct srw_sample {
	const srw_lset *ls;	/* NULL for a scalar result */
	double v;
} srw_sample;
typedef struct srw_store srw_store;
typedef struct srw_pq srw_pq;

srw_store *srw_store_new(void);
void srw_store_free(srw_store *st);
/* One sample of name{labels}; labels sorted by name (srw_point order),
 * le (NULL: none) joins them.  ttl_ms > 0 replaces the 5m lookback for this
 * sample (numbat-style expiry). */
void srw_store_add(srw_store *st, const char *name, const srw_point_label *l,
    size_t n, const char *le, int64_t ts, double v, int64_t ttl_ms);
void srw_store_add_lset(srw_store *st, const srw_lset *ls, const char *name,
    int64_t ts, double v);
/* Drops samples older than ts - keep_ms and series left empty. */
void srw_store_gc(srw_store *st, int64_t ts, int64_t keep_ms);
size_t srw_store_nseries(const srw_store *st);
const char *srw_lset_get(const srw_lset *ls, const char *name);
uint64_t srw_lset_fingerprint(const srw_lset *ls, const char *skip);

srw_pq *srw_pq_new(void);
void srw_pq_free(srw_pq *pq);
/* Compiles expr into the program; returns its node id, or -1 with the
 * reason ("col N: ...") in err.  Unsupported syntax is an error here. */
int srw_pq_compile(srw_pq *pq, const char *expr, char *err, size_t errsz);
bool srw_pq_is_vector(const srw_pq *pq, int id);
/* History the program needs (largest range + offset + lookback), ms. */
int64_t srw_pq_horizon(const srw_pq *pq);
/* Starts an evaluation instant (drops the previous one's results). */
void srw_pq_begin(srw_pq *pq, srw_store *st, int64_t ts);
/* Forgets results of this instant (after recorded samples were added). */
void srw_pq_invalidate(srw_pq *pq);
/* Result of node id at the current instant, valid until srw_pq_begin;
 * a scalar is one sample with ls NULL.  Counts node computations. */
size_t srw_pq_eval(srw_pq *pq, int id, srw_sample **out);
/* Did node id fail at this instant (many-to-many matching and the other
 * errors Prometheus raises while evaluating)?  The reason, or NULL. */
const char *srw_pq_failed(const srw_pq *pq, int id);
/* --explain: the steps of node id as "tempN = f(...)" lines into b; with
 * alarm, the last step is "if X op C: alarm()" when the root compares with
 * a constant.  Steps printed before (by an earlier call) are marked shared. */
void srw_pq_explain(srw_pq *pq, int id, bool alarm, srw_buf *b);
/* Steps in the program, steps used by more than one parent or rule, and
 * total uses (what would be computed without sharing). */
void srw_pq_stats(const srw_pq *pq, size_t *steps, size_t *shared, size_t *uses);
void srw_pq_use(srw_pq *pq, int id);	/* a rule uses node id as its root */
unsigned long srw_pq_computed(const srw_pq *pq);

#endif
