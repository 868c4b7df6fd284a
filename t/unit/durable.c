/* Check tests for lib/durable.c: replace-by-rename leaves the old file or
 * the new one and no temporary behind; appends accumulate; errors are
 * reported, not fatal. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "srw.h"
#include "check_run.h"

static char dir[256];

static void
setup(void)
{
	snprintf(dir, sizeof dir, "%s/srw-durable.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = 0;
	fclose(fp);
	return buf;
}

static int
entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

START_TEST(replace_whole)
{
	char p[300], err[256];

	snprintf(p, sizeof p, "%s/state", dir);
	ck_assert_int_eq(srw_file_replace(p, "one\n", 4, err, sizeof err), 0);
	ck_assert_str_eq(slurp(p), "one\n");
	ck_assert_int_eq(srw_file_replace(p, "two\n", 4, err, sizeof err), 0);
	ck_assert_str_eq(slurp(p), "two\n");
	ck_assert_int_eq(srw_file_replace(p, "", 0, err, sizeof err), 0);
	ck_assert_str_eq(slurp(p), "");
	ck_assert_int_eq(entries(), 1);	/* no temporary file left */
}
END_TEST

START_TEST(replace_error_keeps_old)
{
	char p[300], q[300], err[256];

	snprintf(p, sizeof p, "%s/state", dir);
	ck_assert_int_eq(srw_file_replace(p, "old\n", 4, err, sizeof err), 0);
	snprintf(q, sizeof q, "%s/missing/state", dir);
	ck_assert_int_eq(srw_file_replace(q, "new\n", 4, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing"));
	ck_assert_str_eq(slurp(p), "old\n");
}
END_TEST

START_TEST(append_accumulates)
{
	char p[300], err[256];

	snprintf(p, sizeof p, "%s/log", dir);
	ck_assert_int_eq(srw_file_append_sync(p, "a\n", 2, err, sizeof err), 0);
	ck_assert_int_eq(srw_file_append_sync(p, "b\n", 2, err, sizeof err), 0);
	ck_assert_str_eq(slurp(p), "a\nb\n");
	ck_assert_int_eq(srw_fsync_dir(p), 0);
	ck_assert_int_eq(srw_fsync_dir(dir), 0);
	snprintf(p, sizeof p, "%s/no/log", dir);
	ck_assert_int_eq(srw_file_append_sync(p, "a\n", 2, err, sizeof err), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("durable");
	TCase *tc = tcase_create("durable");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, replace_whole);
	tcase_add_test(tc, replace_error_keeps_old);
	tcase_add_test(tc, append_accumulates);
	suite_add_tcase(s, tc);
	return check_run(s);
}
