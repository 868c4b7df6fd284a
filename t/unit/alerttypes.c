/* Check tests for lib/alerttypes.c: the known StarRocks alert types. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "check_run.h"

START_TEST(table_size_and_uniqueness)
{
	size_t n, i, j;
	const srw_alert_type *t = srw_alert_types(&n);

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(n, 21);
	for (i = 0; i < n; i++) {
		ck_assert_msg(t[i].name && *t[i].name, "entry %zu has no name", i);
		ck_assert_msg(t[i].summary && strlen(t[i].summary) > 20,
		    "%s: no summary", t[i].name);
		ck_assert_msg(t[i].recommendation && strlen(t[i].recommendation) > 40,
		    "%s: no specific recommendation", t[i].name);
		ck_assert_msg(t[i].severity != SRW_SEV_UNKNOWN, "%s: Unknown severity",
		    t[i].name);
		for (j = i + 1; j < n; j++)
			ck_assert_msg(strcmp(t[i].name, t[j].name) != 0, "%s twice",
			    t[i].name);
		/* recommendations are specific: no two alike */
		for (j = i + 1; j < n; j++)
			ck_assert_msg(strcmp(t[i].recommendation, t[j].recommendation) != 0,
			    "%s and %s share advice", t[i].name, t[j].name);
		ck_assert_ptr_eq(srw_alert_type_find(t[i].name), &t[i]);
	}
}
END_TEST

static void
want(const char *name, enum srw_severity sev, enum srw_alert_class cls)
{
	const srw_alert_type *t = srw_alert_type_find(name);

	ck_assert_msg(t != NULL, "%s missing", name);
	ck_assert_msg(t->severity == sev, "%s: severity %s", name,
	    srw_severity_name(t->severity));
	ck_assert_msg(t->cls == cls, "%s: wrong class", name);
}

START_TEST(required_entries)
{
	want("ProcNotRunning", SRW_SEV_CRITICAL, SRW_CLASS_FAILURE);
	want("BeAliveAbnormal", SRW_SEV_CRITICAL, SRW_CLASS_FAILURE);
	want("ClusterStateAbnormal", SRW_SEV_CRITICAL, SRW_CLASS_FAILURE);
	want("FEQueryErrRateMoreThan60%", SRW_SEV_CRITICAL, SRW_CLASS_ANOMALY);
	want("FEHeapUsageTooHigh", SRW_SEV_WARNING, SRW_CLASS_ANOMALY);
	want("FEMaxTabletCompaction", SRW_SEV_WARNING, SRW_CLASS_ANOMALY);
	want("RootFreeDiskLessThan10%", SRW_SEV_WARNING, SRW_CLASS_ANOMALY);
	want("FEGCCount", SRW_SEV_WARNING, SRW_CLASS_ANOMALY);
	want("OperationDurationGT10m", SRW_SEV_INFO, SRW_CLASS_ANOMALY);
	want("OperationDurationGT", SRW_SEV_INFO, SRW_CLASS_ANOMALY);
	want("HeapUsageTooHigh", SRW_SEV_WARNING, SRW_CLASS_ANOMALY);
	want("OperationAbnormal", SRW_SEV_WARNING, SRW_CLASS_FAILURE);
	want("MVRefreshFailed", SRW_SEV_WARNING, SRW_CLASS_FAILURE);
	want("LoadJobFailed", SRW_SEV_WARNING, SRW_CLASS_FAILURE);
}
END_TEST

START_TEST(unknown_and_exact_lookup)
{
	ck_assert_ptr_null(srw_alert_type_find("NoSuchAlert"));
	ck_assert_ptr_null(srw_alert_type_find(NULL));
	ck_assert_ptr_null(srw_alert_type_find(""));
	/* exact: no prefix, no case folding */
	ck_assert_ptr_null(srw_alert_type_find("beAliveAbnormal"));
	ck_assert_ptr_null(srw_alert_type_find("OperationDurationGT1"));
	ck_assert_ptr_null(srw_alert_type_find("BeAliveAbnormal "));
	ck_assert_str_eq(srw_alert_type_find("OperationDurationGT")->name,
	    "OperationDurationGT");
}
END_TEST

START_TEST(severity_names)
{
	ck_assert_str_eq(srw_severity_name(SRW_SEV_CRITICAL), "Critical");
	ck_assert_str_eq(srw_severity_name(SRW_SEV_WARNING), "Warning");
	ck_assert_str_eq(srw_severity_name(SRW_SEV_INFO), "Info");
	ck_assert_str_eq(srw_severity_name(SRW_SEV_UNKNOWN), "Unknown");
	ck_assert_str_eq(srw_severity_name((enum srw_severity)42), "Unknown");
}
END_TEST

START_TEST(severity_parse_and_class)
{
	enum srw_severity sev = SRW_SEV_UNKNOWN;
	bool known;

	ck_assert_int_eq(srw_severity_parse("critical", &sev), 0);
	ck_assert_int_eq(sev, SRW_SEV_CRITICAL);
	ck_assert_int_eq(srw_severity_parse("Info", &sev), 0);
	ck_assert_int_eq(sev, SRW_SEV_INFO);
	ck_assert_int_eq(srw_severity_parse("Unknown", &sev), -1);
	ck_assert_int_eq(srw_severity_parse(NULL, &sev), -1);
	/* the table first, then the words of the name */
	ck_assert_int_eq(srw_alert_class_of("BeAliveAbnormal", &known), SRW_CLASS_FAILURE);
	ck_assert(known);
	ck_assert_int_eq(srw_alert_class_of("NewThingTooHigh", &known), SRW_CLASS_ANOMALY);
	ck_assert(known);
	ck_assert_int_eq(srw_alert_class_of("Whatever", &known), SRW_CLASS_FAILURE);
	ck_assert(!known);
	ck_assert_str_eq(srw_alert_class_name(SRW_CLASS_ANOMALY), "ANOMALY");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("alerttypes");
	TCase *tc = tcase_create("alerttypes");

	tcase_add_test(tc, table_size_and_uniqueness);
	tcase_add_test(tc, required_entries);
	tcase_add_test(tc, unknown_and_exact_lookup);
	tcase_add_test(tc, severity_names);
	tcase_add_test(tc, severity_parse_and_class);
	suite_add_tcase(s, tc);
	return check_run(s);
}
