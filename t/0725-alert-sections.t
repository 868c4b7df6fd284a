#!/bin/sh
# alert-sections: alerts.lark_alerts cards split into alerts.alert_sections
# (one row per section, keyed by cluster_id and created_at), idempotent,
# windowed; query_cluster_alerts reads a cluster's sections by index, and
# scans the cards when the table is missing.
. "$(dirname "$0")/lib.sh"
need_db
plan 14
unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL KNOWLEDGE_LAKE_URL

clean() {
	sql "DELETE FROM alerts.lark_alerts WHERE message_id LIKE 'as-%';
DELETE FROM alerts.alert_sections WHERE message_id LIKE 'as-%'"
}
clean
long=$(printf 'x%.0s' $(seq 70))
sql "INSERT INTO alerts.lark_alerts (message_id, created_at, cluster_name, account_name, cluster_id, alert_status, alert_name, alert_detail, source) VALUES
 ('as-1-f', '2026-03-10 09:00:00', 'a|b|c', 'acme', 'as-a|as-b|as-c', 'Firing', 'BeAliveAbnormal|BEDiskUsageHigh|FEGCCount', 'be1 down|/data 90%|gc', 'lark'),
 ('as-1-r', '2026-03-10 10:00:00', 'a', 'acme', 'as-a', 'Resolved', 'BeAliveAbnormal', 'be1 back', 'lark'),
 ('as-2-f', '2026-03-10 11:00:00', 'b', 'acme', 'as-b', 'Firing', 'BEDiskUsageHigh', '/data 91%', 'webhook'),
 ('as-3-f', '2026-03-01 11:00:00', 'a', 'acme', 'as-a', 'Firing', 'FEHeapUsageTooHigh', 'old', 'lark'),
 ('as-4-f', '2026-03-10 11:30:00', 'z', 'acme', '$long', 'Firing', 'X', 'too long an id', 'lark'),
 ('as-5-f', '2026-03-10 11:40:00', 'z', 'acme', '', 'Firing', 'Y', 'no cluster', 'lark')"

alert-sections --since 6h --now '2026-03-10 12:00:00' 2>"$T/err"
is "$?" 0 "--since 6h: exit 0"
is "$(sql "SELECT COUNT(*) FROM alerts.alert_sections WHERE message_id LIKE 'as-%'")" 5 \
	"the window's cards become one row per section (3 + 1 + 1); ids over 64 bytes or empty are left out"
is "$(sql "SELECT GROUP_CONCAT(CONCAT(cluster_id, ':', section, ':', alert_name, ':', alert_detail) ORDER BY created_at, section) FROM alerts.alert_sections WHERE message_id = 'as-1-f'")" \
	"as-a:0:BeAliveAbnormal:be1 down,as-b:1:BEDiskUsageHigh:/data 90%,as-c:2:FEGCCount:gc" \
	"pipe-joined fields split in section order, each section under its own cluster"
is "$(sql "SELECT CONCAT(account_name, '/', source, '/', LENGTH(section_id)) FROM alerts.alert_sections WHERE message_id = 'as-2-f'")" "acme/webhook/32" \
	"a field with one part is every section's; section_id is 32 hex digits"
is "$(sql "SELECT COUNT(*) FROM alerts.alert_sections WHERE message_id = 'as-3-f'")" 0 "rows outside the window are not touched"
alert-sections --since 6h --now '2026-03-10 12:00:00' 2>"$T/err"
is "$(sql "SELECT COUNT(*) FROM alerts.alert_sections WHERE message_id LIKE 'as-%'")" 5 "running it again changes nothing"
alert-sections --all 2>"$T/err"
is "$(sql "SELECT COUNT(*) FROM alerts.alert_sections WHERE message_id LIKE 'as-%'")" 6 "--all backfills the older card"
alert-sections --from '2026-03-10' --since 1h >/dev/null 2>&1
is "$?" 64 "--from and --since together: usage error"

# a cluster's alerts are an index range, not a scan
plan_key=$(sql "EXPLAIN SELECT created_at, alert_status, alert_name, alert_detail FROM alerts.alert_sections
 WHERE cluster_id = 'as-a' AND created_at >= '2026-03-09 12:00:00' AND created_at <= '2026-03-10 12:00:00'
 ORDER BY created_at DESC, section_id LIMIT 5000" | awk -F'\t' '{print $4 "/" $6}')
is "$plan_key" "range/PRIMARY" "the tool's query shape reads the primary key range (EXPLAIN)"

investigate --offline --dry-run --now '2026-03-10 12:00:00' --cluster as-a >"$T/a" 2>"$T/err"
is "$?" 0 "investigate as-a: exit 0"
case $(cat "$T/a") in *"BeAliveAbnormal fired 1 time, resolved at 2026-03-10 10:00:00"*) r=0 ;; *) r=1 ;; esac
is $r 0 "as-a: BeAliveAbnormal fired and resolved (by_name from the sections), so the cluster recovered"
nok "the other sections of the card (as-b's disk, as-c's GC) are not as-a's" grep -Eq 'BEDiskUsageHigh|FEGCCount' "$T/a"

# without the table: the cards are scanned, with a warning
sql "RENAME TABLE alerts.alert_sections TO alerts.alert_sections_away"
investigate --offline --dry-run --now '2026-03-10 12:00:00' --cluster as-a >"$T/b" 2>"$T/err"
st=$?
sql "RENAME TABLE alerts.alert_sections_away TO alerts.alert_sections"
case $(cat "$T/b") in *"BeAliveAbnormal fired 1 time, resolved at 2026-03-10 10:00:00"*) r=0 ;; *) r=1 ;; esac
is "$st/$r" 0/0 "alerts.alert_sections missing: the same answer from a scan of the cards"
ok "... and a warning that says how to fix it" grep -q 'alert-sections --all' "$T/err"
clean
