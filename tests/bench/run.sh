#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# NAME
#	run.sh - relaywarden's performance benchmark (issue 11): prints
#	figures, asserts nothing about speed
# SYNOPSIS
#	sh tests/bench/run.sh [--quick] [--messages N] [--sessions N]
#	    [--rounds N] [--warmup N] [--hold "N..."] [--socket inet|unix]
#	    [--clients N] [--skip PHASES] [--against BINARY]	(as root)
# DESCRIPTION
#	Everything on loopback, DNS included (nothing is ever asked of the
#	machine's own resolver):
#
#	  smtp-source -> Postfix (private instance) -> smtp-sink
#
#	with Postfix's smtpd services, one per milter, reading a PROXY
#	protocol line first (smtpd_upstream_proxy_protocol = haproxy), which
#	tests/bench/proxyshim.so, preloaded into smtp-source, writes: every
#	message comes from its own client address in 198.18.0.0/20 (RFC 2544,
#	benchmark addresses, data only), an outsider for relaywarden, whose
#	checks all run. (smtp-source cannot send XCLIENT; the PROXY line is
#	Postfix's other way of being told the client address.)
#
#	Milters measured, each a fresh process per measurement:
#	  none          Postfix alone
#	  null          tests/bench/nullfilter, a libmilter filter answering
#	                "continue" to everything: the yardstick, ratios are
#	                to it
#	  rw-1list      relaywarden: relay control, one DNS block list, SPF
#	                of MAIL FROM (rdns_check = off, spf_check_helo = no)
#	  rw-sample     relaywarden with contrib/relaywarden.conf.sample as
#	                it is (reverse DNS, SPF of HELO and MAIL FROM), its
#	                commented dnsbl and rhsbl_sender examples switched on
#	                and pointed at local zones
#	  rw-against    with --against BINARY, throughput phase only: that
#	                daemon (an older build) with rw-1list's configuration,
#	                next to rw-1list in every round (the two swap places
#	                every other round). The summary adds rw-1list's CPU
#	                per message and msg/s divided by its, round by round,
#	                and their medians: one run's ratio to the null filter
#	                moves by 5-10% from run to run on 2 cores, and paired
#	                rounds cancel most of that, so a change's cost shows
#	DNS: unbound on loopback answering from zones this script writes
#	(FCrDNS for every client address, SPF records, the lists; it logs
#	every query it gets: the query counts below come from its log).
#
#	Phases (--skip takes a comma list of their names):
#	  throughput  ROUNDS interleaved rounds (each round every milter once,
#	              after WARMUP messages): MESSAGES messages over SESSIONS
#	              concurrent SMTP sessions, one message each. Per
#	              measurement: accepted msg/s (smtp-source's wall time),
#	              the milter's CPU per message (utime+stime delta from
#	              /proc/PID/stat), its voluntary and involuntary context
#	              switches per message (wait4() totals less a snapshot of
#	              /proc/PID/task/*/status: libmilter runs a thread per
#	              session, and /proc/PID/status shows one thread only),
#	              DNS queries per message (unbound's log). Medians over
#	              the rounds; ratios to the null filter's medians.
#	  dns         DNS queries for one message through Postfix: the first
#	              after start (cold), from a new client, and from that
#	              client again, by query type.
#	  eom         the end-of-message step alone: EOM_N (50) messages one
#	              after the other over TCP (tests/bench/hold.py --message:
#	              DATA, headers, body as negotiated), the time from the
#	              end-of-message command to its final reply (p50, p99,
#	              max), for the null filter and both relaywardens
#	  hold        RSS (VmRSS) of the milter, idle and with N sessions held
#	              at RCPT (tests/bench/hold.py over a unix socket, new
#	              clients), for each N of --hold.
#	  slow        five lists behind tests/dns/dnsstub.py answering after
#	              200 ms each, for clients every list lists (A, then
#	              TXT) and for clients none lists (A only): connect ->
#	              RCPT verdict of a session alone (median of 5 fresh
#	              clients), and of 100 sessions opened at once (p50, p99, max; the medians of 3 such bursts,
#	              each printed: this figure swings with the machine's
#	              load); the stub's query counts for a
#	              first and a repeated client. (tests/bench/dnsbl-bench.sh
#	              measures the first figure with miltertest.)
#	  SIGTERM -> exit with no session in flight: every relaywarden of the
#	  throughput phase is stopped idle; the median is printed, and once
#	  the null filter's (libmilter's own listener) in the hold phase.
#
#	Output: the date, commit, machine (nproc, CPU model, kernel, Postfix
#	and libmilter versions), each measurement as it is taken, then a
#	summary table. Full run about 4 minutes on 2 cores (3.5 on 2026-12-01,
#	when relaywarden took 10 s per 2,000 messages), --quick about 35 s
#	(300 messages, 10 sessions, 1 round, 200 held sessions, one burst).
#
#	Unless RELAYWARDEN is set, builds the tree first in build-bench/
#	(configure --disable-integration, make relaywarden, its MIME module
#	and the null filter). As root it installs missing Debian packages (postfix,
#	unbound, dnsutils and the build dependencies), as run-suite.sh does.
#	Ports 25400-25499 on 127.0.0.1 only. On a shared machine do not run
#	it while other load runs: the figures would show that load.
#	Exit 0 when every phase ran (every message accepted, every session
#	answered), 1 otherwise; the figures are never judged.
# ENVIRONMENT
#	RELAYWARDEN  the daemon (default: built in build-bench/)
#	NULLFILTER   the null filter (default: built next to it)
#	RW_TEST_DIR  scratch directory (default /tmp/rw-bench); RW_KEEP=1
#	             keeps it

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u
BENCH_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$BENCH_HERE/../.." && pwd)

