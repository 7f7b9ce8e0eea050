/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_daemonconf - unit tests for the daemon's own configuration keys
 * DESCRIPTION
 *	milter/daemonconf.c: the keys only the daemon reads (socket,
 *	socket_mode, socket_group, pidfile, user, on_internal_error,
 *	log_level, dns_servers, dns_timeout, dns_retries, dns_deadline,
 *	dns_cache_size, use_mta_ptr, dnsbl_probe_interval, metrics_listen),
 *	parsed with
 *	the core's from one text by rw_daemon_conf_parse(), and the
 *	summary "relaywarden -t" prints. Linked with policy/libpolicy.a
 *	only: no libmilter, no c-ares.
 *
 *	Table-driven, a label per row, "got X, want Y" messages. Error rows
 *	give the "file:line:" the report must hold and, where useful, the
 *	offending word, as in tests/check_config.c and tests/check_dns.c,
 *	where these rows were before the keys left the core.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemonconf.h"
#include "rw_policy.h"

#define SOURCE	"test.conf"
#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* parse - a text that must parse; the caller frees both parts */
static struct rw_config *
parse(const char *label, const char *text, struct rw_daemon_conf *dc)
{
	struct rw_config *cfg;
	char	err[RW_ERR_MAX];

	strcpy(err, "");
	cfg = rw_daemon_conf_parse(text, SOURCE, NULL, NULL, dc, err,
	    sizeof(err));
	ck_assert_msg(cfg != NULL, "%s: got errors \"%s\", want none", label,
	    err);
	return cfg;
}

/* ------------------------------------------------------------ defaults */

static void
want_defaults(const char *label, const struct rw_daemon_conf *dc)
{
	ck_assert_msg(dc->on_internal_error == RW_ACT_TEMPFAIL,
	    "%s: on_internal_error: got %d, want RW_ACT_TEMPFAIL", label,
	    dc->on_internal_error);
	ck_assert_msg(!dc->log_debug, "%s: log_debug: got true, want false",
	    label);
	ck_assert_msg(dc->socket != NULL && strcmp(dc->socket,
	    "unix:/run/relaywarden/relaywarden.sock") == 0, "%s: socket: got "
	    "%s, want unix:/run/relaywarden/relaywarden.sock", label,
	    dc->socket ? dc->socket : "NULL");
	ck_assert_msg(dc->socket_mode == 0660, "%s: socket_mode: got %o, "
	    "want 660", label, dc->socket_mode);
	ck_assert_msg(dc->socket_group != NULL && dc->socket_group[0] == '\0',
	    "%s: socket_group: got %s, want none", label,
	    dc->socket_group ? dc->socket_group : "NULL");
	ck_assert_msg(dc->pidfile != NULL && strcmp(dc->pidfile,
	    "/run/relaywarden/relaywarden.pid") == 0, "%s: pidfile: got %s, "
	    "want /run/relaywarden/relaywarden.pid", label,
	    dc->pidfile ? dc->pidfile : "NULL");
	ck_assert_msg(dc->user != NULL && dc->user[0] == '\0', "%s: user: got "
	    "%s, want none", label, dc->user ? dc->user : "NULL");
	ck_assert_msg(dc->dnsbl_probe_interval == 300, "%s: probe interval: "
	    "got %u, want 300", label, dc->dnsbl_probe_interval);
	ck_assert_msg(dc->dns_servers == NULL, "%s: dns_servers: got \"%s\", "
	    "want NULL (resolv.conf)", label, dc->dns_servers);
	ck_assert_msg(dc->metrics_listen != NULL && dc->metrics_listen[0] ==
	    '\0', "%s: metrics_listen: got \"%s\", want \"\" (off)", label,
	    dc->metrics_listen != NULL ? dc->metrics_listen : "NULL");
	ck_assert_msg(dc->dns_timeout_ms == 2000, "%s: dns_timeout: got %u, "
	    "want 2000", label, dc->dns_timeout_ms);
	ck_assert_msg(dc->dns_retries == 1, "%s: dns_retries: got %u, want 1",
	    label, dc->dns_retries);
	ck_assert_msg(dc->dns_deadline_ms == 8000, "%s: dns_deadline: got %u, "
	    "want 8000", label, dc->dns_deadline_ms);
	ck_assert_msg(dc->dns_cache_size == 10000, "%s: dns_cache_size: got "
	    "%u, want 10000", label, dc->dns_cache_size);
	ck_assert_msg(!dc->use_mta_ptr, "%s: use_mta_ptr: got yes, want no",
	    label);
	ck_assert_msg(dc->session_timeout_ms == 330000, "%s: session_timeout: "
	    "got %u, want 330000", label, dc->session_timeout_ms);
	ck_assert_msg(dc->drain_time_ms == 10000, "%s: drain_time: got %u, "
	    "want 10000", label, dc->drain_time_ms);
	ck_assert_msg(dc->max_sessions == 0, "%s: max_sessions: got %u, want "
	    "0 (from the descriptor limit)", label, dc->max_sessions);
}

