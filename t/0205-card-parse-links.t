#!/usr/bin/env bash
# card-parse keeps only http and https links (issue 20.4): cards are posted
# by bots and people alike, and a javascript: or data: link would reach the
# board as a link target.  Others are dropped, the row kept, and the drop
# warned about with its line number and counted.
. "$(dirname "$0")/lib.sh"

card() {	# card ID DASHBOARD-HREF SILENCE-HREF [TEXT-LINE]
	python3 - "$@" <<'PY'
import json, sys
mid, dash, sil = sys.argv[1:4]
extra = sys.argv[4] if len(sys.argv) > 4 else None
els = [[{"tag": "text", "text": "Firing"}],
       [{"tag": "text", "text": "Alert Name: BeAliveAbnormal"}],
       [{"tag": "text", "text": "Cluster ID: c-1"}],
       [{"tag": "a", "href": dash, "text": "Dashboard"}, {"tag": "text", "text": "  "},
        {"tag": "a", "href": sil, "text": "Silence"}]]
if extra:
    els.append([{"tag": "text", "text": extra}])
print(json.dumps({"message_id": mid, "msg_type": "interactive", "create_time": "1773151402000",
                  "chat_id": "oc_x", "body": {"content": json.dumps({"title": "t", "elements": els})}}))
PY
}
{
	card om_1 'javascript:alert(document.cookie)' 'data:text/html,<script>alert(1)</script>'
	card om_2 'https://grafana.example/d/x' 'http://am.example/#/silences'
	card om_3 ' javascript:alert(1)' 'JAVASCRIPT:alert(1)'
	card om_4 'https://ok.example/x' '' 'Dashboard: javascript:alert(2)'
	card om_5 'java	script:alert(1)' 'https://am.example/s'
} >"$T/in"
card-parse "$T/in" >"$T/out" 2>"$T/err"
is "$?" 0 "exit 0: the rows are kept, only their links dropped"
urls() { python3 -c 'import json,sys; print(" ".join("%s|%s" % (json.loads(l)["dashboard_url"], json.loads(l)["silence_url"]) for l in open(sys.argv[1])))' "$1"; }
is "$(urls "$T/out")" \
	"| https://grafana.example/d/x|http://am.example/#/silences | https://ok.example/x| |https://am.example/s" \
	"javascript:, data:, leading space, upper case, a tab inside: dropped; http(s) kept"
ok "line 1 warned with its number" grep -q 'line 1: 2 links dropped' "$T/err"
ok "line 4: a link in text form dropped too" grep -q 'line 4: 1 links dropped' "$T/err"
nok "line 2 (https) not warned about" grep -q 'line 2:' "$T/err"
ok "the total counted" grep -q '6 links dropped in all' "$T/err"
done_testing
