#!/bin/sh
# investigate: the rule-based investigator on seeded scenarios (disk filling,
# FE heap, BE down after an UPDATE), a scripted multi-turn tool-use
# conversation with a fake Anthropic API (requests checked), run_sql refusals
# against the real database, bounds, fallback, storage, the Knowledge Lake.
. "$(dirname "$0")/lib.sh"
need_db
plan 69

NOW='2026-03-10 12:00:00'
unset ANTHROPIC_API_KEY OPENAI_BASE_URL KNOWLEDGE_LAKE_URL
# run_sql runs only on a read-only account: scripts/testdb's investigate_ro
seed_iv() {
python3 - <<'PY' > "$T/seed.sql"
import datetime as dt
now = dt.datetime(2026, 3, 10, 12, 0, 0)
rows = []
def snap(c, m, vals):
    for i, v in enumerate(vals):
        h = now - dt.timedelta(hours=len(vals) - i)
        rows.append("('%s','%s','%s',%s,%s,%s,60)" % (c, m, h.strftime('%Y-%m-%d %H:%M:%S'), v, v - 1, v + 0.5))
for c in ('iv-disk', 'iv-heap', 'iv-be'):
    snap(c, 'starrocks_be_cpu_util_percent', [40] * 24)
    snap(c, 'starrocks_fe_query_latency_ms_p99', [1200] * 24)
snap('iv-disk', 'starrocks_be_disks_data_used_pct', [72 + i * 0.8 for i in range(24)])
snap('iv-heap', 'starrocks_be_disks_data_used_pct', [50] * 24)
snap('iv-be', 'starrocks_be_disks_data_used_pct', [55] * 24)
snap('iv-disk', 'starrocks_be_jvm_heap_used_percent', [45] * 24)
snap('iv-heap', 'starrocks_be_jvm_heap_used_percent', [70 + i for i in range(24)])
snap('iv-be', 'starrocks_be_jvm_heap_used_percent', [50] * 24)
snap('iv-be', 'starrocks_be_alive_ratio', [1] * 21 + [0.66] * 3)
print("INSERT INTO metrics.amv_hourly_snapshots_v1 (cluster_id, metric, hour, avg_value, min_value, max_value, samples) VALUES " + ",".join(rows) + ";")
PY
sql "DELETE FROM metrics.amv_hourly_snapshots_v1 WHERE cluster_id LIKE 'iv-%';
DELETE FROM ops.dim_customer_profile WHERE cluster_id LIKE 'iv-%';
DELETE FROM ops.cluster_operations WHERE cluster_id LIKE 'iv-%';
DELETE FROM ops.cluster_risk_snapshots WHERE cluster_id LIKE 'iv-%';
DELETE FROM alerts.lark_alerts WHERE message_id LIKE 'iv-%';
DELETE FROM alerts.alert_sections WHERE message_id LIKE 'iv-%';
DELETE FROM agent.memory WHERE cluster_id LIKE 'iv-%';
DELETE FROM agent.investigations WHERE cluster_id LIKE 'iv-%';
DELETE FROM agent.tasks WHERE cluster_id LIKE 'iv-%';
source $T/seed.sql
INSERT INTO ops.dim_customer_profile (cluster_id, cluster_name, account_name, tier, region, sr_version, cloud, config) VALUES
 ('iv-disk', 'prod-events', 'acme', 'A', 'us-west-2', '3.1.9', 'aws', '{\"be_nodes\":3}'),
 ('iv-heap', 'prod-bi', 'globex', 'B', 'eu-west-1', '3.1.9', 'aws', '{\"fe_xmx\":\"8g\"}'),
 ('iv-be', 'prod-orders', 'initech', 'S', 'us-east-1', '3.2.1', 'gcp', '{\"be_nodes\":3}'),
 ('iv-be2', 'prod-orders-dr', 'initech', 'A', 'us-east-2', '3.2.1', 'gcp', '{}');
INSERT INTO ops.cluster_risk_snapshots (cluster_id, snapshot_at, score, risk_level, tier) VALUES
 ('iv-disk', '2026-03-10 11:45:00', 55.5, 'Warning', 'A'), ('iv-heap', '2026-03-10 11:45:00', 61, 'Warning', 'B'),
 ('iv-be', '2026-03-10 11:45:00', 38, 'Critical', 'S'), ('iv-be2', '2026-03-10 11:45:00', 92, 'Healthy', 'A');
INSERT INTO ops.cluster_operations (cluster_id, ts, op, status, operator, detail, duration_s) VALUES
 ('iv-be', '2026-03-10 09:00:00', 'UPDATE', 'FAILED', 'platform', 'upgrade 3.1.9 -> 3.2.1, rolling', 1500),
 ('iv-be', '2026-03-05 09:00:00', 'START', 'SUCCESS', 'platform', 'start', 60),
 ('iv-heap', '2026-03-10 02:00:00', 'SCALE', 'SUCCESS', 'platform', 'scale out BE 3 -> 4', 900);
INSERT INTO alerts.lark_alerts (message_id, created_at, cluster_name, region, account_name, cluster_id, alert_status, alert_name, alert_detail) VALUES
 ('iv-1-f', '2026-03-10 09:20:00', 'prod-orders|prod-orders', 'us-east-1', 'initech', 'iv-be|iv-be', 'Firing', 'BeAliveAbnormal|ProcNotRunning', 'be2 Alive=false|starrocks_be not running on be2'),
 ('iv-2-f', '2026-03-10 10:20:00', 'prod-orders', 'us-east-1', 'initech', 'iv-be', 'Firing', 'BeAliveAbnormal', 'be3 Alive=false'),
 ('iv-3-f', '2026-03-10 08:00:00', 'prod-events', 'us-west-2', 'acme', 'iv-disk', 'Firing', 'BEDiskUsageHigh', 'be1 /data 88%'),
 ('iv-4-f', '2026-03-10 10:00:00', 'prod-bi', 'eu-west-1', 'globex', 'iv-heap', 'Firing', 'FEHeapUsageTooHigh', 'fe1 heap 92%'),
 ('iv-5-f', '2026-03-10 10:30:00', 'prod-bi', 'eu-west-1', 'globex', 'iv-heap', 'Firing', 'FEGCCount', 'fe1 old gc 40/min'),
 ('iv-6-r', '2026-03-10 11:00:00', 'prod-bi', 'eu-west-1', 'globex', 'iv-heap', 'Resolved', 'FEGCCount', 'fe1');"
alert-sections --all
}
seed_iv
j() { python3 -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
for k in sys.argv[2].split("."):
    r = r[int(k)] if isinstance(r, list) else r[k]
print(json.dumps(r) if isinstance(r, (dict, list, bool)) or r is None else r)' "$1" "$2"; }

# --- the Knowledge Lake -----------------------------------------------------
sql "DELETE FROM agent.knowledge"
investigate kb-load "$TOP/share/kb" 2>"$T/err"
is "$?" 0 "kb-load exits 0"
is "$(sql "SELECT COUNT(*) FROM agent.knowledge WHERE kind = 'runbook'")" 21 "a runbook per alert type loaded"
investigate kb-load "$TOP/share/kb" 2>"$T/err"
is "$(sql "SELECT COUNT(*) FROM agent.knowledge")" "$(find "$TOP/share/kb" -name '*.md' ! -name README.md | wc -l | tr -d ' ')" \
	"loading again replaces, no duplicates"
is "$(sql "SELECT sr_version FROM agent.knowledge WHERE doc_id = 'known-bugs/fe-heap-growth-3.1'")" "3.1" "front matter sr_version stored"
mkdir -p "$T/kb"
printf -- '---\nkind: guideline\ntitle: Good\n---\nbody\n' >"$T/kb/good.md"
printf -- '---\nkind: guideline\nno title here\n' >"$T/kb/bad.md"
investigate kb-load "$T/kb" 2>"$T/err"
is "$?" 1 "a bad document: exit 1, the rest loaded"
is "$(sql "SELECT COUNT(*) FROM agent.knowledge WHERE doc_id IN ('good', 'bad')")" 1 "the good one stored"
sql "DELETE FROM agent.knowledge WHERE doc_id = 'good'"

investigate search --mode fulltext heap usage >"$T/s" 2>"$T/err"
is "$(j "$T/s" doc_id)" "runbooks/FEHeapUsageTooHigh" "fulltext (BM25) search: CamelCase alert names match words"
investigate search --mode vector 'BE dwon aftr upgarde' >"$T/s" 2>"$T/err"
is "$(j "$T/s" kind)" "oncall_log" "vector search (character n-grams) survives typos"
investigate search --mode fulltext 'BE dwon aftr upgarde' >"$T/s" 2>"$T/err"
nok "fulltext does not find the typo'd words" grep -q oncall "$T/s"
investigate search --limit 3 disk filling up partitions >"$T/s" 2>"$T/err"
is "$(wc -l <"$T/s" | tr -d ' ')" 3 "hybrid search honours --limit"
is "$(j "$T/s" doc_id)" "resolutions/disk-filling-partition-ttl" "hybrid (RRF) ranks the proven resolution first"

# --- offline: the rules -------------------------------------------------------
for c in iv-disk iv-heap iv-be; do
	investigate --offline --now "$NOW" --cluster $c >"$T/$c" 2>"$T/err.$c"
	echo $? >"$T/rc.$c"
done
is "$(cat "$T/rc.iv-disk" "$T/rc.iv-heap" "$T/rc.iv-be" | tr -d '\n')" 000 "offline runs exit 0"
case $(j "$T/iv-disk" root_cause) in "BE data disks filling up"*) r=0 ;; *) r=1 ;; esac
is $r 0 "disk scenario: root cause is the data disk filling up"
is "$(j "$T/iv-disk" severity)" Critical "disk at 91%: Critical"
case $(j "$T/iv-heap" root_cause) in "FE JVM heap exhaustion"*) r=0 ;; *) r=1 ;; esac
is $r 0 "heap scenario: root cause is FE heap exhaustion"
case $(j "$T/iv-be" root_cause) in "BE node(s) down after the UPDATE operation at 2026-03-10 09:00:00"*) r=0 ;; *) r=1 ;; esac
is $r 0 "BE scenario: root cause is the UPDATE before the BEs went down"
is "$(j "$T/iv-be" evidence.0.tool)" query_cluster_operations "the UPDATE evidence cites the operations call"
is "$(j "$T/iv-be" model)" rules "model is rules"
is "$(j "$T/iv-be" tool_calls.6.name)" search_knowledge "the eight steps ran as seven fixed tool calls"
case $(j "$T/iv-be" recommendations) in *"be-restart-after-upgrade-3.2"*) r=0 ;; *) r=1 ;; esac
is $r 0 "the knowledge found (the 3.2 known bug) is recommended"
python3 -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
ids = {c["id"] for c in r["tool_calls"]}
sys.exit(0 if all(e["tool_call"] in ids for e in r["evidence"]) and 0 < r["confidence"] <= 1 else 1)' "$T/iv-be"
is $? 0 "every evidence item cites a call that was made; confidence in (0, 1]"
case $(j "$T/iv-heap" evidence) in *"known bug for StarRocks 3.1"*) r=0 ;; *) r=1 ;; esac
is $r 0 "heap on 3.1.9: the 3.1 known bug is cited beside the runbook"
investigate search --sr-version 3.1.9 --limit 20 'BE fails to start after upgrade be.conf' >"$T/v1" 2>"$T/err"
investigate search --sr-version 3.2.1 --limit 20 'BE fails to start after upgrade be.conf' >"$T/v2" 2>"$T/err"
is "$(grep -c 'be-restart-after-upgrade-3.2' "$T/v1")/$(grep -c 'be-restart-after-upgrade-3.2' "$T/v2")" 0/1 \
	"known bugs of other versions are left out"
