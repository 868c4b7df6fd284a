#!/bin/sh
# recommend --stdin: bad input is reported with its line number and skipped
# (fatal with --strict), days without dates, options and exit codes.
. "$(dirname "$0")/lib.sh"

good() {
	printf '{"message_id":"ri_%s","created_at":"%s","cluster_id":"%s","cluster_name":"n","region":"r","alert_status":"%s","alert_name":"%s"}\n' "$@"
}
{
	good 1 "2026-03-12 15:00:00" c-a Firing BeAliveAbnormal
	echo 'not json at all'
	good 3 "2026-03-12 15:10:00" c-a Resolved BeAliveAbnormal
	echo '{"message_id":"ri_4","created_at":"2026-03-12 15:00:00","alert_status":"Firing"}'
	good 5 "yesterday" c-a Firing BeAliveAbnormal
	good 6 "2026-03-12 15:20:00" c-a Pending BeAliveAbnormal
	good 7 "2026-03-12 15:30:00" "c-a|c-b" Firing "FEGCCount|"
	echo '[1,2,3]'
	good 9 "2026-03-19 15:00:00" c-b Firing FEGCCount
	echo ''
	good 11 "2026-03-13 06:59:59" c-b firing FEGCCount
} >"$T/in"

recommend --stdin 2026-03-12 <"$T/in" >"$T/out" 2>"$T/err"
is "$?" 1 "rejected lines: exit 1"
is "$(wc -l <"$T/out" | tr -d ' ')" 2 "good lines still counted"
ok "line 2: not JSON" grep -q '^recommend: line 2: ' "$T/err"
ok "line 4: no alert_name" grep -q '^recommend: line 4: no alert_name' "$T/err"
ok "line 5: bad time" grep -q '^recommend: line 5: created_at is missing or not a time' "$T/err"
ok "line 6: bad status" grep -q '^recommend: line 6: alert_status is neither Firing nor Resolved' "$T/err"
ok "line 7: empty section" grep -q '^recommend: line 7: a section has an empty alert_name' "$T/err"
ok "line 8: not an object" grep -q '^recommend: line 8: ' "$T/err"
is "$(grep -c '^recommend: line' "$T/err")" 6 "nothing else reported (blank line, other day)"
ok "a rejected row counts none of its sections" grep -q '"alert_name":"FEGCCount","severity":"Warning".*"fired":1,' "$T/out"
ok "status compared without case" grep -q '"alert_name":"BeAliveAbnormal".*"fired":1,"resolved":1,' "$T/out"

recommend --stdin --strict 2026-03-12 <"$T/in" >/dev/null 2>"$T/err"
is "$?" 65 "--strict: first bad line is fatal (65)"
recommend --stdin --reject "$T/rej" 2026-03-12 <"$T/in" >/dev/null 2>&1
is "$(wc -l <"$T/rej" | tr -d ' ')" 6 "--reject keeps the bad lines"

# no dates with --stdin: every Pacific day in the input
recommend --stdin <"$T/in" >"$T/all" 2>/dev/null
is "$(python3 -c 'import json,sys
print(" ".join(sorted({json.loads(l)["date"] for l in open(sys.argv[1])})))' "$T/all")" \
	"2026-03-12 2026-03-19" "without dates: every day of the input"
ok "a week earlier in the input is compared" \
	grep -q '"date":"2026-03-19","alert_name":"FEGCCount".*"prev_week_fired":1,"fired_change":0,' "$T/all"
ok "a week earlier not in the input is unknown" \
	grep -q '"date":"2026-03-12","alert_name":"FEGCCount".*"prev_week_fired":null' "$T/all"

good 1 "2026-03-12 15:00:00" c-a Firing FEGCCount >"$T/one"
recommend --stdin --noisy-count 1 2026-03-12 <"$T/one" >"$T/o" 2>/dev/null
ok "--noisy-count sets the threshold" grep -q '"noisy":true,"noisy_reason":"fired 1 times (>= 1)"' "$T/o"
recommend --stdin --noisy-clusters 1 2026-03-12 <"$T/one" >"$T/o" 2>/dev/null
ok "--noisy-clusters sets the threshold" grep -q '"noisy_reason":"on 1 clusters (>= 1)"' "$T/o"

# flapping needs fired -> resolved -> fired: a day that opens with the
# resolve of yesterday's firing does not count it; medians of an even count
{
	good a1 "2026-03-12 16:00:00" c-a Resolved FEGCCount
	good a2 "2026-03-12 16:10:00" c-a Firing FEGCCount
	good a3 "2026-03-12 16:20:00" c-a Resolved FEGCCount
	good a4 "2026-03-12 16:30:00" c-a Firing FEGCCount
	good a5 "2026-03-12 16:50:00" c-a Resolved FEGCCount
	good a6 "2026-03-12 17:00:00" c-a Firing FEGCCount
} >"$T/flap"
recommend --stdin 2026-03-12 <"$T/flap" >"$T/o" 2>"$T/err"
ok "resolved first: 2 re-fires, not flapping" grep -q '"flapping":false,"flapping_clusters":\[\],"max_refires":2,' "$T/o"
ok "median of 10m and 20m is 15m" grep -q '"median_resolve_s":900,"resolve_pairs":2,' "$T/o"
recommend --stdin --flap 2 2026-03-12 <"$T/flap" >"$T/o" 2>"$T/err"
ok "--flap sets the threshold" grep -q '"flapping":true,"flapping_clusters":\["c-a"\]' "$T/o"
good u1 "2026-03-12 16:00:00" c-a Firing NewAlertKind | recommend --stdin 2026-03-12 >/dev/null 2>"$T/err"
ok "unknown names reported on stderr so the table can grow" \
	grep -qx 'recommend: 2026-03-12: 1 sections, 1 alert names; not in the alert-type table: NewAlertKind' "$T/err"

recommend --stdin 2026-02-30 </dev/null 2>/dev/null
is "$?" 64 "bad date: usage (64)"
recommend --stdin --format pdf </dev/null 2>/dev/null
is "$?" 64 "bad format: usage (64)"
recommend --stdin --top 0 </dev/null 2>/dev/null
is "$?" 64 "bad --top: usage (64)"
recommend --help >"$T/usage" 2>"$T/usage.err"
is "$?" 0 "--help is a request: exit 0"
ok "--help on stdout names the options" grep -q -- '--noisy-count N' "$T/usage"
is "$(wc -c <"$T/usage.err" | tr -d ' ')" 0 "--help writes nothing on stderr"
recommend --top 10x </dev/null 2>"$T/usage"
is "$?" 64 "--top 10x: usage (64)"
ok "a usage error shows the synopsis on stderr" grep -q '^usage: recommend ' "$T/usage"
is "$(recommend - 2026-03-12 <"$T/in" 2>/dev/null | wc -l | tr -d ' ')" 2 "- reads stdin like --stdin"
is "$(recommend --version)" "srwatch 0.1.0" "--version"
is "$(recommend --stdin 2026-03-12 </dev/null 2>/dev/null | wc -c | tr -d ' ')" 0 "a quiet day: no rows"
done_testing
