/* report.c - recommend's outputs: NDJSON rows for
 * alerts.alert_recommendations, and the reports people read (text,
 * markdown, one self-contained HTML file with inline SVG charts). */
#include <stdlib.h>
#include <string.h>

#include "recommend.h"

static const char *
class_name(const struct rc_alert *a)
{
	if (!a->type)
		return NULL;
	return a->type->cls == SRW_CLASS_ANOMALY ? "ANOMALY" : "FAILURE";
}

static const char *
severity(const struct rc_alert *a)
{
	return srw_severity_name(a->type ? a->type->severity : SRW_SEV_UNKNOWN);
}

static const char *
summary(const struct rc_alert *a)
{
	return a->type ? a->type->summary :
	    "Not in srwatch's table of known StarRocks alert types.";
}

static const char *
advice(const struct rc_alert *a)
{
	return a->type ? a->type->recommendation :
	    "Unknown alert type: read its alert_detail and dashboard, decide with the "
	    "rule's owner what it means and how urgent it is, and add it to the "
	    "alert-type table (lib/alerttypes.c) so the next report has advice.";
}

char *
rc_fmt_dur(int64_t ms, char *buf, size_t n)
{
	int64_t s = (ms + 500) / 1000;

	if (s < 60)
		snprintf(buf, n, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, n, "%lldm", (long long)((s + 30) / 60));
	else
		snprintf(buf, n, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	return buf;
}

/* ---- NDJSON ----------------------------------------------------------- */

static void
jw_time(srw_buf *b, const char *key, int64_t ms)
{
	char t[20];

	srw_jw_str(b, key, ms < 0 ? NULL : srw_time_fmt_sql(ms, t));
}

void
rc_write_ndjson(const struct rc_state *st, FILE *fp)
{
	srw_buf b;
	size_t i, j, k;

	srw_buf_init(&b);
	for (i = 0; i < st->ndays; i++) {
		const struct rc_day *d = st->days[i];

		if (!d->want)
			continue;
		for (j = 0; j < d->nalerts; j++) {
			const struct rc_alert *a = d->sorted[j];

			srw_jw_begin(&b);
			srw_jw_str(&b, "date", d->date);
			srw_jw_str(&b, "alert_name", a->name);
			srw_jw_str(&b, "severity", severity(a));
			srw_jw_str(&b, "alert_class", class_name(a));
			srw_jw_bool(&b, "known", a->type != NULL);
			srw_jw_int(&b, "fired", a->fired);
			srw_jw_int(&b, "resolved", a->resolved);
			srw_jw_int(&b, "cluster_count", (int64_t)a->ncl);
			srw_jw_arr(&b, "clusters");
			for (k = 0; k < a->ncl; k++)
				srw_jw_str(&b, NULL, a->clid[k]);
			srw_jw_close(&b, ']');
			srw_jw_arr(&b, "cluster_names");
			for (k = 0; k < a->ncl; k++)
				srw_jw_str(&b, NULL, a->clname[k]);
			srw_jw_close(&b, ']');
			srw_jw_arr(&b, "regions");
			for (k = 0; k < a->nreg; k++)
				srw_jw_str(&b, NULL, a->regv[k]);
			srw_jw_close(&b, ']');
			srw_jw_bool(&b, "noisy", a->noisy);
			srw_jw_str(&b, "noisy_reason", a->noisy ? a->reason : NULL);
			srw_jw_bool(&b, "flapping", a->nflap > 0);
			srw_jw_arr(&b, "flapping_clusters");
			for (k = 0; k < a->nflap; k++)
				srw_jw_str(&b, NULL, a->flap[k]);
			srw_jw_close(&b, ']');
			srw_jw_int(&b, "max_refires", a->max_refires);
			if (a->median_ms >= 0)
				srw_jw_int(&b, "median_resolve_s", (a->median_ms + 500) / 1000);
			else
				srw_jw_null(&b, "median_resolve_s");
			srw_jw_int(&b, "resolve_pairs", a->npairs);
			if (a->prev_fired >= 0) {
				srw_jw_int(&b, "prev_week_fired", a->prev_fired);
				srw_jw_int(&b, "fired_change", a->fired - a->prev_fired);
				if (a->prev_fired > 0)
					srw_jw_num(&b, "fired_change_pct", (double)(long long)
					    (1000.0 * (double)(a->fired - a->prev_fired) /
					    (double)a->prev_fired) / 10.0);
				else
					srw_jw_null(&b, "fired_change_pct");
			} else {
				srw_jw_null(&b, "prev_week_fired");
				srw_jw_null(&b, "fired_change");
				srw_jw_null(&b, "fired_change_pct");
			}
			jw_time(&b, "first_fired_at", a->first_fired);
			jw_time(&b, "last_fired_at", a->last_fired);
			srw_jw_str(&b, "summary", summary(a));
			if (a->tuning) {
				srw_buf r;

				srw_buf_init(&r);
				srw_buf_printf(&r, "%s Backtest: %s.", advice(a), a->tuning);
				srw_jw_str(&b, "recommendation", r.s);
				srw_buf_free(&r);
			} else {
				srw_jw_str(&b, "recommendation", advice(a));
			}
			srw_jw_end(&b);
			srw_jw_flush(&b, fp, 1 << 16);
		}
	}
	srw_jw_flush(&b, fp, 0);
	srw_buf_free(&b);
}

void
rc_write_types(FILE *fp, bool text)
{
	size_t i, n;
	const srw_alert_type *t = srw_alert_types(&n);
	srw_buf b;

	srw_buf_init(&b);
	for (i = 0; i < n; i++) {
		if (text) {
			fprintf(fp, "%-9s %-8s %s\n", srw_severity_name(t[i].severity),
			    t[i].cls == SRW_CLASS_ANOMALY ? "ANOMALY" : "FAILURE", t[i].name);
			continue;
		}
		srw_jw_begin(&b);
		srw_jw_str(&b, "alert_name", t[i].name);
		srw_jw_str(&b, "severity", srw_severity_name(t[i].severity));
		srw_jw_str(&b, "alert_class",
		    t[i].cls == SRW_CLASS_ANOMALY ? "ANOMALY" : "FAILURE");
		srw_jw_str(&b, "summary", t[i].summary);
		srw_jw_str(&b, "recommendation", t[i].recommendation);
		srw_jw_end(&b);
	}
	srw_jw_flush(&b, fp, 0);
	srw_buf_free(&b);
}

/* ---- shared by the reports -------------------------------------------- */

static void
window(const struct rc_day *d, char *buf, size_t n)
{
	char a[20], b[20];

	srw_time_fmt_sql(d->start, a);
	srw_time_fmt_sql(d->end, b);
	snprintf(buf, n, "America/Los_Angeles, %d h: UTC %.16s to %.16s", d->nhours, a, b);
}

static long
count_if(const struct rc_day *d, int what)
{
	long n = 0;
	size_t j;

	for (j = 0; j < d->nalerts; j++)
		n += what == 0 ? d->sorted[j]->noisy : what == 1 ? d->sorted[j]->nflap > 0 :
		    d->sorted[j]->type == NULL;
	return n;
}

static void
headline(const struct rc_day *d, char *buf, size_t n)
{
	snprintf(buf, n, "%ld sections: %ld fired, %ld resolved; %zu alert names on %zu "
	    "clusters; %ld noisy, %ld flapping, %zu unknown", d->sections, d->fired,
	    d->resolved, d->nalerts, d->nclusters, count_if(d, 0), count_if(d, 1),
	    d->nunknown);
}

static void
week(const struct rc_alert *a, char *buf, size_t n)
{
	if (a->prev_fired < 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%ld (%+ld)", a->prev_fired, a->fired - a->prev_fired);
}

static void
median(const struct rc_alert *a, char *buf, size_t n)
{
	if (a->median_ms < 0)
		snprintf(buf, n, "-");
	else
		rc_fmt_dur(a->median_ms, buf, n);
}

static void
notes(const struct rc_alert *a, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s%s", a->noisy ? "noisy" : "",
	    a->noisy && a->nflap ? "," : "", a->nflap ? "flapping" : "",
	    (a->noisy || a->nflap) && !a->type ? "," : "", a->type ? "" : "unknown");
}

/* "prod-orders, prod-billing (+3 more)" */
static void
cluster_list(const struct rc_alert *a, srw_buf *b, size_t max)
{
	size_t k;

	for (k = 0; k < a->ncl && k < max; k++)
		srw_buf_printf(b, "%s%s", k ? ", " : "",
		    *a->clname[k] ? a->clname[k] : a->clid[k]);
	if (a->ncl > max)
		srw_buf_printf(b, " (+%zu more)", a->ncl - max);
}

/* ---- text ------------------------------------------------------------- */

static void
wrap(FILE *fp, const char *s, int indent, int width)
{
	int col = indent;
	const char *w;

	fprintf(fp, "%*s", indent, "");
	while (*s) {
		size_t len;

		while (*s == ' ')
			s++;
		w = s;
		while (*s && *s != ' ')
			s++;
		len = (size_t)(s - w);
		if (!len)
			break;
		if (col > indent && col + 1 + (int)len > width) {
			fprintf(fp, "\n%*s", indent, "");
			col = indent;
		}
		fprintf(fp, "%s%.*s", col > indent ? " " : "", (int)len, w);
		col += (col > indent ? 1 : 0) + (int)len;
	}
	fputc('\n', fp);
}

void
rc_write_text(const struct rc_state *st, FILE *fp)
{
	size_t i, j, shown = 0;
	char buf[256], med[32], wk[48], nt[48];
	srw_buf b;

	srw_buf_init(&b);
	for (i = 0; i < st->ndays; i++) {
		const struct rc_day *d = st->days[i];
		int w = 5;

		if (!d->want)
			continue;
		window(d, buf, sizeof buf);
		fprintf(fp, "%sAlerts on %s (%s)\n", shown++ ? "\n" : "", d->date, buf);
		headline(d, buf, sizeof buf);
		fprintf(fp, "%s\n", buf);
		if (!d->nalerts)
			continue;
		for (j = 0; j < d->nalerts; j++)
			if ((int)strlen(d->sorted[j]->name) > w)
				w = (int)strlen(d->sorted[j]->name);
		fprintf(fp, "\n%-8s  %-*s  %5s  %8s  %8s  %6s  %-10s  %s\n", "SEVERITY", w,
		    "ALERT", "FIRED", "RESOLVED", "CLUSTERS", "MEDIAN", "WEEK AGO", "NOTES");
		for (j = 0; j < d->nalerts; j++) {
			const struct rc_alert *a = d->sorted[j];

			median(a, med, sizeof med);
			week(a, wk, sizeof wk);
			notes(a, nt, sizeof nt);
			srw_buf_reset(&b);
			srw_buf_printf(&b, "%-8s  %-*s  %5ld  %8ld  %8zu  %6s  %-10s  %s",
			    severity(a), w, a->name, a->fired, a->resolved, a->ncl, med, wk, nt);
			while (b.len && b.s[b.len - 1] == ' ')
				b.s[--b.len] = '\0';
			fprintf(fp, "%s\n", b.s);
		}
		fprintf(fp, "\nWhat to do:\n");
		for (j = 0; j < d->nalerts; j++) {
			const struct rc_alert *a = d->sorted[j];

			srw_buf_reset(&b);
			cluster_list(a, &b, 5);
			fprintf(fp, "  %s (%s, fired %ld on %s)\n", a->name, severity(a),
			    a->fired, b.s);
			if (a->noisy)
				fprintf(fp, "    noisy: %s\n", a->reason);
			if (a->nflap)
				fprintf(fp, "    flapping on %zu cluster%s (up to %ld re-fires)\n",
				    a->nflap, a->nflap == 1 ? "" : "s", a->max_refires);
			wrap(fp, advice(a), 4, 78);
			if (a->tuning) {
				srw_buf_reset(&b);
				srw_buf_printf(&b, "backtest: %s", a->tuning);
				wrap(fp, b.s, 4, 78);
			}
		}
		if (d->nunknown) {
			fprintf(fp, "\nUnknown alert names (add them to the alert-type table):");
			for (j = 0; j < d->nalerts; j++)
				if (!d->sorted[j]->type)
					fprintf(fp, " %s", d->sorted[j]->name);
			fputc('\n', fp);
		}
	}
	srw_buf_free(&b);
}

/* ---- markdown --------------------------------------------------------- */

static void
md(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (strchr("|\\*_`[]<>", *s))
			fputc('\\', fp);
		fputc(*s == '\n' ? ' ' : *s, fp);
	}
}

