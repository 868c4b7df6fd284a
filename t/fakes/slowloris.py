#!/usr/bin/env python3
"""slowloris.py PORT CONNS ADDRS SECONDS [PATH]: a slow-header client for the
webhookd and board tests.  Keeps CONNS connections open to 127.0.0.1:PORT,
spread over ADDRS source addresses (127.0.0.2, 127.0.0.3, ...), each sending
its request's header a few bytes at a time (never idle, never complete), and
reconnects any the server closes, until SECONDS are up; then closes them all
and prints what it saw:

    held_max N        the most connections open at once
    closed N          connections the server closed or reset
    refused N         connects that failed
    longest S         the longest a connection lived, seconds

One thread, non-blocking sockets: bounded in time and in descriptors."""
import selectors
import socket
import sys
import time

port, conns, addrs, secs = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                            float(sys.argv[4]))
path = sys.argv[5] if len(sys.argv) > 5 else "/"
head = ("GET %s HTTP/1.1\r\nHost: x\r\n" % path).encode() + b"X-a: b\r\n" * 100000
sel = selectors.DefaultSelector()
state = {}  # sock -> [offset, t0, next send time]
stats = {"held_max": 0, "closed": 0, "refused": 0, "longest": 0.0}
end = time.time() + secs


def connect(i):
    src = "127.0.0.%d" % (2 + i % addrs)
    s = socket.socket()
    s.setblocking(False)
    try:
        s.bind((src, 0))
        s.connect_ex(("127.0.0.1", port))
    except OSError:
        s.close()
        stats["refused"] += 1
        return
    sel.register(s, selectors.EVENT_READ)
    state[s] = [0, time.time(), time.time(), i]


def drop(s, counted=True):
    off, t0, _, i = state.pop(s)
    sel.unregister(s)
    s.close()
    stats["longest"] = max(stats["longest"], time.time() - t0)
    if counted:
        stats["closed"] += 1
    return i


for i in range(conns):
    connect(i)
pending = []  # slots to reconnect
while time.time() < end:
    now = time.time()
    for key, _ in sel.select(timeout=0.1):
        s = key.fileobj
        try:
            data = s.recv(4096)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            data = b""
        if not data:  # closed (a response would also end it: slow clients get none)
            pending.append(drop(s))
        else:
            pending.append(drop(s))
    for s, st in list(state.items()):
        if st[2] <= now:
            try:
                n = s.send(head[st[0]:st[0] + 3])
                st[0] += n
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                pending.append(drop(s))
                continue
            st[2] = now + 0.5
    held = sum(1 for s in state if state[s][0] > 0)
    stats["held_max"] = max(stats["held_max"], held)
    # reconnect at most a few per slot a second, as an attacker would
    for i in pending[:50]:
        connect(i)
    pending = pending[50:]
for s in list(state):
    drop(s, counted=False)
for k in ("held_max", "closed", "refused"):
    print("%s %d" % (k, stats[k]))
print("longest %.1f" % stats["longest"])
