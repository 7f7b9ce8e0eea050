#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# NAME
#	fresh-root.sh - prove the README's two commands on a fresh Debian 12
# SYNOPSIS
#	sh tests/fresh-root.sh [-d DIR] [-k]
# DESCRIPTION
#	The development machine has every package anyone ever installed, so
#	a green suite there can hide a missing install step. This script
#	builds a minimal Debian 12 root with debootstrap (--variant=minbase
#	bookworm) from the mirror this machine's apt already uses (read from
#	its apt sources now; no host name is kept in the tree), clones the
#	committed HEAD of this repository into /root/relaywarden there, and
#	runs in that one clone, in this order:
#
#	  timeout 300 sh contrib/quickstart.sh
#		passes when the daemon said "listening on" (it only says so
#		after dropping privileges), never "running as root", and
#		still runs 3 s later; it is then stopped with SIGTERM (the
#		daemon exits 0), else timeout stops it (exit 124)
#	  sh tests/run-suite.sh
#		passes when it exits 0 and ends "N passed, 0 failed"
#
#	quickstart first, then the suite, in the same clone: the order the
#	README gives. It prints the last lines of both and exits non-zero
#	when either failed. Whatever way it ends, it stops the processes
#	still running in the root (by PID) and unmounts everything it
#	mounted.
#
#	Run it as root, never beside another integration run: the suite in
#	the root shares this machine's network and its loopback ports (on a
#	shared machine, under the same flock(1) lock as the suite).
# OPTIONS
#	-d DIR	work directory (default /var/tmp/relaywarden-fresh-root):
#		DIR/root is the root, rebuilt every run; DIR/quickstart.log
#		and DIR/suite.log are the full outputs
#	-k	keep DIR/root after success too (it is always kept after a
#		failure, for the logs under DIR/root/tmp)
set -u

dir=/var/tmp/relaywarden-fresh-root
keep=0
while getopts d:k opt; do
	case $opt in
	d) dir=$OPTARG ;;
	k) keep=1 ;;
	*) echo "usage: sh tests/fresh-root.sh [-d DIR] [-k]" >&2; exit 2 ;;
	esac
done
case $dir in
/?*) ;;
*) echo "fresh-root.sh: -d needs an absolute path" >&2; exit 2 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
R=$dir/root
PATH_IN=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() { printf '\n=== fresh-root: %s\n' "$*"; }
die() { echo "fresh-root.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mount, chroot)"

# mounted_under PATH - print the mount points at or below PATH
mounted_under() {
	awk -v p="$1" '$2 == p || index($2, p "/") == 1 { print $2 }' /proc/self/mounts
}

# in_root_pids - the processes whose root directory is $R (ours: only
# this script starts anything there)
in_root_pids() {
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] && echo "${p#/proc/}"
	done
}

cleanup() {
	rc=$?
	trap - EXIT INT TERM
	pids=$(in_root_pids)
	if [ -n "$pids" ]; then
		echo "fresh-root.sh: stopping what still runs in the root:" $pids
		kill -TERM $pids 2>/dev/null
		n=50
		while [ -n "$(in_root_pids)" ] && [ $n -gt 0 ]; do sleep 0.2; n=$((n - 1)); done
		pids=$(in_root_pids)
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null && sleep 1
	fi
	if [ -n "$(mounted_under "$R")" ]; then
		umount -R "$R" 2>/dev/null || umount -R -l "$R"
	fi
	if [ -n "$(mounted_under "$R")" ]; then
		echo "fresh-root.sh: still mounted under $R:" $(mounted_under "$R") >&2
		rc=1
	elif [ "$rc" -eq 0 ] && [ "$keep" -eq 0 ]; then
		rm -rf "$R"
	else
		echo "fresh-root.sh: the root is kept in $R"
	fi
	exit "$rc"
}

# the mirror of this machine's Debian 12 sources: deb822 first, then
# one-line sources.list entries; the first that serves bookworm itself
find_mirror() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			uris = ""; suites = ""; types = ""
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^URIs:/) uris = substr($i, 6)
				if ($i ~ /^Suites:/) suites = " " substr($i, 8) " "
				if ($i ~ /^Types:/) types = " " substr($i, 7) " "
			}
			if (types ~ / deb / && suites ~ / bookworm / && split(uris, u, " ") > 0) {
				print u[1]
				exit
			}
		}' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && $3 == "bookworm" { print $2 }'
	done
}

mirror=$(find_mirror | head -1)
[ -n "$mirror" ] || die "no bookworm mirror in this machine's apt sources"

if [ -n "$(git -C "$top" status --porcelain --untracked-files=no)" ]; then
	echo "fresh-root.sh: note: uncommitted changes are not tested (the root gets the committed HEAD)"
fi
head=$(git -C "$top" rev-parse --short HEAD) || die "$top is not a git checkout"

# a leftover root from an earlier run: never rm -rf with mounts inside
if [ -e "$R" ]; then
	[ -z "$(mounted_under "$R")" ] || die "$R still has mounts: $(mounted_under "$R" | tr '\n' ' ')"
	rm -rf "$R"
