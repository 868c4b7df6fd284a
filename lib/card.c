/* card.c - Lark alert cards into alert rows (DESIGN.md, "Alert row";
 * t/fixtures/README.md for the two card styles).
 *
 * A card arrives in Lark's simplified form: {"title", "elements": [[node,
 * ...], ...]}, one inner array per line.  Each line's text and link runs are
 * joined, split at newlines (Grafana's template is one run with newlines),
 * and read one by one:
 *   - "Firing" / "Resolved" opens a status group and ends the section;
 *   - an hr ends the section;
 *   - "Key: value" (or "- key = value", full-width colon too) sets a field of
 *     the current section; a key the section already has starts a new one,
 *     so sections without separators still split;
 *   - links named Dashboard / Silence (or "Dashboard: http…") set the URLs.
 * All Firing sections make one row ("-f"), all Resolved ones another ("-r"),
 * fields '|'-joined in section order; sections without an alert name are
 * dropped.  With SRW_CARD_EXPLODE every section is a row of its own.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"

enum { F_CLUSTER_NAME, F_REGION, F_ACCOUNT, F_CLUSTER_ID, F_ALERT_NAME,
    F_DETAIL, F_DASHBOARD, F_SILENCE, NFIELD };

static const char *const field_name[NFIELD] = {
	"cluster_name", "region", "account_name", "cluster_id", "alert_name",
	"alert_detail", "dashboard_url", "silence_url",
};

/* Keys as they appear on cards, lowercased with spaces, '_' and '-' removed. */
static const struct { const char *key; int field; } keymap[] = {
	{ "alertname", F_ALERT_NAME },
	{ "clustername", F_CLUSTER_NAME },
	{ "clusterid", F_CLUSTER_ID },
	{ "accountname", F_ACCOUNT },
	{ "region", F_REGION },
	{ "detail", F_DETAIL },
	{ "description", F_DETAIL },
	{ "dashboard", F_DASHBOARD },
	{ "dashboardurl", F_DASHBOARD },
	{ "silence", F_SILENCE },
	{ "silenceurl", F_SILENCE },
};

enum { ST_NONE = -1, ST_FIRING = 0, ST_RESOLVED = 1 };

struct sec {
	int status;
	unsigned have;		/* bit per field */
	size_t off[NFIELD], len[NFIELD];	/* into arena */
};

struct srw_card {
	srw_buf arena;		/* field values of this message */
	srw_buf line;		/* one element line's joined text */
	struct sec *secs;
	size_t nsecs, cap;
	int status;		/* current status group */
	long cur;		/* current section, -1 none */
	unsigned long cards, rows, links_dropped;
};

srw_card *
srw_card_new(void)
{
	srw_card *c = srw_xcalloc(1, sizeof *c);

	srw_buf_init(&c->arena);
	srw_buf_init(&c->line);
	return c;
}

void
srw_card_free(srw_card *c)
{
	if (!c)
		return;
	srw_buf_free(&c->arena);
	srw_buf_free(&c->line);
	free(c->secs);
	free(c);
}

static struct sec *
new_sec(srw_card *c)
{
	struct sec *s;

	if (c->nsecs == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->secs = srw_xrealloc(c->secs, c->cap * sizeof *c->secs);
	}
	s = &c->secs[c->nsecs];
	s->status = c->status;
	s->have = 0;
	c->cur = (long)c->nsecs++;
	return s;
}

static struct sec *
cur_sec(srw_card *c)
{
	return c->cur < 0 ? new_sec(c) : &c->secs[c->cur];
}

static void
set_field(srw_card *c, struct sec *s, int f, const char *v, size_t n)
{
	s->off[f] = c->arena.len;
	s->len[f] = n;
	s->have |= 1u << f;
	srw_buf_add(&c->arena, v, n);
}

/* Whitespace as Python's str.strip() sees it, for the cases cards carry:
 * ASCII, NBSP (C2 A0), ideographic space (E3 80 80).  Returns its length. */
static size_t
space_at(const char *p, const char *e)
{
	unsigned char ch = (unsigned char)*p;

	if (ch == ' ' || (ch >= '\t' && ch <= '\r'))
		return 1;
	if (ch == 0xc2 && e - p >= 2 && (unsigned char)p[1] == 0xa0)
		return 2;
	if (ch == 0xe3 && e - p >= 3 && (unsigned char)p[1] == 0x80 &&
	    (unsigned char)p[2] == 0x80)
		return 3;
	return 0;
}

