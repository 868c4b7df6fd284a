#!/bin/sh
# mquery: plans for all-rollup, all-raw and split ranges; the joined series'
# values (gauge avg, counter increase across a reset); files and database.
. "$(dirname "$0")/lib.sh"

H10=1773136800000	# 2026-03-10 10:00:00 UTC
# raw: one point a minute 10:00-13:59; gauge m = minute index; counter k =
# 10 * minute, restarting from 0 at 13:30 (minute 210)
python3 - "$H10" >"$T/raw.ndjson" <<'PY'
import sys
t0 = int(sys.argv[1])
for i in range(240):
    ts = t0 + i * 60000
    k = 10 * i if i < 210 else 10 * (i - 210)
    print('{"name":"m","labels":{"cluster_id":"c-1"},"ts":%d,"value":%d,"type":"gauge"}' % (ts, i))
    print('{"name":"k","labels":{"cluster_id":"c-1"},"ts":%d,"value":%d,"type":"counter"}' % (ts, k))
    print('{"name":"m","labels":{"cluster_id":"c-2"},"ts":%d,"value":1000,"type":"gauge"}' % ts)
PY
# rollups exist from 12:00 on only (rollup started late)
python3 -c '
import json,sys
for l in open(sys.argv[1]):
    if json.loads(l)["ts"] >= int(sys.argv[2]) + 7200000: print(l, end="")' "$T/raw.ndjson" "$H10" >"$T/late-raw"
rollup -r 5m,1h "$T/late-raw" >"$T/rollup.ndjson"

