#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# dns-queries.sh - relaywarden asks the DNS only what a configured check
# reads (issue 11): the queries a session causes are behaviour (list
# operators limit free use by query volume), so they are counted here.
#
# tests/dns/dnsstub.py logs every query it gets ("TYPE NAME"); two block
# lists (bl1.q.test, bl2.q.test) list only 192.0.2.60. Sessions go over
# the milter protocol (tests/drills/milterclient.py hold-rcpt, one
# session through RCPT), each from a client address given as data.
#
#   unlisted new client, rdns_check = off: exactly one A query per list
#     and SPF's own TXT queries (HELO and MAIL FROM domains); no PTR, no
#     list TXT
#   the same client again (within the TTL): no query at all
#   listed client: one A per list, then the TXT of each listing list
#     (for the reply text, which names it)
#   rdns_check = tempfail: one PTR query, no list TXT for an unlisted
#     client
#
# Port 25351 (the stub). Exit 0, 1 on failure, 77 when skipped.

. "$(dirname "$0")/lib.sh"
rw_init dns-queries ss /usr/bin/python3

P_STUB=25351
STUB=$RW_TOP_SRCDIR/tests/dns/dnsstub.py
CLIENT=$RW_TOP_SRCDIR/tests/drills/milterclient.py
QLOG=$T/log/queries.log
T_A=1 T_PTR=12 T_TXT=16

if ss -Hlun "( sport = :$P_STUB )" | grep -q .; then
	fail "udp port $P_STUB in use"
	rw_summary
fi
: >"$QLOG"
rw_bg stub "$T/log/stub.log" /usr/bin/python3 "$STUB" --log-file "$QLOG" \
    --zone bl1.q.test --zone bl2.q.test --listed 60.2.0.192 \
    "delay:0" "127.0.0.1:$P_STUB"
rw_wait 10 sh -c "ss -Hlun '( sport = :$P_STUB )' | grep -q ." || { fail "stub did not start"; rw_summary; }

# conf NAME KEY=VALUE-LINES... - a daemon configuration
conf() {
	local name=$1
	shift
	{
		echo "socket = unix:$T/run/$name.sock"
		echo "pidfile = $T/run/$name.pid"
		echo "trusted_networks = 127.0.0.0/8, ::1/128"
		echo "local_domains = example.test"
		echo "dns_servers = 127.0.0.1:$P_STUB"
		echo "dns_timeout = 1s"
		echo "dns_deadline = 4s"
		echo "dnsbl_probe_interval = 0"
		echo "dnsbl = bl1.q.test, bl2.q.test"
		printf '%s\n' "$@"
	} >"$T/$name.conf"
}

# session DAEMON ADDR - one session through RCPT; OUT is its result line
session() {
	OUT=$(/usr/bin/python3 "$CLIENT" "unix:$T/run/$1.sock" hold-rcpt 1 \
	    --wait 0.1 --addr "$2" 2>&1 | grep '^hold-rcpt')
}

# mark - the query log so far; since - the queries after the last mark
mark() { MARK=$(wc -l <"$QLOG"); }
since() { tail -n +"$((MARK + 1))" "$QLOG"; }
# n TYPE ERE - queries of that type whose name matches, since the mark
n() { since | awk -v t="$1" '$1 == t' | grep -cE " $2\$"; }

conf off "rdns_check = off"
rw_start_daemon off "$T/off.conf" || rw_summary

mark
session off 192.0.2.70
check "unlisted client: accepted at RCPT ($OUT)" test "$OUT" = "hold-rcpt 1 0 0 ${OUT##* }"
sleep 0.2
check "unlisted client: one A query to bl1 ($(n $T_A '70\.2\.0\.192\.bl1\.q\.test'))" \
    test "$(n $T_A '70\.2\.0\.192\.bl1\.q\.test')" -eq 1
check "unlisted client: one A query to bl2 ($(n $T_A '70\.2\.0\.192\.bl2\.q\.test'))" \
    test "$(n $T_A '70\.2\.0\.192\.bl2\.q\.test')" -eq 1
check "unlisted client: no TXT query to a list ($(n $T_TXT '.*\.q\.test'))" \
    test "$(n $T_TXT '.*\.q\.test')" -eq 0
check "unlisted client, rdns_check = off: no PTR query ($(n $T_PTR '.*'))" \
    test "$(n $T_PTR '.*')" -eq 0
check "unlisted client: SPF's TXT queries, one per identity ($(n $T_TXT 'example\.test') for MAIL FROM, $(n $T_TXT 'client\.example\.test') for HELO)" \
    test "$(n $T_TXT 'example\.test')" -eq 1 -a "$(n $T_TXT 'client\.example\.test')" -eq 1
total=$(since | wc -l)
check "unlisted client: 4 queries in all (2 lists, 2 SPF identities): $total" test "$total" -eq 4
since | sed 's/^/     | /'

mark
session off 192.0.2.70
sleep 0.2
check "the same client again: no query ($(since | wc -l))" test "$(since | wc -l)" -eq 0

mark
session off 192.0.2.60
check "listed client: refused at RCPT ($OUT)" test "$OUT" = "hold-rcpt 0 1 0 ${OUT##* }"
sleep 0.2
check "listed client: one A and one TXT query per listing list" \
    test "$(n $T_A '60\.2\.0\.192\.bl[12]\.q\.test')" -eq 2 -a \
    "$(n $T_TXT '60\.2\.0\.192\.bl1\.q\.test')" -eq 1 -a \
    "$(n $T_TXT '60\.2\.0\.192\.bl2\.q\.test')" -eq 1
rw_expect_log "listed client: the refusal carries the list's TXT" "$T/log/off.log" \
    'action=reject check=dnsbl .*Listed by bl1\.q\.test \(stub\)'

conf rdns "rdns_check = tempfail"
rw_start_daemon rdns "$T/rdns.conf" || rw_summary
mark
session rdns 192.0.2.71
sleep 0.2
check "rdns_check = tempfail: one PTR query ($(n $T_PTR '71\.2\.0\.192\.in-addr\.arpa'))" \
    test "$(n $T_PTR '71\.2\.0\.192\.in-addr\.arpa')" -eq 1
check "rdns_check = tempfail: one A per list, no list TXT for an unlisted client" \
    test "$(n $T_A '71\.2\.0\.192\.bl[12]\.q\.test')" -eq 2 -a "$(n $T_TXT '.*\.q\.test')" -eq 0

rw_summary
