#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
fanout.py - N milter sessions opened at once, each from its own client
address, timed to their RCPT verdict (tests/bench/fanout.sh). Prints
figures; asserts nothing about speed.

  fanout.py SOCKET N [--net 10.11] [--label LABEL]

Starts N threads that wait on one barrier; when it opens (t0) each
connects, negotiates, sends connect (client address NET.x.y, a distinct
outsider per session), HELO, MAIL and RCPT, and notes when the
negotiation reply and the RCPT reply came, counted from t0. Prints

  LABEL n N answered A neg_ms p50 X max X rcpt_ms p50 X p99 X max X

and one line per reply kind ("replies c=..., y=..."), then exits 0 when
every session got its RCPT reply, 1 otherwise. The protocol helpers are
tests/drills/milterclient.py's. Standard library only.
"""
import argparse
import struct
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "drills"))
import milterclient as mc  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def session(spec, i, net, barrier, t0box, out):
    barrier.wait()
    t0 = t0box[0]
    s = None
    try:
        s = mc.connect(spec, 30)
        mc.send(s, b"O", struct.pack(">III", 6, mc.OFFER_ACTIONS,
                                        mc.OFFER_PROTO))
        cmd, _ = mc.recv_packet(s)
        t_neg = time.monotonic() - t0
        if cmd != b"O":
            raise mc.Cut("no negotiation reply")
        addr = "%s.%d.%d" % (net, 1 + i // 250, 1 + i % 250)
        mc.send(s, b"D", b"C" + mc.z("j") + mc.z("mx.example.test"))
        mc.send(s, b"C", mc.z("[%s]" % addr) + b"4" +
                struct.pack(">H", 25000) + mc.z(addr))
        kind, _ = mc.reply(s)
        if kind not in b"ty":
            for c, d in ((b"H", mc.z("client%d.example.net" % i)),
                         (b"M", mc.z("<a%d@example.org>" % i)),
                         (b"R", mc.z("<b%d@example.test>" % i))):
                mc.send(s, c, d)
                kind, _ = mc.reply(s)
                if kind in b"ty":
                    break
        out[i] = (t_neg, time.monotonic() - t0, kind.decode())
        mc.send(s, b"Q")
    except Exception as e:     # noqa: BLE001 - every failure is reported
        out[i] = (None, None, "error: %s" % e)
    finally:
        if s is not None:
            s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("n", type=int)
    ap.add_argument("--net", default="10.11")
    ap.add_argument("--label", default="fanout")
    a = ap.parse_args()
    threading.stack_size(256 * 1024)
    barrier = threading.Barrier(a.n + 1)
    t0box = [0.0]
    out = [None] * a.n
    threads = [threading.Thread(target=session, args=(a.socket, i, a.net,
                                                      barrier, t0box, out))
               for i in range(a.n)]
    for t in threads:
        t.start()
    time.sleep(0.2)             # every thread at the barrier
    t0box[0] = time.monotonic()
    barrier.wait()
    for t in threads:
        t.join()
    ok = [o for o in out if o is not None and o[1] is not None]
    kinds = {}
    for o in out:
        k = o[2] if o is not None else "none"
        kinds[k] = kinds.get(k, 0) + 1
    if ok:
        neg = [o[0] * 1000 for o in ok]
        rcpt = [o[1] * 1000 for o in ok]
        print("%s n %d answered %d neg_ms p50 %.0f max %.0f rcpt_ms p50 %.0f "
              "p99 %.0f max %.0f" % (a.label, a.n, len(ok), pct(neg, 50),
                                     max(neg), pct(rcpt, 50), pct(rcpt, 99),
                                     max(rcpt)))
    else:
        print("%s n %d answered 0" % (a.label, a.n))
    print("%s replies %s" % (a.label, " ".join(
        "%s=%d" % (k, v) for k, v in sorted(kinds.items()))))
    return 0 if len(ok) == a.n else 1


if __name__ == "__main__":
    sys.exit(main())
