/* srw/score.h: the declarations of lib/score.c (see srw.h) */
#ifndef SRW_SCORE_H
#define SRW_SCORE_H

#include "srw/base.h"

/* score: lib/score.c, the cluster health score of SCORING.md (pure math). */
#define SRW_SCORE_NDIM 6
typedef struct srw_score_dim {
	const char *metric;	/* dimension name in amv_hourly_snapshots_v1 */
	const char *name;	/* short name, column prefix: cpu, heap, disk, … */
	const char *label;	/* in top factors: "disk", "p99 latency" */
	const char *unit;	/* after the value: "%", " ms", "" */
	double healthy, critical, weight;
} srw_score_dim;
extern const srw_score_dim srw_score_dims[SRW_SCORE_NDIM];
enum srw_score_risk { SRW_SCORE_UNKNOWN, SRW_SCORE_CRITICAL, SRW_SCORE_WARNING,
	SRW_SCORE_HEALTHY };
typedef struct srw_score_in {
	double value[SRW_SCORE_NDIM];	/* at H; NAN (or non-finite): missing */
	double baseline[SRW_SCORE_NDIM];	/* at H - 7 d; NAN: missing */
	long critical, warning, info;	/* firing alert sections, 7 days */
	char tier;	/* S, A, B, C; anything else counts as B */
} srw_score_in;
typedef struct srw_score_out {
	double sub[SRW_SCORE_NDIM];	/* sub-scores; NAN where missing */
	bool trend[SRW_SCORE_NDIM];	/* penalised for growth over baseline */
	int ndims;	/* scored dimensions present */
	double metric_raw, penalty, metric;	/* M, trend penalty, M' */
	double alert, tier;	/* A, T */
	double exact;	/* 0.60 M' + 0.25 A + 0.15 T, unrounded */
	double score;	/* rounded to one decimal; NAN when ndims == 0 */
	enum srw_score_risk risk;
} srw_score_out;
/* Sub-score of value v for thresholds h < c, clamped to 0..100. */
double srw_score_sub(double v, double h, double c);
/* x rounded half away from zero to the given decimals (a value within
 * 1e-9 relative of a half counts as the half: double noise never decides). */
double srw_score_round(double x, int decimals);
double srw_score_tier_k(char tier);	/* 1.5 S, 1.25 A, 1.0 B, 0.75 C */
enum srw_score_risk srw_score_risk_of(double rounded);	/* NAN: Unknown */
const char *srw_score_risk_name(enum srw_score_risk r);	/* "Healthy", … */
int srw_score_dim_find(const char *metric);	/* index, or -1 */
void srw_score_compute(const srw_score_in *in, srw_score_out *out);
/* Up to max top factors in words ("disk 88% (critical)", "1 critical
 * alert"), worst first by the score points each one costs, into f[0..max).
 * Returns the count. */
int srw_score_factors(const srw_score_in *in, const srw_score_out *out,
    char f[][96], int max);

#endif