MESSAGES=2000 SESSIONS=20 ROUNDS=5 WARMUP=100 HOLD="500 2000" SOCKET=inet BURSTS=3 EOM_N=50
CLIENTS=0 SKIP="" AGAINST=""
usage() { sed -n '/^# SYNOPSIS/,/^# DESCRIPTION/p' "$0" | sed '1d;$d;s/^#//'; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--quick) MESSAGES=300 SESSIONS=10 ROUNDS=1 WARMUP=30 HOLD=200 BURSTS=1 EOM_N=20 ;;
	--messages) MESSAGES=$2; shift ;;
	--sessions) SESSIONS=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--warmup) WARMUP=$2; shift ;;
	--hold) HOLD=$2; shift ;;
	--socket) SOCKET=$2; shift ;;
	--clients) CLIENTS=$2; shift ;;
	--skip) SKIP=$2; shift ;;
	--against) AGAINST=$2; shift ;;
	*) usage ;;
	esac
	shift
done
case $SOCKET in inet | unix) ;; *) usage ;; esac
if [ -n "$AGAINST" ]; then
	if [ ! -f "$AGAINST" ] || [ ! -x "$AGAINST" ]; then
		echo "run.sh: --against $AGAINST: not an executable file" >&2
		exit 2
	fi
	case $AGAINST in /*) ;; *) AGAINST=$PWD/$AGAINST ;; esac
fi
# a new client for every message unless --clients says how many to cycle
[ "$CLIENTS" -gt 0 ] || CLIENTS=$((WARMUP + MESSAGES))
skipped() { case ",$SKIP," in *",$1,"*) return 0 ;; esac; return 1; }

# ---------------------------------------------------------------- packages, build
PACKAGES="postfix unbound dnsutils iproute2 procps python3 build-essential
	autoconf automake pkg-config libmilter-dev libspf2-dev libc-ares-dev check"
install_packages() {
	local p missing=""
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	if [ "$(id -u)" != 0 ]; then
		echo "run.sh: missing packages:$missing (run as root)" >&2
		return 1
	fi
	echo "# installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	apt-get -o DPkg::Lock::Timeout=300 update -qq &&
	    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing >/dev/null
}
install_packages || exit 1

if [ -z "${RELAYWARDEN:-}" ]; then
	B=$TOP/build-bench
	if [ ! -f "$B/Makefile" ]; then
		if [ -f "$TOP/config.status" ]; then
			echo "run.sh: $TOP is configured in place; run make distclean there, or set RELAYWARDEN" >&2
			exit 1
		fi
		[ -x "$TOP/configure" ] || (cd "$TOP" && autoreconf -fi) || exit 1
		mkdir -p "$B" && (cd "$B" && "$TOP/configure" -q --disable-integration) || exit 1
	fi
	echo "# building in $B"
	make -s -C "$B" -j2 milter/relaywarden milter/relaywarden-mime.so \
	    tests/bench/nullfilter >"$B/bench-make.log" 2>&1 ||
	    { tail -20 "$B/bench-make.log"; exit 1; }
	RELAYWARDEN=$B/milter/relaywarden
	: "${NULLFILTER:=$B/tests/bench/nullfilter}"
fi
export RELAYWARDEN
: "${NULLFILTER:=$(dirname "$RELAYWARDEN")/../tests/bench/nullfilter}"

: "${RW_TEST_DIR:=/tmp/rw-bench}"
export RW_TEST_DIR
# shellcheck source=../integration/lib.sh
. "$TOP/tests/integration/lib.sh"
rw_init bench postfix postconf postqueue smtp-source smtp-sink unbound dig ss cc \
    /usr/bin/python3
PY=/usr/bin/python3

# ---------------------------------------------------------------- ports
P_NONE=25400 P_NULL=25401 P_1LIST=25402 P_SAMPLE=25403 P_AGAINST=25404 P_SINK=25405
M_NULL=25410 M_1LIST=25411 M_SAMPLE=25412 M_AGAINST=25413
P_DNS=25420 P_SLOW=25421 P_DEAD=25499
rw_ports_free $P_NONE $P_NULL $P_1LIST $P_SAMPLE $P_SINK $M_NULL $M_1LIST $M_SAMPLE $P_DNS $P_SLOW
if ss -Hlun "( sport = :$P_DNS or sport = :$P_SLOW )" | grep -q .; then
	fail "udp port $P_DNS or $P_SLOW in use"; rw_summary
fi
PF=$T/pf
VARIANTS="none null rw-1list rw-sample"
declare -A SMTP_PORT=([none]=$P_NONE [null]=$P_NULL [rw-1list]=$P_1LIST [rw-sample]=$P_SAMPLE)
declare -A LABEL=([none]="no milter" [null]="null libmilter filter"
	[rw-1list]="relaywarden, 1 list + SPF" [rw-sample]="relaywarden, sample config")
if [ "$SOCKET" = inet ]; then
	declare -A MSOCK=([null]=inet:$M_NULL@127.0.0.1 [rw-1list]=inet:$M_1LIST@127.0.0.1
		[rw-sample]=inet:$M_SAMPLE@127.0.0.1 [rw-against]=inet:$M_AGAINST@127.0.0.1)
	declare -A PFSOCK=([null]=inet:127.0.0.1:$M_NULL [rw-1list]=inet:127.0.0.1:$M_1LIST
		[rw-sample]=inet:127.0.0.1:$M_SAMPLE [rw-against]=inet:127.0.0.1:$M_AGAINST)
else
	declare -A MSOCK=([null]=unix:$T/run/null.sock [rw-1list]=unix:$T/run/rw-1list.sock
		[rw-sample]=unix:$T/run/rw-sample.sock [rw-against]=unix:$T/run/rw-against.sock)
	declare -A PFSOCK=([null]=unix:$T/run/null.sock [rw-1list]=unix:$T/run/rw-1list.sock
		[rw-sample]=unix:$T/run/rw-sample.sock [rw-against]=unix:$T/run/rw-against.sock)
fi
if [ -n "$AGAINST" ]; then
	rw_ports_free $P_AGAINST $M_AGAINST
	# next to rw-1list, so that the pair runs as close in time as it can
	VARIANTS="none null rw-1list rw-against rw-sample"
	SMTP_PORT[rw-against]=$P_AGAINST LABEL[rw-against]="relaywarden (against), 1 list + SPF"
fi

# ---------------------------------------------------------------- tools
[ -x "$NULLFILTER" ] || { fail "no null filter at $NULLFILTER (make check builds it)"; rw_summary; }
cc -O2 -shared -fPIC -o "$T/run/proxyshim.so" "$BENCH_HERE/proxyshim.c" -ldl 2>"$T/log/cc.log" ||
    { fail "proxyshim.c did not build: $(head -3 "$T/log/cc.log")"; rw_summary; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# ratio A B - A / B with two decimals, "-" when either is missing
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
# xratio A B - "0.42×", "-" when either is missing
xratio() { local r; r=$(ratio "$1" "$2"); if [ "$r" = - ]; then echo -; else echo "$r×"; fi; }
# mib KB - "12.3 MiB", "-" when missing
mib() { awk -v k="$1" 'BEGIN { if (k == "-" || k == "") print "-"; else printf "%.1f MiB", k / 1024 }'; }
kv() { sed -n "s/.*\\b$1=\\([-0-9]*\\).*/\\1/p" "$2"; }

