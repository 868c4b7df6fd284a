/* table.c - table metadata from information_schema (the columns a row may
 * name, their types and keys) and the key delete of --replace-key.  The row
 * writer is lib/insert.c. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"

bool
srw_ident_ok(const char *s)
{
	int dots = 0;
	const char *p;

	if (!s || !*s || *s == '.')
		return false;
	for (p = s; *p; p++) {
		if (*p == '.') {
			if (++dots > 1 || p[1] == '\0' || p[1] == '.')
				return false;
		} else if (!isalnum((unsigned char)*p) && *p != '_') {
			return false;
		}
	}
	return p - s < 129;
}

static enum srw_coltype
coltype(const char *dt)
{
	static const char *ints[] = { "tinyint", "smallint", "mediumint", "int",
		"integer", "bigint", "largeint", "boolean", "bool", "bit", NULL };
	static const char *floats[] = { "float", "double", "decimal", "decimalv2",
		"decimal32", "decimal64", "decimal128", "numeric", "real", NULL };
	static const char *strs[] = { "char", "varchar", "text", "tinytext",
		"mediumtext", "longtext", "string", "enum", "set", NULL };
	int i;

	for (i = 0; ints[i]; i++)
		if (strcasecmp(dt, ints[i]) == 0)
			return SRW_COL_INT;
	for (i = 0; floats[i]; i++)
		if (strcasecmp(dt, floats[i]) == 0)
			return SRW_COL_FLOAT;
	for (i = 0; strs[i]; i++)
		if (strcasecmp(dt, strs[i]) == 0)
			return SRW_COL_STRING;
	if (strcasecmp(dt, "datetime") == 0 || strcasecmp(dt, "timestamp") == 0)
		return SRW_COL_DATETIME;
	if (strcasecmp(dt, "date") == 0)
		return SRW_COL_DATE;
	return SRW_COL_JSON;
}

srw_table *
srw_table_load(srw_db *db, const char *qualified, char *err, size_t errsz)
{
	srw_table *t;
	const char *dot = strchr(qualified, '.');
	srw_buf q;
	srw_res *r;
	char **row;

	if (!srw_ident_ok(qualified) || !dot) {
		snprintf(err, errsz, "'%s' is not a DB.TABLE name", qualified);
		return NULL;
	}
	t = srw_xcalloc(1, sizeof *t);
	t->db = srw_xstrndup(qualified, (size_t)(dot - qualified));
	t->name = srw_xstrdup(dot + 1);
	srw_buf_init(&q);
	srw_buf_adds(&q, "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, "
	    "IS_NULLABLE, COLUMN_KEY, COLUMN_TYPE FROM information_schema.COLUMNS "
	    "WHERE TABLE_SCHEMA = ");
	srw_db_quote(db, &q, t->db, strlen(t->db));
	srw_buf_adds(&q, " AND TABLE_NAME = ");
	srw_db_quote(db, &q, t->name, strlen(t->name));
	srw_buf_adds(&q, " ORDER BY ORDINAL_POSITION");
	r = srw_db_query_retry(db, q.s, 3);
	srw_buf_free(&q);
	if (!r) {
		snprintf(err, errsz, "reading columns of %s: %s", qualified, srw_db_error(db));
		srw_table_free(t);
		return NULL;
	}
	t->cols = srw_xcalloc(srw_res_nrows(r) + 1, sizeof *t->cols);
	while ((row = srw_res_next(r, NULL))) {
		srw_col *c = &t->cols[t->ncols++];

		c->name = srw_xstrdup(row[0]);
		c->type = coltype(row[1] ? row[1] : "");
		c->maxlen = row[2] ? atol(row[2]) : 0;
		c->nullable = row[3] && strcasecmp(row[3], "YES") == 0;
		c->key = row[4] && (strcasecmp(row[4], "PRI") == 0 || strcasecmp(row[4], "UNI") == 0);
		c->is_unsigned = row[5] && strstr(row[5], "unsigned");
		if (c->type == SRW_COL_STRING && c->maxlen > 65535 * 4)
			c->maxlen = 0;
	}
	srw_res_free(r);
	if (t->ncols == 0) {
		snprintf(err, errsz, "table %s does not exist (or has no columns)", qualified);
		srw_table_free(t);
		return NULL;
	}
	return t;
}

void
srw_table_free(srw_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->ncols; i++)
		free(t->cols[i].name);
	free(t->cols);
	free(t->db);
	free(t->name);
	free(t);
}

int
srw_table_colidx(const srw_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
srw_table_delete_keys(srw_db *db, const srw_table *t, char **keys, size_t nkeys,
    char **vals, size_t ntuples, bool dry_run, FILE *dry_fp)
{
	srw_buf q;
	size_t i, k;
	int rc = 0;

	for (k = 0; k < nkeys; k++)
		if (srw_table_colidx(t, keys[k]) < 0) {
			srw_warn("--replace-key: %s is not a column of %s.%s", keys[k], t->db,
			    t->name);
			return -1;
		}
	if (ntuples == 0)
		return 0;
	srw_buf_init(&q);
	srw_buf_printf(&q, "DELETE FROM `%s`.`%s` WHERE ", t->db, t->name);
	for (i = 0; i < ntuples; i++) {
		srw_buf_adds(&q, i ? " OR (" : "(");
		for (k = 0; k < nkeys; k++) {
			const char *v = vals[i * nkeys + k];

			if (k)
				srw_buf_adds(&q, " AND ");
			if (v) {
				srw_buf_printf(&q, "`%s` = ", keys[k]);
				srw_db_quote(db, &q, v, strlen(v));
			} else {
				srw_buf_printf(&q, "`%s` IS NULL", keys[k]);
			}
		}
		srw_buf_addc(&q, ')');
	}
	if (dry_run) {
		fprintf(dry_fp ? dry_fp : stdout, "%s;\n", q.s);
	} else if (srw_db_exec_retry(db, q.s, q.len, 8) != 0) {
		srw_warn("delete for --replace-key: %s", srw_db_error(db));
		rc = -1;
	}
	srw_buf_free(&q);
	return rc;
}
