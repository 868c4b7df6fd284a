# evaluate --state: what keeping the alert state costs.
#  1. 200 rules (90-evaluate's rules and points, whose random gauges make
#     ~230 alert events a minute: a worst case for state churn), with and
#     without --state: CPU time of alternated runs (min, median) and, for
#     the goal, callgrind instruction counts (wall and CPU times move 15-40%
#     with the load of this shared machine).  Goal: --state within 5%.
#  2. 100k active alerts: the state file's size, the time to write it (a
#     snapshot), a journal write when 1% of them change, and the time to
#     read it back at start.
set -u
n=${BENCH_EVAL_STATE_POINTS:-1000000}
nir=${BENCH_EVAL_STATE_IR_POINTS:-300000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/srw-bench-evst.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
rules="-r share/rules/starrocks.rules.yml -r $tmp/derived.yml"

# the same points and derived rules as 90-evaluate (its generator, run as is)
sed -n '/^python3 - "\$n" "\$tmp\/derived.yml"/,/^PY$/p' bench/bench.d/90-evaluate.sh >"$tmp/gen.sh"
[ -s "$tmp/gen.sh" ] || { echo "91-evaluate-state: cannot find 90-evaluate's generator"; exit 1; }
n=$n tmp=$tmp bash -c '. "$tmp/gen.sh"' || exit 1
head -n "$nir" "$tmp/points.ndjson" >"$tmp/ir.ndjson"

cpu() {	# cpu OUT ARGS...: CPU seconds of one evaluate run
	out=$1; shift
	rm -f "$tmp"/st.state*
	/usr/bin/time -f '%U %S' -o "$tmp/time" evaluate "$@" >"$out" 2>/dev/null || return 1
	awk '{ print $1 + $2 }' "$tmp/time"
}
a=; b=
for i in 1 2 3; do
	a="$a $(cpu "$tmp/ev0" $rules "$tmp/points.ndjson")"
	b="$b $(cpu "$tmp/ev1" $rules --state "$tmp/st.state" "$tmp/points.ndjson")"
done
cmp -s "$tmp/ev0" "$tmp/ev1" || { echo "evaluate --state: the events differ from a run without it"; exit 1; }
rm -f "$tmp"/st.state*
evaluate -vv $rules --state "$tmp/st.state" "$tmp/points.ndjson" 2>&1 >/dev/null |
	sed -n 's/^evaluate: --state: //p' >"$tmp/stats"
ir() {	# ir ARGS...: instructions of one evaluate run
	rm -f "$tmp"/st.state*
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" evaluate "$@" 2>&1 >/dev/null |
		sed -n 's/.*Collected : //p'
}
if command -v valgrind >/dev/null; then
	ir0=$(ir $rules "$tmp/ir.ndjson")
	ir1=$(ir $rules --state "$tmp/st.state" "$tmp/ir.ndjson")
else
	ir0=0 ir1=0
fi

# ---- 100k active alerts ----------------------------------------------------------
cat >"$tmp/many.yml" <<'EOF'
groups:
  - name: many
    interval: 1m
    rules:
      - alert: NodeBusy
        expr: node_busy > 0
        for: 1h
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.instance }} busy at {{ $value }}"
EOF
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
B = 1773100800000
def step(f, ts, flip):
    for i in range(100000):
        v = 0 if flip and i % 100 < flip else 1 + i % 7
        f.write('{"name":"node_busy","labels":{"cluster_id":"c-%05d","instance":"be%d-%05d:8040","job":"sr-%03d"},"ts":%d,"value":%d}\n'
                % (i // 3, i % 3, i // 3, i % 400, ts, v))
# 100k alerts pending from the first evaluation on; a restart replays its
# input (from the state's resume_from) before the new points
with open(d + "/many1.ndjson", "w") as f:
    for m in range(-6, 2):
        step(f, B + m * 60000, 0)
with open(d + "/many2.ndjson", "w") as f:
    for m in range(-6, 2):
        step(f, B + m * 60000, 0)
    step(f, B + 120000, 1)	# 1% of the alerts end (a snapshot: the first write after a start)
    step(f, B + 180000, 2)	# 1% more (a journal block)
    step(f, B + 240000, 2)
PY
rm -f "$tmp"/many.state*
evaluate -vv -r "$tmp/many.yml" --state "$tmp/many.state" "$tmp/many1.ndjson" 2>&1 >/dev/null |
	sed -n 's/^evaluate: --state: //p' >"$tmp/many1.stats"
snapbytes=$(stat -c %s "$tmp/many.state")
evaluate -vv -r "$tmp/many.yml" --state "$tmp/many.state" "$tmp/many2.ndjson" 2>&1 >/dev/null |
	sed -n 's/^evaluate: --state: //p' >"$tmp/many2.stats"
load() {	# wall seconds to start on the state and stop at once
	s=$(date +%s.%N); evaluate -r "$tmp/many.yml" "$@" </dev/null >/dev/null 2>&1; e=$(date +%s.%N)
	echo "$s $e" | awk '{ print $2 - $1 }'
}
l0=$(load); l1=$(load --state "$tmp/many.state"); l2=$(load --state "$tmp/many.state")

python3 - "$a" "$b" "$n" "$ir0" "$ir1" "$nir" "$(cat "$tmp/stats")" "$snapbytes" \
	"$(cat "$tmp/many1.stats")" "$(cat "$tmp/many2.stats")" "$l0" "$l1" "$l2" <<'PY'
import re, statistics, sys
a, b = [float(x) for x in sys.argv[1].split()], [float(x) for x in sys.argv[2].split()]
n, ir0, ir1, nir = int(sys.argv[3]), int(sys.argv[4].replace(",", "")), int(sys.argv[5].replace(",", "")), int(sys.argv[6])
stats, snapbytes, m1, m2 = sys.argv[7], int(sys.argv[8]), sys.argv[9], sys.argv[10]
l0, l1, l2 = float(sys.argv[11]), float(sys.argv[12]), float(sys.argv[13])
print("evaluate --state: 200 rules, %d points: without %.0f points/s (min %.2f s, median %.2f s CPU), "
      "with %.0f points/s (min %.2f s, median %.2f s); %.1f%% slower by min, %.1f%% by median"
      % (n, n / min(a), min(a), statistics.median(a), n / min(b), min(b), statistics.median(b),
         (min(b) / min(a) - 1) * 100, (statistics.median(b) / statistics.median(a) - 1) * 100))
print("evaluate --state: %s" % stats)
ok = True
if ir0:
    r = ir1 / ir0
    ok = r <= 1.05
    print("evaluate --state: %d points under callgrind: %d vs %d instructions, +%.1f%% "
          "(goal: within 5%%) %s" % (nir, ir1, ir0, (r - 1) * 100, "ok" if ok else "MISSED"))
else:
    print("evaluate --state: no valgrind, goal not checked MISSED")
    ok = False
def ms(s, which):
    m = re.search(which + r" [^)]*?([0-9.]+) ms a write", s)
    return float(m.group(1)) if m else float("nan")
print("evaluate --state: 100k active alerts: state file %.1f MB (%.0f bytes an alert), "
      "written in %.0f ms (temp file, fsync, rename, fsync of the directory)"
      % (snapbytes / 1e6, snapbytes / 1e5, ms(m1, "snapshots")))
print("evaluate --state: 1%% of them ending: a journal block written in %.1f ms (%s)" % (ms(m2, "journal"), m2))
print("evaluate --state: reading 100k alerts back at start: %.2f s (%.2f s, start without state %.2f s)"
      % (min(l1, l2) - l0, max(l1, l2) - l0, l0))
sys.exit(0 if ok else 1)
PY
