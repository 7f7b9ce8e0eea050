#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# dns.sh - relaywarden's DNS checks against real DNS servers on loopback
# (tests/dns/fixtures.sh: unbound with the test zones and fault injection,
# rbldnsd with the lists, SERVFAIL and blackhole stubs), driven over the
# milter protocol with miltertest. Client addresses are data (192.0.2.x,
# 2001:db8::x in the milter connect information); nothing connects to
# them, and every daemon is given dns_servers on loopback: nothing here
# may use the system resolver.
#
# What it asserts, per daemon (each its own configuration and log):
#   main       FCrDNS pass (IPv4, IPv6) accepted with Authentication-Results
#              iprev=pass inserted at the top; mismatch, no PTR, forward
#              timeout, PTR SERVFAIL, PTR timeout -> 450 4.7.25 naming the
#              client; DNSBL listing -> 550 5.7.1 naming the list with the
#              list's TXT, hostile TXT sanitised; 127.255.255.254 is not a
#              listing and is logged loudly; an unfiltered 127.0.0.4 counts;
#              IPv6 client listed through the ip6trie; RHSBL on HELO,
#              sender and verified client name; postmaster@/abuse@ exempt;
#              a trusted client causes no DNS query; a repeated client
#              causes no new query (cache); one session stuck on a timeout
#              does not hold up another
#   reject     no PTR -> 550 5.7.25
#   tag        rdns and dnsbl "tag": accepted with X-Relaywarden-Tag;
#              mismatch with rdns_require_forward = no is no objection
#   score      filter, weights, threshold, a DNSWL with negative weight
#   named, named-tag
#              a list whose zone carries an access key (as Spamhaus DQS
#              zones do), configured with a display name: the reply and
#              the X-Relaywarden-Tag header name the list by its display
#              name, never the zone; the log reason names the zone
#   world      a list listing everything (127.0.0.1 too) is suspended by
#              its RFC 5782 probe; world-noprobe is the control
#   servfail, servfail-bl, blackhole, closed
#              DNS failures give 4xx only (450 4.7.25, 451 4.4.3), never a
#              5xx; the blackhole within dns_deadline; the daemon keeps
#              serving other sessions meanwhile
#   failopen   dns_fail_open = yes lets the mail through on SERVFAIL
#   (reload)   a SIGHUP while a session waits for DNS (blackhole): it
#              still gets its 4xx, and logs its DNS facts at debug level
#              after the reload (for the ThreadSanitizer build); a SIGHUP
#              that moves dns_servers while a query is in flight: the next
#              session asks the new server, the one in flight still ends
#
#   RELAYWARDEN=milter/relaywarden tests/integration/dns.sh
#
# Scratch: $RW_TEST_DIR/dns (RW_TEST_DIR defaults to /tmp/rw-dns here).
# Ports: 25153-25156 (fixtures), 25158 (must stay closed).
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

: "${RW_TEST_DIR:=/tmp/rw-dns}"
export RW_TEST_DIR
. "$(dirname "$0")/lib.sh"
rw_init dns miltertest unbound unbound-checkconf rbldnsd dig ss /usr/bin/python3

FIXTURES=$RW_TOP_SRCDIR/tests/dns/fixtures.sh
export RW_FIXTURES_DIR=$T/fixtures
export RW_DNS_PORT=25153 RW_RBL_PORT=25154 RW_SERVFAIL_PORT=25155 RW_BLACKHOLE_PORT=25156
P_CLOSED=25158
UNBOUND_LOG=$RW_FIXTURES_DIR/log/unbound.log
DEADLINE_MS=2000		# main daemon's dns_deadline
BH_DEADLINE_MS=1500		# blackhole daemon's dns_deadline

# -------------------------------------------------------------- fixtures
if ! "$FIXTURES" start >"$T/log/fixtures.out" 2>&1; then
	fail "DNS fixtures did not start: $(tail -3 "$T/log/fixtures.out" | tr '\n' ' ')"
	"$FIXTURES" stop >/dev/null 2>&1
	rw_summary
fi
for n in unbound rbldnsd servfail blackhole; do
	case $n in unbound | rbldnsd) w=$n ;; *) w=dnsstub.py ;; esac
	rw_track "dns-$n" "$(cat "$RW_FIXTURES_DIR/run/$n.pid")" "$w"
