/* triage.c - group-issues' terminal subcommands: triage, dispose, list,
 * show.  Every triage or disposition change is one ops.issue_events row. */
#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"
#include "gi.h"

static const char *note, *by, *jira, *cluster, *format = "text";
static bool open_only;
static long limit = 200;

static const char *const words[] = { "triage", "dispose", "list", "show" };

bool
gi_is_subcommand(const char *w)
{
	size_t i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(w, words[i]) == 0)
			return true;
	return false;
}

enum { OPT_NOTE = SRW_OPT_LONG, OPT_BY, OPT_JIRA, OPT_OPEN, OPT_CLUSTER, OPT_LIMIT,
	OPT_FORMAT };

static const srw_opt opts[] = {
	{ "note", OPT_NOTE, "TEXT", "triage, dispose: a note for the event" },
	{ "by", OPT_BY, "WHO", "triage, dispose: who (default $USER)" },
	{ "jira", OPT_JIRA, "KEY", "dispose: the Jira issue that follows it up" },
	{ "open", OPT_OPEN, NULL, "list: only issues not Closed" },
	{ "cluster", OPT_CLUSTER, "C", "list: only this cluster" },
	{ "limit", OPT_LIMIT, "N", "list: at most N issues (default 200)" },
	{ "format", OPT_FORMAT, "FMT", "list: text (default) or ndjson" },
	{ NULL, 0, NULL, NULL },
};

static const char *
sub_synopsis(const char *cmd)
{
	if (strcmp(cmd, "triage") == 0)
		return "group-issues triage ID STATUS [--note TEXT] [--by WHO]\n"
		    "  STATUS: New, Acknowledged, Investigating, Mitigating, Closed "
		    "(forward only)";
	if (strcmp(cmd, "dispose") == 0)
		return "group-issues dispose ID \"No Action Needed\" [--note TEXT] [--by WHO]\n"
		    "       group-issues dispose ID --jira KEY [--note TEXT] [--by WHO]";
	if (strcmp(cmd, "list") == 0)
		return "group-issues list [--open] [--cluster C] [--limit N] "
		    "[--format text|ndjson]";
	return "group-issues show ID";
}

static srw_db *
db_open(void)
{
	char err[512];
	srw_db *db = srw_db_open(2, err, sizeof err);

	if (!db)
		srw_die(SRW_EX_UNAVAILABLE, "database: %s", err);
	return db;
}

static srw_res *
query(srw_db *db, const char *sql)
{
	srw_res *res = srw_db_query_retry(db, sql, 3);

	if (!res)
		srw_die(SRW_EX_UNAVAILABLE, "query failed: %s", srw_db_error(db));
	return res;
}

/* The issue named by id, or by a unique prefix of it (6+ characters):
 * its row of GI_ISSUE_COLS, issue_status.  No such issue: exit 65. */
static srw_res *
find_issue(srw_db *db, const char *id, char ***row)
{
	srw_buf q;
	srw_res *res;
	const char *p;

	srw_buf_init(&q);
	srw_buf_printf(&q, "SELECT %s, issue_status FROM ops.issues WHERE issue_id = ",
	    GI_ISSUE_COLS);
	srw_db_quote(db, &q, id, strlen(id));
	res = query(db, q.s);
	if (srw_res_nrows(res) == 0 && strlen(id) >= 6) {
		for (p = id; *p && (isalnum((unsigned char)*p) || *p == '_' || *p == '-'); p++)
			;
		if (!*p) {
			srw_res_free(res);
			srw_buf_reset(&q);
			srw_buf_printf(&q, "SELECT %s, issue_status FROM ops.issues WHERE "
			    "issue_id LIKE '", GI_ISSUE_COLS);
			for (p = id; *p; p++) {
				if (*p == '_')
					srw_buf_addc(&q, '\\');
				srw_buf_addc(&q, *p);
			}
			srw_buf_adds(&q, "%' LIMIT 2");
			res = query(db, q.s);
		}
	}
	srw_buf_free(&q);
	if (srw_res_nrows(res) != 1) {
		bool many = srw_res_nrows(res) > 1;

		srw_res_free(res);
		srw_die(SRW_EX_DATAERR, "%s: %s", id, many ?
		    "more than one issue has this prefix: give more of the id" :
		    "no such issue in ops.issues");
	}
	*row = srw_res_next(res, NULL);
	return res;
}

