#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# state-bench.sh - what rate limits and greylisting cost on the hot path,
# and what 1 million tracked keys take. Prints figures; asserts nothing
# about speed.
#
#   1. Per message: N sequential milter sessions (tests/bench/state-client.py:
#      connect, HELO, MAIL, RCPT, end of message) from 50 outsider
#      addresses over 200 sender/recipient pairs, against the same
#      configuration (a) without state, (b) with four rate limits (high
#      enough that nothing is refused) and greylisting (every triplet
#      passed beforehand: the steady state), on the embedded store in
#      STATE_DIR (default /var/tmp: a real disk; each decision is one
#      LMDB commit, which flushes its data pages), and (c) the same on
#      tmpfs (/dev/shm: the flush costs nothing), which shows the share
#      of the flush. With STATE_REDIS_URL set (Redis tests), (d) the same
#      on that Redis.
#   2. Memory: tests/store-cases -f fills a store on tmpfs with 1,000,000
#      greylist triplets (100 per /24), as the daemon writes them;
#      the file's size (apparent and allocated) is the memory a store of
#      that many keys maps.
#
#   RELAYWARDEN=milter/relaywarden tests/bench/state-bench.sh
#
# Env: BENCH_SESSIONS (2000), BENCH_ROUNDS (3), BENCH_KEYS (1000000),
# STATE_DIR, STATE_REDIS_URL.
# Exit 0, 1 when a run failed, 77 when skipped.

: "${RW_TEST_DIR:=/tmp/rw-bench}"
export RW_TEST_DIR
. "$(dirname "$0")/../integration/lib.sh"
rw_init state-bench /usr/bin/python3

N=${BENCH_SESSIONS:-2000}
KEYS=${BENCH_KEYS:-1000000}
STATE_DIR=${STATE_DIR:-/var/tmp}
BUILD=$(cd "$(dirname "$RELAYWARDEN")/.." && pwd)
CLIENT=$RW_TOP_SRCDIR/tests/bench/state-client.py
disk=$(mktemp -d "$STATE_DIR/rw-state-bench.XXXXXX")
shm=$(mktemp -d /dev/shm/rw-state-bench.XXXXXX)
trap 'rm -rf "$disk" "$shm"; rw_cleanup' EXIT

conf() {	# FILE [extra lines]
	local f=$1 line
	shift
	{
		echo "socket = unix:$T/run/rw.sock"
		echo "socket_mode = 0666"
		echo "pidfile ="
		echo "dns_servers = 127.0.0.1:25199"
		echo "rdns_check = off"
		echo "spf_check = no"
		echo "spf_check_helo = no"
		echo "trusted_networks = 127.0.0.0/8"
		echo "local_domains = example.test"
		echo "max_recipients = 0"
		for line in "$@"; do echo "$line"; done
	} >"$f"
}
STATE=("rate_limit = connections 100000/60s, concurrency 1000, messages 100000/60s, recipients 100000/60s by sender_domain"
    "greylist = tempfail" "greylist_delay = 0s" "greylist_autoallow_passes = 0")
conf "$T/none.conf"
conf "$T/disk.conf" "${STATE[@]}" "state_store = lmdb:$disk/state.lmdb"
conf "$T/shm.conf" "${STATE[@]}" "state_store = lmdb:$shm/state.lmdb"
[ -n "${STATE_REDIS_URL:-}" ] && conf "$T/redis.conf" "${STATE[@]}" "state_store = $STATE_REDIS_URL"

# run NAME CONF - warm up (every triplet seen twice: passed), then N sessions
run() {
	local name=$1 out
	rm -f "$T/run/rw.sock"
	rw_start_daemon "$name" "$2" >/dev/null || return 1
	/usr/bin/python3 "$CLIENT" "unix:$T/run/rw.sock" 400 >/dev/null
	/usr/bin/python3 "$CLIENT" "unix:$T/run/rw.sock" 400 >/dev/null
	out=$(/usr/bin/python3 "$CLIENT" "unix:$T/run/rw.sock" "$N")
	rw_stop "$name"
	echo "$out" >"$T/log/$name.result"
	case $out in
	*" refused 0 "*) pass "$name: $out" ;;
	*) fail "$name: some sessions were refused: $out" ;;
	esac
	RES=$(sed -n 's/.*ms_per_session \([0-9.]*\).*/\1/p' <<<"$out")
}
# rounds: the configurations take turns, ROUNDS times; the median counts
ROUNDS=${BENCH_ROUNDS:-3}
names="none disk shm"
[ -n "${STATE_REDIS_URL:-}" ] && names="$names redis"
declare -A all
for r in $(seq "$ROUNDS"); do
	for n in $names; do
		run "$n" "$T/$n.conf"
		all[$n]="${all[$n]:-} $RES"
	done
done
median() { tr ' ' '\n' | grep . | sort -n | sed -n "$(((ROUNDS + 1) / 2))p"; }
none=$(median <<<"${all[none]}")
disk_ms=$(median <<<"${all[disk]}")
shm_ms=$(median <<<"${all[shm]}")
redis_ms=
[ -n "${STATE_REDIS_URL:-}" ] && redis_ms=$(median <<<"${all[redis]}")

# 2. 1 million keys
fillout=$("$BUILD/tests/store-cases" -f "$KEYS" -p "rw:" "lmdb:$shm/million.lmdb" 2>&1)
check "filled $KEYS keys ($fillout)" grep -q '^filled' <<<"$fillout"
apparent=$(stat -c %s "$shm/million.lmdb")
alloc=$(($(stat -c %b "$shm/million.lmdb") * $(stat -c %B "$shm/million.lmdb")))

echo "# --------------------------------------------------------------"
echo "# per session (connect, HELO, MAIL, RCPT, end of message), $N sessions, sequential:"
echo "# (median of $ROUNDS rounds; each round's figure in brackets)"
echo "#   without state:                         $none ms [${all[none]} ]"
echo "#   4 rate limits + greylisting, LMDB on disk ($STATE_DIR): $disk_ms ms [${all[disk]} ]"
echo "#   the same, LMDB on tmpfs:               $shm_ms ms [${all[shm]} ]"
[ -n "$redis_ms" ] && echo "#   the same, Redis ($STATE_REDIS_URL):      $redis_ms ms [${all[redis]} ]"
echo "#   (each session makes 6 store calls: connections, concurrency +1 and -1, messages, recipients, greylist)"
echo "# $KEYS greylist triplets in LMDB: file $((apparent / 1048576)) MiB apparent, $((alloc / 1048576)) MiB allocated ($((alloc / KEYS)) bytes a key); $fillout"
rw_summary
