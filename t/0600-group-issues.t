#!/bin/sh
# group-issues: the grouping rules, scenario by scenario, with the expected
# issues worked out by hand.  State in a --state file (no database).
. "$(dirname "$0")/lib.sh"
plan 33

D=2026-03-10
# alert MSGID HH:MM CLUSTER Firing|Resolved NAME: one single-section row
alert() {
	printf '{"message_id":"%s","created_at":"%s %s:00","cluster_name":"n-%s","cluster_id":"%s","alert_status":"%s","alert_name":"%s","source":"lark"}\n' \
		"$1" "$D" "$2" "$3" "$3" "$4" "$5"
}
# iid CLUSTER KIND REF / cg CLUSTER REF: the ids group-issues must give
iid() { printf 'iss_%s' "$(printf '%s|%s|%s' "$1" "$2" "$3" | sha256sum | cut -c1-20)"; }
cg() { printf 'cg_%s' "$(printf '%s|%s' "$1" "$2" | sha256sum | cut -c1-16)"; }
# the fields that matter, one issue per line, sorted
view() {
	jq -r '[.issue_id, .cluster_id, .kind, .alert_names, .alert_count, .first_seen[11:16],
		.last_seen[11:16], .issue_status, (if .resolved_at then .resolved_at[11:16] else "-" end),
		(.resolve_reason // "-"), .escalated, .severity, .correlation_group,
		.message_ids] | map(tostring) | join(" ")' "$@" | sort
}
gi() { group-issues --state "$T/state" "$@"; }

# 1. an anomaly firing for hours, then resolving; it fires again later
{
	alert a1 10:00 c1 Firing HeapUsageTooHigh
	alert a2 11:00 c1 Firing HeapUsageTooHigh
	alert a3 12:00 c1 Firing HeapUsageTooHigh
	alert a4 13:00 c1 Firing HeapUsageTooHigh
	alert a5-r 13:30 c1 Resolved HeapUsageTooHigh
	alert a6 14:00 c1 Firing HeapUsageTooHigh
} >"$T/anomaly"
rm -f "$T/state"
gi --now "$D 20:00:00" "$T/anomaly" >"$T/out"
is "$?" 0 "anomaly: exit 0"
view "$T/out" >"$T/got"
cat >"$T/want" <<EOF
$(iid c1 ANOMALY a1) c1 ANOMALY HeapUsageTooHigh 4 10:00 13:00 Resolved 13:30 resolved by a5-r false Warning $(cg c1 a1) a1,a2,a3,a4,a5-r
$(iid c1 ANOMALY a6) c1 ANOMALY HeapUsageTooHigh 1 14:00 14:00 Ongoing - - false Warning $(cg c1 a1) a6
EOF
sort -o "$T/want" "$T/want"
check_same "anomaly: one issue until its Resolved, a new one after" "$T/want" "$T/got"
is "$(jq -r 'select(.issue_status=="Ongoing") | .cluster_name' "$T/out")" "n-c1" "cluster_name carried"

# 2. failures 29 and 31 minutes apart
{
	alert f1 10:00 c2 Firing BeAliveAbnormal
	alert f2 10:29 c2 Firing BeAliveAbnormal
	alert f3 11:00 c2 Firing BeAliveAbnormal
} >"$T/fail"
rm -f "$T/state"
gi --now "$D 12:00:00" "$T/fail" | view >"$T/got"
cat >"$T/want" <<EOF
$(iid c2 FAILURE f1) c2 FAILURE BeAliveAbnormal 2 10:00 10:29 Ongoing - - false Critical $(cg c2 f1) f1,f2
$(iid c2 FAILURE f3) c2 FAILURE BeAliveAbnormal 1 11:00 11:00 Ongoing - - false Critical $(cg c2 f1) f3
EOF
sort -o "$T/want" "$T/want"
check_same "failures: 29 min apart join, 31 min apart do not" "$T/want" "$T/got"
# later, with no new alerts: the first is quiet for 4 h (since 10:29), the second not yet
gi --now "$D 14:45:00" </dev/null | view >"$T/got"
is "$(cat "$T/got")" "$(iid c2 FAILURE f1) c2 FAILURE BeAliveAbnormal 2 10:00 10:29 Resolved 14:29 quiet for 4h false Critical $(cg c2 f1) f1,f2" \
	"failure: resolved after 4 quiet hours, reason recorded; only it changed"
gi --now "$D 15:00:00" </dev/null | view >"$T/got"
is "$(cut -d' ' -f1,8,9 "$T/got")" "$(iid c2 FAILURE f3) Resolved 15:00" "the second one 4 h after its alert"
gi --window 45m --now "$D 12:00:00" "$T/fail" </dev/null >"$T/out2"
is "$(wc -c <"$T/out2" | tr -d ' ')" 0 "alerts already attached are skipped"
rm -f "$T/state"
gi --window 45m --now "$D 12:00:00" "$T/fail" | view >"$T/got"
is "$(cut -d' ' -f5 "$T/got")" 3 "--window 45m: all three in one issue"

