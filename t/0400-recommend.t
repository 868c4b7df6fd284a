#!/bin/sh
# recommend against the test database: hand-made days that hit every rule.
. "$(dirname "$0")/lib.sh"
need_db

# row ID CREATED STATUS NAME CLUSTER_ID CLUSTER_NAME REGION
row() {
	printf '{"message_id":"rt_%s","created_at":"%s","cluster_name":"%s","region":"%s","account_name":"acme","cluster_id":"%s","alert_status":"%s","alert_name":"%s","alert_detail":"d","source":"lark"}\n' \
		"$1" "$2" "$6" "$7" "$5" "$3" "$4"
}
# field FILE ALERT KEY: the JSON value of KEY in ALERT's row
field() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["alert_name"] == sys.argv[2]:
        print(json.dumps(r[sys.argv[3]])); break
else:
    print("MISSING")' "$@"
}

D=2026-03-12		# PDT: 2026-03-12 07:00 .. 2026-03-13 07:00 UTC
{
	# noisy by count: 10 firings on one cluster; 9 is not noisy
	for i in 0 1 2 3 4 5 6 7 8 9; do
		row gc$i-f "2026-03-12 10:0$i:00" Firing FEGCCount c-a alpha us-west-2
	done
	for i in 0 1 2 3 4 5 6 7 8; do
		row heap$i-f "2026-03-12 11:0$i:00" Firing FEHeapUsageTooHigh c-a alpha us-west-2
	done
	# noisy by clusters: 3 clusters, two of them in one pipe-joined row
	row be1-f "2026-03-12 13:00:00" Firing BeAliveAbnormal c-a alpha us-west-2
	row be23-f "2026-03-12 13:05:00" Firing "BeAliveAbnormal|BeAliveAbnormal" \
		"c-b|c-c" "bravo|charlie" "us-east-1|eu-west-1"
	row disk1-f "2026-03-12 14:00:00" Firing "RootFreeDiskLessThan10%" c-a alpha us-west-2
	row disk2-f "2026-03-12 14:30:00" Firing "RootFreeDiskLessThan10%" c-b bravo us-east-1
	# flapping: c-f re-fires 3 times (flaps), c-g twice (does not);
	# fire->resolve times 5m 10m 20m | 1m 60m: median 10m
	row f1-f "2026-03-12 16:00:00" Firing HeapUsageTooHigh c-f foxtrot us-west-2
	row f1-r "2026-03-12 16:05:00" Resolved HeapUsageTooHigh c-f foxtrot us-west-2
	row f2-f "2026-03-12 16:10:00" Firing HeapUsageTooHigh c-f foxtrot us-west-2
	row f2-r "2026-03-12 16:20:00" Resolved HeapUsageTooHigh c-f foxtrot us-west-2
	row f3-f "2026-03-12 16:30:00" Firing HeapUsageTooHigh c-f foxtrot us-west-2
	row f3-r "2026-03-12 16:50:00" Resolved HeapUsageTooHigh c-f foxtrot us-west-2
	row f4-f "2026-03-12 17:00:00" Firing HeapUsageTooHigh c-f foxtrot us-west-2
	row g1-f "2026-03-12 18:00:00" Firing HeapUsageTooHigh c-g golf us-west-2
	row g1b-f "2026-03-12 18:00:30" Firing HeapUsageTooHigh c-g golf us-west-2
	row g1-r "2026-03-12 18:01:00" Resolved HeapUsageTooHigh c-g golf us-west-2
	row g2-f "2026-03-12 18:02:00" Firing HeapUsageTooHigh c-g golf us-west-2
	row g2-r "2026-03-12 19:02:00" Resolved HeapUsageTooHigh c-g golf us-west-2
	row g3-f "2026-03-12 19:10:00" Firing HeapUsageTooHigh c-g golf us-west-2
	# an unknown name; a pipe-joined row of two names sharing one region
	row cust-f "2026-03-12 20:00:00" Firing MyCustomAlert c-h hotel us-east-1
	row mix-f "2026-03-12 21:00:00" Firing "OperationDurationGT|ProcNotRunning" \
		"c-h|c-i" "hotel|india" us-east-1
	# Pacific midnight edges: only the middle two are on 2026-03-12
	row edge1-f "2026-03-12 06:59:59" Firing OperationAbnormal c-j juliet us-west-2
	row edge2-f "2026-03-12 07:00:00" Firing OperationAbnormal c-j juliet us-west-2
	row edge3-f "2026-03-13 06:59:59" Firing OperationAbnormal c-j juliet us-west-2
	row edge4-f "2026-03-13 07:00:00" Firing OperationAbnormal c-j juliet us-west-2
	# a week earlier, 2026-03-05, is PST (08:00 .. 08:00 UTC): 5 firings
	for i in 1 2 3 4; do
		row wk$i-f "2026-03-05 12:0$i:00" Firing FEGCCount c-a alpha us-west-2
	done
	row wk5-f "2026-03-06 07:30:00" Firing FEGCCount c-a alpha us-west-2
	row wk6-f "2026-03-05 07:30:00" Firing FEGCCount c-a alpha us-west-2
	# DST days: 2026-03-08 has 23 hours, 2026-11-01 has 25
	row dst1-f "2026-03-08 07:59:59" Firing CNAliveAbnormal c-k kilo us-west-2
	row dst2-f "2026-03-08 08:00:00" Firing CNAliveAbnormal c-k kilo us-west-2
	row dst3-f "2026-03-09 06:59:59" Firing CNAliveAbnormal c-k kilo us-west-2
	row dst4-f "2026-03-09 07:00:00" Firing CNAliveAbnormal c-k kilo us-west-2
	row nov1-f "2026-11-01 06:59:59" Firing CNAliveAbnormal c-k kilo us-west-2
	row nov2-f "2026-11-02 07:30:00" Firing CNAliveAbnormal c-k kilo us-west-2
} >"$T/rows.ndjson"

