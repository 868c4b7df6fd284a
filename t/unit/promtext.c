/* Check tests for lib/promtext.c (Prometheus text format) and lib/points.c
 * (the metric-point reader and writer). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "check_run.h"

struct got {
	int n, errors;
	char line[16][256];
	long err_line[16];
};

static int
on_sample(const srw_prom_sample *s, void *ctx)
{
	struct got *g = ctx;
	srw_buf b;
	size_t i;

	if (g->n >= 16)
		return 0;
	srw_buf_init(&b);
	srw_buf_printf(&b, "%s|%s|%s|", s->name, s->family, srw_prom_type_name(s->type));
	for (i = 0; i < s->nlabels; i++)
		srw_buf_printf(&b, "%s=%s;", s->labels[i].k, s->labels[i].v);
	srw_buf_printf(&b, "|%g|%lld", s->value, s->has_ts ? (long long)s->ts : -1LL);
	snprintf(g->line[g->n++], sizeof g->line[0], "%s", b.s);
	srw_buf_free(&b);
	return 0;
}

static void
on_error(long lineno, const char *msg, void *ctx)
{
	struct got *g = ctx;

	(void)msg;
	if (g->errors < 16)
		g->err_line[g->errors] = lineno;
	g->errors++;
}

static long
parse(const char *text, struct got *g)
{
	srw_prom_opts o = { on_sample, on_error, g };

	memset(g, 0, sizeof *g);
	return srw_prom_parse(text, strlen(text), &o);
}

START_TEST(families_and_types)
{
	struct got g;
	const char *t =
	    "# HELP lat Latency\n"
	    "# TYPE lat summary\n"
	    "lat{quantile=\"0.5\"} 1\n"
	    "lat_sum 10\n"
	    "lat_count 3\n"
	    "lat_bucket 1\n"	/* not part of a summary */
	    "# TYPE h histogram\n"
	    "h_bucket{le=\"+Inf\"} 4\n"
	    "h_count 4\n"
	    "plain 2\n";

	ck_assert_int_eq(parse(t, &g), 0);
	ck_assert_int_eq(g.n, 7);
	ck_assert_str_eq(g.line[0], "lat|lat|summary|quantile=0.5;|1|-1");
	ck_assert_str_eq(g.line[1], "lat_sum|lat|summary||10|-1");
	ck_assert_str_eq(g.line[2], "lat_count|lat|summary||3|-1");
	ck_assert_str_eq(g.line[3], "lat_bucket|lat_bucket|untyped||1|-1");
	ck_assert_str_eq(g.line[4], "h_bucket|h|histogram|le=+Inf;|4|-1");
	ck_assert_str_eq(g.line[5], "h_count|h|histogram||4|-1");
	ck_assert_str_eq(g.line[6], "plain|plain|untyped||2|-1");
}
END_TEST

START_TEST(escapes_values_timestamps)
{
	struct got g;
	const char *t =
	    "a{x=\"q\\\"b\\\\s\\nn\",y=\"\"} 1.5e2 -12\r\n"
	    "b NaN\n"
	    "c +Inf 1700000000000\n"
	    "\t d{ k = \"v\" , } -Inf\n";

	ck_assert_int_eq(parse(t, &g), 0);
	ck_assert_int_eq(g.n, 4);
	ck_assert_str_eq(g.line[0], "a|a|untyped|x=q\"b\\s\nn;y=;|150|-12");
	ck_assert_str_eq(g.line[1], "b|b|untyped||nan|-1");
	ck_assert_str_eq(g.line[2], "c|c|untyped||inf|1700000000000");
	ck_assert_str_eq(g.line[3], "d|d|untyped|k=v;|-inf|-1");
}
END_TEST

START_TEST(bad_lines_reported_and_skipped)
{
	struct got g;
	const char *t =
	    "ok 1\n"
	    "{a=\"1\"} 2\n"		/* no name */
	    "x{a=\"1\" 2\n"		/* unterminated */
	    "x{a=\"1\",a=\"2\"} 2\n"	/* duplicate label */
	    "x 0x10\n"			/* hex is not a Prometheus float */
	    "x inf\n"			/* neither is lower-case inf */
	    "x 1 2 3\n"
	    "# TYPE x bogus\n"
	    "x{a=\"1\"}3\n"		/* allowed: no blank after } */
	    "ok 2";			/* no final newline */

	ck_assert_int_eq(parse(t, &g), 7);
	ck_assert_int_eq(g.n, 3);
	ck_assert_int_eq(g.err_line[0], 2);
	ck_assert_int_eq(g.err_line[6], 8);
	ck_assert_str_eq(g.line[2], "ok|ok|untyped||2|-1");
}
END_TEST

