#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# sighup.sh - fault drill: 100 SIGHUPs to relaywarden while concurrent
# sessions run through Postfix, the configuration file alternating
# between valid ones (max_recipients 50 / 60) and broken ones (an unknown
# key, a bad number, a bad DNSBL weight, a bad duration; the bad line a
# different line each time). Each new file is installed atomically
# (rename), and the next SIGHUP waits until relaywarden has logged the
# outcome of the previous one. Asserts: 0 failed sessions (every session
# accepted at its first try, no 4xx, no 5xx, no dropped session); every
# broken file refused with its file:line in the log and every valid one
# reloaded; the daemon's PID unchanged (pidfile and process); every
# message at the sink exactly once.
#
#   RELAYWARDEN=build/milter/relaywarden tests/drills/sighup.sh   (as root)
#
# 16 concurrent sessions (short), 64 (DRILL_LONG=1). Ports: see lib.sh.
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
drill_init sighup
C=16 HUPS=100
[ "$DRILL_LONG" = 1 ] && C=64
drill_stack
PID0=$(rw_pid_of rw)
STOP=$T/run/sighup.stop

# outcomes - reloads relaywarden has finished so far (done or refused)
outcomes() { grep -Ec "reloaded $CONF;|reload of $CONF failed" "$LOG"; }

# install N - write configuration N (odd: valid, even: broken) and set
# BAD to the broken line's number (0 when valid)
install() {
	local n=$1 i
	{
		drill_conf
		# the bad line moves: n/2 comment lines before it
		for i in $(seq $((n / 2))); do echo "# padding $i"; done
		case $((n % 8)) in
		1 | 5) echo "max_recipients = 50" ;;
		3 | 7) echo "max_recipients = 60" ;;
		2) echo "no_such_key = $n" ;;
		4) echo "max_recipients = lots" ;;
		6) echo "dnsbl = dnsbl.test*x" ;;
		0) echo "dns_timeout = forever" ;;
		esac
	} >"$CONF.new"
	BAD=0
	[ $((n % 2)) = 0 ] && BAD=$(wc -l <"$CONF.new")
	mv "$CONF.new" "$CONF"
}

drill_client sighup --until "$STOP" --concurrency "$C" --give-up 60
drill_wait_progress sighup 1 $((C * 2)) 60 || fail "the client did not get going"
refused=0 missing=""
for n in $(seq $HUPS); do
	install "$n"
	before=$(outcomes)
	kill -HUP "$PID0"
	if ! rw_wait 20 sh -c "[ \$(grep -Ec 'reloaded $CONF;|reload of $CONF failed' '$LOG') -gt $before ]"; then
		fail "SIGHUP $n: no reload outcome logged within 20 s"
		break
	fi
	if [ "$BAD" = 0 ]; then
		:	# valid: counted below from the log
	elif grep -q -- "$CONF:$BAD: " "$LOG"; then
		refused=$((refused + 1))
	else
		missing="$missing $n(line $BAD)"
	fi
done
done_then=$(drill_progress sighup)
touch "$STOP"
drill_client_wait sighup
bad=$(grep -Ev '^(reply 250|messages=)' "$T/log/client-sighup.out" | tr '\n' ' ')
check "$((HUPS / 2)) broken files refused, each with its file:line logged ($refused)${missing:+; missing:$missing}" \
    test "$refused" -eq $((HUPS / 2))
check "valid files reloaded ($(grep -c "reloaded $CONF;" "$LOG") reloads logged)" \
    test "$(grep -c "reloaded $CONF;" "$LOG")" -eq $((HUPS / 2))
check "0 failed sessions: $DRILL_ATTEMPTS sessions, every one accepted at once${bad:+ (also: $bad)}" \
    test -z "$bad" -a "$DRILL_ACCEPTED" -eq "$DRILL_MESSAGES" -a "$DRILL_ATTEMPTS" -eq "$DRILL_MESSAGES"
check "messages sent during the SIGHUPs ($done_then before the last one)" test "$done_then" -gt $((C * 2))
check "relaywarden's PID unchanged ($PID0; pidfile $(cat "$T/run/rw.pid" 2>/dev/null))" \
    test "$(tr -dc 0-9 <"$T/run/rw.pid")" = "$PID0" -a "$(rw_pid_of rw)" = "$PID0"
check "relaywarden running after $HUPS SIGHUPs" rw_running rw
drill_expect_once sighup
echo "FIGURES sighup: $HUPS SIGHUPs under $C concurrent sessions: $DRILL_MESSAGES sessions, $((DRILL_ATTEMPTS - DRILL_ACCEPTED)) failed; $refused of $((HUPS / 2)) broken files refused with file:line, $(grep -c "reloaded $CONF;" "$LOG") valid reloads; PID $PID0 unchanged"
rw_summary
