/* issue.c - one issue as a row of ops.issues (include/srw/issue.h): set
 * from its columns' text, written as NDJSON, and the triage states; the
 * grouping engine that makes issues is lib/issues.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"

int
srw_issue_severity_parse(const char *s, enum srw_severity *sev)
{
	static const enum srw_severity all[] = { SRW_SEV_CRITICAL, SRW_SEV_WARNING,
		SRW_SEV_INFO };
	size_t i;

	for (i = 0; i < sizeof all / sizeof all[0]; i++) {
		if (strcasecmp(s, srw_severity_name(all[i])) == 0) {
			*sev = all[i];
			return 0;
		}
	}
	return -1;
}


void
srw_issue_init(srw_issue *is)
{
	memset(is, 0, sizeof *is);
	srw_buf_init(&is->names);
	srw_buf_init(&is->refs);
	is->resolved_at = -1;
	is->first_seen = is->last_seen = -1;
	is->severity = SRW_SEV_WARNING;
}

void
srw_issue_clear(srw_issue *is)
{
	free(is->cluster_id);
	free(is->cluster_name);
	free(is->resolve_reason);
	free(is->triage_status);
	free(is->disposition_status);
	free(is->jira_key);
	srw_buf_free(&is->names);
	srw_buf_free(&is->refs);
	srw_issue_init(is);
}

void
srw_issue_setstr(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? srw_xstrdup(v) : NULL;
}

static int
settime(int64_t *dst, const char *v)
{
	if (!v || !*v) {
		*dst = -1;
		return 0;
	}
	return srw_time_parse(v, dst);
}

int
srw_issue_set(srw_issue *is, const char *col, const char *v)
{
	if (strcmp(col, "issue_id") == 0) {
		if (!v || strlen(v) >= sizeof is->id)
			return -1;
		strcpy(is->id, v);
	} else if (strcmp(col, "correlation_group") == 0) {
		snprintf(is->group, sizeof is->group, "%s", v ? v : "");
	} else if (strcmp(col, "cluster_id") == 0) {
		srw_issue_setstr(&is->cluster_id, v);
	} else if (strcmp(col, "cluster_name") == 0) {
		srw_issue_setstr(&is->cluster_name, v);
	} else if (strcmp(col, "kind") == 0) {
		if (v && strcasecmp(v, "ANOMALY") == 0)
			is->kind = SRW_ISSUE_ANOMALY;
		else if (v && strcasecmp(v, "FAILURE") == 0)
			is->kind = SRW_ISSUE_FAILURE;
		else
			return -1;
	} else if (strcmp(col, "alert_names") == 0) {
		srw_buf_reset(&is->names);
		srw_buf_adds(&is->names, v ? v : "");
	} else if (strcmp(col, "message_ids") == 0) {
		srw_buf_reset(&is->refs);
		srw_buf_adds(&is->refs, v ? v : "");
	} else if (strcmp(col, "first_seen") == 0) {
		return settime(&is->first_seen, v);
	} else if (strcmp(col, "last_seen") == 0) {
		return settime(&is->last_seen, v);
	} else if (strcmp(col, "resolved_at") == 0) {
		return settime(&is->resolved_at, v);
	} else if (strcmp(col, "alert_count") == 0) {
		is->alert_count = v ? strtol(v, NULL, 10) : 0;
	} else if (strcmp(col, "severity") == 0) {
		if (v && srw_issue_severity_parse(v, &is->severity) != 0)
			is->severity = SRW_SEV_WARNING;
	} else if (strcmp(col, "escalated") == 0) {
		is->escalated = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
	} else if (strcmp(col, "resolve_reason") == 0) {
		srw_issue_setstr(&is->resolve_reason, v);
	} else if (strcmp(col, "triage_status") == 0) {
		srw_issue_setstr(&is->triage_status, v);
	} else if (strcmp(col, "disposition_status") == 0) {
		srw_issue_setstr(&is->disposition_status, v);
	} else if (strcmp(col, "jira_key") == 0) {
		srw_issue_setstr(&is->jira_key, v);
	}
	/* issue_status follows from resolved_at; other columns are ignored */
	return 0;
}

