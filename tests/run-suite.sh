#!/bin/sh
# run-suite.sh - the whole relaywarden test suite, from a fresh Debian 12
# machine, as root. Installs what is missing (the packages below, and the
# runtime dependencies of the sendmail .debs the tests unpack), then:
#   1. normal build (-Werror) in build/, make check: unit tests, query tool,
#      purity guard, miltertest protocol tests, real Postfix, real sendmail;
#      then the fault drills' short form (tests/drills/run.sh), the Debian
#      package (tests/package.sh: build, lintian, dpkg -i, mail through
#      Postfix, purge; about a minute) and a smoke
#      run of the benchmark (tests/bench/run.sh --quick, figures not judged);
#   2. ASan+UBSan build in build-asan/, make check of the unit tests, the
#      query tool, the SPF suite, and the protocol and DNS tests (the
#      daemon itself under the sanitizers);
#   3. ThreadSanitizer build in build-tsan/, the same tests: libmilter runs
#      a thread per SMTP session, and the resolver and prober have their
#      own threads;
#   4. make distcheck (end-to-end tests off inside it; they ran in step 1).
# Every build is out of tree: a source tree configured in place (./configure
# run in it by hand) is cleaned with make distclean first, with a message.
# The last line is "N passed, N failed" over all steps: each step's test
# counts, and one failure for a failed step that produced none (a build
# that broke, a distcheck that failed). Exit non-zero on any failure.
# Nothing leaves loopback; see tests/integration/README.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=$(nproc 2>/dev/null || echo 2)

# libio-socket-inet6-perl: swaks over IPv6 (a Recommends of swaks only)
# git, debhelper, dh-autoreconf, lintian, fakeroot: tests/package.sh (the .deb,
# built from what git tracks)
# liblmdb-dev: the embedded state store; lmdb-utils: mdb_stat in tests/store.sh
packages="git debhelper dh-autoreconf lintian fakeroot build-essential autoconf automake pkg-config m4 libmilter-dev
	libspf2-dev libc-ares-dev liblmdb-dev lmdb-utils libpcre2-dev libgmime-3.0-dev libpsl-dev libidn2-dev libmicrohttpd-dev check
	postfix swaks libio-socket-inet6-perl curl prometheus
	miltertest sasl2-bin libsasl2-modules procps iproute2 util-linux
	ca-certificates python3-yaml unbound rbldnsd dnsutils opendmarc
	clang libclang-rt-14-dev libhiredis-dev redis-server"

# the tests of the sanitized builds: every unit test, the query tool, the
# SPF suite, and the daemon over the milter protocol with and without DNS
SAN_TESTS="tests/check_address tests/check_cidr tests/check_config
	tests/check_relay tests/check_spf tests/check_dns tests/check_dnscache
	tests/check_session tests/check_helo tests/check_daemonconf tests/check_mime
	tests/check_state tests/store.sh tests/check_profile tests/check_forgery tests/check_metrics
	tests/query.sh tests/spf/spf-suite.sh tests/integration/protocol.sh
	tests/integration/dns.sh tests/integration/dns-queries.sh"
