#!/bin/sh
# scrape --targets: a fleet in Prometheus file_sd files, scraped at once from
# one fake exporter process (several ports, a path per target), one target
# dead, one slow, one too large; sharding; target files re-read.
. "$(dirname "$0")/lib.sh"

TS="2026-03-10 14:00:00"	# 1773151200000 ms
MS=1773151200000
FAKE=$TOP/t/fakes/fake-exporter.py

# 6 clusters x 4 targets x 12 series on 3 ports; target 0 answers after 4 s,
# target 1 with 2 MB; one more target on a port nobody listens on
python3 "$FAKE" --clusters 6 --per 4 --series 12 --ports 3 --slow 1:4 --huge 1:2000000 \
	--dead 1 --targets-out "$T/fleet.json" 2>"$T/fake.err" &
fake=$!
trap 'kill $fake 2>/dev/null; _cleanup' EXIT
for i in $(seq 100); do grep -q ready "$T/fake.err" 2>/dev/null && break; sleep 0.1; done
ok "the fake exporter is up" grep -q ready "$T/fake.err"

start=$(date +%s%N)
scrape --targets "$T/fleet.json" --time "$TS" --timeout 1s --max-bytes 1M \
	>"$T/out" 2>"$T/err"
rc=$?
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
is "$rc" 1 "some targets failed: exit 1"
is "$(grep -c '"name":"up"' "$T/out")" 25 "one up series per target (24 + the dead one)"
is "$(grep '"name":"up"' "$T/out" | grep -c '"value":1,')" 22 "22 targets up"
ok "the dead target is up 0" grep -q '"name":"up","labels":{"cluster_id":"dead","instance":"127.0.0.1:[0-9]*"},"ts":'$MS',"value":0' "$T/out"
ok "the slow target is up 0 (timed out)" grep -q '"name":"up","labels":{"cluster_id":"c-000","instance":"127.0.0.1:[0-9]*","role":"t0"},"ts":'$MS',"value":0' "$T/out"
ok "the too large target is up 0" grep -q '"name":"up","labels":{"cluster_id":"c-000","instance":"127.0.0.1:[0-9]*","role":"t1"},"ts":'$MS',"value":0' "$T/out"
ok "--max-bytes: the target is named" grep -q 'scrape: http://127.0.0.1:[0-9]*/c-000/t1/metrics: response larger than 1048576 bytes' "$T/err"
ok "the slow target is named" grep -q 'c-000/t0/metrics: .*[Tt]imed out' "$T/err"
ok "the dead target is named" grep -q "scrape: http://127.0.0.1:[0-9]*/metrics: .*onnect" "$T/err"
# the slow one answers after 4 s: the round did not wait for it
ok "the slow target delayed no one (round done in ${elapsed} ms < 4000)" test "$elapsed" -lt 4000
# every live target: all its samples, its group's labels, instance, no __ labels
python3 - "$T/out" "$T/fleet.json" >"$T/cmp" <<'PY'
import json, sys, collections
pts = [json.loads(l) for l in open(sys.argv[1])]
groups = json.load(open(sys.argv[2]))
n = collections.Counter()
scraped = {}
bad = []
for p in pts:
    l = p["labels"]
    key = (l.get("cluster_id"), l.get("role"))
    if any(k.startswith("__") for k in l): bad.append("__ label: %s" % p)
    if p["name"].startswith("starrocks_"): n[key] += 1
    if p["name"] == "scrape_samples_scraped": scraped[key] = p["value"]
for g in groups:
    lab = g["labels"]
    key = (lab["cluster_id"], lab.get("role"))
    if key in (("c-000", "t0"), ("c-000", "t1"), ("dead", None)):
        if n[key]: bad.append("samples from a failed target %s" % (key,))
        continue
    if n[key] != 12: bad.append("%s: %d samples" % (key, n[key]))
    if scraped.get(key) != 12: bad.append("%s: scrape_samples_scraped %s" % (key, scraped.get(key)))
for p in pts:
    if p["name"].startswith("starrocks_") and p["labels"]["instance"] != "127.0.0.1:" + str(p["labels"]["instance"]).split(":")[1]:
        bad.append("instance %s" % p)
print("\n".join(bad) or "same")
PY
is "$(head -3 "$T/cmp")" same "every live target: 12 samples with its group's labels, scrape_samples_scraped 12"
ok "synthetic series for every target" test "$(grep -c '"name":"scrape_duration_seconds"' "$T/out")" = 25

# the same targets in YAML
python3 -c '
import json, sys
for g in json.load(open(sys.argv[1])):
    print("- targets: [\"%s\"]" % g["targets"][0])
    print("  labels:")
    for k, v in g["labels"].items(): print("    %s: \"%s\"" % (k, v))
' "$T/fleet.json" >"$T/fleet.yml"
scrape --targets "$T/fleet.yml" --time "$TS" --timeout 1s --max-bytes 1M 2>/dev/null |
	grep '"name":"up"' | sort >"$T/up.yml"