static size_t
space_before(const char *b, const char *p)
{
	unsigned char ch;

	if (p <= b)
		return 0;
	ch = (unsigned char)p[-1];
	if (ch == ' ' || (ch >= '\t' && ch <= '\r'))
		return 1;
	if (ch == 0xa0 && p - b >= 2 && (unsigned char)p[-2] == 0xc2)
		return 2;
	if (ch == 0x80 && p - b >= 3 && (unsigned char)p[-2] == 0x80 &&
	    (unsigned char)p[-3] == 0xe3)
		return 3;
	return 0;
}

static void
trim(const char **s, const char **e)
{
	size_t k;

	while (*s < *e && (k = space_at(*s, *e)))
		*s += k;
	while (*e > *s && (k = space_before(*s, *e)))
		*e -= k;
}

static bool
word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/* Status word of a line ("Firing", "**RESOLVED**"), else ST_NONE. */
static int
status_of(const char *s, const char *e)
{
	while (s < e && *s == '*')
		s++;
	while (e > s && e[-1] == '*')
		e--;
	if (word_is(s, (size_t)(e - s), "firing"))
		return ST_FIRING;
	if (word_is(s, (size_t)(e - s), "resolved"))
		return ST_RESOLVED;
	return ST_NONE;
}

/* "Key: value", "- key = value", "Key：value" (full-width colon).  Returns the
 * field the key names (or -1 for other keys, -2 for no key at all) and the
 * value's bounds. */
static int
key_value(const char *s, const char *e, const char **vs)
{
	char key[32];
	size_t nk = 0, k;
	const char *p = s;
	unsigned i;

	if (p < e && *p == '-')
		p++;
	while (p < e && (k = space_at(p, e)))
		p += k;
	for (; p < e; p++) {
		unsigned char ch = (unsigned char)*p;

		if (isalpha(ch)) {
			if (nk < sizeof key)
				key[nk] = (char)tolower(ch);
			nk++;
		} else if (ch == '_' || ch == '-') {
			continue;
		} else if ((k = space_at(p, e))) {
			p += k - 1;
		} else {
			break;
		}
	}
	if (p == e || nk == 0)
		return -2;
	if (*p == ':' || *p == '=')
		p++;
	else if (e - p >= 3 && (unsigned char)p[0] == 0xef &&
	    (unsigned char)p[1] == 0xbc && (unsigned char)p[2] == 0x9a)
		p += 3;
	else
		return -2;
	while (p < e && (k = space_at(p, e)))
		p += k;
	*vs = p;
	if (nk > sizeof key)
		return -1;
	for (i = 0; i < sizeof keymap / sizeof keymap[0]; i++)
		if (strlen(keymap[i].key) == nk && memcmp(keymap[i].key, key, nk) == 0)
			return keymap[i].field;
	return -1;
}

/*
 * A browser strips leading spaces and controls and removes tabs and
 * newlines anywhere before it reads a scheme ("java\tscript:" runs), so
 * the text must start with the scheme itself and hold none of them.
 */
bool
srw_link_okn(const char *s, size_t len)
{
	size_t i, skip;

	if (len > 8 && strncasecmp(s, "https://", 8) == 0)
		skip = 8;
	else if (len > 7 && strncasecmp(s, "http://", 7) == 0)
		skip = 7;
	else
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return s[skip] != '/';	/* "http:///x" has no host */
}

bool
srw_link_ok(const char *s)
{
	return s && srw_link_okn(s, strlen(s));
}

unsigned long
srw_card_links_dropped(const srw_card *c)
{
	return c->links_dropped;
}

static void
set_links(srw_card *c, const srw_val *line)
{
	const srw_val *n;

	for (n = srw_val_first(line); n; n = srw_val_next(n)) {
		const char *tag = srw_val_get_str(n, "tag"), *name, *href;
		int f;

		if (!tag || strcmp(tag, "a") != 0)
			continue;
		name = srw_val_get_str(n, "text");
		href = srw_val_get_str(n, "href");
		if (!name)
			name = "";
		if (strcasecmp(name, "dashboard") == 0)
			f = F_DASHBOARD;
		else if (strcasecmp(name, "silence") == 0)
			f = F_SILENCE;
		else
			f = -1;
		/* a link line belongs to a section even when its names are
		 * unknown (the reference does the same) */
		struct sec *s = cur_sec(c);

		if (f < 0)
			continue;
		if (href && *href && !srw_link_ok(href)) {
			c->links_dropped++;
			href = NULL;
		}
		set_field(c, s, f, href ? href : "", href ? strlen(href) : 0);
	}
}

