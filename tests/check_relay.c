/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_relay - unit tests for relay control, client and sender
 *	access lists, max_recipients and dryrun mode
 * DESCRIPTION
 *	Everything goes through the session API (rw_session_init, then
 *	each stage recorded and decided: tests/steps.h) with a configuration parsed by rw_config_parse(),
 *	as the daemon and relaywarden-query do. The expected replies are
 *	those of doc/DESIGN.md, "Relay control", "Access lists", "Replies"
 *	and "Headers".
 *
 *	An accepted recipient must get RW_ACT_CONTINUE: RW_ACT_ACCEPT at
 *	RCPT would let the MTA skip the checks of the later recipients.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_policy.h"
#include "steps.h"
#include "testconf.h"

#define OUT	"203.0.113.5"	/* an outsider in every configuration */
#define IN	"10.1.2.3"	/* an insider under C_BASE */
#define SENDER	"alice@sender.test"

#define C_DOMAINS \
	"# relay test configuration\n" \
	"local_domains = ours.test, .example.test, [192.0.2.1], " \
	    "[IPv6:2001:db8::25]\n" \
	"relay_domains = backup.test\n"
#define C_BASE C_DOMAINS \
	"trusted_networks = 10.0.0.0/8, 192.0.2.77/32, 2001:db8:1::/48, " \
	    "2001:db8:2:3::/64, 2001:db8::5/128\n"
#define C_NOAUTH C_BASE "trust_authenticated = no\n"
#define C_DEFNET C_DOMAINS
#define C_V6_32 C_DOMAINS "trusted_networks = 2001:db8::/32\n"
#define C_ALL4 C_DOMAINS "trusted_networks = 0.0.0.0/0\n"
#define C_ALL6 C_DOMAINS "trusted_networks = ::/0\n"

static struct rw_config *
parse(const char *label, const char *text)
{
	return test_config(label, "test.conf", text);
}

/* start - connect, HELO and MAIL, each of which must not object */
static void
start(const char *label, struct rw_session *s, const struct rw_config *cfg,
    const char *client, const char *auth, const char *sender)
{
	struct rw_verdict v;
	enum rw_action a;

	rw_session_init(s, cfg);
	memset(&v, 0, sizeof(v));
	a = step_connect(s, client, "client.example", &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: connect %s: got %s, want "
	    "CONTINUE", label, client, rw_action_name(a));
	memset(&v, 0, sizeof(v));
	a = step_helo(s, "client.example", &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: helo: got %s, want CONTINUE",
	    label, rw_action_name(a));
	memset(&v, 0, sizeof(v));
	a = step_mail(s, sender, auth, &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: mail %s: got %s (%s %s %s), "
	    "want CONTINUE", label, sender, rw_action_name(a), v.rcode, v.xcode,
	    v.text);
}

/* want_reply - the verdict carries this reply */
static void
want_reply(const char *label, const struct rw_verdict *v, const char *rcode,
    const char *xcode, const char *text)
{
	ck_assert_msg(strcmp(v->rcode, rcode) == 0, "%s: rcode: got \"%s\", "
	    "want \"%s\"", label, v->rcode, rcode);
	ck_assert_msg(strcmp(v->xcode, xcode) == 0, "%s: xcode: got \"%s\", "
	    "want \"%s\"", label, v->xcode, xcode);
	ck_assert_msg(strstr(v->text, text) != NULL, "%s: text: got \"%s\", "
	    "want it to contain \"%s\"", label, v->text, text);
}

/* -------------------------------------------------------- relay decision */

struct relay_case {
	const char	*label;
	const char	*conf;
	const char	*client;
	const char	*auth;		/* NULL: not authenticated */
	const char	*rcpt;
	enum rw_action	 want;		/* CONTINUE or REJECT */
};

#define OK	RW_ACT_CONTINUE
#define NO	RW_ACT_REJECT

