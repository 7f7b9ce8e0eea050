#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# stop-time.sh - how long relaywarden takes from SIGTERM to exit (issue
# 11, item 5: "SIGTERM takes about 4-5 s", libmilter's listener poll; the
# stop itself is issue 12's drain, main.c). Prints figures; asserts
# nothing about speed.
#
# For a unix socket and an inet socket (127.0.0.1:25340), with the DNS
# checks, SPF and the list prober on (DNS to 127.0.0.1:25341, where
# nothing listens: every query fails at once), ROUNDS times each:
#   fresh       SIGTERM 0.5 s after start, no session ever served
#   after       20 sessions served (tests/drills/milterclient.py), all
#               closed, 1 s idle (libmilter's worker pool has idle
#               workers and its controller polls), then SIGTERM
#   in flight   20 sessions each pausing 1 s before end of message,
#               SIGTERM while they pause: how long until exit, and how
#               many of them got every reply
#
#   RELAYWARDEN=milter/relaywarden tests/bench/stop-time.sh
#
# Env: RW_TEST_DIR (default /tmp/rw-bench), BENCH_ROUNDS (3). Prints "N
# passed, N failed" last (sessions in flight all finished, exit status
# 0; nothing about speed); exit 0, 1, or 77 (skipped).

: "${RW_TEST_DIR:=/tmp/rw-bench}"
export RW_TEST_DIR
. "$(dirname "$0")/../integration/lib.sh"
rw_init stop-time /usr/bin/python3 ss
P_INET=25340 P_DNS=25341
ROUNDS=${BENCH_ROUNDS:-3}
CLIENT=$RW_TOP_SRCDIR/tests/drills/milterclient.py
LOG=$T/log/rw.log
rw_ports_free $P_INET

ms() { echo $(($(date +%s%N) / 1000000)); }

# conf SOCKET
conf() {
	cat >"$T/rw.conf" <<EOF
# relaywarden benchmark configuration (stop-time.sh)
socket = $1
socket_mode = 0666
pidfile =
dns_servers = 127.0.0.1:$P_DNS
dns_timeout = 500ms
rdns_check = tempfail
spf_check = yes
dnsbl = bl.stop.test
drain_time = 10s
EOF
}

# stop_ms - SIGTERM the daemon "rw", wait for it; STOP_MS, STOP_RC
stop_ms() {
	local pid t0
	pid=$(rw_pid_of rw)
	t0=$(ms)
	kill -TERM "$pid"
	wait "$pid"
	STOP_RC=$?
	STOP_MS=$(($(ms) - t0))
	rw_stop rw
}

: >"$T/log/figures.txt"
for sock in "unix:$T/run/rw.sock" "inet:$P_INET@127.0.0.1"; do
	kind=${sock%%:*}
	conf "$sock"
	for r in $(seq "$ROUNDS"); do
		: >"$LOG"
		rw_start_daemon rw "$T/rw.conf" || rw_summary
		sleep 0.5
		stop_ms
		echo "$kind fresh $STOP_MS" >>"$T/log/figures.txt"
		check "$kind fresh: exit status 0 (got $STOP_RC)" test "$STOP_RC" -eq 0

		: >"$LOG"
		rw_start_daemon rw "$T/rw.conf" || rw_summary
		python3 "$CLIENT" "$sock" sessions 20 >"$T/log/after.out" 2>&1
		sleep 1
		stop_ms
		echo "$kind after $STOP_MS" >>"$T/log/figures.txt"
		check "$kind after traffic: exit status 0 (got $STOP_RC)" test "$STOP_RC" -eq 0

		: >"$LOG"
		rw_start_daemon rw "$T/rw.conf" || rw_summary
		python3 "$CLIENT" "$sock" sessions 20 --pause 1 >"$T/log/inflight.out" 2>&1 &
		cpid=$!
		rw_wait 10 sh -c "[ \$(grep -c 'stage=rcpt' '$LOG') -ge 20 ]" ||
		    fail "$kind in flight: the sessions did not reach RCPT"
		stop_ms
		wait $cpid
		ok=$(grep -c ' ok ' "$T/log/inflight.out")
		echo "$kind inflight $STOP_MS $ok" >>"$T/log/figures.txt"
		check "$kind in flight: all 20 sessions got every reply ($ok ok), exit status 0 (got $STOP_RC)" \
		    test "$ok" -eq 20 -a "$STOP_RC" -eq 0
	done
done

echo "# --------------------------------------------------------------"
echo "# SIGTERM -> exit, ms ($ROUNDS rounds each):"
for kind in unix inet; do
	for c in fresh after inflight; do
		printf '#   %-5s %-9s %s\n' "$kind" "$c" \
		    "$(awk -v k="$kind" -v c="$c" '$1 == k && $2 == c { printf "%s ", $3 }' "$T/log/figures.txt")"
	done
done
echo "#   (in flight: 20 sessions pausing 1 s at SIGTERM; they finish, then exit)"
rw_summary