is "$(sql "SELECT CONCAT(model, ' ', severity) FROM agent.investigations WHERE cluster_id = 'iv-be'")" "rules Critical" "report stored in agent.investigations"
is "$(sql "SELECT COUNT(*) FROM agent.memory WHERE cluster_id = 'iv-be' AND root_cause LIKE 'BE node(s) down after the UPDATE%'")" 1 "root cause stored in agent.memory"
investigate --offline --now "$NOW" --cluster iv-be --dry-run >"$T/again" 2>"$T/err"
case $(j "$T/again" evidence) in *"previous finding"*) r=0 ;; *) r=1 ;; esac
is $r 0 "the next investigation remembers the last finding"

# account-wide?  another cluster of the account at risk, for another reason
sql "INSERT INTO ops.cluster_risk_snapshots (cluster_id, snapshot_at, score, risk_level, tier) VALUES ('iv-be2', '2026-03-10 11:50:00', 41, 'Critical', 'A')"
investigate --offline --now "$NOW" --cluster iv-be --dry-run >"$T/acct" 2>"$T/err"
case $(j "$T/acct" evidence) in *"1 other cluster of account initech at risk, but not with this cluster's alerts"*) r=0 ;; *) r=1 ;; esac
is "$r/$(j "$T/acct" scope)" 0/cluster "a sibling at risk without this cluster's alerts: specific to this cluster"
# ... and with the same alert firing: account-wide
sql "INSERT INTO alerts.lark_alerts (message_id, created_at, cluster_id, alert_status, alert_name) VALUES ('iv-7-f', '2026-03-10 10:40:00', 'iv-be2', 'Firing', 'BeAliveAbnormal')"
alert-sections --since 1d --now "$NOW"
investigate --offline --now "$NOW" --cluster iv-be --dry-run >"$T/acct" 2>"$T/err"
case $(j "$T/acct" evidence) in *"1 other cluster of account initech at risk with the same alerts (iv-be2): account-wide"*) r=0 ;; *) r=1 ;; esac
is "$r/$(j "$T/acct" scope)" 0/account "another cluster of the account at risk with the same alert: account-wide"
sql "DELETE FROM ops.cluster_risk_snapshots WHERE cluster_id = 'iv-be2' AND snapshot_at = '2026-03-10 11:50:00';
DELETE FROM alerts.lark_alerts WHERE message_id = 'iv-7-f'; DELETE FROM alerts.alert_sections WHERE message_id = 'iv-7-f'"