q() { mquery --raw "$T/raw.ndjson" --rollup "$T/rollup.ndjson" "$@"; }
q2() { q "$@" 2>/dev/null; }
plan() { q "$@" --explain | python3 -c '
import json,sys
print(" | ".join("%s-%s %s %s %d" % (p["from"][11:16], p["to"][11:16], p["table"].split("/")[-1], p["resolution"], p["rows"]) for p in map(json.loads, sys.stdin)))'; }

is "$(plan 'm{cluster_id="c-1"}' --from "2026-03-10 12:00:00" --to "2026-03-10 14:00:00" --step 1h)" \
	"12:00-14:00 rollup.ndjson 1h 2" "plan: all rollup (1h buckets)"
is "$(plan 'm{cluster_id="c-1"}' --from "2026-03-10 10:00:00" --to "2026-03-10 12:00:00" --step 1h)" \
	"10:00-12:00 raw.ndjson raw 120" "plan: all raw where no rollup covers"
is "$(plan 'm{cluster_id="c-1"}' --from "2026-03-10 10:00:00" --to "2026-03-10 14:00:00" --step 1h)" \
	"10:00-12:00 raw.ndjson raw 120 | 12:00-14:00 rollup.ndjson 1h 2" "plan: split, older raw, newer rollup"
is "$(plan 'm{cluster_id="c-1"}' --from "2026-03-10 12:00:00" --to "2026-03-10 14:00:00" --step 30m)" \
	"12:00-14:00 rollup.ndjson 5m 24" "step 30m: no 30m or 10m rollups stored, the 5m ones"
is "$(plan 'm{cluster_id="c-1"}' --from "2026-03-10 12:00:00" --to "2026-03-10 14:00:00" --step 10m --fn increase)" \
	"12:00-12:10 raw.ndjson raw 10 | 12:10-14:00 rollup.ndjson 5m 22" "step 10m, increase: 5m rollups after the first window"
is "$(plan 'm{cluster_id="c-1"}' --from "2026-03-10 12:00:00" --to "2026-03-10 14:00:00" --step 1m)" \
	"12:00-14:00 raw.ndjson raw 120" "step under 5m: raw"
is "$(plan 'm' --from "2026-03-10 12:00:00" --to "2026-03-10 14:00:00" --step 2h)" \
	"12:00-14:00 rollup.ndjson 1h 4" "step 2h: 1h buckets (4h is coarser than the step), both clusters"

vals() { python3 -c '
import json,sys
print(" ".join("%s=%g" % (json.loads(l)["labels"]["cluster_id"] + "@" + str((json.loads(l)["ts"] - int(sys.argv[1])) // 3600000 + 10), json.loads(l)["value"]) for l in sys.stdin))' "$H10"; }
# averages of the minute indexes: 29.5, 89.5 (raw), 149.5, 209.5 (rollup)
is "$(q 'm{cluster_id="c-1"}' --from "2026-03-10 10:00:00" --to "2026-03-10 14:00:00" --step 1h | vals)" \
	"c-1@10=29.5 c-1@11=89.5 c-1@12=149.5 c-1@13=209.5" "joined series: avg per hour"
is "$(q 'm{cluster_id!="c-1"}' --from "2026-03-10 12:00:00" --to "2026-03-10 13:00:00" --step 1h --fn max | vals)" \
	"c-2@12=1000" "!= matcher, --fn max"
is "$(q 'm{cluster_id="c-1"}' --from "2026-03-10 12:00:00" --to "2026-03-10 13:00:00" --step 1h --fn sum | vals)" \
	"c-1@12=8970" "--fn sum: 120+...+179"
is "$(q 'm{cluster_id="c-1"}' --from "2026-03-10 10:00:00" --to "2026-03-10 11:00:00" --step 1h --fn min | vals)" \
	"c-1@10=0" "--fn min"
# increase: 590 (no earlier point: from the first), 600, 600 (raw); 13:00
# from the rollup counters: 1790 -> 300 more, restart, 290 more = 590
is "$(q 'k' --from "2026-03-10 10:00:00" --to "2026-03-10 14:00:00" --step 1h --fn increase | vals)" \
	"c-1@10=590 c-1@11=600 c-1@12=600 c-1@13=590" "increase across a counter reset, raw and rollup joined"
is "$(plan 'k' --from "2026-03-10 10:00:00" --to "2026-03-10 14:00:00" --step 1h --fn increase)" \
	"10:00-13:00 raw.ndjson raw 180 | 13:00-14:00 rollup.ndjson 1h 1" "increase: the first rollup window needs a bucket before it, so 12:00 is raw"
is "$(q 'k' --from "2026-03-10 13:00:00" --to "2026-03-10 14:00:00" --step 1h --fn rate | vals)" \
	"c-1@13=0.163889" "rate = 590 / 3600 s"

# errors
nok "a regex matcher is refused" q2 'm{cluster_id=~"c.*"}' --from 0 --to 1 --step 1h
mquery 'm' --from "2026-03-10 12:00:00" --to "2026-03-10 11:00:00" --step 1h --raw "$T/raw.ndjson" 2>/dev/null
is "$?" 64 "--from after --to: usage error"
nok "missing --step" q2 'm' --from 0 --to 1
q nosuchmetric --from "2026-03-10 10:00:00" --to "2026-03-10 14:00:00" --step 1h >"$T/none" 2>"$T/none.err"
is "$?/$(wc -c <"$T/none" | tr -d ' ')" "0/0" "a metric with no data: exit 0, no series"
ok "a metric with no data says so on stderr" grep -q '^mquery: no series matches nosuchmetric' "$T/none.err"
q2 'k' --from "2026-03-10 10:00:00" --to "2026-03-10 14:00:00" --step 1hx
is "$?" 64 "--step 1hx: usage error"

# the database: the same answers from metrics.metrics_table and metrics_rollup
if [ -n "${STARROCKS_SOCKET:-}${STARROCKS_PORT:-}" ]; then
	sql "DELETE FROM metrics.metrics_table; DELETE FROM metrics.metrics_rollup"
	sr-insert -t metrics.metrics_table "$T/raw.ndjson" 2>/dev/null
	sr-insert -t metrics.metrics_rollup "$T/rollup.ndjson" 2>/dev/null
	is "$(mquery 'm{cluster_id="c-1"}' --from "2026-03-10 10:00:00" --to "2026-03-10 14:00:00" --step 1h --explain |
		python3 -c 'import json,sys; print(" | ".join("%s %s %d" % (p["table"], p["resolution"], p["rows"]) for p in map(json.loads, sys.stdin)))')" \
		"metrics.metrics_table raw 120 | metrics.metrics_rollup 1h 2" "database: split plan over the two tables"
	is "$(mquery 'm{cluster_id="c-1"}' --from "2026-03-10 10:00:00" --to "2026-03-10 14:00:00" --step 1h | vals)" \
		"c-1@10=29.5 c-1@11=89.5 c-1@12=149.5 c-1@13=209.5" "database: same joined series"
	is "$(mquery 'k' --from "2026-03-10 10:00:00" --to "2026-03-10 14:00:00" --step 1h --fn increase | vals)" \
		"c-1@10=590 c-1@11=600 c-1@12=600 c-1@13=590" "database: same increases"
else
	diag "no database: database source not tested"
fi
STARROCKS_SOCKET= STARROCKS_HOST=127.0.0.1 STARROCKS_PORT=1 mquery m --from 0 --to 1 --step 1h >/dev/null 2>&1
is "$?" 69 "database unavailable: exit 69"
done_testing
