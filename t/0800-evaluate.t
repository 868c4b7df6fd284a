#!/bin/sh
# evaluate: --explain, load-time errors, alert events, recording rules,
# numbat kinds (heartbeat, presence/absence, outlier), reload, bad input,
# --post, the StarRocks rule set.
. "$(dirname "$0")/lib.sh"
RULES=$TOP/t/rules
BASE=1773100800000	# 2026-03-10T00:00:00Z

# pts NAME LABELS_JSON V0 V1 ...: one point a minute from BASE
pts() {
	python3 - "$@" <<'PY'
import json, sys
name, labels = sys.argv[1], json.loads(sys.argv[2])
for i, v in enumerate(sys.argv[3:]):
    if v != "_":
        print(json.dumps({"name": name, "labels": labels, "ts": 1773100800000 + i * 60000, "value": float(v)}))
PY
}
field() {	# field FILE PY_EXPR: evaluates EXPR over the list of JSON lines L
	python3 -c "import json,sys; L=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print($2)" "$1"
}

# ---- --explain: the Monasca proposal's example ---------------------------
evaluate --explain -r "$RULES/monasca.yml" >"$T/explain"
cat >"$T/explain.want" <<'EOF'
alert SlowRequests (group api): sum(delta(request_total_time{app="ms-api-api"}[1h])) by (path, method) / sum(delta(request_count{app="ms-api-api"}[1h])) by (path, method) > 5.0
  temp1 = delta(request_total_time{app="ms-api-api"}[1h])
  temp2 = sum by (method, path) (temp1)
  temp3 = delta(request_count{app="ms-api-api"}[1h])
  temp4 = sum by (method, path) (temp3)
  temp5 = temp2 / temp4
  if temp5 > 5.0: alarm()
alert VerySlowRequests (group api): sum(delta(request_total_time{app="ms-api-api"}[1h])) by (path, method) / sum(delta(request_count{app="ms-api-api"}[1h])) by (path, method) > 20
  temp5 (shared: computed once)
  if temp5 > 20: alarm()
alert ManyRequests (group api): sum(delta(request_count{app="ms-api-api"}[1h])) by (method, path) > 1000
  temp4 (shared: computed once)
  if temp4 > 1000: alarm()
3 rules: 8 steps, 2 shared; 8 step computations per evaluation instead of 15
EOF
check_same "--explain decomposes the Monasca example into temp1..temp5 and shares steps" "$T/explain.want" "$T/explain"

# ---- unsupported syntax and broken files are load-time errors -------------
evaluate -e 'rate(x[5m:1m])' </dev/null >/dev/null 2>"$T/err"; rc=$?
is "$rc" 65 "a subquery is refused at load time (exit 65)"
ok "the reason says subqueries are not supported" grep -q 'subqueries are not supported' "$T/err"
evaluate -e 'label_replace(up, "a", "b", "c", "d")' </dev/null >/dev/null 2>"$T/err"
ok "an unsupported function is named" grep -q 'function label_replace() is not supported' "$T/err"
printf 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 1\n      - alert: B\n        expr: sum(up) by\n' >"$T/bad.yml"
evaluate -r "$T/bad.yml" </dev/null >/dev/null 2>"$T/err"
ok "a bad expression is reported with file, line and rule" grep -q "bad.yml:6: rule B: col" "$T/err"
printf 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: soon\n' >"$T/bad2.yml"
evaluate -r "$T/bad2.yml" </dev/null >/dev/null 2>"$T/err"
ok "a bad duration is reported with its line" grep -q 'bad2.yml:6: for: bad duration' "$T/err"
printf 'groups:\n  - name: g\n    rules:\n   - alert: [\n' >"$T/bad3.yml"
evaluate -r "$T/bad3.yml" </dev/null >/dev/null 2>"$T/err"
ok "a YAML syntax error is reported with its line" grep -q 'bad3.yml:[0-9]*: ' "$T/err"
printf 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        annotations:\n          s: "{{ range .Alerts }}"\n' >"$T/bad4.yml"
evaluate -r "$T/bad4.yml" </dev/null >/dev/null 2>"$T/err"
ok "an unsupported template is refused at load time" grep -q 'template: unsupported' "$T/err"

