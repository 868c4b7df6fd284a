#!/bin/sh
# investigate's run_sql against the real database, the red-team's
# reproductions of issue 20.1-2: no read-only account means no run_sql;
# an account that may read every schema is refused; backquoted LOAD_FILE,
# SLEEP, GET_LOCK, MASTER_GTID_WAIT and StarRocks's FILES() never run; a
# result of rows x 8 MB is read row by row and cut at the byte budget.
. "$(dirname "$0")/lib.sh"
need_db
plan 17

NOW='2026-03-10 12:00:00'
KEY=sk-ant-test-$$-secret
RO_USER=${INVESTIGATE_DB_USER:-}
RO_PASS=${INVESTIGATE_DB_PASSWORD_FILE:-}
unset ANTHROPIC_API_KEY OPENAI_BASE_URL KNOWLEDGE_LAKE_URL INVESTIGATE_DB_USER \
	INVESTIGATE_DB_PASSWORD INVESTIGATE_DB_PASSWORD_FILE

start_fake() {
	mkdir -p "$T/fake$1"
	python3 "$TOP/t/fakes/fake-anthropic.py" "$2" "$T/fake$1" &
	FAKEPID=$!
	i=0; while [ ! -f "$T/fake$1/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	FAKEURL=http://127.0.0.1:$(cat "$T/fake$1/port")
}
stop_fake() { kill $FAKEPID 2>/dev/null; wait $FAKEPID 2>/dev/null; }
# one model turn calling run_sql with each statement of $2.. (ids q1, q2, ...),
# then a final answer; the statements' results are in $T/fake$1/req-2.json
script() {
	n=$1; shift
	python3 - "$KEY" "$@" >"$T/script$n.json" <<'PY'
import json, sys
key, stmts = sys.argv[1], sys.argv[2:]
uses = [{"type": "tool_use", "id": "q%d" % (i + 1), "name": "run_sql", "input": {"sql": s}}
        for i, s in enumerate(stmts)]
final = {"type": "text", "text": json.dumps({"severity": "low", "confidence": 0.5,
         "root_cause": "x", "evidence": [], "recommendations": []})}
print(json.dumps({"api_key": key, "responses": [
    {"content": uses, "stop_reason": "tool_use"},
    {"content": [final], "stop_reason": "end_turn"}]}))
PY
}
# the text run_sql gave the model for call $2 of conversation $1
result() {
	python3 - "$T/fake$1/req-2.json" "$2" <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))
for m in body["messages"]:
    if m["role"] == "user" and isinstance(m["content"], list):
        for b in m["content"]:
            if b.get("type") == "tool_result" and b["tool_use_id"] == sys.argv[2]:
                c = b["content"]
                print(c if isinstance(c, str) else "".join(x.get("text", "") for x in c))
PY
}
run() {	# conversation number, then env assignments; stdout: report
	n=$1; shift
	start_fake "$n" "$T/script$n.json"
	env "$@" ANTHROPIC_API_KEY=$KEY ANTHROPIC_BASE_URL=$FAKEURL \
		investigate --now "$NOW" --cluster rs-1 --dry-run --tool-budget 4096 --sql-timeout 5 \
		>"$T/r$n" 2>"$T/err$n"
	echo $? >"$T/rc$n"
	stop_fake
}

# 1. no read-only account: run_sql refuses, naming the variable; the
# statement never reaches the server as the read-write account
script 1 "SELECT user, password FROM mysql.user"
run 1 STARROCKS_USER=root
case $(result 1 q1) in *"INVESTIGATE_DB_USER"*"read-only"*|*"read-only"*"INVESTIGATE_DB_USER"*) r=0 ;; *) r=1 ;; esac
is "$r" 0 "without INVESTIGATE_DB_USER run_sql refuses and names the variable"
case $(result 1 q1) in *'"root"'*|*'"rows"'*) r=1 ;; *) r=0 ;; esac
is "$r" 0 "no mysql.user row reached the model"

# 2. an account that may SELECT every schema is not read-only enough
sql "CREATE USER IF NOT EXISTS 'rs_wide'@'localhost' IDENTIFIED BY 'wide-$$';
CREATE USER IF NOT EXISTS 'rs_wide'@'%' IDENTIFIED BY 'wide-$$';
GRANT SELECT ON *.* TO 'rs_wide'@'localhost'; GRANT SELECT ON *.* TO 'rs_wide'@'%';
CREATE USER IF NOT EXISTS 'rs_rw'@'localhost' IDENTIFIED BY 'rw-$$';
CREATE USER IF NOT EXISTS 'rs_rw'@'%' IDENTIFIED BY 'rw-$$';
GRANT SELECT, INSERT ON ops.* TO 'rs_rw'@'localhost'; GRANT SELECT, INSERT ON ops.* TO 'rs_rw'@'%'"
script 2 "SELECT COUNT(*) AS n FROM mysql.user"
run 2 INVESTIGATE_DB_USER=rs_wide INVESTIGATE_DB_PASSWORD=wide-$$
case $(result 2 q1) in *"not read-only"*"every schema"*) r=0 ;; *) r=1 ;; esac
is "$r" 0 "an account with SELECT ON *.* is refused (it reads mysql.user)"
script 3 "SELECT 1 AS one"
run 3 INVESTIGATE_DB_USER=rs_rw INVESTIGATE_DB_PASSWORD=rw-$$
case $(result 3 q1) in *"not read-only"*"INSERT"*) r=0 ;; *) r=1 ;; esac
is "$r" 0 "an account that may INSERT is refused"

