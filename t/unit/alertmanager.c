/* Check tests for lib/alertmanager.c: Alertmanager/Grafana webhook bodies
 * into alert rows. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "check_run.h"

#define NOW 1773151402000LL	/* 2026-03-10 14:03:22 UTC */
/* make check runs units from the top of the tree */
#define SRW_FIXTURES "t/fixtures"

static srw_buf out;
static srw_am_result res;
static char err[300];

static int
run(const char *body)
{
	srw_buf_reset(&out);
	return srw_am_rows(body, strlen(body), NOW, &out, &res, err, sizeof err);
}

/* Field of row i (0-based) of out; "(null)" for a JSON null. */
static char *
field(int i, const char *key)
{
	static char buf[4096];
	const char *p = out.s, *nl;
	srw_val *v;
	const char *s;

	for (; i > 0; i--) {
		ck_assert_ptr_nonnull(p = strchr(p, '\n'));
		p++;
	}
	ck_assert_ptr_nonnull(nl = strchr(p, '\n'));
	ck_assert_ptr_nonnull(v = srw_val_parse(p, (size_t)(nl - p)));
	s = srw_val_get_str(v, key);
	if (!s)
		ck_assert_int_eq(srw_val_type(srw_val_get(v, key)), SRW_NULL);
	snprintf(buf, sizeof buf, "%s", s ? s : "(null)");
	srw_val_free(v);
	return buf;
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	srw_buf b;
	char tmp[4096];
	size_t n;

	ck_assert_ptr_nonnull(fp);
	srw_buf_init(&b);
	while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0)
		srw_buf_add(&b, tmp, n);
	fclose(fp);
	return b.s;
}

static void
setup(void)
{
	srw_buf_init(&out);
}

static void
teardown(void)
{
	srw_buf_free(&out);
}

START_TEST(fixture_rows)
{
	char *body = slurp(SRW_FIXTURES "/alertmanager/firing-and-resolved.json");
	char *want = slurp(SRW_FIXTURES "/alertmanager/firing-and-resolved.rows.ndjson");
	static const char *keys[] = { "message_id", "created_at", "cluster_name",
		"region", "account_name", "cluster_id", "alert_status", "alert_name",
		"alert_detail", "source", NULL };
	const char *p = want;
	int i, k;

	ck_assert_int_eq(run(body), 0);
	ck_assert_uint_eq(res.alerts, 2);
	ck_assert_uint_eq(res.incomplete, 0);
	for (i = 0; i < 2; i++) {
		const char *nl = strchr(p, '\n');
		srw_val *w = srw_val_parse(p, (size_t)(nl - p));

		for (k = 0; keys[k]; k++)
			ck_assert_str_eq(field(i, keys[k]), srw_val_get_str(w, keys[k]));
		srw_val_free(w);
		p = nl + 1;
	}
	ck_assert_str_eq(field(0, "dashboard_url"),
	    "https://grafana.example.net/d/sr-overview?var-cluster=c-8f3a21");
	ck_assert_str_eq(field(1, "silence_url"),
	    "https://alertmanager.example.net/#/silences/new?filter=%7Baccount_name%3D%22acme-corp%22%2C%20"
	    "alertname%3D%22FEHeapUsageTooHigh%22%2C%20cluster_id%3D%22c-8f3a21%22%2C%20"
	    "cluster_name%3D%22prod-orders%22%2C%20region%3D%22us-west-2%22%2C%20"
	    "severity%3D%22critical%22%7D");
	free(body);
	free(want);
}
END_TEST

