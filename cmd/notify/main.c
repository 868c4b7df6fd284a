/* notify - what the suite produces (alert events, issues, investigation and
 * recommendation reports) to people: PagerDuty Events API v2, Slack incoming
 * webhooks, Lark custom bots (signed) and generic webhooks, with routing by
 * matchers, per-destination rate limits, retries and dedup. */
#include <getopt.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"

enum dtype { D_PAGERDUTY, D_SLACK, D_LARK, D_WEBHOOK, ND };
static const char *const dnames[ND] = { "pagerduty", "slack", "lark", "webhook" };

typedef struct dest {
	bool on;
	char *url;		/* secret for slack and lark (holds the token) */
	char *secret;		/* pagerduty routing key, lark signing secret */
	double rate_n;		/* token bucket: rate_n per rate_ms, 0 = unlimited */
	int64_t rate_ms;
	double tokens;
	int64_t refilled;
	unsigned long sent, failed, limited, dups;
} dest;

typedef struct matcher {
	char *k, *v;
	int op;			/* 0 =, 1 !=, 2 =~, 3 !~ */
	regex_t re;
} matcher;

typedef struct route {
	matcher *m;
	size_t nm;		/* 0: matches everything ("*") */
	bool to[ND];
} route;

typedef struct msg {
	const char *kind;
	bool resolved;
	const char *status;
	char title[512];
	const char *severity;
	char key[96];
	json_t *fields;		/* what routes match on: labels and top-level strings */
	json_t *rec;
	srw_buf text;
	const char *source, *link, *when;
} msg;

static dest D[ND];
static route *routes;
static size_t nroutes;
static bool dry_run, strict;
static int retries = 3;
static int64_t dedup_ms = 0;
static const char *reject_path;
static struct { uint64_t h; int64_t at; } *seen;
static size_t nseen, capseen;
static unsigned long unrouted;

enum { OPT_PAGERDUTY = SRW_OPT_LONG, OPT_SLACK, OPT_LARK, OPT_WEBHOOK, OPT_RATE,
	OPT_DEDUP, OPT_RETRIES, OPT_STRICT, OPT_REJECT };

static const char synopsis[] =
    "notify [--pagerduty] [--slack] [--lark] [--webhook URL]\n"
    "              [--route MATCHERS:DEST[,DEST]]... [--rate DEST=N/DUR]...\n"
    "              [--dedup DUR] [--retries N] [--dry-run] [--strict]\n"
    "              [--reject FILE] [-v] [FILE ...]";

