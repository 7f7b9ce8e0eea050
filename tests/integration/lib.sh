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
#	rw_summary stops the relaywarden daemons, counts a failure for each
#	of their logs that holds a sanitizer report, prints "N passed, N
#	failed" alone on a line and exits 1 if anything failed, 0 otherwise.
#
#	Exit status 77 (automake SKIP) when not root or a tool is missing,
#	unless RW_REQUIRE_E2E=1: then those count as failures (CI sets it,
#	so that a missing package cannot turn the suite silently green).
#
#	Network: everything listens on and connects to 127.0.0.0/8 or ::1.
#	The scripts use ports 25100-25199 (the Redis tests 25250-25269).
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
RW_DAEMONS=""		# names of the relaywarden daemons among them
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
	rw_sanitizer_reports
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
	case " $RW_DAEMONS " in
	*" $name "*) ;;
	*) RW_DAEMONS="$RW_DAEMONS $name" ;;
	esac
	if ! rw_wait 10 rw_socket_ready "$sock"; then
		fail "$name: no socket $sock after 10 s (log: $T/log/$name.log)"
		tail -5 "$T/log/$name.log" | sed 's/^/     | /'
		return 1
	fi
	rw_running "$name" || { fail "$name: died at startup"; return 1; }
	return 0
}

# rw_sanitizer_reports - stop every relaywarden started by
# rw_start_daemon (reports about exit come last) and fail once for each
# daemon log that holds a sanitizer report. In a sanitized build
# (--enable-sanitizers, --enable-tsan) the reports go to the daemon's
# stderr, its log here; without this check a report whose race or leak
# did not change a reply would pass unnoticed.
rw_sanitizer_reports() {
	local name log re='(Thread|Address|Leak|UndefinedBehavior)Sanitizer|: runtime error: '
	for name in $RW_DAEMONS; do
		rw_stop "$name" >/dev/null 2>&1
		log=$T/log/$name.log
		grep -Eq -- "$re" "$log" 2>/dev/null || continue
		fail "$name: sanitizer report(s) in $log: $(grep -E -- "$re" "$log" |
		    grep -E '^SUMMARY|runtime error' | sort | uniq -c | head -5 | tr -s ' \n' ' ')"
		grep -E -m1 -A40 -- "$re" "$log" | sed 's/^/     | /'
	done
	RW_DAEMONS=""
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

# ------------------------------------------------------------ DNS fixtures

# rw_start_fixtures - start tests/dns/fixtures.sh (RW_FIXTURES_DIR and the
# RW_*_PORT variables exported by the caller) and track its four daemons;
# the whole script fails when they do not start
rw_start_fixtures() {
	local fixtures=$RW_TOP_SRCDIR/tests/dns/fixtures.sh n w
	if ! "$fixtures" start >"$T/log/fixtures.out" 2>&1; then
		fail "DNS fixtures did not start: $(tail -3 "$T/log/fixtures.out" | tr '\n' ' ')"
		"$fixtures" stop >/dev/null 2>&1
		rw_summary
	fi
	for n in unbound rbldnsd servfail blackhole; do
		case $n in unbound | rbldnsd) w=$n ;; *) w=dnsstub.py ;; esac
		rw_track "dns-$n" "$(cat "$RW_FIXTURES_DIR/run/$n.pid")" "$w"
	done
	pass "DNS fixtures up"
}

# rw_dns_stub PORT [dnsstub.py arguments...] - tests/dns/dnsstub.py on
# 127.0.0.1:PORT (udp and tcp), logging to $T/log/stub.log, tracked as
# "stub"; the whole script fails when the port is taken or the stub does
# not start
rw_dns_stub() {
	local port=$1
	shift
	if ss -Hlun "( sport = :$port )" | grep -q .; then
		fail "udp port $port in use"
		rw_summary
	fi
	rw_bg stub "$T/log/stub.log" /usr/bin/python3 "$RW_TOP_SRCDIR/tests/dns/dnsstub.py" \
	    "$@" "127.0.0.1:$port"
	rw_wait 10 sh -c "ss -Hlun '( sport = :$port )' | grep -q ." ||
	    { fail "DNS stub did not start"; rw_summary; }
}

