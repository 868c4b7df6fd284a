/* deliver.c - one message to its destinations: dedup, rate limit, then
 * HTTP attempts with backoff, each one in the notification log; an event
 * still undelivered after --retries waits in the outbox (and so does every
 * later event for that destination, to keep them in order), sent first by
 * the next run. */
#include <stdlib.h>
#include <string.h>

#include "notify.h"

char *
nf_secret_from(const char *env, const char *file_env)
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

uint64_t
nf_seen_hash(const char *dest, const char *key, const char *status)
{
	uint64_t h = SRW_HASH_SEED;
	const char *parts[3] = { dest, key, status };
	size_t i;

	for (i = 0; i < 3; i++)
		h = srw_hash64("\xff", 1, srw_hash64(parts[i], strlen(parts[i]), h));
	return h;
}

/* Was it sent within the --dedup window (by this run, or by an earlier one
 * as the notification log says)?  If not, it is now. */
bool
nf_seen(nf *n, uint64_t h, int64_t at)
{
	size_t i;

	for (i = 0; i < n->nseen; i++)
		if (n->seen[i].h == h) {
			if (at - n->seen[i].at < n->dedup_ms)
				return true;
			n->seen[i].at = at;
			return false;
		}
	if (n->nseen == n->capseen)
		n->seen = srw_xrealloc(n->seen, (n->capseen = n->capseen * 2 + 64) * sizeof *n->seen);
	n->seen[n->nseen].h = h;
	n->seen[n->nseen++].at = at;
	return false;
}

