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
LOG=$T/log/rw.log
PFLOG=$T/log/postfix.log
HAVE_V6=0
grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null && HAVE_V6=1

rw_ports_free $P_SMTPD $P_INET $P_SINK $P_NOMILTER $P_RWINET

# -------------------------------------------------------------- relaywarden
# write_conf FILE PIDFILE [extra lines...]; socket mode 0666: smtpd runs
# as user postfix
write_conf() { rw_relay_conf "$1" "$2" 0666 "127.0.0.0/8, ::1/128" "${@:3}"; }
write_conf "$T/rw.conf" "$T/run/rw.pid"
write_conf "$T/rw-inet.conf" "$T/run/rw-inet.pid"
write_conf "$T/rw-dryrun.conf" "$T/run/rw.pid" "mode = dryrun"

rw_start_daemon rw "$T/rw.conf" || rw_summary
rw_start_daemon rw-inet "$T/rw-inet.conf" -p "inet:$P_RWINET@127.0.0.1" || rw_summary
check "relaywarden unix socket is mode 666" test "$(stat -c %a "$T/run/rw.sock")" = 666

# -------------------------------------------------------------- Postfix
rw_start_sink $P_SINK || rw_summary
# Real SMTP AUTH from a sasldb; Debian's Postfix reads
# $config_directory/sasl/smtpd.conf.
pf_main() {
	cat <<'EOF'
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
EOF
}
pf_master() {
	cat <<EOF
127.0.0.1:$P_SMTPD   inet n - n - - smtpd
127.0.0.1:$P_INET    inet n - n - - smtpd
  -o syslog_name=postfix/inetmilter
  -o smtpd_milters=inet:127.0.0.1:$P_RWINET
127.0.0.1:$P_NOMILTER inet n - n - - smtpd
  -o syslog_name=postfix/nomilter
  -o smtpd_milters=
EOF
	[ $HAVE_V6 = 1 ] && echo "[::1]:$P_SMTPD inet n - n - - smtpd"
	return 0
}
rw_postfix_setup "$PF" $P_SINK all "unix:$T/run/rw.sock" pf_master pf_main
postconf -c "$PF_ETC" -n >"$T/log/postconf.out" 2>>"$T/log/postconf.err"
check "the pasted snippet draws no postconf warnings" test ! -s "$T/log/postconf.err"
check "snippet: milter_default_action = tempfail" grep -qx 'milter_default_action = tempfail' "$T/log/postconf.out"
check "snippet: {auth_authen} in milter_mail_macros" grep -q '^milter_mail_macros = .*{auth_authen}' "$T/log/postconf.out"

mkdir -p "$PF_ETC/sasl"
printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: %s\n' \
    "$PF/sasldb2" >"$PF_ETC/sasl/smtpd.conf"
printf 'secret' | saslpasswd2 -p -f "$PF/sasldb2" -c -u example.test alice
chown postfix "$PF/sasldb2"

rw_postfix_start "$PF" $P_SMTPD

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

rw_relay_max_recipients "$S" "$XC"

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
rw_relay_inet $P_INET "$XC" "$DENIED"

# -------------------------------------------------------------- dryrun
rw_relay_dryrun "$S" "$XC"

# -------------------------------------------------------------- relaywarden down
rw_relay_down "$S" "$XC" '4\.7\.1'
rw_expect_log "Postfix logged the milter failure" "$PFLOG" 'warning: connect to Milter service unix:.*rw\.sock'

check "the inet relaywarden is still alive" rw_running rw-inet
rw_summary
