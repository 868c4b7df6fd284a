#!/usr/bin/env bash
# sr-insert keeps every row it read across a database crash and restart in
# the middle of a load: each row ends up stored (once) or in the reject file.
. "$(dirname "$0")/lib.sh"

db=$T/db
eval "$(testdb start "$db")" || skip_all "could not start a private database"
trap 'testdb stop "$db" >/dev/null 2>&1; _cleanup' EXIT

N=150000
awk -v n=$N 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"message_id\":\"m%07d\",\"created_at\":\"2026-03-10 %02d:%02d:%02d\",\"cluster_id\":\"c-%d\",\"alert_status\":\"Firing\",\"alert_name\":\"BeAliveAbnormal\",\"alert_detail\":\"row %d\",\"source\":\"lark\"}\n", i, (i/3600)%24, (i/60)%60, i%60, i%500, i }' > "$T/rows.ndjson"

for jobs in 1 2; do
sql "DELETE FROM alerts.lark_alerts"
rm -f "$T/rej"
sr-insert -t alerts.lark_alerts --jobs $jobs --batch 500 --reject "$T/rej" "$T/rows.ndjson" 2>"$T/err" &
pid=$!
# wait until the load is under way, then crash the server
for _ in $(seq 1 100); do
	n=$(sql "SELECT COUNT(*) FROM alerts.lark_alerts" 2>/dev/null || echo 0)
	[ "${n:-0}" -gt 0 ] && break
	sleep 0.05
done
testdb kill "$db"
crashed_at=$n
sleep 1
testdb start "$db" >/dev/null
wait $pid
status=$?

stored=$(sql "SELECT COUNT(*) FROM alerts.lark_alerts")
rejected=$(wc -l < "$T/rej" 2>/dev/null | tr -d ' ')
diag "--jobs $jobs: crash after $crashed_at rows; exit $status; stored $stored; rejected ${rejected:-0}"
ok "--jobs $jobs: the crash happened mid-load" test "$crashed_at" -lt "$N"
is "$((stored + ${rejected:-0}))" "$N" "--jobs $jobs: every row read is stored or rejected"
is "$status" 0 "--jobs $jobs: sr-insert rode out the restart (exit 0)"
is "$(sql "SELECT COUNT(DISTINCT message_id) FROM alerts.lark_alerts")" "$stored" "--jobs $jobs: no row stored twice"
ok "--jobs $jobs: the retry was reported" grep -q 'retrying' "$T/err"
done

# a database that stays down: the rows not stored go to the reject file
# (the one being sent, and the one being built behind it), exit 69
sql "DELETE FROM alerts.lark_alerts"
rm -f "$T/rej"
sr-insert -t alerts.lark_alerts --batch 500 --retry-for 2 --reject "$T/rej" "$T/rows.ndjson" 2>"$T/err" &
pid=$!
for _ in $(seq 1 100); do
	n=$(sql "SELECT COUNT(*) FROM alerts.lark_alerts" 2>/dev/null || echo 0)
	[ "${n:-0}" -gt 0 ] && break
	sleep 0.05
done
testdb kill "$db"
wait $pid
status=$?
testdb start "$db" >/dev/null
stored=$(sql "SELECT COUNT(*) FROM alerts.lark_alerts")
rejected=$(wc -l < "$T/rej" | tr -d ' ')
read_=$(sed -n 's/.*: \([0-9]*\) rows read.*/\1/p' "$T/err")
diag "down for good: exit $status; read $read_; stored $stored; rejected $rejected"
is "$status" 69 "a database that stays down: exit 69"
is "$((stored + rejected))" "$read_" "every row read is stored or in the reject file"
ok "the summary says how many were read" test -n "$read_"
done_testing
