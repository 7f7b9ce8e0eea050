#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# protocol.sh - drive the built relaywarden over the milter protocol with
# miltertest (no MTA): relay control, address tricks, insiders, SMTP AUTH,
# IPv6 clients, max_recipients, client_access, sender_access, dryrun, the
# HELO address-literal check (refused and tagged), no reply to HELO
# when no check decides there (noreply.py),
# queue id in the log, SIGHUP reload (good and broken configurations),
# SIGTERM, and no stderr copy of the log when stderr is the journal. The Lua scripts send the sessions; this script writes the
# configurations, checks replies through miltertest's exit status and
# checks the daemon's log lines.
#
#   RELAYWARDEN=milter/relaywarden tests/integration/protocol.sh
#
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
rw_init protocol miltertest ss /usr/bin/python3

CONF=$T/rw.conf
SOCK=unix:$T/run/rw.sock
LOG=$T/log/rw.log
MT_OUT=$T/log/miltertest

# write_conf FILE [extra lines...] - the test policy; each extra line is
# appended ("key = value"), keys must not repeat those below
write_conf() {
	local f=$1
	shift
	cat >"$f.tmp" <<EOF
# relaywarden test configuration (protocol.sh)
socket = unix:$T/run/config-socket-unused.sock
socket_mode = 0666
pidfile = $T/run/rw.pid
log_level = info
trusted_networks = 127.0.0.0/8, ::1/128, 198.51.100.0/24, 2001:db8::/32
local_domains = example.test, .example.test
relay_domains = relay.example.test
max_recipients = 5
client_access = 203.0.113.0/24 REJECT Go away, 203.0.113.128/25 OK, 198.18.0.0/15 TEMPFAIL
sender_access = spammer@bad.test REJECT No spam here, @bad.test TEMPFAIL, bad.test REJECT Domain refused, friend@bad.test OK
# No DNS checks in this test (dns.sh covers them). Should anything still
# query, it goes to a dead loopback port: never to the system resolver.
dns_servers = 127.0.0.1:25199
rdns_check = off
spf_check = no
spf_check_helo = no
EOF
	for line in "$@"; do printf '%s\n' "$line" >>"$f.tmp"; done
	mv "$f.tmp" "$f"	# atomic: a reload never sees half a file
}

# mt NAME LUA [-D k=v...] - run one miltertest script, pass if it exits 0
mt() {
	local name=$1 lua=$2 rc
	shift 2
	miltertest -D sock="$SOCK" -D srcdir="$RW_HERE" "$@" -s "$RW_HERE/$lua" \
	    >"$MT_OUT-$name.txt" 2>&1
	rc=$?
	grep -E '^(FAIL|FATAL)' "$MT_OUT-$name.txt" | sed 's/^/     | /'
	if [ $rc -eq 0 ]; then
		pass "miltertest $lua ($name): $(grep -c '^ok ' "$MT_OUT-$name.txt") checks"
	else
		fail "miltertest $lua ($name) exit $rc: $(grep -c '^FAIL' "$MT_OUT-$name.txt") failed checks, see $MT_OUT-$name.txt"
	fi
}

# line DESC ERE - the daemon logged a matching line
line() { rw_expect_log "$1" "$LOG" "$2" 3; }
noline() { rw_expect_nolog "$1" "$LOG" "$2"; }

# line_all DESC ERE... - one line matches every ERE, in any order
line_all() { local d=$1; shift; rw_expect_log_all "$d" "$LOG" "$@"; }

# count DESC ERE N - exactly N lines match
count() {
	local n
	n=$(grep -Ec -- "$2" "$LOG")
	if [ "$n" -eq "$3" ]; then pass "$1 ($n lines)"; else fail "$1: $n lines /$2/, want $3"; fi
}

# reload FILE - install FILE as the configuration and send SIGHUP
reload() {
	cp "$1" "$CONF.new" && mv "$CONF.new" "$CONF"
	kill -HUP "$RWPID"
	sleep 1
}

