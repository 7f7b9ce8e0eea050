# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
#
# NAME
#	lib.sh - shared helpers of relaywarden's end-to-end tests
# SYNOPSIS
#	. "$(dirname "$0")/lib.sh"
#	rw_init NAME tool...
# DESCRIPTION
#	rw_init() checks that we are root and that every tool exists, makes
#	the scratch directory $T = $RW_TEST_DIR/NAME (default
#	/tmp/rw-e2e/NAME) with run/ and log/ below it, and installs a trap
#	that stops every daemon this script started, by its recorded PID,
#	whatever way the script ends.
#
#	pass, fail, check and the rw_expect_* helpers count results;
#	rw_summary prints "N passed, N failed" alone on a line and exits 1
#	if anything failed, 0 otherwise.
#
#	Exit status 77 (automake SKIP) when not root or a tool is missing,
#	unless RW_REQUIRE_E2E=1: then those count as failures (CI sets it,
#	so that a missing package cannot turn the suite silently green).
#
#	Network: everything listens on and connects to 127.0.0.0/8 or ::1.
#	The scripts use ports 25100-25199 only.
# ENVIRONMENT
#	RELAYWARDEN	the daemon binary (make check sets it)
#	RW_TEST_DIR	scratch directory (default /tmp/rw-e2e)
#	RW_REQUIRE_E2E	1: missing tools or root are failures, not skips
#	RW_KEEP		1: leave $T in place after success too (it is always
#			left after a failure, for the logs)

set -u

RW_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RW_TOP_SRCDIR=$(cd "$RW_HERE/../.." && pwd)
RW_TEST_DIR=${RW_TEST_DIR:-/tmp/rw-e2e}
RELAYWARDEN=${RELAYWARDEN:-${abs_top_builddir:-$RW_TOP_SRCDIR}/milter/relaywarden}
RW_PASS=0
RW_FAIL=0
RW_TRACKED=""		# names of started daemons, most recent first
RW_NAME=""
T=""

# ------------------------------------------------------------ results

pass() {
	RW_PASS=$((RW_PASS + 1))
	printf 'ok   %s\n' "$*"
}

fail() {
	RW_FAIL=$((RW_FAIL + 1))
	printf 'FAIL %s\n' "$*"
}

# check DESC cmd... - pass when the command succeeds
check() {
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

rw_summary() {
	echo "$RW_PASS passed, $RW_FAIL failed"
	[ "$RW_FAIL" -eq 0 ] && [ "${RW_KEEP:-0}" != 1 ] && RW_CLEAN_T=1
	if [ "$RW_FAIL" -eq 0 ]; then exit 0; fi
	[ -n "$T" ] && echo "(logs kept in $T)"
	exit 1
}

rw_note() { printf '     %s\n' "$*"; }

# rw_skip REASON - SKIP (77), or a failure when RW_REQUIRE_E2E=1
rw_skip() {
	if [ "${RW_REQUIRE_E2E:-0}" = 1 ]; then
		fail "$RW_NAME: $* (RW_REQUIRE_E2E=1, so this is a failure)"
		rw_summary
	fi
	echo "SKIP $RW_NAME: $*"
	exit 77
}

# ------------------------------------------------------------ setup

# rw_init NAME tool... - see DESCRIPTION
rw_init() {
	local tool missing=""
	RW_NAME=$1
	shift
	[ "$(id -u)" = 0 ] || rw_skip "needs root (runs Postfix, sendmail and chown)"
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
	done
	[ -z "$missing" ] || rw_skip "missing tools:$missing"
	T=$RW_TEST_DIR/$RW_NAME
	case $T in
	/?*) ;;
	*) echo "RW_TEST_DIR must be an absolute path" >&2; exit 99 ;;
	esac
	rm -rf "$T"
	mkdir -p "$T/run" "$T/log"
	chmod 755 "$RW_TEST_DIR" "$T" "$T/run" "$T/log"
	trap rw_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	if [ ! -x "$RELAYWARDEN" ]; then
		fail "daemon binary $RELAYWARDEN missing (build first, or set RELAYWARDEN)"
		rw_summary
	fi
	printf '# %s: daemon %s, scratch %s\n' "$RW_NAME" "$RELAYWARDEN" "$T"
}

rw_cleanup() {
	local rc=$? name
	trap - EXIT INT TERM
	trap '' PIPE HUP	# a dead stdout (make killed) must not stop the cleanup
	for name in $RW_TRACKED; do
		rw_stop "$name" >/dev/null 2>&1
	done
	if [ "${RW_CLEAN_T:-0}" = 1 ]; then rm -rf "$T"; fi
	exit "$rc"
}

# rw_ports_free PORT... - fail the whole script if something listens
rw_ports_free() {
	local p bad=""
	for p in "$@"; do
		rw_tcp_listening "$p" && bad="$bad $p"
	done
	[ -z "$bad" ] && return 0
	fail "ports already in use:$bad (ss -ltnp); another test run?"
	rw_summary
}

# ------------------------------------------------------------ waiting

