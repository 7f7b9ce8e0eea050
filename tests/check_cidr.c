/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_cidr - unit tests for rw_ip_parse(), rw_cidr_parse(),
 *	rw_cidr_match() and rw_cidr_list_match()
 * DESCRIPTION
 *	Table-driven. Expected addresses are given as text and turned into
 *	bytes with inet_pton(3), so the tests do not depend on the code
 *	under test to build their expectations. An IPv4-mapped IPv6
 *	address is stored as IPv4 (rw_policy.h, struct rw_ip). A CIDR with
 *	host bits set is an error (doc/DESIGN.md, "Configuration").
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rw_policy.h"

static const char *
family_name(int af)
{
	return af == AF_INET ? "AF_INET" : af == AF_INET6 ? "AF_INET6" : "?";
}

/* want_ip - bytes of a textual address, by inet_pton */
static void
want_ip(const char *text, int *af, unsigned char *b)
{
	memset(b, 0, 16);
	if (inet_pton(AF_INET, text, b) == 1) {
		*af = AF_INET;
		return;
	}
	ck_assert_msg(inet_pton(AF_INET6, text, b) == 1,
	    "test bug: bad expected address %s", text);
	*af = AF_INET6;
}

static void
hex(const unsigned char *b, size_t n, char *buf)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(buf + 2 * i, "%02x", b[i]);
}

static void
check_ip(const char *label, const struct rw_ip *got, const char *want)
{
	unsigned char wb[16];
	char gh[33], wh[33];
	size_t n;
	int af;

	want_ip(want, &af, wb);
	ck_assert_msg(got->family == af, "%s: family: got %s, want %s",
	    label, family_name(got->family), family_name(af));
	n = af == AF_INET ? 4 : 16;
	hex(got->b, n, gh);
	hex(wb, n, wh);
	ck_assert_msg(memcmp(got->b, wb, n) == 0, "%s: bytes: got %s, want %s",
	    label, gh, wh);
}

/* ------------------------------------------------------------ rw_ip_parse */

struct ip_case {
	const char	*label;
	const char	*text;
	bool		 ok;
	const char	*want;		/* its value, when ok */
};

static const struct ip_case ip_cases[] = {
	{ "IPv4", "192.0.2.1", true, "192.0.2.1" },
	{ "IPv4 zero", "0.0.0.0", true, "0.0.0.0" },
	{ "IPv4 broadcast", "255.255.255.255", true, "255.255.255.255" },
	{ "IPv6 loopback", "::1", true, "::1" },
	{ "IPv6 unspecified", "::", true, "::" },
	{ "IPv6 compressed", "2001:db8::1", true, "2001:db8::1" },
	{ "IPv6 upper case", "2001:DB8::A", true, "2001:db8::a" },
	{ "IPv6 full", "2001:db8:0:0:0:0:0:1", true, "2001:db8::1" },
	{ "IPv6 with IPv6: tag", "IPv6:2001:db8::1", true, "2001:db8::1" },
	{ "mapped IPv4 is IPv4", "::ffff:192.0.2.1", true, "192.0.2.1" },
	{ "mapped loopback is IPv4", "::ffff:127.0.0.1", true, "127.0.0.1" },
	{ "mapped, hex form", "::ffff:c000:201", true, "192.0.2.1" },
	{ "mapped with tag", "IPv6:::ffff:10.1.2.3", true, "10.1.2.3" },
	{ "empty", "", false, NULL },
	{ "garbage", "garbage", false, NULL },
	{ "IPv4 octet 256", "256.1.1.1", false, NULL },
	{ "IPv4 three octets", "192.0.2", false, NULL },
	{ "IPv4 five octets", "192.0.2.1.5", false, NULL },
	{ "IPv4 trailing dot", "192.0.2.1.", false, NULL },
	{ "IPv4 with prefix", "192.0.2.0/24", false, NULL },
	{ "IPv4 leading space", " 192.0.2.1", false, NULL },
	{ "IPv4 trailing junk", "192.0.2.1x", false, NULL },
	{ "IPv6 two ::", "2001:db8::1::2", false, NULL },
	{ "IPv6 group too long", "2001:db8::12345", false, NULL },
	{ "IPv6 nine groups", "1:2:3:4:5:6:7:8:9", false, NULL },
	{ "tag alone", "IPv6:", false, NULL },
};

