/* pagerduty.c - PagerDuty Events API v2: trigger and resolve by dedup_key. */
#include <strings.h>
#include <string.h>

#include "notify.h"

static void
configure(dest *d, const char *arg)
{
	srw_buf b;

	(void)arg;
	srw_buf_init(&b);
	srw_buf_printf(&b, "%s/v2/enqueue", srw_env("PAGERDUTY_BASE_URL", "https://events.pagerduty.com"));
	d->url = b.s;
	if (!(d->secret = nf_secret_from("PAGERDUTY_ROUTING_KEY", "PAGERDUTY_ROUTING_KEY_FILE")))
		srw_die(SRW_EX_USAGE, "pagerduty: set PAGERDUTY_ROUTING_KEY or PAGERDUTY_ROUTING_KEY_FILE");
}

static const char *
severity(const char *s)
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
body(const msg *m, const dest *d)
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
	    m->source ? m->source : "srwatch", "severity", severity(m->severity),
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

static void
redact(json_t *b)
{
	json_object_set_new(b, "routing_key", json_string("<redacted>"));
}

const destops pagerduty_ops = { "pagerduty", configure, body, NULL, redact };
