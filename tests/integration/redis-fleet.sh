#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# redis-fleet.sh - two relaywarden daemons sharing one Redis hold one
# limit together, and Redis trouble never refuses mail:
#
#   1. messages 6/1h per client address, "for all": 4 messages through
#      daemon A, then 4 through B: A's 4 and B's first 2 pass, B's last 2
#      get 451 4.7.1 "rate limit exceeded"; the same with 10 + 10
#      sessions at once: exactly 6 pass;
#   2. Redis killed mid-run: every message passes (state_failure =
#      accept), none gets a 5xx, each daemon logs why;
#   3. Redis back: the daemons reconnect by themselves and the limit
#      holds again (6 of 8);
#   4. Redis stopped (SIGSTOP): answered within state_timeout, no 5xx;
#   5. greylisting shared: a triplet deferred by one daemon passes on
#      its retry through the other; relaywarden-query -g show, list and
#      clear on Redis;
#   6. state_failure = tempfail: Redis down gives 451, never a 5xx.
#
#   RELAYWARDEN=milter/relaywarden tests/integration/redis-fleet.sh
#
# The MTA's side is tests/drills/milterclient.py (client 127.0.0.1).
# Ports 25260-25269. Prints "N passed, N failed" last; exit 0, 1, or 77.

. "$(dirname "$0")/lib.sh"
rw_init redis-fleet redis-server redis-cli python3
CLIENT=$RW_TOP_SRCDIR/tests/drills/milterclient.py
RELAYWARDEN_QUERY=${RELAYWARDEN_QUERY:-$(dirname "$RELAYWARDEN")/relaywarden-query}
PORT=25260
URL=redis://127.0.0.1:$PORT/0
rw_ports_free $PORT
printf 'state_store = %s\n' "$URL" >"$T/probe.conf"
if "$RELAYWARDEN" -t -c "$T/probe.conf" 2>&1 | grep -q 'without Redis'; then
	echo "SKIP redis-fleet: relaywarden was configured --without-redis"
	exit 77
fi

mkdir -p "$T/redis"
cat >"$T/redis/redis.conf" <<EOF
port $PORT
bind 127.0.0.1
dir $T/redis
save ""
appendonly no
daemonize no
logfile ""
EOF

redis_up() { redis-cli -p $PORT ping 2>/dev/null | grep -q PONG; }
redis_start() {
	rw_bg redis "$T/log/redis.log" redis-server "$T/redis/redis.conf"
	rw_wait 10 redis_up || { fail "redis did not start (log: $T/log/redis.log)"; return 1; }
}

# conf NAME [KEY = VALUE...] - a daemon on unix:$T/run/NAME.sock with the
# Redis store; the lines given replace the defaults of the same keys
conf() {
	local name=$1 line key
	local -a lines=("state_store = $URL" "state_prefix = fleet:"
	    "state_timeout = 300ms" "rate_limit = messages 6/1h by ip for all")
	shift
	for line in "$@"; do
		key=${line%% *}
		for i in "${!lines[@]}"; do
			[ "${lines[$i]%% *}" = "$key" ] && unset "lines[$i]"
		done
		lines+=("$line")
	done
	rw_session_conf "$T/$name.conf" "${lines[@]}"
	sed -i "s|^socket = .*|socket = unix:$T/run/$name.sock|" "$T/$name.conf"
}

# send NAME N OUT - N sessions at once through daemon NAME, appended to OUT
send() {
	/usr/bin/python3 "$CLIENT" "unix:$T/run/$1.sock" sessions "$2" --timeout 20 >>"$3" 2>&1
}
ok_count() { grep -c ' ok ' "$1"; }
refused_451() { grep -c ' refused .* 451 4\.7\.1 .*rate limit exceeded' "$1"; }
# a 5xx reply, a reject without text, a cut or error: mail that would not flow
bad_count() { grep -Ec ' refused [0-9.]+ (y 5|r)| cut | error ' "$1"; }

redis_start || rw_summary
conf a
conf b
rw_start_daemon a "$T/a.conf" || rw_summary
rw_start_daemon b "$T/b.conf" || rw_summary

