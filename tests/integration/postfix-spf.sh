#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# postfix-spf.sh - relaywarden's SPF check end to end, and OpenDMARC
# taking relaywarden's SPF result: swaks -> Postfix smtpd (with
# contrib/postfix/main.cf.relaywarden pasted into its main.cf) ->
# relaywarden (DNS from tests/dns/fixtures.sh) -> OpenDMARC (Debian's,
# its own SPF checking off) -> smtp-sink. XCLIENT gives the client
# addresses: libspf2 passes every 127/8 client without looking at DNS, so
# the clients are 192.0.2.50 and 198.51.100.50 (data: nothing connects
# to them).
#   25180  Postfix smtpd, milters: relaywarden, then OpenDMARC "ar"
#          (trusts relaywarden's Authentication-Results)
#   25181  Postfix smtpd, milters: relaywarden, then OpenDMARC "rspf"
#          (does not trust them: falls back to Received-SPF)
#   25182  smtp-sink, the only next hop
#   25183-25186  DNS fixtures (unbound, rbldnsd, SERVFAIL, blackhole)
# The SPF and _dmarc records are in tests/dns/example.test.zone.
#
# Asserts: an SPF pass is delivered with Received-SPF (pass, client-ip,
# envelope-from, identity=mailfrom) and Authentication-Results (spf=pass
# smtp.mailfrom=); fail is refused 550 5.7.23, with the domain's exp=
# text (macros expanded, '%' intact) when it has one, and the default
# text on one reply line when the exp= text has CR LF in it; a SERVFAIL
# under the record gives 451 4.7.24; softfail is delivered with
# X-Relaywarden-Tag: spf=softfail; an incoming Authentication-Results in
# relaywarden's authserv-id is removed (ours stays, a foreign one too);
# OpenDMARC, with no DKIM and no SPF of its own, says dmarc=pass for the
# pass domain (p=reject) through either header of relaywarden's and
# dmarc=fail when relaywarden's result is softfail, forged headers or not.
#
# OpenDMARC and DNS: Debian's opendmarc 1.4.2 has no Nameservers setting;
# libopendmarc asks the system resolver (res_ninit + res_nquery) for
# _dmarc.DOMAIN TXT. Here it runs in a private mount namespace whose
# /etc/resolv.conf says "nameserver 127.0.0.1", with a small LD_PRELOAD
# shim (compiled below) that points every res_ninit() state at the
# fixtures' unbound port and writes OpenDMARC's syslog lines to a file (no
# /dev/log here). Without the shim it could only reach 127.0.0.1:53.
# SPFSelfValidate false: it makes no SPF lookups; no PublicSuffixList, no
# failure reports, no history file.
#
#   RELAYWARDEN=milter/relaywarden tests/integration/postfix-spf.sh
#
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

: "${RW_TEST_DIR:=/tmp/rw-spf}"
export RW_TEST_DIR
. "$(dirname "$0")/lib.sh"
rw_init postfix-spf postfix postconf smtp-sink swaks unbound unbound-checkconf rbldnsd dig ss \
    /usr/bin/python3 opendmarc gcc unshare mount

P_SMTPD=25180 P_SMTPD_RSPF=25181 P_SINK=25182
export RW_FIXTURES_DIR=$T/fixtures
export RW_DNS_PORT=25183 RW_RBL_PORT=25184 RW_SERVFAIL_PORT=25185 RW_BLACKHOLE_PORT=25186
PF=$T/pf
LOG=$T/log/rw.log
PFLOG=$T/log/postfix.log
QLOG=$RW_FIXTURES_DIR/log/unbound.log
ME=mx.example.test		# Postfix's myhostname (rw_postfix_setup): relaywarden's authserv-id (macro j)

rw_ports_free $P_SMTPD $P_SMTPD_RSPF $P_SINK

