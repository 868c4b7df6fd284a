# fleet intake (issue 16): a simulated fleet of 500 clusters x 4 targets x
# 300 series (600,000 samples a round) served by one fake exporter process
# on loopback (t/fakes/fake-exporter.py --static, 8 ports, a path per
# target), and remote-writed's decoder.
#   scrape: one process takes a whole round (every target at once, at most
#     256 in flight) in under a third of a 15 s interval; peak RSS flat
#     from round 2 to round 6 (within 5%).  Rounds after a warm-up round, the
#     exporter's bodies cached; min, median, max over 6 rounds.
#   remote-writed: >= 1,000,000 samples/s on one core for snappy + protobuf
#     + checks + NDJSON out (bench/rw-decode.c, srw_rw_decode as the daemon
#     calls it), alternated with the floor (snappy -d + protobuf-c parse,
#     nothing out) on the same requests: 500 requests of 2000 samples, CPU
#     time, min and median of 5; callgrind instructions per sample for both.
# BENCH_FLEET_CLUSTERS=50 scales the fleet down.
set -u
top=$(pwd)
clusters=${BENCH_FLEET_CLUSTERS:-500}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/srw-bench-fleet.XXXXXX")
fake=
trap '[ -n "$fake" ] && kill $fake 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

python3 t/fakes/fake-exporter.py --static --clusters "$clusters" --per 4 --series 300 \
	--ports 8 --targets-out "$tmp/fleet.json" 2>"$tmp/fake.err" &
fake=$!
for i in $(seq 300); do grep -q ready "$tmp/fake.err" 2>/dev/null && break; sleep 0.1; done
scrape --targets "$tmp/fleet.json" >/dev/null 2>&1	# warm-up: bodies cached, caches hot
scrape -v --targets "$tmp/fleet.json" --time "2026-03-10 00:00:00" -i 15s -n 6 \
	>/dev/null 2>"$tmp/rounds"
kill $fake; wait $fake 2>/dev/null; fake=
grep '^scrape: round' "$tmp/rounds"
python3 - "$tmp/rounds" "$((clusters * 4))" <<'PY'
import re, sys
rows = [tuple(map(int, m.groups())) for m in
        (re.search(r"round (\d+): (\d+) targets, (\d+) down, (\d+) samples, (\d+) ms, peak RSS (\d+) kB", l)
         for l in open(sys.argv[1])) if m]
want = int(sys.argv[2])
ms = sorted(r[4] for r in rows)
ok_all = all(r[1] == want and r[2] == 0 for r in rows)
med = ms[len(ms) // 2]
print("scrape: %d rounds of %d targets (%d samples): round ms min %d median %d max %d; goal < 5000 (15 s / 3): %s"
      % (len(rows), want, rows[0][3], ms[0], med, ms[-1], "ok" if med < 5000 and ok_all else "MISSED"))
rss2, rss6 = rows[1][5], rows[-1][5]
print("scrape: peak RSS round 2 %d kB, round %d %d kB (+%.1f%%); goal flat (< 5%%): %s"
      % (rss2, len(rows), rss6, 100.0 * (rss6 - rss2) / rss2, "ok" if rss6 <= rss2 * 1.05 else "MISSED"))
if not ok_all:
    print("scrape: some rounds had targets down or missing: MISSED")
PY

# remote-writed's decoder against its floor
bin=$tmp/rw-decode
${CC:-cc} -std=gnu11 -O2 -Iinclude $(pkg-config --cflags jansson) -o "$bin" bench/rw-decode.c \
	"$SRW_BIN/../libsrw.a" $(pkg-config --libs jansson libcjson libcurl yaml-0.1 libprotobuf-c snappy simdjson) \
	-lstdc++ -lpthread -lm || { echo "rw-decode: build failed"; exit 1; }
"$bin" -n 500 -s 2000 -r 5 | tee "$tmp/rw"
if command -v valgrind >/dev/null; then
	for m in floor full; do
		valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$m" --toggle-collect="${m}_one*" \
			"$bin" -n 20 -s 2000 -r 1 -m $m >/dev/null 2>"$tmp/cg.$m.err"
		sed -n 's/.*refs: *//p' "$tmp/cg.$m.err" | tr -d , >"$tmp/ir.$m"
	done
	echo "callgrind: instructions per sample: floor $(($(cat "$tmp/ir.floor") / 40000)), full $(($(cat "$tmp/ir.full") / 40000))"
fi
python3 - "$tmp/rw" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"floor max (\d+) median (\d+) .*full max (\d+) median (\d+)", t)
fmax, fmed, umax, umed = map(int, m.groups())
print("remote-writed decode: %.2fM samples/s median on one core (floor %.2fM); goal >= 1M: %s"
      % (umed / 1e6, fmed / 1e6, "ok" if umed >= 1e6 else "MISSED"))
PY
