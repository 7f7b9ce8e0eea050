#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
milterclient.py - a small milter-protocol client (the MTA's side) for the
session drills: many concurrent sessions against relaywarden, each session's
outcome and timing on stdout, one line each.

  milterclient.py SOCKET sessions N [--pause SECS] [--stagger SECS]
      N concurrent sessions: negotiate, connect (127.0.0.1, an insider),
      HELO, MAIL, RCPT, pause SECS (waiting, as an MTA does for its SMTP
      client), end of message, QUIT. Each prints
        session I OUTCOME SECONDS [reply]
      OUTCOME: ok (every reply came), refused (a 4xx or 5xx reply or a reject: the text
      follows), cut (the connection closed or was reset before a reply),
      error (anything else, text follows).
  milterclient.py SOCKET partial N [--wait SECS]
      N connections that send 2 bytes of a packet header and stop; each
      prints "partial I closed SECONDS" when the daemon closes it, or
      "partial I open SECONDS" if it did not within SECS.
  milterclient.py SOCKET hold N [--wait SECS]
      N sessions negotiated and connected, then held open for SECS (fills
      the session cap); prints "hold I OUTCOME SECONDS [reply]" when
      connected or refused, and "held" when all are up.
  milterclient.py SOCKET hold-rcpt N [--wait SECS] [--addr ADDR]
                  [--connect-pause SECS]
      N sessions opened one after the other, each taken through
      negotiation, connect (client ADDR, default 192.0.2.50: an outsider
      given as data, never contacted), a pause of --connect-pause SECS
      (default none: an SMTP client slow to say HELO), HELO, MAIL and
      RCPT, then all held
      open for SECS (or until stdin closes when SECS is 0): what a
      milter holds while the MTA waits for its SMTP clients. Prints
      "hold-rcpt OK REFUSED ERRORS SECONDS" and then "held" when all
      are up. For the memory benchmark (tests/bench/held-sessions.sh).

SOCKET is unix:/path or inet:PORT@HOST. Standard library only.
"""
import argparse
import socket
import struct
import sys
import threading
import time

# protocol flags offered: the milter may skip body, headers, EOH, unknown,
# DATA and answer no reply to headers (SMFIP_NOBODY .. SMFIP_NODATA)
OFFER_PROTO = 0x10 | 0x20 | 0x40 | 0x80 | 0x100 | 0x200
OFFER_ACTIONS = 0x1FF
SMFIP_NOHDRS, SMFIP_NOEOH, SMFIP_NR_HDR = 0x20, 0x40, 0x80
FINAL = b"acrtdy"		# accept continue reject tempfail discard replycode

out_lock = threading.Lock()


def say(line):
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def connect(spec, timeout):
    if spec.startswith("unix:") or spec.startswith("local:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(spec.split(":", 1)[1])
        return s
    if spec.startswith("inet:"):
        port, host = spec[5:].split("@", 1)
        s = socket.create_connection((host, int(port)), timeout)
        return s
    raise SystemExit("bad socket " + spec)


class Cut(Exception):
    pass


def packet(cmd, data=b""):
    """one milter protocol packet: length, command, data"""
    return struct.pack(">I", len(data) + 1) + cmd + data


def send(s, cmd, data=b""):
    try:
        s.sendall(packet(cmd, data))
    except (ConnectionResetError, BrokenPipeError) as e:
        raise Cut(str(e))


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        try:
            chunk = s.recv(n - len(buf))
        except (ConnectionResetError, BrokenPipeError) as e:
            raise Cut(str(e))
        if not chunk:
            raise Cut("closed")
        buf += chunk
    return buf


def recv_packet(s):
    (n,) = struct.unpack(">I", recv_exact(s, 4))
    body = recv_exact(s, n)
    return body[:1], body[1:]


def reply(s):
    """the final reply to a command (skipping modifications, progress)"""
    while True:
        cmd, data = recv_packet(s)
        if cmd in FINAL:
            return cmd, data


def answer(s):
    """the final reply to a command, as a word: its command letter (c
    continue, a accept, r reject, t tempfail, d discard), or the SMTP code
    of a reply with text (451, 550)"""
    cmd, data = reply(s)
    return data[:3].decode() if cmd == b"y" else cmd.decode()


def z(text):
    return text.encode() + b"\0"


def negotiate_connect(s, addr="127.0.0.1"):
    """negotiate and connect; returns (protocol flags, None) or (.., reply)"""
    send(s, b"O", struct.pack(">III", 6, OFFER_ACTIONS, OFFER_PROTO))
    cmd, data = recv_packet(s)
    if cmd != b"O":
        raise Cut("no negotiation reply")
    proto = struct.unpack(">III", data[:12])[2]
    send(s, b"D", b"C" + z("j") + z("mx.example.test"))
    send(s, b"C", z("localhost" if addr == "127.0.0.1" else "[%s]" % addr) +
         b"4" + struct.pack(">H", 25000) + z(addr))
    cmd, data = reply(s)
    if cmd in b"rty":
        return proto, (cmd + b" " + data.rstrip(b"\0")).decode(errors="replace")
    return proto, None


def one_session(spec, i, pause, timeout):
    t0 = time.monotonic()
    s = None
    try:
        s = connect(spec, timeout)
        proto, refused = negotiate_connect(s)
        if refused is None:
            steps = [(b"H", z("client.example.test")),
                     (b"D", b"M" + z("i") + z("Q%d" % i)),
                     (b"M", z("<a%d@example.test>" % i)),
                     (b"R", z("<b%d@example.test>" % i))]
            for cmd, data in steps:
                send(s, cmd, data)
                if cmd == b"D":
                    continue
                c, d = reply(s)
                if c in b"rty":
                    refused = (c + b" " + d.rstrip(b"\0")).decode(
                        errors="replace")
                    break
        if refused is None:
            time.sleep(pause)
            if not proto & SMFIP_NOHDRS:
                send(s, b"L", z("Subject") + z("drill %d" % i))
                if not proto & SMFIP_NR_HDR:
                    reply(s)
            if not proto & SMFIP_NOEOH:
                send(s, b"N")
                reply(s)
            send(s, b"E")
            c, d = reply(s)
            if c in b"rty":
                refused = (c + b" " + d.rstrip(b"\0")).decode(errors="replace")
        send(s, b"Q")
        dt = time.monotonic() - t0
        if refused is not None:
            say("session %d refused %.3f %s" % (i, dt, refused))
        else:
            say("session %d ok %.3f" % (i, dt))
    except Cut as e:
        say("session %d cut %.3f %s" % (i, time.monotonic() - t0, e))
    except Exception as e:     # noqa: BLE001 - every failure is reported
        say("session %d error %.3f %s" % (i, time.monotonic() - t0, e))
    finally:
        if s is not None:
            s.close()


def one_partial(spec, i, wait):
    t0 = time.monotonic()
    s = connect(spec, wait)
    s.sendall(b"\x00\x00")          # half a length field
    s.settimeout(wait)
    try:
        got = s.recv(1)
        say("partial %d closed %.3f%s" % (i, time.monotonic() - t0,
                                           "" if not got else " (data)"))
    except socket.timeout:
        say("partial %d open %.3f" % (i, time.monotonic() - t0))
    except OSError:
        say("partial %d closed %.3f" % (i, time.monotonic() - t0))
    s.close()


def one_hold(spec, i, wait, ready):
    t0 = time.monotonic()
    s = None
    try:
        s = connect(spec, 30)
        _, refused = negotiate_connect(s)
        dt = time.monotonic() - t0
        if refused is not None:
            say("hold %d refused %.3f %s" % (i, dt, refused))
            send(s, b"Q")
            s.close()
            s = None
        else:
            say("hold %d connected %.3f" % (i, dt))
    except Exception as e:     # noqa: BLE001
        say("hold %d error %.3f %s" % (i, time.monotonic() - t0, e))
    ready.release()
    if s is not None:
        time.sleep(wait)
        try:
            send(s, b"Q")
        except OSError:
            pass
        s.close()


def hold_rcpt(spec, n, wait, addr, connect_pause=0.0):
    """n sessions up to RCPT, one after the other, then held together"""
    t0 = time.monotonic()
    socks, ok, refused, errors = [], 0, 0, 0
    for i in range(n):
        try:
            s = connect(spec, 60)
            socks.append(s)
            _, r = negotiate_connect(s, addr)
            if connect_pause > 0:
                time.sleep(connect_pause)
            for cmd, data in ((b"H", z("client.example.test")),
                              (b"D", b"M" + z("i") + z("H%d" % i)),
                              (b"M", z("<a%d@example.test>" % i)),
                              (b"D", b"R" + z("i") + z("H%d" % i)),
                              (b"R", z("<b%d@example.test>" % i))):
                if r is not None:
                    break
                send(s, cmd, data)
                if cmd == b"D":
                    continue
                c, _ = reply(s)
                if c in b"ty":
                    r = c
            if r is None:
                ok += 1
            else:
                refused += 1
        except Exception:      # noqa: BLE001 - counted
            errors += 1
    say("hold-rcpt %d %d %d %.3f" % (ok, refused, errors,
                                     time.monotonic() - t0))
    say("held")
    if wait > 0:
        time.sleep(wait)
    else:
        sys.stdin.read()
    for s in socks:
        try:
            send(s, b"Q")
        except (Cut, OSError):
            pass
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("mode", choices=["sessions", "partial", "hold",
                                     "hold-rcpt"])
    ap.add_argument("n", type=int)
    ap.add_argument("--pause", type=float, default=0.0)
    ap.add_argument("--stagger", type=float, default=0.0)
    ap.add_argument("--wait", type=float, default=30.0)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--addr", default="192.0.2.50")
    ap.add_argument("--connect-pause", type=float, default=0.0)
    a = ap.parse_args()
    if a.mode == "hold-rcpt":
        hold_rcpt(a.socket, a.n, a.wait, a.addr, a.connect_pause)
        return
    threading.stack_size(256 * 1024)
    threads = []
    ready = threading.Semaphore(0)
    for i in range(a.n):
        if a.mode == "sessions":
            t = threading.Thread(target=one_session,
                                 args=(a.socket, i, a.pause, a.timeout))
        elif a.mode == "partial":
            t = threading.Thread(target=one_partial, args=(a.socket, i, a.wait))
        else:
            t = threading.Thread(target=one_hold,
                                 args=(a.socket, i, a.wait, ready))
        t.start()
        threads.append(t)
        if a.stagger:
            time.sleep(a.stagger)
    if a.mode == "hold":
        for _ in range(a.n):
            ready.acquire()
        say("held")
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