# 3. a failure 3 h after an anomaly opened escalates it; 5 h after does not
{
	alert e1 10:00 c3 Firing FEHeapUsageTooHigh
	alert n1 10:00 c4 Firing FEHeapUsageTooHigh
	alert e2 13:00 c3 Firing BeAliveAbnormal
	alert n2 15:00 c4 Firing BeAliveAbnormal
	alert e3 13:10 c3 Resolved BeAliveAbnormal
} >"$T/esc"
rm -f "$T/state"
gi --now "$D 16:00:00" "$T/esc" | view >"$T/got"
cat >"$T/want" <<EOF
$(iid c3 ANOMALY e1) c3 ANOMALY FEHeapUsageTooHigh,BeAliveAbnormal 2 10:00 13:00 Ongoing - - true Critical $(cg c3 e1) e1,e2
$(iid c4 ANOMALY n1) c4 ANOMALY FEHeapUsageTooHigh 1 10:00 10:00 Ongoing - - false Warning $(cg c4 n1) n1
$(iid c4 FAILURE n2) c4 FAILURE BeAliveAbnormal 1 15:00 15:00 Ongoing - - false Critical $(cg c4 n2) n2
EOF
sort -o "$T/want" "$T/want"
check_same "escalation at 3 h (merged, Critical, name added; its Resolved resolves nothing), none at 5 h" "$T/want" "$T/got"

# 4. two clusters interleaved, and a card with a section for each
{
	alert i1 10:00 cA Firing OperationAbnormal
	alert i2 10:05 cB Firing OperationAbnormal
	alert i3 10:20 cA Firing OperationAbnormal
	alert i4 10:40 cB Firing OperationAbnormal
	alert i5 10:45 cA Firing OperationAbnormal
	echo '{"message_id":"i6","created_at":"2026-03-10 10:50:00","cluster_name":"n-cA|n-cB","cluster_id":"cA|cB","alert_status":"Firing","alert_name":"OperationAbnormal|OperationAbnormal"}'
} >"$T/inter"
rm -f "$T/state"
gi --now "$D 11:00:00" "$T/inter" | view >"$T/got"
cat >"$T/want" <<EOF
$(iid cA FAILURE i1) cA FAILURE OperationAbnormal 4 10:00 10:50 Ongoing - - false Warning $(cg cA i1) i1,i3,i5,i6
$(iid cB FAILURE i2) cB FAILURE OperationAbnormal 1 10:05 10:05 Ongoing - - false Warning $(cg cB i2) i2
$(iid cB FAILURE i4) cB FAILURE OperationAbnormal 2 10:40 10:50 Ongoing - - false Warning $(cg cB i2) i4,i6#1
EOF
sort -o "$T/want" "$T/want"
check_same "two clusters interleaved: each grouped on its own" "$T/want" "$T/got"

# 5. the same input twice: nothing changes
cat "$T/anomaly" "$T/fail" "$T/esc" "$T/inter" >"$T/all"
rm -f "$T/state"
gi --now "$D 20:00:00" "$T/all" >"$T/first"
sort "$T/state" >"$T/state1"
gi --now "$D 20:00:00" "$T/all" >"$T/second"
is "$?" 0 "second run: exit 0"
is "$(wc -l <"$T/first" | tr -d ' ')/$(wc -l <"$T/second" | tr -d ' ')" "10/0" "second run: no issue changed"
sort "$T/state" >"$T/state2"
check_same "second run: the state is the same" "$T/state1" "$T/state2"

# 6. input split across two runs equals one run (time-ordered input)
sort -t'"' -k8,8 -s "$T/all" >"$T/sorted"
rm -f "$T/state"
gi --now "$D 20:00:00" "$T/sorted" >/dev/null
sort "$T/state" >"$T/one"
rm -f "$T/state"
head -n 11 "$T/sorted" | gi --now "$D 20:00:00" >/dev/null
tail -n +12 "$T/sorted" | gi --now "$D 20:00:00" >/dev/null
sort "$T/state" >"$T/two"
check_same "split across two runs = one run" "$T/one" "$T/two"
is "$(wc -l <"$T/one" | tr -d ' ')" 10 "one run: 10 issues"

