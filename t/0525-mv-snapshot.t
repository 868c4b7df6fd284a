#!/bin/sh
# sql/starrocks/metrics.mv_hourly_snapshots.sql computes what `rollup
# --snapshot` computes (issue 14): the MV's query part, taken from the file
# as written (StarRocks's get_json_string read as MariaDB's JSON_VALUE, the
# table renamed to a private copy), runs as a plain SELECT on the test
# MariaDB over the demo's raw points (scripts/demo.d/50-metrics.sh's
# generator: 3 clusters x 3 nodes x 14 scrapes x 2 days) in a +05:30
# session, and gives the same rows as rollup --snapshot on those points:
# same (cluster, metric, hour) set, same samples, avg/min/max to 1e-9.
. "$(dirname "$0")/lib.sh"
need_db

M=$TOP/share/demo/metrics
DB=srw_mv_$$
profiles="c-8f3a21 62 40 88 0.05 4000 120 30 40 88 0.05 4000 120
c-77b0e4 48 58 72 0.3 6500 90 45 55 70 0.2 6000 90
c-1d2e3f 25 35 40 0.02 900 30 25 35 40 0.02 900 30"
g=0
for day in 2026-03-03 2026-03-10; do
	for i in 0 1 2 3 4 5 6 7 8 9 10 11 12 13; do
		m=$((17 * 60 + 55 + 5 * i))
		t=$(printf '%s %02d:%02d:00' "$day" $((m / 60)) $((m % 60)))
		echo "$profiles" | while read -r c cpu heap disk err p99 cmp bcpu bheap bdisk berr bp99 bcmp; do
			if [ "$day" = 2026-03-10 ]; then set -- "$cpu" "$heap" "$disk" "$err" "$p99" "$cmp"
			else set -- "$bcpu" "$bheap" "$bdisk" "$berr" "$bp99" "$bcmp"; fi
			for node in fe1:8030:fe be1:8040:be be2:8040:be; do
				awk -v i="$g" -v cpu="$1" -v heap="$2" -v disk="$3" -v err="$4" \
				    -v p99="$5" -v compact="$6" -f "$M/vary.awk" "$M/${node##*:}.prom" |
				scrape --time "$t" -l cluster_id="$c" -l instance="${node%:*}" -
			done
		done
		g=$((g + 1))
	done
done >"$T/points"

rollup --snapshot "$T/points" >"$T/snap" 2>"$T/snap.err"
is "$?" 0 "rollup --snapshot on the demo points"
n=$(wc -l <"$T/snap" | tr -d ' ')
ok "rollup --snapshot gives rows ($n)" [ "$n" -gt 50 ]

sql "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB; CREATE TABLE $DB.metrics_table LIKE metrics.metrics_table"
trap 'sql "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1; _cleanup' EXIT
STARROCKS_USER=root SRW_DIALECT=mariadb sr-insert -t $DB.metrics_table "$T/points" 2>"$T/ins.err"
is "$?" 0 "the raw points stored"

# the MV's query part: everything after PROPERTIES (...) AS
python3 - "$TOP/sql/starrocks/metrics.mv_hourly_snapshots.sql" "$DB" >"$T/mv.sql" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"CREATE\s+MATERIALIZED\s+VIEW.*?\bPROPERTIES\s*\([^)]*\)\s*AS\s*\n", text, re.S | re.I)
q = text[m.end():].strip().rstrip(";")
q = q.replace("get_json_string(", "JSON_VALUE(").replace("metrics.metrics_table", sys.argv[2] + ".metrics_table")
print(q)
PY
is "$?" 0 "the MV's SELECT taken from the file"
sql "SET time_zone = '+05:30'; $(cat "$T/mv.sql")" >"$T/mv" 2>"$T/mv.err"
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$T/mv.err" | head -5
is "$rc" 0 "the MV's SELECT runs on MariaDB (session zone +05:30)"

compare() {
	python3 - "$T/snap" "$1" <<'PY'
import json, sys
want = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    want[(r["cluster_id"], r["metric"], r["hour"])] = r
got = {}
for l in open(sys.argv[2]):
    c, m, h, a, lo, hi, n = l.rstrip("\n").split("\t")
    got[(c, m, h)] = (float(a), float(lo), float(hi), int(n))
bad = []
for k in sorted(set(want) - set(got))[:3]: bad.append("missing %s" % (k,))
for k in sorted(set(got) - set(want))[:3]: bad.append("extra %s" % (k,))
for k in sorted(set(want) & set(got)):
    w, g = want[k], got[k]
    if w["samples"] != g[3]:
        bad.append("%s samples %d, rollup %d" % (k, g[3], w["samples"]))
    for i, f in enumerate(("avg_value", "min_value", "max_value")):
        if abs(w[f] - g[i]) > 1e-9 * max(1, abs(w[f])):
            bad.append("%s %s %r, rollup %r" % (k, f, g[i], w[f]))
print("%d rows; %s" % (len(got), "same" if not bad else "; ".join(bad[:5])))
PY
}
is "$(compare "$T/mv")" "$n rows; same" "the MV's rows are rollup --snapshot's rows: same hours (UTC), samples, avg/min/max"

# the arithmetic it replaced: from_unixtime() follows the session zone
sed "s|DATE_ADD(CAST('1970-01-01 00:00:00' AS DATETIME), INTERVAL floor(ts / 3600000) HOUR)|from_unixtime(floor(ts / 3600000) * 3600)|g" \
	"$T/mv.sql" >"$T/old.sql"
sql "SET time_zone = '+05:30'; $(cat "$T/old.sql")" >"$T/old" 2>/dev/null
case $(compare "$T/old") in *"; same") r=1 ;; *) r=0 ;; esac
is "$r" 0 "from_unixtime() hours (the old MV) differ under a +05:30 zone: the comparison sees the zone"
done_testing