START_TEST(test_ip_parse)
{
	const struct ip_case *c = &ip_cases[_i];
	struct rw_ip ip;
	bool ok;

	memset(&ip, 0, sizeof(ip));
	ok = rw_ip_parse(c->text, &ip);
	ck_assert_msg(ok == c->ok, "%s: rw_ip_parse(\"%s\"): got %s, want %s",
	    c->label, c->text, ok ? "true" : "false", c->ok ? "true" : "false");
	if (c->ok)
		check_ip(c->label, &ip, c->want);
}
END_TEST

/* ------------------------------------------------------------ rw_ip_format */

struct fmt_case {
	const char	*label;
	const char	*text;
	const char	*want;
};

static const struct fmt_case fmt_cases[] = {
	{ "IPv4", "192.0.2.1", "192.0.2.1" },
	{ "IPv6 compressed on output", "2001:db8:0:0:0:0:0:1", "2001:db8::1" },
	{ "IPv6 lower case on output", "2001:DB8::A", "2001:db8::a" },
	{ "mapped prints as IPv4", "::ffff:192.0.2.1", "192.0.2.1" },
};

START_TEST(test_ip_format)
{
	const struct fmt_case *c = &fmt_cases[_i];
	struct rw_ip ip;
	char buf[RW_IPTEXT_MAX];

	ck_assert_msg(rw_ip_parse(c->text, &ip), "%s: rw_ip_parse(\"%s\"): "
	    "got false, want true", c->label, c->text);
	rw_ip_format(&ip, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, c->want) == 0, "%s: got \"%s\", want \"%s\"",
	    c->label, buf, c->want);
}
END_TEST

/* ------------------------------------------------------------ rw_cidr_parse */

struct cidr_case {
	const char	*label;
	const char	*text;
	bool		 ok;
	const char	*net;		/* when ok */
	unsigned int	 prefix;
};

static const struct cidr_case cidr_cases[] = {
	{ "IPv4 /8", "10.0.0.0/8", true, "10.0.0.0", 8 },
	{ "IPv4 /24", "192.0.2.0/24", true, "192.0.2.0", 24 },
	{ "IPv4 /32", "192.0.2.1/32", true, "192.0.2.1", 32 },
	{ "IPv4 /0", "0.0.0.0/0", true, "0.0.0.0", 0 },
	{ "IPv4 /31", "192.0.2.2/31", true, "192.0.2.2", 31 },
	{ "IPv4 without length is /32", "192.0.2.1", true, "192.0.2.1", 32 },
	{ "IPv6 /32", "2001:db8::/32", true, "2001:db8::", 32 },
	{ "IPv6 /64", "2001:db8:2:3::/64", true, "2001:db8:2:3::", 64 },
	{ "IPv6 /128", "::1/128", true, "::1", 128 },
	{ "IPv6 /0", "::/0", true, "::", 0 },
	{ "IPv6 /127", "2001:db8::2/127", true, "2001:db8::2", 127 },
	{ "IPv6 without length is /128", "2001:db8::5", true,
	    "2001:db8::5", 128 },
	{ "mapped CIDR is IPv4", "::ffff:10.0.0.0/104", true, "10.0.0.0", 8 },
	{ "mapped CIDR /128 is IPv4 /32", "::ffff:192.0.2.1/128", true,
	    "192.0.2.1", 32 },
	{ "IPv4 host bits set", "192.0.2.1/24", false, NULL, 0 },
	{ "IPv4 host bits set, /0", "1.0.0.0/0", false, NULL, 0 },
	{ "IPv4 host bits set, /31", "192.0.2.3/31", false, NULL, 0 },
	{ "IPv6 host bits set", "2001:db8::1/32", false, NULL, 0 },
	{ "IPv6 host bits set, /127", "2001:db8::3/127", false, NULL, 0 },
	{ "IPv4 prefix 33", "10.0.0.0/33", false, NULL, 0 },
	{ "IPv6 prefix 129", "2001:db8::/129", false, NULL, 0 },
	{ "negative prefix", "10.0.0.0/-1", false, NULL, 0 },
	{ "huge prefix", "10.0.0.0/4294967304", false, NULL, 0 },
	{ "empty prefix", "10.0.0.0/", false, NULL, 0 },
	{ "prefix with junk", "10.0.0.0/8x", false, NULL, 0 },
	{ "prefix with space", "10.0.0.0/ 8", false, NULL, 0 },
	{ "no address", "/8", false, NULL, 0 },
	{ "two slashes", "10.0.0.0/8/8", false, NULL, 0 },
	{ "empty", "", false, NULL, 0 },
	{ "garbage", "garbage", false, NULL, 0 },
	{ "bad address", "300.0.0.0/8", false, NULL, 0 },
	{ "hostname", "example.test/24", false, NULL, 0 },
};

