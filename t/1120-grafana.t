#!/bin/sh
# contrib/grafana: the dashboards are valid JSON with the uids and links the
# board and people use, the JSON is what gen.py writes, and every panel's
# SQL (Grafana's MySQL macros expanded as Grafana expands them) runs on the
# real schema and returns the rows it is meant to show.
. "$(dirname "$0")/lib.sh"
need_db
command -v python3 >/dev/null 2>&1 || skip_all "no python3"
G=$TOP/contrib/grafana

mkdir -p "$T/gen" && cp "$G/gen.py" "$T/gen/" && python3 "$T/gen/gen.py"
check_same "srwatch-fleet.json is what gen.py writes" "$G/srwatch-fleet.json" "$T/gen/srwatch-fleet.json"
check_same "srwatch-cluster.json is what gen.py writes" "$G/srwatch-cluster.json" "$T/gen/srwatch-cluster.json"

is "$(python3 -c '
import json, sys
f = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
v = [x["name"] for x in c["templating"]["list"]]
links = [l["url"] for p in f["panels"] for o in p.get("fieldConfig", {}).get("overrides", [])
         for pr in o["properties"] if pr["id"] == "links" for l in pr["value"]]
print(f["uid"], c["uid"], ",".join(v), all(l.startswith("/d/srwatch-cluster/srwatch-cluster?var-cluster_id=") for l in links) and len(links) > 0)
' "$G/srwatch-fleet.json" "$G/srwatch-cluster.json")" "srwatch-fleet srwatch-cluster datasource,cluster_id True" \
	"uids, the cluster_id variable, fleet rows link to /d/srwatch-cluster/srwatch-cluster?var-cluster_id="

# a little data: two clusters scored twice, alerts (one row joining two
# clusters' sections), an open and a resolved issue
now=$(date -u +%s)
ago() { date -u -d "@$((now - $1))" '+%Y-%m-%d %H:%M:%S'; }
sql "DELETE FROM ops.cluster_health_scores WHERE cluster_id LIKE 'gf11-%';
DELETE FROM ops.cluster_risk_snapshots WHERE cluster_id LIKE 'gf11-%';
DELETE FROM alerts.lark_alerts WHERE message_id LIKE 'gtest%';
DELETE FROM ops.issues WHERE issue_id LIKE 'iss_gtest%';
INSERT INTO ops.cluster_health_scores (cluster_id, scored_at, hour, score, risk_level, tier, metric_score, alert_score, tier_score, dimensions, cpu_value, cpu_score, disk_value, disk_score, critical_alerts, top_factors) VALUES
 ('gf11-1', '$(ago 7200)', '$(ago 7200)', 91.5, 'Healthy', 'A', 95, 100, 62.5, 6, 40, 100, 50, 100, 0, '[]'),
 ('gf11-1', '$(ago 600)', '$(ago 600)', 42.0, 'Critical', 'A', 30, 40, 62.5, 6, 97, 5, 90, 20, 2, '[\"disk 90% (critical)\"]'),
 ('gf11-2', '$(ago 600)', '$(ago 600)', 70.0, 'Warning', 'B', 70, 75, 50, 6, 60, 70, 60, 80, 0, '[]');
INSERT INTO ops.cluster_risk_snapshots (cluster_id, snapshot_at, hour, score, risk_level) VALUES
 ('gf11-1', '$(ago 600)', '$(ago 600)', 42.0, 'Critical'), ('gf11-2', '$(ago 600)', '$(ago 600)', 70.0, 'Warning');
INSERT INTO alerts.lark_alerts (message_id, created_at, cluster_id, alert_status, alert_name, source) VALUES
 ('gtest1-f', '$(ago 3000)', 'gf11-1', 'Firing', 'BeAliveAbnormal', 'lark'),
 ('gtest2-f', '$(ago 2000)', 'gf11-2|gf11-1', 'Firing', 'DiskFull|DiskFull', 'lark'),
 ('gtest3-r', '$(ago 1000)', 'gf11-10', 'Resolved', 'BeAliveAbnormal', 'webhook');
