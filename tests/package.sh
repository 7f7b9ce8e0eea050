#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# package.sh - the Debian package end to end: build the .deb from a clean
# copy of the tracked tree with dpkg-buildpackage -us -uc -b, lintian it
# (no errors allowed), install it with dpkg -i on this machine, check what
# it installed (binaries, manual pages, conffile, unit, system user,
# /var/lib/relaywarden), start the daemon the way the packaged unit does
# (RuntimeDirectory, ExecStartPre, ExecStart: as root, dropping to the user
# relaywarden), drive mail through a real Postfix (smtpd as user postfix
# reaching the packaged socket /run/relaywarden/relaywarden.sock, mode 0660
# group relaywarden), then purge the package and check that it is gone.
#
# Needs root; installs debhelper, dh-autoreconf, lintian, fakeroot,
# build-essential when missing. An /etc/relaywarden not owned by the
# package (a quick-start install) is moved aside and put back at the end.
# Ports 25610 (smtpd) and 25611 (smtp-sink); DNS pinned to a dead loopback
# port 25612 (the checks that would query are off).
#
#   tests/package.sh            (from the top of the source tree)
#   RW_LOCK=/work/integration.lock tests/package.sh
#				(the lock only around install, Postfix, purge)
#
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/integration/lib.sh"
SRC=$RW_TOP_SRCDIR
P_SMTPD=25610 P_SINK=25611 P_DNS=25612
RW_NAME=package
T=$RW_TEST_DIR/package
[ "$(id -u)" = 0 ] || rw_skip "needs root (dpkg -i, Postfix)"
rm -rf "$T"
mkdir -p "$T/run" "$T/log" "$T/build"
chmod 755 "$RW_TEST_DIR" "$T" "$T/run" "$T/log"
SAVED_ETC=""
PURGED=0

pkg_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for name in $RW_TRACKED; do rw_stop "$name" >/dev/null 2>&1; done
	if [ "$PURGED" = 0 ] && dpkg-query -W relaywarden >/dev/null 2>&1; then
		dpkg --purge relaywarden >>"$T/log/dpkg.log" 2>&1
	fi
	if [ -n "$SAVED_ETC" ]; then
		rm -rf /etc/relaywarden
		mv "$SAVED_ETC" /etc/relaywarden
	fi
	exit "$rc"
}
trap pkg_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# -------------------------------------------------------------- tools
need="debhelper dh-autoreconf lintian fakeroot build-essential pkgconf
	libmilter-dev libc-ares-dev libspf2-dev check postfix swaks sasl2-bin
	liblmdb-dev libhiredis-dev libmicrohttpd-dev libpcre2-dev"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "# installing:$missing"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
	    --no-install-recommends $missing >"$T/log/apt.log" 2>&1 ||
	    { fail "apt-get install$missing (see $T/log/apt.log)"; rw_summary; }
fi

# -------------------------------------------------------------- build
git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1 || rw_skip "not a git checkout (builds from git ls-files)"
# a clean copy of what git tracks: no build products, no configure
(cd "$SRC" && git ls-files -z | tar --null -T - -cf -) | tar -C "$T/build" -xf - ||
    { fail "copying the tracked tree"; rw_summary; }
# the source tree's directory name: relaywarden-VERSION, as dpkg-source likes
ver=$(dpkg-parsechangelog -l "$T/build/debian/changelog" -S Version)
mv "$T/build" "$T/relaywarden-$ver" && mkdir -p "$T/build" && mv "$T/relaywarden-$ver" "$T/build/"
B=$T/build/relaywarden-$ver
if (cd "$B" && DEB_BUILD_OPTIONS="parallel=2" dpkg-buildpackage -us -uc -b) \
    >"$T/log/build.log" 2>&1; then
	pass "dpkg-buildpackage -us -uc -b"
else
	fail "dpkg-buildpackage (see $T/log/build.log)"
	tail -15 "$T/log/build.log" | sed 's/^/     | /'
	rw_summary
fi
deb=$(ls "$T"/build/relaywarden_"$ver"_*.deb 2>/dev/null | head -1)
check "the .deb exists ($deb)" test -f "$deb"
check "the build ran the unit tests" grep -q '^PASS: tests/check_profile' "$T/log/build.log"

lintian --tag-display-limit 0 "$T"/build/relaywarden_"$ver"_*.changes >"$T/log/lintian.log" 2>&1
check "lintian: no errors ($(grep -c '^E:' "$T/log/lintian.log") E:, $(grep -c '^W:' "$T/log/lintian.log") W:)" \
    test "$(grep -c '^E:' "$T/log/lintian.log")" = 0
grep -E '^(E|W):' "$T/log/lintian.log" | sed 's/^/     | /'