static const srw_opt opts[] = {
	{ "pagerduty", OPT_PAGERDUTY, NULL, "send to PagerDuty (a route naming it does too)" },
	{ "slack", OPT_SLACK, NULL, "send to Slack" },
	{ "lark", OPT_LARK, NULL, "send to Lark" },
	{ "webhook", OPT_WEBHOOK, "URL", "send to a generic webhook at URL" },
	{ "route", 'r', "MATCHERS:DEST[,DEST]", "send matching records to DEST (repeatable)" },
	{ "rate", OPT_RATE, "DEST=N/DUR", "at most N messages per DUR to DEST" },
	{ "dedup", OPT_DEDUP, "DUR", "drop repeats within DUR (default off)" },
	{ "retries", OPT_RETRIES, "N", "retries per delivery, 0 to 20 (default 3)" },
	{ "dry-run", 'n', NULL, "print what would be sent, send nothing" },
	{ "strict", OPT_STRICT, NULL, "stop at the first bad line (exit 65)" },
	{ "reject", OPT_REJECT, "FILE", "keep bad lines in FILE" },
	{ "verbose", 'v', NULL, "per destination counts on stderr (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

/* ---- configuration ------------------------------------------------------ */

static char *
secret_from(const char *env, const char *file_env)
{
	const char *v = getenv(env), *f = getenv(file_env);
	char err[256], *s;

	if (v && *v)
		return srw_xstrdup(v);
	if (f && *f) {
		if (!(s = srw_read_secret_file(f, err, sizeof err)))
			srw_die(SRW_EX_USAGE, "%s: %s", file_env, err);
		return s;
	}
	return NULL;
}

static int
dest_idx(const char *s, size_t n)
{
	int i;

	for (i = 0; i < ND; i++)
		if (strlen(dnames[i]) == n && strncmp(dnames[i], s, n) == 0)
			return i;
	return -1;
}

/* "severity=critical,team=~db.*:pagerduty,slack" or "*:slack" */
static void
add_route(const char *arg)
{
	const char *colon = strrchr(arg, ':'), *p;
	route r;
	char *ms;
	char **parts;
	size_t n, i;

	memset(&r, 0, sizeof r);
	if (!colon)
		srw_die(SRW_EX_USAGE, "--route %s: expected MATCHERS:DEST", arg);
	for (p = colon + 1; *p;) {
		size_t l = strcspn(p, ",");
		int d = dest_idx(p, l);

		if (d < 0)
			srw_die(SRW_EX_USAGE, "--route: unknown destination \"%.*s\"", (int)l, p);
		r.to[d] = true;
		D[d].on = true;
		p += l + (p[l] == ',');
	}
	ms = srw_xstrndup(arg, colon - arg);
	if (strcmp(ms, "*") != 0 && *ms) {
		parts = srw_split(ms, ',', &n);
		r.m = srw_xcalloc(n, sizeof *r.m);
		for (i = 0; i < n; i++) {
			char *e = strpbrk(parts[i], "!=");
			matcher *m = &r.m[r.nm++];

			if (!e || e == parts[i])
				srw_die(SRW_EX_USAGE, "--route: bad matcher \"%s\"", parts[i]);
			m->k = srw_xstrndup(parts[i], e - parts[i]);
			if (e[0] == '!' && e[1] == '~') {
				m->op = 3;
				e += 2;
			} else if (e[0] == '!' && e[1] == '=') {
				m->op = 1;
				e += 2;
			} else if (e[0] == '=' && e[1] == '~') {
				m->op = 2;
				e += 2;
			} else if (e[0] == '=') {
				e += 1;
			} else {
				srw_die(SRW_EX_USAGE, "--route: bad matcher \"%s\"", parts[i]);
			}
			m->v = srw_xstrdup(e);
			if (m->op >= 2) {
				srw_buf re;

				srw_buf_init(&re);
				srw_buf_printf(&re, "^(%s)$", e);
				if (regcomp(&m->re, re.s, REG_EXTENDED | REG_NOSUB) != 0)
					srw_die(SRW_EX_USAGE, "--route: bad regular expression \"%s\"", e);
				srw_buf_free(&re);
			}
		}
		srw_strv_free(parts);
	}
	free(ms);
	routes = srw_xrealloc(routes, (nroutes + 1) * sizeof *routes);
	routes[nroutes++] = r;
}

static void
add_rate(const char *arg)
{
	const char *eq = strchr(arg, '='), *slash;
	int d;
	char *end;

	if (!eq || (d = dest_idx(arg, eq - arg)) < 0)
		srw_die(SRW_EX_USAGE, "--rate %s: expected DEST=N/DURATION", arg);
	D[d].rate_n = strtod(eq + 1, &end);
	slash = end;
	if (*slash != '/' || D[d].rate_n <= 0 ||
	    (D[d].rate_ms = srw_parse_duration_ms(slash + 1)) <= 0)
		srw_die(SRW_EX_USAGE, "--rate %s: expected DEST=N/DURATION", arg);
	D[d].tokens = D[d].rate_n;
}

static void
configure(const char *webhook)
{
	const char *pd = srw_env("PAGERDUTY_BASE_URL", "https://events.pagerduty.com");
	srw_buf b;

	srw_buf_init(&b);
	srw_buf_printf(&b, "%s/v2/enqueue", pd);
	D[D_PAGERDUTY].url = b.s;
	if (D[D_PAGERDUTY].on && !(D[D_PAGERDUTY].secret =
	    secret_from("PAGERDUTY_ROUTING_KEY", "PAGERDUTY_ROUTING_KEY_FILE")))
		srw_die(SRW_EX_USAGE, "pagerduty: set PAGERDUTY_ROUTING_KEY or PAGERDUTY_ROUTING_KEY_FILE");
	if (D[D_SLACK].on && !(D[D_SLACK].url =
	    secret_from("SLACK_WEBHOOK_URL", "SLACK_WEBHOOK_URL_FILE")))
		srw_die(SRW_EX_USAGE, "slack: set SLACK_WEBHOOK_URL or SLACK_WEBHOOK_URL_FILE");
	if (D[D_LARK].on) {
		char *tok;

		if (!(D[D_LARK].url = secret_from("LARK_BOT_WEBHOOK", "LARK_BOT_WEBHOOK_FILE"))) {
			if (!(tok = secret_from("LARK_BOT_TOKEN", "LARK_BOT_TOKEN_FILE")))
				srw_die(SRW_EX_USAGE, "lark: set LARK_BOT_WEBHOOK or LARK_BOT_TOKEN");
			srw_buf_init(&b);
			srw_buf_printf(&b, "%s/open-apis/bot/v2/hook/%s",
			    srw_env("LARK_BASE_URL", "https://open.larksuite.com"), tok);
			D[D_LARK].url = b.s;
			free(tok);
		}
		D[D_LARK].secret = secret_from("LARK_BOT_SECRET", "LARK_BOT_SECRET_FILE");
	}
	if (D[D_WEBHOOK].on) {
		if (!webhook && !(webhook = getenv("NOTIFY_WEBHOOK_URL")))
			srw_die(SRW_EX_USAGE, "webhook: give --webhook URL or NOTIFY_WEBHOOK_URL");
		D[D_WEBHOOK].url = srw_xstrdup(webhook);
	}
}

/* ---- reading what to send ----------------------------------------------- */

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = srw_json_str(o, k);

	return s && *s ? s : NULL;
}

static const char *
first_of(const json_t *o, const char *const *keys)
{
	const char *s;

	for (; *keys; keys++)
		if ((s = jstr(o, *keys)))
			return s;
	return NULL;
}

static void
key_hash(msg *m, const char *prefix, const json_t *j)
{
	char *d = srw_json_dumps(j), hex[65];

	srw_sha256_hex(d, strlen(d), hex);
	snprintf(m->key, sizeof m->key, "%s%.40s", prefix, hex);
	free(d);
}

static void
add_text(msg *m, const char *label, const char *v)
{
	size_t room;

	if (!v || !*v || m->text.len > 2800)
		return;
	room = 2800 - m->text.len;
	if (label)
		srw_buf_printf(&m->text, "*%s*: ", label);
	srw_buf_printf(&m->text, "%.*s\n", (int)(strlen(v) < room ? strlen(v) : room), v);
}

/* fields = labels (if any) + the record's top-level strings */
static json_t *
route_fields(const json_t *rec, const json_t *labels)
{
	json_t *f = json_object(), *v;
	const char *k;

	json_object_foreach((json_t *)rec, k, v)
		if (json_is_string(v))
			json_object_set(f, k, v);
	if (labels)
		json_object_foreach((json_t *)labels, k, v)
			if (json_is_string(v))
				json_object_set(f, k, v);
	return f;
}

static void
normalize(msg *m, json_t *rec)
{
	json_t *labels = json_object_get(rec, "labels"), *ann = json_object_get(rec, "annotations");
	static const char *const src_keys[] = { "instance", "cluster_id", "host", "cluster_name", NULL };
	static const char *const title_keys[] = { "title", "summary", "alert_name", "name", "message", NULL };
	const char *s;
	json_t *v;
	const char *k;

	memset(m, 0, sizeof *m);
	srw_buf_init(&m->text);
	m->rec = rec;
	m->status = "firing";
	if (json_is_object(labels) && (jstr(rec, "status") || jstr(rec, "startsAt"))) {
		m->kind = "alert";
		m->status = jstr(rec, "status") ? jstr(rec, "status") : "firing";
		m->resolved = strcasecmp(m->status, "resolved") == 0;
		s = ann ? first_of(ann, (const char *const[]){ "summary", "title", NULL }) : NULL;
		snprintf(m->title, sizeof m->title, "%s", s ? s : jstr(labels, "alertname") ?
		    jstr(labels, "alertname") : "alert");
		m->severity = jstr(labels, "severity");
		if (jstr(rec, "fingerprint"))
			snprintf(m->key, sizeof m->key, "%s", jstr(rec, "fingerprint"));
		else
			key_hash(m, "", labels);
		if (ann)
			add_text(m, NULL, first_of(ann, (const char *const[]){ "description", "message", NULL }));
		json_object_foreach(labels, k, v)
			if (json_is_string(v))
				add_text(m, k, json_string_value(v));
		m->source = first_of(labels, src_keys);
		m->fields = route_fields(rec, labels);
		m->link = jstr(rec, "generatorURL");
		m->when = jstr(rec, m->resolved ? "endsAt" : "startsAt");
		return;
	}
	m->fields = route_fields(rec, json_is_object(labels) ? labels : NULL);
	m->severity = jstr(rec, "severity");
	m->source = first_of(rec, src_keys);
	m->link = first_of(rec, (const char *const[]){ "url", "dashboard_url", "link", NULL });
	s = first_of(rec, title_keys);
	if (jstr(rec, "issue_id")) {
		m->kind = "issue";
		snprintf(m->key, sizeof m->key, "issue-%.80s", jstr(rec, "issue_id"));
		snprintf(m->title, sizeof m->title, "Issue %s: %s", jstr(rec, "issue_id"), s ? s : "");
	} else if (jstr(rec, "task_id")) {
		m->kind = "investigation";
		snprintf(m->key, sizeof m->key, "task-%.80s", jstr(rec, "task_id"));
		snprintf(m->title, sizeof m->title, "Investigation of %s: %s",
		    m->source ? m->source : jstr(rec, "task_id"), s ? s : "report");
	} else if (jstr(rec, "recommendation")) {
		m->kind = "recommendation";
		key_hash(m, "rec-", rec);
		snprintf(m->title, sizeof m->title, "Recommendation: %s", s ? s : "");
	} else {
		m->kind = "event";
		key_hash(m, "ev-", rec);
		snprintf(m->title, sizeof m->title, "%s", s ? s : "srwatch event");
	}
	if ((s = jstr(rec, "status")) && (strcasecmp(s, "resolved") == 0 || strcasecmp(s, "closed") == 0)) {
		m->resolved = true;
		m->status = "resolved";
	}
	add_text(m, NULL, first_of(rec, (const char *const[]){ "description", "summary", "detail", NULL }));
	add_text(m, "Root cause", jstr(rec, "root_cause"));
	add_text(m, "Findings", jstr(rec, "findings"));
	add_text(m, "Recommendation", jstr(rec, "recommendation"));
	add_text(m, "Report", jstr(rec, "report"));
	json_object_set_new(m->fields, "kind", json_string(m->kind));
}

static bool
route_match(const route *r, const msg *m)
{
	size_t i;

	for (i = 0; i < r->nm; i++) {
		const matcher *x = &r->m[i];
		const char *v = jstr(m->fields, x->k);
		bool eq;

		if (!v && strcmp(x->k, "kind") == 0)
			v = m->kind;
		if (!v && strcmp(x->k, "status") == 0)
			v = m->status;
		if (!v)
			v = "";
		eq = x->op < 2 ? strcmp(v, x->v) == 0 : regexec(&x->re, v, 0, NULL, 0) == 0;
		if (eq == (x->op == 1 || x->op == 3))
			return false;
	}
	return true;
}

/* ---- payloads ------------------------------------------------------------- */

static const char *
pd_severity(const char *s)
{
	if (!s)
		return "warning";
	if (strcasecmp(s, "critical") == 0 || strcasecmp(s, "p0") == 0 || strcasecmp(s, "p1") == 0)
		return "critical";
	if (strcasecmp(s, "error") == 0 || strcasecmp(s, "major") == 0 || strcasecmp(s, "high") == 0)
		return "error";
	if (strcasecmp(s, "info") == 0 || strcasecmp(s, "low") == 0 || strcasecmp(s, "none") == 0)
		return "info";
	return "warning";
}

static json_t *
pagerduty_body(const msg *m, const dest *d)
{
	json_t *b = json_object(), *p;
	char summary[1025];

	json_object_set_new(b, "routing_key", json_string(d->secret));
	json_object_set_new(b, "event_action", json_string(m->resolved ? "resolve" : "trigger"));
	json_object_set_new(b, "dedup_key", json_string(m->key));
	if (m->resolved)
		return b;
	snprintf(summary, sizeof summary, "%s", m->title);
	p = json_pack("{s:s, s:s, s:s, s:s}", "summary", summary, "source",
	    m->source ? m->source : "srwatch", "severity", pd_severity(m->severity),
	    "class", m->kind);
	if (m->when)
		json_object_set_new(p, "timestamp", json_string(m->when));
	json_object_set(p, "custom_details", m->fields);
	json_object_set_new(b, "payload", p);
	json_object_set_new(b, "client", json_string("srwatch"));
	if (m->link)
		json_object_set_new(b, "links", json_pack("[{s:s, s:s}]", "href", m->link,
		    "text", "details"));
	return b;
}

static json_t *
slack_body(const msg *m)
{
	char head[151], ctx[256];

	/* Slack caps header text at 150 characters */
	snprintf(head, sizeof head, "[%s] %.138s", m->resolved ? "RESOLVED" : "FIRING", m->title);
	snprintf(ctx, sizeof ctx, "%s | severity %s | %s", m->kind,
	    m->severity ? m->severity : "-", m->key);
	return json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}, {s:s, s:{s:s, s:s}}, {s:s, s:[{s:s, s:s}]}]}",
	    "text", head,
	    "blocks",
	    "type", "header", "text", "type", "plain_text", "text", head,
	    "type", "section", "text", "type", "mrkdwn", "text", m->text.len ? m->text.s : m->title,
	    "type", "context", "elements", "type", "mrkdwn", "text", ctx);
}