INSERT INTO ops.issues (issue_id, cluster_id, kind, alert_names, first_seen, last_seen, severity, issue_status, resolved_at) VALUES
 ('iss_gtest1', 'gf11-1', 'FAILURE', 'BeAliveAbnormal', '$(ago 3000)', '$(ago 2000)', 'Critical', 'Ongoing', NULL),
 ('iss_gtest2', 'gf11-2', 'ANOMALY', 'DiskFull', '$(ago 9000)', '$(ago 8000)', 'Warning', 'Resolved', '$(ago 7000)');"

# Every rawSql with the macros expanded as Grafana's MySQL data source does
# (time range: the last day), cluster_id = gf11-1; "TITLE<TAB>rows" per panel.
python3 - "$G/srwatch-fleet.json" "$G/srwatch-cluster.json" "$now" >"$T/queries" <<'PY'
import json, re, sys
now = int(sys.argv[3]); frm = now - 86400
def expand(s):
    s = re.sub(r"\$__timeFilter\((\w+)\)", r"\1 BETWEEN FROM_UNIXTIME(%d) AND FROM_UNIXTIME(%d)" % (frm, now), s)
    def grp(m):
        n = {"1h": 3600, "1d": 86400}[m.group(2)]
        return 'UNIX_TIMESTAMP(%s) DIV %d * %d AS "time"' % (m.group(1), n, n)
    s = re.sub(r"\$__timeGroupAlias\((\w+), *(\w+)\)", grp, s)
    s = s.replace("$cluster_id", "gf11-1")
    assert "$" not in s.replace("$__", ""), s
    return s
for f in sys.argv[1:3]:
    d = json.load(open(f))
    qs = [(d["uid"] + ": " + p["title"], t["rawSql"]) for p in d["panels"] for t in p["targets"]]
    qs += [(d["uid"] + ": variable " + v["name"], v["query"]) for v in d["templating"]["list"] if v["type"] == "query"]
    for title, q in qs:
        print(title + "\t" + expand(q))
PY
bad=0
while IFS='	' read -r title q; do
	if ! sql "$q" >"$T/out" 2>"$T/err"; then
		bad=$((bad + 1))
		diag "$title: $(cat "$T/err")"
	fi
	printf '%s\t%s\n' "$title" "$(grep -c '' "$T/out")" >>"$T/rows"
	case $title in
	"srwatch-fleet: Clusters by risk (latest score)") cp "$T/out" "$T/latest" ;;
	"srwatch-cluster: Alerts") cp "$T/out" "$T/alerts" ;;
	"srwatch-cluster: Issues") cp "$T/out" "$T/issues" ;;
	"srwatch-fleet: Critical clusters") cp "$T/out" "$T/critical" ;;
	"srwatch-cluster: variable cluster_id") cp "$T/out" "$T/var" ;;
	esac
done <"$T/queries"
is "$bad" 0 "every panel's SQL runs on the schema ($(grep -c '' "$T/queries") queries)"
is "$(grep '^gf11-' "$T/latest" | cut -f1-3 | tr '\t\n' ' ')" "gf11-1 42 Critical gf11-2 70 Warning " \
	"fleet table: latest score per cluster, worst first"
is "$(cat "$T/critical")" "1" "fleet stat: one Critical cluster now (gf11-1's earlier Healthy score does not count)"
is "$(cut -f9 "$T/alerts" | grep gtest | sort | tr '\n' ' ')" "gtest1-f gtest2-f " \
	"cluster alerts: rows naming gf11-1, also inside a joined 'gf11-2|gf11-1', not gf11-10"
is "$(cut -f1,4 "$T/issues" | grep gtest | tr '\t\n' ' ')" "iss_gtest1 Ongoing " "cluster issues: gf11-1's open issue"
is "$(grep '^gf11-' "$T/var" | tr '\n' ' ')" "gf11-1 gf11-2 " "cluster_id variable lists the scored clusters"
sql "DELETE FROM ops.cluster_health_scores WHERE cluster_id LIKE 'gf11-%';
DELETE FROM ops.cluster_risk_snapshots WHERE cluster_id LIKE 'gf11-%';
DELETE FROM alerts.lark_alerts WHERE message_id LIKE 'gtest%';
DELETE FROM ops.issues WHERE issue_id LIKE 'iss_gtest%';"
done_testing
