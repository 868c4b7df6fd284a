/* srw/remotewrite.h: the declarations of lib/remotewrite.c (see srw.h) */
#ifndef SRW_REMOTEWRITE_H
#define SRW_REMOTEWRITE_H

#include "srw/base.h"
#include "srw/buf.h"

/* ---- lib/remotewrite.c: Prometheus remote write 1.0 decoder ----------- */
/*
 * A request body (snappy block format around a protobuf WriteRequest)
 * becomes metric points (srwatch-ndjson(7)), one line per sample, in
 * srw_point_jw's format.  What the request as a whole gets wrong (snappy
 * framing, the protobuf wire format anywhere in it) fails it: -1, err set,
 * nothing appended; a size over max_raw: -2.  The wire format is read as
 * protobuf-c reads it (fuzz/remotewrite.c holds the two to the same
 * answers).  What one series gets
 * wrong is counted in the stats, the series skipped, the rest kept:
 *  - no or an invalid metric name, an invalid or repeated label name, a
 *    label that is not UTF-8 or holds a NUL: invalid (Prometheus refuses
 *    these series and keeps the others);
 *  - more than SRW_POINT_MAXLABELS labels: too_many_labels;
 *  - a stale marker (Prometheus's special NaN) is dropped: stale; other
 *    NaN and ±Inf pass as "NaN", "+Inf", "-Inf";
 *  - a sample whose timestamp is beyond ±2^53 ms (not exact in a point's
 *    JSON number) is dropped: out_of_bounds;
 *  - exemplars and native histograms are not points: counted, not kept.
 * Labels with an empty value are absent, as in Prometheus.  The type comes
 * from metadata (this request's, or remembered from an earlier one in
 * types), else from the name: a _bucket with le is a histogram (and makes
 * its _sum and _count counters), _total a counter, anything else a gauge.
 */
typedef struct srw_rw_stats {
	size_t series, samples;		/* series with a point out; points out */
	size_t invalid, too_many_labels, stale, out_of_bounds;
	size_t exemplars, histograms, metadata;
	char first_bad[160];		/* the first skipped series, for the log */
} srw_rw_stats;
#include "srw/rwtypes.h"

/* A decoder: its buffers and arena are reused from request to request;
 * one thread at a time.  max_raw caps the decompressed size (-2 above). */
typedef struct srw_rw_dec srw_rw_dec;
srw_rw_dec *srw_rw_dec_new(srw_rw_types *types, size_t max_raw);
void srw_rw_dec_free(srw_rw_dec *d);
int srw_rw_decode(srw_rw_dec *d, const void *body, size_t len, srw_buf *out,
    srw_rw_stats *st, char *err, size_t errsz);
/* Snappy block decompression into raw: 0, or -1 with err (-2 over max_raw). */
int srw_rw_unsnappy(const void *body, size_t len, size_t max_raw, srw_buf *raw,
    char *err, size_t errsz);

#endif
