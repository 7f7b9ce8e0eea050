#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# kill.sh - fault drill: relaywarden killed with SIGKILL twice while
# Postfix (milter_default_action = tempfail) takes N messages, restarted
# each time as systemd would. The client retries every 4xx and every
# dropped session. Asserts: every message accepted and at the sink
# exactly once, none lost, none duplicated; no 5xx at all; both kills hit
# the run while messages were still coming; the daemon came back each
# time. Prints the reply classes the client saw.
#
#   RELAYWARDEN=build/milter/relaywarden tests/drills/kill.sh   (as root)
#
# N: 150 (short), 5000 (DRILL_LONG=1). Ports: see lib.sh.
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
drill_init kill
N=150
[ "$DRILL_LONG" = 1 ] && N=5000
drill_stack

# paced (--pause: at most 160 messages a second): unpaced, the messages
# between the first kill's restart and the second kill went through in
# less than one of drill_wait_progress's 0.1 s looks, and the second
# kill came after the last message (CI, 2 December)
drill_client kill --count "$N" --concurrency 8 --pause 0.05
pids=$(rw_pid_of rw)
for k in 1 2; do
	at=$((N * k / 3))
	if ! drill_wait_progress kill 1 "$at" 300; then
		fail "kill $k: the client stopped before $at messages (see $T/log/client-kill.out)"
		break
	fi
	done_then=$(drill_progress kill)
	kill -KILL "$(rw_pid_of rw)"
	rw_wait 5 rw_pid_gone "$(rw_pid_of rw)"
	wait "$(rw_pid_of rw)" 2>/dev/null
	check "kill $k: SIGKILL at $done_then of $N messages, the client still sending" \
	    rw_pid_alive "$DRILL_CLIENT_PID"
	sleep 0.5	# systemd's RestartSec, in small
	if rw_start_daemon rw "$CONF"; then
		pids="$pids $(rw_pid_of rw)"
		pass "kill $k: relaywarden restarted (pid $(rw_pid_of rw))"
	fi
done
drill_client_wait kill
tf=$(drill_count 'reply 4[0-9][0-9]( [0-9.]+)?|conn-error' kill)
f5=$(drill_count 'reply 5[0-9][0-9]( [0-9.]+)?' kill)
check "all $N messages accepted ($DRILL_ACCEPTED; $DRILL_GIVEN_UP given up)" \
    test "$DRILL_ACCEPTED" -eq "$N"
check "no 5xx ($f5)" test "$f5" -eq 0
drill_expect_once kill
check "relaywarden running after the drill" rw_running rw
echo "FIGURES kill: relaywarden pids $pids; $N messages, $DRILL_ATTEMPTS sessions," \
    "$tf deferred (4xx or dropped, retried), $f5 5xx; at the sink $(wc -l <"$T/run/kill.sink") distinct, $(awk '$1 > 1' "$T/run/kill.sink" | wc -l) duplicated"
rw_summary
