#!/bin/sh
# scrape: Prometheus text exposition to metric points.
. "$(dirname "$0")/lib.sh"

TS="2026-03-10 14:00:00"	# 1773151200000 ms
MS=1773151200000

# every sample of the fixtures, values and labels exact
scrape --time "$TS" -l cluster_id=c-1 -l instance=fe1:8030 "$FIX/metrics/fe.prom" >"$T/fe.ndjson" 2>"$T/err"
is "$?" 0 "fe.prom scrapes cleanly"
is "$(cat "$T/err")" "" "no warnings on fe.prom"
is "$(wc -l <"$T/fe.ndjson" | tr -d ' ')" "$(grep -vc '^#' "$FIX/metrics/fe.prom")" "one point per sample line of fe.prom"
# the file's own samples, rebuilt by hand from the text: name, labels, value
python3 - "$FIX/metrics/fe.prom" "$T/fe.ndjson" "$MS" >"$T/cmp" <<'PY'
import json, re, sys
want = []
types = {}
for line in open(sys.argv[1]):
    line = line.strip()
    m = re.match(r'# TYPE (\S+) (\S+)', line)
    if m: types[m.group(1)] = m.group(2); continue
    if not line or line.startswith('#'): continue
    m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$', line)
    name, labels, value = m.group(1), m.group(3), m.group(4)
    lab = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', labels or ''))
    lab.update({"cluster_id": "c-1", "instance": "fe1:8030"})
    fam = name
    for s in ("_sum", "_count"):
        if name.endswith(s) and name[:-len(s)] in types: fam = name[:-len(s)]
    t = types.get(fam, "untyped")
    typ = "counter" if t == "counter" or (t in ("summary", "histogram") and fam != name) else "gauge"
    want.append({"name": name, "labels": lab, "ts": int(sys.argv[3]), "value": float(value), "type": typ})
got = [json.loads(l) for l in open(sys.argv[2])]
for g in got: g["value"] = float(g["value"])
print("same" if got == want else "differ:\n%s\n%s" % (got, want))
PY
is "$(head -1 "$T/cmp")" "same" "fe.prom: every sample with exact labels, value, ts and type"
grep -q '"labels":{"cluster_id":"c-1","instance":"fe1:8030","quantile":"0.99"},"ts":1773151200000,"value":6410.25,"type":"gauge"' "$T/fe.ndjson"
is "$?" 0 "summary quantile keeps its label, labels sorted"
grep -q '"name":"starrocks_fe_query_latency_ms_count","labels":{"cluster_id":"c-1","instance":"fe1:8030"},"ts":1773151200000,"value":48211,"type":"counter"' "$T/fe.ndjson"
is "$?" 0 "summary _count is a counter"

scrape --time "$TS" "$FIX/metrics/be.prom" >"$T/be.ndjson"
is "$(wc -l <"$T/be.ndjson" | tr -d ' ')" 22 "be.prom: 22 samples"
grep -q '{"name":"starrocks_be_disks_avail_capacity","labels":{"path":"/data2/storage"},"ts":1773151200000,"value":322122547200,"type":"gauge"}' "$T/be.ndjson"
is "$?" 0 "be.prom: a gauge with a path label, big integer exact"
grep -q '{"name":"starrocks_be_engine_requests_total","labels":{"status":"failed","type":"cumulative_compaction"},"ts":1773151200000,"value":3,"type":"counter"}' "$T/be.ndjson"
is "$?" 0 "be.prom: two labels sorted, counter"

# the hard parts of the text format
cat >"$T/hard.prom" <<'EOF2'
# HELP http_req_seconds A histogram with "quotes" \\ and \n escapes
# TYPE http_req_seconds histogram
http_req_seconds_bucket{le="0.1",path="/a\"b"} 3
http_req_seconds_bucket{path="/a\"b",le="+Inf"} 7 1700000000123
http_req_seconds_sum{path="/a\"b"} 1.5
http_req_seconds_count{path="/a\"b"} 7
# a plain comment
weird{msg="line\nbreak and back\\slash",}   NaN
pos_inf +Inf
neg_inf{a="1"} -Inf
  spaced_metric   12.5e3
