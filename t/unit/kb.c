/* Check tests for lib/kb.c: BM25, hashed character n-gram vectors, RRF. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "check_run.h"

static srw_kb *
corpus(void)
{
	srw_kb *kb = srw_kb_new();

	srw_kb_add(kb, "FEHeapUsageTooHigh", "FE JVM heap usage above the threshold; raise -Xmx.");
	srw_kb_add(kb, "BEDiskUsageHigh", "A BE data disk is above 85% used; drop partitions.");
	srw_kb_add(kb, "BeAliveAbnormal", "A BE stopped sending heartbeats after an upgrade.");
	srw_kb_add(kb, "Guideline", "Thresholds for cpu, latency and errors.");
	return kb;
}

START_TEST(bm25_ranks_and_splits_camel_case)
{
	srw_kb *kb = corpus();
	srw_kb_hit h[4];
	size_t n;

	n = srw_kb_search(kb, "heap", SRW_KB_FULLTEXT, h, 4);
	ck_assert_uint_eq(n, 1);	/* only documents with the word */
	ck_assert_uint_eq(h[0].doc, 0);
	n = srw_kb_search(kb, "disk usage", SRW_KB_FULLTEXT, h, 4);
	ck_assert_uint_ge(n, 2);
	ck_assert_uint_eq(h[0].doc, 1);	/* both words beat one */
	ck_assert(h[0].score > h[1].score);
	n = srw_kb_search(kb, "the of and", SRW_KB_FULLTEXT, h, 4);
	ck_assert_uint_eq(n, 0);	/* stop words only */
	srw_kb_free(kb);
}
END_TEST

START_TEST(vector_tolerates_typos)
{
	srw_kb *kb = corpus();
	srw_kb_hit h[4];
	size_t n;

	ck_assert_uint_eq(srw_kb_search(kb, "hearbeats upgarde", SRW_KB_FULLTEXT, h, 4), 0);
	n = srw_kb_search(kb, "hearbeats upgarde", SRW_KB_VECTOR, h, 4);
	ck_assert_uint_ge(n, 1);
	ck_assert_uint_eq(h[0].doc, 2);
	ck_assert(h[0].score <= 1.0 + 1e-6);
	srw_kb_free(kb);
}
END_TEST

START_TEST(hybrid_fuses_ranks)
{
	srw_kb *kb = corpus();
	srw_kb_hit h[4];
	size_t n = srw_kb_search(kb, "BE disk partitions", SRW_KB_HYBRID, h, 2);

	ck_assert_uint_eq(n, 2);	/* max honoured */
	ck_assert_uint_eq(h[0].doc, 1);
	/* reciprocal rank fusion: at most 2/(60+1) */
	ck_assert(h[0].score <= 2.0 / 61 + 1e-12 && h[0].score > 1.0 / 61);
	srw_kb_free(kb);
}
END_TEST

START_TEST(modes_and_empty)
{
	enum srw_kb_mode m;
	srw_kb *kb = srw_kb_new();
	srw_kb_hit h[1];

	ck_assert_int_eq(srw_kb_mode_parse("vector", &m), 0);
	ck_assert_int_eq(m, SRW_KB_VECTOR);
	ck_assert_int_eq(srw_kb_mode_parse("semantic", &m), -1);
	ck_assert_str_eq(srw_kb_mode_name(SRW_KB_HYBRID), "hybrid");
	ck_assert_uint_eq(srw_kb_search(kb, "anything", SRW_KB_HYBRID, h, 1), 0);
	srw_kb_add(kb, NULL, NULL);
	ck_assert_uint_eq(srw_kb_search(kb, "", SRW_KB_HYBRID, h, 1), 0);
	srw_kb_free(kb);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("kb");
	TCase *tc = tcase_create("kb");

	tcase_add_test(tc, bm25_ranks_and_splits_camel_case);
	tcase_add_test(tc, vector_tolerates_typos);
	tcase_add_test(tc, hybrid_fuses_ranks);
	tcase_add_test(tc, modes_and_empty);
	suite_add_tcase(s, tc);
	return check_run(s);
}
