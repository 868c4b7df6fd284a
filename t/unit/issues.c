/* Check tests for lib/issues.c: the grouping engine's boundaries, chains,
 * eviction, state round trip and triage order. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "check_run.h"

#define H 3600000LL
#define M 60000LL
static const int64_t T0 = 1773136800000LL;	/* 2026-03-10 10:00:00 UTC */

struct got {
	srw_buf all;	/* every emitted row */
	int n, before_finish;
	bool finishing;
};

static void
collect(const srw_issue *is, void *ctx)
{
	struct got *g = ctx;

	srw_issue_jw(&g->all, is);
	g->n++;
	if (!g->finishing)
		g->before_finish++;
}

static srw_issues *
engine(struct got *got, int64_t window, int64_t corr)
{
	srw_issues_opts o = { window, corr, 0, collect, NULL, got };

	memset(got, 0, sizeof *got);
	srw_buf_init(&got->all);
	return srw_issues_new(&o);
}

static int
feed(srw_issues *g, const char *msg, int64_t t, const char *cluster, const char *status,
    const char *name)
{
	srw_section s = { 0 };
	char reason[256];

	s.message_id = msg;
	s.created_ms = t;
	s.cluster_id = (char *)cluster;
	s.alert_status = (char *)status;
	s.alert_name = (char *)name;
	return srw_issues_feed(g, &s, reason, sizeof reason);
}

/* The value of key in the n-th emitted row (0-based), as text. */
static char *
field(struct got *got, int n, const char *key)
{
	static char out[1024];
	const char *p = got->all.s;
	srw_val *v, *x;
	double d;
	bool b;

	for (; n > 0 && p; n--)
		p = strchr(p, '\n') + 1;
	ck_assert_ptr_nonnull(p);
	v = srw_val_parse(p, (size_t)(strchr(p, '\n') - p));
	ck_assert_ptr_nonnull(v);
	x = srw_val_get(v, key);
	if (srw_val_str(x))
		snprintf(out, sizeof out, "%s", srw_val_str(x));
	else if (srw_val_type(x) == SRW_NUM && srw_val_num(x, &d))
		snprintf(out, sizeof out, "%.0f", d);
	else if (srw_val_type(x) == SRW_BOOL && srw_val_bool(x, &b))
		snprintf(out, sizeof out, "%s", b ? "true" : "false");
	else
		snprintf(out, sizeof out, "null");
	srw_val_free(v);
	return out;
}

static void
finish(srw_issues *g, struct got *got, int64_t now)
{
	got->finishing = true;
	srw_issues_finish(g, now);
	srw_issues_free(g);
}

START_TEST(window_is_inclusive)
{
	struct got got;
	srw_issues *g = engine(&got, 0, 0);

	ck_assert_int_eq(feed(g, "m1", T0, "c", "Firing", "BeAliveAbnormal"), 0);
	ck_assert_int_eq(feed(g, "m2", T0 + 30 * M, "c", "Firing", "BeAliveAbnormal"), 0);
	ck_assert_int_eq(feed(g, "m3", T0 + 60 * M + 1000, "c", "Firing", "BeAliveAbnormal"), 0);
	ck_assert_int_eq(feed(g, "m2", T0 + 30 * M, "c", "Firing", "BeAliveAbnormal"), 1);
	finish(g, &got, T0);
	ck_assert_int_eq(got.n, 2);
	ck_assert_str_eq(field(&got, 0, "message_ids"), "m1,m2");
	ck_assert_str_eq(field(&got, 1, "message_ids"), "m3");
	srw_buf_free(&got.all);
}
END_TEST

