#!/usr/bin/env bash
# sr-insert against the real test database: upsert, append, replace-key,
# rejects, unknown keys, escaping, dry run, exit codes.
. "$(dirname "$0")/lib.sh"
need_db

sql "DROP DATABASE IF EXISTS srwtest; CREATE DATABASE srwtest;
CREATE TABLE srwtest.daily (date DATE NOT NULL, name VARCHAR(16) NOT NULL, n INT NULL,
  note TEXT NULL, PRIMARY KEY (date, name));
CREATE TABLE srwtest.alerts LIKE alerts.lark_alerts;"

rows=$FIX/lark/alerts.expected.ndjson
count() { sql "SELECT COUNT(*) FROM $1"; }

# upsert: loading twice keeps one row per key, and a changed value wins
sr-insert -t srwtest.alerts "$rows" 2>"$T/err"
is "$?" 0 "first load exits 0"
is "$(count srwtest.alerts)" "$(wc -l < "$rows" | tr -d ' ')" "every fixture row stored"
sr-insert -t srwtest.alerts < "$rows" 2>/dev/null
is "$(count srwtest.alerts)" 5 "second load (stdin) stores no duplicates"
sed 's/BE 10.0.3.17:9050 has not reported alive for 5m/changed detail/' "$rows" | sr-insert -t srwtest.alerts 2>/dev/null
is "$(sql "SELECT COUNT(*) FROM srwtest.alerts WHERE alert_detail = 'changed detail'")" 2 \
	"upsert updates the non-key columns"
ok "summary line on stderr" grep -q '^sr-insert: 5 rows read, 5 stored, 0 rejected, [12] batches' "$T/err"

# --append: plain INSERT, duplicates refused by the server and kept in the reject file
sr-insert -t srwtest.alerts --append --reject "$T/dup.rej" "$rows" 2>"$T/err"
is "$?" 1 "--append of existing keys exits 1"
is "$(wc -l < "$T/dup.rej" | tr -d ' ')" 5 "each refused row is in the reject file"
ok "the server's reason is reported" grep -q "Duplicate entry" "$T/err"

# bad lines and bad values: reported with line numbers, the rest stored
cat > "$T/mixed.ndjson" <<'X'
{"date":"2026-03-10","name":"a","n":1}
this is not json
{"date":"2026-03-10","name":"b","n":"many"}
{"date":"2026-03-32","name":"c","n":3}
{"date":"2026-03-10","name":"this name is far too long for the column","n":4}
{"date":"2026-03-10","name":"d","n":4.5}
{"date":"2026-03-10","name":"e","n":5,"colour":"red"}
{"date":"2026-03-10","n":6}
{"date":"2026-03-10","name":"f","n":null,"note":"ok"}
X
sr-insert -t srwtest.daily --reject "$T/mixed.rej" "$T/mixed.ndjson" 2>"$T/err"
is "$?" 1 "rejected rows make exit status 1"
is "$(count srwtest.daily)" 2 "the good rows are stored"
is "$(wc -l < "$T/mixed.rej" | tr -d ' ')" 7 "every bad line is in the reject file"
ok "line 2 reported as not JSON" grep -q 'mixed.ndjson:2: not valid JSON' "$T/err"
ok "line 3 names the integer column" grep -q 'mixed.ndjson:3: column n wants an integer' "$T/err"
ok "line 4 names the bad date" grep -q 'mixed.ndjson:4: column date wants a date' "$T/err"
ok "line 5 says too long" grep -q 'mixed.ndjson:5: column name holds 16 characters' "$T/err"
ok "line 6 rejects a fraction for INT" grep -q 'mixed.ndjson:6: column n wants an integer' "$T/err"
ok "line 7 names the unknown key" grep -q "mixed.ndjson:7: unknown column 'colour'" "$T/err"
ok "line 8 names the missing key column" grep -q 'mixed.ndjson:8: key column name is missing' "$T/err"
ok "summary counts the rejects" grep -q '9 rows read\|8 rows read' "$T/err"

