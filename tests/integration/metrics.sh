#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# metrics.sh - the Prometheus endpoint (metrics_listen, issue 10), scraped
# while mail flows over the milter protocol.
#
# Two block lists on tests/dns/dnsstub.py (bl1.m.test shown as "one",
# bl2.m.test as "two") list 192.0.2.60-62 only. Sessions go through RCPT
# (tests/drills/milterclient.py hold-rcpt), each from a client address
# given as data. Every scrape is checked by a real Prometheus parser
# (promtool check metrics, Debian's prometheus package), and the counts
# against the sessions sent:
#
#   3 listed clients -> 3 dnsbl rejects at RCPT, 3 hits in each list
#   2 unlisted clients -> 2 plain "continue" verdicts at RCPT; the same
#     client again -> a cache hit per list, no new list query
#   every session -> relaywarden_sessions_total; SPF counted by identity
#   3 sessions held open -> relaywarden_sessions_in_flight 3, then 0
#   a reload to mode = dryrun adding a third list "three": the counters
#     stay, "three" appears, a listed client is a dryrun reject
#   the state store (issue 8): greylisting, new -> pass -> known, and a
#     concurrency limit: the greylist states, the calls and the limit's
#     answers counted
#   GET /other -> 404; POST /metrics -> 405; IPv6 [::1] when the machine
#     has ::1; metrics off -> the daemon listens on no TCP port; a bad
#     metrics_listen -> "file:line" error and exit 1 from relaywarden -t
#
# Ports 25501 (DNS stub), 25510-25512 (metrics). Exit 0, 1 on failure,
# 77 when skipped.

. "$(dirname "$0")/lib.sh"
rw_init metrics ss curl promtool /usr/bin/python3

P_STUB=25501 P_M4=25510 P_M6=25511 P_OFF=25512
STUB=$RW_TOP_SRCDIR/tests/dns/dnsstub.py
CLIENT=$RW_TOP_SRCDIR/tests/drills/milterclient.py
HAVE_V6=0
grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null && HAVE_V6=1
rw_ports_free $P_M4 $P_M6 $P_OFF
if ss -Hlun "( sport = :$P_STUB )" | grep -q .; then
	fail "udp port $P_STUB in use"
	rw_summary
fi
rw_bg stub "$T/log/stub.log" /usr/bin/python3 "$STUB" \
    --zone bl1.m.test --zone bl2.m.test --zone bl3.m.test \
    --listed 60.2.0.192 --listed 61.2.0.192 --listed 62.2.0.192 \
    "delay:0" "127.0.0.1:$P_STUB"
rw_wait 10 sh -c "ss -Hlun '( sport = :$P_STUB )' | grep -q ." ||
    { fail "stub did not start"; rw_summary; }

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
		echo "rdns_check = off"
		printf '%s\n' "$@"
	} >"$T/$name.conf"
}

# session DAEMON ADDR [N] - N sessions (default 1) through RCPT
session() {
	OUT=$(/usr/bin/python3 "$CLIENT" "unix:$T/run/$1.sock" hold-rcpt \
	    "${3:-1}" --wait 0 --addr "$2" </dev/null 2>&1 | grep '^hold-rcpt')
}

# scrape URL - the body into $T/scrape.txt; SCRAPE_OK: curl and
# promtool both accepted it
SCRAPES=0
scrape() {
	SCRAPES=$((SCRAPES + 1))
	SCRAPE_OK=0
	if curl -sS -f -o "$T/scrape.txt" -D "$T/scrape.hdr" "$1" \
	    2>"$T/log/curl.log"; then
		cp "$T/scrape.txt" "$T/log/scrape-$SCRAPES.txt"
		if promtool check metrics <"$T/scrape.txt" \
		    >"$T/log/promtool-$SCRAPES.txt" 2>&1; then
			SCRAPE_OK=1
		fi
	fi
}

# m 'NAME{LABELS}' - the sample's value in the last scrape ("absent")
m() {
	awk -v k="$1" '$1 == k { v = $2 } END { print (v == "" ? "absent" : v) }' \
	    "$T/scrape.txt"
}