static bool
dedup_hit(nf *n, const char *dest, const msg *m)
{
	if (n->dedup_ms <= 0)
		return false;
	return nf_seen(n, nf_seen_hash(dest, m->key, m->status), srw_now_ms());
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

/* The event's key among all notify instances: destination, fingerprint,
 * status, the alert's start (a new firing is a new event) and the resend
 * slot (the --dedup window, a minute without), so that two instances
 * given the same event claim the same key. */
static void
claim_key(nf *n, const char *dest, const msg *m, char out[65])
{
	int64_t w = n->dedup_ms > 0 ? n->dedup_ms : 60000;
	srw_buf b;

	srw_buf_init(&b);
	srw_buf_printf(&b, "%s\x1f%s\x1f%s\x1f%s\x1f%lld", dest, m->key, m->status,
	    m->starts ? m->starts : "", (long long)(srw_now_ms() / w));
	srw_sha256_hex(b.s, b.len, out);
	srw_buf_free(&b);
}

static void
report(const char *dest, const msg *m, const char *status, long http, int attempts)
{
	srw_buf b;

	srw_buf_init(&b);
	srw_jw_begin(&b);
	srw_jw_str(&b, "destination", dest);
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
	fflush(stdout);
}

/* The URL as it may be shown: scheme and host only (paths hold tokens). */
static void
url_shown(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://");
	size_t l = p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?") : strlen(url);

	snprintf(out, n, "%.*s/<redacted>", (int)l, url);
}

static void
dry_run(dest *ds, json_t *body)
{
	char shown[256];
	json_t *o;

	url_shown(ds->url, shown, sizeof shown);
	if (ds->ops->redact)
		ds->ops->redact(body);
	o = json_pack("{s:s, s:s, s:s, s:O}", "destination", ds->ops->name, "method", "POST",
	    "url", shown, "body", body);
	srw_json_print(stdout, o);
	json_decref(o);
	json_decref(body);
	ds->sent++;
}

enum { OK, QUEUE, REJECTED };

/* Attempts before+1 .. before+retries+1, each logged.  OK delivered,
 * REJECTED refused for good (a 4xx, a Lark error code), QUEUE temporary. */
static int
attempts(nf *n, dest *ds, const msg *m, const char *claim, int before, int *tries, long *http)
{
	static const char *const hdr[] = { "Content-Type: application/json; charset=utf-8", NULL };
	json_t *body = ds->ops->body(m, ds);
	char *txt = srw_json_dumps(body), shown[256], why[300];
	srw_http_req rq = { 0 };
	int i, rc = QUEUE;

	url_shown(ds->url, shown, sizeof shown);
	rq.method = "POST";
	rq.url = ds->url;
	rq.headers = hdr;
	rq.body = txt;
	rq.body_len = strlen(txt);
	rq.timeout_ms = 15000;
	rq.max_retries = -1;	/* one try each: every attempt goes to the log */
	for (i = 0; i <= n->retries; i++) {
		srw_http_resp rs = { 0 };
		attempt a = { claim, before + i + 1, m, ds->ops->name, "sent", 0, NULL };
		bool sent = srw_http_do(&rq, &rs) == 0;
		long wait;

		*tries = i + 1;
		*http = a.http = rs.status;
		why[0] = 0;
		if (sent && rs.status / 100 == 2 && !(ds->ops->refused && ds->ops->refused(&rs, why, sizeof why))) {
			rc = OK;
		} else if (sent && ((rs.status / 100 == 4 && rs.status != 429) || rs.status / 100 == 2)) {
			rc = REJECTED;	/* sending it again would get the same answer */
			if (!why[0])
				snprintf(why, sizeof why, "%s (%s): HTTP %ld", ds->ops->name, shown, rs.status);
			srw_warn("%s", why);
		} else {
			snprintf(why, sizeof why, "%s", sent ? "HTTP error" : rs.err);
		}
		a.status = rc == OK ? "sent" : rc == REJECTED ? "failed" : i == n->retries ?
		    (n->outbox ? "queued" : "failed") : "error";
		a.error = rc == OK ? NULL : why;
		nf_log(n, &a);
		wait = sent ? srw_http_retry_after_ms(&rs) : -1;
		srw_http_resp_free(&rs);
		if (rc != QUEUE || i == n->retries)
			break;
		srw_sleep_ms(wait >= 0 && wait < 60000 ? wait : srw_backoff_ms(i, 500, 30000));
	}
	if (rc == QUEUE) {
		if (*http)
			srw_warn("%s (%s): HTTP %ld after %d attempt%s", ds->ops->name, shown, *http,
			    *tries, *tries == 1 ? "" : "s");
		else
			srw_warn("%s (%s): %s", ds->ops->name, shown, why);
	}
	free(txt);
	json_decref(body);
	return rc;
}

/* One event to one destination.  before: attempts made by earlier runs
 * (an outbox entry); claim: its key then, NULL for a new event. */
static int
deliver(nf *n, int d, const msg *m, const char *oclaim, int before, int *made)
{
	dest *ds = &n->D[d];
	char claim[65];
	long http = 0;
	int tries = 0, rc;

	*made = 0;
	if (oclaim)
		snprintf(claim, sizeof claim, "%s", oclaim);
	else
		claim_key(n, ds->ops->name, m, claim);
	if (ds->held) {
		/* behind events already waiting: in order, not before them */
		if (!oclaim)
			nf_outbox_add(n, claim, ds->ops->name, before, m->rec);
		ds->queued++;
		report(ds->ops->name, m, "queued", 0, 0);
		return QUEUE;
	}
	if (oclaim && nf_delivered(n, claim)) {
		report(ds->ops->name, m, "sent", 0, 0);	/* by the run that was killed */
		return OK;
	}
	if (!oclaim)
		nf_inflight(n, claim, ds->ops->name, m->rec);
	if (n->db && (rc = nf_claim(n, claim, m, ds->ops->name)) <= 0) {
		if (rc == 0) {
			ds->elsewhere++;
			report(ds->ops->name, m, "claimed", 0, 0);
			if (!oclaim)
				nf_inflight(n, NULL, NULL, NULL);
			return OK;	/* another notify has it */
		}
		/* the database is down: send anyway (at least once) */
	}
	rc = attempts(n, ds, m, claim, before, &tries, &http);
	*made = tries;
	if (rc == OK) {
		ds->sent++;
		report(ds->ops->name, m, "sent", http, tries);
	} else if (rc == QUEUE && n->outbox) {
		ds->held = true;
		ds->queued++;
		if (!oclaim)
			nf_outbox_add(n, claim, ds->ops->name, before + tries, m->rec);
		report(ds->ops->name, m, "queued", http, tries);
	} else {
		ds->failed++;
		report(ds->ops->name, m, "failed", http, tries);
	}
	if (!oclaim)
		nf_inflight(n, NULL, NULL, NULL);
	return rc;
}

static void
send_to(nf *n, int d, const msg *m)
{
	dest *ds = &n->D[d];
	int made;

	if (dedup_hit(n, ds->ops->name, m)) {
		ds->dups++;
		report(ds->ops->name, m, "deduplicated", 0, 0);
		return;
	}
	if (!rate_ok(ds)) {
		ds->limited++;
		srw_warn("%s: rate limit reached, %s %s not sent", ds->ops->name, m->kind, m->key);
		report(ds->ops->name, m, "rate_limited", 0, 0);
		return;
	}
	if (n->dry_run) {
		dry_run(ds, ds->ops->body(m, ds));
		return;
	}

	deliver(n, d, m, NULL, 0, &made);
}

void
nf_dispatch(nf *n, json_t *rec)
{
	msg m;
	size_t i;
	int d;
	bool any = false;

	nf_normalize(&m, rec);
	for (i = 0; i < n->nroutes && !any; i++) {
		if (!nf_route_match(&n->routes[i], &m))
			continue;
		any = true;
		for (d = 0; d < ND; d++)
			if (n->routes[i].to[d])
				send_to(n, d, &m);
	}
	if (!n->nroutes)
		for (d = 0; d < ND; d++)
			if (n->D[d].on) {
				any = true;
				send_to(n, d, &m);
			}
	if (!any) {
		n->unrouted++;
		srw_info("no route for %s %s", m.kind, m.key);
	}
	nf_msg_free(&m);
}

/* The outbox first, in order: an entry leaves it when delivered (or
 * refused for good); a destination still failing keeps its entries, and
 * the rest of the run queues behind them. */
void
nf_flush_outbox(nf *n)
{
	char path[4096], ipath[4096], err[512], chunk[65536];
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, kept = 0, done = 0, tried = 0, k;
	ssize_t len;
	srw_buf keep, all;
	bool inflight;

	if (!n->outbox)
		return;
	/* the event a killed run was sending goes first, then the outbox */
	snprintf(ipath, sizeof ipath, "%s/inflight.ndjson", n->outbox);
	snprintf(path, sizeof path, "%s/outbox.ndjson", n->outbox);
	srw_buf_init(&all);
	if ((fp = fopen(ipath, "r"))) {
		while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0)
			srw_buf_add(&all, chunk, k);
		fclose(fp);
	}
	inflight = all.len > 0;
	if ((fp = fopen(path, "r"))) {
		while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0)
			srw_buf_add(&all, chunk, k);
		fclose(fp);
	}
	if (!all.len || !(fp = fmemopen(all.s, all.len, "r"))) {
		srw_buf_free(&all);
		return;
	}
	n->trigger = n->flush_trigger;
	srw_buf_init(&keep);
	while ((len = getline(&line, &cap, fp)) > 0) {
		json_t *e = srw_json_loadb(line, (size_t)len, NULL, 0), *rec;
		const char *claim = srw_json_str(e, "claim"), *dn = srw_json_str(e, "destination");
		int d = dn ? nf_dest_idx(dn, strlen(dn)) : -1;
		double before = 0;
		int made;
		msg m;

		rec = json_object_get(e, "record");
		if (!e || !claim || d < 0 || !json_is_object(rec)) {
			srw_warn("%s: a bad entry is kept aside, not sent", path);
			srw_buf_add(&keep, line, (size_t)len);
			kept++;
			json_decref(e);
			continue;
		}
		if (!n->D[d].on) {
			/* not configured in this run: it waits for one that is */
			srw_buf_add(&keep, line, (size_t)len);
			kept++;
			json_decref(e);
			continue;
		}
		srw_json_num(e, "attempts", &before);
		nf_normalize(&m, rec);
		if (deliver(n, d, &m, claim, (int)before, &made) == QUEUE) {
			json_t *o = json_deep_copy(e);
			char *s;

			json_object_set_new(o, "attempts", json_integer((json_int_t)before + made));
			tried += made;
			s = srw_json_dumps(o);
			srw_buf_printf(&keep, "%s\n", s);
			free(s);
			json_decref(o);
			kept++;
			n->D[d].held = true;
		} else {
			done++;
		}
		nf_msg_free(&m);
		json_decref(e);
	}
	free(line);
	fclose(fp);
	if ((done || tried || inflight) &&
	    srw_file_replace(path, keep.s ? keep.s : "", keep.len, err, sizeof err) != 0)
		srw_die(SRW_EX_TEMPFAIL, "outbox: %s", err);
	if (inflight)
		nf_inflight(n, NULL, NULL, NULL);	/* settled, or in the outbox now */
	srw_buf_free(&all);
	n->trigger = n->run_trigger;
	if (done || kept)
		srw_info("outbox: %zu sent, %zu still waiting", done, kept);
	srw_buf_free(&keep);
}
