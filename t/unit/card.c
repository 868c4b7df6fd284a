/* Check tests for lib/card.c: Lark alert cards into alert rows. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "check_run.h"

static srw_card *card;
static srw_buf out;
static char reason[256];

/* Runs one message (its card given as JSON text) through the parser;
 * returns srw_card_rows' result, rows in out. */
static int
run(const char *id, const char *create_time, const char *content, int flags)
{
	json_t *m = json_pack("{s:s, s:s, s:s, s:{s:s}}", "message_id", id,
	    "msg_type", "interactive", "create_time", create_time, "body",
	    "content", content);
	char *s = json_dumps(m, JSON_COMPACT);
	srw_val *v = srw_val_parse(s, strlen(s));
	int n;

	ck_assert_ptr_nonnull(v);
	srw_buf_reset(&out);
	n = srw_card_rows(card, v, flags, &out, reason, sizeof reason);
	srw_val_free(v);
	free(s);
	json_decref(m);
	return n;
}

/* Field of row i (0-based) of out. */
static char *
field(int i, const char *key)
{
	static char buf[4096];
	const char *p = out.s;
	srw_val *v;
	const char *s;

	while (i-- > 0)
		p = strchr(p, '\n') + 1;
	v = srw_val_parse(p, (size_t)(strchr(p, '\n') - p));
	ck_assert_ptr_nonnull(v);
	s = srw_val_get_str(v, key);
	snprintf(buf, sizeof buf, "%s", s ? s : "(null)");
	srw_val_free(v);
	return buf;
}

static void
setup(void)
{
	card = srw_card_new();
	srw_buf_init(&out);
}

static void
teardown(void)
{
	srw_card_free(card);
	srw_buf_free(&out);
}

#define T(s) "{\"tag\":\"text\",\"text\":\"" s "\"}"
#define L(a) "[" a "]"
#define L2(a, b) "[" a "," b "]"

START_TEST(key_value_card)
{
	const char *c = "{\"elements\":[" L(T("Firing")) "," L2(T("Alert Name"), T(": A")) ","
	    L2(T("Cluster ID"), T(": c-1")) "," L2(T("Detail"), T(": x: y = z")) ","
	    L("{\"tag\":\"a\",\"text\":\"Dashboard\",\"href\":\"https://d\"}") "]}";

	ck_assert_int_eq(run("om_1", "1773151402000", c, 0), 1);
	ck_assert_str_eq(field(0, "message_id"), "om_1-f");
	ck_assert_str_eq(field(0, "created_at"), "2026-03-10 14:03:22");
	ck_assert_str_eq(field(0, "alert_name"), "A");
	ck_assert_str_eq(field(0, "alert_detail"), "x: y = z");
	ck_assert_str_eq(field(0, "dashboard_url"), "https://d");
	ck_assert_str_eq(field(0, "silence_url"), "");
	ck_assert_str_eq(field(0, "region"), "");
	ck_assert_str_eq(field(0, "alert_status"), "Firing");
	ck_assert_str_eq(field(0, "source"), "lark");
}
END_TEST

START_TEST(spacing_case_colons)
{
	/* bold status, NBSP and ideographic spaces, full-width colon, '-' keys */
	const char *c = "{\"elements\":[" L(T("  **RESOLVED**  ")) ","
	    L(T("\u00a0alert-name\u3000\uff1a  B\u00a0")) "," L(T("cluster_name = n1")) ","
	    L(T("ACCOUNT NAME:acct")) "," L(T("region\t:\tr1")) "]}";

	ck_assert_int_eq(run("om_2", "1773151402999", c, 0), 1);
	ck_assert_str_eq(field(0, "message_id"), "om_2-r");
	ck_assert_str_eq(field(0, "alert_status"), "Resolved");
	ck_assert_str_eq(field(0, "created_at"), "2026-03-10 14:03:22");
	ck_assert_str_eq(field(0, "alert_name"), "B");
	ck_assert_str_eq(field(0, "cluster_name"), "n1");
	ck_assert_str_eq(field(0, "account_name"), "acct");
	ck_assert_str_eq(field(0, "region"), "r1");
}
END_TEST

START_TEST(sections_and_groups)
{
	/* Resolved first; firing sections split by hr, by a '---' text line and
	 * by a repeated key; a section without alert name is dropped */
	const char *c = "{\"elements\":[" L(T("Resolved")) "," L(T("Alert Name: R")) ","
	    L(T("Firing")) "," L(T("Alert Name: F1")) "," L("{\"tag\":\"hr\"}") ","
	    L(T("Alert Name: F2")) "," L(T("---")) "," L(T("Alert Name: F3\\nRegion: r3\\nAlert Name: F4")) ","
	    L("{\"tag\":\"hr\"}") "," L(T("Region: lonely")) "]}";

	ck_assert_int_eq(run("om_3", "1773151402000", c, 0), 2);
	ck_assert_str_eq(field(0, "message_id"), "om_3-f");
	ck_assert_str_eq(field(0, "alert_name"), "F1|F2|F3|F4");
	ck_assert_str_eq(field(0, "region"), "||r3|");
	ck_assert_str_eq(field(1, "message_id"), "om_3-r");
	ck_assert_str_eq(field(1, "alert_name"), "R");

	ck_assert_int_eq(run("om_3", "1773151402000", c, SRW_CARD_EXPLODE), 5);
	ck_assert_str_eq(field(0, "message_id"), "om_3-f1");
	ck_assert_str_eq(field(2, "message_id"), "om_3-f3");
	ck_assert_str_eq(field(2, "region"), "r3");
	ck_assert_str_eq(field(3, "message_id"), "om_3-f4");
	ck_assert_str_eq(field(4, "message_id"), "om_3-r1");
}
END_TEST

