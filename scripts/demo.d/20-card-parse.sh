# shellcheck shell=bash
# card-parse: raw Lark messages (as lark-fetch writes them) into alert rows,
# stored through sr-insert.  The daily job does the same per Pacific day:
#   lark-fetch 2026-03-10 | card-parse | sr-insert -t alerts.lark_alerts
step "Parsing Lark alert cards: card-parse share/demo/lark-messages.ndjson | sr-insert -t alerts.lark_alerts"
show "card-parse -v $DEMO/lark-messages.ndjson | sr-insert -t alerts.lark_alerts"
echo "One card with two firing sections and a resolved one, split per section (--explode):"
show "card-parse --explode $DEMO/lark-messages.ndjson | grep om_9a8b | cut -c1-110"
sql "SELECT message_id, alert_status, cluster_name, alert_name FROM alerts.lark_alerts WHERE source = 'lark' ORDER BY created_at, message_id"
