#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
smtptime.py - time the end-of-message step of SMTP sessions, as the
client sees it, for tests/bench/eom-latency.sh. Prints figures; asserts
nothing about speed.

  smtptime.py HOST PORT N [--xclient-net 192.0.2] [--rcpt ADDR]
              [--from ADDR] [--tag LABEL]

N sessions one after the other, one message each: EHLO, XCLIENT ADDR=
(a different client address per session, NET.1 .. NET.250, so the
milter sees an outsider; the MTA must allow XCLIENT from loopback), EHLO,
MAIL, RCPT, DATA, a small message with a few headers, ".", QUIT. For
each session the time from sending the final "." to the "250" reply is
the end-of-message step (the MTA's cleanup, its milter's header, end of
header and end of message steps, the queue file); the whole session is
timed too. Prints one line:

  LABEL eom_ms p50 X p90 X max X session_ms p50 X p90 X max X n N

and exits 1 if any reply was not the expected 2xx/3xx (the reply is
printed on stderr). Standard library only; loopback only.
"""
import argparse
import socket
import sys
import time


def reply(f):
    """one SMTP reply: (code, text of the last line)"""
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("connection closed")
        line = line.decode("ascii", "replace").rstrip("\r\n")
        if len(line) < 4 or line[3] != "-":
            return int(line[:3]), line


def cmd(s, f, text, want):
    s.sendall(text.encode("ascii") + b"\r\n")
    code, line = reply(f)
    if code // 100 != want:
        raise RuntimeError("%s -> %s" % (text, line))
    return line


def session(host, port, addr, mail_from, rcpt, i):
    """one session; returns (eom seconds, session seconds)"""
    t0 = time.monotonic()
    s = socket.create_connection((host, port), 30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    try:
        code, line = reply(f)
        if code != 220:
            raise RuntimeError("greeting " + line)
        cmd(s, f, "EHLO client.bench.test", 2)
        cmd(s, f, "XCLIENT ADDR=%s NAME=[UNAVAILABLE]" % addr, 2)
        cmd(s, f, "EHLO client.bench.test", 2)
        cmd(s, f, "MAIL FROM:<%s>" % mail_from, 2)
        cmd(s, f, "RCPT TO:<%s>" % rcpt, 2)
        cmd(s, f, "DATA", 3)
        msg = ("From: <%s>\r\nTo: <%s>\r\nSubject: eom-latency %d\r\n"
               "Message-ID: <eom-%d-%d@bench.test>\r\n"
               "Date: Tue, 01 Dec 2026 12:00:00 +0000\r\n"
               "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"
               "%s\r\n" % (mail_from, rcpt, i, i, int(t0 * 1e6),
                           "body line\r\n" * 20))
        s.sendall(msg.encode("ascii"))
        t1 = time.monotonic()
        cmd(s, f, ".", 2)
        t2 = time.monotonic()
        try:
            cmd(s, f, "QUIT", 2)
        except (RuntimeError, ConnectionError):
            pass
    finally:
        f.close()
        s.close()
    return t2 - t1, time.monotonic() - t0


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("n", type=int)
    ap.add_argument("--xclient-net", default="192.0.2")
    ap.add_argument("--from", dest="mail_from", default="sender@example.org")
    ap.add_argument("--rcpt", default="bob@example.test")
    ap.add_argument("--tag", default="run")
    a = ap.parse_args()
    if not (a.host.startswith("127.") or a.host == "::1"):
        raise SystemExit("loopback only")
    eom, whole = [], []
    for i in range(a.n):
        addr = "%s.%d" % (a.xclient_net, 1 + i % 250)
        try:
            e, w = session(a.host, a.port, addr, a.mail_from, a.rcpt, i)
        except (RuntimeError, ConnectionError, OSError) as ex:
            sys.stderr.write("%s: session %d (%s): %s\n" % (a.tag, i, addr, ex))
            return 1
        eom.append(e * 1000)
        whole.append(w * 1000)
    print("%s eom_ms p50 %.1f p90 %.1f max %.1f session_ms p50 %.1f p90 %.1f "
          "max %.1f n %d" % (a.tag, pct(eom, 50), pct(eom, 90), max(eom),
                             pct(whole, 50), pct(whole, 90), max(whole), a.n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