void
rc_write_markdown(const struct rc_state *st, FILE *fp)
{
	size_t i, j, shown = 0;
	char buf[256], med[32], wk[48], nt[48];
	srw_buf b;

	srw_buf_init(&b);
	for (i = 0; i < st->ndays; i++) {
		const struct rc_day *d = st->days[i];

		if (!d->want)
			continue;
		window(d, buf, sizeof buf);
		fprintf(fp, "%s### Alerts on %s\n\n_%s_\n\n", shown++ ? "\n" : "", d->date, buf);
		headline(d, buf, sizeof buf);
		fprintf(fp, "%s\n", buf);
		if (!d->nalerts)
			continue;
		fprintf(fp, "\n| Severity | Alert | Fired | Resolved | Clusters | Median to resolve "
		    "| Week ago | Notes |\n|---|---|--:|--:|--:|--:|--:|---|\n");
		for (j = 0; j < d->nalerts; j++) {
			const struct rc_alert *a = d->sorted[j];

			median(a, med, sizeof med);
			week(a, wk, sizeof wk);
			notes(a, nt, sizeof nt);
			fprintf(fp, "| %s | ", severity(a));
			md(fp, a->name);
			fprintf(fp, " | %ld | %ld | %zu | %s | %s | %s |\n", a->fired, a->resolved,
			    a->ncl, med, wk, nt);
		}
		fprintf(fp, "\n**What to do**\n\n");
		for (j = 0; j < d->nalerts; j++) {
			const struct rc_alert *a = d->sorted[j];

			srw_buf_reset(&b);
			cluster_list(a, &b, 5);
			fprintf(fp, "- **");
			md(fp, a->name);
			fprintf(fp, "** (%s, fired %ld on ", severity(a), a->fired);
			md(fp, b.s);
			fprintf(fp, ")");
			if (a->noisy)
				fprintf(fp, " — noisy: %s", a->reason);
			if (a->nflap)
				fprintf(fp, " — flapping on %zu cluster%s", a->nflap,
				    a->nflap == 1 ? "" : "s");
			fprintf(fp, ": ");
			md(fp, advice(a));
			if (a->tuning) {
				fprintf(fp, " *Backtest:* ");
				md(fp, a->tuning);
			}
			fputc('\n', fp);
		}
	}
	srw_buf_free(&b);
}

