#!/bin/sh
# recommend's reports: text, markdown, and the self-contained HTML file
# (well-formed, inline SVG, no scripts or outside assets).  Input on --stdin.
. "$(dirname "$0")/lib.sh"

python3 - >"$T/rows.ndjson" <<'PY'
import json
def row(i, t, status, name, cid, cname="", region="us-west-2"):
    print(json.dumps({"message_id": "rr_%s" % i, "created_at": t, "cluster_name": cname or cid,
                      "region": region, "account_name": "acme", "cluster_id": cid,
                      "alert_status": status, "alert_name": name, "source": "lark"}))
# 2026-03-08: DST starts, 23 hours (08:00 UTC .. 07:00 UTC next day)
for i in range(12):
    row("gc%d" % i, "2026-03-08 %02d:15:00" % (8 + i), "Firing", "FEGCCount", "c-a")
row("be1", "2026-03-08 09:00:00", "Firing", "BeAliveAbnormal", "c-a")
row("be2", "2026-03-08 09:30:00", "Firing", "BeAliveAbnormal", "c-b")
row("be2r", "2026-03-08 10:00:00", "Resolved", "BeAliveAbnormal", "c-b")
row("odd", "2026-03-08 11:00:00", "Firing", "Odd<&>\"'*Name", "c-c", "c&c <cluster>")
row("info", "2026-03-09 06:30:00", "Firing", "OperationDurationGT10m", "c-d")
# 2026-03-12: an ordinary 24-hour day, one alert
row("disk", "2026-03-12 15:00:00", "Firing", "RootFreeDiskLessThan10%", "c-a")
PY

recommend --stdin --format html 2026-03-08 2026-03-12 <"$T/rows.ndjson" >"$T/r.html"
is "$?" 0 "html report exits 0"

cat >"$T/check.py" <<'PY'
import sys, xml.etree.ElementTree as ET
from html.parser import HTMLParser
src = open(sys.argv[1], encoding="utf-8").read()
what = sys.argv[2]
body = src.split("\n", 1)[1] if src.startswith("<!DOCTYPE html>") else src
root = ET.fromstring(body)          # raises unless well-formed
SVG = "{http://www.w3.org/2000/svg}"
svgs = root.iter(SVG + "svg")
svgs = list(svgs)
def texts(svg):
    return ["".join(t.itertext()) for t in svg.iter(SVG + "text")]
if what == "wellformed":
    class P(HTMLParser):
        pass
    P().feed(src)
    print(root.tag, len(svgs))
elif what == "assets":
    bad = [e.tag for e in root.iter() if e.tag in ("script", "link", "img", "iframe", "object")]
    bad += [k for e in root.iter() for k in e.attrib if k in ("src", "href") or k.startswith("on")]
    print("none" if not bad and "url(" not in src and "<script" not in src.lower() else bad)
elif what == "hours":
    # bars of each hourly histogram, and the first three hour labels
    for s in svgs:
        if s.get("class") == "hours":
            print(len(list(s.iter(SVG + "rect"))), " ".join(texts(s)[2:5]))
elif what == "top":
    for s in svgs:
        if s.get("class") == "top":
            t = texts(s)
            print(" ".join(t[0::2]))
            break
elif what == "names":
    print("\n".join("".join(td.itertext()) for td in root.iter("td")))
PY
html() { python3 "$T/check.py" "$T/r.html" "$@" 2>&1; }

is "$(html wellformed)" "html 4" "well-formed XML-ish HTML with 4 SVG charts (2 days x 2)"
is "$(html assets)" none "no scripts, links, images or outside assets"
is "$(html hours | tr '\n' ';')" "23 00 01 03;24 00 01 02;" \
	"hourly histogram: 23 bars on the DST day, clock hours skip 02"
is "$(html top)" "FEGCCount BeAliveAbnormal Odd<&>\"'*Name OperationDurationGT10m" \
	"top alerts chart sorted by firings"
html names >"$T/names"
ok "odd names are escaped and survive" grep -qxF "Odd<&>\"'*Name" "$T/names"
ok "noisy row is marked" grep -q 'class="noisy"' "$T/r.html"

recommend --stdin --format html --top 2 2026-03-08 <"$T/rows.ndjson" >"$T/r.html"
is "$(html top)" "FEGCCount BeAliveAbnormal" "--top limits the chart"

recommend --stdin --format text 2026-03-08 <"$T/rows.ndjson" >"$T/r.txt"
ok "text: header row" grep -q '^SEVERITY  ALERT .*FIRED  RESOLVED  CLUSTERS  MEDIAN  WEEK AGO' "$T/r.txt"
ok "text: Critical first" sh -c "sed -n 5p '$T/r.txt' | grep -q '^Critical  BeAliveAbnormal'"
ok "text: noisy reason shown" grep -q 'noisy: fired 12 times (>= 10)' "$T/r.txt"
ok "text: median fire-to-resolve" grep -q 'BeAliveAbnormal .* 30m ' "$T/r.txt"
ok "text: unknown names listed for the table" \
	grep -qF "Unknown alert names (add them to the alert-type table): Odd<&>\"'*Name" "$T/r.txt"
ok "text: the day's window" grep -qF 'Alerts on 2026-03-08 (America/Los_Angeles, 23 h: UTC 2026-03-08 08:00 to 2026-03-09 07:00)' "$T/r.txt"

recommend --stdin --format markdown 2026-03-08 <"$T/rows.ndjson" >"$T/r.md"
is "$(grep -c '^| ' "$T/r.md")" 5 "markdown: header and one table row per alert name"
ok "markdown: special characters escaped" grep -qF 'Odd\<&\>"'"'"'\*Name' "$T/r.md"
ok "markdown: advice as a list" grep -q '^- \*\*BeAliveAbnormal\*\* (Critical, fired 2 on c-a, c-b): Run SHOW BACKENDS' "$T/r.md"

recommend --types >"$T/types"
is "$(wc -l <"$T/types" | tr -d ' ')" 21 "--types lists the 21 known alert types"
ok "--types rows name severity and class" \
	grep -q '"alert_name":"FEGCCount","severity":"Warning","alert_class":"ANOMALY"' "$T/types"
done_testing