# expect 'NAME{LABELS}' WANT WHY - the sample equals WANT
expect() {
	local got
	got=$(m "$1")
	check "$3: $1 = $got, want $2" test "$got" = "$2"
}

URL4=http://127.0.0.1:$P_M4/metrics
conf m "dnsbl = one@bl1.m.test, two@bl2.m.test" \
    "metrics_listen = 127.0.0.1:$P_M4"
rw_start_daemon m "$T/m.conf" || rw_summary
rw_wait 10 rw_tcp_listening $P_M4 || fail "metrics: nothing listens on $P_M4"

scrape "$URL4"
check "fresh daemon: the scrape is served and promtool accepts it ($(head -c 300 "$T/log/promtool-$SCRAPES.txt" 2>/dev/null))" \
    test "$SCRAPE_OK" = 1
check "content type is the text format 0.0.4" \
    grep -qi '^content-type: text/plain; version=0.0.4' "$T/scrape.hdr"
expect 'relaywarden_sessions_total' 0 "fresh daemon"
expect 'relaywarden_dnsbl_hits_total{list="one"}' 0 "configured lists shown at zero"
expect 'relaywarden_dnsbl_suspended{list="two"}' 0 "configured lists shown at zero"

for a in 192.0.2.60 192.0.2.61 192.0.2.62; do
	session m $a
	check "listed client $a refused at RCPT ($OUT)" \
	    test "$OUT" = "hold-rcpt 0 1 0 ${OUT##* }"
done
for a in 192.0.2.70 192.0.2.71; do
	session m $a
	check "unlisted client $a accepted ($OUT)" \
	    test "$OUT" = "hold-rcpt 1 0 0 ${OUT##* }"
done

scrape "$URL4"
check "after mail: promtool accepts the scrape ($(head -c 300 "$T/log/promtool-$SCRAPES.txt"))" \
    test "$SCRAPE_OK" = 1
expect 'relaywarden_sessions_total' 5 "5 sessions sent"
expect 'relaywarden_verdicts_total{stage="rcpt",check="dnsbl",action="reject",mode="enforce"}' 3 \
    "3 listed clients"
expect 'relaywarden_verdicts_total{stage="rcpt",check="none",action="continue",mode="enforce"}' 2 \
    "2 unlisted clients"
expect 'relaywarden_verdict_wait_seconds_count{stage="rcpt"}' 5 \
    "one wait observed per RCPT verdict"
expect 'relaywarden_dnsbl_hits_total{list="one"}' 3 "3 listed clients"
expect 'relaywarden_dnsbl_hits_total{list="two"}' 3 "3 listed clients"
expect 'relaywarden_dnsbl_lookups_total{list="one"}' 5 "5 clients looked up"
expect 'relaywarden_dnsbl_cache_hits_total{list="one"}' 0 "5 new clients"
expect 'relaywarden_dnsbl_timeouts_total{list="one"}' 0 "the stub answers"
expect 'relaywarden_dnsbl_servfails_total{list="one"}' 0 "the stub answers"
expect 'relaywarden_dnsbl_list_errors_total{list="one"}' 0 "no 127.255.255.x"
expect 'relaywarden_spf_results_total{identity="mailfrom",result="none"}' 5 \
    "SPF of every sender (no record on the stub)"
expect 'relaywarden_spf_results_total{identity="helo",result="none"}' 5 \
    "SPF of every HELO (no record on the stub)"
expect 'relaywarden_sessions_in_flight' 0 "no session open"
# an answer no verdict needed may wait on its socket until the resolver
# thread's next look, at most a second later (dns.c): scrape until it is in
answered() {
	scrape "$URL4"
	test "$(m relaywarden_dns_answer_seconds_count)" = "$(m relaywarden_dns_queries_total)"
}
rw_wait 3 answered
q1=$(m relaywarden_dns_queries_total)
answers=$(m relaywarden_dns_answer_seconds_count)
check "DNS queries counted ($q1: 2 lists x 5 clients, and SPF's)" \
    test "$q1" -ge 10
