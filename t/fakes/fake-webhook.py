#!/usr/bin/env python3
"""fake-webhook.py - one recording fake for the services notify and evaluate
talk to: PagerDuty Events API v2, Slack incoming webhooks, Lark custom bots
(with the signing secret), Alertmanager and any generic webhook.

  fake-webhook.py PORTFILE LOGFILE [--status 500,500,200] [--lark-secret S] [--delay SECONDS]

Listens on 127.0.0.1 on a free port (written to PORTFILE), appends every
request to LOGFILE as one JSON line {method, path, headers, body, status,
problem}, and answers like the real service would, checking the payload's
shape by path:
  /v2/enqueue        PagerDuty: routing_key, event_action, dedup_key rules, payload
  /services/...      Slack: text or blocks
  /open-apis/bot/v2/hook/...   Lark: msg_type, card/content; sign checked
  anything else      any JSON body
--status gives the status of the first requests in turn (then 2xx).
--delay makes every answer wait (after the request is logged): a slow peer.
"""
import base64, hashlib, hmac, json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

portfile, logfile = sys.argv[1], sys.argv[2]
statuses, secret, delay = [], None, 0.0
args = sys.argv[3:]
while args:
    if args[0] == "--status":
        statuses = [int(s) for s in args[1].split(",") if s]
        args = args[2:]
    elif args[0] == "--lark-secret":
        secret = args[1]
        args = args[2:]
    elif args[0] == "--delay":
        delay = float(args[1])
        args = args[2:]
    else:
        sys.exit("fake-webhook.py: unknown argument " + args[0])
lock = threading.Lock()

def check_pagerduty(b):
    if not isinstance(b.get("routing_key"), str) or len(b["routing_key"]) != 32:
        return "routing_key must be 32 characters"
    act = b.get("event_action")
    if act not in ("trigger", "acknowledge", "resolve"):
        return "event_action must be trigger, acknowledge or resolve"
    if act != "trigger" and not b.get("dedup_key"):
        return "dedup_key is required for " + act
    if act == "trigger":
        p = b.get("payload")
        if not isinstance(p, dict):
            return "payload is required"
        for k in ("summary", "source", "severity"):
            if not isinstance(p.get(k), str) or not p[k]:
                return "payload." + k + " is required"
        if p["severity"] not in ("critical", "error", "warning", "info"):
            return "payload.severity is invalid"
        if len(p["summary"]) > 1024:
            return "payload.summary is longer than 1024"
    return None

def check_slack(b):
    if not b.get("text") and not b.get("blocks"):
        return "no_text"
    for blk in b.get("blocks", []):
        if blk.get("type") not in ("section", "header", "context", "divider", "actions"):
            return "invalid_blocks"
    return None

def check_lark(b):
    if secret is not None:
        ts = b.get("timestamp")
        if not ts or abs(time.time() - int(ts)) > 3600:
            return "timestamp is not within one hour"
        key = ("%s\n%s" % (ts, secret)).encode()
        want = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        if b.get("sign") != want:
            return "sign match fail"
    if b.get("msg_type") == "interactive":
        card = b.get("card")
        if not isinstance(card, dict) or not card.get("elements"):
            return "card must have elements"
    elif b.get("msg_type") == "text":
        if not b.get("content", {}).get("text"):
            return "content.text is required"
    else:
        return "bad msg_type"
    return None

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8", "replace")
        problem = None
        try:
            body = json.loads(raw)
        except ValueError:
            body, problem = raw, "body is not JSON"
        path = self.path.split("?")[0]
        if problem is None:
            if path == "/v2/enqueue":
                problem = check_pagerduty(body)
            elif path.startswith("/services/"):
                problem = check_slack(body)
            elif path.startswith("/open-apis/bot/v2/hook/"):
                problem = check_lark(body)
        with lock:
            status = statuses.pop(0) if statuses else None
        if status is None:
            status = 400 if problem else (202 if path == "/v2/enqueue" else 200)
        with lock, open(logfile, "a") as f:
            f.write(json.dumps({"method": "POST", "path": self.path, "headers": dict(self.headers),
                                "body": body, "status": status, "problem": problem}) + "\n")
        if delay:
            time.sleep(delay)
        if path.startswith("/open-apis/bot/"):
            # Lark answers 200 with a code in the body
            out = {"code": 19021 if problem else 0, "msg": problem or "success"}
            if status >= 500:
                out = {"code": 9499, "msg": "internal error"}
            self.send_response(status if status >= 500 else 200)
        elif path == "/v2/enqueue":
            out = {"status": "invalid event", "message": "Event object is invalid", "errors": [problem]} \
                if problem else {"status": "success", "message": "Event processed",
                                 "dedup_key": body.get("dedup_key") or "generated"}
            self.send_response(status)
        else:
            out = "invalid_payload" if problem else "ok"
            self.send_response(status)
        data = (json.dumps(out) if not isinstance(out, str) else out).encode()
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
