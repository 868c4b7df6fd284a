/*
 * score.c - the cluster health score, exactly as ../shared/SCORING.md
 * defines it: sub-scores per dimension, the weighted metric score with its
 * trend penalty, the alert and tier scores, the rounded total and its risk
 * level.  Pure arithmetic in double precision, no I/O: the score tool feeds
 * it and t/unit/score.c checks it against the worked example.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "srw.h"

const srw_score_dim srw_score_dims[SRW_SCORE_NDIM] = {
	{ "starrocks_be_cpu_util_percent", "cpu", "cpu", "%", 55, 70, 0.20 },
	{ "starrocks_be_jvm_heap_used_percent", "heap", "heap", "%", 55, 75, 0.20 },
	{ "starrocks_be_disks_data_used_pct", "disk", "disk", "%", 70, 85, 0.20 },
	{ "starrocks_be_compaction_score_average", "compaction", "compaction score",
	  "", 100, 500, 0.15 },
	{ "starrocks_fe_query_latency_ms_p99", "latency", "p99 latency", " ms",
	  5000, 15000, 0.15 },
	{ "starrocks_fe_query_err", "errors", "query errors", "%", 0.1, 2, 0.10 },
};

/* Points of the trend penalty per dimension, and its cap. */
#define TREND_POINTS 5.0
#define TREND_CAP 15.0
#define TREND_RATIO 1.5

double
srw_score_sub(double v, double h, double c)
{
	double s;

	if (v < h)
		s = 100 - 20 * v / h;
	else if (v <= c)
		s = 79 - 29 * (v - h) / (c - h);
	else
		s = 49 * fmax(0, 1 - (v - c) / (c - h));
	/* only a negative value (never a real reading) leaves 0..100 */
	return fmin(100, fmax(0, s));
}

double
srw_score_round(double x, int decimals)
{
	double p = pow(10, decimals), y, r;

	if (!isfinite(x))
		return x;
	y = fabs(x) * p;
	r = floor(y);
	if (y - r >= 0.5 - 1e-9 * fmax(1, y))
		r += 1;
	if (r == 0)
		return 0;	/* never -0 */
	return copysign(r / p, x);
}

double
srw_score_tier_k(char tier)
{
	switch (tier) {
	case 'S': case 's': return 1.5;
	case 'A': case 'a': return 1.25;
	case 'C': case 'c': return 0.75;
	default: return 1.0;
	}
}

enum srw_score_risk
srw_score_risk_of(double rounded)
{
	if (isnan(rounded))
		return SRW_SCORE_UNKNOWN;
	if (rounded >= 80)
		return SRW_SCORE_HEALTHY;
	if (rounded >= 50)
		return SRW_SCORE_WARNING;
	return SRW_SCORE_CRITICAL;
}

const char *
srw_score_risk_name(enum srw_score_risk r)
{
	switch (r) {
	case SRW_SCORE_HEALTHY: return "Healthy";
	case SRW_SCORE_WARNING: return "Warning";
	case SRW_SCORE_CRITICAL: return "Critical";
	default: return "Unknown";
	}
}

int
srw_score_dim_find(const char *metric)
{
	int i;

	for (i = 0; metric && i < SRW_SCORE_NDIM; i++)
		if (strcmp(srw_score_dims[i].metric, metric) == 0)
			return i;
	return -1;
}

