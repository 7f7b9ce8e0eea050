/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_helo - unit tests of the HELO checks (policy/helo.c)
 * DESCRIPTION
 *	helo_foreign_literal through the session, as the glue drives it:
 *	connect, HELO, MAIL (where the verdict is given). Table-driven, a
 *	label per row; then the tag header and a dryrun note, recorded
 *	once however many recipients follow.
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
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
