#!/usr/bin/env bash
# board in a real browser: headless Chromium driven through chromedriver
# (Debian packages chromium, chromium-driver) loads the page; a new alert
# row inserted into the database appears without a reload; the layout holds
# at 1366x768 with long values (no table wider than its section, the Last
# seen column inside it), factors show as a list and scores to one decimal,
# no javascript: link becomes a link (the page runs under a CSP without
# 'unsafe-inline'); a screenshot is kept in t/artifacts/board.png.
. "$(dirname "$0")/lib.sh"
need_db
command -v chromedriver >/dev/null && [ -x /usr/bin/chromium ] ||
	skip_all "chromium and chromium-driver are not installed"

sql "DELETE FROM alerts.lark_alerts; DELETE FROM ops.cluster_risk_snapshots; DELETE FROM ops.issues;
DELETE FROM agent.investigations;
INSERT INTO ops.cluster_risk_snapshots (cluster_id, snapshot_at, score, risk_level, tier, top_factors) VALUES
 ('c-browser','2026-03-10 11:00:00', 48.2,'Critical','A','[\"disk 91% (critical)\",\"2 critical alerts\"]'),
 ('c-other','2026-03-10 11:00:00', 64.400000000000006,'Warning','B','[\"cpu 66%\",\"1 warning alert\"]');
INSERT INTO ops.issues (issue_id, cluster_id, cluster_name, kind, alert_names, first_seen, last_seen,
  alert_count, severity, escalated, issue_status, triage_status) VALUES
 ('i-long','c-browser','browser-prod-with-a-rather-long-cluster-name','ANOMALY',
  'RootFreeDiskLessThan10%|BeAliveAbnormal|FEHeapUsageTooHigh|CompactionScoreTooHigh|TabletVersionCountTooHigh|ProcNotRunning',
  '2026-03-10 09:00:00','2026-03-10 11:00:00',17,'Critical',1,'Ongoing','Acknowledged'),
 ('i-two','c-other','other','FAILURE','BeAliveAbnormal','2026-03-10 08:00:00','2026-03-10 08:30:00',1,'Warning',0,'Ongoing','New');
INSERT INTO agent.investigations (task_id, cluster_id, started_at, model, severity, root_cause) VALUES
 ('t-b','c-other','2026-03-10 11:05:00','rules','Critical','BE down on be-2');"
printf '%s\n' '{"message_id":"b1-f","created_at":"2026-03-10 09:00:00","cluster_id":"c-browser","cluster_name":"browser-prod","alert_status":"Firing","alert_name":"FEHeapUsageTooHigh"}' \
	'{"message_id":"b3-f","created_at":"2026-03-10 09:00:00","cluster_id":"c-js","alert_status":"Firing","alert_name":"JsLink","dashboard_url":"javascript:alert(document.cookie)"}' |
	sr-insert -t alerts.lark_alerts 2>/dev/null

board --listen 127.0.0.1:0 --refresh 1s 2>"$T/err" &
bpid=$!
dport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
chromedriver --port="$dport" --allowed-ips=127.0.0.1 >"$T/driver.log" 2>&1 &
dpid=$!
trap 'kill $bpid $dpid 2>/dev/null; _cleanup' EXIT
p=$(wait_port "$T/err" $bpid)
for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$dport/status" >/dev/null 2>&1 && break; sleep 0.1; done

mkdir -p "$TOP/t/artifacts"
insert="echo '{\"message_id\":\"b2-f\",\"created_at\":\"2026-03-10 12:00:00\",\"cluster_id\":\"c-newly-fired\",\"cluster_name\":\"newly-fired\",\"alert_status\":\"Firing\",\"alert_name\":\"ProcNotRunning\"}' | sr-insert -t alerts.lark_alerts 2>/dev/null"
python3 "$TOP/t/fakes/webdriver.py" "http://127.0.0.1:$dport" "http://127.0.0.1:$p/" \
	"$TOP/t/artifacts/board.png" "$insert" "newly-fired" > "$T/out" 2>&1
status=$?
sed 's/^/# /' "$T/out"
ok "the page rendered in Chromium" grep -q '^ok page rendered' "$T/out"
ok "the new alert appeared without a reload" grep -q '^ok new alert appeared' "$T/out"
ok "the page was not reloaded" grep -q '^ok no reload' "$T/out"
ok "a screenshot was kept" test -s "$TOP/t/artifacts/board.png"
ok "1366x768: no table wider than its section" grep -q '^ok no table overflows' "$T/out"
ok "1366x768: no sideways scroll" grep -q '^ok no sideways scroll' "$T/out"
ok "1366x768: the Last seen column stays inside its section" grep -q '^ok Last seen column' "$T/out"
ok "factors as a list, scores to one decimal" grep -q '^ok factors as a list' "$T/out"
ok "no link with a scheme other than http(s) (javascript: stays text)" grep -q '^ok every link is http' "$T/out"
ok "the page explains an investigation's Critical beside a cluster's Warning" grep -q '^ok the severities' "$T/out"
is "$status" 0 "browser session clean"
done_testing
