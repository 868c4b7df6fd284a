/* srw/json.h: the declarations of lib/json.c (see srw.h) */
#ifndef SRW_JSON_H
#define SRW_JSON_H

#include <jansson.h>

#include "srw/base.h"
#include "srw/val.h"

/* ---- lib/json.c: document JSON over jansson --------------------------- */

json_t *srw_json_loadb(const char *s, size_t n, char *err, size_t errsz);
const char *srw_json_str(const json_t *obj, const char *key);	/* NULL if absent */
bool srw_json_num(const json_t *obj, const char *key, double *out);
/* Compact one-line dump + '\n' to fp; returns 0 or -1 on write error. */
int srw_json_print(FILE *fp, const json_t *j);
char *srw_json_dumps(const json_t *j);	/* compact, malloc'd */
/* Parse a jansson object out of a srw_val-friendly string via cJSON path. */

#endif
