#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# postfix.sh - end to end through a real Postfix: swaks -> Postfix smtpd
# (with contrib/postfix/main.cf.relaywarden pasted into its main.cf) ->
# relaywarden -> smtp-sink as the final destination. Everything on
# loopback:
#   25125  smtpd, relaywarden on a unix socket (also [::1]:25125)
#   25126  smtpd, a second relaywarden on inet:25130@127.0.0.1
#   25127  smtp-sink, the only next hop (relayhost); dumps to $T/sink
#   25128  smtpd without milter: the control that Postfix alone relays
# Outsiders come in with XCLIENT (the client address 192.0.2.10 is data:
# nothing connects to it); the direct connection from 127.0.0.1 is the
# insider.
#
#   RELAYWARDEN=milter/relaywarden tests/integration/postfix.sh
#
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
rw_init postfix postfix postconf smtp-sink swaks saslpasswd2 ss

P_SMTPD=25125 P_INET=25126 P_SINK=25127 P_NOMILTER=25128 P_RWINET=25130
PF=$T/pf
PF_ETC=$PF/etc
SNIPPET=$RW_TOP_SRCDIR/contrib/postfix/main.cf.relaywarden
LOG=$T/log/rw.log
PFLOG=$T/log/postfix.log
HAVE_V6=0
grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null && HAVE_V6=1

rw_ports_free $P_SMTPD $P_INET $P_SINK $P_NOMILTER $P_RWINET

# -------------------------------------------------------------- relaywarden
# write_conf FILE PIDFILE [extra lines...]
write_conf() {
	local f=$1 pidfile=$2
	shift 2
	{
		echo "# relaywarden test configuration (postfix.sh)"
		echo "socket = unix:$T/run/rw.sock"
		echo "socket_mode = 0666"	# smtpd runs as user postfix
		echo "pidfile = $pidfile"
		echo "trusted_networks = 127.0.0.0/8, ::1/128"
		echo "local_domains = example.test, .example.test"
		echo "relay_domains = relay.example.test"
		echo "max_recipients = 5"
		# No DNS checks here (dns.sh covers them). Should anything still
		# query, it goes to a dead loopback port, never to the system
		# resolver (it points off this machine).
		echo "dns_servers = 127.0.0.1:25199"
		echo "rdns_check = off"
		echo "spf_check = no"
		echo "spf_check_helo = no"
		for line in "$@"; do echo "$line"; done
	} >"$f"
}
write_conf "$T/rw.conf" "$T/run/rw.pid"
write_conf "$T/rw-inet.conf" "$T/run/rw-inet.pid"
write_conf "$T/rw-dryrun.conf" "$T/run/rw.pid" "mode = dryrun"

rw_start_daemon rw "$T/rw.conf" || rw_summary
rw_start_daemon rw-inet "$T/rw-inet.conf" -p "inet:$P_RWINET@127.0.0.1" || rw_summary
check "relaywarden unix socket is mode 666" test "$(stat -c %a "$T/run/rw.sock")" = 666

# -------------------------------------------------------------- Postfix
rw_start_sink $P_SINK || rw_summary
mkdir -p "$PF_ETC/sasl" "$PF/spool" "$PF/data"
# master refuses to start unless data_directory belongs to mail_owner
chown postfix "$PF/data"
chmod 700 "$PF/data"

