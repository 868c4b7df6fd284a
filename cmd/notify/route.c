/* route.c - what notify reads, as one message (alert event, issue,
 * investigation, recommendation, anything else), and the routes that
 * choose its destinations. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "notify.h"

static const char *const names[ND] = { "pagerduty", "slack", "lark", "webhook" };

int
nf_dest_idx(const char *s, size_t n)
{
	int i;

	for (i = 0; i < ND; i++)
		if (strlen(names[i]) == n && strncmp(names[i], s, n) == 0)
			return i;
	return -1;
}

/* "severity=critical,team=~db.*:pagerduty,slack" or "*:slack" */
void
nf_add_route(nf *n, const char *arg)
{
	const char *colon = strrchr(arg, ':'), *p;
	route r;
	char *ms;
	char **parts;
	size_t np, i;

	memset(&r, 0, sizeof r);
	if (!colon)
		srw_die(SRW_EX_USAGE, "--route %s: expected MATCHERS:DEST", arg);
	for (p = colon + 1; *p;) {
		size_t l = strcspn(p, ",");
		int d = nf_dest_idx(p, l);

		if (d < 0)
			srw_die(SRW_EX_USAGE, "--route: unknown destination \"%.*s\"", (int)l, p);
		r.to[d] = true;
		n->D[d].on = true;
		p += l + (p[l] == ',');
	}
	ms = srw_xstrndup(arg, colon - arg);
	if (strcmp(ms, "*") != 0 && *ms) {
		parts = srw_split(ms, ',', &np);
		r.m = srw_xcalloc(np, sizeof *r.m);
		for (i = 0; i < np; i++) {
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
	n->routes = srw_xrealloc(n->routes, (n->nroutes + 1) * sizeof *n->routes);
	n->routes[n->nroutes++] = r;
}

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

void
nf_normalize(msg *m, json_t *rec)
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
		m->starts = jstr(rec, "startsAt");
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

void
nf_msg_free(msg *m)
{
	json_decref(m->fields);
	srw_buf_free(&m->text);
}

bool
nf_route_match(const route *r, const msg *m)
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
