#!/bin/sh
# rollup: hand-computed buckets for a counter with resets, a gauge, points
# arriving late (inside and beyond --lateness), bad input, and storage.
. "$(dirname "$0")/lib.sh"

T0=1773151200000	# 2026-03-10 14:00:00 UTC, an hour (and 5m) boundary
p() {	# name labels seconds value type
	printf '{"name":"%s","labels":%s,"ts":%s,"value":%s,"type":"%s"}\n' "$1" "$2" $((T0 + $3 * 1000)) "$4" "$5"
}
{
	p c '{"b":"2","a":"1"}' 0 100 counter
	p g '{}' 30 5 gauge
	p c '{"a":"1","b":"2"}' 60 150 counter
	p c '{"a":"1","b":"2"}' 120 10 counter	# reset: 150 lost to the restart
	p c '{"a":"1","b":"2"}' 240 30 counter
	p c '{"a":"1","b":"2"}' 300 50 counter
	p g '{}' 310 7 gauge
	p g '{}' 320 1 gauge
	p c '{"a":"1","b":"2"}' 420 40 counter	# reset again: 50 lost
	p c '{"a":"1","b":"2"}' 600 45 counter
	p g '{}' 500 3 gauge	# 100 s behind, inside the 2m lateness: merged
	p c '{"a":"1","b":"2"}' 100 70 counter	# 500 s behind: late
} >"$T/in.ndjson"

sortj() { python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rows.sort(key=lambda r: (r["resolution"], r["ts"], r["name"]))
for r in rows: print(json.dumps(r, sort_keys=True))' "$1"; }

rollup -r 5m,1h --reject "$T/rej" "$T/in.ndjson" >"$T/out" 2>"$T/err"
is "$?" 1 "a late point makes exit status 1"
grep -q 'in.ndjson:12: late point' "$T/err"
is "$?" 0 "the late point is reported with its line"
grep -q '1 late points rejected' "$T/err"
is "$?" 0 "late points counted"
is "$(cat "$T/rej")" "$(sed -n 12p "$T/in.ndjson")" "the late point kept by --reject"

L='{"a":"1","b":"2"}'
# hand-computed: counter = value at the bucket's end + values lost to resets
cat >"$T/want" <<EOF2
{"name":"c","labels":$L,"resolution":"5m","ts":$T0,"sum":290,"count":4,"min":10,"max":150,"counter":180,"first":100,"first_ts":$T0}
{"name":"g","labels":{},"resolution":"5m","ts":$T0,"sum":5,"count":1,"min":5,"max":5,"counter":null,"first":5,"first_ts":$((T0 + 30000))}
{"name":"c","labels":$L,"resolution":"5m","ts":$((T0 + 300000)),"sum":90,"count":2,"min":40,"max":50,"counter":240,"first":50,"first_ts":$((T0 + 300000))}
{"name":"g","labels":{},"resolution":"5m","ts":$((T0 + 300000)),"sum":11,"count":3,"min":1,"max":7,"counter":null,"first":7,"first_ts":$((T0 + 310000))}
{"name":"c","labels":$L,"resolution":"5m","ts":$((T0 + 600000)),"sum":45,"count":1,"min":45,"max":45,"counter":245,"first":45,"first_ts":$((T0 + 600000))}
{"name":"c","labels":$L,"resolution":"1h","ts":$T0,"sum":425,"count":7,"min":10,"max":150,"counter":245,"first":100,"first_ts":$T0}
{"name":"g","labels":{},"resolution":"1h","ts":$T0,"sum":16,"count":4,"min":1,"max":7,"counter":null,"first":5,"first_ts":$((T0 + 30000))}
EOF2
sortj "$T/out" >"$T/got.s"
sortj "$T/want" >"$T/want.s"
json_same "5m and 1h buckets match the hand computation" "$T/got.s" "$T/want.s"
# rate from consecutive counters is right across the restarts: 20 + 40 = 60 in 5 min
is "$(python3 -c '
import json,sys
r=[json.loads(l) for l in open(sys.argv[1]) if "\"5m\"" in l and "\"c\"" in l]
r.sort(key=lambda x:x["ts"]); print((r[1]["counter"]-r[0]["counter"])/300)' "$T/out")" "0.2" "rate over two buckets is 0.2/s despite the resets"
# the 5m bucket at T0 is written as soon as time passed its end + lateness
is "$(head -1 "$T/out" | grep -c "\"resolution\":\"5m\",\"ts\":$T0,")" 1 "first bucket streamed out before EOF flush"