# -------------------------------------------------------------- -V and -t
out=$("$RELAYWARDEN" -V 2>&1)
check "-V exits 0 and prints a version ($out)" test $? -eq 0 -a -n "$out"

write_conf "$CONF"
"$RELAYWARDEN" -t -c "$CONF" >"$T/log/t-good.out" 2>&1
check "-t accepts the test configuration" test $? -eq 0

write_conf "$T/bad.conf" "max_recipients_typo = 3" "trusted_networks_extra = 10.0.0.0/8"
"$RELAYWARDEN" -t -c "$T/bad.conf" >"$T/log/t-bad.out" 2>&1
rc=$?
check "-t refuses a broken configuration (exit $rc)" test $rc -eq 1
n1=$(grep -n '^max_recipients_typo' "$T/bad.conf" | cut -d: -f1)
n2=$(grep -n '^trusted_networks_extra' "$T/bad.conf" | cut -d: -f1)
check "-t reports $T/bad.conf:$n1: (unknown key)" grep -q "$T/bad.conf:$n1: " "$T/log/t-bad.out"
check "-t reports every error, also $T/bad.conf:$n2:" grep -q "$T/bad.conf:$n2: " "$T/log/t-bad.out"

timeout 10 "$RELAYWARDEN" -f -c "$T/bad.conf" -p "unix:$T/run/never.sock" >"$T/log/start-bad.out" 2>&1
rc=$?
check "the daemon refuses to start with a broken configuration (exit $rc)" test $rc -ne 0 -a $rc -ne 124
check "... and says where ($T/bad.conf:$n1:)" grep -q "$T/bad.conf:$n1: " "$T/log/start-bad.out"
check "... and created no socket" test ! -e "$T/run/never.sock"

# -------------------------------------------------------------- start
rw_start_daemon rw "$CONF" -p "$SOCK" || rw_summary
RWPID=$(rw_pid_of rw)
check "-p overrides the socket key" test ! -e "$T/run/config-socket-unused.sock"
check "socket_mode 0666 applied ($(stat -c %a "$T/run/rw.sock"))" \
    test "$(stat -c %a "$T/run/rw.sock")" = 666
rw_wait 5 test -s "$T/run/rw.pid"
check "pidfile holds the daemon's PID $RWPID" test "$(cat "$T/run/rw.pid" 2>/dev/null)" = "$RWPID"

# -------------------------------------------------------------- relay control
mt relay relay.lua
line "queue id from macro i: RLY1 outside recipient refused with 550 5.7.1 Relaying denied" \
    'RLY1: stage=rcpt action=reject check=relay .*rcpt=<alice@outside\.test>.*reply="550 5\.7\.1 <alice@outside\.test>: Relaying denied"'
line "RLY1 log names the client as name[addr]" 'RLY1: stage=rcpt .*client=client\.example\.test\[192\.0\.2\.10\]'
line "RLY1 accepted recipients are logged too (action=continue)" \
    'RLY1: stage=rcpt action=continue .*rcpt=<bob@example\.test>'
