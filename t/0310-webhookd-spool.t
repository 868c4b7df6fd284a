#!/usr/bin/env bash
# webhookd and a database that goes away: stopped mid-run, requests are
# spooled (fsync'd) and answered 200; without a spool 503; on restart every
# spooled alert is stored exactly once; a spool left over is replayed at
# start-up; unreplayable lines are kept aside.  Uses a database of its own.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || skip_all "curl is not installed"
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || skip_all "no mariadbd"

PIDS=
DB=$T/db
trap 'for p in $PIDS; do kill -KILL $p 2>/dev/null; done; testdb stop "$DB" >/dev/null 2>&1; _cleanup' EXIT
eval "$(testdb start "$DB")" || skip_all "could not start a database"

F=$FIX/alertmanager/firing-and-resolved.json
mkdir "$T/spool"

start_wh() {
	local name=$1
	shift
	webhookd --listen 127.0.0.1:0 "$@" 2>"$T/$name.err" &
	PID=$!
	PIDS="$PIDS $PID"
	PORT=$(wait_port "$T/$name.err" "$PID")
}
code() { curl -s -o "$T/body" -w '%{http_code}' -m 30 "$@"; }
url() { echo "http://127.0.0.1:${2:-$PORT}$1"; }
count() { sql "SELECT COUNT(*) FROM alerts.lark_alerts WHERE ${1:-1}"; }
metric() { curl -s -m 5 "$(url /metrics "${2:-}")" | awk -v m="$1" '$1 == m { print $2 }'; }
# payload NAME: the fixture with its alert names made unique
payload() { sed "s/BeAliveAbnormal/$1-A/; s/FEHeapUsageTooHigh/$1-B/" "$F"; }
spool_files() { ls "$T/spool" | grep -c '^spool-.*\.ndjson$'; }

ok "starts with --spool" start_wh spooled --spool "$T/spool" --db-wait 500ms
SP=$PORT; SPID=$PID
ok "starts without a spool" start_wh bare --db-wait 500ms
BP=$PORT; BPID=$PID

payload r0 >"$T/p0.json"
is "$(code -X POST --data-binary @"$T/p0.json" "$(url /alertmanager $SP)")" 200 "database up: 200"
is "$(count)" 2 "database up: stored"

testdb stop "$DB" >/dev/null
payload r1 >"$T/p1.json"
is "$(code -X POST --data-binary @"$T/p1.json" "$(url /alertmanager $SP)")" 200 "database stopped: 200 with a spool"
ok "answer says spooled" jq -e '.status == "spooled"' "$T/body"
is "$(code -X POST --data-binary @"$T/p1.json" "$(url /alertmanager $BP)")" 503 "database stopped, no spool: 503"
ok "503 carries a JSON error" jq -e '.error | test("database")' "$T/body"
ok "503 asks to retry" sh -c "curl -s -D - -o /dev/null -X POST --data-binary @$T/p1.json '$(url /alertmanager $BP)' | grep -qi '^Retry-After:'"
is "$(code "$(url /healthz $BP)")" 503 "healthz without a spool: 503"
ok "healthz gives the reason" jq -e '.reason | test("database unreachable")' "$T/body"
is "$(code "$(url /healthz $SP)")" 200 "healthz with a spool: 200"
ok "healthz says degraded" jq -e '.status == "degraded"' "$T/body"

# many concurrent requests while the database is away
for i in $(seq 2 21); do payload "r$i" >"$T/p$i.json"; done
cpids=
for i in $(seq 2 21); do
	code -X POST --data-binary @"$T/p$i.json" "$(url /alertmanager $SP)" >"$T/c$i" &
	cpids="$cpids $!"
done
wait $cpids
bad=0
for i in $(seq 2 21); do [ "$(cat "$T/c$i")" = 200 ] || bad=$((bad + 1)); done
is "$bad" 0 "20 concurrent requests while down: all 200"
ok "spool files written" test "$(spool_files)" -ge 2
is "$(metric webhookd_spool_rows $SP)" 42 "spool depth: 42 rows"
is "$(cat "$T"/spool/spool-*.ndjson | wc -l)" 42 "42 rows on disk"

