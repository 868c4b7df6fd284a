#!/usr/bin/env bash
# Faults the tools' own tests do not play (issue 11):
# - lark-fetch and investigate against a server that resets, closes, cuts
#   its answer short, sends broken JSON, HTML or garbage, or stalls
#   (t/fakes/fault-http.py): a clean exit 69 with a message naming the
#   failure, bounded in time, never a crash;
# - score --write with its database killed and restarted in the middle:
#   exit 0 means every cluster's rows are there, once; anything else is a
#   clean failure, and running again completes the set exactly once;
# - webhookd's spool on a full file system (a 64 KiB tmpfs; needs root):
#   once the spool cannot take a batch the answer is 503, never 200, and
#   every alert answered 200 is in the database exactly once after replay.
# Uses a database of its own (it is killed).
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || skip_all "curl is not installed"
command -v python3 >/dev/null || skip_all "python3 is not installed"
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || skip_all "no mariadbd"

PIDS=
DB=$T/db
MNT=
cleanup() {
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	testdb stop "$DB" >/dev/null 2>&1
	_cleanup
}
trap cleanup EXIT
eval "$(testdb start "$DB")" || skip_all "could not start a database"

# fault MODE: start the fault server; sets FURL
fault() {
	rm -f "$T/fport"
	FAULT_PASS=${FAULT_PASS:-} python3 "$TOP/t/fakes/fault-http.py" "$1" "$T/fport" "$T/flog" &
	FPID=$!
	PIDS="$PIDS $FPID"
	for _ in $(seq 100); do [ -s "$T/fport" ] && break; sleep 0.05; done
	FURL=http://127.0.0.1:$(cat "$T/fport")
}
unfault() { kill "$FPID" 2>/dev/null; wait "$FPID" 2>/dev/null; }
# timed LIMIT CMD...: run CMD (killed after LIMIT s); sets RC and SECS
timed() {
	local limit=$1 s
	shift
	s=$(date +%s)
	timeout -s KILL "$limit" "$@"
	RC=$?
	SECS=$(($(date +%s) - s))
}

# -- lark-fetch: the token endpoint works, list-messages misbehaves
for m in reset empty truncated badjson html garbage; do
	FAULT_PASS=tenant_access_token fault "$m"
	LARK_APP_ID=cli_fault LARK_APP_SECRET=s3cret LARK_BASE_URL=$FURL \
		timed 90 lark-fetch 2026-03-10 >"$T/out" 2>"$T/err"
	unfault
	is "$RC" 69 "lark-fetch, Lark answers '$m': exit 69 (${SECS}s)"
	ok "lark-fetch, '$m': says what failed, writes no rows" \
		sh -c "grep -q '^lark-fetch: 2026-03-10: list messages: ' '$T/err' && ! [ -s '$T/out' ]"
done
# a Lark that accepts the connection and says nothing: --timeout bounds each
# request, the client's few retries bound the rest
FAULT_PASS=tenant_access_token fault stall
LARK_APP_ID=cli_fault LARK_APP_SECRET=s3cret LARK_BASE_URL=$FURL \
	timed 90 lark-fetch --timeout 1s 2026-03-10 >"$T/out" 2>"$T/err"
unfault
is "$RC" 69 "lark-fetch, Lark stalls: exit 69 (${SECS}s)"
ok "lark-fetch --timeout 1s gives up within a minute" test "$SECS" -lt 60
ok "lark-fetch, stall: says it timed out" grep -qi 'timed out\|timeout' "$T/err"
# and the same at the login
fault reset
LARK_APP_ID=cli_fault LARK_APP_SECRET=s3cret LARK_BASE_URL=$FURL \
	timed 90 lark-fetch 2026-03-10 >"$T/out" 2>"$T/err"
unfault
is "$RC" 69 "lark-fetch, token endpoint resets: exit 69"
ok "lark-fetch names the token endpoint, not the secret" \
	sh -c "grep -q 'tenant_access_token' '$T/err' && ! grep -q s3cret '$T/err'"

