/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_profile - unit tests for policy per listener (policy/profile.c)
 * DESCRIPTION
 *	Table-driven, a label per row:
 *	- selection: which profile (or the main policy) a listener gets,
 *	  by {daemon_name}, {daemon_port} and {daemon_addr}, first match in
 *	  file order winning;
 *	- inheritance: a profile's effective values, keys it sets and keys
 *	  it inherits from the main part, with the main part unchanged;
 *	- errors: every bad section reported at its "file:line", and
 *	  nothing returned.
 *	The main part is parsed as the daemon does it: from
 *	rw_profiles_main_text(), so a section's keys must not leak into it.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_policy.h"

#define SOURCE	"test.conf"

static const char conf_text[] =
    "trusted_networks = 127.0.0.0/8\n"			/* 1 */
    "local_domains = ours.test\n"			/* 2 */
    "rdns_check = reject\n"				/* 3 */
    "max_recipients = 50\n"				/* 4 */
    "\n"						/* 5 */
    "[profile submission]   # port 587\n"		/* 6 */
    "match = name submission, port 587\n"		/* 7 */
    "trusted_networks = 10.0.0.0/8\n"			/* 8 */
    "rdns_check = off\n"				/* 9 */
    "\n"						/* 10 */
    "[profile inner]\n"					/* 11 */
    "match = addr 127.0.0.3, addr ::1, port 2525\n"	/* 12 */
    "max_recipients = 2\n"				/* 13 */
    "[profile late]\n"					/* 14 */
    "match = port 587\n"				/* 15 */
    "max_recipients = 7\n";				/* 16 */

struct parsed {
	struct rw_config *main;
	struct rw_profiles ps;
};

static void
parse_ok(const char *text, struct parsed *p)
{
	char	 err[RW_ERR_MAX];
	char	*main_text;

	main_text = rw_profiles_main_text(text);
	ck_assert_ptr_nonnull(main_text);
	p->main = rw_config_parse(main_text, SOURCE, NULL, NULL, err,
	    sizeof(err));
	free(main_text);
	ck_assert_msg(p->main != NULL, "main part: %s", err);
	ck_assert_msg(rw_profiles_parse(text, SOURCE, NULL, NULL, &p->ps, err,
	    sizeof(err)), "profiles: %s", err);
}

static void
parsed_free(struct parsed *p)
{
	rw_profiles_free(&p->ps);
	rw_config_free(p->main);
}

/* ------------------------------------------------------------ selection */

static const struct sel_case {
	const char	*label;
	const char	*name, *port, *addr;
	const char	*want;		/* profile name, NULL: main */
} sel_cases[] = {
	{ "no macros at all", NULL, NULL, NULL, NULL },
	{ "port 25 runs the main policy", "smtpd", "25", "127.0.0.1", NULL },
	{ "port 587", NULL, "587", NULL, "submission" },
	{ "daemon_name submission", "submission", "25", NULL, "submission" },
	{ "name is case sensitive", "Submission", NULL, NULL, NULL },
	{ "first in file order wins over late", NULL, "587", NULL,
	    "submission" },
	{ "addr 127.0.0.3", NULL, "25", "127.0.0.3", "inner" },
	{ "addr ::1", NULL, NULL, "::1", "inner" },
	{ "addr as IPv4-mapped", NULL, NULL, "::ffff:127.0.0.3", "inner" },
	{ "other address", NULL, NULL, "127.0.0.4", NULL },
	{ "port 2525", NULL, "2525", NULL, "inner" },
	{ "port with junk", NULL, "587x", NULL, NULL },
	{ "port empty", NULL, "", NULL, NULL },
	{ "port 0587 is 587", NULL, "0587", NULL, "submission" },
	{ "addr not an address", NULL, NULL, "localhost", NULL },
};

START_TEST(test_select)
{
	const struct sel_case *c = &sel_cases[_i];
	struct rw_listener li = { c->name, c->port, c->addr };
	const struct rw_profile *pr;
	struct parsed p;

	parse_ok(conf_text, &p);
	ck_assert_uint_eq(p.ps.n, 3);
	pr = rw_profiles_select(&p.ps, &li);
	if (c->want == NULL)
		ck_assert_msg(pr == NULL, "%s: got profile %s, want the main "
		    "policy", c->label, pr != NULL ? pr->name : "");
	else
		ck_assert_msg(pr != NULL && strcmp(pr->name, c->want) == 0,
		    "%s: got %s, want profile %s", c->label,
		    pr != NULL ? pr->name : "the main policy", c->want);
	parsed_free(&p);
}
END_TEST

