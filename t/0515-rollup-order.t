#!/bin/sh
# rollup judges lateness per series (issue 24): the same points in time
# order, in series order and shuffled within each series' lateness give the
# same rows; a stalled series holds only its own buckets; --max-open bounds
# what is held; --batch takes any order; --snapshot likewise per cluster.
. "$(dirname "$0")/lib.sh"

T0=1773151200000	# 2026-03-10 14:00:00 UTC
# 40 series (counters with resets, gauges, one histogram bucket) over 3 h at
# 15 s, some samples missing; three orderings of the same points
python3 - "$T0" "$T" <<'PY'
import json, random, sys
t0, d = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(24)
series = []
for s in range(40):
    typ = "counter" if s % 3 == 0 else "histogram" if s == 1 else "gauge"
    pts, v = [], 1000.0 * s
    for i in range(720):
        if rnd.random() < 0.05:
            continue
        if typ == "gauge":
            v = rnd.randint(0, 500)
        else:
            v = 0 if rnd.random() < 0.01 else v + rnd.randint(0, 40)
        p = {"name": "m%d" % (s % 7), "labels": {"cluster_id": "c-%d" % (s % 5), "i": str(s)},
             "ts": t0 + i * 15000, "value": v, "type": typ}
        if typ == "histogram":
            p["le"] = "0.5"
        pts.append(json.dumps(p, separators=(",", ":")))
    series.append(pts)
def write(name, lines):
    with open("%s/%s" % (d, name), "w") as f:
        f.write("".join(l + "\n" for l in lines))
timeorder = sorted((json.loads(l)["ts"], k, l) for k, pts in enumerate(series) for l in pts)
write("time", [l for _, _, l in timeorder])
write("series", [l for pts in series for l in pts])
# within a series, the samples of each 2-minute window (at most 105 s apart,
# inside the 2m lateness) are shuffled; the series are then merged in a random order
shuf = []
for pts in series:
    out, blk, key = [], [], None
    for l in pts + [None]:
        k = None if l is None else (json.loads(l)["ts"] - t0) // 120000
        if k != key:
            rnd.shuffle(blk)
            out += blk
            blk, key = [], k
        blk.append(l)
    shuf.append(out)
merged, idx = [], [0] * len(shuf)
while True:
    live = [k for k in range(len(shuf)) if idx[k] < len(shuf[k])]
    if not live:
        break
    k = rnd.choice(live)
    merged.append(shuf[k][idx[k]])
    idx[k] += 1
write("shuffled", merged)
write("reversed", [l for _, _, l in reversed(timeorder)])
PY

for o in time series shuffled; do
	rollup "$T/$o" 2>"$T/$o.err" | sort >"$T/$o.out"
	is "$?" 0 "$o order: exit 0"
	is "$(grep -c late "$T/$o.err")" 0 "$o order: no point is late"
done
ok "time order gave rows" test -s "$T/time.out"
is "$(wc -l <"$T/time.out" | tr -d ' ')" $((40 * (36 + 18 + 6 + 3 + 2))) "one row per series, resolution and bucket"
check_same "series order gives the rows time order gave" "$T/time.out" "$T/series.out"
check_same "shuffled within the lateness gives the same rows" "$T/time.out" "$T/shuffled.out"
cat "$T/series" | rollup 2>/dev/null | sort >"$T/pipe.out"
check_same "the same from a pipe" "$T/time.out" "$T/pipe.out"

# any order at all: --batch holds buckets to EOF (or --max-open)
rollup "$T/reversed" >/dev/null 2>&1
is "$?" 1 "reversed time order without --batch: late points"
rollup --batch "$T/reversed" 2>"$T/rev.err" | sort >"$T/rev.out"
is "$?" 0 "--batch: reversed time order is not late"
check_same "--batch on reversed order gives the rows time order gave" "$T/time.out" "$T/rev.out"

# a point behind its own series' newest by more than the lateness is still late
{ cat "$T/time"; head -1 "$T/time"; } | rollup -r 1h >/dev/null 2>"$T/late.err"
is "$?" 1 "a point behind its series' newest minus the lateness: exit 1"
grep -q "line $((1 + $(wc -l <"$T/time"))): late point" "$T/late.err"
is "$?" 0 "reported with its line"

# live: series a reports every 15 s for 70 minutes, b stalls after 10 minutes;
# a's buckets come out while the input is open and b is still silent
mkfifo "$T/fifo"
rollup -r 5m <"$T/fifo" >"$T/live" 2>/dev/null &
rpid=$!
exec 3>"$T/fifo"
python3 - "$T0" >&3 <<'PY'
import sys
t0 = int(sys.argv[1])
for i in range(0, 280):
    ts = t0 + i * 15000
    print('{"name":"a","ts":%d,"value":%d}' % (ts, i))
    if i < 40:
        print('{"name":"b","ts":%d,"value":%d}' % (ts, i))
