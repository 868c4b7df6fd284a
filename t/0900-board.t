#!/usr/bin/env bash
# board: every endpoint against seeded data, worst-first order, firing
# alerts without a later Resolved, SSE pushes of a new alert, read-only,
# token auth.
. "$(dirname "$0")/lib.sh"
need_db

sql "DELETE FROM alerts.lark_alerts; DELETE FROM ops.cluster_risk_snapshots;
DELETE FROM ops.dim_customer_profile; DELETE FROM ops.issues;
DELETE FROM agent.investigations; DELETE FROM alerts.alert_recommendations;
INSERT INTO ops.dim_customer_profile (cluster_id, cluster_name, tier) VALUES
 ('c-a','alpha','S'), ('c-b','bravo','B'), ('c-c','charlie','A');
INSERT INTO ops.cluster_risk_snapshots (cluster_id, snapshot_at, score, risk_level, tier, top_factors) VALUES
 ('c-a','2026-03-10 10:00:00', 91.0,'Healthy','S',''),
 ('c-a','2026-03-10 11:00:00', 42.5,'Critical','S','disk 92% (critical)'),
 ('c-b','2026-03-10 11:00:00', 64.4,'Warning','B','[\"2 critical alerts\",\"cpu 66%\"]'),
 ('c-c','2026-03-10 11:00:00', NULL,'Unknown','A','');
INSERT INTO ops.issues (issue_id, cluster_id, cluster_name, kind, alert_names, first_seen, last_seen,
  alert_count, severity, escalated, issue_status, triage_status) VALUES
 ('i-open','c-a','alpha','ANOMALY','RootFreeDiskLessThan10%','2026-03-10 09:00:00','2026-03-10 11:00:00',3,'Critical',1,'Ongoing','Acknowledged'),
 ('i-done','c-b','bravo','FAILURE','BeAliveAbnormal','2026-03-10 08:00:00','2026-03-10 08:30:00',1,'Critical',0,'Resolved','Closed');
INSERT INTO agent.investigations (task_id, cluster_id, started_at, model, severity, root_cause) VALUES
 ('t-old','c-a','2026-03-09 10:00:00','rules','Warning','old finding'),
 ('t-new','c-a','2026-03-10 11:05:00','rules','Critical','data disk filling on be-2');
INSERT INTO alerts.alert_recommendations (date, alert_name, severity, fired, cluster_count, noisy, noisy_reason) VALUES
 ('2026-03-09','FEGCCount','Warning',30,1,1,'old day'),
 ('2026-03-10','FEGCCount','Warning',12,1,1,'fired 12 times'),
 ('2026-03-10','ProcNotRunning','Critical',1,1,0,NULL);"
sr-insert -t alerts.lark_alerts 2>/dev/null <<'X'
{"message_id":"m1-f","created_at":"2026-03-10 09:00:00","cluster_id":"c-a|c-b","cluster_name":"alpha|bravo","alert_status":"Firing","alert_name":"RootFreeDiskLessThan10%|BeAliveAbnormal","alert_detail":"disk|be down"}
{"message_id":"m2-r","created_at":"2026-03-10 09:30:00","cluster_id":"c-b","alert_status":"Resolved","alert_name":"BeAliveAbnormal"}
{"message_id":"m3-f","created_at":"2026-03-10 10:00:00","cluster_id":"c-c","alert_status":"Firing","alert_name":"<script>alert(1)</script>"}
{"message_id":"m4-f","created_at":"2026-03-10 10:00:00","cluster_id":"c-j","alert_status":"Firing","alert_name":"JsLink","dashboard_url":"javascript:alert(document.cookie)"}
{"message_id":"m5-f","created_at":"2026-03-10 10:00:00","cluster_id":"c-d","alert_status":"Firing","alert_name":"DataLink","dashboard_url":"data:text/html,<script>alert(1)</script>"}
{"message_id":"m6-f","created_at":"2026-03-10 10:00:00","cluster_id":"c-h","alert_status":"Firing","alert_name":"WebLink","dashboard_url":"https://grafana.example/d/x"}
X

