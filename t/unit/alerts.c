/* alerts.c - the alert row's one splitting rule (lib/alerts.c). */
#include <check.h>
#include <string.h>

#include "srw.h"
#include "check_run.h"

static const char *const none[SRW_ALERT_NF];

/* fields by name over an all-NULL row */
static int
split(srw_alert_row *r, const char *cid, const char *name, const char *detail,
    const srw_section **s)
{
	const char *v[SRW_ALERT_NF];

	memcpy(v, none, sizeof v);
	v[3] = cid;
	v[4] = "Firing";
	v[5] = name;
	v[6] = detail;
	return srw_alert_split(r, "m-f", "2026-03-10 15:20:00", v, s);
}

START_TEST(two_clusters_one_name)
{
	srw_alert_row r = { 0 };
	const srw_section *s;

	/* the contract: a field with fewer parts repeats its last part */
	ck_assert_int_eq(split(&r, "c-40|c-41", "TxnPublishTimeout", NULL, &s), 2);
	ck_assert_str_eq(s[0].cluster_id, "c-40");
	ck_assert_str_eq(s[1].cluster_id, "c-41");
	ck_assert_str_eq(s[0].alert_name, "TxnPublishTimeout");
	ck_assert_str_eq(s[1].alert_name, "TxnPublishTimeout");
	ck_assert_str_eq(s[1].alert_status, "Firing");
	ck_assert_int_eq(s[1].nsections, 2);
	ck_assert_str_eq(s[1].created_at, "2026-03-10 15:20:00");
	srw_alert_row_free(&r);
}
END_TEST

START_TEST(free_text_keeps_its_bars)
{
	srw_alert_row r = { 0 };
	const srw_section *s;

	ck_assert_int_eq(split(&r, "c-1", "X", "a|b|c", &s), 1);
	ck_assert_str_eq(s[0].alert_detail, "a|b|c");
	ck_assert_int_eq(split(&r, "c-1|c-2", "X|Y", "d1|d2|more", &s), 2);
	ck_assert_str_eq(s[0].alert_detail, "d1");
	ck_assert_str_eq(s[1].alert_detail, "d2|more");
	ck_assert_str_eq(s[1].alert_name, "Y");
	srw_alert_row_free(&r);
}
END_TEST

START_TEST(no_alert_name_no_sections)
{
	srw_alert_row r = { 0 };
	const srw_section *s;

	ck_assert_int_eq(split(&r, "c-1", NULL, NULL, &s), 0);
	ck_assert_int_eq(split(&r, "c-1", "", NULL, &s), 0);
	ck_assert_int_eq(split(&r, "c-1", "A|", NULL, &s), 2);
	ck_assert_str_eq(s[1].alert_name, "");
	srw_alert_row_free(&r);
}
END_TEST

START_TEST(buffer_reused)
{
	srw_alert_row r = { 0 };
	const srw_section *s;
	char *buf;
	int i;

	split(&r, "c-1|c-2|c-3", "A|B|C", "x", &s);
	buf = r.buf;
	for (i = 0; i < 1000; i++)
		split(&r, "c-9", "Z", "y", &s);
	ck_assert_ptr_eq(r.buf, buf);	/* no allocation per row once grown */
	ck_assert_str_eq(s[0].cluster_id, "c-9");
	srw_alert_row_free(&r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("alerts");
	TCase *tc = tcase_create("alerts");

	tcase_add_test(tc, two_clusters_one_name);
	tcase_add_test(tc, free_text_keeps_its_bars);
	tcase_add_test(tc, no_alert_name_no_sections);
	tcase_add_test(tc, buffer_reused);
	suite_add_tcase(s, tc);
	return check_run(s);
}
