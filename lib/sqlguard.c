/* sqlguard.c - the read-only checker behind investigate's run_sql tool.
 *
 * The model may write SQL; this decides whether it runs.  Read-only by
 * construction: the statement is tokenised the way the server reads it
 * (quotes, backquotes, the three comment forms), and what runs is the text
 * this checker saw, with comments removed, so nothing can hide inside a
 * comment.  One statement only; it must begin with SELECT, WITH, SHOW,
 * DESCRIBE/DESC or EXPLAIN; no bare word that writes, locks, reads files or
 * changes the session (INTO, DELETE, SET, LOAD_FILE, SLEEP, …); no
 * executable comments.  A row limit is appended.  Every refusal says why, in
 * words a model can act on. */
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

static bool
in_list(const char *const *list, const char *w)
{
	for (; *list; list++)
		if (strcmp(*list, w) == 0)
			return true;
	return false;
}

static bool
wordch(int c)
{
	return isalnum(c) || c == '_' || c == '$' || (c & 0x80);
}

static int
refuse(char *why, size_t whysz, const char *fmt, const char *arg)
{
	snprintf(why, whysz, fmt, arg ? arg : "");
	return -1;
}

char *
srw_sqlguard(const char *sql, long row_limit, char *why, size_t whysz)
{
	size_t n = strlen(sql), i = 0;
	srw_buf out;
	char first[32] = "", word[32];
	int depth = 0;
	bool top_limit = false, ended = false, rc_ok = true;

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

			if (i + 2 < n && (sql[i + 2] == '!' || sql[i + 2] == '+')) {
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

			while (j < n && wordch((unsigned char)sql[j])) {
				if (k + 1 < sizeof word)
					word[k++] = (char)toupper((unsigned char)sql[j]);
				j++;
			}
			word[k] = '\0';
			if (!*first) {
				if (!in_list(first_ok, word))
					goto badfirst;
				snprintf(first, sizeof first, "%s", word);
			} else if (in_list(denied, word)) {
				refuse(why, whysz, "refused: %s is not allowed in a read-only query"
				    " (only SELECT, WITH, SHOW, DESCRIBE and EXPLAIN; no INTO, no writes,"
				    " locks, session changes or file access)", word);
				rc_ok = false;
				break;
			}
			if (depth == 0 && strcmp(word, "LIMIT") == 0)
				top_limit = true;
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
		if (c == '(')
			depth++;
		else if (c == ')' && --depth < 0) {
			refuse(why, whysz, "refused: unbalanced parentheses%s", NULL);
			rc_ok = false;
			break;
		}
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
