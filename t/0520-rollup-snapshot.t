#!/bin/sh
# rollup --snapshot: the 14 hourly dimensions from scrapes of the fixtures,
# against values computed by hand.
. "$(dirname "$0")/lib.sh"

F=$FIX/metrics
# scrape 2 (14:10): be1 spent 30000 idle + 70000 user ticks (70% busy), be2
# 60000 idle + 40000 user (40%); be2's /data1 is 90% full; the FE answered
# 4000 more queries, 20 of them errors, and 6 more transactions failed.
sed -e 's/^\(starrocks_be_cpu{mode="idle"}\) 6612044/\1 6642044/' \
    -e 's/^\(starrocks_be_cpu{mode="user"}\) 1953241/\1 2023241/' "$F/be.prom" >"$T/be1b.prom"
sed -e 's/^\(starrocks_be_cpu{mode="idle"}\) 6612044/\1 6672044/' \
    -e 's/^\(starrocks_be_cpu{mode="user"}\) 1953241/\1 1993241/' \
    -e 's|^\(starrocks_be_disks_avail_capacity{path="/data1/storage"}\) .*|\1 107374182400|' "$F/be.prom" >"$T/be2b.prom"
sed -e 's/^starrocks_fe_query_err 311/starrocks_fe_query_err 331/' \
    -e 's/^starrocks_fe_query_total 48211/starrocks_fe_query_total 52211/' \
    -e 's/^starrocks_fe_txn_failed 4/starrocks_fe_txn_failed 10/' "$F/fe.prom" >"$T/fe2.prom"
# scrape 3 (14:20), FE only: it restarted (counters from zero: 10 errors in
# 1000 queries, 1 failed transaction) and sees 2 of 3 BEs alive.
sed -e 's/^starrocks_fe_query_err 311/starrocks_fe_query_err 10/' \
    -e 's/^starrocks_fe_query_total 48211/starrocks_fe_query_total 1000/' \
    -e 's/^starrocks_fe_txn_failed 4/starrocks_fe_txn_failed 1/' \
    -e 's/^\(node_info{type="be_node_num", state="alive"}\) 3/\1 2/' "$F/fe.prom" >"$T/fe3.prom"

s() { scrape --time "$1" -l cluster_id=c-1 -l instance="$2" "$3"; }
{
	s "2026-03-10 14:00:00" fe1:8030 "$F/fe.prom"
	s "2026-03-10 14:00:00" be1:8040 "$F/be.prom"
	s "2026-03-10 14:00:00" be2:8040 "$F/be.prom"
	s "2026-03-10 14:10:00" fe1:8030 "$T/fe2.prom"
	s "2026-03-10 14:10:00" be1:8040 "$T/be1b.prom"
	s "2026-03-10 14:10:00" be2:8040 "$T/be2b.prom"
	s "2026-03-10 14:20:00" fe1:8030 "$T/fe3.prom"
	scrape --time "2026-03-10 14:20:00" "$F/fe.prom"	# no cluster_id: ignored
} >"$T/points.ndjson"

rollup --snapshot "$T/points.ndjson" >"$T/snap" 2>"$T/err"
is "$?" 0 "snapshot: exit 0"
is "$(wc -l <"$T/snap" | tr -d ' ')" 14 "14 dimensions, one hour, one cluster"

