/* Check tests for lib/sqlguard.c: run_sql is read-only by construction. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "check_run.h"

/* Refused, and the reason names the problem. */
static void
refused(const char *sql, const char *why_part)
{
	char why[512] = "";
	char *r = srw_sqlguard(sql, 100, why, sizeof why);

	ck_assert_msg(r == NULL, "accepted: %s -> %s", sql, r ? r : "");
	ck_assert_msg(strncmp(why, "refused: ", 9) == 0, "no reason for %s", sql);
	ck_assert_msg(strstr(why, why_part) != NULL, "%s: reason \"%s\" lacks \"%s\"", sql, why,
	    why_part);
}

static void
allowed(const char *sql, const char *want)
{
	char why[512] = "";
	char *r = srw_sqlguard(sql, 100, why, sizeof why);

	ck_assert_msg(r != NULL, "refused: %s: %s", sql, why);
	ck_assert_str_eq(r, want);
	free(r);
}

START_TEST(writes_refused)
{
	refused("DELETE FROM ops.issues", "must begin with SELECT");
	refused("delete from ops.issues where 1", "must begin with SELECT");
	refused("UPDATE agent.tasks SET status = 'x'", "must begin with SELECT");
	refused("INSERT INTO a VALUES (1)", "must begin with SELECT");
	refused("DROP TABLE x", "must begin with SELECT");
	refused("SET GLOBAL read_only = 0", "must begin with SELECT");
	refused("  (DELETE FROM x)", "must begin with SELECT");
	refused("WITH d AS (SELECT 1) DELETE FROM x", "DELETE is not allowed");
	refused("SELECT * FROM t FOR UPDATE", "UPDATE is not allowed");
	refused("SELECT * FROM t LOCK IN SHARE MODE", "LOCK is not allowed");
	refused("EXPLAIN ANALYZE DELETE FROM x", "DELETE is not allowed");
}
END_TEST

START_TEST(second_statement_refused)
{
	refused("SELECT 1; DROP TABLE x", "only one statement");
	refused("SELECT 1;DROP TABLE x", "only one statement");
	refused("SELECT 1; SELECT 2", "only one statement");
	refused("SELECT 1 -- hidden\n; DROP TABLE x", "only one statement");
	refused("SELECT 1 /* c */ ; /* c */ DROP TABLE x", "only one statement");
	refused("SELECT ';' ; DROP TABLE x", "only one statement");
}
END_TEST

START_TEST(into_outfile_refused)
{
	refused("SELECT * FROM t INTO OUTFILE '/tmp/x'", "INTO is not allowed");
	refused("SELECT * INTO DUMPFILE '/tmp/x' FROM t", "INTO is not allowed");
	refused("SELECT 1 INTO @a", "INTO is not allowed");
	refused("SELECT LOAD_FILE('/etc/passwd')", "LOAD_FILE is not allowed");
	refused("SELECT SLEEP(100)", "SLEEP is not allowed");
	refused("SELECT BENCHMARK(1e9, MD5('x'))", "BENCHMARK is not allowed");
	refused("SELECT @a := 1", "variables");
	refused("SELECT a := 1 FROM t", "assignment");
}
END_TEST

START_TEST(comment_and_string_tricks)
{
	/* executable comments run on MySQL/MariaDB: never allowed */
	refused("SELECT 1 /*! ; DROP TABLE x */", "executable comments");
	refused("SELECT /*!50000 1 INTO OUTFILE '/tmp/x' */", "executable comments");
	refused("SELECT /*+ SET_VAR(query_timeout=99999) */ 1", "executable comments");
	/* a quote inside a comment does not open a string that hides the rest */
	refused("SELECT 1 -- '\n; DROP TABLE x; -- '", "only one statement");
	refused("SELECT 1 # '\n; DROP TABLE x", "only one statement");
	/* an escaped quote does not close the string early, a real one does */
	refused("SELECT 'a\\'' ; DROP TABLE x", "only one statement");
	refused("SELECT 'a'''; DROP TABLE x", "only one statement");
	refused("SELECT 'abc", "unterminated string");
	refused("SELECT `abc", "unterminated quoted identifier");
	refused("SELECT 1 /* open", "unterminated /* comment");
	refused("SELECT (1", "unbalanced");
	refused("SELECT 1)", "unbalanced");
	refused("", "empty statement");
	refused("  -- only a comment", "empty statement");
	refused("`x` SELECT 1", "must begin with SELECT");
	refused("/* DELETE */ DELETE FROM x", "must begin with SELECT");
	/* a denied word inside a string or backquotes is data, not a command */
	allowed("SELECT 'DELETE FROM x; DROP TABLE y' AS s", "SELECT 'DELETE FROM x; DROP TABLE y' AS s\nLIMIT 100");
	allowed("SELECT `update` FROM t", "SELECT `update` FROM t\nLIMIT 100");
	allowed("SELECT \"a;b\" FROM t", "SELECT \"a;b\" FROM t\nLIMIT 100");
}
END_TEST