static const char *const default_texts[] = {
	"",
	"# nothing\n\n   \n\t# here\n",
};

START_TEST(test_daemon_defaults)
{
	struct rw_daemon_conf dc;
	struct rw_config *cfg;
	char	label[64];

	snprintf(label, sizeof(label), "defaults from text %d", _i);
	cfg = parse(label, default_texts[_i], &dc);
	want_defaults(label, &dc);
	ck_assert_msg(cfg->mode == RW_MODE_ENFORCE && cfg->max_recipients ==
	    100, "%s: core defaults: got mode %d, max_recipients %u", label,
	    cfg->mode, cfg->max_recipients);
	rw_config_free(cfg);
	rw_daemon_conf_free(&dc);
	ck_assert_msg(dc.socket == NULL && dc.pidfile == NULL &&
	    dc.dns_servers == NULL, "%s: rw_daemon_conf_free: got fields "
	    "left, want all released", label);
}
END_TEST

/* ------------------------------------------------------------ values */

struct value_case {
	const char	*label;
	const char	*text;
	void		(*check)(const char *,
			    const struct rw_daemon_conf *);
};

static void
v_accept(const char *l, const struct rw_daemon_conf *c)
{
	ck_assert_msg(c->on_internal_error == RW_ACT_ACCEPT,
	    "%s: on_internal_error: got %d, want RW_ACT_ACCEPT", l,
	    c->on_internal_error);
}

static void
v_debug(const char *l, const struct rw_daemon_conf *c)
{
	ck_assert_msg(c->log_debug, "%s: log_debug: got false, want true", l);
}

static void
v_mode600(const char *l, const struct rw_daemon_conf *c)
{
	ck_assert_msg(c->socket_mode == 0600, "%s: socket_mode: got %o, want "
	    "600", l, c->socket_mode);
}

static void
v_sock_inet(const char *l, const struct rw_daemon_conf *c)
{
	ck_assert_msg(c->socket && strcmp(c->socket, "inet:8891@127.0.0.1")
	    == 0, "%s: socket: got %s, want inet:8891@127.0.0.1", l,
	    c->socket ? c->socket : "NULL");
}

static void
v_sock_hash(const char *l, const struct rw_daemon_conf *c)
{
	ck_assert_msg(c->socket && strcmp(c->socket, "unix:/tmp/a#b") == 0,
	    "%s: socket: got %s, want unix:/tmp/a#b", l,
	    c->socket ? c->socket : "NULL");
}

static void
v_sock_comment(const char *l, const struct rw_daemon_conf *c)
{
	ck_assert_msg(c->socket && strcmp(c->socket, "unix:/tmp/x.sock") == 0,
	    "%s: socket: got %s, want unix:/tmp/x.sock", l,
	    c->socket ? c->socket : "NULL");
}

static void
v_nopid(const char *l, const struct rw_daemon_conf *c)
{
	ck_assert_msg(c->pidfile == NULL || c->pidfile[0] == '\0',
	    "%s: pidfile: got %s, want none", l, c->pidfile);
}

static void
v_process(const char *l, const struct rw_daemon_conf *c)
{
	ck_assert_msg(c->socket_group && strcmp(c->socket_group, "postfix") ==
	    0, "%s: socket_group: got %s, want postfix", l,
	    c->socket_group ? c->socket_group : "NULL");
	ck_assert_msg(c->user && strcmp(c->user, "relaywarden") == 0,
	    "%s: user: got %s, want relaywarden", l,
	    c->user ? c->user : "NULL");
}

