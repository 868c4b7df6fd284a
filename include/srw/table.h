/* srw/table.h: the declarations of lib/table.c (see srw.h) */
#ifndef SRW_TABLE_H
#define SRW_TABLE_H

#include <jansson.h>

#include "srw/base.h"
#include "srw/sql.h"

/* ---- lib/table.c: table metadata (the row writer is srw/insert.h) ------ */

enum srw_coltype {
	SRW_COL_STRING,	/* char/varchar/text: max length in characters */
	SRW_COL_INT,	/* tinyint … bigint, boolean */
	SRW_COL_FLOAT,	/* float/double/decimal */
	SRW_COL_DATETIME,
	SRW_COL_DATE,
	SRW_COL_JSON,	/* json / anything else: stored as text */
};

typedef struct srw_col {
	char *name;
	enum srw_coltype type;
	long maxlen;	/* characters for strings, 0 unknown/unbounded */
	bool nullable;
	bool key;	/* part of the primary/unique key */
	bool is_unsigned;
} srw_col;

typedef struct srw_table {
	char *db, *name;	/* validated identifiers */
	srw_col *cols;
	size_t ncols;
} srw_table;

/* Loads columns of "db.table" from information_schema.  NULL and err set
 * if the table does not exist. */
srw_table *srw_table_load(srw_db *db, const char *qualified, char *err, size_t errsz);
void srw_table_free(srw_table *t);
int srw_table_colidx(const srw_table *t, const char *name);	/* -1 if none */
/* Checks that "db.table" is made of plain identifiers. */
bool srw_ident_ok(const char *s);

/* Delete rows whose key columns match the given tuples, for --replace-key:
 * keys is a list of nkeys column names, vals ntuples*nkeys strings. */
int srw_table_delete_keys(srw_db *db, const srw_table *t, char **keys, size_t nkeys,
    char **vals, size_t ntuples, bool dry_run, FILE *dry_fp);

#endif
