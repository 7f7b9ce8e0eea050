#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# NAME
#	sendmail-debs.sh - the sendmail .debs that sendmail.sh unpacks, and
#	the runtime packages they need
# SYNOPSIS
#	sh tests/integration/sendmail-debs.sh fetch|list|depends|install
# DESCRIPTION
#	sendmail is not installed (its packages conflict with Postfix):
#	sendmail.sh unpacks sendmail-bin, sendmail-base and sendmail-cf
#	with dpkg -x. What those packages depend on (libwrap0, liblockfile1,
#	...) must still be installed, and the .debs themselves say what that
#	is, so no list of it is kept here.
#
#	fetch	download the .debs into $RW_CACHE_DIR/debs once (apt-get
#		download; apt-get update and again if that fails)
#	list	print the path of each cached .deb, one a line
#	depends	print their Pre-Depends and Depends as one dependency list
#		for apt-get satisfy, without the clauses naming one of the
#		unpacked packages (sendmail-bin needs sendmail-base: that
#		one is unpacked, not installed)
#	install	fetch, then apt-get satisfy the dependency list (root); apt
#		resolves alternatives, version constraints and perl:any to
#		installable packages, and installs only what is missing
# ENVIRONMENT
#	RW_CACHE_DIR	default /var/cache/relaywarden-tests
set -u

RW_SENDMAIL_PKGS="sendmail-bin sendmail-base sendmail-cf"
debs=${RW_CACHE_DIR:-/var/cache/relaywarden-tests}/debs

do_fetch() {
	mkdir -p "$debs" || return 1
	for p in $RW_SENDMAIL_PKGS; do
		ls "$debs/${p}_"*.deb >/dev/null 2>&1 && continue
		# apt drops root privileges to _apt for downloads
		chown _apt "$debs" 2>/dev/null
		(cd "$debs" && apt-get download "$p") ||
		    { apt-get update && (cd "$debs" && apt-get download "$p"); } ||
		    return 1
	done
}

do_list() {
	for p in $RW_SENDMAIL_PKGS; do
		f=$(ls "$debs/${p}_"*.deb 2>/dev/null | tail -1)
		[ -n "$f" ] || { echo "sendmail-debs.sh: no $p .deb in $debs (fetch first)" >&2; return 1; }
		printf '%s\n' "$f"
	done
}

do_depends() {
	files=$(do_list) || return 1
	for f in $files; do
		dpkg-deb -f "$f" Pre-Depends
		dpkg-deb -f "$f" Depends
	done | tr ',' '\n' | awk -v own="$RW_SENDMAIL_PKGS" '
	BEGIN { n = split(own, o, " "); for (i = 1; i <= n; i++) mine[o[i]] = 1 }
	{
		clause = $0
		gsub(/^[ \t]+|[ \t]+$/, "", clause)
		if (clause == "" || clause in seen)
			next
		m = split(clause, alt, "|")
		for (i = 1; i <= m; i++) {
			name = alt[i]
			sub(/^[ \t]+/, "", name)
			sub(/[ \t(:].*/, "", name)	# "perl:any", "libc6 (>= 2.34)"
			if (name in mine)
				next
		}
		seen[clause] = 1
		out = out (out == "" ? "" : ", ") clause
	}
	END { print out }'
}

do_install() {
	do_fetch || return 1
	deps=$(do_depends) || return 1
	[ -n "$deps" ] || return 0
	echo "sendmail's runtime dependencies: $deps"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
	    satisfy -y -qq --no-install-recommends "$deps"
}

case ${1:-} in
fetch | list | depends | install) "do_$1" ;;
*) echo "usage: sendmail-debs.sh fetch|list|depends|install" >&2; exit 2 ;;
esac
