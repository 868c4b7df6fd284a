# recommend: alert sections/s summarised from --stdin, and peak RSS.
# BENCH_SECTIONS (default 1000000) sets the size: rows of 1 or 3 sections
# (pipe-joined, as Lark cards make them), over 8 Pacific days, 2000
# clusters, the known alert names and a few unknown ones, Firing and
# Resolved mixed, so flapping, medians and the week-earlier change all run.
# No target is set by the issue; the line to watch is sections/s and that
# RSS stays well below the input size.
set -euo pipefail
N=${BENCH_SECTIONS:-1000000}
out=$BENCH_OUT/recommend
mkdir -p "$out"
rows=$out/rows-$N.ndjson
if [ ! -s "$rows" ]; then
	echo "generating $N alert sections"
	awk -v n="$N" 'BEGIN {
	nn = split("ProcNotRunning BeAliveAbnormal ClusterStateAbnormal FEQueryErrRateMoreThan60% CNAliveAbnormal FEHeapUsageTooHigh FEMaxTabletCompaction RootFreeDiskLessThan10% FEGCCount HeapUsageTooHigh OperationAbnormal BEDiskUsageHigh TabletMaxRowsetNumHigh BECompactionFailed LoadJobFailed TxnPublishTimeout MVRefreshFailed QueryLatencyP99High FECheckpointLag OperationDurationGT10m OperationDurationGT CustomAlertA CustomAlertB", names, " ");
	s = 0; i = 0;
	while (s < n) {
		k = (i % 2 && s + 3 <= n) ? 3 : 1;
		t = 1772956800 + int(i * (8 * 86400 / (n / 2)));	# 2026-03-08 08:00 UTC on
		cmd = ""; nm = ""; cid = ""; cn = "";
		for (j = 0; j < k; j++) {
			c = (i * 7 + j * 13) % 2000;
			nm = nm (j ? "|" : "") names[1 + (i + j) % nn];
			cid = cid (j ? "|" : "") sprintf("c-%06x", c);
			cn = cn (j ? "|" : "") sprintf("prod-%d", c);
		}
		st = (i % 3 == 2) ? "Resolved" : "Firing";
		printf "{\"message_id\":\"om_%012d-%s\",\"created_at\":\"%s\",\"cluster_name\":\"%s\",\"region\":\"us-west-2\",\"account_name\":\"acct\",\"cluster_id\":\"%s\",\"alert_status\":\"%s\",\"alert_name\":\"%s\",\"alert_detail\":\"detail %d\",\"source\":\"lark\"}\n",
			i, substr(st, 1, 1), strftime("%Y-%m-%d %H:%M:%S", t, 1), cn, cid, st, nm, i;
		s += k; i++;
	}
	}' > "$rows"
fi
s0=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$out/rss" recommend --stdin <"$rows" >"$out/recs.ndjson" 2>"$out/stderr"
s1=$(date +%s.%N)
python3 - "$N" "$s0" "$s1" "$(tail -1 "$out/rss")" "$(wc -l <"$out/recs.ndjson")" "$(stat -c %s "$rows")" <<'PY'
import sys
n, s0, s1, rss, recs, size = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
t = max(s1 - s0, 1e-6)
print("recommend --stdin      : %d sections in %.2f s = %.0f sections/s" % (n, t, n / t))
print("recommend peak RSS     : %.1f MiB (input %.0f MiB)" % (rss / 1024, size / 1048576))
print("records written        : %d" % recs)
PY
