/* Check tests for lib/mquery.c: selectors, and srw_mq_run over files (the
 * API investigate calls for query_cluster_metrics). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srw.h"
#include "check_run.h"

START_TEST(selectors)
{
	srw_mquery q = { 0 };
	char err[256];

	ck_assert_int_eq(srw_mq_parse_selector("m", &q, err, sizeof err), 0);
	ck_assert_str_eq(q.name, "m");
	ck_assert_uint_eq(q.nm, 0);
	srw_mq_free(&q);
	ck_assert_int_eq(srw_mq_parse_selector(
	    " starrocks_be_cpu { mode = \"idle\", cluster_id!=\"a\\\"b\" , } ", &q, err, sizeof err), 0);
	ck_assert_str_eq(q.name, "starrocks_be_cpu");
	ck_assert_uint_eq(q.nm, 2);
	ck_assert_str_eq(q.m[0].k, "mode");
	ck_assert_str_eq(q.m[0].v, "idle");
	ck_assert(!q.m[0].neg);
	ck_assert_str_eq(q.m[1].v, "a\"b");
	ck_assert(q.m[1].neg);
	srw_mq_free(&q);

	static const char *const bad[] = { "", "{a=\"1\"}", "m{a=1}", "m{a=~\"x\"}",
	    "m{a=\"1\"", "m{a=\"1\"} x", "m x", "m{=\"1\"}" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(&q, 0, sizeof q);
		ck_assert_msg(srw_mq_parse_selector(bad[i], &q, err, sizeof err) == -1,
		    "accepted '%s'", bad[i]);
		ck_assert_ptr_null(q.name);
	}
}
END_TEST

static char *
tmpfile_with(const char *text)
{
	char *path = srw_xstrdup("/tmp/srw-mq-XXXXXX");
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

START_TEST(run_over_files)
{
	/* gauge g: 1, 3 in the first 5 minutes (raw only); rollup rows for the
	 * next two 5m buckets */
	char *raw = tmpfile_with(
	    "{\"name\":\"g\",\"labels\":{\"c\":\"x\"},\"ts\":0,\"value\":1}\n"
	    "{\"name\":\"g\",\"labels\":{\"c\":\"x\"},\"ts\":60000,\"value\":3}\n"
	    "{\"name\":\"g\",\"labels\":{\"c\":\"y\"},\"ts\":60000,\"value\":100}\n"
	    "not json\n");
	char *rol = tmpfile_with(
	    "{\"name\":\"g\",\"labels\":{\"c\":\"x\"},\"resolution\":\"5m\",\"ts\":300000,"
	    "\"sum\":10,\"count\":2,\"min\":4,\"max\":6,\"counter\":null}\n"
	    "{\"name\":\"g\",\"labels\":{\"c\":\"x\"},\"resolution\":\"5m\",\"ts\":600000,"
	    "\"sum\":7,\"count\":1,\"min\":7,\"max\":7,\"counter\":null}\n");
	srw_mquery q = { 0 };
	srw_mq_source src = { .raw_path = raw, .rollup_path = rol };
	json_t *out, *plan = NULL, *pts;
	char err[256];

	ck_assert_int_eq(srw_mq_parse_selector("g{c=\"x\"}", &q, err, sizeof err), 0);
	q.from = 0;
	q.to = 900000;
	q.step = 300000;
	q.fn = SRW_MQ_AVG;
	out = srw_mq_run(&q, &src, &plan, err, sizeof err);
	ck_assert_msg(out != NULL, "%s", err);
	ck_assert_uint_eq(json_array_size(out), 1);
	pts = json_object_get(json_array_get(out, 0), "points");
	ck_assert_uint_eq(json_array_size(pts), 3);
	ck_assert_double_eq(json_number_value(json_array_get(json_array_get(pts, 0), 1)), 2);
	ck_assert_double_eq(json_number_value(json_array_get(json_array_get(pts, 1), 1)), 5);
	ck_assert_double_eq(json_number_value(json_array_get(json_array_get(pts, 2), 1)), 7);
	ck_assert_uint_eq(json_array_size(plan), 2);
	ck_assert_str_eq(srw_json_str(json_array_get(plan, 0), "resolution"), "raw");
	ck_assert_str_eq(srw_json_str(json_array_get(plan, 1), "resolution"), "5m");
	json_decref(out);
	json_decref(plan);

	q.from = 900000;	/* to before from */
	ck_assert_ptr_null(srw_mq_run(&q, &src, NULL, err, sizeof err));
	srw_mq_free(&q);
	unlink(raw);
	unlink(rol);
	free(raw);
	free(rol);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mquery");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, selectors);
	tcase_add_test(tc, run_over_files);
	suite_add_tcase(s, tc);
	return check_run(s);
}
