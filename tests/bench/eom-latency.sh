#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# eom-latency.sh - how long the end-of-message step takes through a real
# Postfix with relaywarden as its milter (issue 11, item 1: Nagle and
# delayed-ACK stalls). Prints figures; asserts nothing about speed.
#
# tests/bench/smtptime.py sends N messages one after the other (one per
# session, each from its own XCLIENT client address 192.0.2.x, so every
# check runs) and times "." -> "250" at the client: Postfix's cleanup
# sends the headers and end of message to the milter and waits for its
# header edits and verdict. The same run, interleaved in ROUNDS rounds,
# against Postfix smtpd ports:
#   25300  no milter (what the MTA alone costs)
#   25301  relaywarden on inet:25310@127.0.0.1 (TCP: Nagle, delayed ACKs)
#   25302  relaywarden on a unix socket (no Nagle, no delayed ACK)
#   25303  RW_COMPARE (another relaywarden binary, e.g. an older build) on
#          inet:25311@127.0.0.1, when RW_COMPARE is set
# relaywarden: relay control, one DNS list (dnsbl_action = tag, so its
# header is added too) and SPF for HELO and MAIL FROM, DNS answered at
# once by tests/dns/dnsstub.py on 127.0.0.1:25305. smtp-sink on 25304.
#
#   RELAYWARDEN=milter/relaywarden tests/bench/eom-latency.sh
#   RW_COMPARE=/tmp/relaywarden.old RELAYWARDEN=... tests/bench/eom-latency.sh
#
# Then the throughput with smtp-source (20 sessions at once, from
# 127.0.0.1, so relaywarden sees an insider: the protocol steps alone).
#
# Env: RW_TEST_DIR (default /tmp/rw-bench), BENCH_N (messages per round
# and port, 100), BENCH_ROUNDS (3), BENCH_TPUT_MSGS (messages per round
# and port for the throughput, 500; 0: none). Ports 25300-25311 (loopback only).
# Prints "N passed, N failed" last (the sessions all succeeded, nothing
# about speed); exit 0, 1, or 77 (skipped).

: "${RW_TEST_DIR:=/tmp/rw-bench}"
export RW_TEST_DIR
. "$(dirname "$0")/../integration/lib.sh"
rw_init eom-latency postfix postconf smtp-sink ss /usr/bin/python3

P_NOMILTER=25300 P_INET=25301 P_UNIX=25302 P_CMP=25303 P_SINK=25304 P_STUB=25305
P_RWINET=25310 P_RWCMP=25311
N=${BENCH_N:-100}
ROUNDS=${BENCH_ROUNDS:-3}
TPUT=${BENCH_TPUT_MSGS:-500}
CMP=${RW_COMPARE:-}
PF=$T/pf
HERE=$RW_TOP_SRCDIR/tests/bench

rw_ports_free $P_NOMILTER $P_INET $P_UNIX $P_CMP $P_SINK $P_RWINET $P_RWCMP
# ------------------------------------------------------------ DNS
rw_dns_stub "$P_STUB" --zone bl.bench.test delay:0

# ------------------------------------------------------------ relaywarden
# conf FILE SOCKET
conf() {
	cat >"$1" <<EOF
# relaywarden benchmark configuration (eom-latency.sh)
socket = $2
socket_mode = 0666
pidfile =
trusted_networks = 127.0.0.0/8, ::1/128
local_domains = example.test
dns_servers = 127.0.0.1:$P_STUB
dns_timeout = 1s
dns_deadline = 3s
rdns_check = off
spf_check = yes
spf_check_helo = yes
dnsbl = bl.bench.test
dnsbl_action = tag
dnsbl_probe_interval = 0
EOF
}
conf "$T/rw-inet.conf" "inet:$P_RWINET@127.0.0.1"
conf "$T/rw-unix.conf" "unix:$T/run/rw.sock"
rw_start_daemon rw-inet "$T/rw-inet.conf" || rw_summary
rw_start_daemon rw-unix "$T/rw-unix.conf" || rw_summary
if [ -n "$CMP" ]; then
	conf "$T/rw-cmp.conf" "inet:$P_RWCMP@127.0.0.1"
	RELAYWARDEN=$CMP rw_start_daemon rw-cmp "$T/rw-cmp.conf" || rw_summary
fi

# ------------------------------------------------------------ Postfix
rw_bg sink "$T/log/sink.log" smtp-sink -u nobody -h sink.bench.test \
    "127.0.0.1:$P_SINK" 256
