#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# fdlimit.sh - the descriptor-limit drill (issue 12, item 2): under a low
# descriptor limit and more concurrent sessions than max_sessions, the
# sessions over the cap get "451 4.3.2" at once, the refusals are logged
# (at most one line per 10 s, with a count), and the daemon does not spin
# (its CPU time over the run is printed and bounded).
#
#   RELAYWARDEN=milter/relaywarden tests/drills/fdlimit.sh
#   RW_DRILL_N=2000 RELAYWARDEN=... tests/drills/fdlimit.sh   (long form)
#
# 1. max_sessions = 40 under "ulimit -n 256": N (default 120) sessions
#    connect at once and stay open 6 s; 40 are served, the rest refused.
# 2. max_sessions = 0 (from the limit) with the soft limit at 128 and the
#    hard at 256: the daemon raises the soft limit to 256 and logs it, the
#    cap is 192; 2 x N (default 240) sessions at once.
# CPU time is utime+stime from /proc/PID/stat, in clock ticks (1/100 s);
# a spin on a failing accept() burns about 100 ticks a second.
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/../integration/lib.sh"
rw_init fdlimit python3
CLIENT=$RW_TOP_SRCDIR/tests/drills/milterclient.py
SOCK=unix:$T/run/rw.sock
LOG=$T/log/rw.log
N=${RW_DRILL_N:-120}
REAL=$RELAYWARDEN

conf() { rw_session_conf "$T/rw.conf" "max_sessions = $1"; }

# limited SOFT HARD - a wrapper that starts relaywarden under those
# limits; named relaywarden, so that lib.sh's PID-reuse guard (the name
# in /proc/PID/cmdline) still knows the daemon after the exec
limited() {
	mkdir -p "$T/limited"
	printf '#!/bin/sh\nulimit -Sn %s && ulimit -Hn %s || exit 1\nexec "%s" "$@"\n' \
	    "$1" "$2" "$REAL" >"$T/limited/relaywarden"
	chmod +x "$T/limited/relaywarden"
	RELAYWARDEN=$T/limited/relaywarden
}

cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# drill NAME SESSIONS CAP - SESSIONS held at once against cap CAP
drill() {
	local name=$1 n=$2 cap=$3 pid c0 c1 served refused slow other lines
	pid=$(rw_pid_of rw)
	c0=$(cpu "$pid")
	python3 "$CLIENT" "$SOCK" hold "$n" --wait 6 >"$T/log/$name.out" 2>&1
	c1=$(cpu "$pid")
	served=$(grep -c ' connected ' "$T/log/$name.out")
	refused=$(grep -c ' refused .*451 4\.3\.2 Too many' "$T/log/$name.out")
	other=$(grep -Evc ' (connected|refused) |^held$' "$T/log/$name.out")
	slow=$(awk '$3 == "refused" { if ($4 > m) m = $4 } END { print m + 0 }' "$T/log/$name.out")
	check "$name: $cap of $n sessions served (got $served)" test "$served" -eq "$cap"
	check "$name: the other $((n - cap)) got 451 4.3.2 (got $refused), none failed ($other)" \
	    test "$refused" -eq $((n - cap)) -a "$other" -eq 0
	check "$name: each refusal within 2 s (slowest ${slow}s)" \
	    awk -v t="$slow" 'BEGIN { exit !(t < 2) }'
	rw_expect_log "$name: the refusals are logged" "$LOG" \
	    "too many sessions: [0-9]+ open, limit $cap .*refused with 451 4\.3\.2"
	lines=$(grep -c 'too many sessions: [0-9]* open' "$LOG")
	check "$name: rate-limited: one such line for the burst (got $lines)" test "$lines" -eq 1
	rw_expect_log "$name: the rest of the burst is counted within 25 s" "$LOG" \
	    'too many sessions: [0-9]+ more new sessions? refused' 25
	rw_note "figure: $name: CPU $((c1 - c0)) ticks while $n sessions connected, $cap held 6 s"
	check "$name: no spin (CPU $((c1 - c0)) ticks < 300 over the 6 s hold)" \
	    test $((c1 - c0)) -lt 300
	check "$name: daemon still running" rw_running rw
}

# ------------------------------------------------------------ 1. max_sessions
conf 40
limited 256 256
rw_start_daemon rw "$T/rw.conf" || rw_summary
rw_expect_log "1: start-up log: limit 256, sessions at most 40" "$LOG" \
    'descriptor limit 256 \(soft was 256, hard 256\); sessions at most 40,'
drill 1 "$N" 40
rw_stop rw

# ------------------------------------------------------------ 2. from the limit
: >"$LOG"
conf 0
limited 128 256
rw_start_daemon rw "$T/rw.conf" || rw_summary
rw_expect_log "2: soft limit raised from 128 to the hard 256, cap 192" "$LOG" \
    'descriptor limit 256 \(soft was 128, hard 256\); sessions at most 192 \(max_sessions = 0'
drill 2 $((2 * N)) 192
rw_stop rw
rw_summary
