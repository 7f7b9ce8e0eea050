#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
budget.py - content_memory_max under two large messages at once, for
tests/integration/postfix-content.sh (phase f)

  budget.py SOCKET FILE HOLD_BYTES

Session A sends FILE's header and its first HOLD_BYTES of body, then
waits (its buffer holds that much, and the room it grew to); while it
waits, session B sends the whole of FILE and its end of message: B's
buffer cannot get the room A holds, so B is judged on what it holds.
Then A sends the rest and its end of message. Both as Postfix does
(header fields, 64 KiB body chunks; no reply per chunk when the daemon
negotiated SMFIP_NR_BODY).

Prints "A REPLY" and "B REPLY" (the final reply's command letter and
text: "c" continue, "a" accept, "y ..." reply code, "t" tempfail, "r"
reject, "d" discard) and "B seconds S" (B's time from its first body
chunk to its reply), one a line. Exit 0 when both got a reply.
"""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "drills"))
import milterclient as mc  # noqa: E402

NOBODY, NOHDRS, NOEOH, NR_HDR, NR_BODY = 0x10, 0x20, 0x40, 0x80, 0x80000
OFFER = NOBODY | NOHDRS | NOEOH | NR_HDR | 0x100 | 0x200 | NR_BODY
CHUNK = 65535


def open_to_rcpt(spec, qid):
    """Negotiate, connect as an outsider, HELO, MAIL, RCPT; (s, proto)."""
    s = mc.connect(spec, 60)
    mc.send(s, b"O", struct.pack(">III", 6, mc.OFFER_ACTIONS, OFFER))
    _, data = mc.recv_packet(s)
    proto = struct.unpack(">III", data[:12])[2]
    mc.send(s, b"D", b"C" + mc.z("j") + mc.z("mx.example.test"))
    mc.send(s, b"C", mc.z("client.example") + b"4" +
            struct.pack(">H", 25000) + mc.z("198.51.100.7"))
    mc.reply(s)
    for cmd, data in [(b"H", mc.z("client.example")),
                      (b"D", b"M" + mc.z("i") + mc.z(qid)),
                      (b"M", mc.z("<sender@example.org>")),
                      (b"R", mc.z("<user@example.test>"))]:
        mc.send(s, cmd, data)
        if cmd != b"D":
            mc.reply(s)
    return s, proto


def open_session(spec, qid, fields):
    s, proto = open_to_rcpt(spec, qid)
    if proto & NOBODY:
        raise SystemExit("budget.py: the daemon negotiated no body")
    for name, value in fields:
        mc.send(s, b"L", name + b"\0" + value + b"\0")
        if not proto & NR_HDR:
            mc.reply(s)
    if not proto & NOEOH:
        mc.send(s, b"N")
        mc.reply(s)
    return s, proto


def body(s, proto, data):
    for off in range(0, len(data), CHUNK):
        mc.send(s, b"B", data[off:off + CHUNK])
        if not proto & NR_BODY:
            mc.reply(s)


def finish(s):
    mc.send(s, b"E")
    cmd, data = mc.reply(s)
    mc.send(s, b"Q")
    s.close()
    return (cmd + b" " + data.rstrip(b"\0")).decode(errors="replace").strip()


def main():
    spec, path, hold = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(path, "rb") as f:
        head, _, text = f.read().partition(b"\r\n\r\n")
    fields = [tuple(x.split(b": ", 1)) for x in head.split(b"\r\n")]
    a, pa = open_session(spec, "BUDGETA", fields)
    body(a, pa, text[:hold])
    b, pb = open_session(spec, "BUDGETB", fields)
    t0 = time.monotonic()
    body(b, pb, text)
    rb = finish(b)
    dt = time.monotonic() - t0
    body(a, pa, text[hold:])
    ra = finish(a)
    print("A " + ra)
    print("B " + rb)
    print("B seconds %.3f" % dt)


if __name__ == "__main__":
    main()