check "every query answered and timed ($answers answers, $q1 queries)" \
    test "$answers" = "$q1"
check "no client address in any label" \
    sh -c "! grep -E '192\.0\.2\.|example\.test' '$T/scrape.txt'"

session m 192.0.2.70
scrape "$URL4"
expect 'relaywarden_dnsbl_cache_hits_total{list="one"}' 1 "the same client again"
expect 'relaywarden_dnsbl_cache_hits_total{list="two"}' 1 "the same client again"
expect 'relaywarden_dnsbl_lookups_total{list="one"}' 6 "6 lookups"
check "no list query for a cached client: A queries $(m relaywarden_dns_queries_total), before $q1" \
    test "$(m relaywarden_dns_queries_total)" = "$q1"

# sessions in flight: 3 held open at RCPT until their client is told to go
mkfifo "$T/hold.in"
/usr/bin/python3 "$CLIENT" "unix:$T/run/m.sock" hold-rcpt 3 --wait 0 \
    --addr 192.0.2.80 <"$T/hold.in" >"$T/log/hold.txt" 2>&1 &
HOLD=$!
exec 9>"$T/hold.in"
rw_wait 20 grep -q '^held' "$T/log/hold.txt" || fail "3 sessions not held"
scrape "$URL4"
expect 'relaywarden_sessions_in_flight' 3 "3 sessions held open"
exec 9>&-
wait $HOLD
rw_wait 10 sh -c "curl -s '$URL4' | grep -qx 'relaywarden_sessions_in_flight 0'" ||
    fail "sessions in flight did not go back to 0"

# HTTP: only GET /metrics
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P_M4/other")
check "GET /other: 404 (got $code)" test "$code" = 404
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$URL4")
check "POST /metrics: 405 (got $code)" test "$code" = 405

# reload: dryrun, and a third list; counters kept, the new list shown
conf m "dnsbl = one@bl1.m.test, two@bl2.m.test, three@bl3.m.test" \
    "metrics_listen = 127.0.0.1:$P_M4" "mode = dryrun"
kill -HUP "$(rw_pid_of m)"
rw_wait 10 rw_log_has "$T/log/m.log" 'reloaded' || fail "no reload logged"
session m 192.0.2.61
check "dryrun: listed client let through ($OUT)" \
    test "$OUT" = "hold-rcpt 1 0 0 ${OUT##* }"
scrape "$URL4"
check "after reload: promtool accepts the scrape" test "$SCRAPE_OK" = 1
expect 'relaywarden_sessions_total' 10 "counters kept across the reload"
expect 'relaywarden_verdicts_total{stage="rcpt",check="dnsbl",action="reject",mode="enforce"}' 3 \
    "enforced rejects kept"
expect 'relaywarden_verdicts_total{stage="rcpt",check="dnsbl",action="reject",mode="dryrun"}' 1 \
    "a dryrun reject"
expect 'relaywarden_dnsbl_hits_total{list="three"}' 1 "the list the reload added"
expect 'relaywarden_dnsbl_hits_total{list="one"}' 4 "one more hit"

# An answer waits on its socket until a session needs it (dns.c): the
# latency is still the server's (the stub answers at once), not how late
# the session read it (a client that takes 1.5 s to say HELO; the lists
# are needed at RCPT).
b0=$(m 'relaywarden_dns_answer_seconds_bucket{le="0.1"}')
c0=$(m relaywarden_dns_answer_seconds_count)
OUT=$(/usr/bin/python3 "$CLIENT" "unix:$T/run/m.sock" hold-rcpt 1 --wait 0 \
    --addr 192.0.2.90 --connect-pause 1.5 </dev/null 2>&1 | grep '^hold-rcpt')
check "a client slow to say HELO accepted ($OUT)" test "$OUT" = "hold-rcpt 1 0 0 ${OUT##* }"
scrape "$URL4"
b1=$(m 'relaywarden_dns_answer_seconds_bucket{le="0.1"}')
c1=$(m relaywarden_dns_answer_seconds_count)
check "answers read late are timed from the server: $((c1 - c0)) answers, $((b1 - b0)) within 0.1 s" \
    test "$((c1 - c0))" -ge 2 -a "$((b1 - b0))" = "$((c1 - c0))"

