# shellcheck shell=bash
# bench/callgrind.sh - sourced by the benches: instructions per item under
# callgrind on a fixed input (a figure load does not move, unlike wall time)
# and the share of them spent parsing JSON records (srw_val_parse_record,
# inclusive).  Needs valgrind; without it the figures are skipped, said so.
#
#   cg_count NAME ITEMS PARSE_GOAL_PCT CMD...
# prints "NAME: N instructions per item (M items), JSON parse P% of them
# (goal < G%: ok|MISSED)" and sets CG_PER_ITEM and CG_PARSE_PCT.
cg_count() {
	local name=$1 items=$2 goal=$3 f
	shift 3
	CG_PER_ITEM=0 CG_PARSE_PCT=0
	if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
		echo "$name: valgrind not installed: instruction counts skipped (apt-get install valgrind)"
		return 0
	fi
	f=$(mktemp "${TMPDIR:-/tmp}/srw-cg.XXXXXX")
	valgrind --tool=callgrind --callgrind-out-file="$f" "$@" >/dev/null 2>"$f.err"
	read -r CG_PER_ITEM CG_PARSE_PCT < <(callgrind_annotate --inclusive=yes "$f" 2>/dev/null |
		awk -v n="$items" '
		function num(s) { gsub(/,/, "", s); return s + 0 }
		/PROGRAM TOTALS/ { total = num($1) }
		/srw_val_parse_record/ && !p { p = num($1) }
		END { printf "%.0f %.1f\n", total / n, total ? 100 * p / total : 0 }')
	rm -f "$f" "$f.err"
	printf '%s: %s instructions per item (%s items), JSON parse %s%% of them (goal < %s%%: %s)\n' \
		"$name" "$CG_PER_ITEM" "$items" "$CG_PARSE_PCT" "$goal" \
		"$(awk -v p="$CG_PARSE_PCT" -v g="$goal" 'BEGIN { print (p < g ? "ok" : "MISSED") }')"
}

# goal NAME VALUE OP LIMIT UNIT: "NAME: VALUE UNIT (goal OP LIMIT): ok|MISSED"
goal() {
	printf '%s: %s %s (goal %s %s): %s\n' "$1" "$2" "$5" "$3" "$4" \
		"$(awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN {
			ok = op == ">=" ? v >= l : op == "<" ? v < l : 0
			print (ok ? "ok" : "MISSED") }')"
}
