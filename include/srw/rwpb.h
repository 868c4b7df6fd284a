/* srw/rwpb.h: the declarations of lib/rwpb.c (see srw.h) */
#ifndef SRW_RWPB_H
#define SRW_RWPB_H

#include "srw/base.h"
#include "srw/buf.h"

/* ---- lib/rwpb.c: remote write through protobuf-c ---------------------- */
/*
 * The generated protobuf-c code (lib/prompb.pb-c.c) as the reference:
 * srw_rwpb_canonical parses a raw WriteRequest and packs it again (field
 * order, repeats and defaults as the library settles them): 0, or -1 when
 * the library refuses it.  srw_rwpb_count_samples parses and counts (the
 * benchmark's floor), -1 when refused.  Both parse into a per-thread arena
 * that srw_rwpb_free_thread releases.
 */
int srw_rwpb_canonical(const void *raw, size_t len, srw_buf *out);
long srw_rwpb_count_samples(const void *raw, size_t len);
void srw_rwpb_free_thread(void);
/* A remote write body (snappy-compressed WriteRequest, with metadata from
 * the points' types) of metric point lines, one series per distinct name
 * and labels: for tests, benches, fuzz seeds.  0, or -1 with err. */
int srw_rwpb_encode_points(const char *ndjson, size_t len, srw_buf *body, char *err,
    size_t errsz);

#endif
