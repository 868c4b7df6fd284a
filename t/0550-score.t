#!/usr/bin/env bash
# score against the real test database: the worked example of SCORING.md end
# to end, risk boundaries, missing dimensions, no data (Unknown), tiers, the
# 7-day alert window's edges, hour selection, --write, text order, exit codes.
. "$(dirname "$0")/lib.sh"
need_db

# Scoring hour H = 2030-06-15 12:00 (far from other tests' data); baseline
# H - 7 d; alert window [2030-06-08 13:00:00, 2030-06-15 13:00:00).
H="2030-06-15 12:00:00"
B="2030-06-08 12:00:00"
AT="2030-06-15 13:05:00"
CPU=starrocks_be_cpu_util_percent HEAP=starrocks_be_jvm_heap_used_percent
DISK=starrocks_be_disks_data_used_pct COMP=starrocks_be_compaction_score_average
LAT=starrocks_fe_query_latency_ms_p99 ERR=starrocks_fe_query_err

sql "DELETE FROM metrics.amv_hourly_snapshots_v1 WHERE cluster_id LIKE 't550-%';
DELETE FROM alerts.lark_alerts WHERE message_id LIKE 't550-%';
DELETE FROM ops.dim_customer_profile WHERE cluster_id LIKE 't550-%';
DELETE FROM ops.cluster_health_scores WHERE cluster_id LIKE 't550-%';
DELETE FROM ops.cluster_risk_snapshots WHERE cluster_id LIKE 't550-%';"

snap() {	# cluster metric hour value
	sql "INSERT INTO metrics.amv_hourly_snapshots_v1 (cluster_id, metric, hour, avg_value,
	  min_value, max_value, samples) VALUES ('$1', '$2', '$3', $4, $4, $4, 4)"
}
alert() {	# message_id created_at status cluster_ids alert_names
	sql "INSERT INTO alerts.lark_alerts (message_id, created_at, alert_status, cluster_id,
	  alert_name) VALUES ('$1', '$2', '$3', '$4', '$5')"
}
tier() { sql "INSERT INTO ops.dim_customer_profile (cluster_id, tier) VALUES ('$1', '$2')"; }
# field FILE CLUSTER KEY: the key of that cluster's row, compact JSON
field() { jq -c --arg c "$2" "select(.cluster_id == \$c) | $3" "$1"; }
warns() {	# N comma-joined copies of a warning-severity alert name
	printf 'TabletMaxRowsetNumHigh%.0s|' $(seq "$1") | sed 's/|$//'
}

# -- the worked example: every dimension, CPU doubled since last week, one
# critical and two warning sections (one of them an unknown name), tier A
for m in "$CPU 62" "$HEAP 40" "$DISK 88" "$COMP 120" "$LAT 4000" "$ERR 0.05"; do
	set -- $m
	snap t550-ex "$1" "$H" "$2"
	[ "$1" = "$CPU" ] && snap t550-ex "$1" "$B" 30 || snap t550-ex "$1" "$B" "$2"
done
snap t550-ex starrocks_be_mem_bytes "$H" 123456	# carried, not scored
tier t550-ex A
alert t550-ex1-f "2030-06-14 09:00:00" Firing "t550-ex|t550-ex" "BeAliveAbnormal|FEHeapUsageTooHigh"
alert t550-ex2-f "2030-06-15 12:59:59" Firing t550-ex "NoSuchAlertType"
alert t550-ex2-r "2030-06-15 12:59:59" Resolved t550-ex "NoSuchAlertType"

score --at "$AT" --cluster t550-ex > "$T/ex.ndjson" 2>"$T/err"
is "$?" 0 "score exits 0"
is "$(wc -l < "$T/ex.ndjson" | tr -d ' ')" 1 "--cluster: one row"
is "$(field "$T/ex.ndjson" t550-ex .score)" 67.2 "worked example: score 67.2"
is "$(field "$T/ex.ndjson" t550-ex .risk_level)" '"Warning"' "worked example: Warning"
is "$(jq -c '[.metric_raw, .trend_penalty, .metric_score, .alert_score, .tier_score]' "$T/ex.ndjson")" \
	"[71.2567,5,66.2567,75,57.8209]" "worked example: M, penalty, M', A, T"
is "$(jq -c '[.cpu_score, .heap_score, .disk_score, .compaction_score, .latency_score, .errors_score]' "$T/ex.ndjson")" \
	"[65.4667,85.4545,39.2,77.55,84,90]" "worked example: the six sub-scores"
