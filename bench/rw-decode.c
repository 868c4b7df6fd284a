/* rw-decode - remote-writed's decoder against its floor, on one core.
 *
 *   rw-decode [-n REQUESTS] [-s SAMPLES_PER_REQUEST] [-r REPS] [-m both|floor|full]
 *
 * Builds REQUESTS remote write bodies (snappy + protobuf WriteRequest, as
 * Prometheus sends: one sample per series, StarRocks-like names and labels,
 * metadata; values mostly integers, some decimals, a tenth any double) with lib/remotewrite.c's encoder, then times, alternating,
 *   floor: snappy decompression + protobuf parse, nothing out
 *          (srw_rw_unsnappy + srw_rw_count_samples);
 *   full:  what remote-writed does per request: srw_rw_decode (snappy,
 *          protobuf, checks, one NDJSON point per sample) and the points
 *          written and flushed to /dev/null.
 * Prints one line per run ("floor|full REP: N samples, CPU s, samples/s")
 * and a summary with min and median.  CPU time is the process's (one
 * thread).  The functions floor_one and full_one are what callgrind's
 * --toggle-collect counts. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "srw.h"

static srw_buf *bodies;
static int nreq = 500, per = 2000, reps = 5;
static FILE *sink;
static srw_rw_types *types;
static srw_rw_dec *dec;

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Values as exporters send them: most integral (counts, bytes), some with a
 * few decimals (milliseconds, percentages), one in ten any double. */
static double
value(int s)
{
	int r = rand();

	switch (s % 10) {
	case 0: return (double)r / 7.0;
	case 1: case 2: case 3: return (double)(r % 10000000) / 1000.0;
	default: return (double)(r % 100000000);
	}
}

static void
build(void)
{
	static const char *names[] = { "starrocks_be_engine_requests_total",
		"starrocks_be_process_mem_bytes", "starrocks_be_disks_avail_capacity",
		"starrocks_fe_query_latency_ms_bucket", "starrocks_be_query_scan_rows",
		"starrocks_fe_txn_failed", "jvm_heap_size_bytes", "up" };
	srw_buf pts;
	char err[200];
	int r, i;

	bodies = srw_xcalloc((size_t)nreq, sizeof *bodies);
	srw_buf_init(&pts);
	srand(7);
	for (r = 0; r < nreq; r++) {
		srw_buf_reset(&pts);
		for (i = 0; i < per; i++) {
			int s = r * per + i, c = s % 500, k = s / 500 % 8;
			bool bucket = k == 3;

			srw_buf_printf(&pts, "{\"name\":\"%s\",\"labels\":{\"cluster_id\":\"c-%03d\","
			    "\"instance\":\"be%d-c%03d.fleet.example:8040\",\"job\":\"starrocks\","
			    "\"role\":\"be\",\"i\":\"%d\"%s},\"ts\":%lld,\"value\":%.6g%s}\n",
			    names[k], c, s % 4, c, s / 4000, bucket ? ",\"le\":\"0.5\"" : "",
			    1773100800000LL + (long long)(s / 100000) * 15000,
			    value(s),
			    k == 0 || k == 5 ? ",\"type\":\"counter\"" :
			    bucket ? ",\"type\":\"histogram\",\"le\":\"0.5\"" : "");
		}
		srw_buf_init(&bodies[r]);
		if (srw_rw_encode_points(pts.s, pts.len, &bodies[r], err, sizeof err) != 0)
			srw_die(SRW_EX_SOFTWARE, "encode: %s", err);
	}
	srw_buf_free(&pts);
}

__attribute__((noinline)) static long
floor_one(const srw_buf *b, srw_buf *raw)
{
	char err[200];

	if (srw_rw_unsnappy(b->s, b->len, 1u << 30, raw, err, sizeof err) != 0)
		srw_die(SRW_EX_SOFTWARE, "%s", err);
	return srw_rw_count_samples(dec, raw->s, raw->len);
}

__attribute__((noinline)) static long
full_one(const srw_buf *b, srw_buf *out)
{
	srw_rw_stats st;
	char err[200];

	srw_buf_reset(out);
	if (srw_rw_decode(dec, b->s, b->len, out, &st, err, sizeof err) != 0)
		srw_die(SRW_EX_SOFTWARE, "%s", err);
	fwrite(out->s, 1, out->len, sink);
	fflush(sink);
	return (long)st.samples;
}

static double
run(bool full, int rep)
{
	srw_buf tmp;
	long n = 0;
	double t0 = cpu_s(), dt;
	int r;

	srw_buf_init(&tmp);
	for (r = 0; r < nreq; r++)
		n += full ? full_one(&bodies[r], &tmp) : floor_one(&bodies[r], &tmp);
	dt = cpu_s() - t0;
	srw_buf_free(&tmp);
	printf("%s %d: %ld samples, %.3f s CPU, %.0f samples/s\n", full ? "full" : "floor",
	    rep, n, dt, (double)n / dt);
	return (double)n / dt;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char *argv[])
{
	const char *mode = "both";
	double fl[64], fu[64];
	size_t bytes = 0;
	int i, c;

	while ((c = getopt(argc, argv, "n:s:r:m:")) != -1) {
		switch (c) {
		case 'n': nreq = atoi(optarg); break;
		case 's': per = atoi(optarg); break;
		case 'r': reps = atoi(optarg) > 64 ? 64 : atoi(optarg); break;
		case 'm': mode = optarg; break;
		default: return 64;
		}
	}
	srw_init("rw-decode", argc, argv);
	if (!(sink = fopen("/dev/null", "w")))
		srw_die(SRW_EX_SOFTWARE, "/dev/null:");
	types = srw_rw_types_new(0);
	dec = srw_rw_dec_new(types, 1u << 30);
	build();
	for (i = 0; i < nreq; i++)
		bytes += bodies[i].len;
	printf("requests: %d of %d samples, %.1f bytes/sample compressed\n", nreq, per,
	    (double)bytes / ((double)nreq * per));
	for (i = 0; i < reps; i++) {	/* alternated: load drifts hit both */
		if (strcmp(mode, "full") != 0)
			fl[i] = run(false, i + 1);
		if (strcmp(mode, "floor") != 0)
			fu[i] = run(true, i + 1);
	}
	if (strcmp(mode, "both") == 0) {
		qsort(fl, (size_t)reps, sizeof *fl, cmp);
		qsort(fu, (size_t)reps, sizeof *fu, cmp);
		printf("summary: floor max %.0f median %.0f samples/s; full max %.0f median %.0f "
		    "samples/s; full is %.2fx the floor's time\n", fl[reps - 1], fl[reps / 2],
		    fu[reps - 1], fu[reps / 2], fl[reps / 2] / fu[reps / 2]);
	}
	for (i = 0; i < nreq; i++)
		srw_buf_free(&bodies[i]);
	free(bodies);
	srw_rw_dec_free(dec);
	srw_rw_types_free(types);
	fclose(sink);
	return 0;
}
