#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# content-bench.sh - what the content stage costs through the milter
# protocol. Prints figures; asserts nothing about speed.
#
#   tests/bench/content-client.py drives relaywarden as Postfix does
#   (headers, body in 64 KiB chunks with no reply each, end of message)
#   with N messages of two sizes, made by tests/integration/mkmsg.py:
#     10k    a 10 KiB text/plain message
#     1m     a 1 MiB multipart message: a text part and two base64
#            attachments (the scan cap, 1 MiB, cuts its last bytes); the
#            rules see its short text, the attachments' names and types
#     1mtext a 1,000,000-byte text/plain message: every byte is text
#            that the body rules and the URL scan read (the worst case)
#   against two configurations:
#     rules  100 rules (header, headers, body, url, url-host,
#            attachment-name and mime rules) none of which matches: every
#            rule runs over every message, the worst case short of a hit
#     none   no content checks: the daemon negotiates no body and no
#            header (the client prints what was negotiated), so the cost
#            is the session alone
#   each at 1 and at BENCH_CONC (default 4) sessions at a time. Prints
#   messages/s and MB/s (the message's bytes, 10^6 a MB), the median of
#   BENCH_ROUNDS (default 3) runs, configurations taking turns.
# Ports: none (a unix socket).
#
#   RELAYWARDEN=milter/relaywarden tests/bench/content-bench.sh
#
# Env: BENCH_MSGS_10K (5000), BENCH_MSGS_1M (300), BENCH_CONC (4),
# BENCH_ROUNDS (3). Exit 0, 1 when a run failed, 77 when skipped.

: "${RW_TEST_DIR:=/tmp/rw-bench}"
export RW_TEST_DIR
. "$(dirname "$0")/../integration/lib.sh"
rw_init content-bench /usr/bin/python3

N10K=${BENCH_MSGS_10K:-5000}
N1M=${BENCH_MSGS_1M:-300}
CONC=${BENCH_CONC:-4}
ROUNDS=${BENCH_ROUNDS:-3}
CLIENT=$RW_TOP_SRCDIR/tests/bench/content-client.py
MKMSG=$RW_TOP_SRCDIR/tests/integration/mkmsg.py

/usr/bin/python3 "$MKMSG" plain "bench 10k" "$T/10k.eml" 10240
/usr/bin/python3 "$MKMSG" big "bench 1m" "$T/1m.eml" 1048576
/usr/bin/python3 "$MKMSG" plain "bench 1mtext" "$T/1mtext.eml" 1000000

# 100 rules that match nothing in the bench's messages
{
	echo "# content-bench.sh: 100 rules, none matches"
	for i in $(seq 1 30); do
		echo "body$i body /\\b(cheap|free|discount)-?pills?-$i\\b/i reject for=all"
	done
	for i in $(seq 1 15); do
		echo "subj$i header:Subject /^(win|claim) prize number $i\\b/i reject for=all"
	done
	for i in $(seq 1 10); do
		echo "hdrs$i headers /^X-Mailer: (bulk|mass)mailer-$i\\b/im tag for=all"
	done
	for i in $(seq 1 20); do
		echo "url$i url /^https?:\\/\\/[^\\/]*\\.phish$i\\.example\\//i reject for=all"
	done
	for i in $(seq 1 15); do
		echo "host$i url-host /(^|\\.)spam$i\\.example\$/ reject for=all"
	done
	for i in $(seq 1 8); do
		echo "att$i attachment-name /\\.(exe|scr|pif|js)$i\$/i reject for=all"
	done
	echo "mime1 mime /^bad-boundary\$/ tag for=all"
	echo "mime2 mime /^bad-encoding\$/ tag for=all"
} >"$T/rules"
nrules=$(grep -c '^[a-z]' "$T/rules")

conf() {	# FILE [extra lines]
	local f=$1 line
	shift
	{
		echo "socket = unix:$T/run/rw.sock"
		echo "socket_mode = 0666"
		echo "pidfile ="
		echo "dns_servers = 127.0.0.1:25199"
		echo "rdns_check = off"
		echo "spf_check = no"
		echo "spf_check_helo = no"
		echo "trusted_networks = 127.0.0.0/8"
		echo "local_domains = example.test"
		echo "max_recipients = 0"
		for line in "$@"; do echo "$line"; done
	} >"$f"
}
conf "$T/none.conf"
conf "$T/rules.conf" "rules = $T/rules"

# run NAME CONF MSG N CONC - one run; RES "msgs/s MB/s", NEG the flags
run() {
	local name=$1 out
	rm -f "$T/run/rw.sock"
	rw_start_daemon "$name" "$2" >/dev/null || return 1
	/usr/bin/python3 "$CLIENT" "unix:$T/run/rw.sock" 20 "$3" >/dev/null
	out=$(/usr/bin/python3 "$CLIENT" "unix:$T/run/rw.sock" "$4" "$3" --conc "$5")
	rw_stop "$name"
	echo "$out" >>"$T/log/$name.results"
	case $out in
	*" ok $4 refused 0 errors 0 "*) ;;
	*) fail "$name: not every message was answered and accepted: $out" ;;
	esac
	RES="$(sed -n 's/.*msgs_per_s \([0-9.]*\) mb_per_s \([0-9.]*\).*/\1 \2/p' <<<"$out")"
	NEG="$(sed -n 's/^negotiated \(headers=[a-z]* body=[a-z]* nr_body=[a-z]*\).*/\1/p' <<<"$out")"
}
median() { tr ' ' '\n' | grep . | sort -n | sed -n "$(((ROUNDS + 1) / 2))p"; }

declare -A msgs mbs neg
cases="rules-10k-1 rules-10k-$CONC none-10k-1 none-10k-$CONC rules-1m-1 rules-1m-$CONC"
cases="$cases rules-1mtext-1 rules-1mtext-$CONC none-1m-1 none-1m-$CONC"
for r in $(seq "$ROUNDS"); do
	for c in $cases; do
		IFS=- read -r cfg size conc <<<"$c"
		n=$N10K
		[ "$size" != 10k ] && n=$N1M
		run "$c" "$T/$cfg.conf" "$T/$size.eml" "$n" "$conc" || continue
		msgs[$c]="${msgs[$c]:-} ${RES% *}"
		mbs[$c]="${mbs[$c]:-} ${RES#* }"
		neg[$c]=$NEG
	done
done

check "with rules the body is negotiated (${neg[rules-10k-1]:-})" \
    grep -q 'body=yes nr_body=yes' <<<"${neg[rules-10k-1]:-}"
check "without rules neither body nor headers (${neg[none-10k-1]:-})" \
    grep -q 'headers=no body=no' <<<"${neg[none-10k-1]:-}"

echo
echo "content-bench: $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  $nrules rules (none matching), scan cap 1 MiB; median of $ROUNDS rounds"
printf '  %-22s %-10s %12s %10s   %s\n' "configuration" "sessions" "messages/s" "MB/s" "negotiated"
for c in $cases; do
	IFS=- read -r cfg size conc <<<"$c"
	mb=$(median <<<"${mbs[$c]:-}")
	[ "$cfg" = none ] && mb="-"	# nothing of the message is sent
	printf '  %-22s %-10s %12s %10s   %s\n' "$cfg, $size" "$conc" \
	    "$(median <<<"${msgs[$c]:-}")" "$mb" "${neg[$c]:-}"
done
echo "(raw results in $T/log/*.results)"
RW_KEEP=1
rw_summary
