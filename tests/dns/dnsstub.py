#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""dnsstub.py - a tiny DNS server for relaywarden's tests (stdlib only).

    dnsstub.py [--count-file FILE] [--log-file FILE] [--zone ZONE ...]
               [--listed NAME ...] MODE 127.0.0.1:PORT

MODE
  servfail   every query gets RCODE SERVFAIL (the question echoed)
  blackhole  queries are read and dropped (UDP); TCP connections are held
             open without an answer: the client times out
  delay:MS   answers after MS milliseconds, each query on its own timer (so
             a burst of N queries is answered after MS, not N * MS):
               A   NAME.ZONE    127.0.0.2 (listed), except the RFC 5782
                                "not listed" point 1.0.0.127.ZONE: NXDOMAIN
               TXT NAME.ZONE    "Listed by ZONE (stub)"
               other types under a ZONE: no data; names outside: NXDOMAIN
               (with the root's SOA)
             Negative answers carry the zone's SOA (negative TTL 300).
             With --listed, only the names given (the part before the
             zone, "50.2.0.192") and the RFC 5782 test point 2.0.0.127
             are listed; A and TXT of any other name under a zone are
             NXDOMAIN: an unlisted client.

Every query is counted. The count is written to --count-file (rewritten
after each burst of queries, before any of them is answered) and printed
on stderr on SIGUSR1. --log-file gets one line per query, "TYPE NAME"
(TYPE a number, NAME lowercased), so that a test can count the queries
of each kind. Binds loopback only:
any other address is refused. UDP and TCP on the same port.
"""
import argparse
import heapq
import os
import select
import signal
import socket
import struct
import sys
import threading
import time

QTYPE_A, QTYPE_SOA, QTYPE_TXT = 1, 6, 16
NOERROR, NXDOMAIN, SERVFAIL = 0, 3, 2

lock = threading.Lock()
count = 0
args = None


def bump(q=None):
    """count one query; log it (--log-file)"""
    global count
    with lock:
        count += 1
        if args.log_file:
            p = parse_question(q) if q is not None else None
            with open(args.log_file, "a") as f:
                f.write("%d %s\n" % (p[1], p[0]) if p else "0 ?\n")


written = 0


def flush_count():
    """rewrite the count file when the count changed since the last time"""
    global written
    with lock:
        n = count
        if not args.count_file or n == written:
            return
        tmp = args.count_file + ".tmp.%d" % threading.get_ident()
        with open(tmp, "w") as f:
            f.write("%d\n" % n)
        os.replace(tmp, args.count_file)
        written = n


def on_usr1(signum, frame):
    sys.stderr.write("dnsstub: %d queries\n" % count)
    sys.stderr.flush()


def parse_question(q):
    """-> (qname lowercased without trailing dot, qtype, end offset) or None"""
    if len(q) < 12 or struct.unpack("!H", q[4:6])[0] < 1:
        return None
    labels, i = [], 12
    while i < len(q):
        n = q[i]
        if n == 0:
            i += 1
            break
        if n & 0xC0 or i + 1 + n > len(q):
            return None
        labels.append(q[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += 1 + n
    if i + 4 > len(q):
        return None
    qtype = struct.unpack("!H", q[i:i + 2])[0]
    return ".".join(labels), qtype, i + 4


def encode_name(name):
    out = b""
    for label in name.split("."):
        if label:
            b = label.encode("ascii")
            out += bytes([len(b)]) + b
    return out + b"\0"


def rr(name, rtype, ttl, rdata):
    return encode_name(name) + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def soa(zone):
    rdata = (encode_name(("ns." + zone).strip(".")) + encode_name(("hostmaster." + zone).strip(".")) +
             struct.pack("!IIIII", 1, 3600, 600, 86400, 300))
    return rr(zone, QTYPE_SOA, 300, rdata)


def header(q, rcode, an, ns):
    qid, flags = struct.unpack("!HH", q[:4])
    # QR, opcode and RD copied, AA, RA
    nflags = 0x8000 | (flags & 0x7800) | (flags & 0x0100) | 0x0400 | 0x0080 | rcode
    return struct.pack("!HHHHHH", qid, nflags, 1, an, ns, 0)


def rcode_only(q, rcode):
    p = parse_question(q)
    if p is None:
        return None
    return header(q, rcode, 0, 0) + q[12:p[2]]


def delay_answer(q):
    p = parse_question(q)
    if p is None:
        return None
    name, qtype, end = p
    question = q[12:end]
    zone = None
    for z in args.zone:
        if name == z or name.endswith("." + z):
            zone = z
            break
    if zone is None:
        # with the root's SOA, so that the negative answer may be cached
        return header(q, NXDOMAIN, 0, 1) + question + soa("")
    if name == "1.0.0.127." + zone:
        return header(q, NXDOMAIN, 0, 1) + question + soa(zone)
    if args.listed and name != zone and qtype in (QTYPE_A, QTYPE_TXT) and \
            name[:-len(zone) - 1] not in args.listed + ["2.0.0.127"]:
        return header(q, NXDOMAIN, 0, 1) + question + soa(zone)
    if name != zone and qtype == QTYPE_A:
        return header(q, NOERROR, 1, 0) + question + rr(name, QTYPE_A, 300, bytes([127, 0, 0, 2]))
    if name != zone and qtype == QTYPE_TXT:
        t = ("Listed by %s (stub)" % zone).encode("ascii")
        return header(q, NOERROR, 1, 0) + question + rr(name, QTYPE_TXT, 300, bytes([len(t)]) + t)
    return header(q, NOERROR, 0, 1) + question + soa(zone)


def answer(q):
    if args.mode == "servfail":
        return rcode_only(q, SERVFAIL)
    if args.mode == "delay":
        return delay_answer(q)
    return None  # blackhole


def serve_udp(s):
    pending = []  # heap of (due, seq, reply, peer)
    seq = 0
    while True:
        timeout = None
        if pending:
            timeout = max(0.0, pending[0][0] - time.monotonic())
        r, _, _ = select.select([s], [], [], timeout)
        # drain every datagram waiting, so that a burst of queries does not
        # overflow the socket buffer (dropped queries would cost the client
        # a retry timeout); the count file once per burst
        while r:
            try:
                data, peer = s.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                break
            bump(data)
            reply = answer(data)
            if reply is not None:
                seq += 1
                heapq.heappush(pending, (time.monotonic() + args.delay, seq, reply, peer))
        if r:
            flush_count()
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, reply, peer = heapq.heappop(pending)
            try:
                s.sendto(reply, peer)
            except OSError:
                pass


def recv_exact(c, n):
    data = b""
    while len(data) < n:
        chunk = c.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def tcp_conn(c):
    try:
        while True:
            hdr = recv_exact(c, 2)
            if hdr is None:
                return
            q = recv_exact(c, struct.unpack("!H", hdr)[0])
            if q is None:
                return
            bump(q)
            flush_count()
            reply = answer(q)
            if reply is None:
                continue  # blackhole: hold the connection, never answer
            time.sleep(args.delay)
            c.sendall(struct.pack("!H", len(reply)) + reply)
    except OSError:
        pass
    finally:
        c.close()


def serve_tcp(s):
    while True:
        c, _ = s.accept()
        threading.Thread(target=tcp_conn, args=(c,), daemon=True).start()


def main():
    global args
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count-file")
    ap.add_argument("--log-file")
    ap.add_argument("--zone", action="append", default=[])
    ap.add_argument("--listed", action="append", default=[])
    ap.add_argument("mode")
    ap.add_argument("listen")
    args = ap.parse_args()
    args.zone = [z.lower().strip(".") for z in args.zone]
    args.delay = 0.0
    if args.mode.startswith("delay:"):
        args.delay = int(args.mode.split(":", 1)[1]) / 1000.0
        args.mode = "delay"
        if not args.zone:
            ap.error("delay mode needs at least one --zone")
    elif args.mode not in ("servfail", "blackhole"):
        ap.error("bad mode " + args.mode)
    host, port = args.listen.rsplit(":", 1)
    host = host.strip("[]")
    if not host.startswith("127."):
        sys.exit("dnsstub: refusing to bind %s: 127.0.0.0/8 only" % host)
    signal.signal(signal.SIGUSR1, on_usr1)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # room for a burst (100 sessions x 10 queries at once): as root past
    # net.core.rmem_max, else up to it
    for opt in (getattr(socket, "SO_RCVBUFFORCE", 33), socket.SO_RCVBUF):
        try:
            u.setsockopt(socket.SOL_SOCKET, opt, 8 << 20)
            break
        except OSError:
            pass
    u.setblocking(False)
    u.bind((host, int(port)))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((host, int(port)))
    t.listen(64)
    if args.count_file:
        with open(args.count_file, "w") as f:
            f.write("0\n")
    threading.Thread(target=serve_tcp, args=(t,), daemon=True).start()
    sys.stderr.write("dnsstub: %s on %s:%s (udp+tcp)%s\n" % (
        args.mode + (":%dms" % (args.delay * 1000) if args.mode == "delay" else ""),
        host, port, " zones " + ",".join(args.zone) if args.zone else ""))
    sys.stderr.flush()
    serve_udp(u)


if __name__ == "__main__":
    main()