# streaming: with the input still open, rows already due are written
mkfifo "$T/fifo"
rollup -r 5m <"$T/fifo" >"$T/stream" 2>/dev/null &
rpid=$!
exec 3>"$T/fifo"
head -n 10 "$T/in.ndjson" >&3	# up to t=600 s: the bucket at T0 is due
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	[ -s "$T/stream" ] && break
	sleep 0.25
done
# c's own newest (600 s) is past its first bucket's end + 2m; g's (320 s) is
# not: finality is per series, so g's bucket waits for g
is "$(grep "\"ts\":$T0," "$T/stream" | grep -c '"name":"c"')" 1 "rows due are written while the input is still open"
is "$(grep "\"ts\":$T0," "$T/stream" | grep -c '"name":"g"')" 0 "a series' bucket waits for its own points, not others'"
exec 3>&-
wait "$rpid"

# a larger lateness merges the 500 s-late point instead
rollup -r 5m --lateness 10m "$T/in.ndjson" >"$T/out2" 2>/dev/null
is "$?" 0 "--lateness 10m: nothing late"
is "$(grep "\"ts\":$T0," "$T/out2" | grep '"name":"c"' | grep -o '"sum":[0-9]*,"count":[0-9]*')" '"sum":360,"count":5' "the late point is merged within the lateness"

# bad input never crashes; --strict stops
printf '%s\n' 'not json' '{"name":"x","value":1}' '{"name":"x","ts":1,"value":"abc"}' \
	'{"name":"x","ts":1,"value":1,"type":"weird"}' '{"name":"x","ts":1,"value":1,"labels":{"a":1}}' \
	'[1,2]' '{"name":"ok","ts":1000,"value":2}' >"$T/bad"
rollup -r 1h "$T/bad" >"$T/bad.out" 2>"$T/bad.err"
is "$?" 1 "bad lines: exit 1"
is "$(wc -l <"$T/bad.err" | tr -d ' ')" 6 "six bad lines reported"
is "$(wc -l <"$T/bad.out" | tr -d ' ')" 1 "the good point still rolled up"
rollup --strict -r 1h "$T/bad" >/dev/null 2>&1
is "$?" 65 "--strict: exit 65"
nok "unknown resolution is a usage error" sh -c 'rollup -r 7m /dev/null 2>/dev/null'
rollup -r 1h </dev/null >"$T/empty"
is "$?$(wc -c <"$T/empty" | tr -d ' ')" "00" "empty input: no rows, exit 0"

# histogram buckets keep le and are separate series
printf '%s\n' '{"name":"h_bucket","labels":{"le":"0.5"},"ts":1000,"value":1,"type":"histogram","le":"0.5"}' \
	'{"name":"h_bucket","labels":{"le":"+Inf"},"ts":2000,"value":3,"type":"histogram","le":"+Inf"}' |
	rollup -r 1h >"$T/h"
is "$(grep -c '"le":"0.5"' "$T/h")$(grep -c '"le":"+Inf"' "$T/h")" "11" "le kept, one row per bucket"

# storage: the rows go into metrics.metrics_rollup through sr-insert, idempotently
if [ -n "${STARROCKS_SOCKET:-}${STARROCKS_PORT:-}" ]; then
	sql "DELETE FROM metrics.metrics_rollup"
	sr-insert -t metrics.metrics_rollup "$T/out" 2>/dev/null
	is "$?" 0 "sr-insert stores rollup rows"
	sr-insert -t metrics.metrics_rollup "$T/out" 2>/dev/null
	is "$(sql "SELECT COUNT(*), SUM(counter) FROM metrics.metrics_rollup")" "7	910" "stored twice, counted once (upsert); counters 180+240+245+245"
	is "$(sql "SELECT labels FROM metrics.metrics_rollup WHERE name='c' LIMIT 1")" "$L" "labels stored as sorted compact JSON"
else
	diag "no database: storage not tested"
fi
done_testing
