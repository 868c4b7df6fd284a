#!/usr/bin/env python3
"""95-webhookd-load-slow.py PORT SECONDS N: slow clients for
95-webhookd-load.sh, N connections in three kinds, each reconnecting until
SECONDS are up: "headers" trickles a whole request a byte a second (never
idle, but the header deadline counts from the connect, so it is closed
after --timeout), "body" sends its headers at
once and the body a byte every half second, "idle" connects and says
nothing (--timeout must close it).  Prints, per kind, what the server did."""
import socket
import sys
import threading
import time

port, secs, n = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
end = time.time() + secs
body = (b'{"version":"4","status":"firing","alerts":[{"status":"firing","labels":'
        b'{"alertname":"LoadSlow","cluster_id":"c-load"},"startsAt":"2026-03-10T14:03:22Z"}]}')
req = (b"POST /alertmanager HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       b"Content-Length: %d\r\n\r\n" % len(body))
res = {}
lock = threading.Lock()


def note(kind, what):
    with lock:
        res.setdefault(kind, {}).setdefault(what, 0)
        res[kind][what] += 1


def client(kind):
    while time.time() < end:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError as e:
            note(kind, "connect failed: %s" % e.__class__.__name__)
            time.sleep(1)
            continue
        s.settimeout(1.0)
        t0 = time.time()
        try:
            if kind == "headers":
                data, step = req + body, 1.0
            elif kind == "body":
                s.sendall(req)
                data, step = body, 0.5
            else:
                data, step = b"", 0
            i = 0
            while time.time() < end:
                if i < len(data):
                    s.sendall(data[i:i + 1])
                    i += 1
                    time.sleep(step)
                    continue
                try:
                    r = s.recv(4096)
                except socket.timeout:
                    continue
                if not r:
                    if kind == "idle":
                        note(kind, "closed by server after %ds" % round(time.time() - t0))
                    else:
                        note(kind, "closed by server")
                    break
                note(kind, r.split(b"\r\n", 1)[0].decode(errors="replace"))
                break
        except (ConnectionResetError, BrokenPipeError):
            note(kind, "reset by server")
        finally:
            s.close()


kinds = ["headers", "body", "idle"]
ts = [threading.Thread(target=client, args=(kinds[k % 3],), daemon=True) for k in range(n)]
for t in ts:
    t.start()
for t in ts:
    t.join(secs + 15)
for kind in kinds:
    got = ", ".join("%s x%d" % kv for kv in sorted(res.get(kind, {}).items()))
    print("slow %-7s %s" % (kind, got or "no answer before the end"))
