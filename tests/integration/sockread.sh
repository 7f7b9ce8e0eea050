#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# sockread.sh - libmilter's reads of the MTA's sockets are served a block
# at a time (milter/sockread.c), and libmilter still reads the stream the
# MTA sent, whatever its packets' sizes and however they were split.
# Checked through the milter protocol (tests/integration/sockread.py):
#   - whole messages sent in bursts, as an MTA sends them (20 headers
#     with no reply each): every session answered, and the daemon's read
#     system calls (/proc/PID/io syscr) number less than half the
#     packets sent (libmilter alone makes two reads per packet with a
#     body: at least the packets' number);
#   - a word straddling a 4096-byte block in a 60,000-byte body, and at
#     the end of a 6,000-byte header, is found by the rules (a refusal);
#   - every byte in a send of its own: the same verdicts;
#   - sessions that close with bytes unread leave nothing behind for the
#     next sessions on the same descriptors.
# The CPU this saves is a benchmark figure (tests/bench/run.sh,
# doc/DESIGN.md "Where a message's CPU goes").
#
#   RELAYWARDEN=milter/relaywarden tests/integration/sockread.sh
#
# No ports: a unix socket, no DNS.
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
rw_init sockread /usr/bin/python3

N=40
CLIENT=$RW_TOP_SRCDIR/tests/integration/sockread.py
SOCK=unix:$T/run/rw.sock

printf '%s\n' 'trigger body /zqxjtrigger/ reject' \
    'subject header:Subject /zqxjsubject/ reject' >"$T/t.rules"
rw_session_conf "$T/rw.conf" "trusted_networks = 127.0.0.0/8, ::1/128" \
    "local_domains = example.test" "rules = $T/t.rules"
rw_start_daemon rw "$T/rw.conf" || rw_summary
pid=$(rw_pid_of rw)

# syscr - read system calls the daemon made so far (every thread)
syscr() {
	awk '$1 == "syscr:" { print $2 }' "/proc/$pid/io"
}

/usr/bin/python3 "$CLIENT" "$SOCK" burst 1 >"$T/warm.out" 2>&1
r0=$(syscr)
/usr/bin/python3 "$CLIENT" "$SOCK" burst "$N" >"$T/burst.out" 2>&1
r1=$(syscr)
ok=$(grep -cE '^session [0-9]+ ok [ac] ' "$T/burst.out")
check "$N sessions in bursts, every one accepted ($ok)" test "$ok" -eq "$N"
packets=$(awk '{ print $NF; exit }' "$T/burst.out")
reads=$(( (r1 - r0) / N ))
check "read calls per session: $reads for $packets packets sent (at most half)" \
    test "$reads" -gt 0 -a $((2 * reads)) -le "${packets:-0}"

/usr/bin/python3 "$CLIENT" "$SOCK" burst 1 --word body --body-size 60000 \
    >"$T/body.out" 2>&1
check "a word across a block boundary in a 60,000-byte body is found" \
    grep -qE '^session 0 ok 550 ' "$T/body.out"
/usr/bin/python3 "$CLIENT" "$SOCK" burst 1 --word header --header-size 6000 \
    >"$T/header.out" 2>&1
check "a word at the end of a 6,000-byte Subject is found" \
    grep -qE '^session 0 ok 550 ' "$T/header.out"

/usr/bin/python3 "$CLIENT" "$SOCK" trickle 1 >"$T/trickle.out" 2>&1
check "every byte sent alone: accepted" \
    grep -qE '^session 0 ok [ac] ' "$T/trickle.out"
/usr/bin/python3 "$CLIENT" "$SOCK" trickle 1 --word body --body-size 5000 \
    >"$T/trickle-body.out" 2>&1
check "every byte sent alone: the body's word found" \
    grep -qE '^session 0 ok 550 ' "$T/trickle-body.out"

/usr/bin/python3 "$CLIENT" "$SOCK" close 10 --body-size 20000 >"$T/close.out" 2>&1
check "10 sessions closed with their headers and body unread" \
    test "$(grep -c '^session [0-9]* closed ' "$T/close.out")" -eq 10
/usr/bin/python3 "$CLIENT" "$SOCK" burst 10 >"$T/after.out" 2>&1
check "then 10 sessions in bursts, every one accepted" \
    test "$(grep -cE '^session [0-9]+ ok [ac] ' "$T/after.out")" -eq 10
/usr/bin/python3 "$CLIENT" "$SOCK" burst 1 --word body --body-size 60000 \
    >"$T/body2.out" 2>&1
check "and the body's word still found" grep -qE '^session 0 ok 550 ' "$T/body2.out"

check "daemon alive" rw_running rw
rw_expect_nolog "block reads on (no warning that they are off)" "$T/log/rw.log" \
    "reads the MTA's sockets as it asks"
rw_expect_nolog "no error" "$T/log/rw.log" '(error|fatal):'
rw_summary
