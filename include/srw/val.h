/* srw/val.h: the declarations of lib/val.c (see srw.h) */
#ifndef SRW_VAL_H
#define SRW_VAL_H

#include <jansson.h>

#include "srw/base.h"

/* ---- lib/val.c: the parsed form of an NDJSON record ------------------- */
/*
 * Records on the NDJSON hot path are parsed by the fast parser (DESIGN.md,
 * JSON parsing).  Tools only see srw_val, so no tool depends on which parser
 * runs.  Values are owned by the record they came from.
 */
typedef struct srw_val srw_val;

enum srw_type { SRW_NULL, SRW_BOOL, SRW_NUM, SRW_STR, SRW_ARR, SRW_OBJ, SRW_INVALID };

srw_val *srw_val_parse(const char *s, size_t len);	/* NULL if not JSON */
/* The NDJSON reader's parse: into a per-thread arena, for values freed
 * (with srw_val_free_record, in the same thread) before the record they are
 * parsed inside of, such as a JSON string field of a record.  The arena is
 * reset when no record is alive.  *errpos: where parsing stopped (the error,
 * or the end of the value). */
srw_val *srw_val_parse_record(const char *s, size_t len, const char **errpos);
void srw_val_free_record(srw_val *v);
void srw_val_free(srw_val *v);
enum srw_type srw_val_type(const srw_val *v);
srw_val *srw_val_get(const srw_val *obj, const char *key);	/* case-sensitive */
const char *srw_val_str(const srw_val *v);	/* NULL unless a string */
/* Value of obj[key] if it is a string, else NULL. */
const char *srw_val_get_str(const srw_val *obj, const char *key);
bool srw_val_num(const srw_val *v, double *out);	/* number, or numeric string */
bool srw_val_get_num(const srw_val *obj, const char *key, double *out);
bool srw_val_bool(const srw_val *v, bool *out);
/* Children of an object or array, in order; key is NULL for array items. */
srw_val *srw_val_first(const srw_val *v);
srw_val *srw_val_next(const srw_val *v);
const char *srw_val_key(const srw_val *v);
size_t srw_val_len(const srw_val *arr);
/* Compact JSON of v (malloc'd; free with free()). */
char *srw_val_print(const srw_val *v);
/* Convert to jansson (new reference) for document-style work. */
json_t *srw_val_to_json(const srw_val *v);

#endif