is "$(jq -c '[.critical_alerts, .warning_alerts, .info_alerts, .tier, .dimensions]' "$T/ex.ndjson")" \
	'[1,2,0,"A",6]' "sections split; unknown name counts as warning; resolved not counted"
is "$(jq -c .top_factors "$T/ex.ndjson")" \
	'["disk 88% (critical)","cpu 62% (warning, up from 30% a week ago)","1 critical alert"]' \
	"top factors in words, costliest first"
is "$(jq -r '.scored_at + "|" + .hour' "$T/ex.ndjson")" "2030-06-15 13:05:00|$H" \
	"scored_at is --at, hour the latest complete hour before it"

# the same inputs as a bundle on --stdin give the same row
{
	for m in "$CPU 62" "$HEAP 40" "$DISK 88" "$COMP 120" "$LAT 4000" "$ERR 0.05"; do
		set -- $m
		printf '{"cluster_id":"t550-ex","metric":"%s","hour":"%s","avg_value":%s}\n' "$1" "$H" "$2"
	done
	printf '{"cluster_id":"t550-ex","metric":"%s","hour":"%s","avg_value":30}\n' "$CPU" "$B"
	echo '{"cluster_id":"t550-ex","tier":"A"}'
	echo '{"message_id":"a-f","created_at":"2030-06-14 09:00:00","cluster_id":"t550-ex|t550-ex","alert_status":"Firing","alert_name":"BeAliveAbnormal|FEHeapUsageTooHigh"}'
	echo '{"message_id":"b-f","created_at":"2030-06-15 12:59:59","cluster_id":"t550-ex","alert_status":"Firing","alert_name":"NoSuchAlertType"}'
	echo '{"message_id":"b-r","created_at":"2030-06-15 12:59:59","cluster_id":"t550-ex","alert_status":"Resolved","alert_name":"NoSuchAlertType"}'
} > "$T/bundle.ndjson"
score --stdin --at "$AT" < "$T/bundle.ndjson" > "$T/ex2.ndjson"
json_same "--stdin bundle scores as the database does" "$T/ex.ndjson" "$T/ex2.ndjson"

# -- risk boundaries end to end (tier B, no trend): all-zero metrics and
# 10 warnings is exactly 80 (Healthy), 11 is 78; disk exactly at critical
# with 10 warnings is exactly 50 (Warning), 11 is 48 (Critical)
for c in t550-b80 t550-b78; do
	for m in $CPU $HEAP $DISK $COMP $LAT $ERR; do snap $c $m "$H" 0; done
done
snap t550-b50 $DISK "$H" 85
snap t550-b48 $DISK "$H" 85
alert t550-w1-f "2030-06-12 00:00:00" Firing "t550-b80" "$(warns 10)"
alert t550-w2-f "2030-06-12 00:00:00" Firing "t550-b78" "$(warns 11)"
alert t550-w3-f "2030-06-12 00:00:00" Firing "t550-b50" "$(warns 10)"
alert t550-w4-f "2030-06-12 00:00:00" Firing "t550-b48" "$(warns 11)"
score --at "$AT" --cluster t550-b80,t550-b78,t550-b50,t550-b48 > "$T/b.ndjson"
is "$(jq -r '.cluster_id + " " + (.score|tostring) + " " + .risk_level' "$T/b.ndjson" | tr '\n' ,)" \
	"t550-b48 48 Critical,t550-b50 50 Warning,t550-b78 78 Warning,t550-b80 80 Healthy," \
	"80 is Healthy, 78 and 50 Warning, 48 Critical; rows in cluster order"

# -- missing dimensions: CPU alone (weights renormalised) and CPU + errors
snap t550-cpu $CPU "$H" 62
snap t550-two $CPU "$H" 62
snap t550-two $ERR "$H" 0.05
score --at "$AT" --cluster t550-cpu,t550-two > "$T/m.ndjson"
is "$(field "$T/m.ndjson" t550-cpu '[.score, .metric_score, .dimensions, .heap_score]')" \
	"[74.1,65.4667,1,null]" "one dimension: M is its sub-score, the rest null"
is "$(field "$T/m.ndjson" t550-two '[.metric_score, .dimensions]')" "[73.6444,2]" \
	"two dimensions: weights renormalised over those present"