# -------------------------------------------------------------- DNS
rw_start_fixtures
sf_count() { cat "$RW_FIXTURES_DIR/run/servfail.count" 2>/dev/null || echo 0; }

# -------------------------------------------------------------- relaywarden
cat >"$T/rw.conf" <<EOF
# relaywarden test configuration (postfix-spf.sh)
socket = unix:$T/run/rw.sock
socket_mode = 0666
pidfile = $T/run/rw.pid
log_level = debug
trusted_networks = 127.0.0.0/8, ::1/128
local_domains = example.test, .example.test
# every DNS query goes to the fixtures' unbound: never the system resolver
dns_servers = 127.0.0.1:$RW_DNS_PORT
dns_timeout = 500ms
dns_deadline = 3s
# the XCLIENT clients have no PTR: reverse DNS is postfix-dns.sh's subject
rdns_check = off
spf_check = yes
# the HELO names below publish no SPF record: helo=none, accepted
spf_check_helo = yes
spf_fail = reject
spf_softfail = tag
spf_temperror = tempfail
# the senders are in the local (sub)domains and the clients outsiders:
# forged_local_sender would add its own tag to every message; this test's
# subject is SPF's tag alone (forgery.sh covers forged_local_sender)
forged_local_sender = off
EOF
rw_start_daemon rw "$T/rw.conf" || rw_summary

# -------------------------------------------------------------- OpenDMARC
# shim: res_ninit() states -> $RW_RESOLV_NS; syslog(3) -> $RW_SYSLOG_FILE
mkdir -p "$T/lib"
cat >"$T/lib/dmarcshim.c" <<'EOF'
/* Test use only (postfix-spf.sh). Every resolver state res_ninit()
 * initialises asks $RW_RESOLV_NS ("a.b.c.d:port") only, and syslog(3)
 * lines go to the file $RW_SYSLOG_FILE. glibc honours nsaddr_list[]
 * edits made after res_ninit(), the port included. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

int
__res_ninit(res_state statp)
{
	static int (*real)(res_state);
	const char *spec = getenv("RW_RESOLV_NS"), *colon;
	char host[64];
	struct in_addr a;
	int rc;

	if (real == NULL)
		real = (int (*)(res_state))dlsym(RTLD_NEXT, "__res_ninit");
	if (real == NULL || (rc = real(statp)) != 0)
		return -1;
	if (spec == NULL || (colon = strrchr(spec, ':')) == NULL ||
	    (size_t)(colon - spec) >= sizeof(host))
		return rc;	/* unpatched: resolv.conf says 127.0.0.1 */
	memcpy(host, spec, colon - spec);
	host[colon - spec] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1)
		return rc;
	memset(&statp->nsaddr_list[0], 0, sizeof(statp->nsaddr_list[0]));
	statp->nsaddr_list[0].sin_family = AF_INET;
	statp->nsaddr_list[0].sin_addr = a;
	statp->nsaddr_list[0].sin_port = htons(atoi(colon + 1));
	statp->nscount = 1;
	statp->retrans = 1;
	statp->retry = 1;
	return rc;
}