grep '"name":"up"' "$T/out" | sort >"$T/up.json"
check_same "YAML targets file: the same targets and results" "$T/up.json" "$T/up.yml"

# more than one file: split the groups in two
python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))
json.dump(g[:10], open(sys.argv[2], "w")); json.dump(g[10:], open(sys.argv[3], "w"))
' "$T/fleet.json" "$T/a.json" "$T/b.json"
scrape --targets "$T/a.json" -t "$T/b.json" --time "$TS" --timeout 1s --max-bytes 1M 2>/dev/null |
	grep '"name":"up"' | sort >"$T/up.two"
check_same "two targets files: the union" "$T/up.json" "$T/up.two"

# --shard I/N: disjoint, and their union is one process's output
strip() { grep -v '"name":"scrape_duration_seconds"' | grep -v '_bucket"' | sed 's/"value":[0-9]*,"type":"counter"/"value":C,"type":"counter"/' | sort; }
scrape --targets "$T/fleet.json" --time "$TS" --timeout 1s --max-bytes 1M 2>/dev/null | strip >"$T/all"
: >"$T/union"
nonempty=0
for i in 0 1 2; do
	scrape --targets "$T/fleet.json" --shard $i/3 --time "$TS" --timeout 1s --max-bytes 1M \
		2>/dev/null | strip >"$T/s$i"
	[ -s "$T/s$i" ] && nonempty=$((nonempty + 1))
	cat "$T/s$i" >>"$T/union"
done
sort "$T/union" -o "$T/union"
check_same "--shard: the union of 3 shards equals one process" "$T/all" "$T/union"
is "$nonempty" 3 "--shard: every shard has targets"
is "$(grep -h '"name":"up"' "$T/s0" "$T/s1" "$T/s2" | sort | uniq -d | wc -l | tr -d ' ')" 0 "--shard: no target in two shards"
nok "--shard 3/3 is a usage error" sh -c 'scrape --shard 3/3 x 2>/dev/null'

# re-read on change: a target added, one removed, then a bad file that
# keeps the previous targets and says why
python3 -c '
import json, sys
g = [x for x in json.load(open(sys.argv[1])) if x["labels"]["cluster_id"] in ("c-002", "c-003")]
json.dump(g[:4], open(sys.argv[2] + ".1", "w")); json.dump(g[1:], open(sys.argv[2] + ".2", "w"))
' "$T/fleet.json" "$T/live.json"
cp "$T/live.json.1" "$T/live.json"
scrape --targets "$T/live.json" --interval 1s --count 6 >"$T/live" 2>"$T/live.err" &
sp=$!
sleep 2
t1=$(($(date +%s%N) / 1000000))
mv "$T/live.json.2" "$T/live.json"
sleep 2
t2=$(($(date +%s%N) / 1000000))
printf '[{"targets": ["127.0.0.1:1"], "labels": {"bad name": "x"}}]\n' >"$T/live.json"
wait $sp
is "$?" 0 "--interval run with changing targets: exit 0"
upts() { grep '"name":"up"' "$T/live" | grep "\"cluster_id\":\"$1\",\"instance\":\"[^\"]*\",\"role\":\"$2\"" | grep -o '"ts":[0-9]*' | cut -d: -f2; }
first_gone=$(upts c-002 t0 | sort -n | tail -1)
added=$(upts c-003 t1 | sort -n | head -1)
kept=$(upts c-003 t1 | sort -n | tail -1)
ok "a removed target is scraped no more after the change" test "${first_gone:-0}" -gt 0 -a "${first_gone:-0}" -le "$((t1 + 1000))"
ok "an added target is scraped after the change" test "${added:-0}" -ge "$((t1 - 1000))"
ok "a bad file keeps the previous targets" test "${kept:-0}" -gt "$t2"
ok "a bad file says why" grep -q "live.json: group 1: invalid label name 'bad name'; keeping the previous targets" "$T/live.err"
ok "a kept target is scraped once per interval" test "$(upts c-002 t1 | sort -u | wc -l)" -ge 5

# SIGTERM: stops at once, exit 0, every line written whole
scrape --targets "$T/fleet.json" --interval 1s --timeout 900ms >"$T/term" 2>/dev/null &
sp=$!
sleep 1.5
kill -TERM $sp
wait $sp
is "$?" 0 "SIGTERM: exit 0"
ok "SIGTERM: every line written is a whole point" python3 -c '
import json, sys
n = sum(1 for l in open(sys.argv[1]) if json.loads(l)["name"])
sys.exit(0 if n > 0 else 1)' "$T/term"

# --max-bytes on a file target; a missing targets file is a usage error
head -c 3000 /dev/zero | tr '\0' 'x' >"$T/big.prom"
scrape --max-bytes 2k "$T/big.prom" >/dev/null 2>"$T/big.err"
ok "--max-bytes on a file: refused, named" grep -q "big.prom: larger than 2048 bytes" "$T/big.err"
scrape --targets "$T/nonexistent.json" >/dev/null 2>&1
is "$?" 64 "a missing targets file at start: exit 64"
done_testing
