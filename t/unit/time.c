/* Check tests for lib/time.c: parsing, formatting, Pacific day windows. */
#include <check.h>
#include <stdlib.h>

#include "srw.h"
#include "check_run.h"

#define H 3600000LL

static int64_t
utc(const char *s)
{
	int64_t ms = -1;

	ck_assert_msg(srw_time_parse(s, &ms) == 0, "parse %s", s);
	return ms;
}

START_TEST(parse_forms)
{
	ck_assert_int_eq(utc("2026-03-10 14:03:22"), 1773151402000LL);
	ck_assert_int_eq(utc("2026-03-10T14:03:22Z"), 1773151402000LL);
	ck_assert_int_eq(utc("2026-03-10T07:03:22-07:00"), 1773151402000LL);
	ck_assert_int_eq(utc("2026-03-10T15:03:22.250+01:00"), 1773151402250LL);
	ck_assert_int_eq(utc("2026-03-10T14:03:22.123456789Z"), 1773151402123LL);
	ck_assert_int_eq(utc("1773151402"), 1773151402000LL);
	ck_assert_int_eq(utc("1773151402000"), 1773151402000LL);
	ck_assert_int_eq(utc("1970-01-01"), 0);
	ck_assert_int_eq(utc("1969-12-31T23:59:59Z"), -1000);
}
END_TEST

START_TEST(parse_rejects)
{
	int64_t ms;
	const char *bad[] = { "", "2026-13-01", "2026-02-30 00:00:00", "2026-03-10 24:00:00",
		"2026-03-10T10:00:00+25:00", "2026-03-10 10:00:00 junk", "yesterday",
		"2026-3-1", NULL };
	int i;

	for (i = 0; bad[i]; i++)
		ck_assert_msg(srw_time_parse(bad[i], &ms) != 0, "accepted %s", bad[i]);
	ck_assert_int_ne(srw_time_parse_sql("2026-03-10T14:03:22Z", &ms), 0);
	ck_assert_int_eq(srw_time_parse_sql("2024-02-29 00:00:00", &ms), 0);
	ck_assert_int_ne(srw_time_parse_sql("2023-02-29 00:00:00", &ms), 0);
}
END_TEST

START_TEST(format_round_trip)
{
	char buf[32];

	ck_assert_str_eq(srw_time_fmt_sql(1773151402000LL, buf), "2026-03-10 14:03:22");
	ck_assert_str_eq(srw_time_fmt_rfc3339(1773151402000LL, buf), "2026-03-10T14:03:22Z");
	ck_assert_str_eq(srw_time_fmt_rfc3339(1773151402007LL, buf),
	    "2026-03-10T14:03:22.007Z");
	ck_assert_str_eq(srw_time_fmt_sql(-1000, buf), "1969-12-31 23:59:59");
	/* every day of four years survives format -> parse */
	for (int64_t d = 0; d < 4 * 366; d++) {
		int64_t ms = (20000 + d) * 86400000LL + d * 1234567 % 86400000LL, back;

		srw_time_fmt_sql(ms - ms % 1000, buf);
		ck_assert_int_eq(srw_time_parse_sql(buf, &back), 0);
		ck_assert_int_eq(back, ms - ms % 1000);
	}
}
END_TEST

START_TEST(pacific_windows)
{
	int64_t s, e;

	/* an ordinary winter day: 08:00 UTC to 08:00 UTC */
	srw_pacific_day(2026, 1, 15, &s, &e);
	ck_assert_int_eq(s, utc("2026-01-15T08:00:00Z"));
	ck_assert_int_eq(e - s, 24 * H);
	/* spring forward 2026-03-08: 23 hours */
	srw_pacific_day(2026, 3, 8, &s, &e);
	ck_assert_int_eq(s, utc("2026-03-08T08:00:00Z"));
	ck_assert_int_eq(e, utc("2026-03-09T07:00:00Z"));
	ck_assert_int_eq(e - s, 23 * H);
	/* a summer day */
	srw_pacific_day(2026, 3, 10, &s, &e);
	ck_assert_int_eq(s, utc("2026-03-10T07:00:00Z"));
	ck_assert_int_eq(e - s, 24 * H);
	/* fall back 2026-11-01: 25 hours */
	srw_pacific_day(2026, 11, 1, &s, &e);
	ck_assert_int_eq(s, utc("2026-11-01T07:00:00Z"));
	ck_assert_int_eq(e, utc("2026-11-02T08:00:00Z"));
	ck_assert_int_eq(e - s, 25 * H);
	/* 2027 rules: 2027-03-14 and 2027-11-07 */
	srw_pacific_day(2027, 3, 14, &s, &e);
	ck_assert_int_eq(e - s, 23 * H);
	srw_pacific_day(2027, 11, 7, &s, &e);
	ck_assert_int_eq(e - s, 25 * H);
}
END_TEST