cat >"$PF_ETC/main.cf" <<EOF
# Postfix test instance of relaywarden's postfix.sh (postfix -c $PF_ETC)
compatibility_level = 3.6
config_directory = $PF_ETC
queue_directory = $PF/spool
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.test
mydomain = example.test
myorigin = \$myhostname
# Nothing is delivered locally: every recipient goes to the sink.
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
inet_interfaces = loopback-only
inet_protocols = all
mynetworks = 127.0.0.0/8 [::1]/128
# Never touch the system resolver (it points off this machine): no DNS in
# the SMTP client, the only next hop is the sink, and no reverse lookups
# of clients (no ::1 in /etc/hosts, and XCLIENT addresses are not ours).
smtp_dns_support_level = disabled
relayhost = [127.0.0.1]:$P_SINK
smtpd_peername_lookup = no
# No syslog here: Postfix logs to a file.
maillog_file_prefixes = $T
maillog_file = $PFLOG
in_flow_delay = 0s
# relaywarden is the only relay gate of this instance: Postfix itself
# relays anything (the port-$P_NOMILTER control proves it), so every
# refusal below comes from relaywarden. smtpd refuses to start without
# reject_unauth_destination somewhere; the static:OK lookup before it
# permits every client, so it is never reached. Never do this in
# production.
smtpd_relay_restrictions = check_client_access static:OK, reject_unauth_destination
smtpd_recipient_restrictions = permit
# XCLIENT from loopback sets the client address, name and SASL login.
smtpd_authorized_xclient_hosts = 127.0.0.0/8 [::1]/128
# Real SMTP AUTH from a sasldb; Debian's Postfix reads
# \$config_directory/sasl/smtpd.conf.
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd

# ---- contrib/postfix/main.cf.relaywarden, verbatim ----
EOF
cat "$SNIPPET" >>"$PF_ETC/main.cf"

cat >"$PF_ETC/master.cf" <<EOF
# Postfix test instance: no chroot anywhere (column 5 = n), so the
# relaywarden socket path is the real path.
127.0.0.1:$P_SMTPD   inet n - n - - smtpd
127.0.0.1:$P_INET    inet n - n - - smtpd
  -o syslog_name=postfix/inetmilter
  -o smtpd_milters=inet:127.0.0.1:$P_RWINET
127.0.0.1:$P_NOMILTER inet n - n - - smtpd
  -o syslog_name=postfix/nomilter
  -o smtpd_milters=
EOF
[ $HAVE_V6 = 1 ] && echo "[::1]:$P_SMTPD inet n - n - - smtpd" >>"$PF_ETC/master.cf"
cat >>"$PF_ETC/master.cf" <<'EOF'
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

# The snippet is pasted as is; the test changes only the socket.
postconf -c "$PF_ETC" -e "smtpd_milters = unix:$T/run/rw.sock" 2>"$T/log/postconf.err"
postconf -c "$PF_ETC" -n >"$T/log/postconf.out" 2>>"$T/log/postconf.err"
check "the pasted snippet draws no postconf warnings" test ! -s "$T/log/postconf.err"
check "snippet: milter_default_action = tempfail" grep -qx 'milter_default_action = tempfail' "$T/log/postconf.out"
check "snippet: {auth_authen} in milter_mail_macros" grep -q '^milter_mail_macros = .*{auth_authen}' "$T/log/postconf.out"

printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: %s\n' \
    "$PF/sasldb2" >"$PF_ETC/sasl/smtpd.conf"
printf 'secret' | saslpasswd2 -p -f "$PF/sasldb2" -c -u example.test alice
chown postfix "$PF/sasldb2"

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

S="--server 127.0.0.1 --port $P_SMTPD --helo client.example.test --from sender@example.org"
# A broken instance makes every session wait for swaks' timeout: stop early.
if ! swaks --timeout 10 --server 127.0.0.1 --port $P_SMTPD --helo client.example.test \
    --quit-after EHLO >"$T/log/swaks-smoke.txt" 2>&1; then
	fail "Postfix smtpd does not answer EHLO (see $PFLOG)"
	grep -E 'fatal|error' "$PFLOG" | tail -3 | sed 's/^/     | /'
	rw_summary
fi
# An outsider: XCLIENT makes Postfix (and so the milter) see 192.0.2.10.
XC="--xclient-addr 192.0.2.10 --xclient-name client.example.test --xclient-helo client.example.test"
DENIED='^<\*\* 550 5\.7\.1 <alice@outside\.test>: Relaying denied'