static const char *
col(srw_res *res, char **row, const char *name)
{
	int i = srw_res_colidx(res, name);

	return i >= 0 && row[i] ? row[i] : "";
}

static const char *
who(void)
{
	if (by && *by)
		return by;
	return srw_env("USER", "unknown");
}

/* Applies "SET assignments WHERE issue_id = id AND guard" and records the
 * event.  A row that changed meanwhile (guard fails) exits 75. */
static void
change(srw_db *db, const char *id, const char *set, const char *guard,
    const char *field, const char *from, const char *to, const char *text)
{
	srw_buf q;
	char at[24];

	srw_buf_init(&q);
	srw_buf_printf(&q, "UPDATE ops.issues SET %s WHERE issue_id = ", set);
	srw_db_quote(db, &q, id, strlen(id));
	srw_buf_printf(&q, " AND %s", guard);
	if (srw_db_exec_retry(db, q.s, q.len, 3) != 0)
		srw_die(SRW_EX_UNAVAILABLE, "updating %s: %s", id, srw_db_error(db));
	if (srw_db_affected(db) != 1)
		srw_die(SRW_EX_TEMPFAIL, "%s changed meanwhile: look again (group-issues show %s)",
		    id, id);
	srw_buf_reset(&q);
	srw_buf_adds(&q, "INSERT INTO ops.issue_events (issue_id, `at`, field, to_status, "
	    "from_status, who, note) VALUES (");
	srw_db_quote(db, &q, id, strlen(id));
	srw_buf_printf(&q, ", '%s', '%s', ", srw_time_fmt_sql(srw_now_ms(), at), field);
	srw_db_quote(db, &q, to, strlen(to));
	srw_buf_addc(&q, ',');
	srw_db_quote(db, &q, from, strlen(from));
	srw_buf_addc(&q, ',');
	srw_db_quote(db, &q, who(), strlen(who()));
	srw_buf_addc(&q, ',');
	if (text)
		srw_db_quote(db, &q, text, strlen(text));
	else
		srw_buf_adds(&q, "NULL");
	srw_buf_addc(&q, ')');
	if (srw_db_dialect(db) == SRW_DIALECT_MARIADB)
		srw_buf_adds(&q, " ON DUPLICATE KEY UPDATE who = VALUES(who), note = VALUES(note)");
	if (srw_db_exec_retry(db, q.s, q.len, 3) != 0)
		srw_die(SRW_EX_UNAVAILABLE, "%s changed, but its event was not recorded: %s",
		    id, srw_db_error(db));
	srw_buf_free(&q);
	printf("%s: %s %s -> %s (by %s)\n", id, field, from, to, who());
}

static int
cmd_triage(srw_db *db, int argc, char *argv[])
{
	char **row, *id, guard[128], set[128];
	srw_res *res;
	int from, to, i;
	srw_buf allowed;

	if (argc != 2)
		srw_opt_usage();
	res = find_issue(db, argv[0], &row);
	id = srw_xstrdup(col(res, row, "issue_id"));
	from = srw_triage_rank(col(res, row, "triage_status"));
	to = srw_triage_rank(argv[1]);
	if (to < 0)
		srw_die(SRW_EX_DATAERR, "%s: unknown triage status '%s' (New, Acknowledged, "
		    "Investigating, Mitigating, Closed)", id, argv[1]);
	if (from < 0)
		from = 0;
	if (to <= from) {
		srw_buf_init(&allowed);
		for (i = from + 1; srw_triage_name(i); i++)
			srw_buf_printf(&allowed, "%s%s", i > from + 1 ? ", " : "",
			    srw_triage_name(i));
		srw_warn("%s is %s: triage moves forward only (%s%s)", id,
		    srw_triage_name(from), allowed.len ? "to " : "it is Closed",
		    allowed.len ? allowed.s : "");
		srw_buf_free(&allowed);
		exit(SRW_EX_DATAERR);
	}
	snprintf(set, sizeof set, "triage_status = '%s'", srw_triage_name(to));
	snprintf(guard, sizeof guard, "triage_status = '%s'",
	    col(res, row, "triage_status"));
	if (!srw_triage_name(from) || strcmp(col(res, row, "triage_status"),
	    srw_triage_name(from)) != 0)
		snprintf(guard, sizeof guard, "1 = 1");	/* unknown stored status */
	change(db, id, set, guard, "triage", srw_triage_name(from), srw_triage_name(to),
	    note);
	srw_res_free(res);
	free(id);
	return SRW_EX_OK;
}