# what is inside
dpkg-deb -c "$deb" >"$T/log/contents.txt"
# the MIME module (GMime's only user in the daemon) in the package's
# private directory, pkglibdir: dh_auto_configure's multiarch libdir
MIMEMOD=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/relaywarden/relaywarden-mime.so
check "the .deb holds .$MIMEMOD" grep -q " \.$MIMEMOD\$" "$T/log/contents.txt"
dpkg-deb -f "$deb" Depends >"$T/log/depends.txt"
check "it depends on GMime (dh_shlibdeps: $(grep -o 'libgmime[^,]*' "$T/log/depends.txt"))" \
    grep -q 'libgmime-3\.0-0' "$T/log/depends.txt"
for f in ./usr/sbin/relaywarden ./usr/sbin/relaywarden-query \
    ./usr/share/man/man8/relaywarden.8.gz ./usr/share/man/man8/relaywarden-query.8.gz \
    ./usr/share/man/man5/relaywarden.conf.5.gz ./etc/relaywarden/relaywarden.conf \
    ./usr/share/man/man5/relaywarden-rules.5.gz \
    ./usr/share/doc/relaywarden/contrib/relaywarden.rules.sample \
    ./lib/systemd/system/relaywarden.service \
    ./usr/share/doc/relaywarden/contrib/postfix/main.cf.relaywarden \
    ./usr/share/doc/relaywarden/contrib/sendmail/relaywarden.mc \
    ./usr/share/doc/relaywarden/README.Debian; do
	check "the .deb holds $f" grep -q " $f\$" "$T/log/contents.txt"
done
dpkg-deb -I "$deb" conffiles >"$T/log/conffiles.txt" 2>&1
check "/etc/relaywarden/relaywarden.conf is a conffile" grep -qx /etc/relaywarden/relaywarden.conf "$T/log/conffiles.txt"

# -------------------------------------------------------------- install
# RW_LOCK=/work/integration.lock: hold that lock from here on only (the
# build above needs no port and takes most of the time)
if [ -n "${RW_LOCK:-}" ]; then
	exec 9>"$RW_LOCK"
	echo "# waiting for $RW_LOCK"
	flock 9
fi
if [ -e /etc/relaywarden ] && ! dpkg -S /etc/relaywarden >/dev/null 2>&1; then
	SAVED_ETC=$T/etc-relaywarden.saved
	mv /etc/relaywarden "$SAVED_ETC"
	rw_note "moved the existing /etc/relaywarden aside (put back at the end)"
fi
had_user=0
getent passwd relaywarden >/dev/null && had_user=1
if dpkg -i "$deb" >"$T/log/dpkg.log" 2>&1; then
	pass "dpkg -i $(basename "$deb")"
else
	fail "dpkg -i (see $T/log/dpkg.log)"; tail -5 "$T/log/dpkg.log" | sed 's/^/     | /'
	rw_summary
fi
check "relaywarden installed" bash -c "dpkg-query -W -f='\${Status}' relaywarden | grep -q 'install ok installed'"
check "user relaywarden exists" bash -c 'getent passwd relaywarden >/dev/null'
check "group relaywarden exists" bash -c 'getent group relaywarden >/dev/null'
if [ $had_user = 0 ]; then
	check "user relaywarden's home is /var/lib/relaywarden" \
	    test "$(getent passwd relaywarden | cut -d: -f6)" = /var/lib/relaywarden
	check "user relaywarden is a system user (uid < 1000)" \
	    test "$(id -u relaywarden)" -lt 1000
else
	rw_note "user relaywarden existed before (quick start): home not checked"
fi
check "/var/lib/relaywarden belongs to relaywarden" \
    test "$(stat -c %U:%G /var/lib/relaywarden)" = relaywarden:relaywarden
check "postfix is in group relaywarden (the socket's group)" \
    bash -c 'id -nG postfix | tr " " "\n" | grep -qx relaywarden'
check "man finds relaywarden.conf(5) where the package put it" \
    bash -c "man -aw 5 relaywarden.conf 2>/dev/null | grep -qx /usr/share/man/man5/relaywarden.conf.5.gz"
check "relaywarden.conf(5) documents the profiles" \
    bash -c 'zcat /usr/share/man/man5/relaywarden.conf.5.gz | grep -q "POLICY PER LISTENER"'
check "the packaged configuration is valid" \
    bash -c '/usr/sbin/relaywarden -t -c /etc/relaywarden/relaywarden.conf >/dev/null'

# -------------------------------------------------------------- start as the unit does
unit=/lib/systemd/system/relaywarden.service
start=$(sed -n 's/^ExecStart=//p' "$unit")
check "unit ExecStart: $start" test "$start" = "/usr/sbin/relaywarden -f -c /etc/relaywarden/relaywarden.conf"
# This machine's resolver points off-box: pin DNS to a dead loopback port
# and turn off the checks that would ask (an admin's edit of the conffile).
cat >>/etc/relaywarden/relaywarden.conf <<EOF

