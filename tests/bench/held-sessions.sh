#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# held-sessions.sh - what relaywarden's memory costs per session: the
# daemon's RSS with N sessions held open at RCPT. Prints figures; asserts
# nothing about size.
#
# An MTA keeps one milter session per SMTP session, and most of them sit
# waiting for their client; a mail peak or a slow-client attack is many
# sessions held at once. tests/drills/milterclient.py (hold-rcpt) opens
# N sessions one after the other, each from an outsider (192.0.2.50, as
# data) through HELO, MAIL and RCPT, and holds them. The daemon runs one
# block list and SPF (the issue 11 comparison configuration), both
# answered by tests/dns/dnsstub.py on loopback (the client is not listed;
# the sender domain has no SPF record). For each N the daemon is started
# afresh, and VmRSS / VmHWM are read from /proc after all are held. The
# idle daemon's RSS is printed first.
#
#   RELAYWARDEN=milter/relaywarden tests/bench/held-sessions.sh
#
# Env: RW_TEST_DIR (default /tmp/rw-bench), HELD_COUNTS ("500 2000").
# Port 25350 (the stub). Exit 0, 1 when sessions failed, 77 when skipped.

: "${RW_TEST_DIR:=/tmp/rw-bench}"
export RW_TEST_DIR
. "$(dirname "$0")/../integration/lib.sh"
rw_init held-sessions ss /usr/bin/python3

P_STUB=25350
COUNTS=${HELD_COUNTS:-500 2000}
STUB=$RW_TOP_SRCDIR/tests/dns/dnsstub.py
CLIENT=$RW_TOP_SRCDIR/tests/drills/milterclient.py

if ss -Hlun "( sport = :$P_STUB )" | grep -q .; then
	fail "udp port $P_STUB in use"
	rw_summary
fi
rw_bg stub "$T/log/stub.log" /usr/bin/python3 "$STUB" --count-file "$T/run/stub.count" \
    --zone bl1.bench.test --listed none "delay:0" "127.0.0.1:$P_STUB"
rw_wait 10 sh -c "ss -Hlun '( sport = :$P_STUB )' | grep -q ." || { fail "stub did not start"; rw_summary; }

cat >"$T/rw.conf" <<EOF
# relaywarden memory benchmark configuration (held-sessions.sh)
socket = unix:$T/run/rw.sock
pidfile = $T/run/rw.pid
trusted_networks = 127.0.0.0/8, ::1/128
local_domains = example.test
dns_servers = 127.0.0.1:$P_STUB
dns_timeout = 2s
dns_deadline = 5s
rdns_check = off
dnsbl_probe_interval = 0
dnsbl = bl1.bench.test
EOF

# rss PID - "VmRSS VmHWM" in kB
rss() { awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r, h }' "/proc/$1/status"; }
kib2mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
report=""
for n in $COUNTS; do
	rw_start_daemon rw "$T/rw.conf" || rw_summary
	pid=$(rw_pid_of rw)
	sleep 0.5
	read -r idle _ < <(rss "$pid")
	fifo=$T/run/hold.fifo
	rm -f "$fifo"
	mkfifo "$fifo"
	# the client holds the sessions until its stdin (the fifo) closes
	/usr/bin/python3 "$CLIENT" "unix:$T/run/rw.sock" hold-rcpt "$n" --wait 0 \
	    <"$fifo" >"$T/log/hold-$n.txt" 2>&1 &
	cpid=$!
	exec 7>"$fifo"
	if ! rw_wait 300 grep -q '^held' "$T/log/hold-$n.txt"; then
		fail "$n sessions: not all held after 300 s"
	fi
	sleep 1
	read -r now hwm < <(rss "$pid")
	read -r _ ok refused errors secs < <(grep '^hold-rcpt' "$T/log/hold-$n.txt")
	check "$n sessions held at RCPT (ok $ok, refused $refused, errors $errors, ${secs}s)" \
	    test "${ok:-0}" -eq "$n"
	exec 7>&-
	wait "$cpid"
	rw_stop rw
	per=$(((now - idle) * 1024 / n))
	line="$n held: RSS $(kib2mib "$now") MiB (idle $(kib2mib "$idle") MiB, peak $(kib2mib "$hwm") MiB), $per bytes per session above idle"
	echo "# $line"
	report="$report$line; "
done
echo "README: held sessions, one list + SPF: ${report% ; }"
rw_summary
