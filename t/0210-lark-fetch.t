#!/usr/bin/env bash
# lark-fetch against t/fakes/fake-lark: pages, token expiry, 429, 500,
# Pacific windows (DST days), dedup, window filter, errors, secrets.
. "$(dirname "$0")/lib.sh"

FAKE_PID=
stop_fake() { [ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null; FAKE_PID=; }
trap 'stop_fake; _cleanup' EXIT
# start_fake [fake-lark options]: a fresh fake, its requests logged to $T/log
start_fake() {
	stop_fake
	rm -f "$T/port" "$T/log"
	"$TOP/t/fakes/fake-lark" --fixtures "$FIX/lark" --port-file "$T/port" --log "$T/log" "$@" &
	FAKE_PID=$!
	for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
	export LARK_BASE_URL="http://127.0.0.1:$(cat "$T/port")"
}
# q EXPR: evaluate a Python expression over the logged message requests (r)
q() { python3 -c 'import json,sys
a=[json.loads(l) for l in open(sys.argv[1])]
r=[x for x in a if x["path"].endswith("/messages")]
t=[x for x in a if x["path"].endswith("/tenant_access_token/internal")]
print(eval(sys.argv[2]))' "$T/log" "$1"; }
# pacific Y M D: the UTC window of a Pacific day in seconds, "start end"
pacific() { python3 -c 'import datetime as d,sys; from zoneinfo import ZoneInfo
z=ZoneInfo("America/Los_Angeles"); a=d.date(*map(int,sys.argv[1:4]))
s=d.datetime(a.year,a.month,a.day,tzinfo=z); e=d.datetime.combine(a+d.timedelta(1),d.time(),z)
print(int(s.timestamp()), int(e.timestamp()))' "$@"; }
export LARK_APP_ID=cli_test LARK_APP_SECRET=s3cret
unset LARK_CHAT_ID

# --- one day, every scripted fault ------------------------------------------
start_fake
lark-fetch -v -v 2026-03-10 >"$T/out" 2>"$T/err"
is "$?" 0 "faults: exit 0 after token expiry, 429 and 500"
json_same "faults: the seven messages, as messages.ndjson" "$T/out" "$FIX/lark/messages.ndjson"
is "$(q 'sum(1 for x in t)')" 2 "token expired once (99991663): fetched a new one"
is "$(q '[x["status"] for x in r]')" "[400, 200, 429, 200, 500, 200]" "requests: expired, page 1, 429, page 2, 500, page 3"
is "$(q 'all(x["auth_ok"] for x in r)')" True "every request carried a bearer token"
is "$(q '[x for x in r if x["status"]==429][0]["t"] + 0.95 <= [x for x in r if x["page_token"]=="tok_1" and x["status"]==200][0]["t"]')" \
	True "429: waited x-ogw-ratelimit-reset (1 s) before retrying"
is "$(q 'set((x["sort_type"], x["page_size"], x["container_id"]) for x in r)')" \
	"{('ByCreateTimeAsc', '50', 'oc_392593bb5ace3f00ee10ab53bfe7681f')}" \
	"query: ascending, 50 a page, the default chat"
is "$(q '(r[0]["start_time"], r[0]["end_time"])')" "('$(pacific 2026 3 10 | cut -d' ' -f1)', '$(pacific 2026 3 10 | cut -d' ' -f2)')" \
	"2026-03-10: the Pacific day in seconds"
nok "the app secret never appears on stderr (even with -v -v)" grep -q s3cret "$T/err"
nok "the tenant token never appears on stderr" grep -q t-fake "$T/err"

# --- rate limit as a Lark code, proactive token refresh ---------------------
start_fake --faults 429 --ratelimit-status 400 --expire 2
lark-fetch 2026-03-10 >"$T/out" 2>"$T/err"
is "$?" 0 "code 99991400 under HTTP 400: exit 0"
ok "no LARK_CHAT_ID: says which chat it reads" grep -q "LARK_CHAT_ID is not set: reading the default chat oc_392593bb5ace3f00ee10ab53bfe7681f" "$T/err"
json_same "code 99991400 under HTTP 400: all messages" "$T/out" "$FIX/lark/messages.ndjson"
is "$(q '[x for x in r if x["status"]==400][0]["t"] + 0.95 <= [x for x in r if x["page_token"]=="tok_1" and x["status"]==200][0]["t"]')" \
	True "code 99991400: waited x-ogw-ratelimit-reset before retrying"
is "$(q 'len(t)')" 2 "a token near its expire is refreshed before use"
is "$(q 'any(x["status"]==400 and x["page_token"]=="" for x in r)')" False "  (without being refused first)"

# --- DST days -----------------------------------------------------------------
start_fake --no-faults
lark-fetch 2026-03-08 >"$T/out"
is "$(q 'int(r[0]["end_time"]) - int(r[0]["start_time"])')" 82800 "2026-03-08 (spring forward) is 23 h"
is "$(q 'r[0]["start_time"] + " " + r[0]["end_time"]')" "$(pacific 2026 3 8)" "2026-03-08: starts at Pacific midnight"
is "$(grep -c . "$T/out")" 0 "2026-03-08: no fixture message falls in it"
rm -f "$T/log"
lark-fetch 2026-11-01 >"$T/out"
is "$(q 'int(r[0]["end_time"]) - int(r[0]["start_time"])')" 90000 "2026-11-01 (fall back) is 25 h"
is "$(q 'r[0]["start_time"] + " " + r[0]["end_time"]')" "$(pacific 2026 11 1)" "2026-11-01: starts at Pacific midnight"

# --- ranges, relative days --------------------------------------------------
rm -f "$T/log"
lark-fetch 2026-03-09 2026-03-11 >"$T/out"
is "$(q 'sorted(set((x["start_time"], x["end_time"]) for x in r))')" \
	"$(python3 -c 'import sys; print(sorted(tuple(l.split()) for l in sys.stdin))' <<EOF
$(pacific 2026 3 9)
$(pacific 2026 3 10)
$(pacific 2026 3 11)
EOF
)" "DATE DATE: one window per Pacific day, both ends included"
json_same "DATE DATE: each message once, in its own day" "$T/out" "$FIX/lark/messages.ndjson"
is "$(lark-fetch --list-days 2026-02-27 2026-03-02 | tr '\n' ' ')" "2026-02-27 2026-02-28 2026-03-01 2026-03-02 " \
	"--list-days: the days covered"
rm -f "$T/log"
lark-fetch --backfill 2 >/dev/null
want=$(python3 -c 'import datetime as d; from zoneinfo import ZoneInfo
z=ZoneInfo("America/Los_Angeles"); t=d.datetime.now(z).date()
print(sorted(str(int(d.datetime(x.year,x.month,x.day,tzinfo=z).timestamp())) for x in (t-d.timedelta(2), t-d.timedelta(1))))')
is "$(q 'sorted(set(x["start_time"] for x in r))')" "$want" "--backfill 2: the two days before today (Pacific)"
rm -f "$T/log"
lark-fetch --catch-up >/dev/null
want=$(python3 -c 'import datetime as d; from zoneinfo import ZoneInfo
z=ZoneInfo("America/Los_Angeles"); t=d.datetime.now(z).date()
print(sorted(str(int(d.datetime(x.year,x.month,x.day,tzinfo=z).timestamp())) for x in (t-d.timedelta(1), t)))')
is "$(q 'sorted(set(x["start_time"] for x in r))')" "$want" "--catch-up: yesterday and today (Pacific)"

# --- the window filter, dedup -------------------------------------------------
lark-fetch --since 2026-03-10T15:20:00Z --until 1773166329000 >"$T/out"
is "$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["create_time"] for l in open(sys.argv[1])))' "$T/out")" \
	"1773156000000 1773161131000 1773162000000" "--since/--until: half-open [since, until) in ms"
start_fake --no-faults --overlap
lark-fetch 2026-03-10 >"$T/out"
json_same "overlapping pages: each message once, in order" "$T/out" "$FIX/lark/messages.ndjson"
lark-fetch --chat oc_other 2026-03-10 >/dev/null
is "$(q 'r[-1]["container_id"]')" oc_other "--chat sets the chat"
LARK_CHAT_ID=oc_env lark-fetch 2026-03-10 >/dev/null 2>"$T/err"
is "$(wc -c <"$T/err" | tr -d ' ')" 0 "LARK_CHAT_ID set: no notice"
is "$(q 'r[-1]["container_id"]')" oc_env "LARK_CHAT_ID sets the chat"

# --- errors -------------------------------------------------------------------
LARK_APP_SECRET= lark-fetch 2026-03-10 >/dev/null 2>"$T/err"
is "$?" 64 "no LARK_APP_SECRET: exit 64"
ok "no LARK_APP_SECRET: the message names it" grep -q LARK_APP_SECRET "$T/err"
env -u LARK_APP_ID lark-fetch 2026-03-10 >/dev/null 2>"$T/err"
ok "no LARK_APP_ID: the message names it" grep -q LARK_APP_ID "$T/err"
LARK_APP_SECRET=wrong-secret lark-fetch 2026-03-10 >/dev/null 2>"$T/err"
is "$?" 69 "refused app secret: exit 69"
ok "refused app secret: Lark's code in the message" grep -q "code 10014" "$T/err"
nok "refused app secret: the secret is not echoed" grep -q wrong-secret "$T/err"
start_fake --no-faults --code 230002
lark-fetch 2026-03-10 >"$T/out" 2>"$T/err"
is "$?" 69 "other Lark code: exit 69"
ok "other Lark code: code and msg reported" grep -q "code 230002: The bot is not in the chat" "$T/err"
is "$(q 'len(r)')" 1 "other Lark code: not retried"
stop_fake
lark-fetch 2026-03-10 >/dev/null 2>"$T/err"
is "$?" 69 "Lark unreachable: exit 69 after retries"
lark-fetch 2026-13-01 >/dev/null 2>&1
is "$?" 64 "bad date: exit 64"
lark-fetch 2026-03-11 2026-03-10 >/dev/null 2>&1
is "$?" 64 "dates in the wrong order: exit 64"
lark-fetch --today 2026-03-10 >/dev/null 2>&1
is "$?" 64 "two ways of naming days: exit 64"

done_testing
