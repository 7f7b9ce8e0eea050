#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# uribl.sh - URI block lists (issue 9) against a real rbldnsd on loopback,
# driven over the milter protocol with miltertest (uribl.lua): messages
# with links go through connect, HELO, MAIL, RCPT, header, body and end of
# message, and the end of message reply is the URI lists' verdict.
#
# rbldnsd serves one URI list, uri.test, from three data sets
# (tests/dns/uribl-*.zone): a dnset of registered domains (spammer.co.uk,
# spam.example, hidden.example; "test" listed and "invalid" not, RFC 5782
# 5), an ip4set (192.0.2.77, .78) and an ip6trie (2001:db8::77). The daemons ask rbldnsd
# directly (dns_servers), so its query log holds every query they make.
# Client addresses are data (192.0.2.x); nothing connects to them.
#
# What it asserts, per daemon:
#   main      a link to www.spammer.co.uk (its registered domain listed)
#             -> 550 5.7.1 "Message refused: it links to spammer.co.uk,
#             listed by surbl" (the display name; the zone only in the
#             log reason), with the list's TXT; one A query for the
#             registered domain (not for www.), then the TXT; an unlisted
#             link passes; a listed IPv4 and IPv6 URL host is refused,
#             asked reversed; an HTML href is read; 127.0.0.1 and
#             127.255.255.x answers are no listing (the latter logged
#             loudly); a message without links makes no query at all; a
#             trusted client makes none either; hosts hidden by percent
#             encoding (the seeds' http://%73%70%61%6d...) or written as a
#             hex IP are asked as the client would follow them
#   (query)   relaywarden-query -m -D refuses such a message file the same way
#   cap       uribl_max_lookups = 2: two subjects asked, the URLs past
#             the cap logged
#   dead      the list does not answer (a blackhole server): the message
#             is tempfailed with 451 4.4.3 within dns_deadline, never a 5xx
#   failopen  the same with dns_fail_open = yes: the message passes
#
#   RELAYWARDEN=milter/relaywarden tests/integration/uribl.sh
#
# Ports: 25800 (rbldnsd), 25801 (the blackhole). Scratch:
# $RW_TEST_DIR/uribl. Prints "N passed, N failed" last; exit 0, 1, or 77.

. "$(dirname "$0")/lib.sh"
rw_init uribl miltertest rbldnsd dig ss /usr/bin/python3

P_RBL=25800
P_HOLE=25801
ZONES=$RW_TOP_SRCDIR/tests/dns
QLOG=$T/log/rbldnsd.queries

rw_ports_free "$P_RBL" "$P_HOLE"
for p in $P_RBL $P_HOLE; do
	if ss -Hlun "( sport = :$p )" | grep -q .; then
		fail "udp port $p in use"
		rw_summary
	fi
done

