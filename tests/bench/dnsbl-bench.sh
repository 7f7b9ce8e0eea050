#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# dnsbl-bench.sh - how long a DNSBL verdict takes when the lists are slow,
# and what the cache saves. Prints figures; asserts nothing about speed.
#
# Five block lists (bl1..bl5.bench.test), all served by one
# tests/dns/dnsstub.py in delay mode: every answer comes 200 ms after its
# query (each query on its own timer). relaywarden asks all of them at
# connect and waits at RCPT, so the verdict for a client no list names
# (192.0.2.101..105) should take ~200 ms, not 5 x 200 ms. 192.0.2.50 is
# listed by all five: its verdict waits one more round trip for the TXT
# records (asked only for a listing, for the reply text). Then the
# stub's query counter for a first connection from 192.0.2.50, from an
# unlisted 192.0.2.51, and for a repeated connection from 192.0.2.50
# (which should be 0: the cache answers).
#
#   RELAYWARDEN=milter/relaywarden tests/bench/dnsbl-bench.sh
#
# Env: RW_TEST_DIR (default /tmp/rw-dns), BENCH_DELAY_MS (200),
# BENCH_RUNS (5: sessions from distinct clients for the timing).
# Port 25190 (the stub). Exit 0, 1 when a session failed, 77 when skipped.

: "${RW_TEST_DIR:=/tmp/rw-dns}"
export RW_TEST_DIR
. "$(dirname "$0")/../integration/lib.sh"
rw_init bench miltertest ss /usr/bin/python3

P_STUB=25190
DELAY=${BENCH_DELAY_MS:-200}
RUNS=${BENCH_RUNS:-5}
STUB=$RW_TOP_SRCDIR/tests/dns/dnsstub.py
LUA_DIR=$RW_TOP_SRCDIR/tests/integration
COUNT=$T/run/stub.count
ZONES="bl1.bench.test bl2.bench.test bl3.bench.test bl4.bench.test bl5.bench.test"

if ss -Hlun "( sport = :$P_STUB )" | grep -q .; then
	fail "udp port $P_STUB in use"
	rw_summary
fi
zargs=""
for z in $ZONES; do zargs="$zargs --zone $z"; done
# shellcheck disable=SC2086
rw_bg stub "$T/log/stub.log" /usr/bin/python3 "$STUB" --count-file "$COUNT" $zargs \
    --listed 50.2.0.192 "delay:$DELAY" "127.0.0.1:$P_STUB"
rw_wait 10 sh -c "ss -Hlun '( sport = :$P_STUB )' | grep -q ." || { fail "stub did not start"; rw_summary; }

cat >"$T/rw.conf" <<EOF
# relaywarden benchmark configuration (dnsbl-bench.sh)
socket = unix:$T/run/rw.sock
pidfile = $T/run/rw.pid
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
EOF
rw_start_daemon rw "$T/rw.conf" || rw_summary

now_ms() { echo $(($(date +%s%N) / 1000000)); }
count() { tr -dc 0-9 <"$COUNT"; }

# session QID ADDR WANT - one miltertest session to the RCPT verdict;
# MS is its wall-clock duration (miltertest start-up included)
session() {
	local t0 rc
	t0=$(now_ms)
	miltertest -D sock="unix:$T/run/rw.sock" -D srcdir="$LUA_DIR" -D qid="$1" \
	    -D addr="$2" -D rcpts=bob@example.test -D want="$3" \
	    -s "$LUA_DIR/dns.lua" >"$T/log/mt-$1.txt" 2>&1
	rc=$?
	MS=$(($(now_ms) - t0))
	if [ $rc -ne 0 ]; then
		fail "session $1 ($2): miltertest exit $rc, see $T/log/mt-$1.txt"
		return 1
	fi
}

# baseline: a trusted client causes no DNS: the cost of miltertest itself
session BASE 127.0.0.1 CONTINUE || rw_summary
base=$MS

times=""
for i in $(seq "$RUNS"); do
	session "T$i" "192.0.2.$((100 + i))" CONTINUE || rw_summary
	times="$times $MS"
done
sorted=$(echo "$times" | tr ' ' '\n' | grep . | sort -n)
median=$(echo "$sorted" | sed -n "$(((RUNS + 1) / 2))p")

c0=$(count)
session FIRST 192.0.2.50 REPLYCODE || rw_summary
first_ms=$MS
sleep 0.3
c1=$(count)
session AGAIN 192.0.2.50 REPLYCODE || rw_summary
again_ms=$MS
sleep 0.3
c2=$(count)
session UNLISTED 192.0.2.51 CONTINUE || rw_summary
unlisted_ms=$MS
sleep 0.3
c3=$(count)

grep -q 'FIRST: stage=rcpt action=reject check=dnsbl .*listed in bl1\.bench\.test, bl2\.bench\.test, bl3\.bench\.test, bl4\.bench\.test, bl5\.bench\.test' \
    "$T/log/rw.log" && pass "FIRST refused, listed in all five lists" ||
    fail "FIRST: no reject line naming the five lists in $T/log/rw.log"

echo "# --------------------------------------------------------------"
echo "# 5 block lists, each answering after $DELAY ms (one stub, parallel timers)"
echo "# miltertest session without DNS (trusted client): $base ms"
echo "# connect -> RCPT verdict, $RUNS fresh unlisted clients (ms):$times"
echo "#   median $median ms (about $((median - base)) ms above the no-DNS session)"
echo "# stub queries, first connection from 192.0.2.50 (listed by all five): $((c1 - c0)) (${first_ms} ms)"
echo "# stub queries, repeated connection from 192.0.2.50: $((c2 - c1)) (${again_ms} ms)"
echo "# stub queries, first connection from 192.0.2.51 (unlisted): $((c3 - c2)) (${unlisted_ms} ms)"
check "the repeated connection was answered from the cache ($((c2 - c1)) queries)" test "$c2" -eq "$c1"
echo "README: DNSBL lookups run in parallel: with 5 lists each answering after $DELAY ms, a session reached its RCPT verdict in $median ms (median of $RUNS; $base ms without DNS); a repeated client caused $((c2 - c1)) DNS queries (cache)."
rw_summary
