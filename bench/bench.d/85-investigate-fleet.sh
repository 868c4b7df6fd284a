# investigate at fleet size (issue 23): BENCH_CLUSTERS (10000) clusters with
# profiles, risk snapshots, 24 hourly snapshots of 6 dimensions, operations
# and past findings; alert cards (1-3 sections each, pipe-joined) at
# BENCH_CARDS_PER_DAY (3000) a day, first for 36.5 days, then for a year
# (10x the rows).  Measured, each on a warm server, the same 200 tasks:
#   - 200 offline investigations: rate (goal >= 50/s)
#   - every tool call there, per tool: mean, p95 (goal <= 5 ms), p99, max
#   - query_cluster_alerts through alerts.alert_sections (index range) vs the
#     scan of the cards it replaced (alerts.alert_sections renamed away: the
#     fallback), at 1x and 10x.  Wall times move with the load of this
#     shared machine, so "flat" is judged on the server's work: the rows
#     the storage engine reads (Handler_read_*) for the tool's query over
#     the 200 clusters, deterministic, at 1x and 10x (goal: within 1.5x),
#     with the wall time at 10x <= 5 ms.  A year of history does not touch
#     the scan either (it reads the 24-hour window by idx_created); what the
#     scan pays for is the window's cards of every cluster, so a last stage
#     adds 10x the day's cards on other clusters: the index reads the same
#     rows, the scan 10x.
#   - alert-sections --all: sections written per second
# Each measurement runs twice, alternating index and scan; min and median
# of the per-call means are printed.
set -euo pipefail
N=${BENCH_CLUSTERS:-10000}
PER_DAY=${BENCH_CARDS_PER_DAY:-3000}
out=$BENCH_OUT/investigate-fleet
mkdir -p "$out"
db=$out/db
eval "$(testdb start "$db")"
trap 'testdb stop "$db" >/dev/null' EXIT
my() { mariadb --no-defaults -uroot -S "$STARROCKS_SOCKET" -N -B -e "$1"; }
NOW='2026-03-10 12:00:00'
unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL KNOWLEDGE_LAKE_URL INVESTIGATE_EMBED_URL

# the world, without alerts
python3 - "$N" "$out" <<'PY'
import sys, random, datetime as dt
n, out = int(sys.argv[1]), sys.argv[2]
random.seed(23)
now = dt.datetime(2026, 3, 10, 12)
risk = lambda s: "Critical" if s < 50 else "Warning" if s < 80 else "Healthy"
dims = [("starrocks_be_cpu_util_percent", 40), ("starrocks_be_jvm_heap_used_percent", 55),
        ("starrocks_be_disks_data_used_pct", 60), ("starrocks_be_compaction_score_average", 80),
        ("starrocks_fe_query_latency_ms_p99", 2000), ("starrocks_fe_query_err", 0.2)]
with open(out + "/world.sql", "w") as f:
    for t in ("ops.cluster_risk_snapshots", "ops.dim_customer_profile", "alerts.lark_alerts",
              "alerts.alert_sections", "metrics.amv_hourly_snapshots_v1", "ops.cluster_operations",
              "agent.memory", "agent.tasks"):
        f.write("TRUNCATE %s;\n" % t)
    for i in range(0, n, 500):
        snaps, profs, hours, ops, mem = [], [], [], [], []
        for c in range(i, min(n, i + 500)):
            cid = "c-%06x" % c
            tier = "SABCC"[c % 5]
            for at in ("2026-03-10 11:45:00", "2026-03-10 11:30:00"):
                s = random.uniform(20, 100)
                snaps.append("('%s','%s',%.1f,'%s','%s')" % (cid, at, s, risk(s), tier))
            profs.append("('%s','prod-%d','acct-%d','%s','3.%d.%d')" % (cid, c, c % 700, tier, c % 3, c % 12))
            for m, base in dims:
                v = base * random.uniform(0.5, 1.6)
                for h in range(24):
                    t = now - dt.timedelta(hours=24 - h)
                    x = v * random.uniform(0.95, 1.05)
                    hours.append("('%s','%s','%s',%.3f,%.3f,%.3f,60)" % (cid, m, t.strftime("%Y-%m-%d %H:%M:%S"), x, x * 0.9, x * 1.1))
            if c % 10 == 0:
                t = now - dt.timedelta(minutes=random.randrange(72 * 60))
                ops.append("('%s','%s','UPDATE','SUCCESS','platform','upgrade',600)" % (cid, t.strftime("%Y-%m-%d %H:%M:%S")))
            if c % 5 == 0:
                mem.append("('past-%s','%s','2026-03-03 10:00:00','Warning',0.7,'BE data disks filling up','rules')" % (cid, cid))
        f.write("INSERT INTO ops.cluster_risk_snapshots (cluster_id, snapshot_at, score, risk_level, tier) VALUES %s;\n" % ",".join(snaps))
        f.write("INSERT INTO ops.dim_customer_profile (cluster_id, cluster_name, account_name, tier, sr_version) VALUES %s;\n" % ",".join(profs))
        f.write("INSERT INTO metrics.amv_hourly_snapshots_v1 (cluster_id, metric, hour, avg_value, min_value, max_value, samples) VALUES %s;\n" % ",".join(hours))
        if ops:
            f.write("INSERT INTO ops.cluster_operations (cluster_id, ts, op, status, operator, detail, duration_s) VALUES %s;\n" % ",".join(ops))
        if mem:
            f.write("INSERT INTO agent.memory (task_id, cluster_id, created_at, severity, confidence, root_cause, model) VALUES %s;\n" % ",".join(mem))
