#!/bin/sh
# remote-writed with the real peer: a real Prometheus (Debian package
# prometheus) scrapes the fake exporter through a file_sd file every 500 ms
# and remote-writes to remote-writed; every point received equals a sample
# in Prometheus's own TSDB (names, labels, values, timestamps), and the
# other way round.
. "$(dirname "$0")/lib.sh"

PROM=$(command -v prometheus) || skip_all "prometheus is not installed (scripts/install-deps)"
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=
trap 'for p in $pids; do kill $p 2>/dev/null; done; wait 2>/dev/null; [ -n "${KEEP:-}" ] || _cleanup' EXIT

python3 "$TOP/t/fakes/fake-exporter.py" --clusters 2 --per 2 --series 6 --ports 2 \
	--targets-out "$T/targets.json" 2>"$T/fake.err" &
pids="$pids $!"
for i in $(seq 100); do grep -q ready "$T/fake.err" 2>/dev/null && break; sleep 0.1; done

remote-writed --listen 0 -q >"$T/points" 2>"$T/rwd.err" &
rwd=$!
pids="$pids $rwd"
rport=$(wait_port "$T/rwd.err" $rwd)
ok "remote-writed listening" test -n "$rport"

pport=$(freeport)
cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 500ms
  scrape_timeout: 400ms
scrape_configs:
  - job_name: fleet
    file_sd_configs:
      - files: ['$T/live.json']
        refresh_interval: 1s
remote_write:
  - url: http://127.0.0.1:$rport/api/v1/write
    queue_config:
      batch_send_deadline: 200ms
      min_backoff: 100ms
    metadata_config:
      send_interval: 1s
EOF
cp "$T/targets.json" "$T/live.json"
"$PROM" --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
	--web.listen-address="127.0.0.1:$pport" --log.level=warn 2>"$T/prom.err" &
prom=$!
pids="$pids $prom"
for i in $(seq 100); do curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null && break; sleep 0.2; done
ok "prometheus ready" sh -c "curl -sf http://127.0.0.1:$pport/-/ready >/dev/null"

q() { curl -s "http://127.0.0.1:$pport/api/v1/$1"; }
# Prometheus applies discovered targets every 5 s: wait for 6 rounds of all 4
for i in $(seq 60); do
	n=$(q 'query?query=min(count_over_time(up%5B1m%5D))%20and%20count(up)%3D%3D4' |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
	[ "$n" -ge 6 ] 2>/dev/null && break
	sleep 0.5
done
# stop scraping (an empty target list), then wait until the receiver has it all
echo '[]' >"$T/live.json.tmp" && mv "$T/live.json.tmp" "$T/live.json"
compare() {
	q 'query?query=%7B__name__%3D~%22.%2B%22%7D%5B10m%5D' >"$T/tsdb.json"
	python3 - "$T/tsdb.json" "$T/points" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["data"]["result"]
want = set()
for s in r:
    m = dict(s["metric"]); name = m.pop("__name__")
    for ts, v in s["values"]:
        want.add((name, tuple(sorted(m.items())), int(round(float(ts) * 1000)), float(v)))
got = set()
for l in open(sys.argv[2]):
    p = json.loads(l)
    v = p["value"]
    got.add((p["name"], tuple(sorted(p["labels"].items())), p["ts"], float(v)))
print(len(want), len(got), len(want - got), len(got - want))
PY
}
# done when the two agree twice in a row, 1 s apart, with no scraping left
last=
for i in $(seq 40); do
	sleep 1
	set -- $(compare)
	[ "$1" -gt 0 ] && [ "$3" = 0 ] && [ "$4" = 0 ] && [ "$*" = "$last" ] && break
	last="$*"
done
diag "tsdb samples $1, points received $2, missing $3, extra $4"
ok "Prometheus scraped (more than 4 rounds of 4 targets)" test "$1" -gt 200
is "$3" 0 "every sample in Prometheus's TSDB was received as a point"
is "$4" 0 "every point received is a sample in Prometheus's TSDB"
is "$(grep -c '"name":"up","labels":{"cluster_id":"c-00[01]","instance":"127.0.0.1:[0-9]*","job":"fleet","role":"t[01]"}' "$T/points")" \
	"$(grep -c '"name":"up"' "$T/points")" "up series with the file_sd labels, instance and job"
ok "counters typed from metadata or name" grep -q '"name":"starrocks_be_fake_total",.*"type":"counter"' "$T/points"
ok "histogram buckets carry le" grep -q '"name":"starrocks_be_fake_seconds_bucket","labels":{.*"le":"+Inf".*"type":"histogram","le":"+Inf"}' "$T/points"
ok "gauges" grep -q '"name":"starrocks_be_fake_gauge",.*"type":"gauge"' "$T/points"
ok "Prometheus reports no failed sends" sh -c "curl -s http://127.0.0.1:$pport/metrics | grep -q '^prometheus_remote_storage_samples_failed_total{.*} 0$'"
is "$(grep -c 'POST /api/v1/write [^2]' "$T/rwd.err")" 0 "no request refused"
ok "the stale markers of the removed targets dropped and counted" test "$(curl -s "http://127.0.0.1:$rport/metrics" | awk '$1 == "remote_writed_samples_stale_total" { print $2 }')" -gt 0
kill $prom; wait $prom 2>/dev/null
kill -TERM $rwd; wait $rwd
is "$?" 0 "remote-writed stops cleanly"
done_testing
