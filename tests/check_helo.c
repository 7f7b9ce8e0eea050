/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_helo - unit tests of the HELO checks (policy/helo.c)
 * DESCRIPTION
 *	helo_foreign_literal through the session, as the glue drives it:
 *	connect, HELO, MAIL (where the verdict is given). Table-driven, a
 *	label per row; then the tag header and a dryrun note, recorded
 *	once however many recipients follow.
 *
 *	Then one table of HELO names for helo_names_us, helo_syntax and
 *	helo_fqdn together, each set to reject (or to tag, for the tag
 *	header), with the forms real servers send that strict checks are
 *	known to refuse: underscores, a trailing dot, upper case, bare
 *	machine names, IPv6 literals in any case.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_policy.h"
#include "steps.h"

#define BASE	"local_domains = ours.test\nspf_check = no\nspf_check_helo = no\n" \
		"rdns_check = off\ntrusted_networks = 127.0.0.0/8\n" HELO_OFF
/* the other HELO checks off: each table row judges the one it sets */
#define HELO_OFF "helo_names_us = off\n" \
		"helo_syntax = off\nhelo_fqdn = off\nforged_local_sender = off\n" \
		"bounce_multiple_rcpts = off\n"

struct helo_case {
	const char	*label;
	const char	*action;	/* helo_foreign_literal = */
	const char	*client;
	const char	*helo;
	const char	*auth;		/* {auth_authen} or NULL */
	enum rw_action	 want;		/* what the MTA is told at MAIL */
	enum rw_action	 verdict;	/* what the verdict says */
	const char	*reply;		/* "550 5.7.1" or NULL */
};

