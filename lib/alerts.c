/* alerts.c - the alert row (srwatch-ndjson(7)): its sections split back out
 * of the '|'-joined fields by one rule, and the one reader of alerts, from
 * the database or NDJSON, behind one callback (mblaze's blaze822_loop). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"

const char *const srw_alert_fields[SRW_ALERT_NF] = { "cluster_name", "region",
	"account_name", "cluster_id", "alert_status", "alert_name", "alert_detail",
	"dashboard_url", "silence_url", "source" };

enum { F_CLUSTER_NAME, F_REGION, F_ACCOUNT, F_CLUSTER_ID, F_STATUS, F_NAME };

/* Where field f lives in a section. */
static const size_t field_off[SRW_ALERT_NF] = {
	offsetof(srw_section, cluster_name), offsetof(srw_section, region),
	offsetof(srw_section, account_name), offsetof(srw_section, cluster_id),
	offsetof(srw_section, alert_status), offsetof(srw_section, alert_name),
	offsetof(srw_section, alert_detail), offsetof(srw_section, dashboard_url),
	offsetof(srw_section, silence_url), offsetof(srw_section, source),
};

/* The fields that say which alert on which cluster: they count sections.
 * Status and source are per row; detail and URLs are free text. */
static const int ident[] = { F_CLUSTER_NAME, F_REGION, F_ACCOUNT, F_CLUSTER_ID, F_NAME };

#define FIELD(sec, f) (*(char **)((char *)(sec) + field_off[f]))

static int
parts(const char *s)
{
	int n = 1;

	while ((s = strchr(s, '|')))
		n++, s++;
	return n;
}

int
srw_alert_split(srw_alert_row *r, const char *message_id, const char *created_at,
    const char *const fields[SRW_ALERT_NF], const srw_section **out)
{
	static char empty[] = "";
	size_t len[SRW_ALERT_NF], total = 0, k;
	char created[20] = "", *p;
	int64_t ms = -1;
	int n = 1, f, i;

	*out = NULL;
	if (!fields[F_NAME] || !*fields[F_NAME])
		return 0;
	for (k = 0; k < sizeof ident / sizeof ident[0]; k++)
		if (fields[ident[k]] && (i = parts(fields[ident[k]])) > n)
			n = i;
	/* only a field that is cut is copied; the others are pointed at */
	for (f = 0; f < SRW_ALERT_NF; f++) {
		len[f] = 0;
		if (n > 1 && fields[f] && strchr(fields[f], '|'))
			total += (len[f] = strlen(fields[f])) + 1;
	}
	if (total > r->bufcap) {
		free(r->buf);
		r->bufcap = total > 2 * r->bufcap ? total : 2 * r->bufcap;
		r->buf = srw_xmalloc(r->bufcap);
	}
	if (n > r->cap) {
		r->cap = n > 2 * r->cap ? n : 2 * r->cap;
		r->s = srw_xrealloc(r->s, (size_t)r->cap * sizeof *r->s);
	}
	/* the SQL form is kept as it is; other forms are normalised to it */
	if (created_at && strlen(created_at) == 19 && srw_time_parse_sql(created_at, &ms) == 0)
		memcpy(created, created_at, 20);
	else if (created_at && srw_time_parse(created_at, &ms) == 0)
		srw_time_fmt_sql(ms, created);
	else
		ms = -1;
	for (i = 0; i < n; i++) {
		r->s[i].message_id = message_id;
		r->s[i].index = i;
		r->s[i].nsections = n;
		r->s[i].created_ms = ms;
		memcpy(r->s[i].created_at, created, sizeof created);
	}
	/* a cut field is copied once and its first n - 1 separators cut in
	 * place; sections past a field's last part share that part */
	for (f = 0, p = r->buf; f < SRW_ALERT_NF; f++) {
		if (!len[f]) {
			char *v = fields[f] ? (char *)fields[f] : empty;

			for (i = 0; i < n; i++)
				FIELD(&r->s[i], f) = v;
			continue;
		}
		memcpy(p, fields[f], len[f] + 1);
		for (i = 0; i < n; i++) {
			char *bar;

			FIELD(&r->s[i], f) = p;
			if (i == n - 1 || !(bar = strchr(p, '|'))) {
				while (++i < n)
					FIELD(&r->s[i], f) = p;
				break;
			}
			*bar = '\0';
			p = bar + 1;
		}
		p += strlen(p) + 1;
	}
	*out = r->s;
	return n;
}

