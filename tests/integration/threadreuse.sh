#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# threadreuse.sh - the threads libmilter starts for its worker pool are
# kept and reused instead of created and ended (milter/threadreuse.c).
# Checked through the milter protocol, from the daemon's threads as
# /proc shows them (a sampler lists /proc/PID/task every 2 ms):
#   - bursts of sessions, one after the other, all answered;
#   - the bursts after the first run on threads already there: the
#     thread ids seen over all bursts are about one burst's worth, not
#     one per session (libmilter alone ends its workers after each burst
#     and starts new ones for the next);
#   - after the bursts, the threads parked are at most 4 beyond what the
#     daemon had before them.
# The CPU this saves is a benchmark figure (tests/bench/run.sh,
# doc/DESIGN.md "Where a message's CPU goes").
#
#   RELAYWARDEN=milter/relaywarden tests/integration/threadreuse.sh
#
# No ports: a unix socket, no DNS.
# Prints "N passed, N failed" last; exit 0, 1, or 77 (skipped).

. "$(dirname "$0")/lib.sh"
rw_init threadreuse /usr/bin/python3

BURSTS=20 PER=6
CLIENT=$RW_TOP_SRCDIR/tests/drills/milterclient.py

rw_session_conf "$T/rw.conf" "trusted_networks = 127.0.0.0/8, ::1/128" \
    "local_domains = example.test"
rw_start_daemon rw "$T/rw.conf" || rw_summary
pid=$(rw_pid_of rw)
# one session first, so that every thread the daemon keeps is up
/usr/bin/python3 "$CLIENT" "unix:$T/run/rw.sock" sessions 1 >/dev/null 2>&1
sleep 1
before=$(ls "/proc/$pid/task" | wc -l)

# the sampler: every thread id seen until the stop file appears
/usr/bin/python3 - "$pid" "$T/tids.txt" "$T/stop" <<'EOF' &
import os, sys, time
pid, out, stop = sys.argv[1:4]
seen = set()
while not os.path.exists(stop):
    try:
        seen.update(os.listdir("/proc/%s/task" % pid))
    except OSError:
        break
    time.sleep(0.002)
open(out, "w").write("\n".join(sorted(seen)) + "\n")
EOF
sampler=$!
ok=0
for i in $(seq "$BURSTS"); do
	n=$(/usr/bin/python3 "$CLIENT" "unix:$T/run/rw.sock" sessions "$PER" \
	    --pause 0.05 2>&1 | grep -c '^session [0-9]* ok ')
	ok=$((ok + n))
	sleep 0.05
done
: >"$T/stop"
wait "$sampler"
check "every session of $BURSTS bursts of $PER answered ($ok)" \
    test "$ok" = $((BURSTS * PER))
seen=$(grep -c . "$T/tids.txt")
check "threads reused: $seen thread ids seen over $((BURSTS * PER)) sessions (the daemon had $before before)" \
    test "$seen" -le $((before + 2 * PER))
sleep 1
after=$(ls "/proc/$pid/task" | wc -l)
check "threads kept after the bursts: $after (before: $before; at most 4 parked)" \
    test "$after" -le $((before + 4))
rw_expect_nolog "reuse on (no warning that it is off)" "$T/log/rw.log" \
    "libmilter's threads are created and ended"
rw_expect_nolog "no error" "$T/log/rw.log" '(error|fatal):'
rw_summary
