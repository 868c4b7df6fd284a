/* slack.c - Slack incoming webhooks: a header, the text, a context line. */
#include "notify.h"

static void
configure(dest *d, const char *arg)
{
	(void)arg;
	if (!(d->url = nf_secret_from("SLACK_WEBHOOK_URL", "SLACK_WEBHOOK_URL_FILE")))
		srw_die(SRW_EX_USAGE, "slack: set SLACK_WEBHOOK_URL or SLACK_WEBHOOK_URL_FILE");
}

static json_t *
body(const msg *m, const dest *d)
{
	char head[151], ctx[256];

	(void)d;
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

const destops slack_ops = { "slack", configure, body, NULL, NULL };
