#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
content-client.py - milter sessions carrying a whole message, for
tests/bench/content-bench.sh

  content-client.py SOCKET N FILE [--conc C]

N sessions (C at a time, default 1), each as Postfix drives a milter:
negotiate (offering every step to be skipped and no reply to headers and
body chunks), connect from 198.51.100.7, HELO, MAIL, RCPT, then the
message of FILE (the SMTP client's bytes: header lines, an empty line,
the body) as the MTA sends it: each header (unless the milter asked for
none), end of header (unless skipped), the body in 65535-byte chunks
(unless the milter asked for no body), end of message, quit.

Prints one line:
  negotiated headers=yes|no body=yes|no nr_body=yes|no messages N ok A
  refused R errors E seconds S msgs_per_s M mb_per_s B body_bytes_sent X
  [error TEXT]
(errors: sessions cut or not connected). Exit 0 when every message was
answered without a refusal, 1 otherwise.
mb_per_s counts the message's bytes (FILE's size) per second, MB = 10^6
bytes; body_bytes_sent what actually went over the socket as body.
Uses the protocol helpers of tests/drills/milterclient.py.
"""
import argparse
import os
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "drills"))
import milterclient as mc  # noqa: E402

SMFIP_NOBODY, SMFIP_NOHDRS, SMFIP_NOEOH = 0x10, 0x20, 0x40
SMFIP_NR_HDR, SMFIP_NR_BODY = 0x80, 0x80000
OFFER = (SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NR_HDR |
         0x100 | 0x200 | SMFIP_NR_BODY)
CHUNK = 65535


def split_message(data):
    """header fields (name, value) and the body, as an MTA hands them over"""
    head, _, body = data.partition(b"\r\n\r\n")
    fields = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + b"\r\n" + line)
        elif b":" in line:
            name, value = line.split(b":", 1)
            fields.append((name, value.lstrip(b" ")))
    return fields, body


class Result:
    def __init__(self):
        self.lock = threading.Lock()
        self.ok = self.refused = self.body_sent = self.errors = 0
        self.proto = None
        self.error = ""


def session(spec, i, fields, body, res):
    s = mc.connect(spec, 60)
    try:
        mc.send(s, b"O", struct.pack(">III", 6, mc.OFFER_ACTIONS, OFFER))
        _, data = mc.recv_packet(s)
        proto = struct.unpack(">III", data[:12])[2]
        mc.send(s, b"D", b"C" + mc.z("j") + mc.z("mx.example.test"))
        mc.send(s, b"C", mc.z("client.example") + b"4" +
                struct.pack(">H", 25000) + mc.z("198.51.100.7"))
        if mc.reply(s)[0] in b"rty":
            return False, proto, 0
        for cmd, data in [(b"H", mc.z("client.example")),
                          (b"D", b"M" + mc.z("i") + mc.z("C%d" % i)),
                          (b"M", mc.z("<s%d@example.org>" % i)),
                          (b"R", mc.z("<r%d@example.test>" % i))]:
            mc.send(s, cmd, data)
            if cmd != b"D" and mc.reply(s)[0] in b"rty":
                mc.send(s, b"Q")
                return False, proto, 0
        if not proto & SMFIP_NOHDRS:
            for name, value in fields:
                mc.send(s, b"L", name + b"\0" + value + b"\0")
                if not proto & SMFIP_NR_HDR:
                    mc.reply(s)
        if not proto & SMFIP_NOEOH:
            mc.send(s, b"N")
            mc.reply(s)
        sent = 0
        if not proto & SMFIP_NOBODY:
            for off in range(0, len(body), CHUNK):
                mc.send(s, b"B", body[off:off + CHUNK])
                sent += len(body[off:off + CHUNK])
                if not proto & SMFIP_NR_BODY:
                    mc.reply(s)
        mc.send(s, b"E")
        ok = mc.reply(s)[0] not in b"rty"
        mc.send(s, b"Q")
        return ok, proto, sent
    finally:
        s.close()


def worker(spec, ids, fields, body, res):
    for i in ids:
        try:
            ok, proto, sent = session(spec, i, fields, body, res)
        except (OSError, mc.Cut) as e:
            with res.lock:
                res.errors += 1
                res.error = str(e)
            continue
        with res.lock:
            res.proto = proto
            res.body_sent += sent
            if ok:
                res.ok += 1
            else:
                res.refused += 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("socket")
    p.add_argument("n", type=int)
    p.add_argument("file")
    p.add_argument("--conc", type=int, default=1)
    a = p.parse_args()
    with open(a.file, "rb") as f:
        data = f.read()
    fields, body = split_message(data)
    res = Result()
    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(
        a.socket, range(k, a.n, a.conc), fields, body, res))
        for k in range(a.conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.monotonic() - t0
    proto = res.proto or 0

    def yn(b):
        return "yes" if b else "no"
    print("negotiated headers=%s body=%s nr_body=%s messages %d ok %d "
          "refused %d errors %d seconds %.3f msgs_per_s %.1f mb_per_s %.2f "
          "body_bytes_sent %d%s" % (
              yn(not proto & SMFIP_NOHDRS), yn(not proto & SMFIP_NOBODY),
              yn(proto & SMFIP_NR_BODY), a.n, res.ok, res.refused,
              res.errors, dt, a.n / dt, a.n * len(data) / dt / 1e6,
              res.body_sent, (" error " + res.error) if res.errors else ""))
    sys.exit(0 if res.ok == a.n else 1)


if __name__ == "__main__":
    main()
