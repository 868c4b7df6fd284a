#!/bin/sh
# evaluate --live --state: kill -9 at six points of a recorded stream
# (inside a for window, during keep_firing_for, while a heartbeat is
# overdue, with range data in flight, ...), restart on the rest of the
# stream: the events of all the pieces are those of one uninterrupted run.
# Then a corrupt, a cut-short and an older-format state file, and a rule
# changed while evaluate was down.
#
# Time: evaluate --live evaluates on event time (the points' ts) and also
# moves its clock to the wall clock every 200 ms.  The stream is dated a day
# ahead, so the wall clock never reaches it and only the points move time:
# the runs are deterministic.
. "$(dirname "$0")/lib.sh"

cat >"$T/rules.yml" <<'YML'
groups:
  - name: g
    interval: 1m
    rules:
      - alert: HighLoad
        expr: load > 5
        for: 5m
        labels:
          severity: warning
        annotations:
          summary: "load {{ $value }} on {{ $labels.host }}"
      - alert: Flappy
        expr: errors > 0
        keep_firing_for: 3m
      - alert: ManyRequests
        expr: rate(reqs_total[5m]) > 1
        for: 2m
  - name: hb
    interval: 1m
    rules:
      - heartbeat: heartbeat
        name: HostSilent
        timeout: 2m