START_TEST(no_crash_on_garbage)
{
	char buf[512];
	struct got g;
	srw_prom_opts o = { on_sample, on_error, &g };
	unsigned seed = 42;
	int i, j;
	const char alpha[] = "ab_{}=\",\\ \n#TYPE HELP 1.5e+Inf-NaN\t\r\0";

	for (i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand_r(&seed) % sizeof buf);

		for (j = 0; j < (int)n; j++)
			buf[j] = alpha[rand_r(&seed) % (sizeof alpha)];
		memset(&g, 0, sizeof g);
		srw_prom_parse(buf, n, &o);	/* exact length: no NUL needed */
	}
}
END_TEST

START_TEST(point_reader)
{
	const char *line = "{\"name\":\"m\",\"labels\":{\"z\":\"1\",\"a\":\"x,y=z\"},"
	    "\"ts\":\"2026-03-10 14:00:00\",\"value\":\"+Inf\",\"type\":\"counter\",\"le\":0.25}";
	srw_val *v = srw_val_parse(line, strlen(line));
	srw_point p;
	char err[128];

	srw_point_init(&p);
	ck_assert_int_eq(srw_point_read(&p, v, err, sizeof err), 0);
	ck_assert_str_eq(p.name, "m");
	ck_assert_str_eq(p.key.s, "a=x\\,y\\=z,z=1");
	ck_assert_int_eq(p.ts, 1773151200000LL);
	ck_assert(isinf(p.value) && p.value > 0);
	ck_assert_int_eq(p.type, SRW_PT_COUNTER);
	ck_assert_str_eq(p.le, "0.25");
	ck_assert_str_eq(srw_point_get_label(&p, "z"), "1");
	ck_assert_ptr_null(srw_point_get_label(&p, "q"));
	srw_val_free(v);

	static const char *const bad[] = {
		"{\"ts\":1,\"value\":1}",
		"{\"name\":\"m\",\"value\":1}",
		"{\"name\":\"m\",\"ts\":1}",
		"{\"name\":\"m\",\"ts\":1,\"value\":1,\"type\":\"x\"}",
		"{\"name\":\"m\",\"ts\":1,\"value\":1,\"labels\":[1]}",
		"{\"name\":\"m\",\"ts\":1,\"value\":1,\"labels\":{\"a\":2}}",
		"{\"name\":\"m\",\"ts\":1,\"value\":1,\"labels\":{\"a\":\"1\",\"a\":\"2\"}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		v = srw_val_parse(bad[i], strlen(bad[i]));
		ck_assert_msg(srw_point_read(&p, v, err, sizeof err) == -1, "accepted %s", bad[i]);
		srw_val_free(v);
	}
	srw_point_free(&p);
}
END_TEST

START_TEST(point_writer)
{
	srw_point_label l[] = { { "b", "2" }, { "a", "q\"" } };
	srw_buf b;

	srw_buf_init(&b);
	srw_point_sort_labels(l, 2);
	srw_point_jw(&b, "m", l, 2, 5, NAN, SRW_PT_GAUGE, NULL);
	ck_assert_str_eq(b.s, "{\"name\":\"m\",\"labels\":{\"a\":\"q\\\"\",\"b\":\"2\"},"
	    "\"ts\":5,\"value\":\"NaN\",\"type\":\"gauge\"}\n");
	srw_buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("promtext");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, families_and_types);
	tcase_add_test(tc, escapes_values_timestamps);
	tcase_add_test(tc, bad_lines_reported_and_skipped);
	tcase_add_test(tc, no_crash_on_garbage);
	tcase_add_test(tc, point_reader);
	tcase_add_test(tc, point_writer);
	suite_add_tcase(s, tc);
	return check_run(s);
}
