#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
sockread.py - whole messages through the milter protocol, sent as an MTA
sends them: packets in bursts, or one byte at a time
(tests/integration/sockread.sh)

  sockread.py SOCKET MODE N [--word BODY|HEADER] [--header-size B]
              [--body-size B]

Each of N sessions, one after the other: negotiate (offering no reply to
headers), then in bursts (one send each) the connect macros and connect,
HELO, the MAIL macros and MAIL, the RCPT macros and RCPT, DATA, then
every header, the end of header and the body chunks, and the end of
message; the replies are read after each burst. The client is an
outsider (192.0.2.77) writing to example.test.

  MODE burst    each burst in one send
  MODE trickle  every byte in a send of its own, 0.2 ms apart (packets
                split anywhere, as a slow network splits them)
  MODE close    the header burst sent, then the connection closed
                without waiting (no end of message)

--word body puts "zqxjtrigger" into the body at offset 4093 (straddling
a 4096-byte block); --word header puts "zqxjsubject" at the end of a
Subject header of --header-size bytes. Each session prints one line:

  session I OUTCOME REPLY packets P

OUTCOME ok (every reply came) or cut; REPLY the final reply to the end
of message: its command letter (a accept, c continue, ...) or the SMTP
code of a reply with text (milterclient.answer()).
Then "packets P" is the number of packets the session sent. Standard
library only.
"""
import argparse
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "drills"))
import milterclient as mc  # noqa: E402

SMFIP_NOBODY, SMFIP_NR_BODY = 0x10, 0x1000
CLIENT = "192.0.2.77"
NHEADERS = 20


class Session:
    def __init__(self, s, mode):
        self.s, self.mode, self.packets, self.out = s, mode, 0, []

    def add(self, cmd, data=b""):
        self.out.append(mc.packet(cmd, data))
        self.packets += 1

    def flush(self):
        data = b"".join(self.out)
        self.out = []
        if self.mode == "trickle":
            for i in range(len(data)):
                self.s.sendall(data[i:i + 1])
                time.sleep(0.0002)
        else:
            self.s.sendall(data)


def headers(word, size):
    hs = [("Received", "from a.example.test by mx.example.test; "
           "Tue, 1 Dec 2026 10:00:00 +0000")]
    for i in range(NHEADERS - 4):
        hs.append(("X-Filler-%d" % i, "value %d " % i + "x" * 40))
    subject = "s" * max(0, size - 40)
    if word == "header":
        subject += " zqxjsubject"
    hs += [("From", "<a@a.example.test>"), ("To", "<b@example.test>"),
           ("Subject", subject or "hello")]
    return hs


def body(word, size):
    text = bytearray(b"fine text, line after line.\r\n" * (size // 29 + 1))
    del text[size:]
    if word == "body":
        text[4093:4104] = b"zqxjtrigger"
    return bytes(text)


def one(spec, i, mode, word, header_size, body_size):
    s = mc.connect(spec, 30)
    x = Session(s, mode)
    try:
        mc.send(s, b"O", struct.pack(">III", 6, mc.OFFER_ACTIONS,
                                        mc.OFFER_PROTO))
        x.packets += 1
        cmd, data = mc.recv_packet(s)
        proto = struct.unpack(">III", data[:12])[2]
        x.add(b"D", b"C" + mc.z("j") + mc.z("mx.example.test"))
        x.add(b"C", mc.z("[%s]" % CLIENT) + b"4" + struct.pack(">H", 25000) +
              mc.z(CLIENT))
        x.flush()
        mc.answer(s)
        x.add(b"H", mc.z("a.example.test"))
        x.flush()
        mc.answer(s)
        x.add(b"D", b"M" + mc.z("i") + mc.z("4Tq%05d" % i))
        x.add(b"M", mc.z("<a@a.example.test>"))
        x.flush()
        mc.answer(s)
        x.add(b"D", b"R" + mc.z("{rcpt_mailer}") + mc.z("local"))
        x.add(b"R", mc.z("<b@example.test>"))
        x.flush()
        mc.answer(s)
        x.add(b"T")
        x.flush()
        mc.answer(s)
        replies = 0
        for name, value in headers(word, header_size):
            x.add(b"L", mc.z(name) + mc.z(value))
            replies += 0 if proto & mc.SMFIP_NR_HDR else 1
        if not proto & mc.SMFIP_NOEOH:
            x.add(b"N")
            replies += 1
        if not proto & SMFIP_NOBODY:
            text = body(word, body_size)
            for o in range(0, len(text), 65535):
                x.add(b"B", text[o:o + 65535])
                replies += 0 if proto & SMFIP_NR_BODY else 1
        if mode == "close":
            x.flush()
            s.close()
            return "session %d closed - packets %d" % (i, x.packets)
        x.add(b"E")
        x.flush()
        for _ in range(replies):
            mc.answer(s)
        final = mc.answer(s)
        x.add(b"Q")
        x.flush()
        return "session %d ok %s packets %d" % (i, final, x.packets)
    except (mc.Cut, OSError) as e:
        return "session %d cut %s packets %d" % (i, str(e).replace(" ", "_"),
                                                 x.packets)
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("mode", choices=["burst", "trickle", "close"])
    ap.add_argument("n", type=int)
    ap.add_argument("--word", choices=["body", "header"])
    ap.add_argument("--header-size", type=int, default=60)
    ap.add_argument("--body-size", type=int, default=2000)
    a = ap.parse_args()
    bad = 0
    for i in range(a.n):
        line = one(a.socket, i, a.mode, a.word, a.header_size, a.body_size)
        bad += " cut " in line
        print(line, flush=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
