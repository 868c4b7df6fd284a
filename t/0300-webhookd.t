#!/usr/bin/env bash
# webhookd over real HTTP (curl) in every mode: --listen, --stdout, --inetd
# (socat), socket activation (systemd-socket-activate); the rows of the
# fixture payload, idempotency, every bad input with its status code, auth,
# limits, /healthz, /metrics, the request log, SIGTERM draining.
. "$(dirname "$0")/lib.sh"
need_db
command -v curl >/dev/null || skip_all "curl is not installed"

F=$FIX/alertmanager/firing-and-resolved.json
WANT=$FIX/alertmanager/firing-and-resolved.rows.ndjson
PIDS=
trap 'for p in $PIDS; do kill -KILL $p 2>/dev/null; done; _cleanup' EXIT

clean() { sql "DELETE FROM alerts.lark_alerts WHERE source = 'webhook' AND message_id LIKE 'wh\\_%'"; }
clean

# start_wh NAME ARGS...: webhookd on a free loopback port; sets PORT and PID
start_wh() {
	local name=$1
	shift
	webhookd --listen 127.0.0.1:0 "$@" 2>"$T/$name.err" &
	PID=$!
	PIDS="$PIDS $PID"
	PORT=$(wait_port "$T/$name.err" "$PID")
}
# code ARGS...: curl, the body to $T/body, prints the status
code() { curl -s -o "$T/body" -w '%{http_code}' -m 20 "$@"; }
url() { echo "http://127.0.0.1:$PORT$1"; }
# the fields the fixture lists, of the rows in the database, as NDJSON
rows_json() {
	sql "SELECT JSON_OBJECT('message_id', message_id, 'created_at',
	  DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s'), 'cluster_name', cluster_name,
	  'region', region, 'account_name', account_name, 'cluster_id', cluster_id,
	  'alert_status', alert_status, 'alert_name', alert_name, 'alert_detail',
	  alert_detail, 'source', source) FROM alerts.lark_alerts
	  WHERE message_id IN ($(jq -r '"\u0027" + .message_id + "\u0027"' "$WANT" | paste -sd,))
	  ORDER BY created_at"
}
count() { sql "SELECT COUNT(*) FROM alerts.lark_alerts WHERE $1"; }
metric() { curl -s -m 5 "$(url /metrics)" | awk -v m="$1" '$1 == m { print $2 }'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---- --listen: the fixture's rows -------------------------------------
ok "starts on a free port" start_wh main
is "$(code -X POST --data-binary @"$F" "$(url /alertmanager)")" 200 "fixture payload: 200"
is "$(jq -r '.status + " " + (.alerts|tostring)' "$T/body")" "stored 2" "answer says 2 alerts stored"
rows_json >"$T/rows.ndjson"
json_same "rows match firing-and-resolved.rows.ndjson" "$T/rows.ndjson" "$WANT"
is "$(sql "SELECT dashboard_url FROM alerts.lark_alerts WHERE alert_name = 'BeAliveAbnormal' AND source = 'webhook'")" \
	"https://grafana.example.net/d/sr-overview?var-cluster=c-8f3a21" "dashboard_url from the annotation"
su=$(sql "SELECT silence_url FROM alerts.lark_alerts WHERE alert_name = 'FEHeapUsageTooHigh' AND source = 'webhook'")
case $su in
https://alertmanager.example.net/#/silences/new?filter=%7B*alertname%3D%22FEHeapUsageTooHigh%22*cluster_id%3D%22c-8f3a21%22*%7D) r=0 ;;
*) r=1 ;;
esac
ok "silence_url from externalURL and the labels" test $r = 0

# ---- idempotency --------------------------------------------------------
is "$(code -X POST --data-binary @"$F" "$(url /alertmanager)")" 200 "same payload again: 200"
is "$(count "source = 'webhook' AND cluster_id = 'c-8f3a21'")" 2 "same payload twice: still 2 rows"
is "$(metric webhookd_alerts_duplicate_total)" 2 "duplicates counted"
is "$(code -X POST --data-binary @"$F" "$(url /webhook)")" 200 "/webhook takes the same payload"

