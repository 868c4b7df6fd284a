#!/usr/bin/env bash
# A real Alertmanager (Debian's prometheus-alertmanager) on loopback routes
# to webhookd with a bearer token from a credentials file: a firing alert
# and then its resolution arrive as rows in the database.
. "$(dirname "$0")/lib.sh"
need_db
AM=$(command -v prometheus-alertmanager || command -v alertmanager || true)
[ -n "$AM" ] || skip_all "prometheus-alertmanager is not installed"
command -v curl >/dev/null || skip_all "curl is not installed"

PIDS=
trap 'for p in $PIDS; do kill -KILL $p 2>/dev/null; done; _cleanup' EXIT
sql "DELETE FROM alerts.lark_alerts WHERE cluster_id = 't320-c1'"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
count() { sql "SELECT COUNT(*) FROM alerts.lark_alerts WHERE cluster_id = 't320-c1' AND $1"; }
wait_for() {	# wait_for SQL-CONDITION: up to 20 s for a row
	local i
	for i in $(seq 200); do
		[ "$(count "$1")" -ge 1 ] && return 0
		sleep 0.1
	done
	return 1
}

printf 't320-am-token\n' >"$T/token"
webhookd --listen 127.0.0.1:0 --token-file "$T/token" 2>"$T/wh.err" &
WPID=$!; PIDS="$PIDS $WPID"
for i in $(seq 200); do
	WP=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$T/wh.err" 2>/dev/null)
	[ -n "$WP" ] && break
	sleep 0.05
done
ok "webhookd started" test -n "$WP"

AP=$(free_port)
cat >"$T/am.yml" <<EOF
route:
  receiver: srwatch
  group_by: [alertname, cluster_id]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: srwatch
    webhook_configs:
      - url: http://127.0.0.1:$WP/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials_file: $T/token
EOF
"$AM" --config.file="$T/am.yml" --storage.path="$T/am" \
	--web.listen-address=127.0.0.1:"$AP" --web.external-url=http://127.0.0.1:"$AP" \
	--cluster.listen-address= --log.level=warn 2>"$T/am.err" &
APID=$!; PIDS="$PIDS $APID"
for i in $(seq 100); do
	curl -sf -m 1 "http://127.0.0.1:$AP/-/ready" >/dev/null && break
	sleep 0.1
done
ok "alertmanager ready" curl -sf -o /dev/null -m 2 "http://127.0.0.1:$AP/-/ready"

alert() {	# alert ENDS-AT-JSON
	curl -s -m 5 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		-X POST "http://127.0.0.1:$AP/api/v2/alerts" -d '[{"labels":{"alertname":"t320-DiskFull",
		"cluster_id":"t320-c1","cluster_name":"t320-prod","region":"us-east-1",
		"account_name":"acme"},"annotations":{"description":"disk 95% full",
		"dashboard_url":"https://grafana.example.net/d/disk"},
		"startsAt":"2026-03-12T10:00:00Z"'"$1"',"generatorURL":"http://prom/graph"}]'
}
is "$(alert '')" 200 "alert posted to alertmanager"
ok "firing row arrives in the database" wait_for "alert_status = 'Firing'"
want_id=wh_$(printf '%s' "t320-DiskFullt320-c1firing2026-03-12T10:00:00Z" | sha256sum | cut -d' ' -f1)
is "$(count "message_id = '$want_id' AND created_at = '2026-03-12 10:00:00' AND alert_name = 't320-DiskFull'")" 1 \
	"firing row: message id and time as DESIGN.md says"
is "$(count "alert_detail = 'disk 95% full' AND dashboard_url = 'https://grafana.example.net/d/disk'
	AND silence_url LIKE 'http://127.0.0.1:$AP/#/silences/new?filter=%7B%'")" 1 \
	"firing row: detail, dashboard, silence link to this alertmanager"

is "$(alert ',"endsAt":"2026-03-12T10:30:00Z"')" 200 "resolution posted to alertmanager"
ok "resolved row arrives in the database" wait_for "alert_status = 'Resolved'"
is "$(count "alert_status = 'Resolved' AND created_at = '2026-03-12 10:30:00'")" 1 "resolved row dated by endsAt"
ok "requests were authorised" grep -q 'POST /alertmanager 200 alerts=1' "$T/wh.err"
nok "no 401 on the way" grep -q 'POST /alertmanager 401' "$T/wh.err"

kill -TERM "$APID" "$WPID"
wait "$WPID"
is "$?" 0 "webhookd exits 0"
sql "DELETE FROM alerts.lark_alerts WHERE cluster_id = 't320-c1'"
done_testing