done
pass "DNS fixtures up ($(tail -1 "$T/log/fixtures.out" | sed 's/^fixtures: //'))"
if ss -Hltun "( sport = :$P_CLOSED )" 2>/dev/null | grep -q .; then
	fail "port $P_CLOSED must be closed for the closed-port case; something listens"
	rw_summary
fi

# -------------------------------------------------------------- daemons
DAEMONS=""

# daemon NAME [extra lines...] - write $T/NAME.conf and start it on
# unix:$T/run/NAME.sock, log $T/log/NAME.log
daemon() {
	local name=$1
	shift
	{
		echo "# relaywarden test configuration (dns.sh, $name)"
		echo "socket = unix:$T/run/$name.sock"
		echo "socket_mode = 0600"
		echo "pidfile = $T/run/$name.pid"
		echo "log_level = debug"
		echo "trusted_networks = 127.0.0.0/8, ::1/128"
		echo "local_domains = example.test, .example.test"
		echo "authserv_id = mx.example.test"
		echo "spf_check = no"	# SPF has tests of its own
		echo "spf_check_helo = no"
		local line
		for line in "$@"; do echo "$line"; done
	} >"$T/$name.conf"
	if ! "$RELAYWARDEN" -t -c "$T/$name.conf" >"$T/log/$name-t.out" 2>&1; then
		fail "$name: -t refuses the configuration: $(grep -v '^[a-z_]* ' "$T/log/$name-t.out" | head -3 | tr '\n' ' ')"
		return 1
	fi
	rw_start_daemon "$name" "$T/$name.conf" || return 1
	DAEMONS="$DAEMONS $name"
}

UNBOUND="dns_servers = 127.0.0.1:$RW_DNS_PORT"
QUICK=("dns_timeout = 500ms" "dns_retries = 2" "dns_deadline = ${DEADLINE_MS}ms"
    "dnsbl_probe_interval = 0")

daemon main "$UNBOUND" "${QUICK[@]}" "rdns_check = tempfail" "dnsbl = dnsbl.test" \
    "rhsbl_helo = rhsbl.test" "rhsbl_sender = rhsbl.test" "rhsbl_client = rhsbl.test"
daemon reject "$UNBOUND" "${QUICK[@]}" "rdns_check = reject"
daemon tag "$UNBOUND" "${QUICK[@]}" "rdns_check = tag" "rdns_require_forward = no" \
    "dnsbl = dnsbl.test" "dnsbl_action = tag"
daemon score "$UNBOUND" "${QUICK[@]}" "rdns_check = off" \
    "dnsbl = dnsbl.test=127.0.0.[2;10]*2, bl2.test, allow.test*-5" "dnsbl_threshold = 3"
DQS="s3cr3tk3y.zen.dq.test"	# the zone holds the "key" s3cr3tk3y
daemon named "$UNBOUND" "${QUICK[@]}" "rdns_check = off" \
    "dnsbl = dqs@$DQS=127.0.0.[2..11], bl2.test"
daemon named-tag "$UNBOUND" "${QUICK[@]}" "rdns_check = off" "dnsbl = dqs@$DQS" \
    "dnsbl_action = tag"
daemon world "$UNBOUND" "dns_timeout = 500ms" "dns_deadline = 2s" "rdns_check = off" \
    "dnsbl = world.test" "dnsbl_probe_interval = 10"
daemon world-noprobe "$UNBOUND" "${QUICK[@]}" "rdns_check = off" "dnsbl = world.test"
daemon servfail "dns_servers = 127.0.0.1:$RW_SERVFAIL_PORT" "${QUICK[@]}" "dnsbl = dnsbl.test"
daemon servfail-bl "dns_servers = 127.0.0.1:$RW_SERVFAIL_PORT" "${QUICK[@]}" "rdns_check = off" \
    "dnsbl = dnsbl.test"
# c-ares alone would try for 4 x 1 s; dns_deadline must cut it at 1.5 s
daemon blackhole "dns_servers = 127.0.0.1:$RW_BLACKHOLE_PORT" "dns_timeout = 1s" \
    "dns_retries = 3" "dns_deadline = ${BH_DEADLINE_MS}ms" "dnsbl_probe_interval = 0" \
    "dnsbl = dnsbl.test"
daemon closed "dns_servers = 127.0.0.1:$P_CLOSED" "${QUICK[@]}" "dnsbl = dnsbl.test"
daemon failopen "dns_servers = 127.0.0.1:$RW_SERVFAIL_PORT" "${QUICK[@]}" "dnsbl = dnsbl.test" \
    "dns_fail_open = yes"

