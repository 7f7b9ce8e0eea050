#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# NAME
#	fixtures.sh - start or stop relaywarden's loopback DNS fixtures
# SYNOPSIS
#	tests/dns/fixtures.sh start|stop|status
# DESCRIPTION
#	start runs, in the foreground-mode-in-the-background way, each with
#	its PID in $DIR/run/NAME.pid:
#	  unbound    127.0.0.1 (and ::1) port $RW_DNS_PORT: the zones of
#	             unbound.conf.in, the lists through stub zones, fault
#	             injection, and nothing ever recursed to the Internet
#	  rbldnsd    127.0.0.1 port $RW_RBL_PORT (UDP only): dnsbl.test
#	             (ip4set + ip6trie), bl2.test, allow.test, rhsbl.test
#	             (dnset), world.test, s3cr3tk3y.zen.dq.test (a zone
#	             holding an access key)
#	  servfail   dnsstub.py servfail on 127.0.0.1 port $RW_SERVFAIL_PORT
#	  blackhole  dnsstub.py blackhole on 127.0.0.1 port $RW_BLACKHOLE_PORT
#	and waits until unbound answers for example.test and for a listed
#	address of dnsbl.test through its stub zone. Exit 0 when all is up;
#	otherwise 1, with what started stopped again.
#
#	stop signals each recorded PID (SIGTERM, SIGKILL after 10 s), only
#	when /proc/PID/cmdline still names that program. status lists them.
#
#	Logs: $DIR/log/unbound.log has one line per query a client sent
#	(log-queries); $DIR/log/rbldnsd.queries one per query rbldnsd saw.
# ENVIRONMENT
#	RW_FIXTURES_DIR	  scratch directory (default $RW_TEST_DIR/fixtures,
#			  RW_TEST_DIR defaulting to /tmp/rw-dns)
#	RW_DNS_PORT	  25153    RW_RBL_PORT	     25154
#	RW_SERVFAIL_PORT  25155    RW_BLACKHOLE_PORT 25156
#	The ports must stay within 25150-25199; everything binds loopback.
# NEEDS
#	unbound, unbound-checkconf, rbldnsd (and its user "rbldns"), dig,
#	ss, /usr/bin/python3. Root: rbldnsd refuses to run as root and
#	switches to user rbldns, which only root can do.

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${RW_FIXTURES_DIR:-${RW_TEST_DIR:-/tmp/rw-dns}/fixtures}
RW_DNS_PORT=${RW_DNS_PORT:-25153}
RW_RBL_PORT=${RW_RBL_PORT:-25154}
RW_SERVFAIL_PORT=${RW_SERVFAIL_PORT:-25155}
RW_BLACKHOLE_PORT=${RW_BLACKHOLE_PORT:-25156}
PY=/usr/bin/python3
NAMES="unbound rbldnsd servfail blackhole"

say() { printf 'fixtures: %s\n' "$*" >&2; }

# word NAME - what /proc/PID/cmdline of that fixture contains
word() {
	case $1 in
	unbound) echo unbound ;;
	rbldnsd) echo rbldnsd ;;
	*) echo dnsstub.py ;;
	esac
}

alive() {
	local pid
	[ -f "$DIR/run/$1.pid" ] || return 1
	pid=$(tr -dc 0-9 <"$DIR/run/$1.pid")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
	    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$(word "$1")"
}

stop_one() {
	local pid i
	[ -f "$DIR/run/$1.pid" ] || return 0
	pid=$(tr -dc 0-9 <"$DIR/run/$1.pid")
	if alive "$1"; then
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$pid" 2>/dev/null; then
			say "$1 (pid $pid) ignored SIGTERM for 10 s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	rm -f "$DIR/run/$1.pid"
}

stop_all() {
	local n
	for n in $NAMES; do stop_one "$n"; done
}

udp_listening() { ss -Hlun "( sport = :$1 )" 2>/dev/null | grep -q .; }

