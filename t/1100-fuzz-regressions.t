#!/bin/sh
# Every input a fuzz target ever crashed on (fuzz/regressions/TARGET/) and
# every seed (fuzz/corpus/TARGET/) goes through the same
# LLVMFuzzerTestOneInput again, built with the normal compiler against the
# library under test (fuzz/replay.c is its main), so a found crash stays
# fixed.  Under `make check SAN=1` the library carries ASan+UBSan and so
# does the replay: a leak or undefined behaviour fails the test too.
. "$(dirname "$0")/lib.sh"

LIB=$SRW_BIN/../libsrw.a
[ -f "$LIB" ] || skip_all "no $LIB (build the tools first)"
CC=${CC:-cc}
command -v "$CC" >/dev/null 2>&1 || skip_all "no C compiler ($CC)"
PKGS="libcurl jansson libcjson libmariadb openssl libmicrohttpd yaml-0.1 libprotobuf-c snappy simdjson re2"
san=
if nm "$LIB" 2>/dev/null | grep -q '__asan_report'; then
	san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
	diag "library built with sanitizers: replaying under ASan+UBSan"
fi
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

cd "$TOP" || exit 1
for src in fuzz/*.c; do
	t=$(basename "$src" .c)
	[ "$t" = replay ] && continue
	# shellcheck disable=SC2086
	if ! $CC -std=gnu11 -O1 -g -Iinclude $san $(pkg-config --cflags $PKGS) \
		-o "$T/$t" "$src" fuzz/replay.c "$LIB" $(pkg-config --libs $PKGS) \
		-lstdc++ -lpthread -lm 2>"$T/$t.cc"; then
		_result 1 "$t: replay driver builds"
		sed 's/^/# /' "$T/$t.cc" | head -20
		continue
	fi
	_result 0 "$t: replay driver builds"
	for kind in regressions corpus; do
		set -- fuzz/$kind/$t/*
		[ -e "$1" ] || continue
		# the library's warnings about the bad inputs are expected: keep
		# them out of the TAP stream, show them on failure
		if "$T/$t" "$@" >"$T/$t.out" 2>"$T/$t.err" &&
			[ "$(grep -c '^replayed ' "$T/$t.out")" = $# ]; then
			_result 0 "$t: $# $kind inputs replay without a crash, leak or UB"
		else
			_result 1 "$t: $# $kind inputs replay without a crash, leak or UB"
			tail -n 1 "$T/$t.out" | sed 's/^/# last: /'
			grep -E 'ERROR|runtime error|SUMMARY|#[0-9] ' "$T/$t.err" | head -15 | sed 's/^/# /'
		fi
	done
done
done_testing