count "RLY1 outsider: 4 local/relay recipients continue" 'RLY1: stage=rcpt action=continue' 4
count "RLY1 outsider: 3 outside recipients refused" 'RLY1: stage=rcpt action=reject check=relay' 3
count "TRK1 address tricks: 9 refused" 'TRK1: stage=rcpt action=reject check=relay .*reply="550 5\.7\.1 ' 9
count "TRK1 address tricks: 3 all-local controls continue" 'TRK1: stage=rcpt action=continue' 3
line "TRK1 percent hack refused with reason" 'TRK1: stage=rcpt action=reject check=relay .*rcpt=<u%outside\.test@example\.test>.*reason='
count "INS1 127.0.0.1: 7 outside recipients continue (no max_recipients)" 'INS1: stage=rcpt action=continue' 7
noline "INS1 insider: nothing refused" 'INS1: .*action=(reject|tempfail)'
line "INS2 trusted CIDR 198.51.100.7 relays" 'INS2: stage=rcpt action=continue .*rcpt=<alice@outside\.test>'
line "AUTH1 {auth_authen} relays" 'AUTH1: stage=rcpt action=continue .*rcpt=<alice@outside\.test>'
line "AUTH2 {auth_type} without {auth_authen}: refused" 'AUTH2: stage=rcpt action=reject check=relay'
line "AUTH2 warning names the missing macro and the MTA settings" \
    'warning: macro \{auth_authen\} not sent by the MTA although \{auth_type\} was.*milter_mail_macros.*confMILTER_MACROS_ENVFROM'
count "the missing-macro warning is logged once" 'warning: macro \{auth_authen\} not sent' 1
line "AUTH3 empty {auth_authen}: refused" 'AUTH3: stage=rcpt action=reject check=relay'
line "V6IN 2001:db8::10 in 2001:db8::/32 relays" 'V6IN: stage=rcpt action=continue .*rcpt=<alice@outside\.test>'
line "V6OUT 3fff::10 refused" 'V6OUT: stage=rcpt action=reject check=relay .*rcpt=<alice@outside\.test>'
line "V6OUT log shows the IPv6 client" 'V6OUT: stage=rcpt .*client=[^ ]*\[(IPv6:)?3fff::10\]'
line "V6LO ::1 relays" 'V6LO: stage=rcpt action=continue .*rcpt=<alice@outside\.test>'
line "V6MAPO ::ffff:192.0.2.10 refused" 'V6MAPO: stage=rcpt action=reject check=relay'
line "V6MAPI ::ffff:198.51.100.7 judged as IPv4: relays" 'V6MAPI: stage=rcpt action=continue'
count "MAX1 5 accepted recipients" 'MAX1: stage=rcpt action=continue' 5
line "MAX1 6th accepted recipient: 452 4.5.3" \
    'MAX1: stage=rcpt action=tempfail check=max_recipients .*rcpt=<m6@example\.test>.*reply="452 4\.5\.3 Too many recipients"'
line "MAX1 7th too" 'MAX1: stage=rcpt action=tempfail check=max_recipients .*rcpt=<m7@example\.test>'
count "TXN2 second transaction starts a new count" 'TXN2: stage=rcpt action=continue' 5
noline "TXN2 no max_recipients verdict" 'TXN2: .*check=max_recipients'

# -------------------------------------------------------------- access lists
mt access access.lua
line "ACC1 client_access REJECT at MAIL: 550 5.7.1 Go away" \
    'ACC1: stage=mail action=reject check=client_access .*reply="550 5\.7\.1 Go away"'
noline "ACC1 not refused at connect" 'stage=connect action=reject'
count "ACC2 client OK (longest prefix): 7 recipients, no max_recipients" 'ACC2: stage=rcpt action=continue' 7
line "ACC2 client OK does not grant relaying" 'ACC2: stage=rcpt action=reject check=relay'
line "ACC3 client_access TEMPFAIL: 450 4.7.1 Access temporarily denied" \
    'ACC3: stage=mail action=tempfail check=client_access .*reply="450 4\.7\.1 Access temporarily denied"'
line "SND1 sender address REJECT: 550 5.7.1 No spam here" \
    'SND1: stage=mail action=reject check=sender_access .*reply="550 5\.7\.1 No spam here"'
line "SND2 sender @domain TEMPFAIL: 450 4.7.1" \
    'SND2: stage=mail action=tempfail check=sender_access .*reply="450 4\.7\.1 Access temporarily denied"'
line "SND3 sender parent domain REJECT: 550 5.7.1 Domain refused" \
    'SND3: stage=mail action=reject check=sender_access .*reply="550 5\.7\.1 Domain refused"'