# rw_wait SECONDS cmd... - poll every 0.1 s until cmd succeeds
rw_wait() {
	local n=$(($1 * 10))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# ss instead of a probe connection: a probe would show up as a session
# in the daemon's log.
rw_tcp_listening() { ss -Hltn "( sport = :$1 )" 2>/dev/null | grep -q .; }
rw_pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
rw_pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# ------------------------------------------------------------ daemons
#
# Each started daemon has $T/run/NAME.track: "PID<TAB>WORD", WORD being
# a string its /proc/PID/cmdline must contain before we signal it (PID
# reuse guard). NAME.stop, when present, is a command to run instead of
# SIGTERM (Postfix).

# rw_track NAME PID WORD [STOPCMD] - remember a daemon for rw_stop/cleanup
rw_track() {
	printf '%s\t%s\n' "$2" "$3" >"$T/run/$1.track"
	rm -f "$T/run/$1.stop"
	[ -n "${4:-}" ] && printf '%s\n' "$4" >"$T/run/$1.stop"
	case " $RW_TRACKED " in
	*" $1 "*) ;;
	*) RW_TRACKED="$1 $RW_TRACKED" ;;
	esac
}

# rw_bg NAME LOGFILE cmd... - run a foreground-mode daemon in the
# background and track it; RW_BGPID is its PID
rw_bg() {
	local name=$1 log=$2
	shift 2
	"$@" >>"$log" 2>&1 </dev/null &
	RW_BGPID=$!
	rw_track "$name" "$RW_BGPID" "$(basename "$1")"
}

rw_pid_of() {
	[ -f "$T/run/$1.track" ] || return 1
	cut -f1 "$T/run/$1.track"
}

# rw_running NAME - the tracked daemon is alive (and is still ours)
rw_running() {
	local pid word
	[ -f "$T/run/$1.track" ] || return 1
	pid=$(cut -f1 "$T/run/$1.track")
	word=$(cut -f2 "$T/run/$1.track")
	rw_pid_alive "$pid" || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$word"
}

# rw_stop NAME - stop one tracked daemon: its stop command or SIGTERM,
# SIGKILL after 15 s. RW_STOP_SECS is how long it took.
rw_stop() {
	local name=$1 pid t0
	[ -f "$T/run/$name.track" ] || return 0
	pid=$(rw_pid_of "$name")
	t0=$(date +%s)
	if rw_running "$name"; then
		if [ -f "$T/run/$name.stop" ]; then
			sh -c "$(cat "$T/run/$name.stop")" >/dev/null 2>&1
		else
			kill -TERM "$pid" 2>/dev/null
		fi
		if ! rw_wait 15 rw_pid_gone "$pid"; then
			echo "# $name (pid $pid) still alive after 15 s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null
			rw_wait 5 rw_pid_gone "$pid"
		fi
	fi
	wait "$pid" 2>/dev/null	# reap our own children; no-op for others
	RW_STOP_SECS=$(($(date +%s) - t0))
	rm -f "$T/run/$name.track" "$T/run/$name.stop"
	return 0
}

# ------------------------------------------------------------ relaywarden

# rw_start_daemon NAME CONF [extra args...] - start relaywarden -f -c CONF
# in the background (stderr to $T/log/NAME.log) and wait for its socket.
# The socket is the -p argument if given, else CONF's socket key.
rw_start_daemon() {
	local name=$1 conf=$2 sock
	shift 2
	sock=$(sed -n 's/^[[:space:]]*socket[[:space:]]*=[[:space:]]*//p' "$conf" | tail -1)
	if [ "${1:-}" = -p ]; then sock=$2; fi
	# This machine's resolv.conf points off-box: every test configuration
	# must pin relaywarden's DNS to loopback.
	if ! grep -Eq '^[[:space:]]*dns_servers[[:space:]]*=[[:space:]]*(127\.|\[::1\])' "$conf"; then
		fail "$name: $conf does not set dns_servers to a loopback address; not started"
		return 1
	fi
	rw_bg "$name" "$T/log/$name.log" "$RELAYWARDEN" -f -c "$conf" "$@"
	if ! rw_wait 10 rw_socket_ready "$sock"; then
		fail "$name: no socket $sock after 10 s (log: $T/log/$name.log)"
		tail -5 "$T/log/$name.log" | sed 's/^/     | /'
		return 1
	fi
	rw_running "$name" || { fail "$name: died at startup"; return 1; }
	return 0
}

# rw_socket_ready unix:/path | inet:PORT@HOST | inet6:PORT@HOST
rw_socket_ready() {
	case $1 in
	unix:* | local:*) [ -S "${1#*:}" ] ;;
	inet:* | inet6:*) local p=${1#*:}; rw_tcp_listening "${p%%@*}" ;;
	*) [ -S "$1" ] ;;
	esac
}

# ------------------------------------------------------------ logs

# rw_log_has FILE ERE - some line matches now
rw_log_has() { grep -Eq -- "$2" "$1" 2>/dev/null; }

# rw_expect_log DESC FILE ERE [SECONDS] - a matching line shows up (poll)
rw_expect_log() {
	if rw_wait "${4:-5}" rw_log_has "$2" "$3"; then
		pass "$1"
	else
		fail "$1: no line /$3/ in $2"
	fi
}

