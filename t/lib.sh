# t/lib.sh - TAP helpers for srwatch's shell tests (after mblaze's t/lib.sh).
# Source it: . "$(dirname "$0")/lib.sh"
#
#   plan N                 print the plan (or call done_testing at the end)
#   ok NAME CMD...         pass if CMD exits 0
#   nok NAME CMD...        pass if CMD exits non-zero
#   is GOT WANT NAME       string equality
#   check_same NAME A B    files equal (diff shown on failure)
#   json_same NAME A B     NDJSON files equal as JSON (key order ignored)
#   skip_all REASON        skip the whole file
#   sql "STATEMENT"        run SQL on the test server (STARROCKS_* from make check)
#   wait_port FILE [PID]   the port a server announced on FILE (its stderr)
#   tmpdir                 $T, a temp dir removed at exit
#
# Tests run with the built tools first on PATH, the testdb exports in the
# environment, $FIX the fixtures (t/fixtures) and $T a private temp dir.
set -u
_n=0
_fail=0
_planned=
TOP=$(cd "$(dirname "$0")/.." && pwd)
: "${SRW_BIN:=$TOP/build/bin}"
PATH="$SRW_BIN:$TOP/scripts:$PATH"
export PATH
FIX=$TOP/t/fixtures		# copied from ../shared/fixtures
REF=$TOP/bench/ref		# copied from ../shared/bench-ref
T=$(mktemp -d "${TMPDIR:-/tmp}/srw-t.XXXXXX")
_cleanup() { [ -n "${T:-}" ] && rm -rf "$T"; }
trap '_cleanup' EXIT
trap 'exit 1' INT TERM

plan() { _planned=$1; echo "1..$1"; }
_result() {
	_n=$((_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_n - $2"
	else
		_fail=$((_fail + 1))
		echo "not ok $_n - $2"
	fi
}
ok() { _name=$1; shift; if "$@"; then _result 0 "$_name"; else _result 1 "$_name"; fi; }
nok() { _name=$1; shift; if "$@"; then _result 1 "$_name"; else _result 0 "$_name"; fi; }
is() {
	if [ "$1" = "$2" ]; then
		_result 0 "$3"
	else
		_result 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
	fi
}
check_same() {
	if diff -u "$2" "$3" >"$T/.diff" 2>&1; then
		_result 0 "$1"
	else
		_result 1 "$1"
		sed 's/^/# /' "$T/.diff" | head -40
	fi
}
json_same() {
	# compares NDJSON files line by line as JSON values (key order ignored)
	if python3 - "$2" "$3" >"$T/.diff" 2>&1 <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
b = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
if a != b:
    print("lines: %d vs %d" % (len(a), len(b)))
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            print("first difference at line %d:\n%s\n%s" % (i + 1, json.dumps(x, sort_keys=True), json.dumps(y, sort_keys=True)))
            break
    sys.exit(1)
PY
	then
		_result 0 "$1"
	else
		_result 1 "$1"
		sed 's/^/# /' "$T/.diff" | head -20
	fi
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
diag() { echo "# $*"; }
sql() {
	if [ -n "${STARROCKS_SOCKET:-}" ]; then
		mariadb --no-defaults -N -B -uroot -S "$STARROCKS_SOCKET" -e "$1"
	else
		mariadb --no-defaults -N -B -u"${STARROCKS_USER:-root}" -h "${STARROCKS_HOST:-127.0.0.1}" \
			-P "${STARROCKS_PORT:-9030}" -e "$1"
	fi
}
# wait_port FILE [PID]: print the loopback port a server announced in FILE
# on its "listening on … 127.0.0.1:PORT" line (webhookd and board print one);
# fails after 10 s, or at once if PID has exited.
wait_port() {
	local f=$1 pid=${2:-} i p
	for i in $(seq 200); do
		p=$(grep -m1 'listening on' "$f" 2>/dev/null |
			sed -n 's/.*127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p')
		[ -n "$p" ] && { echo "$p"; return 0; }
		[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
		sleep 0.05
	done
	return 1
}
need_db() { [ -n "${STARROCKS_SOCKET:-}${STARROCKS_PORT:-}" ] || skip_all "no test database (run via make check)"; }
done_testing() {
	[ -n "$_planned" ] || echo "1..$_n"
	[ "$_fail" = 0 ]
}