START_TEST(correlation_is_strict_and_chains)
{
	struct got got;
	srw_issues *g = engine(&got, 0, 0);
	char a[64], b[64];

	/* 4 h exactly: a new chain */
	feed(g, "x1", T0, "c", "Firing", "OperationAbnormal");
	feed(g, "x2", T0 + 4 * H, "c", "Firing", "ProcNotRunning");
	finish(g, &got, T0);
	snprintf(a, sizeof a, "%s", field(&got, 0, "correlation_group"));
	snprintf(b, sizeof b, "%s", field(&got, 1, "correlation_group"));
	ck_assert_str_ne(a, b);
	srw_buf_free(&got.all);

	/* a late alert between two groups joins the nearer; groups never
	 * merge (stored ids stay true) */
	g = engine(&got, 0, 0);
	feed(g, "y1", T0, "c", "Firing", "OperationAbnormal");
	feed(g, "y2", T0 + 7 * H, "c", "Firing", "ProcNotRunning");
	feed(g, "y3", T0 + 3 * H + 20 * M, "c", "Firing", "LoadJobFailed");
	finish(g, &got, T0);
	ck_assert_int_eq(got.n, 3);
	snprintf(a, sizeof a, "%s", field(&got, 0, "correlation_group"));
	snprintf(b, sizeof b, "%s", field(&got, 2, "correlation_group"));
	ck_assert_str_ne(a, b);
	ck_assert_str_eq(field(&got, 1, "message_ids"), "y3");
	ck_assert_str_eq(field(&got, 1, "correlation_group"), a);	/* 3h20 vs 3h40 */
	srw_buf_free(&got.all);
}
END_TEST

START_TEST(ids_are_deterministic)
{
	struct got got;
	srw_issues *g = engine(&got, 0, 0);
	char hex[65], want[32];
	const char *in = "c-1|ANOMALY|om_1-f#2";

	srw_sha256_hex(in, strlen(in), hex);
	snprintf(want, sizeof want, "iss_%.20s", hex);
	{
		srw_section s = { .message_id = "om_1-f", .index = 2, .created_ms = T0,
			.cluster_id = "c-1", .alert_status = "Firing",
			.alert_name = "HeapUsageTooHigh" };
		char reason[64];

		ck_assert_int_eq(srw_issues_feed(g, &s, reason, sizeof reason), 0);
	}
	finish(g, &got, T0);
	ck_assert_str_eq(field(&got, 0, "issue_id"), want);
	ck_assert_str_eq(field(&got, 0, "message_ids"), "om_1-f#2");
	srw_buf_free(&got.all);
}
END_TEST

START_TEST(old_issues_leave_memory)
{
	struct got got;
	srw_issues *g = engine(&got, 0, 0);
	char msg[32];
	int i;

	/* a failure every 6 hours for 40 days: each resolves quietly and is
	 * emitted while the stream goes on */
	for (i = 0; i < 160; i++) {
		snprintf(msg, sizeof msg, "e%d", i);
		feed(g, msg, T0 + i * 6 * H, "c", "Firing", "BeAliveAbnormal");
	}
	for (i = 0; i < 5000; i++) {	/* enough feeds to sweep */
		snprintf(msg, sizeof msg, "d%d", i);
		feed(g, msg, T0 + 160 * 6 * H, "d", "Firing", "BeAliveAbnormal");
	}
	ck_assert_int_ge(got.before_finish, 150);
	finish(g, &got, T0 + 160 * 6 * H);
	ck_assert_int_eq(got.n, 161);
	ck_assert_str_eq(field(&got, 0, "issue_status"), "Resolved");
	ck_assert_str_eq(field(&got, 0, "resolve_reason"), "quiet for 4h");
	srw_buf_free(&got.all);
}
END_TEST