# tests/package.sh: DNS on loopback only
dns_servers = 127.0.0.1:$P_DNS
rdns_check = off
spf_check = no
spf_check_helo = no
# content checks: the daemon loads the packaged MIME module
rules = $T/pkg.rules
EOF
cat >"$T/pkg.rules" <<'EOF'
hexurl  url-host  /(^|\.)spam\.example$/  reject for=all "hidden link to a known bad host"
EOF
chmod 644 "$T/pkg.rules"
# RuntimeDirectory=relaywarden (0755, root), then the ExecStartPre lines
install -d -m 0755 /run/relaywarden
sed -n 's/^ExecStartPre=-\{0,1\}//p' "$unit" >"$T/run/pre.sh"
if sh -e "$T/run/pre.sh" >"$T/log/pre.log" 2>&1; then
	pass "the unit's ExecStartPre lines ($(wc -l <"$T/run/pre.sh"))"
else
	fail "ExecStartPre: $(cat "$T/log/pre.log")"
fi
# shellcheck disable=SC2086
rw_bg rw "$T/log/rw.log" $start
if rw_wait 10 rw_socket_ready /run/relaywarden/relaywarden.sock; then
	pass "the daemon made /run/relaywarden/relaywarden.sock"
else
	fail "no socket (log: $(tail -3 "$T/log/rw.log"))"; rw_summary
fi
pid=$(rw_pid_of rw)
check "the daemon runs as user relaywarden" \
    test "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = "$(id -u relaywarden)"
check "socket mode 0660, group relaywarden" \
    test "$(stat -c %a:%G /run/relaywarden/relaywarden.sock)" = 660:relaywarden

# -------------------------------------------------------------- Postfix
rw_ports_free $P_SMTPD $P_SINK
rw_start_sink $P_SINK || rw_summary
pf_master() { echo "127.0.0.1:$P_SMTPD inet n - n - - smtpd"; }
rw_postfix_setup "$T/pf" $P_SINK ipv4 "unix:/run/relaywarden/relaywarden.sock" pf_master
rw_postfix_start "$T/pf" $P_SMTPD
check "Postfix's smtpd runs as postfix" test "$(postconf -c "$T/pf/etc" -h mail_owner)" = postfix
XC="--xclient-addr 192.0.2.10 --xclient-name client.example.test --xclient-helo client.example.test"
S="--server 127.0.0.1 --port $P_SMTPD --helo client.example.test --from sender@example.org"
sub=$(rw_subject pkg-local)
# shellcheck disable=SC2086
rw_swaks pkg-local 0 '^<-  250 .*queued as' $S $XC --to bob@example.test --h-Subject "$sub"
rw_expect_delivered "outsider -> local domain (example.test) delivered through the packaged daemon" "$sub"
# shellcheck disable=SC2086
rw_swaks pkg-relay 24 '^<\*\* 550 5\.7\.1 <alice@outside\.test>: Relaying denied' $S $XC --to alice@outside.test
rw_expect_log "the packaged daemon logged the refusal" "$T/log/rw.log" \
    'stage=rcpt action=reject check=relay .*192\.0\.2\.10.*rcpt=<alice@outside\.test>'
rw_expect_nolog "Postfix reached the milter (no connect error)" "$T/log/postfix.log" \
    'warning: connect to Milter service'
# content: the packaged module read a base64 HTML part's link
/usr/bin/python3 "$SRC/tests/integration/mkmsg.py" hexurl "$(rw_subject pkg-hexurl)" \
    "$T/hexurl.eml"
# shellcheck disable=SC2086
rw_swaks pkg-hexurl 26 '^<\*\* +550 5\.7\.1 hidden link to a known bad host' $S $XC \
    --to bob@example.test --data "@$T/hexurl.eml"
rw_expect_log "the packaged daemon loaded $MIMEMOD" "$T/log/rw.log" \
    "MIME module $MIMEMOD loaded"
check "GMime is mapped into the packaged daemon" \
    grep -q 'libgmime-3\.0' "/proc/$pid/maps"

# -------------------------------------------------------------- purge
rw_stop postfix
rw_stop rw
check "the daemon stopped on SIGTERM" rw_pid_gone "$pid"
if dpkg --purge relaywarden >>"$T/log/dpkg.log" 2>&1; then
	PURGED=1
	pass "dpkg --purge relaywarden"
else
	fail "dpkg --purge (see $T/log/dpkg.log)"
fi
check "purged: not known to dpkg" bash -c '! dpkg-query -W -f="\${Status}" relaywarden 2>/dev/null | grep -q installed'
for f in /usr/sbin/relaywarden /usr/sbin/relaywarden-query "$MIMEMOD" /etc/relaywarden \
    /var/lib/relaywarden /lib/systemd/system/relaywarden.service /run/relaywarden; do
	check "purged: $f gone" test ! -e "$f"
done
if [ $had_user = 0 ] && getent passwd relaywarden >/dev/null; then
	deluser --quiet --system relaywarden >/dev/null 2>&1 || true
	rw_note "removed the user relaywarden this test's install created"
fi
rw_summary
