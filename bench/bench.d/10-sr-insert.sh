# sr-insert: rows/s loading alert rows into the test database, beside the
# Python reference (bench/ref/insert_ref.py) and the server's own bulk path
# (LOAD DATA LOCAL INFILE of the same rows as TSV), plus peak RSS.
# BENCH_ROWS (default 1000000) sets the size.  Targets: >= 2.5x the
# reference, >= 60% of LOAD DATA, RSS < 64 MiB.
set -euo pipefail
N=${BENCH_ROWS:-1000000}
out=$BENCH_OUT/sr-insert
mkdir -p "$out"
db=$out/db
eval "$(testdb start "$db")"
trap 'testdb stop "$db" >/dev/null' EXIT
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

rate() { python3 -c "import sys; print('%.0f' % ($N / float(sys.argv[1])))" "$1"; }
timed() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); python3 -c "print(max($e - $s, 1e-6))"; }

my "TRUNCATE alerts.lark_alerts"
t_load=$(timed my "LOAD DATA LOCAL INFILE '$out/rows.tsv' INTO TABLE alerts.lark_alerts")
my "TRUNCATE alerts.lark_alerts"
t_ref=$(timed sh -c "/usr/bin/python3 bench/ref/insert_ref.py -t alerts.lark_alerts < '$rows' 2>/dev/null")
my "TRUNCATE alerts.lark_alerts"
t_srw=$(timed /usr/bin/time -f '%M' -o "$out/rss" sr-insert -t alerts.lark_alerts "$rows" 2>/dev/null)
stored=$(my "SELECT COUNT(*) FROM alerts.lark_alerts")
rss=$(tail -1 "$out/rss")

r_load=$(rate "$t_load"); r_ref=$(rate "$t_ref"); r_srw=$(rate "$t_srw")
printf '%-34s %10s rows/s\n' "LOAD DATA LOCAL INFILE (ceiling)" "$r_load" "insert_ref.py (reference)" "$r_ref" "sr-insert" "$r_srw"
python3 - "$r_srw" "$r_ref" "$r_load" "$rss" "$stored" "$N" <<'PY'
import sys
srw, ref, load, rss, stored, n = map(float, sys.argv[1:])
print("sr-insert / reference : %.2fx  (target >= 2.5x) %s" % (srw / ref, "ok" if srw / ref >= 2.5 else "MISS"))
print("sr-insert / LOAD DATA : %.0f%%  (target >= 60%%) %s" % (100 * srw / load, "ok" if srw / load >= 0.6 else "MISS"))
print("sr-insert peak RSS    : %.1f MiB (target < 64 MiB) %s" % (rss / 1024, "ok" if rss < 65536 else "MISS"))
print("rows stored           : %d of %d" % (stored, n))
PY
