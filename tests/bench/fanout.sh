#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# fanout.sh - 100 sessions opened at once against 5 slow block lists
# (issue 11, item 4): how long until each got its RCPT verdict. Prints
# figures; asserts nothing about speed.
#
# Five lists (bl1..bl5.fanout.test) behind tests/dns/dnsstub.py in delay
# mode: every answer 200 ms after its query, each on its own timer.
# tests/bench/fanout.py opens N sessions at once (one barrier), each from
# its own client address, so that every session asks every list; each
# round uses new addresses (no cache hits). Figures per round: when the
# negotiation reply and the RCPT verdict came (p50, p99, max, counted from
# the common start). Every client is listed, so its verdict waits for the
# A answers and then the TXT (issue 11, 3): the ideal is two DNS delays,
# ~400 ms, for all; with BENCH_UNLISTED=1 one, ~200 ms.
#
#   RELAYWARDEN=milter/relaywarden tests/bench/fanout.sh
#
# Env: RW_TEST_DIR (default /tmp/rw-bench), BENCH_N (100), BENCH_ROUNDS
# (3), BENCH_DELAY_MS (200), BENCH_UNLISTED (0; 1: no client is listed, so
# no TXT follows the A queries: the ideal is one DNS delay, not two),
# BENCH_STUB_PORT (25330: the stub, udp+tcp, loopback), BENCH_EVENTS (0;
# 1: fanout.py --events, one thread drives every session and sends each
# command as soon as the last is answered, instead of N Python threads).
# Per round it also
# prints threads_max, the most threads the daemon had while the round ran
# (sampled every 20 ms): how far libmilter's worker pool grew.
# Prints "N passed, N failed" last (every session answered, nothing about
# speed); exit 0, 1, or 77 (skipped).

: "${RW_TEST_DIR:=/tmp/rw-bench}"
export RW_TEST_DIR
. "$(dirname "$0")/../integration/lib.sh"
rw_init fanout ss /usr/bin/python3

P_STUB=${BENCH_STUB_PORT:-25330}
N=${BENCH_N:-100}
ROUNDS=${BENCH_ROUNDS:-3}
DELAY=${BENCH_DELAY_MS:-200}
EVENTS=""
[ "${BENCH_EVENTS:-0}" = 1 ] && EVENTS=--events
ZONES="bl1.fanout.test bl2.fanout.test bl3.fanout.test bl4.fanout.test bl5.fanout.test"
COUNT=$T/run/stub.count

zargs=""
for z in $ZONES; do zargs="$zargs --zone $z"; done
# --listed with a name no session uses: every client is unlisted
[ "${BENCH_UNLISTED:-0}" = 1 ] && zargs="$zargs --listed none"

# shellcheck disable=SC2086
rw_dns_stub "$P_STUB" --count-file "$COUNT" $zargs "delay:$DELAY"

cat >"$T/rw.conf" <<EOF2
# relaywarden benchmark configuration (fanout.sh)
socket = unix:$T/run/rw.sock
socket_mode = 0666
pidfile =
trusted_networks = 127.0.0.0/8, ::1/128
local_domains = example.test
dns_servers = 127.0.0.1:$P_STUB
dns_timeout = 2s
dns_deadline = 5s
rdns_check = off
spf_check = no
spf_check_helo = no
dnsbl_probe_interval = 0
dnsbl = $(echo "$ZONES" | sed 's/ /, /g')
dnsbl_threshold = 3
EOF2
rw_start_daemon rw "$T/rw.conf" || rw_summary
PID=$(rw_pid_of rw)

# drops local|remote - datagrams the kernel dropped (socket buffer full)
# so far, on the stub's socket (local) or on the sockets that talk to it
# (remote: relaywarden's c-ares socket), from /proc/net/udp
HEXPORT=$(printf '%04X' $P_STUB)
drops() {
	awk -v w="$1" -v p=":$HEXPORT" 'NR > 1 && ((w == "local" && substr($2, 9) == p) ||
	    (w == "remote" && substr($3, 9) == p)) { d += $NF } END { print d + 0 }' /proc/net/udp
}
: >"$T/log/rounds.txt"
# udp_errs - the machine's UDP receive-buffer drops so far (all sockets,
# this network namespace)
udp_errs() { awk '/^Udp:/ { n++; if (n == 2) print $6 }' /proc/net/snmp; }
for r in $(seq "$ROUNDS"); do
	c0=$(tr -dc 0-9 <"$COUNT" 2>/dev/null || echo 0)
	e0=$(udp_errs)
	echo 0 >"$T/run/threads.max"
	(
		m=0
		while [ ! -e "$T/run/threads.stop" ]; do
			t=$(sed -n 's/^Threads:[[:space:]]*//p' "/proc/$PID/status" 2>/dev/null)
			[ "${t:-0}" -gt "$m" ] && m=$t && echo "$m" >"$T/run/threads.max"
			sleep 0.02
		done
	) &
	SAMPLER=$!
	if /usr/bin/python3 "$RW_TOP_SRCDIR/tests/bench/fanout.py" "unix:$T/run/rw.sock" "$N" \
	    --net "10.$((10 + r))" --label "round$r" $EVENTS >>"$T/log/rounds.txt" 2>&1; then
		pass "round $r: all $N sessions got their RCPT verdict"
	else
		fail "round $r: not every session was answered: $(grep replies "$T/log/rounds.txt" | tail -1)"
	fi
	sleep 0.5
	: >"$T/run/threads.stop"
	wait "$SAMPLER"
	rm -f "$T/run/threads.stop"
	c1=$(tr -dc 0-9 <"$COUNT" 2>/dev/null || echo 0)
	echo "round$r dns_queries $((${c1:-0} - ${c0:-0})) udp_drops stub $(drops local) relaywarden $(drops remote) machine $(($(udp_errs) - e0)) threads_now $(sed -n 's/^Threads:[[:space:]]*//p' "/proc/$PID/status") threads_max $(cat "$T/run/threads.max")" >>"$T/log/rounds.txt"
done
echo "# --------------------------------------------------------------"
echo "# $N sessions at once, 5 lists x $DELAY ms, ms from the common start:"
sed 's/^/#   /' "$T/log/rounds.txt"
rw_summary