# ------------------------------------------------------------ Postfix
#
# A private Postfix instance below a directory PF: PF/etc (main.cf,
# master.cf), PF/spool, PF/data; it logs to $T/log/postfix.log. Start it
# with rw_postfix_start; rw_stop postfix (and the EXIT trap) stops it with
# "postfix stop".

# rw_postfix_setup PF SINK_PORT PROTOCOLS MILTERS MASTER_HOOK [MAIN_HOOK]
# - write the instance: main.cf is the base settings below, MAIN_HOOK's
# output (extra lines, optional), then contrib/postfix/main.cf.relaywarden
# verbatim, whose smtpd_milters only is then set to MILTERS (postconf's
# stderr in $T/log/postconf.err). The only next hop is the smtp-sink on
# 127.0.0.1:SINK_PORT. PROTOCOLS is inet_protocols: ipv4, or all (then ::1
# is in mynetworks and may send XCLIENT too). master.cf is MASTER_HOOK's
# output (the smtpd services), then the usual services; no chroot anywhere.
rw_postfix_setup() {
	local pf=$1 sink=$2 protocols=$3 milters=$4 master_hook=$5 main_hook=${6:-}
	local etc=$1/etc nets=127.0.0.0/8
	[ "$protocols" = ipv4 ] || nets="127.0.0.0/8 [::1]/128"
	mkdir -p "$etc" "$pf/spool" "$pf/data"
	# master refuses to start unless data_directory belongs to mail_owner
	# (master.lock)
	chown postfix "$pf/data"
	chmod 700 "$pf/data"

	cat >"$etc/main.cf" <<EOF
# Postfix test instance of relaywarden's $RW_NAME.sh (postfix -c $etc)
compatibility_level = 3.6
config_directory = $etc
queue_directory = $pf/spool
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.test
mydomain = example.test
myorigin = \$myhostname
# Nothing is delivered locally: every recipient goes to the sink.
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
inet_interfaces = loopback-only
inet_protocols = $protocols
mynetworks = $nets
# Never touch the system resolver (it points off this machine): no DNS in
# the SMTP client, the only next hop is the sink, and no reverse lookups
# of clients (no ::1 in /etc/hosts, and the XCLIENT addresses are data).
smtp_dns_support_level = disabled
relayhost = [127.0.0.1]:$sink
smtpd_peername_lookup = no
# No syslog here: Postfix logs to a file.
maillog_file_prefixes = $T
maillog_file = $T/log/postfix.log
in_flow_delay = 0s
# relaywarden is the only relay gate of this instance: Postfix itself
# relays anything (postfix.sh's port without milter proves it), so every
# refusal comes from relaywarden. smtpd refuses to start without
# reject_unauth_destination somewhere; the static:OK lookup before it
# permits every client, so it is never reached. Never do this in
# production.
smtpd_relay_restrictions = check_client_access static:OK, reject_unauth_destination
smtpd_recipient_restrictions = permit
# XCLIENT from loopback sets the client address, name and SASL login.
smtpd_authorized_xclient_hosts = $nets
EOF
	if [ -n "$main_hook" ]; then "$main_hook" >>"$etc/main.cf"; fi
	printf '\n# ---- contrib/postfix/main.cf.relaywarden, verbatim ----\n' >>"$etc/main.cf"
	cat "$RW_TOP_SRCDIR/contrib/postfix/main.cf.relaywarden" >>"$etc/main.cf"

	{
		echo "# Postfix test instance: no chroot anywhere (column 5 = n), so the"
		echo "# milter socket paths are the real paths."
		"$master_hook"
		cat <<'EOF'
pickup    unix  n  -  n  60    1  pickup
cleanup   unix  n  -  n  -     0  cleanup
qmgr      unix  n  -  n  300   1  qmgr
rewrite   unix  -  -  n  -     -  trivial-rewrite
bounce    unix  -  -  n  -     0  bounce
defer     unix  -  -  n  -     0  bounce
trace     unix  -  -  n  -     0  bounce
verify    unix  -  -  n  -     1  verify
flush     unix  n  -  n  1000? 0  flush
proxymap  unix  -  -  n  -     -  proxymap
smtp      unix  -  -  n  -     -  smtp
relay     unix  -  -  n  -     -  smtp
showq     unix  n  -  n  -     -  showq
error     unix  -  -  n  -     -  error
retry     unix  -  -  n  -     -  error
discard   unix  -  -  n  -     -  discard
anvil     unix  -  -  n  -     1  anvil
scache    unix  -  -  n  -     1  scache
postlog   unix-dgram n - n -   1  postlogd
EOF
	} >"$etc/master.cf"

	# The snippet is pasted as is; the test changes only the socket(s).
	postconf -c "$etc" -e "smtpd_milters = $milters" 2>"$T/log/postconf.err"
}

