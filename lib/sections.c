/* sections.c - pipe-joined alert rows split back into alert sections. */
#include <stdlib.h>
#include <string.h>

#include "srw.h"

enum { F_CLUSTER_NAME, F_REGION, F_ACCOUNT, F_CLUSTER_ID, F_STATUS, F_NAME,
	F_DETAIL, F_DASH, F_SILENCE, F_SOURCE, NF };

static const char *fields[NF] = { "cluster_name", "region", "account_name",
	"cluster_id", "alert_status", "alert_name", "alert_detail", "dashboard_url",
	"silence_url", "source" };

static int
count_parts(const char *s)
{
	int n = 1;

	for (; *s; s++)
		if (*s == '|')
			n++;
	return n;
}

/* Part i of a '|'-joined string; a field with fewer parts repeats its last
 * one (the status and source are per row). */
static char *
part(const char *s, int i)
{
	const char *p = s, *q;
	int k = 0;

	if (!s)
		return srw_xstrdup("");
	for (;;) {
		q = strchr(p, '|');
		if (k == i || !q)
			break;
		p = q + 1;
		k++;
	}
	return srw_xstrndup(p, q ? (size_t)(q - p) : strlen(p));
}

static int
split(const char *msgid, const char *created, const char *vals[NF], srw_section **out)
{
	srw_section *s;
	int n, i, f;
	int64_t ms = -1;

	*out = NULL;
	if (!vals[F_NAME] || !*vals[F_NAME])
		return 0;
	n = count_parts(vals[F_NAME]);
	if (!created || srw_time_parse(created, &ms) != 0)
		ms = -1;
	s = srw_xcalloc((size_t)n, sizeof *s);
	for (i = 0; i < n; i++) {
		char **dst[NF] = { &s[i].cluster_name, &s[i].region, &s[i].account_name,
			&s[i].cluster_id, &s[i].alert_status, &s[i].alert_name,
			&s[i].alert_detail, &s[i].dashboard_url, &s[i].silence_url,
			&s[i].source };

		s[i].message_id = msgid;
		s[i].index = i;
		s[i].created_ms = ms;
		if (ms >= 0)
			srw_time_fmt_sql(ms, s[i].created_at);
		for (f = 0; f < NF; f++) {
			/* a detail may itself contain '|' only when the row has one
			 * section: keep it whole then */
			if (n == 1)
				*dst[f] = srw_xstrdup(vals[f] ? vals[f] : "");
			else
				*dst[f] = part(vals[f], i);
		}
	}
	*out = s;
	return n;
}

int
srw_sections_split(const srw_val *row, srw_section **out)
{
	const char *vals[NF];
	int f;

	for (f = 0; f < NF; f++)
		vals[f] = srw_val_get_str(row, fields[f]);
	return split(srw_val_get_str(row, "message_id"), srw_val_get_str(row, "created_at"),
	    vals, out);
}

int
srw_sections_split_cols(char **cols, srw_section **out)
{
	const char *vals[NF];
	int f;

	for (f = 0; f < NF; f++)
		vals[f] = cols[2 + f];
	return split(cols[0], cols[1], vals, out);
}

void
srw_sections_free(srw_section *s, int n)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < n; i++) {
		free(s[i].cluster_name);
		free(s[i].region);
		free(s[i].account_name);
		free(s[i].cluster_id);
		free(s[i].alert_status);
		free(s[i].alert_name);
		free(s[i].alert_detail);
		free(s[i].dashboard_url);
		free(s[i].silence_url);
		free(s[i].source);
	}
	free(s);
}
