#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# nodelay.sh - TCP_NODELAY on the milter's TCP sockets (issue 11, item 1a):
# relaywarden sets it on libmilter's listening socket, and the sockets
# libmilter accepts from it carry it (Linux copies it into each accepted
# socket), so that header edits and the final reply, written one by one,
# never wait for the MTA's delayed ACK. Observed from outside the daemon:
# tests/integration/nodelay.py opens a session and reads the option on
# copies of the daemon's own descriptors (pidfd_getfd). IPv4, IPv6 (when
# this machine has ::1) and a unix socket (which has no such option: the
# daemon must start and serve without a warning).
#
#   RELAYWARDEN=milter/relaywarden tests/integration/nodelay.sh
#
# Ports 25320 and 25321 (loopback). Prints "N passed, N failed" last;
# exit 0, 1, or 77 (skipped: not root, or no pidfd_getfd).

. "$(dirname "$0")/lib.sh"
rw_init nodelay /usr/bin/python3 ss
P4=25320 P6=25321
PROBE=$RW_TOP_SRCDIR/tests/integration/nodelay.py
HAVE_V6=0
grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null && HAVE_V6=1
rw_ports_free $P4 $P6

# probe NAME HOST PORT - both sockets of one session carry TCP_NODELAY
probe() {
	local out rc l s
	out=$(/usr/bin/python3 "$PROBE" "$(rw_pid_of "$1")" "$2" "$3" 2>&1)
	rc=$?
	if [ $rc -eq 2 ]; then
		rw_skip "cannot read the daemon's descriptors: $out"
	fi
	l=$(echo "$out" | sed -n 's/.*listener nodelay=\([^ ]*\).*/\1/p')
	s=$(echo "$out" | sed -n 's/.*session nodelay=\([^ ]*\).*/\1/p')
	check "$1: the listening socket has TCP_NODELAY (got ${l:-?}: $out)" test "$l" = 1
	check "$1: the accepted session socket has TCP_NODELAY (got ${s:-?})" test "$s" = 1
}

# conf FILE SOCKET - the session tests' configuration on SOCKET
conf() {
	rw_session_conf "$1"
	sed -i "s|^socket = .*|socket = $2|" "$1"
}

conf "$T/rw4.conf" "inet:$P4@127.0.0.1"
rw_start_daemon rw4 "$T/rw4.conf" || rw_summary
probe rw4 127.0.0.1 $P4
rw_expect_nolog "rw4: no TCP_NODELAY warning" "$T/log/rw4.log" 'TCP_NODELAY'

if [ $HAVE_V6 = 1 ]; then
	conf "$T/rw6.conf" "inet6:$P6@::1"
	rw_start_daemon rw6 "$T/rw6.conf" || rw_summary
	probe rw6 ::1 $P6
	rw_expect_nolog "rw6: no TCP_NODELAY warning" "$T/log/rw6.log" 'TCP_NODELAY'
else
	rw_note "no ::1 on this machine: IPv6 not checked"
fi

rw_session_conf "$T/rwu.conf"
rw_start_daemon rwu "$T/rwu.conf" || rw_summary
python3 "$RW_TOP_SRCDIR/tests/drills/milterclient.py" "unix:$T/run/rw.sock" sessions 1 \
    >"$T/log/unix.out" 2>&1
check "unix socket: a session is served ($(cat "$T/log/unix.out"))" grep -q ' ok ' "$T/log/unix.out"
rw_expect_nolog "unix socket: no TCP_NODELAY warning" "$T/log/rwu.log" 'TCP_NODELAY'
rw_summary
