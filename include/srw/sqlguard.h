/* srw/sqlguard.h: the declarations of lib/sqlguard.c (see srw.h) */
#ifndef SRW_SQLGUARD_H
#define SRW_SQLGUARD_H

#include "srw/base.h"

/* lib/sqlguard.c: run_sql's read-only checker.  Returns the statement to
 * run (malloc'd: comments removed, a trailing ';' dropped, "LIMIT row_limit"
 * appended to a SELECT/WITH, or the query wrapped when it has its own top
 * LIMIT), or NULL with the reason, written for the model, in why. */
char *srw_sqlguard(const char *sql, long row_limit, char *why, size_t whysz);
/* Whether run_sql may call the built-in function NAME (upper case). */
bool srw_sqlguard_function_ok(const char *upper_name);

#endif