YML
python3 - >"$T/stream.ndjson" <<'PY'
import json, time
B = (int(time.time()) // 3600 + 24) * 3600 * 1000
req = 0.0
for i in range(0, 60 * 4):          # a point every 15 s for an hour
    ts, m = B + i * 15000, i / 4.0
    out = [{"name": "load", "labels": {"host": "a"}, "ts": ts, "value": 9 if 5 <= m < 25 else 1},
           {"name": "load", "labels": {"host": "b"}, "ts": ts, "value": 8 if 30 <= m < 33 else 2},
           {"name": "errors", "labels": {"job": "x"}, "ts": ts, "value": 1 if 12 <= m < 14 else 0}]
    req += 30 if 40 <= m < 50 else 3
    out.append({"name": "reqs_total", "labels": {"job": "x"}, "ts": ts, "value": req, "type": "counter"})
    if i % 2 == 0:
        out.append({"host": "db2", "service": "heartbeat", "time": ts / 1000, "state": "ok"})
        if not 35 <= m < 45:
            out.append({"host": "db1", "service": "heartbeat", "time": ts / 1000, "state": "ok"})
    for o in out:
        print(json.dumps(o, separators=(",", ":")))
PY
base=$(head -1 "$T/stream.ndjson" | jq .ts)
# lines FROM_MS UNTIL_MS: the stream's lines with FROM <= ts < UNTIL
lines() {
	jq -c --argjson f "$1" --argjson u "$2" \
	    'select(((.ts // (.time * 1000)) | floor) as $t | $t >= $f and $t < $u)' "$T/stream.ndjson"
}
at() { echo $((base + $1 * 1000)); }	# at SECONDS: a time in the stream
# The state is FILE plus FILE.journal, whose blocks replace a rule's lines.
# state_lines FILE: the alert and track lines in force; resume FILE: where
# a restart wants its input from.
state_lines() {
	cat "$1" "$1.journal" 2>/dev/null | jq -s -c 'reduce .[] as $l ({c: null, m: {}};
	    if $l.rule then .c = $l.rule
	        | if $l.upsert then . else .m[$l.rule] = {} end
	        | if $l.upsert and ($l.tracks | not) then .
	          else .m[.c] = ((.m[.c] // {}) | with_entries(select(.value.track | not))) end
	    elif $l.gone then del(.m[.c][$l.gone])
	    elif $l.alert then .m[.c][$l.key] = ((.m[.c][$l.key] // {}) + $l)
	    elif $l.track then .m[.c]["t" + $l.track] = $l
	    else . end) | .m[][]'
}
resume() { cat "$1" "$1.journal" 2>/dev/null | jq -s '[.[] | select(.resume_from)] | last | .resume_from'; }
keep() { cp "$1" "$2"; cp "$1.journal" "$2.journal" 2>/dev/null || rm -f "$2.journal"; }

evaluate --live --state "$T/one.state" --resend 10m -r "$T/rules.yml" <"$T/stream.ndjson" \
	>"$T/one.out" 2>"$T/one.err"; rc=$?
is "$rc" 0 "the uninterrupted run ends at the end of its input"
h=$(jq -r .startsAt[11:16] "$T/one.out" | head -1)	# 00:05 in the stream's hour
is "$(jq -c '[.status, .labels.alertname] | join(" ")' "$T/one.out" | tr '\n' ',')" \
   '"firing HighLoad","firing Flappy","resolved Flappy","firing HighLoad","resolved HighLoad","firing HostSilent","firing ManyRequests","resolved HostSilent","resolved ManyRequests",' \
   "the stream fires, resends and resolves what the test needs"

# piece N UNTIL_S: evaluate on the stream from the state's resume_from (or
# the start) to UNTIL, then kill -9
rm -f "$T/fifo"; mkfifo "$T/fifo"
from=$base
n=0
piece() {
	n=$((n + 1))
	evaluate --live --state "$T/p.state" --resend 10m -r "$T/rules.yml" <"$T/fifo" \
		>"$T/piece$n.out" 2>"$T/piece$n.err" &
	epid=$!
	exec 3>"$T/fifo"
	lines "$from" "$(at "$1")" >&3
	sleep 1	# it is idle, waiting for input: nothing is half done
	kill -9 $epid
	exec 3>&-
	wait $epid 2>/dev/null
	from=$(resume "$T/p.state")
	keep "$T/p.state" "$T/kill$n.state"
}
piece 420	# 00:07 HighLoad{a} pending since 00:05, for 5m
ok "kill 1 is inside a for window: HighLoad pending in the state" \
	test "$(state_lines "$T/kill1.state" | jq -s -c '[.[] | select(.alert and .labels.alertname == "HighLoad") | .state]')" = '["pending"]'
piece 960	# 00:16 Flappy kept firing (errors cleared at 00:14, keep 3m)
ok "kill 2 is during keep_firing_for: Flappy firing with a keep_firing_for clock" \
	test "$(state_lines "$T/kill2.state" | jq -s -c '[.[] | select(.alert and .labels.alertname == "Flappy") | [.state, (.keep_since != null)]]')" = '[["firing",true]]'
piece 1930	# 00:32 HighLoad{b} pending, will never fire
piece 2190	# 00:36:30 db1's heartbeat overdue (last 00:34:30, timeout 2m)
ok "kill 4 is while a heartbeat is overdue: db1 watched (silent since 00:34:30), not alerted yet" \
	test "$(state_lines "$T/kill4.state" | jq -s -c '[(.[] | select(.track) | .labels.host), (.[] | select(.alert) | .labels.alertname)] | sort')" = '["db1","db2"]'
piece 2650	# 00:44:10 ManyRequests pending on 5m of counter data, HostSilent firing
# kill -9 in the middle of a journal write leaves a torn block: ignored
printf '{"journal":1,"gen":%s,"watermark":' "$(jq -s '.[0].gen' "$T/p.state")" >>"$T/p.state.journal"
piece 3300	# 00:55 the resends of ManyRequests are due
lines "$from" "$(at 99999)" >"$T/rest.ndjson"
evaluate --live --state "$T/p.state" --resend 10m -r "$T/rules.yml" <"$T/rest.ndjson" \
	>"$T/last.out" 2>"$T/last.err"
ok "a restart says what it restored" grep -q 'restored .* alerts' "$T/last.err"
cat "$T"/piece*.out "$T/last.out" >"$T/pieces.out"
json_same "six kill -9 and restarts send exactly the events of one uninterrupted run (firings, resends, resolves, startsAt)" \
	"$T/one.out" "$T/pieces.out"

# ---- a resolve that happens while evaluate is down -----------------------------
keep "$T/kill1.state" "$T/r.state"
{ lines "$(resume "$T/r.state")" "$(at 421)"; lines "$(at 1500)" "$(at 1560)"; } |
	evaluate --live --state "$T/r.state" -r "$T/rules.yml" >"$T/r.out" 2>/dev/null
is "$(jq -c 'select(.labels.alertname == "HighLoad") | [.status, .labels.alertname, .startsAt[11:16]]' "$T/r.out" | tr '\n' ' ')" \
   "[\"firing\",\"HighLoad\",\"$(jq -r .startsAt[11:16] "$T/one.out" | head -1)\"] [\"resolved\",\"HighLoad\",\"$(jq -r .startsAt[11:16] "$T/one.out" | head -1)\"] " \
   "an alert pending at the kill keeps its for clock; one that ended while evaluate was down is resolved on the first evaluation"

# ---- a restart after a gap (the input does not replay): no resolve for want of data
keep "$T/kill2.state" "$T/g.state"
lines "$(at 1200)" "$(at 2100)" |
	evaluate --live --state "$T/g.state" -r "$T/rules.yml" >"$T/g.out" 2>"$T/g.err"
ok "a gap in the input is reported" grep -q 'restored alerts not seen are held until' "$T/g.err"
is "$(jq -c '[.status, .labels.alertname, .startsAt[11:16], .endsAt[14:16]]' "$T/g.out" | tr '\n' ' ')" \
   "[\"resolved\",\"HighLoad\",\"$h\",\"30\"] [\"resolved\",\"Flappy\",\"${h%:*}:12\",\"30\"] " \
   "after a 4-minute gap: HighLoad stays firing (no resolve and refire with a new startsAt); what ended resolves once the input covers the rules' longest range (10m); silent heartbeats do not fire"

# ---- bad state files: a warning, an empty start, never a crash ------------------
lines "$base" "$(at 900)" >"$T/head.ndjson"
evaluate --live -r "$T/rules.yml" "$T/head.ndjson" >"$T/fresh.out" 2>/dev/null
for kind in garbage cut old empty; do
	case $kind in
	garbage) head -c 4000 /dev/urandom >"$T/bad.state" ;;
	cut) head -c 300 "$T/kill2.state" >"$T/bad.state" ;;
	old) sed '1s/"srwatch_evaluate_state":1/"srwatch_evaluate_state":0/' "$T/kill2.state" >"$T/bad.state" ;;
	empty) : >"$T/bad.state" ;;
	esac
	cp "$T/bad.state" "$T/bad.$kind"
	evaluate --live --state "$T/bad.state" -r "$T/rules.yml" "$T/head.ndjson" >"$T/bad.out" 2>"$T/bad.err"; rc=$?
	is "$rc" 0 "a $kind state file: exit 0"
	ok "a $kind state file: a clear warning" grep -q 'starting with no alert state' "$T/bad.err"
	check_same "a $kind state file: the run starts empty" "$T/fresh.out" "$T/bad.out"
	[ $kind = old ] && cp "$T/bad.err" "$T/old.err"