# tasks from sentinel on stdin; the task is marked done; markdown for people
sql "INSERT INTO agent.tasks (task_id, cluster_id, created_at, priority, reason, status) VALUES ('t-iv-1', 'iv-heap', '2026-03-10 11:50:00', 2, 'score fell 20 points', 'pending')"
printf '%s\n' '{"task_id":"t-iv-1","cluster_id":"iv-heap","cluster_name":"prod-bi","reason":"score fell 20 points"}' 'not json' '{"task_id":"x"}' |
	investigate --offline --now "$NOW" --format markdown >"$T/md" 2>"$T/err"
is "$?" 1 "bad task lines: exit 1, good tasks investigated"
ok "markdown report has the root cause" grep -q '^\*\*Root cause\*\* (confidence 0\.[0-9]*): FE JVM heap exhaustion' "$T/md"
ok "markdown names cluster and severity" grep -q '^## iv-heap (prod-bi): Critical' "$T/md"
is "$(sql "SELECT status FROM agent.tasks WHERE task_id = 't-iv-1'")" done "the task is marked done"
ok "one summary line on stderr (a cron journal shows the run)" grep -q '^investigate: 1 investigated$' "$T/err"

# no key: the rules run without --offline
investigate --now "$NOW" --cluster iv-disk --dry-run >"$T/nokey" 2>"$T/err"
is "$(j "$T/nokey" model)" rules "no ANTHROPIC_API_KEY: rules"