void
srw_score_compute(const srw_score_in *in, srw_score_out *out)
{
	double wsum = 0, ssum = 0, pen = 0, lost;
	long crit = in->critical > 0 ? in->critical : 0;
	long warn = in->warning > 0 ? in->warning : 0;
	long info = in->info > 0 ? in->info : 0;
	int i;

	memset(out, 0, sizeof *out);
	for (i = 0; i < SRW_SCORE_NDIM; i++) {
		const srw_score_dim *d = &srw_score_dims[i];
		double v = in->value[i], b = in->baseline[i], s;

		out->sub[i] = NAN;
		if (!isfinite(v))
			continue;
		s = out->sub[i] = srw_score_sub(v, d->healthy, d->critical);
		wsum += d->weight;
		ssum += d->weight * s;
		out->ndims++;
		if (isfinite(b) && b > 0 && v > TREND_RATIO * b && s < 80) {
			out->trend[i] = true;
			pen += TREND_POINTS;
		}
	}
	out->penalty = fmin(pen, TREND_CAP);
	lost = 15.0 * (double)crit + 5.0 * (double)warn + (double)info;
	out->alert = fmax(0, 100 - lost);
	if (out->ndims == 0) {
		out->metric_raw = out->metric = out->tier = NAN;
		out->exact = out->score = NAN;
		out->risk = SRW_SCORE_UNKNOWN;
		return;
	}
	out->metric_raw = ssum / wsum;
	out->metric = fmax(0, out->metric_raw - out->penalty);
	out->tier = fmax(0, 100 - srw_score_tier_k(in->tier) *
	    (100 - fmin(out->metric, out->alert)));
	out->exact = 0.60 * out->metric + 0.25 * out->alert + 0.15 * out->tier;
	out->score = srw_score_round(out->exact, 1);
	out->risk = srw_score_risk_of(out->score);
}

/* A reading as people write it: 88, 87.6, 0.05, 4000. */
static void
fmt_value(char *buf, size_t n, double v)
{
	if (fabs(v) >= 100)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.3g", v);
}

struct factor {
	double cost;	/* score points it takes away, roughly */
	int order;	/* tie-break: table order */
	char text[96];
};

int
srw_score_factors(const srw_score_in *in, const srw_score_out *out,
    char f[][96], int max)
{
	struct factor fs[SRW_SCORE_NDIM + 4], tmp;
	static const char *sevname[3] = { "critical", "warning", "info" };
	static const double sevpts[3] = { 15, 5, 1 };
	long counts[3] = { in->critical, in->warning, in->info };
	double wsum = 0;
	int n = 0, i, j;

	if (out->ndims == 0) {
		fs[n].cost = 1e9;
		fs[n].order = -1;
		snprintf(fs[n].text, sizeof fs[n].text, "no metric data");
		n++;
	}
	for (i = 0; i < SRW_SCORE_NDIM; i++)
		if (!isnan(out->sub[i]))
			wsum += srw_score_dims[i].weight;
	for (i = 0; i < SRW_SCORE_NDIM; i++) {
		const srw_score_dim *d = &srw_score_dims[i];
		char v[32], b[32];
		double s = out->sub[i];

		if (isnan(s) || s >= 80)
			continue;
		fmt_value(v, sizeof v, in->value[i]);
		fs[n].cost = 0.60 * d->weight / wsum * (100 - s) +
		    (out->trend[i] ? 0.60 * TREND_POINTS : 0);
		fs[n].order = i;
		if (out->trend[i]) {
			fmt_value(b, sizeof b, in->baseline[i]);
			snprintf(fs[n].text, sizeof fs[n].text,
			    "%s %s%s (%s, up from %s%s a week ago)", d->label, v, d->unit,
			    s < 50 ? "critical" : "warning", b, d->unit);
		} else {
			snprintf(fs[n].text, sizeof fs[n].text, "%s %s%s (%s)", d->label,
			    v, d->unit, s < 50 ? "critical" : "warning");
		}
		n++;
	}
	for (i = 0; i < 3; i++) {
		if (counts[i] <= 0)
			continue;
		fs[n].cost = 0.25 * sevpts[i] * (double)counts[i];
		fs[n].order = SRW_SCORE_NDIM + i;
		snprintf(fs[n].text, sizeof fs[n].text, "%ld %s alert%s", counts[i],
		    sevname[i], counts[i] == 1 ? "" : "s");
		n++;
	}
	/* insertion sort: at most ten entries */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && (fs[j].cost > fs[j - 1].cost ||
		    (fs[j].cost == fs[j - 1].cost && fs[j].order < fs[j - 1].order)); j--) {
			tmp = fs[j];
			fs[j] = fs[j - 1];
			fs[j - 1] = tmp;
		}
	for (i = 0; i < n && i < max; i++)
		memcpy(f[i], fs[i].text, sizeof fs[i].text);
	return i;
}
