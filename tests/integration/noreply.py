#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
noreply.py - does relaywarden ask for no reply to HELO, and keep to it
(tests/integration/protocol.sh)

  noreply.py SOCKET [--hold PREFIX]

Negotiates as Postfix and sendmail do, offering SMFIP_NR_HELO among the
other steps, then connects as an outsider (192.0.2.77), sends HELO and
MAIL FROM and prints one line:

  nr_helo yes|no helo REPLY mail REPLY

REPLY is the reply's command letter (c continue, t tempfail, r reject),
the SMTP code of a reply with text (451, 550), or "none". When the milter agreed to send no reply to
HELO, HELO and MAIL are sent back to back and a reply to HELO would be
the first of two: "helo none" means exactly one reply came, to MAIL.

--hold PREFIX: after the negotiation, create PREFIX.ready and wait (at
most 20 s) for PREFIX.go before connecting, so that the caller can
reload the configuration between negotiation and connect. Exit 0 when
every reply came, 1 otherwise. Standard library only.
"""
import argparse
import os
import select
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "drills"))
import milterclient as mc  # noqa: E402

SMFIP_NR_HELO = 0x2000
CLIENT = "192.0.2.77"


def quiet_for(s, seconds):
    """True when nothing more arrives on s within seconds"""
    r, _, _ = select.select([s], [], [], seconds)
    return not r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("--hold")
    a = ap.parse_args()
    s = mc.connect(a.socket, 30)
    mc.send(s, b"O", struct.pack(">III", 6, mc.OFFER_ACTIONS,
                                    mc.OFFER_PROTO | SMFIP_NR_HELO))
    cmd, data = mc.recv_packet(s)
    if cmd != b"O":
        print("no negotiation reply")
        return 1
    nr_helo = struct.unpack(">III", data[:12])[2] & SMFIP_NR_HELO != 0
    if a.hold:
        open(a.hold + ".ready", "w").close()
        deadline = time.monotonic() + 20
        while not os.path.exists(a.hold + ".go"):
            if time.monotonic() > deadline:
                print("no %s.go in 20 s" % a.hold)
                return 1
            time.sleep(0.05)
    mc.send(s, b"D", b"C" + mc.z("j") + mc.z("mx.example.test") +
            mc.z("{client_addr}") + mc.z(CLIENT))
    mc.send(s, b"C", mc.z("[%s]" % CLIENT) + b"4" +
            struct.pack(">H", 25000) + mc.z(CLIENT))
    kind, _ = mc.reply(s)
    if kind != b"c":
        print("connect answered %s, want c" % kind.decode())
        return 1
    mc.send(s, b"H", mc.z("client.example.net"))
    helo = "none"
    if not nr_helo:
        helo = mc.answer(s)
    mc.send(s, b"D", b"M" + mc.z("i") + mc.z("NR1") +
            mc.z("{mail_addr}") + mc.z("a@example.org"))
    mc.send(s, b"M", mc.z("<a@example.org>"))
    first = mc.answer(s)
    if nr_helo and not quiet_for(s, 0.5):
        helo, mail = first, mc.answer(s)	# HELO answered after all
    else:
        mail = first
    print("nr_helo %s helo %s mail %s" % ("yes" if nr_helo else "no", helo,
                                          mail))
    mc.send(s, b"Q")
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