static int
cmd_dispose(srw_db *db, int argc, char *argv[])
{
	const char *to, *triage, *disp;
	char **row, *id;
	srw_res *res;
	srw_buf set;

	if (argc != (jira ? 1 : 2))
		srw_opt_usage();
	if (jira) {
		to = "JIRA Created";
		if (!*jira || strlen(jira) > 64)
			srw_die(SRW_EX_DATAERR, "--jira: bad key '%s'", jira);
	} else if (strcasecmp(argv[1], "No Action Needed") == 0) {
		to = "No Action Needed";
	} else {
		srw_die(SRW_EX_DATAERR, "unknown disposition '%s' (\"No Action Needed\", "
		    "or --jira KEY for JIRA Created)", argv[1]);
	}
	res = find_issue(db, argv[0], &row);
	id = srw_xstrdup(col(res, row, "issue_id"));
	triage = col(res, row, "triage_status");
	disp = col(res, row, "disposition_status");
	if (*disp && strcmp(disp, "New") != 0)
		srw_die(SRW_EX_DATAERR, "%s is already disposed (%s): once only", id, disp);
	if (srw_triage_rank(triage) != 0)
		srw_die(SRW_EX_DATAERR, "%s is %s: only a New issue can be disposed", id, triage);
	srw_buf_init(&set);
	srw_buf_printf(&set, "disposition_status = '%s'", to);
	if (jira) {
		srw_buf_adds(&set, ", jira_key = ");
		srw_db_quote(db, &set, jira, strlen(jira));
	}
	change(db, id, set.s, "disposition_status = 'New' AND triage_status = 'New'",
	    "disposition", "New", to, note ? note : jira);
	srw_buf_free(&set);
	srw_res_free(res);
	free(id);
	return SRW_EX_OK;
}

/* A result as a text table: a header, then one line per row. */
static void
print_table(srw_res *res, const char *const *heads)
{
	unsigned n = srw_res_ncols(res), i;
	size_t *w = srw_xcalloc(n, sizeof *w);
	char ***rows = NULL, **row;
	size_t nrows = 0, r;

	for (i = 0; i < n; i++)
		w[i] = strlen(heads[i]);
	while ((row = srw_res_next(res, NULL))) {
		rows = srw_xrealloc(rows, (nrows + 1) * sizeof *rows);
		rows[nrows] = srw_xcalloc(n, sizeof **rows);
		for (i = 0; i < n; i++) {
			rows[nrows][i] = srw_xstrdup(row[i] ? row[i] : "-");
			if (strlen(rows[nrows][i]) > w[i])
				w[i] = strlen(rows[nrows][i]);
		}
		nrows++;
	}
	for (i = 0; i < n; i++)
		printf("%-*s%s", i + 1 < n ? (int)w[i] : 0, heads[i], i + 1 < n ? "  " : "\n");
	for (r = 0; r < nrows; r++) {
		for (i = 0; i < n; i++) {
			printf("%-*s%s", i + 1 < n ? (int)w[i] : 0, rows[r][i],
			    i + 1 < n ? "  " : "\n");
			free(rows[r][i]);
		}
		free(rows[r]);
	}
	if (nrows == 0)
		printf("(no issues)\n");
	free(rows);
	free(w);
}

static int
cmd_list(srw_db *db, int argc, char *argv[])
{
	static const char *const heads[] = { "ISSUE", "CLUSTER", "KIND", "SEVERITY",
		"STATUS", "TRIAGE", "DISPOSITION", "ALERTS", "FIRST SEEN", "LAST SEEN",
		"NAMES" };
	srw_buf q;
	srw_res *res;

	if (argc != 0)
		srw_opt_usage();
	srw_buf_init(&q);
	srw_buf_adds(&q, strcmp(format, "ndjson") == 0 ?
	    "SELECT " GI_ISSUE_COLS ", issue_status FROM ops.issues WHERE 1 = 1" :
	    "SELECT issue_id, cluster_id, kind, severity, issue_status, triage_status, "
	    "disposition_status, alert_count, first_seen, last_seen, "
	    "CONCAT(alert_names, CASE WHEN escalated THEN ' (escalated)' ELSE '' END) "
	    "FROM ops.issues WHERE 1 = 1");
	if (open_only)
		srw_buf_adds(&q, " AND issue_status = 'Ongoing'");
	if (cluster) {
		srw_buf_adds(&q, " AND cluster_id = ");
		srw_db_quote(db, &q, cluster, strlen(cluster));
	}
	srw_buf_printf(&q, " ORDER BY last_seen DESC, issue_id LIMIT %ld", limit);
	res = query(db, q.s);
	if (strcmp(format, "ndjson") == 0) {
		json_t *a = srw_res_to_json(res);
		size_t i;

		for (i = 0; i < json_array_size(a); i++)
			srw_json_print(stdout, json_array_get(a, i));
		json_decref(a);
	} else {
		print_table(res, heads);
	}
	srw_res_free(res);
	srw_buf_free(&q);
	return SRW_EX_OK;
}

