# webhookd against the Flask reference (bench/ref/webhook_ref.py), both
# storing into the same test database, under wrk with BENCH_CONNS (32)
# connections.  Fair and checked (issue 19):
# - both servers are started and warmed (an untimed run each) before the
#   first timed run, and the table is emptied before every run;
# - runs alternate ours / reference BENCH_ROUNDS times (3) per payload;
#   min and median of requests/s and of p99 are reported;
# - "distinct": every request carries alerts of its own (all rows new), the
#   run the >= 20x goal is checked on; "same": every request the fixture
#   payload, which webhookd folds into one row per batch (shown, not judged);
# - webhookd's p99 < 5 ms at BENCH_CONNS connections checked (median run);
# - CPU per request of webhookd, mariadbd and wrk itself (from /proc and
#   bash's time), and wrk's share of the machine, so the figure says what
#   the load generator took from the server;
# - webhookd's RSS flat across its runs.
# Goals print ok or MISSED; the script exits 1 when one is missed.
set -euo pipefail
secs=${BENCH_SECS:-5}
conns=${BENCH_CONNS:-32}
rounds=${BENCH_ROUNDS:-3}
out=$BENCH_OUT/webhookd
mkdir -p "$out"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk): skipped"; exit 0; }
db=$out/db
eval "$(testdb start "$db")"
pids=
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; testdb stop "$db" >/dev/null' EXIT
my() { mariadb --no-defaults -uroot -S "$STARROCKS_SOCKET" -N -B -e "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }	# utime + stime
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
mpid=$(pgrep -f "mariadbd.*$db" | head -1)

payload=$PWD/t/fixtures/alertmanager/firing-and-resolved.json
cat >"$out/same.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$payload", "rb")
wrk.body = f:read("*a")
f:close()
EOF
# every request with alerts of its own (new rows, nothing to fold); RUN
# keeps the alert names of one run apart from the next
cat >"$out/distinct.lua" <<EOF
local f = io.open("$payload", "rb")
local body = f:read("*a")
f:close()
local run = os.getenv("RUN") or "0"
local threads, n = 0, 0
function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
end
function request()
	n = n + 1
	local tag = run .. "-" .. tid .. "-" .. n
	local b = body:gsub("BeAliveAbnormal", "BeAliveAbnormal-" .. tag)
	b = b:gsub("FEHeapUsageTooHigh", "FEHeapUsageTooHigh-" .. tag)
	return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, b)
end
EOF

# run NAME PORT LUA SERVERPID [SECS]: a timed wrk run; its output in NAME.wrk,
# CPU ticks of the server, mariadbd and wrk in NAME.cpu
run() {
	local s0 m0 s1 m1 t
	my "TRUNCATE TABLE alerts.lark_alerts"
	s0=$(cpu_ticks "$4"); m0=$(cpu_ticks "$mpid")
	t=$( { TIMEFORMAT='%R %U %S'; time RUN=$1 wrk -t2 -c"$conns" -d"${5:-$secs}s" --latency \
		-s "$out/$3.lua" "http://127.0.0.1:$2/alertmanager" >"$out/$1.wrk" 2>&1; } 2>&1 )
	s1=$(cpu_ticks "$4"); m1=$(cpu_ticks "$mpid")
	echo "$((s1 - s0)) $((m1 - m0)) $t" >"$out/$1.cpu"
}
rps() { awk '/^Requests\/sec:/ { print $2 }' "$out/$1.wrk"; }
# p99 in ms whatever unit wrk chose
p99() { awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
	print v * (u == "us" ? 0.001 : u == "s" ? 1000 : u == "m" ? 60000 : 1) }' "$out/$1.wrk"; }
errs() { awk '/Non-2xx/ { print $NF; f = 1 } END { if (!f) print 0 }' "$out/$1.wrk"; }

# the Flask reference
rp=$(free_port)
PORT=$rp /usr/bin/python3 bench/ref/webhook_ref.py >"$out/ref.log" 2>&1 &
ref=$!; pids="$pids $ref"
for _ in $(seq 100); do curl -s -o /dev/null -m 1 "http://127.0.0.1:$rp/" && break; sleep 0.1; done

# webhookd, as deployed: with a spool
mkdir -p "$out/spool"
rm -f "$out/spool"/spool-*
webhookd --listen 127.0.0.1:0 --quiet --spool "$out/spool" 2>"$out/webhookd.log" &
wh=$!; pids="$pids $wh"
wp=
for _ in $(seq 100); do
	wp=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$out/webhookd.log" 2>/dev/null)
	[ -n "$wp" ] && break
	sleep 0.05
done