# -------------------------------------------------------------- helpers
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# mt DAEMON QID ADDR RCPTS WANT [-D k=v...] - one session through
# dns.lua; passes when every check in it passed. MT_MS is its duration.
mt() {
	local d=$1 qid=$2 addr=$3 rcpts=$4 want=$5 rc t0 out
	shift 5
	out=$T/log/mt-$qid.txt
	t0=$(now_ms)
	miltertest -D sock="unix:$T/run/$d.sock" -D srcdir="$RW_HERE" -D qid="$qid" \
	    -D addr="$addr" -D rcpts="$rcpts" -D want="$want" "$@" \
	    -s "$RW_HERE/dns.lua" >"$out" 2>&1
	rc=$?
	MT_MS=$(($(now_ms) - t0))
	grep -E '^(FAIL|FATAL)' "$out" | sed 's/^/     | /'
	if [ $rc -eq 0 ]; then
		pass "$d $qid $addr: $(grep -c '^ok ' "$out") checks (${MT_MS} ms)"
	else
		fail "$d $qid $addr: miltertest exit $rc, see $out"
	fi
}

# line DAEMON DESC ERE - the daemon logged a matching line
line() { rw_expect_log "$1: $2" "$T/log/$1.log" "$3" 3; }
noline() { rw_expect_nolog "$1: $2" "$T/log/$1.log" "$3"; }

# verdict DAEMON QID ACTION CHECK REPLY - the RCPT verdict line of QID has
# that action, check and reply (ERE, anchored at the reply's start)
verdict() {
	line "$1" "$2 $3 by $4: $5" \
	    "$2: stage=rcpt action=$3 check=$4 .*reply=\"$5"
}

# queries ERE - how many queries unbound has logged for names matching ERE
queries() { grep -cE -- "info: 127\.0\.0\.1 ($1)" "$UNBOUND_LOG" 2>/dev/null; }

AR_PASS10="mx.example.test; iprev=pass policy.iprev=192.0.2.10 (client.example.test)"

# ============================================================== reverse DNS
mt main PASS4 192.0.2.10 bob@example.test CONTINUE -D eom=1 -D ar="$AR_PASS10" -D tag=
line main "PASS4 logged FCrDNS pass" 'PASS4: dns client=192\.0\.2\.10 ptr=ok rdns=pass name=client\.example\.test'
mt main PASS6 2001:db8::10 bob@example.test CONTINUE -D eom=1 \
    -D ar="mx.example.test; iprev=pass policy.iprev=2001:db8::10 (client.example.test)" -D tag=

mt main MIS 192.0.2.11 bob@example.test REPLYCODE
verdict main MIS tempfail rdns '450 4\.7\.25 Reverse DNS validation failed: mismatch\.example\.test does not resolve back to 192\.0\.2\.11'
mt main NOPTR 192.0.2.12 bob@example.test REPLYCODE
verdict main NOPTR tempfail rdns '450 4\.7\.25 Reverse DNS validation failed: 192\.0\.2\.12 has no PTR record'
mt reject NOPTR-R 192.0.2.12 bob@example.test REPLYCODE
verdict reject NOPTR-R reject rdns '550 5\.7\.25 Reverse DNS validation failed: 192\.0\.2\.12 has no PTR record'
mt main NOPTR6 2001:db8::12 bob@example.test REPLYCODE
verdict main NOPTR6 tempfail rdns '450 4\.7\.25 Reverse DNS validation failed: 2001:db8::12 has no PTR record'

mt main FWDTO 192.0.2.13 bob@example.test REPLYCODE
verdict main FWDTO tempfail rdns '450 4\.7\.25 Reverse DNS validation failed temporarily for 192\.0\.2\.13'
check "main FWDTO: forward lookup timeout answered within dns_deadline + 1 s (${MT_MS} ms)" \
    test "$MT_MS" -lt $((DEADLINE_MS + 1000))