# -------------------------------------------------------------- control
sub=$(rw_subject control)
rw_swaks control-nomilter 0 '' --server 127.0.0.1 --port $P_NOMILTER --helo client.example.test \
    --from sender@example.org $XC --to alice@outside.test --h-Subject "$sub"
rw_expect_delivered "control: without relaywarden this Postfix relays for the outsider" "$sub"

# -------------------------------------------------------------- outsider
rw_swaks outsider-outside 24 "$DENIED" $S $XC --to alice@outside.test
rw_expect_log "relaywarden logged the refusal for 192.0.2.10" "$LOG" \
    'stage=rcpt action=reject check=relay .*client=client\.example\.test\[192\.0\.2\.10\].*rcpt=<alice@outside\.test>'
rw_expect_log "Postfix logged milter-reject" "$PFLOG" \
    'milter-reject: RCPT from client\.example\.test\[192\.0\.2\.10\]: 550 5\.7\.1 <alice@outside\.test>: Relaying denied'

sub=$(rw_subject outsider-local)
rw_swaks outsider-local 0 '^<-  250 .*queued as' $S $XC --to bob@example.test --h-Subject "$sub"
rw_expect_delivered "outsider -> local domain delivered to the sink" "$sub"
sub=$(rw_subject outsider-relay)
rw_swaks outsider-relaydomain 0 '' $S $XC --to carol@relay.example.test --h-Subject "$sub"
rw_expect_delivered "outsider -> relay domain delivered" "$sub"

rw_swaks outsider-percent 24 '^<\*\* 550 5\.7\.1 .*Relaying denied' $S $XC --to 'u%outside.test@example.test'
rw_swaks outsider-bang 24 '^<\*\* 550 5\.7\.1 .*Relaying denied' $S $XC --to 'outside.test!u@example.test'

# Mixed recipients: only the outside one is refused, the message goes on.
sub=$(rw_subject mixed)
rw_swaks mixed 0 "$DENIED" $S $XC --to bob@example.test,alice@outside.test --h-Subject "$sub"
rw_expect_delivered "mixed: delivered" "$sub"
check "mixed: the envelope holds bob@example.test only ($(rw_sink_rcpts "$sub" | tr '\n' ' '))" \
    test "$(rw_sink_rcpts "$sub")" = "bob@example.test"