bad line here
bad_value{a="1"} twelve
bad_labels{a=1} 3
bad_ts 1 notatime
EOF2
scrape --time "$TS" "$T/hard.prom" >"$T/hard.ndjson" 2>"$T/hard.err"
is "$?" 1 "bad lines make exit status 1"
is "$(wc -l <"$T/hard.err" | tr -d ' ')" 4 "each bad line reported once"
grep -q 'hard.prom:13: ' "$T/hard.err"
is "$?" 0 "report names file and line"
is "$(wc -l <"$T/hard.ndjson" | tr -d ' ')" 8 "all good samples emitted"
is "$(sed -n 1p "$T/hard.ndjson")" '{"name":"http_req_seconds_bucket","labels":{"le":"0.1","path":"/a\"b"},"ts":1773151200000,"value":3,"type":"histogram","le":"0.1"}' "histogram bucket: le as a label and on top, escaped quote"
is "$(sed -n 2p "$T/hard.ndjson")" '{"name":"http_req_seconds_bucket","labels":{"le":"+Inf","path":"/a\"b"},"ts":1700000000123,"value":7,"type":"histogram","le":"+Inf"}' "explicit timestamp kept, le=+Inf"
is "$(sed -n 3p "$T/hard.ndjson" | grep -c '"type":"counter"')" 1 "histogram _sum is a counter"
is "$(sed -n 5p "$T/hard.ndjson")" '{"name":"weird","labels":{"msg":"line\nbreak and back\\slash"},"ts":1773151200000,"value":"NaN","type":"gauge"}' "label escapes, trailing comma, NaN"
is "$(sed -n 6p "$T/hard.ndjson" | grep -o '"value":[^,]*')" '"value":"+Inf"' "+Inf"
is "$(sed -n 7p "$T/hard.ndjson" | grep -o '"value":[^,]*')" '"value":"-Inf"' "-Inf"
is "$(sed -n 8p "$T/hard.ndjson" | grep -o '"value":[^,]*')" '"value":12500' "leading blanks, exponent"

# --label overrides a scraped label; stdin; interval rounds with --time
printf 'm{cluster_id="old",x="1"} 2\n' | scrape --time "$TS" -l cluster_id=new - >"$T/o.ndjson"
is "$(cat "$T/o.ndjson")" '{"name":"m","labels":{"cluster_id":"new","x":"1"},"ts":1773151200000,"value":2,"type":"gauge"}' "--label wins over the scraped label; stdin"
scrape --time "$TS" --interval 1h --count 2 "$FIX/metrics/be.prom" >"$T/two.ndjson"
is "$(grep -o '"ts":[0-9]*' "$T/two.ndjson" | sort -u | tr '\n' ' ')" '"ts":1773151200000 "ts":1773154800000 ' "--interval with --count: rounds one interval apart"

# HTTP target: a one-shot server on loopback
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
( cd "$FIX/metrics" && exec python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/metrics":
            self.send_response(404); self.end_headers(); return
        b = open("be.prom","rb").read()
        self.send_response(200); self.send_header("Content-Type","text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' "$port" ) &
srv=$!
for i in 1 2 3 4 5 6 7 8 9 10; do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port))" 2>/dev/null && break; sleep 0.2; done
scrape --time "$TS" -l cluster_id=c-9 "127.0.0.1:$port" >"$T/http.ndjson"
is "$?" 0 "HOST:PORT target scraped over HTTP"
is "$(grep -v '"name":"\(up\|scrape_[a-z_]*\)"' "$T/http.ndjson" | grep -c "\"instance\":\"127.0.0.1:$port\"")" 22 "instance label from the target"
is "$(grep '"name":"up"' "$T/http.ndjson")" "{\"name\":\"up\",\"labels\":{\"cluster_id\":\"c-9\",\"instance\":\"127.0.0.1:$port\"},\"ts\":$MS,\"value\":1,\"type\":\"gauge\"}" "up 1 for the target, with its labels"
is "$(grep '"name":"scrape_samples_scraped"' "$T/http.ndjson" | grep -o '"value":[0-9]*')" '"value":22' "scrape_samples_scraped counts the samples"
kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null
scrape "127.0.0.1:$port" >/dev/null 2>&1
is "$?" 69 "unreachable target: exit 69"
nok "no target is a usage error" sh -c 'scrape 2>/dev/null'
scrape "$T/no-such-file" >/dev/null 2>"$T/err"
is "$?" 64 "a missing input file: exit 64, as in every tool"
ok "a missing input file is named" grep -q "no-such-file: No such file" "$T/err"
scrape -i 5x "$T/no-such-file" >/dev/null 2>&1
is "$?" 64 "--interval 5x: usage error"
scrape --version | grep -q '^srwatch '
is "$?" 0 "--version"
done_testing