noline "SND4 sender OK: no MAIL verdict" 'SND4: stage=mail action=(reject|tempfail)'
line "SND4 sender OK does not grant relaying" 'SND4: stage=rcpt action=reject check=relay'

# -------------------------------------------------------------- reload
write_conf "$T/trust-no.conf" "trust_authenticated = no"
mt snapshot snapshot.lua -D reload="cp '$T/trust-no.conf' '$CONF.new' && mv '$CONF.new' '$CONF' && kill -HUP $RWPID && sleep 1"
line "SNAP1 old session kept its snapshot after SIGHUP" 'SNAP1: stage=rcpt action=continue .*rcpt=<second@outside\.test>'
line "SNAP2 new session: trust_authenticated = no refuses" 'SNAP2: stage=rcpt action=reject check=relay'
mt hup1 auth.lua -D qid=HUP1 -D want_auth=reject
check "daemon alive after SIGHUP 1" rw_running rw

cp "$T/trust-no.conf" "$T/broken.conf"
sed -i 's/^max_recipients = 5$/max_recipients = lots/' "$T/broken.conf"
printf 'no_such_key = 1\n' >>"$T/broken.conf"
b1=$(grep -n '^max_recipients = lots' "$T/broken.conf" | cut -d: -f1)
b2=$(grep -n '^no_such_key' "$T/broken.conf" | cut -d: -f1)
reload "$T/broken.conf"
line "broken reload: error logged as $CONF:$b1:" "$CONF:$b1: "
line "broken reload: every error logged, also $CONF:$b2:" "$CONF:$b2: "
check "daemon alive after broken SIGHUP 2" rw_running rw
mt hup2 auth.lua -D qid=HUP2 -D want_auth=reject
line "HUP2 old policy (trust_authenticated = no) still in force" 'HUP2: stage=rcpt action=reject check=relay'
line "HUP2 old policy still accepts the local recipient" 'HUP2: stage=rcpt action=continue .*rcpt=<bob@example\.test>'

write_conf "$T/good.conf"
reload "$T/good.conf"
mt hup3 auth.lua -D qid=HUP3 -D want_auth=accept
line "HUP3 after SIGHUP 3: trust_authenticated back to yes" 'HUP3: stage=rcpt action=continue .*rcpt=<alice@outside\.test>'

# a rules file (rules(5)) with an error: -t refuses it at start with its
# file:line; a reload with it keeps the old policy (HUP4 would be refused
# under the broken file's trust_authenticated = no)
printf 'ok body /fine/ tag\nbroken body /unclosed(/ reject\n' >"$T/bad.rules"
write_conf "$T/badrules.conf" "trust_authenticated = no" "rules = $T/bad.rules"
"$RELAYWARDEN" -t -c "$T/badrules.conf" >"$T/log/t-badrules.out" 2>&1
rc=$?
check "-t refuses a broken rules file (exit $rc)" test $rc -eq 1
check "-t names the rules file's line" grep -q "^$T/bad.rules:2: bad pattern" "$T/log/t-badrules.out"
reload "$T/badrules.conf"
line "bad rules reload: error logged as bad.rules:2:" "$T/bad.rules:2: bad pattern at offset"
check "daemon alive after a reload with bad rules" rw_running rw
mt hup4 auth.lua -D qid=HUP4 -D want_auth=accept
line "HUP4 old policy (trust_authenticated = yes) still in force" 'HUP4: stage=rcpt action=continue .*rcpt=<alice@outside\.test>'

# -------------------------------------------------------------- dryrun
write_conf "$T/dryrun.conf" "mode = dryrun"
reload "$T/dryrun.conf"
mt dryrun dryrun.lua
line_all "DRY1 dryrun logs the would-be reject with dryrun=yes" \
    'DRY1: stage=rcpt action=reject ' 'check=relay' ' dryrun=yes' 'rcpt=<alice@outside\.test>'