/* One pass over the row's keys (this is every alert tool's hot path): a
 * key is compared with the names that start with its letter only. */
int
srw_alert_split_val(srw_alert_row *r, const srw_val *row, const srw_section **out)
{
	const char *v[SRW_ALERT_NF] = { 0 }, *msgid = NULL, *created = NULL;
	srw_val *kv;
	int f;

	for (kv = srw_val_first(row); kv; kv = srw_val_next(kv)) {
		const char *k = srw_val_key(kv);

		if (k[0] == 'm' && strcmp(k, "message_id") == 0) {
			if (!msgid)
				msgid = srw_val_str(kv);
			continue;
		}
		if (k[0] == 'c' && strcmp(k, "created_at") == 0) {
			if (!created)
				created = srw_val_str(kv);
			continue;
		}
		for (f = 0; f < SRW_ALERT_NF; f++)
			if (k[0] == srw_alert_fields[f][0] && !v[f] &&
			    strcmp(k, srw_alert_fields[f]) == 0) {
				v[f] = srw_val_str(kv);
				break;
			}
	}
	return srw_alert_split(r, msgid, created, v, out);
}

void
srw_alert_row_free(srw_alert_row *r)
{
	free(r->s);
	free(r->buf);
	memset(r, 0, sizeof *r);
}

/* Keeps the sections the filter passes, in order; returns how many. */
static int
filter(const srw_alert_filter *f, srw_section *s, int n)
{
	int i, k = 0;

	if (!f || (!f->status && !f->cluster_id))
		return n;
	for (i = 0; i < n; i++) {
		if (f->status && strcasecmp(s[i].alert_status, f->status) != 0)
			continue;
		if (f->cluster_id && strcmp(s[i].cluster_id, f->cluster_id) != 0)
			continue;
		if (k != i)
			s[k] = s[i];
		k++;
	}
	return k;
}

/* ---- from the database ------------------------------------------------- */

int
srw_alerts_each(srw_db *db, int64_t from_ms, int64_t to_ms, const srw_alert_filter *f,
    srw_alert_fn fn, void *ctx)
{
	enum { PAGE = 5000 };
	bool desc = f && f->newest_first;
	long left = f && f->limit > 0 ? f->limit : -1;
	char t[24], last_t[24] = "", *last_id = NULL;
	srw_alert_row r = { 0 };
	unsigned long long rows;
	int rc = 0, stop = 0;
	srw_buf q;

	srw_buf_init(&q);
	do {
		long page = left >= 0 && left < PAGE ? left : PAGE;
		srw_res *res;
		char **row;

		srw_buf_reset(&q);
		srw_buf_adds(&q, "SELECT " SRW_ALERT_COLS " FROM alerts.lark_alerts WHERE 1 = 1");
		if (from_ms >= 0)
			srw_buf_printf(&q, " AND created_at >= '%s'", srw_time_fmt_sql(from_ms, t));
		if (to_ms >= 0)
			srw_buf_printf(&q, " AND created_at < '%s'", srw_time_fmt_sql(to_ms, t));
		/* coarse filters the server can apply; the exact test is per
		 * section below (a row holds several clusters) */
		if (f && f->status) {
			srw_buf_adds(&q, " AND alert_status LIKE ");
			srw_db_quote_contains(db, &q, f->status);
		}
		if (f && f->cluster_id) {
			srw_buf_adds(&q, " AND cluster_id LIKE ");
			srw_db_quote_contains(db, &q, f->cluster_id);
		}
		if (last_id) {
			srw_buf_printf(&q, " AND (created_at %c '%s' OR (created_at = '%s' AND "
			    "message_id %c ", desc ? '<' : '>', last_t, last_t, desc ? '<' : '>');
			srw_db_quote(db, &q, last_id, strlen(last_id));
			srw_buf_adds(&q, "))");
		}
		srw_buf_printf(&q, " ORDER BY created_at %s, message_id %s LIMIT %ld",
		    desc ? "DESC" : "ASC", desc ? "DESC" : "ASC", page);
		if (!(res = srw_db_query_retry(db, q.s, 3))) {
			rc = -1;
			break;
		}
		rows = srw_res_nrows(res);
		if (left >= 0)
			left -= (long)rows;
		while (!stop && (row = srw_res_next(res, NULL))) {
			const srw_section *cs;
			int n = srw_alert_split(&r, row[0], row[1], (const char *const *)row + 2, &cs);

			if (n > 0 && (n = filter(f, r.s, n)) > 0)
				stop = fn(r.s, n, NULL, ctx) == SRW_NDJSON_STOP;
			free(last_id);
			last_id = srw_xstrdup(row[0] ? row[0] : "");
			snprintf(last_t, sizeof last_t, "%s", row[1] ? row[1] : "");
		}
		srw_res_free(res);
	} while (!stop && rows == (unsigned long long)PAGE && left != 0);
	free(last_id);
	srw_buf_free(&q);
	srw_alert_row_free(&r);
	return rc;
}