echo "s3cret-token" > "$T/token"
board --listen 127.0.0.1:0 --refresh 1s 2>"$T/err" &
pid=$!
board --listen 127.0.0.1:0 --refresh 1s --token-file "$T/token" 2>"$T/err2" &
pid2=$!
trap 'kill $pid $pid2 2>/dev/null; _cleanup' EXIT
H=http://127.0.0.1:$(wait_port "$T/err" $pid)
H2=http://127.0.0.1:$(wait_port "$T/err2" $pid2)
get() { curl -s --max-time 5 "$@"; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

is "$(get "$H/api/clusters" | jq_ '",".join(r["cluster_id"] for r in d["items"])')" "c-a,c-b,c-c" \
	"clusters worst first, unknown score last"
is "$(get "$H/api/clusters" | jq_ 'd["items"][0]["score"], d["items"][0]["tier"], d["items"][0]["top_factors"]')" \
	"42.5 S ['disk 92% (critical)']" "a cluster's latest snapshot, tier and factors (text made a list)"
is "$(get "$H/api/clusters" | jq_ 'd["items"][1]["top_factors"]')" "['2 critical alerts', 'cpu 66%']" \
	"top_factors as score writes them (a JSON array) come as a list"
ok "scores rounded to one decimal in /api/clusters (64.4, not 64.400000000000006)" \
	sh -c 'get() { curl -s --max-time 5 "$@"; }; get "$1/api/clusters" | grep -q "\"score\":64.4[,}]"' _ "$H"
is "$(get "$H/api/alerts" | jq_ '" ".join(r["cluster_id"]+"="+r["dashboard_url"] for r in sorted(d["items"], key=lambda r: r["cluster_id"]) if r["cluster_id"] in ("c-j","c-d","c-h"))')" \
	"c-d= c-h=https://grafana.example/d/x c-j=" "javascript: and data: links stored before are not served; https is"
is "$(get "$H/api/alerts" | jq_ '",".join(sorted(r["cluster_id"]+"/"+r["alert_name"] for r in d["items"]))')" \
	"c-a/RootFreeDiskLessThan10%,c-c/<script>alert(1)</script>,c-d/DataLink,c-h/WebLink,c-j/JsLink" "firing sections without a later Resolved"
is "$(get "$H/api/alerts" | jq_ '[r["severity"] for r in d["items"] if r["cluster_id"]=="c-a"][0]')" "Warning" \
	"alerts carry recommend's severity"
is "$(get "$H/api/issues" | jq_ '",".join(r["issue_id"]+":"+r["triage_status"] for r in d["items"])')" \
	"i-open:Acknowledged" "open issues only, with triage status"
is "$(get "$H/api/investigations" | jq_ '",".join(r["task_id"] for r in d["items"])')" "t-new" \
	"the latest investigation per cluster"
is "$(get "$H/api/noisy" | jq_ '",".join(r["date"]+":"+r["alert_name"] for r in d["items"])')" "2026-03-10:FEGCCount" \
	"noisy alerts of the latest day"
page=$(get "$H/")
js=$(get "$H/board.js")
ok "the page's script is a served file, none inline" sh -c 'printf %s "$1" | grep -q "<script src=\"board.js\"" && ! printf %s "$1" | grep -q "<script>"' _ "$page"
ok "board.js is the script (EventSource)" sh -c 'printf %s "$1" | grep -q EventSource' _ "$js"
csp=$(get -D - -o /dev/null "$H/" | tr -d '\r' | sed -n 's/^Content-Security-Policy: //Ip')
ok "CSP allows scripts from the page's origin only" sh -c 'printf %s "$1" | grep -q "script-src .self.;"' _ "$csp"
nok "CSP has no 'unsafe-inline'" sh -c 'printf %s "$1" | grep -q unsafe-inline' _ "$csp"
ok "the script checks link schemes (http and https only)" sh -c 'printf %s "$1" | grep -q "https?:"' _ "$js"
ok "the page explains an investigation's severity against the cluster's risk" \
	sh -c 'printf %s "$1" | tr "\\n" " " | grep -q "can be Warning here and Critical there"' _ "$page"
nok "the page loads nothing from elsewhere" sh -c 'printf %s "$1" | grep -Eq "(src|href)=\"https?:"' _ "$page"
ok "the page never puts data into innerHTML" sh -c '! printf %s "$1" | grep -q innerHTML' _ "$page"
is "$(get -o /dev/null -w '%{http_code}' -X POST "$H/api/alerts")" 405 "POST is refused (read-only)"
is "$(get -o /dev/null -w '%{http_code}' -X DELETE "$H/api/issues")" 405 "DELETE is refused"
is "$(get -o /dev/null -w '%{http_code}' "$H/api/nothing")" 404 "unknown endpoint: 404"
is "$(get "$H/healthz")" "ok" "healthz"

# token: required on every data path, in a header or a cookie, never the URL
is "$(get -o /dev/null -w '%{http_code}' "$H2/api/clusters")" 401 "without the token: 401"
is "$(get -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong' "$H2/api/clusters")" 401 "wrong token: 401"
is "$(get -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret-token' "$H2/api/clusters")" 200 "bearer token: 200"
is "$(get -o /dev/null -w '%{http_code}' -b 'board_token=s3cret-token' "$H2/api/clusters")" 200 "token in the board_token cookie: 200"
is "$(get -o /dev/null -w '%{http_code}' -b 'board_token=s3cret-token' "$H2/events" --max-time 1)" 200 "the event stream takes the cookie"
is "$(get -o /dev/null -w '%{http_code}' "$H2/api/clusters?token=s3cret-token")" 401 "token in the URL: 401 (history and proxy logs keep URLs)"
nok "the page's script never puts a token into a URL" sh -c 'printf %s "$1" | grep -q "token="' _ "$(get "$H2/board.js" | grep -v cookie)"
is "$(get -o /dev/null -w '%{http_code}' "$H2/")" 200 "the page itself (no data) loads without the token, to ask for it"
is "$(get "$H2/healthz")" "ok" "healthz without the token: the bare state"
nok "the token never reaches the log" grep -q s3cret "$T/err2"
nok "a token on loopback: no exposure warning" grep -q "without a token" "$T/err2"
ok "a 12-character token is called weak" grep -q "12 characters is easy to guess" "$T/err2"
ok "a token file others can read is warned about" grep -q "readable by every user" "$T/err2"

# the listening address: a port browsers accept, checked ports, a warning when exposed
board --refresh 1s 2>"$T/err5" &
p5=$!
for _ in $(seq 50); do grep -q "listening\|listen on" "$T/err5" && break; sleep 0.1; done
kill $p5 2>/dev/null; wait $p5 2>/dev/null
if grep -q "Address already in use" "$T/err5"; then
	_result 0 "# SKIP the default port 8087 is taken on this machine"
else
	ok "the default port is 8087 (browsers refuse 5060: ERR_UNSAFE_PORT)" grep -q "127.0.0.1:8087/" "$T/err5"
fi
board --listen :70597 --once clusters >/dev/null 2>&1
board --listen :70597 2>"$T/err3" &
p3=$!
for _ in $(seq 50); do kill -0 $p3 2>/dev/null || break; sleep 0.1; done
kill $p3 2>/dev/null
wait $p3
is "$?" 64 "--listen :70597: a usage error (port out of range), not port 5061"
board --listen 0.0.0.0:0 --refresh 1s 2>"$T/err4" &
p4=$!
wait_port "$T/err4" $p4 >/dev/null
kill $p4; wait $p4 2>/dev/null
ok "listening on every address without a token: a warning" grep -q "without a token" "$T/err4"

# SSE: a new alert row is pushed without anyone asking
get -N --max-time 8 "$H/events" > "$T/sse" &
ssepid=$!
sleep 1.2
echo '{"message_id":"m9-f","created_at":"2026-03-10 12:00:00","cluster_id":"c-z","alert_status":"Firing","alert_name":"ProcNotRunning"}' |
	sr-insert -t alerts.lark_alerts 2>/dev/null
sql "UPDATE ops.cluster_risk_snapshots SET score = 12.5 WHERE cluster_id = 'c-b'"
for _ in $(seq 1 60); do grep -q 'c-z' "$T/sse" && grep -q '12.5' "$T/sse" && break; sleep 0.1; done
kill $ssepid 2>/dev/null
ok "an 'alerts' event carries the new alert" sh -c 'grep "^data: " "$1" | grep -q "\"cluster_id\":\"c-z\""' _ "$T/sse"
ok "it is announced as event: alerts" grep -q '^event: alerts' "$T/sse"
ok "a score change is pushed as event: clusters" sh -c 'grep -A2 "^event: clusters" "$1" | grep -q 12.5' _ "$T/sse"
nok "unchanged sections are not re-sent" grep -q '^event: noisy' "$T/sse"

# --once prints one section for scripts
is "$(board --once issues | jq_ 'd["items"][0]["issue_id"]')" "i-open" "--once prints a section"
board --once bogus 2>/dev/null
is "$?" 64 "--once with an unknown section: 64"

kill -TERM $pid
wait $pid
is "$?" 0 "SIGTERM stops the board cleanly"
done_testing