/* ---- html ------------------------------------------------------------- */

static void
esc(FILE *fp, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default:
			/* control characters are not allowed in XML */
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, fp);
		}
}

static const char *
sev_color(const struct rc_alert *a)
{
	switch (a->type ? a->type->severity : SRW_SEV_UNKNOWN) {
	case SRW_SEV_CRITICAL: return "#c0392b";
	case SRW_SEV_WARNING: return "#e67e22";
	case SRW_SEV_INFO: return "#2980b9";
	default: return "#7f8c8d";
	}
}

static int
cmp_fired(const void *x, const void *y)
{
	const struct rc_alert *a = *(struct rc_alert *const *)x, *b = *(struct rc_alert *const *)y;

	if (a->fired != b->fired)
		return a->fired < b->fired ? 1 : -1;
	return strcmp(a->name, b->name);
}

/* Horizontal bars: the top alert names by firings. */
static void
svg_top(FILE *fp, const struct rc_day *d, long top)
{
	struct rc_alert **v;
	size_t n = d->nalerts < (size_t)top ? d->nalerts : (size_t)top, k;
	long max = 1;
	int rowh = 22, lw = 240, bw = 380, h;

	v = srw_xcalloc(d->nalerts + 1, sizeof *v);
	memcpy(v, d->sorted, d->nalerts * sizeof *v);
	qsort(v, d->nalerts, sizeof *v, cmp_fired);
	for (k = 0; k < n; k++)
		if (v[k]->fired > max)
			max = v[k]->fired;
	h = (int)n * rowh + 10;
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"top\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>Top %zu alerts by "
	    "firings</title>\n", lw + bw + 60, h, lw + bw + 60, h, n);
	for (k = 0; k < n; k++) {
		int y = 5 + (int)k * rowh, w = (int)((double)bw * (double)v[k]->fired / (double)max);

		fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", lw - 6, y + 15);
		esc(fp, v[k]->name);
		fprintf(fp, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		    "fill=\"%s\"><title>", lw, y + 2, w > 1 ? w : 1, rowh - 6, sev_color(v[k]));
		esc(fp, v[k]->name);
		fprintf(fp, ": %ld fired (%s)</title></rect><text x=\"%d\" y=\"%d\">%ld</text>\n",
		    v[k]->fired, severity(v[k]), lw + (w > 1 ? w : 1) + 4, y + 15, v[k]->fired);
	}
	fprintf(fp, "</svg>\n");
	free(v);
}