/* ---- from NDJSON ---------------------------------------------------------- */

struct nd {
	const srw_alert_filter *f;
	srw_alert_fn fn;
	void *ctx;
	srw_alert_row r;
};

static int
on_line(srw_val *row, const srw_line *ln, void *ctx)
{
	struct nd *c = ctx;
	const srw_section *cs;
	int n = srw_alert_split_val(&c->r, row, &cs);

	if (n == 0) {
		srw_ndjson_reject(ln, "no alert_name (not an alert row)");
		return SRW_NDJSON_REJECT;
	}
	if ((n = filter(c->f, c->r.s, n)) == 0)
		return SRW_NDJSON_OK;
	return c->fn(c->r.s, n, ln, c->ctx);
}

int
srw_alerts_ndjson(int argc, char *argv[], const srw_alert_filter *f, srw_alert_fn fn,
    void *ctx)
{
	struct nd c = { f, fn, ctx, { 0 } };
	int rc = srw_ndjson_files(argc, argv, on_line, &c);

	srw_alert_row_free(&c.r);
	return rc;
}

/* ---- allocating forms ------------------------------------------------------ */

static int
copy_out(srw_alert_row *r, int n, srw_section **out)
{
	srw_section *s;
	int i, f;

	*out = NULL;
	if (n <= 0) {
		srw_alert_row_free(r);
		return 0;
	}
	s = srw_xcalloc((size_t)n, sizeof *s);
	for (i = 0; i < n; i++) {
		s[i] = r->s[i];
		for (f = 0; f < SRW_ALERT_NF; f++)
			FIELD(&s[i], f) = srw_xstrdup(FIELD(&r->s[i], f));
	}
	srw_alert_row_free(r);
	*out = s;
	return n;
}

int
srw_sections_split(const srw_val *row, srw_section **out)
{
	srw_alert_row r = { 0 };
	const srw_section *cs;

	return copy_out(&r, srw_alert_split_val(&r, row, &cs), out);
}

int
srw_sections_split_cols(char **cols, srw_section **out)
{
	srw_alert_row r = { 0 };
	const srw_section *cs;

	return copy_out(&r, srw_alert_split(&r, cols[0], cols[1],
	    (const char *const *)cols + 2, &cs), out);
}

void
srw_sections_free(srw_section *s, int n)
{
	int i, f;

	if (!s)
		return;
	for (i = 0; i < n; i++)
		for (f = 0; f < SRW_ALERT_NF; f++)
			free(FIELD(&s[i], f));
	free(s);
}
