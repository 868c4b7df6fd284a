#!/usr/bin/env bash
# sr-insert through Stream Load against a fake StarRocks FE/BE pair that
# behaves as StarRocks documents for PRIMARY KEY tables: the 307 to the BE
# with basic auth kept, Expect: 100-continue, deterministic labels so a
# retried or repeated batch loads once, a plain load replacing whole rows and
# partial_update replacing only the listed columns, filtered rows isolated
# and reported.  The table's columns come from the test database, as they
# would from the FE's information_schema.
. "$(dirname "$0")/lib.sh"
need_db

mkdir -p "$T/sl"
cat > "$T/schema.json" <<'X'
{"srwsl.p": {"key": ["id"], "columns": ["id", "v", "w"]},
 "srwsl.f": {"key": ["id"], "columns": ["id", "v"], "maxlen": {"v": 8}},
 "srwsl.t": {"key": ["id"], "columns": ["id", "v"]}}
X
FAIL_FIRST=1 python3 "$TOP/t/fakes/fake-streamload" "$T/sl" "loader:s3cret" "$T/schema.json" &
fake=$!
trap 'kill $fake 2>/dev/null; _cleanup' EXIT
for _ in $(seq 1 100); do [ -f "$T/sl/ports" ] && break; sleep 0.05; done
read -r fe be < "$T/sl/ports"
export STARROCKS_HTTP_URL=http://127.0.0.1:$fe

sql "CREATE DATABASE IF NOT EXISTS srwsl; DROP TABLE IF EXISTS srwsl.t;
CREATE TABLE srwsl.t (id INT NOT NULL, v VARCHAR(16) NULL, PRIMARY KEY (id));
DROP TABLE IF EXISTS srwsl.p;
CREATE TABLE srwsl.p (id INT NOT NULL, v VARCHAR(16) NULL, w VARCHAR(16) NULL, PRIMARY KEY (id));
DROP TABLE IF EXISTS srwsl.f;
CREATE TABLE srwsl.f (id INT NOT NULL, v VARCHAR(16) NULL, PRIMARY KEY (id));"
awk 'BEGIN { for (i = 1; i <= 2500; i++) printf "{\"id\":%d,\"v\":\"r%d\"}\n", i, i }' > "$T/rows"
load() { STARROCKS_PASSWORD=s3cret STARROCKS_USER=loader sr-insert -t srwsl.t --stream-load --batch 1000 -v "$@"; }
sr() { STARROCKS_PASSWORD=s3cret STARROCKS_USER=loader SRW_DIALECT=starrocks sr-insert -v "$@"; }

# the DB connection (table metadata) uses the test server: give it the same
# user for this test
sql "CREATE USER IF NOT EXISTS 'loader'@'localhost' IDENTIFIED BY 's3cret';
CREATE USER IF NOT EXISTS 'loader'@'127.0.0.1' IDENTIFIED BY 's3cret';
GRANT ALL ON *.* TO 'loader'@'localhost'; GRANT ALL ON *.* TO 'loader'@'127.0.0.1';"

load "$T/rows" 2>"$T/err1"
is "$?" 0 "stream load of 2500 rows exits 0"
is "$(wc -l < "$T/sl/loaded.ndjson" | tr -d ' ')" 2500 "every row loaded"
is "$(sort -u "$T/sl/loaded.ndjson" | wc -l | tr -d ' ')" 2500 "no row loaded twice"
ok "the injected failure was retried" grep -q 'retrying' "$T/err1"
ok "-v names the path" grep -q 'writing srwsl.t with stream-load' "$T/err1"
is "$(grep -c '^FE .*auth=True expect=100-continue' "$T/sl/log")" "$(grep -c '^FE ' "$T/sl/log")" \
	"the FE saw auth and Expect: 100-continue on every request"
