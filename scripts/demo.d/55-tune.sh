# Tuning a noisy alert with evidence: BEDiskUsageHigh (disk used > 85% for
# 5m) backtested over the demo's stored points with candidate thresholds and
# for: durations (evaluate --replay does the evaluating), then the same
# advice inside the day's report once the alert is noisy (it fires on 3
# clusters: three more cards from the Lark channel).
step "Backtesting an alert rule over stored history: recommend tune BEDiskUsageHigh"
show "recommend tune BEDiskUsageHigh --from '2026-03-10 17:00:00' --to '2026-03-10 20:00:00' --format text"
tune_rows=$(mktemp "${TMPDIR:-/tmp}/srw-demo-tune.XXXXXX")
for c in c-8f3a21 c-77b0e4 c-1d2e3f; do
	printf '{"message_id":"om_demo_disk_%s-f","created_at":"2026-03-10 18:20:00","cluster_id":"%s","alert_status":"Firing","alert_name":"BEDiskUsageHigh","source":"lark"}\n' "$c" "$c"
done >"$tune_rows"
sr-insert -t alerts.lark_alerts "$tune_rows" 2>/dev/null
step "The day's report gives a noisy alert its backtest: recommend 2026-03-10 --format text"
show "recommend 2026-03-10 --format text | sed -n '/^  BEDiskUsageHigh/,/^  [A-Z]/p' | sed '\$d'"
rm -f "$tune_rows"
unset tune_rows c