# ---------------------------------------------------------------- DNS zones
# bench.test: the clients' forward names (c-X-Y.clients -> 198.18.X.Y), SPF
# for the sender and HELO domains, the lists; 18.198.in-addr.arpa: the
# clients' PTRs. Lists answer 127.0.0.2 for the RFC 5782 test points only,
# so every client is unlisted and every message is accepted.
ZD=$T/zones
mkdir -p "$ZD"
{
	printf '$TTL 3600\n@ SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 300\n'
	printf '@ NS ns.bench.test.\nns A 127.0.0.1\n'
	printf 'sender TXT "v=spf1 ip4:198.18.0.0/15 -all"\n'
	printf 'client TXT "v=spf1 ip4:198.18.0.0/15 -all"\n'
	printf 'client A 198.18.0.1\n'
	for l in zen dnswl bl; do
		printf '2.0.0.127.%s A 127.0.0.2\n2.0.0.127.%s TXT "test point of %s"\n' "$l" "$l" "$l"
	done
	printf 'test.dbl A 127.0.0.2\ntest.dbl TXT "test point of dbl"\n'
	awk 'BEGIN { for (x = 0; x < 17; x++) for (y = 0; y < 256; y++)
		printf "c-%d-%d.clients A 198.18.%d.%d\n", x, y, x, y }'
} >"$ZD/bench.test.zone"
{
	printf '$TTL 3600\n@ SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 300\n'
	printf '@ NS ns.bench.test.\n'
	awk 'BEGIN { for (x = 0; x < 17; x++) for (y = 0; y < 256; y++)
		printf "%d.%d PTR c-%d-%d.clients.bench.test.\n", y, x, x, y }'
} >"$ZD/18.198.in-addr.arpa.zone"
cat >"$T/unbound.conf" <<EOF
# the benchmark's DNS server (tests/bench/run.sh): auth zones only, one log
# line per query, nothing forwarded anywhere but a dead loopback port
server:
    interface: 127.0.0.1@$P_DNS
    port: $P_DNS
    access-control: 127.0.0.0/8 allow
    do-ip6: no
    username: ""
    chroot: ""
    directory: "$T"
    pidfile: "$T/run/unbound.self.pid"
    do-daemonize: no
    use-syslog: no
    logfile: "$T/log/unbound.log"
    verbosity: 0
    log-queries: yes
    num-threads: 1
    module-config: "iterator"
    qname-minimisation: no
    outgoing-interface: 127.0.0.1
    do-not-query-localhost: no
    local-zone: "test." nodefault
auth-zone:
    name: "bench.test."
    zonefile: "$ZD/bench.test.zone"
    for-downstream: yes
    for-upstream: yes
    fallback-enabled: no
auth-zone:
    name: "18.198.in-addr.arpa."
    zonefile: "$ZD/18.198.in-addr.arpa.zone"
    for-downstream: yes
    for-upstream: yes
    fallback-enabled: no
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@$P_DEAD
EOF
if ! unbound-checkconf "$T/unbound.conf" >"$T/log/unbound-checkconf.log" 2>&1; then
	fail "unbound.conf: $(head -3 "$T/log/unbound-checkconf.log")"; rw_summary
