/* srw/base.h: what every libsrw header needs: the standard types, the
 * version, and the exit statuses every tool shares. */
#ifndef SRW_BASE_H
#define SRW_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define SRW_VERSION "0.1.0"

/* Exit status (sysexits), the same in every tool. */
enum {
	SRW_EX_OK = 0,
	SRW_EX_REJECTED = 1,	/* done, but some records were rejected */
	SRW_EX_USAGE = 64,
	SRW_EX_DATAERR = 65,	/* bad input data with --strict */
	SRW_EX_UNAVAILABLE = 69,/* DB, Lark, LLM unavailable after retries */
	SRW_EX_SOFTWARE = 70,
	SRW_EX_TEMPFAIL = 75,	/* temporary failure, safe to retry */
};

#endif