START_TEST(test_cidr_parse)
{
	const struct cidr_case *c = &cidr_cases[_i];
	struct rw_cidr cidr;
	char err[256];
	bool ok;

	memset(&cidr, 0, sizeof(cidr));
	strcpy(err, "");
	ok = rw_cidr_parse(c->text, &cidr, err, sizeof(err));
	ck_assert_msg(ok == c->ok, "%s: rw_cidr_parse(\"%s\"): got %s (%s), "
	    "want %s", c->label, c->text, ok ? "true" : "false", err,
	    c->ok ? "true" : "false");
	if (c->ok) {
		check_ip(c->label, &cidr.net, c->net);
		ck_assert_msg(cidr.prefix == c->prefix,
		    "%s: prefix: got %u, want %u", c->label, cidr.prefix,
		    c->prefix);
	} else
		ck_assert_msg(err[0] != '\0', "%s: err: got \"\", want a "
		    "reason", c->label);
}
END_TEST

/* ------------------------------------------------------------ rw_cidr_match */

struct match_case {
	const char	*label;
	const char	*cidr;
	const char	*ip;
	bool		 match;
};

static const struct match_case match_cases[] = {
	{ "/8 first", "10.0.0.0/8", "10.0.0.0", true },
	{ "/8 last", "10.0.0.0/8", "10.255.255.255", true },
	{ "/8 one above", "10.0.0.0/8", "11.0.0.0", false },
	{ "/8 one below", "10.0.0.0/8", "9.255.255.255", false },
	{ "/24 first", "192.0.2.0/24", "192.0.2.0", true },
	{ "/24 last", "192.0.2.0/24", "192.0.2.255", true },
	{ "/24 one above", "192.0.2.0/24", "192.0.3.0", false },
	{ "/24 one below", "192.0.2.0/24", "192.0.1.255", false },
	{ "/25 upper half", "192.0.2.128/25", "192.0.2.200", true },
	{ "/25 lower half", "192.0.2.128/25", "192.0.2.127", false },
	{ "/32 itself", "192.0.2.77/32", "192.0.2.77", true },
	{ "/32 one below", "192.0.2.77/32", "192.0.2.76", false },
	{ "/32 one above", "192.0.2.77/32", "192.0.2.78", false },
	{ "/0 anything", "0.0.0.0/0", "203.0.113.5", true },
	{ "/0 top", "0.0.0.0/0", "255.255.255.255", true },
	{ "IPv4 /0 not IPv6", "0.0.0.0/0", "2001:db8::1", false },
	{ "mapped in 127/8", "127.0.0.0/8", "::ffff:127.0.0.1", true },
	{ "mapped outside 127/8", "127.0.0.0/8", "::ffff:128.0.0.1", false },
	{ "mapped CIDR matches IPv4", "::ffff:10.0.0.0/104", "10.1.2.3", true },
	{ "mapped CIDR, IPv4 outside", "::ffff:10.0.0.0/104", "11.1.2.3",
	    false },
	{ "IPv6 /128 itself", "2001:db8::5/128", "2001:db8::5", true },
	{ "IPv6 /128 one below", "2001:db8::5/128", "2001:db8::4", false },
	{ "IPv6 /128 one above", "2001:db8::5/128", "2001:db8::6", false },
	{ "::1/128", "::1/128", "::1", true },
	{ "::1/128 not ::2", "::1/128", "::2", false },
	{ "::1/128 not 127.0.0.1", "::1/128", "127.0.0.1", false },
	{ "IPv6 /64 first", "2001:db8:2:3::/64", "2001:db8:2:3::", true },
	{ "IPv6 /64 last", "2001:db8:2:3::/64",
	    "2001:db8:2:3:ffff:ffff:ffff:ffff", true },
	{ "IPv6 /64 one above", "2001:db8:2:3::/64", "2001:db8:2:4::", false },
	{ "IPv6 /64 one below", "2001:db8:2:3::/64",
	    "2001:db8:2:2:ffff:ffff:ffff:ffff", false },
	{ "IPv6 /32 first", "2001:db8::/32", "2001:db8::", true },
	{ "IPv6 /32 last", "2001:db8::/32",
	    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "IPv6 /32 one above", "2001:db8::/32", "2001:db9::", false },
	{ "IPv6 /32 one below", "2001:db8::/32",
	    "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "IPv6 /33 boundary in", "2001:db8:8000::/33", "2001:db8:8000::1",
	    true },
	{ "IPv6 /33 boundary out", "2001:db8:8000::/33",
	    "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", false },
	{ "IPv6 /0 anything", "::/0", "2001:db8::1", true },
	{ "IPv6 /0 not IPv4", "::/0", "192.0.2.1", false },
};