# ---- Grafana's payload: extra fields ignored, incomplete alert kept ------
cat >"$T/grafana.json" <<'EOF'
{"receiver":"srw","status":"firing","orgId":1,"version":"1","state":"alerting","title":"[FIRING:2]",
 "externalURL":"https://grafana.example.net/","groupKey":"{}","truncatedAlerts":0,"message":"x",
 "alerts":[{"status":"firing","labels":{"alertname":"t300-GrafanaAlert","cluster_id":"t300-c1","grafana_folder":"SR"},
   "annotations":{"summary":"disk almost full"},"startsAt":"2026-03-11T01:02:03.456789+01:00",
   "endsAt":"0001-01-01T00:00:00Z","generatorURL":"https://grafana.example.net/alerting/grafana/x/view",
   "fingerprint":"abc","silenceURL":"https://grafana.example.net/alerting/silence/new","dashboardURL":"https://grafana.example.net/d/abc","panelURL":"","values":{"B":1}},
  {"status":"firing","labels":{"severity":"warning"},"annotations":{},"startsAt":"2026-03-11T00:00:00Z"}]}
EOF
is "$(code -X POST --data-binary @"$T/grafana.json" "$(url /alertmanager)")" 200 "Grafana payload: 200"
is "$(sql "SELECT CONCAT_WS(' ', DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s'), alert_detail, dashboard_url) FROM alerts.lark_alerts WHERE cluster_id = 't300-c1'")" \
	"2026-03-11 00:02:03 disk almost full https://grafana.example.net/d/abc" \
	"Grafana alert: UTC time, summary as detail, dashboardURL"
want_id=wh_$(printf '%s' "t300-GrafanaAlertt300-c1firing2026-03-11T01:02:03.456789+01:00" | sha256sum | cut -d' ' -f1)
is "$(count "message_id = '$want_id'")" 1 "message_id hashes the strings as received"
is "$(count "source = 'webhook' AND alert_name = '' AND cluster_id = '' AND created_at = '2026-03-11 00:00:00'")" 1 \
	"alert without alertname and cluster_id stored with what it has"
is "$(metric webhookd_alerts_incomplete_total)" 1 "incomplete alert counted"

# ---- bad input -----------------------------------------------------------
is "$(code -X POST -d '{"alerts": [' "$(url /alertmanager)")" 400 "malformed JSON: 400"
ok "400 carries a JSON error" jq -e '.error | test("malformed JSON")' "$T/body"
is "$(code -X POST -d '{"receiver":"x"}' "$(url /alertmanager)")" 400 "object without alerts: 400"
is "$(code -X POST -d '{"alerts":[1,2]}' "$(url /alertmanager)")" 400 "alert that is not an object: 400"
is "$(code -X POST -d '[{"alerts":[]}]' "$(url /alertmanager)")" 400 "array body: 400"
is "$(code -X POST --data-binary '' "$(url /alertmanager)")" 400 "empty body: 400"
printf '{"alerts":[{"labels":{"alertname":"\\u00"}}]}' >"$T/badesc.json"
is "$(code -X POST --data-binary @"$T/badesc.json" "$(url /alertmanager)")" 400 "bad escape: 400"
printf '{"alerts":[{"labels":{"alertname":"a\xff"}}]}' >"$T/badutf.json"
is "$(code -X POST --data-binary @"$T/badutf.json" "$(url /alertmanager)")" 400 "invalid UTF-8: 400"
is "$(code -X POST -d '{"alerts":[]}' "$(url /alertmanager)")" 200 "no alerts: 200"
is "$(code "$(url /alertmanager)")" 405 "GET /alertmanager: 405"
is "$(curl -s -o /dev/null -D - -m 5 "$(url /alertmanager)" | tr -d '\r' | sed -n 's/^Allow: //p')" POST "405 says Allow: POST"
is "$(code -X DELETE "$(url /metrics)")" 405 "DELETE /metrics: 405"
is "$(code "$(url /nowhere)")" 404 "unknown path: 404"
python3 -c 'import json; print(json.dumps({"alerts": [], "pad": "x" * (1 << 20)}))' >"$T/big.json"
is "$(code -X POST --data-binary @"$T/big.json" "$(url /alertmanager)")" 413 "body over 1 MiB: 413"
is "$(code -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$T/big.json" "$(url /alertmanager)")" 413 \
	"chunked body over 1 MiB: 413"
ok "still serving after the bad input" test "$(code "$(url /healthz)")" = 200
long=$(printf 'x%.0s' $(seq 1100))
jq -c --arg long "$long" '.alerts[0].labels.alertname = "t300-Ok" | .alerts[1].labels.alertname = "t300-TooLong"
	| .alerts[1].labels.cluster_name = $long' "$F" >"$T/toolong.json"