START_TEST(pacific_offsets_and_dates)
{
	char buf[16];
	int y, m, d;

	ck_assert_int_eq(srw_pacific_offset(utc("2026-03-08T09:59:59Z")), -8 * 3600);
	ck_assert_int_eq(srw_pacific_offset(utc("2026-03-08T10:00:00Z")), -7 * 3600);
	ck_assert_int_eq(srw_pacific_offset(utc("2026-11-01T08:59:59Z")), -7 * 3600);
	ck_assert_int_eq(srw_pacific_offset(utc("2026-11-01T09:00:00Z")), -8 * 3600);
	/* 06:59 UTC on the 11th is still the 10th in Los Angeles (PDT) */
	ck_assert_str_eq(srw_pacific_date(utc("2026-03-11T06:59:59Z"), buf), "2026-03-10");
	ck_assert_str_eq(srw_pacific_date(utc("2026-03-11T07:00:00Z"), buf), "2026-03-11");
	ck_assert_str_eq(srw_pacific_date(utc("2026-01-01T07:59:59Z"), buf), "2025-12-31");
	srw_pacific_date_rel(utc("2026-03-01T12:00:00Z"), -1, &y, &m, &d);
	ck_assert(y == 2026 && m == 2 && d == 28);
	ck_assert_int_eq(srw_date_parse("2026-02-29", &y, &m, &d), -1);
	ck_assert_int_eq(srw_date_parse("2028-02-29", &y, &m, &d), 0);
}
END_TEST

START_TEST(durations)
{
	ck_assert_int_eq(srw_parse_duration_ms("15s"), 15000);
	ck_assert_int_eq(srw_parse_duration_ms("2m"), 120000);
	ck_assert_int_eq(srw_parse_duration_ms("1h30m"), 5400000);
	ck_assert_int_eq(srw_parse_duration_ms("500ms"), 500);
	ck_assert_int_eq(srw_parse_duration_ms("30"), 30000);
	ck_assert_int_eq(srw_parse_duration_ms("4x"), -1);
	ck_assert_int_eq(srw_parse_duration_ms(""), -1);
	ck_assert_int_eq(srw_parse_duration_ms("-5s"), -1);
}
END_TEST

START_TEST(pacific_days_and_hours)
{
	/* 2026-03-08: clocks go 01:59:59 PST -> 03:00:00 PDT at 10:00 UTC */
	ck_assert_int_eq(srw_pacific_days(utc("2026-03-08 07:59:59")),
	    srw_days_from_civil(2026, 3, 7));
	ck_assert_int_eq(srw_pacific_days(utc("2026-03-08 08:00:00")),
	    srw_days_from_civil(2026, 3, 8));
	ck_assert_int_eq(srw_pacific_hour(utc("2026-03-08 09:59:59")), 1);
	ck_assert_int_eq(srw_pacific_hour(utc("2026-03-08 10:00:00")), 3);
	ck_assert_int_eq(srw_pacific_hour(utc("1969-12-31 23:00:00")), 15);
	ck_assert_int_eq(srw_pacific_days(utc("1970-01-01 07:00:00")), -1);
	ck_assert_int_eq(SRW_WEEK_MS, 7 * 24 * H);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("time");
	TCase *tc = tcase_create("time");

	tcase_add_test(tc, parse_forms);
	tcase_add_test(tc, parse_rejects);
	tcase_add_test(tc, format_round_trip);
	tcase_add_test(tc, pacific_windows);
	tcase_add_test(tc, pacific_offsets_and_dates);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, pacific_days_and_hours);
	suite_add_tcase(s, tc);
	return check_run(s);
}
