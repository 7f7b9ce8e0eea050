#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run.sh [SECONDS] - build the libFuzzer targets (clang, ASan+UBSan, no
# recovery) in build-fuzz/ and run each for SECONDS (default 60), one
# after the other. Prints each target's executions; exits non-zero when
# a target crashed, leaked, hit undefined behaviour or an assertion, or
# did not build. The crashing input is kept as
# build-fuzz/fuzz-work/TARGET/crash-* and named in the output.
#   sh tests/fuzz/run.sh          # 60 s each
#   sh tests/fuzz/run.sh 14400    # 4 hours each (see the README)
# Seeds: tests/fuzz/corpus/TARGET/ (*.hex files are hex text, turned
# into bytes here; the rest is used as is); dictionaries:
# tests/fuzz/dict/TARGET.dict. What a run finds that is new is kept in
# build-fuzz/fuzz-work/TARGET/corpus and used again by the next run.
# RW_FUZZ_BUILD (a build directory) and RW_FUZZ_TARGETS (names) override.
set -u
secs=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${RW_FUZZ_BUILD:-$top/build-fuzz}
targets=${RW_FUZZ_TARGETS:-"fuzz_address fuzz_config fuzz_dnsmsg fuzz_spfrecord fuzz_names fuzz_url fuzz_mime"}
jobs=$(nproc 2>/dev/null || echo 2)

case $secs in
''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
command -v clang >/dev/null 2>&1 || {
	echo "run.sh: clang is missing (Debian: apt-get install clang)" >&2
	exit 1
}

# build: configure once (out of tree), then make only the targets.
# Warnings are judged by the gcc builds (-Werror); clang's -Wformat=2 has
# a few of its own, which must not stop the fuzzing. The targets are built
# by clang only, so a wrong pointer type in them is an error here (a
# target once read a cache entry's record set as a parsed answer).
if [ ! -f "$build/Makefile" ]; then
	[ -f "$top/configure" ] || (cd "$top" && autoreconf -fi) || exit 1
	mkdir -p "$build" && cd "$build" &&
	    "$top/configure" -q CC=clang --enable-fuzz --disable-integration \
	    --disable-werror \
	    CFLAGS="-g -O1 -Werror=incompatible-pointer-types -Werror=int-conversion" ||
	    { echo "run.sh: configure failed in $build" >&2; exit 1; }
fi
cd "$build" || exit 1
if ! make -s -j"$jobs" fuzz >fuzz-build.out 2>&1; then
	tail -n 40 fuzz-build.out
	echo "run.sh: the fuzz targets did not build" >&2
	exit 1
fi

rc=0 report=""
for t in $targets; do
	work=$build/fuzz-work/$t
	mkdir -p "$work/corpus" "$work/seeds"
	rm -f "$work/seeds/"*
	for f in "$top/tests/fuzz/corpus/$t/"*; do
		[ -f "$f" ] || continue
		case $f in
		*.hex) perl -ne 's/#.*//; s/\s+//g; print pack("H*", $_)' "$f" \
		    >"$work/seeds/$(basename "$f" .hex)" ;;
		*) cp "$f" "$work/seeds/" ;;
		esac
	done
	dict=$top/tests/fuzz/dict/$t.dict
	set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$work/"
	[ -f "$dict" ] && set -- "$@" -dict="$dict"
	echo "=== $t: $secs s"
	"./tests/fuzz/$t" "$@" "$work/corpus" "$work/seeds" >"$work/log" 2>&1
	r=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
	if [ $r -ne 0 ]; then
		rc=1
		grep -E -A 30 '^==[0-9]+==ERROR|runtime error|Assertion|deadly signal' \
		    "$work/log" | head -n 60
		crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/log" | tail -1)
		line=$(printf '%-16s FAILED (exit %d) after %s execs; input %s; log %s' \
		    "$t" "$r" "${execs:-?}" "${crash:-?}" "$work/log")
	else
		line=$(printf '%-16s %s execs, no crash' "$t" "${execs:-?}")
	fi
	echo "$line"
	report="$report$line
"
done
echo "=== fuzz targets, $secs s each"
printf '%s' "$report"
exit $rc