rw_wait 10 rw_tcp_listening $P_SINK || { fail "smtp-sink did not start"; rw_summary; }
pf_master() {
	cat <<EOF
127.0.0.1:$P_NOMILTER inet n - n - - smtpd
  -o syslog_name=postfix/nomilter
  -o smtpd_milters=
127.0.0.1:$P_INET inet n - n - - smtpd
  -o syslog_name=postfix/inet
  -o smtpd_milters=inet:127.0.0.1:$P_RWINET
127.0.0.1:$P_UNIX inet n - n - - smtpd
  -o syslog_name=postfix/unix
  -o smtpd_milters=unix:$T/run/rw.sock
EOF
	[ -z "$CMP" ] || cat <<EOF
127.0.0.1:$P_CMP inet n - n - - smtpd
  -o syslog_name=postfix/compare
  -o smtpd_milters=inet:127.0.0.1:$P_RWCMP
EOF
	return 0
}
rw_postfix_setup "$PF" $P_SINK ipv4 "" pf_master
ports="$P_NOMILTER $P_INET $P_UNIX"
[ -z "$CMP" ] || ports="$ports $P_CMP"
# shellcheck disable=SC2086
rw_postfix_start "$PF" $ports

label() {
	case $1 in
	"$P_NOMILTER") echo no-milter ;;
	"$P_INET") echo relaywarden-inet ;;
	"$P_UNIX") echo relaywarden-unix ;;
	"$P_CMP") echo compare-inet ;;
	esac
}

# ------------------------------------------------------------ rounds
# warm-up: Postfix's processes, the DNS cache
for p in $ports; do
	/usr/bin/python3 "$HERE/smtptime.py" 127.0.0.1 "$p" 5 --tag warmup >/dev/null 2>&1
done
: >"$T/log/rounds.txt"
ok=1
for r in $(seq "$ROUNDS"); do
	for p in $ports; do
		if ! /usr/bin/python3 "$HERE/smtptime.py" 127.0.0.1 "$p" "$N" \
		    --tag "$(label "$p")" >>"$T/log/rounds.txt" 2>>"$T/log/smtptime.err"; then
			ok=0
			fail "round $r, $(label "$p"): a session failed: $(tail -1 "$T/log/smtptime.err")"
		fi
	done
done
[ $ok = 1 ] && pass "every session of every round accepted ($ROUNDS rounds x $N messages per port)"
rw_expect_log "relaywarden-inet tagged (the list's header, Received-SPF and Authentication-Results added)" \
    "$T/log/rw-inet.log" 'action=tag check=dnsbl'

# throughput: smtp-source, 20 sessions at once, from 127.0.0.1 (an
# insider: no checks, no header edits; the protocol steps alone)
: >"$T/log/tput.txt"
if command -v smtp-source >/dev/null 2>&1 && [ "$TPUT" -gt 0 ]; then
	for r in $(seq "$ROUNDS"); do
		for p in $ports; do
			t0=$(date +%s%N)
			if smtp-source -s 20 -m "$TPUT" -l 1024 -f sender@example.org \
			    -t bob@example.test "127.0.0.1:$p" >>"$T/log/smtp-source.out" 2>&1; then
				echo "$(label "$p") $((TPUT * 1000000000 / ($(date +%s%N) - t0)))" >>"$T/log/tput.txt"
			else
				fail "smtp-source to $(label "$p") failed (see $T/log/smtp-source.out)"
			fi
		done
	done
fi

# med LABEL COLUMN - median over the rounds of one column of rounds.txt
med() {
	awk -v l="$1" -v c="$2" '$1 == l { print $c }' "$T/log/rounds.txt" | sort -n |
	    awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'
}
echo "# --------------------------------------------------------------"
echo "# end of message, \".\" -> \"250\" at the client, ms; $ROUNDS round(s) x $N"
echo "# messages per port; each round:"
sed 's/^/#   /' "$T/log/rounds.txt"
echo "# medians over the rounds:"
for p in $ports; do
	l=$(label "$p")
	printf '# %-18s eom p50 %6s  p90 %6s  max %6s   whole session p50 %6s\n' \
	    "$l" "$(med "$l" 4)" "$(med "$l" 6)" "$(med "$l" 8)" "$(med "$l" 11)"
done
if [ -s "$T/log/tput.txt" ]; then
	echo "# throughput, smtp-source -s 20 -m $TPUT -l 1024 from 127.0.0.1, msg/s"
	echo "# (median over the rounds; each round: $(tr '\n' ' ' <"$T/log/tput.txt"))"
	for p in $ports; do
		l=$(label "$p")
		printf '# %-18s %6s msg/s\n' "$l" "$(awk -v l="$l" '$1 == l { print $2 }' "$T/log/tput.txt" |
		    sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')"
	done
fi
rw_summary
