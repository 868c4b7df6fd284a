/* Check tests for lib/val.c over lib/simdjson.cpp: what simdjson refuses
 * still goes the way cJSON took it (trailing data told apart, bad UTF-8
 * passed, the column of an error), records nest, and srw_val_print writes
 * what cJSON_PrintUnformatted wrote (stored JSON columns keep their bytes). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "srw.h"
#include "check_run.h"

static void
same_print(const char *doc)
{
	srw_val *v = srw_val_parse(doc, strlen(doc));
	cJSON *j = cJSON_Parse(doc);
	char *a, *b;

	ck_assert_msg(v != NULL, "parse %s", doc);
	ck_assert_ptr_nonnull(j);
	a = srw_val_print(v);
	b = cJSON_PrintUnformatted(j);
	ck_assert_str_eq(a, b);
	free(a);
	cJSON_free(b);
	cJSON_Delete(j);
	srw_val_free(v);
}

START_TEST(print_like_cjson)
{
	same_print("{\"a\":1,\"b\":[true,false,null],\"c\":\"x\\\"y\\\\z\\n\\t\\u0001\",\"d\":{}}");
	same_print("[0.1,1e300,-2.5e-7,123456789012,3.141592653589793,-0.0,2147483648,1234567890123456789,1e21]");
	same_print("{\"k\":\"caf\\u00e9 \\u2603 /\",\"e\":[],\"n\":-17}");
	same_print("\"just a string\"");
	same_print("12");
}
END_TEST

START_TEST(refused_then_cjson)
{
	const char *end = NULL;
	srw_val *v;
	double d;

	/* trailing data: a record, with where the value ended */
	v = srw_val_parse_record("{\"a\":1} x", 9, &end);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq((int)(end - "{\"a\":1} x"), 7);
	srw_val_free_record(v);
	/* a document with trailing data is not JSON */
	ck_assert_ptr_null(srw_val_parse("{\"a\":1} x", 9));
	/* invalid UTF-8 passes as it did */
	v = srw_val_parse("{\"a\":\"\xff\xfe\"}", 10);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(srw_val_get_str(v, "a"), "\xff\xfe");
	srw_val_free(v);
	/* "1." is a number to cJSON (strtod), not to simdjson */
	v = srw_val_parse("{\"a\":1.}", 8);
	ck_assert_ptr_nonnull(v);
	ck_assert(srw_val_get_num(v, "a", &d) && d == 1.0);
	srw_val_free(v);
	/* an error's column comes from cJSON */
	ck_assert_ptr_null(srw_val_parse_record("{\"a\":}", 6, &end));
	ck_assert_int_eq((int)(end - "{\"a\":}") >= 4, 1);
}
END_TEST

START_TEST(records_nest)
{
	const char *outer = "{\"body\":\"{\\\"k\\\":\\\"inner\\\"}\",\"x\":\"outer\"}", *end;
	srw_val *o = srw_val_parse_record(outer, strlen(outer), &end), *i;
	const char *body;

	ck_assert_ptr_nonnull(o);
	body = srw_val_get_str(o, "body");
	ck_assert_str_eq(body, "{\"k\":\"inner\"}");
	i = srw_val_parse_record(body, strlen(body), &end);
	ck_assert_ptr_nonnull(i);
	ck_assert_str_eq(srw_val_get_str(i, "k"), "inner");
	/* the outer record's strings survive the inner parse */
	ck_assert_str_eq(srw_val_get_str(o, "x"), "outer");
	srw_val_free_record(i);
	srw_val_free_record(o);
	/* and the next record reuses the slot */
	o = srw_val_parse_record("{\"x\":\"again\"}", 13, &end);
	ck_assert_str_eq(srw_val_get_str(o, "x"), "again");
	srw_val_free_record(o);
}
END_TEST

START_TEST(values)
{
	const char *doc = "{\"i\":9007199254740993,\"u\":18446744073709551615,"
	    "\"n\":-3,\"f\":0.5,\"s\":\"12.5\",\"t\":true,\"z\":null,\"a\":[1,2,3],"
	    "\"dup\":1,\"dup\":2}";
	srw_val *v = srw_val_parse(doc, strlen(doc));
	double d;
	bool b;

	ck_assert_ptr_nonnull(v);
	ck_assert(srw_val_get_num(v, "i", &d) && d == 9007199254740992.0);
	ck_assert(srw_val_get_num(v, "u", &d) && d == 18446744073709551615.0);
	ck_assert(srw_val_get_num(v, "n", &d) && d == -3);
	ck_assert(srw_val_get_num(v, "s", &d) && d == 12.5);
	ck_assert(srw_val_bool(srw_val_get(v, "t"), &b) && b);
	ck_assert_int_eq(srw_val_type(srw_val_get(v, "z")), SRW_NULL);
	ck_assert_int_eq((int)srw_val_len(srw_val_get(v, "a")), 3);
	/* the first of duplicate keys, as before */
	ck_assert(srw_val_get_num(v, "dup", &d) && d == 1);
	srw_val_free(v);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("val");
	TCase *tc = tcase_create("val");

	tcase_add_test(tc, print_like_cjson);
	tcase_add_test(tc, refused_then_cjson);
	tcase_add_test(tc, records_nest);
	tcase_add_test(tc, values);
	suite_add_tcase(s, tc);
	return check_run(s);
}
