# score: seconds to score 10,000 clusters end to end from the test database
# (snapshots of 14 dimensions at H and H - 7 d, 7 days of alerts, tiers), as
# NDJSON and with --write (both tables).  BENCH_CLUSTERS (default 10000)
# sets the size.  Target: < 2 s end to end.
set -euo pipefail
N=${BENCH_CLUSTERS:-10000}
out=$BENCH_OUT/score
mkdir -p "$out"
db=$out/db
eval "$(testdb start "$db")"
trap 'testdb stop "$db" >/dev/null' EXIT
my() { mariadb --no-defaults -uroot -S "$STARROCKS_SOCKET" --local-infile=1 -N -B -e "$1"; }
H="2026-03-10 18:00:00" B="2026-03-03 18:00:00" AT="2026-03-10 19:05:00"

if [ "$(my "SELECT COUNT(DISTINCT cluster_id) FROM metrics.amv_hourly_snapshots_v1 WHERE hour = '$H' AND cluster_id LIKE 'b-%'")" != "$N" ]; then
	echo "seeding $N clusters: snapshots, alerts, tiers"
	my "DELETE FROM metrics.amv_hourly_snapshots_v1 WHERE cluster_id LIKE 'b-%';
	    DELETE FROM alerts.lark_alerts WHERE message_id LIKE 'b-%';
	    DELETE FROM ops.dim_customer_profile WHERE cluster_id LIKE 'b-%'"
	awk -v n="$N" -v h="$H" -v b="$B" 'BEGIN {
		split("starrocks_be_cpu_util_percent starrocks_be_jvm_heap_used_percent starrocks_be_disks_data_used_pct starrocks_be_compaction_score_average starrocks_fe_query_latency_ms_p99 starrocks_fe_query_err starrocks_fe_query_rate starrocks_be_process_mem_bytes starrocks_be_max_tablet_rowset_num starrocks_be_alive_ratio starrocks_fe_txn_failed starrocks_fe_connections starrocks_be_compaction_failed starrocks_fe_query_latency_ms_p95", m, " ");
		split("30 45 60 150 3000 0.05 100 1e9 200 1 0 50 0 2000", base, " ");
		srand(42);
		for (i = 0; i < n; i++)
			for (k = 1; k <= 14; k++) {
				v = base[k] * (0.3 + 2 * rand()); w = base[k] * (0.3 + 1.5 * rand());
				printf "b-%06d\t%s\t%s\t%.4f\t%.4f\t%.4f\t240\n", i, m[k], h, v, v * 0.8, v * 1.2;
				printf "b-%06d\t%s\t%s\t%.4f\t%.4f\t%.4f\t240\n", i, m[k], b, w, w * 0.8, w * 1.2;
			}
	}' > "$out/snap.tsv"
	awk -v n="$N" 'BEGIN {
		split("BeAliveAbnormal FEHeapUsageTooHigh RootFreeDiskLessThan10% OperationDurationGT10m NoSuchAlert", a, " ");
		srand(7);
		for (i = 0; i < 5 * n; i++) {
			c = int(rand() * n); d = int(rand() * n);
			printf "b-%08d-f\t2026-03-%02d %02d:%02d:00\tb-%06d|b-%06d\tFiring\t%s|%s\n", i,
			    4 + int(rand() * 7), int(rand() * 18), int(rand() * 60), c, d, a[1 + i % 5], a[1 + (i + 2) % 5];
		}
	}' > "$out/alerts.tsv"
	awk -v n="$N" 'BEGIN { split("S A B B C", t, " "); for (i = 0; i < n; i += 1) if (i % 10) printf "b-%06d\t%s\n", i, t[1 + i % 5] }' > "$out/tiers.tsv"
	my "LOAD DATA LOCAL INFILE '$out/snap.tsv' INTO TABLE metrics.amv_hourly_snapshots_v1
	    (cluster_id, metric, hour, avg_value, min_value, max_value, samples);
	    LOAD DATA LOCAL INFILE '$out/alerts.tsv' INTO TABLE alerts.lark_alerts
	    (message_id, created_at, cluster_id, alert_status, alert_name);
	    LOAD DATA LOCAL INFILE '$out/tiers.tsv' INTO TABLE ops.dim_customer_profile (cluster_id, tier)"
	rm -f "$out"/*.tsv
fi

timed() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); python3 -c "print('%.3f' % max($e - $s, 1e-6))"; }
score --at "$AT" >/dev/null	# warm the server's buffer pool
t_nd=$(timed sh -c "score --at '$AT' > '$out/scores.ndjson'")
t_wr=$(timed /usr/bin/time -f '%M' -o "$out/rss" score --at "$AT" --write)
rows=$(wc -l < "$out/scores.ndjson" | tr -d ' ')
stored=$(my "SELECT COUNT(*) FROM ops.cluster_health_scores WHERE scored_at = '$AT'")
printf 'score, %d clusters, NDJSON out : %6s s  (target < 2 s) %s\n' "$rows" "$t_nd" \
	"$(python3 -c "print('ok' if $t_nd < 2 else 'MISS')")"
printf 'score --write (both tables)   : %6s s  (target < 2 s) %s\n' "$t_wr" \
	"$(python3 -c "print('ok' if $t_wr < 2 else 'MISS')")"
printf 'rows stored: %s; peak RSS %.1f MiB; risk levels: %s\n' "$stored" \
	"$(python3 -c "print($(tail -1 "$out/rss") / 1024)")" \
	"$(jq -r .risk_level "$out/scores.ndjson" | sort | uniq -c | awk '{ printf "%s %s  ", $2, $1 }')"