static const struct helo_case cases[] = {
	{ "own literal", "reject", "192.0.2.10", "[192.0.2.10]", NULL,
	    RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "foreign literal refused", "reject", "192.0.2.10", "[192.0.2.99]", NULL,
	    RW_ACT_REJECT, RW_ACT_REJECT, "550 5.7.1" },
	{ "foreign literal tempfail", "tempfail", "192.0.2.10", "[10.0.0.5]", NULL,
	    RW_ACT_TEMPFAIL, RW_ACT_TEMPFAIL, "450 4.7.1" },
	{ "foreign literal tagged", "tag", "192.0.2.10", "[10.0.0.5]", NULL,
	    RW_ACT_CONTINUE, RW_ACT_TAG, NULL },
	{ "off", "off", "192.0.2.10", "[10.0.0.5]", NULL,
	    RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "bare foreign address", "reject", "192.0.2.10", "10.0.0.5", NULL,
	    RW_ACT_REJECT, RW_ACT_REJECT, "550 5.7.1" },
	{ "bare own address", "reject", "192.0.2.10", "192.0.2.10", NULL,
	    RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "host name", "reject", "192.0.2.10", "mail.example.test", NULL,
	    RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "invalid literal is not ours to judge", "reject", "192.0.2.10",
	    "[999.1.1.1]", NULL, RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "unterminated literal", "reject", "192.0.2.10", "[10.0.0.5", NULL,
	    RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "IPv6 own literal", "reject", "2001:db8::10", "[IPv6:2001:DB8::10]", NULL,
	    RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "IPv6 foreign literal", "reject", "2001:db8::10", "[IPv6:2001:db8::11]",
	    NULL, RW_ACT_REJECT, RW_ACT_REJECT, "550 5.7.1" },
	{ "IPv4 client, v4-mapped literal", "reject", "192.0.2.10",
	    "[IPv6:::ffff:192.0.2.10]", NULL, RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "IPv6 client, IPv4 literal", "reject", "2001:db8::10", "[192.0.2.10]",
	    NULL, RW_ACT_REJECT, RW_ACT_REJECT, "550 5.7.1" },
	{ "authenticated roaming user", "reject", "192.0.2.10", "[192.168.1.5]",
	    "alice", RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "trusted network", "reject", "127.0.0.1", "[192.168.1.5]", NULL,
	    RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "unknown client address", "reject", NULL, "[192.168.1.5]", NULL,
	    RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
};

START_TEST(helo_foreign_literal)
{
	const struct helo_case *c = &cases[_i];
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	char	text[512], err[RW_ERR_MAX] = "", rcode[16];
	enum rw_action a;

	snprintf(text, sizeof(text), BASE "helo_foreign_literal = %s\n", c->action);
	cfg = rw_config_parse(text, "helo.conf", NULL, NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s: configuration: %s", c->label, err);
	rw_session_init(&s, cfg);
	a = step_connect(&s, c->client, "client.example", &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: connect: got %s", c->label,
	    rw_action_name(a));
	a = step_helo(&s, c->helo, &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: helo: got %s, want continue "
	    "(the verdict is given at MAIL)", c->label, rw_action_name(a));
	a = step_mail(&s, "a@b.test", c->auth, &v);
	ck_assert_msg(a == c->want, "%s: mail: got %s, want %s", c->label,
	    rw_action_name(a), rw_action_name(c->want));
	ck_assert_msg(v.action == c->verdict, "%s: verdict: got %s, want %s",
	    c->label, rw_action_name(v.action), rw_action_name(c->verdict));
	if (c->verdict != RW_ACT_CONTINUE)
		ck_assert_msg(v.check != NULL &&
		    strcmp(v.check, "helo_foreign_literal") == 0,
		    "%s: check: got %s", c->label, v.check ? v.check : "none");
	if (c->reply != NULL) {
		snprintf(rcode, sizeof(rcode), "%s %s", v.rcode, v.xcode);
		ck_assert_msg(strcmp(rcode, c->reply) == 0, "%s: reply: got \"%s\", "
		    "want \"%s\"", c->label, rcode, c->reply);
		ck_assert_msg(strstr(v.text, c->helo) != NULL &&
		    strstr(v.text, c->client) != NULL, "%s: text \"%s\" names "
		    "neither the HELO nor the client", c->label, v.text);
	}
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* tag: one header part; dryrun: one note, whatever the recipients */
START_TEST(helo_outcomes_once)
{
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	char	err[RW_ERR_MAX] = "", hdr[RW_HEADER_MAX];
	const char *p;
	int	i, n;

	cfg = rw_config_parse(BASE "helo_foreign_literal = tag\n", "helo.conf",
	    NULL, NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "configuration: %s", err);
	rw_session_init(&s, cfg);
	(void)step_connect(&s, "192.0.2.10", "client.example", &v);
	(void)step_helo(&s, "[10.0.0.5]", &v);
	(void)step_mail(&s, "a@b.test", NULL, &v);
	for (i = 0; i < 3; i++)
		(void)step_rcpt(&s, "u@ours.test", &v);
	ck_assert(rw_session_tags(&s, hdr, sizeof(hdr)));
	ck_assert_msg(strcmp(hdr, "helo=foreign-literal") == 0,
	    "tags: got \"%s\"", hdr);
	rw_session_release(&s);
	rw_config_free(cfg);

	cfg = rw_config_parse(BASE "helo_foreign_literal = reject\nmode = dryrun\n",
	    "helo.conf", NULL, NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "configuration: %s", err);
	rw_session_init(&s, cfg);
	(void)step_connect(&s, "192.0.2.10", "client.example", &v);
	(void)step_helo(&s, "[10.0.0.5]", &v);
	ck_assert(step_mail(&s, "a@b.test", NULL, &v) == RW_ACT_CONTINUE);
	ck_assert_msg(v.dryrun && v.action == RW_ACT_REJECT, "dryrun mail: got %s "
	    "dryrun %d", rw_action_name(v.action), v.dryrun);
	for (i = 0; i < 3; i++)
		(void)step_rcpt(&s, "u@ours.test", &v);
	ck_assert(rw_session_dryrun_header(&s, hdr, sizeof(hdr)));
	for (n = 0, p = hdr; (p = strstr(p, "would reject")) != NULL; p++)
		n++;
	ck_assert_msg(n == 1 && strstr(hdr, "mail <a@b.test>: would reject "
	    "(helo_foreign_literal): 550 5.7.1 HELO [10.0.0.5] is not your "
	    "address 192.0.2.10") != NULL, "dryrun header: got \"%s\"", hdr);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/*
 * The HELO table: every HELO check on at once, each with its own action,
 * so a row shows which one (if any) judges a name.
 */
#define ALL	"local_domains = ours.test, .sub.ours.test\nspf_check = no\n" \
		"spf_check_helo = no\nrdns_check = off\n" \
		"our_hostnames = mx2.ours.test\nour_addresses = 198.51.100.25, " \
		"2001:db8:25::/64\nforged_local_sender = off\n" \
		"bounce_multiple_rcpts = off\n"
#define MTA	"mx.ours.test"		/* macro j */
#define SERVER	"203.0.113.25"		/* {daemon_addr} */

struct name_case {
	const char	*label;
	const char	*client;
	const char	*helo;
	const char	*check;		/* the check that refuses, or NULL */
	const char	*reply;		/* its "550 x.y.z" */
};

static const struct name_case names[] = {
	/* helo_names_us */
	{ "our j name", "192.0.2.10", "mx.ours.test", "helo_names_us", "550 5.7.1" },
	{ "our j name, upper case, trailing dot", "192.0.2.10", "MX.Ours.Test.",
	    "helo_names_us", "550 5.7.1" },
	{ "our_hostnames", "192.0.2.10", "mx2.ours.test", "helo_names_us", "550 5.7.1" },
	{ "a local domain", "192.0.2.10", "ours.test", "helo_names_us", "550 5.7.1" },
	{ "a host below a local domain is not us", "192.0.2.10",
	    "client.ours.test", NULL, NULL },
	{ "a host below a .local domain is not us", "192.0.2.10",
	    "a.sub.ours.test", NULL, NULL },
	{ "localhost", "192.0.2.10", "localhost", "helo_names_us", "550 5.7.1" },
	{ "localhost.localdomain", "192.0.2.10", "localhost.localdomain",
	    "helo_names_us", "550 5.7.1" },
	{ "ip6-localhost", "2001:db8::10", "ip6-localhost", "helo_names_us",
	    "550 5.7.1" },
	{ "the address connected to", "192.0.2.10", "[203.0.113.25]",
	    "helo_names_us", "550 5.7.1" },
	{ "the address connected to, bare", "192.0.2.10", "203.0.113.25",
	    "helo_names_us", "550 5.7.1" },
	{ "our_addresses", "192.0.2.10", "[198.51.100.25]", "helo_names_us",
	    "550 5.7.1" },
	{ "our_addresses, IPv6 network", "2001:db8::10", "[IPv6:2001:DB8:25::1]",
	    "helo_names_us", "550 5.7.1" },
	{ "our_addresses, v4-mapped literal", "192.0.2.10",
	    "[IPv6:::ffff:198.51.100.25]", "helo_names_us", "550 5.7.1" },
	{ "own address literal is not us", "198.51.100.25", "[198.51.100.25]",
	    NULL, NULL },
	/* helo_foreign_literal after helo_names_us */
	{ "foreign literal", "192.0.2.10", "[192.0.2.99]", "helo_foreign_literal",
	    "550 5.7.1" },
	{ "foreign IPv6 literal", "2001:db8::10", "[IPv6:2001:db8::99]",
	    "helo_foreign_literal", "550 5.7.1" },
	/* helo_syntax */
	{ "space in name", "192.0.2.10", "my pc", "helo_syntax", "550 5.5.2" },
	{ "empty label", "192.0.2.10", "mail..example.net", "helo_syntax",
	    "550 5.5.2" },
	{ "leading hyphen", "192.0.2.10", "-mail.example.net", "helo_syntax",
	    "550 5.5.2" },
	{ "label ends in hyphen", "192.0.2.10", "mail-.example.net",
	    "helo_syntax", "550 5.5.2" },
	{ "bad IPv4 literal", "192.0.2.10", "[999.1.1.1]", "helo_syntax",
	    "550 5.5.2" },
	{ "unterminated literal", "192.0.2.10", "[192.0.2.10", "helo_syntax",
	    "550 5.5.2" },
	{ "bad IPv6 literal", "2001:db8::10", "[IPv6:2001:db8::zz]",
	    "helo_syntax", "550 5.5.2" },
	{ "IPv6 literal without its tag", "2001:db8::10", "[2001:db8::10]",
	    "helo_syntax", "550 5.5.2" },
	{ "quotes and angle brackets", "192.0.2.10", "<mail.example.net>",
	    "helo_syntax", "550 5.5.2" },
	{ "non-ASCII", "192.0.2.10", "m\xc3\xa4il.example.net", "helo_syntax",
	    "550 5.5.2" },
	/* the false positives of strict checks: tolerated */
	{ "underscore", "192.0.2.10", "mail_1.example.net", NULL, NULL },
	{ "trailing dot", "192.0.2.10", "mail.example.net.", NULL, NULL },
	{ "upper case", "192.0.2.10", "MAIL.EXAMPLE.NET", NULL, NULL },
	{ "own bare address", "192.0.2.10", "192.0.2.10", NULL, NULL },
	{ "own literal, IPv6 tag in lower case", "2001:db8::10",
	    "[ipv6:2001:db8::10]", NULL, NULL },
	{ "digits-only label", "192.0.2.10", "123.example.net", NULL, NULL },
	{ "long but valid", "192.0.2.10",
	    "a-very-long-label-of-sixty-three-characters-xxxxxxxxxxxxxxxxxxx.example.net",
	    NULL, NULL },
	/* helo_fqdn */
	{ "bare machine name", "192.0.2.10", "exchange", "helo_fqdn", "550 5.5.2" },
	{ "Windows machine name", "192.0.2.10", "WIN-3K1LQ0", "helo_fqdn",
	    "550 5.5.2" },
	{ "underscore machine name", "192.0.2.10", "MY_PC", "helo_fqdn",
	    "550 5.5.2" },
	{ "one label, trailing dot", "192.0.2.10", "exchange.", "helo_fqdn",
	    "550 5.5.2" },
	/* outsiders only */
	{ "trusted network", "127.0.0.1", "localhost", NULL, NULL },
	{ "unknown client, our name", NULL, "mx.ours.test", "helo_names_us",
	    "550 5.7.1" },
};

/* every HELO check on: reject, or the action given */
static struct rw_config *
all_config(const char *action, const char *extra)
{
	struct rw_config *cfg;
	char	text[1024], err[RW_ERR_MAX] = "";

	snprintf(text, sizeof(text), ALL "helo_names_us = %s\n"
	    "helo_foreign_literal = %s\nhelo_syntax = %s\nhelo_fqdn = %s\n%s",
	    action, action, action, action, extra);
	cfg = rw_config_parse(text, "helo.conf", NULL, NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "configuration: %s", err);
	return cfg;
}

START_TEST(helo_names)
{
	const struct name_case *c = &names[_i];
	struct rw_config *cfg = all_config("reject", "");
	struct rw_session s;
	struct rw_verdict v;
	char	rcode[16];
	enum rw_action a;

	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, c->client, "client.example", MTA);
	rw_session_record_server(&s, SERVER);
	(void)rw_session_decide(&s, RW_STAGE_CONNECT, &v);
	a = step_helo(&s, c->helo, &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: helo: got %s", c->label,
	    rw_action_name(a));
	a = step_mail(&s, "a@b.test", NULL, &v);
	if (c->check == NULL) {
		ck_assert_msg(a == RW_ACT_CONTINUE && v.check == NULL,
		    "%s: HELO \"%s\": got %s by %s (%s)", c->label, c->helo,
		    rw_action_name(a), v.check ? v.check : "none", v.reason);
	} else {
		ck_assert_msg(a == RW_ACT_REJECT && v.check != NULL &&
		    strcmp(v.check, c->check) == 0, "%s: HELO \"%s\": got %s "
		    "by %s, want reject by %s", c->label, c->helo,
		    rw_action_name(a), v.check ? v.check : "none", c->check);
		snprintf(rcode, sizeof(rcode), "%s %s", v.rcode, v.xcode);
		ck_assert_msg(strcmp(rcode, c->reply) == 0, "%s: reply: got "
		    "\"%s\", want \"%s\"", c->label, rcode, c->reply);
	}
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* an authenticated user is never judged, whatever the HELO */
START_TEST(helo_names_authenticated)
{
	struct rw_config *cfg = all_config("reject", "");
	struct rw_session s;
	struct rw_verdict v;
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rw_session_init(&s, cfg);
		rw_session_record_connect(&s, "192.0.2.10", "client.example", MTA);
		rw_session_record_server(&s, SERVER);
		(void)step_helo(&s, names[i].helo, &v);
		ck_assert_msg(step_mail(&s, "a@b.test", "alice", &v) ==
		    RW_ACT_CONTINUE && v.check == NULL, "%s: authenticated: got "
		    "%s", names[i].label, v.check ? v.check : "?");
		rw_session_release(&s);
	}
	rw_config_free(cfg);
}
END_TEST

/* tags: one part per check, in table order; tempfail's 4xx codes */
START_TEST(helo_names_tag_tempfail)
{
	struct rw_config *cfg = all_config("tag", "");
	struct rw_session s;
	struct rw_verdict v;
	char	hdr[RW_HEADER_MAX];

	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, "192.0.2.10", "client.example", MTA);
	(void)step_helo(&s, "exchange", &v);
	ck_assert(step_mail(&s, "a@b.test", NULL, &v) == RW_ACT_CONTINUE);
	ck_assert(step_rcpt(&s, "u@ours.test", &v) == RW_ACT_CONTINUE);
	ck_assert(rw_session_tags(&s, hdr, sizeof(hdr)));
	ck_assert_msg(strcmp(hdr, "helo=not-fqdn") == 0, "tags: got \"%s\"", hdr);
	rw_session_release(&s);

	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, "192.0.2.10", "client.example", MTA);
	(void)step_helo(&s, "localhost", &v);
	(void)step_mail(&s, "a@b.test", NULL, &v);
	ck_assert(rw_session_tags(&s, hdr, sizeof(hdr)));
	ck_assert_msg(strcmp(hdr, "helo=names-us") == 0, "tags: got \"%s\"", hdr);
	rw_session_release(&s);

	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, "192.0.2.10", "client.example", MTA);
	(void)step_helo(&s, "my pc", &v);
	(void)step_mail(&s, "a@b.test", NULL, &v);
	ck_assert(rw_session_tags(&s, hdr, sizeof(hdr)));
	ck_assert_msg(strcmp(hdr, "helo=invalid") == 0, "tags: got \"%s\"", hdr);
	rw_session_release(&s);
	rw_config_free(cfg);

	cfg = all_config("tempfail", "");
	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, "192.0.2.10", "client.example", MTA);
	(void)step_helo(&s, "exchange", &v);
	ck_assert(step_mail(&s, "a@b.test", NULL, &v) == RW_ACT_TEMPFAIL);
	ck_assert_msg(strcmp(v.rcode, "450") == 0 && strcmp(v.xcode, "4.5.2") == 0,
	    "tempfail: got %s %s", v.rcode, v.xcode);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* the defaults: names_us refuses, the softer ones tag */
