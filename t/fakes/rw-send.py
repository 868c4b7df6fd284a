#!/usr/bin/env python3
"""rw-send: a Prometheus remote write 1.0 sender for tests, written from the
spec (protobuf wire format and snappy block format by hand), independent of
srwatch's own decoder and encoder.

  rw-send.py URL SPEC.json [--token T] [--mode MODE] [--out FILE]

SPEC: {"timeseries": [{"labels": [["__name__","up"],["job","x"]],
                       "samples": [[1.5, 1700000000000], ["NaN", ts],
                                   ["stale", ts], ["+Inf", ts]],
                       "exemplars": 1, "histograms": 1}],
       "metadata": [["COUNTER", "family"]]}
Label names and values may be {"hex": "..."} for raw bytes.
MODE: good (default), raw (the protobuf without snappy), proto-garbage (snappy of bytes that are not a
WriteRequest), framed (snappy framing format), not-snappy, truncated (a good
body cut in half), none (no Content-Encoding).  Prints the status and the
response body on one line; --out writes the body sent instead of POSTing.
"""
import json
import math
import struct
import sys
import urllib.request
import urllib.error

MT = {"UNKNOWN": 0, "COUNTER": 1, "GAUGE": 2, "HISTOGRAM": 3, "GAUGEHISTOGRAM": 4,
      "SUMMARY": 5, "INFO": 6, "STATESET": 7}


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wt, payload):
    key = varint((num << 3) | wt)
    if wt == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def raw(s):
    if isinstance(s, dict):
        return bytes.fromhex(s["hex"])
    return s.encode()


def value(v):
    if v == "stale":
        return struct.pack("<Q", 0x7FF0000000000002)
    if isinstance(v, str):
        return struct.pack("<d", float(v.replace("Inf", "inf")))
    return struct.pack("<d", v)


def write_request(spec):
    out = b""
    for ts in spec.get("timeseries", []):
        m = b""
        for k, v in ts.get("labels", []):
            m += field(1, 2, field(1, 2, raw(k)) + field(2, 2, raw(v)))
        for v, t in ts.get("samples", []):
            m += field(2, 2, field(1, 1, value(v)) + field(2, 0, varint(t)))
        for _ in range(ts.get("exemplars", 0)):
            m += field(3, 2, field(2, 1, value(1.0)))
        for _ in range(ts.get("histograms", 0)):
            m += field(4, 2, field(1, 0, varint(3)))
        out += field(1, 2, m)
    for t, name in spec.get("metadata", []):
        out += field(3, 2, field(1, 0, varint(MT[t])) + field(2, 2, name.encode()))
    return out


def snappy_block(data):
    """Snappy block format with literals only: valid, if not small."""
    out = bytearray(varint(len(data)))
    for i in range(0, len(data), 65536):
        chunk = data[i:i + 65536]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        elif n < 256:
            out += bytes([60 << 2, n])
        else:
            out += bytes([61 << 2]) + struct.pack("<H", n)
        out += chunk
    return bytes(out)


def main():
    args = sys.argv[1:]
    url, spec = args[0], json.load(open(args[1]))
    token = mode = outf = None
    i = 2
    while i < len(args):
        if args[i] == "--token":
            token = args[i + 1]
        elif args[i] == "--mode":
            mode = args[i + 1]
        elif args[i] == "--out":
            outf = args[i + 1]
        i += 2
    mode = mode or "good"
    body = snappy_block(write_request(spec))
    if mode == "raw":  # the protobuf alone (fuzz seeds)
        body = write_request(spec)
    elif mode == "proto-garbage":
        body = snappy_block(b"\x0a\xff\xff\xff\xff\x0f" + b"garbage")
    elif mode == "framed":
        body = b"\xff\x06\x00\x00sNaPpY" + body
    elif mode == "not-snappy":
        body = b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01{\"not\": \"snappy\"}"
    elif mode == "truncated":
        body = body[:len(body) // 2]
    if outf:
        open(outf, "wb").write(body)
        return
    req = urllib.request.Request(url, data=body, method="POST")
    req.add_header("Content-Type", "application/x-protobuf")
    if mode != "none":
        req.add_header("Content-Encoding", "snappy")
    req.add_header("X-Prometheus-Remote-Write-Version", "0.1.0")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            print(r.status, r.read().decode().strip())
    except urllib.error.HTTPError as e:
        print(e.code, e.read().decode().strip())
    except (urllib.error.URLError, ConnectionError) as e:
        print("000", e)


main()
