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
 * framing, protobuf) fails it: -1, err set, nothing appended; a size over
 * max_raw: -2.  What one series gets
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
/* Family name -> type, learnt from metadata; shared by threads, bounded. */
typedef struct srw_rw_types srw_rw_types;
srw_rw_types *srw_rw_types_new(size_t max_families);
void srw_rw_types_free(srw_rw_types *t);
size_t srw_rw_types_count(srw_rw_types *t);

/* A decoder: its buffers and arena are reused from request to request;
 * one thread at a time.  max_raw caps the decompressed size (-2 above). */
typedef struct srw_rw_dec srw_rw_dec;
srw_rw_dec *srw_rw_dec_new(srw_rw_types *types, size_t max_raw);
void srw_rw_dec_free(srw_rw_dec *d);
int srw_rw_decode(srw_rw_dec *d, const void *body, size_t len, srw_buf *out,
    srw_rw_stats *st, char *err, size_t errsz);
/* The two steps alone (bench floors, tests): snappy block decompression
 * into raw (0, or -1 with err; -2 over max_raw), and the protobuf parse
 * without output (number of samples, or -1). */
int srw_rw_unsnappy(const void *body, size_t len, size_t max_raw, srw_buf *raw,
    char *err, size_t errsz);
long srw_rw_count_samples(srw_rw_dec *d, const void *raw, size_t len);
/* Builds a WriteRequest body (snappy-compressed) from metric point lines
 * (tests, bench, the fuzz seeds): one series per distinct name and labels.
 * Returns 0, or -1 with err. */
int srw_rw_encode_points(const char *ndjson, size_t len, srw_buf *body, char *err,
    size_t errsz);

#endif
