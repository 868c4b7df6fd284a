/* db.c - rules kept in ops.alert_rules: loaded by `evaluate --db` (and
 * polled, so a running evaluate picks up changes within one interval), and
 * managed with `evaluate rule add|rm|list`. */
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "evaluate.h"

#define COLS "rule_name, group_name, kind, expr, for_duration, keep_firing_for, " \
	"labels, annotations"

static srw_db *
open_db(void)
{
	char err[512];
	srw_db *db = srw_db_open(2, err, sizeof err);

	if (!db)
		srw_die(SRW_EX_UNAVAILABLE, "database: %s", err);
	return db;
}

void
ev_db_open(struct ev *e)
{
	e->db = open_db();
}

static srw_res *
query_rules(struct ev *e)
{
	return srw_db_query_retry(e->db, "SELECT " COLS " FROM ops.alert_rules "
	    "ORDER BY group_name, rule_name", 3);
}

/* A JSON object of strings -> name, value vector. */
static int
json_map(const char *s, char ***out, size_t *n, char *err, size_t errsz)
{
	json_t *j;
	const char *k;
	json_t *v;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (!s || !*s)
		return 0;
	if (!(j = srw_json_loadb(s, strlen(s), err, errsz)))
		return -1;
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, errsz, "not a JSON object");
		return -1;
	}
	*out = srw_xcalloc(2 * json_object_size(j) + 1, sizeof **out);
	json_object_foreach(j, k, v) {
		if (!json_is_string(v)) {
			json_decref(j);
			snprintf(err, errsz, "value of %s is not a string", k);
			return -1;
		}
		(*out)[i++] = srw_xstrdup(k);
		(*out)[i++] = srw_xstrdup(json_string_value(v));
	}
	*n = i / 2;
	json_decref(j);
	return 0;
}

static char *
rows_sig(srw_res *r, char *out)
{
	srw_buf b;
	char **row;
	unsigned long *lens;
	unsigned i;

	srw_buf_init(&b);
	while ((row = srw_res_next(r, &lens))) {
		for (i = 0; i < srw_res_ncols(r); i++) {
			if (row[i])
				srw_buf_add(&b, row[i], lens[i]);
			srw_buf_addc(&b, '\x1f');
		}
		srw_buf_addc(&b, '\x1e');
	}
	srw_sha256_hex(b.s ? b.s : "", b.len, out);
	srw_buf_free(&b);
	return out;
}

int
ev_db_load(struct ev *e, srw_ruleset *rs, int64_t dflt, char *err, size_t errsz)
{
	srw_res *r = query_rules(e);
	char **row, e2[256];
	srw_rule_group *g = NULL;
	int line = 0;

	if (!r) {
		snprintf(err, errsz, "ops.alert_rules: %s", srw_db_error(e->db));
		return -1;
	}
	rows_sig(r, e->db_sig);
	srw_res_free(r);
	if (!(r = query_rules(e))) {
		snprintf(err, errsz, "ops.alert_rules: %s", srw_db_error(e->db));
		return -1;
	}
	while ((row = srw_res_next(r, NULL))) {
		srw_rule *ru;
		size_t i;

		line++;
		if (!g || strcmp(g->name, row[1]) != 0) {
			g = NULL;
			for (i = 0; i < rs->ngroups; i++)
				if (strcmp(rs->groups[i].name, row[1]) == 0)
					g = &rs->groups[i];
			if (!g)
				g = srw_ruleset_add_group(rs, row[1], dflt);
		}
		ru = srw_group_add_rule(g);
		ru->kind = row[2] && strcmp(row[2], "record") == 0 ? SRW_RULE_RECORD : SRW_RULE_ALERT;
		ru->name = srw_xstrdup(row[0]);
		ru->expr = srw_xstrdup(row[3] ? row[3] : "");
		ru->file = srw_xstrdup("ops.alert_rules");
		ru->line = line;
		if ((ru->for_ms = srw_parse_duration_ms(row[4] ? row[4] : "0")) < 0 ||
		    (ru->keep_firing_for_ms = srw_parse_duration_ms(row[5] ? row[5] : "0")) < 0 ||
		    json_map(row[6], &ru->label_kv, &ru->nlabels, e2, sizeof e2) < 0 ||
		    json_map(row[7], &ru->annot_kv, &ru->nannots, e2, sizeof e2) < 0) {
			snprintf(err, errsz, "ops.alert_rules: rule %s: bad for, keep_firing_for, "
			    "labels or annotations", row[0]);
			srw_res_free(r);
			return -1;
		}
	}
	srw_res_free(r);
	return 0;
}

