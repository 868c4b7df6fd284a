#!/usr/bin/env python3
"""fault-http.py MODE PORTFILE [LOG] - a misbehaving HTTP server on
127.0.0.1 (random free port, written to PORTFILE) for fault tests: every
request, whatever its path, gets the fault MODE:

  reset      reads the request, then closes with a TCP RST
  empty      reads the request, then closes without a byte
  truncated  200, Content-Length of a whole JSON answer, half of it, close
  badjson    200, a complete HTTP answer whose JSON body is cut in half
  html       200 text/html "<html>proxy error</html>"
  garbage    non-HTTP bytes, then close
  stall      reads the request and never answers (until the client leaves)
  slow       200 with the JSON trickled a byte every 0.5 s

The JSON is a plausible Lark / Anthropic answer, so only the fault decides.
Requests whose path contains $FAULT_PASS (e.g. "tenant_access_token") are
answered that JSON whole, so a client gets past its login to the fault.
Each request is logged to LOG as "METHOD PATH" (one line).  Runs until
killed; threads per connection, so a stalled client blocks nobody."""
import os
import socket
import struct
import sys
import threading
import time

mode, portfile = sys.argv[1], sys.argv[2]
logf = open(sys.argv[3], "a", buffering=1) if len(sys.argv) > 3 else None
passing = os.environ.get("FAULT_PASS", "")
BODY = (b'{"code":0,"msg":"success","tenant_access_token":"t-fault","expire":7200,'
        b'"data":{"has_more":false,"items":[{"message_id":"om_1","msg_type":"text"}]},'
        b'"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text",'
        b'"text":"all good"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}')


def read_request(c):
    data = b""
    while b"\r\n\r\n" not in data:
        r = c.recv(65536)
        if not r:
            return None
        data += r
    head, rest = data.split(b"\r\n\r\n", 1)
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v.strip() or 0)
    while len(rest) < n:
        r = c.recv(65536)
        if not r:
            break
        rest += r
    if logf:
        logf.write(head.split(b"\r\n", 1)[0].decode(errors="replace").rsplit(" ", 1)[0] + "\n")
    return head


def answer(c, body, length=None, ctype=b"application/json"):
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype + b"\r\nContent-Length: " +
              str(len(body) if length is None else length).encode() +
              b"\r\nConnection: close\r\n\r\n")


def serve(c):
    try:
        while True:
            head = read_request(c)
            if head is None:
                return
            if passing and passing.encode() in head.split(b"\r\n", 1)[0]:
                answer(c, BODY)
                c.sendall(BODY)
                return
            if mode == "reset":
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if mode == "empty":
                return
            if mode == "truncated":
                answer(c, BODY)
                c.sendall(BODY[:len(BODY) // 2])
                return
            if mode == "badjson":
                half = BODY[:len(BODY) // 2]
                answer(c, half)
                c.sendall(half)
                return
            if mode == "html":
                page = b"<html><body>502 proxy error</body></html>"
                answer(c, page, ctype=b"text/html")
                c.sendall(page)
                return
            if mode == "garbage":
                c.sendall(b"\x00\x01SSH-2.0-nonsense\r\n\xff\xfe")
                return
            if mode == "stall":
                while c.recv(65536):
                    pass
                return
            if mode == "slow":
                answer(c, BODY)
                for i in range(len(BODY)):
                    c.sendall(BODY[i:i + 1])
                    time.sleep(0.5)
                return
            raise SystemExit("unknown mode " + mode)
    except OSError:
        pass
    finally:
        c.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
while True:
    conn, _ = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
