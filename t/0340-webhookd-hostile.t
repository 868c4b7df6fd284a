#!/usr/bin/env bash
# webhookd and hostile or careless input (issue 20.4, 20.8, 15.3/15.6):
# only http(s) links are stored (javascript:, data: and disguised forms
# dropped and counted); a key given twice counts with its last value, as
# Alertmanager's Go decoder reads it; /healthz tells its reason only with the
# token; weak or world-readable token files and an exposed listener without
# a token are warned about; a port out of range is a usage error.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || skip_all "curl is not installed"

start_wh() {	# start_wh NAME ARGS...: PID, PORT
	local name=$1
	shift
	webhookd "$@" 2>"$T/$name.err" >"$T/$name.out" &
	PID=$!
	PIDS="${PIDS:-} $PID"
	PORT=$(wait_port "$T/$name.err" "$PID")
}
trap 'for p in ${PIDS:-}; do kill $p 2>/dev/null; done; _cleanup' EXIT
post() { curl -s -o "$T/body" -w '%{http_code}' -m 5 --data-binary @- "http://127.0.0.1:$PORT/alertmanager" "$@"; }
field() { python3 -c 'import json,sys; print(" ".join(str(json.loads(l).get(sys.argv[1])) for l in open(sys.argv[2])))' "$@"; }

# ---- links ---------------------------------------------------------------
start_wh links --listen 127.0.0.1:0 --stdout
alert() {	# alert NAME ANNOTATION-DASHBOARD GENERATOR-URL
	printf '{"version":"4","status":"firing","externalURL":"%s","alerts":[{"status":"firing","labels":{"alertname":"%s","cluster_id":"c1"},"annotations":{"dashboard_url":"%s"},"generatorURL":"%s","startsAt":"2026-03-10T14:01:00Z"}]}\n' \
		"${4:-https://am.example}" "$1" "$2" "$3"
}
{
	alert js 'javascript:alert(document.cookie)' 'JaVaScRiPt:alert(1)'
	alert data 'data:text/html,<script>alert(1)</script>' ''
	alert tab 'java\tscript:alert(1)' ' https://x.example/lead-space'
	alert nl 'https://ok.example/a\nb' 'vbscript:x'
	alert fallback 'javascript:x' 'https://prom.example/graph?g0=up'
	alert good 'https://grafana.example/d/x' 'http://prom.example/graph'
	alert badam 'https://grafana.example/d/y' '' 'javascript:alert(1)//'
} >"$T/links.json"
codes=
while IFS= read -r l; do codes="$codes$(printf '%s' "$l" | post) "; done <"$T/links.json"
is "$codes" "200 200 200 200 200 200 200 " "hostile links do not refuse the alert"
kill -TERM $PID; wait $PID
is "$(field dashboard_url "$T/links.out")" \
	"None None None None https://prom.example/graph?g0=up https://grafana.example/d/x https://grafana.example/d/y" \
	"dashboard_url: javascript:, data:, tab and newline tricks, leading space dropped; the https fallback kept"
is "$(field silence_url "$T/links.out" | tr ' ' '\n' | grep -c '^https://am.example/#/silences/new')" 6 \
	"silence links from an https externalURL kept"
is "$(field silence_url "$T/links.out" | awk '{ print $NF }')" "None" "a javascript: externalURL gives no silence link"
ok "each drop warned about" grep -q 'links dropped: only http and https' "$T/links.err"

start_wh links2 --listen 127.0.0.1:0 --stdout
alert js 'javascript:alert(1)' 'data:,x' | post >/dev/null
is "$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '$1 == "webhookd_links_dropped_total" { print $2 }')" 2 \
	"dropped links counted in /metrics"
kill -TERM $PID; wait $PID

# ---- duplicate keys: the last wins, as in Go's encoding/json ----------------
start_wh dup --listen 127.0.0.1:0 --stdout
is "$(printf '{"alerts":[],"status":"resolved","alerts":[{"status":"firing","labels":{"alertname":"first","cluster_id":"c1","alertname":"last"},"startsAt":"2026-03-10T14:01:00Z","startsAt":"2026-03-11T00:00:00Z"}]}' | post)" 200 \
	"a body with repeated keys is taken"
kill -TERM $PID; wait $PID
is "$(wc -l <"$T/dup.out" | tr -d ' ')" 1 "the last \"alerts\" counts (the first, empty, would give no row)"
is "$(field alert_name "$T/dup.out") $(field created_at "$T/dup.out")" "last 2026-03-11 00:00:00" \
	"repeated label and startsAt: the last value"

# ---- /healthz detail only with the token; token file warnings --------------
printf 'short-tok\n' >"$T/weak"
chmod 644 "$T/weak"
start_wh weak --listen 127.0.0.1:0 --stdout --token-file "$T/weak"
ok "a 9-character token is called weak" grep -q '9 characters is easy to guess' "$T/weak.err"
ok "a token file everyone can read is warned about" grep -q 'readable by every user' "$T/weak.err"
is "$(curl -s "http://127.0.0.1:$PORT/healthz")" "ok" "healthz without the token: the bare state"
ok "healthz with the token: the detail" sh -c 'curl -s -H "Authorization: Bearer short-tok" "$1" | grep -q "standard output"' _ "http://127.0.0.1:$PORT/healthz"
kill -TERM $PID; wait $PID
printf 'a-token-of-thirty-two-characters\n' >"$T/strong"
chmod 600 "$T/strong"
start_wh strong --listen 0.0.0.0:0 --stdout --token-file "$T/strong"
nok "a long token in a private file on every address: no warning" grep -q 'easy to guess\|readable by\|without a token' "$T/strong.err"
kill -TERM $PID; wait $PID

# ---- the listening address ----------------------------------------------------
timeout 5 webhookd --listen :70597 --stdout </dev/null >/dev/null 2>"$T/port.err"
is "$?" 64 "--listen :70597: a usage error, not port 5061"
ok "it names the port" grep -q "bad port '70597'" "$T/port.err"
start_wh open --listen 0.0.0.0:0 --stdout
ok "every address without a token: a warning" grep -q 'without a token' "$T/open.err"
kill -TERM $PID; wait $PID
done_testing
