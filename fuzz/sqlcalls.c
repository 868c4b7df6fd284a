/* fuzz/sqlcalls.c - the call checker of lib/sqlguard.c (issue 20.1: a
 * backquoted `LOAD_FILE`(...) passed the old deny-list).  Input: SQL text.
 * What the guard accepts must be a fixed point: the statement it returns
 * (comments removed, no row limit) is accepted again, unchanged, so the
 * text that runs is exactly the text that was checked, calls included. */
#include <stdlib.h>
#include <string.h>

#include "srw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512], *sql, *out, *again;

	if (size > 65536)
		return 0;
	sql = srw_xstrndup((const char *)data, size);
	if ((out = srw_sqlguard(sql, 0, why, sizeof why))) {
		if (!(again = srw_sqlguard(out, 0, why, sizeof why)))
			__builtin_trap();	/* accepted once, refused the second time */
		if (strcmp(again, out) != 0)
			__builtin_trap();	/* what runs differs from what was checked */
		free(again);
		free(out);
	} else if (strncmp(why, "refused: ", 9) != 0) {
		__builtin_trap();	/* every refusal says why */
	}
	free(sql);
	return 0;
}