# -- no data: a profile alone, unscored dimensions alone, a baseline alone
tier t550-prof C
snap t550-mem starrocks_be_mem_bytes "$H" 1e9
snap t550-old $CPU "$B" 40
alert t550-nd-f "2030-06-15 01:00:00" Firing t550-dark BeAliveAbnormal
score --at "$AT" --cluster t550-prof,t550-mem,t550-old,t550-dark,t550-nowhere > "$T/n.ndjson"
is "$(jq -r '.cluster_id + " " + (.score|tostring) + " " + .risk_level' "$T/n.ndjson" | tr '\n' ,)" \
	"t550-dark null Unknown,t550-mem null Unknown,t550-old null Unknown,t550-prof null Unknown," \
	"no scored dimension: score null, Unknown (never silently healthy)"
is "$(field "$T/n.ndjson" t550-dark '[.alert_score, .critical_alerts, .top_factors]')" \
	'[85,1,["no metric data","1 critical alert"]]' "an Unknown cluster still counts its alerts"

# -- tiers: the same data (M' = 100, 8 warnings: A = 60) for S, A, B, C,
# missing and an unknown tier value (counted as B)
i=0
for t in S A B C none x; do
	c=t550-tier-$t
	snap $c $CPU "$H" 0
	alert t550-t$i-f "2030-06-10 00:00:00" Firing $c "$(warns 8)"
	[ $t = none ] || tier $c $t
	i=$((i + 1))
done
score --at "$AT" --cluster t550-tier-S,t550-tier-A,t550-tier-B,t550-tier-C,t550-tier-none,t550-tier-x \
	> "$T/t.ndjson" 2>"$T/t.err"
is "$(jq -r '.cluster_id + " " + .tier + " " + (.tier_score|tostring) + " " + (.score|tostring)' "$T/t.ndjson" | tr '\n' ,)" \
	"t550-tier-A A 50 82.5,t550-tier-B B 60 84,t550-tier-C C 70 85.5,t550-tier-S S 40 81,t550-tier-none B 60 84,t550-tier-x B 60 84," \
	"tier S 1.5, A 1.25, B 1.0, C 0.75; missing and unknown are B"
ok "an unknown tier value is reported" grep -q "t550-tier-x: tier 'x' is not S, A, B or C" "$T/t.err"

# -- the 7-day alert window [end of H - 7 d, end of H): both edges
snap t550-win $CPU "$H" 0
alert t550-e1-f "2030-06-08 12:59:59" Firing t550-win OperationDurationGT10m	# before
alert t550-e2-f "2030-06-08 13:00:00" Firing t550-win OperationDurationGT10m	# first second
alert t550-e3-f "2030-06-15 12:59:59" Firing t550-win OperationDurationGT10m	# last second
alert t550-e4-f "2030-06-15 13:00:00" Firing t550-win OperationDurationGT10m	# after H
alert t550-e5-f "2030-06-15 13:30:00" Firing t550-win OperationDurationGT10m	# after H
score --at "$AT" --cluster t550-win > "$T/w.ndjson"
is "$(field "$T/w.ndjson" t550-win '[.info_alerts, .alert_score]')" "[2,98]" \
	"alerts at the window's first and last second count, outside do not"
score --hour "2030-06-15 13:00:00" --cluster t550-win > "$T/w2.ndjson"
is "$(field "$T/w2.ndjson" t550-win '[.info_alerts, .score]')" "[3,null]" \
	"an hour later the window moved by one hour (and H has no data)"

# -- hour selection
h_at() { echo '{"cluster_id":"t550-cpu","tier":"B"}' | score --stdin --at "$1" | jq -r '.hour + "|" + .scored_at'; }
is "$(h_at "2030-06-15 13:00:00")" "$H|2030-06-15 13:00:00" "--at on the hour scores the hour just ended"
is "$(h_at "2030-06-15 13:59:59")" "$H|2030-06-15 13:59:59" "--at late in the hour scores the same hour"
is "$(h_at "2030-06-15T14:00:00Z")" "2030-06-15 13:00:00|2030-06-15 14:00:00" "--at takes RFC 3339"
is "$(score --hour "2030-06-15 12:34:56" --cluster t550-cpu | jq -r '.hour + "|" + .scored_at')" \
	"$H|2030-06-15 13:00:00" "--hour is floored; alone, rows are dated the end of the hour"

# -- --format text: worst first (Unknown, then rising score)
score --at "$AT" --format text --cluster t550-ex,t550-b80,t550-b48,t550-prof > "$T/text"
is "$(awk 'NR > 3 { print $1 }' "$T/text" | tr '\n' ' ')" "t550-prof t550-b48 t550-ex t550-b80 " \
	"text table sorted worst first"