START_TEST(stored_issues_round_trip)
{
	struct got got, got2;
	srw_issues *g = engine(&got, 0, 0);
	const char *cols[] = { "issue_id", "cluster_id", "kind", "alert_names",
		"message_ids", "first_seen", "last_seen", "alert_count",
		"correlation_group", "severity", "escalated", "resolved_at",
		"triage_status" };
	srw_issue is;
	size_t i;

	feed(g, "a1", T0, "c", "Firing", "FEHeapUsageTooHigh");
	feed(g, "a2", T0 + H, "c", "Firing", "ProcNotRunning");
	finish(g, &got, T0);
	ck_assert_str_eq(field(&got, 0, "alert_names"), "FEHeapUsageTooHigh,ProcNotRunning");
	ck_assert_str_eq(field(&got, 0, "severity"), "Critical");

	/* read back, then the same alerts again: nothing changes */
	g = engine(&got2, 0, 0);
	srw_issue_init(&is);
	for (i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		char v[256];

		snprintf(v, sizeof v, "%s", field(&got, 0, cols[i]));
		ck_assert_int_eq(srw_issue_set(&is, cols[i],
		    strcmp(v, "null") == 0 ? NULL : v), 0);
	}
	ck_assert_int_eq(srw_issue_set(&is, "kind", "SOMETHING"), -1);
	srw_issue_set(&is, "kind", "ANOMALY");
	ck_assert_int_eq(srw_issues_add(g, &is), 0);
	ck_assert_int_eq(srw_issues_add(g, &is), 1);
	srw_issue_clear(&is);
	ck_assert_int_eq(feed(g, "a2", T0 + H, "c", "Firing", "ProcNotRunning"), 1);
	ck_assert_int_eq(feed(g, "a1", T0, "c", "Firing", "FEHeapUsageTooHigh"), 1);
	finish(g, &got2, T0);
	ck_assert_int_eq(got2.n, 1);
	ck_assert_str_eq(field(&got2, 0, "issue_id"), field(&got, 0, "issue_id"));
	ck_assert_str_eq(field(&got2, 0, "escalated"), "true");
	srw_buf_free(&got.all);
	srw_buf_free(&got2.all);
}
END_TEST

START_TEST(bad_sections_are_refused)
{
	struct got got;
	srw_issues *g = engine(&got, 0, 0);

	ck_assert_int_eq(feed(g, "b1", T0, "", "Firing", "X"), -1);
	ck_assert_int_eq(feed(g, "b2", -1, "c", "Firing", "X"), -1);
	ck_assert_int_eq(feed(g, "b3", T0, "c", "Pending", "X"), -1);
	ck_assert_int_eq(feed(g, "b4", T0, "c", "Firing", "A,B"), -1);
	ck_assert_int_eq(feed(g, "", T0, "c", "Firing", "X"), -1);
	finish(g, &got, T0);
	ck_assert_int_eq(got.n, 0);
	srw_buf_free(&got.all);
}
END_TEST

START_TEST(classes)
{
	struct got got;
	srw_issues *g = engine(&got, 0, 0);
	enum srw_severity sev;
	bool known;

	ck_assert_int_eq(srw_issues_class(g, "OperationDurationGT30m", &sev, &known),
	    SRW_CLASS_ANOMALY);
	ck_assert(known);
	ck_assert_int_eq(srw_issues_class(g, "BeAliveAbnormal", &sev, &known),
	    SRW_CLASS_FAILURE);
	ck_assert_int_eq(sev, SRW_SEV_CRITICAL);
	ck_assert_int_eq(srw_issues_class(g, "Zzz", &sev, &known), SRW_CLASS_FAILURE);
	ck_assert(!known);
	finish(g, &got, T0);
	srw_buf_free(&got.all);
}
END_TEST

START_TEST(triage_order)
{
	ck_assert_int_eq(srw_triage_rank("New"), 0);
	ck_assert_int_eq(srw_triage_rank("mitigating"), 3);
	ck_assert_int_eq(srw_triage_rank("Closed"), 4);
	ck_assert_int_eq(srw_triage_rank("Done"), -1);
	ck_assert_int_eq(srw_triage_rank(NULL), -1);
	ck_assert_str_eq(srw_triage_name(2), "Investigating");
	ck_assert_ptr_null(srw_triage_name(5));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("issues");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, window_is_inclusive);
	tcase_add_test(tc, correlation_is_strict_and_chains);
	tcase_add_test(tc, ids_are_deterministic);
	tcase_add_test(tc, old_issues_leave_memory);
	tcase_add_test(tc, stored_issues_round_trip);
	tcase_add_test(tc, bad_sections_are_refused);
	tcase_add_test(tc, classes);
	tcase_add_test(tc, triage_order);
	suite_add_tcase(s, tc);
	return check_run(s);
}
