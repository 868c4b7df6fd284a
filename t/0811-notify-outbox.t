#!/bin/sh
# notify --outbox: PagerDuty down (refusing connections, then answering
# 503) for longer than the retries, then back: every event delivered once,
# in order; the notification log (notify log) has every attempt; dedup
# survives a restart; an event delivered by a run killed before it could
# rewrite the outbox is not sent again.  With --db: the log in
# ops.notifications, and two notify instances sharing it send each event once.
. "$(dirname "$0")/lib.sh"
FAKE=$TOP/t/fakes/fake-webhook.py
KEY=0123456789abcdef0123456789abcdef
pids=
trap 'for p in $pids; do kill $p 2>/dev/null; done; _cleanup' EXIT

fake() {	# fake NAME [ARGS]: starts a fake, sets $port; requests go to $T/NAME.log
	n=$1; shift
	rm -f "$T/$n.port" "$T/$n.log"
	python3 "$FAKE" "$T/$n.port" "$T/$n.log" "$@" &
	pids="$pids $!"
	for i in $(seq 50); do
		[ -s "$T/$n.port" ] && break
		sleep 0.1
	done
	port=$(cat "$T/$n.port")
}
# ev N STATUS: alert event N (fingerprint 000...N)
ev() {
	printf '{"status":"%s","labels":{"alertname":"A%s","severity":"critical"},"annotations":{"summary":"event %s"},"startsAt":"2026-03-10T00:0%s:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"000000000000000%s"}\n' \
		"$2" "$1" "$1" "$1" "$1"
}
delivered() {	# the dedup keys PagerDuty accepted, in order
	python3 -c 'import json,sys; print(" ".join(l["body"]["dedup_key"][-1] + ("r" if l["body"]["event_action"] == "resolve" else "") for l in map(json.loads, open(sys.argv[1])) if l["status"] < 300))' "$1"
}
OB=$T/outbox
export PAGERDUTY_ROUTING_KEY=$KEY

# ---- down: connection refused --------------------------------------------------
{ ev 1 firing; ev 2 firing; } >"$T/in1"
PAGERDUTY_BASE_URL=http://127.0.0.1:9 notify --pagerduty --retries 1 --outbox "$OB" "$T/in1" \
	>"$T/r1.out" 2>"$T/r1.err"; rc=$?
is "$rc" 75 "PagerDuty unreachable past the retries: exit 75, events waiting"
is "$(jq -r .status "$T/r1.out" | tr '\n' ' ')" "queued queued " "both events are queued (the second behind the first, not tried)"
is "$(grep -c . "$OB/outbox.ndjson")" 2 "the outbox holds them"
ok "the exit is explained" grep -q '2 events waiting in' "$T/r1.err"

# ---- still down: 503 -------------------------------------------------------------
fake pd --status 503,503
{ ev 3 firing; ev 1 resolved; } | PAGERDUTY_BASE_URL=http://127.0.0.1:$port \
	notify --pagerduty --retries 1 --outbox "$OB" >"$T/r2.out" 2>"$T/r2.err"; rc=$?
is "$rc:$(grep -c . "$T/pd.log")" "75:2" "still down (503): the outbox's first event is tried (2 attempts), the rest wait"
is "$(grep -c . "$OB/outbox.ndjson")" 4 "new events queue behind the waiting ones"

# ---- back --------------------------------------------------------------------------
ev 4 firing | PAGERDUTY_BASE_URL=http://127.0.0.1:$port \
	notify --pagerduty --retries 1 --outbox "$OB" >"$T/r3.out" 2>"$T/r3.err"; rc=$?
is "$rc" 0 "PagerDuty back: exit 0"
is "$(delivered "$T/pd.log")" "1 2 3 1r 4" "every event delivered once, in order (the outbox first)"
ok "the outbox is empty" test ! -s "$OB/outbox.ndjson"
notify log --outbox "$OB" --fingerprint 0000000000000001 >"$T/log1"
is "$(jq -c '[.attempt, .status, .http_status]' "$T/log1" | tr '\n' ' ')" \
   '[1,"error",null] [2,"queued",null] [3,"error",503] [4,"queued",503] [5,"sent",202] [1,"sent",202] ' \
   "notify log: every attempt of event 1 across three runs (refused, 503, sent), then its resolve"
ok "the log says who triggered the outbox's sends" \
	test "$(jq -r 'select(.status == "sent") | .triggered_by' "$T/log1" | head -1 | grep -c '(outbox)')" = 1