static void
v_metrics4(const char *l, const struct rw_daemon_conf *c)
{
	ck_assert_msg(c->metrics_listen && strcmp(c->metrics_listen,
	    "127.0.0.1:9367") == 0, "%s: metrics_listen: got %s, want "
	    "127.0.0.1:9367", l, c->metrics_listen ? c->metrics_listen : "NULL");
}

static void
v_metrics6(const char *l, const struct rw_daemon_conf *c)
{
	ck_assert_msg(c->metrics_listen && strcmp(c->metrics_listen,
	    "[::1]:9367") == 0, "%s: metrics_listen: got %s, want [::1]:9367",
	    l, c->metrics_listen ? c->metrics_listen : "NULL");
}

static const struct value_case value_cases[] = {
	{ "metrics_listen IPv4", "metrics_listen = 127.0.0.1:9367\n",
	    v_metrics4 },
	{ "metrics_listen IPv6", "metrics_listen = [::1]:9367\n", v_metrics6 },
	{ "on_internal_error accept", "on_internal_error = accept\n",
	    v_accept },
	{ "log_level debug", "log_level = debug\n", v_debug },
	{ "socket_mode octal", "socket_mode = 0600\n", v_mode600 },
	{ "inet socket", "socket = inet:8891@127.0.0.1\n", v_sock_inet },
	{ "# inside a word is not a comment", "socket = unix:/tmp/a#b\n",
	    v_sock_hash },
	{ "# after a blank is a comment", "socket = unix:/tmp/x.sock # c\n",
	    v_sock_comment },
	{ "empty pidfile", "pidfile =\n", v_nopid },
	{ "socket_group and user", "socket_group = postfix\n"
	    "user = relaywarden\n", v_process },
};

START_TEST(test_daemon_values)
{
	const struct value_case *c = &value_cases[_i];
	struct rw_daemon_conf dc;
	struct rw_config *cfg;

	cfg = parse(c->label, c->text, &dc);
	c->check(c->label, &dc);
	rw_config_free(cfg);
	rw_daemon_conf_free(&dc);
}
END_TEST

/* The session keys: timeout, drain time, cap. */
START_TEST(test_daemon_session_values)
{
	struct rw_daemon_conf dc;
	struct rw_config *cfg = parse("sessions",
	    "session_timeout = 2s\n"
	    "drain_time = 0\n"
	    "max_sessions = 500\n", &dc);

	ck_assert_uint_eq(dc.session_timeout_ms, 2000);
	ck_assert_uint_eq(dc.drain_time_ms, 0);
	ck_assert_uint_eq(dc.max_sessions, 500);
	rw_config_free(cfg);
	rw_daemon_conf_free(&dc);
}
END_TEST

/* The resolver's keys among the core's DNS keys, as in one real file. */
START_TEST(test_daemon_dns_values)
{
	struct rw_daemon_conf dc;
	struct rw_config *cfg = parse("values",
	    "dns_servers = 127.0.0.1:5353, [::1]:53 192.0.2.1,[2001:db8::53]\n"
	    "dns_timeout = 500ms\n"
	    "dns_deadline = 3s\n"
	    "dns_retries = 0\n"
	    "dns_cache_size = 0\n"
	    "dns_fail_open = yes\n"
	    "dns_verdict_stage = MAIL\n"
	    "authserv_id = mx.ours.test\n"
	    "use_mta_ptr = yes\n"
	    "rdns_check = reject\n"
	    "rdns_require_forward = no\n"
	    "dnsbl = zen.example=127.0.0.[2..11]*2, wl.example*-3\n"
	    "rhsbl_sender = dbl.example\n"
	    "rhsbl_helo = helo.example\n"
	    "rhsbl_client = ptr.example*4\n"
	    "dnsbl_threshold = 3\n"
	    "dnsbl_action = tag\n"
	    "dnsbl_probe_interval = 10\n"
	    "exempt_recipients = postmaster@, Hostmaster@Ours.Test\n", &dc);

	ck_assert_str_eq(dc.dns_servers,
	    "127.0.0.1:5353,[::1]:53,192.0.2.1,[2001:db8::53]");
	ck_assert_uint_eq(dc.dns_timeout_ms, 500);
	ck_assert_uint_eq(dc.dns_deadline_ms, 3000);
	ck_assert_uint_eq(dc.dns_retries, 0);
	ck_assert_uint_eq(dc.dns_cache_size, 0);
	ck_assert(dc.use_mta_ptr);
	ck_assert_uint_eq(dc.dnsbl_probe_interval, 10);
	/* the core's keys of the same text */
	ck_assert(cfg->dns_fail_open);
	ck_assert_int_eq(cfg->dns_verdict_stage, RW_STAGE_MAIL);
	ck_assert_msg(cfg->ndnsbl == 5 && cfg->dnsbl[4].line == 15,
	    "lists: got %zu, the last at line %u, want 5, line 15",
	    cfg->ndnsbl, cfg->ndnsbl == 5 ? cfg->dnsbl[4].line : 0);
	rw_config_free(cfg);
	rw_daemon_conf_free(&dc);
}
END_TEST