START_TEST(test_select_none)
{
	struct rw_listener li = { "submission", "587", "127.0.0.1" };
	struct parsed p;

	parse_ok("local_domains = ours.test\n", &p);
	ck_assert_uint_eq(p.ps.n, 0);
	ck_assert_ptr_null(rw_profiles_select(&p.ps, &li));
	parsed_free(&p);
}
END_TEST

/* ------------------------------------------------------------ inheritance */

START_TEST(test_inherit)
{
	struct rw_ip ten, lo;
	const struct rw_config *sub, *inner;
	struct parsed p;
	char	 buf[256];

	parse_ok(conf_text, &p);
	ck_assert(rw_ip_parse("10.1.2.3", &ten));
	ck_assert(rw_ip_parse("127.0.0.1", &lo));
	sub = p.ps.v[0].cfg;
	inner = p.ps.v[1].cfg;
	/* main: untouched by the sections */
	ck_assert_int_eq(p.main->rdns_check, RW_RDNS_REJECT);
	ck_assert_uint_eq(p.main->max_recipients, 50);
	ck_assert(rw_cidr_list_match(&p.main->trusted_networks, &lo));
	ck_assert(!rw_cidr_list_match(&p.main->trusted_networks, &ten));
	/* submission: sets two keys, inherits the rest */
	ck_assert_int_eq(sub->rdns_check, RW_RDNS_OFF);
	ck_assert(rw_cidr_list_match(&sub->trusted_networks, &ten));
	ck_assert_msg(!rw_cidr_list_match(&sub->trusted_networks, &lo),
	    "a list key set in a profile replaces the main list");
	ck_assert_uint_eq(sub->max_recipients, 50);
	ck_assert(rw_domain_list_match(&sub->local_domains, "ours.test"));
	/* inner: one key; the main part's others */
	ck_assert_uint_eq(inner->max_recipients, 2);
	ck_assert_int_eq(inner->rdns_check, RW_RDNS_REJECT);
	ck_assert(rw_cidr_list_match(&inner->trusted_networks, &lo));
	/* match text, for -t */
	rw_profile_match_text(&p.ps.v[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "name submission, port 587");
	rw_profile_match_text(&p.ps.v[1], buf, sizeof(buf));
	ck_assert_str_eq(buf, "addr 127.0.0.3, addr ::1, port 2525");
	ck_assert_uint_eq(p.ps.v[0].line, 6);
	ck_assert_uint_eq(p.ps.v[2].line, 14);
	parsed_free(&p);
}
END_TEST

/* a section key is not a main key: the main text holds none of it */
START_TEST(test_main_text)
{
	char	*t = rw_profiles_main_text(conf_text);
	size_t	 lines = 0;
	const char *q;

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(strstr(t, "10.0.0.0/8"));
	ck_assert_ptr_null(strstr(t, "match"));
	ck_assert_ptr_nonnull(strstr(t, "rdns_check = reject"));
	for (q = t; *q != '\0'; q++)
		lines += *q == '\n';
	ck_assert_uint_ge(lines, 16);	/* every line kept, maybe blanked */
	ck_assert_msg(strncmp(t, "trusted_networks = 127.0.0.0/8\n"
	    "local_domains = ours.test\nrdns_check = reject\n"
	    "max_recipients = 50\n\n\n\n\n\n", 100) == 0,
	    "line numbers moved: \"%s\"", t);
	free(t);
}
END_TEST

/* ------------------------------------------------------------ errors */

static const struct err_case {
	const char	*label;
	const char	*text;
	const char	*want[3];	/* substrings of the report */
} err_cases[] = {
	{ "header not a profile", "[submission]\nmatch = port 587\n",
	    { "test.conf:1: expected \"[profile NAME]\"" } },
	{ "header bad name", "\n[profile sub mission]\nmatch = port 1\n",
	    { "test.conf:2: expected" } },
	{ "no match", "[profile a]\nrdns_check = off\n",
	    { "test.conf:1: profile has no \"match\" line: a" } },
	{ "match twice", "[profile a]\nmatch = port 1\nmatch = port 2\n",
	    { "test.conf:3: match given twice" } },
	{ "empty match", "[profile a]\nmatch = ,\n",
	    { "test.conf:2: match needs at least one entry" } },
	{ "bad port", "[profile a]\nmatch = port 65536\n",
	    { "test.conf:2: match: port must be" } },
	{ "bad addr", "[profile a]\nmatch = addr 300.1.1.1\n",
	    { "test.conf:2: match: addr must be" } },
	{ "bad kind", "[profile a]\nmatch = interface eth0\n",
	    { "test.conf:2: match: a match entry starts with" } },
	{ "no value", "[profile a]\nmatch = port\n",
	    { "test.conf:2: match: a match entry is" } },
	{ "daemon key", "[profile a]\nmatch = port 1\nsocket = unix:/x\n",
	    { "test.conf:3: not a policy key", "socket" } },
	{ "unknown key", "[profile a]\nmatch = port 1\nfrobnicate = 1\n",
	    { "test.conf:3: not a policy key", "frobnicate" } },
	{ "bad value", "x = 1\n[profile a]\nmatch = port 1\nrdns_check = maybe\n",
	    { "test.conf:4: rdns_check must be" } },
	{ "key twice in a profile",
	    "[profile a]\nmatch = port 1\nmax_recipients = 1\nmax_recipients = 2\n",
	    { "test.conf:4: max_recipients given twice" } },
	{ "duplicate profile",
	    "[profile a]\nmatch = port 1\n[profile a]\nmatch = port 2\n",
	    { "test.conf:3: profile defined twice: a" } },
	{ "errors in two profiles",
	    "[profile a]\nmatch = port 0\n[profile b]\nmatch = port 1\n"
	    "max_recipients = many\n",
	    { "test.conf:2:", "test.conf:5:" } },
};

START_TEST(test_errors)
{
	const struct err_case *c = &err_cases[_i];
	struct rw_profiles ps;
	char	err[RW_ERR_MAX];
	size_t	i;

	ck_assert_msg(!rw_profiles_parse(c->text, SOURCE, NULL, NULL, &ps,
	    err, sizeof(err)), "%s: parsed, want an error", c->label);
	ck_assert_msg(ps.n == 0 && ps.v == NULL, "%s: profiles left", c->label);
	for (i = 0; i < 3 && c->want[i] != NULL; i++)
		ck_assert_msg(strstr(err, c->want[i]) != NULL,
		    "%s: got \"%s\", want \"%s\"", c->label, err, c->want[i]);
}
END_TEST

/* "file:" lists in the main part are read again for each profile */
static char *
reader(const char *path, void *ctx, char *err, size_t errlen)
{
	(*(unsigned int *)ctx)++;
	if (strcmp(path, "/etc/rw/nets") == 0)
		return strdup("192.0.2.0/24\n");
	snprintf(err, errlen, "no such file");
	return NULL;
}

START_TEST(test_file_lists)
{
	struct rw_profiles ps;
	struct rw_ip ip;
	unsigned int calls = 0;
	char	err[RW_ERR_MAX];

	ck_assert_msg(rw_profiles_parse("trusted_networks = file:/etc/rw/nets\n"
	    "[profile a]\nmatch = port 1\nrdns_check = off\n", SOURCE, reader,
	    &calls, &ps, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(calls, 1);
	ck_assert(rw_ip_parse("192.0.2.9", &ip));
	ck_assert(rw_cidr_list_match(&ps.v[0].cfg->trusted_networks, &ip));
	rw_profiles_free(&ps);
	ck_assert(!rw_profiles_parse("[profile a]\nmatch = port 1\n"
	    "local_domains = file:/nope\n", SOURCE, reader, &calls, &ps, err,
	    sizeof(err)));
	ck_assert_msg(strstr(err, "test.conf:3: local_domains: cannot read "
	    "/nope") != NULL, "got \"%s\"", err);
}
END_TEST

static Suite *
profile_suite(void)
{
	Suite	*s = suite_create("profile");
	TCase	*tc;

	tc = tcase_create("selection");
	tcase_add_loop_test(tc, test_select, 0,
	    sizeof(sel_cases) / sizeof(sel_cases[0]));
	tcase_add_test(tc, test_select_none);
	suite_add_tcase(s, tc);
	tc = tcase_create("inheritance");
	tcase_add_test(tc, test_inherit);
	tcase_add_test(tc, test_main_text);
	tcase_add_test(tc, test_file_lists);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_errors, 0,
	    sizeof(err_cases) / sizeof(err_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(profile_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