# the content rules: parser, verdicts, threads sharing compiled rules, and
# relaywarden-query -m through the daemon's MIME reading
SAN_TESTS="$SAN_TESTS tests/check_rules tests/rules.sh"
# session timeout and the SIGTERM drill (short form) under the sanitizers
SAN_TESTS="$SAN_TESTS tests/integration/sessions.sh tests/drills/sigterm.sh"
# the Redis store's pool and its failures, and two daemons sharing one Redis
SAN_TESTS="$SAN_TESTS tests/integration/redis.sh tests/integration/redis-fleet.sh"
# TCP_NODELAY found and set on libmilter's listener (issue 11)
SAN_TESTS="$SAN_TESTS tests/integration/nodelay.sh"
# bursts of sessions kicking libmilter's pool from their DNS waits (issue 11)
SAN_TESTS="$SAN_TESTS tests/integration/poolkick.sh"
# libmilter's threads parked and handed out again, under load (issue 11)
SAN_TESTS="$SAN_TESTS tests/integration/threadreuse.sh"
# libmilter's socket reads served from blocks kept per session (issue 11)
SAN_TESTS="$SAN_TESTS tests/integration/sockread.sh"
# the metrics endpoint's thread and the counters the sessions share (issue 10)
SAN_TESTS="$SAN_TESTS tests/integration/metrics.sh"
# the content stage: message buffers and their shared budget, MIME read at
# end of message, quarantine and discard, through Postfix (issue 9)
SAN_TESTS="$SAN_TESTS tests/check_msgbuf tests/integration/postfix-content.sh"
# URL extraction and normalisation, the HTML reader (issue 9)
SAN_TESTS="$SAN_TESTS tests/check_url"
# URI block lists: the end of message lookups and their facts (issue 9)
SAN_TESTS="$SAN_TESTS tests/check_uribl tests/integration/uribl.sh"
# the MIME module dlopen()ed at start and at a reload, the daemon's
# policy code bound into it (issue 11)
SAN_TESTS="$SAN_TESTS tests/check-mimemod.sh tests/integration/mimemod.sh"

say() { printf '\n=== %s\n' "$*"; }

install_packages() {
	missing=""
	for p in $packages; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing="$missing $p"
	done
	if [ "$(id -u)" -ne 0 ]; then
		[ -z "$missing" ] && return 0
		echo "run-suite.sh: missing packages:$missing (run as root to install)" >&2
		return 1
	fi
	say "apt-get update; installing:${missing:- nothing new}"
	export DEBIAN_FRONTEND=noninteractive
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	# sendmail is unpacked by the tests from downloaded .debs: the lists must be fresh
	apt-get -o DPkg::Lock::Timeout=300 update -qq || return 1
	if [ -n "$missing" ]; then
		# no service starts from the packages (redis-server would take
		# port 6379, unbound 53): the tests start their own daemons.
		# A policy-rc.d of our own for the install only, as Debian's
		# container images have.
		rc_policy=""
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d &&
			    chmod 755 /usr/sbin/policy-rc.d && rc_policy=yes
		fi
		apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
		    $missing >/dev/null
		rc=$?
		[ -n "$rc_policy" ] && rm -f /usr/sbin/policy-rc.d
		[ "$rc" -eq 0 ] || return 1
	fi
	# only promtool is wanted from prometheus: stop the server its
	# package may have started (the metrics test checks the text only)
	case " $missing " in
	*" prometheus "*)
		if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
			systemctl stop prometheus >/dev/null 2>&1
		else
			invoke-rc.d prometheus stop >/dev/null 2>&1
		fi ;;
	esac
	# what the unpacked sendmail needs at run time, read from its .debs
	log=$(mktemp) || return 1
	if ! sh tests/integration/sendmail-debs.sh install >"$log" 2>&1; then
		tail -n 20 "$log"; rm -f "$log"; return 1
	fi
	grep '^sendmail' "$log"
	rm -f "$log"
}

# unconfigure - the builds below are out of tree, and configure refuses
# to run out of tree when the source tree itself has been configured
unconfigure() {
	[ -f config.status ] || return 0
	echo "run-suite.sh: $top was configured in place (./configure ran there);"
	echo "run-suite.sh: running make distclean there, the builds are out of tree"
	make -s distclean >/dev/null 2>&1
	if [ -f config.status ]; then
		echo "run-suite.sh: make distclean failed; run it in $top by hand" >&2
		return 1
	fi
}

bootstrap() {
	unconfigure && autoreconf -fi
}

