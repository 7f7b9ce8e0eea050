#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# postfix-dns.sh - relaywarden's DNS checks end to end: swaks -> Postfix
# smtpd (contrib/postfix/main.cf.relaywarden pasted into its main.cf) ->
# relaywarden (DNS from tests/dns/fixtures.sh) -> smtp-sink. XCLIENT gives
# the client addresses (192.0.2.x is data: nothing connects to it).
#   25170  Postfix smtpd, relaywarden on a unix socket
#   25171  smtp-sink, the only next hop
#   25173-25176  DNS fixtures (unbound, rbldnsd, SERVFAIL, blackhole)
# Asserts: a listed client is refused with the list named (and a hostile
# TXT reaches the client sanitised, on one reply line); an unlisted client
# with forward-confirmed rDNS is delivered and the message carries
# relaywarden's Authentication-Results header (authserv-id from Postfix's
# macro j); a client without PTR gets 450 4.7.25; postmaster@ is accepted
# from a listed client.
#
#   RELAYWARDEN=milter/relaywarden tests/integration/postfix-dns.sh
#
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

: "${RW_TEST_DIR:=/tmp/rw-dns}"
export RW_TEST_DIR
. "$(dirname "$0")/lib.sh"
rw_init postfix-dns postfix postconf smtp-sink swaks unbound unbound-checkconf rbldnsd dig ss \
    /usr/bin/python3

P_SMTPD=25170 P_SINK=25171
export RW_FIXTURES_DIR=$T/fixtures
export RW_DNS_PORT=25173 RW_RBL_PORT=25174 RW_SERVFAIL_PORT=25175 RW_BLACKHOLE_PORT=25176
PF=$T/pf
LOG=$T/log/rw.log
PFLOG=$T/log/postfix.log

rw_ports_free $P_SMTPD $P_SINK

# -------------------------------------------------------------- DNS
rw_start_fixtures

# -------------------------------------------------------------- relaywarden
cat >"$T/rw.conf" <<EOF
# relaywarden test configuration (postfix-dns.sh)
socket = unix:$T/run/rw.sock
socket_mode = 0666
pidfile = $T/run/rw.pid
log_level = debug
trusted_networks = 127.0.0.0/8, ::1/128
local_domains = example.test, .example.test
# every DNS query goes to the fixtures' unbound: never the system resolver
dns_servers = 127.0.0.1:$RW_DNS_PORT
dns_timeout = 500ms
dns_deadline = 2s
rdns_check = tempfail
dnsbl = dnsbl.test
dnsbl_probe_interval = 0
# SPF has tests of its own; here it would only add verdicts at MAIL FROM
spf_check = no
spf_check_helo = no
EOF
rw_start_daemon rw "$T/rw.conf" || rw_summary

# -------------------------------------------------------------- Postfix
rw_start_sink $P_SINK || rw_summary
pf_master() { echo "127.0.0.1:$P_SMTPD inet n - n - - smtpd"; }
rw_postfix_setup "$PF" $P_SINK ipv4 "unix:$T/run/rw.sock" pf_master
check "the pasted snippet draws no postconf warnings" test ! -s "$T/log/postconf.err"
rw_postfix_start "$PF" $P_SMTPD

S="--server 127.0.0.1 --port $P_SMTPD --from sender@example.test"
# xc ADDR NAME - XCLIENT arguments: Postfix (and so relaywarden) sees ADDR
xc() { echo "--xclient-addr $1 --xclient-name $2 --xclient-helo $2 --helo $2"; }

# -------------------------------------------------------------- listed
# shellcheck disable=SC2046
rw_swaks listed 24 '^<\*\* 550 5\.7\.1 Client 192\.0\.2\.20 is listed in dnsbl\.test: Listed in dnsbl\.test, see http://dnsbl\.test/lookup\?ip=192\.0\.2\.20$' \
    $S $(xc 192.0.2.20 l20.example.test) --to bob@example.test
rw_expect_log "Postfix logged the milter-reject naming dnsbl.test" "$PFLOG" \
    'milter-reject: RCPT from l20\.example\.test\[192\.0\.2\.20\]: 550 5\.7\.1 Client 192\.0\.2\.20 is listed in dnsbl\.test'