START_TEST(limits_and_forms)
{
	allowed("SELECT 1", "SELECT 1\nLIMIT 100");
	allowed("select * from t;", "select * from t\nLIMIT 100");
	allowed("SELECT 1 ; -- done\n", "SELECT 1\nLIMIT 100");
	allowed("SELECT a FROM t -- trailing comment", "SELECT a FROM t\nLIMIT 100");
	allowed("WITH x AS (SELECT 1 AS a) SELECT a FROM x", "WITH x AS (SELECT 1 AS a) SELECT a FROM x\nLIMIT 100");
	/* a LIMIT inside a subquery is not the statement's */
	allowed("SELECT * FROM (SELECT a FROM t LIMIT 5) s", "SELECT * FROM (SELECT a FROM t LIMIT 5) s\nLIMIT 100");
	/* the statement's own LIMIT is kept but capped */
	allowed("SELECT a FROM t LIMIT 100000", "SELECT * FROM (\nSELECT a FROM t LIMIT 100000\n) AS run_sql LIMIT 100");
	allowed("SHOW TABLES FROM ops", "SHOW TABLES FROM ops");
	allowed("DESCRIBE ops.issues", "DESCRIBE ops.issues");
	allowed("desc ops.issues", "desc ops.issues");
	allowed("EXPLAIN SELECT 1", "EXPLAIN SELECT 1");
	allowed("(SELECT 1) UNION (SELECT 2)", "(SELECT 1) UNION (SELECT 2)\nLIMIT 100");
	allowed("SELECT created_at, alert_name FROM alerts.lark_alerts WHERE cluster_id = 'c-1' ORDER BY created_at DESC",
	    "SELECT created_at, alert_name FROM alerts.lark_alerts WHERE cluster_id = 'c-1' ORDER BY created_at DESC\nLIMIT 100");
}
END_TEST

/* issue 20.1: the deny-list was bypassed by quoting a function name; every
 * call is now checked against an allowlist whatever its spelling */
