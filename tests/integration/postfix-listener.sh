#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# postfix-listener.sh - policy per listener through a real Postfix: one
# relaywarden with [profile] sections behind four smtpd listeners, each
# reaching it with other macros, must answer the same mail differently.
#   25600  smtpd "mta" (port 25): the main policy
#   25601  smtpd "submission": profile submission (match = port 25601):
#          no local domains, so only authenticated clients may send
#   25602  smtpd with -o milter_macro_daemon_name=internal: profile
#          internal (match = name internal): 192.0.2.0/24 trusted
#   25603  smtpd on 127.0.0.2 ({daemon_addr}): profile byaddr (match =
#          addr 127.0.0.2): max_recipients = 1
#   25604  smtp-sink, the only next hop
# The outsider is XCLIENT's 192.0.2.10. Then a reload with an error in a
# section keeps the old profiles, and a good reload replaces them.
#
#   RELAYWARDEN=milter/relaywarden tests/integration/postfix-listener.sh
#
# Ports 25600-25609 (this script only). Prints "N passed, N failed" last;
# exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
rw_init postfix-listener postfix postconf smtp-sink swaks saslpasswd2 ss

P_MTA=25600 P_SUB=25601 P_INT=25602 P_ADDR=25603 P_SINK=25604
PF=$T/pf
LOG=$T/log/rw.log
PFLOG=$T/log/postfix.log

rw_ports_free $P_MTA $P_SUB $P_INT $P_ADDR $P_SINK

# -------------------------------------------------------------- relaywarden
# profiles FILE - the [profile] sections of the first configuration
profiles() {
	cat >>"$1" <<EOF

[profile submission]
match = port $P_SUB
local_domains =
relay_domains =

[profile internal]
match = name internal
trusted_networks = 127.0.0.0/8, 192.0.2.0/24

[profile byaddr]
match = addr 127.0.0.2
max_recipients = 1
EOF
}
rw_relay_conf "$T/rw.conf" "$T/run/rw.pid" 0666 "127.0.0.0/8"
profiles "$T/rw.conf"

out=$("$RELAYWARDEN" -t -c "$T/rw.conf" 2>&1)
check "-t: configuration OK" grep -q 'configuration OK' <<<"$out"
check "-t: prints profile submission with its match" \
    grep -q "^profile submission (line [0-9]*, match = port $P_SUB):" <<<"$out"
check "-t: profile internal trusts 192.0.2.0/24" \
    grep -q '^trusted_networks *127.0.0.0/8 192.0.2.0/24$' <<<"$out"
check "-t: profile byaddr: max_recipients 1, the main part's 5" \
    test "$(grep -c '^max_recipients' <<<"$out")" = 4 -a \
    "$(grep '^max_recipients' <<<"$out" | awk '{print $2}' | tr '\n' ' ')" = "5 5 5 1 "

rw_start_daemon rw "$T/rw.conf" || rw_summary

# -------------------------------------------------------------- Postfix
rw_start_sink $P_SINK || rw_summary
pf_main() {
	cat <<'EOF'
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
EOF
}
pf_master() {
	cat <<EOF
127.0.0.1:$P_MTA  inet n - n - - smtpd
  -o syslog_name=postfix/mta
127.0.0.1:$P_SUB  inet n - n - - smtpd
  -o syslog_name=postfix/submission
127.0.0.1:$P_INT  inet n - n - - smtpd
  -o syslog_name=postfix/internal
  -o milter_macro_daemon_name=internal
127.0.0.2:$P_ADDR inet n - n - - smtpd
  -o syslog_name=postfix/byaddr
EOF
}
rw_postfix_setup "$PF" $P_SINK ipv4 "unix:$T/run/rw.sock" pf_master pf_main
# (inet_interfaces stays loopback-only: Postfix refuses 127.0.0.2 there,
# not an interface address, but master binds its explicit host:port)
check "the snippet sends {daemon_port} and {daemon_addr}" \
    grep -q '^milter_connect_macros = .*{daemon_addr} {daemon_port}' "$PF/etc/main.cf"
mkdir -p "$PF/etc/sasl"
printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: %s\n' \
    "$PF/sasldb2" >"$PF/etc/sasl/smtpd.conf"
printf 'secret' | saslpasswd2 -p -f "$PF/sasldb2" -c -u example.test alice
chown postfix "$PF/sasldb2"
rw_postfix_start "$PF" $P_MTA $P_SUB $P_INT $P_ADDR