static json_t *
lark_body(const msg *m, const dest *d)
{
	const char *tmpl = m->resolved ? "green" : m->severity &&
	    strcasecmp(m->severity, "critical") == 0 ? "red" : "orange";
	char head[300], note[256];
	json_t *b;

	snprintf(head, sizeof head, "[%s] %.280s", m->resolved ? "RESOLVED" : "FIRING", m->title);
	snprintf(note, sizeof note, "%s | severity %s | %s", m->kind,
	    m->severity ? m->severity : "-", m->key);
	b = json_pack("{s:s, s:{s:{s:b}, s:{s:s, s:{s:s, s:s}}, s:[{s:s, s:{s:s, s:s}}, {s:s, s:[{s:s, s:s}]}]}}",
	    "msg_type", "interactive",
	    "card",
	    "config", "wide_screen_mode", 1,
	    "header", "template", tmpl, "title", "tag", "plain_text", "content", head,
	    "elements",
	    "tag", "div", "text", "tag", "lark_md", "content", m->text.len ? m->text.s : m->title,
	    "tag", "note", "elements", "tag", "plain_text", "content", note);
	if (d->secret) {
		int64_t ts = srw_now_ms() / 1000;
		char sig[128], tsb[32];

		snprintf(tsb, sizeof tsb, "%lld", (long long)ts);
		json_object_set_new(b, "timestamp", json_string(tsb));
		json_object_set_new(b, "sign", json_string(srw_lark_bot_sign(ts, d->secret, sig, sizeof sig)));
	}
	return b;
}

