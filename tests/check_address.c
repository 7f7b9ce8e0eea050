/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_address - unit tests for rw_address_parse()
 * DESCRIPTION
 *	Table-driven tests of the envelope address analysis: null sender,
 *	plain addresses, the legacy routing forms (source route, percent
 *	hack, bang path) and the forms whose destination cannot be told
 *	(doc/DESIGN.md, "Relay control").
 *
 *	Hops are compared as a set: the order may follow routing order, so
 *	each wanted hop must be present and the count must agree. Hops and
 *	domains are compared without regard to case.
 *
 *	Where DESIGN.md only says a form is refused without saying whether
 *	it is UNCLEAR or INVALID (comments, control characters, spaces,
 *	syntax errors) the row wants BAD, which accepts either.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rw_policy.h"

#define BAD	(-1)		/* RW_ADDR_UNCLEAR or RW_ADDR_INVALID */
#define NOHOPS	(-1)		/* do not check the hops */

struct addr_case {
	const char	*label;
	const char	*raw;
	int		 cls;		/* enum rw_addr_class or BAD */
	const char	*local;		/* NULL: not checked */
	const char	*domain;	/* NULL: not checked */
	int		 nhops;		/* NOHOPS: not checked */
	const char	*hops[RW_HOPS_MAX + 1];
};