static int
cmd_show(srw_db *db, int argc, char *argv[])
{
	static const char *const aheads[] = { "CREATED AT", "STATUS", "ALERT", "CLUSTER",
		"MESSAGE" };
	static const char *const eheads[] = { "AT", "FIELD", "FROM", "TO", "WHO", "NOTE" };
	char **row, **ids;
	srw_res *res, *r2;
	unsigned i;
	size_t n, k;
	srw_buf q;

	if (argc != 1)
		srw_opt_usage();
	res = find_issue(db, argv[0], &row);
	for (i = 0; i < srw_res_ncols(res); i++)
		printf("%-19s %s\n", srw_res_colname(res, i), row[i] ? row[i] : "-");

	/* its alerts: the rows of its message ids ("#N" names a section) */
	srw_buf_init(&q);
	srw_buf_adds(&q, "SELECT created_at, alert_status, alert_name, cluster_id, message_id "
	    "FROM alerts.lark_alerts WHERE message_id IN (''");
	ids = srw_split(col(res, row, "message_ids"), ',', &n);
	for (k = 0; k < n && k < 1000; k++) {
		char *h = strchr(ids[k], '#');

		srw_buf_addc(&q, ',');
		srw_db_quote(db, &q, ids[k], h ? (size_t)(h - ids[k]) : strlen(ids[k]));
	}
	srw_strv_free(ids);
	srw_buf_adds(&q, ") ORDER BY created_at, message_id");
	r2 = query(db, q.s);
	printf("\nalerts:\n");
	print_table(r2, aheads);
	srw_res_free(r2);

	srw_buf_reset(&q);
	srw_buf_adds(&q, "SELECT `at`, field, from_status, to_status, who, note FROM "
	    "ops.issue_events WHERE issue_id = ");
	srw_db_quote(db, &q, col(res, row, "issue_id"), strlen(col(res, row, "issue_id")));
	/* within a second, forward-only triage orders itself */
	srw_buf_adds(&q, " ORDER BY `at`, CASE to_status WHEN 'Acknowledged' THEN 1 "
	    "WHEN 'Investigating' THEN 2 WHEN 'Mitigating' THEN 3 WHEN 'Closed' THEN 4 "
	    "ELSE 0 END, field");
	r2 = query(db, q.s);
	printf("\nevents:\n");
	if (srw_res_nrows(r2))
		print_table(r2, eheads);
	else
		printf("(none)\n");
	srw_res_free(r2);
	srw_buf_free(&q);
	srw_res_free(res);
	return SRW_EX_OK;
}

int
gi_subcommand(int argc, char *argv[])
{
	const char *cmd = argv[0];
	srw_db *db;
	int c, rc;

	srw_opt_begin(sub_synopsis(cmd), opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case OPT_NOTE: note = optarg; break;
		case OPT_BY: by = optarg; break;
		case OPT_JIRA: jira = optarg; break;
		case OPT_OPEN: open_only = true; break;
		case OPT_CLUSTER: cluster = optarg; break;
		case OPT_LIMIT: limit = srw_opt_num(optarg, 1, LONG_MAX, "--limit"); break;
		case OPT_FORMAT:
			format = optarg;
			if (strcmp(format, "text") != 0 && strcmp(format, "ndjson") != 0)
				srw_opt_error("--format: text or ndjson, not '%s'", format);
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (jira && strcmp(cmd, "dispose") != 0)
		srw_opt_error("--jira goes with dispose only");
	db = db_open();
	if (strcmp(cmd, "triage") == 0)
		rc = cmd_triage(db, argc, argv);
	else if (strcmp(cmd, "dispose") == 0)
		rc = cmd_dispose(db, argc, argv);
	else if (strcmp(cmd, "list") == 0)
		rc = cmd_list(db, argc, argv);
	else
		rc = cmd_show(db, argc, argv);
	srw_db_close(db);
	return rc;
}
