/* gi.h - shared between group-issues' grouping (main.c) and its terminal
 * subcommands (triage.c). */

/* The ops.issues columns read back, named as srw_issue_set knows them. */
#define GI_ISSUE_COLS "issue_id, cluster_id, cluster_name, kind, alert_names, " \
	"first_seen, last_seen, alert_count, message_ids, correlation_group, " \
	"severity, escalated, resolved_at, resolve_reason, triage_status, " \
	"disposition_status, jira_key"

bool gi_is_subcommand(const char *word);
/* Runs "triage|dispose|list|show ARGS..." (argv[0] is the word); returns
 * the exit status. */
int gi_subcommand(int argc, char *argv[]);