# ------------------------------------------------------------ one limit
out=$T/log/seq.out
: >"$out"
for i in 1 2 3 4; do send a 1 "$out"; done
a_ok=$(ok_count "$out")
for i in 1 2 3 4; do send b 1 "$out"; done
check "4 messages through A, then 4 through B, limit 6: A $a_ok ok, B $(($(ok_count "$out") - a_ok)) ok and $(refused_451 "$out") refused" \
    test "$a_ok" = 4 -a "$(ok_count "$out")" = 6 -a "$(refused_451 "$out")" = 2
check "... the refusal is 451 4.7.1 with the key: $(grep -m1 ' refused ' "$out" | cut -d' ' -f5-)" \
    grep -q '451 4\.7\.1 .*rate limit exceeded for .*127\.0\.0\.1' "$out"
rw_expect_log "... daemon B logs it" "$T/log/b.log" 'rate limit|rate_limit'
check "the key lives in Redis with the prefix: $(redis-cli -p $PORT --scan --pattern 'fleet:*' | tr '\n' ' ')" \
    sh -c "redis-cli -p $PORT --scan --pattern 'fleet:rate:*' | grep -q ."

redis-cli -p $PORT flushdb >/dev/null
out=$T/log/burst.out
: >"$out"
send a 10 "$out" &
p1=$!
send b 10 "$out" &
p2=$!
wait $p1 $p2
check "10 + 10 sessions at once through A and B: $(ok_count "$out") ok (want 6), $(refused_451 "$out") refused 451 (want 14)" \
    test "$(ok_count "$out")" = 6 -a "$(refused_451 "$out")" = 14
check "... no 5xx" test "$(bad_count "$out")" = 0

# ------------------------------------------------------------ Redis killed
kill -KILL "$(rw_pid_of redis)"
rw_stop redis >/dev/null 2>&1
out=$T/log/down.out
: >"$out"
send a 5 "$out"
send b 5 "$out"
check "Redis killed: 10 of 10 messages pass (state_failure = accept): $(ok_count "$out") ok" \
    test "$(ok_count "$out")" = 10
check "... no 5xx, no cut session" test "$(bad_count "$out")" = 0
slowest=$(awk '$3 == "ok" && $4 > m { m = $4 } END { print m + 0 }' "$out")
rw_note "sessions while Redis was dead: slowest ${slowest} s"
for d in a b; do
	rw_expect_log "... daemon $(echo $d | tr ab AB) logs the reason: $(grep -m1 'state store failed' "$T/log/$d.log" | sed 's/.*state store failed: //' | cut -c1-100)" \
	    "$T/log/$d.log" 'state store failed: .*(Connection refused|closed the connection|unavailable).*state_failure = accept'
done

# ------------------------------------------------------------ Redis back
redis_start || rw_summary
# the backoff is at most 2 s: after that the next decision reconnects
sleep 2.5
out=$T/log/back.out
: >"$out"
for i in 1 2 3 4; do send a 1 "$out"; send b 1 "$out"; done
check "Redis back: the limit holds again, 8 messages through A and B: $(ok_count "$out") ok, $(refused_451 "$out") refused 451" \
    test "$(ok_count "$out")" = 6 -a "$(refused_451 "$out")" = 2
rw_expect_log "... daemon A logs that Redis answers again" "$T/log/a.log" \
    'redis 127\.0\.0\.1:'$PORT'/0 answers again'

# ------------------------------------------------------------ Redis stopped
redis-cli -p $PORT flushdb >/dev/null
RPID=$(rw_pid_of redis)
kill -STOP "$RPID"
out=$T/log/stopped.out
: >"$out"
send a 3 "$out" &
p1=$!
send b 3 "$out" &
p2=$!
wait $p1 $p2
kill -CONT "$RPID"
slowest=$(awk '$3 == "ok" && $4 > m { m = $4 } END { print m + 0 }' "$out")
rw_note "sessions while Redis was stopped (state_timeout 300 ms): slowest ${slowest} s"
check "Redis stopped (SIGSTOP): 6 of 6 pass, none refused: $(ok_count "$out") ok" \
    test "$(ok_count "$out")" = 6 -a "$(bad_count "$out")" = 0
