#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# check-doc.sh - every configuration key and every word of every word
# list is documented.
#
# tests/config-keys prints the core key table ("key NAME", "word NAME
# WORD"). In doc/relaywarden.conf.5.in each key must have its entry, a
# line
#	.BI "NAME = " ...
# and each word must appear in bold (".B WORD" or ".BR WORD ...") inside
# the entry of the first key that uses its word list (the entry runs to
# the next .TP, .SS or .SH). contrib/relaywarden.conf.sample must show
# each key as "# NAME = ..." or "NAME = ...".
#
# The checker is first run on copies of the page with one key entry and
# one word removed, which it must reject, so that it cannot pass by
# checking nothing.
#
# Prints "N passed, N failed"; exit 0 or 1.

src=${RW_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RW_BUILDDIR:-$src}
keys=$build/tests/config-keys
man=$src/doc/relaywarden.conf.5.in
sample=$src/contrib/relaywarden.conf.sample
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

list=$(mktemp) || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$list" "$tmp"' EXIT
if ! "$keys" >"$list" || ! grep -q '^key ' "$list"; then
	echo "FAIL $keys printed no keys"
	echo "0 passed, 1 failed"
	exit 1
fi

# entry PAGE KEY - the lines of KEY's entry in PAGE
entry() {
	awk -v k="$2" '
	    index($0, ".BI \"" k " = \"") == 1 { on = 1; next }
	    on && /^\.(TP|SS|SH)( |$)/ { exit }
	    on { print }' "$1"
}

# check_page PAGE - print one line per undocumented key or word
check_page() {
	while read -r what key word; do
		case $what in
		key)
			grep -qF ".BI \"$key = \"" "$1" ||
			    echo "key $key: no entry .BI \"$key = \" in the manual page"
			;;
		word)
			entry "$1" "$key" | awk -v w="$word" '
			    ($1 == ".B" || $1 == ".BR") &&
			    ($2 == w || $2 == "\"" w "\"") { found = 1 }
			    END { exit !found }' ||
			    echo "word $word of $key: not in bold in the entry of $key"
			;;
		esac
	done <"$list"
}

# the checker rejects a page missing a key entry, and one missing a word
k=$(awk '$1 == "word" { print $2; exit }' "$list")
w=$(awk '$1 == "word" { print $3; exit }' "$list")
grep -vF ".BI \"$k = \"" "$man" >"$tmp/nokey.5"
if check_page "$tmp/nokey.5" | grep -q "^key $k:"; then ok; else
	bad "self-test: a page without the entry of $k passed"; fi
awk -v k="$k" -v w="$w" '
    index($0, ".BI \"" k " = \"") == 1 { on = 1; print; next }
    on && /^\.(TP|SS|SH)( |$)/ { on = 0 }
    on && ($1 == ".B" || $1 == ".BR") && $2 == w { next }
    { print }' "$man" >"$tmp/noword.5"
if check_page "$tmp/noword.5" | grep -q "^word $w of $k:"; then ok; else
	bad "self-test: a page without the word $w of $k passed"; fi

# the real page
check_page "$man" >"$tmp/missing"
n=$(grep -c . "$list")
m=$(grep -c . "$tmp/missing")
if [ "$m" -eq 0 ]; then ok; else
	bad "relaywarden.conf.5.in: $m of $n keys and words undocumented:"
	sed 's/^/     /' "$tmp/missing"
fi

# the sample shows every key
missing=""
for key in $(awk '$1 == "key" { print $2 }' "$list"); do
	grep -qE "^(# )?$key =" "$sample" || missing="$missing $key"
done
if [ -z "$missing" ]; then ok; else
	bad "relaywarden.conf.sample: no \"# KEY = \" line for:$missing"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
