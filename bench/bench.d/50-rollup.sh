# shellcheck shell=bash
# rollup: points/s for `rollup -r 1h` on N metric points over 4,000 series
# (~166-byte lines), beside Miller doing the same 1h group-by (sum, count,
# min, max, first per series and hour) on the same NDJSON, and the floors of
# reading the file (wc -l) and of parsing each line with jansson alone
# (bench/jansson-floor.c).  Peak RSS on N and on N/10 points (same series):
# memory follows series, not points.  BENCH_POINTS (default 2,000,000, scaled
# down from the issue's 10M to keep `make bench` to a minute); Miller runs on
# at most BENCH_MLR_POINTS (default 500,000) and is compared per point.
# Targets: >= 2,000,000 points/s per core (issue 21); >= 6x Miller; JSON
# parse under 35% of the instructions (callgrind, bench/callgrind.sh).
set -euo pipefail
N=${BENCH_POINTS:-2000000}
NM=${BENCH_MLR_POINTS:-500000}
[ "$NM" -gt "$N" ] && NM=$N
out=$BENCH_OUT/rollup
mkdir -p "$out"
pts=$out/points-$N.ndjson

if [ ! -s "$pts" ]; then
	echo "generating $N points over 4000 series"
	python3 - "$N" >"$pts.tmp" <<'PY'
import sys
n = int(sys.argv[1])
t0 = 1773151200000
w = sys.stdout.write
i = k = 0
while k < n:
    ts = t0 + i * 15000
    for s in range(4000):
        if k == n: break
        w('{"name":"starrocks_be_cpu","labels":{"cluster_id":"c-%06x","instance":"be%d.sr.internal:8040","mode":"user"},"ts":%d,"value":%d,"type":"counter"}\n'
          % (s // 8 * 2654435 % 16777216, s % 8, ts, 1000000 + i * 37 + s))
        k += 1
    i += 1
PY
	mv "$pts.tmp" "$pts"
fi
head -n "$NM" "$pts" >"$out/mlr-in.ndjson"
head -n $((N / 10)) "$pts" >"$out/small.ndjson"
size=$(du -m "$pts" | cut -f1)
linelen=$(head -1000 "$pts" | awk '{ n += length($0) + 1 } END { printf "%d", n / NR }')

floor=$out/jansson-floor
if [ ! -x "$floor" ] || [ bench/jansson-floor.c -nt "$floor" ]; then
	${CC:-cc} -O2 -o "$floor" bench/jansson-floor.c $(pkg-config --cflags --libs jansson)
fi

# wall-clock and CPU (user + sys) seconds; the targets are per core, so the
# rates below use CPU time (wall time is shown too: it suffers when the
# machine is shared)
timed() {	# OUTFILE CMD...: prints "wall cpu maxrss_kib"
	local o=$1; shift
	/usr/bin/time -f '%e %U %S %M' -o "$o" "$@"
	awk '{ printf "%s %.3f %s\n", ($1 > 0 ? $1 : 0.001), ($2 + $3 > 0 ? $2 + $3 : 0.001), $4 }' "$o"
}
read -r w_wc c_wc _ < <(timed "$out/t" sh -c "wc -l < '$pts' > /dev/null")
read -r w_jan c_jan _ < <(timed "$out/t" sh -c "'$floor' < '$pts' > /dev/null")
read -r w_srw c_srw rss < <(timed "$out/t" sh -c "rollup -r 1h '$pts' > '$out/srw.out'")
read -r _ _ rss_small < <(timed "$out/t" sh -c "rollup -r 1h '$out/small.ndjson' > /dev/null")
read -r w_srw_m c_srw_m _ < <(timed "$out/t" sh -c "rollup -r 1h '$out/mlr-in.ndjson' > '$out/srw-m.out'")
if command -v mlr >/dev/null; then
	# the same group-by: series = name + labels, bucket = hour of ts
	# (Miller 6.6 has no "first" accumulator: sum, count, min, max only)
	read -r w_mlr c_mlr _ < <(timed "$out/t" sh -c "mlr --ijson --ojsonl flatten -s : then \
	    put '\$hour = floor(\$ts / 3600000) * 3600000' then \
	    stats1 -a sum,count,min,max -f value \
	    -g name,labels:cluster_id,labels:instance,labels:mode,hour \
	    '$out/mlr-in.ndjson' > '$out/mlr.out'")
	rows_mlr=$(grep -c . "$out/mlr.out" || true)
else
	w_mlr=0 c_mlr=0 rows_mlr=0
	echo "Miller (mlr) not installed: its comparison is skipped (apt-get install miller)"
fi
rows_srw=$(grep -c . "$out/srw.out" || true)
rows_srw_m=$(grep -c . "$out/srw-m.out" || true)

python3 - "$N" "$NM" "$size" "$linelen" "$w_wc" "$c_wc" "$w_jan" "$c_jan" "$w_srw" "$c_srw" \
	"$w_srw_m" "$c_srw_m" "$w_mlr" "$c_mlr" "$rss" "$rss_small" "$rows_srw" "$rows_srw_m" "$rows_mlr" <<'PY'
import sys
(n, nm, size, ll, wwc, cwc, wjan, cjan, wsrw, csrw, wsrwm, csrwm, wmlr, cmlr,
 rss, rsss, rows, rowsm, rowsmlr) = map(float, sys.argv[1:])
def line(what, k, w, c, extra=""):
    print("%-22s : %11.0f /s CPU  %11.0f /s wall  (%.2f s CPU, %.2f s wall)%s"
          % (what, k / c, k / w, c, w, extra))
print("input                  : %d points, 4000 series, %d MB (%d-byte lines)" % (n, size, ll))
line("wc -l (read floor)", n, wwc, cwc)
line("jansson parse (floor)", n, wjan, cjan)
r = n / csrw
line("rollup -r 1h", n, wsrw, csrw, "  %d rows" % rows)
print("rollup: %.0f points/s on one core, target >= 2,000,000: %s; %.2fx the jansson floor"
      % (r, "ok" if r >= 2e6 else "MISSED", cjan / csrw))
if cmlr > 0:
    line("Miller 1h group-by", nm, wmlr, cmlr, "  %d rows (rollup %d) on %d points" % (rowsmlr, rowsm, nm))
    ratio = (nm / csrwm) / (nm / cmlr)
    print("rollup / Miller        : %.2fx per CPU second (target >= 6x) %s" % (ratio, "ok" if ratio >= 6 else "MISS"))
print("rollup peak RSS        : %.1f MiB on %d points, %.1f MiB on %d (same series) %s" % (
    rss / 1024, n, rsss / 1024, n / 10, "flat" if rss < rsss * 1.5 + 2048 else "NOT FLAT"))
PY
# instructions per point on a fixed input, beside the wall time above
. bench/callgrind.sh
head -n 200000 "$pts" >"$out/cg.ndjson"
cg_count "rollup -r 1h (callgrind, 200k points)" 200000 35 rollup -r 1h "$out/cg.ndjson"
rm -f "$out/cg.ndjson"
rm -f "$out/srw.out" "$out/srw-m.out" "$out/mlr.out" "$out/mlr-in.ndjson" "$out/small.ndjson" "$out/t"
