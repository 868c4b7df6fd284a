/* fuzz/alertmanager.c - lib/alertmanager.c, the Alertmanager/Grafana
 * webhook body parser webhookd runs on every POST.  Input: the body. */
#include <string.h>

#include "srw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	srw_am_result res = { 0 };
	srw_buf out;
	size_t lines = 0;

	srw_buf_init(&out);
	srw_buf_adds(&out, "keep");
	if (srw_am_rows((const char *)data, size, 1773151402000LL, &out, &res,
	    err, sizeof err) < 0) {
		/* on failure out is unchanged up to its old length */
		if (out.len != 4 || memcmp(out.s, "keep", 4) != 0)
			__builtin_trap();
	} else {
		char *p = out.s + 4, *nl;

		while ((nl = memchr(p, '\n', out.s + out.len - p))) {
			srw_val *row = srw_val_parse(p, nl - p);

			if (srw_val_type(row) != SRW_OBJ ||
			    !srw_val_get_str(row, "message_id"))
				__builtin_trap();
			srw_val_free(row);
			p = nl + 1;
			lines++;
		}
		if (lines != res.alerts || res.incomplete > res.alerts)
			__builtin_trap();
	}
	srw_buf_free(&out);
	return 0;
}
