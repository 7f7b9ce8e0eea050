#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# redis.sh - the Redis state store (milter/store_redis.c) against real
# redis-server processes on loopback, started here with their own
# directories and stopped afterwards:
#
#   * the Lua scripts give the answers of the pure core (rw_gcra,
#     rw_grey_decide) on the shared cases of tests/state_cases.h
#     (tests/store-cases, which also holds one limit across threads and
#     processes and runs the query tool's calls) and on random sequences
#     (tests/store-test), over TCP, a unix socket and IPv6;
#   * keys carry the prefix and a TTL; the database of the URL is used;
#   * 16 threads on one handle (twice the pool) hold one limit;
#   * requirepass with state_password_file (good, wrong, missing);
#   * bad URLs are refused with a clear reason;
#   * a full Redis (OOM), a read-only replica, a SCRIPT FLUSH (NOSCRIPT,
#     EVAL fallback), a stopped Redis (SIGSTOP) and a sleeping one (DEBUG
#     SLEEP) answered within state_timeout, a killed one and its return.
#
#   RW_BUILDDIR=build tests/integration/redis.sh
#
# Ports 25250-25259 (never 6379). Prints "N passed, N failed" last; exit
# 0, 1, or 77 (skipped: not root, or redis-server missing while
# RW_REQUIRE_E2E is not set).

. "$(dirname "$0")/lib.sh"
rw_init redis redis-server redis-cli
BUILD=${RW_BUILDDIR:-${abs_top_builddir:-$RW_TOP_SRCDIR}}
STORE=$BUILD/tests/store-test
CASES=$BUILD/tests/store-cases
P_MAIN=25250	# the main server: TCP (127.0.0.1 and ::1) and a unix socket
P_REPL=25251	# a replica of it
P_PASS=25252	# requirepass
P_KILL=25253	# killed and started again
SOCK=$T/run/redis.sock
for prog in "$STORE" "$CASES"; do
	[ -x "$prog" ] || { fail "no $prog (make check builds it)"; rw_summary; }
done
if "$STORE" redis://127.0.0.1:1/0 show x 2>&1 | grep -q 'built without Redis'; then
	echo "SKIP redis: relaywarden was configured --without-redis"
	exit 77
fi
rw_ports_free $P_MAIN $P_REPL $P_PASS $P_KILL

# ------------------------------------------------------------ helpers

# redis_conf NAME PORT [directive...] - a server's configuration
redis_conf() {
	local name=$1 port=$2 line
	shift 2
	mkdir -p "$T/$name"
	{
		echo "port $port"
		echo "bind 127.0.0.1"
		echo "dir $T/$name"
		echo 'save ""'
		echo "appendonly no"
		echo "daemonize no"
		echo 'logfile ""'
		for line in "$@"; do echo "$line"; done
	} >"$T/$name/redis.conf"
}

# redis_start NAME PORT - start it (foreground, tracked) and wait for PING
redis_start() {
	rw_bg "$1" "$T/log/$1.log" redis-server "$T/$1/redis.conf"
	if ! rw_wait 10 redis_up "$2"; then
		fail "redis $1 did not answer on port $2 ($T/log/$1.log)"
		return 1
	fi
}

# PONG, or NOAUTH from a server with requirepass: it answers
redis_up() { redis-cli -p "$1" ping 2>/dev/null | grep -Eq 'PONG|NOAUTH'; }

rcli() { redis-cli -p "$P_MAIN" "$@" 2>&1; }

# import FILE [LABEL] - the ok/FAIL lines of a store-cases or store-test
# run as our results, each labelled
import() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok   "*) pass "${2:-}${line#ok   }" ;;
		"FAIL "*) fail "${2:-}${line#FAIL }" ;;
		esac
	done <"$1"
	grep -q ' passed, 0 failed$' "$1" || fail "$(basename "$1"): $(tail -1 "$1")"
}

# field OUT NAME - NAME=value from a one-call output
field() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" "$1" | head -1; }

# within MS LIMIT - MS (a decimal) is at most LIMIT
within() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a <= b) }'; }

now_ms() { date +%s%3N; }

V6=no
if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; then V6=yes; fi

redis_conf main $P_MAIN "unixsocket $SOCK" "unixsocketperm 700" \
    "enable-debug-command local" \
    "$([ $V6 = yes ] && echo 'bind 127.0.0.1 ::1')"
redis_start main $P_MAIN || rw_summary

