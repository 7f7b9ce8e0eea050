#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# soak.sh - steady traffic through Postfix and relaywarden for a while
# (every message from a new client address, so the DNS cache fills and
# evicts), relaywarden's RSS read from /proc/PID/status every few seconds
# and printed. dns_cache_size is 500, so the cache is full early and
# RSS growth after that is not the cache filling. Asserts: every session accepted at once, every message at
# the sink exactly once, the daemon alive, same PID. Reports the RSS
# growth from the first sample to the last; asserts nothing about it.
#
#   RELAYWARDEN=build/milter/relaywarden tests/drills/soak.sh   (as root)
#
# DRILL_SOAK_SECS: 40 (short), 600 (DRILL_LONG=1). Sample every 5 s.
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
drill_init soak
SECS=${DRILL_SOAK_SECS:-40}
[ "$DRILL_LONG" = 1 ] && SECS=${DRILL_SOAK_SECS:-600}
EVERY=5
# A small DNS cache: it is full after the first few hundred messages, so
# that RSS growth after that is not the cache filling up
CACHE=500
drill_stack "dns_cache_size = $CACHE"
PID0=$(rw_pid_of rw)
STOP=$T/run/soak.stop
rss0=$(drill_rss "$PID0")
rw_note "RSS at start, idle: $rss0 kB"

drill_client soak --until "$STOP" --concurrency 4 --pause 0.05 --give-up 60
samples="" first="" last="" max=0 t=0
while [ $t -lt "$SECS" ]; do
	sleep $EVERY
	t=$((t + EVERY))
	rss=$(drill_rss "$PID0")
	[ -n "$rss" ] || { fail "relaywarden (pid $PID0) gone at ${t}s"; break; }
	[ -n "$first" ] || first=$rss
	last=$rss
	[ "$rss" -gt "$max" ] && max=$rss
	samples="$samples $rss"
	printf '     t=%4ds  rss=%6d kB  messages=%s\n' "$t" "$rss" "$(drill_progress soak)"
done
touch "$STOP"
drill_client_wait soak
bad=$(grep -Ev '^(reply 250|messages=)' "$T/log/client-soak.out" | tr '\n' ' ')
check "0 failed sessions: $DRILL_ATTEMPTS sessions, every one accepted at once${bad:+ (also: $bad)}" \
    test -z "$bad" -a "$DRILL_ACCEPTED" -eq "$DRILL_MESSAGES" -a "$DRILL_ATTEMPTS" -eq "$DRILL_MESSAGES"
check "relaywarden still running, same PID $PID0" test "$(rw_pid_of rw)" = "$PID0" -a -n "$last"
drill_expect_once soak
echo "FIGURES soak: ${SECS}s, dns_cache_size $CACHE, $DRILL_MESSAGES messages ($((DRILL_MESSAGES / SECS))/s), RSS idle $rss0 kB, first sample ${first:-?} kB, last ${last:-?} kB, max $max kB, growth first->last $((${last:-0} - ${first:-0})) kB (samples every ${EVERY}s:$samples)"
rw_summary