# Postfix gives the queue id (macro i) once the first recipient is in.
qid=$(sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' "$(rw_swaks_out mixed)" | head -1)
if [ -n "$qid" ]; then
	rw_expect_log "mixed: relaywarden logged Postfix's queue id $qid for the refused recipient" "$LOG" \
	    "$qid: stage=rcpt action=reject check=relay .*rcpt=<alice@outside\.test>"
else
	fail "mixed: no queue id in the swaks transcript"
fi

# max_recipients = 5 for outsiders: the 6th gets 452 4.5.3.
rw_swaks max-recipients 0 '^<\*\* 452 4\.5\.3 Too many recipients' $S $XC \
    --to m1@example.test,m2@example.test,m3@example.test,m4@example.test,m5@example.test,m6@example.test
check "max-recipients: exactly one recipient refused" \
    test "$(grep -c '^<\*\* 452' "$(rw_swaks_out max-recipients)")" -eq 1

# -------------------------------------------------------------- insiders
sub=$(rw_subject trusted)
rw_swaks trusted-outside 0 '' $S --to alice@outside.test --h-Subject "$sub"
rw_expect_delivered "trusted 127.0.0.1 -> outside delivered" "$sub"

sub=$(rw_subject xclient-login)
rw_swaks auth-xclient-login 0 '' $S $XC --xclient-login alice@example.test \
    --to alice@outside.test --h-Subject "$sub"
rw_expect_delivered "XCLIENT LOGIN ({auth_authen}) -> outside delivered" "$sub"

sub=$(rw_subject sasl)
rw_swaks auth-sasl 0 '^<-  235 ' $S $XC --auth PLAIN --auth-user alice@example.test \
    --auth-password secret --to alice@outside.test --h-Subject "$sub"
rw_expect_delivered "real SASL AUTH PLAIN -> outside delivered" "$sub"
rw_swaks auth-sasl-badpass 28 '^<\*\* 535 ' $S $XC --auth PLAIN --auth-user alice@example.test \
    --auth-password wrong --to alice@outside.test
rw_expect_nolog "no missing-macro warning: the snippet sends {auth_authen}" "$LOG" 'warning: macro'

# -------------------------------------------------------------- IPv6
if [ $HAVE_V6 = 1 ]; then
	sub=$(rw_subject v6)
	rw_swaks v6-loopback-outside 0 '' --server ::1 --port $P_SMTPD --helo client.example.test \
	    --from sender@example.org --to alice@outside.test --h-Subject "$sub"
	rw_expect_delivered "IPv6 ::1 (trusted) -> outside delivered" "$sub"
	rw_swaks v6-outsider 24 "$DENIED" $S --xclient-addr IPV6:2001:db8::10 \
	    --xclient-name client6.example.test --to alice@outside.test
	rw_expect_log "IPv6 outsider 2001:db8::10 refused by relaywarden" "$LOG" \
	    'stage=rcpt action=reject check=relay .*client=client6\.example\.test\[(IPv6:)?2001:db8::10\]'
else
	rw_note "no ::1 on this machine: IPv6 cases not run"
fi

# -------------------------------------------------------------- inet socket
IS="--server 127.0.0.1 --port $P_INET --helo client.example.test --from sender@example.org"
rw_swaks inet-outsider-outside 24 "$DENIED" $IS $XC --to alice@outside.test
sub=$(rw_subject inet-local)
rw_swaks inet-outsider-local 0 '' $IS $XC --to bob@example.test --h-Subject "$sub"
rw_expect_delivered "inet milter: outsider -> local delivered" "$sub"
rw_expect_log "the inet relaywarden logged its refusal" "$T/log/rw-inet.log" \
    'stage=rcpt action=reject check=relay .*rcpt=<alice@outside\.test>'

# -------------------------------------------------------------- dryrun
rw_stop rw
rw_note "relaywarden stopped in ${RW_STOP_SECS}s; restarting with mode = dryrun"
rw_start_daemon rw "$T/rw-dryrun.conf" || rw_summary
sub=$(rw_subject dryrun)
rw_swaks dryrun-outsider-outside 0 '' $S $XC --to bob@example.test,alice@outside.test --h-Subject "$sub"
rw_expect_delivered "dryrun: outsider -> outside delivered" "$sub"
f=$(rw_sink_file "$sub")
check "dryrun: both recipients delivered" \
    test "$(rw_sink_rcpts "$sub" | tr '\n' ' ')" = "alice@outside.test bob@example.test "
check "dryrun: the delivered message carries X-Relaywarden-Dryrun" \
    rw_header_has "$f" X-Relaywarden-Dryrun 'rcpt <alice@outside\.test>: would reject \(relay\): 550 5\.7\.1 <alice@outside\.test>: Relaying denied'
rw_expect_log_all "dryrun: logged with dryrun=yes" "$LOG" 'stage=rcpt action=reject ' \
    'check=relay' ' dryrun=yes' 'rcpt=<alice@outside\.test>'

# -------------------------------------------------------------- relaywarden down
rw_stop rw
sub=$(rw_subject down)
rw_swaks down-tempfail 23 '^<\*\* 451 4\.7\.1 ' $S $XC --to bob@example.test --h-Subject "$sub"
rw_swaks down-tempfail-insider 23 '^<\*\* 451 4\.7\.1 ' $S --to alice@outside.test
rw_expect_not_delivered "relaywarden down: nothing delivered, the client keeps the message" "$sub" 2
rw_expect_log "Postfix logged the milter failure" "$PFLOG" 'warning: connect to Milter service unix:.*rw\.sock'

check "the inet relaywarden is still alive" rw_running rw-inet
rw_summary
