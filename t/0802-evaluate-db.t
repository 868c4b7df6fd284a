#!/bin/sh
# evaluate rule add|rm|list on ops.alert_rules, and evaluate --db: rules from
# the database, changes picked up by a running evaluate within one interval.
. "$(dirname "$0")/lib.sh"
need_db
field() {
	python3 -c "import json,sys; L=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print($2)" "$1"
}
sql "DELETE FROM ops.alert_rules"

evaluate rule add Broken --expr 'sum(rate(load[5m]) by' >/dev/null 2>"$T/err"; rc=$?
is "$rc" 65 "a rule whose expression does not compile is refused (exit 65)"
ok "the refusal gives the reason" grep -q 'rule refused: rule Broken: col' "$T/err"
is "$(sql 'SELECT COUNT(*) FROM ops.alert_rules')" 0 "nothing is stored for a refused rule"
evaluate rule add HighLoad --expr 'load > 5' --label severity=critical \
	--annotation 'summary=load {{ $value }} on {{ $labels.h }}'; rc=$?
is "$rc" 0 "rule add stores a rule"
evaluate rule list >"$T/list"
is "$(field "$T/list" '[(l["rule_name"], l["kind"], l["expr"], json.loads(l["labels"])) for l in L]')" \
   "[('HighLoad', 'alert', 'load > 5', {'severity': 'critical'})]" "rule list prints the stored rules"
evaluate rule add HighLoad --expr 'load > 6' --label severity=critical
is "$(sql 'SELECT expr FROM ops.alert_rules')" "load > 6" "adding a rule of the same name replaces it"

python3 -c '
import json
for i, v in enumerate([1, 9, 9]):
    print(json.dumps({"name": "load", "labels": {"h": "a"}, "ts": 1773100800000 + i * 60000, "value": v}))' >"$T/load.ndjson"
evaluate --db "$T/load.ndjson" >"$T/db.out"
is "$(field "$T/db.out" '[(l["labels"]["alertname"], l["labels"]["severity"], l["annotations"]) for l in L]')" \
   "[('HighLoad', 'critical', {})]" "evaluate --db evaluates the rules in ops.alert_rules"

# a running evaluate picks up a new rule within one interval
mkfifo "$T/fifo"
evaluate --db --live --interval 1s <"$T/fifo" >"$T/live.out" 2>"$T/live.err" &
epid=$!
exec 3>"$T/fifo"
now() { python3 -c 'import time; print(int(time.time() * 1000))'; }
echo "{\"name\":\"temp\",\"labels\":{\"room\":\"r1\"},\"ts\":$(now),\"value\":42}" >&3
evaluate rule add HotRoom --expr 'temp > 30'
for i in 1 2 3 4 5 6 7 8; do
	sleep 0.5
	echo "{\"name\":\"temp\",\"labels\":{\"room\":\"r1\"},\"ts\":$(now),\"value\":42}" >&3
	grep -q HotRoom "$T/live.out" && break
done
ok "a rule added while evaluate runs fires within a few intervals" grep -q '"alertname":"HotRoom"' "$T/live.out"
exec 3>&-
wait $epid

evaluate rule rm HighLoad; rc=$?
is "$rc:$(sql 'SELECT GROUP_CONCAT(rule_name) FROM ops.alert_rules')" "0:HotRoom" "rule rm removes a rule"
evaluate rule rm HighLoad 2>/dev/null; rc=$?
is "$rc" 65 "removing a rule that is not there fails (exit 65)"
sql "DELETE FROM ops.alert_rules"
done_testing