cleanup_db() {
	# our rows, and anything else in the two windows whose rows are counted
	sql "DELETE FROM alerts.lark_alerts WHERE message_id LIKE 'rt\\_%'
	     OR (created_at >= '2026-03-05 08:00:00' AND created_at < '2026-03-06 08:00:00')
	     OR (created_at >= '2026-03-12 07:00:00' AND created_at < '2026-03-13 07:00:00');
	     DELETE FROM alerts.alert_recommendations WHERE date IN
	     ('2026-03-05','2026-03-08','2026-03-11','2026-03-12','2026-11-01')
	     OR alert_name = 'RtYesterdayProbe'"
}
cleanup_db
ok "sample rows stored" sh -c "sr-insert -t alerts.lark_alerts '$T/rows.ndjson' 2>/dev/null"

recommend $D >"$T/out" 2>"$T/err"
is "$?" 0 "recommend $D exits 0"
is "$(wc -l <"$T/out" | tr -d ' ')" 9 "one row per alert name of the day"

f() { field "$T/out" "$@"; }
is "$(f FEGCCount fired)" 10 "fired counts every firing"
is "$(f FEGCCount noisy)" true "10 firings a day is noisy"
is "$(f FEGCCount noisy_reason)" '"fired 10 times (>= 10)"' "noisy reason names the count"
is "$(f FEHeapUsageTooHigh noisy)" false "9 firings on one cluster is not noisy"
is "$(f BeAliveAbnormal fired)" 3 "pipe-joined sections count once each"
is "$(f BeAliveAbnormal clusters)" '["c-a", "c-b", "c-c"]' "affected clusters listed"
is "$(f BeAliveAbnormal cluster_names)" '["alpha", "bravo", "charlie"]' "cluster names listed"
is "$(f BeAliveAbnormal regions)" '["eu-west-1", "us-east-1", "us-west-2"]' "regions of the sections"
is "$(f BeAliveAbnormal noisy_reason)" '"on 3 clusters (>= 3)"' "3 clusters is noisy"
is "$(f BeAliveAbnormal severity)" '"Critical"' "severity from the alert-type table"
is "$(f RootFreeDiskLessThan10% noisy)" false "2 clusters, 2 firings: not noisy"
is "$(f RootFreeDiskLessThan10% cluster_count)" 2 "cluster count"
is "$(f HeapUsageTooHigh fired)/$(f HeapUsageTooHigh resolved)" 8/5 "fired and resolved counted apart"
is "$(f HeapUsageTooHigh flapping)" true "3 re-fires on one cluster is flapping"
is "$(f HeapUsageTooHigh flapping_clusters)" '["c-f"]' "only the cluster with 3 re-fires flaps"
is "$(f HeapUsageTooHigh max_refires)" 3 "re-fires counted per cluster"
is "$(f HeapUsageTooHigh median_resolve_s)" 600 "median fire-to-resolve over both clusters"
is "$(f HeapUsageTooHigh resolve_pairs)" 5 "a repeated Firing does not start a new episode"
is "$(f FEGCCount flapping)" false "never resolved: not flapping"
is "$(f FEGCCount median_resolve_s)" null "no resolve seen: no median"
is "$(f MyCustomAlert severity)" '"Unknown"' "unknown name gets severity Unknown"
is "$(f MyCustomAlert known)" false "unknown name is marked"
ok "unknown name gets the generic recommendation" \
	grep -q '"alert_name":"MyCustomAlert".*"recommendation":"Unknown alert type' "$T/out"
