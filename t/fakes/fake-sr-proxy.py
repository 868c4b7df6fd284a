#!/usr/bin/env python3
"""fake-sr-proxy.py BACKEND_PORT DIR VERSION [ANSWER]: a MySQL-protocol
proxy on 127.0.0.1 in front of the test MariaDB, for dialect detection.

It forwards every byte, except that its handshake announces VERSION as the
server version (what a proxy such as ProxySQL or a load balancer may say,
e.g. "5.5.5-10.11.6-MariaDB" in front of a StarRocks FE) and, with ANSWER,
it answers `SELECT current_version()` itself with ANSWER, as a StarRocks FE
does (https://docs.starrocks.io: current_version() returns the StarRocks
version); without ANSWER the query goes to MariaDB, which has no such
function.  CLIENT_SSL and CLIENT_DEPRECATE_EOF are taken out of the
handshake, and MariaDB's extended capabilities zeroed, so the forged result
set is the classic column/EOF/row/EOF form.
Writes its port to DIR/port; every query it answered to DIR/answered."""
import os
import socket
import struct
import sys
import threading

backend_port, d, version = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
answer = sys.argv[4].encode() if len(sys.argv) > 4 else None

CLIENT_SSL = 0x800
CLIENT_DEPRECATE_EOF = 0x01000000


def read_packet(s):
    h = b""
    while len(h) < 4:
        c = s.recv(4 - len(h))
        if not c:
            return None, None
        h += c
    n = h[0] | h[1] << 8 | h[2] << 16
    p = b""
    while len(p) < n:
        c = s.recv(n - len(p))
        if not c:
            return None, None
        p += c
    return h[3], p


def packet(seq, payload):
    n = len(payload)
    return bytes([n & 255, n >> 8 & 255, n >> 16 & 255, seq & 255]) + payload


def lenenc(b):
    return bytes([len(b)]) + b


def greeting(payload):
    """the server's greeting with our version string and capabilities"""
    proto = payload[0:1]
    end = payload.index(b"\0", 1)
    rest = bytearray(payload[end + 1:])
    # rest: conn id 4, auth 8, filler 1, cap low 2, charset 1, status 2, cap high 2
    low = struct.unpack_from("<H", rest, 13)[0]
    high = struct.unpack_from("<H", rest, 18)[0]
    caps = (low | high << 16) & ~(CLIENT_SSL | CLIENT_DEPRECATE_EOF)
    struct.pack_into("<H", rest, 13, caps & 0xFFFF)
    struct.pack_into("<H", rest, 18, caps >> 16)
    rest[27:31] = b"\0\0\0\0"	# MariaDB's extended capabilities (metadata forms)
    return proto + version + b"\0" + bytes(rest)


def result_set(value):
    col = (lenenc(b"def") + lenenc(b"") + lenenc(b"") + lenenc(b"") +
           lenenc(b"current_version()") + lenenc(b"") + b"\x0c" +
           struct.pack("<HIBHB", 33, 255, 0xFD, 0, 0x1F) + b"\0\0")
    eof = b"\xfe\0\0\x02\0"
    return (packet(1, b"\x01") + packet(2, col) + packet(3, eof) +
            packet(4, lenenc(value)) + packet(5, eof))


def pump(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client):
    back = socket.create_connection(("127.0.0.1", backend_port))
    seq, p = read_packet(back)
    if p is None:
        client.close()
        return
    client.sendall(packet(seq, greeting(p)))
    threading.Thread(target=pump, args=(back, client), daemon=True).start()
    try:
        while True:
            seq, p = read_packet(client)
            if p is None:
                break
            if (answer is not None and seq == 0 and p[:1] == b"\x03" and
                    p[1:].strip().lower().rstrip(b";") == b"select current_version()"):
                client.sendall(result_set(answer))
                with open(os.path.join(d, "answered"), "a") as f:
                    f.write(p[1:].decode() + "\n")
                continue
            back.sendall(packet(seq, p))
    except OSError:
        pass
    for s in (client, back):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(ls.getsockname()[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
