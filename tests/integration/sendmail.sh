#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# sendmail.sh - end to end through a real sendmail 8.17: swaks -> sendmail
# (its .mc includes contrib/sendmail/relaywarden.mc) -> relaywarden ->
# smtp-sink. sendmail is not installed (it conflicts with Postfix): its
# Debian packages are fetched with apt-get download once, cached in
# $RW_CACHE_DIR, and unpacked with dpkg -x under $RW_TEST_DIR/smroot.
# Everything on loopback:
#   25135  sendmail, relaywarden on a unix socket (also [::1]:25135)
#   25136  sendmail, a second relaywarden on inet:25139@127.0.0.1
#   25137  smtp-sink, the smart host; dumps to $T/sink
#   25138  sendmail without milter: the control that sendmail alone relays
# sendmail has no XCLIENT, so the outsider is a real loopback source
# address: swaks binds 127.0.0.10, and relaywarden trusts 127.0.0.1/32
# only.
#
#   RELAYWARDEN=milter/relaywarden tests/integration/sendmail.sh
#
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
rw_init sendmail m4 swaks smtp-sink ss unshare mount hostname dpkg apt-get

P_SM=25135 P_INET=25136 P_SINK=25137 P_NOMILTER=25138 P_RWINET=25139
RW_CACHE_DIR=${RW_CACHE_DIR:-/var/cache/relaywarden-tests}
SMROOT=$RW_TEST_DIR/smroot
SENDMAIL=$SMROOT/usr/libexec/sendmail/sendmail
SM=$T/sm
LOG=$T/log/rw.log
SMLOG=$T/log/sendmail.log
OUTSIDER=127.0.0.10
HAVE_V6=0
grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null && HAVE_V6=1

rw_ports_free $P_SM $P_INET $P_SINK $P_NOMILTER $P_RWINET

# -------------------------------------------------------------- sendmail
# fetch_sendmail - the .debs into the cache (once, sendmail-debs.sh),
# unpacked into $SMROOT (again when the cache is newer)
fetch_sendmail() {
	local debs=$RW_CACHE_DIR/debs f files
	RW_CACHE_DIR=$RW_CACHE_DIR sh "$RW_HERE/sendmail-debs.sh" fetch >>"$T/log/apt.log" 2>&1 ||
	    return 1
	files=$(RW_CACHE_DIR=$RW_CACHE_DIR sh "$RW_HERE/sendmail-debs.sh" list) || return 1
	if [ -x "$SENDMAIL" ] && [ -z "$(find "$debs" -name '*.deb' -newer "$SENDMAIL")" ]; then
		return 0
	fi
	rm -rf "$SMROOT"
	mkdir -p "$SMROOT"
	for f in $files; do
		dpkg -x "$f" "$SMROOT" || return 1
	done
	# The binary is setgid mail: ld.so's secure mode would ignore
	# LD_PRELOAD (the syslog shim below).
	chmod g-s "$SENDMAIL"
	touch "$SENDMAIL"
}
if ! fetch_sendmail; then
	rw_skip "cannot fetch sendmail packages into $RW_CACHE_DIR (see $T/log/apt.log)"
fi
# Their runtime dependencies are installed by tests/run-suite.sh
# (sendmail-debs.sh install).
if ldd "$SENDMAIL" | grep -q 'not found'; then
	rw_skip "sendmail needs libraries: $(ldd "$SENDMAIL" | grep 'not found' | tr -s ' \t\n' ' ')(as root: sh tests/integration/sendmail-debs.sh install)"
fi
pass "sendmail unpacked: $SENDMAIL"

# -------------------------------------------------------------- relaywarden
# write_conf FILE PIDFILE [extra lines...]; socket mode 0660: sendmail
# connects as root
write_conf() { rw_relay_conf "$1" "$2" 0660 "127.0.0.1/32, ::1/128" "${@:3}"; }
write_conf "$T/rw.conf" "$T/run/rw.pid"
write_conf "$T/rw-inet.conf" "$T/run/rw-inet.pid"
write_conf "$T/rw-dryrun.conf" "$T/run/rw.pid" "mode = dryrun"
rw_start_daemon rw "$T/rw.conf" || rw_summary
rw_start_daemon rw-inet "$T/rw-inet.conf" -p "inet:$P_RWINET@127.0.0.1" || rw_summary
rw_start_sink $P_SINK || rw_summary