START_TEST(not_alert_cards)
{
	ck_assert_int_eq(run("om_4", "1", "{\"title\":\"x\",\"elements\":[]}", 0), 0);
	ck_assert_int_eq(run("om_4", "1", "[1,2]", 0), 0);
	ck_assert_int_eq(run("om_4", "1", "\"a string\"", 0), 0);
	ck_assert_int_eq(run("om_4", "1", "{\"elements\":{\"tag\":\"text\"}}", 0), 0);
	/* odd node shapes: no crash, no row */
	ck_assert_int_eq(run("om_4", "1", "{\"elements\":[[1,null,{\"tag\":5},{\"tag\":\"text\",\"text\":7}],"
	    "\"Firing\",[{\"tag\":\"a\"}],[{\"tag\":\"text\",\"text\":\"Firing\"}],[{\"tag\":\"a\"}]]}", 0), 0);
	/* status but no alert name */
	ck_assert_int_eq(run("om_4", "1", "{\"elements\":[" L(T("Firing")) "," L(T("Region: x")) "]}", 0), 0);
	/* a key/value before any status line does not count */
	ck_assert_int_eq(run("om_4", "1", "{\"elements\":[" L(T("Alert Name: A")) "]}", 0), 0);
	/* a key too long to be one of ours */
	ck_assert_int_eq(run("om_4", "1", "{\"elements\":[" L(T("Firing")) ","
	    L(T("Alert Name Alert Name Alert Name Alert Name: A")) "]}", 0), 0);
}
END_TEST

START_TEST(broken_messages)
{
	const char *ok = "{\"elements\":[" L(T("Firing")) "," L(T("Alert Name: A")) "]}";
	char id[600];

	ck_assert_int_eq(run("om_5", "1", "{\"elements\":[[", 0), -1);
	ck_assert_str_eq(reason, "body.content is not valid JSON");
	ck_assert_int_eq(run("", "1", ok, 0), -1);
	ck_assert_int_eq(run("om_5", "17731514O2000", ok, 0), -1);
	ck_assert_int_eq(run("om_5", "", ok, 0), -1);
	/* a long message id still makes a row */
	memset(id, 'x', sizeof id - 1);
	id[sizeof id - 1] = '\0';
	ck_assert_int_eq(run(id, "0", ok, 0), 1);
	ck_assert_int_eq((int)strlen(field(0, "message_id")), (int)sizeof id - 1 + 2);
	ck_assert_str_eq(field(0, "created_at"), "1970-01-01 00:00:00");
}
END_TEST

START_TEST(message_filters)
{
	const char *ok = "{\"elements\":[" L(T("Firing")) "," L(T("Alert Name: A")) "]}";
	srw_val *v;
	const char *m1 = "{\"message_id\":\"om_6\",\"msg_type\":\"text\",\"create_time\":\"1\",\"body\":{\"content\":\"{}\"}}";
	char m2[512];

	v = srw_val_parse(m1, strlen(m1));
	ck_assert_int_eq(srw_card_rows(card, v, 0, &out, reason, sizeof reason), 0);
	srw_val_free(v);
	json_t *j = json_pack("{s:s, s:s, s:I, s:b, s:{s:s}}", "message_id", "om_6", "msg_type",
	    "interactive", "create_time", (json_int_t)1773151402000LL, "deleted", 1, "body", "content", ok);
	char *s = json_dumps(j, JSON_COMPACT);

	snprintf(m2, sizeof m2, "%s", s);
	v = srw_val_parse(m2, strlen(m2));
	ck_assert_int_eq(srw_card_rows(card, v, 0, &out, reason, sizeof reason), 0);
	srw_val_free(v);
	/* the same, not deleted, numeric create_time: a row */
	json_object_set_new(j, "deleted", json_false());
	free(s);
	s = json_dumps(j, JSON_COMPACT);
	v = srw_val_parse(s, strlen(s));
	srw_buf_reset(&out);
	ck_assert_int_eq(srw_card_rows(card, v, 0, &out, reason, sizeof reason), 1);
	ck_assert_str_eq(field(0, "created_at"), "2026-03-10 14:03:22");
	srw_val_free(v);
	free(s);
	json_decref(j);
}
END_TEST

START_TEST(escaping)
{
	const char *c = "{\"elements\":[" L(T("Firing")) "," L(T("Alert Name: A\\\"q\\\\b\\u0001")) "]}";

	ck_assert_int_eq(run("om_7", "1", c, 0), 1);
	ck_assert_str_eq(field(0, "alert_name"), "A\"q\\b\x01");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("card");
	TCase *tc = tcase_create("card");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, key_value_card);
	tcase_add_test(tc, spacing_case_colons);
	tcase_add_test(tc, sections_and_groups);
	tcase_add_test(tc, not_alert_cards);
	tcase_add_test(tc, broken_messages);
	tcase_add_test(tc, message_filters);
	tcase_add_test(tc, escaping);
	suite_add_tcase(s, tc);
	return check_run(s);
}
