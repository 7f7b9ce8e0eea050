# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
#
# NAME
#	lib.sh - what the fault drills share, on top of
#	tests/integration/lib.sh
# SYNOPSIS
#	. "$(dirname "$0")/lib.sh"
#	drill_init NAME
#	drill_stack
# DESCRIPTION
#	drill_init() is rw_init plus the drills' tools; DRILL_LONG=1 (run.sh
#	--long) selects the long form.
#
#	drill_stack() starts, all on loopback (its arguments are extra
#	lines for relaywarden's configuration): the DNS fixtures
#	(tests/dns/fixtures.sh: unbound on 25160, rbldnsd 25161, SERVFAIL and
#	blackhole stubs 25162/25163), relaywarden "rw" on unix:$T/run/rw.sock
#	with $T/rw.conf (DNSBL dnsbl.test through that unbound; the clients
#	are outsiders, so every session waits for a DNS answer), smtp-sink on
#	25141 and a private Postfix smtpd on 25140 with
#	contrib/postfix/main.cf.relaywarden pasted (milter_default_action =
#	tempfail).
#
#	drill_client TAG ARGS... starts client.py in the background against
#	that Postfix (DRILL_CLIENT_PID); drill_client_wait waits for it and
#	prints its figures. Each message has the Subject TAG-i, and comes by
#	XCLIENT from its own address in 198.18.0.0/15 (data only, never
#	connected to; new to relaywarden's DNS cache, so each one asks the
#	DNS server).
#
#	drill_expect_once TAG checks the sink: every message the client saw
#	accepted is there exactly once, and no other TAG message is.
# ENVIRONMENT
#	as tests/integration/lib.sh; DRILL_LONG=1 for the long form.

: "${RW_TEST_DIR:=/tmp/rw-drills}"
export RW_TEST_DIR
# shellcheck source=../integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
DRILL_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DRILL_LONG=${DRILL_LONG:-0}
P_SMTPD=25140 P_SINK=25141
export RW_DNS_PORT=25160 RW_RBL_PORT=25161 RW_SERVFAIL_PORT=25162 RW_BLACKHOLE_PORT=25163

drill_init() {
	rw_init "$1" postfix postconf smtp-sink unbound unbound-checkconf rbldnsd dig ss \
	    /usr/bin/python3
	export RW_FIXTURES_DIR=$T/fixtures
	CONF=$T/rw.conf
	LOG=$T/log/rw.log
	PF=$T/pf
	printf '# %s form\n' "$([ "$DRILL_LONG" = 1 ] && echo long || echo short)"
}

# drill_conf [extra lines...] - the drills' relaywarden configuration
drill_conf() {
	local line
	echo "# relaywarden fault drill configuration ($RW_NAME)"
	echo "socket = unix:$T/run/rw.sock"
	echo "socket_mode = 0666"
	echo "pidfile = $T/run/rw.pid"
	echo "trusted_networks = 127.0.0.0/8, ::1/128"
	echo "local_domains = example.test, .example.test"
	echo "dns_servers = 127.0.0.1:$RW_DNS_PORT"
	echo "dns_timeout = 500ms"
	echo "dns_retries = 1"
	echo "dns_deadline = 2s"
	echo "rdns_check = off"
	echo "dnsbl = dnsbl.test"
	echo "dnsbl_probe_interval = 0"
	echo "spf_check = no"
	echo "spf_check_helo = no"
	for line in "$@"; do echo "$line"; done
}

# drill_stack [extra configuration lines...]
drill_stack() {
	rw_ports_free $P_SMTPD $P_SINK
	rw_start_fixtures
	drill_conf "$@" >"$CONF"
	rw_start_daemon rw "$CONF" || rw_summary
	rw_start_sink $P_SINK || rw_summary
	drill_master() { echo "127.0.0.1:$P_SMTPD inet n - n - - smtpd"; }
	rw_postfix_setup "$PF" $P_SINK ipv4 "unix:$T/run/rw.sock" drill_master
	rw_postfix_start "$PF" $P_SMTPD
}

# drill_client TAG client.py-args... - start the client in the background
drill_client() {
	local tag=$1
	shift
	rm -f "$T/run/$tag.progress"
	/usr/bin/python3 "$DRILL_HERE/client.py" --port $P_SMTPD --tag "$tag" \
	    --progress "$T/run/$tag.progress" --accepted "$T/run/$tag.accepted" "$@" \
	    >"$T/log/client-$tag.out" 2>&1 &
	DRILL_CLIENT_PID=$!
}

