/* srw/rwtypes.h: the declarations of lib/rwtypes.c (see srw.h) */
#ifndef SRW_RWTYPES_H
#define SRW_RWTYPES_H

#include "srw/base.h"

/* ---- lib/rwtypes.c: metric family -> type, for remote write ----------- */
/*
 * Learnt from metadata (and from _bucket series with le); shared by
 * threads; at most max_families (default 100000) kept.  Types are
 * Prometheus's MetricMetadata.MetricType numbers (1 counter, 2 gauge,
 * 3 histogram, 4 gaugehistogram, 5 summary).  srw_rw_types_get: 0 when
 * unknown, else 1 + the type.  srw_rw_types_put: a guess does not replace
 * what is known, metadata does; true when the family was new.
 */
typedef struct srw_rw_types srw_rw_types;
srw_rw_types *srw_rw_types_new(size_t max_families);
void srw_rw_types_free(srw_rw_types *t);
size_t srw_rw_types_count(srw_rw_types *t);
int srw_rw_types_get(srw_rw_types *t, const char *family, size_t n);
bool srw_rw_types_put(srw_rw_types *t, const char *family, size_t n, int type, bool guess);

#endif
