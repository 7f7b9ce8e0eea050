#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# postfix-state.sh - greylisting and rate limits end to end, on the
# embedded state store, with Postfix's own retries:
#
#   swaks -> Postfix A (the sender: 25202, no milter; it retries 4xx after
#   2-4 s) -> Postfix B (the receiver: 25200, relaywarden on a unix socket)
#   -> smtp-sink (25201), which counts deliveries by Subject.
#   swaks also speaks to B directly (25200) to see the replies.
#
#   1. greylisting: A's first attempt gets 451 4.7.1 greylisted, A's own
#      retry after the delay (3 s here) is delivered, exactly once;
#   2. the triplet survives a relaywarden restart and a kill -9 (the next
#      message passes at once); relaywarden-query -g shows and clears it,
#      and lists the auto-allowlisted network;
#   3. a rate limit: a second message within the window gets 451 4.7.1
#      "rate limit exceeded for rate:msg:ip:...", A's retry is delivered;
#   4. the state file truncated, or made unreadable to the daemon's user:
#      mail still flows, the file is moved aside with a log line.
# Ports 25200-25204.
#
#   RELAYWARDEN=milter/relaywarden tests/integration/postfix-state.sh
#
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
rw_init postfix-state postfix postconf smtp-sink swaks ss

P_B=25200 P_SINK=25201 P_A=25202
QUERY=${RELAYWARDEN_QUERY:-$(dirname "$RELAYWARDEN")/relaywarden-query}
LOG=$T/log/rw.log
STATE=$T/state
DB=$STATE/state.lmdb
rw_ports_free $P_B $P_SINK $P_A
mkdir -p "$STATE"
chown nobody "$STATE"

# conf FILE [extra lines] - B's relaywarden: relay check, greylisting or
# rate limits given by the caller, the store in $STATE, as user nobody
conf() {
	local f=$1
	shift
	rw_relay_conf "$f" "" 0666 "127.0.0.0/8" \
	    "user = nobody" \
	    "state_store = lmdb:$DB" \
	    "greylist_skip_trusted = no" "$@"
}
conf "$T/grey.conf" "greylist = tempfail" "greylist_delay = 3s" \
    "greylist_autoallow_passes = 2"
conf "$T/rate.conf" "rate_limit = messages 1/60s for all"

start() {	# CONF
	rw_start_daemon rw "$1" >/dev/null || { fail "relaywarden did not start"; return 1; }
}
start "$T/grey.conf" || rw_summary

