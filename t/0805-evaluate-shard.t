#!/usr/bin/env bash
# evaluate --shard I/N: with rules that aggregate within a cluster, N
# processes sharded by cluster_id fire exactly the alerts (and record exactly
# the series) one process does.
. "$(dirname "$0")/lib.sh"

cat > "$T/rules.yml" <<'X'
groups:
  - name: shard
    interval: 1m
    rules:
      - record: cluster:errors:rate5m
        expr: sum by (cluster_id) (rate(errs_total[5m]))
      - alert: ErrorsHigh
        expr: cluster:errors:rate5m > 0.5
        for: 2m
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.cluster_id }} errors {{ $value }}/s"
      - alert: DiskHigh
        expr: max by (cluster_id) (disk_used_pct) > 80
        labels:
          severity: critical
X
# 12 clusters x 2 nodes, 40 minutes every 15 s; some clusters go bad
awk 'BEGIN {
	t0 = 1773151200000
	for (s = 0; s < 160; s++)
		for (c = 0; c < 12; c++)
			for (n = 0; n < 2; n++) {
				ts = t0 + s * 15000
				rate = (c % 3 == 0 && s > 60) ? 2 : 0.1
				printf "{\"name\":\"errs_total\",\"labels\":{\"cluster_id\":\"c-%d\",\"instance\":\"be%d\"},\"ts\":%d,\"value\":%.1f,\"type\":\"counter\"}\n", c, n, ts, s * 15 * rate
				d = 50 + (c % 4 == 1 ? s / 2 : 0) + n
				printf "{\"name\":\"disk_used_pct\",\"labels\":{\"cluster_id\":\"c-%d\",\"instance\":\"be%d\"},\"ts\":%d,\"value\":%d}\n", c, n, ts, d
			}
}' > "$T/points"

norm() { python3 -c 'import json,sys
for l in sys.stdin:
    print(json.dumps(json.loads(l), sort_keys=True))' | sort; }
evaluate -r "$T/rules.yml" --record "$T/rec1" "$T/points" 2>"$T/err1" | norm > "$T/one"
for i in 0 1 2; do
	evaluate -r "$T/rules.yml" --shard $i/3 --record "$T/rec-s$i" "$T/points" 2>/dev/null | norm > "$T/s$i"
done
sort "$T/s0" "$T/s1" "$T/s2" > "$T/union"
ok "one process fired alerts" grep -q '"ErrorsHigh"' "$T/one"
ok "and disk alerts" grep -q '"DiskHigh"' "$T/one"
check_same "the union of 3 shards fires exactly the same alert events" "$T/one" "$T/union"
cat "$T/rec-s0" "$T/rec-s1" "$T/rec-s2" | norm > "$T/recu"
norm < "$T/rec1" > "$T/rec1n"
ok "recording rule series were written" test -s "$T/rec1n"
check_same "and records exactly the same series" "$T/rec1n" "$T/recu"
n=0; for i in 0 1 2; do [ -s "$T/s$i" ] && n=$((n + 1)); done
is "$n" 3 "every shard fired something"
is "$(cat "$T/s0" "$T/s1" "$T/s2" | sort | uniq -d | wc -l | tr -d ' ')" 0 "no event in two shards"
evaluate -r "$T/rules.yml" --shard 2/2 </dev/null 2>/dev/null
is "$?" 64 "--shard 2/2 is a usage error"
done_testing
