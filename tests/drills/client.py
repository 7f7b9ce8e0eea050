#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# NAME
#	client.py - the drills' SMTP client: unique messages, 4xx retried
# SYNOPSIS
#	client.py --port P --tag TAG (--count N | --until FILE) [options]
# DESCRIPTION
#	Sends messages to 127.0.0.1:P (one SMTP session each) from C
#	threads. Message i has the Subject "TAG-i" (its unique id at the
#	sink) and comes, by XCLIENT, from the data address --net.A.B with
#	A.B taken from i (nothing connects to it; Postfix and so relaywarden
#	see it as the client). A 4xx reply, a refused connection or a
#	dropped session is retried, with the same client address, after
#	--retry-delay, until --give-up seconds after the message's first
#	try; a 5xx is final. With --until FILE, new messages are started
#	until FILE exists (steady traffic); else exactly N.
#
#	--progress FILE holds "DONE ATTEMPTS TEMPFAILS" (finished messages,
#	sessions tried, 4xx replies and connection errors), rewritten as
#	they grow, so that the drill can time its faults by progress.
#	--pause SECS: each thread waits that long after an accepted message.
#	At the end prints one line per reply class seen ("reply 451 4.7.1
#	COUNT", "conn-error COUNT") and the totals as key=value:
#	messages accepted rejected given_up attempts; the accepted ids, one
#	a line, go to --accepted FILE. Exit 0 (the drill judges the figures).
import argparse
import collections
import os
import smtplib
import socket
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--tag", required=True)
ap.add_argument("--count", type=int, default=0)
ap.add_argument("--until")
ap.add_argument("--concurrency", type=int, default=8)
ap.add_argument("--net", default="198.18")
ap.add_argument("--retry-delay", type=float, default=0.3)
ap.add_argument("--give-up", type=float, default=120.0)
ap.add_argument("--progress")
ap.add_argument("--accepted")
ap.add_argument("--rcpt", default="bob@example.test")
ap.add_argument("--pause", type=float, default=0.0)
args = ap.parse_args()

lock = threading.Lock()
state = {"next": 0, "done": 0, "accepted": 0, "rejected": 0, "given_up": 0,
         "attempts": 0, "temp": 0}
classes = collections.Counter()
accepted_ids = []


def take():
    with lock:
        if args.until:
            if os.path.exists(args.until):
                return None
        elif state["next"] >= args.count:
            return None
        i = state["next"]
        state["next"] += 1
        return i


def progress():
    """the caller holds the lock"""
    if args.progress:
        tmp = args.progress + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d %d %d\n" % (state["done"], state["attempts"], state["temp"]))
        os.replace(tmp, args.progress)


def note(cls):
    with lock:
        classes[cls] += 1
        state["attempts"] += 1
        if cls != "reply 250" and not cls.startswith("reply 5"):
            state["temp"] += 1
        progress()


def finish(key, i):
    with lock:
        state[key] += 1
        state["done"] += 1
        if key == "accepted":
            accepted_ids.append("%s-%d" % (args.tag, i))
        progress()


class Refused(Exception):
    def __init__(self, code, text):
        self.code, self.text = code, text


def reply_class(code, text):
    """'451 4.7.1': the code and the enhanced status code, if any"""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    first = text.split()[0] if text.split() else ""
    if first[:2] in ("2.", "4.", "5."):
        return "%d %s" % (code, first)
    return "%d" % code


def expect(reply, ok):
    code, text = reply
    if code not in ok:
        raise Refused(code, text)


def attempt(i):
    """one SMTP session for message i: 'ok' or raises"""
    addr = "%s.%d.%d" % (args.net, (i // 250) % 256, i % 250 + 1)
    sub = "%s-%d" % (args.tag, i)
    s = smtplib.SMTP(timeout=60)
    try:
        expect(s.connect("127.0.0.1", args.port), (220,))
        expect(s.ehlo("client.example.test"), (250,))
        expect(s.docmd("XCLIENT", "ADDR=%s NAME=[UNAVAILABLE] HELO=client.example.test"
                       % addr), (220,))
        expect(s.ehlo("client.example.test"), (250,))
        expect(s.docmd("MAIL", "FROM:<drill@example.org>"), (250,))
        expect(s.docmd("RCPT", "TO:<%s>" % args.rcpt), (250, 251))
        expect(s.docmd("DATA"), (354,))
        msg = ("From: drill@example.org\r\nTo: %s\r\nSubject: %s\r\n"
               "Message-ID: <%s@drill.example.org>\r\n\r\ndrill message %s\r\n.\r\n"
               % (args.rcpt, sub, sub, sub))
        s.send(msg.encode())
        expect(s.getreply(), (250,))
        try:
            s.quit()
        except Exception:
            pass
    finally:
        s.close()


def worker():
    while True:
        i = take()
        if i is None:
            return
        t0 = time.time()
        while True:
            try:
                attempt(i)
                note("reply 250")
                finish("accepted", i)
                time.sleep(args.pause)
                break
            except Refused as e:
                note("reply " + reply_class(e.code, e.text))
                if 500 <= e.code <= 599:
                    finish("rejected", i)
                    break
            except (OSError, smtplib.SMTPException, socket.timeout):
                note("conn-error")
            if time.time() - t0 > args.give_up:
                finish("given_up", i)
                break
            time.sleep(args.retry_delay)


threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if args.accepted:
    with open(args.accepted, "w") as f:
        f.write("".join(x + "\n" for x in accepted_ids))
for cls, n in sorted(classes.items()):
    print("%s %d" % (cls, n))
print("messages=%d accepted=%d rejected=%d given_up=%d attempts=%d"
      % (state["done"], state["accepted"], state["rejected"], state["given_up"],
         state["attempts"]))