# -------------------------------------------------------------- Postfix
rw_start_sink $P_SINK || rw_summary
b_master() { echo "127.0.0.1:$P_B inet n - n - - smtpd"; }
rw_postfix_setup "$T/pfb" $P_SINK ipv4 "unix:$T/run/rw.sock" b_master
# A: a second instance whose only next hop is B, retrying soon
a_master() {
	echo "127.0.0.1:$P_A inet n - n - - smtpd"
	echo "  -o smtpd_milters="
}
a_main() {
	cat <<EOF2
queue_run_delay = 1s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
EOF2
}
rw_postfix_setup "$T/pfa" $P_B ipv4 "" a_master a_main
sed -i "s|^maillog_file = .*|maillog_file = $T/log/postfix-a.log|" "$T/pfa/etc/main.cf"
rw_postfix_start "$T/pfb" $P_B
pf_b_pid=$(rw_pid_of postfix)
# rw_postfix_start tracks one "postfix"; keep B's under another name
rw_track postfix-b "$pf_b_pid" master "postfix -c '$T/pfb/etc' stop"
rm -f "$T/run/postfix.track" "$T/run/postfix.stop"
RW_TRACKED=${RW_TRACKED//postfix /}
rw_postfix_start "$T/pfa" $P_A

# sink_count SUBJECT - how many deliveries carry this Subject
sink_count() { grep -rlF -- "Subject: $1" "$T/sink" 2>/dev/null | wc -l; }

# via_a SUBJECT [FROM] [TO] - submit to A, which relays to B
via_a() {
	swaks --timeout 20 --server 127.0.0.1 --port $P_A --helo a.example.test \
	    --from "${2:-sender@example.org}" --to "${3:-user@example.test}" \
	    --header "Subject: $1" >"$T/log/swaks-a-$1.txt" 2>&1
}
direct_b() {	# NAME WANT_RC WANT_RE SUBJECT [FROM] [TO]
	rw_swaks "$1" "$2" "$3" --server 127.0.0.1 --port $P_B \
	    --helo a.example.test --from "${5:-sender@example.org}" \
	    --to "${6:-user@example.test}" --header "Subject: $4"
}

# -------------------------------------------------------------- 1. greylisting
s1=$(rw_subject grey)
via_a "$s1" || fail "A refused the submission"
rw_expect_log "B's relaywarden greylists the first attempt" "$LOG" \
    'check=greylist .*reason="state=new wait=3s'
check "Postfix A got 451 4.7.1 greylisted and deferred" \
    rw_wait 15 grep -q 'greylisted, try again in [0-9]* seconds' "$T/log/postfix-a.log"
rw_expect_delivered "A's own retry after the delay is delivered" "$s1" 40
sleep 3
check "delivered exactly once ($(sink_count "$s1"))" test "$(sink_count "$s1")" = 1
check "no 5xx from B" bash -c "! grep -q 'said: 5[0-9][0-9]' '$T/log/postfix-a.log'"

# -------------------------------------------------------------- 2. restart, kill -9
out=$("$QUERY" -c "$T/grey.conf" -g show -a 127.0.0.1 -s sender@example.org -r user@example.test)
check "relaywarden-query -g show: the triplet has passed ($out)" \
    grep -q 'state=passed' <<<"$out"
rw_stop rw
start "$T/grey.conf" || rw_summary
s2=$(rw_subject restart)
direct_b "after a restart the triplet is still known: accepted at once" 0 '^<-  250 ' "$s2"
pid=$(rw_pid_of rw)
{ kill -KILL "$pid"; wait "$pid"; } 2>/dev/null; rw_wait 5 rw_pid_gone "$pid"
rm -f "$T/run/rw.sock"
start "$T/grey.conf" || rw_summary
s3=$(rw_subject kill9)
direct_b "after a kill -9 the triplet is still known: accepted at once" 0 '^<-  250 ' "$s3"
"$QUERY" -c "$T/grey.conf" -g clear -a 127.0.0.1 -s sender@example.org -r user@example.test >"$T/log/query-clear.txt"
check "relaywarden-query -g clear" grep -q '^cleared grey:127.0.0.0/24:sender@example.org:user@example.test' "$T/log/query-clear.txt"
s4=$(rw_subject cleared)
direct_b "a cleared triplet is greylisted again" 24 \
    '^<\*\* +451 4.7.1 greylisted, try again in [0-9]+ seconds' "$s4"
# a second passed triplet from the same network: auto-allowlisted (2 passes)
s5=$(rw_subject second)
via_a "$s5" other@example.org || fail "A refused the submission"
rw_expect_delivered "a second triplet passes after A's retry" "$s5" 40
out=$("$QUERY" -c "$T/grey.conf" -g list)
check "relaywarden-query -g list: 127.0.0.0/24 auto-allowlisted ($out)" \
    grep -q '^allowlisted 127.0.0.0/24 passes=2' <<<"$out"
s6=$(rw_subject allowlisted)
direct_b "a new triplet from the auto-allowlisted network: accepted at once" \
    0 '^<-  250 ' "$s6" third@example.org
rw_stop rw

# -------------------------------------------------------------- 3. rate limit
rm -f "$T/run/rw.sock"
start "$T/rate.conf" || rw_summary
r1=$(rw_subject rate1) r2=$(rw_subject rate2)
direct_b "first message within the limit" 0 '^<-  250 ' "$r1"
direct_b "second message in the window: 451 4.7.1 rate limit" 23 \
    '^<\*\* +451 4.7.1 rate limit exceeded for rate:msg:ip:127.0.0.1/32, try again later' "$r2"
rw_expect_log "one log line names key, counter, limit and window" "$LOG" \
    'check=rate_limit .*counter=messages limit=1 window=60s burst=0 .*key=rate:msg:ip:127.0.0.1/32'
rw_stop rw
# A's retry is delivered once the limit allows it: a limit of 1/4s
conf "$T/rate2.conf" "rate_limit = messages 1/4s for all"
rm -f "$T/run/rw.sock" "$DB"
start "$T/rate2.conf" || rw_summary
r3=$(rw_subject rate3) r4=$(rw_subject rate4)
via_a "$r3"; via_a "$r4"
rw_expect_delivered "first of two quick messages delivered" "$r3" 20
rw_expect_delivered "the second, refused 451 at first, delivered by A's retry" "$r4" 40
check "A was told 451 4.7.1 rate limit exceeded" \
    grep -q 'rate limit exceeded for rate:msg:ip:127.0.0.1/32' "$T/log/postfix-a.log"
sleep 2
check "each delivered exactly once" test "$(sink_count "$r3")$(sink_count "$r4")" = 11
rw_stop rw

# -------------------------------------------------------------- 4. broken file
size=$(wc -c <"$DB")
truncate -s 8192 "$DB"
rm -f "$T/run/rw.sock"
start "$T/grey.conf" || rw_summary
rw_expect_log "a truncated file ($size -> 8192 bytes) is moved aside, logged" \
    "$LOG" "lmdb: $DB: truncated.*moved aside to $DB.broken-"
check "the broken file is kept beside it" bash -c "ls '$DB'.broken-* >/dev/null"
b1=$(rw_subject broken)
via_a "$b1"
rw_expect_delivered "mail flows after the store was started afresh (greylisted, then delivered)" "$b1" 40
rw_stop rw
rm -f "$DB".broken-*
chown root "$DB"
chmod 000 "$DB"
rm -f "$T/run/rw.sock"
start "$T/grey.conf" || rw_summary
rw_expect_log "a file the daemon's user cannot read is moved aside, logged" \
    "$LOG" "lmdb: $DB: Permission denied: moved aside to $DB.broken-"
b2=$(rw_subject unreadable)
via_a "$b2"
rw_expect_delivered "mail flows after the unreadable file was moved aside" "$b2" 40
check "no 5xx from B in the whole run" bash -c "! grep -q 'said: 5[0-9][0-9]' '$T/log/postfix-a.log'"
rw_stop postfix-b
rw_summary