line_all "DRY3 dryrun client_access REJECT logged, not applied" \
    'DRY3: stage=mail action=reject ' 'check=client_access' ' dryrun=yes'
line_all "DRY4 dryrun max_recipients logged, not applied" \
    'DRY4: stage=rcpt action=tempfail ' 'check=max_recipients' ' dryrun=yes' 'rcpt=<d6@example\.test>'
noline "no dryrun=yes before mode = dryrun" '(RLY1|TRK1|MAX1|ACC1|SND1): .*dryrun=yes'

# -------------------------------------------------------------- HELO checks
write_conf "$T/helo.conf" "helo_foreign_literal = reject"
reload "$T/helo.conf"
mt helo-reject helo.lua -D mode=reject
line "HLO1 foreign HELO literal refused at MAIL with 550 5.7.1" \
    'HLO1: stage=mail action=reject check=helo_foreign_literal .*helo=<\[192\.0\.2\.99\]>.*reply="550 5\.7\.1 HELO \[192\.0\.2\.99\] is not your address 192\.0\.2\.10"'
line "HLO4 foreign IPv6 literal refused" 'HLO4: stage=mail action=reject check=helo_foreign_literal'
noline "HLO2/HLO3 own literal and authenticated user not judged" '(HLO2|HLO3): .*check=helo_foreign_literal'
write_conf "$T/helo-tag.conf" "helo_foreign_literal = tag"
reload "$T/helo-tag.conf"
mt helo-tag helo.lua -D mode=tag
line "HLO1 tag: logged as action=tag" 'HLO1: stage=mail action=tag check=helo_foreign_literal '

# -------------------------------------------------------------- no reply to HELO
# No check decides at HELO unless dns_verdict_stage = helo: then the MTA
# is told it needs no reply to HELO (SMFIP_NR_HELO), one round trip less
# per session. A list checked at HELO, with the DNS dead, must still give
# its 451 at HELO, and after a reload that puts it there between a
# session's negotiation and its connect, at MAIL.
nr() {	# nr NAME [noreply.py options] - its one line, in $T/log/nr-NAME.txt
	local name=$1
	shift
	/usr/bin/python3 "$RW_HERE/noreply.py" "$SOCK" "$@" >"$T/log/nr-$name.txt" 2>&1
}
write_conf "$T/nr.conf"
write_conf "$T/nr-helo.conf" "dnsbl = nr.example.test" "dns_verdict_stage = helo" \
    "dnsbl_probe_interval = 0" "dns_timeout = 1s" "dns_deadline = 1s"
reload "$T/nr.conf"
nr plain
check "NR1 no check at HELO: no reply to HELO asked for and kept to ($(cat "$T/log/nr-plain.txt"))" \
    test "$(cat "$T/log/nr-plain.txt")" = "nr_helo yes helo none mail c"
reload "$T/nr-helo.conf"
nr helo
check "NR2 a list decided at HELO: HELO answered, 451 while the DNS is dead ($(cat "$T/log/nr-helo.txt"))" \
    grep -q '^nr_helo no helo 451 mail ' "$T/log/nr-helo.txt"
reload "$T/nr.conf"
rm -f "$T/run/nr.ready" "$T/run/nr.go"
nr race --hold "$T/run/nr" &
nrpid=$!
rw_wait 10 test -e "$T/run/nr.ready" || fail "NR3: noreply.py did not negotiate"
reload "$T/nr-helo.conf"
: >"$T/run/nr.go"
wait "$nrpid"
check "NR3 reload between negotiation and connect: the HELO stage's 451 comes at MAIL ($(cat "$T/log/nr-race.txt"))" \
    test "$(cat "$T/log/nr-race.txt")" = "nr_helo yes helo none mail 451"

