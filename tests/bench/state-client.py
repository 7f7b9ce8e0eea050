#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
state-client.py - sequential milter sessions for tests/bench/state-bench.sh

  state-client.py SOCKET N [--clients K] [--triplets M]

N sessions one after another, each: negotiate, connect from 198.51.100.X
(X cycling over K clients: outsiders, so rate limits and greylisting
apply), HELO, MAIL <sI@example.org>, RCPT <rI@example.test> (I cycling
over M triplets), end of message (or abort after a refusal), quit.
Prints "sessions N ok A refused R seconds S ms_per_session P".
Uses the protocol helpers of tests/drills/milterclient.py.
"""
import argparse
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "drills"))
import milterclient as mc  # noqa: E402


def session(spec, addr, i, m):
    s = mc.connect(spec, 10)
    try:
        mc.send(s, b"O", struct.pack(">III", 6, mc.OFFER_ACTIONS,
                                     mc.OFFER_PROTO))
        cmd, data = mc.recv_packet(s)
        proto = struct.unpack(">III", data[:12])[2]
        mc.send(s, b"D", b"C" + mc.z("j") + mc.z("mx.example.test"))
        mc.send(s, b"C", mc.z("client.example") + b"4" +
                struct.pack(">H", 25000) + mc.z(addr))
        if mc.reply(s)[0] in b"ty":
            return False
        steps = [(b"H", mc.z("client.example")),
                 (b"D", b"M" + mc.z("i") + mc.z("B%d" % i)),
                 (b"M", mc.z("<s%d@example.org>" % (i % m))),
                 (b"R", mc.z("<r%d@example.test>" % (i % m)))]
        for cmd, data in steps:
            mc.send(s, cmd, data)
            if cmd == b"D":
                continue
            if mc.reply(s)[0] in b"ty":
                mc.send(s, b"A")
                mc.send(s, b"Q")
                return False
        if not proto & mc.SMFIP_NOEOH:
            mc.send(s, b"N")
            mc.reply(s)
        mc.send(s, b"E")
        ok = mc.reply(s)[0] not in b"ty"
        mc.send(s, b"Q")
        return ok
    finally:
        s.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("socket")
    p.add_argument("n", type=int)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--triplets", type=int, default=200)
    a = p.parse_args()
    ok = refused = 0
    t0 = time.monotonic()
    for i in range(a.n):
        addr = "198.51.100.%d" % (1 + i % a.clients)
        if session(a.socket, addr, i, a.triplets):
            ok += 1
        else:
            refused += 1
    dt = time.monotonic() - t0
    print("sessions %d ok %d refused %d seconds %.3f ms_per_session %.3f" %
          (a.n, ok, refused, dt, 1000.0 * dt / a.n))


if __name__ == "__main__":
    main()
