#!/usr/bin/env bash
# srwatch-metrics, the fleet pipeline of srwatch(7) DEPLOYMENT and
# srwatch-metrics.service: every target of a file_sd file scraped, raw points
# stored while it runs, and a stop as systemd does it (SIGTERM to the main
# process, KillMode=mixed) loses nothing the scraper read: every `up` point
# printed is in metrics.metrics_table after the pipeline exits.
. "$(dirname "$0")/lib.sh"
need_db
FAKE=$TOP/t/fakes/fake-exporter.py
python3 "$FAKE" --clusters 3 --per 2 --series 5 --ports 1 --targets-out "$T/fleet.json" 2>"$T/fake.err" &
fake=$!
trap 'kill $fake $mp 2>/dev/null; _cleanup' EXIT
for i in $(seq 100); do grep -q ready "$T/fake.err" 2>/dev/null && break; sleep 0.1; done
ok "the fake exporter is up" grep -q ready "$T/fake.err"
clusters="cluster_id IN ('c-000','c-001','c-002')"
sql "DELETE FROM metrics.metrics_table WHERE labels LIKE '%\"cluster_id\":\"c-00%'"
count() { sql "SELECT COUNT(*) FROM metrics.metrics_table WHERE name = 'up' AND labels LIKE '%\"cluster_id\":\"c-00%'"; }

SRW_TARGETS=$T/fleet.json SRW_INTERVAL=1s SRW_STATE_DIR=$T/state \
	srwatch-metrics >"$T/mp.out" 2>"$T/mp.err" &
mp=$!
for i in $(seq 100); do [ "$(count)" -ge 6 ] && break; sleep 0.1; done
ok "raw points are stored while the pipeline runs (one round within 10 s)" test "$(count)" -ge 6
sleep 3
stop=$(date +%s%3N)
kill -TERM $mp
wait $mp; rc=$?
is "$rc" 0 "a stop (SIGTERM) ends the pipeline with status 0"
# rounds are spread over the interval, a target at a time: per target, the
# rounds stored must run without a gap up to the stop (the last one read
# before SIGTERM included)
sql "SELECT labels, ts FROM metrics.metrics_table WHERE name = 'up' AND labels LIKE '%\"cluster_id\":\"c-00%' ORDER BY labels, ts" >"$T/ups"
python3 - "$T/ups" "$stop" >"$T/gaps" <<'PY'
import sys, collections
stop = int(sys.argv[2]); by = collections.defaultdict(list)
for l in open(sys.argv[1]):
    k, ts = l.rstrip("\n").split("\t"); by[k].append(int(ts))
print(len(by))
for k, v in by.items():
    gaps = [b - a for a, b in zip(v, v[1:]) if b - a > 1600]
    if gaps or stop - v[-1] > 1600 or len(v) < 3:
        print("target %s: %d rounds, gaps %s, last %d ms before the stop" % (k, len(v), gaps, stop - v[-1]))
PY
is "$(head -1 "$T/gaps")" 6 "every target's rounds are stored"
is "$(tail -n +2 "$T/gaps")" "" "no round missing, none lost at the stop (the last within one interval of it)"
ok "rollups were stored too" test "$(sql "SELECT COUNT(*) FROM metrics.metrics_rollup WHERE name = 'up' AND labels LIKE '%c-00%'")" -gt 0
ok "nothing on stderr but the tools' summaries" sh -c "! grep -v 'rows read\|scrape:\|rollup:' '$T/mp.err' | grep -q ."
sed 's/^/# /' "$T/mp.err" | head -5
SRW_TARGETS=$T/none.json srwatch-metrics 2>"$T/err"; is "$?" 64 "no targets file: exit 64"
done_testing
