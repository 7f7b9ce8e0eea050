#!/bin/sh
# quickstart.sh - on a fresh Debian 12 machine, as root: install what is
# missing, build relaywarden in build-quickstart/ (the source tree itself
# stays unconfigured, so tests/run-suite.sh works in the same clone,
# before or after), install it, put the sample configuration in place
# (an existing /etc/relaywarden/relaywarden.conf is kept), check it, and
# run relaywarden in the foreground, printing its start-up log.
# Stop it with Ctrl-C. Afterwards point your MTA at it: see
# contrib/postfix/main.cf.relaywarden or contrib/sendmail/relaywarden.mc.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -qq
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
	build-essential autoconf automake pkg-config m4 libmilter-dev \
	libspf2-dev libc-ares-dev check >/dev/null
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
conf=/etc/relaywarden/relaywarden.conf
[ -f "$conf" ] || cp /etc/relaywarden/relaywarden.conf.sample "$conf"
mkdir -p /run/relaywarden
/usr/local/sbin/relaywarden -t -c "$conf"
echo "starting: /usr/local/sbin/relaywarden -f -c $conf  (Ctrl-C stops it)"
exec /usr/local/sbin/relaywarden -f -c "$conf"