# -- investigate: the model endpoint misbehaves; the rules still report
for m in reset truncated badjson html garbage stall; do
	fault "$m"
	ANTHROPIC_API_KEY=sk-fault ANTHROPIC_BASE_URL=$FURL \
		timed 120 investigate --timeout 4s --now "2026-03-10 12:00:00" --cluster c-fault \
		--dry-run >"$T/out" 2>"$T/err"
	unfault
	is "$RC" 69 "investigate, model answers '$m': exit 69 (${SECS}s)"
	ok "investigate, '$m': says the model failed, falls back to the rules' report" \
		sh -c "grep -q 'model investigation failed' '$T/err' && grep -q 'using the rules' '$T/err' &&
			jq -e -s 'length == 1 and .[0].cluster_id == \"c-fault\"' '$T/out' >/dev/null"
	ok "investigate, '$m': the API key is not in the log" sh -c "! grep -q sk-fault '$T/err'"
	[ "$m" = stall ] && STALL_SECS=$SECS
done
# --timeout bounds the whole investigation, retries of a stalled call included
ok "investigate --timeout 4s holds against a stalled model (${STALL_SECS}s)" test "$STALL_SECS" -le 12

# -- score --write across a database crash and restart
N=${FAULT_CLUSTERS:-20000}
H="2031-01-10 12:00:00" AT="2031-01-10 13:05:00"
my() { mariadb --no-defaults -uroot -S "$STARROCKS_SOCKET" --local-infile=1 -N -B -e "$1"; }
awk -v n="$N" -v h="$H" 'BEGIN {
	split("starrocks_be_cpu_util_percent starrocks_be_jvm_heap_used_percent starrocks_be_disks_data_used_pct starrocks_be_compaction_score_average starrocks_fe_query_latency_ms_p99 starrocks_fe_query_err", m, " ");
	split("30 45 60 150 3000 0.05", b, " ");
	srand(11);
	for (i = 0; i < n; i++)
		for (k = 1; k <= 6; k++) {
			v = b[k] * (0.3 + 2 * rand());
			printf "f-%06d\t%s\t%s\t%.4f\t%.4f\t%.4f\t4\n", i, m[k], h, v, v, v
		}
}' >"$T/snap.tsv"
my "LOAD DATA LOCAL INFILE '$T/snap.tsv' INTO TABLE metrics.amv_hourly_snapshots_v1
    (cluster_id, metric, hour, avg_value, min_value, max_value, samples)"
is "$(sql "SELECT COUNT(DISTINCT cluster_id) FROM metrics.amv_hourly_snapshots_v1 WHERE hour = '$H'")" "$N" \
	"$N clusters seeded"
rows() { sql "SELECT COUNT(*) FROM ops.$1 WHERE cluster_id LIKE 'f-%'" 2>/dev/null; }

score --write --at "$AT" 2>"$T/score.err" &
SP=$!
PIDS="$PIDS $SP"
for _ in $(seq 400); do
	n=$(rows cluster_health_scores)
	[ "${n:-0}" -gt 0 ] && break
	kill -0 "$SP" 2>/dev/null || break
	sleep 0.02
done
diag "killing the database with ${n:-0} score rows written"
testdb kill "$DB"
sleep 1
testdb start "$DB" >/dev/null
s=$(date +%s)
wait "$SP"
RC=$?
diag "score exited $RC $(($(date +%s) - s))s after the restart: $(tail -n 2 "$T/score.err" | tr '\n' ' ')"
ok "score survives the crash: exit 0 or a clean 69/75, not a signal" sh -c "[ $RC = 0 ] || [ $RC = 69 ] || [ $RC = 75 ]"
if [ "$RC" = 0 ]; then
	is "$(rows cluster_health_scores) $(rows cluster_risk_snapshots)" "$N $N" \
		"score exited 0: every cluster's score and snapshot is there"
