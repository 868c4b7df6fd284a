/* Check tests for lib/score.c: SCORING.md's formula, its worked example,
 * every threshold boundary, missing dimensions, no data, tiers, rounding. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "check_run.h"

enum { CPU, HEAP, DISK, COMPACTION, LATENCY, ERRORS };

static srw_score_in
empty_in(char tier)
{
	srw_score_in in;
	int i;

	memset(&in, 0, sizeof in);
	for (i = 0; i < SRW_SCORE_NDIM; i++)
		in.value[i] = in.baseline[i] = NAN;
	in.tier = tier;
	return in;
}

/* every dimension at 0 (sub-score 100) */
static srw_score_in
perfect_in(char tier)
{
	srw_score_in in = empty_in(tier);

	for (int i = 0; i < SRW_SCORE_NDIM; i++)
		in.value[i] = 0;
	return in;
}

#define near(got, want) ck_assert_msg(fabs((got) - (want)) < 5e-5, \
	"%s = %.6f, want %.6f", #got, (double)(got), (double)(want))

START_TEST(worked_example)
{
	srw_score_in in = empty_in('A');
	srw_score_out o;
	char f[8][96];
	int n;

	in.value[CPU] = 62;
	in.value[HEAP] = 40;
	in.value[DISK] = 88;
	in.value[COMPACTION] = 120;
	in.value[LATENCY] = 4000;
	in.value[ERRORS] = 0.05;
	memcpy(in.baseline, in.value, sizeof in.value);
	in.baseline[CPU] = 30;
	in.critical = 1;
	in.warning = 2;
	srw_score_compute(&in, &o);
	near(o.sub[CPU], 65.4667);
	near(o.sub[HEAP], 85.4545);
	near(o.sub[DISK], 39.2);
	near(o.sub[COMPACTION], 77.55);
	near(o.sub[LATENCY], 84);
	near(o.sub[ERRORS], 90);
	ck_assert_int_eq(o.ndims, 6);
	near(o.metric_raw, 71.2567);
	ck_assert(o.trend[CPU]);
	for (int i = HEAP; i <= ERRORS; i++)
		ck_assert(!o.trend[i]);
	near(o.penalty, 5);
	near(o.metric, 66.2567);
	near(o.alert, 75);
	near(o.tier, 57.8209);
	/* the example adds its rounded terms; unrounded it is 67.177185 */
	ck_assert(fabs(o.exact - 67.1771) < 1e-4);
	ck_assert(o.score == 67.2);
	ck_assert_int_eq(o.risk, SRW_SCORE_WARNING);
	ck_assert_str_eq(srw_score_risk_name(o.risk), "Warning");

	n = srw_score_factors(&in, &o, f, 8);
	ck_assert_int_eq(n, 5);
	ck_assert_str_eq(f[0], "disk 88% (critical)");
	ck_assert_str_eq(f[1], "cpu 62% (warning, up from 30% a week ago)");
	ck_assert_str_eq(f[2], "1 critical alert");
	ck_assert_str_eq(f[3], "2 warning alerts");
	ck_assert_str_eq(f[4], "compaction score 120 (warning)");
	ck_assert_int_eq(srw_score_factors(&in, &o, f, 3), 3);
}
END_TEST

/* Each formula branch at and around its thresholds, for every dimension. */
START_TEST(sub_score_boundaries)
{
	for (int i = 0; i < SRW_SCORE_NDIM; i++) {
		const srw_score_dim *d = &srw_score_dims[i];
		double h = d->healthy, c = d->critical, eps = h * 1e-9;

		near(srw_score_sub(0, h, c), 100);
		near(srw_score_sub(h / 2, h, c), 90);
		near(srw_score_sub(h - eps, h, c), 80);
		ck_assert(srw_score_sub(h - eps, h, c) > 79.99);
		ck_assert(srw_score_sub(h, h, c) == 79);
		near(srw_score_sub((h + c) / 2, h, c), 64.5);
		ck_assert(srw_score_sub(c, h, c) == 50);
		near(srw_score_sub(c + eps, h, c), 49);
		ck_assert(srw_score_sub(c + eps, h, c) <= 49);
		near(srw_score_sub(c + (c - h) / 2, h, c), 24.5);
		ck_assert(srw_score_sub(2 * c - h, h, c) == 0);
		ck_assert(srw_score_sub(10 * c, h, c) == 0);
		ck_assert(srw_score_sub(-5, h, c) == 100);	/* clamped */
	}
	/* the table itself */
	ck_assert_str_eq(srw_score_dims[DISK].metric, "starrocks_be_disks_data_used_pct");
	ck_assert_int_eq(srw_score_dim_find("starrocks_fe_query_err"), ERRORS);
	ck_assert_int_eq(srw_score_dim_find("starrocks_be_mem_bytes"), -1);
	ck_assert_int_eq(srw_score_dim_find(NULL), -1);
}
END_TEST