struct dur_case {
	const char	*label;
	const char	*value;
	unsigned int	 want;
};

static const struct dur_case dur_cases[] = {
	{ "milliseconds", "500ms", 500 },
	{ "seconds", "2s", 2000 },
	{ "bare number is milliseconds", "750", 750 },
	{ "lower bound", "10ms", 10 },
	{ "upper bound", "600s", 600000 },
};

START_TEST(test_daemon_durations)
{
	const struct dur_case *c = &dur_cases[_i];
	struct rw_daemon_conf dc;
	struct rw_config *cfg;
	char	text[128];

	snprintf(text, sizeof(text), "dns_timeout = %s\n", c->value);
	cfg = parse(c->label, text, &dc);
	ck_assert_msg(dc.dns_timeout_ms == c->want, "%s: \"%s\": got %u, want "
	    "%u", c->label, c->value, dc.dns_timeout_ms, c->want);
	rw_config_free(cfg);
	rw_daemon_conf_free(&dc);
}
END_TEST

/* ------------------------------------------------------------ errors */

struct err_case {
	const char	*label;
	const char	*text;
	const char	*where;		/* "test.conf:N:" */
	const char	*word;		/* in the report (NULL: anything) */
};

#define L1	"# DNS settings\n"

static const struct err_case err_cases[] = {
	/* were in tests/check_config.c */
	{ "bad on_internal_error", "on_internal_error = reject\n",
	    SOURCE ":1:", NULL },
	{ "bad log_level", "log_level = chatty\n", SOURCE ":1:", NULL },
	{ "bad socket_mode", "socket_mode = 0999\n", SOURCE ":1:", NULL },
	/* were in tests/check_dns.c */
	{ "server: port 0", L1 "dns_servers = 127.0.0.1:0\n", SOURCE ":2:",
	    "127.0.0.1:0" },
	{ "server: port 65536", L1 "dns_servers = 127.0.0.1:65536\n",
	    SOURCE ":2:", "65536" },
	{ "server: empty port", L1 "dns_servers = 127.0.0.1:\n", SOURCE ":2:",
	    "dns_servers" },
	{ "server: bare IPv6 with port", L1 "dns_servers = ::1:53\n",
	    SOURCE ":2:", "::1:53" },
	{ "server: unclosed bracket", L1 "dns_servers = [::1\n", SOURCE ":2:",
	    "[::1" },
	{ "server: junk after bracket", L1 "dns_servers = [::1]x\n",
	    SOURCE ":2:", "[::1]x" },
	{ "server: host name", L1 "dns_servers = ns.example.test\n",
	    SOURCE ":2:", "ns.example.test" },
	{ "server: bad address", L1 "dns_servers = 300.1.1.1\n", SOURCE ":2:",
	    "300.1.1.1" },
	{ "server: one bad among good", L1
	    "dns_servers = 127.0.0.1, 1.2.3.4:x\n", SOURCE ":2:", "1.2.3.4:x" },
	{ "duration: too short", L1 "dns_timeout = 5ms\n", SOURCE ":2:",
	    "dns_timeout" },
	{ "duration: too long", L1 "dns_deadline = 601s\n", SOURCE ":2:",
	    "dns_deadline" },
	{ "duration: minutes", L1 "dns_timeout = 2m\n", SOURCE ":2:", "2m" },
	{ "session_timeout: under 1s", L1 "session_timeout = 500ms\n",
	    SOURCE ":2:", "session_timeout" },
	{ "session_timeout: over 1h", L1 "session_timeout = 3601s\n",
	    SOURCE ":2:", "session_timeout" },
	{ "drain_time: over 300s", L1 "drain_time = 301s\n", SOURCE ":2:",
	    "drain_time" },
	{ "max_sessions: not a number", L1 "max_sessions = many\n",
	    SOURCE ":2:", "max_sessions" },
	{ "duration: negative", L1 "dns_timeout = -1s\n", SOURCE ":2:",
	    "dns_timeout" },
	{ "duration: space before unit", L1 "dns_timeout = 2 s\n", SOURCE ":2:",
	    "dns_timeout" },
	{ "duration: empty", L1 "dns_deadline =\n", SOURCE ":2:",
	    "dns_deadline" },
	{ "duration: out of range", L1 "dns_timeout = 99999999999999999999s\n",
	    SOURCE ":2:", "dns_timeout" },
	{ "duration: seconds wrap to 384ms", L1
	    "dns_timeout = 18446744073709552s\n", SOURCE ":2:", "dns_timeout" },
	{ "retries: 11", L1 "dns_retries = 11\n", SOURCE ":2:", "dns_retries" },
	{ "cache size: negative", L1 "dns_cache_size = -1\n", SOURCE ":2:",
	    "dns_cache_size" },
	{ "probe interval 5", L1 "dnsbl_probe_interval = 5\n", SOURCE ":2:",
	    "dnsbl_probe_interval" },
	{ "probe interval 9", L1 "dnsbl_probe_interval = 9\n", SOURCE ":2:",
	    "dnsbl_probe_interval" },
	{ "probe interval over a day", L1 "dnsbl_probe_interval = 86401\n",
	    SOURCE ":2:", "dnsbl_probe_interval" },
	{ "errors on two lines both reported", L1 "dns_timeout = 1h\n"
	    "dns_verdict_stage = helo\ndnsbl = zen.example*x\n", SOURCE ":2:",
	    SOURCE ":4:" },
	/* the socket's own rule */
	{ "socket: unknown form", "# s\nsocket = tcp:8891\n", SOURCE ":2:",
	    "must start with unix:" },
	{ "socket: no path", "socket = unix:\n", SOURCE ":1:",
	    "names no path or port" },
	{ "daemon key given twice", "user = a\nmode = dryrun\nuser = b\n",
	    SOURCE ":3:", "line 1" },
	{ "use_mta_ptr: bad bool", L1 "use_mta_ptr = maybe\n", SOURCE ":2:",
	    "use_mta_ptr" },
	/* metrics_listen: an IP literal and a port */
	{ "metrics: host name", L1 "metrics_listen = localhost:9367\n",
	    SOURCE ":2:", "metrics_listen: bad address \"localhost:9367\"" },
	{ "metrics: no port", L1 "metrics_listen = 127.0.0.1\n", SOURCE ":2:",
	    "metrics_listen" },
	{ "metrics: empty port", L1 "metrics_listen = 127.0.0.1:\n",
	    SOURCE ":2:", "metrics_listen" },
	{ "metrics: port 0", L1 "metrics_listen = 127.0.0.1:0\n", SOURCE ":2:",
	    "metrics_listen" },
	{ "metrics: port 65536", L1 "metrics_listen = 127.0.0.1:65536\n",
	    SOURCE ":2:", "metrics_listen" },
	{ "metrics: port with junk", L1 "metrics_listen = 127.0.0.1:93x\n",
	    SOURCE ":2:", "metrics_listen" },
	{ "metrics: signed port", L1 "metrics_listen = 127.0.0.1:+80\n",
	    SOURCE ":2:", "metrics_listen" },
	{ "metrics: bare IPv6", L1 "metrics_listen = ::1:9367\n", SOURCE ":2:",
	    "metrics_listen" },
	{ "metrics: IPv6 without port", L1 "metrics_listen = [::1]\n",
	    SOURCE ":2:", "metrics_listen" },
	{ "metrics: IPv6 junk", L1 "metrics_listen = [::1]x9367\n",
	    SOURCE ":2:", "metrics_listen" },
	{ "metrics: IPv4 in brackets", L1 "metrics_listen = [300.0.0.1]:80\n",
	    SOURCE ":2:", "metrics_listen" },
	{ "metrics: empty brackets", L1 "metrics_listen = []:80\n",
	    SOURCE ":2:", "metrics_listen" },
	{ "metrics: IPv6: prefix", L1 "metrics_listen = [IPv6:::1]:80\n",
	    SOURCE ":2:", "metrics_listen" },
};