# the tasks: 200 clusters, the same in every run
with open(out + "/tasks.ndjson", "w") as f:
    for k, c in enumerate(random.sample(range(n), 200)):
        f.write('{"task_id":"bench-%d","cluster_id":"c-%06x","reason":"bench"}\n' % (k, c))
PY
# alert cards of the days [d0, d1) before now: 1-3 sections, random clusters
cards() {
	python3 - "$N" "$PER_DAY" "$1" "$2" "$3" "${4:-}" <<'PY'
import sys, random, datetime as dt, json
n, per_day, d0, d1, path = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
# a storm elsewhere: other clusters than the tasks', at 9 times the rate
skip = {json.loads(l)["cluster_id"] for l in open(sys.argv[6])} if sys.argv[6] else set()
if skip:
    per_day *= 9
random.seed(int(d0 * 10) + 7 + len(skip))
now = dt.datetime(2026, 3, 10, 12)
names = ["BeAliveAbnormal", "BEDiskUsageHigh", "FEHeapUsageTooHigh", "FEGCCount", "QueryLatencyP99High",
         "FEMaxTabletCompaction", "LoadJobFailed", "MVRefreshFailed"]
total = int(per_day * (d1 - d0))
with open(path, "w") as f:
    rows = []
    for k in range(total):
        at = now - dt.timedelta(seconds=random.uniform(d0 * 86400, d1 * 86400))
        ns = random.choice((1, 1, 1, 2, 3))
        cids = ["c-%06x" % random.randrange(n) for _ in range(ns)]
        while skip and any(c in skip for c in cids):
            cids = ["c-%06x" % random.randrange(n) for _ in range(ns)]
        st = random.choice(("Firing", "Firing", "Resolved"))
        rows.append("('bm-%d-%d-%s','%s','%s','%s','%s','%s','%s','%s','lark')" % (
            int(d0) + (1000 if skip else 0), k, st[0].lower(), at.strftime("%Y-%m-%d %H:%M:%S"), "|".join("prod-" + c for c in cids),
            "|".join("acct-x" for _ in cids), "|".join(cids), st, "|".join(random.choice(names) for _ in cids),
            "|".join("detail of the alert on a node, value over the threshold" for _ in cids)))
        if len(rows) == 2000:
            f.write("INSERT INTO alerts.lark_alerts (message_id, created_at, cluster_name, account_name, cluster_id, alert_status, alert_name, alert_detail, source) VALUES %s;\n" % ",".join(rows))
            rows = []
    if rows:
        f.write("INSERT INTO alerts.lark_alerts (message_id, created_at, cluster_name, account_name, cluster_id, alert_status, alert_name, alert_detail, source) VALUES %s;\n" % ",".join(rows))
PY
}
t0=$(date +%s.%N)
my "source $out/world.sql"
investigate kb-load share/kb 2>/dev/null
cards 0 36.5 "$out/cards1.sql"
my "source $out/cards1.sql"
printf 'world: %d clusters, %s hourly snapshot rows, %s cards (36.5 days) loaded in %.0f s\n' "$N" \
	"$(my 'SELECT COUNT(*) FROM metrics.amv_hourly_snapshots_v1')" "$(my 'SELECT COUNT(*) FROM alerts.lark_alerts')" \
	"$(python3 -c "print($(date +%s.%N) - $t0)")"

