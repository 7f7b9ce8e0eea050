#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# dns.sh - fault drill: the DNS server relaywarden uses (the fixtures'
# unbound) killed with SIGKILL during N messages, restarted; then frozen
# with SIGSTOP during N more, thawed with SIGCONT. Each message comes from
# its own client address, so each asks the DNS (DNSBL dnsbl.test); the
# client retries every 4xx with the same address. Asserts, per phase: the
# outage was felt (4xx came while it lasted); every refusal was a DNS
# tempfail of relaywarden's (451 4.4.3, 450 4.7.25, 451 4.7.24), never a
# 5xx, never a dropped session or Postfix's own 451 4.7.1; every message
# accepted once the DNS was back and at the sink exactly once.
#
#   RELAYWARDEN=build/milter/relaywarden tests/drills/dns.sh   (as root)
#
# N: 100 per phase (short), 1000 (DRILL_LONG=1). Ports: see lib.sh.
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
drill_init dns
N=100 FELT=8
[ "$DRILL_LONG" = 1 ] && N=1000 FELT=50
drill_stack
ALLOWED='reply 451 4\.4\.3|reply 450 4\.7\.25|reply 451 4\.7\.24'

unbound_pid() { rw_pid_of dns-unbound; }

# phase TAG NET BREAK MEND - N messages from clients in NET.0.0/16 (one
# the DNS cache has not seen); at N/4 run BREAK, keep the DNS broken until
# the client has had FELT more tempfails, then run MEND
phase() {
	local tag=$1 net=$2 brk=$3 mend=$4 t0 at felt other f5 netb
	drill_client "$tag" --count "$N" --concurrency 8 --give-up 300 --net "$net"
	if ! drill_wait_progress "$tag" 1 $((N / 4)) 300; then
		fail "$tag: the client stopped before $((N / 4)) messages"
		drill_client_wait "$tag"
		return 1
	fi
	at=$(drill_progress "$tag") t0=$(drill_progress "$tag" 3)
	"$brk"
	drill_wait_progress "$tag" 3 $((t0 + FELT)) 120
	felt=$(($(drill_progress "$tag" 3) - t0))
	"$mend"
	check "$tag: DNS broken at $at of $N messages; $felt tempfails while it was ($FELT wanted)" \
	    test "$felt" -ge "$FELT"
	drill_client_wait "$tag"
	f5=$(drill_count 'reply 5[0-9][0-9]( [0-9.]+)?' "$tag")
	other=$(grep -Ev "^($ALLOWED|reply 250|messages=)" "$T/log/client-$tag.out" | tr '\n' ' ')
	check "$tag: no 5xx ($f5)" test "$f5" -eq 0
	check "$tag: every refusal a DNS tempfail (451 4.4.3, 450 4.7.25, 451 4.7.24)${other:+; also: $other}" \
	    test -z "$other"
	check "$tag: all $N messages accepted after the DNS came back ($DRILL_ACCEPTED; $DRILL_GIVEN_UP given up)" \
	    test "$DRILL_ACCEPTED" -eq "$N"
	drill_expect_once "$tag"
	netb=$(drill_count "$ALLOWED" "$tag")
	FIG="$FIG; $tag: $N messages, $DRILL_ATTEMPTS sessions, $netb DNS tempfails ($(grep -E "^($ALLOWED) " "$T/log/client-$tag.out" | sed 's/^reply //' | tr '\n' ',' | sed 's/,$//')), $f5 5xx, $(wc -l <"$T/run/$tag.sink") at the sink once each"
}

kill_dns() {
	kill -KILL "$(unbound_pid)"
	rw_wait 5 rw_pid_gone "$(unbound_pid)"
	wait "$(unbound_pid)" 2>/dev/null
}
restart_dns() {
	rw_bg dns-unbound "$RW_FIXTURES_DIR/log/unbound.out" unbound -d -c "$RW_FIXTURES_DIR/unbound.conf"
	echo "$RW_BGPID" >"$RW_FIXTURES_DIR/run/unbound.pid"
	if rw_wait 10 sh -c "dig +short +time=1 +tries=1 -p $RW_DNS_PORT @127.0.0.1 example.test SOA | grep -q hostmaster"; then
		pass "unbound restarted (pid $RW_BGPID) and answers"
	else
		fail "unbound did not come back (see $RW_FIXTURES_DIR/log/unbound.out)"
	fi
}
stop_dns() { kill -STOP "$(unbound_pid)"; }
cont_dns() { kill -CONT "$(unbound_pid)"; }

FIG=""
phase dnskill 198.18 kill_dns restart_dns
phase dnsfreeze 198.19 stop_dns cont_dns
check "relaywarden running after the drill" rw_running rw
rw_expect_nolog "relaywarden: no internal errors" "$LOG" '451 4\.3\.0|internal error'
echo "FIGURES dns: ${FIG#; }"
rw_summary