START_TEST(test_cidr_match)
{
	const struct match_case *c = &match_cases[_i];
	struct rw_cidr cidr;
	struct rw_ip ip;
	char err[256];
	bool m;

	ck_assert_msg(rw_cidr_parse(c->cidr, &cidr, err, sizeof(err)),
	    "%s: rw_cidr_parse(\"%s\"): got false (%s), want true", c->label,
	    c->cidr, err);
	ck_assert_msg(rw_ip_parse(c->ip, &ip), "%s: rw_ip_parse(\"%s\"): got "
	    "false, want true", c->label, c->ip);
	m = rw_cidr_match(&cidr, &ip);
	ck_assert_msg(m == c->match, "%s: %s in %s: got %s, want %s",
	    c->label, c->ip, c->cidr, m ? "true" : "false",
	    c->match ? "true" : "false");
}
END_TEST

/* ---------------------------------------------------- rw_cidr_list_match */

struct list_case {
	const char	*label;
	const char	*ip;
	bool		 match;
};

static const char *const list_cidrs[] = {
	"10.0.0.0/8", "192.0.2.77/32", "2001:db8:1::/48", "::1/128",
};

static const struct list_case list_cases[] = {
	{ "first entry", "10.9.8.7", true },
	{ "second entry", "192.0.2.77", true },
	{ "third entry", "2001:db8:1:ffff::1", true },
	{ "last entry", "::1", true },
	{ "mapped hits IPv4 entry", "::ffff:10.0.0.1", true },
	{ "in none", "192.0.2.78", false },
	{ "IPv6 in none", "2001:db8:2::1", false },
};

START_TEST(test_cidr_list_match)
{
	const struct list_case *c = &list_cases[_i];
	struct rw_cidr v[sizeof(list_cidrs) / sizeof(list_cidrs[0])];
	struct rw_cidr_list list = { v, sizeof(v) / sizeof(v[0]) };
	struct rw_cidr_list empty = { NULL, 0 };
	struct rw_ip ip;
	char err[256];
	size_t i;
	bool m;

	for (i = 0; i < list.n; i++)
		ck_assert_msg(rw_cidr_parse(list_cidrs[i], &v[i], err,
		    sizeof(err)), "%s: rw_cidr_parse(\"%s\"): got false (%s), "
		    "want true", c->label, list_cidrs[i], err);
	ck_assert_msg(rw_ip_parse(c->ip, &ip), "%s: rw_ip_parse(\"%s\"): got "
	    "false, want true", c->label, c->ip);
	m = rw_cidr_list_match(&list, &ip);
	ck_assert_msg(m == c->match, "%s: %s in list: got %s, want %s",
	    c->label, c->ip, m ? "true" : "false", c->match ? "true" : "false");
	m = rw_cidr_list_match(&empty, &ip);
	ck_assert_msg(!m, "%s: %s in empty list: got true, want false",
	    c->label, c->ip);
}
END_TEST

static Suite *
cidr_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("cidr");
	tc = tcase_create("ip");
	tcase_add_loop_test(tc, test_ip_parse, 0,
	    sizeof(ip_cases) / sizeof(ip_cases[0]));
	tcase_add_loop_test(tc, test_ip_format, 0,
	    sizeof(fmt_cases) / sizeof(fmt_cases[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("cidr");
	tcase_add_loop_test(tc, test_cidr_parse, 0,
	    sizeof(cidr_cases) / sizeof(cidr_cases[0]));
	tcase_add_loop_test(tc, test_cidr_match, 0,
	    sizeof(match_cases) / sizeof(match_cases[0]));
	tcase_add_loop_test(tc, test_cidr_list_match, 0,
	    sizeof(list_cases) / sizeof(list_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(cidr_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
