#!/usr/bin/env bash
# webhookd against slow clients (issue 20.3): 600 connections from six
# source addresses trickle request headers and reconnect when closed.  The
# per-client limit (--max-per-client) caps what each address holds, the
# header deadline (--timeout, from the connect: trickled bytes do not extend
# it) frees the rest, and /healthz from another address answers within 1 s
# throughout.  The slow client stops by itself (t/fakes/slowloris.py).
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || skip_all "curl is not installed"
need_db

webhookd --listen 127.0.0.1:0 --timeout 3 --max-per-client 64 -q 2>"$T/err" &
pid=$!
trap 'kill $pid $lpid 2>/dev/null; _cleanup' EXIT
port=$(wait_port "$T/err" $pid)
H=http://127.0.0.1:$port

fd0=$(ls /proc/$pid/fd | wc -l)
python3 "$TOP/t/fakes/slowloris.py" "$port" 600 6 9 /alertmanager >"$T/loris" 2>&1 &
lpid=$!
sleep 2
fast=0 slowest=0 fdmax=0
for _ in $(seq 10); do
	f=$(ls /proc/$pid/fd | wc -l)
	[ "$f" -gt "$fdmax" ] && fdmax=$f
	t=$(curl -s -o /dev/null -m 1 -w '%{http_code} %{time_total}' "$H/healthz")
	case $t in 200\ *) fast=$((fast + 1)) ;; esac
	slowest=$(printf '%s\n%s\n' "$slowest" "${t#* }" | sort -g | tail -1)
	sleep 0.5
done
wait $lpid
sed 's/^/# /' "$T/loris"
val() { awk -v k="$1" '$1 == k { print $2 }' "$T/loris"; }
is "$fast" 10 "/healthz answered within 1 s 10 times of 10 while 600 slow connections were tried (slowest ${slowest}s)"
ok "each address holds at most --max-per-client (6 x 64 = 384; webhookd's descriptors $fd0 -> at most $fdmax)" \
	test "$fdmax" -le $((fd0 + 384 + 4))
ok "no trickling connection outlived the header deadline from its connect (3 s; longest $(val longest) s)" \
	awk -v l="$(val longest)" 'BEGIN { exit !(l < 4.5) }'
ok "connections were closed and the client reconnected ($(val closed))" test "$(val closed)" -gt 300
ok "the deadline counts in /metrics" sh -c 'curl -s "$1/metrics" | awk "\$1 == \"webhookd_header_timeouts_total\" && \$2 > 0 { f = 1 } END { exit !f }"' _ "$H"
is "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$FIX/alertmanager/firing-and-resolved.json" "$H/alertmanager")" 200 \
	"a POST is stored after the attack"
kill -TERM $pid
wait $pid
is "$?" 0 "SIGTERM: clean exit"
done_testing
