/* sqlguard.c - the read-only checker behind investigate's run_sql tool.
 *
 * The model may write SQL; this decides whether it runs.  Read-only by
 * construction: the statement is tokenised the way the server reads it
 * (quotes, backquotes, the three comment forms), and what runs is the text
 * this checker saw, with comments removed, so nothing can hide inside a
 * comment.  One statement only; it must begin with SELECT, WITH, SHOW,
 * DESCRIBE/DESC or EXPLAIN; no bare word that writes, locks or changes the
 * session (INTO, DELETE, SET, …); no executable comments, no variables.
 * Every function call is checked against an allowlist, whatever its quoting:
 * a name (bare, `backquoted` or "quoted") followed, after any space or
 * comment, by '(' is a call, unless the name is a keyword that takes a
 * parenthesis (IN, EXISTS, OVER, …).  A deny-list of dangerous functions was
 * bypassed by `LOAD_FILE`(…); an allowlist cannot be: anything it does not
 * know (LOAD_FILE, SLEEP, GET_LOCK, FILES(), stored functions, schema-
 * qualified calls) is refused.  A row limit is appended.  Every refusal says
 * why, in words a model can act on. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"

#define MAX_SQL 20000

static const char *const first_ok[] = {
	"SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", NULL,
};

/* Bare words with no place in a read-only query (identifiers that need
 * these names can be quoted with backquotes). */
static const char *const denied[] = {
	"INTO", "OUTFILE", "DUMPFILE", "INSERT", "UPDATE", "DELETE", "REPLACE",
	"UPSERT", "MERGE", "DROP", "ALTER", "CREATE", "TRUNCATE", "RENAME",
	"GRANT", "REVOKE", "LOCK", "UNLOCK", "CALL", "HANDLER", "LOAD", "SET",
	"KILL", "SHUTDOWN", "FLUSH", "RESET", "PURGE", "INSTALL", "UNINSTALL",
	"PREPARE", "EXECUTE", "DEALLOCATE", "DO", "PROCEDURE", "SUBMIT", "CANCEL",
	"ADMIN", "BACKUP", "RESTORE", "RECOVER", "COMMIT", "ROLLBACK", "BEGIN",
	"LOAD_FILE", "SLEEP", "BENCHMARK", "GET_LOCK", "RELEASE_LOCK",
	"RELEASE_ALL_LOCKS", "IS_FREE_LOCK", "IS_USED_LOCK", "MASTER_POS_WAIT",
	"MASTER_GTID_WAIT", "NEXTVAL", "SETVAL", "LASTVAL", "SYS_EXEC", "SYS_EVAL",
	NULL,
};

/* Keywords a '(' may follow without making a call: subqueries, lists,
 * windows, type lengths. */
static const char *const paren_keywords[] = {
	"AGAINST", "ALL", "AND", "ANY", "AS", "ASC", "BETWEEN", "BINARY", "BY",
	"CASE", "DESC", "DISTINCT", "DIV", "ELSE", "END", "ESCAPE", "EXCEPT",
	"EXISTS", "EXPLAIN", "FOLLOWING", "FROM", "HAVING", "IN", "INTERSECT",
	"INTERVAL", "IS", "JOIN", "LATERAL", "LIKE", "LIMIT", "MINUS", "NOT",
	"OFFSET", "ON", "OR", "OVER", "PARTITION", "PRECEDING", "RANGE",
	"RECURSIVE", "REGEXP", "RLIKE", "ROW", "ROWS", "SELECT", "SOME", "THEN",
	"UNION", "USING", "VALUES", "WHEN", "WHERE", "WINDOW", "WITH", "XOR", NULL,
};

/* The functions run_sql may call: pure computations over the rows read
 * (aggregates, windows, control flow, strings, numbers, dates, JSON,
 * casts, type names after CAST … AS).  Sorted, for bsearch.  Nothing that
 * reads files or URLs, waits, locks, or touches the server's state. */
