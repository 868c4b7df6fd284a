/* rules.c - Prometheus rule files (groups, interval, alert/record rules) and
 * numbat's rule kinds (heartbeat, absence, presence, outlier), over libyaml's
 * document API so every error names its file and line.  Also the small
 * template language of annotations ({{ $labels.x }}, {{ $value }}). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "srw.h"

typedef struct ld {
	yaml_document_t *doc;
	const char *file;
	char *err;
	size_t errsz;
} ld;

static int __attribute__((format(printf, 3, 4)))
lerr(ld *l, yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	k = snprintf(l->err, l->errsz, "%s:%lu: ", l->file,
	    n ? (unsigned long)n->start_mark.line + 1 : 0UL);
	if (k < 0 || (size_t)k >= l->errsz)
		k = 0;
	va_start(ap, fmt);
	vsnprintf(l->err + k, l->errsz - k, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *
scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *
node_at(ld *l, int i)
{
	return yaml_document_get_node(l->doc, i);
}

srw_rule_group *
srw_ruleset_add_group(srw_ruleset *rs, const char *name, int64_t interval_ms)
{
	srw_rule_group *g;

	rs->groups = srw_xrealloc(rs->groups, (rs->ngroups + 1) * sizeof *rs->groups);
	g = &rs->groups[rs->ngroups++];
	memset(g, 0, sizeof *g);
	g->name = srw_xstrdup(name);
	g->interval_ms = interval_ms;
	return g;
}

srw_rule *
srw_group_add_rule(srw_rule_group *g)
{
	srw_rule *r;

	g->rules = srw_xrealloc(g->rules, (g->nrules + 1) * sizeof *g->rules);
	r = &g->rules[g->nrules++];
	memset(r, 0, sizeof *r);
	r->node = -1;
	return r;
}

static void
rule_free(srw_rule *r)
{
	srw_strv_free(r->label_kv);
	srw_strv_free(r->annot_kv);
	free(r->name);
	free(r->expr);
	free(r->file);
	free(r->service);
	free(r->method);
	if (r->where_re) {
		regex_t *re = r->where_re;

		for (size_t i = 0; i < r->nwhere; i++)
			regfree(&re[i]);
		free(re);
	}
	srw_strv_free(r->where_kv);
	srw_strv_free(r->tags);
}

void
srw_ruleset_free(srw_ruleset *rs)
{
	size_t i, j;

	for (i = 0; i < rs->ngroups; i++) {
		for (j = 0; j < rs->groups[i].nrules; j++)
			rule_free(&rs->groups[i].rules[j]);
		free(rs->groups[i].rules);
		free(rs->groups[i].name);
	}
	free(rs->groups);
	rs->groups = NULL;
	rs->ngroups = 0;
}

/* mapping of strings -> NULL-terminated name, value vector */
static int
load_map(ld *l, yaml_node_t *n, const char *what, char ***out, size_t *np)
{
	yaml_node_pair_t *p;
	size_t k = 0, cnt;
	char **v;

	if (n->type == YAML_SCALAR_NODE && !*scalar(n))
		return 0;	/* "labels:" left empty */
	if (n->type != YAML_MAPPING_NODE)
		return lerr(l, n, "%s must be a mapping", what);
	cnt = n->data.mapping.pairs.top - n->data.mapping.pairs.start;
	v = srw_xcalloc(2 * cnt + 1, sizeof *v);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *key = scalar(node_at(l, p->key)), *val = scalar(node_at(l, p->value));

		if (!key || !val) {
			srw_strv_free(v);
			return lerr(l, node_at(l, p->key), "%s values must be strings", what);
		}
		v[k++] = srw_xstrdup(key);
		v[k++] = srw_xstrdup(val);
	}
	srw_strv_free(*out);	/* labels: given twice, the last one counts */
	*out = v;
	*np = k / 2;
	return 0;
}

static int
dur(ld *l, yaml_node_t *n, const char *what, int64_t *ms)
{
	const char *s = scalar(n);

	if (!s || (*ms = srw_parse_duration_ms(s)) < 0)
		return lerr(l, n, "%s: bad duration \"%.40s\"", what, s ? s : "");
	return 0;
}

