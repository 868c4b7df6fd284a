# evaluate and notify: a disk usage series crosses a threshold; evaluate
# fires the alert (Alertmanager-shaped), notify --dry-run shows what Slack
# and PagerDuty would receive.
evaldemo=$(mktemp -d "${TMPDIR:-/tmp}/srw-demo-eval.XXXXXX")
cat >"$evaldemo/disk.rules.yml" <<'RULES'
groups:
  - name: demo
    interval: 1m
    rules:
      - alert: BeDiskHigh
        expr: starrocks_be_disk_used_percent > 90
        for: 2m
        labels:
          severity: critical
        annotations:
          summary: "BE {{ $labels.instance }} disk {{ $value }}% full"
RULES
i=0
for v in 71 78 86 91 93 95 96 97; do
	printf '{"name":"starrocks_be_disk_used_percent","labels":{"cluster_id":"c-8f3a21","instance":"be1:8040"},"ts":%d,"value":%s}\n' \
		$((1773151200000 + i * 60000)) "$v"
	i=$((i + 1))
done >"$evaldemo/points.ndjson"
step "Evaluating rules on metric points: evaluate -r disk.rules.yml points.ndjson"
show "cat $evaldemo/disk.rules.yml"
show "evaluate --explain -r $evaldemo/disk.rules.yml"
show "evaluate -r $evaldemo/disk.rules.yml $evaldemo/points.ndjson | tee $evaldemo/alerts.ndjson"
step "What notify would send: notify --dry-run --route severity=critical:pagerduty,slack"
show "PAGERDUTY_ROUTING_KEY=00000000000000000000000000000000 SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T0/B0/demo notify --dry-run --route severity=critical:pagerduty,slack $evaldemo/alerts.ndjson"
rm -rf "$evaldemo"