mt main PTRSF 198.51.100.7 bob@example.test REPLYCODE
verdict main PTRSF tempfail rdns '450 4\.7\.25 Reverse DNS validation failed temporarily for 198\.51\.100\.7'
line main "PTRSF reason says SERVFAIL" 'PTRSF: stage=rcpt .*reason="rdns temperror \(PTR servfail\)'
mt main PTRTO 203.0.113.7 bob@example.test REPLYCODE
verdict main PTRTO tempfail rdns '450 4\.7\.25 Reverse DNS validation failed temporarily for 203\.0\.113\.7'
check "main PTRTO: PTR timeout answered within dns_deadline + 1 s (${MT_MS} ms)" \
    test "$MT_MS" -lt $((DEADLINE_MS + 1000))

# tag: accepted, with a tag header; mismatch is fine without rdns_require_forward
mt tag TAGNOPTR 192.0.2.12 bob@example.test CONTINUE -D eom=1 \
    -D ar="mx.example.test; iprev=permerror policy.iprev=192.0.2.12" -D tag="rdns=none"
mt tag TAGMIS 192.0.2.11 bob@example.test CONTINUE -D eom=1 \
    -D ar="mx.example.test; iprev=fail policy.iprev=192.0.2.11 (mismatch.example.test)" -D tag=
mt tag TAGBL 192.0.2.20 bob@example.test CONTINUE -D eom=1 \
    -D ar="mx.example.test; iprev=pass policy.iprev=192.0.2.20 (l20.example.test)" \
    -D tag="dnsbl=1 (dnsbl.test)"
noline tag "nothing refused under tag actions" 'action=(reject|tempfail)'

# ============================================================== DNSBL
mt main BL20 192.0.2.20 bob@example.test REPLYCODE
verdict main BL20 reject dnsbl '550 5\.7\.1 Client 192\.0\.2\.20 is listed in dnsbl\.test: Listed in dnsbl\.test, see http://dnsbl\.test/lookup\?ip=192\.0\.2\.20"'

mt main BL21 192.0.2.21 bob@example.test REPLYCODE
verdict main BL21 reject dnsbl '550 5\.7\.1 Client 192\.0\.2\.21 is listed in dnsbl\.test: Hostile TXT 550-5\.7\.1 injected \[31m red %s%n%% end for 192\.0\.2\.21"'
# The log line prints the reply as the daemon gave it to the MTA: any CR,
# LF, ESC, TAB or BEL of the TXT record would show up here raw.
n=$(grep -a 'BL21: stage=rcpt' "$T/log/main.log" | LC_ALL=C grep -c '[[:cntrl:]]')
check "main BL21: the reply carries no control characters from the hostile TXT ($n lines with some)" \
    test "$n" -eq 0
n=$(grep -ac '^550-5\.7\.1 injected' "$T/log/main.log")
check "main BL21: the TXT's CR did not start a line of its own ($n)" test "$n" -eq 0

mt main BL22 192.0.2.22 bob@example.test CONTINUE -D eom=1 \
    -D ar="mx.example.test; iprev=pass policy.iprev=192.0.2.22 (l22.example.test)"
line main "BL22 127.255.255.254 logged as a list error, loudly" \
    'list dnsbl\.test answered 127\.255\.255\.254 for client 192\.0\.2\.22: the list refuses queries'
line main "BL22 not treated as listed" 'BL22: stage=rcpt action=continue check=none'

mt main BL23 192.0.2.23 bob@example.test REPLYCODE
verdict main BL23 reject dnsbl '550 5\.7\.1 Client 192\.0\.2\.23 is listed in dnsbl\.test: Listed with code 4'

mt main BL6 2001:db8::21 bob@example.test REPLYCODE
verdict main BL6 reject dnsbl '550 5\.7\.1 Client 2001:db8::21 is listed in dnsbl\.test: Listed in dnsbl\.test \(IPv6\)'

# RHSBL: HELO name, sender domain, verified client name
mt main RHH 192.0.2.10 bob@example.test REPLYCODE -D helo=bad.example.test
verdict main RHH reject dnsbl '550 5\.7\.1 Client 192\.0\.2\.10 is listed in rhsbl\.test: Domain bad\.example\.test is listed'
mt main RHS 192.0.2.10 bob@example.test REPLYCODE -D from=someone@mail.bad.example.test
verdict main RHS reject dnsbl '550 5\.7\.1 Client 192\.0\.2\.10 is listed in rhsbl\.test: Domain bad\.example\.test is listed'
mt main RHC 192.0.2.28 bob@example.test REPLYCODE
verdict main RHC reject dnsbl '550 5\.7\.1 Client 192\.0\.2\.28 is listed in rhsbl\.test'
mt main RHOK 192.0.2.10 bob@example.test CONTINUE -D helo=client.example.test -D from=a@example.test