testdb start "$DB" >/dev/null
for i in $(seq 100); do [ "$(spool_files)" = 0 ] && break; sleep 0.1; done
is "$(spool_files)" 0 "database back: spool emptied"
is "$(count)" 44 "every alert stored"
is "$(sql "SELECT COUNT(DISTINCT alert_name) FROM alerts.lark_alerts")" 44 "each alert once"
is "$(metric webhookd_spool_replayed_total $SP)" 42 "replayed exactly once: 42 rows"
is "$(metric webhookd_spool_rows $SP)" 0 "spool depth back to 0"
# (it reconnects on its next check: give it a few seconds on a loaded machine)
for i in $(seq 50); do [ "$(code "$(url /healthz $BP)")" = 200 ] && break; sleep 0.1; done
is "$(code "$(url /healthz $BP)")" 200 "healthz without a spool: 200 again"
payload r22 >"$T/p22.json"
is "$(code -X POST --data-binary @"$T/p22.json" "$(url /alertmanager $BP)")" 200 "no-spool instance stores again"
is "$(count "alert_name LIKE 'r22-%'")" 2 "its rows are there"

# killed database (no clean shutdown) mid-run, then back
testdb kill "$DB" >/dev/null
payload r23 >"$T/p23.json"
is "$(code -X POST --data-binary @"$T/p23.json" "$(url /alertmanager $SP)")" 200 "database killed: 200 spooled"
testdb start "$DB" >/dev/null
for i in $(seq 100); do [ "$(spool_files)" = 0 ] && [ "$(count "alert_name LIKE 'r23-%'")" = 2 ] && break; sleep 0.1; done
is "$(count "alert_name LIKE 'r23-%'")" 2 "after the kill: stored"

kill -TERM "$SPID" "$BPID"
wait "$SPID" "$BPID"

# the table gone (not the server): not stored, so spooled, stored once back
ok "starts for the missing-table test" start_wh notable --spool "$T/spool"
sql "RENAME TABLE alerts.lark_alerts TO alerts.lark_alerts_away"
payload r26 >"$T/p26.json"
is "$(code -X POST --data-binary @"$T/p26.json" "$(url /alertmanager)")" 200 "table missing: 200"
ok "answer says spooled" jq -e '.status == "spooled"' "$T/body"
is "$(metric webhookd_rows_refused_total)" 0 "not counted as refused rows"
sql "RENAME TABLE alerts.lark_alerts_away TO alerts.lark_alerts"
for i in $(seq 100); do [ "$(spool_files)" = 0 ] && break; sleep 0.1; done
is "$(count "alert_name LIKE 'r26-%'")" 2 "table back: rows stored from the spool"
kill -TERM "$PID"
wait "$PID"

# a spool left by an earlier run is replayed at start-up, bad lines kept aside
{
	jq -c '.message_id = "wh_t310-left-1" | .alert_name = "r24-left"' "$FIX/alertmanager/firing-and-resolved.rows.ndjson"
	echo 'this is not json'
} >"$T/spool/spool-0000000000001-1-0.ndjson"
ok "restarts with a spool left over" start_wh again --spool "$T/spool"
is "$(spool_files)" 0 "left-over spool replayed at start-up"
is "$(count "alert_name = 'r24-left'")" 1 "its good rows stored (same id twice: one row)"
ok "its bad line kept in rejected.ndjson" grep -qx 'this is not json' "$T/spool/rejected.ndjson"
kill -TERM "$PID"
wait "$PID"
is "$?" 0 "exits 0"

# two processes sharing one spool (inetd mode) store each file once
for i in $(seq 40); do
	jq -c --arg n "r25-$i" '.message_id = "wh_t310-" + $n + "-" + .alert_status | .alert_name = $n' \
		"$FIX/alertmanager/firing-and-resolved.rows.ndjson" \
		>"$T/spool/spool-$(printf '%013d' "$i")-1-0.ndjson"
done
webhookd --listen 127.0.0.1:0 --spool "$T/spool" 2>"$T/one.err" &
p1=$!
webhookd --listen 127.0.0.1:0 --spool "$T/spool" 2>"$T/two.err" &
p2=$!
PIDS="$PIDS $p1 $p2"
for i in $(seq 200); do
	grep -q listening "$T/one.err" 2>/dev/null && grep -q listening "$T/two.err" 2>/dev/null && break
	sleep 0.05
done
for i in $(seq 100); do [ "$(spool_files)" = 0 ] && break; sleep 0.1; done
is "$(spool_files)" 0 "shared spool emptied"
is "$(count "alert_name LIKE 'r25-%'")" 80 "all 80 rows stored"
replayed() { sed -n 's/.*spool: stored \([0-9]*\) rows.*/\1/p' "$1" | awk '{ n += $1 } END { print n + 0 }'; }
n1=$(replayed "$T/one.err")
n2=$(replayed "$T/two.err")
is "$((n1 + n2))" 80 "replayed exactly once between the two processes ($n1 + $n2)"
kill -TERM "$p1" "$p2"
wait "$p1" "$p2"
done_testing