START_TEST(test_daemon_errors)
{
	const struct err_case *c = &err_cases[_i];
	struct rw_daemon_conf dc;
	struct rw_config *cfg;
	char	err[RW_ERR_MAX];
	unsigned int got_ms;

	strcpy(err, "");
	cfg = rw_daemon_conf_parse(c->text, SOURCE, NULL, NULL, &dc, err,
	    sizeof(err));
	got_ms = cfg != NULL ? dc.dns_timeout_ms : 0;
	rw_config_free(cfg);
	if (cfg != NULL)
		rw_daemon_conf_free(&dc);
	ck_assert_msg(cfg == NULL, "%s: got a configuration (dns_timeout %u), "
	    "want an error", c->label, got_ms);
	ck_assert_msg(strstr(err, c->where) != NULL, "%s: got \"%s\", want "
	    "\"%s\"", c->label, err, c->where);
	ck_assert_msg(c->word == NULL || strstr(err, c->word) != NULL,
	    "%s: got \"%s\", want it to name \"%s\"", c->label, err,
	    c->word);
	ck_assert_msg(dc.socket == NULL && dc.pidfile == NULL && dc.user ==
	    NULL && dc.dns_servers == NULL, "%s: daemon fields after failure: "
	    "got some left, want all released", c->label);
}
END_TEST