static const char *const fn_ok[] = {
	"ABS", "ACOS", "ADDDATE", "ADDTIME", "ANY_VALUE",
	"APPROX_COUNT_DISTINCT", "ARRAY_AGG", "ARRAY_CONTAINS", "ARRAY_JOIN",
	"ARRAY_LENGTH", "ASCII", "ASIN", "ATAN", "ATAN2", "AVG", "BIGINT",
	"BIN", "BIT_AND", "BIT_LENGTH", "BIT_OR", "BIT_XOR", "BOOLEAN",
	"CAST", "CEIL", "CEILING", "CHAR", "CHARACTER_LENGTH", "CHAR_LENGTH",
	"COALESCE", "CONCAT", "CONCAT_WS", "CONV", "CONVERT", "CONVERT_TZ",
	"COS", "COT", "COUNT", "CRC32", "CUME_DIST", "CURDATE",
	"CURRENT_DATE", "CURRENT_ROLE", "CURRENT_TIME", "CURRENT_TIMESTAMP",
	"CURRENT_USER", "CURRENT_VERSION", "CURTIME", "DATABASE", "DATE",
	"DATEDIFF", "DATETIME", "DATE_ADD", "DATE_DIFF", "DATE_FORMAT",
	"DATE_SUB", "DATE_TRUNC", "DAY", "DAYNAME", "DAYOFMONTH", "DAYOFWEEK",
	"DAYOFYEAR", "DAYS_ADD", "DAYS_DIFF", "DAYS_SUB", "DECIMAL",
	"DEGREES", "DENSE_RANK", "DOUBLE", "ELT", "ENDS_WITH", "EXP",
	"EXTRACT", "FIELD", "FIND_IN_SET", "FIRST_VALUE", "FLOAT", "FLOOR",
	"FORMAT", "FROM_BASE64", "FROM_DAYS", "FROM_UNIXTIME",
	"GET_JSON_DOUBLE", "GET_JSON_INT", "GET_JSON_STRING", "GREATEST",
	"GROUP_CONCAT", "HEX", "HOUR", "HOURS_ADD", "HOURS_DIFF", "HOURS_SUB",
	"IF", "IFNULL", "INSTR", "INT", "INTEGER", "ISNULL", "JSON_ARRAY",
	"JSON_CONTAINS", "JSON_EXISTS", "JSON_EXTRACT", "JSON_KEYS",
	"JSON_LENGTH", "JSON_OBJECT", "JSON_QUERY", "JSON_QUOTE",
	"JSON_STRING", "JSON_TYPE", "JSON_UNQUOTE", "JSON_VALID",
	"JSON_VALUE", "LAG", "LAST_DAY", "LAST_VALUE", "LCASE", "LEAD",
	"LEAST", "LEFT", "LENGTH", "LN", "LOCATE", "LOG", "LOG10", "LOG2",
	"LOWER", "LPAD", "LTRIM", "MAKEDATE", "MATCH", "MAX", "MAX_BY", "MD5",
	"MEDIAN", "MICROSECOND", "MID", "MIN", "MINUTE", "MINUTES_ADD",
	"MINUTES_DIFF", "MINUTES_SUB", "MIN_BY", "MOD", "MONTH", "MONTHNAME",
	"MONTHS_ADD", "MONTHS_DIFF", "MONTHS_SUB", "NDV", "NOW", "NTH_VALUE",
	"NTILE", "NULLIF", "NUMERIC", "NVL", "OCT", "ORD", "PARSE_JSON",
	"PERCENTILE_APPROX", "PERCENTILE_CONT", "PERCENTILE_DISC",
	"PERCENT_RANK", "PI", "POSITION", "POW", "POWER", "QUARTER", "QUOTE",
	"RADIANS", "RAND", "RANK", "REGEXP_EXTRACT", "REGEXP_INSTR",
	"REGEXP_REPLACE", "REGEXP_SUBSTR", "REPEAT", "REPLACE", "REVERSE",
	"RIGHT", "ROUND", "ROW_NUMBER", "RPAD", "RTRIM", "SCHEMA", "SECOND",
	"SECONDS_ADD", "SECONDS_DIFF", "SECONDS_SUB", "SEC_TO_TIME", "SHA1",
	"SHA2", "SIGN", "SIGNED", "SIN", "SMALLINT", "SPACE", "SPLIT",
	"SPLIT_PART", "SQRT", "STARTS_WITH", "STDDEV", "STDDEV_POP",
	"STDDEV_SAMP", "STRCMP", "STRING", "STR_TO_DATE", "SUBDATE", "SUBSTR",
	"SUBSTRING", "SUBSTRING_INDEX", "SUM", "TAN", "TIME", "TIMEDIFF",
	"TIMESTAMP", "TIMESTAMPADD", "TIMESTAMPDIFF", "TIME_FORMAT",
	"TIME_SLICE", "TIME_TO_SEC", "TINYINT", "TO_BASE64", "TO_DATE",
	"TO_DAYS", "TRIM", "TRUNCATE", "UCASE", "UNHEX", "UNIX_TIMESTAMP",
	"UNSIGNED", "UPPER", "USER", "UTC_DATE", "UTC_TIME", "UTC_TIMESTAMP",
	"VARCHAR", "VARIANCE", "VAR_POP", "VAR_SAMP", "VERSION", "WEEK",
	"WEEKDAY", "WEEKOFYEAR", "YEAR", "YEARS_ADD", "YEARS_DIFF",
	"YEARS_SUB", "YEARWEEK",
};

