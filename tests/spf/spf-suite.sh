#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# spf-suite.sh - the openspf RFC 7208 suite through rw_spf_check()
#
# Converts tests/spf/rfc7208-tests.yml (or $SPF_SUITE) with suite2txt.py
# (Debian python3-yaml) and runs tests/spf/spf-suite on it. Fails when
# fewer cases pass than tests/spf/expected-pass records; skips (77)
# without python3-yaml. $SPF_SUITE_WRAPPER (valgrind, ...) prefixes the run.
srcdir=${RW_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${RW_BUILDDIR:-$srcdir}
suite=${SPF_SUITE:-$srcdir/tests/spf/rfc7208-tests.yml}
python=${PYTHON3:-/usr/bin/python3}
runner=$builddir/tests/spf/spf-suite
expected=$(cat "$srcdir/tests/spf/expected-pass") || exit 1

if ! "$python" -c 'import yaml' 2>/dev/null; then
	echo "spf-suite: python3-yaml not available, skipped"
	exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$python" "$srcdir/tests/spf/suite2txt.py" "$suite" > "$tmp/suite.txt" || exit 1
$SPF_SUITE_WRAPPER "$runner" "$tmp/suite.txt" > "$tmp/out" || { cat "$tmp/out"; exit 1; }
cat "$tmp/out"
passed=$(sed -n 's|^spf-suite: \([0-9]*\)/[0-9]*$|\1|p' "$tmp/out")
if [ -z "$passed" ] || [ "$passed" -lt "$expected" ]; then
	echo "spf-suite: ${passed:-no} cases passed, $expected expected"
	exit 1
fi
exit 0