/* ------------------------------------------------------------ the table */

/* Every daemon row typed, inside struct rw_daemon_conf, unknown to the
 * core; with the core's, the 42 keys of before the split and more. */
START_TEST(test_daemon_table)
{
	const struct rw_config_keytab *t = rw_daemon_conf_keys();
	const struct rw_config_key *k;
	struct rw_config *cfg;
	char	text[128], err[RW_ERR_MAX];
	size_t	i;

	ck_assert_msg(t->nkeys >= 14, "daemon keys: got %zu, want at least 14",
	    t->nkeys);
	ck_assert_msg(t->nkeys + rw_config_keys()->nkeys >= 42, "keys in all: "
	    "got %zu, want at least 42", t->nkeys + rw_config_keys()->nkeys);
	for (i = 0; i < t->nkeys; i++) {
		k = &t->keys[i];
		ck_assert_msg(k->off + k->size <= sizeof(struct rw_daemon_conf),
		    "%s: field at %zu+%zu, outside struct rw_daemon_conf",
		    k->name, k->off, k->size);
		ck_assert_msg(k->type != RW_CONF_WORD || k->words != NULL,
		    "%s: a word key without words", k->name);
		ck_assert_msg(k->type != RW_CONF_LIST || k->item != NULL,
		    "%s: a list key without an item parser", k->name);
		snprintf(text, sizeof(text), "%s = %s\n", k->name, k->def);
		cfg = rw_config_parse(text, SOURCE, NULL, NULL, err,
		    sizeof(err));
		rw_config_free(cfg);
		ck_assert_msg(cfg == NULL && strstr(err, "unknown key") != NULL,
		    "%s: the core parser: got %s, want unknown key", k->name,
		    cfg != NULL ? "a configuration" : err);
	}
}
END_TEST

/* ------------------------------------------------------------ summary */

/* "relaywarden -t" for an empty file, byte for byte as before the split */
static const char summary_defaults[] =
    "mode                 enforce\n"
    "socket               unix:/run/relaywarden/relaywarden.sock\n"
    "trusted_networks     127.0.0.0/8 ::1/128\n"
    "authenticated        insiders (may relay)\n"
    "local_domains        (none)\n"
    "relay_domains        (none)\n"
    "max_recipients       100 per message for outsiders\n"
    "client_access        0 entries\n"
    "sender_access        0 entries\n"
    "rdns_check           tempfail (450 4.7.25)\n"
    "helo_names_us        tag (HELO naming us, our address or a local domain)\n"
    "helo_foreign_literal tag (HELO address not the client's)\n"
    "helo_syntax          tag (HELO not a host name or address literal)\n"
    "helo_fqdn            tag (HELO not fully qualified)\n"
    "forged_local_sender  tag (local sender from an unauthenticated outsider)\n"
    "lists                (none)\n"
    "dns                  servers from resolv.conf, timeout 2000ms "
    "(doubling) x 2 tries, deadline 8000ms, verdict at rcpt, tempfail on "
    "DNS failure\n"
    "spf                  mailfrom+helo; fail reject, softfail tag, neutral "
    "accept, none accept, temperror tempfail, permerror tag\n"
    "on_internal_error    tempfail\n"
    "outsiders may send only to local_domains and relay_domains (none "
    "configured: outsiders can deliver to bare local parts only)\n";

