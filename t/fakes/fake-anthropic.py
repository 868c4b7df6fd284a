#!/usr/bin/env python3
"""fake-anthropic - a scripted Anthropic Messages API on 127.0.0.1.

    fake-anthropic.py SCRIPT LOGDIR

Listens on a free loopback port and writes it to LOGDIR/port.  Every
POST /v1/messages is checked the way the real API would refuse it (headers,
body shape, tools schema, roles, tool_result blocks paired with the previous
turn's tool_use ids), then answered with the next scripted response.  A
failed check answers 400 invalid_request_error and is appended to
LOGDIR/errors.  Requests are logged as LOGDIR/req-N.json (headers as
hdr-N.json, the api key masked).

SCRIPT is JSON: {"api_key": "...", "responses": [R, ...]}; each R is
  {"status": 529, "headers": {"retry-after": "0"}}      an error answer, or
  {"content": [...], "stop_reason": "tool_use",           a message, with
   "usage": {...},                                       optional checks on
   "expect": ["substring", ...],                         the request it answers
   "expect_ok": ["toolu_1"], "expect_error": ["toolu_2"],
   "expect_tool_choice": "none", "delay": 5}             (seconds before answering)
When the script is used up, every request gets 500.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

script = json.load(open(sys.argv[1]))
logdir = sys.argv[2]
lock = threading.Lock()
state = {"n": 0, "next": 0}


def check(hdrs, body, raw, r):
    """Returns a list of problems with the request (empty: fine)."""
    p = []
    if hdrs.get("x-api-key") != script["api_key"]:
        p.append("x-api-key header missing or wrong")
    if hdrs.get("anthropic-version") != "2023-06-01":
        p.append("anthropic-version header missing or not 2023-06-01")
    if not hdrs.get("content-type", "").startswith("application/json"):
        p.append("content-type is not application/json")
    if not isinstance(body, dict):
        return p + ["body is not a JSON object"]
    if not isinstance(body.get("model"), str) or not body["model"]:
        p.append("model: field required")
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
        p.append("max_tokens: positive integer required")
    tools = body.get("tools", [])
    names = set()
    for t in tools:
        if not isinstance(t, dict) or not isinstance(t.get("name"), str):
            p.append("tools: each tool needs a name")
            continue
        if t["name"] in names:
            p.append("tools: duplicate name %s" % t["name"])
        names.add(t["name"])
        if not t.get("description"):
            p.append("tools.%s: description missing" % t["name"])
        s = t.get("input_schema")
        if not isinstance(s, dict) or s.get("type") != "object":
            p.append("tools.%s.input_schema: type must be object" % t["name"])
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return p + ["messages: non-empty list required"]
    if msgs[0].get("role") != "user":
        p.append("messages: first message must use the user role")
    for i, m in enumerate(msgs):
        if m.get("role") not in ("user", "assistant"):
            p.append("messages.%d.role: user or assistant" % i)
        if i and m.get("role") == msgs[i - 1].get("role"):
            p.append("messages.%d: roles must alternate" % i)
    for i, m in enumerate(msgs):
        if m.get("role") != "assistant" or not isinstance(m.get("content"), list):
            continue
        uses = [b["id"] for b in m["content"] if b.get("type") == "tool_use"]
        for b in m["content"]:
            if b.get("type") == "tool_use" and b.get("name") not in names:
                p.append("messages.%d: tool_use of an undeclared tool %s" % (i, b.get("name")))
        if not uses:
            continue
        if i + 1 >= len(msgs):
            p.append("messages.%d: tool_use ids %s without tool_result blocks" % (i, uses))
            continue
        nxt = msgs[i + 1].get("content")
        if not isinstance(nxt, list):
            p.append("messages.%d: tool_result blocks expected" % (i + 1))
            continue
        res = [b for b in nxt if b.get("type") == "tool_result"]
        if [b.get("tool_use_id") for b in res] != uses:
            p.append("messages.%d: tool_result ids %s do not pair with tool_use ids %s"
                     % (i + 1, [b.get("tool_use_id") for b in res], uses))
        if nxt[:len(res)] != res:
            p.append("messages.%d: tool_result blocks must come first" % (i + 1))
        for b in res:
            if not isinstance(b.get("content"), (str, list)):
                p.append("tool_result %s: content must be text" % b.get("tool_use_id"))
    results = {}
    for m in msgs:
        if m.get("role") == "user" and isinstance(m.get("content"), list):
            for b in m["content"]:
                if b.get("type") == "tool_result":
                    results[b.get("tool_use_id")] = b
    for s in r.get("expect", []):
        if s not in raw:
            p.append("request does not contain %r" % s)
    for tid in r.get("expect_ok", []):
        if tid not in results or results[tid].get("is_error"):
            p.append("tool_result %s should be a success" % tid)
    for tid in r.get("expect_error", []):
        if tid not in results or not results[tid].get("is_error"):
            p.append("tool_result %s should have is_error true" % tid)
    if "expect_tool_choice" in r:
        if (body.get("tool_choice") or {}).get("type") != r["expect_tool_choice"]:
            p.append("tool_choice should be %s" % r["expect_tool_choice"])
    return p


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, obj, headers=None):
        data = json.dumps(obj).encode()
        try:
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its deadline), as it may

    def do_POST(self):
        n = int(self.headers.get("content-length", 0))
        raw = self.rfile.read(n).decode("utf-8", "replace")
        hdrs = {k.lower(): v for k, v in self.headers.items()}
        with lock:
            state["n"] += 1
            k = state["n"]
            i = state["next"]
            masked = dict(hdrs)
            if "x-api-key" in masked:
                masked["x-api-key"] = "MASKED" if masked["x-api-key"] == script["api_key"] else "WRONG"
            json.dump(masked, open(os.path.join(logdir, "hdr-%d.json" % k), "w"))
            open(os.path.join(logdir, "req-%d.json" % k), "w").write(raw)
            if self.path != "/v1/messages":
                return self.reply(404, {"type": "error", "error": {"type": "not_found_error",
                                  "message": "no route %s" % self.path}})
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if i >= len(script["responses"]):
                return self.reply(500, {"type": "error", "error": {"type": "api_error",
                                  "message": "script exhausted"}})
            r = script["responses"][i]
            state["next"] = i + 1
        if r.get("delay"):
            time.sleep(r["delay"])
        with lock:
            if "status" in r:
                return self.reply(r["status"], {"type": "error", "error": {
                    "type": "overloaded_error", "message": "Overloaded"}}, r.get("headers"))
            probs = check(hdrs, body, raw, r)
            if probs:
                with open(os.path.join(logdir, "errors"), "a") as f:
                    f.write("request %d: %s\n" % (k, "; ".join(probs)))
                return self.reply(400, {"type": "error", "error": {
                    "type": "invalid_request_error", "message": "; ".join(probs)}})
            out = {"id": "msg_fake_%d" % k, "type": "message", "role": "assistant",
                   "model": body.get("model"), "content": r["content"],
                   "stop_reason": r.get("stop_reason", "end_turn"), "stop_sequence": None,
                   "usage": r.get("usage", {"input_tokens": 100, "output_tokens": 20})}
            return self.reply(200, out)


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(os.path.join(logdir, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(logdir, "port.tmp"), os.path.join(logdir, "port"))
srv.serve_forever()
