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
FIXTURES=$RW_TOP_SRCDIR/tests/dns/fixtures.sh
PF=$T/pf
PF_ETC=$PF/etc
SNIPPET=$RW_TOP_SRCDIR/contrib/postfix/main.cf.relaywarden
LOG=$T/log/rw.log
PFLOG=$T/log/postfix.log

rw_ports_free $P_SMTPD $P_SINK

# -------------------------------------------------------------- DNS
if ! "$FIXTURES" start >"$T/log/fixtures.out" 2>&1; then
	fail "DNS fixtures did not start: $(tail -3 "$T/log/fixtures.out" | tr '\n' ' ')"
	"$FIXTURES" stop >/dev/null 2>&1
	rw_summary
fi
for n in unbound rbldnsd servfail blackhole; do
	case $n in unbound | rbldnsd) w=$n ;; *) w=dnsstub.py ;; esac
	rw_track "dns-$n" "$(cat "$RW_FIXTURES_DIR/run/$n.pid")" "$w"
done
pass "DNS fixtures up"

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
mkdir -p "$PF_ETC" "$PF/spool" "$PF/data"
chown postfix "$PF/data"	# master.lock: data_directory must be postfix's
chmod 700 "$PF/data"
cat >"$PF_ETC/main.cf" <<EOF
# Postfix test instance of relaywarden's postfix-dns.sh (postfix -c $PF_ETC)
compatibility_level = 3.6
config_directory = $PF_ETC
queue_directory = $PF/spool
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.test
mydomain = example.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
# No DNS in Postfix at all: the sink is the only next hop, no reverse
# lookups of clients (the XCLIENT addresses are data).
smtp_dns_support_level = disabled
relayhost = [127.0.0.1]:$P_SINK
smtpd_peername_lookup = no
maillog_file_prefixes = $T
maillog_file = $PFLOG
in_flow_delay = 0s
# relaywarden is this instance's only gate (never do this in production)
smtpd_relay_restrictions = check_client_access static:OK, reject_unauth_destination
smtpd_recipient_restrictions = permit
smtpd_authorized_xclient_hosts = 127.0.0.0/8

# ---- contrib/postfix/main.cf.relaywarden, verbatim ----
EOF
cat "$SNIPPET" >>"$PF_ETC/main.cf"
cat >"$PF_ETC/master.cf" <<EOF
# no chroot (column 5 = n): the milter socket path is the real path
127.0.0.1:$P_SMTPD inet n - n - - smtpd
pickup    unix  n  -  n  60    1  pickup
cleanup   unix  n  -  n  -     0  cleanup
qmgr      unix  n  -  n  300   1  qmgr
rewrite   unix  -  -  n  -     -  trivial-rewrite
bounce    unix  -  -  n  -     0  bounce
defer     unix  -  -  n  -     0  bounce
trace     unix  -  -  n  -     0  bounce
verify    unix  -  -  n  -     1  verify
flush     unix  n  -  n  1000? 0  flush
proxymap  unix  -  -  n  -     -  proxymap
smtp      unix  -  -  n  -     -  smtp
relay     unix  -  -  n  -     -  smtp
showq     unix  n  -  n  -     -  showq
error     unix  -  -  n  -     -  error
retry     unix  -  -  n  -     -  error
discard   unix  -  -  n  -     -  discard
anvil     unix  -  -  n  -     1  anvil
scache    unix  -  -  n  -     1  scache
postlog   unix-dgram n - n -   1  postlogd
EOF
postconf -c "$PF_ETC" -e "smtpd_milters = unix:$T/run/rw.sock" 2>"$T/log/postconf.err"
check "the pasted snippet draws no postconf warnings" test ! -s "$T/log/postconf.err"
if ! postfix -c "$PF_ETC" check >"$T/log/postfix-check.out" 2>&1; then
	fail "postfix check: $(head -3 "$T/log/postfix-check.out")"
	rw_summary
fi
postfix -c "$PF_ETC" start >>"$T/log/postfix-check.out" 2>&1
if ! rw_wait 15 rw_tcp_listening $P_SMTPD; then
	fail "Postfix did not start (see $PFLOG)"
	rw_summary
fi
rw_wait 5 test -s "$PF/spool/pid/master.pid"
rw_track postfix "$(tr -dc 0-9 <"$PF/spool/pid/master.pid")" master "postfix -c '$PF_ETC' stop"
pass "Postfix started (master pid $(rw_pid_of postfix))"

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