is "$(notify log --outbox "$OB" --since 2000-01-01 | grep -c .)" "$(grep -c . "$OB/notifications.ndjson")" \
   "notify log --since prints the attempts since then"

# ---- a run killed after delivering, before rewriting its outbox ------------------------
head -1 "$T/r1.out" >/dev/null
grep . "$OB/notifications.ndjson" >/dev/null
python3 - "$OB" <<'PY'
import json, sys
d = sys.argv[1]
# the outbox line event 2 had when it was delivered: its claim is in the log as sent
sent = [json.loads(l) for l in open(d + "/notifications.ndjson") if '"fingerprint":"0000000000000002"' in l]
claim = sent[-1]["claim_key"]
rec = {"status": "firing", "labels": {"alertname": "A2", "severity": "critical"}, "annotations": {"summary": "event 2"},
       "startsAt": "2026-03-10T00:02:00Z", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "0000000000000002"}
open(d + "/outbox.ndjson", "w").write(json.dumps({"claim": claim, "destination": "pagerduty", "attempts": 2, "record": rec}) + "\n")
PY
before=$(grep -c . "$T/pd.log")
PAGERDUTY_BASE_URL=http://127.0.0.1:$port notify --pagerduty --outbox "$OB" --flush >"$T/r4.out" 2>&1; rc=$?
is "$rc:$(grep -c . "$T/pd.log")" "0:$before" "notify --flush: an event the log says was delivered is not sent again"
ok "and it leaves the outbox" test ! -s "$OB/outbox.ndjson"

# ---- a run killed while sending: the event is in DIR/inflight.ndjson ----------------------
ev 7 firing | jq -c '{claim: "77", destination: "pagerduty", attempts: 0, record: .}' >"$OB/inflight.ndjson"
PAGERDUTY_BASE_URL=http://127.0.0.1:$port notify --pagerduty --outbox "$OB" --flush >"$T/r6.out" 2>&1; rc=$?
is "$rc:$(delivered "$T/pd.log" | awk '{ print $NF }')" "0:7" "the event a killed run was sending is sent first by the next one"
ok "and is no longer in flight" test ! -s "$OB/inflight.ndjson"

# ---- dedup across a restart ---------------------------------------------------------
ev 5 firing | PAGERDUTY_BASE_URL=http://127.0.0.1:$port notify --pagerduty --dedup 1h --outbox "$OB" >/dev/null
ev 5 firing | PAGERDUTY_BASE_URL=http://127.0.0.1:$port notify --pagerduty --dedup 1h --outbox "$OB" >"$T/r5.out"
is "$(jq -r .status "$T/r5.out")" "deduplicated" "--dedup: a repeat after a restart is still deduplicated (from the log)"

# ---- --db: the log in ops.notifications; two instances send each event once ------------
if [ -n "${STARROCKS_SOCKET:-}${STARROCKS_PORT:-}" ]; then
	sql "DELETE FROM ops.notifications"
	fake pd2
	for i in 1 2 3 4 5 6 7 8; do ev "$i" firing; done >"$T/many"
	PAGERDUTY_BASE_URL=http://127.0.0.1:$port notify --db --pagerduty --outbox "$T/a" "$T/many" >"$T/a.out" 2>"$T/a.err" &
	p1=$!
	PAGERDUTY_BASE_URL=http://127.0.0.1:$port notify --db --pagerduty --outbox "$T/b" "$T/many" >"$T/b.out" 2>"$T/b.err" &
	p2=$!
	wait $p1; r1=$?; wait $p2; r2=$?
	is "$r1:$r2" "0:0" "two notify instances on the same events: both exit 0"
	is "$(delivered "$T/pd2.log")" "$(seq 8 | tr '\n' ' ' | sed 's/ $//')" \
	   "two instances sharing the database send each event once (claims), in order"
	is "$(cat "$T/a.out" "$T/b.out" | jq -s -c 'group_by(.status) | map([.[0].status, length])')" \
	   '[["claimed",8],["sent",8]]' "each event is sent by one instance, claimed by the other"
	is "$(sql "SELECT COUNT(*) FROM ops.notifications WHERE status = 'sent'")" 8 "ops.notifications has one sent attempt per event"
	notify log --db --fingerprint 0000000000000003 >"$T/dblog"
	is "$(jq -c '[.attempt, .destination, .status, .http_status]' "$T/dblog")" '[1,"pagerduty","sent",202]' \
	   "notify log --db --fingerprint prints an event's attempts"
	ok "a database log row says who triggered it" test -n "$(jq -r .triggered_by "$T/dblog")"
else
	diag "no test database: the --db part is skipped"
fi
done_testing