check "... each session within 2 s (slowest ${slowest} s; state_timeout 300 ms a decision)" \
    awk -v t="$slowest" 'BEGIN { exit !(t < 2) }'
rw_expect_log "... the reason logged" "$T/log/a.log" \
    'state store failed: .*no answer within state_timeout \(300 ms\)'

# ------------------------------------------------------------ greylisting
# two more daemons greylisting (delay 0, the client made an outsider for
# it) on the same Redis: the triplet one saw is the triplet the other
# knows; relaywarden-query -g reads and clears it in Redis
for d in g1 g2; do
	conf $d "state_prefix = fleetg:" "rate_limit =" "greylist = tempfail" \
	    "greylist_delay = 0" "greylist_skip_trusted = no" \
	    "greylist_autoallow_passes = 1"
	rw_start_daemon $d "$T/$d.conf" || rw_summary
done
out=$T/log/grey.out
: >"$out"
send g1 1 "$out"
send g2 1 "$out"
send g1 1 "$out"
check "greylisting shared: first attempt through one daemon 451 greylisted, the retry through the other passes, then known ($(sed -n 's/^session 0 \([a-z]*\).*/\1/p' "$out" | tr '\n' ' '))" \
    sh -c "sed -n 1p '$out' | grep -q ' refused .*451 4\.7\.1 .*greylisted' &&
	[ \"\$(sed -n '2,3p' '$out' | grep -c ' ok ')\" = 2 ]"
Q="$RELAYWARDEN_QUERY -c $T/g1.conf"
$Q -g show -a 127.0.0.1 -s a0@example.test -r b0@example.test >"$T/log/q-show.out" 2>&1
check "relaywarden-query -g show reads the triplet from Redis: $(head -1 "$T/log/q-show.out" | cut -c1-100)" \
    grep -Eqi 'pass|passes' "$T/log/q-show.out"
$Q -g list >"$T/log/q-list.out" 2>&1
check "relaywarden-query -g list: the network, auto-allowlisted after one pass ($(head -1 "$T/log/q-list.out" | cut -c1-80))" \
    grep -q '127\.0\.0\.0/24' "$T/log/q-list.out"
$Q -g clear -a 127.0.0.1 -s a0@example.test -r b0@example.test >"$T/log/q-clear.out" 2>&1
$Q -g show -a 127.0.0.1 -s a0@example.test -r b0@example.test >"$T/log/q-show2.out" 2>&1
check "relaywarden-query -g clear removes it from Redis ($(head -1 "$T/log/q-show2.out" | cut -c1-80))" \
    sh -c "! redis-cli -p $PORT --scan --pattern 'fleetg:grey:*' | grep -q ."

# ------------------------------------------------------------ tempfail
conf c "state_failure = tempfail" "state_store = redis://127.0.0.1:$((PORT + 9))/0"
rw_start_daemon c "$T/c.conf" || rw_summary
out=$T/log/tempfail.out
: >"$out"
send c 3 "$out"
check "state_failure = tempfail, Redis down: 3 of 3 get a 4xx ($(grep -m1 ' refused ' "$out" | cut -d' ' -f5- | cut -c1-60))" \
    test "$(grep -Ec ' refused [0-9.]+ (t|y 4)' "$out")" = 3
check "... no 5xx" test "$(bad_count "$out")" = 0

# relaywarden-query runs under the sanitizers too in those builds
re='(Thread|Address|Leak|UndefinedBehavior)Sanitizer|: runtime error: '
if grep -Elq -- "$re" "$T"/log/q-*.out 2>/dev/null; then
	fail "sanitizer report(s) from relaywarden-query: $(grep -El -- "$re" "$T"/log/q-*.out | tr '\n' ' ')"
else
	pass "no sanitizer report from relaywarden-query"
fi
rw_summary