/* Vertical bars: firings per hour of the Pacific day (23-25 hours). */
static void
svg_hours(FILE *fp, const struct rc_day *d)
{
	long max = 1;
	int i, bw = 24, ch = 140, w = d->nhours * bw + 50, h = ch + 40;

	for (i = 0; i < d->nhours; i++)
		if (d->hist[i] > max)
			max = d->hist[i];
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"hours\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>Firings per hour, "
	    "Pacific time</title>\n", w, h, w, h);
	fprintf(fp, "<line x1=\"40\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\"/>"
	    "<text x=\"36\" y=\"%d\" text-anchor=\"end\">%ld</text>"
	    "<text x=\"36\" y=\"%d\" text-anchor=\"end\">0</text>\n",
	    ch + 10, w - 6, ch + 10, 20, max, ch + 10);
	for (i = 0; i < d->nhours; i++) {
		int bh = (int)((double)ch * (double)d->hist[i] / (double)max);
		int x = 42 + i * bw, hr = rc_hour_label(d, i);

		fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#34495e\">"
		    "<title>%02d:00 %ld fired</title></rect>", x, ch + 10 - bh, bw - 4, bh, hr,
		    d->hist[i]);
		fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"small\">"
		    "%02d</text>\n", x + (bw - 4) / 2, ch + 26, hr);
	}
	fprintf(fp, "</svg>\n");
}