is "$(code -X POST --data-binary @"$T/toolong.json" "$(url /alertmanager)")" 422 "a row the column checks refuse: 422"
ok "422 names the column" jq -e '.error | test("cluster_name")' "$T/body"
is "$(count "alert_name = 't300-Ok'"):$(count "alert_name = 't300-TooLong'")" "1:0" "the request's other row is stored"

# concurrent identical requests: one copy per batch, every request answered
jq -c '.alerts[0].labels.alertname = "t300-Same1" | .alerts[1].labels.alertname = "t300-Same2"' "$F" >"$T/same.json"
cpids=
for i in $(seq 12); do
	code -X POST --data-binary @"$T/same.json" "$(url /alertmanager)" >"$T/samecode.$i" &
	cpids="$cpids $!"
done
wait $cpids
is "$(for f in "$T"/samecode.*; do cat "$f"; echo; done | sort -u)" 200 "12 concurrent identical requests: all 200"
is "$(count "alert_name LIKE 't300-Same_'")" 2 "and 2 rows"

# ---- /healthz, /metrics, the log -----------------------------------------
is "$(code "$(url /healthz)")" 200 "healthz: 200"
ok "healthz says ok" jq -e '.status == "ok"' "$T/body"
curl -s -m 5 "$(url /metrics)" >"$T/metrics"
ok "metrics: requests by code" grep -q '^webhookd_requests_total{code="400"} 7$' "$T/metrics"
ok "metrics: 413s counted" grep -q '^webhookd_requests_total{code="413"} 2$' "$T/metrics"
ok "metrics: latency histogram" grep -q '^webhookd_request_duration_seconds_bucket{le="+Inf"} [0-9]' "$T/metrics"
is "$(awk '$1 == "webhookd_alerts_stored_total" { print $2 }' "$T/metrics")" 33 "metrics: alerts stored"
ok "one log line per request" grep -q 'POST /alertmanager 413 alerts=0' "$T/main.err"
kill -TERM "$PID"
wait "$PID"
is "$?" 0 "SIGTERM: exit 0"

# ---- auth ------------------------------------------------------------------
printf 's3cr3t-t0ken-t300\n' >"$T/token"
printf 'am:pa:ss-t300\n' >"$T/basic"
ok "starts with --token-file and --basic-auth-file" start_wh auth --token-file "$T/token" --basic-auth-file "$T/basic"
is "$(code -X POST --data-binary @"$F" "$(url /alertmanager)")" 401 "no credentials: 401"
ok "401 asks for Bearer" sh -c "curl -s -D - -o /dev/null -X POST -d '{}' '$(url /alertmanager)' | grep -qi '^WWW-Authenticate: Bearer'"
is "$(code -H 'Authorization: Bearer s3cr3t-t0ken-t30' -X POST --data-binary @"$F" "$(url /alertmanager)")" 401 "wrong token: 401"
is "$(code -H 'Authorization: Bearer s3cr3t-t0ken-t300x' -X POST --data-binary @"$F" "$(url /alertmanager)")" 401 "longer token: 401"
is "$(code -H 'Authorization: Bearer s3cr3t-t0ken-t300' -X POST --data-binary @"$F" "$(url /alertmanager)")" 200 "right token: 200"
is "$(code -u am:pa:ss-t300 -X POST --data-binary @"$F" "$(url /alertmanager)")" 200 "basic auth: 200"
is "$(code -u am:wrong -X POST --data-binary @"$F" "$(url /alertmanager)")" 401 "wrong password: 401"
is "$(code "$(url /healthz)")" 200 "healthz needs no credentials"
kill -TERM "$PID"
wait "$PID"
nok "the token never appears in the log" grep -q 's3cr3t\|pa:ss' "$T/auth.err"

