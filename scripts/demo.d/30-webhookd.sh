# webhookd: Alertmanager's webhook in, rows in alerts.lark_alerts next to the
# Lark ones.  Started on a free loopback port, fed the sample payload (one
# firing alert, one resolved) twice, then stopped with SIGTERM.
step "Receiving Alertmanager webhooks: webhookd --listen 127.0.0.1:0"
wh_err=$(mktemp)
webhookd --listen 127.0.0.1:0 2>"$wh_err" &
wh_pid=$!
wh_port=
for _ in $(seq 100); do
	wh_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$wh_err")
	[ -n "$wh_port" ] && break
	sleep 0.05
done
show "curl -s --data-binary @t/fixtures/alertmanager/firing-and-resolved.json http://127.0.0.1:$wh_port/alertmanager"
show "curl -s --data-binary @t/fixtures/alertmanager/firing-and-resolved.json http://127.0.0.1:$wh_port/alertmanager   # again: same message ids, nothing changes"
show "curl -s http://127.0.0.1:$wh_port/metrics | grep -E '^webhookd_(alerts|requests)_'"
kill -TERM "$wh_pid"
wait "$wh_pid" || true
echo "Its log (one line per request):"
sed 's/^/  /' "$wh_err"
rm -f "$wh_err"
sql "SELECT message_id, created_at, alert_status, cluster_id, alert_name, source FROM alerts.lark_alerts WHERE source = 'webhook' ORDER BY created_at"
unset wh_err wh_pid wh_port
