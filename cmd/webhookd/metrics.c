/* metrics.c - webhookd's counters in the Prometheus text format. */
#include "webhookd.h"

struct metrics M;

/* request latency buckets, seconds (the last one is +Inf) */
static const double bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
	0.25, 0.5, 1, 2.5, 5, 10 };
#define NBOUNDS (sizeof bounds / sizeof bounds[0])

void
metrics_request(int code, int64_t us)
{
	size_t i;

	if (code >= 100 && code < 600)
		M.code[code]++;
	for (i = 0; i < NBOUNDS && (double)us / 1e6 > bounds[i]; i++)
		;
	M.lat_bucket[i]++;
	M.lat_count++;
	M.lat_sum_us += us > 0 ? (unsigned long long)us : 0;
}

void
metrics_round(int64_t ms)
{
	size_t i;

	for (i = 0; i < NBOUNDS && (double)ms / 1e3 > bounds[i]; i++)
		;
	M.round_bucket[i]++;
	M.round_sum_ms += ms > 0 ? (unsigned long long)ms : 0;
}

static void
histogram(srw_buf *b, const char *name, const char *help, atomic_ulong *bucket,
    double sum_s)
{
	unsigned long cum = 0;
	size_t i;

	srw_buf_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (i = 0; i <= NBOUNDS; i++) {
		cum += bucket[i];
		if (i < NBOUNDS)
			srw_buf_printf(b, "%s_bucket{le=\"%g\"} %lu\n", name, bounds[i], cum);
		else
			srw_buf_printf(b, "%s_bucket{le=\"+Inf\"} %lu\n", name, cum);
	}
	srw_buf_printf(b, "%s_sum %.6f\n%s_count %lu\n", name, sum_s, name, cum);
}

static void
counter(srw_buf *b, const char *name, const char *help, unsigned long v)
{
	srw_buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %lu\n", name, help,
	    name, name, v);
}

static void
gauge(srw_buf *b, const char *name, const char *help, long v)
{
	srw_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %ld\n", name, help,
	    name, name, v);
}

void
metrics_text(srw_buf *b)
{
	int c;

	srw_buf_adds(b, "# HELP webhookd_requests_total HTTP requests answered, by status code.\n"
	    "# TYPE webhookd_requests_total counter\n");
	for (c = 100; c < 600; c++)
		if (M.code[c])
			srw_buf_printf(b, "webhookd_requests_total{code=\"%d\"} %lu\n", c,
			    (unsigned long)M.code[c]);
	counter(b, "webhookd_alerts_received_total",
	    "Alerts in accepted webhook payloads.", M.alerts_received);
	counter(b, "webhookd_alerts_stored_total",
	    "Alert rows committed to the database (or written with --stdout).",
	    M.alerts_stored);
	counter(b, "webhookd_alerts_duplicate_total",
	    "Rows stored as copies: repeated within a batch, or already held unchanged (MariaDB).",
	    M.alerts_duplicate);
	counter(b, "webhookd_alerts_incomplete_total",
	    "Alerts without alertname or cluster_id label (stored as they are).",
	    M.alerts_incomplete);
	counter(b, "webhookd_links_dropped_total",
	    "Alert links left out for not being http or https URLs.", M.links_dropped);
	counter(b, "webhookd_alerts_spooled_total",
	    "Alert rows written to the spool while the database was unavailable.",
	    M.alerts_spooled);
	counter(b, "webhookd_spool_replayed_total",
	    "Spooled rows stored in the database after it came back.",
	    M.spool_replayed);
	counter(b, "webhookd_rows_refused_total",
	    "Rows the database or the column checks refused.", M.rows_refused);
	gauge(b, "webhookd_spool_rows", "Rows waiting in the spool.", M.spool_rows);
	gauge(b, "webhookd_spool_files", "Files waiting in the spool.", M.spool_files);
	gauge(b, "webhookd_database_up", "1 when the database connection works.",
	    cf.to_stdout ? 1 : M.db_up);
	gauge(b, "webhookd_connections", "Open HTTP connections.", M.connections);
	counter(b, "webhookd_header_timeouts_total",
	    "Connections closed for not sending a request's headers within --timeout.",
	    M.header_timeouts);
	gauge(b, "webhookd_requests_in_flight", "Requests being handled.", M.inflight);

	counter(b, "webhookd_acks_from_spool_total",
	    "Requests acknowledged from the spool because the database was slow (--ack-after).",
	    M.acks_early);
	srw_buf_adds(b, "# HELP webhookd_request_phase_seconds_total Where stored requests "
	    "spent their time: reading and parsing the body, with the writer (queue and "
	    "batch), waiting for the HTTP thread to resume them, answering.\n"
	    "# TYPE webhookd_request_phase_seconds_total counter\n");
	{
		static const char *const phase[4] = { "read", "writer", "resume", "answer" };

		for (int i = 0; i < 4; i++)
			srw_buf_printf(b, "webhookd_request_phase_seconds_total{phase=\"%s\"} %.6f\n",
			    phase[i], (double)M.phase_us[i] / 1e6);
	}
	counter(b, "webhookd_request_phase_requests_total",
	    "Stored requests counted in webhookd_request_phase_seconds_total.", M.phase_count);
	histogram(b, "webhookd_request_duration_seconds",
	    "Time from the request's headers to its response.", M.lat_bucket,
	    (double)M.lat_sum_us / 1e6);
	histogram(b, "webhookd_writer_round_duration_seconds",
	    "Time the writer spent on one round (its requests' rows, one batch).",
	    M.round_bucket, (double)M.round_sum_ms / 1e3);
}