total_pass=0 total_fail=0
# count LOGFILE: add automake's "# PASS/# FAIL/# ERROR" totals
count() {
	p=$(sed -n 's/^# PASS: *\([0-9]*\).*/\1/p' "$1" | tail -1)
	f=$(sed -n 's/^# FAIL: *\([0-9]*\).*/\1/p' "$1" | tail -1)
	e=$(sed -n 's/^# ERROR: *\([0-9]*\).*/\1/p' "$1" | tail -1)
	total_pass=$((total_pass + ${p:-0}))
	total_fail=$((total_fail + ${f:-0} + ${e:-0}))
}

# package_test - tests/package.sh (about a minute): the .deb built from
# the tracked files, installed, driven through Postfix, purged
package_test() {
	bash tests/package.sh >build/package.out 2>&1; rc=$?
	grep -Ev '^ok ' build/package.out
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' build/package.out | tail -n 1)
	p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed, [0-9]* failed$/\1/p')
	f=$(echo "$last" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed$/\1/p')
	total_pass=$((total_pass + ${p:-0})) total_fail=$((total_fail + ${f:-0}))
	return $rc
}

failed_steps="" times=""
# step NAME COMMAND... - run one step, time it; a failed step that added
# no failure of its own to the totals counts as one
step() {
	name=$1; shift
	say "$name"
	t0=$(date +%s) fail0=$total_fail
	"$@"; rc=$?
	cd "$top" || exit 1
	secs=$(($(date +%s) - t0))
	if [ $rc -ne 0 ]; then
		failed_steps="$failed_steps
	$name"
		[ "$total_fail" -eq "$fail0" ] && total_fail=$((total_fail + 1))
	fi
	times="$times$(printf '%6ds  %s%s' "$secs" "$name" "$([ $rc -ne 0 ] && echo ' (FAILED)')")
"
	return $rc
}

show_failures() {   # print the logs of failed tests in build dir $1
	for t in $(find "$1" -name '*.trs' 2>/dev/null); do
		if grep -qE '^:test-result: (FAIL|ERROR)' "$t"; then
			echo "---- ${t%.trs}.log"
			tail -n 80 "${t%.trs}.log"
		fi
	done
}

# build DIR CONFIGURE-OPTIONS... - configure and build in a fresh DIR
build() {
	dir=$1; shift
	rm -rf "$dir" && mkdir "$dir" && cd "$dir" || return 1
	../configure -q "$@" && make -s -j"$jobs"
}

# check_in DIR MAKE-CHECK-ARGS... - make check there, print and count the
# results, show the logs of failed tests
check_in() {
	dir=$1; shift
	cd "$top/$dir" || return 1
	make -j1 check RW_REQUIRE_E2E="${RW_REQUIRE_E2E:-1}" "$@" >check.out 2>&1; rc=$?
	grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS|#)' check.out
	count check.out
	[ $rc -eq 0 ] || show_failures .
	return $rc
}

normal_build() {
	build build || return 1
	check_in build
}

asan_build() {
	build build-asan --enable-sanitizers || return 1
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	check_in build-asan TESTS="$SAN_TESTS"
}

# A ThreadSanitizer report stops the program at once (halt_on_error);
# in the daemon's case the integration tests also fail on the report in
# its log (lib.sh). The suppressions cover libmilter only, which is not
# built with TSan; see the file.
tsan_build() {
	# tests/tsan.supp's destroy entries rely on this (see there): our own
	# destroys happen only once no other thread can use the object, and
	# each such line says so
	if grep -n 'pthread_\(mutex\|cond\)_destroy' milter/*.c policy/*.c |
	    grep -v 'tsan.supp: no thread left'; then
		echo "run-suite.sh: relaywarden destroys a mutex or condition variable"
		echo "run-suite.sh: where another thread may still use it; tests/tsan.supp's"
		echo "run-suite.sh: race:pthread_*_destroy entries would hide that race"
		return 1
	fi
	build build-tsan --enable-tsan || return 1
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$top/tests/tsan.supp" \
	check_in build-tsan TESTS="$SAN_TESTS"
}

# fuzz_targets - each libFuzzer target of tests/fuzz for FUZZ_SECS seconds
# (RW_FUZZ_SECS; clang, ASan+UBSan without recovery, in build-fuzz/), one
# after the other: one pass per target that ran clean, one failure per
# target that crashed (a build failure fails the step)
FUZZ_SECS=${RW_FUZZ_SECS:-45}
fuzz_targets() {
	rm -rf build-fuzz
	log=$(mktemp) || return 1
	sh tests/fuzz/run.sh "$FUZZ_SECS" >"$log" 2>&1; rc=$?
	[ $rc -eq 0 ] || grep -v '^INFO\|^#' "$log" | tail -n 60
	sed -n '/^=== fuzz targets/,$p' "$log" >"$log.sum"
	cat "$log.sum"
	total_pass=$((total_pass + $(grep -c ' execs, no crash$' "$log.sum")))
	total_fail=$((total_fail + $(grep -c ' FAILED (exit' "$log.sum")))
	rm -f "$log.sum"
	rm -f "$log"
	return $rc
}

# drills - the fault drills' short form (tests/drills/run.sh) against
# the normal build's daemon; their "N passed, N failed" joins the totals
drills() {
	RELAYWARDEN=$top/build/milter/relaywarden sh tests/drills/run.sh >build/drills.out 2>&1; rc=$?
	sed -n '/^=== figures/,$p' build/drills.out
	last=$(tail -n 1 build/drills.out)
	p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed, [0-9]* failed$/\1/p')
	f=$(echo "$last" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed$/\1/p')
	total_pass=$((total_pass + ${p:-0})) total_fail=$((total_fail + ${f:-0}))
	[ $rc -eq 0 ] || grep -E '^(FAIL|===)' build/drills.out
	return $rc
}

# bench_smoke - tests/bench/run.sh --quick against the normal build: the
# benchmark still runs (every message accepted, every session answered);
# its figures are printed, never judged (about 35 s)
bench_smoke() {
	RELAYWARDEN=$top/build/milter/relaywarden NULLFILTER=$top/build/tests/bench/nullfilter \
	    sh tests/bench/run.sh --quick >build/bench.out 2>&1; rc=$?
	sed -n '/^# =* summary/,$p' build/bench.out
	last=$(tail -n 1 build/bench.out)
	p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed, [0-9]* failed$/\1/p')
	f=$(echo "$last" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed$/\1/p')
	total_pass=$((total_pass + ${p:-0})) total_fail=$((total_fail + ${f:-0}))
	[ $rc -eq 0 ] || grep -E '^FAIL' build/bench.out
	return $rc
}

distcheck() {
	cd build || return 1
	make -s distcheck >distcheck.out 2>&1; rc=$?
	tail -n 5 distcheck.out
	if [ $rc -eq 0 ]; then
		total_pass=$((total_pass + 1))
	else
		tail -n 60 distcheck.out
	fi
	return $rc
}

summary() {
	say "done in $(($(date +%s) - start))s${failed_steps:+; failed steps:$failed_steps}"
	printf '%s' "$times"
	echo "$total_pass passed, $total_fail failed"
}

start=$(date +%s)
step install install_packages &&
step bootstrap bootstrap || { summary; exit 1; }
step "normal build and make check" normal_build
step "fault drills (short form)" drills
step "Debian package: build, lintian, install, mail through Postfix, purge (tests/package.sh)" package_test
step "benchmark smoke run (tests/bench/run.sh --quick)" bench_smoke
step "ASan/UBSan build: unit, protocol and DNS tests" asan_build
step "ThreadSanitizer build: unit, protocol and DNS tests" tsan_build
step "fuzz targets, $FUZZ_SECS s each" fuzz_targets
step "make distcheck" distcheck
summary
[ -z "$failed_steps" ] && [ "$total_fail" -eq 0 ]
