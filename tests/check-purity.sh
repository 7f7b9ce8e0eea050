#!/bin/sh
# check-purity.sh - the policy core stays free of I/O libraries.
# policy/ must not include libmilter, c-ares, libspf2 or syslog headers,
# nor call anything that reads the clock, opens files or sockets.
# Prints "N passed, N failed".
src=${RW_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
pass=0 fail=0
check() {   # check LABEL PATTERN
	hits=$(grep -nE "$2" "$src"/policy/*.c "$src"/policy/*.h 2>/dev/null)
	if [ -z "$hits" ]; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL $1:"; echo "$hits"; fi
}
check "milter/dns/spf/syslog headers" '#include *<(libmilter/|ares|spf2/|syslog\.h)'
check "clock" '\<(time|gettimeofday|clock_gettime)\('
check "files and sockets" '\<(fopen|open|socket|connect|opendir)\('
check "process control" '\<(exit|abort|fork|syslog)\('
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