# -------------------------------------------------------------- rate limits
write_conf "$T/state.conf" "state_store = lmdb:$T/state.lmdb" \
    "rate_limit = concurrency 2 for all, refused 2/60s for all, messages 2/60s by sender for all"
reload "$T/state.conf"
mt state state.lua
line "the reload opened the state store" "state store lmdb:$T/state.lmdb \\(lmdb\\)"
line "RAT1 third session refused at connect: concurrency" \
    'stage=connect action=tempfail check=rate_limit .*counter=concurrency count=3 limit=2 .*key=conc:ip:192\.0\.2\.50/32.*reply="451 4\.7\.1 rate limit exceeded for conc:ip:192\.0\.2\.50/32, try again later"'
line "RAT2 after 2 refusals: 451 for the refused limit" \
    'RAT2: stage=rcpt action=tempfail check=rate_limit .*counter=refused limit=2 window=60s .*key=rate:refused:ip:192\.0\.2\.60/32'
line "RAT3 third message of the sender in the window refused at MAIL" \
    'RAT3: stage=mail action=tempfail check=rate_limit .*counter=messages limit=2 window=60s .*key=rate:msg:from:bulk@example\.org'
write_conf "$T/nostate.conf"
reload "$T/nostate.conf"

# -------------------------------------------------------------- signals
check "daemon alive after every SIGHUP, same PID" test "$(cat "$T/run/rw.pid" 2>/dev/null)" = "$RWPID" -a -d "/proc/$RWPID"
noline "no internal errors logged" '451 4\.3\.0|internal error'
kill -TERM "$RWPID"
if rw_wait 10 rw_pid_gone "$RWPID"; then
	wait "$RWPID"
	rc=$?
	pass "SIGTERM: daemon exits within 10 s"
	check "SIGTERM: exit status 0 (got $rc)" test "$rc" -eq 0
else
	fail "SIGTERM: daemon still running after 10 s"
fi
rw_stop rw
[ -e "$T/run/rw.sock" ] && rw_note "note: the unix socket is left behind after SIGTERM"
[ -e "$T/run/rw.pid" ] && rw_note "note: the pidfile is left behind after SIGTERM"

# -------------------------------------------------------------- debug log
# Issue 12 item 6: at log_level = debug the connect name, HELO and MAIL
# FROM are logged; CR/LF in them must not start a forged line. A daemon
# of its own, so that its log holds nothing else.
# helo_syntax off: loginject.lua's HELO holds a LF, and a tag verdict
# would log the verdict line instead of the debug line looked for here
write_conf "$T/debug.conf" "helo_syntax = off"
sed -i 's/^log_level = info$/log_level = debug/' "$T/debug.conf"
if rw_start_daemon dbg "$T/debug.conf" -p "unix:$T/run/dbg.sock"; then
	DLOG=$T/log/dbg.log
	miltertest -D sock="unix:$T/run/dbg.sock" -D srcdir="$RW_HERE" \
	    -s "$RW_HERE/loginject.lua" >"$MT_OUT-loginject.txt" 2>&1
	check "miltertest loginject.lua ran (see $MT_OUT-loginject.txt)" \
	    grep -q '^loginject.lua: ' "$MT_OUT-loginject.txt"
	rw_expect_log "debug: the connect line is logged" "$DLOG" 'connect from '
	rw_expect_log "debug: the MAIL FROM line is logged" "$DLOG" 'LOG1: mail from=<'
	rw_stop dbg
	n=$(grep -c 'FORGED' "$DLOG")
	check "debug: the injected text reached the log ($n lines), escaped" \
	    test "$n" -ge 2
	rw_expect_nolog "debug: no log line begins with injected text" "$DLOG" \
	    '^[[:space:]]*FORGED'
	check "debug: no CR in the log" test "$(tr -cd '\r' <"$DLOG" | wc -c)" -eq 0
fi