XC="--xclient-addr 192.0.2.10 --xclient-name client.example.test --xclient-helo client.example.test"
on() { printf -- '--server %s --port %s --helo client.example.test --from sender@example.org' "$1" "$2"; }
# shellcheck disable=SC2046
{
# ---------------------------------------------------- the same mail, four ports
sub=$(rw_subject mta-local)
rw_swaks mta-local 0 '^<-  250 .*queued as' $(on 127.0.0.1 $P_MTA) $XC --to bob@example.test --h-Subject "$sub"
rw_expect_delivered "port $P_MTA (main): outsider -> local domain delivered" "$sub"
rw_swaks sub-local 24 '^<\*\* 550 5\.7\.1 <bob@example\.test>: Relaying denied' \
    $(on 127.0.0.1 $P_SUB) $XC --to bob@example.test
rw_expect_log "port $P_SUB (profile submission): relaywarden refused the outsider" "$LOG" \
    'stage=rcpt action=reject check=relay .*client=client\.example\.test\[192\.0\.2\.10\].*rcpt=<bob@example\.test>'
sub=$(rw_subject sub-auth)
rw_swaks sub-auth 0 '^<-  235 ' $(on 127.0.0.1 $P_SUB) $XC --auth PLAIN --auth-user alice@example.test \
    --auth-password secret --to alice@outside.test --h-Subject "$sub"
rw_expect_delivered "port $P_SUB (profile submission): authenticated -> outside delivered" "$sub"

rw_swaks mta-outside 24 '^<\*\* 550 5\.7\.1 <alice@outside\.test>: Relaying denied' \
    $(on 127.0.0.1 $P_MTA) $XC --to alice@outside.test
sub=$(rw_subject int-outside)
rw_swaks int-outside 0 '' $(on 127.0.0.1 $P_INT) $XC --to alice@outside.test --h-Subject "$sub"
rw_expect_delivered "{daemon_name} internal (profile internal): 192.0.2.10 trusted, -> outside delivered" "$sub"

sub=$(rw_subject mta-two)
rw_swaks mta-two 0 '' $(on 127.0.0.1 $P_MTA) $XC --to a@example.test,b@example.test --h-Subject "$sub"
rw_expect_delivered "port $P_MTA: two local recipients delivered" "$sub"
check "port $P_MTA: both recipients in the envelope" \
    test "$(rw_sink_rcpts "$sub" | tr '\n' ' ')" = "a@example.test b@example.test "
sub=$(rw_subject addr-two)
rw_swaks addr-two 0 '^<\*\* 452 4\.5\.3 Too many recipients' $(on 127.0.0.2 $P_ADDR) $XC \
    --to a@example.test,b@example.test --h-Subject "$sub"
rw_expect_delivered "{daemon_addr} 127.0.0.2 (profile byaddr): delivered to one" "$sub"
check "{daemon_addr} 127.0.0.2: only the first recipient in the envelope" \
    test "$(rw_sink_rcpts "$sub" | tr '\n' ' ')" = "a@example.test "

# ---------------------------------------------------- reloads
cp "$T/rw.conf" "$T/rw.conf.good"
printf '\n[profile broken]\nmatch = port 0\nsocket = unix:/elsewhere\n' >>"$T/rw.conf"
kill -HUP "$(rw_pid_of rw)"
rw_wait 10 rw_log_has "$LOG" 'previous configuration stays in force'
rw_expect_log "bad reload: the error in the section logged at file:line" "$LOG" \
    "rw\.conf:[0-9]+: match: port must be"
rw_expect_log "bad reload: the daemon key in the section logged" "$LOG" \
    "rw\.conf:[0-9]+: not a policy key, so it cannot be set in a profile: socket"
rw_swaks sub-after-bad-reload 24 'Relaying denied' $(on 127.0.0.1 $P_SUB) $XC --to bob@example.test

# a good reload without the submission profile: port $P_SUB is main again
rw_relay_conf "$T/rw.conf" "$T/run/rw.pid" 0666 "127.0.0.0/8"
kill -HUP "$(rw_pid_of rw)"
rw_wait 10 rw_log_has "$LOG" 'new sessions use the new policy'
rw_expect_log "good reload logged" "$LOG" 'new sessions use the new policy'
sub=$(rw_subject sub-after-good-reload)
rw_swaks sub-after-good-reload 0 '^<-  250 .*queued as' $(on 127.0.0.1 $P_SUB) $XC \
    --to bob@example.test --h-Subject "$sub"
rw_expect_delivered "after a reload without profiles, port $P_SUB runs the main policy" "$sub"
}
check "relaywarden still running" rw_running rw
rw_summary
