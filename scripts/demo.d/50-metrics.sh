# metrics: scrape the sample FE and BE expositions (share/demo/metrics/) as
# three demo clusters, every 5 minutes from 17:55 to 19:00 UTC on 2026-03-10 and
# a week earlier; store raw points and rollups; make the hourly snapshots
# score reads (the hour 2026-03-10 18:00 and its baseline 2026-03-03 18:00).
M=$DEMO/metrics
step "Metric points from a StarRocks FE exposition: scrape --time ... -l cluster_id=c-8f3a21 fe.prom"
show "scrape --time '2026-03-10 18:00:00' -l cluster_id=c-8f3a21 -l instance=fe1:8030 $M/fe.prom | head -4"

# cluster  cpu%  heap%  disk%  err%  p99 ms  compaction  (today; a week ago)
metrics_profiles="c-8f3a21 62 40 88 0.05 4000 120 30 40 88 0.05 4000 120
c-77b0e4 48 58 72 0.3 6500 90 45 55 70 0.2 6000 90
c-1d2e3f 25 35 40 0.02 900 30 25 35 40 0.02 900 30"
metrics_pts=$(mktemp "${TMPDIR:-/tmp}/srw-demo-pts.XXXXXX")
# in time order, as a scraper writes them: 17:55 (the scrape before the hour,
# so every 18:xx moment has a previous one 5 minutes earlier) to 19:00
g=0
for day in 2026-03-03 2026-03-10; do
	for i in 0 1 2 3 4 5 6 7 8 9 10 11 12 13; do
		m=$((17 * 60 + 55 + 5 * i))
		t=$(printf '%s %02d:%02d:00' "$day" $((m / 60)) $((m % 60)))
		echo "$metrics_profiles" | while read -r c cpu heap disk err p99 cmp bcpu bheap bdisk berr bp99 bcmp; do
			if [ "$day" = 2026-03-10 ]; then set -- "$cpu" "$heap" "$disk" "$err" "$p99" "$cmp"
			else set -- "$bcpu" "$bheap" "$bdisk" "$berr" "$bp99" "$bcmp"; fi
			for node in fe1:8030:fe be1:8040:be be2:8040:be; do
				awk -v i="$g" -v cpu="$1" -v heap="$2" -v disk="$3" -v err="$4" \
				    -v p99="$5" -v compact="$6" -f "$M/vary.awk" "$M/${node##*:}.prom" |
				scrape --time "$t" -l cluster_id="$c" -l instance="${node%:*}" -
			done
		done
		g=$((g + 1))
	done
done >"$metrics_pts"
echo "$(wc -l <"$metrics_pts" | tr -d " ") points: 3 clusters x 3 nodes x 14 scrapes x 2 days"

step "Raw points and 5m/1h rollups stored: sr-insert -t metrics.metrics_table; rollup -r 5m,1h | sr-insert -t metrics.metrics_rollup"
show "sr-insert -t metrics.metrics_table $metrics_pts"
show "rollup -r 5m,1h $metrics_pts | sr-insert -t metrics.metrics_rollup"
show "rollup -r 1h $metrics_pts | awk '/\"starrocks_fe_query_err\".*c-8f3a21.*\"ts\":1773165600000/ && !n++'   # 2026-03-10 18:00"

step "Hourly snapshots of 14 dimensions: rollup --snapshot | sr-insert -t metrics.amv_hourly_snapshots_v1"
show "rollup --snapshot $metrics_pts | sr-insert -t metrics.amv_hourly_snapshots_v1"
sql "SELECT cluster_id, metric, hour, ROUND(avg_value, 2) AS avg, ROUND(min_value, 2) AS min, ROUND(max_value, 2) AS max, samples FROM metrics.amv_hourly_snapshots_v1 WHERE hour = '2026-03-10 18:00:00' AND metric IN ('starrocks_be_cpu_util_percent', 'starrocks_be_disks_data_used_pct', 'starrocks_fe_query_err') ORDER BY cluster_id, metric"

step "A query across raw points and rollups: mquery --explain, then the series"
show "mquery 'starrocks_fe_query_total{cluster_id=\"c-8f3a21\"}' --from '2026-03-10 18:00:00' --to '2026-03-10 19:00:00' --step 15m --fn rate --explain --format text"
show "mquery 'starrocks_fe_query_total{cluster_id=\"c-8f3a21\"}' --from '2026-03-10 18:00:00' --to '2026-03-10 19:00:00' --step 15m --fn rate --format text"
rm -f "$metrics_pts"
unset M metrics_profiles metrics_pts g m t day i
