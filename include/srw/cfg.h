/* srw/cfg.h: the declarations of lib/cfg.c (see srw.h) */
#ifndef SRW_CFG_H
#define SRW_CFG_H

#include "srw/base.h"

/* ---- lib/cfg.c: configuration from flags, environment, defaults ------- */

const char *srw_env(const char *name, const char *dflt);	/* "" counts as unset */
long srw_env_long(const char *name, long dflt);
/* "15s", "2m", "1h", "4h", "1d", "500ms", bare number = seconds.
 * Returns milliseconds or -1 on error. */
int64_t srw_parse_duration_ms(const char *s);
/* Reads a secret from a file (first line, trailing newline stripped). */
char *srw_read_secret_file(const char *path, char *err, size_t errsz);
/* Splits "a,b,c" into a NULL-terminated malloc'd vector (free with srw_strv_free). */
char **srw_split(const char *s, char sep, size_t *n);
void srw_strv_free(char **v);

#endif
