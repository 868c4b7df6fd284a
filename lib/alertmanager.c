/* alertmanager.c - an Alertmanager (or Grafana) webhook body, version 4,
 * turned into the alert rows of DESIGN.md (lark_alerts, source "webhook").
 * Documents are parsed with jansson, rows written with the fast writer. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"

char *
srw_am_message_id(const char *alertname, const char *cluster_id,
    const char *status, const char *starts_at, char *out)
{
	srw_buf b;

	srw_buf_init(&b);
	srw_buf_adds(&b, alertname ? alertname : "");
	srw_buf_adds(&b, cluster_id ? cluster_id : "");
	srw_buf_adds(&b, status ? status : "");
	srw_buf_adds(&b, starts_at ? starts_at : "");
	memcpy(out, "wh_", 3);
	srw_sha256_hex(b.s ? b.s : "", b.len, out + 3);
	srw_buf_free(&b);
	return out;
}

/* A string member that is present and not empty, else NULL. */
static const char *
str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s && *s ? s : NULL;
}

/* An RFC 3339 time of this millennium (Alertmanager's zero time
 * 0001-01-01T00:00:00Z means "not set"); SQL form into buf. */
static bool
am_time(const char *s, char *buf)
{
	int64_t ms;

	if (!s || strlen(s) < 19 || s[4] != '-' || srw_time_parse(s, &ms) != 0 ||
	    ms < 0)
		return false;
	srw_time_fmt_sql(ms, buf);
	return true;
}

static int
cmpkey(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* EXTERNAL/#/silences/new?filter={a="x", b="y"} as Alertmanager's UI wants
 * it: every label of the alert, sorted by name, the matcher set URL-encoded. */
static void
silence_url(srw_buf *out, const char *external, const json_t *labels)
{
	const char **keys;
	const char *k;
	json_t *v;
	size_t n = 0, i, el = strlen(external);
	srw_buf f;

	keys = srw_xcalloc(json_object_size(labels) + 1, sizeof *keys);
	json_object_foreach((json_t *)labels, k, v)
		if (json_is_string(v))
			keys[n++] = k;
	qsort(keys, n, sizeof *keys, cmpkey);
	srw_buf_init(&f);
	srw_buf_addc(&f, '{');
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_object_get(labels, keys[i]));

		if (i)
			srw_buf_adds(&f, ", ");
		srw_buf_adds(&f, keys[i]);
		srw_buf_adds(&f, "=\"");
		for (; *s; s++) {
			if (*s == '"' || *s == '\\')
				srw_buf_addc(&f, '\\');
			srw_buf_addc(&f, *s);
		}
		srw_buf_addc(&f, '"');
	}
	srw_buf_addc(&f, '}');
	while (el > 0 && external[el - 1] == '/')
		el--;
	srw_buf_add(out, external, el);
	srw_buf_adds(out, "/#/silences/new?filter=");
	srw_url_escape(out, f.s);
	srw_buf_free(&f);
	free(keys);
}

/* A label as a string, "" when absent or not a string. */
static const char *
label(const json_t *labels, const char *key)
{
	const char *s = json_string_value(json_object_get(labels, key));

	return s ? s : "";
}

static void
one_row(srw_buf *out, const json_t *a, const char *top_status,
    const char *external, int64_t now_ms, srw_am_result *res)
{
	const json_t *labels = json_object_get(a, "labels");
	const json_t *ann = json_object_get(a, "annotations");
	const char *status, *starts, *name, *cid, *url, *detail;
	bool resolved;
	char id[68], when[20];

	if (!json_is_object(labels))
		labels = NULL;
	if (!json_is_object(ann))
		ann = NULL;
	status = json_string_value(json_object_get(a, "status"));
	if (!status)
		status = top_status ? top_status : "";
	starts = json_string_value(json_object_get(a, "startsAt"));
	name = label(labels, "alertname");
	cid = label(labels, "cluster_id");
	if (!*name || !*cid)
		res->incomplete++;
	resolved = strcasecmp(status, "resolved") == 0;
	srw_am_message_id(name, cid, status, starts, id);
	/* resolved rows are dated by endsAt, firing ones by startsAt */
	if (!(resolved && am_time(str(a, "endsAt"), when)) && !am_time(starts, when))
		srw_time_fmt_sql(now_ms, when);

	srw_jw_begin(out);
	srw_jw_str(out, "message_id", id);
	srw_jw_str(out, "created_at", when);
	srw_jw_str(out, "cluster_name", label(labels, "cluster_name"));
	srw_jw_str(out, "region", label(labels, "region"));
	srw_jw_str(out, "account_name", label(labels, "account_name"));
	srw_jw_str(out, "cluster_id", cid);
	srw_jw_str(out, "alert_status", resolved ? "Resolved" : "Firing");
	srw_jw_str(out, "alert_name", name);
	if (!(detail = str(ann, "description")) && !(detail = str(ann, "summary")))
		detail = str(ann, "message");
	srw_jw_str(out, "alert_detail", detail);
	/* Grafana puts its dashboard link on the alert, Prometheus rules in an
	 * annotation; the rule's expression page is the fallback */
	if (!(url = str(ann, "dashboard_url")) && !(url = str(a, "dashboardURL")))
		url = str(a, "generatorURL");
	srw_jw_str(out, "dashboard_url", url);
	if (external && *external) {
		srw_jw_key(out, "silence_url");
		{
			srw_buf su;

			srw_buf_init(&su);
			silence_url(&su, external, labels);
			srw_buf_add_jstr(out, su.s, su.len);
			srw_buf_free(&su);
		}
	} else {
		srw_jw_str(out, "silence_url", str(a, "silenceURL"));
	}
	srw_jw_str(out, "source", "webhook");
	srw_jw_end(out);
	res->alerts++;
}

int
srw_am_rows(const char *body, size_t len, int64_t now_ms, srw_buf *out,
    srw_am_result *res, char *err, size_t errsz)
{
	json_t *doc, *alerts, *a;
	json_error_t je;
	const char *top, *external;
	size_t i;

	memset(res, 0, sizeof *res);
	if (!(doc = json_loadb(body, len, 0, &je))) {
		snprintf(err, errsz, "malformed JSON: line %d column %d: %s",
		    je.line, je.column, je.text);
		return -1;
	}
	alerts = json_object_get(doc, "alerts");
	if (!json_is_array(alerts)) {
		snprintf(err, errsz, "not an Alertmanager webhook payload: no \"alerts\" array");
		json_decref(doc);
		return -1;
	}
	json_array_foreach(alerts, i, a) {
		if (!json_is_object(a)) {
			snprintf(err, errsz, "not an Alertmanager webhook payload: "
			    "alerts[%zu] is not an object", i);
			json_decref(doc);
			return -1;
		}
	}
	top = json_string_value(json_object_get(doc, "status"));
	external = json_string_value(json_object_get(doc, "externalURL"));
	json_array_foreach(alerts, i, a)
		one_row(out, a, top, external, now_ms, res);
	json_decref(doc);
	return 0;
}