PY
for i in $(seq 1 40); do
	[ "$(grep -c '"name":"a"' "$T/live")" -ge 13 ] && break
	sleep 0.25
done
is "$(grep -c '"name":"a"' "$T/live")" 13 "a's 13 buckets due (past 2m after their end) are written while b is stalled"
is "$(grep -c '"name":"b"' "$T/live")" 1 "b's open bucket waits for b (its first, final by b's own points, is out)"
printf '{"name":"b","ts":%s,"value":1}\n' $((T0 + 4200000)) >&3
for i in $(seq 1 40); do
	[ "$(grep -c '"name":"b"' "$T/live")" -ge 2 ] && break
	sleep 0.25
done
is "$(grep -c '"name":"b"' "$T/live")" 2 "b's point an hour later is not late and closes b's buckets"
exec 3>&-
wait "$rpid"
is "$?" 0 "live stream: exit 0"

# --max-open under 100k series: series come and go (each reports twice, 10 s
# apart, then never again), so without a cap every one keeps its bucket open
# to EOF; with it the oldest are written early and memory stays bounded
python3 - "$T0" >"$T/many" <<'PY'
import sys
t0 = int(sys.argv[1])
pts = []
for s in range(100000):
    for d in (0, 10000):
        pts.append((t0 + s * 60 + d, s))
pts.sort()
w = sys.stdout.write
for ts, s in pts:
    w('{"name":"x","labels":{"s":"%d"},"ts":%d,"value":%d}\n' % (s, ts, s))
# series 7 again, between its two points: inside its lateness, but its bucket
# is long written when the cap is in force
w('{"name":"x","labels":{"s":"7"},"ts":%d,"value":1}\n' % (t0 + 7 * 60 + 5000))
PY
rollup -v -r 5m --max-open 20000 "$T/many" 2>"$T/many.err" | sort >"$T/many.out"
is "$(grep -c ': late point:' "$T/many.err")" 1 "--max-open 20000: only the point for a bucket written early is late"
grep -q "many:200001: late point" "$T/many.err"
is "$?" 0 "the late point is reported with its line"
peak=$(sed -n 's/.*peak open \([0-9]*\).*/\1/p' "$T/many.err")
ok "at most 20000 buckets open at once (peak $peak)" test "${peak:-999999}" -le 20001
rollup -v -r 5m "$T/many" 2>"$T/many2.err" | sort >"$T/many2.out"
is "$?" 0 "without the cap the same point is in time"
peak2=$(sed -n 's/.*peak open \([0-9]*\).*/\1/p' "$T/many2.err")
ok "without the cap every series' bucket stayed open (peak $peak2)" test "${peak2:-0}" -ge 100000
is "$(grep -v '"s":"7"' "$T/many.out" | md5sum)" "$(grep -v '"s":"7"' "$T/many2.out" | md5sum)" \
	"the cap changes when rows are written, not what they hold"
is "$(wc -l <"$T/many.out" | tr -d ' ')" "$(wc -l <"$T/many2.out" | tr -d ' ')" "every bucket written once"

# --snapshot: per-cluster finality, so cluster order equals time order
s() { scrape --time "$1" -l cluster_id="$2" -l instance="$3" "$4"; }
for c in c-a c-b c-c; do
	for h in "14:00" "14:10" "14:20" "14:30" "15:00" "15:10"; do
		s "2026-03-10 $h:00" $c fe1:8030 "$FIX/metrics/fe.prom"
		s "2026-03-10 $h:00" $c be1:8040 "$FIX/metrics/be.prom"
	done
done >"$T/snap-cluster"
for h in "14:00" "14:10" "14:20" "14:30" "15:00" "15:10"; do
	for c in c-a c-b c-c; do
		s "2026-03-10 $h:00" $c fe1:8030 "$FIX/metrics/fe.prom"
		s "2026-03-10 $h:00" $c be1:8040 "$FIX/metrics/be.prom"
	done
done >"$T/snap-time"
rollup --snapshot "$T/snap-time" 2>/dev/null | sort >"$T/snap-time.out"
rollup --snapshot "$T/snap-cluster" 2>"$T/snap-cluster.err" | sort >"$T/snap-cluster.out"
is "$?" 0 "--snapshot in cluster order: nothing late"
ok "snapshot rows written" test -s "$T/snap-time.out"
check_same "--snapshot: cluster order gives the rows time order gave" "$T/snap-time.out" "$T/snap-cluster.out"
done_testing
