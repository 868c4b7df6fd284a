/* Check tests for lib/remotewrite.c (the remote write decoder) with
 * lib/rwpb.c's encoder: values, timestamps, labels and types survive the
 * trip exactly. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>

#include "srw.h"
#include "check_run.h"

/* points -> request -> points; returns the decoded text (malloc'd) */
static char *
roundtrip(const char *in, srw_rw_stats *st)
{
	srw_rw_types *types = srw_rw_types_new(100);
	srw_rw_dec *d = srw_rw_dec_new(types, 1u << 24);
	srw_buf body, out;
	char err[200];

	srw_buf_init(&body);
	srw_buf_init(&out);
	ck_assert_int_eq(srw_rwpb_encode_points(in, strlen(in), &body, err, sizeof err), 0);
	ck_assert_int_eq(srw_rw_decode(d, body.s, body.len, &out, st, err, sizeof err), 0);
	srw_buf_free(&body);
	srw_rw_dec_free(d);
	srw_rw_types_free(types);
	srw_rwpb_free_thread();
	return out.s ? out.s : srw_xstrdup("");
}

/* Every value written reads back as the same double, bit for bit: the
 * integers, short decimals and any doubles the decoder formats itself. */
START_TEST(values_exact)
{
	static const double fixed[] = { 0, 1, -1, 0.5, -0.5, 0.1, 0.2, 0.3, 1.25, 12345.678,
		-0.005, 1e-9, 123456789.123, 9007199254740991.0, 9007199254740993.0, 1e21,
		-1e-300, 5e-324, 1.7976931348623157e308, 3.14159, 2.5e-5, 0.1 + 0.2, 1.0 / 3 };
	srw_buf in;
	srw_rw_stats st;
	char *text, *p;
	size_t i, n = 0;
	double want[400];

	srw_buf_init(&in);
	srand(11);
	for (i = 0; i < 400; i++) {
		double v = i < sizeof fixed / sizeof *fixed ? fixed[i] :
		    i % 3 == 0 ? (double)(rand() % 100000000) / 1000.0 :
		    i % 3 == 1 ? (double)rand() / (double)RAND_MAX * pow(10, rand() % 40 - 20) :
		    -(double)(rand() % 1000000);

		want[i] = v;
		srw_buf_printf(&in, "{\"name\":\"m\",\"labels\":{\"i\":\"%zu\"},\"ts\":%zu,"
		    "\"value\":%.17g}\n", i, 1000 * i, v);
	}
	text = roundtrip(in.s, &st);
	ck_assert_uint_eq(st.samples, 400);
	for (p = text; *p; n++) {
		char *nl = strchr(p, '\n');
		srw_val *rec = srw_val_parse(p, (size_t)(nl - p));
		srw_point pt;
		char err[200];
		size_t k;

		srw_point_init(&pt);
		ck_assert_ptr_nonnull(rec);
		ck_assert_int_eq(srw_point_read(&pt, rec, err, sizeof err), 0);
		k = (size_t)atol(srw_point_get_label(&pt, "i"));
		ck_assert_msg(memcmp(&pt.value, &want[k], sizeof(double)) == 0,
		    "value %zu: wrote %.17g, read %.17g (%.*s)", k, want[k], pt.value,
		    (int)(nl - p), p);
		ck_assert_int_eq(pt.ts, (int64_t)(1000 * k));
		srw_point_free(&pt);
		srw_val_free(rec);
		p = nl + 1;
	}
	ck_assert_uint_eq(n, 400);
	free(text);
	srw_buf_free(&in);
}
END_TEST

START_TEST(short_forms)
{
	srw_rw_stats st;
	char *text = roundtrip(
	    "{\"name\":\"a\",\"labels\":{},\"ts\":1,\"value\":12345.25}\n"
	    "{\"name\":\"b\",\"labels\":{},\"ts\":1,\"value\":-0.005}\n"
	    "{\"name\":\"c\",\"labels\":{},\"ts\":-5,\"value\":0.1}\n"
	    "{\"name\":\"d\",\"labels\":{},\"ts\":1,\"value\":-7}\n", &st);

	ck_assert_str_eq(text,
	    "{\"name\":\"a\",\"labels\":{},\"ts\":1,\"value\":12345.25,\"type\":\"gauge\"}\n"
	    "{\"name\":\"b\",\"labels\":{},\"ts\":1,\"value\":-0.005,\"type\":\"gauge\"}\n"
	    "{\"name\":\"c\",\"labels\":{},\"ts\":-5,\"value\":0.1,\"type\":\"gauge\"}\n"
	    "{\"name\":\"d\",\"labels\":{},\"ts\":1,\"value\":-7,\"type\":\"gauge\"}\n");
	free(text);
}
END_TEST