START_TEST(rounding_half_away_from_zero)
{
	ck_assert(srw_score_round(67.25, 1) == 67.3);
	ck_assert(srw_score_round(-67.25, 1) == -67.3);
	ck_assert(srw_score_round(67.24999, 1) == 67.2);
	ck_assert(srw_score_round(79.95, 1) == 80.0);	/* 79.9500000000000028 */
	ck_assert(srw_score_round(49.95, 1) == 50.0);	/* 49.9500000000000028 */
	ck_assert(srw_score_round(0.15, 1) == 0.2);	/* 0.1499999999999999944 */
	ck_assert(srw_score_round(2.675, 2) == 2.68);	/* 2.67499999999999982 */
	ck_assert(srw_score_round(0.5, 0) == 1);
	ck_assert(srw_score_round(-0.5, 0) == -1);
	ck_assert(!signbit(srw_score_round(-0.01, 1)));	/* no -0 */
	ck_assert(isnan(srw_score_round(NAN, 1)));
}
END_TEST

START_TEST(risk_boundaries)
{
	srw_score_in in = perfect_in('B');
	srw_score_out o;

	ck_assert_int_eq(srw_score_risk_of(80), SRW_SCORE_HEALTHY);
	ck_assert_int_eq(srw_score_risk_of(79.9), SRW_SCORE_WARNING);
	ck_assert_int_eq(srw_score_risk_of(50), SRW_SCORE_WARNING);
	ck_assert_int_eq(srw_score_risk_of(49.9), SRW_SCORE_CRITICAL);
	ck_assert_int_eq(srw_score_risk_of(NAN), SRW_SCORE_UNKNOWN);

	/* M' = 100, tier B: score = 60 + 0.4 A; 10 warnings: A = 50 -> 80 */
	in.warning = 10;
	srw_score_compute(&in, &o);
	ck_assert(o.score == 80);
	ck_assert_int_eq(o.risk, SRW_SCORE_HEALTHY);
	in.warning = 11;
	srw_score_compute(&in, &o);
	ck_assert(o.score == 78);
	ck_assert_int_eq(o.risk, SRW_SCORE_WARNING);

	/* M' = A = 50 (disk exactly critical, 10 warnings): 50 is Warning */
	in = empty_in('B');
	in.value[DISK] = 85;
	in.warning = 10;
	srw_score_compute(&in, &o);
	ck_assert(o.score == 50);
	ck_assert_int_eq(o.risk, SRW_SCORE_WARNING);
	in.warning = 11;	/* A = T = 45: 30 + 11.25 + 6.75 = 48 */
	srw_score_compute(&in, &o);
	ck_assert(o.score == 48);
	ck_assert_int_eq(o.risk, SRW_SCORE_CRITICAL);
	ck_assert_str_eq(srw_score_risk_name(o.risk), "Critical");
	ck_assert_str_eq(srw_score_risk_name(SRW_SCORE_HEALTHY), "Healthy");
	ck_assert_str_eq(srw_score_risk_name(SRW_SCORE_UNKNOWN), "Unknown");
}
END_TEST

START_TEST(missing_dimensions_renormalise)
{
	srw_score_in in = empty_in('B');
	srw_score_out o;
	char f[4][96];

	in.value[CPU] = 62;	/* alone: M = its sub-score */
	srw_score_compute(&in, &o);
	ck_assert_int_eq(o.ndims, 1);
	ck_assert(isnan(o.sub[HEAP]) && isnan(o.sub[ERRORS]));
	near(o.metric, 65.466667);
	near(o.tier, 65.466667);	/* B: 100 - (100 - min(M', 100)) */
	near(o.exact, 0.75 * (79 - 29 * 7.0 / 15) + 25);
	ck_assert(o.score == 74.1);

	in.value[ERRORS] = 0.05;	/* (0.2*65.4667 + 0.1*90) / 0.3 */
	srw_score_compute(&in, &o);
	ck_assert_int_eq(o.ndims, 2);
	near(o.metric, 73.644444);

	in.value[HEAP] = INFINITY;	/* not a reading: missing */
	srw_score_compute(&in, &o);
	ck_assert_int_eq(o.ndims, 2);
	ck_assert_int_eq(srw_score_factors(&in, &o, f, 4), 1);
	ck_assert_str_eq(f[0], "cpu 62% (warning)");
}
END_TEST

START_TEST(no_data_is_unknown)
{
	srw_score_in in = empty_in('S');
	srw_score_out o;
	char f[4][96];

	in.baseline[CPU] = 40;	/* a baseline alone scores nothing */
	in.critical = 2;
	srw_score_compute(&in, &o);
	ck_assert_int_eq(o.ndims, 0);
	ck_assert(isnan(o.score) && isnan(o.metric) && isnan(o.tier));
	near(o.alert, 70);
	ck_assert_int_eq(o.risk, SRW_SCORE_UNKNOWN);
	ck_assert_int_eq(srw_score_factors(&in, &o, f, 4), 2);
	ck_assert_str_eq(f[0], "no metric data");
	ck_assert_str_eq(f[1], "2 critical alerts");
}
END_TEST