static void
one_line(srw_card *c, const char *s, const char *e, const srw_val *links,
    bool *links_pending)
{
	const char *vs;
	struct sec *sec;
	int st, f;

	trim(&s, &e);
	if (e - s == 3 && memcmp(s, "---", 3) == 0) {	/* a separator as text */
		c->cur = -1;
		return;
	}
	if ((st = status_of(s, e)) != ST_NONE) {
		c->status = st;
		c->cur = -1;
		return;
	}
	if (c->status == ST_NONE)
		return;
	if (*links_pending) {
		*links_pending = false;
		set_links(c, links);
	}
	if ((f = key_value(s, e, &vs)) < 0)
		return;
	if (f == F_DASHBOARD || f == F_SILENCE) {
		if (srw_link_okn(vs, (size_t)(e - vs)))
			set_field(c, cur_sec(c), f, vs, (size_t)(e - vs));
		else if (memchr(vs, ':', (size_t)(e - vs)))	/* a link, not prose */
			c->links_dropped++;
		return;
	}
	sec = c->cur < 0 ? NULL : &c->secs[c->cur];
	if (!sec || (sec->have & (1u << f)))
		sec = new_sec(c);
	set_field(c, sec, f, vs, (size_t)(e - vs));
}

static void
element_line(srw_card *c, const srw_val *line)
{
	const srw_val *n, *only = NULL;
	bool hr = false, has_links = false, pending;
	const char *p, *e, *nl;

	srw_buf_reset(&c->line);
	if (srw_val_type(line) == SRW_OBJ) {	/* a bare node: a line of one */
		only = line;
		n = line;
	} else {
		n = srw_val_first(line);
	}
	for (; n; n = only ? NULL : srw_val_next(n)) {
		const char *tag = srw_val_get_str(n, "tag"), *t;

		if (!tag)
			continue;
		if (strcmp(tag, "text") == 0 || strcmp(tag, "a") == 0) {
			if ((t = srw_val_get_str(n, "text")))
				srw_buf_adds(&c->line, t);
			if (tag[0] == 'a')
				has_links = true;
		} else if (strcmp(tag, "hr") == 0) {
			hr = true;
		}
	}
	if (hr) {
		c->cur = -1;
		return;
	}
	if (only)	/* links of a bare node are ignored: no line array */
		has_links = false;
	pending = has_links;
	p = c->line.s ? c->line.s : "";
	e = p + c->line.len;
	for (;;) {
		nl = memchr(p, '\n', (size_t)(e - p));
		one_line(c, p, nl ? nl : e, line, &pending);
		if (!nl)
			break;
		p = nl + 1;
	}
}

static void
parse_card(srw_card *c, const srw_val *card)
{
	const srw_val *el = srw_val_get(card, "elements"), *line;

	c->nsecs = 0;
	c->cur = -1;
	c->status = ST_NONE;
	srw_buf_reset(&c->arena);
	if (srw_val_type(el) != SRW_ARR)
		return;
	for (line = srw_val_first(el); line; line = srw_val_next(line))
		element_line(c, line);
}

/* The '|'-joined value of field f over the sections of a status group (or
 * section only), built in c->line (free once the card is parsed). */
static void
add_field(srw_card *c, srw_buf *out, int f, int status, long only)
{
	srw_buf *j = &c->line;
	size_t i;
	bool first = true;

	srw_buf_reset(j);
	for (i = 0; i < c->nsecs; i++) {
		const struct sec *s = &c->secs[i];

		if (s->status != status || !(s->have & (1u << F_ALERT_NAME)))
			continue;
		if (only >= 0 && (long)i != only)
			continue;
		if (!first)
			srw_buf_addc(j, '|');
		first = false;
		if (s->have & (1u << f))
			srw_buf_add(j, c->arena.s + s->off[f], s->len[f]);
	}
	srw_jw_strn(out, field_name[f], j->s ? j->s : "", j->len);
}