if [ $HAVE_V6 = 1 ]; then
	conf m6 "dnsbl = one@bl1.m.test" "metrics_listen = [::1]:$P_M6"
	rw_start_daemon m6 "$T/m6.conf" || rw_summary
	rw_wait 10 rw_tcp_listening $P_M6 || fail "m6: nothing listens on $P_M6"
	scrape "http://[::1]:$P_M6/metrics"
	check "IPv6: served on [::1]:$P_M6, promtool accepts it" test "$SCRAPE_OK" = 1
	rw_stop m6
else
	rw_note "no ::1 on this machine: IPv6 not checked"
fi

# the state store (issue 8): greylisting with no delay and a concurrency
# limit; one client three times: new (451), pass, known
conf st "metrics_listen = 127.0.0.1:$P_OFF" "state_store = lmdb:$T/state.lmdb" \
    "greylist = tempfail" "greylist_delay = 0" \
    "rate_limit = concurrency 10 for all"
rw_start_daemon st "$T/st.conf" || rw_summary
rw_wait 10 rw_tcp_listening $P_OFF || fail "st: nothing listens on $P_OFF"
session st 192.0.2.90
check "greylist: first attempt refused ($OUT)" test "$OUT" = "hold-rcpt 0 1 0 ${OUT##* }"
session st 192.0.2.90
check "greylist: second attempt passes ($OUT)" test "$OUT" = "hold-rcpt 1 0 0 ${OUT##* }"
session st 192.0.2.90
check "greylist: third attempt known ($OUT)" test "$OUT" = "hold-rcpt 1 0 0 ${OUT##* }"
scrape "http://127.0.0.1:$P_OFF/metrics"
check "state: promtool accepts the scrape" test "$SCRAPE_OK" = 1
expect 'relaywarden_greylist_total{state="new"}' 1 "one new triplet"
expect 'relaywarden_greylist_total{state="pass"}' 1 "one retry after the delay"
expect 'relaywarden_greylist_total{state="known"}' 1 "one known triplet"
expect 'relaywarden_verdicts_total{stage="rcpt",check="greylist",action="tempfail",mode="enforce"}' 1 \
    "the greylisted attempt"
expect 'relaywarden_rate_limit_checks_total{kind="concurrency",result="allowed"}' 3 \
    "3 sessions under the concurrency limit"
expect 'relaywarden_state_calls_total{op="greylist",result="ok"}' 3 "3 greylist calls"
expect 'relaywarden_state_calls_total{op="greylist",result="failed"}' 0 "the store works"
rw_stop st

# metrics off (the default): the daemon has no TCP listener at all
conf off "dnsbl = one@bl1.m.test"
rw_start_daemon off "$T/off.conf" || rw_summary
pid=$(rw_pid_of off)
check "metrics off: no TCP socket listens in the daemon (pid $pid)" \
    sh -c "! ss -Hltnp | grep -q 'pid=$pid,'"
rw_stop off

# a bad metrics_listen: file:line, exit 1, nothing started
for bad in "localhost:$P_OFF" "127.0.0.1" "127.0.0.1:0" "::1:$P_OFF" \
    "[::1]$P_OFF" "127.0.0.1:99999"; do
	conf bad "metrics_listen = $bad"
	line=$(grep -n '^metrics_listen' "$T/bad.conf" | cut -d: -f1)
	out=$("$RELAYWARDEN" -t -c "$T/bad.conf" 2>&1)
	rc=$?
	check "metrics_listen = $bad: exit 1 (got $rc)" test "$rc" = 1
	check "metrics_listen = $bad: error names $T/bad.conf:$line ($(echo "$out" | head -1))" \
	    sh -c "printf '%s\n' \"\$1\" | grep -qF \"$T/bad.conf:$line: metrics_listen\"" _ "$out"
done

rw_summary