ok "text header counts risks" grep -q "^hour $H UTC: 4 clusters, 1 Critical, 1 Warning, 1 Healthy, 1 Unknown" "$T/text"
ok "text row shows the factors" grep -q "t550-ex  *67.2  Warning .*disk 88% (critical); cpu 62%" "$T/text"

# -- --write: both tables, upserted on a re-run
score --at "$AT" --write --cluster t550-ex,t550-prof > "$T/wout" 2>"$T/werr"
is "$?" 0 "--write exits 0"
ok "--write says once on stderr what it stored (a cron journal shows the run)" \
	grep -q "^score: hour $H: stored 2 score rows and 2 risk snapshots$" "$T/werr"
is "$(wc -c < "$T/wout" | tr -d ' ')" 0 "--write prints no NDJSON"
score --at "$AT" --write --cluster t550-ex,t550-prof 2>/dev/null
is "$(sql "SELECT cluster_id, scored_at, hour, score, risk_level, tier, metric_score, disk_score, critical_alerts, warning_alerts FROM ops.cluster_health_scores WHERE cluster_id LIKE 't550-%' ORDER BY cluster_id" | tr '\t\n' ' |')" \
	"t550-ex 2030-06-15 13:05:00 $H 67.2 Warning A 66.2567 39.2 1 2|t550-prof 2030-06-15 13:05:00 $H NULL Unknown C NULL NULL 0 0|" \
	"ops.cluster_health_scores: one row per cluster, twice written"
is "$(sql "SELECT cluster_id, snapshot_at, score, risk_level, tier, alert_score, top_factors FROM ops.cluster_risk_snapshots WHERE cluster_id LIKE 't550-%' ORDER BY cluster_id" | tr '\t\n' ' |')" \
	't550-ex 2030-06-15 13:05:00 67.2 Warning A 75 ["disk 88% (critical)","cpu 62% (warning, up from 30% a week ago)","1 critical alert"]|t550-prof 2030-06-15 13:05:00 NULL Unknown C 100 ["no metric data"]|' \
	"ops.cluster_risk_snapshots: what sentinel reads"
score --at "$AT" --cluster t550-ex | sr-insert -t ops.cluster_health_scores 2>/dev/null
is "$?" 0 "NDJSON output loads with sr-insert as is"

# -- bad input and exit codes
printf '%s\n' '{"cluster_id":"t550-ex","tier":"A"}' 'not json' '{"what":1}' \
	'{"cluster_id":"x","metric":"m","hour":"yesterday"}' > "$T/bad.ndjson"
score --stdin --at "$AT" "$T/bad.ndjson" > "$T/bad.out" 2>"$T/bad.err"
is "$?" 1 "--stdin with bad lines exits 1"
is "$(grep -c 'bad.ndjson:[234]:' "$T/bad.err")" 3 "each bad line reported with its number"
is "$(field "$T/bad.out" t550-ex .risk_level)" '"Unknown"' "good lines still scored"
score --stdin --strict "$T/bad.ndjson" >/dev/null 2>&1
is "$?" 65 "--strict: a bad line is fatal (65)"
score --format csv >/dev/null 2>&1
is "$?" 64 "unknown format is a usage error"
score --at "not a time" >/dev/null 2>&1
is "$?" 64 "bad --at is a usage error"
score --write --stdin </dev/null >/dev/null 2>&1
is "$?" 64 "--write with --stdin is a usage error"
score -h 2>/dev/null | grep -q '^usage: score'
is "$?" 0 "-h prints usage on stdout"
score --at "$AT" --cluster t550-nope >"$T/nope" 2>"$T/nope.err"
is "$?/$(wc -c < "$T/nope" | tr -d ' ')" "0/0" "--cluster matching nothing: exit 0, no rows"
ok "--cluster matching nothing says so on stderr" grep -q "no cluster to score matching --cluster t550-nope" "$T/nope.err"
is "$(score --version)" "srwatch 0.1.0" "--version"
STARROCKS_SOCKET=$T/nosock STARROCKS_PORT=1 score --at "$AT" >/dev/null 2>&1
is "$?" 69 "database unavailable: 69"

sql "DELETE FROM metrics.amv_hourly_snapshots_v1 WHERE cluster_id LIKE 't550-%';
DELETE FROM alerts.lark_alerts WHERE message_id LIKE 't550-%';
DELETE FROM ops.dim_customer_profile WHERE cluster_id LIKE 't550-%';
DELETE FROM ops.cluster_health_scores WHERE cluster_id LIKE 't550-%';
DELETE FROM ops.cluster_risk_snapshots WHERE cluster_id LIKE 't550-%';"
done_testing