# drill_progress TAG [FIELD] - finished messages (1), sessions tried (2),
# 4xx replies and connection errors (3) so far
drill_progress() {
	local v
	v=$(cut -d' ' -f"${2:-1}" "$T/run/$1.progress" 2>/dev/null)
	echo "${v:-0}"
}

# drill_wait_progress TAG FIELD MIN SECONDS - until that figure reaches MIN
drill_wait_progress() {
	local n=$(($4 * 10))
	while [ "$(drill_progress "$1" "$2")" -lt "$3" ]; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		rw_pid_alive "$DRILL_CLIENT_PID" || return 1
		sleep 0.1
	done
}

# drill_client_wait TAG - wait for the client, print its figures with
# "TAG:" in front; DRILL_ACCEPTED, DRILL_REJECTED, DRILL_GIVEN_UP,
# DRILL_MESSAGES, DRILL_ATTEMPTS are its totals
drill_client_wait() {
	local out=$T/log/client-$1.out line
	wait "$DRILL_CLIENT_PID"
	sed "s/^/     $1: /" "$out"
	line=$(tail -1 "$out")
	DRILL_MESSAGES=$(echo "$line" | sed -n 's/.*messages=\([0-9]*\).*/\1/p')
	DRILL_ACCEPTED=$(echo "$line" | sed -n 's/.*accepted=\([0-9]*\).*/\1/p')
	DRILL_REJECTED=$(echo "$line" | sed -n 's/.*rejected=\([0-9]*\).*/\1/p')
	DRILL_GIVEN_UP=$(echo "$line" | sed -n 's/.*given_up=\([0-9]*\).*/\1/p')
	DRILL_ATTEMPTS=$(echo "$line" | sed -n 's/.*attempts=\([0-9]*\).*/\1/p')
	if [ -z "$DRILL_MESSAGES" ]; then
		fail "$1: the client printed no totals (see $out)"
		DRILL_MESSAGES=0 DRILL_ACCEPTED=0 DRILL_REJECTED=0 DRILL_GIVEN_UP=0 DRILL_ATTEMPTS=0
	fi
}

# drill_count CLASS-ERE TAG - attempts of the client whose reply class
# matches (sum of its "reply ..." / "conn-error" lines)
drill_count() {
	grep -E -- "^($1) [0-9]+$" "$T/log/client-$2.out" | awk '{ n += $NF } END { print n + 0 }'
}

# drill_sink_subjects TAG - "COUNT SUBJECT" for each TAG message at the sink
drill_sink_subjects() {
	grep -rh -- "^Subject: $1-[0-9]*\$" "$T/sink" 2>/dev/null | sed 's/^Subject: //' |
	    sort | uniq -c
}

drill_queue_empty() {
	postqueue -c "$PF/etc" -p 2>/dev/null | grep -q 'Mail queue is empty'
}

# drill_sink_has_all TAG N - N distinct TAG messages at the sink
drill_sink_has_all() { [ "$(drill_sink_subjects "$1" | wc -l)" -ge "$2" ]; }

# drill_expect_once TAG - every accepted message at the sink exactly once,
# nothing else; waits for Postfix's queue to drain (60 s at most)
drill_expect_once() {
	local tag=$1 acc=$T/run/$1.accepted n got dups extra lost
	n=$(wc -l <"$acc")
	rw_wait 60 drill_sink_has_all "$tag" "$n"
	rw_wait 30 drill_queue_empty
	sleep 1		# a late duplicate would show up now
	drill_sink_subjects "$tag" >"$T/run/$tag.sink"
	got=$(wc -l <"$T/run/$tag.sink")
	dups=$(awk '$1 > 1' "$T/run/$tag.sink" | wc -l)
	extra=$(awk '{ print $2 }' "$T/run/$tag.sink" | sort | comm -23 - <(sort "$acc") | wc -l)
	lost=$(awk '{ print $2 }' "$T/run/$tag.sink" | sort | comm -13 - <(sort "$acc") | wc -l)
	rw_note "$tag: sink holds $got distinct messages of $n accepted; duplicates $dups, lost $lost, never accepted $extra"
	check "$tag: every accepted message at the sink exactly once ($got of $n, $dups duplicated, $lost lost)" \
	    test "$got" -eq "$n" -a "$dups" -eq 0 -a "$lost" -eq 0
	check "$tag: nothing at the sink the client did not see accepted ($extra)" test "$extra" -eq 0
	check "$tag: Postfix's queue is empty" drill_queue_empty
}

# drill_rss PID - VmRSS in kB
drill_rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null; }
