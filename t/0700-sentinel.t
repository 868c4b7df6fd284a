#!/bin/sh
# sentinel: each trigger, the cooldown, priority order, --max, --dry-run,
# the bundle on stdin.  Against the real test database.
. "$(dirname "$0")/lib.sh"
need_db
plan 25

NOW='2026-03-10 12:00:00'
sql "DELETE FROM ops.cluster_risk_snapshots WHERE cluster_id LIKE 'st-%';
DELETE FROM ops.dim_customer_profile WHERE cluster_id LIKE 'st-%';
DELETE FROM alerts.lark_alerts WHERE message_id LIKE 'st-%';
DELETE FROM agent.tasks WHERE cluster_id LIKE 'st-%';
INSERT INTO ops.cluster_risk_snapshots (cluster_id, snapshot_at, score, risk_level, tier) VALUES
 ('st-crit',  '2026-03-10 11:45:00', 40, 'Critical', 'B'), ('st-crit',  '2026-03-10 11:30:00', 45, 'Critical', 'B'),
 ('st-cliff', '2026-03-10 11:45:00', 60, 'Warning', 'B'),  ('st-cliff', '2026-03-10 11:30:00', 80, 'Healthy', 'B'),
 ('st-cliff', '2026-03-10 11:15:00', 99, 'Healthy', 'B'),
 ('st-edge',  '2026-03-10 11:45:00', 85, 'Healthy', 'B'),  ('st-edge',  '2026-03-10 11:30:00', 100, 'Healthy', 'B'),
 ('st-storm', '2026-03-10 11:45:00', 90, 'Healthy', 'B'),
 ('st-calm',  '2026-03-10 11:45:00', 90, 'Healthy', 'B'),
 ('st-tiera', '2026-03-10 11:45:00', 70, 'Warning', 'B'),  ('st-tiera', '2026-03-10 11:30:00', 72, 'Warning', 'B'),
 ('st-tierb', '2026-03-10 11:45:00', 65, 'Warning', 'B'),
 ('st-multi', '2026-03-10 11:45:00', 30, 'Critical', 'S'), ('st-multi', '2026-03-10 11:30:00', 70, 'Warning', 'S'),
 ('st-cool',  '2026-03-10 11:45:00', 20, 'Critical', 'B'),
 ('st-old',   '2026-03-10 11:45:00', 35, 'Critical', 'B'),
 ('st-stale', '2026-03-08 11:45:00', 10, 'Critical', 'B'),
 ('st-future','2026-03-10 13:00:00', 10, 'Critical', 'B');
INSERT INTO ops.dim_customer_profile (cluster_id, cluster_name, account_name, tier) VALUES
 ('st-tiera', 'prod-tiera', 'acme', 'A'), ('st-tierb', 'prod-tierb', 'acme', 'B'),
 ('st-multi', 'prod-multi', 'globex', 'S');
INSERT INTO agent.tasks (task_id, cluster_id, created_at, priority) VALUES
 ('st-t1', 'st-cool', '2026-03-10 10:00:00', 1), ('st-t2', 'st-old', '2026-03-10 07:59:00', 1);
INSERT INTO alerts.lark_alerts (message_id, created_at, cluster_id, alert_status, alert_name) VALUES
 ('st-a1-f', '2026-03-10 11:10:00', 'st-storm|st-storm|st-storm', 'Firing', 'BeAliveAbnormal|ProcNotRunning|FEGCCount'),
 ('st-a2-f', '2026-03-10 11:20:00', 'st-storm', 'Firing', 'FEGCCount'),
 ('st-a3-f', '2026-03-10 11:30:00', 'st-storm', 'Firing', 'FEGCCount'),
 ('st-a4-f', '2026-03-10 11:59:59', 'st-storm', 'Firing', 'FEGCCount'),
 ('st-a4-r', '2026-03-10 11:58:00', 'st-storm', 'Resolved', 'FEGCCount'),
 ('st-a5-f', '2026-03-10 10:30:00', 'st-calm', 'Firing', 'FEGCCount'),
 ('st-a6-f', '2026-03-10 11:10:00', 'st-calm|st-calm|st-calm|st-calm|st-calm', 'Firing', 'A|B|C|D|E')"

sentinel --dry-run --now "$NOW" >"$T/dry" 2>"$T/err"
is "$?" 0 "dry run exits 0"
ids() { python3 -c 'import json,sys; print(" ".join(json.loads(l)["cluster_id"] for l in open(sys.argv[1]) if l.strip() and json.loads(l)["cluster_id"].startswith("st-")))' "$1"; }
field() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["cluster_id"] == sys.argv[2]:
        v = r[sys.argv[3]]; print(",".join(v) if isinstance(v, list) else v)' "$1" "$2" "$3"; }

is "$(ids "$T/dry")" "st-multi st-old st-crit st-cliff st-storm st-tiera" \
	"priority order: priority, then the worse score; cooldown, stale, future and near-misses left out"
