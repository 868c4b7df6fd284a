#!/bin/sh
# evaluate against the oracle: the rule unit-test suite in promtool's format
# (t/rules/agree.test.yml) passes in promtool, and evaluate fires exactly the
# same alerts (labels and annotations) at every eval_time.
. "$(dirname "$0")/lib.sh"
RULES=$TOP/t/rules
python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml not installed"

if command -v promtool >/dev/null; then
	promtool test rules "$RULES/agree.test.yml" >"$T/promtool.out" 2>&1
	rc=$?
	is "$rc" 0 "promtool test rules passes on the suite"
	[ "$rc" = 0 ] || sed 's/^/# /' "$T/promtool.out" | head -40
else
	ok "# SKIP promtool not installed (Debian package prometheus)" true
fi
n=$(grep -c 'exp_labels' "$RULES/agree.test.yml")
ok "the suite expects firing alerts ($n), not only silence" [ "$n" -gt 300 ]
is "$(grep -c 'alertname:' "$RULES/agree.test.yml")" 836 "the suite checks every alert rule at 19 eval times"
EVALUATE=evaluate python3 "$RULES/agree.py" check "$RULES/agree.test.yml" >"$T/agree.out" 2>&1
rc=$?
is "$rc" 0 "evaluate fires the same alerts as promtool at every eval_time"
[ "$rc" = 0 ] || sed 's/^/# /' "$T/agree.out" | head -40

# raw expression values: 150 random expressions of the subset at three
# instants, as promql_expr_test cases (t/rules/expr.test.yml)
if command -v promtool >/dev/null; then
	promtool test rules "$RULES/expr.test.yml" >"$T/expr.out" 2>&1
	rc=$?
	is "$rc" 0 "promtool agrees with every expression value in expr.test.yml"
	[ "$rc" = 0 ] || sed 's/^/# /' "$T/expr.out" | head -40
else
	ok "# SKIP promtool not installed" true
fi
EVALUATE=evaluate python3 "$RULES/exprdiff.py" "$RULES/agree.test.yml" 150 1 >"$T/expr.yml" 2>/dev/null
tail -n +3 "$RULES/expr.test.yml" >"$T/expr.want"
check_same "evaluate --query still gives those values" "$T/expr.want" "$T/expr.yml"
done_testing