sections() {
	local s e
	s=$(date +%s.%N)
	alert-sections --all "$@"
	e=$(date +%s.%N)
	python3 -c "print('%.2f' % ($e - $s))"
}

# the rows the server reads for the tool's two query shapes over the tasks'
# clusters (Handler_read_* of the session, less a baseline), one session
reads() {
	python3 - "$out/tasks.ndjson" "$NOW" >"$out/reads.sql" <<'PY'
import json, sys
now = sys.argv[2]
print("SET @s = 0;")
for l in open(sys.argv[1]):
    c = json.loads(l)["cluster_id"]
    w = "created_at >= '2026-03-09 12:00:00' AND created_at <= '%s'" % now
    for shape, q in (("index", "SELECT created_at, alert_status, alert_name, alert_detail FROM alerts.alert_sections WHERE cluster_id = '%s' AND %s ORDER BY created_at DESC, section_id LIMIT 5000" % (c, w)),
                     ("scan", "SELECT message_id FROM alerts.lark_alerts WHERE %s AND cluster_id LIKE '%%%s%%' ORDER BY created_at DESC LIMIT 5000" % (w, c)),
                     ("base", "SELECT 1")):
        print("FLUSH STATUS;")
        print("SELECT COUNT(*) FROM (%s) x;" % q)
        print("SELECT '%s', SUM(VARIABLE_VALUE) FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME LIKE 'HANDLER\\_READ\\_%%';" % shape)
PY
	my "source $out/reads.sql" | awk -v tag="$1" '$1 == "index" || $1 == "scan" || $1 == "base" { n[$1] += $2; k[$1]++ }
		END { printf "{\"size\": \"%s\", \"index\": %d, \"scan\": %d, \"base\": %d, \"n\": %d}\n", tag, n["index"], n["scan"], n["base"], k["base"] }' >>"$out/reads.ndjson"
}

# one run of the 200 tasks (or the file $2): rate, and per tool mean/p99/max in microseconds
run() {
	local s e
	s=$(date +%s.%N)
	investigate --offline --dry-run --now "$NOW" "${2:-$out/tasks.ndjson}" >"$out/reports.$1.ndjson" 2>"$out/err.$1"
	e=$(date +%s.%N)
	python3 - "$1" "$(python3 -c "print($e - $s)")" "$out/reports.$1.ndjson" >>"$out/runs.ndjson" <<'PY'
import json, sys
name, t, path = sys.argv[1], float(sys.argv[2]), sys.argv[3]
us = {}
n = 0
for l in open(path):
    n += 1
    for c in json.loads(l)["tool_calls"]:
        us.setdefault(c["name"], []).append(c["us"])
print(json.dumps({"run": name, "seconds": t, "reports": n, "us": us}))
PY
}

: >"$out/runs.ndjson"
: >"$out/reads.ndjson"
t_sec1=$(sections)
secs1=$(my 'SELECT COUNT(*) FROM alerts.alert_sections')
run warmup
reads 1x
for k in 1 2; do
	run index1
	my "RENAME TABLE alerts.alert_sections TO alerts.alert_sections_away"
	run scan1
	my "RENAME TABLE alerts.alert_sections_away TO alerts.alert_sections"
done

# 10x: the rest of the year
cards 36.5 365 "$out/cards10.sql"
my "source $out/cards10.sql"
t_sec10=$(sections)
secs10=$(my 'SELECT COUNT(*) FROM alerts.alert_sections')
run warmup10
reads 10x
for k in 1 2; do
	run index10
	my "RENAME TABLE alerts.alert_sections TO alerts.alert_sections_away"
	run scan10
	my "RENAME TABLE alerts.alert_sections_away TO alerts.alert_sections"
done

# a storm elsewhere: the last day's cards 10x, all on other clusters than
# the tasks' (the window a lookup reads grows; the clusters' own alerts not)
cards 0 1 "$out/storm.sql" "$out/tasks.ndjson"
my "source $out/storm.sql"
alert-sections --since 2d --now "$NOW"
reads storm
run indexstorm
# the scan now reads 10x the window per call (about 0.4 s here): 20 tasks
head -20 "$out/tasks.ndjson" >"$out/tasks20.ndjson"
my "RENAME TABLE alerts.alert_sections TO alerts.alert_sections_away"
run scanstorm "$out/tasks20.ndjson"
my "RENAME TABLE alerts.alert_sections_away TO alerts.alert_sections"