fi
rw_bg unbound "$T/log/unbound.out" unbound -d -c "$T/unbound.conf"
dns_up() { [ "$(dig +time=1 +tries=1 -p $P_DNS @127.0.0.1 c-16-255.clients.bench.test A +short 2>/dev/null)" = 198.18.16.255 ]; }
rw_wait 15 dns_up || { fail "unbound did not answer (see $T/log/unbound.out)"; rw_summary; }
check "DNS: FCrDNS for 198.18.3.7" test "$(dig +short -p $P_DNS @127.0.0.1 -x 198.18.3.7)" = c-3-7.clients.bench.test.
# dnsq - queries unbound has logged so far
dnsq() { grep -c ' info: 127\.0\.0\.1 ' "$T/log/unbound.log"; }
# dnsq_types FROM - "N (TYPE n, ...)" of the queries logged after line FROM
dnsq_types() {
	grep ' info: 127\.0\.0\.1 ' "$T/log/unbound.log" | tail -n +"$(($1 + 1))" |
	    awk '{ t[$(NF - 1)]++; n++ } END { s = ""; for (k in t) s = s (s == "" ? "" : " ") k " " t[k];
		printf "%d%s\n", n, n ? " (" s ")" : "" }'
}

# dnsq_names FROM - "TYPE name, ..." of those queries, the client's own
# names shown as CLIENT (c-X-Y.clients...) and REV (its reverse address)
dnsq_names() {
	grep ' info: 127\.0\.0\.1 ' "$T/log/unbound.log" | tail -n +"$(($1 + 1))" |
	    awk '{ print $(NF - 1), $(NF - 2) }' |
	    sed -E 's/^([A-Z]+) [0-9]+\.[0-9]+\.[0-9]+\.198\./\1 REV./; s/c-[0-9]+-[0-9]+\./CLIENT./; s/\.$//' |
	    paste -sd, - | sed 's/,/, /g'
}

# ---------------------------------------------------------------- configurations
# conf_1list [VARIANT] - rw-1list's configuration, on VARIANT's socket
conf_1list() {
	cat <<EOF
# relaywarden benchmark: relay control, one list, SPF of MAIL FROM
socket = ${MSOCK[${1:-rw-1list}]}
socket_mode = 0666
pidfile =
local_domains = example.test
dns_servers = 127.0.0.1:$P_DNS
rdns_check = off
dnsbl = zen.bench.test
spf_check = yes
spf_check_helo = no
EOF
}
conf_sample() {
	echo "# contrib/relaywarden.conf.sample, daemon keys replaced, lists on local zones"
	sed -e '/^socket[[:space:]]*=/d' -e '/^socket_mode[[:space:]]*=/d' \
	    -e '/^socket_group[[:space:]]*=/d' -e '/^user[[:space:]]*=/d' \
	    -e '/^pidfile[[:space:]]*=/d' -e '/^dns_servers[[:space:]]*=/d' \
	    "$TOP/contrib/relaywarden.conf.sample"
	cat <<EOF
# ---- tests/bench/run.sh ----
socket = ${MSOCK[rw-sample]}
socket_mode = 0666
pidfile =
dns_servers = 127.0.0.1:$P_DNS
EOF
	# the sample's commented examples, on local zones
	sed -n -e 's/^# \(dnsbl = zen\.spamhaus\.org.*\)/\1/p' "$TOP/contrib/relaywarden.conf.sample" |
	    sed -e 's/zen\.spamhaus\.org/zen.bench.test/; s/list\.dnswl\.org/dnswl.bench.test/'
	sed -n -e 's/^# \(rhsbl_sender = dbl\.example\.net\)/\1/p' "$TOP/contrib/relaywarden.conf.sample" |
	    sed -e 's/dbl\.example\.net/dbl.bench.test/'
}
conf_1list >"$T/rw-1list.conf"
conf_sample >"$T/rw-sample.conf"
[ -z "$AGAINST" ] || conf_1list rw-against >"$T/rw-against.conf"
check "the sample's dnsbl and rhsbl_sender examples found and pointed at bench.test" \
    test "$(grep -c '^\(dnsbl\|rhsbl_sender\) = .*bench\.test' "$T/rw-sample.conf")" -eq 2
# daemon_of VARIANT - the relaywarden binary that variant runs
daemon_of() { if [ "$1" = rw-against ]; then echo "$AGAINST"; else echo "$RELAYWARDEN"; fi; }
for v in rw-1list rw-sample ${AGAINST:+rw-against}; do
	"$(daemon_of "$v")" -t -c "$T/$v.conf" >"$T/log/$v-t.out" 2>&1 ||
	    { fail "$v.conf: $(head -3 "$T/log/$v-t.out")"; rw_summary; }
done

# ---------------------------------------------------------------- milters
# mstart VARIANT [SOCKET] - a fresh milter under rusage.py; MPID its PID
mstart() {
	local v=$1 sock=${2:-${MSOCK[$1]}} stop=TERM cmd
	rm -f "$T/run/$v.rusage" "$T/run/$v.cpid"
	case $v in
	null) cmd=("$NULLFILTER" -p "$sock"); stop=${NULL_STOP:-KILL} ;;
	*) cmd=("$(daemon_of "$v")" -f -c "$T/$v.conf" -p "$sock") ;;
	esac
	rw_bg "m-$v" "$T/log/$v.log" "$PY" "$BENCH_HERE/rusage.py" --out "$T/run/$v.rusage" \
	    --pidfile "$T/run/$v.cpid" --stop-signal "$stop" -- "${cmd[@]}"
	case $v in rw-*) RW_DAEMONS="$RW_DAEMONS m-$v" ;; esac
	rw_wait 10 test -s "$T/run/$v.cpid" || { fail "$v: did not start"; return 1; }
	MPID=$(cat "$T/run/$v.cpid")
	if ! rw_wait 10 rw_socket_ready "$sock"; then
		fail "$v: no socket $sock after 10 s ($T/log/$v.log)"
		return 1
	fi
}
# mstop VARIANT - stop it, wait for rusage.py's line
mstop() {
	rw_stop "m-$1"
	rw_wait 5 test -s "$T/run/$1.rusage"
}
# cpu_ticks PID - utime + stime of the whole process, clock ticks
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# ctxsw PID - "voluntary involuntary" summed over its live threads
ctxsw() {
	cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ { v += $2 }
		/^nonvoluntary_ctxt_switches/ { n += $2 } END { print v + 0, n + 0 }'
}
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }
TICK_MS=$((1000 / $(getconf CLK_TCK)))