# ---- limits: idle timeout, body deadline, connection cap -------------------
ok "starts with --timeout 1 --body-timeout 1" start_wh limits --timeout 1 --body-timeout 1
exec 3<>/dev/tcp/127.0.0.1/"$PORT"
printf 'POST /alertmanager HTTP/1.1\r\nHost: x\r\n' >&3
timeout 5 cat <&3 >/dev/null
is "$?" 0 "half-sent headers: connection closed after the idle timeout"
exec 3<&-
# headers trickled a byte at a time never go idle: the deadline still holds
exec 3<>/dev/tcp/127.0.0.1/"$PORT"
printf 'POST /alertmanager HTTP/1.1\r\nHost: x\r\nX-Slow: ' >&3
( for i in $(seq 12); do printf a >&3 || exit; sleep 0.3; done ) 2>/dev/null &
trickle=$!
t0=$(date +%s%N)
timeout 6 cat <&3 >/dev/null
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok "trickled headers: closed at the 1 s deadline (${ms} ms), not after 3.6 s" test "$ms" -lt 2500
exec 3<&-
wait "$trickle"
exec 3<>/dev/tcp/127.0.0.1/"$PORT"
printf 'POST /alertmanager HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"alerts"' >&3
sleep 0.6; printf ':[' >&3 2>/dev/null
sleep 0.6; printf '   ' >&3 2>/dev/null
timeout 5 cat <&3 >"$T/slow"
is "$?:$(wc -c <"$T/slow")" "0:0" "trickled body: closed at the body deadline, no answer"
exec 3<&-
kill -TERM "$PID"
wait "$PID"
ok "starts with --max-connections 2" start_wh cap --max-connections 2 --threads 1
exec 4<>/dev/tcp/127.0.0.1/"$PORT" 5<>/dev/tcp/127.0.0.1/"$PORT"
sleep 0.3
# over the cap a client is closed at once or waits in the listen backlog
nok "third connection over --max-connections 2: not served" \
	test "$(curl -s -o /dev/null -w '%{http_code}' -m 1 "$(url /healthz)")" = 200
exec 4<&- 5<&-
sleep 0.3
is "$(code "$(url /healthz)")" 200 "served once the others closed"
kill -TERM "$PID"
wait "$PID"

# ---- SIGTERM drains a request in flight -----------------------------------
ok "starts for the drain test" start_wh drain
sed 's/BeAliveAbnormal/t300-Drain/' "$F" >"$T/drain.json"
sql "LOCK TABLES alerts.lark_alerts WRITE; SELECT SLEEP(1.5); UNLOCK TABLES" >/dev/null &
lockpid=$!
sleep 0.3
code -X POST --data-binary @"$T/drain.json" "$(url /alertmanager)" >"$T/drain.code" &
curlpid=$!
sleep 0.3
kill -TERM "$PID"
wait "$curlpid"
is "$(cat "$T/drain.code")" 200 "request in flight at SIGTERM still answered 200"
wait "$PID"
is "$?" 0 "then webhookd exits 0"
wait "$lockpid"
is "$(count "alert_name = 't300-Drain'")" 1 "and its row is stored"

# ---- --stdout --------------------------------------------------------------
webhookd --listen 127.0.0.1:0 --stdout >"$T/out.ndjson" 2>"$T/stdout.err" &
PID=$!; PIDS="$PIDS $PID"
for i in $(seq 100); do grep -q listening "$T/stdout.err" 2>/dev/null && break; sleep 0.05; done
PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$T/stdout.err")
is "$(code -X POST --data-binary @"$F" "$(url /alertmanager)")" 200 "--stdout: 200"
kill -TERM "$PID"; wait "$PID"
jq -c '{message_id, created_at, cluster_name, region, account_name, cluster_id, alert_status, alert_name, alert_detail, source}' \
	"$T/out.ndjson" >"$T/out.proj"
json_same "--stdout: the rows as NDJSON" "$T/out.proj" "$WANT"
is "$(jq -r 'keys_unsorted | join(",")' "$T/out.ndjson" | sort -u)" \
	"message_id,created_at,cluster_name,region,account_name,cluster_id,alert_status,alert_name,alert_detail,dashboard_url,silence_url,source" \
	"--stdout rows have every lark_alerts column"
jq -c . "$T/out.ndjson" | sr-insert -t alerts.lark_alerts 2>/dev/null
is "$?" 0 "--stdout rows go into sr-insert"