else
	ok "score's failure says why" grep -q '^score: ' "$T/score.err"
	score --write --at "$AT" 2>"$T/score2.err"
	is "$?" 0 "score run again after the failure: exit 0"
fi
is "$(rows cluster_health_scores) $(rows cluster_risk_snapshots)" "$N $N" \
	"each cluster scored once, in both tables"
is "$(sql "SELECT COUNT(DISTINCT scored_at) FROM ops.cluster_health_scores WHERE cluster_id LIKE 'f-%'")" 1 \
	"one scored_at for the run"

# -- webhookd's spool on a full disk
mkdir -p "$T/mnt"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64k,nr_inodes=64 srw-fault "$T/mnt" 2>/dev/null; then
	MNT=$T/mnt
	webhookd --listen 127.0.0.1:0 --spool "$MNT" --db-wait 300ms 2>"$T/wh.err" &
	WP=$!
	PIDS="$PIDS $WP"
	for _ in $(seq 200); do
		PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$T/wh.err")
		[ -n "$PORT" ] && break
		sleep 0.05
	done
	testdb stop "$DB" >/dev/null
	: >"$T/acked"
	: >"$T/codes"
	for i in $(seq 150); do
		# ~3 KiB of detail per alert so the 64 KiB fill quickly
		python3 -c "import json,sys; print(json.dumps({'version':'4','status':'firing','alerts':[
			{'status':'firing','labels':{'alertname':'DiskFull-%s' % sys.argv[1],'cluster_id':'c-full'},
			 'annotations':{'description':'x' * 3000},'startsAt':'2026-03-10T14:03:22Z'}]}))" "$i" >"$T/p.json"
		c=$(curl -s -o "$T/body" -w '%{http_code}' -m 30 -X POST --data-binary @"$T/p.json" \
			"http://127.0.0.1:$PORT/alertmanager")
		echo "$c" >>"$T/codes"
		[ "$c" = 200 ] && echo "DiskFull-$i" >>"$T/acked"
		[ "$c" = 503 ] && [ "$(grep -c 503 "$T/codes")" -ge 5 ] && break
	done
	acked=$(grep -c '' "$T/acked")
	diag "answers with the spool filling: $(sort "$T/codes" | uniq -c | tr -s ' \n' ' ')"
	ok "spool full: answered 503, not 200 (after $acked spooled)" \
		sh -c "[ $acked -gt 0 ] && grep -q 503 '$T/codes' && ! grep -qv '^\(200\|503\)$' '$T/codes'"
	ok "the 503 says why in JSON" sh -c "jq -e .error '$T/body' >/dev/null"
	ok "webhookd still runs" kill -0 "$WP"
	testdb start "$DB" >/dev/null
	for _ in $(seq 200); do
		[ "$(sql "SELECT COUNT(*) FROM alerts.lark_alerts WHERE cluster_id = 'c-full'" 2>/dev/null)" -ge "$acked" ] 2>/dev/null &&
			! ls "$MNT" | grep -q '^spool-' && break
		sleep 0.1
	done
	sql "SELECT alert_name FROM alerts.lark_alerts WHERE cluster_id = 'c-full'" | sort >"$T/stored"
	sort "$T/acked" >"$T/acked.s"
	ok "every alert answered 200 is stored after the replay" sh -c "[ -z \"\$(comm -23 '$T/acked.s' '$T/stored')\" ]"
	is "$(sql "SELECT COUNT(*) - COUNT(DISTINCT alert_name) FROM alerts.lark_alerts WHERE cluster_id = 'c-full'")" 0 \
		"each once"
	is "$(ls "$MNT" | grep -c '^spool-')" 0 "the spool is empty again"
	kill "$WP"
	wait "$WP" 2>/dev/null
	umount "$MNT" && MNT=
else
	diag "skipped the disk-full spool test: needs root and a tmpfs mount"
fi
done_testing