# 3. the read-only account of scripts/testdb: quoted calls never run
[ -n "$RO_USER" ] || { diag "no INVESTIGATE_DB_USER from scripts/testdb"; }
script 4 "SELECT \`LOAD_FILE\`('/etc/hostname') AS f" "SELECT \`SLEEP\`(4) AS s" \
	"SELECT \`GET_LOCK\`('rs-lock', 0) AS l" "SELECT \`MASTER_GTID_WAIT\`('0-1-100', 4) AS w" \
	"SELECT * FROM FILES('path' = 'file:///etc/hostname', 'format' = 'csv')" \
	"SELECT user FROM mysql.user" "SELECT CURRENT_USER() AS who, COUNT(*) AS n FROM ops.seq_1_to_40"
s0=$(date +%s)
run 4 INVESTIGATE_DB_USER=$RO_USER INVESTIGATE_DB_PASSWORD_FILE=$RO_PASS
el=$(( $(date +%s) - s0 ))
is "$(cat "$T/rc4")" 0 "investigate exits 0"
case $(result 4 q1) in *"refused: LOAD_FILE is not allowed"*) r=0 ;; *) r=1 ;; esac
is "$r" 0 "\`LOAD_FILE\`(...) refused"
nok "the file's contents did not reach the model" grep -qF "$(cat /etc/hostname)" "$T/fake4/req-2.json"
case $(result 4 q2)/$(result 4 q3)/$(result 4 q4) in
*"SLEEP is not allowed"*/*"GET_LOCK is not allowed"*/*"MASTER_GTID_WAIT is not allowed"*) r=0 ;; *) r=1 ;; esac
is "$r" 0 "\`SLEEP\`, \`GET_LOCK\`, \`MASTER_GTID_WAIT\` refused"
ok "nothing slept or waited (${el}s)" [ "$el" -lt 4 ]
is "$(sql "SELECT IS_FREE_LOCK('rs-lock')")" 1 "no lock was taken"
case $(result 4 q5) in *"FILES is not allowed"*"files or URLs"*) r=0 ;; *) r=1 ;; esac
is "$r" 0 "FILES() refused"
case $(result 4 q6) in *"denied"*) r=0 ;; *) r=1 ;; esac
is "$r" 0 "mysql.user is out of the account's reach (the server refuses)"
case $(result 4 q7) in *'"who":"investigate_ro@'*'"n":40'*) r=0 ;; *) r=1 ;; esac
is "$r" 0 "an allowed statement runs as investigate_ro"

# 4. 40 rows of 8 MB: read row by row, cut at the budget, memory bounded
# (before: 12 MB -> 1.17 GB RSS, the whole result in memory)
script 5 "SELECT REPEAT('x', 8000000) AS big FROM ops.seq_1_to_40" "SELECT COUNT(*) AS n FROM ops.seq_1_to_40"
start_fake 5 "$T/script5.json"
python3 - "$T/rss5" <<PY
import resource, subprocess, sys, os
env = dict(os.environ, INVESTIGATE_DB_USER="$RO_USER", INVESTIGATE_DB_PASSWORD_FILE="$RO_PASS",
           ANTHROPIC_API_KEY="$KEY", ANTHROPIC_BASE_URL="$FAKEURL")
rc = subprocess.call(["investigate", "--now", "$NOW", "--cluster", "rs-1", "--dry-run",
                      "--tool-budget", "4096"], env=env,
                     stdout=open("$T/r5", "w"), stderr=open("$T/err5", "w"))
open(sys.argv[1], "w").write("%d %d\n" % (rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024))
PY
stop_fake
read -r rc5 rss5 <"$T/rss5"
is "$rc5" 0 "the 320 MB result: investigate exits 0"
ok "the 320 MB result: max RSS ${rss5} MB stays under 64 MB" [ "$rss5" -lt 64 ]
case $(result 5 q1) in *"truncated: reading stopped after 1 rows"*) r=0 ;; *) r=1 ;; esac
is "$r" 0 "the model is told the result was truncated"
case $(result 5 q2) in *'"n":40'*) r=0 ;; *) r=1 ;; esac
is "$r" 0 "the next call runs on a fresh connection"
sql "DROP USER IF EXISTS 'rs_wide'@'localhost', 'rs_wide'@'%', 'rs_rw'@'localhost', 'rs_rw'@'%'"
done_testing