static bool
in_list(const char *const *list, const char *w)
{
	for (; *list; list++)
		if (strcmp(*list, w) == 0)
			return true;
	return false;
}

static int
cmpname(const void *a, const void *b)
{
	return strcmp((const char *)a, *(const char *const *)b);
}

bool
srw_sqlguard_function_ok(const char *upper_name)
{
	return bsearch(upper_name, fn_ok, sizeof fn_ok / sizeof *fn_ok, sizeof *fn_ok,
	    cmpname) != NULL;
}

static bool
wordch(int c)
{
	return isalnum(c) || c == '_' || c == '$' || (c & 0x80);
}

/* REPLACE(…) and TRUNCATE(…) are functions as well as statements: the
 * word is a call when '(' follows (spaces only), and the call is checked. */
static bool
fn_call_ahead(const char *p, const char *word)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return *p == '(' && srw_sqlguard_function_ok(word);
}

static int
refuse(char *why, size_t whysz, const char *fmt, const char *arg)
{
	snprintf(why, whysz, fmt, arg ? arg : "");
	return -1;
}

/* The last token before a possible '(': what it names and how it was
 * written decide whether the '(' makes a function call. */
struct prev {
	enum { P_NONE, P_WORD, P_QUOTED, P_OTHER } kind;
	char name[65];		/* upper-cased, quotes removed; "" when too long */
	bool qualified;		/* a '.' came just before it: schema.func( */
	bool dot;		/* the token itself was a '.' */
};

/* The name of a quoted token (`a``b`, "a""b") upper-cased, doubled quotes
 * undone; "" when it holds bytes no built-in function has. */
static void
quoted_name(const char *s, size_t n, char *out, size_t outsz)
{
	char q = s[0];
	size_t i, k = 0;

	for (i = 1; i + 1 < n; i++) {
		char c = s[i];

		if (c == q && i + 2 < n && s[i + 1] == q)
			i++;
		else if (c == '\\' && q != '`')
			c = i + 2 < n ? s[++i] : c;
		if (k + 1 >= outsz) {
			k = 0;
			break;
		}
		out[k++] = (char)toupper((unsigned char)c);
	}
	out[k] = '\0';
}

/* A '(' after p: refuse unless it opens a subquery, a list or an allowed
 * call. */