# --- the model: a scripted conversation with a fake Anthropic API -------------
KEY=sk-ant-test-$$-secret
start_fake() {
	mkdir -p "$T/fake$1"
	python3 "$TOP/t/fakes/fake-anthropic.py" "$2" "$T/fake$1" &
	FAKEPID=$!
	i=0; while [ ! -f "$T/fake$1/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	FAKEURL=http://127.0.0.1:$(cat "$T/fake$1/port")
}
cat >"$T/script1.json" <<JSON
{"api_key": "$KEY", "responses": [
 {"content": [{"type": "text", "text": "Looking at the cluster."},
   {"type": "tool_use", "id": "toolu_01", "name": "query_cluster_info", "input": {"cluster_id": "iv-disk"}},
   {"type": "tool_use", "id": "toolu_02", "name": "query_cluster_metrics", "input": {"metric": "starrocks_be_disks_data_used_pct", "hours": 24}}],
  "stop_reason": "tool_use", "usage": {"input_tokens": 1000, "output_tokens": 50},
  "expect": ["Investigate cluster iv-disk", "2026-03-10 12:00:00", "query_similar_clusters", "run_sql", "search_knowledge"]},
 {"content": [{"type": "tool_use", "id": "toolu_03", "name": "run_sql", "input": {"sql": "DELETE FROM ops.dim_customer_profile"}},
   {"type": "tool_use", "id": "toolu_04", "name": "run_sql", "input": {"sql": "SELECT 1; DROP TABLE ops.dim_customer_profile"}},
   {"type": "tool_use", "id": "toolu_05", "name": "run_sql", "input": {"sql": "SELECT cluster_id, tier FROM ops.dim_customer_profile WHERE cluster_id = 'iv-disk'"}}],
  "stop_reason": "tool_use", "usage": {"input_tokens": 2000, "output_tokens": 60},
  "expect_ok": ["toolu_01", "toolu_02"], "expect": ["\\\\\"tier\\\\\":\\\\\"A\\\\\"", "90.9", "\\\\\"row_count\\\\\":24"]},
 {"status": 529, "headers": {"retry-after": "0"}},
 {"content": [{"type": "tool_use", "id": "toolu_06", "name": "search_knowledge", "input": {"query": "disk filling up"}}],
  "stop_reason": "tool_use", "usage": {"input_tokens": 3000, "output_tokens": 30},
  "expect_error": ["toolu_03", "toolu_04"], "expect_ok": ["toolu_05"],
  "expect": ["refused: a statement must begin with SELECT", "refused: only one statement", "LIMIT 200", "iv-disk"]},
 {"content": [{"type": "text", "text": "\`\`\`json\n{\"severity\": \"Critical\", \"confidence\": 0.87, \"root_cause\": \"Data disks on the BEs are filling: 90.9% used, up 19 points in a day.\", \"evidence\": [{\"text\": \"disk used 72% -> 90.9% over 24 h\", \"tool_call\": \"toolu_02\"}, {\"text\": \"tier A cluster\", \"tool_call\": \"toolu_05\"}, {\"text\": \"made up\", \"tool_call\": \"toolu_99\"}], \"recommendations\": [\"Set partition TTL and drop expired partitions\", \"Add BE disks\"]}\n\`\`\`"}],
  "stop_reason": "end_turn", "usage": {"input_tokens": 4000, "output_tokens": 200},
  "expect_ok": ["toolu_06"], "expect": ["disk-filling-partition-ttl"]}
]}
JSON
start_fake 1 "$T/script1.json"
ANTHROPIC_API_KEY=$KEY ANTHROPIC_BASE_URL=$FAKEURL investigate --now "$NOW" --cluster iv-disk >"$T/m1" 2>"$T/err.m1"
rc=$?
kill $FAKEPID 2>/dev/null; wait $FAKEPID 2>/dev/null
is "$rc" 0 "model investigation exits 0"
is "$(cat "$T/fake1/errors" 2>/dev/null)" "" "every request passed the fake's checks (headers, tools, pairing, expectations)"
is "$(ls "$T/fake1"/req-*.json | wc -l | tr -d ' ')" 5 "four turns plus one retry after 529"
is "$(j "$T/m1" model)" claude-sonnet-4-5 "default model"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model"])' "$T/fake1/req-1.json")" claude-sonnet-4-5 "the model asked for"
is "$(j "$T/m1" root_cause)" "Data disks on the BEs are filling: 90.9% used, up 19 points in a day." "root cause from the final answer (in a json fence)"
is "$(j "$T/m1" confidence)" 0.87 "confidence"
is "$(j "$T/m1" evidence.0.tool)" query_cluster_metrics "evidence cites the tool_use id and names its tool"
is "$(j "$T/m1" evidence.2.uncited)" true "evidence citing a call never made is flagged uncited"
is "$(j "$T/m1" tokens.input)/$(j "$T/m1" tokens.output)" 10000/340 "tokens summed over the turns"
is "$(j "$T/m1" rounds)" 3 "three tool rounds"
is "$(j "$T/m1" tool_calls.2.error)/$(j "$T/m1" tool_calls.3.error)/$(j "$T/m1" tool_calls.4.error)" true/true/false \
	"run_sql refusals recorded as errors, the SELECT ran"
is "$(sql "SELECT COUNT(*) FROM ops.dim_customer_profile WHERE cluster_id LIKE 'iv-%'")" 4 "nothing deleted or dropped"
nok "the API key is in no output or log" grep -rq "$KEY" "$T/m1" "$T/err.m1" "$T/fake1"
is "$(j "$T/fake1/hdr-1.json" x-api-key)" MASKED "the key went in the x-api-key header"

# bounds: max rounds then tool_choice none; tool results cut to the budget;
# run_sql on the read-only account with a server-side time limit
sql "CREATE USER IF NOT EXISTS 'inv_ro'@'localhost' IDENTIFIED BY 'ro-pass-$$';
CREATE USER IF NOT EXISTS 'inv_ro'@'%' IDENTIFIED BY 'ro-pass-$$';
ALTER USER 'inv_ro'@'localhost' IDENTIFIED BY 'ro-pass-$$'; ALTER USER 'inv_ro'@'%' IDENTIFIED BY 'ro-pass-$$';
GRANT srw_readonly TO 'inv_ro'@'localhost'; GRANT srw_readonly TO 'inv_ro'@'%';
SET DEFAULT ROLE srw_readonly FOR 'inv_ro'@'localhost'; SET DEFAULT ROLE srw_readonly FOR 'inv_ro'@'%'"
echo "ro-pass-$$" >"$T/ro-pass"
# raw points for mquery's library path of query_cluster_metrics
sql "DELETE FROM metrics.metrics_table WHERE labels LIKE '%iv-%';
INSERT INTO metrics.metrics_table (name, labels, ts, value, type) VALUES
 ('jvm_heap_size_bytes', '{\"cluster_id\":\"iv-heap\",\"instance\":\"fe1:8030\",\"type\":\"used\"}', $(date -u -d '2026-03-10 10:30:00' +%s)000, 5153960755, 'gauge'),
 ('jvm_heap_size_bytes', '{\"cluster_id\":\"iv-heap\",\"instance\":\"fe1:8030\",\"type\":\"used\"}', $(date -u -d '2026-03-10 11:30:00' +%s)000, 7516192768, 'gauge'),
 ('jvm_heap_size_bytes', '{\"cluster_id\":\"iv-other\",\"instance\":\"fe1:8030\",\"type\":\"used\"}', $(date -u -d '2026-03-10 11:30:00' +%s)000, 1, 'gauge')"
HEAVY="SELECT COUNT(*) FROM ops.seq_1_to_100000 a, ops.seq_1_to_100000 b WHERE a.seq + b.seq > 0"
cat >"$T/script2.json" <<JSON
{"api_key": "$KEY", "responses": [
 {"content": [{"type": "tool_use", "id": "toolu_b0", "name": "query_cluster_metrics", "input": {"cluster_id": "iv-heap", "selector": "jvm_heap_size_bytes{type=\\"used\\"}", "step": "1h", "hours": 3, "fn": "max"}},
   {"type": "tool_use", "id": "toolu_b1", "name": "query_cluster_metrics", "input": {"metric": "starrocks_be", "hours": 24}}],
  "stop_reason": "tool_use"},
 {"content": [{"type": "tool_use", "id": "toolu_b2", "name": "run_sql", "input": {"sql": "$HEAVY"}},
   {"type": "tool_use", "id": "toolu_b3", "name": "run_sql", "input": {"sql": "SELECT CURRENT_USER() AS who"}}],
  "stop_reason": "tool_use", "expect_ok": ["toolu_b0"], "expect": ["5153960755", "7516192768", "\\\\\"plan\\\\\":[{", "truncated: ", " of 72 rows shown to fit the 2048-byte budget", "\\\\\"row_count\\\\\":72"]},
 {"content": [{"type": "text", "text": "{\"severity\": \"high\", \"confidence\": 7, \"root_cause\": \"Disk.\", \"evidence\": [], \"recommendations\": []}"}],
  "stop_reason": "end_turn", "expect_tool_choice": "none", "expect_error": ["toolu_b2"], "expect_ok": ["toolu_b3"],
  "expect": ["inv_ro@", "last tool round"]}
]}
JSON
start_fake 2 "$T/script2.json"
ANTHROPIC_API_KEY=$KEY ANTHROPIC_BASE_URL=$FAKEURL INVESTIGATE_DB_USER=inv_ro INVESTIGATE_DB_PASSWORD_FILE=$T/ro-pass \
	investigate --now "$NOW" --cluster iv-disk --dry-run --max-rounds 2 --tool-budget 2048 --sql-timeout 1 \
	--model claude-opus-4-1 >"$T/m2" 2>"$T/err.m2"
rc=$?
[ "$rc" = 0 ] || sed 's/^/# /' "$T/err.m2"
kill $FAKEPID 2>/dev/null; wait $FAKEPID 2>/dev/null
is "$rc/$(cat "$T/fake2/errors" 2>/dev/null)" "0/" "mquery selector, max rounds, truncation note, read-only account, time limit: requests as expected"
nok "mquery's answer holds only the task's cluster" grep -q iv-other "$T/fake2/req-2.json"
is "$(j "$T/m2" severity)/$(j "$T/m2" confidence)/$(j "$T/m2" model)" "Critical/1.0/claude-opus-4-1" "severity normalised, confidence clamped, --model used"
case $(j "$T/m2" tool_calls.2.reason) in *max_statement_time*|*"execution time"*|*interrupted*) r=0 ;; *) r=1 ;; esac
is $r 0 "run_sql stopped by the server-side time limit"
nok "the read-only password is in no output" grep -rq "ro-pass-$$" "$T/m2" "$T/err.m2" "$T/fake2"

