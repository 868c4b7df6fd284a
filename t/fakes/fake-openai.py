#!/usr/bin/env python3
"""fake-openai - a scripted OpenAI-compatible chat-completions server.

    fake-openai.py SCRIPT LOGDIR

Serves POST /v1/chat/completions on a free loopback port (written to
LOGDIR/port).  Checks the bearer key, the tools (type function, JSON schema
parameters) and that every assistant tool_call is answered by a tool message
with its tool_call_id before the next turn; answers with the next scripted
{"message": {...}, "finish_reason": ...}.  Problems go to LOGDIR/errors and
get a 400.  Requests are logged as LOGDIR/req-N.json.

POST /v1/embeddings answers with deterministic 32-dimension vectors (words
hashed into buckets), one line per call appended to LOGDIR/embeddings.
"""
import zlib
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

script = json.load(open(sys.argv[1]))
logdir = sys.argv[2]
state = {"n": 0}


def check(hdrs, body, raw, r):
    p = []
    if hdrs.get("authorization") != "Bearer " + script["api_key"]:
        p.append("authorization: Bearer key missing or wrong")
    if not isinstance(body, dict):
        return p + ["body is not a JSON object"]
    if not body.get("model"):
        p.append("model required")
    for t in body.get("tools", []):
        f = t.get("function", {})
        if t.get("type") != "function" or not f.get("name") or \
                (f.get("parameters") or {}).get("type") != "object":
            p.append("tools: bad function tool %r" % f.get("name"))
    msgs = body.get("messages") or []
    if not msgs or msgs[0].get("role") != "system":
        p.append("messages: the system prompt first")
    for i, m in enumerate(msgs):
        calls = [c["id"] for c in (m.get("tool_calls") or [])] if m.get("role") == "assistant" else []
        answered = [x.get("tool_call_id") for x in msgs[i + 1:i + 1 + len(calls)] if x.get("role") == "tool"]
        if calls and answered != calls:
            p.append("messages.%d: tool calls %s answered by %s" % (i, calls, answered))
    for s in r.get("expect", []):
        if s not in raw:
            p.append("request does not contain %r" % s)
    return p


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def embeddings(self, raw, hdrs):
        body = json.loads(raw)
        inputs = body.get("input")
        if hdrs.get("authorization") != "Bearer " + script["api_key"] or not body.get("model") \
                or not isinstance(inputs, list):
            with open(os.path.join(logdir, "errors"), "a") as f:
                f.write("embeddings: bad request\n")
            return self.reply(400, {"error": {"message": "bad embeddings request"}})
        with open(os.path.join(logdir, "embeddings"), "a") as f:
            f.write("%s %d\n" % (body["model"], len(inputs)))
        data = []
        for i, text in enumerate(inputs):
            v = [0.0] * 32
            for w in text.lower().replace("-", " ").split():
                v[zlib.crc32(w.strip(".,:;()").encode()) % 32] += 1.0
            data.append({"object": "embedding", "index": i, "embedding": v})
        data.reverse()  # the index, not the order, says which input
        return self.reply(200, {"object": "list", "data": data, "model": body["model"]})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
        hdrs = {k.lower(): v for k, v in self.headers.items()}
        if self.path == "/v1/embeddings":
            return self.embeddings(raw, hdrs)
        state["n"] += 1
        k = state["n"]
        open(os.path.join(logdir, "req-%d.json" % k), "w").write(raw)
        if self.path != "/v1/chat/completions":
            return self.reply(404, {"error": {"message": "no route " + self.path}})
        if k > len(script["responses"]):
            return self.reply(500, {"error": {"message": "script exhausted"}})
        r = script["responses"][k - 1]
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        probs = check(hdrs, body, raw, r)
        if probs:
            with open(os.path.join(logdir, "errors"), "a") as f:
                f.write("request %d: %s\n" % (k, "; ".join(probs)))
            return self.reply(400, {"error": {"message": "; ".join(probs)}})
        return self.reply(200, {"id": "chatcmpl-%d" % k, "object": "chat.completion",
                                "model": body["model"],
                                "choices": [{"index": 0, "message": r["message"],
                                             "finish_reason": r.get("finish_reason", "stop")}],
                                "usage": r.get("usage", {"prompt_tokens": 10, "completion_tokens": 5})})


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(os.path.join(logdir, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(logdir, "port.tmp"), os.path.join(logdir, "port"))
srv.serve_forever()