python3 - "$out/runs.ndjson" "$secs1" "$t_sec1" "$secs10" "$t_sec10" "$(my 'SELECT COUNT(*) FROM alerts.lark_alerts')" "$out/reads.ndjson" <<'PY'
import json, sys, statistics as st
runs = [json.loads(l) for l in open(sys.argv[1])]
secs1, t1, secs10, t10, cards10 = int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
reads = {r["size"]: r for r in (json.loads(l) for l in open(sys.argv[7]))}
def of(name):
    return [r for r in runs if r["run"] == name]
def mean(r, tool):
    v = r["us"].get(tool, [])
    return sum(v) / len(v) / 1000 if v else 0
verdict = lambda c: "ok" if c else "MISSED"
print("alert-sections --all: %d sections in %.1f s (%.0f/s); after 10x: %d sections (%d cards) in %.1f s (%.0f/s)"
      % (secs1, t1, secs1 / t1, secs10, cards10, t10, secs10 / t10))
rates = [r["reports"] / r["seconds"] for r in of("index10")]
print("investigate --offline, 200 tasks, a year of alerts: %.1f investigations/s (min %.1f, median %.1f; goal >= 50/s) %s"
      % (max(rates), min(rates), st.median(rates), verdict(max(rates) >= 50)))
calls = {}
for r in of("index10"):
    for k, v in r["us"].items():
        calls.setdefault(k, []).extend(v)
worst = 0
for k, v in sorted(calls.items()):
    v = sorted(v)
    q = lambda p: v[min(len(v) - 1, int(len(v) * p))] / 1000
    worst = max(worst, q(0.95))
    print("  %-26s %4d calls  mean %6.2f ms  p95 %6.2f ms  p99 %6.2f ms  max %6.2f ms"
          % (k, len(v), sum(v) / len(v) / 1000, q(0.95), q(0.99), v[-1] / 1000))
print("every tool call <= 5 ms (p95 of each tool; the max is this shared machine's load): worst p95 %.2f ms %s"
      % (worst, verdict(worst <= 5)))
A = "query_cluster_alerts"
res = {}
for name in ("index1", "scan1", "index10", "scan10"):
    m = [mean(r, A) for r in of(name)]
    ctl = [mean(r, "query_cluster_operations") for r in of(name)]
    res[name] = min(m)
    print("  %-8s %s mean per call: min %7.2f ms  median %7.2f ms  (control, query_cluster_operations: %.2f ms)"
          % (name, A, min(m), st.median(m), min(ctl)))
r1, r10 = reads["1x"], reads["10x"]
per = lambda r, k: (r[k] - r["base"]) / r["n"]
flat = per(r10, "index") / per(r1, "index") if per(r1, "index") else 0
print("rows read by the server per lookup (Handler_read_*): index %.1f -> %.1f (x%.2f), scan %.0f -> %.0f (x%.2f)"
      % (per(r1, "index"), per(r10, "index"), flat, per(r1, "scan"), per(r10, "scan"),
         per(r10, "scan") / per(r1, "scan") if per(r1, "scan") else 0))
print("%s as the alert table grows 10x (a year): reads x%.2f, wall %.2f -> %.2f ms (scan %.2f -> %.2f ms); flat (reads <= x1.5, <= 5 ms) %s"
      % (A, flat, res["index1"], res["index10"], res["scan1"], res["scan10"], verdict(flat <= 1.5 and res["index10"] <= 5)))
rs = reads["storm"]
ist = [mean(r, A) for r in of("indexstorm")]
sst = [mean(r, A) for r in of("scanstorm")]
fs = per(rs, "index") / per(r10, "index") if per(r10, "index") else 0
print("%s with 10x the last day's cards on other clusters: index reads %.1f -> %.1f (x%.2f), %.2f ms; scan reads %.0f -> %.0f (x%.2f), %.2f ms; flat %s"
      % (A, per(r10, "index"), per(rs, "index"), fs, min(ist), per(r10, "scan"), per(rs, "scan"),
         per(rs, "scan") / per(r10, "scan") if per(r10, "scan") else 0, min(sst), verdict(fs <= 1.5 and min(ist) <= 5)))
PY