# the API refuses: the rules answer, exit 69
cat >"$T/script3.json" <<JSON
{"api_key": "$KEY", "responses": [{"status": 400}]}
JSON
start_fake 3 "$T/script3.json"
ANTHROPIC_API_KEY=$KEY ANTHROPIC_BASE_URL=$FAKEURL investigate --now "$NOW" --cluster iv-heap --dry-run >"$T/m3" 2>"$T/err.m3"
rc=$?
kill $FAKEPID 2>/dev/null; wait $FAKEPID 2>/dev/null
is "$rc" 69 "LLM unavailable: exit 69"
is "$(j "$T/m3" status)/$(j "$T/m3" model)" "fallback/rules" "the rules still give a report, marked fallback"
case $(j "$T/m3" note) in *"HTTP 400"*) r=0 ;; *) r=1 ;; esac
is $r 0 "the report says why"

# the wall time bounds a slow model: no retry past the deadline
cat >"$T/script5.json" <<JSON
{"api_key": "$KEY", "responses": [{"delay": 6, "content": [{"type": "text", "text": "{}"}]}]}
JSON
start_fake 5 "$T/script5.json"
s0=$(date +%s)
ANTHROPIC_API_KEY=$KEY ANTHROPIC_BASE_URL=$FAKEURL investigate --timeout 2s --now "$NOW" --cluster iv-heap --dry-run >"$T/m5" 2>"$T/err.m5"
rc=$?
el=$(( $(date +%s) - s0 ))
kill $FAKEPID 2>/dev/null; wait $FAKEPID 2>/dev/null
is "$rc/$(j "$T/m5" status)/$(ls "$T/fake5"/req-*.json | wc -l | tr -d ' ')" "69/fallback/1" "--timeout: the slow request is abandoned, not retried; the rules report"
ok "--timeout 2s: done within 4 s (took ${el}s)" [ "$el" -le 4 ]