nok "the BE never saw a request without auth" grep -q '^BE .*auth=False' "$T/sl/log"
is "$(grep '^BE ' "$T/sl/log" | grep -c 'format=json strip=true filter=0 ')" "$(grep -c '^BE ' "$T/sl/log")" \
	"format json, strip_outer_array and max_filter_ratio 0 on every load"
labels=$(grep -o 'label=srw_[0-9a-f]*' "$T/sl/log" | sort -u | wc -l | tr -d ' ')
is "$labels" 3 "three batches, three labels (the retry reused its label)"
nok "a full row is a plain load" grep -q 'partial=True' "$T/sl/log"

load "$T/rows" 2>"$T/err2"
is "$?" 0 "loading the same rows again exits 0"
is "$(wc -l < "$T/sl/loaded.ndjson" | tr -d ' ')" 2500 "the repeated batches load nothing (label already exists)"
ok "and say so" grep -q 'loaded before' "$T/err2"

# the starrocks dialect loads through Stream Load without being asked;
# --insert forces INSERT statements (here into the test database)
echo '{"id":7001,"v":"d"}' | sr -t srwsl.t 2>"$T/err"
ok "starrocks dialect: Stream Load by default" grep -q 'with stream-load (the starrocks dialect)' "$T/err"
ok "the row reached the fake" grep -q '"id": 7001' "$T/sl/srwsl.t.ndjson"
echo '{"id":7002,"v":"e"}' | sr -t srwsl.t --insert 2>"$T/err"
ok "--insert: INSERT statements" grep -q 'with insert' "$T/err"
is "$(sql 'SELECT v FROM srwsl.t WHERE id = 7002')" e "--insert stored the row with SQL"
sr -t srwsl.t --insert --stream-load </dev/null 2>/dev/null
is "$?" 64 "--insert and --stream-load together are a usage error"

# a column absent from a record is left as it is: a full row, then a partial
# one for the same key.  The fake replaces whole rows on a plain load, as
# StarRocks does ...
curl -s -u loader:s3cret --location-trusted -H 'label: plain-1' -H 'format: json' \
	-H 'strip_outer_array: true' -X PUT --data-binary @- "http://127.0.0.1:$fe/api/srwsl/p/_stream_load" \
	<<<'[{"id":1,"v":"a","w":"keep"}]' >/dev/null
curl -s -u loader:s3cret --location-trusted -H 'label: plain-2' -H 'format: json' \
	-H 'strip_outer_array: true' -X PUT --data-binary @- "http://127.0.0.1:$fe/api/srwsl/p/_stream_load" \
	<<<'[{"id":1,"v":"b"}]' >/dev/null
is "$(grep '"id": 1,' "$T/sl/srwsl.p.ndjson")" '{"id": 1, "v": "b", "w": null}' \
	"the fake: a plain load without w resets w (whole-row replace)"
# ... so the writer loads a batch that lacks non-key columns with partial_update
echo '{"id":2,"v":"a","w":"keep"}' | sr -t srwsl.p 2>/dev/null
echo '{"id":2,"v":"b"}' | sr -t srwsl.p 2>/dev/null
is "$(grep '"id": 2,' "$T/sl/srwsl.p.ndjson")" '{"id": 2, "v": "b", "w": "keep"}' \
	"stream load: the partial row changed v and kept w"
ok "with partial_update and a columns header" grep -q 'partial=True columns=id,v ' "$T/sl/log"
# the same two rows on MariaDB (bulk, then the INSERT text path)
printf '%s\n' '{"id":3,"v":"a","w":"keep"}' | sr-insert -t srwsl.p 2>/dev/null
printf '%s\n' '{"id":3,"v":"b"}' | sr-insert -t srwsl.p 2>/dev/null
is "$(sql 'SELECT CONCAT(v, "/", w) FROM srwsl.p WHERE id = 3')" "b/keep" "mariadb bulk: the partial row kept w"
printf '%s\n' '{"id":4,"v":"a","w":"keep"}' | sr-insert --insert -t srwsl.p 2>/dev/null
printf '%s\n' '{"id":4,"v":"b"}' | sr-insert --insert -t srwsl.p 2>/dev/null
is "$(sql 'SELECT CONCAT(v, "/", w) FROM srwsl.p WHERE id = 4')" "b/keep" "mariadb insert: the partial row kept w"

