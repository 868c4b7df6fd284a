/* check_run.h - the tail every Check runner's main() shares: run the suite,
 * exit non-zero if anything failed. */
#include <check.h>

static int
check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? 1 : 0;
}
