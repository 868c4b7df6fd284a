# shellcheck shell=bash
# card-parse: messages/s on Lark messages made from the fixture cards (both
# card styles, text and recalled messages, varied ids, clusters and values),
# beside the Python reference (bench/ref/parse_ref.py), plus peak RSS.
# BENCH_MESSAGES (default 200000) sets the size.  Target: >= 3x the
# reference; memory flat (RSS independent of the input size).
set -euo pipefail
N=${BENCH_MESSAGES:-200000}
out=$BENCH_OUT/card-parse
mkdir -p "$out"
msgs=$out/messages-$N.ndjson

if [ ! -s "$msgs" ]; then
	echo "generating $N Lark messages from t/fixtures/lark/messages.ndjson"
	python3 - t/fixtures/lark/messages.ndjson "$N" >"$msgs.tmp" <<'PY'
import json, sys
base = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
subs = ["c-8f3a21", "c-77b0e4", "c-1d2e3f", "prod-orders", "prod-billing", "analytics-01",
        "acme-corp", "globex", "initech", "10.0.3.17", "91%", "7.5%", "14m"]
out = sys.stdout
for i in range(n):
    m = dict(base[i % len(base)])
    m["message_id"] = "om_%032x" % (i * 2654435761 % (1 << 128))
    m["create_time"] = str(1773100000000 + i * 1371)
    m["update_time"] = m["create_time"]
    c = m["body"]["content"]
    k = i % 997
    for j, s in enumerate(subs):
        if s in c:
            c = c.replace(s, "%s-%d" % (s, (k + 31 * j) % 1000) if j < 9 else "%d.%d" % (k % 100, j))
    m["body"] = {"content": c}
    out.write(json.dumps(m, ensure_ascii=False, separators=(",", ":")) + "\n")
PY
	mv "$msgs.tmp" "$msgs"
fi
size=$(du -m "$msgs" | cut -f1)

timed() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); python3 -c "print(max($e - $s, 1e-6))"; }
t_ref=$(timed sh -c "/usr/bin/python3 bench/ref/parse_ref.py < '$msgs' > '$out/ref.out'")
t_srw=$(timed sh -c "/usr/bin/time -f '%M' -o '$out/rss' card-parse '$msgs' > '$out/srw.out'")
rss=$(tail -1 "$out/rss")
# memory flat: the same run on a tenth of the input
head -n $((N / 10)) "$msgs" >"$out/small.ndjson"
/usr/bin/time -f '%M' -o "$out/rss-small" card-parse "$out/small.ndjson" >/dev/null
rss_small=$(tail -1 "$out/rss-small")
rm -f "$out/small.ndjson"
rows_ref=$(grep -c . "$out/ref.out" || true)
rows_srw=$(grep -c . "$out/srw.out" || true)
same=$(python3 - "$out/ref.out" "$out/srw.out" <<'PY'
import json, sys
a, b = open(sys.argv[1]), open(sys.argv[2])
print("identical" if all(json.loads(x) == json.loads(y) for x, y in zip(a, b)) else "DIFFERENT")
PY
)

python3 - "$N" "$t_ref" "$t_srw" "$rss" "$rss_small" "$size" "$rows_ref" "$rows_srw" "$same" <<'PY'
import sys
n, tref, tsrw, rss, rss_small, size, rref, rsrw = map(float, sys.argv[1:9])
same = sys.argv[9]
print("input                 : %d messages, %d MB" % (n, size))
print("parse_ref.py          : %10.0f messages/s  (%.2f s)" % (n / tref, tref))
print("card-parse            : %10.0f messages/s  (%.2f s)" % (n / tsrw, tsrw))
r = tref / tsrw
print("card-parse / reference: %.2fx  (target >= 3x) %s" % (r, "ok" if r >= 3 else "MISS"))
print("card-parse peak RSS   : %.1f MiB (%.1f MiB on a tenth of the input) %s" % (
    rss / 1024, rss_small / 1024, "flat" if rss < rss_small * 1.5 + 1024 else "NOT FLAT"))
print("rows                  : %d (reference %d), %s" % (rsrw, rref, same))
PY
rm -f "$out/ref.out" "$out/srw.out"
