#!/bin/sh
# remote-writed: remote write 1.0 requests (built by t/fakes/rw-send.py from
# the wire formats, independent of our decoder) to metric points; bad input
# refused or passed as Prometheus does, counted, logged, never acknowledged
# in part.
. "$(dirname "$0")/lib.sh"

SEND="python3 $TOP/t/fakes/rw-send.py"
pids=
trap 'for p in $pids; do kill $p 2>/dev/null; done; _cleanup' EXIT

# start_rwd NAME [OPTIONS...]: remote-writed with stdout to $T/NAME.out
start_rwd() {
	n=$1
	shift
	remote-writed --listen 0 "$@" >"$T/$n.out" 2>"$T/$n.err" &
	pid=$!
	pids="$pids $pid"
	port=$(wait_port "$T/$n.err" $pid) || { echo "# remote-writed did not start"; cat "$T/$n.err"; }
	URL=http://127.0.0.1:$port
}
metric() { curl -s "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

start_rwd a -q
cat >"$T/good.json" <<'EOF'
{"timeseries": [
 {"labels": [["__name__","starrocks_fe_query_err"],["instance","fe1:8030"],["cluster_id","c-1"]],
  "samples": [[12, 1773151200000], [13.5, 1773151215000]]},
 {"labels": [["__name__","http_requests_total"],["code","200"],["empty",""]],
  "samples": [["NaN", 1773151200000], ["stale", 1773151215000], ["+Inf", 1773151230000], ["-Inf", 1773151245000]],
  "exemplars": 2},
 {"labels": [["__name__","req_seconds_sum"]], "samples": [[1.25, 1773151200000]]},
 {"labels": [["__name__","req_seconds_bucket"],["le","0.5"]], "samples": [[3, 1773151200000]]},
 {"labels": [["__name__","req_seconds_count"]], "samples": [[4, 1773151200000]]},
 {"labels": [["__name__","q_latency"],["quantile","0.99"]], "samples": [[7, 1773151200000]]},
 {"labels": [["__name__","q_latency_count"]], "samples": [[9, 1773151200000]]},
 {"labels": [["__name__","starrocks_be_mem"]], "samples": [[-0.5, -1000]]},
 {"labels": [["__name__","native"]], "samples": [], "histograms": 3}
],
"metadata": [["COUNTER","starrocks_fe_query_err"], ["SUMMARY","q_latency"]]}
EOF
is "$($SEND "$URL/api/v1/write" "$T/good.json")" "204 " "a good request: 204"
cat >"$T/want" <<'EOF'
{"name":"starrocks_fe_query_err","labels":{"cluster_id":"c-1","instance":"fe1:8030"},"ts":1773151200000,"value":12,"type":"counter"}
{"name":"starrocks_fe_query_err","labels":{"cluster_id":"c-1","instance":"fe1:8030"},"ts":1773151215000,"value":13.5,"type":"counter"}
{"name":"http_requests_total","labels":{"code":"200"},"ts":1773151200000,"value":"NaN","type":"counter"}
{"name":"http_requests_total","labels":{"code":"200"},"ts":1773151230000,"value":"+Inf","type":"counter"}
{"name":"http_requests_total","labels":{"code":"200"},"ts":1773151245000,"value":"-Inf","type":"counter"}
{"name":"req_seconds_sum","labels":{},"ts":1773151200000,"value":1.25,"type":"counter"}
{"name":"req_seconds_bucket","labels":{"le":"0.5"},"ts":1773151200000,"value":3,"type":"histogram","le":"0.5"}
{"name":"req_seconds_count","labels":{},"ts":1773151200000,"value":4,"type":"counter"}
{"name":"q_latency","labels":{"quantile":"0.99"},"ts":1773151200000,"value":7,"type":"gauge"}
{"name":"q_latency_count","labels":{},"ts":1773151200000,"value":9,"type":"counter"}
{"name":"starrocks_be_mem","labels":{},"ts":-1000,"value":-0.5,"type":"gauge"}
EOF
check_same "one point per sample: labels sorted, empty label dropped, NaN/Inf kept, stale dropped, types from metadata and names" "$T/want" "$T/a.out"
is "$(metric remote_writed_samples_stale_total)" 1 "stale marker counted"
is "$(metric remote_writed_exemplars_ignored_total)" 2 "exemplars counted"
is "$(metric remote_writed_histograms_ignored_total)" 3 "native histograms counted"
is "$(metric remote_writed_samples_written_total)" 11 "samples written counted"

# a series the way Prometheus refuses it: skipped, the others kept, counted
cat >"$T/bad.json" <<'EOF'
{"timeseries": [
 {"labels": [["__name__","ok_metric"]], "samples": [[1, 1773151200000]]},
 {"labels": [["__name__","m"],["bad-name","x"]], "samples": [[1, 1773151200000]]},
 {"labels": [["__name__","1bad"]], "samples": [[1, 1773151200000]]},
 {"labels": [["job","no name"]], "samples": [[1, 1773151200000]]},
 {"labels": [["__name__","m"],["a","1"],["a","2"]], "samples": [[1, 1773151200000]]},
 {"labels": [["__name__","m"],["a",{"hex":"c328"}]], "samples": [[1, 1773151200000]]},
 {"labels": [["__name__","m"],["a",{"hex":"610062"}]], "samples": [[1, 1773151200000]]},
 {"labels": [["__name__","ok_metric2"],["v","caf\u00e9 \u2603"]], "samples": [[2, 1773151200000], [3, 1152921504606846976]]}
]}
EOF
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
s["timeseries"].append({"labels": [["__name__", "huge"]] + [["l%03d" % i, "v"] for i in range(70)],
                        "samples": [[1, 1773151200000]]})
json.dump(s, open(sys.argv[1], "w"))' "$T/bad.json"
: >"$T/a.out.before"; cp "$T/a.out" "$T/a.out.before"
is "$($SEND "$URL/api/v1/write" "$T/bad.json")" "204 " "bad series in a request: the others taken (204)"
tail -n +12 "$T/a.out" >"$T/bad.got"
printf '%s\n' '{"name":"ok_metric","labels":{},"ts":1773151200000,"value":1,"type":"gauge"}' \
	'{"name":"ok_metric2","labels":{"v":"café ☃"},"ts":1773151200000,"value":2,"type":"gauge"}' >"$T/bad.want"
check_same "only the valid series written (UTF-8 label value kept)" "$T/bad.want" "$T/bad.got"
is "$(metric remote_writed_series_invalid_total)" 6 "invalid label name, metric name, no name, repeated label, bad UTF-8, NUL: counted"
is "$(metric remote_writed_series_too_many_labels_total)" 1 "a huge label set: counted"
is "$(metric remote_writed_samples_out_of_bounds_total)" 1 "a timestamp beyond 2^53 ms: dropped, counted"
ok "refused series logged with the first one" grep -q 'POST /api/v1/write 204 samples=2 series=2 invalid=6 too_many_labels=1 out_of_bounds=1 (first: invalid label: {__name__=m,bad-name=x})' "$T/a.err"

# whole requests that are wrong: 400, nothing written
n0=$(wc -l <"$T/a.out")
for m in proto-garbage framed not-snappy truncated; do
	r=$($SEND "$URL/api/v1/write" "$T/good.json" --mode $m)
	is "${r%% *}" 400 "$m: 400"
done
ok "framing named" grep -q '400.*snappy framing format' "$T/a.err"
is "$(wc -l <"$T/a.out")" "$n0" "nothing of a refused request written"
is "$(curl -s "$URL/metrics" | grep -c 'remote_writed_requests_malformed_total{reason="snappy"} 3')" 1 "snappy errors counted"
is "$(curl -s "$URL/metrics" | grep -c 'remote_writed_requests_malformed_total{reason="protobuf"} 1')" 1 "protobuf errors counted"
r=$($SEND "$URL/api/v1/write" "$T/good.json" --mode none)
is "${r%% *}" 204 "no Content-Encoding: still snappy (as Prometheus's receiver)"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Encoding: gzip' --data-binary x "$URL/api/v1/write")" 415 "Content-Encoding gzip: 415"
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/write")" 405 "GET /api/v1/write: 405"
is "$(curl -s "$URL/healthz")" ok "/healthz: ok"
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/nope")" 404 "unknown path: 404"

# limits and auth
printf 's3cret-token-for-tests\n' >"$T/tok"
start_rwd b --token-file "$T/tok" --max-body 2k
r=$($SEND "$URL/api/v1/write" "$T/good.json")
is "${r%% *}" 401 "no token: 401"
r=$($SEND "$URL/api/v1/write" "$T/good.json" --token wrong)
is "${r%% *}" 401 "wrong token: 401"
r=$($SEND "$URL/api/v1/write" "$T/good.json" --token s3cret-token-for-tests)
is "${r%% *}" 204 "right token: 204"
python3 -c '
import json
print(json.dumps({"timeseries": [{"labels": [["__name__", "m"], ["i", str(i)]], "samples": [[i, 1773151200000]]} for i in range(300)]}))' >"$T/big.json"
r=$($SEND "$URL/api/v1/write" "$T/big.json" --token s3cret-token-for-tests)
is "${r%% *}" 413 "body over --max-body: 413"
nok "the token never in the log" grep -q s3cret "$T/b.err"

# standard output that cannot keep up: 503 after --write-wait, and the
# stuck request answered 204 once its points are through
mkfifo "$T/fifo"
sleep 30 >"$T/fifo" &
holder=$!
pids="$pids $holder"
remote-writed --listen 0 -q --write-wait 300ms >"$T/fifo" 2>"$T/c.err" &
c=$!
pids="$pids $c"
exec 7<"$T/fifo"	# a reader that does not read yet
port=$(wait_port "$T/c.err" $c)
URL=http://127.0.0.1:$port
python3 -c '
import json
print(json.dumps({"timeseries": [{"labels": [["__name__", "fill_the_pipe"], ["i", str(i)]], "samples": [[i, 1773151200000]]} for i in range(3000)]}))' >"$T/fill.json"
$SEND "$URL/api/v1/write" "$T/fill.json" >"$T/first" &
first=$!
sleep 0.5
r=$($SEND "$URL/api/v1/write" "$T/good.json")
is "${r%% *}" 503 "output blocked: the next request gets 503 (Prometheus retries)"
cat <&7 >"$T/c.out" &
reader=$!
wait $first
is "$(cat "$T/first")" "204 " "the blocked request answered 204 once written"
kill $c; wait $c 2>/dev/null
exec 7<&-
kill $holder 2>/dev/null; wait $reader 2>/dev/null
is "$(grep -c fill_the_pipe "$T/c.out")" 3000 "every point of it written"

# a reader that went away: 500, then 503 and unhealthy, then exit 75
mkfifo "$T/fifo2"
head -c 1 <"$T/fifo2" >/dev/null &
remote-writed --listen 0 -q >"$T/fifo2" 2>"$T/d.err" &
d=$!
port=$(wait_port "$T/d.err" $d)
URL=http://127.0.0.1:$port
r1=$($SEND "$URL/api/v1/write" "$T/fill.json")
r2=$($SEND "$URL/api/v1/write" "$T/good.json")
is "${r1%% *}/$(echo "${r2%% *}" | sed 's/^000$/503/')" "500/503" "after the reader is gone: 500, then 503 or refused, never 2xx"
wait $d
is "$?" 75 "then it exits 75"
ok "the write error said" grep -q 'write standard output' "$T/d.err"

# SIGTERM: stops cleanly
start_rwd e -q
kill -TERM $pid
wait $pid
is "$?" 0 "SIGTERM: exit 0"
remote-writed --bogus 2>/dev/null
is "$?" 64 "unknown option: 64"
remote-writed --help | grep -q -- '--write-wait'
is "$?" 0 "--help lists the options"
done_testing
