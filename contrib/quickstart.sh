#!/bin/sh
# quickstart.sh - on a fresh Debian 12 machine, as root: install what is
# missing, build relaywarden in build-quickstart/ (the source tree itself
# stays unconfigured, so tests/run-suite.sh works in the same clone,
# before or after), install it, create the system user relaywarden runs
# as, put the sample configuration in place (an existing
# /etc/relaywarden/relaywarden.conf is kept), check it, and run
# relaywarden in the foreground, printing its start-up log.
# Stop it with Ctrl-C. Afterwards point your MTA at it: see
# contrib/postfix/main.cf.relaywarden or contrib/sendmail/relaywarden.mc.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -qq
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
	build-essential autoconf automake pkg-config m4 libmilter-dev \
	libspf2-dev libc-ares-dev liblmdb-dev libhiredis-dev libpcre2-dev libgmime-3.0-dev libpsl-dev libidn2-dev libmicrohttpd-dev check >/dev/null
if [ -f config.status ]; then
	echo "quickstart: $top was configured in place; make distclean there (the build is in build-quickstart/)"
	make -s distclean
fi
autoreconf -fi
mkdir -p build-quickstart
cd build-quickstart
../configure -q --prefix=/usr/local --sysconfdir=/etc --runstatedir=/run
make -s -j"$(nproc)"
make -s install

# The sample configuration says "user = relaywarden" and "socket_group =
# relaywarden": relaywarden opens its socket as root, then runs as this
# system user (no login shell, no home), as the milters packaged by
# Debian (opendkim, opendmarc) do.
if ! getent passwd relaywarden >/dev/null; then
	if getent group relaywarden >/dev/null; then g="-g relaywarden"; else g="-U"; fi
	# shellcheck disable=SC2086
	useradd --system $g --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --comment "relaywarden mail policy milter" relaywarden
	echo "created the system user relaywarden"
fi
# Postfix's smtpd runs as postfix: the group lets it use the socket
# (mode 0660, group relaywarden). sendmail runs as root and needs nothing.
if getent passwd postfix >/dev/null && ! id -nG postfix | grep -qw relaywarden; then
	usermod -a -G relaywarden postfix
	echo "added postfix to the group relaywarden (restart Postfix to use it)"
fi
# The socket and the pidfile live here; owned by relaywarden so that it
# can remove both when it stops.
install -d -o relaywarden -g relaywarden -m 0755 /run/relaywarden
# The embedded state store (rate limits, greylisting: state_store =
# lmdb:/var/lib/relaywarden/state.lmdb) is written as relaywarden.
install -d -o relaywarden -g relaywarden -m 0750 /var/lib/relaywarden

conf=/etc/relaywarden/relaywarden.conf
[ -f "$conf" ] || cp /etc/relaywarden/relaywarden.conf.sample "$conf"
/usr/local/sbin/relaywarden -t -c "$conf"
echo "starting: /usr/local/sbin/relaywarden -f -c $conf  (Ctrl-C stops it)"
exec /usr/local/sbin/relaywarden -f -c "$conf"