# rw_expect_log_all DESC FILE ERE... - one line matches every ERE, in any
# order (the order of key=value fields is not part of the contract)
rw_expect_log_all() {
	local desc=$1 file=$2 re tmp all
	shift 2
	all="$*"
	tmp=$(grep -E -- "$1" "$file" 2>/dev/null)
	shift
	for re in "$@"; do
		tmp=$(printf '%s\n' "$tmp" | grep -E -- "$re")
	done
	if [ -n "$tmp" ]; then
		pass "$desc"
	else
		fail "$desc: no line in $file matches all of: $all"
	fi
}

# rw_expect_nolog DESC FILE ERE - no line matches
rw_expect_nolog() {
	if rw_log_has "$2" "$3"; then
		fail "$1: unexpected line in $2: $(grep -E -m1 -- "$3" "$2")"
	else
		pass "$1"
	fi
}

# ------------------------------------------------------------ SMTP

# rw_swaks NAME WANT_RC WANT_ERE swaks-args... - run one SMTP session,
# compare swaks' exit status and grep its transcript ('' = no grep).
# The transcript is $T/log/swaks-NAME.txt.
# swaks exit status: 0 delivered (to at least one recipient), 2 cannot
# connect, 23 MAIL refused, 24 every RCPT refused, 25 DATA refused,
# 26 message refused after the dot, 28 AUTH failed, 33 XCLIENT failed.
# Refusals appear as "<** 550 5.7.1 ...", acceptance as "<-  250 ...".
rw_swaks() {
	local name=$1 want_rc=$2 want_re=$3 out rc
	shift 3
	out=$T/log/swaks-$name.txt
	swaks --timeout 30 "$@" >"$out" 2>&1
	rc=$?
	if [ "$rc" != "$want_rc" ]; then
		fail "$name: swaks exit $rc, want $want_rc: $(grep -E '^(<\*\*|\*\*\*)' "$out" | head -3 | tr '\n' ' ')"
		return 1
	fi
	if [ -n "$want_re" ] && ! grep -Eq -- "$want_re" "$out"; then
		fail "$name: transcript lacks /$want_re/ ($out)"
		return 1
	fi
	pass "$name (swaks exit $rc${want_re:+, /$want_re/})"
}

rw_swaks_out() { printf '%s\n' "$T/log/swaks-$1.txt"; }

# rw_subject TAG - a Subject no other message has
rw_subject() { printf 'rw-%s-%s-%s\n' "$1" "$$" "$(date +%s%N)"; }

# ------------------------------------------------------------ smtp-sink

# rw_start_sink PORT - smtp-sink on 127.0.0.1:PORT dumping every message
# under $T/sink (smtp-sink drops privileges to nobody; -u is mandatory
# for root)
rw_start_sink() {
	mkdir -p "$T/sink"
	chown nobody:nogroup "$T/sink"
	rw_bg sink "$T/log/sink.log" smtp-sink -u nobody -h sink.example.test \
	    -d "$T/sink/%Y%m%d%H/%M%S." "127.0.0.1:$1" 64
	rw_wait 10 rw_tcp_listening "$1" || { fail "smtp-sink did not listen on $1"; return 1; }
}

# rw_sink_file SUBJECT - path of the delivered message with that Subject
rw_sink_file() { grep -rlF -- "Subject: $1" "$T/sink" 2>/dev/null | head -1; }
rw_sink_has() { [ -n "$(rw_sink_file "$1")" ]; }

# rw_expect_delivered DESC SUBJECT [SECONDS] - the message reached the sink
rw_expect_delivered() {
	if rw_wait "${3:-15}" rw_sink_has "$2"; then
		pass "$1"
	else
		fail "$1: no message with Subject $2 in $T/sink"
	fi
}

# rw_expect_not_delivered DESC SUBJECT [SECONDS] - still absent after a wait
rw_expect_not_delivered() {
	sleep "${3:-2}"
	if rw_sink_has "$2"; then
		fail "$1: $(rw_sink_file "$2") was delivered"
	else
		pass "$1"
	fi
}

# rw_sink_rcpts SUBJECT - the envelope recipients of that message, one a
# line (smtp-sink writes them as X-Rcpt-Args: headers, To: is not them)
rw_sink_rcpts() {
	sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' "$(rw_sink_file "$1")" | sort
}

# rw_header FILE NAME - the unfolded values of header NAME in a message
rw_header() {
	awk -v want="$2" '
	/^$/ { exit }
	/^[ \t]/ { if (on) { sub(/^[ \t]+/, " "); val = val $0 }; next }
	{ if (on) print val; on = 0 }
	tolower(substr($0, 1, length(want) + 1)) == tolower(want) ":" {
		on = 1; val = substr($0, length(want) + 2); sub(/^[ \t]+/, "", val)
	}
	END { if (on) print val }' "$1"
}

# rw_header_has FILE NAME ERE - some NAME header (unfolded) matches ERE
rw_header_has() { rw_header "$1" "$2" | grep -Eq -- "$3"; }