wait_for() {
	local n=$(($1 * 10))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# bg NAME cmd... - start a foreground-mode daemon, record its PID
bg() {
	local name=$1
	shift
	"$@" >>"$DIR/log/$name.out" 2>&1 </dev/null &
	echo $! >"$DIR/run/$name.pid"
}

dig_has() {	# dig_has WANT NAME TYPE - unbound's answer contains WANT
	dig +short +time=1 +tries=1 -p "$RW_DNS_PORT" @127.0.0.1 "$2" "$3" 2>/dev/null | grep -qF -- "$1"
}

start() {
	local p v6="# no ::1 on this machine"
	for p in $RW_DNS_PORT $RW_RBL_PORT $RW_SERVFAIL_PORT $RW_BLACKHOLE_PORT; do
		case $p in
		251[5-9][0-9]) ;;
		*) say "port $p outside 25150-25199"; return 1 ;;
		esac
		if udp_listening "$p"; then
			say "udp port $p already in use (ss -lunp 'sport = :$p'); another run?"
			return 1
		fi
	done
	mkdir -p "$DIR/run" "$DIR/log" "$DIR/zones"
	chmod 755 "$DIR" "$DIR/run" "$DIR/log" "$DIR/zones"
	cp "$HERE"/*.zone "$DIR/zones/"
	chmod 644 "$DIR"/zones/*.zone
	grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null && v6="interface: ::1@$RW_DNS_PORT"
	sed -e "s|@DIR@|$DIR|g" -e "s|@ZONES@|$DIR/zones|g" -e "s|@PORT@|$RW_DNS_PORT|g" \
	    -e "s|@RBL_PORT@|$RW_RBL_PORT|g" -e "s|@SERVFAIL_PORT@|$RW_SERVFAIL_PORT|g" \
	    -e "s|@V6@|$v6|g" "$HERE/unbound.conf.in" >"$DIR/unbound.conf"
	if ! unbound-checkconf "$DIR/unbound.conf" >"$DIR/log/unbound-checkconf.out" 2>&1; then
		say "unbound-checkconf: $(tail -2 "$DIR/log/unbound-checkconf.out")"
		return 1
	fi

	bg servfail "$PY" "$HERE/dnsstub.py" --count-file "$DIR/run/servfail.count" \
	    servfail "127.0.0.1:$RW_SERVFAIL_PORT"
	bg blackhole "$PY" "$HERE/dnsstub.py" --count-file "$DIR/run/blackhole.count" \
	    blackhole "127.0.0.1:$RW_BLACKHOLE_PORT"
	# rbldnsd refuses to run as root: it switches to user rbldns and
	# opens the -l file only afterwards, so that file must exist and be
	# rbldns's. -t 60: default TTL of answers without their own.
	: >"$DIR/log/rbldnsd.queries"
	chown rbldns "$DIR/log/rbldnsd.queries"
	bg rbldnsd rbldnsd -n -t 60 -b "127.0.0.1/$RW_RBL_PORT" -w "$DIR/zones" \
	    -l "+$DIR/log/rbldnsd.queries" \
	    dnsbl.test:ip4set:dnsbl.zone dnsbl.test:ip6trie:dnsbl6.zone \
	    bl2.test:ip4set:bl2.zone allow.test:ip4set:allow.zone \
	    rhsbl.test:dnset:rhsbl.zone world.test:ip4set:world.zone \
	    s3cr3tk3y.zen.dq.test:ip4set:dq.zone
	bg unbound unbound -d -c "$DIR/unbound.conf"

	if ! wait_for 10 udp_listening "$RW_DNS_PORT" || ! wait_for 10 udp_listening "$RW_RBL_PORT" ||
	    ! wait_for 10 udp_listening "$RW_SERVFAIL_PORT" || ! wait_for 10 udp_listening "$RW_BLACKHOLE_PORT"; then
		say "a fixture did not start; see $DIR/log/*.out"
		status >&2
		stop_all
		return 1
	fi
	if ! wait_for 10 dig_has hostmaster example.test SOA ||
	    ! wait_for 10 dig_has 127.0.0.2 2.0.0.127.dnsbl.test A; then
		say "unbound does not answer example.test or dnsbl.test (see $DIR/log/unbound.log)"
		stop_all
		return 1
	fi
	say "unbound 127.0.0.1:$RW_DNS_PORT, rbldnsd :$RW_RBL_PORT, servfail :$RW_SERVFAIL_PORT, blackhole :$RW_BLACKHOLE_PORT ($DIR)"
}

status() {
	local n rc=0
	for n in $NAMES; do
		if alive "$n"; then
			echo "up   $n pid $(cat "$DIR/run/$n.pid")"
		else
			echo "down $n"
			rc=1
		fi
	done
	return $rc
}

case ${1:-} in
start) start ;;
stop) stop_all ;;
status) status ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