fi
mkdir -p "$dir" || exit 1
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start=$(date +%s)
if ! command -v debootstrap >/dev/null 2>&1; then
	say "installing debootstrap"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
	    --no-install-recommends debootstrap >/dev/null || die "cannot install debootstrap"
fi

say "debootstrap --variant=minbase bookworm $R (this machine's mirror)"
t0=$(date +%s)
debootstrap --variant=minbase bookworm "$R" "$mirror" >"$dir/debootstrap.log" 2>&1 ||
    { tail -n 20 "$dir/debootstrap.log"; die "debootstrap failed (see $dir/debootstrap.log)"; }
t_boot=$(($(date +%s) - t0))

# apt in the root uses this machine's sources (and its Valid-Until
# setting, which a snapshot mirror needs), and needs name resolution
rm -f "$R/etc/apt/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	case $f in
	/etc/apt/sources.list) cp "$f" "$R/etc/apt/sources.list" ;;
	*) cp "$f" "$R/etc/apt/sources.list.d/" ;;
	esac
done
apt-config dump | grep '^Acquire::Check-Valid-Until ' >"$R/etc/apt/apt.conf.d/99fresh-root"
cp /etc/resolv.conf "$R/etc/resolv.conf"

# The root must be a mount point, or the tests' unshare -m fails ("cannot
# change root filesystem propagation"); private, so that nothing mounted
# in it shows up elsewhere. /sys and /dev are recursive binds: slaves, so
# that unmounting them here can never unmount the host's.
mount --bind "$R" "$R" && mount --make-private "$R" &&
mount -t proc proc "$R/proc" &&
mount --rbind /sys "$R/sys" && mount --make-rslave "$R/sys" &&
mount --rbind /dev "$R/dev" && mount --make-rslave "$R/dev" || die "mounting failed"

git clone -q --no-hardlinks "$top" "$R/root/relaywarden" || die "git clone failed"

# in_root CMD... - run CMD in the clone inside the root, clean environment
in_root() {
	chroot "$R" /usr/bin/env -i -C /root/relaywarden PATH=$PATH_IN HOME=/root \
	    LANG=C.UTF-8 TERM=dumb "$@"
}

say "timeout 300 sh contrib/quickstart.sh (in the root, clone of $head)"
t0=$(date +%s)
qlog=$dir/quickstart.log
# not in_root: a function in the background would be a subshell, and $!
# must be timeout's PID (chroot execs env, env execs timeout)
chroot "$R" /usr/bin/env -i -C /root/relaywarden PATH=$PATH_IN HOME=/root \
    LANG=C.UTF-8 TERM=dumb timeout 300 sh contrib/quickstart.sh >"$qlog" 2>&1 &
qpid=$!
# wait until it listens (or ends), let it run 3 s more, then stop it:
# timeout passes SIGTERM on to the daemon, which exits 0
stopped=0
while kill -0 "$qpid" 2>/dev/null && ! grep -q 'listening on ' "$qlog"; do sleep 1; done
if kill -0 "$qpid" 2>/dev/null; then
	sleep 3
	kill -0 "$qpid" 2>/dev/null && kill -TERM "$qpid" 2>/dev/null && stopped=1
fi
wait "$qpid"
qrc=$?
t_quick=$(($(date +%s) - t0))
tail -n 15 "$qlog"
qok=1
if ! grep -q 'listening on ' "$qlog"; then
	echo "FAIL quickstart: the daemon never said \"listening on\" (exit $qrc)"; qok=0
elif [ "$qrc" -ne 124 ] && ! { [ $stopped -eq 1 ] && [ "$qrc" -eq 0 ]; }; then
	echo "FAIL quickstart: exit $qrc (want 124 from timeout, or 0 when stopped with SIGTERM: it must still run)"; qok=0
fi
if grep -q 'running as root' "$qlog"; then
	echo "FAIL quickstart: the daemon runs as root"; qok=0
fi
[ $qok -eq 1 ] && echo "ok   quickstart: listening, not as root, still running after 3 s (exit $qrc)"

say "sh tests/run-suite.sh (in the root, the same clone)"
t0=$(date +%s)
slog=$dir/suite.log
in_root sh tests/run-suite.sh >"$slog" 2>&1
src=$?
t_suite=$(($(date +%s) - t0))
tail -n 25 "$slog"
sok=1
last=$(tail -n 1 "$slog")
if [ $src -ne 0 ]; then
	echo "FAIL run-suite.sh: exit $src"; sok=0
elif ! echo "$last" | grep -Eq '^[0-9]+ passed, 0 failed$'; then
	echo "FAIL run-suite.sh: last line \"$last\""; sok=0
else
	echo "ok   run-suite.sh: $last"
fi

say "debootstrap ${t_boot}s, quickstart ${t_quick}s, suite ${t_suite}s, all $(($(date +%s) - start))s (logs: $dir)"
if [ $qok -eq 1 ] && [ $sok -eq 1 ]; then
	echo "fresh root: both README commands passed"
	exit 0
fi
echo "fresh root: FAILED"
exit 1
