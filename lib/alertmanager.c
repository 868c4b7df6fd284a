/* alertmanager.c - an Alertmanager (or Grafana) webhook body, version 4,
 * turned into the alert rows of DESIGN.md (lark_alerts, source "webhook").
 *
 * The body is parsed as a srw_val (the fast parser), not with jansson:
 * webhookd runs this on every POST, and jansson took 8x longer on the
 * fixture payload (59 us against 7.6 us), most of webhookd's CPU under load.
 * What jansson checks and cJSON does not is checked here: the body must be
 * valid UTF-8 and have no \u0000 escapes.  jansson still writes the error
 * message (line and column) when the body is not JSON.
 *
 * A key given twice takes its last value, as Alertmanager's Go decoder does
 * (encoding/json keeps the last): a body whose first "alerts" is empty and
 * second is not is read as Alertmanager would.  Links are kept only when
 * they are http or https (srw_link_ok); the others are dropped and counted. */
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

/* Well-formed UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF), as JSON text must be; NUL bytes are refused too. */
static bool
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		unsigned cp;

		if (c >= 0x01 && c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3, cp = c & 0x07;
		else
			return false;
		if (i + k >= n)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += k + 1;
	}
	return true;
}

/* A \u0000 escape (an odd run of backslashes before "u0000"). */
static bool
has_nul_escape(const char *s, size_t n)
{
	const char *p = s, *end = s + n;

	while ((p = memchr(p, '\\', (size_t)(end - p)))) {
		const char *q = p;

		while (q < end && *q == '\\')
			q++;
		if ((q - p) % 2 == 1 && end - q >= 5 && strncasecmp(q, "u0000", 5) == 0)
			return true;
		p = q;
	}
	return false;
}

/* obj[key], the last one when the key repeats (srw_val_get finds the first). */
static srw_val *
get(const srw_val *obj, const char *key)
{
	srw_val *v, *found = NULL;

	if (srw_val_type(obj) != SRW_OBJ)
		return NULL;
	for (v = srw_val_first(obj); v; v = srw_val_next(v))
		if (strcmp(srw_val_key(v), key) == 0)
			found = v;
	return found;
}

static const char *
get_str(const srw_val *obj, const char *key)
{
	return srw_val_str(get(obj, key));
}

/* A string member that is present and not empty, else NULL. */
static const char *
str(const srw_val *obj, const char *key)
{
	const char *s = obj ? get_str(obj, key) : NULL;

	return s && *s ? s : NULL;
}

/* A link member that is an http(s) URL, else NULL (counted when dropped). */
static const char *
link(const srw_val *obj, const char *key, srw_am_result *res)
{
	const char *s = str(obj, key);

	if (s && !srw_link_ok(s)) {
		res->links_dropped++;
		return NULL;
	}
	return s;
}

/* A label as a string, "" when absent or not a string. */
static const char *
label(const srw_val *labels, const char *key)
{
	const char *s = labels ? get_str(labels, key) : NULL;

	return s ? s : "";
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
	return strcmp(srw_val_key(*(srw_val *const *)a), srw_val_key(*(srw_val *const *)b));
}

/* EXTERNAL/#/silences/new?filter={a="x", b="y"} as Alertmanager's UI wants
 * it: every label of the alert, sorted by name, the matcher set URL-encoded. */
