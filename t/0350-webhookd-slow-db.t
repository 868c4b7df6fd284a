#!/usr/bin/env bash
# webhookd and a database that is slow rather than down (issue 19): while
# another session holds a write lock on the table, the INSERT waits; with a
# spool, requests are acknowledged from the fsync'd spool after --ack-after
# (not when the lock goes), and once the lock goes every alert is stored
# exactly once: the round's own INSERT commits (its spool copy removed), the
# requests queued behind it are replayed from the spool.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || skip_all "curl is not installed"
need_db

F=$FIX/alertmanager/firing-and-resolved.json
mkdir "$T/spool"
sql "DELETE FROM alerts.lark_alerts WHERE alert_name LIKE 't350-%'"
webhookd --listen 127.0.0.1:0 --spool "$T/spool" --ack-after 100ms --db-wait 30s 2>"$T/err" &
pid=$!
trap 'kill $pid $lock 2>/dev/null; _cleanup' EXIT
port=$(wait_port "$T/err" $pid)
url=http://127.0.0.1:$port
payload() { sed "s/BeAliveAbnormal/t350-$1-A/; s/FEHeapUsageTooHigh/t350-$1-B/" "$F"; }
count() { sql "SELECT COUNT(*) FROM alerts.lark_alerts WHERE alert_name LIKE 't350-%'"; }
metric() { curl -s -m 5 "$url/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

payload warm | curl -s -o /dev/null --data-binary @- "$url/alertmanager"
is "$(count)" 2 "database quick: stored"

# a write lock held 4 s by another session: the INSERT waits behind it
sql "LOCK TABLES alerts.lark_alerts WRITE; SELECT SLEEP(4); UNLOCK TABLES" >/dev/null &
lock=$!
sleep 0.5
for i in 1 2 3 4 5 6; do
	payload "r$i" | curl -s -o "$T/b$i" -w '%{http_code} %{time_total}\n' -m 10 \
		--data-binary @- "$url/alertmanager" >"$T/c$i" &
	eval "c$i=\$!"
done
wait $c1 $c2 $c3 $c4 $c5 $c6
cat "$T"/c? | sed 's/^/# /'
is "$(cat "$T"/c? | awk '$1 == 200' | wc -l | tr -d ' ')" 6 "six requests during the stall: all 200"
is "$(cat "$T"/c? | awk '$2 < 1.5' | wc -l | tr -d ' ')" 6 "each answered within 1.5 s, not when the 4 s lock went"
is "$(cat "$T"/b? | grep -c '"spooled"')" 6 "each says spooled"
ok "they were answered from the spool (counted)" test "$(metric webhookd_acks_from_spool_total)" -ge 6
wait $lock
for _ in $(seq 100); do
	[ "$(count)" = 14 ] && [ "$(ls "$T/spool" | grep -c '^spool-')" = 0 ] && break
	sleep 0.1
done
is "$(count)" 14 "after the lock: every alert stored"
is "$(sql "SELECT COUNT(DISTINCT alert_name) FROM alerts.lark_alerts WHERE alert_name LIKE 't350-%'")" 14 "each once"
is "$(ls "$T/spool" | grep -c '^spool-')" 0 "the spool is empty again"
is "$(metric webhookd_spool_rows)" 0 "spool depth back to 0"
st=$(metric webhookd_alerts_stored_total)
rp=$(metric webhookd_spool_replayed_total)
ok "stored by the round's INSERT or by replay, not both ($st stored + $rp replayed = 14)" test $((st + rp)) -eq 14
ok "round durations in /metrics" sh -c 'curl -s "$1/metrics" | grep -q "^webhookd_writer_round_duration_seconds_bucket{le=\"+Inf\"} [1-9]"' _ "$url"
if command -v promtool >/dev/null; then
	curl -s "$url/metrics" >"$T/metrics"
	ok "promtool check metrics: clean" sh -c 'promtool check metrics <"$1" >"$2" 2>&1' _ "$T/metrics" "$T/promtool"
	sed 's/^/# /' "$T/promtool"
fi
kill -TERM $pid
wait $pid
is "$?" 0 "SIGTERM: clean exit"
done_testing
