/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_forgery - unit tests of forged_local_sender, bounce_multiple_rcpts
 *	and client_access by host name
 * DESCRIPTION
 *	Through the session, as the glue drives it. For the host-name
 *	entries the DNS facts (PTR status, forward confirmation, the name)
 *	are set by hand before the DNS verdict stage, as the gatherer would:
 *	a verified name matches, the same name unverified never does.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_policy.h"
#include "steps.h"
#include "testconf.h"

#define BASE	"local_domains = ours.test, .sub.ours.test\nspf_check = no\n" \
		"spf_check_helo = no\nrdns_check = off\n" \
		"helo_names_us = off\nhelo_foreign_literal = off\n" \
		"helo_syntax = off\nhelo_fqdn = off\n"

static struct rw_config *
config(const char *extra)
{
	char	text[2048];

	ck_assert_int_lt(snprintf(text, sizeof(text), BASE "%s", extra),
	    (int)sizeof(text));
	return test_config("forgery", "forgery.conf", text);
}

/* ------------------------------------------------------------ forged_local_sender */

struct sender_case {
	const char	*label;
	const char	*client;
	const char	*sender;
	const char	*auth;
	bool		 judged;
};

static const struct sender_case senders[] = {
	{ "local sender from outside", "192.0.2.10", "ceo@ours.test", NULL, true },
	{ "upper case domain", "192.0.2.10", "ceo@OURS.TEST", NULL, true },
	{ "subdomain of a .domain entry", "192.0.2.10", "a@x.sub.ours.test", NULL,
	    true },
	{ "subdomain of an exact entry", "192.0.2.10", "a@x.ours.test", NULL, false },
	{ "foreign sender", "192.0.2.10", "a@example.net", NULL, false },
	{ "null sender", "192.0.2.10", "", NULL, false },
	{ "authenticated", "192.0.2.10", "ceo@ours.test", "ceo", false },
	{ "trusted network", "127.0.0.1", "ceo@ours.test", NULL, false },
	{ "IPv6 outsider", "2001:db8::10", "ceo@ours.test", NULL, true },
	{ "look-alike domain", "192.0.2.10", "ceo@evil-ours.test", NULL, false },
};