is "$(field "$T/dry" st-crit triggers)" "new_critical" "New Critical trigger"
is "$(field "$T/dry" st-crit priority)" "1" "New Critical is priority 1"
is "$(field "$T/dry" st-cliff triggers)" "score_cliff" "Score Cliff: 80 -> 60 against the previous snapshot, not the older 99"
is "$(field "$T/dry" st-cliff priority)" "2" "Score Cliff is priority 2"
is "$(field "$T/dry" st-storm triggers)" "alert_storm" "Alert Storm: 6 firing sections in the last hour (pipe-joined row split)"
is "$(field "$T/dry" st-storm firing_alerts)" "6" "resolved rows not counted"
is "$(field "$T/dry" st-tiera triggers)" "tier_warning" "Tier A/S Warning from the profile's tier"
is "$(field "$T/dry" st-tiera priority)" "3" "Tier warning is priority 3"
is "$(field "$T/dry" st-multi triggers)" "new_critical,score_cliff,tier_warning" "all matched triggers listed"
is "$(field "$T/dry" st-multi account_name)" "globex" "profile joined into the task"
is "$(sql "SELECT COUNT(*) FROM agent.tasks WHERE cluster_id LIKE 'st-%'")" "2" "--dry-run writes no task"

sentinel --now "$NOW" --max 2 >"$T/max" 2>"$T/err"
is "$?" 0 "writing run exits 0"
is "$(ids "$T/max")" "st-multi st-old" "--max 2 keeps the two most urgent"
ok "one summary line on stderr (a cron journal shows the run)" \
	grep -q '^sentinel: [0-9]* clusters, 2 tasks, [0-9]* in cooldown$' "$T/err"
is "$(sql "SELECT GROUP_CONCAT(cluster_id ORDER BY cluster_id) FROM agent.tasks WHERE cluster_id LIKE 'st-%' AND task_id NOT LIKE 'st-%'")" \
	"st-multi,st-old" "tasks stored in agent.tasks"
is "$(sql "SELECT triggers FROM agent.tasks WHERE cluster_id = 'st-multi'")" \
	'["new_critical","score_cliff","tier_warning"]' "triggers stored as a JSON array"

sentinel --now "2026-03-10 12:05:00" >"$T/again" 2>"$T/err"
is "$(ids "$T/again")" "st-crit st-cliff st-storm st-tiera" "cooldown: clusters with a task in the last 4 hours get none"
sentinel --now "2026-03-10 16:01:00" --max-age 1d --dry-run >"$T/later" 2>"$T/err"
case " $(ids "$T/later") " in *" st-multi "*) r=0 ;; *) r=1 ;; esac
is "$r" 0 "cooldown over after 4 hours"

# the bundle: the same kinds of records on stdin, no database read
sql "SELECT JSON_OBJECT('cluster_id', cluster_id, 'snapshot_at', DATE_FORMAT(snapshot_at, '%Y-%m-%d %H:%i:%s'), 'score', score, 'risk_level', risk_level, 'tier', tier) FROM ops.cluster_risk_snapshots WHERE cluster_id LIKE 'st-%'" >"$T/bundle"
sql "SELECT JSON_OBJECT('cluster_id', cluster_id, 'cluster_name', cluster_name, 'account_name', account_name, 'tier', tier) FROM ops.dim_customer_profile WHERE cluster_id LIKE 'st-%'" >>"$T/bundle"
sql "SELECT JSON_OBJECT('message_id', message_id, 'created_at', DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s'), 'cluster_id', cluster_id, 'alert_status', alert_status, 'alert_name', alert_name) FROM alerts.lark_alerts WHERE message_id LIKE 'st-%'" >>"$T/bundle"
echo '{"task_id":"x","cluster_id":"st-cool","created_at":"2026-03-10 10:00:00"}' >>"$T/bundle"
echo '{"task_id":"y","cluster_id":"st-old","created_at":"2026-03-10 07:59:00"}' >>"$T/bundle"
STARROCKS_PORT=1 STARROCKS_SOCKET=/nonexistent sentinel --dry-run --now "$NOW" - <"$T/bundle" >"$T/b" 2>"$T/err"
is "$?" 0 "bundle with --dry-run needs no database"
grep '"cluster_id":"st-' "$T/dry" >"$T/dry.st"
check_same "bundle gives the same tasks as the database" "$T/dry.st" "$T/b"

printf '%s\n' '{"cluster_id":"st-x"}' 'not json' >>"$T/bundle"
sentinel --dry-run --now "$NOW" - <"$T/bundle" >"$T/b2" 2>"$T/err"
is "$?" 1 "bad bundle lines: exit 1, the rest still done"
is "$(grep -c 'line' "$T/err")" 2 "each bad line reported"

STARROCKS_PORT=1 STARROCKS_SOCKET=/nonexistent sentinel --now "$NOW" >/dev/null 2>"$T/err"
is "$?" 69 "database unavailable: exit 69"
sql "DELETE FROM ops.cluster_risk_snapshots WHERE cluster_id LIKE 'st-%'; DELETE FROM ops.dim_customer_profile WHERE cluster_id LIKE 'st-%'; DELETE FROM alerts.lark_alerts WHERE message_id LIKE 'st-%'; DELETE FROM agent.tasks WHERE cluster_id LIKE 'st-%'"