# rw_postfix_start PF PORT... - postfix check, start, wait until it
# listens on every PORT (15 s for the first, 5 s more for each other),
# track the master; the whole script fails when Postfix does not start
rw_postfix_start() {
	local pf=$1 p secs=15
	shift
	if ! postfix -c "$pf/etc" check >"$T/log/postfix-check.out" 2>&1; then
		fail "postfix check: $(head -3 "$T/log/postfix-check.out")"
		rw_summary
	fi
	postfix -c "$pf/etc" start >>"$T/log/postfix-check.out" 2>&1
	for p in "$@"; do
		if ! rw_wait "$secs" rw_tcp_listening "$p"; then
			fail "Postfix did not start (see $T/log/postfix.log)"
			rw_summary
		fi
		secs=5
	done
	rw_wait 5 test -s "$pf/spool/pid/master.pid"
	rw_track postfix "$(tr -dc 0-9 <"$pf/spool/pid/master.pid")" master "postfix -c '$pf/etc' stop"
	pass "Postfix started (master pid $(rw_pid_of postfix))"
}

# ------------------------------------------------------------ relay cases
#
# What postfix.sh and sendmail.sh (one MTA each, the same relaywarden
# setup) share. SERVER is the swaks arguments for the milter port (server,
# port, HELO, sender); OUTSIDER those that make the client an outsider
# (XCLIENT for Postfix, a source address for sendmail). Both are
# word-split.

# rw_relay_conf FILE PIDFILE SOCKET_MODE TRUSTED [extra lines...] - write
# a relaywarden configuration: relay check only, socket $T/run/rw.sock
rw_relay_conf() {
	local f=$1 pidfile=$2 mode=$3 trusted=$4 line
	shift 4
	{
		echo "# relaywarden test configuration ($RW_NAME.sh)"
		echo "socket = unix:$T/run/rw.sock"
		echo "socket_mode = $mode"
		echo "pidfile = $pidfile"
		echo "trusted_networks = $trusted"
		echo "local_domains = example.test, .example.test"
		echo "relay_domains = relay.example.test"
		echo "max_recipients = 5"
		# No DNS checks here (dns.sh covers them). Should anything still
		# query, it goes to a dead loopback port, never to the system
		# resolver (it points off this machine).
		echo "dns_servers = 127.0.0.1:25199"
		echo "rdns_check = off"
		echo "spf_check = no"
		echo "spf_check_helo = no"
		for line in "$@"; do echo "$line"; done
	} >"$f"
}

# rw_session_conf FILE [extra lines...] - a configuration for tests of the
# daemon's sessions themselves: socket $T/run/rw.sock (mode 0666), no
# pidfile, DNS and the DNS checks off (a dead loopback port, should
# anything still query), then the extra lines
rw_session_conf() {
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
		for line in "$@"; do echo "$line"; done
	} >"$f"
}