# -------------------------------------------------------------- sendmail setup
mkdir -p "$SM/mqueue" "$SM/sasl2" "$T/lib"
chmod 700 "$SM/mqueue"
# No DNS at all: host names come from our own hosts file only.
printf 'hosts\tfiles\naliases\tfiles\n' >"$SM/service.switch"
printf '127.0.0.1\tlocalhost mx-sm.example.test\n127.0.0.10\toutsider.example.test\n::1\tlocalhost6\n' \
    >"$SM/hosts"
: >"$SM/statistics"

# The contrib snippet, verbatim except for the socket.
sed "s|unix:/run/relaywarden/relaywarden.sock|unix:$T/run/rw.sock|" \
    "$RW_TOP_SRCDIR/contrib/sendmail/relaywarden.mc" >"$SM/relaywarden.mc"
check "the snippet's socket was substituted" grep -q "S=unix:$T/run/rw.sock, F=T" "$SM/relaywarden.mc"

V6_DAEMON=""
[ $HAVE_V6 = 1 ] && V6_DAEMON="DAEMON_OPTIONS(\`Family=inet6, Addr=::1, Port=$P_SM, Name=MTA-v6, InputMailFilters=relaywarden')dnl"
# m4 quotes are `...': a quoted here-document, then the values.
sed -e "s|@T@|$T|g" -e "s|@SMROOT@|$SMROOT|g" -e "s|@P_SM@|$P_SM|g" \
    -e "s|@P_INET@|$P_INET|g" -e "s|@P_SINK@|$P_SINK|g" -e "s|@P_NOMILTER@|$P_NOMILTER|g" \
    -e "s|@P_RWINET@|$P_RWINET|g" -e "s|@V6_DAEMON@|$V6_DAEMON|" >"$SM/sendmail.mc" <<'EOF'