# 7. out of order within the windows
rm -f "$T/state"
{
	alert o1 10:00 c5 Firing ProcNotRunning
	alert o2 10:25 c5 Firing ProcNotRunning
	alert o3 10:10 c5 Firing ProcNotRunning
	alert o4 09:45 c5 Firing ProcNotRunning
	alert p1 10:00 c6 Firing FEGCCount
	alert p2-r 11:00 c6 Resolved FEGCCount
	alert p3 10:30 c6 Firing FEGCCount
	alert q1-r 11:00 c7 Resolved FEGCCount
	alert q2 10:00 c7 Firing FEGCCount
	alert x2 13:00 c11 Firing BeAliveAbnormal
	alert x1 10:00 c11 Firing FEHeapUsageTooHigh
} | gi --now "$D 12:00:00" | view >"$T/got"
cat >"$T/want" <<EOF
$(iid c5 FAILURE o1) c5 FAILURE ProcNotRunning 4 09:45 10:25 Ongoing - - false Critical $(cg c5 o1) o1,o2,o3,o4
$(iid c6 ANOMALY p1) c6 ANOMALY FEGCCount 2 10:00 10:30 Resolved 11:00 resolved by p2-r false Warning $(cg c6 p1) p1,p2-r,p3
$(iid c7 ANOMALY q2) c7 ANOMALY FEGCCount 1 10:00 10:00 Resolved 11:00 resolved by q1-r false Warning $(cg c7 q2) q2,q1-r
$(iid c11 ANOMALY x1) c11 ANOMALY FEHeapUsageTooHigh,BeAliveAbnormal 2 10:00 13:00 Ongoing - - true Critical $(cg c11 x2) x1,x2
EOF
sort -o "$T/want" "$T/want"
check_same "late alerts land in the issue they belong to (a Resolved before its firing, an anomaly after the failure it escalates)" "$T/want" "$T/got"

# 8. classes: --classes FILE with globs; unknown names are FAILUREs and reported
cat >"$T/classes" <<'EOF'
# my alerts
Custom*Lag   anomaly  Critical
BeAlive*     anomaly
EOF
rm -f "$T/state"
{
	alert k1 10:00 c8 Firing CustomReplicaLag
	alert k2 10:00 c8x Firing MysteryAlert
	alert k3 10:00 c9 Firing BeAliveAbnormal
	alert k4 12:00 c9 Firing BeAliveAbnormal
} | gi --classes "$T/classes" --now "$D 12:00:00" >"$T/out" 2>"$T/err"
is "$?" 0 "classes: exit 0"
is "$(jq -r '"\(.alert_names) \(.kind) \(.severity) \(.alert_count)"' "$T/out" | sort | tr '\n' ';')" \
	"BeAliveAbnormal ANOMALY Warning 2;CustomReplicaLag ANOMALY Critical 1;MysteryAlert FAILURE Warning 1;" \
	"classes: globs from the file win over the built-in table; unknown is FAILURE"
is "$(grep -c "unknown alert name 'MysteryAlert'" "$T/err")" 1 "unknown alert name reported once"
printf 'X* sometimes\n' >"$T/badclasses"
gi --classes "$T/badclasses" </dev/null 2>"$T/err"
is "$?" 64 "a bad --classes line: exit 64"
grep -q "badclasses:1:" "$T/err"
is "$?" 0 "the bad line is named"

# 9. --correlation: with 2h the 3 h escalation does not happen
rm -f "$T/state"
gi --correlation 2h --now "$D 16:00:00" "$T/esc" | jq -r 'select(.cluster_id=="c3") | .kind' | sort >"$T/got"
is "$(tr '\n' ' ' <"$T/got")" "ANOMALY FAILURE " "--correlation 2h: 3 h apart is a separate failure"

# 10. bad input never crashes: reported with line numbers, exit 1; --strict 65
rm -f "$T/state"
{
	echo 'not json'
	alert b1 10:00 c10 Firing BeAliveAbnormal
	echo '{"message_id":"b2","created_at":"2026-03-10 10:00:00","cluster_id":"c10","alert_status":"Pending","alert_name":"X"}'
	echo '{"message_id":"b3","created_at":"garbage","cluster_id":"c10","alert_status":"Firing","alert_name":"X"}'
	echo '{"message_id":"b4","created_at":"2026-03-10 10:00:00","alert_status":"Firing","alert_name":"X"}'
	echo '[1,2]'
	echo '{"message_id":"b5"}'
} | gi --now "$D 11:00:00" --reject "$T/rej" >"$T/out" 2>"$T/err"
is "$?" 1 "bad lines: exit 1"
is "$(jq -r .message_ids "$T/out")" "b1" "the good line is grouped"
is "$(grep -c 'line [0-9]' "$T/err")" 6 "each bad line reported with its number"
is "$(wc -l <"$T/rej" | tr -d ' ')" 6 "bad lines kept in --reject"
printf 'x\n' | gi --strict >/dev/null 2>&1
is "$?" 65 "--strict: exit 65"

# 11. usage
group-issues --window nonsense </dev/null >/dev/null 2>&1
is "$?" 64 "bad --window: exit 64"
group-issues --write --state "$T/state" </dev/null >/dev/null 2>&1
is "$?" 64 "--write with --state: exit 64"
group-issues 2026-02-30 </dev/null >/dev/null 2>"$T/err"
is "$?" 64 "an invalid date: exit 64"
ok "an invalid date is called one (not a missing file)" grep -q "invalid date '2026-02-30'" "$T/err"
group-issues list --limit 5x >/dev/null 2>&1
is "$?" 64 "list --limit 5x: exit 64"
is "$(group-issues --version)" "srwatch $(sed -n 's/^VERSION = //p' "$TOP/Makefile")" "--version"
done_testing