# --- an OpenAI-compatible endpoint --------------------------------------------
mkdir -p "$T/fo"
cat >"$T/script4.json" <<JSON
{"api_key": "local-key", "responses": [
 {"message": {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
   "function": {"name": "query_cluster_operations", "arguments": "{\"cluster_id\": \"iv-be\"}"}}]}, "finish_reason": "tool_calls"},
 {"message": {"role": "assistant", "content": "{\"severity\": \"Critical\", \"confidence\": 0.8, \"root_cause\": \"UPDATE broke the BEs.\", \"evidence\": [{\"text\": \"UPDATE at 09:00\", \"tool_call\": \"call_1\"}], \"recommendations\": [\"Roll back\"]}"},
  "finish_reason": "stop", "expect": ["upgrade 3.1.9 -> 3.2.1"]}
]}
JSON
python3 "$TOP/t/fakes/fake-openai.py" "$T/script4.json" "$T/fo" &
FAKEPID=$!
i=0; while [ ! -f "$T/fo/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
OPENAI_BASE_URL=http://127.0.0.1:$(cat "$T/fo/port")/v1 OPENAI_API_KEY=local-key INVESTIGATE_MODEL=qwen2.5-72b \
	investigate --provider openai --now "$NOW" --cluster iv-be --dry-run >"$T/m4" 2>"$T/err.m4"
rc=$?
kill $FAKEPID 2>/dev/null; wait $FAKEPID 2>/dev/null
is "$rc/$(cat "$T/fo/errors" 2>/dev/null)" "0/" "OpenAI-compatible provider: tool calls answered, requests as expected"
is "$(j "$T/m4" root_cause)/$(j "$T/m4" evidence.0.tool)/$(j "$T/m4" model)" "UPDATE broke the BEs./query_cluster_operations/qwen2.5-72b" \
	"OpenAI-compatible provider: the report"

# --- the remote Knowledge Lake (MCP) --------------------------------------------
mkdir -p "$T/kl"
python3 "$TOP/t/fakes/fake-kl-mcp.py" "$T/kl" &
FAKEPID=$!
i=0; while [ ! -f "$T/kl/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
KNOWLEDGE_LAKE_URL=http://127.0.0.1:$(cat "$T/kl/port")/mcp investigate search --mode fulltext fe heap >"$T/kl.out" 2>"$T/err.kl"
rc=$?
kill $FAKEPID 2>/dev/null; wait $FAKEPID 2>/dev/null
is "$rc/$(cat "$T/kl/errors" 2>/dev/null)" "0/" "MCP: initialize, initialized, tools/call with the session id"
is "$(j "$T/kl.out" title)" "Remote: fe heap" "MCP: hits from the remote server (SSE answer)"
is "$(python3 -c 'import json,sys; print([json.loads(l)["msg"]["params"]["name"] for l in open(sys.argv[1]) if json.loads(l)["msg"].get("method") == "tools/call"][0])' "$T/kl/calls")" \
	search_fulltext "MCP: the mode picks the tool"

# --- the cron pipeline: sentinel | investigate -----------------------------------
sql "DELETE FROM agent.tasks WHERE cluster_id LIKE 'iv-%'"
sentinel --now "$NOW" 2>"$T/err.s" | grep '"cluster_id":"iv-' | investigate --offline --now "$NOW" >"$T/pipe" 2>"$T/err.p"
is "$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["cluster_id"] + ":" + json.loads(l)["task_id"][:2] for l in open(sys.argv[1])))' "$T/pipe")" \
	"iv-be:t- iv-disk:t-" "sentinel | investigate: the Critical S cluster, then the tier A Warning one"
is "$(sql "SELECT GROUP_CONCAT(CONCAT(t.cluster_id, '=', t.status, '/', i.model) ORDER BY t.priority) FROM agent.tasks t JOIN agent.investigations i USING (task_id) WHERE t.cluster_id LIKE 'iv-%'")" \
	"iv-be=done/rules,iv-disk=done/rules" "tasks stored by sentinel are marked done with their reports"

sql "DELETE FROM metrics.amv_hourly_snapshots_v1 WHERE cluster_id LIKE 'iv-%';
DELETE FROM metrics.metrics_table WHERE labels LIKE '%iv-%';
DELETE FROM ops.dim_customer_profile WHERE cluster_id LIKE 'iv-%';
DELETE FROM ops.cluster_operations WHERE cluster_id LIKE 'iv-%';
DELETE FROM ops.cluster_risk_snapshots WHERE cluster_id LIKE 'iv-%';
DELETE FROM alerts.lark_alerts WHERE message_id LIKE 'iv-%';
DELETE FROM alerts.alert_sections WHERE message_id LIKE 'iv-%';
DELETE FROM agent.memory WHERE cluster_id LIKE 'iv-%';
DELETE FROM agent.investigations WHERE cluster_id LIKE 'iv-%';
DELETE FROM agent.tasks WHERE cluster_id LIKE 'iv-%'"

# --- vectors from an OpenAI-compatible embeddings endpoint ----------------------
mkdir -p "$T/emb"
echo '{"api_key": "emb-key", "responses": []}' >"$T/emb.json"
python3 "$TOP/t/fakes/fake-openai.py" "$T/emb.json" "$T/emb" &
FAKEPID=$!
i=0; while [ ! -f "$T/emb/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
INVESTIGATE_EMBED_URL=http://127.0.0.1:$(cat "$T/emb/port")/v1 INVESTIGATE_EMBED_KEY=emb-key INVESTIGATE_EMBED_MODEL=bge-small \
	investigate search --mode vector --limit 2 'FE heap' >"$T/emb.out" 2>"$T/err.emb"
rc=$?
kill $FAKEPID 2>/dev/null; wait $FAKEPID 2>/dev/null
ndocs=$(sql "SELECT COUNT(*) FROM agent.knowledge")
is "$rc/$(tr '\n' ' ' <"$T/emb/embeddings")/$(wc -l <"$T/emb.out" | tr -d ' ')" "0/bge-small $ndocs bge-small 1 /2" \
	"embeddings endpoint: documents embedded once, then the query"
INVESTIGATE_EMBED_URL=http://127.0.0.1:1/v1 INVESTIGATE_EMBED_MODEL=bge-small \
	investigate search --mode vector --limit 1 'BE dwon aftr upgarde' >"$T/emb2.out" 2>"$T/err.emb2"
is "$?/$(j "$T/emb2.out" kind)" "0/oncall_log" "embeddings unavailable: local n-gram vectors, with a warning"
ok "the warning says so" grep -q 'local n-gram vectors' "$T/err.emb2"