static int
load_rule(ld *l, srw_rule_group *g, yaml_node_t *rn)
{
	yaml_node_pair_t *p;
	srw_rule *r;
	int kinds = 0;

	if (rn->type != YAML_MAPPING_NODE)
		return lerr(l, rn, "a rule must be a mapping");
	r = srw_group_add_rule(g);
	r->file = srw_xstrdup(l->file);
	r->line = rn->start_mark.line + 1;
	r->threshold = 3;
	for (p = rn->data.mapping.pairs.start; p < rn->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node_at(l, p->key), *vn = node_at(l, p->value);
		const char *k = scalar(kn), *v = scalar(vn);

		if (!k)
			return lerr(l, kn, "rule keys must be strings");
		if (strcmp(k, "where") == 0) {
			regex_t *re;

			if (r->where_kv || load_map(l, vn, k, &r->where_kv, &r->nwhere) < 0)
				return r->where_kv ? lerr(l, kn, "where given twice") : -1;
			re = r->where_re = srw_xcalloc(r->nwhere + 1, sizeof *re);
			for (size_t i = 0; i < r->nwhere; i++) {
				srw_buf b;
				int rc;

				srw_buf_init(&b);
				srw_buf_printf(&b, "^(%s)$", r->where_kv[2 * i + 1]);
				rc = regcomp(&re[i], b.s, REG_EXTENDED | REG_NOSUB);
				srw_buf_free(&b);
				if (rc != 0) {
					r->nwhere = i;	/* only the compiled ones get regfree */
					return lerr(l, vn, "where %s: bad regular expression", r->where_kv[2 * i]);
				}
			}
			continue;
		}
		if (strcmp(k, "tags") == 0) {
			size_t n = 0;

			if (vn->type != YAML_SEQUENCE_NODE || r->tags)
				return lerr(l, vn, "tags must be a list of strings, given once");
			r->tags = srw_xcalloc(vn->data.sequence.items.top - vn->data.sequence.items.start + 1,
			    sizeof *r->tags);
			for (yaml_node_item_t *it = vn->data.sequence.items.start;
			    it < vn->data.sequence.items.top; it++) {
				const char *t = scalar(node_at(l, *it));

				if (!t)
					return lerr(l, vn, "tags must be a list of strings");
				r->tags[n++] = srw_xstrdup(t);
			}
			continue;
		}
		if (strcmp(k, "labels") == 0 || strcmp(k, "annotations") == 0) {
			if (load_map(l, vn, k, k[0] == 'l' ? &r->label_kv : &r->annot_kv,
			    k[0] == 'l' ? &r->nlabels : &r->nannots) < 0)
				return -1;
			continue;
		}
		if (!v)
			return lerr(l, vn, "%s must be a string", k);
		if (strcmp(k, "alert") == 0 || strcmp(k, "record") == 0 ||
		    strcmp(k, "heartbeat") == 0 || strcmp(k, "absence_required") == 0 ||
		    strcmp(k, "presence_required") == 0 || strcmp(k, "outlier") == 0 ||
		    strcmp(k, "match") == 0) {
			kinds++;
			r->kind = k[0] == 'a' && k[1] == 'l' ? SRW_RULE_ALERT :
			    k[0] == 'r' ? SRW_RULE_RECORD : k[0] == 'h' ? SRW_RULE_HEARTBEAT :
			    k[0] == 'a' ? SRW_RULE_ABSENCE : k[0] == 'p' ? SRW_RULE_PRESENCE :
			    k[0] == 'm' ? SRW_RULE_MATCH : SRW_RULE_OUTLIER;
			free(r->name);
			r->name = srw_xstrdup(v);
			if (r->kind >= SRW_RULE_HEARTBEAT) {
				free(r->service);
				r->service = srw_xstrdup(v);
			}
		} else if (strcmp(k, "expr") == 0) {
			free(r->expr);
			r->expr = srw_xstrdup(v);
		} else if (strcmp(k, "for") == 0) {
			if (dur(l, vn, k, &r->for_ms) < 0)
				return -1;
		} else if (strcmp(k, "keep_firing_for") == 0) {
			if (dur(l, vn, k, &r->keep_firing_for_ms) < 0)
				return -1;
		} else if (strcmp(k, "timeout") == 0) {
			if (dur(l, vn, k, &r->timeout_ms) < 0)
				return -1;
		} else if (strcmp(k, "window") == 0) {
			if (dur(l, vn, k, &r->window_ms) < 0)
				return -1;
		} else if (strcmp(k, "method") == 0) {
			if (strcmp(v, "zscore") != 0 && strcmp(v, "mad") != 0)
				return lerr(l, vn, "method must be zscore or mad");
			free(r->method);
			r->method = srw_xstrdup(v);
		} else if (strcmp(k, "threshold") == 0) {
			char *end;

			r->threshold = strtod(v, &end);
			if (*end || !isfinite(r->threshold))
				return lerr(l, vn, "threshold must be a number");
		} else if (strcmp(k, "name") == 0 && r->kind >= SRW_RULE_HEARTBEAT) {
			free(r->name);
			r->name = srw_xstrdup(v);
		} else {
			return lerr(l, kn, "unknown rule field \"%.40s\"", k);
		}
	}
	if (kinds != 1)
		return lerr(l, rn, "a rule needs exactly one of alert, record, heartbeat, "
		    "presence_required, absence_required, outlier, match");
	if ((r->where_kv || r->tags) && r->kind != SRW_RULE_MATCH)
		return lerr(l, rn, "where and tags are for match rules");
	if ((r->kind == SRW_RULE_ALERT || r->kind == SRW_RULE_RECORD) && !r->expr)
		return lerr(l, rn, "rule %s has no expr", r->name);
	if (r->kind == SRW_RULE_RECORD && (r->for_ms || r->keep_firing_for_ms || r->annot_kv))
		return lerr(l, rn, "recording rule %s: for, keep_firing_for and annotations are for alerts", r->name);
	if (r->kind >= SRW_RULE_HEARTBEAT && r->expr)
		return lerr(l, rn, "%s rules take no expr", r->kind == SRW_RULE_HEARTBEAT ? "heartbeat" :
		    r->kind == SRW_RULE_OUTLIER ? "outlier" : "absence/presence");
	if ((r->kind == SRW_RULE_HEARTBEAT || r->kind == SRW_RULE_ABSENCE ||
	    r->kind == SRW_RULE_PRESENCE || r->kind == SRW_RULE_MATCH) && r->timeout_ms <= 0)
		r->timeout_ms = r->kind == SRW_RULE_HEARTBEAT ? 60000 : 300000;
	if (r->kind == SRW_RULE_OUTLIER) {
		if (r->window_ms <= 0)
			r->window_ms = 3600000;
		if (!r->method)
			r->method = srw_xstrdup("zscore");
		/* an outlier rule is an alert over shared steps like any other */
		{
			srw_buf e;
			char w[32];

			snprintf(w, sizeof w, "%llds", (long long)(r->window_ms / 1000));
			srw_buf_init(&e);
			if (strcmp(r->method, "mad") == 0)
				srw_buf_printf(&e, "abs(%s - quantile_over_time(0.5, %s[%s])) / "
				    "(1.4826 * mad_over_time(%s[%s])) > %g", r->service, r->service, w,
				    r->service, w, r->threshold);
			else
				srw_buf_printf(&e, "abs(%s - avg_over_time(%s[%s])) / "
				    "stddev_over_time(%s[%s]) > %g", r->service, r->service, w,
				    r->service, w, r->threshold);
			r->expr = e.s;
		}
	}
	return 0;
}