static json_t *
webhook_body(const msg *m)
{
	json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", m->kind, "status", m->status,
	    "title", m->title, "key", m->key, "text", m->text.len ? m->text.s : "");

	json_object_set_new(b, "severity", m->severity ? json_string(m->severity) : json_null());
	json_object_set(b, "record", m->rec);
	return b;
}

/* ---- sending ------------------------------------------------------------------ */

/* The URL as it may be shown: scheme and host only (paths hold tokens). */
static void
url_shown(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://");
	size_t l = p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?") : strlen(url);

	snprintf(out, n, "%.*s/<redacted>", (int)l, url);
}

static bool
dedup_hit(int d, const msg *m)
{
	uint64_t h = SRW_HASH_SEED;
	const char *parts[3] = { dnames[d], m->key, m->status };
	int64_t now = srw_now_ms();
	size_t i;

	if (dedup_ms <= 0)
		return false;
	for (i = 0; i < 3; i++)
		h = srw_hash64("\xff", 1, srw_hash64(parts[i], strlen(parts[i]), h));
	for (i = 0; i < nseen; i++)
		if (seen[i].h == h) {
			if (now - seen[i].at < dedup_ms)
				return true;
			seen[i].at = now;
			return false;
		}
	if (nseen == capseen)
		seen = srw_xrealloc(seen, (capseen = capseen * 2 + 64) * sizeof *seen);
	seen[nseen].h = h;
	seen[nseen++].at = now;
	return false;
}