is "$(f ProcNotRunning clusters)/$(f ProcNotRunning regions)" '["c-i"]/["us-east-1"]' \
	"second section of a mixed row: its cluster, the shared region"
is "$(f OperationDurationGT clusters)" '["c-h"]' "first section of a mixed row"
is "$(f OperationAbnormal fired)" 2 "Pacific midnight: 07:00:00 in, 06:59:59 out (PDT)"
is "$(f OperationAbnormal first_fired_at)/$(f OperationAbnormal last_fired_at)" \
	'"2026-03-12 07:00:00"/"2026-03-13 06:59:59"' "first and last firing in UTC"
is "$(f FEGCCount prev_week_fired)" 5 "week earlier counted in its own (PST) window"
is "$(f FEGCCount fired_change)/$(f FEGCCount fired_change_pct)" 5/100 "change against a week earlier"
is "$(f BeAliveAbnormal prev_week_fired)/$(f BeAliveAbnormal fired_change_pct)" 0/null \
	"absent a week earlier: 0, no percentage"

recommend --stdin $D <"$T/rows.ndjson" >"$T/stdin.out" 2>/dev/null
json_same "--stdin gives the same rows as the database" "$T/stdin.out" "$T/out"

# storing: the daily pipeline's command, run again, replaces only that day
store() { recommend "$@" 2>>"$T/err" | sr-insert -t alerts.alert_recommendations --replace-key date 2>>"$T/err"; }
count() { sql "SELECT COUNT(*) FROM alerts.alert_recommendations WHERE date = '$1'"; }
ok "recommend | sr-insert --replace-key date" store $D
is "$(count $D)" 9 "9 rows stored"
is "$(sql "SELECT clusters FROM alerts.alert_recommendations WHERE date='$D' AND alert_name='BeAliveAbnormal'")" \
	'["c-a","c-b","c-c"]' "cluster list stored as JSON text"
sql "INSERT INTO alerts.alert_recommendations (date, alert_name, severity) VALUES
     ('$D', 'StaleAlert', 'Info'), ('2026-03-11', 'OtherDay', 'Info')"
store $D && store $D
is "$(count $D)" 9 "re-running the day keeps its row count"
is "$(sql "SELECT COUNT(*) FROM alerts.alert_recommendations WHERE alert_name='StaleAlert'")" 0 \
	"a re-run replaces the day's old rows"
is "$(count 2026-03-11)" 1 "other days are left alone"

# DST days
recommend 2026-03-08 >"$T/dst" 2>/dev/null
is "$(field "$T/dst" CNAliveAbnormal fired)" 2 "23-hour day: 08:00 UTC to 07:00 UTC next day"
ok "text report says the day has 23 hours" sh -c "recommend 2026-03-08 --format text | grep -q '23 h'"
recommend 2026-11-01 >"$T/nov" 2>/dev/null
is "$(field "$T/nov" CNAliveAbnormal fired)" 1 "25-hour day includes 23:30 PST"
ok "text report says the day has 25 hours" sh -c "recommend 2026-11-01 -f text | grep -q '25 h'"

recommend 2026-03-08 $D >"$T/two" 2>/dev/null
is "$(cut -c1-21 "$T/two" | sort -u | tr '\n' ' ')" '{"date":"2026-03-08", {"date":"2026-03-12", ' \
	"several dates in one run"

# no date: yesterday in Pacific time
y=$(python3 -c 'import datetime, zoneinfo
tz = zoneinfo.ZoneInfo("America/Los_Angeles")
d = datetime.datetime.now(tz).date() - datetime.timedelta(days=1)
noon = datetime.datetime(d.year, d.month, d.day, 12, tzinfo=tz).astimezone(datetime.timezone.utc)
print(d.isoformat(), noon.strftime("%Y-%m-%d %H:%M:%S"))')
row probe-f "${y#* }" Firing RtYesterdayProbe c-z zulu us-west-2 | sr-insert -t alerts.lark_alerts 2>/dev/null
recommend >"$T/yday" 2>/dev/null
is "$(field "$T/yday" RtYesterdayProbe date)" "\"${y%% *}\"" "default date is yesterday (Pacific)"
sql "DELETE FROM alerts.lark_alerts WHERE message_id = 'rt_probe-f'"

STARROCKS_SOCKET=$T/nosock STARROCKS_HOST=127.0.0.1 STARROCKS_PORT=1 recommend $D >/dev/null 2>"$T/err69"
is "$?" 69 "database unavailable: exit 69"

cleanup_db
done_testing