# -------------------------------------------------------------- journal
# Under systemd (relaywarden -f as a service) stderr is a journal stream
# and journald also reads /dev/log: the stderr copy of each line would be
# a second copy in the journal. systemd names that stream in
# JOURNAL_STREAM=DEVICE:INODE; when it is stderr, lines go to syslog only.
# The same session as the debug daemon's above, whose stderr had them.
if [ -n "${DLOG:-}" ]; then
	: >"$T/log/jr.log"
	if JOURNAL_STREAM=$(stat -c '%d:%i' "$T/log/jr.log") \
	    rw_start_daemon jr "$T/debug.conf" -p "unix:$T/run/jr.sock"; then
		miltertest -D sock="unix:$T/run/jr.sock" -D srcdir="$RW_HERE" \
		    -s "$RW_HERE/loginject.lua" >"$MT_OUT-journal.txt" 2>&1
		check "journal: the session ran (see $MT_OUT-journal.txt)" \
		    grep -q '^loginject.lua: ' "$MT_OUT-journal.txt"
		rw_stop jr
		rw_expect_nolog "journal: stderr is the journal: no copy of the lines there" \
		    "$T/log/jr.log" 'connect from |mail from=<|stopped'
		check "debug (control): without JOURNAL_STREAM they were on stderr" \
		    grep -q 'LOG1: mail from=<' "$DLOG"
	fi
fi

# -------------------------------------------------------------- the sample
# contrib/relaywarden.conf.sample as quickstart.sh installs it: it runs as
# "user = relaywarden" with "socket_group = relaywarden". Here the user is
# nobody and the group nogroup (no system user is created by a test);
# the socket and pidfile are in a directory of that user, as quickstart.sh
# makes /run/relaywarden.
SAMPLE=$RW_TOP_SRCDIR/contrib/relaywarden.conf.sample
"$RELAYWARDEN" -t -c "$SAMPLE" >"$T/log/t-sample.out" 2>&1
check "-t accepts contrib/relaywarden.conf.sample" test $? -eq 0
check "the sample runs as user relaywarden, socket group relaywarden" \
    test "$(grep -cE '^(user|socket_group) = relaywarden$' "$SAMPLE")" -eq 2
mkdir -p "$T/sample"
chown nobody:nogroup "$T/sample"
sed -e 's/^user = relaywarden$/user = nobody/' \
    -e 's/^socket_group = relaywarden$/socket_group = nogroup/' \
    -e "s|^socket = unix:/run/relaywarden/relaywarden.sock\$|socket = unix:$T/sample/rw.sock|" \
    "$SAMPLE" >"$T/sample.conf"
printf '%s\n' "pidfile = $T/sample/rw.pid" "dns_servers = 127.0.0.1:25199" >>"$T/sample.conf"
if rw_start_daemon sample "$T/sample.conf"; then
	pid=$(rw_pid_of sample)
	# logged once privileges are dropped
	rw_expect_log "sample: listening" "$T/log/sample.log" 'listening on unix:'
	n=$(id -u nobody)
	uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
	check "sample: runs as nobody once its socket is open (real, effective, saved, fs uid: $uids)" \
	    test "$uids" = "$n $n $n $n"
	check "sample: socket mode 0660, group nogroup ($(stat -c '%a %G' "$T/sample/rw.sock"))" \
	    test "$(stat -c '%a %G' "$T/sample/rw.sock")" = "660 nogroup"
	rw_expect_nolog "sample: no \"running as root\" warning" "$T/log/sample.log" 'running as root'
	# as nobody it rereads the file; the socket key's string of the first
	# configuration is gone after this, the daemon must not need it
	kill -HUP "$pid"
	rw_expect_log "sample: SIGHUP as nobody reloads the file" "$T/log/sample.log" 'reloaded '
	rw_stop sample
	check "sample: as nobody it still removed its socket and pidfile at SIGTERM" \
	    test ! -e "$T/sample/rw.sock" -a ! -e "$T/sample/rw.pid"
fi

rw_summary
