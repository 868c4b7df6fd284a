#!/usr/bin/env bash
# sr-insert in long-running pipelines (issue 15): rows read from a pipe are
# stored within --flush-interval while the producer keeps running, and when
# the pipeline is stopped as systemd stops a unit (SIGTERM to every process)
# nothing that was acknowledged is missing.
. "$(dirname "$0")/lib.sh"
need_db
command -v curl >/dev/null || skip_all "curl is not installed"
command -v setsid >/dev/null || skip_all "setsid is not installed"

PGS=
trap 'for g in $PGS; do kill -KILL -- -$g 2>/dev/null; done; _cleanup' EXIT
sql "DROP DATABASE IF EXISTS srwfl; CREATE DATABASE srwfl;
CREATE TABLE srwfl.t (id INT NOT NULL, v VARCHAR(16) NULL, PRIMARY KEY (id));"
count() { sql "SELECT COUNT(*) FROM $1"; }
# visible N WHERE: the rows show up within 2 s
visible() {
	local i
	for i in $(seq 40); do
		[ "$(count "$2")" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
row() { printf '{"id":%d,"v":"r%d"}\n' "$1" "$1"; }
# stop GROUP ERRFILE: SIGTERM to every process of the pipeline, as systemd
# stops a unit; waits until sr-insert has printed its summary
stop() {
	local i
	kill -TERM -- -"$1"
	for i in $(seq 100); do grep -q 'rows read' "$2" 2>/dev/null && break; sleep 0.05; done
	wait "$1" 2>/dev/null
}

# ---- a quiet producer: (echo row; sleep) | sr-insert -----------------------
setsid bash -c "{ $(declare -f row); row 1; row 2; sleep 15; } |
	sr-insert -t srwfl.t 2>'$T/quiet.err'" &
g=$!; PGS="$PGS $g"
ok "rows from a quiet producer are stored within 2 s (default interval)" visible 2 srwfl.t
stop $g "$T/quiet.err"
ok "the summary says both were stored" grep -q '2 rows read, 2 stored' "$T/quiet.err"

# --jobs 2: the workers are told to store on the same clock
setsid bash -c "{ $(declare -f row); row 11; row 12; row 13; sleep 15; } |
	sr-insert -t srwfl.t --jobs 2 2>'$T/jobs.err'" &
g=$!; PGS="$PGS $g"
ok "--jobs 2: stored within 2 s too" visible 5 srwfl.t
stop $g "$T/jobs.err"

# a long interval: SIGTERM of the whole pipeline stores what was read
setsid bash -c "{ $(declare -f row); for i in \$(seq 21 30); do row \$i; done; sleep 15; } |
	sr-insert -t srwfl.t --flush-interval 1h 2>'$T/term.err'" &
g=$!; PGS="$PGS $g"
sleep 3	# time for sr-insert to start and read them, on a loaded machine too
is "$(count 'srwfl.t WHERE id BETWEEN 21 AND 30')" 0 "--flush-interval 1h holds the rows back"
stop $g "$T/term.err"
is "$(count 'srwfl.t WHERE id BETWEEN 21 AND 30')" 10 "SIGTERM to the pipeline: the 10 rows read are stored"
# (the producer may die first and close the pipe: then sr-insert ends at EOF
# before it takes the signal; either way the rows are stored)
ok "and its summary says so" grep -q '10 rows read, 10 stored, 0 rejected' "$T/term.err"

# only sr-insert is stopped, the producer goes on: the rows read are stored,
# the input is cut once the pipe is empty (after a grace period), exit 0
{ for i in $(seq 31 33); do row "$i"; done; sleep 8; } | {
	sr-insert -t srwfl.t --flush-interval 1h 2>"$T/alone.err"
	echo $? >"$T/alone.rc"
} &
p=$!
for _ in $(seq 40); do pid=$(pgrep -n -x sr-insert) && break; sleep 0.05; done
sleep 0.5
kill -TERM "$pid"
for _ in $(seq 100); do [ -s "$T/alone.rc" ] && break; sleep 0.05; done
is "$(cat "$T/alone.rc" 2>/dev/null)" 0 "SIGTERM to sr-insert alone: exit 0 within the grace period"
is "$(count 'srwfl.t WHERE id BETWEEN 31 AND 33')" 3 "its rows are stored"
wait $p 2>/dev/null

# ---- webhookd --stdout | sr-insert -t alerts.lark_alerts -------------------
F=$FIX/alertmanager/firing-and-resolved.json
sql "DELETE FROM alerts.lark_alerts WHERE alert_name LIKE 't130-%'"
setsid bash -c "webhookd --listen 127.0.0.1:0 --stdout 2>'$T/wh.err' |
	sr-insert -t alerts.lark_alerts 2>'$T/wh-ins.err'" &
g=$!; PGS="$PGS $g"
port=$(wait_port "$T/wh.err") || diag "webhookd did not start"
post() {
	jq -c --arg p "t130-$1-" '.alerts |= map(.labels.alertname = $p + .labels.alertname)' "$F" |
		curl -s -m 10 -X POST --data-binary @- -o "$T/ack" -w '%{http_code}' \
		"http://127.0.0.1:$port/alertmanager"
}
is "$(post 1)" 200 "webhookd acknowledged the first alerts"
ok "and they are in the table within 2 s while webhookd runs" \
	visible 2 "alerts.lark_alerts WHERE alert_name LIKE 't130-%'"
acked=2
for i in $(seq 2 6); do
	[ "$(post "$i")" = 200 ] && acked=$((acked + 2))
done
stop $g "$T/wh-ins.err"
is "$(count "alerts.lark_alerts WHERE alert_name LIKE 't130-%'")" "$acked" \
	"after SIGTERM of the pipeline every acknowledged alert is stored ($acked)"

sql "DELETE FROM alerts.lark_alerts WHERE alert_name LIKE 't130-%'; DROP DATABASE srwfl"
done_testing
