#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""rusage.py - run a daemon, stop it on request, report what it used.

    rusage.py --out FILE [--pidfile FILE] [--stop-signal TERM|KILL] -- CMD...

Runs CMD as a child and writes its PID to --pidfile. When this wrapper
gets SIGTERM (or SIGINT) it sends the child --stop-signal (default TERM)
and times how long the child takes to exit. When the child has exited
(for whatever reason) it writes one line of key=value pairs to --out:

    pid=N status=S stop_ms=MS utime_ms=U stime_ms=S nvcsw=V nivcsw=I maxrss_kb=R

from wait4(): the child's whole life, every thread included (threads that
ended long before are in these totals, unlike /proc/PID/status, which
shows one thread), and its descendants' if it had any it waited for.
stop_ms is -1 when the child exited before being told to stop. status is
the exit status, or -SIGNAL. The wrapper exits 0.

tests/bench/run.sh subtracts a snapshot taken before the measured run
(tests/bench/run.sh: ctxsw) from these totals.
"""
import argparse
import os
import signal
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--pidfile")
    ap.add_argument("--stop-signal", default="TERM", choices=["TERM", "KILL", "INT"])
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("no command")
    stop = {"TERM": signal.SIGTERM, "KILL": signal.SIGKILL, "INT": signal.SIGINT}[a.stop_signal]
    asked = [None]

    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            os.execvp(cmd[0], cmd)
        except OSError as e:
            sys.stderr.write("rusage.py: %s: %s\n" % (cmd[0], e))
            os._exit(127)

    def on_stop(signum, frame):
        if asked[0] is None:
            asked[0] = time.monotonic()
            try:
                os.kill(pid, stop)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    if a.pidfile:
        tmp = a.pidfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % pid)
        os.replace(tmp, a.pidfile)
    while True:
        try:
            _, st, ru = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    t1 = time.monotonic()
    status = os.waitstatus_to_exitcode(st)
    stop_ms = -1 if asked[0] is None else int((t1 - asked[0]) * 1000)
    line = ("pid=%d status=%d stop_ms=%d utime_ms=%d stime_ms=%d nvcsw=%d nivcsw=%d maxrss_kb=%d\n"
            % (pid, status, stop_ms, ru.ru_utime * 1000, ru.ru_stime * 1000,
               ru.ru_nvcsw, ru.ru_nivcsw, ru.ru_maxrss))
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(line)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