# metric avg min max samples, by hand
cat >"$T/want" <<'EOF2'
starrocks_be_cpu_util_percent 55 55 55 1
starrocks_be_jvm_heap_used_percent 59.999999997671694 59.999999997671694 59.999999997671694 3
starrocks_be_disks_data_used_pct 82.5 75 90 2
starrocks_be_compaction_score_average 142 142 142 3
starrocks_fe_query_latency_ms_p99 6410.25 6410.25 6410.25 3
starrocks_fe_query_err 0.75 0.5 1 2
starrocks_fe_query_rate_qps 4.166666666666667 1.6666666666666667 6.666666666666667 2
starrocks_be_process_mem_bytes 41231686041 41231686041 41231686041 2
starrocks_be_max_tablet_rowset_num 211 211 211 2
starrocks_be_alive_ratio 0.8888888888888888 0.6666666666666666 1 3
starrocks_fe_txn_failed_per_min 0.35 0.1 0.6 2
starrocks_fe_connection_total 49 49 49 3
starrocks_be_compaction_failed_per_min 0 0 0 1
starrocks_fe_query_latency_ms_p95 1840.5 1840.5 1840.5 3
EOF2
python3 - "$T/snap" "$T/want" >"$T/cmp" <<'PY'
import json, sys
got = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    assert r["cluster_id"] == "c-1" and r["hour"] == "2026-03-10 14:00:00", r
    got[r["metric"]] = r
bad = []
for l in open(sys.argv[2]):
    m, a, lo, hi, n = l.split()
    r = got.get(m)
    if not r:
        bad.append("missing " + m); continue
    for k, w in (("avg_value", a), ("min_value", lo), ("max_value", hi)):
        if abs(r[k] - float(w)) > 1e-9 * max(1, abs(float(w))):
            bad.append("%s %s: got %r want %s" % (m, k, r[k], w))
    if r["samples"] != int(n):
        bad.append("%s samples: got %d want %s" % (m, r["samples"], n))
print("ok" if not bad else "; ".join(bad))
PY
is "$(cat "$T/cmp")" "ok" "every dimension's avg, min, max and samples as computed by hand"
is "$(head -1 "$T/snap" | python3 -c 'import json,sys; print(sorted(json.loads(sys.stdin.read())))')" \
	"['avg_value', 'cluster_id', 'hour', 'max_value', 'metric', 'min_value', 'samples']" \
	"rows carry exactly the columns of metrics.amv_hourly_snapshots_v1"

# streaming: an hour is written once time has passed its end + lateness
{ cat "$T/points.ndjson"; s "2026-03-10 15:05:00" fe1:8030 "$F/fe.prom"; } >"$T/p2"
rollup --snapshot "$T/p2" 2>/dev/null | head -14 >"$T/first14" &
wait
is "$(grep -c '"hour":"2026-03-10 14:00:00"' "$T/first14")" 14 "the 14:00 hour comes out first"
rollup --snapshot "$T/p2" 2>/dev/null | grep -c '"hour":"2026-03-10 15:00:00"' >"$T/n15"
is "$(cat "$T/n15")" 9 "15:00 hour: 6 FE gauges + 3 FE counters against the 14:20 scrape"

# late moment: a scrape older than the newest minus the lateness is refused
{ s "2026-03-10 15:00:00" fe1:8030 "$F/fe.prom"; s "2026-03-10 14:00:00" fe1:8030 "$F/fe.prom"; } >"$T/late"
rollup --snapshot "$T/late" >/dev/null 2>"$T/late.err"
is "$?" 1 "late scrape: exit 1"
grep -q 'late point' "$T/late.err"
is "$?" 0 "late scrape reported"

if [ -n "${STARROCKS_SOCKET:-}${STARROCKS_PORT:-}" ]; then
	sql "DELETE FROM metrics.amv_hourly_snapshots_v1 WHERE cluster_id = 'c-1'"
	rollup --snapshot "$T/points.ndjson" | sr-insert -t metrics.amv_hourly_snapshots_v1 2>/dev/null
	is "$?" 0 "rollup --snapshot | sr-insert -t metrics.amv_hourly_snapshots_v1"
	is "$(sql "SELECT COUNT(*), MAX(samples) FROM metrics.amv_hourly_snapshots_v1 WHERE cluster_id = 'c-1' AND hour = '2026-03-10 14:00:00'")" "14	3" "14 rows stored for the hour"
	is "$(sql "SELECT avg_value FROM metrics.amv_hourly_snapshots_v1 WHERE cluster_id = 'c-1' AND metric = 'starrocks_be_disks_data_used_pct'")" "82.5" "disk avg stored"
else
	diag "no database: storage not tested"
fi
done_testing
