/* Check tests for lib/ndjson.c, lib/val.c, lib/buf.c, lib/jw.c, lib/sql.c quoting
 * and lib/sections.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srw.h"
#include "check_run.h"

struct seen {
	long lines[64];
	char names[64][32];
	int n;
};

static int
collect(srw_val *rec, const srw_line *ln, void *ctx)
{
	struct seen *s = ctx;
	const char *k = srw_val_get_str(rec, "k");

	if (s->n < 64) {
		s->lines[s->n] = ln->lineno;
		snprintf(s->names[s->n], 32, "%s", k ? k : "?");
		s->n++;
	}
	return 0;
}

static FILE *
mem(const char *data, size_t n)
{
	FILE *fp = tmpfile();

	ck_assert_ptr_nonnull(fp);
	fwrite(data, 1, n, fp);
	rewind(fp);
	return fp;
}

static char rejpath[64];

static void
setup(void)
{
	srw_ndjson_opts o = { 0 };
	int fd;

	snprintf(rejpath, sizeof rejpath, "/tmp/srw-unit-rej.XXXXXX");
	fd = mkstemp(rejpath);
	close(fd);
	/* the reader's warnings are expected here: keep the check log quiet */
	if (!getenv("SRW_UNIT_VERBOSE"))
		(void)!freopen("/dev/null", "w", stderr);
	o.reject_path = rejpath;
	srw_ndjson_setup(&o);
}

static void
teardown(void)
{
	unlink(rejpath);
}

START_TEST(line_numbers_and_rejects)
{
	static const char in[] =
	    "{\"k\":\"a\"}\n"
	    "\n"				/* 2: blank, silently skipped */
	    "not json\n"			/* 3: rejected */
	    "[1,2]\n"				/* 4: not an object */
	    "{\"k\":\"b\"}\r\n"			/* 5: CRLF */
	    "{\"k\":\"c\"} trailing\n"		/* 6: trailing garbage */
	    "   \n"				/* 7: blank */
	    "{\"k\":\"d\"}";			/* 8: no final newline */
	struct seen s = { 0 };
	long before = srw_ndjson_reject_count();
	FILE *fp = mem(in, sizeof in - 1), *rf;
	char buf[256];
	size_t n;

	srw_ndjson_each(fp, "in.ndjson", collect, &s);
	fclose(fp);
	ck_assert_int_eq(s.n, 3);
	ck_assert_int_eq(s.lines[0], 1);
	ck_assert_str_eq(s.names[1], "b");
	ck_assert_int_eq(s.lines[1], 5);
	ck_assert_int_eq(s.lines[2], 8);
	ck_assert_str_eq(s.names[2], "d");
	ck_assert_int_eq(srw_ndjson_reject_count() - before, 3);
	rf = fopen(rejpath, "r");
	n = fread(buf, 1, sizeof buf - 1, rf);
	buf[n] = '\0';
	fclose(rf);
	ck_assert_str_eq(buf, "not json\n[1,2]\n{\"k\":\"c\"} trailing\n");
}
END_TEST

START_TEST(long_lines)
{
	/* a 17 MiB line is skipped with a report; the lines around it survive */
	size_t big = (17u << 20);
	char *in = malloc(big + 64);
	struct seen s = { 0 };
	long before = srw_ndjson_reject_count();
	size_t off = 0;
	FILE *fp;

	off += (size_t)sprintf(in, "{\"k\":\"x\"}\n{\"k\":\"");
	memset(in + off, 'y', big);
	off += big;
	off += (size_t)sprintf(in + off, "\"}\n{\"k\":\"z\"}\n");
	fp = mem(in, off);
	srw_ndjson_each(fp, "-", collect, &s);
	fclose(fp);
	free(in);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.names[1], "z");
	ck_assert_int_eq(s.lines[1], 3);
	ck_assert_int_eq(srw_ndjson_reject_count() - before, 1);
}
END_TEST

START_TEST(nearly_long_line_kept)
{
	/* a 3 MiB value crosses the reader's first buffer size and is kept */
	size_t big = 3u << 20;
	char *in = malloc(big + 64);
	struct seen s = { 0 };
	size_t off = (size_t)sprintf(in, "{\"v\":\"");
	FILE *fp;

	memset(in + off, 'q', big);
	off += big;
	off += (size_t)sprintf(in + off, "\",\"k\":\"big\"}\n");
	fp = mem(in, off);
	srw_ndjson_each(fp, "-", collect, &s);
	fclose(fp);
	free(in);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.names[0], "big");
}
END_TEST

static int
stop_at_two(srw_val *rec, const srw_line *ln, void *ctx)
{
	(*(int *)ctx)++;
	return ln->lineno == 2 ? SRW_NDJSON_STOP : 0;
}

START_TEST(callback_stops)
{
	static const char in[] = "{}\n{}\n{}\n";
	int n = 0;
	FILE *fp = mem(in, sizeof in - 1);

	ck_assert_int_eq(srw_ndjson_each(fp, "-", stop_at_two, &n), SRW_NDJSON_STOP);
	fclose(fp);
	ck_assert_int_eq(n, 2);
}
END_TEST

START_TEST(strict_exits_65)
{
	static const char in[] = "{}\nnope\n{}\n";
	srw_ndjson_opts o = { .strict = true };
	int n = 0;
	FILE *fp = mem(in, sizeof in - 1);

	srw_ndjson_setup(&o);
	srw_ndjson_each(fp, "-", stop_at_two, &n);
}
END_TEST

