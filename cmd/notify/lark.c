/* lark.c - Lark custom bots: an interactive card, signed when the bot has
 * a signing secret; Lark answers 200 with an error code in the body. */
#include <stdlib.h>
#include <strings.h>

#include "notify.h"

static void
configure(dest *d, const char *arg)
{
	char *tok;
	srw_buf b;

	(void)arg;
	if (!(d->url = nf_secret_from("LARK_BOT_WEBHOOK", "LARK_BOT_WEBHOOK_FILE"))) {
		if (!(tok = nf_secret_from("LARK_BOT_TOKEN", "LARK_BOT_TOKEN_FILE")))
			srw_die(SRW_EX_USAGE, "lark: set LARK_BOT_WEBHOOK or LARK_BOT_TOKEN");
		srw_buf_init(&b);
		srw_buf_printf(&b, "%s/open-apis/bot/v2/hook/%s",
		    srw_env("LARK_BASE_URL", "https://open.larksuite.com"), tok);
		d->url = b.s;
		free(tok);
	}
	d->secret = nf_secret_from("LARK_BOT_SECRET", "LARK_BOT_SECRET_FILE");
}

static json_t *
body(const msg *m, const dest *d)
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

static bool
refused(const srw_http_resp *rs, char *why, size_t whysz)
{
	json_t *r = srw_json_loadb(rs->body ? rs->body : "", rs->len, NULL, 0);
	double code = 0;
	bool bad = !r || (srw_json_num(r, "code", &code) && code != 0);

	if (bad)
		snprintf(why, whysz, "lark: refused: %s", r && srw_json_str(r, "msg") ?
		    srw_json_str(r, "msg") : "bad response");
	json_decref(r);
	return bad;
}

static void
redact(json_t *b)
{
	if (json_object_get(b, "sign"))
		json_object_set_new(b, "sign", json_string("<redacted>"));
}

const destops lark_ops = { "lark", configure, body, refused, redact };
