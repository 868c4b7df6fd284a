/* replay.c - evaluate --replay: the rules over the history stored in
 * metrics.metrics_table instead of standard input.  The points are read in
 * the order a live stream delivers them (time, then series), a window of
 * time per query so memory stays bounded whatever the range, and each goes
 * through ev_input exactly as a streamed point does: replaying stored points
 * gives the alert events that streaming the same points gives. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "evaluate.h"

/* Rows per window stay small: the client buffers a window's result. */
#define WINDOW_MS (15 * 60 * 1000)

static bool
is_namechar(int c)
{
	return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Whether s mentions name as a whole token. */
static bool
mentions(const char *s, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = s; s && (p = strstr(p, name)); p += n)
		if ((p == s || !is_namechar((unsigned char)p[-1])) && !is_namechar((unsigned char)p[n]))
			return true;
	return false;
}

/* Only the metrics some rule can read: a name that appears as a token in
 * an expression (or is a numbat rule's service); every name when a rule
 * matches on __name__ or an event rule matches fields. */
static bool
wanted(const struct ev *e, const char *name)
{
	for (size_t g = 0; g < e->rs.ngroups; g++)
		for (size_t i = 0; i < e->rs.groups[g].nrules; i++) {
			const srw_rule *r = &e->rs.groups[g].rules[i];

			if (r->kind == SRW_RULE_MATCH || (r->expr && strstr(r->expr, "__name__")) ||
			    mentions(r->expr, name) || (r->service && strcmp(r->service, name) == 0))
				return true;
		}
	return false;
}

/* The metric names stored that the rules read, quoted for an IN list: the
 * windowed query then ranges over (name, ts) for each instead of scanning
 * the table. */
static int
names_in(const struct ev *e, srw_db *db, srw_buf *in, char *err, size_t errsz)
{
	srw_res *r = srw_db_query_retry(db, "SELECT DISTINCT name FROM metrics.metrics_table", 3);
	char **row;
	int n = 0;

	if (!r) {
		snprintf(err, errsz, "metrics.metrics_table: %s", srw_db_error(db));
		return -1;
	}
	while ((row = srw_res_next(r, NULL))) {
		if (!wanted(e, row[0]))
			continue;
		if (n++)
			srw_buf_adds(in, ",");
		srw_db_quote(db, in, row[0], strlen(row[0]));
	}
	srw_res_free(r);
	return n;
}

int
ev_replay(struct ev *e, srw_db *db, int64_t from, int64_t to, char *err, size_t errsz)
{
	srw_buf in, q, rec;
	int64_t t, npts = 0;
	int rc = 0, nnames;

	srw_buf_init(&in);
	srw_buf_init(&q);
	srw_buf_init(&rec);
	if ((nnames = names_in(e, db, &in, err, errsz)) <= 0) {
		if (nnames == 0)
			srw_info("replay: no stored metric is read by the rules");
		rc = nnames;
		goto out;
	}
	for (t = from; t < to && rc == 0; t += WINDOW_MS) {
		int64_t end = t + WINDOW_MS < to ? t + WINDOW_MS : to;
		srw_res *r;
		char **row;
		unsigned long *len;

		q.len = 0;
		srw_buf_printf(&q, "SELECT name, labels, ts, value, type, le FROM metrics.metrics_table "
		    "WHERE name IN (%s) AND ts >= %" PRId64 " AND ts < %" PRId64 " ORDER BY ts, name, labels",
		    in.s, t, end);
		if (!(r = srw_db_query_retry(db, q.s, 3))) {
			snprintf(err, errsz, "replay: %s", srw_db_error(db));
			rc = -1;
			break;
		}
		while ((row = srw_res_next(r, &len))) {
			srw_val *v;
			const char *ep;
			char perr[256];

			rec.len = 0;
			srw_jw_begin(&rec);
			srw_jw_strn(&rec, "name", row[0], len[0]);
			srw_jw_raw(&rec, "labels", row[1] && *row[1] ? row[1] : "{}");
			srw_jw_raw(&rec, "ts", row[2]);
			if (row[3])
				srw_jw_raw(&rec, "value", row[3]);
			else
				srw_jw_str(&rec, "value", "NaN");
			srw_jw_str(&rec, "type", row[4]);
			if (row[5])
				srw_jw_str(&rec, "le", row[5]);
			srw_jw_end(&rec);
			if (!(v = srw_val_parse_record(rec.s, rec.len - 1, &ep))) {
				srw_warn("replay: stored point at ts %s: labels are not JSON", row[2]);
				continue;
			}
			if (ev_input(e, v, perr, sizeof perr) < 0)
				srw_warn("replay: stored point at ts %s: %s", row[2], perr);
			srw_val_free_record(v);
			npts++;
		}
		srw_res_free(r);
		ev_flush(e);
		srw_progress("replayed %" PRId64 " points, up to %s", npts,
		    srw_time_fmt_sql(end, (char[20]){ 0 }));
	}
	srw_progress_end();
	srw_info("replay: %" PRId64 " points from %d metrics", npts, nnames);
out:
	srw_buf_free(&in);
	srw_buf_free(&q);
	srw_buf_free(&rec);
	return rc < 0 ? -1 : 0;
}
