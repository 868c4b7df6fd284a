#!/bin/sh
# group-issues over a year (issue 21): --state keeps only the open issues
# and those resolved within --retain of the latest alert, whether the year
# comes in one run or day by day; one run gives the issues the daily runs
# give; and the issues held in memory follow the open ones, not the year.
. "$(dirname "$0")/lib.sh"

# 60 firings a day over 30 clusters, each Resolved within 30 minutes, plus a
# few failures that never resolve (quiet) and an anomaly left open at the end
gen() {	# DAYS
	python3 - "$1" <<'PY'
import datetime, random, sys
days = int(sys.argv[1])
rnd = random.Random(21)
names = ["HeapUsageTooHigh", "OperationAbnormal", "BeAliveAbnormal", "FEGCCount",
         "RootFreeDiskLessThan10%", "ProcNotRunning"]
base = datetime.datetime(2025, 1, 1)
ev = []
for n in range(days * 60):
    t = n * 1440 + rnd.randint(0, 1400)
    c, a = rnd.randrange(30), rnd.choice(names)
    ev.append((t, "f%d" % n, c, a, "Firing"))
    if n % 50:
        ev.append((t + rnd.randint(60, 1800), "r%d" % n, c, a, "Resolved"))
ev.append((days * 86400 - 600, "open", 99, "HeapUsageTooHigh", "Firing"))
ev.sort()
for t, mid, c, a, st in ev:
    ts = (base + datetime.timedelta(seconds=t)).strftime("%Y-%m-%d %H:%M:%S")
    print('{"message_id":"om_%s","created_at":"%s","cluster_name":"prod-%d","cluster_id":"c-%02d",'
          '"alert_status":"%s","alert_name":"%s","source":"lark"}' % (mid, ts, c, c, st, a))
PY
}
gen 365 >"$T/year"
# the input's latest alert, and what the state must hold: open issues and
# those that ended within 7 days of it
last=$(tail -1 "$T/year" | sed 's/.*"created_at":"\([^"]*\)".*/\1/')

group-issues -v --state "$T/one" --now "2026-01-01 00:00:00" "$T/year" >"$T/one.out" 2>"$T/one.err"
is "$?" 0 "a year in one run: exit 0"
ok "issues were written" test -s "$T/one.out"

# day by day, as cron runs it
mkdir "$T/days"
awk -v d="$T/days" '{ match($0, /"created_at":"[0-9-]+/); f = d "/" substr($0, RSTART + 14, 10); print > f }' "$T/year"
ndays=$(ls "$T/days" | wc -l | tr -d ' ')
ok "the year split into its days ($ndays)" test "$ndays" -ge 365
: >"$T/daily.out"
for f in "$T"/days/*; do
	day=$(basename "$f")
	group-issues --state "$T/daily" --now "$day 23:59:59" "$f" >>"$T/daily.out" 2>/dev/null ||
		echo "day $day failed" >>"$T/daily.fail"
done
ok "every daily run succeeded" test ! -e "$T/daily.fail"

check_state() {	# FILE: prints what is wrong, or ok
	python3 - "$1" "$last" "$T/one.out" <<'PY'
import datetime, json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
last = datetime.datetime.strptime(sys.argv[2], "%Y-%m-%d %H:%M:%S")
cut = (last - datetime.timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S")
def keep(r):
    return r["resolved_at"] is None or r["resolved_at"] >= cut
bad = [r["issue_id"] for r in rows if not keep(r)]
# every issue of the run that should be there is there
want = {}
for l in open(sys.argv[3]):
    r = json.loads(l)
    want[r["issue_id"]] = r
want = {k for k, r in want.items() if keep(r)}
got = {r["issue_id"] for r in rows}
if bad:
    print("%d issues past --retain kept, e.g. %s" % (len(bad), bad[0]))
elif got != want:
    print("state has %d issues, want %d" % (len(got), len(want)))
elif len(rows) > 1000:
    print("%d rows: more than a week and the open issues" % len(rows))
else:
    print("ok")
PY
}
is "$(check_state "$T/one")" ok "one run: the state holds only open issues and the last --retain (7d)"
is "$(check_state "$T/daily")" ok "day by day: the same"
sort "$T/one" >"$T/one.s"
sort "$T/daily" >"$T/daily.s"
check_same "one run and day by day leave the same state file" "$T/one.s" "$T/daily.s"
is "$(grep -c '"issue_status":"Ongoing"' "$T/one")" 1 "the issue open at the end is kept"

# the same issues: the last version of each issue the daily runs wrote
last_versions() {
	python3 -c '
import json, sys
v = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    v[r["issue_id"]] = l
sys.stdout.write("".join(sorted(v.values())))' "$1"
}
last_versions "$T/one.out" >"$T/one.v"
last_versions "$T/daily.out" >"$T/daily.v"
is "$(wc -l <"$T/one.v" | tr -d ' ')" "$(wc -l <"$T/one.out" | tr -d ' ')" "one run writes each issue once"
check_same "one run gives the issues the daily runs give" "$T/one.v" "$T/daily.v"

# memory follows the open issues: four weeks and a year hold as many at once
head -n "$(grep -c '"created_at":"2025-01-[0-2]' "$T/year")" "$T/year" >"$T/month"
group-issues -v --state "$T/m" --now "2026-01-01 00:00:00" "$T/month" >/dev/null 2>"$T/m.err"
held() { sed -n 's/.*at most \([0-9]*\) held at once.*/\1/p' "$1"; }
hm=$(held "$T/m.err") hy=$(held "$T/one.err")
ok "issues held at once: $hm over four weeks, $hy over a year" \
	test -n "$hm" -a -n "$hy" -a "$hy" -le $((hm + hm / 2))
done_testing
