#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
nodelay.py - what TCP_NODELAY the sockets of a milter process carry, seen
from outside (tests/integration/nodelay.sh).

  nodelay.py PID HOST PORT

Opens a milter session to HOST:PORT (the MTA's side: the option
negotiation packet, then waits for the reply, so that the milter has
accepted the connection and works on it), then takes copies of the
milter's own descriptors with pidfd_getfd(2) (Linux 5.6; root) and finds
among them the listening socket on PORT and the session socket whose peer
is this client. Prints

  listener nodelay=N session nodelay=N

(N = 0 or 1, "none" when that socket was not found) and exits 0; exit 2
when the descriptors cannot be read (no pidfd_getfd: a skip). Standard
library only.
"""
import ctypes
import os
import socket
import struct
import sys

SYS_PIDFD_GETFD = 438		# the same number on every Linux architecture
SO_ACCEPTCONN = 30


def main():
    pid, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.settimeout(10)
    c.connect((host, port))
    # SMFIC_OPTNEG: version 6, all actions, offer to skip everything
    c.sendall(struct.pack(">I", 13) + b"O" + struct.pack(">III", 6, 0x1FF, 0x3FF))
    head = c.recv(5)
    if len(head) < 5 or head[4:5] != b"O":
        print("no negotiation reply from the milter")
        return 1
    me = c.getsockname()[:2]

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    try:
        pidfd = os.pidfd_open(pid)
    except OSError as e:
        print("pidfd_open: %s" % e)
        return 2
    found = {"listener": "none", "session": "none"}
    try:
        for name in os.listdir("/proc/%d/fd" % pid):
            try:
                if not os.readlink("/proc/%d/fd/%s" % (pid, name)).startswith("socket:"):
                    continue
            except OSError:
                continue
            fd = libc.syscall(SYS_PIDFD_GETFD, pidfd, int(name), 0)
            if fd < 0:
                err = ctypes.get_errno()
                if err in (1, 38):	# EPERM, ENOSYS
                    print("pidfd_getfd: %s" % os.strerror(err))
                    return 2
                continue
            try:
                s = socket.socket(fileno=fd)
            except OSError:
                os.close(fd)
                continue
            try:
                if s.type != socket.SOCK_STREAM or s.family not in (
                        socket.AF_INET, socket.AF_INET6):
                    continue
                if s.getsockname()[1] != port:
                    continue
                nd = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                nd = 1 if nd else 0
                if s.getsockopt(socket.SOL_SOCKET, SO_ACCEPTCONN):
                    found["listener"] = nd
                elif s.getpeername()[:2] == me:
                    found["session"] = nd
            except OSError:
                pass
            finally:
                s.close()
    finally:
        os.close(pidfd)
        c.close()
    print("listener nodelay=%s session nodelay=%s" % (found["listener"],
                                                     found["session"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
