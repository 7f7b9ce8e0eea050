#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""hold.py - the MTA's side of the milter protocol, for the benchmark.

    hold.py SOCKET hold N [--window W] [--seconds S]
        Opens N sessions, W at a time being set up, each taken to its RCPT
        reply (negotiate, connect, HELO, MAIL, RCPT, with the macros
        Postfix sends), and holds them all there, as an MTA holds a session
        while its client sends DATA. Prints
            held N of N (refused R, failed F) in SECONDS s
        when every session has its RCPT reply (or failed), then waits until
        SIGTERM, SIGINT or S seconds (default 600), aborts and quits every
        session and prints "released". The caller reads the milter's
        memory while the sessions are held.

    hold.py SOCKET burst N
        Starts N sessions at once (all connections made first, then each
        session runs as fast as its replies come) and times each one from
        its connection to its RCPT verdict (the reply to RCPT, or an
        earlier refusal). Then aborts and quits each.

    hold.py SOCKET serial N
        The same, one session after the other (a session alone: no
        queueing in the milter).

    --message (burst, serial): after RCPT, the rest of a message as far
    as the milter negotiated it (DATA, four headers, end of headers, a
    1 KiB body chunk, end of message); then a line
        eom n=K p50=S p99=S max=S min=S
    precedes the summary: the time from the end-of-message command to its
    final reply (header insertions and other modifications come before
    it), for the K sessions that got that far; the verdict is the reply to
    the end of message.

    burst and serial print one line per session with --verbose
    ("session I OUTCOME SECONDS REPLY steps=S,S,...": the seconds from the
    connection to each reply, negotiation to RCPT), and then
        summary n=N ok=K failed=F p50=S p99=S max=S min=S 5xx=R 4xx=T passed=P
    in seconds; ok counts sessions that got a verdict (continue, accept,
    tempfail or reject alike), failed those that were cut or timed out;
    5xx, 4xx and passed split the verdicts by class.

Session I comes from --addr-base + I (default 198.18.0.1), an address of
the benchmark network (RFC 2544), data only: nothing connects to it. The
HELO name, sender and recipient are --helo, --from, --rcpt.

SOCKET is unix:/path or inet:PORT@HOST (loopback only). Standard library
only; single-threaded (selectors), so it holds thousands of sessions in one
process: the descriptor limit is raised to the hard limit at start.