START_TEST(helo_defaults)
{
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	char	err[RW_ERR_MAX] = "", hdr[RW_HEADER_MAX];

	cfg = rw_config_parse("spf_check = no\nspf_check_helo = no\n"
	    "rdns_check = off\n", "helo.conf", NULL, NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "configuration: %s", err);
	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, "192.0.2.10", "client.example", MTA);
	(void)step_helo(&s, "[10.0.0.5]", &v);
	ck_assert(step_mail(&s, "a@b.test", NULL, &v) == RW_ACT_CONTINUE);
	(void)step_helo(&s, "exchange", &v);
	ck_assert(step_mail(&s, "a@b.test", NULL, &v) == RW_ACT_CONTINUE);
	ck_assert(rw_session_tags(&s, hdr, sizeof(hdr)));
	ck_assert_msg(strcmp(hdr, "helo=not-fqdn") == 0, "default tags: got "
	    "\"%s\"", hdr);
	/* helo_names_us is tagged by default (tests and monitoring often
	 * HELO as the MTA's own host name; reject is the recommendation) */
	(void)step_helo(&s, "mx.ours.test", &v);
	ck_assert_msg(step_mail(&s, "a@b.test", NULL, &v) == RW_ACT_CONTINUE &&
	    v.action == RW_ACT_TAG && strcmp(v.check, "helo_names_us") == 0,
	    "default helo_names_us: got %s", rw_action_name(v.action));
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("helo");
	TCase	*tc = tcase_create("helo_foreign_literal");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, helo_foreign_literal, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, helo_outcomes_once);
	suite_add_tcase(s, tc);
	tc = tcase_create("helo_names");
	tcase_add_loop_test(tc, helo_names, 0,
	    (int)(sizeof(names) / sizeof(names[0])));
	tcase_add_test(tc, helo_names_authenticated);
	tcase_add_test(tc, helo_names_tag_tempfail);
	tcase_add_test(tc, helo_defaults);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
