# Sample alert rows (made from the Lark fixtures) stored through sr-insert.
step "Storing sample alert rows: sr-insert -t alerts.lark_alerts share/demo/alerts.ndjson"
show "sr-insert -t alerts.lark_alerts $DEMO/alerts.ndjson"
show "sr-insert -t alerts.lark_alerts $DEMO/alerts.ndjson   # again: an upsert, nothing changes"
sql "SELECT message_id, created_at, alert_status, cluster_id, alert_name FROM alerts.lark_alerts ORDER BY created_at, message_id"