static const struct addr_case addr_cases[] = {
	/* null sender, plain addresses */
	{ "null sender", "<>", RW_ADDR_NULL, NULL, NULL, 0, { NULL } },
	{ "plain", "user@example.test", RW_ADDR_PLAIN,
	    "user", "example.test", 1, { "example.test" } },
	{ "plain in angle brackets", "<user@example.test>", RW_ADDR_PLAIN,
	    "user", "example.test", 1, { "example.test" } },
	{ "dotted local part", "first.last@example.test", RW_ADDR_PLAIN,
	    "first.last", "example.test", 1, { "example.test" } },
	{ "plus in local part", "user+tag@example.test", RW_ADDR_PLAIN,
	    "user+tag", "example.test", 1, { "example.test" } },
	{ "mixed case: domain lowered, local kept", "User@Example.TEST",
	    RW_ADDR_PLAIN, "User", "example.test", 1, { "example.test" } },
	{ "one trailing dot dropped", "user@example.test.", RW_ADDR_PLAIN,
	    "user", "example.test", 1, { "example.test" } },
	{ "two trailing dots", "user@example.test..", BAD,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "empty label", "user@a..b", BAD, NULL, NULL, NOHOPS, { NULL } },
	{ "leading dot in domain", "user@.example.test", BAD,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "label starts with hyphen", "user@-bad.test", BAD,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "empty domain", "user@", BAD, NULL, NULL, NOHOPS, { NULL } },
	{ "empty local part", "@example.test", BAD,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "unbalanced angle bracket", "<user@example.test", BAD,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "doubled angle brackets", "<<user@example.test>>", BAD,
	    NULL, NULL, NOHOPS, { NULL } },

	/* bare local parts */
	{ "bare postmaster", "postmaster", RW_ADDR_PLAIN,
	    "postmaster", "", 0, { NULL } },
	{ "bare Postmaster in brackets", "<Postmaster>", RW_ADDR_PLAIN,
	    "Postmaster", "", 0, { NULL } },
	{ "bare percent hack", "user%other.example", RW_ADDR_ROUTED,
	    NULL, "", 1, { "other.example" } },
	{ "bare bang path", "other.example!user", RW_ADDR_ROUTED,
	    NULL, "", 1, { "other.example" } },

	/* percent hack */
	{ "percent hack", "user%other.example@ours.test", RW_ADDR_ROUTED,
	    NULL, "ours.test", 2, { "ours.test", "other.example" } },
	{ "percent hack, mixed case hop", "user%Other.EXAMPLE@ours.test",
	    RW_ADDR_ROUTED, NULL, "ours.test", 2,
	    { "ours.test", "other.example" } },
	{ "percent hack, two hops", "u%b.test%a.test@c.test",
	    RW_ADDR_ROUTED, NULL, "c.test", 3,
	    { "c.test", "a.test", "b.test" } },

	/* bang paths */
	{ "bang path with domain", "other.example!user@ours.test",
	    RW_ADDR_ROUTED, NULL, "ours.test", 2,
	    { "ours.test", "other.example" } },
	{ "two bang hops", "a.test!b.test!user@ours.test", RW_ADDR_ROUTED,
	    NULL, "ours.test", 3, { "ours.test", "a.test", "b.test" } },
	{ "exactly 8 hops",
	    "a.test!b.test!c.test!d.test!e.test!f.test!g.test!u@ours.test",
	    RW_ADDR_ROUTED, NULL, "ours.test", 8,
	    { "ours.test", "a.test", "b.test", "c.test", "d.test", "e.test",
	      "f.test", "g.test" } },
	{ "9 hops is too many",
	    "a.test!b.test!c.test!d.test!e.test!f.test!g.test!h.test!"
	    "u@ours.test",
	    RW_ADDR_UNCLEAR, NULL, NULL, NOHOPS, { NULL } },
	{ "9 percent hops is too many",
	    "u%a.test%b.test%c.test%d.test%e.test%f.test%g.test%h.test"
	    "@ours.test",
	    RW_ADDR_UNCLEAR, NULL, NULL, NOHOPS, { NULL } },

	/* source routes */
	{ "source route", "@ours.test:user@other.example", RW_ADDR_ROUTED,
	    NULL, "other.example", 2, { "ours.test", "other.example" } },
	{ "source route in brackets", "<@ours.test:user@other.example>",
	    RW_ADDR_ROUTED, NULL, "other.example", 2,
	    { "ours.test", "other.example" } },
	{ "source route, two hops", "@a.test,@b.test:user@c.test",
	    RW_ADDR_ROUTED, NULL, "c.test", 3,
	    { "a.test", "b.test", "c.test" } },
	{ "source route, 9 hops",
	    "@a.test,@b.test,@c.test,@d.test,@e.test,@f.test,@g.test,@h.test:"
	    "u@i.test",
	    RW_ADDR_UNCLEAR, NULL, NULL, NOHOPS, { NULL } },

	/* quoted local parts */
	{ "quoted with space is plain", "\"john smith\"@ours.test",
	    RW_ADDR_PLAIN, "\"john smith\"", "ours.test", 1, { "ours.test" } },
	{ "quoted, nothing special", "\"user\"@ours.test", RW_ADDR_PLAIN,
	    "\"user\"", "ours.test", 1, { "ours.test" } },
	{ "quoted address", "\"user@other.example\"@ours.test",
	    RW_ADDR_UNCLEAR, NULL, NULL, NOHOPS, { NULL } },
	{ "quoted percent", "\"a%b\"@ours.test", RW_ADDR_UNCLEAR,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "quoted bang", "\"other.example!user\"@ours.test", RW_ADDR_UNCLEAR,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "quoted colon", "\"a:b\"@ours.test", RW_ADDR_UNCLEAR,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "quoted comma", "\"a,b\"@ours.test", RW_ADDR_UNCLEAR,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "quoted backslash escape", "\"a\\\"b\"@ours.test", RW_ADDR_UNCLEAR,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "quoted escaped at", "\"user\\@other.example\"@ours.test",
	    RW_ADDR_UNCLEAR, NULL, NULL, NOHOPS, { NULL } },
	{ "unquoted backslash escape", "user\\@other.example@ours.test",
	    BAD, NULL, NULL, NOHOPS, { NULL } },

	/* other forms that hide the destination */
	{ "doubled at", "user@other.example@ours.test", RW_ADDR_UNCLEAR,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "bang and percent", "a.test!user%b.test@ours.test", RW_ADDR_UNCLEAR,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "percent and bang", "user%b.test!c@ours.test", RW_ADDR_UNCLEAR,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "comment in local part", "user(comment)@ours.test", BAD,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "comment before address", "(c)user@ours.test", BAD,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "comment in domain", "user@ours.test(x)", BAD,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "space in local part", "us er@ours.test", BAD,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "space in domain", "user@ours .test", BAD,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "control char in local part", "us\x01" "er@ours.test", BAD,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "CR LF in domain", "user@ours.test\r\nRCPT TO:<x@y.test>", BAD,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "DEL in domain", "user@ou\x7frs.test", BAD,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "8-bit byte in domain", "user@\xc3\xa9xample.test", BAD,
	    NULL, NULL, NOHOPS, { NULL } },

	/* address literals */
	{ "IPv4 literal", "user@[192.0.2.1]", RW_ADDR_PLAIN,
	    "user", "[192.0.2.1]", 1, { "[192.0.2.1]" } },
	{ "IPv6 literal", "user@[IPv6:2001:db8::1]", RW_ADDR_PLAIN,
	    "user", "[ipv6:2001:db8::1]", 1, { "[ipv6:2001:db8::1]" } },
	{ "IPv6 literal, upper case", "user@[IPV6:2001:DB8::1]",
	    RW_ADDR_PLAIN, "user", "[ipv6:2001:db8::1]", 1,
	    { "[ipv6:2001:db8::1]" } },
	{ "IPv6 literal, uncompressed", "user@[IPv6:2001:db8:0:0:0:0:0:1]",
	    RW_ADDR_PLAIN, "user", "[ipv6:2001:db8::1]", 1,
	    { "[ipv6:2001:db8::1]" } },
	{ "bad IPv4 literal", "user@[300.1.1.1]", RW_ADDR_INVALID,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "short IPv4 literal", "user@[192.0.2]", RW_ADDR_INVALID,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "IPv6 literal without tag", "user@[2001:db8::1]", RW_ADDR_INVALID,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "bad IPv6 literal", "user@[IPv6:2001:db8::1::2]", RW_ADDR_INVALID,
	    NULL, NULL, NOHOPS, { NULL } },
	{ "unclosed literal", "user@[192.0.2.1", BAD,
	    NULL, NULL, NOHOPS, { NULL } },
};

