#!/usr/bin/env python3
"""fake-kl-mcp - a Knowledge Lake MCP server (JSON-RPC 2.0 over HTTP).

    fake-kl-mcp.py LOGDIR

initialize answers with a session id (Mcp-Session-Id header);
notifications/initialized gets 202; tools/call of search_hybrid,
search_fulltext or search_vector needs the session id and answers, as an
SSE event stream, two hits as text content.  Every call is appended to
LOGDIR/calls as one JSON line; protocol problems to LOGDIR/errors.
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

logdir = sys.argv[1]
SESSION = "kl-session-42"


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, obj=None, sse=False, headers=None):
        data = b""
        if obj is not None:
            data = json.dumps(obj).encode()
            if sse:
                data = b"event: message\ndata: " + data + b"\n\n"
        self.send_response(code)
        self.send_header("content-type", "text/event-stream" if sse else "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def problem(self, msg, rid):
        with open(os.path.join(logdir, "errors"), "a") as f:
            f.write(msg + "\n")
        self.send(200, {"jsonrpc": "2.0", "id": rid, "error": {"code": -32600, "message": msg}})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
        m = json.loads(raw)
        with open(os.path.join(logdir, "calls"), "a") as f:
            f.write(json.dumps({"msg": m, "session": self.headers.get("mcp-session-id")}) + "\n")
        if m.get("jsonrpc") != "2.0":
            return self.problem("jsonrpc must be 2.0", m.get("id"))
        meth = m.get("method")
        if meth == "initialize":
            if "protocolVersion" not in m.get("params", {}):
                return self.problem("initialize without protocolVersion", m.get("id"))
            return self.send(200, {"jsonrpc": "2.0", "id": m["id"], "result": {
                "protocolVersion": "2025-03-26", "capabilities": {"tools": {}},
                "serverInfo": {"name": "knowledge-lake", "version": "1.0"}}},
                headers={"Mcp-Session-Id": SESSION})
        if self.headers.get("mcp-session-id") != SESSION:
            return self.problem("%s without the session id" % meth, m.get("id"))
        if meth == "notifications/initialized":
            return self.send(202)
        if meth == "tools/call":
            p = m.get("params", {})
            if p.get("name") not in ("search_hybrid", "search_fulltext", "search_vector"):
                return self.problem("unknown tool %s" % p.get("name"), m.get("id"))
            q = p.get("arguments", {}).get("query", "")
            hits = [{"doc_id": "kl-1", "title": "Remote: " + q, "kind": "oncall_log", "score": 0.9},
                    {"doc_id": "kl-2", "title": "Remote runbook", "kind": "runbook", "score": 0.5}]
            return self.send(200, {"jsonrpc": "2.0", "id": m["id"], "result": {
                "content": [{"type": "text", "text": json.dumps(h)} for h in hits]}}, sse=True)
        return self.problem("unknown method %s" % meth, m.get("id"))


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(os.path.join(logdir, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(logdir, "port.tmp"), os.path.join(logdir, "port"))
srv.serve_forever()
