#!/usr/bin/env bash
# card-parse: Lark messages into alert rows (fixtures, card variations,
# bad input, --explode).
. "$(dirname "$0")/lib.sh"

# msg ID CREATE_MS CARD_JSON: one Lark list-messages item holding CARD_JSON
msg() {
	python3 -c 'import json,sys
print(json.dumps({"message_id": sys.argv[1], "msg_type": "interactive",
  "create_time": sys.argv[2], "deleted": False, "chat_id": "oc_x",
  "body": {"content": sys.argv[3]}}))' "$@"
}
# t TEXT / a NAME HREF / hr: card nodes, one element line each call of line()
line() { printf '[%s]' "$(IFS=,; echo "$*")"; }
t() { python3 -c 'import json,sys; print(json.dumps({"tag":"text","text":sys.argv[1]}))' "$1"; }
a() { python3 -c 'import json,sys; print(json.dumps({"tag":"a","text":sys.argv[1],"href":sys.argv[2]}))' "$1" "$2"; }
hr='{"tag":"hr"}'
card() { printf '{"title":"t","elements":[%s]}' "$(IFS=,; echo "$*")"; }

# --- the fixtures -----------------------------------------------------------
card-parse "$FIX/lark/messages.ndjson" >"$T/out" 2>"$T/err"
is "$?" 0 "fixture messages: exit 0"
json_same "fixture messages: rows equal alerts.expected.ndjson" "$T/out" "$FIX/lark/alerts.expected.ndjson"
is "$(cat "$T/err")" "" "fixture messages: non-card messages are silent"
card-parse <"$FIX/lark/messages.ndjson" >"$T/out2" 2>/dev/null
check_same "stdin gives the same rows as a file" "$T/out" "$T/out2"
card-parse -v "$FIX/lark/messages.ndjson" 2>"$T/err" >/dev/null
ok "-v counts alert cards and skipped messages" \
	grep -q "7 messages: 4 alert cards (5 rows), 3 not alert cards" "$T/err"

# --- variations real channels produce ---------------------------------------
# lower-case keys, extra spacing, full-width colons, an extra key, no links
c1=$(card "$(line "$(t 'firing')")" \
	"$(line "$(t 'alert name')" "$(t '： DiskFull')")" \
	"$(line "$(t 'CLUSTER  NAME')" "$(t ':   prod-a  ')")" \
	"$(line "$(t 'Cluster_ID')" "$(t '：c-1')")" \
	"$(line "$(t 'Severity')" "$(t ': critical')")" \
	"$(line "$(t 'Account Name')" "$(t ': acme')")" \
	"$(line "$(t 'Region')" "$(t ': us-east-1')")" \
	"$(line "$(t 'Detail')" "$(t ': disk 97% full: /data')")")
# Resolved before Firing, three firing sections, the second and third
# without an hr between them (a repeated key starts a section)
sec() { # NAME CLUSTER
	printf '%s,' "$(line "$(t 'Alert Name')" "$(t ": $1")")" \
		"$(line "$(t 'Cluster Name')" "$(t ": $2")")" \
		"$(line "$(t 'Cluster ID')" "$(t ": id-$2")")" \
		"$(line "$(a Dashboard "https://d/$2")" "$(t ' ')" "$(a Silence "https://s/$2")")"
}
c2=$(card "$(line "$(t Resolved)")" "$(sec R1 r1)$hr" \
	"$(line "$(t Firing)")" "$(sec F1 f1)$(line "$hr"),$(sec F2 f2)$(sec F3 f3)" \
	"$(line "$(t 'no status change here')")")