static int
load_doc(ld *l, srw_ruleset *rs, int64_t dflt)
{
	yaml_node_t *root = yaml_document_get_root_node(l->doc), *groups = NULL;
	yaml_node_pair_t *p;
	yaml_node_item_t *it;

	if (!root)
		return 0;	/* an empty file holds no rules */
	if (root->type != YAML_MAPPING_NODE)
		return lerr(l, root, "expected a mapping with \"groups\"");
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		const char *k = scalar(node_at(l, p->key));

		if (k && strcmp(k, "groups") == 0)
			groups = node_at(l, p->value);
		else
			return lerr(l, node_at(l, p->key), "unknown top-level field \"%.40s\"", k ? k : "");
	}
	if (!groups || (groups->type == YAML_SCALAR_NODE && !*scalar(groups)))
		return 0;
	if (groups->type != YAML_SEQUENCE_NODE)
		return lerr(l, groups, "groups must be a list");
	for (it = groups->data.sequence.items.start; it < groups->data.sequence.items.top; it++) {
		yaml_node_t *gn = node_at(l, *it), *rules = NULL;
		const char *name = NULL;
		int64_t interval = dflt;
		srw_rule_group *g;
		size_t i;

		if (gn->type != YAML_MAPPING_NODE)
			return lerr(l, gn, "a group must be a mapping");
		for (p = gn->data.mapping.pairs.start; p < gn->data.mapping.pairs.top; p++) {
			yaml_node_t *kn = node_at(l, p->key), *vn = node_at(l, p->value);
			const char *k = scalar(kn);

			if (!k)
				return lerr(l, kn, "group keys must be strings");
			if (strcmp(k, "name") == 0) {
				if (!(name = scalar(vn)) || !*name)
					return lerr(l, vn, "group name must be a string");
			} else if (strcmp(k, "interval") == 0) {
				if (dur(l, vn, "interval", &interval) < 0)
					return -1;
				if (interval <= 0)
					return lerr(l, vn, "interval must be positive");
			} else if (strcmp(k, "rules") == 0) {
				rules = vn;
			} else if (strcmp(k, "limit") == 0) {
				continue;
			} else {
				return lerr(l, kn, "unknown group field \"%.40s\"", k);
			}
		}
		if (!name)
			return lerr(l, gn, "group without a name");
		for (i = 0; i < rs->ngroups; i++)
			if (strcmp(rs->groups[i].name, name) == 0)
				return lerr(l, gn, "group \"%s\" defined twice", name);
		g = srw_ruleset_add_group(rs, name, interval);
		if (!rules || (rules->type == YAML_SCALAR_NODE && !*scalar(rules)))
			continue;
		if (rules->type != YAML_SEQUENCE_NODE)
			return lerr(l, rules, "rules must be a list");
		for (yaml_node_item_t *ri = rules->data.sequence.items.start;
		    ri < rules->data.sequence.items.top; ri++)
			if (load_rule(l, g, node_at(l, *ri)) < 0)
				return -1;
	}
	return 0;
}