static bool
call_ok(const struct prev *p, char *why, size_t whysz)
{
	if (p->kind == P_NONE || p->kind == P_OTHER)
		return true;
	if (p->kind == P_WORD && !p->qualified && in_list(paren_keywords, p->name))
		return true;
	if (p->qualified) {
		refuse(why, whysz, "refused: %s(): schema-qualified (stored) functions are not"
		    " allowed; use the built-in functions", p->name[0] ? p->name : "that");
		return false;
	}
	if (p->name[0] && srw_sqlguard_function_ok(p->name))
		return true;
	if (strcmp(p->name, "FILES") == 0 || strcmp(p->name, "TABLE") == 0 ||
	    strcmp(p->name, "S3") == 0 || strcmp(p->name, "URL") == 0 ||
	    strcmp(p->name, "HDFS") == 0) {
		refuse(why, whysz, "refused: %s is not allowed: table functions that read"
		    " files or URLs are never run; query the srwatch tables", p->name);
		return false;
	}
	refuse(why, whysz, "refused: %s is not allowed in a read-only query: only"
	    " built-in aggregate, window, string, number, date, JSON and cast functions"
	    " may be called (nothing that reads files, sleeps, waits, locks or changes"
	    " the server)", p->name[0] ? p->name : "that function name");
	return false;
}