START_TEST(tiers)
{
	/* M' = 100, 8 warnings: A = 60; T = 100 - k * 40; score = 75 + 0.15 T */
	static const struct { char tier; double t, score; } cases[] = {
		{ 'S', 40, 81 }, { 'A', 50, 82.5 }, { 'B', 60, 84 }, { 'C', 70, 85.5 },
		{ 'X', 60, 84 }, { 0, 60, 84 }, { 'a', 50, 82.5 },
	};
	srw_score_in in;
	srw_score_out o;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		in = perfect_in(cases[i].tier);
		in.warning = 8;
		srw_score_compute(&in, &o);
		near(o.tier, cases[i].t);
		ck_assert_msg(o.score == cases[i].score, "tier %c: %g", cases[i].tier,
		    o.score);
	}
	/* T never goes below 0: S with A = 0 */
	in = perfect_in('S');
	in.critical = 7;
	srw_score_compute(&in, &o);
	ck_assert(o.alert == 0 && o.tier == 0);
	ck_assert(o.score == 60);
	ck_assert(srw_score_tier_k('C') == 0.75);
}
END_TEST

START_TEST(trend_penalty)
{
	srw_score_in in = empty_in('B');
	srw_score_out o;

	in.value[CPU] = 60;	/* s < 80 */
	in.baseline[CPU] = 40;	/* exactly 1.5x: no penalty */
	srw_score_compute(&in, &o);
	ck_assert(!o.trend[CPU] && o.penalty == 0);
	in.baseline[CPU] = 39.99;
	srw_score_compute(&in, &o);
	ck_assert(o.trend[CPU] && o.penalty == 5);
	in.baseline[CPU] = 0;	/* b must be > 0 */
	srw_score_compute(&in, &o);
	ck_assert(o.penalty == 0);
	in.value[CPU] = 50;	/* healthy (s = 81.8): no penalty however it grew */
	in.baseline[CPU] = 10;
	srw_score_compute(&in, &o);
	ck_assert(o.penalty == 0);

	/* four dimensions grew: capped at 15 */
	in = empty_in('B');
	in.value[CPU] = 70;
	in.value[HEAP] = 75;
	in.value[DISK] = 85;
	in.value[COMPACTION] = 500;
	in.baseline[CPU] = 10;
	in.baseline[HEAP] = 10;
	in.baseline[DISK] = 10;
	in.baseline[COMPACTION] = 10;
	srw_score_compute(&in, &o);
	near(o.metric_raw, 50);
	ck_assert(o.penalty == 15);
	near(o.metric, 35);

	/* M' never below 0 */
	in = empty_in('B');
	in.value[DISK] = 1000;
	in.baseline[DISK] = 1;
	srw_score_compute(&in, &o);
	ck_assert(o.metric_raw == 0 && o.penalty == 5 && o.metric == 0);
	ck_assert(o.score == 25);	/* 0.25 * 100, T = 0 */
}
END_TEST

START_TEST(alert_score)
{
	srw_score_in in = perfect_in('B');
	srw_score_out o;
	char f[4][96];

	in.critical = 2;
	in.warning = 3;
	in.info = 4;
	srw_score_compute(&in, &o);
	ck_assert(o.alert == 100 - 30 - 15 - 4);
	ck_assert_int_eq(srw_score_factors(&in, &o, f, 4), 3);
	ck_assert_str_eq(f[0], "2 critical alerts");
	ck_assert_str_eq(f[1], "3 warning alerts");
	ck_assert_str_eq(f[2], "4 info alerts");
	in.critical = 100;
	srw_score_compute(&in, &o);
	ck_assert(o.alert == 0);
	in.critical = -3;	/* nonsense counts as none */
	in.warning = in.info = 0;
	srw_score_compute(&in, &o);
	ck_assert(o.alert == 100 && o.score == 100);
	ck_assert_int_eq(o.risk, SRW_SCORE_HEALTHY);
	ck_assert_int_eq(srw_score_factors(&in, &o, f, 4), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("score");
	TCase *tc = tcase_create("score");

	tcase_add_test(tc, worked_example);
	tcase_add_test(tc, sub_score_boundaries);
	tcase_add_test(tc, rounding_half_away_from_zero);
	tcase_add_test(tc, risk_boundaries);
	tcase_add_test(tc, missing_dimensions_renormalise);
	tcase_add_test(tc, no_data_is_unknown);
	tcase_add_test(tc, tiers);
	tcase_add_test(tc, trend_penalty);
	tcase_add_test(tc, alert_score);
	suite_add_tcase(s, tc);
	return check_run(s);
}