/*
 * Rows whose input is too long to write out: head, then fill repeated
 * nfill times, then tail; or, when namelen is not 0, head followed by
 * a domain of namelen octets made of short labels.
 */
struct long_case {
	const char	*label;
	const char	*head;
	char		 fill;
	size_t		 nfill;
	const char	*tail;
	size_t		 namelen;
	int		 cls;
	size_t		 domainlen;	/* 0: not checked */
};

static const struct long_case long_cases[] = {
	{ "local part of 64 octets", "", 'a', 64, "@ours.test", 0,
	    RW_ADDR_PLAIN, 9 },
	{ "address longer than RW_ADDR_MAX", "", 'a', RW_ADDR_MAX + 10,
	    "@ours.test", 0, RW_ADDR_INVALID, 0 },
	{ "label of 63 octets", "user@", 'a', 63, ".test", 0,
	    RW_ADDR_PLAIN, 68 },
	{ "label of 64 octets", "user@", 'a', 64, ".test", 0,
	    RW_ADDR_INVALID, 0 },
	{ "label of 64 octets in a percent hop", "user%", 'a', 64,
	    ".test@ours.test", 0, BAD, 0 },
	{ "domain of 201 octets", "user@", 0, 0, "", 201,
	    RW_ADDR_PLAIN, 201 },
	{ "domain of 301 octets", "user@", 0, 0, "", 301,
	    RW_ADDR_INVALID, 0 },
};