# --ignore-unknown drops keys that are not columns
echo '{"date":"2026-03-10","name":"g","n":7,"colour":"red","shape":1}' |
	sr-insert -t srwtest.daily --ignore-unknown 2>/dev/null
is "$(sql "SELECT n FROM srwtest.daily WHERE name = 'g'")" 7 "--ignore-unknown stores the row"

# --strict: the first bad line is fatal
printf '{"date":"2026-03-11","name":"s1","n":1}\nnope\n{"date":"2026-03-11","name":"s2","n":2}\n' |
	sr-insert -t srwtest.daily --strict 2>/dev/null
is "$?" 65 "--strict exits 65 on a bad line"

# --replace-key: the keys in the input are replaced, other keys untouched
sql "DELETE FROM srwtest.daily"
printf '%s\n' '{"date":"2026-03-10","name":"a","n":1}' '{"date":"2026-03-10","name":"b","n":2}' \
	'{"date":"2026-03-10","name":"c","n":3}' '{"date":"2026-03-11","name":"a","n":10}' |
	sr-insert -t srwtest.daily 2>/dev/null
printf '%s\n' '{"date":"2026-03-10","name":"a","n":100}' '{"date":"2026-03-10","name":"d","n":400}' |
	sr-insert -t srwtest.daily --replace-key date 2>/dev/null
is "$?" 0 "--replace-key run exits 0"
is "$(sql "SELECT GROUP_CONCAT(CONCAT(name,'=',n) ORDER BY name) FROM srwtest.daily WHERE date='2026-03-10'")" \
	"a=100,d=400" "--replace-key date replaced that day's rows"
is "$(sql "SELECT n FROM srwtest.daily WHERE date='2026-03-11'")" 10 "other days untouched"
printf '%s\n' '{"date":"2026-03-10","name":"a","n":100}' '{"date":"2026-03-10","name":"d","n":400}' |
	sr-insert -t srwtest.daily --replace-key date 2>/dev/null
is "$(count srwtest.daily)" 3 "re-running the replace changes nothing"
sr-insert -t srwtest.daily --replace-key nosuch </dev/null 2>/dev/null
is "$?" 64 "--replace-key with a non-column is a usage error"

# escaping: quotes, backslashes, NUL, control characters and emoji round-trip
printf '%s\n' '{"date":"2026-04-01","name":"esc","note":"it'"'"'s \"q\" back\\\\slash \\u0000nul \\n nl \\t tab 😀 ; DROP TABLE x; --"}' \
	> "$T/esc.ndjson"
sr-insert -t srwtest.daily "$T/esc.ndjson" 2>/dev/null
want=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read())["note"].encode().hex())' "$T/esc.ndjson")
is "$(sql "SELECT LOWER(HEX(note)) FROM srwtest.daily WHERE name='esc'")" "$want" "hostile text stored byte for byte"

# NUL bytes (issue 20.6): stored byte-exact where the column holds text, on
# the bulk path and the INSERT path; a NUL in a number is refused, never cut
for path in bulk insert; do
	printf '%s\n' "{\"date\":\"2026-04-02\",\"name\":\"nul-$path\",\"note\":\"a\\u0000b\\u0000\"}" |
		SRW_WRITE_PATH=$path sr-insert -t srwtest.daily 2>/dev/null
	is "$(sql "SELECT LOWER(HEX(note)) FROM srwtest.daily WHERE name='nul-$path'")" 61006200 \
		"$path: a string with NULs stored byte for byte"
done
printf '%s\n' '{"date":"2026-04-02","name":"nul-n","n":"12\u0000"}' |
	sr-insert -t srwtest.daily 2>"$T/err"
is "$?" 1 "a NUL in an integer column's value is a rejected row"
ok "with the reason" grep -q 'line 1: column n cannot hold a NUL byte' "$T/err"
is "$(sql "SELECT COUNT(*) FROM srwtest.daily WHERE name='nul-n'")" 0 "and nothing is stored for it"