# ---- an alert: pending, firing after for, resolved ------------------------
cat >"$T/disk.yml" <<'EOF'
groups:
  - name: disk
    interval: 1m
    rules:
      - alert: DiskFull
        expr: disk_used_percent > 90
        for: 2m
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.host }} disk {{ $value }}% full"
EOF
pts disk_used_percent '{"host":"h1"}' 50 80 95 96 97 98 60 50 >"$T/disk.ndjson"
evaluate -r "$T/disk.yml" "$T/disk.ndjson" >"$T/disk.out"; rc=$?
is "$rc" 0 "evaluate exits 0"
fp=$(python3 -c '
h = 14695981039346656037
for s in ("alertname", "DiskFull", "host", "h1", "severity", "critical"):
    for c in s.encode() + b"\xff":
        h = ((h ^ c) * 1099511628211) % 2**64
print("%016x" % h)')
cat >"$T/disk.want" <<EOF
{"status":"firing","labels":{"alertname":"DiskFull","host":"h1","severity":"critical"},"annotations":{"summary":"h1 disk 97% full"},"startsAt":"2026-03-10T00:02:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"$fp"}
{"status":"resolved","labels":{"alertname":"DiskFull","host":"h1","severity":"critical"},"annotations":{"summary":"h1 disk 98% full"},"startsAt":"2026-03-10T00:02:00Z","endsAt":"2026-03-10T00:06:00Z","generatorURL":"","fingerprint":"$fp"}
EOF
json_same "firing after for (startsAt = when it became pending), resolved with endsAt; Alertmanager fingerprint" "$T/disk.want" "$T/disk.out"
evaluate -r "$T/disk.yml" --resend 1m "$T/disk.ndjson" >"$T/disk.resend"
is "$(grep -c firing "$T/disk.resend")" 2 "--resend 1m repeats a firing alert every minute"
# replay in two halves through the same process gives the same answer as one stream
cat "$T/disk.ndjson" | evaluate -r "$T/disk.yml" - >"$T/disk.pipe"
check_same "stdin and file input give the same events" "$T/disk.out" "$T/disk.pipe"

# ---- keep_firing_for -------------------------------------------------------
cat >"$T/kff.yml" <<'EOF'
groups:
  - name: k
    rules:
      - alert: Flappy
        expr: errors > 0
        keep_firing_for: 3m
EOF
pts errors '{}' 1 0 0 0 0 0 0 >"$T/kff.ndjson"
evaluate -r "$T/kff.yml" "$T/kff.ndjson" >"$T/kff.out"
is "$(field "$T/kff.out" '[(l["status"], l.get("endsAt")) for l in L]')" \
   "[('firing', '0001-01-01T00:00:00Z'), ('resolved', '2026-03-10T00:04:00Z')]" \
   "keep_firing_for holds a firing alert 3m after its condition clears"

# ---- recording rules --------------------------------------------------------
cat >"$T/rec.yml" <<'EOF'
groups:
  - name: r
    rules:
      - record: host:disk_used:max5m
        expr: max_over_time(disk_used_percent[5m])
        labels:
          source: evaluate
      - alert: FromRecorded
        expr: host:disk_used:max5m > 97
EOF
evaluate -r "$T/rec.yml" "$T/disk.ndjson" >"$T/rec.out"
is "$(grep -c '"name":"host:disk_used:max5m"' "$T/rec.out")" 8 "recorded points go to stdout, one per evaluation"
ok "recorded points carry labels, rule labels and a type field" \
    grep -q '{"name":"host:disk_used:max5m","labels":{"host":"h1","source":"evaluate"},"ts":1773101040000,"value":97,"type":"gauge"}' "$T/rec.out"
ok "a later rule in the group sees the recorded series at the same instant" \
    grep -q '"alertname":"FromRecorded"' "$T/rec.out"
evaluate -r "$T/rec.yml" --record "$T/rec.points" "$T/disk.ndjson" >"$T/rec.alerts"
is "$(grep -c . "$T/rec.points") $(grep -c '"name"' "$T/rec.alerts")" "8 0" "--record FILE takes the points off stdout"

evaluate -r "$T/no-such.yml" </dev/null >/dev/null 2>"$T/err"
is "$?" 64 "a missing rules file: exit 64, as in every tool (65 is for one that does not parse)"
evaluate --interval 1x -e up </dev/null >/dev/null 2>&1
is "$?" 64 "--interval 1x: usage error"

# ---- heartbeat: timeout, graceful shutdown -----------------------------------
cat >"$T/hb.yml" <<'EOF'
groups:
  - name: hb
    rules:
      - heartbeat: heartbeat
        name: HostSilent
        timeout: 2m
        labels:
          severity: critical
EOF
python3 - >"$T/hb.ndjson" <<'PY'
import json
B = 1773100800
ev = lambda t, **k: print(json.dumps(dict(k, time=B + t * 60)))
for m in range(10):
    if m <= 2 or m >= 7:
        ev(m, host="db1", service="heartbeat")
    if m <= 3:
        ev(m, host="db2", service="heartbeat", state="ok" if m < 3 else "shutdown")
    ev(m, host="web1", service="cpu", metric=0.5)
PY
evaluate -r "$T/hb.yml" "$T/hb.ndjson" >"$T/hb.out"
is "$(field "$T/hb.out" '[(l["status"], l["labels"]["host"], l["labels"]["service"], l["startsAt"][11:16], l["endsAt"][11:16]) for l in L]')" \
   "[('firing', 'db1', 'heartbeat', '00:05', '00:00'), ('resolved', 'db1', 'heartbeat', '00:05', '00:07')]" \
   "a host whose heartbeat stops alerts after the timeout, and resolves when it returns; a graceful shutdown does not alert"

# ---- match-and-act on event fields and tags ---------------------------------
cat >"$T/match.yml" <<'EOF'
groups:
  - name: m
    rules:
      - match: OomKill
        where:
          service: kernel
          description: ".*[Oo]ut of memory.*"
        tags: [prod]
        timeout: 2m
        labels:
          severity: critical
        annotations:
          summary: "OOM kill on {{ $labels.host }}"
EOF
python3 - >"$T/match.ndjson" <<'PY'
import json
B = 1773100800
for m in range(8):
    print(json.dumps({"host": "web1", "service": "cpu", "metric": 0.5, "time": B + m * 60}))
    if m == 1:
        print(json.dumps({"host": "db1", "service": "kernel", "description": "Out of memory: Killed process 4242", "tags": ["prod"], "time": B + 60}))
    if m == 2:
        print(json.dumps({"host": "db2", "service": "kernel", "description": "Out of memory: Killed process 7", "tags": ["staging"], "time": B + 120}))
        print(json.dumps({"host": "db3", "service": "kernel", "description": "link up", "tags": ["prod"], "time": B + 120}))
PY
evaluate -r "$T/match.yml" "$T/match.ndjson" >"$T/match.out"
is "$(field "$T/match.out" '[(l["status"], l["labels"]["host"], l["labels"]["service"], l["annotations"]["summary"], l["startsAt"][11:16], l["endsAt"][11:16]) for l in L]')" \
   "[('firing', 'db1', 'kernel', 'OOM kill on db1', '00:01', '00:00'), ('resolved', 'db1', 'kernel', 'OOM kill on db1', '00:01', '00:04')]" \
   "match-and-act: an event whose fields and tags match fires for the rule's timeout; others do not"

# ---- presence_required and absence_required -----------------------------------
cat >"$T/pa.yml" <<'EOF'
groups:
  - name: pa
    rules:
      - presence_required: queue_depth
        name: QueueSilent
        timeout: 3m
      - absence_required: oom_kill
        name: OomKill
        timeout: 1m
EOF
{ pts queue_depth '{"q":"a"}' 1 2 3 _ _ _ _ _ _ _; pts oom_kill '{"host":"h1"}' _ _ _ _ 1 _ _ _ _ _; pts tick '{}' 0 0 0 0 0 0 0 0 0 0; } | sort -t: -k5 -n >"$T/pa.ndjson"
python3 -c '
import json,sys
L=[json.loads(l) for l in open(sys.argv[1])]
L.sort(key=lambda p: p["ts"])
print("\n".join(json.dumps(p) for p in L))' "$T/pa.ndjson" >"$T/pa.sorted"
evaluate -r "$T/pa.yml" "$T/pa.sorted" >"$T/pa.out"
is "$(field "$T/pa.out" 'sorted((l["labels"]["alertname"], l["status"], l["startsAt"][11:16]) for l in L)')" \
   "[('OomKill', 'firing', '00:04'), ('OomKill', 'resolved', '00:04'), ('QueueSilent', 'firing', '00:06')]" \
   "presence_required alerts when a series goes quiet; absence_required when one shows up"

# ---- outlier: z-score and MAD --------------------------------------------------
cat >"$T/out.yml" <<'EOF'
groups:
  - name: o
    rules:
      - outlier: latency_ms
        name: LatencyZ
        window: 30m
        threshold: 3
      - outlier: latency_ms
        name: LatencyMAD
        method: mad
        window: 30m
        threshold: 5
EOF
pts latency_ms '{"svc":"api"}' 10 11 10 11 10 11 10 11 10 11 10 11 10 11 10 11 10 11 10 11 50 10 11 >"$T/out.ndjson"
evaluate -r "$T/out.yml" "$T/out.ndjson" >"$T/out.out"
is "$(field "$T/out.out" 'sorted((l["labels"]["alertname"], l["status"], l["startsAt"][11:16]) for l in L)')" \
   "[('LatencyMAD', 'firing', '00:20'), ('LatencyMAD', 'resolved', '00:20'), ('LatencyZ', 'firing', '00:20'), ('LatencyZ', 'resolved', '00:20')]" \
   "a spike against its history fires both outlier methods, and only while it lasts"
evaluate --explain -r "$T/out.yml" >"$T/out.explain"
ok "outlier rules compile into shared steps" grep -q 'temp.*avg_over_time(latency_ms\[30m\])' "$T/out.explain"

# ---- bad input -----------------------------------------------------------------
{ head -2 "$T/disk.ndjson"; echo 'not json'; echo '{"name":"x"}'; tail -6 "$T/disk.ndjson"; } >"$T/badin.ndjson"
evaluate -r "$T/disk.yml" "$T/badin.ndjson" >"$T/badin.out" 2>"$T/badin.err"; rc=$?
is "$rc" 1 "rejected lines make the exit status 1"
ok "a bad line is reported with its line number" grep -q 'badin.ndjson:3:' "$T/badin.err"
is "$(grep -c firing "$T/badin.out")" 1 "good lines around bad ones are still evaluated"
evaluate --strict -r "$T/disk.yml" "$T/badin.ndjson" >/dev/null 2>&1; rc=$?
is "$rc" 65 "--strict stops at the first bad line (exit 65)"
head -c 3000 /dev/urandom | evaluate -r "$T/disk.yml" >/dev/null 2>&1; rc=$?
is "$rc" 1 "random bytes do not crash it"

# ---- reload: SIGHUP, a broken file keeps the old rules --------------------------
cat >"$T/live.yml" <<'EOF'
groups:
  - name: live
    rules:
      - alert: Old
        expr: load > 5
EOF
mkfifo "$T/fifo"
evaluate -r "$T/live.yml" <"$T/fifo" >"$T/live.out" 2>"$T/live.err" &
epid=$!
exec 3>"$T/fifo"
pts load '{"h":"a"}' 1 9 9 9 9 9 9 9 9 9 >"$T/load.ndjson"
sed -n 1,2p "$T/load.ndjson" >&3
sleep 0.3
printf 'groups:\n  - name: live\n    rules:\n      - alert: New\n        expr: load >\n' >"$T/live.yml"
kill -HUP $epid; sleep 0.3
sed -n 3,5p "$T/load.ndjson" >&3
sleep 0.3
printf 'groups:\n  - name: live\n    rules:\n      - alert: New\n        expr: load > 5\n' >"$T/live.yml"
kill -HUP $epid; sleep 0.3
sed -n 6,10p "$T/load.ndjson" >&3
exec 3>&-
wait $epid
ok "a broken rule file on reload is reported with file and line" grep -q 'reload failed, keeping the previous rules: .*live.yml:4: rule New: col 7' "$T/live.err"
is "$(field "$T/live.out" '[(l["labels"]["alertname"], l["status"], l["startsAt"][11:16], l["endsAt"][11:16]) for l in L]')" \
   "[('Old', 'firing', '00:01', '00:00'), ('Old', 'resolved', '00:01', '00:04'), ('New', 'firing', '00:04', '00:00')]" \
   "the old rules stay active after a broken reload; a good reload replaces them and resolves the removed rule's alerts"

# ---- reload when a rule file changes (--live checks every second) -------------
cat >"$T/watch.yml" <<'EOF'
groups:
  - name: w
    rules:
      - alert: Before
        expr: gauge_a > 1
EOF
mkfifo "$T/wfifo"
evaluate --live --interval 1s -r "$T/watch.yml" <"$T/wfifo" >"$T/watch.out" 2>"$T/watch.err" &
wpid=$!
exec 4>"$T/wfifo"
nowms() { python3 -c 'import time; print(int(time.time() * 1000))'; }
sleep 0.5
printf 'groups:\n  - name: w\n    rules:\n      - alert: After\n        expr: gauge_a > 1\n' >"$T/watch.yml.new"
mv "$T/watch.yml.new" "$T/watch.yml"
for i in 1 2 3 4 5 6 7 8; do
	sleep 0.5
	echo "{\"name\":\"gauge_a\",\"labels\":{},\"ts\":$(nowms),\"value\":5}" >&4
	grep -q '"alertname":"After"' "$T/watch.out" && break
done
exec 4>&-
wait $wpid
ok "a changed rule file is picked up without a signal" grep -q '"alertname":"After"' "$T/watch.out"
nok "the old rule does not fire after the change" grep -q '"alertname":"Before"' "$T/watch.out"

# ---- --post: batches to an Alertmanager-style receiver --------------------------
python3 "$TOP/t/fakes/fake-webhook.py" "$T/port" "$T/hook.log" &
fpid=$!
trap 'kill $fpid 2>/dev/null; _cleanup' EXIT
for i in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
port=$(cat "$T/port")
evaluate -r "$T/disk.yml" --post "http://127.0.0.1:$port/hook" "$T/disk.ndjson" >"$T/post.out"; rc=$?
is "$rc:$(grep -c . "$T/post.out")" "0:0" "--post sends events instead of printing them"
is "$(field "$T/hook.log" '[(l["path"], l["body"]["version"], [a["status"] for a in l["body"]["alerts"]]) for l in L]')" \
   "[('/hook', '4', ['firing']), ('/hook', '4', ['resolved'])]" \
   "each evaluation's events go as one Alertmanager webhook payload"
evaluate -r "$T/disk.yml" --post "http://127.0.0.1:$port/api/v2/alerts" "$T/disk.ndjson" >/dev/null
is "$(field "$T/hook.log" 'type(L[-1]["body"]).__name__')" "list" "the Alertmanager v2 API gets an array"
kill $fpid 2>/dev/null
evaluate -r "$T/disk.yml" --post "http://127.0.0.1:1/hook" "$T/disk.ndjson" >/dev/null 2>"$T/post.err"; rc=$?
is "$rc" 69 "an unreachable receiver makes the exit status 69"

# ---- the StarRocks rule set loads as it is --------------------------------------
quiet() { "$@" >/dev/null 2>&1; }
ok "share/rules/starrocks.rules.yml compiles" quiet evaluate --explain -r "$TOP/share/rules/starrocks.rules.yml"
if command -v promtool >/dev/null; then
	ok "promtool accepts share/rules/starrocks.rules.yml" quiet promtool check rules "$TOP/share/rules/starrocks.rules.yml"
else
	ok "# SKIP promtool not installed" true
fi
{ pts starrocks_be_disks_total_capacity '{"job":"sr","instance":"be1:8040","path":"/d1"}' 100 100 100 100 100 100 100 100
  pts starrocks_be_disks_avail_capacity '{"job":"sr","instance":"be1:8040","path":"/d1"}' 50 20 8 5 5 5 5 5; } >"$T/sr.ndjson"
python3 -c '
import json,sys
L=[json.loads(l) for l in open(sys.argv[1])]
L.sort(key=lambda p: p["ts"])
print("\n".join(json.dumps(p) for p in L))' "$T/sr.ndjson" >"$T/sr.sorted"
evaluate -r "$TOP/share/rules/starrocks.rules.yml" --interval 1m "$T/sr.sorted" >"$T/sr.out"
is "$(field "$T/sr.out" '[(l["labels"]["alertname"], l["labels"]["instance"], l["annotations"]["summary"]) for l in L]')" \
   "[('BeDiskHigh', 'be1:8040', 'BE be1:8040 disks 95% full')]" \
   "BeDiskHigh fires on a BE whose disks stay over 90% for 5m"

done_testing
