#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# postfix-content.sh - the content stage end to end through a real
# Postfix: swaks -> Postfix (25760, relaywarden on a unix socket) ->
# smtp-sink (25761). relaywarden reads a rules file (rules(5)):
#
#   a. a message whose HTML part (base64) links to a host written as
#      %-escapes (http://%73%70%61%6d.example/, the seeds' AOL example) is
#      refused at end of data with the rule's text: swaks sees the 550
#      after the dot, the log has the rule's line (rule=hexurl) and the
#      verdict;
#   b. a message hitting a quarantine rule is accepted into Postfix's hold
#      queue (postqueue -j: queue_name "hold"), not delivered; the log
#      names the rule;
#   c. a discard rule: accepted (250), never delivered, the rule logged;
#   d. a clean 5 MB message with two attachments (scan cap 1 MiB) is
#      delivered, its body byte for byte as sent; the cap is logged once
#      and the content metrics count it as read and truncated;
#   e. the negotiation: with rules the daemon asks Postfix for the body
#      (its debug line "negotiated: ... body yes"); a site with no rules
#      asks for none ("body no") and mail still flows;
#   f. content_memory_max at its least (1 MiB) over the milter protocol
#      (budget.py, no Postfix): while session A holds 700 KB of a 5 MB
#      message (and the room it grew to), session B's 5 MB message cannot
#      get room: B is answered, judged on what it holds (the budget
#      logged, counted as truncated), then A is answered too, its prefix
#      scanned to the cap; the buffers are given back.
# Ports 25760-25762.
#
#   RELAYWARDEN=milter/relaywarden tests/integration/postfix-content.sh
#
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
rw_init postfix-content postfix postconf postqueue smtp-sink swaks ss curl \
    /usr/bin/python3

P_MX=25760 P_SINK=25761 P_METRICS=25762
LOG=$T/log/rw.log
MKMSG=$RW_TOP_SRCDIR/tests/integration/mkmsg.py
rw_ports_free $P_MX $P_SINK $P_METRICS

cat >"$T/rules" <<'EOF2'
# postfix-content.sh: NAME WHERE /PATTERN/FLAGS ACTION [for=] [dryrun] ["reply"]
hexurl   url-host        /(^|\.)spam\.example$/      reject for=all "hidden link to a known bad host"
hold     header:Subject  /please-hold-me/           quarantine for=all
drop     header:Subject  /please-drop-me/           discard for=all
EOF2
conf() {	# FILE [extra lines]
	local f=$1
	shift
	rw_relay_conf "$f" "" 0666 "127.0.0.0/8" "log_level = debug" \
	    "metrics_listen = 127.0.0.1:$P_METRICS" "$@"
}
conf "$T/rules.conf" "rules = $T/rules" "content_scan_max = 1048576"
conf "$T/norules.conf"

start() {	# NAME CONF
	rm -f "$T/run/rw.sock"
	rw_start_daemon "$1" "$2" >/dev/null || { fail "relaywarden did not start"; return 1; }
}
start rw "$T/rules.conf" || rw_summary

rw_start_sink $P_SINK || rw_summary
master() { echo "127.0.0.1:$P_MX inet n - n - - smtpd"; }
rw_postfix_setup "$T/pf" $P_SINK ipv4 "unix:$T/run/rw.sock" master
rw_postfix_start "$T/pf" $P_MX