# rows StarRocks filters (here: longer than the fake's column) fail the
# whole load (max_filter_ratio 0); the writer bisects to name them, with the
# reason from the ErrorURL, and stores the rest
printf '%s\n' '{"id":1,"v":"ok1"}' '{"id":2,"v":"far too long"}' '{"id":3,"v":"ok3"}' \
	'{"id":4,"v":"ok4"}' > "$T/mixed"
sr -t srwsl.f --reject "$T/rej" "$T/mixed" 2>"$T/err3"
is "$?" 1 "a filtered row makes exit status 1"
is "$(grep -c '"v": "ok' "$T/sl/srwsl.f.ndjson")" 3 "the other rows of the batch are loaded"
is "$(cat "$T/rej")" '{"id":2,"v":"far too long"}' "the filtered row is in the reject file"
ok "with StarRocks's reason" grep -q "Value length beyond the column 'v'" "$T/err3"
# a key that is not a column is refused before anything is sent
printf '%s\n' '{"id":9001,"v":"a"}' '{"id":9002,"bad":1}' > "$T/unk"
sr -t srwsl.t "$T/unk" 2>"$T/err4"
is "$?" 1 "an unknown key makes exit status 1"
ok "its line number and reason are reported" grep -q "unk:2: unknown column 'bad'" "$T/err4"

# a re-sent label after the rows were deleted: StarRocks answers "Label
# Already Exists" and loads nothing, so a plain re-run does not bring them
# back; --replace-key runs use labels of their own, so they do
printf '%s\n' '{"id":50,"v":"x"}' '{"id":51,"v":"y"}' > "$T/day"
sr -t srwsl.t "$T/day" 2>/dev/null
curl -s -X POST -d '[{"id":50},{"id":51}]' "http://127.0.0.1:$fe/_test/delete?table=srwsl.t" >/dev/null
sr -t srwsl.t "$T/day" 2>"$T/err5"
ok "a plain re-run is answered Label Already Exists" grep -q 'loaded before' "$T/err5"
nok "and the deleted rows stay deleted" grep -q '"id": 50,' "$T/sl/srwsl.t.ndjson"
sr -t srwsl.t --replace-key id "$T/day" 2>/dev/null
curl -s -X POST -d '[{"id":50},{"id":51}]' "http://127.0.0.1:$fe/_test/delete?table=srwsl.t" >/dev/null
sr -t srwsl.t --replace-key id "$T/day" 2>"$T/err6"
is "$?" 0 "a second --replace-key run exits 0"
nok "it is not answered Label Already Exists" grep -q 'loaded before' "$T/err6"
is "$(grep -c '"id": 5[01],' "$T/sl/srwsl.t.ndjson")" 2 "the rows it deleted are loaded again"
# an FE that stays away: the rows not loaded go to the reject file, exit 69
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rm -f "$T/rej"
STARROCKS_HTTP_URL=http://127.0.0.1:$dead sr -t srwsl.t --retry-for 1 --reject "$T/rej" "$T/day" 2>"$T/err7"
is "$?" 69 "an FE that stays down: exit 69"
is "$(wc -l < "$T/rej" | tr -d ' ')" 2 "every row read is in the reject file"
ok "the message names Stream Load" grep -q 'Stream Load unavailable' "$T/err7"
nok "the password never appears in diagnostics" grep -q s3cret "$T"/err*

sql "DROP DATABASE srwsl; DROP USER 'loader'@'localhost'; DROP USER 'loader'@'127.0.0.1';"
done_testing