void openlog(const char *id, int opt, int fac) { (void)id; (void)opt; (void)fac; }
void closelog(void) { }
void
vsyslog(int pri, const char *fmt, va_list ap)
{
	const char *path = getenv("RW_SYSLOG_FILE");
	char line[2048];
	time_t now = time(NULL);
	size_t n;
	int fd;

	(void)pri;
	if (path == NULL)
		return;
	n = strftime(line, sizeof(line), "%H:%M:%S ", localtime(&now));
	n += snprintf(line + n, sizeof(line) - n, "opendmarc[%ld]: ", (long)getpid());
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
if ! gcc -shared -fPIC -O2 -o "$T/lib/dmarcshim.so" "$T/lib/dmarcshim.c" -ldl 2>"$T/log/gcc.err"; then
	fail "could not build the OpenDMARC shim: $(head -3 "$T/log/gcc.err")"
	rw_summary
fi
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$T/lib/resolv.conf"

# dmarc NAME AUTHSERV-ID TRUSTED - start one OpenDMARC in the foreground
# with its own configuration, socket and log ($T/log/dmarc-NAME.log)
dmarc() {
	local name=$1 conf=$T/dmarc-$1.conf
	cat >"$conf" <<EOF
# OpenDMARC of postfix-spf.sh ($name)
Socket			local:$T/run/dmarc-$name.sock
UMask			0000
PidFile			$T/run/dmarc-$name.pid
Background		false
Syslog			true
AuthservID		$2
TrustedAuthservIDs	$3
# relaywarden's headers are the only SPF results it may use
SPFIgnoreResults	false
SPFSelfValidate		false
RejectFailures		false
RequiredHeaders		false
FailureReports		false
SoftwareHeader		true
EOF
	if ! opendmarc -n -c "$conf" >"$T/log/dmarc-$name.check" 2>&1; then
		fail "opendmarc -n $conf: $(head -2 "$T/log/dmarc-$name.check" | tr '\n' ' ')"
		return 1
	fi
	# a private mount namespace: its resolv.conf names loopback only
	# shellcheck disable=SC2016	# $1 $2 are sh -c's arguments
	RW_RESOLV_NS=127.0.0.1:$RW_DNS_PORT RW_SYSLOG_FILE=$T/log/dmarc-$name.log \
	    LD_PRELOAD=$T/lib/dmarcshim.so rw_bg "dmarc-$name" "$T/log/dmarc-$name.out" \
	    unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && exec opendmarc -f -c "$2"' \
	    sh "$T/lib/resolv.conf" "$conf"
	rw_track "dmarc-$name" "$RW_BGPID" "dmarc-$name.conf"	# after the exec
	if ! rw_wait 10 test -S "$T/run/dmarc-$name.sock"; then
		fail "OpenDMARC $name: no socket after 10 s ($T/log/dmarc-$name.out)"
		return 1
	fi
	pass "OpenDMARC $name started (AuthservID $2, TrustedAuthservIDs $3)"
}
dmarc ar dmarc.example.test "$ME" || rw_summary
dmarc rspf dmarc2.example.test dmarc2.example.test || rw_summary

# -------------------------------------------------------------- Postfix
rw_start_sink $P_SINK || rw_summary
pf_master() {
	cat <<EOF
127.0.0.1:$P_SMTPD inet n - n - - smtpd
127.0.0.1:$P_SMTPD_RSPF inet n - n - - smtpd
  -o smtpd_milters=unix:$T/run/rw.sock,unix:$T/run/dmarc-rspf.sock
EOF
}
# relaywarden first: OpenDMARC must see the headers relaywarden wrote
rw_postfix_setup "$PF" $P_SINK ipv4 "unix:$T/run/rw.sock, unix:$T/run/dmarc-ar.sock" pf_master
check "the pasted snippet draws no postconf warnings" test ! -s "$T/log/postconf.err"
rw_postfix_start "$PF" $P_SMTPD $P_SMTPD_RSPF

# xc ADDR NAME - XCLIENT arguments: Postfix (and so both milters) see ADDR.
# The HELO names have no SPF record (helo identity: none, accepted).
xc() { echo "--xclient-addr $1 --xclient-name $2 --xclient-helo $2 --helo $2"; }
S="--server 127.0.0.1 --port $P_SMTPD --to bob@example.test"
C50=$(xc 192.0.2.50 h50.example.test)
C198=$(xc 198.51.100.50 h198.example.test)

# hdr FILE NAME ERE DESC - some NAME header of the delivered FILE matches
hdr() {
	if [ -n "$1" ] && rw_header_has "$1" "$2" "$3"; then
		pass "$4"
	else
		fail "$4: no $2 header matching /$3/ in ${1:-(not delivered)}: $(rw_header "${1:-/dev/null}" "$2" | tr '\n' '|')"
	fi
}
# nohdr FILE NAME ERE DESC - no NAME header matches
nohdr() {
	if [ -n "$1" ] && ! rw_header_has "$1" "$2" "$3"; then
		pass "$4"
	else
		fail "$4: ${1:-(not delivered)} has $2: $(rw_header "${1:-/dev/null}" "$2" | grep -E -- "$3" | head -1)"
	fi
}

# -------------------------------------------------------------- pass
sub=$(rw_subject pass)
# shellcheck disable=SC2086
rw_swaks pass 0 '^<-  250 .*queued as' $S $C50 --from sender@spf-pass.example.test \
    --h-Subject "$sub"
rw_expect_delivered "SPF pass: delivered" "$sub"
f=$(rw_sink_file "$sub")
hdr "$f" Received-SPF "^pass \\($ME: domain of spf-pass\\.example\\.test designates 192\\.0\\.2\\.50 as permitted sender\\) client-ip=192\\.0\\.2\\.50; envelope-from=\"sender@spf-pass\\.example\\.test\"; helo=\"h50\\.example\\.test\"; receiver=$ME; identity=mailfrom;\$" \
    "SPF pass: Received-SPF: pass ... client-ip, envelope-from, identity=mailfrom"
hdr "$f" Authentication-Results "^$ME; spf=pass smtp\\.mailfrom=sender@spf-pass\\.example\\.test(;|\$)" \
    "SPF pass: Authentication-Results: $ME; spf=pass smtp.mailfrom=sender@spf-pass.example.test"
hdr "$f" Authentication-Results "^$ME; .*; spf=none smtp\\.helo=h50\\.example\\.test" \
    "SPF pass: ... and spf=none smtp.helo= (the HELO name has no record)"
# Why this proves OpenDMARC used relaywarden's result: the message has no
# DKIM signature, OpenDMARC does no SPF check of its own
# (SPFSelfValidate false) and trusts only the Authentication-Results of
# $ME, which only relaywarden writes (any arriving in that name are
# removed, see "forged" below). DMARC passes only with an aligned DKIM
# or SPF pass, so dmarc=pass for header.from=spf-pass.example.test
# (p=reject) can only come from relaywarden's spf=pass; the softfail
# control below gets dmarc=fail for the same From.
hdr "$f" Authentication-Results '^dmarc\.example\.test; dmarc=pass \(p=reject dis=none\) header\.from=spf-pass\.example\.test$' \
    "OpenDMARC (ar) after relaywarden: dmarc=pass (p=reject) header.from=spf-pass.example.test"
hdr "$f" DMARC-Filter '^OpenDMARC Filter' "OpenDMARC (ar) processed the message (DMARC-Filter header)"
check "OpenDMARC's _dmarc.spf-pass.example.test query reached the fixtures' unbound" \
    rw_wait 5 rw_log_has "$QLOG" '_dmarc\.spf-pass\.example\.test\. TXT IN'
check "relaywarden's SPF query reached the fixtures' unbound" \
    rw_log_has "$QLOG" ' spf-pass\.example\.test\. TXT IN'

# The same through OpenDMARC "rspf", which trusts no Authentication-Results
# of $ME: it must fall back to the first Received-SPF header, relaywarden's
# (inserted at the top), and takes the result word from it.
sub=$(rw_subject pass-rspf)
# shellcheck disable=SC2086
rw_swaks pass-rspf 0 '^<-  250 .*queued as' --server 127.0.0.1 --port $P_SMTPD_RSPF \
    --to bob@example.test $C50 --from sender@spf-pass.example.test --h-Subject "$sub"
rw_expect_delivered "SPF pass (rspf port): delivered" "$sub"
f=$(rw_sink_file "$sub")
hdr "$f" Authentication-Results '^dmarc2\.example\.test; dmarc=pass \(p=reject dis=none\) header\.from=spf-pass\.example\.test$' \
    "OpenDMARC (rspf) from relaywarden's Received-SPF alone: dmarc=pass header.from=spf-pass.example.test"
rw_expect_log "OpenDMARC (rspf) ignored relaywarden's Authentication-Results (not trusted there)" \
    "$T/log/dmarc-rspf.log" "ignoring Authentication-Results at [0-9]+ from $ME"

# -------------------------------------------------------------- softfail
sub=$(rw_subject softfail)
# shellcheck disable=SC2086
rw_swaks softfail 0 '^<-  250 .*queued as' $S $C50 --from sender@spf-soft.example.test \
    --h-Subject "$sub"
rw_expect_delivered "SPF softfail: delivered" "$sub"
f=$(rw_sink_file "$sub")
hdr "$f" X-Relaywarden-Tag '^spf=softfail$' "SPF softfail: X-Relaywarden-Tag: spf=softfail"
hdr "$f" Received-SPF '^softfail .*envelope-from="sender@spf-soft\.example\.test";.*identity=mailfrom;$' \
    "SPF softfail: Received-SPF: softfail"
hdr "$f" Authentication-Results "^$ME; spf=softfail smtp\\.mailfrom=sender@spf-soft\\.example\\.test" \
    "SPF softfail: Authentication-Results spf=softfail"
sub=$(rw_subject pass-198)
# shellcheck disable=SC2086
rw_swaks pass-198 0 '^<-  250 .*queued as' $S $C198 --from sender@spf-soft.example.test \
    --h-Subject "$sub"
rw_expect_delivered "the softfail domain's own network (198.51.100.50): delivered" "$sub"
f=$(rw_sink_file "$sub")
hdr "$f" Received-SPF '^pass .*client-ip=198\.51\.100\.50;' "... with Received-SPF: pass"
nohdr "$f" X-Relaywarden-Tag . "... and no X-Relaywarden-Tag"

# -------------------------------------------------------------- forged
# The client brings an Authentication-Results in relaywarden's name with a
# pass for the DMARC domain, a foreign one, and a Received-SPF: pass;
# relaywarden's own result is softfail (From: the pass domain, envelope
# the softfail domain).
forge() {
	sub=$(rw_subject "$1")
	# shellcheck disable=SC2086
	rw_swaks "$1" 0 '^<-  250 .*queued as' --server 127.0.0.1 --port "$2" \
	    --to bob@example.test $C50 --from sender@spf-soft.example.test \
	    --h-From '<sender@spf-pass.example.test>' --h-Subject "$sub" \
	    --add-header "Authentication-Results: $ME; spf=pass smtp.mailfrom=sender@spf-pass.example.test" \
	    --add-header 'Authentication-Results: other.example.net; spf=pass smtp.mailfrom=sender@spf-pass.example.test' \
	    --add-header 'Received-SPF: pass (forged) client-ip=192.0.2.50; envelope-from="sender@spf-pass.example.test";'
	rw_expect_delivered "$1: delivered" "$sub"
	f=$(rw_sink_file "$sub")
}
forge forged $P_SMTPD
nohdr "$f" Authentication-Results "^$ME; spf=pass" "forged: the incoming '$ME; spf=pass' header is gone"
hdr "$f" Authentication-Results "^$ME; spf=softfail smtp\\.mailfrom=sender@spf-soft\\.example\\.test" \
    "forged: relaywarden's own Authentication-Results (spf=softfail) is there"
check "forged: exactly one Authentication-Results in $ME's name" \
    test "$(rw_header "${f:-/dev/null}" Authentication-Results | grep -c "^$ME;")" -eq 1
hdr "$f" Authentication-Results '^other\.example\.net; spf=pass' "forged: a foreign authserv-id's header is kept"
hdr "$f" Authentication-Results '^dmarc\.example\.test; dmarc=fail \(p=reject dis=none\) header\.from=spf-pass\.example\.test$' \
    "forged: OpenDMARC (ar) says dmarc=fail: it never saw the forged spf=pass"
rw_expect_log "relaywarden logged the removal" "$LOG" "removed an incoming Authentication-Results header carrying our authserv-id $ME"
forge forged-rspf $P_SMTPD_RSPF
hdr "$f" Authentication-Results '^dmarc2\.example\.test; dmarc=fail \(p=reject dis=none\) header\.from=spf-pass\.example\.test$' \
    "forged (rspf): OpenDMARC took relaywarden's Received-SPF (softfail, at the top), not the client's pass"

# -------------------------------------------------------------- fail
FAILRC=23	# relaywarden decides SPF at MAIL FROM
# shellcheck disable=SC2086
rw_swaks fail $FAILRC '^<\*\* 550 5\.7\.23 SPF fail: spf-fail\.example\.test does not designate 192\.0\.2\.50 as permitted sender$' \
    $S $C50 --from sender@spf-fail.example.test
rw_expect_log "Postfix logged the milter-reject" "$PFLOG" \
    'milter-reject: MAIL from h50\.example\.test\[192\.0\.2\.50\]: 550 5\.7\.23 SPF fail: spf-fail\.example\.test'
rw_expect_log_all "relaywarden logged one decision line for the fail" "$LOG" \
    'action=reject' 'check=spf' '\[192\.0\.2\.50\]' 'spf-fail\.example\.test'

# exp=: the domain's text, macros expanded; %{s} holds a '%' that must
# reach the client as one '%' (smfi_setreply treats '%' as a format char)
# shellcheck disable=SC2086
rw_swaks exp $FAILRC '^<\*\* 550 5\.7\.23 x%y@spf-exp\.example\.test may not send from 192\.0\.2\.50 \(100% sure; see http://example\.test/spf\?ip=192\.0\.2\.50&d=spf-exp\.example\.test\)$' \
    $S $C50 --from 'x%y@spf-exp.example.test'
# an exp= TXT with CR LF is no explain-string: the default text, one line
# shellcheck disable=SC2086
rw_swaks exp-crlf $FAILRC '^<\*\* 550 5\.7\.23 SPF fail: spf-exp-crlf\.example\.test does not designate 192\.0\.2\.50 as permitted sender$' \
    $S $C50 --from sender@spf-exp-crlf.example.test
out=$(rw_swaks_out exp-crlf)
check "exp-crlf: nothing of the CR LF text reached the client, no second reply line" \
    test "$(grep -ac 'injected\|Go away' "$out")" -eq 0 -a "$(grep -ac '^<\*\* 550-' "$out")" -eq 0
n=$(grep -a '^<\*\*' "$out" | tr -d '\r' | LC_ALL=C grep -c '[[:cntrl:]]')
check "exp-crlf: no control characters in the reply" test "$n" -eq 0

# -------------------------------------------------------------- temperror
before=$(sf_count)
# shellcheck disable=SC2086
rw_swaks servfail $FAILRC '^<\*\* 451 4\.7\.24 SPF check of spf-servfail\.example\.test failed temporarily, try again later$' \
    $S $C50 --from sender@spf-servfail.example.test
check "the include's name did reach the SERVFAIL stub ($before -> $(sf_count) queries)" \
    test "$(sf_count)" -gt "$before"

# -------------------------------------------------------------- at the end
rw_expect_nolog "relaywarden: no internal errors" "$LOG" '451 4\.3\.0|internal error'
rw_expect_nolog "Postfix: no milter trouble" "$PFLOG" 'warning: .*milter|milter.*(timeout|error)'
rw_expect_nolog "OpenDMARC: no errors" "$T/log/dmarc-ar.log" 'opendmarc_policy_store|fopen|failed|error'
check "relaywarden still running" rw_running rw
check "OpenDMARC ar still running" rw_running dmarc-ar
check "OpenDMARC rspf still running" rw_running dmarc-rspf
rw_summary