START_TEST(values)
{
	static const char doc[] = "{\"s\":\"x\\u00e9\",\"n\":1.5,\"i\":\"42\",\"b\":true,"
	    "\"a\":[1,{\"z\":null}],\"o\":{\"k\":\"v\"}}";
	srw_val *v = srw_val_parse(doc, sizeof doc - 1);
	double d;
	bool b;
	json_t *j;

	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(srw_val_get_str(v, "s"), "x\xc3\xa9");
	ck_assert(srw_val_get_num(v, "n", &d) && d == 1.5);
	ck_assert(srw_val_get_num(v, "i", &d) && d == 42);	/* numeric string */
	ck_assert(!srw_val_get_num(v, "s", &d));
	ck_assert(srw_val_bool(srw_val_get(v, "b"), &b) && b);
	ck_assert_int_eq(srw_val_len(srw_val_get(v, "a")), 2);
	ck_assert_int_eq(srw_val_type(srw_val_get(v, "o")), SRW_OBJ);
	ck_assert_ptr_null(srw_val_get(v, "missing"));
	j = srw_val_to_json(v);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "o"), "k")), "v");
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(j, "a"), 0)), 1);
	json_decref(j);
	srw_val_free(v);
	ck_assert_ptr_null(srw_val_parse("{", 1));
}
END_TEST

START_TEST(writer)
{
	srw_buf b;
	srw_val *v;
	static const char nasty[] = "q\"b\\s/\n\t\x01\xf0\x9f\x98\x80";

	srw_buf_init(&b);
	srw_jw_begin(&b);
	srw_jw_str(&b, "s", nasty);
	srw_jw_num(&b, "f", 0.1);
	srw_jw_int(&b, "i", -9007199254740991LL);
	srw_jw_num(&b, "nan", 0.0 / 0.0);
	srw_jw_obj(&b, "o");
	srw_jw_str(&b, "k", NULL);
	srw_jw_close(&b, '}');
	srw_jw_arr(&b, "a");
	srw_jw_int(&b, NULL, 1);
	srw_jw_int(&b, NULL, 2);
	srw_jw_close(&b, ']');
	srw_jw_end(&b);
	ck_assert_str_eq(b.s + b.len - 2, "}\n");
	v = srw_val_parse(b.s, b.len - 1);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(srw_val_get_str(v, "s"), nasty);
	ck_assert_int_eq(srw_val_type(srw_val_get(v, "nan")), SRW_NULL);
	ck_assert_int_eq(srw_val_len(srw_val_get(v, "a")), 2);
	ck_assert_int_eq(srw_val_type(srw_val_get(srw_val_get(v, "o"), "k")), SRW_NULL);
	srw_val_free(v);
	srw_buf_free(&b);
}
END_TEST

START_TEST(sql_quote)
{
	srw_buf b;
	static const char in[] = "it's a \\ back\\slash\0nul \"dq\" \xf0\x9f\x98\x80\n";

	srw_buf_init(&b);
	srw_sql_quote(&b, in, sizeof in - 1);
	ck_assert_mem_eq(b.s, "'it\\'s a \\\\ back\\\\slash\\0nul \\\"dq\\\" \xf0\x9f\x98\x80\\n'",
	    b.len);
	ck_assert_int_eq(b.len, strlen("'it\\'s a \\\\ back\\\\slash\\0nul \\\"dq\\\" \xf0\x9f\x98\x80\\n'"));
	srw_buf_free(&b);
}
END_TEST

START_TEST(sections)
{
	static const char row[] = "{\"message_id\":\"m-f\",\"created_at\":\"2026-03-10 15:20:00\","
	    "\"cluster_name\":\"a|b\",\"region\":\"r1\",\"cluster_id\":\"c1|c2\","
	    "\"alert_status\":\"Firing\",\"alert_name\":\"X|Y\",\"alert_detail\":\"d1|d2\"}";
	srw_val *v = srw_val_parse(row, sizeof row - 1);
	srw_section *s;
	int n = srw_sections_split(v, &s);

	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(s[1].cluster_id, "c2");
	ck_assert_str_eq(s[1].alert_name, "Y");
	ck_assert_str_eq(s[1].region, "r1");	/* shorter field repeats its last part */
	ck_assert_str_eq(s[1].alert_status, "Firing");
	ck_assert_str_eq(s[0].alert_detail, "d1");
	ck_assert_str_eq(s[0].account_name, "");
	ck_assert_str_eq(s[0].created_at, "2026-03-10 15:20:00");
	ck_assert_int_eq(s[0].created_ms, 1773156000000LL);
	srw_sections_free(s, n);
	srw_val_free(v);
}
END_TEST

START_TEST(split_and_sha)
{
	size_t n;
	char **v = srw_split("a,,b", ',', &n);
	char hex[65];

	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(v[1], "");
	ck_assert_str_eq(v[2], "b");
	ck_assert_ptr_null(v[3]);
	srw_strv_free(v);
	ck_assert_str_eq(srw_sha256_hex("abc", 3, hex),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ndjson");
	TCase *tc = tcase_create("ndjson");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, line_numbers_and_rejects);
	tcase_add_test(tc, long_lines);
	tcase_add_test(tc, nearly_long_line_kept);
	tcase_add_test(tc, callback_stops);
	tcase_add_exit_test(tc, strict_exits_65, 65);
	tcase_add_test(tc, values);
	tcase_add_test(tc, writer);
	tcase_add_test(tc, sql_quote);
	tcase_add_test(tc, sections);
	tcase_add_test(tc, split_and_sha);
	suite_add_tcase(s, tc);
	return check_run(s);
}