# shellcheck disable=SC2046
rw_swaks hostile-txt 24 '^<\*\* 550 5\.7\.1 Client 192\.0\.2\.21 is listed in dnsbl\.test: Hostile TXT 550-5\.7\.1 injected \[31m red ' \
    $S $(xc 192.0.2.21 l21.example.test) --to bob@example.test
out=$(rw_swaks_out hostile-txt)
line=$(grep -a '^<\*\* 550 5\.7\.1 Client 192\.0\.2\.21' "$out")
rw_note "client saw: $line"
n=$(grep -a 'Client 192\.0\.2\.21' "$out" | tr -d '\r' | LC_ALL=C grep -c '[[:cntrl:]]')
check "hostile TXT: no control characters reached the client" test "$n" -eq 0
check "hostile TXT: one reply line, the TXT's CR started no line of its own" \
    test "$(grep -ac '550-5\.7\.1 injected' "$out")" -eq 1 -a "$(grep -ac '^<\*\* 550-' "$out")" -eq 0
case $line in
*'%s%n%% end for 192.0.2.21') pass "hostile TXT: percent signs reach the client unchanged" ;;
*) fail "hostile TXT: percent signs changed on the way: $line" ;;
esac

# -------------------------------------------------------------- good rDNS
sub=$(rw_subject good)
# shellcheck disable=SC2046
rw_swaks good-rdns 0 '^<-  250 .*queued as' $S $(xc 192.0.2.10 client.example.test) \
    --to bob@example.test --h-Subject "$sub"
rw_expect_delivered "unlisted client with FCrDNS delivered" "$sub"
f=$(rw_sink_file "$sub")
if [ -n "$f" ]; then
	check "delivered message has Authentication-Results: mx.example.test; iprev=pass policy.iprev=192.0.2.10 (client.example.test)" \
	    grep -qx 'Authentication-Results: mx\.example\.test; iprev=pass policy\.iprev=192\.0\.2\.10 (client\.example\.test)' "$f"
	# the message proper starts after smtp-sink's X-* envelope lines;
	# relaywarden inserts at index 0: above everything but Postfix's
	# own Received (milters do not see that one)
	hdrs=$(grep -v '^X-\(Client-Addr\|Client-Proto\|Helo-Args\|Mail-Args\|Rcpt-Args\):' "$f" |
	    grep -v '^[[:space:]]' | grep -v '^Received:' | head -1)
	check "Authentication-Results is the first header after Received ($(echo "$hdrs" | cut -c1-40))" \
	    test "${hdrs%%:*}" = Authentication-Results
fi

# -------------------------------------------------------------- no PTR
# shellcheck disable=SC2046
rw_swaks no-ptr 24 '^<\*\* 450 4\.7\.25 Reverse DNS validation failed: 192\.0\.2\.12 has no PTR record' \
    $S $(xc 192.0.2.12 '[UNAVAILABLE]') --to bob@example.test
rw_expect_log "relaywarden logged the rdns tempfail for 192.0.2.12" "$LOG" \
    'stage=rcpt action=tempfail check=rdns .*\[192\.0\.2\.12\]'

# -------------------------------------------------------------- postmaster@
sub=$(rw_subject postmaster)
# shellcheck disable=SC2046
rw_swaks postmaster-listed 0 '^<\*\* 550 5\.7\.1 Client 192\.0\.2\.20 is listed' \
    $S $(xc 192.0.2.20 l20.example.test) --to postmaster@example.test,bob@example.test \
    --h-Subject "$sub"
rw_expect_delivered "postmaster@ accepted from a listed client" "$sub"
check "... and only postmaster@ ($(rw_sink_rcpts "$sub" | tr '\n' ' '))" \
    test "$(rw_sink_rcpts "$sub")" = "postmaster@example.test"

rw_expect_nolog "relaywarden: no internal errors" "$LOG" '451 4\.3\.0|internal error'
check "relaywarden still running" rw_running rw
rw_summary