# exempt recipients, for listed and for rDNS-failing clients
mt main EXBL 192.0.2.20 postmaster@example.test,bob@example.test,abuse@example.test,Postmaster \
    CONTINUE,REPLYCODE,CONTINUE,CONTINUE -D eom=1
verdict main EXBL reject dnsbl '550 5\.7\.1 Client 192\.0\.2\.20 is listed'
mt main EXRD 192.0.2.12 postmaster@example.test,bob@example.test CONTINUE,REPLYCODE
verdict main EXRD tempfail rdns '450 4\.7\.25 '

# score: dnsbl.test=127.0.0.[2;10]*2, bl2.test (1), allow.test*-5, threshold 3
mt score SC20 192.0.2.20 bob@example.test CONTINUE	# 2 < 3
mt score SC26 192.0.2.26 bob@example.test REPLYCODE	# 2 + 1
verdict score SC26 reject dnsbl '550 5\.7\.1 Client 192\.0\.2\.26 is listed in dnsbl\.test, bl2\.test'
line score "SC26 reason shows the score" 'SC26: stage=rcpt .*reason="listed in dnsbl\.test, bl2\.test \(score 3, threshold 3\)'
mt score SC24 192.0.2.24 bob@example.test CONTINUE	# 2 + 1 - 5: the allow list wins
mt score SC23 192.0.2.23 bob@example.test CONTINUE	# 127.0.0.4 filtered out: 0 + 1
mt score SC21 192.0.2.21 bob@example.test CONTINUE	# 127.0.0.10 passes the filter: 2 < 3
noline score "allow list never named in a refusal" 'reply=.*allow\.test'

# display names: a zone carrying an access key never reaches the client
mt named NAMED 192.0.2.20 bob@example.test REPLYCODE
verdict named NAMED reject dnsbl '550 5\.7\.1 Client 192\.0\.2\.20 is listed in dqs: Listed by the query service for 192\.0\.2\.20"'
mt named NAMED2 192.0.2.26 bob@example.test REPLYCODE
verdict named NAMED2 reject dnsbl '550 5\.7\.1 Client 192\.0\.2\.26 is listed in bl2\.test: '
line named "NAMED reason (log only) names the zone" \
    'NAMED: stage=rcpt .*reason="listed in s3cr3tk3y\.zen\.dq\.test \(score 1'
noline named "the key is in no reply" 'reply="[^"]*s3cr3tk3y'
mt named-tag NAMEDTAG 192.0.2.20 bob@example.test CONTINUE -D eom=1 -D tag="dnsbl=1 (dqs)"
n=$(grep -c 's3cr3tk3y' "$T/log/mt-NAMEDTAG.txt")
check "named-tag NAMEDTAG: the key is in no header the milter added ($n lines)" test "$n" -eq 0

# ============================================================== trusted client
before=$(queries '5\.0\.0\.127')
mt main TRUST 127.0.0.5 alice@outside.test CONTINUE -D eom=1 -D ar= -D tag=
sleep 0.5
after=$(queries '5\.0\.0\.127')
check "main TRUST: 127.0.0.5 (trusted) caused no DNS query ($before -> $after)" test "$after" -eq "$before"
noline main "TRUST no DNS facts gathered" 'TRUST: dns client='
noline main "TRUST no lookup of 5.0.0.127" 'dns: 5\.0\.0\.127'

# ============================================================== cache
re27='27\.2\.0\.192|l27\.example\.test'
q0=$(queries "$re27")
mt main CACHE1 192.0.2.27 bob@example.test REPLYCODE
sleep 0.5
q1=$(queries "$re27")
mt main CACHE2 192.0.2.27 bob@example.test REPLYCODE
sleep 0.5
q2=$(queries "$re27")
check "main CACHE1: the first connection from 192.0.2.27 queried DNS ($((q1 - q0)) queries)" \
    test $((q1 - q0)) -gt 0
check "main CACHE2: the repeated connection caused no new query ($((q2 - q1)))" test "$q2" -eq "$q1"
verdict main CACHE2 reject dnsbl '550 5\.7\.1 Client 192\.0\.2\.27 is listed in dnsbl\.test: Listed in dnsbl\.test'