static bool
rate_ok(dest *d)
{
	int64_t now = srw_now_ms();

	if (d->rate_n <= 0)
		return true;
	if (d->refilled)
		d->tokens += (now - d->refilled) * d->rate_n / d->rate_ms;
	if (d->tokens > d->rate_n)
		d->tokens = d->rate_n;
	d->refilled = now;
	if (d->tokens < 1)
		return false;
	d->tokens -= 1;
	return true;
}

static void
report(int d, const msg *m, const char *status, long http, int attempts)
{
	srw_buf b;

	srw_buf_init(&b);
	srw_jw_begin(&b);
	srw_jw_str(&b, "destination", dnames[d]);
	srw_jw_str(&b, "kind", m->kind);
	srw_jw_str(&b, "key", m->key);
	srw_jw_str(&b, "event", m->resolved ? "resolved" : "firing");
	srw_jw_str(&b, "status", status);
	if (http)
		srw_jw_int(&b, "http_status", http);
	if (attempts)
		srw_jw_int(&b, "attempts", attempts);
	srw_jw_end(&b);
	fwrite(b.s, 1, b.len, stdout);
	srw_buf_free(&b);
}

static void
send_to(int d, const msg *m)
{
	dest *ds = &D[d];
	json_t *body = d == D_PAGERDUTY ? pagerduty_body(m, ds) : d == D_SLACK ? slack_body(m) :
	    d == D_LARK ? lark_body(m, ds) : webhook_body(m);
	static const char *const hdr[] = { "Content-Type: application/json; charset=utf-8", NULL };
	srw_http_req rq = { 0 };
	srw_http_resp rs = { 0 };
	char shown[256], *txt;
	bool ok;

	if (dedup_hit(d, m)) {
		ds->dups++;
		report(d, m, "deduplicated", 0, 0);
		json_decref(body);
		return;
	}
	if (!rate_ok(ds)) {
		ds->limited++;
		srw_warn("%s: rate limit reached, %s %s not sent", dnames[d], m->kind, m->key);
		report(d, m, "rate_limited", 0, 0);
		json_decref(body);
		return;
	}
	url_shown(ds->url, shown, sizeof shown);
	if (dry_run) {
		/* what would be sent, with the secrets left out */
		json_t *o;

		if (d == D_PAGERDUTY)
			json_object_set_new(body, "routing_key", json_string("<redacted>"));
		if (json_object_get(body, "sign"))
			json_object_set_new(body, "sign", json_string("<redacted>"));
		o = json_pack("{s:s, s:s, s:s, s:O}", "destination", dnames[d], "method", "POST",
		    "url", shown, "body", body);
		srw_json_print(stdout, o);
		json_decref(o);
		json_decref(body);
		ds->sent++;
		return;
	}
	txt = srw_json_dumps(body);
	rq.method = "POST";
	rq.url = ds->url;
	rq.headers = hdr;
	rq.body = txt;
	rq.body_len = strlen(txt);
	rq.timeout_ms = 15000;
	rq.max_retries = retries > 0 ? retries : -1;
	ok = srw_http_do(&rq, &rs) == 0 && rs.status / 100 == 2;
	if (ok && d == D_LARK) {
		/* Lark answers 200 with an error code in the body */
		json_t *r = srw_json_loadb(rs.body ? rs.body : "", rs.len, NULL, 0);
		double code = 0;

		if (!r || (srw_json_num(r, "code", &code) && code != 0)) {
			srw_warn("lark: refused: %s", r && srw_json_str(r, "msg") ? srw_json_str(r, "msg") : "bad response");
			ok = false;
		}
		json_decref(r);
	}
	if (ok) {
		ds->sent++;
		report(d, m, "sent", rs.status, rs.attempts);
	} else {
		ds->failed++;
		if (rs.status)
			srw_warn("%s (%s): HTTP %ld after %d attempt%s", dnames[d], shown, rs.status,
			    rs.attempts, rs.attempts == 1 ? "" : "s");
		else
			srw_warn("%s (%s): %s", dnames[d], shown, rs.err);
		report(d, m, "failed", rs.status, rs.attempts);
	}
	srw_http_resp_free(&rs);
	free(txt);
	json_decref(body);
}