bool
ev_db_changed(struct ev *e)
{
	srw_res *r = query_rules(e);
	char sig[65];

	if (!r) {
		srw_warn("ops.alert_rules: %s (keeping the rules in force)", srw_db_error(e->db));
		return false;
	}
	rows_sig(r, sig);
	srw_res_free(r);
	return strcmp(sig, e->db_sig) != 0;
}

/* ---- evaluate rule add|rm|list ------------------------------------------ */

enum { OPT_FOR = SRW_OPT_LONG, OPT_KEEP_FIRING_FOR, OPT_ANNOTATION, OPT_GROUP,
	OPT_RECORD };

static const char rule_synopsis[] =
    "evaluate rule add NAME --expr EXPR [--for DUR] [--keep-firing-for DUR]\n"
    "                [--label K=V]... [--annotation K=V]... [--group G] [--record]\n"
    "       evaluate rule rm NAME\n"
    "       evaluate rule list";

static const srw_opt rule_opts[] = {
	{ "expr", 'e', "EXPR", "add: the rule's PromQL expression (required)" },
	{ "for", OPT_FOR, "DUR", "add: pending this long before firing (default 0s)" },
	{ "keep-firing-for", OPT_KEEP_FIRING_FOR, "DUR", "add: keep firing this long after" },
	{ "label", 'l', "K=V", "add: a label of the alert (repeatable)" },
	{ "annotation", OPT_ANNOTATION, "K=V", "add: an annotation (repeatable)" },
	{ "group", OPT_GROUP, "G", "add: the rule's group (default db)" },
	{ "record", OPT_RECORD, NULL, "add: a recording rule, not an alert" },
	{ NULL, 0, NULL, NULL },
};

static void
rule_usage(void)
{
	srw_opt_usage();
}

static void
add_kv(json_t *obj, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *k;

	if (!eq || eq == arg)
		srw_die(SRW_EX_USAGE, "expected K=V, got \"%s\"", arg);
	k = srw_xstrndup(arg, eq - arg);
	json_object_set_new(obj, k, json_string(eq + 1));
	free(k);
}

