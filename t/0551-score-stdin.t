#!/usr/bin/env bash
# score --stdin (no database): every dimension at its thresholds, the trend
# penalty's 1.5x edge, half-away-from-zero rounding of a tie, repeated rows,
# --cluster, --reject, and rows that are not for the scoring hour.
. "$(dirname "$0")/lib.sh"

H="2026-03-10 18:00:00" B="2026-03-03 18:00:00" AT="2026-03-10 19:05:00"
snap() { printf '{"cluster_id":"%s","metric":"%s","hour":"%s","avg_value":%s}\n' "$@"; }

# each dimension alone at h, at c, at c + (c - h)/2 and at 2c - h, tier B
# and no alerts: sub-score 79, 50, 24.5, 0 (the metric score is the
# sub-score; the risk follows 0.75 M' + 25)
while read -r name metric h c; do
	snap "$name-h" "$metric" "$H" "$h"
	snap "$name-c" "$metric" "$H" "$c"
	snap "$name-m" "$metric" "$H" "$(echo "$c + ($c - $h) / 2" | bc -l)"
	snap "$name-z" "$metric" "$H" "$(echo "2 * $c - $h" | bc -l)"
done > "$T/dims.ndjson" <<'X'
cpu starrocks_be_cpu_util_percent 55 70
heap starrocks_be_jvm_heap_used_percent 55 75
disk starrocks_be_disks_data_used_pct 70 85
compaction starrocks_be_compaction_score_average 100 500
latency starrocks_fe_query_latency_ms_p99 5000 15000
errors starrocks_fe_query_err 0.1 2
X
score --stdin --at "$AT" "$T/dims.ndjson" > "$T/dims.out"
is "$?" 0 "exits 0"
for d in cpu heap disk compaction latency errors; do
	is "$(jq -r --arg d "$d" 'select(.cluster_id | startswith($d + "-")) | .[$d + "_score"]' "$T/dims.out" | tr '\n' ' ')" \
		"50 79 24.5 0 " "$d: 79 at healthy, 50 at critical, 24.5 half-way beyond, 0 at 2c - h"
done
is "$(jq -r 'select(.cluster_id | startswith("cpu-")) | "\(.score) \(.risk_level)"' "$T/dims.out" | tr '\n' ,)" \
	"62.5 Warning,84.3 Healthy,43.4 Critical,25 Critical," "scores and risks follow (c, h, m, z)"
is "$(jq -r '.top_factors[0]' "$T/dims.out" | sed -n '1p;2p;4p' | tr '\n' ,)" \
	"compaction score 500 (warning),compaction score 100 (warning),compaction score 900 (critical)," \
	"factors: exactly critical is still warning, beyond it critical"

# trend: exactly 1.5x the baseline is no penalty, a hair over is 5
{
	snap t-eq starrocks_be_cpu_util_percent "$H" 60
	snap t-eq starrocks_be_cpu_util_percent "$B" 40
	snap t-over starrocks_be_cpu_util_percent "$H" 60
	snap t-over starrocks_be_cpu_util_percent "$B" 39.999
	snap t-zero starrocks_be_cpu_util_percent "$H" 60
	snap t-zero starrocks_be_cpu_util_percent "$B" 0
} | score --stdin --at "$AT" > "$T/trend.out"
is "$(jq -r '"\(.cluster_id) \(.trend_penalty)"' "$T/trend.out" | tr '\n' ,)" \
	"t-eq 0,t-over 5,t-zero 0," "trend penalty only above 1.5x a positive baseline"

# rounding: tier C, errors 0.02 (s = 96), no alerts:
# 0.6*96 + 25 + 0.15*(100 - 0.75*4) = 57.6 + 25 + 14.55 = 97.15 -> 97.2
{
	snap r-tie starrocks_fe_query_err "$H" 0.02
	echo '{"cluster_id":"r-tie","tier":"C"}'
} | score --stdin --at "$AT" > "$T/round.out"
is "$(jq -r .score "$T/round.out")" 97.2 "a tie rounds half away from zero (97.15 -> 97.2)"

# repeated rows: the last one wins; other hours are ignored; --cluster
{
	snap rep starrocks_be_disks_data_used_pct "$H" 95
	snap rep starrocks_be_disks_data_used_pct "$H" 40
	snap rep starrocks_be_disks_data_used_pct "2026-03-10 17:00:00" 99
	snap other starrocks_be_disks_data_used_pct "2026-03-10 17:00:00" 99
	snap skipme starrocks_be_disks_data_used_pct "$H" 99
} | score --stdin --at "$AT" --cluster rep,other,absent > "$T/rep.out"
is "$(jq -r '"\(.cluster_id) \(.disk_value) \(.dimensions)"' "$T/rep.out" | tr '\n' ,)" \
	"rep 40 1," "last row wins; other hours and other clusters ignored"

# --reject keeps bad lines; text format reads a bundle too
printf '%s\n' 'nope' '{"cluster_id":"x","tier":"A"}' '{"cluster_id":"x"}' > "$T/bad.ndjson"
score --stdin --at "$AT" --reject "$T/rej" --format text "$T/bad.ndjson" > "$T/bad.txt" 2>/dev/null
is "$?" 1 "bad lines: exit 1"
is "$(cat "$T/rej" | tr '\n' ,)" 'nope,{"cluster_id":"x"},' "--reject keeps the bad lines as read"
ok "text table from a bundle" grep -q '^x  *-  Unknown  *A ' "$T/bad.txt"
score --stdin --at "$AT" </dev/null > "$T/empty" 2>"$T/empty.err"
is "$?/$(wc -c < "$T/empty" | tr -d ' ')" "0/0" "empty input: no rows, exit 0"
score --stdin --at "$AT" --format text </dev/null > "$T/empty" 2>>"$T/empty.err"
is "$?/$(wc -c < "$T/empty.err" | tr -d ' ')" "0/0" "empty input as text: exit 0, nothing on stderr"
done_testing