c2=${c2//,,/,}
c2=${c2//,]/]}
# Grafana's template with two alerts in one run, and a '---' text separator
c3=$(card "$(line "$(t $'Firing\nValue: A=1\nLabels:\n - alertname = G1\n - cluster_id = c-9\n - cluster_name = gx\nAnnotations:\n - description = one\nSilence: https://s/g1\nDashboard: https://d/g1\n\nValue: A=2\nLabels:\n - alertname = G2\n - cluster_id = c-8\nAnnotations:\n - description = two\n')")")
{
	msg om_v1 1773151402000 "$c1"
	msg om_v2 1773151403999 "$c2"
	msg om_v3 1773151404000 "$c3"
} >"$T/var.ndjson"
cat >"$T/var.expected" <<'EOF'
{"message_id":"om_v1-f","created_at":"2026-03-10 14:03:22","cluster_name":"prod-a","region":"us-east-1","account_name":"acme","cluster_id":"c-1","alert_status":"Firing","alert_name":"DiskFull","alert_detail":"disk 97% full: /data","dashboard_url":"","silence_url":"","source":"lark"}
{"message_id":"om_v2-f","created_at":"2026-03-10 14:03:23","cluster_name":"f1|f2|f3","region":"||","account_name":"||","cluster_id":"id-f1|id-f2|id-f3","alert_status":"Firing","alert_name":"F1|F2|F3","alert_detail":"||","dashboard_url":"https://d/f1|https://d/f2|https://d/f3","silence_url":"https://s/f1|https://s/f2|https://s/f3","source":"lark"}
{"message_id":"om_v2-r","created_at":"2026-03-10 14:03:23","cluster_name":"r1","region":"","account_name":"","cluster_id":"id-r1","alert_status":"Resolved","alert_name":"R1","alert_detail":"","dashboard_url":"https://d/r1","silence_url":"https://s/r1","source":"lark"}
{"message_id":"om_v3-f","created_at":"2026-03-10 14:03:24","cluster_name":"gx|","region":"|","account_name":"|","cluster_id":"c-9|c-8","alert_status":"Firing","alert_name":"G1|G2","alert_detail":"one|two","dashboard_url":"https://d/g1|","silence_url":"https://s/g1|","source":"lark"}
EOF
card-parse "$T/var.ndjson" >"$T/var.out" 2>"$T/err"
is "$?" 0 "variations: exit 0"
json_same "variations: key case, full-width colons, missing links, 3 sections, Resolved first, Grafana multi-alert" \
	"$T/var.out" "$T/var.expected"

# --- --explode --------------------------------------------------------------
card-parse --explode "$T/var.ndjson" >"$T/ex.out"
is "$(python3 -c 'import json,sys
print(" ".join(json.loads(l)["message_id"]+"="+json.loads(l)["cluster_name"] for l in open(sys.argv[1])))' "$T/ex.out")" \
	"om_v1-f1=prod-a om_v2-f1=f1 om_v2-f2=f2 om_v2-f3=f3 om_v2-r1=r1 om_v3-f1=gx om_v3-f2=" \
	"--explode: one row per section, numbered -f1.. -r1.."
card-parse --explode "$FIX/lark/messages.ndjson" >"$T/ex2.out"
is "$(grep -c . "$T/ex2.out")" 6 "--explode: fixture sections (6 rows)"

# --- bad input --------------------------------------------------------------
{
	head -n 1 "$FIX/lark/messages.ndjson"
	echo '{"message_id": "om_broken", this is not json'
	msg om_badcontent 1773151402000 '{"title":"x","elements":[[{"tag":"text"'
	echo '[1,2,3]'
	msg om_nocreate "" "$c1"
	sed -n 3p "$FIX/lark/messages.ndjson"
} >"$T/bad.ndjson"
card-parse "$T/bad.ndjson" >"$T/bad.out" 2>"$T/err"
is "$?" 1 "bad lines: exit 1 (done, some rejected)"
is "$(grep -c . "$T/bad.out")" 3 "bad lines: the good messages still give their rows"
ok "bad lines: invalid JSON reported with its line number" grep -q "bad.ndjson:2: not valid JSON" "$T/err"
ok "bad lines: bad body.content reported with its line number" grep -q "bad.ndjson:3: body.content is not valid JSON" "$T/err"
ok "bad lines: a non-object line is reported" grep -q "bad.ndjson:4: expected object" "$T/err"
ok "bad lines: an alert card without create_time is reported" grep -q "bad.ndjson:5: .*create_time" "$T/err"
card-parse <"$T/bad.ndjson" >/dev/null 2>"$T/err"
ok "bad lines on stdin: reported as 'line N'" grep -q "card-parse: line 3: body.content" "$T/err"
card-parse --strict "$T/bad.ndjson" >/dev/null 2>&1
is "$?" 65 "--strict: the first bad line is fatal (65)"
card-parse --reject "$T/rej" "$T/bad.ndjson" >/dev/null 2>&1
is "$(grep -c . "$T/rej")" 4 "--reject keeps the four bad lines"
printf '\x00\xff{{{\n\n   \n' | card-parse >/dev/null 2>&1
is "$?" 1 "binary garbage: reported, no crash"
card-parse --nope 2>/dev/null
is "$?" 64 "unknown option: exit 64"

done_testing
