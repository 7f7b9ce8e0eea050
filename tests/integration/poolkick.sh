#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# poolkick.sh - before a session blocks in its DNS verdict wait,
# relaywarden opens a connection to its own milter socket so that
# libmilter's worker pool starts a worker for the sessions queued behind
# it (milter/poolkick.c). Checked here, through the milter protocol, on a
# unix socket and on a TCP socket bound to the wildcard address (the kick
# then goes to loopback):
#   - a burst of sessions against a list whose answers come 300 ms late
#     is answered in full;
#   - the kicks happened (their debug line, with the session's queue id);
#   - every kick connected (no warning about it), and a kick costs
#     nothing visible: no error in the log, and
#     no session of its own (it never negotiates: the debug lines
#     "negotiated: ..." are one per session sent);
#   - a session whose answers are already in does not kick.
# How much sooner the burst is answered is a benchmark figure
# (tests/bench/fanout.sh, doc/DESIGN.md "Many sessions at once").
#
#   RELAYWARDEN=milter/relaywarden tests/integration/poolkick.sh
#
# Ports: 25840 (the DNS stub, udp), 25841 (the TCP milter socket).
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
rw_init poolkick ss /usr/bin/python3

P_STUB=25840
P_MILTER=25841
N=30
if ss -Hltn "( sport = :$P_MILTER )" | grep -q .; then
	fail "tcp port $P_MILTER in use"
	rw_summary
fi

# one list, every client listed, every answer 300 ms after its query
rw_dns_stub $P_STUB --zone bl.kick.test delay:300

# conf NAME SOCKET - the test policy for one daemon
conf() {
	cat >"$T/$1.conf" <<EOF
# relaywarden test configuration (poolkick.sh)
socket = $2
socket_mode = 0666
pidfile =
log_level = debug
trusted_networks = 127.0.0.0/8, ::1/128
local_domains = example.test
dns_servers = 127.0.0.1:$P_STUB
dns_timeout = 2s
dns_deadline = 5s
rdns_check = off
spf_check = no
spf_check_helo = no
dnsbl_probe_interval = 0
dnsbl = bl.kick.test
EOF
}

# burst NAME SOCKET NET - N sessions at once; the kick's checks
burst() {
	local name=$1 sock=$2 net=$3 log=$T/log/$1.log kicks
	conf "$name" "$sock"
	rw_start_daemon "$name" "$T/$name.conf" || return
	if /usr/bin/python3 "$RW_TOP_SRCDIR/tests/bench/fanout.py" "$sock" "$N" \
	    --net "$net" --label "$name" >"$T/log/$name-fanout.txt" 2>&1; then
		pass "$name: all $N sessions of the burst got their RCPT verdict"
	else
		fail "$name: not every session was answered: $(tail -2 "$T/log/$name-fanout.txt" | tr '\n' ' ')"
	fi
	kicks=$(grep -c 'DNS wait ahead: a connection to our own socket, for libmilter to start a worker' "$log")
	check "$name: sessions about to wait kicked the pool ($kicks kicks for $N sessions)" \
	    test "$kicks" -ge 1 -a "$kicks" -le "$N"
	rw_expect_log "$name: a kick names its session's queue id" "$log" \
	    '(NOQUEUE|[0-9A-Za-z]+): DNS wait ahead: a connection to our own socket'
	rw_expect_nolog "$name: every kick connected (no warning about our own socket)" "$log" \
	    'cannot connect to our own milter socket|may keep sessions queued'
	rw_expect_nolog "$name: no error (a kick is not a failed session)" "$log" '(error|fatal):'
	# the same client again: its answer is cached, its session must not kick
	kicks=$(grep -c 'DNS wait ahead' "$log")
	/usr/bin/python3 "$RW_TOP_SRCDIR/tests/bench/fanout.py" "$sock" 1 --net "$net" \
	    --label "$name-again" >"$T/log/$name-again.txt" 2>&1
	check "$name: a session whose answer is cached does not kick" \
	    test "$(grep -c 'DNS wait ahead' "$log")" -eq "$kicks"
	check "$name: one negotiation per session sent, none for a kick ($(grep -c 'negotiated: ' "$log") for $((N + 1)))" \
	    test "$(grep -c 'negotiated: ' "$log")" -eq $((N + 1))
	rw_stop "$name"
}

burst unix "unix:$T/run/rw.sock" 10.31
burst inet "inet:$P_MILTER@0.0.0.0" 10.32

rw_summary
