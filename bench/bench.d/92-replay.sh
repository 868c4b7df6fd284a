# evaluate --replay: stored history replayed against 20 rules from the
# embedded database.  Issue 22's goal: a week of 1,000 series at 15 s
# (40.3M points) in under 10 s, memory flat.  By default 2 hours of the
# 1,000 series (480k points) are stored and replayed and the week is
# extrapolated from the measured rate; BENCH_REPLAY_HOURS=168 runs the week.
# Three replays, min and median; peak RSS of each, which must not grow with
# the range (one replay of a third of the range is measured beside it).
set -euo pipefail
H=${BENCH_REPLAY_HOURS:-2}
out=$BENCH_OUT/replay
mkdir -p "$out"
db=$out/db
eval "$(testdb start "$db")"
trap 'testdb stop "$db" >/dev/null' EXIT
T0=1773100800000	# 2026-03-10 00:00 UTC
pts=$out/points-$H.ndjson
if [ ! -s "$pts" ]; then
	echo "generating 1000 series x $H h at 15 s"
	python3 - "$H" >"$pts" <<'PY'
import sys, math
h = int(sys.argv[1]); t0 = 1773100800000
names = ["bench_disk_used_pct", "bench_heap_used_pct", "bench_p99_ms", "bench_compaction", "bench_rowsets"]
out = sys.stdout.write
for i in range(h * 240):
    ts = t0 + i * 15000
    for s in range(1000):
        n = names[s % 5]
        v = 50 + 45 * math.sin((i + s * 7) / 300.0)
        out('{"name":"%s","labels":{"cluster_id":"c-%03d","instance":"be%d:8040"},"ts":%d,"value":%.2f}\n' % (n, s // 5, s % 5, ts, v))
PY
fi
npts=$(wc -l <"$pts" | tr -d ' ')
mariadb --no-defaults -uroot -S "$STARROCKS_SOCKET" -e "TRUNCATE metrics.metrics_table"
sr-insert -t metrics.metrics_table "$pts" 2>/dev/null
rules=$out/rules.yml
{
	echo "groups:"; echo "  - name: bench"; echo "    interval: 1m"; echo "    rules:"
	for n in disk_used_pct heap_used_pct p99_ms compaction rowsets; do
		for thr in 80 85 90 95; do
			printf '      - alert: %s_%s\n        expr: bench_%s > %s\n        for: 5m\n' "$n" "$thr" "$n" "$thr"
		done
	done
} >"$rules"
from="2026-03-10 00:00:00"
to=$(python3 -c "import datetime; print((datetime.datetime(2026,3,10) + datetime.timedelta(hours=$H)).strftime('%Y-%m-%d %H:%M:%S'))")
third=$(python3 -c "import datetime; print((datetime.datetime(2026,3,10) + datetime.timedelta(hours=$H/3.0)).strftime('%Y-%m-%d %H:%M:%S'))")
run() {	# to -> seconds, RSS KiB in $out/rss
	local s e
	s=$(date +%s.%N)
	/usr/bin/time -f '%M' -o "$out/rss" evaluate --replay --from "$from" --to "$1" -r "$rules" >"$out/events" 2>/dev/null
	e=$(date +%s.%N)
	python3 -c "print($e - $s)"
}
run "$to" >/dev/null	# warm: the server's buffer pool holds the rows
times=""; rss_full=0
for i in 1 2 3; do
	times="$times $(run "$to")"
	r=$(cat "$out/rss"); [ "$r" -gt "$rss_full" ] && rss_full=$r
done
run "$third" >/dev/null; rss_third=$(cat "$out/rss")
python3 - "$npts" "$rss_third" "$rss_full" $times <<'PY'
import sys, statistics
n, rss3, rss = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
t = sorted(float(x) for x in sys.argv[4:])
rate = n / statistics.median(t)
week = 1000 * 7 * 24 * 240 / rate
print("%d points, 20 rules: min %.2f s, median %.2f s -> %.0f points/s (median)" % (n, t[0], statistics.median(t), rate))
print("a week of 1,000 series at 15 s (40.3M points) at that rate: %.1f s  [goal < 10 s: %s]" % (week, "ok" if week < 10 else "MISSED"))
print("peak RSS: %.1f MiB for the range, %.1f MiB for a third of it  [flat: %s]" % (rss / 1024.0, rss3 / 1024.0, "ok" if rss < rss3 * 1.25 + 2048 else "MISSED"))
PY