divert(-1)
# sendmail test instance of relaywarden's sendmail.sh
divert(0)dnl
include(`@SMROOT@/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(`relaywarden sendmail.sh')dnl
OSTYPE(`linux')dnl
dnl Identity from here, never from DNS (sendmail also runs in its own UTS
dnl namespace with an FQDN host name, else it tries to qualify "vm").
define(`confDOMAIN_NAME', `mx-sm.example.test')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
define(`confSERVICE_SWITCH_FILE', `@T@/sm/service.switch')dnl
define(`confHOSTS_FILE', `@T@/sm/hosts')dnl
FEATURE(`nocanonify')dnl
FEATURE(`accept_unresolvable_domains')dnl
FEATURE(`accept_unqualified_senders')dnl
dnl relaywarden is the only relay gate of this instance: sendmail itself
dnl relays anything (the port-@P_NOMILTER@ control proves it), so every
dnl refusal comes from relaywarden. Never do this in production.
FEATURE(`promiscuous_relay')dnl
dnl Without this sendmail also listens on port 587 of every address.
FEATURE(`no_default_msa')dnl
dnl Private files: no aliases, our queue, pid and status files. /tmp is
dnl world-writable with the sticky bit: trust that.
define(`ALIAS_FILE', `')dnl
define(`confDONT_BLAME_SENDMAIL', `TrustStickyBit')dnl
define(`QUEUE_DIR', `@T@/sm/mqueue')dnl
define(`STATUS_FILE', `@T@/sm/statistics')dnl
define(`HELP_FILE', `@SMROOT@/etc/mail/helpfile')dnl
define(`confPID_FILE', `@T@/run/sendmail.pid')dnl
define(`LOCAL_MAILER_PATH', `@SMROOT@/usr/libexec/sendmail/mail.local')dnl
define(`confLOG_LEVEL', `9')dnl
define(`confMILTER_LOG_LEVEL', `6')dnl
define(`confTO_IDENT', `0s')dnl
define(`confDELIVERY_MODE', `background')dnl
define(`confQUEUE_LA', `100')dnl
define(`confREFUSE_LA', `200')dnl
define(`confCONNECTION_RATE_THROTTLE', `0')dnl
dnl SMTP AUTH from a sasldb (Sendmail.conf is bind-mounted into the SASL
dnl configuration path in sendmail's mount namespace).
define(`confAUTH_MECHANISMS', `PLAIN LOGIN')dnl
TRUST_AUTH_MECH(`PLAIN LOGIN')dnl
dnl Every message goes to the sink.
define(`SMART_HOST', `esmtp:[127.0.0.1]')dnl
define(`ESMTP_MAILER_ARGS', `TCP $h @P_SINK@')dnl
define(`SMTP_MAILER_ARGS', `TCP $h @P_SINK@')dnl
define(`RELAY_MAILER_ARGS', `TCP $h @P_SINK@')dnl
DAEMON_OPTIONS(`Family=inet, Addr=127.0.0.1, Port=@P_SM@, Name=MTA-v4, InputMailFilters=relaywarden')dnl
@V6_DAEMON@
DAEMON_OPTIONS(`Family=inet, Addr=127.0.0.1, Port=@P_INET@, Name=MTA-inetmilter, InputMailFilters=relaywarden_inet')dnl
DAEMON_OPTIONS(`Family=inet, Addr=127.0.0.1, Port=@P_NOMILTER@, Name=MTA-nomilter, InputMailFilters=')dnl
dnl ---- contrib/sendmail/relaywarden.mc (socket substituted) ----
include(`@T@/sm/relaywarden.mc')dnl
dnl ---- the same daemon's twin on an inet socket ----
INPUT_MAIL_FILTER(`relaywarden_inet', `S=inet:@P_RWINET@@127.0.0.1, F=T, T=C:10s;S:1m;R:1m;E:1m')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
EOF
if ! m4 "$SM/sendmail.mc" >"$SM/sendmail.cf" 2>"$T/log/m4.err"; then
	fail "m4 sendmail.mc: $(head -3 "$T/log/m4.err")"
	rw_summary
fi
check "sendmail.cf has the relaywarden filter with F=T" \
    grep -q "^Xrelaywarden, S=unix:$T/run/rw.sock, F=T" "$SM/sendmail.cf"
check "sendmail.cf sends {auth_authen} at MAIL" \
    grep -q '^O Milter.macros.envfrom=.*{auth_authen}' "$SM/sendmail.cf"

# SASL: Cyrus looks for Sendmail.conf in /etc/sasl2:/etc/sasl:...:
# /usr/lib/sasl2. Bind our directory over the first of those that exists,
# inside sendmail's private mount namespace only.
SASL_TARGET=""
HAVE_AUTH=0
for d in /etc/sasl2 /etc/sasl /usr/lib/sasl2; do
	[ -d "$d" ] && { SASL_TARGET=$d; break; }
done
if command -v saslpasswd2 >/dev/null && [ -n "$SASL_TARGET" ]; then
	printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: %s\n' \
	    "$SM/sasldb2" >"$SM/sasl2/Sendmail.conf"
	printf 'secret' | saslpasswd2 -p -f "$SM/sasldb2" -c -u example.test alice
	chmod 600 "$SM/sasldb2"
	HAVE_AUTH=1
else
	rw_note "no saslpasswd2 (sasl2-bin) or SASL config directory: AUTH cases not run"
	SASL_TARGET=$SM/sasl2	# bind it onto itself: harmless
fi

# No /dev/log here and sendmail can only syslog: a small LD_PRELOAD shim
# writes its log lines to a file (diagnostics; optional).
SHIM=""
if command -v gcc >/dev/null; then
	cat >"$T/lib/syslogfile.c" <<'EOF'
/* syslog(3) to the file named by RW_SYSLOG_FILE. The name is read before
 * main() (sendmail clears its environment early) and the file is opened
 * for each line (sendmail closes every descriptor it did not open).
 * Test use only. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static char path[4096];

__attribute__((constructor)) static void
get_path(void)
{
	const char *p = getenv("RW_SYSLOG_FILE");

	if (p != NULL && strlen(p) < sizeof(path))
		strcpy(path, p);
}
void openlog(const char *id, int opt, int fac) { (void)id; (void)opt; (void)fac; }
void closelog(void) { }
void
vsyslog(int pri, const char *fmt, va_list ap)
{
	char line[2048];
	time_t now = time(NULL);
	size_t n;
	int fd;

	(void)pri;
	if (path[0] == '\0')
		return;
	n = strftime(line, sizeof(line), "%H:%M:%S ", localtime(&now));
	n += snprintf(line + n, sizeof(line) - n, "sendmail[%ld]: ", (long)getpid());
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	n = strlen(line);
	line[n++] = '\n';
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644)) >= 0) {
		(void)write(fd, line, n);
		close(fd);
	}
}
void syslog(int pri, const char *fmt, ...)
{ va_list ap; va_start(ap, fmt); vsyslog(pri, fmt, ap); va_end(ap); }
void __syslog_chk(int pri, int flag, const char *fmt, ...)
{ va_list ap; (void)flag; va_start(ap, fmt); vsyslog(pri, fmt, ap); va_end(ap); }
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{ (void)flag; vsyslog(pri, fmt, ap); }
EOF
	gcc -shared -fPIC -O2 -o "$T/lib/syslogfile.so" "$T/lib/syslogfile.c" 2>"$T/log/gcc.err" &&
	    SHIM=$T/lib/syslogfile.so
fi

# unshare -u: a private host name (FQDN); -m: the SASL bind mount stays
# private. unshare and sh exec, so $! is sendmail's PID. -bD: daemon in
# the foreground.
RW_SYSLOG_FILE=$SMLOG LD_PRELOAD=$SHIM rw_bg sendmail "$T/log/sendmail.out" \
    unshare -u -m sh -c 'mount --bind "$1" "$2" && hostname mx-sm.example.test && exec "$3" -C "$4" -bD -q30m' \
    sh "$SM/sasl2" "$SASL_TARGET" "$SENDMAIL" "$SM/sendmail.cf"
rw_track sendmail "$RW_BGPID" sendmail	# argv is rewritten (proc title)
if ! rw_wait 20 rw_tcp_listening $P_SM; then
	fail "sendmail did not listen on $P_SM (see $SMLOG, $T/log/sendmail.out)"
	tail -5 "$SMLOG" "$T/log/sendmail.out" 2>/dev/null | sed 's/^/     | /'
	rw_summary
fi
pass "sendmail started (pid $RW_BGPID)"

S="--server 127.0.0.1 --port $P_SM --helo client.example.test --from sender@example.org"
OUT="--local-interface $OUTSIDER"
# sendmail puts "<rcpt>... " before the milter's reply text.
DENIED='^<\*\* 550 5\.7\.1 .*<alice@outside\.test>: Relaying denied'

# -------------------------------------------------------------- control
sub=$(rw_subject control)
rw_swaks control-nomilter 0 '' --server 127.0.0.1 --port $P_NOMILTER --helo client.example.test \
    --from sender@example.org $OUT --to alice@outside.test --h-Subject "$sub"
rw_expect_delivered "control: without relaywarden this sendmail relays for $OUTSIDER" "$sub"

# -------------------------------------------------------------- outsider
rw_swaks outsider-outside 24 "$DENIED" $S $OUT --to alice@outside.test
rw_expect_log "relaywarden logged the refusal for $OUTSIDER" "$LOG" \
    "stage=rcpt action=reject check=relay .*client=[^ ]*\[127\.0\.0\.10\].*rcpt=<alice@outside\.test>"
sub=$(rw_subject outsider-local)
rw_swaks outsider-local 0 '^<-  250 2\.0\.0 .*Message accepted for delivery' $S $OUT \
    --to bob@example.test --h-Subject "$sub"
rw_expect_delivered "outsider -> local domain delivered to the sink" "$sub"
sub=$(rw_subject outsider-relay)
rw_swaks outsider-relaydomain 0 '' $S $OUT --to carol@relay.example.test --h-Subject "$sub"
rw_expect_delivered "outsider -> relay domain delivered" "$sub"
rw_swaks outsider-percent 24 '^<\*\* 550 5\.7\.1 .*Relaying denied' $S $OUT --to 'u%outside.test@example.test'
rw_swaks outsider-source-route 24 '^<\*\* 550 5\.7\.1 .*Relaying denied' $S $OUT \
    --to '@example.test:u@outside.test'

sub=$(rw_subject mixed)
rw_swaks mixed 0 "$DENIED" $S $OUT --to bob@example.test,alice@outside.test --h-Subject "$sub"
rw_expect_delivered "mixed: delivered" "$sub"
check "mixed: the envelope holds bob@example.test only ($(rw_sink_rcpts "$sub" | tr '\n' ' '))" \
    test "$(rw_sink_rcpts "$sub")" = "bob@example.test"
# sendmail sets the queue id (macro i) at MAIL FROM already.
qid=$(sed -n 's/^<-  250 2\.0\.0 \([0-9A-Za-z]*\) Message accepted.*/\1/p' "$(rw_swaks_out mixed)" | head -1)
if [ -n "$qid" ]; then
	rw_expect_log "mixed: relaywarden logged sendmail's queue id $qid for the refused recipient" "$LOG" \
	    "$qid: stage=rcpt action=reject check=relay .*rcpt=<alice@outside\.test>"
else
	fail "mixed: no queue id in the swaks transcript"
fi

rw_relay_max_recipients "$S" "$OUT"

# -------------------------------------------------------------- insiders
sub=$(rw_subject trusted)
rw_swaks trusted-outside 0 '' $S --to alice@outside.test --h-Subject "$sub"
rw_expect_delivered "trusted 127.0.0.1 -> outside delivered" "$sub"

if [ $HAVE_AUTH = 1 ]; then
	sub=$(rw_subject sasl)
	rw_swaks auth-sasl 0 '^<-  235 ' $S $OUT --auth PLAIN --auth-user alice@example.test \
	    --auth-password secret --to alice@outside.test --h-Subject "$sub"
	rw_expect_delivered "SMTP AUTH PLAIN from $OUTSIDER -> outside delivered" "$sub"
	rw_expect_log "relaywarden saw the authenticated outsider as an insider" "$LOG" \
	    "stage=rcpt action=continue .*client=[^ ]*\[127\.0\.0\.10\].*rcpt=<alice@outside\.test>"
	rw_swaks auth-sasl-badpass 28 '^<\*\* 535 ' $S $OUT --auth PLAIN --auth-user alice@example.test \
	    --auth-password wrong --to alice@outside.test
fi
rw_expect_nolog "no missing-macro warning: the snippet sends {auth_authen}" "$LOG" 'warning: macro'

if [ $HAVE_V6 = 1 ]; then
	sub=$(rw_subject v6)
	rw_swaks v6-loopback-outside 0 '' --server ::1 --port $P_SM --helo client.example.test \
	    --from sender@example.org --to alice@outside.test --h-Subject "$sub"
	rw_expect_delivered "IPv6 ::1 (trusted) -> outside delivered" "$sub"
else
	rw_note "no ::1 on this machine: IPv6 case not run"
fi

# -------------------------------------------------------------- inet socket
rw_relay_inet $P_INET "$OUT" "$DENIED"

# -------------------------------------------------------------- dryrun
rw_relay_dryrun "$S" "$OUT"

# -------------------------------------------------------------- relaywarden down
rw_relay_down "$S" "$OUT" '4\.3\.2'
if [ -n "$SHIM" ]; then
	# the socket is gone (relaywarden removes it at exit) or refuses connections
	rw_expect_log "sendmail logged the milter failure" "$SMLOG" 'Milter \(relaywarden\): (error connecting to filter|local socket name .* unsafe)'
fi

check "the inet relaywarden is still alive" rw_running rw-inet
rw_summary