# ---- --inetd through socat (a socket pair) ---------------------------------
clean
if command -v socat >/dev/null; then
	p=$(free_port)
	socat -d -d TCP-LISTEN:"$p",bind=127.0.0.1,reuseaddr EXEC:"webhookd --inetd" 2>"$T/inetd.err" &
	sp=$!; PIDS="$PIDS $sp"
	for i in $(seq 100); do grep -q "listening on" "$T/inetd.err" 2>/dev/null && break; sleep 0.05; done
	PORT=$p
	# two requests on one kept-alive connection
	out=$(curl -s -m 10 -o /dev/null -w '%{http_code} ' -X POST --data-binary @"$F" "$(url /alertmanager)" \
		-: -s -m 10 -o /dev/null -w '%{http_code} ' "$(url /healthz)")
	is "$out" "200 200 " "--inetd: POST and GET on one connection"
	is "$(count "source = 'webhook' AND cluster_id = 'c-8f3a21'")" 2 "--inetd: rows stored"
	timeout 5 tail --pid="$sp" -f /dev/null
	is "$?" 0 "--inetd: webhookd exits when the connection closes"
	nok "--inetd: --stdout is refused" webhookd --inetd --stdout </dev/null 2>/dev/null
else
	for i in 1 2 3 4; do ok "# SKIP socat not installed" true; done
fi

# ---- socket activation ------------------------------------------------------
clean
if command -v systemd-socket-activate >/dev/null; then
	p=$(free_port)
	systemd-socket-activate -l 127.0.0.1:"$p" -E STARROCKS_SOCKET -E STARROCKS_HOST \
		-E STARROCKS_PORT -E STARROCKS_USER -E SRW_DIALECT webhookd 2>"$T/sa.err" &
	sa=$!; PIDS="$PIDS $sa"
	PORT=$p
	for i in $(seq 100); do grep -q "Listening on" "$T/sa.err" 2>/dev/null && break; sleep 0.05; done
	is "$(code -X POST --data-binary @"$F" "$(url /alertmanager)")" 200 "socket activation: 200"
	is "$(count "source = 'webhook' AND cluster_id = 'c-8f3a21'")" 2 "socket activation: rows stored"
	ok "socket activation: said so" grep -q "socket activation" "$T/sa.err"
	kill -TERM "$sa"; wait "$sa"
	# Accept=yes: one process per connection on descriptor 3
	clean
	p=$(free_port)
	systemd-socket-activate -a -l 127.0.0.1:"$p" -E STARROCKS_SOCKET -E STARROCKS_HOST \
		-E STARROCKS_PORT -E STARROCKS_USER -E SRW_DIALECT webhookd 2>"$T/sa2.err" &
	sa=$!; PIDS="$PIDS $sa"
	PORT=$p
	for i in $(seq 100); do grep -q "Listening on" "$T/sa2.err" 2>/dev/null && break; sleep 0.05; done
	is "$(code -X POST --data-binary @"$F" "$(url /alertmanager)")" 200 "socket activation, Accept=yes: 200"
	for i in $(seq 100); do grep -q "died with code" "$T/sa2.err" && break; sleep 0.05; done
	ok "Accept=yes: the per-connection webhookd exits 0 when done" grep -q "died with code 0" "$T/sa2.err"
	is "$(count "source = 'webhook' AND cluster_id = 'c-8f3a21'")" 2 "Accept=yes: rows stored"
	kill -TERM "$sa"; wait "$sa"
else
	for i in 1 2 3 4 5 6; do ok "# SKIP systemd-socket-activate not installed" true; done
fi

# ---- --log and SIGHUP (logrotate) ---------------------------------------------
webhookd --listen 127.0.0.1:0 --log "$T/wh.log" 2>"$T/logged.err" &
PID=$!; PIDS="$PIDS $PID"
for i in $(seq 100); do grep -q listening "$T/wh.log" 2>/dev/null && break; sleep 0.05; done
PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$T/wh.log")
ok "starts with --log, the log in the file" test -n "$PORT"
is "$(code "$(url /healthz)")" 200 "request logged to the file"
mv "$T/wh.log" "$T/wh.log.1"
kill -HUP "$PID"
sleep 0.3
is "$(code "$(url /metrics)")" 200 "request after SIGHUP"
ok "old file has the first request" grep -q 'GET /healthz 200' "$T/wh.log.1"
ok "SIGHUP reopened the log: the new file has the second" grep -q 'GET /metrics 200' "$T/wh.log"
kill -TERM "$PID"; wait "$PID"

clean
sql "DELETE FROM alerts.lark_alerts WHERE cluster_id LIKE 't300-%' OR alert_name LIKE 't300-%'"
done_testing
