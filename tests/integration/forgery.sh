#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# forgery.sh - the HELO and forgery checks and client_access by host name
# through the built daemon (miltertest, tests/integration/forgery.lua).
#
#   helo   the checks (helo_names_us and bounce_multiple_rcpts set to
#          reject, the others at their defaults): helo_names_us refuses our own
#          name (j) and the address connected to ({daemon_addr}); the
#          softer ones tag (helo=not-fqdn, helo=foreign-literal,
#          sender=forged-local); a genuine sloppy HELO (underscore,
#          trailing dot) passes untouched; a bounce's second recipient
#          is refused
#   names  client_access name entries against real DNS: an unbound on
#          loopback serves PTR and A/AAAA records (local-data, nothing
#          recursed); a forward-confirmed name matches (glob, PCRE2, IPv6
#          client), the same name with an A record elsewhere does not, an
#          exact OK beats a glob. rdns_check is off: the PTR must still be
#          asked (unbound's query log shows it).
#
#   RELAYWARDEN=milter/relaywarden tests/integration/forgery.sh
#
# Port 25553 (unbound). Prints "N passed, N failed"; exit 0, 1 or 77.

. "$(dirname "$0")/lib.sh"
rw_init forgery miltertest unbound unbound-checkconf dig ss

P_DNS=25553
SOCK=unix:$T/run/rw.sock
MT_OUT=$T/log/miltertest

rw_ports_free $P_DNS
if ss -Hlun "( sport = :$P_DNS )" | grep -q .; then
	fail "udp port $P_DNS in use"
	rw_summary
fi

# ------------------------------------------------------------ DNS
# local_data NAME TYPE VALUE - one unbound local-data line
local_data() { printf '    local-data: "%s 300 IN %s %s"\n' "$1" "$2" "$3"; }
# ptr6 ADDR - the ip6.arpa name of an IPv6 address
ptr6() { /usr/bin/python3 -c 'import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]).reverse_pointer + ".")' "$1"; }

mkdir -p "$T/dns"
{
	cat <<EOF
server:
    interface: 127.0.0.1@$P_DNS
    port: $P_DNS
    access-control: 127.0.0.0/8 allow
    do-ip6: no
    username: ""
    chroot: ""
    directory: "$T/dns"
    pidfile: "$T/dns/unbound.pid"
    do-daemonize: no
    use-syslog: no
    logfile: "$T/log/unbound.log"
    verbosity: 1
    log-queries: yes
    num-threads: 1
    module-config: "iterator"
    # everything is answered from the data below; nothing is recursed
    local-zone: "." static
    local-zone: "test." nodefault
    local-zone: "2.0.192.in-addr.arpa." nodefault
    local-zone: "example.test." static
    local-zone: "2.0.192.in-addr.arpa." static
EOF
	local_data 10.2.0.192.in-addr.arpa. PTR dsl-10.pool.example.test.
	local_data dsl-10.pool.example.test. A 192.0.2.10
	local_data 11.2.0.192.in-addr.arpa. PTR dsl-11.pool.example.test.
	local_data dsl-11.pool.example.test. A 192.0.2.99
	local_data 12.2.0.192.in-addr.arpa. PTR dyn12.isp.example.test.
	local_data dyn12.isp.example.test. A 192.0.2.12
	local_data 13.2.0.192.in-addr.arpa. PTR good.pool.example.test.
	local_data good.pool.example.test. A 192.0.2.13
	local_data "$(ptr6 3fff::10)" PTR dsl-v6.pool.example.test.
	local_data dsl-v6.pool.example.test. AAAA 3fff::10
} >"$T/dns/unbound.conf"
if ! unbound-checkconf "$T/dns/unbound.conf" >"$T/log/unbound-checkconf.out" 2>&1; then
	fail "unbound-checkconf: $(tail -2 "$T/log/unbound-checkconf.out" | tr '\n' ' ')"
	rw_summary
fi
rw_bg unbound "$T/log/unbound.out" unbound -d -c "$T/dns/unbound.conf"
dig_ok() { dig -p $P_DNS @127.0.0.1 +short +time=1 +tries=1 "$@" 2>/dev/null | grep -q .; }
if ! rw_wait 10 dig_ok -x 192.0.2.10; then
	fail "unbound on 127.0.0.1:$P_DNS does not answer (see $T/log/unbound.log)"
	rw_summary
fi
check "DNS: PTR 192.0.2.10 -> dsl-10.pool.example.test" \
    sh -c "dig -p $P_DNS @127.0.0.1 +short -x 192.0.2.10 | grep -qx dsl-10.pool.example.test."
check "DNS: dsl-11.pool.example.test resolves elsewhere (192.0.2.99)" \
    sh -c "dig -p $P_DNS @127.0.0.1 +short dsl-11.pool.example.test A | grep -qx 192.0.2.99"