START_TEST(calls_checked_whatever_the_quoting)
{
	refused("SELECT `LOAD_FILE`('/etc/hostname')", "LOAD_FILE is not allowed");
	refused("SELECT `load_file`('/etc/hostname')", "LOAD_FILE is not allowed");
	refused("SELECT `SLEEP`(4)", "SLEEP is not allowed");
	refused("SELECT `GET_LOCK`('x', 0)", "GET_LOCK is not allowed");
	refused("SELECT `MASTER_GTID_WAIT`('0-1-100', 5)", "MASTER_GTID_WAIT is not allowed");
	refused("SELECT \"SLEEP\"(4)", "SLEEP is not allowed");
	refused("SELECT `SLE``EP`(4)", "is not allowed");
	refused("SELECT LOAD_FILE /* gap */ ('/etc/hostname')", "LOAD_FILE is not allowed");
	refused("SELECT `LOAD_FILE`\n\t('/etc/hostname')", "LOAD_FILE is not allowed");
	refused("SELECT `LOAD_FILE` -- gap\n('/etc/hostname')", "LOAD_FILE is not allowed");
	refused("SELECT mysql.`sleep`(1)", "schema-qualified");
	refused("SELECT ops.f(1)", "schema-qualified");
	refused("SELECT `ops`.`f`(1)", "schema-qualified");
	refused("SELECT UUID_SHORT(), a FROM t", "UUID_SHORT is not allowed");
	refused("SELECT my_udf(a) FROM t", "MY_UDF is not allowed");
	refused("SELECT * FROM FILES('path' = 's3://b/x.parquet', 'format' = 'parquet')",
	    "FILES is not allowed");
	refused("SELECT * FROM `files`('path' = 'file:///etc/passwd')", "FILES is not allowed");
	refused("SELECT * FROM TABLE(generate_series(1, 10))", "TABLE is not allowed");
	refused("SELECT JSON_TABLE('[1]', '$[*]' COLUMNS (a INT PATH '$')) ", "JSON_TABLE is not allowed");
	refused("SELECT @@datadir", "variables");
	refused("SELECT @a", "variables");
	refused("SELECT 1 /*M!100000 , SLEEP(1) */", "executable comments");
	/* what stays possible: keywords before '(', allowed functions, types */
	allowed("SELECT COUNT(*), MAX(a) FROM t WHERE b IN (1, 2) AND EXISTS (SELECT 1)",
	    "SELECT COUNT(*), MAX(a) FROM t WHERE b IN (1, 2) AND EXISTS (SELECT 1)\nLIMIT 100");
	allowed("SELECT `count`(*) FROM t", "SELECT `count`(*) FROM t\nLIMIT 100");
	allowed("SELECT CAST(a AS DECIMAL(10, 2)), CAST(b AS CHAR(8)) FROM t",
	    "SELECT CAST(a AS DECIMAL(10, 2)), CAST(b AS CHAR(8)) FROM t\nLIMIT 100");
	allowed("SELECT REPLACE(a, 'x', 'y'), TRUNCATE(b, 2) FROM t",
	    "SELECT REPLACE(a, 'x', 'y'), TRUNCATE(b, 2) FROM t\nLIMIT 100");
	allowed("SELECT LAG(v) OVER (PARTITION BY c ORDER BY ts) FROM t",
	    "SELECT LAG(v) OVER (PARTITION BY c ORDER BY ts) FROM t\nLIMIT 100");
	allowed("SELECT get_json_string(labels, '$.cluster_id') FROM metrics.metrics_table",
	    "SELECT get_json_string(labels, '$.cluster_id') FROM metrics.metrics_table\nLIMIT 100");
	allowed("SELECT 'LOAD_FILE(1)' AS s", "SELECT 'LOAD_FILE(1)' AS s\nLIMIT 100");
	allowed("SELECT a FROM t WHERE d > NOW() - INTERVAL 1 DAY",
	    "SELECT a FROM t WHERE d > NOW() - INTERVAL 1 DAY\nLIMIT 100");
	ck_assert(srw_sqlguard_function_ok("COUNT"));
	ck_assert(!srw_sqlguard_function_ok("LOAD_FILE"));
	ck_assert(!srw_sqlguard_function_ok("SLEEP"));
	ck_assert(!srw_sqlguard_function_ok("FILES"));
}
END_TEST

START_TEST(bad_bytes_and_size)
{
	char why[256];
	char *big = malloc(30001);

	memset(big, ' ', 30000);
	memcpy(big, "SELECT 1", 8);
	big[30000] = '\0';
	ck_assert_ptr_null(srw_sqlguard(big, 10, why, sizeof why));
	ck_assert_ptr_nonnull(strstr(why, "longer than"));
	free(big);
	refused("SELECT 1\001", "control characters");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sqlguard");
	TCase *tc = tcase_create("sqlguard");

	tcase_add_test(tc, writes_refused);
	tcase_add_test(tc, second_statement_refused);
	tcase_add_test(tc, into_outfile_refused);
	tcase_add_test(tc, comment_and_string_tricks);
	tcase_add_test(tc, limits_and_forms);
	tcase_add_test(tc, calls_checked_whatever_the_quoting);
	tcase_add_test(tc, bad_bytes_and_size);
	suite_add_tcase(s, tc);
	return check_run(s);
}
