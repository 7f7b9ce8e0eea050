#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# run.sh - relaywarden's fault drills, one after the other, through a real
# Postfix with relaywarden as its milter (milter_default_action =
# tempfail), smtp-sink counting deliveries and the loopback DNS fixtures:
#   kill.sh    SIGKILL twice during N messages, restarted each time
#   dns.sh     the DNS server killed, then frozen, during N messages each
#   sighup.sh  100 SIGHUPs under concurrent sessions, valid and broken
#              configuration files alternating
#   soak.sh    steady traffic, RSS sampled every 5 s
#   sigterm.sh, fdlimit.sh  (when present) SIGTERM with sessions in
#              flight, the descriptor limit
# Each drill asserts what can be observed (counts at the sink, reply
# classes, log lines), not timings, and prints a "FIGURES" line; this
# script repeats those lines at the end, then "N passed, N failed".
#
#   sh tests/drills/run.sh [--long] [DRILL...]     (as root)
#
# Short form (the suite's): 150 + 2 x 100 messages, 100 SIGHUPs, a 40 s
# soak; about 2 minutes (122 s on 2 cores). --long: 5,000 + 2 x 1,000
# messages, 64 concurrent sessions for the SIGHUPs, a 10 minute soak
# (DRILL_SOAK_SECS sets another length). DRILL... picks
# some of kill dns sighup soak. RELAYWARDEN is the daemon (default
# build/milter/relaywarden, else milter/relaywarden). They use loopback
# ports 25140-25141 and 25160-25163 only: run one at a time (under the
# same flock(1) lock as the other integration tests on a shared machine).
# Exit 0 when every drill passed, 1 otherwise.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
DRILL_LONG=0
if [ "${1:-}" = --long ]; then DRILL_LONG=1; shift; fi
export DRILL_LONG
drills=${*:-kill dns sighup soak}
# the SIGTERM and descriptor-limit drills, where present, run too
if [ $# -eq 0 ]; then
	for d in sigterm fdlimit; do
		[ -f "$here/$d.sh" ] && drills="$drills $d"
	done
fi
if [ -z "${RELAYWARDEN:-}" ] && [ -x "$top/build/milter/relaywarden" ]; then
	RELAYWARDEN=$top/build/milter/relaywarden
fi
export RELAYWARDEN=${RELAYWARDEN:-$top/milter/relaywarden}

out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
echo "# fault drills ($([ $DRILL_LONG = 1 ] && echo long || echo short) form), $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n): $(nproc) cores, $(uname -sr)"
total_pass=0 total_fail=0 failed="" figures=""
for d in $drills; do
	printf '\n=== %s\n' "$d"
	t0=$(date +%s)
	bash "$here/$d.sh" 2>&1 | tee "$out"
	secs=$(($(date +%s) - t0))
	last=$(tail -n 1 "$out")
	p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(echo "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	if [ -z "$p" ]; then
		# skipped (not root, a tool missing) or broken before its summary
		grep -q '^SKIP ' "$out" && [ "${RW_REQUIRE_E2E:-0}" != 1 ] && continue
		p=0 f=1
	fi
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
	[ "$f" -eq 0 ] || failed="$failed $d"
	figures="$figures$(grep '^FIGURES ' "$out" | sed "s/^FIGURES /  /; s/\$/ [${secs}s]/")
"
done
printf '\n=== figures\n%s' "$figures"
[ -n "$failed" ] && echo "failed drills:$failed"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
