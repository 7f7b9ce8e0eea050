#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# mimemod.sh - the MIME reader as a module (issue 11): the daemon maps
# GMime and GLib only when a policy has content checks, over the milter
# protocol (tests/integration/mimemod.py, no MTA):
#
#   a. without content checks the daemon never loads relaywarden-mime.so:
#      no GMime, GLib or GObject in /proc/PID/maps, the body step not
#      negotiated, a message still answered;
#   b. a SIGHUP to a configuration with a rules file loads it: the log
#      names the module, /proc/PID/maps has GMime and GLib, and a rule on
#      a link inside a base64 HTML part (mkmsg.py hexurl) refuses the
#      message with the rule's reply;
#   c. started with the rules file: loaded at start, the same refusal;
#   d. started with the rules file and the module missing (the build
#      tree's test hook RELAYWARDEN_MIME_MODULE pointing at no file): no
#      start, a non-zero exit, stderr naming the file and dlerror()'s
#      reason; -t also exits 1 naming it (and 0 with the module);
#   e. started without content checks and the module missing, a SIGHUP to
#      the rules: the reload is refused with the same reason, the old
#      policy keeps serving (no GLib mapped, a message answered).
# No ports: a unix socket (the DNS checks are off; dns_servers is a dead
# loopback port of lib.sh's).
#
#   RELAYWARDEN=milter/relaywarden tests/integration/mimemod.sh
#
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
rw_init mimemod /usr/bin/python3 timeout

MKMSG=$RW_TOP_SRCDIR/tests/integration/mkmsg.py
CLIENT=$RW_TOP_SRCDIR/tests/integration/mimemod.py
SOCK=unix:$T/run/rw.sock
GLIB_RE='/lib(gmime-3\.0|glib-2\.0|gobject-2\.0)\.so'

cat >"$T/rules" <<'EOF2'
# mimemod.sh: NAME WHERE /PATTERN/FLAGS ACTION [for=] ["reply"]
hexurl   url-host   /(^|\.)spam\.example$/   reject for=all "hidden link to a known bad host"
EOF2
conf() {	# FILE [extra lines]
	local f=$1
	shift
	rw_relay_conf "$f" "" 0666 "127.0.0.0/8" "log_level = debug" "$@"
}
conf "$T/rules.conf" "rules = $T/rules"
conf "$T/norules.conf"
/usr/bin/python3 "$MKMSG" hexurl "$(rw_subject hexurl)" "$T/hexurl.eml"

# mapped NAME - the daemon's mappings of GMime, GLib, GObject (one a line)
mapped() {
	grep -E -- "$GLIB_RE" "/proc/$(rw_pid_of "$1")/maps" 2>/dev/null |
	    awk '{ print $6 }' | sort -u
}
# expect_unmapped NAME DESC / expect_mapped NAME DESC
expect_unmapped() {
	local m
	m=$(mapped "$1")
	if rw_running "$1" && [ -z "$m" ]; then
		pass "$2"
	else
		fail "$2: mapped: $(echo "$m" | tr '\n' ' ')"
	fi
}
expect_mapped() {
	local m
	m=$(mapped "$1")
	if echo "$m" | grep -q 'libgmime-3\.0' && echo "$m" | grep -q 'libglib-2\.0'; then
		pass "$2"
	else
		fail "$2: mapped: $(echo "$m" | tr '\n' ' ')"
	fi
}
# send NAME DESC WANT_ERE - the hexurl message; its output matches WANT_ERE
send() {
	local out=$T/log/client-$1.txt
	timeout 60 /usr/bin/python3 "$CLIENT" "$SOCK" "$T/hexurl.eml" >"$out" 2>&1
	if grep -Eq -- "$3" "$out"; then
		pass "$2"
	else
		fail "$2: got $(tr '\n' ' ' <"$out")"
	fi
}
REFUSED='^reply y 550 5\.7\.1 hidden link to a known bad host'
start() {	# NAME CONF
	rm -f "$T/run/rw.sock"
	rw_start_daemon "$1" "$2" >/dev/null
}
# hup NAME CONF - install CONF as the daemon's file, SIGHUP, wait for the
# reload's outcome in its log
hup() {
	local log=$T/log/$1.log n
	n=$(grep -Ec 'reloaded |reload of ' "$log")
	cp "$2" "$T/live.conf"
	kill -HUP "$(rw_pid_of "$1")"
	rw_wait 10 sh -c '[ "$(grep -Ec "reloaded |reload of " "$1")" -gt "$2" ]' \
	    sh "$log" "$n"
}

