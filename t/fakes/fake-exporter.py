#!/usr/bin/env python3
"""fake-exporter: a simulated StarRocks fleet's /metrics on 127.0.0.1, for
scrape's fleet tests and bench (one process, several ports, a path per
target).

  fake-exporter.py --clusters C --per T --series S [--ports P]
                   [--targets-out FILE] [--slow N:SECONDS] [--dead N]
                   [--huge N:BYTES] [--yaml] [--static]

Target i of cluster c is served at http://127.0.0.1:PORT/c-NNN/tJ/metrics
(ports round robin) with S samples: S-2 counters
starrocks_be_fake_total{cluster_id,i} and one gauge and one histogram
bucket pair whose values depend only on (cluster, target, series), plus
the request count in the counters so rounds differ.  --targets-out writes
the Prometheus file_sd file for them (JSON, or YAML with --yaml); --slow
makes N targets answer after SECONDS, --dead adds N targets on a port
nobody listens on, --huge makes N targets answer BYTES of one line;
--static serves every target the same body each time (benchmarks: the
exporter's own CPU stays small).
Prints "listening on 127.0.0.1:PORT" on stderr for every port, then
"ready".  GET /expected/c-NNN/tJ answers the sample count of that target.
"""
import argparse
import asyncio
import json
import socket
import sys
import zlib

ap = argparse.ArgumentParser()
ap.add_argument("--clusters", type=int, default=3)
ap.add_argument("--per", type=int, default=4)
ap.add_argument("--series", type=int, default=10)
ap.add_argument("--ports", type=int, default=2)
ap.add_argument("--targets-out")
ap.add_argument("--yaml", action="store_true")
ap.add_argument("--static", action="store_true")
ap.add_argument("--slow", default="")
ap.add_argument("--dead", type=int, default=0)
ap.add_argument("--huge", default="")
a = ap.parse_args()

slow_n, slow_s = (int(a.slow.split(":")[0]), float(a.slow.split(":")[1])) if a.slow else (0, 0)
huge_n, huge_b = (int(a.huge.split(":")[0]), int(a.huge.split(":")[1])) if a.huge else (0, 0)
hits = {}
cache = {}


def body(c, t, n):
    h = zlib.crc32(("%d/%d" % (c, t)).encode())
    out = ["# TYPE starrocks_be_fake_total counter"]
    for k in range(a.series - 2):
        out.append('starrocks_be_fake_total{i="%d",kind="k%d"} %d' % (k, k % 7, (h + k * 1000) % 100000 + n))
    out.append("# TYPE starrocks_be_fake_gauge gauge")
    out.append("starrocks_be_fake_gauge %d" % (h % 977))
    out.append("# TYPE starrocks_be_fake_seconds histogram")
    out.append('starrocks_be_fake_seconds_bucket{le="+Inf"} %d' % (n + 1))
    return ("\n".join(out) + "\n").encode()


targets = []  # (cluster, t, port, path, kind)
socks = []
for _ in range(a.ports):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(1024)
    socks.append(s)
i = 0
for c in range(a.clusters):
    for t in range(a.per):
        kind = "slow" if i < slow_n else "huge" if i < slow_n + huge_n else "ok"
        port = socks[i % len(socks)].getsockname()[1]
        targets.append((c, t, port, "/c-%03d/t%d/metrics" % (c, t), kind))
        i += 1
dead_ports = []
for _ in range(a.dead):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead_ports.append(s.getsockname()[1])
    s.close()
bypath = {p: (c, t, kind) for c, t, _, p, kind in targets}

if a.targets_out:
    groups = [{"targets": ["127.0.0.1:%d" % port],
               "labels": {"cluster_id": "c-%03d" % c, "role": "t%d" % t, "__metrics_path__": path}}
              for c, t, port, path, _ in targets]
    for p in dead_ports:
        groups.append({"targets": ["127.0.0.1:%d" % p], "labels": {"cluster_id": "dead"}})
    with open(a.targets_out + ".tmp", "w") as f:
        if a.yaml:
            for g in groups:
                f.write('- targets: ["%s"]\n  labels:\n' % g["targets"][0])
                for k, v in g["labels"].items():
                    f.write('    %s: "%s"\n' % (k, v))
        else:
            json.dump(groups, f, indent=1)
    import os
    os.rename(a.targets_out + ".tmp", a.targets_out)


def respond(path):
    """(status, body, delay) for a request path."""
    if path.startswith("/expected/"):
        p = "/" + path[len("/expected/"):] + "/metrics"
        return (200, str(a.series).encode(), 0) if p in bypath else (404, b"", 0)
    if path not in bypath:
        return 404, b"", 0
    c, t, kind = bypath[path]
    n = hits.get(path, 0)
    hits[path] = n + 1
    if kind == "huge":
        return 200, b"x" * huge_b, 0
    if a.static:
        data = cache.get(path) or cache.setdefault(path, body(c, t, 0))
    else:
        data = body(c, t, n)
    return 200, data, slow_s if kind == "slow" else 0


class Conn(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, one request at a time per connection; a
    Protocol rather than streams: several times less CPU per request."""

    def connection_made(self, tr):
        self.tr, self.buf = tr, b""

    def data_received(self, d):
        self.buf += d
        while b"\r\n\r\n" in self.buf:
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            path = line.split(" ")[1] if " " in line else "/"
            status, data, delay = respond(path)
            resp = (b"HTTP/1.1 %d %s\r\nContent-Type: text/plain; version=0.0.4\r\n"
                    b"Content-Length: %d\r\n\r\n" % (status, b"OK" if status == 200 else b"Not Found", len(data))) + data
            close = b"connection: close" in head.lower()
            if delay:
                asyncio.get_running_loop().call_later(delay, self.send, resp, close)
            else:
                self.send(resp, close)

    def send(self, resp, close):
        if self.tr.is_closing():
            return
        self.tr.write(resp)
        if close:
            self.tr.close()


async def main():
    for s in socks:
        await asyncio.get_running_loop().create_server(Conn, sock=s, backlog=1024)
        print("listening on 127.0.0.1:%d" % s.getsockname()[1], file=sys.stderr, flush=True)
    print("ready", file=sys.stderr, flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
