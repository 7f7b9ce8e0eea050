#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
fanout.py - N milter sessions opened at once, each from its own client
address, timed to their RCPT verdict (tests/bench/fanout.sh). Prints
figures; asserts nothing about speed.

  fanout.py SOCKET N [--net 10.11] [--label LABEL] [--events]

Starts N threads that wait on one barrier; when it opens (t0) each
connects, negotiates, sends connect (client address NET.x.y, a distinct
outsider per session), HELO, MAIL and RCPT, and notes when the
negotiation reply and the RCPT reply came, counted from t0.

With --events one thread drives all N sessions instead (non-blocking
sockets, one selector): it connects them all and sends each next command
as soon as the reply to the previous one is read. It spends far less CPU
than N Python threads taking turns at the interpreter lock, so the next
command reaches the milter within microseconds, as from an MTA that is
not short of CPU; a libmilter worker then keeps the session from
negotiation to RCPT without handing it back to the pool in between (see
doc/DESIGN.md, "Many sessions at once"). Unix sockets only. Prints

  LABEL n N answered A neg_ms p50 X max X rcpt_ms p50 X p99 X max X

and one line per reply kind ("replies c=..., y=..."), then exits 0 when
every session got its RCPT reply, 1 otherwise. The protocol helpers are
tests/drills/milterclient.py's. Standard library only.
"""
import argparse
import os
import selectors
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "drills"))
import milterclient as mc  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def session_script(i, net):
    """the commands after negotiation, each sent once the last is answered"""
    addr = "%s.%d.%d" % (net, 1 + i // 250, 1 + i % 250)
    return [mc.packet(b"D", b"C" + mc.z("j") + mc.z("mx.example.test")) +
            mc.packet(b"C", mc.z("[%s]" % addr) + b"4" +
                   struct.pack(">H", 25000) + mc.z(addr)),
            mc.packet(b"H", mc.z("client%d.example.net" % i)),
            mc.packet(b"M", mc.z("<a%d@example.org>" % i)),
            mc.packet(b"R", mc.z("<b%d@example.test>" % i))]


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
        for step in session_script(i, net):
            try:
                s.sendall(step)
            except (ConnectionResetError, BrokenPipeError) as e:
                raise mc.Cut(str(e))
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


class EventSession:
    """one session's progress in the --events driver"""

    def __init__(self, i, net):
        self.script = session_script(i, net)
        self.step = 0           # commands sent after the negotiation
        self.buf = b""
        self.t_neg = None
        self.t_rcpt = None
        self.kind = None


def run_events(spec, n, net, out, timeout=30.0):
    """drive n sessions from one thread; out[i] as session() fills it"""
    if not spec.startswith("unix:"):
        raise SystemExit("--events: unix sockets only")
    path = spec.split(":", 1)[1]
    sel = selectors.DefaultSelector()
    sessions = []
    for i in range(n):
        sessions.append((socket.socket(socket.AF_UNIX, socket.SOCK_STREAM),
                         EventSession(i, net)))
    t0 = time.monotonic()
    for s, st in sessions:
        try:
            s.connect(path)
            s.setblocking(False)
            s.send(mc.packet(b"O", struct.pack(">III", 6, mc.OFFER_ACTIONS,
                                            mc.OFFER_PROTO)))
            sel.register(s, selectors.EVENT_READ, st)
        except OSError as e:
            st.kind = "error: %s" % e
    left = len(sel.get_map())
    while left and time.monotonic() < t0 + timeout:
        for key, _ in sel.select(1.0):
            s, st = key.fileobj, key.data
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError as e:
                data, st.kind = b"", "error: %s" % e
            if not data:
                st.kind = st.kind or "error: closed"
                sel.unregister(s)
                left -= 1
                continue
            st.buf += data
            while len(st.buf) >= 4 and st.t_rcpt is None:
                (size,) = struct.unpack(">I", st.buf[:4])
                if len(st.buf) < 4 + size:
                    break
                cmd, st.buf = st.buf[4:5], st.buf[4 + size:]
                now = time.monotonic() - t0
                if st.t_neg is None:
                    st.t_neg = now
                elif cmd not in mc.FINAL:
                    continue    # a modification or progress: not a reply
                elif cmd in b"ty" or st.step == len(st.script):
                    st.t_rcpt, st.kind = now, cmd.decode()
                    s.send(mc.packet(b"Q"))
                    sel.unregister(s)
                    left -= 1
                    break
                s.send(st.script[st.step])
                st.step += 1
    for i, (s, st) in enumerate(sessions):
        s.close()
        if st.t_rcpt is not None:
            out[i] = (st.t_neg, st.t_rcpt, st.kind)
        else:
            out[i] = (None, None, st.kind or "error: no RCPT reply in %.0f s"
                      % timeout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("n", type=int)
    ap.add_argument("--net", default="10.11")
    ap.add_argument("--label", default="fanout")
    ap.add_argument("--events", action="store_true",
                    help="one thread drives every session")
    a = ap.parse_args()
    out = [None] * a.n
    if a.events:
        run_events(a.socket, a.n, a.net, out)
        return report(a, out)
    threading.stack_size(256 * 1024)
    barrier = threading.Barrier(a.n + 1)
    t0box = [0.0]
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
    return report(a, out)


def report(a, out):
    """the figures line and the reply kinds; 0 when every session was
    answered"""
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
