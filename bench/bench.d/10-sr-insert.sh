# sr-insert: rows/s loading alert rows into the test database, beside the
# Python reference (bench/ref/insert_ref.py) and the server's own bulk path
# (LOAD DATA LOCAL INFILE of the same rows as TSV), plus peak RSS; then the
# client's share of Stream Load (a fake BE that discards the body at once).
#
# Fair by construction: the same rows on every side, the server warmed by
# one untimed run of each first, then BENCH_ROUNDS rounds (default 5) that
# alternate the contenders, each on an emptied table; min and median are
# reported, the goals checked on the medians (ok/MISSED).
# BENCH_ROWS (default 300000) sets the size.  Goals (issue 19): sr-insert
# >= 2.5x the reference and >= 90% of LOAD DATA; RSS < 64 MiB; (issue 14)
# Stream Load body building and HTTP >= 300k alert rows per CPU second.
set -euo pipefail
N=${BENCH_ROWS:-300000}
ROUNDS=${BENCH_ROUNDS:-5}
out=$BENCH_OUT/sr-insert
mkdir -p "$out"
db=$out/db
eval "$(testdb start "$db")"
fake=
trap 'testdb stop "$db" >/dev/null; [ -n "$fake" ] && kill $fake 2>/dev/null' EXIT
my() { mariadb --no-defaults -uroot -S "$STARROCKS_SOCKET" --local-infile=1 -N -B -e "$1"; }

rows=$out/rows-$N.ndjson
if [ ! -s "$rows" ]; then
	echo "generating $N alert rows"
	awk -v n="$N" 'BEGIN { split("BeAliveAbnormal FEHeapUsageTooHigh RootFreeDiskLessThan10% OperationDurationGT10m ProcNotRunning", names, " ");
	for (i = 0; i < n; i++)
		printf "{\"message_id\":\"om_%016x%08d-f\",\"created_at\":\"2026-03-%02d %02d:%02d:%02d\",\"cluster_name\":\"prod-%d\",\"region\":\"us-west-2\",\"account_name\":\"acct-%d\",\"cluster_id\":\"c-%06x\",\"alert_status\":\"Firing\",\"alert_name\":\"%s\",\"alert_detail\":\"BE 10.0.%d.%d:9050 has not reported alive for 5m\",\"dashboard_url\":\"https://grafana.example.net/d/sr-overview?var-cluster=c-%06x\",\"silence_url\":\"https://grafana.example.net/alerting/silence/new?matcher=cluster_id%%3Dc-%06x\",\"source\":\"lark\"}\n",
		i * 7919, i, 1 + i % 28, (i / 3600) % 24, (i / 60) % 60, i % 60, i % 5000, i % 700, i % 5000, names[1 + i % 5], i % 256, i % 200, i % 5000, i % 5000 }' > "$rows"
fi
python3 - "$rows" "$out/rows.tsv" <<'PY'
import json, sys, os
src, dst = sys.argv[1], sys.argv[2]
if not os.path.exists(dst) or os.path.getmtime(dst) < os.path.getmtime(src):
    cols = ["message_id","created_at","cluster_name","region","account_name","cluster_id","alert_status","alert_name","alert_detail","dashboard_url","silence_url","source"]
    esc = lambda s: s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    with open(src) as f, open(dst, "w") as o:
        for l in f:
            r = json.loads(l); o.write("\t".join(esc(str(r[c])) for c in cols) + "\n")
PY

now() { date +%s.%N; }
# run NAME CMD...: one timed run on an emptied table; appends "NAME SECONDS"
run() {
	local name=$1 s e
	shift
	my "TRUNCATE alerts.lark_alerts"
	s=$(now)
	"$@" >/dev/null 2>&1
	e=$(now)
	stored=$(my "SELECT COUNT(*) FROM alerts.lark_alerts")
	[ "$stored" = "$N" ] || echo "warning: $name stored $stored of $N rows"
	echo "$name $(python3 -c "print(max($e - $s, 1e-6))")" >>"$out/times"
}
load_data() { my "LOAD DATA LOCAL INFILE '$out/rows.tsv' INTO TABLE alerts.lark_alerts"; }
ref() { /usr/bin/python3 bench/ref/insert_ref.py -t alerts.lark_alerts <"$rows"; }
srw() { sr-insert -t alerts.lark_alerts "$@" "$rows"; }

