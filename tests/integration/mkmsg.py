#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
mkmsg.py - test messages for tests/integration/postfix-content.sh and
tests/bench/content-bench.sh, written as the SMTP client sends them
(CRLF line ends, no dot-stuffing: swaks and the bench client do that).

  mkmsg.py hexurl SUBJECT FILE     an HTML part, base64, whose link hides
                                   its host as %-escapes
                                   (http://%73%70%61%6d.example/)
  mkmsg.py big SUBJECT FILE BYTES  a clean message of about BYTES bytes:
                                   a text part and two attachments
                                   (application/pdf, application/zip) of
                                   pseudo-random bytes, base64
  mkmsg.py plain SUBJECT FILE BYTES  a clean text/plain message of about
                                   BYTES bytes (for the benchmark)

Standard library only; the same SUBJECT and BYTES give the same bytes.
"""
import base64
import random
import sys


def crlf(lines):
    return "".join(line + "\r\n" for line in lines).encode()


def b64_lines(data):
    text = base64.b64encode(data).decode()
    return [text[i:i + 76] for i in range(0, len(text), 76)]


def hexurl(subject):
    host = "".join("%%%02x" % ord(c) for c in "spam")
    html = ('<html><body><p>Your parcel is waiting.</p>'
            '<p><a href="http://%s.example/track?id=1">track it</a></p>'
            '</body></html>' % host)
    return crlf([
        "From: <sender@example.org>",
        "To: <user@example.test>",
        "Subject: " + subject,
        "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="b1"',
        "",
        "--b1",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Your parcel is waiting.",
        "--b1",
        "Content-Type: text/html; charset=utf-8",
        "Content-Transfer-Encoding: base64",
        "",
    ] + b64_lines(html.encode()) + ["--b1--", ""])


def big(subject, size):
    rnd = random.Random(subject)
    part = max(size // 2 * 3 // 4 - 1000, 1)	# base64 grows by 4/3
    pdf = rnd.randbytes(part)
    zipb = rnd.randbytes(part)
    return crlf([
        "From: <sender@example.org>",
        "To: <user@example.test>",
        "Subject: " + subject,
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="mix"',
        "",
        "--mix",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        "The quarterly figures, as promised. Nothing to see at "
        "http://www.example.org/figures",
        "--mix",
        'Content-Type: application/pdf; name="figures.pdf"',
        "Content-Transfer-Encoding: base64",
        'Content-Disposition: attachment; filename="figures.pdf"',
        "",
    ] + b64_lines(pdf) + [
        "--mix",
        'Content-Type: application/zip; name="data.zip"',
        "Content-Transfer-Encoding: base64",
        'Content-Disposition: attachment; filename="data.zip"',
        "",
    ] + b64_lines(zipb) + ["--mix--", ""])


def plain(subject, size):
    words = ("the quick brown fox jumps over the lazy dog and reads "
             "http://www.example.org/page every morning").split()
    rnd = random.Random(subject)
    lines, n = [], 0
    while n < size:
        line = " ".join(rnd.choice(words) for _ in range(12))
        lines.append(line)
        n += len(line) + 2
    return crlf([
        "From: <sender@example.org>",
        "To: <user@example.test>",
        "Subject: " + subject,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
        "",
    ] + lines)


def main():
    kind, subject, path = sys.argv[1:4]
    if kind == "hexurl":
        data = hexurl(subject)
    elif kind == "big":
        data = big(subject, int(sys.argv[4]))
    elif kind == "plain":
        data = plain(subject, int(sys.argv[4]))
    else:
        raise SystemExit("mkmsg.py: unknown kind " + kind)
    with open(path, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