# --dry-run prints the SQL and stores nothing
sql "DELETE FROM srwtest.alerts"
sr-insert -t srwtest.alerts --dry-run "$rows" >"$T/dry.sql" 2>/dev/null
ok "--dry-run prints an INSERT … ON DUPLICATE KEY UPDATE" grep -q '^INSERT INTO `srwtest`.`alerts` .* ON DUPLICATE KEY UPDATE' "$T/dry.sql"
is "$(count srwtest.alerts)" 0 "--dry-run stores nothing"

# batching: --batch 2 makes three batches of the five rows
sr-insert -t srwtest.alerts --jobs 1 --batch 2 "$rows" 2>"$T/err"
ok "--batch 2 sends 3 batches" grep -q '5 stored, 0 rejected, 3 batches' "$T/err"

# the MariaDB path: one prepared statement, one execute per batch (the
# server parses no SQL text per row); -v names it
stat() { sql "SHOW GLOBAL STATUS WHERE Variable_name = '$1'" | cut -f2; }
awk 'BEGIN { for (i = 0; i < 2500; i++) printf "{\"date\":\"2026-05-02\",\"name\":\"b%d\",\"n\":%d}\n", i, i }' > "$T/bulk.ndjson"
p0=$(stat Com_stmt_prepare); e0=$(stat Com_stmt_execute)
sr-insert -v -t srwtest.daily --batch 1000 "$T/bulk.ndjson" 2>"$T/err"
ok "-v names the bulk path" grep -q 'writing srwtest.daily with bulk' "$T/err"
is "$(( $(stat Com_stmt_prepare) - p0 )) $(( $(stat Com_stmt_execute) - e0 ))" "1 3" \
	"2500 rows: one prepare, three executes (one per batch of 1000)"
is "$(sql "SELECT COUNT(*), SUM(n) FROM srwtest.daily WHERE date = '2026-05-02'" | tr '\t' ' ')" \
	"2500 3123750" "and every row is stored"

# parallel workers keep per-key order: the last row for a key wins
sql "DELETE FROM srwtest.daily"
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "{\"date\":\"2026-05-01\",\"name\":\"k%d\",\"n\":%d}\n", i % 700, i }' > "$T/dups.ndjson"
sr-insert -t srwtest.daily --jobs 4 --batch 50 "$T/dups.ndjson" 2>/dev/null
is "$(sql "SELECT COUNT(*), SUM(n) FROM srwtest.daily WHERE date = '2026-05-01'" | tr '\t' ' ')" \
	"700 $(awk 'BEGIN { for (k = 0; k < 700; k++) { m = k; while (m + 700 < 3000) m += 700; s += m } print s }')" \
	"--jobs 4 ends with the last value of every key"

# usage and availability errors
sr-insert 2>/dev/null </dev/null
is "$?" 64 "missing -t is a usage error"
sr-insert -t 'srwtest.daily; DROP TABLE x' </dev/null 2>/dev/null
is "$?" 64 "a table name that is not an identifier is refused"
sr-insert -t srwtest.nosuch </dev/null 2>"$T/err"
is "$?" 64 "a missing table is a usage error"
ok "it names the table" grep -q 'srwtest.nosuch does not exist' "$T/err"
STARROCKS_SOCKET=$T/no.sock STARROCKS_PORT=1 sr-insert -t srwtest.daily </dev/null 2>"$T/err"
is "$?" 69 "no server: exit 69"
nok "the password never appears" env STARROCKS_PASSWORD=hunter2secret STARROCKS_SOCKET=$T/no.sock \
	sh -c 'sr-insert -t srwtest.daily </dev/null 2>&1 | grep -q hunter2secret'
is "$(sr-insert --version)" "srwatch 0.1.0" "--version"

sql "DROP DATABASE srwtest"
done_testing
