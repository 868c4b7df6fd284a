/* rwd.h - what the files of remote-writed share: configuration, counters. */
#include <stdatomic.h>

#include "srw.h"

struct config {
	char *bearer;		/* SHA-256 hex of the token, or NULL */
	size_t max_body;	/* compressed bytes */
	size_t max_raw;		/* decompressed bytes */
	unsigned timeout_s, max_conns, threads;
	long write_wait_ms;	/* a request waits this long for standard output */
	long drain_ms;
	bool quiet;
};
extern struct config cf;

/* Counters for /metrics.  Plain atomics: every thread adds. */
struct metrics {
	atomic_ulong code[600];
	atomic_ulong bytes, samples, series, invalid, too_many_labels, stale, out_of_bounds;
	atomic_ulong exemplars, histograms, metadata;
	atomic_ulong bad_snappy, bad_protobuf, busy;
	atomic_long inflight;
	atomic_int out_broken;	/* standard output failed: nothing more is taken */
};
extern struct metrics M;

struct MHD_Daemon;
struct MHD_Daemon *http_start(int listen_fd);
void http_free(void);	/* after MHD_stop_daemon */
void metrics_text(srw_buf *b);