As a module: Session(spec, i, addr, opts) is one session's state machine,
run_sessions(sessions, window, deadline) drives them.
"""
import argparse
import ipaddress
import resource
import selectors
import signal
import socket
import struct
import sys
import time

# protocol version 6; the actions and protocol steps an MTA offers
# (Postfix offers these and more): the milter may skip body, headers, end of
# headers, unknown and DATA and need no reply to headers
OFFER_VERSION = 6
OFFER_ACTIONS = 0x1FF
OFFER_PROTO = 0x10 | 0x20 | 0x40 | 0x80 | 0x100 | 0x200
SMFIP_NOBODY, SMFIP_NOHDRS, SMFIP_NOEOH, SMFIP_NR_HDR, SMFIP_NODATA = 0x10, 0x20, 0x40, 0x80, 0x200
FINAL = b"acrtdy"       # accept continue reject tempfail discard replycode
REFUSAL = b"rty"        # reject tempfail replycode (4xx or 5xx text)


def z(text):
    return text.encode() + b"\0"


def packet(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def open_socket(spec):
    """a non-blocking socket with its connect started"""
    if spec.startswith("unix:") or spec.startswith("local:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target = spec.split(":", 1)[1]
    elif spec.startswith("inet:"):
        port, host = spec[5:].split("@", 1)
        if not ipaddress.ip_address(host).is_loopback:
            raise SystemExit("hold.py: %s is not loopback" % host)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (host, int(port))
    else:
        raise SystemExit("hold.py: bad socket " + spec)
    s.setblocking(False)
    try:
        s.connect(target)
    except (BlockingIOError, InterruptedError):
        pass
    return s


class Session:
    """one milter session: negotiate .. RCPT, then wait (hold) or quit"""

    def __init__(self, spec, i, addr, opts):
        self.spec, self.i, self.addr, self.o = spec, i, str(addr), opts
        self.sock = None
        self.out = b""
        self.inbuf = b""
        self.t0 = None
        self.t_verdict = None
        self.outcome = None     # None while running; "ok", "cut", "timeout"
        self.reply = ""
        self.step = 0
        self.marks = []         # seconds from connect to each reply
        self.steps = self.build_steps()

    def build_steps(self):
        o, i, a = self.o, self.i, self.addr
        qid = "B%06d" % i
        return [
            (packet(b"O", struct.pack(">III", OFFER_VERSION, OFFER_ACTIONS, OFFER_PROTO)), b"O"),
            (packet(b"D", b"C" + z("j") + z("mx.bench.test") + z("{daemon_name}") + z("bench") +
                    z("{client_addr}") + z(a) + z("{client_name}") + z("unknown") +
                    z("{client_ptr}") + z("unknown")) +
             packet(b"C", z("unknown") + b"4" + struct.pack(">H", 10000 + i % 50000) + z(a)), FINAL),
            (packet(b"D", b"H") + packet(b"H", z(o.helo)), FINAL),
            (packet(b"D", b"M" + z("i") + z(qid) + z("{mail_addr}") + z(o.mail)) +
             packet(b"M", z("<%s>" % o.mail)), FINAL),
            (packet(b"D", b"R" + z("i") + z(qid) + z("{rcpt_addr}") + z(o.rcpt)) +
             packet(b"R", z("<%s>" % o.rcpt)), FINAL),
        ]

    def start(self, sel):
        self.t0 = time.monotonic()
        try:
            self.sock = open_socket(self.spec)
        except OSError as e:
            self.finish("cut", str(e))
            return
        self.out = self.steps[0][0]
        sel.register(self.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, self)

    def finish(self, outcome, reply=""):
        if self.outcome is None:
            self.outcome, self.reply = outcome, reply

    def verdict(self, sel, cmd, data):
        self.t_verdict = time.monotonic()
        self.reply = (cmd + b" " + data.rstrip(b"\0")).decode(errors="replace").strip()
        self.finish("ok", self.reply)
        sel.modify(self.sock, selectors.EVENT_READ, self)

    def message_steps(self, proto):
        """DATA .. end of message, as far as the milter negotiated them"""
        o, qid = self.o, "B%06d" % self.i
        steps, pending = [], b""
        if not proto & SMFIP_NODATA:
            steps.append((packet(b"D", b"T" + z("i") + z(qid)) + packet(b"T"), FINAL))
        if not proto & SMFIP_NOHDRS:
            for name, value in (("From", "<%s>" % o.mail), ("To", "<%s>" % o.rcpt),
                                ("Subject", "bench %d" % self.i),
                                ("Message-Id", "<%s@client.bench.test>" % qid)):
                p = packet(b"L", z(name) + z(value))
                if proto & SMFIP_NR_HDR:
                    pending += p
                else:
                    steps.append((p, FINAL))
        if not proto & SMFIP_NOEOH:
            steps.append((pending + packet(b"N"), FINAL))
            pending = b""
        if not proto & SMFIP_NOBODY:
            steps.append((pending + packet(b"B", (b"x" * 70 + b"\r\n") * 14), FINAL))
            pending = b""
        steps.append((pending + packet(b"D", b"E" + z("i") + z(qid)) + packet(b"E"), FINAL))
        return steps

    def on_packet(self, sel, cmd, data):
        want = self.steps[self.step][1]
        if cmd not in want:
            return          # progress or modifications before the reply
        self.marks.append(time.monotonic() - self.t0)
        if self.step == 0 and self.o.message:
            self.steps += self.message_steps(struct.unpack(">III", data[:12])[2])
        if self.step == len(self.steps) - 1 or cmd in REFUSAL:
            self.verdict(sel, cmd, data)
            return
        self.step += 1
        self.out += self.steps[self.step][0]
        sel.modify(self.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, self)

    def on_event(self, sel, mask):
        try:
            if mask & selectors.EVENT_WRITE and self.out:
                n = self.sock.send(self.out)
                self.out = self.out[n:]
                if not self.out:
                    sel.modify(self.sock, selectors.EVENT_READ, self)
            if mask & selectors.EVENT_READ:
                chunk = self.sock.recv(65536)
                if not chunk:
                    self.finish("cut", "closed")
                    sel.unregister(self.sock)
                    return
                self.inbuf += chunk
                while len(self.inbuf) >= 4:
                    (n,) = struct.unpack(">I", self.inbuf[:4])
                    if len(self.inbuf) < 4 + n:
                        break
                    body = self.inbuf[4:4 + n]
                    self.inbuf = self.inbuf[4 + n:]
                    if self.outcome is None:
                        self.on_packet(sel, body[:1], body[1:])
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as e:
            self.finish("cut", str(e))
            try:
                sel.unregister(self.sock)
            except (KeyError, ValueError):
                pass

    def seconds(self):
        return self.t_verdict - self.t0 if self.t_verdict is not None else None

    def close(self):
        """abort and quit (best effort), then close"""
        if self.sock is None:
            return
        try:
            self.sock.setblocking(True)
            self.sock.settimeout(2)
            self.sock.sendall(packet(b"A") + packet(b"Q"))
        except OSError:
            pass
        self.sock.close()
        self.sock = None


def run_sessions(sessions, window, deadline):
    """run until every session has its verdict (or failed); W being set up"""
    sel = selectors.DefaultSelector()
    pending = list(sessions)
    pending.reverse()
    active = 0
    while True:
        while pending and active < window:
            s = pending.pop()
            s.start(sel)
            active += 1
        active = sum(1 for s in sessions if s.t0 is not None and s.outcome is None)
        if not pending and active == 0:
            break
        now = time.monotonic()
        if now > deadline:
            for s in sessions:
                if s.outcome is None:
                    s.finish("timeout")
            break
        for key, mask in sel.select(timeout=min(1.0, deadline - now)):
            key.data.on_event(sel, mask)
        active = sum(1 for s in sessions if s.t0 is not None and s.outcome is None)
    return sel


def reply_class(reply):
    """5xx (reject, or a 5xx reply code), 4xx (tempfail, 4xx), passed"""
    if reply.startswith("r") or reply.startswith("y 5"):
        return "5xx"
    if reply.startswith("t") or reply.startswith("y 4"):
        return "4xx"
    return "passed"


def percentile(sorted_vals, p):
    """nearest-rank percentile of a sorted list"""
    if not sorted_vals:
        return 0.0
    k = max(1, -(-len(sorted_vals) * p // 100))
    return sorted_vals[int(k) - 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("socket")
    ap.add_argument("mode", choices=["hold", "burst", "serial"])
    ap.add_argument("n", type=int)
    ap.add_argument("--window", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--addr-base", default="198.18.0.1")
    ap.add_argument("--helo", default="client.bench.test")
    ap.add_argument("--mail", default="sender@sender.bench.test")
    ap.add_argument("--rcpt", default="rcpt@example.test")
    ap.add_argument("--message", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    o = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    base = ipaddress.ip_address(o.addr_base)
    sessions = [Session(o.socket, i, base + i, o) for i in range(o.n)]
    t0 = time.monotonic()

    if o.mode == "hold":
        run_sessions(sessions, o.window, t0 + o.timeout)
        refused = sum(1 for s in sessions if s.outcome == "ok" and s.reply[:1] in "rty")
        failed = sum(1 for s in sessions if s.outcome != "ok")
        print("held %d of %d (refused %d, failed %d) in %.1f s" % (
            o.n - failed, o.n, refused, failed, time.monotonic() - t0), flush=True)
        for s in sessions:
            if s.outcome != "ok" and o.verbose:
                print("session %d %s %s" % (s.i, s.outcome, s.reply), flush=True)
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
        signal.signal(signal.SIGINT, lambda *_: stop.append(1))
        end = time.monotonic() + o.seconds
        while not stop and time.monotonic() < end:
            time.sleep(0.1)
        for s in sessions:
            s.close()
        print("released", flush=True)
        return

    if o.mode == "burst":
        # every connection first, then the conversations
        run_sessions(sessions, o.n, t0 + o.timeout)
    else:
        for s in sessions:
            run_sessions([s], 1, time.monotonic() + o.timeout)
            s.close()
    for s in sessions:
        s.close()
    times = sorted(s.seconds() for s in sessions if s.outcome == "ok")
    if o.verbose:
        for s in sessions:
            sec = s.seconds()
            print("session %d %s %s %s steps=%s" % (
                s.i, s.outcome, "%.3f" % sec if sec is not None else "-", s.reply,
                ",".join("%.3f" % m for m in s.marks)))
    if o.message:
        eoms = sorted(s.marks[-1] - s.marks[-2] for s in sessions
                      if s.outcome == "ok" and len(s.marks) == len(s.steps))
        print("eom n=%d p50=%.6f p99=%.6f max=%.6f min=%.6f" % (
            len(eoms), percentile(eoms, 50), percentile(eoms, 99),
            eoms[-1] if eoms else 0.0, eoms[0] if eoms else 0.0), flush=True)
    print("summary n=%d ok=%d failed=%d p50=%.3f p99=%.3f max=%.3f min=%.3f 5xx=%d 4xx=%d passed=%d" % (
        o.n, len(times), o.n - len(times), percentile(times, 50), percentile(times, 99),
        times[-1] if times else 0.0, times[0] if times else 0.0,
        sum(1 for s in sessions if s.outcome == "ok" and reply_class(s.reply) == "5xx"),
        sum(1 for s in sessions if s.outcome == "ok" and reply_class(s.reply) == "4xx"),
        sum(1 for s in sessions if s.outcome == "ok" and reply_class(s.reply) == "passed")),
        flush=True)


if __name__ == "__main__":
    main()