# warm both (untimed): code paths, connections, the buffer pool
run warm-ref "$rp" distinct "$ref" 2
run warm-wh "$wp" distinct "$wh" 2
rss0=$(rss "$wh")
for i in $(seq "$rounds"); do
	for kind in distinct same; do
		run "ref-$kind-$i" "$rp" "$kind" "$ref"
		run "wh-$kind-$i" "$wp" "$kind" "$wh"
	done
	eval "rss$i=\$(rss \$wh)"
done
rows_wh=$(my "SELECT COUNT(*) FROM alerts.lark_alerts")
curl -s "http://127.0.0.1:$wp/metrics" >"$out/metrics.txt"
kill -TERM "$wh"; wait "$wh" || true
kill "$ref"; wait "$ref" 2>/dev/null || true

{
	for i in $(seq "$rounds"); do
		for kind in distinct same; do
			for side in ref wh; do
				n=$side-$kind-$i
				echo "$side $kind $i $(rps "$n") $(p99 "$n") $(errs "$n") $(cat "$out/$n.cpu")"
			done
		done
	done
} >"$out/runs.txt"
status=0
python3 - "$out/runs.txt" "$conns" "$secs" "$rounds" "$(getconf CLK_TCK)" "$(nproc)" \
	"$rss0" "$(eval echo "\$rss$rounds")" "$rss1" <<'PY' || status=$?
import statistics, sys
path, conns, secs, rounds, hz, ncpu = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
rss0, rss_last, rss1 = map(int, sys.argv[7:10])
runs = {}
for line in open(path):
    side, kind, i, rps, p99, errs, srv, db, real, user, sys_ = line.split()
    reqs = float(rps) * float(real)
    runs.setdefault((side, kind), []).append(dict(rps=float(rps), p99=float(p99), errs=int(errs),
        srv_us=int(srv) / hz * 1e6 / reqs, db_us=int(db) / hz * 1e6 / reqs,
        wrk_us=(float(user) + float(sys_)) * 1e6 / reqs,
        wrk_share=(float(user) + float(sys_)) / (float(real) * ncpu)))
missed = 0
def check(ok, what):
    global missed
    print("%-7s %s" % ("ok" if ok else "MISSED", what))
    missed += not ok
print("wrk -t2 -c%d, %gs runs, %d alternated rounds per payload (min / median)" % (conns, secs, rounds))
print("%-28s %17s %17s %6s %19s" % ("", "req/s", "p99 ms", "non2xx", "CPU us/req srv db wrk"))
for kind in ("distinct", "same"):
    for side, name in (("ref", "webhook_ref.py (Flask)"), ("wh", "webhookd")):
        r = runs[(side, kind)]
        rp = sorted(x["rps"] for x in r); pp = sorted(x["p99"] for x in r)
        print("%-28s %8.0f %8.0f %8.2f %8.2f %6d %6.0f %6.0f %6.0f" % (
            name + ", " + kind, rp[0], statistics.median(rp), pp[0], statistics.median(pp),
            sum(x["errs"] for x in r), statistics.median(x["srv_us"] for x in r),
            statistics.median(x["db_us"] for x in r), statistics.median(x["wrk_us"] for x in r)))
wd, rd = runs[("wh", "distinct")], runs[("ref", "distinct")]
# CPU per request moves less with the machine's load than requests/s do
cw = statistics.median(x["srv_us"] + x["db_us"] for x in wd)
cr = statistics.median(x["srv_us"] + x["db_us"] for x in rd)
print("CPU per request, server + mariadbd, distinct: webhookd %.0f us, reference %.0f us (%.1fx less)" % (cw, cr, cr / cw))
ratio = statistics.median(x["rps"] for x in wd) / statistics.median(x["rps"] for x in rd)
ratio_min = min(x["rps"] for x in wd) / max(x["rps"] for x in rd)
print("wrk's own CPU: %.0f%% of the machine in webhookd's distinct runs (%.0f us per request)" % (
    100 * statistics.median(x["wrk_share"] for x in wd), statistics.median(x["wrk_us"] for x in wd)))
check(ratio >= 20, "distinct alerts: webhookd %.1fx the reference (median; worst pairing %.1fx; goal >= 20x)" % (ratio, ratio_min))
p99 = statistics.median(x["p99"] for x in wd)
check(p99 < 5, "distinct alerts: webhookd p99 %.2f ms at %d connections (median of runs; goal < 5 ms)" % (p99, conns))
check(sum(x["errs"] for x in wd + runs[("wh", "same")]) == 0, "webhookd answered every request 2xx")
check(rss_last <= rss1 * 1.1 + 1024, "webhookd RSS flat: %.1f MiB warm, %.1f after round 1, %.1f after round %d" % (
    rss0 / 1024, rss1 / 1024, rss_last / 1024, rounds))
sys.exit(1 if missed else 0)
PY
grep -E '^webhookd_(alerts_stored|alerts_duplicate|acks_from_spool)_total' "$out/metrics.txt" || true
exit $status
