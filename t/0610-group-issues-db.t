#!/bin/sh
# group-issues against the real test database: alerts.lark_alerts in,
# ops.issues out (--write), read back for incremental runs; the triage
# lifecycle (triage, dispose, list, show) and its ops.issue_events rows.
. "$(dirname "$0")/lib.sh"
need_db
plan 45

NOW='2031-01-16 00:00:00'
clear_issues() {
	sql "DELETE FROM ops.issues WHERE cluster_id LIKE 'gi-%';
	DELETE FROM ops.issue_events WHERE issue_id NOT IN (SELECT issue_id FROM ops.issues)"
}
dump() { sql "SELECT * FROM ops.issues WHERE cluster_id LIKE 'gi-%' ORDER BY issue_id"; }
iid() { printf 'iss_%s' "$(printf '%s|%s|%s' "$1" "$2" "$3" | sha256sum | cut -c1-20)"; }
sql "DELETE FROM alerts.lark_alerts WHERE message_id LIKE 'gi%'"
clear_issues

cat >"$T/alerts" <<'EOF'
{"message_id":"gia1-f","created_at":"2031-01-15 10:00:00","cluster_name":"prod-a","cluster_id":"gi-a","alert_status":"Firing","alert_name":"HeapUsageTooHigh"}
{"message_id":"gic1-f","created_at":"2031-01-15 10:00:00","cluster_name":"prod-c","cluster_id":"gi-c","alert_status":"Firing","alert_name":"FEGCCount"}
{"message_id":"gib1-f","created_at":"2031-01-15 10:10:00","cluster_name":"prod-b","cluster_id":"gi-b","alert_status":"Firing","alert_name":"OperationAbnormal"}
{"message_id":"gib2-f","created_at":"2031-01-15 10:30:00","cluster_name":"prod-b","cluster_id":"gi-b","alert_status":"Firing","alert_name":"OperationAbnormal"}
{"message_id":"gic2-r","created_at":"2031-01-15 10:45:00","cluster_name":"prod-c","cluster_id":"gi-c","alert_status":"Resolved","alert_name":"FEGCCount"}
{"message_id":"gia2-f","created_at":"2031-01-15 11:00:00","cluster_name":"prod-a","cluster_id":"gi-a","alert_status":"Firing","alert_name":"HeapUsageTooHigh"}
{"message_id":"gim-f","created_at":"2031-01-15 11:30:00","cluster_name":"prod-b|prod-c","cluster_id":"gi-b|gi-c","alert_status":"Firing","alert_name":"OperationAbnormal|FEGCCount"}
{"message_id":"gia3-f","created_at":"2031-01-15 12:00:00","cluster_name":"prod-a","cluster_id":"gi-a","alert_status":"Firing","alert_name":"BeAliveAbnormal"}
{"message_id":"gib3-f","created_at":"2031-01-15 13:00:00","cluster_name":"prod-b","cluster_id":"gi-b","alert_status":"Firing","alert_name":"OperationAbnormal"}
EOF
# stored with plain SQL, so this test does not depend on sr-insert
store() {
	sql "$(jq -rs '"INSERT INTO alerts.lark_alerts (message_id, created_at, cluster_name,
		cluster_id, alert_status, alert_name) VALUES " + (map("(\(.message_id | @json),
		\(.created_at | @json), \(.cluster_name // "" | @json), \(.cluster_id | @json),
		\(.alert_status | @json), \(.alert_name | @json))") | join(","))' "$@")"
}
store "$T/alerts"

# grouping a Pacific date from alerts.lark_alerts, written to ops.issues
group-issues --write --now "$NOW" 2031-01-15 >"$T/out"
is "$?" 0 "--write DATE: exit 0"
is "$(wc -c <"$T/out" | tr -d ' ')" 0 "--write: nothing on stdout"
sql "SELECT cluster_id, kind, alert_names, alert_count, TIME(first_seen), TIME(last_seen),
	issue_status, COALESCE(TIME(resolved_at), '-'), escalated, severity, message_ids
	FROM ops.issues WHERE cluster_id LIKE 'gi-%' ORDER BY cluster_id, first_seen" >"$T/got"
tab=$(printf '\t')
cat >"$T/want" <<EOF
gi-a	ANOMALY	HeapUsageTooHigh,BeAliveAbnormal	3	10:00:00	12:00:00	Ongoing	-	1	Critical	gia1-f,gia2-f,gia3-f
gi-b	FAILURE	OperationAbnormal	2	10:10:00	10:30:00	Resolved	14:30:00	0	Warning	gib1-f,gib2-f
gi-b	FAILURE	OperationAbnormal	1	11:30:00	11:30:00	Resolved	15:30:00	0	Warning	gim-f
gi-b	FAILURE	OperationAbnormal	1	13:00:00	13:00:00	Resolved	17:00:00	0	Warning	gib3-f
gi-c	ANOMALY	FEGCCount	1	10:00:00	10:00:00	Resolved	10:45:00	0	Warning	gic1-f,gic2-r
gi-c	ANOMALY	FEGCCount	1	11:30:00	11:30:00	Ongoing	-	0	Warning	gim-f#1
EOF
check_same "ops.issues: the expected six issues" "$T/want" "$T/got"
is "$(sql "SELECT CONCAT(triage_status, '/', disposition_status, '/', COALESCE(resolve_reason, '-'))
	FROM ops.issues WHERE issue_id = '$(iid gi-b FAILURE gib1-f)'")" "New/New/quiet for 4h" \
	"deterministic id; new issues are New; the quiet reason is stored"
dump >"$T/dump1"

# the same again: nothing changes, nothing printed
group-issues --write --now "$NOW" 2031-01-15
is "$?" 0 "second --write run: exit 0"
dump >"$T/dump2"
check_same "second run: ops.issues unchanged" "$T/dump1" "$T/dump2"
is "$(group-issues --now "$NOW" 2031-01-15 | wc -l | tr -d ' ')" 0 "second run without --write: no changed issues"
is "$(group-issues --now "$NOW" <"$T/alerts" | wc -l | tr -d ' ')" 0 \
	"the same alerts on stdin: the stored issues are found, nothing changes"

# split into two runs (--since/--until) equals the one run
clear_issues
group-issues --write --now "$NOW" --since '2031-01-15 00:00:00' --until '2031-01-15 11:00:00'
group-issues --write --now "$NOW" --since '2031-01-15 11:00:00' --until '2031-01-16 00:00:00'
dump >"$T/dump3"
check_same "two runs (--since/--until) = one run" "$T/dump1" "$T/dump3"

# stdin without --write prints the changed issues
clear_issues
group-issues --now "$NOW" <"$T/alerts" >"$T/out"
is "$(wc -l <"$T/out" | tr -d ' ')" 6 "stdin: six changed issues printed"
group-issues --write --now "$NOW" 2031-01-15

A=$(iid gi-a ANOMALY gia1-f)
B=$(iid gi-b FAILURE gib1-f)
C=$(iid gi-b FAILURE gib3-f)
events() { sql "SELECT CONCAT_WS(' ', field, from_status, to_status, who, COALESCE(note, '-'))
	FROM ops.issue_events WHERE issue_id = '$1' ORDER BY \`at\`, CASE to_status WHEN 'Acknowledged' THEN 1
	WHEN 'Investigating' THEN 2 WHEN 'Mitigating' THEN 3 WHEN 'Closed' THEN 4 ELSE 0 END"; }
status() { sql "SELECT CONCAT(triage_status, '/', disposition_status, '/', COALESCE(jira_key, '-'))
	FROM ops.issues WHERE issue_id = '$1'"; }

# triage: forward only, steps may be skipped; everything else exits 65
group-issues triage "$A" Acknowledged --by alice >"$T/out"
is "$?" 0 "triage New -> Acknowledged"
is "$(cat "$T/out")" "$A: triage New -> Acknowledged (by alice)" "triage says what it did"
for bad in New Acknowledged Bogus ''; do
	group-issues triage "$A" "$bad" 2>"$T/err"
	is "$?" 65 "illegal triage Acknowledged -> '$bad': exit 65"
done
grep -q "forward only" "$T/err" || grep -q "unknown triage status" "$T/err"
is "$?" 0 "the refusal says why"
USER=bob group-issues triage "$(echo "$A" | cut -c1-12)" Mitigating --note "scaled out" >/dev/null
is "$?" 0 "triage by an id prefix, skipping Investigating (who = \$USER)"
group-issues triage "$A" Investigating 2>"$T/err"
is "$?" 65 "backward Mitigating -> Investigating: exit 65"
grep -q "forward only (to Closed)" "$T/err"
is "$?" 0 "the refusal names the allowed moves"
group-issues triage "$A" closed --by carol >/dev/null
is "$?" 0 "Mitigating -> Closed (case-insensitive)"
for bad in Closed Mitigating New; do
	group-issues triage "$A" "$bad" 2>/dev/null
	is "$?" 65 "illegal triage Closed -> $bad: exit 65"
done
group-issues triage iss_nonexistent00000 Closed 2>"$T/err"
is "$?" 65 "triage of an unknown issue: exit 65"
group-issues triage "$A" 2>/dev/null
is "$?" 64 "triage without a status: exit 64"
is "$(status "$A")" "Closed/New/-" "ops.issues: triage_status Closed"
events "$A" >"$T/got"
printf '%s\n' "triage New Acknowledged alice -" "triage Acknowledged Mitigating bob scaled out" \
	"triage Mitigating Closed carol -" >"$T/want"
check_same "ops.issue_events: one row per change, who and note" "$T/want" "$T/got"

# dispose: only from New, once
group-issues dispose "$B" "No Action Needed" --by dave >/dev/null
is "$?" 0 "dispose New -> No Action Needed"
group-issues dispose "$B" --jira OPS-1 2>"$T/err"
is "$?" 65 "dispose twice: exit 65"
grep -q "once only" "$T/err"
is "$?" 0 "the refusal says once only"
group-issues dispose "$A" "No Action Needed" 2>/dev/null
is "$?" 65 "dispose a triaged issue: exit 65"
group-issues dispose "$C" "Maybe later" 2>/dev/null
is "$?" 65 "unknown disposition: exit 65"
group-issues dispose "$C" --jira OPS-7 --by erin >/dev/null
is "$?" 0 "dispose --jira KEY"
is "$(status "$B") $(status "$C")" "New/No Action Needed/- New/JIRA Created/OPS-7" "dispositions stored"
is "$(events "$C")" "disposition New JIRA Created erin OPS-7" "the disposition event"
group-issues triage "$C" Acknowledged >/dev/null
is "$?" 0 "a disposed issue can still be triaged"

# grouping again keeps the triage
printf '%s\n' '{"message_id":"gia4-f","created_at":"2031-01-15 15:00:00","cluster_id":"gi-a","alert_status":"Firing","alert_name":"HeapUsageTooHigh"}' |
	store
group-issues --write --now "$NOW" 2031-01-15
is "$(sql "SELECT CONCAT(alert_count, ' ', triage_status) FROM ops.issues WHERE issue_id = '$A'")" \
	"4 Closed" "a new alert joins the issue; its triage stays"

# list and show
group-issues list --cluster gi-a >"$T/out"
is "$?" 0 "list: exit 0"
is "$(head -1 "$T/out" | awk '{print $1, $2, $3}')" "ISSUE CLUSTER KIND" "list: a table header"
is "$(grep -c "^$A " "$T/out")" 1 "list --cluster: the issue"
is "$(group-issues list --open --format ndjson | jq -r 'select(.cluster_id | startswith("gi-")) | .issue_id' | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "$A" "$(iid gi-c ANOMALY gim-f#1)" | sort | tr '\n' ' ')" "list --open --format ndjson: the ongoing ones"
group-issues show "$A" >"$T/out"
is "$?" 0 "show: exit 0"
grep -q "^triage_status *Closed" "$T/out" && grep -q "gia3-f" "$T/out" && grep -q "scaled out" "$T/out"
is "$?" 0 "show: the issue, its alerts and its events"

# database down: 69
STARROCKS_SOCKET=$T/nosock STARROCKS_PORT=1 group-issues list >/dev/null 2>&1
is "$?" 69 "database unavailable: exit 69"
done_testing
