#!/bin/sh
# rules.sh - the content rules end to end without servers: relaywarden -t
# with a good and a bad rules file (file:line errors, non-zero exit), and
# relaywarden-query -m over message files in tests/data/rules, read by the
# daemon's MIME reader and judged by the daemon's session code. Each case
# checks the exit status and a line of the output. Prints "N passed, N failed".
src=${RW_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
q=${RELAYWARDEN_QUERY:-./milter/relaywarden-query}
d=${RELAYWARDEN:-./milter/relaywarden}
case $q in /*) ;; *) q=$(pwd)/$q ;; esac
case $d in /*) ;; *) d=$(pwd)/$d ;; esac
data="$src/tests/data/rules"
pass=0 fail=0

# expect LABEL STATUS PATTERN -- COMMAND ARGS...: run in the data directory
expect() {
	label=$1 want=$2 pattern=$3; shift 4
	out=$(cd "$data" && "$@" 2>&1); got=$?
	if [ "$got" -eq "$want" ] && printf '%s\n' "$out" | grep -qE -- "$pattern"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $label: status $got (want $want), pattern '$pattern' in:"
		printf '%s\n' "$out" | sed 's/^/    /'
	fi
}
# refute LABEL PATTERN -- COMMAND ARGS...: the pattern must not be printed
refute() {
	label=$1 pattern=$2; shift 3
	out=$(cd "$data" && "$@" 2>&1)
	if printf '%s\n' "$out" | grep -qE -- "$pattern"; then
		fail=$((fail + 1))
		echo "FAIL $label: '$pattern' printed:"
		printf '%s\n' "$out" | sed 's/^/    /'
	else
		pass=$((pass + 1))
	fi
}

m="$q -c rules.conf -m"
expect "-t shows the rules"        0 '^rules +6 from test.rules; content_scan_max 1048576 bytes; the MTA sends header and body$' -- "$d" -t -c rules.conf
expect "-t: bad rules, line 2"     1 '^bad.rules:2: bad pattern at offset 9: missing closing parenthesis$' -- "$d" -t -c bad.conf
expect "-t: bad rules, line 4"     1 '^bad.rules:4: rule ok defined twice \(first at line 1\)$' -- "$d" -t -c bad.conf
expect "query: bad rules exit 2"   2 "bad.rules:2:" -- "$q" -c bad.conf -m clean.eml
expect "hex URL refused"           1 '^eom action=reject check=rules reason="rule hexurl \(test.rules:2\) matched url-trick spam.example: percent-host" reply="550 5.7.1 Obfuscated URL refused"$' -- $m hexurl.eml
expect "hex URL hit line"          1 '^hit rule=hexurl line=2 where="url-trick spam.example" matched="percent-host" action=reject$' -- $m hexurl.eml
expect "hex URL result"            1 '^result: refused at end of message$' -- $m hexurl.eml
expect "insider: outsider rules skipped" 0 '^result: accepted' -- $m hexurl.eml -a 127.0.0.1
refute "insider: no hexurl hit"    '^hit rule=hexurl' -- $m hexurl.eml -a 127.0.0.1
expect "insider rule"              1 '^eom action=tempfail check=rules .*reply="451 4.7.1 Check before sending"$' -- $m clean.eml -u alice
expect "exe attachment"            1 'reply="550 5.7.1 Executable attachments are not accepted"$' -- $m attach.eml
expect "quarantine"                0 '^quarantine reason="rule phish \(test.rules:4\)"$' -- $m phish.eml
expect "quarantine: encoded subject" 0 '^hit rule=phish line=4 where="header Subject" matched="account is suspended" action=quarantine$' -- $m phish.eml
expect "quarantine and tag"        0 '^header X-Relaywarden-Tag: rule=phish; rule=bulk$' -- $m phish.eml
expect "dryrun rule noted"         0 '^header X-Relaywarden-Dryrun: eom <rule badmime>: would reject \(rules\): 550 5.7.1 Message content rejected$' -- $m badmime.eml
expect "dryrun rule hit"           0 '^hit rule=badmime line=6 where="mime" matched="bad-boundary" action=reject dryrun=yes$' -- $m badmime.eml
expect "clean message"             0 '^message bytes=[0-9]+ headers=6 text=[0-9]+ urls=1 parts=1 defects=none$' -- $m clean.eml
refute "clean: no hits"            '^(hit|eom|quarantine)' -- $m clean.eml
expect "no such message file"      2 'cannot open' -- $m nonexistent.eml
expect "scan cap: truncated"       0 'defects=truncated' -- "$q" -c capped.conf -m clean.eml
# the sample's rules, uncommented, all parse
tmp=$(mktemp -d)
sed -n 's/^#\([a-z][a-z0-9]* \)/\1/p' "$src/contrib/relaywarden.rules.sample" >"$tmp/rules"
printf 'socket = unix:/nonexistent/rw.sock\nrules = %s/rules\n' "$tmp" >"$tmp/rw.conf"
n=$(wc -l <"$tmp/rules")
expect "sample rules parse"        0 "^rules +$n from $tmp/rules;" -- "$d" -t -c "$tmp/rw.conf"
[ "$n" -ge 5 ] || { fail=$((fail + 1)); echo "FAIL sample: only $n rules found"; }
rm -rf "$tmp"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
