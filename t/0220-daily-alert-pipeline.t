#!/usr/bin/env bash
# scripts/daily-alert-pipeline end to end: fake Lark -> card-parse ->
# sr-insert into the test database, archive, recommend, re-runs, failures.
. "$(dirname "$0")/lib.sh"
need_db

FAKE_PID=
stop_fake() { [ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null; FAKE_PID=; }
trap 'stop_fake; _cleanup' EXIT
start_fake() {
	stop_fake
	rm -f "$T/port" "$T/log"
	"$TOP/t/fakes/fake-lark" --fixtures "$FIX/lark" --port-file "$T/port" --log "$T/log" "$@" &
	FAKE_PID=$!
	for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
	export LARK_BASE_URL="http://127.0.0.1:$(cat "$T/port")"
}
export LARK_APP_ID=cli_test LARK_APP_SECRET=s3cret

# A PATH with exactly the tools the pipeline may run; recommend is a stub
# that records its argument and emits one recommendation row for the day.
mkdir -p "$T/bin"
for t in lark-fetch card-parse sr-insert; do ln -s "$SRW_BIN/$t" "$T/bin/$t"; done
ln -s "$TOP/scripts/daily-alert-pipeline" "$T/bin/daily-alert-pipeline"
PATH="$T/bin:/usr/bin:/bin"
cat >"$T/recommend" <<EOF
#!/bin/sh
echo "\$1" >>"$T/recommend.args"
printf '{"date":"%s","alert_name":"StubAlert","severity":"Info","fired":1}\n' "\$1"
EOF
chmod +x "$T/recommend"

ids() { sql "SELECT GROUP_CONCAT(message_id ORDER BY message_id SEPARATOR ' ') FROM alerts.lark_alerts WHERE message_id LIKE 'om\\_%'"; }
sql "DELETE FROM alerts.lark_alerts WHERE message_id LIKE 'om\\_%'"

# --- a day, twice ---------------------------------------------------------------
start_fake
export SRW_ARCHIVE=$T/archive
daily-alert-pipeline 2026-03-10 2>"$T/err"
is "$?" 0 "pipeline: exit 0 (through token expiry, 429 and 500)"
is "$(ids)" "$(python3 -c 'import json,sys; print(" ".join(sorted(json.loads(l)["message_id"] for l in open(sys.argv[1]))))' "$FIX/lark/alerts.expected.ndjson")" \
	"pipeline: the day's alert rows are in alerts.lark_alerts"
is "$(sql "SELECT CONCAT(alert_status, ' ', cluster_name, ' ', DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s')) FROM alerts.lark_alerts WHERE message_id = 'om_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d-f'")" \
	"Firing prod-billing|analytics-01 2026-03-10 15:20:00" "pipeline: a row's fields as card-parse wrote them"
ok "archive: the raw messages kept as DATE.ndjson.gz" test -s "$T/archive/2026-03-10.ndjson.gz"
gzip -dc "$T/archive/2026-03-10.ndjson.gz" >"$T/raw"
json_same "archive: holds exactly the fetched messages" "$T/raw" "$FIX/lark/messages.ndjson"
before=$(sql "SELECT COUNT(*), MD5(GROUP_CONCAT(CONCAT_WS(',', message_id, created_at, cluster_name, alert_name, alert_detail, dashboard_url) ORDER BY message_id)) FROM alerts.lark_alerts")
start_fake --no-faults
daily-alert-pipeline 2026-03-10 2>/dev/null
is "$?" 0 "re-run: exit 0"
is "$(sql "SELECT COUNT(*), MD5(GROUP_CONCAT(CONCAT_WS(',', message_id, created_at, cluster_name, alert_name, alert_detail, dashboard_url) ORDER BY message_id)) FROM alerts.lark_alerts")" \
	"$before" "re-run: same rows, nothing changed"

# --- several days, recommend installed ------------------------------------------
ln -s "$T/recommend" "$T/bin/recommend"
sql "DELETE FROM alerts.alert_recommendations WHERE alert_name = 'StubAlert'"
daily-alert-pipeline 2026-03-09 2026-03-11 2>/dev/null
is "$?" 0 "DATE DATE with recommend: exit 0"
is "$(tr '\n' ' ' <"$T/recommend.args")" "2026-03-09 2026-03-10 2026-03-11 " "recommend ran once for each day"
is "$(sql "SELECT GROUP_CONCAT(date ORDER BY date SEPARATOR ' ') FROM alerts.alert_recommendations WHERE alert_name = 'StubAlert'")" \
	"2026-03-09 2026-03-10 2026-03-11" "recommendations stored per day"
is "$(ls "$T/archive" | tr '\n' ' ')" "2026-03-09.ndjson.gz 2026-03-10.ndjson.gz 2026-03-11.ndjson.gz " "archive: one file per day"
is "$(sql "SELECT COUNT(*) FROM alerts.lark_alerts WHERE message_id LIKE 'om\\_%'")" 5 "DATE DATE: still five alert rows"
rm "$T/bin/recommend"

# --- failures stop the pipeline ----------------------------------------------------
rm -rf "$T/archive"
start_fake --no-faults --code 230002
daily-alert-pipeline 2026-03-10 2026-03-11 2>"$T/err"
is "$?" 69 "Lark refusing: the pipeline exits with lark-fetch's status (69)"
ok "Lark refusing: the failing stage is named" grep -q "2026-03-10: lark-fetch failed (exit 69)" "$T/err"
nok "Lark refusing: no archive of a partial fetch" test -e "$T/archive/2026-03-10.ndjson.gz"
is "$(grep -c '/im/v1/messages' "$T/log")" 1 "Lark refusing: stopped at the first day"
start_fake --no-faults
STARROCKS_SOCKET=$T/nosuch STARROCKS_PORT=1 STARROCKS_HOST=127.0.0.1 daily-alert-pipeline 2026-03-10 >/dev/null 2>"$T/err"
st=$?
nok "database down: non-zero exit" test "$st" = 0
ok "database down: sr-insert named as the failing stage" grep -q "sr-insert failed" "$T/err"
LARK_APP_SECRET= daily-alert-pipeline 2026-03-10 2>/dev/null
is "$?" 64 "no LARK_APP_SECRET: lark-fetch's usage error (64)"
daily-alert-pipeline 2026-02-30 2>/dev/null
is "$?" 64 "bad date: 64"

sql "DELETE FROM alerts.lark_alerts WHERE message_id LIKE 'om\\_%'"
sql "DELETE FROM alerts.alert_recommendations WHERE alert_name = 'StubAlert'"
done_testing