static int
rule_add(int argc, char *argv[])
{
	const char *expr = NULL, *forv = "0s", *kff = "0s", *group = "db", *name;
	json_t *labels = json_object(), *annots = json_object(), *row;
	bool rec = false;
	char err[1024], now[20];
	int c;
	srw_ruleset rs = { 0 };
	srw_rule_group *g;
	srw_rule *r;
	srw_pq *pq;
	srw_db *db;
	srw_table *t;
	srw_ins *ins;
	srw_ins_opts io = { 0 };
	char *ls, *as;

	srw_opt_begin(rule_synopsis, rule_opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case 'e': expr = optarg; break;
		case OPT_FOR: forv = optarg; break;
		case OPT_KEEP_FIRING_FOR: kff = optarg; break;
		case 'l': add_kv(labels, optarg); break;
		case OPT_ANNOTATION: add_kv(annots, optarg); break;
		case OPT_GROUP: group = optarg; break;
		case OPT_RECORD: rec = true; break;
		}
	}
	if (optind != argc - 1)
		srw_opt_error("rule add wants one NAME");
	name = argv[optind];
	if (!expr)
		srw_opt_error("rule add wants --expr EXPR");
	/* refuse what would not load: the same checks as a rule file */
	g = srw_ruleset_add_group(&rs, group, 60000);
	r = srw_group_add_rule(g);
	r->kind = rec ? SRW_RULE_RECORD : SRW_RULE_ALERT;
	r->name = srw_xstrdup(name);
	r->expr = srw_xstrdup(expr);
	r->file = srw_xstrdup("rule add");
	r->line = 1;
	if ((r->for_ms = srw_parse_duration_ms(forv)) < 0)
		srw_die(SRW_EX_USAGE, "bad --for: %s", forv);
	if ((r->keep_firing_for_ms = srw_parse_duration_ms(kff)) < 0)
		srw_die(SRW_EX_USAGE, "bad --keep-firing-for: %s", kff);
	ls = srw_json_dumps(labels);
	as = srw_json_dumps(annots);
	json_map(ls, &r->label_kv, &r->nlabels, err, sizeof err);
	json_map(as, &r->annot_kv, &r->nannots, err, sizeof err);
	pq = srw_pq_new();
	if (srw_rules_compile(&rs, pq, err, sizeof err) < 0) {
		srw_warn("rule refused: %s", strstr(err, ": rule ") ? strstr(err, ": rule ") + 2 : err);
		srw_pq_free(pq);
		srw_ruleset_free(&rs);
		json_decref(labels);
		json_decref(annots);
		free(ls);
		free(as);
		return SRW_EX_DATAERR;
	}
	srw_pq_free(pq);
	srw_ruleset_free(&rs);

	db = open_db();
	if (!(t = srw_table_load(db, "ops.alert_rules", err, sizeof err)))
		srw_die(SRW_EX_UNAVAILABLE, "%s", err);
	row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "rule_name", name,
	    "group_name", group, "kind", rec ? "record" : "alert", "expr", expr,
	    "for_duration", forv, "keep_firing_for", kff, "labels", ls, "annotations", as,
	    "updated_at", srw_time_fmt_sql(srw_now_ms(), now));
	io.mode = SRW_INS_UPSERT;
	ins = srw_ins_new(db, t, &io);
	if (srw_ins_add_json(ins, row, err, sizeof err) != 0)
		srw_die(SRW_EX_DATAERR, "rule refused: %s", err);
	if (srw_ins_flush(ins) != 0 || srw_ins_refused(ins))
		srw_die(SRW_EX_UNAVAILABLE, "storing the rule failed: %s", srw_db_error(db));
	srw_ins_free(ins);
	srw_table_free(t);
	srw_db_close(db);
	json_decref(row);
	json_decref(labels);
	json_decref(annots);
	free(ls);
	free(as);
	return SRW_EX_OK;
}

int
ev_rule_cmd(int argc, char *argv[])
{
	srw_db *db;
	srw_buf q;

	srw_opt_begin(rule_synopsis, rule_opts);
	if (argc < 2)
		rule_usage();
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		srw_opt_help();
	if (strcmp(argv[1], "add") == 0)
		return rule_add(argc - 1, argv + 1);
	if (strcmp(argv[1], "rm") == 0) {
		if (argc != 3)
			rule_usage();
		db = open_db();
		srw_buf_init(&q);
		srw_buf_adds(&q, "DELETE FROM ops.alert_rules WHERE rule_name = ");
		srw_db_quote(db, &q, argv[2], strlen(argv[2]));
		if (srw_db_exec_retry(db, q.s, q.len, 3) != 0)
			srw_die(SRW_EX_UNAVAILABLE, "rule rm: %s", srw_db_error(db));
		srw_buf_free(&q);
		if (srw_db_affected(db) == 0) {
			srw_warn("no rule named %s", argv[2]);
			srw_db_close(db);
			return SRW_EX_DATAERR;
		}
		srw_db_close(db);
		return SRW_EX_OK;
	}
	if (strcmp(argv[1], "list") == 0) {
		srw_res *r;
		json_t *rows, *row;
		size_t i;

		if (argc != 2)
			rule_usage();
		db = open_db();
		if (!(r = srw_db_query_retry(db, "SELECT " COLS ", DATE_FORMAT(updated_at, "
		    "'%Y-%m-%d %H:%i:%s') AS updated_at FROM ops.alert_rules "
		    "ORDER BY group_name, rule_name", 3)))
			srw_die(SRW_EX_UNAVAILABLE, "rule list: %s", srw_db_error(db));
		rows = srw_res_to_json(r);
		json_array_foreach(rows, i, row)
			srw_json_print(stdout, row);
		json_decref(rows);
		srw_res_free(r);
		srw_db_close(db);
		return SRW_EX_OK;
	}
	rule_usage();
	return SRW_EX_USAGE;
}
