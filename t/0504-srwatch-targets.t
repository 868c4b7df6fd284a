#!/bin/sh
# srwatch-targets: the file_sd targets file from the fleet inventory in the
# real test database, read by scrape --targets.
. "$(dirname "$0")/lib.sh"
need_db

sql "CREATE DATABASE IF NOT EXISTS ops"
sql "$(cat "$TOP/sql/mariadb/ops.dim_customer_profile.sql")"
sql "DELETE FROM ops.dim_customer_profile WHERE cluster_id IN ('c-1','c-2','c-3')"
sql "INSERT INTO ops.dim_customer_profile (cluster_id, cluster_name, region, tier, config) VALUES
 ('c-1', 'prod-orders', 'us-west-2', 'S', '{\"metrics_endpoints\": {\"fe\": [\"fe1.c1:8030\"], \"be\": [\"be1.c1:8040\", \"be2.c1:8040\"]}}'),
 ('c-2', 'prod-ads', '', 'B', '{\"other\": 1,\n \"metrics_endpoints\": {\"be\": [\"be1.c2:8040\"]}}'),
 ('c-3', 'no-endpoints', 'eu-1', 'A', NULL)"

srwatch-targets -o "$T/fleet.json" 2>"$T/err"
is "$?" 0 "targets from ops.dim_customer_profile"
cat >"$T/want" <<'EOF'
[{"targets":["be1.c1:8040","be2.c1:8040"],"labels":{"cluster_id":"c-1","cluster_name":"prod-orders","region":"us-west-2","tier":"S","role":"be"}},{"targets":["fe1.c1:8030"],"labels":{"cluster_id":"c-1","cluster_name":"prod-orders","region":"us-west-2","tier":"S","role":"fe"}},{"targets":["be1.c2:8040"],"labels":{"cluster_id":"c-2","cluster_name":"prod-ads","tier":"B","role":"be"}}]
EOF
jq -c 'map(select(.labels.cluster_id == "c-1" or .labels.cluster_id == "c-2")) | sort_by(.labels.cluster_id, .labels.role)' "$T/fleet.json" >"$T/got"
check_same "one group per cluster and role, labelled; an empty region left out" "$T/want" "$T/got"
ok "clusters without endpoints counted" grep -q '[1-9][0-9]* of [0-9]* clusters have no metrics_endpoints' "$T/err"

# scrape takes it: four targets, instance from each address, the group's labels
scrape --targets "$T/fleet.json" --time "2026-03-10 14:00:00" --timeout 200ms >"$T/points" 2>/dev/null
is "$(grep '"name":"up"' "$T/points" | grep -c '"cluster_id":"c-[12]"')" 4 "scrape --targets: every endpoint is a target"
ok "labels from the inventory on the points" grep -q '"name":"up","labels":{"cluster_id":"c-1","cluster_name":"prod-orders","instance":"fe1.c1:8030","region":"us-west-2","role":"fe","tier":"S"}' "$T/points"

# --query: a table of endpoints; its other columns become labels
sql "DROP TABLE IF EXISTS ops.t_endpoints"
sql "CREATE TABLE ops.t_endpoints (endpoint VARCHAR(64), cluster_id VARCHAR(64), role VARCHAR(8))"
sql "INSERT INTO ops.t_endpoints VALUES ('a:8040','c-9','be'), ('b:8040','c-9','be'), ('f:8030','c-9','fe')"
srwatch-targets --query "SELECT endpoint, cluster_id, role FROM ops.t_endpoints" >"$T/q.json"
is "$(jq -c 'sort_by(.labels.role)' "$T/q.json")" '[{"targets":["a:8040","b:8040"],"labels":{"cluster_id":"c-9","role":"be"}},{"targets":["f:8030"],"labels":{"cluster_id":"c-9","role":"fe"}}]' "--query: rows grouped by their labels"
srwatch-targets --query "SELECT cluster_id FROM ops.t_endpoints" >/dev/null 2>"$T/qerr"
is "$?" 65 "--query without an endpoint column: 65"

# a failing database leaves the file as it was
cp "$T/fleet.json" "$T/before"
STARROCKS_SOCKET=$T/nope STARROCKS_PORT=1 srwatch-targets -o "$T/fleet.json" 2>/dev/null
is "$?" 69 "database unreachable: 69"
check_same "the targets file is left as it was" "$T/before" "$T/fleet.json"
sql "DROP TABLE ops.t_endpoints"
sql "DELETE FROM ops.dim_customer_profile WHERE cluster_id IN ('c-1','c-2','c-3')"
done_testing