done
ok "an older format is named as such" grep -q 'format 0, this evaluate reads format 1' "$T/old.err"
ok "the bad file is replaced by a good one at the first change" \
	test "$(jq -s '.[0].srwatch_evaluate_state' "$T/bad.state")" = 1

# ---- a rule changed while down loses its state, the others keep theirs ----------
sed 's/errors > 0/errors > 0.5/' "$T/rules.yml" >"$T/rules2.yml"
keep "$T/kill2.state" "$T/c.state"
lines "$(resume "$T/c.state")" "$(at 1800)" |
	evaluate --live --state "$T/c.state" --resend 10m -r "$T/rules2.yml" >"$T/c.out" 2>"$T/c.err"
ok "the changed rule is named in a log line" grep -q 'rule Flappy (group g) changed while evaluate was down' "$T/c.err"
is "$(jq -c '[.status, .labels.alertname, .startsAt[11:16]]' "$T/c.out" | tr '\n' ' ')" \
   "[\"resolved\",\"Flappy\",\"${h%:*}:12\"] [\"firing\",\"HighLoad\",\"$h\"] [\"resolved\",\"HighLoad\",\"$h\"] " \
   "the changed rule's firing alert is resolved; HighLoad keeps its state (resent at 00:15, startsAt 00:05)"
done_testing