# ------------------------------------------------------------ daemon
# conf FILE LINES... - the test configuration plus LINES
conf() {
	local f=$1
	shift
	{
		echo "socket = $SOCK"
		echo "pidfile = $T/run/rw.pid"
		echo "log_level = info"
		echo "trusted_networks = 127.0.0.0/8, ::1/128"
		echo "local_domains = example.test"
		echo "dns_servers = 127.0.0.1:$P_DNS"
		echo "dns_deadline = 3s"
		echo "rdns_check = off"
		echo "spf_check = no"
		echo "spf_check_helo = no"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$f"
}

# mt NAME PART - run forgery.lua with -D part=PART
mt() {
	local rc
	miltertest -D sock="$SOCK" -D srcdir="$RW_HERE" -D part="$2" \
	    -s "$RW_HERE/forgery.lua" >"$MT_OUT-$1.txt" 2>&1
	rc=$?
	grep -E '^(FAIL|FATAL)' "$MT_OUT-$1.txt" | sed 's/^/     | /'
	if [ $rc -eq 0 ]; then
		pass "miltertest forgery.lua ($1): $(grep -c '^ok ' "$MT_OUT-$1.txt") checks"
	else
		fail "miltertest forgery.lua ($1) exit $rc, see $MT_OUT-$1.txt"
	fi
}

LOG=$T/log/helo.log
line() { rw_expect_log "$1" "$LOG" "$2" 3; }
noline() { rw_expect_nolog "$1" "$LOG" "$2"; }

# -- the HELO and forgery checks: the defaults (-t), then the two that
# tag or are off by default set to reject, the softer ones at their defaults
conf "$T/defaults.conf"
"$RELAYWARDEN" -t -c "$T/defaults.conf" >"$T/log/t-defaults.out" 2>&1
check "-t shows the defaults: helo_names_us tag, helo_fqdn tag, bounce_multiple_rcpts off" \
    sh -c "grep -Eq '^helo_names_us +tag' '$T/log/t-defaults.out' && grep -Eq '^helo_fqdn +tag' '$T/log/t-defaults.out' && ! grep -Eq '^bounce_multiple_rcpts' '$T/log/t-defaults.out'"
conf "$T/helo.conf" "helo_names_us = reject" "bounce_multiple_rcpts = reject"
rw_start_daemon helo "$T/helo.conf" || rw_summary
mt helo helo
line "FG1: our name refused at MAIL, 550 5.7.1" \
    'FG1: stage=mail action=reject check=helo_names_us .*reason="helo mx\.example\.test names us \(our host name\)" reply="550 5\.7\.1 HELO mx\.example\.test names this server, not yours"'
line "FG2: the address connected to refused" \
    'FG2: stage=mail action=reject check=helo_names_us .*\(the address it connected to\)'
line "FG3: bare name logged as a tag" 'FG3: stage=mail action=tag check=helo_fqdn '
noline "FG4: the sloppy but valid HELO not judged" 'FG4: .*check=helo_'
line "FG6: forged local sender logged as a tag" \
    'FG6: stage=mail action=tag check=forged_local_sender '
noline "FG7: authenticated local sender not judged" 'FG7: .*check=forged_local_sender'
line "FG8: the bounce's second recipient refused" \
    'FG8: stage=rcpt action=reject check=bounce_multiple_rcpts .*rcpt=<carol@example\.test>.*reply="550 5\.5\.3 '
rw_stop helo

# -- client_access by verified host name, through unbound
LOG=$T/log/names.log
conf "$T/names.conf" \
    "client_access = dsl-*.pool.example.test REJECT Dial-up pool, good.pool.example.test OK, /^dyn[0-9]+\\.isp\\.example\\.test\$/ TEMPFAIL Dynamic pool"
"$RELAYWARDEN" -t -c "$T/names.conf" >"$T/log/t-names.out" 2>&1
check "-t counts the name entries" \
    grep -q 'client_access        0 entries by address, 3 by verified host name' "$T/log/t-names.out"
rw_start_daemon names "$T/names.conf" || rw_summary
mt names names
line "NM1: verified dsl-10 refused at RCPT" \
    'NM1: stage=rcpt action=reject check=client_access .*reason="client_access dsl-\*\.pool\.example\.test line [0-9]+ \(verified name dsl-10\.pool\.example\.test\.?\)" reply="550 5\.7\.1 Dial-up pool"'
noline "NM2: unverified dsl-11 not matched" 'NM2: .*check=client_access'
line "NM3: the PCRE2 entry, 450" \
    'NM3: stage=rcpt action=tempfail check=client_access .*reply="450 4\.7\.1 Dynamic pool"'
line "NM4: IPv6 client, verified name refused" \
    'NM4: stage=rcpt action=reject check=client_access .*dsl-v6\.pool\.example\.test'
noline "NM5: exact OK beats the glob" 'NM5: .*check=client_access'
check "the PTR was asked with rdns_check = off (unbound log)" \
    grep -Eq 'info: 127\.0\.0\.1 10\.2\.0\.192\.in-addr\.arpa\. PTR IN' "$T/log/unbound.log"
check "the forward lookup of the PTR name was made" \
    grep -Eq 'info: 127\.0\.0\.1 dsl-11\.pool\.example\.test\. A IN' "$T/log/unbound.log"
rw_stop names

rw_summary