static void
silence_url(srw_buf *out, const char *external, const srw_val *labels)
{
	srw_val **kv, *v;
	size_t n = 0, i, el = strlen(external);
	srw_buf f;

	for (v = labels ? srw_val_first(labels) : NULL; v; v = srw_val_next(v))
		n++;
	kv = srw_xcalloc(n + 1, sizeof *kv);
	n = 0;
	for (v = labels ? srw_val_first(labels) : NULL; v; v = srw_val_next(v))
		if (srw_val_str(v) && get(labels, srw_val_key(v)) == v)	/* last of a key */
			kv[n++] = v;
	qsort(kv, n, sizeof *kv, cmpkey);
	srw_buf_init(&f);
	srw_buf_addc(&f, '{');
	for (i = 0; i < n; i++) {
		const char *s = srw_val_str(kv[i]);

		if (i)
			srw_buf_adds(&f, ", ");
		srw_buf_adds(&f, srw_val_key(kv[i]));
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
	free(kv);
}

static void
one_row(srw_buf *out, const srw_val *a, const char *top_status,
    const char *external, int64_t now_ms, srw_am_result *res)
{
	const srw_val *labels = get(a, "labels");
	const srw_val *ann = get(a, "annotations");
	const char *status, *starts, *name, *cid, *url, *detail;
	bool resolved;
	char id[68], when[20];

	if (srw_val_type(labels) != SRW_OBJ)
		labels = NULL;
	if (srw_val_type(ann) != SRW_OBJ)
		ann = NULL;
	if (!(status = get_str(a, "status")))
		status = top_status ? top_status : "";
	starts = get_str(a, "startsAt");
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
	if (!(url = link(ann, "dashboard_url", res)) && !(url = link(a, "dashboardURL", res)))
		url = link(a, "generatorURL", res);
	srw_jw_str(out, "dashboard_url", url);
	if (external && *external && !srw_link_ok(external)) {
		res->links_dropped++;
		srw_jw_str(out, "silence_url", NULL);
	} else if (external && *external) {
		srw_buf su;

		srw_buf_init(&su);
		silence_url(&su, external, labels);
		srw_jw_strn(out, "silence_url", su.s, su.len);
		srw_buf_free(&su);
	} else {
		srw_jw_str(out, "silence_url", link(a, "silenceURL", res));
	}
	srw_jw_str(out, "source", "webhook");
	srw_jw_end(out);
	res->alerts++;
}

static int
bad_json(const char *body, size_t len, char *err, size_t errsz)
{
	json_error_t je;
	json_t *j = json_loadb(body, len, 0, &je);

	if (j) {	/* the parsers disagree: say it plainly */
		json_decref(j);
		snprintf(err, errsz, "malformed JSON");
	} else {
		snprintf(err, errsz, "malformed JSON: line %d column %d: %s",
		    je.line, je.column, je.text);
	}
	return -1;
}

int
srw_am_rows(const char *body, size_t len, int64_t now_ms, srw_buf *out,
    srw_am_result *res, char *err, size_t errsz)
{
	srw_val *doc, *alerts, *a;
	const char *top, *external;
	size_t i = 0;

	memset(res, 0, sizeof *res);
	if (!utf8_ok((const unsigned char *)body, len)) {
		snprintf(err, errsz, "malformed JSON: not UTF-8 text");
		return -1;
	}
	if (has_nul_escape(body, len)) {
		snprintf(err, errsz, "malformed JSON: \\u0000 in a string");
		return -1;
	}
	if (!(doc = srw_val_parse(body, len)))
		return bad_json(body, len, err, errsz);
	alerts = get(doc, "alerts");
	if (srw_val_type(doc) != SRW_OBJ || srw_val_type(alerts) != SRW_ARR) {
		snprintf(err, errsz, "not an Alertmanager webhook payload: no \"alerts\" array");
		srw_val_free(doc);
		return -1;
	}
	for (a = srw_val_first(alerts); a; a = srw_val_next(a), i++) {
		if (srw_val_type(a) != SRW_OBJ) {
			snprintf(err, errsz, "not an Alertmanager webhook payload: "
			    "alerts[%zu] is not an object", i);
			srw_val_free(doc);
			return -1;
		}
	}
	top = get_str(doc, "status");
	external = get_str(doc, "externalURL");
	for (a = srw_val_first(alerts); a; a = srw_val_next(a))
		one_row(out, a, top, external, now_ms, res);
	srw_val_free(doc);
	return 0;
}
