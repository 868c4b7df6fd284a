#!/bin/sh
# notify against fakes of PagerDuty Events v2, Slack incoming webhooks, Lark
# custom bots (signed) and a generic webhook, all on 127.0.0.1: payload
# shape, signature, routing, retry on 5xx, no retry on 4xx, dedup, rate
# limits, --dry-run, and no secret in any output.
. "$(dirname "$0")/lib.sh"
FAKE=$TOP/t/fakes/fake-webhook.py
KEY=0123456789abcdef0123456789abcdef
pids=
trap 'for p in $pids; do kill $p 2>/dev/null; done; _cleanup' EXIT

# fake NAME [ARGS]: starts a fake, sets $port; requests go to $T/NAME.log
fake() {
	n=$1; shift
	rm -f "$T/$n.port" "$T/$n.log"
	python3 "$FAKE" "$T/$n.port" "$T/$n.log" "$@" &
	pids="$pids $!"
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		[ -s "$T/$n.port" ] && break
		sleep 0.1
	done
	port=$(cat "$T/$n.port")
}
field() {
	python3 -c "import json,sys; L=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print($2)" "$1"
}

cat >"$T/alerts.ndjson" <<'EOF'
{"status":"firing","labels":{"alertname":"BeDiskHigh","instance":"be1:8040","job":"sr","severity":"critical"},"annotations":{"summary":"BE be1:8040 disks 95% full"},"startsAt":"2026-03-10T00:05:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"1111111111111111"}
{"status":"firing","labels":{"alertname":"QueryErrorRateHigh","instance":"fe1:8030","severity":"warning"},"annotations":{"summary":"query error rate 12% on fe1:8030"},"startsAt":"2026-03-10T00:06:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"2222222222222222"}
{"status":"resolved","labels":{"alertname":"BeDiskHigh","instance":"be1:8040","job":"sr","severity":"critical"},"annotations":{"summary":"BE be1:8040 disks 95% full"},"startsAt":"2026-03-10T00:05:00Z","endsAt":"2026-03-10T00:09:00Z","generatorURL":"","fingerprint":"1111111111111111"}
EOF

# ---- PagerDuty ----------------------------------------------------------------
fake pd
PAGERDUTY_BASE_URL=http://127.0.0.1:$port PAGERDUTY_ROUTING_KEY=$KEY \
	notify --pagerduty "$T/alerts.ndjson" >"$T/pd.out" 2>"$T/pd.err"; rc=$?
is "$rc" 0 "pagerduty: all events accepted"
is "$(field "$T/pd.log" '[(l["path"], l["problem"], l["body"]["event_action"], l["body"]["dedup_key"]) for l in L]')" \
   "[('/v2/enqueue', None, 'trigger', '1111111111111111'), ('/v2/enqueue', None, 'trigger', '2222222222222222'), ('/v2/enqueue', None, 'resolve', '1111111111111111')]" \
   "pagerduty: Events v2 trigger and resolve with the fingerprint as dedup_key, shapes accepted by the fake"
is "$(field "$T/pd.log" '(L[0]["body"]["payload"]["severity"], L[1]["body"]["payload"]["severity"], L[0]["body"]["payload"]["source"], L[0]["body"]["payload"]["summary"])')" \
   "('critical', 'warning', 'be1:8040', 'BE be1:8040 disks 95% full')" \
   "pagerduty: severity, source and summary from the alert"
is "$(field "$T/pd.out" '[l["status"] for l in L]')" "['sent', 'sent', 'sent']" "one delivery record per event on stdout"

# ---- Slack ----------------------------------------------------------------------
fake slack
SLACK_WEBHOOK_URL=http://127.0.0.1:$port/services/T000/B000/XXXXSLACKTOKEN \
	notify --slack "$T/alerts.ndjson" >"$T/slack.out" 2>&1; rc=$?
is "$rc" 0 "slack: all messages accepted"
is "$(field "$T/slack.log" '[(l["problem"], [b["type"] for b in l["body"]["blocks"]], l["body"]["blocks"][0]["text"]["text"]) for l in L][::2]')" \
   "[(None, ['header', 'section', 'context'], '[FIRING] BE be1:8040 disks 95% full'), (None, ['header', 'section', 'context'], '[RESOLVED] BE be1:8040 disks 95% full')]" \
   "slack: header, section and context blocks, firing and resolved"

# ---- Lark custom bot with a signing secret ----------------------------------------
fake lark --lark-secret s3cr3t-lark
LARK_BASE_URL=http://127.0.0.1:$port LARK_BOT_TOKEN=hooktoken123 LARK_BOT_SECRET=s3cr3t-lark \
	notify --lark "$T/alerts.ndjson" >"$T/lark.out" 2>"$T/lark.err"; rc=$?
is "$rc" 0 "lark: signed cards accepted"
is "$(field "$T/lark.log" '[(l["path"], l["problem"], l["body"]["msg_type"], l["body"]["card"]["header"]["template"]) for l in L]')" \
   "[('/open-apis/bot/v2/hook/hooktoken123', None, 'interactive', 'red'), ('/open-apis/bot/v2/hook/hooktoken123', None, 'interactive', 'orange'), ('/open-apis/bot/v2/hook/hooktoken123', None, 'interactive', 'green')]" \
   "lark: interactive cards with a valid signature, coloured by severity and status"
LARK_BASE_URL=http://127.0.0.1:$port LARK_BOT_TOKEN=hooktoken123 LARK_BOT_SECRET=wrong-secret \
	notify --lark "$T/alerts.ndjson" >"$T/lark2.out" 2>"$T/lark2.err"; rc=$?
is "$rc" 69 "lark: a bad signature is a failed delivery (exit 69)"
ok "lark: the refusal is reported" grep -q 'lark: refused: sign match fail' "$T/lark2.err"
is "$(grep -c . "$T/lark.log")" 6 "lark: refused requests are not retried"

# ---- generic webhook; an Alertmanager payload is split into its alerts -------------
fake hook
python3 -c '
import json,sys
L=[json.loads(l) for l in open(sys.argv[1])]
print(json.dumps({"version":"4","status":"firing","receiver":"x","alerts":L[:2]}))' "$T/alerts.ndjson" >"$T/am.json"
notify --webhook "http://127.0.0.1:$port/in" "$T/am.json" >/dev/null; rc=$?
is "$rc:$(field "$T/hook.log" '[(l["body"]["kind"], l["body"]["title"], l["body"]["record"]["fingerprint"]) for l in L]')" \
   "0:[('alert', 'BE be1:8040 disks 95% full', '1111111111111111'), ('alert', 'query error rate 12% on fe1:8030', '2222222222222222')]" \
   "webhook: each alert of an Alertmanager payload, with its record"
cat >"$T/issue.ndjson" <<'EOF'
{"issue_id":"iss-42","title":"BE disks filling on c-8f3a21","severity":"critical","status":"open","cluster_id":"c-8f3a21","summary":"3 BEs over 90% disk","url":"https://board.example/iss-42"}
EOF
notify --webhook "http://127.0.0.1:$port/in" "$T/issue.ndjson" >"$T/issue.out"
is "$(field "$T/hook.log" '(L[-1]["body"]["kind"], L[-1]["body"]["title"], L[-1]["body"]["key"])')" \
   "('issue', 'Issue iss-42: BE disks filling on c-8f3a21', 'issue-iss-42')" "webhook: an issue becomes a titled message keyed by its id"

# ---- retries: on 5xx yes, on 4xx no --------------------------------------------------
fake retry --status 500,503
head -1 "$T/alerts.ndjson" | SLACK_WEBHOOK_URL=http://127.0.0.1:$port/services/T/B/X \
	notify --slack >"$T/retry.out" 2>&1; rc=$?
is "$rc:$(grep -c . "$T/retry.log"):$(field "$T/retry.out" '[l.get("attempts") for l in L if "destination" in l]')" \
   "0:3:[3]" "a 5xx is retried until it succeeds (3 attempts)"
fake noretry --status 400
head -1 "$T/alerts.ndjson" | PAGERDUTY_BASE_URL=http://127.0.0.1:$port PAGERDUTY_ROUTING_KEY=$KEY \
	notify --pagerduty >"$T/noretry.out" 2>"$T/noretry.err"; rc=$?
is "$rc:$(grep -c . "$T/noretry.log")" "69:1" "a 4xx is not retried, and the exit status is 69"
fake down --status 503,503,503,503,503,503
head -1 "$T/alerts.ndjson" | SLACK_WEBHOOK_URL=http://127.0.0.1:$port/services/T/B/XXXXSLACKTOKEN \
	notify --slack --retries 2 >/dev/null 2>"$T/down.err"; rc=$?
is "$rc:$(grep -c . "$T/down.log")" "69:3" "--retries 2 gives up after 3 attempts (exit 69)"
nok "the Slack token never reaches the log" grep -q XXXXSLACKTOKEN "$T/down.err"

# ---- routing, dedup, rate limit --------------------------------------------------------
fake route
PAGERDUTY_BASE_URL=http://127.0.0.1:$port PAGERDUTY_ROUTING_KEY=$KEY \
SLACK_WEBHOOK_URL=http://127.0.0.1:$port/services/T/B/X \
	notify --route severity=critical:pagerduty --route '*:slack' "$T/alerts.ndjson" >"$T/route.out"
is "$(field "$T/route.out" '[(l["destination"], l["key"]) for l in L]')" \
   "[('pagerduty', '1111111111111111'), ('slack', '2222222222222222'), ('pagerduty', '1111111111111111')]" \
   "--route: critical to PagerDuty, the rest to Slack (first match wins)"
fake dedup
{ head -1 "$T/alerts.ndjson"; head -1 "$T/alerts.ndjson"; sed -n 3p "$T/alerts.ndjson"; } |
	SLACK_WEBHOOK_URL=http://127.0.0.1:$port/services/T/B/X notify --slack --dedup 10m >"$T/dedup.out"
is "$(field "$T/dedup.out" '[l["status"] for l in L]'):$(grep -c . "$T/dedup.log")" \
   "['sent', 'deduplicated', 'sent']:2" "--dedup drops a repeat within the window, not the resolve"
fake rate
{ cat "$T/alerts.ndjson"; cat "$T/issue.ndjson"; } |
	SLACK_WEBHOOK_URL=http://127.0.0.1:$port/services/T/B/X notify --slack --rate slack=2/1h >"$T/rate.out" 2>/dev/null; rc=$?
is "$rc:$(field "$T/rate.out" '[l["status"] for l in L]')" \
   "0:['sent', 'sent', 'rate_limited', 'rate_limited']" "--rate slack=2/1h sends two and holds back the rest"

# ---- --dry-run keeps secrets out --------------------------------------------------------
PAGERDUTY_ROUTING_KEY=$KEY SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T/B/XXXXSLACKTOKEN \
LARK_BOT_WEBHOOK=https://open.larksuite.com/open-apis/bot/v2/hook/hooktoken123 LARK_BOT_SECRET=s3cr3t-lark \
	notify --dry-run --pagerduty --slack --lark "$T/alerts.ndjson" >"$T/dry.out" 2>"$T/dry.err"; rc=$?
is "$rc:$(field "$T/dry.out" 'sorted(set(l["destination"] for l in L))')" "0:['lark', 'pagerduty', 'slack']" \
   "--dry-run prints what each destination would get"
nok "--dry-run shows no routing key, webhook token or signing secret" \
    grep -Eq "$KEY|XXXXSLACKTOKEN|hooktoken123|s3cr3t-lark" "$T/dry.out" "$T/dry.err"
notify --pagerduty </dev/null >/dev/null 2>"$T/nokey.err"; rc=$?
is "$rc" 64 "a destination without its secret is a usage error"
echo 'not json' | notify --dry-run --webhook http://127.0.0.1:1/x >/dev/null 2>&1; rc=$?
is "$rc" 1 "a bad input line is rejected (exit 1)"

done_testing
