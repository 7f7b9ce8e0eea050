#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# store.sh - the embedded state store (milter/store_lmdb.c) on a real file:
#   1. tests/store-cases on a fresh file: the shared rate and greylist
#      cases, one limit across threads and processes, the query calls,
#      the key cap (-c);
#   2. the file survives: a second run's records sit beside the first's
#      (records are counted with mdb_stat from lmdb-utils, when present);
#   3. a file that is not an LMDB environment, and a truncated one, are
#      moved aside (PATH.broken-*), logged, and a fresh store works.
# With STORE_URL set (redis://..., by the Redis tests) only step 1 runs,
# against that store.
# Prints "N passed, N failed"; exit 0 or 1.
build=${RW_BUILDDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cases=$build/tests/store-cases
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if [ -n "$STORE_URL" ]; then
	if "$cases" "$STORE_URL" >"$tmp/out" 2>&1; then
		ok "store-cases $STORE_URL: $(tail -1 "$tmp/out")"
	else
		cat "$tmp/out"
		bad "store-cases $STORE_URL"
	fi
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
fi

db=$tmp/state.lmdb
# 1. the cases
if "$cases" -c -p run1: "lmdb:$db" >"$tmp/out1" 2>&1; then
	ok "store-cases on a fresh file: $(tail -1 "$tmp/out1")"
else
	cat "$tmp/out1"
	bad "store-cases on a fresh file"
fi
# 2. a second process later: the first run's records are still there
if command -v mdb_stat >/dev/null 2>&1; then
	n1=$(mdb_stat -n "$db" | sed -n 's/^ *Entries: //p')
	"$cases" -p run2: "lmdb:$db" >"$tmp/out2" 2>&1 || bad "second run: $(tail -1 "$tmp/out2")"
	n2=$(mdb_stat -n "$db" | sed -n 's/^ *Entries: //p')
	if [ -n "$n1" ] && [ "$n1" -gt 0 ] && [ "$n2" -gt "$n1" ]; then
		ok "records kept across processes: $n1, then $n2"
	else
		bad "records across processes: $n1, then $n2"
	fi
else
	echo "skip mdb_stat not installed (lmdb-utils)"
fi

# 3. broken files: moved aside, logged, started afresh
broken() {	# LABEL - $db is broken; a run must move it aside and pass
	rm -f "$db".broken-*
	if "$cases" -p "fresh:" "lmdb:$db" >"$tmp/out3" 2>&1 &&
	    grep -q "moved aside to $db.broken-" "$tmp/out3" &&
	    ls "$db".broken-* >/dev/null 2>&1; then
		ok "$1: moved aside, logged, fresh store passes the cases"
	else
		cat "$tmp/out3"
		bad "$1"
	fi
}
head -c 20000 /dev/urandom >"$db"
rm -f "$db-lock"
broken "a file of random bytes"
# a real store, cut short (the truncation the issue names)
"$cases" -p fill: "lmdb:$db" >/dev/null 2>&1
size=$(wc -c <"$db")
truncate -s $((size / 3)) "$db"
broken "a store truncated from $size to $((size / 3)) bytes"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