static const char *
cls_name(int cls)
{
	switch (cls) {
	case RW_ADDR_NULL:
		return "NULL";
	case RW_ADDR_PLAIN:
		return "PLAIN";
	case RW_ADDR_ROUTED:
		return "ROUTED";
	case RW_ADDR_UNCLEAR:
		return "UNCLEAR";
	case RW_ADDR_INVALID:
		return "INVALID";
	case BAD:
		return "UNCLEAR or INVALID";
	}
	return "?";
}

static bool
cls_ok(int want, enum rw_addr_class got)
{
	if (want == BAD)
		return got == RW_ADDR_UNCLEAR || got == RW_ADDR_INVALID;
	return (int)got == want;
}

/* hops_text - the hops as one string, for messages */
static void
hops_text(const struct rw_address *a, char *buf, size_t len)
{
	size_t i, n;

	buf[0] = '\0';
	n = a->nhops < RW_HOPS_MAX ? a->nhops : RW_HOPS_MAX;
	for (i = 0; i < n; i++) {
		strncat(buf, i ? "," : "{", len - strlen(buf) - 1);
		strncat(buf, a->hops[i], len - strlen(buf) - 1);
	}
	strncat(buf, n ? "}" : "{}", len - strlen(buf) - 1);
}

static void
check_hops(const char *label, const struct rw_address *a, int nwant,
    const char *const *want)
{
	char got[RW_HOPS_MAX * (RW_HOSTNAME_MAX + 2) + 4];
	size_t i, j;
	bool found;

	hops_text(a, got, sizeof(got));
	ck_assert_msg(a->nhops == (size_t)nwant,
	    "%s: nhops: got %zu %s, want %d", label, a->nhops, got, nwant);
	for (i = 0; i < (size_t)nwant; i++) {
		found = false;
		for (j = 0; j < a->nhops && j < RW_HOPS_MAX; j++)
			if (strcasecmp(a->hops[j], want[i]) == 0)
				found = true;
		ck_assert_msg(found, "%s: hops: got %s, want %s among them",
		    label, got, want[i]);
	}
}

static void
check_common(const char *label, const struct rw_address *a, int cls)
{
	ck_assert_msg(cls_ok(cls, a->cls), "%s: cls: got %s, want %s",
	    label, cls_name(a->cls), cls_name(cls));
	ck_assert_msg(a->nhops <= RW_HOPS_MAX,
	    "%s: nhops: got %zu, want at most %d", label, a->nhops,
	    RW_HOPS_MAX);
	if (a->cls == RW_ADDR_ROUTED || a->cls == RW_ADDR_UNCLEAR ||
	    a->cls == RW_ADDR_INVALID)
		ck_assert_msg(a->why != NULL && a->why[0] != '\0',
		    "%s: why: got %s, want a reason", label,
		    a->why ? "\"\"" : "NULL");
}

START_TEST(test_address_table)
{
	const struct addr_case *c = &addr_cases[_i];
	struct rw_address a;

	memset(&a, 0, sizeof(a));
	rw_address_parse(c->raw, &a);
	check_common(c->label, &a, c->cls);
	if (c->local != NULL)
		ck_assert_msg(strcmp(a.local, c->local) == 0,
		    "%s: local: got \"%s\", want \"%s\"", c->label, a.local,
		    c->local);
	if (c->domain != NULL)
		ck_assert_msg(strcasecmp(a.domain, c->domain) == 0,
		    "%s: domain: got \"%s\", want \"%s\"", c->label,
		    a.domain, c->domain);
	if (c->nhops != NOHOPS)
		check_hops(c->label, &a, c->nhops, c->hops);
}
END_TEST

/* build_long - the input of a long_case row, malloc'd */
static char *
build_long(const struct long_case *c)
{
	char *buf, *p;
	size_t i;

	buf = malloc(strlen(c->head) + c->nfill + strlen(c->tail) +
	    c->namelen + 1);
	ck_assert_ptr_nonnull(buf);
	p = buf + sprintf(buf, "%s", c->head);
	memset(p, c->fill, c->nfill);
	p += c->nfill;
	/* "a.a.a. ... test" or "... xtest": labels of one octet */
	for (i = 0; c->namelen > 0 && c->namelen - i > 5; i += 2)
		p += sprintf(p, "a.");
	if (c->namelen > 0)
		p += sprintf(p, "%s", c->namelen - i == 5 ? "xtest" : "test");
	sprintf(p, "%s", c->tail);
	return buf;
}

