/* webhook.c - any webhook: the message and the record it came from. */
#include <stdlib.h>

#include "notify.h"

static void
configure(dest *d, const char *arg)
{
	if (!arg && !(arg = getenv("NOTIFY_WEBHOOK_URL")))
		srw_die(SRW_EX_USAGE, "webhook: give --webhook URL or NOTIFY_WEBHOOK_URL");
	d->url = srw_xstrdup(arg);
}

static json_t *
body(const msg *m, const dest *d)
{
	json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", m->kind, "status", m->status,
	    "title", m->title, "key", m->key, "text", m->text.len ? m->text.s : "");

	(void)d;
	json_object_set_new(b, "severity", m->severity ? json_string(m->severity) : json_null());
	json_object_set(b, "record", m->rec);
	return b;
}

const destops webhook_ops = { "webhook", configure, body, NULL, NULL };
