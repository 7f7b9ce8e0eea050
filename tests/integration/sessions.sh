#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# sessions.sh - session_timeout (issue 12, item 3): a connection that
# stops in the middle of a milter packet is closed after session_timeout,
# and the worker threads it held go away; a session that pauses between
# commands for less than that is served as usual.
#
#   RELAYWARDEN=milter/relaywarden tests/integration/sessions.sh
#
# Sends with tests/drills/milterclient.py (python3, standard library).
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
rw_init sessions python3
CLIENT=$RW_TOP_SRCDIR/tests/drills/milterclient.py
SOCK=unix:$T/run/rw.sock
LOG=$T/log/rw.log
N=20
TIMEOUT=2

rw_session_conf "$T/rw.conf" "session_timeout = ${TIMEOUT}s"

threads() { sed -n 's/^Threads:[[:space:]]*//p' "/proc/$1/status"; }

rw_start_daemon rw "$T/rw.conf" || rw_summary
PID=$(rw_pid_of rw)
check "-t shows session_timeout" sh -c "'$RELAYWARDEN' -t -c '$T/rw.conf' |
    grep -q '^sessions .*timeout ${TIMEOUT}000ms'"
rw_expect_log "start-up log names the timeout" "$LOG" "sessions at most [0-9]+.*timeout ${TIMEOUT}s"

base=$(threads "$PID")
python3 "$CLIENT" "$SOCK" partial $N --wait 15 >"$T/log/partial.out" 2>&1 &
CPID=$!
sleep 1
peak=$(threads "$PID")
wait $CPID
closed=$(grep -c ' closed ' "$T/log/partial.out")
check "all $N half-sent packets closed by the daemon (got $closed)" test "$closed" -eq $N
slowest=$(awk '$3 == "closed" { if ($4 > m) m = $4 } END { print m + 0 }' "$T/log/partial.out")
fastest=$(awk '$3 == "closed" { if (m == "" || $4 < m) m = $4 } END { print m + 0 }' "$T/log/partial.out")
rw_note "closed after ${fastest}s to ${slowest}s (session_timeout ${TIMEOUT}s)"
check "... not before session_timeout (fastest ${fastest}s)" \
    awk -v t="$fastest" -v s=$TIMEOUT 'BEGIN { exit !(t >= s - 0.2) }'
check "... and within session_timeout + 3s (slowest ${slowest}s)" \
    awk -v t="$slowest" -v s=$TIMEOUT 'BEGIN { exit !(t <= s + 3) }'
check "the stuck connections held threads ($base before, $peak with them)" \
    test "$peak" -gt "$base"
# libmilter's idle workers leave after 10 s without work
low() { [ "$(threads "$PID")" -le $((base + 2)) ]; }
if rw_wait 30 low; then
	pass "threads back to $(threads "$PID") (before: $base, peak: $peak)"
else
	fail "threads still $(threads "$PID") after 30 s (before: $base, peak: $peak)"
fi

# a pause between commands (the MTA waiting on its client) is not a stuck packet
python3 "$CLIENT" "$SOCK" sessions 3 --pause 1 >"$T/log/pause.out" 2>&1
check "sessions pausing 1s between commands are served ($(grep -c ' ok ' "$T/log/pause.out") of 3)" \
    test "$(grep -c ' ok ' "$T/log/pause.out")" -eq 3
check "daemon still running" rw_running rw
rw_summary