char *
srw_sqlguard(const char *sql, long row_limit, char *why, size_t whysz)
{
	size_t n = strlen(sql), i = 0;
	srw_buf out;
	char first[65] = "", word[65];
	int depth = 0;
	bool top_limit = false, ended = false, rc_ok = true;
	struct prev prev = { P_NONE, "", false, false };

	if (n > MAX_SQL)
		return refuse(why, whysz, "refused: the statement is longer than 20000 characters%s",
		    NULL), NULL;
	srw_buf_init(&out);
	while (i < n && rc_ok) {
		unsigned char c = sql[i];

		if (c == '\'' || c == '"' || c == '`') {
			size_t j = i + 1;

			if (ended)
				goto second;
			for (;;) {
				if (j >= n) {
					refuse(why, whysz, "refused: unterminated %s; quote strings"
					    " and identifiers completely", c == '`' ? "quoted identifier" : "string");
					rc_ok = false;
					break;
				}
				if (sql[j] == '\\' && c != '`') {
					j += 2;
					continue;
				}
				if ((unsigned char)sql[j] == c) {
					if (j + 1 < n && (unsigned char)sql[j + 1] == c) {
						j += 2;	/* doubled quote */
						continue;
					}
					break;
				}
				j++;
			}
			if (!rc_ok)
				break;
			if (c == '`' && !*first)
				goto badfirst;
			/* a "string" is an identifier under ANSI_QUOTES: it may name a
			 * function as well as a `backquoted` name can */
			if (c == '\'') {
				prev.kind = P_OTHER;
				prev.qualified = false;
			} else {
				prev.qualified = prev.dot;
				prev.kind = P_QUOTED;
				quoted_name(sql + i, j + 1 - i, prev.name, sizeof prev.name);
			}
			prev.dot = false;
			srw_buf_add(&out, sql + i, j + 1 - i);
			i = j + 1;
			continue;
		}
		if (c == '#' || (c == '-' && i + 1 < n && sql[i + 1] == '-')) {
			while (i < n && sql[i] != '\n')
				i++;
			srw_buf_addc(&out, ' ');
			continue;
		}
		if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
			char *e;

			if (i + 2 < n && (sql[i + 2] == '!' || sql[i + 2] == '+' ||
			    (sql[i + 2] == 'M' && i + 3 < n && sql[i + 3] == '!'))) {
				refuse(why, whysz, "refused: executable comments and hints (/*! */, /*+ */)"
				    " are not allowed; write plain SQL%s", NULL);
				rc_ok = false;
				break;
			}
			if (!(e = strstr(sql + i + 2, "*/"))) {
				refuse(why, whysz, "refused: unterminated /* comment%s", NULL);
				rc_ok = false;
				break;
			}
			i = (size_t)(e - sql) + 2;
			srw_buf_addc(&out, ' ');
			continue;
		}
		if (c == ';') {
			ended = true;
			i++;
			continue;
		}
		if (isspace(c)) {
			srw_buf_addc(&out, (char)c);
			i++;
			continue;
		}
		if (ended)
			goto second;
		if (c == '\0' || c < 0x20) {
			refuse(why, whysz, "refused: control characters in the statement%s", NULL);
			rc_ok = false;
			break;
		}
		if (wordch(c)) {
			size_t j = i, k = 0;
			bool longword = false;

			while (j < n && wordch((unsigned char)sql[j])) {
				if (k + 1 < sizeof word)
					word[k++] = (char)toupper((unsigned char)sql[j]);
				else
					longword = true;
				j++;
			}
			word[k] = '\0';
			if (!*first) {
				if (!in_list(first_ok, word))
					goto badfirst;
				snprintf(first, sizeof first, "%s", word);
			} else if (in_list(denied, word) && !fn_call_ahead(sql + j, word)) {
				refuse(why, whysz, "refused: %s is not allowed in a read-only query"
				    " (only SELECT, WITH, SHOW, DESCRIBE and EXPLAIN; no INTO, no writes,"
				    " locks, session changes or file access)", word);
				rc_ok = false;
				break;
			}
			if (depth == 0 && strcmp(word, "LIMIT") == 0)
				top_limit = true;
			prev.kind = P_WORD;
			prev.qualified = prev.dot;
			prev.dot = false;
			snprintf(prev.name, sizeof prev.name, "%s", longword ? "" : word);
			srw_buf_add(&out, sql + i, j - i);
			i = j;
			continue;
		}
		if (!*first && c != '(')
			goto badfirst;
		if (c == ':' && i + 1 < n && sql[i + 1] == '=') {
			refuse(why, whysz, "refused: variable assignment (:=) is not allowed%s", NULL);
			rc_ok = false;
			break;
		}
		if (c == '@') {
			refuse(why, whysz, "refused: variables (@name, @@name) are not allowed;"
			    " write the value itself%s", NULL);
			rc_ok = false;
			break;
		}
		if (c == '(') {
			if (!call_ok(&prev, why, whysz)) {
				rc_ok = false;
				break;
			}
			depth++;
		} else if (c == ')' && --depth < 0) {
			refuse(why, whysz, "refused: unbalanced parentheses%s", NULL);
			rc_ok = false;
			break;
		}
		prev.dot = c == '.';
		prev.kind = P_OTHER;
		prev.qualified = false;
		srw_buf_addc(&out, (char)c);
		i++;
	}
	if (!rc_ok) {
		srw_buf_free(&out);
		return NULL;
	}
	if (!*first) {
		srw_buf_free(&out);
		return refuse(why, whysz, "refused: empty statement%s", NULL), NULL;
	}
	if (depth != 0) {
		srw_buf_free(&out);
		return refuse(why, whysz, "refused: unbalanced parentheses%s", NULL), NULL;
	}
	while (out.len && isspace((unsigned char)out.s[out.len - 1]))
		out.s[--out.len] = '\0';
	if (row_limit > 0 && (strcmp(first, "SELECT") == 0 || strcmp(first, "WITH") == 0)) {
		if (top_limit) {
			/* keep the caller's LIMIT but never return more than ours */
			srw_buf wrap;

			srw_buf_init(&wrap);
			srw_buf_printf(&wrap, "SELECT * FROM (\n%s\n) AS run_sql LIMIT %ld",
			    out.s, row_limit);
			srw_buf_free(&out);
			return wrap.s;
		}
		srw_buf_printf(&out, "\nLIMIT %ld", row_limit);
	}
	return out.s;

second:
	srw_buf_free(&out);
	return refuse(why, whysz, "refused: only one statement may run; remove everything"
	    " after the first ';'%s", NULL), NULL;
badfirst:
	srw_buf_free(&out);
	return refuse(why, whysz, "refused: a statement must begin with SELECT, WITH, SHOW,"
	    " DESCRIBE or EXPLAIN (read-only)%s", NULL), NULL;
}