static const struct relay_case relay_cases[] = {
	/* outsiders: local and relay domains only */
	{ "outsider to local", C_BASE, OUT, NULL, "u@ours.test", OK },
	{ "outsider to local, brackets", C_BASE, OUT, NULL, "<u@ours.test>",
	    OK },
	{ "outsider to relay domain", C_BASE, OUT, NULL, "u@backup.test", OK },
	{ "outsider to other", C_BASE, OUT, NULL, "u@else.test", NO },
	{ "outsider to other, brackets", C_BASE, OUT, NULL, "<u@else.test>",
	    NO },
	{ "relay domain without dot: no subdomains", C_BASE, OUT, NULL,
	    "u@mx.backup.test", NO },
	{ "local domain without dot: no subdomains", C_BASE, OUT, NULL,
	    "u@sub.ours.test", NO },
	{ ".example.test matches example.test", C_BASE, OUT, NULL,
	    "u@example.test", OK },
	{ ".example.test matches a.example.test", C_BASE, OUT, NULL,
	    "u@a.example.test", OK },
	{ ".example.test matches a.b.example.test", C_BASE, OUT, NULL,
	    "u@a.b.example.test", OK },
	{ "evil-example.test is not example.test", C_BASE, OUT, NULL,
	    "u@evil-example.test", NO },
	{ "example.test.evil.net is not example.test", C_BASE, OUT, NULL,
	    "u@example.test.evil.net", NO },
	{ "xexample.test is not example.test", C_BASE, OUT, NULL,
	    "u@xexample.test", NO },
	{ "notexample.test is not example.test", C_BASE, OUT, NULL,
	    "u@notexample.test", NO },
	{ "ours.test.evil.net is not ours.test", C_BASE, OUT, NULL,
	    "u@ours.test.evil.net", NO },
	{ "xours.test is not ours.test", C_BASE, OUT, NULL,
	    "u@xours.test", NO },
	{ "upper case local domain", C_BASE, OUT, NULL, "U@OURS.TEST", OK },
	{ "mixed case subdomain", C_BASE, OUT, NULL, "u@A.Example.Test", OK },
	{ "one trailing dot", C_BASE, OUT, NULL, "u@ours.test.", OK },
	{ "two trailing dots", C_BASE, OUT, NULL, "u@ours.test..", NO },
	{ "bare postmaster is local", C_BASE, OUT, NULL, "postmaster", OK },
	{ "bare postmaster in brackets", C_BASE, OUT, NULL, "<Postmaster>",
	    OK },
	{ "quoted local part with space", C_BASE, OUT, NULL,
	    "\"john smith\"@ours.test", OK },
	{ "listed IPv4 literal", C_BASE, OUT, NULL, "u@[192.0.2.1]", OK },
	{ "unlisted IPv4 literal", C_BASE, OUT, NULL, "u@[192.0.2.2]", NO },
	{ "listed IPv6 literal", C_BASE, OUT, NULL, "u@[IPv6:2001:db8::25]",
	    OK },
	{ "listed IPv6 literal, other spelling", C_BASE, OUT, NULL,
	    "u@[IPv6:2001:DB8:0:0:0:0:0:25]", OK },
	{ "unlisted IPv6 literal", C_BASE, OUT, NULL, "u@[IPv6:2001:db8::26]",
	    NO },
	{ "bad literal", C_BASE, OUT, NULL, "u@[300.1.1.1]", NO },
	{ "domain name of a listed literal is not the literal", C_BASE, OUT,
	    NULL, "u@192.0.2.1", NO },

	/* routing forms whose hops are all ours may pass */
	{ "percent hack, all hops ours", C_BASE, OUT, NULL,
	    "u%backup.test@ours.test", OK },
	{ "bang path, all hops ours", C_BASE, OUT, NULL,
	    "ours.test!u@backup.test", OK },
	{ "source route, all hops ours", C_BASE, OUT, NULL,
	    "@ours.test:u@backup.test", OK },

	/* every trick form from an outsider is refused */
	{ "outsider percent hack", C_BASE, OUT, NULL,
	    "u%else.test@ours.test", NO },
	{ "outsider percent hack, two hops", C_BASE, OUT, NULL,
	    "u%else.test%ours.test@ours.test", NO },
	{ "outsider bang path", C_BASE, OUT, NULL, "else.test!u@ours.test",
	    NO },
	{ "outsider bang path, two hops", C_BASE, OUT, NULL,
	    "ours.test!else.test!u@ours.test", NO },
	{ "outsider source route out", C_BASE, OUT, NULL,
	    "@ours.test:u@else.test", NO },
	{ "outsider source route via other", C_BASE, OUT, NULL,
	    "@else.test:u@ours.test", NO },
	{ "outsider source route, two hops", C_BASE, OUT, NULL,
	    "@ours.test,@else.test:u@ours.test", NO },
	{ "outsider quoted address", C_BASE, OUT, NULL,
	    "\"u@else.test\"@ours.test", NO },
	{ "outsider quoted percent", C_BASE, OUT, NULL,
	    "\"u%else.test\"@ours.test", NO },
	{ "outsider quoted bang", C_BASE, OUT, NULL,
	    "\"else.test!u\"@ours.test", NO },
	{ "outsider quoted backslash", C_BASE, OUT, NULL,
	    "\"u\\@else.test\"@ours.test", NO },
	{ "outsider doubled at", C_BASE, OUT, NULL, "u@else.test@ours.test",
	    NO },
	{ "outsider bang and percent", C_BASE, OUT, NULL,
	    "ours.test!u%backup.test@ours.test", NO },
	{ "outsider bare percent hack", C_BASE, OUT, NULL, "u%else.test", NO },
	{ "outsider bare bang path", C_BASE, OUT, NULL, "else.test!u", NO },
	{ "outsider 9 hops, all ours", C_BASE, OUT, NULL,
	    "ours.test!ours.test!ours.test!ours.test!ours.test!ours.test!"
	    "ours.test!ours.test!u@ours.test", NO },
	{ "outsider comment", C_BASE, OUT, NULL, "u(x)@ours.test", NO },
	{ "outsider control character", C_BASE, OUT, NULL,
	    "u\x01@ours.test", NO },

	/* insiders (trusted network) may send anywhere */
	{ "insider to other", C_BASE, IN, NULL, "u@else.test", OK },
	{ "insider percent hack", C_BASE, IN, NULL, "u%else.test@ours.test",
	    OK },
	{ "insider bang path", C_BASE, IN, NULL, "else.test!u@ours.test", OK },
	{ "insider source route", C_BASE, IN, NULL, "@ours.test:u@else.test",
	    OK },
	{ "insider quoted address", C_BASE, IN, NULL,
	    "\"u@else.test\"@ours.test", OK },
	{ "insider doubled at", C_BASE, IN, NULL, "u@else.test@ours.test", OK },
	{ "insider bang and percent", C_BASE, IN, NULL,
	    "ours.test!u%else.test@ours.test", OK },
	{ "insider bare bang path", C_BASE, IN, NULL, "else.test!u", OK },
	{ "insider 9 hops", C_BASE, IN, NULL,
	    "a.test!b.test!c.test!d.test!e.test!f.test!g.test!h.test!"
	    "u@ours.test", OK },

	/* authentication */
	{ "authenticated outsider to other", C_BASE, OUT, "alice",
	    "u@else.test", OK },
	{ "authenticated outsider percent hack", C_BASE, OUT, "alice",
	    "u%else.test@ours.test", OK },
	{ "trust_authenticated no: refused", C_NOAUTH, OUT, "alice",
	    "u@else.test", NO },
	{ "trust_authenticated no: local still fine", C_NOAUTH, OUT, "alice",
	    "u@ours.test", OK },
	{ "trust_authenticated no: trusted network still fine", C_NOAUTH, IN,
	    "alice", "u@else.test", OK },

	/* IPv4 CIDR edges: 10.0.0.0/8 and 192.0.2.77/32 */
	{ "/8 first address", C_BASE, "10.0.0.0", NULL, "u@else.test", OK },
	{ "/8 last address", C_BASE, "10.255.255.255", NULL, "u@else.test",
	    OK },
	{ "/8 one above", C_BASE, "11.0.0.0", NULL, "u@else.test", NO },
	{ "/8 one below", C_BASE, "9.255.255.255", NULL, "u@else.test", NO },
	{ "/32 itself", C_BASE, "192.0.2.77", NULL, "u@else.test", OK },
	{ "/32 one below", C_BASE, "192.0.2.76", NULL, "u@else.test", NO },
	{ "/32 one above", C_BASE, "192.0.2.78", NULL, "u@else.test", NO },
	{ "/0 matches any IPv4", C_ALL4, OUT, NULL, "u@else.test", OK },
	{ "/0 matches 255.255.255.255", C_ALL4, "255.255.255.255", NULL,
	    "u@else.test", OK },
	{ "IPv4 /0 does not match IPv6", C_ALL4, "2001:db8::1", NULL,
	    "u@else.test", NO },
	{ "trusted_networks replaces loopback", C_BASE, "127.0.0.1", NULL,
	    "u@else.test", NO },

	/* default trusted_networks: 127.0.0.0/8, ::1/128 */
	{ "default: 127.0.0.1", C_DEFNET, "127.0.0.1", NULL, "u@else.test",
	    OK },
	{ "default: 127.255.255.255", C_DEFNET, "127.255.255.255", NULL,
	    "u@else.test", OK },
	{ "default: 128.0.0.0", C_DEFNET, "128.0.0.0", NULL, "u@else.test",
	    NO },
	{ "default: ::1", C_DEFNET, "::1", NULL, "u@else.test", OK },
	{ "default: ::2", C_DEFNET, "::2", NULL, "u@else.test", NO },
	{ "default: ::ffff:127.0.0.1 is 127.0.0.1", C_DEFNET,
	    "::ffff:127.0.0.1", NULL, "u@else.test", OK },
	{ "default: ::ffff:128.0.0.1", C_DEFNET, "::ffff:128.0.0.1", NULL,
	    "u@else.test", NO },
	{ "default: outsider", C_DEFNET, OUT, NULL, "u@else.test", NO },

	/* IPv6 CIDR edges */
	{ "mapped 10.0.0.1 in 10/8", C_BASE, "::ffff:10.0.0.1", NULL,
	    "u@else.test", OK },
	{ "v6 /128 itself", C_BASE, "2001:db8::5", NULL, "u@else.test", OK },
	{ "v6 /128 with IPv6: tag", C_BASE, "IPv6:2001:db8::5", NULL,
	    "u@else.test", OK },
	{ "v6 /128 one below", C_BASE, "2001:db8::4", NULL, "u@else.test",
	    NO },
	{ "v6 /128 one above", C_BASE, "2001:db8::6", NULL, "u@else.test",
	    NO },
	{ "v6 /64 first", C_BASE, "2001:db8:2:3::", NULL, "u@else.test", OK },
	{ "v6 /64 last", C_BASE, "2001:db8:2:3:ffff:ffff:ffff:ffff", NULL,
	    "u@else.test", OK },
	{ "v6 /64 one above", C_BASE, "2001:db8:2:4::", NULL, "u@else.test",
	    NO },
	{ "v6 /64 one below", C_BASE, "2001:db8:2:2:ffff:ffff:ffff:ffff",
	    NULL, "u@else.test", NO },
	{ "v6 /48 inside", C_BASE, "2001:db8:1:ffff::1", NULL, "u@else.test",
	    OK },
	{ "v6 /48 outside", C_BASE, "2001:db8:0:ffff::1", NULL,
	    "u@else.test", NO },
	{ "v6 /32 first", C_V6_32, "2001:db8::", NULL, "u@else.test", OK },
	{ "v6 /32 last", C_V6_32, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
	    NULL, "u@else.test", OK },
	{ "v6 /32 one above", C_V6_32, "2001:db9::", NULL, "u@else.test", NO },
	{ "v6 /32 one below", C_V6_32,
	    "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", NULL, "u@else.test", NO },
	{ "v6 /32 does not match IPv4", C_V6_32, "10.1.2.3", NULL,
	    "u@else.test", NO },
	{ "v6 /0 matches any IPv6", C_ALL6, "2001:db8::1", NULL,
	    "u@else.test", OK },
	{ "v6 /0 matches ffff::", C_ALL6, "ffff::", NULL, "u@else.test", OK },
	{ "v6 /0 does not match IPv4", C_ALL6, OUT, NULL, "u@else.test", NO },
};