# ------------------------------------------------------------ a. no content checks
cp "$T/norules.conf" "$T/live.conf"
if start plain "$T/live.conf"; then
	expect_unmapped plain "a. without content checks: no GMime, GLib or GObject in /proc/PID/maps"
	send plain-msg "a. ... the body step is not negotiated, the message answered" \
	    '^body no'
	grep -q '^reply c' "$T/log/client-plain-msg.txt" &&
	    pass "a. ... and let through (continue)" ||
	    fail "a. ... and let through: got $(tr '\n' ' ' <"$T/log/client-plain-msg.txt")"
	rw_expect_nolog "a. ... and the log never mentions the module" \
	    "$T/log/plain.log" 'MIME module'

# ------------------------------------------------------------ b. SIGHUP to rules
	hup plain "$T/rules.conf"
	rw_expect_log "b. SIGHUP to a rules file: the module is loaded" \
	    "$T/log/plain.log" "MIME module .*/milter/relaywarden-mime\.so loaded"
	rw_expect_log "b. ... and the new policy installed" "$T/log/plain.log" \
	    'reloaded .*live\.conf'
	expect_mapped plain "b. ... GMime and GLib are in /proc/PID/maps now"
	send plain-rules "b. ... a link in a base64 HTML part hits the rule: 550 with its text" \
	    "$REFUSED"
	rw_expect_log "b. ... the rule's line is logged" "$T/log/plain.log" \
	    ': rule=hexurl line=2 where="url-host[^"]*" action=reject'
	rw_stop plain
fi

# ------------------------------------------------------------ c. rules at start
if start rules "$T/rules.conf"; then
	rw_expect_log "c. started with a rules file: the module is loaded at start" \
	    "$T/log/rules.log" "MIME module .*/milter/relaywarden-mime\.so loaded"
	expect_mapped rules "c. ... GMime and GLib are in /proc/PID/maps"
	send rules-msg "c. ... the base64 HTML part's link hits the rule: 550" "$REFUSED"
	rw_stop rules
fi

# ------------------------------------------------------------ d. module missing at start
RELAYWARDEN_MIME_MODULE=$T/no-such-module.so timeout 30 "$RELAYWARDEN" -f \
    -c "$T/rules.conf" >"$T/log/missing.log" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then
	pass "d. content checks and no module: the daemon does not start (exit $rc)"
else
	fail "d. content checks and no module: exit $rc (124: still running after 30 s)"
fi
rw_expect_log "d. ... the error names the file and why it cannot be loaded" \
    "$T/log/missing.log" \
    "MIME module $T/no-such-module\.so cannot be loaded: .*No such file"
# -t says so too (the unit's ExecStartPre runs it), and passes with it
RELAYWARDEN_MIME_MODULE=$T/no-such-module.so "$RELAYWARDEN" -t -c "$T/rules.conf" \
    >"$T/log/missing-t.log" 2>&1
check "d. -t with content checks and no module: exit 1" test $? -eq 1
rw_expect_log "d. ... -t names the module" "$T/log/missing-t.log" \
    "MIME module $T/no-such-module\.so cannot be read: No such file"
"$RELAYWARDEN" -t -c "$T/rules.conf" >"$T/log/present-t.log" 2>&1
check "d. -t with content checks and the module: configuration OK" test $? -eq 0

# ------------------------------------------------------------ e. module missing at reload
cp "$T/norules.conf" "$T/live.conf"
export RELAYWARDEN_MIME_MODULE=$T/no-such-module.so
start stays "$T/live.conf"
ok=$?
unset RELAYWARDEN_MIME_MODULE
if [ $ok -eq 0 ]; then
	hup stays "$T/rules.conf"
	rw_expect_log "e. SIGHUP to rules with no module: refused, the reason logged" \
	    "$T/log/stays.log" \
	    "reload of .*live\.conf: .*MIME module $T/no-such-module\.so cannot be loaded: .*; the previous configuration stays in force"
	expect_unmapped stays "e. ... the daemon runs on, no GLib mapped"
	send stays-msg "e. ... on the old policy: no body asked, the message let through" \
	    '^body no'
	grep -q '^reply c' "$T/log/client-stays-msg.txt" &&
	    pass "e. ... continue" ||
	    fail "e. ... continue: got $(tr '\n' ' ' <"$T/log/client-stays-msg.txt")"
fi
rw_summary
