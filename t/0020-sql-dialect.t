#!/bin/sh
# Dialect detection (issue 14): SRW_DIALECT=auto asks the server itself,
# so a proxy whose handshake says MariaDB in front of StarRocks cannot flip
# the tools to the mariadb dialect; MariaDB is chosen only when its own
# VERSION() says so.  -v names the dialect and why.  The "StarRocks" here is
# t/fakes/fake-sr-proxy.py in front of the test MariaDB, answering
# `SELECT current_version()` as a StarRocks FE does.
. "$(dirname "$0")/lib.sh"
need_db
plan 9

unset STARROCKS_SOCKET
start_proxy() {	# name, handshake version, [current_version() answer]
	mkdir -p "$T/$1"
	python3 "$TOP/t/fakes/fake-sr-proxy.py" "$STARROCKS_PORT" "$T/$1" "$2" ${3:+"$3"} &
	PXPID=$!
	i=0; while [ ! -f "$T/$1/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	PXPORT=$(cat "$T/$1/port")
}
line() { grep 'database: .* dialect' "$1"; }

# a StarRocks FE behind a proxy that announces MariaDB
start_proxy sr 5.5.5-10.11.6-MariaDB 3.3.5-0a1b2c
STARROCKS_PORT=$PXPORT SRW_DIALECT=auto sr-insert -v -t ops.dim_customer_profile </dev/null 2>"$T/sr.err"
is "$?" 0 "sr-insert through the proxy exits 0"
is "$(line "$T/sr.err")" \
	"sr-insert: database: starrocks dialect (the server answers current_version(): 3.3.5-0a1b2c; its handshake says 10.11.6-MariaDB)" \
	"a MariaDB handshake in front of StarRocks: starrocks, and -v says why"
is "$(cat "$T/sr/answered" 2>/dev/null)" "SELECT current_version()" "the server was asked current_version()"
STARROCKS_PORT=$PXPORT sr-insert -t ops.dim_customer_profile </dev/null 2>"$T/sr2.err"
is "$(line "$T/sr2.err")" "" "no dialect line without -v"
kill $PXPID 2>/dev/null; wait $PXPID 2>/dev/null

# MariaDB behind a proxy that announces MySQL 8: VERSION() decides
start_proxy my 8.0.33
STARROCKS_PORT=$PXPORT SRW_DIALECT=auto sr-insert -v -t ops.dim_customer_profile </dev/null 2>"$T/my.err"
is "$?" 0 "sr-insert through a MySQL-announcing proxy exits 0"
case $(line "$T/my.err") in *"mariadb dialect (MariaDB: VERSION() is "*"MariaDB"*", no current_version())") r=0 ;; *) r=1 ;; esac
is "$r" 0 "MariaDB found by its VERSION(), not by the handshake: $(line "$T/my.err")"
kill $PXPID 2>/dev/null; wait $PXPID 2>/dev/null

# the test MariaDB itself, and a forced dialect
SRW_DIALECT=auto sr-insert -v -t ops.dim_customer_profile </dev/null 2>"$T/ma.err"
case $(line "$T/ma.err") in *"mariadb dialect (MariaDB: VERSION() is "*) r=0 ;; *) r=1 ;; esac
is "$r" 0 "auto against MariaDB: mariadb"
SRW_DIALECT=starrocks sr-insert -v -t ops.dim_customer_profile </dev/null 2>"$T/f.err"
is "$(line "$T/f.err")" "sr-insert: database: starrocks dialect (SRW_DIALECT=starrocks)" "SRW_DIALECT forces the dialect and -v says so"
SRW_DIALECT=oracle sr-insert -v -t ops.dim_customer_profile </dev/null 2>"$T/o.err"
grep -q "SRW_DIALECT=oracle is not mariadb, starrocks or auto" "$T/o.err"
is "$?" 0 "an unknown SRW_DIALECT is reported, the server asked"
done_testing
