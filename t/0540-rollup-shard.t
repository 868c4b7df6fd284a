#!/usr/bin/env bash
# rollup --shard I/N: N processes over the same stream share the series; the
# union of their outputs equals one process's output, rollups and snapshots.
. "$(dirname "$0")/lib.sh"

# 300 series over 20 clusters, two hours, counter resets, a late point
awk 'BEGIN {
	t0 = 1773151200000
	for (step = 0; step < 48; step++)
		for (c = 0; c < 20; c++)
			for (k = 0; k < 15; k++) {
				v = (step * 7 + k) % 23
				if (k % 3 == 0) { v = (step % 17) * 100 + k; t = "counter" } else t = "gauge"
				printf "{\"name\":\"m%d\",\"labels\":{\"cluster_id\":\"c-%d\",\"instance\":\"be%d:8040\"},\"ts\":%d,\"value\":%d,\"type\":\"%s\"}\n", k % 5, c, k, t0 + step * 150000, v, t
			}
	printf "{\"name\":\"m1\",\"labels\":{\"cluster_id\":\"c-1\",\"instance\":\"be1:8040\"},\"ts\":%d,\"value\":1}\n", t0
}' > "$T/points"

rollup -r 5m,1h "$T/points" 2>/dev/null | sort > "$T/one"
for i in 0 1 2; do rollup -r 5m,1h --shard $i/3 "$T/points" 2>/dev/null > "$T/s$i"; done
sort "$T/s0" "$T/s1" "$T/s2" > "$T/union"
ok "one process wrote rollup rows" test -s "$T/one"
check_same "the union of 3 shards equals one process" "$T/one" "$T/union"
is "$(sort "$T/s0" "$T/s1" "$T/s2" | uniq -d | wc -l | tr -d ' ')" 0 "no row in two shards"
for i in 0 1 2; do ok "shard $i/3 has work" test -s "$T/s$i"; done
series() { python3 -c 'import json,sys
print("\n".join(sorted({json.dumps([r["name"], r["labels"]], sort_keys=True) for r in map(json.loads, open(sys.argv[1]))})))' "$1"; }
is "$(comm -12 <(series "$T/s0") <(series "$T/s1") | wc -l | tr -d ' ')" 0 "a series lives in one shard only"

# the late point is judged against the whole stream in every shard
rollup -r 5m --shard 0/1 "$T/points" >/dev/null 2>"$T/err1"
is "$?" 1 "--shard 0/1 behaves as one process (the late point is rejected)"
rej=0
for i in 0 1 2; do rollup -r 5m --shard $i/3 "$T/points" >/dev/null 2>&1 || rej=$((rej + 1)); done
is "$rej" 1 "exactly one shard owns and rejects the late point"

# --snapshot shards whole clusters, so each cluster's dimensions stay whole
s() { scrape --time "$1" -l cluster_id="$2" -l instance="$3" "$4"; }
for c in c-a c-b c-c c-d c-e c-f; do
	s "2026-03-10 14:00:00" $c fe1:8030 "$FIX/metrics/fe.prom"
	s "2026-03-10 14:00:00" $c be1:8040 "$FIX/metrics/be.prom"
	s "2026-03-10 14:30:00" $c fe1:8030 "$FIX/metrics/fe.prom"
	s "2026-03-10 14:30:00" $c be1:8040 "$FIX/metrics/be.prom"
done > "$T/scrapes"
rollup --snapshot "$T/scrapes" 2>/dev/null | sort > "$T/snap1"
for i in 0 1; do rollup --snapshot --shard $i/2 "$T/scrapes" 2>/dev/null; done | sort > "$T/snap2"
ok "snapshots were written" test -s "$T/snap1"
check_same "snapshot shards union equals one process" "$T/snap1" "$T/snap2"

rollup --shard 3/3 </dev/null 2>/dev/null
is "$?" 64 "--shard 3/3 is a usage error"
rollup --shard x </dev/null 2>/dev/null
is "$?" 64 "--shard x is a usage error"
done_testing