static void
dispatch(json_t *rec)
{
	msg m;
	size_t i;
	int d;
	bool any = false;

	normalize(&m, rec);
	for (i = 0; i < nroutes && !any; i++) {
		if (!route_match(&routes[i], &m))
			continue;
		any = true;
		for (d = 0; d < ND; d++)
			if (routes[i].to[d])
				send_to(d, &m);
	}
	if (!nroutes)
		for (d = 0; d < ND; d++)
			if (D[d].on) {
				any = true;
				send_to(d, &m);
			}
	if (!any) {
		unrouted++;
		srw_info("no route for %s %s", m.kind, m.key);
	}
	json_decref(m.fields);
	srw_buf_free(&m.text);
}

static int
on_rec(srw_val *v, const srw_line *ln, void *ctx)
{
	json_t *rec = srw_val_to_json(v), *alerts = json_object_get(rec, "alerts");
	size_t i;
	json_t *a;

	(void)ctx;
	if (json_is_array(alerts)) {
		/* an Alertmanager webhook payload: each alert on its own */
		json_array_foreach(alerts, i, a)
			if (json_is_object(a))
				dispatch(a);
	} else if (json_object_size(rec) == 0) {
		json_decref(rec);
		srw_ndjson_reject(ln, "empty object");
		return SRW_NDJSON_REJECT;
	} else {
		dispatch(rec);
	}
	json_decref(rec);
	fflush(stdout);
	return SRW_NDJSON_OK;
}