# ============================================================== concurrency
# A: its PTR query is dropped (deny zone): it waits up to dns_deadline.
# B: 192.0.2.10, all answers cached: must not wait for A.
t0=$(now_ms)
(mt main SLOWA 203.0.113.9 bob@example.test REPLYCODE >"$T/log/slowa.result"; now_ms >"$T/log/slowa.end") &
bg=$!
sleep 0.3
mt main FASTB 192.0.2.10 bob@example.test CONTINUE
b_end=$(now_ms)
wait "$bg"
a_end=$(cat "$T/log/slowa.end" 2>/dev/null || echo 0)
sed 's/^/     /' "$T/log/slowa.result"
grep -q '^ok ' "$T/log/slowa.result" && pass "main SLOWA: completed" || fail "main SLOWA: $(cat "$T/log/slowa.result")"
check "main FASTB: answered in ${MT_MS} ms while SLOWA waited (< 1000 ms)" test "$MT_MS" -lt 1000
check "main FASTB finished before SLOWA (B at +$((b_end - t0)) ms, A at +$((a_end - t0)) ms)" \
    test "$b_end" -lt "$a_end"
check "main SLOWA: bounded by dns_deadline + 1 s (+$((a_end - t0)) ms)" \
    test $((a_end - t0)) -lt $((DEADLINE_MS + 1000))
verdict main SLOWA tempfail rdns '450 4\.7\.25 Reverse DNS validation failed temporarily for 203\.0\.113\.9'

# ============================================================== faults
mt servfail SF 192.0.2.10 bob@example.test REPLYCODE
verdict servfail SF tempfail rdns '450 4\.7\.25 Reverse DNS validation failed temporarily for 192\.0\.2\.10'
mt servfail-bl SFBL 192.0.2.10 bob@example.test REPLYCODE
verdict servfail-bl SFBL tempfail dnsbl '451 4\.4\.3 '
mt failopen FO 192.0.2.10 bob@example.test CONTINUE -D eom=1 \
    -D ar="mx.example.test; iprev=temperror policy.iprev=192.0.2.10"

mt closed CL 192.0.2.10 bob@example.test REPLYCODE
line closed "CL closed DNS port: a 4xx" 'CL: stage=rcpt action=tempfail check=(rdns|dnsbl) .*reply="4[0-9][0-9] 4\.'
check "closed CL: answered within dns_deadline + 1 s (${MT_MS} ms)" test "$MT_MS" -lt $((DEADLINE_MS + 1000))

t0=$(now_ms)
(mt blackhole BHA 192.0.2.10 bob@example.test REPLYCODE >"$T/log/bha.result"; now_ms >"$T/log/bha.end") &
bg=$!
sleep 0.3
mt blackhole BHT 127.0.0.1 alice@outside.test CONTINUE
b_end=$(now_ms)
wait "$bg"
a_end=$(cat "$T/log/bha.end" 2>/dev/null || echo 0)
sed 's/^/     /' "$T/log/bha.result"
grep -q '^ok ' "$T/log/bha.result" && pass "blackhole BHA: completed" || fail "blackhole BHA: $(cat "$T/log/bha.result")"
bha=$((a_end - t0))
check "blackhole BHA: 4xx within dns_deadline ${BH_DEADLINE_MS} ms + 1 s (took ~$bha ms)" \
    test "$bha" -lt $((BH_DEADLINE_MS + 1000))
check "blackhole BHA: it did wait for DNS (>= $((BH_DEADLINE_MS / 2)) ms)" test "$bha" -ge $((BH_DEADLINE_MS / 2))
verdict blackhole BHA tempfail rdns '450 4\.7\.25 Reverse DNS validation failed temporarily for 192\.0\.2\.10'
check "blackhole BHT: a trusted session was served meanwhile, in ${MT_MS} ms (< 1000), before BHA ended" \
    test "$MT_MS" -lt 1000 -a "$b_end" -lt "$a_end"
bq=$(tr -dc 0-9 <"$RW_FIXTURES_DIR/run/blackhole.count")
check "blackhole: the stub did receive the queries ($bq)" test "${bq:-0}" -gt 0

for d in servfail servfail-bl blackhole closed failopen; do
	noline "$d" "a DNS failure never gives a 5xx" 'reply="5'
done

# ============================================================== probes
rw_expect_log "world: the RFC 5782 probe suspends world.test (it lists 127.0.0.1)" "$T/log/world.log" \
    'list world\.test suspended: failed its RFC 5782 probe: 1\.0\.0\.127\.world\.test is listed' 10