START_TEST(forged_sender)
{
	const struct sender_case *c = &senders[_i];
	struct rw_config *cfg = config("forged_local_sender = reject\n");
	struct rw_session s;
	struct rw_verdict v;
	enum rw_action a;

	rw_session_init(&s, cfg);
	(void)step_connect(&s, c->client, "client.example", &v);
	(void)step_helo(&s, "client.example.net", &v);
	a = step_mail(&s, c->sender, c->auth, &v);
	if (c->judged) {
		ck_assert_msg(a == RW_ACT_REJECT && strcmp(v.check,
		    "forged_local_sender") == 0 && strcmp(v.rcode, "550") == 0 &&
		    strcmp(v.xcode, "5.7.1") == 0, "%s: got %s by %s", c->label,
		    rw_action_name(a), v.check ? v.check : "none");
		ck_assert_msg(strstr(v.text, "authenticate") != NULL,
		    "%s: text \"%s\"", c->label, v.text);
	} else
		ck_assert_msg(a == RW_ACT_CONTINUE && v.check == NULL,
		    "%s: got %s by %s", c->label, rw_action_name(a),
		    v.check ? v.check : "none");
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* default tag; trust_authenticated = no: authenticated is still not judged */
START_TEST(forged_sender_tag)
{
	struct rw_config *cfg = config("");
	struct rw_session s;
	struct rw_verdict v;
	char	hdr[RW_HEADER_MAX];

	rw_session_init(&s, cfg);
	(void)step_connect(&s, "192.0.2.10", "client.example", &v);
	ck_assert(step_mail(&s, "ceo@ours.test", NULL, &v) == RW_ACT_CONTINUE);
	ck_assert(v.action == RW_ACT_TAG);
	ck_assert(step_rcpt(&s, "u@ours.test", &v) == RW_ACT_CONTINUE);
	ck_assert(rw_session_tags(&s, hdr, sizeof(hdr)));
	ck_assert_msg(strcmp(hdr, "sender=forged-local") == 0, "tags: \"%s\"", hdr);
	rw_session_release(&s);
	rw_config_free(cfg);

	cfg = config("forged_local_sender = reject\ntrust_authenticated = no\n");
	rw_session_init(&s, cfg);
	(void)step_connect(&s, "192.0.2.10", "client.example", &v);
	ck_assert_msg(step_mail(&s, "ceo@ours.test", "ceo", &v) == RW_ACT_CONTINUE,
	    "authenticated, not trusted: got %s", v.check ? v.check : "?");
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ bounce_multiple_rcpts */

START_TEST(bounce_rcpts)
{
	struct rw_config *cfg = config("");	/* default off */
	struct rw_session s;
	struct rw_verdict v;
	char	hdr[RW_HEADER_MAX];

	/* off by default: relaywarden-query's default sender is the null
	 * sender, and a bounce to two recipients was accepted before */
	rw_session_init(&s, cfg);
	(void)step_connect(&s, "192.0.2.10", "client.example", &v);
	ck_assert(step_mail(&s, "", NULL, &v) == RW_ACT_CONTINUE);
	ck_assert(step_rcpt(&s, "a@ours.test", &v) == RW_ACT_CONTINUE);
	ck_assert_msg(step_rcpt(&s, "b@ours.test", &v) == RW_ACT_CONTINUE &&
	    v.action == RW_ACT_CONTINUE, "default: second recipient got %s",
	    rw_action_name(v.action));
	rw_session_release(&s);
	rw_config_free(cfg);

	cfg = config("bounce_multiple_rcpts = reject\n");
	rw_session_init(&s, cfg);
	(void)step_connect(&s, "192.0.2.10", "client.example", &v);
	ck_assert(step_mail(&s, "", NULL, &v) == RW_ACT_CONTINUE);
	ck_assert_msg(step_rcpt(&s, "a@ours.test", &v) == RW_ACT_CONTINUE,
	    "first recipient: got %s", v.check ? v.check : "?");
	ck_assert(step_rcpt(&s, "b@ours.test", &v) == RW_ACT_REJECT);
	ck_assert_msg(strcmp(v.check, "bounce_multiple_rcpts") == 0 &&
	    strcmp(v.rcode, "550") == 0 && strcmp(v.xcode, "5.5.3") == 0,
	    "second: %s %s %s", v.check, v.rcode, v.xcode);
	ck_assert(step_rcpt(&s, "c@ours.test", &v) == RW_ACT_REJECT);
	/* a new transaction with a real sender: any number */
	ck_assert(step_mail(&s, "a@example.net", NULL, &v) == RW_ACT_CONTINUE);
	ck_assert(step_rcpt(&s, "a@ours.test", &v) == RW_ACT_CONTINUE);
	ck_assert(step_rcpt(&s, "b@ours.test", &v) == RW_ACT_CONTINUE);
	rw_session_release(&s);

	/* a recipient refused for relaying does not count */
	rw_session_init(&s, cfg);
	(void)step_connect(&s, "192.0.2.10", "client.example", &v);
	(void)step_mail(&s, "", NULL, &v);
	ck_assert(step_rcpt(&s, "x@elsewhere.example", &v) == RW_ACT_REJECT);
	ck_assert_msg(strcmp(v.check, "relay") == 0, "relay: got %s", v.check);
	ck_assert(step_rcpt(&s, "a@ours.test", &v) == RW_ACT_CONTINUE);
	ck_assert(step_rcpt(&s, "b@ours.test", &v) == RW_ACT_REJECT);
	rw_session_release(&s);

	/* insiders send what they like */
	rw_session_init(&s, cfg);
	(void)step_connect(&s, "127.0.0.1", "localhost", &v);
	(void)step_mail(&s, "", NULL, &v);
	ck_assert(step_rcpt(&s, "a@ours.test", &v) == RW_ACT_CONTINUE);
	ck_assert(step_rcpt(&s, "b@ours.test", &v) == RW_ACT_CONTINUE);
	rw_session_release(&s);
	rw_config_free(cfg);

	cfg = config("bounce_multiple_rcpts = tag\n");
	rw_session_init(&s, cfg);
	(void)step_connect(&s, "192.0.2.10", "client.example", &v);
	(void)step_mail(&s, "", NULL, &v);
	(void)step_rcpt(&s, "a@ours.test", &v);
	ck_assert(!rw_session_tags(&s, hdr, sizeof(hdr)));
	(void)step_rcpt(&s, "b@ours.test", &v);
	(void)step_rcpt(&s, "c@ours.test", &v);
	ck_assert(rw_session_tags(&s, hdr, sizeof(hdr)));
	ck_assert_msg(strcmp(hdr, "bounce=multiple-rcpts") == 0, "tags: \"%s\"", hdr);
	rw_session_release(&s);
	rw_config_free(cfg);

	cfg = config("bounce_multiple_rcpts = tempfail\n");
	rw_session_init(&s, cfg);
	(void)step_connect(&s, "192.0.2.10", "client.example", &v);
	(void)step_mail(&s, "", NULL, &v);
	(void)step_rcpt(&s, "a@ours.test", &v);
	ck_assert(step_rcpt(&s, "b@ours.test", &v) == RW_ACT_TEMPFAIL);
	ck_assert(strcmp(v.rcode, "452") == 0 && strcmp(v.xcode, "4.5.3") == 0);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ client_access by name */

struct glob_case {
	const char	*pattern;
	const char	*name;
	bool		 match;
};

static const struct glob_case globs[] = {
	{ "dsl-*.pool.example.net", "dsl-1-2-3.pool.example.net", true },
	{ "dsl-*.pool.example.net", "dsl-.pool.example.net", true },
	{ "dsl-*.pool.example.net", "dsl-1.x.pool.example.net", false },
	{ "dsl-*.pool.example.net", "adsl-1.pool.example.net", false },
	{ "dsl-*.pool.example.net", "dsl-1.pool.example.net.evil", false },
	{ "*.pool.example.net", "x.pool.example.net", true },
	{ "*.pool.example.net", "pool.example.net", false },
	{ "*-*-*.dyn.example.net", "a-b-c.dyn.example.net", true },
	{ "*-*-*.dyn.example.net", "a-b.dyn.example.net", false },
	{ "h?.example.net", "h1.example.net", true },
	{ "h?.example.net", "h12.example.net", false },
	{ "*x*y", "axbxcy", true },
	{ "*x*y", "axbxc", false },
};

START_TEST(glob)
{
	const struct glob_case *c = &globs[_i];

	ck_assert_msg(rw_glob_match(c->pattern, c->name) == c->match,
	    "%s against %s: want %s", c->pattern, c->name,
	    c->match ? "match" : "no match");
}
END_TEST

#define NAMES	"client_access = 192.0.2.99 OK, mail.example.net OK, " \
		".pool.example.net REJECT pool, good.pool.example.net OK, " \
		"dsl-*.isp.example REJECT glob, /^dyn[0-9]+\\.isp\\.example$/ " \
		"TEMPFAIL pcre, .isp.example OK\n"

struct access_case {
	const char	*label;
	const char	*client;
	const char	*name;
	enum rw_rdns_result rdns;
	enum rw_action	 want;
	const char	*text;		/* reply text, for a refusal */
};

static const struct access_case accesses[] = {
	{ "exact OK", "192.0.2.10", "mail.example.net", RW_RDNS_PASS,
	    RW_ACT_CONTINUE, NULL },
	{ ".domain REJECT", "192.0.2.10", "h1.pool.example.net", RW_RDNS_PASS,
	    RW_ACT_REJECT, "pool" },
	{ ".domain matches itself", "192.0.2.10", "pool.example.net",
	    RW_RDNS_PASS, RW_ACT_REJECT, "pool" },
	{ "exact beats .domain", "192.0.2.10", "good.pool.example.net",
	    RW_RDNS_PASS, RW_ACT_CONTINUE, NULL },
	{ "case and trailing dot", "192.0.2.10", "H1.Pool.Example.NET.",
	    RW_RDNS_PASS, RW_ACT_REJECT, "pool" },
	{ "look-alike domain", "192.0.2.10", "h1.evilpool.example.net",
	    RW_RDNS_PASS, RW_ACT_CONTINUE, NULL },
	{ ".domain beats a glob", "192.0.2.10", "dsl-7.isp.example",
	    RW_RDNS_PASS, RW_ACT_CONTINUE, NULL },
	{ "IPv6 client, verified name", "2001:db8::10", "h2.pool.example.net",
	    RW_RDNS_PASS, RW_ACT_REJECT, "pool" },
	{ "unverified name never matches", "192.0.2.10", "h1.pool.example.net",
	    RW_RDNS_MISMATCH, RW_ACT_CONTINUE, NULL },
	{ "temperror never matches", "192.0.2.10", "h1.pool.example.net",
	    RW_RDNS_TEMPERROR, RW_ACT_CONTINUE, NULL },
	{ "address OK wins", "192.0.2.99", "h1.pool.example.net", RW_RDNS_PASS,
	    RW_ACT_CONTINUE, NULL },
	{ "insider", "127.0.0.1", "h1.pool.example.net", RW_RDNS_PASS,
	    RW_ACT_CONTINUE, NULL },
};

/* dns_facts - what the gatherer would have filled in */
static void
dns_facts(struct rw_session *s, const char *name, enum rw_rdns_result rdns)
{
	s->f.dns_ready = true;
	s->f.rdns = rdns;
	s->f.ptr_status = rdns == RW_RDNS_TEMPERROR ? RW_DNS_TIMEOUT : RW_DNS_OK;
	ck_assert(rw_fact_set(&s->f.ptr_name, name));
}

START_TEST(name_access)
{
	const struct access_case *c = &accesses[_i];
	struct rw_config *cfg = config(NAMES);
	struct rw_session s;
	struct rw_verdict v;
	enum rw_action a;

	rw_session_init(&s, cfg);
	(void)step_connect(&s, c->client, c->name, &v);
	(void)step_helo(&s, "client.example.net", &v);
	ck_assert(step_mail(&s, "a@example.net", NULL, &v) == RW_ACT_CONTINUE);
	rw_session_record_rcpt(&s, "u@ours.test");
	dns_facts(&s, c->name, c->rdns);
	a = rw_session_decide(&s, RW_STAGE_RCPT, &v);
	ck_assert_msg(a == c->want, "%s: got %s (%s), want %s", c->label,
	    rw_action_name(a), v.reason, rw_action_name(c->want));
	if (c->text != NULL)
		ck_assert_msg(strcmp(v.check, "client_access") == 0 &&
		    strcmp(v.text, c->text) == 0 && strstr(v.reason, "verified") !=
		    NULL, "%s: check %s text \"%s\" reason \"%s\"", c->label,
		    v.check, v.text, v.reason);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* the glob and the PCRE2 pattern alone; a verified OK name makes the client OK */
START_TEST(name_patterns_match)
{
	static const struct { const char *name; enum rw_action want; } rows[] = {
		{ "dsl-1-2.isp.example", RW_ACT_REJECT },
		{ "DYN42.isp.example", RW_ACT_TEMPFAIL },
		{ "dyn42.isp.example.evil", RW_ACT_CONTINUE },
		{ "dynx.isp.example", RW_ACT_CONTINUE },
		{ "mail.isp.example", RW_ACT_CONTINUE },
	};
	struct rw_config *cfg = config("client_access = dsl-*.isp.example "
	    "REJECT glob, /^dyn[0-9]+\\.isp\\.example$/ TEMPFAIL pcre\n");
	struct rw_session s;
	struct rw_verdict v;
	char	hdr[RW_HEADER_MAX];
	size_t	i;
	enum rw_action a;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		rw_session_init(&s, cfg);
		(void)step_connect(&s, "192.0.2.10", rows[i].name, &v);
		(void)step_mail(&s, "a@example.net", NULL, &v);
		rw_session_record_rcpt(&s, "u@ours.test");
		dns_facts(&s, rows[i].name, RW_RDNS_PASS);
		a = rw_session_decide(&s, RW_STAGE_RCPT, &v);
		ck_assert_msg(a == rows[i].want, "%s: got %s, want %s",
		    rows[i].name, rw_action_name(a), rw_action_name(rows[i].want));
		if (a == RW_ACT_TEMPFAIL)
			ck_assert(strcmp(v.rcode, "450") == 0 &&
			    strcmp(v.text, "pcre") == 0);
		rw_session_release(&s);
	}
	rw_config_free(cfg);

	/* OK by name: the client is OK from the DNS stage on, so the tag
	 * forged_local_sender gave at MAIL no longer marks its mail (as
	 * with an address OK) */
	cfg = config("client_access = mail.example.net OK\n");
	rw_session_init(&s, cfg);
	(void)step_connect(&s, "192.0.2.10", "mail.example.net", &v);
	(void)step_mail(&s, "ceo@ours.test", NULL, &v);
	ck_assert(v.action == RW_ACT_TAG);
	rw_session_record_rcpt(&s, "u@ours.test");
	dns_facts(&s, "mail.example.net", RW_RDNS_PASS);
	ck_assert(rw_session_decide(&s, RW_STAGE_RCPT, &v) == RW_ACT_CONTINUE);
	ck_assert_msg(s.f.client_ok, "a verified OK name makes the client OK");
	ck_assert(!rw_session_tags(&s, hdr, sizeof(hdr)));
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* configuration errors: file:line, the entry named */
struct bad_case {
	const char	*entry;
	const char	*error;
};

static const struct bad_case bads[] = {
	{ "/dyn(/ REJECT", "bad pattern \"/dyn(/\": bad pattern at offset" },
	{ "/dyn REJECT", "a pattern is written /regex/" },
	{ "dsl-*..pool.example REJECT", "bad host name pattern" },
	{ "mail..example.net REJECT", "bad host name \"mail..example.net\"" },
	{ "192.0.2.300 REJECT", "forgery.conf:9: client_access:" },
	{ "mail.example.net OK, mail.example.net REJECT", "contradicts" },
};

START_TEST(name_config_errors)
{
	const struct bad_case *c = &bads[_i];
	struct rw_config *cfg;
	char	text[1024], err[RW_ERR_MAX] = "";

	snprintf(text, sizeof(text), BASE "client_access = %s\n", c->entry);
	cfg = rw_config_parse(text, "forgery.conf", NULL, NULL, err, sizeof(err));
	ck_assert_msg(cfg == NULL, "\"%s\" was accepted", c->entry);
	ck_assert_msg(strstr(err, c->error) != NULL && strstr(err,
	    "forgery.conf:9:") != NULL, "\"%s\": error \"%s\", want \"%s\"",
	    c->entry, err, c->error);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("forgery");
	TCase	*tc = tcase_create("forged_local_sender");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, forged_sender, 0,
	    (int)(sizeof(senders) / sizeof(senders[0])));
	tcase_add_test(tc, forged_sender_tag);
	suite_add_tcase(s, tc);
	tc = tcase_create("bounce_multiple_rcpts");
	tcase_add_test(tc, bounce_rcpts);
	suite_add_tcase(s, tc);
	tc = tcase_create("client_access by name");
	tcase_add_loop_test(tc, glob, 0, (int)(sizeof(globs) / sizeof(globs[0])));
	tcase_add_loop_test(tc, name_access, 0,
	    (int)(sizeof(accesses) / sizeof(accesses[0])));
	tcase_add_test(tc, name_patterns_match);
	tcase_add_loop_test(tc, name_config_errors, 0,
	    (int)(sizeof(bads) / sizeof(bads[0])));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
