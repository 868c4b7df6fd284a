/* fuzz/sqlguard.c - lib/sqlguard.c, the read-only checker in front of
 * investigate's run_sql tool: its input is written by a language model.
 * Input: the SQL text.  Whatever it accepts must still be a single
 * statement: no ';' outside quotes may survive. */
#include <stdlib.h>
#include <string.h>

#include "srw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256], *sql, *out;

	if (size > 65536)
		return 0;
	sql = srw_xstrndup((const char *)data, size);
	if ((out = srw_sqlguard(sql, 100, why, sizeof why))) {
		size_t n = strlen(out);

		if (n == 0)
			__builtin_trap();
		free(out);
	}
	free(sql);
	return 0;
}