START_TEST(test_relay)
{
	const struct relay_case *c = &relay_cases[_i];
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	enum rw_action a;

	cfg = parse(c->label, c->conf);
	start(c->label, &s, cfg, c->client, c->auth, SENDER);
	memset(&v, 0, sizeof(v));
	a = step_rcpt(&s, c->rcpt, &v);
	ck_assert_msg(a == c->want, "%s: rcpt %s from %s: got %s (%s %s %s), "
	    "want %s", c->label, c->rcpt, c->client, rw_action_name(a), v.rcode,
	    v.xcode, v.text, rw_action_name(c->want));
	ck_assert_msg(v.action == c->want, "%s: verdict action: got %s, want "
	    "%s", c->label, rw_action_name(v.action), rw_action_name(c->want));
	ck_assert_msg(!v.dryrun, "%s: dryrun: got true, want false", c->label);
	if (c->want == RW_ACT_REJECT) {
		want_reply(c->label, &v, "550", "5.7.1", "Relaying denied");
		ck_assert_msg(v.check != NULL && strcmp(v.check, "relay") == 0,
		    "%s: check: got %s, want relay", c->label,
		    v.check ? v.check : "NULL");
	}
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* The reply names the recipient: "550 5.7.1 <rcpt>: Relaying denied". */
START_TEST(test_relay_reply_names_rcpt)
{
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;

	cfg = parse("reply text", C_BASE);
	start("reply text", &s, cfg, OUT, NULL, SENDER);
	memset(&v, 0, sizeof(v));
	(void)step_rcpt(&s, "x@else.test", &v);
	want_reply("reply text", &v, "550", "5.7.1",
	    "<x@else.test>: Relaying denied");
	ck_assert_msg(v.reason[0] != '\0', "reply text: reason: got \"\", "
	    "want why");
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/*
 * Hostile lengths: an address longer than RW_ADDR_MAX must not turn
 * into something local on its way into the facts.
 */
struct long_rcpt_case {
	const char	*label;
	const char	*client;
	size_t		 nlocal;
	const char	*domain;
	enum rw_action	 want;
};

static const struct long_rcpt_case long_rcpt_cases[] = {
	{ "overlong rcpt to other", OUT, 600, "@else.test", NO },
	{ "overlong rcpt to local", OUT, 600, "@ours.test", NO },
	{ "overlong bare rcpt", OUT, 600, "", NO },
	{ "rcpt just under RW_ADDR_MAX to other", OUT, 400, "@else.test", NO },
};

START_TEST(test_relay_long)
{
	const struct long_rcpt_case *c = &long_rcpt_cases[_i];
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	enum rw_action a;
	char rcpt[1024];

	memset(rcpt, 'a', c->nlocal);
	snprintf(rcpt + c->nlocal, sizeof(rcpt) - c->nlocal, "%s", c->domain);
	cfg = parse(c->label, C_BASE);
	start(c->label, &s, cfg, c->client, NULL, SENDER);
	memset(&v, 0, sizeof(v));
	a = step_rcpt(&s, rcpt, &v);
	ck_assert_msg(a == c->want, "%s: rcpt of %zu octets from %s: got %s "
	    "(%s %s %s), want %s", c->label, strlen(rcpt), c->client,
	    rw_action_name(a), v.rcode, v.xcode, v.text,
	    rw_action_name(c->want));
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* A client whose address the MTA did not give is an outsider. */
START_TEST(test_relay_unknown_client)
{
	const char *label = "unknown client";
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	enum rw_action a;

	cfg = parse(label, C_ALL4);
	rw_session_init(&s, cfg);
	memset(&v, 0, sizeof(v));
	a = step_connect(&s, NULL, "unknown", &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: connect: got %s, want "
	    "CONTINUE", label, rw_action_name(a));
	a = step_mail(&s, SENDER, NULL, &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: mail: got %s, want CONTINUE",
	    label, rw_action_name(a));
	a = step_rcpt(&s, "u@else.test", &v);
	ck_assert_msg(a == RW_ACT_REJECT, "%s: rcpt u@else.test: got %s, want "
	    "REJECT", label, rw_action_name(a));
	a = step_rcpt(&s, "u@ours.test", &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: rcpt u@ours.test: got %s, "
	    "want CONTINUE", label, rw_action_name(a));
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* One refused recipient does not spoil the next. */
START_TEST(test_relay_per_recipient)
{
	static const struct {
		const char	*rcpt;
		enum rw_action	 want;
	} steps[] = {
		{ "a@ours.test", OK },
		{ "b@else.test", NO },
		{ "c@backup.test", OK },
		{ "d@else.test", NO },
		{ "e@x.example.test", OK },
	};
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	enum rw_action a;
	size_t i;

	cfg = parse("per recipient", C_BASE);
	start("per recipient", &s, cfg, OUT, NULL, SENDER);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		memset(&v, 0, sizeof(v));
		a = step_rcpt(&s, steps[i].rcpt, &v);
		ck_assert_msg(a == steps[i].want, "per recipient: rcpt %s: got "
		    "%s, want %s", steps[i].rcpt, rw_action_name(a),
		    rw_action_name(steps[i].want));
	}
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* -------------------------------------------------------- max_recipients */

#define C_MAX2 C_DOMAINS \
	"max_recipients = 2\n" \
	"client_access = 192.0.2.128/25 OK\n"

struct max_step {
	const char	*rcpt;
	enum rw_action	 want;	/* REJECT is 550, TEMPFAIL 452 */
};

struct max_case {
	const char	*label;
	const char	*conf;
	const char	*client;
	const char	*auth;
	struct max_step	 steps[6];
};

#define TF	RW_ACT_TEMPFAIL

static const struct max_case max_cases[] = {
	{ "limit 2: third gets 452", C_MAX2, OUT, NULL,
	    { { "a@ours.test", OK }, { "b@ours.test", OK },
	      { "c@ours.test", TF }, { "d@ours.test", TF } } },
	{ "limit 2: refused ones do not count", C_MAX2, OUT, NULL,
	    { { "a@ours.test", OK }, { "x@else.test", NO },
	      { "b@ours.test", OK }, { "c@ours.test", TF } } },
	{ "limit 2: insider not limited", C_MAX2, "127.0.0.1", NULL,
	    { { "a@ours.test", OK }, { "b@ours.test", OK },
	      { "c@ours.test", OK }, { "d@else.test", OK } } },
	{ "limit 2: authenticated not limited", C_MAX2, OUT, "alice",
	    { { "a@ours.test", OK }, { "b@ours.test", OK },
	      { "c@ours.test", OK } } },
	{ "limit 2: client_access OK not limited", C_MAX2, "192.0.2.200",
	    NULL, { { "a@ours.test", OK }, { "b@ours.test", OK },
	      { "c@ours.test", OK } } },
	{ "client_access OK does not grant relaying", C_MAX2, "192.0.2.200",
	    NULL, { { "a@ours.test", OK }, { "x@else.test", NO },
	      { "x%else.test@ours.test", NO } } },
	{ "limit 2: next to the OK range is limited", C_MAX2, "192.0.2.127",
	    NULL, { { "a@ours.test", OK }, { "b@ours.test", OK },
	      { "c@ours.test", TF } } },
};

static void
check_step(const char *label, struct rw_session *s, const char *rcpt,
    enum rw_action want)
{
	struct rw_verdict v;
	enum rw_action a;

	memset(&v, 0, sizeof(v));
	a = step_rcpt(s, rcpt, &v);
	ck_assert_msg(a == want, "%s: rcpt %s: got %s (%s %s %s), want %s",
	    label, rcpt, rw_action_name(a), v.rcode, v.xcode, v.text,
	    rw_action_name(want));
	if (want == RW_ACT_TEMPFAIL)
		want_reply(label, &v, "452", "4.5.3", "Too many recipients");
	else if (want == RW_ACT_REJECT)
		want_reply(label, &v, "550", "5.7.1", "Relaying denied");
}

START_TEST(test_max_recipients)
{
	const struct max_case *c = &max_cases[_i];
	struct rw_config *cfg;
	struct rw_session s;
	size_t i;

	cfg = parse(c->label, c->conf);
	start(c->label, &s, cfg, c->client, c->auth, SENDER);
	for (i = 0; i < 6 && c->steps[i].rcpt != NULL; i++)
		check_step(c->label, &s, c->steps[i].rcpt, c->steps[i].want);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* Many recipients: the default limit is 100, 0 means unlimited. */
struct many_case {
	const char	*label;
	const char	*conf;
	unsigned int	 nok;		/* this many accepted ... */
	unsigned int	 ntotal;	/* ... of this many */
};

static const struct many_case many_cases[] = {
	{ "default limit 100", C_DOMAINS, 100, 102 },
	{ "max_recipients 0 is unlimited", C_DOMAINS "max_recipients = 0\n",
	    250, 250 },
	{ "max_recipients 1", C_DOMAINS "max_recipients = 1\n", 1, 3 },
};

START_TEST(test_many_recipients)
{
	const struct many_case *c = &many_cases[_i];
	struct rw_config *cfg;
	struct rw_session s;
	char rcpt[64], label[128];
	unsigned int i;

	cfg = parse(c->label, c->conf);
	start(c->label, &s, cfg, OUT, NULL, SENDER);
	for (i = 0; i < c->ntotal; i++) {
		snprintf(rcpt, sizeof(rcpt), "u%u@ours.test", i + 1);
		snprintf(label, sizeof(label), "%s, recipient %u", c->label,
		    i + 1);
		check_step(label, &s, rcpt, i < c->nok ? OK : TF);
	}
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* A new transaction starts counting again. */
START_TEST(test_max_recipients_reset)
{
	const char *label = "reset starts a new count";
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	enum rw_action a;

	cfg = parse(label, C_MAX2);
	start(label, &s, cfg, OUT, NULL, SENDER);
	check_step(label, &s, "a@ours.test", OK);
	check_step(label, &s, "b@ours.test", OK);
	check_step(label, &s, "c@ours.test", TF);
	rw_session_reset(&s);
	memset(&v, 0, sizeof(v));
	a = step_mail(&s, SENDER, NULL, &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: second mail: got %s, want "
	    "CONTINUE", label, rw_action_name(a));
	check_step(label, &s, "d@ours.test", OK);
	check_step(label, &s, "e@ours.test", OK);
	check_step(label, &s, "f@ours.test", TF);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ client_access */

#define C_CLIENT C_DOMAINS \
	"client_access = 192.0.2.0/24 REJECT go away, 192.0.2.128/25 OK, " \
	    "192.0.2.192/26 TEMPFAIL, 198.51.100.0/24 REJECT, " \
	    "198.51.100.7/32 TEMPFAIL, 2001:db8:bad::/48 REJECT v6 go away\n" \
	"sender_access = spam.test REJECT no spam\n"
/* the same rules, most specific first: order must not matter */
#define C_CLIENT_REV C_DOMAINS \
	"client_access = 192.0.2.192/26 TEMPFAIL, 192.0.2.128/25 OK, " \
	    "192.0.2.0/24 REJECT go away\n"

struct client_case {
	const char	*label;
	const char	*conf;
	const char	*client;
	const char	*sender;
	enum rw_action	 want;		/* at MAIL */
	const char	*rcode;		/* when refused */
	const char	*xcode;
	const char	*text;
	const char	*check;
};

static const struct client_case client_cases[] = {
	{ "REJECT with text", C_CLIENT, "192.0.2.5", SENDER, NO,
	    "550", "5.7.1", "go away", "client_access" },
	{ "REJECT, last address below the OK /25", C_CLIENT, "192.0.2.127",
	    SENDER, NO, "550", "5.7.1", "go away", "client_access" },
	{ "OK /25 inside REJECT /24: longest wins", C_CLIENT, "192.0.2.150",
	    SENDER, OK, NULL, NULL, NULL, NULL },
	{ "OK /25 first address", C_CLIENT, "192.0.2.128", SENDER, OK,
	    NULL, NULL, NULL, NULL },
	{ "OK /25, last address below the /26", C_CLIENT, "192.0.2.191",
	    SENDER, OK, NULL, NULL, NULL, NULL },
	{ "TEMPFAIL /26 inside OK /25", C_CLIENT, "192.0.2.192", SENDER, TF,
	    "450", "4.7.1", "Access temporarily denied", "client_access" },
	{ "TEMPFAIL /26 last address", C_CLIENT, "192.0.2.255", SENDER, TF,
	    "450", "4.7.1", "Access temporarily denied", "client_access" },
	{ "REJECT default text", C_CLIENT, "198.51.100.1", SENDER, NO,
	    "550", "5.7.1", "Access denied", "client_access" },
	{ "TEMPFAIL /32 inside REJECT /24", C_CLIENT, "198.51.100.7", SENDER,
	    TF, "450", "4.7.1", "Access temporarily denied", "client_access" },
	{ "REJECT /24 next to the /32", C_CLIENT, "198.51.100.8", SENDER, NO,
	    "550", "5.7.1", "Access denied", "client_access" },
	{ "IPv6 REJECT", C_CLIENT, "2001:db8:bad::1", SENDER, NO,
	    "550", "5.7.1", "v6 go away", "client_access" },
	{ "IPv6 outside", C_CLIENT, "2001:db8:bae::1", SENDER, OK,
	    NULL, NULL, NULL, NULL },
	{ "mapped IPv4 REJECT", C_CLIENT, "::ffff:192.0.2.5", SENDER, NO,
	    "550", "5.7.1", "go away", "client_access" },
	{ "no rule", C_CLIENT, OUT, SENDER, OK, NULL, NULL, NULL, NULL },
	{ "reversed order: OK", C_CLIENT_REV, "192.0.2.150", SENDER, OK,
	    NULL, NULL, NULL, NULL },
	{ "reversed order: REJECT", C_CLIENT_REV, "192.0.2.5", SENDER, NO,
	    "550", "5.7.1", "go away", "client_access" },
	{ "reversed order: TEMPFAIL", C_CLIENT_REV, "192.0.2.193", SENDER, TF,
	    "450", "4.7.1", "Access temporarily denied", "client_access" },
	{ "OK skips sender_access", C_CLIENT, "192.0.2.150", "x@spam.test",
	    OK, NULL, NULL, NULL, NULL },
	{ "no OK: sender_access applies", C_CLIENT, OUT, "x@spam.test", NO,
	    "550", "5.7.1", "no spam", NULL },
};

START_TEST(test_client_access)
{
	const struct client_case *c = &client_cases[_i];
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	enum rw_action a;

	cfg = parse(c->label, c->conf);
	rw_session_init(&s, cfg);
	memset(&v, 0, sizeof(v));
	a = step_connect(&s, c->client, "client.example", &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: connect %s: got %s, want "
	    "CONTINUE (the verdict is given at MAIL)", c->label, c->client,
	    rw_action_name(a));
	memset(&v, 0, sizeof(v));
	a = step_helo(&s, "client.example", &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: helo: got %s, want CONTINUE",
	    c->label, rw_action_name(a));
	memset(&v, 0, sizeof(v));
	a = step_mail(&s, c->sender, NULL, &v);
	ck_assert_msg(a == c->want, "%s: mail from %s: got %s (%s %s %s), "
	    "want %s", c->label, c->client, rw_action_name(a), v.rcode, v.xcode,
	    v.text, rw_action_name(c->want));
	ck_assert_msg(v.action == c->want, "%s: verdict action: got %s, want "
	    "%s", c->label, rw_action_name(v.action), rw_action_name(c->want));
	if (c->rcode != NULL)
		want_reply(c->label, &v, c->rcode, c->xcode, c->text);
	if (c->check != NULL)
		ck_assert_msg(v.check != NULL && strcmp(v.check, c->check) == 0,
		    "%s: check: got %s, want %s", c->label,
		    v.check ? v.check : "NULL", c->check);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* A client refused at MAIL is refused again in the next transaction. */
START_TEST(test_client_access_every_mail)
{
	const char *label = "client REJECT every MAIL";
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	enum rw_action a;
	int i;

	cfg = parse(label, C_CLIENT);
	rw_session_init(&s, cfg);
	memset(&v, 0, sizeof(v));
	(void)step_connect(&s, "192.0.2.5", "client.example", &v);
	for (i = 0; i < 2; i++) {
		if (i > 0)
			rw_session_reset(&s);
		memset(&v, 0, sizeof(v));
		a = step_mail(&s, SENDER, NULL, &v);
		ck_assert_msg(a == RW_ACT_REJECT, "%s: mail %d: got %s, want "
		    "REJECT", label, i + 1, rw_action_name(a));
	}
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ sender_access */

#define C_SENDER C_DOMAINS \
	"sender_access = spammer@bad.test REJECT no you, ok@bad.test OK, " \
	    "@bad.test TEMPFAIL later, bad.test REJECT whole domain, " \
	    "good.bad.test OK, <> REJECT no bounces\n"

struct sender_case {
	const char	*label;
	const char	*sender;
	enum rw_action	 want;
	const char	*text;		/* when refused */
};

static const struct sender_case sender_cases[] = {
	{ "address", "spammer@bad.test", NO, "no you" },
	{ "address, other case", "SPAMMER@Bad.Test", NO, "no you" },
	{ "address in brackets", "<spammer@bad.test>", NO, "no you" },
	{ "address OK beats @domain", "ok@bad.test", OK, NULL },
	{ "@domain beats domain", "other@bad.test", TF, "later" },
	{ "@domain is that domain only", "x@sub.bad.test", NO,
	    "whole domain" },
	{ "domain covers subdomains", "x@a.b.bad.test", NO, "whole domain" },
	{ "longer domain suffix wins", "x@good.bad.test", OK, NULL },
	{ "longer suffix wins below it too", "x@a.good.bad.test", OK, NULL },
	{ "label boundary: notbad.test", "x@notbad.test", OK, NULL },
	{ "label boundary: bad.test.evil.net", "x@bad.test.evil.net", OK,
	    NULL },
	{ "null sender", "<>", NO, "no bounces" },
	{ "no rule", "x@elsewhere.test", OK, NULL },
};

START_TEST(test_sender_access)
{
	const struct sender_case *c = &sender_cases[_i];
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	enum rw_action a;

	cfg = parse(c->label, C_SENDER);
	rw_session_init(&s, cfg);
	memset(&v, 0, sizeof(v));
	(void)step_connect(&s, OUT, "client.example", &v);
	memset(&v, 0, sizeof(v));
	a = step_mail(&s, c->sender, NULL, &v);
	ck_assert_msg(a == c->want, "%s: mail from %s: got %s (%s %s %s), "
	    "want %s", c->label, c->sender, rw_action_name(a), v.rcode, v.xcode,
	    v.text, rw_action_name(c->want));
	if (c->want == RW_ACT_REJECT)
		want_reply(c->label, &v, "550", "5.7.1", c->text);
	else if (c->want == RW_ACT_TEMPFAIL)
		want_reply(c->label, &v, "450", "4.7.1", c->text);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ dryrun */

#define C_DRY C_DOMAINS \
	"mode = dryrun\n" \
	"client_access = 192.0.2.0/24 REJECT go away\n"

START_TEST(test_dryrun_relay)
{
	const char *label = "dryrun relay";
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	enum rw_action a;
	char hdr[2048];

	cfg = parse(label, C_DRY);
	start(label, &s, cfg, OUT, NULL, SENDER);
	ck_assert_msg(!rw_session_dryrun_header(&s, hdr, sizeof(hdr)),
	    "%s: header before any refusal: got \"%s\", want none", label,
	    hdr);

	memset(&v, 0, sizeof(v));
	a = step_rcpt(&s, "x@else.test", &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: rcpt x@else.test: got %s, "
	    "want CONTINUE", label, rw_action_name(a));
	ck_assert_msg(v.action == RW_ACT_REJECT, "%s: verdict action: got %s, "
	    "want REJECT", label, rw_action_name(v.action));
	ck_assert_msg(v.dryrun, "%s: dryrun: got false, want true", label);
	want_reply(label, &v, "550", "5.7.1", "Relaying denied");

	memset(&v, 0, sizeof(v));
	a = step_rcpt(&s, "a@ours.test", &v);
	ck_assert_msg(a == RW_ACT_CONTINUE && v.action == RW_ACT_CONTINUE,
	    "%s: rcpt a@ours.test: got %s/%s, want CONTINUE/CONTINUE", label,
	    rw_action_name(a), rw_action_name(v.action));

	ck_assert_msg(rw_session_dryrun_header(&s, hdr, sizeof(hdr)),
	    "%s: header: got none, want one", label);
	ck_assert_msg(strstr(hdr, "x@else.test") != NULL, "%s: header: got "
	    "\"%s\", want it to name x@else.test", label, hdr);
	ck_assert_msg(strstr(hdr, "Relaying denied") != NULL, "%s: header: got "
	    "\"%s\", want it to contain \"Relaying denied\"", label, hdr);
	ck_assert_msg(strcmp(hdr, "rcpt <x@else.test>: would reject (relay): "
	    "550 5.7.1 <x@else.test>: Relaying denied") == 0, "%s: header: got "
	    "\"%s\", want \"rcpt <x@else.test>: would reject (relay): 550 "
	    "5.7.1 <x@else.test>: Relaying denied\" (DESIGN.md, Headers)",
	    label, hdr);
	ck_assert_msg(strstr(hdr, "a@ours.test") == NULL, "%s: header: got "
	    "\"%s\", want no mention of the accepted a@ours.test", label, hdr);
	ck_assert_msg(strchr(hdr, '\n') == NULL && strchr(hdr, '\r') == NULL,
	    "%s: header: got \"%s\", want one line", label, hdr);

	/* a new transaction has nothing to report */
	rw_session_reset(&s);
	ck_assert_msg(!rw_session_dryrun_header(&s, hdr, sizeof(hdr)),
	    "%s: header after reset: got \"%s\", want none", label, hdr);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* Several notes: every refused recipient is in the header. */
START_TEST(test_dryrun_two)
{
	const char *label = "dryrun two recipients";
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	char hdr[4096];

	cfg = parse(label, C_DRY);
	start(label, &s, cfg, OUT, NULL, SENDER);
	(void)step_rcpt(&s, "x@else.test", &v);
	(void)step_rcpt(&s, "y@other.test", &v);
	ck_assert_msg(rw_session_dryrun_header(&s, hdr, sizeof(hdr)),
	    "%s: header: got none, want one", label);
	ck_assert_msg(strstr(hdr, "x@else.test") && strstr(hdr, "y@other.test"),
	    "%s: header: got \"%s\", want both recipients", label, hdr);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

START_TEST(test_dryrun_client)
{
	const char *label = "dryrun client_access";
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	enum rw_action a;
	char hdr[2048];

	cfg = parse(label, C_DRY);
	rw_session_init(&s, cfg);
	memset(&v, 0, sizeof(v));
	a = step_connect(&s, "192.0.2.5", "client.example", &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: connect: got %s, want "
	    "CONTINUE", label, rw_action_name(a));
	memset(&v, 0, sizeof(v));
	a = step_mail(&s, SENDER, NULL, &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: mail: got %s, want CONTINUE",
	    label, rw_action_name(a));
	ck_assert_msg(v.action == RW_ACT_REJECT && v.dryrun, "%s: verdict: got "
	    "%s dryrun=%d, want REJECT dryrun=1", label,
	    rw_action_name(v.action), v.dryrun);
	want_reply(label, &v, "550", "5.7.1", "go away");
	ck_assert_msg(rw_session_dryrun_header(&s, hdr, sizeof(hdr)) &&
	    strstr(hdr, "go away") != NULL, "%s: header: got \"%s\", want one "
	    "containing \"go away\"", label, hdr);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* The same refusal in enforce mode is enforced and leaves no header. */
START_TEST(test_enforce_no_header)
{
	const char *label = "enforce no header";
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	char hdr[2048];

	cfg = parse(label, C_BASE);
	start(label, &s, cfg, OUT, NULL, SENDER);
	memset(&v, 0, sizeof(v));
	(void)step_rcpt(&s, "x@else.test", &v);
	strcpy(hdr, "");
	ck_assert_msg(!rw_session_dryrun_header(&s, hdr, sizeof(hdr)),
	    "%s: header: got \"%s\", want none", label, hdr);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* A short header buffer is NUL-terminated and not overrun. */
START_TEST(test_dryrun_header_short)
{
	const char *label = "dryrun header short buffer";
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	char hdr[64];

	cfg = parse(label, C_DRY);
	start(label, &s, cfg, OUT, NULL, SENDER);
	(void)step_rcpt(&s, "x@else.test", &v);
	memset(hdr, 'Z', sizeof(hdr));
	(void)rw_session_dryrun_header(&s, hdr, 16);
	ck_assert_msg(memchr(hdr, '\0', 16) != NULL, "%s: got no NUL in the "
	    "first 16 bytes, want one", label);
	ck_assert_msg(hdr[16] == 'Z', "%s: got byte 16 = 0x%02x, want it "
	    "untouched", label, (unsigned char)hdr[16]);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

static Suite *
relay_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("relay");
	tc = tcase_create("relay");
	tcase_add_loop_test(tc, test_relay, 0,
	    sizeof(relay_cases) / sizeof(relay_cases[0]));
	tcase_add_test(tc, test_relay_reply_names_rcpt);
	tcase_add_test(tc, test_relay_per_recipient);
	tcase_add_loop_test(tc, test_relay_long, 0,
	    sizeof(long_rcpt_cases) / sizeof(long_rcpt_cases[0]));
	tcase_add_test(tc, test_relay_unknown_client);
	suite_add_tcase(s, tc);
	tc = tcase_create("max_recipients");
	tcase_add_loop_test(tc, test_max_recipients, 0,
	    sizeof(max_cases) / sizeof(max_cases[0]));
	tcase_add_loop_test(tc, test_many_recipients, 0,
	    sizeof(many_cases) / sizeof(many_cases[0]));
	tcase_add_test(tc, test_max_recipients_reset);
	suite_add_tcase(s, tc);
	tc = tcase_create("access");
	tcase_add_loop_test(tc, test_client_access, 0,
	    sizeof(client_cases) / sizeof(client_cases[0]));
	tcase_add_test(tc, test_client_access_every_mail);
	tcase_add_loop_test(tc, test_sender_access, 0,
	    sizeof(sender_cases) / sizeof(sender_cases[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("dryrun");
	tcase_add_test(tc, test_dryrun_relay);
	tcase_add_test(tc, test_dryrun_two);
	tcase_add_test(tc, test_dryrun_client);
	tcase_add_test(tc, test_enforce_no_header);
	tcase_add_test(tc, test_dryrun_header_short);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(relay_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
