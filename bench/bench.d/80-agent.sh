# sentinel and investigate: sentinel over a fleet of BENCH_CLUSTERS (10000)
# clusters (two risk snapshots each, profiles, 50000 alert rows in the last
# hour) from the database and from a bundle; the rule-based investigator on
# 200 tasks; Knowledge Lake load and search over 2000 documents per mode.
# Targets: sentinel over 10000 clusters < 2 s; a search (index built from
# the database each run) < 1 s.  The rules' rate is printed with the mean
# time of each tool call (query_cluster_alerts reads alerts.alert_sections,
# filled by alert-sections; 85-investigate-fleet.sh has issue 23's goals).
set -euo pipefail
N=${BENCH_CLUSTERS:-10000}
out=$BENCH_OUT/agent
mkdir -p "$out"
db=$out/db
eval "$(testdb start "$db")"
trap 'testdb stop "$db" >/dev/null' EXIT
my() { mariadb --no-defaults -uroot -S "$STARROCKS_SOCKET" -N -B -e "$1"; }
NOW='2026-03-10 12:00:00'
timed() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); python3 -c "print('%.3f' % max($e - $s, 1e-6))"; }

python3 - "$N" "$out" <<'PY'
import sys, random, json
n, out = int(sys.argv[1]), sys.argv[2]
random.seed(8)
risk = lambda s: "Critical" if s < 50 else "Warning" if s < 80 else "Healthy"
with open(out + "/seed.sql", "w") as f, open(out + "/bundle.ndjson", "w") as b:
    f.write("TRUNCATE ops.cluster_risk_snapshots; TRUNCATE ops.dim_customer_profile; TRUNCATE alerts.lark_alerts; TRUNCATE agent.tasks;\n")
    for i in range(0, n, 1000):
        snaps, profs = [], []
        for c in range(i, min(n, i + 1000)):
            cid = "c-%06x" % c
            s1, s0 = random.uniform(20, 100), random.uniform(20, 100)
            tier = "SABCC"[c % 5]
            for at, s in (("2026-03-10 11:45:00", s1), ("2026-03-10 11:30:00", s0)):
                snaps.append("('%s','%s',%.1f,'%s','%s')" % (cid, at, s, risk(s), tier))
                b.write(json.dumps({"cluster_id": cid, "snapshot_at": at, "score": round(s, 1), "risk_level": risk(s), "tier": tier}) + "\n")
            profs.append("('%s','prod-%d','acct-%d','%s','3.%d.%d')" % (cid, c, c % 700, tier, c % 3, c % 12))
            b.write(json.dumps({"cluster_id": cid, "cluster_name": "prod-%d" % c, "account_name": "acct-%d" % (c % 700), "tier": tier}) + "\n")
        f.write("INSERT INTO ops.cluster_risk_snapshots (cluster_id, snapshot_at, score, risk_level, tier) VALUES %s;\n" % ",".join(snaps))
        f.write("INSERT INTO ops.dim_customer_profile (cluster_id, cluster_name, account_name, tier, sr_version) VALUES %s;\n" % ",".join(profs))
    rows = []
    for a in range(5 * n):
        cid = "c-%06x" % random.randrange(n)
        rows.append("('bm-%d-f','2026-03-10 11:%02d:00','%s','Firing','BeAliveAbnormal')" % (a, random.randrange(60), cid))
        b.write(json.dumps({"message_id": "bm-%d-f" % a, "created_at": "2026-03-10 11:%02d:00" % random.randrange(60), "cluster_id": cid, "alert_status": "Firing", "alert_name": "BeAliveAbnormal"}) + "\n")
        if len(rows) == 2000:
            f.write("INSERT INTO alerts.lark_alerts (message_id, created_at, cluster_id, alert_status, alert_name) VALUES %s;\n" % ",".join(rows))
            rows = []
    if rows:
        f.write("INSERT INTO alerts.lark_alerts (message_id, created_at, cluster_id, alert_status, alert_name) VALUES %s;\n" % ",".join(rows))
PY
my "source $out/seed.sql"
alert-sections --all 2>/dev/null	# query_cluster_alerts reads the sections

t_db=$(timed /usr/bin/time -f '%M' -o "$out/rss.db" sentinel --dry-run --max 1000000 --now "$NOW")
t_bundle=$(timed /usr/bin/time -f '%M' -o "$out/rss.bundle" sentinel --dry-run --max 1000000 --now "$NOW" "$out/bundle.ndjson")
tasks=$(sentinel --dry-run --max 1000000 --now "$NOW" | wc -l)
printf 'sentinel, %d clusters, database : %6.3f s  %6.1f MiB  (%d tasks; target < 2 s) %s\n' "$N" "$t_db" \
	"$(echo "$(tail -1 "$out/rss.db") / 1024" | bc -l)" "$tasks" "$(python3 -c "print('ok' if $t_db < 2 else 'MISS')")"
printf 'sentinel, %d clusters, bundle   : %6.3f s  %6.1f MiB\n' "$N" "$t_bundle" "$(echo "$(tail -1 "$out/rss.bundle") / 1024" | bc -l)"

investigate kb-load share/kb 2>/dev/null
sentinel --dry-run --max 200 --now "$NOW" >"$out/tasks.ndjson"
s=$(date +%s.%N)
investigate --offline --dry-run --now "$NOW" "$out/tasks.ndjson" >"$out/reports.ndjson"
t_rules=$(python3 -c "print($(date +%s.%N) - $s)")
python3 - "$t_rules" "$out/reports.ndjson" <<'PY'
import json, sys, collections
t = float(sys.argv[1])
ms = collections.defaultdict(list)
for l in open(sys.argv[2]):
    for c in json.loads(l)["tool_calls"]:
        ms[c["name"]].append(c["ms"])
print("investigate --offline, 200 tasks : %6.3f s  %.1f investigations/s" % (t, 200 / t))
print("  mean ms per call: " + ", ".join("%s %.1f" % (k, sum(v) / len(v)) for k, v in ms.items()))
PY

# the Knowledge Lake: 2000 documents made from the starter base
rm -rf "$out/kb" && mkdir -p "$out/kb"
python3 - share/kb "$out/kb" <<'PY'
import os, sys, random
src, dst = sys.argv[1], sys.argv[2]
docs = []
for root, _, files in os.walk(src):
    docs += [open(os.path.join(root, f)).read() for f in files if f.endswith(".md") and f != "README.md"]
random.seed(8)
words = " ".join(docs).split()
for i in range(2000):
    d = docs[i % len(docs)].replace('title: "', 'title: "#%d ' % i, 1)
    d += "\n" + " ".join(random.choice(words) for _ in range(150)) + "\n"
    open(os.path.join(dst, "doc%04d.md" % i), "w").write(d)
PY
t_load=$(timed investigate kb-load "$out/kb")
printf 'kb-load, 2000 documents          : %6.3f s\n' "$t_load"
for m in fulltext vector hybrid; do
	t=$(timed investigate search --mode $m 'BE down after upgrade be.conf')
	printf 'search --mode %-8s (2026 docs)  : %6.3f s  (index built per run; target < 1 s) %s\n' "$m" "$t" "$(python3 -c "print('ok' if $t < 1 else 'MISS')")"
done