/* A series with more samples than the decoder keeps aside reads the rest
 * from the wire: all of them, in order. */
START_TEST(many_samples)
{
	srw_buf in;
	srw_rw_stats st;
	char *text, *p;
	long i = 0;

	srw_buf_init(&in);
	for (i = 0; i < 150; i++)
		srw_buf_printf(&in, "{\"name\":\"m\",\"labels\":{},\"ts\":%ld,\"value\":%ld}\n",
		    i * 15000, i * 3);
	text = roundtrip(in.s, &st);
	ck_assert_uint_eq(st.samples, 150);
	ck_assert_uint_eq(st.series, 1);
	for (i = 0, p = text; *p; i++) {
		char want[120];

		snprintf(want, sizeof want, "{\"name\":\"m\",\"labels\":{},\"ts\":%ld,\"value\":%ld,"
		    "\"type\":\"gauge\"}\n", i * 15000, i * 3);
		ck_assert_msg(strncmp(p, want, strlen(want)) == 0, "sample %ld: %.80s", i, p);
		p = strchr(p, '\n') + 1;
	}
	ck_assert_int_eq(i, 150);
	free(text);
	srw_buf_free(&in);
}
END_TEST

/* Labels needing escapes, sorted output, types from the encoder's metadata. */
START_TEST(labels_and_types)
{
	srw_rw_stats st;
	char *text = roundtrip(
	    "{\"name\":\"q_total\",\"labels\":{\"z\":\"a\\\"b\\\\c\\nd\",\"a\":\"é\"},\"ts\":1,"
	    "\"value\":3,\"type\":\"counter\"}\n"
	    "{\"name\":\"h_bucket\",\"labels\":{\"le\":\"+Inf\"},\"ts\":1,\"value\":3,"
	    "\"type\":\"histogram\",\"le\":\"+Inf\"}\n", &st);

	ck_assert_str_eq(text,
	    "{\"name\":\"q_total\",\"labels\":{\"a\":\"é\",\"z\":\"a\\\"b\\\\c\\nd\"},\"ts\":1,"
	    "\"value\":3,\"type\":\"counter\"}\n"
	    "{\"name\":\"h_bucket\",\"labels\":{\"le\":\"+Inf\"},\"ts\":1,\"value\":3,"
	    "\"type\":\"histogram\",\"le\":\"+Inf\"}\n");
	ck_assert_uint_eq(st.metadata, 2);
	free(text);
}
END_TEST

/* A malformed request appends nothing, even after good series. */
START_TEST(malformed_appends_nothing)
{
	srw_rw_types *types = srw_rw_types_new(10);
	srw_rw_dec *d = srw_rw_dec_new(types, 1u << 20);
	srw_buf body, out;
	srw_rw_stats st;
	char err[200];
	/* a good series, then field 1 whose length runs past the end */
	static const char raw[] = "\x0a\x13" "\x0a\x0d" "\x0a\x08" "__name__" "\x12\x01" "m"
	    "\x12\x02\x10\x01" "\x0a\x7f\x0a";
	char comp[256];
	size_t n = sizeof comp;

	ck_assert_int_eq(snappy_compress(raw, sizeof raw - 1, comp, &n), SNAPPY_OK);
	srw_buf_init(&body);
	srw_buf_init(&out);
	srw_buf_adds(&out, "before\n");
	srw_buf_add(&body, comp, n);
	ck_assert_int_eq(srw_rw_decode(d, body.s, body.len, &out, &st, err, sizeof err), -1);
	ck_assert_str_eq(out.s, "before\n");
	/* and the same request without its bad tail is taken */
	n = sizeof comp;
	ck_assert_int_eq(snappy_compress(raw, sizeof raw - 4, comp, &n), SNAPPY_OK);
	ck_assert_int_eq(srw_rw_decode(d, comp, n, &out, &st, err, sizeof err), 0);
	ck_assert_str_eq(out.s, "before\n{\"name\":\"m\",\"labels\":{},\"ts\":1,\"value\":0,\"type\":\"gauge\"}\n");
	ck_assert_str_eq(err, "malformed protobuf WriteRequest");
	srw_buf_free(&body);
	srw_buf_free(&out);
	srw_rw_dec_free(d);
	srw_rw_types_free(types);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("remotewrite");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, values_exact);
	tcase_add_test(tc, short_forms);
	tcase_add_test(tc, many_samples);
	tcase_add_test(tc, labels_and_types);
	tcase_add_test(tc, malformed_appends_nothing);
	suite_add_tcase(s, tc);
	return check_run(s);
}