void
rc_write_html(const struct rc_state *st, FILE *fp)
{
	size_t i, j;
	char buf[256], med[32], wk[48], nt[48];
	srw_buf b;

	srw_buf_init(&b);
	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>\n"
	    "<title>srwatch alert recommendations</title>\n<style>\n"
	    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n"
	    "table{border-collapse:collapse;margin:1em 0}\n"
	    "th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}\n"
	    "td.n{text-align:right}td.advice{min-width:28em}\n"
	    ".Critical{color:#c0392b;font-weight:bold}.Warning{color:#e67e22}"
	    ".Info{color:#2980b9}.Unknown{color:#7f8c8d}\n"
	    ".noisy{background:#fdf2e9}\nsvg text{font-size:12px}svg text.small{font-size:10px}\n"
	    "</style></head><body>\n");
	for (i = 0; i < st->ndays; i++) {
		const struct rc_day *d = st->days[i];

		if (!d->want)
			continue;
		fprintf(fp, "<section>\n<h2>Alerts on %s</h2>\n", d->date);
		window(d, buf, sizeof buf);
		fprintf(fp, "<p><em>%s</em><br/>", buf);
		headline(d, buf, sizeof buf);
		fprintf(fp, "%s</p>\n", buf);
		if (!d->nalerts) {
			fprintf(fp, "</section>\n");
			continue;
		}
		fprintf(fp, "<h3>Top alerts</h3>\n");
		svg_top(fp, d, st->o.top);
		fprintf(fp, "<h3>Firings per hour (Pacific)</h3>\n");
		svg_hours(fp, d);
		fprintf(fp, "<table>\n<tr><th>Severity</th><th>Alert</th><th>Fired</th>"
		    "<th>Resolved</th><th>Clusters</th><th>Median to resolve</th>"
		    "<th>Week ago</th><th>Notes</th><th>What to do</th></tr>\n");
		for (j = 0; j < d->nalerts; j++) {
			const struct rc_alert *a = d->sorted[j];

			median(a, med, sizeof med);
			week(a, wk, sizeof wk);
			notes(a, nt, sizeof nt);
			srw_buf_reset(&b);
			cluster_list(a, &b, 5);
			fprintf(fp, "<tr%s><td class=\"%s\">%s</td><td>", a->noisy ?
			    " class=\"noisy\"" : "", severity(a), severity(a));
			esc(fp, a->name);
			fprintf(fp, "</td><td class=\"n\">%ld</td><td class=\"n\">%ld</td>"
			    "<td class=\"n\" title=\"", a->fired, a->resolved);
			esc(fp, b.s);
			fprintf(fp, "\">%zu</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>",
			    a->ncl, med, wk);
			esc(fp, nt);
			if (a->noisy) {
				fprintf(fp, "<br/>");
				esc(fp, a->reason);
			}
			fprintf(fp, "</td><td>");
			esc(fp, advice(a));
			if (a->tuning) {
				fprintf(fp, "<p class=\"backtest\"><b>Backtest:</b> ");
				esc(fp, a->tuning);
				fprintf(fp, "</p>");
			}
			fprintf(fp, "</td></tr>\n");
		}
		fprintf(fp, "</table>\n</section>\n");
	}
	fprintf(fp, "</body></html>\n");
	srw_buf_free(&b);
}