# rw_relay_max_recipients SERVER OUTSIDER - max_recipients = 5 for
# outsiders: the 6th gets 452 4.5.3
rw_relay_max_recipients() {
	# shellcheck disable=SC2086
	rw_swaks max-recipients 0 '^<\*\* 452 4\.5\.3 Too many recipients' $1 $2 \
	    --to m1@example.test,m2@example.test,m3@example.test,m4@example.test,m5@example.test,m6@example.test
	check "max-recipients: exactly one recipient refused" \
	    test "$(grep -c '^<\*\* 452' "$(rw_swaks_out max-recipients)")" -eq 1
}

# rw_relay_inet PORT OUTSIDER DENIED - the MTA's port whose milter is the
# second relaywarden (rw-inet, on an inet socket)
rw_relay_inet() {
	local is="--server 127.0.0.1 --port $1 --helo client.example.test --from sender@example.org" sub
	# shellcheck disable=SC2086
	rw_swaks inet-outsider-outside 24 "$3" $is $2 --to alice@outside.test
	sub=$(rw_subject inet-local)
	# shellcheck disable=SC2086
	rw_swaks inet-outsider-local 0 '' $is $2 --to bob@example.test --h-Subject "$sub"
	rw_expect_delivered "inet milter: outsider -> local delivered" "$sub"
	rw_expect_log "the inet relaywarden logged its refusal" "$T/log/rw-inet.log" \
	    'stage=rcpt action=reject check=relay .*rcpt=<alice@outside\.test>'
}

# rw_relay_dryrun SERVER OUTSIDER - restart relaywarden "rw" with
# $T/rw-dryrun.conf (mode = dryrun): the outside recipient is delivered,
# marked and logged
rw_relay_dryrun() {
	local sub f
	rw_stop rw
	rw_note "relaywarden stopped in ${RW_STOP_SECS}s; restarting with mode = dryrun"
	rw_start_daemon rw "$T/rw-dryrun.conf" || rw_summary
	sub=$(rw_subject dryrun)
	# shellcheck disable=SC2086
	rw_swaks dryrun-outsider-outside 0 '' $1 $2 --to bob@example.test,alice@outside.test --h-Subject "$sub"
	rw_expect_delivered "dryrun: outsider -> outside delivered" "$sub"
	f=$(rw_sink_file "$sub")
	check "dryrun: both recipients delivered" \
	    test "$(rw_sink_rcpts "$sub" | tr '\n' ' ')" = "alice@outside.test bob@example.test "
	check "dryrun: the delivered message carries X-Relaywarden-Dryrun" \
	    rw_header_has "$f" X-Relaywarden-Dryrun 'rcpt <alice@outside\.test>: would reject \(relay\): 550 5\.7\.1 <alice@outside\.test>: Relaying denied'
	rw_expect_log_all "dryrun: logged with dryrun=yes" "$T/log/rw.log" 'stage=rcpt action=reject ' \
	    'check=relay' ' dryrun=yes' 'rcpt=<alice@outside\.test>'
}

# rw_relay_down SERVER OUTSIDER CODE - stop relaywarden "rw": outsider and
# insider alike get 451 CODE (the MTA's tempfail) at MAIL FROM, and
# nothing is delivered
rw_relay_down() {
	local sub
	rw_stop rw
	sub=$(rw_subject down)
	# shellcheck disable=SC2086
	rw_swaks down-tempfail 23 "^<\\*\\* 451 $3 " $1 $2 --to bob@example.test --h-Subject "$sub"
	# shellcheck disable=SC2086
	rw_swaks down-tempfail-insider 23 "^<\\*\\* 451 $3 " $1 --to alice@outside.test
	rw_expect_not_delivered "relaywarden down: nothing delivered, the client keeps the message" "$sub" 2
}