# ---------------------------------------------------------------- Postfix
bench_master() {
	local v
	for v in $VARIANTS; do
		echo "127.0.0.1:${SMTP_PORT[$v]} inet n - n - - smtpd"
		echo "  -o syslog_name=postfix/$v"
		echo "  -o smtpd_upstream_proxy_protocol=haproxy"
		if [ "$v" = none ]; then echo "  -o smtpd_milters="; else echo "  -o smtpd_milters=${PFSOCK[$v]}"; fi
	done
}
bench_main() {
	cat <<EOF
default_process_limit = 200
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
EOF
}
if ! skipped throughput || ! skipped dns; then
	mkdir -p "$T/sink"
	rw_bg sink "$T/log/sink.log" smtp-sink -u nobody -h sink.bench.test "127.0.0.1:$P_SINK" 256
	rw_wait 10 rw_tcp_listening $P_SINK || { fail "smtp-sink did not start"; rw_summary; }
	rw_postfix_setup "$PF" $P_SINK ipv4 "" bench_master bench_main
	# shellcheck disable=SC2046
	rw_postfix_start "$PF" $(for v in $VARIANTS; do echo "${SMTP_PORT[$v]}"; done)
fi
queue_empty() { postqueue -c "$PF/etc" -p 2>/dev/null | grep -q 'Mail queue is empty'; }
drain() { rw_wait 180 queue_empty || fail "Postfix's queue did not drain in 180 s"; }

# source VARIANT MESSAGES SESSIONS SKIP - smtp-source through that smtpd,
# clients from SKIP on; SRC_MS its wall time; fails unless all accepted
source_run() {
	local v=$1 t0 rc
	t0=$(now_ms)
	RW_PROXY_PORTS=${SMTP_PORT[$v]} RW_PROXY_BASE=198.18.0.1 RW_PROXY_COUNT=$CLIENTS \
	    RW_PROXY_SKIP=$4 LD_PRELOAD=$T/run/proxyshim.so \
	    smtp-source -s "$3" -m "$2" -l 1024 -M client.bench.test -f sender@sender.bench.test \
	    -t rcpt@example.test "127.0.0.1:${SMTP_PORT[$v]}" >"$T/log/source-$v.out" 2>&1
	rc=$?
	SRC_MS=$(($(now_ms) - t0))
	if [ $rc -ne 0 ]; then
		fail "$v: smtp-source exit $rc: $(tail -2 "$T/log/source-$v.out" | tr '\n' ' ')"
		return 1
	fi
}

declare -A R_RATE R_CPU R_VOL R_INV R_DNS R_STOP
# ---------------------------------------------------------------- throughput
bench_date=$(date -u '+%Y-%m-%d %H:%M UTC')
echo "# ================================================================"
echo "# relaywarden benchmark, $bench_date, commit $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "# machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r)"
echo "# Postfix $(postconf -c "$PF/etc" -h mail_version 2>/dev/null || echo '?'), libmilter $(dpkg-query -W -f='${Version}' libmilter1.0.1 2>/dev/null || echo '?'), unbound $(unbound -V 2>/dev/null | sed -n 's/^Version //p')"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# load: $MESSAGES messages x ${ROUNDS} rounds, $SESSIONS sessions, 1 KiB, $WARMUP warm-up, milter socket $SOCKET, $CLIENTS client addresses"
[ -z "$AGAINST" ] || echo "# against: $AGAINST (rw-against)"
if ! skipped throughput; then
	echo "# round variant          msg/s  cpu_ms/msg  vol/msg  invol/msg  dns/msg  stop_ms"
	for r in $(seq "$ROUNDS"); do
		order=$VARIANTS
		# the pair swaps places every other round: neither always goes first
		[ $((r % 2)) -eq 1 ] || order=${VARIANTS/rw-1list rw-against/rw-against rw-1list}
		for v in $order; do
			if [ "$v" != none ]; then mstart "$v" || continue; fi
			source_run "$v" "$WARMUP" "$SESSIONS" 0 || { [ "$v" = none ] || mstop "$v"; continue; }
			drain
			if [ "$v" != none ]; then c0=$(cpu_ticks "$MPID"); read -r vol0 inv0 <<<"$(ctxsw "$MPID")"; fi
			q0=$(dnsq)
			source_run "$v" "$MESSAGES" "$SESSIONS" "$WARMUP" || { [ "$v" = none ] || mstop "$v"; continue; }
			rate=$(awk -v m="$MESSAGES" -v ms="$SRC_MS" 'BEGIN { printf "%.1f", m * 1000 / ms }')
			cpu=- vol=- inv=- stop=-
			if [ "$v" != none ]; then
				c1=$(cpu_ticks "$MPID")
				sleep 0.2
				mstop "$v"
				f=$T/run/$v.rusage
				cpu=$(awk -v d=$((c1 - c0)) -v t="$TICK_MS" -v m="$MESSAGES" 'BEGIN { printf "%.3f", d * t / m }')
				vol=$(awk -v a="$(kv nvcsw "$f")" -v b="$vol0" -v m="$MESSAGES" 'BEGIN { printf "%.2f", (a - b) / m }')
				inv=$(awk -v a="$(kv nivcsw "$f")" -v b="$inv0" -v m="$MESSAGES" 'BEGIN { printf "%.2f", (a - b) / m }')
				stop=$(kv stop_ms "$f")
				[ "$v" = null ] && stop=-
			fi
			dns=$(awk -v a="$(dnsq)" -v b="$q0" -v m="$MESSAGES" 'BEGIN { printf "%.2f", (a - b) / m }')
			printf '# %5s %-14s %7s %11s %8s %10s %8s %8s\n' "$r" "$v" "$rate" "$cpu" "$vol" "$inv" "$dns" "$stop"
			R_RATE[$v]="${R_RATE[$v]:-} $rate" R_CPU[$v]="${R_CPU[$v]:-} $cpu"
			R_VOL[$v]="${R_VOL[$v]:-} $vol" R_INV[$v]="${R_INV[$v]:-} $inv"
			R_DNS[$v]="${R_DNS[$v]:-} $dns" R_STOP[$v]="${R_STOP[$v]:-} $stop"
			drain
		done
	done
	rejects=$(grep -c 'milter-reject' "$T/log/postfix.log")
	check "no message refused by a milter ($rejects milter-reject lines)" test "$rejects" -eq 0
