# webhookd's CPU per request in instructions (callgrind), a figure the
# machine's load does not move: BENCH_CG_REQS (2000) POSTs of the fixture
# payload, each with alerts of its own, over one keep-alive connection,
# after 200 untimed ones; instructions of the whole process (HTTP threads
# and writer) divided by the requests, and where they go (top functions,
# inclusive).  Compared with the previous run (bench/out/webhookd-cg/last).
set -euo pipefail
n=${BENCH_CG_REQS:-2000}
out=$BENCH_OUT/webhookd-cg
mkdir -p "$out"
command -v valgrind >/dev/null || { echo "valgrind is not installed: skipped"; exit 0; }
db=$out/db
eval "$(testdb start "$db")"
wh=
trap '[ -n "$wh" ] && kill $wh 2>/dev/null; testdb stop "$db" >/dev/null' EXIT
cat >"$out/client.py" <<'PY'
import http.client, sys
port, n, tag, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
body = open(path).read()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
ok = 0
for i in range(n):
    b = body.replace("BeAliveAbnormal", "BeAliveAbnormal-%s-%d" % (tag, i)).replace(
        "FEHeapUsageTooHigh", "FEHeapUsageTooHigh-%s-%d" % (tag, i))
    c.request("POST", "/alertmanager", b, {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    ok += r.status == 200
print(ok)
PY
payload=$PWD/t/fixtures/alertmanager/firing-and-resolved.json
valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" \
	"$(command -v webhookd)" --listen 127.0.0.1:0 -q 2>"$out/err" &
wh=$!
port=
for _ in $(seq 300); do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$out/err")
	[ -n "$port" ] && break
	sleep 0.1
done
python3 "$out/client.py" "$port" 200 warm "$payload" >/dev/null
ok=$(python3 "$out/client.py" "$port" "$n" "r$$" "$payload")
kill -TERM "$wh"; wait "$wh" || true
wh=
total=$(callgrind_annotate "$out/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
per=$((total / (n + 200)))
echo "webhookd: $per instructions per request ($ok of $n answered 200; 2 alerts each, bulk path)"
callgrind_annotate --inclusive=yes "$out/cg.out" 2>/dev/null |
	grep -E '^ *[0-9,]+ \([ 0-9.]+%\)  (lib|cmd)/' | sed 's/ \[.*//' | head -12
if [ -s "$out/last" ]; then
	echo "previous run: $(cat "$out/last") per request ($(awk -v a="$per" -v b="$(cat "$out/last")" 'BEGIN { printf "%+.1f%%", (a - b) * 100 / b }'))"
fi
echo "$per" >"$out/last"
