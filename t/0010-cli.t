#!/usr/bin/env bash
# The command-line contract every tool keeps (srwatch(7) CONVENTIONS, built
# on lib/opt.c): --help on stdout with exit 0 and one line per option, every
# long option of --help in the man page and every one of the man page's
# OPTIONS in --help, --version prints "srwatch X.Y.Z", a wrong option is a
# usage error (the synopsis on stderr, exit 64); the man pages lint clean.
. "$(dirname "$0")/lib.sh"

VERSION=$(sed -n 's/^VERSION = //p' "$TOP/Makefile")
tools="$(cd "$TOP/cmd" && ls) daily-alert-pipeline"

# the subcommands with options of their own: their --help is part of the tool's
subhelp() {
	case $1 in
	group-issues) for s in triage dispose list show; do group-issues $s --help; done ;;
	evaluate) evaluate rule --help ;;
	notify) notify log --help ;;
	esac
}
# long options named on the option lines of --help (after "options:")
help_opts() { sed -n '/^options:/,$p' | grep -o -- '--[a-z][a-z0-9-]*' | sort -u; }
# long options the man page's OPTIONS section describes (.It lines)
man_opts() {
	sed -n '/^\.Sh OPTIONS/,/^\.Sh /p' "$1" | grep '^\.It' |
		grep -o 'Fl -[a-z][a-z0-9-]*' | sed 's/^Fl /-/' | sort -u
}

for t in $tools; do
	"$t" --help >"$T/out" 2>"$T/err"
	is "$?" 0 "$t --help: exit 0"
	ok "$t --help: synopsis on stdout" grep -q "^usage: $t" "$T/out"
	is "$(wc -c <"$T/err" | tr -d ' ')" 0 "$t --help: nothing on stderr"
	ok "$t --help: one line per option" grep -q -- '^  -h, --help ' "$T/out"

	man="$TOP/man/man1/$t.1"
	{ help_opts <"$T/out"; subhelp "$t" 2>/dev/null | help_opts; } | sort -u >"$T/help.opts"
	man_opts "$man" >"$T/man.opts"
	missing=$(comm -23 "$T/help.opts" "$T/man.opts" | tr '\n' ' ')
	is "$missing" "" "$t: every option of --help is in $t(1) OPTIONS"
	extra=$(comm -13 "$T/help.opts" "$T/man.opts" | tr '\n' ' ')
	is "$extra" "" "$t: every option of $t(1) OPTIONS is in --help"

	is "$("$t" --version 2>&1)" "srwatch $VERSION" "$t --version"
	"$t" --no-such-option </dev/null >"$T/out" 2>"$T/err"
	is "$?" 64 "$t --no-such-option: exit 64"
	ok "$t --no-such-option: synopsis on stderr" grep -q "^usage: $t" "$T/err"
	is "$(wc -c <"$T/out" | tr -d ' ')" 0 "$t --no-such-option: nothing on stdout"
done

# the numbers every tool reads go through one checked parser
sr-insert -t a.b --batch 10x </dev/null 2>"$T/err"
is "$?" 64 "sr-insert --batch 10x: exit 64 (not 10)"
ok "sr-insert --batch 10x: says what is wrong" grep -q "^sr-insert: --batch: '10x' is not a whole number" "$T/err"
sr-insert -t a.b --jobs 65 </dev/null 2>"$T/err"
ok "sr-insert --jobs 65: the range is named" grep -q -- "--jobs: 65 is out of range (1 to 64)" "$T/err"
group-issues --window 5x </dev/null 2>"$T/err"
ok "a bad duration names the forms" grep -q "not a duration (30s, 5m, 1h, 1d)" "$T/err"

# a missing input file: 64 in every tool that reads files
for t in card-parse rollup "score" "sr-insert -t a.b" "evaluate -e up" "scrape"; do
	$t "$T/no-such-file" </dev/null >/dev/null 2>&1
	is "$?" 64 "$t with a missing input file: exit 64"
done
evaluate -r "$T/no-such-file" </dev/null >/dev/null 2>&1
is "$?" 64 "evaluate -r with a missing rules file: exit 64"

# a missing table is a deployment step not taken: the message names the DDL
if [ -n "${STARROCKS_SOCKET:-}${STARROCKS_PORT:-}" ]; then
	sr-insert -t ops.t0010_no_such_table </dev/null >/dev/null 2>"$T/err"
	is "$?" 64 "sr-insert into a missing table: exit 64"
	ok "a missing table names the DDL file to load" \
		grep -q "sql/mariadb/ops.t0010_no_such_table.sql" "$T/err"
fi

# a filter reading a terminal says so once; a pipe is left alone
if command -v script >/dev/null 2>&1; then
	script -qec "card-parse" /dev/null </dev/null >"$T/tty" 2>&1
	ok "card-parse on a terminal: says it reads stdin" grep -q "card-parse: reading NDJSON from stdin" "$T/tty"
fi
echo '{"x":1}' | card-parse >/dev/null 2>"$T/err"
nok "card-parse on a pipe: no notice" grep -q "reading" "$T/err"

# the man pages: mandoc's linter and groff's warnings clean
for m in "$TOP"/man/man1/*.1 "$TOP"/man/man7/*.7; do
	: >"$T/lint"
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -T lint -W warning "$m" >>"$T/lint" 2>&1
	fi
	if command -v groff >/dev/null 2>&1; then
		groff -mdoc -ww -z "$m" >>"$T/lint" 2>&1
	fi
	is "$(sed "s|$TOP/||" "$T/lint")" "" "$(basename "$m"): lint clean"
done
done_testing