fi

# ---------------------------------------------------------------- DNS queries per message
declare -A D_COLD D_NEW D_AGAIN D_NAMES
if ! skipped dns; then
	echo "# DNS queries for one message through Postfix (unbound's log): cold / new client / same client again"
	for v in rw-1list rw-sample; do
		mstart "$v" || continue
		sleep 1		# the list probes at start
		q=$(dnsq); source_run "$v" 1 1 4000 && sleep 0.3 && D_COLD[$v]=$(dnsq_types "$q")
		q=$(dnsq); source_run "$v" 1 1 4001 && sleep 0.3 && D_NEW[$v]=$(dnsq_types "$q") &&
		    D_NAMES[$v]=$(dnsq_names "$q")
		q=$(dnsq); source_run "$v" 1 1 4001 && sleep 0.3 && D_AGAIN[$v]=$(dnsq_types "$q")
		mstop "$v"
		printf '#   %-10s cold: %s; new client: %s; same client: %s\n' "$v" \
		    "${D_COLD[$v]:-?}" "${D_NEW[$v]:-?}" "${D_AGAIN[$v]:-?}"
		printf '#   %-10s new client asked: %s\n' "$v" "${D_NAMES[$v]:-?}"
	done
	drain
fi
if [ -f "$PF/etc/main.cf" ]; then rw_stop postfix; rw_stop sink; fi

# ---------------------------------------------------------------- end of message
declare -A E_EOM
if ! skipped eom; then
	echo "# end-of-message step, hold.py over TCP, $EOM_N sessions one after the other (ms: p50 p99 max)"
	for v in null rw-1list rw-sample; do
		sock=${MSOCK[$v]}
		[ "$SOCKET" = inet ] || sock=inet:$M_NULL@127.0.0.1
		mstart "$v" "$sock" || continue
		"$PY" "$BENCH_HERE/hold.py" "$sock" serial "$EOM_N" --message --verbose \
		    >"$T/log/eom-$v.out" 2>&1
		mstop "$v"
		E_EOM[$v]=$(awk '$1 == "eom" { sub(/p50=/, "", $3); sub(/p99=/, "", $4); sub(/max=/, "", $5);
			printf "%.2f / %.2f / %.2f", $3 * 1000, $4 * 1000, $5 * 1000 }' "$T/log/eom-$v.out")
		printf '#   %-10s %s\n' "$v" "${E_EOM[$v]:-?}"
		check "$v: $EOM_N of $EOM_N messages passed the milter" \
		    grep -q " ok=$EOM_N failed=0 .* passed=$EOM_N\$" "$T/log/eom-$v.out"
	done
fi

# ---------------------------------------------------------------- held sessions
declare -A H_IDLE H_RSS
NULL_STOP_MS=-
if ! skipped hold; then
	echo "# RSS with sessions held at RCPT (hold.py over a unix socket, a new client each)"
	for v in null rw-1list rw-sample; do
		for n in $HOLD; do
			NULL_STOP=TERM mstart "$v" "unix:$T/run/hold-$v.sock" || continue
			sleep 0.5
			idle=$(rss_kb "$MPID")
			: >"$T/log/hold-$v-$n.out"
			"$PY" "$BENCH_HERE/hold.py" "unix:$T/run/hold-$v.sock" hold "$n" --seconds 300 \
			    >"$T/log/hold-$v-$n.out" 2>&1 &
			hpid=$!
			if rw_wait 180 grep -q '^held' "$T/log/hold-$v-$n.out"; then
				sleep 0.5
				rss=$(rss_kb "$MPID")
				H_IDLE[$v]=$idle H_RSS[$v-$n]=$rss
				printf '#   %-10s %5d held: RSS %6d kB (idle %d kB; %s)\n' "$v" "$n" "$rss" "$idle" \
				    "$(head -1 "$T/log/hold-$v-$n.out")"
				check "$v: $n sessions held, none failed" \
				    grep -q "^held $n of $n (refused [0-9]*, failed 0)" "$T/log/hold-$v-$n.out"
			else
				fail "$v: $n sessions not held in 180 s ($(tail -1 "$T/log/hold-$v-$n.out"))"
			fi
			kill -TERM "$hpid" 2>/dev/null
			wait "$hpid"
			sleep 0.3
			mstop "$v"
			[ "$v" = null ] && NULL_STOP_MS=$(kv stop_ms "$T/run/$v.rusage")
		done
	done
fi