# ------------------------------------------------------------ the scripts

# the shared table (tests/state_cases.h), the query calls, one limit
# across threads and processes: tests/store-cases, as for the embedded store
"$CASES" redis://127.0.0.1:$P_MAIN/1 >"$T/log/cases-tcp.out" 2>&1
import "$T/log/cases-tcp.out" "tcp: "
for seed in 1 2; do
	"$STORE" redis://127.0.0.1:$P_MAIN/1 random $seed 300 \
	    >"$T/log/random-$seed.out" 2>&1
	import "$T/log/random-$seed.out"
done
"$CASES" "redis+unix:$SOCK?db=2" >"$T/log/cases-unix.out" 2>&1
check "store-cases over the unix socket, database 2: $(tail -1 "$T/log/cases-unix.out")" \
    grep -q ' passed, 0 failed$' "$T/log/cases-unix.out"
check "... keys in database 2, none of them in database 3" \
    sh -c "[ \"\$(redis-cli -p $P_MAIN -n 2 dbsize)\" -gt 0 ] &&
	[ \"\$(redis-cli -p $P_MAIN -n 3 dbsize)\" -eq 0 ]"
"$STORE" "redis+unix:///$SOCK" rate rate:v6 10 60 0 1 >"$T/log/unix3.out" 2>&1
check "redis+unix:///PATH also names the socket" grep -q 'allowed=1' "$T/log/unix3.out"
if [ $V6 = yes ]; then
	"$STORE" "redis://[::1]:$P_MAIN/3" rate rate:v6 10 60 0 1 >"$T/log/v6.out" 2>&1
	check "IPv6 in brackets: redis://[::1]:$P_MAIN/3 ($(head -1 "$T/log/v6.out"))" \
	    grep -q 'allowed=1' "$T/log/v6.out"
	check "... the key is rwt:rate:v6 in database 3" \
	    test "$(rcli -n 3 exists rwt:rate:v6)" = 1
else
	rw_note "no ::1 on lo: IPv6 not tried"
fi

# ------------------------------------------------------------ keys and TTLs

N=$(now_ms)
"$STORE" -p "ttl:" redis://127.0.0.1:$P_MAIN/4 rate rate:conn:ip:192.0.2.1/32 10 60 0 1 "$N" \
    >"$T/log/ttl-rate.out" 2>&1
"$STORE" -p "ttl:" redis://127.0.0.1:$P_MAIN/4 grey "grey:198.51.100.0/24:a@b.example:c@d.example" \
    greynet:198.51.100.0/24 "$N" 300 14400 3110400 3 86400 >"$T/log/ttl-grey.out" 2>&1
"$STORE" -p "ttl:" redis://127.0.0.1:$P_MAIN/4 conc conc:ip:192.0.2.1/32 1 600 \
    >"$T/log/ttl-conc.out" 2>&1
check "rate, greylist and concurrency calls answered" \
    sh -c "grep -q allowed=1 '$T/log/ttl-rate.out' && grep -q state=new '$T/log/ttl-grey.out' &&
	grep -q count=1 '$T/log/ttl-conc.out'"
check "every key carries the prefix ($(rcli -n 4 --scan | tr '\n' ' '))" \
    sh -c "[ \"\$(redis-cli -p $P_MAIN -n 4 --scan | grep -vc '^ttl:')\" -eq 0 ] &&
	[ \"\$(redis-cli -p $P_MAIN -n 4 dbsize)\" -eq 3 ]"
t=$(rcli -n 4 pttl ttl:rate:conn:ip:192.0.2.1/32)
check "rate key: value the TAT ($(rcli -n 4 get ttl:rate:conn:ip:192.0.2.1/32)), TTL ${t} ms (one interval, 6000)" \
    sh -c "[ '$t' -gt 0 ] && [ '$t' -le 6000 ] &&
	[ \"\$(redis-cli -p $P_MAIN -n 4 get ttl:rate:conn:ip:192.0.2.1/32)\" = $((N + 6000)) ]"
t=$(rcli -n 4 pttl "ttl:grey:198.51.100.0/24:a@b.example:c@d.example")
check "triplet: value \"$(rcli -n 4 get "ttl:grey:198.51.100.0/24:a@b.example:c@d.example")\", TTL ${t} ms (the retry window)" \
    sh -c "[ '$t' -gt 14300000 ] && [ '$t' -le 14400000 ] &&
	[ \"\$(redis-cli -p $P_MAIN -n 4 get 'ttl:grey:198.51.100.0/24:a@b.example:c@d.example')\" = '$N 0 0' ]"
t=$(rcli -n 4 pttl ttl:conc:ip:192.0.2.1/32)
check "concurrency key: TTL ${t} ms (600 s)" sh -c "[ '$t' -gt 590000 ] && [ '$t' -le 600000 ]"
"$STORE" -p "ttl:" redis://127.0.0.1:$P_MAIN/4 conc conc:ip:192.0.2.1/32 -1 600 >/dev/null 2>&1
check "a count back at 0 is no key" test "$(rcli -n 4 exists ttl:conc:ip:192.0.2.1/32)" = 0
"$STORE" -p "ttl:" redis://127.0.0.1:$P_MAIN/4 show "grey:198.51.100.0/24:a@b.example:c@d.example" \
    >"$T/log/show.out" 2>&1
check "show reads the triplet back ($(head -1 "$T/log/show.out"))" \
    grep -q "found=1 first_ms=$N pass_ms=0 passes=0" "$T/log/show.out"

# ------------------------------------------------------------ one limit, shared

N=$(now_ms)
"$STORE" redis://127.0.0.1:$P_MAIN/5 threads 16 60 rate:shared:t 300 "$N" >"$T/log/threads.out" 2>&1
check "16 threads x 60 calls on one key, limit 300: $(cat "$T/log/threads.out")" \
    grep -q 'allowed=300 refused=660 failed=0' "$T/log/threads.out"

# ------------------------------------------------------------ password

redis_conf pass $P_PASS 'requirepass "s3cret-pass with spaces"'
redis_start pass $P_PASS
printf 's3cret-pass with spaces\n' >"$T/pw-good"
printf 'wrong\n' >"$T/pw-bad"
printf '\n' >"$T/pw-empty"
chmod 600 "$T"/pw-*
if rw_running pass; then
	"$STORE" -w "$T/pw-good" redis://127.0.0.1:$P_PASS/0 random 3 20 >"$T/log/pass-good.out" 2>&1
	check "requirepass, the password from state_password_file: $(tail -2 "$T/log/pass-good.out" | head -1 | cut -c6-50)..." \
	    grep -q ' passed, 0 failed$' "$T/log/pass-good.out"
	"$STORE" -w "$T/pw-good" redis://default@127.0.0.1:$P_PASS/0 rate rate:u 1 60 0 1 \
	    >"$T/log/pass-user.out" 2>&1
	check "... with the user in the URL (AUTH default PASSWORD)" grep -q allowed=1 "$T/log/pass-user.out"
	"$STORE" -w "$T/pw-bad" redis://127.0.0.1:$P_PASS/0 rate rate:u 1 60 0 1 >"$T/log/pass-bad.out" 2>&1
	check "a wrong password fails, saying so ($(head -1 "$T/log/pass-bad.out"))" \
	    grep -q '^fail: .*AUTH: authentication: WRONGPASS' "$T/log/pass-bad.out"
	"$STORE" redis://127.0.0.1:$P_PASS/0 rate rate:u 1 60 0 1 >"$T/log/pass-none.out" 2>&1
	check "no password file: fails with NOAUTH ($(head -1 "$T/log/pass-none.out"))" \
	    grep -q '^fail: .*NOAUTH' "$T/log/pass-none.out"
	# an ACL user with the commands relaywarden.conf(5) lists, on its prefix
	redis-cli -p $P_PASS --no-auth-warning -a 's3cret-pass with spaces' ACL SETUSER relay on \
	    '>acl-pass' '~rwt:*' resetchannels -@all +evalsha +eval '+script|load' \
	    +select +get +set +del +incrby +pexpire +scan +mget >"$T/log/acl.out" 2>&1
	printf 'acl-pass\n' >"$T/pw-acl"
	chmod 600 "$T/pw-acl"
	"$STORE" -w "$T/pw-acl" redis://relay@127.0.0.1:$P_PASS/1 random 4 30 >"$T/log/acl-ok.out" 2>&1
	"$STORE" -w "$T/pw-acl" redis://relay@127.0.0.1:$P_PASS/1 conc conc:acl 1 60 >>"$T/log/acl-ok.out" 2>&1
	"$STORE" -w "$T/pw-acl" redis://relay@127.0.0.1:$P_PASS/1 show grey:acl >>"$T/log/acl-ok.out" 2>&1
	check "an ACL user with the documented commands and key pattern: decisions and reads work" \
	    sh -c "grep -q ' passed, 0 failed' '$T/log/acl-ok.out' && grep -q count=1 '$T/log/acl-ok.out' &&
		grep -q found=0 '$T/log/acl-ok.out' && ! grep -q '^fail' '$T/log/acl-ok.out'"
	"$STORE" -w "$T/pw-acl" -p other: redis://relay@127.0.0.1:$P_PASS/1 rate rate:acl 1 60 0 1 \
	    >"$T/log/acl-prefix.out" 2>&1
	check "... a prefix outside its key pattern: refused, saying why ($(head -1 "$T/log/acl-prefix.out" | cut -c1-90)...)" \
	    grep -q '^fail: .*not permitted: NOPERM' "$T/log/acl-prefix.out"
fi
for f in pw-empty pw-missing; do
	"$STORE" -w "$T/$f" redis://127.0.0.1:$P_PASS/0 rate rate:u 1 60 0 1 >"$T/log/$f.out" 2>&1
	check "$f: the store does not open ($(head -1 "$T/log/$f.out"))" \
	    grep -q "^open failed: state_password_file $T/$f: " "$T/log/$f.out"
done
rw_stop pass

# ------------------------------------------------------------ URLs refused

while IFS='|' read -r url want; do
	[ -n "$url" ] || continue
	"$STORE" "$url" show x >"$T/log/url.out" 2>&1
	rc=$?
	if [ $rc = 2 ] && grep -qF -- "$want" "$T/log/url.out"; then
		pass "refused: $url ($(head -1 "$T/log/url.out"))"
	else
		fail "$url: exit $rc, want 2 and \"$want\": $(head -1 "$T/log/url.out")"
	fi
done <<'EOF'
redis://:secret@127.0.0.1:25250/0|a password does not belong in the URL
redis://user:secret@127.0.0.1/0|a password does not belong in the URL
redis://::1:25250/0|an IPv6 address goes in brackets
redis://[::1:25250/0|'[' without ']'
redis://[127.0.0.1]:25250/0|is not an IPv6 address
redis://[::1]x/0|junk after ']'
redis://127.0.0.1:0/0|bad port
redis://127.0.0.1:70000/0|bad port
redis://127.0.0.1:25250/x|the database after '/' must be a number
redis://127.0.0.1:25250/1?db=2|the database after '/' must be a number
redis:///0|no host
redis+unix:relative/path|needs an absolute path
redis+unix:/run/redis.sock?database=1|after the path only "?db=N"
redis+unix:/0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890.sock|socket path longer than
redis:/127.0.0.1|unknown store
EOF

# ------------------------------------------------------------ failures

# a full Redis: writes refused with the reason, reads still served
rcli config set maxmemory 1 >/dev/null
"$STORE" redis://127.0.0.1:$P_MAIN/6 rate rate:oom 10 60 0 1 >"$T/log/oom.out" 2>&1
check "maxmemory reached: the decision fails with the reason ($(head -1 "$T/log/oom.out" | cut -c1-120)...)" \
    grep -q '^fail: .*rate script refused: out of memory' "$T/log/oom.out"
"$STORE" redis://127.0.0.1:$P_MAIN/6 show grey:x >"$T/log/oom-show.out" 2>&1
check "... a read still works" grep -q 'found=0' "$T/log/oom-show.out"
rcli config set maxmemory 0 >/dev/null
"$STORE" redis://127.0.0.1:$P_MAIN/6 rate rate:oom 10 60 0 1 >"$T/log/oom2.out" 2>&1
check "... and writes again once there is room" grep -q 'allowed=1' "$T/log/oom2.out"

# a read-only replica
redis_conf repl $P_REPL "replicaof 127.0.0.1 $P_MAIN"
if redis_start repl $P_REPL; then
	"$STORE" redis://127.0.0.1:$P_REPL/1 rate rate:ro 10 60 0 1 >"$T/log/ro.out" 2>&1
	check "a read-only replica: fails, naming it ($(head -1 "$T/log/ro.out" | cut -c1-100)...)" \
	    grep -q '^fail: .* is a read-only replica' "$T/log/ro.out"
	rw_stop repl
fi

# SCRIPT FLUSH under a running client: NOSCRIPT, then EVAL
"$STORE" redis://127.0.0.1:$P_MAIN/7 watch 6 250 rate:flush >"$T/log/flush.out" 2>&1 &
WPID=$!
sleep 0.6
rcli script flush >/dev/null
wait $WPID
check "SCRIPT FLUSH between decisions: all 6 answered (EVAL after NOSCRIPT): $(grep -c ' ok ' "$T/log/flush.out") ok" \
    test "$(grep -c ' ok ' "$T/log/flush.out")" = 6

# a stopped Redis: answered within state_timeout (300 ms)
MAINPID=$(rw_pid_of main)
kill -STOP "$MAINPID"
"$STORE" -t 300 redis://127.0.0.1:$P_MAIN/8 rate rate:slow 10 60 0 1 >"$T/log/stopped.out" 2>&1
kill -CONT "$MAINPID"
ms=$(field "$T/log/stopped.out" ms)
rw_note "SIGSTOPped Redis, state_timeout 300 ms: answered in $ms ms"
check "SIGSTOPped Redis: fails with \"no answer within state_timeout (300 ms)\"" \
    grep -q '^fail: .*no answer within state_timeout (300 ms)' "$T/log/stopped.out"
check "... within the timeout, with 200 ms for scheduling ($ms ms)" within "$ms" 500

# DEBUG SLEEP: Redis busy for 2 s; a client with a 200 ms timeout
rcli debug sleep 2 >/dev/null &
DPID=$!
sleep 0.2
"$STORE" -t 200 redis://127.0.0.1:$P_MAIN/8 rate rate:slow 10 60 0 1 >"$T/log/sleep.out" 2>&1
wait $DPID
ms=$(field "$T/log/sleep.out" ms)
rw_note "DEBUG SLEEP 2, state_timeout 200 ms: answered in $ms ms"
check "DEBUG SLEEP: fails with \"no answer within state_timeout (200 ms)\" in $ms ms" \
    sh -c "grep -q '^fail: .*no answer within state_timeout (200 ms)' '$T/log/sleep.out' &&
	awk -v a='$ms' 'BEGIN { exit !(a <= 400) }'"

# killed and back: a client deciding every 100 ms throughout
redis_conf kill $P_KILL
redis_start kill $P_KILL || rw_summary
"$STORE" -t 300 redis://127.0.0.1:$P_KILL/0 watch 70 100 rate:kill >"$T/log/kill.out" 2>&1 &
WPID=$!
sleep 1.5
kill -KILL "$(rw_pid_of kill)"
rw_stop kill >/dev/null 2>&1
sleep 2
t_back=$(now_ms)
redis_start kill $P_KILL
wait $WPID
before=$(awk '$2 == "fail" { exit } $2 == "ok" { n++ } END { print n + 0 }' "$T/log/kill.out")
nfail=$(grep -c ' fail ' "$T/log/kill.out")
slowest=$(awk '$2 == "fail" && $3 > m { m = $3 } END { print m + 0 }' "$T/log/kill.out")
fast=$(grep -c ' fail 0\.[0-9] .*unavailable' "$T/log/kill.out")
tries=$(grep ' fail ' "$T/log/kill.out" | grep -vc 'unavailable')
after=$(awk '$2 == "fail" { f = 1 } f && $2 == "ok" { n++ } END { print n + 0 }' "$T/log/kill.out")
rw_note "Redis killed: $before ok before, $nfail failed ($tries reached for the server, $fast at once in the backoff), slowest failure ${slowest} ms, $after ok after its return"
check "killed: decisions fail with a reason (\"$(grep -m1 ' fail ' "$T/log/kill.out" | cut -d' ' -f4-)\")" \
    test "$nfail" -gt 0
check "... each within state_timeout (slowest ${slowest} ms)" within "$slowest" 500
check "... most at once, without asking the dead server (backoff): $fast of $nfail" \
    test "$fast" -gt "$tries"
check "... and it reconnects by itself when Redis is back ($after decisions ok after)" \
    test "$after" -gt 5
check "... the last decision succeeded" sh -c "tail -1 '$T/log/kill.out' | grep -q ' ok '"

# the test programs run under the sanitizers too (make check in an ASan or
# TSan build): a report in their output is a failure
re='(Thread|Address|Leak|UndefinedBehavior)Sanitizer|: runtime error: '
if grep -Elq -- "$re" "$T"/log/*.out 2>/dev/null; then
	fail "sanitizer report(s) from the test programs: $(grep -El -- "$re" "$T"/log/*.out | tr '\n' ' ')"
else
	pass "no sanitizer report from the test programs"
fi
rw_summary
