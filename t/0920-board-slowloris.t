#!/usr/bin/env bash
# board against slow clients (issue 20.3): 600 connections from six source
# addresses trickle request headers and reconnect when closed.  The
# per-client limit (--max-per-client) caps what each address holds, the
# header deadline (--timeout, from the connect: trickled bytes do not extend
# it) frees the rest, and an authenticated probe of /healthz from another
# address answers within 1 s throughout.  The slow client stops by itself.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || skip_all "curl is not installed"
need_db

printf 'a-long-enough-board-token\n' >"$T/token"
chmod 600 "$T/token"
board --listen 127.0.0.1:0 --refresh 2s --timeout 3 --max-per-client 32 --token-file "$T/token" 2>"$T/err" &
pid=$!
trap 'kill $pid $lpid 2>/dev/null; _cleanup' EXIT
port=$(wait_port "$T/err" $pid)
H=http://127.0.0.1:$port
nok "a strong token in a private file: no warning" grep -q "easy to guess\|readable by every" "$T/err"

fd0=$(ls /proc/$pid/fd | wc -l)
python3 "$TOP/t/fakes/slowloris.py" "$port" 600 6 9 /api/clusters >"$T/loris" 2>&1 &
lpid=$!
sleep 2
fast=0 slowest=0 fdmax=0
for _ in $(seq 10); do
	f=$(ls /proc/$pid/fd | wc -l)
	[ "$f" -gt "$fdmax" ] && fdmax=$f
	t=$(curl -s -o "$T/h" -m 1 -w '%{http_code} %{time_total}' \
		-H 'Authorization: Bearer a-long-enough-board-token' "$H/healthz")
	case $t in 200\ *) fast=$((fast + 1)) ;; esac
	slowest=$(printf '%s\n%s\n' "$slowest" "${t#* }" | sort -g | tail -1)
	sleep 0.5
done
wait $lpid
sed 's/^/# /' "$T/loris"
val() { awk -v k="$1" '$1 == k { print $2 }' "$T/loris"; }
is "$fast" 10 "/healthz (with the token) answered within 1 s 10 times of 10 while 600 slow connections were tried (slowest ${slowest}s)"
ok "each address holds at most --max-per-client (6 x 32 = 192; board's descriptors at most $fdmax)" \
	test "$fdmax" -le $((fd0 + 192 + 4))
ok "no trickling connection outlived the header deadline from its connect (3 s; longest $(val longest) s)" \
	awk -v l="$(val longest)" 'BEGIN { exit !(l < 4.5) }'
ok "connections were closed and the client reconnected ($(val closed))" test "$(val closed)" -gt 300
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer a-long-enough-board-token' "$H/api/clusters")" 200 \
	"the API answers after the attack"
kill -TERM $pid
wait $pid
is "$?" 0 "SIGTERM: clean exit"
done_testing