START_TEST(test_address_long)
{
	const struct long_case *c = &long_cases[_i];
	struct rw_address a;
	char *raw;

	raw = build_long(c);
	memset(&a, 0, sizeof(a));
	rw_address_parse(raw, &a);
	check_common(c->label, &a, c->cls);
	if (c->domainlen != 0)
		ck_assert_msg(strlen(a.domain) == c->domainlen,
		    "%s: domain length: got %zu, want %zu", c->label,
		    strlen(a.domain), c->domainlen);
	free(raw);
}
END_TEST

/* The parser must not read the output buffer: same answer twice. */
START_TEST(test_address_reuse)
{
	struct rw_address a;

	rw_address_parse("u%other.example@ours.test", &a);
	rw_address_parse("user@example.test", &a);
	ck_assert_msg(a.cls == RW_ADDR_PLAIN, "reuse: cls: got %s, want PLAIN",
	    cls_name(a.cls));
	ck_assert_msg(a.nhops == 1, "reuse: nhops: got %zu, want 1", a.nhops);
	ck_assert_msg(strcmp(a.domain, "example.test") == 0,
	    "reuse: domain: got \"%s\", want \"example.test\"", a.domain);
}
END_TEST

/*
 * rw_domain_normalize() on failure leaves "" in its output, whether it
 * failed before writing (a first hyphen) or halfway (issue 12 item 7:
 * callers printed norm[0] after a failure).
 */
static const struct {
	const char	*label, *in;
	size_t		 outlen;
} bad_domains[] = {
	{ "empty", "", 64 },
	{ "only a dot", ".", 64 },
	{ "hyphen first", "-example.test", 64 },
	{ "failure halfway", "example.-test", 64 },
	{ "bad character at the end", "example.te!st", 64 },
	{ "empty label halfway", "example..test", 64 },
	{ "hyphen last", "example.test-", 64 },
	{ "too long for the buffer", "example.test", 8 },
	{ "unterminated literal", "[192.0.2.1", 64 },
	{ "bad literal", "[300.0.2.1]", 64 },
	{ "literal too long for the buffer", "[192.0.2.1]", 6 },
	{ "63+ label", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".test", 128 },
};

START_TEST(test_domain_normalize_failure)
{
	char	out[128], err[128];
	size_t	i;

	memset(out, 'X', sizeof(out));
	strcpy(err, "");
	ck_assert_msg(!rw_domain_normalize(bad_domains[_i].in, out,
	    bad_domains[_i].outlen, err, sizeof(err)), "%s: got accepted as "
	    "\"%s\", want refused", bad_domains[_i].label, out);
	ck_assert_msg(out[0] == '\0', "%s: output got \"%.20s\", want \"\"",
	    bad_domains[_i].label, out);
	ck_assert_msg(err[0] != '\0', "%s: got no reason", bad_domains[_i].label);
	for (i = bad_domains[_i].outlen; i < sizeof(out); i++)
		ck_assert_msg(out[i] == 'X', "%s: wrote byte %zu of a %zu-byte "
		    "buffer", bad_domains[_i].label, i, bad_domains[_i].outlen);
}
END_TEST

static Suite *
address_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("address");
	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_address_table, 0,
	    sizeof(addr_cases) / sizeof(addr_cases[0]));
	tcase_add_loop_test(tc, test_address_long, 0,
	    sizeof(long_cases) / sizeof(long_cases[0]));
	tcase_add_test(tc, test_address_reuse);
	tcase_add_loop_test(tc, test_domain_normalize_failure, 0,
	    sizeof(bad_domains) / sizeof(bad_domains[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(address_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