# ---------------------------------------------------------------- slow lists, fan-out
# Twice: clients every list lists (their verdict needs the A, then the TXT
# for the reply text: two DNS delays, issue 11 item 3), and clients no
# list lists (the stub's --listed names only the RFC 5782 test point: one
# delay, the goal's "5 lists x 200 ms -> verdict").
SLOW1=- FAN=- SLOWQ1=- SLOWQ2=- USLOW1=- UFAN=-
# slow_lists KIND [STUB_ARGS...] - the figures of one kind of client
# (listed or unlisted): SLOW1, FAN, SLOWQ1, SLOWQ2 or USLOW1, UFAN
slow_lists() {
	local kind=$1 base b out drops0 drops sum p50s="" p99s="" maxs="" q0 q1 q2 one fan
	shift
	case $kind in listed) base=32 ;; *) base=64 ;; esac
	# shellcheck disable=SC2086
	rw_bg stub "$T/log/stub-$kind.log" "$PY" "$TOP/tests/dns/dnsstub.py" --count-file "$T/run/stub.count" \
	    $zargs "$@" delay:200 "127.0.0.1:$P_SLOW"
	rw_wait 10 sh -c "ss -Hlun '( sport = :$P_SLOW )' | grep -q ." || { fail "dnsstub did not start"; rw_summary; }
	if mstart rw-slow "unix:$T/run/rw-slow.sock"; then
		"$PY" "$BENCH_HERE/hold.py" "unix:$T/run/rw-slow.sock" serial 5 --addr-base "198.18.$base.1" \
		    --verbose >"$T/log/slow-serial-$kind.out" 2>&1
		one=$(awk '$1 == "session" && $3 == "ok" { print $4 }' "$T/log/slow-serial-$kind.out" | tr '\n' ' ' | median)
		check "slow lists, $kind: 5 of 5 sessions got their verdict" grep -q ' ok=5 failed=0 ' "$T/log/slow-serial-$kind.out"
		if [ "$kind" = listed ]; then
			check "slow lists, listed: the verdict is the list refusal" \
			    test "$(grep -c '^session .* ok .* y 550 5\.7\.1 ' "$T/log/slow-serial-$kind.out")" -eq 5
		else
			check "slow lists, unlisted: every session passed" grep -q ' passed=5$' "$T/log/slow-serial-$kind.out"
		fi
		echo "#   5 lists x 200 ms, $kind client alone, connect -> RCPT verdict (s):$(awk '$1 == "session" && $3 == "ok" { printf " %s", $4 }' "$T/log/slow-serial-$kind.out"); median $one"
		# the fan-out figure swings with the machine's load: BURSTS bursts,
		# each printed, the medians of their p50, p99 and max reported
		for b in $(seq "$BURSTS"); do
			out=$T/log/slow-burst-$kind-$b.out
			drops0=$(udp_drops)
			"$PY" "$BENCH_HERE/hold.py" "unix:$T/run/rw-slow.sock" burst 100 \
			    --addr-base "198.18.$((base + 8 + b)).1" --verbose >"$out" 2>&1
			drops=$(($(udp_drops) - drops0))
			sum=$(grep '^summary ' "$out")
			p50s="$p50s $(echo "$sum" | sed -n 's/.* p50=\([0-9.]*\).*/\1/p')"
			p99s="$p99s $(echo "$sum" | sed -n 's/.* p99=\([0-9.]*\).*/\1/p')"
			maxs="$maxs $(echo "$sum" | sed -n 's/.* max=\([0-9.]*\).*/\1/p')"
			echo "#   100 $kind sessions at once, burst $b: ${sum#summary } (UDP receive-buffer drops on the machine meanwhile: $drops)"
			if [ "$kind" = listed ]; then
				check "fan-out, listed, burst $b: 100 of 100 sessions got the list refusal (5xx)" \
				    grep -q ' ok=100 failed=0 .* 5xx=100 ' "$out"
			else
				check "fan-out, unlisted, burst $b: 100 of 100 sessions passed" \
				    grep -q ' ok=100 failed=0 .* passed=100$' "$out"
			fi
		done
		fan="p50 $(echo "$p50s" | median) s, p99 $(echo "$p99s" | median) s, max $(echo "$maxs" | median) s (medians of $BURSTS bursts)"
		echo "#   100 $kind sessions at once: $fan"
		if [ "$kind" = listed ]; then
			SLOW1=$one FAN=$fan
			q0=$(stubq)
			"$PY" "$BENCH_HERE/hold.py" "unix:$T/run/rw-slow.sock" serial 1 --addr-base "198.18.$((base + 7)).1" >/dev/null 2>&1
			sleep 0.5
			q1=$(stubq)
			"$PY" "$BENCH_HERE/hold.py" "unix:$T/run/rw-slow.sock" serial 1 --addr-base "198.18.$((base + 7)).1" >/dev/null 2>&1
			sleep 0.5
			q2=$(stubq)
			SLOWQ1=$((q1 - q0)) SLOWQ2=$((q2 - q1))
			echo "#   stub queries: first session from a listed client $SLOWQ1, the same client again $SLOWQ2"
		else
			USLOW1=$one UFAN=$fan
		fi
		mstop rw-slow
	fi
	rw_stop stub
}
if ! skipped slow; then
	ZONES="bl1.bench.test bl2.bench.test bl3.bench.test bl4.bench.test bl5.bench.test"
	zargs=""
	for z in $ZONES; do zargs="$zargs --zone $z"; done
	cat >"$T/rw-slow.conf" <<EOF