START_TEST(message_id)
{
	char id[68];

	/* sha256("") */
	ck_assert_str_eq(srw_am_message_id(NULL, NULL, NULL, NULL, id),
	    "wh_e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* sha256("abc"), the four strings concatenated */
	ck_assert_str_eq(srw_am_message_id("a", "", "b", "c", id),
	    "wh_ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(times_and_status)
{
	/* resolved without endsAt: its startsAt; the zero time is no time;
	 * a bad startsAt: now; status from the payload when the alert has none */
	ck_assert_int_eq(run("{\"status\":\"resolved\",\"alerts\":["
	    "{\"startsAt\":\"2026-03-10T10:00:00+02:00\",\"endsAt\":\"0001-01-01T00:00:00Z\"},"
	    "{\"status\":\"firing\",\"startsAt\":\"yesterday\"},"
	    "{\"status\":\"RESOLVED\",\"startsAt\":\"2026-03-10T10:00:00Z\",\"endsAt\":\"2026-03-10T10:05:30.999999999Z\"},"
	    "{\"status\":\"firing\",\"startsAt\":\"1773151402\"}]}"), 0);
	ck_assert_uint_eq(res.alerts, 4);
	ck_assert_str_eq(field(0, "created_at"), "2026-03-10 08:00:00");
	ck_assert_str_eq(field(0, "alert_status"), "Resolved");
	ck_assert_str_eq(field(1, "created_at"), "2026-03-10 14:03:22");
	ck_assert_str_eq(field(1, "alert_status"), "Firing");
	ck_assert_str_eq(field(2, "created_at"), "2026-03-10 10:05:30");
	ck_assert_str_eq(field(2, "alert_status"), "Resolved");
	ck_assert_str_eq(field(3, "created_at"), "2026-03-10 14:03:22");
}
END_TEST

START_TEST(incomplete_and_odd_values)
{
	ck_assert_int_eq(run("{\"alerts\":[{\"labels\":{\"alertname\":7,\"cluster_id\":\"c\"},"
	    "\"annotations\":[\"x\"]},{\"labels\":\"nope\"},{}]}"), 0);
	ck_assert_uint_eq(res.alerts, 3);
	ck_assert_uint_eq(res.incomplete, 3);
	ck_assert_str_eq(field(0, "alert_name"), "");
	ck_assert_str_eq(field(0, "cluster_id"), "c");
	ck_assert_str_eq(field(0, "alert_detail"), "(null)");
	ck_assert_str_eq(field(1, "cluster_name"), "");
	ck_assert_str_eq(field(2, "silence_url"), "(null)");
	ck_assert_str_eq(field(2, "source"), "webhook");
}
END_TEST

START_TEST(urls_and_detail)
{
	/* Grafana: dashboardURL and silenceURL on the alert, summary as detail;
	 * label values with quotes are escaped inside the matcher */
	ck_assert_int_eq(run("{\"alerts\":[{\"labels\":{\"alertname\":\"A\",\"cluster_id\":\"c\"},"
	    "\"annotations\":{\"summary\":\"s\"},\"dashboardURL\":\"https://g/d\","
	    "\"generatorURL\":\"https://g/gen\",\"silenceURL\":\"https://g/s\"}],"
	    "\"externalURL\":\"\"}"), 0);
	ck_assert_str_eq(field(0, "dashboard_url"), "https://g/d");
	ck_assert_str_eq(field(0, "silence_url"), "https://g/s");
	ck_assert_str_eq(field(0, "alert_detail"), "s");
	ck_assert_int_eq(run("{\"externalURL\":\"http://am:9093/\",\"alerts\":[{\"labels\":"
	    "{\"z\":\"a\\\"b\\\\\",\"alertname\":\"A\"},\"annotations\":{\"message\":\"m\"},"
	    "\"generatorURL\":\"https://p/gen\"}]}"), 0);
	ck_assert_str_eq(field(0, "dashboard_url"), "https://p/gen");
	ck_assert_str_eq(field(0, "alert_detail"), "m");
	ck_assert_str_eq(field(0, "silence_url"), "http://am:9093/#/silences/new?filter="
	    "%7Balertname%3D%22A%22%2C%20z%3D%22a%5C%22b%5C%5C%22%7D");
}
END_TEST

/* Go's encoding/json keeps the last of a repeated key; so do we, in the
 * document, the alert, its labels (and the silence link built from them). */
START_TEST(repeated_keys_last_wins)
{
	ck_assert_int_eq(run("{\"alerts\":[{\"labels\":{\"alertname\":\"x\"}}],"
	    "\"externalURL\":\"https://am.example\",\"alerts\":[{\"status\":\"resolved\","
	    "\"status\":\"firing\",\"labels\":{\"b\":\"2\",\"alertname\":\"first\","
	    "\"cluster_id\":\"c1\",\"alertname\":\"last\",\"a\":\"1\"},"
	    "\"startsAt\":\"2026-03-10T14:01:00Z\"}]}"), 0);
	ck_assert_int_eq(res.alerts, 1);
	ck_assert_str_eq(field(0, "alert_name"), "last");
	ck_assert_str_eq(field(0, "alert_status"), "Firing");
	ck_assert_str_eq(field(0, "silence_url"), "https://am.example/#/silences/new?filter="
	    "%7Ba%3D%221%22%2C%20alertname%3D%22last%22%2C%20b%3D%222%22%2C%20cluster_id%3D%22c1%22%7D");
}
END_TEST

/* Only http(s) links; javascript:, data: and disguised forms dropped, counted. */
START_TEST(links_http_only)
{
	ck_assert_int_eq(run("{\"externalURL\":\"javascript:alert(1)//\",\"alerts\":["
	    "{\"labels\":{\"alertname\":\"a\",\"cluster_id\":\"c\"},"
	    "\"annotations\":{\"dashboard_url\":\"JavaScript:alert(1)\"},"
	    "\"generatorURL\":\"data:text/html,x\",\"silenceURL\":\" https://x.example\"},"
	    "{\"labels\":{\"alertname\":\"b\",\"cluster_id\":\"c\"},"
	    "\"annotations\":{\"dashboard_url\":\"java\\tscript:x\"},"
	    "\"generatorURL\":\"HTTPS://prom.example/g\"}]}"), 0);
	ck_assert_str_eq(field(0, "dashboard_url"), "(null)");
	ck_assert_str_eq(field(0, "silence_url"), "(null)");
	ck_assert_str_eq(field(1, "dashboard_url"), "HTTPS://prom.example/g");
	ck_assert_int_eq(res.links_dropped, 5);
	ck_assert(srw_link_ok("http://h/x"));
	ck_assert(!srw_link_ok("http:///x"));
	ck_assert(!srw_link_ok("https://h/a b"));
	ck_assert(!srw_link_ok("vbscript:x"));
	ck_assert(!srw_link_ok(""));
}
END_TEST

START_TEST(bad_bodies)
{
	static const char *bad[] = {
		"", "{", "[]", "null", "{\"alerts\":{}}", "{\"alerts\":[1]}",
		"{\"alerts\":[{}, \"x\"]}", "{\"alerts\":[]} {}", "{\"alerts\":[]}x",
		"{\"alerts\":[{\"labels\":{\"alertname\":\"a\\u0000b\"}}]}",
		"{\"alerts\":[{\"labels\":{\"alertname\":\"\xc3\x28\"}}]}",	/* bad UTF-8 */
		"{\"alerts\":[{\"labels\":{\"alertname\":\"\xed\xa0\x80\"}}]}",	/* surrogate */
		"{\"alerts\":[{\"labels\":{\"alertname\":\"\xe0\x80\xaf\"}}]}",	/* overlong */
		"{\"alerts\":[{\"labels\":{\"alertname\":\"\xf0\x9f\x98\"}}]}",	/* cut short */
		NULL,
	};
	int i;

	for (i = 0; bad[i]; i++) {
		srw_buf_reset(&out);
		srw_buf_adds(&out, "keep");
		ck_assert_msg(srw_am_rows(bad[i], strlen(bad[i]), NOW, &out, &res, err,
		    sizeof err) == -1, "accepted: %s", bad[i]);
		ck_assert_str_eq(out.s, "keep");
		ck_assert(err[0] != '\0');
	}
	ck_assert_int_eq(run("{\"alerts\":["), -1);
	ck_assert_msg(strstr(err, "line 1 column") != NULL, "err: %s", err);
	/* a body with a NUL byte, 4-byte UTF-8 and an escaped backslash before
	 * u0000 (text, not a NUL) */
	ck_assert_int_eq(srw_am_rows("{\"alerts\":[]}\0", 14, NOW, &out, &res, err,
	    sizeof err), -1);
	ck_assert_int_eq(run("{\"alerts\":[{\"labels\":{\"alertname\":\"\xf0\x9f\x98\x80\\\\u0000\"}}]}"), 0);
	ck_assert_str_eq(field(0, "alert_name"), "\xf0\x9f\x98\x80\\u0000");
	ck_assert_int_eq(run("{\"alerts\":[]}"), 0);
	ck_assert_uint_eq(res.alerts, 0);
	ck_assert_uint_eq(out.len, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("alertmanager");
	TCase *tc = tcase_create("alertmanager");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fixture_rows);
	tcase_add_test(tc, message_id);
	tcase_add_test(tc, times_and_status);
	tcase_add_test(tc, incomplete_and_odd_values);
	tcase_add_test(tc, urls_and_detail);
	tcase_add_test(tc, bad_bodies);
	tcase_add_test(tc, repeated_keys_last_wins);
	tcase_add_test(tc, links_http_only);
	suite_add_tcase(s, tc);
	return check_run(s);
}