# send NAME WANT_RC WANT_ERE FILE - the message in FILE, as is
send() {
	rw_swaks "$1" "$2" "$3" --server 127.0.0.1 --port $P_MX \
	    --helo client.example.test --from sender@example.org \
	    --to user@example.test --data "@$4"
}
metric() { curl -s "http://127.0.0.1:$P_METRICS/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }

# ------------------------------------------------------------ e. with rules
s0=$(rw_subject first)
/usr/bin/python3 "$MKMSG" plain "$s0" "$T/first.eml" 2000
send "a small clean message is delivered" 0 '^<-  250 ' "$T/first.eml"
rw_expect_delivered "... and reaches the sink" "$s0"
rw_expect_log "with rules the body step is negotiated" "$LOG" \
    'negotiated: headers yes, body yes'

# ------------------------------------------------------------ a. hex URL
s1=$(rw_subject hexurl)
/usr/bin/python3 "$MKMSG" hexurl "$s1" "$T/hexurl.eml"
send "a base64 HTML part with a %-escaped host: 550 after the dot, the rule's text" \
    26 '^<\*\* +550 5\.7\.1 hidden link to a known bad host' "$T/hexurl.eml"
rw_expect_log "one log line names the rule, where and what matched" "$LOG" \
    ': rule=hexurl line=2 where="url-host[^"]*" action=reject dryrun=no matched="spam\.example"'
rw_expect_log "the verdict line follows: reject by the rules" "$LOG" \
    'stage=eom action=reject check=rules'
rw_expect_not_delivered "the refused message is not delivered" "$s1" 1

# ------------------------------------------------------------ b. quarantine
s2=$(rw_subject please-hold-me)
/usr/bin/python3 "$MKMSG" plain "$s2" "$T/hold.eml" 3000
send "a quarantine rule: accepted (250)" 0 '^<-  250 ' "$T/hold.eml"
rw_expect_log "the quarantine rule is logged" "$LOG" \
    ': rule=hold line=3 where="[^"]*Subject[^"]*" action=quarantine dryrun=no'
rw_expect_log "the MTA is asked to hold it" "$LOG" ': quarantined: '
held() { postqueue -c "$T/pf/etc" -j 2>/dev/null | grep -q '"queue_name": *"hold"'; }
check "Postfix holds it (postqueue -j: queue_name hold)" rw_wait 10 held
rw_expect_log "Postfix logs the hold" "$T/log/postfix.log" \
    ': milter-hold: END-OF-MESSAGE from '
rw_expect_not_delivered "the held message is not delivered" "$s2" 1

# ------------------------------------------------------------ c. discard
s3=$(rw_subject please-drop-me)
/usr/bin/python3 "$MKMSG" plain "$s3" "$T/drop.eml" 3000
send "a discard rule: accepted (250) as the client sees it" 0 '^<-  250 ' "$T/drop.eml"
rw_expect_log "the discard rule is logged" "$LOG" ': rule=drop line=4 .*action=discard'
rw_expect_log "Postfix discards it" "$T/log/postfix.log" ': milter-discard: '
rw_expect_not_delivered "the discarded message is not delivered" "$s3" 2

# ------------------------------------------------------------ d. 5 MB, untouched
s4=$(rw_subject big)
/usr/bin/python3 "$MKMSG" big "$s4" "$T/big.eml" 5000000
read_before=$(metric relaywarden_content_messages_total)
trunc_before=$(metric relaywarden_content_truncated_total)
send "a clean 5 MB message with two attachments is accepted" 0 '^<-  250 ' "$T/big.eml"
rw_expect_delivered "... and delivered" "$s4" 30
# body: what follows the first empty line, line ends as LF (smtp-sink
# writes LF), without the empty lines at the end (the sink's dump adds
# some after the message)
body() { /usr/bin/python3 -c '
import sys
d = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n")
b = d[d.index(b"\n\n") + 2:].rstrip(b"\n")
print(len(b))
sys.stdout.flush()
sys.stdout.buffer.write(b)' "$1"; }
f=$(rw_sink_file "$s4")
if [ -n "$f" ]; then
	body "$T/big.eml" >"$T/big.sent"
	body "$f" >"$T/big.got"
	check "its body arrives byte for byte ($(head -1 "$T/big.sent") bytes)" \
	    cmp -s "$T/big.sent" "$T/big.got"
	check "its attachments' headers arrive as sent" \
	    grep -q 'filename="data.zip"' "$f"
else
	fail "no delivered copy to compare"
fi
rw_expect_log "the scan cap is logged once for it" "$LOG" \
    ': content_scan_max 1048576 bytes reached: the content checks read that much of the message'
check "... once: $(grep -c 'content_scan_max 1048576 bytes reached' "$LOG") line" \
    test "$(grep -c 'content_scan_max 1048576 bytes reached' "$LOG")" = 1
check "the metrics count one more message read" \
    test "$(metric relaywarden_content_messages_total)" = "$((${read_before:-0} + 1))"
check "... and one more truncated" \
    test "$(metric relaywarden_content_truncated_total)" = "$((${trunc_before:-0} + 1))"
check "rule hits by name: hexurl 1" \
    test "$(metric 'relaywarden_rule_hits_total{rule="hexurl"}')" = 1
check "the buffers are given back (relaywarden_content_buffer_bytes 0)" \
    test "$(metric relaywarden_content_buffer_bytes)" = 0

# ------------------------------------------------------------ f. memory budget
rw_stop rw
conf "$T/budget.conf" "rules = $T/rules" "content_memory_max = 1048576"
start rw3 "$T/budget.conf" || rw_summary
out=$(/usr/bin/python3 "$RW_TOP_SRCDIR/tests/integration/budget.py" \
    "unix:$T/run/rw.sock" "$T/big.eml" 700000 2>&1)
rw_note "$(tr '\n' ' ' <<<"$out")"
check "session B, past the budget, is answered continue (not refused)" \
    grep -qx 'B c' <<<"$out"
check "session A, holding its room meanwhile, is answered continue" \
    grep -qx 'A c' <<<"$out"
rw_expect_log "B's budget shortfall is logged with its queue id" \
    "$T/log/rw3.log" '^.* BUDGETB: content_memory_max reached \(all sessions. messages\): the content checks read the first [0-9]+ bytes'
rw_expect_nolog "A never met the budget" "$T/log/rw3.log" 'BUDGETA: content_memory_max'
rw_expect_log "A's scan cap is logged" "$T/log/rw3.log" \
    'BUDGETA: content_scan_max 1048576 bytes reached'
check "both counted as truncated" \
    test "$(metric relaywarden_content_truncated_total)" = 2
check "the buffers are given back" \
    test "$(metric relaywarden_content_buffer_bytes)" = 0
rw_stop rw3

# ------------------------------------------------------------ e. no rules
start rw2 "$T/norules.conf" || rw_summary
LOG=$T/log/rw2.log
s5=$(rw_subject norules)
/usr/bin/python3 "$MKMSG" plain "$s5" "$T/norules.eml" 2000
send "a site with no rules: delivered" 0 '^<-  250 ' "$T/norules.eml"
rw_expect_delivered "... and reaches the sink" "$s5"
rw_expect_log "a site with no rules negotiates no body" "$LOG" \
    'negotiated: headers [a-z]+, body no'
rw_expect_nolog "... and never a body step" "$LOG" 'body yes'
check "nothing read for content (relaywarden_content_messages_total 0)" \
    test "$(metric relaywarden_content_messages_total)" = 0

check "no refusal but the hex URL's in the whole run" \
    test "$(grep -c 'milter-reject: ' "$T/log/postfix.log")" = 1
rw_stop postfix
rw_summary
