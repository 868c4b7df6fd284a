#!/usr/bin/env bash
# board in a real browser: headless Chromium driven through chromedriver
# (Debian packages chromium, chromium-driver) loads the page; a new alert
# row inserted into the database appears without a reload; a screenshot is
# kept in t/artifacts/board.png.
. "$(dirname "$0")/lib.sh"
need_db
command -v chromedriver >/dev/null && [ -x /usr/bin/chromium ] ||
	skip_all "chromium and chromium-driver are not installed"

sql "DELETE FROM alerts.lark_alerts; DELETE FROM ops.cluster_risk_snapshots;
INSERT INTO ops.cluster_risk_snapshots (cluster_id, snapshot_at, score, risk_level, tier, top_factors) VALUES
 ('c-browser','2026-03-10 11:00:00', 48.2,'Critical','A','disk 91% (critical)');"
echo '{"message_id":"b1-f","created_at":"2026-03-10 09:00:00","cluster_id":"c-browser","cluster_name":"browser-prod","alert_status":"Firing","alert_name":"FEHeapUsageTooHigh"}' |
	sr-insert -t alerts.lark_alerts 2>/dev/null

board --listen 127.0.0.1:0 --refresh 1s --grafana-url http://grafana.invalid 2>"$T/err" &
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
is "$status" 0 "browser session clean"
done_testing