int
srw_rules_load_mem(srw_ruleset *rs, const char *name, const char *text, size_t len,
    int64_t dflt, char *err, size_t errsz)
{
	yaml_parser_t yp;
	yaml_document_t doc;
	ld l = { &doc, name, err, errsz };
	int rc;

	if (!yaml_parser_initialize(&yp)) {
		snprintf(err, errsz, "%s: libyaml: out of memory", name);
		return -1;
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
	if (!yaml_parser_load(&yp, &doc)) {
		snprintf(err, errsz, "%s:%lu: %s", name,
		    (unsigned long)yp.problem_mark.line + 1,
		    yp.problem ? yp.problem : "YAML syntax error");
		yaml_parser_delete(&yp);
		return -1;
	}
	rc = load_doc(&l, rs, dflt);
	yaml_document_delete(&doc);
	yaml_parser_delete(&yp);
	return rc;
}

int
srw_rules_load_file(srw_ruleset *rs, const char *path, int64_t dflt, char *err,
    size_t errsz)
{
	FILE *fp = fopen(path, "r");
	srw_buf b;
	char chunk[65536];
	size_t n;
	int rc;

	if (!fp) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	srw_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		srw_buf_add(&b, chunk, n);
	fclose(fp);
	rc = srw_rules_load_mem(rs, path, b.s ? b.s : "", b.len, dflt, err, errsz);
	srw_buf_free(&b);
	return rc;
}

/* ---- templates ---------------------------------------------------------- */

static void
humanize(srw_buf *b, double v)
{
	static const char *const big[] = { "", "k", "M", "G", "T", "P", "E" };
	static const char *const small[] = { "", "m", "u", "n", "p", "f", "a" };
	int i = 0;

	if (v == 0 || isnan(v) || isinf(v)) {
		srw_buf_printf(b, "%.4g", v);
		return;
	}
	if (fabs(v) >= 1) {
		while (fabs(v) >= 1000 && i < 6) {
			v /= 1000;
			i++;
		}
		srw_buf_printf(b, "%.4g%s", v, big[i]);
	} else {
		while (fabs(v) < 1 && i < 6) {
			v *= 1000;
			i++;
		}
		srw_buf_printf(b, "%.4g%s", v, small[i]);
	}
}

/* Go's %v of a float64 (what text/template prints for $value): the
 * shortest digits that round-trip, exponent form when the exponent is
 * below -4 or at least 6 ("1.073741824e+09"). */
static void
goval(srw_buf *b, double v)
{
	char tmp[64];
	int prec, exp;

	if (isnan(v)) {
		srw_buf_adds(b, "NaN");
		return;
	}
	if (isinf(v)) {
		srw_buf_adds(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* 15 significant digits round-trip for most values and are then the
	 * shortest once trailing zeros go; else 16, else 17 */
	for (prec = 15; prec < 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
	{
		char *e = strchr(tmp, 'e'), *z = e;

		while (z > tmp && z[-1] == '0')
			z--;
		prec -= e - z;	/* trailing zeros are not significant */
		exp = atoi(e + 1);
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
	}
	if (v != 0 && (exp < -4 || exp >= 21 || (exp >= 6 && exp >= prec - 1) ||
	    (exp >= 6 && prec > 6))) {
		srw_buf_adds(b, tmp);
		return;
	}
	snprintf(tmp, sizeof tmp, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, v);
	srw_buf_adds(b, tmp);
}

/* The format goes to printf with a double: exactly one conversion,
 * %[-+ #0][width][.prec] and f, g, e, E, d or v right after (%s or %n would
 * read or write through the double; widths stay under 100), and any number
 * of literal "%%" ("%.1f%%" is common in rule files). */
static bool
printf_ok(const char *fmt)
{
	const char *p;
	int conv = 0;
	size_t n;

	for (p = fmt; (p = strchr(p, '%')); ) {
		if (p[1] == '%') {	/* a literal % */
			p += 2;
			continue;
		}
		p += 1 + strspn(p + 1, "-+ #0");
		if ((n = strspn(p, "0123456789")) > 2)
			return false;
		p += n;
		if (*p == '.') {
			if ((n = strspn(p + 1, "0123456789")) > 2)
				return false;
			p += 1 + n;
		}
		if (!*p || !strchr("fgeEdv", *p))
			return false;
		p++;
		conv++;
	}
	return conv == 1;
}

/* Text of a printf format outside its conversion, "%%" as "%". */
static void
add_unescaped(srw_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		srw_buf_addc(b, s[i]);
		if (s[i] == '%' && i + 1 < n && s[i + 1] == '%')
			i++;
	}
}

static const char *
skipws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int
srw_template(srw_buf *b, const char *t, const srw_lset *ls, double value, char *err,
    size_t errsz)
{
	const char *p = t;

	while (*p) {
		const char *open = strstr(p, "{{"), *close, *q;
		char fmt[32] = "";
		bool hum = false, humpct = false, trim_l, trim_r;

		if (!open) {
			srw_buf_adds(b, p);
			break;
		}
		trim_l = open[2] == '-';
		q = open;
		if (trim_l)
			while (q > p && isspace((unsigned char)q[-1]))
				q--;
		srw_buf_add(b, p, q - p);
		if (!(close = strstr(open, "}}"))) {
			snprintf(err, errsz, "template: unclosed {{");
			return -1;
		}
		trim_r = close > open + 2 && close[-1] == '-';
		q = skipws(open + 2 + trim_l);
		if (strncmp(q, "printf", 6) == 0) {
			const char *f = skipws(q + 6), *fe;

			if (*f != '"' || !(fe = strchr(f + 1, '"')) || fe - f - 1 >= (long)sizeof fmt) {
				snprintf(err, errsz, "template: printf needs a quoted format");
				return -1;
			}
			memcpy(fmt, f + 1, fe - f - 1);
			fmt[fe - f - 1] = '\0';
			if (!printf_ok(fmt)) {
				snprintf(err, errsz, "template: printf format \"%s\" is not supported", fmt);
				return -1;
			}
			q = skipws(fe + 1);
		}
		if (strncmp(q, "$value", 6) == 0 || strncmp(q, ".Value", 6) == 0) {
			const char *r = skipws(q + 6);

			if (*r == '|') {
				r = skipws(r + 1);
				if (strncmp(r, "humanizePercentage", 18) == 0) {
					humpct = true;
					r += 18;
				} else if (strncmp(r, "humanize", 8) == 0 && !isalnum((unsigned char)r[8])) {
					hum = true;
					r += 8;
				} else {
					snprintf(err, errsz, "template: function \"%.*s\" is not supported",
					    (int)strcspn(r, " }"), r);
					return -1;
				}
				r = skipws(r);
			}
			if (r != close - trim_r && skipws(r) != close - trim_r) {
				snprintf(err, errsz, "template: unsupported \"%.*s\"", (int)(close - open + 2), open);
				return -1;
			}
			if (fmt[0]) {
				char *pct = fmt, *cv, conv;

				while ((pct = strchr(pct, '%')) && pct[1] == '%')
					pct += 2;
				cv = pct + 1 + strcspn(pct + 1, "fgeEdv");
				conv = *cv;
				if (conv == 'd' || conv == 'v') {
					/* text around the one conversion stays */
					add_unescaped(b, fmt, pct - fmt);
					if (conv == 'd')
						srw_buf_printf(b, "%lld", (long long)value);
					else
						goval(b, value);
					add_unescaped(b, cv + 1, strlen(cv + 1));
				} else
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
					srw_buf_printf(b, fmt, value);
#pragma GCC diagnostic pop
			} else if (hum) {
				humanize(b, value);
			} else if (humpct) {
				srw_buf_printf(b, "%.4g%%", value * 100);
			} else {
				goval(b, value);
			}
		} else if (strncmp(q, "$labels.", 8) == 0 || strncmp(q, ".Labels.", 8) == 0) {
			const char *n = q + 8, *e = n, *v;
			char name[256];

			while (isalnum((unsigned char)*e) || *e == '_')
				e++;
			if (e == n || e - n >= (long)sizeof name || skipws(e) != close - trim_r) {
				snprintf(err, errsz, "template: unsupported \"%.*s\"", (int)(close - open + 2), open);
				return -1;
			}
			memcpy(name, n, e - n);
			name[e - n] = '\0';
			if (ls && (v = srw_lset_get(ls, name)))
				srw_buf_adds(b, v);
		} else if (strncmp(q, "$externalLabels", 15) == 0 || strncmp(q, "/*", 2) == 0) {
			/* no external labels here; comments print nothing */
		} else {
			snprintf(err, errsz, "template: unsupported \"%.*s\"",
			    (int)(close - open + 2 > 60 ? 60 : close - open + 2), open);
			return -1;
		}
		p = close + 2;
		if (trim_r)
			p = (const char *)skipws(p), p += strspn(p, "\n\r\t ");
	}
	return 0;
}

int
srw_rules_compile(srw_ruleset *rs, srw_pq *pq, char *err, size_t errsz)
{
	size_t i, j, k;
	char e[512];
	srw_buf tb;

	srw_buf_init(&tb);
	for (i = 0; i < rs->ngroups; i++) {
		for (j = 0; j < rs->groups[i].nrules; j++) {
			srw_rule *r = &rs->groups[i].rules[j];

			if (!r->expr)
				continue;
			if ((r->node = srw_pq_compile(pq, r->expr, e, sizeof e)) < 0) {
				snprintf(err, errsz, "%s:%d: rule %s: %s", r->file ? r->file : "-",
				    r->line, r->name, e);
				srw_buf_free(&tb);
				return -1;
			}
			if (!srw_pq_is_vector(pq, r->node)) {
				snprintf(err, errsz, "%s:%d: rule %s: the expression must be an instant vector",
				    r->file ? r->file : "-", r->line, r->name);
				srw_buf_free(&tb);
				return -1;
			}
			srw_pq_use(pq, r->node);
			/* templates are checked now, not when the alert fires */
			for (k = 0; k < 2 * r->nannots + 2 * r->nlabels; k += 2) {
				const char *t = k < 2 * r->nannots ? r->annot_kv[k + 1] :
				    r->label_kv[k - 2 * r->nannots + 1];

				srw_buf_reset(&tb);
				if (srw_template(&tb, t, NULL, 0, e, sizeof e) < 0) {
					snprintf(err, errsz, "%s:%d: rule %s: %s", r->file ? r->file : "-",
					    r->line, r->name, e);
					srw_buf_free(&tb);
					return -1;
				}
			}
		}
	}
	srw_buf_free(&tb);
	return 0;
}
