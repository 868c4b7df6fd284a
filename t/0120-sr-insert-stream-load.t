#!/usr/bin/env bash
# sr-insert --stream-load against a fake StarRocks FE/BE pair: the 307 to the
# BE with basic auth kept, Expect: 100-continue, deterministic labels so a
# retried or repeated batch loads once, Status deciding, and rows StarRocks
# refuses isolated through the INSERT path.
. "$(dirname "$0")/lib.sh"
need_db

mkdir -p "$T/sl"
python3 "$TOP/t/fakes/fake-streamload" "$T/sl" "loader:s3cret" &
fake=$!
trap 'kill $fake 2>/dev/null; _cleanup' EXIT
for _ in $(seq 1 100); do [ -f "$T/sl/ports" ] && break; sleep 0.05; done
read -r fe be < "$T/sl/ports"
export STARROCKS_HTTP_URL=http://127.0.0.1:$fe

sql "CREATE DATABASE IF NOT EXISTS srwsl; DROP TABLE IF EXISTS srwsl.t;
CREATE TABLE srwsl.t (id INT NOT NULL, v VARCHAR(16) NULL, PRIMARY KEY (id));"
awk 'BEGIN { for (i = 1; i <= 2500; i++) printf "{\"id\":%d,\"v\":\"r%d\"}\n", i, i }' > "$T/rows"
load() { STARROCKS_PASSWORD=s3cret STARROCKS_USER=loader sr-insert -t srwsl.t --stream-load --batch 1000 -v "$@"; }

# the DB connection (for the fallback) uses the test server's root account:
# give it the same user for this test
sql "CREATE USER IF NOT EXISTS 'loader'@'localhost' IDENTIFIED BY 's3cret';
CREATE USER IF NOT EXISTS 'loader'@'127.0.0.1' IDENTIFIED BY 's3cret';
GRANT ALL ON *.* TO 'loader'@'localhost'; GRANT ALL ON *.* TO 'loader'@'127.0.0.1';"

load "$T/rows" 2>"$T/err1"
is "$?" 0 "stream load of 2500 rows exits 0"
is "$(wc -l < "$T/sl/loaded.ndjson" | tr -d ' ')" 2500 "every row loaded"
is "$(sort -u "$T/sl/loaded.ndjson" | wc -l | tr -d ' ')" 2500 "no row loaded twice"
ok "the injected failure was retried" grep -q 'retrying' "$T/err1"
is "$(grep -c '^FE .*auth=True expect=100-continue' "$T/sl/log")" "$(grep -c '^FE ' "$T/sl/log")" \
	"the FE saw auth and Expect: 100-continue on every request"
nok "the BE never saw a request without auth" grep -q '^BE .*auth=False' "$T/sl/log"
is "$(grep '^BE ' "$T/sl/log" | grep -c 'format=json strip=true')" "$(grep -c '^BE ' "$T/sl/log")" \
	"format json with strip_outer_array on every load"
labels=$(grep -o 'label=srw_[0-9a-f]*' "$T/sl/log" | sort -u | wc -l | tr -d ' ')
is "$labels" 3 "three batches, three labels (the retry reused its label)"

load "$T/rows" 2>"$T/err2"
is "$?" 0 "loading the same rows again exits 0"
is "$(wc -l < "$T/sl/loaded.ndjson" | tr -d ' ')" 2500 "the repeated batches load nothing (label already exists)"
ok "and say so" grep -q 'loaded before' "$T/err2"

# a batch StarRocks refuses goes through INSERTs: the bad row is rejected
# with its reason, the others are stored
printf '%s\n' '{"id":9001,"v":"a"}' '{"id":9002,"bad":1}' '{"id":9003,"v":"c"}' > "$T/mixed"
load --reject "$T/rej" "$T/mixed" 2>"$T/err3"
is "$?" 1 "a refused row makes exit status 1"
is "$(sql 'SELECT COUNT(*) FROM srwsl.t WHERE id > 9000')" 2 "the good rows of the refused batch are stored"
is "$(cat "$T/rej")" '{"id":9002,"bad":1}' "the bad row is in the reject file"
ok "its line number and reason are reported" grep -q "mixed:2: unknown column 'bad'" "$T/err3"
nok "the password never appears in diagnostics" grep -q s3cret "$T/err1" "$T/err2" "$T/err3"

sql "DROP DATABASE srwsl; DROP USER 'loader'@'localhost'; DROP USER 'loader'@'127.0.0.1';"
done_testing