mt world WORLD 192.0.2.10 bob@example.test CONTINUE
mt world-noprobe WORLDNP 192.0.2.10 bob@example.test REPLYCODE
verdict world-noprobe WORLDNP reject dnsbl '550 5\.7\.1 Client 192\.0\.2\.10 is listed in world\.test'

# ============================================================== reload
# SIGHUP while a session waits for its lookups: the session (and later
# the resolver thread) log at debug level once the new configuration is
# in place. The ThreadSanitizer build of tests/run-suite.sh runs this
# too: the reload and those threads must share nothing unsynchronised
# (log_level's switch was, until it became atomic).
(mt blackhole BHR 192.0.2.50 bob@example.test REPLYCODE >"$T/log/bhr.result") &
bg=$!
sleep 0.3
kill -HUP "$(rw_pid_of blackhole)"
wait "$bg"
sed 's/^/     /' "$T/log/bhr.result"
grep -q '^ok ' "$T/log/bhr.result" && pass "blackhole BHR: completed across a SIGHUP" ||
    fail "blackhole BHR: $(cat "$T/log/bhr.result")"
verdict blackhole BHR tempfail rdns '450 4\.7\.25 Reverse DNS validation failed temporarily for 192\.0\.2\.50'
rw_expect_log "blackhole: reloaded during BHR's lookup" "$T/log/blackhole.log" 'reloaded .*/blackhole\.conf'
check "blackhole: BHR's DNS facts were logged (debug) after the reload" \
    awk '/reloaded .*blackhole\.conf/ { r = NR } r && NR > r && /debug: BHR: dns client=/ { f = 1 } END { exit !f }' \
    "$T/log/blackhole.log"

# A reload that moves dns_servers while a lookup is still in flight to the
# old server (the blackhole keeps it there for dns_timeout x tries = 4 s).
# c-ares 1.18 refuses new servers on a channel with queries outstanding;
# they were lost with "cannot use dns_servers" until the resolver thread
# opened a new channel for them. A session after the reload is answered
# by the new server (unbound: FCrDNS pass, which the blackhole can never
# give), and the lookup in flight still ends as it would have.
(mt blackhole BHM 192.0.2.51 bob@example.test REPLYCODE >"$T/log/bhm.result") &
bg=$!
sleep 0.3
sed -i "s/^dns_servers = .*/$UNBOUND/" "$T/blackhole.conf"
kill -HUP "$(rw_pid_of blackhole)"
reloads() { test "$(grep -c 'reloaded .*/blackhole\.conf' "$T/log/blackhole.log")" -ge 2; }
check "blackhole: reloaded with dns_servers moved to unbound" rw_wait 5 reloads
# (2001:db8::10: no lookup of it is pending on the old channel to join)
mt blackhole MOVED 2001:db8::10 bob@example.test CONTINUE -D eom=1 \
    -D ar="mx.example.test; iprev=pass policy.iprev=2001:db8::10 (client.example.test)" -D tag=
line blackhole "MOVED: FCrDNS pass, answered by the new server" \
    'MOVED: dns client=2001:db8::10 ptr=ok rdns=pass name=client\.example\.test'
wait "$bg"
sed 's/^/     /' "$T/log/bhm.result"
grep -q '^ok ' "$T/log/bhm.result" && pass "blackhole BHM: completed across the move" ||
    fail "blackhole BHM: $(cat "$T/log/bhm.result")"
verdict blackhole BHM tempfail rdns '450 4\.7\.25 Reverse DNS validation failed temporarily for 192\.0\.2\.51'
noline blackhole "the moved dns_servers were taken" 'cannot use dns_servers'

# ============================================================== the end
for d in $DAEMONS; do
	noline "$d" "no internal errors" '451 4\.3\.0|internal error'
	check "$d: still running" rw_running "$d"
done
# stop all daemons at once (libmilter takes 1-3 s each to stop)
for d in $DAEMONS; do kill -TERM "$(rw_pid_of "$d")" 2>/dev/null; done
for d in $DAEMONS; do rw_stop "$d"; done
nq=$(grep -c 'info: ' "$UNBOUND_LOG")
rw_note "unbound saw $nq queries; rbldnsd $(wc -l <"$RW_FIXTURES_DIR/log/rbldnsd.queries")"
rw_summary