: >"$out/times"
echo "warming the server (one untimed run of each)"
run warm load_data; run warm srw; run warm ref
: >"$out/times"
for r in $(seq "$ROUNDS"); do
	echo "round $r of $ROUNDS"
	run "LOAD-DATA" load_data
	run "sr-insert" srw
	run "insert_ref.py" ref
	run "sr-insert--jobs-2" srw --jobs 2
	run "sr-insert--insert" srw --insert
done
/usr/bin/time -f '%M' -o "$out/rss" sr-insert -t alerts.lark_alerts "$rows" 2>/dev/null
rss=$(tail -1 "$out/rss")
echo "sr-insert -v says: $(sr-insert -v -t alerts.lark_alerts </dev/null 2>&1 | grep -m1 'writing')"

# Stream Load: the client's CPU per row, against a BE that discards
mkdir -p "$out/sl"
rm -f "$out/sl/ports"
DISCARD=1 python3 t/fakes/fake-streamload "$out/sl" root: &
fake=$!
for _ in $(seq 100); do [ -f "$out/sl/ports" ] && break; sleep 0.05; done
read -r fe _ <"$out/sl/ports"
: >"$out/cpu"
# cpu PATH ARGS...: whole-process CPU (time) and the writer's own share
# (sr-insert -v: CPU of the thread that built and sent the batches)
cpu() {
	local path=$1
	shift
	/usr/bin/time -f "%U %S %e" -o "$out/time1" sr-insert -v -t alerts.lark_alerts "$@" "$rows" \
		>/dev/null 2>"$out/err1" || true
	echo "$path $(sed -n 's/.*writer ([a-z-]*): \([0-9.]*\) s CPU.*/\1/p' "$out/err1") $(tail -1 "$out/time1")" >>"$out/cpu"
}
for r in $(seq "$ROUNDS"); do
	SRW_DIALECT=starrocks STARROCKS_HTTP_URL=http://127.0.0.1:$fe cpu stream-load --stream-load
	my "TRUNCATE alerts.lark_alerts"
	cpu insert --insert
	my "TRUNCATE alerts.lark_alerts"
	cpu bulk
done

python3 - "$out/times" "$out/cpu" "$N" "$rss" <<'PY'
import sys, statistics
times, cpu, n, rss = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
t = {}
for l in open(times):
    k, v = l.split(); t.setdefault(k, []).append(float(v))
rate = lambda s: n / s
print("%-28s %12s %12s   (rows/s over %d alternated runs)" % ("", "best", "median", len(t["sr-insert"])))
for k in ["LOAD-DATA", "insert_ref.py", "sr-insert", "sr-insert--jobs-2", "sr-insert--insert"]:
    print("%-28s %12.0f %12.0f" % (k.replace("--", " --"), rate(min(t[k])), rate(statistics.median(t[k]))))
med = {k: rate(statistics.median(v)) for k, v in t.items()}
ok = lambda c: "ok" if c else "MISSED"
s = med["sr-insert"]
print("sr-insert / reference       : %.2fx  (goal >= 2.5x)  %s" % (s / med["insert_ref.py"], ok(s / med["insert_ref.py"] >= 2.5)))
print("sr-insert / LOAD DATA       : %.0f%%   (goal >= 90%%)  %s" % (100 * s / med["LOAD-DATA"], ok(s / med["LOAD-DATA"] >= 0.9)))
print("--jobs 2 / --jobs 1         : %.2fx  (the default stays 1 unless this is clearly > 1)" % (med["sr-insert--jobs-2"] / s))
print("bulk / INSERT text          : %.2fx" % (s / med["sr-insert--insert"]))
print("sr-insert peak RSS          : %.1f MiB (goal < 64 MiB)  %s" % (rss / 1024, ok(rss < 65536)))
c = {}
for l in open(cpu):
    p = l.split()
    if len(p) == 5:
        c.setdefault(p[0], []).append([float(x) for x in p[1:]])
print("client CPU (median of %d runs)   writer share   whole process   (rows per CPU second)" % len(c["bulk"]))
for k in ("stream-load", "insert", "bulk"):
    w = statistics.median([x[0] for x in c[k]])
    p = statistics.median([x[1] + x[2] for x in c[k]])
    print("  %-28s %12.0f %15.0f" % (k, n / w, n / p))
sl = n / statistics.median([x[0] for x in c["stream-load"]])
print("Stream Load body building and HTTP: %.0f alert rows/s on one core (goal >= 300000)  %s" % (sl, ok(sl >= 300000)))
PY