static void
emit_row(srw_card *c, srw_buf *out, const char *id, const char *suffix,
    const char *created, int status, long only)
{
	static const int order[] = { F_CLUSTER_NAME, F_REGION, F_ACCOUNT,
	    F_CLUSTER_ID };
	size_t idn = strlen(id), i;
	char idbuf[256];
	srw_buf tmp;

	srw_jw_begin(out);
	if (idn + strlen(suffix) < sizeof idbuf) {
		memcpy(idbuf, id, idn);
		strcpy(idbuf + idn, suffix);
		srw_jw_str(out, "message_id", idbuf);
	} else {
		srw_buf_init(&tmp);
		srw_buf_adds(&tmp, id);
		srw_buf_adds(&tmp, suffix);
		srw_jw_str(out, "message_id", tmp.s);
		srw_buf_free(&tmp);
	}
	srw_jw_str(out, "created_at", created);
	for (i = 0; i < sizeof order / sizeof order[0]; i++)
		add_field(c, out, order[i], status, only);
	srw_jw_str(out, "alert_status", status == ST_FIRING ? "Firing" : "Resolved");
	add_field(c, out, F_ALERT_NAME, status, only);
	add_field(c, out, F_DETAIL, status, only);
	add_field(c, out, F_DASHBOARD, status, only);
	add_field(c, out, F_SILENCE, status, only);
	srw_jw_str(out, "source", "lark");
	srw_jw_end(out);
	c->rows++;
}

/* Epoch ms from create_time (a string of digits, or a number). */
static bool
create_ms(const srw_val *msg, int64_t *ms)
{
	const srw_val *v = srw_val_get(msg, "create_time");
	const char *s = srw_val_str(v), *p;
	double d;

	if (s) {
		if (!*s)
			return false;
		for (p = s; *p; p++)
			if (!isdigit((unsigned char)*p))
				return false;
		if (p - s > 15)
			return false;
		*ms = strtoll(s, NULL, 10);
		return true;
	}
	if (srw_val_type(v) == SRW_NUM && srw_val_num(v, &d) && d >= 0 && d < 1e15) {
		*ms = (int64_t)d;
		return true;
	}
	return false;
}

int
srw_card_rows(srw_card *c, const srw_val *msg, int flags, srw_buf *out,
    char *reason, size_t rsz)
{
	const char *type = srw_val_get_str(msg, "msg_type"), *content, *id;
	srw_val *card;
	bool deleted = false;
	size_t i, nf = 0, nr = 0, k;
	int64_t ms;
	char created[20];
	int n = 0;
	const char *end = NULL;

	reason[0] = '\0';
	if (!type || strcmp(type, "interactive") != 0)
		return 0;
	if (srw_val_bool(srw_val_get(msg, "deleted"), &deleted) && deleted)
		return 0;
	if (!(content = srw_val_get_str(srw_val_get(msg, "body"), "content")))
		return 0;
	/* the card lives only inside this message: the record arena */
	card = srw_val_parse_record(content, strlen(content), &end);
	while (card && end && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
		end++;
	if (!card || (end && *end)) {
		srw_val_free_record(card);
		snprintf(reason, rsz, "body.content is not valid JSON");
		return -1;
	}
	if (srw_val_type(card) == SRW_OBJ)
		parse_card(c, card);
	else
		c->nsecs = 0;
	srw_val_free_record(card);
	for (i = 0; i < c->nsecs; i++) {
		if (!(c->secs[i].have & (1u << F_ALERT_NAME)))
			continue;
		if (c->secs[i].status == ST_FIRING)
			nf++;
		else
			nr++;
	}
	if (nf + nr == 0)
		return 0;
	if (!(id = srw_val_get_str(msg, "message_id")) || !*id) {
		snprintf(reason, rsz, "alert card without a message_id");
		return -1;
	}
	if (!create_ms(msg, &ms)) {
		snprintf(reason, rsz, "alert card %s: create_time is not epoch milliseconds", id);
		return -1;
	}
	srw_time_fmt_sql(ms, created);
	c->cards++;
	if (!(flags & SRW_CARD_EXPLODE)) {
		if (nf)
			emit_row(c, out, id, "-f", created, ST_FIRING, -1), n++;
		if (nr)
			emit_row(c, out, id, "-r", created, ST_RESOLVED, -1), n++;
		return n;
	}
	for (int st = ST_FIRING; st <= ST_RESOLVED; st++) {
		k = 0;
		for (i = 0; i < c->nsecs; i++) {
			char suffix[32];

			if (c->secs[i].status != st ||
			    !(c->secs[i].have & (1u << F_ALERT_NAME)))
				continue;
			snprintf(suffix, sizeof suffix, "-%c%zu",
			    st == ST_FIRING ? 'f' : 'r', ++k);
			emit_row(c, out, id, suffix, created, st, (long)i);
			n++;
		}
	}
	return n;
}

unsigned long
srw_card_count(const srw_card *c, unsigned long *rows)
{
	if (rows)
		*rows = c->rows;
	return c->cards;
}
