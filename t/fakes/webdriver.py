#!/usr/bin/env python3
"""A minimal W3C WebDriver client (stdlib only) for the board's browser test.

webdriver.py CHROMEDRIVER_URL BOARD_URL SCREENSHOT NEW_ALERT_CMD WANT_TEXT
  Opens the board in headless Chromium, waits for the firing-alerts table,
  marks the window (to prove there is no reload), runs NEW_ALERT_CMD (a shell
  command that inserts an alert row), waits until WANT_TEXT appears in the
  alerts section, checks the mark survived, checks the layout at a common
  laptop size (1366x768: no table wider than its section, no horizontal
  scroll, the "Last seen" column inside its section), that values are shown
  for people (factors as a list, scores to one decimal) and that no link on
  the page has a scheme other than http(s); saves a screenshot.
  Prints one line per step; exits non-zero on failure.
"""
import base64, json, subprocess, sys, time, urllib.request

drv, url, shot, cmd, want = sys.argv[1:6]


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(drv + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"{}").get("value")


caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
    "binary": "/usr/bin/chromium",
    "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--window-size=1366,768"]}}}}
sid = call("POST", "/session", caps)["sessionId"]
s = "/session/" + sid
ok = True
try:
    call("POST", s + "/url", {"url": url})

    def js(script):
        return call("POST", s + "/execute/sync", {"script": script, "args": []})

    def wait(cond, secs):
        end = time.time() + secs
        while time.time() < end:
            if js("return " + cond):
                return True
            time.sleep(0.2)
        return False

    if not wait("document.querySelector('#alerts table') !== null", 20):
        print("FAIL alerts table never rendered"); ok = False
    else:
        print("ok page rendered")
    wait("document.getElementById('status').className === 'live'", 10)
    print("status", js("return document.getElementById('status').textContent"))
    js("window.__srw_marker = 42")
    before = js("return document.querySelector('#alerts').textContent")
    if want in before:
        print("FAIL %s already on the page before the insert" % want); ok = False
    subprocess.run(cmd, shell=True, check=True)
    if wait("document.querySelector('#alerts').textContent.includes(%s)" % json.dumps(want), 30):
        print("ok new alert appeared")
    else:
        print("FAIL new alert did not appear"); ok = False
    if js("return window.__srw_marker") == 42:
        print("ok no reload")
    else:
        print("FAIL the page was reloaded"); ok = False
    fresh = js("return document.querySelectorAll('#alerts tr.fresh').length")
    print("fresh rows", fresh)
    wait("document.querySelector('#issues table') !== null", 10)
    print("viewport", js("return window.innerWidth + 'x' + window.innerHeight"))
    over = js("""return [...document.querySelectorAll('section')].filter(sec => {
        const t = sec.querySelector('table'); if (!t) return false;
        return t.getBoundingClientRect().right > sec.getBoundingClientRect().right + 1 ||
               sec.scrollWidth > sec.clientWidth + 1; }).map(sec => sec.id)""")
    if over:
        print("FAIL tables overflow their sections: %s" % over); ok = False
    else:
        print("ok no table overflows its section")
    if js("return document.documentElement.scrollWidth > window.innerWidth + 1"):
        print("FAIL the page scrolls sideways"); ok = False
    else:
        print("ok no sideways scroll")
    last = js("""const sec = document.getElementById('issues'), cells = sec.querySelectorAll('tr > :last-child');
        const r = sec.getBoundingClientRect();
        return cells.length > 1 && [...cells].every(c => c.getBoundingClientRect().right <= r.right + 1 &&
            (!c.firstElementChild || c.firstElementChild.getClientRects().length === 1))""")
    if last:
        print("ok Last seen column inside its section, one line per time")
    else:
        print("FAIL Last seen column overflows or wraps"); ok = False
    items = js("return document.querySelectorAll('#clusters ul.factors li').length")
    score = js("return [...document.querySelectorAll('#clusters td.num')].map(td => td.textContent)")
    if items and items >= 2 and score and all(len(x.split('.')[-1]) == 1 for x in score if x != '\u2013'):
        print("ok factors as a list (%d items), scores to one decimal %s" % (items, score))
    else:
        print("FAIL factors (%s items) or scores %s not shown for people" % (items, score)); ok = False
    bad = js("""return [...document.querySelectorAll('a[href]')].map(a => a.href)
        .filter(h => !/^https?:/.test(h))""")
    if bad:
        print("FAIL links with other schemes: %s" % bad); ok = False
    else:
        print("ok every link is http or https")
    if js("return document.body.textContent.includes('Warning here and Critical there')"):
        print("ok the severities are explained")
    else:
        print("FAIL no explanation of the severities"); ok = False
    png = call("GET", s + "/screenshot")
    with open(shot, "wb") as f:
        f.write(base64.b64decode(png))
    print("ok screenshot", shot)
finally:
    call("DELETE", s)
sys.exit(0 if ok else 1)
