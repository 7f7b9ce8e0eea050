#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
mimemod.py - one message over the milter protocol, as Postfix sends it,
for tests/integration/mimemod.sh

  mimemod.py SOCKET FILE

Negotiates, connects as 198.51.100.7 (an outsider), HELO, MAIL
<sender@example.org>, RCPT <user@example.test>, then FILE's header fields
and body (the body only when the daemon asked for it), end of message.
Prints "body yes" or "body no" (what the daemon negotiated), then
"reply R" (the final reply's command letter and text: "c" continue,
"y 550 ..." a reply code, "t" tempfail, ...). Exit 0 when a reply came.
Standard library only.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "drills"))
import budget  # noqa: E402
import milterclient as mc  # noqa: E402


def main():
    spec, path = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        head, _, text = f.read().partition(b"\r\n\r\n")
    fields = [tuple(x.split(b": ", 1)) for x in head.split(b"\r\n")]
    s, proto = budget.open_to_rcpt(spec, "MIMEMOD")
    if not proto & budget.NOHDRS:
        for name, value in fields:
            mc.send(s, b"L", name + b"\0" + value + b"\0")
            if not proto & budget.NR_HDR:
                mc.reply(s)
    if not proto & budget.NOEOH:
        mc.send(s, b"N")
        mc.reply(s)
    print("body " + ("no" if proto & budget.NOBODY else "yes"))
    if not proto & budget.NOBODY:
        budget.body(s, proto, text)
    print("reply " + budget.finish(s))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