/* "key": for our own plain keys (srw_jw_key escapes byte by byte). */
static void
jw_key(srw_buf *b, const char *k)
{
	size_t n = strlen(k);

	srw_buf_grow(b, n + 4);
	if (b->len && b->s[b->len - 1] != '{')
		b->s[b->len++] = ',';
	b->s[b->len++] = '"';
	memcpy(b->s + b->len, k, n);
	b->len += n;
	b->s[b->len++] = '"';
	b->s[b->len++] = ':';
	b->s[b->len] = '\0';
}

/* JSON string: raw when nothing needs escaping (ids, names, times). */
static void
jw_strn(srw_buf *b, const char *k, const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == '"' || c == '\\')
			break;
	}
	if (i < n) {
		srw_jw_strn(b, k, v, n);
		return;
	}
	jw_key(b, k);
	srw_buf_grow(b, n + 2);
	b->s[b->len++] = '"';
	memcpy(b->s + b->len, v, n);
	b->len += n;
	b->s[b->len++] = '"';
	b->s[b->len] = '\0';
}

static void
jw_str(srw_buf *b, const char *k, const char *v)
{
	if (v) {
		jw_strn(b, k, v, strlen(v));
	} else {
		jw_key(b, k);
		srw_buf_add(b, "null", 4);
	}
}

static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DD HH:MM:SS" without printf (the output's hot spot). */
static void
jw_time(srw_buf *b, const char *k, int64_t ms)
{
	char t[20];
	int64_t secs, days;
	int y, mo, d, rem;

	if (ms < 0) {
		jw_key(b, k);
		srw_buf_add(b, "null", 4);
		return;
	}
	secs = ms / 1000;
	days = secs / 86400;
	rem = (int)(secs % 86400);
	srw_civil_from_days(days, &y, &mo, &d);
	put2(t, y / 100);
	put2(t + 2, y % 100);
	t[4] = '-';
	put2(t + 5, mo);
	t[7] = '-';
	put2(t + 8, d);
	t[10] = ' ';
	put2(t + 11, rem / 3600);
	t[13] = ':';
	put2(t + 14, rem / 60 % 60);
	t[16] = ':';
	put2(t + 17, rem % 60);
	jw_strn(b, k, t, 19);
}

void
srw_issue_jw(srw_buf *b, const srw_issue *is)
{
	srw_jw_begin(b);
	jw_str(b, "issue_id", is->id);
	jw_str(b, "cluster_id", is->cluster_id ? is->cluster_id : "");
	jw_str(b, "cluster_name", is->cluster_name ? is->cluster_name : "");
	jw_str(b, "kind", is->kind == SRW_ISSUE_ANOMALY ? "ANOMALY" : "FAILURE");
	jw_strn(b, "alert_names", is->names.s ? is->names.s : "", is->names.len);
	jw_time(b, "first_seen", is->first_seen);
	jw_time(b, "last_seen", is->last_seen);
	jw_key(b, "alert_count");
	srw_buf_add_jint(b, is->alert_count);
	jw_strn(b, "message_ids", is->refs.s ? is->refs.s : "", is->refs.len);
	jw_str(b, "correlation_group", is->group);
	jw_str(b, "severity", srw_severity_name(is->severity));
	jw_key(b, "escalated");
	srw_buf_adds(b, is->escalated ? "true" : "false");
	jw_str(b, "issue_status", is->resolved_at >= 0 ? "Resolved" : "Ongoing");
	jw_time(b, "resolved_at", is->resolved_at);
	jw_str(b, "resolve_reason", is->resolve_reason);
	jw_str(b, "triage_status", is->triage_status ? is->triage_status : "New");
	jw_str(b, "disposition_status",
	    is->disposition_status ? is->disposition_status : "New");
	jw_str(b, "jira_key", is->jira_key);
	srw_jw_end(b);
}

static const char *triage[] = { "New", "Acknowledged", "Investigating",
	"Mitigating", "Closed" };

int
srw_triage_rank(const char *status)
{
	size_t i;

	for (i = 0; status && i < sizeof triage / sizeof triage[0]; i++)
		if (strcasecmp(status, triage[i]) == 0)
			return (int)i;
	return -1;
}

const char *
srw_triage_name(int rank)
{
	if (rank < 0 || rank >= (int)(sizeof triage / sizeof triage[0]))
		return NULL;
	return triage[rank];
}