# rbldnsd refuses to run as root: it switches to user rbldns, which must
# read the zones and write the query log
mkdir -p "$T/zones"
cp "$ZONES"/uribl-dom.zone "$ZONES"/uribl-ip.zone "$ZONES"/uribl-ip6.zone "$T/zones/"
chmod 755 "$T/zones"
chmod 644 "$T/zones"/*
: >"$QLOG"
chown rbldns "$QLOG"
rw_bg rbldnsd "$T/log/rbldnsd.out" rbldnsd -n -t 60 -b "127.0.0.1/$P_RBL" \
    -w "$T/zones" -l "+$QLOG" \
    uri.test:dnset:uribl-dom.zone uri.test:ip4set:uribl-ip.zone \
    uri.test:ip6trie:uribl-ip6.zone
rw_bg blackhole "$T/log/blackhole.out" /usr/bin/python3 \
    "$RW_TOP_SRCDIR/tests/dns/dnsstub.py" blackhole "127.0.0.1:$P_HOLE"
dig_ok() { dig +short +time=1 +tries=1 -p "$P_RBL" @127.0.0.1 test.uri.test A | grep -q 127.0.0.2; }
if ! rw_wait 10 dig_ok; then
	fail "rbldnsd does not answer for test.uri.test"
	sed 's/^/     | /' "$T/log/rbldnsd.out"
	rw_summary
fi
rw_wait 10 sh -c "ss -Hlun '( sport = :$P_HOLE )' | grep -q ." ||
    { fail "the blackhole did not start"; rw_summary; }
pass "rbldnsd serves uri.test (dnset, ip4set, ip6trie)"

# daemon NAME KEY=VALUE-LINES... - write NAME.conf and start it
daemon() {
	local name=$1
	shift
	{
		echo "socket = unix:$T/run/$name.sock"
		echo "pidfile = $T/run/$name.pid"
		echo "trusted_networks = 127.0.0.0/8, ::1/128"
		echo "local_domains = example.test"
		echo "rdns_check = off"
		echo "spf_check = no"
		echo "spf_check_helo = no"
		echo "log_level = debug"
		echo "uribl = surbl@uri.test"
		printf '%s\n' "$@"
	} >"$T/$name.conf"
	rw_start_daemon "$name" "$T/$name.conf" || rw_summary
}

daemon main "dns_servers = 127.0.0.1:$P_RBL" "dns_timeout = 1s" \
    "dns_deadline = 3s" "dnsbl_probe_interval = 300"
daemon cap "dns_servers = 127.0.0.1:$P_RBL" "dns_timeout = 1s" \
    "dns_deadline = 3s" "dnsbl_probe_interval = 0" "uribl_max_lookups = 2"
daemon dead "dns_servers = 127.0.0.1:$P_HOLE" "dns_timeout = 500ms" \
    "dns_retries = 1" "dns_deadline = 1500ms" "dnsbl_probe_interval = 0"
daemon failopen "dns_servers = 127.0.0.1:$P_HOLE" "dns_timeout = 500ms" \
    "dns_retries = 1" "dns_deadline = 1500ms" "dnsbl_probe_interval = 0" \
    "dns_fail_open = yes"

# ------------------------------------------------------------ helpers
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# body QID TEXT - the message body of session QID (CRLF lines)
body() { printf '%s\r\n' "$2" "" "-- " "uribl.sh" >"$T/body-$1.txt"; }

# mt DAEMON QID ADDR WANT [-D k=v...] - one session through uribl.lua
mt() {
	local d=$1 qid=$2 addr=$3 want=$4 rc t0 out
	shift 4
	out=$T/log/mt-$qid.txt
	t0=$(now_ms)
	miltertest -D sock="unix:$T/run/$d.sock" -D srcdir="$RW_HERE" \
	    -D qid="$qid" -D addr="$addr" -D want="$want" \
	    -D bodyfile="$T/body-$qid.txt" "$@" -s "$RW_HERE/uribl.lua" \
	    >"$out" 2>&1
	rc=$?
	MT_MS=$(($(now_ms) - t0))
	grep -E '^(FAIL|FATAL)' "$out" | sed 's/^/     | /'
	if [ $rc -eq 0 ]; then
		pass "$d $qid: $want ($(grep -c '^ok ' "$out") checks, ${MT_MS} ms)"
	else
		fail "$d $qid: miltertest exit $rc, see $out"
	fi
}

# verdict DAEMON QID ACTION REPLY - QID's end of message verdict line
verdict() {
	rw_expect_log "$1 $2: $3 by uribl: $4" "$T/log/$1.log" \
	    "$2: stage=eom action=$3 check=uribl .*reply=\"$4" 3
}
# noverdict DAEMON QID - no refusal logged for QID at end of message
noverdict() {
	rw_expect_nolog "$1 $2: no uribl verdict" "$T/log/$1.log" \
	    "$2: stage=eom action=(reject|tempfail) "
}

# mark - the query log so far; since - the queries after the last mark;
# n ERE - how many of them match (rbldnsd logs "time client NAME TYPE ...")
mark() { sleep 0.2; MARK=$(wc -l <"$QLOG"); }
since() { tail -n +"$((MARK + 1))" "$QLOG"; }
n() { since | grep -cE -- " $1 "; }

# ------------------------------------------------------------ main
mark
body L1 "Cheap offer: http://www.spammer.co.uk/buy?now=1 today"
mt main L1 192.0.2.10 REPLYCODE
verdict main L1 reject "550 5.7.1 Message refused: it links to spammer.co.uk, listed by surbl: Linked domain spammer.co.uk is listed"
rw_expect_log_all "main L1: the zone in the log reason only" "$T/log/main.log" \
    "L1: stage=eom action=reject" 'reason=".*spammer\.co\.uk in uri\.test'
rw_expect_nolog "main L1: the zone never in a reply" "$T/log/main.log" \
    'reply="[^"]*uri\.test'
sleep 0.2
check "main L1: one A query for the registered domain ($(n 'spammer\.co\.uk\.uri\.test A'))" \
    test "$(n 'spammer\.co\.uk\.uri\.test A')" -eq 1
check "main L1: no query for the full host name ($(n 'www\.spammer'))" \
    test "$(n 'www\.spammer')" -eq 0
check "main L1: one TXT query for the listing ($(n 'spammer\.co\.uk\.uri\.test TXT'))" \
    test "$(n 'spammer\.co\.uk\.uri\.test TXT')" -eq 1

body C1 "Our newsletter: https://clean.example/news and http://www.clean.example/x"
mark
mt main C1 192.0.2.11 PASS
noverdict main C1
sleep 0.2
check "main C1: an unlisted domain asked once, no TXT ($(n 'clean\.example\.uri\.test A'), $(n 'TXT'))" \
    test "$(n 'clean\.example\.uri\.test A')" -eq 1 -a "$(n 'TXT')" -eq 0

body I4 "Click http://192.0.2.77/login now"
mark
mt main I4 192.0.2.12 REPLYCODE
verdict main I4 reject "550 5.7.1 Message refused: it links to 192.0.2.77, listed by surbl"
check "main I4: the IPv4 host asked reversed ($(n '77\.2\.0\.192\.uri\.test A'))" \
    test "$(n '77\.2\.0\.192\.uri\.test A')" -eq 1

body I6 "Click http://[2001:db8::77]/login now"
mt main I6 192.0.2.13 REPLYCODE
verdict main I6 reject "550 5.7.1 Message refused: it links to 2001:db8::77, listed by surbl"

body H1 '<html><body><p>Hello</p><a href="http://track.spam.example/c?id=5">here</a></body></html>'
mt main H1 192.0.2.14 REPLYCODE -D ctype=text/html
verdict main H1 reject "550 5.7.1 Message refused: it links to spam.example, listed by surbl"

# hidden.example and 192.0.2.78 are asked nowhere else: not in the cache
body O1 "Hidden: http://%68%69%64%64%65%6e.example/x and http://0xc0.0.2.78/y"
mark
mt main O1 192.0.2.17 REPLYCODE
verdict main O1 reject "550 5.7.1 Message refused: it links to hidden.example, listed by surbl"
sleep 0.2
check "main O1: the percent-encoded host asked as hidden.example ($(n 'hidden\.example\.uri\.test A'))" \
    test "$(n 'hidden\.example\.uri\.test A')" -eq 1
check "main O1: the hex IP host asked as 192.0.2.78 ($(n '78\.2\.0\.192\.uri\.test A'))" \
    test "$(n '78\.2\.0\.192\.uri\.test A')" -eq 1

body N1 "See http://notalisting.example/ and http://refused.example/"
mt main N1 192.0.2.15 PASS
noverdict main N1
rw_expect_log "main N1: 127.255.255.254 logged as a list error" "$T/log/main.log" \
    "N1: list uri\.test answered 127\.255\.255\.254" 3

body P1 "No links here, only text. Write to me at user@spam.example."
mark
mt main P1 192.0.2.16 PASS
noverdict main P1
sleep 0.2
check "main P1: a message without links makes no query ($(since | wc -l))" \
    test "$(since | wc -l)" -eq 0

body T1 "Internal: http://www.spammer.co.uk/ (trusted client)"
mark
mt main T1 127.0.0.1 PASS
noverdict main T1
sleep 0.2
check "main T1: a trusted client's message makes no query ($(since | wc -l))" \
    test "$(since | wc -l)" -eq 0

# ------------------------------------------------------------ the query tool
# relaywarden-query -m -D runs the same stages over a message file, through
# the configuration's dns_servers
QUERY=${RELAYWARDEN_QUERY:-$(dirname "$RELAYWARDEN")/relaywarden-query}
printf '%s\r\n' "From: <sender@example.org>" "Subject: uribl.sh Q1" \
    "Content-Type: text/plain" "" "Go to http://www.spammer.co.uk/buy" \
    >"$T/q1.eml"
"$QUERY" -c "$T/main.conf" -D -m "$T/q1.eml" -a 192.0.2.30 \
    -r user@example.test >"$T/log/query-q1.txt" 2>&1
check "relaywarden-query -m -D: the link refused by uribl ($(grep -m1 'check=uribl' "$T/log/query-q1.txt"))" \
    grep -q 'action=reject check=uribl .*550 5\.7\.1 Message refused: it links to spammer\.co\.uk, listed by surbl' \
    "$T/log/query-q1.txt"

# ------------------------------------------------------------ the cap
body K1 "Links: http://k1.example/ http://k2.example/ http://www.k1.example/ http://k3.example/ http://spam.example/"
mark
mt cap K1 192.0.2.18 PASS
noverdict cap K1
sleep 0.2
check "cap K1: uribl_max_lookups = 2: two subjects asked ($(n '[^ ]*\.uri\.test A'))" \
    test "$(n '[^ ]*\.uri\.test A')" -eq 2
check "cap K1: the first two distinct registered domains ($(n 'k[12]\.example\.uri\.test A'))" \
    test "$(n 'k[12]\.example\.uri\.test A')" -eq 2
rw_expect_log "cap K1: the URLs past the cap logged" "$T/log/cap.log" \
    "K1: uribl: 2 URLs past uribl_max_lookups = 2 not looked up" 3

# ------------------------------------------------------------ dead list
body D1 "Cheap offer: http://www.spammer.co.uk/buy"
mt dead D1 192.0.2.20 REPLYCODE
verdict dead D1 tempfail "451 4.4.3 URI block list lookup failed"
rw_note "dead D1 took ${MT_MS} ms (dns_deadline 1500 ms)"
rw_expect_nolog "dead: never a 5xx" "$T/log/dead.log" 'reply="5'

body F1 "Cheap offer: http://www.spammer.co.uk/buy"
mt failopen F1 192.0.2.21 PASS
noverdict failopen F1

# The Public Suffix List (about 300 KB) is made when a message's links
# are first looked up, once for all sessions, not at start.
check "main: the Public Suffix List was made once, for the first message with links" \
    test "$(grep -c 'uribl: Public Suffix List made' "$T/log/main.log")" -eq 1
check "main: not at start (after the first session's verdict lines)" \
    awk '/ from=</ { m = 1 } /uribl: Public Suffix List made/ { exit !m }' "$T/log/main.log"

rw_summary
