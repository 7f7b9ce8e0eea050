#!/bin/sh
# query.sh - relaywarden-query answers as the daemon would: each case runs
# the tool with tests/data/query.conf and checks its exit status and the
# line it prints for a stage. Prints "N passed, N failed".
src=${RW_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
q=${RELAYWARDEN_QUERY:-./milter/relaywarden-query}
conf="$src/tests/data/query.conf"
pass=0 fail=0

# expect LABEL STATUS PATTERN -- ARGS...
expect() {
	label=$1 want=$2 pattern=$3; shift 4
	out=$(cd "$src/tests/data" && "$q" -c "$conf" "$@" 2>&1); got=$?
	if [ "$got" -eq "$want" ] && printf '%s\n' "$out" | grep -qE -- "$pattern"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $label: status $got (want $want), pattern '$pattern' in:"
		printf '%s\n' "$out" | sed 's/^/    /'
	fi
}

expect "outsider to local"        0 '^rcpt <bob@example.test> action=continue$' -- -a 192.0.2.10 -s a@b.test -r bob@example.test
expect "outsider to outside"      1 '^rcpt <x@other.test> action=reject check=relay reason="[^"]*" reply="550 5.7.1 <x@other.test>: Relaying denied"' -- -a 192.0.2.10 -s a@b.test -r x@other.test
expect "percent hack"             1 'reason="outsider, percent hack via other.test' -- -a 192.0.2.10 -r 'u%other.test@example.test'
expect "source route"             1 'source route via other.test' -- -a 192.0.2.10 -r '@example.test:u@other.test'
expect "bang path"                1 'bang path via other.test' -- -a 192.0.2.10 -r 'other.test!u@example.test'
expect "relay domain"             0 '^rcpt <u@backup.test> action=continue' -- -a 192.0.2.10 -r u@backup.test
expect "subdomain"                0 '^rcpt <u@a.b.example.test> action=continue' -- -a 192.0.2.10 -r u@a.b.example.test
expect "label boundary"           1 'domain evil-example.test is not' -- -a 192.0.2.10 -r u@evil-example.test
expect "bare postmaster"          0 '^rcpt <postmaster> action=continue' -- -a 192.0.2.10 -r postmaster
expect "trusted v4 to outside"    0 '^connect client=unknown\[127.0.0.1\] action=continue trusted_network=yes insider=yes' -- -a 127.0.0.1 -r x@other.test
expect "trusted v6 to outside"    0 '^rcpt <x@other.test> action=continue' -- -a 2001:db8:ffff::25 -r x@other.test
expect "untrusted v6"             1 'Relaying denied' -- -a 2001:db8:fffe::25 -r x@other.test
expect "mapped v4 trusted"        0 '^rcpt <x@other.test> action=continue' -- -a ::ffff:127.0.0.1 -r x@other.test
expect "authenticated"            0 '^mail <> action=continue authenticated=alice insider=yes' -- -a 192.0.2.10 -u alice -r x@other.test
expect "client REJECT at MAIL"    1 '^mail <a@b.test> action=reject check=client_access .*reply="550 5.7.1 Your network is blocked"' -- -a 198.51.100.66 -s a@b.test -r bob@example.test
expect "client OK no relay"       1 'Relaying denied' -- -a 198.51.100.7 -r x@other.test
expect "client OK no rcpt limit"  0 '^rcpt <c@example.test> action=continue' -- -a 198.51.100.7 -r a@example.test -r b@example.test -r c@example.test
expect "sender file REJECT"       1 'reply="550 5.7.1 No mail from spam.test"' -- -a 192.0.2.10 -s u@mx.spam.test -r bob@example.test
expect "sender @domain TEMPFAIL"  1 'reply="450 4.7.1 Try later"' -- -a 192.0.2.10 -s u@slow.test -r bob@example.test
expect "@domain is exact"         0 '^mail <u@sub.slow.test> action=continue' -- -a 192.0.2.10 -s u@sub.slow.test -r bob@example.test
expect "max_recipients"           0 '^rcpt <c@example.test> action=tempfail check=max_recipients .*reply="452 4.5.3 Too many recipients"' -- -a 192.0.2.10 -r a@example.test -r b@example.test -r c@example.test
expect "bad config exits 2"       2 'cannot read configuration' -- -a 192.0.2.10 -r x -c /dev/null/nonexistent
# policy per listener: -L selects the profile by port, address or name
expect "listener 25: main"        0 '^listener 25 profile=\(main\)$' -- -L 25 -a 127.0.0.1 -r x@other.test
expect "no -L: trusted"           0 '^rcpt <x@other.test> action=continue' -- -a 127.0.0.1 -r x@other.test
expect "listener 587: untrusted"  1 'Relaying denied' -- -L 587 -a 127.0.0.1 -r x@other.test
expect "listener 587 profile"     1 '^listener 587 profile=submission$' -- -L 587 -a 127.0.0.1 -r x@other.test
expect "listener by name"         1 'Relaying denied' -- -L submission -a 127.0.0.1 -r x@other.test
expect "listener by address"      1 'Relaying denied' -- -L 127.0.0.5 -a 127.0.0.1 -r x@other.test
expect "listener 587 with auth"   0 '^rcpt <x@other.test> action=continue' -- -L 587 -u alice -a 127.0.0.1 -r x@other.test
expect "listener 587 inherits"    0 '^rcpt <u@backup.test> action=continue' -- -L 587 -a 192.0.2.10 -r u@backup.test
expect "listener 587 max_rcpt"    0 '^rcpt <c@example.test> action=continue' -- -L 587 -a 192.0.2.10 -r a@example.test -r b@example.test -r c@example.test
expect "listener 587 inherits access" 1 'Your network is blocked' -- -L 587 -a 198.51.100.66 -r a@example.test
# dryrun: the status still reports the policy's decision; the line says dryrun
dry=$(mktemp)
printf 'local_domains = example.test\nmode = dryrun\n' >"$dry"
out=$("$q" -c "$dry" -a 192.0.2.10 -r x@other.test); got=$?
if [ $got -eq 1 ] && printf '%s\n' "$out" | grep -q 'action=reject check=relay .* dryrun=yes$' &&
    printf '%s\n' "$out" | grep -q '^header X-Relaywarden-Dryrun: rcpt <x@other.test>: would reject (relay): 550 5.7.1'; then
	pass=$((pass + 1))
else
	fail=$((fail + 1)); echo "FAIL dryrun: status $got in:"; printf '%s\n' "$out"
fi
rm -f "$dry"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