# relaywarden benchmark: five lists answering after 200 ms (tests/bench/dnsbl-bench.sh's)
socket = unix:$T/run/rw-slow.sock
socket_mode = 0666
pidfile =
local_domains = example.test
dns_servers = 127.0.0.1:$P_SLOW
dns_timeout = 2s
dns_deadline = 5s
rdns_check = off
spf_check = no
spf_check_helo = no
dnsbl_probe_interval = 0
dnsbl = $(echo "$ZONES" | sed 's/ /, /g')
dnsbl_threshold = 3
EOF
	stubq() { tr -dc 0-9 <"$T/run/stub.count"; }
	# udp_drops - the machine's UDP RcvbufErrors (a stub that drops
	# queries would make the lists look slow)
	udp_drops() { awk '$1 == "Udp:" && $2 ~ /^[0-9]/ { print $6 }' /proc/net/snmp; }
	slow_lists listed
	slow_lists unlisted --listed 2.0.0.127
fi

# ---------------------------------------------------------------- summary
med() { echo "${1:-}" | median; }
NULL_RATE=$(med "${R_RATE[null]:-}") NULL_CPU=$(med "${R_CPU[null]:-}")
echo "#"
echo "# ================================================================ summary"
echo "# relaywarden benchmark, $bench_date, commit $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "# $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), Linux $(uname -r); $MESSAGES messages, $SESSIONS sessions, $ROUNDS rounds (medians), milter socket $SOCKET"
echo
printf '| milter | accepted msg/s | ÷ null | milter CPU ms/msg | ÷ null | ctx switches/msg (vol, invol) | DNS queries/msg | RSS idle | RSS %s held |\n' "$(echo $HOLD | sed 's/ / \/ /g')"
echo '|---|---|---|---|---|---|---|---|---|'
for v in $VARIANTS; do
	rate=$(med "${R_RATE[$v]:-}") cpu=$(med "${R_CPU[$v]:-}")
	rss=""
	for n in $HOLD; do rss="$rss${rss:+ / }$(mib "${H_RSS[$v-$n]:--}")"; done
	[ "$v" = none ] && rss="-"
	printf '| %s | %s | %s | %s | %s | %s, %s | %s | %s | %s |\n' "${LABEL[$v]}" "$rate" \
	    "$(xratio "$rate" "$NULL_RATE")" "$cpu" "$([ "$v" = none ] && echo - || xratio "$cpu" "$NULL_CPU")" \
	    "$(med "${R_VOL[$v]:-}")" "$(med "${R_INV[$v]:-}")" "$(med "${R_DNS[$v]:-}")" \
	    "$(mib "${H_IDLE[$v]:--}")" "$rss"
done
echo
# the same ratios round by round: each round's milters ran minutes apart,
# so a round's ratio is less moved by the machine's drift than the
# ratio of medians above, and the spread shows how far one run can be
# trusted
# per_round "A1 A2 .." "B1 B2 .." [FORMAT]: each A/B and their median,
# printed with FORMAT (default "%s (median %.2f)")
per_round() {
	local -a a b
	local i rs="" fmt=${3:-'%s (median %.2f)'}
	read -ra a <<<"$1"
	read -ra b <<<"$2"
	if [ ${#a[@]} -eq 0 ] || [ ${#a[@]} -ne ${#b[@]} ]; then echo -; return; fi
	for i in "${!a[@]}"; do rs="$rs${rs:+ }$(ratio "${a[$i]}" "${b[$i]}")"; done
	# shellcheck disable=SC2059
	printf "$fmt\n" "$rs" "$(echo "$rs" | median)"
}
if ! skipped throughput; then
	echo "÷ null round by round (msg/s; milter CPU per message):"
	for v in rw-1list rw-sample; do
		printf '  %-28s %s; %s\n' "${LABEL[$v]}:" "$(per_round "${R_RATE[$v]:-}" "${R_RATE[null]:-}")" \
		    "$(per_round "${R_CPU[$v]:-}" "${R_CPU[null]:-}")"
	done
	if [ -n "$AGAINST" ]; then
		echo "paired: rw-1list / rw-against CPU per message, per round: $(per_round \
		    "${R_CPU[rw-1list]:-}" "${R_CPU[rw-against]:-}" '%s; median %.2f')"
		echo "paired: rw-1list / rw-against accepted msg/s, per round: $(per_round \
		    "${R_RATE[rw-1list]:-}" "${R_RATE[rw-against]:-}" '%s; median %.2f')"
	fi
fi
echo "DNS queries for one message: first after start / new client / same client again"
for v in rw-1list rw-sample; do
	printf '  %-28s %s / %s / %s\n' "${LABEL[$v]}:" "${D_COLD[$v]:--}" "${D_NEW[$v]:--}" "${D_AGAIN[$v]:--}"
	printf '  %-28s new client: %s\n' "" "${D_NAMES[$v]:--}"
done
echo "end-of-message step over TCP, alone (ms, p50 / p99 / max of $EOM_N): null filter ${E_EOM[null]:--}; 1 list + SPF ${E_EOM[rw-1list]:--}; sample config ${E_EOM[rw-sample]:--}"
echo "5 lists x 200 ms, connect -> RCPT verdict, listed client (A, then TXT): $SLOW1 s alone (median of 5); 100 sessions at once: ${FAN:--}"
echo "5 lists x 200 ms, connect -> RCPT verdict, unlisted client (A): $USLOW1 s alone (median of 5); 100 sessions at once: ${UFAN:--}"
echo "  DNS queries (stub): first session from a listed client $SLOWQ1, same client again $SLOWQ2"
echo "SIGTERM -> exit, idle: relaywarden $(med "${R_STOP[rw-1list]:-} ${R_STOP[rw-sample]:-}") ms (median of its $((2 * ROUNDS)) throughput runs); null filter (libmilter alone) $NULL_STOP_MS ms"
echo
rw_summary