struct summary_case {
	const char	*label;
	const char	*text;
	const char	*want;		/* lines, or the whole summary */
};

static const struct summary_case summary_cases[] = {
	{ "defaults, whole", "", summary_defaults },
	{ "socket", "socket = inet:8891@127.0.0.1\n",
	    "\nsocket               inet:8891@127.0.0.1\ntrusted_networks " },
	{ "dns, all settings", "dns_servers = 127.0.0.1:5353, [::1]:53\n"
	    "dns_timeout = 500ms\ndns_retries = 0\ndns_deadline = 3s\n"
	    "dns_verdict_stage = mail\ndns_fail_open = yes\n"
	    "dnsbl = zen.example\n",
	    "\ndnsbl_score          threshold 1, action reject\n"
	    "dns                  servers 127.0.0.1:5353,[::1]:53, timeout "
	    "500ms (doubling) x 1 tries, deadline 3000ms, verdict at mail, "
	    "accept on DNS failure\nspf " },
	{ "no DNS line without a DNS check", "rdns_check = off\n"
	    "spf_check = no\nspf_check_helo = no\n",
	    "\nlists                (none)\nspf                  off\n" },
	{ "on_internal_error accept", "on_internal_error = accept\n",
	    "\non_internal_error    accept\noutsiders " },
};

START_TEST(test_daemon_summary)
{
	const struct summary_case *c = &summary_cases[_i];
	struct rw_daemon_conf dc;
	struct rw_config *cfg;
	char	buf[8192];

	cfg = parse(c->label, c->text, &dc);
	rw_daemon_conf_summary(cfg, &dc, buf, sizeof(buf));
	if (c->want == summary_defaults)
		ck_assert_msg(strcmp(buf, c->want) == 0, "%s: got \"%s\", want "
		    "\"%s\"", c->label, buf, c->want);
	else
		ck_assert_msg(strstr(buf, c->want) != NULL, "%s: got \"%s\", "
		    "want it to hold \"%s\"", c->label, buf, c->want);
	rw_config_free(cfg);
	rw_daemon_conf_free(&dc);
}
END_TEST

/* A short buffer holds the start of the summary, NUL-terminated, and
 * nothing is written past it: at every length, in the daemon's lines too. */
START_TEST(test_daemon_summary_short)
{
	struct rw_daemon_conf dc;
	struct rw_config *cfg;
	char	full[8192], buf[8192];
	size_t	len, n;

	cfg = parse("summary short", "", &dc);
	rw_daemon_conf_summary(cfg, &dc, full, sizeof(full));
	n = strlen(full);
	for (len = 1; len <= n + 1; len++) {
		memset(buf, 'Z', sizeof(buf));
		rw_daemon_conf_summary(cfg, &dc, buf, len);
		ck_assert_msg(buf[len] == 'Z', "summary short: length %zu: got "
		    "byte %zu = 0x%02x, want it untouched", len, len,
		    (unsigned char)buf[len]);
		ck_assert_msg(memchr(buf, '\0', len) != NULL && strlen(buf) ==
		    len - 1 && strncmp(buf, full, len - 1) == 0, "summary "
		    "short: length %zu: got \"%s\", want the first %zu bytes",
		    len, buf, len - 1);
	}
	rw_config_free(cfg);
	rw_daemon_conf_free(&dc);
}
END_TEST

static Suite *
daemonconf_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("daemonconf");
	tc = tcase_create("values");
	tcase_add_loop_test(tc, test_daemon_defaults, 0, N(default_texts));
	tcase_add_loop_test(tc, test_daemon_values, 0, N(value_cases));
	tcase_add_test(tc, test_daemon_dns_values);
	tcase_add_test(tc, test_daemon_session_values);
	tcase_add_loop_test(tc, test_daemon_durations, 0, N(dur_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_daemon_errors, 0, N(err_cases));
	tcase_add_test(tc, test_daemon_table);
	suite_add_tcase(s, tc);
	tc = tcase_create("summary");
	tcase_add_loop_test(tc, test_daemon_summary, 0, N(summary_cases));
	tcase_add_test(tc, test_daemon_summary_short);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(daemonconf_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
