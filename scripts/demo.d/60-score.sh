# score: every demo cluster's health for the hour 2026-03-10 18:00 UTC, from
# the hourly snapshots (rollup --snapshot's, when the metrics step made them
# for that hour; else share/demo/snapshots-score.ndjson), the alerts stored
# above and the customer tiers.  --at pins "now" so the result never depends
# on today's date.
score_at="2026-03-10 19:05:00"
score_n=$(mariadb --no-defaults -uroot -S "$STARROCKS_SOCKET" -N -B -e \
	"SELECT COUNT(*) FROM metrics.amv_hourly_snapshots_v1 WHERE hour = '2026-03-10 18:00:00'")
if [ "$score_n" = 0 ]; then
	step "Hourly snapshots and customer tiers for score (share/demo/*-score.ndjson)"
	show "sr-insert -t metrics.amv_hourly_snapshots_v1 $DEMO/snapshots-score.ndjson"
fi
score_n=$(mariadb --no-defaults -uroot -S "$STARROCKS_SOCKET" -N -B -e \
	"SELECT COUNT(*) FROM ops.dim_customer_profile WHERE cluster_id IN ('c-8f3a21', 'c-77b0e4', 'c-1d2e3f')")
if [ "$score_n" = 0 ]; then
	show "sr-insert -t ops.dim_customer_profile $DEMO/profiles-score.ndjson"
fi

step "Health scores, worst first: score --at '$score_at' --format text"
show "score --at '$score_at' --format text"
step "Stored for Grafana and the sentinel: score --at '$score_at' --write"
show "score --at '$score_at' --write"
sql "SELECT cluster_id, snapshot_at, score, risk_level, tier, top_factors FROM ops.cluster_risk_snapshots WHERE snapshot_at = '$score_at' ORDER BY score IS NOT NULL, score"
unset score_at score_n