int
main(int argc, char *argv[])
{
	const char *webhook = NULL;
	srw_ndjson_opts no = { 0 };
	int c, d, status = SRW_EX_OK;
	char **rargs = NULL;
	size_t nr = 0, i;

	srw_init("notify", argc, argv);
	srw_opt_begin(synopsis, opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case OPT_PAGERDUTY: D[D_PAGERDUTY].on = true; break;
		case OPT_SLACK: D[D_SLACK].on = true; break;
		case OPT_LARK: D[D_LARK].on = true; break;
		case OPT_WEBHOOK: D[D_WEBHOOK].on = true; webhook = optarg; break;
		case 'r':
			rargs = srw_xrealloc(rargs, (nr + 1) * sizeof *rargs);
			rargs[nr++] = optarg;
			break;
		case OPT_RATE: add_rate(optarg); break;
		case OPT_DEDUP: dedup_ms = srw_opt_duration(optarg, 0, INT64_MAX, "--dedup"); break;
		case OPT_RETRIES: retries = (int)srw_opt_num(optarg, 0, 20, "--retries"); break;
		case 'n': dry_run = true; break;
		case OPT_STRICT: strict = true; break;
		case OPT_REJECT: reject_path = optarg; break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	for (i = 0; i < nr; i++)
		add_route(rargs[i]);
	free(rargs);
	for (d = 0; d < ND && !D[d].on; d++)
		;
	if (d == ND)
		srw_opt_error("no destination: give --pagerduty, --slack, --lark, --webhook or --route");
	configure(webhook);
	no.strict = strict;
	no.reject_path = reject_path;
	srw_ndjson_setup(&no);
	srw_ndjson_files(argc - optind, argv + optind, on_rec, NULL);
	for (d = 0; d < ND; d++) {
		if (!D[d].on)
			continue;
		srw_info("%s: %lu sent, %lu failed, %lu deduplicated, %lu rate-limited",
		    dnames[d], D[d].sent, D[d].failed, D[d].dups, D[d].limited);
		if (D[d].failed)
			status = SRW_EX_UNAVAILABLE;
	}
	if (status == SRW_EX_OK && srw_ndjson_reject_count())
		status = SRW_EX_REJECTED;
	return srw_finish(status);
}
